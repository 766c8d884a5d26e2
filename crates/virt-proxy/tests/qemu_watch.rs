//! The daemon watches its QEMU guests with nobody asking, and survives
//! its own death, with the tiny Linux guest of `cargo xtask guest`:
//!
//! - the guest powers itself off (`poweroff -f` when it sees the ACPI
//!   power button): the daemon's loop sees QEMU's SHUTDOWN, applies
//!   on_poweroff=destroy and cleans up, with no client call in between;
//! - `kill -9` of virt-proxy leaves the guests running; a new daemon finds
//!   them, and reports right the guests that stopped while no daemon ran
//!   (powered off: shut off (shutdown); QEMU killed: shut off (crashed)).
//!
//! Each daemon listens in a temp dir and keeps its QEMU state under a
//! private `VIRT_QEMU_ROOT`. Without QEMU or the guest the tests print a
//! notice and pass.

#![cfg(feature = "qemu")]

mod common;

use common::{scratch_dir, temp_dir, Daemon};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;
use virt_core::events::{domain_event_id, lifecycle_detail};
use virt_core::{
    Connect, Delivery, DomainEventKind, DomainState, Event, EventFilter, LifecycleEvent,
};
use virt_testkit::guest::{serial_file, LinuxDomain, QEMU};
use virt_testkit::{linux_guest, peer, wait_until};

/// The kernel and initrd `cargo xtask guest` builds, when QEMU and they
/// are here.
fn guest(test: &str) -> Option<(PathBuf, PathBuf)> {
    if peer(test, QEMU, "qemu-system-x86") {
        linux_guest(test)
    } else {
        None
    }
}

fn linux_xml(name: &str, guest: &(PathBuf, PathBuf), console: &Path) -> String {
    LinuxDomain {
        head: "<memory unit='MiB'>128</memory><vcpu>1</vcpu><on_poweroff>destroy</on_poweroff>",
        devices: &format!("{}<memballoon model='none'/>", serial_file(console)),
        ..LinuxDomain::default()
    }
    .xml(name, guest)
}

fn tiny_xml(name: &str) -> String {
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>\
         <os><type arch='x86_64' machine='q35'>hvm</type></os>\
         <devices><emulator>{QEMU}</emulator><memballoon model='none'/></devices></domain>"
    )
}

/// Press the guest's power button until `done` holds, every 10 s, at
/// most `presses` times: the guest's /init announces it waits before its
/// reader has opened the input device, so on a loaded host a first press
/// can come too early and be lost.
fn press_until(dom: &virt_core::Domain, presses: u32, mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..presses {
        if dom.shutdown().is_err() {
            // No longer running: the daemon stopped it meanwhile.
            return wait_until(10, &mut done);
        }
        if wait_until(10, &mut done) {
            return true;
        }
    }
    false
}

fn wait_boot(console: &Path) {
    let up = wait_until(180, || {
        std::fs::read_to_string(console)
            .unwrap_or_default()
            .contains("virt-rs test guest: waiting for the power button")
    });
    assert!(
        up,
        "the guest did not boot: {}",
        std::fs::read_to_string(console).unwrap_or_default()
    );
}

fn qemu_pid(run: &Path, name: &str) -> Option<i32> {
    let text = std::fs::read_to_string(run.join(format!("{name}.json"))).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("pid")?.as_i64().map(|p| p as i32)
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().next())
                .map(|st| st != "Z" && st != "X")
        })
        .unwrap_or(false)
}

fn connect(d: &Daemon) -> Connect {
    virt_remote::client::register();
    let uri = format!("qemu+unix:///session?socket={}", d.rw().display());
    match Connect::open(&uri) {
        Ok(c) => c,
        Err(e) => panic!("connect: {e}\n{}", d.log()),
    }
}

fn start_daemon(dir: PathBuf, qemu_root: &Path) -> Daemon {
    Daemon::start_in_with_env(
        dir,
        &[],
        &[
            ("VIRT_QEMU_ROOT", qemu_root.as_os_str()),
            (
                "RUST_LOG",
                std::ffi::OsStr::new("virt_proxy=debug,virt_qemu=debug"),
            ),
        ],
    )
}

/// Kills what a failed test left running.
struct Reaper(Vec<i32>);

impl Drop for Reaper {
    fn drop(&mut self) {
        for &pid in &self.0 {
            if alive(pid) {
                common::signal(pid as u32, libc::SIGKILL);
            }
        }
    }
}

#[test]
fn guest_power_off_is_seen_at_once() {
    let Some(g) = guest("guest_power_off_is_seen_at_once") else {
        return;
    };
    let root_dir = scratch_dir("watch-root");
    let qemu_root = root_dir.path();
    let run = qemu_root.join("session/run");
    let console = qemu_root.join("console.log");
    let mut d = start_daemon(temp_dir("watch"), qemu_root);
    let c = connect(&d);
    let dom = c
        .create_xml(&linux_xml("linux", &g, &console), 0)
        .expect("create");
    let pid = qemu_pid(&run, "linux").expect("QEMU pid");
    let _reaper = Reaper(vec![pid]);
    wait_boot(&console);
    let sub = c
        .subscribe(EventFilter::domain(domain_event_id::LIFECYCLE))
        .expect("subscribe");
    // Nobody calls but the power button: the daemon's own loop must stop
    // the guest, clean up and tell the subscriber.
    let mut seen = Vec::new();
    let stopped = press_until(&dom, 6, || {
        while let Some(Delivery::Event(Event::Domain {
            dom,
            kind: DomainEventKind::Lifecycle { event, detail },
        })) = sub.try_recv()
        {
            if dom.name == "linux" {
                seen.push((event, detail));
            }
        }
        seen.iter().any(|(e, _)| *e == LifecycleEvent::Stopped)
    });
    assert!(stopped, "no STOPPED event: {seen:?}\n{}", d.log());
    // libvirt's order: the guest shut down, then the domain stopped.
    assert_eq!(
        seen,
        [
            (LifecycleEvent::Shutdown, lifecycle_detail::shutdown::GUEST),
            (LifecycleEvent::Stopped, lifecycle_detail::stopped::SHUTDOWN)
        ]
    );
    // Stopped as the daemon's loop saw it, not because a call looked.
    let stopped = d.log().contains("domain 'linux': stopped (5, reason 1)");
    assert!(stopped, "the daemon did not see the power-off: {}", d.log());
    for line in d.log().lines().filter(|l| l.contains("ms after QEMU's")) {
        println!("guest_power_off_is_seen_at_once: {line}");
    }
    assert!(!alive(pid), "QEMU {pid} still runs");
    assert!(!run.join("linux.json").exists(), "runtime record left");
    assert!(!run.join("linux.xml").exists(), "live XML left");
    assert!(
        c.list_all_domains(0).expect("list").is_empty(),
        "the transient guest is gone"
    );
    assert!(std::fs::read_to_string(&console)
        .unwrap_or_default()
        .contains("power button, powering off"));
    d.stop();
}

/// Send `system_powerdown` on a guest's QMP socket (no daemon holds it).
fn press_power_button(monitor: &Path) {
    let s = UnixStream::connect(monitor).expect("monitor socket");
    let _ = s.set_read_timeout(Some(Duration::from_secs(60)));
    let mut m = virt_qemu::qmp::Monitor::handshake(s).expect("QMP handshake");
    m.execute("system_powerdown", None)
        .expect("system_powerdown");
    loop {
        let e = m.next_event().expect("QMP event");
        if e.name == "SHUTDOWN" {
            break;
        }
    }
}

fn monitor_of(run: &Path, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(run.join(format!("{name}.json"))).expect("record");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    PathBuf::from(v["monitor"].as_str().expect("monitor"))
}

#[test]
fn guests_outlive_a_killed_daemon() {
    let Some(g) = guest("guests_outlive_a_killed_daemon") else {
        return;
    };
    let root_dir = scratch_dir("survive-root");
    let qemu_root = root_dir.path();
    let run = qemu_root.join("session/run");
    let console = qemu_root.join("console.log");
    let console2 = qemu_root.join("console2.log");
    let mut first = start_daemon(temp_dir("survive1"), qemu_root);
    let c = connect(&first);
    // Three persistent guests: one keeps running, one is powered off and
    // one is killed while no daemon runs.
    for (name, xml) in [
        ("keeps", linux_xml("keeps", &g, &console)),
        ("poweroff", linux_xml("poweroff", &g, &console2)),
        ("killed", tiny_xml("killed")),
    ] {
        c.define_xml(&xml)
            .and_then(|mut dom| dom.create().map(|_| ()))
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
    }
    let pids: Vec<i32> = ["keeps", "poweroff", "killed"]
        .iter()
        .map(|n| qemu_pid(&run, n).expect("pid"))
        .collect();
    let _reaper = Reaper(pids.clone());
    let id_before = c.lookup_by_name("keeps").expect("keeps").id();
    wait_boot(&console);
    wait_boot(&console2);
    drop(c);

    common::signal(first.pid(), libc::SIGKILL);
    assert!(first.wait(Duration::from_secs(10)).is_some(), "daemon died");
    assert!(
        pids.iter().all(|&p| alive(p)),
        "guests died with the daemon"
    );
    // While no daemon runs: one guest powers off, one QEMU is killed.
    press_power_button(&monitor_of(&run, "poweroff"));
    common::signal(pids[2] as u32, libc::SIGKILL);
    let gone = wait_until(10, || !alive(pids[2]));
    assert!(gone);

    let mut second = start_daemon(temp_dir("survive2"), qemu_root);
    let c = connect(&second);
    let state = |name: &str| {
        c.lookup_by_name(name)
            .and_then(|d| d.state())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    assert_eq!(state("keeps"), (DomainState::Running, 1), "booted");
    assert_eq!(c.lookup_by_name("keeps").expect("keeps").id(), id_before);
    // VIR_DOMAIN_SHUTOFF_SHUTDOWN and VIR_DOMAIN_SHUTOFF_CRASHED.
    assert_eq!(state("poweroff"), (DomainState::Shutoff, 1));
    assert_eq!(state("killed"), (DomainState::Shutoff, 3));
    assert!(!alive(pids[1]), "the powered-off guest's QEMU was stopped");
    assert!(second.log().contains("domain 'keeps' found running"));

    // The new daemon watches the guest it adopted: a power-off inside is
    // applied with nobody asking.
    let keeps = c.lookup_by_name("keeps").expect("keeps");
    let stopped = press_until(&keeps, 6, || {
        second
            .log()
            .contains("domain 'keeps': stopped (5, reason 1)")
    });
    assert!(
        stopped,
        "the new daemon did not see the power-off: {}",
        second.log()
    );
    assert!(!alive(pids[0]));
    assert_eq!(state("keeps"), (DomainState::Shutoff, 1));
    for n in ["keeps", "poweroff", "killed"] {
        c.lookup_by_name(n)
            .and_then(|d| d.undefine())
            .unwrap_or_else(|e| panic!("undefine {n}: {e}"));
    }
    drop(c);
    second.stop();
}
