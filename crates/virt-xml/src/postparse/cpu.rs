//! The guest `<cpu>` as libvirt writes back what it read
//! (virCPUDefParseXML, virCPUDefFormatBufFull): libvirt keeps only what
//! it reads and writes it in its own order, whatever the document's.

use super::*;
use crate::model::Attr;
use crate::validate::c_uint;

/// A guest `<cpu>` as libvirt writes what it read: its attributes only
/// when it names a model or a mode other than custom (mode, match for
/// custom, exact by default, check unless default, migratable for
/// host-passthrough and maximum); then, from the first of each child,
/// the model (with its fallback, allow by default, and vendor id, for
/// custom and host-model CPUs), the vendor, the topology (1 die by
/// default), the cache, the physical address bits, every feature with
/// its policy (require by default) and the NUMA cells. Empty values read
/// as none (`string(./model[1])`). An element with nothing left is not
/// written (`<cpu mode='custom'/>`).
pub(super) fn guest_cpu(cpu: &mut Element) {
    let mode = cpu.attr("mode").unwrap_or("custom").to_string();
    // Not read for these modes: libvirt takes the host's CPU as it is.
    let passthrough = matches!(mode.as_str(), "host-passthrough" | "maximum");
    // Written for these only.
    let format_model = matches!(mode.as_str(), "custom" | "host-model");
    let model_el = cpu.child("model");
    let model = model_el
        .map(crate::validate::string_value)
        .filter(|m| !m.is_empty());
    let model_attr = |name: &str| {
        model_el
            .and_then(|m| m.attr(name))
            .filter(|v| !v.is_empty() && !passthrough)
            .map(str::to_string)
    };
    let vendor_id = model_attr("vendor_id");
    let fallback = model_attr("fallback").unwrap_or_else(|| "allow".into());

    let mut attrs: Vec<Attr> = Vec::new();
    if mode != "custom" || model.is_some() {
        attrs.push(("mode".into(), mode.clone()));
        if mode == "custom" {
            let m = cpu.attr("match").unwrap_or("exact");
            attrs.push(("match".into(), m.to_string()));
        }
        if let Some(check) = cpu.attr("check").filter(|c| *c != "default") {
            attrs.push(("check".into(), check.to_string()));
        }
        if passthrough {
            if let Some(m) = cpu.attr("migratable") {
                attrs.push(("migratable".into(), m.to_string()));
            }
        }
    }

    let mut children: Vec<Element> = Vec::new();
    if format_model && (model.is_some() || vendor_id.is_some()) {
        let mut m = Element::new("model");
        if model.is_some() {
            m = m.with_attr("fallback", fallback);
        }
        if let Some(id) = vendor_id {
            m = m.with_attr("vendor_id", id);
        }
        if let Some(name) = &model {
            m = m.with_text(name.as_str());
        }
        children.push(m);
    }
    let vendor = cpu
        .child("vendor")
        .map(crate::validate::string_value)
        .filter(|v| !v.is_empty());
    if let Some(v) = vendor.filter(|_| format_model) {
        children.push(Element::new("vendor").with_text(v));
    }
    if let Some(t) = cpu.child("topology") {
        let number = |a: &str| t.attr(a).and_then(|v| c_uint(v, 10));
        if let (Some(s), Some(c), Some(th)) =
            (number("sockets"), number("cores"), number("threads"))
        {
            let dies = number("dies").unwrap_or(1);
            children.push(
                Element::new("topology")
                    .with_attr("sockets", s.to_string())
                    .with_attr("dies", dies.to_string())
                    .with_attr("cores", c.to_string())
                    .with_attr("threads", th.to_string()),
            );
        }
    }
    if let Some(c) = cpu.child("cache") {
        let mut out = Element::new("cache");
        if let Some(level) = c.attr("level").and_then(|v| c_uint(v, 10)) {
            out = out.with_attr("level", level.to_string());
        }
        out = out.with_attr("mode", c.attr("mode").unwrap_or_default());
        children.push(out);
    }
    if let Some(m) = cpu.child("maxphysaddr") {
        let mut out =
            Element::new("maxphysaddr").with_attr("mode", m.attr("mode").unwrap_or_default());
        if let Some(bits) = m.attr("bits").and_then(|v| c_uint(v, 10)) {
            out = out.with_attr("bits", bits.to_string());
        }
        children.push(out);
    }
    for f in cpu.children_named("feature") {
        children.push(
            Element::new("feature")
                .with_attr("policy", f.attr("policy").unwrap_or("require"))
                .with_attr("name", f.attr("name").unwrap_or_default()),
        );
    }
    // The cells (virDomainNumaDefFormatXML) as they stand.
    if let Some(numa) = cpu.child("numa") {
        children.push(numa.clone());
    }
    cpu.attrs = attrs;
    cpu.children = children.into_iter().map(Node::Element).collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(xml: &str) -> String {
        let mut cpu = crate::reader::parse_element(xml).unwrap();
        guest_cpu(&mut cpu);
        cpu.to_xml(0)
    }

    #[test]
    fn children_in_libvirts_order() {
        let xml = "<cpu mode='host-model'><feature policy='force' name='a'/>\
                   <maxphysaddr mode='passthrough' bits='24'/><cache level='3' mode='emulate'/>\
                   <topology sockets='1' cores='2' threads='1'/><model/></cpu>";
        assert_eq!(
            written(xml),
            "<cpu mode='host-model'>\n  <topology sockets='1' dies='1' cores='2' threads='1'/>\n  \
             <cache level='3' mode='emulate'/>\n  <maxphysaddr mode='passthrough' bits='24'/>\n  \
             <feature policy='force' name='a'/>\n</cpu>\n"
        );
    }

    #[test]
    fn model_written_for_custom_and_host_model_only() {
        assert_eq!(
            written("<cpu><model>m</model><vendor>v</vendor></cpu>"),
            "<cpu mode='custom' match='exact'>\n  <model fallback='allow'>m</model>\n  \
             <vendor>v</vendor>\n</cpu>\n"
        );
        assert_eq!(
            written("<cpu mode='host-passthrough'><model vendor_id='GenuineIntel'>m</model><feature name='f'/></cpu>"),
            "<cpu mode='host-passthrough'>\n  <feature policy='require' name='f'/>\n</cpu>\n"
        );
        // A vendor id without a model name: no fallback.
        assert_eq!(
            written(
                "<cpu mode='host-model'><model fallback='forbid' vendor_id='GenuineIntel'/></cpu>"
            ),
            "<cpu mode='host-model'>\n  <model vendor_id='GenuineIntel'/>\n</cpu>\n"
        );
        assert_eq!(
            written("<cpu mode='host-model'><model fallback='forbid'/></cpu>"),
            "<cpu mode='host-model'/>\n"
        );
    }
}
