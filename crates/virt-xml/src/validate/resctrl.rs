//! `<cputune>`'s `<cachetune>`s and `<memorytune>`s as libvirt 9.0 reads
//! them into resource control groups (virDomainCachetuneDefParse,
//! virDomainMemorytuneDefParse) and writes them back
//! (virDomainCachetuneDefFormat, virDomainMemorytuneDefFormat): one
//! reading serves the refusals and the write-back.

use super::*;

/// A set of vCPUs as sorted disjoint ranges (libvirt's bitmap).
type Set = Vec<(u64, u64)>;

/// What a monitor watches: a cache (`<cachetune>`) or the memory
/// bandwidth (`<memorytune>`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Watch {
    Cache,
    Bandwidth,
}

/// A resource control group: the vCPUs it holds, what it allocates and
/// what it monitors.
pub(crate) struct Resctrl {
    vcpus: Set,
    /// (level, type as libvirt numbers it, cache id, bytes).
    caches: Vec<(u32, usize, u32, u64)>,
    /// (host node, percent).
    bandwidths: Vec<(u32, u32)>,
    monitors: Vec<(Watch, Set)>,
}

const CACHE_TYPES: [&str; 3] = ["both", "code", "data"];

/// libvirt's monitored cache level (VIR_DOMAIN_RESCTRL_MONITOR_CACHELEVEL).
const MONITOR_CACHE_LEVEL: u32 = 3;

fn overlaps(a: &Set, b: &Set) -> bool {
    a.iter()
        .any(|&(lo, hi)| b.iter().any(|&(l, h)| lo <= h && l <= hi))
}

fn subset(a: &Set, of: &Set) -> bool {
    a.iter()
        .all(|&(lo, hi)| of.iter().any(|&(l, h)| l <= lo && hi <= h))
}

/// virDomainResctrlParseVcpus: the `vcpus` of `e`, shrunk to the
/// domain's `count` vCPUs.
fn group_vcpus(e: &Element, count: u32) -> Result<Set, XmlError> {
    let Some(v) = e.attr("vcpus") else {
        return Err(XmlError::Invalid(format!(
            "Missing {} attribute 'vcpus'",
            e.name
        )));
    };
    let Some(set) = bitmap(v, CPUMASK_LEN) else {
        return Err(XmlError::Invalid(format!(
            "Invalid {} attribute 'vcpus' value '{v}'",
            e.name
        )));
    };
    let count = u64::from(count);
    Ok(set
        .into_iter()
        .filter(|&(lo, _)| lo < count)
        .map(|(lo, hi)| (lo, hi.min(count - 1)))
        .collect())
}

/// virDomainResctrlVcpuMatch: the group over exactly `vcpus`, refused
/// when one overlaps them otherwise.
fn matching(groups: &[Resctrl], vcpus: &Set) -> Result<Option<usize>, XmlError> {
    for (i, g) in groups.iter().enumerate() {
        if g.vcpus == *vcpus {
            return Ok(Some(i));
        }
        if overlaps(&g.vcpus, vcpus) {
            return Err(XmlError::Invalid("Overlapping vcpus in resctrls".into()));
        }
    }
    Ok(None)
}

/// virDomainResctrlMonDefParse and virDomainResctrlValidateMonitor: the
/// monitors of `e` added to `group`.
fn read_monitors(
    e: &Element,
    watch: Watch,
    count: u32,
    group: &mut Resctrl,
) -> Result<(), XmlError> {
    for m in e.children_named("monitor") {
        if watch == Watch::Cache {
            let level = required_uint(m, "level", false)?;
            if level != MONITOR_CACHE_LEVEL {
                // Written with %d.
                return Err(XmlError::Invalid(format!(
                    "Invalid monitor cache level '{}'",
                    level as i32
                )));
            }
        }
        let vcpus = group_vcpus(m, count)?;
        let arg = |m: &str| Err(XmlError::InvalidArg(m.into()));
        if vcpus.is_empty() {
            return arg("vcpus is empty");
        }
        if !subset(&vcpus, &group.vcpus) {
            return arg("Monitor vcpus conflicts with allocation");
        }
        let whole = vcpus == group.vcpus;
        let unallocated = group.caches.is_empty() && group.bandwidths.is_empty();
        let (mut any, mut apart) = (false, false);
        for (w, other) in &group.monitors {
            if *other == vcpus {
                if *w == watch {
                    return arg("Identical vcpus found in same type monitors");
                }
                continue;
            }
            let o = overlaps(&vcpus, other);
            any |= o;
            if !(whole || *other == group.vcpus) {
                apart |= o;
            }
        }
        if apart || (unallocated && any) {
            return arg("vcpus overlaps in resctrl groups");
        }
        group.monitors.push((watch, vcpus));
    }
    Ok(())
}

/// The resource control groups of the merged `<cputune>` `tune` of a
/// domain with `count` vCPUs, read as libvirt reads them: the
/// `<cachetune>`s, then the `<memorytune>`s (one over the vCPUs of a
/// cache group joins it); a group over none of the domain's vCPUs is not
/// read, one that allocates and monitors nothing not kept.
pub(crate) fn read_resctrls(tune: &Element, count: u32) -> Result<Vec<Resctrl>, XmlError> {
    let mut groups: Vec<Resctrl> = Vec::new();
    for e in tune.children_named("cachetune") {
        let vcpus = group_vcpus(e, count)?;
        if vcpus.is_empty() {
            continue;
        }
        if matching(&groups, &vcpus)?.is_some() {
            return Err(XmlError::Invalid(
                "Identical vcpus in cachetunes found".into(),
            ));
        }
        let mut group = Resctrl {
            vcpus,
            caches: Vec::new(),
            bandwidths: Vec::new(),
            monitors: Vec::new(),
        };
        for c in e.children_named("cache") {
            let id = required_uint(c, "id", false)?;
            let level = required_uint(c, "level", false)?;
            let kind = required_choice(c, "type", &CACHE_TYPES)?;
            let kind = CACHE_TYPES.iter().position(|t| *t == kind).unwrap_or(0);
            let size = c.attr("size").unwrap_or_default();
            if size.is_empty() {
                return Err(XmlError::Invalid(
                    "missing element or attribute './@size'".into(),
                ));
            }
            let Some(n) = c_ulong(size) else {
                return Err(XmlError::InvalidValue {
                    value: size.into(),
                    xpath: "./@size".into(),
                });
            };
            let bytes = crate::units::scale_to_bytes(n, c.attr("unit"), 1024, u64::MAX)?;
            // Type "both" takes the whole cache.
            let collides = group
                .caches
                .iter()
                .any(|&(l, k, i, _)| l == level && i == id && (k == 0 || kind == 0 || k == kind));
            if collides {
                return Err(XmlError::Invalid(format!(
                    "Colliding cache allocations for cache level '{level}' id '{id}', type '{}'",
                    CACHE_TYPES[kind]
                )));
            }
            group.caches.push((level, kind, id, bytes));
        }
        read_monitors(e, Watch::Cache, count, &mut group)?;
        if !group.caches.is_empty() || !group.monitors.is_empty() {
            groups.push(group);
        }
    }
    for e in tune.children_named("memorytune") {
        let vcpus = group_vcpus(e, count)?;
        if vcpus.is_empty() {
            continue;
        }
        let at = matching(&groups, &vcpus)?;
        let mut fresh = Resctrl {
            vcpus,
            caches: Vec::new(),
            bandwidths: Vec::new(),
            monitors: Vec::new(),
        };
        let group = match at {
            Some(i) => &mut groups[i],
            None => &mut fresh,
        };
        let nodes = e.children_named("node").count();
        for n in e.children_named("node") {
            let id = required_uint(n, "id", false)?;
            let bandwidth = required_uint(n, "bandwidth", false)?;
            if bandwidth > 100 {
                return Err(XmlError::Invalid(
                    "Memory Bandwidth value exceeding 100 is invalid.".into(),
                ));
            }
            if group.bandwidths.iter().any(|&(i, _)| i == id) {
                return Err(XmlError::Invalid(format!(
                    "Memory Bandwidth already defined for node {id}"
                )));
            }
            group.bandwidths.push((id, bandwidth));
        }
        let before = group.monitors.len();
        read_monitors(e, Watch::Bandwidth, count, group)?;
        let added = group.monitors.len() - before;
        if at.is_none() && (added > 0 || nodes > 0) {
            groups.push(fresh);
        }
    }
    Ok(groups)
}

/// A size as libvirt writes it (virFormatIntPretty): in the largest
/// binary unit up to PiB that divides it, bytes for 0.
fn pretty(bytes: u64) -> (u64, &'static str) {
    let mut value = bytes;
    for unit in ["B", "KiB", "MiB", "GiB", "TiB"] {
        if value % 1024 != 0 || value == 0 {
            return (value, unit);
        }
        value /= 1024;
    }
    (value, "PiB")
}

/// The `<cachetune>`s, then the `<memorytune>`s, libvirt writes for
/// `groups` (an inactive definition: no group names).
pub(crate) fn resctrl_elements(groups: &[Resctrl]) -> Vec<Element> {
    let mut out = Vec::new();
    for (name, watch) in [
        ("cachetune", Watch::Cache),
        ("memorytune", Watch::Bandwidth),
    ] {
        for g in groups {
            let mut e = Element::new(name).with_attr("vcpus", format_bitmap(&g.vcpus));
            if watch == Watch::Cache {
                let mut caches = g.caches.clone();
                caches.sort_by_key(|&(level, kind, id, _)| (level, kind, id));
                for (level, kind, id, bytes) in caches {
                    let (size, unit) = pretty(bytes);
                    e = e.with_child(
                        Element::new("cache")
                            .with_attr("id", id.to_string())
                            .with_attr("level", level.to_string())
                            .with_attr("type", CACHE_TYPES[kind])
                            .with_attr("size", size.to_string())
                            .with_attr("unit", unit),
                    );
                }
            } else {
                let mut nodes = g.bandwidths.clone();
                nodes.sort();
                for (id, bandwidth) in nodes {
                    e = e.with_child(
                        Element::new("node")
                            .with_attr("id", id.to_string())
                            .with_attr("bandwidth", bandwidth.to_string()),
                    );
                }
            }
            for (_, vcpus) in g.monitors.iter().filter(|(w, _)| *w == watch) {
                let mut m = Element::new("monitor");
                if watch == Watch::Cache {
                    m = m.with_attr("level", MONITOR_CACHE_LEVEL.to_string());
                }
                e = e.with_child(m.with_attr("vcpus", format_bitmap(vcpus)));
            }
            if !e.children.is_empty() {
                out.push(e);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(count: u32, xml: &str) -> Result<Vec<String>, String> {
        let tune = crate::reader::parse_element(&format!("<cputune>{xml}</cputune>")).unwrap();
        read_resctrls(&tune, count)
            .map(|g| resctrl_elements(&g).iter().map(|e| e.to_xml(0)).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn groups_written_as_libvirt_writes_them() {
        let xml = "<memorytune vcpus='0-1'><node id='3' bandwidth='20'/><node id='1' bandwidth='5'/></memorytune>\
                   <cachetune vcpus='0-1,7' id='x'><cache id='1' level='3' type='data' size='2048'/>\
                   <cache id='0' level='3' type='code' size='3' unit='b'/><monitor level='3' vcpus='0'/></cachetune>\
                   <cachetune vcpus='9'><cache id='0' level='2' type='both' size='1'/></cachetune>\
                   <memorytune vcpus='3'/>";
        assert_eq!(
            groups(4, xml).unwrap(),
            [
                "<cachetune vcpus='0-1'>\n  <cache id='0' level='3' type='code' size='3' unit='B'/>\n  \
                 <cache id='1' level='3' type='data' size='2' unit='MiB'/>\n  <monitor level='3' vcpus='0'/>\n</cachetune>\n",
                "<memorytune vcpus='0-1'>\n  <node id='1' bandwidth='5'/>\n  <node id='3' bandwidth='20'/>\n</memorytune>\n",
            ]
        );
    }

    #[test]
    fn groups_refused_as_libvirt_refuses_them() {
        let refusal = |xml: &str| groups(4, xml).unwrap_err();
        let cache = "<cache id='0' level='3' type='both' size='1'/>";
        assert_eq!(
            refusal(&format!(
                "<cachetune vcpus='0'>{cache}</cachetune><cachetune vcpus='0,5'/>"
            )),
            "XML error: Identical vcpus in cachetunes found"
        );
        assert_eq!(
            refusal(&format!(
                "<cachetune vcpus='0-1'>{cache}</cachetune><memorytune vcpus='1'/>"
            )),
            "XML error: Overlapping vcpus in resctrls"
        );
        assert_eq!(
            refusal("<cachetune vcpus='0'><cache id='0' level='3' type='both' size='1'/><cache id='0' level='3' type='code' size='1'/></cachetune>"),
            "XML error: Colliding cache allocations for cache level '3' id '0', type 'code'"
        );
        assert_eq!(
            refusal("<cachetune vcpus='0'><monitor level='2' vcpus='0'/></cachetune>"),
            "XML error: Invalid monitor cache level '2'"
        );
        assert_eq!(
            refusal("<cachetune vcpus='0'><monitor level='3' vcpus='1'/></cachetune>"),
            "invalid argument: Monitor vcpus conflicts with allocation"
        );
        assert_eq!(
            refusal("<cachetune vcpus='0'><monitor level='3' vcpus='7'/></cachetune>"),
            "invalid argument: vcpus is empty"
        );
        assert_eq!(
            refusal("<memorytune vcpus='0'><node id='0' bandwidth='101'/></memorytune>"),
            "XML error: Memory Bandwidth value exceeding 100 is invalid."
        );
        // A group over no vCPU of the domain is not read at all.
        assert_eq!(
            groups(
                4,
                "<cachetune vcpus='5'><monitor level='9' vcpus='x'/></cachetune>"
            )
            .unwrap(),
            Vec::<String>::new()
        );
    }
}
