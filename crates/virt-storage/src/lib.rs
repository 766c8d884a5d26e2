//! The storage driver of virt-rs for `qemu:///session` and `qemu:///system`:
//! the pools and volumes guests' disks come from.
//!
//! - [`paths`]: where definitions and runtime state live, atomic writes,
//!   the lock that serialises changes.
//! - [`image`]: volume files: raw files made and measured directly (sparse,
//!   allocation from the file's real blocks), other formats through
//!   Debian's `qemu-img`.
//! - [`fs`] and [`lvm`]: the `fs` and `netfs` (a file system mounted from
//!   a device or a server) and `logical` (an LVM volume group) pool types,
//!   through Debian's mount, mkfs and lvm2 tools.
//! - [`transfer`]: volumes as the driver's end of upload and download
//!   streams, holes kept.
//! - [`StorageDriver`]: the [`virt_core::Driver`] member answering the
//!   storage calls; virt-drivers stacks it under the QEMU driver
//!   ([`open`]).
//! - [`StorageError`]: this crate's error, convertible into libvirt's.
//!
//! Pools of type `dir`, `fs`, `netfs` and `logical` are served; other types are refused with libvirt's
//! "not supported" error for that type. Everything is kept on disk, so a
//! new process (or a restarted daemon) knows every pool.
#![warn(missing_docs)]

mod driver;
pub mod error;
pub mod fs;
pub mod image;
pub mod lvm;
pub mod paths;
pub mod transfer;

pub use driver::StorageDriver;
pub use error::StorageError;

use virt_core::{Driver, Result, Uri};

/// Open the storage member for a `qemu:` URI, or decline a URI that is
/// not ours (the same ones the QEMU driver takes).
pub fn open(uri: &Uri, read_only: bool) -> Option<Result<Box<dyn Driver>>> {
    if uri.driver != "qemu" || !uri.is_local() {
        return None;
    }
    let opened = match uri.path.as_str() {
        "/system" => StorageDriver::open(true, read_only),
        "/session" => StorageDriver::open(false, read_only),
        // The embedded QEMU driver refuses a missing or relative root.
        "/embed" => match uri.param("root").filter(|r| r.starts_with('/')) {
            Some(root) => StorageDriver::with_paths(paths::under(std::path::Path::new(root))),
            None => return None,
        },
        _ => return None,
    };
    Some(opened.map(|d| Box::new(d) as Box<dyn Driver>))
}

#[cfg(test)]
mod tests;
