//! virt-xend: what libvirt's xend driver spoke.
//!
//! - [`sexpr`]: the S-expression codec of xend's HTTP interface (reader,
//!   printer, path lookups), a pure codec over bytes.
//! - [`sexpr2xml`]: a domain's S-expression, as
//!   `GET /xend/domain/<name>?detail=1` returns it, into a [`virt_xml::DomainDef`]
//!   written byte-for-byte as libvirt 4.0 wrote it.
//! - [`xml2sexpr`]: a [`virt_xml::DomainDef`] into the `(vm ...)`
//!   S-expression libvirt sent to xend to create or define a domain.
//! - [`XendError`]: this crate's error, convertible into `virt_core::Error`.
#![warn(missing_docs)]

mod error;
pub mod sexpr;
pub mod sexpr2xml;
pub mod xml2sexpr;

pub use error::XendError;
pub use sexpr::Sexpr;
pub use sexpr2xml::{sexpr_to_domain, SexprOptions};
pub use xml2sexpr::domain_to_sexpr;
