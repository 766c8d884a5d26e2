//! Making a document one the define-time rules accept (a steered
//! document of the schema coverage test,
//! [`crate::generate::Generator::steered`], and a valid document of the
//! differential run: [`settle`] only).
//!
//! The schema says what a domain may contain, libvirt's parser adds rules
//! across elements (a loader needs a path unless firmware is chosen
//! automatically, `<maxMemory>` needs slots and must not be below
//! `<memory>`, ...). A steered document refused by such a rule is of no
//! use to the coverage run. So it is first given what those rules require
//! of the parts it has ([`settle`]); then, if virt-xml (which makes
//! libvirt's checks) still refuses it, the parts of it not on the way to
//! the path it was built to reach are dropped, one at a time, while they
//! are what the refusal is about (the refusal changes or goes when they
//! are gone: [`accept`]).

use virt_xml::{Element, Node};

/// At most this many drops are tried per document (each is one parse).
const ATTEMPTS: usize = 96;
/// Parts deeper than this are not dropped one by one (their ancestors are).
const DEPTH: usize = 3;

/// Give `root` what libvirt's rules across elements require of the parts
/// it has, where the schema alone does not say it (`aim` is the path the
/// document was built to reach: what is settled keeps it).
pub(crate) fn settle(root: &mut Element, aim: Option<&str>) {
    let aim = aim.unwrap_or("");
    // Every domain has an OS type (a bootloader domain's schema
    // alternative has none).
    if root.child("os").is_none() {
        let at = root
            .children
            .iter()
            .position(|n| matches!(n, Node::Element(c) if c.name == "memory"))
            .map_or(root.children.len(), |i| i + 1);
        let os = Element::new("os").with_child(Element::new("type").with_text("hvm"));
        root.children.insert(at, Node::Element(os));
    }
    // The parts every document is given replace what the walk made there.
    if aim == "domain/memory/@dumpCore" {
        if let Some(m) = child_mut(root, "memory") {
            m.set_attr("dumpCore", "on");
        }
    }
    if let Some(os) = child_mut(root, "os") {
        if aim == "domain/os/type/@machine" {
            if let Some(t) = child_mut(os, "type") {
                t.set_attr("machine", "pc");
            }
        }
        settle_firmware(os, aim);
    }
    if let Some(idmap) = child_mut(root, "idmap") {
        settle_idmap(idmap);
    }
    if let Some(resource) = child_mut(root, "resource") {
        if resource.child("partition").is_none() && resource.child("fibrechannel").is_none() {
            resource.children.push(Node::Element(
                Element::new("partition").with_text("/machine"),
            ));
        }
    }
    settle_cputune(root);
    settle_memnodes(root);
    settle_interconnects(root);
    settle_devices(root);
    settle_iommu(root, aim);
    crate::settle_devices::settle(root, aim);
}

/// [`settle`], and what a steered document is given beyond it (the
/// differential run's documents stay as they were, so that its seeds
/// keep making the same documents): storage sources, IP settings,
/// addresses and controllers as libvirt's parser reads them.
pub(crate) fn settle_steered(root: &mut Element, aim: Option<&str>) {
    settle(root, aim);
    settle_vcpu_states(root);
    settle_schedulers(root);
    crate::settle_sources::settle(root);
    crate::settle_devices::settle_steered(root, aim.unwrap_or(""));
}

/// NUMA interconnects between guest cells that exist
/// (`virDomainNumaDefValidate`): the cells are one, cell 0 with a CPU,
/// every latency and bandwidth runs from it to itself, a `cache=` names a
/// cache level the cell has, and no two entries say the same (one latency
/// and one bandwidth stay).
fn settle_interconnects(root: &mut Element) {
    let Some(numa) = child_mut(root, "cpu").and_then(|c| child_mut(c, "numa")) else {
        return;
    };
    let Some(links) = child_mut(numa, "interconnects") else {
        return;
    };
    let mut seen = Vec::new();
    links.children.retain(|n| match n {
        Node::Element(e) if seen.contains(&e.name) => false,
        Node::Element(e) => {
            seen.push(e.name.clone());
            true
        }
        Node::Text(_) => true,
    });
    let mut want_cache = false;
    for link in links.children.iter_mut() {
        if let Node::Element(l) = link {
            l.set_attr("initiator", "0");
            l.set_attr("target", "0");
            want_cache |= l.attr("cache").is_some();
        }
    }
    let mut first = true;
    numa.children.retain(|n| match n {
        Node::Element(c) if c.name == "cell" => std::mem::take(&mut first),
        _ => true,
    });
    if first {
        let at = numa.children.len().saturating_sub(1);
        numa.children
            .insert(at, Node::Element(Element::new("cell")));
    }
    let Some(cell) = child_mut(numa, "cell") else {
        return;
    };
    cell.set_attr("id", "0");
    cell.set_attr("cpus", "0");
    cell.set_attr("memory", "65536");
    cell.set_attr("unit", "KiB");
    cell.remove_attr("discard");
    let level = match cell.child("cache").and_then(|c| c.attr("level")) {
        Some(l) if want_cache => l.to_string(),
        _ if want_cache => {
            cell.children
                .retain(|n| !matches!(n, Node::Element(c) if c.name == "cache"));
            let cache = Element::new("cache")
                .with_attr("level", "1")
                .with_attr("associativity", "direct")
                .with_attr("policy", "writeback")
                .with_child(
                    Element::new("size")
                        .with_attr("value", "10")
                        .with_attr("unit", "KiB"),
                )
                .with_child(
                    Element::new("line")
                        .with_attr("value", "64")
                        .with_attr("unit", "B"),
                );
            cell.children.push(Node::Element(cache));
            "1".to_string()
        }
        _ => return,
    };
    let Some(links) = child_mut(numa, "interconnects") else {
        return;
    };
    for link in links.children.iter_mut() {
        if let Node::Element(l) = link {
            if l.attr("cache").is_some() {
                l.set_attr("cache", level.as_str());
            }
        }
    }
}

/// An IOMMU with driver options is Intel's (the others take none), one
/// with an address is virtio's (Intel's and SMMUv3 take none:
/// `virDomainIOMMUDefValidate`); extended interrupt mode needs interrupt
/// remapping, which needs the split I/O APIC (`virDomainDefIOMMUValidate`).
fn settle_iommu(root: &mut Element, aim: &str) {
    let Some(iommu) = child_mut(root, "devices").and_then(|d| child_mut(d, "iommu")) else {
        return;
    };
    let options = iommu.child("driver").is_some_and(|d| !d.attrs.is_empty());
    if iommu.child("address").is_some() {
        if !options || aim.starts_with("domain/devices/iommu/address") {
            iommu.set_attr("model", "virtio");
            if let Some(driver) = child_mut(iommu, "driver") {
                driver.attrs.clear();
            }
            return;
        }
        iommu
            .children
            .retain(|n| !matches!(n, Node::Element(c) if c.name == "address"));
    }
    let Some(driver) = child_mut(iommu, "driver") else {
        return;
    };
    if driver.attr("eim") == Some("on") {
        driver.set_attr("intremap", "on");
    }
    let remapping = driver.attr("intremap") == Some("on");
    if driver
        .attr("aw_bits")
        .is_some_and(|b| b.parse::<u32>().is_err())
    {
        driver.set_attr("aw_bits", "48");
    }
    iommu.set_attr("model", "intel");
    if !remapping {
        return;
    }
    if child_mut(root, "features").is_none() {
        let at = root
            .children
            .iter()
            .position(|n| matches!(n, Node::Element(c) if c.name == "devices"))
            .unwrap_or(root.children.len());
        root.children
            .insert(at, Node::Element(Element::new("features")));
    }
    if let Some(features) = child_mut(root, "features") {
        features
            .children
            .retain(|n| !matches!(n, Node::Element(c) if c.name == "ioapic"));
        features.children.push(Node::Element(
            Element::new("ioapic").with_attr("driver", "qemu"),
        ));
    }
}

/// Scheduler and pin entries naming vCPU 0 and I/O thread 1 (which then
/// exists), CPU sets of CPU 0, periods and quotas within libvirt's ranges.
fn settle_cputune(root: &mut Element) {
    let Some(cputune) = child_mut(root, "cputune") else {
        return;
    };
    let mut threads = false;
    for c in cputune.children.iter_mut() {
        let Node::Element(c) = c else { continue };
        match c.name.as_str() {
            "vcpusched" if c.attr("vcpus").is_none() => c.set_attr("vcpus", "0"),
            "iothreadpin" => {
                c.set_attr("iothread", "1");
                threads = true;
            }
            "iothreadsched" => {
                c.set_attr("iothreads", "1");
                threads = true;
            }
            n if n.ends_with("period") => c.set_text("100000"),
            n if n.ends_with("quota") => c.set_text("50000"),
            _ => {}
        }
        if c.attr("cpuset").is_some() {
            c.set_attr("cpuset", "0");
        }
    }
    if threads {
        let ids = child_mut(root, "iothreadids");
        match ids {
            Some(ids) => {
                if !ids
                    .children_named("iothread")
                    .any(|t| t.attr("id") == Some("1"))
                {
                    ids.children
                        .push(Node::Element(Element::new("iothread").with_attr("id", "1")));
                }
            }
            None => match child_mut(root, "iothreads") {
                Some(n) => n.set_text("4"),
                None => root
                    .children
                    .push(Node::Element(Element::new("iothreads").with_text("4"))),
            },
        }
    }
}

/// Per-vCPU states as `virDomainVcpuParse` and its post-parse read them:
/// the entries' ids count from 0 (each below the `<vcpu>` count, which
/// grows to take them), and none is both offline and not hotpluggable.
fn settle_vcpu_states(root: &mut Element) {
    let Some(vcpus) = child_mut(root, "vcpus") else {
        return;
    };
    let mut n = 0u32;
    for vcpu in kids_mut(vcpus, "vcpu") {
        vcpu.set_attr("id", n.to_string());
        n += 1;
        if vcpu.attr("enabled") != Some("yes") && vcpu.attr("hotpluggable") == Some("no") {
            vcpu.set_attr("hotpluggable", "yes");
        }
    }
    if n == 0 {
        return;
    }
    match child_mut(root, "vcpu") {
        Some(count) => {
            if count.text().trim().parse::<u32>().is_ok_and(|c| c < n) {
                count.set_text(n.to_string());
            }
        }
        None => {
            let at = root
                .children
                .iter()
                .position(|c| matches!(c, Node::Element(e) if e.name == "memory"))
                .map_or(root.children.len(), |i| i + 1);
            let count = Element::new("vcpu").with_text(n.to_string());
            root.children.insert(at, Node::Element(count));
        }
    }
}

/// The vCPU and I/O thread sets of scheduler and resource control
/// entries are bitmaps (`virBitmapParse`; the schema's pattern also lets
/// through letters): one that is not is made vCPU 0 or I/O thread 1
/// (which [`settle_cputune`] makes exist).
fn settle_schedulers(root: &mut Element) {
    let Some(cputune) = child_mut(root, "cputune") else {
        return;
    };
    let bitmap = |v: &str| {
        !v.is_empty()
            && v.split(',').all(|part| {
                let part = part.trim().trim_start_matches('^');
                let mut ends = part.splitn(2, '-');
                ends.all(|n| n.trim().parse::<u16>().is_ok())
            })
    };
    for c in cputune.children.iter_mut() {
        let Node::Element(c) = c else { continue };
        let (attr, value) = match c.name.as_str() {
            "vcpusched" | "cachetune" | "memorytune" => ("vcpus", "0"),
            "iothreadsched" => ("iothreads", "1"),
            _ => continue,
        };
        if c.attr(attr).is_some_and(|v| !bitmap(v)) {
            c.set_attr(attr, value);
        }
    }
}

/// NUMA tuning of a memory node needs the guest NUMA cell it names.
fn settle_memnodes(root: &mut Element) {
    let Some(numatune) = child_mut(root, "numatune") else {
        return;
    };
    if numatune.child("memnode").is_none() {
        return;
    }
    let mut first = true;
    numatune.children.retain(|n| match n {
        Node::Element(c) if c.name == "memnode" => std::mem::take(&mut first),
        _ => true,
    });
    if let Some(memnode) = child_mut(numatune, "memnode") {
        memnode.set_attr("cellid", "0");
        if memnode.attr("nodeset").is_some() {
            memnode.set_attr("nodeset", "0");
        }
    }
    one_numa_cell(root);
}

/// Give the guest one NUMA cell in place of any `<numa>` it has: cell 0,
/// of vCPU 0, with 64 MiB, the node settled memnodes and hugepage
/// nodesets name.
pub(crate) fn one_numa_cell(root: &mut Element) {
    if child_mut(root, "cpu").is_none() {
        root.children.push(Node::Element(Element::new("cpu")));
    }
    let Some(cpu) = child_mut(root, "cpu") else {
        return;
    };
    cpu.children
        .retain(|n| !matches!(n, Node::Element(c) if c.name == "numa"));
    let cell = Element::new("cell")
        .with_attr("id", "0")
        .with_attr("cpus", "0")
        .with_attr("memory", "65536")
        .with_attr("unit", "KiB");
    cpu.children
        .push(Node::Element(Element::new("numa").with_child(cell)));
}

/// A loader and its NVRAM as libvirt takes them: with firmware chosen
/// automatically (EFI when there is an NVRAM), no loader path, type or
/// template; without, a pflash loader with a path.
fn settle_firmware(os: &mut Element, aim: &str) {
    let firmware_aimed = aim == "domain/os/@firmware" || aim.starts_with("domain/os/firmware");
    if os.attr("firmware").is_some() && !firmware_aimed && aim.starts_with("domain/os/loader") {
        os.remove_attr("firmware");
    }
    let has_nvram = os.child("nvram").is_some();
    if os.attr("firmware").is_some() {
        if has_nvram {
            os.set_attr("firmware", "efi");
        }
        if let Some(loader) = child_mut(os, "loader") {
            for a in ["readonly", "type"] {
                loader.remove_attr(a);
            }
            if loader.attr("secure") == Some("no") {
                loader.remove_attr("secure");
            }
            loader.children.retain(|n| !matches!(n, Node::Text(_)));
        }
        if let Some(nvram) = child_mut(os, "nvram") {
            nvram.remove_attr("template");
        }
    } else if has_nvram || os.child("loader").is_some() {
        if os.child("loader").is_none() {
            os.children.push(Node::Element(Element::new("loader")));
        }
        if let Some(loader) = child_mut(os, "loader") {
            if loader.text().is_empty() {
                loader.set_text("/usr/share/OVMF/OVMF_CODE.fd");
            }
            if has_nvram {
                loader.set_attr("type", "pflash");
                loader.remove_attr("stateless");
            }
        }
    }
}

/// User and group ids mapped together, each from the container's root.
fn settle_idmap(idmap: &mut Element) {
    for (kind, other) in [("uid", "gid"), ("gid", "uid")] {
        if idmap.child(kind).is_none() {
            if let Some(mut copy) = idmap.child(other).cloned() {
                copy.name = kind.into();
                idmap.children.push(Node::Element(copy));
            }
        }
    }
    for kind in ["uid", "gid"] {
        if let Some(first) = child_mut(idmap, kind) {
            first.set_attr("start", "0");
        }
    }
}

/// A SCSI host device's adapter is read by its name; a character
/// device's target port is a number.
fn settle_devices(root: &mut Element) {
    let Some(devices) = child_mut(root, "devices") else {
        return;
    };
    for kind in ["serial", "console", "channel", "parallel"] {
        for dev in kids_mut(devices, kind) {
            if let Some(target) = child_mut(dev, "target") {
                if target
                    .attr("port")
                    .is_some_and(|p| p.parse::<u32>().is_err())
                {
                    target.set_attr("port", "0");
                }
            }
        }
    }
    for audio in kids_mut(devices, "audio") {
        decimal_numbers(audio);
        // Fixed stream settings are the mixing engine's.
        for stream in ["input", "output"] {
            if let Some(s) = child_mut(audio, stream) {
                if s.child("settings").is_some() {
                    s.set_attr("mixingEngine", "yes");
                    s.set_attr("fixedSettings", "yes");
                }
            }
        }
    }
    settle_audio_refs(devices);
    for controller in kids_mut(devices, "controller") {
        if let Some(master) = child_mut(controller, "master") {
            master.set_attr("startport", "0");
        }
        // The schema's uint8 may be hex; libvirt reads these as decimal.
        if let Some(target) = child_mut(controller, "target") {
            for (k, v) in target.attrs.iter_mut() {
                let numeric = matches!(k.as_str(), "chassisNr" | "chassis" | "busNr" | "index");
                if numeric && v.parse::<u32>().is_err() {
                    let hex = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X"));
                    let n = hex
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .unwrap_or(1);
                    *v = n.to_string();
                }
            }
        }
    }
    for hostdev in kids_mut(devices, "hostdev") {
        if hostdev.attr("type") != Some("scsi") {
            continue;
        }
        if let Some(adapter) = child_mut(hostdev, "source").and_then(|s| child_mut(s, "adapter")) {
            if adapter.attr("name").is_none() {
                adapter.set_attr("name", "scsi_host0");
            }
        }
    }
}

/// The audio backend a sound card or display names is one of the
/// domain's `<audio>` devices (a backend of type none is added).
fn settle_audio_refs(devices: &mut Element) {
    let number = |e: &Element| e.attr("id").and_then(|v| v.parse::<u32>().ok());
    let mut wanted = Vec::new();
    for kind in ["sound", "graphics"] {
        for dev in kids_mut(devices, kind) {
            if let Some(audio) = child_mut(dev, "audio") {
                if number(audio).is_none_or(|n| n == 0) {
                    audio.set_attr("id", "1");
                }
                wanted.extend(number(audio));
            }
        }
    }
    let known: Vec<u32> = devices.children_named("audio").filter_map(number).collect();
    wanted.sort_unstable();
    wanted.dedup();
    for id in wanted.into_iter().filter(|id| !known.contains(id)) {
        let backend = Element::new("audio")
            .with_attr("id", id.to_string())
            .with_attr("type", "none");
        devices.children.push(Node::Element(backend));
    }
}

/// The schema lets an audio backend's numbers be written in hex; libvirt
/// reads them as decimal only.
fn decimal_numbers(e: &mut Element) {
    const NUMBERS: &[&str] = &[
        "id",
        "timerPeriod",
        "voices",
        "bufferCount",
        "bufferLength",
        "latency",
        "frequency",
        "channels",
    ];
    for (k, v) in e.attrs.iter_mut() {
        if NUMBERS.contains(&k.as_str()) && v.parse::<u32>().is_err() {
            *v = "1".to_string();
        }
    }
    for n in e.children.iter_mut() {
        if let Node::Element(c) = n {
            decimal_numbers(c);
        }
    }
}

/// The first child element `name` of `e`, to change.
pub(crate) fn child_mut<'a>(e: &'a mut Element, name: &str) -> Option<&'a mut Element> {
    e.children.iter_mut().find_map(|n| match n {
        Node::Element(c) if c.name == name => Some(c),
        _ => None,
    })
}

/// The child elements `name` of `e`, to change.
pub(crate) fn kids_mut<'a>(
    e: &'a mut Element,
    name: &'a str,
) -> impl Iterator<Item = &'a mut Element> {
    e.children.iter_mut().filter_map(move |n| match n {
        Node::Element(c) if c.name == name => Some(c),
        _ => None,
    })
}

/// Why virt-xml refuses `root` at define (libvirt's rules), if it does.
pub(crate) fn refusal(root: &Element) -> Option<String> {
    virt_xml::parse_domain(&root.to_xml(0))
        .err()
        .map(|e| e.to_string())
}

/// Drop parts of `root` that the define-time rules refuse, keeping the
/// parts on the way to `aim` (a path such as `domain/devices/disk/@type`)
/// and the ones every document needs (name, uuid, memory, the OS type).
pub(crate) fn accept(root: &mut Element, aim: Option<&str>) {
    let Some(mut why) = refusal(root) else {
        return;
    };
    let mut attempts = 0;
    // The largest parts first (a whole device rather than its children),
    // later siblings before earlier ones: a drop then never moves a part
    // still to be tried at the same depth. A part kept in one pass may be
    // what the next refusal is about: passes go on while one drops some.
    loop {
        let mut dropped_any = false;
        for depth in 1..=DEPTH {
            let mut parts = Vec::new();
            list(
                root,
                &mut Vec::new(),
                &root.name.clone(),
                aim,
                depth,
                &mut parts,
            );
            for at in parts.iter().rev() {
                if attempts == ATTEMPTS {
                    settle_steered(root, aim);
                    return;
                }
                attempts += 1;
                let (parent_at, last) = at.split_at(at.len() - 1);
                let Some(parent) = element_at(root, parent_at) else {
                    continue;
                };
                let dropped = parent.children.remove(last[0]);
                // What is left is settled before it is judged: a part the
                // rules require (a `<resource>`'s partition, a disk's
                // target) is then given back, and its drop changes no
                // refusal (libvirt's earlier check refusing the part's
                // absence is no progress toward an accepted document).
                let mut settled = root.clone();
                settle_steered(&mut settled, aim);
                match refusal(&settled) {
                    None => {
                        *root = settled;
                        return;
                    }
                    Some(now) if now != why && !missing(&now, &dropped) => {
                        why = now;
                        dropped_any = true;
                    }
                    Some(_) => {
                        if let Some(parent) = element_at(root, parent_at) {
                            parent.children.insert(last[0], dropped);
                        }
                    }
                }
            }
        }
        if !dropped_any {
            settle_steered(root, aim);
            return;
        }
    }
}

/// Whether `refusal` is about the absence of `part` (libvirt's "missing
/// ..." errors naming it: a hostdev's `<source>`, a disk's target): a
/// refusal its drop caused, not one it uncovered.
fn missing(refusal: &str, part: &Node) -> bool {
    let Node::Element(part) = part else {
        return false;
    };
    let refusal = refusal.to_ascii_lowercase();
    refusal.contains("missing") && refusal.contains(&part.name.as_str().to_ascii_lowercase())
}

/// The index paths of the parts of `e` (at `path`, `idx`) `depth` levels
/// below the root that may be dropped.
fn list(
    e: &Element,
    idx: &mut Vec<usize>,
    path: &str,
    aim: Option<&str>,
    depth: usize,
    out: &mut Vec<Vec<usize>>,
) {
    for (i, n) in e.children.iter().enumerate() {
        let Node::Element(c) = n else {
            continue;
        };
        let here = format!("{path}/{}", c.name);
        idx.push(i);
        if idx.len() < depth {
            list(c, idx, &here, aim, depth, out);
        } else {
            let needed = matches!(
                here.as_str(),
                "domain/name" | "domain/uuid" | "domain/memory" | "domain/os" | "domain/os/type"
            );
            let on_the_way = aim.is_some_and(|a| a == here || a.starts_with(&format!("{here}/")));
            if !needed && !on_the_way {
                out.push(idx.clone());
            }
        }
        idx.pop();
    }
}

fn element_at<'a>(root: &'a mut Element, path: &[usize]) -> Option<&'a mut Element> {
    let mut e = root;
    for &i in path {
        e = match e.children.get_mut(i) {
            Some(Node::Element(c)) => c,
            _ => return None,
        };
    }
    Some(e)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A test domain of `memory_kib` with `parts` after its `<os>`, as
    /// the settling tests (here and in settle_devices) start from.
    pub(crate) fn domain_of(memory_kib: u64, parts: &str) -> Element {
        let xml = format!(
            "<domain type='test'><name>r</name><memory>{memory_kib}</memory>\
             <os><type>hvm</type></os>{parts}</domain>"
        );
        virt_xml::parse_element(&xml).unwrap()
    }

    fn domain(parts: &str) -> Element {
        domain_of(65536, parts)
    }

    #[test]
    fn settled_loader_and_idmap_are_accepted() {
        let mut root = domain(
            "<idmap><uid start='5' target='1000' count='10'/></idmap>\
             <resource/>",
        );
        let os = child_mut(&mut root, "os").unwrap();
        os.children.push(Node::Element(Element::new("loader")));
        os.children
            .push(Node::Element(Element::new("nvram").with_text("/var/n.fd")));
        assert!(refusal(&root).is_some());
        settle(&mut root, None);
        assert_eq!(refusal(&root), None, "{}", root.to_xml(0));
        // What the document had stays: the loader, the NVRAM, the idmap.
        let os = root.child("os").unwrap();
        assert_eq!(os.child("loader").unwrap().attr("type"), Some("pflash"));
        assert!(os.child("nvram").is_some());
        assert_eq!(root.child("idmap").unwrap().elements().count(), 2);
    }

    #[test]
    fn settled_interconnects_iommu_and_audio_settings_are_accepted() {
        let mut root = domain(
            "<vcpu>2</vcpu><cpu><numa><cell id='3' cpus='1' memory='1024'/><cell id='7' memory='1'/>\
             <interconnects><latency initiator='3' target='7' cache='2' type='read' value='5'/>\
             <latency initiator='7' target='3' type='read' value='6'/>\
             <bandwidth initiator='1' target='9' cache='4' type='write' value='5' unit='KiB'/>\
             </interconnects></numa></cpu>\
             <devices><iommu model='virtio'><driver eim='on' aw_bits='48'/></iommu>\
             <audio id='1' type='none'><input><settings frequency='44100' channels='2' format='s16'/>\
             </input></audio></devices>",
        );
        assert!(refusal(&root).is_some());
        settle(&mut root, None);
        assert_eq!(refusal(&root), None, "{}", root.to_xml(0));
        // The parts stay: one latency, the bandwidth, their cache levels,
        // the IOMMU's options, the audio settings.
        let xml = root.to_xml(0);
        for part in [
            "<latency",
            "cache='1'",
            "<bandwidth",
            "eim='on'",
            "aw_bits='48'",
            "<settings",
        ] {
            assert!(xml.contains(part), "{part} not in {xml}");
        }
        assert_eq!(xml.matches("<latency").count(), 1, "{xml}");
    }

    #[test]
    fn accept_drops_what_is_refused_but_not_the_aim() {
        let parts = "<cpu><vendor>Intel</vendor></cpu><clock offset='utc'/>";
        let mut root = domain(parts);
        let why = refusal(&root);
        assert!(why.is_some());
        accept(&mut root, Some("domain/clock/@offset"));
        assert_eq!(refusal(&root), None, "{}", root.to_xml(0));
        assert!(root.child("cpu").is_none());
        assert!(root.child("clock").is_some());
        // The part the document was built for is never dropped: it stays
        // refused.
        let mut root = domain(parts);
        accept(&mut root, Some("domain/cpu/vendor"));
        assert_eq!(refusal(&root), why);
    }

    /// A part the rules require is not dropped for the earlier refusal
    /// its absence brings (a `<resource>`'s partition, a host device's
    /// source), and a scheduler's vCPU set that is no bitmap is one.
    /// Per-vCPU states naming vCPUs beyond the count, or offline and
    /// fixed: refused as they are, accepted settled, their attributes kept.
    #[test]
    fn steered_vcpu_states_are_accepted() {
        let mut root = domain(
            "<vcpus><vcpu id='7' enabled='no' hotpluggable='no'/>\
             <vcpu id='12' enabled='yes' hotpluggable='no' order='1'/></vcpus>",
        );
        assert!(refusal(&root).is_some());
        settle_steered(&mut root, Some("domain/vcpus/vcpu/@hotpluggable"));
        let xml = root.to_xml(0);
        assert_eq!(refusal(&root), None, "{xml}");
        assert!(
            xml.contains("<vcpu id='1' enabled='yes' hotpluggable='no' order='1'/>"),
            "{xml}"
        );
    }

    #[test]
    fn accept_keeps_what_the_rules_require() {
        let aim = Some("domain/devices/watchdog/@model");
        let mut root = domain(
            "<resource><partition>/machine</partition></resource>\
             <cputune><vcpusched vcpus='pr7' scheduler='fifo' priority='1'/></cputune>\
             <devices><hostdev mode='capabilities' type='net'><source><interface>eth0</interface>\
             </source><route address='0.0.0.0' gateway='1.2.3.4'/></hostdev>\
             <watchdog model='none-such'/></devices>",
        );
        settle_steered(&mut root, aim);
        let why = refusal(&root);
        assert!(
            why.as_deref().is_some_and(|w| w.contains("none-such")),
            "{why:?}"
        );
        accept(&mut root, aim);
        // The unknown model stays refused, as it was built to be;
        // nothing it does not need was dropped for it.
        assert_eq!(refusal(&root), why, "{}", root.to_xml(0));
        let xml = root.to_xml(0);
        for part in ["<partition>", "<interface>eth0", "vcpus='0'"] {
            assert!(xml.contains(part), "{part} not in {xml}");
        }
    }
}
