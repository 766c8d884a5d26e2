//! The QEMU driver's errors, in libvirt's words, and their conversion into
//! [`virt_core::Error`] (code + error domain + message) at the crate edge.

use virt_core::error::{DriverError, UnsupportedFlags};
use virt_core::{affect, Error, ErrorCode, ErrorDomain};

/// Everything the QEMU driver can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum QemuError {
    /// A lookup by name found nothing.
    #[error("Domain not found: no domain with matching name '{0}'")]
    NoDomainName(String),
    /// A lookup by UUID found nothing.
    #[error("Domain not found: no domain with matching uuid '{0}'")]
    NoDomainUuid(String),
    /// A lookup by id found nothing.
    #[error("Domain not found: no domain with matching id {0}")]
    NoDomainId(u32),
    /// The operation needs a running (or paused) domain.
    #[error("Requested operation is not valid: domain is not running")]
    NotRunning,
    /// Resume of a domain that is not paused, suspend of one that is not
    /// running, and other state conflicts, with libvirt's reason.
    #[error("Requested operation is not valid: {0}")]
    Invalid(String),
    /// Start or create of a domain that is already running.
    #[error("Requested operation is not valid: domain is already running")]
    AlreadyRunning,
    /// The name or UUID is taken by another domain.
    #[error("operation failed: {0}")]
    Failed(String),
    /// A job cancelled by `virDomainAbortJob`.
    #[error("operation aborted: {0}")]
    Aborted(String),
    /// A construct of the domain XML that this driver cannot run.
    #[error("unsupported configuration: {0}")]
    Unsupported(String),
    /// An operation this driver does not offer in this situation.
    #[error("Operation not supported: {0}")]
    OperationUnsupported(String),
    /// A bad argument.
    #[error("invalid argument: {0}")]
    InvalidArg(String),
    /// An argument this driver cannot serve (statistics groups it lacks).
    #[error("argument unsupported: {0}")]
    ArgumentUnsupported(String),
    /// Flags the call does not know.
    #[error(transparent)]
    Flags(#[from] UnsupportedFlags),
    /// QEMU exited or failed while starting: the message carries the tail
    /// of its log.
    #[error("internal error: {0}")]
    Internal(String),
    /// The monitor answered with an error.
    #[error("internal error: unable to execute QEMU command '{command}': {desc}")]
    Monitor {
        /// The QMP command.
        command: String,
        /// QEMU's `desc`.
        desc: String,
    },
    /// The monitor connection broke or spoke something we cannot read.
    #[error("internal error: {0}")]
    Protocol(String),
    /// A system call failed.
    #[error("{what}: {}", virt_core::error::io_error_text(.source))]
    System {
        /// What was being done.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The connection URI cannot be served.
    #[error("{0}")]
    BadUri(String),
    /// Access denied (qemu:///system as a non-root user).
    #[error("access denied: {0}")]
    AccessDenied(String),
    /// An operation timed out.
    #[error("Timed out during operation: {0}")]
    Timeout(String),
    /// The guest agent is not connected or did not answer.
    #[error("Guest agent is not responding: {0}")]
    AgentUnresponsive(String),
    /// A device a call names is not in the definition.
    #[error("device not found: {0}")]
    DeviceMissing(String),
    /// A domain XML document failed to parse.
    #[error(transparent)]
    Xml(#[from] virt_xml::XmlError),
    /// No snapshot of that name (libvirt's detail given).
    #[error("Domain snapshot not found: {0}")]
    NoSnapshot(String),
    /// Reverting needs the force flag.
    #[error("revert requires force: {0}")]
    RevertRisky(String),
    /// Another driver's refusal (a guest interface's network), passed on
    /// unchanged.
    #[error("{}", .0.message)]
    Driver(Error),
}

impl QemuError {
    /// A system error on `what`.
    pub fn system(what: impl Into<String>, source: std::io::Error) -> Self {
        QemuError::System {
            what: what.into(),
            source,
        }
    }
}

impl DriverError for QemuError {
    fn code_domain(&self) -> (ErrorCode, ErrorDomain) {
        use QemuError::*;
        let code = match self {
            NoDomainName(_) | NoDomainUuid(_) | NoDomainId(_) => ErrorCode::NoDomain,
            NotRunning | Invalid(_) | AlreadyRunning => ErrorCode::OperationInvalid,
            Failed(_) => ErrorCode::OperationFailed,
            Aborted(_) => ErrorCode::OperationAborted,
            DeviceMissing(_) => ErrorCode::DeviceMissing,
            Unsupported(_) => ErrorCode::ConfigUnsupported,
            OperationUnsupported(_) => ErrorCode::OperationUnsupported,
            InvalidArg(_) | Flags(_) => ErrorCode::InvalidArg,
            ArgumentUnsupported(_) => ErrorCode::ArgumentUnsupported,
            Internal(_) | Monitor { .. } | Protocol(_) | Xml(_) | Driver(_) => {
                ErrorCode::InternalError
            }
            System { .. } => ErrorCode::SystemError,
            BadUri(_) => ErrorCode::NoConnect,
            AccessDenied(_) => ErrorCode::AccessDenied,
            Timeout(_) => ErrorCode::OperationTimeout,
            AgentUnresponsive(_) => ErrorCode::AgentUnresponsive,
            NoSnapshot(_) => ErrorCode::NoDomainSnapshot,
            RevertRisky(_) => ErrorCode::SnapshotRevertRisky,
        };
        (code, ErrorDomain::Qemu)
    }
    fn os_error(&self) -> Option<&std::io::Error> {
        match self {
            QemuError::System { source, .. } => Some(source),
            _ => None,
        }
    }
    fn converted(self) -> Result<Error, Self> {
        match self {
            QemuError::Flags(f) => Ok(f.into_error(ErrorDomain::Qemu)),
            QemuError::Xml(x) => Ok(Error::from(x)),
            QemuError::Driver(d) => Ok(d),
            e => Err(e),
        }
    }
}

impl From<QemuError> for Error {
    fn from(e: QemuError) -> Error {
        virt_core::error::lower(e)
    }
}

impl From<affect::Refusal> for QemuError {
    fn from(r: affect::Refusal) -> Self {
        match r {
            affect::Refusal::NotRunning => QemuError::NotRunning,
            affect::Refusal::Transient => {
                QemuError::Invalid("transient domains do not have any persistent config".into())
            }
        }
    }
}

/// The QEMU driver's result type.
pub type QemuResult<T> = std::result::Result<T, QemuError>;

/// virt-core's flag check ([`virt_core::error::check_flags`]), its refusal
/// typed as this driver's error so entry points and closures use `?` alike.
pub fn check_flags(flags: u32, allowed: u32, function: &'static str) -> QemuResult<()> {
    Ok(virt_core::error::check_flags(flags, allowed, function)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_keep_libvirt_codes_and_words() {
        let e = Error::from(QemuError::Unsupported("disk type 'network'".into()));
        assert_eq!(e.code, ErrorCode::ConfigUnsupported);
        assert_eq!(e.domain, ErrorDomain::Qemu);
        assert_eq!(e.message, "unsupported configuration: disk type 'network'");
        let e = Error::from(QemuError::NoDomainName("x".into()));
        assert_eq!(e.code, ErrorCode::NoDomain);
        assert_eq!(
            e.message,
            "Domain not found: no domain with matching name 'x'"
        );
        let e = Error::from(QemuError::system(
            "cannot open 'f'",
            std::io::Error::from_raw_os_error(2),
        ));
        assert_eq!(e.code, ErrorCode::SystemError);
        assert_eq!(e.int1, 2);
        let e = Error::from(QemuError::from(
            virt_core::error::check_flags(3, 1, "qemuDomainDestroyFlags")
                .expect_err("bit 2 is unknown"),
        ));
        assert_eq!(e.str1.as_deref(), Some("qemuDomainDestroyFlags"));
        assert_eq!(
            e.message,
            "unsupported flags (0x2) in function qemuDomainDestroyFlags"
        );
    }
}
