//! virt-capi: libvirt's C API over virt-core, built as `libvirt-rs.so.0`
//! and `libvirt-rs.a`, with headers of our own (`include/libvirt`) and a
//! pkg-config file (`virt-rs.pc`).
//!
//! - [`connect`] — library, connection and node calls, and the listings.
//! - [`domain`] — domain calls.
//! - [`network`] — network and storage pool calls.
//! - [`volume`] — storage volume calls, upload and download included.
//! - [`snapshot`] — domain snapshot calls, and the screenshot.
//! - [`stream`] — stream calls: send and receive, holes, the `*All`
//!   helpers with the caller's callbacks.
//! - [`errors`] — the error calls.
//! - [`auth`] — `virConnectAuthPtrDefault`.
//! - [`handles`] — the objects behind the C pointers, reference counted.
//! - [`report`] — the `virError` record, per-thread last errors, handlers,
//!   and the guard that keeps panics from crossing into C.
//! - [`records`] — the C structs the calls fill.
//! - [`strings`] — C strings in and out.
//! - [`install`] — the installed layout (`cargo xtask install-capi`).
//!
//! C callers follow libvirt's documented contract for every function:
//! pointers are null or valid for the use the documentation describes,
//! handles come from this library, and buffers are as large as the caller
//! says. Within that contract no call can crash or unwind: bad handles and
//! arguments get libvirt's errors, and a panic becomes libvirt's internal
//! error.

#![warn(missing_docs)]

pub mod auth;
pub mod connect;
pub mod domain;
pub mod errors;
pub mod handles;
pub mod install;
pub mod network;
pub mod records;
pub mod report;
pub mod snapshot;
pub mod stream;
pub mod strings;
pub mod volume;
