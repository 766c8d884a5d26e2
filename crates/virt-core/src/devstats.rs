//! Per-device statistics of a running domain, as libvirt's public structs
//! hold them: a disk's I/O counters (`virDomainBlockStats`), an
//! interface's traffic (`virDomainInterfaceStats`), the balloon's memory
//! figures (`virDomainMemoryStats`) and a disk's sizes
//! (`virDomainGetBlockInfo`). A counter the hypervisor does not keep is -1,
//! as in libvirt.

/// A disk's I/O counters since the domain started (`virDomainBlockStatsStruct`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockStats {
    /// Read requests.
    pub rd_req: i64,
    /// Bytes read.
    pub rd_bytes: i64,
    /// Write requests.
    pub wr_req: i64,
    /// Bytes written.
    pub wr_bytes: i64,
    /// Errors (-1 where the hypervisor does not count them).
    pub errs: i64,
}

/// An interface's traffic counters, seen from the guest
/// (`virDomainInterfaceStatsStruct`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterfaceStats {
    /// Bytes received.
    pub rx_bytes: i64,
    /// Packets received.
    pub rx_packets: i64,
    /// Receive errors.
    pub rx_errs: i64,
    /// Received packets dropped.
    pub rx_drop: i64,
    /// Bytes sent.
    pub tx_bytes: i64,
    /// Packets sent.
    pub tx_packets: i64,
    /// Send errors.
    pub tx_errs: i64,
    /// Packets dropped on sending.
    pub tx_drop: i64,
}

/// One memory statistic: a tag of [`memory_stat`] and its value
/// (`virDomainMemoryStatStruct`; sizes in KiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryStat {
    /// What it counts ([`memory_stat`]).
    pub tag: i32,
    /// The value.
    pub val: u64,
}

/// The tags of [`MemoryStat`] (`virDomainMemoryStatTags`) and the names
/// virsh and the Python binding print for them.
pub mod memory_stat {
    /// Swapped in, KiB.
    pub const SWAP_IN: i32 = 0;
    /// Swapped out, KiB.
    pub const SWAP_OUT: i32 = 1;
    /// Page faults that needed disk I/O.
    pub const MAJOR_FAULT: i32 = 2;
    /// Page faults served from memory.
    pub const MINOR_FAULT: i32 = 3;
    /// Memory the guest leaves unused, KiB.
    pub const UNUSED: i32 = 4;
    /// Memory the guest sees, KiB.
    pub const AVAILABLE: i32 = 5;
    /// The balloon's current size, KiB.
    pub const ACTUAL_BALLOON: i32 = 6;
    /// The hypervisor process's resident memory, KiB.
    pub const RSS: i32 = 7;
    /// Memory the guest could use without swapping, KiB.
    pub const USABLE: i32 = 8;
    /// When the guest last updated its figures, seconds since the epoch.
    pub const LAST_UPDATE: i32 = 9;
    /// Disk caches the guest could drop, KiB.
    pub const DISK_CACHES: i32 = 10;
    /// Huge page allocations.
    pub const HUGETLB_PGALLOC: i32 = 11;
    /// Failed huge page allocations.
    pub const HUGETLB_PGFAIL: i32 = 12;
    /// How many tags there are (`VIR_DOMAIN_MEMORY_STAT_NR`).
    pub const NR: u32 = 13;

    /// The name of a tag, as virsh `dommemstat` prints it.
    pub fn name(tag: i32) -> Option<&'static str> {
        Some(match tag {
            SWAP_IN => "swap_in",
            SWAP_OUT => "swap_out",
            MAJOR_FAULT => "major_fault",
            MINOR_FAULT => "minor_fault",
            UNUSED => "unused",
            AVAILABLE => "available",
            ACTUAL_BALLOON => "actual",
            RSS => "rss",
            USABLE => "usable",
            LAST_UPDATE => "last_update",
            DISK_CACHES => "disk_caches",
            HUGETLB_PGALLOC => "hugetlb_pgalloc",
            HUGETLB_PGFAIL => "hugetlb_pgfail",
            _ => return None,
        })
    }
}

/// A disk's sizes, bytes (`virDomainBlockInfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlockInfo {
    /// What the guest sees.
    pub capacity: u64,
    /// What the host has allocated for it.
    pub allocation: u64,
    /// The host's size of the image (file size or device size).
    pub physical: u64,
}

/// What `virDomainGetCPUStats` answers: the typed parameters it filled and
/// libvirt's return value.
///
/// With `start_cpu` -1 the parameters are the domain's total
/// ([`cpu_stats`] fields `cpu_time`, `user_time`, `system_time`); from a
/// CPU they are `count` parameters per host CPU for consecutive CPUs from
/// `start_cpu`, CPUs past the host's last left out, as libvirt's remote
/// protocol carries them. Asked with no parameters, `params` is empty and
/// `count` is what the caller asked for: the number of figures (per CPU,
/// or of the total) or, with `ncpus` 0, the host's CPU count.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CpuStats {
    /// The figures, `count` per CPU.
    pub params: Vec<crate::TypedParam>,
    /// libvirt's return value (see above).
    pub count: i32,
}

impl CpuStats {
    /// The figures of each CPU answered, in order from the first asked.
    pub fn per_cpu(&self) -> Vec<&[crate::TypedParam]> {
        match usize::try_from(self.count) {
            Ok(n) if n > 0 => self.params.chunks(n).collect(),
            _ => Vec::new(),
        }
    }
}

/// The field names of [`CpuStats`] (`VIR_DOMAIN_CPU_STATS_*`).
pub mod cpu_stats {
    /// CPU time of the domain's processes, ns.
    pub const CPUTIME: &str = "cpu_time";
    /// Of it, time in user mode, ns.
    pub const USERTIME: &str = "user_time";
    /// Of it, time in the kernel, ns.
    pub const SYSTEMTIME: &str = "system_time";
    /// Time the guest's vCPUs ran on a host CPU, ns.
    pub const VCPUTIME: &str = "vcpu_time";
}
