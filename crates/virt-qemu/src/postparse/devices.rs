//! The devices libvirt 9.0 gives every x86 QEMU guest at define time
//! (qemuDomainDefAddDefaultDevices, virDomainDefAddImplicitDevices):
//! controllers numbered and ordered as libvirt keeps them, the USB
//! controller of the machine, the q35 SATA controller, the PCI root,
//! PS/2 mouse and keyboard, a virtio balloon, the `none` audio backend,
//! a virtio-serial controller for virtio channels, a video device for
//! graphics, and a serial port's console.

use crate::capabilities::BinaryCaps;
use virt_xml::{
    view_of, Address, Audio, Controller, ControllerMaster, DomainDef, Element, Input, MemBalloon,
    Node, View,
};

/// The controller `e` is (type and index unset when it does not read,
/// which the parser's checks leave to controllers it refused).
fn controller(e: &Element) -> Controller {
    Controller::from_element(e).unwrap_or_default()
}

/// Positions in `other` of the controllers, in order.
fn controller_positions(def: &DomainDef) -> Vec<usize> {
    def.devices
        .other
        .iter()
        .enumerate()
        .filter(|(_, e)| e.name == Controller::TAG)
        .map(|(i, _)| i)
        .collect()
}

/// Put `c` among the controllers where libvirt puts it
/// (virDomainControllerInsertPreAlloced): with the others of its type,
/// before the first of a higher index; one without an index after the
/// last of its type; a new type at the end.
pub(super) fn insert_controller(def: &mut DomainDef, c: Element) {
    let positions = controller_positions(def);
    let mut at: Option<usize> = None;
    let new = controller(&c);
    for &p in positions.iter().rev() {
        let cur = controller(&def.devices.other[p]);
        if cur.controller_type != new.controller_type {
            continue;
        }
        let Some(new_index) = new.index else {
            at = Some(p + 1);
            break;
        };
        let cur_index = cur.index;
        // Before a higher index, and a USB 2 master before its companions.
        let master_first = new.master_startport.is_none()
            && cur.master_startport.is_some()
            && cur_index == Some(new_index);
        if cur_index.is_some_and(|i| i > new_index) || master_first {
            at = Some(p);
        } else if at.is_none() {
            at = Some(p + 1);
            break;
        }
    }
    let at = at.unwrap_or_else(|| positions.last().map_or(def.devices.other.len(), |p| p + 1));
    def.devices.other.insert(at, c);
}

/// libvirt's parser files each controller as it reads it, then numbers
/// those without an index (virDomainAssignControllerIndexes): the lowest
/// free index of their type, a USB companion the index of the USB 2
/// controller just before it.
pub(super) fn order_and_number_controllers(def: &mut DomainDef) {
    let controllers: Vec<Element> = {
        let mut taken = Vec::new();
        def.devices.other.retain(|e| {
            if e.name == Controller::TAG {
                taken.push(e.clone());
                false
            } else {
                true
            }
        });
        taken
    };
    for mut c in controllers {
        companion_master(&mut c);
        insert_controller(def, c);
    }
    let positions = controller_positions(def);
    for (n, &p) in positions.iter().enumerate() {
        // One that does not read is left as written.
        let Ok(mut cur) = Controller::from_element(&def.devices.other[p]) else {
            continue;
        };
        if cur.index.is_some() {
            continue;
        }
        let mut chosen = None;
        if n > 0 && is_usb2(&cur) {
            let prev = positions[..n]
                .iter()
                .rev()
                .map(|&q| controller(&def.devices.other[q]))
                .find(|e| e.controller_type == "usb")
                .filter(is_usb2);
            if let Some(prev) = prev {
                let pi = prev.index;
                let clash = positions.iter().any(|&q| {
                    let e = controller(&def.devices.other[q]);
                    e.controller_type == "usb" && e.index == pi && e.model == cur.model
                });
                if !clash {
                    chosen = pi;
                }
            }
        }
        let i = chosen.unwrap_or_else(|| {
            let root = matches!(cur.model.as_deref(), Some("pci-root" | "pcie-root"));
            if cur.controller_type == "pci" && root {
                return 0;
            }
            (0..)
                .find(|i| {
                    !positions.iter().any(|&q| {
                        let e = controller(&def.devices.other[q]);
                        e.controller_type == cur.controller_type && e.index == Some(*i)
                    })
                })
                .unwrap_or(0)
        });
        // The index lands after the type, where libvirt writes it.
        cur.index = Some(i);
        cur.write_to(&mut def.devices.other[p]);
    }
}

/// An ICH9 UHCI companion without `<master>` serves the USB 2
/// controller of its index from libvirt's port for it (0, 2 or 4), as
/// libvirt's parser gives it.
fn companion_master(c: &mut Element) {
    let view = controller(c);
    let port = match (view.controller_type.as_str(), view.model.as_deref()) {
        ("usb", Some("ich9-uhci1")) => 0,
        ("usb", Some("ich9-uhci2")) => 2,
        ("usb", Some("ich9-uhci3")) => 4,
        _ => return,
    };
    if matches!(
        virt_xml::child_view::<ControllerMaster>(c),
        Ok(Some(_)) | Err(_)
    ) {
        return;
    }
    let at = c
        .children
        .iter()
        .position(|n| matches!(n, Node::Element(k) if k.name == Address::TAG))
        .unwrap_or(c.children.len());
    let master = ControllerMaster {
        startport: Some(port),
    };
    c.children.insert(at, Node::Element(master.to_element()));
}

fn is_usb2(c: &Controller) -> bool {
    c.controller_type == "usb"
        && matches!(
            c.model.as_deref(),
            Some("ich9-ehci1" | "ich9-uhci1" | "ich9-uhci2" | "ich9-uhci3" | "vt82c686b-uhci")
        )
}

fn has_controller(def: &DomainDef, t: &str, i: u32) -> bool {
    def.devices.other.iter().any(|e| {
        e.name == Controller::TAG && {
            let c = controller(e);
            c.controller_type == t && c.index == Some(i)
        }
    })
}

/// A new controller of type `t`, index `i` and `model`.
pub(super) fn new_controller(t: &str, i: u32, model: Option<&str>) -> Element {
    Controller {
        controller_type: t.into(),
        index: Some(i),
        model: model.map(str::to_string),
        ..Controller::default()
    }
    .to_element()
}

/// True for a q35 machine.
pub(super) fn is_q35(def: &DomainDef) -> bool {
    def.os
        .machine
        .as_deref()
        .is_some_and(|m| m == "q35" || m.starts_with("pc-q35"))
}

/// True for an i440FX machine (`pc`, `pc-i440fx-*`, the old `pc-0.x`).
pub(crate) fn is_i440fx(def: &DomainDef) -> bool {
    def.os.machine.as_deref().is_some_and(|m| {
        m == "pc"
            || m.starts_with("pc-i440fx")
            || (m.starts_with("pc-") && !m.starts_with("pc-q35"))
    })
}

/// qemuDomainDefAddDefaultDevices for x86.
pub(super) fn add_default_devices(def: &mut DomainDef, caps: &BinaryCaps) {
    if !matches!(def.os.arch.as_deref(), Some("x86_64" | "i686")) {
        return;
    }
    add_input(def, "mouse", "ps2");
    add_input(def, "keyboard", "ps2");
    if def.os.machine.as_deref() == Some("isapc") {
        add_memballoon(def);
        add_audio(def);
        return;
    }
    let q35 = is_q35(def);
    if !has_controller(def, "usb", 0) {
        // The machine's own USB controller: on q35 USB 3 where QEMU has
        // it; on i440FX libvirt leaves the model to the machine, which
        // its device post-parse makes piix3-uhci.
        let model = if q35 {
            ["qemu-xhci", "nec-usb-xhci", "ich9-usb-ehci1"]
                .into_iter()
                .find(|t| caps.has_type(t))
                .map(|t| match t {
                    "nec-usb-xhci" => "nec-xhci",
                    "ich9-usb-ehci1" => "ich9-ehci1",
                    t => t,
                })
        } else {
            Some("piix3-uhci")
        };
        if let Some(m) = model {
            insert_controller(def, new_controller("usb", 0, Some(m)));
        }
    }
    if q35 && !has_controller(def, "sata", 0) {
        insert_controller(def, new_controller("sata", 0, None));
    }
    if (q35 || is_i440fx(def)) && !has_controller(def, "pci", 0) {
        let root = if q35 { "pcie-root" } else { "pci-root" };
        insert_controller(def, new_controller("pci", 0, Some(root)));
    }
    add_memballoon(def);
    add_audio(def);
}

/// An input of this type and bus unless one is there
/// (virDomainDefMaybeAddInput).
fn add_input(def: &mut DomainDef, t: &str, bus: &str) {
    let there = def.devices.other.iter().any(|e| {
        view_of::<Input>(e)
            .ok()
            .flatten()
            .is_some_and(|i| i.input_type == t && i.bus.as_deref() == Some(bus))
    });
    if !there {
        def.devices.push_view(&Input {
            input_type: t.into(),
            bus: Some(bus.into()),
            model: None,
        });
    }
}

fn add_memballoon(def: &mut DomainDef) {
    if !def.devices.other.iter().any(|e| e.name == MemBalloon::TAG) {
        def.devices.push_view(&MemBalloon {
            model: "virtio".into(),
            ..MemBalloon::default()
        });
    }
}

/// The audio backend libvirt's default qemu.conf gives: `none`, unless
/// the guest already has one, or has only graphics that carry sound
/// (SPICE), or SDL (passthrough of the host's, which needs
/// QEMU_AUDIO_DRV to be added).
fn add_audio(def: &mut DomainDef) {
    if def.devices.other.iter().any(|e| e.name == Audio::TAG) {
        return;
    }
    let mut add = def.devices.graphics.is_empty();
    let mut backend = "none";
    let mut passthrough = false;
    for g in &def.devices.graphics {
        match g.graphics_type.as_str() {
            "vnc" => {
                add = true;
                backend = "none";
                passthrough = false;
            }
            "spice" => {
                add = true;
                backend = "spice";
                passthrough = false;
            }
            "sdl" => {
                add = true;
                passthrough = true;
            }
            _ => {}
        }
    }
    if add && passthrough {
        match std::env::var("QEMU_AUDIO_DRV") {
            Ok(drv) if !drv.is_empty() => backend = audio_backend(&drv),
            _ => add = false,
        }
    }
    if add {
        def.devices.push_view(&Audio {
            id: Some(1),
            audio_type: Some(backend.into()),
            ..Audio::default()
        });
    }
}

/// libvirt's audio type for a QEMU_AUDIO_DRV name (the ones it knows).
fn audio_backend(drv: &str) -> &'static str {
    match drv {
        "alsa" => "alsa",
        "coreaudio" => "coreaudio",
        "jack" => "jack",
        "oss" => "oss",
        "pa" => "pulseaudio",
        "sdl" => "sdl",
        "spice" => "spice",
        "wav" => "file",
        _ => "none",
    }
}
