//! libvirt domain XML for virt-rs: a typed model of `<domain>` that keeps
//! everything it does not type, read from and written to libvirt's exact
//! format.
//!
//! - [`model`]: the types ([`DomainDef`], [`Disk`], [`Interface`], ...,
//!   and the generic [`Element`] tree that keeps unknown XML).
//! - [`parse_element`]: any well-formed document -> element tree, with
//!   libxml2's error reports (`reader`).
//! - [`parse_domain`], [`DomainDef::from_element`]: validation and typing,
//!   with libvirt's error texts and codes (`parse`), read from a flat tree
//!   that borrows from the source (`tree`): owned elements are made only
//!   for what the model keeps as generic XML.
//! - libvirt's post-parse changes: empty containers it reads into
//!   nothing dropped, `<os>` init options only for containers, `<genid/>`
//!   generated (`postparse`).
//! - libvirt's checks of values against each other, while reading and
//!   after (`validate`): CPU and node sets, the CPU model, I/O thread pins,
//!   the loader against firmware autoselection, cputune ranges, idmaps.
//! - [`DomainDef::to_xml`] with [`FormatOptions`]: libvirt's output layout
//!   and element order (`format`, `order`).
//! - [`DomainDef::fill_defaults`]: libvirt's generic post-parse defaults
//!   (`defaults`).
//! - [`views`]: typed views ([`Cpu`], [`Clock`], [`Features`], [`Loader`],
//!   [`Controller`], [`Video`], ...) of what the model keeps as generic
//!   elements, read from them and written back in place (`DomainDef::cpu`,
//!   `Devices::views`, `Disk::boot_order`, ...), and of the smaller parts
//!   ([`Address`], [`DiskDriver`], [`DiskSource`], [`BackingStore`],
//!   [`InterfaceSource`], [`GraphicsOptions`], [`Sysinfo`], [`Memtune`],
//!   ...: `Disk::part`, [`child_view`]). Together with the typed model
//!   they cover every element and attribute libvirt 9.0 writes in the
//!   corpus (tests/coverage.rs checks it). Parsing reads the stored parts
//!   through their views, so a bad value (`<clock offset='bogus'>`, a
//!   non-numeric vram) is refused at define time with libvirt's error;
//!   what no view reads is kept (or refused by the strict parser).
//! - [`parse_memory`]: memory sizes with unit suffixes (`units`).
//! - [`Capabilities`]: capabilities XML, fixed or read from the host
//!   (`capabilities`).
//! - [`parse_domain_strict`]: refuse what libvirt's schema does not know
//!   (`VIR_DOMAIN_DEFINE_VALIDATE`); [`parse_domain`] keeps it in place.
//! - [`storage`]: storage pool and volume XML ([`storage::PoolDef`],
//!   [`storage::VolDef`]), typed where drivers need it, the rest kept, and
//!   the documents a client builds from its options ([`storage::PoolToDefine`],
//!   [`storage::VolumeToCreate`]).
//! - [`network`]: network XML ([`NetworkDef`], [`parse_network`],
//!   [`parse_network_strict`]), typed and lossless in the same way.
//! - [`snapshot`]: domain snapshot XML ([`snapshot::SnapshotDef`]), the
//!   embedded domain typed, the rest kept.
//! - [`checkpoint`]: domain checkpoint XML ([`checkpoint::CheckpointDef`]).
//! - [`MomentList`]: a domain's snapshots ([`SnapshotList`]) or
//!   checkpoints ([`CheckpointList`]) as a tree with libvirt's listings;
//!   [`MomentToCreate`]: the definitions a client builds from its options.
//! - [`XmlError`]: this crate's error, convertible into `virt_core::Error`.
#![warn(missing_docs)]

pub mod capabilities;
pub mod checkpoint;
mod defaults;
mod devinfo;
mod element;
mod error;
mod format;
pub mod hostdev;
mod implicit;
pub mod model;
mod moment_list;
mod moment_request;
mod name;
pub mod network;
mod order;
mod parse;
mod postparse;
mod reader;
pub mod snapshot;
pub mod storage;
#[cfg(test)]
mod testing;
mod tree;
mod units;
mod validate;
pub mod views;
mod vocabulary;

pub use capabilities::Capabilities;
pub use defaults::post_parse_disk_bus;
pub use element::escape;
pub use error::XmlError;
pub use format::FormatOptions;
pub use hostdev::{parse_interface, parse_node_device, InterfaceDef, NodeDeviceDef};
pub use model::*;
pub use moment_list::{CheckpointList, Moment, MomentList, SnapshotList};
pub use moment_request::{
    CheckpointDiskSpec, MomentRoot, MomentToCreate, SnapshotDiskSpec, SnapshotMemorySpec,
};
pub use network::{parse_network, parse_network_strict, NetworkDef};
pub use order::normalize_addresses;
pub use parse::{
    is_virtio_model, parse_device, parse_domain, parse_domain_strict, parse_stored_domain,
    parse_uuid, ARCHES, DOMAIN_TYPES, NET_TYPES, VIRTIO_MODELS,
};
pub use reader::{
    parse_element, parse_element_in, parse_element_strict, DOMAIN_DOCUMENT, MAX_DEPTH,
    MAX_TEXT_LENGTH,
};
pub use units::{parse_memory, unit_scale};
pub use views::*;
