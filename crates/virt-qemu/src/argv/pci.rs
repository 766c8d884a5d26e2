//! PCI placement on the command line, as libvirt 9.0 writes it
//! (qemuBuildDeviceAddressStr, qemuBuildControllerPCIDevProps): the
//! `pcie-root-port` and `pcie-to-pci-bridge` controllers of a q35 guest
//! become `-device pcie-root-port` and `-device pcie-pci-bridge` lines,
//! and every PCI device gets the `bus` and `addr` of its
//! `<address type='pci'>`.
//!
//! All or nothing: the addresses are written only when the definition
//! carries libvirt's whole PCI assignment (as this driver's define leaves
//! it), every PCI device on the command line has an address, and each
//! sits on a bus the command line has (bus 0, a root port or a bridge in
//! a root port). Otherwise
//! the command line stays as QEMU places devices itself (the first free
//! slot of bus 0): a definition with addresses of its own for some
//! devices only, or on buses this driver does not build (PCI bridges,
//! expanders), starts as it did before.
//! Without the root ports on the command line a q35 guest has nowhere to
//! hot-plug a device: pcie.0 takes none.

use super::{Builder, Chipset};
use crate::postparse::address::{self, PciAddress};
use serde_json::{json, Value};
use std::collections::HashMap;
use virt_xml::{
    child_view, view_of, Address, Controller, ControllerTarget, DomainDef, Element, MemBalloon,
    Rng, Sound, Video, View, Watchdog,
};

/// A PCI controller the command line builds: a PCIe root port (its
/// chassis and port) or a PCIe-to-PCI bridge (`None`).
struct PciController {
    index: u32,
    root_port: Option<(u32, u32)>,
    at: PciAddress,
    multifunction: bool,
}

/// The drivers of PCI devices the command line writes (devices of other
/// buses carry their own `bus`, or sit on ISA).
fn is_pci_driver(driver: &str) -> bool {
    driver.ends_with("-pci")
        || driver.starts_with("ich9-usb-")
        || matches!(
            driver,
            "VGA"
                | "cirrus-vga"
                | "virtio-vga"
                | "bochs-display"
                | "qemu-xhci"
                | "piix3-usb-uhci"
                | "piix4-usb-uhci"
                | "lsi53c895a"
                | "ahci"
                | "intel-hda"
                | "ich9-intel-hda"
                | "AC97"
                | "ES1370"
                | "i6300esb"
                | "e1000"
                | "e1000e"
                | "rtl8139"
                | "ne2k_pci"
                | "pcnet"
                | "vmxnet3"
        )
}

/// The PCI place `address` gives, with its multifunction flag.
fn pci_place(address: Option<Address>) -> Option<(PciAddress, bool)> {
    let address = address?;
    let at = PciAddress::from_address(&address)?;
    Some((at, address.multifunction.as_deref() == Some("on")))
}

/// The PCI place of a device the model keeps generic.
fn place_of(e: &Element) -> Option<(PciAddress, bool)> {
    pci_place(child_view::<Address>(e).ok().flatten())
}

/// The root ports and PCIe-to-PCI bridges, or `None` when a PCI
/// controller is one the command line does not build (or lacks its
/// place).
fn pci_controllers(def: &DomainDef, chipset: Chipset) -> Option<Vec<PciController>> {
    let mut controllers = Vec::new();
    for e in &def.devices.other {
        let Ok(Some(c)) = view_of::<Controller>(e) else {
            continue;
        };
        if c.controller_type != "pci" {
            continue;
        }
        let bridge = match c.model.as_deref() {
            Some("pci-root") if chipset == Chipset::I440fx => continue,
            Some("pcie-root") if chipset == Chipset::Q35 => continue,
            Some("pcie-root-port") if chipset == Chipset::Q35 => false,
            Some("pcie-to-pci-bridge") if chipset == Chipset::Q35 => true,
            _ => return None,
        };
        let index = c.index?;
        let (at, multifunction) = place_of(e)?;
        let root_port = if bridge {
            None
        } else {
            let target = child_view::<ControllerTarget>(e).ok().flatten()?;
            if at.bus != 0 {
                return None;
            }
            // Both non-negative ints (refused otherwise at define).
            Some((target.chassis?.0 as u32, target.port?.0 as u32))
        };
        controllers.push(PciController {
            index,
            root_port,
            at,
            multifunction,
        });
    }
    // A bridge sits in a root port the command line has.
    let has_port = |bus| {
        controllers
            .iter()
            .any(|c| c.index == bus && c.root_port.is_some())
    };
    if controllers
        .iter()
        .any(|c| c.root_port.is_none() && !has_port(c.at.bus))
    {
        return None;
    }
    Some(controllers)
}

/// The address of each PCI device, by the id the command line gives it.
fn addresses_by_id(def: &DomainDef) -> HashMap<String, (PciAddress, bool)> {
    let mut by_id = HashMap::new();
    let mut put = |id: String, a: Option<(PciAddress, bool)>| {
        if let Some(a) = a {
            by_id.insert(id, a);
        }
    };
    for d in &def.devices.disks {
        put(d.target_dev.clone(), pci_place(d.part().ok().flatten()));
    }
    for (i, n) in def.devices.interfaces.iter().enumerate() {
        put(format!("net{i}"), pci_place(n.part().ok().flatten()));
    }
    let mut video = false;
    let mut rngs = 0;
    let mut sounds = 0;
    for e in &def.devices.other {
        let a = place_of(e);
        match e.name.as_str() {
            Controller::TAG => {
                let Ok(c) = Controller::from_element(e) else {
                    continue;
                };
                let index = c.index.unwrap_or(0).to_string();
                match c.controller_type.as_str() {
                    // A companion has no id of its own: it is found by the
                    // bus it serves and its first port.
                    "usb" => match c.master_startport {
                        Some(port) => put(
                            companion_key(&format!("usb{}.0", super::suffix(&index)), port),
                            a,
                        ),
                        None => put(format!("usb{}", super::suffix(&index)), a),
                    },
                    "scsi" => put(format!("scsi{index}"), a),
                    "sata" => put(format!("sata{index}"), a),
                    "virtio-serial" => put(format!("virtio-serial{index}"), a),
                    _ => {}
                }
            }
            MemBalloon::TAG => put("balloon0".into(), a),
            Video::TAG if !video => {
                video = true;
                put("video0".into(), a);
            }
            Sound::TAG => {
                put(format!("sound{sounds}"), a);
                sounds += 1;
            }
            Watchdog::TAG => put("watchdog0".into(), a),
            Rng::TAG => {
                put(format!("rng{rngs}"), a);
                rngs += 1;
            }
            _ => {}
        }
    }
    by_id
}

/// How [`addresses_by_id`] names a USB companion controller.
fn companion_key(masterbus: &str, firstport: impl std::fmt::Display) -> String {
    format!("{masterbus}/{firstport}")
}

/// The id a `-device` is known by here: its `id`, or for a USB
/// companion its master bus and first port.
fn device_key(dev: &Value) -> Option<String> {
    if let Some(id) = dev["id"].as_str() {
        return Some(id.to_string());
    }
    let bus = dev["masterbus"].as_str()?;
    Some(companion_key(bus, dev["firstport"].as_u64()?))
}

/// libvirt's name for bus `bus`.
fn bus_name(bus: u32, chipset: Chipset) -> String {
    match (bus, chipset) {
        (0, Chipset::Q35) => "pcie.0".into(),
        (n, _) => format!("pci.{n}"),
    }
}

/// libvirt's `addr`: the slot, and the function when it is not 0.
fn addr_value(a: PciAddress) -> String {
    if a.function == 0 {
        format!("0x{:x}", a.slot)
    } else {
        format!("0x{:x}.0x{:x}", a.slot, a.function)
    }
}

fn place_at(dev: &mut Value, a: PciAddress, multifunction: bool, chipset: Chipset) {
    dev["bus"] = json!(bus_name(a.bus, chipset));
    if multifunction {
        dev["multifunction"] = json!(true);
    }
    dev["addr"] = json!(addr_value(a));
}

/// Write the root ports and the devices' PCI places into `b` (see the
/// module's text); leave `b` as it is when any device cannot be placed.
pub(super) fn place(def: &DomainDef, chipset: Chipset, b: &mut Builder) {
    if !address::is_complete(def) {
        return;
    }
    let Some(controllers) = pci_controllers(def, chipset) else {
        return;
    };
    let by_id = addresses_by_id(def);
    let bus_exists = |bus: u32| bus == 0 || controllers.iter().any(|c| c.index == bus);
    let mut placed: Vec<(usize, String)> = Vec::new();
    for (i, w) in b.args.windows(2).enumerate() {
        if w[0] != "-device" {
            continue;
        }
        let Ok(mut dev) = serde_json::from_str::<Value>(&w[1]) else {
            return;
        };
        let driver = dev["driver"].as_str().unwrap_or("");
        if !is_pci_driver(driver) || dev.get("bus").is_some() {
            continue;
        }
        let Some(&(a, multifunction)) = device_key(&dev)
            .and_then(|id| by_id.get(&id).copied())
            .as_ref()
        else {
            return;
        };
        if !bus_exists(a.bus) {
            return;
        }
        place_at(&mut dev, a, multifunction, chipset);
        placed.push((i + 1, dev.to_string()));
    }
    if controllers.is_empty() && placed.is_empty() {
        return;
    }
    for (i, v) in placed {
        b.args[i] = v;
    }
    // The controllers come before the devices that plug into them, in
    // the order of their indexes (a bridge after its root port).
    let mut head = Vec::new();
    for c in &controllers {
        let mut dev = match c.root_port {
            Some((chassis, port)) => json!({
                "driver": "pcie-root-port",
                "port": port,
                "chassis": chassis,
                "id": format!("pci.{}", c.index),
            }),
            None => json!({"driver": "pcie-pci-bridge", "id": format!("pci.{}", c.index)}),
        };
        place_at(&mut dev, c.at, c.multifunction, chipset);
        head.push("-device".to_string());
        head.push(dev.to_string());
    }
    let at = b
        .args
        .iter()
        .position(|a| a == "-device")
        .unwrap_or(b.args.len());
    b.args.splice(at..at, head);
}

#[cfg(test)]
mod tests {
    use super::super::{build, CommandLine, LaunchContext, MonitorSocket};
    use super::*;

    const Q35: &str = "<domain type='qemu'><name>q</name>\
        <memory unit='MiB'>64</memory><vcpu>1</vcpu>\
        <os><type arch='x86_64' machine='q35'>hvm</type></os>\
        <devices><disk type='file' device='disk'><source file='/a.img'/>\
        <target dev='vda' bus='virtio'/>ADDRESS</disk>\
        <interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/></interface>\
        <memballoon model='none'/></devices></domain>";

    fn command_line(xml: &str, define: bool) -> CommandLine {
        let mut def = virt_xml::parse_domain(xml).expect("valid XML");
        def.fill_defaults();
        if define {
            address::assign(&mut def);
        }
        let ctx = LaunchContext {
            emulator: "/usr/bin/qemu-system-x86_64".into(),
            monitor: MonitorSocket::Fd(3),
            kvm_usable: false,
            incoming: None,
            tap_fds: Vec::new(),
        };
        build(&def, &ctx).expect("argv")
    }

    fn devices(cl: &CommandLine) -> Vec<Value> {
        cl.args
            .windows(2)
            .filter(|w| w[0] == "-device")
            .map(|w| serde_json::from_str(&w[1]).expect("JSON"))
            .collect()
    }

    #[test]
    fn defined_q35_guest_gets_root_ports_and_places() {
        let cl = command_line(&Q35.replace("ADDRESS", ""), true);
        let devs = devices(&cl);
        let ports: Vec<&Value> = devs
            .iter()
            .filter(|d| d["driver"] == "pcie-root-port")
            .collect();
        // As libvirt 9.0 writes the first one: eight ports to a slot.
        assert_eq!(
            ports[0],
            &json!({"driver": "pcie-root-port", "port": 8, "chassis": 1, "id": "pci.1",
                    "bus": "pcie.0", "multifunction": true, "addr": "0x1"})
        );
        assert_eq!(ports[1]["addr"], "0x1.0x1");
        // Each ports' line comes before the devices on it.
        let first_port = cl.args.iter().position(|a| a.contains("pcie-root-port"));
        let first_other = cl
            .args
            .iter()
            .position(|a| a.contains("virtio-blk-pci") || a.contains("virtio-net-pci"));
        assert!(first_port < first_other);
        let port_ids: Vec<&str> = ports.iter().filter_map(|p| p["id"].as_str()).collect();
        let mut used = Vec::new();
        for d in devs.iter().filter(|d| {
            matches!(
                d["driver"].as_str(),
                Some("virtio-blk-pci" | "virtio-net-pci")
            )
        }) {
            let bus = d["bus"].as_str().expect("a bus");
            assert!(port_ids.contains(&bus), "{d}");
            assert_eq!(d["addr"], "0x0");
            assert!(!used.contains(&bus), "two devices on {bus}");
            used.push(bus);
        }
        // One port stays free for hot-plug.
        assert_eq!(port_ids.len(), used.len() + 1);
    }

    #[test]
    fn partial_addresses_leave_placement_to_qemu() {
        let given = "<address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>";
        let cl = command_line(&Q35.replace("ADDRESS", given), false);
        let devs = devices(&cl);
        assert!(devs.iter().all(|d| d["driver"] != "pcie-root-port"));
        assert!(devs.iter().all(|d| d.get("addr").is_none()), "{devs:?}");
    }

    #[test]
    fn i440fx_places_on_pci_0_with_functions() {
        let xml = Q35
            .replace("machine='q35'", "machine='pc'")
            .replace("ADDRESS", "")
            .replace(
                "<memballoon",
                "<controller type='usb' index='0' model='piix3-uhci'/><memballoon",
            );
        let devs = devices(&command_line(&xml, true));
        let usb = devs.iter().find(|d| d["driver"] == "piix3-usb-uhci");
        assert_eq!(
            usb.map(|u| (u["bus"].clone(), u["addr"].clone())),
            Some((json!("pci.0"), json!("0x1.0x2")))
        );
        assert!(devs.iter().all(|d| d["driver"] != "pcie-root-port"));
        let blk = devs.iter().find(|d| d["driver"] == "virtio-blk-pci");
        assert!(blk.is_some_and(|b| b["bus"] == "pci.0"), "{devs:?}");
    }
}
