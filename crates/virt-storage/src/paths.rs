//! Where the storage driver keeps its files, and how it writes them.
//!
//! | what | session | system |
//! |---|---|---|
//! | pool definitions `NAME.xml` | `$XDG_CONFIG_HOME/virt-rs/storage` | `/etc/virt-rs/storage` |
//! | autostart marks `autostart/NAME.xml` | same, `autostart/` | same |
//! | active pools `NAME.xml` (their live XML) | `$XDG_RUNTIME_DIR/virt-rs/storage` | `/run/virt-rs/storage` |
//!
//! `VIRT_QEMU_ROOT=DIR` moves them under `DIR/{session,system}/storage`,
//! beside the QEMU driver's files.

use crate::error::{StorageError, StorageResult};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// The directories of one connection kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Persistent pool definitions.
    pub config: PathBuf,
    /// Active pools.
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
            let base = root
                .join(if system { "system" } else { "session" })
                .join("storage");
            return Paths {
                config: base.join("config"),
                run: base.join("run"),
            };
        }
        if system {
            return Paths {
                config: "/etc/virt-rs/storage".into(),
                run: "/run/virt-rs/storage".into(),
            };
        }
        let uid = rustix::process::getuid().as_raw();
        let config = env_dir("XDG_CONFIG_HOME")
            .or_else(|| env_dir("HOME").map(|h| h.join(".config")))
            .unwrap_or_else(|| PathBuf::from(format!("/tmp/virt-rs-{uid}/config")))
            .join("virt-rs/storage");
        let run = env_dir("XDG_RUNTIME_DIR")
            .map(|d| d.join("virt-rs/storage"))
            .unwrap_or_else(|| PathBuf::from(format!("/tmp/virt-rs-{uid}/storage")));
        Paths { config, run }
    }

    /// The paths of `qemu:///embed?root=DIR`: `DIR/storage/config` and
    /// `DIR/storage/run`, beside the embedded QEMU driver's files.
    pub fn under(root: &Path) -> Paths {
        let base = root.join("storage");
        Paths {
            config: base.join("config"),
            run: base.join("run"),
        }
    }

    /// Create the directories (private to the user).
    pub fn create(&self) -> StorageResult<()> {
        for d in [&self.config, &self.config.join("autostart"), &self.run] {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(d)
                .map_err(|e| {
                    StorageError::system(format!("cannot create directory '{}'", d.display()), e)
                })?;
        }
        Ok(())
    }

    /// The persistent definition of pool `name`.
    pub fn config_xml(&self, name: &str) -> PathBuf {
        self.config.join(format!("{name}.xml"))
    }
    /// The autostart mark of pool `name`.
    pub fn autostart(&self, name: &str) -> PathBuf {
        self.config.join("autostart").join(format!("{name}.xml"))
    }
    /// The live XML of active pool `name`.
    pub fn live_xml(&self, name: &str) -> PathBuf {
        self.run.join(format!("{name}.xml"))
    }
    /// The mark that autostart pools were started since the node booted
    /// (the runtime directory is emptied at boot).
    pub fn autostarted(&self) -> PathBuf {
        self.run.join(".autostarted")
    }

    /// Names of the pools with a persistent definition.
    pub fn defined_names(&self) -> Vec<String> {
        virt_host::files::stems(&self.config, "xml")
    }
    /// Names of the active pools.
    pub fn active_names(&self) -> Vec<String> {
        virt_host::files::stems(&self.run, "xml")
    }
}

/// Write `data` to `path` atomically, 0600
/// ([`virt_host::files::write_atomic`]).
pub fn write_atomic(path: &Path, data: &[u8]) -> StorageResult<()> {
    virt_host::files::write_atomic(path, data, 0o600)
        .map_err(|e| StorageError::system(format!("cannot write '{}'", path.display()), e))
}

pub use virt_host::files::remove_quiet;

/// An exclusive lock on the driver's state, released when dropped: one
/// change at a time across threads and processes.
pub struct Lock {
    _lock: virt_host::files::FileLock,
}

impl Lock {
    /// Take the lock of `paths`, waiting for it.
    pub fn acquire(paths: &Paths) -> StorageResult<Lock> {
        use virt_host::files::{FileLock, LockFailure};
        let p = paths.run.join(".lock");
        match FileLock::acquire(&p) {
            Ok(l) => Ok(Lock { _lock: l }),
            Err(LockFailure::Open(e)) => Err(StorageError::system(
                format!("cannot open '{}'", p.display()),
                e,
            )),
            Err(LockFailure::Lock(e)) => Err(StorageError::system(
                format!("cannot lock '{}'", p.display()),
                e,
            )),
        }
    }
}
