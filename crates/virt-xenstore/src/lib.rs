//! virt-xenstore: the xenstore side of the Xen driver.
//!
//! - [`wire`]: a pure codec of the xenstore wire protocol (`xs_wire.h`):
//!   the 16-byte header, message types, request payloads, error names and
//!   permission strings.
//! - [`client`]: a blocking client over any `Read + Write` byte stream
//!   (xenstored's unix socket, or the `/dev/xen/xenbus` device).
//! - `fake` (feature `fake`, tests only): an in-memory xenstored serving a unix socket, for tests here
//!   and in the Xen driver.
//! - [`lookup`]: what libvirt reads from (and writes to) xenstore about
//!   domains: ids, names, UUIDs, consoles, memory, shutdown requests.
//! - [`XenstoreDriver`]: those lookups as a `virt_core::Driver`, the
//!   xenstore member of the `xen:///` stack.
//!
//! Errors are [`XsError`], converted into [`virt_core::Error`] (domain
//! `Xenstore`) at the crate edge.

#![warn(missing_docs)]

pub mod client;
mod driver;
mod error;
#[cfg(any(test, feature = "fake"))]
pub mod fake;
pub mod lookup;
mod message_type;
pub mod wire;

pub use client::{Client, Transport, Tx, WatchEvent};
pub use driver::XenstoreDriver;
pub use error::{Errno, XsError};
pub use wire::{Access, MessageType, Permission};

/// Result of the calls of this crate.
pub type Result<T> = std::result::Result<T, XsError>;
