//! The QEMU driver's errors, in libvirt's words, and their conversion into
//! [`virt_core::Error`] (code + error domain + message) at the crate edge
//! (the errors every driver shares come from [`virt_core::driver_error!`]).

use virt_core::Error;

virt_core::driver_error! {
    /// Everything the QEMU driver can refuse or fail at.
    pub enum QemuError in Qemu, results QemuResult {
        /// A lookup by name found nothing.
        #[error("Domain not found: no domain with matching name '{0}'")]
        NoDomainName(String) => NoDomain,
        /// A lookup by UUID found nothing.
        #[error("Domain not found: no domain with matching uuid '{0}'")]
        NoDomainUuid(String) => NoDomain,
        /// A lookup by id found nothing.
        #[error("Domain not found: no domain with matching id {0}")]
        NoDomainId(u32) => NoDomain,
        /// The operation needs a running (or paused) domain.
        #[error("Requested operation is not valid: domain is not running")]
        NotRunning => OperationInvalid,
        /// Start or create of a domain that is already running.
        #[error("Requested operation is not valid: domain is already running")]
        AlreadyRunning => OperationInvalid,
        /// A job cancelled by `virDomainAbortJob`.
        #[error("operation aborted: {0}")]
        Aborted(String) => OperationAborted,
        /// A construct of the domain XML that this driver cannot run.
        #[error("unsupported configuration: {0}")]
        Unsupported(String) => ConfigUnsupported,
        /// An operation this driver does not offer in this situation.
        #[error("Operation not supported: {0}")]
        OperationUnsupported(String) => OperationUnsupported,
        /// An argument this driver cannot serve (statistics groups it lacks).
        #[error("argument unsupported: {0}")]
        ArgumentUnsupported(String) => ArgumentUnsupported,
        /// The monitor answered with an error.
        #[error("internal error: unable to execute QEMU command '{command}': {desc}")]
        Monitor {
            /// The QMP command.
            command: String,
            /// QEMU's `desc`.
            desc: String,
        } => InternalError,
        /// The monitor connection broke or spoke something we cannot read.
        #[error("internal error: {0}")]
        Protocol(String) => InternalError,
        /// The connection URI cannot be served.
        #[error("{0}")]
        BadUri(String) => NoConnect,
        /// Access denied (qemu:///system as a non-root user).
        #[error("access denied: {0}")]
        AccessDenied(String) => AccessDenied,
        /// An operation timed out.
        #[error("Timed out during operation: {0}")]
        Timeout(String) => OperationTimeout,
        /// The guest agent is not connected or did not answer.
        #[error("Guest agent is not responding: {0}")]
        AgentUnresponsive(String) => AgentUnresponsive,
        /// A device a call names is not in the definition.
        #[error("device not found: {0}")]
        DeviceMissing(String) => DeviceMissing,
        /// No snapshot of that name (libvirt's detail given).
        #[error("Domain snapshot not found: {0}")]
        NoSnapshot(String) => NoDomainSnapshot,
        /// Reverting needs the force flag.
        #[error("revert requires force: {0}")]
        RevertRisky(String) => SnapshotRevertRisky,
    }
    passed on {
        /// A domain XML document failed to parse.
        Xml(#[from] virt_xml::XmlError) => Error::from,
        /// Another driver's refusal (a guest interface's network), passed on
        /// unchanged.
        Driver(Error) => std::convert::identity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use virt_core::{ErrorCode, ErrorDomain};

    #[test]
    fn conversions_keep_libvirt_codes_and_words() {
        let e = Error::from(QemuError::Unsupported("disk type 'network'".into()));
        assert_eq!(e.code, ErrorCode::ConfigUnsupported);
        assert_eq!(e.domain, ErrorDomain::Qemu);
        assert_eq!(e.message, "unsupported configuration: disk type 'network'");
        // virDomainObjUpdateModificationImpact reports from domain_conf.c
        // (VIR_FROM_DOMAIN), not from the QEMU driver.
        let e = Error::from(QemuError::from(virt_core::affect::Refusal::NotRunning));
        assert_eq!(
            (e.code, e.domain, e.message.as_str()),
            (
                ErrorCode::OperationInvalid,
                ErrorDomain::Domain,
                "Requested operation is not valid: domain is not running"
            )
        );
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
