//! Domain checkpoint XML (`<domaincheckpoint>`): what libvirt's
//! `virDomainCheckpointDefParseString` accepts (the document is always
//! checked against libvirt's domaincheckpoint schema first, with libxml2's
//! RelaxNG report on refusal), what its parser reads, and
//! `virDomainCheckpointDefFormat`'s layout.

use crate::error::XmlError;
use crate::format::FormatOptions;
use crate::model::{DomainDef, Element, Node};
use crate::reader::parse_element_in;
use virt_core::{ErrorCode, ErrorDomain};

/// The document name libxml2 errors carry for checkpoint XML.
pub const CHECKPOINT_DOCUMENT: &str = "(domain_checkpoint)";

/// The schema libvirt validates checkpoint XML against, as its refusals
/// name it.
const SCHEMA: &str = "/usr/share/libvirt/schemas/domaincheckpoint.rng";

/// One disk of a checkpoint (`<disks><disk>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointDisk {
    /// The disk's target (`vda`) or source path as given; its target
    /// once aligned with the domain.
    pub name: String,
    /// True for `checkpoint='bitmap'` (the default), false for `no`.
    pub bitmap: bool,
    /// The dirty bitmap's name (the checkpoint's name when not given).
    pub bitmap_name: Option<String>,
    /// The dirtied size in bytes, written with `VIR_DOMAIN_CHECKPOINT_XML_SIZE`
    /// when a driver measured it.
    pub size: Option<u64>,
}

/// A domain checkpoint definition.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointDef {
    /// `<name>` (a new checkpoint without one is named by its creation
    /// time).
    pub name: Option<String>,
    /// `<description>`.
    pub description: Option<String>,
    /// `<parent><name>`.
    pub parent: Option<String>,
    /// `<creationTime>`, seconds since the epoch.
    pub creation_time: Option<i64>,
    /// `<disks>`: after alignment, one per disk of the domain, in its order.
    pub disks: Vec<CheckpointDisk>,
    /// `<domain>`: the definition when the checkpoint was made.
    pub domain: Option<Box<DomainDef>>,
}

/// How [`CheckpointDef::to_xml`] writes (`VIR_DOMAIN_CHECKPOINT_XML_*`).
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckpointFormat {
    /// `SECURE`: secrets of the domain included.
    pub secure: bool,
    /// `NO_DOMAIN`: the `<domain>` left out.
    pub no_domain: bool,
    /// `SIZE`: each bitmap's measured size written.
    pub size: bool,
}

/// libvirt's refusal of a document its checkpoint schema does not accept,
/// in libxml2's words (`lines` without the trailing newline).
fn schema_error(lines: &str) -> XmlError {
    XmlError::Refused {
        code: ErrorCode::XmlInvalidSchema,
        domain: ErrorDomain::Xml,
        message: format!(
            "XML document failed to validate against schema: Unable to validate doc against \
             {SCHEMA}\n{lines}\n"
        ),
    }
}

/// An error of libvirt's checkpoint code (`VIR_FROM_DOMAIN_CHECKPOINT`),
/// `code`'s template around `detail`.
fn checkpoint_error(code: ErrorCode, detail: &str) -> XmlError {
    XmlError::Refused {
        code,
        domain: ErrorDomain::DomainCheckpoint,
        message: code.message(Some(detail)),
    }
}

/// libvirt's `checkpointName`: no leading dot, no `/` or newline.
fn is_checkpoint_name(s: &str) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut chars = s.chars();
    chars.next().is_some_and(ok) && chars.all(|c| ok(c) || c == '.')
}

/// libvirt's `diskTargetDev` or `absFilePath`.
fn is_disk_name(s: &str) -> bool {
    let no_newline = |t: &str| !t.is_empty() && !t.contains(['\n', '\r']);
    if let Some(rest) = s.strip_prefix('/') {
        return no_newline(rest);
    }
    let mut b = s.chars();
    if let (Some(d), Some(':'), Some('\\')) = (b.next(), b.next(), b.next()) {
        if d.is_ascii_alphabetic() {
            return no_newline(b.as_str());
        }
    }
    let s = s.strip_prefix("ioemu:").unwrap_or(s);
    ["fd", "hd", "sd", "vd", "xvd", "ubd"].iter().any(|p| {
        s.strip_prefix(p).is_some_and(|r| {
            !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}

/// XML Schema's `unsignedLong` as libvirt restricts it (digits only,
/// surrounding blanks collapsed).
fn unsigned_long(s: &str) -> Option<u64> {
    let t = s.trim_matches([' ', '\t', '\n', '\r']);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// True when `e` holds only text (no attributes, no elements).
fn text_only(e: &Element) -> bool {
    e.attrs.is_empty() && e.elements().next().is_none()
}

/// True when `e` holds only elements and blanks (no attributes).
fn elements_only(e: &Element) -> bool {
    e.attrs.is_empty()
        && e.children.iter().all(|n| match n {
            Node::Text(t) => t.trim().is_empty(),
            Node::Element(_) => true,
        })
}

fn valid_disk(d: &Element) -> bool {
    if d.name != "disk" || d.children.iter().any(|n| matches!(n, Node::Element(_))) {
        return false;
    }
    let known = |k: &str| matches!(k, "name" | "checkpoint" | "bitmap" | "size");
    if !d.attrs.iter().all(|(k, _)| known(k)) || !d.attr("name").is_some_and(is_disk_name) {
        return false;
    }
    match d.attr("checkpoint") {
        Some("no") => d.attr("bitmap").is_none() && d.attr("size").is_none(),
        None | Some("bitmap") => d.attr("size").is_none_or(|s| unsigned_long(s).is_some()),
        Some(_) => false,
    }
}

/// Whether a known child of `<domaincheckpoint>` holds what the schema
/// allows there.
fn valid_child(e: &Element) -> bool {
    match e.name.as_str() {
        "name" => text_only(e) && is_checkpoint_name(&e.text()),
        "description" => text_only(e),
        "creationTime" => text_only(e) && unsigned_long(&e.text()).is_some(),
        "disks" => {
            elements_only(e) && e.elements().next().is_some() && e.elements().all(valid_disk)
        }
        "parent" => {
            let mut names = e.elements();
            elements_only(e)
                && names.next().is_some_and(|n| {
                    n.name == "name" && text_only(n) && is_checkpoint_name(&n.text())
                })
                && names.next().is_none()
        }
        "domain" => domain_of(e).is_ok(),
        _ => false,
    }
}

/// libvirt's schema check of the document: the root's attributes, then
/// its children in order (unknown ones, text, a known one twice or with
/// content the schema refuses), reported as libxml2 reports each.
fn validate(root: &Element) -> Result<(), XmlError> {
    if let Some((a, _)) = root.attrs.first() {
        return Err(schema_error(&format!(
            "Invalid attribute {a} for element domaincheckpoint"
        )));
    }
    let known = [
        "name",
        "description",
        "creationTime",
        "disks",
        "domain",
        "parent",
    ];
    let mut seen: Vec<&str> = Vec::new();
    for n in &root.children {
        let e = match n {
            Node::Text(t) if t.trim().is_empty() => continue,
            Node::Text(_) => {
                return Err(schema_error(
                    "Element domaincheckpoint has extra content: text",
                ))
            }
            Node::Element(e) => e,
        };
        let local = e.name.rsplit(':').next().unwrap_or_default();
        if !known.contains(&e.name.as_str()) {
            return Err(schema_error(&format!(
                "Element domaincheckpoint has extra content: {local}"
            )));
        }
        if seen.contains(&e.name.as_str()) || !valid_child(e) {
            return Err(schema_error(&format!(
                "Extra element {} in interleave\nElement domaincheckpoint failed to validate content",
                e.name
            )));
        }
        seen.push(&e.name);
    }
    Ok(())
}

/// Read `<domain>` inside a checkpoint.
fn domain_of(e: &Element) -> Result<DomainDef, XmlError> {
    DomainDef::from_element(e)
}

/// Parse checkpoint XML as libvirt does: the schema check, then its
/// parser (`redefine`: `VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE`, metadata of a
/// checkpoint made before, which must carry its name and creation time).
pub fn parse_checkpoint(xml: &str, redefine: bool) -> Result<CheckpointDef, XmlError> {
    let root = parse_element_in(xml, CHECKPOINT_DOCUMENT).map_err(|e| match e {
        XmlError::Malformed { .. } => XmlError::Refused {
            code: ErrorCode::XmlDetail,
            domain: ErrorDomain::DomainCheckpoint,
            message: e.to_string(),
        },
        e => e,
    })?;
    if root.name != "domaincheckpoint" {
        return Err(XmlError::Refused {
            code: ErrorCode::XmlError,
            domain: ErrorDomain::Xml,
            message: format!(
                "XML error: expecting root element of 'domaincheckpoint', not '{}'",
                root.name
            ),
        });
    }
    validate(&root)?;
    let text_of = |name: &str| root.child(name).map(Element::text);
    let name = text_of("name");
    if name.is_none() && redefine {
        return Err(checkpoint_error(
            ErrorCode::XmlError,
            "a redefined checkpoint must have a name",
        ));
    }
    let mut def = CheckpointDef {
        name,
        description: text_of("description"),
        parent: None,
        creation_time: None,
        disks: Vec::new(),
        domain: None,
    };
    if redefine {
        let time = text_of("creationTime")
            .and_then(|t| t.trim().parse::<i64>().ok())
            .ok_or_else(|| {
                checkpoint_error(
                    ErrorCode::InternalError,
                    "missing creationTime from existing checkpoint",
                )
            })?;
        def.creation_time = Some(time);
        def.parent = root
            .child("parent")
            .and_then(|p| p.child("name"))
            .map(Element::text);
        if let Some(d) = root.child("domain") {
            def.domain = Some(Box::new(domain_of(d)?));
        }
    }
    if let Some(disks) = root.child("disks") {
        def.disks = disks
            .elements()
            .map(|d| CheckpointDisk {
                name: d.attr("name").unwrap_or_default().to_string(),
                bitmap: d.attr("checkpoint") != Some("no"),
                bitmap_name: d.attr("bitmap").map(str::to_string),
                // libvirt's parser does not read a given size.
                size: None,
            })
            .collect();
    }
    Ok(def)
}

impl CheckpointDef {
    /// The definition as libvirt writes it.
    pub fn to_xml(&self, how: CheckpointFormat) -> String {
        let mut out = String::from("<domaincheckpoint>\n");
        let head = [
            self.name.as_deref(),
            self.description.as_deref(),
            None,
            self.parent.as_deref(),
        ];
        crate::snapshot::push_moment_head(&mut out, head, self.creation_time);
        if !self.disks.is_empty() {
            out.push_str("  <disks>\n");
            for d in &self.disks {
                let mut e = Element::new("disk").with_attr("name", &d.name);
                e = e.with_attr("checkpoint", if d.bitmap { "bitmap" } else { "no" });
                if let Some(b) = &d.bitmap_name {
                    e = e.with_attr("bitmap", b);
                    if let Some(size) = d.size.filter(|_| how.size) {
                        e = e.with_attr("size", size.to_string());
                    }
                }
                out.push_str(&e.to_xml(4));
            }
            out.push_str("  </disks>\n");
        }
        if let Some(d) = self.domain.as_ref().filter(|_| !how.no_domain) {
            let opts = FormatOptions {
                id: None,
                inactive: true,
                secure: how.secure,
            };
            for line in d.to_xml(&opts).lines() {
                out.push_str("  ");
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push_str("</domaincheckpoint>\n");
        out
    }

    /// libvirt's `virDomainCheckpointAlignDisks` against `dom`, the
    /// definition the checkpoint records: one entry per disk of the
    /// domain, in its order, named by target. Disks the XML names must
    /// exist (by target or source path), appear once and be writable with
    /// media; the others get a bitmap when the XML named none (on writable
    /// disks with media), else nothing. Bitmaps default to the
    /// checkpoint's name.
    pub fn align_disks(&mut self, dom: &DomainDef) -> Result<(), XmlError> {
        let unsupported = |m: String| checkpoint_error(ErrorCode::ConfigUnsupported, &m);
        let disks = &dom.devices.disks;
        if self.disks.len() > disks.len() {
            return Err(unsupported(
                "too many disk checkpoint requests for domain".into(),
            ));
        }
        if disks.is_empty() {
            return Err(unsupported(
                "domain must have at least one disk to perform checkpoints".into(),
            ));
        }
        let default_bitmap = self.disks.is_empty();
        let writable = |d: &crate::Disk| d.source.is_some() && !d.readonly;
        let mut given: Vec<(usize, CheckpointDisk)> = Vec::new();
        for c in std::mem::take(&mut self.disks) {
            let i = disks
                .iter()
                .position(|d| d.target_dev == c.name || d.source.as_deref() == Some(&c.name))
                .ok_or_else(|| unsupported(format!("no disk named '{}'", c.name)))?;
            if given.iter().any(|(j, _)| *j == i) {
                return Err(unsupported(format!("disk '{}' specified twice", c.name)));
            }
            if !writable(&disks[i]) && c.bitmap {
                return Err(unsupported(format!(
                    "disk '{}' is empty or readonly",
                    c.name
                )));
            }
            let c = CheckpointDisk {
                name: disks[i].target_dev.clone(),
                ..c
            };
            given.push((i, c));
        }
        self.disks = disks
            .iter()
            .enumerate()
            .map(|(i, d)| match given.iter().position(|(j, _)| *j == i) {
                Some(k) => given.swap_remove(k).1,
                None => CheckpointDisk {
                    name: d.target_dev.clone(),
                    bitmap: default_bitmap && writable(d),
                    bitmap_name: None,
                    size: None,
                },
            })
            .collect();
        self.assign_bitmap_names();
        Ok(())
    }

    /// libvirt's `virDomainCheckpointDefAssignBitmapNames`: a bitmap
    /// without a name takes the checkpoint's.
    pub fn assign_bitmap_names(&mut self) {
        let name = self.name.clone().unwrap_or_default();
        for d in self.disks.iter_mut().filter(|d| d.bitmap) {
            d.bitmap_name.get_or_insert_with(|| name.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(xml: &str) -> String {
        match parse_checkpoint(xml, false) {
            Err(e) => virt_core::Error::from(e).message,
            Ok(d) => panic!("accepted {xml}: {d:?}"),
        }
    }

    #[test]
    fn schema_refusals_in_libxml2_words() {
        assert!(refusal("<domaincheckpoint><foo/></domaincheckpoint>")
            .ends_with("domaincheckpoint.rng\nElement domaincheckpoint has extra content: foo\n"));
        assert!(refusal("<domaincheckpoint><name>a/b</name></domaincheckpoint>").ends_with(
            "\nExtra element name in interleave\nElement domaincheckpoint failed to validate content\n"
        ));
        assert!(
            refusal("<domaincheckpoint><name>a</name><name>b</name></domaincheckpoint>")
                .contains("Extra element name in interleave")
        );
        assert!(refusal("<domaincheckpoint foo='1'/>")
            .contains("\nInvalid attribute foo for element domaincheckpoint\n"));
        for bad in [
            "<disks/>",
            "<disks><disk/></disks>",
            "<disks><disk name='vda' checkpoint='no' bitmap='x'/></disks>",
            "<disks><disk name='vda' size='x'/></disks>",
            "<disks><disk name='zz'/></disks>",
        ] {
            let xml = format!("<domaincheckpoint>{bad}</domaincheckpoint>");
            assert!(
                refusal(&xml).contains("Extra element disks in interleave"),
                "{bad}"
            );
        }
        assert_eq!(
            refusal("<domainsnapshot/>"),
            "XML error: expecting root element of 'domaincheckpoint', not 'domainsnapshot'"
        );
        let e = virt_core::Error::from(parse_checkpoint("<domaincheckpoint", false).unwrap_err());
        assert_eq!(
            (e.code, e.domain),
            (ErrorCode::XmlDetail, ErrorDomain::DomainCheckpoint)
        );
    }

    #[test]
    fn redefine_needs_name_and_time() {
        let e = parse_checkpoint("<domaincheckpoint/>", true).unwrap_err();
        assert_eq!(
            virt_core::Error::from(e).message,
            "XML error: a redefined checkpoint must have a name"
        );
        let e = parse_checkpoint("<domaincheckpoint><name>a</name></domaincheckpoint>", true)
            .unwrap_err();
        assert_eq!(
            virt_core::Error::from(e).message,
            "internal error: missing creationTime from existing checkpoint"
        );
    }

    #[test]
    fn writes_libvirt_layout() {
        let xml =
            "<domaincheckpoint><description>d &amp; e</description><parent><name>p</name></parent>\
                   <name>c</name><creationTime>5</creationTime>\
                   <disks><disk name='vda' bitmap='b'/><disk name='vdb' checkpoint='no'/></disks>\
                   </domaincheckpoint>";
        let def = parse_checkpoint(xml, true).unwrap();
        assert_eq!(
            def.to_xml(CheckpointFormat::default()),
            "<domaincheckpoint>\n  <name>c</name>\n  <description>d &amp; e</description>\n  \
             <parent>\n    <name>p</name>\n  </parent>\n  <creationTime>5</creationTime>\n  \
             <disks>\n    <disk name='vda' checkpoint='bitmap' bitmap='b'/>\n    \
             <disk name='vdb' checkpoint='no'/>\n  </disks>\n</domaincheckpoint>\n"
        );
    }
}
