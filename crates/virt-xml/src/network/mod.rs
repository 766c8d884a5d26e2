//! Virtual network XML (`<network>`): a typed model of libvirt 9.0's
//! network format that keeps what it does not type, checked with libvirt's
//! error codes and texts, written back in libvirt's layout.
//!
//! Every typed part carries an [`Extra`]: the attributes and child elements
//! libvirt's format does not know there. They are written back after the
//! known ones, so a definition survives a read and write unchanged in
//! meaning; [`parse_network_strict`] refuses them instead, as
//! `VIR_NETWORK_DEFINE_VALIDATE` does.

use crate::element::escape;
use crate::error::XmlError;
use crate::model::{Element, Node};
use std::net::{IpAddr, Ipv4Addr};
use uuid::Uuid;
use virt_core::{ErrorCode, ErrorDomain};

mod format;
mod parse;
mod update;

use crate::model::Attr;
use parse::*;
pub use update::{UpdateCommand, UPDATE_SECTIONS};

/// The document name libvirt gives a network definition in its reports.
pub const NETWORK_DOCUMENT: &str = "(network_definition)";

/// What a typed element held that libvirt's format does not know there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Extra {
    /// Unknown attributes, in document order.
    pub attrs: Vec<Attr>,
    /// Unknown child elements, in document order.
    pub children: Vec<Element>,
}

impl Extra {
    /// True when nothing unknown was kept.
    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty() && self.children.is_empty()
    }
}

/// How a network reaches the outside (`<forward mode=...>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForwardMode {
    /// NAT to the host's connections (the default of `<forward/>`).
    Nat,
    /// Routed, no NAT.
    Route,
    /// Routed without any firewall rules.
    Open,
    /// An existing host bridge (or macvtap bridge mode).
    Bridge,
    /// macvtap private mode.
    Private,
    /// macvtap VEPA mode.
    Vepa,
    /// macvtap passthrough.
    Passthrough,
    /// PCI passthrough of SR-IOV functions.
    Hostdev,
}

impl ForwardMode {
    /// libvirt's name of the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            ForwardMode::Nat => "nat",
            ForwardMode::Route => "route",
            ForwardMode::Open => "open",
            ForwardMode::Bridge => "bridge",
            ForwardMode::Private => "private",
            ForwardMode::Vepa => "vepa",
            ForwardMode::Passthrough => "passthrough",
            ForwardMode::Hostdev => "hostdev",
        }
    }

    fn parse(s: &str) -> Option<ForwardMode> {
        Some(match s {
            "nat" => ForwardMode::Nat,
            "route" => ForwardMode::Route,
            "open" => ForwardMode::Open,
            "bridge" => ForwardMode::Bridge,
            "private" => ForwardMode::Private,
            "vepa" => ForwardMode::Vepa,
            "passthrough" => ForwardMode::Passthrough,
            "hostdev" => ForwardMode::Hostdev,
            _ => return None,
        })
    }

    /// True for the modes where libvirt runs the bridge itself (with its
    /// addresses, dnsmasq and firewall rules).
    pub fn has_own_bridge(mode: Option<ForwardMode>) -> bool {
        matches!(
            mode,
            None | Some(ForwardMode::Nat | ForwardMode::Route | ForwardMode::Open)
        )
    }
}

/// `<forward><nat>`: the public address range and port range of NAT.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nat {
    /// `ipv6='yes|no'`: NAT for IPv6 too.
    pub ipv6: Option<bool>,
    /// `<address start end>`.
    pub address: Option<(Ipv4Addr, Ipv4Addr)>,
    /// `<port start end>`.
    pub port: Option<(u16, u16)>,
    /// Unknown content.
    pub extra: Extra,
}

/// `<forward>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    /// The mode.
    pub mode: ForwardMode,
    /// `managed='yes|no'` (hostdev).
    pub managed: Option<bool>,
    /// `<driver name=...>` (hostdev).
    pub driver: Option<String>,
    /// `<nat>`.
    pub nat: Option<Nat>,
    /// `<pf dev=...>`.
    pub pfs: Vec<String>,
    /// `<interface dev=...>` (the `dev` attribute is the first of them).
    pub interfaces: Vec<String>,
    /// `<address type='pci' .../>` of hostdev and passthrough pools.
    pub addresses: Vec<Element>,
    /// Unknown content.
    pub extra: Extra,
}

/// `<bridge>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bridge {
    /// Device name (`virbr0`).
    pub name: Option<String>,
    /// firewalld zone.
    pub zone: Option<String>,
    /// Spanning tree (`stp`, default on).
    pub stp: Option<bool>,
    /// Forward delay, seconds (default 0).
    pub delay: Option<u32>,
    /// `macTableManager='kernel|libvirt'`.
    pub mac_table_manager: Option<String>,
    /// Unknown content.
    pub extra: Extra,
}

/// `<domain>`: the DNS domain of the network.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DnsDomain {
    /// The domain name.
    pub name: Option<String>,
    /// `localOnly='yes|no'`: never forward queries for it.
    pub local_only: Option<bool>,
    /// Unknown content.
    pub extra: Extra,
}

/// `<dns><forwarder>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Forwarder {
    /// Only for this domain.
    pub domain: Option<String>,
    /// The upstream server.
    pub addr: Option<IpAddr>,
    /// Unknown content.
    pub extra: Extra,
}

/// `<dns><srv>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SrvRecord {
    /// `service`.
    pub service: String,
    /// `protocol` (tcp, udp).
    pub protocol: String,
    /// `domain`.
    pub domain: Option<String>,
    /// `target`.
    pub target: Option<String>,
    /// `port`.
    pub port: Option<u32>,
    /// `priority`.
    pub priority: Option<u32>,
    /// `weight`.
    pub weight: Option<u32>,
    /// Unknown content.
    pub extra: Extra,
}

/// `<dns><host>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DnsHost {
    /// The address.
    pub ip: Option<IpAddr>,
    /// Its names.
    pub hostnames: Vec<String>,
    /// Unknown content.
    pub extra: Extra,
}

/// `<dns>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dns {
    /// `enable='yes|no'`.
    pub enable: Option<bool>,
    /// `forwardPlainNames='yes|no'`.
    pub forward_plain_names: Option<bool>,
    /// Upstream servers.
    pub forwarders: Vec<Forwarder>,
    /// TXT records (name, value).
    pub txts: Vec<(String, String)>,
    /// SRV records.
    pub srvs: Vec<SrvRecord>,
    /// Host records.
    pub hosts: Vec<DnsHost>,
    /// Unknown content.
    pub extra: Extra,
}

/// `<lease expiry unit>`: a DHCP lease time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    /// The count (0: infinite).
    pub expiry: u64,
    /// The unit: seconds, minutes (default) or hours.
    pub unit: LeaseUnit,
}

/// The unit of a [`Lease`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseUnit {
    /// seconds
    Seconds,
    /// minutes
    Minutes,
    /// hours
    Hours,
}

impl Lease {
    /// The lease time in seconds (0: infinite).
    pub fn seconds(&self) -> u64 {
        self.expiry.saturating_mul(match self.unit {
            LeaseUnit::Seconds => 1,
            LeaseUnit::Minutes => 60,
            LeaseUnit::Hours => 3600,
        })
    }
}

/// `<dhcp><range>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpRange {
    /// First address.
    pub start: IpAddr,
    /// Last address.
    pub end: IpAddr,
    /// Lease time.
    pub lease: Option<Lease>,
    /// Unknown content.
    pub extra: Extra,
}

/// `<dhcp><host>`: a fixed address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DhcpHost {
    /// DHCPv6 client id.
    pub id: Option<String>,
    /// MAC address, as written.
    pub mac: Option<String>,
    /// Host name.
    pub name: Option<String>,
    /// The address.
    pub ip: Option<IpAddr>,
    /// Lease time.
    pub lease: Option<Lease>,
    /// Unknown content.
    pub extra: Extra,
}

/// `<dhcp>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dhcp {
    /// Address ranges.
    pub ranges: Vec<DhcpRange>,
    /// Fixed hosts.
    pub hosts: Vec<DhcpHost>,
    /// `<bootp file server>`.
    pub bootp: Option<(String, Option<IpAddr>)>,
    /// Unknown content.
    pub extra: Extra,
}

/// `<ip>`: one address of the bridge, with its DHCP service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpDef {
    /// `family='ipv4|ipv6'` as written.
    pub family: Option<String>,
    /// The bridge's address.
    pub address: IpAddr,
    /// `netmask` (IPv4).
    pub netmask: Option<Ipv4Addr>,
    /// `prefix`.
    pub prefix: Option<u32>,
    /// `localPtr='yes|no'`.
    pub local_ptr: Option<bool>,
    /// `<tftp root>`.
    pub tftp_root: Option<String>,
    /// `<dhcp>`.
    pub dhcp: Option<Dhcp>,
    /// Unknown content.
    pub extra: Extra,
}

impl IpDef {
    /// The prefix length: `prefix`, else the netmask's, else the address
    /// class's (IPv4) or 64 (IPv6), as libvirt decides it.
    pub fn prefix_len(&self) -> u32 {
        if let Some(p) = self.prefix {
            return p;
        }
        if let Some(m) = self.netmask {
            return u32::from(m).count_ones();
        }
        match self.address {
            IpAddr::V4(a) => {
                let o = a.octets()[0];
                if o & 0x80 == 0 {
                    8
                } else if o & 0xc0 == 0x80 {
                    16
                } else {
                    24
                }
            }
            IpAddr::V6(_) => 64,
        }
    }

    /// True for an IPv6 address.
    pub fn is_ipv6(&self) -> bool {
        self.address.is_ipv6()
    }

    /// True when `a` lies in this address's subnet.
    pub fn contains(&self, a: &IpAddr) -> bool {
        same_subnet(&self.address, a, self.prefix_len())
    }
}

/// True when `a` and `b` agree on their first `prefix` bits.
pub fn same_subnet(a: &IpAddr, b: &IpAddr, prefix: u32) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix.min(32))
            };
            u32::from(*a) & mask == u32::from(*b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix.min(128))
            };
            u128::from(*a) & mask == u128::from(*b) & mask
        }
        _ => false,
    }
}

/// `<route>`: a static route through a host on the network.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Route {
    /// `family`.
    pub family: Option<String>,
    /// Destination network.
    pub address: Option<String>,
    /// `netmask`.
    pub netmask: Option<String>,
    /// `prefix`.
    pub prefix: Option<u32>,
    /// The gateway.
    pub gateway: Option<String>,
    /// `metric`.
    pub metric: Option<u32>,
    /// Unknown content.
    pub extra: Extra,
}

/// `<portgroup>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortGroup {
    /// Its name.
    pub name: String,
    /// `default='yes'`.
    pub default: Option<bool>,
    /// `trustGuestRxFilters`.
    pub trust_guest_rx_filters: Option<bool>,
    /// `<vlan>` as written.
    pub vlan: Option<Element>,
    /// `<virtualport>` as written.
    pub virtualport: Option<Element>,
    /// `<bandwidth>` as written.
    pub bandwidth: Option<Element>,
    /// Unknown content.
    pub extra: Extra,
}

/// A whole `<network>` definition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkDef {
    /// `<name>`.
    pub name: String,
    /// `<uuid>` (filled in at define time when absent).
    pub uuid: Option<Uuid>,
    /// `ipv6='yes'`: guest-to-guest IPv6 without an IPv6 address.
    pub ipv6: Option<bool>,
    /// `trustGuestRxFilters`.
    pub trust_guest_rx_filters: Option<bool>,
    /// `<metadata>` as written.
    pub metadata: Option<Element>,
    /// `<forward>`; `None` is an isolated network.
    pub forward: Option<Forward>,
    /// `<bridge>`.
    pub bridge: Option<Bridge>,
    /// `<mtu size>`.
    pub mtu: Option<u32>,
    /// `<mac address>` of the bridge, lower case.
    pub mac: Option<String>,
    /// `<domain>`.
    pub domain: Option<DnsDomain>,
    /// `<dns>`.
    pub dns: Option<Dns>,
    /// `<vlan>` as written.
    pub vlan: Option<Element>,
    /// `<bandwidth>` as written.
    pub bandwidth: Option<Element>,
    /// `<ip>` elements.
    pub ips: Vec<IpDef>,
    /// `<route>` elements.
    pub routes: Vec<Route>,
    /// `<virtualport>` as written.
    pub virtualport: Option<Element>,
    /// `<portgroup>` elements.
    pub portgroups: Vec<PortGroup>,
    /// Unknown content of `<network>` (namespaced elements such as
    /// `<dnsmasq:options>` included).
    pub extra: Extra,
}

impl NetworkDef {
    /// The forward mode, `None` for an isolated network.
    pub fn forward_mode(&self) -> Option<ForwardMode> {
        self.forward.as_ref().map(|f| f.mode)
    }

    /// The bridge device name, if set.
    pub fn bridge_name(&self) -> Option<&str> {
        self.bridge.as_ref().and_then(|b| b.name.as_deref())
    }

    /// True when anything unknown was kept anywhere.
    pub fn has_unknown(&self) -> bool {
        let mut found = !self.extra.is_empty();
        self.visit_extras(&mut |_, e| found |= !e.is_empty());
        found
    }

    fn visit_extras(&self, f: &mut dyn FnMut(&str, &Extra)) {
        if let Some(x) = &self.forward {
            f("forward", &x.extra);
            if let Some(n) = &x.nat {
                f("nat", &n.extra);
            }
        }
        if let Some(b) = &self.bridge {
            f("bridge", &b.extra);
        }
        if let Some(d) = &self.domain {
            f("domain", &d.extra);
        }
        if let Some(d) = &self.dns {
            f("dns", &d.extra);
            d.forwarders.iter().for_each(|x| f("forwarder", &x.extra));
            d.srvs.iter().for_each(|x| f("srv", &x.extra));
            d.hosts.iter().for_each(|x| f("host", &x.extra));
        }
        for ip in &self.ips {
            f("ip", &ip.extra);
            if let Some(d) = &ip.dhcp {
                f("dhcp", &d.extra);
                d.ranges.iter().for_each(|x| f("range", &x.extra));
                d.hosts.iter().for_each(|x| f("host", &x.extra));
            }
        }
        self.routes.iter().for_each(|x| f("route", &x.extra));
        self.portgroups
            .iter()
            .for_each(|x| f("portgroup", &x.extra));
    }
}

/// A refusal in libvirt's exact words, code and error domain.
fn refuse(code: ErrorCode, domain: ErrorDomain, message: impl Into<String>) -> XmlError {
    XmlError::Refused {
        code,
        domain,
        message: message.into(),
    }
}

fn xml_error(message: impl AsRef<str>) -> XmlError {
    refuse(
        ErrorCode::XmlError,
        ErrorDomain::Network,
        format!("XML error: {}", message.as_ref()),
    )
}

fn unsupported(message: impl AsRef<str>) -> XmlError {
    refuse(
        ErrorCode::ConfigUnsupported,
        ErrorDomain::Network,
        format!("unsupported configuration: {}", message.as_ref()),
    )
}

fn detail(message: impl Into<String>) -> XmlError {
    refuse(ErrorCode::XmlDetail, ErrorDomain::Network, message)
}

/// Reads the known attributes and children of one element and keeps the
/// rest as [`Extra`].
struct Taker<'a> {
    el: &'a Element,
    attr_used: Vec<bool>,
    child_used: Vec<bool>,
}

impl<'a> Taker<'a> {
    fn new(el: &'a Element) -> Self {
        Taker {
            el,
            attr_used: vec![false; el.attrs.len()],
            child_used: vec![false; el.children.len()],
        }
    }

    fn attr(&mut self, name: &str) -> Option<&'a str> {
        let i = self.el.attrs.iter().position(|(k, _)| k == name)?;
        self.attr_used[i] = true;
        Some(self.el.attrs[i].1.as_str())
    }

    fn children(&mut self, name: &str) -> Vec<&'a Element> {
        let mut out = Vec::new();
        for (i, n) in self.el.children.iter().enumerate() {
            if let Node::Element(e) = n {
                if e.name == name {
                    self.child_used[i] = true;
                    out.push(e);
                }
            }
        }
        out
    }

    fn child(&mut self, name: &str) -> Option<&'a Element> {
        self.children(name).into_iter().next()
    }

    fn finish(self) -> Extra {
        let attrs = self
            .el
            .attrs
            .iter()
            .zip(&self.attr_used)
            .filter(|(_, used)| !**used)
            .map(|(a, _)| a.clone())
            .collect();
        let children = self
            .el
            .children
            .iter()
            .zip(&self.child_used)
            .filter_map(|(n, used)| match n {
                Node::Element(e) if !used => Some(e.clone()),
                _ => None,
            })
            .collect();
        Extra { attrs, children }
    }
}

fn yes_no(v: &str) -> Option<bool> {
    match v {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// A yes/no attribute refused as libvirt's XML layer refuses it.
fn tristate(t: &mut Taker, attr: &str, element: &str) -> Result<Option<bool>, XmlError> {
    match t.attr(attr) {
        None => Ok(None),
        Some(v) => yes_no(v).map(Some).ok_or_else(|| {
            refuse(
                ErrorCode::XmlError,
                ErrorDomain::Xml,
                format!("XML error: Invalid value for attribute '{attr}' in element '{element}': '{v}'."),
            )
        }),
    }
}

fn unsigned(t: &mut Taker, attr: &str, element: &str) -> Result<Option<u64>, XmlError> {
    match t.attr(attr) {
        None => Ok(None),
        Some(v) => v
            .parse::<u64>()
            .map(Some)
            .map_err(|_| XmlError::NotUnsigned {
                attr: attr.into(),
                element: element.into(),
                value: v.into(),
            }),
    }
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    s.trim().parse().ok()
}

/// A MAC address as libvirt reads one: six hex bytes split by ':' (or '-').
fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let parts: Vec<&str> = s.split([':', '-']).collect();
    if parts.len() != 6 {
        return None;
    }
    let mut out = [0u8; 6];
    for (o, p) in out.iter_mut().zip(parts) {
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        *o = u8::from_str_radix(p, 16).ok()?;
    }
    Some(out)
}

fn format_mac(m: &[u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Parse a network definition, keeping what libvirt's format does not know.
pub fn parse_network(xml: &str) -> Result<NetworkDef, XmlError> {
    crate::reader::parse_element_in(xml, NETWORK_DOCUMENT)
        .and_then(|root| NetworkDef::from_element(&root))
        .map_err(network_error)
}

/// libvirt's network parser (network_conf.c, the XML reading it starts
/// included) reports in `VIR_FROM_NETWORK` what the domain parser reports
/// in `VIR_FROM_DOMAIN`; errors of the XML helpers keep their own domain.
fn network_error(error: XmlError) -> XmlError {
    if error.error_domain() == virt_core::ErrorDomain::Domain {
        XmlError::Reported {
            domain: virt_core::ErrorDomain::Network,
            error: Box::new(error),
        }
    } else {
        error
    }
}

/// Parse a network definition and refuse anything libvirt's schema does
/// not allow (`VIR_NETWORK_DEFINE_VALIDATE`).
pub fn parse_network_strict(xml: &str) -> Result<NetworkDef, XmlError> {
    let def = parse_network(xml)?;
    let mut first: Option<(String, String)> = def
        .extra
        .children
        .first()
        .map(|c| ("network".into(), c.name.to_string()));
    if first.is_none() {
        if let Some((a, _)) = def.extra.attrs.first() {
            first = Some(("network".into(), format!("@{a}")));
        }
    }
    def.visit_extras(&mut |parent, e| {
        if first.is_none() {
            if let Some(c) = e.children.first() {
                first = Some((parent.to_string(), c.name.to_string()));
            } else if let Some((a, _)) = e.attrs.first() {
                first = Some((parent.to_string(), format!("@{a}")));
            }
        }
    });
    match first {
        None => Ok(def),
        Some((parent, what)) => {
            let line = match what.strip_prefix('@') {
                Some(a) => format!("Invalid attribute {a} for element {parent}"),
                None => format!("Element {parent} has extra content: {what}"),
            };
            Err(refuse(
                ErrorCode::XmlInvalidSchema,
                ErrorDomain::Network,
                format!(
                    "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/network.rng\n{line}\n"
                ),
            ))
        }
    }
}
