//! Unmodified libvirt clients drive virt-proxy: Debian's virsh 9.0 and
//! python3-libvirt 9.0, over the daemon's sockets in a temporary
//! directory. Each skips with a notice when its client or the corpus is
//! missing.

mod common;

use common::Daemon;
use std::path::Path;
use std::process::Command;
use virt_testkit::golden;

const VIRSH: &str = "/usr/bin/virsh";
const PYTHON: &str = "/usr/bin/python3";

/// The case with its `test:///default` URI pointed at `uri`: in the
/// command line, and where virsh prints its own URI (`virsh uri` answers
/// from the client's URI, with libvirtd as with virt-proxy).
fn rewrite(case: &golden::Case, uri: &str) -> golden::Case {
    const URI: &str = "test:///default";
    let mut c = case.clone();
    for a in &mut c.argv {
        if a == URI {
            *a = uri.to_string();
        }
    }
    c.stdout = String::from_utf8_lossy(&c.stdout)
        .replace(URI, uri)
        .into_bytes();
    c
}

#[test]
fn corpus_real_virsh_over_the_socket() {
    if !virt_testkit::peer(
        "corpus_real_virsh_over_the_socket",
        VIRSH,
        "libvirt-clients",
    ) {
        return;
    }
    let dir = virt_testkit::corpus_root().join("virsh-golden");
    let Some(cases) = golden::read_cases(&dir) else {
        println!(
            "corpus_real_virsh_over_the_socket: {} absent (set VIRT_CORPUS); skipped",
            dir.display()
        );
        return;
    };
    let d = Daemon::start(&[]);
    let uri = d.uri(false);
    let (passed, failures) =
        golden::run_cases(Path::new(VIRSH), &dir, &cases, |c| rewrite(c, &uri));
    println!(
        "virsh-golden through virt-proxy (real virsh): {passed}/{} cases passed",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{}\n{}",
        failures.join("\n\n"),
        d.log()
    );
}

/// Every change virsh can ask for, on the read-only socket, and what
/// Debian's virsh 9.0 printed doing the same against libvirtd 9.0 on its
/// read-only socket (recorded on this project's build machine).
const RO_SCRIPT: &str = "destroy test; suspend test; resume test; shutdown test; reboot test; \
setmem test 1024; setmaxmem test 1024; setvcpus test 1; autostart test; define ro.xml; \
create ro.xml; start test; undefine test; list --all; domstate test";
const RO_STDOUT: &str = "\n\n\n\n\n\n\n\n\n\n\n\n\n Id   Name   State\n\
----------------------\n 1    test   running\n\nrunning\n\n";
const RO_STDERR: &str = "\
error: Failed to destroy domain 'test'
error: operation forbidden: read only access prevents virDomainDestroy
error: Failed to suspend domain 'test'
error: operation forbidden: read only access prevents virDomainSuspend
error: Failed to resume domain 'test'
error: operation forbidden: read only access prevents virDomainResume
error: Failed to shutdown domain 'test'
error: operation forbidden: read only access prevents virDomainShutdown
error: Failed to reboot domain 'test'
error: operation forbidden: read only access prevents virDomainReboot
error: operation forbidden: read only access prevents virDomainSetMemoryFlags
error: Unable to change MaxMemorySize
error: operation forbidden: read only access prevents virDomainSetMemoryFlags
error: operation forbidden: read only access prevents virDomainSetVcpus
error: Failed to mark domain 'test' as autostarted
error: operation forbidden: read only access prevents virDomainSetAutostart
error: Failed to define domain from ro.xml
error: operation forbidden: read only access prevents virDomainDefineXML
error: Failed to create domain from ro.xml
error: operation forbidden: read only access prevents virDomainCreateXML
error: Domain is already active
error: Failed to undefine domain 'test'
error: operation forbidden: read only access prevents virDomainUndefineFlags
";

#[test]
fn real_virsh_on_the_read_only_socket_is_refused() {
    if !virt_testkit::peer(
        "real_virsh_on_the_read_only_socket_is_refused",
        VIRSH,
        "libvirt-clients",
    ) {
        return;
    }
    let d = Daemon::start(&[]);
    let scratch = common::scratch_dir("ro-virsh");
    let tmp = scratch.path();
    if let Err(e) = std::fs::write(
        tmp.join("ro.xml"),
        "<domain type='test'><name>ro</name><memory>65536</memory>\
<os><type>hvm</type></os></domain>",
    ) {
        panic!("{e}");
    }
    // virsh asks for a read-write connection; the socket makes it
    // read-only whatever it asks.
    let argv = ["-c".to_string(), d.uri(true), RO_SCRIPT.to_string()];
    let got = golden::run(Path::new(VIRSH), &argv, tmp, None);
    assert_eq!(String::from_utf8_lossy(&got.stderr), RO_STDERR);
    assert_eq!(String::from_utf8_lossy(&got.stdout), RO_STDOUT);
    assert_eq!(got.exit, 0);
}

/// `py_client.py` on libvirt's own in-process test driver and on
/// virt-proxy's socket print the same document.
#[test]
fn python3_libvirt_over_the_socket() {
    if !virt_testkit::peer("python3_libvirt_over_the_socket", PYTHON, "python3") {
        return;
    }
    let has_binding = Command::new(PYTHON)
        .args(["-c", "import libvirt"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_binding {
        println!(
            "python3_libvirt_over_the_socket: python3's libvirt module not installed \
(apt-get install python3-libvirt); skipped"
        );
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py_client.py");
    let run = |uri: &str| {
        let o = match Command::new(PYTHON).arg(script).arg(uri).output() {
            Ok(o) => o,
            Err(e) => panic!("python3: {e}"),
        };
        assert!(
            o.status.success(),
            "{uri}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let want = run("test:///default");
    let d = Daemon::start(&[]);
    let uri = d.uri(false);
    // getURI() of a remote connection is the client's own URI (libvirt's
    // client answers it without asking the daemon); all else must match.
    let got = run(&uri).replace(&uri, "test:///default");
    assert_eq!(got, want, "{}", d.log());
    // The node was reset when the script's connections closed: the same
    // run gives the same document again.
    let again = run(&uri).replace(&uri, "test:///default");
    assert_eq!(again, want);
}

/// Debian's virsh asks `virDomainGetCPUStats` of the test driver through
/// virt-proxy (remote procedure 262, rows condensed as libvirt's daemon
/// sends them) and prints what it prints on libvirt's own in-process
/// test driver, for the total, per CPU, past the last CPU and refused.
#[test]
fn real_virsh_cpu_stats_over_the_socket() {
    if !virt_testkit::peer(
        "real_virsh_cpu_stats_over_the_socket",
        VIRSH,
        "libvirt-clients",
    ) {
        return;
    }
    let d = Daemon::start(&[]);
    let scratch = common::scratch_dir("cpu-stats-virsh");
    let tmp = scratch.path();
    let script = "cpu-stats test; cpu-stats test --total; cpu-stats test --start 1 --count 5; \
cpu-stats test --count 1; cpu-stats test --start 2; destroy test; cpu-stats test";
    let run = |uri: String| {
        let argv = ["-c".to_string(), uri, script.to_string()];
        golden::run(Path::new(VIRSH), &argv, tmp, None)
    };
    let ours = run(d.uri(false));
    let theirs = run("test:///default".to_string());
    assert_eq!(
        String::from_utf8_lossy(&ours.stdout),
        String::from_utf8_lossy(&theirs.stdout),
        "{}",
        d.log()
    );
    assert_eq!(
        String::from_utf8_lossy(&ours.stderr),
        String::from_utf8_lossy(&theirs.stderr)
    );
    assert!(String::from_utf8_lossy(&ours.stdout).contains("CPU1:\n"));
}
