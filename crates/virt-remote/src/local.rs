//! The node's QEMU guests live in the daemon: `qemu:///system` and
//! `qemu:///session` (no transport, no host) are carried to virt-proxy over
//! its local socket, as libvirt's client carries them to libvirtd.
//!
//! - `qemu:///system`: root's daemon on `/run/libvirt/libvirt-sock`.
//! - `qemu:///session`: the user's daemon on
//!   `$XDG_RUNTIME_DIR/libvirt/libvirt-sock` (`$HOME/.cache/libvirt`
//!   without it). When nothing answers there, the client starts
//!   `virt-proxy --listen DIR --timeout 30` for the user itself (the
//!   original libvirt's auto-forked daemon) and connects once it listens;
//!   that daemon leaves again when it has had no client and no guest for
//!   the timeout.
//!
//! The daemon binary is `$VIRT_PROXY` if set, else `virt-proxy` beside the
//! running program (or one directory up, for test binaries in `deps/`),
//! else `virt-proxy` on the `PATH`.

use std::io::ErrorKind;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use virt_core::{Error, ErrorCode, ErrorDomain, Uri};

use crate::client::SYSTEM_SOCKET;

/// The environment variable naming the daemon binary to start.
pub const PROXY_ENV: &str = "VIRT_PROXY";

/// How long an auto-started daemon may stay without clients and guests.
pub const SESSION_IDLE_SECS: u32 = 30;

/// How long a client waits for the daemon it started to listen.
const START_WAIT: Duration = Duration::from_secs(10);

/// Set in the daemon itself: it serves the node's URIs, and must never
/// hand them to a daemon (itself) over a socket.
static SERVING_NODE: AtomicBool = AtomicBool::new(false);

/// This process is the node's daemon: the node's URIs are no longer
/// carried to a daemon from here (the daemon's own QEMU driver takes them).
pub fn serving_node() {
    SERVING_NODE.store(true, Ordering::Release);
}

/// Where a local node URI's daemon listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalDaemon {
    /// Its read-write socket.
    pub socket: PathBuf,
    /// The client may start it (the user's session daemon).
    pub may_start: bool,
}

/// The daemon serving `uri` when it is one of the node's QEMU URIs without
/// a transport; `None` for every other URI.
pub fn daemon_for(uri: &Uri) -> Option<LocalDaemon> {
    if SERVING_NODE.load(Ordering::Acquire) || uri.driver != "qemu" || uri.transport.is_some() {
        return None;
    }
    if uri
        .host
        .as_deref()
        .is_some_and(|h| !h.is_empty() && h != "localhost")
    {
        return None;
    }
    match uri.path.as_str() {
        "/system" => Some(LocalDaemon {
            socket: SYSTEM_SOCKET.into(),
            may_start: false,
        }),
        "/session" => Some(LocalDaemon {
            socket: session_socket(
                std::env::var_os("XDG_RUNTIME_DIR")
                    .as_deref()
                    .map(Path::new),
                std::env::var_os("HOME").as_deref().map(Path::new),
            ),
            may_start: true,
        }),
        _ => None,
    }
}

/// The user's session socket, as virt-proxy's default for a non-root user
/// (and libvirt's `virGetUserRuntimeDirectory`).
pub fn session_socket(runtime_dir: Option<&Path>, home: Option<&Path>) -> PathBuf {
    let dir = match (runtime_dir, home) {
        (Some(r), _) if r.is_absolute() => r.join("libvirt"),
        (_, Some(h)) if h.is_absolute() => h.join(".cache/libvirt"),
        _ => {
            let uid = rustix::process::geteuid().as_raw();
            std::env::temp_dir().join(format!("libvirt-{uid}"))
        }
    };
    dir.join("libvirt-sock")
}

/// Whether a failed connect means nobody listens there (so starting a
/// daemon may help), rather than a refusal of another kind.
fn nobody_listens(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::NotFound | ErrorKind::ConnectionRefused)
}

/// The daemon binary to start.
fn proxy_binary() -> PathBuf {
    if let Some(p) = std::env::var_os(PROXY_ENV).filter(|p| !p.is_empty()) {
        return p.into();
    }
    if let Ok(me) = std::env::current_exe() {
        for dir in me.ancestors().skip(1).take(2) {
            let candidate = dir.join("virt-proxy");
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    "virt-proxy".into()
}

/// Connect to the daemon's socket; for the session daemon, start it when
/// nobody listens and connect once it does.
pub fn connect(d: &LocalDaemon) -> Result<UnixStream, Error> {
    let failed = |e: &std::io::Error| {
        Error::system(
            ErrorDomain::Rpc,
            format!("Failed to connect socket to '{}'", d.socket.display()),
            e,
        )
    };
    match UnixStream::connect(&d.socket) {
        Ok(s) => return Ok(s),
        Err(e) if !(d.may_start && nobody_listens(&e)) => return Err(failed(&e)),
        Err(_) => {}
    }
    let dir = d.socket.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::system(
            ErrorDomain::Rpc,
            format!("cannot create directory '{}'", dir.display()),
            &e,
        )
    })?;
    let log_path = dir.join("virt-proxy.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| {
            Error::system(
                ErrorDomain::Rpc,
                format!("cannot open '{}'", log_path.display()),
                &e,
            )
        })?;
    let binary = proxy_binary();
    let mut cmd = Command::new(&binary);
    cmd.arg("--listen")
        .arg(dir)
        .args(["--timeout", &SESSION_IDLE_SECS.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    // SAFETY: runs in the child between fork and exec; setsid is
    // async-signal-safe and touches nothing of the parent's. The daemon
    // gets its own session so that the client's terminal (Ctrl-C, hang-up)
    // does not reach it or its guests.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|e| {
        Error::system(
            ErrorDomain::Rpc,
            format!("Failed to start the session daemon '{}'", binary.display()),
            &e,
        )
    })?;
    log::info!(
        "started {} for {} (pid {})",
        binary.display(),
        d.socket.display(),
        child.id()
    );
    // The daemon binds its socket within milliseconds; nothing tells us
    // when, so look again at short intervals, for a bounded time.
    let deadline = Instant::now() + START_WAIT;
    let mut pause = Duration::from_millis(2);
    loop {
        match UnixStream::connect(&d.socket) {
            Ok(s) => {
                // Reaped by a thread when it exits, so no zombie stays.
                let _ = std::thread::Builder::new()
                    .name("virt-proxy-reaper".into())
                    .spawn(move || child.wait());
                return Ok(s);
            }
            Err(e) if !nobody_listens(&e) => return Err(failed(&e)),
            Err(e) => {
                // A daemon that exited may have lost a race to another one
                // (which then answers) or failed; the log says why.
                let exited = matches!(child.try_wait(), Ok(Some(_)));
                if exited || Instant::now() >= deadline {
                    if let Ok(s) = UnixStream::connect(&d.socket) {
                        return Ok(s);
                    }
                    let tail = std::fs::read_to_string(&log_path).unwrap_or_default();
                    let last = tail.lines().last().unwrap_or("").to_string();
                    if !exited {
                        let _ = child.kill();
                        let _ = child.wait();
                    }
                    return Err(Error::with(
                        ErrorCode::SystemError,
                        ErrorDomain::Rpc,
                        format!(
                            "Failed to connect socket to '{}': {e}; the session daemon {} did not start listening{}",
                            d.socket.display(),
                            binary.display(),
                            if last.is_empty() { String::new() } else { format!(": {last}") }
                        ),
                    ));
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_uris_only() {
        let d = |s: &str| daemon_for(&Uri::parse(s).expect("uri"));
        assert_eq!(
            d("qemu:///system"),
            Some(LocalDaemon {
                socket: SYSTEM_SOCKET.into(),
                may_start: false
            })
        );
        assert!(d("qemu:///session").is_some_and(|l| l.may_start));
        assert_eq!(d("qemu:///embed?root=/tmp/x"), None);
        assert_eq!(d("qemu+unix:///session"), None);
        assert_eq!(d("qemu+ssh://h/system"), None);
        assert_eq!(d("test:///default"), None);
    }

    #[test]
    fn session_socket_follows_libvirt() {
        assert_eq!(
            session_socket(Some(Path::new("/run/user/1000")), None),
            Path::new("/run/user/1000/libvirt/libvirt-sock")
        );
        assert_eq!(
            session_socket(None, Some(Path::new("/home/u"))),
            Path::new("/home/u/.cache/libvirt/libvirt-sock")
        );
    }
}
