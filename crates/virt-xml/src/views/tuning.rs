//! Typed views of the tuning parts of a definition: `<numatune>`,
//! `<cputune>` (the vCPU, emulator and I/O thread pins drivers apply),
//! `<memoryBacking>` and `<pm>`.

use super::*;

/// A number held as an element's text (`<shares>2048</shares>`), with
/// libvirt's XPath error for a bad value.
fn num_text<T: std::str::FromStr>(el: &Element, name: &str) -> Result<Option<T>, XmlError> {
    match el.child(name) {
        None => Ok(None),
        Some(c) => {
            let t = c.text();
            t.trim()
                .parse::<T>()
                .map(Some)
                .map_err(|_| XmlError::InvalidValue {
                    value: t.clone(),
                    xpath: format!("./{}/{name}[1]", el.name),
                })
        }
    }
}

/// Write a number as `name`'s text, keeping the written spelling when equal.
fn put_num_text<T: ToString + std::str::FromStr + PartialEq>(
    el: &mut Element,
    name: &str,
    value: Option<T>,
) {
    let same = match (&value, el.child(name)) {
        (Some(v), Some(c)) => c.text().trim().parse::<T>().ok().as_ref() == Some(v),
        _ => false,
    };
    if !same {
        put_text(el, name, value.map(|v| v.to_string()).as_deref());
    }
}

/// `<numatune><memory>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NumaMemory {
    /// `mode=`: interleave, strict, preferred, restrictive.
    pub mode: Option<String>,
    /// `nodeset=`.
    pub nodeset: Option<String>,
    /// `placement=static|auto`.
    pub placement: Option<String>,
}

/// `<numatune><memnode>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemNode {
    /// `cellid=`: the guest NUMA cell.
    pub cellid: u32,
    /// `mode=`.
    pub mode: Option<String>,
    /// `nodeset=`.
    pub nodeset: Option<String>,
}

/// `<numatune>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Numatune {
    /// `<memory>`.
    pub memory: Option<NumaMemory>,
    /// `<memnode>`s in order.
    pub memnodes: Vec<MemNode>,
}

const NUMA_MODES: &[&str] = &["interleave", "strict", "preferred", "restrictive"];

impl View for Numatune {
    const TAG: &'static str = "numatune";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let mode = |e: &Element| match e.attr("mode") {
            None => Ok(None),
            Some(m) if NUMA_MODES.contains(&m) => Ok(Some(m.to_string())),
            Some(m) => Err(XmlError::Unsupported(format!(
                "Unsupported NUMA memory tuning mode '{m}'"
            ))),
        };
        let memory = match el.child("memory") {
            Some(m) => Some(NumaMemory {
                mode: mode(m)?,
                nodeset: attr(m, "nodeset"),
                placement: choice(m, "placement", &["static", "auto"])?,
            }),
            None => None,
        };
        let mut memnodes = Vec::new();
        for n in el.children_named("memnode") {
            let Some(cellid) = uint(n, "cellid")? else {
                return Err(missing_attr("memnode", "cellid"));
            };
            memnodes.push(MemNode {
                cellid,
                mode: mode(n)?,
                nodeset: attr(n, "nodeset"),
            });
        }
        Ok(Numatune { memory, memnodes })
    }
    fn write_to(&self, el: &mut Element) {
        match &self.memory {
            Some(m) => with_child(el, "memory", |e| {
                put(e, "mode", m.mode.as_deref());
                put(e, "nodeset", m.nodeset.as_deref());
                put(e, "placement", m.placement.as_deref());
            }),
            None => remove_children(el, "memory"),
        }
        sync_children(el, "memnode", &self.memnodes, |n, e| {
            put_num(e, "cellid", Some(n.cellid));
            put(e, "mode", n.mode.as_deref());
            put(e, "nodeset", n.nodeset.as_deref());
        });
    }
}

/// `<cputune><vcpupin vcpu=... cpuset=.../>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VcpuPin {
    /// `vcpu=`.
    pub vcpu: u32,
    /// `cpuset=`.
    pub cpuset: String,
}

/// `<cputune>`: the scheduler knobs and pins drivers act on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cputune {
    /// `<shares>`.
    pub shares: Option<u64>,
    /// `<period>` in microseconds.
    pub period: Option<u64>,
    /// `<quota>` in microseconds (-1: none).
    pub quota: Option<i64>,
    /// `<vcpupin>`s in order.
    pub vcpupins: Vec<VcpuPin>,
    /// `<emulatorpin cpuset=...>`.
    pub emulatorpin: Option<String>,
    /// `<iothreadpin iothread=... cpuset=...>`s in order: (iothread, cpuset).
    pub iothreadpins: Vec<(u32, String)>,
    /// `<global_period>`, `<global_quota>`, `<emulator_period>`,
    /// `<emulator_quota>`, `<iothread_period>`, `<iothread_quota>` in
    /// that order: the other scheduler periods (us) and quotas (us, -1: none).
    pub periods: [Option<i64>; 6],
}

/// The period and quota elements of `<cputune>` besides `<period>` and
/// `<quota>`, in [`Cputune::periods`] order.
const CPUTUNE_PERIODS: [&str; 6] = [
    "global_period",
    "global_quota",
    "emulator_period",
    "emulator_quota",
    "iothread_period",
    "iothread_quota",
];

impl Cputune {
    /// Pin `vcpu` to `cpuset`, replacing its earlier pin.
    pub fn pin_vcpu(&mut self, vcpu: u32, cpuset: &str) {
        self.vcpupins.retain(|p| p.vcpu != vcpu);
        self.vcpupins.push(VcpuPin {
            vcpu,
            cpuset: cpuset.to_string(),
        });
    }
}

impl View for Cputune {
    const TAG: &'static str = "cputune";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let mut vcpupins = Vec::new();
        for p in el.children_named("vcpupin") {
            let Some(vcpu) = uint(p, "vcpu")? else {
                return Err(XmlError::Invalid("missing vcpu id in vcpupin".into()));
            };
            let Some(cpuset) = attr(p, "cpuset") else {
                return Err(XmlError::Invalid("missing cpuset for vcpupin".into()));
            };
            vcpupins.push(VcpuPin { vcpu, cpuset });
        }
        let mut iothreadpins = Vec::new();
        for p in el.children_named("iothreadpin") {
            let Some(id) = uint(p, "iothread")? else {
                return Err(XmlError::Invalid(
                    "missing iothread id in iothreadpin".into(),
                ));
            };
            let Some(cpuset) = attr(p, "cpuset") else {
                return Err(XmlError::Invalid("missing cpuset for iothreadpin".into()));
            };
            iothreadpins.push((id, cpuset));
        }
        let mut periods = [None; 6];
        for (slot, name) in periods.iter_mut().zip(CPUTUNE_PERIODS) {
            *slot = num_text(el, name)?;
        }
        // libvirt's own wording for the scheduler values.
        fn sched<T: std::str::FromStr>(el: &Element, name: &str) -> Result<Option<T>, XmlError> {
            num_text(el, name)
                .map_err(|_| XmlError::Invalid(format!("can't parse cputune {name} value")))
        }
        Ok(Cputune {
            iothreadpins,
            periods,
            shares: sched(el, "shares")?,
            period: sched(el, "period")?,
            quota: sched(el, "quota")?,
            vcpupins,
            emulatorpin: el.child("emulatorpin").and_then(|e| attr(e, "cpuset")),
        })
    }
    fn write_to(&self, el: &mut Element) {
        put_num_text(el, "shares", self.shares);
        put_num_text(el, "period", self.period);
        put_num_text(el, "quota", self.quota);
        sync_children(el, "vcpupin", &self.vcpupins, |p, e| {
            put_num(e, "vcpu", Some(p.vcpu));
            put(e, "cpuset", Some(&p.cpuset));
        });
        match &self.emulatorpin {
            Some(c) => with_child(el, "emulatorpin", |e| put(e, "cpuset", Some(c))),
            None => remove_children(el, "emulatorpin"),
        }
        sync_children(el, "iothreadpin", &self.iothreadpins, |(id, cpuset), e| {
            put_num(e, "iothread", Some(*id));
            put(e, "cpuset", Some(cpuset));
        });
        for (value, name) in self.periods.iter().zip(CPUTUNE_PERIODS) {
            put_num_text(el, name, *value);
        }
    }
}

/// A tuning part of a definition that the host applies through cgroups:
/// a whole `<memtune>`, `<blkiotune>` or `<numatune>`, or a child of
/// `<cputune>` other than the vCPU and emulator pins (the scheduler's
/// shares, periods and quotas, I/O thread pins, cache and memory tunes),
/// which a driver that pins threads itself can honour without cgroups.
/// Written as the element path: `<memtune>`, `<cputune><shares>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CgroupTuning<'a> {
    /// The top-level element.
    pub element: &'static str,
    /// The child of `<cputune>` in question.
    pub child: Option<&'a str>,
}

impl<'a> CgroupTuning<'a> {
    /// The first part of `el`, a top-level element of a definition, that
    /// needs cgroups; `None` for other elements and for a `<cputune>` of
    /// pins only.
    pub fn of(el: &'a Element) -> Option<Self> {
        let whole = |element| {
            Some(CgroupTuning {
                element,
                child: None,
            })
        };
        match el.name.as_str() {
            Memtune::TAG => whole(Memtune::TAG),
            Blkiotune::TAG => whole(Blkiotune::TAG),
            Numatune::TAG => whole(Numatune::TAG),
            Cputune::TAG => el
                .elements()
                .find(|k| k.name != "vcpupin" && k.name != "emulatorpin")
                .map(|k| CgroupTuning {
                    element: Cputune::TAG,
                    child: Some(k.name.as_str()),
                }),
            _ => None,
        }
    }
}

impl std::fmt::Display for CgroupTuning<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{}>", self.element)?;
        match self.child {
            Some(c) => write!(f, "<{c}>"),
            None => Ok(()),
        }
    }
}

/// `<memoryBacking><hugepages><page>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HugePage {
    /// `size=` in `unit`.
    pub size: u64,
    /// `unit=` (KiB when absent).
    pub unit: Option<String>,
    /// `nodeset=`: the guest NUMA cells it backs.
    pub nodeset: Option<String>,
}

/// `<memoryBacking>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemoryBacking {
    /// `<hugepages>` present.
    pub hugepages: bool,
    /// Its `<page>`s in order.
    pub pages: Vec<HugePage>,
    /// `<nosharepages/>`.
    pub nosharepages: bool,
    /// `<locked/>`.
    pub locked: bool,
    /// `<source type=...>`: file, anonymous, memfd.
    pub source_type: Option<String>,
    /// `<access mode=...>`: shared, private.
    pub access_mode: Option<String>,
    /// `<allocation mode=...>`: immediate, ondemand.
    pub allocation_mode: Option<String>,
    /// `<allocation threads=...>`: how many threads preallocate memory.
    pub allocation_threads: Option<u32>,
    /// `<discard/>`: memory is discarded when the guest frees it.
    pub discard: bool,
}

/// `<memoryBacking>` children holding one enumerated attribute, with the
/// values libvirt knows: (child, attribute, values).
const BACKING_CHOICES: [(&str, &str, &[&str]); 3] = [
    ("source", "type", &["file", "anonymous", "memfd"]),
    ("access", "mode", &["shared", "private"]),
    ("allocation", "mode", &["immediate", "ondemand"]),
];

/// Set attribute `attr` of the first child `child` of `el` (added when
/// missing); `None` removes the attribute, and the child when nothing else
/// is left on it.
fn put_child_attr(el: &mut Element, child: &str, attr: &str, value: Option<&str>) {
    match value {
        Some(v) => with_child(el, child, |c| put(c, attr, Some(v))),
        None => {
            if let Some(c) = child_mut(el, child) {
                if c.attr(attr).is_none() {
                    return; // stays as written
                }
                put(c, attr, None);
                if c.attrs.is_empty() && c.children.is_empty() {
                    remove_children(el, child);
                }
            }
        }
    }
}

impl View for MemoryBacking {
    const TAG: &'static str = "memoryBacking";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        // libvirt reads the source, access and allocation before the
        // huge pages, each unknown value with its own words.
        let mut chosen = [None, None, None];
        for (slot, (child, attr, allowed)) in chosen.iter_mut().zip(BACKING_CHOICES) {
            // `string(./memoryBacking/source/@type)`: the first given,
            // an empty one is none.
            *slot = match el.children_named(child).find_map(|c| c.attr(attr)) {
                None | Some("") => None,
                Some(v) if allowed.contains(&v) => Some(v.to_string()),
                Some(v) => {
                    return Err(XmlError::Unsupported(format!(
                        "unknown memoryBacking/{child}/{attr} '{v}'"
                    )))
                }
            };
        }
        let [source_type, access_mode, allocation_mode] = chosen;
        // `string(./memoryBacking/allocation/@threads)`: an empty one is
        // none.
        let allocation_threads = match el
            .child("allocation")
            .filter(|a| a.attr("threads") != Some(""))
        {
            Some(a) => uint::<u32>(a, "threads").map_err(|_| {
                XmlError::Invalid("Failed to parse memory allocation threads".into())
            })?,
            None => None,
        };
        let mut pages = Vec::new();
        if let Some(h) = el.child("hugepages") {
            for p in h.children_named("page") {
                // Page by page: its size (not zero) and node set before
                // the next page's.
                crate::validate::check_hugepage(p)?;
                // virDomainParseMemory on a required `./@size`: an empty
                // one is missing too.
                let size = match p
                    .attr("size")
                    .filter(|v| !v.is_empty())
                    .map(|v| (v, v.trim().parse::<u64>()))
                {
                    None => {
                        return Err(XmlError::Invalid(
                            "missing element or attribute './@size'".into(),
                        ))
                    }
                    Some((_, Ok(n))) => n,
                    Some((v, Err(_))) => {
                        return Err(XmlError::InvalidValue {
                            value: v.to_string(),
                            xpath: "./@size".into(),
                        })
                    }
                };
                pages.push(HugePage {
                    size,
                    unit: attr(p, "unit"),
                    nodeset: attr(p, "nodeset"),
                });
            }
        }
        Ok(MemoryBacking {
            hugepages: el.child("hugepages").is_some(),
            pages,
            nosharepages: el.child("nosharepages").is_some(),
            locked: el.child("locked").is_some(),
            source_type,
            access_mode,
            allocation_mode,
            allocation_threads,
            discard: el.child("discard").is_some(),
        })
    }
    fn write_to(&self, el: &mut Element) {
        if self.hugepages || !self.pages.is_empty() {
            with_child(el, "hugepages", |h| {
                sync_children(h, "page", &self.pages, |p, e| {
                    put_num(e, "size", Some(p.size));
                    put(e, "unit", p.unit.as_deref());
                    put(e, "nodeset", p.nodeset.as_deref());
                })
            });
        } else {
            remove_children(el, "hugepages");
        }
        let chosen = [&self.source_type, &self.access_mode, &self.allocation_mode];
        for (value, (child, attr, _)) in chosen.into_iter().zip(BACKING_CHOICES) {
            put_child_attr(el, child, attr, value.as_deref());
        }
        match self.allocation_threads {
            Some(t) => with_child(el, "allocation", |a| put_num(a, "threads", Some(t))),
            None => put_child_attr(el, "allocation", "threads", None),
        }
        for (flag, name) in [
            (self.nosharepages, "nosharepages"),
            (self.locked, "locked"),
            (self.discard, "discard"),
        ] {
            if !flag {
                remove_children(el, name);
            } else if el.child(name).is_none() {
                el.children.push(Node::Element(Element::new(name)));
            }
        }
    }
}

/// `<pm>`: which guest suspend states are allowed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pm {
    /// `<suspend-to-mem enabled=yes|no>`.
    pub suspend_to_mem: Option<String>,
    /// `<suspend-to-disk enabled=yes|no>`.
    pub suspend_to_disk: Option<String>,
}

impl View for Pm {
    const TAG: &'static str = "pm";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let state = |name: &str| match el.child(name) {
            Some(c) => choice(c, "enabled", &["yes", "no"]),
            None => Ok(None),
        };
        Ok(Pm {
            suspend_to_mem: state("suspend-to-mem")?,
            suspend_to_disk: state("suspend-to-disk")?,
        })
    }
    fn write_to(&self, el: &mut Element) {
        for (value, name) in [
            (&self.suspend_to_mem, "suspend-to-mem"),
            (&self.suspend_to_disk, "suspend-to-disk"),
        ] {
            match value {
                Some(v) => with_child(el, name, |c| put(c, "enabled", Some(v))),
                // A state without `enabled` is at its default already
                // (libvirt reads it into nothing): it stays as written.
                None => el.children.retain(|n| {
                    !matches!(n, Node::Element(c) if c.name == name && c.attr("enabled").is_some())
                }),
            }
        }
    }
}

flat_view! {
    /// `<cachetune><cache id= level= type= size= unit=>`: the share of
    /// one host cache the vCPUs get (resctrl CAT).
    CacheAllocation = "cache" {
        id: u32 = "id" required,
        level: u32 = "level" required,
        cache_type: String = "type" ["both", "code", "data"] required,
        size: String = "size",
        unit: String = "unit",
    }
}

flat_view! {
    /// `<cachetune><monitor level= vcpus=>`: a cache occupancy monitor.
    CacheMonitor = "monitor" {
        level: u32 = "level" required,
        vcpus: String = "vcpus",
    }
}

flat_view! {
    /// `<memorytune><node id= bandwidth=>`: the memory bandwidth share
    /// (percent) of one host node the vCPUs get (resctrl MBA).
    MemoryBandwidth = "node" {
        id: u32 = "id" required,
        bandwidth: u32 = "bandwidth" required,
    }
}

flat_view! {
    /// `<memorytune><monitor vcpus=>`: a memory bandwidth monitor.
    MemoryMonitor = "monitor" { vcpus: String = "vcpus" }
}

/// A resctrl monitor's `vcpus`, which libvirt reads as a CPU set.
fn check_monitor_vcpus(vcpus: Option<&str>) -> Result<(), XmlError> {
    match vcpus {
        Some(v) if crate::validate::bitmap_has_bits(v, crate::validate::CPUMASK_LEN).is_none() => {
            Err(XmlError::Invalid(format!(
                "Invalid monitor attribute 'vcpus' value '{v}'"
            )))
        }
        _ => Ok(()),
    }
}

/// A `<cachetune>` or `<memorytune>` whose `vcpus` set holds no vCPU
/// (`^3` alone): libvirt reads nothing more of it at define.
fn reads_nothing(tune: &Element) -> bool {
    tune.attr("vcpus").is_some_and(|v| {
        crate::validate::bitmap_has_bits(v, crate::validate::CPUMASK_LEN) == Some(false)
    })
}

/// `<cputune><cachetune vcpus= id=>`: host cache allocations and monitors
/// for a group of vCPUs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CacheTune {
    /// `vcpus=`: the vCPUs (a CPU set).
    pub vcpus: Option<String>,
    /// `id=`: the resctrl group's name.
    pub id: Option<String>,
    /// `<cache>`s in order.
    pub caches: Vec<CacheAllocation>,
    /// `<monitor>`s in order.
    pub monitors: Vec<CacheMonitor>,
}

impl View for CacheTune {
    const TAG: &'static str = "cachetune";
    /// The values libvirt reads of a group over some vCPU: each cache's
    /// size and unit, each monitor's vCPUs.
    fn check(el: &Element) -> Result<(), XmlError> {
        if reads_nothing(el) {
            return Ok(());
        }
        let tune = Self::from_element(el)?;
        for cache in &tune.caches {
            if let Some(s) = &cache.size {
                if s.trim().parse::<u64>().is_err() {
                    return Err(XmlError::InvalidValue {
                        value: s.clone(),
                        xpath: "./@size".into(),
                    });
                }
            }
            if let Some(u) = &cache.unit {
                crate::units::unit_scale(u)?;
            }
        }
        tune.monitors
            .iter()
            .try_for_each(|m| check_monitor_vcpus(m.vcpus.as_deref()))
    }
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let mut caches = Vec::new();
        let mut monitors = Vec::new();
        for c in el.elements() {
            match c.name.as_str() {
                "cache" => caches.push(CacheAllocation::from_element(c)?),
                "monitor" => monitors.push(CacheMonitor::from_element(c)?),
                _ => {}
            }
        }
        Ok(CacheTune {
            vcpus: attr(el, "vcpus"),
            id: attr(el, "id"),
            caches,
            monitors,
        })
    }
    fn write_to(&self, el: &mut Element) {
        put(el, "vcpus", self.vcpus.as_deref());
        put(el, "id", self.id.as_deref());
        sync_children(el, "cache", &self.caches, |c, e| c.write_to(e));
        sync_children(el, "monitor", &self.monitors, |m, e| m.write_to(e));
    }
}

/// `<cputune><memorytune vcpus=>`: host memory bandwidth allocations and
/// monitors for a group of vCPUs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemoryTune {
    /// `vcpus=`: the vCPUs (a CPU set).
    pub vcpus: Option<String>,
    /// `<node>`s in order.
    pub nodes: Vec<MemoryBandwidth>,
    /// `<monitor>`s in order.
    pub monitors: Vec<MemoryMonitor>,
}

impl View for MemoryTune {
    const TAG: &'static str = "memorytune";
    /// The values libvirt reads of a group over some vCPU: each
    /// monitor's vCPUs.
    fn check(el: &Element) -> Result<(), XmlError> {
        if reads_nothing(el) {
            return Ok(());
        }
        Self::from_element(el)?
            .monitors
            .iter()
            .try_for_each(|m| check_monitor_vcpus(m.vcpus.as_deref()))
    }
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let mut nodes = Vec::new();
        let mut monitors = Vec::new();
        for c in el.elements() {
            match c.name.as_str() {
                "node" => nodes.push(MemoryBandwidth::from_element(c)?),
                "monitor" => monitors.push(MemoryMonitor::from_element(c)?),
                _ => {}
            }
        }
        Ok(MemoryTune {
            vcpus: attr(el, "vcpus"),
            nodes,
            monitors,
        })
    }
    fn write_to(&self, el: &mut Element) {
        put(el, "vcpus", self.vcpus.as_deref());
        sync_children(el, "node", &self.nodes, |n, e| n.write_to(e));
        sync_children(el, "monitor", &self.monitors, |m, e| m.write_to(e));
    }
}

flat_view! {
    /// `<cputune><vcpusched>`, `<iothreadsched>` or `<emulatorsched>`: the
    /// host scheduler of a set of threads (kept as given here: validate.rs
    /// checks the policy and priority where libvirt does).
    Scheduler = "vcpusched" {
        vcpus: String = "vcpus",
        iothreads: String = "iothreads",
        scheduler: String = "scheduler",
        priority: String = "priority",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_element;

    fn tuning(xml: &str) -> Option<String> {
        let el = parse_element(xml).expect("xml");
        CgroupTuning::of(&el).map(|t| t.to_string())
    }

    #[test]
    fn cgroup_tuning_names_the_part_that_needs_cgroups() {
        assert_eq!(tuning("<memtune/>").as_deref(), Some("<memtune>"));
        assert_eq!(tuning("<blkiotune/>").as_deref(), Some("<blkiotune>"));
        assert_eq!(
            tuning("<numatune><memory nodeset='0'/></numatune>").as_deref(),
            Some("<numatune>")
        );
        // Pins alone are the driver's own business.
        assert_eq!(
            tuning("<cputune><vcpupin vcpu='0' cpuset='1'/><emulatorpin cpuset='0'/></cputune>"),
            None
        );
        assert_eq!(
            tuning("<cputune><vcpupin vcpu='0' cpuset='1'/><shares>2</shares><quota>5</quota></cputune>")
                .as_deref(),
            Some("<cputune><shares>")
        );
        assert_eq!(tuning("<memoryBacking/>"), None);
    }
}
