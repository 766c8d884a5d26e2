//! Serial ports and consoles as libvirt settles and writes them: the
//! ports of ISA serial ports (virDomainChrIsaSerialDefPostParse), the
//! ports and console target types the device post-parse fills in
//! (virDomainChrDefPostParse), the serial port an HVM guest's first
//! console stands for (virDomainDefAddConsoleCompat), and the targets as
//! virDomainChrTargetDefFormat writes them, the first console of an HVM
//! guest as a copy of its serial port (virDomainDefFormatInternal).

use crate::model::{CharDev, Element};
use crate::XmlError;

/// The device information children, which come after the target.
const INFO: [&str; 6] = ["alias", "master", "boot", "rom", "acpi", "address"];

/// libvirt's serial target types (virDomainChrSerialTarget), `none` (not
/// written) first.
pub(crate) const SERIAL_TARGET_TYPES: [&str; 8] = [
    "none",
    "isa-serial",
    "usb-serial",
    "pci-serial",
    "spapr-vio-serial",
    "system-serial",
    "sclp-serial",
    "isa-debug",
];

/// libvirt's console target types (virDomainChrConsoleTarget), `none`
/// first.
pub(crate) const CONSOLE_TARGET_TYPES: [&str; 9] = [
    "none", "serial", "xen", "uml", "virtio", "lxc", "openvz", "sclp", "sclplm",
];

/// `VIR_MAX_ISA_SERIAL_PORTS`.
const ISA_PORTS: i32 = 4;

/// A serial port's or console's target as libvirt reads it: its type
/// (`None`: none), port (-1: to be chosen) and model.
#[derive(Clone, Debug, PartialEq)]
struct Target {
    kind: Option<&'static str>,
    port: i32,
    model: Option<&'static str>,
}

/// The port as virStrToLong_ui reads it (a minus wraps around, `-1` is
/// the largest value), kept in a C `int`.
fn port(v: &str) -> Option<i32> {
    let t = v.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let n = crate::devinfo::c_unsigned(digits, 10)?;
    let n = if negative {
        if n > u64::from(u32::MAX) {
            return None;
        }
        (n as u32).wrapping_neg()
    } else {
        u32::try_from(n).ok()?
    };
    Some(n as i32)
}

/// The target of `c` as read, `None` when libvirt refuses it.
fn read_target(c: &CharDev) -> Option<Target> {
    // `none` is read apart (a serial port's means no type).
    let known: &[&str] = if c.kind == "serial" {
        &SERIAL_TARGET_TYPES[1..]
    } else {
        &CONSOLE_TARGET_TYPES[1..]
    };
    let Some(t) = c.extra.iter().find(|e| e.name == "target") else {
        return Some(Target {
            kind: None,
            port: -1,
            model: None,
        });
    };
    // `none`, the enumerations' zero, is no type for a console too (an
    // HVM guest's first console of type `none` stands for its serial
    // port, as one without a type).
    let kind = match t.attr("type") {
        None | Some("none") => None,
        Some(k) => Some(*known.iter().find(|n| **n == k)?),
    };
    // `string(./model/@name)`: empty is none (virXPathString), and `none`
    // is the model enumeration's zero, no model.
    let model = match t.children_named("model").find_map(|m| m.attr("name")) {
        Some("" | "none") => None,
        Some(m) if c.kind == "serial" => {
            Some(*crate::parse::SERIAL_MODELS.iter().find(|n| **n == m)?)
        }
        _ => None,
    };
    let port = match t.attr("port") {
        None => -1,
        Some(p) => port(p)?,
    };
    Some(Target { kind, port, model })
}

/// The `<target>` virDomainChrTargetDefFormat writes.
fn target_element(t: &Target) -> Element {
    let mut attrs = Vec::with_capacity(2);
    if let Some(k) = t.kind {
        attrs.push(("type".into(), k.to_string()));
    }
    // Nearly always port 0 (or another single digit): spelled without
    // the formatting machinery.
    let port = match u8::try_from(t.port) {
        Ok(n @ 0..=9) => char::from(b'0' + n).to_string(),
        _ => t.port.to_string(),
    };
    attrs.push(("port".into(), port));
    let mut out = Element {
        name: "target".into(),
        attrs,
        children: Vec::new(),
    };
    if let Some(m) = t.model {
        out = out.with_child(Element::new("model").with_attr("name", m));
    }
    out
}

/// Whether `e` is the `<target>` virDomainChrTargetDefFormat writes of `t`.
fn is_written_as(t: &Target, e: &Element) -> bool {
    let mut attrs = e.attrs.iter();
    if let Some(k) = t.kind {
        if !attrs.next().is_some_and(|(n, v)| n == "type" && v == k) {
            return false;
        }
    }
    // The port in decimal as written: no sign but a minus, no leading
    // zero.
    let canonical = |v: &str| {
        v.parse() == Ok(t.port)
            && !v.starts_with('+')
            && (v == "0" || !v.trim_start_matches('-').starts_with('0'))
    };
    let port_written = attrs
        .next()
        .is_some_and(|(n, v)| n == "port" && canonical(v));
    let model_written = match (t.model, e.children.as_slice()) {
        (None, []) => true,
        (Some(m), [crate::model::Node::Element(c)]) => {
            c.name == "model"
                && c.children.is_empty()
                && matches!(c.attrs.as_slice(), [(n, v)] if n == "name" && v == m)
        }
        _ => false,
    };
    port_written && attrs.next().is_none() && model_written
}

/// `c` with the target `t` written in libvirt's place: after its source,
/// before its device information. A target already written so is kept.
fn write_target(c: &mut CharDev, t: &Target) {
    let mut targets = c
        .extra
        .iter()
        .enumerate()
        .filter(|(_, e)| e.name == "target");
    if let (Some((at, e)), None) = (targets.next(), targets.next()) {
        // Its place: after every other part, before the device
        // information.
        let placed = !c.extra[..at]
            .iter()
            .any(|e| INFO.contains(&e.name.as_str()))
            && c.extra
                .get(at + 1)
                .is_none_or(|n| INFO.contains(&n.name.as_str()));
        if placed && is_written_as(t, e) {
            return;
        }
    }
    put_target(c, target_element(t));
}

/// `c` with `target` in libvirt's place: after its source, before its
/// device information.
fn put_target(c: &mut CharDev, target: Element) {
    c.extra.retain(|e| e.name != "target");
    let at = c
        .extra
        .iter()
        .position(|e| INFO.contains(&e.name.as_str()))
        .unwrap_or(c.extra.len());
    c.extra.insert(at, target);
}

/// Settles and writes the serial ports and consoles of a definition of
/// OS type `os_type`, with libvirt's refusals on the way.
pub(super) fn serials_and_consoles(
    chardevs: &mut Vec<CharDev>,
    os_type: &str,
) -> Result<(), XmlError> {
    // virDomainChrDefParseXML: a character device without a type is a
    // pty; `tty` is written only for a running guest's pty console.
    for c in chardevs.iter_mut() {
        if c.dev_type.is_none() {
            c.dev_type = Some("pty".into());
        }
        c.tty = None;
    }
    let mut serial_targets = Vec::new();
    let mut console_targets = Vec::new();
    for (kind, out) in [
        ("serial", &mut serial_targets),
        ("console", &mut console_targets),
    ] {
        for c in chardevs.iter().filter(|c| c.kind == kind) {
            // Refused when read: left for the checks.
            let Some(t) = read_target(c) else {
                return Ok(());
            };
            out.push(t);
        }
    }
    // virDomainDefParseXML: a console's port is its place among the
    // consoles, whatever it gives.
    for (i, t) in console_targets.iter_mut().enumerate() {
        t.port = i32::try_from(i).unwrap_or(i32::MAX);
    }
    isa_serial_ports(&mut serial_targets)?;
    // virDomainChrDefPostParse, device by device: a console without a
    // target type is a serial console; a serial port not given is the
    // one after the highest.
    for i in 0..serial_targets.len() {
        if serial_targets[i].port == -1 {
            let max = serial_targets.iter().map(|t| t.port).max().unwrap_or(-1);
            serial_targets[i].port = max.saturating_add(1);
        }
    }
    for t in &mut console_targets {
        if t.kind.is_none() {
            t.kind = Some("serial");
        }
    }
    if console_targets
        .iter()
        .skip(1)
        .any(|t| t.kind == Some("serial"))
    {
        return Err(XmlError::Unsupported(
            "Only the first console can be a serial port".into(),
        ));
    }
    for (kind, targets) in [("serial", &serial_targets), ("console", &console_targets)] {
        for (c, t) in chardevs.iter_mut().filter(|c| c.kind == kind).zip(targets) {
            write_target(c, t);
        }
    }
    if os_type != "hvm" {
        return Ok(());
    }
    console_compat(chardevs, &serial_targets, &console_targets);
    Ok(())
}

/// virDomainChrIsaSerialDefPostParse: at most four ISA serial ports, on
/// ports 0 to 3, each once; those without a port get the lowest free one.
fn isa_serial_ports(targets: &mut [Target]) -> Result<(), XmlError> {
    let mut used = [false; ISA_PORTS as usize];
    let mut count = 0;
    for t in targets.iter().filter(|t| t.kind == Some("isa-serial")) {
        count += 1;
        if count > ISA_PORTS || t.port >= ISA_PORTS {
            return Err(XmlError::Internal(format!(
                "Maximum supported number of ISA serial ports is '{ISA_PORTS}'"
            )));
        }
        if t.port >= 0 {
            if used[t.port as usize] {
                return Err(XmlError::Internal(format!(
                    "target port '{}' already allocated",
                    t.port
                )));
            }
            used[t.port as usize] = true;
        }
    }
    for t in targets
        .iter_mut()
        .filter(|t| t.kind == Some("isa-serial") && t.port == -1)
    {
        if let Some(free) = used.iter().position(|u| !u) {
            used[free] = true;
            t.port = free as i32;
        }
    }
    Ok(())
}

/// virDomainDefAddConsoleCompat for an HVM guest, then the first
/// console written as its serial port. A first serial console without a
/// serial port becomes that port (port 0, no target type); with one,
/// it stands for it. Without such a console, a serial port of a type a
/// console can stand for (not PCI, USB or ISA debug) gets one.
fn console_compat(chardevs: &mut Vec<CharDev>, serials: &[Target], consoles: &[Target]) {
    let first_console = chardevs.iter().position(|c| c.kind == "console");
    let first_serial = chardevs.iter().position(|c| c.kind == "serial");
    let serial_console = consoles.first().is_some_and(|t| t.kind == Some("serial"));
    match (first_console, first_serial) {
        (Some(c), None) if serial_console => {
            // A copy of the console but for its target (not cloned only
            // to be replaced).
            let console = &chardevs[c];
            let mut serial = CharDev {
                kind: "serial".into(),
                dev_type: console.dev_type.clone(),
                tty: console.tty.clone(),
                extra: Vec::with_capacity(console.extra.len()),
                attrs: console.attrs.clone(),
            };
            serial
                .extra
                .extend(console.extra.iter().filter(|e| e.name != "target").cloned());
            let target = Target {
                kind: None,
                port: 0,
                model: None,
            };
            put_target(&mut serial, target_element(&target));
            chardevs.insert(c, serial);
            // The console, a copy of that port but for its serial target
            // on port 0 (its place among the consoles), is already
            // written so.
        }
        (Some(c), Some(s)) if serial_console => {
            chardevs[c] = console_of(&chardevs[s]);
        }
        (_, Some(s)) => {
            let stands_for = !matches!(
                serials.first().and_then(|t| t.kind),
                Some("pci-serial" | "usb-serial" | "isa-debug")
            );
            if stands_for {
                // A console inserted first, written as the serial port.
                let console = console_of(&chardevs[s]);
                chardevs.insert(first_console.unwrap_or(chardevs.len()), console);
            }
        }
        _ => {}
    }
}

/// The first console as libvirt writes it when it stands for `serial`:
/// a copy of that port, with a serial console target on its port
/// (whether libvirt kept the console or, its source differing, put a
/// stub in its place).
fn console_of(serial: &CharDev) -> CharDev {
    let port = serial
        .extra
        .iter()
        .find(|e| e.name == "target")
        .and_then(|t| t.attr("port"))
        .unwrap_or("0");
    let target = Element::new("target")
        .with_attr("type", "serial")
        .with_attr("port", port);
    let mut console = serial.clone();
    console.kind = "console".into();
    put_target(&mut console, target);
    console
}

#[cfg(test)]
mod tests {
    use crate::FormatOptions;

    fn devices(os: &str, xml: &str) -> Result<String, String> {
        let mut def = crate::parse_domain(&format!(
            "<domain type='test'><name>t</name><memory>1024</memory><os><type>{os}</type></os>\
             <devices>{xml}</devices></domain>"
        ))
        .map_err(|e| e.to_string())?;
        def.add_implicit_devices("cirrus")
            .map_err(|e| e.to_string())?;
        let out = def.to_xml(&FormatOptions::default());
        let start = out.find("<devices>").unwrap_or(0);
        let end = out.find("</devices>").unwrap_or(out.len());
        Ok(out[start + "<devices>".len()..end]
            .lines()
            .map(str::trim)
            .collect())
    }

    #[test]
    fn an_hvm_console_stands_for_its_serial_port() {
        // A console alone becomes the serial port, and is written as it.
        assert_eq!(
            devices("hvm", "<console tty='/dev/pts/3'/>").as_deref(),
            Ok("<serial type='pty'><target port='0'/></serial>\
                <console type='pty'><target type='serial' port='0'/></console>")
        );
        assert_eq!(
            devices("hvm", "<console type='file'><source path='/l'/><log file='/g'/></console>").as_deref(),
            Ok("<serial type='file'><source path='/l'/><log file='/g'/><target port='0'/></serial>\
                <console type='file'><source path='/l'/><log file='/g'/><target type='serial' port='0'/></console>")
        );
        // With a serial port, the first console is written as that port.
        assert_eq!(
            devices(
                "hvm",
                "<serial type='file'><source path='/a'/></serial>\
                            <console type='file'><source path='/b'/></console>"
            )
            .as_deref(),
            Ok(
                "<serial type='file'><source path='/a'/><target port='0'/></serial>\
                <console type='file'><source path='/a'/><target type='serial' port='0'/></console>"
            )
        );
        // A serial port gets a console, before a virtio one.
        assert_eq!(
            devices("hvm", "<serial type='pty'/><console type='pty'><target type='virtio' port='7'/></console>").as_deref(),
            Ok("<controller type='virtio-serial' index='0'/><serial type='pty'><target port='0'/></serial>\
                <console type='pty'><target type='serial' port='0'/></console>\
                <console type='pty'><target type='virtio' port='0'/></console>")
        );
        // Not a USB serial port.
        assert_eq!(
            devices(
                "hvm",
                "<serial type='pty'><target type='usb-serial' port='2'/></serial>"
            )
            .as_deref(),
            Ok("<serial type='pty'><target type='usb-serial' port='2'/></serial>")
        );
    }

    /// As virsh 9.0 writes them: a console target of type `none` is one
    /// without a type (an HVM guest's first console is its serial port);
    /// a serial model named `none` or nothing is no model.
    #[test]
    fn none_target_types_and_models_are_none() {
        assert_eq!(
            devices("hvm", "<console type='pty'><target type='none'/></console>").as_deref(),
            Ok("<serial type='pty'><target port='0'/></serial>\
                <console type='pty'><target type='serial' port='0'/></console>")
        );
        for model in ["none", ""] {
            assert_eq!(
                devices(
                    "hvm",
                    &format!(
                        "<serial type='pty'><target><model name='{model}'/></target></serial>"
                    )
                )
                .as_deref(),
                Ok("<serial type='pty'><target port='0'/></serial>\
                    <console type='pty'><target type='serial' port='0'/></console>"),
                "{model}"
            );
        }
    }

    #[test]
    fn targets_written_as_libvirt_writes_them_stay_and_others_are_made() {
        use super::{is_written_as, Target};
        let t = Target {
            kind: Some("isa-serial"),
            port: 0,
            model: Some("16550a"),
        };
        let target = |xml: &str| crate::parse_element(xml).unwrap_or_else(|e| panic!("{xml}: {e}"));
        let written = "<target type='isa-serial' port='0'><model name='16550a'/></target>";
        assert!(is_written_as(&t, &target(written)));
        for other in [
            "<target type='isa-serial' port='00'><model name='16550a'/></target>",
            "<target type='isa-serial' port='+0'><model name='16550a'/></target>",
            "<target port='0' type='isa-serial'><model name='16550a'/></target>",
            "<target type='isa-serial' port='0'/>",
            "<target type='isa-serial' port='0' x='1'><model name='16550a'/></target>",
            "<target type='isa-serial' port='0'><model name='16550a' x='1'/></target>",
        ] {
            assert!(!is_written_as(&t, &target(other)), "{other}");
        }
        // A port spelled otherwise, and a target after the device
        // information, are written again in libvirt's way and place.
        assert_eq!(
            devices("xen", "<serial type='pty'><target port='007'/></serial>").as_deref(),
            Ok("<serial type='pty'><target port='7'/></serial>")
        );
        assert_eq!(
            devices(
                "xen",
                "<serial type='pty'><alias name='ua-x'/><target port='1'/></serial>"
            )
            .as_deref(),
            Ok("<serial type='pty'><target port='1'/><alias name='ua-x'/></serial>")
        );
    }

    #[test]
    fn ports_follow_the_highest_of_their_kind() {
        assert_eq!(
            devices("hvm", "<serial type='pty'><target port='3'/></serial><serial type='pty'/>\
                            <serial type='pty'><target type='isa-serial'><model name='isa-serial'/></target></serial>").as_deref(),
            Ok("<serial type='pty'><target port='3'/></serial><serial type='pty'><target port='4'/></serial>\
                <serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>\
                <console type='pty'><target type='serial' port='3'/></console>")
        );
        // Not an HVM guest: no serial port is made up. A console's port
        // is its place.
        assert_eq!(
            devices(
                "xen",
                "<console type='pty'/><console type='pty'><target type='xen' port='-5'/></console>"
            )
            .as_deref(),
            Ok(
                "<console type='pty'><target type='serial' port='0'/></console>\
                <console type='pty'><target type='xen' port='1'/></console>"
            )
        );
    }

    #[test]
    fn libvirts_refusals() {
        assert_eq!(
            devices("hvm", "<console type='pty'/><console type='pty'/>").unwrap_err(),
            "unsupported configuration: Only the first console can be a serial port"
        );
        let isa = "<serial type='pty'><target type='isa-serial'/></serial>";
        assert_eq!(
            devices("hvm", &isa.repeat(5)).unwrap_err(),
            "internal error: Maximum supported number of ISA serial ports is '4'"
        );
        assert_eq!(
            devices(
                "hvm",
                "<serial type='pty'><target type='isa-serial' port='1'/></serial>\
                            <serial type='pty'><target type='isa-serial' port='1'/></serial>"
            )
            .unwrap_err(),
            "internal error: target port '1' already allocated"
        );
    }
}
