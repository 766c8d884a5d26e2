//! A `<hostdev>` as libvirt writes what it read (virDomainHostdevDefParseXML,
//! virDomainHostdevDefFormat), and the host device parts an
//! `<interface type='hostdev'>` shares with it.

use super::device_parts::{remove_named, INFO};
use crate::devinfo::c_unsigned;
use crate::{Element, Node};

/// `<hostdev>` (virDomainHostdevDefParseXML, virDomainHostdevDefFormat):
/// its mode (subsystem when not given), type and, in subsystem mode, the
/// managed flag always written, the type's own attributes after them in
/// libvirt's order; `<readonly/>` and `<shareable/>` read for SCSI
/// subsystem devices only, once each, written after the rest.
pub(super) fn hostdev(dev: &mut Element) {
    let mode = dev.attr("mode").unwrap_or("subsystem");
    let Some(kind) = dev.attr("type") else {
        return;
    };
    let mut attrs = vec![
        ("mode".into(), mode.to_string()),
        ("type".into(), kind.to_string()),
    ];
    match mode {
        "subsystem" => {
            let managed = if dev.attr("managed") == Some("yes") {
                "yes"
            } else {
                "no"
            };
            attrs.push(("managed".into(), managed.into()));
            let own: &[&str] = match kind {
                "scsi" => &["sgio", "rawio"],
                "scsi_host" => &["model"],
                "mdev" => &["model", "display", "ramfb"],
                _ => &[],
            };
            for name in own {
                // A SCSI host's model 'default' is libvirt's none, not
                // written (virDomainHostdevDefFormat).
                if let Some(v) = dev
                    .attr(name)
                    .filter(|v| !(kind == "scsi_host" && *name == "model" && *v == "default"))
                {
                    attrs.push(((*name).into(), v.to_string()));
                }
            }
        }
        "capabilities" => {}
        // Refused when read.
        _ => return,
    }
    let scsi = mode == "subsystem" && kind == "scsi";
    let mdev = mode == "subsystem" && kind == "mdev";
    let usb = mode == "subsystem" && kind == "usb";
    let pci = mode == "subsystem" && kind == "pci";
    let net = mode == "capabilities" && kind == "net";
    let caps = (mode == "capabilities").then(|| kind.to_string());
    let flags: Vec<&str> = ["readonly", "shareable"]
        .into_iter()
        .filter(|f| scsi && dev.child(f).is_some())
        .collect();
    let flags: Vec<Element> = flags.into_iter().map(Element::new).collect();
    dev.attrs = attrs;
    remove_named(dev, &["readonly", "shareable"]);
    // A SCSI device's protocol 'adapter' is libvirt's none: only iSCSI
    // is written (virDomainHostdevDefFormatSubsysSCSI). An iSCSI source's
    // name is given a LUN (virDomainHostdevDefPostParse).
    if scsi {
        for n in dev.children.iter_mut() {
            if let Node::Element(s) = n {
                if s.name == "source" && s.attr("protocol") == Some("adapter") {
                    s.remove_attr("protocol");
                }
                if s.name == "source" && s.attr("protocol") == Some("iscsi") {
                    iscsi_lun(s);
                    iscsi_children(s);
                }
            }
        }
    }
    if scsi {
        scsi_adapter_source(dev);
    }
    if let Some(kind) = caps {
        caps_source(dev, &kind);
    }
    // The first <source> only is read (virXPathNode("./source")).
    let mut first = true;
    dev.children.retain(|n| match n {
        Node::Element(c) if c.name == "source" => std::mem::take(&mut first),
        _ => true,
    });
    if mdev {
        mdev_source(dev);
    }
    if usb {
        usb_source(dev);
    }
    if pci {
        pci_source_address(dev);
    }
    backend_driver(dev, pci);
    // virDomainHostdevDefFormatCaps: a network device's addresses and
    // routes right after its source.
    if net {
        super::interface::ip_info(&mut dev.children, Some("source"));
    }
    // virDomainHostdevDefFormat: the teaming (the first, as read) after
    // the source, right before the flags and the device information.
    let teaming = dev.child("teaming").cloned();
    remove_named(dev, &["teaming"]);
    let at = dev
        .children
        .iter()
        .position(|n| matches!(n, Node::Element(c) if INFO.contains(&c.name.as_str())))
        .unwrap_or(dev.children.len());
    dev.children
        .splice(at..at, teaming.into_iter().chain(flags).map(Node::Element));
}

/// A capabilities host device's `<source>` as virDomainHostdevDefFormatCaps
/// writes what virDomainHostdevDefParseXMLCaps read: its name alone (the
/// first `<block>`, `<char>` or `<interface>` of any source), in the
/// first source's place.
fn caps_source(dev: &mut Element, kind: &str) {
    let (child, _) = crate::views::caps_source_child(kind);
    let Some(name) = crate::views::caps_source_name(dev, child) else {
        // Refused when read.
        return;
    };
    let source = Element::new("source").with_child(Element::new(child).with_text(name));
    replace_source(dev, Some(source));
}

/// A SCSI host device's adapter `<source>` as
/// virDomainHostdevDefFormatSubsysSCSI writes what
/// virDomainHostdevSubsysSCSIHostDefParseXML read: the adapter's name,
/// then the first address's bus, target and unit in decimal (read in C's
/// bases: `bus='010'` is bus 8), nothing else; an iSCSI source is left
/// to [`iscsi_children`].
fn scsi_adapter_source(dev: &mut Element) {
    let Some(source) = dev.child("source") else {
        return;
    };
    if source.attr("protocol") == Some("iscsi") {
        return;
    }
    let name = source.child("adapter").and_then(|a| a.attr("name"));
    let Some((address, name)) = source.child("address").zip(name) else {
        // Refused when read.
        return;
    };
    let number = |attr: &str| address.attr(attr).and_then(|v| c_unsigned(v, 0));
    let (Some(bus), Some(target), Some(unit)) = (number("bus"), number("target"), number("unit"))
    else {
        return;
    };
    if u32::try_from(bus).is_err() || u32::try_from(target).is_err() {
        return;
    }
    let written = Element::new("source")
        .with_child(Element::new("adapter").with_attr("name", name))
        .with_child(
            Element::new("address")
                .with_attr("bus", bus.to_string())
                .with_attr("target", target.to_string())
                .with_attr("unit", unit.to_string()),
        );
    replace_source(dev, Some(written));
}

/// Puts `written` in the place of a host device's first `<source>` (no
/// source left when `None`), and drops the others.
fn replace_source(dev: &mut Element, written: Option<Element>) {
    let mut written = Some(written);
    dev.children.retain_mut(|n| match n {
        Node::Element(c) if c.name == "source" => match written.take() {
            Some(Some(w)) => {
                *c = w;
                true
            }
            _ => false,
        },
        _ => true,
    });
}

/// virDomainPostParseCheckISCSIPath: an iSCSI source's name (the
/// target's IQN) without a `/` is given LUN 0 (`IQN/0`), for a disk's
/// network source and a SCSI host device's alike.
pub(super) fn iscsi_lun(source: &mut Element) {
    if let Some(name) = source.attr("name").filter(|n| !n.contains('/')) {
        let name = format!("{name}/0");
        source.set_attr("name", name);
    }
}

/// An iSCSI host device's source children as
/// virDomainHostdevSubsysSCSIiSCSIDefParseXML reads them and
/// virDomainHostdevDefFormatSubsysSCSI writes them: its one host (name,
/// and port when not 0), the first `<auth>` (virStorageAuthDefFormat), the
/// initiator's IQN when named (`string(./initiator/iqn/@name)`). A source
/// libvirt refuses is left as written (refused at define).
fn iscsi_children(source: &mut Element) {
    let hosts = source.children_named("host").count();
    let Some(host) = source.child("host").filter(|_| hosts == 1) else {
        return;
    };
    let mut out = Element::new("host");
    if let Some(n) = host.attr("name") {
        out = out.with_attr("name", n);
    }
    let port = host
        .attr("port")
        .and_then(|p| crate::devinfo::c_unsigned(p, 10))
        .unwrap_or(0);
    if port != 0 {
        out = out.with_attr("port", port.to_string());
    }
    let mut kids = vec![out];
    if let Some(auth) = source.child("auth") {
        kids.push(super::storage_source::auth_written(auth));
    }
    let iqn = source
        .children_named("initiator")
        .flat_map(|i| i.children_named("iqn"))
        .next()
        .and_then(|i| i.attr("name"))
        .filter(|n| !n.is_empty());
    if let Some(iqn) = iqn {
        let iqn = Element::new("iqn").with_attr("name", iqn);
        kids.push(Element::new("initiator").with_child(iqn));
    }
    source.children = kids.into_iter().map(Node::Element).collect();
}

/// A host device's `<driver>` as libvirt writes what it read: only a PCI
/// subsystem device's first one is read (virDomainHostdevDefParseXMLSubsys,
/// its backend `name`), and written right before the source
/// (virDomainHostdevDefFormatSubsysPCI) when it names one; the others
/// go.
fn backend_driver(dev: &mut Element, pci: bool) {
    let Some(first) = dev.child("driver") else {
        return;
    };
    let backend = first
        .attr("name")
        .filter(|n| pci && HOSTDEV_PCI_BACKENDS.contains(n))
        .map(|n| Element::new("driver").with_attr("name", n));
    let at = |dev: &Element, name: &str| {
        dev.children
            .iter()
            .position(|n| matches!(n, Node::Element(c) if c.name == name))
    };
    // Already alone, as written, right before the source: kept as is.
    if backend.as_ref().is_some_and(|b| b == first)
        && dev.children_named("driver").count() == 1
        && at(dev, "driver").map(|d| d + 1) == at(dev, "source")
    {
        return;
    }
    remove_named(dev, &["driver"]);
    if let Some(backend) = backend {
        let source = at(dev, "source").unwrap_or(0);
        dev.children.insert(source, Node::Element(backend));
    }
}

/// A PCI host device's backends as a `<driver name=>`
/// (virDomainHostdevSubsysPCIBackend, its default not among them).
pub(crate) const HOSTDEV_PCI_BACKENDS: [&str; 3] = ["kvm", "vfio", "xen"];

/// A PCI host device's source address as libvirt writes what it read
/// (virDomainHostdevSubsysPCIDefParseXML reads the first `<source>`'s
/// first `<address>`): see [`pci_source_written`].
fn pci_source_address(dev: &mut Element) {
    if let Some(Node::Element(source)) = dev
        .children
        .iter_mut()
        .find(|n| matches!(n, Node::Element(c) if c.name == "source"))
    {
        pci_source_written(source, false);
    }
}

/// A PCI host device's `<source>` (a `<hostdev>`'s, or an `<interface
/// type='hostdev'>`'s, which names the address's type: `with_type`) as
/// virDomainHostdevDefFormatSubsysPCI writes it with
/// virPCIDeviceAddressFormat: its first address with all four numbers,
/// in hex, no `<zpci>`, so a partial address gains the numbers it left
/// at 0, and a second one goes; a source without one is written with
/// address 0000:00:00.0 (the numbers libvirt's definition starts with);
/// its `writeFiltering` alone of its attributes.
pub(super) fn pci_source_written(source: &mut Element, with_type: bool) {
    // virDomainHostdevSubsysPCIDefParseXML reads `writeFiltering` of the
    // source's attributes (`missing` is set by the driver, never read) and
    // its `<address>` of its children (`<origstates>` from status XML
    // only).
    source
        .attrs
        .retain(|(k, v)| k == "writeFiltering" && matches!(v.as_str(), "yes" | "no"));
    source
        .children
        .retain(|n| matches!(n, Node::Element(c) if c.name == "address"));
    if source.child("address").is_none() {
        source
            .children
            .insert(0, Node::Element(Element::new("address")));
    }
    let mut first = true;
    source.children.retain_mut(|n| match n {
        Node::Element(c) if c.name == "address" => {
            if !std::mem::take(&mut first) {
                return false;
            }
            let written = super::storage_source::pci_address(c);
            *c = if with_type {
                let mut typed = Element::new("address").with_attr("type", "pci");
                typed.attrs.extend(written.attrs);
                typed
            } else {
                written
            };
            true
        }
        _ => true,
    });
}

/// The `<source>` of a host device interface of a USB, SCSI, vhost-scsi
/// or mediated device (`kind`; `hostdev` its host device,
/// [`crate::views::interface_as_hostdev`]) as
/// virDomainHostdevDefFormatSubsys writes it for an interface: as a
/// `<hostdev>`'s ([`hostdev`]), its address naming its type for a USB
/// device and a SCSI adapter's; an iSCSI source without an address, a
/// vhost-scsi one with its protocol and WWPN.
///
/// Where libvirt writes a source it cannot read back (no address type
/// to tell the device's type by: a vhost-scsi source without its
/// address, a mediated device's address without its type, no source for
/// a USB device of bus and device 0 without ids), we keep the type: a
/// vhost-scsi source's `<address type='scsi_host'/>`, a mediated
/// device's `type='mdev'`, a USB address of bus and device 0.
pub(super) fn interface_source_written(mut hostdev: Element, kind: &str) -> Element {
    hostdev
        .children
        .retain(|n| !matches!(n, Node::Element(c) if c.name == "address"));
    self::hostdev(&mut hostdev);
    let mut source = hostdev
        .child("source")
        .cloned()
        .unwrap_or_else(|| Element::new("source"));
    let iscsi = source.attr("protocol") == Some("iscsi");
    match kind {
        "usb" if source.child("address").is_none() && source.child("vendor").is_none() => {
            source = source.with_child(
                Element::new("address")
                    .with_attr("bus", "0")
                    .with_attr("device", "0"),
            );
        }
        "scsi" if iscsi => remove_named(&mut source, &["address"]),
        "scsi_host" => {
            source = Element::new("source")
                .with_attr_opt("protocol", source.attr("protocol"))
                .with_attr_opt("wwpn", source.attr("wwpn"))
                .with_child(Element::new("address"));
        }
        _ => {}
    }
    for n in source.children.iter_mut() {
        if let Node::Element(a) = n {
            if a.name == "address" {
                a.attrs.retain(|(k, _)| k != "type");
                a.attrs.insert(0, ("type".into(), kind.into()));
            }
        }
    }
    source
}

/// A mediated device's `<source>` (virDomainHostdevSubsysMediatedDevDefParseXML,
/// virDomainHostdevDefFormatSubsysMdev): its address's UUID alone, in
/// libvirt's spelling, in the first source's place.
fn mdev_source(dev: &mut Element) {
    let Ok(uuid) = crate::views::mdev_uuid(dev) else {
        // Refused when read.
        return;
    };
    let address = Element::new("address").with_attr("uuid", uuid.to_string());
    replace_source(dev, Some(Element::new("source").with_child(address)));
}

/// A USB host device's first `<source>` as libvirt writes what it read
/// (virDomainHostdevSubsysUSBDefParseXML,
/// virDomainHostdevDefFormatSubsysUSB): its startup policy and guest
/// reset, the vendor and product ids (read in C's bases) as four hex
/// digits when a vendor is set, the bus and device of its address (as C
/// `int`s) when either is set; nothing when it sets none of them.
fn usb_source(dev: &mut Element) {
    let Some(source) = dev.child("source") else {
        return;
    };
    let number = |child: &str, attr: &str| {
        source
            .child(child)
            .and_then(|c| c.attr(attr))
            .and_then(|v| c_unsigned(v, 0))
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0)
    };
    let mut out = Element::new("source");
    for attr in ["startupPolicy", "guestReset"] {
        if let Some(v) = source.attr(attr) {
            out = out.with_attr(attr, v);
        }
    }
    let vendor = number("vendor", "id");
    if vendor != 0 {
        let product = number("product", "id");
        out = out
            .with_child(Element::new("vendor").with_attr("id", format!("0x{vendor:04x}")))
            .with_child(Element::new("product").with_attr("id", format!("0x{product:04x}")));
    }
    let (bus, device) = (number("address", "bus"), number("address", "device"));
    if bus != 0 || device != 0 {
        out = out.with_child(
            Element::new("address")
                .with_attr("bus", (bus as i32).to_string())
                .with_attr("device", (device as i32).to_string()),
        );
    }
    let keep = !out.is_empty();
    replace_source(dev, keep.then_some(out));
}

#[cfg(test)]
mod tests {

    fn written(xml: &str) -> String {
        let mut e = crate::parse_element(xml).unwrap();
        super::super::device_parts::rewrite(&mut e);
        e.to_xml(0)
    }

    /// A SCSI adapter source: its adapter's name and first address's
    /// numbers (read in C's bases) alone, in decimal.
    #[test]
    fn a_scsi_adapter_source_as_libvirt_writes_it() {
        assert_eq!(
            written("<hostdev type='scsi'><source><adapter type='fc_host' name='scsi_host0' wwnn='1'/>\
                     <address bus='010' target='0x1f' unit='7'/><address bus='x'/></source></hostdev>"),
            "<hostdev mode='subsystem' type='scsi' managed='no'>\n  <source>\n    <adapter name='scsi_host0'/>\n\
             \x20   <address bus='8' target='31' unit='7'/>\n  </source>\n</hostdev>\n"
        );
    }

    // As virsh 9.0 writes it back (seed 26's gen1057).
    #[test]
    fn a_hostdev_teaming_after_its_source() {
        let flat = |xml: &str| written(xml).lines().map(str::trim).collect::<String>();
        assert_eq!(
            flat(
                "<hostdev mode='subsystem' type='pci'><teaming type='transient' persistent='p'/>\
                 <driver name='xen'/><source><address domain='0' bus='0xf' slot='0x1f' function='0'/></source>\
                 <alias name='ua-x'/></hostdev>"
            ),
            "<hostdev mode='subsystem' type='pci' managed='no'><driver name='xen'/><source>\
             <address domain='0x0000' bus='0x0f' slot='0x1f' function='0x0'/></source>\
             <teaming type='transient' persistent='p'/><alias name='ua-x'/></hostdev>"
        );
    }

    // As virsh 9.0 writes it back (seed 26's gen4890): 'default' is
    // libvirt's none.
    #[test]
    fn a_scsi_host_default_model_is_not_written() {
        let model = |m: &str| {
            let xml = format!(
                "<hostdev mode='subsystem' type='scsi_host' model='{m}'>\
                 <source protocol='vhost' wwpn='naa.5123456789abcde0'/></hostdev>"
            );
            let mut e = crate::parse_element(&xml).unwrap();
            super::super::device_parts::rewrite(&mut e);
            e.attr("model").map(str::to_string)
        };
        assert_eq!(model("virtio").as_deref(), Some("virtio"));
        assert_eq!(model("default"), None);
    }

    // As virsh 9.0 writes it back (seed 21's gen4645).
    /// An iSCSI source's children as virsh 9.0 writes them back: the host,
    /// the first `<auth>` (no type none), the initiator's IQN.
    #[test]
    fn an_iscsi_hostdev_source_as_libvirt_writes_it() {
        let flat = |xml: &str| written(xml).lines().map(str::trim).collect::<String>();
        assert_eq!(
            flat(
                "<hostdev mode='subsystem' type='scsi'><source protocol='iscsi' name='q/1'>\
                 <initiator><iqn name='i'/></initiator><auth username='u' type='none'>\
                 <secret type='iscsi' uuid='A6aa75e1afd8f1ff5ab8618469e8e8bc'/></auth><auth/>\
                 <host name='h' port=' +3260'/></source></hostdev>"
            ),
            "<hostdev mode='subsystem' type='scsi' managed='no'><source protocol='iscsi' name='q/1'>\
             <host name='h' port='3260'/><auth username='u'>\
             <secret type='iscsi' uuid='a6aa75e1-afd8-f1ff-5ab8-618469e8e8bc'/></auth>\
             <initiator><iqn name='i'/></initiator></source></hostdev>"
        );
    }

    #[test]
    fn an_iscsi_hostdev_name_is_given_lun_0() {
        let flat = |xml: &str| written(xml).lines().map(str::trim).collect::<String>();
        for (name, written) in [("joh", "joh/0"), ("iqn.x/2", "iqn.x/2"), ("", "/0")] {
            assert_eq!(
                flat(&format!(
                    "<hostdev mode='subsystem' type='scsi'><source protocol='iscsi' name='{name}'>\
                     <host name='h'/></source></hostdev>"
                )),
                format!(
                    "<hostdev mode='subsystem' type='scsi' managed='no'><source protocol='iscsi' name='{written}'>\
                     <host name='h'/></source></hostdev>"
                )
            );
        }
    }

    /// A PCI source's attributes and children as virsh 9.0 writes them:
    /// `writeFiltering` alone, the address alone (seed 36's gen8291:
    /// `missing` is never read).
    #[test]
    fn pci_hostdev_source_keeps_write_filtering_alone() {
        let flat = |xml: &str| written(xml).lines().map(str::trim).collect::<String>();
        assert_eq!(
            flat(
                "<hostdev mode='subsystem' type='pci' managed='yes'><source missing='x' \
                 writeFiltering='no' foo='1'><origstates><unbind/></origstates>\
                 <address bus='1'/><x/></source></hostdev>"
            ),
            "<hostdev mode='subsystem' type='pci' managed='yes'><source writeFiltering='no'>\
             <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source></hostdev>"
        );
    }

    #[test]
    fn pci_hostdev_source_address_is_written_whole() {
        let flat = |xml: &str| written(xml).lines().map(str::trim).collect::<String>();
        for (address, written) in [
            (
                "function='0x7'",
                "domain='0x0000' bus='0x00' slot='0x00' function='0x7'",
            ),
            (
                "bus='1' slot='0x1f'",
                "domain='0x0000' bus='0x01' slot='0x1f' function='0x0'",
            ),
            (
                "domain='0x0000' bus='0x01' slot='0x02' function='0x3'",
                "domain='0x0000' bus='0x01' slot='0x02' function='0x3'",
            ),
            (
                "bus='2' slot='3'/><address bus='4' slot='5'",
                "domain='0x0000' bus='0x02' slot='0x03' function='0x0'",
            ),
        ] {
            assert_eq!(
                flat(&format!(
                    "<hostdev mode='subsystem' type='pci' managed='yes'><source><address {address}/></source></hostdev>"
                )),
                format!(
                    "<hostdev mode='subsystem' type='pci' managed='yes'><source><address {written}/></source></hostdev>"
                )
            );
        }
    }

    // Dumps observed from libvirt 9.0 through virsh.
    #[test]
    fn only_the_first_source_and_a_capabilities_devices_name_alone() {
        let flat = |xml: &str| written(xml).lines().map(str::trim).collect::<String>();
        for (hostdev, want) in [
            (
                "<hostdev mode='subsystem' type='pci'><source/><source><address bus='3'/></source></hostdev>",
                "<hostdev mode='subsystem' type='pci' managed='no'><source>\
                 <address domain='0x0000' bus='0x00' slot='0x00' function='0x0'/></source></hostdev>",
            ),
            (
                "<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' wwpn='naa.5000c5001234567a'/><source/></hostdev>",
                "<hostdev mode='subsystem' type='scsi_host' managed='no'>\
                 <source protocol='vhost' wwpn='naa.5000c5001234567a'/></hostdev>",
            ),
            (
                "<hostdev mode='capabilities' type='misc'><source><char>/a</char><char>/c</char></source>\
                 <source><char>/b</char></source></hostdev>",
                "<hostdev mode='capabilities' type='misc'><source><char>/a</char></source></hostdev>",
            ),
            (
                "<hostdev mode='capabilities' type='net'><source/><source><interface>b</interface></source></hostdev>",
                "<hostdev mode='capabilities' type='net'><source><interface>b</interface></source></hostdev>",
            ),
        ] {
            assert_eq!(flat(hostdev), want, "{hostdev}");
        }
    }

    #[test]
    fn usb_hostdev_source_as_libvirt_writes_it() {
        let flat = |xml: &str| written(xml).lines().map(str::trim).collect::<String>();
        // (Observed from libvirt 9.0 through virsh.)
        assert_eq!(
            flat("<hostdev mode='subsystem' type='usb'><source guestReset='off' startupPolicy='optional' autoAddress='yes'>\
                  <vendor id='0xBe'/><product id='010'/><address bus='4294967295' device='0x10'/></source></hostdev>"),
            "<hostdev mode='subsystem' type='usb' managed='no'><source startupPolicy='optional' guestReset='off'>\
             <vendor id='0x00be'/><product id='0x0008'/><address bus='-1' device='16'/></source></hostdev>"
        );
        assert_eq!(
            written("<hostdev mode='subsystem' type='usb'><source/><source><vendor id='1'/><product id='1'/></source></hostdev>"),
            "<hostdev mode='subsystem' type='usb' managed='no'>\n</hostdev>\n"
        );
    }

    #[test]
    fn hostdev_flags_only_for_scsi_subsystem_devices() {
        assert_eq!(
            written("<hostdev mode='capabilities' type='storage'><source><block>b</block></source><readonly/><shareable/></hostdev>"),
            "<hostdev mode='capabilities' type='storage'>\n  <source>\n    <block>b</block>\n  </source>\n</hostdev>\n"
        );
        assert_eq!(
            written("<hostdev type='scsi' managed='x'><shareable/><alias name='ua-h'/><readonly/><readonly/></hostdev>"),
            "<hostdev mode='subsystem' type='scsi' managed='no'>\n  <readonly/>\n  <shareable/>\n  <alias name='ua-h'/>\n</hostdev>\n"
        );
        assert_eq!(
            written("<hostdev managed='yes' type='mdev' model='vfio-ap' display='off'><source x='y'><z/><address uuid=' 1F6344cD-E0cb-48CC-c84B-B45bcaDee05f' type='pci'/></source><shareable/><source/></hostdev>"),
            "<hostdev mode='subsystem' type='mdev' managed='yes' model='vfio-ap' display='off'>\n  <source>\n    <address uuid='1f6344cd-e0cb-48cc-c84b-b45bcadee05f'/>\n  </source>\n</hostdev>\n"
        );
        assert_eq!(
            written("<hostdev type='scsi'><source protocol='adapter'><adapter name='scsi_host0'/></source></hostdev>"),
            "<hostdev mode='subsystem' type='scsi' managed='no'>\n  <source>\n    <adapter name='scsi_host0'/>\n  </source>\n</hostdev>\n"
        );
    }

    /// A network host device's addresses, then its routes, right after
    /// its source, as libvirt writes them (virsh 9.0 dumps them so).
    #[test]
    fn network_hostdev_addresses_and_routes_after_the_source() {
        let flat = |xml: &str| written(xml).lines().map(str::trim).collect::<String>();
        assert_eq!(
            flat("<hostdev mode='capabilities' type='net'>\
                  <route family='ipv6' address='FE80::' prefix='16' gateway='fe80::1%5'/>\
                  <ip address='10.0.0.1' prefix='0'/><source><interface>eth0</interface></source>\
                  <alias name='ua-x'/><ip address='2001::2%01' prefix='064'/></hostdev>"),
            "<hostdev mode='capabilities' type='net'><source><interface>eth0</interface></source>\
             <ip address='10.0.0.1' family='ipv4'/><ip address='2001::2%1' family='ipv6' prefix='64'/>\
             <route family='ipv6' address='fe80::' prefix='16' gateway='fe80::1%5'/>\
             <alias name='ua-x'/></hostdev>"
        );
    }

    /// A PCI host device's first `<driver>` written right before its
    /// source, the others dropped; a driver of another kind of device
    /// dropped (as virsh 9.0 dumps them).
    #[test]
    fn pci_hostdev_backend_driver_before_the_source() {
        let flat = |xml: &str| written(xml).lines().map(str::trim).collect::<String>();
        let pci = |kids: &str| {
            flat(&format!(
                "<hostdev mode='subsystem' type='pci' managed='no'>{kids}</hostdev>"
            ))
        };
        let source =
            "<source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source>";
        assert_eq!(
            pci(&format!("{source}<driver name='xen'/><driver name='kvm'/>")),
            format!("<hostdev mode='subsystem' type='pci' managed='no'><driver name='xen'/>{source}</hostdev>")
        );
        assert_eq!(
            pci(&format!("<driver name='vfio' x='y'/>{source}")),
            format!("<hostdev mode='subsystem' type='pci' managed='no'><driver name='vfio'/>{source}</hostdev>")
        );
        assert_eq!(
            pci(&format!("{source}<driver/>")),
            format!("<hostdev mode='subsystem' type='pci' managed='no'>{source}</hostdev>")
        );
        assert_eq!(
            flat("<hostdev mode='subsystem' type='usb'><source><address bus='1' device='2'/></source><driver name='vfio'/></hostdev>"),
            "<hostdev mode='subsystem' type='usb' managed='no'><source><address bus='1' device='2'/></source></hostdev>"
        );
    }
}
