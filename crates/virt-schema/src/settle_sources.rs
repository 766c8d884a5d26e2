//! The rules libvirt's parser has for storage sources (a disk's, its
//! backing chain's and mirror's, an `<os><nvram>`'s) and for the
//! addresses and routes of interfaces and host network devices, where
//! the schema alone does not say them: what
//! [`crate::repair::settle_steered`] gives those parts so that a definition holding them is not refused.

use std::net::IpAddr;

use crate::repair::{child_mut, kids_mut};
use virt_xml::{Element, Node};

/// Give the storage sources and the IP settings of `root` what libvirt's
/// rules require.
pub(crate) fn settle(root: &mut Element) {
    if let Some(nvram) = child_mut(root, "os").and_then(|os| child_mut(os, "nvram")) {
        settle_storage(nvram);
    }
    let Some(devices) = child_mut(root, "devices") else {
        return;
    };
    for disk in kids_mut(devices, "disk") {
        settle_storage(disk);
    }
    for kind in ["interface", "hostdev"] {
        for dev in kids_mut(devices, kind) {
            settle_ip_info(dev);
            if let Some(source) = child_mut(dev, "source") {
                settle_ip_info(source);
            }
        }
    }
}

/// A storage source holder (a disk, a backing layer, a mirror, an NVRAM)
/// and the layers under it.
fn settle_storage(holder: &mut Element) {
    if let Some(source) = child_mut(holder, "source") {
        if source.attr("protocol").is_some() {
            settle_network_source(source);
        }
        if source.attr("type") == Some("pci") {
            settle_nvme_source(source);
        }
        if let Some(reservations) = child_mut(source, "reservations") {
            settle_reservations(reservations);
        }
    }
    for layer in kids_mut(holder, "backingStore") {
        settle_backing_layer(layer);
    }
    if let Some(mirror) = child_mut(holder, "mirror") {
        settle_storage(mirror);
    }
}

/// Persistent reservations as `virStoragePRDefParseXML` reads them:
/// `managed` given; a connection (required when not managed, read when
/// given) over a UNIX socket in client mode, with a path.
fn settle_reservations(reservations: &mut Element) {
    if !matches!(reservations.attr("managed"), Some("yes" | "no")) {
        reservations.set_attr("managed", "yes");
    }
    let unmanaged = reservations.attr("managed") == Some("no");
    if unmanaged && reservations.child("source").is_none() {
        reservations
            .children
            .push(Node::Element(Element::new("source")));
    }
    if let Some(source) = child_mut(reservations, "source") {
        source.set_attr("type", "unix");
        source.set_attr("mode", "client");
        if source.attr("path").is_none() {
            source.set_attr("path", "/r");
        }
    }
}

/// An NVMe source as `virDomainDiskSourceNVMeParse` reads it (a disk's
/// or a backing layer's): a decimal namespace from 1, its PCI address's
/// numbers in C's base (the schema also lets through hex without `0x`).
fn settle_nvme_source(source: &mut Element) {
    if !source
        .attr("namespace")
        .is_some_and(|n| n.parse::<u64>().is_ok_and(|n| n > 0))
    {
        source.set_attr("namespace", "1");
    }
    if let Some(address) = child_mut(source, "address") {
        for attr in ["domain", "bus", "slot", "function"] {
            if address
                .attr(attr)
                .is_some_and(|v| !crate::settle_devices::fits_u32(v, 0))
            {
                address.set_attr(attr, "0");
            }
        }
    }
}

/// libvirt's image formats (`virStorageFileFormat`): a backing layer's
/// format is one of them (the schema also lets through encryption
/// formats such as `luks`).
const FORMATS: &[&str] = &[
    "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow",
    "qcow", "qcow2", "qed", "vmdk",
];

/// A backing layer with a type has a format libvirt knows and a source
/// (`virDomainDiskBackingStoreParse`).
fn settle_backing_layer(layer: &mut Element) {
    if layer.attr("type").is_some() {
        if layer.child("format").is_none() {
            layer.children.insert(
                0,
                Node::Element(Element::new("format").with_attr("type", "raw")),
            );
        }
        if let Some(format) = child_mut(layer, "format") {
            if !format.attr("type").is_some_and(|t| FORMATS.contains(&t)) {
                format.set_attr("type", "raw");
            }
        }
        if layer.child("source").is_none() {
            let source = match layer.attr("type") {
                Some("network") => Element::new("source").with_attr("protocol", "nbd"),
                _ => Element::new("source"),
            };
            layer.children.push(Node::Element(source));
        }
    }
    settle_storage(layer);
}

/// A network source as `virDomainDiskSourceNetworkParse` reads it: a
/// name (NBD may go without), `pool/image` for RBD and Gluster; hosts as
/// `virDomainStorageNetworkParseHost` reads them (a socket for the UNIX
/// transport and only for it, else a name, a decimal port).
fn settle_network_source(source: &mut Element) {
    let protocol = source.attr("protocol").unwrap_or_default().to_string();
    let pooled = matches!(protocol.as_str(), "rbd" | "gluster");
    match source.attr("name") {
        None if protocol != "nbd" => source.set_attr("name", "pool/image"),
        Some(name) if pooled && name.find('/').is_none_or(|at| at == 0) => {
            let image = name.trim_start_matches('/');
            let image = if image.is_empty() { "image" } else { image };
            source.set_attr("name", format!("pool/{image}"));
        }
        _ => {}
    }
    for host in kids_mut(source, "host") {
        if host.attr("transport") == Some("unix") {
            if host.attr("socket").is_none() {
                host.set_attr("socket", "/tmp/storage.sock");
            }
            continue;
        }
        host.remove_attr("socket");
        if host.attr("name").is_none() {
            host.set_attr("name", "localhost");
        }
        if host.attr("port").is_some_and(|p| p.parse::<u16>().is_err()) {
            host.set_attr("port", "6789");
        }
    }
}

/// The `<ip>`s and `<route>`s of `holder` (an interface, its source, a
/// host network device) as `virDomainNetIPParseXML` and
/// `virNetDevIPRouteParseXML` take them: addresses of the family asked
/// for (IPv4 when none is), a prefix within it, no netmask for IPv6, a
/// route's address the network of its netmask or prefix, a metric above
/// 0. The attributes given stay, with values that fit together.
fn settle_ip_info(holder: &mut Element) {
    for ip in kids_mut(holder, "ip") {
        let v6 = ip.attr("family") == Some("ipv6")
            || (ip.attr("family").is_none()
                && ip
                    .attr("address")
                    .and_then(|a| a.parse::<IpAddr>().ok())
                    .is_some_and(|a| a.is_ipv6()));
        let (address, prefix, peer) = if v6 {
            ("2001:db8::2", "64", "2001:db8::3")
        } else {
            ("192.168.122.2", "24", "192.168.122.3")
        };
        ip.set_attr("address", address);
        for (attr, value) in [("prefix", prefix), ("peer", peer)] {
            if ip.attr(attr).is_some() {
                ip.set_attr(attr, value);
            }
        }
        if ip.attr("family").is_some_and(|f| f != "ipv6") {
            ip.set_attr("family", "ipv4");
        }
    }
    for route in kids_mut(holder, "route") {
        let v6 = route.attr("family") == Some("ipv6") && route.attr("netmask").is_none();
        if route.attr("family").is_some() {
            route.set_attr("family", if v6 { "ipv6" } else { "ipv4" });
        }
        let (address, gateway, netmask, prefix) = if v6 {
            ("2001:db8:1::", "2001:db8::1", "", "48")
        } else {
            ("192.168.1.0", "192.168.122.1", "255.255.255.0", "24")
        };
        // Without a netmask or prefix the mask is 0: the network is all.
        let masked = route.attr("netmask").is_some() || route.attr("prefix").is_some();
        let address = match (masked, v6) {
            (true, _) => address,
            (false, true) => "::",
            (false, false) => "0.0.0.0",
        };
        route.set_attr("address", address);
        route.set_attr("gateway", gateway);
        if route.attr("netmask").is_some() {
            route.set_attr("netmask", netmask);
        }
        if route.attr("prefix").is_some() {
            route.set_attr("prefix", prefix);
        }
        if route.attr("metric").is_some() {
            route.set_attr("metric", "1");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::repair::{refusal, tests::domain_of};

    /// A domain with `parts`; those starting with `<os>` are the OS's
    /// own children (a loader, an NVRAM).
    fn domain(parts: &str) -> Element {
        let Some(os_parts) = parts.strip_prefix("<os>") else {
            return domain_of(1048576, parts);
        };
        let mut root = domain_of(1048576, "");
        let os = virt_xml::parse_element(&format!("<os>{os_parts}")).unwrap();
        if let Some(o) = child_mut(&mut root, "os") {
            o.children.extend(os.children.into_iter().skip(1));
        }
        root
    }

    /// Each part alone is refused by one of libvirt's rules; settled, the
    /// domain is accepted and keeps the part.
    #[test]
    fn settled_sources_and_routes_are_accepted_and_kept() {
        let cases = [
            (
                "<devices><disk type='network' device='disk'><source protocol='rbd' name='p9'>\
                 <config file='/etc/ceph.conf'/><snapshot name='s'/></source>\
                 <target dev='vda'/></disk></devices>",
                "<config file='/etc/ceph.conf'/>",
            ),
            (
                "<devices><disk type='network' device='disk'><source protocol='http'>\
                 <host transport='unix'/></source><target dev='vda'/></disk></devices>",
                "socket=",
            ),
            (
                "<devices><disk type='file' device='disk'><source file='/a'/>\
                 <backingStore type='network'><format type='luks'/><source protocol='rbd'>\
                 <snapshot name='s'/></source></backingStore><target dev='vda'/></disk></devices>",
                "<snapshot name='s'/>",
            ),
            (
                "<devices><disk type='file' device='disk'><source file='/a'/>\
                 <backingStore type='nvme'><format type='raw'/><source type='pci' \
                 managed='yes' namespace='0x1e'><address domain='Cd4' bus='0' slot='1' \
                 function='0'/></source></backingStore><target dev='vda'/></disk></devices>",
                "<address domain='0' bus='0' slot='1' function='0'/>",
            ),
            (
                "<devices><disk type='file' device='disk'><source file='/a'/>\
                 <backingStore type='file'><format type='raw'/><source file='/b'>\
                 <reservations><source type='unix' mode='server'/></reservations></source>\
                 </backingStore><target dev='vda'/></disk></devices>",
                "<source type='unix' mode='client' path='/r'/>",
            ),
            (
                "<os><type>hvm</type><loader type='pflash'>/l</loader>\
                 <nvram type='network'><source protocol='gluster' name='v'>\
                 <config file='/c'/></source></nvram></os>",
                "name='pool/v'",
            ),
            (
                "<devices><interface type='user'><route family='ipv4' address='1.2.3.4' \
                 netmask='255.0.0.0' gateway='::1' metric='0'/></interface></devices>",
                "metric='1'",
            ),
            (
                "<devices><interface type='ethernet'><source><ip address='::1' family='ipv4' \
                 prefix='99'/><route family='ipv6' address='1.2.3.4' prefix='3' \
                 gateway='::1'/></source></interface></devices>",
                "<route family='ipv6'",
            ),
            (
                "<devices><hostdev mode='capabilities' type='net'><source><interface>eth0\
                 </interface></source><ip address='fe::1' family='ipv6' peer='1.2.3.4'/>\
                 <route address='fe::' gateway='1.1.1.1'/></hostdev></devices>",
                "peer='2001:db8::3'",
            ),
        ];
        for (parts, kept) in cases {
            let mut root = domain(parts);
            assert!(refusal(&root).is_some(), "{parts} is accepted as it is");
            crate::repair::settle_steered(&mut root, None);
            let xml = root.to_xml(0);
            assert_eq!(refusal(&root), None, "{xml}");
            assert!(xml.contains(kept), "{kept} not in {xml}");
        }
    }
}
