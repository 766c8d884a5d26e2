//! `cargo xtask bench`: virt-rs's figures next to the real libvirt's, measured
//! in the same run on the same machine, printed as ratios.
//!
//! The libvirt side runs only where Debian's libvirt-clients (`/usr/bin/virsh`)
//! and python3-libvirt (`/usr/bin/python3`) are installed; otherwise its
//! columns say "n/a".

use probe::small_domain;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use virt_core::Connect;

mod capi;
mod daemon;
mod daemon_bench;
mod guest;
mod instructions;
mod lvm_vm;
mod net_bench;
mod probe;
mod process;
mod python_bench;
mod qemu_bench;
mod qemu_daemon_bench;
mod storage_bench;
mod vm;
mod xen_vm;
mod xml_bench;
mod xml_diff;

const REAL_VIRSH: &str = "/usr/bin/virsh";
const SYSTEM_PYTHON: &str = "/usr/bin/python3";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("bench") => bench(&args[1..]),
        Some("daemon-bench") => daemon_bench_only(&args[1..]),
        Some("qemu-bench") => qemu_bench::run(&args[1..]),
        Some("guest") => guest::main(),
        Some("instructions") => instructions::run(&args[1..]),
        Some("xen-vm") => xen_vm::main(&args[1..]),
        Some("lvm-vm") => lvm_vm::main(&args[1..]),
        Some("xml-diff") => xml_diff::main(&args[1..]),
        Some("install-capi") => capi::install(&args[1..]),
        Some("capi-bench") => capi::bench(&args[1..]),
        Some("storage-bench") => storage_bench::run(&args[1..]),
        Some("net-bench") => net_bench::run(&args[1..]),
        Some("net-bench-inside") => net_bench::inside(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask bench [--quick] [--core] | instructions [TREE...] | daemon-bench [--quick] \
                 | xen-vm [--timeout SECS] | lvm-vm [--timeout SECS] [--kvm] | xml-diff [--count N] [--seed S] [--record] [--show TEXT] \
                 | install-capi --prefix DIR | capi-bench [--quick] | storage-bench [--quick] \
                 | net-bench [--quick]"
            );
            2
        }
    };
    std::process::exit(code);
}

struct Row {
    what: String,
    ours: String,
    theirs: String,
    ratio: String,
    target: &'static str,
}

fn bench(args: &[String]) -> i32 {
    let quick = args.iter().any(|a| a == "--quick");
    // Only the rows every version of the bench has had (virsh, in-process
    // calls, listings, domain XML): for before/after comparisons with old
    // commits, without building the Python module and the daemon.
    let core = args.iter().any(|a| a == "--core");
    virt_test::register();
    let python = has_python_libvirt();
    let real_virsh = std::path::Path::new(REAL_VIRSH).exists();
    let mut rows = Vec::new();

    // 1. virsh list --all: process start to exit, and peak RSS.
    let ours = match build_release("virsh") {
        Ok(p) => p,
        Err(e) => {
            eprintln!("xtask: building virsh failed: {e}");
            return 1;
        }
    };
    let runs = if quick { 20 } else { 100 };
    let argv = ["-c", "test:///default", "list", "--all"];
    let o = process::measure(&ours, &argv, runs);
    let t = real_virsh.then(|| process::measure(REAL_VIRSH, &argv, runs));
    rows.push(Row {
        what: "virsh list --all, wall per run".into(),
        ours: format!("{:.2} ms", o.median_ms),
        theirs: t
            .as_ref()
            .map_or("n/a".into(), |t| format!("{:.2} ms", t.median_ms)),
        ratio: t.as_ref().map_or("n/a".into(), |t| {
            format!("{:.1}x faster", t.median_ms / o.median_ms)
        }),
        target: ">= 5x faster",
    });
    rows.push(Row {
        what: "virsh list --all, peak RSS".into(),
        ours: format!("{:.1} MB", o.max_rss_kb as f64 / 1024.0),
        theirs: t.as_ref().map_or("n/a".into(), |t| {
            format!("{:.1} MB", t.max_rss_kb as f64 / 1024.0)
        }),
        ratio: t.as_ref().map_or("n/a".into(), |t| {
            format!("{:.2} of theirs", o.max_rss_kb as f64 / t.max_rss_kb as f64)
        }),
        target: "<= 0.25 of theirs",
    });

    // 2. lookup_by_name + info, in process.
    let conn = match Connect::open("test:///default") {
        Ok(c) => c,
        Err(e) => {
            eprintln!("xtask: cannot open test:///default: {e}");
            return 1;
        }
    };
    let secs = if quick { 0.3 } else { 1.5 };
    let ours_li = ops_per_sec(secs, || {
        let d = conn.lookup_by_name("test").map_err(|e| e.to_string())?;
        d.info().map(|_| ()).map_err(|e| e.to_string())
    });
    let theirs_li = python.then(|| python_ops("lookupinfo", if quick { 5000 } else { 20000 }));
    rows.push(ops_row(
        "lookup_by_name + info",
        ours_li,
        theirs_li.flatten(),
        ">= 3,000,000 ops/s",
    ));

    // 3. define + undefine, in process.
    let xml = small_domain("bench-ours");
    let ours_du = ops_per_sec(secs, || {
        let d = conn.define_xml(&xml).map_err(|e| e.to_string())?;
        d.undefine().map_err(|e| e.to_string())
    });
    let theirs_du = python.then(|| python_ops("defundef", if quick { 500 } else { 2000 }));
    rows.push(ops_row(
        "define + undefine",
        ours_du,
        theirs_du.flatten(),
        ">= 164,600 ops/s (10x)",
    ));

    // 4. list_all_domains with N defined domains.
    for n in [100usize, 1_000, 10_000] {
        let ours_ms = list_all_ms(&conn, n);
        let theirs_ms = python.then(|| python_list_all(n)).flatten();
        rows.push(Row {
            what: format!("list_all_domains, {n} domains"),
            ours: ours_ms.map_or("failed".into(), |m| format!("{m:.3} ms")),
            theirs: theirs_ms.map_or("n/a".into(), |m| format!("{m:.3} ms")),
            ratio: match (ours_ms, theirs_ms) {
                (Some(o), Some(t)) => format!("{:.1}x faster", t / o),
                _ => "n/a".into(),
            },
            target: if n == 10_000 {
                "< 1 ms, linear"
            } else {
                "linear"
            },
        });
    }

    // 5. The same through Python: virt-rs's libvirt module against
    // python3-libvirt, both under Debian's interpreter.
    if !core {
        rows.extend(python_bench::rows(quick, python));

        // 6. The daemon: virt-proxy and libvirtd over their sockets.
        rows.extend(daemon_bench::rows(quick));

        // 7. Virtual networks through the daemons (root only).
        rows.extend(net_bench::rows(quick));
    }

    print_rows(&rows);
    if !python {
        println!(
            "(python3-libvirt not found at {SYSTEM_PYTHON}: libvirt's in-process figures skipped)"
        );
    }
    if !real_virsh {
        println!("(Debian virsh not found at {REAL_VIRSH}: its process figures skipped)");
    }
    xml_bench::run(quick, python);
    0
}

fn print_rows(rows: &[Row]) {
    println!(
        "\n{:<40} {:>14} {:>16} {:>16}  target",
        "benchmark", "virt-rs", "libvirt 9.0", "ratio"
    );
    for r in rows {
        println!(
            "{:<40} {:>14} {:>16} {:>16}  {}",
            r.what, r.ours, r.theirs, r.ratio, r.target
        );
    }
}

/// `cargo xtask daemon-bench`: only the daemon rows of `bench`.
fn daemon_bench_only(args: &[String]) -> i32 {
    let rows = daemon_bench::rows(args.iter().any(|a| a == "--quick"));
    print_rows(&rows);
    if rows.is_empty() {
        1
    } else {
        0
    }
}

fn ops_row(what: &str, ours: Option<f64>, theirs: Option<f64>, target: &'static str) -> Row {
    Row {
        what: what.into(),
        ours: ours.map_or("failed".into(), |v| format!("{v:.0} ops/s")),
        theirs: theirs.map_or("n/a".into(), |v| format!("{v:.0} ops/s")),
        ratio: match (ours, theirs) {
            (Some(o), Some(t)) => format!("{:.1}x", o / t),
            _ => "n/a".into(),
        },
        target,
    }
}

/// Run `op` repeatedly for about `secs` seconds; ops per second, or `None`
/// when an operation fails.
fn ops_per_sec(secs: f64, mut op: impl FnMut() -> Result<(), String>) -> Option<f64> {
    // Warm up caches and allocator first.
    for _ in 0..1000 {
        if let Err(e) = op() {
            eprintln!("xtask: benchmark operation failed: {e}");
            return None;
        }
    }
    let budget = Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..1000 {
            if op().is_err() {
                return None;
            }
        }
        n += 1000;
    }
    Some(n as f64 / start.elapsed().as_secs_f64())
}

/// Median time of `list_all_domains(0)` over several runs with `n` extra
/// domains defined, in ms. The domains are removed afterwards.
fn list_all_ms(conn: &Connect, n: usize) -> Option<f64> {
    let mut defined = Vec::with_capacity(n);
    for i in 0..n {
        match conn.define_xml(&small_domain(&format!("s{i}"))) {
            Ok(d) => defined.push(d),
            Err(e) => {
                eprintln!("xtask: define failed: {e}");
                break;
            }
        }
    }
    let mut times = Vec::new();
    let mut ok = defined.len() == n;
    for _ in 0..21 {
        let t = Instant::now();
        match conn.list_all_domains(0) {
            Ok(l) if l.len() > n => {}
            _ => ok = false,
        }
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    for d in defined {
        let _ = d.undefine();
    }
    times.sort_by(f64::total_cmp);
    ok.then(|| times[times.len() / 2])
}

/// Build `package` (one of the workspace's binaries: virsh, virt-proxy)
/// for release; the path of its binary.
pub(crate) fn build_release(package: &str) -> Result<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let st = Command::new(cargo)
        .args(["build", "--release", "--quiet", "-p", package])
        .status()
        .map_err(|e| e.to_string())?;
    if !st.success() {
        return Err(format!("cargo build exited with {st}"));
    }
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").to_string());
    Ok(format!("{dir}/release/{package}"))
}

fn has_python_libvirt() -> bool {
    Command::new(SYSTEM_PYTHON)
        .args(["-c", "import libvirt"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The same loops through python3-libvirt, in its own process; prints ops/s.
const PY_LOOPS: &str = r#"
import sys, time, libvirt
mode, n = sys.argv[1], int(sys.argv[2])
c = libvirt.open("test:///default")
xml = ("<domain type='test'><name>bench-py</name><memory unit='MiB'>64</memory>"
       "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>")
if mode == "lookupinfo":
    t = time.perf_counter()
    for _ in range(n):
        c.lookupByName("test").info()
else:
    t = time.perf_counter()
    for _ in range(n):
        c.defineXML(xml).undefine()
print(n / (time.perf_counter() - t))
"#;

/// listAllDomains with N defined domains, median of 21 runs, in ms.
const PY_LIST_ALL: &str = r#"
import sys, time, statistics, libvirt
n = int(sys.argv[1])
c = libvirt.open("test:///default")
for i in range(n):
    c.defineXML("<domain type='test'><name>s%d</name><memory unit='MiB'>64</memory>"
                "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>" % i)
ts = []
for _ in range(21):
    t = time.perf_counter(); c.listAllDomains(); ts.append((time.perf_counter() - t) * 1e3)
print(statistics.median(ts))
"#;

fn python_float(script: &str, args: &[&str]) -> Option<f64> {
    let out = Command::new(SYSTEM_PYTHON)
        .arg("-c")
        .arg(script)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

fn python_ops(mode: &str, n: u32) -> Option<f64> {
    python_float(PY_LOOPS, &[mode, &n.to_string()])
}

fn python_list_all(n: usize) -> Option<f64> {
    python_float(PY_LIST_ALL, &[&n.to_string()])
}
