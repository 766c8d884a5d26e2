//! Hot-plug on real guests: the tiny Linux guest sees disks and a NIC
//! come and go; a guest without an OS never releases a device, which
//! leaves it in the live definition (libvirt's behaviour on timeout).

use super::*;
use crate::postparse::address::PciAddress;
use virt_core::{affect, device_modify, Domain};

/// The last `disks=` or `nets=` list the guest reported.
fn last_list(console: &Path, key: &str) -> Option<String> {
    let needle = format!("{key}=");
    console_text(console)
        .lines()
        .filter_map(|l| l.strip_prefix("virt-rs test guest: "))
        .filter_map(|l| l.split(' ').find_map(|w| w.strip_prefix(needle.as_str())))
        .map(str::to_string)
        .next_back()
}

fn guest_has(console: &Path, key: &str, dev: &str) -> bool {
    last_list(console, key).is_some_and(|l| l.split(',').any(|d| d == dev))
}

/// The persistent definition of `d`.
fn config_xml(d: &Domain) -> String {
    d.xml_desc(virt_core::xml_flags::INACTIVE)
        .expect("config xml")
}

/// QEMU's answer to `command` for the running guest `name`, asked on a
/// monitor session of its own; `None` when it does not run or answer.
fn ask_qemu(root: &Path, name: &str, command: &str) -> Option<serde_json::Value> {
    let rt = Runtime::load(&paths_in(root), name)?;
    let s = UnixStream::connect(&rt.monitor).ok()?;
    let mut mon = Monitor::handshake(s).ok()?;
    mon.execute(command, None).ok()
}

/// QEMU's own view: the ids of its block devices (`query-block`'s qdev).
fn qemu_block_devices(root: &Path, name: &str) -> Vec<String> {
    let blocks = ask_qemu(root, name, "query-block").unwrap_or_default();
    blocks
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| {
            let q = b.get("qdev")?.as_str()?;
            let id = q.strip_prefix("/machine/peripheral/").unwrap_or(q);
            Some(id.split('/').next().unwrap_or(id).to_string())
        })
        .collect()
}

/// Where QEMU has device `id` on PCI bus 0 (`query-pci`): its slot.
fn qemu_bus0_slot(root: &Path, name: &str, id: &str) -> Option<u32> {
    let buses = ask_qemu(root, name, "query-pci")?;
    let bus0 = buses.as_array()?.iter().find(|b| b["bus"] == 0)?;
    let dev = bus0["devices"]
        .as_array()?
        .iter()
        .find(|d| d["qdev_id"] == id)?;
    u32::try_from(dev["slot"].as_u64()?).ok()
}

/// The PCI address the definition `xml` gives the element that holds
/// `marker` (a device's first line).
fn pci_address_after(xml: &str, marker: &str) -> Option<PciAddress> {
    let (_, rest) = xml.split_once(marker)?;
    let line = rest.lines().find(|l| l.contains("<address type='pci'"))?;
    let e = virt_xml::parse_element(line.trim()).ok()?;
    PciAddress::from_address(&<virt_xml::Address as virt_xml::View>::from_element(&e).ok()?)
}

fn qemu_img(args: &[&str]) -> bool {
    std::process::Command::new("qemu-img")
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn wait_seen(console: &Path, key: &str, dev: &str, present: bool) {
    let ok = wait_until(90, || guest_has(console, key, dev) == present);
    assert!(
        ok,
        "guest never {} {dev}; console:\n{}",
        if present { "saw" } else { "lost" },
        console_text(console)
    );
}

/// Empty raw images (holes) of the given sizes.
fn blank_images(images: &[(&Path, u64)]) {
    for (f, size) in images {
        std::fs::File::create(f)
            .and_then(|h| h.set_len(*size))
            .expect("image");
    }
}

/// The Linux test guest `name` of `shape`, its devices a serial console
/// into the returned console.log then what `devices` gives for the
/// guest's directory, defined, started and booted; `None` (after a
/// notice) without QEMU or the guest.
fn boot_guest(
    test: &str,
    name: &str,
    shape: LinuxDomain,
    devices: impl FnOnce(&Path) -> String,
) -> Option<(TempDir, PathBuf, Connect, Domain)> {
    if !have_qemu() {
        return None;
    }
    let guest = linux_guest(test)?;
    let root = temp_root(name);
    let console = root.join("console.log");
    let devices = format!("{}{}", serial_file(&console), devices(&root));
    let xml = LinuxDomain {
        devices: &devices,
        ..shape
    }
    .xml(name, &guest);
    let c = connect(&root);
    let mut d = c.define_xml(&xml).expect("define");
    d.create().expect("start");
    let d = c.lookup_by_name(name).expect("lookup");
    wait_boots(&console, 1);
    Some((root, console, c, d))
}

/// A guest to plug devices into: the Linux test guest `name` of 192 MiB on
/// `machine`, started from a persistent definition with one virtio disk
/// `vda`, once it has booted and sees `vda`, with a blank 16 MiB image
/// beside it, ready to plug. Its directory, console log, that image, the
/// connection and the domain; `None` (after a notice) without QEMU or the
/// guest.
fn plug_guest(
    test: &str,
    name: &str,
    machine: &str,
) -> Option<(TempDir, PathBuf, PathBuf, Connect, Domain)> {
    let shape = LinuxDomain {
        machine,
        head: "<memory unit='MiB'>192</memory><vcpu>1</vcpu>",
        ..LinuxDomain::default()
    };
    let mut extra = PathBuf::new();
    let (root, console, c, d) = boot_guest(test, name, shape, |root| {
        let boot = root.join("boot.img");
        extra = root.join("extra.img");
        blank_images(&[(&boot, 8 << 20), (&extra, 16 << 20)]);
        format!(
            "{}<memballoon model='none'/>",
            virtio_raw_disk(&boot, "vda")
        )
    })?;
    wait_seen(&console, "disks", "vda", true);
    Some((root, console, extra, c, d))
}

#[test]
fn linux_guest_sees_disks_and_nic_come_and_go() {
    // i440fx: its ACPI PCI hot-plug is what libvirt uses on `pc`.
    let Some((root, console, extra, _c, mut d)) = plug_guest(
        "linux_guest_sees_disks_and_nic_come_and_go",
        "hotplug",
        "pc",
    ) else {
        return;
    };
    let scsi = root.join("scsi.qcow2");
    let iso1 = root.join("one.iso");
    let iso2 = root.join("two.iso");
    blank_images(&[(&iso1, 1 << 20), (&iso2, 2 << 20)]);
    let scsi_format = if qemu_img(&[
        "create",
        "-q",
        "-f",
        "qcow2",
        scsi.to_str().unwrap_or(""),
        "32M",
    ]) {
        "qcow2"
    } else {
        println!("hotplug: qemu-img failed; the SCSI disk is raw");
        blank_images(&[(&scsi, 32 << 20)]);
        "raw"
    };

    // A virtio disk, live and persistent at once.
    let vdb = virtio_raw_disk(&extra, "vdb");
    d.attach_device_flags(&vdb, affect::LIVE | affect::CONFIG)
        .expect("attach vdb");
    wait_seen(&console, "disks", "vdb", true);
    let e = d
        .attach_device_flags(&vdb, affect::LIVE)
        .expect_err("twice");
    assert_eq!(e.code, ErrorCode::OperationFailed, "{e}");
    for flags in [0, virt_core::xml_flags::INACTIVE] {
        assert!(d.xml_desc(flags).expect("xml").contains("dev='vdb'"));
    }
    // As libvirt on i440fx: the next free slot of bus 0, given to QEMU
    // and written in the live XML; the persistent definition gets the
    // address define would give.
    let live = d.xml_desc(0).expect("xml");
    let vdb_at = disk_pci_address(&live, "vdb").expect("vdb's live address");
    assert_eq!(vdb_at.bus, 0, "{live}");
    assert_eq!(
        qemu_bus0_slot(&root, "hotplug", "vdb"),
        Some(vdb_at.slot),
        "{live}"
    );
    let vda_at = disk_pci_address(&live, "vda").expect("vda's address");
    assert_eq!(vdb_at.slot, vda_at.slot + 1, "{live}");
    let config = config_xml(&d);
    assert!(disk_pci_address(&config, "vdb").is_some(), "{config}");

    // A SCSI disk (qcow2): its controller is plugged with it.
    let sda = format!(
        "<disk type='file' device='disk'><driver name='qemu' type='{scsi_format}'/>\
         <source file='{}'/><target dev='sda' bus='scsi'/></disk>",
        scsi.display()
    );
    d.attach_device_flags(&sda, affect::LIVE)
        .expect("attach sda");
    wait_seen(&console, "disks", "sda", true);
    let live = d.xml_desc(0).expect("xml");
    assert!(live.contains("<controller type='scsi'"), "{live}");
    let scsi_at =
        pci_address_after(&live, "<controller type='scsi'").expect("the controller's address");
    assert_eq!(
        qemu_bus0_slot(&root, "hotplug", "scsi0"),
        Some(scsi_at.slot),
        "{live}"
    );
    assert!(!config_xml(&d).contains("dev='sda'"));

    // A SCSI CD-ROM, then its media changed and ejected.
    let cd = |src: Option<&Path>| {
        format!(
            "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>{}\
             <target dev='sdb' bus='scsi'/><readonly/></disk>",
            src.map(|s| format!("<source file='{}'/>", s.display()))
                .unwrap_or_default()
        )
    };
    d.attach_device_flags(&cd(Some(&iso1)), affect::LIVE)
        .expect("attach cdrom");
    wait_seen(&console, "disks", "sr0", true);
    d.update_device_flags(&cd(Some(&iso2)), affect::LIVE)
        .expect("change media");
    assert!(d.xml_desc(0).expect("xml").contains("two.iso"));
    d.update_device_flags(&cd(None), affect::LIVE | device_modify::FORCE)
        .expect("eject");
    let live = d.xml_desc(0).expect("xml");
    assert!(
        !live.contains("two.iso") && live.contains("dev='sdb'"),
        "{live}"
    );

    // A NIC.
    let nic = "<interface type='user'><mac address='52:54:00:12:34:56'/><model type='virtio'/></interface>";
    d.attach_device_flags(nic, affect::LIVE)
        .expect("attach nic");
    wait_seen(&console, "nets", "eth0", true);
    let live = d.xml_desc(0).expect("xml");
    let nic_at = pci_address_after(&live, "<interface type='user'").expect("the NIC's address");
    assert_eq!(
        qemu_bus0_slot(&root, "hotplug", "net0"),
        Some(nic_at.slot),
        "{live}"
    );
    assert!(nic_at.slot != vdb_at.slot && nic_at.slot != scsi_at.slot);

    // Errors change nothing.
    let ide = format!(
        "<disk type='file'><source file='{}'/><target dev='hdb' bus='ide'/></disk>",
        extra.display()
    );
    for (what, refused, code) in [
        (
            "no vdz",
            d.detach_device_flags(
                "<disk type='file'><source file='/nowhere'/><target dev='vdz' bus='virtio'/></disk>",
                affect::LIVE,
            ),
            ErrorCode::DeviceMissing,
        ),
        (
            "ide",
            d.attach_device_flags(&ide, affect::LIVE),
            ErrorCode::OperationUnsupported,
        ),
        (
            "no such nic",
            d.detach_device_flags(
                "<interface type='user'><mac address='52:54:00:99:99:99'/></interface>",
                affect::LIVE,
            ),
            ErrorCode::DeviceMissing,
        ),
    ] {
        let e = refused.expect_err(what);
        assert_eq!(e.code, code, "{what}: {e}");
    }

    // And out again: the guest sees each device go, QEMU drops its drive.
    d.detach_device_flags(&vdb, affect::LIVE | affect::CONFIG)
        .expect("detach vdb");
    wait_seen(&console, "disks", "vdb", false);
    assert!(!qemu_block_devices(&root, "hotplug").contains(&"vdb".to_string()));
    assert!(!d.xml_desc(0).expect("xml").contains("dev='vdb'"));
    assert!(!config_xml(&d).contains("dev='vdb'"));
    d.detach_device_flags(nic, affect::LIVE)
        .expect("detach nic");
    wait_seen(&console, "nets", "eth0", false);
    d.detach_device_flags(&sda, affect::LIVE)
        .expect("detach sda");
    wait_seen(&console, "disks", "sda", false);
    assert!(!qemu_block_devices(&root, "hotplug").contains(&"sda".to_string()));
    let live = d.xml_desc(0).expect("xml");
    assert!(
        !live.contains("dev='sda'") && !live.contains("<interface"),
        "{live}"
    );

    d.destroy().expect("destroy");
    d.undefine().expect("undefine");
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
}

/// A guest with no OS never answers the unplug request: as libvirt, the
/// detach succeeds after its wait and the disk stays in the live
/// definition; the persistent side changes at once.
#[test]
fn unanswered_unplug_leaves_the_device() {
    if !have_qemu() {
        return;
    }
    let root = temp_root("unplug");
    let img = root.join("d.img");
    std::fs::File::create(&img)
        .and_then(|h| h.set_len(1 << 20))
        .expect("image");
    let disk = format!(
        "<disk type='file'><source file='{}'/><target dev='vdb' bus='virtio'/></disk>",
        img.display()
    );
    let xml = tiny("unplug", "qemu", "").replace("machine='q35'", "machine='pc'");
    let c = connect(&root);
    let mut d: Domain = c.define_xml(&xml).expect("define");
    d.create().expect("start");
    let mut d = c.lookup_by_name("unplug").expect("lookup");
    // Not running yet in the inactive definition: --config alone.
    d.attach_device_flags(&disk, affect::CONFIG)
        .expect("config");
    assert!(!d.xml_desc(0).expect("live").contains("dev='vdb'"));
    d.attach_device_flags(&disk, affect::LIVE).expect("live");
    assert!(qemu_block_devices(&root, "unplug").contains(&"vdb".to_string()));
    let t = std::time::Instant::now();
    d.detach_device_flags(&disk, affect::LIVE | affect::CONFIG)
        .expect("detach is only a request");
    assert!(t.elapsed() >= Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(d.xml_desc(0).expect("live").contains("dev='vdb'"));
    assert!(!config_xml(&d).contains("dev='vdb'"));
    d.destroy().expect("destroy");
    d.undefine().expect("undefine");
}

/// A raw image at `path` as a virtio disk `dev`, the form both hot-plug
/// tests boot from and attach.
fn virtio_raw_disk(path: &Path, dev: &str) -> String {
    format!(
        "<disk type='file' device='disk'><driver name='qemu' type='raw'/>\
         <source file='{}'/><target dev='{dev}' bus='virtio'/></disk>",
        path.display()
    )
}

/// The PCI address the definition `xml` gives disk `dev`.
fn disk_pci_address(xml: &str, dev: &str) -> Option<PciAddress> {
    let def = virt_xml::parse_domain(xml).ok()?;
    let disk = def.devices.disks.iter().find(|d| d.target_dev == dev)?;
    PciAddress::from_address(&disk.part::<virt_xml::Address>().ok()??)
}

/// On q35 (virt-install's machine) a hot-plugged device goes to the root
/// port the define left free, as libvirt's: pcie.0 takes no hot-plugged
/// device. The guest sees the disk come and go; with the one free port
/// taken, a second device is refused with libvirt's error, and fits once
/// the disk is gone.
#[test]
fn q35_guest_hotplugs_into_the_free_root_port() {
    let Some((root, console, extra, _c, mut d)) = plug_guest(
        "q35_guest_hotplugs_into_the_free_root_port",
        "q35plug",
        "q35",
    ) else {
        return;
    };
    let live = d.xml_desc(0).expect("xml");
    let vda = disk_pci_address(&live, "vda").expect("vda's address");
    assert_ne!(vda.bus, 0, "vda sits on a root port: {live}");
    // The command line QEMU runs carries the root ports, ids pci.N.
    let rt = Runtime::load(&paths_in(&root), "q35plug").expect("runtime");
    let cmdline = std::fs::read_to_string(format!("/proc/{}/cmdline", rt.pid)).unwrap_or_default();
    assert!(
        cmdline.contains(r#""driver":"pcie-root-port""#)
            && cmdline.contains(&format!(r#""bus":"pci.{}""#, vda.bus)),
        "{cmdline}"
    );

    let vdb = virtio_raw_disk(&extra, "vdb");
    d.attach_device_flags(&vdb, affect::LIVE | affect::CONFIG)
        .expect("attach vdb");
    wait_seen(&console, "disks", "vdb", true);
    let live = d.xml_desc(0).expect("xml");
    let at = disk_pci_address(&live, "vdb").expect("vdb's live address");
    assert!(at.bus != 0 && at.bus != vda.bus, "{live}");
    let config = config_xml(&d);
    let at_config = disk_pci_address(&config, "vdb").expect("vdb's config address");
    assert_ne!(at_config.bus, 0, "{config}");

    // The one free port is taken: libvirt's refusal, nothing changed.
    let nic = "<interface type='user'><mac address='52:54:00:12:34:57'/><model type='virtio'/></interface>";
    let e = d
        .attach_device_flags(nic, affect::LIVE)
        .expect_err("no free root port");
    assert_eq!(e.code, ErrorCode::InternalError, "{e}");
    assert!(e.message.contains("No more available PCI slots"), "{e}");
    assert!(!d.xml_desc(0).expect("xml").contains("<interface"));

    d.detach_device_flags(&vdb, affect::LIVE | affect::CONFIG)
        .expect("detach vdb");
    wait_seen(&console, "disks", "vdb", false);
    assert!(!qemu_block_devices(&root, "q35plug").contains(&"vdb".to_string()));
    assert!(!d.xml_desc(0).expect("xml").contains("dev='vdb'"));

    // The port is free again.
    d.attach_device_flags(nic, affect::LIVE)
        .expect("attach nic");
    wait_seen(&console, "nets", "eth0", true);
    d.detach_device_flags(nic, affect::LIVE)
        .expect("detach nic");
    wait_seen(&console, "nets", "eth0", false);

    d.destroy().expect("destroy");
    d.undefine().expect("undefine");
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
}

/// QEMU's own view of the guest's memory modules (`query-memory-devices`):
/// their ids and sizes in bytes.
fn qemu_memory_devices(root: &Path, name: &str) -> Vec<(String, u64)> {
    let list = ask_qemu(root, name, "query-memory-devices").unwrap_or_default();
    crate::qmp::memory_devices(&list)
        .into_iter()
        .map(|m| (m.id, m.size))
        .collect()
}

/// `<memory>` of a domain XML, in KiB.
fn total_memory(xml: &str) -> Option<u64> {
    let (_, rest) = xml.split_once("<memory unit='KiB'>")?;
    rest.split('<').next()?.parse().ok()
}

#[test]
fn linux_guest_gets_and_loses_a_dimm() {
    let name = "dimms";
    let module = |slot: &str| {
        format!(
            "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target>{slot}</memory>"
        )
    };
    let shape = LinuxDomain {
        machine: "pc",
        head: "<maxMemory slots='2' unit='MiB'>1024</maxMemory><memory unit='MiB'>320</memory>\
               <vcpu>1</vcpu><cpu><numa><cell id='0' cpus='0' memory='192' unit='MiB'/></numa></cpu>",
        // The guest kernel onlines hot-added memory blocks itself, in
        // the movable zone so that it can give them back on unplug.
        args: "memhp_default_state=online_movable",
        ..LinuxDomain::default()
    };
    let Some((root, console, _c, mut d)) =
        boot_guest("linux_guest_gets_and_loses_a_dimm", name, shape, |_| {
            format!("{}<memballoon model='none'/>", module(""))
        })
    else {
        return;
    };
    // The module of the definition is on the command line: QEMU has it
    // in slot 0, as libvirt names it.
    assert_eq!(
        qemu_memory_devices(&root, name),
        vec![("dimm0".to_string(), 128 << 20)]
    );
    let live = d.xml_desc(0).expect("xml");
    assert!(live.contains("<alias name='dimm0'/>"), "{live}");
    assert_eq!(total_memory(&live), Some(320 << 10), "{live}");
    assert!(wait_until(60, || last_report(&console, "memtotal").is_some()));
    let before = last_report(&console, "memtotal").unwrap_or(0);

    // A second module, live: object-add and device_add, slot 1.
    d.attach_device_flags(&module(""), affect::LIVE)
        .expect("attach a DIMM");
    let plugged = qemu_memory_devices(&root, name);
    assert!(
        plugged.contains(&("dimm1".to_string(), 128 << 20)),
        "{plugged:?}"
    );
    let live = d.xml_desc(0).expect("xml");
    assert!(live.contains("<alias name='dimm1'/>"), "{live}");
    assert!(
        live.contains("<address type='dimm' slot='1' base='0x"),
        "{live}"
    );
    assert_eq!(total_memory(&live), Some(448 << 10), "{live}");
    // The guest sees the module through ACPI memory hot-plug and onlines
    // it: MemTotal grows by its 128 MiB.
    let grew = wait_until(60, || {
        last_report(&console, "memtotal").is_some_and(|m| m >= before + 120 * 1024)
    });
    assert!(
        grew,
        "guest never saw the DIMM; console:\n{}",
        console_text(&console)
    );

    // Both slots are taken: libvirt's refusal, nothing changed.
    let e = d
        .attach_device_flags(&module(""), affect::LIVE)
        .expect_err("no slot left");
    assert_eq!(e.code, ErrorCode::ConfigUnsupported, "{e}");
    assert_eq!(
        e.message,
        "unsupported configuration: memory device count '3' exceeds slots count '2'"
    );
    assert_eq!(qemu_memory_devices(&root, name).len(), 2);

    // Out again: device_del, the guest's DEVICE_DELETED, object-del.
    d.detach_device_flags(&module("<address type='dimm' slot='1'/>"), affect::LIVE)
        .expect("detach the DIMM");
    assert_eq!(
        qemu_memory_devices(&root, name),
        vec![("dimm0".to_string(), 128 << 20)]
    );
    let released = wait_until(60, || {
        last_report(&console, "memtotal").is_some_and(|m| m < before + 8 * 1024)
    });
    assert!(
        released,
        "guest kept the DIMM; console:\n{}",
        console_text(&console)
    );
    let live = d.xml_desc(0).expect("xml");
    assert!(!live.contains("<alias name='dimm1'/>"), "{live}");
    assert_eq!(total_memory(&live), Some(320 << 10), "{live}");

    // The persistent definition: a module gets the next free slot.
    d.attach_device_flags(&module(""), affect::CONFIG)
        .expect("attach to the definition");
    let config = config_xml(&d);
    assert!(
        config.contains("<address type='dimm' slot='1'/>"),
        "{config}"
    );
    assert_eq!(total_memory(&config), Some(448 << 10), "{config}");
    d.detach_device_flags(&module("<address type='dimm' slot='1'/>"), affect::CONFIG)
        .expect("detach from the definition");
    let config = config_xml(&d);
    assert!(!config.contains("slot='1'"), "{config}");
    assert_eq!(total_memory(&config), Some(320 << 10), "{config}");
    let _ = d.destroy();
}
