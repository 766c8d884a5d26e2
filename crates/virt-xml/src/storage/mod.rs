//! Storage pool and volume XML (`<pool>`, `<volume>`): the typed parts
//! every driver needs (type, name, UUID, sizes, target path, format), with
//! everything else kept as elements and written back in libvirt's order
//! and layout, as domain XML is.
//!
//! Parsing checks what libvirt's `virStoragePoolDefParseXML` and
//! `virStorageVolDefParseXML` check, with their messages; sizes take
//! libvirt's unit suffixes and are written in bytes.

mod request;

pub use request::{PoolToDefine, VolumeToCreate};

use crate::error::XmlError;
use crate::model::{Element, Node};
use crate::reader::parse_element_in;
use crate::units::unit_scale;
use virt_core::{ErrorDomain, StorageVolType, Uuid};

/// The document name libxml2 errors carry for pool XML.
pub const POOL_DOCUMENT: &str = "(storage_pool_definition)";
/// The document name libxml2 errors carry for volume XML.
pub const VOLUME_DOCUMENT: &str = "(storage_volume_definition)";

/// The pool types libvirt 9.0 knows, in its order.
pub use virt_core::pool_list_flags::TYPES as POOL_TYPES;

/// File formats a file volume may have (`virStorageFileFormat`).
pub const FILE_FORMATS: &[&str] = &[
    "none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop",
    "cow", "qcow", "qcow2", "qed", "vmdk",
];

/// A storage pool definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolDef {
    /// `type=`: one of [`POOL_TYPES`].
    pub pool_type: String,
    /// `<name>`.
    pub name: String,
    /// `<uuid>`; `None` until a driver assigns one.
    pub uuid: Option<Uuid>,
    /// Size in bytes, as the driver last measured it.
    pub capacity: u64,
    /// Bytes in use.
    pub allocation: u64,
    /// Bytes free.
    pub available: u64,
    /// `<source>`, children kept (written in libvirt's order).
    pub source: Element,
    /// `<target>` (its `<path>` cleaned as libvirt does), when given.
    pub target: Option<Element>,
    /// `<features>` (copy-on-write), when given.
    pub features: Option<Element>,
    /// Top-level elements the model does not type (namespaced options,
    /// `<refresh>`), in document order.
    pub extra: Vec<Element>,
}

/// A storage volume definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolDef {
    /// `type=`, when given or assigned by the pool.
    pub kind: Option<StorageVolType>,
    /// `<name>`.
    pub name: String,
    /// `<key>`, as given or assigned.
    pub key: Option<String>,
    /// Logical size, bytes.
    pub capacity: u64,
    /// Bytes allocated (the capacity when not given).
    pub allocation: u64,
    /// `<physical>`, bytes, when given.
    pub physical: Option<u64>,
    /// `<target><path>`.
    pub path: Option<String>,
    /// `<target><format type>`.
    pub format: Option<String>,
    /// `<source>` when it has content (extents).
    pub source: Option<Element>,
    /// Other children of `<target>` (permissions, timestamps, encryption,
    /// compat, features...), in document order.
    pub target_extra: Vec<Element>,
    /// `<backingStore>` and other top-level elements, in document order.
    pub extra: Vec<Element>,
}

/// The file systems a `netfs` pool mounts (libvirt's
/// `virStoragePoolFormatFileSystemNet`).
pub const NETFS_FORMATS: &[&str] = &["auto", "nfs", "glusterfs", "cifs"];

/// What a pool type requires and defaults (libvirt's per-type options).
struct PoolTypeInfo {
    /// `<source><device>` required.
    device: bool,
    /// `<source><host>` required.
    host: bool,
    /// `<source><dir>` required.
    dir: bool,
    /// `<source><name>` defaults to the pool's name.
    source_name: bool,
    /// The source format when none is given.
    default_format: Option<&'static str>,
    /// The source formats libvirt knows for the type, when it checks them.
    formats: &'static [&'static str],
    /// False for network pools, which have no local target.
    uses_target: bool,
}

fn type_info(t: &str) -> PoolTypeInfo {
    let mut i = PoolTypeInfo {
        device: false,
        host: false,
        dir: false,
        source_name: false,
        default_format: None,
        formats: &[],
        uses_target: true,
    };
    match t {
        "fs" => {
            i.device = true;
            i.default_format = Some("auto");
            i.formats = &[
                "auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat",
                "hfs+", "xfs", "ocfs2", "vmfs",
            ];
        }
        "netfs" => {
            i.host = true;
            i.dir = true;
            i.default_format = Some("auto");
            i.formats = NETFS_FORMATS;
        }
        "logical" => {
            i.source_name = true;
            i.default_format = Some("lvm2");
            i.formats = &["unknown", "lvm2"];
        }
        "disk" => {
            i.device = true;
            i.default_format = Some("unknown");
            i.formats = &[
                "unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2",
            ];
        }
        "iscsi" => {
            i.host = true;
            i.device = true;
        }
        "zfs" => i.source_name = true,
        "rbd" | "sheepdog" | "gluster" | "iscsi-direct" => {
            i.host = t != "sheepdog";
            i.source_name = false;
            i.uses_target = false;
        }
        _ => {}
    }
    i
}

fn xml_err(msg: impl Into<String>) -> XmlError {
    XmlError::Invalid(msg.into())
}

/// The text of child `name`, trimmed; `None` when absent or empty.
fn child_text(el: &Element, name: &str) -> Option<String> {
    let t = el.child(name)?.text();
    let t = t.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A size element in bytes: libvirt's suffixes (bytes when none), up to
/// `i64::MAX` as `virScaleInteger` allows. `what` names the element in the
/// "malformed" message (libvirt says "capacity" for allocation too).
fn size_of(el: &Element, what: &str) -> Result<u64, XmlError> {
    let text = el.text();
    let text = text.trim();
    let n: u64 = text
        .parse()
        .map_err(|_| xml_err(format!("malformed {what} element")))?;
    let unit = el.attr("unit").unwrap_or("bytes");
    let scale = unit_scale(if unit.is_empty() { "bytes" } else { unit })?;
    let limit = i64::MAX as u64;
    match n.checked_mul(scale) {
        Some(v) if v <= limit => Ok(v),
        _ => {
            let suffix = el.attr("unit").unwrap_or("");
            Err(XmlError::Overflow(format!("value too large: {n}{suffix}")))
        }
    }
}

/// A path as libvirt cleans it (`virFileSanitizePath`): runs of `/`
/// become one, a trailing `/` goes (except the root), a leading `//` stays.
pub fn sanitize_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let keep_double = p.starts_with("//") && !p.starts_with("///");
    for c in p.chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    if keep_double {
        out.insert(0, '/');
    }
    out
}

/// Parse pool XML as `virStoragePoolDefParseString` does.
pub fn parse_pool(xml: &str) -> Result<PoolDef, XmlError> {
    let root = parse_element_in(xml, POOL_DOCUMENT)?;
    pool_from_element(&root)
}

/// Type a `<pool>` element.
pub fn pool_from_element(root: &Element) -> Result<PoolDef, XmlError> {
    if root.name != "pool" {
        return Err(xml_err(format!(
            "expecting root element of 'pool', not '{}'",
            root.name
        )));
    }
    let pool_type = match root.attr("type") {
        None => {
            return Err(xml_err(
                "Missing required attribute 'type' in element 'pool'",
            ))
        }
        Some(t) if POOL_TYPES.contains(&t) => t.to_string(),
        Some(t) => {
            return Err(xml_err(format!(
                "Invalid value for attribute 'type' in element 'pool': '{t}'."
            )))
        }
    };
    let info = type_info(&pool_type);
    let mut source = root
        .child("source")
        .cloned()
        .unwrap_or_else(|| Element::new("source"));
    let name = match child_text(root, "name") {
        Some(n) => n,
        None if info.source_name => child_text(&source, "name")
            .ok_or_else(|| xml_err("missing pool source name element"))?,
        None => return Err(xml_err("missing pool source name element")),
    };
    if name.contains('/') {
        return Err(xml_err(format!("name {name} cannot contain '/'")));
    }
    let uuid = match root.child("uuid") {
        None => None,
        Some(u) => Some(
            crate::parse::parse_uuid(&u.text())
                .ok_or_else(|| XmlError::Internal("malformed uuid element".into()))?,
        ),
    };
    if let Some(f) = source.child("format").and_then(|f| f.attr("type")) {
        if !info.formats.is_empty() && !info.formats.contains(&f) {
            return Err(XmlError::Unsupported(format!(
                "unknown pool format type {f}"
            )));
        }
    }
    let device = source.child("device").and_then(|d| d.attr("path"));
    if info.device && device.is_none_or(str::is_empty) {
        return Err(xml_err("missing storage pool source device name"));
    }
    let host = source.child("host").and_then(|h| h.attr("name"));
    if info.host && host.is_none_or(str::is_empty) {
        return Err(xml_err("missing storage pool source host name"));
    }
    let dir = source.child("dir").and_then(|d| d.attr("path"));
    if info.dir && dir.is_none_or(str::is_empty) {
        return Err(xml_err("missing storage pool source path"));
    }
    if pool_type == "netfs" {
        check_protocol_ver(&source)?;
    }
    if info.source_name && source.child("name").is_none() {
        source
            .children
            .push(Node::Element(Element::new("name").with_text(name.clone())));
    }
    if let Some(f) = info.default_format {
        if source.child("format").is_none() {
            source
                .children
                .push(Node::Element(Element::new("format").with_attr("type", f)));
        }
    }
    normalize_source(&mut source, &pool_type)?;
    let mut target = root.child("target").cloned();
    if let Some(t) = target.as_mut() {
        normalize_permissions(t)?;
    }
    let path = target.as_ref().and_then(|t| child_text(t, "path"));
    match (&mut target, path) {
        // A volume group's (and a ZFS pool's) directory is its device
        // directory, whatever the document says, as libvirt's parser sets it.
        _ if pool_type == "logical" || pool_type == "zfs" => {
            let src = child_text(&source, "name").unwrap_or_else(|| name.clone());
            let dev = if pool_type == "zfs" {
                "/dev/zvol/"
            } else {
                "/dev/"
            };
            let t = target.get_or_insert_with(|| Element::new("target"));
            set_child_text(t, "path", &format!("{dev}{src}"));
        }
        (Some(t), Some(p)) => set_child_text(t, "path", &sanitize_path(&p)),
        _ if info.uses_target => return Err(xml_err("missing storage pool target path")),
        _ => {}
    }
    let typed = [
        "name",
        "uuid",
        "capacity",
        "allocation",
        "available",
        "source",
        "target",
        "features",
    ];
    let extra = root
        .elements()
        .filter(|e| !typed.contains(&e.name.as_str()))
        .cloned()
        .collect();
    let size = |tag: &str| root.child(tag).map_or(Ok(0), |e| size_of(e, tag));
    Ok(PoolDef {
        features: root.child("features").cloned(),
        capacity: size("capacity")?,
        allocation: size("allocation")?,
        available: size("available")?,
        pool_type,
        name,
        uuid,
        source,
        target,
        extra,
    })
}

/// An NFS version (`<protocol ver>`) is for `nfs` and `auto` mounts only,
/// and goes into mount's options, so it cannot hold a comma.
fn check_protocol_ver(source: &Element) -> Result<(), XmlError> {
    let Some(ver) = source.child("protocol").and_then(|p| p.attr("ver")) else {
        return Ok(());
    };
    let format = source
        .child("format")
        .and_then(|f| f.attr("type"))
        .unwrap_or("auto");
    if format != "nfs" && format != "auto" {
        return Err(XmlError::Unsupported(format!(
            "storage pool protocol ver unsupported for pool type '{format}'"
        )));
    }
    if ver.contains(',') {
        return Err(xml_err(format!(
            "storage pool protocol ver '{ver}' must not contain ','"
        )));
    }
    Ok(())
}

/// Replace (or add, first) the text child `name` of `el`.
fn set_child_text(el: &mut Element, name: &str, text: &str) {
    for n in el.children.iter_mut() {
        if let Node::Element(c) = n {
            if c.name == name {
                c.children = vec![Node::Text(text.to_string())];
                return;
            }
        }
    }
    el.children
        .insert(0, Node::Element(Element::new(name).with_text(text)));
}

/// `<permissions>` as libvirt keeps it (`virStoragePermsParseXML` and
/// its formatter): mode in octal with a leading 0, owner and group as
/// numbers (-1 or 4294967295, "not set", dropped), the label; in that order.
fn permissions(el: &Element) -> Result<Element, XmlError> {
    let mut out = Element::new("permissions");
    if let Some(m) = child_text(el, "mode") {
        let mode = u32::from_str_radix(&m, 8)
            .ok()
            .filter(|m| *m <= 0o777)
            .ok_or_else(|| xml_err("malformed octal mode"))?;
        out = out.with_child(Element::new("mode").with_text(format!("0{mode:o}")));
    }
    for (tag, what) in [("owner", "owner"), ("group", "group")] {
        if let Some(v) = child_text(el, tag) {
            let n: i64 = v
                .parse()
                .ok()
                .filter(|n| *n >= -1 && *n <= i64::from(u32::MAX))
                .ok_or_else(|| xml_err(format!("malformed {what} element")))?;
            // -1, or the same as an unsigned id, is "not set".
            if n != -1 && n != i64::from(u32::MAX) {
                out = out.with_child(Element::new(tag).with_text(n.to_string()));
            }
        }
    }
    if let Some(l) = child_text(el, "label") {
        out = out.with_child(Element::new("label").with_text(l));
    }
    Ok(out)
}

/// Replace every `<permissions>` child of `el` by its normal form.
fn normalize_permissions(el: &mut Element) -> Result<(), XmlError> {
    for n in el.children.iter_mut() {
        if let Node::Element(c) = n {
            if c.name == "permissions" {
                *c = permissions(c)?;
            }
        }
    }
    Ok(())
}

/// `<source>` as libvirt's pool source parser leaves it: an `<auth>`
/// needs a user name and is written type first; an `<adapter>` with a name
/// but no type is a `scsi_host`; a `<dir>` path is cleaned; a gluster pool
/// without a directory has `/`.
fn normalize_source(source: &mut Element, pool_type: &str) -> Result<(), XmlError> {
    for n in source.children.iter_mut() {
        let Node::Element(c) = n else { continue };
        match c.name.as_str() {
            "auth" => {
                let Some(user) = c.attr("username").map(str::to_string) else {
                    return Err(xml_err("missing username for auth"));
                };
                let kind = c.remove_attr("type");
                c.remove_attr("username");
                let mut attrs = Vec::new();
                if let Some(t) = kind {
                    attrs.push(("type".into(), t));
                }
                attrs.push(("username".into(), user));
                attrs.append(&mut c.attrs);
                c.attrs = attrs;
            }
            "adapter" if c.attr("type").is_none() && c.attr("name").is_some() => {
                c.attrs.insert(0, ("type".into(), "scsi_host".into()));
            }
            "dir" => {
                if let Some(p) = c.attr("path").map(sanitize_path) {
                    c.set_attr("path", p);
                }
            }
            // libvirt reads a device's path and partition separator only
            // (free extents are its own runtime report).
            "device" => {
                c.attrs
                    .retain(|(k, _)| k == "path" || k == "part_separator");
                c.attrs.sort_by_key(|(k, _)| k != "path");
                c.children.clear();
            }
            _ => {}
        }
    }
    if pool_type == "gluster" && source.child("dir").is_none() {
        source
            .children
            .push(Node::Element(Element::new("dir").with_attr("path", "/")));
    }
    Ok(())
}

/// Where libvirt writes a `<source>` child: its formatter's order.
fn source_rank(name: &str) -> usize {
    const ORDER: &[&str] = &[
        "host",
        "device",
        "dir",
        "adapter",
        "name",
        "initiator",
        "auth",
        "vendor",
        "product",
        "format",
        "protocol",
    ];
    ORDER.iter().position(|n| *n == name).unwrap_or(ORDER.len())
}

/// Children sorted by `rank`, stable (unknown ones keep their order, last).
fn ordered(el: &Element, rank: impl Fn(&str) -> usize) -> Vec<&Element> {
    let mut v: Vec<&Element> = el.elements().collect();
    v.sort_by_key(|e| rank(&e.name));
    v
}

/// Write `<name>` with children at the layout libvirt uses for an element
/// that always has an open and a close tag.
fn write_open_close(out: &mut String, el: &Element, children: &[&Element], indent: usize) {
    let pad = " ".repeat(indent);
    let mut open = Element::new(el.name.clone());
    open.attrs = el.attrs.clone();
    let tag = open.to_xml(0);
    // `<source/>` -> `<source>`: libvirt writes the pair even when empty.
    let start = tag.trim_end().trim_end_matches("/>").to_string() + ">";
    out.push_str(&pad);
    out.push_str(&start);
    out.push('\n');
    for c in children {
        c.write_xml(out, indent + 2);
    }
    out.push_str(&pad);
    out.push_str(&format!("</{}>\n", el.name));
}

impl PoolDef {
    /// `<target><path>`, when the pool has one.
    pub fn target_path(&self) -> Option<String> {
        self.target.as_ref().and_then(|t| child_text(t, "path"))
    }

    /// `<source><name>`, when the pool has one (the volume group of a
    /// logical pool).
    pub fn source_name(&self) -> Option<String> {
        child_text(&self.source, "name")
    }

    /// `<source><device path>` values, in order.
    pub fn source_devices(&self) -> Vec<String> {
        self.source
            .children_named("device")
            .filter_map(|d| d.attr("path").map(str::to_string))
            .collect()
    }

    /// `<source><host name>` values, in order.
    pub fn source_hosts(&self) -> Vec<String> {
        self.source
            .children_named("host")
            .map(|h| h.attr("name").unwrap_or_default().to_string())
            .collect()
    }

    /// `<source><dir path>`.
    pub fn source_dir(&self) -> Option<String> {
        self.source
            .child("dir")
            .and_then(|d| d.attr("path"))
            .map(str::to_string)
    }

    /// `<source><protocol ver>`: the NFS version a `netfs` pool mounts.
    pub fn protocol_ver(&self) -> Option<String> {
        self.source
            .child("protocol")
            .and_then(|p| p.attr("ver"))
            .map(str::to_string)
    }

    /// The mount options of libvirt's `fs` namespace
    /// (`<fs:mount_opts><fs:option name='...'/>`), in order.
    pub fn mount_options(&self) -> Vec<String> {
        self.extra
            .iter()
            .filter(|e| e.name == "fs:mount_opts")
            .flat_map(|e| e.children_named("fs:option"))
            .filter_map(|o| o.attr("name").map(str::to_string))
            .collect()
    }

    /// `<source><format type>`.
    pub fn source_format(&self) -> Option<String> {
        self.source
            .child("format")
            .and_then(|f| f.attr("type"))
            .map(str::to_string)
    }

    /// The XML in libvirt's layout (`virStoragePoolDefFormat`).
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(512);
        out.push_str(&format!(
            "<pool type='{}'>\n",
            crate::escape(&self.pool_type)
        ));
        out.push_str(&format!("  <name>{}</name>\n", crate::escape(&self.name)));
        if let Some(u) = self.uuid {
            out.push_str(&format!("  <uuid>{u}</uuid>\n"));
        }
        for (tag, v) in [
            ("capacity", self.capacity),
            ("allocation", self.allocation),
            ("available", self.available),
        ] {
            out.push_str(&format!("  <{tag} unit='bytes'>{v}</{tag}>\n"));
        }
        if let Some(f) = &self.features {
            f.write_xml(&mut out, 2);
        }
        write_open_close(
            &mut out,
            &self.source,
            &ordered(&self.source, source_rank),
            2,
        );
        if let Some(t) = &self.target {
            let kids = ordered(t, |n| usize::from(n != "path"));
            write_open_close(&mut out, t, &kids, 2);
        }
        for e in &self.extra {
            e.write_xml(&mut out, 2);
        }
        out.push_str("</pool>\n");
        out
    }
}

/// Rename volume document `doc` in place (its `<name>`), the rest left as
/// written: virsh's `vol-clone` makes the new volume's XML this way.
pub fn rename_volume(doc: &mut Element, name: &str) {
    for e in doc.children.iter_mut() {
        if let Node::Element(e) = e {
            if e.name == "name" {
                e.children = vec![Node::Text(name.to_string())];
            }
        }
    }
}

/// Parse volume XML as `virStorageVolDefParseString` does for a pool of
/// type `pool_type` (which decides the formats allowed and the default).
pub fn parse_volume(xml: &str, pool_type: &str) -> Result<VolDef, XmlError> {
    let root = parse_element_in(xml, VOLUME_DOCUMENT)?;
    volume_from_element(&root, pool_type)
}

/// The file formats volumes of `pool_type` may have, and the default;
/// `None` for pools whose volumes have no format.
fn vol_formats(pool_type: &str) -> Option<(&'static [&'static str], &'static str)> {
    match pool_type {
        "dir" | "fs" | "netfs" | "gluster" | "vstorage" => Some((FILE_FORMATS, "raw")),
        "disk" => Some((
            &[
                "none",
                "linux",
                "fat16",
                "fat32",
                "linux-swap",
                "linux-lvm",
                "linux-raid",
                "extended",
            ],
            "none",
        )),
        _ => None,
    }
}

/// Type a `<volume>` element.
pub fn volume_from_element(root: &Element, pool_type: &str) -> Result<VolDef, XmlError> {
    if root.name != "volume" {
        return Err(xml_err(format!(
            "expecting root element of 'volume', not '{}'",
            root.name
        )));
    }
    let name = child_text(root, "name").ok_or_else(|| xml_err("missing volume name element"))?;
    let kind = match root.attr("type") {
        None => None,
        Some(t) => Some(
            StorageVolType::from_word(t)
                .ok_or_else(|| XmlError::Unsupported(format!("unknown volume type '{t}'")))?,
        ),
    };
    let capacity = match root.child("capacity") {
        Some(c) => size_of(c, "capacity")?,
        None => return Err(xml_err("missing capacity element")),
    };
    let allocation = match root.child("allocation") {
        Some(a) => size_of(a, "capacity")?,
        None => capacity,
    };
    let physical = root
        .child("physical")
        .map(|p| size_of(p, "physical"))
        .transpose()?;
    let target = root.child("target");
    let path = target.and_then(|t| child_text(t, "path"));
    let given = target
        .and_then(|t| t.child("format"))
        .and_then(|f| f.attr("type"));
    let format = match (vol_formats(pool_type), given) {
        (Some((known, _)), Some(f)) if known.contains(&f) => Some(f.to_string()),
        (Some(_), Some(f)) => {
            return Err(XmlError::Unsupported(format!(
                "unknown volume format type {f}"
            )))
        }
        (Some((_, default)), None) => Some(default.to_string()),
        (None, _) => None,
    };
    let target_extra = match target {
        Some(t) => target_children(t)?,
        None => Vec::new(),
    };
    // Extents are what a driver reports, never read from input.
    let source = None;
    let typed = [
        "name",
        "key",
        "capacity",
        "allocation",
        "physical",
        "target",
        "source",
    ];
    let mut extra: Vec<Element> = root
        .elements()
        .filter(|e| !typed.contains(&e.name.as_str()))
        .cloned()
        .collect();
    for e in extra.iter_mut().filter(|e| e.name == "backingStore") {
        normalize_permissions(e)?;
        // libvirt writes a backing store's path, format, permissions.
        let rank = |n: &Node| match n {
            Node::Element(c) => ["path", "format", "permissions"]
                .iter()
                .position(|k| *k == c.name)
                .unwrap_or(3),
            _ => 3,
        };
        e.children.sort_by_key(rank);
    }
    Ok(VolDef {
        kind,
        name,
        key: child_text(root, "key"),
        capacity,
        allocation,
        physical,
        path,
        format,
        source,
        target_extra,
        extra,
    })
}

/// The children of a volume's `<target>` besides path and format, as
/// libvirt keeps them: permissions normalised, the cluster size in bytes,
/// `<nocow/>` read but not written, timestamps not read, and `<features>` without `<compat>`
/// implying qcow2 compat 1.1, in libvirt's order.
fn target_children(t: &Element) -> Result<Vec<Element>, XmlError> {
    const ORDER: &[&str] = &[
        "permissions",
        "encryption",
        "compat",
        "clusterSize",
        "features",
    ];
    let mut out = Vec::new();
    let mut encryption_read = false;
    for e in t.elements() {
        match e.name.as_str() {
            // Timestamps are what a driver reports, never read from input.
            "path" | "format" | "nocow" | "timestamps" => {}
            "permissions" => out.push(permissions(e)?),
            // The first is read as a disk's (virStorageEncryptionParseNode).
            "encryption" if !encryption_read => {
                encryption_read = true;
                <crate::views::Encryption as crate::views::View>::check(e)?;
                out.push(e.clone());
            }
            "clusterSize" => {
                let bytes = size_of(e, "clusterSize")?;
                out.push(
                    Element::new("clusterSize")
                        .with_attr("unit", "B")
                        .with_text(bytes.to_string()),
                );
            }
            _ => out.push(e.clone()),
        }
    }
    if t.child("features").is_some() && t.child("compat").is_none() {
        out.push(Element::new("compat").with_text("1.1"));
    }
    out.sort_by_key(|e| {
        ORDER
            .iter()
            .position(|n| *n == e.name)
            .unwrap_or(ORDER.len())
    });
    Ok(out)
}

impl VolDef {
    /// The `<backingStore>`'s path and format, when the volume has one.
    pub fn backing_store(&self) -> Option<(String, Option<String>)> {
        let b = self.extra.iter().find(|e| e.name == "backingStore")?;
        let path = b.child("path")?.text().trim().to_string();
        let format = b.child("format").and_then(|f| f.attr("type"));
        Some((path, format.map(str::to_string)))
    }

    /// Give the volume a `<backingStore>` of `path` (replacing one it had).
    pub fn set_backing_path(&mut self, path: &str) {
        self.extra.retain(|e| e.name != "backingStore");
        self.extra
            .push(Element::new("backingStore").with_child(Element::new("path").with_text(path)));
    }

    /// Give the volume's target its file's `<permissions>`: the mode (in
    /// octal, as libvirt writes it), owner and group (replacing any).
    pub fn set_permissions(&mut self, mode: u32, owner: u32, group: u32) {
        self.target_extra.retain(|e| e.name != "permissions");
        self.target_extra.push(
            Element::new("permissions")
                .with_child(Element::new("mode").with_text(format!("{:04o}", mode & 0o7777)))
                .with_child(Element::new("owner").with_text(owner.to_string()))
                .with_child(Element::new("group").with_text(group.to_string())),
        );
    }

    /// The XML in libvirt's layout (`virStorageVolDefFormat`).
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(512);
        match self.kind {
            Some(k) => out.push_str(&format!("<volume type='{}'>\n", k.as_str())),
            None => out.push_str("<volume>\n"),
        }
        out.push_str(&format!("  <name>{}</name>\n", crate::escape(&self.name)));
        let key = self.key.as_deref().unwrap_or("(null)");
        out.push_str(&format!("  <key>{}</key>\n", crate::escape(key)));
        if let Some(s) = &self.source {
            let kids: Vec<&Element> = s.elements().collect();
            write_open_close(&mut out, s, &kids, 2);
        }
        out.push_str(&format!(
            "  <capacity unit='bytes'>{}</capacity>\n",
            self.capacity
        ));
        out.push_str(&format!(
            "  <allocation unit='bytes'>{}</allocation>\n",
            self.allocation
        ));
        if let Some(p) = self.physical {
            out.push_str(&format!("  <physical unit='bytes'>{p}</physical>\n"));
        }
        out.push_str("  <target>\n");
        if let Some(p) = &self.path {
            out.push_str(&format!("    <path>{}</path>\n", crate::escape(p)));
        }
        if let Some(f) = &self.format {
            out.push_str(&format!("    <format type='{}'/>\n", crate::escape(f)));
        }
        for e in &self.target_extra {
            e.write_xml(&mut out, 4);
        }
        out.push_str("  </target>\n");
        for e in &self.extra {
            e.write_xml(&mut out, 2);
        }
        out.push_str("</volume>\n");
        out
    }
}

/// An XML error as the storage driver reports it: libvirt raises pool and
/// volume parse errors from its storage part (the XML layer's own errors
/// keep their domain).
pub fn storage_error(e: XmlError) -> virt_core::Error {
    let own_domain = e.error_domain() == ErrorDomain::Domain;
    let mut err: virt_core::Error = e.into();
    if own_domain {
        err.domain = ErrorDomain::Storage;
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dir_pool_in_libvirts_layout() {
        let mut p = parse_pool(
            "<pool type='dir'><name>p</name><uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>\
             <target><path>///var//lib/</path><permissions><mode>0700</mode></permissions></target></pool>",
        )
        .unwrap();
        p.capacity = 10;
        p.available = 10;
        assert_eq!(p.target_path().as_deref(), Some("/var/lib"));
        assert_eq!(
            p.to_xml(),
            "<pool type='dir'>\n  <name>p</name>\n  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>\n  \
             <capacity unit='bytes'>10</capacity>\n  <allocation unit='bytes'>0</allocation>\n  \
             <available unit='bytes'>10</available>\n  <source>\n  </source>\n  <target>\n    \
             <path>/var/lib</path>\n    <permissions>\n      <mode>0700</mode>\n    </permissions>\n  \
             </target>\n</pool>\n"
        );
        // What we write reads back to the same definition.
        assert_eq!(parse_pool(&p.to_xml()).map(|q| q.to_xml()), Ok(p.to_xml()));
    }

    #[test]
    fn logical_pools_default_their_source() {
        let p = parse_pool("<pool type='logical'><name>vg</name></pool>").unwrap();
        assert_eq!(p.source_name().as_deref(), Some("vg"));
        assert_eq!(p.source_format().as_deref(), Some("lvm2"));
        assert_eq!(p.target_path().as_deref(), Some("/dev/vg"));
    }

    #[test]
    fn pool_errors_are_libvirts() {
        let cases = [
            ("<pool><name>x</name></pool>", "XML error: Missing required attribute 'type' in element 'pool'"),
            ("<pool type='b'><name>x</name></pool>", "XML error: Invalid value for attribute 'type' in element 'pool': 'b'."),
            ("<pool type='dir'><target><path>/a</path></target></pool>", "XML error: missing pool source name element"),
            ("<pool type='dir'><name>x</name></pool>", "XML error: missing storage pool target path"),
            ("<pool type='dir'><name>a/b</name><target><path>/a</path></target></pool>", "XML error: name a/b cannot contain '/'"),
            ("<pool type='fs'><name>f</name><target><path>/a</path></target></pool>", "XML error: missing storage pool source device name"),
            ("<pool type='dir'><name>q</name><uuid>zz</uuid><target><path>/a</path></target></pool>", "internal error: malformed uuid element"),
            ("<poolx/>", "XML error: expecting root element of 'pool', not 'poolx'"),
        ];
        for (xml, msg) in cases {
            assert_eq!(
                parse_pool(xml).map(|_| ()).map_err(|e| e.to_string()),
                Err(msg.to_string()),
                "{xml}"
            );
        }
    }

    #[test]
    fn volumes_take_units_and_default_allocation() {
        let v = parse_volume(
            "<volume><name>a</name><capacity unit='M'>5</capacity></volume>",
            "dir",
        )
        .unwrap();
        assert_eq!((v.capacity, v.allocation), (5 << 20, 5 << 20));
        assert_eq!(v.format.as_deref(), Some("raw"));
        let v = parse_volume(
            "<volume><name>a</name><capacity>1</capacity></volume>",
            "logical",
        )
        .unwrap();
        assert_eq!(v.format, None);
    }

    #[test]
    fn volume_errors_are_libvirts() {
        let cases = [
            ("<volume><name>b</name><capacity unit='Q'>5</capacity></volume>", "invalid argument: unknown suffix 'Q'"),
            ("<volume><name>c</name><capacity>99999999999999999999</capacity></volume>", "XML error: malformed capacity element"),
            ("<volume><name>d</name></volume>", "XML error: missing capacity element"),
            ("<volume><capacity>1</capacity></volume>", "XML error: missing volume name element"),
            ("<volume type='bogus'><name>f</name><capacity>1</capacity></volume>", "unsupported configuration: unknown volume type 'bogus'"),
            ("<volume><name>g</name><capacity>1</capacity><target><format type='bogus'/></target></volume>", "unsupported configuration: unknown volume format type bogus"),
            ("<volume><name>h</name><capacity>1</capacity><allocation>x</allocation></volume>", "XML error: malformed capacity element"),
            ("<volume><name>k</name><capacity>9223372036854775808</capacity></volume>", "numerical overflow: value too large: 9223372036854775808"),
            ("<volume><name>m</name><capacity unit='E'>8</capacity></volume>", "numerical overflow: value too large: 8E"),
            ("<volume><name>n</name><capacity>1</capacity><target><encryption/></target></volume>", "XML error: unknown volume encryption format"),
        ];
        for (xml, msg) in cases {
            assert_eq!(
                parse_volume(xml, "dir")
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                Err(msg.to_string()),
                "{xml}"
            );
        }
    }

    proptest::proptest! {
        /// What we write reads back to the same text, whatever the names,
        /// sizes and formats.
        #[test]
        fn written_xml_reads_back(name in "[a-zA-Z0-9_.&<>' -]{1,12}", cap in 0u64..(1 << 62),
                                  unit in proptest::sample::select(vec!["", "bytes", "K", "KiB", "MB", "G"]),
                                  fmt in proptest::sample::select(FILE_FORMATS.to_vec()),
                                  path in "(/[a-z]{1,5}){1,3}/{0,2}") {
            let esc = crate::escape(name.trim());
            let n = cap >> 20;
            let unit_attr = if unit.is_empty() { String::new() } else { format!(" unit='{unit}'") };
            let vol = format!("<volume><name>{esc}</name><capacity{unit_attr}>{n}</capacity>\
                               <target><format type='{fmt}'/><nocow/></target></volume>");
            if let Ok(v) = parse_volume(&vol, "dir") {
                let xml = v.to_xml();
                proptest::prop_assert_eq!(parse_volume(&xml, "dir").map(|w| w.to_xml()), Ok(xml));
            }
            let pool = format!("<pool type='dir'><name>{esc}</name><capacity{unit_attr}>{n}</capacity>\
                                <target><path>{path}</path></target><foo a='1'/></pool>");
            if let Ok(p) = parse_pool(&pool) {
                let xml = p.to_xml();
                proptest::prop_assert_eq!(parse_pool(&xml).map(|q| q.to_xml()), Ok(xml));
            }
        }
    }

    #[test]
    fn sanitized_paths() {
        assert_eq!(
            sanitize_path("///var/////lib/libvirt/images//"),
            "/var/lib/libvirt/images"
        );
        assert_eq!(sanitize_path("/"), "/");
        assert_eq!(sanitize_path("//srv/x"), "//srv/x");
    }

    #[test]
    fn a_volume_s_backing_store_and_permissions_are_read_and_written() {
        let mut vol = parse_volume(
            "<volume><name>v</name><capacity>1</capacity>\
             <backingStore><path>/b.img</path><format type='qcow2'/></backingStore></volume>",
            "dir",
        )
        .unwrap();
        assert_eq!(
            vol.backing_store(),
            Some(("/b.img".to_string(), Some("qcow2".to_string())))
        );
        vol.set_backing_path("/c.img");
        assert_eq!(vol.backing_store(), Some(("/c.img".to_string(), None)));
        vol.set_permissions(0o100644, 107, 0);
        vol.set_permissions(0o100600, 0, 0);
        let xml = vol.to_xml();
        assert!(xml.contains("<permissions>\n      <mode>0600</mode>\n      <owner>0</owner>\n      <group>0</group>\n    </permissions>"), "{xml}");
        assert_eq!(xml.matches("<permissions>").count(), 1, "{xml}");
    }
}
