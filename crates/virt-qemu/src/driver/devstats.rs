//! Per-device statistics of one running guest (`virDomainBlockStats`,
//! `virDomainInterfaceStats`, `virDomainMemoryStats`,
//! `virDomainGetBlockInfo`): the figures of the matching groups of
//! [`stats`](super::stats), picked out for one disk or interface, so both
//! ways of asking read QEMU the same way.

use super::*;
use virt_core::domain_stats as ds;
use virt_core::{memory_stat, BlockInfo, BlockStats, InterfaceStats, MemoryStat};

/// The value of `field` in a statistics record.
fn param<'a>(rec: &'a DomainStatsRecord, field: &str) -> Option<&'a TypedValue> {
    rec.params
        .iter()
        .find(|p| p.field == field)
        .map(|p| &p.value)
}

fn number(rec: &DomainStatsRecord, field: &str) -> Option<u64> {
    match param(rec, field)? {
        TypedValue::ULLong(v) => Some(*v),
        TypedValue::UInt(v) => Some(u64::from(*v)),
        _ => None,
    }
}

fn text<'a>(rec: &'a DomainStatsRecord, field: &str) -> Option<&'a str> {
    match param(rec, field)? {
        TypedValue::String(s) => Some(s),
        _ => None,
    }
}

/// A counter as libvirt's structs hold it (-1: not counted).
fn counter(rec: &DomainStatsRecord, field: &str) -> i64 {
    number(rec, field)
        .and_then(|v| i64::try_from(v).ok())
        .unwrap_or(-1)
}

impl QemuDriver {
    /// One group of a running domain's statistics, the monitor required.
    fn live_group(&self, dom: &DomainRef, group: u32) -> QemuResult<(String, DomainStatsRecord)> {
        let name = self.resolve(dom)?;
        if self.observe(&name)?.live.is_none() {
            return Err(QemuError::NotRunning);
        }
        let rec = self.domain_stats(&name, group, true)?;
        Ok((name, rec))
    }

    /// `virDomainBlockStats`: a disk (target or source path) of a running
    /// guest. QEMU counts no errors: `errs` is -1.
    pub(super) fn block_stats(&self, dom: &DomainRef, path: &str) -> QemuResult<BlockStats> {
        let (_, rec) = self.live_group(dom, ds::BLOCK)?;
        if path.is_empty() {
            return Err(QemuError::OperationUnsupported(
                "summary statistics are not supported yet".into(),
            ));
        }
        let i = disk_index(&rec, path)
            .ok_or_else(|| QemuError::InvalidArg(format!("invalid path: {path}")))?;
        let c = |k: &str| counter(&rec, &format!("block.{i}.{k}"));
        Ok(BlockStats {
            rd_req: c("rd.reqs"),
            rd_bytes: c("rd.bytes"),
            wr_req: c("wr.reqs"),
            wr_bytes: c("wr.bytes"),
            errs: -1,
        })
    }

    /// `virDomainInterfaceStats`: an interface named by its host-side
    /// device or its MAC address, counted from the guest's side.
    pub(super) fn interface_stats(
        &self,
        dom: &DomainRef,
        device: &str,
    ) -> QemuResult<InterfaceStats> {
        let (name, rec) = self.live_group(dom, ds::INTERFACE)?;
        let def = self.def(&name, true)?;
        let i = def
            .devices
            .interfaces
            .iter()
            .position(|n| {
                n.target_dev.as_deref() == Some(device)
                    || n.mac
                        .as_deref()
                        .is_some_and(|m| m.eq_ignore_ascii_case(device))
            })
            .ok_or_else(|| QemuError::InvalidArg(format!("'{device}' is not a known interface")))?;
        if number(&rec, &format!("net.{i}.rx.bytes")).is_none() {
            // No host-side device the kernel counts (user networking).
            return Err(QemuError::OperationUnsupported(format!(
                "interface '{device}' has no host-side device to count"
            )));
        }
        let c = |k: &str| counter(&rec, &format!("net.{i}.{k}"));
        Ok(InterfaceStats {
            rx_bytes: c("rx.bytes"),
            rx_packets: c("rx.pkts"),
            rx_errs: c("rx.errs"),
            rx_drop: c("rx.drop"),
            tx_bytes: c("tx.bytes"),
            tx_packets: c("tx.pkts"),
            tx_errs: c("tx.errs"),
            tx_drop: c("tx.drop"),
        })
    }

    /// `virDomainMemoryStats`: the balloon's size, what the guest's
    /// balloon driver reports (when it polls: `<stats period>`), and QEMU's
    /// resident memory; at most `max` of them.
    pub(super) fn memory_stats(
        &self,
        dom: &DomainRef,
        max: u32,
        flags: u32,
    ) -> QemuResult<Vec<MemoryStat>> {
        check_flags(flags, 0, "qemuDomainMemoryStats")?;
        let name = self.resolve(dom)?;
        let lock = self.domain_lock(&name)?;
        let obs = self.observe(&name)?;
        let Some((rt, _)) = obs.live.as_ref() else {
            return Err(QemuError::NotRunning);
        };
        let def = self.def(&name, true)?;
        let mut actual = def.current_memory.unwrap_or(def.memory);
        let mut guest = Value::Null;
        if rt.balloon {
            let mut mon = Self::connect_monitor(rt)?;
            if let Some(a) = mon
                .execute("query-balloon", None)?
                .get("actual")
                .and_then(Value::as_u64)
            {
                actual = a / 1024;
            }
            // Only a guest whose driver polls has figures; QEMU answers
            // an error otherwise, which leaves just the balloon's size.
            guest = mon
                .execute(
                    "qom-get",
                    Some(
                        json!({"path": "/machine/peripheral/balloon0", "property": "guest-stats"}),
                    ),
                )
                .unwrap_or(Value::Null);
        }
        drop(lock);
        let mut out = vec![MemoryStat {
            tag: memory_stat::ACTUAL_BALLOON,
            val: actual,
        }];
        let g = &guest["stats"];
        let kib = |k: &str| g[k].as_i64().filter(|v| *v >= 0).map(|v| v as u64 / 1024);
        let count = |k: &str| g[k].as_i64().filter(|v| *v >= 0).map(|v| v as u64);
        for (tag, v) in [
            (memory_stat::SWAP_IN, kib("stat-swap-in")),
            (memory_stat::SWAP_OUT, kib("stat-swap-out")),
            (memory_stat::MAJOR_FAULT, count("stat-major-faults")),
            (memory_stat::MINOR_FAULT, count("stat-minor-faults")),
            (memory_stat::UNUSED, kib("stat-free-memory")),
            (memory_stat::AVAILABLE, kib("stat-total-memory")),
            (memory_stat::USABLE, kib("stat-available-memory")),
            (
                memory_stat::LAST_UPDATE,
                guest["last-update"].as_u64().filter(|v| *v > 0),
            ),
            (memory_stat::DISK_CACHES, kib("stat-disk-caches")),
            (memory_stat::HUGETLB_PGALLOC, count("stat-htlb-pgalloc")),
            (memory_stat::HUGETLB_PGFAIL, count("stat-htlb-pgfail")),
            (memory_stat::RSS, process::rss_kib(rt.pid)),
        ] {
            if let Some(val) = v {
                out.push(MemoryStat { tag, val });
            }
        }
        out.truncate(max as usize);
        Ok(out)
    }

    /// `virDomainGetBlockInfo`: a disk's sizes, from QEMU while the guest
    /// runs, from the image file otherwise.
    pub(super) fn block_info(
        &self,
        dom: &DomainRef,
        path: &str,
        flags: u32,
    ) -> QemuResult<BlockInfo> {
        check_flags(flags, 0, "qemuDomainGetBlockInfo")?;
        let name = self.resolve(dom)?;
        let live = self.observe(&name)?.live.is_some();
        let def = self.def(&name, live)?;
        let not_assigned =
            || QemuError::InvalidArg(format!("invalid path {path} not assigned to domain"));
        let disk = def
            .devices
            .disks
            .iter()
            .find(|d| d.target_dev == path || d.source.as_deref() == Some(path))
            .ok_or_else(not_assigned)?;
        let Some(source) = disk.source.as_deref().filter(|s| !s.is_empty()) else {
            return Err(QemuError::InvalidArg(format!(
                "disk '{}' does not currently have a source assigned",
                disk.target_dev
            )));
        };
        if live {
            let rec = self.domain_stats(&name, ds::BLOCK, true)?;
            if let Some(i) = disk_index(&rec, &disk.target_dev) {
                let n = |k: &str| number(&rec, &format!("block.{i}.{k}"));
                if let Some(capacity) = n("capacity") {
                    let physical = n("physical").unwrap_or(capacity);
                    return Ok(BlockInfo {
                        capacity,
                        allocation: n("allocation").unwrap_or(physical),
                        physical,
                    });
                }
            }
        }
        image_info(std::path::Path::new(source))
    }
}

/// The index of the disk whose target or source is `path` in a block
/// group.
fn disk_index(rec: &DomainStatsRecord, path: &str) -> Option<usize> {
    let count = number(rec, "block.count")? as usize;
    (0..count).find(|i| {
        text(rec, &format!("block.{i}.name")) == Some(path)
            || text(rec, &format!("block.{i}.path")) == Some(path)
    })
}

/// An image's sizes from the file: the guest size from a qcow2 header
/// (big-endian u64 at offset 24), else the file's length; allocation the
/// blocks in use.
pub(crate) fn image_info(path: &std::path::Path) -> QemuResult<BlockInfo> {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let fail = |e| QemuError::system(format!("cannot stat file '{}'", path.display()), e);
    let meta = std::fs::metadata(path).map_err(fail)?;
    let mut physical = meta.len();
    if meta.file_type().is_block_device() || physical == 0 && !meta.is_file() {
        physical = std::fs::File::open(path)
            .and_then(|mut f| std::io::Seek::seek(&mut f, std::io::SeekFrom::End(0)))
            .map_err(fail)?;
    }
    let mut header = [0u8; 32];
    let qcow2_size = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .ok()
        .filter(|_| header[..4] == *b"QFI\xfb")
        .map(|_| u64::from_be_bytes(header[24..32].try_into().unwrap_or_default()));
    Ok(BlockInfo {
        capacity: qcow2_size.unwrap_or(physical),
        allocation: if meta.is_file() {
            meta.blocks() * 512
        } else {
            physical
        },
        physical,
    })
}
