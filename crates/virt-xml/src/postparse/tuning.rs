//! What libvirt rewrites in a definition's resource tuning at define:
//! I/O threads, `<memtune>` limits in KiB, `<numatune>`, `<perf>` events and `<memoryBacking>`.

use super::*;

/// How many I/O threads libvirt fills in beyond the given ids before
/// this model refuses to (libvirt allocates them all, one structure each:
/// a million is well within a host's memory, as it is for libvirt; for a
/// count near 2^32 libvirt aborts).
pub(super) const IOTHREADS_FILLED_MAX: u64 = 1 << 20;

/// The I/O threads as libvirt writes what it read
/// (virDomainDefParseIOThreads, virDomainDefIOThreadsFormat): the count is
/// the larger of `<iothreads>` and the ids given, 0 written as nothing;
/// `<iothreadids>` (one, holding every id) is written when an id was
/// given or a thread pool set, the given ids first and then the lowest
/// free ones up to the count; `<defaultiothread>` only with a pool bound.
pub(super) fn iothreads(def: &mut DomainDef) {
    let Some(count) = crate::validate::iothreads_count(def).map(u64::from) else {
        return;
    };
    let bound = |e: &Element, name: &str| -> Option<i64> {
        e.attr(name)
            .and_then(|v| v.trim().parse::<i32>().ok())
            .map(i64::from)
            .filter(|&v| v >= 0)
    };
    let mut ids: Vec<(u64, Option<i64>, Option<i64>)> = Vec::new();
    for e in def.extra.iter().filter(|e| e.name == "iothreadids") {
        for t in e.children_named("iothread") {
            let Some(id) = t.attr("id").and_then(|v| v.trim().parse::<u32>().ok()) else {
                return;
            };
            ids.push((
                u64::from(id),
                bound(t, "thread_pool_min"),
                bound(t, "thread_pool_max"),
            ));
        }
    }
    let total = count.max(ids.len() as u64);
    let given = ids.len();
    if total - given as u64 > IOTHREADS_FILLED_MAX && given > 0 {
        return;
    }
    let write_ids = given > 0;
    if write_ids {
        // virDomainIOThreadIDDefArrayInit: the lowest ids not given.
        let given: std::collections::HashSet<u64> = ids.iter().map(|&(id, _, _)| id).collect();
        let mut next = 1u64;
        while (ids.len() as u64) < total {
            while given.contains(&next) {
                next += 1;
            }
            ids.push((next, None, None));
            next += 1;
        }
    }
    let mut first_count = true;
    let mut first_ids = true;
    let mut first_default = true;
    def.extra.retain_mut(|e| match e.name.as_str() {
        "iothreads" => std::mem::take(&mut first_count) && total > 0,
        "iothreadids" => std::mem::take(&mut first_ids) && write_ids,
        "defaultiothread" => {
            let (min, max) = (bound(e, "thread_pool_min"), bound(e, "thread_pool_max"));
            if !std::mem::take(&mut first_default) || (min.is_none() && max.is_none()) {
                return false;
            }
            *e = pool_bounds(Element::new("defaultiothread"), min, max);
            true
        }
        _ => true,
    });
    if total > 0 {
        let text = total.to_string();
        match def.extra.iter_mut().find(|e| e.name == "iothreads") {
            Some(e) => e.set_text(text),
            None => def.extra.push(Element::new("iothreads").with_text(text)),
        }
    }
    if write_ids {
        if let Some(e) = def.extra.iter_mut().find(|e| e.name == "iothreadids") {
            let mut out = Element::new("iothreadids");
            for (id, min, max) in ids {
                let t = Element::new("iothread").with_attr("id", id.to_string());
                out = out.with_child(pool_bounds(t, min, max));
            }
            *e = out;
        }
    }
}

/// `e` with the thread pool bounds that are set.
pub(super) fn pool_bounds(mut e: Element, min: Option<i64>, max: Option<i64>) -> Element {
    if let Some(min) = min {
        e = e.with_attr("thread_pool_min", min.to_string());
    }
    if let Some(max) = max {
        e = e.with_attr("thread_pool_max", max.to_string());
    }
    e
}

/// `<memtune>` as libvirt writes what it read: each limit in KiB with
/// `unit='KiB'`, in its order, limits at "unlimited" and a zero guarantee
/// left out.
pub(super) fn memtune_in_kib(memtune: &mut Element) {
    let mut children = Vec::new();
    for name in [
        "hard_limit",
        "soft_limit",
        "min_guarantee",
        "swap_hard_limit",
    ] {
        // An empty text is no value to libvirt (see views' memtune_size):
        // the limit is left unset and not written back.
        let Some(c) = memtune.child(name).filter(|c| !c.text().is_empty()) else {
            continue;
        };
        let kib = match name {
            "min_guarantee" => crate::parse_memory(&c.text(), c.attr("unit")),
            _ => crate::units::parse_memory_limit(&c.text(), c.attr("unit")),
        };
        let Ok(kib) = kib else {
            // Refused when read; kept as written.
            return;
        };
        let set = match name {
            "min_guarantee" => kib != 0,
            _ => kib < crate::units::MEMORY_LIMIT_UNLIMITED,
        };
        if set {
            let sized = Element::new(name)
                .with_attr("unit", "KiB")
                .with_text(kib.to_string());
            children.push(Node::Element(sized));
        }
    }
    let others = memtune.children.iter().filter(|n| match n {
        Node::Element(e) => !matches!(
            e.name.as_str(),
            "hard_limit" | "soft_limit" | "min_guarantee" | "swap_hard_limit"
        ),
        Node::Text(_) => false,
    });
    children.extend(others.cloned());
    memtune.children = children;
}

/// `<numatune><memory>` as libvirt settles and writes it (mode, then the
/// node set for static placement or `placement='auto'`), added when
/// automatic vCPU placement implies it; automatic memory placement makes
/// the vCPU placement automatic too when nothing pins a thread.
pub(super) fn numatune(def: &mut DomainDef) {
    memnodes(def);
    let memory = crate::validate::numatune_memory(def);
    let Some(memory) = memory else {
        for n in def.extra.iter_mut().filter(|e| e.name == "numatune") {
            n.children
                .retain(|c| !matches!(c, Node::Element(m) if m.name == "memory"));
        }
        // Written only with a memory or a memnode to write.
        def.extra
            .retain(|e| e.name != "numatune" || e.child("memnode").is_some());
        return;
    };
    let mut element = Element::new("memory").with_attr("mode", memory.mode.as_str());
    element = match &memory.nodeset {
        Some(set) if memory.placement == "static" => element.with_attr("nodeset", set.as_str()),
        _ => element.with_attr("placement", memory.placement),
    };
    if memory.placement == "auto" {
        let pinned = def.vcpu.cpuset.is_some()
            || def.extra.iter().filter(|e| e.name == "cputune").any(|c| {
                c.elements()
                    .any(|p| matches!(p.name.as_str(), "vcpupin" | "emulatorpin" | "iothreadpin"))
            });
        if !pinned {
            def.vcpu.placement = Some("auto".into());
        }
    }
    match def.extra.iter_mut().find(|e| e.name == "numatune") {
        Some(n) => {
            let memnodes: Vec<Node> = n
                .children
                .drain(..)
                .filter(|c| matches!(c, Node::Element(m) if m.name != "memory"))
                .collect();
            n.attrs.clear();
            n.children = std::iter::once(Node::Element(element))
                .chain(memnodes)
                .collect();
        }
        None => def.extra.push(Element::new("numatune").with_child(element)),
    }
}

/// The `<memnode>`s of `<numatune>` as libvirt writes what it read
/// (virDomainNumatuneFormatXML): by cell id, each with its mode (strict
/// by default) and its node set in libvirt's form.
fn memnodes(def: &mut DomainDef) {
    let Some(numatune) = def.extra.iter_mut().find(|e| e.name == "numatune") else {
        return;
    };
    let mut nodes: Vec<(u32, Element)> = Vec::new();
    for m in numatune.children_named("memnode") {
        let cellid = m
            .attr("cellid")
            .and_then(|c| crate::validate::c_uint(c, 10));
        let set = m.attr("nodeset").and_then(canonical_set);
        let (Some(cellid), Some(set)) = (cellid, set) else {
            // Refused when read.
            return;
        };
        let e = Element::new("memnode")
            .with_attr("cellid", cellid.to_string())
            .with_attr("mode", m.attr("mode").unwrap_or("strict"))
            .with_attr("nodeset", set);
        nodes.push((cellid, e));
    }
    nodes.sort_by_key(|(id, _)| *id);
    numatune
        .children
        .retain(|c| !matches!(c, Node::Element(m) if m.name == "memnode"));
    numatune
        .children
        .extend(nodes.into_iter().map(|(_, e)| Node::Element(e)));
}

/// libvirt's perf events (`virPerfEvent`), in the order it writes them.
pub(super) const PERF_EVENTS: &[&str] = &[
    "cmt",
    "mbmt",
    "mbml",
    "cpu_cycles",
    "instructions",
    "cache_references",
    "cache_misses",
    "branch_instructions",
    "branch_misses",
    "bus_cycles",
    "stalled_cycles_frontend",
    "stalled_cycles_backend",
    "ref_cpu_cycles",
    "cpu_clock",
    "task_clock",
    "page_faults",
    "context_switches",
    "cpu_migrations",
    "page_faults_min",
    "page_faults_maj",
    "alignment_faults",
    "emulation_faults",
];

/// `<perf>` as libvirt writes what it read (virDomainPerfDefParseXML
/// reads every `./perf/event`, virDomainPerfDefFormat writes one `<perf>`
/// with the events in its own order): one element, where the first was.
pub(super) fn perf(def: &mut DomainDef) {
    let Some(first) = def.extra.iter().position(|e| e.name == "perf") else {
        return;
    };
    let mut events: Vec<Element> = def
        .extra
        .iter()
        .filter(|e| e.name == "perf")
        .flat_map(|p| p.children_named("event").cloned().collect::<Vec<_>>())
        .collect();
    let rank = |e: &Element| {
        let name = e.attr("name").unwrap_or_default();
        PERF_EVENTS
            .iter()
            .position(|n| *n == name)
            .unwrap_or(usize::MAX)
    };
    events.sort_by_key(rank);
    let mut perf = Element::new("perf");
    perf.children = events.into_iter().map(Node::Element).collect();
    def.extra[first] = perf;
    let mut seen = false;
    def.extra
        .retain(|e| e.name != "perf" || !std::mem::replace(&mut seen, true));
}

/// `<memoryBacking>` as libvirt writes what it read
/// (virDomainDefParseMemory, virDomainMemorybackingFormat): hugepages
/// (each page's size in KiB, its node set in libvirt's form), nosharepages,
/// locked, the source type, the access mode, the allocation (only with a
/// mode or threads), discard, in that order, from every `<memoryBacking>`.
pub(super) fn memory_backing(def: &mut DomainDef) {
    let backings: Vec<&Element> = def
        .extra
        .iter()
        .filter(|e| e.name == "memoryBacking")
        .collect();
    if backings.is_empty() {
        return;
    }
    let children = || backings.iter().flat_map(|b| b.elements());
    let first = |name: &str| children().find(|c| c.name == name);
    // (`string(...)`: an empty value is none.)
    let first_attr = |name: &str, attr: &str| {
        children()
            .filter(|c| c.name == name)
            .find_map(|c| c.attr(attr))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    // virDomainDefPostParseMemtune: without guest NUMA cells a page's
    // node set of just node 0 is dropped.
    let numa_cells = def
        .extra
        .iter()
        .filter(|e| e.name == "cpu")
        .flat_map(|c| c.children_named("numa"))
        .any(|n| n.child("cell").is_some());
    let mut out = Element::new("memoryBacking");
    if first("hugepages").is_some() {
        let mut hp = Element::new("hugepages");
        for page in children()
            .filter(|c| c.name == "hugepages")
            .flat_map(|h| h.children_named("page"))
        {
            let Some(size) = page.attr("size") else {
                return;
            };
            let Ok(kib) = crate::parse_memory(size, page.attr("unit")) else {
                return;
            };
            let mut p = Element::new("page")
                .with_attr("size", kib.to_string())
                .with_attr("unit", "KiB");
            if let Some(set) = page.attr("nodeset") {
                let Some(set) = canonical_set(set) else {
                    return;
                };
                if numa_cells || set != "0" {
                    p = p.with_attr("nodeset", set);
                }
            }
            hp = hp.with_child(p);
        }
        out = out.with_child(hp);
    }
    for flag in ["nosharepages", "locked"] {
        if first(flag).is_some() {
            out = out.with_child(Element::new(flag));
        }
    }
    for (name, attr) in [("source", "type"), ("access", "mode")] {
        if let Some(v) = first_attr(name, attr) {
            out = out.with_child(Element::new(name).with_attr(attr, v));
        }
    }
    let mut allocation = Element::new("allocation");
    if let Some(mode) = first_attr("allocation", "mode") {
        allocation = allocation.with_attr("mode", mode);
    }
    if let Some(threads) = first_attr("allocation", "threads") {
        let Ok(n) = threads.trim().parse::<u32>() else {
            return;
        };
        if n > 0 {
            allocation = allocation.with_attr("threads", n.to_string());
        }
    }
    if !allocation.attrs.is_empty() {
        out = out.with_child(allocation);
    }
    if first("discard").is_some() {
        out = out.with_child(Element::new("discard"));
    }
    let keep = !out.children.is_empty();
    let mut first_backing = true;
    def.extra.retain_mut(|e| {
        if e.name != "memoryBacking" {
            return true;
        }
        if !(std::mem::take(&mut first_backing) && keep) {
            return false;
        }
        *e = out.clone();
        true
    });
}

#[cfg(test)]
mod tests {
    /// The memtune part of `xml`'s definition as written back.
    fn memtune(xml: &str) -> Vec<String> {
        let def = crate::parse_domain(xml).unwrap();
        def.extra
            .iter()
            .filter(|e| e.name == "memtune")
            .map(|e| e.to_xml(0))
            .collect()
    }

    #[test]
    fn an_empty_memtune_limit_is_no_limit() {
        let doc = |tune: &str| {
            format!(
                "<domain type='test'><name>m</name><memory>1024</memory>\
                 <os><type>hvm</type></os><memtune>{tune}</memtune></domain>"
            )
        };
        // libvirt's XPath string helper reads '' as absent: accepted, and
        // nothing is written for it.
        assert_eq!(
            memtune(&doc("<min_guarantee unit='T'/><hard_limit/>")),
            Vec::<String>::new()
        );
        let kept = memtune(&doc("<hard_limit></hard_limit><soft_limit>2</soft_limit>"));
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert!(
            kept[0].contains("<soft_limit unit='KiB'>2</soft_limit>"),
            "{kept:?}"
        );
        assert!(!kept[0].contains("hard_limit"), "{kept:?}");
        // Blanks are not empty: libvirt's number parser refuses them.
        assert!(crate::parse_domain(&doc("<hard_limit> </hard_limit>")).is_err());
    }

    /// The `<iothreads>` and `<iothreadids>` lines of `xml`'s definition
    /// as written back.
    fn iothreads(xml: &str) -> String {
        let def = crate::parse_domain(&format!(
            "<domain type='test'><name>t</name><memory>1024</memory><os><type>hvm</type></os>\
             {xml}</domain>"
        ))
        .unwrap();
        let out = def.to_xml(&crate::FormatOptions {
            inactive: true,
            ..Default::default()
        });
        out.lines()
            .map(str::trim)
            .filter(|l| l.contains("iothread"))
            .collect()
    }

    /// `string(./memoryBacking/source/@type)` and the like: the first
    /// value given, an empty one none (observed from libvirt 9.0 through
    /// virsh).
    #[test]
    fn memory_backing_choices_read_from_the_first_given() {
        let written = |mb: &str| {
            let def = crate::parse_domain(&format!(
                "<domain type='test'><name>t</name><memory>1024</memory><os><type>hvm</type></os>\
                 {mb}</domain>"
            ))
            .unwrap();
            let out = def.to_xml(&crate::FormatOptions::default());
            let (a, b) = (
                out.find("<memoryBacking>").unwrap(),
                out.find("</memoryBacking>").unwrap(),
            );
            out[a..b].lines().map(str::trim).collect::<String>()
        };
        assert_eq!(
            written("<memoryBacking><nosharepages/><source type=''/></memoryBacking>"),
            "<memoryBacking><nosharepages/>"
        );
        assert_eq!(
            written(
                "<memoryBacking><source/><source type='file'/><access mode=''/></memoryBacking>"
            ),
            "<memoryBacking><source type='file'/>"
        );
    }

    /// virDomainIOThreadIDDefArrayInit: the ids not given are the lowest
    /// free ones, written after the given ones (observed from libvirt 9.0
    /// through virsh); a count far above the ids given is filled too.
    #[test]
    fn iothread_ids_filled_as_libvirt_fills_them() {
        assert_eq!(
            iothreads("<iothreads>4</iothreads><iothreadids><iothread id='3'/><iothread id='9'/></iothreadids>"),
            "<iothreads>4</iothreads><iothreadids><iothread id='3'/><iothread id='9'/>\
             <iothread id='1'/><iothread id='2'/></iothreadids>"
        );
        let many =
            iothreads("<iothreads>200000</iothreads><iothreadids><iothread id='7'/></iothreadids>");
        assert_eq!(many.matches("<iothread id=").count(), 200000);
        assert!(many.ends_with("<iothread id='200000'/></iothreadids>"));
    }
}
