//! The hypercall ABI of Xen 4.17 (sysctl/domctl interface version 0x15), as
//! `#[repr(C)]` structs with the layouts of Xen's public headers
//! (`xen/xen.h`, `xen/sysctl.h`, `xen/domctl.h`, `xen/version.h`,
//! `xen/sys/privcmd.h`) on x86_64.
//!
//! Xen changes these layouts whenever it bumps the interface version, and
//! refuses a sysctl or domctl carrying another version with EACCES, so every
//! struct here is valid for exactly [`SYSCTL_INTERFACE_VERSION`] /
//! [`DOMCTL_INTERFACE_VERSION`]. Padding the C compiler would insert is
//! spelled out as `_pad` fields, so no struct has hidden bytes; the layout
//! test (`layout_matches_xen_headers`) compares every size and offset with
//! the C headers.

/// `IOCTL_PRIVCMD_HYPERCALL`: `_IOC(_IOC_NONE, 'P', 0, sizeof(privcmd_hypercall_t))`.
pub const IOCTL_PRIVCMD_HYPERCALL: u64 = 0x0030_5000;

/// `__HYPERVISOR_xen_version`.
pub const HYPERVISOR_XEN_VERSION: u64 = 17;
/// `__HYPERVISOR_sysctl`.
pub const HYPERVISOR_SYSCTL: u64 = 35;
/// `__HYPERVISOR_domctl`.
pub const HYPERVISOR_DOMCTL: u64 = 36;

/// `XENVER_version`: the hypercall returns `major << 16 | minor`.
pub const XENVER_VERSION: u64 = 0;
/// `XENVER_extraversion`: fills a `char[16]`.
pub const XENVER_EXTRAVERSION: u64 = 1;
/// `XENVER_capabilities`: fills a `char[1024]`.
pub const XENVER_CAPABILITIES: u64 = 3;
/// `XENVER_pagesize`: the hypercall returns the page size in bytes.
pub const XENVER_PAGESIZE: u64 = 7;
/// Size of `xen_extraversion_t`.
pub const XEN_EXTRAVERSION_LEN: usize = 16;
/// Size of `xen_capabilities_info_t`.
pub const XEN_CAPABILITIES_INFO_LEN: usize = 1024;

/// `XEN_SYSCTL_INTERFACE_VERSION` of Xen 4.17.
pub const SYSCTL_INTERFACE_VERSION: u32 = 0x15;
/// `XEN_DOMCTL_INTERFACE_VERSION` of Xen 4.17.
pub const DOMCTL_INTERFACE_VERSION: u32 = 0x15;

/// `XEN_SYSCTL_physinfo`.
pub const SYSCTL_PHYSINFO: u32 = 3;
/// `XEN_SYSCTL_getdomaininfolist`.
pub const SYSCTL_GETDOMAININFOLIST: u32 = 6;
/// `XEN_SYSCTL_cputopoinfo`.
pub const SYSCTL_CPUTOPOINFO: u32 = 16;

/// `XEN_DOMCTL_destroydomain`.
pub const DOMCTL_DESTROYDOMAIN: u32 = 2;
/// `XEN_DOMCTL_pausedomain`.
pub const DOMCTL_PAUSEDOMAIN: u32 = 3;
/// `XEN_DOMCTL_unpausedomain`.
pub const DOMCTL_UNPAUSEDOMAIN: u32 = 4;
/// `XEN_DOMCTL_getdomaininfo`.
pub const DOMCTL_GETDOMAININFO: u32 = 5;
/// `XEN_DOMCTL_setvcpuaffinity`.
pub const DOMCTL_SETVCPUAFFINITY: u32 = 9;
/// `XEN_DOMCTL_max_mem`.
pub const DOMCTL_MAX_MEM: u32 = 11;
/// `XEN_DOMCTL_getvcpuinfo`.
pub const DOMCTL_GETVCPUINFO: u32 = 14;
/// `XEN_DOMCTL_getvcpuaffinity`.
pub const DOMCTL_GETVCPUAFFINITY: u32 = 25;

/// `XEN_DOMINF_dying`: the domain is being torn down.
pub const DOMINF_DYING: u32 = 1 << 0;
/// `XEN_DOMINF_hvm_guest`.
pub const DOMINF_HVM_GUEST: u32 = 1 << 1;
/// `XEN_DOMINF_shutdown`: the guest has shut down; the reason is in the
/// high bits.
pub const DOMINF_SHUTDOWN: u32 = 1 << 2;
/// `XEN_DOMINF_paused`: paused by the control stack.
pub const DOMINF_PAUSED: u32 = 1 << 3;
/// `XEN_DOMINF_blocked`: every vCPU waits for an event.
pub const DOMINF_BLOCKED: u32 = 1 << 4;
/// `XEN_DOMINF_running`: a vCPU is on a physical CPU now.
pub const DOMINF_RUNNING: u32 = 1 << 5;
/// `XEN_DOMINF_shutdownshift`.
pub const DOMINF_SHUTDOWNSHIFT: u32 = 16;
/// `XEN_DOMINF_shutdownmask`.
pub const DOMINF_SHUTDOWNMASK: u32 = 255;

/// `SHUTDOWN_crash` (`xen/sched.h`): the guest reported a crash.
pub const SHUTDOWN_CRASH: u32 = 3;

/// `XEN_VCPUAFFINITY_HARD`.
pub const VCPUAFFINITY_HARD: u32 = 1 << 0;

/// `XEN_INVALID_MAX_VCPU_ID`: the domain has no vCPU.
pub const INVALID_MAX_VCPU_ID: u32 = !0;
/// `XEN_INVALID_CORE_ID`: the CPU is not online.
pub const INVALID_CORE_ID: u32 = !0;
/// `DOMID_FIRST_RESERVED`: ids from here on are not ordinary domains.
pub const DOMID_FIRST_RESERVED: u32 = 0x7ff0;

/// Size of the union `u` in `struct xen_sysctl` and `struct xen_domctl`
/// (their `uint8_t pad[128]` member).
pub const PAYLOAD_LEN: usize = 128;

/// Marker for the ABI structs: plain integers only, no hidden padding, so
/// every bit pattern is a valid value and the bytes Xen writes can be read
/// back as the struct.
///
/// # Safety
///
/// Implement only for `#[repr(C)]` types made of integers and arrays of
/// integers, with every padding byte declared as a field.
pub unsafe trait Plain: Copy + 'static {}

/// `privcmd_hypercall_t`: the argument of `IOCTL_PRIVCMD_HYPERCALL`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrivcmdHypercall {
    /// The hypercall number.
    pub op: u64,
    /// Its arguments, usually addresses inside the hypercall buffer.
    pub arg: [u64; 5],
}

/// `struct xenctl_bitmap`: a bitmap Xen reads or writes through a guest
/// handle; bit `n` is bit `n % 8` of byte `n / 8`, libvirt's layout too.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XenctlBitmap {
    /// `XEN_GUEST_HANDLE_64(uint8)`: address of the bytes.
    pub bitmap: u64,
    /// Number of bits the buffer holds.
    pub nr_bits: u32,
    /// Tail padding of the C struct.
    pub _pad: u32,
}

/// `struct xen_sysctl`: the argument of the sysctl hypercall. The union `u`
/// is kept as raw words; the sub-op structs are written over it.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sysctl {
    /// `XEN_SYSCTL_*`.
    pub cmd: u32,
    /// Must be [`SYSCTL_INTERFACE_VERSION`].
    pub interface_version: u32,
    /// The union of the sub-op structs.
    pub u: [u64; PAYLOAD_LEN / 8],
}

/// `struct xen_domctl`: the argument of the domctl hypercall.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Domctl {
    /// `XEN_DOMCTL_*`.
    pub cmd: u32,
    /// Must be [`DOMCTL_INTERFACE_VERSION`].
    pub interface_version: u32,
    /// The domain the operation is about.
    pub domain: u16,
    /// `uint16_t _pad[3]`.
    pub _pad: [u16; 3],
    /// The union of the sub-op structs.
    pub u: [u64; PAYLOAD_LEN / 8],
}

/// `struct xen_sysctl_physinfo`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SysctlPhysinfo {
    /// Threads per core.
    pub threads_per_core: u32,
    /// Cores per socket.
    pub cores_per_socket: u32,
    /// CPUs online now.
    pub nr_cpus: u32,
    /// Largest possible CPU id.
    pub max_cpu_id: u32,
    /// NUMA nodes online now.
    pub nr_nodes: u32,
    /// Largest possible node id.
    pub max_node_id: u32,
    /// CPU frequency, kHz.
    pub cpu_khz: u32,
    /// `XEN_SYSCTL_PHYSCAP_*`.
    pub capabilities: u32,
    /// Architecture-specific capabilities.
    pub arch_capabilities: u32,
    /// `pad`.
    pub pad: u32,
    /// Pages of host memory.
    pub total_pages: u64,
    /// Pages free.
    pub free_pages: u64,
    /// Pages waiting to be scrubbed.
    pub scrub_pages: u64,
    /// Pages claimed but not yet allocated.
    pub outstanding_pages: u64,
    /// Largest possible machine frame number.
    pub max_mfn: u64,
    /// CPU feature words.
    pub hw_cap: [u32; 8],
}

/// `struct xen_sysctl_getdomaininfolist`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SysctlGetdomaininfolist {
    /// IN: the first domain id to report.
    pub first_domain: u16,
    /// Padding before `max_domains`.
    pub _pad0: u16,
    /// IN: room in `buffer`, in records.
    pub max_domains: u32,
    /// IN: `XEN_GUEST_HANDLE_64(xen_domctl_getdomaininfo_t)`.
    pub buffer: u64,
    /// OUT: records written.
    pub num_domains: u32,
    /// Tail padding.
    pub _pad1: u32,
}

/// `struct xen_sysctl_cputopoinfo`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SysctlCputopoinfo {
    /// IN: room in `cputopo`; OUT: records Xen wants to write.
    pub num_cpus: u32,
    /// Padding before the handle.
    pub _pad: u32,
    /// IN: `XEN_GUEST_HANDLE_64(xen_sysctl_cputopo_t)`.
    pub cputopo: u64,
}

/// `struct xen_sysctl_cputopo`: where one CPU sits.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SysctlCputopo {
    /// Core id, [`INVALID_CORE_ID`] when the CPU is offline.
    pub core: u32,
    /// Socket id.
    pub socket: u32,
    /// NUMA node id.
    pub node: u32,
}

/// `struct xen_arch_domainconfig` (x86).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArchDomainconfig {
    /// `XEN_X86_EMU_*`.
    pub emulation_flags: u32,
    /// `XEN_X86_MSR_RELAXED`.
    pub misc_flags: u32,
}

/// `struct xen_domctl_getdomaininfo`: one domain's state, as both the
/// getdomaininfo domctl and the getdomaininfolist sysctl report it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DomctlGetdomaininfo {
    /// The domain id.
    pub domain: u16,
    /// `pad1`.
    pub pad1: u16,
    /// `XEN_DOMINF_*`, with the shutdown reason in bits 16..24.
    pub flags: u32,
    /// Pages the domain holds.
    pub tot_pages: u64,
    /// Pages it may hold.
    pub max_pages: u64,
    /// Pages claimed but not allocated.
    pub outstanding_pages: u64,
    /// Pages shared with other domains.
    pub shr_pages: u64,
    /// Pages paged out.
    pub paged_pages: u64,
    /// Frame of its shared-info page.
    pub shared_info_frame: u64,
    /// CPU time used, nanoseconds.
    pub cpu_time: u64,
    /// vCPUs online.
    pub nr_online_vcpus: u32,
    /// Highest vCPU id, [`INVALID_MAX_VCPU_ID`] when none.
    pub max_vcpu_id: u32,
    /// Security label.
    pub ssidref: u32,
    /// `xen_domain_handle_t`: the domain's UUID.
    pub handle: [u8; 16],
    /// CPU pool id.
    pub cpupool: u32,
    /// Guest physical address width.
    pub gpaddr_bits: u8,
    /// `pad2`.
    pub pad2: [u8; 7],
    /// Architecture-specific configuration.
    pub arch_config: ArchDomainconfig,
}

/// `struct xen_domctl_max_mem`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DomctlMaxMem {
    /// IN: the new maximum, KiB.
    pub max_memkb: u64,
}

/// `struct xen_domctl_getvcpuinfo`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DomctlGetvcpuinfo {
    /// IN: the vCPU.
    pub vcpu: u32,
    /// OUT: online (not hot-unplugged).
    pub online: u8,
    /// OUT: blocked waiting for an event.
    pub blocked: u8,
    /// OUT: scheduled on a physical CPU now.
    pub running: u8,
    /// Padding before `cpu_time`.
    pub _pad0: u8,
    /// OUT: CPU time used, nanoseconds.
    pub cpu_time: u64,
    /// OUT: the physical CPU it is on (or was last on).
    pub cpu: u32,
    /// Tail padding.
    pub _pad1: u32,
}

/// `struct xen_domctl_vcpuaffinity`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DomctlVcpuaffinity {
    /// IN: the vCPU.
    pub vcpu: u32,
    /// IN: `XEN_VCPUAFFINITY_*`: which maps to get or set.
    pub flags: u32,
    /// IN/OUT: hard affinity (where it may run).
    pub cpumap_hard: XenctlBitmap,
    /// IN/OUT: soft affinity (where it prefers to run).
    pub cpumap_soft: XenctlBitmap,
}

// SAFETY: each type below is #[repr(C)], made only of integers and integer
// arrays, with its padding declared as fields (checked by the layout test
// against the C headers and by the size assertions below).
unsafe impl Plain for PrivcmdHypercall {}
// SAFETY: as above.
unsafe impl Plain for XenctlBitmap {}
// SAFETY: as above.
unsafe impl Plain for Sysctl {}
// SAFETY: as above.
unsafe impl Plain for Domctl {}
// SAFETY: as above.
unsafe impl Plain for SysctlPhysinfo {}
// SAFETY: as above.
unsafe impl Plain for SysctlGetdomaininfolist {}
// SAFETY: as above.
unsafe impl Plain for SysctlCputopoinfo {}
// SAFETY: as above.
unsafe impl Plain for SysctlCputopo {}
// SAFETY: as above.
unsafe impl Plain for ArchDomainconfig {}
// SAFETY: as above.
unsafe impl Plain for DomctlGetdomaininfo {}
// SAFETY: as above.
unsafe impl Plain for DomctlMaxMem {}
// SAFETY: as above.
unsafe impl Plain for DomctlGetvcpuinfo {}
// SAFETY: as above.
unsafe impl Plain for DomctlVcpuaffinity {}

/// A sub-op struct that lives in the union `u` of a sysctl or domctl.
pub trait Payload: Plain {}
impl Payload for SysctlPhysinfo {}
impl Payload for SysctlGetdomaininfolist {}
impl Payload for SysctlCputopoinfo {}
impl Payload for DomctlGetdomaininfo {}
impl Payload for DomctlMaxMem {}
impl Payload for DomctlGetvcpuinfo {}
impl Payload for DomctlVcpuaffinity {}

// The sizes the x86_64 headers give (the layout test checks each one with
// the C compiler too); a payload must fit the 128-byte union.
const _: () = {
    use std::mem::size_of;
    assert!(size_of::<PrivcmdHypercall>() == 48);
    assert!(size_of::<XenctlBitmap>() == 16);
    assert!(size_of::<Sysctl>() == 136);
    assert!(size_of::<Domctl>() == 144);
    assert!(size_of::<SysctlPhysinfo>() == 112);
    assert!(size_of::<SysctlGetdomaininfolist>() == 24);
    assert!(size_of::<SysctlCputopoinfo>() == 16);
    assert!(size_of::<SysctlCputopo>() == 12);
    assert!(size_of::<DomctlGetdomaininfo>() == 112);
    assert!(size_of::<DomctlMaxMem>() == 8);
    assert!(size_of::<DomctlGetvcpuinfo>() == 24);
    assert!(size_of::<DomctlVcpuaffinity>() == 40);
    assert!(size_of::<DomctlGetdomaininfo>() <= PAYLOAD_LEN);
    assert!(size_of::<SysctlPhysinfo>() <= PAYLOAD_LEN);
};

/// Where the union `u` starts in [`Sysctl`].
pub const SYSCTL_PAYLOAD_OFFSET: usize = std::mem::offset_of!(Sysctl, u);
/// Where the union `u` starts in [`Domctl`].
pub const DOMCTL_PAYLOAD_OFFSET: usize = std::mem::offset_of!(Domctl, u);

#[cfg(test)]
mod layout_test;
