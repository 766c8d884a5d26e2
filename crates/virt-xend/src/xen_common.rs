//! What the two Xen config languages share, as libvirt's Xen common code
//! (`xen_common.c` / `xenconfig`) did for its S-expression and xm
//! converters: the devices libvirt added after parsing either one, the
//! shapes of character devices, graphics, USB inputs, PCI addresses and
//! the clock, and on the way out the settings read from a definition the
//! same way for both (memory, lifecycle, boot order, serial ports, PCI
//! host devices, tap formats, disk order).

use virt_xml::{
    Address, Bandwidth, BandwidthRate, CharDev, CharTarget, Clock, Disk, DomainDef, Graphics,
    GraphicsOptions, Hostdev, Input, Interface, InterfaceIp, LifecycleAction, Listen, MemBalloon,
    Sound, Timer, Transient, Video,
};

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
pub(crate) fn clock(hvm: bool, localtime: bool, adjustment: String, hpet: Option<bool>) -> Clock {
    let basis = Some(if localtime { "localtime" } else { "utc" }.to_string());
    if !hvm {
        return Clock {
            offset: basis,
            adjustment: Some("reset".into()),
            ..Clock::default()
        };
    }
    Clock {
        offset: Some("variable".into()),
        adjustment: Some(adjustment),
        basis,
        timers: hpet
            .map(|present| Timer {
                name: "hpet".into(),
                present: Some(yes_no(present).into()),
                ..Timer::default()
            })
            .into_iter()
            .collect(),
        ..Clock::default()
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// An interface's `<ip>` with its address family.
pub(crate) fn interface_ip(address: &str, family: &str) -> InterfaceIp {
    InterfaceIp {
        address: Some(address.into()),
        family: Some(family.into()),
        ..InterfaceIp::default()
    }
}

/// `<bandwidth>` limiting outbound traffic to `kbytes` KB/s.
pub(crate) fn outbound_limit(kbytes: u64) -> Bandwidth {
    Bandwidth {
        class_id: None,
        inbound: None,
        outbound: Some(BandwidthRate {
            average: Some(kbytes),
            ..BandwidthRate::default()
        }),
    }
}

/// A PCI host device (`mode='subsystem' type='pci' managed='no'`) at
/// (domain, bus, slot, function), with the backend `driver` and the
/// write filtering given.
pub(crate) fn pci_hostdev(
    (domain, bus, slot, function): (u32, u32, u32, u32),
    driver: Option<&str>,
    write_filtering: Option<bool>,
) -> Hostdev {
    let mut hostdev = Hostdev {
        mode: Some("subsystem".into()),
        hostdev_type: "pci".into(),
        managed: Some("no".into()),
        driver_name: driver.map(str::to_string),
        write_filtering: write_filtering.map(|w| yes_no(w).to_string()),
        ..Hostdev::default()
    };
    hostdev.set_address(&Address {
        domain: Some(format!("0x{domain:04x}")),
        bus: Some(format!("0x{bus:02x}")),
        slot: Some(format!("0x{slot:02x}")),
        function: Some(format!("0x{function:x}")),
        ..Address::default()
    });
    hostdev
}

/// A VNC `<graphics>` with the given port choice and the listen
/// address, keymap and password that `get` reads.
pub(crate) fn vnc_graphics<'a>(
    get: impl Fn(&str) -> Option<&'a str>,
    autoport: bool,
    port: Option<i64>,
) -> Graphics {
    let mut g = Graphics {
        graphics_type: "vnc".into(),
        ..Graphics::default()
    };
    let listen = get("vnclisten");
    g.set_options(&GraphicsOptions {
        port: port.map(|p| p.to_string()),
        autoport: Some(yes_no(autoport).into()),
        listen: listen.map(str::to_string),
        keymap: get("keymap").map(str::to_string),
        passwd: get("vncpasswd").map(str::to_string),
        ..GraphicsOptions::default()
    });
    g.add_part(&Listen {
        listen_type: Some("address".into()),
        address: listen.map(str::to_string),
        ..Listen::default()
    });
    g
}

/// An SDL `<graphics>` with the display and X authority `get` reads.
pub(crate) fn sdl_graphics<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Graphics {
    let mut g = Graphics {
        graphics_type: "sdl".into(),
        ..Graphics::default()
    };
    g.set_options(&GraphicsOptions {
        display: get("display").map(str::to_string),
        xauth: get("xauthority").map(str::to_string),
        ..GraphicsOptions::default()
    });
    g
}

/// A character device's `<target>`: on port `port`, of type `target_type`
/// when given.
pub(crate) fn chardev_target(target_type: Option<&str>, port: u32) -> CharTarget {
    CharTarget {
        target_type: target_type.map(str::to_string),
        port: Some(port),
        ..CharTarget::default()
    }
}

/// Add `chr` as a `kind` ("serial", "parallel") on target `port`.
pub(crate) fn push_chardev(def: &mut DomainDef, mut chr: CharDev, kind: &str, port: u32) {
    chr.kind = kind.into();
    chr.add_part(&chardev_target(None, port));
    def.devices.chardevs.push(chr);
}

/// Add the USB input `usbdevice` names, when it names one libvirt knew.
pub(crate) fn push_usb_input(def: &mut DomainDef, usbdevice: &str) {
    if matches!(usbdevice, "tablet" | "mouse" | "keyboard") {
        def.devices.push_view(&Input {
            input_type: usbdevice.into(),
            bus: Some("usb".into()),
            model: None,
        });
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
        def.devices.push_view(&Sound { model: m.into() });
    }
    Ok(())
}

/// The devices libvirt's Xen driver added after parsing either config,
/// once the generic defaults are in: an HVM guest's console on its
/// first serial port, PS/2 (HVM) or Xen (PV) mouse and keyboard, a
/// video card when there is a display (`hvm_vram` KiB for HVM's
/// cirrus), and the Xen balloon.
pub(crate) fn add_implicit_devices(
    def: &mut DomainDef,
    hvm: bool,
    hvm_vram: u32,
) -> Result<(), XendError> {
    // An HVM guest's first serial port doubles as its console.
    let has_console = def.devices.chardevs.iter().any(|c| c.kind == "console");
    if hvm && !has_console {
        if let Some(first) = def.devices.chardevs.iter().find(|c| c.kind == "serial") {
            let mut console = first.clone();
            console.kind = "console".into();
            if let Some(target) = console.part::<CharTarget>()? {
                // libvirt wrote the console's target anew: type first.
                let port = target.port.unwrap_or(0);
                console.set_part::<CharTarget>(None);
                console.add_part(&chardev_target(Some("serial"), port));
            }
            def.devices.chardevs.push(console);
        }
    }
    let bus = if hvm { "ps2" } else { "xen" };
    let inputs = def.devices.views::<Input>()?;
    for t in ["mouse", "keyboard"] {
        let exists = inputs
            .iter()
            .any(|i| i.input_type == t && i.bus.as_deref() == Some(bus));
        if !exists {
            def.devices.push_view(&Input {
                input_type: t.into(),
                bus: Some(bus.into()),
                model: None,
            });
        }
    }
    let has_video = !def.devices.views::<Video>()?.is_empty();
    if !def.devices.graphics.is_empty() && !has_video {
        let (model, vram) = if hvm {
            ("cirrus", hvm_vram)
        } else {
            ("xen", 4096)
        };
        def.devices.push_view(&Video {
            model_type: Some(model.into()),
            vram: Some(vram),
            heads: Some(1),
            primary: Some("yes".into()),
            ..Video::default()
        });
    }
    if def.devices.views::<MemBalloon>()?.is_empty() {
        def.devices.push_view(&MemBalloon {
            model: "xen".into(),
            ..MemBalloon::default()
        });
    }
    Ok(())
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
pub(crate) fn hpet_present(def: &DomainDef) -> Result<Option<bool>, XendError> {
    let Some(clock) = def.clock()? else {
        return Ok(None);
    };
    let hpet = clock.timers.into_iter().find(|t| t.name == "hpet");
    Ok(match hpet.and_then(|t| t.present).as_deref() {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    })
}

/// Whether feature `name` is on: present, and `state='on'` when a state
/// is given. `None` when the domain does not list it.
pub(crate) fn feature_state(def: &DomainDef, name: &str) -> Result<Option<bool>, XendError> {
    let Some(features) = def.typed_features()? else {
        return Ok(None);
    };
    let flag = features.flags.into_iter().find(|f| f.name == name);
    Ok(flag.map(|f| f.state.as_deref().is_none_or(|s| s == "on")))
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
pub(crate) fn sound_models(def: &DomainDef) -> Result<Vec<String>, XendError> {
    Ok(def
        .devices
        .views::<Sound>()?
        .into_iter()
        .map(|s| s.model)
        .collect())
}

/// A character device's target, when it has a readable one.
fn target(c: &CharDev) -> Option<CharTarget> {
    c.part::<CharTarget>().ok().flatten()
}

/// A character device's target port, as `P` (0 when unreadable).
fn target_port<P: TryFrom<u32> + Default>(c: &CharDev) -> P {
    target(c)
        .and_then(|t| t.port)
        .and_then(|p| P::try_from(p).ok())
        .unwrap_or_default()
}

/// An HVM guest's serial ports by target port; without any, its console
/// (unless aimed elsewhere than a serial port) is serial port 0. Ports
/// are read as `P`: xend's writer wanted `u32`, xm's `usize`.
pub(crate) fn serial_ports<P: TryFrom<u32> + Default>(def: &DomainDef) -> Vec<(P, CharDev)> {
    let of_kind = |kind: &'static str| def.devices.chardevs.iter().filter(move |c| c.kind == kind);
    let mut serials: Vec<(P, CharDev)> = of_kind("serial")
        .map(|c| (target_port(c), c.clone()))
        .collect();
    if serials.is_empty() {
        if let Some(c) = of_kind("console").next() {
            let target_type = target(c).and_then(|t| t.target_type);
            if target_type.is_none_or(|t| t == "serial") {
                let mut c = c.clone();
                c.dev_type.get_or_insert_with(|| "pty".into());
                serials.push((P::default(), c));
            }
        }
    }
    serials
}

/// The `<hostdev mode='subsystem' type='pci'>` devices.
pub(crate) fn pci_hostdevs(def: &DomainDef) -> Result<Vec<Hostdev>, XendError> {
    let mut all = def.devices.views::<Hostdev>()?;
    all.retain(|h| h.mode.as_deref() == Some("subsystem") && h.hostdev_type == "pci");
    Ok(all)
}

/// A PCI host device's (domain, bus, slot, function); unreadable numbers
/// are 0, and `None` when it has no source address.
pub(crate) fn pci_numbers(hostdev: &Hostdev) -> Result<Option<(u32, u32, u32, u32)>, XendError> {
    if hostdev.source_address.is_empty() {
        return Ok(None);
    }
    let addr = hostdev.address()?;
    let num = |v: &Option<String>| {
        v.as_deref()
            .and_then(|v| u32::from_str_radix(v.trim_start_matches("0x"), 16).ok())
            .unwrap_or(0)
    };
    Ok(Some((
        num(&addr.domain),
        num(&addr.bus),
        num(&addr.slot),
        num(&addr.function),
    )))
}

/// The image format a `tap`/`tap2` disk names: blktap's `aio` for raw.
pub(crate) fn tap_format(disk: &Disk) -> &str {
    match disk.driver_type.as_deref() {
        None | Some("raw" | "aio") => "aio",
        Some(f) => f,
    }
}

/// An interface's outbound average rate in KB/s, unless none or zero.
pub(crate) fn outbound_average(net: &Interface) -> Result<Option<u64>, XendError> {
    Ok(net
        .part::<Bandwidth>()?
        .and_then(|b| b.outbound)
        .and_then(|o| o.average)
        .filter(|a| *a != 0))
}

/// The addresses of an interface's `<ip>`s, in order, the typed one
/// first.
pub(crate) fn interface_ips(net: &Interface) -> Result<Vec<String>, XendError> {
    let mut ips: Vec<String> = net
        .parts::<InterfaceIp>()?
        .into_iter()
        .filter_map(|ip| ip.address)
        .collect();
    match (ips.first_mut(), net.ip.as_deref()) {
        (Some(first), Some(typed)) => *first = typed.to_string(),
        (None, Some(typed)) => ips.push(typed.to_string()),
        _ => {}
    }
    Ok(ips)
}

/// Whether a disk is `<transient/>`, which neither xend nor xm could
/// express.
pub(crate) fn is_transient(disk: &Disk) -> Result<bool, XendError> {
    Ok(disk.part::<Transient>()?.is_some())
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

/// VNC settings of a `<graphics>`: (autoport, port, listen address, the
/// attribute else the first `<listen>`'s). A port of -1 is the old
/// spelling of autoport. The S-expression form (`sexpr`) takes no port as
/// autoport whatever autoport says, and writes it -1; the xm form keeps
/// autoport='no' without a port at port 0, as libvirt 9's parser leaves
/// it.
pub(crate) fn vnc_settings(
    g: &Graphics,
    o: &GraphicsOptions,
    sexpr: bool,
) -> Result<(bool, i64, Option<String>), XendError> {
    let port = o.port.as_deref().and_then(|p| p.parse::<i64>().ok());
    let listen = match &o.listen {
        Some(l) => Some(l.clone()),
        None => g.part::<Listen>()?.and_then(|l| l.address),
    };
    // No port and no say on autoport means one is chosen.
    let autoport = match o.autoport.as_deref() {
        Some("yes") => true,
        Some(_) if !sexpr => port == Some(-1),
        _ => matches!(port, None | Some(-1)),
    };
    Ok((autoport, port.unwrap_or(if sexpr { -1 } else { 0 }), listen))
}
