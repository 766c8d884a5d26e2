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
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The network driver's directories: definitions in `config`, running
/// networks' files in `run` (virt-host's layout for kind `network`).
pub type Paths = virt_host::dirs::StateDirs;

/// The directories of `qemu:///system` (true) or `qemu:///session`.
pub fn located(system: bool) -> Paths {
    Paths::located("network", system)
}

/// The directories under a root directory (`VIRT_QEMU_ROOT`'s layout:
/// `ROOT/{system,session}/network`).
pub fn under(root: &Path, system: bool) -> Paths {
    Paths::under(
        &root
            .join(if system { "system" } else { "session" })
            .join("network"),
    )
}

/// Create the directories. The runtime one is readable by all: dnsmasq
/// reads its hosts files there after dropping root.
pub fn create(paths: &Paths) -> NetworkResult<()> {
    paths.create(0o755)?;
    // dnsmasq reads its hosts files here after dropping root: the two
    // directories above the runtime one (`/run/virt-rs`, made private
    // by whichever driver came first) must let it pass, not list.
    for d in paths.run.ancestors().skip(1).take(2) {
        if let Ok(m) = std::fs::metadata(d) {
            let mode = m.permissions().mode();
            if mode & 0o001 == 0 {
                let _ = std::fs::set_permissions(d, std::fs::Permissions::from_mode(mode | 0o011));
            }
        }
    }
    Ok(())
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
pub type Lock = virt_host::files::FileLock;

/// Take the lock of `paths`, waiting for it.
pub fn lock(paths: &Paths) -> NetworkResult<Lock> {
    Ok(paths.lock()?)
}
