//! libvirt's reading of a numeric network address (`virSocketAddrParse`
//! with no family): glibc's `getaddrinfo` with `AI_NUMERICHOST`, which
//! looks no name up. It takes an IPv4 address in any `inet_aton` form
//! (`10.1`, `0x7f.1`, octal parts) given whole, else an IPv6 address as
//! `inet_pton` reads it, with a scope after a `%`; anything else is
//! refused as a name it may not resolve. The scope is kept and written
//! back as glibc's `getnameinfo` writes it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use virt_core::{ErrorCode, ErrorDomain};

use crate::XmlError;

/// A numeric address as libvirt holds it (a `virSocketAddr`): the address
/// and, for IPv6, the scope id read from after its `%` (0: none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ScopedAddress {
    /// The address itself.
    pub(crate) ip: IpAddr,
    /// `sin6_scope_id`: an interface index or a number; 0 when none.
    pub(crate) scope_id: u32,
}

/// `virSocketAddrParse(addr, val, AF_UNSPEC)`: the address, or libvirt's
/// system error (`gai_strerror(EAI_NONAME)`).
pub(crate) fn parse_numeric_address(val: &str) -> Result<IpAddr, XmlError> {
    parse_scoped_address(val).map(|a| a.ip)
}

/// [`parse_numeric_address`] keeping an IPv6 address's scope, which
/// libvirt writes back ([`format_scoped_address`]).
pub(crate) fn parse_scoped_address(val: &str) -> Result<ScopedAddress, XmlError> {
    if let Some(v4) = inet_aton_exact(val) {
        return Ok(ScopedAddress {
            ip: IpAddr::V4(v4),
            scope_id: 0,
        });
    }
    let (host, scope) = match val.split_once('%') {
        Some((host, scope)) => (host, Some(scope)),
        None => (val, None),
    };
    let parsed = host.parse::<Ipv6Addr>().ok().and_then(|v6| {
        let scope_id = match scope {
            None => 0,
            Some(s) => scope_id(&v6, s)?,
        };
        Some(ScopedAddress {
            ip: IpAddr::V6(v6),
            scope_id,
        })
    });
    parsed.ok_or_else(|| XmlError::Refused {
        code: ErrorCode::SystemError,
        domain: ErrorDomain::None,
        message: format!("Cannot parse socket address '{val}': Name or service not known"),
    })
}

/// virSocketAddrFormat of a scoped address (glibc's `getnameinfo` with
/// `NI_NUMERICHOST`): the address as [`format_address`] writes it, then
/// a non-zero scope after a `%`: for a link-local unicast or multicast
/// address the name of the interface of that index if this host has one
/// (`if_indextoname`), else the number.
pub(crate) fn format_scoped_address(addr: &ScopedAddress) -> String {
    let mut out = format_address(&addr.ip);
    if let (IpAddr::V6(v6), 1..) = (addr.ip, addr.scope_id) {
        out.push('%');
        let [first, second, ..] = v6.octets();
        let link_local =
            (first == 0xfe && second & 0xc0 == 0x80) || (first == 0xff && second & 0x0f == 2);
        match interface_name(addr.scope_id).filter(|_| link_local) {
            Some(name) => out.push_str(&name),
            None => out.push_str(&addr.scope_id.to_string()),
        }
    }
    out
}

/// virSocketAddrFormat (getnameinfo with `NI_NUMERICHOST`, glibc's
/// inet_ntop): IPv4 dotted; IPv6 in lowercase hex groups with the longest
/// run of two or more zero groups (the first of equal ones) written `::`,
/// and an IPv4-compatible (`::a.b.c.d`) or IPv4-mapped
/// (`::ffff:a.b.c.d`) address with its last 32 bits dotted.
pub(crate) fn format_address(addr: &IpAddr) -> String {
    let v6 = match addr {
        IpAddr::V4(v4) => return v4.to_string(),
        IpAddr::V6(v6) => v6,
    };
    let words = v6.segments();
    let (mut best, mut run): ((usize, usize), Option<(usize, usize)>) = ((0, 0), None);
    for (i, w) in words.iter().enumerate() {
        if *w == 0 {
            let (start, len) = run.unwrap_or((i, 0));
            run = Some((start, len + 1));
            if len + 1 > best.1 {
                best = (start, len + 1);
            }
        } else {
            run = None;
        }
    }
    if best.1 < 2 {
        best = (usize::MAX, 0);
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if i == best.0 {
            out.push(':');
            i += best.1;
            if i == 8 {
                out.push(':');
            }
            continue;
        }
        if i > 0 {
            out.push(':');
        }
        if i == 6 && best.0 == 0 && (best.1 == 6 || (best.1 == 5 && words[5] == 0xffff)) {
            let o = v6.octets();
            out.push_str(&Ipv4Addr::new(o[12], o[13], o[14], o[15]).to_string());
            break;
        }
        out.push_str(&format!("{:x}", words[i]));
        i += 1;
    }
    out
}

/// glibc's `__inet_aton_exact`: one to four parts, each a C number
/// (`0x` hex, `0` octal, else decimal) starting with a digit, the last
/// filling the bytes the others left, and nothing after.
fn inet_aton_exact(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut bytes: Vec<u8> = Vec::new();
    let (last, leading) = parts.split_last()?;
    for part in leading {
        bytes.push(u8::try_from(c_number(part)?).ok()?);
    }
    let last = c_number(last)?;
    let room = 4 - bytes.len();
    if room < 4 && last >> (8 * room) != 0 {
        return None;
    }
    let mut word = u32::try_from(last).ok()?;
    for (i, b) in bytes.iter().enumerate() {
        word |= u32::from(*b) << (24 - 8 * i);
    }
    Some(Ipv4Addr::from(word))
}

/// `strtoul(part, &end, 0)` on a part that must start with a digit and
/// be read whole, up to 2^32-1.
fn c_number(part: &str) -> Option<u64> {
    if !part.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let (digits, radix) = match part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
        Some(hex) if hex.starts_with(|c: char| c.is_ascii_hexdigit()) => (hex, 16),
        _ if part.len() > 1 && part.starts_with('0') => (&part[1..], 8),
        _ => (part, 10),
    };
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let n = u64::from_str_radix(digits, radix).ok()?;
    (n <= u64::from(u32::MAX)).then_some(n)
}

/// glibc's `__inet6_scopeid_pton`: for a link-local address (unicast,
/// or multicast of node or link scope) the index of the network
/// interface of this host of that name, else (or failing that) decimal
/// digits up to 2^32-1, nothing else.
fn scope_id(address: &Ipv6Addr, scope: &str) -> Option<u32> {
    let [first, second, ..] = address.octets();
    let link_local = (first == 0xfe && second & 0xc0 == 0x80)
        || (first == 0xff && matches!(second & 0x0f, 1 | 2));
    if let Some(index) = interface_index(scope).filter(|_| link_local) {
        return Some(index);
    }
    if !scope.starts_with(|c: char| c.is_ascii_digit())
        || !scope.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    scope.parse::<u32>().ok()
}

/// `if_nametoindex(name)`: the index of this host's network interface
/// of that name (a name the kernel can hold, listed under
/// /sys/class/net), or `None`.
fn interface_index(name: &str) -> Option<u32> {
    if name.is_empty() || name.len() >= 16 || name.contains('/') || name == "." || name == ".." {
        return None;
    }
    let path = std::path::Path::new("/sys/class/net")
        .join(name)
        .join("ifindex");
    let index: u32 = std::fs::read_to_string(path).ok()?.trim().parse().ok()?;
    (index != 0).then_some(index)
}

/// `if_indextoname(index)`: the name of this host's network interface of
/// that index, or `None`.
fn interface_name(index: u32) -> Option<String> {
    std::fs::read_dir("/sys/class/net")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            (interface_index(&name) == Some(index)).then_some(name)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> Option<String> {
        match parse_numeric_address(s) {
            Ok(IpAddr::V4(a)) => Some(a.to_string()),
            _ => None,
        }
    }

    #[test]
    fn ipv4_in_inet_aton_forms() {
        assert_eq!(v4("10.0.2.1").as_deref(), Some("10.0.2.1"));
        assert_eq!(v4("10.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(v4("10.1.258").as_deref(), Some("10.1.1.2"));
        assert_eq!(v4("0x7f.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(v4("012.0.0.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(v4("4294967295").as_deref(), Some("255.255.255.255"));
        for bad in [
            "",
            "ey",
            "1.2.3.4.5",
            "256.1",
            "1.2.3.256",
            "09",
            "1..2",
            "1.2 ",
            " 1.2",
            "0x",
            "4294967296",
            "1.16777216",
            "+1",
        ] {
            assert_eq!(v4(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn addresses_written_as_glibc_writes_them() {
        let f = |s: &str| format_address(&s.parse::<IpAddr>().unwrap());
        assert_eq!(f("2C5::BD:55:7aC7"), "2c5::bd:55:7ac7");
        assert_eq!(f("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
        assert_eq!(f("1:0:2:3:4:5:6:7"), "1:0:2:3:4:5:6:7");
        assert_eq!(f("::"), "::");
        assert_eq!(f("::1"), "::1");
        assert_eq!(f("1::"), "1::");
        assert_eq!(f("::1.2.3.4"), "::1.2.3.4");
        assert_eq!(f("::ffff:1.2.3.4"), "::ffff:1.2.3.4");
        assert_eq!(f("::1:0:0:0"), "::1:0:0:0");
        assert_eq!(f("1:0:0:2:0:0:3:4"), "1::2:0:0:3:4");
        assert_eq!(f("10.0.0.1"), "10.0.0.1");
    }

    #[test]
    fn scopes_kept_and_written_as_getnameinfo_writes_them() {
        let round = |s: &str| {
            parse_scoped_address(s)
                .map(|a| format_scoped_address(&a))
                .ok()
        };
        // A number is written as a number where the address is not
        // link-local, and leading zeros go; a scope of 0 is none.
        assert_eq!(round("2001:DB8::1%5").as_deref(), Some("2001:db8::1%5"));
        assert_eq!(round("2001:db8::2%007").as_deref(), Some("2001:db8::2%7"));
        assert_eq!(round("fe80::3%0").as_deref(), Some("fe80::3"));
        assert_eq!(
            round("::ffff:1.2.3.4%9").as_deref(),
            Some("::ffff:1.2.3.4%9")
        );
        assert_eq!(round("10.0.0.1").as_deref(), Some("10.0.0.1"));
        // An interface name is a link-local address's only; a node-local
        // multicast one reads it but is written with its number.
        assert_eq!(round("2001:db8::1%lo"), None);
        let Some(index) = interface_index("lo") else {
            return;
        };
        assert_eq!(round("fe80::1%lo").as_deref(), Some("fe80::1%lo"));
        assert_eq!(
            round(&format!("fe80::1%{index}")).as_deref(),
            Some("fe80::1%lo")
        );
        assert_eq!(round("ff02::1%lo").as_deref(), Some("ff02::1%lo"));
        assert_eq!(round("ff01::1%lo"), Some(format!("ff01::1%{index}")));
        assert_eq!(round("fe80::1%lo0"), None);
    }

    #[test]
    fn ipv6_and_names() {
        assert!(matches!(parse_numeric_address("::1"), Ok(IpAddr::V6(_))));
        assert!(matches!(
            parse_numeric_address("fe80::1%7"),
            Ok(IpAddr::V6(_))
        ));
        assert!(parse_numeric_address("fe80::1%").is_err());
        assert!(matches!(
            parse_numeric_address("2001:db8::1%007"),
            Ok(IpAddr::V6(_))
        ));
        for bad in [
            "2001:db8::1%x9",
            "2001:db8::1%+5",
            "2001:db8::1%4294967296",
            "::01.2.3.4",
        ] {
            assert!(parse_numeric_address(bad).is_err(), "{bad:?}");
        }
        let e = parse_numeric_address("bwsey5").unwrap_err();
        assert_eq!(e.code(), ErrorCode::SystemError);
        assert_eq!(
            e.to_string(),
            "Cannot parse socket address 'bwsey5': Name or service not known"
        );
    }
}
