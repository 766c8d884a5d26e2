//! The guest NUMA cells as libvirt 9.0 reads them
//! (virDomainNumaDefParseXML), checks them (virDomainNumaDefValidate) and
//! writes them back (virDomainNumaDefFormatXML): one reading serves the
//! refusals, in libvirt's order, and the write-back.
//!
//! libvirt reads the cells with `./cpu/numa[1]/cell`: the cells of the
//! first `<numa>` of every `<cpu>`, not only of the `<cpu>` it reads the
//! guest CPU from, so a doubled `<cpu>` doubles the cells.

use super::*;

/// A set of node or CPU numbers as sorted disjoint ranges.
type NodeSet = Vec<(u64, u64)>;

/// libvirt's `LOCAL_DISTANCE`: a cell's distance to itself.
const LOCAL_DISTANCE: u32 = 10;
/// libvirt's `UNREACHABLE`: the largest distance.
const UNREACHABLE: u32 = 255;

/// One memory-side cache of a guest NUMA cell, as libvirt keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CellCache {
    level: u32,
    associativity: &'static str,
    policy: &'static str,
    /// In KiB.
    size: u64,
    /// In bytes (libvirt keeps it in an `unsigned int`).
    line: u32,
}

/// A guest NUMA cell, at its id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GuestCell {
    /// In KiB.
    pub(crate) memory: u64,
    /// The vCPUs, `None` when not given or empty.
    pub(crate) cpus: Option<Vec<(u64, u64)>>,
    mem_access: Option<String>,
    discard: Option<String>,
    /// The distance to each cell by id (0: not given), or empty.
    distances: Vec<u32>,
    caches: Vec<CellCache>,
}

/// A `<latency>` or `<bandwidth>` between cells.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Link {
    latency: bool,
    initiator: u32,
    target: u32,
    /// 0: none.
    cache: u32,
    access: String,
    /// Nanoseconds, or KiB per second.
    value: u64,
}

/// The guest NUMA topology: the cells by id, the links between them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GuestNuma {
    pub(crate) cells: Vec<GuestCell>,
    links: Vec<Link>,
}

fn cells_of(def: &DomainDef) -> impl Iterator<Item = &Element> {
    top(def, "cpu")
        .filter_map(|c| c.child("numa"))
        .flat_map(|n| n.children_named("cell"))
}

/// `virXMLPropUInt`: `None` when absent (an error when `required`).
fn prop_uint(el: &Element, name: &str, required: bool) -> Result<Option<u32>, XmlError> {
    match el.attr(name) {
        None if required => Err(missing_attr(el, name)),
        None => Ok(None),
        Some(v) => c_uint(v, 10)
            .map(Some)
            .ok_or_else(|| XmlError::NotUnsigned {
                attr: name.into(),
                element: el.name.to_string(),
                value: v.into(),
            }),
    }
}

/// `virXMLPropEnum` over `values`: `None` when absent.
fn prop_enum(
    el: &Element,
    name: &str,
    values: &[&'static str],
    required: bool,
) -> Result<Option<&'static str>, XmlError> {
    match el.attr(name) {
        None if required => Err(missing_attr(el, name)),
        None => Ok(None),
        Some(v) => values
            .iter()
            .find(|x| **x == v)
            .copied()
            .map(Some)
            .ok_or_else(|| {
                XmlError::Invalid(format!(
                    "Invalid value for attribute '{name}' in element '{}': '{v}'.",
                    el.name
                ))
            }),
    }
}

/// `virParseScaledValue` of a required number (`xpath` names it in the
/// errors), scaled by `unit` (`default_scale` bytes without one), at most
/// `max` bytes.
pub(super) fn scaled(
    value: Option<&str>,
    xpath: &str,
    unit: Option<&str>,
    default_scale: u64,
    max: u64,
) -> Result<u64, XmlError> {
    // `string(xpath)`: an empty value is none.
    let Some(v) = value.filter(|v| !v.is_empty()) else {
        return Err(XmlError::Invalid(format!(
            "missing element or attribute '{xpath}'"
        )));
    };
    let number = c_ulong(v).ok_or_else(|| XmlError::InvalidValue {
        value: v.to_string(),
        xpath: xpath.to_string(),
    })?;
    crate::units::scale_to_bytes(number, unit.filter(|u| !u.is_empty()), default_scale, max)
}

/// `virDomainParseMemory` (not capped): a size in KiB, rounded up.
pub(super) fn memory_kib(
    value: Option<&str>,
    xpath: &str,
    unit: Option<&str>,
) -> Result<u64, XmlError> {
    let max = crate::units::MEMORY_MAX_BYTES;
    let kib = scaled(value, xpath, unit, 1024, max)?.div_ceil(1024);
    if kib >= max.div_ceil(1024) {
        return Err(XmlError::Overflow("size value too large".into()));
    }
    Ok(kib)
}

/// virDomainNumaDefNodeDistanceParseXML: the `<distances>` of the cell
/// `cell` of `count`, given to both ends (a distance the other end gave
/// is kept there).
fn read_distances(cells: &mut [GuestCell], el: &Element, cell: u32) -> Result<(), XmlError> {
    let count = cells.len();
    let Some(distances) = el.child("distances") else {
        return Ok(());
    };
    let siblings: Vec<&Element> = distances.children_named("sibling").collect();
    if siblings.is_empty() {
        return Err(XmlError::Invalid(
            "NUMA distances defined without siblings".into(),
        ));
    }
    for sibling in siblings {
        let id = prop_uint(sibling, "id", true)?.unwrap_or_default();
        // libvirt prints both numbers as signed ints.
        if id as usize >= count {
            return Err(XmlError::Invalid(format!(
                "'sibling_id {}' does not refer to a valid cell within NUMA 'cell id {}'",
                id as i32, cell as i32
            )));
        }
        let value = prop_uint(sibling, "value", true)?.unwrap_or_default();
        if !(LOCAL_DISTANCE..=UNREACHABLE).contains(&value)
            || (id == cell) != (value == LOCAL_DISTANCE)
        {
            return Err(XmlError::Invalid(format!(
                "'value {}' is invalid for 'sibling id {}' under NUMA 'cell id {}'",
                value as i32, id as i32, cell as i32
            )));
        }
        for (at, other) in [(cell, id), (id, cell)] {
            let d = &mut cells[at as usize].distances;
            if d.is_empty() {
                *d = vec![0; count];
                d[at as usize] = LOCAL_DISTANCE;
            }
            if at == cell || d[other as usize] == 0 {
                d[other as usize] = value;
            }
        }
    }
    Ok(())
}

/// virDomainNumaDefNodeCacheParseXML: one `<cache>` of NUMA node `node`.
fn read_cache(el: &Element, node: u32) -> Result<CellCache, XmlError> {
    let level = match el.attr("level") {
        None => {
            return Err(XmlError::Invalid(format!(
                "Missing 'level' attribute in cache element for NUMA node {node}"
            )))
        }
        Some(v) => c_uint(v, 10).filter(|l| *l != 0).ok_or_else(|| {
            XmlError::Invalid(format!(
                "Invalid 'level' attribute in cache element for NUMA node {node}"
            ))
        })?,
    };
    let associativity = match el.attr("associativity") {
        None => {
            return Err(XmlError::Invalid(format!(
                "Missing 'associativity' attribute in cache element for NUMA node {node}"
            )))
        }
        Some(a) => ["none", "direct", "full"]
            .into_iter()
            .find(|x| *x == a)
            .ok_or_else(|| XmlError::Invalid(format!("Invalid cache associativity '{a}'")))?,
    };
    // A missing policy is reported, then refused as the null it read.
    let policy = ["none", "writeback", "writethrough"]
        .into_iter()
        .find(|x| Some(*x) == el.attr("policy"))
        .ok_or_else(|| {
            XmlError::Invalid(format!(
                "Invalid cache policy '{}'",
                el.attr("policy").unwrap_or("(null)")
            ))
        })?;
    let value = |name: &str| el.child(name).and_then(|c| c.attr("value"));
    // The units are read from `./size/unit` and `./line/unit`, elements
    // no document has: the size is in KiB, the line in bytes.
    let size = memory_kib(value("size"), "./size/@value", None)?;
    let line = scaled(value("line"), "./line/@value", None, 1, u64::MAX)?;
    Ok(CellCache {
        level,
        associativity,
        policy,
        size,
        line: line as u32,
    })
}

/// virDomainNumaDefParseXML: the guest NUMA cells and their links (`None`:
/// no `<numa>`).
pub(crate) fn read_guest_numa(def: &DomainDef) -> Result<Option<GuestNuma>, XmlError> {
    if !top(def, "cpu").any(|c| c.child("numa").is_some()) {
        return Ok(None);
    }
    let elements: Vec<&Element> = cells_of(def).collect();
    let count = elements.len();
    if count == 0 {
        return Err(XmlError::Invalid(
            "NUMA topology defined without NUMA cells".into(),
        ));
    }
    let mut cells = vec![GuestCell::default(); count];
    for (i, el) in elements.iter().enumerate() {
        let id = prop_uint(el, "id", false)?.unwrap_or(i as u32);
        // The cells in order, or numbered 0 to count - 1.
        if id as usize >= count {
            return Err(XmlError::Invalid("Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed".into()));
        }
        let at = id as usize;
        // A cell is known by its memory: one read with none is not.
        if cells[at].memory != 0 {
            return Err(XmlError::Invalid(format!(
                "Duplicate NUMA cell info for cell id '{id}'"
            )));
        }
        if let Some(text) = el.attr("cpus") {
            let set = bitmap(text, CPUMASK_LEN)
                .ok_or_else(|| XmlError::InvalidArg(format!("Failed to parse bitmap '{text}'")))?;
            if !set.is_empty() {
                cells[at].cpus = Some(set);
            }
        }
        if let Some(mine) = &cells[at].cpus {
            for (j, other) in cells.iter().enumerate() {
                let Some(theirs) = other.cpus.as_ref().filter(|_| j != at) else {
                    continue;
                };
                let overlap = mine
                    .iter()
                    .any(|&(a, b)| theirs.iter().any(|&(c, d)| a <= d && c <= b));
                if overlap {
                    return Err(XmlError::Unsupported(format!(
                        "NUMA cells {id} and {j} have overlapping vCPU ids"
                    )));
                }
            }
        }
        cells[at].memory = memory_kib(el.attr("memory"), "./@memory", el.attr("unit"))?;
        cells[at].mem_access =
            prop_enum(el, "memAccess", &["shared", "private"], false)?.map(str::to_string);
        cells[at].discard = prop_enum(el, "discard", &["yes", "no"], false)?.map(str::to_string);
        read_distances(&mut cells, el, id)?;
        let mut caches = Vec::new();
        for cache in el.children_named("cache") {
            caches.push(read_cache(cache, id)?);
        }
        cells[at].caches = caches;
    }
    let mut links = Vec::new();
    let interconnects = top(def, "cpu")
        .filter_map(|c| c.child("numa"))
        .filter_map(|n| n.child("interconnects"))
        .flat_map(|i| i.elements());
    for link in interconnects {
        let latency = match link.name.as_str() {
            "latency" => true,
            "bandwidth" => false,
            _ => continue,
        };
        let value = match latency {
            true => match prop_uint_long(link, "value")? {
                Some(v) => v,
                None => return Err(missing_attr(link, "value")),
            },
            false => memory_kib(link.attr("value"), "./@value", link.attr("unit"))?,
        };
        let initiator = prop_uint(link, "initiator", true)?.unwrap_or_default();
        let target = prop_uint(link, "target", true)?.unwrap_or_default();
        let cache = prop_uint(link, "cache", false)?.unwrap_or_default();
        let access = prop_enum(link, "type", &["access", "read", "write"], true)?
            .unwrap_or_default()
            .to_string();
        links.push(Link {
            latency,
            initiator,
            target,
            cache,
            access,
            value,
        });
    }
    Ok(Some(GuestNuma { cells, links }))
}

/// `virXMLPropULongLong` in base 10.
fn prop_uint_long(el: &Element, name: &str) -> Result<Option<u64>, XmlError> {
    match el.attr(name) {
        None => Ok(None),
        Some(v) => c_ulong(v).map(Some).ok_or_else(|| {
            XmlError::Invalid(format!(
                "Invalid value for attribute '{name}' in element '{}': '{v}'. Expected non-negative integer value",
                el.name
            ))
        }),
    }
}

/// virDomainNumaDefValidate: at most three cache levels, each once per
/// cell; links between existing cells, from a cell with CPUs, to a cache
/// the target has, each once.
pub(crate) fn check_guest_numa(numa: &GuestNuma) -> Result<(), XmlError> {
    for cell in &numa.cells {
        let mut seen = Vec::new();
        for cache in &cell.caches {
            if cache.level > 3 {
                return Err(XmlError::Invalid(
                    "Ain't nobody heard of that much cache level".into(),
                ));
            }
            if seen.contains(&cache.level) {
                return Err(XmlError::Invalid(format!(
                    "Cache level '{}' already defined",
                    cache.level
                )));
            }
            seen.push(cache.level);
        }
    }
    let count = numa.cells.len();
    for (i, l) in numa.links.iter().enumerate() {
        if l.initiator as usize >= count {
            return Err(XmlError::Invalid(
                "'initiator' refers to a non-existent NUMA node".into(),
            ));
        }
        if l.target as usize >= count {
            return Err(XmlError::Invalid(
                "'target' refers to a non-existent NUMA node".into(),
            ));
        }
        if numa.cells[l.initiator as usize].cpus.is_none() {
            return Err(XmlError::Invalid(
                "NUMA nodes without CPUs can't be initiator".into(),
            ));
        }
        if l.cache > 0
            && !numa.cells[l.target as usize]
                .caches
                .iter()
                .any(|c| c.level == l.cache)
        {
            return Err(XmlError::Invalid(
                "'cache' refers to a non-existent NUMA node cache".into(),
            ));
        }
        for ll in &numa.links[..i] {
            if l.latency == ll.latency
                && l.initiator == ll.initiator
                && l.target == ll.target
                && l.cache == ll.cache
                && l.access == ll.access
            {
                return Err(XmlError::Invalid(
                    "Duplicate info for NUMA latencies".into(),
                ));
            }
            if l.initiator != l.target && l.initiator == ll.target && l.target == ll.initiator {
                return Err(XmlError::Invalid("Link already defined".into()));
            }
        }
    }
    Ok(())
}

/// The guest NUMA cells of `def` as libvirt checks them after parsing
/// (virDomainNumaDefValidate); a document whose cells cannot be read is
/// refused earlier.
pub(crate) fn check_numa_valid(def: &DomainDef) -> Result<(), XmlError> {
    match read_guest_numa(def) {
        Ok(Some(numa)) => check_guest_numa(&numa),
        _ => Ok(()),
    }
}

impl GuestNuma {
    /// `<numa>` as virDomainNumaDefFormatXML writes it: each cell by id
    /// with its CPUs, memory in KiB, access and discard, distances and
    /// caches; then the links.
    pub(crate) fn to_element(&self) -> Element {
        let mut numa = Element::new("numa");
        for (id, cell) in self.cells.iter().enumerate() {
            let mut e = Element::new("cell").with_attr("id", id.to_string());
            if let Some(cpus) = &cell.cpus {
                e = e.with_attr("cpus", format_bitmap(cpus));
            }
            e = e
                .with_attr("memory", cell.memory.to_string())
                .with_attr("unit", "KiB");
            if let Some(a) = &cell.mem_access {
                e = e.with_attr("memAccess", a.as_str());
            }
            if let Some(d) = &cell.discard {
                e = e.with_attr("discard", d.as_str());
            }
            if !cell.distances.is_empty() {
                let mut d = Element::new("distances");
                for (sibling, value) in cell.distances.iter().enumerate() {
                    if *value != 0 {
                        d = d.with_child(
                            Element::new("sibling")
                                .with_attr("id", sibling.to_string())
                                .with_attr("value", value.to_string()),
                        );
                    }
                }
                e = e.with_child(d);
            }
            for c in &cell.caches {
                let mut cache = Element::new("cache").with_attr("level", c.level.to_string());
                // The first value of each (none) is libvirt's unset.
                if c.associativity != "none" {
                    cache = cache.with_attr("associativity", c.associativity);
                }
                if c.policy != "none" {
                    cache = cache.with_attr("policy", c.policy);
                }
                cache = cache.with_child(
                    Element::new("size")
                        .with_attr("value", c.size.to_string())
                        .with_attr("unit", "KiB"),
                );
                if c.line != 0 {
                    cache = cache.with_child(
                        Element::new("line")
                            .with_attr("value", c.line.to_string())
                            .with_attr("unit", "B"),
                    );
                }
                e = e.with_child(cache);
            }
            numa = numa.with_child(e);
        }
        if !self.links.is_empty() {
            let mut links = Element::new("interconnects");
            for l in &self.links {
                let mut e = Element::new(if l.latency { "latency" } else { "bandwidth" })
                    .with_attr("initiator", l.initiator.to_string())
                    .with_attr("target", l.target.to_string());
                if l.cache > 0 {
                    e = e.with_attr("cache", l.cache.to_string());
                }
                e = e
                    .with_attr("type", l.access.as_str())
                    .with_attr("value", l.value.to_string());
                if !l.latency {
                    e = e.with_attr("unit", "KiB");
                }
                links = links.with_child(e);
            }
            numa = numa.with_child(links);
        }
        numa
    }
}

/// virDomainDefGetVcpusTopology: the guest CPU's topology (of the first
/// `<cpu>`, its first `<topology>`, every count read as positive) makes
/// at most `UINT_MAX` vCPUs.
pub(crate) fn check_topology(def: &DomainDef) -> Result<(), XmlError> {
    let Some(topology) = top(def, "cpu").next().and_then(|c| c.child("topology")) else {
        return Ok(());
    };
    let count = |name: &str, default: u64| {
        topology
            .attr(name)
            .and_then(|v| c_uint(v, 10))
            .map_or(default, u64::from)
    };
    let sockets = count("sockets", 0);
    if sockets == 0 {
        return Ok(());
    }
    let mut total = sockets;
    for (name, default) in [("dies", 1), ("cores", 0), ("threads", 0)] {
        total *= count(name, default);
        if total > u64::from(u32::MAX) {
            return Err(XmlError::Unsupported(format!(
                "cpu topology results in more than {} cpus",
                u32::MAX
            )));
        }
    }
    Ok(())
}

/// virDomainDefMemtuneValidate: of the `<memoryBacking><hugepages>`
/// pages, no two with intersecting node sets, at most one without a node
/// set (the default size), and each node set within the guest NUMA
/// cells. Without cells a node set of node 0 alone was dropped at
/// post-parse (virDomainDefPostParseMemtune).
pub(crate) fn check_hugepages(def: &DomainDef) -> Result<(), XmlError> {
    let cells = match read_guest_numa(def) {
        Ok(Some(numa)) => numa.cells.len(),
        _ => 0,
    };
    // (size in KiB, nodes)
    let mut pages: Vec<(u64, Option<NodeSet>)> = Vec::new();
    let all = top(def, "memoryBacking")
        .flat_map(|m| m.children_named("hugepages"))
        .flat_map(|h| h.children_named("page"));
    for page in all {
        let Some(size) = page
            .attr("size")
            .and_then(|s| crate::parse_memory(s.trim(), page.attr("unit")).ok())
        else {
            // Refused when read.
            return Ok(());
        };
        let nodes = page
            .attr("nodeset")
            .and_then(|n| bitmap(n, CPUMASK_LEN))
            .filter(|set| cells > 0 || set.as_slice() != [(0, 0)]);
        pages.push((size, nodes));
    }
    for (i, (size, nodes)) in pages.iter().enumerate() {
        for (other_size, other_nodes) in &pages[..i] {
            match (nodes, other_nodes) {
                (Some(a), Some(b))
                    if a.iter()
                        .any(|&(x, y)| b.iter().any(|&(u, v)| x <= v && u <= y)) =>
                {
                    return Err(detail(&format!(
                        "nodeset attribute of hugepages of sizes {size} and {other_size} intersect"
                    )))
                }
                (None, None) => {
                    return Err(detail(&format!(
                        "two master hugepages detected: {size} and {other_size}"
                    )))
                }
                _ => {}
            }
        }
        if let Some(&(_, highest)) = nodes.as_ref().and_then(|n| n.last()) {
            if highest >= cells as u64 {
                let first = nodes
                    .iter()
                    .flatten()
                    .map(|&(lo, hi)| (lo.max(cells as u64), hi))
                    .find(|&(lo, hi)| lo <= hi)
                    .map_or(highest, |(lo, _)| lo);
                return Err(detail(&format!("hugepages: node {first} not found")));
            }
        }
    }
    Ok(())
}

/// virDomainVcpuDefPostParse: a vCPU of `<vcpus>` (the last entry given
/// for its id) cannot be both offline and not hotpluggable; the lowest
/// such id is named.
pub(crate) fn check_vcpu_states(def: &DomainDef) -> Result<(), XmlError> {
    let mut states: Vec<(u32, bool, bool)> = Vec::new();
    for vcpu in top(def, "vcpus").flat_map(|v| v.children_named("vcpu")) {
        let Some(id) = vcpu.attr("id").and_then(|v| c_uint(v, 10)) else {
            continue;
        };
        let online = vcpu.attr("enabled") == Some("yes");
        let fixed = vcpu.attr("hotpluggable") == Some("no");
        states.retain(|(i, _, _)| *i != id);
        states.push((id, online, fixed));
    }
    states.sort_unstable();
    match states.iter().find(|(_, online, fixed)| !online && *fixed) {
        Some((id, _, _)) => Err(XmlError::Unsupported(format!(
            "vcpu '{id}' is both offline and not hotpluggable"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    /// libvirt's verdict on a test domain with `parts` (code and text), or
    /// the `<numa>` it writes back.
    fn define(parts: &str) -> String {
        let xml = format!(
            "<domain type='test'><name>n</name><memory>1024</memory>\
             <vcpu>4</vcpu><os><type>hvm</type></os>{parts}</domain>"
        );
        match crate::parse_domain(&xml) {
            Err(e) => e.to_string(),
            Ok(def) => {
                let cpu = def.extra.iter().find(|e| e.name == "cpu");
                match cpu.and_then(|c| c.child("numa")) {
                    Some(numa) => numa.to_xml(0).lines().map(str::trim).collect(),
                    None => "no numa".into(),
                }
            }
        }
    }

    fn cells(cells: &str) -> String {
        define(&format!("<cpu><numa>{cells}</numa></cpu>"))
    }

    #[test]
    fn cell_ids_in_order_or_numbered_from_zero() {
        let exactly_one = "XML error: Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed";
        assert_eq!(cells("<cell id='1' memory='1'/>"), exactly_one);
        assert_eq!(
            cells("<cell memory='1'/><cell id='0' memory='1'/>"),
            "XML error: Duplicate NUMA cell info for cell id '0'"
        );
        // A cell of no memory is not known yet: the second one is taken.
        assert!(!cells("<cell memory='0'/><cell id='0' memory='1'/>").contains("error"));
        // A doubled <cpu> doubles the cells libvirt reads.
        let numa = "<numa><cell id='0' memory='1'/></numa>";
        assert_eq!(
            define(&format!("<cpu>{numa}</cpu><cpu>{numa}</cpu>")),
            "XML error: Duplicate NUMA cell info for cell id '0'"
        );
        // Each cell is read whole before the next: the second cell's id
        // is out of range before its size overflows, the first cell's
        // size overflows before the second cell's CPUs are read.
        assert_eq!(
            cells("<cell memory='1'/><cell id='7' memory='18446744073709551615'/>"),
            exactly_one
        );
        assert_eq!(
            cells("<cell memory='18446744073709551615' unit='b'/><cell cpus='x' memory='1'/>"),
            "numerical overflow: value too large: 18446744073709551615b"
        );
        assert_eq!(
            cells("<cell cpus='0-1' memory='1'/><cell cpus='1' memory='1'/>"),
            "unsupported configuration: NUMA cells 1 and 0 have overlapping vCPU ids"
        );
    }

    #[test]
    fn distances_name_existing_cells() {
        assert_eq!(
            cells("<cell memory='1'><distances><sibling id='4294967295' value='20'/></distances></cell>"),
            "XML error: 'sibling_id -1' does not refer to a valid cell within NUMA 'cell id 0'"
        );
        // (libvirt 9.0 reports this one, then may die freeing the cells:
        // its cleanup writes past them.)
        assert_eq!(
            cells("<cell memory='1'><distances><sibling id='0' value='20'/></distances></cell>"),
            "XML error: 'value 20' is invalid for 'sibling id 0' under NUMA 'cell id 0'"
        );
        assert_eq!(
            cells("<cell memory='1'><distances/></cell>"),
            "XML error: NUMA distances defined without siblings"
        );
    }

    #[test]
    fn cells_written_by_id_with_both_distances() {
        let numa = cells(
            "<cell id='1' cpus='3,^3,2' memory='2' unit='MiB' discard='no'>\
               <distances><sibling id='0' value='21'/></distances>\
               <cache level='3' associativity='none' policy='writethrough'>\
                 <size value='5' unit='GiB'/><line value='0'/>\
               </cache>\
             </cell>\
             <cell id='0' memory='7'/>",
        );
        assert_eq!(
            numa,
            "<numa><cell id='0' memory='7' unit='KiB'><distances>\
             <sibling id='0' value='10'/><sibling id='1' value='21'/></distances></cell>\
             <cell id='1' cpus='2' memory='2048' unit='KiB' discard='no'><distances>\
             <sibling id='0' value='21'/><sibling id='1' value='10'/></distances>\
             <cache level='3' policy='writethrough'><size value='5' unit='KiB'/></cache>\
             </cell></numa>"
        );
    }

    #[test]
    fn cache_level_zero_is_none() {
        assert_eq!(
            cells("<cell memory='1'><cache level='0' associativity='none' policy='none'><size value='1'/><line value='1'/></cache></cell>"),
            "XML error: Invalid 'level' attribute in cache element for NUMA node 0"
        );
    }

    #[test]
    fn topology_within_uint() {
        assert_eq!(
            define("<cpu><topology sockets='65536' dies='1' cores='65536' threads='1'/></cpu>"),
            "unsupported configuration: cpu topology results in more than 4294967295 cpus"
        );
        assert_eq!(
            define("<cpu><topology sockets='65535' cores='65537' threads='1'/></cpu>"),
            "no numa"
        );
    }

    #[test]
    fn hugepages_against_cells() {
        let pages = |p: &str| {
            define(&format!(
                "<memoryBacking><hugepages>{p}</hugepages></memoryBacking>"
            ))
        };
        assert_eq!(
            pages("<page size='2048'/><page size='1048576'/>"),
            "two master hugepages detected: 1048576 and 2048"
        );
        // Each page's nodes are looked up after comparing it with the
        // pages before it.
        assert_eq!(
            pages("<page size='2048' nodeset='0-2'/><page size='4' nodeset='2'/>"),
            "hugepages: node 0 not found"
        );
        let three_cells =
            "<cpu><numa><cell memory='1'/><cell memory='1'/><cell memory='1'/></numa></cpu>";
        assert_eq!(
            define(&format!(
                "{three_cells}<memoryBacking><hugepages><page size='2048' nodeset='0-2'/>\
                 <page size='4' nodeset='2'/></hugepages></memoryBacking>"
            )),
            "nodeset attribute of hugepages of sizes 4 and 2048 intersect"
        );
        assert_eq!(
            pages("<page size='2048' nodeset='1,5'/>"),
            "hugepages: node 1 not found"
        );
        // Node 0 alone without cells is dropped, not refused.
        assert_eq!(pages("<page size='2048' nodeset='0'/>"), "no numa");
    }

    #[test]
    fn offline_vcpus_are_hotpluggable() {
        let vcpus = |v: &str| define(&format!("<vcpus>{v}</vcpus>"));
        assert_eq!(
            vcpus("<vcpu id='2' enabled='no' hotpluggable='no'/><vcpu id='1' enabled='no' hotpluggable='no'/>"),
            "unsupported configuration: vcpu '1' is both offline and not hotpluggable"
        );
        // The last entry for an id is the one kept.
        assert_eq!(
            vcpus("<vcpu id='0' enabled='no' hotpluggable='no'/><vcpu id='0' enabled='yes' hotpluggable='no'/>"),
            "no numa"
        );
    }
}
