//! What libvirt reads of a device's or the NVRAM's `<source>` into an
//! inactive definition, and writes back (domain_conf.c): the driver's
//! `<privateData>` is never read there, a source's security labels are
//! written as libvirt's label structure holds them.

use crate::validate::string_value;
use crate::{Element, Node};

/// libvirt's longest security label (`VIR_SECURITY_LABEL_BUFLEN` - 1).
const SECURITY_LABEL_MAX: usize = 4096 - 1;

/// Leaves out every `<privateData>` below `e`: a disk's, a storage
/// source's (disk, backing store, mirror, NVRAM, SCSI host device), a
/// TPM's. libvirt reads them only from status XML
/// (`VIR_DOMAIN_DEF_PARSE_STATUS`, virDomainStorageSourceParse,
/// virDomainDiskDefParsePrivateData, virDomainTPMDefParseXML) and writes
/// them only into it: a definition given to define or create has none.
pub(super) fn drop_private_data(e: &mut Element) {
    e.children.retain_mut(|n| match n {
        Node::Element(c) if c.name == "privateData" => false,
        Node::Element(c) => {
            drop_private_data(c);
            true
        }
        Node::Text(_) => true,
    });
}

/// The `<seclabel>`s of a device's `<source>` as libvirt writes what it
/// read into an inactive definition (virSecurityDeviceLabelDefParseXML,
/// virSecurityDeviceLabelDefFormat): the model, then `relabel` (yes when
/// not given), then the label (`string(./label)`, none when empty or
/// longer than libvirt's buffer); `labelskip` is read from live
/// definitions only, and a label that relabels without a label of its
/// own is not written. Values libvirt refuses are refused when read, not
/// here.
pub(super) fn source_seclabels(source: &mut Element) {
    source.children.retain_mut(|n| {
        let Node::Element(c) = n else { return true };
        if c.name != "seclabel" {
            return true;
        }
        let relabel = c.attr("relabel") != Some("no");
        let label = c
            .child("label")
            .map(string_value)
            .filter(|l| !l.is_empty() && l.len() <= SECURITY_LABEL_MAX);
        if relabel && label.is_none() {
            return false;
        }
        let mut out = Element::new("seclabel");
        if let Some(m) = c.attr("model") {
            out = out.with_attr("model", m);
        }
        out = out.with_attr("relabel", if relabel { "yes" } else { "no" });
        if let Some(l) = label {
            out = out.with_child(Element::new("label").with_text(l));
        }
        *c = out;
        true
    });
}

/// The secrets of a disk's `<source>`'s `<encryption>` and `<auth>` as
/// libvirt writes what it read (virSecretLookupParseSecret,
/// virSecretLookupFormatSecret): a UUID in its canonical form, as
/// virUUIDParse reads it (seed 41's gen9977: `83EafC16...` is written
/// `83eafc16-2aee-...`). One that does not read is refused at define and
/// left as written. The `<auth>` is written as virStorageAuthDefFormat
/// writes it (`auth_written`); which `<auth>`s are kept is the caller's.
pub(super) fn source_secret_uuids(source: &mut Element) {
    for c in source.children.iter_mut() {
        if let Node::Element(c) = c {
            if c.name == "auth" {
                *c = super::storage_source::auth_written(c);
            }
        }
    }
    for c in source.children.iter_mut() {
        let Node::Element(c) = c else { continue };
        if !matches!(c.name.as_str(), "encryption" | "auth") {
            continue;
        }
        for s in c.children.iter_mut() {
            let Node::Element(s) = s else { continue };
            if s.name != "secret" {
                continue;
            }
            let canonical = s
                .attr("uuid")
                .and_then(crate::parse::parse_uuid)
                .map(|u| u.hyphenated().to_string());
            if let Some(u) = canonical {
                s.set_attr("uuid", u);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(xml: &str) -> Element {
        crate::parse_element(xml).unwrap()
    }

    #[test]
    fn private_data_is_never_read_from_a_definition() {
        let mut nvram = element(
            "<nvram type='dir'><source dir='d'><slices><slice type='storage' offset='1' size='2'/></slices><privateData><x/></privateData></source></nvram>",
        );
        drop_private_data(&mut nvram);
        assert_eq!(
            nvram.to_xml(0),
            "<nvram type='dir'>\n  <source dir='d'>\n    <slices>\n      <slice type='storage' offset='1' size='2'/>\n    </slices>\n  </source>\n</nvram>\n"
        );
        let mut tpm = element("<tpm><privateData/><backend type='emulator'/></tpm>");
        drop_private_data(&mut tpm);
        assert_eq!(
            tpm.to_xml(0),
            "<tpm>\n  <backend type='emulator'/>\n</tpm>\n"
        );
    }

    // As virsh 9.0 writes them (seed 41's gen9977, a CD-ROM's source
    // without a path; a file's; an RBD source's authentication).
    #[test]
    fn source_secrets_written_in_uuid_form() {
        for (given, want) in [
            (
                "<source startupPolicy='requisite'><encryption format='qcow'><secret type='passphrase' uuid='83EafC162aee2Da1eaaaAbab92aF0F7d'/></encryption></source>",
                "<source startupPolicy='requisite'>\n  <encryption format='qcow'>\n    <secret type='passphrase' uuid='83eafc16-2aee-2da1-eaaa-abab92af0f7d'/>\n  </encryption>\n</source>\n",
            ),
            (
                "<source protocol='rbd' name='p/i'><auth username='u'><secret type='ceph' uuid=' 83ea fc16-2aee2da1eaaaabab92af0f7d'/></auth></source>",
                "<source protocol='rbd' name='p/i'>\n  <auth username='u'>\n    <secret type='ceph' uuid='83eafc16-2aee-2da1-eaaa-abab92af0f7d'/>\n  </auth>\n</source>\n",
            ),
            (
                "<source file='/a'><encryption format='qcow'><secret type='passphrase' uuid='x'/></encryption></source>",
                "<source file='/a'>\n  <encryption format='qcow'>\n    <secret type='passphrase' uuid='x'/>\n  </encryption>\n</source>\n",
            ),
        ] {
            let mut source = element(given);
            source_secret_uuids(&mut source);
            assert_eq!(source.to_xml(0), want, "{given}");
        }
    }

    #[test]
    fn source_labels_as_an_inactive_definition_holds_them() {
        let mut source = element(
            "<source path='p'><seclabel labelskip='yes'/><seclabel model='dac' relabel='yes'/>\
             <seclabel model='selinux'><label>a<b>c</b></label><label>z</label></seclabel>\
             <seclabel relabel='no' labelskip='no'/><seclabel><label></label></seclabel></source>",
        );
        source_seclabels(&mut source);
        assert_eq!(
            source.to_xml(0),
            "<source path='p'>\n  <seclabel model='selinux' relabel='yes'>\n    <label>ac</label>\n  </seclabel>\n  <seclabel relabel='no'/>\n</source>\n"
        );
        let mut long = element(&format!(
            "<source><seclabel model='m'><label>{}</label></seclabel></source>",
            "x".repeat(SECURITY_LABEL_MAX + 1)
        ));
        source_seclabels(&mut long);
        assert_eq!(long.to_xml(0), "<source/>\n");
    }
}
