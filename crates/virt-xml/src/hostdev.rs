//! Host interface XML (`<interface>`, netcf's format as libvirt keeps it)
//! and node device XML (`<device>`): read into the element tree, checked
//! as libvirt checks them, written back in libvirt's element order. What
//! libvirt's formats do not know is kept, after the known children of its
//! parent, so a definition survives a read and write unchanged in meaning.

use crate::error::XmlError;
use crate::model::{Element, Node};

/// The document name libvirt gives an interface definition in its reports.
pub const INTERFACE_DOCUMENT: &str = "(interface_definition)";
/// The document name libvirt gives a node device definition in its reports.
pub const NODE_DEVICE_DOCUMENT: &str = "(node_device_definition)";

/// The interface types libvirt's format knows.
const INTERFACE_TYPES: &[&str] = &["ethernet", "bridge", "bond", "vlan"];

/// A host interface definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceDef {
    /// The interface's name.
    pub name: String,
    /// Its MAC address (`<mac address>`), when it has one.
    pub mac: Option<String>,
    /// The whole definition, children in libvirt's order.
    pub tree: Element,
}

/// Parse a host interface definition.
pub fn parse_interface(xml: &str) -> Result<InterfaceDef, XmlError> {
    let root = crate::reader::parse_element_in(xml, INTERFACE_DOCUMENT)?;
    InterfaceDef::from_element(&root)
}

impl InterfaceDef {
    /// Read a definition from its `<interface>` element.
    pub fn from_element(root: &Element) -> Result<InterfaceDef, XmlError> {
        if root.name != "interface" {
            return Err(XmlError::Invalid(format!(
                "expecting root element of 'interface', not '{}'",
                root.name
            )));
        }
        match root.attr("type") {
            None => {
                return Err(XmlError::Invalid(
                    "interface misses the type attribute".into(),
                ))
            }
            Some(t) if !INTERFACE_TYPES.contains(&t) => {
                return Err(XmlError::Invalid(format!(
                    "Invalid value for attribute 'type' in element 'interface': '{t}'."
                )))
            }
            Some(_) => {}
        }
        let name = match root.attr("name") {
            Some(n) if !n.is_empty() => n.to_string(),
            _ => return Err(XmlError::Invalid("interface has no name".into())),
        };
        let mac = root
            .child("mac")
            .and_then(|m| m.attr("address"))
            .map(str::to_string);
        let mut tree = root.clone();
        order_children(&mut tree, &interface_rank);
        Ok(InterfaceDef { name, mac, tree })
    }

    /// The definition as libvirt writes it.
    pub fn to_xml(&self) -> String {
        self.tree.to_xml(0)
    }

    /// Refuse what libvirt's interface schema does not know, as
    /// `VIR_INTERFACE_DEFINE_VALIDATE` does (libxml2's RelaxNG report for
    /// the first unknown element and its parent).
    pub fn validate(&self) -> Result<(), XmlError> {
        match first_unknown(&self.tree, &interface_rank) {
            None => Ok(()),
            Some((parent, child)) => Err(XmlError::Refused {
                code: virt_core::ErrorCode::XmlInvalidSchema,
                domain: virt_core::ErrorDomain::Xml,
                message: format!(
                    "XML document failed to validate against schema: Unable to validate doc \
                     against /usr/share/libvirt/schemas/interface.rng\n\
                     Element {parent} has extra content: {child}\n\
                     Invalid sequence in interleave\n\
                     Element {parent} failed to validate content\n"
                ),
            }),
        }
    }
}

/// The first child element (depth first) that `rank` does not place, with
/// its parent's name.
fn first_unknown(
    el: &Element,
    rank: &dyn Fn(&str, &str) -> Option<usize>,
) -> Option<(String, String)> {
    el.elements().find_map(|c| match rank(&el.name, &c.name) {
        None => Some((el.name.to_string(), c.name.to_string())),
        Some(_) => first_unknown(c, rank),
    })
}

/// Where libvirt's interface format puts a child of `parent`; `None` for
/// what it does not know there (kept after the rest).
fn interface_rank(parent: &str, child: &str) -> Option<usize> {
    let order: &[&str] = match parent {
        "interface" => &[
            "start", "mtu", "protocol", "link", "mac", "bridge", "bond", "vlan",
        ],
        "protocol" => &["autoconf", "dhcp", "ip", "route"],
        "bond" => &["miimon", "arpmon", "interface"],
        "bridge" | "vlan" => &["interface"],
        _ => return Some(0),
    };
    order.iter().position(|n| *n == child)
}

/// Sort `el`'s child elements (recursively) by `rank`, unknown ones last,
/// each group in document order; whitespace between elements goes, as
/// the writer indents anew.
fn order_children(el: &mut Element, rank: &dyn Fn(&str, &str) -> Option<usize>) {
    let has_elements = el.children.iter().any(|n| matches!(n, Node::Element(_)));
    if !has_elements {
        return;
    }
    let mut kids: Vec<Element> = std::mem::take(&mut el.children)
        .into_iter()
        .filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
        .collect();
    for k in &mut kids {
        order_children(k, rank);
    }
    kids.sort_by_key(|k| rank(&el.name, &k.name).unwrap_or(usize::MAX));
    el.children = kids.into_iter().map(Node::Element).collect();
}

/// A node device definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeDeviceDef {
    /// The device's name.
    pub name: String,
    /// Its parent's name (`None` for the root device).
    pub parent: Option<String>,
    /// The whole definition, as libvirt writes it.
    pub tree: Element,
}

/// Parse a node device definition.
pub fn parse_node_device(xml: &str) -> Result<NodeDeviceDef, XmlError> {
    let root = crate::reader::parse_element_in(xml, NODE_DEVICE_DOCUMENT)?;
    NodeDeviceDef::from_element(&root)
}

impl NodeDeviceDef {
    /// Read a definition from its `<device>` element. libvirt reports the
    /// `vport_ops` counters from the host, never from the document: the
    /// test driver's have none, so they read 0.
    pub fn from_element(root: &Element) -> Result<NodeDeviceDef, XmlError> {
        if root.name != "device" {
            return Err(XmlError::Invalid(format!(
                "expecting root element of 'device', not '{}'",
                root.name
            )));
        }
        let name = root
            .child("name")
            .map(|n| n.text().trim().to_string())
            .unwrap_or_default();
        let parent = root
            .child("parent")
            .map(|p| p.text().trim().to_string())
            .filter(|p| !p.is_empty());
        if root.child("capability").is_none() {
            return Err(XmlError::Invalid(format!(
                "no device capabilities for '{}'",
                if name.is_empty() { "new device" } else { &name }
            )));
        }
        let mut tree = root.clone();
        order_children(&mut tree, &|parent, child| match parent {
            "device" => ["name", "path", "devnode", "parent", "driver", "capability"]
                .iter()
                .position(|n| *n == child),
            _ => Some(0),
        });
        zero_vport_counters(&mut tree);
        Ok(NodeDeviceDef { name, parent, tree })
    }

    /// The names of the device's capabilities (`virNodeDeviceListCaps`).
    pub fn caps(&self) -> Vec<String> {
        self.tree
            .children_named("capability")
            .filter_map(|c| c.attr("type"))
            .map(str::to_string)
            .collect()
    }

    /// True when the device has capability `cap`, nested ones counted as
    /// libvirt counts them (`fc_host` and `vports` of a SCSI host).
    pub fn has_cap(&self, cap: &str) -> bool {
        self.tree.children_named("capability").any(|c| {
            c.attr("type") == Some(cap)
                || (c.attr("type") == Some("scsi_host")
                    && match cap {
                        "fc_host" => nested(c, "fc_host").is_some(),
                        "vports" => nested(c, "vport_ops").is_some(),
                        _ => false,
                    })
        })
    }

    /// The device's name changed (the tree follows).
    pub fn rename(&mut self, name: &str) {
        self.name = name.to_string();
        for n in &mut self.tree.children {
            if let Node::Element(e) = n {
                if e.name == "name" {
                    e.set_text(name);
                }
            }
        }
    }

    /// A fibre channel SCSI host's WWNN and WWPN: its `scsi_host`
    /// capability's nested `fc_host`, as a vHBA's creation reads them.
    pub fn fc_host_wwns(&self) -> Option<(String, String)> {
        let fc = self
            .tree
            .children_named("capability")
            .filter(|c| c.attr("type") == Some("scsi_host"))
            .find_map(|c| nested(c, "fc_host"))?;
        let text = |n: &str| fc.child(n).map(|e| e.text().trim().to_string());
        Some((text("wwnn")?, text("wwpn")?))
    }

    /// A SCSI host's number: its capability's `<host>`.
    pub fn scsi_host_number(&self) -> Option<u32> {
        self.tree
            .children_named("capability")
            .find_map(|c| c.child("host"))
            .and_then(|h| h.text().trim().parse().ok())
    }

    /// Give a fibre channel SCSI host a new WWNN and WWPN (in every
    /// nested `fc_host` capability).
    pub fn set_fc_host_wwns(&mut self, wwnn: &str, wwpn: &str) {
        for cap in self.tree.children.iter_mut() {
            let Node::Element(cap) = cap else { continue };
            for fc in cap.children.iter_mut() {
                let Node::Element(fc) = fc else { continue };
                if fc.name != "capability" || fc.attr("type") != Some("fc_host") {
                    continue;
                }
                for v in fc.children.iter_mut() {
                    let Node::Element(v) = v else { continue };
                    match v.name.as_str() {
                        "wwnn" => v.set_text(wwnn),
                        "wwpn" => v.set_text(wwpn),
                        _ => {}
                    }
                }
            }
        }
    }

    /// The definition as libvirt writes it.
    pub fn to_xml(&self) -> String {
        self.tree.to_xml(0)
    }
}

/// The nested `<capability type=kind>` of a capability.
pub fn nested<'a>(cap: &'a Element, kind: &str) -> Option<&'a Element> {
    cap.children_named("capability")
        .find(|c| c.attr("type") == Some(kind))
}

fn zero_vport_counters(el: &mut Element) {
    for n in &mut el.children {
        if let Node::Element(e) = n {
            if e.name == "capability" && e.attr("type") == Some("vport_ops") {
                for c in &mut e.children {
                    if let Node::Element(v) = c {
                        if v.name == "max_vports" || v.name == "vports" {
                            v.set_text("0");
                        }
                    }
                }
            } else {
                zero_vport_counters(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_children_take_libvirts_order_and_unknown_ones_stay() {
        let d = parse_interface(
            "<interface type='ethernet' name='eth9'><bogus a='1'/><mac address='aa:bb:cc:dd:ee:09'/>\
             <protocol family='ipv4'><route gateway='1.1.1.1'/><ip address='1.2.3.4' prefix='8'/></protocol>\
             <mtu size='9000'/><start mode='onboot'/></interface>",
        )
        .unwrap();
        assert_eq!(d.name, "eth9");
        assert_eq!(d.mac.as_deref(), Some("aa:bb:cc:dd:ee:09"));
        assert_eq!(
            d.to_xml(),
            "<interface type='ethernet' name='eth9'>\n  <start mode='onboot'/>\n  <mtu size='9000'/>\n  \
             <protocol family='ipv4'>\n    <ip address='1.2.3.4' prefix='8'/>\n    <route gateway='1.1.1.1'/>\n  \
             </protocol>\n  <mac address='aa:bb:cc:dd:ee:09'/>\n  <bogus a='1'/>\n</interface>\n"
        );
        assert_eq!(parse_interface(&d.to_xml()).unwrap(), d);
        let e = d.validate().unwrap_err();
        assert!(e
            .to_string()
            .contains("Element interface has extra content: bogus\n"));
        assert_eq!(e.code(), virt_core::ErrorCode::XmlInvalidSchema);
    }

    #[test]
    fn interface_errors_are_libvirts() {
        let msg = |x: &str| parse_interface(x).unwrap_err().to_string();
        assert_eq!(
            msg("<interface type='ethernet'/>"),
            "XML error: interface has no name"
        );
        assert_eq!(
            msg("<interface type='x' name='a'/>"),
            "XML error: Invalid value for attribute 'type' in element 'interface': 'x'."
        );
        assert_eq!(
            msg("<foo/>"),
            "XML error: expecting root element of 'interface', not 'foo'"
        );
    }

    #[test]
    fn node_device_caps_and_vport_counters() {
        let d = parse_node_device(
            "<device><name>h</name><parent>computer</parent><capability type='scsi_host'>\
             <host>1</host><capability type='fc_host'><wwnn>1</wwnn></capability>\
             <capability type='vport_ops'><max_vports>127</max_vports><vports>1</vports></capability>\
             </capability></device>",
        )
        .unwrap();
        assert_eq!(d.caps(), ["scsi_host"]);
        assert!(d.has_cap("fc_host") && d.has_cap("vports") && !d.has_cap("pci"));
        assert!(d.to_xml().contains("<max_vports>0</max_vports>"));
        assert_eq!(d.parent.as_deref(), Some("computer"));
    }

    #[test]
    fn a_vhba_s_wwns_and_host_number_are_read_and_written() {
        let mut dev = parse_node_device(
            "<device><name>scsi_host5</name><parent>pci</parent>\
             <capability type='scsi_host'><host>5</host>\
             <capability type='fc_host'><wwnn>1000</wwnn><wwpn>2000</wwpn></capability>\
             </capability></device>",
        )
        .unwrap();
        assert_eq!(dev.scsi_host_number(), Some(5));
        assert_eq!(dev.fc_host_wwns(), Some(("1000".into(), "2000".into())));
        dev.set_fc_host_wwns("3000", "4000");
        assert_eq!(dev.fc_host_wwns(), Some(("3000".into(), "4000".into())));
        let plain = parse_node_device(
            "<device><name>n</name><capability type='net'><interface>e</interface></capability></device>",
        )
        .unwrap();
        assert_eq!(
            (plain.fc_host_wwns(), plain.scsi_host_number()),
            (None, None)
        );
    }
}
