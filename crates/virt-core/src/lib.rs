//! virt-core: the stable API of virt-rs, a Rust re-implementation of libvirt.
//!
//! - [`Connect`], [`Domain`], [`Network`], [`StoragePool`], [`StorageVol`],
//!   [`Interface`], [`NodeDevice`], [`DomainSnapshot`],
//!   [`DomainCheckpoint`]: the handles users hold; the last two are one
//!   [`DomainMoment`] over a [`MomentKind`] ([`moment`]).
//! - [`Driver`] and [`DriverStack`]: what a hypervisor backend implements,
//!   and how several backends serve one URI.
//! - [`Checked`]: the read-only refusal and argument checks every call
//!   passes, in-process or from the daemon.
//! - [`for_each_driver_method!`]: the one table of driver calls, for
//!   other crates to generate code from; [`Method`] names its entries.
//! - [`Routed`] and [`Route`]: forwarding generated from the table, with a
//!   policy of what a stack member leaves to the next one; `delegate!`:
//!   the Driver methods a backend answers with one of its own.
//! - [`register_driver`]: the URI registry behind [`Connect::open`].
//! - [`Error`] and friends: libvirt's error model (codes, domains, levels,
//!   last error per thread and per connection, callbacks).
//! - [`Stream`] and [`StreamEnds`]: bulk data to and from drivers (volume
//!   upload and download, screenshots, consoles), holes included.
//! - [`sparse`]: files as stream ends that keep holes.
//! - [`auth`]: credentials asked while a connection opens
//!   ([`Connect::open_auth`]).
//! - [`Uri`]: connection URI parsing; [`utc`]: calendar dates of epoch
//!   seconds.
//! - [`types`]: the plain values the API hands out, and libvirt's flag
//!   sets (`save_flags`, `affect`, ...); [`devstats`]: a
//!   running domain's per-device statistics; [`job`]: its background job's
//!   progress.
//! - [`events`]: domain and network events: the [`EventBus`] a driver
//!   publishes on, the [`Subscription`] [`Connect::subscribe`] gives.

#![warn(missing_docs)]

pub mod auth;
mod checked;
mod checkpoint;
mod connect;
mod cpumap;
pub mod devstats;
pub mod driver;
pub mod error;
pub mod events;
mod flags;
mod host;
pub mod job;
pub mod moment;
pub mod registry;
pub mod route;
mod snapshot;
pub mod sparse;
pub mod stream;
pub mod types;
pub mod uri;
pub mod utc;

pub use auth::{Authenticator, CallbackAuth, Credential, Terminal};
pub use checked::Checked;
pub use connect::{
    default_uri, parse_uuid, Connect, Domain, Network, StoragePool, StorageVol, LIB_VERSION,
};
pub use devstats::{
    cpu_stats, memory_stat, BlockInfo, BlockStats, CpuStats, InterfaceStats, MemoryStat,
};
pub use driver::{Driver, DriverStack, Method};
pub use error::{
    last_error, reset_last_error, set_error_callback, Error, ErrorCallback, ErrorCode, ErrorDomain,
    ErrorLevel, Result,
};
pub use events::{
    Delivery, DomainEventKind, EndReason, Event, EventBus, EventFilter, GapReason, LifecycleEvent,
    NetworkEventKind, NetworkLifecycleEvent, Subscription, Topic,
};
pub use host::{Interface, NodeDevice};
pub use job::{job_operation, job_stats, job_type, DomainJobInfo, DomainJobStats};
pub use moment::{DomainCheckpoint, DomainMoment, DomainSnapshot, MomentKind};
pub use registry::{register_driver, DriverEntry, DriverOpener};
pub use route::{Route, Routed};
pub use stream::{
    recv_flags, stream_flags, vol_download_flags, vol_upload_flags, Interrupt, Piece, Received,
    Screenshot, Stream, StreamEnds, StreamSink, StreamSource,
};
pub use types::*;
pub use uri::Uri;

/// Format a version number `major * 1_000_000 + minor * 1000 + micro` as
/// "major.minor.micro".
pub fn version_string(v: u64) -> String {
    format!("{}.{}.{}", v / 1_000_000, (v / 1000) % 1000, v % 1000)
}
