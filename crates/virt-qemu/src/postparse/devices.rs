//! The devices libvirt 9.0 gives every x86 QEMU guest at define time
//! (qemuDomainDefAddDefaultDevices, virDomainDefAddImplicitDevices):
//! controllers numbered and ordered as libvirt keeps them, the USB
//! controller of the machine, the q35 SATA controller, the PCI root,
//! PS/2 mouse and keyboard, a virtio balloon, the `none` audio backend,
//! a virtio-serial controller for virtio channels, a video device for
//! graphics, and a serial port's console.

use crate::capabilities::BinaryCaps;
use virt_xml::{DomainDef, Element};

/// The controller's `type=`.
fn ctype(e: &Element) -> &str {
    e.attr("type").unwrap_or("")
}

/// The controller's `index=`, if it has a valid one.
fn index(e: &Element) -> Option<u32> {
    e.attr("index").and_then(|i| i.parse().ok())
}

/// Positions in `other` of the controllers, in order.
fn controller_positions(def: &DomainDef) -> Vec<usize> {
    def.devices
        .other
        .iter()
        .enumerate()
        .filter(|(_, e)| e.name == "controller")
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
    let new_index = index(&c);
    for &p in positions.iter().rev() {
        let cur = &def.devices.other[p];
        if ctype(cur) != ctype(&c) {
            continue;
        }
        let Some(new_index) = new_index else {
            at = Some(p + 1);
            break;
        };
        let cur_index = index(cur);
        // Before a higher index, and a USB 2 master before its companions.
        let master_first = c.child("master").is_none()
            && cur.child("master").is_some()
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
            if e.name == "controller" {
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
        if index(&def.devices.other[p]).is_some() {
            continue;
        }
        let cur = def.devices.other[p].clone();
        let mut chosen = None;
        if n > 0 && is_usb2(&cur) {
            let prev = positions[..n]
                .iter()
                .rev()
                .map(|&q| &def.devices.other[q])
                .find(|e| ctype(e) == "usb")
                .filter(|e| is_usb2(e));
            if let Some(prev) = prev {
                let pi = index(prev);
                let clash = positions.iter().any(|&q| {
                    let e = &def.devices.other[q];
                    ctype(e) == "usb" && index(e) == pi && e.attr("model") == cur.attr("model")
                });
                if !clash {
                    chosen = pi;
                }
            }
        }
        let i = chosen.unwrap_or_else(|| {
            if ctype(&cur) == "pci" && matches!(cur.attr("model"), Some("pci-root" | "pcie-root")) {
                return 0;
            }
            (0..)
                .find(|i| {
                    !positions.iter().any(|&q| {
                        let e = &def.devices.other[q];
                        ctype(e) == ctype(&cur) && index(e) == Some(*i)
                    })
                })
                .unwrap_or(0)
        });
        set_attr_after(&mut def.devices.other[p], "index", i.to_string(), "type");
    }
}

/// An ICH9 UHCI companion without `<master>` serves the USB 2
/// controller of its index from libvirt's port for it (0, 2 or 4), as
/// libvirt's parser gives it.
fn companion_master(c: &mut Element) {
    let port = match (ctype(c), c.attr("model")) {
        ("usb", Some("ich9-uhci1")) => "0",
        ("usb", Some("ich9-uhci2")) => "2",
        ("usb", Some("ich9-uhci3")) => "4",
        _ => return,
    };
    if c.child("master").is_some() {
        return;
    }
    let at = c
        .children
        .iter()
        .position(|n| matches!(n, virt_xml::Node::Element(k) if k.name == "address"))
        .unwrap_or(c.children.len());
    c.children.insert(
        at,
        virt_xml::Node::Element(Element::new("master").with_attr("startport", port)),
    );
}

fn is_usb2(e: &Element) -> bool {
    ctype(e) == "usb"
        && matches!(
            e.attr("model"),
            Some("ich9-ehci1" | "ich9-uhci1" | "ich9-uhci2" | "ich9-uhci3" | "vt82c686b-uhci")
        )
}

/// Set `name` on `e`, placed right after the attribute `after` when it is
/// new (libvirt writes `type` then `index`).
fn set_attr_after(e: &mut Element, name: &str, value: String, after: &str) {
    if e.attr(name).is_some() {
        e.set_attr(name, value);
        return;
    }
    let at = e
        .attrs
        .iter()
        .position(|(k, _)| k == after)
        .map_or(e.attrs.len(), |p| p + 1);
    e.attrs.insert(at, (name.to_string(), value));
}

fn has_controller<'a>(def: &'a DomainDef, t: &str, i: u32) -> Option<&'a Element> {
    def.devices
        .other
        .iter()
        .find(|e| e.name == "controller" && ctype(e) == t && index(e) == Some(i))
}

fn controller(t: &str, i: u32, model: Option<&str>) -> Element {
    let mut c = Element::new("controller")
        .with_attr("type", t)
        .with_attr("index", i.to_string());
    if let Some(m) = model {
        c = c.with_attr("model", m);
    }
    c
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
    if has_controller(def, "usb", 0).is_none() {
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
            insert_controller(def, controller("usb", 0, Some(m)));
        }
    }
    if q35 && has_controller(def, "sata", 0).is_none() {
        insert_controller(def, controller("sata", 0, None));
    }
    if (q35 || is_i440fx(def)) && has_controller(def, "pci", 0).is_none() {
        let root = if q35 { "pcie-root" } else { "pci-root" };
        insert_controller(def, controller("pci", 0, Some(root)));
    }
    add_memballoon(def);
    add_audio(def);
}

/// An input of this type and bus unless one is there
/// (virDomainDefMaybeAddInput).
fn add_input(def: &mut DomainDef, t: &str, bus: &str) {
    let there = def
        .devices
        .other
        .iter()
        .any(|e| e.name == "input" && e.attr("type") == Some(t) && e.attr("bus") == Some(bus));
    if !there {
        def.devices.other.push(
            Element::new("input")
                .with_attr("type", t)
                .with_attr("bus", bus),
        );
    }
}

fn add_memballoon(def: &mut DomainDef) {
    if !def.devices.other.iter().any(|e| e.name == "memballoon") {
        def.devices
            .other
            .push(Element::new("memballoon").with_attr("model", "virtio"));
    }
}

/// The audio backend libvirt's default qemu.conf gives: `none`, unless
/// the guest already has one, or has only graphics that carry sound
/// (SPICE), or SDL (passthrough of the host's, which needs
/// QEMU_AUDIO_DRV to be added).
fn add_audio(def: &mut DomainDef) {
    if def.devices.other.iter().any(|e| e.name == "audio") {
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
        def.devices.other.push(
            Element::new("audio")
                .with_attr("id", "1")
                .with_attr("type", backend),
        );
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
