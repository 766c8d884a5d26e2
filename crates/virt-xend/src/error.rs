//! The one error type of this crate, and its conversion into libvirt's
//! error (code, domain, message) at the crate edge.

use virt_core::{ErrorCode, ErrorDomain};

/// Why an S-expression or a conversion failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XendError {
    /// The bytes are not an S-expression (VIR_ERR_SEXPR_SERIAL).
    #[error("failed to serialize S-Expr: {0}")]
    Syntax(String),
    /// Nesting deeper than [`crate::sexpr::MAX_DEPTH`].
    #[error("failed to serialize S-Expr: nesting deeper than {0} levels")]
    TooDeep(usize),
    /// xend's description lacks or garbles something libvirt needs
    /// ("domain information incomplete, missing name").
    #[error("internal error: {0}")]
    Incomplete(String),
    /// The definition asks for something xend cannot be told.
    #[error("unsupported configuration: {0}")]
    Unsupported(String),
    /// The domain XML was refused (VIR_ERR_XML_ERROR).
    #[error("XML error: {0}")]
    Xml(String),
    /// xend could not be reached or the exchange broke off (`what`
    /// says which step, `cause` is the system's reason).
    #[error("{what}: {cause}")]
    Io {
        /// The step: "failed to connect to xend", "failed to read from Xen Daemon".
        what: String,
        /// The system's text for the failure.
        cause: String,
    },
    /// xend did not answer within the time allowed.
    #[error("Timed out during operation: {0}")]
    Timeout(String),
    /// The reply is not HTTP as xend spoke it, or too large.
    #[error("internal error: malformed reply from xend: {0}")]
    Protocol(String),
    /// A GET answered with an error status (VIR_ERR_GET_FAILED).
    #[error("GET operation failed: {0}")]
    GetFailed(String),
    /// A POST answered with an error status or "failed" in its body
    /// (VIR_ERR_POST_FAILED).
    #[error("POST operation failed: {0}")]
    PostFailed(String),
    /// A status code xend does not use (VIR_ERR_HTTP_ERROR).
    #[error("got unknown HTTP error code {0}")]
    Http(u16),
    /// No domain with that name, id or uuid (VIR_ERR_NO_DOMAIN).
    #[error("Domain not found: {0}")]
    NoDomain(String),
    /// The domain is not in a state that allows the operation.
    #[error("Requested operation is not valid: {0}")]
    OperationInvalid(String),
    /// A caller's argument cannot be sent to xend (VIR_ERR_INVALID_ARG).
    #[error("invalid argument: {0}")]
    InvalidArg(String),
    /// The connection is read-only and the operation would change xend.
    #[error("operation forbidden: read only access prevents {0}")]
    ReadOnly(String),
    /// An xm config file breaks virConf's grammar (VIR_ERR_CONF_SYNTAX).
    #[error("configuration file syntax error: {file}:{line}: {what}")]
    ConfSyntax {
        /// What was read: a file's path, or `memory conf` for text.
        file: String,
        /// The line (from 1) where reading stopped.
        line: usize,
        /// What was expected there ("expecting a value", ...).
        what: String,
    },
    /// An xm config value is missing or malformed (VIR_ERR_INTERNAL_ERROR,
    /// raised by the Xen config layer).
    #[error("internal error: {0}")]
    XmConfig(String),
    /// An xm config value is unreadable in a way libvirt called a syntax
    /// error (a UUID that does not parse).
    #[error("configuration file syntax error: {0}")]
    XmSyntax(String),
    /// A config setting has the wrong type for its reader, e.g. a plain
    /// value where a list of strings belongs (VIR_ERR_INTERNAL_ERROR from
    /// the config layer); the text names the config and the setting.
    #[error("internal error: {0}")]
    ConfType(String),
    /// A list setting holds something other than strings
    /// (VIR_ERR_CONF_SYNTAX from the config layer).
    #[error("configuration file syntax error: {0}")]
    ConfListItem(String),
    /// The definition asks for something an xm config cannot hold.
    #[error("unsupported configuration: {0}")]
    XmUnsupported(String),
    /// A disk the xm format cannot describe (raised by the xm code itself,
    /// not the shared Xen config code).
    #[error("unsupported configuration: {0}")]
    XmDiskUnsupported(String),
}

impl XendError {
    /// libvirt's error code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            XendError::Syntax(_) | XendError::TooDeep(_) => ErrorCode::SexprSerial,
            XendError::Incomplete(_) => ErrorCode::InternalError,
            XendError::Unsupported(_) => ErrorCode::ConfigUnsupported,
            XendError::Xml(_) => ErrorCode::XmlError,
            XendError::Io { .. } => ErrorCode::SystemError,
            XendError::Timeout(_) => ErrorCode::OperationTimeout,
            XendError::Protocol(_) => ErrorCode::InternalError,
            XendError::GetFailed(_) => ErrorCode::GetFailed,
            XendError::PostFailed(_) => ErrorCode::PostFailed,
            XendError::Http(_) => ErrorCode::HttpError,
            XendError::NoDomain(_) => ErrorCode::NoDomain,
            XendError::OperationInvalid(_) => ErrorCode::OperationInvalid,
            XendError::InvalidArg(_) => ErrorCode::InvalidArg,
            XendError::ReadOnly(_) => ErrorCode::OperationDenied,
            XendError::ConfSyntax { .. } => ErrorCode::ConfSyntax,
            XendError::XmConfig(_) => ErrorCode::InternalError,
            XendError::XmSyntax(_) => ErrorCode::ConfSyntax,
            XendError::ConfType(_) => ErrorCode::InternalError,
            XendError::ConfListItem(_) => ErrorCode::ConfSyntax,
            XendError::XmUnsupported(_) | XendError::XmDiskUnsupported(_) => {
                ErrorCode::ConfigUnsupported
            }
        }
    }

    /// The part of libvirt that raised it: the S-expression layer for
    /// codec errors, the xend layer for the daemon's.
    pub fn error_domain(&self) -> ErrorDomain {
        match self {
            XendError::Xml(_) => ErrorDomain::Xml,
            XendError::Syntax(_)
            | XendError::TooDeep(_)
            | XendError::Incomplete(_)
            | XendError::Unsupported(_) => ErrorDomain::Sexpr,
            XendError::ReadOnly(_) => ErrorDomain::Domain,
            XendError::ConfSyntax { .. } | XendError::ConfType(_) | XendError::ConfListItem(_) => {
                ErrorDomain::Conf
            }
            XendError::XmDiskUnsupported(_) => ErrorDomain::Xenxm,
            // libvirt 9.0's Xen config code reports as the Xen layer.
            XendError::XmConfig(_) | XendError::XmSyntax(_) | XendError::XmUnsupported(_) => {
                ErrorDomain::Xen
            }
            _ => ErrorDomain::Xend,
        }
    }
}

impl From<XendError> for virt_core::Error {
    fn from(e: XendError) -> Self {
        let mut err = virt_core::Error::raw(e.code(), e.error_domain(), e.to_string());
        err.str1 = Some(match &e {
            XendError::Syntax(s)
            | XendError::Incomplete(s)
            | XendError::Unsupported(s)
            | XendError::Xml(s) => s.clone(),
            XendError::TooDeep(n) => format!("nesting deeper than {n} levels"),
            XendError::ConfSyntax { file, line, what } => format!("{file}:{line}: {what}"),
            XendError::XmConfig(s)
            | XendError::XmSyntax(s)
            | XendError::XmUnsupported(s)
            | XendError::XmDiskUnsupported(s)
            | XendError::ConfType(s)
            | XendError::ConfListItem(s) => s.clone(),
            XendError::Io { what, .. } => what.clone(),
            XendError::Http(code) => code.to_string(),
            XendError::Timeout(s)
            | XendError::Protocol(s)
            | XendError::GetFailed(s)
            | XendError::PostFailed(s)
            | XendError::NoDomain(s)
            | XendError::OperationInvalid(s)
            | XendError::InvalidArg(s)
            | XendError::ReadOnly(s) => s.clone(),
        });
        err
    }
}

impl From<virt_xml::XmlError> for XendError {
    fn from(e: virt_xml::XmlError) -> Self {
        XendError::Xml(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_with_libvirt_numbers() {
        let e: virt_core::Error = XendError::Syntax("unexpected ')'".into()).into();
        assert_eq!(e.code.number(), 13);
        assert_eq!(e.domain, ErrorDomain::Sexpr);
        assert_eq!(e.message, "failed to serialize S-Expr: unexpected ')'");
        let e: virt_core::Error =
            XendError::Incomplete("domain information incomplete, missing name".into()).into();
        assert_eq!(e.code.number(), 1);
        assert_eq!(
            e.message,
            "internal error: domain information incomplete, missing name"
        );
        let e: virt_core::Error = XendError::Unsupported("x".into()).into();
        assert_eq!(e.code, ErrorCode::ConfigUnsupported);
    }
}
