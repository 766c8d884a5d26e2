//! Typed views of a guest NUMA cell's memory-side caches and of the
//! interconnects between cells (`<cpu><numa><cell><cache>`,
//! `<cpu><numa><interconnects>`): the HMAT tables a guest sees. Each value
//! is read with libvirt 9.0's error for a bad one; the references between
//! them (a link's cells, the cache it names) are checked as libvirt checks
//! them at define.

use super::*;

/// The `<size>` or `<line>` of a NUMA cell's `<cache>`: a number and the
/// unit it is given in (libvirt reads the number only: it writes the size
/// back in KiB and the line in bytes whatever the unit says).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CacheExtent {
    /// `value=`.
    pub value: u64,
    /// `unit=` as written.
    pub unit: Option<String>,
}

/// `<cpu><numa><cell><cache level= associativity= policy=>`: one memory
/// side cache of a guest NUMA node, read in the form libvirt writes it
/// too (an associativity or policy of none and a line of 0 left out).
/// libvirt's refusals at define are `validate::read_guest_numa`'s.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NumaCache {
    /// `level=`: the cache level (1, 2, ...).
    pub level: u32,
    /// `associativity=`: none, direct, full (absent: none).
    pub associativity: Option<String>,
    /// `policy=`: none, writeback, writethrough (absent: none).
    pub policy: Option<String>,
    /// `<size value= unit=>`.
    pub size: CacheExtent,
    /// `<line value= unit=>` (absent: 0).
    pub line: Option<CacheExtent>,
}

impl NumaCache {
    /// Read `el` as the cache of NUMA node `node`, whose number libvirt's
    /// errors name.
    pub fn read_in_node(el: &Element, node: u32) -> Result<Self, XmlError> {
        let level = match el.attr("level") {
            None => {
                return Err(XmlError::Invalid(format!(
                    "Missing 'level' attribute in cache element for NUMA node {node}"
                )))
            }
            // Level 0 is no cache level.
            Some(v) => v
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|l| *l != 0)
                .ok_or_else(|| {
                    XmlError::Invalid(format!(
                        "Invalid 'level' attribute in cache element for NUMA node {node}"
                    ))
                })?,
        };
        let associativity = match el.attr("associativity") {
            None => None,
            Some(a @ ("none" | "direct" | "full")) => Some(a.to_string()),
            Some(a) => {
                return Err(XmlError::Invalid(format!(
                    "Invalid cache associativity '{a}'"
                )))
            }
        };
        let policy = match el.attr("policy") {
            None => None,
            Some(p @ ("none" | "writeback" | "writethrough")) => Some(p.to_string()),
            Some(p) => return Err(XmlError::Invalid(format!("Invalid cache policy '{p}'"))),
        };
        Ok(NumaCache {
            level,
            associativity,
            policy,
            size: cache_extent(el, "size")?,
            line: match el.child("line") {
                Some(_) => Some(cache_extent(el, "line")?),
                None => None,
            },
        })
    }
}

/// The `<size>` or `<line>` child of a NUMA cache.
fn cache_extent(el: &Element, name: &str) -> Result<CacheExtent, XmlError> {
    let xpath = format!("./{name}/@value");
    let child = el.child(name);
    let Some(v) = child.and_then(|c| c.attr("value")) else {
        return Err(XmlError::Invalid(format!(
            "missing element or attribute '{xpath}'"
        )));
    };
    let value = v
        .trim()
        .parse::<u64>()
        .map_err(|_| XmlError::InvalidValue {
            value: v.to_string(),
            xpath,
        })?;
    Ok(CacheExtent {
        value,
        unit: child.and_then(|c| attr(c, "unit")),
    })
}

impl View for NumaCache {
    const TAG: &'static str = "cache";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        NumaCache::read_in_node(el, 0)
    }
    fn write_to(&self, el: &mut Element) {
        put_num(el, "level", Some(self.level));
        put(el, "associativity", self.associativity.as_deref());
        put(el, "policy", self.policy.as_deref());
        for (name, extent) in [("size", Some(&self.size)), ("line", self.line.as_ref())] {
            match extent {
                Some(extent) => with_child(el, name, |c| {
                    put_num(c, "value", Some(extent.value));
                    put(c, "unit", extent.unit.as_deref());
                }),
                None => remove_children(el, name),
            }
        }
    }
}

/// A `<latency>` or `<bandwidth>` of `<interconnects>`: libvirt reads both
/// as one kind of link (from an initiator node to a target node or one of
/// its caches), so their attributes are declared once.
macro_rules! interconnect_view {
    ($(#[$m:meta])* $ty:ident = $tag:literal, $kind:ident $(, $extra:ident: $ety:ty = $eattr:literal)?) => {
        flat_view! {
            $(#[$m])*
            $ty = $tag {
                initiator: u32 = "initiator" required,
                target: u32 = "target" required,
                cache: u32 = "cache",
                $kind: String = "type" ["access", "read", "write"] required,
                value: u64 = "value" required,
                $($extra: $ety = $eattr,)?
            }
        }
    };
}

interconnect_view! {
    /// `<interconnects><latency>`: the access, read or write latency of a
    /// link, in nanoseconds.
    Latency = "latency", latency_type
}

interconnect_view! {
    /// `<interconnects><bandwidth>`: the access, read or write bandwidth of
    /// a link, a scaled value per second (KiB when no unit is given).
    InterconnectBandwidth = "bandwidth", bandwidth_type, unit: String = "unit"
}

/// `<cpu><numa><interconnects>`: the latencies and bandwidths between
/// guest NUMA nodes, in the order written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interconnects {
    /// `<latency>`s.
    pub latencies: Vec<Latency>,
    /// `<bandwidth>`s.
    pub bandwidths: Vec<InterconnectBandwidth>,
}

impl View for Interconnects {
    const TAG: &'static str = "interconnects";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let mut latencies = Vec::new();
        let mut bandwidths = Vec::new();
        for c in el.elements() {
            match c.name.as_str() {
                "latency" => latencies.push(Latency::from_element(c)?),
                "bandwidth" => {
                    let b = InterconnectBandwidth::from_element(c)?;
                    if let Some(u) = &b.unit {
                        crate::units::unit_scale(u)?;
                    }
                    bandwidths.push(b);
                }
                _ => {}
            }
        }
        Ok(Interconnects {
            latencies,
            bandwidths,
        })
    }
    fn write_to(&self, el: &mut Element) {
        sync_children(el, "latency", &self.latencies, |l, e| l.write_to(e));
        sync_children(el, "bandwidth", &self.bandwidths, |b, e| b.write_to(e));
    }
}
