//! Our virsh drives a real libvirtd 9.0 through the remote driver: every
//! virsh-golden case, its URI rewritten to `test+unix:///default?socket=..`
//! (and to `test+ssh://root@127.0.0.1:PORT/default?..` through a throwaway
//! sshd), prints what Debian's virsh printed locally.
//!
//! libvirtd runs in a temp dir: a private mount namespace (unshare -m)
//! with copies of /etc/passwd and /etc/group that know libvirt-qemu (its
//! QEMU driver looks the user up before reading qemu.conf), a temp
//! /etc/libvirt, and temp dirs over /run/libvirt, /var/lib/libvirt,
//! /var/cache/libvirt and /var/log/libvirt, so nothing of the host's is
//! touched and its sockets appear in the temp dir. Needs root, unshare and
//! libvirtd (Debian's libvirt-daemon); without them it says so and passes.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use virt_testkit::libvirtd::{start, unavailable};

fn args(s: &[&str]) -> Vec<String> {
    s.iter().map(|a| a.to_string()).collect()
}

#[test]
fn corpus_virsh_golden_through_libvirtd() {
    let Some(cases) = golden_cases() else {
        println!(
            "virsh-golden over libvirtd: {} absent, skipped",
            corpus().join("virsh-golden").display()
        );
        return;
    };
    if let Some(why) = unavailable() {
        println!("virsh-golden over libvirtd: skipped, {why}");
        return;
    }
    let daemon = match start() {
        Ok(d) => d,
        Err(e) => panic!("libvirtd did not start: {e}"),
    };
    let uri = format!("test+unix:///default?socket={}", daemon.socket().display());
    // The URI really leads to that socket: without it, the same words
    // and exit as Debian's virsh.
    let gone = args(&[
        "-c",
        "test+unix:///default?socket=/nonexistent/sock",
        "list",
    ]);
    let ours = run_virsh(&gone, Path::new("/"), None);
    assert_eq!(ours.exit, 1);
    assert_eq!(
        String::from_utf8_lossy(&ours.stderr),
        "error: failed to connect to the hypervisor\n\
         error: Failed to connect socket to '/nonexistent/sock': No such file or directory\n"
    );
    let (passed, failures) = run_golden(&cases, |a| a.replace("test:///default", &uri));
    println!(
        "virsh-golden over libvirtd: {passed}/{} cases passed",
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A throwaway sshd on 127.0.0.1 that lets root in with a key of its own.
struct Sshd {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn sshd() -> Result<Sshd, String> {
    for tool in [
        "/usr/sbin/sshd",
        "/usr/bin/ssh",
        "/usr/bin/ssh-keygen",
        "/usr/bin/nc",
    ] {
        if !Path::new(tool).exists() {
            return Err(format!(
                "no {tool} (Debian's openssh-server, openssh-client, netcat-openbsd)"
            ));
        }
    }
    let dir = std::env::temp_dir().join(format!("virt-remote-sshd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let d = dir.display();
    for key in ["hostkey", "id"] {
        let ok = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(dir.join(key))
            .status()
            .map_err(|e| e.to_string())?;
        if !ok.success() {
            return Err("ssh-keygen failed".into());
        }
    }
    std::fs::copy(dir.join("id.pub"), dir.join("authorized_keys")).map_err(|e| e.to_string())?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    std::fs::write(
        dir.join("sshd_config"),
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/hostkey\nAuthorizedKeysFile {d}/authorized_keys\n\
             PidFile {d}/sshd.pid\nStrictModes no\nUsePAM no\nPermitRootLogin yes\nPasswordAuthentication no\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    // sshd refuses to start without its privilege separation directory.
    std::fs::create_dir_all("/run/sshd").map_err(|e| e.to_string())?;
    let child = Command::new("/usr/sbin/sshd")
        .args(["-D", "-e", "-f"])
        .arg(dir.join("sshd_config"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let s = Sshd { child, port, dir };
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err("sshd did not listen in 10 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(s)
}

/// The ssh transport end to end: our virsh runs ssh to a real sshd, which
/// runs `nc -U` to libvirtd's socket (libvirt's classic ssh proxy), and
/// every golden case still prints what Debian's virsh printed.
#[test]
fn corpus_virsh_golden_over_ssh() {
    let Some(cases) = golden_cases() else {
        println!("virsh-golden over ssh: corpus absent, skipped");
        return;
    };
    if let Some(why) = unavailable() {
        println!("virsh-golden over ssh: skipped, {why}");
        return;
    }
    let ssh = match sshd() {
        Ok(s) => s,
        Err(why) => {
            println!("virsh-golden over ssh: skipped, {why}");
            return;
        }
    };
    let daemon = match start() {
        Ok(d) => d,
        Err(e) => panic!("libvirtd did not start: {e}"),
    };
    // Host keys of a throwaway sshd are not recorded anywhere; one
    // master connection carries the cases' sessions.
    let wrapper = ssh.dir.join("ssh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec ssh -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \\\n\
             -o ControlMaster=auto -o ControlPath={}/cm -o ControlPersist=60 \"$@\"\n",
            ssh.dir.display()
        ),
    )
    .unwrap();
    let proxy = ssh.dir.join("proxy");
    std::fs::write(
        &proxy,
        format!("#!/bin/sh\nexec nc -U {}\n", daemon.socket().display()),
    )
    .unwrap();
    for f in [&wrapper, &proxy] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let uri = format!(
        "test+ssh://root@127.0.0.1:{}/default?command={}&proxy={}&keyfile={}&no_verify=1",
        ssh.port,
        wrapper.display(),
        proxy.display(),
        ssh.dir.join("id").display()
    );
    let (passed, failures) = run_golden(&cases, |a| a.replace("test:///default", &uri));
    println!(
        "virsh-golden over ssh: {passed}/{} cases passed",
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Our virsh's `event --all --loop` (and `--timestamp`) prints, for
/// actions on libvirtd's test:///default, what Debian's virsh prints.
#[test]
fn our_virsh_event_over_libvirtd() {
    use virt_testkit::events::{transcript, untimestamped, LIBVIRTD_TRANSCRIPT, VIRSH};
    let test = "our_virsh_event_over_libvirtd";
    if !Path::new(VIRSH).exists() {
        println!("{test}: {VIRSH} not installed (apt-get install libvirt-clients); skipped");
        return;
    }
    if let Some(why) = unavailable() {
        println!("{test}: skipped, {why}");
        return;
    }
    let daemon = match start() {
        Ok(d) => d,
        Err(e) => panic!("libvirtd did not start: {e}"),
    };
    let uri = format!("test+unix:///default?socket={}", daemon.socket().display());
    let ours = env!("CARGO_BIN_EXE_virsh");
    assert_eq!(transcript(ours, &uri, &[]), LIBVIRTD_TRANSCRIPT);
    let stamped = transcript(ours, &uri, &["--timestamp"]);
    let plain: String = stamped
        .lines()
        .map(|l| format!("{}\n", untimestamped(l)))
        .collect();
    assert_eq!(plain, LIBVIRTD_TRANSCRIPT);
}
