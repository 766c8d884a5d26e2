//! The daemon side of `cargo xtask bench`: virt-proxy and libvirtd 9.0
//! served the same python3-libvirt clients over their unix sockets, one
//! after the other in the same run, each daemon started fresh in a
//! temporary directory.
//!
//! Both daemons start as [`crate::daemon`] starts them; libvirtd loads
//! none of its driver modules and serves only the test driver, which is
//! built into libvirt.so: no QEMU user, no virtlogd, no capability
//! probing.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::daemon::{start_libvirtd, start_virt_proxy, Daemon};
use crate::{Row, SYSTEM_PYTHON};

/// The daemons' test driver, as the clients open it.
const URI: &str = "test+unix:///default";

/// The python3-libvirt client of every measurement, one mode per run;
/// prints one number.
const PY_CLIENT: &str = r#"
import sys, time, libvirt
mode, uri = sys.argv[1], sys.argv[2]
c = libvirt.open(uri)
xml = ("<domain type='test'><name>s%d</name><memory unit='MiB'>64</memory>"
       "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>")
if mode == "lookupinfo":
    n, start_at = int(sys.argv[3]), float(sys.argv[4])
    while time.time() < start_at:
        time.sleep(0.001)
    t0 = time.time()
    for _ in range(n):
        c.lookupByName("test").info()
    print(t0, time.time())
elif mode == "define":
    for i in range(int(sys.argv[3])):
        c.defineXML(xml % i)
    print(0)
elif mode == "undefine":
    for d in c.listAllDomains():
        if d.name() != "test":
            d.undefine()
    print(0)
elif mode == "listinfo":
    ts = []
    for _ in range(5):
        t = time.perf_counter()
        infos = [d.info() for d in c.listAllDomains()]
        ts.append((time.perf_counter() - t) * 1e3)
    ts.sort(); print(ts[len(ts) // 2])
elif mode == "allstats":
    ts = []
    for _ in range(5):
        t = time.perf_counter()
        stats = c.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_STATE)
        ts.append((time.perf_counter() - t) * 1e3)
    assert len(stats) > 10000, len(stats)
    ts.sort(); print(ts[len(ts) // 2])
elif mode == "event":
    # destroy or create of the test domain until its lifecycle callback
    # runs on the event loop thread; the median of 40, ms.
    import threading
    libvirt.virEventRegisterDefaultImpl()
    def run():
        while True:
            libvirt.virEventRunDefaultImpl()
    threading.Thread(target=run, daemon=True).start()
    ec = libvirt.open(uri)
    got, at = threading.Event(), [0.0]
    def cb(conn, dom, event, detail, opaque):
        at[0] = time.perf_counter()
        got.set()
    ec.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, None)
    dom, ts = ec.lookupByName("test"), []
    for i in range(41):
        got.clear()
        t = time.perf_counter()
        if dom.isActive():
            dom.destroy()
        else:
            dom.create()
        if not got.wait(5):
            sys.exit("no event")
        if i:
            ts.append((at[0] - t) * 1e3)
    ts.sort(); print(ts[len(ts) // 2])
elif mode == "hold":
    sys.stdin.read()
"#;

fn python(args: &[&str]) -> Option<String> {
    let out = Command::new(SYSTEM_PYTHON)
        .arg("-c")
        .arg(PY_CLIENT)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `clients` python processes run the lookup+info loop together; the
/// aggregate ops/s (all ops over first start to last end).
fn lookup_info(d: &Daemon, clients: usize, n: u32) -> Option<f64> {
    let start_at = now_secs() + 1.5;
    let uri = d.uri.clone();
    let runs: Vec<_> = (0..clients)
        .map(|_| {
            let (uri, n) = (uri.clone(), n.to_string());
            std::thread::spawn(move || python(&["lookupinfo", &uri, &n, &start_at.to_string()]))
        })
        .collect();
    let mut first = f64::MAX;
    let mut last = 0f64;
    for r in runs {
        let out = r.join().ok()??;
        let mut it = out.split_whitespace().filter_map(|v| v.parse::<f64>().ok());
        first = first.min(it.next()?);
        last = last.max(it.next()?);
    }
    Some(f64::from(n) * clients as f64 / (last - first))
}

fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// What one daemon measured.
#[derive(Default)]
struct Figures {
    idle_rss: u64,
    one: Option<f64>,
    four: Option<f64>,
    listinfo_ms: Option<f64>,
    allstats_ms: Option<f64>,
    /// The same call through virt-remote's client: the daemon and the
    /// wire without python's object building.
    allstats_rust_ms: Option<f64>,
    /// destroy/create to the lifecycle callback, python3-libvirt.
    event_ms: Option<f64>,
    after_rss: u64,
}

fn measure(d: &Daemon, quick: bool, domains: u32) -> Figures {
    let mut f = Figures {
        idle_rss: d.rss_kib(),
        ..Figures::default()
    };
    // One connection holds the test node for the whole run, as in
    // BASELINES.md (the node resets when its last connection closes).
    let holder = Command::new(SYSTEM_PYTHON)
        .arg("-c")
        .arg(PY_CLIENT)
        .args(["hold", &d.uri])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .ok();
    let n = if quick { 2000 } else { 20000 };
    f.event_ms = python(&["event", &d.uri]).and_then(|v| v.parse().ok());
    f.one = lookup_info(d, 1, n);
    f.four = lookup_info(d, 4, n / 2);
    let count = domains.to_string();
    if python(&["define", &d.uri, &count]).is_some() {
        f.listinfo_ms = python(&["listinfo", &d.uri]).and_then(|v| v.parse().ok());
        f.allstats_ms = python(&["allstats", &d.uri]).and_then(|v| v.parse().ok());
        f.allstats_rust_ms = rust_allstats_ms(d, domains as usize);
        let _ = python(&["undefine", &d.uri]);
    }
    if let Some(mut h) = holder {
        drop(h.stdin.take());
        let _ = h.wait();
    }
    std::thread::sleep(Duration::from_millis(300));
    f.after_rss = d.rss_kib();
    eprintln!("xtask: {} measured", d.label);
    f
}

/// `virConnectGetAllDomainStats` (state group) through virt-remote's
/// client, median of 5, ms; `None` unless every run lists all domains.
fn rust_allstats_ms(d: &Daemon, domains: usize) -> Option<f64> {
    use virt_core::Driver;
    use virt_remote::client::{Endpoint, Keepalive, RemoteDriver};
    let c = RemoteDriver::open_endpoint(
        &Endpoint::Unix(d.socket()),
        "test:///default",
        true,
        Keepalive::default(),
    )
    .ok()?;
    let mut ts = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let r = c
            .get_all_domain_stats(&[], virt_core::domain_stats::STATE, 0)
            .ok()?;
        ts.push(t.elapsed().as_secs_f64() * 1e3);
        if r.len() <= domains {
            return None;
        }
    }
    ts.sort_by(f64::total_cmp);
    ts.get(ts.len() / 2).copied()
}

/// Build the release virt-proxy; its path.
pub(crate) fn build_virt_proxy() -> Result<String, String> {
    crate::build_release("virt-proxy")
}

fn mb(kib: u64) -> String {
    format!("{:.1} MB", kib as f64 / 1024.0)
}

fn ms(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |m| format!("{m:.1} ms"))
}

fn ops(v: Option<f64>) -> String {
    v.map_or("failed".into(), |o| format!("{o:.0} ops/s"))
}

/// Measure both daemons; the table's rows.
pub fn rows(quick: bool) -> Vec<Row> {
    let python_ok = crate::has_python_libvirt();
    if !python_ok {
        eprintln!("xtask: python3-libvirt missing: daemon benchmarks skipped");
        return Vec::new();
    }
    let bin = match build_virt_proxy() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("xtask: building virt-proxy failed: {e}");
            return Vec::new();
        }
    };
    let domains = if quick { 1000 } else { 10_000 };
    let ours = match start_virt_proxy(&bin, URI) {
        Some(d) => {
            let f = measure(&d, quick, domains);
            d.stop();
            f
        }
        None => {
            eprintln!("xtask: virt-proxy did not start");
            return Vec::new();
        }
    };
    let theirs = match start_libvirtd(&[], false, URI) {
        Ok(d) => {
            let f = measure(&d, quick, domains);
            d.stop();
            Some(f)
        }
        Err(e) => {
            eprintln!("xtask: libvirtd could not be started ({e}): its column is n/a");
            None
        }
    };
    let t = theirs.as_ref();
    let ratio = |o: Option<f64>, t: Option<f64>| match (o, t) {
        (Some(o), Some(t)) => format!("{:.1}x", o / t),
        _ => "n/a".into(),
    };
    let faster = |o: Option<f64>, t: Option<f64>| match (o, t) {
        (Some(o), Some(t)) => format!("{:.0}x faster", t / o),
        _ => "n/a".into(),
    };
    vec![
        Row {
            what: "daemon: lookupByName+info, 1 client".into(),
            ours: ops(ours.one),
            theirs: t.map_or("n/a".into(), |t| ops(t.one)),
            ratio: ratio(ours.one, t.and_then(|t| t.one)),
            target: ">= 2x",
        },
        Row {
            what: "daemon: lookupByName+info, 4 clients".into(),
            ours: ops(ours.four),
            theirs: t.map_or("n/a".into(), |t| ops(t.four)),
            ratio: ratio(ours.four, t.and_then(|t| t.four)),
            target: ">= 2x",
        },
        Row {
            what: "daemon: RSS idle".into(),
            ours: mb(ours.idle_rss),
            theirs: t.map_or("n/a".into(), |t| mb(t.idle_rss)),
            ratio: t.map_or("n/a".into(), |t| {
                format!("{:.2} of theirs", ours.idle_rss as f64 / t.idle_rss as f64)
            }),
            target: "<= 4 MB",
        },
        Row {
            what: format!("daemon: RSS after {domains} def+undef"),
            ours: mb(ours.after_rss),
            theirs: t.map_or("n/a".into(), |t| mb(t.after_rss)),
            ratio: format!(
                "{:.2}x our idle",
                ours.after_rss as f64 / ours.idle_rss as f64
            ),
            target: "<= 2x idle",
        },
        Row {
            what: "daemon: destroy/create -> lifecycle event at a python3-libvirt client".into(),
            ours: ms(ours.event_ms),
            theirs: t.map_or("n/a".into(), |t| ms(t.event_ms)),
            ratio: faster(ours.event_ms, t.and_then(|t| t.event_ms)),
            target: "",
        },
        Row {
            what: format!("daemon: listAll + info, {domains}"),
            ours: ms(ours.listinfo_ms),
            theirs: t.map_or("n/a".into(), |t| ms(t.listinfo_ms)),
            ratio: faster(ours.listinfo_ms, t.and_then(|t| t.listinfo_ms)),
            target: "",
        },
        Row {
            what: format!("daemon: GetAllDomainStats, {domains}, Rust"),
            ours: ms(ours.allstats_rust_ms),
            theirs: t.map_or("n/a".into(), |t| ms(t.allstats_rust_ms)),
            ratio: faster(ours.allstats_rust_ms, t.and_then(|t| t.allstats_rust_ms)),
            target: "< 20 ms",
        },
        Row {
            what: format!("daemon: GetAllDomainStats, {domains}, py"),
            ours: ms(ours.allstats_ms),
            theirs: t.map_or("n/a".into(), |t| ms(t.allstats_ms)),
            ratio: faster(ours.allstats_ms, t.and_then(|t| t.allstats_ms)),
            target: "",
        },
    ]
}
