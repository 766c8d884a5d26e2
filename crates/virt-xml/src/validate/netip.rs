//! The addresses and routes of an interface or a host network device
//! (`<ip>`, `<route>`: the guest side, and an interface's host side under
//! its `<source>`), as libvirt 9.0 reads them: virDomainNetIPParseXML,
//! and virNetDevIPRouteParseXML with virNetDevIPRouteCreate. Every
//! address is numeric (no name is looked up).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;

/// The address family an `<ip>` or `<route>` asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    /// None given: the address's own (`AF_UNSPEC`).
    Any,
    V4,
    V6,
}

/// `virSocketAddrParse(val, family)`: a numeric address of `family`
/// (glibc's `getaddrinfo` with `AI_NUMERICHOST` and no `AI_V4MAPPED`
/// refuses an IPv4 address asked for as IPv6, and the other way round).
fn parse_in(val: &str, family: Family) -> Option<IpAddr> {
    let addr = parse_numeric_address(val).ok()?;
    match family {
        Family::Any => Some(addr),
        Family::V4 => addr.is_ipv4().then_some(addr),
        Family::V6 => addr.is_ipv6().then_some(addr),
    }
}

/// virDomainNetIPInfoParseXML: each `<ip>` in turn, then each `<route>`
/// (routes name their refusals with `what`: "guest interface",
/// "interface host IP", "Domain hostdev device").
pub(crate) fn check_ip_info<'a>(
    what: &str,
    ips: impl IntoIterator<Item = &'a Element>,
    routes: impl IntoIterator<Item = &'a Element>,
) -> Result<(), XmlError> {
    ips.into_iter().try_for_each(check_ip)?;
    routes.into_iter().try_for_each(|r| check_route(what, r))
}

/// virDomainNetIPParseXML: an address (of the family given, else read as
/// any numeric address), a decimal prefix within the family's width, a
/// peer of the same family.
pub(crate) fn check_ip(ip: &Element) -> Result<(), XmlError> {
    let Some(address) = ip.attr("address") else {
        return Err(XmlError::Invalid("Missing required address in <ip>".into()));
    };
    // An unknown family is no family: the address's own decides.
    let family = match ip.attr("family") {
        Some("ipv4") => Family::V4,
        Some("ipv6") => Family::V6,
        _ => Family::Any,
    };
    let Some(parsed) = parse_in(address, family) else {
        return Err(XmlError::Invalid(format!(
            "Invalid address '{address}' in <ip>"
        )));
    };
    if let Some(prefix) = ip.attr("prefix") {
        // virStrToLong_ui: "-1" is UINT_MAX.
        let width = if parsed.is_ipv6() { 128 } else { 32 };
        if crate::views::c_unsigned(prefix, u64::from(u32::MAX)).is_none_or(|p| p > width) {
            return Err(XmlError::Invalid(format!(
                "Invalid prefix value '{prefix}' in <ip>"
            )));
        }
    }
    // The peer is read in the family asked for (none: the address's).
    let peer_family = match family {
        Family::Any if parsed.is_ipv6() => Family::V6,
        Family::Any => Family::V4,
        f => f,
    };
    match ip.attr("peer") {
        Some(peer) if parse_in(peer, peer_family).is_none() => Err(XmlError::InvalidArg(format!(
            "Invalid peer '{peer}' in <ip>"
        ))),
        _ => Ok(()),
    }
}

/// virNetDevIPRouteParseXML and virNetDevIPRouteCreate: a decimal prefix
/// and a non-zero metric; an address and a gateway, both numeric; for
/// IPv4 (also when no family is given) both IPv4, a netmask or a prefix
/// up to 32; for IPv6 both IPv6, no netmask, a prefix up to 128; and the
/// address a network address under its netmask or prefix (none: 0).
pub(crate) fn check_route(what: &str, route: &Element) -> Result<(), XmlError> {
    let prefix = prop_uint(route, "prefix", 10, false, false)?;
    prop_uint(route, "metric", 10, false, true)?;
    let refuse = |message: String| Err(XmlError::Invalid(format!("{what}: {message}")));
    let Some(address) = route.attr("address") else {
        return refuse("Missing required address attribute in route definition".into());
    };
    let Some(gateway) = route.attr("gateway") else {
        return refuse("Missing required gateway attribute in route definition".into());
    };
    let Some(addr) = parse_in(address, Family::Any) else {
        return refuse(format!(
            "Bad network address '{address}' in route definition"
        ));
    };
    let Some(gw) = parse_in(gateway, Family::Any) else {
        return refuse(format!(
            "Bad gateway address '{gateway}' in route definition"
        ));
    };
    let netmask = route.attr("netmask");
    let family = route.attr("family");
    let mask: IpAddr = match family {
        None | Some("ipv4") => {
            let given = match family {
                None => "No family specified",
                Some(_) => "IPv4 family specified",
            };
            if !addr.is_ipv4() {
                return refuse(format!(
                    "{given} for non-IPv4 address '{address}' in route definition"
                ));
            }
            if !gw.is_ipv4() {
                // (libvirt names the address here, not the gateway.)
                return refuse(format!(
                    "{given} for non-IPv4 gateway '{address}' in route definition"
                ));
            }
            let mask = match netmask {
                Some(m) => {
                    let Some(parsed) = parse_in(m, Family::Any) else {
                        return refuse(format!("Bad netmask address '{m}' in route definition"));
                    };
                    if !parsed.is_ipv4() {
                        return refuse(format!(
                            "Invalid netmask '{m}' for address '{address}' (both must be IPv4)"
                        ));
                    }
                    if prefix.is_some() {
                        return refuse(
                            "Route definition cannot have both a prefix and a netmask".into(),
                        );
                    }
                    Some(parsed)
                }
                None => None,
            };
            let bits = prefix.unwrap_or(0);
            if bits > 32 {
                return refuse(format!(
                    "Invalid prefix {bits} specified in route definition, must be 0 - 32"
                ));
            }
            mask.unwrap_or_else(|| IpAddr::V4(Ipv4Addr::from(prefix_mask(bits, 32) as u32)))
        }
        Some("ipv6") => {
            if !addr.is_ipv6() {
                return refuse(format!(
                    "ipv6 family specified for non-IPv6 address '{address}' in route definition"
                ));
            }
            if netmask.is_some() {
                return refuse(format!(
                    "Specifying netmask invalid for IPv6 address '{address}' in route definition"
                ));
            }
            if !gw.is_ipv6() {
                return refuse(format!(
                    "ipv6 specified for non-IPv6 gateway address '{gateway}' in route definition"
                ));
            }
            let bits = prefix.unwrap_or(0);
            if bits > 128 {
                return refuse(format!(
                    "Invalid prefix {bits} specified in route definition, must be 0 - 128"
                ));
            }
            IpAddr::V6(Ipv6Addr::from(prefix_mask(bits, 128)))
        }
        Some(other) => return refuse(format!("Unrecognized family '{other}' in route definition")),
    };
    let network = match (addr, mask) {
        (IpAddr::V4(a), IpAddr::V4(m)) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & u32::from(m))),
        (IpAddr::V6(a), IpAddr::V6(m)) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & u128::from(m))),
        // (Both are of the address's family by now.)
        _ => addr,
    };
    if network != addr {
        return refuse(format!(
            "Address '{address}' in route definition is not a network address"
        ));
    }
    Ok(())
}

/// The netmask of `bits` leading ones in a `width`-bit address (as the
/// low `width` bits of the result).
fn prefix_mask(bits: u64, width: u32) -> u128 {
    let bits = bits.min(u64::from(width)) as u32;
    match bits {
        0 => 0,
        b => (u128::MAX << (width - b)) & (u128::MAX >> (128 - width)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(xml: &str) -> Element {
        crate::reader::parse_element(xml).unwrap()
    }

    fn ip(xml: &str) -> String {
        match check_ip(&element(xml)) {
            Ok(()) => "OK".into(),
            Err(e) => e.to_string(),
        }
    }

    fn route(xml: &str) -> String {
        match check_route("guest interface", &element(xml)) {
            Ok(()) => "OK".into(),
            Err(e) => e.to_string(),
        }
    }

    // Texts observed from libvirt 9.0 through virsh.
    #[test]
    fn addresses_read_as_libvirt_reads_them() {
        assert_eq!(ip("<ip address='10.1.2.3' prefix='24'/>"), "OK");
        assert_eq!(ip("<ip/>"), "XML error: Missing required address in <ip>");
        assert_eq!(
            ip("<ip address='10.1.2.3' prefix='33'/>"),
            "XML error: Invalid prefix value '33' in <ip>"
        );
        assert_eq!(ip("<ip address='fe80::1' prefix='128'/>"), "OK");
        assert_eq!(
            ip("<ip address='fe80::1' prefix='129'/>"),
            "XML error: Invalid prefix value '129' in <ip>"
        );
        assert_eq!(
            ip("<ip address='10.1.2.3' prefix='x'/>"),
            "XML error: Invalid prefix value 'x' in <ip>"
        );
        assert_eq!(
            ip("<ip address='10.1.2.3' family='ipv6'/>"),
            "XML error: Invalid address '10.1.2.3' in <ip>"
        );
        assert_eq!(
            ip("<ip address='::1' family='ipv4'/>"),
            "XML error: Invalid address '::1' in <ip>"
        );
        assert_eq!(
            ip("<ip address='host.example'/>"),
            "XML error: Invalid address 'host.example' in <ip>"
        );
        assert_eq!(ip("<ip address='::1' family='junk' prefix='64'/>"), "OK");
        assert_eq!(
            ip("<ip address='10.0.0.1' peer='::2'/>"),
            "invalid argument: Invalid peer '::2' in <ip>"
        );
        assert_eq!(ip("<ip address='10.0.0.1' peer='10.0.0.2'/>"), "OK");
    }

    #[test]
    fn routes_read_as_libvirt_reads_them() {
        let cases = [
            ("<route address='10.1.0.0' prefix='16' gateway='10.0.0.1'/>", "OK"),
            ("<route address='0.0.0.0' gateway='10.0.0.1'/>", "OK"),
            ("<route family='ipv6' address='2001:db8::' prefix='32' gateway='2001:db8::1'/>", "OK"),
            ("<route address='10.1.0.0' netmask='255.255.0.0' gateway='10.0.0.1' metric='2'/>", "OK"),
            ("<route address='10.1.0.0' prefix='x' gateway='10.0.0.1'/>", "XML error: Invalid value for attribute 'prefix' in element 'route': 'x'. Expected non-negative integer value"),
            ("<route address='10.1.0.0' prefix='16' gateway='10.0.0.1' metric='0'/>", "XML error: Invalid value for attribute 'metric' in element 'route': Zero is not permitted"),
            ("<route gateway='10.0.0.1'/>", "XML error: guest interface: Missing required address attribute in route definition"),
            ("<route address='10.0.0.0'/>", "XML error: guest interface: Missing required gateway attribute in route definition"),
            ("<route address='x' gateway='10.0.0.1'/>", "XML error: guest interface: Bad network address 'x' in route definition"),
            ("<route address='10.0.0.0' gateway='y'/>", "XML error: guest interface: Bad gateway address 'y' in route definition"),
            ("<route address='2001:db8::' gateway='10.0.0.1'/>", "XML error: guest interface: No family specified for non-IPv4 address '2001:db8::' in route definition"),
            ("<route family='ipv4' address='2001:db8::' gateway='10.0.0.1'/>", "XML error: guest interface: IPv4 family specified for non-IPv4 address '2001:db8::' in route definition"),
            ("<route address='0.0.0.0' gateway='::1'/>", "XML error: guest interface: No family specified for non-IPv4 gateway '0.0.0.0' in route definition"),
            ("<route address='10.1.0.0' netmask='z' gateway='10.0.0.1'/>", "XML error: guest interface: Bad netmask address 'z' in route definition"),
            ("<route address='10.1.0.0' netmask='ffff::' gateway='10.0.0.1'/>", "XML error: guest interface: Invalid netmask 'ffff::' for address '10.1.0.0' (both must be IPv4)"),
            ("<route address='10.1.0.0' netmask='255.255.0.0' prefix='16' gateway='10.0.0.1'/>", "XML error: guest interface: Route definition cannot have both a prefix and a netmask"),
            ("<route address='10.1.0.0' prefix='33' gateway='10.0.0.1'/>", "XML error: guest interface: Invalid prefix 33 specified in route definition, must be 0 - 32"),
            ("<route family='ipv6' address='10.1.0.0' gateway='::1'/>", "XML error: guest interface: ipv6 family specified for non-IPv6 address '10.1.0.0' in route definition"),
            ("<route family='ipv6' address='::' netmask='ffff::' gateway='::1'/>", "XML error: guest interface: Specifying netmask invalid for IPv6 address '::' in route definition"),
            ("<route family='ipv6' address='::' gateway='10.0.0.1'/>", "XML error: guest interface: ipv6 specified for non-IPv6 gateway address '10.0.0.1' in route definition"),
            ("<route family='ipv6' address='::' prefix='129' gateway='::1'/>", "XML error: guest interface: Invalid prefix 129 specified in route definition, must be 0 - 128"),
            ("<route family='inet' address='::' gateway='::1'/>", "XML error: guest interface: Unrecognized family 'inet' in route definition"),
            ("<route address='10.1.2.0' prefix='16' gateway='10.0.0.1'/>", "XML error: guest interface: Address '10.1.2.0' in route definition is not a network address"),
            ("<route address='1.1.2.0' gateway='10.0.0.1'/>", "XML error: guest interface: Address '1.1.2.0' in route definition is not a network address"),
            ("<route family='ipv6' address='2001:db8::1' prefix='64' gateway='::1'/>", "XML error: guest interface: Address '2001:db8::1' in route definition is not a network address"),
        ];
        let mut bad = Vec::new();
        for (xml, want) in cases {
            let got = route(xml);
            if got != want {
                bad.push(format!("{xml}\n got {got}\nwant {want}"));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}
