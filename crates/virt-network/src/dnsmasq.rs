//! dnsmasq, the DHCP and DNS server of a network: the configuration file,
//! the DHCP hosts file and the extra hosts file libvirt writes for a
//! network definition (byte for byte as libvirt 9.0's network driver),
//! and dnsmasq's lease file read back for `net-dhcp-leases`.
//!
//! Every value goes into a line of dnsmasq's configuration; a value that
//! could end that line and start another one (a newline, a NUL) is
//! refused before anything is written, so a definition cannot add
//! options of its own beyond `<dnsmasq:options>`, which exists for that.

use crate::error::{NetworkError, NetworkResult};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use virt_xml::network::{IpDef, Lease, LeaseUnit, NetworkDef};

/// The XML namespace of `<dnsmasq:options>`.
pub const DNSMASQ_NAMESPACE: &str = "http://libvirt.org/schemas/network/dnsmasq/1.0";

/// What dnsmasq is given for one network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsmasqFiles {
    /// The configuration file (`NAME.conf`).
    pub config: String,
    /// The DHCP hosts file (`NAME.hostsfile`): fixed addresses, one host a
    /// line; `None` when the network serves no DHCP.
    pub hosts: Option<String>,
    /// The extra hosts file (`NAME.addnhosts`): the `<dns><host>` names,
    /// `address<TAB>name<TAB>...` a line.
    pub addn_hosts: String,
}

/// Where the files of [`dnsmasq_files`] point to.
#[derive(Debug, Clone, Copy)]
pub struct DnsmasqPaths<'a> {
    /// The directory of the hosts files (libvirt:
    /// `/var/lib/libvirt/dnsmasq`).
    pub state_dir: &'a str,
    /// dnsmasq's pid file, when it should write one.
    pub pid_file: Option<&'a str>,
}

/// The path of one of a network's dnsmasq files: the directory, the
/// network's name escaped as libvirt escapes it there, the suffix.
pub fn state_file(state_dir: &str, name: &str, suffix: &str) -> String {
    format!("{state_dir}/{}.{suffix}", virt_xml::escape(name))
}

/// Refuse a value that would end its configuration line.
fn one_line<'a>(what: &str, value: &'a str) -> NetworkResult<&'a str> {
    if value.contains(['\n', '\r', '\0']) {
        return Err(NetworkError::Unsupported(format!(
            "{what} '{}' must not contain a line break",
            value.escape_debug()
        )));
    }
    Ok(value)
}

/// dnsmasq's spelling of a lease time.
fn lease_time(lease: &Lease) -> String {
    if lease.expiry == 0 {
        return "infinite".into();
    }
    let unit = match lease.unit {
        LeaseUnit::Seconds => 's',
        LeaseUnit::Minutes => 'm',
        LeaseUnit::Hours => 'h',
    };
    format!("{}{unit}", lease.expiry)
}

/// The reverse-lookup zone of a subnet (`122.168.192.in-addr.arpa`), or
/// libvirt's refusal when the prefix does not fall on a label boundary.
fn ptr_domain(ip: &IpDef) -> NetworkResult<String> {
    let prefix = ip.prefix_len();
    let (labels, suffix, family, step) = match ip.address {
        IpAddr::V4(a) => (
            a.octets().iter().map(|o| o.to_string()).collect::<Vec<_>>(),
            "in-addr.arpa",
            "IPv4",
            8,
        ),
        IpAddr::V6(a) => (
            a.octets()
                .iter()
                .flat_map(|o| [o >> 4, o & 0xf])
                .map(|n| format!("{n:x}"))
                .collect(),
            "ip6.arpa",
            "IPv6",
            4,
        ),
    };
    if prefix == 0 || prefix % step != 0 {
        return Err(NetworkError::Unsupported(format!(
            "PTR domain for {family} network with prefix {prefix} cannot be automatically created"
        )));
    }
    let n = (prefix / step) as usize;
    let mut out: Vec<&str> = labels[..n.min(labels.len())]
        .iter()
        .rev()
        .map(String::as_str)
        .collect();
    out.push(suffix);
    Ok(out.join("."))
}

/// How many addresses a DHCP range hands out (both ends included).
fn range_size(start: &IpAddr, end: &IpAddr) -> NetworkResult<u64> {
    let (s, e) = match (start, end) {
        (IpAddr::V4(s), IpAddr::V4(e)) => (u128::from(u32::from(*s)), u128::from(u32::from(*e))),
        (IpAddr::V6(s), IpAddr::V6(e)) => (u128::from(*s), u128::from(*e)),
        _ => {
            return Err(NetworkError::Internal(format!(
                "range {start} - {end} mixes address families"
            )))
        }
    };
    if e < s {
        return Err(NetworkError::Internal(format!(
            "range {start} - {end} is reversed"
        )));
    }
    Ok(u64::try_from(e - s + 1).unwrap_or(u64::MAX))
}

fn netmask_of(prefix: u32) -> Ipv4Addr {
    Ipv4Addr::from(if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix.min(32))
    })
}

fn serves_dhcp(ip: &IpDef) -> bool {
    ip.dhcp
        .as_ref()
        .is_some_and(|d| !d.ranges.is_empty() || !d.hosts.is_empty())
}

/// The `<dnsmasq:option value>` lines of the definition, whatever prefix
/// the document bound dnsmasq's namespace to.
pub fn namespace_options(def: &NetworkDef) -> Vec<String> {
    let Some(prefix) = def.extra.attrs.iter().find_map(|(k, v)| {
        (v == DNSMASQ_NAMESPACE)
            .then(|| k.strip_prefix("xmlns:"))
            .flatten()
    }) else {
        return Vec::new();
    };
    let options = format!("{prefix}:options");
    let option = format!("{prefix}:option");
    def.extra
        .children
        .iter()
        .filter(|e| e.name == options)
        .flat_map(|e| e.elements())
        .filter(|o| o.name == option)
        .filter_map(|o| o.attr("value").map(str::to_string))
        .collect()
}

/// The bridge a definition runs on (assigned at define time).
fn bridge_of(def: &NetworkDef) -> NetworkResult<&str> {
    def.bridge_name()
        .ok_or_else(|| NetworkError::Internal(format!("network '{}' has no bridge", def.name)))
}

/// True when a running network needs dnsmasq: it has an address, and it
/// serves DHCP or its DNS is not turned off (libvirt's rule).
pub fn needs_dnsmasq(def: &NetworkDef) -> bool {
    if def.ips.is_empty() {
        return false;
    }
    let dns_off = def.dns.as_ref().and_then(|d| d.enable) == Some(false);
    def.ips.iter().any(serves_dhcp) || !dns_off
}

/// The dnsmasq files for `def`, as libvirt's network driver writes them.
pub fn dnsmasq_files(def: &NetworkDef, paths: DnsmasqPaths<'_>) -> NetworkResult<DnsmasqFiles> {
    let mut c = String::new();
    let name = one_line("network name", &def.name)?;
    let bridge = one_line("bridge name", bridge_of(def)?)?;
    let dns = def.dns.clone().unwrap_or_default();
    let want_dns = dns.enable != Some(false);
    c.push_str(
        "##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n\
         ##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:\n",
    );
    let _ = writeln!(c, "##    virsh net-edit {name}");
    c.push_str(
        "## or other application using the libvirt API.\n##\n\
         ## dnsmasq conf file created by libvirt\nstrict-order\n",
    );
    if !want_dns {
        c.push_str("port=0\n");
    }
    if want_dns && !dns.forwarders.is_empty() {
        // Without a server for undomained names the host's resolv.conf is
        // still needed; with one, it must not be read.
        let mut no_resolv = false;
        for f in &dns.forwarders {
            c.push_str("server=");
            if let Some(d) = &f.domain {
                let _ = write!(c, "/{}/", one_line("forwarder domain", d)?);
            }
            match f.addr {
                Some(a) => {
                    let _ = writeln!(c, "{a}");
                    no_resolv |= f.domain.is_none();
                }
                None => c.push_str("#\n"),
            }
        }
        if no_resolv {
            c.push_str("no-resolv\n");
        }
    }
    if let Some(d) = def.domain.as_ref() {
        if let Some(dn) = d.name.as_deref() {
            let dn = one_line("domain name", dn)?;
            if d.local_only == Some(true) {
                let _ = writeln!(c, "local=/{dn}/");
            }
            let _ = writeln!(c, "domain={dn}\nexpand-hosts");
        }
    }
    if want_dns {
        for ip in def.ips.iter().filter(|ip| ip.local_ptr == Some(true)) {
            let _ = writeln!(c, "local=/{}/", ptr_domain(ip)?);
        }
        if dns.forward_plain_names == Some(false) {
            c.push_str("domain-needed\nlocal=//\n");
        }
    }
    if let Some(p) = paths.pid_file {
        let _ = writeln!(c, "pid-file={}", one_line("pid file", p)?);
    }
    let _ = writeln!(c, "except-interface=lo\nbind-dynamic\ninterface={bridge}");
    if def.forward.is_none() {
        // Isolated: no default route, no upstream DNS, no IPv6 default
        // route from router advertisements.
        c.push_str("dhcp-option=3\nno-resolv\nra-param=*,0,0\n");
    }
    if want_dns {
        for (n, v) in &dns.txts {
            let _ = writeln!(
                c,
                "txt-record={},{}",
                one_line("TXT record name", n)?,
                one_line("TXT record value", v)?
            );
        }
        for s in &dns.srvs {
            let _ = write!(
                c,
                "srv-host=_{}._{}",
                one_line("SRV service", &s.service)?,
                one_line("SRV protocol", &s.protocol)?
            );
            if let Some(d) = &s.domain {
                let _ = write!(c, ".{}", one_line("SRV domain", d)?);
            }
            // An empty target or "." means the service is not offered
            // (RFC 2782): port, priority and weight do not apply.
            if let Some(t) = s.target.as_deref().filter(|t| *t != ".") {
                let _ = write!(c, ",{}", one_line("SRV target", t)?);
                let (port, prio, weight) = (
                    s.port.unwrap_or(0),
                    s.priority.unwrap_or(0),
                    s.weight.unwrap_or(0),
                );
                if port != 0 || prio != 0 || weight != 0 {
                    let _ = write!(c, ",{}", if port != 0 { port } else { 1 });
                }
                if prio != 0 || weight != 0 {
                    let _ = write!(c, ",{prio}");
                }
                if weight != 0 {
                    let _ = write!(c, ",{weight}");
                }
            }
            c.push('\n');
        }
    }

    // The first address of each family with DHCP serves it; a second one
    // is refused.
    let mut v4: Option<&IpDef> = None;
    let mut v6: Option<&IpDef> = None;
    for ip in &def.ips {
        if let (false, Some(root)) = (ip.is_ipv6(), &ip.tftp_root) {
            let _ = writeln!(c, "enable-tftp\ntftp-root={}", one_line("TFTP root", root)?);
        }
        if !serves_dhcp(ip) {
            continue;
        }
        let (slot, family) = if ip.is_ipv6() {
            (&mut v6, "IPv6")
        } else {
            (&mut v4, "IPv4")
        };
        if slot.is_some() {
            return Err(NetworkError::Unsupported(format!(
                "For {family}, multiple DHCP definitions cannot be specified."
            )));
        }
        *slot = Some(ip);
    }
    let mut leases: u64 = 0;
    let mut hosts = String::new();
    for ip in [v4, v6].into_iter().flatten() {
        let prefix = ip.prefix_len();
        let Some(dhcp) = ip.dhcp.as_ref() else {
            continue;
        };
        for r in &dhcp.ranges {
            if ip.is_ipv6() {
                let _ = write!(c, "dhcp-range={},{},{prefix}", r.start, r.end);
            } else {
                let _ = write!(c, "dhcp-range={},{},{}", r.start, r.end, netmask_of(prefix));
            }
            if let Some(l) = &r.lease {
                let _ = write!(c, ",{}", lease_time(l));
            }
            c.push('\n');
            leases = leases.saturating_add(range_size(&r.start, &r.end)?);
        }
        if dhcp.ranges.is_empty() && !dhcp.hosts.is_empty() {
            let _ = write!(c, "dhcp-range={},static", ip.address);
            if ip.is_ipv6() {
                let _ = write!(c, ",{prefix}");
            }
            c.push('\n');
        }
        for h in &dhcp.hosts {
            let Some(addr) = h.ip else { continue };
            let name = h
                .name
                .as_deref()
                .map(|n| one_line("host name", n))
                .transpose()?;
            let mac = h
                .mac
                .as_deref()
                .map(|m| one_line("MAC address", m))
                .transpose()?;
            let id =
                h.id.as_deref()
                    .map(|i| one_line("client id", i))
                    .transpose()?;
            let mut line = if ip.is_ipv6() {
                let mut l = match (name, id) {
                    (Some(n), Some(i)) => format!("id:{i},{n}"),
                    (Some(n), None) => n.to_string(),
                    (None, Some(i)) => format!("id:{i}"),
                    (None, None) => String::new(),
                };
                let _ = write!(l, ",[{addr}]");
                l
            } else {
                match (name, mac) {
                    (Some(n), Some(m)) => format!("{m},{addr},{n}"),
                    (Some(n), None) => format!("{n},{addr}"),
                    (None, m) => format!("{},{addr}", m.unwrap_or("")),
                }
            };
            if let Some(l) = &h.lease {
                let _ = write!(line, ",{}", lease_time(l));
            }
            hosts.push_str(&line);
            hosts.push('\n');
        }
        if !ip.is_ipv6() {
            c.push_str("dhcp-no-override\ndhcp-authoritative\n");
            if let Some((file, server)) = &dhcp.bootp {
                let file = one_line("boot file", file)?;
                match server {
                    Some(s) => {
                        let _ = writeln!(c, "dhcp-boot={file},,{s}");
                    }
                    None => {
                        let _ = writeln!(c, "dhcp-boot={file}");
                    }
                }
            }
        }
    }
    if leases > 0 {
        let _ = writeln!(c, "dhcp-lease-max={leases}");
    }
    let mut addn: Vec<(IpAddr, Vec<&str>)> = Vec::new();
    if want_dns {
        for h in &dns.hosts {
            let Some(ip) = h.ip else { continue };
            let slot = match addn.iter().position(|(a, _)| *a == ip) {
                Some(i) => i,
                None => {
                    addn.push((ip, Vec::new()));
                    addn.len() - 1
                }
            };
            for n in &h.hostnames {
                addn[slot].1.push(one_line("DNS host name", n)?);
            }
        }
    }
    let addn_hosts: String = addn
        .iter()
        .map(|(ip, names)| {
            let mut l = format!("{ip}\t");
            for n in names {
                l.push_str(n);
                l.push('\t');
            }
            l.push('\n');
            l
        })
        .collect();
    let dhcp_served = v4.is_some() || v6.is_some();
    // The host lists dnsmasq reads beside this file, in the state
    // directory.
    for (wanted, key, suffix) in [
        (dhcp_served, "dhcp-hostsfile", "hostsfile"),
        (want_dns, "addn-hosts", "addnhosts"),
    ] {
        if wanted {
            let file = state_file(paths.state_dir, name, suffix);
            let _ = writeln!(c, "{key}={}", one_line("state directory", &file)?);
        }
    }
    if let Some(mtu) = def.mtu.filter(|m| *m > 0) {
        let _ = writeln!(c, "dhcp-option=option:mtu,{mtu}");
    }
    if v6.is_some() {
        c.push_str("enable-ra\n");
    } else {
        for ip in def.ips.iter().filter(|ip| ip.is_ipv6() && !serves_dhcp(ip)) {
            let _ = writeln!(c, "dhcp-range={},ra-only", ip.address);
        }
    }
    for o in namespace_options(def) {
        let _ = writeln!(c, "{}", one_line("dnsmasq option", &o)?);
    }
    Ok(DnsmasqFiles {
        config: c,
        hosts: dhcp_served.then_some(hosts),
        addn_hosts,
    })
}

/// One line of dnsmasq's lease file, as `virNetworkGetDHCPLeases` reports
/// it (the prefix and bridge are the network's, added by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseLine {
    /// When the lease ends, seconds since the epoch (0: never).
    pub expiry: i64,
    /// The client's MAC address (IPv4) or IAID (IPv6).
    pub hwaddr_or_iaid: String,
    /// The leased address.
    pub ip: IpAddr,
    /// The host name the client sent.
    pub hostname: Option<String>,
    /// The client id (IPv4) or DUID (IPv6).
    pub client_id: Option<String>,
}

/// Parse dnsmasq's lease file: `EXPIRY MAC IP HOSTNAME CLIENTID` lines for
/// IPv4, then after a `duid SERVER-DUID` line `EXPIRY IAID IP HOSTNAME
/// DUID` lines for IPv6; `*` stands for an absent field. Lines that do
/// not read are skipped (dnsmasq rewrites the file while we read it).
pub fn parse_leases(text: &str) -> Vec<LeaseLine> {
    let opt = |s: &str| (s != "*").then(|| s.to_string());
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_ascii_whitespace().collect();
            if f.len() < 4 || f[0] == "duid" {
                return None;
            }
            Some(LeaseLine {
                expiry: f[0].parse().ok()?,
                hwaddr_or_iaid: f[1].to_string(),
                ip: f[2].parse().ok()?,
                hostname: opt(f[3]),
                client_id: f.get(4).and_then(|c| opt(c)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NAT: &str = "<network><name>n</name><forward mode='nat'/><bridge name='virbr5'/>\
        <ip address='10.9.0.1' prefix='24'><dhcp><range start='10.9.0.2' end='10.9.0.9'/></dhcp></ip></network>";
    const PATHS: DnsmasqPaths<'static> = DnsmasqPaths {
        state_dir: "/s",
        pid_file: Some("/s/n.pid"),
    };

    #[test]
    fn leases_of_both_families() {
        let text = "1700000000 52:54:00:aa:bb:cc 10.9.0.5 guest 01:52:54:00:aa:bb:cc\n\
                    0 52:54:00:aa:bb:cd 10.9.0.6 * *\n\
                    duid 00:01:00:01:2c:aa\n\
                    1700000001 1234 2001:db8::10 six 00:03:00:01\n\
                    garbage\n";
        let l = parse_leases(text);
        assert_eq!(l.len(), 3);
        assert_eq!(l[0].hostname.as_deref(), Some("guest"));
        assert_eq!(l[1].hostname, None);
        assert_eq!(l[1].client_id, None);
        assert_eq!(l[2].hwaddr_or_iaid, "1234");
        assert!(l[2].ip.is_ipv6());
    }

    #[test]
    fn pid_file_and_counts() {
        let def = virt_xml::parse_network(NAT).expect("parse");
        let f = dnsmasq_files(&def, PATHS).expect("files");
        assert!(f.config.contains("pid-file=/s/n.pid\n"));
        assert!(f.config.contains("dhcp-lease-max=8\n"));
        assert!(f.config.contains("dhcp-hostsfile=/s/n.hostsfile\n"));
        assert_eq!(f.hosts.as_deref(), Some(""));
    }

    #[test]
    fn ptr_prefix_off_a_label_boundary_is_refused() {
        let def = virt_xml::parse_network(
            "<network><name>n</name><bridge name='virbr5'/>\
             <ip address='10.9.0.1' prefix='20' localPtr='yes'/></network>",
        )
        .expect("parse");
        let e = dnsmasq_files(&def, PATHS).expect_err("refused");
        assert_eq!(
            e.to_string(),
            "unsupported configuration: PTR domain for IPv4 network with prefix 20 cannot be automatically created"
        );
    }

    proptest! {
        /// Whatever a TXT record, DNS host name or domain holds, the
        /// configuration keeps one line per option: a value is written
        /// whole on its line or the definition is refused.
        #[test]
        fn values_never_add_lines(value in "[ -~\n\r\t]{0,20}", which in 0..3usize) {
            let make = |v: &str| {
                let esc = virt_xml::escape(v);
                match which {
                    0 => format!("<network><name>n</name><bridge name='virbr5'/><dns><txt name='t' value='{esc}'/></dns><ip address='10.9.0.1' prefix='24'/></network>"),
                    1 => format!("<network><name>n</name><bridge name='virbr5'/><dns><host ip='10.9.0.7'><hostname>{esc}</hostname></host></dns><ip address='10.9.0.1' prefix='24'/></network>"),
                    _ => format!("<network><name>n</name><bridge name='virbr5'/><domain name='{esc}'/><ip address='10.9.0.1' prefix='24'/></network>"),
                }
            };
            let Ok(def) = virt_xml::parse_network(&make(&value)) else { return Ok(()) };
            let plain = virt_xml::parse_network(&make("x")).expect("plain");
            let want = dnsmasq_files(&plain, PATHS).map(|f| (f.config.lines().count(), f.addn_hosts.lines().count()));
            if let Ok(f) = dnsmasq_files(&def, PATHS) {
                prop_assert_eq!(Ok((f.config.lines().count(), f.addn_hosts.lines().count())), want.map_err(|_| ()));
            }
        }
    }
}
