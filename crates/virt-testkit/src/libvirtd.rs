//! A real libvirtd 9.0 for differential tests, in a temp dir: a private
//! mount namespace (unshare -m) with copies of /etc/passwd and /etc/group
//! that know libvirt-qemu (its QEMU driver looks the user up before
//! reading qemu.conf), a temp /etc/libvirt, and temp dirs over
//! /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and
//! /var/log/libvirt, so nothing of the host's is touched and its sockets
//! appear in the temp dir. Needs root, unshare and libvirtd (Debian's
//! libvirt-daemon): [`unavailable`] says why not.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's libvirtd.
pub const LIBVIRTD: &str = "/usr/sbin/libvirtd";

/// A libvirtd in a temp dir; killed and removed on drop.
pub struct Libvirtd {
    child: Child,
    dir: PathBuf,
}

impl Drop for Libvirtd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Libvirtd {
    /// The read-write socket.
    pub fn socket(&self) -> PathBuf {
        self.dir.join("run/libvirt-sock")
    }
}

/// Why libvirtd cannot run here, if it cannot.
pub fn unavailable() -> Option<String> {
    if !rustix::process::geteuid().is_root() {
        return Some("not root (libvirtd's system mode and unshare -m need it)".into());
    }
    if !Path::new(LIBVIRTD).exists() {
        return Some(format!("no {LIBVIRTD} (Debian's libvirt-daemon)"));
    }
    if Command::new("unshare").arg("--version").output().is_err() {
        return Some("no unshare".into());
    }
    None
}

/// Start one (each call its own daemon and temp dir).
pub fn start() -> Result<Libvirtd, String> {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("virt-remote-libvirtd-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["etc-libvirt", "run", "lib", "cache", "log"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| e.to_string())?;
    }
    let d = dir.display();
    let w =
        |name: &str, text: String| std::fs::write(dir.join(name), text).map_err(|e| e.to_string());
    w(
        "etc-libvirt/qemu.conf",
        "user = \"root\"\ngroup = \"root\"\n".into(),
    )?;
    w(
        "libvirtd.conf",
        format!(
            "unix_sock_group = \"root\"\nunix_sock_ro_perms = \"0777\"\nunix_sock_rw_perms = \"0770\"\n\
             auth_unix_ro = \"none\"\nauth_unix_rw = \"none\"\nlog_outputs = \"3:file:{d}/libvirtd.log\"\n"
        ),
    )?;
    let mut passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| e.to_string())?;
    if !passwd.lines().any(|l| l.starts_with("libvirt-qemu:")) {
        passwd.push_str(
            "libvirt-qemu:x:64055:64055:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin\n",
        );
    }
    w("passwd", passwd)?;
    let mut group = std::fs::read_to_string("/etc/group").map_err(|e| e.to_string())?;
    if !group.lines().any(|l| l.starts_with("libvirt-qemu:")) {
        group.push_str("libvirt-qemu:x:64055:\n");
    }
    w("group", group)?;
    let script = format!(
        "set -e
         mount --bind {d}/etc-libvirt /etc/libvirt
         mount --bind {d}/passwd /etc/passwd
         mount --bind {d}/group /etc/group
         for p in /run/libvirt:run /var/lib/libvirt:lib /var/cache/libvirt:cache /var/log/libvirt:log; do
             mkdir -p ${{p%%:*}}; mount --bind {d}/${{p#*:}} ${{p%%:*}}
         done
         exec {LIBVIRTD} -f {d}/libvirtd.conf -p {d}/libvirtd.pid"
    );
    let child = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run unshare: {e}"))?;
    let mut daemon = Libvirtd { child, dir };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !daemon.socket().exists() {
        if let Ok(Some(status)) = daemon.child.try_wait() {
            return Err(format!(
                "libvirtd exited ({status}) before its socket appeared"
            ));
        }
        if Instant::now() > deadline {
            return Err("libvirtd's socket did not appear in 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(daemon)
}
