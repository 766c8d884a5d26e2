//! A disk's own children as libvirt writes what it read into an inactive
//! definition (virDomainDiskDefParseXML, virDomainDiskDefFormat), where
//! the model keeps them as written: the block job `<mirror>`, the tray
//! state, the encryption given on the disk itself and the device
//! information.

use crate::{Disk, Element, Node};

/// The column of a disk's children in a dumped definition
/// (`<domain>`, `<devices>`, `<disk>`, two spaces each).
const CHILD_INDENT: usize = 6;

/// Rewrites `disk`'s children as libvirt writes them back.
pub(super) fn rewrite(disk: &mut Disk) {
    // virDomainDiskDefParseXML reads `<mirror>` only from a live or status
    // definition (not with VIR_DOMAIN_DEF_PARSE_INACTIVE, which define
    // uses), and virDomainDiskDefFormatMirror writes none into an
    // inactive one: a defined disk has no block job.
    disk.extra.retain(|e| e.name != "mirror");
    network_source(disk);
    local_source(disk);
    // virXPathString("string(./serial)") and the like: the first of
    // each, none when empty.
    for name in ["serial", "wwn", "vendor", "product"] {
        super::keep_first(&mut disk.extra, name);
        disk.extra
            .retain(|e| e.name != name || !crate::validate::string_value(e).is_empty());
    }
    snapshot(disk);
    geometry(disk);
    backend_domain(disk);
    blockio_and_transient(disk);
    iotune(disk);
    // virDomainDiskDefParseSourceXML reads the disk's first `<auth>`
    // (`./auth`), and virDomainDiskDefFormat writes it back beside the
    // source as virStorageAuthDefFormat writes any (seed 26's gen9982: its
    // secret's UUID in canonical form).
    super::keep_first(&mut disk.extra, "auth");
    // virDomainDiskDefDriverSourceParseXML: `aio` is Xen's old name for
    // the raw format.
    if disk.driver_type.as_deref() == Some("aio") {
        disk.driver_type = Some("raw".into());
    }
    let tray_written = matches!(disk.device.as_str(), "cdrom" | "floppy");
    let vhostuser = disk.disk_type == "vhostuser";
    for part in &mut disk.extra {
        match part.name.as_str() {
            "target" => target(part, tray_written),
            "driver" => {
                driver_attributes(part);
                driver_metadata_cache(part);
            }
            "auth" => *part = super::storage_source::auth_written(part),
            // virDomainDiskSourceVhostuserFormat: the socket's reconnect
            // state, its timeout only when enabled (seed 56's gen9099).
            "source" if vhostuser => super::chr_source::vhostuser_reconnect(part),
            // An `<encryption>` given on the disk rather than in its source
            // is written there again, as any storage encryption
            // (virStorageEncryptionFormat: always with an end tag).
            // (One without a format, which libvirt refuses and virt-xml
            // does not yet, is left as written.)
            "encryption" if part.attr("format").is_some() => {
                *part = super::storage_source::encryption(part, CHILD_INDENT);
            }
            _ => {}
        }
    }
    // virDomainDeviceInfoFormat with VIR_DOMAIN_DEF_FORMAT_ALLOW_BOOT.
    crate::devinfo::rewrite_disk(&mut disk.extra);
}

/// The `<driver>` attributes virDomainDiskDefDriverParseXML and
/// virDomainDiskDefDriverSourceParseXML read, in the order
/// virDomainDiskDefFormatDriver writes them (the virtio options last).
const DRIVER_ORDER: [&str; 18] = [
    "name",
    "type",
    "cache",
    "error_policy",
    "rerror_policy",
    "io",
    "ioeventfd",
    "event_idx",
    "copy_on_read",
    "discard",
    "iothread",
    "detect_zeroes",
    "queues",
    "queue_size",
    "iommu",
    "ats",
    "packed",
    "page_per_vq",
];

/// A disk `<driver>`'s attributes as libvirt reads and writes them
/// (steered seed 1's documents): only those it reads, in its order;
/// `cache='default'` is the enumeration's none and is not written, the
/// `aio` format is read as `raw`, the counts are written with `%u` and
/// not at all when zero. A value libvirt refuses is left as written
/// (refused at define).
fn driver_attributes(driver: &mut Element) {
    let mut attrs = Vec::with_capacity(driver.attrs.len());
    for name in DRIVER_ORDER {
        let Some(value) = driver.attr(name) else {
            continue;
        };
        let value = match (name, value) {
            ("cache", "default") => continue,
            ("type", "aio") => "raw".to_string(),
            ("iothread" | "queues" | "queue_size", v) => match crate::validate::c_uint(v, 10) {
                Some(0) if name != "iothread" => continue,
                Some(n) => n.to_string(),
                None => v.to_string(),
            },
            (_, v) => v.to_string(),
        };
        attrs.push((name.into(), value));
    }
    driver.attrs = attrs;
}

/// A disk `<driver>`'s metadata cache as virDomainDiskDefFormatDriver
/// writes what was read: the size in bytes, none when 0. A size libvirt
/// refuses leaves the driver as written (refused at define).
fn driver_metadata_cache(driver: &mut Element) {
    let has = |d: &Element| d.children_named("metadata_cache").next().is_some();
    if !has(driver) {
        return;
    }
    let Ok(bytes) = crate::validate::metadata_cache_bytes(driver) else {
        return;
    };
    driver
        .children
        .retain(|n| !matches!(n, Node::Element(c) if c.name == "metadata_cache"));
    if let Some(cache) = super::storage_source::written_metadata_cache(bytes) {
        driver.children.push(Node::Element(cache));
    }
}

/// The attributes of a disk's `<target>` virDomainDiskDefParseXML reads,
/// in the order virDomainDiskDefFormat writes them.
const TARGET_ORDER: [&str; 5] = ["dev", "bus", "tray", "removable", "rotation_rate"];

/// A disk's `<target>` as virDomainDiskDefFormat writes it (seed 31's
/// gen2711): the device name and bus first (a bus libvirt infers from the
/// name is put in after the name when formatted), then the tray state,
/// only for a CD-ROM or floppy and only when open (closed is its
/// default), `removable` (refused on any bus but USB) and the rotation
/// rate, written with `%u` and not at all when zero. Nothing else is
/// read, so nothing else is written. A rate libvirt refuses is left as
/// written (refused at define).
fn target(part: &mut Element, tray_written: bool) {
    let mut attrs = Vec::with_capacity(part.attrs.len());
    for name in TARGET_ORDER {
        let Some(value) = part.attr(name) else {
            continue;
        };
        let value = match name {
            "tray" if !tray_written || value == "closed" => continue,
            "rotation_rate" => match crate::validate::c_uint(value, 10) {
                Some(0) => continue,
                Some(rate) => rate.to_string(),
                None => value.to_string(),
            },
            _ => value.to_string(),
        };
        attrs.push((name.into(), value));
    }
    part.attrs = attrs;
}

/// A network disk's first `<source>` as libvirt reads it
/// (virDomainDiskSourceNetworkParse: hosts with their default ports, the
/// TLS verification, readahead and timeout of the protocols that have
/// them, no backing `index` in an inactive definition), settles it
/// (virDomainDiskDefPostParse: an iSCSI name is given LUN 0) and writes
/// it (virDomainDiskSourceFormat), as a backing store's source is; the
/// name the model keeps follows.
fn network_source(disk: &mut Disk) {
    if disk.disk_type != "network" {
        return;
    }
    let Some(source) = disk.extra.iter_mut().find(|e| e.name == "source") else {
        return;
    };
    let mut written = super::storage_source::written_source("network", source, CHILD_INDENT + 2);
    if written.attr("protocol") == Some("iscsi") {
        super::hostdev::iscsi_lun(&mut written);
    }
    disk.source = written.attr("name").map(str::to_string);
    *source = written;
}

/// The first `<source>` of a disk of a local storage type (file, block,
/// dir, volume, NVMe) as libvirt reads it (virDomainStorageSourceParse:
/// the attributes of its type, an empty path read as none; no `index`
/// in an inactive definition), settles it (virDomainDiskDefPostParse: an
/// NVMe source is managed unless it says not) and writes it
/// (virDomainDiskSourceFormat): its type's attributes, then
/// `startupPolicy`, then its slices, labels, authentication, encryption
/// and reservations; none at all when nothing of it is left (steered
/// seed 1's `<source index='N'>`, attribute orders and NVMe addresses).
/// The path the model keeps follows.
fn local_source(disk: &mut Disk) {
    let kind = disk.disk_type.as_str();
    if !matches!(kind, "file" | "block" | "dir" | "volume" | "nvme") {
        return;
    }
    let key = crate::parse::disk_source_key(kind);
    let Some(at) = disk.extra.iter().position(|e| e.name == "source") else {
        // Only the path given: `<source file=''/>` is no source.
        if kind != "volume" && disk.source.as_deref() == Some("") {
            disk.source = None;
        }
        return;
    };
    let source = &disk.extra[at];
    let mut written = super::storage_source::written_source(kind, source, CHILD_INDENT + 2);
    if kind == "nvme" && written.attr("managed").is_none() {
        written.attrs.insert(1, ("managed".into(), "yes".into()));
    }
    if let Some(policy) = source.attr("startupPolicy") {
        written.attrs.push(("startupPolicy".into(), policy.into()));
    }
    disk.source = match kind {
        "nvme" => None,
        _ => written.attr(key).map(str::to_string),
    };
    if written.is_empty() {
        disk.extra.remove(at);
    } else {
        disk.extra[at] = written;
    }
}

/// The first `<blockio>` and `<transient>` as virDomainDiskDefParseXML
/// reads them and virDomainDiskDefFormat writes them (seed 18's
/// gen2551): the block sizes in decimal, only those above zero, the
/// element only with one; `<transient/>`, with `shareBacking` only when
/// `yes`. Others of each are not read. A size libvirt refuses leaves
/// them as written (refused at define).
fn blockio_and_transient(disk: &mut Disk) {
    let size = |b: &Element, name: &str| match b.attr(name) {
        None => Some(0),
        Some(v) => crate::validate::c_uint(v, 10),
    };
    let blockio = match disk.extra.iter().find(|e| e.name == "blockio") {
        None => None,
        Some(b) => match (
            size(b, "logical_block_size"),
            size(b, "physical_block_size"),
        ) {
            (Some(logical), Some(physical)) => {
                let mut out = Element::new("blockio");
                if logical > 0 {
                    out = out.with_attr("logical_block_size", logical.to_string());
                }
                if physical > 0 {
                    out = out.with_attr("physical_block_size", physical.to_string());
                }
                Some((!out.attrs.is_empty()).then_some(out))
            }
            _ => return,
        },
    };
    let transient =
        disk.extra
            .iter()
            .find(|e| e.name == "transient")
            .map(|t| match t.attr("shareBacking") {
                Some("yes") => Element::new("transient").with_attr("shareBacking", "yes"),
                _ => Element::new("transient"),
            });
    let (mut blockio, mut transient) = (blockio.flatten(), transient);
    disk.extra.retain_mut(|e| {
        let first = match e.name.as_str() {
            "blockio" => &mut blockio,
            "transient" => &mut transient,
            _ => return true,
        };
        match first.take() {
            Some(written) => {
                *e = written;
                true
            }
            None => false,
        }
    });
}

/// The disk's `<iotune>`s as virDomainDiskDefIotuneParse reads them (the
/// first of each limit under any of them) and virDomainDiskDefFormatIotune
/// writes them (seed 26's gen9982): one element, the limits above zero and
/// the group in libvirt's order, none when nothing is set. Limits libvirt
/// refuses leave them as written (refused at define).
fn iotune(disk: &mut Disk) {
    if !disk.extra.iter().any(|e| e.name == "iotune") {
        return;
    }
    let Ok(tune) = crate::views::Iotune::of_disk(&disk.extra) else {
        return;
    };
    let mut written = tune.is_set().then(|| {
        let mut el = Element::new("iotune");
        crate::views::View::write_to(&tune, &mut el);
        el
    });
    disk.extra.retain_mut(|e| {
        if e.name != "iotune" {
            return true;
        }
        match written.take() {
            Some(w) => {
                *e = w;
                true
            }
            None => false,
        }
    });
}

/// virDomainDiskExpandGroupIoTune, on the `<iotune>`s as [`iotune`]
/// wrote them: a disk naming a throttle group but setting no limit takes
/// the limits (and the group) of the first disk of that group that sets
/// one.
pub(super) fn expand_group_iotune(disks: &mut [Disk]) {
    let tune = |d: &Disk| d.extra.iter().find(|e| e.name == "iotune").cloned();
    let group = |t: &Element| t.child("group_name").map(crate::validate::string_value);
    let has_any = |t: &Element| t.elements().any(|c| c.name != "group_name");
    for i in 0..disks.len() {
        let Some(own) = tune(&disks[i]) else {
            continue;
        };
        let Some(name) = group(&own).filter(|_| !has_any(&own)) else {
            continue;
        };
        let source = disks
            .iter()
            .filter_map(tune)
            .find(|t| has_any(t) && group(t).as_deref() == Some(name.as_str()));
        if let (Some(source), Some(at)) = (
            source,
            disks[i].extra.iter().position(|e| e.name == "iotune"),
        ) {
            disks[i].extra[at] = source;
        }
    }
}

/// The disk's `snapshot` location as virDomainDiskDefPostParse settles
/// it and virDomainDiskDefFormat writes it: a vhost-user disk cannot be
/// snapshotted, so it gets `no` when none is given; `no` is not written
/// for a read-only disk (a read-only disk without one gets it, unwritten).
fn snapshot(disk: &mut Disk) {
    // virDomainDiskDefPostParse makes a CD-ROM read-only first.
    let readonly = disk.readonly || disk.device == "cdrom";
    let given = disk.attrs.iter().position(|(k, _)| k == "snapshot");
    if given.is_none() && disk.disk_type == "vhostuser" && !readonly {
        disk.attrs.push(("snapshot".into(), "no".into()));
    }
    if readonly {
        disk.attrs.retain(|(k, v)| k != "snapshot" || v != "no");
    }
    // virDomainDiskDefFormat: the model (none for its zero, `default`),
    // rawio, sgio, then the snapshot location (steered seed 1's gen663).
    disk.attrs.retain(|(k, v)| k != "model" || v != "default");
    let rank = |k: &str| {
        ["model", "rawio", "sgio", "snapshot"]
            .iter()
            .position(|n| *n == k)
            .unwrap_or(4)
    };
    disk.attrs.sort_by_key(|(k, _)| rank(k));
}

/// The first `<geometry>` as virDomainDiskDefGeometryParse reads it and
/// virDomainDiskGeometryDefFormat writes it (steered seed 1's gen61 and
/// gen5554): the three numbers in decimal and the translation when not
/// `default`, the element only when all three are above zero. Others
/// are not read. A value libvirt refuses leaves it as written (refused
/// at define).
fn geometry(disk: &mut Disk) {
    let Some(at) = disk.extra.iter().position(|e| e.name == "geometry") else {
        return;
    };
    let g = &disk.extra[at];
    let number = |name: &str| match g.attr(name) {
        None => Some(0),
        Some(v) => crate::validate::c_uint(v, 10),
    };
    let (Some(cyls), Some(heads), Some(secs)) = (number("cyls"), number("heads"), number("secs"))
    else {
        return;
    };
    let written = (cyls > 0 && heads > 0 && secs > 0).then(|| {
        let mut out = Element::new("geometry")
            .with_attr("cyls", cyls.to_string())
            .with_attr("heads", heads.to_string())
            .with_attr("secs", secs.to_string());
        if let Some(t) = g.attr("trans").filter(|t| *t != "default") {
            out = out.with_attr("trans", t);
        }
        out
    });
    let mut first = written;
    let mut seen = false;
    disk.extra.retain_mut(|e| {
        if e.name != "geometry" {
            return true;
        }
        if seen {
            return false;
        }
        seen = true;
        match first.take() {
            Some(w) => {
                *e = w;
                true
            }
            None => false,
        }
    });
}

/// `string(./backenddomain/@name)`: the first `<backenddomain>` with a
/// name, written with that name alone; none without one.
fn backend_domain(disk: &mut Disk) {
    let name = disk
        .extra
        .iter()
        .filter(|e| e.name == "backenddomain")
        .find_map(|e| e.attr("name"))
        .map(str::to_string);
    let mut name = name;
    disk.extra.retain_mut(|e| {
        if e.name != "backenddomain" {
            return true;
        }
        match name.take() {
            Some(n) => {
                *e = Element::new("backenddomain").with_attr("name", n);
                true
            }
            None => false,
        }
    });
}

#[cfg(test)]
mod tests {
    use crate::FormatOptions;

    /// The `<disk>` of a definition holding `disk`, as dumped.
    fn dumped(disk: &str) -> String {
        let xml = format!(
            "<domain type='test'><name>d</name><memory>65536</memory><os><type>hvm</type></os>\
             <devices>{disk}</devices></domain>"
        );
        let def = crate::parse_domain(&xml).unwrap();
        let out = def.to_xml(&FormatOptions {
            inactive: true,
            ..FormatOptions::default()
        });
        let start = out.find("<disk").unwrap();
        let end = out.find("</disk>").unwrap();
        out[start..end + "</disk>".len()].to_string()
    }

    // As virsh 9.0 writes them back (seed 26's gen9982).
    #[test]
    fn empty_identity_strings_are_not_written() {
        let flat = |disk: &str| dumped(disk).lines().map(str::trim).collect::<String>();
        assert_eq!(
            flat(
                "<disk type='file'><source file='/a'/><target dev='sda' bus='scsi'/>\
                 <serial/><vendor></vendor><product>p</product><product>q</product></disk>"
            ),
            "<disk type='file' device='disk'><source file='/a'/><target dev='sda' bus='scsi'/>\
             <product>p</product></disk>"
        );
    }

    /// A disk's `<iotune>`s and `<auth>`s as virsh 9.0 writes them back
    /// (seed 26's gen9982): one `<iotune>`, the first of each limit, no
    /// zero, the group before the lengths, none when nothing is set; the
    /// first `<auth>` beside the source, its type unless none, its first
    /// secret's UUID in canonical form; a volume source's own `<auth>` not
    /// written.
    #[test]
    fn iotune_and_auth_written_as_libvirt_writes_them() {
        let flat = |disk: &str| dumped(disk).lines().map(str::trim).collect::<String>();
        let file = "<disk type='file'><source file='/a'/><target dev='sda' bus='scsi'/>";
        assert_eq!(
            flat(&format!(
                "{file}<iotune><write_iops_sec_max_length>3</write_iops_sec_max_length>\
                 <write_bytes_sec_max>0</write_bytes_sec_max><group_name>g</group_name>\
                 <size_iops_sec>4</size_iops_sec><read_bytes_sec> +7</read_bytes_sec></iotune>\
                 <readonly/><iotune><read_bytes_sec>8</read_bytes_sec>\
                 <total_iops_sec>9</total_iops_sec></iotune></disk>"
            )),
            "<disk type='file' device='disk'><source file='/a'/><target dev='sda' bus='scsi'/>\
             <iotune><read_bytes_sec>7</read_bytes_sec><total_iops_sec>9</total_iops_sec>\
             <size_iops_sec>4</size_iops_sec><group_name>g</group_name>\
             <write_iops_sec_max_length>3</write_iops_sec_max_length></iotune><readonly/></disk>"
        );
        assert_eq!(
            flat(&format!(
                "{file}<iotune><total_bytes_sec>0</total_bytes_sec><group_name/></iotune></disk>"
            )),
            "<disk type='file' device='disk'><source file='/a'/><target dev='sda' bus='scsi'/></disk>"
        );
        assert_eq!(
            flat(
                "<disk type='block' device='lun'><source dev='/d'/>\
                 <auth type='none' username='u' x='y'><secret type='iscsi' \
                 uuid='a6AA75E1-AFD8-F1ff-5ab8-618469E8E8Bc'/><secret usage='z'/></auth>\
                 <auth username='v'><secret usage='w'/></auth><target dev='sda' bus='scsi'/></disk>"
            ),
            "<disk type='block' device='lun'><auth username='u'>\
             <secret type='iscsi' uuid='a6aa75e1-afd8-f1ff-5ab8-618469e8e8bc'/></auth>\
             <source dev='/d'/><target dev='sda' bus='scsi'/></disk>"
        );
        assert_eq!(
            flat(
                "<disk type='file'><source file='/a'><auth type='ceph' username='u'>\
                 <secret usage='x'/></auth><auth username='v'><secret usage='w'/></auth>\
                 </source><target dev='sda' bus='scsi'/></disk>"
            ),
            "<disk type='file' device='disk'><source file='/a'><auth type='ceph' username='u'>\
             <secret usage='x'/></auth></source><target dev='sda' bus='scsi'/></disk>"
        );
        assert_eq!(
            flat(
                "<disk type='volume'><source pool='p' volume='v'><auth username='u'>\
                 <secret usage='x'/></auth></source><target dev='sda' bus='scsi'/></disk>"
            ),
            "<disk type='volume' device='disk'><source pool='p' volume='v'/>\
             <target dev='sda' bus='scsi'/></disk>"
        );
    }

    /// A local disk's `<source>` as virsh 9.0 writes it back (steered
    /// seed 1's documents): its type's attributes first, then the
    /// startup policy, no backing `index` nor attributes libvirt does not
    /// read, an NVMe source managed by default with its PCI address in
    /// full, and no `<source/>` left with nothing in it (a backing store's
    /// included).
    #[test]
    fn a_local_disk_source_as_libvirt_writes_it() {
        let flat = |disk: &str| dumped(disk).lines().map(str::trim).collect::<String>();
        let cases = [
            (
                "<disk type='file' device='cdrom'><source index='3' startupPolicy='optional' file='/a' missing='x'/><target dev='hdc'/></disk>",
                "<source file='/a' startupPolicy='optional'/>",
            ),
            (
                "<disk type='volume'><source volume='v' index='1' pool='p' mode='direct' startupPolicy='optional'/><target dev='vda'/></disk>",
                "<source pool='p' volume='v' mode='direct' startupPolicy='optional'/>",
            ),
            (
                "<disk type='dir'><source dir='/d' index='7'/><target dev='vda'/></disk>",
                "<source dir='/d'/>",
            ),
            (
                "<disk type='nvme'><source namespace='2' type='pci' index='4'><address domain='0xeA1f' slot='6' function='0x1' multifunction='on'/></source><target dev='vda'/></disk>",
                "<source type='pci' managed='yes' namespace='2'><address domain='0xea1f' bus='0x00' slot='0x06' function='0x1'/></source>",
            ),
            (
                "<disk type='nvme'><source namespace='2' managed='no' type='pci'><address/></source><target dev='vda'/></disk>",
                "<source type='pci' managed='no' namespace='2'><address domain='0x0000' bus='0x00' slot='0x00' function='0x0'/></source>",
            ),
            (
                "<disk type='file'><source file='/a'/><backingStore type='file'><format type='raw'/><source index='2'/>\
                 <backingStore type='block'><format type='qcow2'/><source dev=''/></backingStore></backingStore><target dev='vda'/></disk>",
                "<source file='/a'/><backingStore type='file'><format type='raw'/>\
                 <backingStore type='block'><format type='qcow2'/></backingStore></backingStore>",
            ),
        ];
        for (disk, source) in cases {
            let out = flat(disk);
            assert!(out.contains(source), "{disk}:\n{out}");
        }
        for disk in [
            "<disk type='file' device='cdrom'><source index='3'/><target dev='hdc'/></disk>",
            "<disk type='file' device='cdrom'><source file=''/><target dev='hdc'/></disk>",
            // Only the first `<source>` is read.
            "<disk type='file' device='cdrom'><source/><source file='/b'/><target dev='hdc'/></disk>",
        ] {
            assert!(!flat(disk).contains("<source"), "{disk}");
        }
    }

    /// A disk `<driver>` as virsh 9.0 writes it back (steered seed 1's
    /// gen6516, gen4201, gen5070): libvirt's attributes in its order,
    /// `aio` as raw, no default cache, no zero counts.
    #[test]
    fn a_disk_driver_as_libvirt_writes_it() {
        let flat = |driver: &str| {
            let disk =
                format!("<disk type='file'>{driver}<source file='/a'/><target dev='vda'/></disk>");
            dumped(&disk).lines().map(str::trim).collect::<String>()
        };
        let cases = [
            ("<driver type='aio'/>", "<driver type='raw'/>"),
            // Only the first `<driver>` is read.
            ("<driver type='qcow2'/><driver type='aio' cache='none'/>", "<driver type='qcow2'/><source"),
            ("<driver name='qemu' type='aio' cache='writeback'/>", "<driver name='qemu' type='raw' cache='writeback'/>"),
            (
                "<driver page_per_vq='on' ats='on' queue_size='06' queues='0' cache='default' io='native' name='qemu' foo='x'/>",
                "<driver name='qemu' io='native' queue_size='6' ats='on' page_per_vq='on'/>",
            ),
        ];
        for (driver, written) in cases {
            let out = flat(driver);
            assert!(out.contains(written), "{driver}:\n{out}");
        }
    }

    /// A vhost-user disk's `<reconnect>` as virsh 9.0 writes it: the
    /// first one, its timeout only when enabled (seed 56's gen9099).
    #[test]
    fn a_vhost_user_disk_reconnect_as_libvirt_writes_it() {
        let flat = |reconnect: &str| {
            let disk = format!(
                "<disk type='vhostuser'><driver name='qemu' type='raw'/><source type='unix' path='/s'>\
                 {reconnect}</source><target dev='vda' bus='virtio'/></disk>"
            );
            dumped(&disk).lines().map(str::trim).collect::<String>()
        };
        assert!(flat("<reconnect enabled='no' timeout='327'/>")
            .contains("<source type='unix' path='/s'><reconnect enabled='no'/></source>"));
        assert!(
            flat("<reconnect enabled='yes' timeout='7'/><reconnect enabled='no'/>").contains(
                "<source type='unix' path='/s'><reconnect enabled='yes' timeout='7'/></source>"
            )
        );
    }

    /// A disk driver's metadata cache as virsh 9.0 reads and writes it
    /// (seed 55's gen3466): in bytes, none when 0, refused past 2^64-1.
    #[test]
    fn a_driver_metadata_cache_in_bytes() {
        let flat = |driver: &str| {
            let disk =
                format!("<disk type='file'>{driver}<source file='/a'/><target dev='vda'/></disk>");
            dumped(&disk).lines().map(str::trim).collect::<String>()
        };
        assert_eq!(
            flat("<driver name='qemu' type='qcow2'><metadata_cache><max_size unit='KiB'>3</max_size></metadata_cache></driver>"),
            "<disk type='file' device='disk'><driver name='qemu' type='qcow2'><metadata_cache>\
             <max_size unit='bytes'>3072</max_size></metadata_cache></driver><source file='/a'/>\
             <target dev='vda'/></disk>"
        );
        assert_eq!(
            flat("<driver name='qemu'><metadata_cache><max_size>0</max_size></metadata_cache></driver>"),
            "<disk type='file' device='disk'><driver name='qemu'/><source file='/a'/>\
             <target dev='vda'/></disk>"
        );
        let refused = |driver: &str| {
            let xml = format!(
                "<domain type='test'><name>d</name><memory>65536</memory><os><type>hvm</type></os>\
                 <devices><disk type='file'>{driver}<source file='/a'/><target dev='vda'/></disk></devices></domain>"
            );
            crate::parse_domain(&xml).err().map(|e| e.to_string())
        };
        assert_eq!(
            refused("<driver><metadata_cache><max_size unit='eIB'>29</max_size></metadata_cache></driver>").as_deref(),
            Some("numerical overflow: value too large: 29eIB")
        );
        assert_eq!(
            refused("<driver><metadata_cache><max_size>x</max_size></metadata_cache></driver>")
                .as_deref(),
            Some(
                "XML error: Invalid value 'x' for element or attribute './metadata_cache/max_size'"
            )
        );
    }

    // As virsh 9.0 writes them back (seed 21's gen7475).
    #[test]
    fn a_network_source_and_target_written_as_libvirt_writes_them() {
        let flat = |disk: &str| dumped(disk).lines().map(str::trim).collect::<String>();
        assert_eq!(
            flat(
                "<disk type='network' device='lun'><source protocol='iscsi' name='c' index='20'>\
                 <host name='h'/><host transport='unix' socket='s'/><ssl verify='no'/>\
                 <readahead size='51'/></source><target rotation_rate='39' bus='uml' dev='ubda'/></disk>"
            ),
            "<disk type='network' device='lun'><source protocol='iscsi' name='c/0'>\
             <host name='h' port='3260'/><host transport='unix' socket='s'/></source>\
             <target dev='ubda' bus='uml' rotation_rate='39'/></disk>"
        );
        // A LUN given is kept; HTTPS keeps its TLS verification and readahead.
        assert_eq!(
            flat(
                "<disk type='network'><source protocol='iscsi' name='iqn.x/3'/>\
                 <target dev='sda' bus='scsi'/></disk>"
            ),
            "<disk type='network' device='disk'><source protocol='iscsi' name='iqn.x/3'/>\
             <target dev='sda' bus='scsi'/></disk>"
        );
        assert_eq!(
            flat(
                "<disk type='network' device='cdrom'><source protocol='https' name='i'>\
                 <host name='h'/><ssl verify='no'/><readahead size='51'/></source>\
                 <target dev='hda' bus='ide'/></disk>"
            ),
            "<disk type='network' device='cdrom'><source protocol='https' name='i'>\
             <host name='h' port='443'/><ssl verify='no'/><readahead size='51'/></source>\
             <target dev='hda' bus='ide'/></disk>"
        );
    }

    // As virsh 9.0 writes them back (seed 18's gen2551 is the first).
    #[test]
    fn blockio_and_transient_written_as_libvirt_writes_them() {
        let disk = |parts: &str| {
            dumped(&format!(
                "<disk type='file'><source file='/a'/><target dev='vda' bus='virtio'/>{parts}</disk>"
            ))
        };
        let out = disk("<blockio/><transient shareBacking='no'/>");
        assert!(
            !out.contains("blockio") && out.contains("<transient/>"),
            "{out}"
        );
        let out = disk(
            "<blockio logical_block_size='0' physical_block_size='010'/><blockio logical_block_size='512'/>\
             <transient/><transient shareBacking='yes'/>",
        );
        assert!(
            out.contains("<blockio physical_block_size='10'/>\n"),
            "{out}"
        );
        assert_eq!(out.matches("<blockio").count(), 1, "{out}");
        assert!(
            out.contains("<transient/>") && !out.contains("shareBacking"),
            "{out}"
        );
        let out = disk("<blockio physical_block_size='+4096' logical_block_size=' 512'/>");
        assert!(
            out.contains("<blockio logical_block_size='512' physical_block_size='4096'/>"),
            "{out}"
        );
    }

    /// As virsh 9.0 writes them back (steered seed 1's gen61, gen5554,
    /// gen663): the first geometry only when all three numbers are above
    /// zero, in decimal; the disk's attributes in libvirt's order, no
    /// `model='default'`; a backend domain only with a name.
    #[test]
    fn geometry_attributes_and_backend_domain_as_libvirt_writes_them() {
        let disk = |attrs: &str, parts: &str| {
            dumped(&format!(
                "<disk type='file'{attrs}><source file='/a'/><target dev='vda' bus='virtio'/>{parts}</disk>"
            ))
        };
        for zero in [
            "cyls='0' heads='3' secs='5'",
            "cyls='11' heads='5' secs='0'",
            "cyls='1' heads='1'",
            "trans='lba'",
            "",
        ] {
            let out = disk("", &format!("<geometry {zero}/>"));
            assert!(!out.contains("geometry"), "{zero}: {out}");
        }
        let out = disk(
            "",
            "<geometry cyls='010' heads='+4' secs='8'/><geometry cyls='1' heads='1' secs='1'/>",
        );
        assert!(
            out.contains("<geometry cyls='10' heads='4' secs='8'/>\n"),
            "{out}"
        );
        assert_eq!(out.matches("<geometry").count(), 1, "{out}");
        let out = disk("", "<geometry trans='auto' secs='3' heads='2' cyls='1'/>");
        assert!(
            out.contains("<geometry cyls='1' heads='2' secs='3' trans='auto'/>"),
            "{out}"
        );
        let out = dumped(
            "<disk type='block' device='lun' snapshot='no' sgio='filtered' rawio='no' model='virtio'>\
             <source dev='/dev/sda'/><target dev='vda' bus='virtio'/></disk>",
        );
        assert!(
            out.starts_with("<disk type='block' device='lun' model='virtio' rawio='no' sgio='filtered' snapshot='no'>"),
            "{out}"
        );
        assert!(disk(" model='default'", "").starts_with("<disk type='file' device='disk'>"));
        assert!(!disk("", "<backenddomain/>").contains("backenddomain"));
        let out = disk("", "<backenddomain/><backenddomain name='d0'/>");
        assert_eq!(
            out.matches("<backenddomain name='d0'/>").count(),
            1,
            "{out}"
        );
        assert_eq!(out.matches("backenddomain").count(), 1, "{out}");
    }

    /// virDomainDiskExpandGroupIoTune as virsh 9.0 writes it: a disk
    /// naming only a group gets the group's limits; one of another group
    /// does not.
    #[test]
    fn a_throttle_group_gives_its_limits() {
        let xml = "<domain type='test'><name>d</name><memory>65536</memory><os><type>hvm</type></os><devices>\
                   <disk type='file'><source file='/c'/><target dev='vdc'/><iotune><group_name>h</group_name></iotune></disk>\
                   <disk type='file'><source file='/b'/><target dev='vdb'/><iotune><group_name>g</group_name></iotune></disk>\
                   <disk type='file'><source file='/a'/><target dev='vda'/><iotune><total_bytes_sec>5</total_bytes_sec>\
                   <group_name>g</group_name></iotune></disk></devices></domain>";
        let def = crate::parse_domain(xml).unwrap();
        let out = def.to_xml(&FormatOptions {
            inactive: true,
            ..FormatOptions::default()
        });
        assert_eq!(
            out.matches("<total_bytes_sec>5</total_bytes_sec>").count(),
            2,
            "{out}"
        );
        assert_eq!(
            out.matches("<group_name>h</group_name>").count(),
            1,
            "{out}"
        );
    }

    #[test]
    fn a_defined_disk_has_no_mirror() {
        let out = dumped(
            "<disk type='file'><source file='/a'/><mirror file='/m' format='raw' job='copy'>\
             <format type='raw'/></mirror><target dev='vda' bus='virtio'/></disk>",
        );
        assert!(!out.contains("mirror"), "{out}");
    }

    #[test]
    fn snapshot_locations_as_libvirt_settles_them() {
        let vhostuser = "<source type='unix' path='/x'/><target dev='vdc' bus='virtio'/>\
                         <driver type='raw'/>";
        let out = dumped(&format!(
            "<disk type='vhostuser' model='virtio'>{vhostuser}</disk>"
        ));
        assert!(
            out.starts_with("<disk type='vhostuser' device='disk' model='virtio' snapshot='no'>"),
            "{out}"
        );
        let readonly = |snapshot: &str| {
            dumped(&format!(
                "<disk type='file' snapshot='{snapshot}'><source file='/a'/>\
                 <target dev='vda' bus='virtio'/><readonly/></disk>"
            ))
        };
        assert!(readonly("no").starts_with("<disk type='file' device='disk'>"));
        let cdrom = dumped(
            "<disk type='file' device='cdrom' snapshot='no'><source file='/a'/><target dev='hda' bus='ide'/></disk>",
        );
        assert!(
            cdrom.starts_with("<disk type='file' device='cdrom'>"),
            "{cdrom}"
        );
        assert!(readonly("external")
            .starts_with("<disk type='file' device='disk' snapshot='external'>"));
    }

    #[test]
    fn the_tray_is_written_open_on_removable_media_only() {
        let disk = |device: &str, target: &str, tray: &str| {
            dumped(&format!(
                "<disk type='file' device='{device}'><source file='/a'/>\
                 <target {target} tray='{tray}'/></disk>"
            ))
        };
        let ide = "dev='hda' bus='ide'";
        assert!(disk("cdrom", ide, "open").contains("<target dev='hda' bus='ide' tray='open'/>"));
        let fdc = "dev='fda' bus='fdc'";
        assert!(disk("floppy", fdc, "open").contains("<target dev='fda' bus='fdc' tray='open'/>"));
        assert!(disk("cdrom", ide, "closed").contains("<target dev='hda' bus='ide'/>"));
        assert!(disk("disk", ide, "closed").contains("<target dev='hda' bus='ide'/>"));
    }

    // As virsh 9.0 writes them back (seed 31's gen2711 is the first).
    #[test]
    fn target_attributes_are_written_in_libvirts_order() {
        let target = |device: &str, attrs: &str| {
            let out = dumped(&format!(
                "<disk type='file' device='{device}'><source file='/a'/><target {attrs}/></disk>"
            ));
            let start = out.find("<target").unwrap();
            out[start..start + out[start..].find("/>").unwrap() + 2].to_string()
        };
        assert_eq!(
            target(
                "floppy",
                "rotation_rate='+05' dev='fda' tray='open' bus='fdc'"
            ),
            "<target dev='fda' bus='fdc' tray='open' rotation_rate='5'/>"
        );
        assert_eq!(
            target(
                "disk",
                "removable='on' bus='usb' rotation_rate='0' dev='sda'"
            ),
            "<target dev='sda' bus='usb' removable='on'/>"
        );
        // A bus libvirt infers from the name comes right after it.
        let xml =
            "<domain type='test'><name>d</name><memory>65536</memory><os><type>hvm</type></os>\
                   <devices><disk type='file' device='cdrom'>\
                   <target dev='hda' tray='closed' rotation_rate='7'/></disk></devices></domain>";
        let mut def = crate::parse_domain(xml).unwrap();
        def.fill_defaults();
        let out = def.to_xml(&FormatOptions {
            inactive: true,
            ..FormatOptions::default()
        });
        assert!(
            out.contains("<target dev='hda' bus='ide' rotation_rate='7'/>"),
            "{out}"
        );
    }

    #[test]
    fn an_empty_disk_encryption_keeps_its_end_tag() {
        let out = dumped(
            "<disk type='file'><source file='/a'/><target dev='vda' bus='virtio'/>\
             <encryption format='qcow'/></disk>",
        );
        assert!(
            out.contains("      <encryption format='qcow'>\n      </encryption>\n"),
            "{out}"
        );
    }

    #[test]
    fn a_disk_address_is_written_as_libvirt_reads_it() {
        let out = dumped(
            "<disk type='file'><source file='/a'/><target dev='vda' bus='virtio'/>\
             <address type='ccw'/><boot order='01'/></disk>",
        );
        assert!(
            out.contains(
                "<boot order='1'/>\n      <address type='ccw' cssid='0x0' ssid='0x0' devno='0x0000'/>"
            ),
            "{out}"
        );
        let out = dumped(
            "<disk type='file'><source file='/a'/><target dev='vda' bus='virtio'/>\
             <address type='pci' slot='3'/></disk>",
        );
        assert!(
            out.contains(
                "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>"
            ),
            "{out}"
        );
    }
}
