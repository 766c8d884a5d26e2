//! virt-xend: what libvirt's xend driver spoke.
//!
//! - [`sexpr`]: the S-expression codec of xend's HTTP interface (reader,
//!   printer, path lookups), a pure codec over bytes.
//! - [`sexpr2xml`]: a domain's S-expression, as
//!   `GET /xend/domain/<name>?detail=1` returns it, into a [`virt_xml::DomainDef`]
//!   written byte-for-byte as libvirt 4.0 wrote it.
//! - [`xml2sexpr`]: a [`virt_xml::DomainDef`] into the `(vm ...)`
//!   S-expression libvirt sent to xend to create or define a domain.
//! - [`xm`]: xm config files (`/etc/xen/*.cfg`): the virConf language
//!   codec and conversion to and from [`virt_xml::DomainDef`], as libvirt
//!   4.0 and 9.0 wrote them.
//! - [`http`]: the HTTP libvirt spoke to xend, one request per connection,
//!   over [`XendEndpoint`] (unix socket or TCP).
//! - [`XendDriver`]: the `virt_core::Driver` that reads and changes domains
//!   through xend.
//! - `fake` (feature `fake`, for tests only): a fake xend answering as
//!   xend 3.x did.
//! - [`blkdev`]: Linux block device numbers of disk targets.
//! - [`XendError`]: this crate's error, convertible into `virt_core::Error`.
#![warn(missing_docs)]

pub mod blkdev;
pub mod driver;
pub mod endpoint;
mod error;
#[cfg(any(test, feature = "fake"))]
pub mod fake;
pub mod http;
pub mod sexpr;
pub mod sexpr2xml;
mod xen_common;
pub mod xm;
pub mod xml2sexpr;

pub use driver::XendDriver;
pub use endpoint::{XendEndpoint, XEND_ENV, XEND_PORT, XEND_SOCKET};
pub use error::XendError;
pub use sexpr::Sexpr;
pub use sexpr2xml::{sexpr_to_domain, SexprOptions};
pub use xm::{domain_to_xm, xm_to_domain, Conf, ConfValue, XmFlavour, XmOptions};
pub use xml2sexpr::domain_to_sexpr;
