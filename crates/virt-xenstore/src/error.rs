//! The crate's one error type, and the errno names xenstored answers with.

use std::fmt;
use std::path::PathBuf;

use virt_core::{ErrorCode, ErrorDomain};

use crate::message_type::MessageType;

/// An error name carried by an `XS_ERROR` reply ("ENOENT", "EAGAIN", ...).
///
/// xenstored sends the errno's symbolic name, not its number, so the name is
/// what crosses the wire; [`Errno::number`] gives the local errno.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Errno {
    /// EINVAL: malformed request or path.
    InvalidArgument,
    /// EACCES: the permissions of the node refuse the access.
    AccessDenied,
    /// EEXIST: the watch or node exists already.
    Exists,
    /// EISDIR: the node is a directory.
    IsDirectory,
    /// ENOENT: no such node, transaction or watch.
    NotFound,
    /// ENOMEM: xenstored ran out of memory.
    OutOfMemory,
    /// ENOSPC: a quota (transactions, nodes, size) is exhausted.
    NoSpace,
    /// EIO: xenstored's storage failed.
    Io,
    /// ENOTEMPTY: the node has children.
    NotEmpty,
    /// ENOSYS: the request type is not implemented.
    NotImplemented,
    /// EROFS: the connection is read-only.
    ReadOnly,
    /// EBUSY: the resource is busy (a transaction is already open).
    Busy,
    /// EAGAIN: the transaction conflicted with another change; retry it.
    Again,
    /// EISCONN: the domain is already introduced.
    IsConnected,
    /// E2BIG: the reply would exceed the payload limit.
    TooBig,
    /// EPERM: the operation is not permitted.
    NotPermitted,
    /// EQUOTA: a per-domain quota is exhausted (oxenstored's name).
    Quota,
    /// A name this crate does not know, kept as received.
    Other(String),
}

/// The named errors in wire order of `xs_wire.h`, then oxenstored's EQUOTA.
const NAMED: [(Errno, &str, i32); 17] = [
    (Errno::InvalidArgument, "EINVAL", libc::EINVAL),
    (Errno::AccessDenied, "EACCES", libc::EACCES),
    (Errno::Exists, "EEXIST", libc::EEXIST),
    (Errno::IsDirectory, "EISDIR", libc::EISDIR),
    (Errno::NotFound, "ENOENT", libc::ENOENT),
    (Errno::OutOfMemory, "ENOMEM", libc::ENOMEM),
    (Errno::NoSpace, "ENOSPC", libc::ENOSPC),
    (Errno::Io, "EIO", libc::EIO),
    (Errno::NotEmpty, "ENOTEMPTY", libc::ENOTEMPTY),
    (Errno::NotImplemented, "ENOSYS", libc::ENOSYS),
    (Errno::ReadOnly, "EROFS", libc::EROFS),
    (Errno::Busy, "EBUSY", libc::EBUSY),
    (Errno::Again, "EAGAIN", libc::EAGAIN),
    (Errno::IsConnected, "EISCONN", libc::EISCONN),
    (Errno::TooBig, "E2BIG", libc::E2BIG),
    (Errno::NotPermitted, "EPERM", libc::EPERM),
    (Errno::Quota, "EQUOTA", libc::EDQUOT),
];

impl Errno {
    /// Every named error, for tests and tables.
    pub fn all() -> impl Iterator<Item = Errno> {
        NAMED.iter().map(|(e, _, _)| e.clone())
    }

    /// The symbolic name sent on the wire ("ENOENT").
    pub fn name(&self) -> &str {
        match self {
            Errno::Other(name) => name,
            known => NAMED
                .iter()
                .find(|(e, _, _)| e == known)
                .map(|(_, n, _)| *n)
                .unwrap_or("EINVAL"),
        }
    }

    /// The error for a wire name; unknown names are kept in [`Errno::Other`].
    pub fn from_name(name: &str) -> Errno {
        NAMED
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(e, _, _)| e.clone())
            .unwrap_or_else(|| Errno::Other(name.to_string()))
    }

    /// The local errno number (EQUOTA maps to EDQUOT); `None` for unknown names.
    pub fn number(&self) -> Option<i32> {
        NAMED.iter().find(|(e, _, _)| e == self).map(|(_, _, n)| *n)
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything that can go wrong talking to xenstore.
#[derive(Debug, thiserror::Error)]
pub enum XsError {
    /// No xenstore could be opened at any of the paths tried.
    #[error("cannot open {}: {source}", path.display())]
    Connect {
        /// The socket or device tried last.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// Reading or writing the stream failed.
    #[error("xenstore I/O failed: {0}")]
    Io(#[from] std::io::Error),
    /// The peer closed the stream.
    #[error("xenstore connection closed by the peer")]
    Closed,
    /// A header announced a payload over the protocol's 4096-byte limit.
    #[error("xenstore payload of {len} bytes exceeds the limit of {max}")]
    PayloadTooLong {
        /// The announced or attempted length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A header carried a message type the protocol does not define.
    #[error("unknown xenstore message type {0}")]
    UnknownType(u32),
    /// A payload did not have the shape its message type requires.
    #[error("malformed xenstore {kind} payload: {reason}")]
    BadPayload {
        /// The message type.
        kind: MessageType,
        /// What was wrong.
        reason: String,
    },
    /// A string to send contains a NUL byte, which would break the framing.
    #[error("xenstore argument '{0}' contains a NUL byte")]
    NulInArgument(String),
    /// xenstored answered a request with `XS_ERROR`.
    #[error("xenstore {kind} {path} failed: {errno}")]
    Daemon {
        /// The request type.
        kind: MessageType,
        /// The path or argument of the request, for the message.
        path: String,
        /// The error name xenstored sent.
        errno: Errno,
    },
    /// A reply did not match the request it answers.
    #[error("unexpected xenstore reply: {0}")]
    UnexpectedReply(String),
    /// A node held a value of the wrong shape.
    #[error("xenstore value '{value}' at {path} is not {expected}")]
    BadValue {
        /// The node.
        path: String,
        /// What it held.
        value: String,
        /// What was expected ("a port number").
        expected: &'static str,
    },
    /// The request is refused before anything is sent.
    #[error("{0}")]
    Refused(String),
}

impl XsError {
    /// The error name xenstored answered with, if this is a daemon error.
    pub fn errno(&self) -> Option<&Errno> {
        match self {
            XsError::Daemon { errno, .. } => Some(errno),
            _ => None,
        }
    }

    /// Whether xenstored said the node (or transaction, or watch) is absent.
    pub fn is_not_found(&self) -> bool {
        self.errno() == Some(&Errno::NotFound)
    }

    /// Whether a transaction must be retried (EAGAIN).
    pub fn is_again(&self) -> bool {
        self.errno() == Some(&Errno::Again)
    }
}

impl From<XsError> for virt_core::Error {
    fn from(e: XsError) -> Self {
        let code = match &e {
            XsError::Connect { .. } => ErrorCode::NoXenstore,
            XsError::Daemon { errno, .. } => match errno {
                Errno::AccessDenied | Errno::NotPermitted | Errno::ReadOnly => {
                    ErrorCode::OperationDenied
                }
                Errno::InvalidArgument => ErrorCode::InvalidArg,
                Errno::NotImplemented => ErrorCode::NoSupport,
                _ => ErrorCode::OperationFailed,
            },
            XsError::Io(_) | XsError::Closed => ErrorCode::OperationFailed,
            XsError::NulInArgument(_) => ErrorCode::InvalidArg,
            XsError::Refused(_) => ErrorCode::OperationInvalid,
            XsError::BadValue { .. } => ErrorCode::OperationFailed,
            XsError::PayloadTooLong { .. }
            | XsError::UnknownType(_)
            | XsError::BadPayload { .. }
            | XsError::UnexpectedReply(_) => ErrorCode::InternalError,
        };
        let mut out = virt_core::Error::with(code, ErrorDomain::Xenstore, e.to_string());
        match &e {
            XsError::Daemon { errno, .. } => out.int1 = errno.number().unwrap_or(-1),
            XsError::Connect { source, .. } | XsError::Io(source) => {
                out.int1 = source.raw_os_error().unwrap_or(-1)
            }
            _ => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_names_round_trip() {
        for e in Errno::all() {
            assert_eq!(Errno::from_name(e.name()), e);
            assert!(e.number().is_some());
        }
        assert_eq!(Errno::all().count(), 17);
        let odd = Errno::from_name("EWHATEVER");
        assert_eq!(odd, Errno::Other("EWHATEVER".into()));
        assert_eq!(odd.name(), "EWHATEVER");
        assert_eq!(odd.number(), None);
        assert_eq!(Errno::Again.number(), Some(libc::EAGAIN));
    }

    #[test]
    fn converts_to_libvirt_errors() {
        let e: virt_core::Error = XsError::Connect {
            path: "/var/run/xenstored/socket".into(),
            source: std::io::Error::from_raw_os_error(libc::ENOENT),
        }
        .into();
        assert_eq!(e.code, ErrorCode::NoXenstore);
        assert_eq!(e.domain, ErrorDomain::Xenstore);
        assert!(e.message.starts_with("could not connect to Xen Store"));
        assert_eq!(e.int1, libc::ENOENT);

        let e: virt_core::Error = XsError::Daemon {
            kind: MessageType::Write,
            path: "/local/domain/0/name".into(),
            errno: Errno::AccessDenied,
        }
        .into();
        assert_eq!(e.code, ErrorCode::OperationDenied);
        assert!(e
            .message
            .contains("WRITE /local/domain/0/name failed: EACCES"));
        assert_eq!(e.int1, libc::EACCES);

        let e: virt_core::Error = XsError::Daemon {
            kind: MessageType::Read,
            path: "/x".into(),
            errno: Errno::NotFound,
        }
        .into();
        assert_eq!(e.code, ErrorCode::OperationFailed);
    }
}
