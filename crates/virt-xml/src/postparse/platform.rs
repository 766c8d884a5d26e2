//! The guest platform's devices kept as elements, written back as
//! libvirt's formatters write what its parsers read (domain_conf.c): a
//! controller's driver options, a PCI root's 64-bit hole, the IOMMU. A value libvirt refuses leaves the
//! element as written: the checks refuse the definition, not this.

use crate::devinfo::c_unsigned;
use crate::model::Attr;
use crate::units::scale_to_bytes;
use crate::validate::string_value;
use crate::views::ControllerModel;
use crate::{Element, Node};

/// The device information children (virDomainDeviceInfoParseXML).
const INFO: [&str; 6] = ["alias", "master", "boot", "rom", "acpi", "address"];

/// A controller's `<pcihole64>` (virDomainControllerDefParseXML,
/// virDomainControllerDefFormat): read for a PCI or PCIe root only, as
/// `string(./pcihole64)` scaled by `string(./pcihole64/@unit)` (the first
/// `unit` of any copy; KiB without one), written once in KiB rounded up;
/// not written when empty, nor for any other controller.
pub(super) fn pcihole64(controller: &mut Element) {
    let holes: Vec<&Element> = controller.children_named("pcihole64").collect();
    let Some(first) = holes.first() else {
        return;
    };
    let root = controller.attr("type") == Some("pci")
        && matches!(controller.attr("model"), Some("pci-root" | "pcie-root"));
    let written = if root {
        let text = string_value(first);
        let unit = holes.iter().find_map(|h| h.attr("unit"));
        if text.is_empty() {
            None
        } else {
            // 1024 * ULONG_MAX, wrapped as libvirt's unsigned long long
            // product wraps.
            let limit = 1024u64.wrapping_mul(u64::MAX);
            let Some(kib) = c_unsigned(&text, 10)
                .and_then(|n| scale_to_bytes(n, unit, 1024, limit).ok())
                .map(|bytes| bytes.div_ceil(1024))
            else {
                // Refused when read.
                return;
            };
            Some(
                Element::new("pcihole64")
                    .with_attr("unit", "KiB")
                    .with_text(kib.to_string()),
            )
        }
    } else {
        None
    };
    controller
        .children
        .retain(|n| !matches!(n, Node::Element(c) if c.name == "pcihole64"));
    if let Some(hole) = written {
        controller.children.push(Node::Element(hole));
    }
}

/// A controller's attributes as virDomainControllerDefFormat writes what
/// virDomainControllerDefParseXML read: its type and index first (the
/// index as a plain decimal), the model, then only the numbers its type
/// reads (ports and vectors of a virtio-serial controller, ports of a USB
/// one, the grant frames and event channels of a xenbus one); the others
/// are not read, so not written. Numbers libvirt refuses leave the
/// element as written (the checks refuse the definition).
pub(super) fn controller_attrs(controller: &mut Element) {
    // No type is an IDE controller.
    let kind = controller.attr("type").unwrap_or("ide");
    // virXMLPropInt in base 10, non-negative.
    let number = |name: &str| -> Result<Option<u32>, ()> {
        match controller.attr(name) {
            None => Ok(None),
            Some(v) => c_unsigned(v.trim_start_matches([' ', '\t', '\n', '\r']), 10)
                .filter(|n| *n <= i32::MAX as u64)
                .map(|n| Some(n as u32))
                .ok_or(()),
        }
    };
    let typed: &[&'static str] = match kind {
        "virtio-serial" => &["ports", "vectors"],
        "usb" => &["ports"],
        "xenbus" => &["maxGrantFrames", "maxEventChannels"],
        _ => &[],
    };
    // libvirt reads the index (0 by default) and always writes it.
    let Ok(index) = number("index") else { return };
    let index = index.unwrap_or(0);
    // The ports of other types are still read (and refused when bad).
    if number("ports").is_err() {
        return;
    }
    let mut numbers: [(&'static str, u32); 2] = [("", 0); 2];
    let mut count = 0;
    for name in typed {
        match number(name) {
            Ok(Some(n)) => {
                numbers[count] = (name, n);
                count += 1;
            }
            Ok(None) => {}
            Err(()) => return,
        }
    }
    let numbers = &numbers[..count];
    let model = controller.attr("model");
    // Nearly every controller is already written so: kept, not copied.
    if controller_attrs_written(&controller.attrs, kind, index, model, numbers) {
        return;
    }
    let mut attrs = Vec::with_capacity(controller.attrs.len() + 1);
    attrs.push(("type".into(), kind.to_string()));
    attrs.push(("index".into(), index.to_string()));
    if let Some(model) = model {
        attrs.push(("model".into(), model.to_string()));
    }
    for (name, n) in numbers {
        attrs.push(((*name).into(), n.to_string()));
    }
    // What no libvirt reader takes (unknown attributes) stays after.
    for (k, v) in &controller.attrs {
        if !CONTROLLER_READS.contains(&k.as_str()) {
            attrs.push((k.clone(), v.clone()));
        }
    }
    controller.attrs = attrs;
}

/// The controller attributes libvirt reads (virDomainControllerDefParseXML).
const CONTROLLER_READS: [&str; 7] = [
    "type",
    "index",
    "model",
    "ports",
    "vectors",
    "maxGrantFrames",
    "maxEventChannels",
];

/// Whether `given` already are the attributes [`controller_attrs`]
/// writes: the type, the index and model, the numbers read in decimal,
/// then only attributes libvirt does not read.
fn controller_attrs_written(
    given: &[Attr],
    kind: &str,
    index: u32,
    model: Option<&str>,
    numbers: &[(&str, u32)],
) -> bool {
    fn next_is(
        given: &mut std::slice::Iter<'_, Attr>,
        name: &str,
        value: impl Fn(&str) -> bool,
    ) -> bool {
        given.next().is_some_and(|(k, v)| k == name && value(v))
    }
    let decimal = |n: u32| move |v: &str| crate::devinfo::is_decimal_of(v, u64::from(n));
    let mut given = given.iter();
    next_is(&mut given, "type", |v| v == kind)
        && next_is(&mut given, "index", decimal(index))
        && model.is_none_or(|m| next_is(&mut given, "model", |v| v == m))
        && numbers
            .iter()
            .all(|(name, n)| next_is(&mut given, name, decimal(*n)))
        && given.all(|(k, _)| !CONTROLLER_READS.contains(&k.as_str()))
}

/// A controller's `<model>` and `<target>` as virDomainControllerDefFormatPCI
/// writes what virDomainControllerDefParseXML read: for a PCI controller
/// the model's name (none for `none`), then the target's numbers in
/// libvirt's order and form (`chassisNr`, `chassis`, `port` as `0x%x`,
/// `busNr`, `index`, each a decimal int, then `hotplug`) with its NUMA
/// `<node>`, no `<target>` when it holds none; another type's model and
/// target are not read, so not written. Both come first among the
/// controller's children. A value libvirt refuses leaves them as written.
pub(super) fn controller_pci_parts(controller: &mut Element) {
    let is_part =
        |n: &Node| matches!(n, Node::Element(c) if matches!(c.name.as_str(), "model" | "target"));
    if !controller.children.iter().any(is_part) {
        return;
    }
    let mut written = Vec::with_capacity(2);
    if controller.attr("type") == Some("pci") {
        if let Some(model) = controller.child("model") {
            match model.attr("name") {
                None | Some("none") => {}
                // The view's list of virDomainControllerPCIModelName.
                Some(name) if ControllerModel::check_attrs(&model.attrs).is_ok() => {
                    written.push(Element::new("model").with_attr("name", name));
                }
                Some(_) => return,
            }
        }
        if let Some(target) = controller.child("target") {
            let mut out = Element::new("target");
            for name in ["chassisNr", "chassis", "port", "busNr", "index"] {
                let Some(value) = target.attr(name) else {
                    continue;
                };
                match crate::devinfo::c_int_in(value, 0) {
                    Some(n) if n >= 0 && name == "port" => out.set_attr(name, format!("0x{n:x}")),
                    Some(n) if n >= 0 => out.set_attr(name, n.to_string()),
                    _ => return,
                }
            }
            match target.attr("hotplug") {
                None => {}
                Some(v @ ("on" | "off")) => out.set_attr("hotplug", v),
                Some(_) => return,
            }
            let node = target
                .child("node")
                .map(string_value)
                .filter(|n| !n.is_empty());
            if let Some(node) = node {
                match crate::devinfo::c_int_in(&node, 10) {
                    Some(n) if n >= 0 => out
                        .children
                        .push(Node::Element(Element::new("node").with_text(n.to_string()))),
                    _ => return,
                }
            }
            if !out.attrs.is_empty() || !out.children.is_empty() {
                written.push(out);
            }
        }
    }
    controller.children.retain(|n| !is_part(n));
    for (at, part) in written.into_iter().enumerate() {
        controller.children.insert(at, Node::Element(part));
    }
}

/// A controller's `<driver>` (virDomainControllerDefParseXML,
/// virDomainControllerDriverFormat): the first one's queues, commands
/// per LUN, maximum sectors (unsigned ints in base 10), I/O event fd
/// switch and I/O thread, then the virtio options, each written only
/// when set (a count of 0 is none); no `<driver>` at all when none is.
/// Written after the PCI model and target. A value libvirt refuses
/// leaves the drivers as written.
pub(super) fn controller_driver(controller: &mut Element) {
    let Some(driver) = controller.child("driver") else {
        return;
    };
    let mut out = Element::new("driver");
    let switch = |name: &str| match driver.attr(name) {
        None => Some(None),
        Some(v @ ("on" | "off")) => Some(Some(v)),
        Some(_) => None,
    };
    for name in [
        "queues",
        "cmd_per_lun",
        "max_sectors",
        "ioeventfd",
        "iothread",
    ] {
        let value = if name == "ioeventfd" {
            let Some(v) = switch(name) else { return };
            v.map(str::to_string)
        } else {
            match driver.attr(name) {
                None => None,
                Some(v) => match crate::validate::c_uint(v, 10) {
                    Some(0) => None,
                    Some(n) => Some(n.to_string()),
                    None => return,
                },
            }
        };
        if let Some(v) = value {
            out.set_attr(name, v);
        }
    }
    for name in ["iommu", "ats", "packed", "page_per_vq"] {
        let Some(v) = switch(name) else { return };
        if let Some(v) = v {
            out.set_attr(name, v);
        }
    }
    controller
        .children
        .retain(|n| !matches!(n, Node::Element(c) if c.name == "driver"));
    if out.attrs.is_empty() {
        return;
    }
    let after_pci = controller
        .children
        .iter()
        .rposition(
            |n| matches!(n, Node::Element(c) if matches!(c.name.as_str(), "model" | "target")),
        )
        .map_or(0, |at| at + 1);
    controller.children.insert(after_pci, Node::Element(out));
}

/// `<iommu>` (virDomainIOMMUDefParseXML, virDomainIOMMUDefFormat): its
/// model alone, the first `<driver>`'s switches (interrupt remapping,
/// caching mode, EIM, IOTLB) and address width in libvirt's order (the
/// width printed as libvirt's `%d` prints an unsigned int, none when
/// zero), then the device information.
pub(super) fn iommu(iommu: &mut Element) {
    let Some(model) = iommu.attr("model").map(str::to_string) else {
        // Refused when read.
        return;
    };
    let mut driver = Element::new("driver");
    if let Some(d) = iommu.child("driver") {
        for name in ["intremap", "caching_mode", "eim", "iotlb"] {
            match d.attr(name) {
                None => {}
                Some(v @ ("on" | "off")) => driver = driver.with_attr(name, v),
                // Refused when read.
                Some(_) => return,
            }
        }
        match d.attr("aw_bits") {
            None => {}
            Some(v) => match c_unsigned(v, 10).and_then(|n| u32::try_from(n).ok()) {
                Some(0) => {}
                // libvirt prints the unsigned width with `%d`.
                Some(n) => driver = driver.with_attr("aw_bits", (n as i32).to_string()),
                None => return,
            },
        }
    }
    let mut children: Vec<Node> = Vec::new();
    if !driver.attrs.is_empty() {
        children.push(Node::Element(driver));
    }
    children.extend(
        std::mem::take(&mut iommu.children)
            .into_iter()
            .filter(|n| matches!(n, Node::Element(c) if INFO.contains(&c.name.as_str()))),
    );
    iommu.attrs = vec![("model".into(), model)];
    iommu.children = children;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(xml: &str, rewrite: fn(&mut Element)) -> String {
        let mut e = crate::parse_element(xml).unwrap();
        rewrite(&mut e);
        e.to_xml(0)
    }

    #[test]
    fn pci_roots_hole_in_kib() {
        assert_eq!(
            written("<controller type='pci' model='pcie-root'><pcihole64>52</pcihole64></controller>", pcihole64),
            "<controller type='pci' model='pcie-root'>\n  <pcihole64 unit='KiB'>52</pcihole64>\n</controller>\n"
        );
        // The text of the first copy, the first unit given.
        assert_eq!(
            written("<controller type='pci' model='pci-root'><pcihole64>1<x>5</x></pcihole64><pcihole64 unit='MiB'>7</pcihole64></controller>", pcihole64),
            "<controller type='pci' model='pci-root'>\n  <pcihole64 unit='KiB'>15360</pcihole64>\n</controller>\n"
        );
        assert_eq!(
            written("<controller type='pci' model='pci-root'><pcihole64 unit='b'>1025</pcihole64></controller>", pcihole64),
            "<controller type='pci' model='pci-root'>\n  <pcihole64 unit='KiB'>2</pcihole64>\n</controller>\n"
        );
        for xml in [
            "<controller type='pci' model='pci-bridge'><pcihole64>52</pcihole64></controller>",
            "<controller type='usb' model='pci-root'><pcihole64>52</pcihole64></controller>",
            "<controller type='pci' model='pci-root'><pcihole64 unit='G'/></controller>",
        ] {
            let name = xml.split('>').next().unwrap();
            assert_eq!(written(xml, pcihole64), format!("{name}/>\n"));
        }
    }

    /// Checked against virsh 9.0 (seeds 5 and 6 of the differential run
    /// wrote isa and xenbus controllers index first).
    #[test]
    fn controller_attributes_in_libvirts_order() {
        let cases = [
            ("<controller index='012' type='xenbus'/>", "<controller type='xenbus' index='12'/>\n"),
            (
                "<controller maxEventChannels='02' maxGrantFrames='01' index='05' type='xenbus' ports='3' vectors='5'/>",
                "<controller type='xenbus' index='5' maxGrantFrames='1' maxEventChannels='2'/>\n",
            ),
            (
                "<controller index='6' type='virtio-serial' vectors='3' ports='2' maxGrantFrames='1'/>",
                "<controller type='virtio-serial' index='6' ports='2' vectors='3'/>\n",
            ),
            (
                "<controller index='7' type='usb' vectors='3' ports='2' model='nec-xhci'/>",
                "<controller type='usb' index='7' model='nec-xhci' ports='2'/>\n",
            ),
            ("<controller type='isa'/>", "<controller type='isa' index='0'/>\n"),
            // Refused when read: left as written.
            ("<controller index='x' type='isa'/>", "<controller index='x' type='isa'/>\n"),
        ];
        for (xml, want) in cases {
            assert_eq!(written(xml, controller_attrs), want, "{xml}");
        }
    }

    /// Controllers already written as libvirt writes them are recognised
    /// (and kept as they are); any difference from that form is not.
    #[test]
    fn controller_attributes_already_written() {
        let attrs = |xml: &str| {
            crate::parse_element(xml)
                .map(|e| e.attrs)
                .unwrap_or_default()
        };
        let check = |xml: &str, numbers: &[(&str, u32)]| {
            let model = crate::parse_element(xml)
                .ok()
                .and_then(|e| e.attr("model").map(String::from));
            controller_attrs_written(&attrs(xml), "usb", 1, model.as_deref(), numbers)
        };
        assert!(check("<controller type='usb' index='1'/>", &[]));
        assert!(check(
            "<controller type='usb' index='1' model='qemu-xhci' ports='15' x='y'/>",
            &[("ports", 15)]
        ));
        for other in [
            "<controller index='1' type='usb'/>",
            "<controller type='usb' index='01'/>",
            "<controller type='usb'/>",
            "<controller type='usb' index='1' vectors='2'/>",
            "<controller type='usb' index='1' x='y' model='m'/>",
        ] {
            assert!(!check(other, &[]), "{other}");
        }
        assert!(!check(
            "<controller type='usb' index='1' ports='015'/>",
            &[("ports", 15)]
        ));
        assert!(!check(
            "<controller type='usb' index='1'/>",
            &[("ports", 15)]
        ));
    }

    // Observed from libvirt 9.0 through virsh.
    #[test]
    fn controller_drivers_as_libvirt_writes_them() {
        let flat = |xml: &str| {
            written(xml, controller_driver)
                .lines()
                .map(str::trim)
                .collect::<String>()
        };
        assert_eq!(
            flat("<controller type='scsi'><address type='pci'/><driver iommu='on' queues='04' iothread='0' ioeventfd='on' cmd_per_lun='0' max_sectors='+5'/></controller>"),
            "<controller type='scsi'><driver queues='4' max_sectors='5' ioeventfd='on' iommu='on'/><address type='pci'/></controller>"
        );
        // Nothing set, no driver; only the first one is read.
        assert_eq!(
            flat("<controller type='scsi'><alias name='a'/><address type='virtio-mmio'/><driver/></controller>"),
            "<controller type='scsi'><alias name='a'/><address type='virtio-mmio'/></controller>"
        );
        assert_eq!(
            flat("<controller type='usb'><driver queues='0'/><driver queues='2'/></controller>"),
            "<controller type='usb'/>"
        );
        // After the PCI model and target (the device information is
        // placed after it by devinfo).
        assert_eq!(
            flat("<controller type='pci'><driver iothread='1'/><model name='m'/><target index='1'/></controller>"),
            "<controller type='pci'><model name='m'/><target index='1'/><driver iothread='1'/></controller>"
        );
        // A value libvirt refuses leaves the drivers as written.
        let kept = "<controller type='scsi'><driver queues='-1'/><driver/></controller>";
        assert_eq!(flat(kept), kept);
    }

    #[test]
    fn iommu_as_libvirt_writes_it() {
        assert_eq!(
            written("<iommu model='intel'><driver/></iommu>", iommu),
            "<iommu model='intel'/>\n"
        );
        assert_eq!(
            written(
                "<iommu model='intel' x='y'><alias name='ua-i'/><driver aw_bits=' +3000000000' iotlb='on' intremap='off' eim='off' caching_mode='on'/><driver aw_bits='7'/></iommu>",
                iommu
            ),
            "<iommu model='intel'>\n  <driver intremap='off' caching_mode='on' eim='off' iotlb='on' aw_bits='-1294967296'/>\n  <alias name='ua-i'/>\n</iommu>\n"
        );
        assert_eq!(
            written("<iommu model='virtio'><driver aw_bits='0'/></iommu>", iommu),
            "<iommu model='virtio'/>\n"
        );
    }
}
