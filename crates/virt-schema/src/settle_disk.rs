//! A valid document's disks as `virDomainDiskDefValidate` takes them
//! (virt-xml's validate/disk.rs follows the same rules): what only a LUN
//! takes left off other disks, a LUN on a raw block device, the options
//! of a virtio disk only on the virtio bus, a vhost-user disk without
//! what QEMU's block layer would serve, a disk with its source.

use crate::repair::child_mut;
use virt_xml::{Element, Node};

/// Drop the children of `e` named in `names`.
fn drop_children(e: &mut Element, names: &[&str]) {
    e.children
        .retain(|n| !matches!(n, Node::Element(c) if names.contains(&c.name.as_str())));
}

/// The bus post-parse gives a disk of target `target`.
fn bus_of(target: Option<&Element>, floppy: bool) -> String {
    match target.and_then(|t| t.attr("bus")) {
        Some(bus) => bus.to_string(),
        None => {
            let dev = target.and_then(|t| t.attr("dev")).unwrap_or_default();
            virt_xml::post_parse_disk_bus(floppy, dev).to_string()
        }
    }
}

/// The `<encryption>` of `holder` (a disk or its source): LUKS2 when it
/// names a cipher, which libvirt chooses itself for LUKS.
fn settle_cipher(holder: &mut Element) {
    if let Some(enc) = child_mut(holder, "encryption") {
        if enc.attr("format") == Some("luks") && enc.child("cipher").is_some() {
            enc.set_attr("format", "luks2");
        }
    }
}

/// Settle one `<disk>` of a valid document.
pub(crate) fn settle_disk(disk: &mut Element) {
    // Persistent reservations are a LUN's: a disk with them becomes one.
    let reserved = disk
        .child("source")
        .is_some_and(|s| s.child("reservations").is_some());
    if reserved && disk.attr("device").is_none_or(|d| d == "disk") {
        disk.set_attr("device", "lun");
    }
    let device = disk.attr("device").unwrap_or("disk").to_string();
    let floppy = device == "floppy";
    if disk.attr("sgio") == Some("unfiltered") {
        disk.remove_attr("sgio");
    }
    if device == "lun" {
        if !matches!(disk.attr("type"), Some("block" | "volume" | "network")) {
            disk.set_attr("type", "block");
        }
        if disk.attr("type") == Some("network") {
            if let Some(source) = child_mut(disk, "source") {
                source.set_attr("protocol", "iscsi");
            }
        }
        if let Some(driver) = child_mut(disk, "driver") {
            driver.remove_attr("type");
        }
        if let Some(source) = child_mut(disk, "source") {
            drop_children(source, &["slices", "encryption"]);
        }
        drop_children(disk, &["encryption"]);
    } else {
        disk.remove_attr("rawio");
        disk.remove_attr("sgio");
        if let Some(source) = child_mut(disk, "source") {
            drop_children(source, &["reservations"]);
        }
    }
    // A LUKS disk's cipher is libvirt's to choose; LUKS2 takes one.
    settle_cipher(disk);
    if let Some(source) = child_mut(disk, "source") {
        settle_cipher(source);
    }
    if let Some(tune) = child_mut(disk, "iotune") {
        for what in ["bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max"] {
            if tune.child(&format!("total_{what}")).is_some() {
                drop_children(tune, &[&format!("read_{what}"), &format!("write_{what}")]);
            }
        }
    }
    // A floppy is on its controller, only a floppy is, a removable disk
    // is on USB.
    if let Some(target) = child_mut(disk, "target") {
        if floppy {
            if target.attr("bus").is_some() {
                target.set_attr("bus", "fdc");
            }
            target.remove_attr("removable");
        } else if target.attr("bus") == Some("fdc") {
            target.remove_attr("bus");
        }
        if target.attr("removable").is_some() {
            target.set_attr("bus", "usb");
        }
        if !matches!(device.as_str(), "cdrom" | "floppy") && target.attr("tray") == Some("open") {
            target.set_attr("tray", "closed");
        }
    }
    // A disk with a virtio disk's options goes on the virtio bus where it
    // may (a floppy and a removable disk may not).
    const VIRTIO_ONLY: [&str; 7] = [
        "queues",
        "event_idx",
        "ioeventfd",
        "iommu",
        "ats",
        "packed",
        "page_per_vq",
    ];
    let virtio_options = disk.attr("model").is_some_and(|m| m.starts_with("virtio"))
        || disk
            .child("driver")
            .is_some_and(|d| VIRTIO_ONLY.iter().any(|a| d.attr(a).is_some()));
    if virtio_options && !floppy {
        if let Some(target) = child_mut(disk, "target") {
            if target.attr("removable").is_none() {
                target.set_attr("bus", "virtio");
            }
        }
    }
    let bus = bus_of(disk.child("target"), floppy);
    if matches!(bus.as_str(), "ide" | "fdc" | "scsi" | "sata") {
        let foreign = disk
            .child("address")
            .and_then(|a| a.attr("type"))
            .is_some_and(|t| t != "drive" && t != "none");
        if foreign {
            drop_children(disk, &["address"]);
        }
    }
    if bus != "virtio" {
        if disk.attr("model").is_some_and(|m| m.starts_with("virtio")) {
            disk.remove_attr("model");
        }
        if let Some(driver) = child_mut(disk, "driver") {
            for a in VIRTIO_ONLY {
                driver.remove_attr(a);
            }
        }
    }
    let kind = disk.attr("type").unwrap_or("file").to_string();
    // NVMe namespaces count from 1.
    if kind == "nvme" {
        if let Some(source) = child_mut(disk, "source") {
            if source.attr("namespace").map(str::trim) == Some("0") {
                source.set_attr("namespace", "1");
            }
        }
    }
    if kind == "vhostuser" {
        settle_vhostuser(disk, &bus);
    }
    // A start-up policy for local storage and volumes, `requisite` for
    // removable media.
    if let Some(source) = child_mut(disk, "source") {
        let local = matches!(kind.as_str(), "file" | "block" | "dir" | "volume");
        let requisite = source.attr("startupPolicy") == Some("requisite");
        if !local || (requisite && !matches!(device.as_str(), "cdrom" | "floppy")) {
            source.remove_attr("startupPolicy");
        }
    }
    // A disk (not a CD-ROM or floppy) has something in it.
    if device == "disk" {
        let key = match kind.as_str() {
            "file" => Some("file"),
            "block" => Some("dev"),
            "dir" => Some("dir"),
            _ => None,
        };
        if let Some(key) = key {
            if disk.child("source").is_none() {
                disk.children.push(Node::Element(Element::new("source")));
            }
            if let Some(source) = child_mut(disk, "source") {
                if source.attr(key).is_none_or(str::is_empty) {
                    source.set_attr(key, "/var/lib/virt/disk.img");
                }
            }
        }
    }
}

/// virDomainDiskVhostUserValidate: virtio, no snapshots, none of the
/// block layer's options or parts, not read-only.
fn settle_vhostuser(disk: &mut Element, bus: &str) {
    if disk.attr("device").is_some_and(|d| d != "disk") {
        disk.set_attr("device", "disk");
    }
    if bus != "virtio" {
        if let Some(target) = child_mut(disk, "target") {
            target.set_attr("bus", "virtio");
        }
    }
    disk.remove_attr("snapshot");
    if let Some(driver) = child_mut(disk, "driver") {
        for a in [
            "cache",
            "error_policy",
            "rerror_policy",
            "io",
            "ioeventfd",
            "copy_on_read",
            "discard",
            "iothread",
            "detect_zeroes",
        ] {
            driver.remove_attr(a);
        }
        drop_children(driver, &["metadata_cache"]);
    }
    drop_children(
        disk,
        &[
            "iotune",
            "backingStore",
            "encryption",
            "readonly",
            "shareable",
            "transient",
            "serial",
            "wwn",
            "vendor",
            "product",
            "auth",
            "geometry",
            "blockio",
        ],
    );
    if let Some(source) = child_mut(disk, "source") {
        drop_children(source, &["encryption", "auth"]);
    }
}
