//! `cargo xtask qemu-bench [RUNS] [--tcg]`: the QEMU driver's create and destroy
//! against the floor of a bare QEMU start, measured in one run.
//!
//! - floor: spawn `qemu-system-x86_64 -M q35 -m 64 -nodefaults -display
//!   none` with its QMP socket, until `query-status` is answered (greeting,
//!   `qmp_capabilities`, `query-status`); then `quit`.
//! - create: `Connect::create_xml` of the baseline's tiny guest, until it
//!   returns with the guest running.
//! - destroy: `Domain::destroy`, until it returns with QEMU gone.
//!
//! KVM is used when /dev/kvm opens, TCG otherwise (for all three). Then
//! the same through the daemons (see [`crate::qemu_daemon_bench`]):
//! Debian's virsh against virt-proxy and libvirtd 9.0 side by side.
//! Targets (issue 4): create within 1.5x the floor, destroy under 30 ms.

use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use virt_core::{Connect, Uri};
use virt_qemu::argv::CommandLine;
use virt_qemu::capabilities::kvm_usable;
use virt_qemu::process::{self, Process, SpawnOptions};
use virt_qemu::qmp::Monitor;
use virt_qemu::state::Paths;

const QEMU: &str = "/usr/bin/qemu-system-x86_64";

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One bare start: spawn -> query-status answered; then QEMU stopped by
/// `quit` or, with `kill`, by SIGKILL (as destroy stops a guest that has
/// nothing to flush) -> gone. The kill figure is the destroy floor: the
/// kernel's own teardown of the process and, under KVM, of the VM.
fn floor_once(dir: &std::path::Path, accel: &str, kill: bool) -> Result<(f64, f64), String> {
    let sock = dir.join("floor.qmp");
    let _ = std::fs::remove_file(&sock);
    let log = std::fs::File::create(dir.join("floor.log")).map_err(|e| e.to_string())?;
    let cmd = CommandLine {
        program: QEMU.into(),
        args: [
            "-accel",
            accel,
            "-M",
            "q35",
            "-m",
            "64",
            "-nodefaults",
            "-display",
            "none",
            "-chardev",
            "socket,id=m,fd=3,server=on,wait=off",
            "-mon",
            "chardev=m,mode=control",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        env: vec![],
    };
    let t0 = Instant::now();
    let listener = UnixListener::bind(&sock).map_err(|e| e.to_string())?;
    let started = process::spawn(&cmd, SpawnOptions::monitor_only(listener.as_fd(), &log))
        .map_err(|e| e.to_string())?;
    drop(listener);
    let s = UnixStream::connect(&sock).map_err(|e| e.to_string())?;
    let mut m = Monitor::handshake(s).map_err(|e| e.to_string())?;
    m.execute("query-status", None).map_err(|e| e.to_string())?;
    let up = ms(t0.elapsed());
    let proc = Process::attach(started.pid, started.start_time).ok_or("QEMU vanished")?;
    let t1 = Instant::now();
    if kill {
        proc.signal(libc::SIGKILL).map_err(|e| e.to_string())?;
    } else {
        let _ = m.execute("quit", None);
    }
    proc.wait_exit(Some(Duration::from_secs(10)));
    Ok((up, ms(t1.elapsed())))
}

fn tiny(dtype: &str) -> String {
    format!(
        "<domain type='{dtype}'><name>tiny</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/></features>\
         <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>\
         <devices><emulator>{QEMU}</emulator>\
         <serial type='pty'><target port='0'/></serial>\
         <console type='pty'><target type='serial' port='0'/></console>\
         <memballoon model='none'/></devices></domain>"
    )
}

/// Run the benchmark; returns the process exit code.
pub fn run(args: &[String]) -> i32 {
    if !std::path::Path::new(QEMU).exists() {
        eprintln!("qemu-bench: {QEMU} is not installed");
        return 1;
    }
    let runs: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(10);
    // --tcg: the same run without KVM, whose VM teardown in the kernel
    // (RCU grace periods, ~18 ms under this host's kvm_pvm) is part of
    // every destroy figure under KVM.
    let kvm = !args.iter().any(|a| a == "--tcg") && kvm_usable();
    let (accel, dtype) = if kvm { ("kvm", "kvm") } else { ("tcg", "qemu") };
    let dir = PathBuf::from(format!("/tmp/vq-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("qemu-bench: {e}");
        return 1;
    }
    let paths = Paths {
        config: dir.join("config"),
        run: dir.join("run"),
        log: dir.join("log"),
    };
    let conn = match virt_qemu::QemuDriver::with_paths(paths, false) {
        Ok(d) => Connect::from_driver(Box::new(d), session_uri(), false),
        Err(e) => {
            eprintln!("qemu-bench: {e}");
            return 1;
        }
    };
    let xml = tiny(dtype);
    let (mut floor, mut quit, mut create, mut destroy) = (vec![], vec![], vec![], vec![]);
    let mut killed = vec![];
    // Interleaved, so that a noisy neighbour hurts both sides alike.
    for _ in 0..runs {
        match floor_once(&dir, accel, false)
            .and_then(|(up, q)| Ok((up, q, floor_once(&dir, accel, true)?.1)))
        {
            Ok((up, q, k)) => {
                floor.push(up);
                quit.push(q);
                killed.push(k);
            }
            Err(e) => {
                eprintln!("qemu-bench: bare QEMU failed: {e}");
                return 1;
            }
        }
        let t0 = Instant::now();
        let mut d = match conn.create_xml(&xml, 0) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("qemu-bench: create failed: {e}");
                return 1;
            }
        };
        create.push(ms(t0.elapsed()));
        let t1 = Instant::now();
        if let Err(e) = d.destroy() {
            eprintln!("qemu-bench: destroy failed: {e}");
            return 1;
        }
        destroy.push(ms(t1.elapsed()));
    }
    let (f, q, c, d) = (median(floor), median(quit), median(create), median(destroy));
    let k = median(killed);
    println!("QEMU driver, {runs} runs each, medians ({accel}):");
    println!("  bare QEMU spawn -> query-status answered (floor): {f:7.1} ms");
    println!("  bare QEMU quit -> gone:                           {q:7.1} ms");
    println!("  bare QEMU SIGKILL -> gone (destroy floor):        {k:7.1} ms");
    println!(
        "  create -> running:                                {c:7.1} ms  ({:.2}x floor; target <= 1.5x) {}",
        c / f,
        if c <= 1.5 * f { "OK" } else { "MISSED" }
    );
    println!(
        "  destroy -> gone:                                  {d:7.1} ms  ({:+.1} ms over its floor; target < 30 ms) {}",
        d - k,
        if d < 30.0 { "OK" } else { "MISSED" }
    );
    println!(
        "  libvirt 9.0 here (BASELINES.md 3e, KVM): create 300 ms, destroy 206 ms, floor 44 ms"
    );
    let _ = std::fs::remove_dir_all(&dir);
    drop(conn);
    match crate::daemon_bench::build_virt_proxy() {
        Ok(proxy) => crate::qemu_daemon_bench::run(&proxy, dtype, runs),
        Err(e) => println!("daemon half skipped: cannot build virt-proxy: {e}"),
    }
    0
}

/// `qemu:///session`, built rather than parsed.
fn session_uri() -> Uri {
    Uri {
        driver: "qemu".into(),
        transport: None,
        user: None,
        host: None,
        port: None,
        path: "/session".into(),
        query: vec![],
    }
}
