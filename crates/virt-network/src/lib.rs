//! Virtual networks of virt-rs for `qemu:///system` and `qemu:///session`:
//! what libvirt's network driver did with a `<network>` definition.
//!
//! - [`dnsmasq`]: the dnsmasq configuration and hosts files of a network
//!   (libvirt's bytes), and dnsmasq's lease file.
//! - [`NetworkError`]: this crate's error, convertible into libvirt's.
#![warn(missing_docs)]

pub mod dnsmasq;
pub mod error;

pub use error::{NetworkError, NetworkResult};
