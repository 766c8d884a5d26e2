//! `<features>` as libvirt writes them back: in its order, each with its
//! state.

use super::*;

/// libvirt's features (`virDomainFeature`), in the order it writes them.
pub(super) use crate::views::DOMAIN_FEATURES as FEATURES;

/// `<features>` as libvirt writes what it read (virDomainFeaturesDefParse,
/// virDomainDefFormatFeatures): each feature once (the last one given
/// counts), in libvirt's order; the on/off ones with their state (on when
/// absent), the value ones only with a value; `None` when something is
/// not read here (it is then left as given).
pub(super) fn features_as_written(given: &[Element]) -> Option<Vec<Element>> {
    // The usual features (`<acpi/><apic/><pae/>`): bare flags libvirt
    // writes bare, given in its order and each once, are already as it
    // writes them, and left so.
    let bare = |f: &Element| {
        f.attrs.is_empty()
            && f.children.is_empty()
            && matches!(
                f.name.as_str(),
                "acpi" | "apic" | "pae" | "viridian" | "privnet"
            )
    };
    let mut last = None;
    if given.iter().all(|f| {
        let at = FEATURES.iter().position(|n| *n == f.name);
        let in_order = bare(f) && at > last;
        last = at;
        in_order
    }) {
        return None;
    }
    // (place in libvirt's order, element); a guest names a few features
    // of the many known, so only those are kept, sorted at the end.
    let mut slots: Vec<(usize, Option<Element>)> = Vec::with_capacity(given.len() + 1);
    let mut hyperv: Vec<(usize, Option<Element>)> = Vec::new();
    let mut hyperv_mode: Option<String> = None;
    for f in given {
        let at = FEATURES.iter().position(|n| *n == f.name)?;
        let name = f.name.as_str();
        let written = match name {
            "acpi" | "pae" | "viridian" | "privnet" => Some(Element::new(name)),
            "apic" => Some(match f.attr("eoi") {
                Some(eoi) => Element::new(name).with_attr("eoi", eoi),
                None => Element::new(name),
            }),
            "msrs" => Some(Element::new(name).with_attr("unknown", f.attr("unknown")?)),
            "vmcoreinfo" | "hap" | "pmu" | "pvspinlock" | "vmport" => {
                Some(Element::new(name).with_attr("state", f.attr("state").unwrap_or("on")))
            }
            "htm" | "nested-hv" | "ccf-assist" => {
                Some(Element::new(name).with_attr("state", f.attr("state")?))
            }
            "smm" if f.elements().all(|c| c.name == "tseg") => {
                let state = f.attr("state").unwrap_or("on");
                let mut smm = Element::new(name).with_attr("state", state);
                // The TSEG size is read only with SMM on, and written in
                // the largest unit that divides it.
                match f.child("tseg") {
                    Some(t) if state == "on" && !t.text().is_empty() => {
                        let (n, unit) = crate::views::pretty_size(crate::views::tseg_bytes(t)?);
                        let tseg = Element::new("tseg")
                            .with_attr("unit", unit)
                            .with_text(n.to_string());
                        smm = smm.with_child(tseg);
                    }
                    _ => {}
                }
                Some(smm)
            }
            "gic" => Some(match f.attr("version") {
                Some(v) => Element::new(name).with_attr("version", v),
                None => Element::new(name),
            }),
            "ioapic" | "cfpc" | "sbbc" | "ibs" => {
                let attr = if name == "ioapic" { "driver" } else { "value" };
                f.attr(attr).map(|v| Element::new(name).with_attr(attr, v))
            }
            "hpt" => {
                let mut hpt = Element::new(name);
                if let Some(r) = f.attr("resizing") {
                    hpt = hpt.with_attr("resizing", r);
                }
                if let Some(m) = f.child("maxpagesize").filter(|m| !m.text().is_empty()) {
                    // Up to ULLONG_MAX bytes, in KiB rounded up as
                    // libvirt's VIR_DIV_UP does: its `+ 1023` wraps
                    // within 1023 bytes of ULLONG_MAX, which gives no
                    // size (and no `<hpt>` without `resizing`).
                    let n = m.text().trim().parse().ok()?;
                    let bytes =
                        crate::units::scale_to_bytes(n, m.attr("unit"), 1024, u64::MAX).ok()?;
                    let kib = bytes.wrapping_add(1023) / 1024;
                    if kib > 0 {
                        let size = Element::new("maxpagesize")
                            .with_attr("unit", "KiB")
                            .with_text(kib.to_string());
                        hpt = hpt.with_child(size);
                    }
                }
                (!hpt.attrs.is_empty() || !hpt.children.is_empty()).then_some(hpt)
            }
            "hyperv" => {
                hyperv_mode = Some(f.attr("mode").unwrap_or("custom").to_string());
                for e in f.elements() {
                    let at = crate::views::HYPERV_FEATURES
                        .iter()
                        .position(|n| *n == e.name)?;
                    let state = e.attr("state")?;
                    let mut out = Element::new(e.name.as_str()).with_attr("state", state);
                    if state == "on" {
                        match e.name.as_str() {
                            "spinlocks" => {
                                // virXMLPropUInt in base 0: hex and octal too.
                                let retries = crate::validate::c_uint(e.attr("retries")?, 0)?;
                                out = out.with_attr("retries", retries.to_string());
                            }
                            "vendor_id" => out = out.with_attr("value", e.attr("value")?),
                            "stimer" => {
                                let direct = e.elements().filter(|d| d.name == "direct").last();
                                if direct.and_then(|d| d.attr("state")) == Some("on") {
                                    out = out.with_child(
                                        Element::new("direct").with_attr("state", "on"),
                                    );
                                }
                            }
                            _ => {}
                        }
                    }
                    put(&mut hyperv, at, Some(out));
                }
                None
            }
            "tcg" => {
                // virParseScaledValue reads an empty size as none given
                // (virXPathString gives no string for ""), so an empty
                // <tb-cache> makes no <tcg>, as an absent one does.
                let kib = match f.child("tb-cache").map(|c| (c.text(), c)) {
                    Some((text, c)) if !text.is_empty() => {
                        crate::parse_memory(&text, c.attr("unit")).ok()?
                    }
                    _ => 0,
                };
                (kib > 0).then(|| {
                    let cache = Element::new("tb-cache")
                        .with_attr("unit", "KiB")
                        .with_text(kib.to_string());
                    Element::new(name).with_child(cache)
                })
            }
            "capabilities" => {
                let mut caps: Vec<Option<&str>> = vec![None; crate::views::PROCESS_CAPS.len()];
                for c in f.elements() {
                    let at = crate::views::PROCESS_CAPS
                        .iter()
                        .position(|n| *n == c.name)?;
                    caps[at] = Some(c.attr("state").unwrap_or("on"));
                }
                let policy = f.attr("policy").unwrap_or("default");
                // The default policy is the feature's "absent" value:
                // virDomainDefFormatFeatures writes it only with a
                // capability named (steered seed 1's gen2762).
                let named = caps.iter().any(Option::is_some);
                let mut out = Element::new(name).with_attr("policy", policy);
                for (cap, state) in crate::views::PROCESS_CAPS.iter().zip(caps) {
                    if let Some(state) = state {
                        out = out.with_child(Element::new(*cap).with_attr("state", state));
                    }
                }
                (policy != "default" || named).then_some(out)
            }
            "kvm" => {
                // Each known child once (the last counts) in libvirt's
                // order; a dirty ring's size only when it is on.
                let mut kids: [Option<Element>; 5] = Default::default();
                for k in f.elements() {
                    let at = crate::views::KVM_FEATURES
                        .iter()
                        .position(|n| *n == k.name)?;
                    let state = k.attr("state")?;
                    let mut out = Element::new(k.name.as_str()).with_attr("state", state);
                    if k.name == "dirty-ring" && state == "on" {
                        // virXMLPropUInt in base 0.
                        let size = crate::validate::c_uint(k.attr("size")?, 0)?;
                        out = out.with_attr("size", size.to_string());
                    }
                    kids[at] = Some(out);
                }
                let mut out = Element::new(name);
                out.children = kids.into_iter().flatten().map(Node::Element).collect();
                if out.children.is_empty() {
                    // Written over two lines, as an empty <xen>.
                    out.children = vec![Node::Text("\n    ".into())];
                }
                Some(out)
            }
            "xen" => {
                // libvirt writes an empty <xen> over two lines (its end
                // tag at the indent of a feature of a domain document).
                if f.elements().next().is_none() {
                    let mut out = Element::new(name);
                    out.children = vec![Node::Text("\n    ".into())];
                    put(&mut slots, at, Some(out));
                    continue;
                }
                let mut slots: [Option<Element>; 2] = [None, None];
                for x in f.elements() {
                    let state = x.attr("state")?;
                    let mut out = Element::new(x.name.as_str()).with_attr("state", state);
                    let at = match x.name.as_str() {
                        "e820_host" => 0,
                        "passthrough" => {
                            if let Some(mode) = x.attr("mode").filter(|_| state == "on") {
                                out = out.with_attr("mode", mode);
                            }
                            1
                        }
                        _ => return None,
                    };
                    slots[at] = Some(out);
                }
                let mut out = Element::new(name);
                for x in slots.into_iter().flatten() {
                    out = out.with_child(x);
                }
                Some(out)
            }
            // Read with options this model keeps as given.
            _ => Some(f.clone()),
        };
        put(&mut slots, at, written);
    }
    if let Some(mode) = hyperv_mode {
        let mut h = Element::new("hyperv").with_attr("mode", mode);
        hyperv.sort_unstable_by_key(|(at, _)| *at);
        for e in hyperv.into_iter().filter_map(|(_, e)| e) {
            h = h.with_child(e);
        }
        if h.children.is_empty() {
            // Written over two lines, as an empty <kvm>.
            h.children = vec![Node::Text("\n    ".into())];
        }
        put(
            &mut slots,
            FEATURES.iter().position(|n| *n == "hyperv")?,
            Some(h),
        );
    }
    slots.sort_unstable_by_key(|(at, _)| *at);
    Some(slots.into_iter().filter_map(|(_, e)| e).collect())
}

/// Set the element at place `at` (a later one replaces an earlier one, as
/// libvirt keeps the last of a feature given twice).
pub(super) fn put(slots: &mut Vec<(usize, Option<Element>)>, at: usize, e: Option<Element>) {
    match slots.iter_mut().find(|(i, _)| *i == at) {
        Some(slot) => slot.1 = e,
        None => slots.push((at, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(els: &[Element]) -> Vec<&str> {
        els.iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn bare_flags_in_libvirts_order_are_left_and_others_rewritten() {
        let bare = |n: &str| Element::new(n);
        assert_eq!(
            features_as_written(&[bare("acpi"), bare("apic"), bare("pae")]),
            None
        );
        assert_eq!(features_as_written(&[]), None);
        // Out of order, twice, or with a state or value: rewritten.
        let out = features_as_written(&[bare("pae"), bare("acpi")]).expect("read");
        assert_eq!(names(&out), ["acpi", "pae"]);
        let out = features_as_written(&[bare("acpi"), bare("acpi")]).expect("read");
        assert_eq!(names(&out), ["acpi"]);
        let out = features_as_written(&[bare("acpi"), bare("pmu")]).expect("read");
        assert_eq!(out[1], bare("pmu").with_attr("state", "on"));
        let out = features_as_written(&[bare("acpi").with_child(bare("x"))]).expect("read");
        assert_eq!(out, [bare("acpi")]);
    }

    /// A container's `<capabilities>` of the default policy (libvirt's
    /// "absent" value) is written only with a capability named.
    #[test]
    fn default_capabilities_policy_only_with_a_capability() {
        let caps = Element::new("capabilities").with_attr("policy", "default");
        let out = features_as_written(&[Element::new("acpi"), caps.clone()]).expect("read");
        assert_eq!(names(&out), ["acpi"]);
        let out = features_as_written(&[Element::new("capabilities")]).expect("read");
        assert!(out.is_empty());
        let chown = caps.with_child(Element::new("chown").with_attr("state", "off"));
        let out = features_as_written(&[chown]).expect("read");
        assert_eq!(out[0].attr("policy"), Some("default"));
        assert_eq!(out[0].children.len(), 1);
    }

    /// An empty `<tb-cache>` is no size (virParseScaledValue), so
    /// `<tcg>` is dropped and the other features still rewritten: the
    /// empty `<kvm>` over two lines, `<pvspinlock>` with its state.
    #[test]
    fn empty_tb_cache_drops_tcg() {
        let tcg = Element::new("tcg").with_child(Element::new("tb-cache").with_attr("unit", "Pb"));
        let out = features_as_written(&[Element::new("kvm"), Element::new("pvspinlock"), tcg])
            .expect("read");
        assert_eq!(names(&out), ["kvm", "pvspinlock"]);
        assert_eq!(out[0].children, [Node::Text("\n    ".into())]);
        assert_eq!(out[1].attr("state"), Some("on"));
    }

    /// `<hpt><maxpagesize>` in KiB rounded up as VIR_DIV_UP does, wrapping
    /// to no size within 1023 bytes of ULLONG_MAX (as virsh 9.0 dumps it).
    #[test]
    fn hpt_page_size_rounded_as_libvirt_does() {
        let hpt = |size: &str, unit: &str| {
            let size = Element::new("maxpagesize")
                .with_attr("unit", unit)
                .with_text(size);
            features_as_written(&[Element::new("hpt").with_child(size)]).expect("read")
        };
        let out = hpt("1025", "b");
        assert_eq!(
            out[0].child("maxpagesize").map(|m| m.text()).as_deref(),
            Some("2")
        );
        assert!(hpt("18446744073709551615", "BytE").is_empty());
        assert!(hpt("18446744073709550593", "b").is_empty());
        let out = hpt("18446744073709550592", "b");
        assert_eq!(
            out[0].child("maxpagesize").map(|m| m.text()).as_deref(),
            Some("18014398509481983")
        );
    }

    /// A spinlock count and a dirty ring size are read in base 0 and
    /// written in decimal (virsh 9.0: retries='0x1000' and '010000' both
    /// dump as 4096).
    #[test]
    fn hex_and_octal_counts_written_in_decimal() {
        let spinlocks = |retries: &str| {
            let s = Element::new("spinlocks")
                .with_attr("state", "on")
                .with_attr("retries", retries);
            let out = features_as_written(&[Element::new("hyperv").with_child(s)]).expect("read");
            out[0]
                .child("spinlocks")
                .and_then(|s| s.attr("retries"))
                .map(str::to_string)
        };
        assert_eq!(spinlocks("0x1000").as_deref(), Some("4096"));
        assert_eq!(spinlocks("010000").as_deref(), Some("4096"));
        let ring = Element::new("dirty-ring")
            .with_attr("state", "on")
            .with_attr("size", "0X400");
        let out = features_as_written(&[Element::new("kvm").with_child(ring)]).expect("read");
        assert_eq!(
            out[0].child("dirty-ring").and_then(|r| r.attr("size")),
            Some("1024")
        );
    }
}
