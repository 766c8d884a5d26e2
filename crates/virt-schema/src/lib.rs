//! libvirt's RelaxNG domain schema (`/usr/share/libvirt/schemas/domain.rng`
//! from Debian's libvirt-clients) read as data, for tests that must cover
//! libvirt's format rather than what a corpus happens to contain.
//!
//! - [`rng`]: the grammar: `<define>`s with their patterns (elements,
//!   attributes, choices, optional/zeroOrMore, data types, value lists),
//!   includes and `combine` resolved.
//! - [`generate`]: seeded random domain documents from the grammar, valid
//!   ones and slightly broken ones (one value or element changed), or
//!   valid ones steered toward the schema's unreached parts (`steer`) and
//!   kept to what libvirt's define-time rules accept (`repair`).
//! - [`diff`]: the differential run: each document defined and dumped
//!   (`dumpxml --inactive`) by our test driver and by Debian's virsh on
//!   `test:///default` (many documents per virsh process), and the verdicts
//!   compared.
//! - [`cases`]: disagreements kept as regression cases (the document and
//!   libvirt's verdict), and `OPEN.tsv`, the kinds not settled yet.
//! - [`SchemaError`]: this crate's error.
#![warn(missing_docs)]

pub mod cases;
pub mod diff;
pub mod generate;
mod repair;
pub mod rng;
mod settle_devices;
mod settle_disk;
mod settle_sources;
mod steer;

/// Where Debian's libvirt-clients installs the domain schema.
pub const DOMAIN_SCHEMA: &str = "/usr/share/libvirt/schemas/domain.rng";

/// The folder of kept disagreement cases (in this crate's tests).
pub fn cases_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/disagreements"))
}

/// The domain schema's grammar, or why it cannot be had (not installed:
/// the caller prints that and skips).
pub fn domain_grammar() -> Result<rng::Grammar, SchemaError> {
    rng::Grammar::load(std::path::Path::new(DOMAIN_SCHEMA))
}

/// What can go wrong reading a schema or talking to virsh.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// A schema file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A schema file is not well-formed XML.
    #[error("{path}: {message}")]
    Xml {
        /// The file.
        path: String,
        /// The XML reader's message.
        message: String,
    },
    /// The grammar uses something this reader does not know, or refers to
    /// a define that does not exist.
    #[error("schema: {0}")]
    Grammar(String),
    /// virsh could not be run, or its output could not be matched to the
    /// documents sent.
    #[error("virsh: {0}")]
    Virsh(String),
}

impl From<SchemaError> for virt_core::Error {
    fn from(e: SchemaError) -> Self {
        virt_core::Error::new(
            virt_core::ErrorCode::InternalError,
            virt_core::ErrorDomain::None,
            Some(&e.to_string()),
        )
    }
}
