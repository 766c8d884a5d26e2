//! A [`DomainDef`] into the xm config libvirt wrote for it
//! (`virsh domxml-to-native xen-xm`), setting by setting in libvirt's
//! order: identity, memory, vCPUs, features, clock, lifecycle, emulator,
//! graphics, network, PCI, character devices, sound, OS, disks, USB.

use virt_xml::{CharDev, Disk, DomainDef, Graphics, Input, Interface};

use super::cfg2xml::multiple_serials;
use super::conf::{Conf, ConfValue};
use super::XmOptions;
use crate::xen_common::{
    boot_order, feature_state, hpet_present, interface_ips, is_transient, lifecycle_names,
    memory_mib, ordered_disks, outbound_average, pci_hostdevs, pci_numbers, serial_ports,
    sound_models, tap_format, target_name, vnc_settings,
};
use crate::xml2sexpr::chr_sexpr;
use crate::XendError;

fn unsupported(what: impl Into<String>) -> XendError {
    XendError::XmUnsupported(what.into())
}

/// The xm config for `def`.
pub fn domain_to_xm(def: &DomainDef, opts: &XmOptions) -> Result<Conf, XendError> {
    let mut conf = Conf::new();
    let hvm = def.os.os_type == "hvm";
    conf.set_str("name", &def.name);
    if let Some(uuid) = def.uuid {
        conf.set_str("uuid", uuid.hyphenated().to_string());
    }

    let (current, total) = memory_mib(def);
    conf.set("maxmem", ConfValue::Unsigned(total));
    conf.set("memory", ConfValue::Unsigned(current));

    let max = def.vcpu.max.max(1);
    let online = def.vcpu.current.filter(|c| *c < max).unwrap_or(max);
    if online < max {
        conf.set("maxvcpus", ConfValue::Unsigned(u64::from(max)));
    }
    conf.set("vcpus", ConfValue::Unsigned(u64::from(online)));
    if let Some(cpus) = &def.vcpu.cpuset {
        conf.set_str("cpus", cpus);
    }

    if hvm {
        format_features(def, &mut conf)?;
    }
    format_clock(def, &mut conf, hvm)?;

    for (event, name) in lifecycle_names(def) {
        conf.set_str(&format!("on_{event}"), name);
    }

    if let Some(e) = &def.devices.emulator {
        let key = if opts.v9() {
            "device_model_override"
        } else {
            "device_model"
        };
        conf.set_str(key, e);
    }
    if let [g] = def.devices.graphics.as_slice() {
        format_graphics(g, &mut conf, hvm)?;
    }

    let vifs = def
        .devices
        .interfaces
        .iter()
        .map(|n| format_vif(n, hvm).map(ConfValue::Str))
        .collect::<Result<Vec<_>, _>>()?;
    if !vifs.is_empty() {
        conf.set("vif", ConfValue::List(vifs));
    }
    format_pci(def, &mut conf)?;
    if hvm {
        format_chardevs(def, &mut conf)?;
        let sounds = sound_models(def)?;
        if !sounds.is_empty() {
            conf.set_str("soundhw", sounds.join(","));
        }
    }

    format_os(def, &mut conf, hvm);

    let disks = ordered_disks(&def.devices.disks)
        .into_iter()
        // xm took HVM floppies from their own settings, which libvirt
        // never wrote.
        .filter(|d| !(hvm && d.device == "floppy"))
        .map(|d| format_disk(d).map(ConfValue::Str))
        .collect::<Result<Vec<_>, _>>()?;
    if !disks.is_empty() {
        conf.set("disk", ConfValue::List(disks));
    }

    if hvm {
        let inputs = def.devices.views::<Input>()?;
        if let Some(input) = inputs.iter().find(|i| i.bus.as_deref() == Some("usb")) {
            conf.set_int("usb", 1);
            if let t @ ("mouse" | "tablet" | "keyboard") = input.input_type.as_str() {
                conf.set_str("usbdevice", t);
            }
        }
    }
    Ok(conf)
}

// xm wrote hap=0 for a feature switched off.
fn format_features(def: &DomainDef, conf: &mut Conf) -> Result<(), XendError> {
    let on = |name: &str| -> Result<i64, XendError> {
        Ok(i64::from(feature_state(def, name)? == Some(true)))
    };
    conf.set_int("pae", on("pae")?);
    conf.set_int("acpi", on("acpi")?);
    conf.set_int("apic", on("apic")?);
    if let Some(hap) = feature_state(def, "hap")? {
        conf.set_int("hap", i64::from(hap));
    }
    conf.set_int("viridian", on("viridian")?);
    if let Some(present) = hpet_present(def)? {
        conf.set_int("hpet", i64::from(present));
    }
    Ok(())
}

// Not xml2sexpr's clock(): xm also refused timers but the HPET and unreadable adjustments.
fn format_clock(def: &DomainDef, conf: &mut Conf, hvm: bool) -> Result<(), XendError> {
    let clock = def.clock()?.unwrap_or_default();
    // xm had a setting for the HPET only.
    if let Some(timer) = clock.timers.iter().find(|t| t.name != "hpet") {
        return Err(unsupported(format!(
            "unsupported timer type (name) '{}'",
            timer.name
        )));
    }
    let offset = clock.offset.as_deref().unwrap_or("utc");
    let (localtime, adjustment) = match offset {
        "utc" => (false, 0),
        "localtime" => (true, 0),
        "variable" if hvm => {
            let basis = clock.basis.as_deref().unwrap_or("utc");
            let adjustment = clock
                .adjustment
                .as_deref()
                .map_or(Ok(0), str::parse::<i64>)
                .map_err(|_| unsupported("malformed clock adjustment"))?;
            (basis == "localtime", adjustment)
        }
        other => return Err(unsupported(format!("unsupported clock offset='{other}'"))),
    };
    if hvm {
        conf.set_int("rtc_timeoffset", adjustment);
    }
    conf.set_int("localtime", i64::from(localtime));
    Ok(())
}

/// VNC or SDL: top-level settings for HVM, one `vfb` entry for PV.
fn format_graphics(g: &Graphics, conf: &mut Conf, hvm: bool) -> Result<(), XendError> {
    let kind = g.graphics_type.as_str();
    if !matches!(kind, "vnc" | "sdl") {
        return Err(unsupported(format!("unsupported graphics type {kind}")));
    }
    let o = g.options()?;
    let mut settings: Vec<(&str, ConfValue)> = Vec::new();
    if kind == "sdl" {
        if hvm {
            settings.push(("sdl", ConfValue::Unsigned(1)));
            settings.push(("vnc", ConfValue::Unsigned(0)));
        }
        if let Some(d) = &o.display {
            settings.push(("display", ConfValue::string(d)));
        }
        if let Some(x) = &o.xauth {
            settings.push(("xauthority", ConfValue::string(x)));
        }
    } else {
        if hvm {
            settings.push(("sdl", ConfValue::Unsigned(0)));
            settings.push(("vnc", ConfValue::Unsigned(1)));
        }
        let (autoport, port, listen) = vnc_settings(g, &o, false)?;
        settings.push(("vncunused", ConfValue::Unsigned(u64::from(autoport))));
        if !autoport {
            let display = port - 5900;
            settings.push(("vncdisplay", number(display)));
        }
        if let Some(l) = listen {
            settings.push(("vnclisten", ConfValue::string(l)));
        }
        if let Some(p) = &o.passwd {
            settings.push(("vncpasswd", ConfValue::string(p)));
        }
        if let Some(k) = &o.keymap {
            settings.push(("keymap", ConfValue::string(k)));
        }
    }
    if hvm {
        for (k, v) in settings {
            conf.set(k, v);
        }
    } else {
        let mut vfb = format!("type={kind}");
        for (k, v) in settings {
            let text = match v {
                ConfValue::Str(s) => s,
                ConfValue::Unsigned(n) => n.to_string(),
                ConfValue::Signed(n) => n.to_string(),
                ConfValue::List(_) => continue,
            };
            vfb.push_str(&format!(",{k}={text}"));
        }
        conf.set("vfb", ConfValue::List(vec![ConfValue::Str(vfb)]));
    }
    Ok(())
}

fn number(n: i64) -> ConfValue {
    match u64::try_from(n) {
        Ok(u) => ConfValue::Unsigned(u),
        Err(_) => ConfValue::Signed(n),
    }
}

/// The hotplug script xm used for a bridge when none is named.
const DEFAULT_BRIDGE_SCRIPT: &str = "vif-bridge";

fn format_vif(net: &Interface, hvm: bool) -> Result<String, XendError> {
    let mut out = String::new();
    let mac = net
        .mac
        .as_deref()
        .ok_or_else(|| unsupported("interface without a MAC address"))?;
    out.push_str(&format!("mac={}", mac.to_ascii_lowercase()));
    // Every address, space-separated, as xm's vif scripts took them.
    // The first `<ip>` element carries the typed address.
    let ips = interface_ips(net)?;
    let ip = (!ips.is_empty()).then(|| format!(",ip={}", ips.join(" ")));
    match net.iface_type.as_str() {
        "bridge" => {
            let bridge = net.typed_source()?.bridge.unwrap_or_default();
            out.push_str(&format!(",bridge={bridge}"));
            out.push_str(ip.as_deref().unwrap_or(""));
            let script = net.script.as_deref().unwrap_or(DEFAULT_BRIDGE_SCRIPT);
            out.push_str(&format!(",script={script}"));
        }
        "ethernet" => {
            if let Some(s) = &net.script {
                out.push_str(&format!(",script={s}"));
            }
            out.push_str(ip.as_deref().unwrap_or(""));
        }
        other => return Err(unsupported(format!("Unsupported net type '{other}'"))),
    }
    match net.model.as_deref() {
        Some("netfront") if hvm => out.push_str(",type=netfront"),
        Some(m) => out.push_str(&format!(",model={m}")),
        None => {}
    }
    if let Some(ifname) = &net.target_dev {
        out.push_str(&format!(",vifname={ifname}"));
    }
    if let Some(a) = outbound_average(net)? {
        out.push_str(&format!(",rate={a}KB/s"));
    }
    Ok(out)
}

fn format_pci(def: &DomainDef, conf: &mut Conf) -> Result<(), XendError> {
    let mut devs = Vec::new();
    for h in pci_hostdevs(def)? {
        let Some((domain, bus, slot, function)) = pci_numbers(&h)? else {
            continue;
        };
        let mut dev = format!("{domain:04x}:{bus:02x}:{slot:02x}.{function:x}");
        // Write filtering is the opposite of xm's "permissive".
        match h.write_filtering.as_deref() {
            Some("yes") => dev.push_str(",permissive=0"),
            Some("no") => dev.push_str(",permissive=1"),
            _ => {}
        }
        devs.push(ConfValue::Str(dev));
    }
    if !devs.is_empty() {
        conf.set("pci", ConfValue::List(devs));
    }
    Ok(())
}

fn chr_text(c: &CharDev) -> Result<String, XendError> {
    let mut out = String::new();
    chr_sexpr(c, &mut out).map_err(|e| match e {
        XendError::Unsupported(m) => XendError::XmUnsupported(m),
        other => other,
    })?;
    Ok(out)
}

fn format_chardevs(def: &DomainDef, conf: &mut Conf) -> Result<(), XendError> {
    let parallel = match def.devices.chardevs.iter().find(|c| c.kind == "parallel") {
        Some(p) => chr_text(p)?,
        None => "none".into(),
    };
    conf.set_str("parallel", parallel);
    let serials = serial_ports::<usize>(def);
    match serials.as_slice() {
        [] => conf.set_str("serial", "none"),
        [(0, only)] => conf.set_str("serial", chr_text(only)?),
        // Only xl could list serial ports.
        _ => return Err(multiple_serials()),
    }
    Ok(())
}

fn format_os(def: &DomainDef, conf: &mut Conf, hvm: bool) {
    if hvm {
        conf.set_str("builder", "hvm");
        // Whatever its type, the firmware went where xm wanted it.
        if let Some(loader) = &def.os.loader {
            conf.set_str("kernel", loader);
        }
        conf.set_str("boot", boot_order(def));
    } else {
        let pairs = [
            ("bootloader", &def.bootloader),
            ("bootargs", &def.bootloader_args),
            ("kernel", &def.os.kernel),
            ("ramdisk", &def.os.initrd),
            ("extra", &def.os.cmdline),
        ];
        for (key, value) in pairs {
            if let Some(v) = value {
                conf.set_str(key, v);
            }
        }
    }
}

/// One `disk` entry: `DRIVER[:FORMAT]:SOURCE,TARGET[:cdrom],MODE`.
fn format_disk(disk: &Disk) -> Result<String, XendError> {
    if is_transient(disk)? {
        return Err(XendError::XmDiskUnsupported(
            "transient disks not supported yet".into(),
        ));
    }
    let mut out = String::new();
    if let Some(src) = &disk.source {
        let driver = disk.driver_name.as_deref();
        match driver {
            Some(d @ ("tap" | "tap2")) => out.push_str(&format!("{d}:{}:", tap_format(disk))),
            Some(d) => out.push_str(&format!("{d}:")),
            None => out.push_str(if disk.disk_type == "block" {
                "phy:"
            } else {
                "file:"
            }),
        }
        out.push_str(src);
    }
    out.push(',');
    out.push_str(target_name(disk));
    if disk.device == "cdrom" {
        out.push_str(":cdrom");
    }
    out.push_str(if disk.readonly {
        ",r"
    } else if disk.shareable {
        ",!"
    } else {
        ",w"
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xm::{cfg2xml::xm_to_domain, XmFlavour};

    fn round_trip(text: &str, flavour: XmFlavour) -> String {
        let opts = XmOptions::new(flavour);
        let conf = Conf::parse(text.as_bytes()).expect("parses");
        let def = xm_to_domain(&conf, &opts).expect("converts");
        domain_to_xm(&def, &opts).expect("formats").to_text()
    }

    #[test]
    fn sdl_and_pci_options_survive_a_round_trip() {
        let text = "name = \"h\"\nuuid = \"c7a5fdb2-cdaf-9455-926a-d65c16db1809\"\n\
                    builder = \"hvm\"\nkernel = \"/l\"\nsdl = 1\ndisplay = \":0\"\n\
                    pci = [ \"0000:00:01.0,permissive=1\" ]\nserial = \"file:/tmp/s\"\n";
        let out = round_trip(text, XmFlavour::Libvirt9);
        assert!(
            out.contains("sdl = 1\nvnc = 0\ndisplay = \":0\"\n"),
            "{out}"
        );
        assert!(
            out.contains("pci = [ \"0000:00:01.0,permissive=1\" ]\n"),
            "{out}"
        );
        assert!(out.contains("serial = \"file:/tmp/s\"\n"), "{out}");
    }

    #[test]
    fn serial_lists_are_refused_both_ways() {
        let opts = XmOptions::default();
        let text = "name = \"h\"\nbuilder = \"hvm\"\nkernel = \"/l\"\nserial = [ \"pty\" ]\n";
        let conf = Conf::parse(text.as_bytes()).expect("parses");
        let e = xm_to_domain(&conf, &opts).expect_err("a list");
        assert_eq!(
            e.to_string(),
            "unsupported configuration: Multiple serial devices are not supported by xen-xm"
        );
        let xml = "<domain type='xen'><name>x</name><memory>1024</memory>\
                   <os><type>hvm</type><loader>/l</loader></os><devices>\
                   <serial type='pty'><target port='1'/></serial></devices></domain>";
        let def = virt_xml::parse_domain(xml).expect("parses");
        assert!(domain_to_xm(&def, &opts).is_err());
    }

    #[test]
    fn pv_kernel_boot() {
        let text = "name = \"p\"\nuuid = \"c7a5fdb2-cdaf-9455-926a-d65c16db1809\"\n\
                    kernel = \"/boot/vmlinuz\"\nramdisk = \"/boot/initrd\"\nextra = \"ro\"\n\
                    vfb = [ \"type=sdl,display=:1\" ]\n\
                    vif = [ \"mac=00:16:3e:00:00:01,script=vif-route,ip=10.0.0.2,vifname=v0,rate=10MB/s\" ]\n";
        let out = round_trip(text, XmFlavour::Libvirt9);
        assert!(
            out.contains(
                "kernel = \"/boot/vmlinuz\"\nramdisk = \"/boot/initrd\"\nextra = \"ro\"\n"
            ),
            "{out}"
        );
        assert!(out.contains("vfb = [ \"type=sdl,display=:1\" ]\n"), "{out}");
        assert!(
            out.contains(
                "vif = [ \"mac=00:16:3e:00:00:01,script=vif-route,ip=10.0.0.2,vifname=v0,rate=10240KB/s\" ]\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn refuses_what_xm_cannot_hold() {
        let xml = "<domain type='xen'><name>x</name><memory>1024</memory>\
                   <os><type>linux</type></os><devices>\
                   <interface type='network'><mac address='00:16:3e:00:00:01'/>\
                   <source network='default'/></interface></devices></domain>";
        let def = virt_xml::parse_domain(xml).expect("parses");
        let e = domain_to_xm(&def, &XmOptions::default()).expect_err("network");
        assert_eq!(
            e.to_string(),
            "unsupported configuration: Unsupported net type 'network'"
        );
        let v: virt_core::Error = e.into();
        assert_eq!(v.domain, virt_core::ErrorDomain::Xen);
    }
}
