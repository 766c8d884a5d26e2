//! QEMU processes: spawn with the monitor socket passed down, reap, watch
//! for exit through a pidfd (no polling), signal, and read CPU times from
//! /proc.
//!
//! A process is identified by its pid *and* its start time (field 22 of
//! /proc/PID/stat), so that a recycled pid is never mistaken for a guest.

use crate::argv::CommandLine;
use crate::error::{QemuError, QemuResult};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The fd number QEMU finds its monitor listening socket at.
pub const MONITOR_FD: RawFd = 3;

/// What to pass down to a new QEMU besides its command line.
pub struct SpawnOptions<'a> {
    /// The listening monitor socket, inherited as [`MONITOR_FD`].
    pub monitor: Option<RawFd>,
    /// The log file QEMU's stdout and stderr go to.
    pub log: &'a File,
    /// CPUs the whole process may run on (`<vcpu cpuset=...>`), if limited.
    pub cpuset: Option<Vec<u32>>,
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
fn dup_high(fd: RawFd) -> QemuResult<OwnedFd> {
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) only reads the fd table; `fd` is
    // borrowed from a live owner for the duration of the call.
    let r = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10) };
    if r < 0 {
        return Err(QemuError::system(
            "cannot duplicate monitor socket",
            std::io::Error::last_os_error(),
        ));
    }
    // SAFETY: `r` is a fresh descriptor this call owns.
    Ok(unsafe { OwnedFd::from_raw_fd(r) })
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
    let mask: Option<libc::cpu_set_t> = opts.cpuset.as_deref().map(cpu_set_of);
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
                if libc::dup2(fd, MONITOR_FD) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            if let Some(set) = &mask {
                if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), set) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .map_err(|e| QemuError::system(format!("cannot execute QEMU binary {}", cmd.program), e))?;
    drop(monitor);
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

/// A `cpu_set_t` holding `cpus` (those beyond CPU_SETSIZE are dropped).
pub fn cpu_set_of(cpus: &[u32]) -> libc::cpu_set_t {
    // SAFETY: cpu_set_t is plain old data; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &c in cpus {
        if (c as usize) < libc::CPU_SETSIZE as usize {
            // SAFETY: the index is below CPU_SETSIZE, inside the set.
            unsafe { libc::CPU_SET(c as usize, &mut set) };
        }
    }
    set
}

/// True when `cpu` is in `set`.
pub fn cpu_set_has(set: &libc::cpu_set_t, cpu: u32) -> bool {
    // SAFETY: the index is checked against CPU_SETSIZE first.
    (cpu as usize) < libc::CPU_SETSIZE as usize && unsafe { libc::CPU_ISSET(cpu as usize, set) }
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
    // SAFETY: sysconf has no memory-safety preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as u64
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
        // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        if fd < 0 {
            return None;
        }
        // SAFETY: `fd` is a fresh descriptor this call owns.
        let pidfd = unsafe { OwnedFd::from_raw_fd(fd as RawFd) };
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
        // SAFETY: pidfd_send_signal with a valid pidfd, a signal number, no
        // siginfo and no flags.
        let r = unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.pidfd.as_raw_fd(),
                signal,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
        if r < 0 {
            let e = std::io::Error::last_os_error();
            // Already gone counts as delivered.
            if e.raw_os_error() == Some(libc::ESRCH) {
                return Ok(());
            }
            return Err(e);
        }
        Ok(())
    }

    /// Block until the process exits (true) or `timeout` passes (false).
    /// The pidfd becomes readable at exit, zombie or not.
    pub fn wait_exit(&self, timeout: Option<Duration>) -> bool {
        let ms: i32 = match timeout {
            None => -1,
            Some(t) => t.as_millis().min(i32::MAX as u128) as i32,
        };
        let mut pfd = libc::pollfd {
            fd: self.pidfd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        loop {
            // SAFETY: one valid pollfd, count 1.
            let r = unsafe { libc::poll(&mut pfd, 1, ms) };
            if r < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return r > 0;
        }
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
        let log = tempfile_in_tmp("spawn-log");
        let cmd = CommandLine {
            program: "/bin/sh".into(),
            args: vec!["-c".into(), "echo bye >&2; sleep 0.2".into()],
            env: vec![],
        };
        let s = spawn(
            &cmd,
            SpawnOptions {
                monitor: None,
                log: &log.1,
                cpuset: None,
            },
        )
        .expect("spawn sh");
        let p = Process::attach(s.pid, s.start_time).expect("attach");
        assert!(!p.wait_exit(Some(Duration::ZERO)));
        assert!(p.wait_exit(Some(Duration::from_secs(10))));
        assert!(Process::attach(s.pid, s.start_time).is_none());
        assert_eq!(log_tail(&log.0, 0, 3), "bye");
        let _ = std::fs::remove_file(&log.0);
    }

    #[test]
    fn kill_is_delivered() {
        let log = tempfile_in_tmp("kill-log");
        let cmd = CommandLine {
            program: "/bin/sleep".into(),
            args: vec!["30".into()],
            env: vec![],
        };
        let s = spawn(
            &cmd,
            SpawnOptions {
                monitor: None,
                log: &log.1,
                cpuset: Some(vec![0]),
            },
        )
        .expect("spawn sleep");
        let p = Process::attach(s.pid, s.start_time).expect("attach");
        p.signal(libc::SIGKILL).expect("kill");
        assert!(p.wait_exit(Some(Duration::from_secs(10))));
        let _ = std::fs::remove_file(&log.0);
    }

    fn tempfile_in_tmp(tag: &str) -> (std::path::PathBuf, File) {
        let p = std::env::temp_dir().join(format!("virt-qemu-{tag}-{}", std::process::id()));
        let f = File::create(&p).expect("create log");
        (p, f)
    }
}
