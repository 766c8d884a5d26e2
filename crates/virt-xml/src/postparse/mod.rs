//! What libvirt's parser does to a definition after reading it and before
//! keeping it, where the model would otherwise keep the document as
//! written (found by the differential run against libvirt 9.0, see
//! crates/virt-schema):
//!
//! - empty containers libvirt reads into nothing are not kept (`<vcpus/>`,
//!   `<memtune/>`, `<cpu/>`, `<os><bios/></os>`, ...): libvirt formats them
//!   only when they hold something; nor are `<pm>` states without
//!   `enabled`;
//! - the init options of `<os>` (`<init>`, `<initarg>`, ...) are read for
//!   container guests (`<type>exe</type>`) only, and dropped otherwise;
//! - an empty `<genid/>` asks for a generated VM generation ID, a given
//!   one is written in libvirt's UUID format;
//! - an HVM guest without boot devices boots from `hd`;
//! - a `variable` clock always has its adjustment and basis;
//! - `<memtune>` limits are written in KiB, unset ones left out;
//! - CPU and node sets are written in libvirt's form (`0-2,^1` -> `0,2`);
//! - `<os><firmware>` features are dropped without `<os firmware=...>`
//!   (libvirt 9.0 as Debian ships it: no autoselection, nothing to select);
//!
//! and the cross-check libvirt makes on the values read ([`check`]): the
//! maximum memory not below the memory (the vCPU counts are checked where
//! libvirt reads them, `validate`).

use crate::validate::{canonical_set, read_seclabel};
use crate::{DomainDef, Element, Node, XmlError};

mod audio;
mod chr_source;
mod clock;
mod cpu;
mod cputune;
mod device_parts;
mod devices;
mod disk;
mod features;
mod filesystem;
mod graphics;
mod hostdev;
mod interface;
mod numa;
mod os;
mod platform;
mod sources;
mod storage_source;
mod tuning;
use clock::*;
use cpu::*;
use cputune::*;
pub(crate) use device_parts::input_bus_of;
use devices::check_panics;
pub(crate) use devices::{
    check_each_device, check_memory, controller_models, disk_name_index, memory_from_numa,
};
use features::*;
pub(crate) use hostdev::HOSTDEV_PCI_BACKENDS;
pub(crate) use interface::mac_address;
use numa::*;
use os::*;
use tuning::*;

/// Top-level elements libvirt drops when they are empty (no attribute, no
/// child): each is read into a structure it formats only when set.
const DROPPED_WHEN_EMPTY: &[&str] = &[
    "blkiotune",
    "cpu",
    "cputune",
    "defaultiothread",
    "idmap",
    "iothreadids",
    "keywrap",
    "memoryBacking",
    "memtune",
    "numatune",
    "perf",
    "pm",
    "seclabel",
    "vcpus",
];

/// Top-level elements libvirt reads from their first copy only.
const FIRST_ONLY: &[&str] = &["metadata", "on_lockfailure"];

/// `<os>` children libvirt drops when they are empty.
const OS_DROPPED_WHEN_EMPTY: &[&str] = &["acpi", "bios", "bootmenu", "firmware", "smbios"];

/// `<os>` children read only for `<type>exe</type>`.
const OS_INIT_OPTIONS: &[&str] = &[
    "init",
    "initarg",
    "initdir",
    "initenv",
    "initgroup",
    "inituser",
];

/// The parts named `name` less all but the first: libvirt reads
/// `./name[1]` and writes what it read.
pub(super) fn keep_first(parts: &mut Vec<Element>, name: &str) {
    let mut first = true;
    parts.retain(|e| e.name != name || std::mem::take(&mut first));
}

fn is_empty(e: &Element) -> bool {
    e.attrs.is_empty()
        && e.children.iter().all(|n| match n {
            Node::Text(t) => t.trim().is_empty(),
            Node::Element(_) => false,
        })
}

/// Applies libvirt's post-parse changes to `def`.
pub(crate) fn apply(def: &mut DomainDef) {
    // The rewrites of the top-level parts kept as elements read and write
    // `def.extra` alone, so they run first, together, and not at all for
    // the many definitions without such parts; the other rewrites never
    // read `def.extra`, so the order between the two sets is free.
    if !def.extra.is_empty() {
        top_level_parts(def);
    }
    // `string(./title[1])`: an empty one is none.
    if def.title.as_deref() == Some("") {
        def.title = None;
    }
    if def.description.as_deref() == Some("") {
        def.description = None;
    }
    // virDomainDefHasMemoryHotplug: a maximum memory of zero with no
    // slots is no maximum, and is not written.
    if matches!(def.max_memory, Some((0, None | Some(0)))) {
        def.max_memory = None;
    }
    // `string(./os/@firmware)`: an empty one is none.
    def.os
        .attrs
        .retain(|(k, v)| !(k == "firmware" && v.is_empty()));
    loader(def);
    // `string(./bootloader)`: an empty one is none, and its arguments are
    // written only with it.
    if def.bootloader.as_deref().is_some_and(str::is_empty) {
        def.bootloader = None;
    }
    if def.bootloader.is_none() || def.bootloader_args.as_deref() == Some("") {
        def.bootloader_args = None;
    }
    boot_options(def);
    first_os_parts(def);
    // virDomainDefParseBootOptions reads the kernel options of HVM, Xen
    // and UML guests only (a Xen domain's "linux" OS type is read as
    // "xen"), and the command line of an exe guest with its init options.
    let xen_linux = def.os.os_type == "linux" && def.domain_type == "xen";
    if !(matches!(def.os.os_type.as_str(), "hvm" | "xen" | "xenpvh" | "uml") || xen_linux) {
        if def.os.os_type != "exe" {
            def.os.cmdline = None;
        }
        for option in [&mut def.os.kernel, &mut def.os.initrd, &mut def.os.root] {
            *option = None;
        }
        def.os.extra.retain(|e| e.name != "dtb");
    }
    devices(def);
    // `./os/type[1]`: a second <type> is not read.
    def.os.extra.retain(|e| e.name != "type");
    def.os.unknown.retain(|u| u.element.name != "type");
    if let Some(features) = def.features.as_mut() {
        if let Some(read) = features_as_written(features) {
            *features = read;
        }
    }
    if def.features.as_ref().is_some_and(Vec::is_empty) {
        def.features = None;
    }
    let exe = def.os.os_type == "exe";
    let autoselect = def.os.attrs.iter().any(|(k, _)| k == "firmware");
    def.os.extra.retain(|e| {
        let name = e.name.as_str();
        !(OS_DROPPED_WHEN_EMPTY.contains(&name) && is_empty(e))
            && (exe || !OS_INIT_OPTIONS.contains(&name))
            && (autoselect || name != "firmware")
    });
    // virDomainDefParseBootInitOptions: `./os/init[1]`, `./os/initdir[1]`,
    // ... (every initarg and initenv).
    for name in ["init", "initdir", "inituser", "initgroup"] {
        keep_first(&mut def.os.extra, name);
    }
    firmware_features(def);
    // Reads the vCPU placement as well (and may add `<numatune>`).
    numatune(def);
    canonical_sets(def);
    for cpu in def.extra.iter_mut().filter(|e| e.name == "cpu") {
        guest_cpu(cpu);
    }
    guest_numa(def);
    // virCPUDefParseXML reads `./cpu[1]` alone (the NUMA cells of every
    // copy were read above).
    keep_first(&mut def.extra, "cpu");
    vcpu_states(def);
    // What libvirt read into nothing it does not write.
    def.extra.retain(|e| e.name != "cpu" || !is_empty(e));
    merge_clocks(def);
    for clock in def.extra.iter_mut().filter(|e| e.name == "clock") {
        clock_attrs(clock);
        for n in &mut clock.children {
            if let Node::Element(t) = n {
                if t.name == "timer" {
                    timer_as_written(t);
                }
            }
        }
    }
    // virDomainDefBootOrderPostParse: an HVM guest without boot devices
    // boots from disk, a directly booted kernel too (the generic defaults
    // leave those alone for the Xen drivers' older format). With a
    // bootloader no boot device is written (virDomainDefFormatInternal).
    if def.os.os_type == "hvm"
        && def.os.boot.is_empty()
        && !def.has_boot_order()
        && def.bootloader.is_none()
    {
        def.os.boot.push("hd".into());
    }
}

/// The post-parse rewrites of the top-level parts kept as elements
/// (`def.extra`), in libvirt's order; they read and write nothing else.
fn top_level_parts(def: &mut DomainDef) {
    // `virXPathNode("./metadata[1]")`, `string(./on_lockfailure[1])`.
    for name in FIRST_ONLY {
        keep_first(&mut def.extra, name);
    }
    // `string(./on_lockfailure[1])`: none when empty, and the default
    // action is not written.
    def.extra.retain(|e| {
        e.name != "on_lockfailure"
            || !matches!(crate::validate::string_value(e).as_str(), "" | "default")
    });
    // `./pm/suspend-to-mem`: the first state of each kind in any `<pm>`,
    // written with its `enabled` (without one it is left at its default,
    // which libvirt does not write).
    if let Some(pm) = merged(def, "pm") {
        let mut out = Element::new("pm");
        for state in ["suspend-to-mem", "suspend-to-disk"] {
            if let Some(enabled) = pm.child(state).and_then(|s| s.attr("enabled")) {
                out = out.with_child(Element::new(state).with_attr("enabled", enabled));
            }
        }
        write_once(def, out);
    }
    blkiotune(def);
    // `./memtune/hard_limit[1]`, ...: each limit from the first copy
    // giving it.
    if let Some(mut memtune) = merged(def, "memtune") {
        memtune_in_kib(&mut memtune);
        write_once(def, memtune);
    }
    resource(def);
    idmap(def);
    seclabels(def);
    memory_backing(def);
    keywrap(def);
    iothreads(def);
    cputune(def);
    perf(def);
    sysinfo(def);
    launch_security(def);
    def.extra
        .retain(|e| !(DROPPED_WHEN_EMPTY.contains(&e.name.as_str()) && is_empty(e)));
    for e in def.extra.iter_mut().filter(|e| e.name == "genid") {
        let id = match crate::parse_uuid(&e.text()) {
            Some(id) => id,
            None => uuid::Uuid::new_v4(),
        };
        e.children = vec![Node::Text(id.to_string())];
    }
}

/// The domain's `<seclabel>`s as libvirt writes what it read: type,
/// model and relabel in that order (relabel not for type none), the
/// static label or the dynamic base label; one of the "default" type
/// (no `type=`) is not written at all.
fn seclabels(def: &mut DomainDef) {
    def.extra.retain_mut(|e| {
        if e.name != "seclabel" {
            return true;
        }
        let Ok(label) = read_seclabel(e) else {
            return true;
        };
        let Some(label_type) = label.label_type else {
            return false;
        };
        let mut out = Element::new("seclabel").with_attr("type", label_type);
        if let Some(model) = label.model {
            out = out.with_attr("model", model);
        }
        if label_type != "none" {
            out = out.with_attr("relabel", if label.relabel { "yes" } else { "no" });
            if let Some(l) = label.label {
                out = out.with_child(Element::new("label").with_text(l));
            }
            if let Some(b) = label.baselabel {
                out = out.with_child(Element::new("baselabel").with_text(b));
            }
        }
        *e = out;
        true
    });
}

/// The top-level part `out.name` written once, as `out`, where its first
/// copy was (libvirt reads every copy into one structure and writes that);
/// not at all when `out` is empty.
fn write_once(def: &mut DomainDef, out: Element) {
    let mut first = true;
    let keep = !is_empty(&out);
    def.extra.retain_mut(|e| {
        if e.name != out.name {
            return true;
        }
        if !(std::mem::take(&mut first) && keep) {
            return false;
        }
        *e = out.clone();
        true
    });
}

/// Every copy of the top-level part `name` as one element holding all
/// their children, in document order: what an XPath such as
/// `./memtune/hard_limit[1]` looks through.
fn merged(def: &DomainDef, name: &str) -> Option<Element> {
    let mut copies = def.extra.iter().filter(|e| e.name == name);
    let mut out = copies.next()?.clone();
    for e in copies {
        out.children.extend(e.children.iter().cloned());
    }
    Some(out)
}

/// `<idmap>` as libvirt writes what it read (virDomainIdmapDefParseXML
/// reads `./idmap/uid` and `./idmap/gid` through every copy, each kind
/// sorted by start; its format writes the `<uid>`s, then the `<gid>`s, and
/// nothing without a `<uid>`).
fn idmap(def: &mut DomainDef) {
    let Some(given) = merged(def, "idmap") else {
        return;
    };
    let mut out = Element::new("idmap");
    if given.child("uid").is_some() {
        for kind in ["uid", "gid"] {
            let mut ranges: Vec<[u32; 3]> = given
                .children_named(kind)
                .filter_map(|e| {
                    let n = |a: &str| e.attr(a).and_then(|v| v.trim().parse::<u32>().ok());
                    Some([n("start")?, n("target")?, n("count")?])
                })
                .collect();
            ranges.sort_by_key(|r| r[0]);
            for [start, target, count] in ranges {
                out = out.with_child(
                    Element::new(kind)
                        .with_attr("start", start.to_string())
                        .with_attr("target", target.to_string())
                        .with_attr("count", count.to_string()),
                );
            }
        }
    }
    write_once(def, out);
}

/// `<resource>` as libvirt writes what it read (virDomainResourceDefParse,
/// virDomainResourceDefFormat): the partition, then the Fibre Channel
/// appid, each once.
fn resource(def: &mut DomainDef) {
    let Some(given) = def.extra.iter().find(|e| e.name == "resource") else {
        return;
    };
    let (partition, appid) = crate::validate::resource_parts(given);
    let mut out = Element::new("resource");
    if let Some(p) = partition {
        out = out.with_child(Element::new("partition").with_text(p));
    }
    if let Some(a) = appid {
        out = out.with_child(Element::new("fibrechannel").with_attr("appid", a));
    }
    write_once(def, out);
}

/// `<keywrap>` as libvirt writes what it read: one element, aes then
/// dea, each cipher once; none when no cipher is given.
fn keywrap(def: &mut DomainDef) {
    if !def.extra.iter().any(|e| e.name == "keywrap") {
        return;
    }
    let Ok(states) = crate::validate::keywrap(def) else {
        return;
    };
    let mut out = Element::new("keywrap");
    for (name, state) in ["aes", "dea"].into_iter().zip(states) {
        if let Some(state) = state {
            let cipher = Element::new("cipher")
                .with_attr("name", name)
                .with_attr("state", state);
            out = out.with_child(cipher);
        }
    }
    write_once(def, out);
}

/// `<blkiotune>` as libvirt writes what it read (virDomainDefTunablesParse,
/// virDomainDefFormatBlkiotune): the first weight of every copy, when it
/// reads as a positive number; the devices of every copy, each only with a
/// limit set and then with the limits set, in libvirt's order.
fn blkiotune(def: &mut DomainDef) {
    use crate::views::View;
    let Some(read) = merged(def, "blkiotune") else {
        return;
    };
    let Ok(tune) = crate::views::Blkiotune::from_element(&read) else {
        return;
    };
    let mut out = Element::new("blkiotune");
    // virXPathUInt: what does not read is no weight.
    let weight = tune
        .weight
        .as_deref()
        .and_then(|w| crate::validate::c_uint(w, 10))
        .filter(|w| *w != 0);
    if let Some(w) = weight {
        out = out.with_child(Element::new("weight").with_text(w.to_string()));
    }
    for d in &tune.devices {
        let limits = [
            ("weight", d.weight.map(u64::from)),
            ("read_iops_sec", d.read_iops_sec.map(u64::from)),
            ("write_iops_sec", d.write_iops_sec.map(u64::from)),
            ("read_bytes_sec", d.read_bytes_sec),
            ("write_bytes_sec", d.write_bytes_sec),
        ];
        let mut device = Element::new("device").with_child(Element::new("path").with_text(&d.path));
        for (name, value) in limits {
            if let Some(v) = value.filter(|v| *v != 0) {
                device = device.with_child(Element::new(name).with_text(v.to_string()));
            }
        }
        if device.children.len() > 1 {
            out = out.with_child(device);
        }
    }
    write_once(def, out);
}

/// `<launchSecurity>` as libvirt writes what it read (virDomainSecDefParseXML
/// on the first one, virDomainSecDefFormat): for SEV the host-dependent
/// numbers given, as C's `%d` prints them, the policy in hexadecimal
/// (`0x%04x`), the certificate and session when not empty, and no handle
/// (libvirt reads none).
fn launch_security(def: &mut DomainDef) {
    let Some(sec) = def.extra.iter().find(|e| e.name == "launchSecurity") else {
        return;
    };
    let mut out = Element::new("launchSecurity");
    match sec.attr("type") {
        Some("s390-pv") => out = out.with_attr("type", "s390-pv"),
        Some("sev") => {
            out = out.with_attr("type", "sev");
            if let Some(k) = sec.attr("kernelHashes") {
                out = out.with_attr("kernelHashes", k);
            }
            let text = |name: &str| sec.child(name).map(Element::text).unwrap_or_default();
            for name in ["cbitpos", "reducedPhysBits"] {
                let t = text(name);
                if t.is_empty() {
                    continue;
                }
                let Some(n) = crate::validate::c_uint(&t, 10) else {
                    return;
                };
                out = out.with_child(Element::new(name).with_text((n as i32).to_string()));
            }
            let Some(policy) = crate::validate::c_uint(&text("policy"), 16) else {
                return;
            };
            out = out.with_child(Element::new("policy").with_text(format!("0x{policy:04x}")));
            for name in ["dhCert", "session"] {
                let t = text(name);
                if !t.is_empty() {
                    out = out.with_child(Element::new(name).with_text(t));
                }
            }
        }
        // Refused when read.
        _ => return,
    }
    write_once(def, out);
}

/// The `<auth>` of a disk's first `<source>` as virDomainStorageSourceParse
/// reads it (`./auth`: the first) and virDomainDiskSourceFormat writes it:
/// never for a storage volume, whose authentication is its pool's.
fn source_auth(disk: &mut crate::Disk) {
    let volume = disk.disk_type == "volume";
    let Some(source) = disk.extra.iter_mut().find(|e| e.name == "source") else {
        return;
    };
    let mut first = !volume;
    source.children.retain(|n| {
        !matches!(n, Node::Element(c) if c.name == "auth") || std::mem::take(&mut first)
    });
}

/// Devices as libvirt writes what it read: a watchdog's action defaults
/// to reset (virDomainWatchdogDefParseXML) and is always written; a
/// `<panic>` with neither a model nor an address is not written
/// (virDomainPanicDefFormat writes it only with content); every device's
/// information as libvirt writes it (`devinfo`).
fn devices(def: &mut DomainDef) {
    crate::views::drop_unread(&mut def.devices);
    for disk in &mut def.devices.disks {
        disk.unknown.retain(|u| u.element.name != "privateData");
        disk::rewrite(disk);
    }
    disk::expand_group_iotune(&mut def.devices.disks);
    for disk in &mut def.devices.disks {
        let network = disk.disk_type == "network";
        for part in &mut disk.extra {
            sources::drop_private_data(part);
            // A network source's labels are not written
            // (virDomainDiskSourceFormat).
            if part.name == "source" && !network {
                sources::source_seclabels(part);
            }
            if part.name == "source" {
                sources::source_secret_uuids(part);
            }
        }
        source_auth(disk);
        // The first <backingStore> only, as libvirt writes what it read.
        keep_first(&mut disk.extra, "backingStore");
        if let Some(b) = disk.extra.iter_mut().find(|e| e.name == "backingStore") {
            if let Some(written) = storage_source::written_backing_store(b, 8).filter(|w| w != b) {
                *b = written;
            }
        }
    }
    for nvram in def.os.extra.iter_mut().filter(|e| e.name == "nvram") {
        sources::drop_private_data(nvram);
        if nvram.attr("type") == Some("vhostuser") {
            for n in nvram.children.iter_mut() {
                if let Node::Element(s) = n {
                    if s.name == "source" {
                        chr_source::vhostuser_reconnect(s);
                    }
                }
            }
        }
    }
    crate::implicit::assign_controller_indexes(&mut def.devices.other);
    // virDomainDefParseCaps: a Xen domain's `linux` guests are `xen` ones.
    let os_type = match def.os.os_type.as_str() {
        "linux" if def.domain_type == "xen" => "xen",
        t => t,
    };
    for device in &mut def.devices.other {
        sources::drop_private_data(device);
        if device.name == "input" {
            device_parts::input_bus(device, os_type, def.os.arch.as_deref());
            device_parts::input_source(device);
        }
        device_parts::rewrite(device);
        crate::devinfo::rewrite(device);
        device_parts::redirdev_end_tag(device);
    }
    for i in &mut def.devices.interfaces {
        interface::rewrite(i);
        crate::devinfo::rewrite_interface(&mut i.extra);
    }
    for g in &mut def.devices.graphics {
        graphics::rewrite(g);
    }
    device_parts::parallel_targets(&mut def.devices.chardevs);
    for c in &mut def.devices.chardevs {
        device_parts::channel_target(c);
        let dev_type = c.dev_type.as_deref().unwrap_or("pty");
        let mut children: Vec<Node> = std::mem::take(&mut c.extra)
            .into_iter()
            .map(Node::Element)
            .collect();
        chr_source::rewrite(dev_type, &mut children, chr_source::Owner::CharDev);
        c.extra = children
            .into_iter()
            .filter_map(|n| match n {
                Node::Element(e) => Some(e),
                Node::Text(_) => None,
            })
            .collect();
        crate::devinfo::rewrite_chardev(&mut c.extra);
    }
    // A panic's and a vsock's model 'default' is libvirt's none, not
    // written (virDomainPanicDefFormat, virDomainVsockDefFormat). An
    // empty `<redirfilter>` is not written either
    // (virDomainRedirFilterDefFormat).
    for device in def.devices.other.iter_mut() {
        if matches!(device.name.as_str(), "panic" | "vsock")
            && device.attr("model") == Some("default")
        {
            device.remove_attr("model");
        }
    }
    def.devices.other.retain(|e| match e.name.as_str() {
        "panic" => !is_empty(e),
        "redirfilter" => e.child("usbdev").is_some(),
        _ => true,
    });
    // Only VNC and D-Bus graphics have an audio backend in libvirt's
    // model: other types' `<audio>` is not read, so not written.
    for g in def
        .devices
        .graphics
        .iter_mut()
        .filter(|g| !matches!(g.graphics_type.as_str(), "vnc" | "dbus"))
    {
        g.extra.retain(|e| e.name != "audio");
    }
    for w in def
        .devices
        .other
        .iter_mut()
        .filter(|e| e.name == "watchdog")
    {
        if w.attr("action").is_none() {
            let at = w
                .attrs
                .iter()
                .position(|(k, _)| k == "model")
                .map_or(0, |i| i + 1);
            w.attrs.insert(at, ("action".into(), "reset".to_string()));
        }
    }
}

/// CPU and node sets written back the way libvirt formats what it read
/// (`0-2,^1,5` -> `0,2,5`); a `<vcpu cpuset>` with automatic placement is
/// not read at all.
fn canonical_sets(def: &mut DomainDef) {
    if def.vcpu.placement.as_deref() == Some("auto") {
        def.vcpu.cpuset = None;
    }
    if let Some(set) = def.vcpu.cpuset.as_deref().and_then(canonical_set) {
        def.vcpu.cpuset = Some(set);
    }
    let rewrite = |e: &mut Element, attr: &str| {
        if let Some(set) = e.attr(attr).and_then(canonical_set) {
            e.set_attr(attr, set);
        }
    };
    for e in def.extra.iter_mut() {
        match e.name.as_str() {
            "cputune" => {
                for c in e.children.iter_mut() {
                    if let Node::Element(c) = c {
                        if matches!(c.name.as_str(), "vcpupin" | "emulatorpin" | "iothreadpin") {
                            rewrite(c, "cpuset");
                        }
                    }
                }
            }
            "numatune" => {
                for c in e.children.iter_mut() {
                    if let Node::Element(c) = c {
                        if matches!(c.name.as_str(), "memory" | "memnode") {
                            rewrite(c, "nodeset");
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// virDomainDefPostParseCommon's first check: a container (`<type>exe</type>`)
/// needs the binary to start, `string(./os/init[1])`, where an empty
/// `<init/>` counts as none.
pub(crate) fn check_init(def: &DomainDef) -> Result<(), XmlError> {
    if def.os.os_type != "exe" {
        return Ok(());
    }
    let init = def.os.extra.iter().find(|e| e.name == "init");
    if init.is_some_and(|e| !crate::validate::string_value(e).is_empty()) {
        return Ok(());
    }
    Err(XmlError::Invalid("init binary must be specified".into()))
}

/// libvirt's checks across values of a parsed definition, with its errors.
pub(crate) fn check(def: &DomainDef) -> Result<(), XmlError> {
    // virDomainDefPostParseMemory: a maximum and a slot count, both or
    // neither (zero is unset). A `<maxMemory>` without `slots` is the
    // libvirt 0.2 form (the domain's maximum memory, as the 0.2-era test
    // driver documents give it), which libvirt 9.0 refuses and this model
    // still reads.
    if let Some((max, Some(slots))) = def.max_memory {
        if (max != 0) != (slots != 0) {
            return Err(XmlError::Invalid(
                "both maximum memory size and memory slot count must be specified".into(),
            ));
        }
    }
    if let Some((max, _)) = def.max_memory {
        if max != 0 && max < def.memory {
            return Err(XmlError::Invalid(
                "maximum memory size must be equal or greater than the actual memory size".into(),
            ));
        }
    }
    // virDomainDefPostParseOs: enrolled keys need secure boot (features
    // are read for HVM guests with firmware autoselection only, as
    // libvirt 9.0 as Debian ships it reads them).
    if def.os.os_type == "hvm"
        && crate::validate::firmware(def).is_some()
        && read_firmware_features(def).is_some_and(|s| s == [Some("yes"), Some("no")])
    {
        return Err(crate::validate::detail(
            "firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is disabled",
        ));
    }
    devices::check_controllers_unique(def)?;
    // virDomainDefRejectDuplicatePanics.
    check_panics(def)?;
    devices::check_boot_orders(def)?;
    clock::check_timers(def)?;
    // virDomainDefPostParseCPU: a check only with a model to check.
    if let Some(cpu) = def.extra.iter().find(|e| e.name == "cpu") {
        let custom = cpu.attr("mode").is_none_or(|m| m == "custom");
        let has_model = cpu.child("model").is_some_and(|m| !m.text().is_empty());
        if custom && !has_model && cpu.attr("check").is_some_and(|c| c != "default") {
            return Err(XmlError::Unsupported(
                "check attribute specified for CPU with no model".into(),
            ));
        }
    }
    Ok(())
}

/// libvirt's user alias: `ua-` then letters, digits, `_` and `-` only
/// (`USER_ALIAS_PREFIX`, `USER_ALIAS_CHARS`).
fn is_user_alias(name: &str) -> bool {
    name.strip_prefix("ua-").is_some_and(|rest| {
        rest.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

/// A device's children with its `<alias>`es as libvirt reads them into
/// an inactive definition: the first one's name (`string(./alias/@name)`)
/// is kept, as `<alias name='...'/>` in the first one's place, when it is
/// a user alias; every other `<alias>` goes.
fn inactive_aliases(children: &mut Vec<Node>) {
    let mut aliases = children.iter().filter_map(|n| match n {
        Node::Element(e) if e.name == "alias" => Some(e),
        _ => None,
    });
    let Some(first) = aliases.next() else { return };
    let name = first.attr("name").unwrap_or("");
    // One user alias with its name alone: kept as it is.
    if aliases.next().is_none()
        && is_user_alias(name)
        && first.attrs.len() == 1
        && first.children.is_empty()
    {
        return;
    }
    let name = name.to_string();
    let mut kept = false;
    children.retain_mut(|n| match n {
        Node::Element(e) if e.name == "alias" => {
            if kept || !is_user_alias(&name) {
                return false;
            }
            kept = true;
            e.attrs = vec![("name".into(), name.clone())];
            e.children.clear();
            true
        }
        _ => true,
    });
}

/// The same for the stored children of a typed device.
fn inactive_aliases_of(extra: &mut Vec<Element>) {
    // Most have none: the children are not moved to nodes and back.
    if !extra.iter().any(|e| e.name == "alias") {
        return;
    }
    let mut children: Vec<Node> = std::mem::take(extra)
        .into_iter()
        .map(Node::Element)
        .collect();
    inactive_aliases(&mut children);
    *extra = children
        .into_iter()
        .filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
        .collect();
}

impl DomainDef {
    /// Leave out what libvirt does not read from a definition it reads as
    /// inactive (`VIR_DOMAIN_DEF_PARSE_INACTIVE`: define and create): the
    /// device aliases a running guest's driver assigns, a pty's path. Only user aliases
    /// (`ua-` then letters, digits, `_`, `-`) stay; drivers call this on
    /// the definitions they are given, not on the ones they keep for
    /// running guests.
    pub fn forget_assigned_aliases(&mut self) {
        let devices = &mut self.devices;
        for d in &mut devices.disks {
            inactive_aliases_of(&mut d.extra);
        }
        for i in &mut devices.interfaces {
            inactive_aliases_of(&mut i.extra);
            // virDomainNetDefParseXML: a host device name a driver made up
            // (vnet, macvtap, macvlan) is not kept, unless libvirt does
            // not manage the device.
            let managed = i
                .extra
                .iter()
                .find(|e| e.name == "target")
                .and_then(|t| t.attr("managed"));
            let generated = i.target_dev.as_deref().is_some_and(|d| {
                ["vnet", "macvtap", "macvlan"]
                    .iter()
                    .any(|p| d.starts_with(p))
            });
            if generated && managed != Some("no") {
                i.target_dev = None;
                for t in i.extra.iter_mut().filter(|e| e.name == "target") {
                    t.remove_attr("dev");
                }
            }
            // virDomainNetDefParseXML reads a network interface's port
            // (`portid`) from live definitions only: not kept, nor
            // checked, at define.
            if i.iface_type == "network" {
                i.source.retain(|(k, _)| k != "portid");
                for s in i.extra.iter_mut().filter(|e| e.name == "source") {
                    s.remove_attr("portid");
                }
            }
        }
        for c in &mut devices.chardevs {
            inactive_aliases_of(&mut c.extra);
            // A pty's path is read from live definitions only
            // (virDomainChrSourceDefParseXML); no type is a pty too.
            if c.dev_type.as_deref().is_none_or(|t| t == "pty") {
                c.extra.retain(|e| e.name != "source");
            }
        }
        // Graphics carry no device info: libvirt reads no alias there.
        for g in &mut devices.graphics {
            g.extra.retain(|e| e.name != "alias");
            graphics::inactive_ports(g);
        }
        for o in &mut devices.other {
            inactive_aliases(&mut o.children);
            // A redirdev left with nothing but its dropped alias still
            // ends its start tag with `>`.
            device_parts::redirdev_end_tag(o);
        }
        // A `<panic>` left with nothing is not written
        // (virDomainPanicDefFormat), as at define.
        devices.other.retain(|e| e.name != "panic" || !is_empty(e));
    }
}

#[cfg(test)]
mod tests {
    /// A container needs a non-empty `<init>` (the first one counts), and
    /// the check comes before the vCPU states' (both as virsh shows them).
    #[test]
    fn a_container_needs_its_init_binary() {
        let define = |init: &str| {
            crate::parse_domain(&format!(
                "<domain type='test'><name>c</name><memory>1024</memory>\
                 <vcpus><vcpu id='0' enabled='no' hotpluggable='no'/></vcpus>\
                 <os><type>exe</type>{init}</os></domain>"
            ))
            .map(|_| ())
            .map_err(|e| e.to_string())
        };
        let missing = "init binary must be specified";
        let vcpu = "vcpu '0' is both offline and not hotpluggable";
        for init in ["", "<init/>", "<init/><init>/bin/sh</init>"] {
            assert!(define(init).unwrap_err().contains(missing), "{init}");
        }
        for init in ["<init>/bin/sh</init>", "<init> </init>"] {
            assert!(define(init).unwrap_err().contains(vcpu), "{init}");
        }
    }

    /// A container's init options are read once each, the first copy
    /// (virsh 9.0 dumps one `<init>` of two).
    #[test]
    fn a_containers_init_options_are_read_once() {
        let def = crate::parse_domain(
            "<domain type='test'><name>c</name><memory>1024</memory><os><type>exe</type>\
             <init>/a</init><init>/b</init><inituser>u</inituser><inituser>v</inituser>\
             <initarg>x</initarg><initarg>y</initarg></os></domain>",
        )
        .unwrap();
        let xml = def.to_xml(&crate::FormatOptions::default());
        assert!(
            xml.contains("<init>/a</init>") && !xml.contains("/b"),
            "{xml}"
        );
        assert!(
            xml.contains("<inituser>u</inituser>") && !xml.contains(">v<"),
            "{xml}"
        );
        assert!(
            xml.contains("<initarg>x</initarg>") && xml.contains("<initarg>y</initarg>"),
            "{xml}"
        );
    }

    /// An inactive definition keeps the first alias when it is a user
    /// alias, written with its name alone; a lone one already so stays
    /// as it is, other aliases go.
    #[test]
    fn only_a_first_user_alias_is_kept() {
        let kept = |disk_children: &str| {
            let mut def = crate::parse_domain(&format!(
                "<domain type='test'><name>t</name><memory>1024</memory><os><type>hvm</type></os>\
                 <devices><disk type='file' device='disk'><source file='/a'/><target dev='vda'/>\
                 {disk_children}</disk><watchdog model='i6300esb'>{disk_children}</watchdog></devices></domain>"
            ))
            .unwrap();
            def.forget_assigned_aliases();
            let disk: Vec<_> = def.devices.disks[0]
                .extra
                .iter()
                .filter(|e| e.name == "alias")
                .map(|e| e.attrs.clone())
                .collect();
            let watchdog = def
                .devices
                .other
                .iter()
                .find(|e| e.name == "watchdog")
                .map(|w| {
                    w.elements()
                        .filter(|e| e.name == "alias")
                        .map(|e| e.attrs.clone())
                        .collect::<Vec<_>>()
                });
            assert_eq!(Some(&disk), watchdog.as_ref(), "{disk_children}");
            disk
        };
        let name = |n: &str| vec![vec![("name".into(), n.to_string())]];
        assert_eq!(kept("<alias name='ua-disk_1'/>"), name("ua-disk_1"));
        assert_eq!(kept("<alias name='ua-d' x='y'/>"), name("ua-d"));
        assert_eq!(
            kept("<alias name='ua-a'/><alias name='ua-b'/>"),
            name("ua-a")
        );
        assert!(kept("<alias name='virtio-disk0'/>").is_empty());
        assert!(kept("<alias name='ua-a b'/>").is_empty());
        assert!(kept("").is_empty());
    }

    /// Empty values read as none (`string()`), the default lock failure
    /// action and later `<cpu>` copies not written, the SLIC table's path
    /// cleaned (observed from libvirt 9.0 through virsh).
    #[test]
    fn parts_written_as_libvirt_reads_them() {
        let xml = "<domain type='test'><name>s</name><memory>1024</memory>\
                   <os firmware=''><type>hvm</type><acpi><table type='slic'>//a//b/</table></acpi>\
                   <smbios mode=''/><smbios mode='host'/></os><clock offset='variable' basis=''/>\
                   <on_lockfailure>default</on_lockfailure><cpu><topology sockets='1' cores='1' threads='1'/></cpu>\
                   <cpu><numa><cell id='0' cpus='0' memory='512'/></numa></cpu>\
                   <vcpu current='61'>2</vcpu><vcpus><vcpu id='0' enabled='yes'/></vcpus></domain>";
        let mut def = crate::parse_domain(xml).unwrap();
        def.uuid = None;
        let out = def.to_xml(&crate::FormatOptions {
            inactive: true,
            ..Default::default()
        });
        // (libvirt's dump less what the test driver adds: the vCPU
        // placement, the architecture, the lifecycle actions.)
        let want = "<domain type='test'>\n  <name>s</name>\n  <memory unit='KiB'>1024</memory>\n  \
            <currentMemory unit='KiB'>1024</currentMemory>\n  <vcpu current='1'>2</vcpu>\n  \
            <vcpus>\n    <vcpu id='0' enabled='yes' hotpluggable='no'/>\n    \
            <vcpu id='1' enabled='no' hotpluggable='yes'/>\n  </vcpus>\n  <os>\n    \
            <type>hvm</type>\n    <acpi>\n      <table type='slic'>//a/b</table>\n    </acpi>\n    \
            <boot dev='hd'/>\n  </os>\n  <cpu>\n    <topology sockets='1' dies='1' cores='1' threads='1'/>\n    \
            <numa>\n      <cell id='0' cpus='0' memory='512' unit='KiB'/>\n    </numa>\n  </cpu>\n  \
            <clock offset='variable' adjustment='0' basis='utc'/>\n  <devices>\n  </devices>\n</domain>\n";
        assert_eq!(out, want);
    }

    /// Observed from libvirt 9.0 through virsh: the port of a network
    /// interface is not read at define, whatever its value.
    #[test]
    fn a_network_interfaces_port_is_not_kept_at_define() {
        for portid in ["5AFdeEde-86Ea-Fe7B-CFE9-aCb3D1eFAabC", "x"] {
            let xml = format!(
                "<domain type='test'><name>p</name><memory>1024</memory><os><type>hvm</type></os>\
                 <devices><interface type='network'><source network='n' portid='{portid}'/></interface>\
                 </devices></domain>"
            );
            let mut def = crate::parse_domain(&xml).unwrap();
            def.forget_assigned_aliases();
            let out = def.to_xml(&crate::FormatOptions::default());
            assert!(out.contains("<source network='n'/>"), "{out}");
        }
    }

    /// A pty's source path is not read at define, and a character
    /// device without a type is a pty (virsh 9.0 drops `<source path>`
    /// of a `<serial>` without a type).
    #[test]
    fn a_typeless_chardevs_pty_path_is_not_kept_at_define() {
        for serial in ["<serial>", "<serial type='pty'>"] {
            let xml = format!(
                "<domain type='test'><name>p</name><memory>1024</memory><os><type>hvm</type></os>\
                 <devices>{serial}<source path='/x'/></serial></devices></domain>"
            );
            let mut def = crate::parse_domain(&xml).unwrap();
            def.forget_assigned_aliases();
            let out = def.to_xml(&crate::FormatOptions::default());
            assert!(!out.contains("<source"), "{out}");
        }
    }

    #[test]
    fn idmap_uids_then_gids_sorted_by_start_through_every_copy() {
        let xml = "<domain type='test'><name>i</name><memory>1024</memory>\
                   <os><type>hvm</type></os>\
                   <idmap><gid start='0' target='9' count='2'/><uid start='5' target='7' count='1'/></idmap>\
                   <idmap><uid start='0' target='1000' count='5'/></idmap></domain>";
        let def = crate::parse_domain(xml).unwrap();
        let copies: Vec<String> = def
            .extra
            .iter()
            .filter(|e| e.name == "idmap")
            .map(|e| e.to_xml(0))
            .collect();
        assert_eq!(copies.len(), 1, "{copies:?}");
        let written: Vec<&str> = copies[0].lines().map(str::trim).collect();
        assert_eq!(
            written,
            [
                "<idmap>",
                "<uid start='0' target='1000' count='5'/>",
                "<uid start='5' target='7' count='1'/>",
                "<gid start='0' target='9' count='2'/>",
                "</idmap>",
            ]
        );
    }
}
