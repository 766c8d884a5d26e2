//! Where the network driver keeps its files, and how it writes them.
//!
//! | what | session | system |
//! |---|---|---|
//! | definitions `NAME.xml` | `$XDG_CONFIG_HOME/virt-rs/network` | `/etc/virt-rs/network` |
//! | autostart marks `autostart/NAME.xml` | same, `autostart/` | same |
//! | running networks: live XML `NAME.xml`, what start did `NAME.state`, dnsmasq's `NAME.conf`, `NAME.pid`, `NAME.hostsfile`, `NAME.addnhosts`, `NAME.leases` | `$XDG_RUNTIME_DIR/virt-rs/network` | `/run/virt-rs/network` |
//!
//! `VIRT_QEMU_ROOT=DIR` moves them under `DIR/{session,system}/network`,
//! beside the QEMU driver's files.

use crate::error::{NetworkError, NetworkResult};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The directories of one connection kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Persistent definitions.
    pub config: PathBuf,
    /// Running networks.
    pub run: PathBuf,
}

fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

impl Paths {
    /// The paths of `qemu:///system` (true) or `qemu:///session` (false).
    pub fn new(system: bool) -> Paths {
        if let Some(root) = env_dir("VIRT_QEMU_ROOT") {
            return Paths::under(&root, system);
        }
        if system {
            return Paths {
                config: "/etc/virt-rs/network".into(),
                run: "/run/virt-rs/network".into(),
            };
        }
        let uid = rustix::process::getuid().as_raw();
        let config = env_dir("XDG_CONFIG_HOME")
            .or_else(|| env_dir("HOME").map(|h| h.join(".config")))
            .unwrap_or_else(|| PathBuf::from(format!("/tmp/virt-rs-{uid}/config")))
            .join("virt-rs/network");
        let run = env_dir("XDG_RUNTIME_DIR")
            .map(|d| d.join("virt-rs/network"))
            .unwrap_or_else(|| PathBuf::from(format!("/tmp/virt-rs-{uid}/network")));
        Paths { config, run }
    }

    /// The paths under a root directory (`VIRT_QEMU_ROOT`'s layout).
    pub fn under(root: &Path, system: bool) -> Paths {
        let base = root
            .join(if system { "system" } else { "session" })
            .join("network");
        Paths {
            config: base.join("config"),
            run: base.join("run"),
        }
    }

    /// Create the directories. The runtime one is readable by all:
    /// dnsmasq reads its hosts files there after dropping root.
    pub fn create(&self) -> NetworkResult<()> {
        for (d, mode) in [
            (&self.run, 0o755),
            (&self.config, 0o700),
            (&self.config.join("autostart"), 0o700),
        ] {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(mode)
                .create(d)
                .map_err(|e| {
                    NetworkError::system(format!("cannot create directory '{}'", d.display()), e)
                })?;
        }
        // dnsmasq reads its hosts files here after dropping root: the two
        // directories above the runtime one (`/run/virt-rs`, made private
        // by whichever driver came first) must let it pass, not list.
        for d in self.run.ancestors().skip(1).take(2) {
            if let Ok(m) = std::fs::metadata(d) {
                let mode = m.permissions().mode();
                if mode & 0o001 == 0 {
                    let _ =
                        std::fs::set_permissions(d, std::fs::Permissions::from_mode(mode | 0o011));
                }
            }
        }
        Ok(())
    }

    /// The persistent definition of network `name`.
    pub fn config_xml(&self, name: &str) -> PathBuf {
        self.config.join(format!("{name}.xml"))
    }
    /// The autostart mark of network `name`.
    pub fn autostart(&self, name: &str) -> PathBuf {
        self.config.join("autostart").join(format!("{name}.xml"))
    }
    /// A runtime file of network `name` (`xml`, `state`, `conf`, ...).
    pub fn run_file(&self, name: &str, suffix: &str) -> PathBuf {
        self.run.join(format!("{name}.{suffix}"))
    }
    /// The mark that autostart networks were started since the node
    /// booted (the runtime directory is emptied at boot).
    pub fn autostarted(&self) -> PathBuf {
        self.run.join(".autostarted")
    }

    /// Names of the networks with a persistent definition.
    pub fn defined_names(&self) -> Vec<String> {
        virt_host::files::stems(&self.config, "xml")
    }
    /// Names of the running networks.
    pub fn active_names(&self) -> Vec<String> {
        virt_host::files::stems(&self.run, "xml")
    }
}

/// Write `data` to `path` atomically with permissions `mode`
/// ([`virt_host::files::write_atomic`]).
pub fn write_atomic(path: &Path, data: &[u8], mode: u32) -> NetworkResult<()> {
    virt_host::files::write_atomic(path, data, mode)
        .map_err(|e| NetworkError::system(format!("cannot write '{}'", path.display()), e))
}

/// Write the runtime file `path` atomically with permissions `mode`, not
/// waiting for the disk ([`virt_host::files::write_runtime`]): what a
/// running network keeps is gone after a reboot anyway.
pub fn write_runtime(path: &Path, data: &[u8], mode: u32) -> NetworkResult<()> {
    virt_host::files::write_runtime(path, data, mode)
        .map_err(|e| NetworkError::system(format!("cannot write '{}'", path.display()), e))
}

pub use virt_host::files::remove_quiet;

/// An exclusive lock on the driver's state, released when dropped: one
/// change at a time across threads and processes.
pub struct Lock {
    _lock: virt_host::files::FileLock,
}

impl Lock {
    /// Take the lock of `paths`, waiting for it.
    pub fn acquire(paths: &Paths) -> NetworkResult<Lock> {
        use virt_host::files::{FileLock, LockFailure};
        let p = paths.run.join(".lock");
        match FileLock::acquire(&p) {
            Ok(l) => Ok(Lock { _lock: l }),
            Err(LockFailure::Open(e)) => Err(NetworkError::system(
                format!("cannot open '{}'", p.display()),
                e,
            )),
            Err(LockFailure::Lock(e)) => Err(NetworkError::system(
                format!("cannot lock '{}'", p.display()),
                e,
            )),
        }
    }
}
