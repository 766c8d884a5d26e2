//! Disks on the command line: `-blockdev` / `-device` pairs, the drive
//! addresses and indices QEMU derives from targets, the image formats it
//! takes.

use super::*;
use virt_xml::Address;

pub(super) fn suffix(index: &str) -> String {
    if index == "0" {
        String::new()
    } else {
        index.to_string()
    }
}

/// The disk's `<address type='drive'>`, typed; `None` for another kind.
fn drive_address_of(disk: &Disk) -> Option<Address> {
    disk.part::<Address>()
        .ok()
        .flatten()
        .filter(|a| a.address_type.as_deref() == Some("drive"))
}

/// A number of a drive address (0 when absent).
fn address_number(field: &Option<String>) -> u32 {
    field.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// `<address type='drive' controller bus target unit>` values.
pub(crate) fn drive_address(disk: &Disk) -> (u32, u32, u32) {
    let a = drive_address_of(disk).unwrap_or_default();
    (
        address_number(&a.controller),
        address_number(&a.bus),
        address_number(&a.unit),
    )
}

/// Index of a target name's last letters: hda -> 0, hdb -> 1, vdaa -> 26.
pub(super) fn target_index(dev: &str) -> Option<u32> {
    // Prefixes are two letters (hd, sd, vd, fd, xvd has three).
    let name = dev
        .strip_prefix("xvd")
        .or_else(|| dev.get(2..))
        .unwrap_or("");
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let mut idx: u32 = 0;
    for c in name.chars() {
        idx = idx
            .checked_mul(26)?
            .checked_add(c as u32 - 'a' as u32 + 1)?;
    }
    Some(idx - 1)
}

pub(super) const FORMATS: &[&str] = &[
    "raw",
    "qcow2",
    "qcow",
    "qed",
    "vmdk",
    "vdi",
    "vpc",
    "vhdx",
    "cloop",
    "dmg",
    "parallels",
];

/// The `-blockdev` pair (storage node, format node) that gives `disk` its
/// image, named `{node}-storage` and `{node}-format`; `None` for a drive
/// without media. Also what hot-plug sends to `blockdev-add`.
pub(crate) fn blockdev_nodes(disk: &Disk, node: &str) -> QemuResult<Option<(Value, Value)>> {
    let device = disk_device(disk);
    if !matches!(device, "disk" | "cdrom" | "floppy") {
        return Err(unsupported(format!("disk device '{device}'")));
    }
    let storage_driver = match disk.disk_type.as_str() {
        "file" | "" => "file",
        "block" if device == "cdrom" => "host_cdrom",
        "block" => "host_device",
        t => {
            return Err(unsupported(format!(
                "disk type '{t}' (target '{}') is not supported by this driver",
                disk.target_dev
            )))
        }
    };
    let format = disk.driver_type.as_deref().unwrap_or("raw");
    if !FORMATS.contains(&format) {
        return Err(unsupported(format!(
            "disk format '{format}' (target '{}')",
            disk.target_dev
        )));
    }
    let (direct, no_flush, _) = cache_mode(disk)?;
    let drv = disk.driver()?.unwrap_or_default();
    let aio = match drv.io.as_deref() {
        None => None,
        Some("threads") => Some("threads"),
        Some("native") if direct => Some("native"),
        Some("native") => {
            return Err(unsupported(
                "native I/O needs either no disk cache or directsync cache mode",
            ))
        }
        Some("io_uring") => Some("io_uring"),
        Some(m) => return Err(unsupported(format!("disk io mode '{m}'"))),
    };
    let readonly = disk.readonly || device == "cdrom";
    let Some(src) = disk.source.as_deref().filter(|s| !s.is_empty()) else {
        if device == "disk" {
            return Err(QemuError::Unsupported(format!(
                "disk '{}' has no source",
                disk.target_dev
            )));
        }
        return Ok(None);
    };
    let mut file = Map::new();
    file.insert("driver".into(), json!(storage_driver));
    file.insert("filename".into(), json!(src));
    file.insert("node-name".into(), json!(format!("{node}-storage")));
    file.insert("read-only".into(), json!(readonly));
    file.insert(
        "cache".into(),
        json!({"direct": direct, "no-flush": no_flush}),
    );
    if let Some(a) = aio {
        file.insert("aio".into(), json!(a));
    }
    let fmt = json!({
        "node-name": format!("{node}-format"),
        "driver": format,
        "file": format!("{node}-storage"),
        "read-only": readonly,
        "cache": {"direct": direct, "no-flush": no_flush},
    });
    Ok(Some((Value::Object(file), fmt)))
}

/// `device=`, "disk" when absent.
pub(crate) fn disk_device(disk: &Disk) -> &str {
    if disk.device.is_empty() {
        "disk"
    } else {
        disk.device.as_str()
    }
}

/// The cache mode as QEMU's (direct, no-flush, write-cache).
fn cache_mode(disk: &Disk) -> QemuResult<(bool, bool, bool)> {
    let drv = disk.driver()?.unwrap_or_default();
    Ok(match drv.cache.as_deref().unwrap_or("default") {
        "default" | "writeback" => (false, false, true),
        "none" => (true, false, true),
        "writethrough" => (false, false, false),
        "directsync" => (true, false, false),
        "unsafe" => (false, true, true),
        c => return Err(unsupported(format!("disk cache mode '{c}'"))),
    })
}

pub(super) fn disk_options(
    disk: &Disk,
    i: usize,
    bootindex: Option<u32>,
    chipset: Chipset,
    ctrl: &mut Controllers,
    b: &mut Builder,
) -> QemuResult<()> {
    let device = disk_device(disk);
    let (_, _, write_cache) = cache_mode(disk)?;
    let drv = disk.driver()?.unwrap_or_default();
    let mut drive: Option<String> = None;
    let node = format!("disk{i}");
    if let Some((storage, format)) = blockdev_nodes(disk, &node)? {
        b.push2("-blockdev", storage.to_string());
        b.push2("-blockdev", format.to_string());
        drive = Some(format!("{node}-format"));
    }
    let bus = disk.target_bus.as_deref().unwrap_or(match device {
        "floppy" => "fdc",
        _ => "ide",
    });
    let (controller, dbus, unit) = drive_address(disk);
    let mut dev = Map::new();
    let id = disk.target_dev.clone();
    match (bus, device) {
        ("ide", _) if chipset == Chipset::Q35 => {
            return Err(unsupported(
                "IDE controllers are unsupported for this QEMU binary or machine type",
            ))
        }
        ("ide", d) => {
            if dbus > 1 || unit > 1 {
                return Err(unsupported(format!(
                    "IDE disk '{}' needs bus {dbus} unit {unit}; the PIIX IDE controller has buses 0-1 and units 0-1",
                    disk.target_dev
                )));
            }
            dev.insert(
                "driver".into(),
                json!(if d == "cdrom" { "ide-cd" } else { "ide-hd" }),
            );
            dev.insert("bus".into(), json!(format!("ide.{dbus}")));
            dev.insert("unit".into(), json!(unit));
        }
        ("sata", d) => {
            dev.insert(
                "driver".into(),
                json!(if d == "cdrom" { "ide-cd" } else { "ide-hd" }),
            );
            let busname = if chipset == Chipset::Q35 && controller == 0 {
                format!("ide.{unit}")
            } else {
                let c = controller.to_string();
                if !ctrl.ahci.contains(&c) {
                    ctrl.pending
                        .push(json!({"driver": "ahci", "id": format!("sata{c}")}));
                    ctrl.ahci.push(c.clone());
                }
                format!("sata{c}.{unit}")
            };
            dev.insert("bus".into(), json!(busname));
        }
        ("virtio", "disk") => {
            dev.insert("driver".into(), json!("virtio-blk-pci"));
        }
        ("scsi", d) => {
            let c = controller.to_string();
            if !ctrl.scsi.contains(&c) {
                ctrl.pending
                    .push(json!({"driver": "virtio-scsi-pci", "id": format!("scsi{c}")}));
                ctrl.scsi.push(c.clone());
            }
            dev.insert(
                "driver".into(),
                json!(if d == "cdrom" { "scsi-cd" } else { "scsi-hd" }),
            );
            dev.insert("bus".into(), json!(format!("scsi{c}.0")));
            dev.insert("channel".into(), json!(dbus));
            dev.insert("scsi-id".into(), json!(drive_address_target(disk)));
            dev.insert("lun".into(), json!(unit));
        }
        ("fdc", "floppy") => {
            if chipset == Chipset::Q35 && !ctrl.fdc {
                ctrl.pending
                    .push(json!({"driver": "isa-fdc", "id": "fdc0"}));
                ctrl.fdc = true;
            }
            ctrl.fdc = true;
            dev.insert("driver".into(), json!("floppy"));
            dev.insert(
                "unit".into(),
                json!(target_index(&disk.target_dev).unwrap_or(unit)),
            );
        }
        (bus, device) => {
            return Err(unsupported(format!(
                "disk bus '{bus}' for a {device} (target '{}') is not supported by this driver",
                disk.target_dev
            )))
        }
    }
    if let Some(d) = drive {
        dev.insert("drive".into(), json!(d));
    }
    dev.insert("id".into(), json!(id));
    if !write_cache && device == "disk" {
        dev.insert("write-cache".into(), json!("off"));
    }
    if let Some(policy) = drv.error_policy.as_deref() {
        if device == "disk" && bus != "scsi" {
            let p = match policy {
                "stop" => "stop",
                "ignore" => "ignore",
                "enospace" => "enospc",
                "report" => "report",
                p => return Err(unsupported(format!("disk error policy '{p}'"))),
            };
            dev.insert("werror".into(), json!(p));
            if p != "enospc" {
                dev.insert("rerror".into(), json!(p));
            }
        }
    }
    if let Some(order) = bootindex {
        if device == "floppy" {
            let unit = target_index(&disk.target_dev).unwrap_or(unit);
            b.push2(
                "-global",
                format!(
                    "isa-fdc.bootindex{}={order}",
                    if unit == 0 { "A" } else { "B" }
                ),
            );
        } else {
            dev.insert("bootindex".into(), json!(order));
        }
    }
    b.device(Value::Object(dev));
    Ok(())
}

/// The `target` of the disk's drive address (0 when absent).
pub(crate) fn drive_address_target(disk: &Disk) -> u32 {
    address_number(&drive_address_of(disk).unwrap_or_default().target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_index_as_qemu_counts() {
        assert_eq!(target_index("hda"), Some(0));
        assert_eq!(target_index("hdd"), Some(3));
        assert_eq!(target_index("vdaa"), Some(26));
        assert_eq!(target_index("fdb"), Some(1));
        assert_eq!(target_index("x"), None);
    }
}
