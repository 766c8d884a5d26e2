//! The test driver's per-device statistics, as libvirt's test driver makes
//! them up: I/O and traffic counters that grow with the clock, memory
//! figures derived from the balloon's size, and every disk a 1 TiB image.

use crate::domains::DomainObj;
use crate::error::{TestError, TestResult};
use virt_core::{memory_stat, BlockInfo, BlockStats, InterfaceStats, MemoryStat};
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
