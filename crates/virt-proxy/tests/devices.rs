//! Debian's virsh 9.0 reaches a QEMU guest's devices through our daemon:
//! `console` (virDomainOpenConsole, a stream both ways over libvirt's
//! remote protocol) on the tiny Linux guest's serial PTY, run on a
//! pseudo-terminal, and `attach-disk` / `detach-disk` of a virtio disk the
//! guest sees come and go. Skipped with a notice without Debian's virsh,
//! QEMU, util-linux's `script` or the guest of `cargo xtask guest`.

#![cfg(feature = "qemu")]

mod common;

use common::Daemon;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;
use virt_testkit::guest::{LinuxDomain, PTY_CONSOLE, QEMU};
use virt_testkit::tty::OnTty;
use virt_testkit::{linux_guest, wait_until, DEBIAN_VIRSH};

/// The guest's kernel and initrd, when every peer is here.
fn peers(test: &str) -> Option<(PathBuf, PathBuf)> {
    let wanted = [
        (QEMU, "qemu-system-x86"),
        (DEBIAN_VIRSH, "libvirt-clients"),
        ("/usr/bin/script", "bsdutils"),
    ];
    if virt_testkit::peers(test, &wanted) {
        linux_guest(test)
    } else {
        None
    }
}

#[test]
fn debian_virsh_console_and_disk_hotplug_over_the_daemon() {
    let Some(guest) = peers("devices") else {
        return;
    };
    let d = Daemon::start_qemu("devices", &[]);
    let root = d.qemu_root();
    let uri = d.qemu_uri("session");
    let run = |line: &str| d.virsh(&["-c", &uri, line]);
    let disk = root.join("extra.img");
    std::fs::File::create(&disk)
        .and_then(|f| f.set_len(8 << 20))
        .expect("disk image");
    let xml = root.join("g.xml");
    std::fs::write(
        &xml,
        LinuxDomain {
            machine: "pc",
            devices: &format!("{PTY_CONSOLE}<memballoon model='none'/>"),
            ..LinuxDomain::default()
        }
        .xml("g", &guest),
    )
    .expect("xml");
    run(&format!("create {}", xml.display()));

    // The console, on a pseudo-terminal: Debian's virsh prints its
    // banner, the guest's lines come through the stream.
    let line = format!("{DEBIAN_VIRSH} -c '{uri}' console g");
    let mut tty = OnTty::start(&line, None);
    let text = || tty.text();
    let banner = "Connected to domain 'g'\r\nEscape character is ^] (Ctrl + ])\r\n";
    assert!(wait_until(30, || text().contains(banner)), "{:?}", text());
    assert!(
        wait_until(180, || text().contains("virt-rs test guest: tick")),
        "{:?}\n{}",
        text(),
        d.log()
    );
    // The guest reports its disks: a virtio disk plugged through the
    // daemon appears there, and goes again.
    run(&format!(
        "attach-disk g {} vdb --targetbus virtio --live",
        disk.display()
    ));
    // The guest names its disks in the order it finds them: the only
    // one is its vda, whatever the target says.
    let has_vdb = |t: &str| {
        t.lines()
            .rev()
            .find_map(|l| l.split(' ').find_map(|w| w.strip_prefix("disks=")))
            .is_some_and(|l| l.split(',').any(|d| d.trim() == "vda"))
    };
    assert!(wait_until(90, || has_vdb(&text())), "{:?}", text());
    assert!(run("domblklist g").contains("vdb"));
    // The unplug the guest grants reaches subscribers as DEVICE_REMOVED.
    let watcher = Command::new(DEBIAN_VIRSH)
        .args([
            "-c",
            &uri,
            "event",
            "g",
            "--event",
            "device-removed",
            "--timeout",
            "60",
        ])
        .env("LC_ALL", "C")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("virsh event runs");
    std::thread::sleep(Duration::from_secs(2));
    run("detach-disk g vdb --live");
    assert!(wait_until(90, || !has_vdb(&text())), "{:?}", text());
    let events = watcher.wait_with_output().expect("virsh event ends");
    let events = String::from_utf8_lossy(&events.stdout);
    assert!(
        events.contains("event 'device-removed' for domain 'g': vdb"),
        "{events}"
    );
    // ^] ends the session; the guest runs on.
    tty.type_bytes(&[0x1d]);
    assert_eq!(tty.exit(15), Some(true), "{:?}", tty.text());
    assert!(run("domstate g").starts_with("running"));
    run("destroy g");
}
