//! The simulated node: its hardware description, networks and storage pools,
//! built from the built-in default configuration or from a node file in
//! libvirt's test-driver format (`<node>` with `<cpu>`, `<memory>`,
//! domains, networks and pools, inline or as `file=` references).

use crate::domains::{prepare_def, Domains};
use crate::driver::TestConnection;
use crate::error::{TestError, TestResult};
use crate::host::{Interfaces, NodeDevices};
use crate::networks::Networks;
use crate::storage::{Pools, DEFAULT_POOL_XML};
use std::path::{Path, PathBuf};
use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use virt_core::{EventBus, NodeInfo, Uuid};
use virt_xml::capabilities::{
    Capabilities, Guest, GuestFeature, Host, HostCpu, HostCpuId, NumaCell, SecModel,
};
use virt_xml::{DomainDef, Element, NetworkDef};

/// The configuration behind `test:///default`, written for this crate after
/// the test driver's documented built-in node: one running domain, one
/// active network and one active directory pool.
pub(crate) const DEFAULT_DOMAIN_XML: &str = "<domain type='test'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory>8388608</memory>
  <currentMemory>2097152</currentMemory>
  <vcpu>2</vcpu>
  <os>
    <type>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/diskimage1'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default' bridge='virbr0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </memballoon>
  </devices>
</domain>";

/// The network behind `test:///default`.
const DEFAULT_NETWORK_XML: &str = "<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
";

/// The host interface of `test:///default`.
const DEFAULT_INTERFACE_XML: &str = "<interface type='ethernet' name='eth1'>
  <start mode='onboot'/>
  <mac address='aa:bb:cc:dd:ee:ff'/>
  <mtu size='1492'/>
  <protocol family='ipv4'>
    <ip address='192.168.0.5' prefix='24'/>
    <route gateway='192.168.0.1'/>
  </protocol>
</interface>";

/// The node devices of `test:///default`: the machine and three fibre
/// channel SCSI hosts, one a vHBA of another.
const DEFAULT_DEVICES_XML: &[&str] = &[
    "<device><name>computer</name><capability type='system'><hardware>\
     <vendor>Libvirt</vendor><version>Test driver</version><serial>123456</serial>\
     <uuid>11111111-2222-3333-4444-555555555555</uuid></hardware><firmware>\
     <vendor>Libvirt</vendor><version>Test Driver</version>\
     <release_date>01/22/2007</release_date></firmware></capability></device>",
    "<device><name>scsi_host1</name><parent>computer</parent><capability type='scsi_host'>\
     <host>1</host><unique_id>0</unique_id><capability type='fc_host'>\
     <wwnn>2000000012341234</wwnn><wwpn>1000000012341234</wwpn>\
     <fabric_wwn>2000000043214321</fabric_wwn></capability>\
     <capability type='vport_ops'><max_vports>127</max_vports><vports>1</vports></capability>\
     </capability></device>",
    "<device><name>scsi_host2</name><parent>computer</parent><capability type='scsi_host'>\
     <host>2</host><unique_id>1</unique_id><capability type='fc_host'>\
     <wwnn>2000000056785678</wwnn><wwpn>1000000056785678</wwpn>\
     <fabric_wwn>2000000087658765</fabric_wwn></capability>\
     <capability type='vport_ops'><max_vports>127</max_vports><vports>0</vports></capability>\
     </capability></device>",
    "<device><name>scsi_host11</name><parent>scsi_host1</parent><capability type='scsi_host'>\
     <host>11</host><unique_id>10</unique_id><capability type='fc_host'>\
     <wwnn>2000000034563456</wwnn><wwpn>1000000034563456</wwpn>\
     <fabric_wwn>2000000043214321</fabric_wwn></capability></capability></device>",
];

/// The built-in node's hardware.
fn default_node_info() -> NodeInfo {
    NodeInfo {
        model: "i686".into(),
        memory: 3_145_728,
        cpus: 16,
        mhz: 1400,
        nodes: 2,
        sockets: 2,
        cores: 2,
        threads: 2,
    }
}

/// One kind of the node's objects behind its lock, made on first use:
/// the built-in node's networks, pools, interfaces and devices are read
/// from their XML only when a call asks for them, so opening
/// `test:///default` (every virsh process does) parses its one domain only.
pub(crate) struct Lazy<T> {
    cell: OnceLock<RwLock<T>>,
    make: fn() -> T,
}

impl<T: Default> Lazy<T> {
    /// Objects made by `make` when first asked for.
    fn built_by(make: fn() -> T) -> Self {
        Lazy {
            cell: OnceLock::new(),
            make,
        }
    }

    /// Objects already made (a node file's, read at open).
    fn ready(value: T) -> Self {
        Lazy {
            cell: OnceLock::from(RwLock::new(value)),
            make: T::default,
        }
    }

    /// The lock, the objects made if this is the first use.
    pub(crate) fn get(&self) -> &RwLock<T> {
        self.cell.get_or_init(|| RwLock::new((self.make)()))
    }
}

// The built-in node's objects. Their XML is this crate's constant text,
// which the tests read on every run: a failure is a bug here, not input.
fn builtin_networks() -> Networks {
    let mut networks = Networks::default();
    let def = virt_xml::parse_network(DEFAULT_NETWORK_XML).expect("built-in network XML");
    networks.add_at_boot(def).expect("one built-in network");
    networks
}

fn builtin_pools() -> Pools {
    let mut pools = Pools::default();
    let pool = virt_xml::parse_element(DEFAULT_POOL_XML).expect("built-in pool XML");
    pools.add_from_node(&pool, &[]).expect("one built-in pool");
    pools
}

fn builtin_ifaces() -> Interfaces {
    let mut ifaces = Interfaces::default();
    ifaces.add_at_boot(
        virt_xml::parse_interface(DEFAULT_INTERFACE_XML).expect("built-in interface XML"),
    );
    ifaces
}

fn builtin_devices() -> NodeDevices {
    let mut devices = NodeDevices::default();
    for xml in DEFAULT_DEVICES_XML {
        let def = virt_xml::parse_node_device(xml).expect("built-in node device XML");
        devices
            .add_at_boot(def)
            .expect("distinct built-in device names");
    }
    devices
}

/// One NUMA cell of the simulated node.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    /// Memory, KiB.
    pub memory: u64,
    /// Free memory, KiB (libvirt's test driver reports this sum as the node's
    /// free memory).
    pub free: u64,
    /// Its CPUs, as (id, socket, core).
    pub cpus: Vec<(u32, u32, u32)>,
    /// Huge page pools: (page size KiB, count); size 0 count means listed
    /// with 0 pages.
    pub pages: Vec<(u64, u64)>,
}

/// A whole simulated node: hardware (fixed) and domains (behind a lock).
pub(crate) struct Node {
    /// The canonical URI connections to this node report.
    pub uri: String,
    pub info: NodeInfo,
    pub cells: Vec<Cell>,
    pub networks: Lazy<Networks>,
    pub pools: Lazy<Pools>,
    pub ifaces: Lazy<Interfaces>,
    pub devices: Lazy<NodeDevices>,
    pub domains: RwLock<Domains>,
    /// The users of the node file's `<auth>`, with their passwords; a
    /// connection must authenticate as one of them when there are any.
    pub users: Vec<(String, Option<String>)>,
    /// Where the node's domain and network events are published (shared
    /// by every connection to the node, as libvirt's test driver's event
    /// state).
    pub events: EventBus,
}

impl Node {
    /// The node behind `test:///default`.
    pub fn builtin() -> TestResult<Node> {
        let info = default_node_info();
        // libvirt's built-in node has two cells, the second with twice the
        // memory of the first, each holding half of the CPUs.
        let cells = (0..2u32)
            .map(|c| Cell {
                memory: u64::from(c + 1) * 2048 * 1024,
                free: u64::from(c + 1) * 1024 * 1024,
                cpus: (0..8).map(|i| (c * 8 + i, c, i)).collect(),
                pages: vec![
                    (if c == 0 { 4 } else { 8 }, 524_288),
                    (2048, 0),
                    (1_048_576, 0),
                ],
            })
            .collect();
        let mut domains = Domains::default();
        let mut def = virt_xml::parse_domain(DEFAULT_DOMAIN_XML)?;
        prepare_def(&mut def)?;
        domains.add_running_at_boot(def)?;
        Ok(Node {
            ifaces: Lazy::built_by(builtin_ifaces),
            devices: Lazy::built_by(builtin_devices),
            events: EventBus::new(),
            uri: "test:///default".into(),
            info,
            cells,
            networks: Lazy::built_by(builtin_networks),
            pools: Lazy::built_by(builtin_pools),
            domains: RwLock::new(domains),
            users: Vec::new(),
        })
    }

    /// A node loaded from a test-driver node file at the absolute `path`.
    pub fn from_file(path: &str) -> TestResult<Node> {
        let text = std::fs::read_to_string(path)
            .map_err(|_| TestError::NodeXml(format!("failed to parse xml document '{path}'")))?;
        let root = virt_xml::parse_element(&text)?;
        if root.name != "node" {
            return Err(TestError::NodeXml(format!(
                "expecting root element of 'node', not '{}'",
                root.name
            )));
        }
        let base = Path::new(path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let info = parse_node_info(&root)?;
        let mut domains = Domains::default();
        let mut networks = Networks::default();
        let mut pools = Pools::default();
        let mut ifaces = Interfaces::default();
        let mut devices = NodeDevices::default();
        let mut users = Vec::new();
        for el in root.elements() {
            match el.name.as_str() {
                "auth" => {
                    for user in el.elements().filter(|u| u.name == "user") {
                        users.push((
                            user.text().trim().to_string(),
                            attr(user, "password").map(str::to_string),
                        ));
                    }
                }
                "domain" => {
                    let mut def = match attr(el, "file") {
                        Some(f) => {
                            let p = resolve(&base, f);
                            let text = read_referenced(&p)?;
                            virt_xml::parse_domain(&text)?
                        }
                        None => DomainDef::from_element(el)?,
                    };
                    prepare_def(&mut def)?;
                    domains.add_running_at_boot(def)?;
                }
                "network" => {
                    let el = match attr(el, "file") {
                        Some(f) => virt_xml::parse_element(&read_referenced(&resolve(&base, f))?)?,
                        None => el.clone(),
                    };
                    let mut def = NetworkDef::from_element(&el)?;
                    if def.uuid.is_none() {
                        def.uuid = Some(Uuid::new_v4());
                    }
                    networks.add_at_boot(def)?;
                }
                "interface" => {
                    let el = match attr(el, "file") {
                        Some(f) => virt_xml::parse_element(&read_referenced(&resolve(&base, f))?)?,
                        None => el.clone(),
                    };
                    ifaces.add_at_boot(virt_xml::InterfaceDef::from_element(&el)?);
                }
                "device" => {
                    let el = match attr(el, "file") {
                        Some(f) => virt_xml::parse_element(&read_referenced(&resolve(&base, f))?)?,
                        None => el.clone(),
                    };
                    devices.add_at_boot(virt_xml::NodeDeviceDef::from_element(&el)?)?;
                }
                "pool" => {
                    let el = match attr(el, "file") {
                        Some(f) => virt_xml::parse_element(&read_referenced(&resolve(&base, f))?)?,
                        None => el.clone(),
                    };
                    let vols = volumes_of(&el, &base)?;
                    pools.add_from_node(&el, &vols)?;
                }
                _ => {}
            }
        }
        Ok(Node {
            events: EventBus::new(),
            uri: format!("test://{path}"),
            info,
            cells: Vec::new(),
            ifaces: Lazy::ready(ifaces),
            devices: Lazy::ready(devices),
            networks: Lazy::ready(networks),
            pools: Lazy::ready(pools),
            domains: RwLock::new(domains),
            users,
        })
    }

    /// Ask the opener's credentials when the node file lists users, as
    /// libvirt's test driver does: a user name, then that user's password
    /// unless the file gives none.
    pub fn authenticate(&self) -> virt_core::Result<()> {
        if self.users.is_empty() {
            return Ok(());
        }
        // libvirt asks for "localhost" whatever the URI says.
        const HOST: &str = "localhost";
        // An empty name is a name (virsh's prompt reads one from an empty
        // line); no answer at all is libvirt's failure without an error.
        let Some(name) = virt_core::auth::username(HOST)? else {
            return Err(TestError::NoCause.into());
        };
        let user = self.users.iter().find(|(u, _)| *u == name);
        if let Some((_, None)) = user {
            return Ok(());
        }
        // An unknown user is asked for a password too, then refused.
        let given = match virt_core::auth::password(&name, HOST)? {
            Some(p) => p,
            None => return Err(TestError::NoCause.into()),
        };
        match user {
            Some((_, Some(p))) if *p == given => Ok(()),
            _ => Err(TestError::AuthFailed.into()),
        }
    }

    /// Number of CPUs the topology holds (`VIR_NODEINFO_MAXCPUS`).
    pub fn max_cpus(&self) -> u32 {
        self.info.max_cpus().max(1)
    }
}

fn read_referenced(p: &Path) -> TestResult<String> {
    std::fs::read_to_string(p)
        .map_err(|_| TestError::NodeXml(format!("failed to parse xml document '{}'", p.display())))
}

fn resolve(base: &Path, f: &str) -> PathBuf {
    let p = Path::new(f);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// The first child element named `name`.
fn child<'a>(el: &'a Element, name: &str) -> Option<&'a Element> {
    el.child(name)
}

/// The value of attribute `name`.
fn attr<'a>(el: &'a Element, name: &str) -> Option<&'a str> {
    el.attr(name)
}

/// The text content of `el`, trimmed.
fn text(el: &Element) -> String {
    el.text().trim().to_string()
}

/// Read `<cpu>` and `<memory>` of a node file; absent values keep the
/// built-in node's, as libvirt does.
fn parse_node_info(root: &Element) -> TestResult<NodeInfo> {
    let mut info = default_node_info();
    if let Some(cpu) = child(root, "cpu") {
        let fields: [(&str, &mut u32); 6] = [
            ("nodes", &mut info.nodes),
            ("sockets", &mut info.sockets),
            ("cores", &mut info.cores),
            ("threads", &mut info.threads),
            ("active", &mut info.cpus),
            ("mhz", &mut info.mhz),
        ];
        for (name, slot) in fields {
            if let Some(e) = child(cpu, name) {
                *slot = text(e)
                    .parse::<u32>()
                    .map_err(|_| TestError::NodeXml(format!("invalid node cpu {name} value")))?;
            }
        }
        if let Some(e) = child(cpu, "model") {
            // virNodeInfo's model is a 32-byte C string.
            info.model = text(e).chars().take(31).collect();
        }
    }
    let max = info.max_cpus();
    if info.cpus > max {
        info.cpus = max;
    }
    if let Some(e) = child(root, "memory") {
        info.memory = text(e)
            .parse::<u64>()
            .map_err(|_| TestError::NodeXml("invalid node memory value".into()))?;
    }
    Ok(info)
}

/// The `<volume>` children of a node file's pool, inline or `file=`.
fn volumes_of(pool: &Element, base: &Path) -> TestResult<Vec<Element>> {
    pool.children_named("volume")
        .map(|v| match attr(v, "file") {
            Some(f) => Ok(virt_xml::parse_element(&read_referenced(&resolve(
                base, f,
            ))?)?),
            None => Ok(v.clone()),
        })
        .collect()
}

/// The capabilities of `node`, as libvirt 9.0's test driver describes its
/// fixed host: an i686 CPU with PAE, four page sizes, the node's cells,
/// the test security model, and hvm and xen guests on the test hypervisor.
pub(crate) fn capabilities_of(node: &Node) -> Capabilities {
    let guest = |os: &str| Guest {
        features: vec![GuestFeature::flag("pae"), GuestFeature::flag("nonpae")],
        ..Guest::new(os, "i686", Some("/usr/bin/test-hv"), &[], &["test"])
    };
    Capabilities {
        host: Host {
            uuid: None,
            cpu: HostCpu {
                arch: "i686".into(),
                flag_features: vec!["pae".into(), "nonpae".into()],
                page_sizes: vec![4, 8, 2048, 1_048_576],
                ..HostCpu::default()
            },
            power_management: Vec::new(),
            iommu: Some(false),
            migration_transports: Vec::new(),
            cells: Some(
                node.cells
                    .iter()
                    .zip(0u32..)
                    .map(|(cell, id)| NumaCell {
                        id,
                        memory: cell.memory,
                        pages: cell.pages.clone(),
                        distances: Vec::new(),
                        cpus: cell
                            .cpus
                            .iter()
                            .map(|&(cpu, socket, core)| HostCpuId {
                                id: cpu,
                                socket_id: socket,
                                die_id: 0,
                                core_id: core,
                                siblings: cpu.to_string(),
                            })
                            .collect(),
                    })
                    .collect(),
            ),
            secmodels: vec![SecModel {
                model: "testSecurity".into(),
                doi: String::new(),
                base_labels: Vec::new(),
            }],
        },
        guests: vec![guest("hvm"), guest("xen")],
    }
}

/// The capabilities XML of `node`, in libvirt 9.0's test-driver layout.
pub(crate) fn capabilities(node: &Node) -> String {
    capabilities_of(node).to_xml()
}

/// The locks of the node's other object kinds, as a connection takes them.
impl TestConnection {
    pub(crate) fn ifaces(&self) -> RwLockReadGuard<'_, Interfaces> {
        self.node
            .ifaces
            .get()
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn ifaces_mut(&self) -> RwLockWriteGuard<'_, Interfaces> {
        self.node
            .ifaces
            .get()
            .write()
            .unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn devices(&self) -> RwLockReadGuard<'_, NodeDevices> {
        self.node
            .devices
            .get()
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn devices_mut(&self) -> RwLockWriteGuard<'_, NodeDevices> {
        self.node
            .devices
            .get()
            .write()
            .unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn nets(&self) -> RwLockReadGuard<'_, Networks> {
        self.node
            .networks
            .get()
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn nets_mut(&self) -> RwLockWriteGuard<'_, Networks> {
        self.node
            .networks
            .get()
            .write()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Names of the active (or inactive) networks.
    pub(crate) fn network_names(&self, active: bool) -> Vec<String> {
        self.nets()
            .iter()
            .filter(|n| n.active == active)
            .map(|n| n.name().to_string())
            .collect()
    }

    pub(crate) fn pools(&self) -> RwLockReadGuard<'_, Pools> {
        self.node
            .pools
            .get()
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn pools_mut(&self) -> RwLockWriteGuard<'_, Pools> {
        self.node
            .pools
            .get()
            .write()
            .unwrap_or_else(|p| p.into_inner())
    }
}
