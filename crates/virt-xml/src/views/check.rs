//! The define-time checks of the parts the model keeps as stored elements:
//! each part a view reads is read the way libvirt's parser reads it, in
//! libvirt's order (see `validate::Step`), so that a bad value is refused
//! with libvirt's error.

use super::*;

/// Check what the model keeps as stored elements the way libvirt checks
/// it on define: each part a typed view reads must read (values of the
/// wrong kind, names outside an enumeration are refused with libvirt's
/// error); what no view reads (unknown content) is left alone.
pub(crate) fn check_definition(def: &DomainDef, r: &mut Refusals) {
    if let Some((_, attrs)) = def.leaf_attrs.iter().find(|(e, _)| e == "memory") {
        r.check(Step::Memory, || MemoryDumpCore::check_attrs(attrs));
    }
    for e in def.extra.iter().filter(|e| !placed_top(&e.name)) {
        r.check(Step::top(&e.name), || check_part(Parent::Domain, e));
    }
    if let Some(f) = &def.features {
        // Even a bare flag may lack what libvirt requires (`<msrs/>`).
        r.check(Step::Features, || Features::check(f));
    }
    // The boot devices are read after the loader, before the boot menu
    // and the BIOS options.
    let late = |e: &&Element| matches!(e.name.as_str(), "bootmenu" | "bios");
    for e in def.os.extra.iter().filter(|e| !late(e)) {
        r.check(Step::Boot, || check_part(Parent::Os, e));
    }
    r.check(Step::Boot, || crate::validate::check_boot_devices(def));
    // `./os/bootmenu[1]`, `./os/bios[1]` (HVM guests).
    let hvm = def.os.os_type == "hvm";
    for name in ["bootmenu", "bios"].into_iter().filter(|_| hvm) {
        if let Some(e) = def.os.extra.iter().find(|e| e.name == name) {
            r.check(Step::Boot, || check_boot_options(e));
        }
    }
    let devices = &def.devices;
    use crate::validate::check_device_info as info;
    for disk in &devices.disks {
        r.check(Step::device("disk"), || {
            // Its type first (`virXMLPropEnumDefault`, file by default,
            // none refused).
            let t = disk.disk_type.as_str();
            if t == "none" || !crate::validate::STORAGE_TYPES.contains(&t) {
                return Err(XmlError::Invalid(format!(
                    "Invalid value for attribute 'type' in element 'disk': '{t}'."
                )));
            }
            // The storage source first: the disk's first <source> (kept
            // as its main attribute when it has no other), the <auth>
            // and <encryption> beside it, its backing chain.
            let key = crate::parse::disk_source_key(&disk.disk_type);
            let source = disk.extra.iter().find(|e| e.name == "source");
            // A file, block or directory source kept as its path alone
            // has nothing libvirt refuses (virDomainStorageSourceParse
            // takes the path as it is, and the rest it reads are
            // children): it is not made into an element to be checked.
            let path_only = matches!(disk.disk_type.as_str(), "file" | "block" | "dir");
            let plain = disk
                .source
                .as_deref()
                .filter(|_| source.is_none() && !path_only)
                .map(|v| Element::new("source").with_attr(key, v));
            crate::validate::check_disk_source(&disk.disk_type, source.or(plain.as_ref()))?;
            disk::check_source_auth(source, &disk.extra)?;
            let backing = disk.extra.iter().find(|e| e.name == "backingStore");
            crate::validate::check_backing_store(backing)?;
            disk::check_disk_body(disk)?;
            // The parts read before (the body's) or only once (the first
            // of each identity string).
            let mut seen: Vec<&str> = Vec::new();
            for e in &disk.extra {
                let name = e.name.as_str();
                let body = matches!(
                    name,
                    "target" | "geometry" | "blockio" | "driver" | "transient"
                );
                let once = matches!(name, "wwn" | "vendor" | "product");
                if body || (once && seen.contains(&name)) {
                    continue;
                }
                seen.push(name);
                check_part(Parent::Disk, e)?;
                disk::check_disk_iotune(e, &disk.extra)?;
            }
            info(|n| disk.extra.iter().find(|e| e.name == n))
        });
    }
    for iface in &devices.interfaces {
        r.check(Step::device("interface"), || {
            interface::check_interface(iface, def.domain_type == "xen")
        });
    }
    for c in &devices.chardevs {
        // virDomainChrDefParseXML: the target, the sources, the log,
        // the source type against the target, the address.
        r.check(Step::device(&c.kind), || {
            // virDomainChrDefParseXML reads the device's type first (no
            // type is a pty; an empty one is unknown: seed 17's gen2433),
            // then the (first) target, then the sources.
            if let Some(t) = c.dev_type.as_deref() {
                if !super::devices::CHARDEV_TYPES.contains(&t) {
                    return Err(XmlError::Unsupported(format!(
                        "unknown type presented to host for character device: {t}"
                    )));
                }
            }
            let target = c.extra.iter().find(|e| e.name == "target");
            peripherals::check_chr_target(&c.kind, target)?;
            let dev_type = c.dev_type.as_deref().unwrap_or("pty");
            crate::validate::check_chardev_source(dev_type, &c.extra)?;
            for e in &c.extra {
                check_part(Parent::CharDev, e)?;
            }
            peripherals::check_spicevmc(c)?;
            info(|n| c.extra.iter().find(|e| e.name == n))?;
            peripherals::check_usb_serial_address(c)
        });
    }
    // (The displays are read where they are parsed: check_graphics_def.)
    for e in &devices.other {
        r.check(Step::device(&e.name), || {
            // virDomainPanicDefParseXML reads the device information
            // before the model (the other devices after their own parts).
            let info_first = e.name == "panic";
            if info_first && crate::validate::reads_device_info(e) {
                info(|n| e.child(n))?;
            }
            check_part(Parent::Devices, e)?;
            if !info_first && crate::validate::reads_device_info(e) {
                // The boot entry is read before the ACPI index and the
                // address (virDomainDeviceInfoParseXML).
                if matches!(e.name.as_str(), "hostdev" | "filesystem" | "redirdev") {
                    crate::validate::check_boot_entry(e.child("boot"))?;
                }
                info(|n| e.child(n))?;
            }
            peripherals::check_usb_address(e, def)?;
            // virDomainInputDefParseXML reads the source and the virtio
            // options after the device information and the USB address,
            // virDomainControllerDefParseXML the counts after the device
            // information, the RNG's, the memory balloon's and the vsock's
            // parsers the virtio options of their first <driver>.
            match e.name.as_str() {
                "input" => devices::check_input_source(e),
                "rng" | "memballoon" | "vsock" => {
                    e.child("driver").map_or(Ok(()), VirtioOptions::check)
                }
                "controller" => devices::check_controller_tail(e),
                _ => Ok(()),
            }?;
            check_usb_disabled(def, e)
        });
    }
    // virDomainDefControllersParse, after the controllers are read.
    r.check(Step::device("controller"), || {
        crate::validate::check_usb_controllers(&devices.other)
    });
}

/// Top-level parts checked by `validate::check_parsed` at their step of
/// libvirt's order, with the checks libvirt makes of them while reading
/// ([`check_top`]); the others are checked by [`check_definition`].
#[cfg(test)]
pub(super) const PLACED: &[&str] = &[
    "seclabel",
    "memoryBacking",
    "blkiotune",
    "memtune",
    "vcpus",
    "iothreads",
    "iothreadids",
    "defaultiothread",
    "cputune",
    "cpu",
    "numatune",
    "on_lockfailure",
    "pm",
    "perf",
    "clock",
    "launchSecurity",
    "idmap",
    "sysinfo",
    "keywrap",
];

/// Whether `name` is one of `PLACED`: a match, not a search of the
/// list, as every top-level element of every define asks it (a test
/// keeps the two in step).
fn placed_top(name: &str) -> bool {
    matches!(
        name,
        "seclabel"
            | "memoryBacking"
            | "blkiotune"
            | "memtune"
            | "vcpus"
            | "iothreads"
            | "iothreadids"
            | "defaultiothread"
            | "cputune"
            | "cpu"
            | "numatune"
            | "on_lockfailure"
            | "pm"
            | "perf"
            | "clock"
            | "launchSecurity"
            | "idmap"
            | "sysinfo"
            | "keywrap"
    )
}

/// Check every top-level element `name` through its view.
pub(crate) fn check_each(def: &DomainDef, name: &str) -> Result<(), XmlError> {
    def.extra
        .iter()
        .filter(|e| e.name == name)
        .try_for_each(|e| check_part(Parent::Domain, e))
}

/// The `<cachetune>`s and `<memorytune>`s of a `<cputune>` over any of
/// the domain's `vcpus` vCPUs (virDomainResctrlParseVcpus shrinks a
/// group's set to them; libvirt reads no further into a group with none
/// left).
pub(crate) fn check_resctrl(cputune: &Element, vcpus: u32) -> Result<(), XmlError> {
    let read = |group: &&Element| {
        group.attr("vcpus").is_none_or(|v| {
            crate::validate::bitmap(v, crate::validate::CPUMASK_LEN)
                .is_none_or(|set| set.first().is_some_and(|&(lo, _)| lo < u64::from(vcpus)))
        })
    };
    cputune
        .children_named("cachetune")
        .filter(read)
        .try_for_each(CacheTune::check)?;
    cputune
        .children_named("memorytune")
        .filter(read)
        .try_for_each(MemoryTune::check)
}

/// Check the top-level part `name` (one of `PLACED`) as libvirt reads
/// it.
pub(crate) fn check_top(def: &DomainDef, name: &str) -> Result<(), XmlError> {
    match as_libvirt_reads(def, name) {
        Some(e) => check_part(Parent::Domain, &e),
        None => Ok(()),
    }
}

/// Top-level parts whose children libvirt reads from every copy of the
/// part (`./perf/event`): a doubled `<perf>` is read as one holding both
/// lists, so a name given in each is a duplicate.
pub(super) const MERGED: &[&str] = &["blkiotune", "vcpus", "perf", "keywrap"];

/// The top-level part `name` as libvirt reads it: every copy merged into
/// one for the [`MERGED`] parts, else the first.
pub(super) fn as_libvirt_reads<'a>(
    def: &'a DomainDef,
    name: &str,
) -> Option<std::borrow::Cow<'a, Element>> {
    let mut all = def.extra.iter().filter(|e| e.name == name);
    let first = all.next()?;
    let rest: Vec<&Element> = all.collect();
    if rest.is_empty() || !MERGED.contains(&name) {
        return Some(std::borrow::Cow::Borrowed(first));
    }
    let mut merged = first.clone();
    for e in rest {
        merged.children.extend(e.children.iter().cloned());
    }
    Some(std::borrow::Cow::Owned(merged))
}

/// Where a stored element sits, for [`check_part`].
#[derive(Clone, Copy)]
pub(crate) enum Parent {
    Domain,
    Os,
    Disk,
    Interface,
    CharDev,
    Devices,
}

/// Read `el` (a child of `parent`) through its view, for the error only.
pub(crate) fn check_part(parent: Parent, el: &Element) -> Result<(), XmlError> {
    fn read<T: View>(el: &Element) -> Result<(), XmlError> {
        T::check(el)
    }
    match (parent, el.name.as_str()) {
        (Parent::Domain, "cpu") => read::<Cpu>(el),
        (Parent::Domain, "clock") => read::<Clock>(el),
        (Parent::Domain, "seclabel") => read::<SecLabel>(el),
        (Parent::Domain, "numatune") => read::<Numatune>(el),
        (Parent::Domain, "cputune") => {
            read::<Cputune>(el)?;
            // (The vCPU count is the definition's: validate knows it.)
            check_resctrl(el, u32::MAX)
        }
        (Parent::Domain, "memoryBacking") => read::<MemoryBacking>(el),
        (Parent::Domain, "pm") => read::<Pm>(el),
        (Parent::Domain, "memtune") => read::<Memtune>(el),
        // (`<idmap>`: validate::check_idmap_ranges, libvirt's one message.)
        (Parent::Domain, "sysinfo") => read::<Sysinfo>(el),
        (Parent::Domain, "iothreads") => read::<IoThreads>(el),
        (Parent::Domain, "iothreadids") => read::<IoThreadIds>(el),
        (Parent::Domain, "blkiotune") => read::<Blkiotune>(el),
        (Parent::Domain, "vcpus") => read::<Vcpus>(el),
        (Parent::Domain, "perf") => read::<Perf>(el),
        (Parent::Domain, "keywrap") => read::<Keywrap>(el),
        (Parent::Domain, "launchSecurity") => read::<LaunchSecurity>(el),
        (Parent::Domain, "defaultiothread") => read::<DefaultIoThread>(el),
        (Parent::Domain, "on_lockfailure") => read::<OnLockFailure>(el),
        (Parent::Os, "loader") => read::<Loader>(el),
        (Parent::Os, "nvram") => read::<Nvram>(el),
        (Parent::Disk, "driver") => {
            read::<DiskDriver>(el)?;
            // virDomainDiskDefDriverSourceParseXML, after the driver's own.
            crate::validate::metadata_cache_bytes(el).map(drop)
        }
        (Parent::Disk, "source") => {
            read::<DiskSource>(el)?;
            disk::check_source_children(el)
        }
        (Parent::Disk, "backingStore") => read::<BackingStore>(el),
        (Parent::Disk, "target") => read::<DiskTarget>(el),
        (Parent::Disk, "transient") => read::<Transient>(el),
        // virDomainDeviceBootParseXML: the order, then the load
        // parameter (seed 41's gen1617: a disk's `loadparm=' '`).
        (Parent::Disk | Parent::Interface, "boot") => crate::validate::check_boot_entry(Some(el)),
        (Parent::Interface, "driver") => {
            read::<InterfaceDriver>(el)?;
            el.elements()
                .filter(|o| matches!(o.name.as_str(), "host" | "guest"))
                .try_for_each(NetOffloads::check)
        }
        (Parent::Interface, "link") => read::<LinkState>(el),
        (Parent::Interface, "backend") => {
            // virDomainNetBackendParseXML: libvirt 9.0 names passt but
            // refuses it, and `default` is the enumeration's zero: no
            // type reads.
            if let Some(t) = el.attr("type") {
                return Err(XmlError::Invalid(format!(
                    "Invalid value for attribute 'type' in element 'backend': '{t}'."
                )));
            }
            read::<InterfaceBackend>(el)
        }
        (Parent::Interface, "port") => read::<InterfacePort>(el),
        (Parent::Interface, "teaming") => peripherals::check_teaming(el),
        (Parent::Interface, "mtu") => {
            read::<Mtu>(el).map_err(|_| XmlError::Invalid("malformed mtu size".into()))
        }
        (Parent::Interface, "mac") => read::<InterfaceMac>(el),
        (Parent::Interface, "target") => read::<InterfaceTarget>(el),
        (Parent::Interface, "coalesce") => read::<Coalesce>(el),
        (Parent::Interface, "tune") => read::<InterfaceTune>(el),
        (Parent::Interface, "source") => {
            // (Its <ip>s and <route>s: interface::check_interface.)
            el.elements()
                .filter(|c| matches!(c.name.as_str(), "vendor" | "product"))
                .try_for_each(UsbId::check)
        }
        (Parent::Interface, "virtualport") => read::<VirtualPort>(el),
        (Parent::Interface, "vlan") => net_parts::check_vlan(el),
        (Parent::CharDev, "source") => read::<CharSource>(el),
        // Read with the device's kind: peripherals::check_chr_target.
        (Parent::CharDev, "target") => Ok(()),
        (Parent::Devices, "controller") => {
            // (The counts after the device information: check_definition.)
            devices::check_controller_head(el)?;
            check_controller_parts(el)?;
            // (Part of the device information: not read for a USB
            // controller of model none.)
            if !crate::validate::reads_device_info(el) {
                return Ok(());
            }
            el.children_named("master")
                .try_for_each(read::<ControllerMaster>)
        }
        (Parent::Devices, "audio") => {
            // (The Audio view reads every backend's options as text.)
            audio::check_audio(el)
        }
        (Parent::Devices, "smartcard") => peripherals::check_smartcard(el),
        (Parent::Devices, "redirdev" | "hub") => peripherals::check_usb_device(el),
        (Parent::Devices, "lease") => peripherals::check_lease(el),
        (Parent::Devices, "input") => devices::check_input(el),
        // virDomainVideoDefParseXML reads the acceleration, resolution
        // and driver before the model's type and sizes.
        (Parent::Devices, "video") => {
            peripherals::check_video(el)?;
            read::<Video>(el)
        }
        (Parent::Devices, "memballoon") => read::<MemBalloon>(el),
        (Parent::Devices, "rng") => {
            crate::validate::check_rng_parse(el)?;
            read::<Rng>(el)
        }
        (Parent::Devices, "tpm") => read::<Tpm>(el),
        (Parent::Devices, "watchdog") => {
            // virDomainWatchdogDefParseXML's one internal error.
            if el.attr("model").is_none() {
                return Err(XmlError::Internal(
                    "watchdog must contain model name".into(),
                ));
            }
            read::<Watchdog>(el)
        }
        (Parent::Devices, "sound") => {
            read::<Sound>(el)?;
            // virDomainSoundDefParseXML reads codecs for the ICH6 and
            // ICH9 models only.
            if matches!(el.attr("model"), Some("ich6" | "ich9")) {
                el.children_named("codec")
                    .try_for_each(|c| match c.attr("type") {
                        // virDomainSoundCodecTypeFromString(NULL).
                        None => Err(XmlError::Unsupported("unknown codec type '(null)'".into())),
                        Some(_) => SoundCodec::check(c),
                    })?;
            }
            peripherals::check_audio_ref(el)
        }
        (Parent::Devices, "hostdev") => {
            hostdev::check_hostdev_kind(el)?;
            hostdev::check_hostdev_options(el)?;
            read::<Hostdev>(el)?;
            hostdev::check_hostdev_source(el)?;
            peripherals::check_rom(el.child("rom"))
        }
        (Parent::Devices, "filesystem") => {
            // (Its <binary> is read for virtiofs only:
            // check_filesystem_driver.)
            peripherals::check_filesystem_modes(el)?;
            peripherals::check_filesystem_space(el)?;
            peripherals::check_filesystem_volume(el)?;
            peripherals::check_filesystem_driver(el)?;
            peripherals::check_filesystem_source(el)?;
            peripherals::check_filesystem_ram(el)
        }
        // (What each model needs is checked at validation,
        // validate::check_memory_device.)
        (Parent::Devices, "memory") => {
            // virDomainMemoryDefParseXML reads the source, then the
            // target, last, each in its own way
            // (validate::check_memory_source, check_memory_target).
            let mut untargeted = el.clone();
            untargeted.children.retain(
                |n| !matches!(n, Node::Element(c) if c.name == "target" || c.name == "source"),
            );
            read::<MemoryDevice>(&untargeted)?;
            crate::validate::check_memory_source(el)?;
            crate::validate::check_memory_target(el)?;
            read::<MemoryDevice>(el)
        }
        (Parent::Devices, "shmem") => crate::validate::check_shmem_parse(el),
        (Parent::Devices, "redirfilter") => el
            .children_named("usbdev")
            .try_for_each(usb::check_usbdev_rule),
        (Parent::Devices, "panic") => read::<Panic>(el),
        (Parent::Devices, "iommu") => {
            read::<Iommu>(el)?;
            // `./driver`: the first.
            el.child("driver").map_or(Ok(()), IommuDriver::check)
        }
        (Parent::Devices, "vsock") => {
            read::<Vsock>(el)?;
            // `./cid`: the first (its virtio options after the device
            // information, below).
            el.child("cid").map_or(Ok(()), VsockCid::check)
        }
        (Parent::Disk, _) => disk::check_disk_part(el),
        _ => Ok(()),
    }
}

/// virDomainControllerDefParseXML's children: the first `<driver>`, at
/// most one `<model>` and one `<target>` (their attributes read for a PCI
/// controller only: the model's name, the target's numbers in C's bases
/// and its hotplug switch), then `string(./target/node)` for any type, a
/// non-negative int when not empty.
fn check_controller_parts(el: &Element) -> Result<(), XmlError> {
    if let Some(driver) = el.child("driver") {
        ControllerDriver::check(driver)?;
    }
    fn single<'e>(el: &'e Element, name: &'e str) -> Result<Option<&'e Element>, XmlError> {
        let mut all = el.children_named(name);
        match (all.next(), all.next()) {
            (_, Some(_)) => Err(XmlError::Invalid(format!(
                "Multiple <{name}> elements in controller definition not allowed"
            ))),
            (first, None) => Ok(first),
        }
    }
    let pci = el.attr("type") == Some("pci");
    let model = single(el, "model")?;
    if let (true, Some(model)) = (pci, model) {
        ControllerModel::check(model)?;
    }
    let target = single(el, "target")?;
    if let (true, Some(target)) = (pci, target) {
        // Its attributes only: its <node> is read below, as for any type.
        ControllerTarget::check_attrs(&target.attrs)?;
    }
    let node = target
        .and_then(|t| t.child("node"))
        .map(crate::validate::string_value)
        .filter(|n| !n.is_empty());
    match node {
        Some(n) if crate::devinfo::c_int_in(&n, 10).is_none_or(|n| n < 0) => {
            Err(XmlError::Invalid("invalid NUMA node in target".into()))
        }
        _ => Ok(()),
    }
}

/// virDomainDefParseXML, once a device is read: with a USB controller of
/// model none, no USB host device, USB input device (the bus its type
/// takes by default included) or USB hub.
fn check_usb_disabled(def: &DomainDef, e: &Element) -> Result<(), XmlError> {
    let usb_none = def.devices.other.iter().any(|c| {
        c.name == "controller" && c.attr("type") == Some("usb") && c.attr("model") == Some("none")
    });
    if !usb_none {
        return Ok(());
    }
    let refuse = |why: &str| Err(XmlError::Unsupported(why.into()));
    match e.name.as_str() {
        "hostdev"
            if e.attr("mode").is_none_or(|m| m == "subsystem") && e.attr("type") == Some("usb") =>
        {
            refuse("Can't add host USB device: USB is disabled in this host")
        }
        "input"
            if crate::postparse::input_bus_of(e, &def.os.os_type, def.os.arch.as_deref())
                .as_deref()
                == Some("usb") =>
        {
            refuse("Can't add USB input device. USB bus is disabled")
        }
        "hub" if e.attr("type") == Some("usb") => {
            refuse("Can't add USB hub: USB is disabled for this domain")
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use crate::parse_domain;

    /// Devices as virsh 9.0 takes them on test:///default: `devices` in a
    /// domain, its verdict and (accepted) its disks' types.
    fn device_verdict(devices: &str) -> String {
        let xml = format!(
            "<domain type='test'><name>d</name><memory>65536</memory>\
             <os><type>hvm</type></os><devices>{devices}</devices></domain>"
        );
        match parse_domain(&xml) {
            Ok(def) => def
                .devices
                .disks
                .iter()
                .map(|d| d.disk_type.clone())
                .collect::<Vec<_>>()
                .join(","),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn device_parse_order_and_reads_as_libvirts() {
        let cases = [
            // With a USB controller of model none: no USB host device,
            // input (a tablet's default bus is USB) or hub (virsh 9.0).
            (
                "<controller type='usb' index='0' model='none'/><input type='tablet'/>",
                "unsupported configuration: Can't add USB input device. USB bus is disabled",
            ),
            (
                "<controller type='usb' index='0' model='none'/><hostdev mode='subsystem' type='usb'>\
                 <source><vendor id='0x1'/><product id='0x2'/></source></hostdev>",
                "unsupported configuration: Can't add host USB device: USB is disabled in this host",
            ),
            (
                "<controller type='usb' index='0' model='none'/><hub type='usb'/>",
                "unsupported configuration: Can't add USB hub: USB is disabled for this domain",
            ),
            // virDomainPanicDefParseXML: the address before the model.
            (
                "<panic model='bogus'><address type='pci' slot='c'/></panic>",
                "XML error: Invalid value for attribute 'slot' in element 'address': 'c'. \
                 Expected non-negative integer value",
            ),
            (
                "<panic model='bogus'/>",
                "unsupported configuration: unknown panic model 'bogus'",
            ),
            // virDomainFSDefParseXML's driver.
            (
                "<filesystem><source dir='/'/><target dir='i'/><driver format='luks'/></filesystem>",
                "unsupported configuration: unknown driver format value 'luks'",
            ),
            (
                "<filesystem><source dir='/'/><target dir='i'/><driver format=''/></filesystem>",
                "unsupported configuration: unknown driver format value ''",
            ),
            (
                "<filesystem><source dir='/'/><target dir='i'/><driver type='x'/></filesystem>",
                "XML error: Invalid value for attribute 'type' in element 'driver': 'x'.",
            ),
            (
                "<filesystem><source dir='/'/><target dir='i'/>\
                 <driver type='path' wrpolicy='x'/></filesystem>",
                "XML error: Invalid value for attribute 'wrpolicy' in element 'driver': 'x'.",
            ),
            (
                "<filesystem><source dir='/'/><target dir='i'/><driver iommu='x'/></filesystem>",
                "XML error: Invalid value for attribute 'iommu' in element 'driver': 'x'.",
            ),
            (
                "<filesystem><source dir='/'/><target dir='i'/>\
                 <driver type='default' wrpolicy='default' format='raw'/></filesystem>",
                "",
            ),
            // virDomainDiskDefParseSourceXML: a disk without a source is
            // a file disk (so no LUN), a type libvirt knows is needed.
            (
                "<disk device='lun' type='volume'><target dev='sda' bus='scsi'/></disk>",
                "unsupported configuration: disk device='lun' is only valid for block type \
                 disk source",
            ),
            (
                "<disk device='cdrom' type='network'><target dev='sda' bus='scsi'/></disk>",
                "file",
            ),
            (
                "<disk device='cdrom' type='volume'><source/><target dev='sda' bus='scsi'/></disk>",
                "volume",
            ),
            (
                "<disk device='cdrom' type='bogus'><target dev='sda' bus='scsi'/></disk>",
                "XML error: Invalid value for attribute 'type' in element 'disk': 'bogus'.",
            ),
            (
                "<disk device='cdrom' type='none'><target dev='sda' bus='scsi'/></disk>",
                "XML error: Invalid value for attribute 'type' in element 'disk': 'none'.",
            ),
        ];
        for (devices, want) in cases {
            assert_eq!(device_verdict(devices), want, "{devices}");
        }
    }

    /// libvirt 9.0's refusal of a test domain with `os` inside its
    /// `<os>`, or "OK".
    fn verdict(os: &str) -> String {
        let xml = format!(
            "<domain type='test'><name>b</name><memory>1024</memory>\
             <os><type>hvm</type>{os}</os></domain>"
        );
        match parse_domain(&xml) {
            Ok(_) => "OK".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn placed_top_is_the_placed_list() {
        for name in super::PLACED {
            assert!(super::placed_top(name), "{name}");
        }
        for name in ["features", "devices", "resource", "metadata", "", "Cpu"] {
            assert!(!super::placed_top(name), "{name}");
        }
    }

    // Texts observed from libvirt 9.0 through virsh.
    #[test]
    fn boot_devices_read_in_libvirts_order() {
        let four = "<boot dev='hd'/>".repeat(4);
        let cases = [
            (
                "<boot dev='1.5'/>".to_string(),
                "XML error: Invalid value for attribute 'dev' in element 'boot': '1.5'.",
            ),
            (
                "<boot/>".into(),
                "XML error: Missing required attribute 'dev' in element 'boot'",
            ),
            (format!("{four}<boot dev='x'/>"), "OK"),
            (
                "<boot dev='x'/><acpi><table type='y'/></acpi>".into(),
                "XML error: Unknown acpi table type: y",
            ),
            (
                "<boot dev='x'/><loader type='q'>/l</loader>".into(),
                "XML error: Invalid value for attribute 'type' in element 'loader': 'q'.",
            ),
            (
                "<boot dev='x'/><bootmenu enable='z'/>".into(),
                "XML error: Invalid value for attribute 'dev' in element 'boot': 'x'.",
            ),
        ];
        let mut bad = Vec::new();
        for (os, want) in &cases {
            let got = verdict(os);
            if got != *want {
                bad.push(format!("{os}\n got {got}\nwant {want}"));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    /// virDomainControllerDefParseXML and virDomainControllerDefFormatPCI:
    /// one `<model>` and one `<target>`, read (and written, in libvirt's
    /// order and form) for a PCI controller only, the target's numbers in
    /// C's bases, its `<node>` read for any type. Verdicts and dumps
    /// observed from libvirt 9.0 through virsh.
    #[test]
    fn controller_model_and_target_as_libvirt_reads_and_writes_them() {
        let dump = |parts: &str, kind: &str| {
            let xml = format!(
                "<domain type='test'><name>c</name><memory>1024</memory><os><type>hvm</type></os>\
                 <devices><controller type='{kind}' index='1' model='{}'>{parts}</controller></devices></domain>",
                if kind == "pci" { "pcie-root-port" } else { "piix3-uhci" }
            );
            match parse_domain(&xml) {
                Ok(def) => {
                    let out = def.to_xml(&crate::FormatOptions::default());
                    let from = out.find("    <controller").unwrap_or(0);
                    let to = out[from..].find("/>\n").map_or(from, |e| from + e + 3);
                    let to = out[from..]
                        .find("</controller>\n")
                        .map_or(to, |e| from + e + 14);
                    out[from..to].to_string()
                }
                Err(e) => e.to_string(),
            }
        };
        let bad = |name: &str, value: &str, why: &str| {
            format!("XML error: Invalid value for attribute '{name}' in element 'target': '{value}'. {why}")
        };
        let cases = [
            ("<target chassis='3' port='0x10'/><model name='pcie-root-port'/>", "pci", "    <controller type='pci' index='1' model='pcie-root-port'>\n      <model name='pcie-root-port'/>\n      <target chassis='3' port='0x10'/>\n    </controller>\n".to_string()),
            ("<driver queues='2'/><target hotplug='on' index='010' busNr='4' port='7' chassis='0xb' chassisNr='+0x3'/>", "pci", "    <controller type='pci' index='1' model='pcie-root-port'>\n      <target chassisNr='3' chassis='11' port='0x7' busNr='4' index='8' hotplug='on'/>\n      <driver queues='2'/>\n    </controller>\n".into()),
            ("<target><node> 3</node></target>", "pci", "    <controller type='pci' index='1' model='pcie-root-port'>\n      <target>\n        <node>3</node>\n      </target>\n    </controller>\n".into()),
            ("<target><node/></target><model name='none'/>", "pci", "    <controller type='pci' index='1' model='pcie-root-port'/>\n".into()),
            ("<target chassis='3'><node>x</node></target>", "usb", "XML error: invalid NUMA node in target".into()),
            ("<target chassis='x'/><model name='bogus'/>", "usb", "    <controller type='usb' index='1' model='piix3-uhci'/>\n".into()),
            ("<target><node>3 </node></target>", "pci", "XML error: invalid NUMA node in target".into()),
            ("<target chassis='-1'/>", "pci", bad("chassis", "-1", "Expected non-negative value")),
            ("<target busNr='1 '/>", "pci", bad("busNr", "1 ", "Expected integer value")),
            ("<target port='99999999999'/>", "pci", bad("port", "99999999999", "Expected integer value")),
            ("<target hotplug='absent'/>", "pci", "XML error: Invalid value for attribute 'hotplug' in element 'target': 'absent'.".into()),
            ("<model name='bogus'/>", "pci", "XML error: Invalid value for attribute 'name' in element 'model': 'bogus'.".into()),
            ("<target hotplug='off'/><target/>", "usb", "XML error: Multiple <target> elements in controller definition not allowed".into()),
            ("<target/><model/><model/>", "pci", "XML error: Multiple <model> elements in controller definition not allowed".into()),
        ];
        let mut wrong = Vec::new();
        for (parts, kind, want) in &cases {
            let got = dump(parts, kind);
            if &got != want {
                wrong.push(format!("{kind} {parts}\n got {got}\nwant {want}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    /// The boot menu's timeout is read only with the menu on, the BIOS's
    /// serial choice never refused; their ranges, then the blkio paths,
    /// are libvirt's validation's, in that order (texts observed from
    /// libvirt 9.0 through virsh).
    #[test]
    fn boot_options_read_then_validated_in_libvirts_order() {
        let twice = "<blkiotune><device><path>/a</path></device></blkiotune>".repeat(2);
        let verdict = |os: &str, rest: &str| {
            let xml = format!(
                "<domain type='test'><name>b</name><memory>1024</memory>\
                 <os><type>hvm</type>{os}</os>{rest}</domain>"
            );
            match parse_domain(&xml) {
                Ok(_) => "OK".to_string(),
                Err(e) => e.to_string(),
            }
        };
        let cases = [
            ("<bootmenu enable='no' timeout='bogus'/><bios useserial=''/>", "", "OK"),
            ("<bootmenu enable='yes' timeout='bogus'/>", "", "XML error: Invalid value for attribute 'timeout' in element 'bootmenu': 'bogus'. Expected non-negative integer value"),
            ("<bios rebootTimeout='1x'/>", "", "XML error: Invalid value for attribute 'rebootTimeout' in element 'bios': '1x'. Expected integer value"),
            ("<bootmenu enable='yes' timeout='70000'/><bios rebootTimeout='70000'/>", &twice, "unsupported configuration: invalid value for boot menu timeout, must be in range [0,65535]"),
            ("<bootmenu enable='no' timeout='x'/><bios useserial='q' rebootTimeout='70000'/>", &twice, "unsupported configuration: invalid value for rebootTimeout, must be in range [-1,65535]"),
            ("<bios useserial='q'/><bios rebootTimeout='x'/>", &twice, "unsupported configuration: duplicate blkio device path '/a'"),
        ];
        for (os, rest, want) in cases {
            assert_eq!(verdict(os, rest), want, "{os}");
        }
    }

    /// A filesystem's space limits as virParseScaledValue reads them
    /// (texts observed from libvirt 9.0 through virsh).
    #[test]
    fn filesystem_space_limits_scaled_at_define() {
        let define = |limits: &str| {
            parse_domain(&format!(
                "<domain type='test'><name>f</name><memory>1024</memory><os><type>hvm</type></os>\
                 <devices><filesystem type='mount'><source dir='/a'/><target dir='t'/>{limits}\
                 </filesystem></devices></domain>"
            ))
            .err()
            .map(|e| e.to_string())
        };
        for (limits, error) in [
            (
                "<space_hard_limit unit='p'>18446744073709551615</space_hard_limit>",
                Some("numerical overflow: value too large: 18446744073709551615p"),
            ),
            (
                "<space_hard_limit>-1</space_hard_limit>",
                Some("XML error: Invalid value '-1' for element or attribute './space_hard_limit[1]'"),
            ),
            (
                "<space_hard_limit unit='zz'>1</space_hard_limit>",
                Some("invalid argument: unknown suffix 'zz'"),
            ),
            (
                "<space_hard_limit> 5</space_hard_limit><space_soft_limit unit='k'>x</space_soft_limit>",
                Some("XML error: Invalid value 'x' for element or attribute './space_soft_limit[1]'"),
            ),
            ("<space_hard_limit></space_hard_limit><space_soft_limit unit='E'>15</space_soft_limit>", None),
        ] {
            assert_eq!(define(limits).as_deref(), error, "{limits}");
        }
    }

    /// A memory device's target size is scaled at define, whatever its
    /// model (text observed from libvirt 9.0 through virsh).
    #[test]
    fn memory_device_size_scaled_at_define() {
        let xml =
            "<domain type='test'><name>m</name><memory>1024</memory><os><type>hvm</type></os>\
                   <devices><memory model='virtio-pmem'><source><path>/tmp/n</path></source>\
                   <target><size unit='EiB'>8</size></target></memory></devices></domain>";
        assert_eq!(
            parse_domain(xml).err().map(|e| e.to_string()).as_deref(),
            Some("numerical overflow: value too large: 8EiB")
        );
    }
}
