//! Plain values the API hands out: domain identity, info records, states,
//! flags, typed parameters.

use std::fmt;

pub use crate::cpumap::{CpuListError, CpuMap};
pub use crate::flags::*;
pub use uuid::Uuid;

/// Identity of a domain as a driver reports it: name, UUID and id (`None`
/// when the domain is not running; libvirt shows -1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DomainRef {
    /// The domain's name.
    pub name: String,
    /// The domain's UUID.
    pub uuid: Uuid,
    /// The hypervisor id while running.
    pub id: Option<u32>,
}

/// Identity of a virtual network.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NetworkRef {
    /// The network's name.
    pub name: String,
    /// The network's UUID.
    pub uuid: Uuid,
}

/// Identity of a host network interface, as `remote_nonnull_interface`
/// carries it: name and MAC address (empty when it has none).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InterfaceRef {
    /// The interface's name (`eth0`).
    pub name: String,
    /// Its MAC address, as the definition spells it.
    pub mac: String,
}

/// Identity of a node device: its name (`remote_nonnull_node_device`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeDeviceRef {
    /// The device's name (`computer`, `pci_0000_00_1f_2`).
    pub name: String,
}

/// Identity of a storage pool.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoragePoolRef {
    /// The pool's name.
    pub name: String,
    /// The pool's UUID.
    pub uuid: Uuid,
}

/// Identity of a storage volume: its pool's name, its name, and its key
/// (a path for file volumes), as `remote_nonnull_storage_vol` carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StorageVolRef {
    /// The name of the pool holding the volume.
    pub pool: String,
    /// The volume's name within its pool.
    pub name: String,
    /// The volume's key, unique on the node.
    pub key: String,
}

/// Identity of a domain snapshot: its domain and its name, as
/// `remote_nonnull_domain_snapshot` carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DomainSnapshotRef {
    /// The domain the snapshot belongs to.
    pub domain: DomainRef,
    /// The snapshot's name, unique within its domain.
    pub name: String,
}

/// Identity of a domain checkpoint: its domain and its name, as
/// `remote_nonnull_domain_checkpoint` carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DomainCheckpointRef {
    /// The domain the checkpoint belongs to.
    pub domain: DomainRef,
    /// The checkpoint's name, unique within its domain.
    pub name: String,
}

/// `virDomainState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DomainState {
    /// No state.
    #[default]
    NoState = 0,
    /// Running.
    Running = 1,
    /// Blocked on a resource.
    Blocked = 2,
    /// Paused by the user.
    Paused = 3,
    /// Being shut down.
    Shutdown = 4,
    /// Shut off.
    Shutoff = 5,
    /// Crashed.
    Crashed = 6,
    /// Suspended by guest power management.
    PmSuspended = 7,
}

impl DomainState {
    /// libvirt's number.
    pub fn number(self) -> i32 {
        self as i32
    }
    /// The state for a number; unknown numbers are `NoState`.
    pub fn from_number(n: i32) -> Self {
        match n {
            1 => Self::Running,
            2 => Self::Blocked,
            3 => Self::Paused,
            4 => Self::Shutdown,
            5 => Self::Shutoff,
            6 => Self::Crashed,
            7 => Self::PmSuspended,
            _ => Self::NoState,
        }
    }
    /// The word virsh prints ("running", "shut off", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoState => "no state",
            Self::Running => "running",
            Self::Blocked => "idle",
            Self::Paused => "paused",
            Self::Shutdown => "in shutdown",
            Self::Shutoff => "shut off",
            Self::Crashed => "crashed",
            Self::PmSuspended => "pmsuspended",
        }
    }
    /// True for the states in which the domain has an id (it is active).
    pub fn is_active(self) -> bool {
        !matches!(self, Self::Shutoff | Self::NoState)
    }
}

impl fmt::Display for DomainState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a domain is in its state (`virDomain*Reason`), per state.
pub mod reason {
    /// Running: unknown.
    pub const RUNNING_UNKNOWN: i32 = 0;
    /// Running: normal boot.
    pub const RUNNING_BOOTED: i32 = 1;
    /// Running: restored from a saved state file.
    pub const RUNNING_RESTORED: i32 = 3;
    /// Running: reverted to a snapshot.
    pub const RUNNING_FROM_SNAPSHOT: i32 = 4;
    /// Running: resumed after a pause.
    pub const RUNNING_UNPAUSED: i32 = 5;
    /// Paused: reverted to a paused snapshot.
    pub const PAUSED_FROM_SNAPSHOT: i32 = 7;
    /// Shut off: stopped by a snapshot (halt, revert).
    pub const SHUTOFF_FROM_SNAPSHOT: i32 = 7;
    /// Paused: unknown.
    pub const PAUSED_UNKNOWN: i32 = 0;
    /// Paused: by the user.
    pub const PAUSED_USER: i32 = 1;
    /// Paused: while saving.
    pub const PAUSED_SAVE: i32 = 3;
    /// Paused: while dumping core.
    pub const PAUSED_DUMP: i32 = 4;
    /// Shutdown: by the user.
    pub const SHUTDOWN_USER: i32 = 1;
    /// Shut off: unknown.
    pub const SHUTOFF_UNKNOWN: i32 = 0;
    /// Shut off: normal shutdown.
    pub const SHUTOFF_SHUTDOWN: i32 = 1;
    /// Shut off: destroyed.
    pub const SHUTOFF_DESTROYED: i32 = 2;
    /// Shut off: crashed.
    pub const SHUTOFF_CRASHED: i32 = 3;
    /// Shut off: saved to a file.
    pub const SHUTOFF_SAVED: i32 = 5;
    /// Shut off: failed to start.
    pub const SHUTOFF_FAILED: i32 = 6;
    /// Crashed: unknown.
    pub const CRASHED_UNKNOWN: i32 = 0;

    use super::DomainState;

    /// The word virsh prints for a reason (`domstate --reason`).
    pub fn as_str(state: DomainState, reason: i32) -> &'static str {
        const RUNNING: [&str; 11] = [
            "unknown",
            "booted",
            "migrated",
            "restored",
            "from snapshot",
            "unpaused",
            "migration canceled",
            "save canceled",
            "event wakeup",
            "crashed",
            "post-copy",
        ];
        const PAUSED: [&str; 14] = [
            "unknown",
            "user",
            "migrating",
            "saving",
            "dumping",
            "I/O error",
            "watchdog",
            "from snapshot",
            "shutting down",
            "creating snapshot",
            "crashed",
            "starting up",
            "post-copy",
            "post-copy failed",
        ];
        const SHUTOFF: [&str; 9] = [
            "unknown",
            "shutdown",
            "destroyed",
            "crashed",
            "migrated",
            "saved",
            "failed",
            "from snapshot",
            "daemon",
        ];
        let table: &[&str] = match state {
            DomainState::Running => &RUNNING,
            DomainState::Paused => &PAUSED,
            DomainState::Shutoff => &SHUTOFF,
            DomainState::Shutdown => &["unknown", "user"],
            DomainState::Crashed => &["unknown", "panicked"],
            DomainState::PmSuspended => &["unknown"],
            DomainState::Blocked | DomainState::NoState => &["unknown"],
        };
        usize::try_from(reason)
            .ok()
            .and_then(|r| table.get(r))
            .copied()
            .unwrap_or("unknown")
    }
}

/// `virDomainInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DomainInfo {
    /// Current state.
    pub state: DomainState,
    /// Maximum memory, KiB.
    pub max_mem: u64,
    /// Current memory, KiB.
    pub memory: u64,
    /// Number of virtual CPUs.
    pub nr_virt_cpu: u32,
    /// CPU time used, nanoseconds.
    pub cpu_time: u64,
}

/// `virNodeInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeInfo {
    /// CPU model (at most 31 bytes on the wire).
    pub model: String,
    /// Memory size, KiB.
    pub memory: u64,
    /// Number of active CPUs.
    pub cpus: u32,
    /// CPU frequency, MHz.
    pub mhz: u32,
    /// NUMA cells.
    pub nodes: u32,
    /// CPU sockets per cell.
    pub sockets: u32,
    /// Cores per socket.
    pub cores: u32,
    /// Threads per core.
    pub threads: u32,
}

impl NodeInfo {
    /// `VIR_NODEINFO_MAXCPUS`: the number of CPUs the topology can hold.
    pub fn max_cpus(&self) -> u32 {
        self.nodes * self.sockets * self.cores * self.threads
    }
}

/// One of the node's memory figures (`virNodeMemoryStats`): `field` is
/// "total", "free", "buffers" or "cached", `value` in KiB.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeMemoryStat {
    /// The figure's name (at most 79 bytes on the wire).
    pub field: String,
    /// KiB.
    pub value: u64,
}

/// `VIR_NODE_MEMORY_STATS_ALL_CELLS`: the whole node rather than one NUMA
/// cell.
pub const NODE_MEMORY_STATS_ALL_CELLS: i32 = -1;

/// `virVcpuState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VcpuState {
    /// Offline.
    Offline = 0,
    /// Running.
    Running = 1,
    /// Blocked.
    Blocked = 2,
}

impl VcpuState {
    /// The word virsh prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offline => "offline",
            Self::Running => "running",
            Self::Blocked => "idle",
        }
    }
    /// The state for a number; unknown numbers are `Offline`.
    pub fn from_number(n: i32) -> Self {
        match n {
            1 => Self::Running,
            2 => Self::Blocked,
            _ => Self::Offline,
        }
    }
}

/// `virVcpuInfo`, with the vCPU's affinity map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcpuInfo {
    /// The vCPU number.
    pub number: u32,
    /// Its state.
    pub state: VcpuState,
    /// CPU time used, nanoseconds.
    pub cpu_time: u64,
    /// The physical CPU it runs on, -1 when offline.
    pub cpu: i32,
    /// Which physical CPUs it may run on.
    pub affinity: CpuMap,
}

/// A typed parameter (`virTypedParameter`), as scheduler and tuning calls use.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedParam {
    /// The field name ("weight", "cap", ...).
    pub field: String,
    /// The value.
    pub value: TypedValue,
}

/// One domain's statistics (`virDomainStatsRecord`): typed parameters
/// named as libvirt names them (`state.state`, `state.reason`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct DomainStatsRecord {
    /// The domain.
    pub dom: DomainRef,
    /// Its statistics.
    pub params: Vec<TypedParam>,
}

/// The value of a [`TypedParam`]; the numbers are libvirt's type codes.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedValue {
    /// Type 1.
    Int(i32),
    /// Type 2.
    UInt(u32),
    /// Type 3.
    LLong(i64),
    /// Type 4.
    ULLong(u64),
    /// Type 5.
    Double(f64),
    /// Type 6.
    Boolean(bool),
    /// Type 7.
    String(String),
}

impl fmt::Display for TypedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(v) => write!(f, "{v}"),
            Self::UInt(v) => write!(f, "{v}"),
            Self::LLong(v) => write!(f, "{v}"),
            Self::ULLong(v) => write!(f, "{v}"),
            Self::Double(v) => write!(f, "{v:.6}"),
            Self::Boolean(v) => write!(f, "{}", if *v { "yes" } else { "no" }),
            Self::String(v) => f.write_str(v),
        }
    }
}

/// The node's security model (`virSecurityModel`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityModel {
    /// Model name ("selinux", "testSecurity"); empty when none.
    pub model: String,
    /// Domain of interpretation.
    pub doi: String,
}

/// A domain's security label (`virSecurityLabel`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityLabel {
    /// The label text; empty when none.
    pub label: String,
    /// True when the label is enforced.
    pub enforcing: bool,
}

/// `virStoragePoolState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StoragePoolState {
    /// Not running.
    #[default]
    Inactive = 0,
    /// Being initialized.
    Building = 1,
    /// Running normally.
    Running = 2,
    /// Running degraded.
    Degraded = 3,
    /// Running, but not accessible.
    Inaccessible = 4,
}

impl StoragePoolState {
    /// The word virsh prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inactive => "inactive",
            Self::Building => "building",
            Self::Running => "running",
            Self::Degraded => "degraded",
            Self::Inaccessible => "inaccessible",
        }
    }
}

/// `virStoragePoolInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoragePoolInfo {
    /// The pool's state.
    pub state: StoragePoolState,
    /// Logical size, bytes.
    pub capacity: u64,
    /// Current allocation, bytes.
    pub allocation: u64,
    /// Remaining free space, bytes.
    pub available: u64,
}

/// `virStorageVolType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StorageVolType {
    /// A regular file.
    #[default]
    File = 0,
    /// A block device.
    Block = 1,
    /// A directory.
    Dir = 2,
    /// A network volume.
    Network = 3,
    /// A network-accessible directory.
    Netdir = 4,
    /// A ploop directory.
    Ploop = 5,
}

impl StorageVolType {
    /// Every type, in libvirt's order (the index is the number).
    pub const ALL: [StorageVolType; 6] = [
        Self::File,
        Self::Block,
        Self::Dir,
        Self::Network,
        Self::Netdir,
        Self::Ploop,
    ];

    /// The word the XML and virsh use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Block => "block",
            Self::Dir => "dir",
            Self::Network => "network",
            Self::Netdir => "netdir",
            Self::Ploop => "ploop",
        }
    }

    /// The type of libvirt's number, if it has one.
    pub fn from_number(n: i64) -> Option<Self> {
        usize::try_from(n)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }

    /// The type named `s` in XML.
    pub fn from_word(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.as_str() == s)
    }
}

/// `virStorageVolInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StorageVolInfo {
    /// What the volume is.
    pub kind: StorageVolType,
    /// Logical size, bytes.
    pub capacity: u64,
    /// Bytes allocated on the pool.
    pub allocation: u64,
}

/// The statistics groups of `get_all_domain_stats` (`virDomainStatsTypes`)
/// and its flags (`virConnectGetAllDomainStatsFlags`).
pub mod domain_stats {
    /// State and reason (`state.*`).
    pub const STATE: u32 = 1 << 0;
    /// Total CPU time (`cpu.*`).
    pub const CPU_TOTAL: u32 = 1 << 1;
    /// Balloon (`balloon.*`).
    pub const BALLOON: u32 = 1 << 2;
    /// vCPUs (`vcpu.*`).
    pub const VCPU: u32 = 1 << 3;
    /// Network interfaces (`net.*`).
    pub const INTERFACE: u32 = 1 << 4;
    /// Block devices (`block.*`).
    pub const BLOCK: u32 = 1 << 5;

    /// Flag: fail rather than skip a group the driver cannot gather.
    pub const ENFORCE_STATS: u32 = 1 << 31;
    /// Flag: include backing chains of block devices.
    pub const BACKING: u32 = 1 << 30;
    /// Flag: do not wait for a busy domain.
    pub const NOWAIT: u32 = 1 << 29;
    /// The flags that filter domains: `list_flags`' ACTIVE..OTHER.
    pub const FILTERS: u32 = (1 << 8) - 1;
}

/// Flags of `Connect::list_all_domains` (`VIR_CONNECT_LIST_DOMAINS_*`).
pub mod list_flags {
    /// Running or paused domains.
    pub const ACTIVE: u32 = 1 << 0;
    /// Shut-off domains.
    pub const INACTIVE: u32 = 1 << 1;
    /// Domains with a persistent definition.
    pub const PERSISTENT: u32 = 1 << 2;
    /// Transient domains.
    pub const TRANSIENT: u32 = 1 << 3;
    /// Running domains.
    pub const RUNNING: u32 = 1 << 4;
    /// Paused domains.
    pub const PAUSED: u32 = 1 << 5;
    /// Shut-off domains.
    pub const SHUTOFF: u32 = 1 << 6;
    /// Domains in any other state.
    pub const OTHER: u32 = 1 << 7;
    /// Domains with a managed save image.
    pub const MANAGEDSAVE: u32 = 1 << 8;
    /// Domains without a managed save image.
    pub const NO_MANAGEDSAVE: u32 = 1 << 9;
    /// Domains marked for autostart.
    pub const AUTOSTART: u32 = 1 << 10;
    /// Domains not marked for autostart.
    pub const NO_AUTOSTART: u32 = 1 << 11;
    /// Domains with snapshots.
    pub const HAS_SNAPSHOT: u32 = 1 << 12;
    /// Domains without snapshots.
    pub const NO_SNAPSHOT: u32 = 1 << 13;
    /// Domains with checkpoints.
    pub const HAS_CHECKPOINT: u32 = 1 << 14;
    /// Domains without checkpoints.
    pub const NO_CHECKPOINT: u32 = 1 << 15;
}

/// What a domain looks like to the `list_all_domains` filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListFacts {
    /// Its state.
    pub state: DomainState,
    /// Persistent or transient.
    pub persistent: bool,
    /// Marked for autostart.
    pub autostart: bool,
    /// Has a managed save image.
    pub managed_save: bool,
    /// Has snapshots.
    pub has_snapshot: bool,
    /// Has checkpoints.
    pub has_checkpoint: bool,
}

/// One group of a listing filter (`yes` and `no` flags, e.g. active and
/// inactive): it filters only when one of the two is given.
fn flag_group_passes(flags: u32, yes: u32, no: u32, is: bool) -> bool {
    let f = flags & (yes | no);
    f == 0 || f == (yes | no) || (is && f & yes != 0) || (!is && f & no != 0)
}

/// True when a network or storage pool passes the filter libvirt's
/// listings of both share: 1 inactive, 2 active, 4 persistent,
/// 8 transient, 16 autostart, 32 no autostart.
pub fn object_filter_matches(flags: u32, active: bool, persistent: bool, autostart: bool) -> bool {
    use pool_list_flags::*;
    flag_group_passes(flags, ACTIVE, INACTIVE, active)
        && flag_group_passes(flags, PERSISTENT, TRANSIENT, persistent)
        && flag_group_passes(flags, AUTOSTART, NO_AUTOSTART, autostart)
}

/// True when a domain with `facts` passes the `list_flags` filter `flags`
/// (each group of flags filters only when one of its members is given).
pub fn list_filter_matches(flags: u32, facts: &ListFacts) -> bool {
    use list_flags::*;
    let group = |yes, no, is| flag_group_passes(flags, yes, no, is);
    let active = facts.state.is_active();
    if !group(ACTIVE, INACTIVE, active) || !group(PERSISTENT, TRANSIENT, facts.persistent) {
        return false;
    }
    let states = flags & (RUNNING | PAUSED | SHUTOFF | OTHER);
    if states != 0 {
        let bit = match facts.state {
            DomainState::Running => RUNNING,
            DomainState::Paused => PAUSED,
            DomainState::Shutoff => SHUTOFF,
            _ => OTHER,
        };
        if states & bit == 0 {
            return false;
        }
    }
    group(MANAGEDSAVE, NO_MANAGEDSAVE, facts.managed_save)
        && group(AUTOSTART, NO_AUTOSTART, facts.autostart)
        && group(HAS_SNAPSHOT, NO_SNAPSHOT, facts.has_snapshot)
        && group(HAS_CHECKPOINT, NO_CHECKPOINT, facts.has_checkpoint)
}

/// `VIR_DOMAIN_AFFECT_*`, `VIR_DOMAIN_VCPU_*`, `VIR_DOMAIN_MEM_*` flags.
pub mod affect {
    /// The current state: live if running, config otherwise.
    pub const CURRENT: u32 = 0;
    /// The running domain.
    pub const LIVE: u32 = 1;
    /// The persistent definition.
    pub const CONFIG: u32 = 2;
    /// The maximum rather than the current value (vcpus, memory).
    pub const MAXIMUM: u32 = 4;
    /// Ask the guest agent (vcpus).
    pub const GUEST: u32 = 8;

    /// Which definitions a call touches: the running one, the persistent
    /// one, or both.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Defs {
        /// The running domain's definition.
        pub live: bool,
        /// The persistent definition.
        pub config: bool,
    }

    /// Why `flags` cannot be served by the domain as it is.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Refusal {
        /// LIVE asked of a domain that is not running.
        NotRunning,
        /// CONFIG asked of a transient domain.
        Transient,
    }

    impl Refusal {
        /// libvirt's error for the refusal (`VIR_ERR_OPERATION_INVALID`
        /// with its reason), reported from `domain`. libvirt checks in
        /// `virDomainObjUpdateModificationImpact` (domain_conf.c) for every
        /// driver, so drivers pass [`ErrorDomain::Domain`].
        pub fn into_error(self, domain: crate::ErrorDomain) -> crate::Error {
            let reason = match self {
                Refusal::NotRunning => "domain is not running",
                Refusal::Transient => "transient domains do not have any persistent config",
            };
            crate::Error::with(crate::ErrorCode::OperationInvalid, domain, reason)
        }
    }

    /// The definitions a call with `flags` (LIVE / CONFIG, CURRENT when
    /// neither) touches on a domain that is `active` and/or `persistent`:
    /// libvirt's `virDomainObjUpdateModificationImpact` rules, shared by
    /// every driver.
    pub fn defs(flags: u32, active: bool, persistent: bool) -> Result<Defs, Refusal> {
        let (mut live, mut config) = (flags & LIVE != 0, flags & CONFIG != 0);
        if !live && !config {
            live = active;
            config = !active;
        }
        if live && !active {
            return Err(Refusal::NotRunning);
        }
        if config && !persistent {
            return Err(Refusal::Transient);
        }
        Ok(Defs { live, config })
    }
}

/// One DHCP lease of a network (`virNetworkDHCPLease`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkDhcpLease {
    /// The network's bridge.
    pub iface: String,
    /// When the lease ends, seconds since the epoch (0: never).
    pub expiry_time: i64,
    /// `VIR_IP_ADDR_TYPE_IPV4` (0) or `_IPV6` (1).
    pub addr_type: i32,
    /// MAC address (IPv4 leases).
    pub mac: Option<String>,
    /// IAID (IPv6 leases).
    pub iaid: Option<String>,
    /// The leased address.
    pub ip_addr: String,
    /// Its prefix length.
    pub prefix: u32,
    /// The host name the client sent.
    pub hostname: Option<String>,
    /// The client id.
    pub client_id: Option<String>,
}

/// What type a typed parameter must have, for [`validate_typed_params`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypedKind {
    /// `int`.
    Int,
    /// `uint`.
    UInt,
    /// `llong`.
    LLong,
    /// `ullong`.
    ULLong,
    /// `double`.
    Double,
    /// `boolean`.
    Boolean,
    /// `string`.
    String,
}

impl TypedKind {
    /// libvirt's name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Int => "int",
            Self::UInt => "uint",
            Self::LLong => "llong",
            Self::ULLong => "ullong",
            Self::Double => "double",
            Self::Boolean => "boolean",
            Self::String => "string",
        }
    }
}

impl TypedValue {
    /// The value's type.
    pub fn kind(&self) -> TypedKind {
        match self {
            Self::Int(_) => TypedKind::Int,
            Self::UInt(_) => TypedKind::UInt,
            Self::LLong(_) => TypedKind::LLong,
            Self::ULLong(_) => TypedKind::ULLong,
            Self::Double(_) => TypedKind::Double,
            Self::Boolean(_) => TypedKind::Boolean,
            Self::String(_) => TypedKind::String,
        }
    }
}

/// Check typed parameters against the fields a driver call takes, as
/// libvirt's `virTypedParamsValidate` does for its drivers: each field
/// known, given once, of its type. Fields are checked in name order, so
/// the error names the same field libvirt's does.
pub fn validate_typed_params(
    params: &[TypedParam],
    allowed: &[(&str, TypedKind)],
) -> crate::error::Result<()> {
    use crate::error::{Error, ErrorCode, ErrorDomain};
    let mut sorted: Vec<&TypedParam> = params.iter().collect();
    sorted.sort_by(|a, b| a.field.cmp(&b.field));
    let mut unknown = None;
    for (i, p) in sorted.iter().enumerate() {
        let Some((_, kind)) = allowed.iter().find(|(f, _)| *f == p.field) else {
            unknown = unknown.or(Some(&p.field));
            continue;
        };
        let repeated = i > 0 && sorted.get(i - 1).is_some_and(|q| q.field == p.field);
        if repeated {
            return Err(Error::with(
                ErrorCode::InvalidArg,
                ErrorDomain::None,
                format!("parameter '{}' occurs multiple times", p.field),
            ));
        }
        if p.value.kind() != *kind {
            return Err(Error::with(
                ErrorCode::InvalidArg,
                ErrorDomain::None,
                format!(
                    "invalid type '{}' for parameter '{}', expected '{}'",
                    p.value.kind().as_str(),
                    p.field,
                    kind.as_str()
                ),
            ));
        }
    }
    match unknown {
        Some(f) => Err(Error::with(
            ErrorCode::ArgumentUnsupported,
            ErrorDomain::None,
            format!("parameter '{f}' not supported"),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_pick_definitions_as_libvirt() {
        use affect::{defs, Defs, Refusal};
        let both = Defs {
            live: true,
            config: true,
        };
        assert_eq!(
            defs(affect::CURRENT, true, true),
            Ok(Defs {
                live: true,
                config: false
            })
        );
        assert_eq!(
            defs(affect::CURRENT, false, true),
            Ok(Defs {
                live: false,
                config: true
            })
        );
        assert_eq!(defs(affect::LIVE | affect::CONFIG, true, true), Ok(both));
        assert_eq!(defs(affect::LIVE, false, true), Err(Refusal::NotRunning));
        assert_eq!(defs(affect::CONFIG, true, false), Err(Refusal::Transient));
        assert_eq!(defs(affect::CURRENT, false, false), Err(Refusal::Transient));
    }

    #[test]
    fn typed_params_checked_in_name_order() {
        let p = |f: &str, v: TypedValue| TypedParam {
            field: f.into(),
            value: v,
        };
        let allowed = [("cap", TypedKind::UInt), ("weight", TypedKind::UInt)];
        assert!(validate_typed_params(&[p("weight", TypedValue::UInt(1))], &allowed).is_ok());
        let e = validate_typed_params(
            &[
                p("weight", TypedValue::UInt(1)),
                p("cap", TypedValue::Int(1)),
                p("weight", TypedValue::UInt(2)),
            ],
            &allowed,
        )
        .err()
        .map(|e| e.message);
        // "cap" sorts first, so its type is what is reported.
        assert_eq!(
            e.as_deref(),
            Some("invalid argument: invalid type 'int' for parameter 'cap', expected 'uint'")
        );
        let e = validate_typed_params(
            &[
                p("weight", TypedValue::UInt(1)),
                p("weight", TypedValue::UInt(2)),
            ],
            &allowed,
        )
        .err()
        .map(|e| e.message);
        assert_eq!(
            e.as_deref(),
            Some("invalid argument: parameter 'weight' occurs multiple times")
        );
        let e = validate_typed_params(&[p("shares", TypedValue::UInt(1))], &allowed)
            .err()
            .map(|e| (e.code, e.message));
        assert_eq!(
            e,
            Some((
                crate::ErrorCode::ArgumentUnsupported,
                "argument unsupported: parameter 'shares' not supported".into()
            ))
        );
        assert_eq!(pool_list_flags::type_flag("iscsi-direct"), Some(1 << 19));
        assert_eq!(pool_list_flags::ALL, (1 << 20) - 1);
    }

    #[test]
    fn list_filters_combine_like_libvirt() {
        use list_flags::*;
        let running = ListFacts {
            state: DomainState::Running,
            persistent: true,
            autostart: false,
            managed_save: false,
            has_snapshot: false,
            has_checkpoint: false,
        };
        let off = ListFacts {
            state: DomainState::Shutoff,
            ..running
        };
        assert!(list_filter_matches(0, &running));
        assert!(list_filter_matches(ACTIVE, &running));
        assert!(!list_filter_matches(INACTIVE, &running));
        assert!(list_filter_matches(ACTIVE | INACTIVE, &off));
        assert!(list_filter_matches(SHUTOFF, &off));
        assert!(!list_filter_matches(PAUSED, &off));
        assert!(!list_filter_matches(AUTOSTART, &off));
        assert!(list_filter_matches(NO_AUTOSTART | PERSISTENT, &off));
    }
}
