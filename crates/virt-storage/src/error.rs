//! The storage driver's errors, in libvirt's words, and their conversion
//! into [`virt_core::Error`].

use virt_core::error::{DriverError, UnsupportedFlags};
use virt_core::{Error, ErrorCode, ErrorDomain};

/// Everything the storage driver can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No pool by that name.
    #[error("Storage pool not found: no storage pool with matching name '{0}'")]
    NoPool(String),
    /// No pool with that UUID.
    #[error("Storage pool not found: no storage pool with matching uuid '{0}'")]
    NoPoolUuid(uuid::Uuid),
    /// No such volume (libvirt's detail).
    #[error("Storage volume not found: {0}")]
    NoVol(String),
    /// A volume of that name is in the pool already (vol-create).
    #[error("storage volume '{0}' exists already")]
    VolExists(String),
    /// The state of the pool or volume forbids the call.
    #[error("Requested operation is not valid: {0}")]
    Invalid(String),
    /// The operation failed, with libvirt's reason.
    #[error("operation failed: {0}")]
    Failed(String),
    /// A bad argument.
    #[error("invalid argument: {0}")]
    InvalidArg(String),
    /// Flags the call does not know (libvirt's error, with its fields).
    #[error(transparent)]
    Flags(#[from] UnsupportedFlags),
    /// A configuration libvirt does not take (a netfs pool with two hosts).
    #[error("unsupported configuration: {0}")]
    Unsupported(String),
    /// Something this driver does not do (a pool type, an algorithm).
    #[error("this function is not supported by the connection driver: {0}")]
    NoSupport(String),
    /// An internal failure with libvirt's wording.
    #[error("internal error: {0}")]
    Internal(String),
    /// A system call failed.
    #[error("{what}: {}", virt_core::error::io_error_text(.source))]
    System {
        /// What was being done.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Pool or volume XML did not parse.
    #[error(transparent)]
    Xml(virt_xml::XmlError),
}

/// This crate's results.
pub type StorageResult<T> = std::result::Result<T, StorageError>;

impl From<virt_host::dirs::FileError> for StorageError {
    fn from(e: virt_host::dirs::FileError) -> Self {
        StorageError::system(e.what, e.source)
    }
}

impl StorageError {
    /// A failed system call on `what`.
    pub fn system(what: impl Into<String>, source: std::io::Error) -> Self {
        StorageError::System {
            what: what.into(),
            source,
        }
    }
}

impl DriverError for StorageError {
    fn code_domain(&self) -> (ErrorCode, ErrorDomain) {
        use StorageError::*;
        let code = match self {
            NoPool(_) | NoPoolUuid(_) => ErrorCode::NoStoragePool,
            NoVol(_) => ErrorCode::NoStorageVol,
            VolExists(_) => ErrorCode::StorageVolExist,
            Invalid(_) => ErrorCode::OperationInvalid,
            Failed(_) => ErrorCode::OperationFailed,
            InvalidArg(_) | Flags(_) => ErrorCode::InvalidArg,
            NoSupport(_) => ErrorCode::NoSupport,
            Unsupported(_) => ErrorCode::ConfigUnsupported,
            Internal(_) | Xml(_) => ErrorCode::InternalError,
            System { .. } => ErrorCode::SystemError,
        };
        (code, ErrorDomain::Storage)
    }
    fn os_error(&self) -> Option<&std::io::Error> {
        match self {
            StorageError::System { source, .. } => Some(source),
            _ => None,
        }
    }
    fn converted(self) -> Result<Error, Self> {
        match self {
            StorageError::Flags(f) => Ok(f.into_error(ErrorDomain::Storage)),
            StorageError::Xml(x) => Ok(virt_xml::storage::storage_error(x)),
            e => Err(e),
        }
    }
}

impl From<StorageError> for Error {
    fn from(e: StorageError) -> Error {
        virt_core::error::lower(e)
    }
}
