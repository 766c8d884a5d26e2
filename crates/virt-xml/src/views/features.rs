//! The typed view of `<features>`: flag features (`<acpi/>`,
//! `<pmu state='off'/>`, ...), `<hyperv>` and `<kvm>`.

use super::{attr, choice, put, remove_children, with_child};
use crate::error::XmlError;
use crate::model::{Element, Node};

/// A feature under `<features>` that is a flag: `<acpi/>`, `<pae/>`,
/// `<pmu state='on'/>`, ...
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeatureFlag {
    /// The element name.
    pub name: String,
    /// `state=on|off`, when given.
    pub state: Option<String>,
    /// The other attribute some carry (`<apic eoi='on'/>`), as (name, value).
    pub value: Option<(String, String)>,
}

/// `<features><hyperv>` children: `<relaxed state='on'/>`, `<spinlocks state='on' retries='4096'/>`, ...
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HypervFeature {
    /// The element name.
    pub name: String,
    /// `state=on|off`.
    pub state: Option<String>,
    /// The second attribute some carry (`retries=`, `value=`), as (name, value).
    pub value: Option<(String, String)>,
}

/// `<features>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Features {
    /// Flag features (elements without children), in order.
    pub flags: Vec<FeatureFlag>,
    /// `<hyperv mode=...>`: the mode, and the features in order.
    pub hyperv: Option<(Option<String>, Vec<HypervFeature>)>,
    /// `<kvm><hidden state=...>`.
    pub kvm_hidden: Option<String>,
    /// The other `<kvm>` children (`<hint-dedicated state='on'/>`,
    /// `<dirty-ring state='on' size='4096'/>`, ...), in order.
    pub kvm: Vec<HypervFeature>,
}

/// The flag features whose `state=on|off` libvirt 9.0 reads (and checks).
const TRISTATE_FEATURES: &[&str] = &[
    "pmu",
    "vmport",
    "hap",
    "pvspinlock",
    "htm",
    "nested-hv",
    "ccf-assist",
    "async-teardown",
    "ras",
    "ps2",
];

impl Features {
    /// True when flag `name` is present and not `state='off'`.
    pub fn enabled(&self, name: &str) -> bool {
        self.flags
            .iter()
            .any(|f| f.name == name && f.state.as_deref() != Some("off"))
    }

    /// Read the features from `<features>`' children.
    pub fn from_elements(els: &[Element]) -> Result<Self, XmlError> {
        let mut f = Features::default();
        for e in els {
            match e.name.as_str() {
                "hyperv" => {
                    let mut list = Vec::new();
                    for h in e.elements() {
                        let value = h.attrs.iter().find(|(k, _)| k != "state").cloned();
                        list.push(HypervFeature {
                            name: h.name.clone(),
                            state: choice(h, "state", &["on", "off"])?,
                            value,
                        });
                    }
                    f.hyperv = Some((attr(e, "mode"), list));
                }
                "kvm" => {
                    f.kvm_hidden = match e.child("hidden") {
                        Some(h) => choice(h, "state", &["on", "off"])?,
                        None => None,
                    };
                    for k in e.elements().filter(|k| k.name != "hidden") {
                        f.kvm.push(HypervFeature {
                            name: k.name.clone(),
                            state: choice(k, "state", &["on", "off"])?,
                            value: k.attrs.iter().find(|(n, _)| n != "state").cloned(),
                        });
                    }
                }
                _ if e.children.is_empty() => {
                    // libvirt reads `state` only of the features that
                    // can be switched off; the others ignore it.
                    let state = if TRISTATE_FEATURES.contains(&e.name.as_str()) {
                        choice(e, "state", &["on", "off"])?
                    } else {
                        attr(e, "state")
                    };
                    if e.name == "apic" {
                        choice(e, "eoi", &["on", "off"])?;
                    }
                    f.flags.push(FeatureFlag {
                        name: e.name.clone(),
                        state,
                        value: e.attrs.iter().find(|(k, _)| k != "state").cloned(),
                    })
                }
                _ => {}
            }
        }
        Ok(f)
    }

    /// Write the features into `<features>`' children, in place: flags not
    /// listed go, new ones are added at the end.
    pub fn write_to(&self, els: &mut Vec<Element>) {
        els.retain(|e| {
            !e.children.is_empty()
                || matches!(e.name.as_str(), "hyperv" | "kvm")
                || self.flags.iter().any(|f| f.name == e.name)
        });
        // A new flag follows the one listed before it (or goes last), so
        // that flags written in libvirt's order keep it.
        let mut previous: Option<usize> = None;
        for flag in &self.flags {
            let write = |e: &mut Element| {
                put(e, "state", flag.state.as_deref());
                if let Some((k, v)) = &flag.value {
                    put(e, k, Some(v));
                }
            };
            let at = match els.iter().position(|e| e.name == flag.name) {
                Some(i) => i,
                None => {
                    let at = previous.map_or(els.len(), |p| p + 1);
                    els.insert(at, Element::new(flag.name.as_str()));
                    at
                }
            };
            if let Some(e) = els.get_mut(at) {
                write(e);
            }
            previous = Some(at);
        }
        match &self.hyperv {
            Some((mode, list)) => {
                let write = |e: &mut Element| {
                    put(e, "mode", mode.as_deref());
                    e.children.retain(
                        |n| matches!(n, Node::Element(c) if list.iter().any(|h| h.name == c.name)),
                    );
                    for h in list {
                        with_child(e, &h.name, |c| {
                            put(c, "state", h.state.as_deref());
                            if let Some((k, v)) = &h.value {
                                put(c, k, Some(v));
                            }
                        });
                    }
                };
                match els.iter_mut().find(|e| e.name == "hyperv") {
                    Some(e) => write(e),
                    None => {
                        let mut e = Element::new("hyperv");
                        write(&mut e);
                        els.push(e);
                    }
                }
            }
            None => els.retain(|e| e.name != "hyperv"),
        }
        let write_kvm = |e: &mut Element| {
            match &self.kvm_hidden {
                Some(state) => with_child(e, "hidden", |h| put(h, "state", Some(state))),
                None => remove_children(e, "hidden"),
            }
            e.children.retain(|n| match n {
                Node::Element(c) => c.name == "hidden" || self.kvm.iter().any(|k| k.name == c.name),
                Node::Text(_) => true,
            });
            for k in &self.kvm {
                with_child(e, &k.name, |c| {
                    put(c, "state", k.state.as_deref());
                    if let Some((n, v)) = &k.value {
                        put(c, n, Some(v));
                    }
                });
            }
        };
        match els.iter_mut().find(|e| e.name == "kvm") {
            Some(e) => write_kvm(e),
            None if self.kvm_hidden.is_some() || !self.kvm.is_empty() => {
                let mut e = Element::new("kvm");
                write_kvm(&mut e);
                els.push(e);
            }
            None => {}
        }
        els.retain(|e| !(e.name == "kvm" && e.children.is_empty()));
    }
}
