//! The guest NUMA cells as libvirt writes what it read: one `<numa>`, the
//! last child of the guest `<cpu>`, built from the cells of every
//! `<cpu>`'s first `<numa>` (`validate::read_guest_numa`), each cell by
//! id with its memory in KiB, its CPU set in libvirt's form, its
//! distances to every cell and its caches in libvirt's units.
//! Also the `<vcpus>` states, written for every vCPU once given for one.

use super::*;

/// Replace the `<numa>`s of the guest `<cpu>` (the first) by the one
/// libvirt writes, and drop them from any other `<cpu>`.
pub(super) fn guest_numa(def: &mut DomainDef) {
    let numa = match crate::validate::read_guest_numa(def) {
        Ok(numa) => numa,
        // Refused when read.
        Err(_) => return,
    };
    let mut first = true;
    for cpu in def.extra.iter_mut().filter(|e| e.name == "cpu") {
        cpu.children
            .retain(|n| !matches!(n, Node::Element(e) if e.name == "numa"));
        if std::mem::take(&mut first) {
            if let Some(numa) = &numa {
                cpu.children.push(Node::Element(numa.to_element()));
            }
        }
    }
}

/// The `<vcpus>` states as libvirt writes what it read
/// (virDomainVcpuParse, virDomainVcpuDefPostParse, virDomainCpuDefFormat):
/// given any, every vCPU up to the count is written, in id order, with
/// the state of the last entry for it (offline when none), hotpluggable
/// as given or settled (an online vCPU is not, an offline one is), its
/// order when not 0 (as a C `int`); the current count is the vCPUs online, written when
/// some are not.
pub(super) fn vcpu_states(def: &mut DomainDef) {
    let mut entries = def
        .extra
        .iter()
        .filter(|e| e.name == "vcpus")
        .flat_map(|v| v.children_named("vcpu"))
        .peekable();
    // Nothing to settle without entries: no table either, so a huge
    // count (a C unsigned int's worth) costs nothing here.
    if entries.peek().is_none() {
        return;
    }
    drop(entries);
    let max = def.vcpu.max as usize;
    // (online, hotpluggable, order) by id.
    let mut states: Vec<(bool, Option<String>, u32)> = Vec::new();
    if states.try_reserve_exact(max).is_err() {
        // More vCPUs than this host can hold a table for: libvirt dies
        // allocating it; left as written instead.
        return;
    }
    states.resize(max, (false, None, 0));
    let mut given = false;
    for e in def
        .extra
        .iter()
        .filter(|e| e.name == "vcpus")
        .flat_map(|v| v.children_named("vcpu"))
    {
        let number = |a: &str| e.attr(a).and_then(|v| crate::validate::c_uint(v, 10));
        let Some(slot) = number("id").and_then(|id| states.get_mut(id as usize)) else {
            // Refused when read.
            return;
        };
        *slot = (
            e.attr("enabled") == Some("yes"),
            e.attr("hotpluggable").map(str::to_string),
            number("order").unwrap_or(0),
        );
        given = true;
    }
    if !given {
        return;
    }
    let mut vcpus = Element::new("vcpus");
    for (id, (online, hotpluggable, order)) in states.iter().enumerate() {
        let settled = if *online { "no" } else { "yes" };
        let mut v = Element::new("vcpu")
            .with_attr("id", id.to_string())
            .with_attr("enabled", if *online { "yes" } else { "no" })
            .with_attr("hotpluggable", hotpluggable.as_deref().unwrap_or(settled));
        if *order != 0 {
            // virDomainCpuDefFormat prints the unsigned order with `%d`.
            v = v.with_attr("order", (*order as i32).to_string());
        }
        vcpus = vcpus.with_child(v);
    }
    let online = states.iter().filter(|s| s.0).count() as u32;
    def.vcpu.current = (online != def.vcpu.max).then_some(online);
    super::keep_first(&mut def.extra, "vcpus");
    if let Some(e) = def.extra.iter_mut().find(|e| e.name == "vcpus") {
        *e = vcpus;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_vcpu_written_once_states_are_given() {
        let xml = "<domain type='test'><name>v</name><memory>1024</memory>\
                   <os><type>hvm</type></os><vcpu current='3'>4</vcpu><vcpus>\
                   <vcpu id='2' enabled='yes' order='2'/>\
                   <vcpu id='1' enabled='no' hotpluggable='no'/>\
                   <vcpu id='1' enabled='yes' hotpluggable='no'/></vcpus></domain>";
        let def = crate::parse_domain(xml).unwrap();
        // Two online of four: the given current count is not kept.
        assert_eq!(def.vcpu.current, Some(2));
        let vcpus = def.extra.iter().find(|e| e.name == "vcpus").unwrap();
        let written: Vec<String> = vcpus
            .children_named("vcpu")
            .map(|v| v.to_xml(0).trim().to_string())
            .collect();
        assert_eq!(
            written,
            [
                "<vcpu id='0' enabled='no' hotpluggable='yes'/>",
                "<vcpu id='1' enabled='yes' hotpluggable='no'/>",
                "<vcpu id='2' enabled='yes' hotpluggable='no' order='2'/>",
                "<vcpu id='3' enabled='no' hotpluggable='yes'/>",
            ]
        );
    }

    #[test]
    fn an_order_is_written_as_a_c_int() {
        let xml = "<domain type='test'><name>v</name><memory>1024</memory>\
                   <os><type>hvm</type></os><vcpu>2</vcpu><vcpus>\
                   <vcpu id='0' enabled='no' order='4294967295'/>\
                   <vcpu id='1' enabled='yes' order='2147483648'/></vcpus></domain>";
        let def = crate::parse_domain(xml).unwrap();
        let vcpus = def.extra.iter().find(|e| e.name == "vcpus").unwrap();
        let orders: Vec<&str> = vcpus
            .children_named("vcpu")
            .filter_map(|v| v.attr("order"))
            .collect();
        assert_eq!(orders, ["-1", "-2147483648"]);
    }
}
