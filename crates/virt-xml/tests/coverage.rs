//! Which element and attribute paths of libvirt's domain XML the typed
//! model covers. A path counts as covered only when a typed field carries
//! it: the core model is formatted with every generic part stripped, and
//! each typed view is read from the stored element and written into a
//! fresh, empty one; the paths those produce are what the model types.
//! The test fails when a corpus file uses a path nothing types, and
//! prints those paths.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use virt_xml::*;

mod common;
use common::corpus_root;

/// Every `.xml` file under `dir`, sorted.
fn xml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            xml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "xml") {
            out.push(p);
        }
    }
}

/// A path in one spelling: a chain of `<backingStore>`s counts once, and
/// nothing below `<metadata>` (foreign namespaces, kept whole) is listed.
fn normalize(path: &str) -> Option<String> {
    if path.contains("/metadata/") {
        return None;
    }
    let mut p = path.to_string();
    while p.contains("backingStore/backingStore") {
        p = p.replace("backingStore/backingStore", "backingStore");
    }
    Some(p)
}

/// Add the paths of `el` (at `prefix`) and everything under it.
fn collect(el: &Element, prefix: &str, out: &mut BTreeSet<String>) {
    let here = format!("{prefix}/{}", el.name);
    if let Some(p) = normalize(&here) {
        out.insert(p);
    }
    for (k, _) in &el.attrs {
        if let Some(p) = normalize(&format!("{here}@{k}")) {
            out.insert(p);
        }
    }
    for c in el.elements() {
        collect(c, &here, out);
    }
}

/// The view of `el`, written into a fresh element of the same name (and
/// checked to write back into `el` without a change).
fn fresh<T: View>(el: &Element) -> Result<Element, String> {
    let view = T::from_element(el).map_err(|e| format!("<{}>: {e}", el.name))?;
    // Written back unchanged, the view leaves the stored element as it was.
    let mut again = el.clone();
    view.write_to(&mut again);
    if again != *el {
        return Err(format!(
            "<{}> changed when written back:\n{}{}",
            el.name,
            el.to_xml(0),
            again.to_xml(0)
        ));
    }
    let mut out = Element::new(el.name.as_str());
    view.write_to(&mut out);
    Ok(out)
}

/// The typed view for an element called `name` under `parent`, written
/// fresh; `None` when no view types it.
fn view_of(parent: &str, el: &Element) -> Option<Result<Element, String>> {
    Some(match (parent, el.name.as_str()) {
        ("domain", "cpu") => fresh::<Cpu>(el),
        ("domain", "clock") => fresh::<Clock>(el),
        ("domain", "numatune") => fresh::<Numatune>(el),
        ("domain", "cputune") => fresh::<Cputune>(el),
        ("domain", "memoryBacking") => fresh::<MemoryBacking>(el),
        ("domain", "pm") => fresh::<Pm>(el),
        ("domain", "seclabel") => fresh::<SecLabel>(el),
        ("domain", "features") => {
            let kids: Vec<Element> = el.elements().cloned().collect();
            Features::from_elements(&kids)
                .map(|f| {
                    let mut out = Vec::new();
                    f.write_to(&mut out);
                    let mut e = Element::new("features");
                    e.children = out.into_iter().map(Node::Element).collect();
                    e
                })
                .map_err(|e| e.to_string())
        }
        ("os", "loader") => fresh::<Loader>(el),
        ("os", "nvram") => fresh::<Nvram>(el),
        ("os", "bootmenu") => fresh::<BootMenu>(el),
        ("os", "smbios") => fresh::<Smbios>(el),
        ("devices", "controller") => fresh::<Controller>(el),
        ("devices", "input") => fresh::<Input>(el),
        ("devices", "video") => fresh::<Video>(el),
        ("devices", "memballoon") => fresh::<MemBalloon>(el),
        ("devices", "rng") => fresh::<Rng>(el),
        ("devices", "tpm") => fresh::<Tpm>(el),
        ("devices", "watchdog") => fresh::<Watchdog>(el),
        ("devices", "sound") => fresh::<Sound>(el),
        ("devices", "hostdev") => fresh::<Hostdev>(el),
        ("disk" | "interface" | "hostdev" | "redirdev" | "filesystem", "boot") => {
            fresh::<BootEntry>(el)
        }
        ("domain", "memtune") => fresh::<Memtune>(el),
        ("domain", "idmap") => fresh::<Idmap>(el),
        ("domain", "sysinfo") => fresh::<Sysinfo>(el),
        ("domain", "iothreads") => fresh::<IoThreads>(el),
        ("domain", "iothreadids") => fresh::<IoThreadIds>(el),
        ("domain", "metadata") => fresh::<Metadata>(el),
        ("domain", "blkiotune") => fresh::<Blkiotune>(el),
        ("domain", "resource") => fresh::<Resource>(el),
        ("domain", "vcpus") => fresh::<Vcpus>(el),
        ("domain", "perf") => fresh::<Perf>(el),
        ("domain", "keywrap") => fresh::<Keywrap>(el),
        ("domain", "launchSecurity") => fresh::<LaunchSecurity>(el),
        ("domain", "defaultiothread") => fresh::<DefaultIoThread>(el),
        ("domain", "on_lockfailure") => fresh::<OnLockFailure>(el),
        ("domain", "genid") => fresh::<Genid>(el),
        ("domain", "os") => fresh::<OsOptions>(el),
        ("os", "init") => fresh::<OsInit>(el),
        ("os", "initarg") => fresh::<OsInitArg>(el),
        ("os", "initenv") => fresh::<OsInitEnv>(el),
        ("os", "initdir") => fresh::<OsInitDir>(el),
        ("os", "inituser") => fresh::<OsInitUser>(el),
        ("os", "initgroup") => fresh::<OsInitGroup>(el),
        ("os", "dtb") => fresh::<OsDtb>(el),
        ("os", "acpi") => fresh::<OsAcpi>(el),
        ("os", "firmware") => fresh::<OsFirmware>(el),
        ("devices", "iommu") => fresh::<Iommu>(el),
        ("iommu", "driver") => fresh::<IommuDriver>(el),
        ("devices", "vsock") => fresh::<Vsock>(el),
        ("vsock", "cid") => fresh::<VsockCid>(el),
        ("vsock" | "memballoon" | "input", "driver") => fresh::<VirtioOptions>(el),
        ("cell", "cache") => fresh::<NumaCache>(el),
        ("devices", "redirfilter") => fresh::<RedirFilter>(el),
        ("smartcard", "target") => fresh::<SmartcardTarget>(el),
        ("source", "vendor" | "product") => fresh::<UsbId>(el),
        ("source" | "disk", "privateData") => fresh::<Marker>(el),
        ("source", "config") => fresh::<SourceConfig>(el),
        ("source", "snapshot") => fresh::<SourceSnapshot>(el),
        ("target", "block") => fresh::<ScaledSize>(el),
        ("devices", "disk") => fresh::<DiskOptions>(el),
        ("audio", "input" | "output") => fresh::<AudioStream>(el),
        ("input" | "output", "settings") => fresh::<AudioSettings>(el),
        ("interface", "mac") => fresh::<InterfaceMac>(el),
        ("interface", "target") => fresh::<InterfaceTarget>(el),
        ("interface", "coalesce") => fresh::<Coalesce>(el),
        ("interface", "tune") => fresh::<InterfaceTune>(el),
        ("numa", "interconnects") => fresh::<Interconnects>(el),
        ("cputune", "cachetune") => fresh::<CacheTune>(el),
        ("cputune", "memorytune") => fresh::<MemoryTune>(el),
        (
            "iommu" | "vsock" | "video" | "watchdog" | "memballoon" | "controller" | "input"
            | "disk" | "interface" | "hostdev" | "rng" | "shmem" | "smartcard" | "memory"
            | "serial" | "console" | "parallel" | "channel" | "sound" | "filesystem" | "redirdev"
            | "panic" | "tpm" | "hub" | "graphics" | "audio",
            "acpi",
        ) => fresh::<DeviceAcpi>(el),
        (
            "serial" | "console" | "channel" | "parallel" | "redirdev" | "smartcard" | "backend",
            "log",
        ) => fresh::<CharLog>(el),
        (
            "serial" | "console" | "channel" | "parallel" | "redirdev" | "smartcard" | "backend",
            "protocol",
        ) => fresh::<CharProtocol>(el),
        ("source" | "graphics", "clipboard") => fresh::<Clipboard>(el),
        ("source" | "graphics", "mouse") => fresh::<Mouse>(el),
        ("graphics", "gl") => fresh::<GraphicsGl>(el),
        ("graphics", "image") => fresh::<GraphicsImage>(el),
        ("graphics", "jpeg") => fresh::<GraphicsJpeg>(el),
        ("graphics", "zlib") => fresh::<GraphicsZlib>(el),
        ("graphics", "playback") => fresh::<GraphicsPlayback>(el),
        ("graphics", "streaming") => fresh::<GraphicsStreaming>(el),
        ("graphics", "filetransfer") => fresh::<GraphicsFileTransfer>(el),
        ("graphics", "channel") => fresh::<GraphicsChannel>(el),
        ("graphics" | "sound", "audio") => fresh::<AudioRef>(el),
        ("devices", "smartcard") => fresh::<Smartcard>(el),
        ("smartcard", "certificate" | "database") => fresh::<SmartcardFile>(el),
        ("devices", "redirdev") => fresh::<Redirdev>(el),
        ("devices", "hub") => fresh::<Hub>(el),
        ("devices", "nvram" | "lease") | ("target" | "filesystem", "readonly") => {
            fresh::<Marker>(el)
        }
        ("source", "pmem") => fresh::<Marker>(el),
        ("lease", "target") => fresh::<LeaseTarget>(el),
        ("lease", "key" | "lockspace") => fresh::<LeaseName>(el),
        ("hostdev" | "interface", "rom") => fresh::<Rom>(el),
        ("video", "driver") => fresh::<VideoDriver>(el),
        ("model", "resolution") => fresh::<Resolution>(el),
        ("filesystem", "driver") => fresh::<FilesystemDriver>(el),
        ("filesystem", "space_hard_limit" | "space_soft_limit")
        | ("target", "requested" | "current" | "size")
        | ("source", "alignsize")
        | ("label", "size") => fresh::<ScaledSize>(el),
        ("interface", "link") => fresh::<LinkState>(el),
        ("interface", "guest") => fresh::<InterfaceGuest>(el),
        ("interface", "backend") => fresh::<InterfaceBackend>(el),
        ("interface", "script" | "downscript") => fresh::<InterfaceScript>(el),
        ("interface", "port") => fresh::<InterfacePort>(el),
        ("interface" | "hostdev", "teaming") => fresh::<Teaming>(el),
        ("cputune", "vcpusched" | "iothreadsched" | "emulatorsched") => fresh::<Scheduler>(el),
        ("binary", "cache") => fresh::<VirtiofsCache>(el),
        ("binary", "lock") => fresh::<VirtiofsLock>(el),
        ("binary", "sandbox") => fresh::<VirtiofsSandbox>(el),
        ("binary", "thread_pool") => fresh::<VirtiofsThreadPool>(el),
        ("interface", "filterref") => fresh::<FilterRef>(el),
        ("filterref", "parameter") => fresh::<FilterParameter>(el),
        ("interface", "portForward") => fresh::<PortForward>(el),
        ("portForward", "range") => fresh::<PortRange>(el),
        ("driver", "host" | "guest") => fresh::<NetOffloads>(el),
        ("interface" | "hostdev", "route") => fresh::<GuestRoute>(el),
        ("interface" | "hostdev", "ip") => fresh::<GuestIp>(el),
        ("rng", "driver") => fresh::<VirtioOptions>(el),
        ("os", "bios") => fresh::<Bios>(el),
        ("os", "boot") => fresh::<OsBoot>(el),
        (_, "address") => fresh::<Address>(el),
        (_, "alias") => fresh::<Alias>(el),
        (_, "auth") => fresh::<Auth>(el),
        ("source", "host") => fresh::<SourceHost>(el),
        ("source", "initiator") => fresh::<Initiator>(el),
        ("source", "seclabel") => fresh::<SecLabel>(el),
        ("disk", "driver") => fresh::<DiskDriver>(el),
        ("disk" | "backingStore" | "mirror" | "nvram", "source") => fresh::<DiskSource>(el),
        ("disk" | "mirror", "backingStore") => fresh::<BackingStore>(el),
        ("disk", "mirror") => fresh::<Mirror>(el),
        ("mirror" | "backingStore", "format") => fresh::<BackingFormat>(el),
        ("format" | "driver", "metadata_cache") => fresh::<MetadataCache>(el),
        ("disk", "geometry") => fresh::<DiskGeometry>(el),
        ("disk", "blockio") => fresh::<BlockIo>(el),
        ("disk", "iotune") => fresh::<Iotune>(el),
        ("disk", "wwn") => fresh::<DiskWwn>(el),
        ("disk", "vendor") => fresh::<DiskVendor>(el),
        ("disk", "product") => fresh::<DiskProduct>(el),
        ("disk" | "source", "encryption") => fresh::<Encryption>(el),
        ("source", "slices") => fresh::<SourceSlices>(el),
        ("source", "cookies") => fresh::<SourceCookies>(el),
        ("source", "readahead") => fresh::<SourceReadahead>(el),
        ("source", "timeout") => fresh::<SourceTimeout>(el),
        ("source", "ssl") => fresh::<SourceSsl>(el),
        ("source", "reconnect") => fresh::<Reconnect>(el),
        ("source", "reservations") => fresh::<Reservations>(el),
        ("source", "identity") => fresh::<SourceIdentity>(el),
        ("address", "zpci") => fresh::<Zpci>(el),
        (_, "backenddomain") => fresh::<BackendDomain>(el),
        ("disk", "serial") => fresh::<DiskSerial>(el),
        ("disk", "transient") => fresh::<Transient>(el),
        ("disk", "target") => fresh::<DiskTarget>(el),
        ("devices", "interface") => fresh::<InterfaceOptions>(el),
        ("interface", "driver") => fresh::<InterfaceDriver>(el),
        ("interface", "source") => fresh::<InterfaceSource>(el),
        ("source", "local") => fresh::<SourceLocal>(el),
        ("source", "ip") => fresh::<SourceIp>(el),
        ("source", "route") => fresh::<SourceRoute>(el),
        ("interface", "mtu") => fresh::<Mtu>(el),
        ("interface", "bandwidth") => fresh::<Bandwidth>(el),
        ("interface", "virtualport") => fresh::<VirtualPort>(el),
        ("interface", "vlan") => fresh::<Vlan>(el),
        ("devices", "graphics") => fresh::<GraphicsOptions>(el),
        ("graphics", "listen") => fresh::<Listen>(el),
        ("serial" | "console" | "channel" | "parallel" | "redirdev" | "smartcard", "source") => {
            fresh::<CharSource>(el)
        }
        ("backend", "source") if el.attr("type").is_some() => fresh::<TpmBackendSource>(el),
        ("backend", "source") => fresh::<CharSource>(el),
        ("serial" | "console" | "channel" | "parallel", "target") => fresh::<CharTarget>(el),
        ("target", "model") => fresh::<CharTargetModel>(el),
        ("controller", "driver") => fresh::<ControllerDriver>(el),
        ("controller", "target") => fresh::<ControllerTarget>(el),
        ("controller", "model") => fresh::<ControllerModel>(el),
        ("controller", "master") => fresh::<ControllerMaster>(el),
        ("devices", "filesystem") => fresh::<Filesystem>(el),
        ("filesystem", "source") => fresh::<FilesystemSource>(el),
        ("filesystem", "target") => fresh::<FilesystemTarget>(el),
        ("input", "source") => fresh::<InputSource>(el),
        ("sound", "codec") => fresh::<SoundCodec>(el),
        ("devices", "audio") => fresh::<Audio>(el),
        ("devices", "panic") => fresh::<Panic>(el),
        ("devices", "memory") => fresh::<MemoryDevice>(el),
        ("devices", "shmem") => fresh::<Shmem>(el),
        ("domain", "bootloader_args") => fresh::<BootloaderArgs>(el),
        ("domain", "memory") => fresh::<MemoryDumpCore>(el),
        ("source", "adapter") => fresh::<StorageAdapter>(el),
        ("adapter", "parentaddr") => fresh::<ParentAddr>(el),
        ("hostdev", "source") if el.attr("protocol") == Some("vhost") => {
            fresh::<VhostScsiSource>(el)
        }
        _ => return None,
    })
}

/// The second typed view of an element two views share (a host device's
/// SCSI options beside [`Hostdev`], a D-Bus display's attributes beside
/// [`GraphicsOptions`]), written fresh; `None` when there is none.
fn second_view_of(parent: &str, el: &Element) -> Option<Result<Element, String>> {
    Some(match (parent, el.name.as_str()) {
        ("devices", "hostdev") => fresh::<HostdevOptions>(el),
        ("devices", "graphics") => fresh::<DbusDisplay>(el),
        ("interface", "source") => fresh::<MacTableSource>(el),
        _ => return None,
    })
}

/// The paths typed views produce for the stored elements of `el` (at
/// `prefix`), recursively.
fn view_paths(el: &Element, prefix: &str, out: &mut BTreeSet<String>) -> Result<(), String> {
    let here = format!("{prefix}/{}", el.name);
    for c in el.elements() {
        for v in [view_of(&el.name, c), second_view_of(&el.name, c)]
            .into_iter()
            .flatten()
        {
            collect(&v?, &here, out);
        }
        view_paths(c, &here, out)?;
    }
    Ok(())
}

/// `def` with every part the model keeps as generic XML taken out.
fn typed_core(def: &DomainDef) -> DomainDef {
    let mut d = def.clone();
    d.extra.clear();
    d.attrs.clear();
    d.unknown.clear();
    d.leaf_attrs.clear();
    d.features = None;
    d.os.leaf_attrs.clear();
    d.os.extra.clear();
    d.os.attrs.clear();
    d.os.unknown.clear();
    let devs = &mut d.devices;
    devs.other.clear();
    devs.unknown.clear();
    for disk in &mut devs.disks {
        disk.extra.clear();
        disk.attrs.clear();
        disk.unknown.clear();
    }
    for i in &mut devs.interfaces {
        i.extra.clear();
        i.attrs.clear();
        i.unknown.clear();
        i.source.clear();
    }
    for g in &mut devs.graphics {
        g.extra.clear();
        g.attrs.clear();
    }
    for c in &mut devs.chardevs {
        c.extra.clear();
        c.attrs.clear();
    }
    d
}

/// Paths `text` uses and the subset the model types.
fn paths_of(text: &str) -> Result<(BTreeSet<String>, BTreeSet<String>), String> {
    let doc = parse_element(text).map_err(|e| e.to_string())?;
    let mut used = BTreeSet::new();
    collect(&doc, "", &mut used);
    let def = parse_domain(text).map_err(|e| e.to_string())?;
    let mut typed = BTreeSet::new();
    let opts = FormatOptions {
        id: Some(1),
        secure: true,
        ..FormatOptions::default()
    };
    collect(&typed_core(&def).to_element(&opts), "", &mut typed);
    view_paths(&def.to_element(&opts), "", &mut typed)?;
    // The views read the document as written too: a part libvirt reads
    // and then drops (the init options of a guest that is no container,
    // firmware features without autoselection) is typed when its view
    // reads it and writes it back unchanged.
    view_paths(&doc, "", &mut typed)?;
    // The kernel options are fields of the typed model (`OsDef::kernel`,
    // ...), read for every guest; post-parse then drops them, as libvirt
    // does, for an OS type libvirt reads no kernel for (a `linux` guest
    // outside Xen), so the written definition above lacks them.
    for option in ["kernel", "initrd", "root", "cmdline"] {
        typed.insert(format!("/domain/os/{option}"));
    }
    // So is the vCPUs' host CPU set (`Vcpu::cpuset`), which post-parse
    // drops, as libvirt does, with automatic placement.
    typed.insert("/domain/vcpu@cpuset".to_string());
    // And a disk's I/O limits (postparse/disk.rs reads each `<iotune>`
    // limit as a number), of which a zero one is then dropped, as
    // libvirt drops it (a steered document's modest numbers include 0).
    typed.extend(
        used.iter()
            .filter(|p| p.starts_with("/domain/devices/disk/iotune/"))
            .cloned(),
    );
    Ok((used, typed))
}

#[test]
fn corpus_typed_coverage() {
    let root = corpus_root();
    let mut files = Vec::new();
    for sub in ["domain-xml", "era-0.2"] {
        let dir = root.join(sub);
        if dir.is_dir() {
            xml_files(&dir, &mut files);
        } else {
            println!("corpus folder {} absent: skipped", dir.display());
        }
    }
    let mut all = BTreeSet::new();
    let mut uncovered: BTreeMap<String, String> = BTreeMap::new();
    let mut failed = Vec::new();
    let mut checked = 0;
    for f in &files {
        let text = fs::read_to_string(f).unwrap_or_default();
        let is_domain = parse_element(&text).is_ok_and(|e| e.name == "domain");
        if !is_domain {
            continue; // capabilities, node descriptions, API docs, ...
        }
        checked += 1;
        match paths_of(&text) {
            Ok((used, typed)) => {
                for p in used.difference(&typed) {
                    uncovered
                        .entry(p.clone())
                        .or_insert_with(|| f.display().to_string());
                }
                all.extend(used);
            }
            Err(e) => failed.push(format!("{}: {e}", f.display())),
        }
    }
    println!(
        "corpus_typed_coverage: {checked} domain files, {} distinct paths, {} typed, {} not typed",
        all.len(),
        all.len() - uncovered.len(),
        uncovered.len()
    );
    for (p, f) in &uncovered {
        println!("  not typed: {p}  (first in {f})");
    }
    for f in &failed {
        println!("  FAILED {f}");
    }
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(uncovered.is_empty(), "{} paths not typed", uncovered.len());
}

/// A schema path (`domain/devices/disk/@type`) in this file's spelling
/// (`/domain/devices/disk@type`).
fn coverage_spelling(schema_path: &str) -> String {
    format!("/{}", schema_path.replace("/@", "@"))
}

/// Schema paths libvirt 9.0 refuses in every domain definition, with a
/// definition using one and libvirt's refusal (virsh 9.0 on
/// test:///default): no parsed document can reach them, so they are
/// counted apart, each checked to be refused so.
const REFUSED_AT_DEFINE: &[(&str, &str, &str)] = &[
    (
        // virDomainDeviceDefPostParseCheckFeatures: the test driver passes
        // no file descriptors (a backing store's source may name a group).
        "/domain/devices/disk/source@fdgroup",
        "<disk type='file'><source file='/a' fdgroup='g'/><target dev='vda'/></disk>",
        "unsupported configuration: driver does not support FD passing for disk 'vda'",
    ),
    (
        // The class id is a network's business: libvirt reads an interface's
        // bandwidth without one, running (<actual>) or not.
        "/domain/devices/interface/bandwidth@classID",
        "<interface type='network'><source network='default'/><bandwidth classID='1'/></interface>",
        "classID attribute not supported on <bandwidth> in this usage context",
    ),
    (
        // virDomainNetBackendParseXML: 9.0's schema names passt, its parser
        // refuses it (and `default` is not permitted).
        "/domain/devices/interface/backend@type",
        "<interface type='user'><backend type='passt'/></interface>",
        "XML error: Invalid value for attribute 'type' in element 'backend': 'passt'.",
    ),
];

/// Devices whose address is of one type only (`<redirdev>`'s a USB port,
/// `virDomainRedirdevDefParseXML`; `<smartcard>`'s a CCID slot,
/// `virDomainSmartcardDefValidate`): the device with `{address}`, the
/// address it takes, and libvirt's refusal of an address of any other
/// type (virsh 9.0 on test:///default). The attributes and children only
/// other types of address have are refused wherever they are used.
const ONE_ADDRESS_TYPE: &[(&str, &str, &str, &str)] = &[
    (
        "redirdev",
        "<controller type='usb'/><redirdev bus='usb' type='spicevmc'>{address}</redirdev>",
        "<address type='usb' bus='0' port='1'/>",
        "XML error: Invalid address for a USB device",
    ),
    (
        "smartcard",
        "<smartcard mode='host'>{address}</smartcard>",
        "<address type='ccid' controller='0' slot='0'/>",
        "unsupported configuration: Controllers must use the 'ccid' address type",
    ),
];

/// An address of each type the schema has, with every attribute and
/// child that type takes.
const ADDRESSES: &[&str] = &[
    "<address type='pci' domain='0' bus='0' slot='5' function='0' multifunction='off'>\
     <zpci uid='1' fid='1'/></address>",
    "<address type='drive' controller='0' bus='0' target='0' unit='0'/>",
    "<address type='virtio-serial' controller='0' bus='0' port='1'/>",
    "<address type='ccid' controller='0' slot='0'/>",
    "<address type='usb' bus='0' port='1'/>",
    "<address type='spapr-vio' reg='0x1000'/>",
    "<address type='ccw' cssid='0xfe' ssid='0' devno='0x0001'/>",
    "<address type='isa' iobase='0x3f8' irq='4'/>",
    "<address type='dimm' slot='0' base='0x100000000'/>",
];

/// The coverage paths of `address` as the address of `device`
/// (`/domain/devices/redirdev/address@slot`, `.../address/zpci@uid`).
fn address_paths(device: &str, address: &str) -> BTreeSet<String> {
    fn walk(e: &virt_xml::Element, at: &str, out: &mut BTreeSet<String>) {
        for (k, _) in &e.attrs {
            out.insert(format!("{at}@{k}"));
        }
        for c in e.elements() {
            let here = format!("{at}/{}", c.name);
            out.insert(here.clone());
            walk(c, &here, out);
        }
    }
    let mut out = BTreeSet::new();
    if let Ok(e) = virt_xml::parse_element(address) {
        walk(&e, &format!("/domain/devices/{device}/address"), &mut out);
    }
    out
}

/// How many documents the second phase of [`schema_typed_coverage`] builds
/// for one path the random phase left unreached before it counts as not
/// reached (a repair rule is missing: a path libvirt takes is reached by
/// the first or second document built for it on every seed tried).
const AIMED_TRIES: u32 = 16;

/// The paths the tables above say libvirt refuses in every definition
/// (each checked by [`schema_typed_coverage`] to be refused so): no
/// document is built for them.
fn refused_paths() -> BTreeSet<String> {
    let mut out: BTreeSet<String> = REFUSED_AT_DEFINE
        .iter()
        .map(|(path, _, _)| path.to_string())
        .collect();
    for (device, _, taken, _) in ONE_ADDRESS_TYPE {
        let allowed = address_paths(device, taken);
        for address in ADDRESSES {
            out.extend(address_paths(device, address).difference(&allowed).cloned());
        }
    }
    out
}

/// Coverage of libvirt's schema rather than of the corpus: documents
/// generated from libvirt 9.0's domain schema (virt-schema's seeded
/// generator, steered toward the paths no parsed document has used yet)
/// are parsed, and the paths they use are split into typed and not typed,
/// as for the corpus. Prints how many of
/// the schema's element and attribute paths the documents reached, how
/// many of those are typed, and what is left: the paths not typed, most
/// used first, and those no parsed document reached. Fails when
/// a typed view does not write a generated element back unchanged, when
/// a path a parsed document uses is not typed, and when a path libvirt
/// takes in some definition is reached by no parsed document (the
/// steering or its repairs lack a rule: every path is reached within the
/// first half of the default count, whatever the seed).
/// `VIRT_SCHEMA_COVERAGE_COUNT` and `VIRT_SCHEMA_COVERAGE_SEED` choose the
/// run (1,000 documents of seed 1 by default).
#[test]
fn schema_typed_coverage() {
    let grammar = match virt_schema::domain_grammar() {
        Ok(g) => g,
        Err(e) => return println!("schema_typed_coverage: schema unusable ({e}); skipped"),
    };
    // Each path in this file's spelling, with the grammar's spelling of it
    // (the shortest, for a chain of backing stores) to aim documents at.
    let mut spelled: BTreeMap<String, String> = BTreeMap::new();
    match grammar.reachable_paths() {
        Ok(p) => {
            for (_, p) in p {
                if let Some(ours) = normalize(&coverage_spelling(&p)) {
                    let shorter = spelled.get(&ours).is_none_or(|q| p.len() < q.len());
                    if shorter {
                        spelled.insert(ours, p);
                    }
                }
            }
        }
        Err(e) => panic!("{e}"),
    }
    let schema: BTreeSet<String> = spelled.keys().cloned().collect();
    let count: u64 = std::env::var("VIRT_SCHEMA_COVERAGE_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let seed: u64 = std::env::var("VIRT_SCHEMA_COVERAGE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut generator = match virt_schema::generate::Generator::steered(&grammar, seed) {
        Ok(g) => g,
        Err(e) => panic!("{e}"),
    };
    let (mut parsed, mut failed) = (0, Vec::new());
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    let mut typed_all = BTreeSet::new();
    // How many documents it took to reach the last path reached.
    let mut last_new = 0;
    for i in 0..count {
        let doc = generator.document(i).unwrap();
        if doc.broken.is_some() || parse_domain(&doc.xml).is_err() {
            continue;
        }
        generator.reached(&doc);
        parsed += 1;
        match paths_of(&doc.xml) {
            Ok((used, typed)) => {
                for p in used {
                    if schema.contains(&p) && !uses.contains_key(&p) {
                        last_new = i + 1;
                    }
                    *uses.entry(p).or_default() += 1;
                }
                typed_all.extend(typed);
            }
            Err(e) => failed.push(format!("{}: {e}", doc.name)),
        }
    }
    // The second phase: each path libvirt takes that the random draws
    // left unreached gets documents built for it, one after the other,
    // until one parses with it or AIMED_TRIES were made: what is reached
    // then depends on the repairs, not on which paths the draws picked
    // or on which documents happened to parse.
    let refused_anywhere = refused_paths();
    let left_over: Vec<String> = schema
        .iter()
        .filter(|p| !uses.contains_key(*p) && !refused_anywhere.contains(*p))
        .cloned()
        .collect();
    let (mut aimed, mut most_tries) = (0u64, 0u32);
    let mut aimed_at = Vec::new();
    for path in &left_over {
        let Some(grammar_path) = spelled.get(path) else {
            continue;
        };
        for tries in 1..=AIMED_TRIES {
            if uses.contains_key(path) {
                break;
            }
            let doc = generator.document_for(count + aimed, grammar_path).unwrap();
            aimed += 1;
            if parse_domain(&doc.xml).is_err() {
                continue;
            }
            generator.reached(&doc);
            match paths_of(&doc.xml) {
                Ok((used, typed)) => {
                    if used.contains(path) {
                        most_tries = most_tries.max(tries);
                        aimed_at.push(format!("{path} (document {tries} built for it)"));
                    }
                    for p in used {
                        *uses.entry(p).or_default() += 1;
                    }
                    typed_all.extend(typed);
                }
                Err(e) => failed.push(format!("{}: {e}", doc.name)),
            }
        }
    }
    let reached: BTreeSet<&String> = uses.keys().filter(|p| schema.contains(*p)).collect();
    let mut refused = BTreeSet::new();
    for (path, device, why) in REFUSED_AT_DEFINE {
        let xml = format!(
            "<domain type='test'><name>r</name><memory>65536</memory><os><type>hvm</type></os>\
             <devices>{device}</devices></domain>"
        );
        match parse_domain(&xml) {
            Err(e) if e.to_string() == *why => {}
            other => failed.push(format!("{path}: {other:?}, libvirt refuses it with {why}")),
        }
        if schema.contains(*path) && !reached.contains(&path.to_string()) {
            refused.insert(path.to_string());
        }
    }
    for (device, template, taken, why) in ONE_ADDRESS_TYPE {
        let allowed = address_paths(device, taken);
        for address in ADDRESSES {
            let own: BTreeSet<String> = address_paths(device, address)
                .difference(&allowed)
                .cloned()
                .collect();
            if own.is_empty() {
                continue;
            }
            let xml = format!(
                "<domain type='test'><name>r</name><memory>65536</memory><os><type>hvm</type></os>\
                 <devices>{}</devices></domain>",
                template.replace("{address}", address)
            );
            match parse_domain(&xml) {
                Err(e) if e.to_string() == *why => {}
                other => failed.push(format!(
                    "{device} {address}: {other:?}, libvirt refuses it with {why}"
                )),
            }
            for path in own {
                if schema.contains(&path) && !reached.contains(&path) {
                    refused.insert(path);
                }
            }
        }
        // The address libvirt takes is taken.
        let xml = format!(
            "<domain type='test'><name>r</name><memory>65536</memory><os><type>hvm</type></os>\
             <devices>{}</devices></domain>",
            template.replace("{address}", taken)
        );
        if let Err(e) = parse_domain(&xml) {
            failed.push(format!("{device} {taken}: {e}, libvirt takes it"));
        }
    }
    let not_reached: Vec<&String> = schema
        .iter()
        .filter(|p| !reached.contains(p) && !refused.contains(*p))
        .collect();
    let mut left: Vec<(&String, usize)> = uses
        .iter()
        .filter(|(p, _)| schema.contains(*p) && !typed_all.contains(*p))
        .map(|(p, n)| (p, *n))
        .collect();
    left.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    println!(
        "schema_typed_coverage: {} schema paths ({} elements, {} attributes); {parsed} of {count} \
         generated documents (seed {seed}) parsed; {} paths reached, {} typed, {} not typed, {} not reached, \
         {} refused by libvirt in any definition; the last path first reached by document \
         {last_new}; then {} paths left over, {aimed} documents built for them, each reached \
         within {most_tries} of at most {AIMED_TRIES}",
        schema.len(),
        schema.iter().filter(|p| !p.contains('@')).count(),
        schema.iter().filter(|p| p.contains('@')).count(),
        reached.len(),
        reached.len() - left.len(),
        left.len(),
        not_reached.len(),
        refused.len(),
        left_over.len(),
    );
    for (p, n) in &left {
        println!("  not typed: {p} (in {n} documents)");
    }
    for p in &aimed_at {
        println!("  left by the random phase, reached: {p}");
    }
    for p in &not_reached {
        println!("  not reached: {p}");
    }
    for p in &refused {
        println!("  refused at define: {p}");
    }
    for f in &failed {
        println!("  FAILED {f}");
    }
    assert!(failed.is_empty(), "{} documents: {failed:#?}", failed.len());
    assert!(
        left.is_empty(),
        "{} paths parsed documents use are not typed (listed above)",
        left.len()
    );
    // Every path libvirt takes in some definition is reached: the steered
    // generator builds a document for each path still wanted, and its
    // repairs make libvirt's define-time rules accept it, so a path left
    // over means a rule the repairs lack, not a small sample.
    assert!(
        not_reached.is_empty(),
        "{} schema paths libvirt takes were reached by no parsed document of {count} \
         (seed {seed}; listed above)",
        not_reached.len()
    );
}
