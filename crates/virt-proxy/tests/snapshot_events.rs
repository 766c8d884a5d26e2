//! The lifecycle events of snapshot creation and revert (STARTED,
//! SUSPENDED, STOPPED ... FROM_SNAPSHOT) through the daemon as libvirt's
//! test driver sends them: snapshot_events.py runs under Debian's
//! python3-libvirt against libvirt 9.0's test:///default and against
//! virt-proxy's, and the transcripts (result, events, state after each
//! step) must be the same.

mod common;

use common::Daemon;
use std::process::Command;
use virt_testkit::peer;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshot_events.py");

fn transcript(uri: &str) -> String {
    let out = Command::new("/usr/bin/python3")
        .args([SCRIPT, uri])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn snapshot_revert_events_are_libvirts() {
    let test = "snapshot_revert_events_are_libvirts";
    if !peer(
        test,
        "/usr/lib/python3/dist-packages/libvirt.py",
        "python3-libvirt",
    ) {
        return;
    }
    let d = Daemon::start(&[]);
    let ours = transcript(&d.uri(false));
    // Every step ran and reverts said what they did.
    assert_eq!(ours.lines().count(), 18, "{ours}");
    assert!(
        ours.contains("('test', 2, 3)"),
        "no STARTED_FROM_SNAPSHOT: {ours}"
    );
    let theirs = transcript("test:///default");
    assert_eq!(ours, theirs, "ours:\n{ours}\nlibvirt 9.0:\n{theirs}");
}
