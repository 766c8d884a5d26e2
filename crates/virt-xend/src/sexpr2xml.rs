//! xend's description of a domain (`GET /xend/domain/<name>?detail=1`)
//! into a [`DomainDef`], with what libvirt 4.0's Xen driver added after
//! parsing (implicit inputs, balloon, video, consoles, drive addresses),
//! so that [`DomainDef::to_xml`] writes what `virsh dumpxml` wrote.

use uuid::Uuid;
use virt_xml::{
    CharDev, CharProtocol, CharSource, Disk, DomainDef, FeatureFlag, Features, FormatOptions,
    Graphics, Interface, InterfaceSource, LifecycleAction, Loader,
};

use crate::sexpr::{c_atol, parse_lenient, Sexpr};
use crate::xen_common::{
    add_implicit_devices, chardev_target, clock, interface_ip, is_storage_format, lifecycle_action,
    outbound_limit, parse_mac, parse_sound, pci_hostdev, push_chardev, push_usb_input,
    sdl_graphics, vnc_graphics,
};
use crate::XendError;

/// What xend's description does not hold but the driver read elsewhere.
#[derive(Debug, Clone, Default)]
pub struct SexprOptions {
    /// The console's pty (`/local/domain/<id>/console/tty` in xenstore).
    pub tty: Option<String>,
    /// The VNC port (`/local/domain/<id>/console/vnc-port`).
    pub vnc_port: Option<i32>,
}

/// The vif hotplug script that means "bridged" when no bridge is named.
const DEFAULT_VIF_SCRIPT: &str = "vif-bridge";

fn incomplete(what: &str) -> XendError {
    XendError::Incomplete(format!("domain information incomplete, {what}"))
}

/// Parse `text` (libvirt's lenient reading) and convert it.
pub fn sexpr_text_to_domain(text: &[u8], opts: &SexprOptions) -> Result<DomainDef, XendError> {
    sexpr_to_domain(&parse_lenient(text)?, opts)
}

/// The domain XML libvirt 4.0 wrote for xend's description `text`
/// (the running domain's id included, passwords left out).
pub fn sexpr_text_to_xml(text: &[u8], opts: &SexprOptions) -> Result<String, XendError> {
    let def = sexpr_text_to_domain(text, opts)?;
    Ok(def.to_xml(&format_options(&def)))
}

/// The format options for a domain read from xend: its id when running.
pub fn format_options(def: &DomainDef) -> FormatOptions {
    FormatOptions {
        id: def.id.and_then(|i| u32::try_from(i).ok()),
        ..FormatOptions::default()
    }
}

/// Convert xend's `(domain ...)` description into a definition.
pub fn sexpr_to_domain(root: &Sexpr, opts: &SexprOptions) -> Result<DomainDef, XendError> {
    if root.key() != Some("domain") {
        return Err(incomplete("not a (domain ...) description"));
    }
    let mut def = DomainDef {
        domain_type: "xen".into(),
        ..DomainDef::default()
    };
    let id = root.node("domain/domid").map(c_atol);
    def.id = id.and_then(|i| i32::try_from(i).ok());
    let id = def.id.unwrap_or(-1);

    def.name = root
        .node("domain/name")
        .ok_or_else(|| incomplete("missing name"))?
        .to_string();
    let uuid = root
        .node("domain/uuid")
        .ok_or_else(|| incomplete("missing uuid"))?;
    def.uuid = Some(parse_uuid(uuid).ok_or_else(|| incomplete("malformed uuid"))?);
    def.description = root.node("domain/description").map(str::to_string);

    let hvm = root.lookup("domain/image/hvm").is_some();
    if !hvm && root.lookup("domain/bootloader").is_some() {
        def.bootloader = Some(root.node("domain/bootloader").unwrap_or("").to_string());
        def.bootloader_args = root.node("domain/bootloader_args").map(str::to_string);
    }
    def.os.os_type = if hvm { "hvm" } else { "linux" }.into();
    if id != 0 && root.lookup("domain/image").is_some() {
        parse_os(root, &mut def, hvm)?;
    }

    let mb_to_kib = |n: i64| u64::try_from(n).unwrap_or(0).saturating_mul(1024);
    def.memory = mb_to_kib(root.node_int("domain/maxmem"));
    def.current_memory = Some(mb_to_kib(root.node_int("domain/memory")).min(def.memory));

    let max = u32::try_from(root.node_int("domain/vcpus")).unwrap_or(0);
    def.vcpu.max = max;
    let avail = u64::try_from(root.node_int("domain/vcpu_avail")).unwrap_or(0);
    let online = avail.count_ones();
    def.vcpu.current = (online != 0 && online < max).then_some(online);
    def.vcpu.placement = Some("static".into());

    def.on_poweroff = Some(lifecycle(root, "poweroff", LifecycleAction::Destroy)?);
    def.on_reboot = Some(lifecycle(root, "reboot", LifecycleAction::Restart)?);
    def.on_crash = Some(lifecycle(root, "crash", LifecycleAction::Destroy)?);

    let localtime = root.node_int("domain/localtime") != 0
        || (hvm && root.node_int("domain/image/hvm/localtime") != 0);
    let mut features = Features::default();
    if hvm {
        for f in ["acpi", "apic", "pae", "hap"] {
            if root.node_int(&format!("domain/image/hvm/{f}")) != 0 {
                features.flags.push(FeatureFlag {
                    name: f.into(),
                    ..FeatureFlag::default()
                });
            }
        }
    }
    if !features.flags.is_empty() {
        def.set_typed_features(&features);
    }
    let offset = root.node_int("domain/image/hvm/rtc_timeoffset");
    let hpet = root.node("domain/image/hvm/hpet").map(|h| c_atol(h) != 0);
    def.set_clock(&clock(hvm, localtime, offset.to_string(), hpet));

    let image = if hvm { "hvm" } else { "linux" };
    def.devices.emulator = root
        .node(&format!("domain/image/{image}/device_model"))
        .map(str::to_string);

    parse_disks(root, &mut def, hvm)?;
    parse_nets(root, &mut def, id)?;
    parse_pci(root, &mut def);
    parse_graphics_new(root, &mut def, opts)?;
    if def.devices.graphics.is_empty() {
        parse_graphics_old(root, &mut def, image, opts);
    }
    if hvm {
        parse_old_cdrom_and_floppies(root, &mut def);
        parse_usb(root, &mut def);
        parse_hvm_chardevs(root, &mut def, opts)?;
    } else if id != 0 {
        let mut console = char_device("pty", opts.tty.as_deref())?;
        console.kind = "console".into();
        // libvirt repeats a live console's pty as tty= for old clients.
        console.tty = opts.tty.clone();
        console.add_part(&chardev_target(Some("xen"), 0));
        def.devices.chardevs.push(console);
    }
    if hvm {
        if let Some(sound) = root
            .node("domain/image/hvm/soundhw")
            .filter(|s| !s.is_empty())
        {
            parse_sound(sound, &mut def)?;
        }
    }
    post_parse(&mut def, hvm)?;
    Ok(def)
}

/// A UUID with or without dashes (xend wrote both).
fn parse_uuid(s: &str) -> Option<Uuid> {
    let hex: String = s.trim().chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 {
        return None;
    }
    Uuid::try_parse(&hex).ok()
}

fn lifecycle(
    root: &Sexpr,
    event: &str,
    default: LifecycleAction,
) -> Result<LifecycleAction, XendError> {
    let Some(v) = root.node(&format!("domain/on_{event}")) else {
        return Ok(default);
    };
    // xend's core dumps were crash actions only.
    match lifecycle_action(v) {
        Some(LifecycleAction::CoredumpDestroy | LifecycleAction::CoredumpRestart)
            if event != "crash" =>
        {
            Err(XendError::Incomplete(format!("unknown lifecycle type {v}")))
        }
        Some(action) => Ok(action),
        None => Err(XendError::Incomplete(format!("unknown lifecycle type {v}"))),
    }
}

fn parse_os(root: &Sexpr, def: &mut DomainDef, hvm: bool) -> Result<(), XendError> {
    let get = |k: &str| {
        let image = if hvm { "hvm" } else { "linux" };
        root.node(&format!("domain/image/{image}/{k}"))
            .map(str::to_string)
    };
    if hvm {
        match get("loader") {
            Some(loader) => {
                def.os.loader = Some(loader);
                def.os.kernel = get("kernel");
                def.os.initrd = get("ramdisk");
                def.os.cmdline = get("args");
                def.os.root = get("root");
            }
            // Old xend put the firmware under "kernel".
            None => {
                def.os.loader =
                    Some(get("kernel").ok_or_else(|| incomplete("missing HVM loader"))?);
            }
        }
        if def.os.kernel.is_some() && def.os.kernel == def.os.loader {
            def.os.kernel = None;
        }
        if def.os.kernel.as_deref() == Some("") {
            def.os.kernel = None;
        }
        def.set_os_loader(Some(&Loader {
            path: def.os.loader.clone(),
            loader_type: Some("rom".into()),
            ..Loader::default()
        }));
        if def.os.kernel.is_none() {
            for c in get("boot").unwrap_or_default().chars() {
                let dev = match c {
                    'a' => "fd",
                    'c' => "hd",
                    'd' => "cdrom",
                    'n' => "network",
                    _ => continue,
                };
                if def.os.boot.len() < 4 {
                    def.os.boot.push(dev.into());
                }
            }
        }
    } else {
        def.os.kernel = get("kernel");
        def.os.initrd = get("ramdisk");
        def.os.cmdline = get("args");
        def.os.root = get("root");
        if def.os.kernel.is_none() && def.bootloader.is_none() && def.id != Some(0) {
            return Err(incomplete("missing kernel & bootloader"));
        }
    }
    Ok(())
}

/// The `(device (KIND ...))` entries of the domain, as (kind, body).
fn devices(root: &Sexpr) -> impl Iterator<Item = (&str, &Sexpr)> {
    root.children_named("device")
        .filter_map(|d| d.rest().first().and_then(|b| Some((b.key()?, b))))
}

fn parse_disks(root: &Sexpr, def: &mut DomainDef, hvm: bool) -> Result<(), XendError> {
    for (kind, body) in devices(root) {
        if !matches!(kind, "vbd" | "tap" | "tap2") {
            continue;
        }
        let field = |k: &str| body.child(k).and_then(|c| c.rest().first()?.as_atom());
        let mut disk = Disk {
            device: "disk".into(),
            ..Disk::default()
        };
        let dst = field("dev").ok_or_else(|| incomplete("vbd has no dev"))?;
        let src = field("uname");
        match src {
            None => {
                if !hvm || !dst.ends_with(":cdrom") || !dst.contains(':') {
                    return Err(incomplete("vbd has no src"));
                }
                disk.disk_type = "file".into();
            }
            Some(src) => {
                let (driver, mut path) = src.split_once(':').ok_or_else(|| {
                    XendError::Incomplete("cannot parse vbd filename, missing driver name".into())
                })?;
                let driver = if kind == "tap2" && src.starts_with("tap:") {
                    "tap2"
                } else {
                    driver
                };
                disk.driver_name = Some(driver.to_string());
                if driver == "tap" || driver == "tap2" {
                    let (fmt, rest) = path.split_once(':').ok_or_else(|| {
                        XendError::Incomplete(
                            "cannot parse vbd filename, missing driver type".into(),
                        )
                    })?;
                    let fmt = match fmt {
                        "aio" => "raw",
                        f if is_storage_format(f) => f,
                        f => return Err(XendError::Incomplete(format!("Unknown driver type {f}"))),
                    };
                    disk.driver_type = Some(fmt.to_string());
                    disk.disk_type = "file".into();
                    path = rest;
                } else if driver == "phy" {
                    disk.disk_type = "block".into();
                } else {
                    disk.disk_type = "file".into();
                }
                disk.source = Some(path.to_string());
            }
        }
        let mut dst = dst.strip_prefix("ioemu:").unwrap_or(dst);
        if let Some((name, suffix)) = dst.rsplit_once(':') {
            if suffix == "cdrom" {
                disk.device = "cdrom".into();
            }
            dst = name;
        }
        disk.target_dev = dst.to_string();
        disk.target_bus = Some(
            if dst.starts_with("xvd") {
                "xen"
            } else if dst.starts_with("sd") {
                "scsi"
            } else {
                "ide"
            }
            .into(),
        );
        let mode = field("mode").unwrap_or("");
        disk.readonly = mode.contains('r');
        disk.shareable = mode.contains('!');
        def.devices.disks.push(disk);
    }
    Ok(())
}

fn parse_nets(root: &Sexpr, def: &mut DomainDef, id: i32) -> Result<(), XendError> {
    let mut index = 0;
    for (kind, body) in devices(root) {
        if kind != "vif" {
            continue;
        }
        let field = |k: &str| body.child(k).and_then(|c| c.rest().first()?.as_atom());
        let script = field("script");
        let bridge = field("bridge");
        let mut net = Interface::default();
        if bridge.is_some() || script == Some(DEFAULT_VIF_SCRIPT) {
            net.iface_type = "bridge".into();
            if let Some(b) = bridge {
                net.set_typed_source(&InterfaceSource {
                    bridge: Some(b.into()),
                    ..InterfaceSource::default()
                });
            }
        } else {
            net.iface_type = "ethernet".into();
        }
        net.script = script.map(str::to_string);
        if let Some(ip) = field("ip") {
            net.ip = Some(ip.to_string());
            let family = if ip.contains(':') { "ipv6" } else { "ipv4" };
            net.add_part(&interface_ip(ip, family));
        }
        net.target_dev = match field("vifname") {
            Some(v) => Some(v.to_string()),
            None if id != -1 => Some(format!("vif{id}.{index}")),
            None => None,
        };
        if let Some(mac) = field("mac") {
            net.mac =
                Some(parse_mac(mac).ok_or_else(|| {
                    XendError::Incomplete(format!("malformed mac address '{mac}'"))
                })?);
        }
        net.model = match (field("model"), field("type")) {
            (Some(m), _) => Some(m.to_string()),
            (None, Some("netfront")) => Some("netfront".into()),
            _ => None,
        };
        if let Some(rate) = field("rate") {
            let kbytes = parse_vif_rate(rate)
                .ok_or_else(|| XendError::Incomplete(format!("Invalid rate '{rate}' specified")))?;
            net.add_part(&outbound_limit(kbytes));
        }
        def.devices.interfaces.push(net);
        index += 1;
    }
    Ok(())
}

/// xend's vif rate `N[GMK]{B|b}/s[@N[mu]s]` in kilobytes per second.
pub fn parse_vif_rate(rate: &str) -> Option<u64> {
    let rate = match rate.split_once('@') {
        Some((r, window)) => {
            let w = window.strip_suffix('s')?;
            let w = w.strip_suffix(['m', 'u']).unwrap_or(w);
            if w.is_empty() || !w.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            r
        }
        None => rate,
    };
    let rate = rate.strip_suffix("/s")?;
    let (rate, bits) = match rate.strip_suffix('b') {
        Some(r) => (r, true),
        None => (rate.strip_suffix('B')?, false),
    };
    let (digits, scale) = match rate.as_bytes().last()? {
        b'G' => (&rate[..rate.len() - 1], 1024 * 1024),
        b'M' => (&rate[..rate.len() - 1], 1024),
        b'K' => (&rate[..rate.len() - 1], 1),
        _ => (rate, 0),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let kbytes = if scale == 0 {
        n / 1024
    } else {
        n.checked_mul(scale)?
    };
    Some(if bits { kbytes / 8 } else { kbytes })
}

fn parse_pci(root: &Sexpr, def: &mut DomainDef) {
    for (kind, body) in devices(root) {
        if kind != "pci" {
            continue;
        }
        for dev in body.children_named("dev") {
            let f = |k: &str| dev.child(k).and_then(|c| c.rest().first()?.as_atom());
            let num = |k: &str| {
                f(k).and_then(|v| {
                    let v = v.trim_start_matches("0x");
                    u32::from_str_radix(v, 16).ok()
                })
            };
            let (Some(d), Some(b), Some(s), Some(fun)) =
                (num("domain"), num("bus"), num("slot"), num("func"))
            else {
                continue;
            };
            def.devices
                .push_view(&pci_hostdev((d, b, s, fun), None, None));
        }
    }
}

/// A VNC `<graphics>` from xend's fields (`get` reads one).
fn xend_vnc_graphics<'a>(get: impl Fn(&str) -> Option<&'a str>, opts: &SexprOptions) -> Graphics {
    let mut port = opts.vnc_port.unwrap_or(-1);
    if port == -1 {
        if let Some(d) = get("vncdisplay").and_then(|d| d.trim().parse::<i32>().ok()) {
            port = d;
        }
    }
    let autoport = get("vncunused") == Some("1") || port == -1;
    if (0..5900).contains(&port) {
        port += 5900;
    }
    vnc_graphics(get, autoport, Some(i64::from(port)))
}

fn parse_graphics_new(
    root: &Sexpr,
    def: &mut DomainDef,
    opts: &SexprOptions,
) -> Result<(), XendError> {
    for (kind, body) in devices(root) {
        if kind != "vfb" {
            continue;
        }
        let get = |k: &str| body.child(k).and_then(|c| c.rest().first()?.as_atom());
        let kind = if let Some(t) = get("type") {
            t
        } else if get("vnc").is_some() {
            "vnc"
        } else if get("sdl").is_some() {
            "sdl"
        } else {
            "unknown"
        };
        let g = match kind {
            "vnc" => xend_vnc_graphics(get, opts),
            "sdl" => sdl_graphics(get),
            other => {
                return Err(XendError::Incomplete(format!(
                    "unknown graphics type '{other}'"
                )))
            }
        };
        def.devices.graphics.push(g);
    }
    Ok(())
}

fn parse_graphics_old(root: &Sexpr, def: &mut DomainDef, image: &str, opts: &SexprOptions) {
    let get = |k: &str| root.node(&format!("domain/image/{image}/{k}"));
    if get("vnc").is_some_and(|v| v.starts_with('1')) {
        def.devices.graphics.push(xend_vnc_graphics(get, opts));
    } else if get("sdl").is_some_and(|v| v.starts_with('1')) {
        def.devices.graphics.push(sdl_graphics(get));
    }
}

fn parse_old_cdrom_and_floppies(root: &Sexpr, def: &mut DomainDef) {
    if let Some(cdrom) = root
        .node("domain/image/hvm/cdrom")
        .filter(|c| !c.is_empty())
    {
        if !def.devices.disks.iter().any(|d| d.device == "cdrom") {
            def.devices.disks.push(Disk {
                disk_type: "file".into(),
                device: "cdrom".into(),
                driver_name: Some("file".into()),
                source: Some(cdrom.into()),
                target_dev: "hdc".into(),
                target_bus: Some("ide".into()),
                readonly: true,
                ..Disk::default()
            });
        }
    }
    for fd in ["fda", "fdb"] {
        if let Some(path) = root
            .node(&format!("domain/image/hvm/{fd}"))
            .filter(|p| !p.is_empty())
        {
            def.devices.disks.push(Disk {
                disk_type: "file".into(),
                device: "floppy".into(),
                driver_name: Some("file".into()),
                source: Some(path.into()),
                target_dev: fd.into(),
                target_bus: Some("fdc".into()),
                ..Disk::default()
            });
        }
    }
}

fn parse_usb(root: &Sexpr, def: &mut DomainDef) {
    let Some(hvm) = root.lookup("domain/image/hvm") else {
        return;
    };
    for dev in hvm.children_named("usbdevice") {
        if let Some(t) = dev.rest().first().and_then(Sexpr::as_atom) {
            push_usb_input(def, t);
        }
    }
}

fn parse_hvm_chardevs(
    root: &Sexpr,
    def: &mut DomainDef,
    opts: &SexprOptions,
) -> Result<(), XendError> {
    let tty = opts.tty.as_deref();
    let mut serials = Vec::new();
    let mut listed = false;
    if let Some(serial) = root.lookup("domain/image/hvm/serial") {
        // (serial (/dev/ttyS0 none ...)): one entry per port.
        let mut port = 0;
        for group in serial.rest().iter().filter(|s| matches!(s, Sexpr::List(_))) {
            for v in group.items() {
                listed = true;
                if let Some(v) = v.as_atom().filter(|v| *v != "none") {
                    serials.push((port, char_device(v, tty)?));
                }
                port += 1;
            }
        }
    }
    if !listed {
        if let Some(v) = root
            .node("domain/image/hvm/serial")
            .filter(|v| *v != "none")
        {
            serials.push((0, char_device(v, tty)?));
        }
    }
    for (port, chr) in serials {
        push_chardev(def, chr, "serial", port);
    }
    if let Some(v) = root
        .node("domain/image/hvm/parallel")
        .filter(|v| *v != "none")
    {
        push_chardev(def, char_device(v, tty)?, "parallel", 0);
    }
    Ok(())
}

/// A character device from xend's spelling of it: `pty`, `/dev/ttyS0`,
/// `file:/path`, `tcp:host:port,server`, `udp:host:port@host:port`,
/// `unix:/path,server`, `telnet:host:port`, `null`, ... The kind and
/// target are filled in by the caller.
pub fn char_device(value: &str, tty: Option<&str>) -> Result<CharDev, XendError> {
    let malformed = || XendError::Incomplete("malformed char device string".into());
    let (dev_type, rest, telnet) = if value.starts_with('/') {
        ("dev", value, false)
    } else {
        let (prefix, rest) = value.split_once(':').unwrap_or((value, value));
        if prefix.starts_with("telnet") {
            ("tcp", rest, true)
        } else {
            let t = match prefix {
                "null" | "vc" | "pty" | "dev" | "file" | "pipe" | "stdio" | "udp" | "tcp"
                | "unix" | "spicevmc" | "spiceport" | "nmdm" => prefix,
                _ => {
                    return Err(XendError::Incomplete(format!(
                        "unknown chr device type '{prefix}'"
                    )))
                }
            };
            (t, rest, false)
        }
    };
    let mut chr = CharDev {
        dev_type: Some(dev_type.into()),
        ..CharDev::default()
    };
    let source = |mode: Option<&str>, host: Option<&str>, service: Option<&str>| CharSource {
        mode: mode.map(str::to_string),
        host: host.filter(|h| !h.is_empty()).map(str::to_string),
        service: service.map(str::to_string),
        ..CharSource::default()
    };
    let path = |p: &str| CharSource {
        path: Some(p.into()),
        ..CharSource::default()
    };
    let mode = |listen: bool| Some(if listen { "bind" } else { "connect" });
    match dev_type {
        "pty" => {
            if let Some(t) = tty {
                chr.add_part(&path(t));
            }
        }
        "dev" | "file" | "pipe" => chr.add_part(&path(rest)),
        "tcp" => {
            let (host, service) = rest.split_once(':').ok_or_else(malformed)?;
            let (service, flags) = match service.split_once(',') {
                Some((s, f)) => (s, Some(f)),
                None => (service, None),
            };
            let listen = flags.is_some_and(|f| format!(",{f}").contains(",server"));
            chr.add_part(&source(mode(listen), Some(host), Some(service)));
            chr.add_part(&CharProtocol {
                protocol_type: Some(if telnet { "telnet" } else { "raw" }.into()),
            });
        }
        "udp" => {
            let (connect_host, rest) = rest.split_once(':').ok_or_else(malformed)?;
            let (connect_service, bind) = match rest.split_once('@') {
                Some((c, b)) => {
                    let (bh, bs) = b.split_once(':').ok_or_else(malformed)?;
                    (c, Some((bh, bs)))
                }
                None => (rest, None),
            };
            if let Some((bh, bs)) = bind {
                chr.add_part(&source(Some("bind"), Some(bh), Some(bs)));
            }
            chr.add_part(&source(
                Some("connect"),
                Some(connect_host),
                Some(connect_service),
            ));
        }
        "unix" => {
            let (p, flags) = match rest.split_once(',') {
                Some((p, f)) => (p, Some(f)),
                None => (rest, None),
            };
            let listen = flags.is_some_and(|f| format!(",{f}").contains(",server"));
            chr.add_part(&CharSource {
                path: Some(p.into()),
                ..source(mode(listen), None, None)
            });
        }
        _ => {}
    }
    Ok(chr)
}

/// What libvirt 4.0 added after parsing a Xen definition.
fn post_parse(def: &mut DomainDef, hvm: bool) -> Result<(), XendError> {
    def.fill_defaults();
    add_implicit_devices(def, hvm, 16384)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn convert(text: &str) -> Result<DomainDef, XendError> {
        sexpr_text_to_domain(text.as_bytes(), &SexprOptions::default())
    }

    #[test]
    fn refuses_incomplete_descriptions() {
        let e = convert("(domain (domid 1)(uuid 596a5d2171f48fb2e068e2386a5c413e))")
            .expect_err("must fail");
        assert_eq!(
            e.to_string(),
            "internal error: domain information incomplete, missing name"
        );
        assert!(convert("(domain (name x))").is_err());
        assert!(convert("(vm (name x))").is_err());
        let e =
            convert("(domain (name x)(uuid 596a5d2171f48fb2e068e2386a5c413e)(on_crash explode))")
                .expect_err("must fail");
        assert_eq!(
            e.to_string(),
            "internal error: unknown lifecycle type explode"
        );
        let e = convert(
            "(domain (domid 2)(name x)(uuid 596a5d2171f48fb2e068e2386a5c413e)\
             (image (linux (kernel /k)))(device (vbd (dev xvda)(uname /x))))",
        )
        .expect_err("must fail");
        assert!(e.to_string().contains("missing driver name"), "{e}");
    }

    #[test]
    fn live_console_and_vnc_port_come_from_xenstore() {
        let text = "(domain (domid 3)(name pv)(uuid 596a5d21-71f4-8fb2-e068-e2386a5c413e)\
            (memory 256)(maxmem 512)(vcpus 4)(vcpu_avail 3)\
            (image (linux (kernel /boot/vmlinuz)))(device (vfb (type vnc))))";
        let opts = SexprOptions {
            tty: Some("/dev/pts/7".into()),
            vnc_port: Some(5903),
        };
        let def = sexpr_text_to_domain(text.as_bytes(), &opts).expect("must succeed");
        let xml = def.to_xml(&format_options(&def));
        assert!(
            xml.contains("<console type='pty' tty='/dev/pts/7'>"),
            "{xml}"
        );
        assert!(xml.contains("<source path='/dev/pts/7'/>"), "{xml}");
        assert!(xml.contains("port='5903' autoport='no'"), "{xml}");
        assert!(
            xml.contains("<vcpu placement='static' current='2'>4</vcpu>"),
            "{xml}"
        );
        assert!(
            xml.contains("<currentMemory unit='KiB'>262144</currentMemory>"),
            "{xml}"
        );
    }

    #[test]
    fn vif_rates() {
        assert_eq!(parse_vif_rate("10240KB/s"), Some(10240));
        assert_eq!(parse_vif_rate("10MB/s"), Some(10240));
        assert_eq!(parse_vif_rate("1Gb/s"), Some(131072));
        assert_eq!(parse_vif_rate("100MB/s@20ms"), Some(102400));
        assert_eq!(parse_vif_rate("fast"), None);
    }

    #[test]
    fn char_devices() {
        let c = char_device("tcp:host:99", None).expect("must succeed");
        let source = c.part::<CharSource>().expect("readable");
        assert_eq!(source.and_then(|s| s.mode).as_deref(), Some("connect"));
        assert!(char_device("bogus:x", None).is_err());
        assert!(char_device("tcp:nocolon", None).is_err());
    }

    fn arb_domain() -> impl Strategy<Value = Sexpr> {
        let keys = prop::sample::select(vec![
            "domid",
            "name",
            "uuid",
            "memory",
            "maxmem",
            "vcpus",
            "vcpu_avail",
            "image",
            "hvm",
            "linux",
            "kernel",
            "loader",
            "boot",
            "serial",
            "device",
            "vbd",
            "tap",
            "vif",
            "vfb",
            "uname",
            "dev",
            "mode",
            "type",
            "mac",
            "rate",
            "soundhw",
            "usbdevice",
            "pci",
            "bootloader",
            "on_crash",
            "localtime",
            "hpet",
        ]);
        let values = prop::sample::select(vec![
            "1",
            "0",
            "x",
            "",
            "file:/a",
            "tap:aio:/b",
            "phy:",
            "hda:cdrom",
            "ioemu:",
            "596a5d2171f48fb2e068e2386a5c413e",
            "vnc",
            "sdl",
            "tcp:a:1",
            "udp:a:1@b:2",
            "unix:/s,server",
            "all",
            "sb16",
            "00:16:3e:1b:b1:47",
            "10KB/s",
            "destroy",
            "(",
            "none",
            "mouse",
        ]);
        let leaf = prop_oneof![
            values.prop_map(Sexpr::atom),
            keys.clone().prop_map(Sexpr::atom),
        ];
        let tree = leaf.prop_recursive(5, 48, 6, move |inner| {
            (keys.clone(), prop::collection::vec(inner, 0..5)).prop_map(|(k, mut rest)| {
                rest.insert(0, Sexpr::atom(k));
                Sexpr::List(rest)
            })
        });
        prop::collection::vec(tree, 0..10).prop_map(|mut items| {
            items.insert(0, Sexpr::atom("domain"));
            Sexpr::List(items)
        })
    }

    proptest! {
        #[test]
        fn never_panics_on_odd_descriptions(root in arb_domain()) {
            if let Ok(def) = sexpr_to_domain(&root, &SexprOptions::default()) {
                let _ = def.to_xml(&format_options(&def));
                let _ = crate::xml2sexpr::domain_to_sexpr(&def);
            }
        }
    }
}
