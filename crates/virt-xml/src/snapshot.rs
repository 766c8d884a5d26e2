//! Domain snapshot XML (`<domainsnapshot>`): what libvirt's
//! `virDomainSnapshotDefParse` reads, with its checks and messages, and
//! `virDomainSnapshotDefFormat`'s layout. The embedded `<domain>` is typed
//! as domain XML is; disk sources and other parts no driver reads are kept
//! as elements and written back unchanged.

use crate::error::XmlError;
use crate::format::FormatOptions;
use crate::model::{Disk, DomainDef, Element, Node};
use crate::reader::parse_element_in;
use virt_core::ErrorDomain;

/// The document name libxml2 errors carry for snapshot XML.
pub const SNAPSHOT_DOCUMENT: &str = "(domain_snapshot)";

/// `virDomainSnapshotState`'s words, in libvirt's order (index = number).
pub const SNAPSHOT_STATES: &[&str] = &[
    "nostate",
    "running",
    "blocked",
    "paused",
    "shutdown",
    "shutoff",
    "crashed",
    "pmsuspended",
    "disk-snapshot",
];

/// `virDomainSnapshotLocation`'s words, in libvirt's order.
pub const SNAPSHOT_LOCATIONS: &[&str] = &["default", "no", "internal", "external", "manual"];

/// `virStorageType`'s words a snapshot disk may have.
const DISK_TYPES: &[&str] = &["file", "block", "network", "nvme", "vhostuser"];

/// What `parse_snapshot` is asked to read.
#[derive(Debug, Clone, Copy, Default)]
pub struct SnapshotParse {
    /// `VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE`: a snapshot taken before, with
    /// its name, state, creation time and domain.
    pub redefine: bool,
    /// `VIR_DOMAIN_SNAPSHOT_PARSE_INTERNAL`: a driver's own metadata file,
    /// which records in `<active>` whether it was the current snapshot.
    pub internal: bool,
}

/// The memory part of a snapshot (`<memory snapshot= file=>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotMemory {
    /// Where the memory went: one of [`SNAPSHOT_LOCATIONS`].
    pub snapshot: String,
    /// The file of an external memory snapshot.
    pub file: Option<String>,
}

/// One disk of a snapshot (`<disks><disk>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotDisk {
    /// The disk's target (`vda`) or source path as given.
    pub name: String,
    /// How it is snapshotted: one of [`SNAPSHOT_LOCATIONS`], `None` for
    /// the default.
    pub snapshot: Option<String>,
    /// `type=` of the new image (`file` when not given).
    pub disk_type: String,
    /// The new image's format (`<driver type=>`).
    pub format: Option<String>,
    /// `<driver>`'s other content (`<metadata_cache>`), kept.
    pub driver_extra: Vec<Node>,
    /// `<source>` of the new image, kept as written (dropped when empty).
    pub source: Option<Element>,
    /// `<snapshotDeleteInProgress/>` (redefined metadata only).
    pub delete_in_progress: bool,
}

impl SnapshotDisk {
    /// A disk entry for target `name` snapshotted as `snapshot`.
    pub fn new(name: impl Into<String>, snapshot: Option<&str>) -> Self {
        SnapshotDisk {
            name: name.into(),
            snapshot: snapshot.map(str::to_string),
            disk_type: "file".into(),
            format: None,
            driver_extra: Vec::new(),
            source: None,
            delete_in_progress: false,
        }
    }

    /// The new image's path (`<source file=>` or `dev=`).
    pub fn path(&self) -> Option<&str> {
        let s = self.source.as_ref()?;
        s.attr("file").or_else(|| s.attr("dev"))
    }

    /// The new image as libvirt's `src->path` holds it: the file or
    /// device, or the name of a network source.
    fn image_path(&self) -> Option<&str> {
        let source = self.source.as_ref()?;
        let path = source.attr("file").or_else(|| source.attr("dev"));
        path.or_else(|| (self.disk_type == "network").then(|| source.attr("name"))?)
    }

    /// Name file `path` as the new image (`<source file=>`), replacing
    /// any source written.
    pub fn set_file(&mut self, path: &str) {
        self.source = Some(Element::new("source").with_attr("file", path));
    }
}

/// The domain a snapshot records.
#[derive(Debug, Clone, PartialEq)]
pub enum SnapshotDomain {
    /// A whole definition.
    Full(Box<DomainDef>),
    /// Older snapshots' `<domain>` without a type: kept as written.
    Bare(Element),
}

/// A domain snapshot definition.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotDef {
    /// `<name>` (a new snapshot without one is named by its creation time).
    pub name: Option<String>,
    /// `<description>`.
    pub description: Option<String>,
    /// `<state>`: one of [`SNAPSHOT_STATES`].
    pub state: Option<String>,
    /// `<parent><name>`.
    pub parent: Option<String>,
    /// `<creationTime>`, seconds since the epoch.
    pub creation_time: Option<i64>,
    /// `<memory>`.
    pub memory: Option<SnapshotMemory>,
    /// `<disks>`.
    pub disks: Vec<SnapshotDisk>,
    /// `<domain>`.
    pub domain: Option<SnapshotDomain>,
    /// `<inactiveDomain>`: the persistent definition of a running guest.
    pub inactive_domain: Option<Box<DomainDef>>,
    /// `<cookie>`: the hypervisor's own data, kept.
    pub cookie: Option<Element>,
    /// `<active>` of internal metadata: true when it was current.
    pub active: Option<bool>,
}

/// An error libvirt's snapshot code reports (snapshot_conf.c: the parser
/// and the alignment of a snapshot's disks with the domain's), in its
/// error domain `VIR_FROM_DOMAIN_SNAPSHOT`.
pub fn snapshot_error(error: XmlError) -> XmlError {
    XmlError::Reported {
        domain: ErrorDomain::DomainSnapshot,
        error: Box::new(error),
    }
}

/// The snapshot parser's own "XML error: ...".
fn invalid(msg: impl Into<String>) -> XmlError {
    snapshot_error(XmlError::Invalid(msg.into()))
}

/// An "XML error: ..." of libvirt's XML helpers (`virXMLPropEnum`, the
/// root element's check), which report it as `VIR_FROM_XML`.
fn xml_helper(msg: impl Into<String>) -> XmlError {
    XmlError::Reported {
        domain: ErrorDomain::Xml,
        error: Box::new(XmlError::Invalid(msg.into())),
    }
}

fn text_of(root: &Element, name: &str) -> Option<String> {
    root.child(name).map(Element::text)
}

fn enum_attr(e: &Element, attr: &str, words: &[&str]) -> Result<Option<String>, XmlError> {
    match e.attr(attr) {
        None => Ok(None),
        // Index 0 is the enum's "default"/"none", which NONZERO refuses.
        Some(v) if words.iter().skip(1).any(|w| *w == v) => Ok(Some(v.to_string())),
        Some(v) => Err(xml_helper(format!(
            "Invalid value for attribute '{attr}' in element '{}': '{v}'.",
            e.name
        ))),
    }
}

/// Read `<domain>`-like element `e` (renamed `domain` for the parser).
fn domain_of(e: &Element) -> Result<DomainDef, XmlError> {
    let mut e = e.clone();
    e.name = "domain".into();
    DomainDef::from_element(&e)
}

fn parse_disk(e: &Element) -> Result<SnapshotDisk, XmlError> {
    let name = e.attr("name").ok_or_else(|| {
        snapshot_error(XmlError::Internal(
            "missing name from disk snapshot element".into(),
        ))
    })?;
    let mut snapshot = enum_attr(e, "snapshot", SNAPSHOT_LOCATIONS)?;
    let disk_type = match e.attr("type") {
        None => "file".to_string(),
        Some(t) if DISK_TYPES.contains(&t) => t.to_string(),
        Some(t @ ("volume" | "dir")) => {
            return Err(invalid(format!("unsupported disk snapshot type '{t}'")))
        }
        Some(t) => {
            return Err(xml_helper(format!(
                "Invalid value for attribute 'type' in element 'disk': '{t}'."
            )))
        }
    };
    let source = e
        .child("source")
        .filter(|s| !s.attrs.is_empty() || s.elements().next().is_some())
        .cloned();
    let driver = e.child("driver");
    let format = match driver.and_then(|d| d.attr("type")) {
        None => None,
        Some(f) if crate::storage::FILE_FORMATS.iter().skip(1).any(|x| *x == f) => {
            Some(f.to_string())
        }
        Some(f) => {
            return Err(snapshot_error(XmlError::Unsupported(format!(
                "unknown disk snapshot driver '{f}'"
            ))))
        }
    };
    let mut disk = SnapshotDisk {
        name: name.to_string(),
        snapshot: None,
        disk_type,
        format,
        driver_extra: driver.map(|d| d.children.clone()).unwrap_or_default(),
        source,
        delete_in_progress: false,
    };
    if let Some(p) = disk.path() {
        if disk.disk_type != "network" && !p.starts_with('/') {
            return Err(invalid(format!(
                "disk snapshot image path '{p}' must be absolute"
            )));
        }
    }
    if snapshot.is_none() && (disk.path().is_some() || disk.format.is_some()) {
        snapshot = Some("external".into());
    }
    disk.snapshot = snapshot;
    disk.delete_in_progress = e.child("snapshotDeleteInProgress").is_some();
    Ok(disk)
}

/// Parse snapshot XML as libvirt does, with its checks and messages.
pub fn parse_snapshot(xml: &str, how: SnapshotParse) -> Result<SnapshotDef, XmlError> {
    // A document that is not well-formed is reported by the snapshot
    // parser, which asked libxml2 for it.
    let root = parse_element_in(xml, SNAPSHOT_DOCUMENT).map_err(|e| match e {
        XmlError::Malformed { .. } => snapshot_error(e),
        e => e,
    })?;
    if root.name != "domainsnapshot" {
        return Err(xml_helper(format!(
            "expecting root element of 'domainsnapshot', not '{}'",
            root.name
        )));
    }
    let name = text_of(&root, "name");
    if name.is_none() && how.redefine {
        return Err(invalid("a redefined snapshot must have a name"));
    }
    let mut def = SnapshotDef {
        name,
        description: text_of(&root, "description"),
        state: None,
        parent: None,
        creation_time: None,
        memory: None,
        disks: Vec::new(),
        domain: None,
        inactive_domain: None,
        cookie: None,
        active: None,
    };
    let mut offline = false;
    if how.redefine {
        let time = text_of(&root, "creationTime")
            .and_then(|t| t.trim().parse::<i64>().ok())
            .ok_or_else(|| {
                snapshot_error(XmlError::Internal(
                    "missing creationTime from existing snapshot".into(),
                ))
            })?;
        def.creation_time = Some(time);
        def.parent = root.child("parent").and_then(|p| text_of(p, "name"));
        let state = text_of(&root, "state")
            .ok_or_else(|| invalid("missing state from existing snapshot"))?;
        if !SNAPSHOT_STATES.iter().skip(1).any(|s| *s == state) {
            return Err(snapshot_error(XmlError::Unsupported(format!(
                "Invalid state '{state}' in domain snapshot XML"
            ))));
        }
        offline = state == "shutoff" || state == "disk-snapshot";
        def.state = Some(state);
        if let Some(d) = root.child("domain") {
            def.domain = Some(if d.attr("type").is_some() {
                SnapshotDomain::Full(Box::new(domain_of(d)?))
            } else {
                SnapshotDomain::Bare(d.clone())
            });
        }
        if let Some(d) = root.child("inactiveDomain") {
            def.inactive_domain = Some(Box::new(domain_of(d)?));
        }
    }
    if let Some(m) = root.child("memory") {
        let file = m.attr("file").map(str::to_string);
        let snapshot = enum_attr(m, "snapshot", SNAPSHOT_LOCATIONS)?;
        if snapshot.as_deref() == Some("manual") {
            return Err(invalid("'manual' memory snapshot mode not supported"));
        }
        def.memory = snapshot.map(|s| SnapshotMemory {
            snapshot: s,
            file: file.clone(),
        });
        if def.memory.is_none() && file.is_some() {
            def.memory = Some(SnapshotMemory {
                snapshot: "external".into(),
                file,
            });
        } else if def.memory.is_none() {
            // A <memory> without either keeps the default; remember nothing.
        }
        if let Some(mem) = &def.memory {
            if mem.file.is_some() && mem.snapshot != "external" {
                return Err(invalid(format!(
                    "memory filename '{}' requires external snapshot",
                    mem.file.as_deref().unwrap_or_default()
                )));
            }
        }
    }
    if def.memory.is_none() && how.redefine {
        def.memory = Some(SnapshotMemory {
            snapshot: if offline { "no" } else { "internal" }.into(),
            file: None,
        });
    }
    if let Some(mem) = &def.memory {
        if mem.snapshot == "external" && mem.file.is_none() {
            return Err(invalid("external memory snapshots require a filename"));
        }
        if offline && mem.snapshot != "no" {
            return Err(invalid(
                "memory state cannot be saved with offline or disk-only snapshot",
            ));
        }
        if let Some(f) = &mem.file {
            if !f.starts_with('/') {
                return Err(invalid(format!(
                    "memory snapshot file path ({f}) must be absolute"
                )));
            }
        }
    }
    if let Some(disks) = root.child("disks") {
        def.disks = disks.elements().map(parse_disk).collect::<Result<_, _>>()?;
    }
    if how.internal {
        let active = text_of(&root, "active")
            .and_then(|a| a.trim().parse::<i64>().ok())
            .ok_or_else(|| {
                snapshot_error(XmlError::Internal("Could not find 'active' element".into()))
            })?;
        def.active = Some(active != 0);
    }
    if !offline {
        def.cookie = root.child("cookie").cloned();
    }
    Ok(def)
}

/// How [`SnapshotDef::to_xml`] writes.
#[derive(Debug, Clone, Copy, Default)]
pub struct SnapshotFormat {
    /// `VIR_DOMAIN_SNAPSHOT_XML_SECURE`: secrets of the domain included.
    pub secure: bool,
    /// Driver metadata: add `<active>` (with `current`).
    pub internal: bool,
    /// With `internal`: it is the current snapshot.
    pub current: bool,
}

fn push_indented(out: &mut String, xml: &str, indent: usize) {
    for line in xml.lines() {
        out.push_str(&" ".repeat(indent));
        out.push_str(line);
        out.push('\n');
    }
}

fn push_text(out: &mut String, name: &str, value: &str) {
    out.push_str(&format!("  <{name}>{}</{name}>\n", crate::escape(value)));
}

/// What a snapshot and a checkpoint both start with, as libvirt writes a
/// moment: name, description, the state (snapshots only), the parent's
/// name and the creation time (none when zero).
pub(crate) fn push_moment_head(
    out: &mut String,
    [name, description, state, parent]: [Option<&str>; 4],
    creation_time: Option<i64>,
) {
    for (tag, value) in [
        ("name", name),
        ("description", description),
        ("state", state),
    ] {
        if let Some(v) = value {
            push_text(out, tag, v);
        }
    }
    if let Some(p) = parent {
        out.push_str("  <parent>\n");
        out.push_str(&format!("    <name>{}</name>\n", crate::escape(p)));
        out.push_str("  </parent>\n");
    }
    if let Some(t) = creation_time.filter(|t| *t != 0) {
        push_text(out, "creationTime", &t.to_string());
    }
}

impl SnapshotDef {
    /// The definition as libvirt writes it; `uuid` is the domain's, written
    /// as a bare `<domain><uuid>` when no domain is recorded.
    pub fn to_xml(&self, uuid: Option<&str>, how: SnapshotFormat) -> String {
        let mut out = String::from("<domainsnapshot>\n");
        let head = [&self.name, &self.description, &self.state, &self.parent];
        push_moment_head(&mut out, head.map(Option::as_deref), self.creation_time);
        if let Some(m) = &self.memory {
            let mut e = Element::new("memory").with_attr("snapshot", &m.snapshot);
            if let Some(f) = &m.file {
                e = e.with_attr("file", f);
            }
            out.push_str(&e.to_xml(2));
        }
        if !self.disks.is_empty() {
            out.push_str("  <disks>\n");
            for d in &self.disks {
                out.push_str(&disk_element(d).to_xml(4));
            }
            out.push_str("  </disks>\n");
        }
        let opts = FormatOptions {
            id: None,
            inactive: true,
            secure: how.secure,
        };
        match &self.domain {
            Some(SnapshotDomain::Full(d)) => push_indented(&mut out, &d.to_xml(&opts), 2),
            Some(SnapshotDomain::Bare(e)) => out.push_str(&e.to_xml(2)),
            None => {
                if let Some(u) = uuid {
                    out.push_str("  <domain>\n");
                    out.push_str(&format!("    <uuid>{u}</uuid>\n"));
                    out.push_str("  </domain>\n");
                }
            }
        }
        if let Some(d) = &self.inactive_domain {
            let xml = d.to_xml(&opts);
            let xml = xml
                .strip_prefix("<domain")
                .and_then(|x| x.trim_end().strip_suffix("</domain>"))
                .map(|x| format!("<inactiveDomain{x}</inactiveDomain>"))
                .unwrap_or(xml);
            push_indented(&mut out, &xml, 2);
        }
        if let Some(c) = &self.cookie {
            out.push_str(&c.to_xml(2));
        }
        if how.internal {
            push_text(&mut out, "active", if how.current { "1" } else { "0" });
        }
        out.push_str("</domainsnapshot>\n");
        out
    }

    /// The state as libvirt's number (`nostate` = 0 when unknown).
    pub fn state_number(&self) -> usize {
        self.state
            .as_deref()
            .and_then(|s| SNAPSHOT_STATES.iter().position(|w| *w == s))
            .unwrap_or(0)
    }

    /// True when the memory or a disk goes to a file of its own.
    pub fn is_external(&self) -> bool {
        self.memory
            .as_ref()
            .is_some_and(|m| m.snapshot == "external")
            || self
                .disks
                .iter()
                .any(|d| d.snapshot.as_deref() == Some("external"))
    }
}

impl SnapshotDef {
    /// libvirt's `virDomainSnapshotAlignDisks` as the QEMU and test drivers
    /// call it (internal snapshots taken of every disk or none): one entry
    /// per disk of `dom`, in its order, named by target. A disk the XML
    /// names must exist (by target, or by source for a name starting with
    /// `/`), appear once, and keep `default` (`internal` or `external`)
    /// when that is internal, unless both it and the domain's disk say
    /// `no`; a disk given a new image must be external. The disks the XML
    /// leaves out get their own `snapshot=` ([`Disk::snapshot_location`])
    /// or `default`, `no` for an empty drive. Last, the external disks
    /// given no new image get libvirt's default name for one.
    pub fn align_disks(&mut self, dom: &DomainDef, default: &str) -> Result<(), XmlError> {
        let unsupported = |m: String| snapshot_error(XmlError::Unsupported(m));
        let disks = &dom.devices.disks;
        if self.disks.len() > disks.len() {
            return Err(unsupported(
                "too many disk snapshot requests for domain".into(),
            ));
        }
        // A guest without disks is possible: nothing to align.
        if disks.is_empty() {
            return Ok(());
        }
        let uniform_internal = default == "internal";
        let mut given: Vec<(usize, SnapshotDisk)> = Vec::new();
        for mut d in std::mem::take(&mut self.disks) {
            let i = disk_index(dom, &d.name)
                .ok_or_else(|| unsupported(format!("no disk named '{}'", d.name)))?;
            if given.iter().any(|(j, _)| *j == i) {
                return Err(unsupported(format!("disk '{}' specified twice", d.name)));
            }
            let own = disks[i].snapshot_location()?;
            match d.snapshot.as_deref() {
                None | Some("default") => {
                    let keep_own = own
                        .as_deref()
                        .filter(|o| !uniform_internal || *o == "no")
                        .map(str::to_string);
                    d.snapshot = Some(keep_own.unwrap_or_else(|| default.to_string()));
                }
                Some(s) => {
                    if uniform_internal
                        && s != default
                        && !(s == "no" && own.as_deref() == Some("no"))
                    {
                        return Err(unsupported(format!(
                            "disk '{}' must use snapshot mode '{default}'",
                            d.name
                        )));
                    }
                }
            }
            if let Some(p) = d.path() {
                if d.snapshot.as_deref() != Some("external") {
                    return Err(unsupported(format!(
                        "file '{p}' for disk '{}' requires use of external snapshot mode",
                        d.name
                    )));
                }
            }
            d.name = disks[i].target_dev.clone();
            given.push((i, d));
        }
        self.disks = disks
            .iter()
            .enumerate()
            .map(|(i, x)| match given.iter().position(|(j, _)| *j == i) {
                Some(k) => Ok(given.swap_remove(k).1),
                None => {
                    let snap = match x.source {
                        // libvirt does not snapshot an empty drive.
                        None => "no".to_string(),
                        Some(_) => x.snapshot_location()?.unwrap_or_else(|| default.into()),
                    };
                    Ok(SnapshotDisk::new(x.target_dev.clone(), Some(snap.as_str())))
                }
            })
            .collect::<Result<_, XmlError>>()?;
        self.assign_external_names(dom)
    }

    /// libvirt's `virDomainSnapshotDefAssignExternalNames`, the end of
    /// the alignment: an external disk given no new image gets one beside
    /// its source, the source's name without its suffix then `.NAME` of
    /// the snapshot (`/i/a.qcow2` -> `/i/a.s1`). Refused for a new image
    /// that is not a file, a disk without a source or whose source is not
    /// a regular file, and a name another disk already has. `self.disks`
    /// are aligned with `dom`'s disks.
    fn assign_external_names(&mut self, dom: &DomainDef) -> Result<(), XmlError> {
        let unsupported = |m: String| snapshot_error(XmlError::Unsupported(m));
        let name = self.name.clone().unwrap_or_default();
        for i in 0..self.disks.len() {
            let disk = &self.disks[i];
            if disk.snapshot.as_deref() != Some("external") || disk.image_path().is_some() {
                continue;
            }
            if disk.disk_type != "file" {
                return Err(unsupported(format!(
                    "cannot generate external snapshot name for disk '{}' on a '{}' device",
                    disk.name, disk.disk_type
                )));
            }
            let Some(original) = dom.devices.disks.get(i).and_then(|d| d.source.as_deref()) else {
                return Err(unsupported(format!(
                    "cannot generate external snapshot name for disk '{}' without source",
                    disk.name
                )));
            };
            if !std::fs::metadata(original).is_ok_and(|m| m.is_file()) {
                return Err(unsupported(format!(
                    "source for disk '{}' is not a regular file; refusing to generate external snapshot name",
                    disk.name
                )));
            }
            // The suffix is what follows the last dot of the file's name.
            let stem = match original.rfind('.') {
                Some(dot) if !original[dot..].contains('/') => &original[..dot],
                _ => original,
            };
            let path = format!("{stem}.{name}");
            if let Some(other) = self.disks[..i]
                .iter()
                .find(|d| d.image_path() == Some(path.as_str()))
            {
                return Err(unsupported(format!(
                    "cannot generate external snapshot name for disk '{}': collision with disk '{}'",
                    self.disks[i].name, other.name
                )));
            }
            self.disks[i].set_file(&path);
        }
        Ok(())
    }
}

impl Disk {
    /// Where a snapshot takes this disk unless told otherwise: its
    /// `snapshot=`, else `no` for a read-only disk (a CD-ROM always is
    /// one) or a vhost-user one, as libvirt's disk post-parse sets it.
    pub fn snapshot_location(&self) -> Result<Option<String>, XmlError> {
        let no_snapshot = self.readonly || self.device == "cdrom" || self.disk_type == "vhostuser";
        Ok(self
            .options()?
            .snapshot
            .or_else(|| no_snapshot.then(|| "no".to_string())))
    }
}

/// libvirt's `virDomainDiskIndexByName` without probing: a name starting
/// with `/` is a source path (refused when several disks have it), any
/// other a target.
fn disk_index(dom: &DomainDef, name: &str) -> Option<usize> {
    let disks = &dom.devices.disks;
    if !name.starts_with('/') {
        return disks.iter().position(|d| d.target_dev == name);
    }
    let mut found = disks
        .iter()
        .enumerate()
        .filter(|(_, d)| d.source.as_deref() == Some(name))
        .map(|(i, _)| i);
    match (found.next(), found.next()) {
        (Some(i), None) => Some(i),
        _ => None,
    }
}

/// `<disk>` in libvirt's layout: `type=` and `<driver>`/`<source>` only
/// for a disk with a new image.
fn disk_element(d: &SnapshotDisk) -> Element {
    let mut e = Element::new("disk").with_attr("name", &d.name);
    if let Some(s) = &d.snapshot {
        e = e.with_attr("snapshot", s);
    }
    if d.delete_in_progress {
        e = e.with_child(Element::new("snapshotDeleteInProgress"));
    }
    if d.source.is_some() || d.format.is_some() {
        e = e.with_attr("type", &d.disk_type);
        let mut driver = Element::new("driver");
        if let Some(f) = &d.format {
            driver = driver.with_attr("type", f);
        }
        driver.children = d.driver_extra.clone();
        if !driver.attrs.is_empty() || driver.elements().next().is_some() {
            e = e.with_child(driver);
        }
        if let Some(s) = &d.source {
            e = e.with_child(s.clone());
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_snapshot_reads_name_description_and_disks() {
        let d = parse_snapshot(
            "<domainsnapshot><name>s1</name><description>d &amp; e</description>\
             <disks><disk name='vda' snapshot='external'><source file='/x.qcow2'/></disk>\
             <disk name='vdb'><driver type='qcow2'/></disk></disks></domainsnapshot>",
            SnapshotParse::default(),
        )
        .unwrap();
        assert_eq!(d.name.as_deref(), Some("s1"));
        assert_eq!(d.disks[0].path(), Some("/x.qcow2"));
        assert_eq!(d.disks[1].snapshot.as_deref(), Some("external"));
        let xml = d.to_xml(None, SnapshotFormat::default());
        assert!(
            xml.contains("<description>d &amp; e</description>"),
            "{xml}"
        );
        assert!(xml.contains("<disk name='vdb' snapshot='external' type='file'>"));
    }

    #[test]
    fn bad_values_get_libvirts_errors() {
        let e = |x: &str, redefine| {
            parse_snapshot(
                x,
                SnapshotParse {
                    redefine,
                    internal: false,
                },
            )
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            e(
                "<domainsnapshot><disks><disk snapshot='bogus' name='a'/></disks></domainsnapshot>",
                false
            ),
            "XML error: Invalid value for attribute 'snapshot' in element 'disk': 'bogus'."
        );
        assert_eq!(
            e(
                "<domainsnapshot><disks><disk/></disks></domainsnapshot>",
                false
            ),
            "internal error: missing name from disk snapshot element"
        );
        assert_eq!(
            e("<domain/>", false),
            "XML error: expecting root element of 'domainsnapshot', not 'domain'"
        );
        assert_eq!(
            e("<domainsnapshot/>", true),
            "XML error: a redefined snapshot must have a name"
        );
        assert_eq!(
            e("<domainsnapshot><name>a</name><creationTime>1</creationTime><state>x</state></domainsnapshot>", true),
            "unsupported configuration: Invalid state 'x' in domain snapshot XML"
        );
        assert_eq!(
            e(
                "<domainsnapshot><memory snapshot='external'/></domainsnapshot>",
                false
            ),
            "XML error: external memory snapshots require a filename"
        );
    }

    /// A domain with a plain disk, one whose own `snapshot=` is external,
    /// a read-only one, a CD-ROM and an empty floppy.
    const ALIGN_DOMAIN: &str = "<domain type='test'><name>a</name><memory>1024</memory>\
        <os><type>hvm</type></os><devices>\
        <disk type='file' device='disk'><source file='/i/a.img'/><target dev='vda' bus='virtio'/></disk>\
        <disk type='file' device='disk' snapshot='external'><source file='/i/b.img'/><target dev='vdb' bus='virtio'/></disk>\
        <disk type='file' device='disk'><source file='/i/c.img'/><target dev='vdc' bus='virtio'/><readonly/></disk>\
        <disk type='file' device='cdrom'><source file='/i/d.iso'/><target dev='hdc' bus='ide'/></disk>\
        <disk type='file' device='floppy'><target dev='fda' bus='fdc'/></disk>\
        </devices></domain>";

    /// A folder of the test's own holding `ALIGN_DOMAIN`'s images as
    /// regular files (an external disk's default name needs one).
    fn images() -> Result<virt_testkit::TempDir, String> {
        let dir = virt_testkit::TempDir::new("align");
        for f in ["a.img", "b.img", "c.img", "d.iso"] {
            std::fs::write(dir.join(f), b"").map_err(|e| e.to_string())?;
        }
        Ok(dir)
    }

    /// The snapshot `<disks>` aligned with `ALIGN_DOMAIN` (`/i/` in both
    /// naming the images' folder), each disk with its location and new
    /// image (the folder written `/i/` again).
    fn aligned_images(
        disks: &str,
        default: &str,
    ) -> Result<Vec<(String, String, Option<String>)>, String> {
        let folder = images()?;
        let dir = format!("{}/", folder.display());
        let dom =
            crate::parse_domain(&ALIGN_DOMAIN.replace("/i/", &dir)).map_err(|e| e.to_string())?;
        let xml = format!("<domainsnapshot><name>s1</name><disks>{disks}</disks></domainsnapshot>")
            .replace("/i/", &dir);
        let mut def = parse_snapshot(&xml, SnapshotParse::default()).map_err(|e| e.to_string())?;
        def.align_disks(&dom, default)
            .map_err(|e| e.to_string().replace(&dir, "/i/"))?;
        Ok(def
            .disks
            .iter()
            .map(|d| {
                let image = d.path().map(|p| p.replace(&dir, "/i/"));
                (
                    d.name.clone(),
                    d.snapshot.clone().unwrap_or_default(),
                    image,
                )
            })
            .collect())
    }

    fn aligned(disks: &str, default: &str) -> Result<Vec<(String, String)>, String> {
        let v = aligned_images(disks, default)?;
        Ok(v.into_iter().map(|(n, s, _)| (n, s)).collect())
    }

    #[test]
    fn external_disks_get_libvirts_default_names() {
        // Checked against libvirt 9.0's test driver: `a.img` -> `a.s1`.
        let out = aligned_images("<disk name='vdc'/><disk name='vda'/>", "external");
        let images: Result<Vec<_>, _> = out.map(|v| v.into_iter().map(|(_, _, i)| i).collect());
        assert_eq!(
            images,
            Ok(vec![
                Some("/i/a.s1".to_string()),
                Some("/i/b.s1".to_string()),
                None,
                None,
                None
            ])
        );
        // A name given stays; the default one must not take it.
        let out = aligned_images(
            "<disk name='vda' snapshot='no'/><disk name='vdb'><source file='/i/x'/></disk>",
            "external",
        );
        assert_eq!(out.map(|v| v[1].2.clone()), Ok(Some("/i/x".to_string())));
        let collision = aligned_images(
            "<disk name='vda'><source file='/i/b.s1'/></disk>",
            "external",
        );
        assert_eq!(
            collision.err(),
            Some(
                "unsupported configuration: cannot generate external snapshot name for disk \
                 'vdb': collision with disk 'vda'"
                    .into()
            )
        );
        let dom = crate::parse_domain(&ALIGN_DOMAIN.replace("/i/a.img", "/nonexistent/a.img"));
        let refused = dom.map_err(|e| e.to_string()).and_then(|dom| {
            let mut def = parse_snapshot(
                "<domainsnapshot><name>s1</name></domainsnapshot>",
                SnapshotParse::default(),
            )
            .map_err(|e| e.to_string())?;
            def.align_disks(&dom, "external").map_err(|e| e.to_string())
        });
        assert_eq!(
            refused,
            Err(
                "unsupported configuration: source for disk 'vda' is not a regular file; \
                 refusing to generate external snapshot name"
                    .into()
            )
        );
        let block = aligned_images(
            "<disk name='vda' type='block'/><disk name='vdb' snapshot='no'/>",
            "external",
        );
        assert_eq!(
            block.err(),
            Some(
                "unsupported configuration: cannot generate external snapshot name for disk \
                 'vda' on a 'block' device"
                    .into()
            )
        );
    }

    fn names(v: &[(String, String)]) -> Vec<String> {
        v.iter().map(|(n, s)| format!("{n}={s}")).collect()
    }

    #[test]
    fn alignment_fills_in_every_disk_as_libvirt_does() {
        // Checked against libvirt 9.0's test driver: read-only disks and
        // CD-ROMs are not snapshotted, nor is an empty drive; a disk's own
        // location holds for the disks the XML leaves out.
        let out = aligned("<disk name='/i/a.img'/>", "internal").map(|v| names(&v));
        assert_eq!(
            out,
            Ok(vec![
                "vda=internal".into(),
                "vdb=external".into(),
                "vdc=no".into(),
                "hdc=no".into(),
                "fda=no".into(),
            ])
        );
        // A disk named without a location takes the uniform internal one,
        // not its own external one; for an external snapshot its own.
        let out = aligned("<disk name='vdb'/>", "internal").map(|v| names(&v));
        assert_eq!(out.map(|v| v[1].clone()), Ok("vdb=internal".into()));
        let out = aligned("<disk name='vdc'/><disk name='vda'/>", "external").map(|v| names(&v));
        assert_eq!(
            out.map(|v| v[..3].to_vec()),
            Ok(vec![
                "vda=external".into(),
                "vdb=external".into(),
                "vdc=no".into()
            ])
        );
    }

    #[test]
    fn alignment_refuses_what_libvirt_refuses() {
        let err = |disks: &str, default: &str| aligned(disks, default).err();
        let six: String = (0..6).map(|_| "<disk name='vda'/>").collect();
        assert_eq!(
            err(&six, "internal"),
            Some("unsupported configuration: too many disk snapshot requests for domain".into())
        );
        assert_eq!(
            err("<disk name='vdz'/>", "internal"),
            Some("unsupported configuration: no disk named 'vdz'".into())
        );
        assert_eq!(
            err("<disk name='vda'/><disk name='/i/a.img'/>", "external"),
            Some("unsupported configuration: disk '/i/a.img' specified twice".into())
        );
        assert_eq!(
            err("<disk name='vda' snapshot='external'/>", "internal"),
            Some("unsupported configuration: disk 'vda' must use snapshot mode 'internal'".into())
        );
        // Leaving out a disk is allowed only when the domain does too.
        assert_eq!(
            err("<disk name='vda' snapshot='no'/>", "internal"),
            Some("unsupported configuration: disk 'vda' must use snapshot mode 'internal'".into())
        );
        assert_eq!(err("<disk name='vdc' snapshot='no'/>", "internal"), None);
        assert_eq!(
            err(
                "<disk name='vda' snapshot='no'><source file='/n.qcow2'/></disk>",
                "external"
            ),
            Some(
                "unsupported configuration: file '/n.qcow2' for disk 'vda' requires use of \
                 external snapshot mode"
                    .into()
            )
        );
    }
}
