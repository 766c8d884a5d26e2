//! The network driver's errors, in libvirt's words, and their conversion
//! into [`virt_core::Error`].

use virt_core::error::{DriverError, UnsupportedFlags};
use virt_core::{Error, ErrorCode, ErrorDomain};

/// Everything the network driver can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// No network by that name.
    #[error("Network not found: no network with matching name '{0}'")]
    NoNetwork(String),
    /// No network with that UUID.
    #[error("Network not found: no network with matching uuid '{0}'")]
    NoNetworkUuid(uuid::Uuid),
    /// The network's state forbids the call.
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
    /// A definition this driver cannot run.
    #[error("unsupported configuration: {0}")]
    Unsupported(String),
    /// Something this driver does not do.
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
    /// Network XML did not parse, or failed one of its checks.
    #[error(transparent)]
    Xml(#[from] virt_xml::XmlError),
}

/// This crate's results.
pub type NetworkResult<T> = std::result::Result<T, NetworkError>;

impl From<virt_host::dirs::FileError> for NetworkError {
    fn from(e: virt_host::dirs::FileError) -> Self {
        NetworkError::system(e.what, e.source)
    }
}

impl NetworkError {
    /// A failed system call on `what`.
    pub fn system(what: impl Into<String>, source: std::io::Error) -> Self {
        NetworkError::System {
            what: what.into(),
            source,
        }
    }
}

impl DriverError for NetworkError {
    fn code_domain(&self) -> (ErrorCode, ErrorDomain) {
        use NetworkError::*;
        let code = match self {
            NoNetwork(_) | NoNetworkUuid(_) => ErrorCode::NoNetwork,
            Invalid(_) => ErrorCode::OperationInvalid,
            Failed(_) => ErrorCode::OperationFailed,
            InvalidArg(_) | Flags(_) => ErrorCode::InvalidArg,
            Unsupported(_) => ErrorCode::ConfigUnsupported,
            NoSupport(_) => ErrorCode::NoSupport,
            Internal(_) | Xml(_) => ErrorCode::InternalError,
            System { .. } => ErrorCode::SystemError,
        };
        (code, ErrorDomain::Network)
    }
    fn os_error(&self) -> Option<&std::io::Error> {
        match self {
            NetworkError::System { source, .. } => Some(source),
            _ => None,
        }
    }
    fn converted(self) -> Result<Error, Self> {
        match self {
            NetworkError::Flags(f) => Ok(f.into_error(ErrorDomain::Network)),
            NetworkError::Xml(x) => Ok(x.into()),
            e => Err(e),
        }
    }
}

impl From<NetworkError> for Error {
    fn from(e: NetworkError) -> Error {
        virt_core::error::lower(e)
    }
}
