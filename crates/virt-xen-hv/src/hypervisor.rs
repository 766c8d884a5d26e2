//! Hypercalls as Rust calls: [`Hypervisor`] opens privcmd, checks that the
//! hypervisor speaks the ABI of [`crate::abi`], and makes the version,
//! sysctl and domctl calls; the decoding of what Xen returns (domain
//! records, states, CPU maps, versions) is pure and tested anywhere.

use std::io;
use std::mem::size_of;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use virt_core::{CpuMap, DomainInfo, DomainState, NodeInfo, Uuid};

use crate::abi::*;
use crate::error::HvError;
use crate::privcmd::{BufferPool, BufferSource, HypercallBuffer, Privcmd};

/// Where the argument arrays of a sysctl or domctl go in the buffer: after
/// the 136/144-byte op struct, cache-line aligned.
const ARRAY_OFFSET: usize = 256;
/// Domain records asked for per getdomaininfolist hypercall when listing
/// everything (28 KiB of records).
const LIST_CHUNK: u32 = 256;
/// The most records one [`Hypervisor::domain_info_list`] call asks for.
pub const MAX_LIST_PER_CALL: u32 = 4096;

/// The device paths; [`DevicePaths::default`] gives Linux's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePaths {
    /// The hypercall ioctl device.
    pub privcmd: PathBuf,
    /// The hypercall memory device.
    pub hypercall: PathBuf,
}

impl Default for DevicePaths {
    fn default() -> Self {
        DevicePaths {
            privcmd: PathBuf::from("/dev/xen/privcmd"),
            hypercall: PathBuf::from("/dev/xen/hypercall"),
        }
    }
}

/// The hypervisor's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XenVersion {
    /// Major number.
    pub major: u32,
    /// Minor number.
    pub minor: u32,
    /// `XENVER_extraversion` (".7+13-g2445b30a44-pre" style).
    pub extra: String,
}

impl XenVersion {
    /// The version from `XENVER_version`'s result (`major << 16 | minor`)
    /// and the extraversion bytes (NUL-terminated).
    pub fn from_raw(raw: i64, extra: &[u8]) -> Self {
        let end = extra.iter().position(|&b| b == 0).unwrap_or(extra.len());
        XenVersion {
            major: ((raw >> 16) & 0xffff) as u32,
            minor: (raw & 0xffff) as u32,
            extra: String::from_utf8_lossy(extra.get(..end).unwrap_or_default()).into_owned(),
        }
    }

    /// The micro number leading the extraversion (7 of ".7+13-g..."), if
    /// there is one.
    pub fn micro(&self) -> Option<u32> {
        let digits: String = self
            .extra
            .strip_prefix('.')?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    }

    /// The number libvirt reports for the hypervisor
    /// (`virConnectGetVersion`): `major * 1_000_000 + minor * 1000`; like
    /// libvirt's Xen drivers, the micro number is left out.
    pub fn libvirt_number(&self) -> u64 {
        u64::from(self.major) * 1_000_000 + u64::from(self.minor) * 1000
    }

    /// True for the one version whose ABI [`crate::abi`] describes.
    pub fn is_supported(&self) -> bool {
        (self.major, self.minor) == (4, 17)
    }
}

impl std::fmt::Display for XenVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}{}", self.major, self.minor, self.extra)
    }
}

/// The libvirt state for `XEN_DOMINF_*` flags. Several flags can be set at
/// once (a paused guest is usually blocked too), so they are taken in order
/// of weight: dying, shut down (crashed or not), paused, blocked unless a
/// vCPU is on a CPU. A live domain with none of these flags is runnable,
/// waiting for a CPU (`xl list` shows "------"): libvirt calls that
/// running, as its libxl driver does for every active, unpaused domain.
pub fn domain_state(flags: u32) -> DomainState {
    if flags & DOMINF_DYING != 0 {
        DomainState::Shutdown
    } else if flags & DOMINF_SHUTDOWN != 0 {
        if (flags >> DOMINF_SHUTDOWNSHIFT) & DOMINF_SHUTDOWNMASK == SHUTDOWN_CRASH {
            DomainState::Crashed
        } else {
            DomainState::Shutoff
        }
    } else if flags & DOMINF_PAUSED != 0 {
        DomainState::Paused
    } else if flags & DOMINF_BLOCKED != 0 && flags & DOMINF_RUNNING == 0 {
        DomainState::Blocked
    } else {
        DomainState::Running
    }
}

/// One domain as Xen reports it (`xen_domctl_getdomaininfo`), decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRecord {
    /// The domain id.
    pub id: u32,
    /// `XEN_DOMINF_*` flags with the shutdown reason.
    pub flags: u32,
    /// Pages held.
    pub tot_pages: u64,
    /// Pages allowed.
    pub max_pages: u64,
    /// CPU time used, nanoseconds.
    pub cpu_time: u64,
    /// vCPUs online.
    pub online_vcpus: u32,
    /// vCPUs allocated (highest vCPU id + 1), 0 when none.
    pub vcpus: u32,
    /// The domain handle, which toolstacks set to the domain's UUID.
    pub uuid: Uuid,
    /// Hypervisor page size, bytes.
    pub page_size: u64,
}

impl DomainRecord {
    /// Decode a record; `page_size` is the hypervisor's (4096 on x86).
    pub fn from_raw(raw: &DomctlGetdomaininfo, page_size: u64) -> Self {
        DomainRecord {
            id: u32::from(raw.domain),
            flags: raw.flags,
            tot_pages: raw.tot_pages,
            max_pages: raw.max_pages,
            cpu_time: raw.cpu_time,
            online_vcpus: raw.nr_online_vcpus,
            vcpus: if raw.max_vcpu_id == INVALID_MAX_VCPU_ID {
                0
            } else {
                raw.max_vcpu_id.saturating_add(1)
            },
            uuid: Uuid::from_bytes(raw.handle),
            page_size,
        }
    }

    /// libvirt's state.
    pub fn state(&self) -> DomainState {
        domain_state(self.flags)
    }

    /// Paused by the control stack.
    pub fn is_paused(&self) -> bool {
        self.flags & DOMINF_PAUSED != 0
    }

    /// Being torn down.
    pub fn is_dying(&self) -> bool {
        self.flags & DOMINF_DYING != 0
    }

    /// An HVM (or PVH) guest rather than a PV one.
    pub fn is_hvm(&self) -> bool {
        self.flags & DOMINF_HVM_GUEST != 0
    }

    /// The guest's shutdown code (`SHUTDOWN_*`) once it has shut down.
    pub fn shutdown_reason(&self) -> Option<u32> {
        (self.flags & DOMINF_SHUTDOWN != 0)
            .then_some((self.flags >> DOMINF_SHUTDOWNSHIFT) & DOMINF_SHUTDOWNMASK)
    }

    fn pages_to_kib(&self, pages: u64) -> u64 {
        pages.saturating_mul(self.page_size / 1024)
    }

    /// Current memory, KiB.
    pub fn memory_kib(&self) -> u64 {
        self.pages_to_kib(self.tot_pages)
    }

    /// Maximum memory, KiB; `None` when Xen sets no limit (`max_pages` of
    /// all ones in its 32-bit field).
    pub fn max_memory_kib(&self) -> Option<u64> {
        (self.max_pages < u64::from(u32::MAX)).then(|| self.pages_to_kib(self.max_pages))
    }

    /// `virDomainInfo`. A domain without a memory limit reports the node's
    /// memory (`node_kib`) as its maximum, the most it could take; libvirt's
    /// old hypervisor driver passed 4294967295 through instead.
    pub fn info(&self, node_kib: u64) -> DomainInfo {
        DomainInfo {
            state: self.state(),
            max_mem: self.max_memory_kib().unwrap_or(node_kib),
            memory: self.memory_kib(),
            nr_virt_cpu: self.online_vcpus,
            cpu_time: self.cpu_time,
        }
    }
}

/// One vCPU as `XEN_DOMCTL_getvcpuinfo` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VcpuRecord {
    /// The vCPU id.
    pub vcpu: u32,
    /// Online (not hot-unplugged).
    pub online: bool,
    /// Waiting for an event.
    pub blocked: bool,
    /// On a physical CPU now.
    pub running: bool,
    /// CPU time used, nanoseconds.
    pub cpu_time: u64,
    /// The physical CPU it is on, or last ran on.
    pub cpu: u32,
}

impl VcpuRecord {
    /// Decode the domctl's answer.
    pub fn from_raw(raw: &DomctlGetvcpuinfo) -> Self {
        VcpuRecord {
            vcpu: raw.vcpu,
            online: raw.online != 0,
            blocked: raw.blocked != 0,
            running: raw.running != 0,
            cpu_time: raw.cpu_time,
            cpu: raw.cpu,
        }
    }

    /// libvirt's vCPU state: offline, else blocked when waiting for an
    /// event, else running (on a CPU now or runnable).
    pub fn state(&self) -> virt_core::VcpuState {
        if !self.online {
            virt_core::VcpuState::Offline
        } else if self.blocked && !self.running {
            virt_core::VcpuState::Blocked
        } else {
            virt_core::VcpuState::Running
        }
    }

    /// The physical CPU libvirt shows: -1 when offline.
    pub fn libvirt_cpu(&self) -> i32 {
        if self.online {
            i32::try_from(self.cpu).unwrap_or(-1)
        } else {
            -1
        }
    }
}

/// Bytes of a Xen bitmap of `nbits` bits.
pub fn bitmap_len(nbits: u32) -> usize {
    nbits.div_ceil(8) as usize
}

/// A Xen CPU bitmap (`xenctl_bitmap` bytes) as a libvirt map of `ncpus`
/// CPUs: same bit order, so it is a copy that drops CPUs past `ncpus`.
pub fn cpumap_from_xen(bytes: &[u8], ncpus: u32) -> CpuMap {
    let mut map = CpuMap::new(ncpus);
    for cpu in 0..ncpus {
        let set = bytes
            .get((cpu / 8) as usize)
            .is_some_and(|b| b & (1 << (cpu % 8)) != 0);
        if set {
            map.set(cpu);
        }
    }
    map
}

/// A libvirt map as the bytes of a Xen bitmap of `ncpus` bits (CPUs past
/// the host's are dropped, as libvirt's drivers do).
pub fn cpumap_to_xen(map: &CpuMap, ncpus: u32) -> Vec<u8> {
    let mut bytes = vec![0u8; bitmap_len(ncpus)];
    for cpu in map.cpus().filter(|&c| c < ncpus) {
        if let Some(b) = bytes.get_mut((cpu / 8) as usize) {
            *b |= 1 << (cpu % 8);
        }
    }
    bytes
}

/// `virNodeInfo` from physinfo: `model` is the machine ("x86_64"), memory
/// in KiB from pages, and sockets derived from the CPU count the way
/// libvirt derived them from xend's node data.
pub fn node_info(p: &SysctlPhysinfo, page_size: u64, model: &str) -> NodeInfo {
    let nodes = p.nr_nodes.max(1);
    let cores = p.cores_per_socket.max(1);
    let threads = p.threads_per_core.max(1);
    let sockets = (p.nr_cpus / (nodes * cores * threads)).max(1);
    NodeInfo {
        model: model.chars().take(31).collect(),
        memory: p.total_pages.saturating_mul(page_size / 1024),
        cpus: p.nr_cpus,
        mhz: p.cpu_khz / 1000,
        nodes,
        sockets,
        cores,
        threads,
    }
}

/// The online-CPU map of `ncpus` CPUs from cputopoinfo records: a CPU is
/// online when Xen gives it a core.
pub fn online_cpus(topology: &[SysctlCputopo], ncpus: u32) -> CpuMap {
    let mut map = CpuMap::new(ncpus);
    for (cpu, t) in (0..ncpus).zip(topology) {
        if t.core != INVALID_CORE_ID {
            map.set(cpu);
        }
    }
    map
}

/// An open connection to the hypervisor through privcmd. Safe to share
/// between threads: calls take turns on one hypercall buffer.
#[derive(Debug)]
pub struct Hypervisor {
    privcmd: Privcmd,
    pool: Mutex<BufferPool>,
    source: BufferSource,
    version: XenVersion,
    page_size: u64,
    max_cpu_id: u32,
}

/// `domctl <name> (domain <id>)`, the way failures name calls.
fn domctl_name(cmd: u32) -> &'static str {
    match cmd {
        DOMCTL_DESTROYDOMAIN => "destroydomain",
        DOMCTL_PAUSEDOMAIN => "pausedomain",
        DOMCTL_UNPAUSEDOMAIN => "unpausedomain",
        DOMCTL_GETDOMAININFO => "getdomaininfo",
        DOMCTL_SETVCPUAFFINITY => "setvcpuaffinity",
        DOMCTL_MAX_MEM => "max_mem",
        DOMCTL_GETVCPUINFO => "getvcpuinfo",
        DOMCTL_GETVCPUAFFINITY => "getvcpuaffinity",
        _ => "domctl",
    }
}

impl Hypervisor {
    /// Open `/dev/xen/privcmd` (read-only for a read-only connection) and
    /// check that the hypervisor is Xen 4.17 and takes interface version
    /// 0x15 for both sysctl and domctl.
    pub fn open(read_only: bool) -> Result<Self, HvError> {
        Self::open_with(&DevicePaths::default(), read_only)
    }

    /// [`Hypervisor::open`] with other device paths.
    pub fn open_with(paths: &DevicePaths, read_only: bool) -> Result<Self, HvError> {
        let privcmd = Privcmd::open(&paths.privcmd, read_only)?;
        let mut pool = BufferPool::open(&paths.hypercall)?;
        let source = pool.source().clone();
        let path = privcmd.path().to_path_buf();
        let buf = pool.get(4096)?;
        let raw = privcmd
            .hypercall(buf, HYPERVISOR_XEN_VERSION, [XENVER_VERSION, 0, 0, 0, 0])
            .map_err(|source| HvError::NotPrivcmd {
                path: path.clone(),
                source,
            })?;
        buf.zero(0, XEN_EXTRAVERSION_LEN)?;
        let at = buf.addr(0);
        privcmd
            .hypercall(
                buf,
                HYPERVISOR_XEN_VERSION,
                [XENVER_EXTRAVERSION, at, 0, 0, 0],
            )
            .map_err(|source| HvError::NotPrivcmd {
                path: path.clone(),
                source,
            })?;
        let version = XenVersion::from_raw(raw, buf.bytes(0, XEN_EXTRAVERSION_LEN)?);
        if !version.is_supported() {
            return Err(HvError::UnsupportedVersion {
                path,
                version: version.to_string(),
            });
        }
        let page_size = privcmd
            .hypercall(buf, HYPERVISOR_XEN_VERSION, [XENVER_PAGESIZE, 0, 0, 0, 0])
            .ok()
            .and_then(|p| u64::try_from(p).ok())
            .filter(|&p| p >= 1024 && p.is_power_of_two())
            .unwrap_or(4096);
        let version_text = version.to_string();
        let mut hv = Hypervisor {
            privcmd,
            pool: Mutex::new(pool),
            source,
            version,
            page_size,
            max_cpu_id: 0,
        };
        // Xen answers a sysctl or domctl of another interface version with
        // EACCES before reading the rest, so these probes are safe even if
        // the layouts were wrong; they prove both op families match.
        let refused = |what: &'static str, interface: u32, e: HvError| match e.errno() {
            Some(libc::EACCES) => HvError::InterfaceRefused {
                path: path.clone(),
                version: version_text.clone(),
                what,
                interface,
            },
            Some(errno) => HvError::Probe {
                path: path.clone(),
                version: version_text.clone(),
                what,
                source: io::Error::from_raw_os_error(errno),
            },
            None => e,
        };
        let physinfo = hv
            .physinfo()
            .map_err(|e| refused("sysctl", SYSCTL_INTERFACE_VERSION, e))?;
        hv.max_cpu_id = physinfo.max_cpu_id;
        match hv.domctl_on(0, DOMCTL_GETDOMAININFO, &DomctlGetdomaininfo::default()) {
            // No domain 0 to describe still proves the version was taken.
            Ok(_) | Err(HvError::NoDomain(_)) => {}
            Err(e) => return Err(refused("domctl", DOMCTL_INTERFACE_VERSION, e)),
        }
        Ok(hv)
    }

    /// The hypervisor's version.
    pub fn version(&self) -> &XenVersion {
        &self.version
    }

    /// Hypervisor page size, bytes.
    pub fn page_size(&self) -> u64 {
        self.page_size
    }

    /// Where the hypercall memory comes from.
    pub fn buffer_source(&self) -> &BufferSource {
        &self.source
    }

    /// Number of CPU ids the host can have (`max_cpu_id + 1`); the size of
    /// the CPU maps this crate hands out.
    pub fn max_cpus(&self) -> u32 {
        self.max_cpu_id.saturating_add(1)
    }

    fn pool(&self) -> MutexGuard<'_, BufferPool> {
        // A panic while holding the lock cannot leave the pool invalid (the
        // buffer is zeroed before every call), so poisoning is ignored.
        self.pool.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `XENVER_capabilities`: the guest ABIs Xen runs ("xen-3.0-x86_64
    /// hvm-3.0-x86_32 ...").
    pub fn capabilities(&self) -> Result<String, HvError> {
        let mut pool = self.pool();
        let buf = pool.get(XEN_CAPABILITIES_INFO_LEN)?;
        buf.zero(0, XEN_CAPABILITIES_INFO_LEN)?;
        let at = buf.addr(0);
        self.privcmd
            .hypercall(
                buf,
                HYPERVISOR_XEN_VERSION,
                [XENVER_CAPABILITIES, at, 0, 0, 0],
            )
            .map_err(|source| HvError::Hypercall {
                what: "xen_version capabilities".into(),
                source,
            })?;
        let bytes = buf.bytes(0, XEN_CAPABILITIES_INFO_LEN)?;
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        Ok(String::from_utf8_lossy(bytes.get(..end).unwrap_or_default()).into_owned())
    }

    /// Make a sysctl with `payload` in its union, on `buf`; returns the
    /// union's contents afterwards.
    fn sysctl_in<P: Payload>(
        &self,
        buf: &mut HypercallBuffer,
        cmd: u32,
        interface_version: u32,
        payload: &P,
    ) -> Result<P, HvError> {
        buf.zero(0, size_of::<Sysctl>())?;
        buf.write(
            0,
            &Sysctl {
                cmd,
                interface_version,
                u: [0; PAYLOAD_LEN / 8],
            },
        )?;
        buf.write(SYSCTL_PAYLOAD_OFFSET, payload)?;
        let at = buf.addr(0);
        let name = match cmd {
            SYSCTL_PHYSINFO => "physinfo",
            SYSCTL_GETDOMAININFOLIST => "getdomaininfolist",
            SYSCTL_CPUTOPOINFO => "cputopoinfo",
            _ => "sysctl",
        };
        self.privcmd
            .hypercall(buf, HYPERVISOR_SYSCTL, [at, 0, 0, 0, 0])
            .map_err(|source| HvError::Hypercall {
                what: format!("sysctl {name}"),
                source,
            })?;
        buf.read(SYSCTL_PAYLOAD_OFFSET)
    }

    /// Make a domctl on domain `domain` with `payload` in its union.
    fn domctl_in<P: Payload>(
        &self,
        buf: &mut HypercallBuffer,
        domain: u32,
        cmd: u32,
        payload: &P,
    ) -> Result<P, HvError> {
        let domid = u16::try_from(domain)
            .ok()
            .filter(|&d| u32::from(d) < DOMID_FIRST_RESERVED)
            .ok_or(HvError::NoDomain(domain))?;
        buf.zero(0, size_of::<Domctl>())?;
        buf.write(
            0,
            &Domctl {
                cmd,
                interface_version: DOMCTL_INTERFACE_VERSION,
                domain: domid,
                _pad: [0; 3],
                u: [0; PAYLOAD_LEN / 8],
            },
        )?;
        buf.write(DOMCTL_PAYLOAD_OFFSET, payload)?;
        let at = buf.addr(0);
        match self
            .privcmd
            .hypercall(buf, HYPERVISOR_DOMCTL, [at, 0, 0, 0, 0])
        {
            Ok(_) => buf.read(DOMCTL_PAYLOAD_OFFSET),
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => Err(HvError::NoDomain(domain)),
            Err(source) => Err(HvError::Hypercall {
                what: format!("domctl {} (domain {domain})", domctl_name(cmd)),
                source,
            }),
        }
    }

    fn domctl_on<P: Payload>(&self, domain: u32, cmd: u32, payload: &P) -> Result<P, HvError> {
        let mut pool = self.pool();
        let buf = pool.get(4096)?;
        self.domctl_in(buf, domain, cmd, payload)
    }

    /// `XEN_SYSCTL_physinfo`: the host's CPUs and memory.
    pub fn physinfo(&self) -> Result<SysctlPhysinfo, HvError> {
        let mut pool = self.pool();
        let buf = pool.get(4096)?;
        self.sysctl_in(
            buf,
            SYSCTL_PHYSINFO,
            SYSCTL_INTERFACE_VERSION,
            &SysctlPhysinfo::default(),
        )
    }

    /// Whether Xen takes sysctls of `interface_version` (it refuses others
    /// with EACCES). A physinfo sysctl is the probe; it changes nothing.
    pub fn sysctl_accepts(&self, interface_version: u32) -> Result<bool, HvError> {
        let mut pool = self.pool();
        let buf = pool.get(4096)?;
        match self.sysctl_in(
            buf,
            SYSCTL_PHYSINFO,
            interface_version,
            &SysctlPhysinfo::default(),
        ) {
            Ok(_) => Ok(true),
            Err(e) if e.errno() == Some(libc::EACCES) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `XEN_SYSCTL_cputopoinfo`: core, socket and node of each CPU id up to
    /// [`Hypervisor::max_cpus`].
    pub fn cpu_topology(&self) -> Result<Vec<SysctlCputopo>, HvError> {
        let n = self.max_cpus();
        let len = ARRAY_OFFSET + n as usize * size_of::<SysctlCputopo>();
        let mut pool = self.pool();
        let buf = pool.get(len)?;
        buf.zero(ARRAY_OFFSET, len - ARRAY_OFFSET)?;
        let out = self.sysctl_in(
            buf,
            SYSCTL_CPUTOPOINFO,
            SYSCTL_INTERFACE_VERSION,
            &SysctlCputopoinfo {
                num_cpus: n,
                _pad: 0,
                cputopo: buf.addr(ARRAY_OFFSET),
            },
        )?;
        (0..out.num_cpus.min(n) as usize)
            .map(|i| buf.read(ARRAY_OFFSET + i * size_of::<SysctlCputopo>()))
            .collect()
    }

    /// Up to `max` domains with ids from `start` on, in id order, with
    /// their state, in one `XEN_SYSCTL_getdomaininfolist` hypercall (at
    /// most [`MAX_LIST_PER_CALL`] records). Fewer than asked means there
    /// are no more; to go on, call again from the last id + 1.
    pub fn domain_info_list(&self, start: u32, max: u32) -> Result<Vec<DomainRecord>, HvError> {
        let max = max.min(MAX_LIST_PER_CALL);
        let Some(first) = u16::try_from(start)
            .ok()
            .filter(|&s| u32::from(s) < DOMID_FIRST_RESERVED)
        else {
            return Ok(Vec::new());
        };
        if max == 0 {
            return Ok(Vec::new());
        }
        let rec = size_of::<DomctlGetdomaininfo>();
        let len = ARRAY_OFFSET + max as usize * rec;
        let mut pool = self.pool();
        let buf = pool.get(len)?;
        let out = self.sysctl_in(
            buf,
            SYSCTL_GETDOMAININFOLIST,
            SYSCTL_INTERFACE_VERSION,
            &SysctlGetdomaininfolist {
                first_domain: first,
                _pad0: 0,
                max_domains: max,
                buffer: buf.addr(ARRAY_OFFSET),
                num_domains: 0,
                _pad1: 0,
            },
        )?;
        (0..out.num_domains.min(max) as usize)
            .map(|i| {
                buf.read::<DomctlGetdomaininfo>(ARRAY_OFFSET + i * rec)
                    .map(|raw| DomainRecord::from_raw(&raw, self.page_size))
            })
            .collect()
    }

    /// Every domain, in id order.
    pub fn domains(&self) -> Result<Vec<DomainRecord>, HvError> {
        let mut all = Vec::new();
        let mut start = 0;
        loop {
            let chunk = self.domain_info_list(start, LIST_CHUNK)?;
            let full = chunk.len() == LIST_CHUNK as usize;
            let Some(last) = chunk.last().map(|d| d.id) else {
                break;
            };
            all.extend(chunk);
            if !full {
                break;
            }
            start = last + 1;
        }
        Ok(all)
    }

    /// One domain by id (`XEN_DOMCTL_getdomaininfo`).
    pub fn domain_info(&self, id: u32) -> Result<DomainRecord, HvError> {
        let raw =
            self.domctl_on::<DomctlGetdomaininfo>(id, DOMCTL_GETDOMAININFO, &Default::default())?;
        // Xen 4.17 answers with the next domain when `id` does not exist.
        if u32::from(raw.domain) != id {
            return Err(HvError::NoDomain(id));
        }
        Ok(DomainRecord::from_raw(&raw, self.page_size))
    }

    /// Pause the domain (`XEN_DOMCTL_pausedomain`). Xen counts pauses, so
    /// callers that want libvirt's idempotence check the state first.
    pub fn pause(&self, id: u32) -> Result<(), HvError> {
        self.domctl_on(id, DOMCTL_PAUSEDOMAIN, &DomctlMaxMem::default())
            .map(|_| ())
    }

    /// Undo one pause (`XEN_DOMCTL_unpausedomain`); EINVAL when the
    /// domain is not paused.
    pub fn unpause(&self, id: u32) -> Result<(), HvError> {
        self.domctl_on(id, DOMCTL_UNPAUSEDOMAIN, &DomctlMaxMem::default())
            .map(|_| ())
    }

    /// Kill the domain (`XEN_DOMCTL_destroydomain`). It may linger, dying,
    /// until its backends release its pages.
    pub fn destroy(&self, id: u32) -> Result<(), HvError> {
        self.domctl_on(id, DOMCTL_DESTROYDOMAIN, &DomctlMaxMem::default())
            .map(|_| ())
    }

    /// Set the most memory the domain may hold, KiB (`XEN_DOMCTL_max_mem`).
    pub fn set_max_memory(&self, id: u32, kib: u64) -> Result<(), HvError> {
        self.domctl_on(id, DOMCTL_MAX_MEM, &DomctlMaxMem { max_memkb: kib })
            .map(|_| ())
    }

    /// One vCPU's state (`XEN_DOMCTL_getvcpuinfo`); `None` when the domain
    /// has no such vCPU.
    pub fn vcpu_info(&self, id: u32, vcpu: u32) -> Result<Option<VcpuRecord>, HvError> {
        let r = self.domctl_on(
            id,
            DOMCTL_GETVCPUINFO,
            &DomctlGetvcpuinfo {
                vcpu,
                ..Default::default()
            },
        );
        match r {
            Ok(raw) => Ok(Some(VcpuRecord::from_raw(&raw))),
            // EINVAL: past the domain's vCPU count; ESRCH comes back as
            // NoDomain, so tell "no such vCPU" apart from "no domain".
            Err(e) if e.errno() == Some(libc::EINVAL) => Ok(None),
            Err(HvError::NoDomain(_)) => {
                self.domain_info(id)?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    fn affinity(
        &self,
        id: u32,
        vcpu: u32,
        cmd: u32,
        set: Option<&CpuMap>,
    ) -> Result<CpuMap, HvError> {
        let ncpus = self.max_cpus();
        let nbytes = bitmap_len(ncpus);
        let mut pool = self.pool();
        let buf = pool.get(ARRAY_OFFSET + nbytes)?;
        let bytes = buf.bytes_mut(ARRAY_OFFSET, nbytes)?;
        match set {
            Some(map) => bytes.copy_from_slice(&cpumap_to_xen(map, ncpus)),
            None => bytes.fill(0),
        }
        let hard = XenctlBitmap {
            bitmap: buf.addr(ARRAY_OFFSET),
            nr_bits: (nbytes * 8) as u32,
            _pad: 0,
        };
        self.domctl_in(
            buf,
            id,
            cmd,
            &DomctlVcpuaffinity {
                vcpu,
                flags: VCPUAFFINITY_HARD,
                cpumap_hard: hard,
                cpumap_soft: XenctlBitmap::default(),
            },
        )?;
        Ok(cpumap_from_xen(buf.bytes(ARRAY_OFFSET, nbytes)?, ncpus))
    }

    /// The vCPU's hard affinity (`XEN_DOMCTL_getvcpuaffinity`), as a map
    /// of [`Hypervisor::max_cpus`] CPUs.
    pub fn vcpu_affinity(&self, id: u32, vcpu: u32) -> Result<CpuMap, HvError> {
        self.affinity(id, vcpu, DOMCTL_GETVCPUAFFINITY, None)
    }

    /// Pin the vCPU to `map` (`XEN_DOMCTL_setvcpuaffinity`, hard
    /// affinity); returns the affinity Xen applied (the map within the
    /// domain's CPU pool).
    pub fn set_vcpu_affinity(&self, id: u32, vcpu: u32, map: &CpuMap) -> Result<CpuMap, HvError> {
        self.affinity(id, vcpu, DOMCTL_SETVCPUAFFINITY, Some(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw_domain(id: u16, flags: u32) -> DomctlGetdomaininfo {
        DomctlGetdomaininfo {
            domain: id,
            flags,
            tot_pages: 32768,
            max_pages: 33024,
            cpu_time: 2_617_000_000,
            nr_online_vcpus: 1,
            max_vcpu_id: 0,
            handle: *Uuid::parse_str("5e2a3d57-6138-47da-8414-84f47d718e8e")
                .unwrap_or_default()
                .as_bytes(),
            ..Default::default()
        }
    }

    #[test]
    fn states_follow_the_weightiest_flag() {
        // What Xen 4.17 reported in the VM: dom0 running, an idle guest.
        assert_eq!(domain_state(0xffff_0020), DomainState::Running);
        assert_eq!(domain_state(0xffff_0010), DomainState::Blocked);
        assert_eq!(
            domain_state(DOMINF_PAUSED | DOMINF_BLOCKED),
            DomainState::Paused
        );
        assert_eq!(
            domain_state(DOMINF_PAUSED | DOMINF_RUNNING),
            DomainState::Paused
        );
        assert_eq!(
            domain_state(DOMINF_DYING | DOMINF_PAUSED),
            DomainState::Shutdown
        );
        assert_eq!(domain_state(DOMINF_SHUTDOWN), DomainState::Shutoff);
        assert_eq!(
            domain_state(DOMINF_SHUTDOWN | (SHUTDOWN_CRASH << DOMINF_SHUTDOWNSHIFT)),
            DomainState::Crashed
        );
        // A reboot code is a shutdown, not a crash.
        assert_eq!(
            domain_state(DOMINF_SHUTDOWN | (1 << DOMINF_SHUTDOWNSHIFT)),
            DomainState::Shutoff
        );
        // Runnable, waiting for a CPU: seen in the VM right after unpause.
        assert_eq!(domain_state(0xffff_0000), DomainState::Running);
        assert_eq!(domain_state(DOMINF_HVM_GUEST), DomainState::Running);
        assert_eq!(
            domain_state(DOMINF_RUNNING | DOMINF_BLOCKED),
            DomainState::Running
        );
    }

    #[test]
    fn domain_records_decode_pages_vcpus_and_uuid() {
        let d = DomainRecord::from_raw(&raw_domain(1, 0xffff_0010), 4096);
        assert_eq!(d.id, 1);
        assert_eq!(d.memory_kib(), 131_072);
        assert_eq!(d.max_memory_kib(), Some(132_096));
        assert_eq!(d.vcpus, 1);
        assert_eq!(d.uuid.to_string(), "5e2a3d57-6138-47da-8414-84f47d718e8e");
        assert!(!d.is_paused() && !d.is_dying() && !d.is_hvm());
        assert_eq!(d.shutdown_reason(), None);
        let info = d.info(1 << 30);
        assert_eq!(
            info,
            DomainInfo {
                state: DomainState::Blocked,
                max_mem: 132_096,
                memory: 131_072,
                nr_virt_cpu: 1,
                cpu_time: 2_617_000_000,
            }
        );

        let mut raw = raw_domain(0, DOMINF_RUNNING);
        raw.max_pages = u64::from(u32::MAX);
        raw.max_vcpu_id = INVALID_MAX_VCPU_ID;
        let d = DomainRecord::from_raw(&raw, 4096);
        assert_eq!(d.max_memory_kib(), None);
        assert_eq!(d.info(2_097_152).max_mem, 2_097_152);
        assert_eq!(d.vcpus, 0);

        let raw = raw_domain(
            2,
            DOMINF_SHUTDOWN | (SHUTDOWN_CRASH << DOMINF_SHUTDOWNSHIFT),
        );
        let d = DomainRecord::from_raw(&raw, 4096);
        assert_eq!(d.shutdown_reason(), Some(SHUTDOWN_CRASH));
        assert_eq!(d.state(), DomainState::Crashed);
    }

    #[test]
    fn vcpu_records_map_to_libvirt_states() {
        let mut raw = DomctlGetvcpuinfo {
            vcpu: 0,
            online: 1,
            blocked: 1,
            running: 0,
            cpu_time: 5,
            cpu: 1,
            ..Default::default()
        };
        let v = VcpuRecord::from_raw(&raw);
        assert_eq!(v.state(), virt_core::VcpuState::Blocked);
        assert_eq!(v.libvirt_cpu(), 1);
        raw.running = 1;
        assert_eq!(
            VcpuRecord::from_raw(&raw).state(),
            virt_core::VcpuState::Running
        );
        raw.blocked = 0;
        raw.running = 0;
        assert_eq!(
            VcpuRecord::from_raw(&raw).state(),
            virt_core::VcpuState::Running
        );
        raw.online = 0;
        let v = VcpuRecord::from_raw(&raw);
        assert_eq!(v.state(), virt_core::VcpuState::Offline);
        assert_eq!(v.libvirt_cpu(), -1);
    }

    #[test]
    fn cpumaps_convert_both_ways() {
        let xen = [0b1000_0101u8, 0b0000_0010, 0xff];
        let m = cpumap_from_xen(&xen, 12);
        assert_eq!(m.cpus().collect::<Vec<_>>(), vec![0, 2, 7, 9]);
        assert_eq!(m.as_bytes().len(), 2);
        assert_eq!(cpumap_to_xen(&m, 12), vec![0b1000_0101, 0b0000_0010]);
        // CPUs past the host's are dropped; short Xen maps read as unset.
        let mut wide = CpuMap::new(64);
        wide.set(1);
        wide.set(40);
        assert_eq!(cpumap_to_xen(&wide, 4), vec![0b10]);
        assert_eq!(cpumap_from_xen(&[], 4).cpus().count(), 0);
        assert_eq!(bitmap_len(0), 0);
        assert_eq!(bitmap_len(1), 1);
        assert_eq!(bitmap_len(9), 2);
    }

    #[test]
    fn versions_parse_and_only_4_17_is_supported() {
        let v = XenVersion::from_raw((4 << 16) | 17, b".7+13-g2445b30a44\0garbage");
        assert_eq!((v.major, v.minor), (4, 17));
        assert_eq!(v.extra, ".7+13-g2445b30a44");
        assert_eq!(v.micro(), Some(7));
        assert_eq!(v.to_string(), "4.17.7+13-g2445b30a44");
        assert_eq!(v.libvirt_number(), 4_017_000);
        assert!(v.is_supported());
        let v = XenVersion::from_raw((4 << 16) | 18, b"-rc");
        assert_eq!(v.micro(), None);
        assert!(!v.is_supported());
        let v = XenVersion::from_raw(3 << 16, &[]);
        assert_eq!(v.to_string(), "3.0");
        assert!(!v.is_supported());
    }

    #[test]
    fn node_info_derives_sockets_like_libvirt() {
        let p = SysctlPhysinfo {
            threads_per_core: 2,
            cores_per_socket: 4,
            nr_cpus: 16,
            max_cpu_id: 15,
            nr_nodes: 1,
            cpu_khz: 2_600_123,
            total_pages: 524_288,
            ..Default::default()
        };
        let n = node_info(&p, 4096, "x86_64");
        assert_eq!(
            n,
            NodeInfo {
                model: "x86_64".into(),
                memory: 2_097_152,
                cpus: 16,
                mhz: 2600,
                nodes: 1,
                sockets: 2,
                cores: 4,
                threads: 2,
            }
        );
        // Zeros from a confused hypervisor give one of each, never a
        // division by zero.
        let n = node_info(&SysctlPhysinfo::default(), 4096, &"m".repeat(40));
        assert_eq!((n.nodes, n.sockets, n.cores, n.threads), (1, 1, 1, 1));
        assert_eq!(n.model.len(), 31);
    }

    #[test]
    fn online_cpus_come_from_topology() {
        let t = [
            SysctlCputopo {
                core: 0,
                socket: 0,
                node: 0,
            },
            SysctlCputopo {
                core: INVALID_CORE_ID,
                socket: INVALID_CORE_ID,
                node: INVALID_CORE_ID,
            },
            SysctlCputopo {
                core: 1,
                socket: 0,
                node: 0,
            },
        ];
        let m = online_cpus(&t, 4);
        assert_eq!(m.cpus().collect::<Vec<_>>(), vec![0, 2]);
    }

    #[test]
    fn opening_without_xen_fails_with_no_xen() {
        let paths = DevicePaths {
            privcmd: "/nonexistent/xen/privcmd".into(),
            hypercall: "/nonexistent/xen/hypercall".into(),
        };
        let e = Hypervisor::open_with(&paths, true)
            .err()
            .map(virt_core::Error::from);
        let e = e.map(|e| (e.code, e.domain, e.message));
        assert_eq!(
            e,
            Some((
                virt_core::ErrorCode::NoXen,
                virt_core::ErrorDomain::Xen,
                "could not use Xen hypervisor entry /nonexistent/xen/privcmd: No such file or directory"
                    .into()
            ))
        );
    }

    #[test]
    fn a_device_that_is_not_privcmd_is_refused() {
        let paths = DevicePaths {
            privcmd: "/dev/null".into(),
            hypercall: "/nonexistent/xen/hypercall".into(),
        };
        match Hypervisor::open_with(&paths, true) {
            Err(HvError::NotPrivcmd { .. }) => {}
            // Without the right to lock memory the buffer fails first.
            Err(HvError::Buffer(_)) => println!("skipped: cannot lock memory here"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
