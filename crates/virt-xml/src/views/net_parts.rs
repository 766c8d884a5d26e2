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
