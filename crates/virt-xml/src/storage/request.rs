//! Pool and volume documents a client writes from its options: virsh's
//! `pool-define-as`/`pool-create-as` (virshBuildPoolXML) and
//! `vol-create-as` lay them out their own way, and `--print-xml` shows that
//! layout, so they are built here, element and attribute names in virt-xml
//! alone, not by the client.

use crate::Element;

/// A pool as `virsh pool-define-as` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolToDefine {
    /// `type=`: dir, fs, netfs, logical, ...
    pub pool_type: String,
    /// `<name>`.
    pub name: String,
    /// `<source><host name=>`.
    pub source_host: Option<String>,
    /// `<source><dir path=>`.
    pub source_path: Option<String>,
    /// `<source><device path=>`.
    pub source_dev: Option<String>,
    /// `<source><initiator><iqn name=>`.
    pub source_initiator: Option<String>,
    /// `<source><format type=>`.
    pub source_format: Option<String>,
    /// `<source><name>`.
    pub source_name: Option<String>,
    /// `<source><protocol ver=>`, written only inside a `<source>` that
    /// has one of the other source parts (as virsh).
    pub source_protocol_ver: Option<String>,
    /// `<target><path>`.
    pub target: Option<String>,
}

/// `el` with a child `<tag attr=value/>` when there is a value.
fn with_leaf(el: Element, tag: &str, attr: &str, value: Option<&str>) -> Element {
    match value {
        Some(v) => el.with_child(Element::new(tag).with_attr(attr, v)),
        None => el,
    }
}

/// `el` with a child `<tag>value</tag>` when there is a value.
fn with_text(el: Element, tag: &str, value: Option<&str>) -> Element {
    match value {
        Some(v) => el.with_child(Element::new(tag).with_text(v)),
        None => el,
    }
}

impl PoolToDefine {
    /// The `<pool>` element, laid out as virsh 9.0 writes it.
    pub fn to_element(&self) -> Element {
        let mut pool = Element::new("pool")
            .with_attr("type", &self.pool_type)
            .with_child(Element::new("name").with_text(&self.name));
        let any_source = [
            &self.source_host,
            &self.source_path,
            &self.source_dev,
            &self.source_name,
            &self.source_format,
            &self.source_initiator,
        ]
        .iter()
        .any(|o| o.is_some());
        if any_source {
            let mut source = Element::new("source");
            source = with_leaf(source, "host", "name", self.source_host.as_deref());
            source = with_leaf(source, "dir", "path", self.source_path.as_deref());
            source = with_leaf(source, "device", "path", self.source_dev.as_deref());
            if let Some(i) = &self.source_initiator {
                source = source.with_child(
                    Element::new("initiator").with_child(Element::new("iqn").with_attr("name", i)),
                );
            }
            source = with_leaf(source, "format", "type", self.source_format.as_deref());
            source = with_text(source, "name", self.source_name.as_deref());
            source = with_leaf(
                source,
                "protocol",
                "ver",
                self.source_protocol_ver.as_deref(),
            );
            pool = pool.with_child(source);
        }
        if let Some(t) = &self.target {
            pool = pool
                .with_child(Element::new("target").with_child(Element::new("path").with_text(t)));
        }
        pool
    }
}

/// A volume as `virsh vol-create-as` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeToCreate {
    /// `<name>`.
    pub name: String,
    /// `<capacity>`, in bytes.
    pub capacity: u64,
    /// `<allocation>`, in bytes.
    pub allocation: Option<u64>,
    /// `<target><format type=>`.
    pub format: Option<String>,
    /// `<backingStore><path>`: the backing volume's path.
    pub backing_path: Option<String>,
    /// `<backingStore><format type=>`.
    pub backing_format: Option<String>,
}

impl VolumeToCreate {
    /// The `<volume>` element, laid out as virsh 9.0 writes it.
    pub fn to_element(&self) -> Element {
        let mut vol = Element::new("volume")
            .with_child(Element::new("name").with_text(&self.name))
            .with_child(Element::new("capacity").with_text(self.capacity.to_string()));
        if let Some(a) = self.allocation {
            vol = vol.with_child(Element::new("allocation").with_text(a.to_string()));
        }
        if let Some(f) = &self.format {
            vol = vol.with_child(
                Element::new("target").with_child(Element::new("format").with_attr("type", f)),
            );
        }
        if let Some(p) = &self.backing_path {
            let backing =
                Element::new("backingStore").with_child(Element::new("path").with_text(p));
            vol = vol.with_child(with_leaf(
                backing,
                "format",
                "type",
                self.backing_format.as_deref(),
            ));
        }
        vol
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Layouts observed from virsh 9.0's `pool-define-as --print-xml` and
    // `vol-create-as --print-xml`.
    #[test]
    fn a_pool_to_define_is_laid_out_as_virsh_writes_it() {
        let pool = PoolToDefine {
            pool_type: "netfs".into(),
            name: "p&q".into(),
            source_host: Some("h".into()),
            source_path: Some("/export".into()),
            source_dev: Some("/dev/sdb".into()),
            source_initiator: Some("iqn.x".into()),
            source_format: Some("nfs".into()),
            source_name: Some("n".into()),
            source_protocol_ver: Some("3".into()),
            target: Some("/mnt".into()),
        };
        assert_eq!(
            pool.to_element().to_xml(0),
            "<pool type='netfs'>\n\
             \x20 <name>p&amp;q</name>\n\
             \x20 <source>\n\
             \x20   <host name='h'/>\n\
             \x20   <dir path='/export'/>\n\
             \x20   <device path='/dev/sdb'/>\n\
             \x20   <initiator>\n\
             \x20     <iqn name='iqn.x'/>\n\
             \x20   </initiator>\n\
             \x20   <format type='nfs'/>\n\
             \x20   <name>n</name>\n\
             \x20   <protocol ver='3'/>\n\
             \x20 </source>\n\
             \x20 <target>\n\
             \x20   <path>/mnt</path>\n\
             \x20 </target>\n\
             </pool>\n"
        );
        // A protocol version alone makes no <source>.
        let bare = PoolToDefine {
            pool_type: "dir".into(),
            name: "d".into(),
            source_protocol_ver: Some("3".into()),
            ..PoolToDefine::default()
        };
        assert_eq!(
            bare.to_element().to_xml(0),
            "<pool type='dir'>\n  <name>d</name>\n</pool>\n"
        );
    }

    #[test]
    fn a_volume_to_create_is_laid_out_as_virsh_writes_it() {
        let vol = VolumeToCreate {
            name: "v".into(),
            capacity: 1048576,
            allocation: Some(0),
            format: Some("qcow2".into()),
            backing_path: Some("/p/base'.img".into()),
            backing_format: Some("raw".into()),
        };
        assert_eq!(
            vol.to_element().to_xml(0),
            "<volume>\n\
             \x20 <name>v</name>\n\
             \x20 <capacity>1048576</capacity>\n\
             \x20 <allocation>0</allocation>\n\
             \x20 <target>\n\
             \x20   <format type='qcow2'/>\n\
             \x20 </target>\n\
             \x20 <backingStore>\n\
             \x20   <path>/p/base&apos;.img</path>\n\
             \x20   <format type='raw'/>\n\
             \x20 </backingStore>\n\
             </volume>\n"
        );
        let bare = VolumeToCreate {
            name: "v".into(),
            capacity: 0,
            ..VolumeToCreate::default()
        };
        assert_eq!(
            bare.to_element().to_xml(0),
            "<volume>\n  <name>v</name>\n  <capacity>0</capacity>\n</volume>\n"
        );
    }
}
