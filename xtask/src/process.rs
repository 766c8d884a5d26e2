//! Timing a whole process, start to exit, and reading its peak RSS;
//! waiting for a daemon's socket to answer.

use std::process::{Command, Stdio};
use std::time::Instant;

/// What repeated runs of one command measured.
pub struct ProcessFigures {
    /// Median wall time from spawn to reaped exit, ms.
    pub median_ms: f64,
    /// Median peak resident set size, KiB.
    pub max_rss_kb: i64,
}

/// Run `prog args` `runs` times (after 3 warm-up runs) with output discarded.
pub fn measure(prog: &str, args: &[&str], runs: usize) -> ProcessFigures {
    let mut times = Vec::with_capacity(runs);
    let mut rss = Vec::with_capacity(runs);
    for i in 0..runs + 3 {
        let start = Instant::now();
        let Some(maxrss) = run_once(prog, args) else {
            continue;
        };
        let ms = start.elapsed().as_secs_f64() * 1e3;
        if i >= 3 {
            times.push(ms);
            rss.push(maxrss);
        }
    }
    times.sort_by(f64::total_cmp);
    rss.sort_unstable();
    ProcessFigures {
        median_ms: times.get(times.len() / 2).copied().unwrap_or(f64::NAN),
        max_rss_kb: rss.get(rss.len() / 2).copied().unwrap_or(0),
    }
}

/// Spawn, wait with `wait4` to get the child's own rusage; its peak RSS in KiB.
fn run_once(prog: &str, args: &[&str]) -> Option<i64> {
    let child = Command::new(prog)
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain old data, so all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own unreaped child; `status` and `usage` are valid
    // for writes for the duration of the call. std's Child is not waited on
    // afterwards, so the pid is reaped exactly once.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    drop(child);
    (r == pid).then_some(usage.ru_maxrss)
}

/// Wait up to `secs` for a daemon to answer on the unix socket `p`;
/// whether it did.
pub fn wait_for_socket(p: &std::path::Path, secs: u64) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::os::unix::net::UnixStream::connect(p).is_err() {
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    true
}
