//! The checks `virDomainDefValidate` makes after a definition is parsed:
//! the devices' own (each_device.rs), lifecycle actions, the IOMMU, the loader and
//! firmware, cputune ranges, idmaps and I/O thread pools.

use super::*;
use crate::parse::Scope;

/// The checks of `virDomainDefValidate` this model makes, in its order:
/// the devices' own (virDomainDeviceDefValidate), then those of
/// `virDomainDefValidateInternal`.
pub(crate) fn check_valid(def: &DomainDef, scope: Scope) -> Result<(), XmlError> {
    check_devices(def, scope)?;
    check_resource_appid(def)?;
    check_duplicate_targets(def)?;
    let hostdevs = host_devices(def);
    crate::views::check_hostdevs(&hostdevs)?;
    check_duplicate_drive_addresses(def)?;
    crate::views::check_hostdev_drive_addresses(&hostdevs)?;
    let iommu = def.devices.other.iter().find(|e| e.name == "iommu");
    check_topology(def)?;
    if let Some(iommu) = iommu {
        check_iommu_features(def, iommu)?;
    }
    check_lifecycle(def)?;
    check_hugepages(def)?;
    check_os(def)?;
    check_cputune_ranges(def)?;
    if def.os.os_type == "hvm" {
        crate::views::check_boot_ranges(&def.os.extra)?;
    }
    crate::views::check_primary_videos(def.devices.other.iter().filter(|e| e.name == "video"))?;
    check_blkio_paths(def)?;
    check_idmap(def)?;
    check_numa_valid(def)?;
    check_virtiofs_targets(def)?;
    check_iothread_pools(def)?;
    Ok(())
}

/// virDomainDefFSValidate: two virtiofs filesystems (the first
/// `<driver>`'s type) do not share a mount tag (`string(./target/@dir)`).
fn check_virtiofs_targets(def: &DomainDef) -> Result<(), XmlError> {
    let mut seen: Vec<&str> = Vec::new();
    let filesystems = def.devices.other.iter().filter(|e| e.name == "filesystem");
    for fs in filesystems {
        if fs.child("driver").and_then(|d| d.attr("type")) != Some("virtiofs") {
            continue;
        }
        let target = fs
            .children_named("target")
            .find_map(|t| t.attr("dir"))
            .unwrap_or_default();
        if seen.contains(&target) {
            return Err(XmlError::Unsupported(format!(
                "filesystem target '{target}' specified twice"
            )));
        }
        seen.push(target);
    }
    Ok(())
}

/// The domain's host devices in libvirt's order: those of its host
/// device interfaces ([`crate::views::interface_as_hostdev`]), then the
/// `<hostdev>` elements.
pub(crate) fn host_devices(def: &DomainDef) -> Vec<std::borrow::Cow<'_, Element>> {
    use std::borrow::Cow;
    let d = &def.devices;
    d.interfaces
        .iter()
        .filter_map(crate::views::interface_as_hostdev)
        .map(Cow::Owned)
        .chain(
            d.other
                .iter()
                .filter(|e| e.name == "hostdev")
                .map(Cow::Borrowed),
        )
        .collect()
}

/// virDomainDefLifecycleActionValidate: the core dump actions are for a
/// crash only.
pub(super) fn check_lifecycle(def: &DomainDef) -> Result<(), XmlError> {
    use crate::LifecycleAction::{CoredumpDestroy, CoredumpRestart};
    for (event, action) in [("poweroff", def.on_poweroff), ("reboot", def.on_reboot)] {
        if let Some(action @ (CoredumpDestroy | CoredumpRestart)) = action {
            return Err(XmlError::Unsupported(format!(
                "Lifecycle event '{event}' doesn't support '{}' action",
                action.name()
            )));
        }
    }
    Ok(())
}

/// virDomainIOMMUDefValidate: smmuv3 and virtio take no driver options,
/// smmuv3 and intel no address.
pub(super) fn check_iommu_device(iommu: &Element) -> Result<(), XmlError> {
    let model = iommu.attr("model").unwrap_or_default();
    let driver = iommu.child("driver");
    let switch_set = |attr: &str| driver.and_then(|d| d.attr(attr)).is_some();
    let aw_bits = driver
        .and_then(|d| d.attr("aw_bits"))
        .and_then(|v| c_uint(v, 10))
        .unwrap_or(0);
    let options = ["intremap", "caching_mode", "eim", "iotlb"]
        .iter()
        .any(|a| switch_set(a))
        || aw_bits != 0;
    if matches!(model, "smmuv3" | "virtio") && options {
        return Err(XmlError::Invalid(format!(
            "iommu model '{model}' doesn't support additional attributes"
        )));
    }
    if matches!(model, "smmuv3" | "intel")
        && iommu
            .child("address")
            .is_some_and(|a| a.attr("type").is_some())
    {
        return Err(XmlError::Invalid(format!(
            "iommu model '{model}' can't have address"
        )));
    }
    Ok(())
}

/// virDomainDefIOMMUValidate: interrupt remapping needs the split I/O
/// APIC, extended interrupt mode needs interrupt remapping.
pub(super) fn check_iommu_features(def: &DomainDef, iommu: &Element) -> Result<(), XmlError> {
    let switch = |attr: &str| iommu.child("driver").and_then(|d| d.attr(attr));
    let split_apic = def
        .features
        .iter()
        .flatten()
        .any(|f| f.name == "ioapic" && f.attr("driver") == Some("qemu"));
    if switch("intremap") == Some("on") && !split_apic {
        return Err(XmlError::Unsupported(
            "IOMMU interrupt remapping requires split I/O APIC (ioapic driver='qemu')".into(),
        ));
    }
    if switch("eim") == Some("on") && switch("intremap") != Some("on") {
        return Err(XmlError::Unsupported(
            "IOMMU eim requires interrupt remapping to be enabled".into(),
        ));
    }
    Ok(())
}

/// virDomainDefOSValidate: the loader against firmware autoselection.
pub(super) fn check_os(def: &DomainDef) -> Result<(), XmlError> {
    // virDomainDefParseBootOptions reads a loader and NVRAM for HVM, Xen
    // and UML guests only (a Xen domain's "linux" is Xen's).
    let xen_linux = def.os.os_type == "linux" && def.domain_type == "xen";
    if !(matches!(def.os.os_type.as_str(), "hvm" | "xen" | "xenpvh" | "uml") || xen_linux) {
        return Ok(());
    }
    let loader_el = def.os.extra.iter().find(|e| e.name == "loader");
    let nvram = def.os.extra.iter().find(|e| e.name == "nvram");
    let has_loader = def.os.loader.is_some() || nvram.is_some();
    let path = def.os.loader.as_deref().filter(|p| !p.is_empty());
    let attr = |n: &str| loader_el.and_then(|l| l.attr(n));
    let template = nvram.and_then(|n| n.attr("template"));
    // A loader's NVRAM: a typed source, or a path, the element's whole
    // text (virXMLNodeContentString: its children's text too).
    let has_nvram = nvram
        .is_some_and(|n| n.attr("type").is_some() || !crate::validate::string_value(n).is_empty());
    match firmware(def) {
        Some(firmware) => {
            if !has_loader {
                return Ok(());
            }
            let refused = [
                (attr("readonly").is_some(), "loader attribute 'readonly' cannot be specified when firmware autoselection is enabled"),
                // A loader path without a type is of type rom by then
                // (virDomainDefPostParseCommon).
                (attr("type").is_some() || path.is_some(), "loader attribute 'type' cannot be specified when firmware autoselection is enabled"),
                (path.is_some(), "loader path cannot be specified when firmware autoselection is enabled"),
                (template.is_some(), "nvram attribute 'template' cannot be specified when firmware autoselection is enabled"),
                (attr("secure") == Some("no"), "loader attribute 'secure' cannot be specified when firmware autoselection is enabled"),
            ];
            if let Some((_, why)) = refused.iter().find(|(bad, _)| *bad) {
                return Err(detail(why));
            }
            if has_nvram && firmware != "efi" {
                return Err(detail(&format!(
                    "firmware type '{firmware}' does not support nvram"
                )));
            }
        }
        None => {
            // libvirt 9.0 as Debian ships it drops the firmware features
            // of a definition without autoselection (postparse) instead of
            // refusing them.
            if !has_loader {
                return Ok(());
            }
            if path.is_none() {
                return Err(detail(
                    "no loader path specified and firmware auto selection disabled",
                ));
            }
        }
    }
    match attr("stateless") {
        Some("yes") if template.is_some() => Err(detail(
            "NVRAM template is not permitted when loader is stateless",
        )),
        Some("yes") if has_nvram => Err(detail("NVRAM is not permitted when loader is stateless")),
        Some("no") => match firmware(def) {
            None if attr("type") != Some("pflash") => {
                Err(detail("Only pflash loader type permits NVRAM"))
            }
            Some(fw) if fw != "efi" => Err(detail("Only EFI firmware permits NVRAM")),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// virDomainDefCputuneValidate: shares, periods and quotas within the
/// cgroup ranges (0 and negative values mean "not set").
pub(super) fn check_cputune_ranges(def: &DomainDef) -> Result<(), XmlError> {
    let Some(cputune) = merged_top(def, "cputune") else {
        return Ok(());
    };
    let value = |name: &str| -> Option<i128> {
        cputune
            .child(name)
            .and_then(|e| e.text().trim().parse::<i128>().ok())
    };
    if let Some(shares) = value("shares").filter(|&s| s > 0) {
        if !(2..=262_144).contains(&shares) {
            return Err(XmlError::Unsupported(
                "Value of cputune 'shares' must be in range [2, 262144]".into(),
            ));
        }
    }
    let periods = [
        "period",
        "global_period",
        "emulator_period",
        "iothread_period",
    ];
    let quotas = ["quota", "global_quota", "emulator_quota", "iothread_quota"];
    let ranges = periods
        .iter()
        .map(|n| (*n, 1000, 1_000_000))
        .chain(quotas.iter().map(|n| (*n, 1000, 17_592_186_044_415)));
    for (name, min, max) in ranges {
        if let Some(v) = value(name).filter(|&v| v > 0) {
            if v < min || v > max {
                return Err(XmlError::Unsupported(format!(
                    "Value of cputune '{name}' must be in range [{min}, {max}]"
                )));
            }
        }
    }
    Ok(())
}

/// virDomainDefIdMapValidate: uids and gids mapped together, root first
/// (the ranges of every `<idmap>` copy, each kind sorted by start:
/// virDomainIdmapDefParseXML).
pub(super) fn check_idmap(def: &DomainDef) -> Result<(), XmlError> {
    // Most definitions have no map: one look for it, not four walks.
    if top(def, "idmap").next().is_none() {
        return Ok(());
    }
    let ranges = |kind: &'static str| top(def, "idmap").flat_map(move |m| m.children_named(kind));
    let (uid, gid) = (ranges("uid").next(), ranges("gid").next());
    if uid.is_some() != gid.is_some() {
        return Err(XmlError::Unsupported(
            "uid and gid should be mapped both".into(),
        ));
    }
    let starts_at_root = |kind: &'static str| {
        ranges(kind)
            .map(|e| e.attr("start").and_then(|s| s.trim().parse::<u64>().ok()))
            .min()
            .is_none_or(|first| first == Some(0))
    };
    if !starts_at_root("uid") || !starts_at_root("gid") {
        return Err(XmlError::Unsupported(
            "You must map the root user of container".into(),
        ));
    }
    Ok(())
}

/// virDomainDefTunablesValidate: each `<blkiotune><device>` path once
/// (across every copy of `<blkiotune>`, as libvirt reads them).
pub(super) fn check_blkio_paths(def: &DomainDef) -> Result<(), XmlError> {
    let Some(tune) = merged_top(def, "blkiotune") else {
        return Ok(());
    };
    // (One that does not read was refused while parsing.)
    let Ok(tune) = <crate::views::Blkiotune as crate::views::View>::from_element(&tune) else {
        return Ok(());
    };
    for (i, d) in tune.devices.iter().enumerate() {
        if tune.devices[..i].iter().any(|p| p.path == d.path) {
            return Err(XmlError::Unsupported(format!(
                "duplicate blkio device path '{}'",
                d.path
            )));
        }
    }
    Ok(())
}

/// virDomainDefValidateIOThreads: each thread pool's bounds (-1: unset).
pub(super) fn check_iothread_pools(def: &DomainDef) -> Result<(), XmlError> {
    let pools = top(def, "iothreadids")
        .flat_map(|e| e.children_named("iothread"))
        .chain(top(def, "defaultiothread"));
    for pool in pools {
        let bound = |n: &str| {
            pool.attr(n)
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(-1)
        };
        let (min, max) = (bound("thread_pool_min"), bound("thread_pool_max"));
        if max == 0 {
            return Err(XmlError::Unsupported(
                "thread_pool_max must be a positive integer".into(),
            ));
        }
        if min > max {
            return Err(XmlError::Unsupported(
                "thread_pool_min must be smaller or equal to thread_pool_max".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::testing::devices_verdict as verdict;

    /// virDomainVideoDefValidate: a model none alone, QXL's sizes on QXL
    /// only (0 is unset), no address on a ramfb (seed 46's gen4375; texts
    /// from virsh 9.0).
    #[test]
    fn videos_validated_as_libvirt_validates_them() {
        let pci = "<address type='pci' bus='0' slot='5'/>";
        for (devices, want) in [
            (format!("<video><model type='ramfb'/>{pci}</video>"),
             "unsupported configuration: address not supported for video type ramfb"),
            ("<video><model type='ramfb'/></video>".into(), "OK"),
            ("<video><model type='vga' ram='1024'/></video>".into(),
             "unsupported configuration: ram attribute only supported for video type qxl"),
            ("<video><model type='vga' ram='0'/></video>".into(), "OK"),
            ("<video><model type='vga' vram64='1024'/></video>".into(),
             "unsupported configuration: vram64 attribute only supported for video type qxl"),
            (format!("<video><model type='ramfb' vgamem='1024'/>{pci}</video>"),
             "unsupported configuration: vgamem attribute only supported for video type qxl"),
            ("<video><model type='qxl' ram='65536' vram64='1024' vgamem='16384'/></video>".into(), "OK"),
            ("<video><model type='vga'/></video><video><model type='none'/></video>".into(),
             "unsupported configuration: a 'none' video type must be the only video device defined for the domain"),
            (format!("<video><model type='none'/>{pci}</video>"), "OK"),
        ] {
            assert_eq!(verdict(&devices), want, "{devices}");
        }
    }

    /// An `<interface type='hostdev'>` is validated as the host device
    /// it also is (virDomainHostdevDefValidate on its source's type and
    /// the interface's address), and counts among the host devices
    /// checked together (virDomainDefHostdevValidate,
    /// virDomainDefDuplicateDriveAddressesValidate). Texts from virsh 9.0.
    #[test]
    fn a_host_device_interface_is_validated_as_a_host_device() {
        let usb = "<source><address type='usb' bus='1' device='2'/></source>";
        let pci = "<source><address type='pci' domain='0' bus='1' slot='2' function='0'/></source>";
        let scsi = "<source><adapter name='scsi_host0'/><address type='scsi' bus='0' target='0' unit='0'/></source>";
        let mdev =
            "<source><address type='mdev' uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source>";
        let cases = [
            (format!("<interface type='hostdev'>{usb}<address type='spapr-vio' reg='5'/></interface>"),
             "unsupported configuration: USB host device must use 'usb' address type"),
            (format!("<interface type='hostdev'>{usb}<address type='usb' bus='0' port='1'/></interface>"), "OK"),
            (format!("<interface type='hostdev'>{pci}<address type='usb' bus='0' port='1'/></interface>"),
             "internal error: PCI host devices must use 'pci' or 'unassigned' address type"),
            (format!("<interface type='hostdev'>{scsi}<address type='pci' bus='0' slot='3'/></interface>"),
             "unsupported configuration: SCSI host device must use 'drive' address type"),
            (format!("<interface type='hostdev' sgio='unfiltered'>{scsi}</interface>"),
             "unsupported configuration: unfiltered sgio is no longer supported"),
            ("<interface type='hostdev'><source protocol='vhost' wwpn='naa.5123456789abcde0'>\
              <address type='scsi_host'/></source><address type='usb' bus='0' port='1'/></interface>".into(),
             "unsupported configuration: SCSI_host host device must use 'pci' or 'ccw' address type"),
            // Parsed as a host device from the interface's attributes.
            (format!("<interface type='hostdev'>{mdev}</interface>"),
             "XML error: Missing required attribute 'model' in element 'interface'"),
            (format!("<interface type='hostdev' model='vfio-pci' ramfb='x'>{mdev}</interface>"),
             "XML error: Invalid value for attribute 'ramfb' in element 'interface': 'x'."),
            (format!("<interface type='hostdev' model='vfio-pci'>{usb}</interface>"),
             "XML error: 'model' attribute in <hostdev> is only supported when type='usb'"),
            ("<interface type='hostdev'><source><address type='scsi' bus='0' target='0' unit='0'/></source></interface>".into(),
             "XML error: 'adapter' name must be specified for scsi hostdev source"),
            // The SCSI host's address first, its numbers in C's bases
            // (steered seed 1's gen277: unit='08').
            ("<hostdev mode='subsystem' type='scsi'><source><adapter name='h'/>\
              <address bus='18' target='1' unit='08'/></source></hostdev>".into(),
             "XML error: Invalid value for attribute 'unit' in element 'address': '08'. Expected non-negative integer value"),
            ("<hostdev mode='subsystem' type='scsi'><source><address bus='0' target='0'/></source></hostdev>".into(),
             "XML error: Missing required attribute 'unit' in element 'address'"),
            ("<hostdev mode='subsystem' type='scsi'><source><adapter name='h'/></source></hostdev>".into(),
             "XML error: 'address' must be specified for scsi hostdev source"),
            // Post-parse: a mediated device's address.
            (format!("<interface type='hostdev' model='vfio-ccw'>{mdev}<address type='pci' bus='0' slot='4'/></interface>"),
             "XML error: Unsupported address type 'pci' with mediated device model 'vfio-ccw'"),
            // The checks across host devices.
            (format!("<interface type='hostdev'>{pci}</interface><hostdev mode='subsystem' type='pci'>\
              <source><address domain='0' bus='1' slot='2'/></source></hostdev>"),
             "XML error: Hostdev already exists in the domain configuration"),
            (format!("<interface type='hostdev'>{usb}</interface><hostdev mode='subsystem' type='usb'>\
              <source><vendor id='1'/><product id='2'/><address bus='1' device='2'/></source></hostdev>"),
             "XML error: Hostdev already exists in the domain configuration"),
            // (The first's vendor and product are compared when it has no
            // bus and device: the second's are.)
            ("<hostdev mode='subsystem' type='usb'><source><vendor id='1'/><product id='2'/>\
              <address bus='1' device='2'/></source></hostdev><hostdev mode='subsystem' type='usb'>\
              <source><vendor id='1'/><product id='3'/><address bus='1' device='3'/></source></hostdev>".into(),
             "OK"),
            (format!("<interface type='hostdev' model='vfio-pci' ramfb='on'>{mdev}</interface>\
              <hostdev mode='subsystem' type='mdev' model='vfio-pci' ramfb='on'><source>\
              <address uuid='c2177883-f1bb-47f0-914d-32a22e3a8805'/></source></hostdev>"),
             "unsupported configuration: Only one vgpu device can have 'ramfb' enabled"),
            (format!("<interface type='hostdev'>{scsi}<address type='drive' controller='1' bus='0' target='0' unit='3'/></interface>\
              <hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host1'/><address bus='0' target='0' unit='0'/></source>\
              <address type='drive' controller='1' bus='0' target='0' unit='3'/></hostdev>"),
             "unsupported configuration: SCSI host address controller='0' bus='1' target='0' unit='3' in use by another SCSI host device"),
        ];
        for (devices, want) in cases {
            assert_eq!(verdict(&devices), want, "{devices}");
        }
    }
}
