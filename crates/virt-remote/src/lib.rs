//! virt-remote: libvirt's remote protocol (program 0x20008086).
//!
//! - [`packet`]: the length word, the 24-byte header, reading and writing
//!   whole packets within libvirt's limits.
//! - [`xdr`]: the XDR encoder and decoder, limits checked before allocation.
//! - [`procs`]: the procedure number and shape of every Driver call.
//! - [`server`]: [`server::Session`], the daemon's answer to each packet of
//!   one client connection.
//! - [`client`]: the remote driver for `DRIVER+unix://`, `+tcp` and `+ssh`
//!   URIs, with keepalive; [`client::register`] adds it to the registry.
//! - [`stream`]: libvirt's stream packets (data, holes, finish, abort),
//!   for the client's and the daemon's streams.
//! - [`events`]: event registration procedures and the MESSAGE packets
//!   that carry events, with libvirt's numbers and layouts.
//! - [`local`]: `qemu:///system` and `qemu:///session` through the node's
//!   daemon, which the client starts for a user's session.
//! - [`error`]: this crate's errors, read as libvirt's `VIR_ERR_RPC`.
//! - [`remote_error`]: `remote_error`, errors on the wire with libvirt's
//!   fields and numbers.
//! - [`wire`]: the XDR forms of virt-core's values (domains, infos, typed
//!   parameters) and the protocol's list limits.

#![warn(missing_docs)]

pub mod client;
pub mod error;
pub mod events;
pub mod local;
pub mod packet;
pub mod procs;
pub mod remote_error;
pub mod server;
pub mod stream;
pub mod wire;
pub mod xdr;

pub use error::RemoteError;
pub use packet::{read_packet, write_packet, Header, MessageStatus, MessageType};
