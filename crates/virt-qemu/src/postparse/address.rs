//! PCI addresses as libvirt 9.0 assigns them at define time
//! (qemu_domain_address.c), for i440FX and q35 machines:
//!
//! - the chipset's own functions first: on i440FX the IDE and PIIX3 USB
//!   controllers at 00:01.1 and 00:01.2 and the primary video at 00:02;
//!   on q35 the SATA controller at 00:1f.2, the primary video at 00:01,
//!   the first USB 2 controller set at 00:1d (the next at 00:1a) and an
//!   ICH9 sound card at 00:1b, as on real q35 hardware;
//! - then, in libvirt's order (NICs, sound, controllers, virtio disks,
//!   balloon, RNGs, watchdog), the next free slot: on i440FX a slot of
//!   bus 0; on q35 a PCIe device gets a free `pcie-root-port`, a
//!   conventional PCI device (rtl8139 and e1000 NICs, AC97, ES1370 and
//!   HDA sound, the i6300esb watchdog, USB 1/2 controllers) a slot of a
//!   `pcie-to-pci-bridge`. As libvirt, this takes two passes: the first
//!   counts the controllers the devices need (a root port per PCIe
//!   device; a root port and the bridge in it for the first conventional
//!   device) and adds them, the second places the controllers, then the
//!   devices, each in the lowest free place (so the bridge takes the
//!   lowest free root port);
//! - a USB 2 controller and its companions share one slot (EHCI at
//!   function 7, UHCI 1-3 at 0-2);
//! - a q35 guest whose definition had no PCI controllers keeps one root
//!   port free for hot-plug; the root ports sit eight to a slot of
//!   pcie.0, their chassis their index and their port their slot and
//!   function.
//!
//! Addresses the definition gives are kept and never handed out again.

pub(crate) use super::devices::is_i440fx;
use super::devices::is_q35;
use virt_xml::{
    child_view, set_child_view, view_of, Address, Alias, Controller, ControllerModel,
    ControllerTarget, DomainDef, Element, MemBalloon, Node, NonNegInt, PciPort, Rng, Sound, Video,
    View, Watchdog,
};

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
    /// The PCI place `a` gives (`type='pci'`, unset numbers 0).
    pub fn from_address(a: &Address) -> Option<PciAddress> {
        if a.address_type.as_deref() != Some("pci") {
            return None;
        }
        let num = |v: &Option<String>| {
            let v = v.as_deref().unwrap_or("0");
            match v.strip_prefix("0x") {
                Some(h) => u32::from_str_radix(h, 16).ok(),
                None => v.parse().ok(),
            }
        };
        Some(PciAddress {
            bus: num(&a.bus)?,
            slot: num(&a.slot)?,
            function: num(&a.function)?,
        })
    }

    /// The `<address type='pci'>` libvirt writes for it.
    pub fn to_address(self, multifunction: bool) -> Address {
        Address {
            address_type: Some("pci".into()),
            domain: Some("0x0000".into()),
            bus: Some(format!("0x{:02x}", self.bus)),
            slot: Some(format!("0x{:02x}", self.slot)),
            function: Some(format!("0x{:x}", self.function)),
            multifunction: multifunction.then(|| "on".into()),
            ..Address::default()
        }
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
    /// The PCIe-to-PCI bridges' indexes (q35).
    bridges: Vec<u32>,
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
    fn next_slot(&self) -> Option<u32> {
        let first = if self.q35 { 1 } else { 2 };
        let slot = (first..32).find(|s| self.slot_free(0, *s) && !(self.q35 && *s == 0x1f))?;
        Some(slot)
    }

    /// The lowest-numbered root port with nothing in it.
    fn free_root_port(&self, def: &DomainDef) -> Option<u32> {
        let mut ports = root_ports(def);
        ports.sort_unstable();
        ports
            .into_iter()
            .find(|p| !self.taken.iter().any(|t| t.bus == *p))
    }

    /// A slot for a conventional PCI device: on i440FX the next one of
    /// bus 0, on q35 the next of a PCIe-to-PCI bridge (from slot 1: slot
    /// 0 is the bridge's hot-plug controller).
    fn legacy_slot(&self) -> Option<PciAddress> {
        if !self.q35 {
            return self.next_slot().map(|s| at0(s, 0));
        }
        self.bridges.iter().find_map(|&bus| {
            (1..32)
                .find(|s| self.slot_free(bus, *s))
                .map(|slot| PciAddress {
                    bus,
                    slot,
                    function: 0,
                })
        })
    }

    fn take(&mut self, a: PciAddress) -> PciAddress {
        self.taken.push(a);
        a
    }
}

/// Every PCI address in the definition.
fn taken(def: &DomainDef) -> Vec<PciAddress> {
    let d = &def.devices;
    let parts = d.disks.iter().map(|x| x.part::<Address>());
    let parts = parts.chain(d.interfaces.iter().map(|x| x.part::<Address>()));
    let parts = parts.chain(d.chardevs.iter().map(|x| x.part::<Address>()));
    let parts = parts.chain(d.graphics.iter().map(|x| x.part::<Address>()));
    let parts = parts.chain(d.other.iter().map(child_view::<Address>));
    parts
        .filter_map(|a| PciAddress::from_address(&a.ok()??))
        .collect()
}

/// Whether a device's address (read or not) is there: one that does not
/// read is the definition's too, and no place is handed to it.
fn addressed(address: Result<Option<Address>, virt_xml::XmlError>) -> bool {
    !matches!(address, Ok(None))
}

/// Whether a device the model keeps generic has an address.
fn has_address(e: &Element) -> bool {
    addressed(child_view::<Address>(e))
}

/// The controller `e` is, when it is one that reads.
fn controller(e: &Element) -> Option<Controller> {
    view_of::<Controller>(e).ok().flatten()
}

/// The `model=` of a device the model keeps generic: a controller's,
/// sound card's, balloon's, RNG's or watchdog's.
fn model(e: &Element) -> Option<String> {
    match e.name.as_str() {
        Controller::TAG => controller(e)?.model,
        Sound::TAG => Some(Sound::from_element(e).ok()?.model),
        MemBalloon::TAG => Some(MemBalloon::from_element(e).ok()?.model),
        Rng::TAG => Some(Rng::from_element(e).ok()?.model),
        Watchdog::TAG => Some(Watchdog::from_element(e).ok()?.model),
        _ => None,
    }
}

fn set_address(def: &mut DomainDef, dev: Dev, a: PciAddress, multifunction: bool) {
    let address = a.to_address(multifunction);
    match dev {
        Dev::Disk(i) => def.devices.disks[i].set_part(Some(&address)),
        Dev::Net(i) => def.devices.interfaces[i].set_part(Some(&address)),
        Dev::Other(i) => set_child_view(&mut def.devices.other[i], Some(&address)),
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
                Controller::TAG => controller(e).is_some_and(|c| {
                    matches!(
                        (c.controller_type.as_str(), c.model.as_deref()),
                        ("virtio-serial", _)
                            | ("usb", Some("qemu-xhci" | "nec-xhci"))
                            | ("scsi", Some("virtio-scsi"))
                    )
                }),
                MemBalloon::TAG | Rng::TAG => true,
                _ => false,
            }
        }
    }
}

/// The devices that need a PCI slot and have none, in libvirt's order.
fn wanting(def: &DomainDef) -> Vec<Dev> {
    let mut v = Vec::new();
    let other = &def.devices.other;
    for (i, n) in def.devices.interfaces.iter().enumerate() {
        if !addressed(n.part::<Address>()) && n.iface_type != "hostdev" {
            v.push(Dev::Net(i));
        }
    }
    for (i, e) in other.iter().enumerate() {
        if e.name == Sound::TAG && !has_address(e) && model(e).as_deref() != Some("pcspk") {
            v.push(Dev::Other(i));
        }
    }
    for (i, e) in other.iter().enumerate() {
        let Some(c) = controller(e).filter(|_| !has_address(e)) else {
            continue;
        };
        let pci_device = match (c.controller_type.as_str(), c.model.as_deref()) {
            ("usb", Some("none")) => false,
            ("usb", _) => c.master_startport.is_none(),
            ("scsi" | "virtio-serial", _) => true,
            ("sata", _) => true,
            _ => false,
        };
        if pci_device {
            v.push(Dev::Other(i));
        }
    }
    for (i, d) in def.devices.disks.iter().enumerate() {
        if d.target_bus.as_deref() == Some("virtio") && !addressed(d.part::<Address>()) {
            v.push(Dev::Disk(i));
        }
    }
    for name in [MemBalloon::TAG, Rng::TAG, Watchdog::TAG] {
        for (i, e) in other.iter().enumerate() {
            if e.name != name || has_address(e) {
                continue;
            }
            let model = model(e);
            let pci = match name {
                MemBalloon::TAG => model.as_deref() == Some("virtio"),
                Rng::TAG => model.is_some_and(|m| m.starts_with("virtio")),
                _ => model.as_deref() == Some("i6300esb"),
            };
            if pci {
                v.push(Dev::Other(i));
            }
        }
    }
    v
}

/// How a device plugs in on q35 (libvirt's connect flags, reduced to
/// what matters here): into a PCIe root port, or into a slot of a
/// conventional PCI bus (a PCIe-to-PCI bridge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Connect {
    Pcie,
    Pci,
}

fn connect(def: &DomainDef, dev: Dev) -> Connect {
    if is_pcie(def, dev) {
        Connect::Pcie
    } else {
        Connect::Pci
    }
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
        bridges: Vec::new(),
    };
    chipset_functions(def, &mut a);
    if q35 {
        // libvirt's first pass: which controllers the devices need.
        let devs = wanting(def);
        add_controllers(def, &a, &devs);
        a.bridges = bridges(def);
        place_root_ports(def, &mut a);
        place_bridges(def, &mut a);
    }
    // The second pass: the controllers are there, the devices take their
    // places in libvirt's order (the positions in the device list moved
    // with the controllers added, so the list is made again).
    for dev in wanting(def) {
        if let Dev::Other(i) = dev {
            let ehci = controller(&def.devices.other[i])
                .filter(|c| c.model.as_deref() == Some("ich9-ehci1"));
            if let Some(ehci) = ehci {
                if let Some(at) = a.legacy_slot() {
                    usb2_group(def, &mut a, at, ehci.index);
                }
                continue;
            }
        }
        let addr = match (q35, connect(def, dev)) {
            (true, Connect::Pcie) => a.free_root_port(def).map(|port| PciAddress {
                bus: port,
                slot: 0,
                function: 0,
            }),
            _ => a.legacy_slot(),
        };
        if let Some(addr) = addr {
            a.take(addr);
            set_address(def, dev, addr, false);
        }
    }
}

/// The functions the chipset fixes (qemuDomainValidateDevicePCISlots*):
/// on i440FX slot 1 (PIIX3: IDE at .1, USB at .2) and the primary video
/// at slot 2; on q35 slot 0x1f (SATA at .2), the primary video at slot
/// 1, the first USB 2 controllers at 0x1d (else 0x1a) and an ICH9 sound
/// card at 0x1b, each where it is still free.
fn chipset_functions(def: &mut DomainDef, a: &mut Assigner) {
    let q35 = a.q35;
    // Bus 0's own functions.
    a.taken.push(at0(0, 0));
    if !q35 {
        for f in 0..8 {
            if a.is_free(at0(1, f)) {
                a.taken.push(at0(1, f));
            }
        }
    }
    let mut fixed: Vec<(usize, PciAddress)> = Vec::new();
    for (i, e) in def.devices.other.iter().enumerate() {
        let Some(c) = controller(e).filter(|c| c.index == Some(0) && !has_address(e)) else {
            continue;
        };
        match (q35, c.controller_type.as_str(), c.model.as_deref()) {
            (false, "ide", _) => fixed.push((i, at0(1, 1))),
            (false, "usb", Some("piix3-uhci")) => fixed.push((i, at0(1, 2))),
            (true, "sata", _) => fixed.push((i, at0(0x1f, 2))),
            _ => {}
        }
    }
    for (i, addr) in fixed {
        set_address(def, Dev::Other(i), addr, false);
    }
    if q35 {
        // The first USB 2 controller set at 00:1d, the next at 00:1a.
        while let Some(uhci) = def.devices.other.iter().find_map(|e| {
            controller(e).filter(|c| c.model.as_deref() == Some("ich9-uhci1") && !has_address(e))
        }) {
            let Some(slot) = [0x1d, 0x1a].into_iter().find(|s| a.slot_free(0, *s)) else {
                break;
            };
            usb2_group(def, a, at0(slot, 0), uhci.index);
        }
        for f in 0..8 {
            a.taken.push(at0(0x1f, f));
        }
    }
    // The primary video.
    if let Some(i) = def
        .devices
        .other
        .iter()
        .position(|e| e.name == Video::TAG)
        .filter(|&i| {
            let e = &def.devices.other[i];
            let model = Video::from_element(e).ok().and_then(|v| v.model_type);
            !has_address(e) && model.as_deref() != Some("none")
        })
    {
        let slot = if q35 { 1 } else { 2 };
        let addr = if a.slot_free(0, slot) {
            Some(at0(slot, 0))
        } else {
            a.next_slot().map(|s| at0(s, 0))
        };
        if let Some(addr) = addr {
            a.take(addr);
            set_address(def, Dev::Other(i), addr, false);
        }
    }
    // An ICH9 sound card where real q35 hardware has its HD audio.
    if q35 && a.slot_free(0, 0x1b) {
        if let Some(i) = def.devices.other.iter().position(|e| {
            e.name == Sound::TAG && model(e).as_deref() == Some("ich9") && !has_address(e)
        }) {
            a.take(at0(0x1b, 0));
            set_address(def, Dev::Other(i), at0(0x1b, 0), false);
        }
    }
}

/// Address `slot`.`function` of bus 0.
fn at0(slot: u32, function: u32) -> PciAddress {
    PciAddress {
        bus: 0,
        slot,
        function,
    }
}

/// libvirt's first pass on q35 (virDomainPCIAddressSetGrow): each PCIe
/// device wants a free root port, else a new one; each conventional PCI
/// device a slot of a PCIe-to-PCI bridge, and the first one that finds
/// none adds a root port and a bridge on it. A guest whose definition
/// had no PCI controllers and got some gets one more free root port, for
/// hot-plug. The controllers join the definition after its last one.
fn add_controllers(def: &mut DomainDef, a: &Assigner, devs: &[Dev]) {
    let indexes = pci_controller_indexes(def);
    let max_index = indexes.iter().copied().max().unwrap_or(0);
    let bus_used = |bus: u32| a.taken.iter().any(|t| t.bus == bus);
    let mut free_ports: Vec<u32> = root_ports(def);
    free_ports.sort_unstable();
    free_ports.retain(|p| !bus_used(*p));
    let mut bridge_slots: Vec<usize> = bridges(def)
        .into_iter()
        .map(|b| (1..32).filter(|s| a.slot_free(b, *s)).count())
        .collect();
    let mut next = max_index + 1;
    let mut added: Vec<Element> = Vec::new();
    for dev in devs {
        let is_ehci = matches!(dev, Dev::Other(i)
            if model(&def.devices.other[*i]).as_deref() == Some("ich9-ehci1"));
        if connect(def, *dev) == Connect::Pcie && !is_ehci {
            if free_ports.is_empty() {
                added.push(pci_controller(next, "pcie-root-port"));
                next += 1;
            } else {
                free_ports.remove(0);
            }
        } else if let Some(free) = bridge_slots.iter_mut().find(|n| **n > 0) {
            *free -= 1;
        } else {
            // The root port is the bridge's alone in this pass.
            added.push(pci_controller(next, "pcie-root-port"));
            added.push(pci_controller(next + 1, "pcie-to-pci-bridge"));
            bridge_slots.push(30);
            next += 2;
        }
    }
    if max_index == 0 && !added.is_empty() && free_ports.is_empty() {
        added.push(pci_controller(next, "pcie-root-port"));
    }
    for c in added {
        let at = def
            .devices
            .other
            .iter()
            .rposition(|e| e.name == Controller::TAG)
            .map_or(def.devices.other.len(), |p| p + 1);
        def.devices.other.insert(at, c);
    }
}

/// The PCI controllers.
fn pci_controllers_all(def: &DomainDef) -> impl Iterator<Item = (usize, Controller)> + '_ {
    def.devices
        .other
        .iter()
        .enumerate()
        .filter_map(|(i, e)| Some((i, controller(e)?)))
        .filter(|(_, c)| c.controller_type == "pci")
}

/// The indexes of the PCI controllers.
fn pci_controller_indexes(def: &DomainDef) -> Vec<u32> {
    pci_controllers_all(def)
        .filter_map(|(_, c)| c.index)
        .collect()
}

/// The indexes of the PCIe-to-PCI bridges.
fn bridges(def: &DomainDef) -> Vec<u32> {
    pci_controllers(def, "pcie-to-pci-bridge")
}

/// Each PCIe-to-PCI bridge without an address goes into the lowest
/// root port nothing sits in (libvirt places the PCI controllers before
/// the devices), with QEMU's device name as its model name.
fn place_bridges(def: &mut DomainDef, a: &mut Assigner) {
    let bridges: Vec<usize> = pci_controllers_all(def)
        .filter(|(_, c)| c.model.as_deref() == Some("pcie-to-pci-bridge"))
        .map(|(i, _)| i)
        .collect();
    for i in bridges {
        let addr = if has_address(&def.devices.other[i]) {
            None
        } else {
            a.free_root_port(def).map(|port| {
                a.take(PciAddress {
                    bus: port,
                    slot: 0,
                    function: 0,
                })
            })
        };
        let e = &mut def.devices.other[i];
        if lacks_model(e) {
            let model = ControllerModel {
                name: Some("pcie-pci-bridge".into()),
            };
            e.children.insert(0, Node::Element(model.to_element()));
        }
        if let Some(addr) = addr {
            set_child_view(e, Some(&addr.to_address(false)));
        }
    }
}

/// Whether a controller lacks its `<model>` (one that does not read is
/// there).
fn lacks_model(e: &Element) -> bool {
    matches!(child_view::<ControllerModel>(e), Ok(None))
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

/// The slot of bus 0 a device hot-plugged into a running i440FX guest
/// goes to, as libvirt picks it (qemuDomainEnsurePCIAddress): the
/// lowest slot from 2 on that no device of `def` has and QEMU does not
/// report in use (`in_use`: a guest started from a definition whose
/// places QEMU chose has devices `def` does not place). `None` on other
/// machines and when bus 0 is full.
pub fn hotplug_slot(def: &DomainDef, in_use: impl Fn(u32) -> bool) -> Option<PciAddress> {
    if !is_i440fx(def) {
        return None;
    }
    let a = Assigner {
        q35: false,
        taken: taken(def),
        bridges: Vec::new(),
    };
    // Slot 0 is the host bridge, slot 1 the PIIX3.
    (2..32)
        .find(|s| a.slot_free(0, *s) && !in_use(*s))
        .map(|s| at0(s, 0))
}

/// The indexes of the root ports.
fn root_ports(def: &DomainDef) -> Vec<u32> {
    pci_controllers(def, "pcie-root-port")
}

/// The indexes of the PCI controllers of `model`.
fn pci_controllers(def: &DomainDef, model: &str) -> Vec<u32> {
    pci_controllers_all(def)
        .filter(|(_, c)| c.model.as_deref() == Some(model))
        .filter_map(|(_, c)| c.index)
        .collect()
}

/// A new PCI controller of `model`.
fn pci_controller(index: u32, model: &str) -> Element {
    Controller {
        controller_type: "pci".into(),
        index: Some(index),
        model: Some(model.into()),
        ..Controller::default()
    }
    .to_element()
}

/// Give each root port without an address one on pcie.0, eight to a
/// slot, with its model name, chassis and port.
fn place_root_ports(def: &mut DomainDef, a: &mut Assigner) {
    let ports: Vec<(usize, u32)> = pci_controllers_all(def)
        .filter(|(_, c)| c.model.as_deref() == Some("pcie-root-port"))
        .map(|(i, c)| (i, c.index.unwrap_or(0)))
        .collect();
    let mut slot: Option<(u32, u32)> = None;
    for (i, index) in ports {
        let e = &def.devices.other[i];
        let given = child_view::<Address>(e)
            .ok()
            .flatten()
            .and_then(|g| PciAddress::from_address(&g));
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
        if lacks_model(e) {
            let at = e
                .children
                .iter()
                .position(|n| matches!(n, Node::Element(_)))
                .unwrap_or(e.children.len());
            let model = ControllerModel {
                name: Some("pcie-root-port".into()),
            };
            e.children.insert(at, Node::Element(model.to_element()));
        }
        if matches!(child_view::<ControllerTarget>(e), Ok(None)) {
            let at = e
                .children
                .iter()
                .position(|n| {
                    matches!(n, Node::Element(k) if k.name == Address::TAG || k.name == Alias::TAG)
                })
                .unwrap_or(e.children.len());
            let target = ControllerTarget {
                chassis: Some(NonNegInt(index as i32)),
                port: Some(PciPort((addr.slot * 8 + addr.function) as i32)),
                ..ControllerTarget::default()
            };
            e.children.insert(at, Node::Element(target.to_element()));
        }
        if given.is_none() {
            set_child_view(e, Some(&addr.to_address(addr.function == 0)));
        }
    }
}

/// The USB 2 controllers (EHCI and its UHCI companions) of `index`
/// share the slot of `at`: EHCI at function 7, UHCI n at function n-1,
/// the first marked multifunction.
fn usb2_group(def: &mut DomainDef, a: &mut Assigner, at: PciAddress, index: Option<u32>) {
    let mut group = Vec::new();
    for (i, e) in def.devices.other.iter().enumerate() {
        let Some(c) = controller(e) else {
            continue;
        };
        if c.controller_type != "usb" || c.index != index || has_address(e) {
            continue;
        }
        let function = match c.model.as_deref() {
            Some("ich9-ehci1") => 7,
            Some("ich9-uhci1") => 0,
            Some("ich9-uhci2") => 1,
            Some("ich9-uhci3") => 2,
            _ => continue,
        };
        group.push((i, function));
    }
    for (i, function) in group {
        let addr = a.take(PciAddress { function, ..at });
        set_address(def, Dev::Other(i), addr, function == 0);
    }
}
