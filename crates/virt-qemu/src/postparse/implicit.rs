//! libvirt's per-device defaults (qemuDomainDeviceDefPostParse) and the
//! devices implied by others (virDomainDefAddImplicitDevices): a disk's
//! driver and format, a NIC's and a SCSI or USB controller's model, a
//! serial port's target and its console, VNC's automatic port and listen
//! address, a video device for graphics with its memory, the
//! virtio-serial controller and ports of virtio channels, and USB ports
//! for USB input devices.

use super::devices::{insert_controller, is_q35, new_controller};
use crate::capabilities::BinaryCaps;
use virt_xml::{
    child_view, set_child_view, view_of, Address, Alias, CharDev, CharSource, CharTarget,
    CharTargetModel, Controller, DomainDef, Element, GraphicsOptions, Input, Listen, Video, View,
};

/// Run the device post-parse steps and add the implied devices.
pub(super) fn apply(def: &mut DomainDef, caps: &BinaryCaps) {
    for disk in &mut def.devices.disks {
        if disk.driver_name.is_none() {
            disk.driver_name = Some("qemu".into());
        }
        if disk.driver_type.is_none() && disk.disk_type != "volume" {
            disk.driver_type = Some("raw".into());
        }
    }
    if caps.has_type("rtl8139") {
        for iface in &mut def.devices.interfaces {
            if iface.model.is_none() {
                iface.model = Some("rtl8139".into());
            }
        }
    }
    let q35 = is_q35(def);
    for c in def.devices.other.iter_mut() {
        let Ok(Some(mut controller)) = view_of::<Controller>(c) else {
            continue;
        };
        if controller.model.is_some() {
            continue;
        }
        let model = match controller.controller_type.as_str() {
            "scsi" => "lsilogic",
            "usb" if q35 => "qemu-xhci",
            "usb" => "piix3-uhci",
            _ => continue,
        };
        controller.model = Some(model.into());
        controller.write_to(c);
    }
    // A unix socket's source with no path and nothing but a bind mode.
    let bare = [
        CharSource::default().to_element(),
        CharSource {
            mode: Some("bind".into()),
            ..CharSource::default()
        }
        .to_element(),
    ];
    for c in &mut def.devices.chardevs {
        // A unix socket without a path reads back without its mode: the
        // path (and so the source) is the driver's to choose at start.
        if c.dev_type.as_deref() == Some("unix") {
            c.extra.retain(|e| !bare.contains(e));
        }
    }
    serials_and_consoles(def);
    graphics(def);
    video(def);
    virtio_serial(def);
    usb_ports(def);
}

/// The `<target>` of a character device, if it has one that reads.
fn target(c: &CharDev) -> Option<CharTarget> {
    c.part::<CharTarget>().ok().flatten()
}

/// Put `e` among a device's children before its alias and address.
fn put_before_address(children: &mut Vec<Element>, e: Element) {
    let at = children
        .iter()
        .position(|k| k.name == Alias::TAG || k.name == Address::TAG)
        .unwrap_or(children.len());
    children.insert(at, e);
}

/// A serial port's target is an ISA serial port numbered in order; the
/// first console of an x86 guest is that serial port's (virDomainDef
/// AddConsoleCompat): a serial port without a console gets one, a
/// console without a serial port lends it its settings.
fn serials_and_consoles(def: &mut DomainDef) {
    let chardevs = &mut def.devices.chardevs;
    let has_serial = chardevs.iter().any(|c| c.kind == "serial");
    let first_console = chardevs.iter().position(|c| c.kind == "console");
    if let (false, Some(i)) = (has_serial, first_console) {
        let con = &chardevs[i];
        let target_type = target(con).and_then(|t| t.target_type);
        if matches!(target_type.as_deref(), None | Some("serial")) {
            let mut serial = con.clone();
            serial.kind = "serial".into();
            serial.set_part::<CharTarget>(None);
            let at = chardevs
                .iter()
                .position(|c| c.kind != "serial")
                .unwrap_or(chardevs.len());
            chardevs.insert(at, serial);
        }
    }
    let mut port = 0u32;
    for c in chardevs.iter_mut().filter(|c| c.kind == "serial") {
        let mut element = c
            .extra
            .iter()
            .find(|e| e.name == CharTarget::TAG)
            .cloned()
            .unwrap_or_else(|| CharTarget::default().to_element());
        let Ok(mut view) = CharTarget::from_element(&element) else {
            continue;
        };
        let isa = "isa-serial";
        let target_type = view.target_type.get_or_insert_with(|| isa.into()).clone();
        let n = *view.port.get_or_insert(port);
        port = port.max(n + 1);
        view.write_to(&mut element);
        if target_type == isa && matches!(child_view::<CharTargetModel>(&element), Ok(None)) {
            let model = CharTargetModel {
                name: Some(isa.into()),
            };
            set_child_view(&mut element, Some(&model));
        }
        c.set_part::<CharTarget>(None);
        put_before_address(&mut c.extra, element);
    }
    let first_serial = chardevs.iter().find(|c| c.kind == "serial").cloned();
    let Some(serial) = first_serial else {
        return;
    };
    let console_target = CharTarget {
        target_type: Some("serial".into()),
        port: Some(target(&serial).and_then(|t| t.port).unwrap_or(0)),
        ..CharTarget::default()
    };
    match chardevs.iter().position(|c| c.kind == "console") {
        Some(i) => {
            let con = &mut chardevs[i];
            let given = con.part::<CharTarget>();
            let serial_like = match &given {
                Ok(None) => true,
                Ok(Some(t)) => matches!(t.target_type.as_deref(), None | Some("serial")),
                Err(_) => false,
            };
            if serial_like {
                con.set_part::<CharTarget>(None);
                put_before_address(&mut con.extra, console_target.to_element());
            }
        }
        None => {
            let mut con = serial.clone();
            con.kind = "console".into();
            con.set_part::<CharTarget>(None);
            con.set_part::<Alias>(None);
            con.set_part::<Address>(None);
            con.add_part(&console_target);
            let at = chardevs
                .iter()
                .position(|c| !matches!(c.kind.as_str(), "serial" | "parallel"))
                .unwrap_or(chardevs.len());
            chardevs.insert(at, con);
        }
    }
}

/// VNC (and SPICE) without a port takes one when it starts
/// (`autoport='yes'`, `port='-1'`); without a `<listen>` it listens
/// where qemu.conf says, written as an address listen without address.
fn graphics(def: &mut DomainDef) {
    for g in &mut def.devices.graphics {
        if !matches!(g.graphics_type.as_str(), "vnc" | "spice") {
            continue;
        }
        let Ok(mut options) = g.options() else {
            continue;
        };
        let unset = matches!(options.port.as_deref(), None | Some("-1" | "0"));
        if unset && options.autoport.is_none() {
            // The port and autoport come first, where libvirt writes them.
            options.port = None;
            g.set_options(&options);
            g.set_options_first(&GraphicsOptions {
                port: Some("-1".into()),
                autoport: Some("yes".into()),
                ..GraphicsOptions::default()
            });
        }
        if matches!(g.part::<Listen>(), Ok(None)) {
            let listen = Listen {
                listen_type: Some("address".into()),
                address: options.listen,
                ..Listen::default()
            };
            g.extra.insert(0, listen.to_element());
        }
    }
}

/// Graphics without a video device get the default one (cirrus, as
/// libvirt 9.0 picks on x86 where QEMU has it); each video model gets its
/// memory and head count, the first is the primary.
fn video(def: &mut DomainDef) {
    let has_video = def.devices.other.iter().any(|e| e.name == Video::TAG);
    if !has_video && !def.devices.graphics.is_empty() {
        def.devices.push_view(&Video {
            model_type: Some("cirrus".into()),
            ..Video::default()
        });
    }
    let mut first = true;
    for v in def
        .devices
        .other
        .iter_mut()
        .filter(|e| e.name == Video::TAG)
    {
        let given = Video::has_model(v);
        let Ok(mut video) = Video::from_element(v) else {
            first = false;
            continue;
        };
        if !given {
            video.model_type = Some("cirrus".into());
        }
        let model = video.model_type.clone();
        let vram = match model.as_deref() {
            Some("cirrus" | "vga" | "vmvga" | "bochs") => Some(16384),
            Some("qxl") => Some(65536),
            _ => None,
        };
        let qxl = model.as_deref() == Some("qxl");
        if qxl {
            video.ram.get_or_insert(65536);
        }
        if let (Some(vram), None) = (vram, video.vram) {
            video.vram = Some(vram);
        }
        if qxl {
            video.vgamem.get_or_insert(16384);
        }
        if model.as_deref() != Some("none") {
            video.heads.get_or_insert(1);
            if first {
                video.primary.get_or_insert_with(|| "yes".into());
            }
        }
        first = false;
        video.write_to(v);
        // libvirt writes the model first, the device's other parts after.
        Video::model_first(v);
        v.children
            .retain(|n| matches!(n, virt_xml::Node::Element(_)));
    }
}

/// Virtio channels and consoles sit on virtio-serial controller 0 (added
/// when missing), each channel on the next free port from 1 (port 0 is
/// the virtio console's).
fn virtio_serial(def: &mut DomainDef) {
    let is_virtio = |c: &CharDev| {
        let target = c.part::<CharTarget>().ok().flatten();
        matches!(c.kind.as_str(), "channel" | "console")
            && target.and_then(|t| t.target_type).as_deref() == Some("virtio")
    };
    if !def.devices.chardevs.iter().any(is_virtio) {
        return;
    }
    let has_controller = def.devices.other.iter().any(|e| {
        view_of::<Controller>(e)
            .ok()
            .flatten()
            .is_some_and(|c| c.controller_type == "virtio-serial")
    });
    if !has_controller {
        insert_controller(def, new_controller("virtio-serial", 0, None));
    }
    let mut used: Vec<u32> = def
        .devices
        .chardevs
        .iter()
        .filter_map(|c| c.part::<Address>().ok().flatten())
        .filter(|a| a.address_type.as_deref() == Some("virtio-serial"))
        .filter_map(|a| a.port?.parse().ok())
        .collect();
    for c in def.devices.chardevs.iter_mut() {
        if c.kind != "channel" || !is_virtio(c) || !matches!(c.part::<Address>(), Ok(None)) {
            continue;
        }
        let port = (1..).find(|p| !used.contains(p)).unwrap_or(1);
        used.push(port);
        c.add_part(&Address {
            address_type: Some("virtio-serial".into()),
            controller: Some("0".into()),
            bus: Some("0".into()),
            port: Some(port.to_string()),
            ..Address::default()
        });
    }
}

/// USB input devices without an address take the next port of USB bus 0.
fn usb_ports(def: &mut DomainDef) {
    let has_usb = def.devices.other.iter().any(|e| {
        view_of::<Controller>(e)
            .ok()
            .flatten()
            .is_some_and(|c| c.controller_type == "usb" && c.model.as_deref() != Some("none"))
    });
    if !has_usb {
        return;
    }
    let mut next = 1u32;
    for e in def.devices.other.iter_mut() {
        let usb_input = view_of::<Input>(e)
            .ok()
            .flatten()
            .is_some_and(|i| i.bus.as_deref() == Some("usb"));
        if !usb_input || !matches!(child_view::<Address>(e), Ok(None)) {
            continue;
        }
        let address = Address {
            address_type: Some("usb".into()),
            bus: Some("0".into()),
            port: Some(next.to_string()),
            ..Address::default()
        };
        set_child_view(e, Some(&address));
        next += 1;
    }
}
