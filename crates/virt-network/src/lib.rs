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
//!   network calls; virt-drivers stacks it under the QEMU and storage
//!   drivers ([`open`]).
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

use virt_core::{Driver, Result, Uri};

/// Open the network member for a `qemu:` URI, or decline a URI that is
/// not ours (the same ones the QEMU driver takes).
pub fn open(uri: &Uri, read_only: bool) -> Option<Result<Box<dyn Driver>>> {
    if uri.driver != "qemu" || !uri.is_local() {
        return None;
    }
    let system = match uri.path.as_str() {
        "/system" => true,
        "/session" => false,
        _ => return None,
    };
    Some(NetworkDriver::open(system, read_only).map(|d| Box::new(d) as Box<dyn Driver>))
}
