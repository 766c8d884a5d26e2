//! Writing `<network>` back in libvirt's layout, unknown content after
//! the known.

use super::*;

pub(super) fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("='");
    out.push_str(&escape(value));
    out.push('\'');
}

pub(super) fn push_extra_attrs(out: &mut String, extra: &Extra) {
    for (k, v) in &extra.attrs {
        push_attr(out, k, v);
    }
}

pub(super) fn push_extra_children(out: &mut String, extra: &Extra, indent: usize) {
    for c in &extra.children {
        c.write_xml(out, indent);
    }
}

pub(super) fn yn(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

pub(super) fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Close a start tag: `/>` when it has no children, else `>` and the
/// children and the end tag.
pub(super) fn close(out: &mut String, name: &str, indent: usize, children: String) {
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

pub(super) fn write_lease(out: &mut String, lease: &Option<Lease>, indent: usize) {
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

pub(super) fn write_dns(out: &mut String, d: &Dns) {
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

pub(super) fn write_ip(out: &mut String, ip: &IpDef) {
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
