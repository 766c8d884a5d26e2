//! Devices plugged into and out of domains (virDomainAttachDeviceFlags,
//! virDomainDetachDeviceFlags, virDomainUpdateDeviceFlags): disks (file
//! and block, virtio and SCSI, the SCSI controller plugged with the first
//! SCSI disk), network interfaces, and the media of CD-ROMs and floppies.
//!
//! A running guest gets its devices over QMP: `blockdev-add` then
//! `device_add` for a disk, `netdev_add` then `device_add` for an
//! interface. An unplug is a request the guest must grant: `device_del`,
//! then the wait for QEMU's DEVICE_DELETED (libvirt's 5 s). As libvirt, a
//! guest that does not answer in time is not an error: the device stays in
//! the live definition, and the next hot-plug call that finds it gone from
//! QEMU finishes the removal.

use super::*;
use crate::argv::dimm::{self, Dimm};
use crate::argv::{blockdev_nodes, disk_device, drive_address, drive_address_target, nic_device};
use crate::postparse::address::{self, PciAddress};
use crate::qmp::Event;
use std::time::Instant;
use virt_xml::{Address, Alias, Controller, Disk, Interface, MemoryDevice, Node, View};

/// How long a detach waits for the guest to release a device, as libvirt
/// (`qemuDomainRemoveDeviceWaitTime`).
const UNPLUG_WAIT: Duration = Duration::from_secs(5);

/// A device of a hot-plug call's XML.
#[derive(Debug, Clone)]
enum Device {
    Disk(Disk),
    Interface(Interface),
    /// A `<memory model='dimm'>` module: its element and what it says.
    Memory(Element, Dimm),
}

/// Read one device element the way a whole domain's devices are read
/// (virt-xml's `parse_device`, as libvirt parses before it looks at the
/// device's type): a disk or an interface, else refused.
fn parse_device(xml: &str) -> QemuResult<Device> {
    let element = virt_xml::parse_element(xml)?;
    let devices = virt_xml::parse_device(&element, "qemu", "hvm")?;
    if let Some(disk) = devices.disks.into_iter().next() {
        return Ok(Device::Disk(disk));
    }
    if let Some(iface) = devices.interfaces.into_iter().next() {
        return Ok(Device::Interface(iface));
    }
    if let Some(memory) = devices
        .other
        .into_iter()
        .find(|e| e.name == MemoryDevice::TAG)
    {
        let dimm = Dimm::from_element(&memory)?;
        return Ok(Device::Memory(memory, dimm));
    }
    Err(QemuError::OperationUnsupported(format!(
        "device type '{}' cannot be attached, detached or updated by this driver",
        element.name
    )))
}

/// The QEMU device id (libvirt's alias) an interface carries in its
/// `<alias>`.
fn alias_of(iface: &Interface) -> Option<String> {
    iface.part::<Alias>().ok().flatten().and_then(|a| a.name)
}

/// An `<alias>` naming QEMU device `name`.
fn alias_named(name: String) -> Alias {
    Alias { name: Some(name) }
}

/// Give every interface of a live definition its QEMU id as an
/// `<alias>`: the command line names them `net{i}` by position, which a
/// hot-plug would otherwise shift.
fn pin_interface_aliases(def: &mut DomainDef) {
    for (i, iface) in def.devices.interfaces.iter_mut().enumerate() {
        if alias_of(iface).is_none() {
            iface.add_part(&alias_named(format!("net{i}")));
        }
    }
}

/// The `hostnet` backend QEMU knows the interface with id `alias` by.
fn netdev_of(alias: &str) -> String {
    format!("host{alias}")
}

/// The position of the interface `wanted` names: by MAC address, else the
/// only one (libvirt's `virDomainNetFindIdx`).
fn find_interface(def: &DomainDef, wanted: &Interface) -> QemuResult<usize> {
    let matches: Vec<usize> = def
        .devices
        .interfaces
        .iter()
        .enumerate()
        .filter(|(_, i)| match &wanted.mac {
            Some(m) => i.mac.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(m)),
            None => true,
        })
        .map(|(n, _)| n)
        .collect();
    match (matches.as_slice(), &wanted.mac) {
        ([one], _) => Ok(*one),
        ([], Some(m)) => Err(QemuError::DeviceMissing(format!(
            "no device matching MAC address {m} found"
        ))),
        ([], None) => Err(QemuError::DeviceMissing("no matching device found".into())),
        (_, Some(m)) => Err(QemuError::Failed(format!(
            "multiple devices matching MAC address {m} found"
        ))),
        (_, None) => Err(QemuError::Failed("multiple matching devices found".into())),
    }
}

fn disk_index(def: &DomainDef, target: &str) -> Option<usize> {
    def.devices
        .disks
        .iter()
        .position(|d| d.target_dev == target)
}

/// The ids of the devices QEMU has now (`/machine/peripheral`).
fn peripherals(mon: &mut Monitor<UnixStream>) -> QemuResult<Vec<String>> {
    let list = mon.execute("qom-list", Some(json!({"path": "/machine/peripheral"})))?;
    Ok(list
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|p| {
                    p.get("type")
                        .and_then(Value::as_str)
                        .is_some_and(|t| t.starts_with("child<"))
                })
                .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

/// The format node of the drive the device with id `qdev` uses.
pub(super) fn drive_node_of(
    mon: &mut Monitor<UnixStream>,
    qdev: &str,
) -> QemuResult<Option<String>> {
    let blocks = mon.execute("query-block", None)?;
    let long = format!("/machine/peripheral/{qdev}");
    Ok(blocks.as_array().and_then(|a| {
        a.iter()
            .find(|b| {
                b.get("qdev")
                    .and_then(Value::as_str)
                    .is_some_and(|q| q == qdev || q == long || q.starts_with(&format!("{long}/")))
            })
            .and_then(|b| b.pointer("/inserted/node-name"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }))
}

/// Remove a drive's format node and the storage node under it.
pub(super) fn delete_drive_nodes(mon: &mut Monitor<UnixStream>, format_node: &str) {
    let _ = mon.execute("blockdev-del", Some(json!({"node-name": format_node})));
    if let Some(base) = format_node.strip_suffix("-format") {
        let _ = mon.execute(
            "blockdev-del",
            Some(json!({"node-name": format!("{base}-storage")})),
        );
    }
}

/// Ask QEMU to unplug device `id` and wait for the guest to let it go.
/// True when DEVICE_DELETED came in time. Every event read meanwhile goes
/// back into the session's queue: in the daemon, its loop turns them into
/// libvirt's events (DEVICE_REMOVED among them) when the session returns.
fn unplug(mon: &mut Monitor<UnixStream>, id: &str, wait: Duration) -> QemuResult<bool> {
    mon.execute("device_del", Some(json!({"id": id})))?;
    let deleted = |e: &Event| {
        e.name == "DEVICE_DELETED" && e.data.get("device").and_then(Value::as_str) == Some(id)
    };
    let end = Instant::now() + wait;
    let mut read = mon.take_events();
    let mut seen = read.iter().any(deleted);
    let mut rejected = false;
    while !seen && !rejected {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let _ = mon.stream().set_read_timeout(Some(left));
        match mon.next_event() {
            Ok(e) => {
                rejected = e.name == "DEVICE_UNPLUG_GUEST_ERROR";
                seen = deleted(&e);
                read.push(e);
            }
            // The read timed out: the guest has not answered.
            Err(_) => break,
        }
    }
    let _ = mon.stream().set_read_timeout(Some(MONITOR_TIMEOUT));
    mon.requeue(read);
    if rejected {
        return Err(QemuError::Failed(
            "unplug of device was rejected by the guest".into(),
        ));
    }
    Ok(seen)
}

/// How disks of bus `bus` are plugged into a running guest (`None`: they
/// cannot be).
fn hotplug_driver(bus: &str, device: &str) -> Option<&'static str> {
    match (bus, device) {
        ("virtio", "disk") => Some("virtio-blk-pci"),
        ("scsi", "disk") => Some("scsi-hd"),
        ("scsi", "cdrom") => Some("scsi-cd"),
        _ => None,
    }
}

impl QemuDriver {
    /// virDomainAttachDeviceFlags.
    pub(super) fn attach_device(&self, dom: &DomainRef, xml: &str, flags: u32) -> QemuResult<()> {
        check_flags(
            flags,
            affect::LIVE | affect::CONFIG,
            "qemuDomainAttachDeviceFlags",
        )?;
        let device = parse_device(xml)?;
        let for_config = device.clone();
        self.change_devices(
            dom,
            flags,
            |def| {
                add_to_config(def, for_config)?;
                argv::build(def, &check_context())?;
                Ok(())
            },
            |_, rt, def| {
                let mut mon = self.plug_session(rt, def)?;
                match device {
                    Device::Disk(disk) => attach_disk_live(&mut mon, def, disk),
                    Device::Interface(iface) => attach_interface_live(&mut mon, def, iface),
                    Device::Memory(element, module) => {
                        attach_memory_live(&mut mon, def, element, module)
                    }
                }
            },
        )
    }

    /// virDomainDetachDeviceFlags.
    pub(super) fn detach_device(&self, dom: &DomainRef, xml: &str, flags: u32) -> QemuResult<()> {
        check_flags(
            flags,
            affect::LIVE | affect::CONFIG,
            "qemuDomainDetachDeviceFlags",
        )?;
        let device = parse_device(xml)?;
        self.change_devices(
            dom,
            flags,
            |def| {
                match &device {
                    Device::Disk(disk) => {
                        let i = disk_index(def, &disk.target_dev).ok_or_else(|| {
                            QemuError::DeviceMissing(format!(
                                "no target device {}",
                                disk.target_dev
                            ))
                        })?;
                        def.devices.disks.remove(i);
                    }
                    Device::Interface(iface) => {
                        let i = find_interface(def, iface)?;
                        def.devices.interfaces.remove(i);
                    }
                    Device::Memory(_, module) => {
                        let i = find_memory(def, module)?;
                        def.devices.other.remove(i);
                        dimm::update_totals(def)?;
                    }
                }
                Ok(())
            },
            |name, rt, def| {
                let mut mon = self.plug_session(rt, def)?;
                let (id, drive) = match &device {
                    Device::Disk(disk) => {
                        let i = disk_index(def, &disk.target_dev).ok_or_else(|| {
                            QemuError::DeviceMissing(format!("disk {} not found", disk.target_dev))
                        })?;
                        let found = &def.devices.disks[i];
                        let bus = found.target_bus.as_deref().unwrap_or("");
                        if hotplug_driver(bus, disk_device(found)).is_none() {
                            return Err(QemuError::OperationUnsupported(format!(
                                "This type of disk cannot be hot unplugged: bus '{bus}'"
                            )));
                        }
                        let id = found.target_dev.clone();
                        let node = drive_node_of(&mut mon, &id)?;
                        (id, node)
                    }
                    Device::Interface(iface) => {
                        pin_interface_aliases(def);
                        let i = find_interface(def, iface)?;
                        let alias = alias_of(&def.devices.interfaces[i]).unwrap_or_default();
                        (alias, None)
                    }
                    Device::Memory(_, module) => {
                        let i = find_memory(def, module)?;
                        (Dimm::from_element(&def.devices.other[i])?.alias(), None)
                    }
                };
                // The aliases pinned above must outlive a timed-out unplug.
                self.store_live(def, rt.id)?;
                if unplug(&mut mon, &id, UNPLUG_WAIT)? {
                    release_backend(&mut mon, &device, &id, drive.as_deref());
                    remove_from_live(def, &id);
                } else {
                    log::warn!(
                        "guest of domain '{}' has not released device '{id}' yet",
                        name
                    );
                }
                Ok(())
            },
        )
    }

    /// virDomainUpdateDeviceFlags: a CD-ROM's or floppy's media (live with
    /// QMP `blockdev-change-medium` / `eject`), or any disk of the
    /// persistent definition.
    pub(super) fn update_device(&self, dom: &DomainRef, xml: &str, flags: u32) -> QemuResult<()> {
        check_flags(
            flags,
            affect::LIVE | affect::CONFIG | device_modify::FORCE,
            "qemuDomainUpdateDeviceFlags",
        )?;
        let Device::Disk(disk) = parse_device(xml)? else {
            return Err(QemuError::OperationUnsupported(
                "only disk media can be updated by this driver".into(),
            ));
        };
        let target = |def: &DomainDef| {
            disk_index(def, &disk.target_dev).ok_or_else(|| {
                QemuError::InvalidArg(format!("target {} doesn't exist.", disk.target_dev))
            })
        };
        self.change_devices(
            dom,
            flags,
            |def| {
                let i = target(def)?;
                def.devices.disks[i] = replaced_disk(&def.devices.disks[i], &disk);
                argv::build(def, &check_context())?;
                Ok(())
            },
            |_, rt, def| {
                let i = target(def)?;
                let old = &def.devices.disks[i];
                if !matches!(disk_device(old), "cdrom" | "floppy") {
                    return Err(QemuError::OperationUnsupported(format!(
                        "disk '{}' of device type '{}' cannot change its media while running",
                        old.target_dev,
                        disk_device(old)
                    )));
                }
                let mut mon = Self::monitor_session(rt)?;
                change_media(&mut mon, &disk, flags & device_modify::FORCE != 0)?;
                def.devices.disks[i] = replaced_disk(old, &disk);
                Ok(())
            },
        )
    }

    /// The frame of the device calls (qemuDomainAttachDeviceFlags and its
    /// siblings): the definitions `flags` choose; the persistent one
    /// changed by `config` first, so that a refusal there changes nothing;
    /// then the running guest by `live` (given the domain's name, its
    /// runtime record and live definition, stored after); the persistent
    /// change stored last.
    fn change_devices(
        &self,
        dom: &DomainRef,
        flags: u32,
        config: impl FnOnce(&mut DomainDef) -> QemuResult<()>,
        live: impl FnOnce(&str, &Runtime, &mut DomainDef) -> QemuResult<()>,
    ) -> QemuResult<()> {
        let (d, defs) = self.open_affected(dom, flags)?;
        let new_config = if defs.config {
            let mut def = self.def(&d.name, false)?;
            config(&mut def)?;
            Some(def)
        } else {
            None
        };
        if defs.live {
            let rt = d.runtime()?;
            let mut def = self.def(&d.name, true)?;
            live(&d.name, rt, &mut def)?;
            self.store_live(&def, rt.id)?;
        }
        if let Some(def) = new_config {
            self.store_config(&def)?;
        }
        Ok(())
    }

    /// A monitor session for plugging or unplugging, after the removals
    /// the guest granted since the last call are finished.
    fn plug_session(&self, rt: &Runtime, def: &mut DomainDef) -> QemuResult<MonitorSession> {
        let mut mon = Self::monitor_session(rt)?;
        self.finish_unplugs(&mut mon, def)?;
        Ok(mon)
    }

    /// Finish the removals a guest granted after their detach call gave
    /// up waiting: a device of the live definition QEMU no longer has.
    fn finish_unplugs(&self, mon: &mut Monitor<UnixStream>, def: &mut DomainDef) -> QemuResult<()> {
        let have = peripherals(mon)?;
        let gone_disks: Vec<String> = def
            .devices
            .disks
            .iter()
            .filter(|d| {
                hotplug_driver(d.target_bus.as_deref().unwrap_or(""), disk_device(d)).is_some()
                    && !have.contains(&d.target_dev)
            })
            .map(|d| d.target_dev.clone())
            .collect();
        for id in gone_disks {
            let hp = format!("hp-{id}-format");
            delete_drive_nodes(mon, &hp);
            remove_from_live(def, &id);
        }
        let gone_nics: Vec<String> = def
            .devices
            .interfaces
            .iter()
            .filter_map(alias_of)
            .filter(|a| !have.contains(a))
            .collect();
        for id in gone_nics {
            let _ = mon.execute("netdev_del", Some(json!({"id": netdev_of(&id)})));
            remove_from_live(def, &id);
        }
        let gone_modules: Vec<String> = dimm::dimms(def)?
            .into_iter()
            .map(|(_, m)| m.alias())
            .filter(|a| !have.contains(a))
            .collect();
        for id in gone_modules {
            let _ = mon.execute("object-del", Some(json!({"id": format!("mem{id}")})));
            remove_from_live(def, &id);
        }
        Ok(())
    }
}

/// A definition good enough for `argv::build`'s checks.
fn check_context() -> LaunchContext {
    LaunchContext {
        emulator: DEFAULT_EMULATOR.into(),
        monitor: MonitorSocket::Fd(process::MONITOR_FD),
        kvm_usable: true,
        incoming: None,
        tap_fds: Vec::new(),
    }
}

/// Add a device to a persistent definition, with libvirt's refusals.
fn add_to_config(def: &mut DomainDef, device: Device) -> QemuResult<()> {
    match device {
        Device::Disk(disk) => {
            if disk_index(def, &disk.target_dev).is_some() {
                return Err(QemuError::Invalid(format!(
                    "target {} already exists",
                    disk.target_dev
                )));
            }
            def.devices.disks.push(disk);
            def.fill_defaults();
            address::assign(def);
        }
        Device::Interface(mut iface) => {
            check_mac_free(def, &iface)?;
            iface.mac.get_or_insert_with(new_mac);
            def.devices.interfaces.push(iface);
            address::assign(def);
        }
        Device::Memory(element, module) => {
            insert_memory(def, element, module, false)?;
        }
    }
    Ok(())
}

/// A MAC address in QEMU's range, as libvirt makes them.
fn new_mac() -> String {
    let b = Uuid::new_v4().into_bytes();
    format!("52:54:00:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2])
}

/// Plug a disk into a running guest and add it to its live definition.
fn attach_disk_live(
    mon: &mut Monitor<UnixStream>,
    def: &mut DomainDef,
    disk: Disk,
) -> QemuResult<()> {
    let dev = disk.target_dev.clone();
    if let Some(i) = disk_index(def, &dev) {
        // As libvirt: attaching a CD-ROM or floppy that is there changes
        // its media.
        if matches!(disk_device(&disk), "cdrom" | "floppy") {
            change_media(mon, &disk, false)?;
            def.devices.disks[i] = replaced_disk(&def.devices.disks[i], &disk);
            return Ok(());
        }
        return Err(QemuError::Failed(format!("target {dev} already exists")));
    }
    // Bus, drive address and controller as a definition would get them.
    let controllers_before = def.devices.other.len();
    def.devices.disks.push(disk);
    def.fill_defaults();
    let new_controllers: Vec<Element> = def.devices.other[controllers_before..].to_vec();
    let disk = def.devices.disks.last().cloned().unwrap_or_default();
    let bus = disk.target_bus.clone().unwrap_or_default();
    let Some(driver) = hotplug_driver(&bus, disk_device(&disk)) else {
        return Err(QemuError::OperationUnsupported(format!(
            "disk bus '{bus}' cannot be hotplugged."
        )));
    };
    let mut have = peripherals(mon)?;
    for (n, c) in new_controllers.iter().enumerate() {
        if c.name != Controller::TAG {
            continue;
        }
        let c = Controller::from_element(c)?;
        if c.controller_type != "scsi" {
            continue;
        }
        let id = format!("scsi{}", c.index.unwrap_or(0));
        if !have.contains(&id) {
            let mut device = json!({"driver": "virtio-scsi-pci", "id": id});
            let address = place_pci_device(mon, def, &have, &mut device)?;
            mon.execute("device_add", Some(device))?;
            if let Some(a) = address {
                def.devices.other[controllers_before + n]
                    .children
                    .push(Node::Element(a));
            }
            have.push(id);
        }
    }
    let node = format!("hp-{dev}");
    let nodes = blockdev_nodes(&disk, &node)?;
    let mut device = json!({"driver": driver, "id": dev});
    if let Some((storage, format)) = &nodes {
        mon.execute("blockdev-add", Some(storage.clone()))?;
        if let Err(e) = mon.execute("blockdev-add", Some(format.clone())) {
            let _ = mon.execute(
                "blockdev-del",
                Some(json!({"node-name": format!("{node}-storage")})),
            );
            return Err(e);
        }
        device["drive"] = json!(format!("{node}-format"));
    }
    if bus == "scsi" {
        let (controller, dbus, unit) = drive_address(&disk);
        let target = drive_address_target(&disk);
        device["bus"] = json!(format!("scsi{controller}.0"));
        device["channel"] = json!(dbus);
        device["scsi-id"] = json!(target);
        device["lun"] = json!(unit);
    }
    if driver.ends_with("-pci") {
        let address = place_pci_device(mon, def, &have, &mut device)?;
        if let (Some(a), Some(d)) = (address, def.devices.disks.last_mut()) {
            d.extra.push(a);
        }
    }
    if let Err(e) = mon.execute("device_add", Some(device)) {
        if nodes.is_some() {
            delete_drive_nodes(mon, &format!("{node}-format"));
        }
        return Err(e);
    }
    Ok(())
}

/// Refuse an interface whose MAC address one of `def` has already (in
/// any case): asked alike of the persistent and the live definition.
fn check_mac_free(def: &DomainDef, iface: &Interface) -> QemuResult<()> {
    let Some(m) = &iface.mac else {
        return Ok(());
    };
    let taken = def
        .devices
        .interfaces
        .iter()
        .any(|i| i.mac.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(m)));
    if taken {
        return Err(QemuError::Invalid(format!(
            "domain already has an interface with MAC address {m}"
        )));
    }
    Ok(())
}

/// Plug a network interface into a running guest and add it to its live
/// definition.
fn attach_interface_live(
    mon: &mut Monitor<UnixStream>,
    def: &mut DomainDef,
    mut iface: Interface,
) -> QemuResult<()> {
    pin_interface_aliases(def);
    check_mac_free(def, &iface)?;
    let mac = iface.mac.get_or_insert_with(new_mac).clone();
    let have = peripherals(mon)?;
    let used = |n: &usize| {
        let a = format!("net{n}");
        have.contains(&a)
            || def
                .devices
                .interfaces
                .iter()
                .any(|i| alias_of(i).as_ref() == Some(&a))
    };
    let n = (0..).find(|n| !used(n)).unwrap_or(0);
    let alias = format!("net{n}");
    let netdev_id = netdev_of(&alias);
    let netdev = match iface.iface_type.as_str() {
        "user" => json!({"type": "user", "id": netdev_id}),
        "ethernet" => {
            let mut v = json!({"type": "tap", "id": netdev_id, "script": "no", "downscript": "no"});
            if let Some(t) = &iface.target_dev {
                v["ifname"] = json!(t);
            }
            v
        }
        "bridge" => {
            let source = iface.typed_source()?;
            let br = source.bridge.ok_or_else(|| {
                QemuError::Unsupported("bridge interface without <source bridge='...'/>".into())
            })?;
            json!({"type": "bridge", "id": netdev_id, "br": br})
        }
        t => {
            return Err(QemuError::OperationUnsupported(format!(
                "device type 'interface' of type '{t}' cannot be hot plugged by this driver"
            )))
        }
    };
    let driver = nic_device(iface.model.as_deref().unwrap_or(default_nic_model(def)))?;
    let mut device = json!({"driver": driver, "netdev": netdev_id, "id": alias, "mac": mac});
    let address = place_pci_device(mon, def, &have, &mut device)?;
    mon.execute("netdev_add", Some(netdev))?;
    if let Err(e) = mon.execute("device_add", Some(device)) {
        let _ = mon.execute("netdev_del", Some(json!({"id": netdev_id})));
        return Err(e);
    }
    iface.add_part(&alias_named(alias));
    iface.extra.extend(address);
    def.devices.interfaces.push(iface);
    Ok(())
}

/// On q35, put a hot-plugged PCI device on the free root port QEMU has
/// (pcie.0 takes no hot-plugged device), as libvirt does: its `bus` and
/// `addr` on `device`, and the `<address>` for the live definition.
/// libvirt's error when every root port is taken; nothing on a machine
/// without root ports (i440fx plugs into bus 0).
fn place_on_root_port(
    def: &DomainDef,
    have: &[String],
    device: &mut Value,
) -> QemuResult<Option<Element>> {
    let present = |p: u32| have.iter().any(|h| *h == format!("pci.{p}"));
    if let Some(port) = address::hotplug_root_port(def, present) {
        device["bus"] = json!(format!("pci.{port}"));
        device["addr"] = json!("0x0");
        let at = PciAddress {
            bus: port,
            slot: 0,
            function: 0,
        };
        return Ok(Some(at.to_address(false).to_element()));
    }
    let q35 = def.os.machine.as_deref().is_some_and(|m| m.contains("q35"));
    if q35 && have.iter().any(|h| h.starts_with("pci.")) {
        return Err(QemuError::Internal("No more available PCI slots".into()));
    }
    Ok(None)
}

/// Where a hot-plugged PCI device goes, as libvirt places it: on q35 the
/// free root port ([`place_on_root_port`]); on i440fx the lowest free
/// slot of bus 0 (free in the live definition and in what QEMU's
/// `query-pci` reports), given to QEMU as `bus`/`addr` and kept as the
/// device's `<address>`, so the live XML says where it is and a restore
/// puts it there again. libvirt's error when no slot is left.
fn place_pci_device(
    mon: &mut Monitor<UnixStream>,
    def: &DomainDef,
    have: &[String],
    device: &mut Value,
) -> QemuResult<Option<Element>> {
    if !address::is_i440fx(def) {
        return place_on_root_port(def, have, device);
    }
    let in_use = qemu_bus0_slots(mon)?;
    let Some(at) = address::hotplug_slot(def, |s| in_use.contains(&s)) else {
        return Err(QemuError::Internal("No more available PCI slots".into()));
    };
    device["bus"] = json!("pci.0");
    device["addr"] = json!(format!("0x{:x}", at.slot));
    Ok(Some(at.to_address(false).to_element()))
}

/// The slots of PCI bus 0 that hold a device, as QEMU reports them.
fn qemu_bus0_slots(mon: &mut Monitor<UnixStream>) -> QemuResult<Vec<u32>> {
    let buses = mon.execute("query-pci", None)?;
    Ok(buses
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["bus"] == 0)
        .flat_map(|b| b["devices"].as_array().cloned().unwrap_or_default())
        .filter_map(|d| d["slot"].as_u64().and_then(|s| u32::try_from(s).ok()))
        .collect())
}

/// The NIC model the command line gives an interface without one.
fn default_nic_model(def: &DomainDef) -> &'static str {
    if def.os.machine.as_deref().is_some_and(|m| m.contains("q35")) {
        "e1000e"
    } else {
        "rtl8139"
    }
}

/// After the guest released device `id`: remove what fed it.
fn release_backend(mon: &mut Monitor<UnixStream>, device: &Device, id: &str, drive: Option<&str>) {
    match device {
        Device::Disk(_) => {
            if let Some(node) = drive {
                delete_drive_nodes(mon, node);
            }
        }
        Device::Interface(_) => {
            let _ = mon.execute("netdev_del", Some(json!({"id": netdev_of(id)})));
        }
        Device::Memory(..) => {
            let _ = mon.execute("object-del", Some(json!({"id": format!("mem{id}")})));
        }
    }
}

/// Drop the disk, interface or memory module QEMU knows as `id` from a
/// live definition (a module's size leaves `<memory>` with it).
fn remove_from_live(def: &mut DomainDef, id: &str) {
    def.devices.disks.retain(|d| d.target_dev != id);
    def.devices
        .interfaces
        .retain(|i| alias_of(i).as_deref() != Some(id));
    let before = def.devices.other.len();
    def.devices.other.retain(|e| {
        e.name != MemoryDevice::TAG || Dimm::from_element(e).map_or(true, |d| d.alias() != id)
    });
    if def.devices.other.len() != before {
        let _ = dimm::update_totals(def);
    }
}

/// The memory module of `def` that `wanted` names (libvirt's
/// `virDomainMemoryFindByDef`): same size and node, and same slot when
/// `wanted` gives one.
fn find_memory(def: &DomainDef, wanted: &Dimm) -> QemuResult<usize> {
    dimm::dimms(def)?
        .into_iter()
        .find(|(_, d)| {
            d.size == wanted.size
                && d.node == wanted.node
                && wanted.slot.is_none_or(|s| d.slot == Some(s))
                && wanted.base.is_none_or(|b| d.base == Some(b))
        })
        .map(|(i, _)| i)
        .ok_or_else(|| QemuError::DeviceMissing("matching memory device was not found".into()))
}

/// Give `module` a free slot of `def` (unless it names one) and add it to
/// `def`'s devices, `<memory>` and `<currentMemory>` raised by its size,
/// after libvirt's checks. Returns the module as placed.
fn insert_memory(
    def: &mut DomainDef,
    mut element: Element,
    mut module: Dimm,
    live: bool,
) -> QemuResult<Dimm> {
    dimm::validate(def, Some(&module))?;
    let modules = dimm::dimms(def)?;
    match module.slot {
        Some(s) if modules.iter().any(|(_, d)| d.slot == Some(s)) => {
            return Err(QemuError::Unsupported(format!(
                "memory device slot '{s}' is already being used by another memory device"
            )))
        }
        Some(_) => {}
        None => module.slot = Some(dimm::free_slot(def, &modules)?),
    }
    module.write_into(&mut element, live)?;
    def.devices.other.push(element);
    dimm::update_totals(def)?;
    Ok(module)
}

/// Plug a memory module into a running guest (`object-add` of its
/// backend, then `device_add` of the `pc-dimm`) and add it to the live
/// definition with the guest physical address QEMU chose.
fn attach_memory_live(
    mon: &mut Monitor<UnixStream>,
    def: &mut DomainDef,
    element: Element,
    module: Dimm,
) -> QemuResult<()> {
    let module = insert_memory(def, element, module, true)?;
    mon.execute("object-add", Some(module.backend()))?;
    if let Err(e) = mon.execute("device_add", Some(module.device())) {
        let _ = mon.execute(
            "object-del",
            Some(json!({"id": format!("mem{}", module.alias())})),
        );
        return Err(e);
    }
    // libvirt's qemuDomainUpdateMemoryDeviceInfo: best effort.
    if let Ok(list) = mon.execute("query-memory-devices", None) {
        let placed = crate::qmp::memory_devices(&list);
        for e in def
            .devices
            .other
            .iter_mut()
            .filter(|e| e.name == MemoryDevice::TAG)
        {
            if let Ok(mut d) = Dimm::from_element(e) {
                if let Some(m) = placed.iter().find(|m| m.id == d.alias()) {
                    d.base = Some(m.addr);
                    d.write_into(e, true)?;
                }
            }
        }
    }
    Ok(())
}

/// `old` with the media (source, format) of `new`, its place kept.
fn replaced_disk(old: &Disk, new: &Disk) -> Disk {
    let mut disk = new.clone();
    if disk.target_bus.is_none() {
        disk.target_bus = old.target_bus.clone();
    }
    if let (Ok(None), Ok(Some(a))) = (disk.part::<Address>(), old.part::<Address>()) {
        disk.set_part(Some(&a));
    }
    disk
}

/// Eject the media of CD-ROM or floppy `disk.target_dev` and insert
/// `disk`'s (none: the drive stays empty).
fn change_media(mon: &mut Monitor<UnixStream>, disk: &Disk, force: bool) -> QemuResult<()> {
    let id = disk.target_dev.as_str();
    match disk.source.as_deref().filter(|s| !s.is_empty()) {
        None => {
            mon.execute("eject", Some(json!({"id": id, "force": force})))?;
        }
        Some(src) => {
            let format = disk.driver_type.as_deref().unwrap_or("raw");
            mon.execute(
                "blockdev-change-medium",
                Some(json!({
                    "id": id,
                    "filename": src,
                    "format": format,
                    "read-only-mode": if disk.readonly || disk_device(disk) == "cdrom" {
                        "read-only"
                    } else {
                        "retain"
                    },
                    "force": force,
                })),
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_xml_is_read_as_in_a_domain() {
        let Ok(Device::Disk(d)) = parse_device(
            "<disk type='file' device='disk'><source file='/x.img'/><target dev='vdb' bus='virtio'/></disk>",
        ) else {
            panic!("disk expected");
        };
        assert_eq!(
            (d.target_dev.as_str(), d.source.as_deref()),
            ("vdb", Some("/x.img"))
        );
        assert!(matches!(
            parse_device("<interface type='user'><mac address='52:54:00:00:00:01'/></interface>"),
            Ok(Device::Interface(_))
        ));
        let e = parse_device("<sound model='ac97'/>").expect_err("unsupported");
        assert!(e.to_string().starts_with("Operation not supported"), "{e}");
        assert!(parse_device("<disk").is_err());
    }

    #[test]
    fn config_refuses_duplicates_and_fills_defaults() {
        let mut def = virt_xml::parse_domain(
            "<domain type='qemu'><name>h</name><memory>1024</memory><os><type>hvm</type></os>\
             <devices><disk type='file'><source file='/a'/><target dev='vda' bus='virtio'/></disk></devices></domain>",
        )
        .expect("xml");
        let Ok(dup) =
            parse_device("<disk type='file'><source file='/b'/><target dev='vda'/></disk>")
        else {
            panic!("parse");
        };
        let e = add_to_config(&mut def, dup).expect_err("duplicate");
        assert_eq!(
            e.to_string(),
            "Requested operation is not valid: target vda already exists"
        );
        let Ok(scsi) =
            parse_device("<disk type='file'><source file='/b'/><target dev='sdb'/></disk>")
        else {
            panic!("parse");
        };
        add_to_config(&mut def, scsi).expect("add");
        assert_eq!(def.devices.disks[1].target_bus.as_deref(), Some("scsi"));
        assert!(def
            .devices
            .views::<Controller>()
            .expect("controllers")
            .iter()
            .any(|c| c.controller_type == "scsi"));
    }

    #[test]
    fn interfaces_are_found_by_mac_or_alone() {
        let mut def = virt_xml::parse_domain(
            "<domain type='qemu'><name>h</name><memory>1024</memory><os><type>hvm</type></os><devices>\
             <interface type='user'><mac address='52:54:00:00:00:01'/></interface>\
             <interface type='user'><mac address='52:54:00:00:00:02'/></interface></devices></domain>",
        )
        .expect("xml");
        let by = |m: Option<&str>| Interface {
            mac: m.map(str::to_string),
            ..Interface::default()
        };
        assert_eq!(
            find_interface(&def, &by(Some("52:54:00:00:00:02"))).ok(),
            Some(1)
        );
        let e = find_interface(&def, &by(Some("52:54:00:00:00:03"))).expect_err("missing");
        assert_eq!(
            e.to_string(),
            "device not found: no device matching MAC address 52:54:00:00:00:03 found"
        );
        assert!(find_interface(&def, &by(None)).is_err());
        pin_interface_aliases(&mut def);
        assert_eq!(
            alias_of(&def.devices.interfaces[1]).as_deref(),
            Some("net1")
        );
        remove_from_live(&mut def, "net0");
        assert_eq!(def.devices.interfaces.len(), 1);
        assert_eq!(find_interface(&def, &by(None)).ok(), Some(0));
    }
}
