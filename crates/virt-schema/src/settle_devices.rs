//! The rules across a device's parts (and between a device and the rest
//! of the domain) that libvirt's parser and validator have and the schema
//! does not say: what [`crate::repair::settle`] gives a device so that a
//! definition holding it is not refused for them.

use crate::repair::{child_mut, kids_mut, one_numa_cell};
use virt_xml::{Element, Node};

/// The devices whose source is a character device's (`<source>` children,
/// the type on the device).
const CHARACTER_DEVICES: &[&str] = &["serial", "parallel", "console", "channel", "redirdev"];

/// Give the devices of `root` what libvirt's rules across elements require.
pub(crate) fn settle(root: &mut Element, aim: &str) {
    settle_distances(root);
    settle_hugepages(root);
    let Some(devices) = child_mut(root, "devices") else {
        return;
    };
    for kind in CHARACTER_DEVICES {
        for dev in kids_mut(devices, kind) {
            let auto_path = *kind == "channel";
            if *kind == "channel" {
                settle_channel_target(dev);
            } else if dev.attr("type") == Some("spicevmc") && *kind != "redirdev" {
                // A SPICE agent channel is a virtio channel's only
                // (`virDomainChrDefParseXML`).
                dev.set_attr("type", "pty");
            }
            let virtio_channel = auto_path
                && dev
                    .child("target")
                    .and_then(|t| t.attr("type"))
                    .is_some_and(|t| t == "virtio" || t == "xen");
            settle_chr_source(dev, virtio_channel);
        }
    }
    for card in kids_mut(devices, "smartcard") {
        settle_smartcard(card);
    }
    for rng in kids_mut(devices, "rng") {
        if let Some(backend) = child_mut(rng, "backend") {
            if backend.attr("model") == Some("egd") {
                settle_chr_source(backend, false);
            }
        }
    }
    settle_usb(devices);
    for (i, disk) in kids_mut(devices, "disk").enumerate() {
        settle_disk_target(disk, i);
        crate::settle_disk::settle_disk(disk);
    }
    for interface in kids_mut(devices, "interface") {
        settle_bandwidth(interface);
    }
    // A boot order is for virtiofs only (virDomainFSDefValidate).
    for fs in kids_mut(devices, "filesystem") {
        if fs.child("boot").is_some() {
            if fs.child("driver").is_none() {
                fs.children.push(Node::Element(Element::new("driver")));
            }
            if let Some(driver) = child_mut(fs, "driver") {
                driver.set_attr("type", "virtiofs");
            }
        }
    }
    for dev in devices.children.iter_mut() {
        if let Node::Element(dev) = dev {
            if let Some(address) = child_mut(dev, "address") {
                settle_address(address);
            }
        }
    }
    settle_memory_devices(root, aim);
}

/// What a steered document's devices are given beyond [`settle`] (the
/// differential run's documents stay as they were): every address's
/// numbers as libvirt reads them, a controller's I/O thread where
/// libvirt takes one.
pub(crate) fn settle_steered(root: &mut Element, aim: &str) {
    let Some(devices) = child_mut(root, "devices") else {
        return;
    };
    for controller in kids_mut(devices, "controller") {
        settle_controller_iothread(controller, aim);
    }
    // virDomainTPMDevValidate: an emulator's PCR banks for TPM 2.0 only.
    for tpm in kids_mut(devices, "tpm") {
        if let Some(backend) = child_mut(tpm, "backend") {
            let banks = backend
                .children_named("active_pcr_banks")
                .any(|a| a.elements().next().is_some());
            if banks && backend.attr("type") == Some("emulator") {
                backend.set_attr("version", "2.0");
            }
        }
    }
    for hostdev in kids_mut(devices, "hostdev") {
        if hostdev.attr("type") == Some("usb") {
            if let Some(source) = child_mut(hostdev, "source") {
                settle_usb_source(source);
            }
        }
        // Only for documents aimed at a host device's parts: a wider
        // change perturbs the steered walk of other paths.
        if aim.starts_with("domain/devices/hostdev/") {
            settle_hostdev_source(hostdev);
        }
        if aim.starts_with("domain/devices/hostdev/address/") {
            settle_hostdev_address(hostdev);
        }
    }
    for interface in kids_mut(devices, "interface") {
        settle_nic_model(interface);
        settle_hostdev_interface_address(interface);
        // A host device interface's USB source reads as a USB host
        // device's (virDomainHostdevSubsysUSBDefParseXML); only for
        // documents aimed at an interface source, not to perturb the
        // steered walk of other paths.
        if aim.starts_with("domain/devices/interface/source/")
            && interface.attr("type") == Some("hostdev")
        {
            if let Some(source) = child_mut(interface, "source") {
                settle_usb_source(source);
            }
        }
    }
    for kind in CHARACTER_DEVICES.iter().chain(&["smartcard"]) {
        for dev in kids_mut(devices, kind) {
            settle_chr_mode(dev);
        }
    }
    for rng in kids_mut(devices, "rng") {
        if let Some(backend) = child_mut(rng, "backend") {
            settle_chr_mode(backend);
        }
    }
    if aim.starts_with("domain/devices/video/driver/@") {
        for video in kids_mut(devices, "video") {
            settle_video_virtio(video);
        }
    }
    if aim == "domain/devices/video/model/acceleration/@rendernode" {
        for video in kids_mut(devices, "video") {
            settle_video_vhost_user(video);
        }
    }
    settle_addresses(devices);
}

/// A host device's source as libvirt reads it
/// (`virDomainHostdevSubsysPCIDefParseXML`, `virDomainHostdevDefValidate`):
/// a start-up policy for a USB device only, a PCI device's source address
/// numbers in the C bases libvirt reads them in (the schema's hex without
/// `0x` reads as a bad decimal).
fn settle_hostdev_source(hostdev: &mut Element) {
    let kind = hostdev.attr("type").unwrap_or_default().to_string();
    let Some(source) = child_mut(hostdev, "source") else {
        return;
    };
    if kind != "usb" {
        source.remove_attr("startupPolicy");
    }
    if kind == "pci" {
        for address in kids_mut(source, "address") {
            for attr in ["domain", "bus", "slot", "function"] {
                if address.attr(attr).is_some_and(|v| !fits_u32(v, 0)) {
                    address.set_attr(attr, "0");
                }
            }
        }
    }
}

/// A subsystem host device's address is of a type its kind takes
/// (`virDomainHostdevDefValidate`: PCI for PCI, a drive for SCSI, PCI for
/// vhost-scsi, USB for USB); given to documents aimed at the address's
/// port, which only a USB address has (a wider aim perturbs the steered
/// walk of other paths).
fn settle_hostdev_address(hostdev: &mut Element) {
    if hostdev.attr("mode").is_some_and(|m| m != "subsystem") {
        return;
    }
    let fitting: &[&str] = match hostdev.attr("type") {
        Some("pci") => &["pci", "unassigned"],
        Some("scsi") => &["drive"],
        Some("scsi_host") => &["pci", "ccw"],
        Some("usb") => &["usb"],
        _ => return,
    };
    if let Some(address) = child_mut(hostdev, "address") {
        if !address.attr("type").is_some_and(|t| fitting.contains(&t)) {
            address.set_attr("type", fitting[0]);
        }
    }
}

/// A host device interface's address is of a type its host device takes
/// (libvirt validates the interface as a host device too,
/// `virDomainHostdevDefValidate`: see [`settle_hostdev_address`]), the
/// device's type being its source address's.
fn settle_hostdev_interface_address(interface: &mut Element) {
    if interface.attr("type") != Some("hostdev") {
        return;
    }
    let kind = interface
        .child("source")
        .and_then(|s| s.child("address"))
        .and_then(|a| a.attr("type"))
        .map(str::to_string);
    let fitting = match kind.as_deref() {
        Some("pci") => "pci",
        Some("scsi") => "drive",
        Some("scsi_host") => "pci",
        Some("usb") => "usb",
        _ => return,
    };
    if let Some(address) = child_mut(interface, "address") {
        if address.attr("type").is_some_and(|t| t != fitting) {
            address.set_attr("type", fitting);
        }
    }
}

/// An interface whose `<driver>` sets a virtio option, or a vhost-user
/// one, has a virtio model (`virDomainNetDefValidate` refuses the options
/// on any other, and a vhost-user interface of any other).
fn settle_nic_model(interface: &mut Element) {
    let options = interface.child("driver").is_some_and(|d| {
        ["iommu", "ats", "packed", "page_per_vq"]
            .iter()
            .any(|a| d.attr(a).is_some())
    });
    let vhost_user = interface.attr("type") == Some("vhostuser");
    let virtio = interface
        .child("model")
        .and_then(|m| m.attr("type"))
        .is_some_and(virt_xml::is_virtio_model);
    if !(options || vhost_user) || virtio {
        return;
    }
    match child_mut(interface, "model") {
        Some(model) => model.set_attr("type", "virtio"),
        None => interface.children.push(Node::Element(
            Element::new("model").with_attr("type", "virtio"),
        )),
    }
}

/// A character device source's mode is connect or bind
/// (`virDomainChrSourceDefParseXML`, for the network types): another is
/// made connect.
fn settle_chr_mode(holder: &mut Element) {
    for source in kids_mut(holder, "source") {
        if source
            .attr("mode")
            .is_some_and(|m| m != "connect" && m != "bind")
        {
            source.set_attr("mode", "connect");
        }
    }
}

/// A video device's virtio options are a virtio model's only
/// (`virDomainVideoDefValidate`): a video built to reach one is made
/// virtio.
fn settle_video_virtio(video: &mut Element) {
    match child_mut(video, "model") {
        Some(model) => model.set_attr("type", "virtio"),
        None => video.children.push(Node::Element(
            Element::new("model").with_attr("type", "virtio"),
        )),
    }
}

/// A render node is a vhost-user video backend's only
/// (`virDomainVideoDefValidate`), and vhost-user a virtio model's: a video
/// built to reach the render node gets both.
fn settle_video_vhost_user(video: &mut Element) {
    settle_video_virtio(video);
    match child_mut(video, "driver") {
        Some(driver) => driver.set_attr("name", "vhostuser"),
        None => video.children.insert(
            0,
            Node::Element(Element::new("driver").with_attr("name", "vhostuser")),
        ),
    }
}

/// A USB host device's source as libvirt reads it
/// (`virDomainHostdevSubsysUSBDefParseXML`): the vendor and product ids
/// and the bus and device numbers in C's bases (the schema's hex without
/// `0x` reads as a bad decimal), a vendor id other than 0.
fn settle_usb_source(source: &mut Element) {
    for (part, attr) in [
        ("vendor", "id"),
        ("product", "id"),
        ("address", "bus"),
        ("address", "device"),
    ] {
        let Some(e) = child_mut(source, part) else {
            continue;
        };
        let Some(v) = e.attr(attr) else { continue };
        if fits_u32(v, 0) && !(part == "vendor" && v.trim_start_matches(['0', 'x', 'X']).is_empty())
        {
            continue;
        }
        let hex = format!("0x{v}");
        let value = if fits_u32(&hex, 0) && hex != "0x0" {
            hex
        } else {
            "0x1".to_string()
        };
        e.set_attr(attr, value);
    }
}

/// A controller's I/O thread is a virtio SCSI controller's only (the
/// schema gives every controller's driver the attribute;
/// `virDomainControllerDefParseXML` refuses it elsewhere): a SCSI
/// controller with one, or any controller built to reach it, is made
/// one (its children other types have go).
fn settle_controller_iothread(controller: &mut Element, aim: &str) {
    let threaded = controller
        .child("driver")
        .and_then(|d| d.attr("iothread"))
        .is_some_and(|t| t.parse::<u32>() != Ok(0));
    let aimed = aim == "domain/devices/controller/driver/@iothread";
    if !threaded || (controller.attr("type") != Some("scsi") && !aimed) {
        return;
    }
    controller.set_attr("type", "scsi");
    controller.set_attr("model", "virtio-scsi");
    controller.children.retain(|n| {
        !matches!(n, Node::Element(c) if matches!(c.name.as_str(), "model" | "target" | "master"))
    });
}

/// A disk has a target device name (`virDomainDiskDefParseXML`), a
/// floppy's starting with `fd` (`virDomainDiskDefValidate`), a removable
/// one on USB; the `n`th
/// disk's made-up name is counted down from the last letter, away from the
/// generated ones.
fn settle_disk_target(disk: &mut Element, n: usize) {
    let prefix = if disk.attr("device") == Some("floppy") {
        "fd"
    } else {
        "vd"
    };
    let letter = char::from(b'z' - (n % 26) as u8);
    if disk.child("target").is_none() {
        disk.children.push(Node::Element(Element::new("target")));
    }
    let floppy = prefix == "fd";
    if let Some(target) = child_mut(disk, "target") {
        if target.attr("dev").is_none() {
            target.set_attr("dev", format!("{prefix}{letter}"));
        }
        // A removable disk is a USB one (virDomainDiskDefValidate), and a
        // floppy is on its controller.
        if target.attr("removable").is_some() {
            if floppy {
                target.remove_attr("removable");
            } else {
                target.set_attr("bus", "usb");
            }
        }
    }
}

/// An interface's bandwidth as `virNetDevBandwidthParse` takes it: a peak
/// or burst needs an average, a rate an average or a floor; a floor other
/// than 0 is an inbound one of an interface on a network; a class id is
/// never the domain's.
fn settle_bandwidth(interface: &mut Element) {
    let on_network = interface.attr("type") == Some("network");
    let Some(bandwidth) = child_mut(interface, "bandwidth") else {
        return;
    };
    bandwidth.remove_attr("classID");
    for rate in bandwidth.children.iter_mut() {
        let Node::Element(rate) = rate else { continue };
        let bounded = ["peak", "burst"].iter().any(|a| rate.attr(a).is_some());
        if rate.attr("average").is_none() && (bounded || rate.attr("floor").is_none()) {
            rate.set_attr("average", "1000");
        }
        if rate.attr("floor").is_some() && (rate.name == "outbound" || !on_network) {
            rate.set_attr("floor", "0");
        }
    }
}

/// A redirected USB device needs USB (`virDomainRedirdevDefValidate`:
/// a USB controller not of model none); a USB controller of model none
/// is then the only one, and no USB hub goes with it (the controllers'
/// and hubs' parsing); companion USB controllers get a master. A USB
/// device's address is a USB port
/// (`virDomainRedirdevDefParseXML`).
fn settle_usb(devices: &mut Element) {
    let redirected = devices.child("redirdev").is_some();
    let hub = devices
        .children_named("hub")
        .any(|h| h.attr("type") == Some("usb"));
    let usb: Vec<bool> = devices
        .children_named("controller")
        .filter(|c| c.attr("type") == Some("usb"))
        .map(|c| c.attr("model") == Some("none"))
        .collect();
    let disabled = usb.contains(&true);
    if (redirected || hub || usb.len() > 1) && disabled {
        for c in kids_mut(devices, "controller") {
            if c.attr("type") == Some("usb") && c.attr("model") == Some("none") {
                c.remove_attr("model");
            }
        }
    }
    // virDomainDefControllersParse: USB companions (a `<master>`, or an
    // ICH9 UHCI model) need a USB controller that is not one; it gets
    // the first companion's index, as a real master shares it.
    let companion = |c: &Element| {
        c.child("master").is_some()
            || matches!(
                c.attr("model"),
                Some("ich9-uhci1" | "ich9-uhci2" | "ich9-uhci3")
            )
    };
    let usb_kept: Vec<&Element> = devices
        .children_named("controller")
        .filter(|c| c.attr("type") == Some("usb"))
        .collect();
    if !usb_kept.is_empty() && usb_kept.iter().all(|c| companion(c)) {
        let mut master = Element::new("controller").with_attr("type", "usb");
        if let Some(index) = usb_kept[0].attr("index") {
            master = master.with_attr("index", index);
        }
        let at = devices
            .children
            .iter()
            .position(|n| {
                matches!(n, Node::Element(c) if c.name == "controller" && c.attr("type") == Some("usb"))
            })
            .unwrap_or(devices.children.len());
        devices.children.insert(at, Node::Element(master));
    }
    if redirected && usb.is_empty() {
        let at = devices
            .children
            .iter()
            .position(|n| matches!(n, Node::Element(c) if c.name == "redirdev"))
            .unwrap_or(devices.children.len());
        devices.children.insert(
            at,
            Node::Element(Element::new("controller").with_attr("type", "usb")),
        );
    }
    for dev in kids_mut(devices, "redirdev") {
        if let Some(address) = child_mut(dev, "address") {
            if address.attr("type") != Some("usb") {
                retype_address(address, "usb", &["bus", "port"]);
            }
        }
    }
}

/// An address made another type: the attributes that type has stay, the
/// others (and children) go.
fn retype_address(address: &mut Element, kind: &str, keep: &[&str]) {
    address
        .attrs
        .retain(|(k, _)| k == "type" || keep.contains(&k.as_str()));
    address.set_attr("type", kind);
    address.children.clear();
}

/// Every device address under `e` (a device's, a host device source's,
/// an NVMe disk source's), with its numbers as [`settle_address_numbers`]
/// makes them.
fn settle_addresses(e: &mut Element) {
    for n in e.children.iter_mut() {
        if let Node::Element(c) = n {
            if c.name == "address" && c.attr("type").is_some() {
                settle_address_numbers(c);
                settle_address(c);
            }
            settle_addresses(c);
        }
    }
}

/// An address's numbers as libvirt's parser reads them
/// (`virDomainDeviceAddressParseXML`): each number of its type in the
/// base libvirt reads it in (the schema also lets a USB bus or a drive
/// unit be hex), within its width.
fn settle_address_numbers(address: &mut Element) {
    let numbers: &[(&str, u32)] = match address.attr("type") {
        Some("pci") => &[("domain", 0), ("bus", 0), ("slot", 0), ("function", 0)],
        Some("drive") => &[
            ("controller", 10),
            ("bus", 10),
            ("target", 10),
            ("unit", 10),
        ],
        Some("virtio-serial") => &[("controller", 10), ("bus", 10), ("port", 10)],
        Some("ccid") => &[("controller", 10), ("slot", 10)],
        Some("usb") => &[("bus", 10)],
        Some("isa") => &[("iobase", 16), ("irq", 16)],
        Some("dimm") => &[("slot", 10)],
        _ => &[],
    };
    for (attr, base) in numbers {
        if address.attr(attr).is_some_and(|v| !fits_u32(v, *base)) {
            address.set_attr(attr, "0");
        }
    }
    // A PCI address's zPCI ids are read in C's base (`0x` hex, a leading
    // 0 octal: virZPCIDeviceAddressParseXML); the schema's hex without
    // `0x` is refused.
    if address.attr("type") == Some("pci") {
        for zpci in address.children.iter_mut() {
            if let Node::Element(z) = zpci {
                for attr in ["uid", "fid"] {
                    if z.name == "zpci" && z.attr(attr).is_some_and(|v| !fits_u32(v, 0)) {
                        z.set_attr(attr, "0x1");
                    }
                }
            }
        }
    }
    // Read as unsigned 64-bit hex numbers.
    for attr in ["reg", "base"] {
        let hex = |v: &str| {
            let digits = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X"));
            u64::from_str_radix(digits.unwrap_or(v), 16).is_ok()
        };
        if address.attr(attr).is_some_and(|v| !hex(v)) {
            address.set_attr(attr, "0x100000000");
        }
    }
}

/// An address as libvirt's parser reads it (`virDomainDeviceAddressParseXML`):
/// a DIMM slot is given, a USB port is dotted decimal numbers.
fn settle_address(address: &mut Element) {
    match address.attr("type") {
        Some("dimm") if address.attr("slot").is_none() => address.set_attr("slot", "0"),
        Some("usb") => {
            let port_ok = address.attr("port").is_none_or(|p| {
                p.split('.').count() <= 4 && p.split('.').all(|n| n.parse::<u8>().is_ok())
            });
            if !port_ok {
                address.set_attr("port", "1");
            }
        }
        _ => {}
    }
}

/// Whether `v` reads as an unsigned 32-bit number in `base` (0: C's
/// choice by prefix, `0x` hex, a leading 0 octal).
pub(crate) fn fits_u32(v: &str, base: u32) -> bool {
    let (digits, radix) = match base {
        0 => match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
            Some(hex) => (hex, 16),
            None if v.len() > 1 && v.starts_with('0') => (&v[1..], 8),
            None => (v, 10),
        },
        16 => (
            v.strip_prefix("0x")
                .or_else(|| v.strip_prefix("0X"))
                .unwrap_or(v),
            16,
        ),
        _ => (v, base),
    };
    u32::from_str_radix(digits, radix).is_ok()
}

/// A smart card's address is a CCID slot, its host certificates are three,
/// and a passthrough card's source is a character device's
/// (`virDomainSmartcardDefParseXML`, `virDomainSmartcardDefValidate`).
fn settle_smartcard(card: &mut Element) {
    if let Some(address) = child_mut(card, "address") {
        if address.attr("type") != Some("ccid") {
            retype_address(address, "ccid", &["controller", "slot"]);
        }
    }
    match card.attr("mode") {
        Some("host-certificates") => {
            let certificates: Vec<Element> = card.children_named("certificate").cloned().collect();
            let Some(first) = certificates.first().cloned() else {
                return;
            };
            let mut three = certificates;
            three.truncate(3);
            while three.len() < 3 {
                let mut copy = first.clone();
                copy.set_text(format!("cert{}.pem", three.len() + 1));
                three.push(copy);
            }
            let at = card
                .children
                .iter()
                .position(|n| matches!(n, Node::Element(c) if c.name == "certificate"))
                .unwrap_or(0);
            card.children
                .retain(|n| !matches!(n, Node::Element(c) if c.name == "certificate"));
            for (i, c) in three.into_iter().enumerate() {
                card.children.insert(at + i, Node::Element(c));
            }
        }
        Some("passthrough") => settle_chr_source(card, false),
        _ => {}
    }
}

/// A channel has a target of a type, virtio for a SPICE agent channel; a
/// guest forwarding target has an IP address and a port
/// (`virDomainChrDefParseTargetXML`, `virDomainChrDefParseXML`).
fn settle_channel_target(channel: &mut Element) {
    let channel_spice = channel.attr("type") == Some("spicevmc");
    if channel.child("target").is_none() {
        channel.children.push(Node::Element(
            Element::new("target").with_attr("type", "virtio"),
        ));
    }
    let Some(target) = child_mut(channel, "target") else {
        return;
    };
    let spice = channel_spice;
    match target.attr("type") {
        _ if spice => target.set_attr("type", "virtio"),
        None => target.set_attr("type", "virtio"),
        Some("guestfwd") => {
            let address = target.attr("address");
            if address.is_none_or(|a| a.parse::<std::net::IpAddr>().is_err()) {
                target.set_attr("address", "10.0.2.1");
            }
            if target
                .attr("port")
                .is_none_or(|p| p.parse::<u16>().is_err())
            {
                target.set_attr("port", "4600");
            }
        }
        Some(_) => {}
    }
}

/// A character device's source as libvirt's parser and
/// `virDomainChrSourceDefValidate` take it: one source (two for UDP),
/// with what its type needs (a path, a host and service, a channel name,
/// both ends of a null modem), reconnection only when connecting, with a
/// timeout. `holder` carries the type; a virtio or Xen channel's UNIX
/// socket path may be left to libvirt (`auto_path`).
fn settle_chr_source(holder: &mut Element, auto_path: bool) {
    let kind = holder.attr("type").unwrap_or("pty").to_string();
    if kind != "udp" {
        let mut first = true;
        holder.children.retain(|n| match n {
            Node::Element(c) if c.name == "source" => std::mem::take(&mut first),
            _ => true,
        });
    }
    let needs: &[(&str, &str)] = match kind.as_str() {
        "file" | "dev" | "pipe" => &[("path", "/tmp/chardev")],
        "unix" if !auto_path => &[("path", "/tmp/chardev.sock")],
        "tcp" => &[("host", "localhost"), ("service", "4000")],
        _ => &[],
    };
    if !needs.is_empty() && holder.child("source").is_none() {
        holder
            .children
            .insert(0, Node::Element(Element::new("source")));
    }
    for source in kids_mut(holder, "source") {
        for (attr, value) in needs {
            if source.attr(attr).is_none() {
                source.set_attr(attr, *value);
            }
        }
        if let Some(r) = child_mut(source, "reconnect") {
            if r.attr("enabled") == Some("yes")
                && r.attr("timeout").is_none_or(|t| t.parse::<u32>().is_err())
            {
                r.set_attr("timeout", "5");
            }
        }
        let reconnecting = source
            .child("reconnect")
            .is_some_and(|r| r.attr("enabled") == Some("yes"));
        if reconnecting && source.attr("mode") == Some("bind") {
            source.set_attr("mode", "connect");
        }
        match kind.as_str() {
            "nmdm" => match (source.attr("master"), source.attr("slave")) {
                (Some(_), None) => source.set_attr("slave", "/dev/nmdm0B"),
                (None, Some(_)) => source.set_attr("master", "/dev/nmdm0A"),
                _ => {}
            },
            "spiceport" | "dbus" => {
                let named = source.attr("channel").is_some_and(|c| {
                    !c.is_empty()
                        && c.chars()
                            .all(|ch| ch.is_ascii_alphanumeric() || "_.-".contains(ch))
                });
                if !named {
                    source.set_attr("channel", "org.qemu.console.0");
                }
            }
            _ => {}
        }
    }
    if kind == "udp" {
        let connects = holder
            .children_named("source")
            .any(|s| s.attr("mode") != Some("bind"));
        if !connects {
            holder.children.insert(
                0,
                Node::Element(Element::new("source").with_attr("mode", "connect")),
            );
        }
        // The first connecting source is the one read.
        if let Some(s) = kids_mut(holder, "source").find(|s| s.attr("mode") != Some("bind")) {
            if s.attr("service").is_none() {
                s.set_attr("service", "4000");
            }
        }
    } else if kind == "spiceport" && holder.child("source").is_none() {
        holder.children.insert(
            0,
            Node::Element(Element::new("source").with_attr("channel", "org.qemu.console.0")),
        );
    }
}

/// Memory devices as `virDomainMemoryDefValidate` takes them: an NVDIMM
/// or virtio-pmem device has a backing path, virtio-pmem is shared, not
/// discarded and on no NUMA node, an SGX EPC section has no address, a
/// NUMA node named exists (the guest's cells are numbered from 0); and
/// their sizes fit in the domain's memory (`virDomainDefPostParseMemory`).
fn settle_memory_devices(root: &mut Element, aim: &str) {
    let cells = root
        .child("cpu")
        .and_then(|c| c.child("numa"))
        .map_or(0, |n| n.children_named("cell").count());
    let mut wants_cell = false;
    let Some(devices) = child_mut(root, "devices") else {
        return;
    };
    for mem in kids_mut(devices, "memory") {
        let model = mem.attr("model").unwrap_or("").to_string();
        if model == "nvdimm" || model == "virtio-pmem" {
            if mem.child("source").is_none() {
                mem.children
                    .insert(0, Node::Element(Element::new("source")));
            }
            if let Some(source) = child_mut(mem, "source") {
                if source.child("path").is_none() {
                    source.children.insert(
                        0,
                        Node::Element(Element::new("path").with_text("/tmp/nvdimm")),
                    );
                }
            }
            mem.remove_attr("discard");
        }
        if model == "virtio-pmem" {
            mem.set_attr("access", "shared");
        }
        if model == "sgx-epc" && mem.child("address").is_some() {
            if aim.starts_with("domain/devices/memory/address") {
                mem.set_attr("model", "dimm");
            } else {
                mem.children
                    .retain(|n| !matches!(n, Node::Element(c) if c.name == "address"));
            }
        }
        let Some(target) = child_mut(mem, "target") else {
            continue;
        };
        if model == "virtio-pmem" {
            target
                .children
                .retain(|n| !matches!(n, Node::Element(c) if c.name == "node"));
        }
        if let Some(node) = child_mut(target, "node") {
            let n = node.text().trim().parse::<usize>().ok();
            if n.is_none_or(|n| n >= cells.max(1)) {
                node.set_text("0");
            }
            wants_cell |= cells == 0;
        }
    }
    if wants_cell {
        ensure_numa_cell(root);
    }
}

/// Huge pages as `virDomainDefMemtuneValidate` takes them: one size
/// without a node set at most, node sets apart, naming guest NUMA cells
/// that exist (cell 0, added when there is none).
fn settle_hugepages(root: &mut Element) {
    let Some(pages) = child_mut(root, "memoryBacking").and_then(|m| child_mut(m, "hugepages"))
    else {
        return;
    };
    let (mut master, mut bound) = (false, false);
    pages.children.retain(|n| match n {
        Node::Element(p) if p.name == "page" => {
            let seen = if p.attr("nodeset").is_some() {
                &mut bound
            } else {
                &mut master
            };
            !std::mem::replace(seen, true)
        }
        _ => true,
    });
    for page in kids_mut(pages, "page") {
        if page.attr("nodeset").is_some() {
            page.set_attr("nodeset", "0");
        }
    }
    if bound {
        ensure_numa_cell(root);
    }
}

/// The guest has a NUMA cell (cell 0, of vCPU 0, added when it has none).
fn ensure_numa_cell(root: &mut Element) {
    let cells = root
        .child("cpu")
        .and_then(|c| c.child("numa"))
        .is_some_and(|n| n.child("cell").is_some());
    if cells {
        return;
    }
    one_numa_cell(root);
}

/// The distances of a guest NUMA cell name cells that exist, 10 to itself
/// and 11 to 255 to the others (`virDomainNumaDefNodeDistanceParseXML`;
/// a cell without an id is the cell of its place: `virDomainNumaDefParseXML`).
fn settle_distances(root: &mut Element) {
    let Some(numa) = child_mut(root, "cpu").and_then(|c| child_mut(c, "numa")) else {
        return;
    };
    let cells = numa.children_named("cell").count();
    for (i, cell) in kids_mut(numa, "cell").enumerate() {
        // A cell without an id is the cell of its place.
        let own = match cell.attr("id") {
            Some(id) => id.parse::<usize>().ok(),
            None => Some(i),
        };
        let Some(distances) = child_mut(cell, "distances") else {
            continue;
        };
        for sibling in kids_mut(distances, "sibling") {
            let id = sibling
                .attr("id")
                .and_then(|i| i.parse::<usize>().ok())
                .filter(|&i| i < cells)
                .or(own)
                .unwrap_or(0);
            sibling.set_attr("id", id.to_string());
            let value = sibling.attr("value").and_then(|v| v.parse::<u32>().ok());
            let value = match value {
                _ if Some(id) == own => 10,
                Some(v @ 11..=255) => v,
                _ => 20,
            };
            sibling.set_attr("value", value.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair::{refusal, tests::domain_of};

    fn domain(parts: &str) -> Element {
        domain_of(1048576, parts)
    }

    /// Each device alone is refused by one of libvirt's rules; settled,
    /// the domain is accepted and keeps the device.
    #[test]
    fn settled_devices_are_accepted_and_kept() {
        let cases = [
            ("<redirdev bus='usb' type='spicevmc'/>", "<redirdev"),
            (
                "<controller type='usb' model='none'/>\
                 <redirdev bus='usb' type='tcp'><source mode='bind'>\
                 <reconnect enabled='yes'/></source>\
                 <address type='pci' slot='3'/></redirdev>",
                "<address type='usb'",
            ),
            (
                "<smartcard mode='host-certificates'><certificate>a</certificate>\
                 <address type='ccw' cssid='0' ssid='0' devno='1'/></smartcard>",
                "<address type='ccid'",
            ),
            (
                "<smartcard mode='passthrough' type='file'/>",
                "<source path=",
            ),
            ("<channel type='pty'/>", "<target type='virtio'"),
            (
                "<channel type='pty'><target type='guestfwd'/></channel>",
                "<target type='guestfwd' address=",
            ),
            ("<serial type='udp'><source mode='bind'/></serial>", "mode='connect'"),
            ("<serial type='nmdm'><source master='/dev/a'/></serial>", "slave="),
            ("<parallel type='spiceport'/>", "channel="),
            (
                "<memory model='nvdimm'><target><size>1024</size><node>3</node></target></memory>",
                "<path>",
            ),
            (
                "<memory model='sgx-epc'><target><size>1024</size></target>\
                 <address type='dimm' slot='1'/></memory>",
                "sgx-epc",
            ),
            (
                "<memory model='dimm'><target><size>1024</size></target><address type='dimm'/></memory>",
                "slot='0'",
            ),
            ("<iommu model='intel'><address type='pci' slot='4'/></iommu>", "model='virtio'"),
            ("<disk type='file' device='floppy'><source file='/f'/></disk>", "dev='fdz'"),
            (
                "<interface type='user'><bandwidth classID='3'><inbound burst='5' floor='9'/>\
                 <outbound average='3' floor='4'/></bandwidth></interface>",
                "<inbound burst='5' floor='0' average='1000'/>",
            ),
            ("<serial type='spicevmc'/>", "<serial type='pty'"),
            (
                "<channel type='spicevmc'><target type='guestfwd' address='x'/></channel>",
                "<target type='virtio'",
            ),
            (
                "<channel type='pty'><target type='guestfwd' address='x' port='1'/></channel>",
                "address='10.0.2.1'",
            ),
            (
                "<controller type='usb' index='2' model='ich9-uhci2'><master startport='2'/></controller>",
                "<controller type='usb' index='2'/>",
            ),
        ];
        for (device, kept) in cases {
            let mut root = domain(&format!("<devices>{device}</devices>"));
            assert!(refusal(&root).is_some(), "{device} is accepted as it is");
            crate::repair::settle(&mut root, None);
            let xml = root.to_xml(0);
            assert_eq!(refusal(&root), None, "{xml}");
            assert!(xml.contains(kept), "{kept} not in {xml}");
        }
    }

    /// A steered document's interfaces that only a virtio model may be.
    #[test]
    fn steered_interfaces_get_the_virtio_model_libvirt_requires() {
        for device in [
            "<interface type='vhostuser'><source type='unix' path='/p' mode='client'/></interface>",
            "<interface type='user'><model type='e1000'/><driver packed='on'/></interface>",
        ] {
            let mut root = domain(&format!("<devices>{device}</devices>"));
            assert!(refusal(&root).is_some(), "{device} is accepted as it is");
            crate::repair::settle_steered(&mut root, None);
            let xml = root.to_xml(0);
            assert_eq!(refusal(&root), None, "{xml}");
            assert!(xml.contains("<model type='virtio'/>"), "{xml}");
        }
    }

    /// A host device interface built to reach its source's USB address
    /// gets the numbers libvirt reads.
    #[test]
    fn steered_host_device_interfaces_read_their_usb_source() {
        let mut root = domain(
            "<devices><interface type='hostdev'><source><vendor id='FE7C'/><product id='0x1F5'/>\
             <address bus='A' device='0xc8'/></source></interface></devices>",
        );
        assert!(refusal(&root).is_some());
        crate::repair::settle_steered(
            &mut root,
            Some("domain/devices/interface/source/address/@device"),
        );
        let xml = root.to_xml(0);
        assert_eq!(refusal(&root), None, "{xml}");
        assert!(xml.contains("<vendor id='0xFE7C'/>"), "{xml}");
    }

    /// A video built to reach its render node gets the vhost-user backend
    /// and virtio model libvirt requires of one.
    #[test]
    fn steered_render_nodes_get_a_vhost_user_video() {
        let mut root = domain(
            "<devices><video><model type='vga'><acceleration rendernode='/d'/></model></video></devices>",
        );
        assert!(refusal(&root).is_some());
        crate::repair::settle_steered(
            &mut root,
            Some("domain/devices/video/model/acceleration/@rendernode"),
        );
        let xml = root.to_xml(0);
        assert_eq!(refusal(&root), None, "{xml}");
        assert!(xml.contains("<driver name='vhostuser'/>"), "{xml}");
    }

    /// A host device interface's address is of the type its host device
    /// takes (libvirt validates it as a host device too), whatever the aim.
    #[test]
    fn host_device_interface_addresses_of_the_type_their_device_takes() {
        let mut root = domain(
            "<devices><interface type='hostdev'><source><address type='usb' bus='1' device='2'/>\
             </source><address type='spapr-vio' reg='5'/></interface></devices>",
        );
        assert!(refusal(&root).is_some());
        crate::repair::settle_steered(&mut root, Some("domain/devices/interface/@type"));
        let xml = root.to_xml(0);
        assert_eq!(refusal(&root), None, "{xml}");
        assert!(xml.contains("<address type='usb' reg='5'/>"), "{xml}");
    }

    #[test]
    fn host_device_addresses_of_the_type_their_kind_takes() {
        let mut root = domain(
            "<devices><hostdev mode='subsystem' type='usb'><source><vendor id='0x1'/>\
             <product id='0x2'/></source><address type='pci' bus='1' port='2'/></hostdev></devices>",
        );
        assert!(refusal(&root).is_some());
        crate::repair::settle_steered(&mut root, Some("domain/devices/hostdev/address/@port"));
        let xml = root.to_xml(0);
        assert_eq!(refusal(&root), None, "{xml}");
        assert!(
            xml.contains("<address type='usb' bus='1' port='2'/>"),
            "{xml}"
        );
        // A PCI one aimed at its address: a PCI address, its source's
        // numbers read as libvirt reads them, no start-up policy.
        let mut root = domain(
            "<devices><hostdev mode='subsystem' type='pci'><source startupPolicy='optional'>\
             <address domain='C75' bus='9'/></source><address type='isa' multifunction='on'/></hostdev></devices>",
        );
        assert!(refusal(&root).is_some());
        crate::repair::settle_steered(
            &mut root,
            Some("domain/devices/hostdev/address/@multifunction"),
        );
        let xml = root.to_xml(0);
        assert_eq!(refusal(&root), None, "{xml}");
        assert!(
            xml.contains("<address type='pci' multifunction='on'/>"),
            "{xml}"
        );
    }

    #[test]
    fn settled_hugepages_name_cells_that_exist() {
        let mut root = domain(
            "<memoryBacking><hugepages><page size='2048'/><page size='4'/>\
             <page size='1' nodeset='3'/></hugepages></memoryBacking>",
        );
        assert!(refusal(&root).is_some());
        crate::repair::settle(&mut root, None);
        let xml = root.to_xml(0);
        assert_eq!(refusal(&root), None, "{xml}");
        assert!(xml.contains("<page size='2048'/>"), "{xml}");
        assert!(xml.contains("nodeset='0'"), "{xml}");
        assert!(xml.contains("<cell id='0'"), "{xml}");
    }

    #[test]
    fn settled_distances_name_cells_that_exist() {
        let mut root = domain(
            "<vcpu>2</vcpu><cpu><numa><cell id='0' cpus='0' memory='1024'>\
             <distances><sibling id='7' value='10'/><sibling id='1' value='10'/></distances></cell>\
             <cell cpus='1' memory='1024'><distances><sibling id='1' value='30'/>\
             </distances></cell></numa></cpu>",
        );
        assert!(refusal(&root).is_some());
        crate::repair::settle(&mut root, None);
        assert_eq!(refusal(&root), None, "{}", root.to_xml(0));
        let xml = root.to_xml(0);
        assert!(xml.contains("<sibling id='0' value='10'/>"), "{xml}");
        assert!(xml.contains("<sibling id='1' value='20'/>"), "{xml}");
        assert!(xml.contains("<sibling id='1' value='10'/>"), "{xml}");
    }

    /// A steered document's addresses and controllers: refused as they
    /// are, accepted settled, the parts kept.
    #[test]
    fn steered_addresses_and_controllers_are_accepted() {
        let cases = [
            (
                "<controller type='scsi' model='lsilogic'><driver iothread='2'/></controller>",
                "",
                "<controller type='scsi' model='virtio-scsi'>",
            ),
            (
                "<controller type='pci' model='pcie-root-port'><driver iothread='2'/>\
                 <target chassis='1'/></controller>",
                "domain/devices/controller/driver/@iothread",
                "<driver iothread='2'/>",
            ),
            (
                "<hostdev mode='subsystem' type='usb'><source><vendor id='F'/><product id='29dC'/>\
                 <address bus='C1' device='2'/></source></hostdev>",
                "",
                "<address bus='0xC1' device='2'/>",
            ),
            (
                "<hub type='usb'><address type='usb' bus='0xfE' port='1'/></hub>",
                "",
                "bus='0'",
            ),
            (
                "<memory model='dimm'><target><size>1024</size></target>\
                 <address type='dimm' slot='1' base='0x91a4ea70efd146cee30b'/></memory>",
                "",
                "base='0x100000000'",
            ),
            (
                "<memory model='virtio-mem'><target><size>1024</size><block>2048</block>\
                 <requested>0</requested></target><address type='pci' domain='0' bus='0' \
                 slot='5' function='0'><zpci uid='18D' fid='2F'/></address></memory>",
                "domain/devices/memory/address/zpci/@fid",
                "<zpci uid='0x1' fid='0x1'/>",
            ),
        ];
        for (device, aim, kept) in cases {
            let mut root = domain(&format!("<devices>{device}</devices>"));
            assert!(refusal(&root).is_some(), "{device} is accepted as it is");
            crate::repair::settle_steered(&mut root, Some(aim).filter(|a| !a.is_empty()));
            let xml = root.to_xml(0);
            assert_eq!(refusal(&root), None, "{xml}");
            assert!(xml.contains(kept), "{kept} not in {xml}");
        }
    }
}
