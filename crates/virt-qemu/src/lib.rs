//! The QEMU/KVM driver of virt-rs: `qemu:///session` and `qemu:///system`.
//!
//! - [`argv`]: domain XML -> QEMU 7.2 command line.
//! - [`qmp`]: the QMP monitor protocol (codec + blocking client).
//! - [`process`]: spawning, reaping and watching QEMU (pidfd, no polling).
//! - [`state`]: definitions and runtime records on disk, locks.
//! - [`QemuDriver`]: the [`virt_core::Driver`] implementation.
//!
//! The driver runs inside the calling process and keeps everything on
//! disk, so one process can start a guest and the next one finds, controls
//! and stops it. Call [`register`] once so that `virt_core::Connect::open`
//! serves `qemu:` URIs.
#![warn(missing_docs)]

pub mod argv;
mod driver;
pub mod error;
pub mod process;
pub mod qmp;
pub mod state;

pub use driver::QemuDriver;
pub use error::QemuError;

use virt_core::{Driver, DriverEntry, Result, Uri};

/// Register the QEMU driver with virt-core's URI registry.
pub fn register() {
    virt_core::register_driver(DriverEntry {
        name: "qemu",
        default_uri: None,
        open,
    });
}

/// Open a connection for a `qemu:` URI, or decline a URI that is not ours
/// (other schemes, remote hosts, transports).
pub fn open(uri: &Uri, read_only: bool) -> Option<Result<Box<dyn Driver>>> {
    if uri.driver != "qemu" || uri.transport.is_some() {
        return None;
    }
    if uri.host.as_deref().is_some_and(|h| h != "localhost") {
        return None;
    }
    Some(QemuDriver::open(&uri.path, read_only).map(|d| Box::new(d) as Box<dyn Driver>))
}

#[cfg(test)]
mod tests;
