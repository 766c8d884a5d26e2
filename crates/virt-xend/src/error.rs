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
}

impl XendError {
    /// libvirt's error code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            XendError::Syntax(_) | XendError::TooDeep(_) => ErrorCode::SexprSerial,
            XendError::Incomplete(_) => ErrorCode::InternalError,
            XendError::Unsupported(_) => ErrorCode::ConfigUnsupported,
            XendError::Xml(_) => ErrorCode::XmlError,
        }
    }

    /// The part of libvirt that raised it: the S-expression layer.
    pub fn error_domain(&self) -> ErrorDomain {
        match self {
            XendError::Xml(_) => ErrorDomain::Xml,
            _ => ErrorDomain::Sexpr,
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
