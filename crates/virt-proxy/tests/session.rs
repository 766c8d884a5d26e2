//! The node's QEMU guests live in the daemon:
//!
//! - `qemu:///session` with nobody listening on the user's socket starts
//!   virt-proxy for the user (our client does it), and the next client
//!   finds that same daemon;
//! - a daemon with `--timeout` stays while a guest runs, and leaves once
//!   no client and no guest is left.
//!
//! The client side is this test binary itself, run again with the
//! ignored `session_client` test and the environment of a user whose
//! runtime directory is a temp dir (never the host's sockets).

#![cfg(feature = "qemu")]

mod common;

use common::{scratch_dir, Daemon};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use virt_core::Connect;

const QEMU: &str = "/usr/bin/qemu-system-x86_64";

/// Runs in a child process (see `session_daemon_is_started_once`): opens
/// `qemu:///session`, defines a domain, prints one line.
#[test]
#[ignore = "run by session_daemon_is_started_once with a private runtime dir"]
fn session_client() {
    virt_remote::client::register();
    virt_drivers::register();
    let name = std::env::var("SESSION_DOMAIN").unwrap_or_else(|_| "x".into());
    match Connect::open("qemu:///session") {
        Ok(c) => {
            let xml = format!(
                "<domain type='qemu'><name>{name}</name><memory>65536</memory>\
                 <os><type arch='x86_64'>hvm</type></os></domain>"
            );
            let defined = c.define_xml(&xml).map(|_| ()).map_err(|e| e.to_string());
            let names: Vec<String> = c
                .list_all_domains(0)
                .map(|l| l.iter().map(|d| d.name().to_string()).collect())
                .unwrap_or_default();
            println!(
                "RESULT type={} uri={} define={defined:?} domains={names:?}",
                c.type_name(),
                c.uri().unwrap_or_default()
            );
        }
        Err(e) => println!("RESULT error {e}"),
    }
}

/// The pid of the process listening on `socket` (SO_PEERCRED).
fn listener_pid(socket: &Path) -> Option<u32> {
    let s = UnixStream::connect(socket).ok()?;
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt(SO_PEERCRED) writes at most `len` bytes into the
    // ucred we own; the fd is open for the call.
    let rc = unsafe {
        libc::getsockopt(
            std::os::fd::AsRawFd::as_raw_fd(&s),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    (rc == 0 && cred.pid > 0).then_some(cred.pid as u32)
}

fn run_client(runtime: &Path, qemu_root: &Path, domain: &str) -> String {
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--ignored",
            "--exact",
            "session_client",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("XDG_RUNTIME_DIR", runtime)
        .env("VIRT_PROXY", common::binary())
        .env("VIRT_QEMU_ROOT", qemu_root)
        .env("SESSION_DOMAIN", domain)
        .env("RUST_LOG", "virt_proxy=debug")
        .env_remove("LIBVIRT_DEFAULT_URI")
        .output()
        .expect("run the client");
    match common::result_lines(&out).into_iter().next() {
        Some(r) => r,
        None => panic!("no RESULT line: {}", String::from_utf8_lossy(&out.stdout)),
    }
}

#[test]
fn session_daemon_is_started_once() {
    let runtime_dir = scratch_dir("session-run");
    let root_dir = scratch_dir("session-qemu");
    let (runtime, qemu_root) = (runtime_dir.path(), root_dir.path());
    let socket = runtime.join("libvirt/libvirt-sock");
    assert!(listener_pid(&socket).is_none());

    let first = run_client(runtime, qemu_root, "a");
    assert_eq!(
        first,
        "type=QEMU uri=qemu:///session define=Ok(()) domains=[\"a\"]"
    );
    let pid = listener_pid(&socket).expect("the client started a daemon");
    // The second client finds the same daemon, which kept the first's
    // definition (it serves the session from VIRT_QEMU_ROOT).
    let second = run_client(runtime, qemu_root, "b");
    assert_eq!(
        second,
        "type=QEMU uri=qemu:///session define=Ok(()) domains=[\"a\", \"b\"]"
    );
    assert_eq!(listener_pid(&socket), Some(pid), "one daemon");
    assert!(qemu_root.join("session/config/a.xml").is_file());
    let log = std::fs::read_to_string(runtime.join("libvirt/virt-proxy.log")).unwrap_or_default();
    assert_eq!(log.matches("listening on").count(), 2, "{log}");

    common::signal(pid, libc::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(20);
    while listener_pid(&socket).is_some() {
        assert!(Instant::now() < deadline, "daemon {pid} did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn idle_daemon_waits_for_its_guests() {
    if !Path::new(QEMU).exists() {
        println!("idle_daemon_waits_for_its_guests: {QEMU} not installed (apt-get install qemu-system-x86); skipped");
        return;
    }
    virt_remote::client::register();
    let mut d = Daemon::start_qemu("idle", &["--timeout", "1"]);
    let uri = d.qemu_uri("session");
    {
        let c = Connect::open(&uri).expect("connect");
        c.create_xml(
            &format!(
                "<domain type='qemu'><name>idle</name><memory unit='MiB'>64</memory>\
                 <os><type arch='x86_64' machine='q35'>hvm</type></os>\
                 <devices><emulator>{QEMU}</emulator><memballoon model='none'/></devices></domain>"
            ),
            0,
        )
        .expect("create");
    }
    // No client for well over the timeout, but a guest runs.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(d.alive(), "the daemon left its guest: {}", d.log());
    {
        let c = Connect::open(&uri).expect("connect again");
        c.lookup_by_name("idle")
            .and_then(|mut dom| dom.destroy())
            .expect("destroy");
    }
    let status = d.wait(Duration::from_secs(20));
    assert!(
        status.is_some_and(|s| s.success()),
        "the daemon did not leave: {}",
        d.log()
    );
    assert!(d.log().contains("no client and no guest for 1 s: exiting"));
}
