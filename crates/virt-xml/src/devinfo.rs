//! A device's information as libvirt writes what it read
//! (virDomainDeviceInfoParseXML, virDomainDeviceInfoFormat): the
//! children every device shares (`<alias>`, `<master>`, `<boot>`,
//! `<rom>`, `<acpi>`, `<address>`), each read once (the first), written
//! together in that order at the place each device's formatter gives
//! them, the address with the fields of its type in libvirt's spelling.
//! Also the device post-parse values libvirt fills in
//! (virDomainDeviceDefPostParseCommon), which it then writes.
//!
//! A value libvirt refuses leaves the element as written: the definition
//! is refused by the checks, not here.

use crate::model::Attr;
use crate::{Element, Node};

/// The device information children, in the order libvirt writes them
/// (virDomainDeviceInfoFormat: the boot order first).
const INFO: [&str; 6] = ["boot", "alias", "master", "rom", "acpi", "address"];

/// For each device kept as an element: the children its formatter writes
/// after the device information (it is written before the first of
/// them, or last), and whether it reads `<boot>` and `<rom>`
/// (`VIR_DOMAIN_DEF_PARSE_ALLOW_BOOT`, `..._ALLOW_ROM`).
struct Layout {
    device: &'static str,
    after_info: &'static [&'static str],
    boot: bool,
    rom: bool,
}

const fn layout(device: &'static str, after_info: &'static [&'static str]) -> Layout {
    Layout {
        device,
        after_info,
        boot: false,
        rom: false,
    }
}

/// libvirt's device formatters, as far as the place of the device
/// information goes.
const LAYOUTS: &[Layout] = &[
    layout("controller", &["pcihole64"]),
    Layout {
        boot: true,
        ..layout("filesystem", &["space_hard_limit", "space_soft_limit"])
    },
    layout("smartcard", &[]),
    layout("input", &[]),
    layout("tpm", &["privateData"]),
    layout("sound", &[]),
    layout("video", &[]),
    Layout {
        boot: true,
        rom: true,
        ..layout("hostdev", &[])
    },
    Layout {
        boot: true,
        ..layout("redirdev", &[])
    },
    layout("hub", &[]),
    layout("watchdog", &[]),
    layout("memballoon", &["driver"]),
    layout("rng", &[]),
    layout("nvram", &[]),
    layout("panic", &[]),
    layout("shmem", &[]),
    layout("memory", &[]),
    layout("iommu", &[]),
    layout("vsock", &["driver"]),
    layout("crypto", &[]),
];

/// Rewrites the device information of `device` (an element of
/// `<devices>`) as libvirt writes it, and the values its post-parse
/// fills in; devices without device information are left alone.
pub(crate) fn rewrite(device: &mut Element) {
    let Some(layout) = LAYOUTS.iter().find(|l| l.device == device.name) else {
        return;
    };
    match device.name.as_str() {
        "vsock" => vsock_cid(device),
        "rng" => rng(device),
        "shmem" => shmem(device),
        _ => {}
    }
    device.children = placed(std::mem::take(&mut device.children), layout);
}

/// The children of a character device (serial, parallel, console,
/// channel) as libvirt writes what it read (virDomainChrDefFormat): the
/// device information last.
pub(crate) fn rewrite_chardev(children: &mut Vec<Element>) {
    placed_elements(children, &layout("chardev", &[]));
}

/// The children of a disk as libvirt writes its device information
/// (virDomainDiskDefFormat: it reads the boot order, not the ROM); the
/// disk's own order places them.
pub(crate) fn rewrite_disk(children: &mut Vec<Element>) {
    let disk = Layout {
        boot: true,
        ..layout("disk", &[])
    };
    placed_elements(children, &disk);
}

/// The children of an interface as libvirt writes its device information
/// (virDomainNetDefFormat: it reads the boot order and the ROM too); the
/// interface's own order places them.
pub(crate) fn rewrite_interface(children: &mut Vec<Element>) {
    let net = Layout {
        boot: true,
        rom: true,
        ..layout("interface", &[])
    };
    placed_elements(children, &net);
}

/// [`placed`] for children kept as elements.
fn placed_elements(children: &mut Vec<Element>, layout: &Layout) {
    // Most are already as libvirt writes them: left in place, not moved
    // to nodes and back.
    if already_placed(children, |e| Some(e), layout) {
        return;
    }
    let nodes = std::mem::take(children)
        .into_iter()
        .map(Node::Element)
        .collect();
    *children = placed(nodes, layout)
        .into_iter()
        .filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
        .collect();
}

/// Whether `layout` reads the device information child `name`.
fn reads(layout: &Layout, name: &str) -> bool {
    match name {
        "boot" => layout.boot,
        "rom" => layout.rom,
        _ => INFO.contains(&name),
    }
}

/// Whether `children` (elements, or nodes: `element` tells which)
/// already are what [`placed`] makes of them: no device information, or
/// each part once, in libvirt's order, together at the place `layout`
/// gives, each written as libvirt writes it. Checked in place, so that
/// the usual device is not taken apart and put together again.
fn already_placed<T>(children: &[T], element: fn(&T) -> Option<&Element>, layout: &Layout) -> bool {
    let mut block: Option<(usize, usize)> = None;
    let mut last: Option<usize> = None;
    for (at, e) in children
        .iter()
        .enumerate()
        .filter_map(|(at, n)| Some((at, element(n)?)))
    {
        if !reads(layout, &e.name) {
            continue;
        }
        let Some(i) = INFO.iter().position(|n| *n == e.name) else {
            return false;
        };
        // Each once, in libvirt's order, side by side.
        if last.is_some_and(|l| i <= l) {
            return false;
        }
        last = Some(i);
        block = match block {
            None => Some((at, at + 1)),
            Some((start, end)) if end == at => Some((start, at + 1)),
            Some(_) => return false,
        };
        let written = match e.name.as_str() {
            "alias" => alias(e),
            "address" => address(e),
            // The others are written anew (numbers respelled): rare.
            _ => return false,
        };
        if !matches!(written, Written::Unchanged | Written::Refused) {
            return false;
        }
    }
    let Some((start, end)) = block else {
        return true;
    };
    // At its place: before the first child written after it, or last.
    let after_info =
        |n: &T| element(n).is_some_and(|e| layout.after_info.contains(&e.name.as_str()));
    !children[..start].iter().any(after_info) && children.get(end).is_none_or(after_info)
}

/// The element a node is, if it is one.
fn node_element(n: &Node) -> Option<&Element> {
    match n {
        Node::Element(e) => Some(e),
        Node::Text(_) => None,
    }
}

/// `children` with the device information written as libvirt writes it,
/// at the place `layout` gives.
fn placed(children: Vec<Node>, layout: &Layout) -> Vec<Node> {
    // Most devices have none, or have it as libvirt writes it: their
    // children stay where they are.
    if already_placed(&children, node_element, layout) {
        return children;
    }
    let reads = |name: &str| reads(layout, name);
    let mut first: [Option<Element>; 6] = Default::default();
    let mut had_info = false;
    let mut kept = Vec::with_capacity(children.len());
    for n in children {
        match n {
            Node::Element(e) if reads(&e.name) => {
                let Some(i) = INFO.iter().position(|n| *n == e.name) else {
                    continue;
                };
                had_info = true;
                if first[i].is_none() {
                    first[i] = Some(e);
                }
            }
            other => kept.push(other),
        }
    }
    let mut info = Vec::new();
    for (name, e) in INFO.iter().zip(first) {
        let Some(e) = e else { continue };
        let written = match *name {
            "alias" => alias(&e),
            "master" => master(&e),
            "boot" => boot(&e),
            "rom" => rom(&e),
            "acpi" => acpi(&e),
            _ => address(&e),
        };
        match written {
            Written::As(w) => info.push(Node::Element(w)),
            Written::Nothing => {}
            // Already as libvirt writes it; or refused when checked: keep
            // the document as it was.
            Written::Unchanged | Written::Refused => info.push(Node::Element(e)),
        }
    }
    if !had_info {
        return kept;
    }
    let place = kept
        .iter()
        .position(|n| matches!(n, Node::Element(e) if layout.after_info.contains(&e.name.as_str())))
        .unwrap_or(kept.len());
    kept.splice(place..place, info);
    kept
}

/// What libvirt writes for one part it read.
enum Written {
    /// This element.
    As(Element),
    /// Nothing: the part reads into a default libvirt does not write.
    Nothing,
    /// The element as it is: libvirt writes it the same way (kept
    /// without building a copy; most addresses are written so).
    Unchanged,
    /// libvirt refuses the value; the checks say so.
    Refused,
}

/// `string(./alias/@name)`: an empty name is none.
fn alias(e: &Element) -> Written {
    match e.attr("name") {
        Some(name) if !name.is_empty() && e.attrs.len() == 1 && e.children.is_empty() => {
            Written::Unchanged
        }
        Some(name) if !name.is_empty() => {
            Written::As(Element::new("alias").with_attr("name", name))
        }
        _ => Written::Nothing,
    }
}

/// `<master startport=...>` of a USB companion controller.
fn master(e: &Element) -> Written {
    let startport = match e.attr("startport") {
        None => 0,
        Some(v) => match c_unsigned(v, 10) {
            Some(n) => n,
            None => return Written::Refused,
        },
    };
    Written::As(Element::new("master").with_attr("startport", startport.to_string()))
}

/// `<boot order=... loadparm=...>`: the order is required and not zero,
/// the load parameter written in upper case.
fn boot(e: &Element) -> Written {
    let Some(order) = e
        .attr("order")
        .and_then(|v| c_unsigned(v, 10))
        .filter(|n| *n != 0)
    else {
        return Written::Refused;
    };
    let mut out = Element::new("boot").with_attr("order", order.to_string());
    if let Some(l) = e.attr("loadparm") {
        out = out.with_attr("loadparm", l.to_ascii_uppercase());
    }
    Written::As(out)
}

/// `<rom enabled= bar= file=>`, only with one of them.
fn rom(e: &Element) -> Written {
    let mut out = Element::new("rom");
    for (name, values) in [("enabled", ["yes", "no"]), ("bar", ["on", "off"])] {
        match e.attr(name) {
            None => {}
            Some(v) if values.contains(&v) => out = out.with_attr(name, v),
            Some(_) => return Written::Refused,
        }
    }
    if let Some(f) = e.attr("file") {
        out = out.with_attr("file", f);
    }
    if out.attrs.is_empty() {
        Written::Nothing
    } else {
        Written::As(out)
    }
}

/// `<acpi index=...>`: not written without an index (zero is refused).
fn acpi(e: &Element) -> Written {
    match e.attr("index") {
        None => Written::Nothing,
        Some(v) => match c_unsigned(v, 10).filter(|n| *n != 0) {
            Some(n) => Written::As(Element::new("acpi").with_attr("index", n.to_string())),
            None => Written::Refused,
        },
    }
}

/// Reads the unsigned attribute `name` of `e` as virXMLPropUInt does in
/// `base`: `Ok(None)` when absent, `Err(())` when libvirt refuses it.
fn prop(e: &Element, name: &str, base: u32) -> Result<Option<u64>, ()> {
    prop_max(e, name, base, u64::from(u32::MAX))
}

fn prop_max(e: &Element, name: &str, base: u32, max: u64) -> Result<Option<u64>, ()> {
    prop_value(e.attr(name), base, max)
}

/// [`prop_max`] of a value already found (`None`: absent).
fn prop_value(value: Option<&str>, base: u32, max: u64) -> Result<Option<u64>, ()> {
    match value {
        None => Ok(None),
        Some(v) => c_unsigned(v, base)
            .filter(|n| *n <= max)
            .map(Some)
            .ok_or(()),
    }
}

/// An unsigned int attribute's value found by [`Element::attr_values`],
/// 0 when absent (see [`prop`]).
fn uint_or_zero(value: Option<&str>, base: u32) -> Result<u64, ()> {
    prop_value(value, base, u64::from(u32::MAX)).map(Option::unwrap_or_default)
}

/// An `<address>` as libvirt writes what it read, by type; `Refused` for
/// what its parser refuses.
fn address(e: &Element) -> Written {
    if spelled_as_written(e) {
        return Written::Unchanged;
    }
    match address_fields(e) {
        Ok((fields, None)) if e.children.is_empty() && fields.written_in(e) => Written::Unchanged,
        Ok((fields, zpci)) => {
            let mut out = fields.element("address");
            out.children.extend(zpci.map(Node::Element));
            Written::As(out)
        }
        Err(()) => Written::Refused,
    }
}

/// Whether `e` is a PCI or drive address (nearly every address read)
/// already as libvirt writes it, told from its spelling alone: reading
/// the numbers and comparing them with what they print as cost over a
/// thousand instructions per address. `false` leaves the question to
/// [`address_fields`].
fn spelled_as_written(e: &Element) -> bool {
    if !e.children.is_empty() {
        return false;
    }
    let named = |given: &[Attr], names: &[&str]| {
        given.len() == names.len() && given.iter().zip(names).all(|((k, _), n)| k == n)
    };
    match e.attrs.as_slice() {
        [(t, kind), rest @ ..] if t == "type" && kind == "pci" => {
            let (fields, multi) = match rest {
                [f @ .., (m, v)] if m == "multifunction" => (f, Some(v.as_str())),
                f => (f, None),
            };
            let [(_, domain), (_, bus), (_, slot), (_, function)] = fields else {
                return false;
            };
            let zero = |v: &str| v.bytes().skip(2).all(|b| b == b'0');
            named(fields, &["domain", "bus", "slot", "function"])
                && multi.is_none_or(|m| m == "on" || m == "off")
                && hex_spelled(domain, 4)
                && hex_spelled(bus, 2)
                && hex_spelled(slot, 2)
                // `0x%d` of a number read in base 0: the same for 0 to 9.
                && matches!(function.as_bytes(), [b'0', b'x', b'0'..=b'9'])
                // All three zero: an empty address, written without them.
                && !(zero(domain) && zero(bus) && zero(slot))
        }
        [(t, kind), rest @ ..] if t == "type" && kind == "drive" => {
            named(rest, &["controller", "bus", "target", "unit"])
                && rest.iter().all(|(_, v)| uint_spelled(v))
        }
        _ => false,
    }
}

/// Whether `v` is an unsigned int as `0x{n:0width$x}` writes it.
fn hex_spelled(v: &str, width: usize) -> bool {
    let Some(digits) = v.strip_prefix("0x") else {
        return false;
    };
    // Padded to `width`, else no leading zero; at most 8 digits.
    (digits.len() == width || (digits.len() > width && !digits.starts_with('0')))
        && digits.len() <= 8
        && digits
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `v` is an unsigned int as `{n}` writes it.
pub(crate) fn uint_spelled(v: &str) -> bool {
    !v.is_empty()
        && v.bytes().all(|b| b.is_ascii_digit())
        && (v == "0" || !v.starts_with('0'))
        && (v.len() < 10 || (v.len() == 10 && v <= "4294967295"))
}

/// An attribute value as libvirt prints it, formatted only when an
/// element is built.
enum Value<'a> {
    Text(&'a str),
    Owned(String),
    Dec(u64),
    /// `0x`, then at least this many lower-case hex digits.
    Hex(u64, usize),
    /// `0x`, then the number in decimal (libvirt's `0x%d` of a PCI
    /// function).
    HexPrefixedDec(u64),
}

impl std::fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Text(t) => f.write_str(t),
            Value::Owned(t) => f.write_str(t),
            Value::Dec(n) => write!(f, "{n}"),
            Value::Hex(n, width) => write!(f, "0x{n:0width$x}"),
            Value::HexPrefixedDec(n) => write!(f, "0x{n}"),
        }
    }
}

/// Whether `value` prints as exactly `text` ([`Value`]'s `Display`),
/// decided from `text` without formatting: every address of every
/// device read is compared so, and going through the formatter cost
/// more than reading the address.
fn prints_as(value: &Value, text: &str) -> bool {
    match value {
        Value::Text(t) => *t == text,
        Value::Owned(t) => t == text,
        Value::Dec(n) => is_decimal_of(text, *n),
        Value::HexPrefixedDec(n) => text
            .strip_prefix("0x")
            .is_some_and(|d| is_decimal_of(d, *n)),
        Value::Hex(n, width) => text.strip_prefix("0x").is_some_and(|digits| {
            // `{n:0width$x}`: the digits of `n` (one for 0), zero-padded
            // to `width`, lower case.
            let needed = (64 - n.leading_zeros()).div_ceil(4).max(1) as usize;
            digits.len() == needed.max(*width)
                && digits
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                && u64::from_str_radix(digits, 16) == Ok(*n)
        }),
    }
}

/// Whether `text` is `n` as `{n}` prints it: digits only, no leading
/// zero but for 0 itself.
pub(crate) fn is_decimal_of(text: &str, n: u64) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'))
        && text.parse::<u64>() == Ok(n)
}

/// The attributes libvirt writes, in its order, not yet formatted: an
/// element already written so is kept as it is instead of being copied
/// attribute by attribute. Held in place (an address has at most six),
/// not in a list of its own: every address of every device read is
/// checked so.
struct Fields<'a> {
    items: [(&'static str, Value<'a>); 6],
    len: usize,
}

impl<'a> Fields<'a> {
    fn new() -> Self {
        Fields {
            items: std::array::from_fn(|_| ("", Value::Dec(0))),
            len: 0,
        }
    }

    fn push(&mut self, name: &'static str, value: Value<'a>) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = (name, value);
            self.len += 1;
        }
    }

    fn fields(&self) -> &[(&'static str, Value<'a>)] {
        &self.items[..self.len]
    }

    /// Whether `e` has exactly these attributes, in this order and
    /// spelling.
    fn written_in(&self, e: &Element) -> bool {
        e.attrs.len() == self.len
            && e.attrs
                .iter()
                .zip(self.fields())
                .all(|((n, v), (name, value))| n == name && prints_as(value, v))
    }

    /// An element `name` with these attributes.
    fn element(&self, name: &str) -> Element {
        let mut out = Element::new(name);
        out.attrs = self
            .fields()
            .iter()
            .map(|(n, v)| ((*n).into(), v.to_string()))
            .collect();
        out
    }
}

/// The five attributes a PCI address is read from (virPCIDeviceAddressParseXML):
/// domain, bus, slot, function and multifunction, found in one pass over
/// the attributes.
#[inline]
pub(crate) fn pci_address_values(e: &Element) -> [Option<&str>; 5] {
    e.attr_values(|k| match k {
        "domain" => Some(0),
        "bus" => Some(1),
        "slot" => Some(2),
        "function" => Some(3),
        "multifunction" => Some(4),
        _ => None,
    })
}

/// The attributes of an `<address>` as libvirt writes what it read, and
/// its `<zpci>` child when it has one; `Err` for what libvirt refuses.
fn address_fields(e: &Element) -> Result<(Fields<'_>, Option<Element>), ()> {
    let Some(kind) = e.attr("type") else {
        return Err(());
    };
    let mut out = Fields::new();
    out.push("type", Value::Text(kind));
    let mut zpci = None;
    let get = |name: &str, base: u32| prop(e, name, base).map(Option::unwrap_or_default);
    match kind {
        "pci" => {
            let [domain, bus, slot, function, multi] = pci_address_values(e);
            let fields = [
                uint_or_zero(domain, 0)?,
                uint_or_zero(bus, 0)?,
                uint_or_zero(slot, 0)?,
                uint_or_zero(function, 0)?,
            ];
            let multi = match multi {
                None => None,
                Some(m @ ("on" | "off")) => Some(m),
                Some(_) => return Err(()),
            };
            // virPCIDeviceAddressIsEmpty looks at the domain, bus and
            // slot only: a function alone is not written.
            if fields[..3].iter().any(|f| *f != 0) {
                let [domain, bus, slot, function] = fields;
                out.push("domain", Value::Hex(domain, 4));
                out.push("bus", Value::Hex(bus, 2));
                out.push("slot", Value::Hex(slot, 2));
                out.push("function", Value::HexPrefixedDec(function));
            }
            if let Some(m) = multi {
                out.push("multifunction", Value::Text(m));
            }
            // The zPCI extension: the last `<zpci>`, with what it sets.
            if let Some(z) = e.children_named("zpci").last() {
                let uid = prop(z, "uid", 0)?;
                let fid = prop(z, "fid", 0)?;
                if uid.is_some() || fid.is_some() {
                    let (uid, fid) = (uid.unwrap_or(0), fid.unwrap_or(0));
                    zpci = Some(
                        Element::new("zpci")
                            .with_attr("uid", format!("0x{uid:04x}"))
                            .with_attr("fid", format!("0x{fid:08x}")),
                    );
                }
            }
        }
        "drive" => {
            let values: [Option<&str>; 4] = e.attr_values(|k| match k {
                "controller" => Some(0),
                "bus" => Some(1),
                "target" => Some(2),
                "unit" => Some(3),
                _ => None,
            });
            for (name, v) in ["controller", "bus", "target", "unit"]
                .into_iter()
                .zip(values)
            {
                out.push(name, Value::Dec(uint_or_zero(v, 10)?));
            }
        }
        "virtio-serial" => {
            for name in ["controller", "bus", "port"] {
                out.push(name, Value::Dec(get(name, 10)?));
            }
        }
        "ccid" => {
            for name in ["controller", "slot"] {
                out.push(name, Value::Dec(get(name, 10)?));
            }
        }
        "usb" => {
            let port = match e.attr("port") {
                None => None,
                Some(p) => Some(usb_port(p).ok_or(())?),
            };
            out.push("bus", Value::Dec(get("bus", 10)?));
            if let Some(p) = port.filter(|p| !p.is_empty()) {
                out.push("port", Value::Owned(p));
            }
        }
        "spapr-vio" => {
            if let Some(reg) = prop_max(e, "reg", 16, u64::MAX)? {
                out.push("reg", Value::Hex(reg, 8));
            }
        }
        "ccw" => {
            let given = ["cssid", "ssid", "devno"].map(|n| e.attr(n).is_some());
            let (cssid, ssid, devno) = (get("cssid", 0)?, get("ssid", 0)?, get("devno", 0)?);
            // virCCWDeviceAddressIsValid, and all three or none.
            if cssid > 0xfe || ssid > 3 || devno > 0xffff {
                return Err(());
            }
            if given.iter().any(|g| *g) && !given.iter().all(|g| *g) {
                return Err(());
            }
            out.push("cssid", Value::Hex(cssid, 0));
            out.push("ssid", Value::Hex(ssid, 0));
            out.push("devno", Value::Hex(devno, 4));
        }
        "isa" => {
            for name in ["iobase", "irq"] {
                let v = get(name, 16)?;
                if v > 0 {
                    out.push(name, Value::Hex(v, 0));
                }
            }
        }
        "dimm" => {
            let Some(slot) = prop(e, "slot", 10)? else {
                return Err(());
            };
            out.push("slot", Value::Dec(slot));
            let base = prop_max(e, "base", 16, u64::MAX)?.unwrap_or(0);
            if base != 0 {
                out.push("base", Value::Hex(base, 0));
            }
        }
        "virtio-mmio" | "unassigned" => {}
        _ => return Err(()),
    }
    Ok((out, zpci))
}

/// A USB port path (`1.2.3`, at most four levels) in libvirt's
/// spelling: the levels up to the first zero.
fn usb_port(p: &str) -> Option<String> {
    let mut levels = Vec::new();
    for part in p.split('.') {
        if levels.len() == 4 {
            return None;
        }
        levels.push(c_unsigned_prefix(part)?);
    }
    Some(
        levels
            .iter()
            .take_while(|l| **l != 0)
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// A whole decimal level of a USB port (strtoul: leading blanks and a
/// sign allowed, no minus).
fn c_unsigned_prefix(s: &str) -> Option<u64> {
    c_unsigned(s, 10)
}

/// An unsigned long long as `virStrToLong_ull` reads it in base 10
/// (strtoull: leading blanks, a sign, a negative wrapping around).
pub(crate) fn c_ull(s: &str) -> Option<u64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    match t.strip_prefix('-') {
        Some(rest) if !rest.starts_with(['+', '-']) => c_unsigned(rest, 10).map(u64::wrapping_neg),
        Some(_) => None,
        None => c_unsigned(t, 10),
    }
}

/// An unsigned number as libvirt's virStrToLong_uip/ullp read it in
/// `base` (0: C's prefixes; 16: an optional `0x`): leading white space
/// and a `+` allowed, a minus or trailing text refused.
pub(crate) fn c_unsigned(s: &str, base: u32) -> Option<u64> {
    let s = skip_c_space(s);
    let s = s.strip_prefix('+').unwrap_or(s);
    fn hex(s: &str) -> Option<&str> {
        s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))
    }
    let (digits, radix) = match base {
        0 => match hex(s) {
            Some(h) => (h, 16),
            None if s.len() > 1 && s.starts_with('0') => (&s[1..], 8),
            None => (s, 10),
        },
        16 => (hex(s).unwrap_or(s), 16),
        b => (s, b),
    };
    digits_value(digits, radix)
}

/// `s` after C's `isspace` characters, which strtoul skips; a number
/// (the common case) starts with a digit and is returned as it is.
pub(crate) fn skip_c_space(s: &str) -> &str {
    match s.as_bytes().first() {
        Some(b) if b.is_ascii_digit() => s,
        _ => s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']),
    }
}

/// The value of `digits` when it is one or more digits of `radix` and
/// nothing else, within a u64: one pass over the bytes (a check that
/// every character is a digit, then `from_str_radix`, read each twice
/// and cost about 140 instructions for an address's "0x00").
pub(crate) fn digits_value(digits: &str, radix: u32) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0u64, |n, b| {
        let d = char::from(b).to_digit(radix)?;
        n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))
    })
}

/// An unsigned int as libvirt's virStrToLong_ui reads it in base 10:
/// like [`c_unsigned`], but a minus is allowed and wraps as C's unsigned
/// arithmetic does ("-1" is `u32::MAX`), refused beyond what an int holds.
pub(crate) fn c_uint_wrapping(s: &str) -> Option<u32> {
    c_uint_wrapping_in(s, 10)
}

/// [`c_uint_wrapping`] in `base` (0: C's `0x` and `0` prefixes, after
/// the minus too, as strtoul reads "-0x10").
pub(crate) fn c_uint_wrapping_in(s: &str, base: u32) -> Option<u32> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    match t.strip_prefix('-') {
        Some(n) if n.starts_with(|c: char| c.is_ascii_digit()) => {
            let n = u32::try_from(c_unsigned(n, base)?).ok()?;
            Some(n.wrapping_neg())
        }
        _ => u32::try_from(c_unsigned(t, base)?).ok(),
    }
}

/// A C `int` as virStrToLong_i reads it in base 0 (decimal, `0x` hex or
/// `0` octal, with a sign); `None` when libvirt refuses it.
pub(crate) fn c_int(s: &str) -> Option<i64> {
    c_int_in(s, 0)
}

/// [`c_int`] in `base` (virStrToLong_i's; 10 reads "010" as ten).
pub(crate) fn c_int_in(s: &str, base: u32) -> Option<i64> {
    const SPACE: [char; 6] = [' ', '\t', '\n', '\r', '\x0b', '\x0c'];
    let t = s.trim_start_matches(SPACE);
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    // strtol takes one sign, right before the digits.
    if negative && digits.starts_with(['+', '-']) || digits.starts_with(SPACE) {
        return None;
    }
    let n = i64::try_from(c_unsigned(digits, base)?).ok()?;
    let n = if negative { -n } else { n };
    (i64::from(i32::MIN)..=i64::from(i32::MAX))
        .contains(&n)
        .then_some(n)
}

/// An `<rng>` as libvirt writes what it read (virDomainRNGDefParseXML,
/// virDomainRNGDefPostParse): the rate first, only with bytes (its
/// period only when set), a `random` backend reading `/dev/random`
/// when it names no file.
fn rng(rng: &mut Element) {
    let rate = match rng.child("rate") {
        None => None,
        Some(r) => {
            let Ok(bytes) = prop(r, "bytes", 10) else {
                return;
            };
            let bytes = bytes.unwrap_or(0);
            let period = if bytes > 0 {
                let Ok(p) = prop(r, "period", 10) else { return };
                p.unwrap_or(0)
            } else {
                0
            };
            Some((bytes, period))
        }
    };
    rng.children
        .retain(|n| !matches!(n, Node::Element(e) if e.name == "rate"));
    if let Some((bytes, period)) = rate.filter(|(b, _)| *b > 0) {
        let mut r = Element::new("rate").with_attr("bytes", bytes.to_string());
        if period > 0 {
            r = r.with_attr("period", period.to_string());
        }
        rng.children.insert(0, Node::Element(r));
    }
    let mut backends = rng.children.iter_mut().filter_map(|n| match n {
        Node::Element(e) if e.name == "backend" => Some(e),
        _ => None,
    });
    if let (Some(b), None) = (backends.next(), backends.next()) {
        if b.attr("model") == Some("random") && b.text().is_empty() {
            b.children = vec![Node::Text("/dev/random".into())];
        }
    }
}

/// The shared memory models (`virDomainShmemModel`): the first is the
/// default.
const SHMEM_MODELS: [&str; 3] = ["ivshmem", "ivshmem-plain", "ivshmem-doorbell"];

/// A `<shmem>` as libvirt writes what it read (virDomainShmemDefParseXML,
/// virDomainShmemDefFormat): name, role (not for the plain `ivshmem`
/// model), the model (ivshmem when not given), the size in whole MiB,
/// the server and the MSI options; nothing else but the device
/// information.
fn shmem(shmem: &mut Element) {
    let model = match shmem.child("model").map(|m| m.attr("type")) {
        None | Some(None) => SHMEM_MODELS[0],
        Some(Some(m)) => match SHMEM_MODELS.iter().find(|k| **k == m) {
            Some(k) => k,
            None => return,
        },
    };
    let Some(name) = shmem.attr("name") else {
        return;
    };
    let mut out = Element::new("shmem").with_attr("name", name);
    if model != "ivshmem" {
        match shmem.attr("role") {
            None => {}
            Some(r @ ("master" | "peer")) => out = out.with_attr("role", r),
            Some(_) => return,
        }
    }
    out = out.with_child(Element::new("model").with_attr("type", model));
    // `string(./size[1])`: an empty one is no size.
    if let Some(size) = shmem.child("size").filter(|s| !s.text().is_empty()) {
        let Ok(n) = size.text().trim().parse::<u64>() else {
            return;
        };
        let Ok(bytes) = crate::units::scale_to_bytes(n, size.attr("unit"), 1, u64::MAX) else {
            return;
        };
        if bytes != 0 {
            out = out.with_child(
                Element::new("size")
                    .with_attr("unit", "M")
                    .with_text((bytes >> 20).to_string()),
            );
        }
    }
    if let Some(server) = shmem.child("server") {
        let mut s = Element::new("server");
        if let Some(p) = server.attr("path") {
            s = s.with_attr("path", sanitized_path(p));
        }
        out = out.with_child(s);
    }
    if let Some(msi) = shmem.child("msi") {
        let mut m = Element::new("msi");
        let Ok(vectors) = prop(msi, "vectors", 0) else {
            return;
        };
        if let Some(v) = vectors.filter(|v| *v != 0) {
            m = m.with_attr("vectors", v.to_string());
        }
        match msi.attr("ioeventfd") {
            None => {}
            Some(v @ ("on" | "off")) => m = m.with_attr("ioeventfd", v),
            Some(_) => return,
        }
        out = out.with_child(m);
    }
    let info = shmem
        .children
        .iter()
        .filter(|n| matches!(n, Node::Element(e) if INFO.contains(&e.name.as_str())))
        .cloned();
    out.children.extend(info);
    *shmem = out;
}

/// A path as virFileSanitizePath writes it: no repeated `/`, no `/` at
/// the end (but `/` itself), a leading `//` (not `///`) kept, a URI left
/// alone.
pub(crate) fn sanitized_path(path: &str) -> String {
    if let Some(uri) = path.find("://") {
        if path.find('/').is_some_and(|s| s > uri) {
            return path.to_string();
        }
    }
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    if let Some(r) = path.strip_prefix("//").filter(|r| !r.starts_with('/')) {
        out.push_str("//");
        rest = r;
    }
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '/' {
            out.push(c);
            continue;
        }
        while chars.next_if_eq(&'/').is_some() {}
        if !out.is_empty() && chars.peek().is_none() {
            break;
        }
        out.push('/');
    }
    out
}

/// virDomainVsockDefPostParse: the guest CID is automatic unless an
/// address is given; libvirt then always writes `<cid>`, first.
fn vsock_cid(vsock: &mut Element) {
    let cid = vsock.child("cid");
    let address = match cid.and_then(|c| c.attr("address")) {
        None => 0,
        Some(a) => match c_unsigned(a, 10).filter(|n| *n != 0 && *n <= u64::from(u32::MAX)) {
            Some(n) => n,
            None => return,
        },
    };
    let auto = match cid.and_then(|c| c.attr("auto")) {
        Some(a @ ("yes" | "no")) => a,
        Some(_) => return,
        None if address != 0 => "no",
        None => "yes",
    };
    let mut out = Element::new("cid").with_attr("auto", auto);
    if address != 0 {
        out = out.with_attr("address", address.to_string());
    }
    vsock
        .children
        .retain(|n| !matches!(n, Node::Element(e) if e.name == "cid"));
    vsock.children.insert(0, Node::Element(out));
}

#[cfg(test)]
mod tests {
    /// strtoul's reading, as the two-pass check and parse it replaced
    /// read it: digits of the base only, within the type.
    #[test]
    fn unsigned_numbers_read_as_strtoul_reads_them() {
        use super::{c_unsigned, digits_value};
        use crate::validate::c_uint;
        assert_eq!(digits_value("", 10), None);
        assert_eq!(digits_value("18446744073709551615", 10), Some(u64::MAX));
        assert_eq!(digits_value("18446744073709551616", 10), None);
        assert_eq!(digits_value("fF", 16), Some(255));
        assert_eq!(digits_value("8", 8), None);
        assert_eq!(digits_value("1\u{e9}", 16), None);
        assert_eq!(c_unsigned(" \t+0x1f", 0), Some(31));
        assert_eq!(c_unsigned("017", 0), Some(15));
        assert_eq!(c_unsigned("0x", 0), None);
        assert_eq!(c_unsigned("12 ", 10), None);
        assert_eq!(c_unsigned("-1", 10), None);
        assert_eq!(c_uint("0x00", 0), Some(0));
        assert_eq!(c_uint("4294967295", 10), Some(u32::MAX));
        assert_eq!(c_uint("4294967296", 10), None);
        assert_eq!(c_uint("\n 0x", 16), None);
        assert_eq!(c_uint("0xg", 0), None);
        assert_eq!(c_uint("++1", 10), None);
        assert_eq!(c_uint(" +0X1f", 0), Some(31));
        assert_eq!(c_uint("0x1F", 16), Some(31));
        assert_eq!(c_uint("1F", 16), Some(31));
        assert_eq!(c_uint("010", 0), Some(8));
        assert_eq!(c_uint("08", 0), None);
        assert_eq!(c_uint("0", 0), Some(0));
        assert_eq!(c_uint("0x", 0), None);
        assert_eq!(c_uint("", 10), None);
        assert_eq!(c_uint("+", 10), None);
    }

    #[test]
    fn c_ints_read_in_base_0() {
        use super::c_int;
        assert_eq!(c_int("-0x10"), Some(-16));
        assert_eq!(c_int(" 010"), Some(8));
        assert_eq!(c_int("092"), None);
        assert_eq!(c_int("-2147483648"), Some(-2147483648));
        assert_eq!(c_int("2147483648"), None);
        assert_eq!(c_int("--1"), None);
        assert_eq!(c_int("- 1"), None);
        assert_eq!(c_int("+-1"), None);
        assert_eq!(super::c_int_in(" 010", 10), Some(10));
        assert_eq!(super::c_int_in("08", 10), Some(8));
        assert_eq!(super::c_int_in("0x8", 10), None);
    }

    use super::*;

    fn written(xml: &str) -> String {
        let mut e = crate::parse_element(xml).unwrap();
        rewrite(&mut e);
        e.to_xml(0)
    }

    /// A disk's first address in libvirt's spelling (as virsh 9.0 dumps
    /// it), the later ones not read: [`rewrite_disk`]'s device information.
    #[test]
    fn disk_address_in_libvirts_spelling() {
        let disk = |xml: &str| {
            let mut children: Vec<Element> = crate::parse_element(&format!("<disk>{xml}</disk>"))
                .unwrap()
                .elements()
                .cloned()
                .collect();
            rewrite_disk(&mut children);
            children.iter().map(|e| e.to_xml(0)).collect::<String>()
        };
        assert_eq!(
            disk("<target dev='sda'/><address type='ccw' cssid='0xdE' ssid='3' devno='0xBC8'/><address type='pci'/>"),
            "<target dev='sda'/>\n<address type='ccw' cssid='0xde' ssid='0x3' devno='0x0bc8'/>\n"
        );
        assert_eq!(
            disk("<address type='drive' controller='0' bus='0' unit='1'/>"),
            "<address type='drive' controller='0' bus='0' target='0' unit='1'/>\n"
        );
    }

    #[test]
    fn addresses_in_libvirts_spelling() {
        assert_eq!(
            written("<nvram><address type='ccw' cssid='5' ssid='0' devno='65535'/></nvram>"),
            "<nvram>\n  <address type='ccw' cssid='0x5' ssid='0x0' devno='0xffff'/>\n</nvram>\n"
        );
        assert_eq!(
            written("<watchdog><address type='drive' target='3'/></watchdog>"),
            "<watchdog>\n  <address type='drive' controller='0' bus='0' target='3' unit='0'/>\n</watchdog>\n"
        );
        assert_eq!(
            written("<panic><address type='isa' iobase='0xFdc' irq='0xa'/></panic>"),
            "<panic>\n  <address type='isa' iobase='0xfdc' irq='0xa'/>\n</panic>\n"
        );
        assert_eq!(
            written("<hub><address type='usb' bus='1' port='2.0.3'/></hub>"),
            "<hub>\n  <address type='usb' bus='1' port='2'/>\n</hub>\n"
        );
        assert_eq!(
            written("<hub><address type='pci' domain='0' bus='0' slot='0' function='0'/></hub>"),
            "<hub>\n  <address type='pci'/>\n</hub>\n"
        );
        // A function alone is an empty address; the zPCI ids in hex.
        assert_eq!(
            written("<hub><address type='pci' function='7'><zpci uid='0xFCF' fid='310085'/></address></hub>"),
            "<hub>\n  <address type='pci'>\n    <zpci uid='0x0fcf' fid='0x0004bb45'/>\n  </address>\n</hub>\n"
        );
    }

    #[test]
    fn addresses_already_in_libvirts_spelling_stay_and_others_are_rewritten() {
        for kept in [
            "<hub>\n  <address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x7' multifunction='on'/>\n</hub>\n",
            "<hub>\n  <address type='drive' controller='0' bus='1' target='0' unit='12'/>\n</hub>\n",
            "<hub>\n  <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x000a'/>\n</hub>\n",
            "<hub>\n  <alias name='hub0'/>\n  <address type='spapr-vio' reg='0x00002000'/>\n</hub>\n",
        ] {
            assert_eq!(written(kept), kept);
        }
        for (given, libvirts) in [
            // Upper-case digits, one digit too many, another order.
            (
                "<hub><address type='pci' bus='0x0A' domain='0x00000' slot='0x01' function='0x1'/></hub>",
                "<address type='pci' domain='0x0000' bus='0x0a' slot='0x01' function='0x1'/>",
            ),
            // A function of ten is "0x10", libvirt's "0x%d".
            (
                "<hub><address type='pci' domain='0' bus='0' slot='1' function='10'/></hub>",
                "<address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x10'/>",
            ),
            // An attribute libvirt does not read is not written.
            (
                "<hub><address type='drive' controller='0' bus='0' target='0' unit='0' port='3'/></hub>",
                "<address type='drive' controller='0' bus='0' target='0' unit='0'/>",
            ),
            // Nor a child.
            (
                "<hub><address type='drive' controller='0' bus='0' target='0' unit='0'><x/></address></hub>",
                "<address type='drive' controller='0' bus='0' target='0' unit='0'/>",
            ),
            ("<hub><address type='drive' controller='+0' bus='00' target='0' unit='0'/></hub>",
                "<address type='drive' controller='0' bus='0' target='0' unit='0'/>",
            ),
        ] {
            assert_eq!(written(given), format!("<hub>\n  {libvirts}\n</hub>\n"), "{given}");
        }
        // Values libvirt refuses (beyond an unsigned int, a minus, not a
        // number) leave the address as written, for the checks to refuse.
        for refused in [
            "<hub><address type='pci' domain='0' bus='0x100000000' slot='1'/></hub>",
            "<hub><address type='pci' slot='x' multifunction='on'/></hub>",
            "<hub><address type='pci' slot='1' multifunction='yes'/></hub>",
            "<hub><address type='drive' controller='0' unit='-1'/></hub>",
            "<hub><address type='drive' bus='4294967296'/></hub>",
        ] {
            let address = refused
                .trim_start_matches("<hub>")
                .trim_end_matches("</hub>");
            assert_eq!(
                written(refused),
                format!("<hub>\n  {address}\n</hub>\n"),
                "{refused}"
            );
        }
    }

    /// The spelling check agrees with reading the address and comparing
    /// it with what libvirt writes: whatever it takes as written is
    /// written so, and it takes the usual spellings.
    #[test]
    fn spelled_as_written_agrees_with_reading() {
        let general = |e: &Element| matches!(address_fields(e), Ok((f, None)) if e.children.is_empty() && f.written_in(e));
        let hex = [
            "0x0000",
            "0x00",
            "0x01",
            "0x1",
            "0x001",
            "0x10000",
            "0x0a",
            "0x0A",
            "0xffffffff",
            "0x100000000",
            "0x0ffffffff",
            "0",
            "1",
            "0x",
            "0x0g",
            "",
        ];
        let functions = ["0x0", "0x7", "0x9", "0xa", "0x10", "0x00", "7", "0x"];
        let mut taken = 0;
        for domain in hex {
            for bus in hex {
                for (slot, function) in hex.iter().zip(functions.iter().cycle()) {
                    for multi in ["", " multifunction='on'", " multifunction='x'"] {
                        let xml = format!(
                            "<address type='pci' domain='{domain}' bus='{bus}' slot='{slot}' function='{function}'{multi}/>"
                        );
                        let e = crate::parse_element(&xml).unwrap_or_default();
                        let fast = spelled_as_written(&e);
                        assert!(!fast || general(&e), "{xml}");
                        taken += usize::from(fast);
                    }
                }
            }
        }
        assert!(taken > 0);
        for dec in [
            "0",
            "1",
            "01",
            "10",
            "+1",
            "4294967295",
            "4294967296",
            "9999999999",
            "x",
            "",
        ] {
            let xml = format!(
                "<address type='drive' controller='{dec}' bus='0' target='0' unit='{dec}'/>"
            );
            let e = crate::parse_element(&xml).unwrap_or_default();
            assert_eq!(spelled_as_written(&e), general(&e), "{xml}");
        }
        for usual in [
            "<address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>",
            "<address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x7' multifunction='on'/>",
            "<address type='drive' controller='0' bus='0' target='0' unit='1'/>",
        ] {
            let e = crate::parse_element(usual).unwrap_or_default();
            assert!(spelled_as_written(&e), "{usual}");
        }
        // Not told from the spelling: left to the full reading.
        for other in [
            "<address type='pci' domain='0x0000' bus='0x00' slot='0x00' function='0x1'/>",
            "<address type='pci' bus='0x00' domain='0x0000' slot='0x02' function='0x0'/>",
            "<address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'><zpci uid='1'/></address>",
            "<address type='drive' controller='0' bus='0' unit='1'/>",
        ] {
            let e = crate::parse_element(other).unwrap_or_default();
            assert!(!spelled_as_written(&e), "{other}");
        }
    }

    #[test]
    fn values_compare_as_they_print() {
        assert!(prints_as(&Value::Hex(0x1f, 2), "0x1f"));
        assert!(!prints_as(&Value::Hex(0x1f, 2), "0x1F"));
        assert!(!prints_as(&Value::Hex(0x1f, 2), "0x01f"));
        assert!(!prints_as(&Value::Hex(0x1f, 2), "0x1"));
        assert!(prints_as(&Value::Hex(5, 4), "0x0005"));
        assert!(prints_as(&Value::Hex(5, 0), "0x5"));
        assert!(prints_as(&Value::HexPrefixedDec(12), "0x12"));
        assert!(prints_as(&Value::Dec(0), "0"));
        assert!(!prints_as(&Value::Dec(0), "00"));
        assert!(!prints_as(&Value::Text("on"), "on "));
    }

    #[test]
    fn prints_as_agrees_with_display() {
        let mut values = Vec::new();
        for n in [0, 1, 9, 10, 15, 16, 255, 256, 4095, 65535, u64::MAX] {
            values.push(Value::Dec(n));
            values.push(Value::HexPrefixedDec(n));
            for width in [0, 1, 2, 4, 8] {
                values.push(Value::Hex(n, width));
            }
        }
        let texts: Vec<String> = values
            .iter()
            .map(|v| v.to_string())
            .chain(
                [
                    "",
                    "0",
                    "00",
                    "0x",
                    "0x0",
                    "0x00",
                    "0x000f",
                    "0x000F",
                    "0xf",
                    "+1",
                    "0x+f",
                    "-1",
                    "010",
                    "0x010",
                    "0xffffffffffffffff",
                    "0x1ffffffffffffffff",
                ]
                .map(String::from),
            )
            .collect();
        for v in &values {
            let printed = v.to_string();
            for t in &texts {
                assert_eq!(prints_as(v, t), printed == *t, "{printed:?} vs {t:?}");
            }
        }
    }

    #[test]
    fn information_once_in_libvirts_order_and_place() {
        assert_eq!(
            written(
                "<memballoon model='virtio'><acpi index='7'/><address type='isa'/><acpi index='8'/><stats period='2'/><driver iommu='on'/></memballoon>"
            ),
            "<memballoon model='virtio'>\n  <stats period='2'/>\n  <acpi index='7'/>\n  <address type='isa'/>\n  <driver iommu='on'/>\n</memballoon>\n"
        );
        // The boot order before the alias.
        assert_eq!(
            written("<redirdev bus='usb' type='spicevmc'><alias name='ua-r'/><boot order='2'/></redirdev>"),
            "<redirdev bus='usb' type='spicevmc'>\n  <boot order='2'/>\n  <alias name='ua-r'/>\n</redirdev>\n"
        );
        // A nameless alias is nothing; an alias's other attributes go.
        assert_eq!(written("<panic><alias name=''/></panic>"), "<panic/>\n");
        assert_eq!(
            written("<panic><alias name='a' x='y'/></panic>"),
            "<panic>\n  <alias name='a'/>\n</panic>\n"
        );
        // An ACPI index-less <acpi/> is nothing.
        assert_eq!(written("<panic><acpi/></panic>"), "<panic/>\n");
        // A refused value stays as written.
        assert_eq!(
            written("<panic><acpi index='x'/></panic>"),
            "<panic>\n  <acpi index='x'/>\n</panic>\n"
        );
    }

    #[test]
    fn information_already_in_place_is_kept_and_any_other_placed() {
        use super::{already_placed, layout, LAYOUTS};
        let memballoon = LAYOUTS
            .iter()
            .find(|l| l.device == "memballoon")
            .expect("memballoon layout");
        let children = |xml: &str| crate::parse_element(xml).expect(xml).children;
        let placed = |xml: &str| {
            let nodes = children(xml);
            already_placed(&nodes, super::node_element, memballoon)
        };
        // Nothing to place; alias and address in order, before <driver>.
        assert!(placed("<memballoon><stats period='2'/></memballoon>"));
        assert!(placed(
            "<memballoon><stats period='2'/><alias name='a'/><address type='isa'/><driver iommu='on'/></memballoon>"
        ));
        for moved in [
            // After <driver>, out of order, twice, apart, respelled.
            "<memballoon><driver iommu='on'/><alias name='a'/></memballoon>",
            "<memballoon><address type='isa'/><alias name='a'/></memballoon>",
            "<memballoon><alias name='a'/><alias name='b'/></memballoon>",
            "<memballoon><alias name='a'/><stats period='2'/><address type='isa'/></memballoon>",
            "<memballoon><alias name='a' x='y'/></memballoon>",
            "<memballoon><acpi index='7'/></memballoon>",
        ] {
            assert!(!placed(moved), "{moved}");
        }
        // Elements kept apart from nodes: the same rule.
        let elements: Vec<crate::Element> =
            children("<serial><target port='0'/><alias name='a'/></serial>")
                .into_iter()
                .filter_map(|n| match n {
                    crate::Node::Element(e) => Some(e),
                    crate::Node::Text(_) => None,
                })
                .collect();
        assert!(already_placed(
            &elements,
            |e| Some(e),
            &layout("chardev", &[])
        ));
        assert!(!already_placed(
            &elements,
            |e| Some(e),
            &layout("chardev", &["target"])
        ));
    }

    #[test]
    fn vsock_cid_is_settled() {
        assert_eq!(
            written("<vsock><alias name='ua-x'/><cid/></vsock>"),
            "<vsock>\n  <cid auto='yes'/>\n  <alias name='ua-x'/>\n</vsock>\n"
        );
        assert_eq!(
            written("<vsock><cid address='63'/></vsock>"),
            "<vsock>\n  <cid auto='no' address='63'/>\n</vsock>\n"
        );
    }

    #[test]
    fn paths_sanitized() {
        assert_eq!(sanitized_path("//a//b/"), "//a/b");
        assert_eq!(sanitized_path("///a"), "/a");
        assert_eq!(sanitized_path("/"), "/");
        assert_eq!(sanitized_path("a//b"), "a/b");
        assert_eq!(sanitized_path("unix://x//y"), "unix://x//y");
    }

    #[test]
    fn shmem_and_rng_as_libvirt_writes_them() {
        assert_eq!(
            written("<shmem name='s' role='peer'><driver/><size unit='k'>3072</size><acpi index='2'/></shmem>"),
            "<shmem name='s'>\n  <model type='ivshmem'/>\n  <size unit='M'>3</size>\n  <acpi index='2'/>\n</shmem>\n"
        );
        // An empty size is none, as libvirt reads it.
        assert_eq!(
            written("<shmem name='s'><size unit='G'></size></shmem>"),
            "<shmem name='s'>\n  <model type='ivshmem'/>\n</shmem>\n"
        );
        assert_eq!(
            written("<rng model='virtio'><backend model='random'/><rate bytes='9' period='0'/></rng>"),
            "<rng model='virtio'>\n  <rate bytes='9'/>\n  <backend model='random'>/dev/random</backend>\n</rng>\n"
        );
    }

    #[test]
    fn c_numbers() {
        assert_eq!(c_uint_wrapping(" 2"), Some(2));
        assert_eq!(c_uint_wrapping("2 "), None);
        assert_eq!(c_uint_wrapping("+2"), Some(2));
        assert_eq!(c_uint_wrapping("-1"), Some(u32::MAX));
        assert_eq!(c_uint_wrapping("--1"), None);
        assert_eq!(c_uint_wrapping("- 1"), None);
        assert_eq!(c_uint_wrapping("4294967296"), None);
        assert_eq!(c_uint_wrapping_in("-0x10", 0), Some(16u32.wrapping_neg()));
        assert_eq!(c_uint_wrapping_in("010", 0), Some(8));
        assert_eq!(c_uint_wrapping_in("08", 0), None);
        assert_eq!(c_uint_wrapping_in("-4294967295", 0), Some(1));
        assert_eq!(c_unsigned("0x1f", 0), Some(31));
        assert_eq!(c_unsigned("017", 0), Some(15));
        assert_eq!(c_unsigned("1f", 16), Some(31));
        assert_eq!(c_unsigned(" +5", 10), Some(5));
        assert_eq!(c_unsigned("-5", 10), None);
        assert_eq!(c_unsigned("5x", 10), None);
    }
}
