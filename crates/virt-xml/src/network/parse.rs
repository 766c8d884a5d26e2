//! Reading `<network>`: typing each part with libvirt 9.0's checks,
//! errors and texts.

use super::*;

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

pub(super) fn check_bandwidth(b: &Element) -> Result<(), XmlError> {
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

pub(super) fn parse_forward(f: &Element, net: &str) -> Result<Forward, XmlError> {
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

pub(super) fn hex_attr(e: &Element, name: &str) -> u32 {
    e.attr(name)
        .map(|v| {
            let v = v.trim_start_matches("0x");
            u32::from_str_radix(v, 16).unwrap_or(0)
        })
        .unwrap_or(0)
}

pub(super) fn parse_nat(n: &Element, net: &str) -> Result<Nat, XmlError> {
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

pub(super) fn parse_bridge(b: &Element, net: &str) -> Result<Bridge, XmlError> {
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

pub(super) fn parse_dns(d: &Element, net: &str) -> Result<Dns, XmlError> {
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

pub(super) fn parse_lease(t: &mut Taker) -> Result<Option<Lease>, XmlError> {
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

pub(super) fn parse_ip_def(el: &Element, net: &str) -> Result<IpDef, XmlError> {
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

pub(super) fn parse_dhcp(d: &Element, ip: &IpDef, net: &str) -> Result<Dhcp, XmlError> {
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
pub(super) fn check_range(ip: &IpDef, start: &IpAddr, end: &IpAddr) -> Result<(), XmlError> {
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

pub(super) fn parse_route(r: &Element, net: &str) -> Result<Route, XmlError> {
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

pub(super) fn parse_portgroup(p: &Element) -> Result<PortGroup, XmlError> {
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
pub(super) fn check_network(def: &NetworkDef) -> Result<(), XmlError> {
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
