//! Typed views of the guest's resources and machine: sizes with their
//! unit, memory devices, shared memory, `<memtune>`, container id maps,
//! `<sysinfo>`, I/O threads, BIOS and boot options, and `<metadata>`.
//! Like the other views they read from the stored element and write back
//! into it in place.

use super::values::put_own_text;
use super::*;

flat_view! {
    /// A size with its unit: `<size unit='KiB'>1024</size>`,
    /// `<hard_limit unit='KiB'>...`: the number is the element's text
    /// (refused as libvirt refuses a bad one, `./size[1]`), `unit=` KiB
    /// when absent.
    ScaledSize = "size" { value: u64 = "#text" required, unit: String = "unit" } absent scaled_size_absent
}

/// libvirt reads a size's number with its XPath string helper
/// (`virParseScaledValue`), which gives no value for an empty text: the
/// size is then unset (or missing, where libvirt requires it).
fn scaled_size_absent(el: &Element) -> bool {
    el.text().is_empty()
}

/// [`child_view_at`] naming the size as libvirt does for `<memtune>`, and
/// scaled as libvirt scales it (refused when too large for its kind).
fn memtune_size(el: &Element, name: &str) -> Result<Option<ScaledSize>, XmlError> {
    // The number as virStrToLong_ullp reads it (nothing after the digits).
    if let Some(c) = el.child(name).filter(|c| !ScaledSize::absent(c)) {
        let text = c.text();
        if crate::devinfo::c_unsigned(&text, 10).is_none() {
            return Err(XmlError::InvalidValue {
                value: text,
                xpath: format!("./memtune/{name}[1]"),
            });
        }
    }
    let size = child_view_at::<ScaledSize>(el, name).map_err(|e| match e {
        XmlError::InvalidValue { value, .. } => XmlError::InvalidValue {
            value,
            xpath: format!("./memtune/{name}[1]"),
        },
        e => e,
    })?;
    if let Some(s) = &size {
        let value = s.value.to_string();
        match name {
            "min_guarantee" => crate::parse_memory(&value, s.unit.as_deref())?,
            _ => crate::units::parse_memory_limit(&value, s.unit.as_deref())?,
        };
    }
    Ok(size)
}

/// `<memory>` device: a DIMM, NVDIMM or virtio-mem the guest can plug.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemoryDevice {
    /// `model=`: dimm, nvdimm, virtio-pmem, virtio-mem, sgx-epc.
    pub model: Option<String>,
    /// `access=shared|private`.
    pub access: Option<String>,
    /// `discard=yes|no`.
    pub discard: Option<String>,
    /// `<source><pagesize>`.
    pub source_pagesize: Option<ScaledSize>,
    /// `<source><nodemask>`: host NUMA nodes.
    pub source_nodemask: Option<String>,
    /// `<source><path>` (nvdimm, virtio-pmem).
    pub source_path: Option<String>,
    /// `<target><size>`.
    pub target_size: Option<ScaledSize>,
    /// `<target><node>`: the guest NUMA cell.
    pub target_node: Option<u32>,
    /// `<uuid>` (as written; libvirt reads it for the models that keep
    /// one).
    pub uuid: Option<String>,
    /// `<target><label><size>` (nvdimm): the label area.
    pub target_label_size: Option<ScaledSize>,
    /// `<target><block>` (virtio-mem): the block size.
    pub target_block: Option<ScaledSize>,
}

impl View for MemoryDevice {
    const TAG: &'static str = "memory";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let source = el.child("source");
        let target = el.child("target");
        // `string(./node)`: empty is no node.
        let target_node = match target
            .and_then(|t| t.child("node"))
            .filter(|n| !n.text().is_empty())
        {
            Some(n) => {
                let t = n.text();
                Some(t.trim().parse().map_err(|_| XmlError::InvalidValue {
                    value: t.clone(),
                    xpath: "./target/node[1]".into(),
                })?)
            }
            None => None,
        };
        // virDomainMemoryDefParseXML: the model (required), access,
        // discard, then an NVDIMM's UUID, before the source and target.
        let model = String::read(
            el,
            "model",
            &["dimm", "nvdimm", "virtio-pmem", "virtio-mem", "sgx-epc"],
        )?
        .ok_or_else(|| missing_attr("memory", "model"))?;
        let access = String::read(el, "access", &["shared", "private"])?;
        let discard = String::read(el, "discard", &["yes", "no"])?;
        // `string(./uuid[1])`, read for NVDIMMs only; empty is none.
        let uuid = el.child("uuid").map(crate::validate::string_value);
        if model == "nvdimm"
            && uuid
                .as_deref()
                .is_some_and(|u| !u.is_empty() && crate::parse::parse_uuid(u).is_none())
        {
            return Err(XmlError::Internal("malformed uuid element".into()));
        }
        Ok(MemoryDevice {
            model: Some(model),
            access,
            discard,
            source_pagesize: source
                .map(|s| child_view_at::<ScaledSize>(s, "pagesize"))
                .transpose()?
                .flatten(),
            source_nodemask: source.and_then(|s| child_text(s, "nodemask")),
            source_path: source.and_then(|s| child_text(s, "path")),
            target_size: target
                .map(|t| child_view_at::<ScaledSize>(t, "size"))
                .transpose()?
                .flatten(),
            target_node,
            uuid: child_text(el, "uuid"),
            target_label_size: target
                .and_then(|t| t.child("label"))
                .map(|l| child_view_at::<ScaledSize>(l, "size"))
                .transpose()?
                .flatten(),
            target_block: match target.and_then(|t| t.child("block")) {
                Some(b) => {
                    let block = ScaledSize::from_element(b)?;
                    if let Some(u) = &block.unit {
                        crate::units::unit_scale(u)?;
                    }
                    Some(block)
                }
                None => None,
            },
        })
    }
    fn write_to(&self, el: &mut Element) {
        String::write(el, "model", self.model.as_ref());
        String::write(el, "access", self.access.as_ref());
        String::write(el, "discard", self.discard.as_ref());
        let source = self.source_pagesize.is_some()
            || self.source_nodemask.is_some()
            || self.source_path.is_some();
        if source {
            with_child(el, "source", |s| {
                set_child_text(s, "path", self.source_path.as_deref());
                set_child_view_at(s, "pagesize", self.source_pagesize.as_ref());
                set_child_text(s, "nodemask", self.source_nodemask.as_deref());
            });
        } else if let Some(s) = child_mut(el, "source") {
            // Only what the view types goes: an empty <source/> stays.
            for name in ["path", "pagesize", "nodemask"] {
                remove_children(s, name);
            }
        }
        // An empty <uuid/> (read as none) stays as written.
        set_child_text(el, "uuid", self.uuid.as_deref());
        let target = self.target_size.is_some()
            || self.target_node.is_some()
            || self.target_label_size.is_some()
            || self.target_block.is_some();
        if target {
            with_child(el, "target", |t| {
                set_child_view_at(t, "size", self.target_size.as_ref());
                set_child_view_at(t, "block", self.target_block.as_ref());
                match &self.target_label_size {
                    Some(s) => with_child(t, "label", |l| set_child_view_at(l, "size", Some(s))),
                    None => {
                        if let Some(l) = child_mut(t, "label") {
                            remove_children(l, "size");
                        }
                    }
                }
                let same = t
                    .child("node")
                    .and_then(|n| n.text().trim().parse::<u32>().ok())
                    == self.target_node;
                if !same {
                    let node = self.target_node.map(|n| n.to_string());
                    set_child_text(t, "node", node.as_deref());
                }
            });
        } else if let Some(t) = child_mut(el, "target") {
            // Only what the view types goes: an empty <target/> stays.
            for name in ["size", "node", "block"] {
                remove_children(t, name);
            }
        }
    }
}

flat_view! {
    /// `<shmem><model type=...>`: ivshmem, ivshmem-plain, ivshmem-doorbell.
    ShmemModel = "model" {
        model_type: String = "type" ["ivshmem", "ivshmem-plain", "ivshmem-doorbell"],
    }
}

flat_view! {
    /// `<shmem><server path=...>`: the doorbell server's socket.
    ShmemServer = "server" { path: String = "path" }
}

flat_view! {
    /// `<shmem><msi vectors= ioeventfd=>` (only with a server, libvirt says).
    ShmemMsi = "msi" { vectors: u32 = "vectors", ioeventfd: String = "ioeventfd" ["on", "off"] }
}

flat_view! {
    /// `<shmem>`: memory shared between guests (ivshmem).
    Shmem = "shmem" {
        name: String = "name",
        role: String = "role" ["master", "peer"],
    } children {
        /// `<model>`.
        model: one ShmemModel,
        /// `<size>`.
        size: one ScaledSize,
        /// `<server>` (doorbell).
        server: one ShmemServer,
        /// `<msi>`.
        msi: one ShmemMsi,
    } validate check_shmem
}

/// libvirt's check of a read `<shmem>`: MSI needs a server.
fn check_shmem(shmem: &Shmem) -> Result<(), XmlError> {
    match (&shmem.msi, &shmem.server) {
        (Some(_), None) => Err(XmlError::Invalid(
            "msi option is only supported with a server".into(),
        )),
        _ => Ok(()),
    }
}

/// `<memtune>`: host memory limits for the guest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Memtune {
    /// `<hard_limit>`.
    pub hard_limit: Option<ScaledSize>,
    /// `<soft_limit>`.
    pub soft_limit: Option<ScaledSize>,
    /// `<swap_hard_limit>`.
    pub swap_hard_limit: Option<ScaledSize>,
    /// `<min_guarantee>`.
    pub min_guarantee: Option<ScaledSize>,
}

const MEMTUNE: [&str; 4] = [
    "hard_limit",
    "soft_limit",
    "swap_hard_limit",
    "min_guarantee",
];

impl View for Memtune {
    const TAG: &'static str = "memtune";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        // In libvirt's order, for the error of a definition with several
        // bad sizes.
        let hard_limit = memtune_size(el, MEMTUNE[0])?;
        let soft_limit = memtune_size(el, MEMTUNE[1])?;
        let min_guarantee = memtune_size(el, MEMTUNE[3])?;
        Ok(Memtune {
            hard_limit,
            soft_limit,
            swap_hard_limit: memtune_size(el, MEMTUNE[2])?,
            min_guarantee,
        })
    }
    fn write_to(&self, el: &mut Element) {
        let values = [
            &self.hard_limit,
            &self.soft_limit,
            &self.swap_hard_limit,
            &self.min_guarantee,
        ];
        for (name, v) in MEMTUNE.iter().zip(values) {
            set_child_view_at(el, name, v.as_ref());
        }
    }
}

flat_view! {
    /// A `<uid>` or `<gid>` range of a container's `<idmap>`.
    IdRange = "uid" {
        start: u32 = "start",
        target: u32 = "target",
        count: u32 = "count",
    }
}

flat_view! {
    /// `<idmap>`: user and group id ranges of a container.
    Idmap = "idmap" {} children {
        /// `<uid>`s in order.
        uid: many IdRange = "uid",
        /// `<gid>`s in order.
        gid: many IdRange = "gid",
    }
}

/// One section of `<sysinfo type='smbios'>`: its `<entry name=...>`s.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SysinfoSection {
    /// The section: bios, system, baseBoard, chassis.
    pub name: String,
    /// (entry name, value) in order.
    pub entries: Vec<(String, String)>,
}

/// `<sysinfo>`: the SMBIOS tables (or fw_cfg entries) the guest sees.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sysinfo {
    /// `type=smbios|fwcfg`.
    pub sysinfo_type: Option<String>,
    /// bios, system, baseBoard, chassis sections in order.
    pub sections: Vec<SysinfoSection>,
    /// `<oemStrings><entry>`s in order.
    pub oem_strings: Vec<String>,
    /// The `<entry>`s of `type='fwcfg'`, in order.
    pub fw_cfg: Vec<FwCfgEntry>,
}

/// One `<sysinfo type='fwcfg'>` `<entry name= file=>`: a firmware
/// configuration blob, given inline (the element's text) or from a file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FwCfgEntry {
    /// `name=` (`opt/...`).
    pub name: String,
    /// `file=`: the host file holding the blob.
    pub file: Option<String>,
    /// The inline value (the element's text).
    pub value: Option<String>,
}

const SYSINFO_SECTIONS: [&str; 4] = ["bios", "system", "baseBoard", "chassis"];

impl View for Sysinfo {
    const TAG: &'static str = "sysinfo";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let mut sections = Vec::new();
        for s in el.elements() {
            if !SYSINFO_SECTIONS.contains(&s.name.as_str()) {
                continue;
            }
            let mut entries = Vec::new();
            for e in s.children_named("entry") {
                // libvirt reads a section's entries by name
                // (`string(entry[@name='vendor'])`): one without is none.
                let Some(name) = e.attr("name") else {
                    continue;
                };
                entries.push((name.to_string(), e.text()));
            }
            sections.push(SysinfoSection {
                name: s.name.to_string(),
                entries,
            });
        }
        let mut fw_cfg = Vec::new();
        for e in el.children_named("entry") {
            let Some(name) = e.attr("name") else {
                return Err(XmlError::Invalid(
                    "Firmware entry is missing 'name' attribute".into(),
                ));
            };
            let value = Some(e.text()).filter(|t| !t.is_empty());
            let file = e.attr("file").map(str::to_string);
            if value.is_none() && file.is_none() {
                return Err(XmlError::Invalid(
                    "Firmware entry must have either value or 'file' attribute".into(),
                ));
            }
            fw_cfg.push(FwCfgEntry {
                name: name.to_string(),
                file,
                value,
            });
        }
        Ok(Sysinfo {
            fw_cfg,
            sysinfo_type: String::read(el, "type", &["smbios", "fwcfg"])?,
            sections,
            oem_strings: el
                .child("oemStrings")
                .map(|o| o.children_named("entry").map(|e| e.text()).collect())
                .unwrap_or_default(),
        })
    }
    fn write_to(&self, el: &mut Element) {
        String::write(el, "type", self.sysinfo_type.as_ref());
        for name in SYSINFO_SECTIONS {
            let section = self.sections.iter().find(|s| s.name == name);
            match section {
                Some(s) => with_child(el, name, |c| {
                    sync_children(c, "entry", &s.entries, |(k, v), e| {
                        put(e, "name", Some(k));
                        put_own_text(e, Some(v));
                    })
                }),
                None => remove_children(el, name),
            }
        }
        sync_children(el, "entry", &self.fw_cfg, |f, e| {
            put(e, "name", Some(&f.name));
            put(e, "file", f.file.as_deref());
            put_own_text(e, f.value.as_deref());
        });
        if self.oem_strings.is_empty() {
            remove_children(el, "oemStrings");
        } else {
            with_child(el, "oemStrings", |o| {
                sync_children(o, "entry", &self.oem_strings, |v, e| {
                    put_own_text(e, Some(v))
                })
            });
        }
    }
}

flat_view! {
    /// `<iothreads>N</iothreads>`: how many I/O threads the guest gets
    /// (the element's text).
    IoThreads = "iothreads" {
        count: u32 = "#text" required invalid "invalid iothreads count '{}'",
    }
}

flat_view! {
    /// An `<iothread id=...>` of `<iothreadids>`, read as
    /// virDomainIOThreadIDDefParseXML reads it (a positive id, pool
    /// sizes as non-negative ints).
    IoThreadId = "iothread" {
        id: std::num::NonZeroU32 = "id",
        thread_pool_min: NonNegInt = "thread_pool_min",
        thread_pool_max: NonNegInt = "thread_pool_max",
    }
}

flat_view! {
    /// `<iothreadids>`: the I/O threads by id.
    IoThreadIds = "iothreadids" {} children {
        /// The `<iothread>`s in order.
        iothreads: many IoThreadId,
    }
}

flat_view! {
    /// `<os><bios>`: legacy BIOS options.
    Bios = "bios" {
        useserial: String = "useserial" ["yes", "no"],
        reboot_timeout: String = "rebootTimeout",
    }
}

flat_view! {
    /// `<os><boot>`: a boot device, `dev=` as libvirt writes it, or the
    /// element's text as 0.2-era definitions spelled it
    /// (`<boot>cdrom</boot>`, `legacy_dev`).
    OsBoot = "boot" {
        dev: String = "dev" ["hd", "fd", "cdrom", "network"],
        legacy_dev: String = "#text",
    }
}

/// `<metadata>`: applications' own elements, each in its namespace,
/// kept whole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata {
    /// The elements in order.
    pub elements: Vec<Element>,
}

impl View for Metadata {
    const TAG: &'static str = "metadata";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        Ok(Metadata {
            elements: el.elements().cloned().collect(),
        })
    }
    fn write_to(&self, el: &mut Element) {
        let same = el.elements().eq(self.elements.iter());
        if !same {
            el.children = self.elements.iter().cloned().map(Node::Element).collect();
        }
    }
}
