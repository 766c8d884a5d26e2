//! The checks of a device's information libvirt's parser makes
//! (virDomainDeviceInfoParseXML): addresses, their numbers and kinds.

use super::*;

/// virDomainDeviceInfoParseXML: a device's `<acpi index>` (not zero) and
/// its `<address>` (the first of each), read as libvirt reads them.
pub(crate) fn check_device_info<'a>(
    first: impl Fn(&str) -> Option<&'a Element>,
) -> Result<(), XmlError> {
    if let Some(acpi) = first("acpi") {
        prop_uint(acpi, "index", 10, false, true)?;
    }
    if let Some(address) = first("address") {
        check_address(address)?;
    }
    Ok(())
}

/// virDomainDeviceBootParseXML, for the devices that take a boot entry
/// (disks, filesystems, interfaces, host devices, redirections): the
/// order is required, an unsigned int, not zero; the load parameter,
/// upper-cased, 1 to 8 characters of letters, digits, dots and blanks.
pub(crate) fn check_boot_entry(boot: Option<&Element>) -> Result<(), XmlError> {
    let Some(boot) = boot else { return Ok(()) };
    prop_uint(boot, "order", 10, true, true)?;
    if let Some(lp) = boot.attr("loadparm") {
        let lp = lp.to_ascii_uppercase();
        if lp.trim_start_matches(is_space).is_empty() || lp.len() > 8 {
            return Err(XmlError::Internal(format!(
                "loadparm value '{lp}' must be between 1 and 8 characters"
            )));
        }
        if !lp
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b' ')
        {
            return Err(XmlError::Internal(format!(
                "invalid loadparm value '{lp}', expecting chars in set of [a-zA-Z0-9.] and blank spaces"
            )));
        }
    }
    Ok(())
}

/// virDomainDefControllersParse, once every controller is read: at most
/// one USB controller when one of model none disables USB, and some USB
/// controller that is not a companion (`<master>`, or an ICH9 UHCI model,
/// which implies one) when there are any.
pub(crate) fn check_usb_controllers(devices: &[Element]) -> Result<(), XmlError> {
    let (mut none, mut other, mut master) = (false, false, false);
    let usb = devices
        .iter()
        .filter(|e| e.name == "controller" && e.attr("type") == Some("usb"));
    for c in usb {
        let model = c.attr("model");
        if none || (other && model == Some("none")) {
            return Err(detail(
                "Can't add another USB controller: USB is disabled for this domain",
            ));
        }
        match model {
            Some("none") => none = true,
            _ => other = true,
        }
        // A controller of model none has no device information read.
        let companion = model != Some("none")
            && (c.child("master").is_some()
                || matches!(model, Some("ich9-uhci1" | "ich9-uhci2" | "ich9-uhci3")));
        master |= !companion;
    }
    if other && !master {
        return Err(detail("No master USB controller specified"));
    }
    Ok(())
}

/// Whether libvirt reads the device information (`<address>`, `<acpi>`,
/// ...) of the device element `e`: not for a memory balloon of model
/// none (virDomainMemballoonDefParseXML ignores it), nor a USB controller
/// of model none (virDomainControllerDefParseXML).
pub(crate) fn reads_device_info(e: &Element) -> bool {
    match e.name.as_str() {
        "memballoon" => e.attr("model") != Some("none"),
        "controller" => crate::implicit::controller_reads_info(e),
        _ => true,
    }
}

/// `virXMLPropUInt` (`long`: `virXMLPropULongLong`) in `base`: refused
/// when not a number, or zero for a `nonzero` one, or missing for a
/// `required` one.
pub(crate) fn prop_uint(
    e: &Element,
    attr: &str,
    base: u32,
    required: bool,
    nonzero: bool,
) -> Result<Option<u64>, XmlError> {
    let Some(v) = e.attr(attr) else {
        return match required {
            true => Err(missing_attr(e, attr)),
            false => Ok(None),
        };
    };
    let n = c_uint(v, base)
        .map(u64::from)
        .ok_or_else(|| XmlError::NotUnsigned {
            attr: attr.into(),
            element: e.name.to_string(),
            value: v.into(),
        })?;
    if nonzero && n == 0 {
        return Err(XmlError::Invalid(format!(
            "Invalid value for attribute '{attr}' in element '{}': Zero is not permitted",
            e.name
        )));
    }
    Ok(Some(n))
}

/// `virXMLPropULongLong` in base 16.
pub(super) fn prop_ulong_hex(e: &Element, attr: &str) -> Result<(), XmlError> {
    let Some(v) = e.attr(attr) else {
        return Ok(());
    };
    let t = v.trim_start_matches(is_space);
    let t = t.strip_prefix('+').unwrap_or(t);
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .filter(|r| r.starts_with(|c: char| c.is_ascii_hexdigit()))
        .unwrap_or(t);
    match !t.starts_with('+') && u64::from_str_radix(t, 16).is_ok() {
        true => Ok(()),
        false => Err(XmlError::NotUnsigned {
            attr: attr.into(),
            element: e.name.to_string(),
            value: v.into(),
        }),
    }
}

/// virDomainDeviceAddressParseXML: a type, and the numbers each type
/// reads. Every define checks every device's address, so each type's
/// numbers are found in one pass over the attributes (a `match` on the
/// name) rather than one search of them per number; they are then read
/// in libvirt's order, so the first refused is the one libvirt names.
pub(super) fn check_address(address: &Element) -> Result<(), XmlError> {
    let Some(kind) = address.attr("type") else {
        return Err(XmlError::Internal(
            "No type specified for device address".into(),
        ));
    };
    match kind {
        "pci" => check_pci_address(address),
        "drive" => address_numbers(
            address,
            ["controller", "bus", "target", "unit"],
            |k| match k {
                "controller" => Some(0),
                "bus" => Some(1),
                "target" => Some(2),
                "unit" => Some(3),
                _ => None,
            },
            10,
        )
        .map(drop),
        "virtio-serial" => address_numbers(
            address,
            ["controller", "bus", "port"],
            |k| match k {
                "controller" => Some(0),
                "bus" => Some(1),
                "port" => Some(2),
                _ => None,
            },
            10,
        )
        .map(drop),
        "ccid" => address_numbers(
            address,
            ["controller", "slot"],
            |k| match k {
                "controller" => Some(0),
                "slot" => Some(1),
                _ => None,
            },
            10,
        )
        .map(drop),
        "usb" => {
            if let Some(port) = address.attr("port") {
                if !usb_port(port) {
                    return Err(XmlError::Internal(
                        "Cannot parse <address> 'port' attribute".into(),
                    ));
                }
            }
            prop_uint(address, "bus", 10, false, false).map(drop)
        }
        "spapr-vio" => prop_ulong_hex(address, "reg"),
        "isa" => address_numbers(
            address,
            ["iobase", "irq"],
            |k| match k {
                "iobase" => Some(0),
                "irq" => Some(1),
                _ => None,
            },
            16,
        )
        .map(drop),
        "virtio-s390" => Err(XmlError::Invalid(
            "virtio-s390 bus doesn't have an address".into(),
        )),
        "dimm" => {
            prop_uint(address, "slot", 10, true, false)?;
            prop_ulong_hex(address, "base")
        }
        "ccw" => check_ccw_address(address),
        "virtio-mmio" | "unassigned" => Ok(()),
        _ => Err(XmlError::Unsupported(format!(
            "unknown address type '{kind}'"
        ))),
    }
}

/// The optional unsigned numbers `names` of `address` in `base`
/// (virXMLPropUInt, zero when not given), found in one pass (`slot`
/// gives a name's place in `names`), read in the order of `names`.
fn address_numbers<const N: usize>(
    address: &Element,
    names: [&str; N],
    slot: impl Fn(&str) -> Option<usize>,
    base: u32,
) -> Result<[u64; N], XmlError> {
    let values: [Option<&str>; N] = address.attr_values(slot);
    let mut at = [0; N];
    for ((n, attr), value) in at.iter_mut().zip(names).zip(values) {
        *n = uint_value(address, attr, value, base)?;
    }
    Ok(at)
}

/// The optional attribute `attr` of `e` (its `value`), read as
/// `virXMLPropUInt` in `base` reads it ([`prop_uint`]'s refusal).
fn uint_value(e: &Element, attr: &str, value: Option<&str>, base: u32) -> Result<u64, XmlError> {
    let Some(v) = value else { return Ok(0) };
    c_uint(v, base)
        .map(u64::from)
        .ok_or_else(|| XmlError::NotUnsigned {
            attr: attr.into(),
            element: e.name.to_string(),
            value: v.into(),
        })
}

/// virCCWDeviceAddressParseXML: the three numbers in base 0, within
/// virCCWDeviceAddressIsValid's bounds, then all three given or none.
fn check_ccw_address(address: &Element) -> Result<(), XmlError> {
    const NUMBERS: [&str; 3] = ["cssid", "ssid", "devno"];
    let slot = |k: &str| match k {
        "cssid" => Some(0),
        "ssid" => Some(1),
        "devno" => Some(2),
        _ => None,
    };
    let [cssid, ssid, devno] = address_numbers(address, NUMBERS, slot, 0)?;
    if cssid > 0xfe || ssid > 3 || devno > 0xffff {
        return Err(XmlError::Internal(format!(
            "Invalid specification for virtio ccw address: cssid='{cssid:#x}' ssid='{ssid:#x}' devno='0x{devno:04x}'"
        )));
    }
    let given = NUMBERS.iter().filter(|n| address.attr(n).is_some()).count();
    if given != 0 && given != NUMBERS.len() {
        return Err(XmlError::Internal(
            "Invalid partial specification for virtio ccw address".into(),
        ));
    }
    Ok(())
}

/// virPCIDeviceAddressParseXML: a PCI address's numbers in base 0, a
/// valid address unless all zero, its last `<zpci>` (device addresses,
/// PCI host device and NVMe disk sources).
pub(crate) fn check_pci_address(address: &Element) -> Result<(), XmlError> {
    const NUMBERS: [&str; 4] = ["domain", "bus", "slot", "function"];
    let values = crate::devinfo::pci_address_values(address);
    let mut at = [0; 4];
    for ((n, attr), value) in at.iter_mut().zip(NUMBERS).zip(values) {
        *n = uint_value(address, attr, value, 0)?;
    }
    if let Some(v) = values[4] {
        if !matches!(v, "on" | "off") {
            return Err(XmlError::Invalid(format!(
                "Invalid value for attribute 'multifunction' in element 'address': '{v}'."
            )));
        }
    }
    // virPCIDeviceAddressIsValid, for an address not all zero.
    let [domain, bus, slot, function] = at;
    if domain != 0 || bus != 0 || slot != 0 {
        let bad = |what: String| Err(XmlError::Invalid(format!("Invalid PCI address {what}")));
        if bus > 0xff {
            return bad(format!("bus='{bus:#x}', must be <= 0xFF"));
        }
        if slot > 0x1f {
            return bad(format!("slot='{slot:#x}', must be <= 0x1F"));
        }
        if function > 7 {
            return bad(format!("function={function:#x}, must be <= 7"));
        }
    }
    // virZPCIDeviceAddressParseXML: the last <zpci>, its numbers
    // in base 0.
    if let Some(zpci) = address.children_named("zpci").last() {
        prop_uint(zpci, "uid", 0, false, false)?;
        prop_uint(zpci, "fid", 0, false, false)?;
    }
    Ok(())
}

/// virDomainDeviceUSBAddressParsePort: up to four numbers joined by dots.
pub(super) fn usb_port(port: &str) -> bool {
    let mut rest = port;
    for _ in 0..4 {
        let t = rest.trim_start_matches(is_space);
        let t = t.strip_prefix('+').unwrap_or(t);
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || t[..digits].parse::<u32>().is_err() {
            return false;
        }
        rest = &t[digits..];
        if rest.is_empty() {
            return true;
        }
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
        }
    }
    false
}

/// virDomainMemorySourceDefParseXML: a DIMM's or virtio-mem device's
/// page size (virDomainParseMemory, so a size past the largest memory
/// overflows: seed 16's gen7442) then host nodes, an NVDIMM's alignment
/// size, an SGX EPC's host nodes; the nodes (`string(./nodemask)`, none
/// when empty) a bitmap with some node.
pub(crate) fn check_memory_source(mem: &Element) -> Result<(), XmlError> {
    let Some(source) = mem.child("source") else {
        return Ok(());
    };
    // `string(./name)` scaled by `string(./name/@unit)`, none when empty.
    let size = |name: &str| -> Result<(), XmlError> {
        let text = source
            .child(name)
            .map(string_value)
            .filter(|t| !t.is_empty());
        if text.is_some() {
            let unit = source.children_named(name).find_map(|e| e.attr("unit"));
            memory_kib(text.as_deref(), &format!("./{name}"), unit)?;
        }
        Ok(())
    };
    match mem.attr("model") {
        Some("dimm" | "virtio-mem") => size("pagesize")?,
        Some("nvdimm") => return size("alignsize"),
        Some("sgx-epc") => {}
        _ => return Ok(()),
    }
    let mask = source
        .child("nodemask")
        .map(string_value)
        .filter(|t| !t.is_empty());
    check_set(mask.as_deref(), Some(&invalid_set("nodemask")))
}

/// virDomainMemoryTargetDefParseXML: a memory device's `<target>` (it
/// must have one) as libvirt reads it: the guest node, the size
/// (required), an NVDIMM's label size (at least 128 KiB, below the
/// size), a virtio-mem device's block and requested sizes.
pub(crate) fn check_memory_target(mem: &Element) -> Result<(), XmlError> {
    let Some(target) = mem.child("target") else {
        return Err(XmlError::Invalid(
            "missing <target> element for <memory> device".into(),
        ));
    };
    // `string(./node)`: absent or empty is no node.
    let node = target
        .child("node")
        .map(Element::text)
        .filter(|t| !t.is_empty());
    if node.is_some_and(|n| c_int(&n).is_none_or(|n| n < 0)) {
        return Err(XmlError::Invalid(
            "invalid value of memory device node".into(),
        ));
    }
    // virDomainParseMemory of `xpath` below the target.
    let size = |path: &[&str], xpath: &str, required: bool| -> Result<u64, XmlError> {
        let mut e = Some(target);
        for name in path {
            e = e.and_then(|e| e.child(name));
        }
        let text = e.map(Element::text).filter(|t| !t.is_empty());
        if text.is_none() && !required {
            return Ok(0);
        }
        memory_kib(text.as_deref(), xpath, e.and_then(|e| e.attr("unit")))
    };
    let total = size(&["size"], "./size", true)?;
    match mem.attr("model") {
        Some("nvdimm") => {
            let label = size(&["label", "size"], "./label/size", false)?;
            if label != 0 && label < 128 {
                return Err(XmlError::Invalid(
                    "nvdimm label must be at least 128KiB".into(),
                ));
            }
            if label >= total {
                return Err(XmlError::Invalid(
                    "label size must be smaller than NVDIMM size".into(),
                ));
            }
        }
        Some("virtio-mem") => {
            size(&["block"], "./block", false)?;
            size(&["requested"], "./requested", false)?;
        }
        _ => {}
    }
    Ok(())
}

/// virDomainShmemDefParseXML: the model's type, the name (required), the
/// role (for models other than the plain `ivshmem`, the default), the
/// size in bytes, the server, the MSI options, MSI only with a server.
pub(crate) fn check_shmem_parse(shmem: &Element) -> Result<(), XmlError> {
    let enumerated = |e: &Element, attr: &str, values: &[&str]| match e.attr(attr) {
        Some(v) if !values.contains(&v) => Err(XmlError::Invalid(format!(
            "Invalid value for attribute '{attr}' in element '{}': '{v}'.",
            e.name
        ))),
        _ => Ok(()),
    };
    let model = shmem.child("model");
    if let Some(m) = model {
        enumerated(m, "type", &["ivshmem", "ivshmem-plain", "ivshmem-doorbell"])?;
    }
    if shmem.attr("name").is_none() {
        return Err(XmlError::Invalid(
            "shmem element must contain 'name' attribute".into(),
        ));
    }
    if model
        .and_then(|m| m.attr("type"))
        .is_some_and(|t| t != "ivshmem")
    {
        // `default` is the enumeration's zero: not permitted.
        enumerated(shmem, "role", &["master", "peer"])?;
    }
    let size = shmem.child("size");
    let text = size.map(Element::text).filter(|t| !t.is_empty());
    if text.is_some() {
        let unit = size.and_then(|s| s.attr("unit"));
        scaled(text.as_deref(), "./size[1]", unit, 1, u64::MAX)?;
    }
    let msi = shmem.child("msi");
    if let Some(msi) = msi {
        prop_uint(msi, "vectors", 0, false, false)?;
        enumerated(msi, "ioeventfd", &["on", "off"])?;
        if shmem.child("server").is_none() {
            return Err(XmlError::Invalid(
                "msi option is only supported with a server".into(),
            ));
        }
    }
    Ok(())
}

/// An RNG's rate as virDomainRNGDefParseXML reads it: the bytes
/// (virXPathUInt of `string(./rate/@bytes)`, the first `<rate>` that has
/// them; empty is none), then, when there are some, the period the same
/// way; (0, 0) when none.
pub(crate) fn rng_rate(rng: &Element) -> Result<(u32, u32), XmlError> {
    let rate = |attr: &str| -> Result<u32, XmlError> {
        match rng
            .children_named("rate")
            .find_map(|r| r.attr(attr))
            .filter(|v| !v.is_empty())
        {
            None => Ok(0),
            Some(v) => c_uint(v, 10)
                .ok_or_else(|| XmlError::Invalid(format!("invalid RNG rate {attr} value"))),
        }
    };
    let bytes = rate("bytes")?;
    let period = if bytes > 0 { rate("period")? } else { 0 };
    Ok((bytes, period))
}

/// virDomainRNGDefParseXML up to the device information: the model, the
/// rate, exactly one backend, its model, and an EGD backend's character
/// device.
pub(crate) fn check_rng_parse(rng: &Element) -> Result<(), XmlError> {
    let Some(model) = rng.attr("model") else {
        return Err(XmlError::Invalid("missing RNG device model".into()));
    };
    if !crate::is_virtio_model(model) {
        return Err(XmlError::Unsupported(format!(
            "unknown RNG model '{model}'"
        )));
    }
    rng_rate(rng)?;
    let backends: Vec<&Element> = rng.children_named("backend").collect();
    let [backend] = backends.as_slice() else {
        return Err(XmlError::Invalid(
            "only one RNG backend is supported".into(),
        ));
    };
    let Some(kind) = backend.attr("model") else {
        return Err(XmlError::Invalid("missing RNG device backend model".into()));
    };
    match kind {
        "random" | "builtin" => Ok(()),
        "egd" => {
            let Some(t) = backend.attr("type") else {
                return Err(XmlError::Invalid("missing EGD backend type".into()));
            };
            if !crate::views::CHARDEV_TYPES.contains(&t) {
                return Err(XmlError::Unsupported(format!(
                    "unknown backend type '{t}' for egd"
                )));
            }
            check_chr_source(t, backend.elements())
        }
        m => Err(XmlError::Unsupported(format!(
            "unknown RNG backend model '{m}'"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use crate::parse_domain;

    /// A CCW address's numbers, bounds and partial forms refused with
    /// libvirt 9.0's texts (each checked with virsh on test:///default).
    #[test]
    fn ccw_addresses_read_as_libvirt_reads_them() {
        let refusal = |attrs: &str| {
            let xml = format!(
                "<domain type='test'><name>c</name><memory>1024</memory><os><type>hvm</type></os>\
                 <devices><watchdog model='i6300esb'><address type='ccw' {attrs}/></watchdog>\
                 </devices></domain>"
            );
            parse_domain(&xml).err().map(|e| e.to_string())
        };
        let refused = [
            ("cssid='q'", "Invalid value for attribute 'cssid' in element 'address': 'q'. Expected non-negative integer value"),
            ("cssid='-1' ssid='0' devno='0'", "'cssid' in element 'address': '-1'"),
            ("cssid='0x1' ssid='q' devno='1'", "'ssid' in element 'address': 'q'"),
            ("cssid='1'", "Invalid partial specification for virtio ccw address"),
            ("ssid='0' devno='0'", "Invalid partial specification for virtio ccw address"),
            ("cssid='0xff' ssid='0' devno='1'", "cssid='0xff' ssid='0x0' devno='0x0001'"),
            ("cssid='0' ssid='4' devno='0x10000'", "cssid='0x0' ssid='0x4' devno='0x10000'"),
        ];
        for (attrs, text) in refused {
            let got = refusal(attrs).unwrap_or_default();
            assert!(got.contains(text), "{attrs}: {got}");
        }
        for attrs in [
            "",
            "cssid='0' ssid='0' devno='0'",
            "cssid='0xfe' ssid='3' devno='0xffff'",
            "cssid='010' ssid='0' devno='0'",
        ] {
            assert_eq!(refusal(attrs), None, "{attrs}");
        }
    }

    /// libvirt 9.0 (virsh) ignores a model none memory balloon's address,
    /// and reads any other's.
    #[test]
    fn memballoon_none_has_no_device_information() {
        let refusal = |balloon: &str| {
            let xml = format!(
                "<domain type='test'><name>m</name><memory>1024</memory>\
                 <os><type>hvm</type></os><devices>{balloon}</devices></domain>"
            );
            parse_domain(&xml).err().map(|e| e.to_string())
        };
        for address in [
            "<address type='usb' bus='0' port='0x1.x'/>",
            "<address type='unassigned'/>",
        ] {
            let none = format!("<memballoon model='none'>{address}</memballoon>");
            assert_eq!(refusal(&none), None, "{none}");
        }
        assert_eq!(
            refusal("<memballoon model='virtio'><address type='usb' bus='0' port='0x1.x'/></memballoon>")
                .as_deref(),
            Some("internal error: Cannot parse <address> 'port' attribute")
        );
        assert_eq!(
            refusal("<memballoon model='virtio'><address type='unassigned'/></memballoon>")
                .as_deref(),
            Some("unsupported configuration: address of type 'unassigned' is supported only for hostdevs")
        );
    }

    /// virPCIDeviceAddressParseXML: the numbers, their bounds (for an
    /// address not all zero), then the last `<zpci>`'s numbers in base 0
    /// (texts observed from libvirt 9.0 through virsh).
    #[test]
    fn pci_addresses_read_as_libvirt_reads_them() {
        let refusal = |address: &str| {
            let xml = format!(
                "<domain type='test'><name>p</name><memory>1024</memory>\
                 <os><type>hvm</type></os><devices><watchdog model='i6300esb'>{address}</watchdog></devices></domain>"
            );
            parse_domain(&xml).err().map(|e| e.to_string())
        };
        let cases = [
            ("<address type='pci' bus='0x100'/>", Some("XML error: Invalid PCI address bus='0x100', must be <= 0xFF")),
            ("<address type='pci' slot='32'/>", Some("XML error: Invalid PCI address slot='0x20', must be <= 0x1F")),
            ("<address type='pci' slot='1' function='9'/>", Some("XML error: Invalid PCI address function=0x9, must be <= 7")),
            ("<address type='pci' function='9'/>", None),
            ("<address type='pci' slot='1'><zpci uid='BD'/></address>", Some("XML error: Invalid value for attribute 'uid' in element 'zpci': 'BD'. Expected non-negative integer value")),
            ("<address type='pci' slot='1'><zpci fid='c2CfbbF1'/></address>", Some("XML error: Invalid value for attribute 'fid' in element 'zpci': 'c2CfbbF1'. Expected non-negative integer value")),
            ("<address type='pci' slot='1'><zpci uid='x'/><zpci uid='0x5' fid='010'/></address>", None),
        ];
        for (address, want) in cases {
            assert_eq!(refusal(address).as_deref(), want, "{address}");
        }
    }

    /// An address's numbers are read in libvirt's order, whatever the
    /// order of the attributes (texts observed from libvirt 9.0 through
    /// virsh).
    #[test]
    fn address_numbers_refused_in_libvirts_order() {
        let cases = [
            (
                "<address type='pci' function='x' domain='y'/>",
                "XML error: Invalid value for attribute 'domain' in element 'address': 'y'. Expected non-negative integer value",
            ),
            (
                "<address type='drive' unit='x' controller='y'/>",
                "XML error: Invalid value for attribute 'controller' in element 'address': 'y'. Expected non-negative integer value",
            ),
            (
                "<address type='pci' multifunction='maybe' bus='0x1' slot='z'/>",
                "XML error: Invalid value for attribute 'slot' in element 'address': 'z'. Expected non-negative integer value",
            ),
            (
                "<address type='isa' irq='g' iobase='0x3f8'/>",
                "XML error: Invalid value for attribute 'irq' in element 'address': 'g'. Expected non-negative integer value",
            ),
            (
                "<address type='bogus' bus='x'/>",
                "unsupported configuration: unknown address type 'bogus'",
            ),
        ];
        for (address, want) in cases {
            let watchdog = format!("<watchdog model='i6300esb'>{address}</watchdog>");
            assert_eq!(refusal(&watchdog).as_deref(), Some(want), "{address}");
        }
        for address in [
            "<address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0' multifunction='on'/>",
            "<address type='drive' controller='0' bus='0' target='0' unit='1'/>",
        ] {
            let watchdog = format!("<watchdog model='i6300esb'>{address}</watchdog>");
            assert_eq!(refusal(&watchdog), None, "{address}");
        }
    }

    fn refusal(devices: &str) -> Option<String> {
        let xml = format!(
            "<domain type='test'><name>m</name><memory>1048576</memory>\
             <os><type>hvm</type></os><devices>{devices}</devices></domain>"
        );
        parse_domain(&xml).err().map(|e| e.to_string())
    }

    #[test]
    fn memory_device_targets_read_before_their_validation() {
        let nvdimm = |target: &str| {
            format!("<memory model='nvdimm'><uuid>4fc1d68b-e9cf-c85f-975c-e96cca2ddad2</uuid><source><path>/p</path></source><target>{target}</target></memory>")
        };
        // Read at parse, so refused before the UUID (a validation rule).
        assert_eq!(
            refusal(&nvdimm("<size unit='eb'>18446744073709551615</size>")).as_deref(),
            Some("numerical overflow: value too large: 18446744073709551615eb")
        );
        assert_eq!(
            refusal(&nvdimm("<size>1024</size><label><size>27</size></label>")).as_deref(),
            Some("XML error: nvdimm label must be at least 128KiB")
        );
        assert_eq!(
            refusal(&nvdimm("<size>1024</size><label><size>x</size></label>")).as_deref(),
            Some("XML error: Invalid value 'x' for element or attribute './label/size'")
        );
        assert_eq!(
            refusal(&nvdimm("<size>128</size><label><size>128</size></label>")).as_deref(),
            Some("XML error: label size must be smaller than NVDIMM size")
        );
        assert_eq!(
            refusal(
                "<memory model='dimm'><target><node>-1</node><size>1024</size></target></memory>"
            )
            .as_deref(),
            Some("XML error: invalid value of memory device node")
        );
        assert_eq!(
            refusal("<memory model='dimm'><target/></memory>").as_deref(),
            Some("XML error: missing element or attribute './size'")
        );
        assert_eq!(
            refusal("<memory model='dimm'/>").as_deref(),
            Some("XML error: missing <target> element for <memory> device")
        );
        // The model is required; an NVDIMM's UUID is parsed before its
        // source (internal error), other models never read one.
        assert_eq!(
            refusal("<memory><target><size>1024</size></target></memory>").as_deref(),
            Some("XML error: Missing required attribute 'model' in element 'memory'")
        );
        assert_eq!(
            refusal("<memory model='nvdimm'><uuid>junk</uuid><target/></memory>").as_deref(),
            Some("internal error: malformed uuid element")
        );
        assert_eq!(
            refusal("<memory model='dimm'><uuid>junk</uuid></memory>").as_deref(),
            Some("XML error: missing <target> element for <memory> device")
        );
    }

    // As virsh 9.0 refuses them (seed 16's gen7442 is the first): sizes
    // of the source read by virDomainParseMemory, a DIMM's page size
    // before its nodes; a virtio-pmem device reads no alignment.
    #[test]
    fn memory_device_source_sizes_read_as_libvirt_reads_them() {
        let source = |model: &str, source: &str| {
            refusal(&format!(
                "<memory model='{model}'><source>{source}</source><target><size>1</size></target></memory>"
            ))
        };
        assert_eq!(
            source("dimm", "<pagesize>18446744073709551615</pagesize>").as_deref(),
            Some("numerical overflow: value too large: 18446744073709551615")
        );
        assert_eq!(
            source("dimm", "<pagesize>9007199254740991</pagesize>"),
            None
        );
        assert_eq!(
            source(
                "dimm",
                "<nodemask>x</nodemask><pagesize unit='q'>1</pagesize>"
            )
            .as_deref(),
            Some("invalid argument: unknown suffix 'q'")
        );
        assert_eq!(
            source("virtio-mem", "<pagesize>x</pagesize>").as_deref(),
            Some("XML error: Invalid value 'x' for element or attribute './pagesize'")
        );
        assert_eq!(
            source(
                "nvdimm",
                "<path>/p</path><alignsize unit='EiB'>9</alignsize>"
            )
            .as_deref(),
            Some("numerical overflow: value too large: 9EiB")
        );
        assert_eq!(
            source(
                "virtio-pmem",
                "<path>/p</path><alignsize unit='EiB'>9</alignsize>"
            ),
            None
        );
    }

    #[test]
    fn shmem_read_in_libvirts_order() {
        // The size is read before the MSI options.
        assert_eq!(
            refusal("<shmem name='s'><size unit='e'>20</size><msi/></shmem>").as_deref(),
            Some("numerical overflow: value too large: 20e")
        );
        assert_eq!(
            refusal("<shmem name='s'><msi/></shmem>").as_deref(),
            Some("XML error: msi option is only supported with a server")
        );
        // The plain ivshmem model reads no role.
        assert_eq!(refusal("<shmem name='s' role='x'/>"), None);
        assert_eq!(
            refusal("<shmem name='s' role='x'><model type='ivshmem-plain'/></shmem>").as_deref(),
            Some("XML error: Invalid value for attribute 'role' in element 'shmem': 'x'.")
        );
        assert_eq!(
            refusal("<shmem/>").as_deref(),
            Some("XML error: shmem element must contain 'name' attribute")
        );
    }

    #[test]
    fn an_rng_has_exactly_one_backend() {
        assert_eq!(
            refusal("<rng model='virtio'><address type='unassigned'/></rng>").as_deref(),
            Some("XML error: only one RNG backend is supported")
        );
        assert_eq!(
            refusal("<rng model='virtio'><backend model='random'/><backend model='x'/></rng>")
                .as_deref(),
            Some("XML error: only one RNG backend is supported")
        );
        assert_eq!(
            refusal("<rng model='virtio'><backend model='egd'/></rng>").as_deref(),
            Some("XML error: missing EGD backend type")
        );
        assert_eq!(
            refusal("<rng model='virtio'><backend model='egd' type='pty'><protocol/><protocol/></backend></rng>").as_deref(),
            Some("XML error: only one protocol element is allowed for character device")
        );
    }
}
