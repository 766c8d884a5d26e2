//! NAT and forwarding rules with nftables (Debian's `nft`): one table of
//! our own per network, `inet virtrs_BRIDGE`, made and removed as a whole
//! in one `nft -f` transaction, so stopping a network removes exactly the
//! rules its start added and no other table is touched.

use crate::error::{NetworkError, NetworkResult};
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::IpAddr;
use std::process::{Command, Stdio};
use virt_xml::network::{ForwardMode, NetworkDef};

/// The `nft` program.
pub const NFT: &str = "/usr/sbin/nft";

/// The table of the network on `bridge` (a name [`check_device_name`]
/// accepted, so only letters, digits and `_` remain after mapping).
pub fn table_name(bridge: &str) -> String {
    let safe: String = bridge
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("virtrs_{safe}")
}

/// Refuse a network device name the kernel would refuse, or one that
/// could not be written inside an nft rule's or dnsmasq's quotes.
pub fn check_device_name(what: &str, name: &str) -> NetworkResult<()> {
    let ok = !name.is_empty()
        && name.len() < 16
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !ok {
        return Err(NetworkError::Unsupported(format!(
            "{what} '{}' is not a valid network device name",
            name.escape_debug()
        )));
    }
    Ok(())
}

/// The subnet of an address: the address with its host bits cleared.
fn subnet(addr: IpAddr, prefix: u32) -> String {
    match addr {
        IpAddr::V4(a) => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix.min(32))
            };
            format!("{}/{prefix}", std::net::Ipv4Addr::from(u32::from(a) & mask))
        }
        IpAddr::V6(a) => {
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix.min(128))
            };
            format!(
                "{}/{prefix}",
                std::net::Ipv6Addr::from(u128::from(a) & mask)
            )
        }
    }
}

/// The nft script that installs the rules of `def` on `bridge`, or `None`
/// for a network that needs none (`open` mode, or no address at all on an
/// isolated network).
pub fn ruleset(def: &NetworkDef, bridge: &str) -> NetworkResult<Option<String>> {
    check_device_name("bridge name", bridge)?;
    let mode = def.forward_mode();
    if mode == Some(ForwardMode::Open) {
        return Ok(None);
    }
    let out_dev = def
        .forward
        .as_ref()
        .and_then(|f| f.interfaces.first())
        .map(|d| check_device_name("forward device", d).map(|()| d.clone()))
        .transpose()?;
    let table = table_name(bridge);
    let mut fwd = String::new();
    let mut nat = String::new();
    let _ = writeln!(fwd, "    iifname \"{bridge}\" oifname \"{bridge}\" accept");
    let out_match = out_dev
        .as_deref()
        .map(|d| format!("oifname \"{d}\" "))
        .unwrap_or_default();
    let in_match = out_dev
        .as_deref()
        .map(|d| format!("iifname \"{d}\" "))
        .unwrap_or_default();
    let n = def.forward.as_ref().and_then(|f| f.nat.as_ref());
    // IPv6 is routed, not translated, unless `<nat ipv6='yes'/>` (libvirt
    // 9.0) asks for masquerading it too.
    let nat_ipv6 = n.and_then(|n| n.ipv6) == Some(true);
    for ip in &def.ips {
        let net = subnet(ip.address, ip.prefix_len());
        let fam = if ip.is_ipv6() { "ip6" } else { "ip" };
        match mode {
            Some(ForwardMode::Nat) if !ip.is_ipv6() || nat_ipv6 => {
                let _ = writeln!(
                    fwd,
                    "    {in_match}oifname \"{bridge}\" {fam} daddr {net} ct state related,established accept"
                );
                let _ = writeln!(
                    fwd,
                    "    iifname \"{bridge}\" {out_match}{fam} saddr {net} accept"
                );
                // A public address range applies to IPv4 only.
                let range = n.and_then(|n| n.address).filter(|_| !ip.is_ipv6());
                let ports = n.and_then(|n| n.port).unwrap_or((1024, 65535));
                let (to, ported) = match range {
                    Some((s, e)) => (
                        format!("snat ip to {s}-{e}"),
                        format!("snat ip to {s}-{e}:{}-{}", ports.0, ports.1),
                    ),
                    None => (
                        "masquerade".to_string(),
                        format!("masquerade to :{}-{}", ports.0, ports.1),
                    ),
                };
                // Local multicast (and IPv4's broadcast) stay untranslated.
                if ip.is_ipv6() {
                    let _ = writeln!(nat, "    ip6 saddr {net} ip6 daddr ff02::/16 return");
                } else {
                    let _ = writeln!(nat, "    ip saddr {net} ip daddr 224.0.0.0/24 return");
                    let _ = writeln!(nat, "    ip saddr {net} ip daddr 255.255.255.255 return");
                }
                let _ = writeln!(
                    nat,
                    "    {out_match}{fam} saddr {net} {fam} daddr != {net} meta l4proto {{ tcp, udp }} {ported}"
                );
                let _ = writeln!(
                    nat,
                    "    {out_match}{fam} saddr {net} {fam} daddr != {net} {to}"
                );
            }
            Some(ForwardMode::Nat | ForwardMode::Route) => {
                let _ = writeln!(
                    fwd,
                    "    {in_match}oifname \"{bridge}\" {fam} daddr {net} accept"
                );
                let _ = writeln!(
                    fwd,
                    "    iifname \"{bridge}\" {out_match}{fam} saddr {net} accept"
                );
            }
            _ => {}
        }
    }
    // Whatever the rules above did not let through is refused.
    let _ = writeln!(fwd, "    iifname \"{bridge}\" reject");
    let _ = writeln!(fwd, "    oifname \"{bridge}\" reject");
    let mut s = format!(
        "add table inet {table}\ndelete table inet {table}\ntable inet {table} {{\n  chain forward {{\n    type filter hook forward priority filter; policy accept;\n{fwd}  }}\n"
    );
    if !nat.is_empty() {
        let _ = write!(
            s,
            "  chain postrouting {{\n    type nat hook postrouting priority srcnat; policy accept;\n{nat}  }}\n"
        );
    }
    s.push_str("}\n");
    Ok(Some(s))
}

/// Run `nft -f -` with `script`.
fn nft(script: &str) -> NetworkResult<()> {
    let mut child = Command::new(NFT)
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| NetworkError::system(format!("Cannot run '{NFT}'"), e))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .map_err(|e| NetworkError::system(format!("Cannot write to '{NFT}'"), e))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| NetworkError::system(format!("Cannot run '{NFT}'"), e))?;
    if !out.status.success() {
        return Err(NetworkError::Internal(format!(
            "Failed to apply firewall rules {NFT} -f -: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// Install `script` (from [`ruleset`]).
pub fn install(script: &str) -> NetworkResult<()> {
    nft(script)
}

/// Remove the table of the network on `bridge`; a table already gone is
/// fine.
pub fn remove(bridge: &str) -> NetworkResult<()> {
    let t = table_name(bridge);
    nft(&format!("add table inet {t}\ndelete table inet {t}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nat_rules_name_the_subnet_and_bridge() {
        let def = virt_xml::parse_network(
            "<network><name>n</name><forward mode='nat'/><bridge name='virbr3'/>\
             <ip address='10.7.0.1' prefix='24'/></network>",
        )
        .expect("parse");
        let s = ruleset(&def, "virbr3").expect("rules").expect("some");
        assert!(s.contains("table inet virtrs_virbr3 {"));
        assert!(s.contains("ip saddr 10.7.0.0/24 ip daddr != 10.7.0.0/24 masquerade\n"));
        assert!(s.contains("iifname \"virbr3\" reject"));
    }

    #[test]
    fn ipv6_is_masqueraded_only_when_asked() {
        let xml = |nat: &str| {
            format!(
                "<network><name>n</name><forward mode='nat'>{nat}</forward><bridge name='virbr3'/>\
                 <ip address='10.7.0.1' prefix='24'/><ip family='ipv6' address='fd00:7::1' prefix='64'/></network>"
            )
        };
        let routed = virt_xml::parse_network(&xml("")).expect("parse");
        let s = ruleset(&routed, "virbr3").expect("rules").expect("some");
        assert!(!s.contains("ip6 saddr fd00:7::/64 ip6 daddr != fd00:7::/64 masquerade"));
        assert!(s.contains("iifname \"virbr3\" ip6 saddr fd00:7::/64 accept\n"));
        let natted = virt_xml::parse_network(&xml("<nat ipv6='yes'/>")).expect("parse");
        let s = ruleset(&natted, "virbr3").expect("rules").expect("some");
        assert!(s.contains("ip6 saddr fd00:7::/64 ip6 daddr ff02::/16 return\n"));
        assert!(s.contains("ip6 saddr fd00:7::/64 ip6 daddr != fd00:7::/64 masquerade\n"));
        assert!(s.contains("ip saddr 10.7.0.0/24 ip daddr != 10.7.0.0/24 masquerade\n"));
    }

    #[test]
    fn bad_device_names_are_refused() {
        for bad in ["a\"b", "a;b", "a b", "", "0123456789abcdef", "a\nb", "../x"] {
            assert!(check_device_name("bridge name", bad).is_err(), "{bad:?}");
        }
        check_device_name("bridge name", "virbr0").expect("fine");
    }
}
