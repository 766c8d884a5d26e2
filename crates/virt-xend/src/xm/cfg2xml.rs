//! An xm config into a [`DomainDef`], with what libvirt added after
//! parsing (implicit inputs, console, video, balloon, drive addresses and
//! controllers), so that [`DomainDef::to_xml`] writes what libvirt's
//! `domxml-from-native xen-xm` wrote.

use uuid::Uuid;
use virt_core::{CpuListError, CpuMap};
use virt_xml::{
    view_of, CharDev, Controller, Disk, DomainDef, Element, FeatureFlag, Features, Graphics,
    Interface, InterfaceSource, LifecycleAction, Loader,
};

use super::conf::{Conf, ConfValue, MEMORY_CONF};
use super::XmOptions;
use crate::sexpr2xml::{char_device, parse_vif_rate};
use crate::xen_common::{
    add_implicit_devices, chardev_target, clock, interface_ip, is_storage_format, lifecycle_action,
    outbound_limit, parse_mac, parse_sound, pci_hostdev, push_chardev, push_usb_input,
    sdl_graphics, vnc_graphics,
};
use crate::XendError;

/// The MAC address of a `vif` entry that names none.
const NO_MAC: &str = "00:00:00:00:00:00";

/// The memory (MiB) xm gave a guest whose config names none.
const DEFAULT_MEMORY_MIB: u64 = 128;

fn malformed(name: &str) -> XendError {
    XendError::XmConfig(format!("config value {name} was malformed"))
}

/// Typed reads of settings, with libvirt's rules: numbers may be written
/// as strings, a setting of the wrong type is an error, a missing one
/// takes the default.
struct Settings<'a> {
    conf: &'a Conf,
}

impl<'a> Settings<'a> {
    fn value(&self, name: &str) -> Option<&'a ConfValue> {
        self.conf.get(name)
    }

    fn string(&self, name: &str) -> Result<Option<&'a str>, XendError> {
        match self.value(name) {
            None => Ok(None),
            Some(ConfValue::Str(s)) => Ok(Some(s)),
            Some(_) => Err(malformed(name)),
        }
    }

    fn ulong(&self, name: &str, default: u64) -> Result<u64, XendError> {
        match self.value(name) {
            None => Ok(default),
            Some(ConfValue::Unsigned(n)) => Ok(*n),
            Some(ConfValue::Str(s)) => s.parse().map_err(|_| malformed(name)),
            Some(_) => Err(malformed(name)),
        }
    }

    fn long(&self, name: &str, default: i64) -> Result<i64, XendError> {
        match self.value(name) {
            None => Ok(default),
            Some(ConfValue::Signed(n)) => Ok(*n),
            Some(ConfValue::Unsigned(n)) => i64::try_from(*n).map_err(|_| malformed(name)),
            Some(ConfValue::Str(s)) => s.parse().map_err(|_| malformed(name)),
            Some(ConfValue::List(_)) => Err(malformed(name)),
        }
    }

    fn bool(&self, name: &str, default: bool) -> Result<bool, XendError> {
        Ok(self.ulong(name, u64::from(default))? != 0)
    }

    /// The strings of a list setting, leniently: a plain value counts as
    /// no list, other items are skipped (how libvirt read `vif`).
    fn strings(&self, name: &str) -> Vec<&'a str> {
        match self.value(name) {
            Some(ConfValue::List(items)) => items.iter().filter_map(ConfValue::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The strings of a list setting, strictly: every item must be a
    /// string; a plain value is an error unless `plain_is_none`.
    fn string_list(&self, name: &str, plain_is_none: bool) -> Result<Vec<&'a str>, XendError> {
        let why = format!("{MEMORY_CONF}: expected a string list for '{name}' parameter");
        match self.value(name) {
            None => Ok(Vec::new()),
            Some(ConfValue::List(items)) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .ok_or_else(|| XendError::ConfListItem(why.clone()))
                })
                .collect(),
            Some(_) if plain_is_none => Ok(Vec::new()),
            Some(_) => Err(XendError::ConfType(why)),
        }
    }
}

/// Convert a parsed xm config into a definition.
pub fn xm_to_domain(conf: &Conf, opts: &XmOptions) -> Result<DomainDef, XendError> {
    let s = Settings { conf };
    let mut def = DomainDef {
        domain_type: "xen".into(),
        ..DomainDef::default()
    };
    def.name = s
        .string("name")?
        .ok_or_else(|| XendError::XmConfig("config value name was missing".into()))?
        .to_string();
    def.uuid = Some(match s.string("uuid")? {
        // libvirt made one up for a config without.
        None => Uuid::new_v4(),
        Some(u) => virt_xml::parse_uuid(u)
            .ok_or_else(|| XendError::XmSyntax(format!("{u} not parseable")))?,
    });

    let current = s.ulong("memory", DEFAULT_MEMORY_MIB)?;
    let max = s.ulong("maxmem", current)?;
    def.memory = max.saturating_mul(1024);
    def.current_memory = Some(current.saturating_mul(1024));

    parse_vcpus(&s, &mut def)?;

    let hvm = s.string("builder")? == Some("hvm");
    if hvm {
        parse_features(&s, &mut def)?;
    }
    parse_clock(&s, &mut def, hvm)?;

    def.on_poweroff = Some(lifecycle(&s, "poweroff", "destroy")?);
    def.on_reboot = Some(lifecycle(&s, "reboot", "restart")?);
    def.on_crash = Some(lifecycle(&s, "crash", "restart")?);

    let emulator = if opts.v9() {
        "device_model_override"
    } else {
        "device_model"
    };
    def.devices.emulator = s.string(emulator)?.map(str::to_string);

    parse_vifs(&s, &mut def)?;
    parse_pci(&s, &mut def, opts)?;
    parse_graphics(&s, &mut def, hvm)?;
    if hvm {
        parse_chardevs(&s, &mut def)?;
        if let Some(sound) = s.string("soundhw")?.filter(|v| !v.is_empty()) {
            parse_sound(sound, &mut def).map_err(as_config_error)?;
        }
    }
    // libvirt read the common settings first, then the boot setup,
    // disks and USB inputs; the first error met is the one reported.
    parse_os(&s, &mut def, hvm, opts)?;
    parse_disks(&s, &mut def, hvm, opts)?;
    if hvm {
        parse_usb(&s, &mut def)?;
    } else {
        let mut console = CharDev {
            kind: "console".into(),
            dev_type: Some("pty".into()),
            ..CharDev::default()
        };
        console.add_part(&chardev_target(Some("xen"), 0));
        def.devices.chardevs.push(console);
    }
    if def.memory == 0 {
        return Err(XendError::Xml(
            "Memory size must be specified via <memory> or in the <numa> configuration".into(),
        ));
    }
    post_parse(&mut def, hvm, opts)?;
    Ok(def)
}

fn parse_vcpus(s: &Settings, def: &mut DomainDef) -> Result<(), XendError> {
    let vcpus = s.ulong("vcpus", 1)?;
    let max = s.ulong("maxvcpus", vcpus)?;
    let to_u32 = |n: u64, name: &str| u32::try_from(n).map_err(|_| malformed(name));
    def.vcpu.max = to_u32(max, "maxvcpus")?;
    let current = to_u32(vcpus.min(max), "vcpus")?;
    // xm configs may carry vcpu_avail, but libvirt never read it.
    def.vcpu.current = (current < def.vcpu.max).then_some(current);
    def.vcpu.cpuset = s.string("cpus")?.map(cpu_set).transpose()?;
    Ok(())
}

/// The CPUs libvirt's bitmaps can name.
const CPU_SET_SIZE: u32 = 4096;

/// A CPU list (`0-3,^2,5`) in libvirt's canonical spelling (`0-1,3,5`),
/// read and written by virt-core's [`CpuMap`] (`virBitmapParse` with
/// libvirt's Xen limit, `virBitmapFormat`); a list that leaves no CPU is
/// the empty set libvirt writes as `''`.
fn cpu_set(text: &str) -> Result<String, XendError> {
    match CpuMap::parse_below(text, CPU_SET_SIZE) {
        Ok(set) => Ok(set.to_string()),
        Err(CpuListError::Empty) => Ok(String::new()),
        Err(CpuListError::Syntax) => Err(XendError::InvalidArg(format!(
            "Failed to parse bitmap '{text}'"
        ))),
    }
}

fn parse_os(
    s: &Settings,
    def: &mut DomainDef,
    hvm: bool,
    opts: &XmOptions,
) -> Result<(), XendError> {
    let string = |name: &str| s.string(name).map(|v| v.map(str::to_string));
    def.os.arch = Some(if opts.v9() { "x86_64" } else { "i686" }.into());
    if hvm {
        def.os.os_type = "hvm".into();
        def.os.machine = Some("xenfv".into());
        // The HVM firmware is the one thing an HVM config must name.
        let loader = string("kernel")?
            .ok_or_else(|| XendError::XmConfig("config value kernel was missing".into()))?;
        def.os.loader = Some(loader);
        def.set_os_loader(Some(&Loader {
            path: def.os.loader.clone(),
            loader_type: Some("rom".into()),
            ..Loader::default()
        }));
        for c in s.string("boot")?.unwrap_or("c").chars() {
            let dev = match c {
                'a' => "fd",
                'd' => "cdrom",
                'n' => "network",
                _ => "hd",
            };
            if def.os.boot.len() < 4 {
                def.os.boot.push(dev.into());
            }
        }
    } else {
        def.os.os_type = "linux".into();
        def.os.machine = Some("xenpv".into());
        def.bootloader = string("bootloader")?;
        // Arguments without a bootloader were read and then never shown.
        def.bootloader_args = string("bootargs")?.filter(|_| def.bootloader.is_some());
        def.os.kernel = string("kernel")?;
        def.os.initrd = string("ramdisk")?;
        // `root` was a separate setting that xm glued in front of `extra`.
        def.os.cmdline = match (s.string("root")?, s.string("extra")?) {
            (Some(root), Some(extra)) => Some(format!("root={root} {extra}")),
            (Some(root), None) => Some(format!("root={root}")),
            (None, extra) => extra.map(str::to_string),
        };
    }
    Ok(())
}

fn parse_features(s: &Settings, def: &mut DomainDef) -> Result<(), XendError> {
    let mut features = Features::default();
    let mut add = |name: &str, state: Option<&str>| {
        features.flags.push(FeatureFlag {
            name: name.into(),
            state: state.map(str::to_string),
            ..FeatureFlag::default()
        })
    };
    // pae, acpi and apic were on unless switched off; libvirt lists them
    // in its own order.
    let pae = s.bool("pae", true)?;
    if s.bool("acpi", true)? {
        add("acpi", None);
    }
    if s.bool("apic", true)? {
        add("apic", None);
    }
    if pae {
        add("pae", None);
    }
    if !s.bool("hap", true)? {
        add("hap", Some("off"));
    }
    if s.bool("viridian", false)? {
        add("viridian", None);
    }
    if !features.flags.is_empty() {
        def.set_typed_features(&features);
    }
    Ok(())
}

fn parse_clock(s: &Settings, def: &mut DomainDef, hvm: bool) -> Result<(), XendError> {
    let localtime = s.bool("localtime", false)?;
    let (mut offset, mut hpet) = (0, None);
    if hvm {
        // Read as unsigned, as libvirt did: a negative offset is refused.
        offset = s.ulong("rtc_timeoffset", 0)?;
        if s.value("hpet").is_some() {
            hpet = Some(s.long("hpet", 0)? != 0);
        }
    }
    def.set_clock(&clock(hvm, localtime, offset.to_string(), hpet));
    Ok(())
}

fn lifecycle(s: &Settings, event: &str, default: &str) -> Result<LifecycleAction, XendError> {
    let name = format!("on_{event}");
    let value = s.string(&name)?.unwrap_or(default);
    lifecycle_action(value)
        .ok_or_else(|| XendError::XmConfig(format!("unexpected value {value} for {name}")))
}

/// One `disk = [ "SRC,DST,MODE" ]` entry; `None` for entries libvirt
/// skipped (fewer than three fields).
fn parse_disk(entry: &str, opts: &XmOptions) -> Result<Option<Disk>, XendError> {
    let mut fields = entry.splitn(3, ',');
    let (Some(src), Some(dst), Some(mode)) = (fields.next(), fields.next(), fields.next()) else {
        return Ok(None);
    };
    let mut disk = Disk {
        device: "disk".into(),
        ..Disk::default()
    };
    let mut driver: Option<&str> = None;
    let mut path = src;
    if !src.is_empty() {
        if let Some((d, rest)) = src.split_once(':') {
            driver = Some(d);
            path = rest;
        }
        if let Some(d @ ("tap" | "tap2")) = driver {
            let Some((fmt, rest)) = path.split_once(':') else {
                return Ok(None);
            };
            let fmt = match fmt {
                "aio" => "raw",
                f if is_storage_format(f) => f,
                f => return Err(XendError::XmConfig(format!("Unknown driver type {f}"))),
            };
            disk.driver_type = Some(fmt.to_string());
            driver = Some(d);
            path = rest;
        }
        disk.source = Some(path.to_string());
    }
    let driver = driver.unwrap_or("phy");
    disk.disk_type = if driver == "phy" { "block" } else { "file" }.into();
    disk.driver_name = Some(driver.to_string());
    if opts.v9() && disk.driver_type.is_none() {
        disk.driver_type = Some("raw".into());
    }

    let dst = dst.strip_prefix("ioemu:").unwrap_or(dst);
    let dst = match dst.split_once(':') {
        Some((name, "cdrom")) => {
            disk.device = "cdrom".into();
            name
        }
        Some((name, _)) => name,
        None => dst,
    };
    if dst.is_empty() {
        return Ok(None);
    }
    if !is_disk_name(dst) {
        return Err(XendError::Xml(format!(
            "Unknown disk name '{dst}' and no address specified"
        )));
    }
    disk.target_dev = dst.to_string();
    match mode {
        "r" | "ro" => disk.readonly = true,
        "w!" | "!" => disk.shareable = true,
        _ => {}
    }
    Ok(Some(disk))
}

/// A target name libvirt can number: a known prefix and lowercase letters.
fn is_disk_name(name: &str) -> bool {
    ["fd", "hd", "vd", "sd", "xvd", "ubd"].iter().any(|p| {
        name.strip_prefix(p)
            .is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_lowercase()))
    })
}

fn parse_disks(
    s: &Settings,
    def: &mut DomainDef,
    hvm: bool,
    opts: &XmOptions,
) -> Result<(), XendError> {
    for entry in s.string_list("disk", false)? {
        if let Some(mut disk) = parse_disk(entry, opts)? {
            // The bus comes from the guest kind and the name's prefix, not
            // from libvirt's generic table: a PV guest sees only Xen disks.
            let bus = if !hvm || disk.target_dev.starts_with("xvd") {
                "xen"
            } else if disk.target_dev.starts_with("sd") {
                "scsi"
            } else {
                "ide"
            };
            disk.target_bus = Some(bus.into());
            def.devices.disks.push(disk);
        }
    }
    Ok(())
}

/// `key=value,key=value` pairs; pieces without `=` are ignored.
fn pairs(entry: &str) -> impl Iterator<Item = (&str, &str)> {
    entry
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
}

// Not sexpr2xml's parse_nets: in xm, type=netfront beat a model and an empty value was none.
fn parse_vifs(s: &Settings, def: &mut DomainDef) -> Result<(), XendError> {
    for entry in s.strings("vif") {
        let get = |key: &str| pairs(entry).find(|(k, _)| *k == key).map(|(_, v)| v);
        let bridge = get("bridge").filter(|b| !b.is_empty());
        let script = get("script").filter(|b| !b.is_empty());
        let bridged = bridge.is_some() || matches!(script, Some("vif-bridge" | "vif-vnic"));
        let mut net = Interface {
            iface_type: if bridged { "bridge" } else { "ethernet" }.into(),
            ..Interface::default()
        };
        // Without a MAC, libvirt kept the all-zero address it started from.
        let mac = get("mac").filter(|m| !m.is_empty()).unwrap_or(NO_MAC);
        net.mac = Some(
            parse_mac(mac)
                .ok_or_else(|| XendError::XmConfig(format!("malformed mac address '{mac}'")))?,
        );
        if let Some(b) = bridge {
            net.set_typed_source(&InterfaceSource {
                bridge: Some(b.into()),
                ..InterfaceSource::default()
            });
        }
        net.script = script.map(str::to_string);
        // Several addresses were space-separated; libvirt noted each one's family.
        for ip in get("ip").unwrap_or("").split(' ').filter(|i| !i.is_empty()) {
            let family = match ip.parse::<std::net::IpAddr>() {
                Ok(std::net::IpAddr::V4(_)) => "ipv4",
                Ok(std::net::IpAddr::V6(_)) => "ipv6",
                Err(_) => {
                    return Err(XendError::XmConfig(format!(
                        "Cannot parse socket address '{ip}'"
                    )))
                }
            };
            // The model keeps the first address typed, next to its element.
            net.ip.get_or_insert_with(|| ip.to_string());
            net.add_part(&interface_ip(ip, family));
        }
        net.target_dev = get("vifname").filter(|v| !v.is_empty()).map(str::to_string);
        net.model = match (get("model").filter(|m| !m.is_empty()), get("type")) {
            (_, Some("netfront")) => Some("netfront".into()),
            (Some(m), _) => Some(m.to_string()),
            _ => None,
        };
        if let Some(rate) = get("rate") {
            let kbytes = parse_vif_rate(rate)
                .ok_or_else(|| XendError::XmConfig(format!("Invalid rate '{rate}' specified")))?;
            net.add_part(&outbound_limit(kbytes));
        }
        def.devices.interfaces.push(net);
    }
    Ok(())
}

/// One `pci` entry: `[DDDD:]BB:SS.F[,KEY=VALUE...]`, as (domain, bus,
/// slot, function, permissive). Like libvirt, the numbers are hex without
/// range checks, and a virtual slot (`@N`) is refused.
fn parse_bdf(entry: &str) -> Result<(u32, u32, u32, u32, Option<bool>), XendError> {
    let refused = || XendError::XmConfig(format!("cannot parse PCI device '{entry}'"));
    let mut pieces = entry.split(',');
    let bdf = pieces.next().unwrap_or_default();
    if bdf.contains('@') {
        return Err(refused());
    }
    let (addr, slot_func) = match bdf.rsplit_once(':') {
        Some((a, sf)) => (Some(a), sf),
        None => (None, bdf),
    };
    let (slot, func) = slot_func
        .split_once('.')
        .ok_or_else(|| XendError::XmConfig(format!("Malformed PCI address {slot_func}")))?;
    let (domain, bus) = match addr.map(|a| a.split_once(':')) {
        Some(Some((d, b))) => (d, b),
        Some(None) => ("0", addr.unwrap_or_default()),
        None => return Err(refused()),
    };
    let hex = |s: &str| u32::from_str_radix(s, 16).map_err(|_| refused());
    let mut permissive = None;
    for (k, v) in pieces.filter_map(|kv| kv.split_once('=')) {
        if k == "permissive" {
            permissive = Some(v.parse::<i64>().map_err(|_| refused())? != 0);
        }
    }
    Ok((hex(domain)?, hex(bus)?, hex(slot)?, hex(func)?, permissive))
}

fn parse_pci(s: &Settings, def: &mut DomainDef, opts: &XmOptions) -> Result<(), XendError> {
    for entry in s.string_list("pci", true)? {
        let (d, b, sl, f, permissive) = parse_bdf(entry)?;
        // libvirt 9 names the backend; write filtering is the opposite of
        // xm's "permissive".
        let (driver, write_filtering) = match opts.v9() {
            true => (Some("xen"), permissive.map(|p| !p)),
            false => (None, None),
        };
        def.devices
            .push_view(&pci_hostdev((d, b, sl, f), driver, write_filtering));
    }
    Ok(())
}

/// A VNC `<graphics>`; `get` reads one setting as text.
fn hvm_vnc_graphics<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Graphics, XendError> {
    let flag = |k: &str, default: bool| match get(k) {
        None => Ok(default),
        Some(v) => v.parse::<u64>().map(|n| n != 0).map_err(|_| malformed(k)),
    };
    let autoport = flag("vncunused", true)?;
    let port = if autoport {
        -1
    } else {
        let display = match get("vncdisplay") {
            None => 0,
            Some(d) => d.parse::<i64>().map_err(|_| malformed("vncdisplay"))?,
        };
        display.saturating_add(5900)
    };
    Ok(vnc_graphics(non_empty(get), autoport, Some(port)))
}

/// `get` with empty settings read as missing (an empty listen address,
/// keymap or password was no setting in xm).
fn non_empty<'a>(get: impl Fn(&str) -> Option<&'a str>) -> impl Fn(&str) -> Option<&'a str> {
    move |k| get(k).filter(|v| !v.is_empty())
}

/// VNC from a PV `vfb` entry: there the port is chosen only when
/// `vncunused=1` says so, and no display means no port.
fn vfb_vnc_graphics<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Graphics, XendError> {
    let autoport = get("vncunused") == Some("1");
    let port = match get("vncdisplay") {
        Some(d) => d
            .parse::<i64>()
            .map_err(|_| XendError::XmConfig(format!("invalid vncdisplay value '{d}'")))?
            .saturating_add(5900),
        None if autoport => -1,
        None => 0,
    };
    // libvirt leaves out a port of 0.
    let port = Some(port).filter(|p| *p != 0);
    Ok(vnc_graphics(non_empty(get), autoport, port))
}

fn parse_graphics(s: &Settings, def: &mut DomainDef, hvm: bool) -> Result<(), XendError> {
    if hvm {
        // Top-level settings; numbers may be written either way.
        let text = |k: &str| match s.value(k) {
            Some(ConfValue::Str(v)) => Some(v.clone()),
            Some(ConfValue::Unsigned(n)) => Some(n.to_string()),
            Some(ConfValue::Signed(n)) => Some(n.to_string()),
            _ => None,
        };
        let owned: Vec<(&str, String)> = [
            "vncunused",
            "vncdisplay",
            "vnclisten",
            "vncpasswd",
            "keymap",
            "display",
            "xauthority",
        ]
        .into_iter()
        .filter_map(|k| text(k).map(|v| (k, v)))
        .collect();
        let get = |k: &str| owned.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        if s.bool("vnc", false)? {
            def.devices.graphics.push(hvm_vnc_graphics(get)?);
        } else if s.bool("sdl", false)? {
            def.devices.graphics.push(sdl_graphics(get));
        }
    }
    if !hvm {
        if let Some(entry) = s.strings("vfb").first() {
            let get = |key: &str| pairs(entry).find(|(k, _)| *k == key).map(|(_, v)| v);
            match get("type") {
                Some("sdl") => def.devices.graphics.push(sdl_graphics(get)),
                Some("vnc") | None => def.devices.graphics.push(vfb_vnc_graphics(get)?),
                Some(_) => {}
            }
        }
    }
    Ok(())
}

fn parse_chardevs(s: &Settings, def: &mut DomainDef) -> Result<(), XendError> {
    let chardev = |value: &str| char_device(value, None).map_err(as_config_error);
    if let Some(v) = s.string("parallel")?.filter(|v| *v != "none") {
        push_chardev(def, chardev(v)?, "parallel", 0);
    }
    let ports: Vec<&str> = match s.value("serial") {
        None => Vec::new(),
        Some(ConfValue::Str(v)) => vec![v.as_str()],
        // xl's list of serial ports is not part of the xm format.
        Some(ConfValue::List(_)) => return Err(multiple_serials()),
        Some(_) => return Err(malformed("serial")),
    };
    for (port, v) in (0u32..).zip(ports) {
        if v == "none" {
            continue;
        }
        push_chardev(def, chardev(v)?, "serial", port);
    }
    Ok(())
}

/// The xm spelling of an error the S-expression reader reports as
/// incomplete domain information.
fn as_config_error(e: XendError) -> XendError {
    match e {
        XendError::Incomplete(m) => XendError::XmConfig(m),
        other => other,
    }
}

/// libvirt's refusal of more than one serial port in the xm format.
pub(crate) fn multiple_serials() -> XendError {
    XendError::XmUnsupported("Multiple serial devices are not supported by xen-xm".into())
}

fn parse_usb(s: &Settings, def: &mut DomainDef) -> Result<(), XendError> {
    let device = match s.value("usbdevice") {
        None => None,
        Some(ConfValue::Str(v)) => Some(v.as_str()),
        // xl's list of USB devices is not part of the xm format.
        Some(_) => {
            return Err(XendError::ConfType(format!(
                "{MEMORY_CONF}: expected a string for 'usbdevice' parameter"
            )))
        }
    };
    if let Some(t) = device {
        push_usb_input(def, t);
    }
    Ok(())
}

/// What libvirt added after parsing an xm config.
fn post_parse(def: &mut DomainDef, hvm: bool, opts: &XmOptions) -> Result<(), XendError> {
    if opts.v9() && hvm {
        // libxl's post-parse turns PAE on for every x86_64 HVM guest.
        let mut features = def.typed_features()?.unwrap_or_default();
        if !features.flags.iter().any(|f| f.name == "pae") {
            let at = features
                .flags
                .iter()
                .position(|f| f.name != "acpi" && f.name != "apic")
                .unwrap_or(features.flags.len());
            let pae = FeatureFlag {
                name: "pae".into(),
                ..FeatureFlag::default()
            };
            features.flags.insert(at, pae);
            def.set_typed_features(&features);
        }
    }
    if opts.v9() {
        // libxl's device post-parse adds the PV bus before the drive
        // controllers are derived.
        let xenbus = Controller {
            controller_type: "xenbus".into(),
            index: Some(0),
            ..Controller::default()
        };
        def.devices.insert_view(0, &xenbus);
    }
    let vcpu = def.vcpu.clone();
    let before = def.devices.other.len();
    def.fill_defaults();
    // libvirt added the drive controllers type by type: SCSI, floppy,
    // IDE, SATA, whatever order the disks came in.
    if let Some(added) = def.devices.other.get_mut(before..) {
        let rank = |e: &Element| {
            let controller = view_of::<Controller>(e).ok().flatten();
            controller
                .and_then(|c| {
                    ["scsi", "fdc", "ide", "sata"]
                        .iter()
                        .position(|t| c.controller_type == *t)
                })
                .unwrap_or(usize::MAX)
        };
        added.sort_by_key(rank);
    }
    // libvirt kept a config's zero vCPU counts as they were.
    if vcpu.max == 0 {
        def.vcpu.max = 0;
    }
    if vcpu.current == Some(0) {
        def.vcpu.current = Some(0);
    }
    add_implicit_devices(def, hvm, if opts.v9() { 8192 } else { 16384 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xm::XmFlavour;

    fn convert(text: &str) -> Result<DomainDef, XendError> {
        xm_to_domain(
            &Conf::parse(text.as_bytes())?,
            &XmOptions::new(XmFlavour::Libvirt4),
        )
    }

    #[test]
    fn refuses_what_libvirt_refused() {
        let e = convert("memory = 5\n").expect_err("no name");
        assert_eq!(
            e.to_string(),
            "internal error: config value name was missing"
        );
        let v: virt_core::Error = e.into();
        assert_eq!(v.domain, virt_core::ErrorDomain::Xen);
        let e = convert("name = \"x\"\nmemory = \"lots\"\n").expect_err("bad memory");
        assert_eq!(
            e.to_string(),
            "internal error: config value memory was malformed"
        );
        let e = convert("name = \"x\"\nuuid = \"nope\"\n").expect_err("bad uuid");
        assert_eq!(
            e.to_string(),
            "configuration file syntax error: nope not parseable"
        );
        let e = convert("name = \"x\"\non_crash = \"explode\"\n").expect_err("bad action");
        assert_eq!(
            e.to_string(),
            "internal error: unexpected value explode for on_crash"
        );
        let e = convert("name = \"x\"\nvif = [ \"mac=zz\" ]\n").expect_err("bad mac");
        assert_eq!(e.to_string(), "internal error: malformed mac address 'zz'");
        let e = convert("name = \"x\"\nbuilder = \"hvm\"\nkernel = \"/l\"\nserial = \"bogus:x\"\n")
            .expect_err("bad serial");
        assert!(e.to_string().contains("unknown chr device type"), "{e}");
        let e = convert("name = [ 1 ]\n").expect_err("bad name");
        assert_eq!(
            e.to_string(),
            "internal error: config value name was malformed"
        );
    }

    #[test]
    fn defaults_of_a_minimal_config() {
        let def = convert("name = \"min\"\n").expect("converts");
        assert_eq!(def.memory, 128 * 1024);
        assert_eq!(def.vcpu.max, 1);
        assert!(def.uuid.is_some());
        assert_eq!(def.on_crash, Some(LifecycleAction::Restart));
        assert_eq!(def.os.os_type, "linux");
    }

    #[test]
    fn pci_addresses() {
        // What libvirt 9.0's parser accepted and refused.
        assert_eq!(
            parse_bdf("0001:0c:1b.2").ok(),
            Some((1, 0xc, 0x1b, 2, None))
        );
        assert_eq!(parse_bdf("01:13.0").ok(), Some((0, 1, 0x13, 0, None)));
        assert_eq!(
            parse_bdf("0:0:1f.7,permissive=1,msitranslate=1").ok(),
            Some((0, 0, 0x1f, 7, Some(true)))
        );
        assert_eq!(
            parse_bdf("10000:00:1f.8").ok(),
            Some((0x10000, 0, 0x1f, 8, None))
        );
        assert!(parse_bdf("01:13.0@4").is_err());
        assert_eq!(
            parse_bdf("00:1f").map_err(|e| e.to_string()),
            Err("internal error: Malformed PCI address 1f".into())
        );
        assert!(parse_bdf("zz:1f.1").is_err());
        assert!(parse_bdf("1f.1").is_err());
    }

    #[test]
    fn list_settings() {
        let e = convert("name = \"x\"\ndisk = \"file:/a,xvda,w\"\n").expect_err("plain disk");
        assert_eq!(
            e.to_string(),
            "internal error: memory conf: expected a string list for 'disk' parameter"
        );
        let e = convert("name = \"x\"\npci = [ 1 ]\n").expect_err("number in pci");
        let v: virt_core::Error = e.into();
        assert_eq!(v.code, virt_core::ErrorCode::ConfSyntax);
        assert_eq!(v.domain, virt_core::ErrorDomain::Conf);
        let def =
            convert("name = \"x\"\npci = \"00:1f.1\"\nvif = [ 1, \"mac=00:16:3e:00:00:01\" ]\n")
                .expect("lenient lists");
        assert_eq!(def.devices.interfaces.len(), 1);
    }

    #[test]
    fn disks() {
        let opts = XmOptions::default();
        let d = parse_disk("tap:qcow2:/a.img,xvdb,w!", &opts)
            .expect("parses")
            .expect("a disk");
        assert_eq!(d.driver_name.as_deref(), Some("tap"));
        assert_eq!(d.driver_type.as_deref(), Some("qcow2"));
        assert!(d.shareable);
        assert!(parse_disk("/a.img,xvdb", &opts).expect("parses").is_none());
        assert!(parse_disk("tap:bogus:/a,xvda,w", &opts).is_err());
    }

    /// Behaviours checked against libvirt 9.0's own xenParseXM (called
    /// through its driver library), beyond what the corpus covers.
    #[test]
    fn matches_libvirt_9_on_details() {
        let opts = XmOptions::new(XmFlavour::Libvirt9);
        let convert9 = |text: &str| {
            let conf = Conf::parse(text.as_bytes()).expect("parses");
            xm_to_domain(&conf, &opts).map(|d| {
                d.to_xml(&virt_xml::FormatOptions {
                    secure: true,
                    ..Default::default()
                })
            })
        };
        let base = "name = \"x\"\nuuid = \"c7a5fdb2-cdaf-9455-926a-d65c16db1809\"\n";
        let hvm = format!("{base}builder = \"hvm\"\nkernel = \"/k\"\n");
        // PAE is always on for x86_64 HVM guests.
        let xml = convert9(&format!("{hvm}pae = 0\n")).expect("converts");
        assert!(xml.contains("<apic/>\n    <pae/>"), "{xml}");
        // Drive controllers come type by type: SCSI before IDE.
        let xml = convert9(&format!(
            "{hvm}disk = [ \"file:/a,hda,w\", \"file:/b,sda,w\" ]\n"
        ))
        .expect("converts");
        let (scsi, ide) = (
            xml.find("<controller type='scsi'"),
            xml.find("<controller type='ide'"),
        );
        assert!(scsi.is_some() && scsi < ide, "{xml}");
        // Addresses carry their family; a vif without MAC gets zeroes.
        let xml =
            convert9(&format!("{base}vif = [ \"ip=10.0.0.1 fe80::1\", 7 ]\n")).expect("converts");
        assert!(xml.contains("<mac address='00:00:00:00:00:00'/>"), "{xml}");
        assert!(
            xml.contains("<ip address='10.0.0.1' family='ipv4'/>"),
            "{xml}"
        );
        assert!(
            xml.contains("<ip address='fe80::1' family='ipv6'/>"),
            "{xml}"
        );
        // A vfb entry without a type is VNC; without vncunused=1 no port is chosen.
        let xml = convert9(&format!("{base}vfb = [ \"sdl=1\" ]\n")).expect("converts");
        assert!(xml.contains("<graphics type='vnc' autoport='no'>"), "{xml}");
        // CPU lists are rewritten canonically; bad ones refused.
        let xml = convert9(&format!("{base}cpus = \"0-3,^2, 5\"\n")).expect("converts");
        assert!(xml.contains("cpuset='0-1,3,5'"), "{xml}");
        let e = convert9(&format!("{base}cpus = \"3-1\"\n")).expect_err("reversed range");
        assert_eq!(
            e.to_string(),
            "invalid argument: Failed to parse bitmap '3-1'"
        );
        // virBitmapParse wants a digit first, and CPUs below Xen's 4096.
        for bad in ["+3", "4096", "1,^x"] {
            let e = convert9(&format!("{base}cpus = \"{bad}\"\n")).expect_err(bad);
            assert_eq!(
                e.to_string(),
                format!("invalid argument: Failed to parse bitmap '{bad}'")
            );
        }
        // Zero vCPUs stay zero; vcpu_avail is not read.
        let xml = convert9(&format!("{base}vcpus = 0\nmaxvcpus = 1\n")).expect("converts");
        assert!(
            xml.contains("<vcpu placement='static' current='0'>1</vcpu>"),
            "{xml}"
        );
        let xml = convert9(&format!("{base}vcpus = 3\nvcpu_avail = 3\n")).expect("converts");
        assert!(xml.contains("<vcpu placement='static'>3</vcpu>"), "{xml}");
        // Negative RTC offsets and unknown disk names are refused.
        assert!(convert9(&format!("{hvm}rtc_timeoffset = -5\n")).is_err());
        let e = convert9(&format!("{base}disk = [ \"file:/a,zz,w\" ]\n")).expect_err("zz");
        assert!(e.to_string().contains("Unknown disk name 'zz'"), "{e}");
        // A list of USB devices is xl's syntax.
        let e = convert9(&format!("{hvm}usbdevice = [ \"tablet\" ]\n")).expect_err("list");
        assert_eq!(
            e.to_string(),
            "internal error: memory conf: expected a string for 'usbdevice' parameter"
        );
    }

    #[test]
    fn root_and_extra_make_the_command_line() {
        let def = convert("name = \"x\"\nroot = \"/dev/xvda1\"\nextra = \"ro\"\n").expect("ok");
        assert_eq!(def.os.cmdline.as_deref(), Some("root=/dev/xvda1 ro"));
    }
}
