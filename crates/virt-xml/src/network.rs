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

/// The document name libvirt gives a network definition in its reports.
pub const NETWORK_DOCUMENT: &str = "(network_definition)";

/// What a typed element held that libvirt's format does not know there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Extra {
    /// Unknown attributes, in document order.
    pub attrs: Vec<(String, String)>,
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
    let root = crate::reader::parse_element_in(xml, NETWORK_DOCUMENT)?;
    NetworkDef::from_element(&root)
}

/// Parse a network definition and refuse anything libvirt's schema does
/// not allow (`VIR_NETWORK_DEFINE_VALIDATE`).
pub fn parse_network_strict(xml: &str) -> Result<NetworkDef, XmlError> {
    let def = parse_network(xml)?;
    let mut first: Option<(String, String)> = def
        .extra
        .children
        .first()
        .map(|c| ("network".to_string(), c.name.clone()));
    if first.is_none() {
        if let Some((a, _)) = def.extra.attrs.first() {
            first = Some(("network".into(), format!("@{a}")));
        }
    }
    def.visit_extras(&mut |parent, e| {
        if first.is_none() {
            if let Some(c) = e.children.first() {
                first = Some((parent.to_string(), c.name.clone()));
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

impl NetworkDef {
    /// Type a parsed `<network>` element, checking values as libvirt's
    /// define does.
    pub fn from_element(root: &Element) -> Result<NetworkDef, XmlError> {
        if root.name != "network" {
            return Err(XmlError::Invalid(format!(
                "expecting root element of 'network', not '{}'",
                root.name
            )));
        }
        let mut t = Taker::new(root);
        let mut def = NetworkDef::default();
        let name = t.child("name").map(|e| e.text()).unwrap_or_default();
        if name.is_empty() {
            return Err(refuse(
                ErrorCode::NoName,
                ErrorDomain::Network,
                "missing name information",
            ));
        }
        if name.contains('/') {
            return Err(refuse(
                ErrorCode::XmlDetail,
                ErrorDomain::Xml,
                "invalid char in name: /",
            ));
        }
        def.name = name;
        if let Some(u) = t.child("uuid") {
            let text = u.text();
            def.uuid = Some(crate::parse::parse_uuid(text.trim()).ok_or_else(|| {
                refuse(
                    ErrorCode::InternalError,
                    ErrorDomain::Network,
                    "internal error: malformed uuid element",
                )
            })?);
        }
        def.ipv6 = match t.attr("ipv6") {
            None => None,
            Some(v) => Some(yes_no(v).ok_or_else(|| {
                xml_error(format!(
                    "Invalid ipv6 setting '{v}' in network '{}'",
                    def.name
                ))
            })?),
        };
        def.trust_guest_rx_filters = match t.attr("trustGuestRxFilters") {
            None => None,
            Some(v) => Some(yes_no(v).ok_or_else(|| {
                xml_error(format!(
                    "Invalid trustGuestRxFilters setting '{v}' in network '{}'",
                    def.name
                ))
            })?),
        };
        def.metadata = t.child("metadata").cloned();
        let net = def.name.clone();
        if let Some(f) = t.child("forward") {
            def.forward = Some(parse_forward(f, &net)?);
        }
        if let Some(b) = t.child("bridge") {
            def.bridge = Some(parse_bridge(b, &net)?);
        }
        if let Some(m) = t.child("mtu") {
            let mut mt = Taker::new(m);
            let v = mt.attr("size").unwrap_or("");
            def.mtu =
                Some(v.parse::<u32>().map_err(|_| {
                    xml_error(format!("Invalid mtu size '{v}' in network '{net}'"))
                })?);
        }
        if let Some(m) = t.child("mac") {
            let v = m.attr("address").unwrap_or("");
            let mac = parse_mac(v).ok_or_else(|| {
                xml_error(format!(
                    "Invalid bridge mac address '{v}' in network '{net}'"
                ))
            })?;
            if mac[0] & 1 == 1 {
                return Err(xml_error(format!(
                    "Invalid multicast bridge mac address '{v}' in network '{net}'"
                )));
            }
            def.mac = Some(format_mac(&mac));
        }
        if let Some(d) = t.child("domain") {
            let mut dt = Taker::new(d);
            let name = dt.attr("name").map(str::to_string);
            let local_only = tristate(&mut dt, "localOnly", "domain")?;
            def.domain = Some(DnsDomain {
                name,
                local_only,
                extra: dt.finish(),
            });
        }
        if let Some(d) = t.child("dns") {
            def.dns = Some(parse_dns(d, &net)?);
        }
        def.vlan = t.child("vlan").cloned();
        if let Some(b) = t.child("bandwidth") {
            check_bandwidth(b)?;
            def.bandwidth = Some(b.clone());
        }
        for ip in t.children("ip") {
            def.ips.push(parse_ip_def(ip, &net)?);
        }
        for r in t.children("route") {
            def.routes.push(parse_route(r, &net)?);
        }
        def.virtualport = t.child("virtualport").cloned();
        for p in t.children("portgroup") {
            def.portgroups.push(parse_portgroup(p)?);
        }
        def.extra = t.finish();
        check_network(&def)?;
        Ok(def)
    }
}

fn check_bandwidth(b: &Element) -> Result<(), XmlError> {
    for dir in b.elements() {
        for key in ["average", "peak", "burst", "floor"] {
            if let Some(v) = dir.attr(key) {
                if v.parse::<u64>().is_err() {
                    return Err(refuse(
                        ErrorCode::ConfigUnsupported,
                        ErrorDomain::None,
                        format!("unsupported configuration: could not convert bandwidth {key} value '{v}'"),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn parse_forward(f: &Element, net: &str) -> Result<Forward, XmlError> {
    let mut t = Taker::new(f);
    let mode = match t.attr("mode") {
        None => ForwardMode::Nat,
        Some(m) => ForwardMode::parse(m)
            .ok_or_else(|| unsupported(format!("unknown forwarding type '{m}'")))?,
    };
    let dev = t.attr("dev").map(str::to_string);
    let managed = t.attr("managed").map(|v| v == "yes");
    let driver = t
        .child("driver")
        .and_then(|d| d.attr("name"))
        .map(str::to_string);
    let nat = match t.child("nat") {
        None => None,
        Some(n) => Some(parse_nat(n, net)?),
    };
    let pfs: Vec<String> = t
        .children("pf")
        .iter()
        .filter_map(|p| p.attr("dev").map(str::to_string))
        .collect();
    let mut interfaces: Vec<String> = Vec::new();
    for i in t.children("interface") {
        let d = i.attr("dev").unwrap_or("").to_string();
        if d.is_empty() {
            return Err(xml_error(format!(
                "Missing required dev attribute in <forward> <interface> element of network {net}"
            )));
        }
        if interfaces.contains(&d) {
            return Err(xml_error(format!(
                "interface '{d}' can only be listed once in network {net}"
            )));
        }
        interfaces.push(d);
    }
    let addresses: Vec<Element> = t.children("address").into_iter().cloned().collect();
    let mut seen = Vec::new();
    for a in &addresses {
        let key = format!(
            "{:04x}:{:02x}:{:02x}.{:x}",
            hex_attr(a, "domain"),
            hex_attr(a, "bus"),
            hex_attr(a, "slot"),
            hex_attr(a, "function")
        );
        if seen.contains(&key) {
            return Err(xml_error(format!(
                "PCI device '{key}' can only be listed once in network {net}"
            )));
        }
        seen.push(key);
    }
    if let Some(d) = &dev {
        match interfaces.first() {
            None if pfs.is_empty() => interfaces.push(d.clone()),
            Some(first) if first != d => {
                return Err(xml_error(format!(
                    "forward dev '{d}' must match first interface element dev '{first}' in network '{net}'"
                )))
            }
            _ => {}
        }
    }
    if nat.is_some() && mode != ForwardMode::Nat {
        return Err(xml_error(format!(
            "The <nat> element can only be used when <forward> 'mode' is 'nat' in network {net}"
        )));
    }
    Ok(Forward {
        mode,
        managed,
        driver,
        nat,
        pfs,
        interfaces,
        addresses,
        extra: t.finish(),
    })
}

fn hex_attr(e: &Element, name: &str) -> u32 {
    e.attr(name)
        .map(|v| {
            let v = v.trim_start_matches("0x");
            u32::from_str_radix(v, 16).unwrap_or(0)
        })
        .unwrap_or(0)
}

fn parse_nat(n: &Element, net: &str) -> Result<Nat, XmlError> {
    let mut t = Taker::new(n);
    let ipv6 = tristate(&mut t, "ipv6", "nat")?;
    let address = match t.child("address") {
        None => None,
        Some(a) => {
            let get = |k: &str| a.attr(k).and_then(|v| v.parse::<Ipv4Addr>().ok());
            match (get("start"), get("end")) {
                (Some(s), Some(e)) => Some((s, e)),
                (s, e) => {
                    let s = s.or(e);
                    Some((
                        s.ok_or_else(|| {
                            detail(format!(
                                "Missing or invalid 'start' attribute in <address> in <nat> in <forward> in network {net}"
                            ))
                        })?,
                        s.unwrap_or(Ipv4Addr::UNSPECIFIED),
                    ))
                }
            }
        }
    };
    let port = match t.child("port") {
        None => None,
        Some(p) => {
            let get = |k: &str| p.attr(k).and_then(|v| v.parse::<u16>().ok());
            let start = get("start").ok_or_else(|| {
                detail(format!(
                    "Missing or invalid 'start' attribute in <port> in <nat> in <forward> in network {net}"
                ))
            })?;
            let end = get("end").ok_or_else(|| {
                detail(format!(
                    "Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network {net}"
                ))
            })?;
            Some((start, end))
        }
    };
    Ok(Nat {
        ipv6,
        address,
        port,
        extra: t.finish(),
    })
}

fn parse_bridge(b: &Element, net: &str) -> Result<Bridge, XmlError> {
    let mut t = Taker::new(b);
    let name = t.attr("name").map(str::to_string);
    let zone = t.attr("zone").map(str::to_string);
    // libvirt treats anything but "off" as on.
    let stp = t.attr("stp").map(|v| v != "off");
    let delay = match t.attr("delay") {
        None => None,
        Some(v) => Some(
            v.parse::<u32>()
                .map_err(|_| xml_error(format!("Invalid delay value in network '{net}'")))?,
        ),
    };
    let mac_table_manager = match t.attr("macTableManager") {
        None => None,
        Some(v @ ("kernel" | "libvirt")) => Some(v.to_string()),
        Some(v) => {
            return Err(xml_error(format!(
                "Invalid macTableManager setting '{v}' in network '{net}'"
            )))
        }
    };
    Ok(Bridge {
        name,
        zone,
        stp,
        delay,
        mac_table_manager,
        extra: t.finish(),
    })
}

fn parse_dns(d: &Element, net: &str) -> Result<Dns, XmlError> {
    let mut t = Taker::new(d);
    let mut dns = Dns {
        enable: tristate(&mut t, "enable", "dns")?,
        forward_plain_names: tristate(&mut t, "forwardPlainNames", "dns")?,
        ..Dns::default()
    };
    for f in t.children("forwarder") {
        let mut ft = Taker::new(f);
        let domain = ft.attr("domain").map(str::to_string);
        let addr = match ft.attr("addr") {
            None => None,
            Some(a) => Some(parse_ip(a).ok_or_else(|| {
                xml_error(format!(
                    "Invalid forwarder IP address '{a}' in network '{net}'"
                ))
            })?),
        };
        if domain.is_none() && addr.is_none() {
            return Err(xml_error(
                "Invalid forwarder element, must contain at least one of addr or domain",
            ));
        }
        dns.forwarders.push(Forwarder {
            domain,
            addr,
            extra: ft.finish(),
        });
    }
    for h in t.children("host") {
        let mut ht = Taker::new(h);
        let ip = match ht.attr("ip") {
            None => None,
            Some(a) => parse_ip(a),
        };
        let hostnames: Vec<String> = ht
            .children("hostname")
            .iter()
            .map(|n| n.text())
            .filter(|n| !n.is_empty())
            .collect();
        if ip.is_none() {
            return Err(detail(format!(
                "Missing IP address in network '{net}' DNS HOST record"
            )));
        }
        if hostnames.is_empty() {
            return Err(detail(format!(
                "Missing hostname in network '{net}' DNS HOST record"
            )));
        }
        dns.hosts.push(DnsHost {
            ip,
            hostnames,
            extra: ht.finish(),
        });
    }
    for s in t.children("srv") {
        let mut st = Taker::new(s);
        let service = st.attr("service").unwrap_or("").to_string();
        if service.is_empty() {
            return Err(detail(format!(
                "missing required service attribute in DNS SRV record of network '{net}'"
            )));
        }
        if service.len() > 15 {
            return Err(detail(format!(
                "service attribute '{service}' in network '{net}' is too long, limit is 15 bytes"
            )));
        }
        if service.contains(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')) {
            return Err(detail(format!(
                "invalid character in service attribute '{service}' in DNS SRV record of network '{net}'"
            )));
        }
        let protocol = st.attr("protocol").unwrap_or("").to_string();
        if protocol.is_empty() {
            return Err(detail(format!(
                "missing required protocol attribute in DNS SRV record '{service}' of network '{net}'"
            )));
        }
        let domain = st.attr("domain").map(str::to_string);
        let target = st.attr("target").map(str::to_string);
        let num = |st: &mut Taker, k: &str| -> Result<Option<u32>, XmlError> {
            match st.attr(k) {
                None => Ok(None),
                Some(v) => v.parse::<u32>().map(Some).map_err(|_| {
                    detail(format!(
                        "invalid DNS SRV {k} attribute for service '{service}' in network '{net}'"
                    ))
                }),
            }
        };
        let port = num(&mut st, "port")?;
        let priority = num(&mut st, "priority")?;
        let weight = num(&mut st, "weight")?;
        if target.is_none() {
            for (k, v) in [("port", port), ("priority", priority), ("weight", weight)] {
                if v.is_some() {
                    return Err(detail(format!(
                        "DNS SRV {k} attribute not permitted without target for service '{service}' in network '{net}'"
                    )));
                }
            }
        }
        if port.is_some_and(|p| p > 65535) {
            return Err(detail(format!(
                "invalid DNS SRV port attribute for service '{service}' in network '{net}'"
            )));
        }
        dns.srvs.push(SrvRecord {
            service,
            protocol,
            domain,
            target,
            port,
            priority,
            weight,
            extra: st.finish(),
        });
    }
    for x in t.children("txt") {
        let name = x.attr("name").unwrap_or("").to_string();
        if name.is_empty() {
            return Err(detail(format!(
                "missing required name attribute in DNS TXT record of network {net}"
            )));
        }
        if name.contains([' ', '\t', '\n']) {
            return Err(detail(format!(
                "prohibited character in DNS TXT record name '{name}' of network {net}"
            )));
        }
        let value = x.attr("value").ok_or_else(|| {
            detail(format!(
                "missing required value attribute in DNS TXT record named '{name}' of network {net}"
            ))
        })?;
        dns.txts.push((name, value.to_string()));
    }
    dns.extra = t.finish();
    let has_content = !dns.forwarders.is_empty()
        || !dns.hosts.is_empty()
        || !dns.srvs.is_empty()
        || !dns.txts.is_empty()
        || dns.forward_plain_names.is_some();
    if dns.enable == Some(false) && has_content {
        return Err(xml_error(format!("Extra data in disabled network '{net}'")));
    }
    Ok(dns)
}

fn parse_lease(t: &mut Taker) -> Result<Option<Lease>, XmlError> {
    let Some(l) = t.child("lease") else {
        return Ok(None);
    };
    let mut lt = Taker::new(l);
    let expiry = unsigned(&mut lt, "expiry", "lease")?.unwrap_or(0);
    let unit = match lt.attr("unit") {
        None | Some("minutes") => LeaseUnit::Minutes,
        Some("seconds") => LeaseUnit::Seconds,
        Some("hours") => LeaseUnit::Hours,
        Some(v) => {
            return Err(refuse(
                ErrorCode::XmlError,
                ErrorDomain::Xml,
                format!("XML error: Invalid value for attribute 'unit' in element 'lease': '{v}'."),
            ))
        }
    };
    Ok(Some(Lease { expiry, unit }))
}

fn parse_ip_def(el: &Element, net: &str) -> Result<IpDef, XmlError> {
    let mut t = Taker::new(el);
    let family = t.attr("family").map(str::to_string);
    if let Some(f) = &family {
        if f != "ipv4" && f != "ipv6" {
            return Err(xml_error(format!(
                "Unrecognized family '{f}' in network '{net}'"
            )));
        }
    }
    let addr_text = t.attr("address");
    let address = match addr_text {
        None => {
            return Err(xml_error(format!(
                "Missing required address attribute in network '{net}'"
            )))
        }
        Some(a) => parse_ip(a)
            .ok_or_else(|| xml_error(format!("Invalid address '{a}' in network '{net}'")))?,
    };
    let netmask = match t.attr("netmask") {
        None => None,
        Some(m) => Some(
            m.parse::<Ipv4Addr>()
                .map_err(|_| xml_error(format!("Invalid netmask '{m}' in network '{net}'")))?,
        ),
    };
    let prefix = match t.attr("prefix") {
        None => None,
        Some(p) => Some(
            p.parse::<u32>()
                .map_err(|_| xml_error(format!("Invalid ip prefix '{p}' in network '{net}'")))?,
        ),
    };
    let local_ptr = tristate(&mut t, "localPtr", "ip")?;
    if netmask.is_some() && prefix.is_some() {
        return Err(unsupported(format!(
            "Network '{net}' IP address cannot have both a prefix and a netmask"
        )));
    }
    match address {
        IpAddr::V4(_) => {
            if family.as_deref() == Some("ipv6") {
                return Err(xml_error(format!(
                    "Family 'ipv6' specified for non-IPv6 address '{}' in network '{net}'",
                    addr_text.unwrap_or("")
                )));
            }
            if let Some(p) = prefix {
                if p > 32 {
                    return Err(unsupported(format!(
                        "Invalid IPv4 prefix '{p}' in network '{net}'"
                    )));
                }
            }
        }
        IpAddr::V6(_) => {
            if family.as_deref() == Some("ipv4") {
                return Err(xml_error(format!(
                    "Family 'ipv4' specified for non-IPv4 address '{}' in network '{net}'",
                    addr_text.unwrap_or("")
                )));
            }
            if netmask.is_some() {
                return Err(xml_error(format!(
                    "netmask not allowed for IPv6 address '{}' in network '{net}'",
                    addr_text.unwrap_or("")
                )));
            }
            if let Some(p) = prefix {
                if p > 128 {
                    return Err(unsupported(format!(
                        "Invalid IPv6 prefix '{p}' in network '{net}'"
                    )));
                }
            }
        }
    }
    let tftp_root = t
        .child("tftp")
        .and_then(|e| e.attr("root"))
        .map(str::to_string);
    let mut ip = IpDef {
        family,
        address,
        netmask,
        prefix,
        local_ptr,
        tftp_root,
        dhcp: None,
        extra: Extra::default(),
    };
    if let Some(d) = t.child("dhcp") {
        ip.dhcp = Some(parse_dhcp(d, &ip, net)?);
    }
    ip.extra = t.finish();
    Ok(ip)
}

fn parse_dhcp(d: &Element, ip: &IpDef, net: &str) -> Result<Dhcp, XmlError> {
    let mut t = Taker::new(d);
    let mut dhcp = Dhcp::default();
    for r in t.children("range") {
        let mut rt = Taker::new(r);
        let (Some(s), Some(e)) = (rt.attr("start"), rt.attr("end")) else {
            return Err(detail(format!(
                "Missing start and end attributes in dhcp range of network '{net}'"
            )));
        };
        let start = parse_ip(s)
            .ok_or_else(|| xml_error(format!("Invalid address '{s}' in network '{net}'")))?;
        let end = parse_ip(e)
            .ok_or_else(|| xml_error(format!("Invalid address '{e}' in network '{net}'")))?;
        check_range(ip, &start, &end)?;
        let lease = parse_lease(&mut rt)?;
        dhcp.ranges.push(DhcpRange {
            start,
            end,
            lease,
            extra: rt.finish(),
        });
    }
    for h in t.children("host") {
        let mut ht = Taker::new(h);
        let id = ht.attr("id").map(str::to_string);
        let mac = ht.attr("mac").map(str::to_string);
        if let Some(m) = &mac {
            if ip.is_ipv6() {
                return Err(xml_error(format!(
                    "Invalid to specify MAC address '{m}' in network '{net}' IPv6 static host definition"
                )));
            }
            let parsed = parse_mac(m).ok_or_else(|| {
                xml_error(format!("Cannot parse MAC address '{m}' in network '{net}'"))
            })?;
            if parsed[0] & 1 == 1 {
                return Err(xml_error(format!(
                    "expected unicast mac address, found multicast '{m}' in network '{net}'"
                )));
            }
        }
        let name = ht.attr("name").map(str::to_string);
        if let Some(n) = &name {
            if !n.starts_with(|c: char| c.is_ascii_alphabetic()) {
                return Err(xml_error(format!(
                    "Cannot use host name '{n}' in network '{net}'"
                )));
            }
        }
        let ip_addr = match ht.attr("ip") {
            None => None,
            Some(a) => Some(parse_ip(a).ok_or_else(|| {
                xml_error(format!(
                    "Invalid IP address in static host definition for network '{net}'"
                ))
            })?),
        };
        if ip.is_ipv6() {
            if id.is_none() && name.is_none() {
                return Err(xml_error(format!(
                    "Static host definition in IPv6 network '{net}' must have id or name attribute"
                )));
            }
        } else if mac.is_none() && name.is_none() {
            return Err(xml_error(format!(
                "Static host definition in IPv4 network '{net}' must have mac or name attribute"
            )));
        }
        if ip_addr.is_none() {
            return Err(xml_error(format!(
                "Missing IP address in static host definition for network '{net}'"
            )));
        }
        let lease = parse_lease(&mut ht)?;
        dhcp.hosts.push(DhcpHost {
            id,
            mac,
            name,
            ip: ip_addr,
            lease,
            extra: ht.finish(),
        });
    }
    if let Some(b) = t.child("bootp") {
        if let Some(file) = b.attr("file") {
            let server = match b.attr("server") {
                None => None,
                Some(s) => Some(parse_ip(s).ok_or_else(|| {
                    xml_error(format!("Invalid address '{s}' in network '{net}'"))
                })?),
            };
            dhcp.bootp = Some((file.to_string(), server));
        }
    }
    dhcp.extra = t.finish();
    Ok(dhcp)
}

/// libvirt's check of a DHCP range: same family, inside the subnet, not
/// reversed (reported as internal errors without an error domain).
fn check_range(ip: &IpDef, start: &IpAddr, end: &IpAddr) -> Result<(), XmlError> {
    let internal = |m: String| {
        refuse(
            ErrorCode::InternalError,
            ErrorDomain::None,
            format!("internal error: {m}"),
        )
    };
    let prefix = ip.prefix_len();
    if start.is_ipv6() != end.is_ipv6() {
        return Err(internal(format!(
            "range {start} - {end} has mismatched address families"
        )));
    }
    if !ip.contains(start) || !ip.contains(end) {
        return Err(internal(format!(
            "range {start} - {end} is not entirely within network {}/{prefix}",
            ip.address
        )));
    }
    let reversed = match (start, end) {
        (IpAddr::V4(s), IpAddr::V4(e)) => u32::from(*s) > u32::from(*e),
        (IpAddr::V6(s), IpAddr::V6(e)) => u128::from(*s) > u128::from(*e),
        _ => false,
    };
    if reversed {
        return Err(internal(format!("range {start} - {end} is reversed ")));
    }
    Ok(())
}

fn parse_route(r: &Element, net: &str) -> Result<Route, XmlError> {
    let mut t = Taker::new(r);
    let family = t.attr("family").map(str::to_string);
    let address = t.attr("address").map(str::to_string);
    let netmask = t.attr("netmask").map(str::to_string);
    let prefix =
        match t.attr("prefix") {
            None => None,
            Some(p) => Some(p.parse::<u32>().map_err(|_| {
                xml_error(format!("{net}: Invalid prefix '{p}' in route definition"))
            })?),
        };
    let gateway = t.attr("gateway").map(str::to_string);
    let metric = unsigned(&mut t, "metric", "route")?.map(|m| m as u32);
    if address.is_none() {
        return Err(xml_error(format!(
            "{net}: Missing required address attribute in route definition"
        )));
    }
    if gateway.is_none() {
        return Err(xml_error(format!(
            "{net}: Missing required gateway attribute in route definition"
        )));
    }
    Ok(Route {
        family,
        address,
        netmask,
        prefix,
        gateway,
        metric,
        extra: t.finish(),
    })
}

fn parse_portgroup(p: &Element) -> Result<PortGroup, XmlError> {
    let mut t = Taker::new(p);
    let name = t.attr("name").unwrap_or("").to_string();
    if name.is_empty() {
        return Err(xml_error("Missing required name attribute in portgroup"));
    }
    let default = t.attr("default").map(|v| v == "yes");
    let trust = match t.attr("trustGuestRxFilters") {
        None => None,
        Some(v) => Some(yes_no(v).ok_or_else(|| {
            xml_error(format!(
                "Invalid trustGuestRxFilters setting '{v}' in portgroup"
            ))
        })?),
    };
    let vlan = t.child("vlan").cloned();
    let virtualport = t.child("virtualport").cloned();
    let bandwidth = t.child("bandwidth").cloned();
    if let Some(b) = &bandwidth {
        check_bandwidth(b)?;
    }
    Ok(PortGroup {
        name,
        default,
        trust_guest_rx_filters: trust,
        vlan,
        virtualport,
        bandwidth,
        extra: t.finish(),
    })
}

/// The whole-definition checks libvirt makes after reading the parts.
fn check_network(def: &NetworkDef) -> Result<(), XmlError> {
    let net = &def.name;
    let mode = def.forward_mode();
    if let Some(b) = &def.bridge {
        if !ForwardMode::has_own_bridge(mode)
            && (b.stp.is_some() || b.delay.is_some() || b.zone.is_some())
        {
            return Err(xml_error(format!(
                "bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in {} (network '{net}')",
                mode.map(ForwardMode::as_str).unwrap_or("none")
            )));
        }
    }
    if mode == Some(ForwardMode::Open) {
        if def.ips.is_empty() {
            return Err(xml_error(format!(
                "open forwarding requested, but no IP address provided for network '{net}'"
            )));
        }
        if def
            .forward
            .as_ref()
            .is_some_and(|f| !f.interfaces.is_empty())
        {
            return Err(xml_error(format!(
                "forward dev not allowed for network '{net}' with forward mode='open'"
            )));
        }
    }
    Ok(())
}

fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("='");
    out.push_str(&escape(value));
    out.push('\'');
}

fn push_extra_attrs(out: &mut String, extra: &Extra) {
    for (k, v) in &extra.attrs {
        push_attr(out, k, v);
    }
}

fn push_extra_children(out: &mut String, extra: &Extra, indent: usize) {
    for c in &extra.children {
        c.write_xml(out, indent);
    }
}

fn yn(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Close a start tag: `/>` when it has no children, else `>` and the
/// children and the end tag.
fn close(out: &mut String, name: &str, indent: usize, children: String) {
    if children.is_empty() {
        out.push_str("/>\n");
    } else {
        out.push_str(">\n");
        out.push_str(&children);
        pad(out, indent);
        out.push_str("</");
        out.push_str(name);
        out.push_str(">\n");
    }
}

fn write_lease(out: &mut String, lease: &Option<Lease>, indent: usize) {
    if let Some(l) = lease {
        pad(out, indent);
        out.push_str(&format!("<lease expiry='{}'", l.expiry));
        if l.expiry > 0 {
            let unit = match l.unit {
                LeaseUnit::Seconds => "seconds",
                LeaseUnit::Minutes => "minutes",
                LeaseUnit::Hours => "hours",
            };
            push_attr(out, "unit", unit);
        }
        out.push_str("/>\n");
    }
}

impl NetworkDef {
    /// The definition in libvirt 9.0's layout (`virNetworkDefFormat`),
    /// with what it does not know written after what it knows.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(512);
        out.push_str("<network");
        if self.ipv6 == Some(true) {
            out.push_str(" ipv6='yes'");
        }
        if let Some(t) = self.trust_guest_rx_filters {
            push_attr(&mut out, "trustGuestRxFilters", yn(t));
        }
        push_extra_attrs(&mut out, &self.extra);
        out.push_str(">\n");
        out.push_str(&format!("  <name>{}</name>\n", escape(&self.name)));
        if let Some(u) = &self.uuid {
            out.push_str(&format!("  <uuid>{}</uuid>\n", u.hyphenated()));
        }
        if let Some(m) = &self.metadata {
            m.write_xml(&mut out, 2);
        }
        if let Some(f) = &self.forward {
            self.write_forward(&mut out, f);
        }
        let mode = self.forward_mode();
        let own = ForwardMode::has_own_bridge(mode);
        if own || self.bridge.is_some() {
            let b = self.bridge.clone().unwrap_or_default();
            out.push_str("  <bridge");
            if let Some(n) = &b.name {
                push_attr(&mut out, "name", n);
            }
            if let Some(z) = &b.zone {
                push_attr(&mut out, "zone", z);
            }
            if own {
                push_attr(
                    &mut out,
                    "stp",
                    if b.stp.unwrap_or(true) { "on" } else { "off" },
                );
                push_attr(&mut out, "delay", &b.delay.unwrap_or(0).to_string());
            }
            if let Some(m) = &b.mac_table_manager {
                push_attr(&mut out, "macTableManager", m);
            }
            push_extra_attrs(&mut out, &b.extra);
            let mut inner = String::new();
            push_extra_children(&mut inner, &b.extra, 4);
            close(&mut out, "bridge", 2, inner);
        }
        if let Some(m) = self.mtu {
            out.push_str(&format!("  <mtu size='{m}'/>\n"));
        }
        if let Some(m) = &self.mac {
            out.push_str(&format!("  <mac address='{m}'/>\n"));
        }
        if let Some(d) = &self.domain {
            out.push_str("  <domain");
            if let Some(n) = &d.name {
                push_attr(&mut out, "name", n);
            }
            if let Some(l) = d.local_only {
                push_attr(&mut out, "localOnly", yn(l));
            }
            push_extra_attrs(&mut out, &d.extra);
            let mut inner = String::new();
            push_extra_children(&mut inner, &d.extra, 4);
            close(&mut out, "domain", 2, inner);
        }
        if let Some(d) = &self.dns {
            write_dns(&mut out, d);
        }
        if let Some(v) = &self.vlan {
            v.write_xml(&mut out, 2);
        }
        if let Some(b) = &self.bandwidth {
            b.write_xml(&mut out, 2);
        }
        for ip in &self.ips {
            write_ip(&mut out, ip);
        }
        for r in &self.routes {
            out.push_str("  <route");
            for (k, v) in [
                ("family", r.family.clone()),
                ("address", r.address.clone()),
                ("netmask", r.netmask.clone()),
                ("prefix", r.prefix.map(|p| p.to_string())),
                ("gateway", r.gateway.clone()),
                ("metric", r.metric.map(|p| p.to_string())),
            ] {
                if let Some(v) = v {
                    push_attr(&mut out, k, &v);
                }
            }
            push_extra_attrs(&mut out, &r.extra);
            let mut inner = String::new();
            push_extra_children(&mut inner, &r.extra, 4);
            close(&mut out, "route", 2, inner);
        }
        if let Some(v) = &self.virtualport {
            v.write_xml(&mut out, 2);
        }
        for p in &self.portgroups {
            out.push_str("  <portgroup");
            push_attr(&mut out, "name", &p.name);
            if p.default == Some(true) {
                out.push_str(" default='yes'");
            }
            if let Some(t) = p.trust_guest_rx_filters {
                push_attr(&mut out, "trustGuestRxFilters", yn(t));
            }
            push_extra_attrs(&mut out, &p.extra);
            let mut inner = String::new();
            for e in [&p.vlan, &p.virtualport, &p.bandwidth]
                .into_iter()
                .flatten()
            {
                e.write_xml(&mut inner, 4);
            }
            push_extra_children(&mut inner, &p.extra, 4);
            // libvirt always writes <portgroup> open, even when empty.
            out.push_str(">\n");
            out.push_str(&inner);
            out.push_str("  </portgroup>\n");
        }
        push_extra_children(&mut out, &self.extra, 2);
        out.push_str("</network>\n");
        out
    }

    fn write_forward(&self, out: &mut String, f: &Forward) {
        out.push_str("  <forward");
        // libvirt names the first interface as `dev` for the modes that
        // use host network devices.
        if let Some(d) = f.interfaces.first() {
            if f.mode != ForwardMode::Hostdev {
                push_attr(out, "dev", d);
            }
        }
        push_attr(out, "mode", f.mode.as_str());
        if f.mode == ForwardMode::Hostdev {
            if let Some(m) = f.managed {
                push_attr(out, "managed", yn(m));
            }
        }
        push_extra_attrs(out, &f.extra);
        let mut inner = String::new();
        if let Some(d) = &f.driver {
            inner.push_str("    <driver");
            push_attr(&mut inner, "name", d);
            inner.push_str("/>\n");
        }
        if let Some(n) = &f.nat {
            let mut nat = String::new();
            if let Some((s, e)) = n.address {
                nat.push_str(&format!("      <address start='{s}' end='{e}'/>\n"));
            }
            if let Some((s, e)) = n.port {
                nat.push_str(&format!("      <port start='{s}' end='{e}'/>\n"));
            }
            push_extra_children(&mut nat, &n.extra, 6);
            inner.push_str("    <nat");
            if let Some(v) = n.ipv6 {
                push_attr(&mut inner, "ipv6", yn(v));
            }
            push_extra_attrs(&mut inner, &n.extra);
            close(&mut inner, "nat", 4, nat);
        }
        for p in &f.pfs {
            inner.push_str("    <pf");
            push_attr(&mut inner, "dev", p);
            inner.push_str("/>\n");
        }
        for i in &f.interfaces {
            inner.push_str("    <interface");
            push_attr(&mut inner, "dev", i);
            inner.push_str("/>\n");
        }
        for a in &f.addresses {
            a.write_xml(&mut inner, 4);
        }
        push_extra_children(&mut inner, &f.extra, 4);
        close(out, "forward", 2, inner);
    }
}

fn write_dns(out: &mut String, d: &Dns) {
    out.push_str("  <dns");
    if let Some(e) = d.enable {
        push_attr(out, "enable", yn(e));
    }
    if let Some(e) = d.forward_plain_names {
        push_attr(out, "forwardPlainNames", yn(e));
    }
    push_extra_attrs(out, &d.extra);
    let mut inner = String::new();
    for f in &d.forwarders {
        inner.push_str("    <forwarder");
        if let Some(dom) = &f.domain {
            push_attr(&mut inner, "domain", dom);
        }
        if let Some(a) = &f.addr {
            push_attr(&mut inner, "addr", &a.to_string());
        }
        push_extra_attrs(&mut inner, &f.extra);
        let mut x = String::new();
        push_extra_children(&mut x, &f.extra, 6);
        close(&mut inner, "forwarder", 4, x);
    }
    for (n, v) in &d.txts {
        inner.push_str("    <txt");
        push_attr(&mut inner, "name", n);
        push_attr(&mut inner, "value", v);
        inner.push_str("/>\n");
    }
    for s in &d.srvs {
        inner.push_str("    <srv");
        push_attr(&mut inner, "service", &s.service);
        push_attr(&mut inner, "protocol", &s.protocol);
        for (k, v) in [("domain", &s.domain), ("target", &s.target)] {
            if let Some(v) = v {
                push_attr(&mut inner, k, v);
            }
        }
        for (k, v) in [
            ("port", s.port),
            ("priority", s.priority),
            ("weight", s.weight),
        ] {
            if let Some(v) = v {
                push_attr(&mut inner, k, &v.to_string());
            }
        }
        push_extra_attrs(&mut inner, &s.extra);
        let mut x = String::new();
        push_extra_children(&mut x, &s.extra, 6);
        close(&mut inner, "srv", 4, x);
    }
    for h in &d.hosts {
        inner.push_str("    <host");
        if let Some(ip) = &h.ip {
            push_attr(&mut inner, "ip", &ip.to_string());
        }
        push_extra_attrs(&mut inner, &h.extra);
        let mut x = String::new();
        for n in &h.hostnames {
            x.push_str(&format!("      <hostname>{}</hostname>\n", escape(n)));
        }
        push_extra_children(&mut x, &h.extra, 6);
        close(&mut inner, "host", 4, x);
    }
    push_extra_children(&mut inner, &d.extra, 4);
    close(out, "dns", 2, inner);
}

fn write_ip(out: &mut String, ip: &IpDef) {
    out.push_str("  <ip");
    if let Some(f) = &ip.family {
        push_attr(out, "family", f);
    }
    push_attr(out, "address", &ip.address.to_string());
    if let Some(m) = ip.netmask {
        push_attr(out, "netmask", &m.to_string());
    }
    if let Some(p) = ip.prefix {
        push_attr(out, "prefix", &p.to_string());
    }
    if let Some(l) = ip.local_ptr {
        push_attr(out, "localPtr", yn(l));
    }
    push_extra_attrs(out, &ip.extra);
    // libvirt always writes <ip> open, even when empty.
    out.push_str(">\n");
    if let Some(r) = &ip.tftp_root {
        out.push_str("    <tftp");
        push_attr(out, "root", r);
        out.push_str("/>\n");
    }
    if let Some(d) = &ip.dhcp {
        let mut inner = String::new();
        for r in &d.ranges {
            inner.push_str(&format!("      <range start='{}' end='{}'", r.start, r.end));
            push_extra_attrs(&mut inner, &r.extra);
            let mut x = String::new();
            write_lease(&mut x, &r.lease, 8);
            push_extra_children(&mut x, &r.extra, 8);
            close(&mut inner, "range", 6, x);
        }
        for h in &d.hosts {
            inner.push_str("      <host");
            for (k, v) in [("id", &h.id), ("mac", &h.mac), ("name", &h.name)] {
                if let Some(v) = v {
                    push_attr(&mut inner, k, v);
                }
            }
            if let Some(a) = &h.ip {
                push_attr(&mut inner, "ip", &a.to_string());
            }
            push_extra_attrs(&mut inner, &h.extra);
            let mut x = String::new();
            write_lease(&mut x, &h.lease, 8);
            push_extra_children(&mut x, &h.extra, 8);
            close(&mut inner, "host", 6, x);
        }
        if let Some((file, server)) = &d.bootp {
            inner.push_str("      <bootp");
            push_attr(&mut inner, "file", file);
            if let Some(s) = server {
                push_attr(&mut inner, "server", &s.to_string());
            }
            inner.push_str("/>\n");
        }
        push_extra_children(&mut inner, &d.extra, 6);
        if !inner.is_empty() || !d.extra.attrs.is_empty() {
            out.push_str("    <dhcp");
            push_extra_attrs(out, &d.extra);
            close(out, "dhcp", 4, inner);
        }
    }
    push_extra_children(out, &ip.extra, 4);
    out.push_str("  </ip>\n");
}

/// `virNetworkUpdate`'s commands (`VIR_NETWORK_UPDATE_COMMAND_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateCommand {
    /// Replace the matching entry.
    Modify,
    /// Remove the matching entry.
    Delete,
    /// Append.
    AddLast,
    /// Prepend.
    AddFirst,
}

impl UpdateCommand {
    /// The command of libvirt's number.
    pub fn from_number(n: u32) -> Option<UpdateCommand> {
        Some(match n {
            1 => UpdateCommand::Modify,
            2 => UpdateCommand::Delete,
            3 => UpdateCommand::AddLast,
            4 => UpdateCommand::AddFirst,
            _ => return None,
        })
    }

    fn is_add(self) -> bool {
        matches!(self, UpdateCommand::AddLast | UpdateCommand::AddFirst)
    }
}

/// The section names of `virNetworkUpdate`, by libvirt's number.
pub const UPDATE_SECTIONS: [&str; 13] = [
    "none",
    "bridge",
    "domain",
    "ip",
    "ip-dhcp-host",
    "ip-dhcp-range",
    "forward",
    "forward-interface",
    "forward-pf",
    "portgroup",
    "dns-host",
    "dns-txt",
    "dns-srv",
];

fn invalid(message: impl AsRef<str>) -> XmlError {
    refuse(
        ErrorCode::OperationInvalid,
        ErrorDomain::Network,
        format!("Requested operation is not valid: {}", message.as_ref()),
    )
}

fn insert<T>(list: &mut Vec<T>, command: UpdateCommand, item: T) {
    if command == UpdateCommand::AddFirst {
        list.insert(0, item);
    } else {
        list.push(item);
    }
}

impl NetworkDef {
    /// Apply one `virNetworkUpdate` change to this definition: `command`,
    /// `section` (libvirt's numbers), `parent_index` (the `<ip>` concerned,
    /// -1 for the first that fits) and the element `xml`. On error the
    /// definition is unchanged.
    pub fn update(
        &mut self,
        command: UpdateCommand,
        section: u32,
        parent_index: i32,
        xml: &str,
    ) -> Result<(), XmlError> {
        let net = self.name.clone();
        let section_name = UPDATE_SECTIONS
            .get(section as usize)
            .copied()
            .unwrap_or("unknown");
        let expect = match section_name {
            "ip-dhcp-host" | "dns-host" => "host",
            "ip-dhcp-range" => "range",
            "forward-interface" => "interface",
            "portgroup" => "portgroup",
            "dns-txt" => "txt",
            "dns-srv" => "srv",
            _ => {
                return Err(refuse(
                    ErrorCode::OperationUnsupported,
                    ErrorDomain::Network,
                    format!(
                        "Operation not supported: can't update '{section_name}' section of network '{net}'"
                    ),
                ))
            }
        };
        let el = crate::reader::parse_element_in(xml, "network_update_xml")?;
        if el.name != expect {
            return Err(xml_error(format!(
                "unexpected element <{}>, expecting <{expect}>, while updating network '{net}'",
                el.name
            )));
        }
        // Work on a copy so that a refusal changes nothing.
        let mut def = self.clone();
        match section_name {
            "ip-dhcp-host" | "ip-dhcp-range" => {
                def.update_dhcp(command, section_name == "ip-dhcp-host", parent_index, &el)?
            }
            "dns-host" | "dns-txt" | "dns-srv" => def.update_dns(command, expect, &el)?,
            "portgroup" => {
                let pg = parse_portgroup(&el)?;
                let pos = def.portgroups.iter().position(|p| p.name == pg.name);
                match (command, pos) {
                    (UpdateCommand::Modify, Some(i)) => def.portgroups[i] = pg,
                    (UpdateCommand::Delete, Some(i)) => {
                        def.portgroups.remove(i);
                    }
                    (c, None) if c.is_add() => insert(&mut def.portgroups, c, pg),
                    (c, Some(_)) if c.is_add() => {
                        return Err(invalid(format!(
                            "there is already a portgroup named '{}' in network '{net}'",
                            pg.name
                        )))
                    }
                    _ => {
                        return Err(invalid(format!(
                            "couldn't find a portgroup entry in network '{net}' matching <portgroup name='{}'>",
                            pg.name
                        )))
                    }
                }
            }
            _ => {
                let dev = el.attr("dev").unwrap_or("").to_string();
                let fwd = def.forward.as_mut().ok_or_else(|| {
                    invalid(format!(
                        "can't add an <interface> element unless network '{net}' is using forward mode"
                    ))
                })?;
                let pos = fwd.interfaces.iter().position(|d| *d == dev);
                match (command, pos) {
                    (UpdateCommand::Delete, Some(i)) => {
                        fwd.interfaces.remove(i);
                    }
                    (c, None) if c.is_add() => insert(&mut fwd.interfaces, c, dev),
                    (c, Some(_)) if c.is_add() => {
                        return Err(invalid(format!(
                            "there is an existing interface entry in network '{net}' that matches \"<interface dev='{dev}'>\""
                        )))
                    }
                    (UpdateCommand::Modify, _) => {
                        return Err(refuse(
                            ErrorCode::OperationUnsupported,
                            ErrorDomain::Network,
                            "Operation not supported: forward interface entries cannot be modified, only added or deleted",
                        ))
                    }
                    _ => {
                        return Err(invalid(format!(
                            "couldn't find an interface entry in network '{net}' matching <interface dev='{dev}'>"
                        )))
                    }
                }
            }
        }
        *self = def;
        Ok(())
    }

    fn update_dhcp(
        &mut self,
        command: UpdateCommand,
        host: bool,
        parent_index: i32,
        el: &Element,
    ) -> Result<(), XmlError> {
        let net = self.name.clone();
        let what = if host { "dhcp host" } else { "dhcp range" };
        let ip_index = if parent_index < 0 {
            // The first IPv4 address, as libvirt picks for -1 (an IPv6
            // host with an id goes to the first IPv6 one).
            let v6 = host && el.attr("id").is_some();
            self.ips.iter().position(|i| i.is_ipv6() == v6)
        } else {
            let i = parent_index as usize;
            (i < self.ips.len()).then_some(i)
        };
        let Some(ip_index) = ip_index else {
            return Err(invalid(if parent_index < 0 {
                format!("couldn't update {what} entry - no <ip> element found in network '{net}'")
            } else {
                format!(
                    "couldn't update {what} entry - no <ip> element found at index {parent_index} in network '{net}'"
                )
            }));
        };
        let ip = self.ips[ip_index].clone();
        let wrapped = Element::new("dhcp").with_child(el.clone());
        let parsed = parse_dhcp(&wrapped, &ip, &net)?;
        let dhcp = self.ips[ip_index].dhcp.get_or_insert_with(Dhcp::default);
        if host {
            let Some(h) = parsed.hosts.into_iter().next() else {
                return Ok(());
            };
            let shown = format!(
                "<host mac='{}' name='{}' ip='{}'/>",
                h.mac.as_deref().unwrap_or("(null)"),
                h.name.as_deref().unwrap_or("(null)"),
                h.ip.map(|a| a.to_string()).unwrap_or_default()
            );
            let same_mac = |x: &DhcpHost| {
                h.mac.is_some()
                    && x.mac.as_deref().map(str::to_ascii_lowercase)
                        == h.mac.as_deref().map(str::to_ascii_lowercase)
            };
            match command {
                UpdateCommand::Modify => {
                    let pos = dhcp
                        .hosts
                        .iter()
                        .position(|x| same_mac(x) || (h.mac.is_none() && x.name == h.name));
                    let i = pos.ok_or_else(|| {
                        invalid(format!(
                            "couldn't locate an existing dhcp host entry with \"mac='{}'\" in network '{net}'",
                            h.mac.as_deref().unwrap_or("(null)")
                        ))
                    })?;
                    dhcp.hosts[i] = h;
                }
                UpdateCommand::Delete => {
                    let pos = dhcp.hosts.iter().position(|x| {
                        (h.mac.is_none() || same_mac(x))
                            && (h.name.is_none() || x.name == h.name)
                            && x.ip == h.ip
                    });
                    let i = pos.ok_or_else(|| {
                        invalid(format!(
                            "couldn't locate a matching dhcp host entry in network '{net}'"
                        ))
                    })?;
                    dhcp.hosts.remove(i);
                }
                c => {
                    if dhcp.hosts.iter().any(|x| {
                        same_mac(x) || (h.name.is_some() && x.name == h.name) || x.ip == h.ip
                    }) {
                        return Err(invalid(format!(
                            "there is an existing dhcp host entry in network '{net}' that matches \"{shown}\""
                        )));
                    }
                    insert(&mut dhcp.hosts, c, h);
                }
            }
        } else {
            let Some(r) = parsed.ranges.into_iter().next() else {
                return Ok(());
            };
            let pos = dhcp
                .ranges
                .iter()
                .position(|x| x.start == r.start && x.end == r.end);
            match (command, pos) {
                (UpdateCommand::Modify, _) => {
                    return Err(refuse(
                        ErrorCode::OperationUnsupported,
                        ErrorDomain::Network,
                        "Operation not supported: dhcp ranges cannot be modified, only added or deleted",
                    ))
                }
                (UpdateCommand::Delete, Some(i)) => {
                    dhcp.ranges.remove(i);
                }
                (UpdateCommand::Delete, None) => {
                    return Err(invalid(format!(
                        "couldn't locate a matching dhcp range entry in network '{net}'"
                    )))
                }
                (_, Some(_)) => {
                    return Err(invalid(format!(
                        "there is an existing dhcp range entry in network '{net}' that matches \"<range start='{}' end='{}'/>\"",
                        r.start, r.end
                    )));
                }
                (c, None) => insert(&mut dhcp.ranges, c, r),
            }
        }
        if dhcp.ranges.is_empty() && dhcp.hosts.is_empty() && dhcp.bootp.is_none() {
            self.ips[ip_index].dhcp = None;
        }
        Ok(())
    }

    fn update_dns(
        &mut self,
        command: UpdateCommand,
        kind: &str,
        el: &Element,
    ) -> Result<(), XmlError> {
        let net = self.name.clone();
        let wrapped = Element::new("dns").with_child(el.clone());
        let parsed = parse_dns(&wrapped, &net)?;
        let record = match kind {
            "host" => "HOST",
            "txt" => "TXT",
            _ => "SRV",
        };
        if command == UpdateCommand::Modify {
            return Err(refuse(
                ErrorCode::OperationUnsupported,
                ErrorDomain::Network,
                format!(
                    "Operation not supported: DNS {record} records cannot be modified, only added or deleted"
                ),
            ));
        }
        let dns = self.dns.get_or_insert_with(Dns::default);
        let pos = match kind {
            "host" => parsed.hosts.first().and_then(|h| {
                dns.hosts.iter().position(|x| {
                    x.ip == h.ip || x.hostnames.iter().any(|n| h.hostnames.contains(n))
                })
            }),
            "txt" => parsed
                .txts
                .first()
                .and_then(|t| dns.txts.iter().position(|x| x.0 == t.0)),
            _ => parsed.srvs.first().and_then(|s| {
                dns.srvs.iter().position(|x| {
                    x.service == s.service
                        && x.protocol == s.protocol
                        && (s.domain.is_none() || x.domain == s.domain)
                        && (s.target.is_none() || x.target == s.target)
                })
            }),
        };
        match (command, pos) {
            (UpdateCommand::Delete, Some(i)) => match kind {
                "host" => {
                    dns.hosts.remove(i);
                }
                "txt" => {
                    dns.txts.remove(i);
                }
                _ => {
                    dns.srvs.remove(i);
                }
            },
            (UpdateCommand::Delete, None) => {
                return Err(invalid(format!(
                    "couldn't locate a matching DNS {record} record in network {net}"
                )))
            }
            (_, Some(_)) => {
                return Err(invalid(format!(
                    "there is already at least one DNS {record} record with a matching field in network {net}"
                )))
            }
            (c, None) => match kind {
                "host" => parsed
                    .hosts
                    .into_iter()
                    .for_each(|h| insert(&mut dns.hosts, c, h)),
                "txt" => parsed
                    .txts
                    .into_iter()
                    .for_each(|t| insert(&mut dns.txts, c, t)),
                _ => parsed
                    .srvs
                    .into_iter()
                    .for_each(|s| insert(&mut dns.srvs, c, s)),
            },
        }
        if dns == &Dns::default() {
            self.dns = None;
        }
        Ok(())
    }
}
