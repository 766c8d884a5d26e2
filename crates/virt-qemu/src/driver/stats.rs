//! `virConnectGetAllDomainStats`: every group libvirt's QEMU driver
//! gathers that this driver can (state, cpu, balloon, vcpu, interface,
//! block), for every domain in one pass, with libvirt's field names.
//!
//! Each running domain costs one monitor session (query-balloon,
//! query-cpus-fast, query-blockstats, query-block); CPU times come from
//! /proc (the QEMU process and its vCPU threads), interface counters from
//! QEMU's /proc/PID/net/dev for the guest's host-side device. A group that cannot be
//! read for a domain (a monitor that does not answer) is left out for that
//! domain, as libvirt does, unless `ENFORCE_STATS` asked for it.

use super::*;
use virt_core::domain_stats as ds;

/// The groups this driver gathers.
const SUPPORTED: u32 =
    ds::STATE | ds::CPU_TOTAL | ds::BALLOON | ds::VCPU | ds::INTERFACE | ds::BLOCK;

/// Collects one domain's typed parameters in libvirt's order.
#[derive(Default)]
struct Params(Vec<TypedParam>);

impl Params {
    fn add(&mut self, field: impl Into<String>, value: TypedValue) {
        self.0.push(TypedParam {
            field: field.into(),
            value,
        });
    }
    fn int(&mut self, f: impl Into<String>, v: i32) {
        self.add(f, TypedValue::Int(v));
    }
    fn uint(&mut self, f: impl Into<String>, v: u32) {
        self.add(f, TypedValue::UInt(v));
    }
    fn ull(&mut self, f: impl Into<String>, v: u64) {
        self.add(f, TypedValue::ULLong(v));
    }
    fn string(&mut self, f: impl Into<String>, v: &str) {
        self.add(f, TypedValue::String(v.to_string()));
    }
}

impl QemuDriver {
    /// Statistics of `doms` (every domain `flags` lets through when
    /// empty), the groups `stats` names (all this driver has when 0).
    pub(super) fn all_domain_stats(
        &self,
        doms: &[DomainRef],
        stats: u32,
        flags: u32,
    ) -> QemuResult<Vec<DomainStatsRecord>> {
        check_flags(
            flags,
            ds::FILTERS | ds::NOWAIT | ds::BACKING | ds::ENFORCE_STATS,
            "qemuConnectGetAllDomainStats",
        )?;
        if !doms.is_empty() && flags & ds::FILTERS != 0 {
            return Err(QemuError::InvalidArg(
                "filtering is not supported by this function".into(),
            ));
        }
        let unsupported = stats & !SUPPORTED;
        if flags & ds::ENFORCE_STATS != 0 && unsupported != 0 {
            return Err(QemuError::ArgumentUnsupported(format!(
                "Stats types bits 0x{unsupported:x} are not supported by this daemon"
            )));
        }
        let groups = if stats == 0 {
            SUPPORTED
        } else {
            stats & SUPPORTED
        };
        let names: Vec<String> = if doms.is_empty() {
            let filter = flags & ds::FILTERS;
            self.list_all_domains(filter)
                .map_err(|e| QemuError::Internal(e.message))?
                .into_iter()
                .map(|r| r.name)
                .collect()
        } else {
            doms.iter()
                .map(|d| self.resolve(d))
                .collect::<QemuResult<_>>()?
        };
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            // A domain that went away between the listing and the look is
            // left out, as libvirt skips objects that vanish.
            match self.domain_stats(&name, groups, flags & ds::ENFORCE_STATS != 0) {
                Ok(r) => out.push(r),
                Err(QemuError::NoDomainName(_)) if doms.is_empty() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    pub(super) fn domain_stats(
        &self,
        name: &str,
        groups: u32,
        enforce: bool,
    ) -> QemuResult<DomainStatsRecord> {
        let lock = self.domain_lock(name)?;
        let obs = self.observe(name)?;
        let id = obs.live.as_ref().map(|(rt, _)| rt.id);
        let dom = self.dom_ref(name, id)?;
        let live = obs.live.as_ref().map(|(rt, _)| rt);
        let def = self.def(name, live.is_some())?;
        let mut p = Params::default();
        if groups & ds::STATE != 0 {
            p.int("state.state", obs.state.number());
            p.int("state.reason", obs.reason);
        }
        // One monitor session for every group that asks QEMU.
        let mut mon = match live {
            Some(rt) if groups & (ds::BALLOON | ds::VCPU | ds::BLOCK) != 0 => {
                match Self::connect_monitor(rt) {
                    Ok(m) => Some(m),
                    Err(e) if enforce => return Err(e),
                    Err(_) => None,
                }
            }
            _ => None,
        };
        if groups & ds::CPU_TOTAL != 0 {
            if let Some(rt) = live {
                cpu_group(&mut p, rt.pid);
            }
        }
        if groups & ds::BALLOON != 0 {
            balloon_group(&mut p, &def, live, mon.as_mut());
        }
        if groups & ds::VCPU != 0 {
            vcpu_group(&mut p, &def, live, mon.as_mut());
        }
        if groups & ds::INTERFACE != 0 {
            interface_group(&mut p, &def, live.map(|rt| rt.pid));
        }
        if groups & ds::BLOCK != 0 {
            block_group(&mut p, &def, mon.as_mut());
        }
        drop(lock);
        Ok(DomainStatsRecord { dom, params: p.0 })
    }
}

/// `cpu.time`, `cpu.user`, `cpu.system`: the QEMU process's CPU time, ns.
fn cpu_group(p: &mut Params, pid: i32) {
    let Some((user, system)) = process_times(pid) else {
        return;
    };
    p.ull("cpu.time", user + system);
    p.ull("cpu.user", user);
    p.ull("cpu.system", system);
}

/// User and system time of a process, ns, from /proc/PID/stat.
pub(super) fn process_times(pid: i32) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of stat(5); `rest` starts at field 3.
    let ticks = |i: usize| f.get(i)?.parse::<u64>().ok();
    let hz = rustix::param::clock_ticks_per_second().max(1);
    let ns = |t: u64| t.saturating_mul(1_000_000_000) / hz;
    Some((ns(ticks(11)?), ns(ticks(12)?)))
}

/// `balloon.current` and `balloon.maximum` (KiB), and for a running
/// guest `balloon.rss`, QEMU's resident memory.
fn balloon_group(
    p: &mut Params,
    def: &DomainDef,
    live: Option<&Runtime>,
    mon: Option<&mut Monitor<UnixStream>>,
) {
    let mut current = def.current_memory.unwrap_or(def.memory);
    if let (Some(rt), Some(mon)) = (live, mon) {
        if rt.balloon {
            if let Some(a) = mon
                .execute("query-balloon", None)
                .ok()
                .and_then(|b| b.get("actual").and_then(Value::as_u64))
            {
                current = a / 1024;
            }
        }
    }
    p.ull("balloon.current", current);
    p.ull("balloon.maximum", def.memory);
    if let Some(rss) = live.and_then(|rt| process::rss_kib(rt.pid)) {
        p.ull("balloon.rss", rss);
    }
}

/// `vcpu.current`, `vcpu.maximum`, and per online vCPU of a running guest
/// its state (1, running), CPU time and wait time (ns, from the thread's
/// schedstat).
fn vcpu_group(
    p: &mut Params,
    def: &DomainDef,
    live: Option<&Runtime>,
    mon: Option<&mut Monitor<UnixStream>>,
) {
    let threads = match (live, mon) {
        (Some(_), Some(mon)) => vcpu_threads(mon).ok(),
        _ => None,
    };
    let current = threads
        .as_ref()
        .map_or(def.vcpu.current.unwrap_or(def.vcpu.max), |t| t.len() as u32);
    p.uint("vcpu.current", current);
    p.uint("vcpu.maximum", def.vcpu.max);
    let (Some(rt), Some(mut threads)) = (live, threads) else {
        return;
    };
    threads.sort_unstable();
    for (idx, tid) in threads {
        p.int(format!("vcpu.{idx}.state"), 1);
        let (time, wait) = thread_schedstat(rt.pid, tid)
            .unwrap_or_else(|| (process::cpu_usage(rt.pid, Some(tid)).map_or(0, |c| c.0), 0));
        p.ull(format!("vcpu.{idx}.time"), time);
        p.ull(format!("vcpu.{idx}.wait"), wait);
    }
}

/// A thread's time on a CPU and time waiting for one, ns (schedstat).
fn thread_schedstat(pid: i32, tid: i32) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/schedstat")).ok()?;
    let mut it = text.split_whitespace().map(|n| n.parse::<u64>().ok());
    Some((it.next()??, it.next()??))
}

/// `net.count` and, for each interface with a host-side device that the
/// kernel counts, its name and counters. The guest's receive is the
/// device's transmit, as libvirt swaps them for tap devices.
///
/// The counters are read in QEMU's network namespace (`pid`'s), where its
/// taps were made: libvirt reads its own /proc/net/dev, the same place
/// when the daemon started QEMU, but /proc/net is the namespace of the
/// process's main thread, not of a thread that made its own namespace
/// (or of another process asking).
fn interface_group(p: &mut Params, def: &DomainDef, pid: Option<i32>) {
    let Some(pid) = pid else {
        p.uint("net.count", 0);
        return;
    };
    let ifaces = &def.devices.interfaces;
    p.uint("net.count", ifaces.len() as u32);
    let dev = std::fs::read_to_string(format!("/proc/{pid}/net/dev"))
        .or_else(|_| std::fs::read_to_string("/proc/thread-self/net/dev"))
        .unwrap_or_default();
    for (i, iface) in ifaces.iter().enumerate() {
        let Some(name) = iface.target_dev.as_deref() else {
            continue;
        };
        p.string(format!("net.{i}.name"), name);
        let Some(c) = net_dev_counters(&dev, name) else {
            continue;
        };
        // /proc/net/dev: rx bytes packets errs drop ... (8), tx bytes packets errs drop.
        let (rx, tx) = (&c[0..4], &c[8..12]);
        for (k, v) in ["bytes", "pkts", "errs", "drop"].iter().zip(tx) {
            p.ull(format!("net.{i}.rx.{k}"), *v);
        }
        for (k, v) in ["bytes", "pkts", "errs", "drop"].iter().zip(rx) {
            p.ull(format!("net.{i}.tx.{k}"), *v);
        }
    }
}

/// The 16 counters of `name` in /proc/net/dev's text.
fn net_dev_counters(text: &str, name: &str) -> Option<Vec<u64>> {
    text.lines().find_map(|l| {
        let (dev, rest) = l.split_once(':')?;
        if dev.trim() != name {
            return None;
        }
        let v: Vec<u64> = rest
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        (v.len() >= 16).then_some(v)
    })
}

/// `block.count` and per disk: name, path, the I/O counters QEMU keeps
/// (query-blockstats) and the sizes (query-block, the file itself).
fn block_group(p: &mut Params, def: &DomainDef, mon: Option<&mut Monitor<UnixStream>>) {
    let disks = &def.devices.disks;
    p.uint("block.count", disks.len() as u32);
    let (stats, blocks) = match mon {
        Some(m) => (
            m.execute("query-blockstats", None).unwrap_or(Value::Null),
            m.execute("query-block", None).unwrap_or(Value::Null),
        ),
        None => (Value::Null, Value::Null),
    };
    for (i, disk) in disks.iter().enumerate() {
        p.string(format!("block.{i}.name"), &disk.target_dev);
        if let Some(src) = disk.source.as_deref().filter(|s| !s.is_empty()) {
            p.string(format!("block.{i}.path"), src);
        }
        let find = |list: &Value| -> Option<Value> {
            list.as_array()?
                .iter()
                .find(|e| qdev_is(e, &disk.target_dev))
                .cloned()
        };
        if let Some(s) = find(&stats) {
            let st = &s["stats"];
            let n = |k: &str| st[k].as_u64().unwrap_or(0);
            p.ull(format!("block.{i}.rd.reqs"), n("rd_operations"));
            p.ull(format!("block.{i}.rd.bytes"), n("rd_bytes"));
            p.ull(format!("block.{i}.rd.times"), n("rd_total_time_ns"));
            p.ull(format!("block.{i}.wr.reqs"), n("wr_operations"));
            p.ull(format!("block.{i}.wr.bytes"), n("wr_bytes"));
            p.ull(format!("block.{i}.wr.times"), n("wr_total_time_ns"));
            p.ull(format!("block.{i}.fl.reqs"), n("flush_operations"));
            p.ull(format!("block.{i}.fl.times"), n("flush_total_time_ns"));
        }
        let image = find(&blocks).map(|b| b["inserted"]["image"].clone());
        let file = disk
            .source
            .as_deref()
            .and_then(|s| std::fs::metadata(s).ok())
            .filter(|m| m.is_file());
        let allocation = image
            .as_ref()
            .and_then(|i| i["actual-size"].as_u64())
            .or_else(|| {
                file.as_ref()
                    .map(|m| std::os::unix::fs::MetadataExt::blocks(m) * 512)
            });
        if let Some(a) = allocation {
            p.ull(format!("block.{i}.allocation"), a);
        }
        let capacity = image.as_ref().and_then(|i| i["virtual-size"].as_u64());
        if let Some(c) = capacity {
            p.ull(format!("block.{i}.capacity"), c);
        }
        if let Some(m) = &file {
            p.ull(format!("block.{i}.physical"), m.len());
        }
    }
}

/// True when a query-block(stats) entry belongs to the device with id `id`
/// (`qdev` is the id, or its QOM path under /machine/peripheral).
fn qdev_is(entry: &Value, id: &str) -> bool {
    entry["qdev"].as_str().is_some_and(|q| {
        q == id
            || q.strip_prefix("/machine/peripheral/")
                .is_some_and(|r| r == id || r.starts_with(&format!("{id}/")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_dev_lines() {
        let text = "Inter-|   Receive |  Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier compressed\n  tap0: 100 2 0 0 0 0 0 0 300 4 0 1 0 0 0 0\n";
        let c = net_dev_counters(text, "tap0").unwrap_or_default();
        assert_eq!((c[0], c[1], c[8], c[11]), (100, 2, 300, 1));
        assert!(net_dev_counters(text, "tap1").is_none());
        assert!(net_dev_counters("tap0: 1 2\n", "tap0").is_none());
    }

    #[test]
    fn qdev_paths() {
        assert!(qdev_is(
            &json!({"qdev": "/machine/peripheral/vda/virtio-backend"}),
            "vda"
        ));
        assert!(qdev_is(&json!({"qdev": "hda"}), "hda"));
        assert!(!qdev_is(
            &json!({"qdev": "/machine/peripheral/vdab/virtio-backend"}),
            "vda"
        ));
        assert!(!qdev_is(&json!({}), "vda"));
    }

    #[test]
    fn this_process_has_cpu_times() {
        let pid = std::process::id() as i32;
        let mut p = Params::default();
        cpu_group(&mut p, pid);
        let f: Vec<&str> = p.0.iter().map(|t| t.field.as_str()).collect();
        assert_eq!(f, ["cpu.time", "cpu.user", "cpu.system"]);
    }
}
