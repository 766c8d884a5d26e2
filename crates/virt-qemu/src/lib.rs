//! The QEMU/KVM driver of virt-rs: `qemu:///session` and `qemu:///system`
//! inside the daemon (virt-proxy), `qemu:///embed?root=DIR` in any process.
//!
//! - [`argv`]: domain XML -> QEMU 7.2 command line.
//! - [`capabilities`]: what the installed QEMU binaries can do (probed
//!   over QMP, cached on disk), for the capabilities XML.
//! - [`domcaps`]: the domain capabilities of one binary and machine type.
//! - [`qmp`]: the QMP monitor protocol (codec + blocking client).
//! - [`agent`]: the QEMU guest agent's protocol (sync, file system
//!   freeze and thaw) over the host end of its virtio channel.
//! - [`postparse`]: libvirt's define-time defaults (machine, CPU, devices).
//! - [`process`]: spawning, reaping and watching QEMU (pidfd, no polling).
//! - [`state`]: definitions and runtime records on disk, locks.
//! - [`QemuDriver`]: the [`virt_core::Driver`] implementation.
//!
//! The node's guests (`qemu:///system`, `qemu:///session`) belong to the
//! daemon: it calls [`serve_node`], and only then does this driver take
//! those URIs (elsewhere the remote client carries them to the daemon).
//! `qemu:///embed?root=DIR` (libvirt 6.1's spelling) runs the driver inside
//! the calling process with every file under DIR, for programs that embed
//! it and for tests. Everything is kept on disk, so a restarted process
//! finds, controls and stops the guests it left. Call [`register`] once so
//! that `virt_core::Connect::open` serves `qemu:` URIs.
#![warn(missing_docs)]

pub mod agent;
pub mod argv;
pub mod capabilities;
pub mod domcaps;
mod driver;
pub mod error;
pub mod postparse;
pub mod process;
pub mod qmp;
pub mod state;

pub use driver::tap;
pub use driver::QemuDriver;
pub use error::QemuError;

use std::sync::atomic::{AtomicBool, Ordering};
use virt_core::{Driver, DriverEntry, Result, Uri};

/// Set in the daemon: this process owns the node's guests.
static SERVES_NODE: AtomicBool = AtomicBool::new(false);

/// Make this process the owner of the node's guests (the daemon calls it
/// once, before serving): `qemu:///system` and `qemu:///session` are then
/// opened here instead of being left to the remote client.
pub fn serve_node() {
    SERVES_NODE.store(true, Ordering::Release);
    driver::start_watching();
}

/// True while any guest of the node (system or session) runs: its runtime
/// record names a QEMU that lives. The daemon stays while this holds.
pub fn guests_running() -> bool {
    [false, true].into_iter().any(|system| {
        let paths = state::Paths::new(system);
        paths.active_names().iter().any(|name| {
            state::Runtime::load(&paths, name)
                .is_some_and(|rt| process::Process::attach(rt.pid, rt.start_time).is_some())
        })
    })
}

/// True in the process that owns the node's guests (see [`serve_node`]).
pub fn serves_node() -> bool {
    SERVES_NODE.load(Ordering::Acquire)
}

/// Register the QEMU driver with virt-core's URI registry.
pub fn register() {
    virt_core::register_driver(DriverEntry {
        name: "qemu",
        default_uri: None,
        open,
    });
}

/// Open a connection for a `qemu:` URI, or decline a URI that is not ours
/// (other schemes, remote hosts, transports, and the node's URIs outside
/// the daemon, which the remote client takes there).
pub fn open(uri: &Uri, read_only: bool) -> Option<Result<Box<dyn Driver>>> {
    if uri.driver != "qemu" || !uri.is_local() {
        return None;
    }
    let opened = match uri.path.as_str() {
        "/embed" => QemuDriver::open_embedded(uri.param("root")),
        "/system" | "/session" if !serves_node() => return None,
        path => QemuDriver::open(path, read_only),
    };
    Some(opened.map(|d| Box::new(d) as Box<dyn Driver>))
}

#[cfg(test)]
mod tests;
