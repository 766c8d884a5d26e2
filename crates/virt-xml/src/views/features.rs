//! The typed view of `<features>`: flag features (`<acpi/>`,
//! `<pmu state='off'/>`, `<smm state='on'><tseg>`, ...), `<hyperv>`,
//! `<kvm>`, `<xen>` and a container's `<capabilities>`.

use super::{
    attr, choice, put, remove_children, remove_children_with, with_child, AttrValue, TEXT,
};
use crate::error::XmlError;
use crate::model::Attr;
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
    pub value: Option<Attr>,
    /// The size child three of them carry: `<hpt><maxpagesize>`,
    /// `<smm><tseg>`, `<tcg><tb-cache>`.
    pub size: Option<FeatureSize>,
}

/// A size a feature holds in a child element (`<tseg unit='MiB'>48</tseg>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeatureSize {
    /// The number (the element's text), in `unit`.
    pub value: u64,
    /// `unit=` (KiB when absent).
    pub unit: Option<String>,
}

/// The features that hold a size, with the child holding it.
const SIZED_FEATURES: &[(&str, &str)] =
    &[("hpt", "maxpagesize"), ("smm", "tseg"), ("tcg", "tb-cache")];

/// The size child of feature `feature` (one of [`SIZED_FEATURES`]), read
/// as libvirt reads it: each feature words a bad number or unit its own
/// way.
fn feature_size(feature: &Element) -> Result<Option<FeatureSize>, XmlError> {
    let Some(&(_, child)) = SIZED_FEATURES.iter().find(|(f, _)| *f == feature.name) else {
        return Ok(None);
    };
    let Some(c) = feature.child(child) else {
        return Ok(None);
    };
    let text = c.text();
    let unit = c.attr("unit");
    if feature.name == "smm" && feature.attr("state") == Some("off") {
        // libvirt reads no TSEG size for SMM switched off: a size that
        // does not read is kept as written (see put_feature_size).
        return Ok(text.trim().parse().ok().map(|value| FeatureSize {
            value,
            unit: unit.map(str::to_string),
        }));
    }
    // libvirt reads an empty size as none (`virXPathString`).
    if text.is_empty() {
        return Ok(None);
    }
    let number = text.trim().parse::<u64>().ok();
    let size = |value| {
        Ok(Some(FeatureSize {
            value,
            unit: unit.map(str::to_string),
        }))
    };
    match feature.name.as_str() {
        // Whatever is wrong with it, libvirt words it so.
        "hpt" => match number.map(|n| crate::units::scale_to_bytes(n, unit, 1024, u64::MAX)) {
            Some(Ok(_)) => size(number.unwrap_or_default()),
            _ => Err(XmlError::Unsupported(
                "Unable to parse HPT maxpagesize setting".into(),
            )),
        },
        // In MiB without a unit, up to ULLONG_MAX bytes.
        "smm" => {
            let n = number.ok_or_else(|| XmlError::InvalidValue {
                value: text.clone(),
                xpath: "string(./features/smm/tseg)".into(),
            })?;
            crate::units::scale_to_bytes(n, unit, 1 << 20, u64::MAX)?;
            size(n)
        }
        // A memory size (virDomainParseMemory).
        _ => {
            let n = number.ok_or_else(|| XmlError::InvalidValue {
                value: text.clone(),
                xpath: "./tb-cache".into(),
            })?;
            crate::parse_memory(&n.to_string(), unit)?;
            size(n)
        }
    }
}

/// An SMM TSEG size in bytes as libvirt reads it (MiB without a unit),
/// `None` when it does not read.
pub(crate) fn tseg_bytes(tseg: &Element) -> Option<u64> {
    let n = tseg.text().trim().parse().ok()?;
    crate::units::scale_to_bytes(n, tseg.attr("unit"), 1 << 20, u64::MAX).ok()
}

/// A size in bytes as libvirt's `virFormatIntPretty` writes it: in the
/// largest unit up to PiB that divides it.
pub(crate) fn pretty_size(bytes: u64) -> (u64, &'static str) {
    if bytes == 0 || bytes % 1024 != 0 {
        return (bytes, "B");
    }
    let units = ["KiB", "MiB", "GiB", "TiB"];
    let mut scale = 1024u64;
    for unit in units {
        if bytes % (scale * 1024) != 0 {
            return (bytes / scale, unit);
        }
        scale *= 1024;
    }
    (bytes / scale, "PiB")
}

/// Write `size` as the size child of feature `el`.
fn put_feature_size(el: &mut Element, size: Option<&FeatureSize>) {
    let Some(&(_, child)) = SIZED_FEATURES.iter().find(|(f, _)| *f == el.name) else {
        return;
    };
    match size {
        Some(s) => with_child(el, child, |c| {
            String::write(c, "unit", s.unit.as_ref());
            u64::write(c, TEXT, Some(&s.value));
        }),
        // Only a child that reads as a size goes: one libvirt does not
        // read (under SMM switched off) stays as written.
        None => el.children.retain(|n| {
            !matches!(n, Node::Element(c) if c.name == child && c.text().trim().parse::<u64>().is_ok())
        }),
    }
}

/// `<features><capabilities>`: the process capabilities a container keeps
/// (`policy`: what it starts from; each child switches one on or off).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProcessCapabilities {
    /// `policy=`: default, allow, deny.
    pub policy: Option<String>,
    /// The capabilities named (`<sys_admin state='on'/>`): name and
    /// `state=on|off` (on when absent), in order.
    pub caps: Vec<(String, Option<String>)>,
}

/// The Linux capabilities libvirt 9.0 knows (`virDomainProcessCapsFeature`),
/// in its order.
pub(crate) const PROCESS_CAPS: &[&str] = &[
    "audit_control",
    "audit_write",
    "block_suspend",
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "ipc_lock",
    "ipc_owner",
    "kill",
    "lease",
    "linux_immutable",
    "mac_admin",
    "mac_override",
    "mknod",
    "net_admin",
    "net_bind_service",
    "net_broadcast",
    "net_raw",
    "setgid",
    "setfcap",
    "setpcap",
    "setuid",
    "sys_admin",
    "sys_boot",
    "sys_chroot",
    "sys_module",
    "sys_nice",
    "sys_pacct",
    "sys_ptrace",
    "sys_rawio",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "syslog",
    "wake_alarm",
];

impl ProcessCapabilities {
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let policy = choice(el, "policy", &["default", "allow", "deny"])?;
        let mut caps = Vec::new();
        for c in el.elements() {
            if !PROCESS_CAPS.contains(&c.name.as_str()) {
                return Err(XmlError::Unsupported(format!(
                    "unexpected capability feature '{}'",
                    c.name
                )));
            }
            caps.push((c.name.to_string(), choice(c, "state", &["on", "off"])?));
        }
        Ok(ProcessCapabilities { policy, caps })
    }

    fn write_to(&self, el: &mut Element) {
        put(el, "policy", self.policy.as_deref());
        let named: Vec<HypervFeature> = self
            .caps
            .iter()
            .map(|(name, state)| HypervFeature {
                name: name.clone(),
                state: state.clone(),
                ..HypervFeature::default()
            })
            .collect();
        sync_named(el, &named);
    }
}

/// Make `el`'s element children the features `list` names, in place: the
/// ones not listed go, listed ones are updated where they are or added at
/// the end.
fn sync_named(el: &mut Element, list: &[HypervFeature]) {
    el.children
        .retain(|n| matches!(n, Node::Element(c) if list.iter().any(|h| h.name == c.name)));
    for h in list {
        with_child(el, &h.name, |c| h.write_to(c));
    }
}

/// The features `<xen>` holds, read with libvirt's errors: a state on
/// each, and passthrough's mode.
fn xen_features(el: &Element) -> Result<Vec<HypervFeature>, XmlError> {
    let mut list = Vec::new();
    for x in el.elements() {
        if !matches!(x.name.as_str(), "e820_host" | "passthrough") {
            return Err(XmlError::Unsupported(format!(
                "unsupported Xen feature: {}",
                x.name
            )));
        }
        let state = required_state(x)?;
        // virDomainFeaturesXenDefParse reads passthrough's mode only
        // when it is on.
        let value = match x.name.as_str() {
            "passthrough" if state == "on" => {
                choice(x, "mode", &["sync_pt", "share_pt"])?.map(|m| ("mode".into(), m))
            }
            _ => None,
        };
        list.push(HypervFeature {
            name: x.name.to_string(),
            state: Some(state),
            value,
            ..HypervFeature::default()
        });
    }
    Ok(list)
}

/// `state=on|off` that must be there.
fn required_state(el: &Element) -> Result<String, XmlError> {
    choice(el, "state", &["on", "off"])?.ok_or_else(|| super::missing_attr(&el.name, "state"))
}

/// [`required_state`] without the copy.
fn required_state_of(el: &Element) -> Result<&str, XmlError> {
    check_choice(el, "state", &["on", "off"])?;
    el.attr("state")
        .ok_or_else(|| super::missing_attr(&el.name, "state"))
}

/// `choice`'s refusal of attribute `name` of `el`, without the copy of
/// its value.
fn check_choice(el: &Element, name: &str, allowed: &[&str]) -> Result<(), XmlError> {
    match el.attr(name) {
        Some(v) if !allowed.contains(&v) => choice(el, name, allowed).map(drop),
        _ => Ok(()),
    }
}

/// `<features><hyperv>` children: `<relaxed state='on'/>`, `<spinlocks state='on' retries='4096'/>`, ...
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HypervFeature {
    /// The element name.
    pub name: String,
    /// `state=on|off`.
    pub state: Option<String>,
    /// The second attribute some carry (`retries=`, `value=`), as (name, value).
    pub value: Option<Attr>,
    /// `<stimer><direct state=on|off>`: direct-mode synthetic timers.
    pub direct: Option<String>,
}

impl HypervFeature {
    /// Write the feature's attributes (and `<direct>`) into `el`.
    fn write_to(&self, el: &mut Element) {
        put(el, "state", self.state.as_deref());
        if let Some((k, v)) = &self.value {
            put(el, k, Some(v));
        }
        match &self.direct {
            Some(state) => with_child(el, "direct", |d| put(d, "state", Some(state))),
            // A `<direct/>` without a state (under a timer that is off,
            // where libvirt reads nothing) stays as written.
            None => remove_children_with(el, "direct", "state"),
        }
    }
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
    /// `<xen>`: `<e820_host>` and `<passthrough>` (`mode=` as its value),
    /// in order.
    pub xen: Option<Vec<HypervFeature>>,
    /// `<capabilities>` (containers).
    pub capabilities: Option<ProcessCapabilities>,
}

/// The Hyper-V enlightenments libvirt 9.0 knows (`virDomainHyperv`), in
/// its order: the parser refuses others, post-parse writes them in it.
pub(crate) const HYPERV_FEATURES: &[&str] = &[
    "relaxed",
    "vapic",
    "spinlocks",
    "vpindex",
    "runtime",
    "synic",
    "stimer",
    "reset",
    "vendor_id",
    "frequencies",
    "reenlightenment",
    "tlbflush",
    "ipi",
    "evmcs",
    "avic",
];

/// The KVM features libvirt 9.0 knows (`virDomainKVM`), in its order.
pub(crate) const KVM_FEATURES: &[&str] = &[
    "hidden",
    "hint-dedicated",
    "poll-control",
    "pv-ipi",
    "dirty-ring",
];

/// libvirt 9.0's features (`virDomainFeature`), in the order it writes
/// them; any other child of `<features>` is refused.
pub(crate) const DOMAIN_FEATURES: &[&str] = &[
    "acpi",
    "apic",
    "pae",
    "hap",
    "viridian",
    "privnet",
    "hyperv",
    "kvm",
    "pvspinlock",
    "capabilities",
    "pmu",
    "vmport",
    "gic",
    "smm",
    "ioapic",
    "hpt",
    "vmcoreinfo",
    "htm",
    "nested-hv",
    "msrs",
    "ccf-assist",
    "xen",
    "cfpc",
    "sbbc",
    "ibs",
    "tcg",
];

/// libvirt's `VIR_DOMAIN_HYPERV_VENDOR_ID_MAX`.
const HYPERV_VENDOR_ID_MAX: usize = 12;

/// `virXMLPropUInt` with VIR_XML_PROP_REQUIRED in base 0 (`0x` hex,
/// leading-zero octal, else decimal).
fn prop_uint(el: &Element, name: &str) -> Result<u32, XmlError> {
    let Some(v) = el.attr(name) else {
        return Err(XmlError::Invalid(format!(
            "Missing required attribute '{name}' in element '{}'",
            el.name
        )));
    };
    crate::validate::c_uint(v, 0).ok_or_else(|| XmlError::NotUnsigned {
        attr: name.into(),
        element: el.name.to_string(),
        value: v.into(),
    })
}

/// virDomainFeaturesDefParse: a feature libvirt 9.0 does not know (a
/// later one such as `async-teardown`, or a typo) is refused.
fn check_known(e: &Element) -> Result<(), XmlError> {
    if DOMAIN_FEATURES.contains(&e.name.as_str()) {
        Ok(())
    } else {
        Err(XmlError::Unsupported(format!(
            "unexpected feature '{}'",
            e.name
        )))
    }
}

/// virDomainFeaturesHyperVDefParse: what a switched-on spinlock count or
/// vendor id needs.
fn check_hyperv_value(h: &Element, on: bool) -> Result<(), XmlError> {
    match h.name.as_str() {
        "spinlocks" if on && prop_uint(h, "retries")? < 0xFFF => {
            return Err(XmlError::Invalid(
                "HyperV spinlock retry count must be at least 4095".into(),
            ));
        }
        "vendor_id" if on => {
            let Some(id) = h.attr("value") else {
                return Err(XmlError::Invalid(
                    "missing 'value' attribute for HyperV feature 'vendor_id'".into(),
                ));
            };
            if id.len() > HYPERV_VENDOR_ID_MAX {
                return Err(XmlError::Invalid(format!(
                    "HyperV vendor_id value must not be more than {HYPERV_VENDOR_ID_MAX} characters."
                )));
            }
            if id.contains(',') {
                return Err(XmlError::Invalid(
                    "HyperV vendor_id value is invalid".into(),
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// virDomainFeaturesDefParse: the values of the flag features that carry
/// one (enumerations; `msrs` requires its `unknown`).
fn check_flag_values(e: &Element) -> Result<(), XmlError> {
    let (attr, allowed): (&str, &[&str]) = match e.name.as_str() {
        "apic" => ("eoi", &["on", "off"]),
        "msrs" => ("unknown", &["ignore", "fault"]),
        "gic" => ("version", &["2", "3", "host"]),
        "ioapic" => ("driver", &["kvm", "qemu"]),
        "hpt" => ("resizing", &["enabled", "disabled", "required"]),
        "cfpc" | "sbbc" => ("value", &["broken", "workaround", "fixed"]),
        "ibs" => (
            "value",
            &["broken", "workaround", "fixed-ibs", "fixed-ccd", "fixed-na"],
        ),
        _ => return Ok(()),
    };
    if choice(e, attr, allowed)?.is_none() && e.name == "msrs" {
        return Err(XmlError::Invalid(format!(
            "Missing required attribute '{attr}' in element 'msrs'"
        )));
    }
    Ok(())
}

/// The flag features whose `state` libvirt 9.0 requires.
const REQUIRED_STATE_FEATURES: &[&str] = &["htm", "nested-hv", "ccf-assist"];

/// The flag features whose `state=on|off` libvirt 9.0 reads (and checks).
const TRISTATE_FEATURES: &[&str] = &[
    "vmcoreinfo",
    "smm",
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

/// `<hyperv>` as virDomainFeaturesHyperVDefParse reads it: its mode,
/// then each child a known enlightenment with a required on/off state,
/// the value a switched-on one needs, and a switched-on timer's children
/// each a `<direct>` with a required state.
fn check_hyperv(hyperv: &Element) -> Result<(), XmlError> {
    check_choice(hyperv, "mode", &["custom", "passthrough"])?;
    for h in hyperv.elements() {
        if !HYPERV_FEATURES.contains(&h.name.as_str()) {
            return Err(XmlError::Unsupported(format!(
                "unsupported HyperV Enlightenment feature: {}",
                h.name
            )));
        }
        let on = required_state_of(h)? == "on";
        check_hyperv_value(h, on)?;
        // libvirt reads a timer's children only when it is on.
        if !on || h.name != "stimer" {
            continue;
        }
        for d in h.elements() {
            if d.name != "direct" {
                return Err(XmlError::Unsupported(format!(
                    "unsupported Hyper-V stimer feature: {}",
                    d.name
                )));
            }
            required_state_of(d)?;
        }
    }
    Ok(())
}

/// `<kvm>`'s children as virDomainFeaturesKVMDefParse reads them: each a
/// known feature with a required on/off state, a dirty ring that is on
/// with a power-of-two size in [1024, 65536].
fn check_kvm(kvm: &Element) -> Result<(), XmlError> {
    for k in kvm.elements() {
        if !KVM_FEATURES.contains(&k.name.as_str()) {
            return Err(XmlError::Unsupported(format!(
                "unsupported KVM feature: {}",
                k.name
            )));
        }
        let on = required_state_of(k)? == "on";
        if k.name == "dirty-ring" && on {
            let size = prop_uint(k, "size")?;
            if !size.is_power_of_two() || !(1024..=65536).contains(&size) {
                return Err(XmlError::Invalid(
                    "dirty ring must be power of 2 and ranges [1024, 65536]".into(),
                ));
            }
        }
    }
    Ok(())
}

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
            check_known(e)?;
            match e.name.as_str() {
                "hyperv" => {
                    // Each child named and switched, its value, a timer's
                    // children: read below without refusals.
                    check_hyperv(e)?;
                    let list = e
                        .elements()
                        .map(|h| HypervFeature {
                            name: h.name.to_string(),
                            state: attr(h, "state"),
                            value: h.attrs.iter().find(|(k, _)| k != "state").cloned(),
                            // What the last `<direct>` says (libvirt reads
                            // a timer's children only when it is on, and
                            // each is then a `<direct>`).
                            direct: h
                                .elements()
                                .filter(|d| h.name == "stimer" && d.name == "direct")
                                .last()
                                .and_then(|d| attr(d, "state")),
                        })
                        .collect();
                    f.hyperv = Some((attr(e, "mode"), list));
                }
                "kvm" => {
                    // Each child named, switched, and a dirty ring's size.
                    check_kvm(e)?;
                    f.kvm_hidden = match e.child("hidden") {
                        Some(h) => choice(h, "state", &["on", "off"])?,
                        None => None,
                    };
                    for k in e.elements().filter(|k| k.name != "hidden") {
                        f.kvm.push(HypervFeature {
                            name: k.name.to_string(),
                            state: choice(k, "state", &["on", "off"])?,
                            value: k.attrs.iter().find(|(n, _)| n != "state").cloned(),
                            direct: None,
                        });
                    }
                }
                "xen" => f.xen = Some(xen_features(e)?),
                "capabilities" => f.capabilities = Some(ProcessCapabilities::from_element(e)?),
                _ if e.children.is_empty() || SIZED_FEATURES.iter().any(|(n, _)| *n == e.name) => {
                    // libvirt reads `state` only of the features that
                    // can be switched off; the others ignore it.
                    let state = if REQUIRED_STATE_FEATURES.contains(&e.name.as_str()) {
                        Some(required_state(e)?)
                    } else if TRISTATE_FEATURES.contains(&e.name.as_str()) {
                        choice(e, "state", &["on", "off"])?
                    } else {
                        attr(e, "state")
                    };
                    check_flag_values(e)?;
                    f.flags.push(FeatureFlag {
                        name: e.name.to_string(),
                        state,
                        value: e.attrs.iter().find(|(k, _)| k != "state").cloned(),
                        size: feature_size(e)?,
                    })
                }
                _ => {}
            }
        }
        Ok(f)
    }

    /// [`Features::from_elements`]'s refusals, in its order, without
    /// building the view: every define with `<features>` checks them, and
    /// the view's copies of names, states and values were made only to be
    /// dropped (a test holds the two to the same verdicts).
    pub(crate) fn check(els: &[Element]) -> Result<(), XmlError> {
        for e in els {
            check_known(e)?;
            match e.name.as_str() {
                "hyperv" => check_hyperv(e)?,
                "kvm" => {
                    // (The hidden state and the others' are the states
                    // checked here: reading them again refuses nothing.)
                    check_kvm(e)?;
                }
                "xen" => {
                    for x in e.elements() {
                        if !matches!(x.name.as_str(), "e820_host" | "passthrough") {
                            return Err(XmlError::Unsupported(format!(
                                "unsupported Xen feature: {}",
                                x.name
                            )));
                        }
                        let on = required_state_of(x)? == "on";
                        if x.name == "passthrough" && on {
                            check_choice(x, "mode", &["sync_pt", "share_pt"])?;
                        }
                    }
                }
                "capabilities" => {
                    check_choice(e, "policy", &["default", "allow", "deny"])?;
                    for c in e.elements() {
                        if !PROCESS_CAPS.contains(&c.name.as_str()) {
                            return Err(XmlError::Unsupported(format!(
                                "unexpected capability feature '{}'",
                                c.name
                            )));
                        }
                        check_choice(c, "state", &["on", "off"])?;
                    }
                }
                _ if e.children.is_empty() || SIZED_FEATURES.iter().any(|(n, _)| *n == e.name) => {
                    if REQUIRED_STATE_FEATURES.contains(&e.name.as_str()) {
                        required_state_of(e)?;
                    } else if TRISTATE_FEATURES.contains(&e.name.as_str()) {
                        check_choice(e, "state", &["on", "off"])?;
                    }
                    check_flag_values(e)?;
                    feature_size(e)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Write the features into `<features>`' children, in place: flags not
    /// listed go, new ones are added at the end.
    pub fn write_to(&self, els: &mut Vec<Element>) {
        let sized = |e: &Element| SIZED_FEATURES.iter().any(|(n, _)| *n == e.name);
        els.retain(|e| {
            (!e.children.is_empty() && !sized(e))
                || matches!(e.name.as_str(), "hyperv" | "kvm" | "xen" | "capabilities")
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
                put_feature_size(e, flag.size.as_ref());
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
                    sync_named(e, list);
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
                with_child(e, &k.name, |c| k.write_to(c));
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
        write_part(els, "xen", self.xen.as_ref(), |list, e| sync_named(e, list));
        write_part(els, "capabilities", self.capabilities.as_ref(), |c, e| {
            c.write_to(e)
        });
    }
}

/// Write `part` into the feature called `name` (added at the end when
/// missing), or remove that feature for `None`.
fn write_part<T>(
    els: &mut Vec<Element>,
    name: &str,
    part: Option<&T>,
    write: impl Fn(&T, &mut Element),
) {
    match part {
        Some(p) => match els.iter_mut().find(|e| e.name == name) {
            Some(e) => write(p, e),
            None => {
                let mut e = Element::new(name);
                write(p, &mut e);
                els.push(e);
            }
        },
        None => els.retain(|e| e.name != name),
    }
}

#[cfg(test)]
mod tests {
    use super::Features;
    use crate::model::Element;

    /// `Features::check` refuses what `Features::from_elements` refuses,
    /// with the same text, first refusal first, and passes the rest.
    #[test]
    fn check_gives_the_views_verdicts() -> Result<(), crate::XmlError> {
        let cases = [
            "<acpi/><apic eoi='on'/><pae/>",
            "<acpi/><bogus/>",
            "<async-teardown enabled='yes'/><apic eoi='maybe'/>",
            "<apic eoi='maybe'/>",
            "<msrs/>",
            "<msrs unknown='ignore'/><gic version='4'/>",
            "<pmu state='x'/>",
            "<htm/>",
            "<vmcoreinfo state='whatever'/>",
            "<ioapic driver='kvm'/><hpt resizing='no'/>",
            "<ibs value='fixed-na'/><cfpc value='x'/>",
            "<hpt><maxpagesize unit='q'>1</maxpagesize></hpt>",
            "<smm state='on'><tseg unit='MiB'>x</tseg></smm>",
            "<smm state='off'><tseg unit='MiB'>x</tseg></smm>",
            "<tcg><tb-cache unit='KiB'>x</tb-cache></tcg>",
            "<hyperv mode='custom'><relaxed state='on'/><spinlocks state='on' retries='4095'/></hyperv>",
            "<hyperv mode='nope'/>",
            "<hyperv><relaxed/></hyperv>",
            "<hyperv><bogus state='on'/></hyperv>",
            "<hyperv><spinlocks state='on' retries='12'/></hyperv>",
            "<hyperv><vendor_id state='on' value='a,b'/></hyperv>",
            "<hyperv><stimer state='on'><direct/></stimer></hyperv>",
            "<hyperv><stimer state='on'><other state='on'/></stimer></hyperv>",
            "<hyperv><stimer state='off'><other/><direct state='x'/></stimer></hyperv>",
            "<kvm><hidden state='on'/><dirty-ring state='on' size='4096'/></kvm>",
            "<kvm><hidden state='q'/></kvm>",
            "<kvm><dirty-ring state='on' size='1000'/></kvm>",
            "<kvm><dirty-ring state='on'/></kvm>",
            "<kvm><poll/></kvm>",
            "<xen><e820_host state='on'/><passthrough state='on' mode='sync_pt'/></xen>",
            "<xen><passthrough state='on' mode='x'/></xen>",
            "<xen><passthrough state='off' mode='x'/></xen>",
            "<xen><passthrough/></xen>",
            "<xen><other state='on'/></xen>",
            "<capabilities policy='allow'><sys_admin state='on'/></capabilities>",
            "<capabilities policy='q'/>",
            "<capabilities><bogus/></capabilities>",
            "<capabilities><chown state='maybe'/></capabilities>",
            "<apic eoi='x'/><hyperv><bogus/></hyperv>",
            "<hyperv><bogus/></hyperv><apic eoi='x'/>",
        ];
        let mut refused = 0;
        for case in cases {
            let features = crate::reader::parse_element(&format!("<features>{case}</features>"))?;
            let els: Vec<Element> = features.elements().cloned().collect();
            let view = Features::from_elements(&els)
                .map(drop)
                .map_err(|e| e.to_string());
            refused += usize::from(view.is_err());
            let check = Features::check(&els).map_err(|e| e.to_string());
            assert_eq!(check, view, "{case}");
        }
        assert!(refused > 20, "{refused}");
        // virDomainFeaturesXenDefParse: passthrough's mode is read only
        // when it is on (virsh 9.0 takes this one).
        let off = crate::reader::parse_element(
            "<features><xen><passthrough state='off' mode='x'/></xen></features>",
        )?;
        let els: Vec<Element> = off.elements().cloned().collect();
        assert_eq!(Features::check(&els).map_err(|e| e.to_string()), Ok(()));
        Ok(())
    }

    /// virDomainFeaturesDefParse reads `vmcoreinfo` and `smm` states as
    /// on/off (virXMLPropTristateSwitch), SMM's before its TSEG size.
    #[test]
    fn vmcoreinfo_and_smm_states_are_on_or_off() {
        for (features, refusal) in [
            (
                "<vmcoreinfo state='-1'/>",
                Some(
                    "XML error: Invalid value for attribute 'state' in element 'vmcoreinfo': '-1'.",
                ),
            ),
            (
                "<smm state='-1'><tseg>x</tseg></smm>",
                Some("XML error: Invalid value for attribute 'state' in element 'smm': '-1'."),
            ),
            (
                "<smm state='on'><tseg unit='MiB'>48</tseg></smm><vmcoreinfo state='off'/>",
                None,
            ),
        ] {
            let xml = format!(
                "<domain type='test'><name>f</name><memory>65536</memory><os><type>hvm</type></os>\
                 <features>{features}</features></domain>"
            );
            let got = crate::parse_domain(&xml).err().map(|e| e.to_string());
            assert_eq!(got.as_deref(), refusal, "{features}");
        }
    }
}
