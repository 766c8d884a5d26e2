//! libvirt's reading of a numeric network address (`virSocketAddrParse`
//! with no family): glibc's `getaddrinfo` with `AI_NUMERICHOST`, which
//! looks no name up. It takes an IPv4 address in any `inet_aton` form
//! (`10.1`, `0x7f.1`, octal parts) given whole, else an IPv6 address as
//! `inet_pton` reads it, with a scope after a `%`; anything else is
//! refused as a name it may not resolve.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use virt_core::{ErrorCode, ErrorDomain};

use crate::XmlError;

/// `virSocketAddrParse(addr, val, AF_UNSPEC)`: the address, or libvirt's
/// system error (`gai_strerror(EAI_NONAME)`).
pub(crate) fn parse_numeric_address(val: &str) -> Result<IpAddr, XmlError> {
    if let Some(v4) = inet_aton_exact(val) {
        return Ok(IpAddr::V4(v4));
    }
    let (host, scope) = match val.split_once('%') {
        Some((host, scope)) => (host, Some(scope)),
        None => (val, None),
    };
    match host.parse::<Ipv6Addr>() {
        Ok(v6) if scope.is_none_or(|s| scope_id(&v6, s)) => Ok(IpAddr::V6(v6)),
        _ => Err(XmlError::Refused {
            code: ErrorCode::SystemError,
            domain: ErrorDomain::None,
            message: format!("Cannot parse socket address '{val}': Name or service not known"),
        }),
    }
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

/// glibc's `__inet6_scopeid_pton`: for a link-local address the name of
/// a network interface of this host, else (or failing that) decimal
/// digits up to 2^32-1, nothing else.
fn scope_id(address: &Ipv6Addr, scope: &str) -> bool {
    let [first, second, ..] = address.octets();
    let link_local = (first == 0xfe && second & 0xc0 == 0x80)
        || (first == 0xff && matches!(second & 0x0f, 1 | 2));
    if link_local && interface_exists(scope) {
        return true;
    }
    !scope.is_empty() && scope.bytes().all(|b| b.is_ascii_digit()) && scope.parse::<u32>().is_ok()
}

/// Whether `if_nametoindex(name)` finds an interface (a name the kernel
/// can hold, listed under /sys/class/net).
fn interface_exists(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 16
        && !name.contains('/')
        && name != "."
        && name != ".."
        && std::path::Path::new("/sys/class/net").join(name).exists()
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
