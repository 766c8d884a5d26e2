//! Connection URIs: `driver[+transport]://[user@][host][:port]/path[?query]`.

use crate::error::{Error, ErrorCode, ErrorDomain, Result};
use std::fmt;

/// A parsed connection URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    /// The driver part of the scheme (`test`, `qemu`, `xen`).
    pub driver: String,
    /// The transport after `+` (`unix`, `tcp`, `ssh`, `tls`), if any.
    pub transport: Option<String>,
    /// The user before `@`, if any.
    pub user: Option<String>,
    /// The host, if any (empty host means the local node).
    pub host: Option<String>,
    /// The port, if any.
    pub port: Option<u16>,
    /// The path, with its leading `/` (`/default`, `/system`); may be empty.
    pub path: String,
    /// Query parameters in order, percent-decoded.
    pub query: Vec<(String, String)>,
}

impl Uri {
    /// Parse a URI. A bare name without `:` (`xen`, `test`) is taken as the
    /// driver alone, as old libvirt did.
    pub fn parse(s: &str) -> Result<Uri> {
        let bad = |why: &str| {
            Error::with(
                ErrorCode::InvalidArg,
                ErrorDomain::Uri,
                format!("Unable to parse URI {s}: {why}"),
            )
        };
        let s_trim = s.trim();
        if s_trim.is_empty() {
            return Err(bad("empty"));
        }
        let (scheme, rest) = match s_trim.find(':') {
            Some(i) => (&s_trim[..i], &s_trim[i + 1..]),
            None => (s_trim, ""),
        };
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '_'))
        {
            return Err(bad("bad scheme"));
        }
        let (driver, transport) = match scheme.split_once('+') {
            Some((d, t)) if !d.is_empty() && !t.is_empty() => (d.to_string(), Some(t.to_string())),
            Some(_) => return Err(bad("bad transport")),
            None => (scheme.to_string(), None),
        };
        let (mut user, mut host, mut port) = (None, None, None);
        let mut tail = rest;
        if let Some(after) = rest.strip_prefix("//") {
            let end = after.find(['/', '?']).unwrap_or(after.len());
            let authority = &after[..end];
            tail = &after[end..];
            let hostport = match authority.rsplit_once('@') {
                Some((u, hp)) => {
                    user = Some(percent_decode(u));
                    hp
                }
                None => authority,
            };
            let (h, p) = if let Some(v6) = hostport.strip_prefix('[') {
                match v6.split_once(']') {
                    Some((h, p)) => (h, p.strip_prefix(':')),
                    None => return Err(bad("unterminated IPv6 address")),
                }
            } else {
                match hostport.rsplit_once(':') {
                    Some((h, p)) => (h, Some(p)),
                    None => (hostport, None),
                }
            };
            if !h.is_empty() {
                host = Some(h.to_string());
            }
            if let Some(p) = p.filter(|p| !p.is_empty()) {
                port = Some(p.parse::<u16>().map_err(|_| bad("bad port"))?);
            }
        }
        let (path, q) = match tail.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (tail, None),
        };
        let query = q
            .map(|q| {
                q.split('&')
                    .filter(|kv| !kv.is_empty())
                    .map(|kv| match kv.split_once('=') {
                        Some((k, v)) => (percent_decode(k), percent_decode(v)),
                        None => (percent_decode(kv), String::new()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Uri {
            driver,
            transport,
            user,
            host,
            port,
            path: percent_decode(path),
            query,
        })
    }

    /// The value of query parameter `key`, if present.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// True when the URI names no remote host (the local node).
    pub fn is_local(&self) -> bool {
        self.host.as_deref().is_none_or(|h| h == "localhost") && self.transport.is_none()
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.driver)?;
        if let Some(t) = &self.transport {
            write!(f, "+{t}")?;
        }
        f.write_str("://")?;
        if let Some(u) = &self.user {
            write!(f, "{u}@")?;
        }
        if let Some(h) = &self.host {
            if h.contains(':') {
                write!(f, "[{h}]")?;
            } else {
                f.write_str(h)?;
            }
        }
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        f.write_str(&self.path)?;
        for (i, (k, v)) in self.query.iter().enumerate() {
            f.write_str(if i == 0 { "?" } else { "&" })?;
            write!(f, "{k}={v}")?;
        }
        Ok(())
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_forms() {
        let u = Uri::parse("test:///default").unwrap();
        assert_eq!(
            (
                u.driver.as_str(),
                u.transport.as_deref(),
                u.host.as_deref(),
                u.path.as_str()
            ),
            ("test", None, None, "/default")
        );
        assert_eq!(u.to_string(), "test:///default");

        let u =
            Uri::parse("qemu+ssh://root@host.example:2222/system?keyfile=/k&no_verify=1").unwrap();
        assert_eq!(u.driver, "qemu");
        assert_eq!(u.transport.as_deref(), Some("ssh"));
        assert_eq!(u.user.as_deref(), Some("root"));
        assert_eq!(u.host.as_deref(), Some("host.example"));
        assert_eq!(u.port, Some(2222));
        assert_eq!(u.path, "/system");
        assert_eq!(u.param("keyfile"), Some("/k"));
        assert_eq!(u.param("no_verify"), Some("1"));
        assert!(!u.is_local());

        let u = Uri::parse("xen").unwrap();
        assert_eq!(u.driver, "xen");
        assert_eq!(u.path, "");

        let u = Uri::parse("test:///tmp/a%20b/node.xml").unwrap();
        assert_eq!(u.path, "/tmp/a b/node.xml");

        let u = Uri::parse("qemu+tcp://[::1]:16509/system").unwrap();
        assert_eq!(u.host.as_deref(), Some("::1"));
        assert_eq!(u.port, Some(16509));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "   ",
            ":///x",
            "te st:///",
            "qemu+://x/",
            "qemu://h:notaport/",
            "qemu://[::1/",
        ] {
            let e = Uri::parse(bad)
                .err()
                .unwrap_or_else(|| panic!("{bad:?} parsed"));
            assert_eq!(e.code, ErrorCode::InvalidArg, "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,64}") {
            let _ = Uri::parse(&s);
        }

        #[test]
        fn formatted_uris_parse_back(
            driver in "[a-z][a-z0-9]{0,7}",
            transport in proptest::option::of("[a-z]{1,5}"),
            user in proptest::option::of("[a-z][a-z0-9_]{0,7}"),
            host in proptest::option::of("[a-z][a-z0-9.-]{0,15}"),
            port in proptest::option::of(1u16..),
            path in "(/[a-zA-Z0-9_.-]{1,8}){0,3}",
            query in proptest::collection::vec(("[a-z]{1,6}", "[a-zA-Z0-9/_.-]{0,8}"), 0..3),
        ) {
            let u = Uri { driver, transport, user, host, port, path, query };
            let back = Uri::parse(&u.to_string());
            proptest::prop_assert_eq!(back.ok(), Some(u));
        }
    }
}
