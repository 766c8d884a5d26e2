//! The daemons the benchmarks compare, started the same way for every
//! benchmark (test driver, QEMU, storage): virt-proxy, and libvirtd 9.0
//! started as ../shared/baselines/scripts/daemon_up.sh does, kept off the
//! host: a private mount namespace with tmpfs over /run and
//! /var/{lib,cache,log}, /etc/libvirt, /etc/passwd and /etc/group bound
//! from copies (qemu.conf: root, no cgroups, QEMU's output to a file so no
//! virtlogd), sockets in a temp dir, and only the driver modules a
//! benchmark names loaded (`LIBVIRT_DRIVER_DIR`): with none it serves only
//! the test driver, which is built into libvirt.so.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::wait_for_socket;
use crate::SYSTEM_PYTHON;

/// A subreaper for libvirtd's QEMU processes: runs the command, then reaps
/// every orphan that comes to it at once, until none is left.
const PY_SUBREAPER: &str = r#"
import ctypes, os, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
subprocess.call(sys.argv[1:])
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
"#;

/// A daemon under test: its socket, how to stop it.
pub(crate) struct Daemon {
    /// The daemon's name in the benchmark's table.
    pub(crate) label: &'static str,
    /// Its temp dir: sockets, logs, state.
    pub(crate) dir: PathBuf,
    /// The URI a client opens to reach it.
    pub(crate) uri: String,
    pid: u32,
    /// virt-proxy itself, or libvirtd's subreaper; none when libvirtd
    /// daemonized to PID 1.
    child: Option<std::process::Child>,
}

impl Daemon {
    /// Its read-write socket.
    pub(crate) fn socket(&self) -> PathBuf {
        self.dir.join("libvirt-sock")
    }

    /// Its resident memory now, KiB.
    pub(crate) fn rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    /// SIGTERM, then wait (10 s at most) for it, or its subreaper, to be
    /// gone; its temp dir goes too.
    pub(crate) fn stop(mut self) {
        // SAFETY: kill(2) on the pid of a daemon this benchmark started.
        unsafe {
            libc::kill(self.pid as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        if let Some(mut c) = self.child.take() {
            // virt-proxy, or libvirtd's subreaper (gone with its orphans).
            while matches!(c.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        } else {
            while Path::new(&format!("/proc/{}", self.pid)).exists() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fresh temp dir for one benchmark's daemon or files.
pub(crate) fn temp_dir(tag: &str) -> Option<PathBuf> {
    let d = PathBuf::from(format!("/tmp/xq-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).ok()?;
    Some(d)
}

/// virt-proxy (`bin`) listening in a temp dir, its QEMU state under it;
/// `uri` is the URI a client opens, without its `?socket=`.
pub(crate) fn start_virt_proxy(bin: &str, uri: &str) -> Option<Daemon> {
    let dir = temp_dir("virt-proxy")?;
    let child = Command::new(bin)
        .arg("--listen")
        .arg(&dir)
        .env("VIRT_QEMU_ROOT", dir.join("qemu"))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let d = Daemon {
        label: "virt-proxy",
        uri: format!("{uri}?socket={}", dir.join("libvirt-sock").display()),
        pid: child.id(),
        dir,
        child: Some(child),
    };
    if wait_for_socket(&d.dir.join("libvirt-sock"), 20) {
        Some(d)
    } else {
        d.stop();
        None
    }
}

/// libvirtd with only the driver modules `modules` (file names in
/// libvirt's connection-driver directory) loaded; under a subreaper that
/// reaps its orphans at once when `subreaper`, else left to PID 1; `uri`
/// as for [`start_virt_proxy`].
pub(crate) fn start_libvirtd(
    modules: &[&str],
    subreaper: bool,
    uri: &str,
) -> Result<Daemon, String> {
    for need in ["/usr/sbin/libvirtd", "/usr/bin/unshare"] {
        if !Path::new(need).exists() {
            return Err(format!("{need} not installed"));
        }
    }
    let driver_dir = "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver";
    for m in modules {
        if !Path::new(driver_dir).join(m).exists() {
            return Err(format!("{driver_dir}/{m} not installed (libvirt-daemon)"));
        }
    }
    let dir = temp_dir("libvirtd").ok_or("temp dir")?;
    let d = dir.display();
    let etc = dir.join("etc-libvirt");
    let drivers = dir.join("drivers");
    for p in [&etc, &drivers] {
        std::fs::create_dir_all(p).map_err(|e| e.to_string())?;
    }
    for m in modules {
        std::os::unix::fs::symlink(Path::new(driver_dir).join(m), drivers.join(m))
            .map_err(|e| e.to_string())?;
    }
    let w = |p: PathBuf, text: String| std::fs::write(p, text).map_err(|e| e.to_string());
    w(
        etc.join("qemu.conf"),
        "user = \"root\"\ngroup = \"root\"\nstdio_handler = \"file\"\n\
cgroup_controllers = [ ]\nnamespaces = [ ]\n"
            .into(),
    )?;
    w(
        dir.join("libvirtd.conf"),
        format!(
            "unix_sock_dir = \"{d}\"\nunix_sock_rw_perms = \"0700\"\nunix_sock_ro_perms = \"0777\"\n\
auth_unix_ro = \"none\"\nauth_unix_rw = \"none\"\nlog_outputs = \"3:file:{d}/libvirtd.log\"\n"
        ),
    )?;
    let mut passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    if !passwd.contains("\nlibvirt-qemu:") {
        passwd.push_str(
            "libvirt-qemu:x:64055:64055:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin\n",
        );
    }
    let mut group = std::fs::read_to_string("/etc/group").unwrap_or_default();
    if !group.contains("\nlibvirt-qemu:") {
        group.push_str("libvirt-qemu:x:64055:\n");
    }
    w(dir.join("passwd"), passwd)?;
    w(dir.join("group"), group)?;
    let script = format!(
        "set -e; for m in /run /var/lib /var/cache /var/log; do mount -t tmpfs tmpfs $m; done; \
mount --bind {d}/etc-libvirt /etc/libvirt; mount --bind {d}/passwd /etc/passwd; \
mount --bind {d}/group /etc/group; \
exec /usr/sbin/libvirtd -d -f {d}/libvirtd.conf -p {d}/libvirtd.pid"
    );
    let unshare = [
        "unshare",
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        &script,
    ];
    let mut cmd = if subreaper {
        let mut c = Command::new(SYSTEM_PYTHON);
        c.arg("-c").arg(PY_SUBREAPER).args(unshare);
        c
    } else {
        let mut c = Command::new(unshare[0]);
        c.args(&unshare[1..]);
        c
    };
    let mut launcher = cmd
        .env("LIBVIRT_DRIVER_DIR", &drivers)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    // The subreaper stays (and is waited for at the stop); the plain
    // launcher returns once libvirtd has daemonized.
    let (ok, child) = if subreaper {
        (true, Some(launcher))
    } else {
        (launcher.wait().is_ok_and(|s| s.success()), None)
    };
    // The first connection probes QEMU's capabilities (seconds).
    if !ok || !wait_for_socket(&dir.join("libvirt-sock"), 30) {
        let log = std::fs::read_to_string(dir.join("libvirtd.log")).unwrap_or_default();
        let _ = std::fs::remove_dir_all(&dir);
        return Err(format!(
            "libvirtd did not start: {}",
            log.lines().last().unwrap_or("")
        ));
    }
    let pid = std::fs::read_to_string(dir.join("libvirtd.pid"))
        .ok()
        .and_then(|p| p.trim().parse().ok())
        .ok_or("no libvirtd pid")?;
    Ok(Daemon {
        label: if subreaper {
            "libvirtd 9.0, subreaper"
        } else {
            "libvirtd 9.0, PID 1 reaps"
        },
        uri: format!("{uri}?socket={}", dir.join("libvirt-sock").display()),
        pid,
        dir,
        child,
    })
}
