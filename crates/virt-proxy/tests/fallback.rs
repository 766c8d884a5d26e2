//! A user without access to the hypervisor reaches root's drivers
//! read-only through the daemon's read-only socket (as libvirt_proxy gave
//! users Xen): our client, run as uid 65534, opens `qemu:///system` and
//! `xen:///` through virt-proxy's `-ro` socket (`VIRT_RO_SOCKET` points it
//! at a daemon in a temp dir), and says so in its error when neither the
//! local driver nor the socket can serve.
//!
//! The unprivileged side is this test binary itself, copied to the temp dir
//! and run under `setpriv` with only the ignored `as_unprivileged_user`
//! test; it prints what it saw, the parent checks it.

#![cfg(all(feature = "qemu", feature = "xen"))]

mod common;

use common::Daemon;
use std::path::Path;
use std::process::Command;
use virt_core::Connect;

const SETPRIV: &str = "/usr/bin/setpriv";
const NOBODY: &str = "65534";

/// Runs as uid 65534 (started by the test below): opens each URI and
/// prints one line per attempt.
#[test]
#[ignore = "run by unprivileged_users_fall_back_to_the_read_only_socket as uid 65534"]
fn as_unprivileged_user() {
    // As a client program registers them: the local drivers and the
    // remote client (the daemon itself is built without it).
    virt_drivers::register();
    virt_remote::client::register();
    for uri in ["qemu:///system", "xen:///"] {
        match Connect::open(uri) {
            Ok(c) => {
                let names: Vec<String> = c
                    .list_all_domains(0)
                    .map(|l| l.iter().map(|d| d.name().to_string()).collect())
                    .unwrap_or_default();
                let define = c.define_xml("<domain type='kvm'><name>x</name></domain>");
                println!(
                    "RESULT {uri} open read_only={} domains={names:?} define={:?}",
                    c.is_read_only(),
                    define.err().map(|e| e.to_string())
                );
            }
            Err(e) => println!("RESULT {uri} error code={:?} {e}", e.code),
        }
    }
}

/// Run `as_unprivileged_user` as uid 65534 with `VIRT_RO_SOCKET=socket`;
/// its RESULT lines.
fn unprivileged(exe: &Path, socket: &Path) -> Vec<String> {
    let out = Command::new(SETPRIV)
        .args(["--reuid", NOBODY, "--regid", NOBODY, "--clear-groups"])
        .arg(exe)
        .args([
            "--ignored",
            "--exact",
            "as_unprivileged_user",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("VIRT_RO_SOCKET", socket)
        .env_remove("LIBVIRT_DEFAULT_URI")
        .env("HOME", "/nonexistent")
        .env_remove("XDG_RUNTIME_DIR")
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("setpriv: {e}"),
    };
    common::result_lines(&out)
}

#[test]
fn unprivileged_users_fall_back_to_the_read_only_socket() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        println!("unprivileged_users_fall_back_to_the_read_only_socket: not root (setpriv needs it); skipped");
        return;
    }
    if !virt_testkit::peer(
        "unprivileged_users_fall_back_to_the_read_only_socket",
        SETPRIV,
        "util-linux",
    ) {
        return;
    }
    // The daemon's QEMU driver keeps its system state in the temp dir.
    let dir = common::temp_dir("fallback");
    let qemu_root = dir.join("qemu");
    let d = Daemon::start_in_with_env(dir, &[], &[("VIRT_QEMU_ROOT", qemu_root.as_os_str())]);
    // A copy of this binary that uid 65534 may run.
    let exe = d.dir.join("fallback-test");
    let copied = std::env::current_exe().and_then(|me| std::fs::copy(me, &exe));
    if let Err(e) = copied {
        panic!("copy the test binary: {e}");
    }

    let lines = unprivileged(&exe, &d.ro());
    assert_eq!(lines.len(), 2, "{lines:?}");
    // qemu:///system: the root daemon's read-write socket refuses (or is
    // absent), the read-only one serves it.
    assert_eq!(
        lines[0],
        "qemu:///system open read_only=true domains=[] \
define=Some(\"operation forbidden: read only access prevents virDomainDefineXML\")",
    );
    // xen:///: no Xen here, so the daemon cannot open it either; the error
    // says what the client tried and what the daemon answered.
    assert!(
        lines[1].starts_with("xen:/// error code=")
            && lines[1].contains("; and the system daemon's read-only socket")
            && lines[1].contains("could not serve it either: "),
        "{}",
        lines[1]
    );
    // The daemon saw uid 65534 on its read-only socket.
    assert!(
        d.log().contains("(read-only): uid=65534 gid=65534"),
        "{}",
        d.log()
    );

    // Without a daemon, the error names both failures.
    let gone = d.dir.join("no-such-socket");
    let lines = unprivileged(&exe, &gone);
    assert!(
        lines[0].starts_with("qemu:///system error code=")
            && lines[0].contains("Failed to connect socket to '/run/libvirt/libvirt-sock'")
            && lines[0].contains(&format!(
                "; and the system daemon's read-only socket {} could not serve it either: ",
                gone.display()
            )),
        "{}",
        lines[0]
    );
}
