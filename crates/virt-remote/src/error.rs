//! What can go wrong in the protocol layer, and how it reads as libvirt's
//! error (`VIR_ERR_RPC` from `VIR_FROM_RPC`, libvirt's texts).

use virt_core::{Error, ErrorCode, ErrorDomain};

use crate::packet::{MESSAGE_MAX, PACKET_MIN};

/// A protocol failure.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// Reading or writing the stream failed.
    #[error("cannot transfer data: {0}")]
    Io(#[from] std::io::Error),
    /// The data ended inside the named item.
    #[error("Unable to decode message payload: {0} truncated")]
    Truncated(&'static str),
    /// A length word below the smallest packet.
    #[error("packet {0} bytes received from server too small, want {PACKET_MIN}")]
    TooSmall(u32),
    /// A packet (received, or about to be sent) above [`MESSAGE_MAX`].
    #[error("packet {0} bytes received from server too large, want {MESSAGE_MAX}")]
    TooLarge(u64),
    /// A string, opaque or list longer than its limit.
    #[error("Unable to decode message payload: {what} of {len} over its limit {max}")]
    OverLimit {
        /// What it was ("string", "domain list", ...).
        what: &'static str,
        /// The length the peer announced.
        len: u64,
        /// The protocol's limit.
        max: u64,
    },
    /// A string that is not UTF-8.
    #[error("Unable to decode message payload: string is not UTF-8")]
    NotUtf8,
    /// A value outside its enumeration or range.
    #[error("Unable to decode message payload: bad {0}")]
    BadValue(&'static str),
    /// Bytes left over after the payload was decoded.
    #[error("Unable to decode message payload: {0} bytes after the payload")]
    Trailing(usize),
}

impl From<RemoteError> for Error {
    fn from(e: RemoteError) -> Error {
        let code = match &e {
            RemoteError::Io(_) => ErrorCode::SystemError,
            _ => ErrorCode::Rpc,
        };
        Error::raw(code, ErrorDomain::Rpc, e.to_string())
    }
}
