//! Typed views of a guest network interface's parts: its `<driver>` and
//! `<source>` (with the local end, addresses and routes), MTU, bandwidth,
//! virtual port, VLANs and the attributes of `<interface>` itself. Like
//! the other views they read from the stored element and write back into
//! it in place.

use super::values::{attrs_view, set_attrs_view};
use super::*;

flat_view! {
    /// An interface's `<driver>`: the backend and its queues.
    InterfaceDriver = "driver" {
        name: String = "name",
        txmode: String = "txmode",
        ioeventfd: String = "ioeventfd" ["on", "off"],
        event_idx: String = "event_idx" ["on", "off"],
        queues: u32 = "queues",
        rx_queue_size: u32 = "rx_queue_size",
        tx_queue_size: u32 = "tx_queue_size",
        rss: String = "rss",
        rss_hash_report: String = "rss_hash_report",
        iommu: String = "iommu",
        ats: String = "ats",
        packed: String = "packed",
        page_per_vq: String = "page_per_vq",
    }
}

flat_view! {
    /// An interface's `<source>` attributes (which depend on its type).
    InterfaceSource = "source" {
        name: String = "name",
        bridge: String = "bridge",
        network: String = "network",
        portgroup: String = "portgroup",
        portid: String = "portid",
        dev: String = "dev",
        mode: String = "mode",
        source_type: String = "type",
        path: String = "path",
        address: String = "address",
        port: String = "port",
        connectionid: String = "connectionid",
        portgroupid: String = "portgroupid",
        switchid: String = "switchid",
        missing: String = "missing",
    }
}

flat_view! {
    /// `<local>` of a udp interface source.
    SourceLocal = "local" { address: String = "address", port: String = "port" }
}

flat_view! {
    /// `<ip>` of an interface source (the host side of a user or
    /// ethernet interface).
    SourceIp = "ip" {
        address: String = "address",
        family: String = "family",
        prefix: u32 = "prefix",
        peer: String = "peer",
    }
}

/// An interface's own `<ip address= family= prefix= peer=>` (the guest
/// side), the same attributes as its source's.
pub type InterfaceIp = SourceIp;

flat_view! {
    /// `<route>` of an interface source.
    SourceRoute = "route" {
        family: String = "family",
        address: String = "address",
        prefix: u32 = "prefix",
        gateway: String = "gateway",
        metric: String = "metric",
        netmask: String = "netmask",
    }
}

flat_view! {
    /// An interface's `<mtu size=...>`.
    Mtu = "mtu" { size: u32 = "size" }
}

flat_view! {
    /// One direction of an interface's `<bandwidth>`, in KiB/s and KiB.
    BandwidthRate = "inbound" {
        average: u64 = "average",
        peak: u64 = "peak",
        burst: u64 = "burst",
        floor: u64 = "floor",
    }
}

flat_view! {
    /// An interface's `<bandwidth>`.
    Bandwidth = "bandwidth" { class_id: String = "classID" } children {
        /// `<inbound>`.
        inbound: one BandwidthRate = "inbound",
        /// `<outbound>`.
        outbound: one BandwidthRate = "outbound",
    }
}

flat_view! {
    /// `<parameters>` of a virtual port (802.1Qbg/Qbh, Open vSwitch).
    VirtualPortParameters = "parameters" {
        managerid: String = "managerid",
        typeid: String = "typeid",
        typeidversion: String = "typeidversion",
        instanceid: String = "instanceid",
        profileid: String = "profileid",
        interfaceid: String = "interfaceid",
    }
}

flat_view! {
    /// An interface's `<virtualport>`: `type=` 802.1Qbg, 802.1Qbh,
    /// openvswitch, midonet.
    VirtualPort = "virtualport" { port_type: String = "type" } children {
        /// `<parameters>`.
        parameters: one VirtualPortParameters,
    }
}

flat_view! {
    /// A `<tag>` of a `<vlan>`.
    VlanTag = "tag" {
        id: u32 = "id",
        native_mode: String = "nativeMode",
    }
}

flat_view! {
    /// An interface's `<vlan>`.
    Vlan = "vlan" { trunk: String = "trunk" ["yes", "no"] } children {
        /// The `<tag>`s in order.
        tags: many VlanTag,
    }
}

/// virNetDevVlanParse's refusals, in its order: at least one tag, each
/// with a number id up to 4095 and at most one native mode among them;
/// then `trunk` (yes or no in any case), not `no` with more than one tag
/// or with a native mode.
pub(crate) fn check_vlan(vlan: &Element) -> Result<(), XmlError> {
    let mut tags = 0;
    let mut native = false;
    for tag in vlan.children_named("tag") {
        tags += 1;
        let id = crate::validate::prop_uint(tag, "id", 10, true, false)?.unwrap_or_default();
        if id > 4095 {
            return Err(XmlError::Invalid(format!(
                "vlan tag id {id} too large (maximum 4095)"
            )));
        }
        if let Some(mode) = tag.attr("nativeMode") {
            if !matches!(mode, "tagged" | "untagged") {
                return Err(XmlError::Invalid(format!(
                    "Invalid value for attribute 'nativeMode' in element 'tag': '{mode}'."
                )));
            }
            if std::mem::replace(&mut native, true) {
                return Err(XmlError::Invalid("duplicate native vlan setting".into()));
            }
        }
    }
    if tags == 0 {
        return Err(XmlError::Invalid(
            "missing tag id - each <vlan> must have at least one <tag id='n'/> subelement".into(),
        ));
    }
    match vlan.attr("trunk") {
        Some(t) if !t.eq_ignore_ascii_case("yes") => {
            if tags > 1 {
                Err(XmlError::Invalid(format!(
                    "invalid \"trunk='{t}'\" in <vlan> - trunk='yes' is required for more than one vlan tag"
                )))
            } else if native {
                Err(XmlError::Invalid(
                    "invalid configuration in <vlan> - \"trunk='no'\" is not allowed with a native vlan id".into(),
                ))
            } else if !t.eq_ignore_ascii_case("no") {
                Err(XmlError::Invalid(format!(
                    "invalid \"trunk='{t}'\" in <vlan> - must be yes or no"
                )))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

flat_view! {
    /// The attributes of `<interface>` beyond its type.
    InterfaceOptions = "interface" {
        managed: String = "managed" ["yes", "no"],
        trust_guest_rx_filters: String = "trustGuestRxFilters" ["yes", "no"],
    }
}

impl Interface {
    /// The attributes of `<interface>` beyond its type, typed.
    pub fn options(&self) -> Result<InterfaceOptions, XmlError> {
        attrs_view(&self.attrs)
    }

    /// Write the interface's options back in place.
    pub fn set_options(&mut self, options: &InterfaceOptions) {
        set_attrs_view(&mut self.attrs, options)
    }

    /// The `<source>` attributes, typed.
    pub fn typed_source(&self) -> Result<InterfaceSource, XmlError> {
        attrs_view(&self.source)
    }

    /// Write the `<source>` attributes back in place.
    pub fn set_typed_source(&mut self, source: &InterfaceSource) {
        set_attrs_view(&mut self.source, source);
        if let Some(e) = self.extra.iter_mut().find(|e| e.name == "source") {
            e.attrs = self.source.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    fn verdict(vlans: &str) -> String {
        let xml = format!(
            "<domain type='test'><name>c</name><memory>1024</memory><os><type>hvm</type></os>\
             <devices><interface type='user'>{vlans}</interface></devices></domain>"
        );
        match crate::parse_domain(&xml) {
            Ok(_) => "OK".into(),
            Err(e) => e.to_string(),
        }
    }

    // Texts observed from libvirt 9.0 through virsh: virNetDevVlanParse's
    // refusals in its order; a trunk in any case; the first <vlan> only.
    #[test]
    fn vlan_refused_as_libvirt_refuses_it() {
        let xml_error = |m: &str| format!("XML error: {m}");
        assert_eq!(
            verdict("<vlan trunk='x'/>"),
            xml_error(
                "missing tag id - each <vlan> must have at least one <tag id='n'/> subelement"
            )
        );
        assert_eq!(
            verdict("<vlan><tag id='4096'/></vlan>"),
            xml_error("vlan tag id 4096 too large (maximum 4095)")
        );
        assert_eq!(
            verdict("<vlan><tag id='1' nativeMode='default'/></vlan>"),
            xml_error("Invalid value for attribute 'nativeMode' in element 'tag': 'default'.")
        );
        assert_eq!(
            verdict(
                "<vlan><tag id='1' nativeMode='tagged'/><tag id='2' nativeMode='untagged'/></vlan>"
            ),
            xml_error("duplicate native vlan setting")
        );
        assert_eq!(
            verdict("<vlan trunk='No'><tag id='1'/><tag id='2'/></vlan>"),
            xml_error("invalid \"trunk='No'\" in <vlan> - trunk='yes' is required for more than one vlan tag")
        );
        assert_eq!(
            verdict("<vlan trunk='x'><tag id='1' nativeMode='tagged'/></vlan>"),
            xml_error("invalid configuration in <vlan> - \"trunk='no'\" is not allowed with a native vlan id")
        );
        assert_eq!(
            verdict("<vlan trunk='x'><tag id='1'/></vlan>"),
            xml_error("invalid \"trunk='x'\" in <vlan> - must be yes or no")
        );
        assert_eq!(
            verdict("<vlan trunk='YES'><tag id='1'/></vlan><vlan/>"),
            "OK"
        );
    }
}
