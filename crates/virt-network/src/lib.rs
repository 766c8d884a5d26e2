//! Virtual networks of virt-rs for `qemu:///system` and `qemu:///session`:
//! what libvirt's network driver did with a `<network>` definition.
//!
//! - [`dnsmasq`]: the dnsmasq configuration and hosts files of a network
//!   (libvirt's bytes), and dnsmasq's lease file.
//! - [`netlink`]: bridges, links and addresses over rtnetlink.
//! - [`firewall`]: the NAT and forwarding rules of a network (nftables).
//! - [`run`]: starting a network on the host and undoing exactly that.
//! - [`tap`]: the tap devices guests are plugged into bridges with.
//! - [`paths`]: where definitions and runtime files live, atomic writes,
//!   the lock that serialises changes.
//! - [`NetworkDriver`]: the [`virt_core::Driver`] member answering the
//!   network calls; the binaries stack it under the QEMU driver
//!   ([`register_with`]).
//! - [`NetworkError`]: this crate's error, convertible into libvirt's.
#![warn(missing_docs)]

pub mod dnsmasq;
mod driver;
pub mod error;
pub mod firewall;
pub mod netlink;
pub mod paths;
pub mod run;
pub mod tap;

pub use driver::NetworkDriver;
pub use error::{NetworkError, NetworkResult};

use std::sync::OnceLock;
use virt_core::{Driver, DriverEntry, DriverOpener, DriverStack, Result, Uri};

/// The hypervisor driver and the members stacked between it and this one.
static STACK: OnceLock<(DriverOpener, &'static [DriverOpener])> = OnceLock::new();

/// Register `qemu:` URIs as a stack: the hypervisor driver `hypervisor`
/// (`virt_qemu::open`) first, then `members` (`virt_storage::open`), then
/// this network driver, each answering the calls those before it
/// decline. Binaries call this instead of registering the QEMU driver
/// alone; backends never depend on each other.
pub fn register_with(hypervisor: DriverOpener, members: &'static [DriverOpener]) {
    if STACK.set((hypervisor, members)).is_err() {
        return;
    }
    virt_core::register_driver(DriverEntry {
        name: "qemu",
        default_uri: None,
        open: open_stack,
    });
}

fn open_stack(uri: &Uri, read_only: bool) -> Option<Result<Box<dyn Driver>>> {
    let (hv, members) = STACK.get()?;
    let mut stack = match hv(uri, read_only)? {
        Ok(d) => vec![d],
        Err(e) => return Some(Err(e)),
    };
    for open_member in members.iter().copied().chain([open as DriverOpener]) {
        match open_member(uri, read_only) {
            Some(Ok(d)) => stack.push(d),
            Some(Err(e)) => return Some(Err(e)),
            None => {}
        }
    }
    if stack.len() == 1 {
        return stack.pop().map(Ok);
    }
    Some(Ok(Box::new(DriverStack::new(stack))))
}

/// Open the network member for a `qemu:` URI, or decline a URI that is
/// not ours (the same ones the QEMU driver takes).
pub fn open(uri: &Uri, read_only: bool) -> Option<Result<Box<dyn Driver>>> {
    if uri.driver != "qemu" || uri.transport.is_some() {
        return None;
    }
    if uri.host.as_deref().is_some_and(|h| h != "localhost") {
        return None;
    }
    let system = match uri.path.as_str() {
        "/system" => true,
        "/session" => false,
        _ => return None,
    };
    Some(NetworkDriver::open(system, read_only).map(|d| Box::new(d) as Box<dyn Driver>))
}
