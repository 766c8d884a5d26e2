//! Devices of a domain's XML document as a client finds them: virsh's
//! `detach-disk`, `detach-interface` and `undefine --storage` look a
//! device up in the XML the domain gives, match it by target, source or
//! MAC address, and print the element back as the document has it. The
//! document is read as it is (no definition is built from it), so a
//! client reads a newer daemon's XML too; the matching reads typed views.
//! Snapshot and checkpoint documents are read the same way for what
//! `snapshot-info` and the list tables show.

use super::*;

/// A `<disk>` of a domain document.
#[derive(Debug, Clone, Copy)]
pub struct DocDisk<'a>(&'a Element);

/// An `<interface>` of a domain document.
#[derive(Debug, Clone, Copy)]
pub struct DocInterface<'a>(&'a Element);

/// The `<devices>` children of `domain` called `tag`, in order.
fn devices_named<'a>(domain: &'a Element, tag: &'a str) -> impl Iterator<Item = &'a Element> {
    domain
        .child("devices")
        .into_iter()
        .flat_map(move |d| d.children_named(tag))
}

/// The disks of a domain document, in order.
pub fn doc_disks(domain: &Element) -> Vec<DocDisk<'_>> {
    devices_named(domain, "disk").map(DocDisk).collect()
}

/// The interfaces of a domain document, in order.
pub fn doc_interfaces(domain: &Element) -> Vec<DocInterface<'_>> {
    devices_named(domain, "interface")
        .map(DocInterface)
        .collect()
}

impl<'a> DocDisk<'a> {
    /// The element as the document has it.
    pub fn element(&self) -> &'a Element {
        self.0
    }

    /// `<target dev=>`: the disk's name in the guest.
    pub fn target(&self) -> Option<String> {
        child_view::<DiskTarget>(self.0).ok().flatten()?.dev
    }

    /// `<source>`, typed (`None` when it does not read).
    pub fn source(&self) -> Option<DiskSource> {
        child_view::<DiskSource>(self.0).ok().flatten()
    }

    /// The element without its backing chain: the top image alone, as
    /// virsh names a disk it detaches.
    pub fn without_backing_chain(&self) -> Element {
        let mut el = self.0.clone();
        remove_children(&mut el, BackingStore::TAG);
        el
    }
}

impl<'a> DocInterface<'a> {
    /// The element as the document has it.
    pub fn element(&self) -> &'a Element {
        self.0
    }

    /// `type=`: network, bridge, user, ...
    pub fn interface_type(&self) -> Option<&'a str> {
        self.0.attr("type")
    }

    /// `<mac address=>`.
    pub fn mac(&self) -> Option<String> {
        child_view::<InterfaceMac>(self.0).ok().flatten()?.address
    }
}

/// A snapshot's or checkpoint's XML document as virsh reads it for
/// `snapshot-info` and the `*-list` tables: the document as given, read
/// without a definition built from it.
#[derive(Debug, Clone, Copy)]
pub struct DocMoment<'a>(&'a Element);

/// The moment document whose root is `root`.
pub fn doc_moment(root: &Element) -> DocMoment<'_> {
    DocMoment(root)
}

impl DocMoment<'_> {
    /// `<state>`: the domain's state when the snapshot was taken.
    pub fn state(&self) -> Option<String> {
        self.0.child("state").map(Element::text)
    }

    /// `<creationTime>`, seconds since the epoch (`None` when it does not
    /// read).
    pub fn creation_time(&self) -> Option<i64> {
        self.0.child("creationTime")?.text().trim().parse().ok()
    }

    /// `<parent><name>`: the moment this one was taken after.
    pub fn parent(&self) -> Option<String> {
        self.0.child("parent")?.child("name").map(Element::text)
    }

    /// Whether a snapshot is external, as virsh's `snapshot-info` decides
    /// it: with a `<memory>`, when the memory or some disk is external;
    /// without one (older documents), when it is a disk-only snapshot.
    pub fn is_external(&self) -> bool {
        let external = |e: &Element| e.attr("snapshot") == Some("external");
        match self.0.child("memory") {
            Some(m) => {
                external(m)
                    || self
                        .0
                        .child("disks")
                        .is_some_and(|d| d.children_named("disk").any(external))
            }
            None => self.state().as_deref() == Some("disk-snapshot"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "<domain><name>g</name><devices>\
        <disk type='file' device='disk'><source file='/a.qcow2'/>\
        <backingStore type='file'><source file='/b.raw'/></backingStore>\
        <target dev='vda' bus='virtio'/></disk>\
        <disk type='volume'><source pool='p' volume='v'/><target dev='vdb'/></disk>\
        <interface type='network'><mac address='52:54:00:aa:bb:cc'/></interface>\
        <interface type='user'/></devices></domain>";

    #[test]
    fn a_moment_document_reads_what_virsh_shows() -> Result<(), XmlError> {
        let read = |xml: &str| {
            let root = crate::parse_element(xml)?;
            let m = doc_moment(&root);
            Ok::<_, XmlError>((m.state(), m.creation_time(), m.parent(), m.is_external()))
        };
        assert_eq!(
            read("<domainsnapshot><name>s</name><state>running</state><parent><name>p</name></parent>\
                  <creationTime> 17 </creationTime><memory snapshot='internal'/>\
                  <disks><disk name='vda' snapshot='external'/></disks></domainsnapshot>")?,
            (Some("running".into()), Some(17), Some("p".into()), true)
        );
        assert_eq!(
            read("<domainsnapshot><state>disk-snapshot</state><creationTime>x</creationTime></domainsnapshot>")?,
            (Some("disk-snapshot".into()), None, None, true)
        );
        let with_memory = read(
            "<domainsnapshot><state>disk-snapshot</state><memory snapshot='no'/></domainsnapshot>",
        )?;
        assert!(
            !with_memory.3,
            "a disk-only state with an internal memory is internal"
        );
        Ok(())
    }

    #[test]
    fn devices_are_found_and_read_typed() -> Result<(), XmlError> {
        let doc = crate::parse_element(DOC)?;
        let disks = doc_disks(&doc);
        let targets: Vec<_> = disks.iter().map(DocDisk::target).collect();
        assert_eq!(targets, [Some("vda".into()), Some("vdb".into())]);
        let src = disks.get(1).and_then(DocDisk::source);
        assert_eq!(
            src.map(|s| (s.pool, s.volume)),
            Some((Some("p".into()), Some("v".into())))
        );
        let top = disks.first().map(DocDisk::without_backing_chain);
        let kept: Option<Vec<String>> =
            top.map(|e| e.elements().map(|c| c.name.to_string()).collect());
        assert_eq!(kept, Some(vec!["source".into(), "target".into()]));
        let nics = doc_interfaces(&doc);
        let found: Vec<_> = nics.iter().map(|i| (i.interface_type(), i.mac())).collect();
        assert_eq!(
            found,
            [
                (Some("network"), Some("52:54:00:aa:bb:cc".into())),
                (Some("user"), None)
            ]
        );
        Ok(())
    }
}
