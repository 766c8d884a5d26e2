//! `cargo xtask net-bench [--quick]` (and the network rows of `cargo xtask
//! bench`): a virtual network started and destroyed through virt-proxy
//! and through libvirtd 9.0, in the same run, as root.
//!
//! Both daemons run in one private network and mount namespace (nothing
//! reaches the machine's links, rules or /run) under a prompt reaper
//! (`PR_SET_CHILD_SUBREAPER`, as systemd would be: dnsmasq daemonizes and
//! its exit must be collected at once). python3-libvirt drives both, the
//! two daemons taking turns run by run, so a change in the machine's load
//! falls on both:
//!
//! - net-start: `networkCreateXML` of an open-mode network with DHCP until
//!   dnsmasq's DHCP socket (UDP port 67) is bound in the namespace;
//! - net-destroy: `destroy()` until it returns.
//!
//! Open mode because this machine has no iptables, which libvirtd 9.0
//! needs for the rules of its other modes (virt-rs uses nft).

use crate::{Row, SYSTEM_PYTHON};
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs the rest of its arguments as a child under a prompt subreaper.
const REAPER: &str = r#"
import ctypes, os, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
rc = 0
while True:
    try:
        p, st = os.wait()
        if p == pid:
            rc = os.waitstatus_to_exitcode(st)
    except ChildProcessError:
        break
sys.exit(rc)
"#;

/// The client: for each run, each daemon in turn; prints per daemon
/// `LABEL START_MS DESTROY_MS` (medians).
const CLIENT: &str = r#"
import libvirt, os, statistics, sys, time
XML = """<network><name>bench</name><forward mode='open'/><bridge name='virbr7'/>
<ip address='10.99.0.1' netmask='255.255.255.0'><dhcp><range start='10.99.0.2' end='10.99.0.200'/></dhcp></ip></network>"""
def dhcp_listening():
    for l in open('/proc/self/net/udp').read().splitlines()[1:]:
        if l.split()[1].endswith(':0043'):
            return True
    return False
runs = int(sys.argv[1])
daemons = [(label, libvirt.open(uri), [], []) for label, uri in zip(sys.argv[2::2], sys.argv[3::2])]
for i in range(runs + 1):
    for label, c, start, stop in daemons:
        t0 = time.perf_counter()
        net = c.networkCreateXML(XML)
        while not dhcp_listening():
            time.sleep(0.0002)
        t1 = time.perf_counter()
        net.destroy()
        t2 = time.perf_counter()
        if os.path.exists('/sys/class/net/virbr7'):
            time.sleep(0.05)
            assert not os.path.exists('/sys/class/net/virbr7'), label + ' left its bridge'
        if i:  # the first run warms both up
            start.append((t1 - t0) * 1e3)
            stop.append((t2 - t1) * 1e3)
for label, c, start, stop in daemons:
    print(label, statistics.median(start), statistics.median(stop))
"#;

/// Why this machine cannot run the benchmark, if it cannot.
fn missing() -> Option<&'static str> {
    if !is_root() {
        return Some("not root");
    }
    for (p, what) in [
        ("/usr/bin/unshare", "unshare (util-linux)"),
        ("/usr/sbin/libvirtd", "libvirtd 9.0 (libvirt-daemon)"),
        ("/usr/sbin/dnsmasq", "dnsmasq (dnsmasq-base)"),
        ("/usr/sbin/ip", "ip (iproute2)"),
    ] {
        if !Path::new(p).exists() {
            return Some(what);
        }
    }
    let python = Command::new(SYSTEM_PYTHON)
        .args(["-c", "import libvirt"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    (!python).then_some("python3-libvirt")
}

fn is_root() -> bool {
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `cargo xtask net-bench`: the rows alone.
pub fn run(args: &[String]) -> i32 {
    let rows = rows(args.iter().any(|a| a == "--quick"));
    crate::print_rows(&rows);
    i32::from(rows.is_empty())
}

/// The network rows: virt-proxy against libvirtd, or none (with a line
/// saying why) where this machine cannot run them.
pub fn rows(quick: bool) -> Vec<Row> {
    if let Some(m) = missing() {
        println!("(network benchmark skipped: {m} missing)");
        return Vec::new();
    }
    let proxy = match crate::daemon_bench::build_virt_proxy() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("xtask: building virt-proxy failed: {e}");
            return Vec::new();
        }
    };
    let Ok(me) = std::env::current_exe() else {
        return Vec::new();
    };
    let runs = if quick { "5" } else { "15" };
    let out = Command::new("unshare")
        .args(["-n", "-m", "--propagation", "private", SYSTEM_PYTHON, "-c"])
        .arg(REAPER)
        .arg(me)
        .args(["net-bench-inside", &proxy, runs])
        .stderr(Stdio::inherit())
        .output();
    let text = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => {
            eprintln!("xtask: the network benchmark failed ({})", o.status);
            return Vec::new();
        }
        Err(e) => {
            eprintln!("xtask: cannot run unshare: {e}");
            return Vec::new();
        }
    };
    let figures = |label: &str| -> Option<(f64, f64)> {
        let l = text.lines().find(|l| l.starts_with(label))?;
        let f: Vec<f64> = l[label.len()..]
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        Some((*f.first()?, *f.get(1)?))
    };
    let (Some(ours), Some(theirs)) = (figures("virt-rs"), figures("libvirtd")) else {
        eprintln!("xtask: the network benchmark printed no figures:\n{text}");
        return Vec::new();
    };
    let row = |what: &str, o: f64, t: f64| Row {
        what: what.into(),
        ours: format!("{o:.1} ms"),
        theirs: format!("{t:.1} ms"),
        ratio: format!("{:.2}x faster", t / o),
        target: "faster than libvirtd",
    };
    vec![
        row("net-start until DHCP serves", ours.0, theirs.0),
        row("net-destroy", ours.1, theirs.1),
    ]
}

fn sh(cmd: &str, args: &[&str]) -> Result<(), String> {
    let st = Command::new(cmd)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("{cmd}: {e}"))?;
    st.success()
        .then_some(())
        .ok_or_else(|| format!("{cmd} {args:?}: {st}"))
}

fn wait_for_socket(p: &Path) -> bool {
    crate::process::wait_for_socket(p, 30)
}

/// Inside the namespaces: libvirtd in a temp dir bound over its usual
/// directories (so it touches none of the host's), virt-proxy beside it,
/// the client timing both. `args`: the virt-proxy binary, the runs.
pub fn inside(args: &[String]) -> i32 {
    match inside_steps(args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("xtask net-bench: {e}");
            1
        }
    }
}

fn inside_steps(args: &[String]) -> Result<(), String> {
    let [proxy, runs] = args else {
        return Err("usage: net-bench-inside VIRT-PROXY RUNS".into());
    };
    let w = std::env::temp_dir().join(format!("xtask-net-bench-{}", std::process::id()));
    let d = w.join("lv");
    for sub in ["etc-libvirt", "run", "lib", "cache", "log"] {
        std::fs::create_dir_all(d.join(sub)).map_err(|e| e.to_string())?;
    }
    let ds = d.display().to_string();
    let write = |name: &str, text: String| {
        std::fs::write(d.join(name), text).map_err(|e| format!("{name}: {e}"))
    };
    write(
        "etc-libvirt/qemu.conf",
        "user = \"root\"\ngroup = \"root\"\n".into(),
    )?;
    write(
        "libvirtd.conf",
        format!(
            "unix_sock_group = \"root\"\nunix_sock_rw_perms = \"0770\"\nauth_unix_ro = \"none\"\n\
             auth_unix_rw = \"none\"\nlog_outputs = \"3:file:{ds}/libvirtd.log\"\n"
        ),
    )?;
    // libvirtd looks its QEMU user up: one that exists, whatever the host.
    let mut passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| e.to_string())?;
    let mut group = std::fs::read_to_string("/etc/group").map_err(|e| e.to_string())?;
    if !passwd.contains("\nlibvirt-qemu:") {
        passwd.push_str("libvirt-qemu:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin\n");
    }
    if !group.contains("\nlibvirt-qemu:") {
        group.push_str("libvirt-qemu:x:64055:\n");
    }
    write("passwd", passwd)?;
    write("group", group)?;
    sh("ip", &["link", "set", "lo", "up"])?;
    for (from, to) in [
        ("etc-libvirt", "/etc/libvirt"),
        ("passwd", "/etc/passwd"),
        ("group", "/etc/group"),
        ("run", "/run/libvirt"),
        ("lib", "/var/lib/libvirt"),
        ("cache", "/var/cache/libvirt"),
        ("log", "/var/log/libvirt"),
    ] {
        let _ = std::fs::create_dir_all(to);
        sh("mount", &["--bind", &format!("{ds}/{from}"), to])?;
    }
    let mut libvirtd = Command::new("/usr/sbin/libvirtd")
        .args(["-f", &format!("{ds}/libvirtd.conf")])
        .args(["-p", &format!("{ds}/libvirtd.pid")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("libvirtd: {e}"))?;
    let vps = w.join("vps");
    let mut ours = Command::new(proxy)
        .arg("--listen")
        .arg(&vps)
        .env("VIRT_QEMU_ROOT", w.join("vp"))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("virt-proxy: {e}"))?;
    let result = if wait_for_socket(&d.join("run/libvirt-sock"))
        && wait_for_socket(&vps.join("libvirt-sock"))
    {
        let out = Command::new(SYSTEM_PYTHON)
            .arg("-c")
            .arg(CLIENT)
            .arg(runs)
            .args([
                "libvirtd",
                &format!("qemu+unix:///system?socket={ds}/run/libvirt-sock"),
                "virt-rs",
                &format!("qemu+unix:///system?socket={}/libvirt-sock", vps.display()),
            ])
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| e.to_string());
        match out {
            Ok(o) if o.status.success() => {
                print!("{}", String::from_utf8_lossy(&o.stdout));
                Ok(())
            }
            Ok(o) => Err(format!(
                "the client failed ({}); libvirtd's log: {}/libvirtd.log",
                o.status, ds
            )),
            Err(e) => Err(e),
        }
    } else {
        Err("a daemon did not start".into())
    };
    for child in [&mut libvirtd, &mut ours] {
        // SAFETY: kill(2) on the pid of a daemon this function started.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = child.wait();
    }
    if result.is_ok() {
        let _ = std::fs::remove_dir_all(&w);
    }
    result
}
