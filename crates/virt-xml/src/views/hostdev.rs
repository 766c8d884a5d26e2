//! The parts of a host device beyond its address and driver: the SCSI
//! options of a `<hostdev type='scsi'>` (`sgio=`, `rawio=`), a mediated
//! device's `display=`, a vhost-scsi source's WWPN, and the SCSI host
//! adapter in the schema's shared form (`sourceinfoadapter`, the storage
//! pool's adapter: a scsi_host by name or by its parent's PCI address, an
//! fc_host by WWNs).
//!
//! libvirt reads a host device's adapter by its name alone (the name is
//! [`crate::Hostdev::adapter`]); the rest of the schema's adapter is read
//! the way its storage pool reads it when [`StorageAdapter`] is asked, and
//! dropped at define ([`keep_adapter_name`]), as libvirt's dump shows.

use super::values::AttrValue;
use super::{child_mut, View};
use crate::error::XmlError;
use crate::model::Attr;
use crate::model::Element;
use crate::validate::prop_uint;

/// A World Wide Name (`wwn` in the schema): 16 hex digits, optionally
/// after `0x`, kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Wwn(pub String);

impl Wwn {
    /// Whether `value` is a WWN as libvirt's `virValidateWWN` takes it.
    pub fn is_valid(value: &str) -> bool {
        let digits = value.strip_prefix("0x").unwrap_or(value);
        digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_hexdigit())
    }
}

impl AttrValue for Wwn {
    fn parse(_: &str, _: &str, value: &str, _: &[&str]) -> Result<Self, XmlError> {
        if Wwn::is_valid(value) {
            Ok(Wwn(value.to_string()))
        } else {
            Err(XmlError::Internal(format!("Malformed wwn: {value}")))
        }
    }
    fn format(&self, _: Option<&str>) -> String {
        self.0.clone()
    }
}

flat_view! {
    /// A SCSI host device's kernel options (`<hostdev type='scsi'>`):
    /// `sgio=` filtered or unfiltered (libvirt 9.0 refuses unfiltered at
    /// define), `rawio=` yes or no; and a mediated device's `display=` on
    /// or off. [`check_hostdev_options`] applies libvirt's rules on which
    /// kinds may carry them.
    HostdevOptions = "hostdev" {
        sgio: String = "sgio" ["filtered", "unfiltered"],
        rawio: String = "rawio" ["yes", "no"],
        display: String = "display" ["on", "off"],
    }
}

/// The subsystem host device kinds (virDomainHostdevSubsysType).
const SUBSYSTEM_KINDS: [&str; 5] = ["usb", "pci", "scsi", "scsi_host", "mdev"];

/// The capabilities host device kinds (virDomainHostdevCapsType).
const CAPS_KINDS: [&str; 3] = ["storage", "misc", "net"];

/// What virDomainHostdevDefParseXML reads of a `<hostdev>` before
/// anything else: its mode (subsystem when none), then, in
/// virDomainHostdevDefParseXMLSubsys or virDomainHostdevDefParseXMLCaps,
/// its type (required, one of the mode's kinds) and its `<source>`.
pub(crate) fn check_hostdev_kind(el: &Element) -> Result<(), XmlError> {
    let kinds: &[&str] = match el.attr("mode") {
        None | Some("subsystem") => &SUBSYSTEM_KINDS,
        Some("capabilities") => &CAPS_KINDS,
        Some(m) => return Err(XmlError::Unsupported(format!("unknown hostdev mode '{m}'"))),
    };
    let Some(kind) = el.attr("type") else {
        return Err(XmlError::Invalid("missing source address type".into()));
    };
    if !kinds.contains(&kind) {
        return Err(XmlError::Unsupported(format!(
            "unknown host device source address type '{kind}'"
        )));
    }
    if el.child("source").is_none() {
        return Err(XmlError::Invalid(
            "Missing <source> element in hostdev device".into(),
        ));
    }
    Ok(())
}

/// libvirt's checks of a subsystem host device's options as it parses
/// them (`virDomainHostdevDefParseXMLSubsys`), after its kind
/// ([`check_hostdev_kind`]), before its source: a start-up policy (on any `<source>`, whatever its value:
/// `boolean(./source/@startupPolicy)`) belongs to USB devices only,
/// `sgio` and `rawio` to SCSI devices only, then the model
/// ([`super::devices::hostdev_model`]), then `display` and `ramfb`, read
/// for mediated devices only. A capabilities device reads none of them.
/// The messages name the element read (`<hostdev>`, or the
/// `<interface>` of a host device interface).
pub(crate) fn check_hostdev_options(el: &Element) -> Result<(), XmlError> {
    if el.attr("mode").is_some_and(|m| m != "subsystem") {
        return Ok(());
    }
    let kind = el.attr("type").unwrap_or_default();
    let policy = el
        .children_named("source")
        .any(|s| s.attr("startupPolicy").is_some());
    if kind != "usb" && SUBSYSTEM_KINDS.contains(&kind) && policy {
        return Err(XmlError::Unsupported(
            "Setting startupPolicy is only allowed for USB devices".into(),
        ));
    }
    for (name, allowed) in [
        ("sgio", &["filtered", "unfiltered"][..]),
        ("rawio", &["yes", "no"]),
    ] {
        if let Some(v) = el.attr(name) {
            String::check(&el.name, name, Some(v), allowed)?;
            if kind != "scsi" {
                return Err(XmlError::Invalid(format!(
                    "{name} is only supported for scsi host device"
                )));
            }
        }
    }
    // Then its model: refused on a kind that has none, one of its
    // kind's on a SCSI host or mediated device (required of the latter),
    // and a mediated device's display.
    super::devices::hostdev_model(el)?;
    if kind == "mdev" {
        for switch in ["display", "ramfb"] {
            String::check(&el.name, switch, el.attr(switch), &["on", "off"])?;
        }
    }
    Ok(())
}

/// libvirt's check of a subsystem host device after its source is read:
/// a vhost-scsi source needs a well-formed `naa.` WWPN, a mediated
/// device's the UUID of its `<address>` ([`mdev_uuid`]).
pub(crate) fn check_hostdev_source(el: &Element) -> Result<(), XmlError> {
    let subsystem = el.attr("mode").is_none_or(|m| m == "subsystem");
    match (el.attr("type"), el.child("source")) {
        (Some("scsi_host"), Some(source)) if subsystem => VhostScsiSource::check(source),
        (Some("mdev"), Some(_)) if subsystem => mdev_uuid(el).map(|_| ()),
        (Some("usb"), Some(source)) if subsystem => check_usb_source(source),
        // virDomainHostdevSubsysPCIDefParseXML: `writeFiltering`, then
        // the first address.
        (Some("pci"), Some(source)) if subsystem => {
            String::check(
                "source",
                "writeFiltering",
                source.attr("writeFiltering"),
                &["yes", "no"],
            )?;
            if let Some(address) = source.child("address") {
                crate::validate::check_pci_address(address)?;
            }
            check_pci_backend(el)
        }
        (Some("scsi"), Some(source)) if subsystem && source.attr("protocol") == Some("iscsi") => {
            crate::validate::check_iscsi_hostdev_source(source)
        }
        // virDomainHostdevDefParseXMLCaps: the device's name, then a
        // network device's addresses and routes (beside its <source>).
        (Some(kind @ ("storage" | "misc" | "net")), Some(_))
            if el.attr("mode") == Some("capabilities") =>
        {
            let (child, what) = caps_source_child(kind);
            if caps_source_name(el, child).is_none() {
                return Err(XmlError::Invalid(format!(
                    "Missing <{child}> element in hostdev {what} device"
                )));
            }
            if kind != "net" {
                return Ok(());
            }
            crate::validate::check_ip_info(
                "Domain hostdev device",
                el.children_named("ip"),
                el.children_named("route"),
            )
        }
        _ => Ok(()),
    }
}

/// The `<source>` child naming a capabilities host device of `kind`
/// (storage, misc, net) and the word libvirt's error uses for the kind.
pub(crate) fn caps_source_child(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "storage" => ("block", "storage"),
        "misc" => ("char", "character"),
        _ => ("interface", "net"),
    }
}

/// The name of a capabilities host device as virDomainHostdevDefParseXMLCaps
/// reads it: `string(./source/CHILD[1])`, the first `child` of any
/// `<source>` in document order; `None` when there is none or it is empty.
pub(crate) fn caps_source_name(el: &Element, child: &str) -> Option<String> {
    el.children_named("source")
        .find_map(|s| s.child(child))
        .map(crate::validate::string_value)
        .filter(|v| !v.is_empty())
}

/// virDomainHostdevDefParseXMLSubsys: a PCI device's first `<driver>`
/// names one of its backends when it names one (the default is no name).
fn check_pci_backend(el: &Element) -> Result<(), XmlError> {
    match el.child("driver").and_then(|d| d.attr("name")) {
        Some(name) if !crate::postparse::HOSTDEV_PCI_BACKENDS.contains(&name) => {
            Err(XmlError::Invalid(format!(
                "Invalid value for attribute 'name' in element 'driver': '{name}'."
            )))
        }
        _ => Ok(()),
    }
}

/// The host device of an `<interface type='hostdev'>` as
/// virDomainNetDefParseXML reads it (virDomainHostdevDefParseXMLSubsys on
/// the interface, `attrs` being its attributes): the subsystem type is
/// its source address's type (a source naming a vendor is a USB one),
/// then the options and the source as a `<hostdev>`'s.
pub(crate) fn check_interface_hostdev(
    attrs: &[Attr],
    source: Option<&Element>,
    driver: Option<&Element>,
) -> Result<(), XmlError> {
    let Some(kind) = interface_hostdev_type(source) else {
        return Err(XmlError::Invalid("missing source address type".into()));
    };
    if !["usb", "pci", "scsi", "scsi_host", "mdev"].contains(&kind) {
        return Err(XmlError::Unsupported(format!(
            "unknown host device source address type '{kind}'"
        )));
    }
    let Some(source) = source else {
        return Err(XmlError::Invalid(
            "Missing <source> element in hostdev device".into(),
        ));
    };
    // Named as the element libvirt reads the options from, for its
    // messages.
    let mut hostdev = Element::new("interface");
    hostdev.attrs = attrs.to_vec();
    hostdev.set_attr("mode", "subsystem");
    hostdev.set_attr("type", kind);
    let mut hostdev = hostdev.with_child(source.clone());
    if let Some(d) = driver {
        hostdev = hostdev.with_child(d.clone());
    }
    check_hostdev_options(&hostdev)?;
    super::devices::source_protocol(&hostdev)?;
    super::devices::check_scsi_adapter(&hostdev)?;
    check_hostdev_source(&hostdev)
}

/// The subsystem type of an `<interface type='hostdev'>`'s host device
/// (virDomainNetDefParseXML): the type of its `./source/address`, USB
/// when it has none but names a vendor.
fn interface_hostdev_type(source: Option<&Element>) -> Option<&str> {
    source
        .and_then(|s| s.child("address"))
        .and_then(|a| a.attr("type"))
        .filter(|t| !t.is_empty())
        .or_else(|| source.and_then(|s| s.child("vendor")).map(|_| "usb"))
}

/// The `<hostdev>` an `<interface type='hostdev'>` also is: libvirt keeps
/// its host device in the domain's host devices too (virDomainNetInsert,
/// ahead of the `<hostdev>` elements, which are parsed later), so the
/// host device rules (post-parse, validation, the checks across host
/// devices) apply to it. A subsystem device of its source address's
/// type, with the interface's host device options (`managed`, `sgio`,
/// `rawio`, `model`, `display`, `ramfb`: libvirt reads them from the
/// interface), its source and, as the device information is the
/// interface's, the interface's `<address>`. `None` for another type of
/// interface or one whose source names no type (refused when read).
pub(crate) fn interface_as_hostdev(iface: &crate::Interface) -> Option<Element> {
    if iface.iface_type != "hostdev" {
        return None;
    }
    let source = iface.extra.iter().find(|e| e.name == "source");
    let kind = interface_hostdev_type(source)?;
    let mut hostdev = Element::new("hostdev")
        .with_attr("mode", "subsystem")
        .with_attr("type", kind);
    for (k, v) in &iface.attrs {
        if matches!(
            k.as_str(),
            "managed" | "sgio" | "rawio" | "model" | "display" | "ramfb"
        ) {
            hostdev.set_attr(k, v.as_str());
        }
    }
    let mut hostdev = hostdev.with_child(source?.clone());
    if let Some(address) = iface.extra.iter().find(|e| e.name == "address") {
        hostdev = hostdev.with_child(address.clone());
    }
    Some(hostdev)
}

/// What virDomainHostdevMatch compares of a host device: its mode and
/// type, then its source's identity (a PCI address; a USB bus and device
/// when both are set, else its vendor and product; a SCSI adapter's name
/// and address, or an iSCSI source's first host, port and target; a
/// vhost-scsi WWPN; a mediated device's UUID; a capabilities device's
/// block, character or network device).
#[derive(Debug, PartialEq, Eq)]
enum HostdevIdentity {
    Pci([u64; 4]),
    /// Bus, device, vendor, product.
    Usb([u64; 4]),
    ScsiAdapter(String, [u64; 3]),
    Iscsi(String, u64, String),
    ScsiHost(String, String),
    Mdev(uuid::Uuid),
    Caps(String, Option<String>),
}

impl HostdevIdentity {
    /// virDomainHostdevMatch(self, other): one USB device is another
    /// when its own bus and device (both set) are the other's, or (one
    /// of them not set) its vendor and product are.
    fn matches(&self, other: &HostdevIdentity) -> bool {
        match (self, other) {
            (HostdevIdentity::Usb([bus, device, ..]), HostdevIdentity::Usb(o))
                if *bus != 0 && *device != 0 =>
            {
                [*bus, *device] == [o[0], o[1]]
            }
            (HostdevIdentity::Usb([.., vendor, product]), HostdevIdentity::Usb(o)) => {
                [*vendor, *product] == [o[2], o[3]]
            }
            _ => self == other,
        }
    }
}

/// A host device's [`HostdevIdentity`], `None` for one libvirt matches
/// with none (it refuses such a device when reading it).
fn hostdev_identity(hostdev: &Element) -> Option<HostdevIdentity> {
    let number = |e: Option<&Element>, attr: &str, base: u32| {
        e.and_then(|e| e.attr(attr))
            .and_then(|v| crate::devinfo::c_unsigned(v, base))
            .unwrap_or(0)
    };
    let source = hostdev.child("source");
    let kind = hostdev.attr("type")?;
    if hostdev.attr("mode").is_some_and(|m| m == "capabilities") {
        let child = match kind {
            "storage" => "block",
            "misc" => "char",
            "net" => "interface",
            _ => return None,
        };
        let text = source
            .and_then(|s| s.child(child))
            .map(|c| c.text().to_string());
        return Some(HostdevIdentity::Caps(kind.to_string(), text));
    }
    let address = source.and_then(|s| s.child("address"));
    Some(match kind {
        "pci" => HostdevIdentity::Pci(
            ["domain", "bus", "slot", "function"].map(|f| number(address, f, 0)),
        ),
        "usb" => {
            let id = |child: &str| number(source.and_then(|s| s.child(child)), "id", 0);
            HostdevIdentity::Usb([
                number(address, "bus", 0),
                number(address, "device", 0),
                id("vendor"),
                id("product"),
            ])
        }
        "scsi" if source?.attr("protocol") == Some("iscsi") => {
            let host = source?.child("host");
            HostdevIdentity::Iscsi(
                host.and_then(|h| h.attr("name")).unwrap_or_default().into(),
                number(host, "port", 10),
                source?.attr("name").unwrap_or_default().into(),
            )
        }
        "scsi" => HostdevIdentity::ScsiAdapter(
            source?.child("adapter")?.attr("name")?.into(),
            ["bus", "target", "unit"].map(|f| number(address, f, 0)),
        ),
        "scsi_host" => HostdevIdentity::ScsiHost(
            source?.attr("protocol").unwrap_or_default().into(),
            source?.attr("wwpn").unwrap_or_default().into(),
        ),
        "mdev" => HostdevIdentity::Mdev(mdev_uuid(hostdev).ok()?),
        _ => return None,
    })
}

/// virDomainDefDuplicateDriveAddressesValidate's host device half: two
/// SCSI host devices at one drive address are refused (libvirt's message
/// gives the bus as the controller and the controller as the bus).
pub(crate) fn check_hostdev_drive_addresses(
    hostdevs: &[std::borrow::Cow<'_, Element>],
) -> Result<(), XmlError> {
    let drive = |h: &Element| {
        let scsi =
            h.attr("mode").is_none_or(|m| m == "subsystem") && h.attr("type") == Some("scsi");
        let a = h
            .child("address")
            .filter(|a| a.attr("type") == Some("drive"))?;
        scsi.then(|| {
            ["controller", "bus", "target", "unit"].map(|f| {
                a.attr(f)
                    .and_then(|v| crate::devinfo::c_unsigned(v, 10))
                    .unwrap_or(0)
            })
        })
    };
    let addresses: Vec<Option<[u64; 4]>> = hostdevs.iter().map(|h| drive(h)).collect();
    for (i, a) in addresses.iter().enumerate() {
        let Some(a @ [controller, bus, target, unit]) = a else {
            continue;
        };
        if addresses[i + 1..].iter().any(|b| b.as_ref() == Some(a)) {
            return Err(XmlError::Unsupported(format!(
                "SCSI host address controller='{bus}' bus='{controller}' target='{target}' unit='{unit}' in use by another SCSI host device"
            )));
        }
    }
    Ok(())
}

/// virDomainDefHostdevValidate over a domain's host devices in libvirt's
/// order (its host device interfaces' first, [`interface_as_hostdev`]):
/// no two the same device (virDomainHostdevMatch), and `ramfb` on for
/// one mediated device at most.
pub(crate) fn check_hostdevs(hostdevs: &[std::borrow::Cow<'_, Element>]) -> Result<(), XmlError> {
    let ids: Vec<Option<HostdevIdentity>> = hostdevs.iter().map(|h| hostdev_identity(h)).collect();
    let mut ramfb = false;
    for (i, dev) in hostdevs.iter().enumerate() {
        if let Some(id) = &ids[i] {
            if ids[i + 1..].iter().flatten().any(|other| id.matches(other)) {
                return Err(XmlError::Invalid(
                    "Hostdev already exists in the domain configuration".into(),
                ));
            }
        }
        let subsystem = dev.attr("mode").is_none_or(|m| m == "subsystem");
        let ramfb_on =
            subsystem && dev.attr("type") == Some("mdev") && dev.attr("ramfb") == Some("on");
        if ramfb_on && std::mem::replace(&mut ramfb, true) {
            return Err(XmlError::Unsupported(
                "Only one vgpu device can have 'ramfb' enabled".into(),
            ));
        }
    }
    Ok(())
}

/// A mediated device's UUID as libvirt reads it
/// (virDomainHostdevSubsysMediatedDevDefParseXML): the `uuid` of the
/// first `./source/address`, both required, parsed as virUUIDParse does.
pub(crate) fn mdev_uuid(hostdev: &Element) -> Result<uuid::Uuid, XmlError> {
    let Some(address) = hostdev
        .children_named("source")
        .find_map(|s| s.child("address"))
    else {
        return Err(XmlError::Unsupported("Missing <address> element".into()));
    };
    let Some(uuid) = address.attr("uuid") else {
        return Err(XmlError::Unsupported(
            "Missing 'uuid' attribute for element <address>".into(),
        ));
    };
    crate::parse_uuid(uuid).ok_or_else(|| {
        XmlError::Internal("Cannot parse uuid attribute of element <address>".into())
    })
}

/// virDomainHostdevSubsysUSBDefParseXML: the source's switches, then a
/// vendor and a product id together (numbers in C's bases, the vendor's
/// not zero), then the bus and device of its address.
fn check_usb_source(source: &Element) -> Result<(), XmlError> {
    let enumerated = |attr: &str, values: &[&str]| match source.attr(attr) {
        Some(v) if !values.contains(&v) => Err(XmlError::Invalid(format!(
            "Invalid value for attribute '{attr}' in element 'source': '{v}'."
        ))),
        _ => Ok(()),
    };
    enumerated("startupPolicy", &["mandatory", "requisite", "optional"])?;
    enumerated("autoAddress", &["yes", "no"])?;
    // ("default", the enumeration's zero, is refused too.)
    enumerated("guestReset", &["off", "uninitialized", "on"])?;
    let (vendor, product) = (source.child("vendor"), source.child("product"));
    if let Some(v) = vendor {
        prop_uint(v, "id", 0, true, true)?;
        if product.is_none() {
            return Err(XmlError::Internal("missing product".into()));
        }
    }
    if let Some(p) = product {
        prop_uint(p, "id", 0, true, false)?;
        if vendor.is_none() {
            return Err(XmlError::Internal("missing vendor".into()));
        }
    }
    if let Some(address) = source.child("address") {
        prop_uint(address, "bus", 0, true, false)?;
        prop_uint(address, "device", 0, true, false)?;
    }
    Ok(())
}

/// libvirt's validation of a host device (`virDomainHostdevDefValidate`):
/// a subsystem device's address of the type its kind takes (a PCI device
/// a PCI or unassigned one, a SCSI device a drive, a vhost-scsi device a
/// PCI or CCW one, a USB device a USB one), a SCSI device's
/// `sgio='unfiltered'` no longer supported; a teaming member transient,
/// naming its persistent partner, and a PCI subsystem device.
pub(crate) fn validate_hostdev(el: &Element) -> Result<(), XmlError> {
    let subsystem = el.attr("mode").is_none_or(|m| m == "subsystem");
    let kind = el.attr("type").unwrap_or_default();
    let address = el.child("address").and_then(|a| a.attr("type"));
    let address_in = |types: &[&str]| address.is_none_or(|t| types.contains(&t));
    let unsupported = |why: &str| Err(XmlError::Unsupported(why.into()));
    if subsystem {
        match kind {
            "pci" if !address_in(&["unassigned", "pci"]) => {
                return Err(XmlError::Internal(
                    "PCI host devices must use 'pci' or 'unassigned' address type".into(),
                ))
            }
            "scsi" if !address_in(&["drive"]) => {
                return unsupported("SCSI host device must use 'drive' address type")
            }
            "scsi" if el.attr("sgio") == Some("unfiltered") => {
                return unsupported("unfiltered sgio is no longer supported")
            }
            "scsi_host" if !address_in(&["pci", "ccw"]) => {
                return unsupported("SCSI_host host device must use 'pci' or 'ccw' address type")
            }
            "usb" if !address_in(&["usb"]) => {
                return unsupported("USB host device must use 'usb' address type")
            }
            _ => {}
        }
    }
    // virDomainNetTeamingInfoParseXML: `string(./teaming/@...)`.
    let teaming = |attr: &str| {
        el.child("teaming")
            .and_then(|t| t.attr(attr))
            .filter(|v| !v.is_empty())
    };
    if teaming("type").is_some() || teaming("persistent").is_some() {
        if teaming("type") != Some("transient") {
            return unsupported("teaming hostdev devices must have type='transient'");
        }
        if teaming("persistent").is_none() {
            return unsupported("missing required persistent attribute in hostdev teaming element");
        }
        if !(subsystem && kind == "pci") {
            return unsupported("teaming is only supported for pci hostdev devices");
        }
    }
    Ok(())
}

/// What libvirt keeps of a host device's options at define: `sgio` and
/// `rawio` on a SCSI subsystem device, `display` on a mediated one, an
/// adapter's name ([`keep_adapter_name`]); it does not read the rest.
pub(crate) fn drop_unread_options(hostdev: &mut Element) {
    let subsystem = hostdev.attr("mode").is_none_or(|m| m == "subsystem");
    let kind = hostdev.attr("type").unwrap_or_default().to_string();
    hostdev.attrs.retain(|(k, _)| match k.as_str() {
        "sgio" | "rawio" => subsystem && kind == "scsi",
        "display" => subsystem && kind == "mdev",
        _ => true,
    });
    keep_adapter_name(hostdev);
}

checked_text! {
    /// A vhost-scsi target's WWPN: `naa.` and a [`Wwn`].
    NaaWwpn,
    valid |v| v.strip_prefix("naa.").is_some_and(Wwn::is_valid),
    refuse |_, _, _| XmlError::Invalid("malformed 'wwpn' value".into())
}

flat_view! {
    /// A vhost-scsi host device's `<source protocol='vhost' wwpn='naa.…'>`:
    /// the WWPN of the host's vhost-scsi target (vhost is the only protocol
    /// libvirt knows).
    VhostScsiSource = "source" {
        protocol: String = "protocol" ["vhost"] unknown "Unknown scsi_host subsystem protocol"
            required "Missing scsi_host subsystem protocol",
        wwpn: NaaWwpn = "wwpn" required "missing vhost-scsi hostdev source wwpn",
    }
}

/// A SCSI host adapter's parent (`<parentaddr unique_id=…><address …/>`):
/// the PCI address of the HBA and the unique id of its SCSI host.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParentAddr {
    /// `unique_id=` (the storage pool requires it, [`StorageAdapter::validate`]).
    pub unique_id: Option<u32>,
    /// `<address>`: the parent's PCI address.
    pub address: super::Address,
}

impl View for ParentAddr {
    const TAG: &'static str = "parentaddr";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let Some(address) = el.child("address") else {
            return Err(XmlError::Invalid(
                "Missing scsi_host PCI address element".into(),
            ));
        };
        let unique_id = match el.attr("unique_id") {
            None => None,
            Some(v) => Some(
                v.trim()
                    .parse::<i32>()
                    .ok()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(bad_unique_id)?,
            ),
        };
        Ok(ParentAddr {
            unique_id,
            address: super::Address::from_element(address)?,
        })
    }
    fn write_to(&self, el: &mut Element) {
        u32::write(el, "unique_id", self.unique_id.as_ref());
        super::set_child_view(el, Some(&self.address));
    }
}

fn bad_unique_id() -> XmlError {
    XmlError::Invalid("Missing or invalid scsi adapter 'unique_id' value".into())
}

/// The schema's SCSI host adapter (`<adapter>`), read as libvirt's storage
/// pool reads it: `type=` scsi_host (by `name=` or by [`ParentAddr`]) or
/// fc_host (by `wwnn=` and `wwpn=`, with an optional parent named, given
/// by its WWNs or fabric, and `managed=`), each value with its datatype.
/// [`StorageAdapter::validate`] adds the storage pool's rules across the
/// attributes (without a type only a name is allowed, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StorageAdapter {
    /// `type=`: scsi_host or fc_host.
    pub adapter_type: Option<String>,
    /// `name=` (scsi_host): `scsi_hostN`.
    pub name: Option<String>,
    /// `<parentaddr>` (scsi_host).
    pub parent_addr: Option<ParentAddr>,
    /// `parent=` (fc_host): the parent HBA's name.
    pub parent: Option<String>,
    /// `managed=` yes or no (fc_host).
    pub managed: Option<String>,
    /// `parent_wwnn=` (fc_host).
    pub parent_wwnn: Option<Wwn>,
    /// `parent_wwpn=` (fc_host).
    pub parent_wwpn: Option<Wwn>,
    /// `parent_fabric_wwn=` (fc_host).
    pub parent_fabric_wwn: Option<Wwn>,
    /// `wwnn=` (fc_host).
    pub wwnn: Option<Wwn>,
    /// `wwpn=` (fc_host).
    pub wwpn: Option<Wwn>,
}

impl View for StorageAdapter {
    const TAG: &'static str = "adapter";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let adapter_type = match el.attr("type") {
            None => None,
            Some(t @ ("scsi_host" | "fc_host")) => Some(t.to_string()),
            Some(t) => {
                return Err(XmlError::Invalid(format!(
                    "Invalid value for attribute 'type' in element 'adapter': '{t}'."
                )))
            }
        };
        let wwn = |name: &str| Wwn::read(el, name, &[]);
        Ok(StorageAdapter {
            name: el.attr("name").map(str::to_string),
            parent_addr: super::child_view_at(el, ParentAddr::TAG)?,
            managed: String::read(el, "managed", &["yes", "no"])?,
            parent: el.attr("parent").map(str::to_string),
            parent_wwnn: wwn("parent_wwnn")?,
            parent_wwpn: wwn("parent_wwpn")?,
            parent_fabric_wwn: wwn("parent_fabric_wwn")?,
            wwnn: wwn("wwnn")?,
            wwpn: wwn("wwpn")?,
            adapter_type,
        })
    }
    fn write_to(&self, el: &mut Element) {
        String::write(el, "type", self.adapter_type.as_ref());
        String::write(el, "name", self.name.as_ref());
        String::write(el, "parent", self.parent.as_ref());
        String::write(el, "managed", self.managed.as_ref());
        Wwn::write(el, "parent_wwnn", self.parent_wwnn.as_ref());
        Wwn::write(el, "parent_wwpn", self.parent_wwpn.as_ref());
        Wwn::write(el, "parent_fabric_wwn", self.parent_fabric_wwn.as_ref());
        Wwn::write(el, "wwnn", self.wwnn.as_ref());
        Wwn::write(el, "wwpn", self.wwpn.as_ref());
        super::set_child_view(el, self.parent_addr.as_ref());
    }
}

impl StorageAdapter {
    /// The storage pool's rules across the adapter's parts
    /// (`virStorageAdapterValidate`), in libvirt's words.
    pub fn validate(&self) -> Result<(), XmlError> {
        let invalid = |m: String| Err(XmlError::Invalid(m));
        if self.adapter_type.is_none() {
            // The form from before the type existed: a name alone.
            if self.wwnn.is_some() || self.wwpn.is_some() || self.parent.is_some() {
                return invalid(
                    "Use of 'wwnn', 'wwpn', and 'parent' attributes requires use of the \
                     adapter 'type'"
                        .into(),
                );
            }
            if self.parent_addr.is_some() {
                return invalid(
                    "Use of 'parentaddr' element requires use of the adapter 'type'".into(),
                );
            }
        }
        // Without a type, a name makes a scsi_host adapter (the form from
        // before the type existed).
        let kind = (self.adapter_type.as_deref()).or(self.name.as_ref().map(|_| "scsi_host"));
        match kind {
            None => invalid("missing storage pool source adapter".into()),
            Some("fc_host") => match (&self.wwnn, &self.wwpn) {
                (Some(_), Some(_)) => match (&self.parent_wwnn, &self.parent_wwpn) {
                    (Some(n), None) => invalid(format!(
                        "when providing parent_wwnn='{}', the parent_wwpn must also be provided",
                        n.0
                    )),
                    (None, Some(p)) => invalid(format!(
                        "when providing parent_wwpn='{}', the parent_wwnn must also be provided",
                        p.0
                    )),
                    _ => Ok(()),
                },
                _ => {
                    invalid("'wwnn' and 'wwpn' must be specified for adapter type 'fchost'".into())
                }
            },
            _ if self
                .parent_addr
                .as_ref()
                .is_some_and(|p| p.unique_id.is_none()) =>
            {
                Err(bad_unique_id())
            }
            _ => match (&self.name, &self.parent_addr) {
                (None, None) => invalid(
                    "Either 'name' or 'parent' must be specified for the 'scsi_host' adapter"
                        .into(),
                ),
                (Some(_), Some(_)) => invalid(
                    "Both 'name' and 'parent' cannot be specified for the 'scsi_host' adapter"
                        .into(),
                ),
                _ => Ok(()),
            },
        }
    }
}

/// A host device's adapter as libvirt keeps it at define: its name, and
/// nothing else of the storage pool's form (libvirt reads `name=` only
/// and writes only that back).
fn keep_adapter_name(hostdev: &mut Element) {
    if hostdev.attr("type") != Some("scsi") {
        return;
    }
    let Some(adapter) = child_mut(hostdev, "source").and_then(|s| child_mut(s, "adapter")) else {
        return;
    };
    adapter.attrs.retain(|(k, _)| k == "name");
    adapter.children.clear();
}

#[cfg(test)]
mod tests {
    use crate::testing::devices_verdict as verdict;

    // Texts observed from libvirt 9.0 through virsh.
    #[test]
    fn mode_type_and_source_first_then_options_then_model() {
        for (hostdev, want) in [
            ("<hostdev mode='subsystem' type='bogus' model='vfio-pci'><source/></hostdev>",
             "unsupported configuration: unknown host device source address type 'bogus'"),
            ("<hostdev mode='capabilities' type='bogus'><source/></hostdev>",
             "unsupported configuration: unknown host device source address type 'bogus'"),
            ("<hostdev mode='subsystem' type=''><source/></hostdev>",
             "unsupported configuration: unknown host device source address type ''"),
            ("<hostdev mode='subsystem' type='bogus'/>",
             "unsupported configuration: unknown host device source address type 'bogus'"),
            ("<hostdev mode='subsystem' type='usb'/>",
             "XML error: Missing <source> element in hostdev device"),
            ("<hostdev type='x' mode='junk'/>", "unsupported configuration: unknown hostdev mode 'junk'"),
            ("<hostdev/>", "XML error: missing source address type"),
            ("<hostdev mode='subsystem' type='mdev' display='x'><source/></hostdev>",
             "XML error: Missing required attribute 'model' in element 'hostdev'"),
            ("<hostdev mode='subsystem' type='mdev' model='x' display='x'><source/></hostdev>",
             "XML error: Invalid value for attribute 'model' in element 'hostdev': 'x'."),
            ("<hostdev mode='subsystem' type='scsi_host' model='x' display='x'><source protocol='vhost' wwpn='naa.5000c5001234567a'/></hostdev>",
             "XML error: Invalid value for attribute 'model' in element 'hostdev': 'x'."),
            ("<hostdev mode='subsystem' type='pci' model='x' sgio='filtered'><source/></hostdev>",
             "XML error: sgio is only supported for scsi host device"),
            // A capabilities device's name: the first of any source's.
            ("<hostdev mode='capabilities' type='storage'><source/></hostdev>",
             "XML error: Missing <block> element in hostdev storage device"),
            ("<hostdev mode='capabilities' type='misc'><source><char></char></source></hostdev>",
             "XML error: Missing <char> element in hostdev character device"),
            ("<hostdev mode='capabilities' type='net'><source/><source><interface>b</interface></source></hostdev>", "OK"),
        ] {
            assert_eq!(verdict(hostdev), want, "{hostdev}");
        }
    }

    #[test]
    fn a_pci_backend_among_libvirts() {
        let pci = |driver: &str| {
            verdict(&format!(
                "<hostdev mode='subsystem' type='pci'><source><address bus='1'/></source>{driver}</hostdev>"
            ))
        };
        assert_eq!(
            pci("<driver name=''/>"),
            "XML error: Invalid value for attribute 'name' in element 'driver': ''."
        );
        assert_eq!(pci("<driver name='vfio'/><driver name='qemu'/>"), "OK");
        assert_eq!(pci("<driver/>"), "OK");
        // `writeFiltering` (a tristate) before the address.
        let filtering = |value: &str, address: &str| {
            verdict(&format!(
                "<hostdev mode='subsystem' type='pci'><source writeFiltering='{value}'>\
                 <address {address}/></source></hostdev>"
            ))
        };
        assert_eq!(filtering("yes", "bus='1'"), "OK");
        assert_eq!(
            filtering("x", "bus='x'"),
            "XML error: Invalid value for attribute 'writeFiltering' in element 'source': 'x'."
        );
        assert_eq!(
            filtering("", "bus='1'"),
            "XML error: Invalid value for attribute 'writeFiltering' in element 'source': ''."
        );
    }

    #[test]
    fn network_and_iscsi_sources_read_as_libvirt_reads_them() {
        let net =
            "<hostdev mode='capabilities' type='net'><source><interface>eth0</interface></source>";
        assert_eq!(
            verdict(&format!(
                "{net}<ip address='1.2.3.4' prefix='33'/></hostdev>"
            )),
            "XML error: Invalid prefix value '33' in <ip>"
        );
        assert_eq!(
            verdict(&format!("{net}<route address='::' gateway='::1'/></hostdev>")),
            "XML error: Domain hostdev device: No family specified for non-IPv4 address '::' in route definition"
        );
        assert_eq!(
            verdict(&format!(
                "{net}<ip address='1.2.3.4' prefix='24'/>\
                 <route address='1.2.3.0' prefix='24' gateway='1.2.3.1'/></hostdev>"
            )),
            "OK"
        );
        assert_eq!(
            verdict(
                "<hostdev mode='subsystem' type='scsi'><source protocol='iscsi' name='t'>\
                 <host name='h' port='-1'/></source></hostdev>"
            ),
            "invalid argument: failed to parse port number '-1'"
        );
    }

    // As virsh 9.0 reads and writes them (seed 26's gen4890).
    #[test]
    fn a_scsi_host_model_among_the_vhost_models() {
        let scsi_host = |model: &str| {
            format!(
                "<hostdev mode='subsystem' type='scsi_host' model='{model}'>\
                 <source protocol='vhost' wwpn='naa.5123456789abcde0'/></hostdev>"
            )
        };
        assert_eq!(verdict(&scsi_host("virtio-transitional")), "OK");
        assert_eq!(
            verdict(&scsi_host("bogus")),
            "XML error: Invalid value for attribute 'model' in element 'hostdev': 'bogus'."
        );
    }

    // Texts observed from libvirt 9.0 through virsh.
    #[test]
    fn a_startup_policy_only_for_usb_devices() {
        let pci = "<address domain='0' bus='0' slot='1' function='0'/>";
        let refused =
            "unsupported configuration: Setting startupPolicy is only allowed for USB devices";
        // Whatever its value, on any source, before the SCSI options.
        assert_eq!(
            verdict(&format!(
                "<hostdev mode='subsystem' type='pci' sgio='x'><source startupPolicy=''>{pci}</source></hostdev>"
            )),
            refused
        );
        assert_eq!(
            verdict(&format!(
                "<hostdev mode='subsystem' type='pci'><source/><source startupPolicy='optional'>{pci}</source></hostdev>"
            )),
            refused
        );
        assert_eq!(
            verdict("<interface type='hostdev'><source startupPolicy='optional'><address type='pci' domain='0' bus='0' slot='1' function='0'/></source></interface>"),
            refused
        );
        // A capabilities device does not read it.
        assert_eq!(
            verdict("<hostdev mode='capabilities' type='storage'><source startupPolicy='optional'><block>/dev/sda</block></source></hostdev>"),
            "OK"
        );
        assert_eq!(
            verdict("<hostdev mode='subsystem' type='usb'><source startupPolicy='optional'><vendor id='1'/><product id='2'/></source></hostdev>"),
            "OK"
        );
    }

    // Texts observed from libvirt 9.0 through virsh.
    #[test]
    fn usb_sources_read_as_libvirt_reads_them() {
        let usb = |source: &str| {
            verdict(&format!(
                "<hostdev mode='subsystem' type='usb'>{source}</hostdev>"
            ))
        };
        let cases = [
            ("<source guestReset='default'/>", "XML error: Invalid value for attribute 'guestReset' in element 'source': 'default'."),
            ("<source autoAddress='x'/>", "XML error: Invalid value for attribute 'autoAddress' in element 'source': 'x'."),
            ("<source><vendor id='0x10'/></source>", "internal error: missing product"),
            ("<source><product id='0x10'/></source>", "internal error: missing vendor"),
            ("<source><vendor id='0'/><product id='1'/></source>", "XML error: Invalid value for attribute 'id' in element 'vendor': Zero is not permitted"),
            ("<source><vendor id='1'/><product id='0'/></source>", "OK"),
            ("<source><address bus='0x1' device='010'/></source>", "OK"),
            ("<source><address bus='1'/></source>", "XML error: Missing required attribute 'device' in element 'address'"),
            ("<source guestReset='uninitialized'><address bus='f2' device='1'/></source>", "XML error: Invalid value for attribute 'bus' in element 'address': 'f2'. Expected non-negative integer value"),
            ("<source></source>", "OK"),
        ];
        let mut bad = Vec::new();
        for (source, want) in cases {
            let got = usb(source);
            if got != want {
                bad.push(format!("{source}\n got {got}\nwant {want}"));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}
