//! [`NetworkDriver`]: the network calls of a `qemu:///` connection,
//! answered from the files on disk at every call, so every process (and a
//! restarted daemon) sees the same networks, running ones included.

use crate::dnsmasq;
use crate::error::{check_flags, NetworkError, NetworkResult};
use crate::firewall::check_device_name;
use crate::netlink::Netlink;
use crate::paths::{self, lock, remove_quiet, write_atomic, write_runtime, Paths};
use crate::run::{self, RunState};
use std::net::IpAddr;
use virt_core::{
    network_define_flags, network_list_flags, network_update, network_xml_flags, Driver, Event,
    EventBus, NetworkDhcpLease, NetworkLifecycleEvent, NetworkRef, Result, Uuid,
};
use virt_xml::network::{ForwardMode, NetworkDef};

/// The network member of a `qemu:///` connection.
pub struct NetworkDriver {
    paths: Paths,
    /// Network lifecycle events, one bus per runtime directory so every
    /// connection of a daemon sees every other's changes.
    bus: EventBus,
}

/// A network as its files describe it.
struct Net {
    /// The running definition when active, else the persistent one.
    def: NetworkDef,
    /// The persistent definition, when there is one.
    config: Option<NetworkDef>,
    active: bool,
    autostart: bool,
}

impl Net {
    fn uuid(&self) -> Uuid {
        self.def.uuid.unwrap_or_default()
    }

    fn r(&self) -> NetworkRef {
        NetworkRef {
            name: self.def.name.clone(),
            uuid: self.uuid(),
        }
    }

    fn persistent(&self) -> bool {
        self.config.is_some()
    }
}

fn ok<T>(r: NetworkResult<T>) -> Result<T> {
    r.map_err(Into::into)
}

fn read_def(path: &std::path::Path) -> Option<NetworkDef> {
    let text = std::fs::read_to_string(path).ok()?;
    virt_xml::parse_network(&text).ok()
}

/// A random MAC address in QEMU's range, as libvirt gives a bridge.
fn random_mac() -> String {
    let b = Uuid::new_v4();
    let b = b.as_bytes();
    format!("52:54:00:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2])
}

impl NetworkDriver {
    /// Open the network member of `qemu:///system` (true) or
    /// `qemu:///session`, starting the autostart networks the first time
    /// since the node booted.
    pub fn open(system: bool, read_only: bool) -> Result<NetworkDriver> {
        let paths = paths::located(system);
        if read_only && !paths.run.exists() {
            let bus = EventBus::shared(&paths.run);
            return Ok(NetworkDriver { paths, bus });
        }
        let d = NetworkDriver::with_paths(paths)?;
        if !read_only && !d.paths.autostarted().exists() {
            d.autostart();
            ok(write_runtime(&d.paths.autostarted(), b"", 0o600))?;
        }
        Ok(d)
    }

    /// A driver over explicit directories (tests; embedding).
    pub fn with_paths(paths: Paths) -> Result<NetworkDriver> {
        ok(paths::create(&paths))?;
        let bus = EventBus::shared(&paths.run);
        Ok(NetworkDriver { paths, bus })
    }

    /// Start every network marked for autostart that is not running.
    pub fn autostart(&self) {
        let Ok(_lock) = lock(&self.paths) else {
            return;
        };
        for name in self.paths.defined_names() {
            let Ok(n) = self.net_named(&name) else {
                continue;
            };
            if n.autostart && !n.active {
                if let Err(e) = self.start(&n) {
                    log::warn!("cannot autostart network '{name}': {e}");
                }
            }
        }
    }

    fn net_named(&self, name: &str) -> NetworkResult<Net> {
        let live = read_def(&self.paths.run_file(name, "xml"));
        let config = read_def(&self.paths.config_xml(name));
        let active = live.is_some();
        let def = live
            .or_else(|| config.clone())
            .ok_or_else(|| NetworkError::NoNetwork(name.to_string()))?;
        Ok(Net {
            autostart: config.is_some() && self.paths.autostart(name).exists(),
            def,
            config,
            active,
        })
    }

    fn all(&self) -> Vec<Net> {
        self.paths
            .all_names()
            .iter()
            .filter_map(|n| self.net_named(n).ok())
            .collect()
    }

    /// The network a handle names; a network renamed under the handle is
    /// not the same network.
    fn net(&self, r: &NetworkRef) -> NetworkResult<Net> {
        match self.net_named(&r.name) {
            Ok(n) if n.uuid() == r.uuid => Ok(n),
            _ => Err(NetworkError::NoNetworkUuid(r.uuid)),
        }
    }

    /// Parse a definition and give it what libvirt's network driver
    /// gives it at define time: a UUID, a bridge name and a MAC address.
    fn prepare(&self, xml: &str, flags: u32) -> NetworkResult<NetworkDef> {
        let mut def = if flags & network_define_flags::VALIDATE != 0 {
            virt_xml::parse_network_strict(xml)?
        } else {
            virt_xml::parse_network(xml)?
        };
        if def.uuid.is_none() {
            def.uuid = Some(Uuid::new_v4());
        }
        if def.name.contains(['/', '\n', '\r', '\0']) || def.name.starts_with('.') {
            return Err(NetworkError::Unsupported(format!(
                "network name '{}' cannot be used as a file name",
                def.name.escape_debug()
            )));
        }
        // Names written into dnsmasq's files and nft rules are checked
        // now, before anything is stored.
        if let Some(f) = &def.forward {
            for d in &f.interfaces {
                check_device_name("forward device", d)?;
            }
        }
        if ForwardMode::has_own_bridge(def.forward_mode()) {
            let others: Vec<Net> = self
                .all()
                .into_iter()
                .filter(|n| n.uuid() != def.uuid.unwrap_or_default())
                .collect();
            let used = |b: &str| {
                others.iter().any(|n| {
                    n.def.bridge_name() == Some(b)
                        || n.config.as_ref().and_then(|c| c.bridge_name()) == Some(b)
                })
            };
            match def.bridge_name() {
                Some(b) => {
                    check_device_name("bridge name", b)?;
                    if used(b) {
                        return Err(NetworkError::Internal(format!(
                            "bridge name '{b}' already in use."
                        )));
                    }
                }
                None => {
                    let links = Netlink::open()
                        .and_then(|mut nl| nl.link_names())
                        .unwrap_or_default();
                    let name = (0..256)
                        .map(|i| format!("virbr{i}"))
                        .find(|b| !used(b) && !links.contains(b))
                        .ok_or_else(|| {
                            NetworkError::Internal("Bridge generation exceeded max id 256".into())
                        })?;
                    def.bridge.get_or_insert_with(Default::default).name = Some(name);
                }
            }
            if def.mac.is_none() {
                def.mac = Some(random_mac());
            }
            // What dnsmasq would be given must be writable before the
            // definition is kept.
            if dnsmasq::needs_dnsmasq(&def) {
                dnsmasq::dnsmasq_files(
                    &def,
                    dnsmasq::DnsmasqPaths {
                        state_dir: "/",
                        pid_file: None,
                    },
                )?;
            }
        }
        Ok(def)
    }

    /// libvirt's clash checks: the name must not belong to another UUID,
    /// nor the UUID to another name.
    fn check_clash(&self, def: &NetworkDef) -> NetworkResult<Option<Net>> {
        let uuid = def.uuid.unwrap_or_default();
        let all = self.all();
        if let Some(n) = all.iter().find(|n| n.uuid() == uuid) {
            if n.def.name != def.name {
                return Err(NetworkError::Failed(format!(
                    "network '{}' is already defined with uuid {uuid}",
                    n.def.name
                )));
            }
        }
        if let Some(n) = all.into_iter().find(|n| n.def.name == def.name) {
            if n.uuid() != uuid {
                return Err(NetworkError::Failed(format!(
                    "network '{}' already exists with uuid {}",
                    n.def.name,
                    n.uuid()
                )));
            }
            return Ok(Some(n));
        }
        Ok(None)
    }

    /// Whether a running network other than `name` still routes.
    fn others_forward(&self, name: &str) -> bool {
        self.all().iter().any(|n| {
            n.active
                && n.def.name != name
                && matches!(
                    n.def.forward_mode(),
                    Some(ForwardMode::Nat | ForwardMode::Route)
                )
        })
    }

    /// Start `n` with `def`, recording the live definition and what was
    /// done. The caller holds the lock.
    /// Publish a lifecycle event for the network `def` describes (under
    /// the lock, so subscribers see changes in their order).
    fn publish(&self, def: &NetworkDef, what: NetworkLifecycleEvent) {
        let net = NetworkRef {
            name: def.name.clone(),
            uuid: def.uuid.unwrap_or_default(),
        };
        self.bus.publish(Event::network_lifecycle(net, what));
    }

    fn start_def(&self, def: &NetworkDef) -> NetworkResult<()> {
        let st = run::start(def, &self.paths)?;
        // Runtime files: a reboot discards them, so nothing waits for
        // the disk.
        let saved = write_runtime(
            &self.paths.run_file(&def.name, "state"),
            st.to_text().as_bytes(),
            0o600,
        )
        .and_then(|()| {
            write_runtime(
                &self.paths.run_file(&def.name, "xml"),
                def.to_xml().as_bytes(),
                0o644,
            )
        });
        if let Err(e) = saved {
            run::stop(&st, self.others_forward(&def.name));
            remove_quiet(&self.paths.run_file(&def.name, "state"));
            return Err(e);
        }
        self.publish(def, NetworkLifecycleEvent::Started);
        Ok(())
    }

    fn start(&self, n: &Net) -> NetworkResult<()> {
        if n.active {
            return Err(NetworkError::Invalid("network is already active".into()));
        }
        let def = n.config.as_ref().unwrap_or(&n.def);
        self.start_def(def)
    }

    fn stop(&self, n: &Net) -> NetworkResult<()> {
        if !n.active {
            return Err(NetworkError::Invalid("network is not active".into()));
        }
        let state = self.paths.run_file(&n.def.name, "state");
        let st = RunState::from_text(&std::fs::read_to_string(&state).unwrap_or_default());
        run::stop(&st, self.others_forward(&n.def.name));
        remove_quiet(&self.paths.run_file(&n.def.name, "xml"));
        remove_quiet(&state);
        self.publish(&n.def, NetworkLifecycleEvent::Stopped);
        Ok(())
    }

    /// `virNetworkUpdate` of `n` (the caller holds the lock): both
    /// copies the flags name are changed, or neither; the running
    /// network's dnsmasq and rules follow its live definition as
    /// libvirt's do.
    fn update(
        &self,
        n: &Net,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
        flags: u32,
    ) -> NetworkResult<()> {
        let defs = network_update::defs(flags, n.active, n.config.is_some())
            .map_err(|reason| NetworkError::Invalid(reason.into()))?;
        // The live copy first, then the persistent one, as libvirt
        // changes them (so its first refusal is the one reported).
        let live = if defs.live {
            let mut d = n.def.clone();
            d.update_number(command, section, parent_index, xml)?;
            Some(d)
        } else {
            None
        };
        let config = match (&n.config, defs.config) {
            (Some(c), true) => {
                let mut c = c.clone();
                c.update_number(command, section, parent_index, xml)?;
                Some(c)
            }
            _ => None,
        };
        // Both copies changed without error: now the files, then what
        // runs.
        if let Some(c) = config {
            write_atomic(
                &self.paths.config_xml(&c.name),
                c.to_xml().as_bytes(),
                0o600,
            )?;
        }
        let Some(live) = live else {
            return Ok(());
        };
        let state = self.paths.run_file(&live.name, "state");
        let mut st = RunState::from_text(&std::fs::read_to_string(&state).unwrap_or_default());
        let section_name = network_update::SECTIONS
            .get(section as usize)
            .copied()
            .unwrap_or_default();
        let done = match section_name {
            // Lines of dnsmasq's configuration or its hosts files.
            "ip-dhcp-host" | "ip-dhcp-range" | "dns-host" | "dns-txt" | "dns-srv" => {
                run::refresh_dnsmasq(&live, &self.paths, &mut st)
            }
            "forward-interface" => run::refresh_firewall(&live, &st),
            _ => Ok(()),
        };
        // What runs now is recorded even when a step failed, so destroy
        // still undoes it.
        write_runtime(&state, st.to_text().as_bytes(), 0o600)?;
        done?;
        write_runtime(
            &self.paths.run_file(&live.name, "xml"),
            live.to_xml().as_bytes(),
            0o644,
        )
    }

    fn leases(&self, n: &Net, mac: Option<&str>) -> NetworkResult<Vec<NetworkDhcpLease>> {
        if !n.active {
            return Ok(Vec::new());
        }
        let text =
            std::fs::read_to_string(self.paths.run_file(&n.def.name, "leases")).unwrap_or_default();
        let bridge = n.def.bridge_name().unwrap_or_default().to_string();
        Ok(dnsmasq::parse_leases(&text)
            .into_iter()
            .filter(|l| {
                l.ip.is_ipv6() || mac.is_none_or(|m| m.eq_ignore_ascii_case(&l.hwaddr_or_iaid))
            })
            .filter(|l| mac.is_none() || l.ip.is_ipv4())
            .map(|l| {
                let prefix = n
                    .def
                    .ips
                    .iter()
                    .find(|ip| ip.contains(&l.ip))
                    .map(|ip| ip.prefix_len())
                    .unwrap_or(if l.ip.is_ipv6() { 64 } else { 24 });
                let v6 = matches!(l.ip, IpAddr::V6(_));
                NetworkDhcpLease {
                    iface: bridge.clone(),
                    expiry_time: l.expiry,
                    addr_type: i32::from(v6),
                    mac: (!v6).then(|| l.hwaddr_or_iaid.clone()),
                    iaid: v6.then(|| l.hwaddr_or_iaid.clone()),
                    ip_addr: l.ip.to_string(),
                    prefix,
                    hostname: l.hostname,
                    client_id: l.client_id,
                }
            })
            .collect())
    }
}

impl Driver for NetworkDriver {
    fn type_name(&self) -> &str {
        "QEMU"
    }

    fn event_buses(&self) -> Vec<EventBus> {
        vec![self.bus.clone()]
    }

    fn list_all_networks(&self, flags: u32) -> Result<Vec<NetworkRef>> {
        ok(check_flags(
            flags,
            network_list_flags::ALL,
            "networkConnectListAllNetworks",
        ))?;
        Ok(self
            .all()
            .into_iter()
            .filter(|n| {
                virt_core::object_filter_matches(flags, n.active, n.persistent(), n.autostart)
            })
            .map(|n| n.r())
            .collect())
    }

    fn network_lookup_by_name(&self, name: &str) -> Result<NetworkRef> {
        ok(self.net_named(name).map(|n| n.r()))
    }

    fn network_lookup_by_uuid(&self, uuid: &Uuid) -> Result<NetworkRef> {
        ok(self
            .all()
            .into_iter()
            .find(|n| n.uuid() == *uuid)
            .map(|n| n.r())
            .ok_or(NetworkError::NoNetworkUuid(*uuid)))
    }

    fn network_is_active(&self, net: &NetworkRef) -> Result<bool> {
        ok(self.net(net).map(|n| n.active))
    }

    fn network_is_persistent(&self, net: &NetworkRef) -> Result<bool> {
        ok(self.net(net).map(|n| n.persistent()))
    }

    fn network_get_autostart(&self, net: &NetworkRef) -> Result<bool> {
        ok(self.net(net).map(|n| n.autostart))
    }

    fn network_get_xml_desc(&self, net: &NetworkRef, flags: u32) -> Result<String> {
        ok(check_flags(
            flags,
            network_xml_flags::INACTIVE,
            "networkGetXMLDesc",
        ))?;
        let n = ok(self.net(net))?;
        let def = if flags & network_xml_flags::INACTIVE != 0 {
            n.config.as_ref().unwrap_or(&n.def)
        } else {
            &n.def
        };
        Ok(def.to_xml())
    }

    fn network_get_bridge_name(&self, net: &NetworkRef) -> Result<String> {
        let n = ok(self.net(net))?;
        ok(n.def.bridge_name().map(str::to_string).ok_or_else(|| {
            NetworkError::Internal(format!(
                "network '{}' does not have a bridge name.",
                n.def.name
            ))
        }))
    }

    fn num_of_networks(&self) -> Result<u32> {
        Ok(self.all().iter().filter(|n| n.active).count() as u32)
    }

    fn list_networks(&self) -> Result<Vec<String>> {
        Ok(self
            .all()
            .into_iter()
            .filter(|n| n.active)
            .map(|n| n.def.name)
            .collect())
    }

    fn num_of_defined_networks(&self) -> Result<u32> {
        Ok(self.all().iter().filter(|n| !n.active).count() as u32)
    }

    fn list_defined_networks(&self) -> Result<Vec<String>> {
        Ok(self
            .all()
            .into_iter()
            .filter(|n| !n.active)
            .map(|n| n.def.name)
            .collect())
    }

    fn network_create_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        ok(check_flags(
            flags,
            network_define_flags::VALIDATE,
            "networkCreateXMLFlags",
        ))?;
        let _lock = ok(lock(&self.paths))?;
        let def = ok(self.prepare(xml, flags))?;
        if let Some(n) = ok(self.check_clash(&def))? {
            if n.active {
                return Err(NetworkError::Invalid(format!(
                    "network is already active as '{}'",
                    n.def.name
                ))
                .into());
            }
        }
        ok(self.start_def(&def))?;
        Ok(NetworkRef {
            name: def.name.clone(),
            uuid: def.uuid.unwrap_or_default(),
        })
    }

    fn network_define_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        ok(check_flags(
            flags,
            network_define_flags::VALIDATE,
            "networkDefineXMLFlags",
        ))?;
        let _lock = ok(lock(&self.paths))?;
        let def = ok(self.prepare(xml, flags))?;
        ok(self.check_clash(&def))?;
        ok(write_atomic(
            &self.paths.config_xml(&def.name),
            def.to_xml().as_bytes(),
            0o600,
        ))?;
        self.publish(&def, NetworkLifecycleEvent::Defined);
        Ok(NetworkRef {
            name: def.name.clone(),
            uuid: def.uuid.unwrap_or_default(),
        })
    }

    fn network_undefine(&self, net: &NetworkRef) -> Result<()> {
        let _lock = ok(lock(&self.paths))?;
        let n = ok(self.net(net))?;
        if !n.persistent() {
            return Err(NetworkError::Invalid("can't undefine transient network".into()).into());
        }
        // A running network goes on, transient, as libvirt's does.
        remove_quiet(&self.paths.autostart(&n.def.name));
        remove_quiet(&self.paths.config_xml(&n.def.name));
        self.publish(&n.def, NetworkLifecycleEvent::Undefined);
        Ok(())
    }

    fn network_create(&self, net: &NetworkRef) -> Result<()> {
        let _lock = ok(lock(&self.paths))?;
        let n = ok(self.net(net))?;
        ok(self.start(&n))
    }

    fn network_destroy(&self, net: &NetworkRef) -> Result<()> {
        let _lock = ok(lock(&self.paths))?;
        let n = ok(self.net(net))?;
        ok(self.stop(&n))
    }

    fn network_set_autostart(&self, net: &NetworkRef, autostart: bool) -> Result<()> {
        let _lock = ok(lock(&self.paths))?;
        let n = ok(self.net(net))?;
        if !n.persistent() {
            return Err(
                NetworkError::Invalid("cannot set autostart for transient network".into()).into(),
            );
        }
        let mark = self.paths.autostart(&n.def.name);
        if autostart {
            ok(write_atomic(&mark, b"", 0o600))
        } else {
            remove_quiet(&mark);
            Ok(())
        }
    }

    fn network_update(
        &self,
        net: &NetworkRef,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
        flags: u32,
    ) -> Result<()> {
        ok(check_flags(
            flags,
            network_update::AFFECT_LIVE | network_update::AFFECT_CONFIG,
            "networkUpdate",
        ))?;
        let _lock = ok(lock(&self.paths))?;
        let n = ok(self.net(net))?;
        ok(self.update(&n, command, section, parent_index, xml, flags))
    }

    fn network_get_dhcp_leases(
        &self,
        net: &NetworkRef,
        mac: Option<&str>,
        flags: u32,
    ) -> Result<Vec<NetworkDhcpLease>> {
        ok(check_flags(flags, 0, "networkGetDHCPLeases"))?;
        let n = ok(self.net(net))?;
        ok(self.leases(&n, mac))
    }
}
