//! What the two Xen config languages share, as libvirt's Xen common code
//! (`xen_common.c` / `xenconfig`) did for its S-expression and xm
//! converters: the devices libvirt added after parsing either one, the
//! shapes of character devices, graphics, USB inputs, PCI addresses and
//! the clock, and on the way out the settings read from a definition the
//! same way for both (memory, lifecycle, boot order, serial ports, PCI
//! host devices, tap formats, disk order).

use std::str::FromStr;

use virt_xml::{CharDev, Disk, DomainDef, Element, Graphics, Interface, LifecycleAction};

use crate::XendError;

// ---- Into a definition (sexpr2xml, xm::cfg2xml) ----

/// A MAC address in libvirt's spelling (lowercase, two digits a byte).
pub(crate) fn parse_mac(s: &str) -> Option<String> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    let mut out = Vec::with_capacity(6);
    for p in parts {
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        out.push(format!("{:02x}", u8::from_str_radix(p, 16).ok()?));
    }
    Some(out.join(":"))
}

/// The storage formats libvirt knew by name (virStorageFileFormat).
pub(crate) fn is_storage_format(f: &str) -> bool {
    matches!(
        f,
        "raw"
            | "dir"
            | "bochs"
            | "cloop"
            | "dmg"
            | "iso"
            | "vpc"
            | "vdi"
            | "fat"
            | "vhd"
            | "ploop"
            | "cow"
            | "qcow"
            | "qcow2"
            | "qed"
            | "vmdk"
    )
}

/// The lifecycle action libvirt knew by `name`, for any event.
pub(crate) fn lifecycle_action(name: &str) -> Option<LifecycleAction> {
    Some(match name {
        "destroy" => LifecycleAction::Destroy,
        "restart" => LifecycleAction::Restart,
        "preserve" => LifecycleAction::Preserve,
        "rename-restart" => LifecycleAction::RenameRestart,
        "coredump-destroy" => LifecycleAction::CoredumpDestroy,
        "coredump-restart" => LifecycleAction::CoredumpRestart,
        _ => return None,
    })
}

/// `<clock>`: for HVM a variable offset of `adjustment` seconds from
/// UTC or local time, with the HPET timer when the config says; for PV
/// the host's UTC or local time.
pub(crate) fn clock_element(
    hvm: bool,
    localtime: bool,
    adjustment: String,
    hpet: Option<bool>,
) -> Element {
    let basis = if localtime { "localtime" } else { "utc" };
    let clock = Element::new("clock");
    if !hvm {
        return clock
            .with_attr("offset", basis)
            .with_attr("adjustment", "reset");
    }
    let mut clock = clock
        .with_attr("offset", "variable")
        .with_attr("adjustment", adjustment)
        .with_attr("basis", basis);
    if let Some(present) = hpet {
        clock = clock.with_child(
            Element::new("timer")
                .with_attr("name", "hpet")
                .with_attr("present", if present { "yes" } else { "no" }),
        );
    }
    clock
}

/// `<ip address=.. family=..>` of an interface.
pub(crate) fn ip_element(address: &str, family: &str) -> Element {
    Element::new("ip")
        .with_attr("address", address)
        .with_attr("family", family)
}

/// `<bandwidth>` limiting outbound traffic to `kbytes` KB/s.
pub(crate) fn bandwidth_element(kbytes: u64) -> Element {
    Element::new("bandwidth")
        .with_child(Element::new("outbound").with_attr("average", kbytes.to_string()))
}

/// A PCI host device (`mode='subsystem' type='pci' managed='no'`)
/// without its source.
pub(crate) fn pci_hostdev() -> Element {
    Element::new("hostdev")
        .with_attr("mode", "subsystem")
        .with_attr("type", "pci")
        .with_attr("managed", "no")
}

/// The `<address>` of a PCI host device.
pub(crate) fn pci_address(domain: u32, bus: u32, slot: u32, function: u32) -> Element {
    Element::new("address")
        .with_attr("domain", format!("0x{domain:04x}"))
        .with_attr("bus", format!("0x{bus:02x}"))
        .with_attr("slot", format!("0x{slot:02x}"))
        .with_attr("function", format!("0x{function:x}"))
}

/// A VNC `<graphics>` with the given port choice and the listen
/// address, keymap and password that `get` reads.
pub(crate) fn vnc_graphics<'a>(
    get: impl Fn(&str) -> Option<&'a str>,
    autoport: bool,
    port: i64,
) -> Graphics {
    let mut g = Graphics {
        graphics_type: "vnc".into(),
        ..Graphics::default()
    };
    g.attrs.push(("port".into(), port.to_string()));
    g.attrs.push((
        "autoport".into(),
        if autoport { "yes" } else { "no" }.into(),
    ));
    let listen = get("vnclisten");
    if let Some(l) = listen {
        g.attrs.push(("listen".into(), l.into()));
    }
    if let Some(k) = get("keymap") {
        g.attrs.push(("keymap".into(), k.into()));
    }
    if let Some(p) = get("vncpasswd") {
        g.attrs.push(("passwd".into(), p.into()));
    }
    let mut l = Element::new("listen").with_attr("type", "address");
    if let Some(a) = listen {
        l = l.with_attr("address", a);
    }
    g.extra.push(l);
    g
}

/// An SDL `<graphics>` with the display and X authority `get` reads.
pub(crate) fn sdl_graphics<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Graphics {
    let mut g = Graphics {
        graphics_type: "sdl".into(),
        ..Graphics::default()
    };
    if let Some(d) = get("display") {
        g.attrs.push(("display".into(), d.into()));
    }
    if let Some(x) = get("xauthority") {
        g.attrs.push(("xauth".into(), x.into()));
    }
    g
}

/// Add `chr` as a `kind` ("serial", "parallel") on target `port`.
pub(crate) fn push_chardev(def: &mut DomainDef, mut chr: CharDev, kind: &str, port: usize) {
    chr.kind = kind.into();
    chr.extra
        .push(Element::new("target").with_attr("port", port.to_string()));
    def.devices.chardevs.push(chr);
}

/// Add the USB input `usbdevice` names, when it names one libvirt knew.
pub(crate) fn push_usb_input(def: &mut DomainDef, usbdevice: &str) {
    if matches!(usbdevice, "tablet" | "mouse" | "keyboard") {
        def.devices.other.push(
            Element::new("input")
                .with_attr("type", usbdevice)
                .with_attr("bus", "usb"),
        );
    }
}

/// The sound models libvirt knew, in its order (virDomainSoundModel).
const SOUND_MODELS: &[&str] = &["sb16", "es1370", "pcspk", "ac97", "ich6", "ich9", "usb"];

/// The sound cards of a `soundhw` value (`all` or a comma list).
pub(crate) fn parse_sound(value: &str, def: &mut DomainDef) -> Result<(), XendError> {
    let models: Vec<&str> = if value == "all" {
        // xend's "all" meant the two cards Xen 3 emulated.
        vec!["sb16", "es1370"]
    } else {
        value.split(',').collect()
    };
    for m in models {
        if !SOUND_MODELS.contains(&m) {
            return Err(XendError::Incomplete(format!("unknown sound model '{m}'")));
        }
        def.devices
            .other
            .push(Element::new("sound").with_attr("model", m));
    }
    Ok(())
}

/// The devices libvirt's Xen driver added after parsing either config,
/// once the generic defaults are in: an HVM guest's console on its
/// first serial port, PS/2 (HVM) or Xen (PV) mouse and keyboard, a
/// video card when there is a display (`hvm_vram` KiB for HVM's
/// cirrus), and the Xen balloon.
pub(crate) fn add_implicit_devices(def: &mut DomainDef, hvm: bool, hvm_vram: &str) {
    // An HVM guest's first serial port doubles as its console.
    let has_console = def.devices.chardevs.iter().any(|c| c.kind == "console");
    if hvm && !has_console {
        if let Some(first) = def.devices.chardevs.iter().find(|c| c.kind == "serial") {
            let mut console = first.clone();
            console.kind = "console".into();
            for e in &mut console.extra {
                if e.name == "target" {
                    let port = e.attr("port").unwrap_or("0").to_string();
                    *e = Element::new("target")
                        .with_attr("type", "serial")
                        .with_attr("port", port);
                }
            }
            def.devices.chardevs.push(console);
        }
    }
    let bus = if hvm { "ps2" } else { "xen" };
    for t in ["mouse", "keyboard"] {
        let exists =
            def.devices.other.iter().any(|e| {
                e.name == "input" && e.attr("type") == Some(t) && e.attr("bus") == Some(bus)
            });
        if !exists {
            def.devices.other.push(
                Element::new("input")
                    .with_attr("type", t)
                    .with_attr("bus", bus),
            );
        }
    }
    let has_video = def.devices.other.iter().any(|e| e.name == "video");
    if !def.devices.graphics.is_empty() && !has_video {
        let (model, vram) = if hvm {
            ("cirrus", hvm_vram)
        } else {
            ("xen", "4096")
        };
        def.devices.other.push(
            Element::new("video").with_child(
                Element::new("model")
                    .with_attr("type", model)
                    .with_attr("vram", vram)
                    .with_attr("heads", "1")
                    .with_attr("primary", "yes"),
            ),
        );
    }
    if !def.devices.other.iter().any(|e| e.name == "memballoon") {
        def.devices
            .other
            .push(Element::new("memballoon").with_attr("model", "xen"));
    }
}

// ---- Out of a definition (xml2sexpr, xm::xml2cfg) ----

/// (current, maximum) memory in MiB, rounded up; no current memory is
/// the maximum.
pub(crate) fn memory_mib(def: &DomainDef) -> (u64, u64) {
    let total = def.memory;
    let current = def.current_memory.filter(|c| *c != 0).unwrap_or(total);
    (current.div_ceil(1024), total.div_ceil(1024))
}

/// Each lifecycle event with its action's name (a missing one is the
/// Xen default).
pub(crate) fn lifecycle_names(def: &DomainDef) -> [(&'static str, &'static str); 3] {
    [
        ("poweroff", def.on_poweroff, "destroy"),
        ("reboot", def.on_reboot, "restart"),
        ("crash", def.on_crash, "destroy"),
    ]
    .map(|(event, action, default)| (event, action.map_or(default, |a| a.name())))
}

/// The HPET timer's presence, when `<clock>` states it.
pub(crate) fn hpet_present(def: &DomainDef) -> Option<bool> {
    let clock = def.extra.iter().find(|e| e.name == "clock")?;
    let timer = clock
        .children_named("timer")
        .find(|t| t.attr("name") == Some("hpet"))?;
    match timer.attr("present")? {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// The HVM boot order as xm and xend spelled it (`a` floppy, `c` disk,
/// `d` CD-ROM, `n` network); disk when none is given.
pub(crate) fn boot_order(def: &DomainDef) -> String {
    let mut order: String = def
        .os
        .boot
        .iter()
        .map(|dev| match dev.as_str() {
            "fd" => 'a',
            "cdrom" => 'd',
            "network" => 'n',
            _ => 'c',
        })
        .collect();
    if order.is_empty() {
        order.push('c');
    }
    order
}

/// The models of the sound cards, in order.
pub(crate) fn sound_models(def: &DomainDef) -> Vec<&str> {
    def.devices
        .other
        .iter()
        .filter(|e| e.name == "sound")
        .filter_map(|e| e.attr("model"))
        .collect()
}

/// A value of a `<graphics>` attribute.
pub(crate) fn graphics_attr<'a>(g: &'a Graphics, k: &str) -> Option<&'a str> {
    g.attrs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
}

/// A character device's target port, read as `P` (0 when unreadable).
fn target_port<P: FromStr + Default>(c: &CharDev) -> P {
    c.extra
        .iter()
        .find(|e| e.name == "target")
        .and_then(|t| t.attr("port"))
        .and_then(|p| p.parse().ok())
        .unwrap_or_default()
}

/// An HVM guest's serial ports by target port; without any, its console
/// (unless aimed elsewhere than a serial port) is serial port 0. Ports
/// are read as `P`: xend's writer wanted `u32`, xm's `usize`.
pub(crate) fn serial_ports<P: FromStr + Default>(def: &DomainDef) -> Vec<(P, CharDev)> {
    let of_kind = |kind: &'static str| def.devices.chardevs.iter().filter(move |c| c.kind == kind);
    let mut serials: Vec<(P, CharDev)> = of_kind("serial")
        .map(|c| (target_port(c), c.clone()))
        .collect();
    if serials.is_empty() {
        if let Some(c) = of_kind("console").next() {
            let target_type = c
                .extra
                .iter()
                .find(|e| e.name == "target")
                .and_then(|t| t.attr("type"));
            if target_type.is_none_or(|t| t == "serial") {
                let mut c = c.clone();
                c.dev_type.get_or_insert_with(|| "pty".into());
                serials.push((P::default(), c));
            }
        }
    }
    serials
}

/// The `<hostdev mode='subsystem' type='pci'>` elements.
pub(crate) fn pci_hostdevs(def: &DomainDef) -> impl Iterator<Item = &Element> {
    def.devices.other.iter().filter(|e| {
        e.name == "hostdev" && e.attr("mode") == Some("subsystem") && e.attr("type") == Some("pci")
    })
}

/// A PCI host device's (domain, bus, slot, function); unreadable numbers
/// are 0, and `None` when it has no source address.
pub(crate) fn pci_numbers(hostdev: &Element) -> Option<(u32, u32, u32, u32)> {
    let addr = hostdev.child("source").and_then(|s| s.child("address"))?;
    let num = |k: &str| {
        addr.attr(k)
            .and_then(|v| u32::from_str_radix(v.trim_start_matches("0x"), 16).ok())
            .unwrap_or(0)
    };
    Some((num("domain"), num("bus"), num("slot"), num("function")))
}

/// The image format a `tap`/`tap2` disk names: blktap's `aio` for raw.
pub(crate) fn tap_format(disk: &Disk) -> &str {
    match disk.driver_type.as_deref() {
        None | Some("raw" | "aio") => "aio",
        Some(f) => f,
    }
}

/// An interface's outbound average rate in KB/s, unless none or zero.
pub(crate) fn outbound_average(net: &Interface) -> Option<&str> {
    net.extra
        .iter()
        .find(|e| e.name == "bandwidth")
        .and_then(|b| b.child("outbound"))
        .and_then(|o| o.attr("average"))
        .filter(|a| *a != "0")
}

/// The disks in the order libvirt keeps them: each one placed before the
/// first disk of its bus with a later target name (virDomainDiskInsert).
pub(crate) fn ordered_disks(disks: &[Disk]) -> Vec<&Disk> {
    let mut out: Vec<&Disk> = Vec::with_capacity(disks.len());
    for disk in disks {
        let bus = disk_bus(disk);
        let index = disk_index(target_name(disk));
        let mut at = None;
        for (i, other) in out.iter().enumerate().rev() {
            if disk_bus(other) != bus {
                continue;
            }
            if disk_index(target_name(other)) > index {
                at = Some(i);
            } else if at.is_none() {
                at = Some(i + 1);
            }
        }
        out.insert(at.unwrap_or(out.len()), disk);
    }
    out
}

/// The target name without the "ioemu:" prefix old Xen configs carried.
pub(crate) fn target_name(disk: &Disk) -> &str {
    disk.target_dev
        .strip_prefix("ioemu:")
        .unwrap_or(&disk.target_dev)
}

fn disk_bus(disk: &Disk) -> &str {
    if let Some(b) = disk.target_bus.as_deref() {
        return b;
    }
    let dev = target_name(disk);
    if dev.starts_with("hd") {
        "ide"
    } else if dev.starts_with("sd") {
        "scsi"
    } else if dev.starts_with("fd") {
        "fdc"
    } else {
        "xen"
    }
}

/// The index a target name encodes (hda -> 0, xvdb -> 1); -1 when none.
fn disk_index(dev: &str) -> i64 {
    let Some(letters) = ["xvd", "ubd", "hd", "sd", "vd", "fd"]
        .iter()
        .find_map(|p| dev.strip_prefix(p))
    else {
        return -1;
    };
    if letters.is_empty() || !letters.bytes().all(|b| b.is_ascii_lowercase()) {
        return -1;
    }
    let mut idx: i64 = 0;
    for b in letters.bytes() {
        idx = idx
            .saturating_mul(26)
            .saturating_add(i64::from(b - b'a') + 1);
    }
    idx - 1
}
