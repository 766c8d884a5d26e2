//! `virDomainGetCPUStats` for a running guest: the QEMU process's CPU
//! time, in total and per host CPU.
//!
//! libvirt reads the domain's own cgroup (cpuacct), which its QEMU driver
//! makes for every guest. This driver makes none, so it reads what the
//! host gives:
//!
//! - when the QEMU process sits alone in a cgroup of its own (an
//!   administrator's or a service manager's, found through
//!   /proc/PID/cgroup: a cgroup other than the root whose `cgroup.procs`
//!   holds only QEMU), that cgroup, as libvirt: cgroup v1's
//!   `cpuacct.usage`, `cpuacct.stat` and `cpuacct.usage_percpu`, or
//!   cgroup v2's `cpu.stat` (v2 keeps no per-CPU figures, so there are
//!   none);
//! - otherwise the process's own times from /proc/PID/stat (user and
//!   system time of all its threads, in clock ticks) for the total. The
//!   kernel keeps no per-CPU account of one process outside a cgroup, so
//!   per-CPU figures are then none: asked how many there are, the answer
//!   is 0 (virsh then says "No per-CPU stats available").
//!
//! The guest's vCPU time per host CPU (`vcpu_time`) needs a cgroup per
//! vCPU thread, which libvirt makes and this driver does not: it is left
//! out, as libvirt leaves it out for a QEMU without vCPU threads.

use super::*;
use std::path::PathBuf;
use virt_core::cpu_stats::{CPUTIME, SYSTEMTIME, USERTIME};

/// Where a process's CPU time is accounted.
#[derive(Debug, PartialEq)]
enum Account {
    /// A cgroup v1 cpuacct directory of its own.
    V1(PathBuf),
    /// A cgroup v2 directory of its own.
    V2(PathBuf),
    /// No cgroup of its own: /proc.
    Process,
}

/// The line of /proc/PID/cgroup for cpuacct (v1) or the unified
/// hierarchy (v2), as a directory under `sys_cgroup` (/sys/fs/cgroup).
fn cgroup_dir(proc_cgroup: &str, sys_cgroup: &Path) -> Option<Account> {
    let mut v2 = None;
    for line in proc_cgroup.lines() {
        let mut f = line.splitn(3, ':');
        let (_, controllers, path) = (f.next()?, f.next()?, f.next()?);
        let rel = path.trim_start_matches('/');
        if rel.is_empty() {
            continue; // the root cgroup is everyone's
        }
        if controllers.split(',').any(|c| c == "cpuacct") {
            // Mounted as its controller list ("cpu,cpuacct") or alone.
            let dir = [controllers, "cpuacct"]
                .iter()
                .map(|m| sys_cgroup.join(m).join(rel))
                .find(|d| d.is_dir())?;
            return Some(Account::V1(dir));
        }
        if controllers.is_empty() && line.starts_with("0::") {
            let dir = [sys_cgroup.to_path_buf(), sys_cgroup.join("unified")]
                .into_iter()
                .map(|m| m.join(rel))
                .find(|d| d.join("cpu.stat").is_file());
            v2 = dir.map(Account::V2);
        }
    }
    v2
}

/// True when `procs` (a `cgroup.procs`) lists `pid` and no other process.
fn alone_in(procs: &str, pid: i32) -> bool {
    let mut it = procs.split_whitespace();
    it.next() == Some(pid.to_string().as_str()) && it.next().is_none()
}

/// How `pid`'s time is accounted on this host.
fn account_of(pid: i32) -> Account {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/cgroup")) else {
        return Account::Process;
    };
    match cgroup_dir(&text, Path::new("/sys/fs/cgroup")) {
        Some(Account::V1(d) | Account::V2(d))
            if !std::fs::read_to_string(d.join("cgroup.procs"))
                .is_ok_and(|p| alone_in(&p, pid)) =>
        {
            Account::Process
        }
        Some(a) => a,
        None => Account::Process,
    }
}

/// The value after `key ` in a `key value` per line file.
fn keyed(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

/// Total, user and system time, ns.
fn totals(account: &Account, pid: i32) -> QemuResult<(u64, u64, u64)> {
    let unreadable = |what: &str| QemuError::Internal(format!("unable to get cpu account: {what}"));
    let read = |d: &Path, f: &str| {
        std::fs::read_to_string(d.join(f)).map_err(|e| unreadable(&format!("{f}: {e}")))
    };
    match account {
        Account::V1(d) => {
            let usage = read(d, "cpuacct.usage")?
                .trim()
                .parse()
                .map_err(|_| unreadable("cpuacct.usage"))?;
            let stat = read(d, "cpuacct.stat")?;
            let hz = rustix::param::clock_ticks_per_second().max(1);
            let ns = |k: &str| {
                keyed(&stat, k)
                    .map(|t| t.saturating_mul(1_000_000_000) / hz)
                    .ok_or_else(|| unreadable("cpuacct.stat"))
            };
            Ok((usage, ns("user")?, ns("system")?))
        }
        Account::V2(d) => {
            let stat = read(d, "cpu.stat")?;
            let us = |k: &str| {
                keyed(&stat, k)
                    .map(|v| v.saturating_mul(1000))
                    .ok_or_else(|| unreadable("cpu.stat"))
            };
            Ok((us("usage_usec")?, us("user_usec")?, us("system_usec")?))
        }
        Account::Process => {
            let (user, system) =
                stats::process_times(pid).ok_or_else(|| unreadable("/proc stat"))?;
            Ok((user + system, user, system))
        }
    }
}

fn ull(field: &str, v: u64) -> TypedParam {
    TypedParam {
        field: field.into(),
        value: TypedValue::ULLong(v),
    }
}

/// The domain's total: `cpu_time`, then `user_time` and `system_time`,
/// as many as asked.
fn total(account: &Account, pid: i32, nparams: u32) -> QemuResult<CpuStats> {
    if nparams == 0 {
        return Ok(CpuStats {
            params: Vec::new(),
            count: 3,
        });
    }
    let (time, user, system) = totals(account, pid)?;
    let params: Vec<TypedParam> = [
        ull(CPUTIME, time),
        ull(USERTIME, user),
        ull(SYSTEMTIME, system),
    ]
    .into_iter()
    .take(nparams as usize)
    .collect();
    let count = params.len() as i32;
    Ok(CpuStats { params, count })
}

/// Per host CPU: `cpu_time` from cgroup v1's `cpuacct.usage_percpu`.
fn per_cpu(
    account: &Account,
    nparams: u32,
    start: u32,
    ncpus: u32,
    host_cpus: u32,
) -> QemuResult<CpuStats> {
    let figures = u32::from(matches!(account, Account::V1(_)));
    if nparams == 0 && ncpus != 0 {
        return Ok(CpuStats {
            params: Vec::new(),
            count: figures as i32,
        });
    }
    if ncpus == 0 {
        return Ok(CpuStats {
            params: Vec::new(),
            count: host_cpus as i32,
        });
    }
    if start >= host_cpus {
        return Err(QemuError::InvalidArg(format!(
            "start_cpu {start} larger than maximum of {}",
            i64::from(host_cpus) - 1
        )));
    }
    let Account::V1(dir) = account else {
        return Ok(CpuStats::default());
    };
    let text = std::fs::read_to_string(dir.join("cpuacct.usage_percpu"))
        .map_err(|e| QemuError::Internal(format!("unable to get cpu account: {e}")))?;
    let usage: Vec<u64> = text
        .split_whitespace()
        .map(str::parse::<u64>)
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| QemuError::Internal("cpuacct parse error".into()))?;
    let end = host_cpus.min(start.saturating_add(ncpus));
    let params = (start..end)
        .map(|cpu| ull(CPUTIME, usage.get(cpu as usize).copied().unwrap_or(0)))
        .collect();
    Ok(CpuStats { params, count: 1 })
}

impl QemuDriver {
    /// `virDomainGetCPUStats` (see the module's comment for the sources).
    pub(super) fn cpu_stats(
        &self,
        dom: &DomainRef,
        nparams: u32,
        start_cpu: i32,
        ncpus: u32,
        flags: u32,
    ) -> QemuResult<CpuStats> {
        check_flags(
            flags,
            typed_param_flags::STRING_OKAY,
            "qemuDomainGetCPUStats",
        )?;
        let name = self.resolve(dom)?;
        let Some((rt, _)) = self.observe(&name)?.live else {
            return Err(QemuError::NotRunning);
        };
        let account = account_of(rt.pid);
        match u32::try_from(start_cpu) {
            Err(_) => total(&account, rt.pid, nparams),
            Ok(start) => per_cpu(&account, nparams, start, ncpus, virt_host::cpu_map().0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cgroup_of_a_process_is_found_under_its_mount() {
        let dir = std::env::temp_dir().join(format!("virt-qemu-cg-{}", std::process::id()));
        let v1 = dir.join("cpu,cpuacct/machine/g1");
        let v2 = dir.join("unified/svc");
        std::fs::create_dir_all(&v1).unwrap();
        std::fs::create_dir_all(&v2).unwrap();
        std::fs::write(v2.join("cpu.stat"), "usage_usec 5\n").unwrap();
        let text = "4:memory:/x\n3:cpu,cpuacct:/machine/g1\n0::/svc\n";
        assert_eq!(cgroup_dir(text, &dir), Some(Account::V1(v1)));
        // Only the unified hierarchy: v2.
        assert_eq!(cgroup_dir("0::/svc\n", &dir), Some(Account::V2(v2)));
        // The root cgroup is nobody's own.
        assert_eq!(cgroup_dir("2:cpuacct:/\n0::/\n", &dir), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_cgroup_is_the_process_own_only_when_alone_in_it() {
        assert!(alone_in("42\n", 42));
        assert!(!alone_in("42\n43\n", 42));
        assert!(!alone_in("", 42));
        assert!(!alone_in("4242\n", 42));
    }

    #[test]
    fn totals_of_this_process_from_proc() {
        let pid = std::process::id() as i32;
        let t = total(&Account::Process, pid, 16).unwrap();
        assert_eq!(t.count, 3);
        let fields: Vec<&str> = t.params.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, [CPUTIME, USERTIME, SYSTEMTIME]);
        let two = total(&Account::Process, pid, 2).unwrap();
        assert_eq!(two.count, 2);
        assert_eq!(total(&Account::Process, pid, 0).unwrap().count, 3);
    }

    #[test]
    fn without_a_cgroup_there_are_no_per_cpu_figures() {
        assert_eq!(per_cpu(&Account::Process, 0, 0, 1, 4).unwrap().count, 0);
        assert_eq!(per_cpu(&Account::Process, 0, 0, 0, 4).unwrap().count, 4);
        let e = per_cpu(&Account::Process, 1, 4, 1, 4).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument: start_cpu 4 larger than maximum of 3"
        );
    }

    #[test]
    fn per_cpu_figures_from_cpuacct() {
        let dir = std::env::temp_dir().join(format!("virt-qemu-acct-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("cpuacct.usage_percpu"), "10 20 30 40 \n").unwrap();
        let acct = Account::V1(dir.clone());
        assert_eq!(per_cpu(&acct, 0, 0, 1, 4).unwrap().count, 1);
        let s = per_cpu(&acct, 2, 2, 5, 4).unwrap();
        assert_eq!(s.count, 1);
        assert_eq!(s.params, [ull(CPUTIME, 30), ull(CPUTIME, 40)]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
