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
use std::path::Path;

/// The storage driver's directories: pool definitions in `config`, active
/// pools' live XML in `run` (virt-host's layout for kind `storage`).
pub type Paths = virt_host::dirs::StateDirs;

/// The directories of `qemu:///system` (true) or `qemu:///session`.
pub fn located(system: bool) -> Paths {
    Paths::located("storage", system)
}

/// The directories of `qemu:///embed?root=DIR`: `DIR/storage/config` and
/// `DIR/storage/run`, beside the embedded QEMU driver's files.
pub fn under(root: &Path) -> Paths {
    Paths::under(&root.join("storage"))
}

/// Create the directories (private to the user).
pub fn create(paths: &Paths) -> StorageResult<()> {
    Ok(paths.create(0o700)?)
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
pub type Lock = virt_host::files::FileLock;
