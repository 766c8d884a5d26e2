//! The daemon half of `cargo xtask qemu-bench`: Debian's virsh drives
//! virt-proxy and libvirtd 9.0 over their unix sockets, one after the
//! other in the same run, on the same OS-less guest:
//!
//! - create -> running: `virsh create tiny.xml`, process start to exit;
//! - destroy -> gone: `virsh destroy tiny`, the same;
//! - kill -9 of QEMU -> the STOPPED event at a python3-libvirt client
//!   subscribed through the socket (`virEventRegisterDefaultImpl`), when
//!   the daemon sends events.
//!
//! libvirtd is started as ../shared/baselines/scripts/daemon_up.sh does,
//! kept off the host: a private mount namespace with tmpfs over /run and
//! /var/{lib,cache,log}, /etc/libvirt, /etc/passwd and /etc/group bound
//! from copies (qemu.conf: root, no cgroups, QEMU's output to a file so no
//! virtlogd), sockets in a temp dir, only the QEMU driver module loaded. It
//! runs twice, as in BASELINES.md: left to PID 1 (which reaps orphans here
//! only every 1.3-1.9 s, and libvirtd waits for QEMU's reap), and under a
//! subreaper that reaps at once (as systemd would). virt-proxy reaps its
//! own QEMU children and learns of their exit from a pidfd, so it needs
//! neither.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::SYSTEM_PYTHON;

const VIRSH: &str = "/usr/bin/virsh";
const QEMU: &str = "/usr/bin/qemu-system-x86_64";

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

/// The python3-libvirt client timing kill -9 of QEMU -> STOPPED event:
/// prints the milliseconds, or "none" when no event came within 10 s.
const PY_STOPPED: &str = r#"
import os, signal, sys, threading, time, libvirt
uri, xml, runs, name = sys.argv[1], open(sys.argv[2]).read(), int(sys.argv[3]), sys.argv[4]
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(uri)
got = threading.Event()
stamp = [0.0]
def cb(conn, dom, event, detail, opaque):
    if event == libvirt.VIR_DOMAIN_EVENT_STOPPED and dom.name() == name:
        stamp[0] = time.perf_counter()
        got.set()
c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, None)
def loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=loop, daemon=True).start()
def qemu_pid(name):
    # The guest's QEMU, by its -name (libvirtd keeps its pid file in a
    # mount namespace of its own).
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            a = open("/proc/%s/cmdline" % p, "rb").read().split(b"\0")
        except OSError:
            continue
        if b"-name" in a[:-1]:
            v = a[a.index(b"-name") + 1].decode(errors="replace")
            if v == name or v.startswith("guest=%s," % name) or v == "guest=" + name:
                return int(p)
    raise SystemExit("no QEMU for " + name)
ts = []
for _ in range(runs):
    d = c.createXML(xml, 0)
    pid = qemu_pid(d.name())
    got.clear()
    t0 = time.perf_counter()
    os.kill(pid, signal.SIGKILL)
    if not got.wait(10):
        print("none"); sys.exit(0)
    ts.append((stamp[0] - t0) * 1e3)
    time.sleep(0.2)
ts.sort()
print(ts[len(ts) // 2])
"#;

/// The python3-libvirt client timing a guest's own power-off: the Linux
/// test guest powers off when it sees the ACPI power button (`poweroff
/// -f`); from the SHUTDOWN (guest) event to the STOPPED event, the time the
/// daemon takes to see QEMU stop and report the domain shut off. Prints
/// the milliseconds, or "none".
const PY_POWEROFF: &str = r#"
import sys, threading, time, libvirt
uri, xml, console, runs = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3], int(sys.argv[4])
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(uri)
seen = {}
done = threading.Event()
def cb(conn, dom, event, detail, opaque):
    now = time.perf_counter()
    if event == libvirt.VIR_DOMAIN_EVENT_SHUTDOWN:
        seen.setdefault("shutdown", now)
    if event == libvirt.VIR_DOMAIN_EVENT_STOPPED:
        seen["stopped"] = now
        done.set()
c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, None)
def loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=loop, daemon=True).start()
ts = []
for _ in range(runs):
    open(console, "w").close()
    d = c.createXML(xml, 0)
    t = time.time()
    while "waiting for the power button" not in open(console).read():
        if time.time() - t > 180:
            print("none"); sys.exit(0)
        time.sleep(0.1)
    seen.clear(); done.clear()
    for _ in range(6):
        try:
            d.shutdown()
        except libvirt.libvirtError:
            pass
        if done.wait(10):
            break
    if "shutdown" not in seen or "stopped" not in seen:
        print("none"); sys.exit(0)
    ts.append((seen["stopped"] - seen["shutdown"]) * 1e3)
ts.sort()
print(ts[len(ts) // 2])
"#;

pub(crate) fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// A daemon under test: its socket, how to stop it.
pub(crate) struct Daemon {
    pub(crate) label: &'static str,
    pub(crate) dir: PathBuf,
    pub(crate) uri: String,
    pid: u32,
    child: Option<std::process::Child>,
}

impl Daemon {
    pub(crate) fn stop(mut self) {
        // SAFETY: kill(2) on the pid of a daemon this benchmark started.
        unsafe {
            libc::kill(self.pid as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Path::new(&format!("/proc/{}", self.pid)).exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Some(mut c) = self.child.take() {
            // virt-proxy, or libvirtd's subreaper (gone with its orphans).
            while matches!(c.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) fn temp_dir(tag: &str) -> Option<PathBuf> {
    let d = PathBuf::from(format!("/tmp/xq-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).ok()?;
    Some(d)
}

use crate::process::wait_for_socket;

pub(crate) fn start_virt_proxy(bin: &str) -> Option<Daemon> {
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
        uri: format!(
            "qemu+unix:///session?socket={}",
            dir.join("libvirt-sock").display()
        ),
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
/// reaps its orphans at once when `subreaper`, else left to PID 1.
pub(crate) fn start_libvirtd(modules: &[&str], subreaper: bool) -> Result<Daemon, String> {
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
        uri: format!(
            "qemu+unix:///system?socket={}",
            dir.join("libvirt-sock").display()
        ),
        pid,
        dir,
        child,
    })
}

/// `virsh -c URI ARGS`, timed from process start to exit.
pub(crate) fn virsh(uri: &str, args: &[&str]) -> Result<f64, String> {
    let t0 = Instant::now();
    let out = Command::new(VIRSH)
        .args(["-q", "-c", uri])
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .map_err(|e| e.to_string())?;
    let t = t0.elapsed().as_secs_f64() * 1000.0;
    if !out.status.success() {
        return Err(format!(
            "virsh {args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(t)
}

/// The figures of one daemon.
struct Figures {
    /// `virsh domstate` of the running guest: what any one-call virsh
    /// costs on this socket, the part of each figure that is virsh's.
    virsh_floor: Option<f64>,
    create: Option<f64>,
    destroy: Option<f64>,
    stopped_event: Option<f64>,
    poweroff: Option<f64>,
    note: String,
}

/// The Linux test guest of `cargo xtask guest` as `name`, its serial
/// console in `console`, if it was built.
fn linux_xml(name: &str, console: &Path) -> Option<String> {
    let dir = crate::guest::guest_dir();
    let (k, i) = (dir.join("vmlinuz"), dir.join("initrd.img"));
    (k.exists() && i.exists()).then(|| {
        format!(
            "<domain type='qemu'><name>{name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>\
             <on_poweroff>destroy</on_poweroff>\
             <os><type arch='x86_64' machine='q35'>hvm</type><kernel>{}</kernel><initrd>{}</initrd>\
             <cmdline>console=ttyS0 quiet</cmdline></os><features><acpi/></features>\
             <devices><emulator>{QEMU}</emulator>\
             <serial type='file'><source path='{}'/><target port='0'/></serial>\
             <memballoon model='none'/></devices></domain>",
            k.display(),
            i.display(),
            console.display()
        )
    })
}

fn measure(d: &Daemon, xml: &Path, name: &str, runs: usize) -> Figures {
    let (mut create, mut destroy, mut floor) = (Vec::new(), Vec::new(), Vec::new());
    let x = xml.to_string_lossy();
    // Warm up: the first connection of a fresh libvirtd probes QEMU.
    let _ = virsh(&d.uri, &["list"]);
    let mut note = String::new();
    for _ in 0..runs {
        // `domstate` between them is virsh's own floor on this socket:
        // its start, connection, one call and exit.
        match virsh(&d.uri, &["create", &x]).and_then(|c| {
            create.push(c);
            floor.push(virsh(&d.uri, &["domstate", name])?);
            virsh(&d.uri, &["destroy", name])
        }) {
            Ok(t) => destroy.push(t),
            Err(e) => {
                note = e;
                break;
            }
        }
    }
    let stopped_event = Command::new(SYSTEM_PYTHON)
        .arg("-c")
        .arg(PY_STOPPED)
        .args([d.uri.as_str(), x.as_ref(), &runs.min(5).to_string(), name])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok());
    let console = d.dir.join("console.log");
    let linux = d.dir.join("linux.xml");
    let poweroff = linux_xml(&format!("{name}-linux"), &console)
        .filter(|text| std::fs::write(&linux, text).is_ok())
        .and_then(|_| {
            Command::new(SYSTEM_PYTHON)
                .arg("-c")
                .arg(PY_POWEROFF)
                .arg(&d.uri)
                .arg(&linux)
                .arg(&console)
                .arg(runs.min(3).to_string())
                .stderr(Stdio::null())
                .output()
                .ok()
        })
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok());
    Figures {
        virsh_floor: median(floor),
        create: median(create),
        destroy: median(destroy),
        stopped_event,
        poweroff,
        note,
    }
}

fn cell(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.1} ms"))
}

/// Run the daemon half; prints its table. `dtype` is the guest's domain
/// type (kvm or qemu), `proxy` the release virt-proxy.
pub fn run(proxy: &str, dtype: &str, runs: usize) {
    if !Path::new(VIRSH).exists() || !Path::new(QEMU).exists() {
        println!("daemon half skipped: {VIRSH} or {QEMU} missing");
        return;
    }
    let Some(dir) = temp_dir("xml") else {
        return;
    };
    let xml = dir.join("tiny.xml");
    // A name no other QEMU on this shared machine has.
    let name = format!("xbench-{}", std::process::id());
    let text = format!(
        "<domain type='{dtype}'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/></features>\
         <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>\
         <devices><emulator>{QEMU}</emulator><memballoon model='none'/></devices></domain>"
    );
    if std::fs::write(&xml, text).is_err() {
        return;
    }
    let mut rows: Vec<(&str, Figures)> = Vec::new();
    match start_virt_proxy(proxy) {
        Some(d) => {
            rows.push((d.label, measure(&d, &xml, &name, runs)));
            d.stop();
        }
        None => println!("virt-proxy did not start"),
    }
    for subreaper in [false, true] {
        match start_libvirtd(&["libvirt_driver_qemu.so"], subreaper) {
            Ok(d) => {
                rows.push((d.label, measure(&d, &xml, &name, runs)));
                d.stop();
            }
            Err(e) => println!("libvirtd side skipped: {e}"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("Through the daemon, Debian's virsh over the socket ({runs} runs, medians):");
    println!(
        "  {:<26} {:>16} {:>16} {:>16} {:>26} {:>30}",
        "daemon",
        "virsh domstate",
        "create->running",
        "destroy->gone",
        "kill -9 -> STOPPED event",
        "guest power-off -> STOPPED"
    );
    for (label, f) in &rows {
        println!(
            "  {:<26} {:>16} {:>16} {:>16} {:>26} {:>30}{}",
            label,
            cell(f.virsh_floor),
            cell(f.create),
            cell(f.destroy),
            cell(f.stopped_event),
            cell(f.poweroff),
            if f.note.is_empty() {
                String::new()
            } else {
                format!("  ({})", f.note)
            }
        );
    }
}
