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
//! libvirtd is started as [`crate::daemon`] starts it, with only the QEMU
//! driver module loaded. It runs twice, as in BASELINES.md: left to PID 1 (which reaps orphans here
//! only every 1.3-1.9 s, and libvirtd waits for QEMU's reap), and under a
//! subreaper that reaps at once (as systemd would). virt-proxy reaps its
//! own QEMU children and learns of their exit from a pidfd, so it needs
//! neither.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::daemon::{start_libvirtd, start_virt_proxy, temp_dir, Daemon};
use crate::SYSTEM_PYTHON;
use virt_testkit::guest::{serial_file, LinuxDomain, QEMU};

const VIRSH: &str = "/usr/bin/virsh";

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
    let guest = (dir.join("vmlinuz"), dir.join("initrd.img"));
    (guest.0.exists() && guest.1.exists()).then(|| {
        LinuxDomain {
            head: "<memory unit='MiB'>128</memory><vcpu>1</vcpu><on_poweroff>destroy</on_poweroff>",
            devices: &format!("{}<memballoon model='none'/>", serial_file(console)),
            ..LinuxDomain::default()
        }
        .xml(name, &guest)
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
    match start_virt_proxy(proxy, "qemu+unix:///session") {
        Some(d) => {
            rows.push((d.label, measure(&d, &xml, &name, runs)));
            d.stop();
        }
        None => println!("virt-proxy did not start"),
    }
    for subreaper in [false, true] {
        match start_libvirtd(
            &["libvirt_driver_qemu.so"],
            subreaper,
            "qemu+unix:///system",
        ) {
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
