//! PCI addresses as libvirt 9.0 assigns them at define time
//! (qemu_domain_address.c), for i440FX and q35 machines:
//!
//! - the chipset's own functions first: on i440FX the IDE and PIIX3 USB
//!   controllers at 00:01.1 and 00:01.2 and the primary video at 00:02;
//!   on q35 the SATA controller at 00:1f.2 and the primary video at
//!   00:01;
//! - then, in libvirt's order (NICs, sound, controllers, virtio disks,
//!   balloon, RNGs, watchdog), the next free slot: on i440FX a slot of
//!   bus 0; on q35 a PCIe device gets a free `pcie-root-port` (one is
//!   added when none is free), a conventional PCI device a slot of
//!   pcie.0 (libvirt would add a PCIe-to-PCI bridge; not done here);
//! - a USB 2 controller and its companions share one slot (EHCI at
//!   function 7, UHCI 1-3 at 0-2);
//! - q35 keeps one root port free for hot-plug; the root ports sit
//!   eight to a slot of pcie.0, their chassis their index and their port
//!   their slot and function.
//!
//! Addresses the definition gives are kept and never handed out again.

use super::devices::{is_i440fx, is_q35};
use virt_xml::{DomainDef, Element, Node};

/// A PCI address (domain 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PciAddress {
    /// Bus number (a PCI controller's index).
    pub bus: u32,
    /// Slot on the bus.
    pub slot: u32,
    /// Function in the slot.
    pub function: u32,
}

impl PciAddress {
    /// Read an `<address type='pci'>`.
    pub fn from_element(e: &Element) -> Option<PciAddress> {
        if e.name != "address" || e.attr("type") != Some("pci") {
            return None;
        }
        let num = |k: &str| {
            let v = e.attr(k).unwrap_or("0");
            match v.strip_prefix("0x") {
                Some(h) => u32::from_str_radix(h, 16).ok(),
                None => v.parse().ok(),
            }
        };
        Some(PciAddress {
            bus: num("bus")?,
            slot: num("slot")?,
            function: num("function")?,
        })
    }

    /// The `<address type='pci'>` element libvirt writes for it.
    pub fn element(self, multifunction: bool) -> Element {
        let mut e = Element::new("address")
            .with_attr("type", "pci")
            .with_attr("domain", "0x0000")
            .with_attr("bus", format!("0x{:02x}", self.bus))
            .with_attr("slot", format!("0x{:02x}", self.slot))
            .with_attr("function", format!("0x{:x}", self.function));
        if multifunction {
            e = e.with_attr("multifunction", "on");
        }
        e
    }
}

/// Which device a slot is for, so that it can be found again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dev {
    Disk(usize),
    Net(usize),
    Other(usize),
}

struct Assigner {
    q35: bool,
    taken: Vec<PciAddress>,
}

impl Assigner {
    fn is_free(&self, a: PciAddress) -> bool {
        !self
            .taken
            .iter()
            .any(|t| t.bus == a.bus && t.slot == a.slot && t.function == a.function)
    }

    fn slot_free(&self, bus: u32, slot: u32) -> bool {
        !self.taken.iter().any(|t| t.bus == bus && t.slot == slot)
    }

    /// The first wholly free slot of bus 0.
    fn next_slot(&mut self) -> Option<u32> {
        let first = if self.q35 { 1 } else { 2 };
        let slot = (first..32).find(|s| self.slot_free(0, *s) && !(self.q35 && *s == 0x1f))?;
        Some(slot)
    }

    fn take(&mut self, a: PciAddress) -> PciAddress {
        self.taken.push(a);
        a
    }
}

/// Every PCI address in the definition.
fn taken(def: &DomainDef) -> Vec<PciAddress> {
    let mut v = Vec::new();
    let mut scan = |kids: &mut dyn Iterator<Item = &Element>| {
        for k in kids {
            if let Some(a) = PciAddress::from_element(k) {
                v.push(a);
            }
        }
    };
    for d in &def.devices.disks {
        scan(&mut d.extra.iter());
    }
    for i in &def.devices.interfaces {
        scan(&mut i.extra.iter());
    }
    for c in &def.devices.chardevs {
        scan(&mut c.extra.iter());
    }
    for g in &def.devices.graphics {
        scan(&mut g.extra.iter());
    }
    for o in &def.devices.other {
        scan(&mut o.elements());
    }
    v
}

fn has_address<'a>(mut kids: impl Iterator<Item = &'a Element>) -> bool {
    kids.any(|k| k.name == "address")
}

fn set_address(def: &mut DomainDef, dev: Dev, a: PciAddress, multifunction: bool) {
    let e = a.element(multifunction);
    match dev {
        Dev::Disk(i) => def.devices.disks[i].extra.push(e),
        Dev::Net(i) => def.devices.interfaces[i].extra.push(e),
        Dev::Other(i) => def.devices.other[i].children.push(Node::Element(e)),
    }
}

/// True for a device libvirt plugs into a PCIe root port on q35.
fn is_pcie(def: &DomainDef, dev: Dev) -> bool {
    match dev {
        Dev::Disk(_) => true,
        Dev::Net(i) => matches!(
            def.devices.interfaces[i].model.as_deref(),
            Some("virtio" | "e1000e" | "virtio-non-transitional")
        ),
        Dev::Other(i) => {
            let e = &def.devices.other[i];
            match e.name.as_str() {
                "controller" => matches!(
                    (e.attr("type"), e.attr("model")),
                    (Some("virtio-serial"), _)
                        | (Some("usb"), Some("qemu-xhci" | "nec-xhci"))
                        | (Some("scsi"), Some("virtio-scsi"))
                ),
                "memballoon" | "rng" => true,
                _ => false,
            }
        }
    }
}

/// The devices that need a PCI slot and have none, in libvirt's order.
fn wanting(def: &DomainDef) -> Vec<Dev> {
    let mut v = Vec::new();
    let other = &def.devices.other;
    let unaddressed = |e: &Element| !has_address(e.elements());
    for (i, n) in def.devices.interfaces.iter().enumerate() {
        if !has_address(n.extra.iter()) && n.iface_type != "hostdev" {
            v.push(Dev::Net(i));
        }
    }
    for (i, e) in other.iter().enumerate() {
        if e.name == "sound" && unaddressed(e) && e.attr("model") != Some("pcspk") {
            v.push(Dev::Other(i));
        }
    }
    for (i, e) in other.iter().enumerate() {
        if e.name != "controller" || !unaddressed(e) {
            continue;
        }
        let pci_device = match (e.attr("type"), e.attr("model")) {
            (Some("usb"), Some("none")) => false,
            (Some("usb"), _) => e.child("master").is_none(),
            (Some("scsi" | "virtio-serial"), _) => true,
            (Some("sata"), _) => true,
            _ => false,
        };
        if pci_device {
            v.push(Dev::Other(i));
        }
    }
    for (i, d) in def.devices.disks.iter().enumerate() {
        if d.target_bus.as_deref() == Some("virtio") && !has_address(d.extra.iter()) {
            v.push(Dev::Disk(i));
        }
    }
    for name in ["memballoon", "rng", "watchdog"] {
        for (i, e) in other.iter().enumerate() {
            if e.name != name || !unaddressed(e) {
                continue;
            }
            let pci = match name {
                "memballoon" => e.attr("model") == Some("virtio"),
                "rng" => e.attr("model").is_some_and(|m| m.starts_with("virtio")),
                _ => e.attr("model") == Some("i6300esb"),
            };
            if pci {
                v.push(Dev::Other(i));
            }
        }
    }
    v
}

/// Assign the PCI addresses libvirt assigns (see the module's text).
pub(crate) fn assign(def: &mut DomainDef) {
    let q35 = is_q35(def);
    if !q35 && !is_i440fx(def) {
        return;
    }
    let mut a = Assigner {
        q35,
        taken: taken(def),
    };
    // Bus 0's own functions.
    a.taken.push(PciAddress {
        bus: 0,
        slot: 0,
        function: 0,
    });
    let at = |slot, function| PciAddress {
        bus: 0,
        slot,
        function,
    };
    if !q35 {
        for f in 0..8 {
            if a.is_free(at(1, f)) {
                a.taken.push(at(1, f));
            }
        }
    }
    let mut fixed: Vec<(usize, PciAddress)> = Vec::new();
    for (i, e) in def.devices.other.iter().enumerate() {
        if e.name != "controller" || has_address(e.elements()) || e.attr("index") != Some("0") {
            continue;
        }
        match (q35, e.attr("type"), e.attr("model")) {
            (false, Some("ide"), _) => fixed.push((i, at(1, 1))),
            (false, Some("usb"), Some("piix3-uhci")) => fixed.push((i, at(1, 2))),
            (true, Some("sata"), _) => fixed.push((i, at(0x1f, 2))),
            _ => {}
        }
    }
    if q35 {
        for f in 0..8 {
            a.taken.push(at(0x1f, f));
        }
    }
    for (i, addr) in fixed {
        def.devices.other[i]
            .children
            .push(Node::Element(addr.element(false)));
    }
    // The primary video.
    if let Some(i) = def
        .devices
        .other
        .iter()
        .position(|e| e.name == "video")
        .filter(|&i| {
            let e = &def.devices.other[i];
            !has_address(e.elements())
                && e.child("model").and_then(|m| m.attr("type")) != Some("none")
        })
    {
        let slot = if q35 { 1 } else { 2 };
        let want = at(slot, 0);
        let addr = if a.slot_free(0, slot) {
            Some(want)
        } else {
            a.next_slot().map(|s| at(s, 0))
        };
        if let Some(addr) = addr {
            a.take(addr);
            set_address(def, Dev::Other(i), addr, false);
        }
    }
    let mut ports_used: Vec<u32> = a.taken.iter().map(|t| t.bus).filter(|b| *b > 0).collect();
    let mut new_ports: Vec<u32> = Vec::new();
    for dev in wanting(def) {
        if let Dev::Other(i) = dev {
            if def.devices.other[i].attr("model") == Some("ich9-ehci1") {
                usb2_group(def, &mut a, i);
                continue;
            }
        }
        if q35 && is_pcie(def, dev) {
            // New root ports join the controllers after this loop, which
            // holds positions in the device list.
            let port = free_root_port(def, &ports_used, &new_ports);
            ports_used.push(port);
            if !root_ports(def).contains(&port) && !new_ports.contains(&port) {
                new_ports.push(port);
            }
            set_address(
                def,
                dev,
                PciAddress {
                    bus: port,
                    slot: 0,
                    function: 0,
                },
                false,
            );
            continue;
        }
        if let Some(s) = a.next_slot() {
            let addr = a.take(at(s, 0));
            set_address(def, dev, addr, false);
        }
    }
    if q35 {
        // One free root port stays for hot-plug.
        let all: Vec<u32> = root_ports(def)
            .into_iter()
            .chain(new_ports.clone())
            .collect();
        if !all.iter().any(|p| !ports_used.contains(p)) {
            let port = free_root_port(def, &ports_used, &new_ports);
            new_ports.push(port);
        }
        // libvirt appends the root ports it adds after every controller.
        for port in new_ports {
            let at = def
                .devices
                .other
                .iter()
                .rposition(|e| e.name == "controller")
                .map_or(def.devices.other.len(), |p| p + 1);
            def.devices.other.insert(at, root_port(port));
        }
        place_root_ports(def, &mut a);
    }
}

/// True when the definition carries libvirt's whole PCI assignment (the
/// define of this driver gives it): assigning again would add nothing.
pub fn is_complete(def: &DomainDef) -> bool {
    let mut again = def.clone();
    assign(&mut again);
    again.devices == def.devices
}

/// The root port a device hot-plugged into a running q35 guest goes
/// to, as libvirt picks it: the lowest-numbered one no device of `def`
/// sits on, among those QEMU has (`present`). `None` on other machines
/// and when every port is taken.
pub fn hotplug_root_port(def: &DomainDef, present: impl Fn(u32) -> bool) -> Option<u32> {
    if !is_q35(def) {
        return None;
    }
    let used: Vec<u32> = taken(def).iter().map(|a| a.bus).collect();
    let mut ports = root_ports(def);
    ports.sort_unstable();
    ports.into_iter().find(|p| !used.contains(p) && present(*p))
}

/// The indexes of the root ports.
fn root_ports(def: &DomainDef) -> Vec<u32> {
    def.devices
        .other
        .iter()
        .filter(|e| {
            e.name == "controller"
                && e.attr("type") == Some("pci")
                && e.attr("model") == Some("pcie-root-port")
        })
        .filter_map(|e| e.attr("index")?.parse().ok())
        .collect()
}

/// The lowest-numbered root port no device uses, else the next PCI
/// controller index.
fn free_root_port(def: &DomainDef, used: &[u32], new: &[u32]) -> u32 {
    let mut ports = root_ports(def);
    ports.extend_from_slice(new);
    ports.sort_unstable();
    if let Some(p) = ports.into_iter().find(|p| !used.contains(p)) {
        return p;
    }
    let max = def
        .devices
        .other
        .iter()
        .filter(|e| e.name == "controller" && e.attr("type") == Some("pci"))
        .filter_map(|e| e.attr("index")?.parse::<u32>().ok())
        .chain(new.iter().copied())
        .max()
        .unwrap_or(0);
    max + 1
}

fn root_port(index: u32) -> Element {
    Element::new("controller")
        .with_attr("type", "pci")
        .with_attr("index", index.to_string())
        .with_attr("model", "pcie-root-port")
}

/// Give each root port without an address one on pcie.0, eight to a
/// slot, with its model name, chassis and port.
fn place_root_ports(def: &mut DomainDef, a: &mut Assigner) {
    let mut slot: Option<(u32, u32)> = None;
    for i in 0..def.devices.other.len() {
        let e = &def.devices.other[i];
        if e.name != "controller"
            || e.attr("type") != Some("pci")
            || e.attr("model") != Some("pcie-root-port")
        {
            continue;
        }
        let index: u32 = e.attr("index").and_then(|x| x.parse().ok()).unwrap_or(0);
        let given = e.elements().find_map(PciAddress::from_element);
        let addr = match given {
            Some(g) => g,
            None => {
                let next = match slot {
                    Some((s, f))
                        if f < 7
                            && a.is_free(PciAddress {
                                bus: 0,
                                slot: s,
                                function: f + 1,
                            }) =>
                    {
                        Some((s, f + 1))
                    }
                    _ => a.next_slot().map(|s| (s, 0)),
                };
                let Some((s, f)) = next else {
                    continue;
                };
                slot = Some((s, f));
                a.take(PciAddress {
                    bus: 0,
                    slot: s,
                    function: f,
                })
            }
        };
        let e = &mut def.devices.other[i];
        if e.child("model").is_none() {
            let at = e
                .children
                .iter()
                .position(|n| matches!(n, Node::Element(k) if k.name != "model"))
                .unwrap_or(e.children.len());
            e.children.insert(
                at,
                Node::Element(Element::new("model").with_attr("name", "pcie-root-port")),
            );
        }
        if e.child("target").is_none() {
            let at = e
                .children
                .iter()
                .position(
                    |n| matches!(n, Node::Element(k) if k.name == "address" || k.name == "alias"),
                )
                .unwrap_or(e.children.len());
            e.children.insert(
                at,
                Node::Element(
                    Element::new("target")
                        .with_attr("chassis", index.to_string())
                        .with_attr("port", format!("0x{:x}", addr.slot * 8 + addr.function)),
                ),
            );
        }
        if given.is_none() {
            e.children
                .push(Node::Element(addr.element(addr.function == 0)));
        }
    }
}

/// A USB 2 controller (EHCI) and its UHCI companions of the same index
/// share one slot: EHCI at function 7, UHCI n at function n-1, the first
/// marked multifunction.
fn usb2_group(def: &mut DomainDef, a: &mut Assigner, ehci: usize) {
    let Some(slot) = a.next_slot() else {
        return;
    };
    let index = def.devices.other[ehci].attr("index").map(str::to_string);
    let at = |function| PciAddress {
        bus: 0,
        slot,
        function,
    };
    a.take(at(7));
    set_address(def, Dev::Other(ehci), at(7), false);
    for i in 0..def.devices.other.len() {
        let e = &def.devices.other[i];
        if e.name != "controller"
            || e.attr("type") != Some("usb")
            || e.attr("index").map(str::to_string) != index
            || has_address(e.elements())
        {
            continue;
        }
        let f = match e.attr("model") {
            Some("ich9-uhci1") => 0,
            Some("ich9-uhci2") => 1,
            Some("ich9-uhci3") => 2,
            _ => continue,
        };
        a.take(at(f));
        set_address(def, Dev::Other(i), at(f), f == 0);
    }
}
