//! The test driver's errors, in libvirt's words, and their conversion into
//! [`virt_core::Error`] (code + error domain + message) at the crate edge
//! (the errors every driver shares come from [`virt_core::driver_error!`]).

use virt_core::{Error, Uuid};

virt_core::driver_error! {
    /// Everything the test driver can refuse or fail at. Each variant maps
    /// to the code, error domain and message the real libvirt 9.0 test
    /// driver reports for the same situation.
    pub enum TestError in Test, results TestResult {
        /// Statistics groups asked for with ENFORCE_STATS that the test driver
        /// does not gather (it gathers the state group only, as libvirt's).
        #[error("argument unsupported: Stats types bits 0x{0:x} are not supported by this daemon")]
        StatsUnsupported(u32) => ArgumentUnsupported,
        /// A lookup found nothing (libvirt's test driver gives no detail).
        #[error("Domain not found")]
        NoDomain => NoDomain,
        /// A handle points at a domain that no longer exists.
        #[error("Domain not found: no domain with matching uuid '{uuid}' ({name})")]
        DomainGone {
            /// The handle's UUID.
            uuid: Uuid,
            /// The handle's name.
            name: String,
        } => NoDomain,
        /// The operation needs a running (or paused) domain.
        #[error("Requested operation is not valid: domain is not running")]
        NotRunning => OperationInvalid in Domain,
        /// Suspend or shutdown of a domain that is not running.
        #[error("internal error: domain '{0}' not running")]
        NotRunningNamed(String) => InternalError,
        /// Resume of a domain that is not paused.
        #[error("internal error: domain '{0}' not paused")]
        NotPaused(String) => InternalError,
        /// Start of a domain that is already running.
        #[error("internal error: Domain '{0}' is already running")]
        AlreadyRunning(String) => InternalError,
        /// Create or restore over a running domain.
        #[error("Requested operation is not valid: domain '{0}' is already active")]
        AlreadyActive(String) => OperationInvalid in Domain,
        /// The name is taken by a domain with another UUID.
        #[error("operation failed: domain '{name}' already exists with uuid {uuid}")]
        NameTaken {
            /// The existing domain's name.
            name: String,
            /// The existing domain's UUID.
            uuid: Uuid,
        } => OperationFailed in Domain,
        /// The UUID is taken by a domain with another name.
        #[error("operation failed: domain '{name}' is already defined with uuid {uuid}")]
        UuidTaken {
            /// The existing domain's name.
            name: String,
            /// The existing domain's UUID.
            uuid: Uuid,
        } => OperationFailed in Domain,
        /// CONFIG was asked of a transient domain.
        #[error(
            "Requested operation is not valid: transient domains do not have any persistent config"
        )]
        Transient => OperationInvalid in Domain,
        /// An operation the object's state forbids, libvirt giving no reason.
        #[error("Requested operation is not valid")]
        InvalidBare => OperationInvalid,
        /// A host interface lookup found nothing.
        #[error("Interface not found: no interface with matching name '{0}'")]
        NoInterface(String) => NoInterface,
        /// A host interface lookup by MAC found nothing.
        #[error("Interface not found: no interface with matching mac '{0}'")]
        NoInterfaceMac(String) => NoInterface,
        /// More than one host interface has the MAC looked up.
        #[error("multiple matching interfaces found")]
        MultipleInterfaces => MultipleInterfaces,
        /// A node device lookup found nothing.
        #[error("Node device not found: no node device with matching name '{0}'")]
        NoNodeDevice(String) => NoNodeDevice,
        /// A bad argument reported by the public API layer (message given whole).
        #[error("{0}")]
        ApiArg(String) => InvalidArg in Domain,
        /// `save`/`restore` with a replacement definition.
        #[error("argument unsupported: xml modification unsupported")]
        XmlChangeUnsupported => ArgumentUnsupported,
        /// An operation the simulated node cannot do, with libvirt's reason.
        #[error("Operation not supported: {0}")]
        Unsupported(String) => OperationUnsupported,
        /// A network lookup found nothing.
        #[error("Network not found: no network with matching name '{0}'")]
        NoNetwork(String) => NoNetwork,
        /// A network lookup by UUID found nothing.
        #[error("Network not found: no network with matching uuid '{0}'")]
        NoNetworkUuid(Uuid) => NoNetwork,
        /// A network definition clashes with an existing network.
        #[error("operation failed: {0}")]
        NetworkClash(String) => OperationFailed in Network,
        /// The network's state forbids the change (reported by libvirt's
        /// network object layer, hence its error domain).
        #[error("Requested operation is not valid: {0}")]
        NetworkState(String) => OperationInvalid in Network,
        /// A storage pool lookup found nothing.
        #[error("Storage pool not found: no storage pool with matching name '{0}'")]
        NoPool(String) => NoStoragePool,
        /// A storage pool lookup by UUID found nothing.
        #[error("Storage pool not found: no storage pool with matching uuid '{0}'")]
        NoPoolUuid(Uuid) => NoStoragePool,
        /// A storage volume lookup found nothing (libvirt's detail given).
        #[error("Storage volume not found: {0}")]
        NoVol(String) => NoStorageVol,
        /// The connection URI cannot be served.
        #[error("invalid argument: {0}")]
        BadUri(String) => InvalidArg,
        /// The node description file is wrong.
        #[error("XML error: {0}")]
        NodeXml(String) => XmlError,
        /// The credentials given do not match the node file's `<auth>`.
        #[error("authentication failed: authentication failed, see test XML for the correct username/password")]
        AuthFailed => AuthFailed,
        /// Credentials were asked and none given: libvirt fails with no error
        /// set, which its API reports as an unknown cause.
        #[error("An error occurred, but the cause is unknown")]
        NoCause => InternalError in None,
        /// No snapshot of that name, or another snapshot lookup failure
        /// (libvirt's detail given).
        #[error("Domain snapshot not found: {0}")]
        NoSnapshot(String) => NoDomainSnapshot,
        /// Reverting needs the force flag.
        #[error("revert requires force: {0}")]
        RevertRisky(String) => SnapshotRevertRisky,
        /// No checkpoint of that name, or no parent (libvirt's detail given).
        #[error("Domain checkpoint not found: {0}")]
        NoCheckpoint(String) => NoDomainCheckpoint,
    }
    passed on {
        /// Pool or volume XML failed to parse (raised from libvirt's storage
        /// part).
        Storage(virt_xml::XmlError) => virt_xml::storage::storage_error,
        /// A domain or node XML document failed to parse.
        Xml(#[from] virt_xml::XmlError) => Error::from,
        /// A refusal of a snapshot or checkpoint list itself (virt-xml's,
        /// already whole).
        Snapshots(Error) => std::convert::identity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use virt_core::error::UnsupportedFlags;
    use virt_core::{ErrorCode, ErrorDomain};

    #[test]
    fn conversions_keep_libvirt_codes_and_words() {
        let e = Error::from(TestError::NotPaused("test".into()));
        assert_eq!(e.code, ErrorCode::InternalError);
        assert_eq!(e.domain, ErrorDomain::Test);
        assert_eq!(e.message, "internal error: domain 'test' not paused");
        let e = Error::from(TestError::NotRunning);
        assert_eq!(
            (e.code, e.domain),
            (ErrorCode::OperationInvalid, ErrorDomain::Domain)
        );
        assert_eq!(
            e.message,
            "Requested operation is not valid: domain is not running"
        );
        let e = Error::from(TestError::InvalidArg(
            "cannot set memory higher than max memory".into(),
        ));
        assert_eq!(
            e.message,
            "invalid argument: cannot set memory higher than max memory"
        );
        let io = std::io::Error::from_raw_os_error(2);
        let e = Error::from(TestError::System {
            what: "cannot read domain image '/x'".into(),
            source: io,
        });
        assert_eq!(
            e.message,
            "cannot read domain image '/x': No such file or directory"
        );
        assert_eq!((e.code, e.int1), (ErrorCode::SystemError, 2));
        // LIVE or CONFIG the domain cannot serve: libvirt's words from
        // domain_conf.c, in its error domain.
        let e = Error::from(TestError::from(virt_core::affect::Refusal::Transient));
        assert_eq!(
            (e.code, e.domain, e.message.as_str()),
            (
                ErrorCode::OperationInvalid,
                ErrorDomain::Domain,
                "Requested operation is not valid: transient domains do not have any persistent config"
            )
        );
        let e = Error::from(TestError::from(UnsupportedFlags {
            flags: 1,
            function: "testDomainShutdownFlags",
        }));
        assert_eq!(
            e.message,
            "unsupported flags (0x1) in function testDomainShutdownFlags"
        );
    }
}
