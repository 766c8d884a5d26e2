//! The typed view of the guest `<cpu>`: model, topology, features, NUMA
//! cells, cache and physical address bits.

use super::*;

/// `<cpu><model>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuModel {
    /// The model name (the element's text).
    pub name: String,
    /// `fallback='allow|forbid'`.
    pub fallback: Option<String>,
    /// `vendor_id=`: the CPUID vendor string the guest sees (12
    /// characters).
    pub vendor_id: Option<String>,
}

/// `<cpu><topology>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Topology {
    /// `sockets=`.
    pub sockets: Option<u32>,
    /// `dies=`.
    pub dies: Option<u32>,
    /// `cores=`.
    pub cores: Option<u32>,
    /// `threads=`.
    pub threads: Option<u32>,
}

/// `<cpu><feature policy=... name=.../>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuFeature {
    /// `policy=`: force, require, optional, disable, forbid.
    pub policy: Option<String>,
    /// `name=`.
    pub name: String,
}

/// `<cpu><numa><cell>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NumaCell {
    /// `id=`.
    pub id: Option<u32>,
    /// `cpus=` (a cpuset).
    pub cpus: Option<String>,
    /// `memory=`, in `unit`.
    pub memory: u64,
    /// `unit=` (KiB when absent).
    pub unit: Option<String>,
    /// `memAccess=shared|private`.
    pub mem_access: Option<String>,
    /// `discard=yes|no`.
    pub discard: Option<String>,
    /// `<distances><sibling id=... value=...>`: (cell id, distance) in order.
    pub distances: Vec<(u32, u32)>,
}

/// `<cpu><cache>`: the cache topology the guest sees.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuCache {
    /// `level=` (emulate mode).
    pub level: Option<u32>,
    /// `mode=`: emulate, passthrough, disable.
    pub mode: String,
}

/// `<cpu><maxphysaddr>`: the guest's physical address width.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MaxPhysAddr {
    /// `mode=`: passthrough, emulate.
    pub mode: String,
    /// `bits=`.
    pub bits: Option<u32>,
    /// `limit=` (passthrough).
    pub limit: Option<u32>,
}

/// `<cpu>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cpu {
    /// `mode=`: custom, host-model, host-passthrough, maximum.
    pub mode: Option<String>,
    /// `match=`: minimum, exact, strict.
    pub match_: Option<String>,
    /// `check=`: none, partial, full.
    pub check: Option<String>,
    /// `migratable=on|off` (host-passthrough, maximum).
    pub migratable: Option<String>,
    /// `<model>`.
    pub model: Option<CpuModel>,
    /// `<vendor>`.
    pub vendor: Option<String>,
    /// `<topology>`.
    pub topology: Option<Topology>,
    /// `<feature>`s in order.
    pub features: Vec<CpuFeature>,
    /// `<numa><cell>`s in order.
    pub numa: Vec<NumaCell>,
    /// `<cache>`.
    pub cache: Option<CpuCache>,
    /// `<maxphysaddr>`.
    pub maxphysaddr: Option<MaxPhysAddr>,
}

impl View for Cpu {
    const TAG: &'static str = "cpu";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let mode = match el.attr("mode") {
            None => None,
            Some(m @ ("custom" | "host-model" | "host-passthrough" | "maximum")) => Some(m.into()),
            Some(m) => {
                return Err(XmlError::Unsupported(format!(
                    "Invalid mode attribute '{m}'"
                )))
            }
        };
        let model = match el.child("model") {
            Some(m) => {
                // Checked only where libvirt reads the model's attributes
                // (not for a host-passthrough or maximum CPU), each as
                // `string(./model[1]/@...)`: an empty one is none (seed
                // 16's gen2673, vendor_id=''), the vendor id's length in
                // bytes (strlen).
                let read = !matches!(el.attr("mode"), Some("host-passthrough" | "maximum"));
                let given = |name| m.attr(name).filter(|v| read && !v.is_empty());
                if given("fallback").is_some_and(|f| !matches!(f, "allow" | "forbid")) {
                    return Err(XmlError::Unsupported("Invalid fallback attribute".into()));
                }
                if given("vendor_id").is_some_and(|v| v.len() != 12) {
                    return Err(XmlError::Invalid(
                        "vendor_id must be exactly 12 characters long".into(),
                    ));
                }
                Some(CpuModel {
                    name: m.text(),
                    fallback: m.attr("fallback").map(str::to_string),
                    vendor_id: m.attr("vendor_id").map(str::to_string),
                })
            }
            None => None,
        };
        let topology = match el.child("topology") {
            Some(t) => Some(Topology {
                sockets: uint(t, "sockets")?,
                dies: uint(t, "dies")?,
                cores: uint(t, "cores")?,
                threads: uint(t, "threads")?,
            }),
            None => None,
        };
        let mut features = Vec::new();
        for f in el.children_named("feature") {
            let Some(name) = f.attr("name") else {
                return Err(XmlError::Invalid(
                    "Missing 'name' attribute for CPU feature".into(),
                ));
            };
            features.push(CpuFeature {
                policy: choice(
                    f,
                    "policy",
                    &["force", "require", "optional", "disable", "forbid"],
                )?,
                name: name.into(),
            });
        }
        let mut numa = Vec::new();
        if let Some(n) = el.child("numa") {
            for c in n.children_named("cell") {
                let mut distances = Vec::new();
                if let Some(d) = c.child("distances") {
                    for sib in d.children_named("sibling") {
                        match (uint(sib, "id")?, uint(sib, "value")?) {
                            (Some(id), Some(value)) => distances.push((id, value)),
                            _ => {
                                return Err(XmlError::Invalid(
                                    "Missing required attribute in element 'sibling'".into(),
                                ))
                            }
                        }
                    }
                }
                numa.push(NumaCell {
                    discard: choice(c, "discard", &["yes", "no"])?,
                    distances,
                    id: uint(c, "id")?,
                    cpus: attr(c, "cpus"),
                    memory: uint(c, "memory")?.unwrap_or(0),
                    unit: attr(c, "unit"),
                    mem_access: choice(c, "memAccess", &["shared", "private"])?,
                });
            }
            // libvirt reads `<numa>` as a topology that must have cells.
            if numa.is_empty() {
                return Err(XmlError::Invalid(
                    "NUMA topology defined without NUMA cells".into(),
                ));
            }
        }
        let cache = match el.child("cache") {
            Some(c) => Some(CpuCache {
                level: uint(c, "level")?,
                mode: choice(c, "mode", &["emulate", "passthrough", "disable"])?
                    .ok_or_else(|| XmlError::Invalid("missing cache mode".into()))?,
            }),
            None => None,
        };
        let maxphysaddr = match el.child("maxphysaddr") {
            Some(m) => Some(MaxPhysAddr {
                mode: choice(m, "mode", &["passthrough", "emulate"])?
                    .ok_or_else(|| XmlError::Invalid("missing maxphysaddr mode".into()))?,
                bits: uint(m, "bits")?,
                limit: uint(m, "limit")?,
            }),
            None => None,
        };
        Ok(Cpu {
            migratable: choice(el, "migratable", &["on", "off"])?,
            cache,
            maxphysaddr,
            mode,
            match_: choice(el, "match", &["minimum", "exact", "strict"])?,
            check: choice(el, "check", &["none", "partial", "full"])?,
            model,
            vendor: text_of(el, "vendor"),
            topology,
            features,
            numa,
        })
    }
    fn write_to(&self, el: &mut Element) {
        put(el, "mode", self.mode.as_deref());
        put(el, "match", self.match_.as_deref());
        put(el, "check", self.check.as_deref());
        put(el, "migratable", self.migratable.as_deref());
        match &self.model {
            Some(m) => with_child(el, "model", |c| {
                put(c, "fallback", m.fallback.as_deref());
                put(c, "vendor_id", m.vendor_id.as_deref());
                if c.text() != m.name {
                    c.set_text(m.name.as_str());
                }
            }),
            None => remove_children(el, "model"),
        }
        put_text(el, "vendor", self.vendor.as_deref());
        match &self.topology {
            Some(t) => with_child(el, "topology", |c| {
                put_num(c, "sockets", t.sockets);
                put_num(c, "dies", t.dies);
                put_num(c, "cores", t.cores);
                put_num(c, "threads", t.threads);
            }),
            None => remove_children(el, "topology"),
        }
        sync_children(el, "feature", &self.features, |f, e| {
            put(e, "policy", f.policy.as_deref());
            put(e, "name", Some(&f.name));
        });
        if self.numa.is_empty() {
            remove_children(el, "numa");
        } else {
            with_child(el, "numa", |n| {
                sync_children(n, "cell", &self.numa, |c, e| {
                    put_num(e, "id", c.id);
                    put(e, "cpus", c.cpus.as_deref());
                    put_num(e, "memory", Some(c.memory));
                    put(e, "unit", c.unit.as_deref());
                    put(e, "memAccess", c.mem_access.as_deref());
                    put(e, "discard", c.discard.as_deref());
                    if c.distances.is_empty() {
                        remove_children(e, "distances");
                    } else {
                        with_child(e, "distances", |d| {
                            sync_children(d, "sibling", &c.distances, |(id, v), s| {
                                put_num(s, "id", Some(*id));
                                put_num(s, "value", Some(*v));
                            })
                        });
                    }
                })
            });
        }
        match &self.cache {
            Some(c) => with_child(el, "cache", |e| {
                put_num(e, "level", c.level);
                put(e, "mode", Some(&c.mode));
            }),
            None => remove_children(el, "cache"),
        }
        match &self.maxphysaddr {
            Some(m) => with_child(el, "maxphysaddr", |e| {
                put(e, "mode", Some(&m.mode));
                put_num(e, "bits", m.bits);
                put_num(e, "limit", m.limit);
            }),
            None => remove_children(el, "maxphysaddr"),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::parse_domain;

    // As virsh 9.0 reads a CPU model's attributes (seed 16's gen2673 is
    // the first case): an empty one is none, none is read for a
    // host-passthrough CPU, the vendor id is 12 bytes.
    #[test]
    fn cpu_model_attributes_read_as_libvirt_reads_them() {
        let verdict = |cpu: &str| {
            let xml = format!(
                "<domain type='test'><name>m</name><memory>1048576</memory>\
                 <os><type>hvm</type></os>{cpu}</domain>"
            );
            parse_domain(&xml).err().map(|e| e.to_string())
        };
        assert_eq!(
            verdict("<cpu mode='host-model'><model vendor_id=''>x</model></cpu>"),
            None
        );
        assert_eq!(
            verdict("<cpu mode='host-model'><model fallback=''>x</model></cpu>"),
            None
        );
        assert_eq!(
            verdict(
                "<cpu mode='host-passthrough'><model fallback='x' vendor_id='a'>x</model></cpu>"
            ),
            None
        );
        assert_eq!(
            verdict("<cpu mode='custom'><model fallback='x'>x</model></cpu>").as_deref(),
            Some("unsupported configuration: Invalid fallback attribute")
        );
        assert_eq!(
            verdict("<cpu mode='custom'><model vendor_id='ééééééé'>x</model></cpu>").as_deref(),
            Some("XML error: vendor_id must be exactly 12 characters long")
        );
        assert_eq!(
            verdict("<cpu mode='custom'><model vendor_id='éééééé'>x</model></cpu>"),
            None
        );
        assert_eq!(
            verdict("<cpu mode='custom'><model vendor_id='abc,defghijk'>x</model></cpu>")
                .as_deref(),
            Some("XML error: vendor id is invalid")
        );
    }
}
