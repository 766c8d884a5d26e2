//! `virNetworkUpdate`: the sections a running or defined network's
//! definition changes by, and their commands.

use super::*;

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

    /// The command of libvirt's number, or libvirt's refusal of an
    /// unknown one.
    pub fn parse(n: u32) -> Result<UpdateCommand, XmlError> {
        UpdateCommand::from_number(n).ok_or_else(|| {
            refuse(
                ErrorCode::OperationUnsupported,
                ErrorDomain::Network,
                format!("Operation not supported: unrecognized network update command code {n}"),
            )
        })
    }

    fn is_add(self) -> bool {
        matches!(self, UpdateCommand::AddLast | UpdateCommand::AddFirst)
    }
}

/// The section names of `virNetworkUpdate`, by libvirt's number (virt-core's
/// list, which virsh reads too).
pub const UPDATE_SECTIONS: [&str; 13] = virt_core::network_update::SECTIONS;

pub(super) fn invalid(message: impl AsRef<str>) -> XmlError {
    refuse(
        ErrorCode::OperationInvalid,
        ErrorDomain::Network,
        format!("Requested operation is not valid: {}", message.as_ref()),
    )
}

pub(super) fn insert<T>(list: &mut Vec<T>, command: UpdateCommand, item: T) {
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
        let number = match command {
            UpdateCommand::Modify => 1,
            UpdateCommand::Delete => 2,
            UpdateCommand::AddLast => 3,
            UpdateCommand::AddFirst => 4,
        };
        self.update_number(number, section, parent_index, xml)
    }

    /// [`NetworkDef::update`] with the command as libvirt's number, as
    /// `virNetworkUpdate` receives it: an unknown one is refused after
    /// the section and the element, in libvirt's order.
    pub fn update_number(
        &mut self,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
    ) -> Result<(), XmlError> {
        let net = self.name.clone();
        let Some(section_name) = UPDATE_SECTIONS
            .get(section as usize)
            .copied()
            .filter(|s| *s != "none")
        else {
            return Err(refuse(
                ErrorCode::OperationUnsupported,
                ErrorDomain::Network,
                "Operation not supported: can't update unrecognized section of network",
            ));
        };
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
        let command = UpdateCommand::parse(command)?;
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
