//! `<cputune>` as libvirt writes back what it read
//! (virDomainDefTunablesParse, virDomainCputuneDefFormat): libvirt reads
//! `./cputune/...` through every copy of the element into one structure
//! and writes that once, in its own order.

use super::*;
use crate::validate::{
    bitmap, c_uint, format_bitmap, read_resctrls, resctrl_elements, string_value, CPUMASK_LEN,
};

/// The scheduler values in libvirt's order, and whether each is signed
/// (`virXPathLongLong`) or not (`virXPathULongLong`).
const VALUES: [(&str, bool); 9] = [
    ("shares", false),
    ("period", false),
    ("quota", true),
    ("global_period", false),
    ("global_quota", true),
    ("emulator_period", false),
    ("emulator_quota", true),
    ("iothread_period", false),
    ("iothread_quota", true),
];

/// `<cputune>` as libvirt writes what it read: the scheduler values that
/// are set (shares when given, the others when not 0), the pins of the
/// vCPUs the domain has in vCPU order, the emulator pin, the I/O thread
/// pins in I/O thread order, the emulator scheduler, one vCPU scheduler
/// per vCPU and one I/O thread scheduler per thread, then the
/// resource control groups (`validate::read_resctrls`). Sets in
/// libvirt's form. Left as given when a value does not read (the
/// definition was refused then).
pub(super) fn cputune(def: &mut DomainDef) {
    let Some(tune) = merged(def, "cputune") else {
        return;
    };
    let Some(out) = written(def, &tune) else {
        return;
    };
    write_once(def, out);
}

/// The element libvirt writes for the merged `<cputune>` `tune`.
fn written(def: &DomainDef, tune: &Element) -> Option<Element> {
    let vcpus = u64::from(def.vcpu.max);
    let mut out = Element::new("cputune");
    for (name, signed) in VALUES {
        let Some(text) = tune.child(name).map(string_value) else {
            continue;
        };
        if text.is_empty() {
            continue;
        }
        let text = text.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
        let value = match signed {
            true => text.parse::<i64>().ok()?.to_string(),
            false if text.starts_with('-') => return None,
            false => text.parse::<u64>().ok()?.to_string(),
        };
        if name == "shares" || value != "0" {
            out = out.with_child(Element::new(name).with_text(value));
        }
    }
    let set = |e: &Element, attr: &str| e.attr(attr).and_then(|v| bitmap(v, CPUMASK_LEN));
    let mut pins: Vec<(u64, String)> = Vec::new();
    for pin in tune.children_named("vcpupin") {
        let vcpu = u64::from(c_uint(pin.attr("vcpu")?, 10)?);
        if vcpu < vcpus {
            pins.push((vcpu, format_bitmap(&set(pin, "cpuset")?)));
        }
    }
    pins.sort();
    for (vcpu, cpuset) in pins {
        let pin = Element::new("vcpupin")
            .with_attr("vcpu", vcpu.to_string())
            .with_attr("cpuset", cpuset);
        out = out.with_child(pin);
    }
    if let Some(pin) = tune.child("emulatorpin") {
        let pin =
            Element::new("emulatorpin").with_attr("cpuset", format_bitmap(&set(pin, "cpuset")?));
        out = out.with_child(pin);
    }
    let order = iothread_order(def);
    let mut pins: Vec<(usize, u64, String)> = Vec::new();
    for pin in tune.children_named("iothreadpin") {
        let id = u64::from(c_uint(pin.attr("iothread")?, 10)?);
        pins.push((order(id), id, format_bitmap(&set(pin, "cpuset")?)));
    }
    pins.sort();
    for (_, id, cpuset) in pins {
        let pin = Element::new("iothreadpin")
            .with_attr("iothread", id.to_string())
            .with_attr("cpuset", cpuset);
        out = out.with_child(pin);
    }
    if let Some(sched) = tune.child("emulatorsched") {
        out = out.with_child(scheduler(sched, None)?);
    }
    for (element, attr) in [("vcpusched", "vcpus"), ("iothreadsched", "iothreads")] {
        let mut threads: Vec<(usize, u64, Element)> = Vec::new();
        for sched in tune.children_named(element) {
            for (lo, hi) in set(sched, attr)? {
                for id in lo..=hi {
                    let at = match attr {
                        "vcpus" => id as usize,
                        _ => order(id),
                    };
                    threads.push((at, id, scheduler(sched, Some((attr, id)))?));
                }
            }
        }
        threads.sort_by_key(|(at, id, _)| (*at, *id));
        for (_, _, e) in threads {
            out = out.with_child(e);
        }
    }
    let groups = read_resctrls(tune, def.vcpu.max).ok()?;
    for group in resctrl_elements(&groups) {
        out = out.with_child(group);
    }
    Some(out)
}

/// Where I/O thread `id` comes in libvirt's list of them: the ids given
/// in `<iothreadids>` first, in their order, then the ones it fills in,
/// lowest first.
fn iothread_order(def: &DomainDef) -> impl Fn(u64) -> usize {
    let given: Vec<u64> = def
        .extra
        .iter()
        .filter(|e| e.name == "iothreadids")
        .flat_map(|e| e.children_named("iothread"))
        .filter_map(|t| t.attr("id").and_then(|v| c_uint(v, 10)).map(u64::from))
        .collect();
    move |id| match given.iter().position(|g| *g == id) {
        Some(at) => at,
        None => given.len() + id as usize,
    }
}

/// A scheduler element as libvirt writes it (virDomainSchedulerFormat):
/// the thread it is for (`vcpus='3'`), the policy, the priority for the
/// real-time ones.
fn scheduler(sched: &Element, thread: Option<(&str, u64)>) -> Option<Element> {
    let mut out = Element::new(sched.name.as_str());
    if let Some((attr, id)) = thread {
        out = out.with_attr(attr, id.to_string());
    }
    let policy = sched.attr("scheduler")?;
    out = out.with_attr("scheduler", policy);
    if matches!(policy, "fifo" | "rr") {
        let priority = sched.attr("priority")?;
        let priority =
            priority.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
        out = out.with_attr("priority", priority.parse::<i32>().ok()?.to_string());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written_for(vcpus: u32, xml: &str) -> Option<String> {
        let mut def = DomainDef::default();
        def.vcpu.max = vcpus;
        let tune = crate::reader::parse_element(xml).unwrap();
        written(&def, &tune).map(|e| e.to_xml(0))
    }

    #[test]
    fn values_then_pins_then_schedulers_in_libvirts_order() {
        let xml = "<cputune><vcpusched vcpus='0-1' scheduler='fifo' priority='+5'/>\
                   <emulatorpin cpuset='3,^3,4'/><vcpupin vcpu='1' cpuset='1-2'/>\
                   <vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='7' cpuset='0'/>\
                   <global_quota>-770</global_quota><quota>0</quota><shares>0</shares>\
                   <emulatorsched scheduler='batch'/></cputune>";
        assert_eq!(
            written_for(2, xml).unwrap(),
            "<cputune>\n  <shares>0</shares>\n  <global_quota>-770</global_quota>\n  \
             <vcpupin vcpu='0' cpuset='0'/>\n  <vcpupin vcpu='1' cpuset='1-2'/>\n  \
             <emulatorpin cpuset='4'/>\n  <emulatorsched scheduler='batch'/>\n  \
             <vcpusched vcpus='0' scheduler='fifo' priority='5'/>\n  \
             <vcpusched vcpus='1' scheduler='fifo' priority='5'/>\n</cputune>\n"
        );
    }

    #[test]
    fn resource_groups_over_missing_vcpus_are_dropped() {
        let xml =
            "<cputune><cachetune vcpus='^53,54,^84,25'><monitor level='3' vcpus='0'/></cachetune>\
                   <memorytune vcpus='0-5'><node id='0' bandwidth='20'/></memorytune>\
                   <memorytune vcpus='5'/></cputune>";
        assert_eq!(
            written_for(2, xml).unwrap(),
            "<cputune>\n  <memorytune vcpus='0-1'>\n    <node id='0' bandwidth='20'/>\n  \
             </memorytune>\n</cputune>\n"
        );
    }
}
