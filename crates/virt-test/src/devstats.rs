//! The test driver's per-device statistics, as libvirt's test driver makes
//! them up: I/O and traffic counters that grow with the clock, memory
//! figures derived from the balloon's size, and every disk a 1 TiB image.

use crate::domains::DomainObj;
use crate::error::{TestError, TestResult};
use virt_core::{
    memory_stat, BlockInfo, BlockStats, CpuStats, InterfaceStats, MemoryStat, TypedParam,
    TypedValue,
};
use virt_xml::{MemBalloon, View};

/// The clock: microseconds and seconds since the epoch.
fn now() -> (u64, u64) {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_micros() as u64, d.as_secs())
}

fn running(obj: &DomainObj) -> TestResult<()> {
    if obj.is_active() {
        Ok(())
    } else {
        Err(TestError::NotRunning)
    }
}

/// True when `path` names one of the domain's disks (target or source).
fn has_disk(obj: &DomainObj, path: &str) -> bool {
    obj.def
        .devices
        .disks
        .iter()
        .any(|d| d.target_dev == path || d.source.as_deref() == Some(path))
}

/// `virDomainBlockStats`.
pub(crate) fn block_stats(obj: &DomainObj, path: &str) -> TestResult<BlockStats> {
    running(obj)?;
    if path.is_empty() {
        return Err(TestError::Unsupported(
            "summary statistics are not supported yet".into(),
        ));
    }
    if !has_disk(obj, path) {
        return Err(TestError::InvalidArg(format!("invalid path: {path}")));
    }
    let (base, secs) = now();
    let c = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    Ok(BlockStats {
        rd_req: c(base / 10),
        rd_bytes: c(base / 20),
        wr_req: c(base / 30),
        wr_bytes: c(base / 40),
        errs: c(secs / 2),
    })
}

/// `virDomainInterfaceStats`: by host-side name or MAC address.
pub(crate) fn interface_stats(obj: &DomainObj, device: &str) -> TestResult<InterfaceStats> {
    running(obj)?;
    let known = obj.def.devices.interfaces.iter().any(|n| {
        n.target_dev.as_deref() == Some(device)
            || n.mac
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(device))
    });
    if !known {
        return Err(TestError::InvalidArg(format!(
            "'{device}' is not a known interface"
        )));
    }
    let (base, secs) = now();
    let c = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    Ok(InterfaceStats {
        rx_bytes: c(base / 10),
        rx_packets: c(base / 100),
        rx_errs: c(secs),
        rx_drop: c(secs / 2),
        tx_bytes: c(base / 20),
        tx_packets: c(base / 110),
        tx_errs: c(secs / 3),
        tx_drop: c(secs / 4),
    })
}

/// The seconds the test driver's guests report as their clock.
const GUEST_CLOCK: u64 = 627_319_920;

/// `virDomainMemoryStats`: figures only with a virtio balloon, derived
/// from its size (the current memory).
pub(crate) fn memory_stats(obj: &DomainObj, max: u32) -> TestResult<Vec<MemoryStat>> {
    running(obj)?;
    let balloon = obj
        .def
        .devices
        .other
        .iter()
        .filter(|e| e.name == MemBalloon::TAG)
        .any(|e| MemBalloon::from_element(e).is_ok_and(|b| b.model == "virtio"));
    if !balloon {
        return Ok(Vec::new());
    }
    let cur = crate::domains::memory_of(&obj.def);
    let mut out: Vec<MemoryStat> = [
        (memory_stat::ACTUAL_BALLOON, cur),
        (memory_stat::SWAP_IN, 0),
        (memory_stat::SWAP_OUT, 0),
        (memory_stat::MAJOR_FAULT, 0),
        (memory_stat::MINOR_FAULT, 0),
        (memory_stat::UNUSED, cur / 2),
        (memory_stat::AVAILABLE, cur),
        (memory_stat::USABLE, cur / 2),
        (memory_stat::LAST_UPDATE, GUEST_CLOCK),
        (memory_stat::DISK_CACHES, cur / 8),
        (memory_stat::HUGETLB_PGALLOC, 0),
        (memory_stat::HUGETLB_PGFAIL, 0),
        (memory_stat::RSS, cur / 2),
    ]
    .into_iter()
    .map(|(tag, val)| MemoryStat { tag, val })
    .collect();
    out.truncate(max as usize);
    Ok(out)
}

/// `virDomainGetBlockInfo`: every disk with a source is a 1 TiB image
/// whose guest sees a little less (libvirt's test driver's figures),
/// running or not.
pub(crate) fn block_info(obj: &DomainObj, path: &str) -> TestResult<BlockInfo> {
    let disk = obj
        .def
        .devices
        .disks
        .iter()
        .find(|d| d.target_dev == path || d.source.as_deref() == Some(path))
        .ok_or_else(|| {
            TestError::InvalidArg(format!("invalid path {path} not assigned to domain"))
        })?;
    if disk.source.as_deref().is_none_or(str::is_empty) {
        return Err(TestError::InvalidArg(format!(
            "disk '{}' does not currently have a source assigned",
            disk.target_dev
        )));
    }
    const TIB: u64 = 1 << 40;
    Ok(BlockInfo {
        capacity: 1_099_506_450_432,
        allocation: TIB,
        physical: TIB,
    })
}

/// `virDomainSetMemoryStatsPeriod` on one definition: only a balloon
/// other than model `none` has a period.
pub(crate) fn set_stats_period(def: &mut virt_xml::DomainDef, period: i32) -> TestResult<()> {
    let found = def
        .devices
        .views::<MemBalloon>()
        .ok()
        .and_then(|bs| bs.into_iter().enumerate().find(|(_, b)| b.model != "none"));
    let Some((n, mut balloon)) = found else {
        return Err(TestError::Internal(
            "No memory balloon device configured, can not set the collection period".into(),
        ));
    };
    // libvirt writes no `<stats>` for a period of 0.
    balloon.stats_period = u32::try_from(period).ok().filter(|&p| p != 0);
    def.devices.set_view(n, &balloon);
    Ok(())
}

/// The total CPU time libvirt's test driver reports for every domain, ns.
const TOTAL_CPU_TIME: u64 = 48_772_617_035;

/// `virDomainGetCPUStats` as libvirt's test driver answers it: made-up
/// figures for a running domain, the total (`start_cpu` -1: CPU, user and
/// system time) or per host CPU, the host having as many CPUs as the
/// node's cores (libvirt's test driver counts `cores`), each with the
/// total's share plus its index and a vCPU time 1234567890 ns below.
pub(crate) fn cpu_stats(
    obj: &DomainObj,
    nparams: u32,
    start_cpu: i32,
    ncpus: u32,
    host_cpus: u32,
) -> TestResult<CpuStats> {
    use virt_core::cpu_stats::{CPUTIME, SYSTEMTIME, USERTIME, VCPUTIME};
    running(obj)?;
    let ull = |field: &str, v: u64| TypedParam {
        field: field.into(),
        value: TypedValue::ULLong(v),
    };
    let counted = |count: u32| CpuStats {
        params: Vec::new(),
        count: count as i32,
    };
    let Ok(start) = u32::try_from(start_cpu) else {
        if nparams == 0 {
            return Ok(counted(3));
        }
        let all = [
            ull(CPUTIME, TOTAL_CPU_TIME),
            ull(USERTIME, 5_540_000_000),
            ull(SYSTEMTIME, 6_460_000_000),
        ];
        let params: Vec<TypedParam> = all.into_iter().take(nparams as usize).collect();
        let count = params.len() as i32;
        return Ok(CpuStats { params, count });
    };
    if nparams == 0 && ncpus != 0 {
        return Ok(counted(2));
    }
    if ncpus == 0 {
        return Ok(counted(host_cpus));
    }
    if start >= host_cpus {
        return Err(TestError::InvalidArg(format!(
            "start_cpu {start} larger than maximum of {}",
            i64::from(host_cpus) - 1
        )));
    }
    let share = TOTAL_CPU_TIME / u64::from(host_cpus.max(1));
    let per_cpu = nparams.min(2);
    let end = host_cpus.min(start.saturating_add(ncpus));
    let mut params = Vec::new();
    for cpu in start..end {
        let time = share + u64::from(cpu);
        params.push(ull(CPUTIME, time));
        if per_cpu > 1 {
            params.push(ull(VCPUTIME, time.wrapping_sub(1_234_567_890)));
        }
    }
    Ok(CpuStats {
        params,
        count: per_cpu as i32,
    })
}

#[cfg(test)]
mod tests {
    use virt_core::{Connect, ErrorCode};

    /// The library's checks, then the test driver's answers, through the
    /// public API on test:///default (two host CPUs: its two cores).
    #[test]
    fn cpu_stats_as_libvirts_test_driver() {
        crate::register();
        let c = Connect::open("test:///default").unwrap();
        let d = c.lookup_by_name("test").unwrap();
        let e = d.cpu_stats(3, -1, 2, 0).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArg);
        assert_eq!(e.to_string(), "ncpus must be 1 when start_cpu is -1");
        let e = d.cpu_stats(1, -2, 1, 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "start_cpu in virDomainGetCPUStats must be zero or greater"
        );
        let e = d.cpu_stats(1, 0, 0, 0).unwrap_err();
        assert_eq!(e.to_string(), "params in virDomainGetCPUStats must be NULL");
        let e = d.cpu_stats(16, 0, u32::MAX, 0).unwrap_err();
        assert_eq!(e.code, ErrorCode::Overflow);
        assert_eq!(d.cpu_stats(0, -1, 1, 0).unwrap().count, 3);
        assert_eq!(d.cpu_stats(0, 0, 0, 0).unwrap().count, 2);
        assert_eq!(d.cpu_stats(0, 0, 1, 0).unwrap().count, 2);
        let total = d.cpu_stats(2, -1, 1, 0).unwrap();
        assert_eq!(total.count, 2);
        assert_eq!(total.params.len(), 2);
        // From CPU 1, five asked: one answered, vCPU time left out when
        // one figure a CPU is asked.
        let one = d.cpu_stats(1, 1, 5, 0).unwrap();
        assert_eq!((one.count, one.params.len()), (1, 1));
        assert_eq!(one.per_cpu().len(), 1);
        let e = d.cpu_stats(2, 2, 1, 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument: start_cpu 2 larger than maximum of 1"
        );
    }
}
