//! virDomainDiskDefValidate: libvirt's rules for one disk, in its order,
//! on the disk as post-parse leaves it (the bus named by the target when
//! none is given, a CD-ROM read-only, a vhost-user disk's snapshot mode
//! `no`). The target, vendor, product and WWN are checked while parsing
//! (libvirt's words, the same refusals).

use super::*;
use crate::Disk;

/// The network protocols libvirt takes no `<auth>` for.
const NO_AUTH_PROTOCOLS: &[&str] = &["nbd", "sheepdog", "gluster", "tftp", "vxhs", "nfs"];

/// The secret usage types libvirt knows (virSecretUsageType).
const SECRET_USAGES: &[&str] = &["none", "volume", "ceph", "iscsi", "tls", "vtpm"];

/// The disk's first `name` child.
fn child<'a>(disk: &'a Disk, name: &str) -> Option<&'a Element> {
    disk.extra.iter().find(|e| e.name == name)
}

/// An attribute of the disk element itself.
fn disk_attr<'a>(disk: &'a Disk, name: &str) -> Option<&'a str> {
    disk.attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// An attribute set to something other than its enum's default.
fn set(value: Option<&str>) -> bool {
    value.is_some_and(|v| v != "default")
}

/// A number attribute that reads as more than zero.
fn positive(e: Option<&Element>, attr: &str) -> bool {
    e.and_then(|e| e.attr(attr))
        .and_then(|v| crate::devinfo::c_unsigned(v, 10))
        .is_some_and(|n| n > 0)
}

/// A child whose text reads as more than zero.
fn positive_text(e: &Element, name: &str) -> bool {
    e.child(name)
        .and_then(|c| crate::devinfo::c_unsigned(&string_value(c), 10))
        .is_some_and(|n| n > 0)
}

/// The target name as post-parse leaves it: without the `ioemu:` prefix
/// of libvirt's old Xen driver.
fn target(disk: &Disk) -> &str {
    disk.target_dev
        .strip_prefix("ioemu:")
        .unwrap_or(&disk.target_dev)
}

/// The bus post-parse gives the disk (virDomainDiskDefPostParse).
pub(crate) fn bus(disk: &Disk) -> &str {
    match disk.target_bus.as_deref() {
        Some(bus) => bus,
        None => crate::post_parse_disk_bus(disk.device == "floppy", &disk.target_dev),
    }
}

/// One storage source of the disk's chain: its type, and its `<source>`.
struct Source<'a> {
    kind: &'a str,
    source: Option<&'a Element>,
    /// Where `<auth>` and `<encryption>` may also sit (the disk itself,
    /// libvirt's older place for them), for the disk's own source.
    outer: Option<&'a Disk>,
}

impl<'a> Source<'a> {
    fn part(&self, name: &str) -> Option<&'a Element> {
        self.source
            .and_then(|s| s.child(name))
            .or_else(|| self.outer.and_then(|d| child(d, name)))
    }
    fn protocol(&self) -> &'a str {
        self.source
            .and_then(|s| s.attr("protocol"))
            .unwrap_or("none")
    }
}

/// The disk's own storage source.
fn own_source(disk: &Disk) -> Source<'_> {
    Source {
        kind: &disk.disk_type,
        source: child(disk, "source"),
        outer: Some(disk),
    }
}

/// The disk's storage sources, its own first, then its backing chain;
/// walked, not collected (each define checks every disk's chain twice,
/// and a list cost an allocation each time).
fn chain(disk: &Disk) -> impl Iterator<Item = Source<'_>> {
    let mut next = child(disk, "backingStore");
    std::iter::once(own_source(disk)).chain(std::iter::from_fn(move || {
        let b = next?;
        // A `<backingStore/>` without a type ends the chain.
        let kind = b.attr("type")?;
        next = b.child("backingStore");
        Some(Source {
            kind,
            source: b.child("source"),
            outer: None,
        })
    }))
}

/// What libvirt names a disk without a target by (virDomainDiskDefValidate):
/// a volume's pool and volume, else its source path as read (a network
/// source's name, past the pool for RBD and Gluster), none when it has
/// none.
fn untargeted_source(disk: &Disk) -> String {
    let source = disk.extra.iter().find(|e| e.name == "source");
    let attr = |name: &str| source.and_then(|s| s.attr(name));
    if disk.disk_type == "volume" {
        if let (Some(pool), Some(volume)) = (attr("pool"), attr("volume")) {
            return format!("pool = '{pool}', volume = '{volume}'");
        }
    }
    let key = crate::parse::disk_source_key(&disk.disk_type);
    let path = match disk.disk_type.as_str() {
        "file" | "block" | "dir" | "network" => {
            source.map_or(disk.source.as_deref(), |s| s.attr(key))
        }
        _ => None,
    };
    let path = match (disk.disk_type.as_str(), attr("protocol")) {
        ("network", Some("rbd" | "gluster")) => {
            path.and_then(|p| p.split_once('/')).map(|(_, p)| p)
        }
        _ => path,
    };
    path.unwrap_or_default().to_string()
}

/// virDomainDiskDefValidateSourceChainOne: authentication for the network
/// protocols that take it, with a secret of the protocol's kind; no
/// `<cipher>` for a LUKS disk.
fn check_source(src: &Source<'_>) -> Result<(), XmlError> {
    if src.kind == "network" {
        if let Some(auth) = src.part("auth") {
            let protocol = src.protocol();
            if NO_AUTH_PROTOCOLS.contains(&protocol) {
                return Err(XmlError::Unsupported(format!(
                    "authentication is not supported for protocol '{protocol}'"
                )));
            }
            let usage = auth.child("secret").and_then(|s| s.attr("type"));
            let Some(usage) = usage.filter(|u| SECRET_USAGES.contains(u)) else {
                return Err(XmlError::Unsupported(format!(
                    "unknown secret type '{}'",
                    usage.unwrap_or("<null>")
                )));
            };
            if (protocol == "iscsi" && usage != "iscsi") || (protocol == "rbd" && usage != "ceph") {
                return Err(XmlError::Unsupported(format!(
                    "invalid secret type '{usage}'"
                )));
            }
        }
    }
    if let Some(enc) = src.part("encryption") {
        let cipher = enc.child("cipher").and_then(|c| c.attr("name"));
        if enc.attr("format") == Some("luks") && cipher.is_some() {
            return Err(XmlError::Unsupported(
                "supplying <cipher> for domain disk definition is unnecessary".into(),
            ));
        }
    }
    Ok(())
}

/// virStorageSourceIsEmpty for the disk's own source: a local one
/// without a path, a network one without a protocol.
fn source_empty(disk: &Disk) -> bool {
    let source = child(disk, "source");
    match disk.disk_type.as_str() {
        "file" | "block" | "dir" => {
            let key = crate::parse::disk_source_key(&disk.disk_type);
            let path = match source {
                Some(s) => s.attr(key),
                None => disk.source.as_deref(),
            };
            path.is_none_or(str::is_empty)
        }
        // The protocol enumeration's zero is `none`.
        "network" => source
            .and_then(|s| s.attr("protocol"))
            .is_none_or(|p| p == "none"),
        _ => false,
    }
}

/// virDomainDiskGetSource: the path (or network name) of the disk's own
/// source, none when empty.
fn source_path(disk: &Disk) -> Option<&str> {
    if !matches!(
        disk.disk_type.as_str(),
        "file" | "block" | "dir" | "network"
    ) {
        return None;
    }
    let key = crate::parse::disk_source_key(&disk.disk_type);
    match child(disk, "source") {
        Some(s) => s.attr(key),
        None => disk.source.as_deref(),
    }
    .filter(|p| !p.is_empty())
}

/// The metadata cache size of a disk's `<driver>` in bytes as
/// virDomainDiskDefDriverSourceParseXML reads it (virParseScaledValue of
/// `./metadata_cache/max_size`, in bytes without a unit, at most
/// 2^64-1 bytes): 0 when none or empty.
pub(crate) fn metadata_cache_bytes(driver: &Element) -> Result<u64, XmlError> {
    scaled_max_size(
        || driver.children_named("metadata_cache"),
        "./metadata_cache/max_size",
    )
}

/// The metadata cache size of a `<backingStore>`'s `<format>` in bytes
/// as virDomainDiskBackingStoreParse reads it (`xpath`
/// `./format/metadata_cache/max_size`, as for a disk's driver).
pub(crate) fn backing_metadata_cache_bytes(store: &Element) -> Result<u64, XmlError> {
    scaled_max_size(
        || {
            store
                .children_named("format")
                .flat_map(|f| f.children_named("metadata_cache"))
        },
        "./format/metadata_cache/max_size",
    )
}

/// virParseScaledValue(`xpath`, NULL, ..., 1, ULLONG_MAX, false) over the
/// `<max_size>` children of `caches`' `<metadata_cache>` elements: the
/// number is the first `<max_size>`'s text (empty is none, so 0), its
/// unit `string(xpath/@unit)`, the first `<max_size>` that has one.
fn scaled_max_size<'e, I>(caches: impl Fn() -> I, xpath: &str) -> Result<u64, XmlError>
where
    I: Iterator<Item = &'e Element>,
{
    let sizes = || caches().flat_map(|m| m.children_named("max_size"));
    let Some(size) = sizes().next() else {
        return Ok(0);
    };
    let text = string_value(size);
    if text.is_empty() {
        return Ok(0);
    }
    let n = crate::devinfo::c_unsigned(&text, 10).ok_or_else(|| XmlError::InvalidValue {
        value: text.clone(),
        xpath: xpath.into(),
    })?;
    let unit = sizes()
        .find_map(|m| m.attr("unit"))
        .filter(|u| !u.is_empty());
    crate::units::scale_to_bytes(n, unit, 1, u64::MAX)
}

/// virDomainDefDuplicateDiskInfoValidate: no two disks with one target.
pub(crate) fn check_duplicate_targets(def: &DomainDef) -> Result<(), XmlError> {
    let disks = &def.devices.disks;
    for (i, a) in disks.iter().enumerate() {
        if let Some(b) = disks[i + 1..].iter().find(|b| target(b) == target(a)) {
            let name = |d: &Disk| source_path(d).unwrap_or("<null>").to_string();
            return Err(XmlError::Invalid(format!(
                "target '{}' duplicated for disk sources '{}' and '{}'",
                target(a),
                name(a),
                name(b)
            )));
        }
    }
    Ok(())
}

/// The drive address a disk has after post-parse, as
/// `[controller, bus, target, unit]`: its own `<address type='drive'>`,
/// or, for one without an address, the address
/// virDomainDiskDefAssignAddress derives from its target's index on a
/// controller-based bus (a narrow SCSI bus: seven units a controller).
/// None for another address or bus.
pub(crate) fn drive_address(disk: &Disk) -> Option<[u64; 4]> {
    if let Some(a) = child(disk, "address") {
        let number = |f: &str| a.attr(f).and_then(|v| c_uint(v, 10)).map_or(0, u64::from);
        return (a.attr("type") == Some("drive"))
            .then(|| ["controller", "bus", "target", "unit"].map(number));
    }
    let idx = u64::try_from(crate::postparse::disk_name_index(target(disk))?).ok()?;
    match bus(disk) {
        "ide" => Some([idx / 4, (idx % 4) / 2, 0, idx % 2]),
        "scsi" => Some([idx / 7, 0, 0, idx % 7]),
        "sata" => Some([idx / 6, 0, 0, idx % 6]),
        "fdc" => Some([idx / 2, 0, 0, idx % 2]),
        _ => None,
    }
}

/// virDomainDefDuplicateDriveAddressesValidate, its disk half: no two
/// disks on one bus at one drive address (assigned ones included).
pub(crate) fn check_duplicate_drive_addresses(def: &DomainDef) -> Result<(), XmlError> {
    let disks = &def.devices.disks;
    let addresses: Vec<Option<[u64; 4]>> = disks.iter().map(drive_address).collect();
    for (i, a) in disks.iter().enumerate() {
        let Some(addr @ [controller, bus_, target_, unit]) = addresses[i] else {
            continue;
        };
        let same = disks[i + 1..]
            .iter()
            .zip(&addresses[i + 1..])
            .any(|(b, b_addr)| bus(b) == bus(a) && *b_addr == Some(addr));
        if same {
            return Err(XmlError::Unsupported(format!(
                "Found duplicate drive address for disk with target name '{}' \
                 controller='{controller}' bus='{bus_}' target='{target_}' unit='{unit}'",
                target(a)
            )));
        }
    }
    Ok(())
}

/// virDomainDiskDefSourceLUNValidate: a LUN is an iSCSI network source,
/// a block device or a volume, raw, unsliced and unencrypted.
fn check_lun(disk: &Disk) -> Result<(), XmlError> {
    let own = &own_source(disk);
    if disk.disk_type == "network" {
        let protocol = own.protocol();
        if protocol != "iscsi" {
            return Err(XmlError::Unsupported(format!(
                "disk device='lun' is not supported for protocol='{protocol}'"
            )));
        }
    } else if !matches!(disk.disk_type.as_str(), "block" | "volume") {
        return Err(XmlError::Unsupported(
            "disk device='lun' is only valid for block type disk source".into(),
        ));
    }
    if !matches!(disk.driver_type.as_deref(), None | Some("raw" | "none")) {
        return Err(XmlError::Unsupported(
            "disk device 'lun' must use 'raw' format".into(),
        ));
    }
    let sliced = own.part("slices").is_some_and(|s| {
        s.children_named("slice")
            .any(|x| x.attr("type") == Some("storage"))
    });
    if sliced {
        return Err(XmlError::Unsupported(
            "disk device 'lun' doesn't support storage slice".into(),
        ));
    }
    if own
        .part("encryption")
        .is_some_and(|e| set(e.attr("format")))
    {
        return Err(XmlError::Unsupported(
            "disk device 'lun' doesn't support encryption".into(),
        ));
    }
    Ok(())
}

/// virDomainDiskAddressDiskBusCompatibility: the buses common code knows
/// take drive addresses only.
fn check_address(disk: &Disk, bus: &str) -> Result<(), XmlError> {
    let kind = child(disk, "address")
        .and_then(|a| a.attr("type"))
        .filter(|t| *t != "none");
    if let Some(kind) = kind {
        if matches!(bus, "ide" | "fdc" | "scsi" | "sata") && kind != "drive" {
            return Err(XmlError::Unsupported(format!(
                "Invalid address type '{kind}' for the disk '{}' with the bus type '{bus}'",
                target(disk)
            )));
        }
    }
    Ok(())
}

/// The block I/O tuning pairs libvirt refuses together: a total with a
/// read or write limit (virDomainDiskDefValidate, on the limits as
/// virDomainDiskDefIotuneParse read them from every `<iotune>`).
fn check_iotune(disk: &Disk) -> Result<(), XmlError> {
    let Some(tune) = iotune(disk) else {
        return Ok(());
    };
    for what in ["bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max"] {
        let set = |side: &str| tune.limit(&format!("{side}_{what}")) > 0;
        if set("total") && (set("read") || set("write")) {
            return Err(XmlError::Invalid(format!(
                "total and read/write {what} cannot be set at the same time"
            )));
        }
    }
    Ok(())
}

/// The disk's I/O tuning as libvirt read it; none without one (or with
/// one refused when read).
fn iotune(disk: &Disk) -> Option<crate::views::Iotune> {
    child(disk, "iotune")?;
    crate::views::Iotune::of_disk(&disk.extra).ok()
}

/// The checks of a disk on a bus other than virtio.
fn check_not_virtio(disk: &Disk, bus: &str) -> Result<(), XmlError> {
    if let Some(model) = disk_attr(disk, "model").filter(|m| crate::is_virtio_model(m)) {
        return Err(XmlError::Unsupported(format!(
            "disk model '{model}' not supported for bus '{bus}'"
        )));
    }
    let driver = child(disk, "driver");
    if positive(driver, "queues") {
        return Err(XmlError::Unsupported(
            "queues attribute in disk driver element is only supported by virtio-blk".into(),
        ));
    }
    for (attr, what) in [("event_idx", "event_idx"), ("ioeventfd", "ioeventfd")] {
        if driver.and_then(|d| d.attr(attr)).is_some() {
            return Err(XmlError::Unsupported(format!(
                "disk {what} mode supported only for virtio bus"
            )));
        }
    }
    check_virtio_options_absent(driver)
}

/// virDomainDiskVhostUserValidate: a vhost-user disk is a virtio disk
/// with none of the options QEMU's block layer would serve.
fn check_vhostuser(disk: &Disk, bus: &str) -> Result<(), XmlError> {
    let refuse = |what: &str| {
        Err(XmlError::Unsupported(format!(
            "{what} is not supported with vhostuser disk"
        )))
    };
    if bus != "virtio" {
        return Err(XmlError::Unsupported(
            "vhostuser disk supports only virtio bus".into(),
        ));
    }
    if disk_attr(disk, "snapshot").is_some_and(|s| s != "no") {
        return Err(XmlError::Unsupported(
            "only snapshot=no is supported with vhostuser disk".into(),
        ));
    }
    let driver = child(disk, "driver");
    let driver_attr = |a: &str| driver.and_then(|d| d.attr(a));
    if set(driver_attr("cache")) {
        return refuse("cache");
    }
    if set(driver_attr("error_policy")) || set(driver_attr("rerror_policy")) {
        return refuse("error_policy");
    }
    if set(driver_attr("io")) {
        return refuse("io");
    }
    if driver_attr("ioeventfd").is_some() {
        return refuse("ioeventfd");
    }
    if set(driver_attr("copy_on_read")) {
        return refuse("copy_on_read");
    }
    if set(driver_attr("discard")) {
        return refuse("discard");
    }
    if positive(driver, "iothread") {
        return refuse("iothread");
    }
    if set(driver_attr("detect_zeroes")) {
        return refuse("detect_zeroes");
    }
    let metadata_cache = driver
        .and_then(|d| d.child("metadata_cache"))
        .is_some_and(|m| positive_text(m, "max_size"));
    if metadata_cache {
        return refuse("metadata_cache");
    }
    if iotune(disk).is_some_and(|t| t.is_set()) {
        return refuse("iotune");
    }
    if child(disk, "backingStore").is_some() {
        return refuse("backingStore");
    }
    let own = &own_source(disk);
    if own.part("encryption").is_some() {
        return refuse("encryption");
    }
    if disk.readonly || disk.device == "cdrom" {
        return refuse("readonly");
    }
    if disk.shareable {
        return refuse("shareable");
    }
    for name in ["transient", "serial", "wwn", "vendor", "product"] {
        let present =
            child(disk, name).is_some_and(|e| name == "transient" || !string_value(e).is_empty());
        if present {
            return refuse(name);
        }
    }
    if own.part("auth").is_some() {
        return refuse("auth");
    }
    let geometry = child(disk, "geometry");
    if ["cyls", "heads", "secs"]
        .iter()
        .any(|a| positive(geometry, a))
        || set(geometry.and_then(|g| g.attr("trans")))
    {
        return refuse("geometry");
    }
    let blockio = child(disk, "blockio");
    if positive(blockio, "logical_block_size") || positive(blockio, "physical_block_size") {
        return refuse("blockio");
    }
    Ok(())
}

/// virDomainDiskDefValidateStartupPolicy: a start-up policy for local
/// storage and volumes only, `requisite` for removable media only.
fn check_startup_policy(disk: &Disk) -> Result<(), XmlError> {
    let own = &own_source(disk);
    let Some(policy) = own
        .source
        .and_then(|s| s.attr("startupPolicy"))
        .filter(|p| *p != "default")
    else {
        return Ok(());
    };
    if !matches!(disk.disk_type.as_str(), "volume" | "file" | "block" | "dir") {
        return Err(XmlError::Invalid(format!(
            "disk startupPolicy '{policy}' is not allowed for disk of '{}' type",
            disk.disk_type
        )));
    }
    if policy == "requisite" && !matches!(disk.device.as_str(), "cdrom" | "floppy") {
        return Err(XmlError::Invalid(
            "disk startupPolicy 'requisite' is allowed only for cdrom or floppy".into(),
        ));
    }
    Ok(())
}

/// virDomainDiskDefValidate, after the disk's address was checked.
pub(super) fn check_disk(def: &DomainDef, disk: &Disk) -> Result<(), XmlError> {
    // The target first: libvirt's other checks use it.
    if !crate::parse::disk_target_named(disk) {
        return Err(XmlError::NoTarget(untargeted_source(disk)));
    }
    for src in chain(disk) {
        check_source(&src)?;
    }
    let own = own_source(disk);
    if disk_attr(disk, "sgio") == Some("unfiltered") {
        return Err(XmlError::Unsupported(
            "unfiltered sgio is no longer supported".into(),
        ));
    }
    if disk.device == "lun" {
        check_lun(disk)?;
    } else {
        if own.source.and_then(|s| s.child("reservations")).is_some() {
            return Err(XmlError::Unsupported(
                "<reservations/> allowed only for lun devices".into(),
            ));
        }
        for attr in ["rawio", "sgio"] {
            if set(disk_attr(disk, attr)) {
                return Err(XmlError::Unsupported(format!(
                    "{attr} can be used only with device='lun'"
                )));
            }
        }
    }
    check_iotune(disk)?;
    let bus = bus(disk);
    check_address(disk, bus)?;
    if bus != "virtio" {
        check_not_virtio(disk, bus)?;
    }
    if disk.disk_type == "nvme" {
        let namespace = own
            .source
            .and_then(|s| s.attr("namespace"))
            .and_then(|n| crate::devinfo::c_unsigned(n, 10));
        if namespace == Some(0) {
            return Err(XmlError::Unsupported("NVMe namespace can't be zero".into()));
        }
    }
    if disk.disk_type == "vhostuser" {
        check_vhostuser(disk, bus)?;
    }
    for src in chain(disk) {
        if let Some(source) = src.source {
            check_label_overrides(def, source)?;
        }
    }
    let target_el = child(disk, "target");
    if target_el.and_then(|t| t.attr("tray")) == Some("open")
        && !matches!(disk.device.as_str(), "floppy" | "cdrom")
    {
        return Err(XmlError::Unsupported(
            "tray is only valid for cdrom and floppy".into(),
        ));
    }
    if disk.device == "floppy" && bus != "fdc" {
        return Err(XmlError::Internal(format!(
            "Invalid bus type '{bus}' for floppy disk"
        )));
    }
    if disk.device != "floppy" && bus == "fdc" {
        return Err(XmlError::Internal(format!(
            "Invalid bus type '{bus}' for disk"
        )));
    }
    if target_el.and_then(|t| t.attr("removable")).is_some() && bus != "usb" {
        return Err(XmlError::Invalid(
            "removable is only valid for usb disks".into(),
        ));
    }
    check_startup_policy(disk)?;
    let dst = target(disk);
    if matches!(disk.device.as_str(), "disk" | "lun")
        && !["hd", "sd", "vd", "xvd", "ubd"]
            .iter()
            .any(|p| dst.starts_with(p))
    {
        return Err(XmlError::Internal(format!(
            "Invalid harddisk device name: {dst}"
        )));
    }
    if disk.device == "floppy" && !dst.starts_with("fd") {
        return Err(XmlError::Internal(format!(
            "Invalid floppy device name: {dst}"
        )));
    }
    if disk.device == "disk" && source_empty(disk) {
        return Err(XmlError::Refused {
            code: ErrorCode::NoSource,
            domain: ErrorDomain::Domain,
            message: format!("missing source information for device {dst}"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// Each rule with the words Debian's virsh 9.0 prints for it (define
    /// on test:///default), and disks it accepts.
    #[test]
    fn disks_refused_as_libvirt_validates_them() {
        let file = "<source file='/a'/>";
        let vhost = "<source type='unix' path='/s'/>";
        let iscsi = "<source protocol='iscsi' name='x/1'><host name='h'/><auth username='u'>";
        for (disk, error) in [
            (format!("<disk type='file' sgio='unfiltered' device='lun'>{file}<target dev='sda'/></disk>"),
             Some("unsupported configuration: unfiltered sgio is no longer supported")),
            (format!("<disk type='file' rawio='yes'>{file}<target dev='sda'/></disk>"),
             Some("unsupported configuration: rawio can be used only with device='lun'")),
            (format!("<disk type='file'>{file}<target dev='sda'/><iotune><total_bytes_sec>1</total_bytes_sec>\
                      <read_bytes_sec>1</read_bytes_sec></iotune></disk>"),
             Some("XML error: total and read/write bytes_sec cannot be set at the same time")),
            (format!("<disk type='file'>{file}<target dev='sda' bus='ide'/><address type='pci'/></disk>"),
             Some("unsupported configuration: Invalid address type 'pci' for the disk 'sda' with the bus type 'ide'")),
            (format!("<disk type='file' model='virtio'>{file}<target dev='sda'/></disk>"),
             Some("unsupported configuration: disk model 'virtio' not supported for bus 'scsi'")),
            (format!("<disk type='file'>{file}<driver queues='2'/><target dev='sda'/></disk>"),
             Some("unsupported configuration: queues attribute in disk driver element is only supported by virtio-blk")),
            (format!("<disk type='file'>{file}<driver event_idx='on'/><target dev='sda'/></disk>"),
             Some("unsupported configuration: disk event_idx mode supported only for virtio bus")),
            (format!("<disk type='file'>{file}<target dev='sda' tray='open'/></disk>"),
             Some("unsupported configuration: tray is only valid for cdrom and floppy")),
            (format!("<disk type='file'>{file}<target dev='sda' tray='closed'/></disk>"), None),
            (format!("<disk type='file' device='floppy'>{file}<target dev='fda' bus='ide'/></disk>"),
             Some("internal error: Invalid bus type 'ide' for floppy disk")),
            (format!("<disk type='file'>{file}<target dev='fda' bus='fdc'/></disk>"),
             Some("internal error: Invalid bus type 'fdc' for disk")),
            (format!("<disk type='file'>{file}<target dev='sda' removable='off'/></disk>"),
             Some("XML error: removable is only valid for usb disks")),
            (format!("<disk type='file' device='floppy'>{file}<target dev='sda'/></disk>"),
             Some("internal error: Invalid floppy device name: sda")),
            ("<disk type='file'><source file=''/><target dev='sda'/></disk>".into(),
             Some("missing source information for device sda")),
            (format!("<disk type='vhostuser'>{vhost}<target dev='sda'/></disk>"),
             Some("unsupported configuration: vhostuser disk supports only virtio bus")),
            (format!("<disk type='vhostuser' device='cdrom'>{vhost}<target dev='vda'/></disk>"),
             Some("unsupported configuration: readonly is not supported with vhostuser disk")),
            (format!("<disk type='vhostuser'>{vhost}<target dev='vda'/><backingStore/></disk>"),
             Some("unsupported configuration: backingStore is not supported with vhostuser disk")),
            (format!("<disk type='vhostuser'>{vhost}<driver cache='none'/><target dev='vda'/></disk>"),
             Some("unsupported configuration: cache is not supported with vhostuser disk")),
            (format!("<disk type='vhostuser'>{vhost}<target dev='vda'/><iotune><total_bytes_sec>0</total_bytes_sec></iotune></disk>"), None),
            ("<disk type='network'><source protocol='nbd' name='x'><host name='h'/><auth username='u'>\
              <secret type='iscsi' usage='x'/></auth></source><target dev='sda'/></disk>".into(),
             Some("unsupported configuration: authentication is not supported for protocol 'nbd'")),
            (format!("<disk type='network'>{iscsi}<secret usage='x'/></auth></source><target dev='sda'/></disk>"),
             Some("unsupported configuration: unknown secret type '<null>'")),
            (format!("<disk type='network'>{iscsi}<secret type='ceph' usage='x'/></auth></source><target dev='sda'/></disk>"),
             Some("unsupported configuration: invalid secret type 'ceph'")),
            (format!("<disk type='file' device='lun'>{file}<target dev='sda'/></disk>"),
             Some("unsupported configuration: disk device='lun' is only valid for block type disk source")),
            ("<disk type='block' device='lun'><source dev='/d'/><driver type='qcow2'/><target dev='sda'/></disk>".into(),
             Some("unsupported configuration: disk device 'lun' must use 'raw' format")),
            ("<disk type='nvme'><source type='pci' namespace='0'><address domain='0' bus='1' slot='0' function='0'/>\
              </source><target dev='sda'/></disk>".into(),
             Some("unsupported configuration: NVMe namespace can't be zero")),
            ("<disk type='network' device='cdrom'><source protocol='http' name='x' startupPolicy='optional'>\
              <host name='h'/></source><target dev='sda'/></disk>".into(),
             Some("XML error: disk startupPolicy 'optional' is not allowed for disk of 'network' type")),
            ("<disk type='file'><source file='/a' startupPolicy='requisite'/><target dev='sda'/></disk>".into(),
             Some("XML error: disk startupPolicy 'requisite' is allowed only for cdrom or floppy")),
            ("<disk type='file'><source file='/a'><reservations managed='yes'/></source><target dev='sda'/></disk>".into(),
             Some("unsupported configuration: <reservations/> allowed only for lun devices")),
            (format!("<disk type='file'>{file}<target dev='vdb'/></disk><disk type='file' device='cdrom'>\
                      <source file=''/><target dev='vdb'/></disk>"),
             Some("XML error: target 'vdb' duplicated for disk sources '/a' and '<null>'")),
            // The target named without the old Xen driver's prefix.
            (format!("<disk type='file'>{file}<target dev='ioemu:hda'/></disk>"), None),
        ] {
            let xml = format!(
                "<domain type='test'><name>d</name><memory>1024</memory><os><type>hvm</type></os>\
                 <devices>{disk}</devices></domain>"
            );
            let got = crate::parse_domain(&xml).err().map(|e| e.to_string());
            assert_eq!(got.as_deref(), error, "{disk}");
        }
    }
}
