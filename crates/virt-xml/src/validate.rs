//! libvirt's checks of a definition's values against each other, the ones
//! its parser makes while reading (CPU sets and node sets, the CPU model,
//! I/O thread pins, firmware) and the ones `virDomainDefValidate` makes
//! after it, in libvirt 9.0's order so that a definition breaking several
//! rules is refused for the same one. Each check names the rule of
//! libvirt it follows; all were found by the differential run against
//! libvirt 9.0 (crates/virt-schema).

use virt_core::{ErrorCode, ErrorDomain};

use crate::{DomainDef, Element, XmlError};

/// Where a check sits in libvirt 9.0's define: the steps of
/// `virDomainDefParseXML` in its order (each part of the document is read
/// at one of them, the devices kind by kind), then `virDomainDefPostParse`,
/// then `virDomainDefValidate`. libvirt stops at the first step that
/// fails, so a definition breaking rules at several steps is refused for
/// the earliest one, whatever order the checks run in here ([`Refusals`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Step {
    /// virDomainDefParseIDs: the name, uuid and genid.
    Ids,
    /// virDomainDefParseCaps: the domain type, OS type and architecture.
    Caps,
    /// virSecurityLabelDefsParseXML.
    SecLabels,
    /// virDomainDefParseMemory: the memory sizes.
    Memory,
    /// virDomainDefParseMemory: `<memoryBacking>`, hugepages last.
    MemoryBacking,
    /// virDomainDefTunablesParse: `<blkiotune>`.
    Blkiotune,
    /// virDomainDefTunablesParse: `<memtune>`.
    Memtune,
    /// virDomainVcpuParse: `<vcpu>`, `<vcpus>`.
    Vcpu,
    /// virDomainDefParseIOThreads.
    IoThreads,
    /// virDomainDefTunablesParse: `<cputune>`.
    Cputune,
    /// virCPUDefParseXML: the guest `<cpu>`.
    Cpu,
    /// virDomainNumaDefParseXML: the guest NUMA cells.
    Numa,
    /// The NUMA cells' CPUs against the vCPU count.
    NumaVcpus,
    /// virDomainNumatuneParseXML.
    Numatune,
    /// virDomainResourceDefParse.
    Resource,
    /// virDomainFeaturesDefParse.
    Features,
    /// virDomainDefLifecycleParse: the actions, `<pm>`.
    Lifecycle,
    /// virDomainPerfDefParseXML.
    Perf,
    /// virDomainDefClockParse.
    Clock,
    /// virDomainDefParseBootOptions: `<os>` beyond its type.
    Boot,
    /// The devices, kind by kind in libvirt's order ([`DEVICE_PARSE_ORDER`]).
    Device(u8),
    /// virDomainIdmapDefParseXML.
    Idmap,
    /// virSysinfoParseXML.
    Sysinfo,
    /// virDomainKeyWrapDefParseXML.
    Keywrap,
    /// virDomainDefPostParse (virDomainDefPostParseCommon).
    PostParse,
    /// virDomainDefPostParseCheckFeatures, the end of post-parse.
    PostParseFeatures,
    /// virDomainDefValidate.
    Validate,
}

/// The order in which `virDomainDefParseXML` reads the devices (and the
/// launch security, read between the shared memory and memory devices).
const DEVICE_PARSE_ORDER: &[&str] = &[
    "disk",
    "controller",
    "lease",
    "filesystem",
    "interface",
    "smartcard",
    "parallel",
    "serial",
    "console",
    "channel",
    "input",
    "graphics",
    "sound",
    "audio",
    "video",
    "hostdev",
    "watchdog",
    "memballoon",
    "rng",
    "tpm",
    "nvram",
    "hub",
    "redirdev",
    "redirfilter",
    "panic",
    "shmem",
    "launchSecurity",
    "memory",
    "iommu",
    "vsock",
];

impl Step {
    /// The step at which libvirt reads the device element `name` (an
    /// unknown one: with the last).
    pub(crate) fn device(name: &str) -> Step {
        let at = DEVICE_PARSE_ORDER
            .iter()
            .position(|d| *d == name)
            .unwrap_or(DEVICE_PARSE_ORDER.len());
        Step::Device(at as u8)
    }

    /// The step at which libvirt reads the top-level element `name`.
    pub(crate) fn top(name: &str) -> Step {
        match name {
            "seclabel" => Step::SecLabels,
            "memoryBacking" => Step::MemoryBacking,
            "blkiotune" => Step::Blkiotune,
            "memtune" => Step::Memtune,
            "vcpus" => Step::Vcpu,
            "iothreads" | "iothreadids" | "defaultiothread" => Step::IoThreads,
            "cputune" => Step::Cputune,
            "cpu" => Step::Cpu,
            "numatune" => Step::Numatune,
            "resource" => Step::Resource,
            "on_lockfailure" | "pm" => Step::Lifecycle,
            "perf" => Step::Perf,
            "clock" => Step::Clock,
            "launchSecurity" => Step::device(name),
            "idmap" => Step::Idmap,
            "sysinfo" => Step::Sysinfo,
            "keywrap" => Step::Keywrap,
            _ => Step::Ids,
        }
    }
}

/// The refusal libvirt makes of a definition: of the checks made, the
/// first failing one of the earliest [`Step`]. A check at a step later
/// than a refusal already found is not made.
#[derive(Default)]
pub(crate) struct Refusals {
    first: Option<(Step, XmlError)>,
}

impl Refusals {
    /// Whether a check at `step` could still decide the refusal.
    pub(crate) fn open(&self, step: Step) -> bool {
        self.first.as_ref().is_none_or(|(s, _)| step < *s)
    }

    /// Make `check`, which libvirt makes at `step`.
    pub(crate) fn check(&mut self, step: Step, check: impl FnOnce() -> Result<(), XmlError>) {
        if self.open(step) {
            if let Err(e) = check() {
                self.first = Some((step, e));
            }
        }
    }

    /// The value of a read libvirt makes at `step`, `None` when it fails
    /// (the failure kept as a refusal).
    pub(crate) fn take<T>(&mut self, step: Step, read: Result<T, XmlError>) -> Option<T> {
        match read {
            Ok(v) => Some(v),
            Err(e) => {
                if self.open(step) {
                    self.first = Some((step, e));
                }
                None
            }
        }
    }

    /// The refusal, if any.
    pub(crate) fn into_result(self) -> Result<(), XmlError> {
        match self.first {
            Some((_, e)) => Err(e),
            None => Ok(()),
        }
    }
}

/// libvirt's `VIR_DOMAIN_CPUMASK_LEN`: the bits a CPU or node set may use.
pub(crate) const CPUMASK_LEN: u64 = 16384;

/// A refusal libvirt words without a code prefix (VIR_ERR_XML_DETAIL).
pub(crate) fn detail(message: &str) -> XmlError {
    XmlError::Refused {
        code: ErrorCode::XmlDetail,
        domain: ErrorDomain::Domain,
        message: message.to_string(),
    }
}

/// Read a CPU or node set the way `virBitmapParse` does: items `N`,
/// `N-M` (N <= M) and `^N`, comma-separated, spaces allowed around them,
/// every bit below `limit`. `None` when libvirt refuses the text, else
/// the bits set, as sorted disjoint ranges.
pub(crate) fn bitmap(text: &str, limit: u64) -> Option<Vec<(u64, u64)>> {
    // The set as disjoint ranges; a `^N` splits the range holding N.
    let mut set: Vec<(u64, u64)> = Vec::new();
    let number = |s: &str| -> Option<(u64, usize)> {
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        // libvirt reads an int: more than i32::MAX is refused.
        let n: u64 = s[..digits].parse().ok()?;
        (n <= i32::MAX as u64).then_some((n, digits))
    };
    let mut rest = text.trim_start_matches(is_space);
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let neg = rest.starts_with('^');
        if neg {
            rest = &rest[1..];
        }
        let (start, used) = number(rest)?;
        rest = rest[used..].trim_start_matches(is_space);
        let mut last = start;
        if let Some(after) = rest.strip_prefix('-') {
            if neg {
                return None;
            }
            let after = after.trim_start_matches(is_space);
            let after = after.strip_prefix('+').unwrap_or(after);
            let (end, used) = number(after)?;
            if end < start {
                return None;
            }
            last = end;
            rest = after[used..].trim_start_matches(is_space);
        }
        if last >= limit {
            return None;
        }
        set = if neg {
            set.into_iter()
                .flat_map(|(lo, hi)| {
                    if lo <= start && start <= hi {
                        let below = (lo < start).then(|| (lo, start - 1));
                        let above = (start < hi).then(|| (start + 1, hi));
                        [below, above]
                    } else {
                        [Some((lo, hi)), None]
                    }
                })
                .flatten()
                .collect()
        } else {
            merge(set, (start, last))
        };
        match rest.strip_prefix(',') {
            Some(r) => rest = r.trim_start_matches(is_space),
            None if rest.is_empty() => break,
            None => return None,
        }
    }
    Some(set)
}

/// `set` (sorted, disjoint, not adjacent) with `add` in it, kept so.
fn merge(set: Vec<(u64, u64)>, add: (u64, u64)) -> Vec<(u64, u64)> {
    let (mut lo, mut hi) = add;
    let mut out = Vec::with_capacity(set.len() + 1);
    for (a, b) in set {
        if b + 1 < lo || hi + 1 < a {
            out.push((a, b));
        } else {
            lo = lo.min(a);
            hi = hi.max(b);
        }
    }
    out.push((lo, hi));
    out.sort_unstable();
    out
}

/// Whether a set libvirt reads is non-empty (`None`: refused).
pub(crate) fn bitmap_has_bits(text: &str, limit: u64) -> Option<bool> {
    bitmap(text, limit).map(|s| !s.is_empty())
}

/// A set as `virBitmapFormat` writes it: ranges `N-M`, single bits `N`.
pub(crate) fn format_bitmap(set: &[(u64, u64)]) -> String {
    set.iter()
        .map(|&(lo, hi)| match hi - lo {
            0 => lo.to_string(),
            _ => format!("{lo}-{hi}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A set attribute rewritten the way libvirt writes it back.
pub(crate) fn canonical_set(text: &str) -> Option<String> {
    bitmap(text, CPUMASK_LEN)
        .filter(|s| !s.is_empty())
        .map(|s| format_bitmap(&s))
}

/// glib's `g_ascii_isspace`, which libvirt's `virSkipSpaces` uses.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// A CPU or node set attribute read where libvirt reads it: refused with
/// "Failed to parse bitmap" when malformed, with `empty(value)` when it
/// leaves no bit set (`None`: an empty set is allowed there).
fn check_set(
    value: Option<&str>,
    empty: Option<&dyn Fn(&str) -> XmlError>,
) -> Result<(), XmlError> {
    let Some(v) = value else { return Ok(()) };
    match (bitmap_has_bits(v, CPUMASK_LEN), empty) {
        (None, _) => Err(XmlError::InvalidArg(format!(
            "Failed to parse bitmap '{v}'"
        ))),
        (Some(false), Some(empty)) => Err(empty(v)),
        _ => Ok(()),
    }
}

fn invalid_set(attr: &'static str) -> impl Fn(&str) -> XmlError {
    move |v| XmlError::Unsupported(format!("Invalid value of '{attr}': {v}"))
}

fn top<'a>(def: &'a DomainDef, name: &'a str) -> impl Iterator<Item = &'a Element> {
    def.extra.iter().filter(move |e| e.name == name)
}

/// The checks libvirt's parser makes while reading, each at its
/// [`Step`]; the typed views of the parts add theirs at the same steps
/// (`views::check_definition`).
pub(crate) fn check_parsed(def: &DomainDef, r: &mut Refusals) {
    r.check(Step::Ids, || check_genid(def));
    r.check(Step::SecLabels, || {
        check_seclabels(def)?;
        crate::views::check_each(def, "seclabel")
    });
    let nodeset = invalid_set("nodeset");
    let cpuset = invalid_set("cpuset");
    // virDomainDefParseMemory: <memoryBacking>, its hugepages last.
    r.check(Step::MemoryBacking, || {
        if let Some(mb) = top(def, "memoryBacking").next() {
            crate::views::check_each(def, "memoryBacking")?;
            // virDomainHugepagesParseXML: the size (not zero), then the
            // node set.
            for hp in mb.children_named("hugepages") {
                for page in hp.children_named("page") {
                    check_hugepage_size(page)?;
                    check_set(page.attr("nodeset"), Some(&nodeset))?;
                }
            }
        }
        Ok(())
    });
    // virDomainDefTunablesParse: <blkiotune>, <memtune>, <vcpu>, <vcpus>,
    // the I/O threads, then <cputune>.
    r.check(Step::Blkiotune, || {
        crate::views::check_top(def, "blkiotune")
    });
    r.check(Step::Memtune, || crate::views::check_top(def, "memtune"));
    r.check(Step::Vcpu, || {
        // The CPU set is read only without automatic placement.
        if def.vcpu.placement.as_deref() != Some("auto") {
            check_set(def.vcpu.cpuset.as_deref(), Some(&cpuset))?;
        }
        check_vcpus(def)
    });
    r.check(Step::IoThreads, || {
        crate::views::check_each(def, "iothreads")?;
        crate::views::check_top(def, "defaultiothread")?;
        crate::views::check_each(def, "iothreadids")?;
        // Each id once.
        let mut ids: Vec<u32> = Vec::new();
        for t in top(def, "iothreadids").flat_map(|e| e.children_named("iothread")) {
            if let Some(id) = t.attr("id").and_then(|v| v.trim().parse::<u32>().ok()) {
                if ids.contains(&id) {
                    return Err(XmlError::Invalid(format!(
                        "duplicate iothread id '{id}' found"
                    )));
                }
                ids.push(id);
            }
        }
        Ok(())
    });
    // (The scheduler values and pins as libvirt reads them: the typed
    // view of <cputune> is stricter, an empty <quota/> is unset here.)
    r.check(Step::Cputune, || match top(def, "cputune").next() {
        Some(cputune) => {
            check_cputune(def, cputune, &cpuset)?;
            crate::views::check_resctrl(cputune)
        }
        None => Ok(()),
    });
    // virCPUDefParseXML, then virDomainNumaDefParseXML: the cells.
    let cpu = top(def, "cpu").next();
    r.check(Step::Cpu, || match cpu {
        Some(cpu) => {
            check_cpu(cpu)?;
            crate::views::check_each(def, "cpu")
        }
        None => Ok(()),
    });
    r.check(Step::Numa, || match cpu {
        Some(cpu) => {
            for numa in cpu.children_named("numa") {
                for cell in numa.children_named("cell") {
                    check_set(cell.attr("cpus"), None)?;
                }
            }
            crate::views::check_cpu_numa(cpu)
        }
        None => Ok(()),
    });
    r.check(Step::NumaVcpus, || check_numa_vcpus(def));
    r.check(Step::Numatune, || {
        check_numatune(def, &nodeset)?;
        crate::views::check_each(def, "numatune")
    });
    r.check(Step::Resource, || check_resource(def));
    // virDomainDefLifecycleParse (the actions are read with the typed
    // model), virDomainPerfDefParseXML.
    r.check(Step::Lifecycle, || {
        crate::views::check_top(def, "on_lockfailure")?;
        crate::views::check_each(def, "pm")
    });
    r.check(Step::Perf, || crate::views::check_top(def, "perf"));
    r.check(Step::Clock, || {
        check_clock(def)?;
        crate::views::check_each(def, "clock")
    });
    r.check(Step::Boot, || check_boot(def));
    // The devices libvirt takes one of, refused before any is read.
    for (name, what, internal) in [
        ("watchdog", "watchdog device", true),
        ("memballoon", "memory balloon device", true),
        ("nvram", "nvram device", true),
        ("iommu", "IOMMU device", false),
        ("vsock", "vsock device", false),
    ] {
        r.check(Step::device(name), || {
            let count = def.devices.other.iter().filter(|e| e.name == name).count();
            if count < 2 {
                return Ok(());
            }
            let message = format!("only a single {what} is supported");
            Err(match internal {
                true => XmlError::Internal(message),
                false => XmlError::Invalid(message),
            })
        });
    }
    // virDomainSecDefParseXML: an SEV policy is a 32-bit hex number.
    r.check(Step::device("launchSecurity"), || {
        for sec in top(def, "launchSecurity").filter(|e| e.attr("type") == Some("sev")) {
            check_sev(sec)?;
        }
        crate::views::check_top(def, "launchSecurity")
    });
    r.check(Step::Idmap, || crate::views::check_each(def, "idmap"));
    r.check(Step::Sysinfo, || {
        crate::views::check_each(def, "sysinfo")?;
        for sysinfo in top(def, "sysinfo").filter(|s| s.attr("type") == Some("smbios")) {
            check_smbios(def, sysinfo)?;
        }
        Ok(())
    });
    r.check(Step::Keywrap, || {
        keywrap(def)?;
        crate::views::check_top(def, "keywrap")
    });
}

/// virDomainDefParseIDs: the generation id once, empty (generated) or a
/// UUID.
fn check_genid(def: &DomainDef) -> Result<(), XmlError> {
    let mut genids = top(def, "genid");
    if let Some(genid) = genids.next() {
        if genids.next().is_some() {
            return Err(XmlError::Invalid(
                "element 'genid' can only appear once".into(),
            ));
        }
        let text = genid.text();
        if !text.is_empty() && crate::parse_uuid(&text).is_none() {
            return Err(XmlError::Internal("malformed genid element".into()));
        }
    }
    Ok(())
}

/// The guest NUMA cells' CPUs against the vCPU count (after
/// virDomainNumaDefParseXML): no more CPUs than vCPUs, and no CPU id at
/// or beyond the count (with no cells the highest id is 0, so a count of
/// 0 is refused here).
fn check_numa_vcpus(def: &DomainDef) -> Result<(), XmlError> {
    let sets: Vec<Vec<(u64, u64)>> = top(def, "cpu")
        .next()
        .and_then(|c| c.child("numa"))
        .into_iter()
        .flat_map(|n| n.children_named("cell"))
        .filter_map(|cell| cell.attr("cpus").and_then(|c| bitmap(c, CPUMASK_LEN)))
        .collect();
    let max = u64::from(def.vcpu.max);
    let count: u64 = sets.iter().flatten().map(|(lo, hi)| hi - lo + 1).sum();
    if count > max {
        return Err(XmlError::Internal(
            "Number of CPUs in <numa> exceeds the <vcpu> count".into(),
        ));
    }
    let highest = sets
        .iter()
        .filter_map(|s| s.last().map(|&(_, hi)| hi))
        .max()
        .unwrap_or(0);
    if highest >= max {
        return Err(XmlError::Internal(
            "CPU IDs in <numa> exceed the <vcpu> count".into(),
        ));
    }
    Ok(())
}

/// virDomainNumatuneParseXML: one `<numatune>`; the first `<memory>`'s
/// mode, placement and node set, then what they settle to; the
/// `<memnode>`s.
fn check_numatune(def: &DomainDef, nodeset: &dyn Fn(&str) -> XmlError) -> Result<(), XmlError> {
    if top(def, "numatune").nth(1).is_some() {
        return Err(XmlError::Invalid("only one numatune is supported".into()));
    }
    if let Some(memory) = top(def, "numatune").next().and_then(|n| n.child("memory")) {
        if let Some(mode) = memory.attr("mode") {
            if !matches!(mode, "strict" | "preferred" | "interleave" | "restrictive") {
                return Err(XmlError::Unsupported(format!(
                    "Unsupported NUMA memory tuning mode '{mode}'"
                )));
            }
        }
        if let Some(placement) = memory.attr("placement") {
            if !matches!(placement, "default" | "static" | "auto") {
                return Err(XmlError::Unsupported(format!(
                    "Unsupported NUMA memory placement mode '{placement}'"
                )));
            }
        }
        check_set(memory.attr("nodeset"), Some(nodeset))?;
    }
    if let Some(memory) = numatune_memory(def) {
        if memory.placement == "static" && memory.nodeset.is_none() {
            return Err(XmlError::Unsupported(
                "nodeset for NUMA memory tuning must be set if 'placement' is 'static'".into(),
            ));
        }
    }
    if let Some(numatune) = top(def, "numatune").next() {
        for memory in numatune.children_named("memory") {
            check_set(memory.attr("nodeset"), Some(nodeset))?;
        }
        let auto = numatune
            .child("memory")
            .is_some_and(|m| m.attr("placement") == Some("auto"));
        let cells = top(def, "cpu")
            .next()
            .and_then(|c| c.child("numa"))
            .map_or(0, |n| n.children_named("cell").count());
        for memnode in numatune.children_named("memnode") {
            if auto {
                return Err(XmlError::Unsupported(
                    "Per-node binding is not compatible with automatic NUMA placement.".into(),
                ));
            }
            if cells == 0 {
                return Err(XmlError::Invalid(
                    "Element 'memnode' is invalid without any guest NUMA cells".into(),
                ));
            }
            let cellid = memnode
                .attr("cellid")
                .and_then(|c| c.trim().parse::<u64>().ok());
            if cellid.is_some_and(|c| c >= cells as u64) {
                return Err(XmlError::Invalid(
                    "Argument 'cellid' in memnode element must correspond to existing \
                     guest's NUMA cell"
                        .into(),
                ));
            }
            check_set(memnode.attr("nodeset"), Some(nodeset))?;
        }
    }
    Ok(())
}

/// virDomainResourceDefParse: one `<resource>`; one that gives neither a
/// partition nor a Fibre Channel appid is refused, without a message.
fn check_resource(def: &DomainDef) -> Result<(), XmlError> {
    let mut resources = top(def, "resource");
    let Some(resource) = resources.next() else {
        return Ok(());
    };
    if resources.next().is_some() {
        return Err(XmlError::Invalid(
            "only one resource element is supported".into(),
        ));
    }
    let partition = resource.child("partition").map(string_value);
    let appid = resource.child("fibrechannel").and_then(|f| f.attr("appid"));
    if partition.is_none_or(|p| p.is_empty()) && appid.is_none_or(str::is_empty) {
        return Err(no_cause(
            "<resource> has neither a <partition> nor a <fibrechannel appid>",
        ));
    }
    Ok(())
}

/// virDomainDefClockParse: what each offset needs.
fn check_clock(def: &DomainDef) -> Result<(), XmlError> {
    let Some(clock) = top(def, "clock").next() else {
        return Ok(());
    };
    match clock.attr("offset") {
        None | Some("utc" | "localtime")
            if clock
                .attr("adjustment")
                .is_some_and(|a| a != "reset" && c_long(a, true).is_none()) =>
        {
            Err(XmlError::Invalid(format!(
                "unknown clock adjustment '{}'",
                clock.attr("adjustment").unwrap_or_default()
            )))
        }
        Some("timezone") if clock.attr("timezone").is_none() => Err(XmlError::Internal(
            "missing 'timezone' attribute for clock with offset='timezone'".into(),
        )),
        Some("absolute")
            if clock
                .attr("start")
                .is_none_or(|s| s.trim().parse::<u64>().is_err()) =>
        {
            Err(XmlError::Internal(
                "missing 'start' attribute for clock with offset='absolute'".into(),
            ))
        }
        _ => Ok(()),
    }
}

/// virDomainDefParseBootOptions: the firmware, an NVRAM's storage type.
fn check_boot(def: &DomainDef) -> Result<(), XmlError> {
    // virDomainDefParseBootFirmwareOptions.
    if let Some(fw) = os_attr(def, "firmware") {
        if fw != "bios" && fw != "efi" {
            return Err(XmlError::Invalid(format!("unknown firmware value {fw}")));
        }
    }
    // virDomainLoaderDefParseXMLNvram (boot loaders of HVM, Xen and UML
    // guests): an <nvram> with a storage type needs its <source>, else it
    // is refused without a message.
    if matches!(def.os.os_type.as_str(), "hvm" | "xen" | "xenpvh" | "uml") {
        if let Some(nvram) = def.os.extra.iter().find(|e| e.name == "nvram") {
            if let Some(t) = nvram.attr("type") {
                if !STORAGE_TYPES.contains(&t) {
                    return Err(XmlError::Invalid(format!(
                        "Invalid value for attribute 'type' in element 'nvram': '{t}'."
                    )));
                }
                if nvram.child("source").is_none() {
                    return Err(no_cause("<nvram type=...> without <source>"));
                }
            }
        }
    }
    // virDomainDefParseBootAcpiOptions (HVM guests): one table in all,
    // a SLIC table.
    if def.os.os_type == "hvm" {
        let mut tables = def
            .os
            .extra
            .iter()
            .filter(|e| e.name == "acpi")
            .flat_map(|a| a.children_named("table"));
        if let Some(table) = tables.next() {
            if tables.next().is_some() {
                return Err(XmlError::Invalid("Only one acpi table is supported".into()));
            }
            match table.attr("type") {
                None => return Err(XmlError::Invalid("Missing acpi table type".into())),
                Some("slic") => {}
                Some(t) => return Err(XmlError::Invalid(format!("Unknown acpi table type: {t}"))),
            }
        }
    }
    Ok(())
}

/// libvirt's storage types (`virStorageType`, without "none"'s zero:
/// `virXMLPropEnum` without NONZERO takes it).
const STORAGE_TYPES: &[&str] = &[
    "none",
    "file",
    "block",
    "dir",
    "network",
    "volume",
    "nvme",
    "vhostuser",
];

/// libvirt's text for a refusal raised without a message of its own
/// (`virErrorGenericFailure`: VIR_ERR_INTERNAL_ERROR, from no part of
/// libvirt); `why` says what libvirt 9.0 refused.
fn no_cause(why: &str) -> XmlError {
    XmlError::Refused {
        code: ErrorCode::InternalError,
        domain: ErrorDomain::None,
        message: format!("An error occurred, but the cause is unknown: {why}"),
    }
}

/// XPath's `string()` of an element: all the text inside it.
pub(crate) fn string_value(e: &Element) -> String {
    let mut out = String::new();
    for n in &e.children {
        match n {
            crate::Node::Text(t) => out.push_str(t),
            crate::Node::Element(c) => out.push_str(&string_value(c)),
        }
    }
    out
}

/// A domain `<seclabel>` as libvirt 9.0 reads it for an inactive
/// definition (virSecurityLabelDefParseXML).
pub(crate) struct SecLabel {
    /// `type=`; `None` is libvirt's "default" type, which it does not
    /// write back at all.
    pub(crate) label_type: Option<&'static str>,
    /// `model=`.
    pub(crate) model: Option<String>,
    /// Whether resources are relabelled.
    pub(crate) relabel: bool,
    /// `<label>` (read for static labels only).
    pub(crate) label: Option<String>,
    /// `<baselabel>` (read for dynamic labels only).
    pub(crate) baselabel: Option<String>,
}

/// libvirt's `VIR_SECURITY_MODEL_BUFLEN` and `VIR_SECURITY_LABEL_BUFLEN`,
/// less the terminating NUL: longer models are dropped, longer labels refused.
const SECURITY_MODEL_MAX: usize = 256;
const SECURITY_LABEL_MAX: usize = 4096;

/// Read one `<seclabel>` of the domain as libvirt does.
pub(crate) fn read_seclabel(e: &Element) -> Result<SecLabel, XmlError> {
    let model = e
        .attr("model")
        .filter(|m| m.len() <= SECURITY_MODEL_MAX)
        .map(str::to_string);
    let invalid = |attr: &str, v: &str| {
        XmlError::Invalid(format!(
            "Invalid value for attribute '{attr}' in element 'seclabel': '{v}'."
        ))
    };
    let label_type = match e.attr("type") {
        None => None,
        Some("dynamic") => Some("dynamic"),
        Some("static") => Some("static"),
        Some("none") => Some("none"),
        Some(v) => return Err(invalid("type", v)),
    };
    let mut relabel = !matches!(label_type, Some("static" | "none"));
    match e.attr("relabel") {
        None => {}
        Some("yes") => relabel = true,
        Some("no") => relabel = false,
        Some(v) => return Err(invalid("relabel", v)),
    }
    if label_type == Some("dynamic") && !relabel {
        return Err(XmlError::Unsupported(
            "dynamic label type must use resource relabeling".into(),
        ));
    }
    if label_type == Some("none") && relabel {
        return Err(XmlError::Unsupported(
            "resource relabeling is not compatible with 'none' label type".into(),
        ));
    }
    let mut label = SecLabel {
        label_type,
        model,
        relabel,
        label: None,
        baselabel: None,
    };
    // An inactive definition: model 'none' means no labelling at all.
    if label.model.as_deref() == Some("none") {
        label.label_type = Some("none");
        label.relabel = false;
        return Ok(label);
    }
    let first = |name: &str| e.child(name).map(string_value).filter(|t| !t.is_empty());
    match label.label_type {
        Some("static") => match first("label") {
            Some(l) if l.len() <= SECURITY_LABEL_MAX => label.label = Some(l),
            _ => return Err(XmlError::Invalid("security label is missing".into())),
        },
        Some("dynamic") => {
            label.baselabel = first("baselabel").filter(|b| b.len() <= SECURITY_LABEL_MAX)
        }
        _ => {}
    }
    Ok(label)
}

/// virSecurityLabelDefsParseXML: each label read, one per model, and a
/// model for each when there are several.
fn check_seclabels(def: &DomainDef) -> Result<(), XmlError> {
    let mut models: Vec<Option<String>> = Vec::new();
    for e in top(def, "seclabel") {
        let label = read_seclabel(e)?;
        if models.contains(&label.model) {
            return Err(detail(&format!(
                "seclabel for model {} is already provided",
                label.model.as_deref().unwrap_or("(null)")
            )));
        }
        models.push(label.model);
    }
    if models.len() > 1 && models.iter().any(Option::is_none) {
        return Err(XmlError::Invalid(
            "missing security model when using multiple labels".into(),
        ));
    }
    Ok(())
}

/// The guest memory's NUMA tuning as libvirt settles it
/// (virDomainNumatuneParseXML, virDomainNumatuneSet).
pub(crate) struct NumatuneMemory {
    /// The mode (strict unless given).
    pub(crate) mode: String,
    /// "static" or "auto" (a default placement is static with a node set
    /// or static vCPU placement, else auto).
    pub(crate) placement: &'static str,
    /// The node set in libvirt's form (dropped for auto placement).
    pub(crate) nodeset: Option<String>,
}

/// The settled `<numatune><memory>`, `None` when nothing sets it (no
/// element, or one with nothing libvirt reads, with static vCPU placement).
pub(crate) fn numatune_memory(def: &DomainDef) -> Option<NumatuneMemory> {
    let vcpus_static = def.vcpu.placement.as_deref() != Some("auto");
    let node = top(def, "numatune").next().and_then(|n| n.child("memory"));
    let mode = node.and_then(|n| n.attr("mode"));
    let mut placement = node.and_then(|n| n.attr("placement"));
    let nodeset = node.and_then(|n| n.attr("nodeset")).and_then(canonical_set);
    if !vcpus_static && node.is_none() {
        placement = Some("auto");
    }
    if mode.is_none() && placement.is_none() && nodeset.is_none() {
        return None;
    }
    let placement = match placement.unwrap_or("default") {
        "static" => "static",
        "auto" => "auto",
        _ if nodeset.is_some() || vcpus_static => "static",
        _ => "auto",
    };
    Some(NumatuneMemory {
        mode: mode.unwrap_or("strict").to_string(),
        placement,
        nodeset: if placement == "auto" { None } else { nodeset },
    })
}

/// virDomainVcpuParse: each `<vcpus><vcpu>` read, its id below the
/// maximum count, then the current count within it.
fn check_vcpus(def: &DomainDef) -> Result<(), XmlError> {
    crate::views::check_top(def, "vcpus")?;
    for vcpus in top(def, "vcpus") {
        for vcpu in vcpus.children_named("vcpu") {
            let Some(id) = vcpu.attr("id").and_then(|v| v.parse::<u32>().ok()) else {
                continue;
            };
            if id >= def.vcpu.max {
                return Err(XmlError::Invalid(format!(
                    "vcpu id '{id}' is out of range of maximum vcpu count"
                )));
            }
        }
    }
    if def
        .vcpu
        .current
        .is_some_and(|current| current > def.vcpu.max)
    {
        return Err(XmlError::Unsupported(
            "maximum vCPU count must not be less than current vCPU count".into(),
        ));
    }
    Ok(())
}

fn os_attr<'a>(def: &'a DomainDef, name: &str) -> Option<&'a str> {
    def.os
        .attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `strtoul` in `base` the way `virStrToLong_uip` takes it: spaces
/// before, an optional sign-free `0x` in base 16, nothing after, within
/// u32; base 0 reads `0x` as hexadecimal and a leading 0 as octal.
pub(crate) fn c_uint(text: &str, base: u32) -> Option<u32> {
    let t = text.trim_start_matches(is_space);
    let t = t.strip_prefix('+').unwrap_or(t);
    let base = match base {
        0 if t.len() > 2 && (t.starts_with("0x") || t.starts_with("0X")) => 16,
        0 if t.len() > 1 && t.starts_with('0') => 8,
        0 => 10,
        b => b,
    };
    let t = match base {
        16 => t
            .strip_prefix("0x")
            .or_else(|| t.strip_prefix("0X"))
            .filter(|r| r.starts_with(|c: char| c.is_ascii_hexdigit()))
            .unwrap_or(t),
        _ => t,
    };
    if t.is_empty() || !t.chars().all(|c| c.is_digit(base)) {
        return None;
    }
    u32::from_str_radix(t, base).ok()
}

/// virDomainSEVDefParseXML: the policy (required), cbitpos and
/// reducedPhysBits as numbers.
fn check_sev(sec: &Element) -> Result<(), XmlError> {
    let text = |n: &str| sec.child(n).map(Element::text).unwrap_or_default();
    if c_uint(&text("policy"), 16).is_none() {
        return Err(XmlError::Invalid(
            "failed to get launch security policy".into(),
        ));
    }
    for (name, what) in [
        ("cbitpos", "cbitpos"),
        ("reducedPhysBits", "reduced-phys-bits"),
    ] {
        let t = text(name);
        if !t.is_empty() && c_uint(&t, 10).is_none() {
            return Err(XmlError::Invalid(format!(
                "Invalid format for launch security {what}"
            )));
        }
    }
    Ok(())
}

/// The I/O thread ids a definition has: its `<iothreadids>`, then as many
/// of the lowest free ids as `<iothreads>` asks beyond them.
fn has_iothread(def: &DomainDef, id: u64) -> bool {
    let explicit: Vec<u64> = top(def, "iothreadids")
        .flat_map(|e| e.children_named("iothread"))
        .filter_map(|t| t.attr("id").and_then(|v| v.trim().parse().ok()))
        .collect();
    if explicit.contains(&id) {
        return true;
    }
    let count: u64 = top(def, "iothreads")
        .next()
        .and_then(|e| e.text().trim().parse().ok())
        .unwrap_or(0);
    let extra = count.saturating_sub(explicit.len() as u64);
    let below = explicit.iter().filter(|&&e| e >= 1 && e < id).count() as u64;
    id >= 1 && id - below <= extra
}

fn check_cputune(
    def: &DomainDef,
    cputune: &Element,
    cpuset: &dyn Fn(&str) -> XmlError,
) -> Result<(), XmlError> {
    // The scheduler values, read as numbers (`virXPathULongLong`,
    // `virXPathLongLong`): an empty one is unset.
    for (name, what, signed) in [
        ("shares", "shares", false),
        ("period", "period", false),
        ("quota", "quota", true),
        ("global_period", "global period", false),
        ("global_quota", "global quota", true),
        ("emulator_period", "emulator period", false),
        ("emulator_quota", "emulator quota", true),
        ("iothread_period", "iothread period", false),
        ("iothread_quota", "iothread quota", true),
    ] {
        let Some(text) = cputune.child(name).map(string_value) else {
            continue;
        };
        if !text.is_empty() && c_long(&text, signed).is_none() {
            return Err(XmlError::Invalid(format!(
                "can't parse cputune {what} value"
            )));
        }
    }
    let mut pinned_vcpus: Vec<u32> = Vec::new();
    for pin in cputune.children_named("vcpupin") {
        let vcpu = required_uint(pin, "vcpu", false)?;
        // libvirt ignores a pin of a vCPU the domain does not have, unread.
        if vcpu >= def.vcpu.max {
            continue;
        }
        let set = pin_cpuset(pin)?;
        if pinned_vcpus.contains(&vcpu) {
            return Err(XmlError::Internal(format!(
                "duplicate vcpupin for vcpu '{vcpu}'"
            )));
        }
        pinned_vcpus.push(vcpu);
        check_set(Some(set), Some(cpuset))?;
    }
    let mut emulatorpins = cputune.children_named("emulatorpin");
    if let Some(pin) = emulatorpins.next() {
        if emulatorpins.next().is_some() {
            return Err(XmlError::Invalid(
                "only one emulatorpin is supported".into(),
            ));
        }
        check_set(Some(pin_cpuset(pin)?), Some(cpuset))?;
    }
    let mut pinned_threads: Vec<u32> = Vec::new();
    for pin in cputune.children_named("iothreadpin") {
        let id = required_uint(pin, "iothread", true)?;
        if !has_iothread(def, u64::from(id)) {
            return Err(XmlError::Unsupported(format!(
                "Cannot find 'iothread' : {id}"
            )));
        }
        check_set(Some(pin_cpuset(pin)?), Some(cpuset))?;
        if pinned_threads.contains(&id) {
            return Err(XmlError::Internal(format!(
                "duplicate iothreadpin for same iothread '{id}'"
            )));
        }
        pinned_threads.push(id);
    }
    for (element, attr) in [("vcpusched", "vcpus"), ("iothreadsched", "iothreads")] {
        let mut taken: Vec<(u64, u64)> = Vec::new();
        for sched in cputune.children_named(element) {
            let Some(v) = sched.attr(attr) else {
                return Err(XmlError::Invalid(format!(
                    "Missing attribute '{attr}' in element '{element}'"
                )));
            };
            let set = bitmap(v, CPUMASK_LEN)
                .ok_or_else(|| XmlError::InvalidArg(format!("Failed to parse bitmap '{v}'")))?;
            if set.is_empty() {
                return Err(XmlError::Unsupported(format!(
                    "'{attr}' scheduler bitmap '{v}' is empty"
                )));
            }
            check_scheduler(sched)?;
            for &(lo, hi) in &set {
                for bit in lo..=hi {
                    let present = match attr {
                        "vcpus" => bit < u64::from(def.vcpu.max),
                        _ => has_iothread(def, bit),
                    };
                    if !present {
                        return Err(XmlError::Unsupported(match attr {
                            "vcpus" => {
                                format!("vCPU '{bit}' is not present in domain definition")
                            }
                            _ => format!("Cannot find 'iothread' : {bit}"),
                        }));
                    }
                    if taken.iter().any(|&(a, b)| a <= bit && bit <= b) {
                        return Err(detail(&format!(
                            "'{element}' attributes '{attr}' must not overlap"
                        )));
                    }
                }
            }
            taken.extend(set);
        }
    }
    let mut emulatorscheds = cputune.children_named("emulatorsched");
    if let Some(sched) = emulatorscheds.next() {
        if emulatorscheds.next().is_some() {
            return Err(XmlError::Invalid(
                "only one emulatorsched is supported".into(),
            ));
        }
        check_scheduler(sched)?;
    }
    for element in ["cachetune", "memorytune"] {
        for tune in cputune.children_named(element) {
            if let Some(v) = tune.attr("vcpus") {
                if bitmap_has_bits(v, CPUMASK_LEN).is_none() {
                    return Err(XmlError::Invalid(format!(
                        "Invalid {element} attribute 'vcpus' value '{v}'"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// A pin's `cpuset`, which libvirt requires (an internal error without).
fn pin_cpuset(pin: &Element) -> Result<&str, XmlError> {
    pin.attr("cpuset")
        .ok_or_else(|| XmlError::Internal(format!("missing cpuset for {}", pin.name)))
}

/// `virXMLPropUInt` with VIR_XML_PROP_REQUIRED (and NONZERO when
/// `nonzero`), base 10.
fn required_uint(e: &Element, attr: &str, nonzero: bool) -> Result<u32, XmlError> {
    let Some(v) = e.attr(attr) else {
        return Err(missing_attr(e, attr));
    };
    match c_uint(v, 10) {
        None => Err(XmlError::NotUnsigned {
            attr: attr.into(),
            element: e.name.clone(),
            value: v.into(),
        }),
        Some(0) if nonzero => Err(XmlError::Invalid(format!(
            "Invalid value for attribute '{attr}' in element '{}': Zero is not permitted",
            e.name
        ))),
        Some(n) => Ok(n),
    }
}

/// virDomainHugepagesParseXML: a page's size is a required memory size
/// (`virDomainParseMemory` on `./@size`), not zero once in KiB.
fn check_hugepage_size(page: &Element) -> Result<(), XmlError> {
    let size = page.attr("size").unwrap_or_default();
    if size.is_empty() {
        return Err(XmlError::Invalid(
            "missing element or attribute './@size'".into(),
        ));
    }
    if c_ulong(size).is_none() {
        return Err(XmlError::InvalidValue {
            value: size.into(),
            xpath: "./@size".into(),
        });
    }
    if crate::parse_memory(size.trim(), page.attr("unit"))? == 0 {
        return Err(detail("hugepage size can't be zero"));
    }
    Ok(())
}

/// `virStrToLong_ullp`: spaces before, digits (no sign), nothing after.
fn c_ulong(text: &str) -> Option<u64> {
    let t = text.trim_start_matches(is_space);
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn missing_attr(e: &Element, attr: &str) -> XmlError {
    XmlError::Invalid(format!(
        "Missing required attribute '{attr}' in element '{}'",
        e.name
    ))
}

/// virDomainSchedulerParseCommonAttrs: a policy other than "none", and a
/// priority for the real-time ones.
fn check_scheduler(sched: &Element) -> Result<(), XmlError> {
    let Some(policy) = sched.attr("scheduler") else {
        return Err(missing_attr(sched, "scheduler"));
    };
    if !matches!(policy, "batch" | "idle" | "fifo" | "rr") {
        return Err(XmlError::Invalid(format!(
            "Invalid value for attribute 'scheduler' in element '{}': '{policy}'.",
            sched.name
        )));
    }
    if matches!(policy, "fifo" | "rr") {
        let Some(p) = sched.attr("priority") else {
            return Err(missing_attr(sched, "priority"));
        };
        if c_int(p).is_none() {
            return Err(XmlError::Invalid(format!(
                "Invalid value for attribute 'priority' in element '{}': '{p}'. \
                 Expected integer value",
                sched.name
            )));
        }
    }
    Ok(())
}

/// `strtol`/`strtoll` as `virStrToLong_i` takes it: spaces before, a
/// sign, digits, nothing after, within i32.
fn c_int(text: &str) -> Option<i32> {
    let t = text.trim_start_matches(is_space);
    let t = t.strip_prefix('+').unwrap_or(t);
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// `virStrToLong_ll` (`signed`) or `virStrToLong_ullp` on the whole
/// text: spaces before, a sign (none but '+' when unsigned), decimal
/// digits, nothing after.
fn c_long(text: &str, signed: bool) -> Option<()> {
    let t = text.trim_start_matches(is_space);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u128 = t.parse().ok()?;
    let fits = match (signed, neg) {
        (true, false) => n <= i64::MAX as u128,
        (true, true) => n <= i64::MAX as u128 + 1,
        (false, false) => n <= u64::MAX as u128,
        (false, true) => false,
    };
    fits.then_some(())
}

/// virCPUDefParseXML's checks of a guest CPU.
fn check_cpu(cpu: &Element) -> Result<(), XmlError> {
    let mode = cpu.attr("mode").unwrap_or("custom");
    let passthrough = matches!(mode, "host-passthrough" | "maximum");
    if cpu.attr("migratable").is_some() && !passthrough {
        return Err(XmlError::Unsupported(
            "Attribute migratable is only allowed for 'host-passthrough' / 'maximum' CPU mode"
                .into(),
        ));
    }
    // The model's fallback and vendor id, read for a CPU libvirt does not
    // pass through (`string(./model[1]/@...)`: empty is none).
    let model_attr = |name| {
        cpu.child("model")
            .and_then(|m| m.attr(name))
            .filter(|v| !v.is_empty())
    };
    if !passthrough {
        if model_attr("fallback").is_some_and(|f| !matches!(f, "allow" | "forbid")) {
            return Err(XmlError::Unsupported("Invalid fallback attribute".into()));
        }
        if let Some(id) = model_attr("vendor_id") {
            if id.len() != 12 {
                return Err(XmlError::Invalid(
                    "vendor_id must be exactly 12 characters long".into(),
                ));
            }
            if id.contains(',') {
                return Err(XmlError::Invalid("vendor id is invalid".into()));
            }
        }
    }
    // `string(./model[1])`: an empty model is no model.
    let has_model = cpu.child("model").is_some_and(|m| !m.text().is_empty());
    if cpu.child("vendor").is_some_and(|v| !v.text().is_empty()) && !has_model {
        return Err(XmlError::Invalid(
            "CPU vendor specified without CPU model".into(),
        ));
    }
    if let Some(topology) = cpu.child("topology") {
        required_uint(topology, "sockets", true)?;
        if topology.attr("dies").is_some() {
            required_uint(topology, "dies", true)?;
        }
        required_uint(topology, "cores", true)?;
        required_uint(topology, "threads", true)?;
    }
    if cpu.child("feature").is_some() && !has_model && mode == "custom" {
        return Err(XmlError::Invalid(
            "Non-empty feature list specified without CPU model".into(),
        ));
    }
    Ok(())
}

/// virSysinfoParseSMBIOSDef: the first `<bios>`'s date as mm/dd/yy or
/// mm/dd/yyyy, the first `<system>`'s uuid a UUID, the domain's own.
fn check_smbios(def: &DomainDef, sysinfo: &Element) -> Result<(), XmlError> {
    // `string(entry[@name='...'])`: the first such entry, empty is none.
    let entry = |section: &str, name: &str| {
        sysinfo
            .child(section)
            .and_then(|s| {
                s.children_named("entry")
                    .find(|e| e.attr("name") == Some(name))
            })
            .map(string_value)
            .filter(|v| !v.is_empty())
    };
    if let Some(date) = entry("bios", "date") {
        if !bios_date(&date) {
            return Err(detail("Invalid BIOS 'date' format"));
        }
    }
    if let Some(uuid) = entry("system", "uuid") {
        let Some(parsed) = crate::parse_uuid(&uuid) else {
            return Err(detail("malformed <sysinfo> uuid element"));
        };
        if def.uuid.is_some_and(|own| own != parsed) {
            return Err(detail("UUID mismatch between <uuid> and <sysinfo>"));
        }
    }
    Ok(())
}

/// Whether a BIOS date reads as libvirt reads it: month/day/year, each
/// as `virStrToLong_i` takes a number followed by more text, the month
/// 1-12, the day 1-31, the year 0-99 or from 1900.
fn bios_date(date: &str) -> bool {
    let Some((month, rest)) = c_int_prefix(date) else {
        return false;
    };
    let Some((day, rest)) = rest.strip_prefix('/').and_then(c_int_prefix) else {
        return false;
    };
    let Some((year, rest)) = rest.strip_prefix('/').and_then(c_int_prefix) else {
        return false;
    };
    rest.is_empty()
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && ((0..100).contains(&year) || year >= 1900)
}

/// `strtol` within i32 on the start of `text` (spaces, a sign, at least
/// one digit): the number and the rest.
fn c_int_prefix(text: &str) -> Option<(i32, &str)> {
    let t = text.trim_start_matches(is_space);
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let end = t.len() - body.len() + digits;
    Some((c_int(&t[..end])?, &t[end..]))
}

/// virDomainDeviceInfoParseXML: a device's `<acpi index>` (not zero) and
/// its `<address>` (the first of each), read as libvirt reads them.
pub(crate) fn check_device_info<'a>(
    first: impl Fn(&str) -> Option<&'a Element>,
) -> Result<(), XmlError> {
    if let Some(acpi) = first("acpi") {
        prop_uint(acpi, "index", 10, false, true)?;
    }
    if let Some(address) = first("address") {
        check_address(address)?;
    }
    Ok(())
}

/// The address types libvirt 9.0 knows (`virDomainDeviceAddressType`,
/// without "none").
const ADDRESS_TYPES: &[&str] = &[
    "pci",
    "drive",
    "virtio-serial",
    "ccid",
    "usb",
    "spapr-vio",
    "virtio-s390",
    "ccw",
    "virtio-mmio",
    "isa",
    "dimm",
    "unassigned",
];

/// `virXMLPropUInt` (`long`: `virXMLPropULongLong`) in `base`: refused
/// when not a number, or zero for a `nonzero` one, or missing for a
/// `required` one.
fn prop_uint(
    e: &Element,
    attr: &str,
    base: u32,
    required: bool,
    nonzero: bool,
) -> Result<Option<u64>, XmlError> {
    let Some(v) = e.attr(attr) else {
        return match required {
            true => Err(missing_attr(e, attr)),
            false => Ok(None),
        };
    };
    let n = c_uint(v, base)
        .map(u64::from)
        .ok_or_else(|| XmlError::NotUnsigned {
            attr: attr.into(),
            element: e.name.clone(),
            value: v.into(),
        })?;
    if nonzero && n == 0 {
        return Err(XmlError::Invalid(format!(
            "Invalid value for attribute '{attr}' in element '{}': Zero is not permitted",
            e.name
        )));
    }
    Ok(Some(n))
}

/// `virXMLPropULongLong` in base 16.
fn prop_ulong_hex(e: &Element, attr: &str) -> Result<(), XmlError> {
    let Some(v) = e.attr(attr) else {
        return Ok(());
    };
    let t = v.trim_start_matches(is_space);
    let t = t.strip_prefix('+').unwrap_or(t);
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .filter(|r| r.starts_with(|c: char| c.is_ascii_hexdigit()))
        .unwrap_or(t);
    match !t.starts_with('+') && u64::from_str_radix(t, 16).is_ok() {
        true => Ok(()),
        false => Err(XmlError::NotUnsigned {
            attr: attr.into(),
            element: e.name.clone(),
            value: v.into(),
        }),
    }
}

/// virDomainDeviceAddressParseXML: a type, and the numbers each type
/// reads.
fn check_address(address: &Element) -> Result<(), XmlError> {
    let Some(kind) = address.attr("type") else {
        return Err(XmlError::Internal(
            "No type specified for device address".into(),
        ));
    };
    if !ADDRESS_TYPES.contains(&kind) {
        return Err(XmlError::Unsupported(format!(
            "unknown address type '{kind}'"
        )));
    }
    let numbers = |attrs: &[&str], base: u32| -> Result<(), XmlError> {
        for attr in attrs {
            prop_uint(address, attr, base, false, false)?;
        }
        Ok(())
    };
    match kind {
        "pci" => {
            numbers(&["domain", "bus", "slot", "function"], 0)?;
            if let Some(v) = address.attr("multifunction") {
                if !matches!(v, "on" | "off") {
                    return Err(XmlError::Invalid(format!(
                        "Invalid value for attribute 'multifunction' in element 'address': '{v}'."
                    )));
                }
            }
        }
        "drive" => numbers(&["controller", "bus", "target", "unit"], 10)?,
        "virtio-serial" => numbers(&["controller", "bus", "port"], 10)?,
        "ccid" => numbers(&["controller", "slot"], 10)?,
        "usb" => {
            if let Some(port) = address.attr("port") {
                if !usb_port(port) {
                    return Err(XmlError::Internal(
                        "Cannot parse <address> 'port' attribute".into(),
                    ));
                }
            }
            numbers(&["bus"], 10)?;
        }
        "spapr-vio" => prop_ulong_hex(address, "reg")?,
        "isa" => numbers(&["iobase", "irq"], 16)?,
        "virtio-s390" => {
            return Err(XmlError::Invalid(
                "virtio-s390 bus doesn't have an address".into(),
            ))
        }
        "dimm" => {
            prop_uint(address, "slot", 10, true, false)?;
            prop_ulong_hex(address, "base")?;
        }
        _ => {}
    }
    Ok(())
}

/// virDomainDeviceUSBAddressParsePort: up to four numbers joined by dots.
fn usb_port(port: &str) -> bool {
    let mut rest = port;
    for _ in 0..4 {
        let t = rest.trim_start_matches(is_space);
        let t = t.strip_prefix('+').unwrap_or(t);
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || t[..digits].parse::<u32>().is_err() {
            return false;
        }
        rest = &t[digits..];
        if rest.is_empty() {
            return true;
        }
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
        }
    }
    false
}

/// virDomainDeviceInfoValidate: an unassigned address is for host
/// devices only.
pub(crate) fn check_unassigned(def: &DomainDef) -> Result<(), XmlError> {
    let d = &def.devices;
    let addresses = d
        .disks
        .iter()
        .flat_map(|x| x.extra.iter())
        .chain(d.interfaces.iter().flat_map(|x| x.extra.iter()))
        .chain(d.chardevs.iter().flat_map(|x| x.extra.iter()))
        .chain(d.graphics.iter().flat_map(|x| x.extra.iter()))
        .filter(|e| e.name == "address")
        .chain(
            d.other
                .iter()
                .filter(|o| o.name != "hostdev")
                .filter_map(|o| o.child("address")),
        );
    for a in addresses {
        if a.attr("type") == Some("unassigned") {
            return Err(XmlError::Unsupported(
                "address of type 'unassigned' is supported only for hostdevs".into(),
            ));
        }
    }
    Ok(())
}

/// virDomainKeyWrapDefParseXML: each cipher named and switched once; the
/// states of aes and dea (`None`: not given).
pub(crate) fn keywrap(def: &DomainDef) -> Result<[Option<&str>; 2], XmlError> {
    let mut states = [None, None];
    for cipher in top(def, "keywrap").flat_map(|k| k.children_named("cipher")) {
        let slot = match cipher.attr("name") {
            None => return Err(missing_attr(cipher, "name")),
            Some("aes") => 0,
            Some("dea") => 1,
            Some(v) => {
                return Err(XmlError::Invalid(format!(
                    "Invalid value for attribute 'name' in element 'cipher': '{v}'."
                )))
            }
        };
        let state = match cipher.attr("state") {
            None => return Err(missing_attr(cipher, "state")),
            Some(v @ ("on" | "off")) => v,
            Some(v) => {
                return Err(XmlError::Invalid(format!(
                    "Invalid value for attribute 'state' in element 'cipher': '{v}'."
                )))
            }
        };
        if states[slot].is_some() {
            return Err(XmlError::Internal(format!(
                "A domain definition can have no more than one cipher node with name {}",
                ["aes", "dea"][slot]
            )));
        }
        states[slot] = Some(state);
    }
    Ok(states)
}

/// The checks of `virDomainDefValidate` this model makes, in its order:
/// the devices' own (virDomainDeviceDefValidate), then those of
/// `virDomainDefValidateInternal`.
pub(crate) fn check_valid(def: &DomainDef) -> Result<(), XmlError> {
    check_unassigned(def)?;
    check_chardev_sources(def)?;
    let iommu = def.devices.other.iter().find(|e| e.name == "iommu");
    if let Some(iommu) = iommu {
        check_iommu_device(iommu)?;
    }
    if let Some(iommu) = iommu {
        check_iommu_features(def, iommu)?;
    }
    check_lifecycle(def)?;
    check_os(def)?;
    check_cputune_ranges(def)?;
    check_idmap(def)?;
    check_iothread_pools(def)?;
    Ok(())
}

/// virDomainChrSourceDefValidate, for each character device in turn:
/// the path of a file, device, pipe or UNIX socket (a UNIX socket of a
/// Xen or virtio channel may leave it to libvirt), the host and service
/// of a TCP one, all read from the first `<source>`.
fn check_chardev_sources(def: &DomainDef) -> Result<(), XmlError> {
    for c in &def.devices.chardevs {
        let source = c.extra.iter().find(|e| e.name == "source");
        let given = |attr: &str| source.and_then(|s| s.attr(attr)).is_some();
        let missing = |what: &str| {
            Err(XmlError::Internal(format!(
                "Missing source {what} attribute for char device"
            )))
        };
        match c.dev_type.as_deref().unwrap_or("pty") {
            "file" | "dev" | "pipe" if !given("path") => return missing("path"),
            "unix" if !given("path") => {
                let target = c.extra.iter().find(|e| e.name == "target");
                let generated = c.kind == "channel"
                    && matches!(target.and_then(|t| t.attr("type")), Some("xen" | "virtio"));
                if !generated {
                    return missing("path");
                }
            }
            "tcp" if !given("host") => return missing("host"),
            "tcp" if !given("service") => return missing("service"),
            _ => {}
        }
    }
    Ok(())
}

/// virDomainDefLifecycleActionValidate: the core dump actions are for a
/// crash only.
fn check_lifecycle(def: &DomainDef) -> Result<(), XmlError> {
    use crate::LifecycleAction::{CoredumpDestroy, CoredumpRestart};
    for (event, action) in [("poweroff", def.on_poweroff), ("reboot", def.on_reboot)] {
        if let Some(action @ (CoredumpDestroy | CoredumpRestart)) = action {
            return Err(XmlError::Unsupported(format!(
                "Lifecycle event '{event}' doesn't support '{}' action",
                action.name()
            )));
        }
    }
    Ok(())
}

/// virDomainIOMMUDefValidate: smmuv3 and virtio take no driver options,
/// smmuv3 and intel no address.
fn check_iommu_device(iommu: &Element) -> Result<(), XmlError> {
    let model = iommu.attr("model").unwrap_or_default();
    let driver = iommu.child("driver");
    let switch_set = |attr: &str| driver.and_then(|d| d.attr(attr)).is_some();
    let aw_bits = driver
        .and_then(|d| d.attr("aw_bits"))
        .and_then(|v| c_uint(v, 10))
        .unwrap_or(0);
    let options = ["intremap", "caching_mode", "eim", "iotlb"]
        .iter()
        .any(|a| switch_set(a))
        || aw_bits != 0;
    if matches!(model, "smmuv3" | "virtio") && options {
        return Err(XmlError::Invalid(format!(
            "iommu model '{model}' doesn't support additional attributes"
        )));
    }
    if matches!(model, "smmuv3" | "intel")
        && iommu
            .child("address")
            .is_some_and(|a| a.attr("type").is_some())
    {
        return Err(XmlError::Invalid(format!(
            "iommu model '{model}' can't have address"
        )));
    }
    Ok(())
}

/// virDomainDefIOMMUValidate: interrupt remapping needs the split I/O
/// APIC, extended interrupt mode needs interrupt remapping.
fn check_iommu_features(def: &DomainDef, iommu: &Element) -> Result<(), XmlError> {
    let switch = |attr: &str| iommu.child("driver").and_then(|d| d.attr(attr));
    let split_apic = def
        .features
        .iter()
        .flatten()
        .any(|f| f.name == "ioapic" && f.attr("driver") == Some("qemu"));
    if switch("intremap") == Some("on") && !split_apic {
        return Err(XmlError::Unsupported(
            "IOMMU interrupt remapping requires split I/O APIC (ioapic driver='qemu')".into(),
        ));
    }
    if switch("eim") == Some("on") && switch("intremap") != Some("on") {
        return Err(XmlError::Unsupported(
            "IOMMU eim requires interrupt remapping to be enabled".into(),
        ));
    }
    Ok(())
}

/// virDomainDefOSValidate: the loader against firmware autoselection.
fn check_os(def: &DomainDef) -> Result<(), XmlError> {
    let loader_el = def.os.extra.iter().find(|e| e.name == "loader");
    let nvram = def.os.extra.iter().find(|e| e.name == "nvram");
    let has_loader = def.os.loader.is_some() || nvram.is_some();
    let path = def.os.loader.as_deref().filter(|p| !p.is_empty());
    let attr = |n: &str| loader_el.and_then(|l| l.attr(n));
    let template = nvram.and_then(|n| n.attr("template"));
    // A loader's NVRAM: a path as text, or a typed source.
    let has_nvram = nvram.is_some_and(|n| n.attr("type").is_some() || !n.text().is_empty());
    match os_attr(def, "firmware") {
        Some(firmware) => {
            if !has_loader {
                return Ok(());
            }
            let refused = [
                (attr("readonly").is_some(), "loader attribute 'readonly' cannot be specified when firmware autoselection is enabled"),
                // A loader path without a type is of type rom by then
                // (virDomainDefPostParseCommon).
                (attr("type").is_some() || path.is_some(), "loader attribute 'type' cannot be specified when firmware autoselection is enabled"),
                (path.is_some(), "loader path cannot be specified when firmware autoselection is enabled"),
                (template.is_some(), "nvram attribute 'template' cannot be specified when firmware autoselection is enabled"),
                (attr("secure") == Some("no"), "loader attribute 'secure' cannot be specified when firmware autoselection is enabled"),
            ];
            if let Some((_, why)) = refused.iter().find(|(bad, _)| *bad) {
                return Err(detail(why));
            }
            if has_nvram && firmware != "efi" {
                return Err(detail(&format!(
                    "firmware type '{firmware}' does not support nvram"
                )));
            }
        }
        None => {
            // libvirt 9.0 as Debian ships it drops the firmware features
            // of a definition without autoselection (postparse) instead of
            // refusing them.
            if !has_loader {
                return Ok(());
            }
            if path.is_none() {
                return Err(detail(
                    "no loader path specified and firmware auto selection disabled",
                ));
            }
        }
    }
    match attr("stateless") {
        Some("yes") if template.is_some() => Err(detail(
            "NVRAM template is not permitted when loader is stateless",
        )),
        Some("yes") if has_nvram => Err(detail("NVRAM is not permitted when loader is stateless")),
        Some("no") => match os_attr(def, "firmware") {
            None if attr("type") != Some("pflash") => {
                Err(detail("Only pflash loader type permits NVRAM"))
            }
            Some(fw) if fw != "efi" => Err(detail("Only EFI firmware permits NVRAM")),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// virDomainDefCputuneValidate: shares, periods and quotas within the
/// cgroup ranges (0 and negative values mean "not set").
fn check_cputune_ranges(def: &DomainDef) -> Result<(), XmlError> {
    let Some(cputune) = top(def, "cputune").next() else {
        return Ok(());
    };
    let value = |name: &str| -> Option<i128> {
        cputune
            .child(name)
            .and_then(|e| e.text().trim().parse::<i128>().ok())
    };
    if let Some(shares) = value("shares").filter(|&s| s > 0) {
        if !(2..=262_144).contains(&shares) {
            return Err(XmlError::Unsupported(
                "Value of cputune 'shares' must be in range [2, 262144]".into(),
            ));
        }
    }
    let periods = [
        "period",
        "global_period",
        "emulator_period",
        "iothread_period",
    ];
    let quotas = ["quota", "global_quota", "emulator_quota", "iothread_quota"];
    let ranges = periods
        .iter()
        .map(|n| (*n, 1000, 1_000_000))
        .chain(quotas.iter().map(|n| (*n, 1000, 17_592_186_044_415)));
    for (name, min, max) in ranges {
        if let Some(v) = value(name).filter(|&v| v > 0) {
            if v < min || v > max {
                return Err(XmlError::Unsupported(format!(
                    "Value of cputune '{name}' must be in range [{min}, {max}]"
                )));
            }
        }
    }
    Ok(())
}

/// virDomainDefIdMapValidate: uids and gids mapped together, root first.
fn check_idmap(def: &DomainDef) -> Result<(), XmlError> {
    let Some(idmap) = top(def, "idmap").next() else {
        return Ok(());
    };
    let (uid, gid) = (idmap.child("uid"), idmap.child("gid"));
    if uid.is_some() != gid.is_some() {
        return Err(XmlError::Unsupported(
            "uid and gid should be mapped both".into(),
        ));
    }
    let starts_at_root = |e: Option<&Element>| {
        e.is_none_or(|e| e.attr("start").and_then(|s| s.trim().parse::<u64>().ok()) == Some(0))
    };
    if !starts_at_root(uid) || !starts_at_root(gid) {
        return Err(XmlError::Unsupported(
            "You must map the root user of container".into(),
        ));
    }
    Ok(())
}

/// virDomainDefValidateIOThreads: each thread pool's bounds (-1: unset).
fn check_iothread_pools(def: &DomainDef) -> Result<(), XmlError> {
    let pools = top(def, "iothreadids")
        .flat_map(|e| e.children_named("iothread"))
        .chain(top(def, "defaultiothread"));
    for pool in pools {
        let bound = |n: &str| {
            pool.attr(n)
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(-1)
        };
        let (min, max) = (bound("thread_pool_min"), bound("thread_pool_max"));
        if max == 0 {
            return Err(XmlError::Unsupported(
                "thread_pool_max must be a positive integer".into(),
            ));
        }
        if min > max {
            return Err(XmlError::Unsupported(
                "thread_pool_min must be smaller or equal to thread_pool_max".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmaps_read_like_libvirt() {
        assert_eq!(bitmap_has_bits("0-3,^2", 16), Some(true));
        assert_eq!(bitmap_has_bits(" 1 - 2 , 5", 16), Some(true));
        assert_eq!(bitmap_has_bits("^3", 16), Some(false));
        assert_eq!(bitmap_has_bits("3,^3", 16), Some(false));
        assert_eq!(bitmap_has_bits("^3,3", 16), Some(true));
        assert_eq!(
            canonical_set("5,0-2,3,^1,9-9").as_deref(),
            Some("0,2-3,5,9")
        );
        assert_eq!(canonical_set("1-3,2-6,8").as_deref(), Some("1-6,8"));
        for bad in [
            "",
            "x",
            "3-1",
            "^1-2",
            "1,,2",
            "16",
            "1-16",
            "2147483648",
            "1 2",
        ] {
            assert_eq!(bitmap_has_bits(bad, 16), None, "{bad:?}");
        }
    }
}
