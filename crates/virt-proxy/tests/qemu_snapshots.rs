//! Debian's virsh 9.0 takes, reverts and deletes snapshots of a running
//! QEMU guest through our daemon: an OS-less guest with a qcow2 disk, the
//! snapshot checked in the image with `qemu-img snapshot -l -U`, reverted
//! paused and running, taken with `--halt`, deleted while the guest runs.
//! Skipped with a notice without QEMU, qemu-img or Debian's virsh.

#![cfg(feature = "qemu")]

mod common;

use common::Daemon;
use std::process::Command;
use virt_testkit::{peers, DEBIAN_VIRSH};

const QEMU: &str = "/usr/bin/qemu-system-x86_64";

#[test]
fn debian_virsh_snapshots_a_running_guest_over_the_daemon() {
    let wanted = [
        (QEMU, "qemu-system-x86"),
        ("/usr/bin/qemu-img", "qemu-utils"),
        (DEBIAN_VIRSH, "libvirt-clients"),
    ];
    if !peers("qemu_snapshots", &wanted) {
        return;
    }
    let d = Daemon::start_qemu("qsnap", &[]);
    let root = d.qemu_root();
    let uri = d.qemu_uri("session");
    let run = |line: &str| d.virsh(&["-c", &uri, line]);
    let img = root.join("disk.qcow2");
    let made = Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&img)
        .arg("1M")
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "qemu-img create");
    let in_image = || {
        let out = Command::new("qemu-img")
            .args(["snapshot", "-l", "-U"])
            .arg(&img)
            .output()
            .expect("qemu-img snapshot -l -U");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let xml = root.join("g.xml");
    std::fs::write(
        &xml,
        format!(
            "<domain type='qemu'><name>g</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>\
             <os><type arch='x86_64' machine='q35'>hvm</type></os>\
             <devices><emulator>{QEMU}</emulator>\
             <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
             <source file='{}'/><target dev='vda' bus='virtio'/></disk>\
             <memballoon model='none'/></devices></domain>",
            img.display()
        ),
    )
    .expect("xml");
    run(&format!("define {}", xml.display()));
    run("start g");

    run("snapshot-create-as g s1 --description first");
    assert!(in_image().contains(" s1 "), "{}", in_image());
    let info = run("snapshot-info g s1");
    assert!(info.contains("State:          running"), "{info}");
    assert!(info.contains("Location:       internal"), "{info}");

    run("snapshot-revert g s1 --paused");
    assert_eq!(run("domstate g --reason").trim(), "paused (from snapshot)");
    run("snapshot-revert g s1");
    assert_eq!(run("domstate g --reason").trim(), "running (from snapshot)");

    run("snapshot-create-as g s2 --halt");
    assert_eq!(
        run("domstate g --reason").trim(),
        "shut off (from snapshot)"
    );
    // Shut off, back into a running snapshot: started from it.
    run("snapshot-revert g s2");
    assert_eq!(run("domstate g --reason").trim(), "running (from snapshot)");
    assert_eq!(run("snapshot-current g --name").trim(), "s2");

    run("snapshot-delete g s2");
    run("snapshot-delete g s1");
    let list = in_image();
    assert!(!list.contains(" s1 ") && !list.contains(" s2 "), "{list}");
    assert_eq!(run("domstate g").trim(), "running");
    run("destroy g");
    run("undefine g");
}
