//! QEMU processes: spawn with the monitor socket passed down, reap, watch
//! for exit through a pidfd (no polling), signal, and read CPU times from
//! /proc.
//!
//! A process is identified by its pid *and* its start time (field 22 of
//! /proc/PID/stat), so that a recycled pid is never mistaken for a guest.

use crate::argv::CommandLine;
use crate::error::{QemuError, QemuResult};
use rustix::event::{PollFd, PollFlags};
use rustix::process::{Pid, PidfdFlags, Signal};
use rustix::thread::CpuSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The fd number QEMU finds its monitor listening socket at.
pub const MONITOR_FD: RawFd = 3;

/// What to pass down to a new QEMU besides its command line.
pub struct SpawnOptions<'a> {
    /// The listening monitor socket, inherited as [`MONITOR_FD`].
    pub monitor: Option<BorrowedFd<'a>>,
    /// The log file QEMU's stdout and stderr go to.
    pub log: &'a File,
    /// CPUs the whole process may run on (`<vcpu cpuset=...>`), if limited.
    pub cpuset: Option<Vec<u32>>,
    /// More descriptors QEMU inherits, each at the number given (the taps
    /// of guest interfaces).
    pub fds: Vec<(BorrowedFd<'a>, RawFd)>,
}

impl<'a> SpawnOptions<'a> {
    /// Only a monitor and a log: no CPU limit, no other descriptors (a
    /// QEMU started by hand, outside a guest's launch).
    pub fn monitor_only(monitor: BorrowedFd<'a>, log: &'a File) -> Self {
        SpawnOptions {
            monitor: Some(monitor),
            log,
            cpuset: None,
            fds: Vec::new(),
        }
    }
}

/// A started QEMU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Started {
    /// Its pid.
    pub pid: i32,
    /// Its start time in clock ticks since boot.
    pub start_time: u64,
}

/// Duplicate `fd` to a number of at least 10 (close-on-exec), so that the
/// child's dup2 onto 3 never finds its source already there.
fn dup_high(fd: BorrowedFd<'_>) -> QemuResult<OwnedFd> {
    rustix::io::fcntl_dupfd_cloexec(fd, 10)
        .map_err(|e| QemuError::system("cannot duplicate monitor socket", e.into()))
}

/// Start QEMU. The child gets its own session (a terminal's Ctrl-C must not
/// kill guests), stdin from /dev/null, and stdout/stderr into the log. A
/// thread of this process reaps it when it exits, so no zombie is left.
pub fn spawn(cmd: &CommandLine, opts: SpawnOptions<'_>) -> QemuResult<Started> {
    let log_out = opts
        .log
        .try_clone()
        .map_err(|e| QemuError::system("cannot duplicate log file", e))?;
    let log_err = opts
        .log
        .try_clone()
        .map_err(|e| QemuError::system("cannot duplicate log file", e))?;
    let monitor = opts.monitor.map(dup_high).transpose()?;
    let monitor_raw = monitor.as_ref().map(AsRawFd::as_raw_fd);
    let extra: Vec<(OwnedFd, RawFd)> = opts
        .fds
        .iter()
        .map(|(fd, at)| dup_high(*fd).map(|d| (d, *at)))
        .collect::<QemuResult<_>>()?;
    let extra_raw: Vec<(RawFd, RawFd)> = extra.iter().map(|(d, at)| (d.as_raw_fd(), *at)).collect();
    let mask: Option<CpuSet> = opts.cpuset.as_deref().map(cpu_set_of);
    let mut command = Command::new(&cmd.program);
    command
        .args(&cmd.args)
        .env("LC_ALL", "C")
        .envs(cmd.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::from(log_out))
        .stderr(Stdio::from(log_err));
    // SAFETY: the closure runs in the child between fork and exec and only
    // makes async-signal-safe system calls (dup2, setsid,
    // sched_setaffinity) on values prepared before the fork; it allocates
    // nothing.
    unsafe {
        command.pre_exec(move || {
            if let Some(fd) = monitor_raw {
                // dup2 onto a number no OwnedFd owns: the raw call.
                if libc::dup2(fd, MONITOR_FD) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            for &(fd, at) in &extra_raw {
                if libc::dup2(fd, at) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            rustix::process::setsid()?;
            if let Some(set) = &mask {
                rustix::thread::sched_setaffinity(None, set)?;
            }
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .map_err(|e| QemuError::system(format!("cannot execute QEMU binary {}", cmd.program), e))?;
    drop(monitor);
    drop(extra);
    let pid = child.id() as i32;
    let start_time = start_time(pid).unwrap_or(0);
    // Reap on a thread: blocking wait on the child itself, no polling.
    let reaper = std::thread::Builder::new()
        .name(format!("qemu-reaper-{pid}"))
        .spawn(move || {
            let status = child.wait();
            log::debug!("QEMU {pid} exited: {status:?}");
        });
    if let Err(e) = reaper {
        return Err(QemuError::system("cannot start QEMU reaper thread", e));
    }
    Ok(Started { pid, start_time })
}

/// The scheduler's CPU set holding `cpus` (those beyond
/// [`CpuSet::MAX_CPU`] are dropped).
pub fn cpu_set_of(cpus: &[u32]) -> CpuSet {
    let mut set = CpuSet::new();
    for &c in cpus.iter().filter(|&&c| (c as usize) < CpuSet::MAX_CPU) {
        set.set(c as usize);
    }
    set
}

/// Field 22 of /proc/PID/stat: when the process started, in ticks.
pub fn start_time(pid: i32) -> Option<u64> {
    stat_fields(&format!("/proc/{pid}/stat"))?
        .get(19)
        .and_then(|s| s.parse().ok())
}

/// The fields of a /proc stat file after the `(comm)` field: index 0 is
/// field 3 (state).
fn stat_fields(path: &str) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let after = &text[text.rfind(')')? + 1..];
    Some(after.split_whitespace().map(str::to_string).collect())
}

fn clock_ticks() -> u64 {
    let t = rustix::param::clock_ticks_per_second();
    if t > 0 {
        t
    } else {
        100
    }
}

/// CPU time (user + system, ns) and last CPU of a process or one of its
/// threads.
pub fn cpu_usage(pid: i32, tid: Option<i32>) -> Option<(u64, i32)> {
    let path = match tid {
        Some(t) => format!("/proc/{pid}/task/{t}/stat"),
        None => format!("/proc/{pid}/stat"),
    };
    let f = stat_fields(&path)?;
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    let cpu = f.get(36).and_then(|c| c.parse().ok()).unwrap_or(-1);
    Some((ticks.saturating_mul(1_000_000_000) / clock_ticks(), cpu))
}

/// Resident memory of a process, KiB.
pub fn rss_kib(pid: i32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// A live process, held through a pidfd: signals reach this process and
/// no other, and its exit can be waited for without polling.
pub struct Process {
    pidfd: OwnedFd,
    pid: i32,
}

impl Process {
    /// Attach to `pid` if it is still the process that started at
    /// `start_time` and has not exited; `None` otherwise.
    pub fn attach(pid: i32, start_time: u64) -> Option<Process> {
        if pid <= 0 {
            return None;
        }
        let pidfd = rustix::process::pidfd_open(Pid::from_raw(pid)?, PidfdFlags::empty()).ok()?;
        // Checked after opening the pidfd: from here on the pid cannot be
        // recycled under us.
        if start_time != 0 && self::start_time(pid) != Some(start_time) {
            return None;
        }
        let p = Process { pidfd, pid };
        if p.wait_exit(Some(Duration::ZERO)) {
            return None;
        }
        Some(p)
    }

    /// The pid.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Send `signal`.
    pub fn signal(&self, signal: i32) -> std::io::Result<()> {
        let signal = Signal::from_named_raw(signal)
            .ok_or_else(|| std::io::Error::from_raw_os_error(libc::EINVAL))?;
        match rustix::process::pidfd_send_signal(&self.pidfd, signal) {
            // Already gone counts as delivered.
            Ok(()) | Err(rustix::io::Errno::SRCH) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Block until the process exits (true) or `timeout` passes (false).
    /// The pidfd becomes readable at exit, zombie or not.
    pub fn wait_exit(&self, timeout: Option<Duration>) -> bool {
        let timeout = timeout.and_then(|t| rustix::time::Timespec::try_from(t).ok());
        let mut fds = [PollFd::new(&self.pidfd, PollFlags::IN)];
        loop {
            match rustix::event::poll(&mut fds, timeout.as_ref()) {
                Err(rustix::io::Errno::INTR) => continue,
                r => return r.is_ok_and(|n| n > 0),
            }
        }
    }
}

impl std::os::fd::AsFd for Process {
    /// The pidfd: readable once the process has exited.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.pidfd.as_fd()
    }
}

/// The last `lines` lines of a log file from byte `from` on, for error
/// messages.
pub fn log_tail(path: &Path, from: u64, lines: usize) -> String {
    let Ok(mut f) = File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let start = from.max(len.saturating_sub(8192));
    if f.seek(SeekFrom::Start(start)).is_err() {
        return String::new();
    }
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_is_attached_and_measured() {
        let pid = std::process::id() as i32;
        let st = start_time(pid).expect("own start time");
        assert!(Process::attach(pid, st).is_some());
        assert!(Process::attach(pid, st + 1).is_none(), "other start time");
        let (ns, cpu) = cpu_usage(pid, None).expect("own cpu time");
        let _ = ns;
        assert!(cpu >= 0);
        assert!(rss_kib(pid).unwrap_or(0) > 0);
    }

    #[test]
    fn exit_is_seen_without_polling() {
        let (s, log) = spawn_logged(
            "spawn-log",
            &["/bin/sh", "-c", "echo bye >&2; sleep 0.2"],
            None,
        );
        let p = Process::attach(s.pid, s.start_time).expect("attach");
        assert!(!p.wait_exit(Some(Duration::ZERO)));
        assert!(p.wait_exit(Some(Duration::from_secs(10))));
        assert!(Process::attach(s.pid, s.start_time).is_none());
        assert_eq!(log_tail(&log.0, 0, 3), "bye");
        let _ = std::fs::remove_file(&log.0);
    }

    #[test]
    fn kill_is_delivered() {
        let (s, log) = spawn_logged("kill-log", &["/bin/sleep", "30"], Some(vec![0]));
        let p = Process::attach(s.pid, s.start_time).expect("attach");
        p.signal(libc::SIGKILL).expect("kill");
        assert!(p.wait_exit(Some(Duration::from_secs(10))));
        let _ = std::fs::remove_file(&log.0);
    }

    /// `argv` spawned as QEMU is (no monitor), its output into a log file
    /// named after `tag` in the temp directory: what started, and the log.
    fn spawn_logged(
        tag: &str,
        argv: &[&str],
        cpuset: Option<Vec<u32>>,
    ) -> (Started, (std::path::PathBuf, File)) {
        let p = std::env::temp_dir().join(format!("virt-qemu-{tag}-{}", std::process::id()));
        let f = File::create(&p).expect("create log");
        let cmd = CommandLine {
            program: argv[0].into(),
            args: argv[1..].iter().map(|a| a.to_string()).collect(),
            env: vec![],
        };
        let options = SpawnOptions {
            monitor: None,
            log: &f,
            cpuset,
            fds: Vec::new(),
        };
        let s = spawn(&cmd, options).expect("spawn");
        (s, (p, f))
    }
}
