//! virDomainDeviceDefValidate for each device, in the order libvirt
//! walks the devices (virDomainDeviceInfoIterateFlags): the device's
//! address (virDomainDeviceInfoValidate), then the rules of its kind.

use super::*;
use crate::parse::Scope;
use crate::CharDev;

/// The device kinds in the order libvirt walks them (the kinds of device
/// with no device information, graphics, audio and leases, come last and
/// have no address to check). [`walk_rank`] is its match, held to it by
/// a test.
#[cfg(test)]
const ITERATION_ORDER: &[&str] = &[
    "disk",
    "interface",
    "sound",
    "hostdev",
    "video",
    "controller",
    "smartcard",
    "serial",
    "parallel",
    "channel",
    "console",
    "input",
    "filesystem",
    "watchdog",
    "memballoon",
    "rng",
    "nvram",
    "hub",
    "shmem",
    "tpm",
    "panic",
    "memory",
    "redirdev",
    "iommu",
    "vsock",
];

/// A device as the model keeps it.
enum Device<'a> {
    /// A character device (its kind in [`CharDev::kind`]).
    Char(&'a CharDev),
    /// A disk.
    Disk(&'a crate::Disk),
    /// An interface.
    Net(&'a crate::Interface),
    /// A device kept as its element.
    Element(&'a Element),
    /// The host device of an `<interface type='hostdev'>`
    /// ([`crate::views::interface_as_hostdev`]): libvirt walks it with
    /// the host devices, ahead of the `<hostdev>` elements.
    NetHostdev(Element),
}

impl Device<'_> {
    fn child(&self, name: &str) -> Option<&Element> {
        match self {
            Device::Char(c) => c.extra.iter().find(|e| e.name == name),
            Device::Disk(disk) => disk.extra.iter().find(|e| e.name == name),
            Device::Net(net) => net.extra.iter().find(|e| e.name == name),
            Device::Element(e) => e.child(name),
            Device::NetHostdev(e) => e.child(name),
        }
    }
}

/// The kinds the model keeps apart from `Devices::other`.
const CHAR_KINDS: &[&str] = &["serial", "parallel", "channel", "console"];

/// Every device libvirt walks, in its order: kind by kind
/// ([`ITERATION_ORDER`]), each kind in document order. Gathered in one
/// pass over the devices and sorted by kind (a stable sort keeps the
/// document order within a kind), rather than one pass over them per
/// kind: a define walks 25 kinds, most of them absent.
fn devices_in_order(def: &DomainDef) -> impl Iterator<Item = Device<'_>> {
    let rank = walk_rank;
    let d = &def.devices;
    // One allocation: room for every device, sorted in place.
    let mut all: Vec<(usize, Device<'_>)> =
        Vec::with_capacity(d.disks.len() + d.interfaces.len() + d.chardevs.len() + d.other.len());
    if let Some(at) = rank("disk") {
        all.extend(d.disks.iter().map(|x| (at, Device::Disk(x))));
    }
    if let Some(at) = rank("interface") {
        all.extend(d.interfaces.iter().map(|x| (at, Device::Net(x))));
    }
    // (Before the `<hostdev>` elements: the sort is stable.)
    if let Some(at) = rank("hostdev") {
        all.extend(
            d.interfaces
                .iter()
                .filter_map(crate::views::interface_as_hostdev)
                .map(|h| (at, Device::NetHostdev(h))),
        );
    }
    all.extend(
        d.chardevs
            .iter()
            .filter(|c| CHAR_KINDS.contains(&c.kind.as_str()))
            .filter_map(|c| Some((rank(&c.kind)?, Device::Char(c)))),
    );
    all.extend(
        d.other
            .iter()
            .filter(|e| !matches!(e.name.as_str(), "disk" | "interface"))
            .filter(|e| !CHAR_KINDS.contains(&e.name.as_str()))
            .filter_map(|e| Some((rank(&e.name)?, Device::Element(e)))),
    );
    all.sort_by_key(|(at, _)| *at);
    all.into_iter().map(|(_, device)| device)
}

/// The place of device kind `kind` in `ITERATION_ORDER` (`None` for a
/// kind libvirt does not walk). A match, not a search of the list: each
/// define asks it for every device, and a match compares the name with
/// one or two candidates of its length where the search compared it with
/// up to 25 (a test keeps the two in step).
fn walk_rank(kind: &str) -> Option<usize> {
    Some(match kind {
        "disk" => 0,
        "interface" => 1,
        "sound" => 2,
        "hostdev" => 3,
        "video" => 4,
        "controller" => 5,
        "smartcard" => 6,
        "serial" => 7,
        "parallel" => 8,
        "channel" => 9,
        "console" => 10,
        "input" => 11,
        "filesystem" => 12,
        "watchdog" => 13,
        "memballoon" => 14,
        "rng" => 15,
        "nvram" => 16,
        "hub" => 17,
        "shmem" => 18,
        "tpm" => 19,
        "panic" => 20,
        "memory" => 21,
        "redirdev" => 22,
        "iommu" => 23,
        "vsock" => 24,
        _ => return None,
    })
}

/// virDomainDeviceDefValidateInternal for every device, in libvirt's
/// order (for a lone device, without the checks against the rest of
/// its domain).
pub(crate) fn check_devices(def: &DomainDef, scope: Scope) -> Result<(), XmlError> {
    let replaced = replaced_console(def);
    for device in devices_in_order(def) {
        if matches!(device, Device::Char(c) if replaced.is_some_and(|r| std::ptr::eq(r, c))) {
            continue;
        }
        check_info(&device)?;
        match device {
            Device::Char(c) => {
                check_chardev_source(c)?;
                if let Some(source) = c.extra.iter().find(|e| e.name == "source") {
                    check_label_overrides(def, source)?;
                }
            }
            Device::Element(e) => check_device(def, e, scope)?,
            Device::Net(net) => check_net(net)?,
            Device::NetHostdev(hostdev) => crate::views::validate_hostdev(&hostdev)?,
            Device::Disk(disk) => check_disk(def, disk)?,
        }
    }
    // The devices without device information come last in the walk.
    crate::views::check_display_audio(&def.devices)
}

/// The console virDomainDefAddConsoleCompat drops before validation: an
/// HVM guest's first console, of target type serial or none, when there
/// is a serial port whose source is not the console's (the console is
/// then written as the serial port's alias; steered seed 1's gen9858: a
/// D-Bus console with no channel beside a serial port).
fn replaced_console(def: &DomainDef) -> Option<&CharDev> {
    if def.os.os_type != "hvm" {
        return None;
    }
    let chardevs = &def.devices.chardevs;
    let console = chardevs.iter().find(|c| c.kind == "console")?;
    let serial = chardevs.iter().find(|c| c.kind == "serial")?;
    let target_type = console
        .extra
        .iter()
        .find(|e| e.name == "target")
        .and_then(|t| t.attr("type"));
    if !matches!(target_type, None | Some("serial")) {
        return None;
    }
    fn source(c: &CharDev) -> (&str, Option<&[crate::model::Attr]>) {
        (
            c.dev_type.as_deref().unwrap_or("pty"),
            c.extra
                .iter()
                .find(|e| e.name == "source")
                .map(|s| s.attrs.as_slice()),
        )
    }
    (source(console) != source(serial)).then_some(console)
}

/// virDomainDeviceInfoValidate: an unassigned address is for host
/// devices only.
fn check_info(device: &Device<'_>) -> Result<(), XmlError> {
    let unassigned = device
        .child("address")
        .is_some_and(|a| a.attr("type") == Some("unassigned"));
    let hostdev = matches!(device, Device::Element(e) if e.name == "hostdev")
        || matches!(device, Device::NetHostdev(_));
    // A device whose information libvirt does not read has no address.
    let read = !matches!(device, Device::Element(e) if !reads_device_info(e));
    if unassigned && !hostdev && read {
        return Err(XmlError::Unsupported(
            "address of type 'unassigned' is supported only for hostdevs".into(),
        ));
    }
    Ok(())
}

/// virSecurityDeviceLabelDefValidate: a label a device's `source`
/// overrides (its `<seclabel>`s) must be relabelled by the domain's label
/// of the same model (no model matching no model).
pub(super) fn check_label_overrides(def: &DomainDef, source: &Element) -> Result<(), XmlError> {
    let domain: Vec<SecLabel> = def
        .extra
        .iter()
        .filter(|e| e.name == "seclabel")
        .filter_map(|e| read_seclabel(e).ok())
        .collect();
    for over in source.children_named("seclabel") {
        let model = over.attr("model");
        if domain
            .iter()
            .any(|d| d.model.as_deref() == model && !d.relabel)
        {
            return Err(XmlError::Unsupported(
                "label overrides require relabeling to be enabled at the domain level".into(),
            ));
        }
    }
    Ok(())
}

/// virDomainNetDefValidate: host-side addresses and an unmanaged tap for
/// ethernet interfaces only; port isolation for network and bridge ones
/// without a virtual port profile; virtio options only for a virtio
/// model; a vhost-user interface virtio, reconnecting only as a client.
/// (libvirt 9.0 as Debian builds it refuses the passt backend when
/// read, so its rules here are never reached.)
fn check_net(iface: &crate::Interface) -> Result<(), XmlError> {
    let kind = iface.iface_type.as_str();
    let first = |name: &str| iface.extra.iter().find(|e| e.name == name);
    let source = first("source");
    let unsupported = |why: String| Err(XmlError::Unsupported(why));
    let host_ip = source.is_some_and(|s| {
        s.elements()
            .any(|c| matches!(c.name.as_str(), "ip" | "route"))
    });
    if host_ip && kind != "ethernet" {
        return unsupported(format!(
            "Invalid attempt to set network interface host-side IP route and/or address info on \
             interface of type '{kind}'. This is only supported on interfaces of type 'ethernet'"
        ));
    }
    if first("target").and_then(|t| t.attr("managed")) == Some("no") && kind != "ethernet" {
        return unsupported(format!(
            "unmanaged target dev is not supported on interfaces of type '{kind}'"
        ));
    }
    if first("port").and_then(|p| p.attr("isolated")) == Some("yes") {
        // libvirt names the interface by its MAC address, generated
        // when none is given.
        let mac = iface
            .mac
            .as_deref()
            .and_then(crate::postparse::mac_address)
            .unwrap_or_else(|| {
                let b = uuid::Uuid::new_v4().into_bytes();
                format!("52:54:00:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2])
            });
        if !matches!(kind, "network" | "bridge") {
            return unsupported(format!(
                "interface {mac} - <port isolated='yes'/> is not supported for network interfaces with type='{kind}'"
            ));
        }
        if let Some(vport) = first("virtualport").and_then(|v| v.attr("type")) {
            return unsupported(format!(
                "interface {mac} - <port isolated='yes'/> is not supported for network interfaces with virtualport type='{vport}'"
            ));
        }
    }
    let model = iface
        .model
        .as_deref()
        .or_else(|| first("model").and_then(|m| m.attr("type")));
    let virtio = model.is_some_and(crate::is_virtio_model);
    if !virtio {
        check_virtio_options_absent(first("driver"))?;
    }
    if kind == "vhostuser" {
        if !virtio {
            return Err(XmlError::Internal(
                "Wrong or no <model> 'type' attribute specified with <interface type='vhostuser'/>. \
                 vhostuser requires the virtio-net* frontend"
                    .into(),
            ));
        }
        let server = source.and_then(|s| s.attr("mode")) == Some("server");
        let reconnect = source
            .and_then(|s| s.child("reconnect"))
            .and_then(|r| r.attr("enabled"))
            == Some("yes");
        if server && reconnect {
            return unsupported(
                "'reconnect' attribute unsupported 'server' mode for <interface type='vhostuser'>"
                    .into(),
            );
        }
    }
    Ok(())
}

/// The rules of the kinds kept as elements.
fn check_device(def: &DomainDef, e: &Element, scope: Scope) -> Result<(), XmlError> {
    match e.name.as_str() {
        // virDomainSoundDefValidate.
        "sound" => crate::views::check_sound_audio(&def.devices, e),
        // virDomainSmartcardDefValidate.
        "smartcard" => {
            let address = e.child("address").and_then(|a| a.attr("type"));
            if address.is_some_and(|t| t != "ccid") {
                return Err(XmlError::Unsupported(
                    "Controllers must use the 'ccid' address type".into(),
                ));
            }
            if e.attr("mode") == Some("passthrough") {
                let kind = e.attr("type").unwrap_or("pty");
                check_source(kind, &sources(e.elements()), None)?;
            }
            Ok(())
        }
        // virDomainRNGDefValidate: an EGD backend's character device.
        "rng" => match e.child("backend") {
            Some(b) if b.attr("model") == Some("egd") => {
                let kind = b.attr("type").unwrap_or("pty");
                check_source(kind, &sources(b.elements()), None)
            }
            _ => Ok(()),
        },
        // virDomainRedirdevDefValidate (the bus is USB when not given).
        "redirdev" => {
            let usb = e.attr("bus").is_none_or(|b| b == "usb");
            if scope.whole() && usb && !has_usb(def) {
                return Err(XmlError::Unsupported(
                    "cannot add redirected USB device: USB is disabled for this domain".into(),
                ));
            }
            let kind = e.attr("type").unwrap_or("pty");
            let sources = sources(e.elements());
            // virDomainRedirdevDefParseXML names a D-Bus redirection's
            // channel when its source does not.
            let named = sources.first().and_then(|s| s.attr("channel")).is_some();
            if kind == "dbus" && !named {
                return Ok(());
            }
            check_source(kind, &sources, None)
        }
        "video" => {
            let videos: Vec<&Element> = def
                .devices
                .other
                .iter()
                .filter(|v| v.name == "video")
                .collect();
            let none = videos
                .iter()
                .any(|v| crate::views::video_model_attr(v, "type") == Some("none"));
            crate::views::validate_video(e, none && videos.len() > 1)
        }
        // virDomainFSDefValidate: a target (`string(./target/@dir)`,
        // named by the source path or socket when missing), then a boot
        // order for virtiofs only (the driver's type, `./driver`).
        "filesystem" => {
            let target = e
                .children_named("target")
                .find_map(|t| t.attr("dir"))
                .filter(|d| !d.is_empty());
            if target.is_none() {
                let source = e.child("source");
                let path_attr = match e.attr("type").unwrap_or("mount") {
                    "mount" | "bind" => Some("dir"),
                    "file" => Some("file"),
                    "block" => Some("dev"),
                    "template" => Some("name"),
                    _ => None,
                };
                let path = path_attr.and_then(|a| source.and_then(|s| s.attr(a)));
                let named = path.or_else(|| source.and_then(|s| s.attr("socket")));
                return Err(XmlError::NoTarget(named.unwrap_or_default().to_string()));
            }
            let boots = e.child("boot").is_some_and(|b| b.attr("order").is_some());
            let virtiofs = e.child("driver").and_then(|d| d.attr("type")) == Some("virtiofs");
            if boots && !virtiofs {
                return Err(XmlError::Unsupported(
                    "boot order is only supported for virtiofs".into(),
                ));
            }
            Ok(())
        }
        "input" => check_input(def, e),
        "shmem" => check_shmem(e),
        "hostdev" => crate::views::validate_hostdev(e),
        "memory" => check_memory_device(def, e, scope),
        "iommu" => check_iommu_device(e),
        "vsock" => check_vsock(e),
        "tpm" => check_tpm(e),
        "controller" if e.attr("type") == Some("pci") => check_pci_controller(e),
        _ => Ok(()),
    }
}

/// virDomainControllerDefValidate for a PCI controller: no address for a
/// root bus, then the index and each `<target>` number given within
/// libvirt's bounds (read as virXMLPropInt reads them, in base 0; parse
/// refused anything else), then no NUMA node for index 0. None of them
/// was checked before seed 17's gen2605 (a pci-root with an address).
fn check_pci_controller(e: &Element) -> Result<(), XmlError> {
    let refuse = |why: String| Err(XmlError::Unsupported(why));
    let root = matches!(e.attr("model"), Some("pci-root" | "pcie-root"));
    if root && e.child("address").is_some() {
        return refuse("pci-root and pcie-root controllers should not have an address".into());
    }
    let index = e.attr("index").and_then(|i| c_uint(i, 10)).unwrap_or(0);
    if index > 255 {
        return refuse(format!(
            "PCI controller index {index} too high, maximum is 255"
        ));
    }
    // The first <target> (parse refused a second one).
    let target = e.child("target");
    let number = |name: &str| target.and_then(|t| t.attr(name)).and_then(|v| c_uint(v, 0));
    if let Some(t) = number("index") {
        if t > 30 {
            return refuse(format!(
                "PCI controller target index '{t}' out of range - must be 0-30"
            ));
        }
        if (index == 0) != (t == 0) {
            return refuse(
                "Only the PCI controller with index 0 can have target index 0, and vice versa"
                    .into(),
            );
        }
    }
    let bounds = [
        ("chassisNr", 1, 255),
        ("chassis", 0, 255),
        ("port", 0, 255),
        ("busNr", 1, 254),
    ];
    for (name, low, high) in bounds {
        if let Some(n) = number(name).filter(|n| !(low..=high).contains(n)) {
            return refuse(format!(
                "PCI controller {name} '{n}' out of range - must be {low}-{high}"
            ));
        }
    }
    // `string(./target/node)`: parse refused a negative or bad one.
    let node = target
        .and_then(|t| t.child("node"))
        .and_then(|n| c_int(&n.text()))
        .is_some_and(|n| n >= 0);
    if node && index == 0 {
        return refuse(
            "The PCI controller with index=0 can't be associated with a NUMA node".into(),
        );
    }
    Ok(())
}

/// virDomainTPMDevValidate: an emulator's PCR banks (any bank in any
/// `<active_pcr_banks>`) for TPM 2.0 only, the version being the one
/// written (libvirt's test driver fills in none); an external TPM's
/// socket a UNIX one libvirt connects to, with a path (an empty one
/// will do).
fn check_tpm(tpm: &Element) -> Result<(), XmlError> {
    let Some(backend) = tpm.child("backend") else {
        return Ok(());
    };
    let invalid = |why: &str| Err(XmlError::Invalid(why.into()));
    match backend.attr("type") {
        Some("emulator") => {
            let banks = backend
                .children_named("active_pcr_banks")
                .any(|a| a.elements().next().is_some());
            if banks && backend.attr("version") != Some("2.0") {
                return invalid("<active_pcr_banks/> requires TPM version '2.0'");
            }
        }
        Some("external") => {
            let source = backend.child("source");
            if source.and_then(|s| s.attr("type")) != Some("unix") {
                return invalid("only source type 'unix' is supported for external TPM device");
            }
            if source.and_then(|s| s.attr("mode")) == Some("bind") {
                return invalid("only 'client' mode is supported for external TPM device");
            }
            if source.and_then(|s| s.attr("path")).is_none() {
                return invalid("missing socket path for external TPM device");
            }
        }
        _ => {}
    }
    Ok(())
}

/// virDomainInputDefValidate: the bus (as the parser fills it in) the
/// guest's OS type allows for the input's type, then what the type and
/// the model need of it.
fn check_input(def: &DomainDef, input: &Element) -> Result<(), XmlError> {
    // virDomainDefParseCaps: a Xen domain's `linux` guests are `xen` ones.
    let os_type = match def.os.os_type.as_str() {
        "linux" if def.domain_type == "xen" => "xen",
        t => t,
    };
    let Some(bus) = crate::postparse::input_bus_of(input, os_type, def.os.arch.as_deref()) else {
        return Ok(());
    };
    let kind = input.attr("type").unwrap_or_default();
    let internal = |m: String| Err(XmlError::Internal(m));
    let mouse_or_keyboard = matches!(kind, "mouse" | "keyboard");
    match os_type {
        "hvm" if bus == "ps2" && !mouse_or_keyboard => {
            return internal(format!("ps2 bus does not support {kind} input device"));
        }
        "hvm" if bus == "xen" => return internal(format!("unsupported input bus {bus}")),
        "hvm" => {}
        "xen" | "xenpvh" if bus != "xen" => {
            return internal(format!("unsupported input bus {bus}"));
        }
        "xen" | "xenpvh" if !mouse_or_keyboard => {
            return internal(format!("xen bus does not support {kind} input device"));
        }
        "xen" | "xenpvh" => {}
        _ if matches!(def.domain_type.as_str(), "vz" | "parallels") => {
            if bus != "parallels" {
                return internal(format!(
                    "parallels containers don't support input bus {bus}"
                ));
            }
            if !mouse_or_keyboard {
                return internal(format!(
                    "parallels bus does not support {kind} input device"
                ));
            }
        }
        _ => {
            return internal(
                "Input devices are not supported by this virtualization driver.".into(),
            )
        }
    }
    let unsupported = |m: String| Err(XmlError::Unsupported(m));
    // (A mouse, tablet or keyboard never reads an evdev path.)
    match kind {
        "passthrough" if bus != "virtio" => {
            return unsupported(
                "only bus 'virtio' is supported for 'passthrough' input devices".into(),
            );
        }
        "evdev" if bus != "none" => {
            return unsupported("input evdev doesn't support bus element".into());
        }
        _ => {}
    }
    match input.attr("model") {
        Some(m) if crate::is_virtio_model(m) && bus != "virtio" => unsupported(format!(
            "only bus 'virtio' is supported for input model '{m}'"
        )),
        _ => Ok(()),
    }
}

/// virDomainShmemDefValidate: a name that can name a file of its own.
fn check_shmem(shmem: &Element) -> Result<(), XmlError> {
    let name = shmem.attr("name").unwrap_or_default();
    let refuse = |m: &str| Err(XmlError::Unsupported(m.into()));
    if name.contains('/') {
        return refuse("shmem name cannot include '/' character");
    }
    match name {
        "." => refuse("shmem name cannot be equal to '.'"),
        ".." => refuse("shmem name cannot be equal to '..'"),
        _ => Ok(()),
    }
}

/// A size as libvirt reads it into KiB (`virDomainParseMemory`), 0 when
/// absent.
fn size_kib(e: Option<&Element>) -> u64 {
    e.and_then(|s| crate::parse_memory(s.text().trim(), s.attr("unit")).ok())
        .unwrap_or(0)
}

/// The host's transparent huge page size in KiB (virHostMemGetTHPSize),
/// 2 MiB when it cannot be read, as libvirt falls back.
fn thp_size_kib() -> u64 {
    std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size")
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok())
        .map(|bytes| bytes / 1024)
        .unwrap_or(2048)
}

/// virDomainMemoryDefValidate: the guest NUMA node a memory device
/// names exists, and what each model needs (a backing path for NVDIMM
/// and virtio-pmem, virtio-mem sizes in whole blocks of a power of two
/// not below the host's huge page, no address for SGX EPC).
///
/// A device read alone to be attached (`scope` [`Scope::Device`]) has no
/// guest NUMA cells beside it: its node is checked against the domain it
/// goes to, not here.
pub(crate) fn check_memory_device(
    def: &DomainDef,
    mem: &Element,
    scope: Scope,
) -> Result<(), XmlError> {
    let target = mem.child("target");
    let node = target
        .and_then(|t| t.child("node"))
        .and_then(|n| n.text().trim().parse::<i64>().ok());
    let cells = def
        .extra
        .iter()
        .filter(|e| e.name == "cpu")
        .take(1)
        .flat_map(|c| c.children_named("numa"))
        .take(1)
        .flat_map(|n| n.children_named("cell"))
        .count();
    if let Some(node) = node.filter(|_| scope.whole()) {
        if cells == 0 {
            return Err(detail(
                "can't add memory backend as guest has no NUMA nodes configured",
            ));
        }
        if node >= cells as i64 {
            return Err(detail(&format!(
                "can't add memory backend for guest node '{node}' as the guest has only '{cells}' NUMA nodes configured"
            )));
        }
    }
    let path = mem
        .child("source")
        .and_then(|s| s.child("path"))
        .is_some_and(|p| !p.text().is_empty());
    let discard = mem.attr("discard") == Some("yes");
    let model = mem.attr("model").unwrap_or_default();
    match model {
        "nvdimm" | "virtio-pmem" if !path => {
            Err(detail(&format!("path is required for model '{model}'")))
        }
        "nvdimm" if discard => Err(XmlError::Unsupported(
            "discard is not supported for nvdimms".into(),
        )),
        "nvdimm" => {
            let ppc64 = matches!(def.os.arch.as_deref(), Some("ppc64" | "ppc64le"));
            let label = size_kib(
                target
                    .and_then(|t| t.child("label"))
                    .and_then(|l| l.child("size")),
            );
            if ppc64 && label == 0 {
                return Err(XmlError::Unsupported(
                    "label size is required for NVDIMM device".into(),
                ));
            }
            if !ppc64 && mem.child("uuid").is_some_and(|u| !u.text().is_empty()) {
                return Err(XmlError::Unsupported(
                    "UUID is not supported for NVDIMM device".into(),
                ));
            }
            Ok(())
        }
        "virtio-pmem" if discard => Err(XmlError::Unsupported(format!(
            "discard is not supported for model '{model}'"
        ))),
        // (No access given is shared: virDomainMemoryDefPostParse.)
        "virtio-pmem" if mem.attr("access").is_some_and(|a| a != "shared") => Err(
            XmlError::Unsupported("shared access mode required for virtio-pmem device".into()),
        ),
        "virtio-pmem" if node.is_some() => Err(XmlError::Unsupported(
            "virtio-pmem does not support NUMA nodes".into(),
        )),
        "virtio-mem" => {
            let size = size_kib(target.and_then(|t| t.child("size")));
            let requested = size_kib(target.and_then(|t| t.child("requested")));
            let block = size_kib(target.and_then(|t| t.child("block")));
            if requested > size {
                return Err(detail(&format!(
                    "requested size must be smaller than or equal to @size ({size}KiB)"
                )));
            }
            if !block.is_power_of_two() {
                return Err(detail("block size must be a power of two"));
            }
            let thp = thp_size_kib();
            if block < thp {
                return Err(detail(&format!(
                    "block size too small, must be at least {thp}KiB"
                )));
            }
            if requested % block != 0 {
                return Err(detail(
                    "requested size must be an integer multiple of block size",
                ));
            }
            Ok(())
        }
        "sgx-epc"
            if mem
                .child("address")
                .is_some_and(|a| a.attr("type").is_some()) =>
        {
            Err(XmlError::Unsupported(format!(
                "memory device address is not supported for model '{model}'"
            )))
        }
        _ => Ok(()),
    }
}

/// virDomainDefHasUSB: a USB controller of a model other than none. A
/// QEMU domain without one gets its default controller from the QEMU
/// driver's post-parse (qemuDomainDefAddDefaultDevices), which libvirt
/// runs before this check and virt-qemu after reading the definition:
/// that driver's own rules decide there.
fn has_usb(def: &DomainDef) -> bool {
    if matches!(def.domain_type.as_str(), "qemu" | "kvm") {
        return true;
    }
    def.devices.other.iter().any(|c| {
        c.name == "controller" && c.attr("type") == Some("usb") && c.attr("model") != Some("none")
    })
}

/// virDomainVsockDefValidate: a guest CID of 3 at least, and the virtio
/// driver options for a virtio model only.
fn check_vsock(vsock: &Element) -> Result<(), XmlError> {
    let cid = vsock
        .child("cid")
        .and_then(|c| c.attr("address"))
        .and_then(|a| c_uint(a, 10))
        .unwrap_or(0);
    if (1..=2).contains(&cid) {
        return Err(XmlError::Unsupported("guest CIDs must be >= 3".into()));
    }
    let virtio = vsock.attr("model").is_some_and(crate::is_virtio_model);
    if !virtio {
        check_virtio_options_absent(vsock.child("driver"))?;
    }
    Ok(())
}

/// virDomainCheckVirtioOptionsAreAbsent: the virtio driver options of a
/// device that is not virtio, each refused when given.
pub(crate) fn check_virtio_options_absent(driver: Option<&Element>) -> Result<(), XmlError> {
    let Some(driver) = driver else { return Ok(()) };
    for (attr, what) in [
        ("iommu", "iommu driver option"),
        ("ats", "ats driver option"),
        ("packed", "packed driver option"),
        ("page_per_vq", "page_per_vq option"),
    ] {
        if driver.attr(attr).is_some() {
            return Err(XmlError::Unsupported(format!(
                "{what} is only supported for virtio devices"
            )));
        }
    }
    Ok(())
}

/// The `<source>` children of a character device.
fn sources<'a>(children: impl Iterator<Item = &'a Element>) -> Vec<&'a Element> {
    children.filter(|c| c.name == "source").collect()
}

/// virDomainChrDefValidate: the source of a serial, parallel, console or
/// channel device.
fn check_chardev_source(c: &CharDev) -> Result<(), XmlError> {
    check_source(
        c.dev_type.as_deref().unwrap_or("pty"),
        &sources(c.extra.iter()),
        Some(c),
    )
}

/// Characters a Spice port or D-Bus channel name may use.
fn channel_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// virDomainChrSourceDefValidate: what each type of character device
/// needs of its source, read as libvirt reads it (the first `<source>`;
/// for UDP the first in connect mode of the first two).
fn check_source(kind: &str, sources: &[&Element], chr: Option<&CharDev>) -> Result<(), XmlError> {
    let first = |attr: &str| sources.first().and_then(|s| s.attr(attr));
    let internal = |m: &str| Err(XmlError::Internal(m.into()));
    let missing =
        |what: &str| internal(&format!("Missing source {what} attribute for char device"));
    match kind {
        "file" | "dev" | "pipe" if first("path").is_none() => missing("path"),
        "nmdm" if first("master").is_some() != first("slave").is_some() => {
            internal("Should define both master and slave path attributes for nmdm device")
        }
        "tcp" if first("host").is_none() => missing("host"),
        "tcp" if first("service").is_none() => missing("service"),
        "udp" => {
            let (mut host, mut service) = (None, None);
            for s in sources.iter().take(2) {
                let connect = s.attr("mode").is_none_or(|m| m == "connect");
                if connect && host.is_none() && service.is_none() {
                    host = s.attr("host");
                    service = s.attr("service");
                }
            }
            match service {
                None => missing("service"),
                Some(_) => Ok(()),
            }
        }
        "unix" if first("path").is_none() => {
            let generated = chr.is_some_and(|c| {
                let target = c.extra.iter().find(|e| e.name == "target");
                c.kind == "channel"
                    && matches!(target.and_then(|t| t.attr("type")), Some("xen" | "virtio"))
            });
            match generated {
                true => Ok(()),
                false => missing("path"),
            }
        }
        "spiceport" | "dbus" => match first("channel") {
            None => Err(XmlError::Unsupported(
                "Missing source channel attribute for char device".into(),
            )),
            Some(name) if !name.bytes().all(channel_name_char) => Err(XmlError::Refused {
                code: virt_core::ErrorCode::InvalidArg,
                domain: ErrorDomain::Domain,
                message: "invalid argument: Invalid character in source channel for char device"
                    .into(),
            }),
            Some(_) => Ok(()),
        },
        // A TCP or UNIX source listening: no reconnecting, enabled or
        // not (libvirt tests the tristate's being set).
        "tcp" | "unix"
            if first("mode") == Some("bind")
                && sources
                    .first()
                    .and_then(|s| s.child("reconnect"))
                    .is_some_and(|r| r.attr("enabled").is_some()) =>
        {
            internal("chardev reconnect is possible only for connect mode")
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk's match places every kind where the list does.
    #[test]
    fn walk_rank_follows_the_iteration_order() {
        for (i, kind) in ITERATION_ORDER.iter().enumerate() {
            assert_eq!(walk_rank(kind), Some(i), "{kind}");
        }
        for kind in ["graphics", "audio", "lease", "redirfilter", "bogus", ""] {
            assert_eq!(walk_rank(kind), None, "{kind}");
        }
    }

    fn element(xml: &str) -> Element {
        crate::parse_element(xml).unwrap()
    }

    #[test]
    fn devices_are_checked_kind_by_kind_in_libvirts_order() {
        // A smartcard's wrong address type is refused at its kind, after
        // the video kind's unassigned address, whatever the document order.
        let smartcard = "<smartcard mode='host'><address type='usb'/></smartcard>";
        let video = "<video><address type='unassigned'/></video>";
        let mut def = DomainDef::default();
        def.devices.other.push(element(smartcard));
        def.devices.other.push(element(video));
        let first = |def: &DomainDef| {
            check_devices(def, Scope::Domain)
                .err()
                .map(|e| e.to_string())
        };
        let unassigned = Some(
            "unsupported configuration: address of type 'unassigned' is supported only for hostdevs"
                .to_string(),
        );
        assert_eq!(first(&def), unassigned);
        def.devices.other.reverse();
        assert_eq!(first(&def), unassigned);
        def.devices.other.retain(|e| e.name == "smartcard");
        assert_eq!(
            first(&def).as_deref(),
            Some("unsupported configuration: Controllers must use the 'ccid' address type")
        );
    }

    /// Checked with virsh 9.0 (seed 20): a display's unknown audio ID is
    /// refused after every device with device information, a sound
    /// card's at the sound cards' place in the walk.
    #[test]
    fn audio_ids_are_checked_at_their_devices_places() {
        let first = |devices: &str| {
            let xml = format!(
                "<domain type='test'><name>a</name><memory>65536</memory>\
                 <os><type>hvm</type></os><devices>{devices}</devices></domain>"
            );
            crate::parse_domain(&xml).err().map(|e| e.to_string())
        };
        let vsock = "<vsock><address type='virtio-mmio'/><driver iommu='off'/></vsock>";
        let iommu =
            "unsupported configuration: iommu driver option is only supported for virtio devices";
        let display = "<graphics type='vnc'><audio id='255'/></graphics>";
        let sound = "<sound model='ich9'><audio id='7'/></sound>";
        assert_eq!(first(&format!("{display}{vsock}")), first(vsock));
        assert!(
            first(vsock).is_some_and(|e| e.contains(iommu)),
            "{:?}",
            first(vsock)
        );
        assert_eq!(
            first(display).as_deref(),
            Some("XML error: no audio device with ID 255")
        );
        // The sound cards come before the virtio devices in the walk.
        assert_eq!(
            first(&format!("{vsock}{sound}")).as_deref(),
            Some("XML error: no audio device with ID 7")
        );
    }

    #[test]
    fn interfaces_validated_as_libvirt_validates_them() {
        let cases = [
            ("<interface type='bridge'><source bridge='b'><ip address='1.2.3.4'/></source></interface>",
             Some("unsupported configuration: Invalid attempt to set network interface host-side IP route and/or address info on interface of type 'bridge'. This is only supported on interfaces of type 'ethernet'")),
            ("<interface type='ethernet'><source><ip address='1.2.3.4'/></source><target dev='t' managed='no'/></interface>", None),
            ("<interface type='user'><target dev='t' managed='no'/></interface>",
             Some("unsupported configuration: unmanaged target dev is not supported on interfaces of type 'user'")),
            ("<interface type='direct'><mac address='52:54:00:28:BD:E9'/><source dev='e'/><port isolated='yes'/></interface>",
             Some("unsupported configuration: interface 52:54:00:28:bd:e9 - <port isolated='yes'/> is not supported for network interfaces with type='direct'")),
            ("<interface type='bridge'><source bridge='b'/><port isolated='yes'/></interface>", None),
            ("<interface type='user'><driver packed='on'/></interface>",
             Some("unsupported configuration: packed driver option is only supported for virtio devices")),
            ("<interface type='user'><model type='virtio'/><driver packed='on'/></interface>", None),
            ("<interface type='vhostuser'><source type='unix' path='/p' mode='client'/></interface>",
             Some("internal error: Wrong or no <model> 'type' attribute specified with <interface type='vhostuser'/>. vhostuser requires the virtio-net* frontend")),
            ("<interface type='vhostuser'><model type='virtio'/><source type='unix' path='/p' mode='server'><reconnect enabled='yes' timeout='3'/></source></interface>",
             Some("unsupported configuration: 'reconnect' attribute unsupported 'server' mode for <interface type='vhostuser'>")),
        ];
        for (devices, want) in cases {
            assert_eq!(define(devices).err().as_deref(), want, "{devices}");
        }
        // libvirt names an interface without a MAC by the one it generates.
        let generated =
            define("<interface type='user'><port isolated='yes'/></interface>").unwrap_err();
        assert!(
            generated.starts_with("unsupported configuration: interface 52:54:00:"),
            "{generated}"
        );
    }

    #[test]
    fn host_devices_and_label_overrides_validated_as_libvirt_does() {
        let cases = [
            ("<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='0' slot='1' function='0'/></source><address type='ccid' controller='0' slot='2'/></hostdev>",
             Some("internal error: PCI host devices must use 'pci' or 'unassigned' address type")),
            ("<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='0' slot='1' function='0'/></source><teaming type='persistent'/></hostdev>",
             Some("unsupported configuration: teaming hostdev devices must have type='transient'")),
            ("<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='0' slot='1' function='0'/></source><teaming type='transient' persistent='ua-n'/></hostdev>", None),
            ("<hostdev mode='subsystem' type='usb'><source><vendor id='1'/><product id='2'/></source><teaming type='transient' persistent='ua-n'/></hostdev>",
             Some("unsupported configuration: teaming is only supported for pci hostdev devices")),
            ("<serial type='file'><source path='/f'><seclabel model='dac' relabel='no'/></source></serial>", None),
        ];
        for (devices, want) in cases {
            assert_eq!(define(devices).err().as_deref(), want, "{devices}");
        }
        let labelled = |seclabel: &str| {
            crate::parse_domain(&format!(
                "<domain type='test'><name>l</name><memory>65536</memory><os><type>hvm</type></os>\
                 <devices><disk type='file'><source file='/f'><seclabel relabel='no'/></source>\
                 <target dev='vda'/></disk></devices>{seclabel}</domain>"
            ))
            .err()
            .map(|e| e.to_string())
        };
        assert_eq!(
            labelled("<seclabel type='static'><label>l</label></seclabel>").as_deref(),
            Some("unsupported configuration: label overrides require relabeling to be enabled at the domain level")
        );
        assert_eq!(labelled("<seclabel type='dynamic'/>"), None);
        assert_eq!(labelled("<seclabel type='none' model='dac'/>"), None);
    }

    #[test]
    fn virtio_options_only_for_virtio_vsock() {
        let refused = |xml: &str| check_vsock(&element(xml)).err().map(|e| e.to_string());
        assert_eq!(
            refused("<vsock><driver ats='on' page_per_vq='on'/></vsock>").as_deref(),
            Some(
                "unsupported configuration: ats driver option is only supported for virtio devices"
            )
        );
        assert_eq!(
            refused("<vsock><driver page_per_vq='off'/></vsock>").as_deref(),
            Some("unsupported configuration: page_per_vq option is only supported for virtio devices")
        );
        assert_eq!(
            refused("<vsock model='virtio'><driver iommu='on'/></vsock>"),
            None
        );
        assert_eq!(
            refused("<vsock model='virtio'><cid address='2'/></vsock>").as_deref(),
            Some("unsupported configuration: guest CIDs must be >= 3")
        );
    }

    #[test]
    fn virtio_options_only_for_virtio_interfaces() {
        let refused = |iface: &str| {
            let xml = format!(
                "<domain type='test'><name>n</name><memory>1024</memory>\
                 <os><type>hvm</type></os><devices>{iface}</devices></domain>"
            );
            crate::parse_domain(&xml).err().map(|e| e.to_string())
        };
        assert_eq!(
            refused("<interface type='user'><driver ats='off'/></interface>").as_deref(),
            Some(
                "unsupported configuration: ats driver option is only supported for virtio devices"
            )
        );
        assert_eq!(
            refused("<interface type='user'><model type='e1000'/><driver packed='on'/></interface>")
                .as_deref(),
            Some(
                "unsupported configuration: packed driver option is only supported for virtio devices"
            )
        );
        assert_eq!(
            refused("<interface type='user'><model type='virtio'/><driver ats='off'/></interface>"),
            None
        );
    }

    /// virDomainFSDefValidate: a target, then a boot order only for
    /// virtiofs (texts observed from libvirt 9.0 through virsh).
    #[test]
    fn filesystems_validated_as_libvirt_validates_them() {
        let refused = |fs: &str| {
            let xml = format!(
                "<domain type='test'><name>f</name><memory>1024</memory>\
                 <os><type>hvm</type></os><devices><filesystem type='mount'>\
                 <source dir='/a'/>{fs}</filesystem></devices></domain>"
            );
            crate::parse_domain(&xml).err().map(|e| e.to_string())
        };
        let no_target = Some("missing target information for device /a");
        assert_eq!(refused("<boot order='1'/>").as_deref(), no_target);
        assert_eq!(
            refused("<target dir=''/><target dir='/b'/><boot order='1'/>").as_deref(),
            no_target
        );
        assert_eq!(
            refused("<driver type='virtiofs'/><target dir='t'/><boot order='1'/>"),
            None
        );
        assert_eq!(
            refused("<driver type='path'/><target dir='t'/><boot order='1'/>").as_deref(),
            Some("unsupported configuration: boot order is only supported for virtiofs")
        );
    }

    #[test]
    fn usb_redirection_needs_a_usb_controller_of_its_domain() {
        let domain = |devices: &str| {
            crate::parse_domain(&format!(
                "<domain type='test'><name>g</name><memory>65536</memory>\
                 <os><type>hvm</type></os><devices>{devices}</devices></domain>"
            ))
        };
        let redirdev = "<redirdev bus='usb' type='spicevmc'/>";
        assert!(domain(redirdev)
            .unwrap_err()
            .to_string()
            .contains("USB is disabled for this domain"));
        assert!(domain(&format!("<controller type='usb' model='none'/>{redirdev}")).is_err());
        assert!(domain(&format!("<controller type='usb'/>{redirdev}")).is_ok());
        // No bus is USB (virsh 9.0 refuses it too).
        assert!(domain("<redirdev type='spicevmc'/>")
            .unwrap_err()
            .to_string()
            .contains("USB is disabled for this domain"));
        // QEMU's driver adds its default USB controller first.
        assert!(crate::parse_domain(
            "<domain type='kvm'><name>g</name><memory>65536</memory>\
             <os><type>hvm</type></os><devices><redirdev bus='usb' type='spicevmc'/>\
             </devices></domain>"
        )
        .is_ok());
        // Alone, to attach: the domain it goes to decides.
        assert!(crate::parse_device(&element(redirdev), "kvm", "hvm").is_ok());
    }

    fn define(devices: &str) -> Result<(), String> {
        crate::parse_domain(&format!(
            "<domain type='test'><name>g</name><memory>65536</memory>\
             <os><type>hvm</type></os><devices>{devices}</devices></domain>"
        ))
        .map(drop)
        .map_err(|e| e.to_string())
    }

    // Texts observed from libvirt 9.0 through virsh (seed 17's gen2605
    // is the first case): virDomainControllerDefValidate's PCI rules.
    #[test]
    fn pci_controllers_validated_as_libvirt_validates_them() {
        let refused = |devices: &str| define(devices).err().unwrap_or_default();
        let cases = [
            ("<controller type='pci' model='pci-root'><address type='pci' bus='61'><zpci/></address><target busNr='0'/></controller>", "pci-root and pcie-root controllers should not have an address"),
            ("<controller type='pci' model='pcie-root'><address type='drive'/></controller>", "pci-root and pcie-root controllers should not have an address"),
            ("<controller type='pci' model='pci-root'><target busNr='0'><node>48</node></target></controller>", "PCI controller busNr '0' out of range - must be 1-254"),
            ("<controller type='pci' model='pci-root'><target><node>48</node></target></controller>", "The PCI controller with index=0 can't be associated with a NUMA node"),
            ("<controller type='pci' model='pci-root'><target chassisNr='0' busNr='0'/></controller>", "PCI controller chassisNr '0' out of range - must be 1-255"),
            ("<controller type='pci' model='pci-root' index='256'/>", "PCI controller index 256 too high, maximum is 255"),
            ("<controller type='pci' model='pci-root'><target index='3'/></controller>", "Only the PCI controller with index 0 can have target index 0, and vice versa"),
            ("<controller type='pci' model='pci-expander-bus' index='2'><target index='0'/></controller>", "Only the PCI controller with index 0 can have target index 0, and vice versa"),
            ("<controller type='pci' model='pci-expander-bus' index='2'><target index='31'/></controller>", "PCI controller target index '31' out of range - must be 0-30"),
            ("<controller type='pci' model='pcie-root-port' index='2'><target port='256'/></controller>", "PCI controller port '256' out of range - must be 0-255"),
            ("<controller type='pci' model='pcie-root-port' index='2'><target chassis='256'/></controller>", "PCI controller chassis '256' out of range - must be 0-255"),
            ("<controller type='pci' model='pcie-root-port' index='3'><target busNr='255' chassis='0' port='0x10'/></controller>", "PCI controller busNr '255' out of range - must be 1-254"),
        ];
        for (devices, want) in cases {
            let got = refused(devices);
            assert!(got.ends_with(want), "{devices}: {got}");
        }
        // A controller of no model has no root bus; other types no rules.
        assert_eq!(
            define("<controller type='pci' index='0'><address type='pci' bus='1'/></controller>"),
            Ok(())
        );
        assert_eq!(define("<controller type='pci' model='pcie-root-port'/><controller type='pci' model='pci-root'/>"), Ok(()));
        assert_eq!(
            define("<controller type='usb' index='0'><target><node>1</node></target></controller>"),
            Ok(())
        );
    }

    // Texts observed from libvirt 9.0 through virsh.
    #[test]
    fn tpms_validated_as_libvirt_validates_them() {
        let emulator = |attrs: &str, banks: &str| {
            define(&format!(
                "<tpm><backend type='emulator'{attrs}><active_pcr_banks>{banks}</active_pcr_banks></backend></tpm>"
            ))
        };
        let v2 = "XML error: <active_pcr_banks/> requires TPM version '2.0'";
        assert_eq!(emulator("", "<sha256/>").unwrap_err(), v2);
        assert_eq!(emulator(" version='1.2'", "<sha256/>").unwrap_err(), v2);
        assert_eq!(emulator(" version='2.0'", "<sha256/>"), Ok(()));
        assert_eq!(emulator(" version='1.2'", ""), Ok(()));
        let external = |source: &str| {
            define(&format!(
                "<tpm><backend type='external'>{source}</backend></tpm>"
            ))
        };
        assert_eq!(
            external("<source type='tcp' host='h'/>").unwrap_err(),
            "XML error: only source type 'unix' is supported for external TPM device"
        );
        assert_eq!(
            external("<source type='unix' mode='bind' path='/x'/>").unwrap_err(),
            "XML error: only 'client' mode is supported for external TPM device"
        );
        assert_eq!(
            external("<source type='unix' mode='connect'/>").unwrap_err(),
            "XML error: missing socket path for external TPM device"
        );
        assert_eq!(external("<source type='unix' path=''/>"), Ok(()));
        // Devices in libvirt's order: the TPM before the IOMMU's address.
        assert_eq!(
            define(
                "<iommu model='smmuv3'><address type='unassigned'/></iommu>\
                 <tpm><backend type='emulator'><active_pcr_banks><sha1/></active_pcr_banks></backend></tpm>"
            )
            .unwrap_err(),
            v2
        );
    }

    #[test]
    fn inputs_on_the_bus_their_guest_and_model_allow() {
        assert_eq!(
            define("<input type='evdev' model='virtio-transitional'><source dev='/d'/></input>"),
            Err("unsupported configuration: only bus 'virtio' is supported for input model 'virtio-transitional'".into())
        );
        assert_eq!(
            define("<input type='tablet' bus='ps2'/>"),
            Err("internal error: ps2 bus does not support tablet input device".into())
        );
        assert_eq!(
            define("<input type='passthrough' bus='usb'><source evdev='/d'/></input>"),
            Err("unsupported configuration: only bus 'virtio' is supported for 'passthrough' input devices".into())
        );
        assert_eq!(
            define("<input type='evdev' bus='virtio'><source dev='/d'/></input>"),
            Err("unsupported configuration: input evdev doesn't support bus element".into())
        );
        // The bus the parser gives a passthrough input is virtio.
        assert_eq!(
            define("<input type='passthrough' model='virtio'><source evdev='/d'/></input>"),
            Ok(())
        );
    }

    #[test]
    fn shmem_names_that_name_a_file() {
        for (name, want) in [
            (
                "a/b",
                Err(
                    "unsupported configuration: shmem name cannot include '/' character"
                        .to_string(),
                ),
            ),
            (
                "..",
                Err("unsupported configuration: shmem name cannot be equal to '..'".into()),
            ),
            (
                ".",
                Err("unsupported configuration: shmem name cannot be equal to '.'".into()),
            ),
            ("...", Ok(())),
        ] {
            assert_eq!(define(&format!("<shmem name='{name}'/>")), want, "{name}");
        }
    }

    #[test]
    fn a_dbus_redirection_has_libvirts_channel_by_default() {
        let usb = "<controller type='usb'/>";
        assert_eq!(
            define(&format!("{usb}<redirdev bus='usb' type='dbus'/>")),
            Ok(())
        );
        assert_eq!(
            define(&format!("{usb}<redirdev bus='usb' type='spiceport'/>")),
            Err(
                "unsupported configuration: Missing source channel attribute for char device"
                    .into()
            )
        );
    }

    /// An HVM guest's first console of target type serial or none, of
    /// another source than the first serial port, is dropped for an
    /// alias of the port before validation (virDomainDefAddConsoleCompat):
    /// its source is not checked (virsh 9.0 defines both).
    #[test]
    fn a_console_replaced_by_the_serial_port_is_not_validated() {
        let console = "<console type='dbus'/>";
        let missing = Err(
            "unsupported configuration: Missing source channel attribute for char device".into(),
        );
        assert_eq!(define(console), missing);
        assert_eq!(
            define(&format!("{console}<serial type='qemu-vdagent'/>")),
            Ok(())
        );
        assert_eq!(
            define("<console type='dbus'><target type='virtio'/></console><serial type='pty'/>"),
            missing
        );
        assert_eq!(define(&format!("{console}<serial type='dbus'/>")), missing);
    }

    /// virDomainChrSourceDefValidate: a listening TCP or UNIX source
    /// cannot reconnect (an `enabled` given either way counts); a bad
    /// channel name is an invalid argument (virsh 9.0's words).
    #[test]
    fn listening_sources_do_not_reconnect() {
        let reconnect = "internal error: chardev reconnect is possible only for connect mode";
        for (source, want) in [
            ("type='unix'><source mode='bind' path='/a'><reconnect enabled='yes' timeout='3'/>", Err(reconnect.to_string())),
            ("type='unix'><source mode='bind' path='/a'><reconnect enabled='no'/>", Err(reconnect.to_string())),
            ("type='unix'><source mode='bind' path='/a'><reconnect/>", Ok(())),
            ("type='tcp'><source mode='bind' host='a' service='1'><reconnect enabled='yes' timeout='2'/>", Err(reconnect.to_string())),
            ("type='tcp'><source host='a' service='1'><reconnect enabled='yes' timeout='2'/>", Ok(())),
            ("type='spiceport'><source channel='a b'>", Err("invalid argument: Invalid character in source channel for char device".to_string())),
        ] {
            assert_eq!(define(&format!("<serial {source}</source></serial>")), want, "{source}");
        }
    }

    // As virsh 9.0 refuses them (seed 35's gen1130 is the first).
    #[test]
    fn a_usb_serial_port_has_a_usb_address_or_none() {
        let serial = |address: &str| {
            define(&format!(
                "<serial type='pty'><target type='usb-serial' port='0'/>{address}</serial>"
            ))
            .err()
        };
        for bad in [
            "<address type='pci' bus='0x3E' multifunction='on'/>",
            "<address type='drive'/>",
        ] {
            assert_eq!(
                serial(bad).as_deref(),
                Some("unsupported configuration: usb-serial requires address of usb type"),
                "{bad}"
            );
        }
        assert_eq!(serial(""), None);
        assert_eq!(serial("<address type='usb' bus='0' port='1'/>"), None);
    }

    #[test]
    fn spicevmc_targets_and_sources_as_libvirt_parses_them() {
        assert!(define("<channel type='spicevmc'><target type='virtio'/></channel>").is_ok());
        // The place of usb-serial and xen in their lists is virtio's.
        assert!(define("<serial type='spicevmc'><target type='usb-serial'/></serial>").is_ok());
        assert!(define("<console type='spicevmc'><target type='xen'/></console>").is_ok());
        for bad in [
            "<channel type='spicevmc'><target type='xen' name='f'/></channel>",
            "<serial type='spicevmc'><target type='isa-serial'/></serial>",
            "<parallel type='spicevmc'/>",
        ] {
            assert_eq!(
                define(bad).err().as_deref(),
                Some("unsupported configuration: spicevmc device type only supports virtio"),
                "{bad}"
            );
        }
        assert!(define(
            "<controller type='usb'/><redirdev bus='usb' type='spicevmc'><address type='pci'/></redirdev>"
        )
        .is_err_and(|e| e.contains("Invalid address for a USB device")));
        assert!(
            define("<controller type='usb'/><hub type='usb'><address type='pci'/></hub>").is_ok()
        );
        assert!(define("<serial type='pty'><source/><source/></serial>")
            .is_err_and(|e| e.contains("only one source element")));
        assert!(define(
            "<serial type='udp'><source service='1'/><source mode='bind' service='2'/></serial>"
        )
        .is_ok());
    }

    #[test]
    fn memory_devices_as_libvirt_validates_them() {
        let nvdimm =
            "<memory model='nvdimm'><target><size>1024</size><node>0</node></target></memory>";
        assert_eq!(
            define(nvdimm).err().as_deref(),
            Some("can't add memory backend as guest has no NUMA nodes configured")
        );
        // A module read alone to be hot-plugged names a node of the domain
        // it goes to, which holds the cells.
        let dimm = "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node>\
                    </target></memory>";
        let device = crate::parse_element(dimm).expect("element");
        assert!(crate::parse_device(&device, "kvm", "hvm").is_ok());
        assert!(
            define("<memory model='virtio-pmem'><target><size>1024</size></target></memory>")
                .is_err_and(|e| e.contains("path is required for model 'virtio-pmem'"))
        );
        assert!(define(
            "<memory model='virtio-pmem' access='shared'><source><path>/p</path></source>\
             <target><size>1024</size></target></memory>"
        )
        .is_ok());
        assert!(define(
            "<memory model='virtio-pmem' access='private'><source><path>/p</path></source>\
             <target><size>1024</size></target></memory>"
        )
        .is_err_and(|e| e.contains("shared access mode required")));
        assert!(define(
            "<memory model='virtio-pmem'><source><path>/p</path></source>\
             <target><size>1024</size></target></memory>"
        )
        .is_ok());
    }

    #[test]
    fn chardev_sources_read_like_libvirt() {
        let source = |kind: &str, xml: &str| {
            let e = element(xml);
            check_source(kind, &sources(e.elements()), None)
                .err()
                .map(|e| e.to_string())
        };
        assert!(source("spiceport", "<x><source/></x>").is_some());
        assert!(source("spiceport", "<x><source channel='a b'/></x>").is_some());
        assert_eq!(
            source("spiceport", "<x><source channel='org.a-b_1'/></x>"),
            None
        );
        // UDP: the service of the first source in connect mode.
        assert_eq!(
            source(
                "udp",
                "<x><source mode='bind' service='1'/><source service='2'/></x>"
            ),
            None
        );
        assert!(source("udp", "<x><source mode='bind' service='1'/></x>").is_some());
        assert!(source("udp", "<x/>").is_some());
    }
}
