//! A [`DomainDef`] into the `(vm ...)` S-expression libvirt 4.0 sent to
//! xend (`op=create` / `op=new`), byte for byte. Values are quoted and
//! escaped field by field as libvirt did, so this writes text directly
//! rather than through [`crate::Sexpr`]'s printer.

use virt_xml::{CharDev, CharProtocol, CharSource, Disk, DomainDef, Graphics, Input, Interface};

use crate::xen_common::{
    boot_order, feature_state, hpet_present, interface_ips, is_transient, lifecycle_names,
    memory_mib, ordered_disks, outbound_average, pci_hostdevs, pci_numbers, serial_ports,
    sound_models, tap_format, target_name, vnc_settings,
};
use crate::XendError;

fn unsupported(what: impl Into<String>) -> XendError {
    XendError::Unsupported(what.into())
}

/// `s` with `\` and `'` escaped by a backslash (virBufferEscapeSexpr).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `(key 'value')` with the value escaped.
fn quoted(out: &mut String, key: &str, value: &str) {
    out.push('(');
    out.push_str(key);
    out.push_str(" '");
    out.push_str(&esc(value));
    out.push_str("')");
}

/// The highest serial port number written into a `(serial (...))` list.
const MAX_SERIAL_PORT: u32 = 255;

/// The S-expression that creates or defines `def` through xend.
pub fn domain_to_sexpr(def: &DomainDef) -> Result<String, XendError> {
    let mut out = String::with_capacity(1024);
    out.push_str("(vm ");
    quoted(&mut out, "name", &def.name);
    let (current, max_mib) = memory_mib(def);
    out.push_str(&format!("(memory {current})(maxmem {max_mib})"));
    let max = def.vcpu.max.max(1);
    out.push_str(&format!("(vcpus {max})"));
    let avail = vcpu_avail(def);
    if let Some(a) = &avail {
        out.push_str(a);
    }
    if let Some(cpus) = &def.vcpu.cpuset {
        quoted(&mut out, "cpus", cpus);
    }
    let uuid = def
        .uuid
        .ok_or_else(|| XendError::Xml("missing uuid".into()))?;
    out.push_str(&format!("(uuid '{}')", uuid.hyphenated()));
    if let Some(d) = &def.description {
        quoted(&mut out, "description", d);
    }
    if let Some(b) = &def.bootloader {
        if b.is_empty() {
            out.push_str("(bootloader)");
        } else {
            quoted(&mut out, "bootloader", b);
        }
        if let Some(a) = &def.bootloader_args {
            quoted(&mut out, "bootloader_args", a);
        }
    }
    for (event, name) in lifecycle_names(def) {
        out.push_str(&format!("(on_{event} '{name}')"));
    }

    let hvm = def.os.os_type == "hvm";
    let (localtime, rtc_offset) = clock(def, hvm)?;
    if def.bootloader.is_none() {
        out.push_str(if hvm {
            "(image (hvm "
        } else {
            "(image (linux "
        });
        if hvm && def.os.loader.is_none() {
            return Err(unsupported("no HVM domain loader"));
        }
        if let Some(k) = &def.os.kernel {
            quoted(&mut out, "kernel", k);
            if let Some(i) = &def.os.initrd {
                quoted(&mut out, "ramdisk", i);
            }
            if let Some(r) = &def.os.root {
                quoted(&mut out, "root", r);
            }
            if let Some(c) = &def.os.cmdline {
                quoted(&mut out, "args", c);
            }
            if let (true, Some(l)) = (hvm, &def.os.loader) {
                quoted(&mut out, "loader", l);
            }
        } else if let (true, Some(l)) = (hvm, &def.os.loader) {
            quoted(&mut out, "kernel", l);
        }
        if hvm {
            hvm_image(def, &mut out, max, avail.as_deref())?;
        }
        if let (true, Some(e)) = (hvm, &def.devices.emulator) {
            quoted(&mut out, "device_model", e);
        }
        if let Some(present) = hpet_present(def)? {
            out.push_str(&format!("(hpet {})", u8::from(present)));
        }
        if hvm && def.devices.graphics.len() == 1 {
            if let Some(g) = def.devices.graphics.first() {
                graphics_old(g, &mut out)?;
            }
        }
    } else {
        out.push_str("(image (linux ");
        if let Some(c) = &def.os.cmdline {
            quoted(&mut out, "args", c);
        }
    }
    if hvm {
        out.push_str(&format!("(rtc_timeoffset {rtc_offset})"));
    }
    out.push_str(&format!("(localtime {})))", u8::from(localtime)));
    out.push_str(&format!("(localtime {})", u8::from(localtime)));

    for disk in ordered_disks(&def.devices.disks) {
        disk_sexpr(disk, hvm, false, &mut out)?;
    }
    for net in &def.devices.interfaces {
        net_sexpr(net, false, &mut out)?;
    }
    pci_sexpr(def, &mut out)?;
    if !hvm && def.devices.graphics.len() == 1 {
        if let Some(g) = def.devices.graphics.first() {
            graphics_new(g, &mut out)?;
        }
    }
    out.push(')');
    Ok(out)
}

/// `(vcpu_avail MASK)` when fewer vCPUs are online than the maximum.
fn vcpu_avail(def: &DomainDef) -> Option<String> {
    let current = def.vcpu.current?;
    if current >= def.vcpu.max {
        return None;
    }
    let mask = 1u64.checked_shl(current).map_or(u64::MAX, |m| m - 1);
    Some(format!("(vcpu_avail {mask})"))
}

/// (localtime, rtc_timeoffset) from `<clock>`.
fn clock(def: &DomainDef, hvm: bool) -> Result<(bool, i64), XendError> {
    let Some(clock) = def.clock()? else {
        return Ok((false, 0));
    };
    match (clock.offset.as_deref().unwrap_or("utc"), hvm) {
        ("utc", _) => Ok((false, 0)),
        ("localtime", _) => Ok((true, 0)),
        ("variable", true) => {
            let adjustment = clock
                .adjustment
                .and_then(|a| a.parse::<i64>().ok())
                .unwrap_or(0);
            Ok((clock.basis.as_deref() == Some("localtime"), adjustment))
        }
        (other, _) => Err(unsupported(format!("unsupported clock offset='{other}'"))),
    }
}

/// The HVM part of the image: vcpus, boot order, features, usb, inputs,
/// parallel and serial ports, sound.
fn hvm_image(
    def: &DomainDef,
    out: &mut String,
    max: u32,
    avail: Option<&str>,
) -> Result<(), XendError> {
    out.push_str(&format!("(vcpus {max})"));
    if let Some(a) = avail {
        out.push_str(a);
    }
    out.push_str(&format!("(boot {})", boot_order(def)));
    for f in ["acpi", "apic", "pae", "hap", "viridian"] {
        if feature_state(def, f)? == Some(true) {
            out.push_str(&format!("({f} 1)"));
        }
    }
    out.push_str("(usb 1)");
    for input in def.devices.views::<Input>()? {
        if input.bus.as_deref() != Some("usb") {
            continue;
        }
        match input.input_type.as_str() {
            t @ ("mouse" | "tablet" | "keyboard") => {
                out.push_str(&format!("(usbdevice {t})"));
            }
            other => return Err(unsupported(format!("unexpected input type {other}"))),
        }
    }
    match def.devices.chardevs.iter().find(|c| c.kind == "parallel") {
        Some(p) => {
            out.push_str("(parallel ");
            chr_sexpr(p, out)?;
            out.push(')');
        }
        None => out.push_str("(parallel none)"),
    }
    let serials = serial_ports::<u32>(def);
    match serials.as_slice() {
        [] => out.push_str("(serial none)"),
        [(0, only)] => {
            out.push_str("(serial ");
            chr_sexpr(only, out)?;
            out.push(')');
        }
        _ => {
            let maxport = serials.iter().map(|(p, _)| *p).max().unwrap_or(0);
            // Every lower port is written ("none" when unused), so a huge
            // target port would make a huge request; no Xen guest had more
            // than a handful of serial ports.
            if maxport > MAX_SERIAL_PORT {
                return Err(XendError::Unsupported(format!(
                    "serial port {maxport} is beyond the last one xend accepted ({MAX_SERIAL_PORT})"
                )));
            }
            out.push_str("(serial (");
            for port in 0..=maxport {
                if port > 0 {
                    out.push(' ');
                }
                match serials.iter().find(|(p, _)| *p == port) {
                    Some((_, c)) => chr_sexpr(c, out)?,
                    None => out.push_str("none"),
                }
            }
            out.push_str("))");
        }
    }
    let sounds = sound_models(def)?;
    if !sounds.is_empty() {
        out.push_str(&format!("(soundhw '{}')", sounds.join(",")));
    }
    Ok(())
}

/// The `<source>` of a character device with the given mode (`None`:
/// the first one).
fn chr_source(c: &CharDev, mode: Option<&str>) -> Result<Option<CharSource>, XendError> {
    Ok(c.parts::<CharSource>()?
        .into_iter()
        .find(|s| mode.is_none() || s.mode.as_deref() == mode))
}

/// xend's spelling of a character device (`pty`, `tcp:host:port,server,nowait`, ...).
pub fn chr_sexpr(c: &CharDev, out: &mut String) -> Result<(), XendError> {
    let t = c.dev_type.as_deref().unwrap_or("pty");
    let first = chr_source(c, None)?.unwrap_or_default();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    match t {
        "null" | "stdio" | "vc" | "pty" => out.push_str(t),
        "file" | "pipe" => {
            out.push_str(t);
            out.push(':');
            out.push_str(&esc(&text(&first.path)));
        }
        "dev" => out.push_str(&esc(&text(&first.path))),
        "tcp" => {
            let protocol = c.part::<CharProtocol>()?.and_then(|p| p.protocol_type);
            let telnet = protocol.as_deref() == Some("telnet");
            let listen = first.mode.as_deref() == Some("bind");
            out.push_str(&format!(
                "{}:{}:{}{}",
                if telnet { "telnet" } else { "tcp" },
                text(&first.host),
                text(&first.service),
                if listen { ",server,nowait" } else { "" }
            ));
        }
        "udp" => {
            let connect = chr_source(c, Some("connect"))?.unwrap_or_default();
            let bind = chr_source(c, Some("bind"))?.unwrap_or_default();
            out.push_str(&format!(
                "udp:{}:{}@{}:{}",
                text(&connect.host),
                text(&connect.service),
                text(&bind.host),
                text(&bind.service)
            ));
        }
        "unix" => {
            out.push_str("unix:");
            out.push_str(&esc(&text(&first.path)));
            if first.mode.as_deref() == Some("bind") {
                out.push_str(",server,nowait");
            }
        }
        other => {
            return Err(unsupported(format!(
                "unsupported chr device type '{other}'"
            )))
        }
    }
    Ok(())
}

/// Graphics inside the HVM image: `(vnc 1)(vncunused 0)(vncdisplay N)...`.
fn graphics_old(g: &Graphics, out: &mut String) -> Result<(), XendError> {
    match g.graphics_type.as_str() {
        "vnc" => out.push_str("(vnc 1)"),
        "sdl" => out.push_str("(sdl 1)"),
        other => return Err(unsupported(format!("unexpected graphics type {other}"))),
    }
    graphics_settings(g, out)
}

/// PV graphics as devices: `(device (vkbd))(device (vfb ...))`.
fn graphics_new(g: &Graphics, out: &mut String) -> Result<(), XendError> {
    let kind = g.graphics_type.as_str();
    if !matches!(kind, "vnc" | "sdl") {
        return Err(unsupported(format!("unexpected graphics type {kind}")));
    }
    out.push_str(&format!("(device (vkbd))(device (vfb (type {kind})"));
    graphics_settings(g, out)?;
    out.push_str("))");
    Ok(())
}

/// The settings of an SDL or VNC display, the same in the HVM image and
/// in a PV `vfb` device.
fn graphics_settings(g: &Graphics, out: &mut String) -> Result<(), XendError> {
    let o = g.options()?;
    if g.graphics_type == "sdl" {
        if let Some(d) = &o.display {
            out.push_str(&format!("(display '{d}')"));
        }
        if let Some(x) = &o.xauth {
            out.push_str(&format!("(xauthority '{x}')"));
        }
        return Ok(());
    }
    let (autoport, port, listen) = vnc_settings(g, &o, true)?;
    if autoport {
        out.push_str("(vncunused 1)");
    } else {
        out.push_str(&format!("(vncunused 0)(vncdisplay {})", port - 5900));
    }
    if let Some(l) = listen {
        out.push_str(&format!("(vnclisten '{l}')"));
    }
    if let Some(p) = &o.passwd {
        out.push_str(&format!("(vncpasswd '{p}')"));
    }
    if let Some(k) = &o.keymap {
        out.push_str(&format!("(keymap '{k}')"));
    }
    Ok(())
}

/// A disk as `(device (vbd|tap|tap2 (dev ..)(uname ..)(mode ..)))`;
/// `attach` leaves out the `(device ...)` wrapper, as device_create wants.
pub fn disk_sexpr(disk: &Disk, hvm: bool, attach: bool, out: &mut String) -> Result<(), XendError> {
    // xend took floppies from the HVM image, not as devices.
    if hvm && disk.device == "floppy" {
        if attach {
            return Err(unsupported(format!(
                "Cannot directly attach floppy {}",
                disk.source.as_deref().unwrap_or("")
            )));
        }
        return Ok(());
    }
    if !attach {
        out.push_str("(device ");
    }
    let driver = disk.driver_name.as_deref();
    out.push_str(match driver {
        Some("tap") => "(tap ",
        Some("tap2") => "(tap2 ",
        _ => "(vbd ",
    });
    let dst = target_name(disk);
    if disk.device == "cdrom" {
        quoted(out, "dev", &format!("{dst}:cdrom"));
    } else if hvm {
        quoted(out, "dev", &format!("{dst}:disk"));
    } else {
        quoted(out, "dev", dst);
    }
    if let Some(src) = &disk.source {
        let uname = match driver {
            Some(d @ ("tap" | "tap2")) => format!("{d}:{}:{src}", tap_format(disk)),
            Some(d) => format!("{d}:{src}"),
            None => match disk.disk_type.as_str() {
                "file" | "" => format!("file:{src}"),
                "block" if src.starts_with('/') => format!("phy:{src}"),
                "block" => format!("phy:/dev/{src}"),
                other => return Err(unsupported(format!("unsupported disk type {other}"))),
            },
        };
        quoted(out, "uname", &uname);
    }
    out.push_str(if disk.readonly {
        "(mode 'r')"
    } else if disk.shareable {
        "(mode 'w!')"
    } else {
        "(mode 'w')"
    });
    if is_transient(disk)? {
        return Err(unsupported("transient disks not supported yet"));
    }
    if !attach {
        out.push(')');
    }
    out.push(')');
    Ok(())
}

/// A network interface as `(device (vif ...))`; `attach` leaves out the
/// `(device ...)` wrapper.
pub fn net_sexpr(net: &Interface, attach: bool, out: &mut String) -> Result<(), XendError> {
    let t = net.iface_type.as_str();
    if !matches!(t, "bridge" | "ethernet") {
        return Err(unsupported(format!("unsupported network type {t}")));
    }
    if !attach {
        out.push_str("(device ");
    }
    out.push_str("(vif ");
    let mac = net
        .mac
        .as_deref()
        .ok_or_else(|| unsupported("interface without a MAC address"))?;
    out.push_str(&format!("(mac '{}')", mac.to_ascii_lowercase()));
    if let Some(a) = outbound_average(net)? {
        out.push_str(&format!("(rate '{a}KB/s')"));
    }
    let ip = interface_ips(net)?.into_iter().next();
    if t == "bridge" {
        let bridge = net.typed_source()?.bridge.unwrap_or_default();
        quoted(out, "bridge", &bridge);
        quoted(out, "script", net.script.as_deref().unwrap_or("vif-bridge"));
    } else if let Some(s) = &net.script {
        quoted(out, "script", s);
    }
    if let Some(ip) = ip {
        out.push_str(&format!("(ip '{ip}')"));
    }
    if let Some(ifname) = net.target_dev.as_deref().filter(|n| !n.starts_with("vif")) {
        quoted(out, "vifname", ifname);
    }
    match net.model.as_deref() {
        Some("netfront") => out.push_str("(type netfront)"),
        Some(m) => quoted(out, "model", m),
        None => {}
    }
    if !attach {
        out.push(')');
    }
    out.push(')');
    Ok(())
}

/// PCI host devices as one `(device (pci (dev ...)...))`.
fn pci_sexpr(def: &DomainDef, out: &mut String) -> Result<(), XendError> {
    let mut devs = String::new();
    for h in pci_hostdevs(def)? {
        if h.managed.as_deref() == Some("yes") {
            return Err(unsupported("managed PCI devices not supported with XenD"));
        }
        let Some((domain, bus, slot, function)) = pci_numbers(&h)? else {
            continue;
        };
        devs.push_str(&format!(
            "(dev (domain 0x{domain:04x})(bus 0x{bus:02x})(slot 0x{slot:02x})(func 0x{function:x}))"
        ));
    }
    if !devs.is_empty() {
        out.push_str("(device (pci ");
        out.push_str(&devs);
        out.push_str("))");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hvm_with_serial_ports(ports: &[u64]) -> DomainDef {
        let serials: String = ports
            .iter()
            .map(|p| format!("<serial type='pty'><target port='{p}'/></serial>"))
            .collect();
        let xml = format!(
            "<domain type='xen'><name>s</name><uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>\
             <memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type>\
             <loader>/usr/lib/xen/boot/hvmloader</loader></os>\
             <devices>{serials}</devices></domain>"
        );
        virt_xml::parse_domain(&xml).unwrap()
    }

    #[test]
    fn serial_port_lists_fill_gaps_and_refuse_absurd_ports() {
        let sexpr = domain_to_sexpr(&hvm_with_serial_ports(&[0, 2])).unwrap();
        assert!(sexpr.contains("(serial (pty none pty))"), "{sexpr}");
        // Would be gigabytes of "none": refused at once, nothing built.
        let err = domain_to_sexpr(&hvm_with_serial_ports(&[0, 4_000_000_000])).unwrap_err();
        assert!(err.to_string().contains("serial port 4000000000"), "{err}");
    }
}
