//! What can stop the daemon from serving, in one enum, and its conversion
//! into [`virt_core::Error`] at the crate edge.

use std::path::PathBuf;
use virt_core::{ErrorCode, ErrorDomain};

/// Everything that keeps virt-proxy from starting or serving. Errors of a
/// single client never reach here: they end that client's connection only.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The command line could not be understood.
    #[error("{0}")]
    Usage(String),
    /// A socket path is already served by a live daemon.
    #[error("another daemon already answers on {0}")]
    AlreadyRunning(PathBuf),
    /// A socket, its directory or its permissions could not be set up.
    #[error("cannot listen on {path}: {source}")]
    Listen {
        /// The socket path or TCP address.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The pid file is held by another daemon or cannot be written.
    #[error("cannot use pid file {path}: {source}")]
    PidFile {
        /// The pid file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A system call the daemon cannot run without failed.
    #[error("{what}: {source}")]
    System {
        /// What was being done.
        what: &'static str,
        /// Why it failed.
        source: std::io::Error,
    },
}

/// The daemon's results.
pub type Result<T> = std::result::Result<T, ProxyError>;

impl From<ProxyError> for virt_core::Error {
    fn from(e: ProxyError) -> Self {
        let code = match e {
            ProxyError::Usage(_) => ErrorCode::InvalidArg,
            ProxyError::AlreadyRunning(_) => ErrorCode::OperationInvalid,
            _ => ErrorCode::SystemError,
        };
        virt_core::Error::raw(code, ErrorDomain::Rpc, e.to_string())
    }
}
