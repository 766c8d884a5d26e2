//! The one error type of this crate, and its conversion into libvirt's
//! error (code, domain, message) at the crate edge.

use virt_core::{ErrorCode, ErrorDomain};

/// Why a document could not be read as domain XML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// The document is not well-formed XML (libxml2's report).
    #[error("{document}:{line}: {message}\n{context}\n{caret}^")]
    Malformed {
        /// The document name, e.g. "(domain_definition)".
        document: String,
        /// 1-based line of the problem.
        line: usize,
        /// libxml2's text.
        message: String,
        /// The source line around the problem ("(null)" at end of input).
        context: String,
        /// The dashes (and tabs) leading to the caret.
        caret: String,
    },
    /// Strict mode: an element or attribute the domain schema does not
    /// allow where it stands (VIR_ERR_XML_DETAIL).
    #[error("{document}:{line}: {what}")]
    NotInSchema {
        /// The document name, e.g. "(domain_definition)".
        document: String,
        /// 1-based line of the element's start tag.
        line: usize,
        /// What is not allowed where: "element 'x' is not allowed in 'devices'".
        what: String,
    },
    /// Well-formed but invalid: "XML error: ..." (VIR_ERR_XML_ERROR).
    #[error("XML error: {0}")]
    Invalid(String),
    /// A value libvirt's XPath helpers refuse (VIR_ERR_XML_ERROR from the
    /// XML layer): "Invalid value 'V' for element or attribute 'XPATH'".
    #[error("XML error: Invalid value '{value}' for element or attribute '{xpath}'")]
    InvalidValue {
        /// The text found.
        value: String,
        /// Where it was, as libvirt names it (`./memory[1]`).
        xpath: String,
    },
    /// An attribute that must be a non-negative integer is not.
    #[error("XML error: Invalid value for attribute '{attr}' in element '{element}': '{value}'. Expected non-negative integer value")]
    NotUnsigned {
        /// Attribute name.
        attr: String,
        /// Element name.
        element: String,
        /// The text found.
        value: String,
    },
    /// `<name>` missing or empty.
    #[error("missing name information")]
    NoName,
    /// A device without `<target>`: the detail names the device.
    #[error("missing target information for device{}", space_before(.0))]
    NoTarget(String),
    /// libvirt reports this as an internal error ("malformed uuid element").
    #[error("internal error: {0}")]
    Internal(String),
    /// A value libvirt knows but refuses here, or does not know.
    #[error("unsupported configuration: {0}")]
    Unsupported(String),
    /// A bad argument, e.g. an unknown memory unit.
    #[error("invalid argument: {0}")]
    InvalidArg(String),
    /// A number too large ("numerical overflow: value too large: 9T").
    #[error("numerical overflow: {0}")]
    Overflow(String),
    /// A refusal given whole, with libvirt's code and error domain (the
    /// network format's checks, whose domains vary by check).
    #[error("{message}")]
    Refused {
        /// libvirt's error code.
        code: ErrorCode,
        /// The part of libvirt that reports it.
        domain: ErrorDomain,
        /// The whole message.
        message: String,
    },
    /// An error of `error`'s kind that another part of libvirt than the
    /// domain parser reports, in its own error domain (the snapshot
    /// parser's `VIR_FROM_DOMAIN_SNAPSHOT`, the XML helpers' `VIR_FROM_XML`).
    #[error("{error}")]
    Reported {
        /// The part of libvirt that reports it.
        domain: ErrorDomain,
        /// What it reports.
        error: Box<XmlError>,
    },
}

impl XmlError {
    /// libvirt's error code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            XmlError::Malformed { .. } | XmlError::NotInSchema { .. } => ErrorCode::XmlDetail,
            XmlError::Invalid(_) | XmlError::InvalidValue { .. } | XmlError::NotUnsigned { .. } => {
                ErrorCode::XmlError
            }
            XmlError::NoName => ErrorCode::NoName,
            XmlError::NoTarget(_) => ErrorCode::NoTarget,
            XmlError::Internal(_) => ErrorCode::InternalError,
            XmlError::Unsupported(_) => ErrorCode::ConfigUnsupported,
            XmlError::InvalidArg(_) => ErrorCode::InvalidArg,
            XmlError::Overflow(_) => ErrorCode::Overflow,
            XmlError::Refused { code, .. } => *code,
            XmlError::Reported { error, .. } => error.code(),
        }
    }

    /// The part of libvirt that raises this error (as libvirt 9.0 reports it).
    pub fn error_domain(&self) -> ErrorDomain {
        match self {
            XmlError::InvalidValue { .. } | XmlError::NotUnsigned { .. } => ErrorDomain::Xml,
            XmlError::InvalidArg(_) | XmlError::Overflow(_) => ErrorDomain::None,
            XmlError::Refused { domain, .. } | XmlError::Reported { domain, .. } => *domain,
            _ => ErrorDomain::Domain,
        }
    }
}

impl XmlError {
    /// libvirt's `str1` of this error: the detail its message was made of.
    fn detail(&self) -> Option<String> {
        match self {
            XmlError::Malformed { .. } | XmlError::NotInSchema { .. } => Some(self.to_string()),
            XmlError::Invalid(s)
            | XmlError::NoTarget(s)
            | XmlError::Internal(s)
            | XmlError::Unsupported(s)
            | XmlError::InvalidArg(s)
            | XmlError::Overflow(s) => Some(s.clone()),
            XmlError::Reported { error, .. } => error.detail(),
            _ => None,
        }
    }
}

impl From<XmlError> for virt_core::Error {
    fn from(e: XmlError) -> Self {
        let mut err = virt_core::Error::raw(e.code(), e.error_domain(), e.to_string());
        err.str1 = e.detail();
        err
    }
}

/// `text` after a space, or nothing when empty (libvirt's messages with
/// an optional detail).
fn space_before(text: &str) -> String {
    match text {
        "" => String::new(),
        t => format!(" {t}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_with_libvirt_numbers() {
        let e: virt_core::Error =
            XmlError::Invalid("expecting root element of 'domain', not 'network'".into()).into();
        assert_eq!(e.code.number(), 27);
        assert_eq!(e.domain, ErrorDomain::Domain);
        assert_eq!(
            e.message,
            "XML error: expecting root element of 'domain', not 'network'"
        );
        let e: virt_core::Error = XmlError::NoName.into();
        assert_eq!(
            (e.code.number(), e.message.as_str()),
            (21, "missing name information")
        );
    }
}
