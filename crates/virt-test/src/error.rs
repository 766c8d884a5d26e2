//! The test driver's errors, in libvirt's words, and their conversion into
//! [`virt_core::Error`] (code + error domain + message) at the crate edge.

use virt_core::error::{DriverError, UnsupportedFlags};
use virt_core::{affect, Error, ErrorCode, ErrorDomain, Uuid};

/// Everything the test driver can refuse or fail at. Each variant maps to
/// the code, error domain and message the real libvirt 9.0 test driver
/// reports for the same situation.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    /// Statistics groups asked for with ENFORCE_STATS that the test driver
    /// does not gather (it gathers the state group only, as libvirt's).
    #[error("argument unsupported: Stats types bits 0x{0:x} are not supported by this daemon")]
    StatsUnsupported(u32),
    /// A lookup found nothing (libvirt's test driver gives no detail).
    #[error("Domain not found")]
    NoDomain,
    /// A handle points at a domain that no longer exists.
    #[error("Domain not found: no domain with matching uuid '{uuid}' ({name})")]
    DomainGone {
        /// The handle's UUID.
        uuid: Uuid,
        /// The handle's name.
        name: String,
    },
    /// The operation needs a running (or paused) domain.
    #[error("Requested operation is not valid: domain is not running")]
    NotRunning,
    /// Suspend or shutdown of a domain that is not running.
    #[error("internal error: domain '{0}' not running")]
    NotRunningNamed(String),
    /// Resume of a domain that is not paused.
    #[error("internal error: domain '{0}' not paused")]
    NotPaused(String),
    /// Start of a domain that is already running.
    #[error("internal error: Domain '{0}' is already running")]
    AlreadyRunning(String),
    /// Create or restore over a running domain.
    #[error("Requested operation is not valid: domain '{0}' is already active")]
    AlreadyActive(String),
    /// The name is taken by a domain with another UUID.
    #[error("operation failed: domain '{name}' already exists with uuid {uuid}")]
    NameTaken {
        /// The existing domain's name.
        name: String,
        /// The existing domain's UUID.
        uuid: Uuid,
    },
    /// The UUID is taken by a domain with another name.
    #[error("operation failed: domain '{name}' is already defined with uuid {uuid}")]
    UuidTaken {
        /// The existing domain's name.
        name: String,
        /// The existing domain's UUID.
        uuid: Uuid,
    },
    /// CONFIG was asked of a transient domain.
    #[error(
        "Requested operation is not valid: transient domains do not have any persistent config"
    )]
    Transient,
    /// An operation that the state of the domain forbids, with libvirt's reason.
    #[error("Requested operation is not valid: {0}")]
    Invalid(String),
    /// An operation the object's state forbids, libvirt giving no reason.
    #[error("Requested operation is not valid")]
    InvalidBare,
    /// A host interface lookup found nothing.
    #[error("Interface not found: no interface with matching name '{0}'")]
    NoInterface(String),
    /// A host interface lookup by MAC found nothing.
    #[error("Interface not found: no interface with matching mac '{0}'")]
    NoInterfaceMac(String),
    /// More than one host interface has the MAC looked up.
    #[error("multiple matching interfaces found")]
    MultipleInterfaces,
    /// A node device lookup found nothing.
    #[error("Node device not found: no node device with matching name '{0}'")]
    NoNodeDevice(String),
    /// A bad argument, with libvirt's reason.
    #[error("invalid argument: {0}")]
    InvalidArg(String),
    /// A bad argument reported by the public API layer (message given whole).
    #[error("{0}")]
    ApiArg(String),
    /// Flags the call does not know.
    #[error(transparent)]
    Flags(#[from] UnsupportedFlags),
    /// `save`/`restore` with a replacement definition.
    #[error("argument unsupported: xml modification unsupported")]
    XmlChangeUnsupported,
    /// An operation the simulated node cannot do, with libvirt's reason.
    #[error("Operation not supported: {0}")]
    Unsupported(String),
    /// A network lookup found nothing.
    #[error("Network not found: no network with matching name '{0}'")]
    NoNetwork(String),
    /// A network lookup by UUID found nothing.
    #[error("Network not found: no network with matching uuid '{0}'")]
    NoNetworkUuid(Uuid),
    /// A network definition clashes with an existing network.
    #[error("operation failed: {0}")]
    NetworkClash(String),
    /// The network's state forbids the change (reported by libvirt's
    /// network object layer, hence its error domain).
    #[error("Requested operation is not valid: {0}")]
    NetworkState(String),
    /// A storage pool lookup found nothing.
    #[error("Storage pool not found: no storage pool with matching name '{0}'")]
    NoPool(String),
    /// A storage pool lookup by UUID found nothing.
    #[error("Storage pool not found: no storage pool with matching uuid '{0}'")]
    NoPoolUuid(Uuid),
    /// A storage volume lookup found nothing (libvirt's detail given).
    #[error("Storage volume not found: {0}")]
    NoVol(String),
    /// An operation that failed, with libvirt's reason.
    #[error("operation failed: {0}")]
    Failed(String),
    /// Pool or volume XML failed to parse (raised from libvirt's storage part).
    #[error(transparent)]
    Storage(virt_xml::XmlError),
    /// A system call failed on a file (save, restore, dump, node file).
    #[error("{what}: {}", virt_core::error::io_error_text(.source))]
    System {
        /// What was being done.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// An internal failure with libvirt's wording (bad save image, ...).
    #[error("internal error: {0}")]
    Internal(String),
    /// The connection URI cannot be served.
    #[error("invalid argument: {0}")]
    BadUri(String),
    /// The node description file is wrong.
    #[error("XML error: {0}")]
    NodeXml(String),
    /// The credentials given do not match the node file's `<auth>`.
    #[error("authentication failed: authentication failed, see test XML for the correct username/password")]
    AuthFailed,
    /// Credentials were asked and none given: libvirt fails with no error
    /// set, which its API reports as an unknown cause.
    #[error("An error occurred, but the cause is unknown")]
    NoCause,
    /// A domain or node XML document failed to parse.
    #[error(transparent)]
    Xml(#[from] virt_xml::XmlError),
    /// No snapshot of that name, or another snapshot lookup failure
    /// (libvirt's detail given).
    #[error("Domain snapshot not found: {0}")]
    NoSnapshot(String),
    /// Reverting needs the force flag.
    #[error("revert requires force: {0}")]
    RevertRisky(String),
    /// No checkpoint of that name, or no parent (libvirt's detail given).
    #[error("Domain checkpoint not found: {0}")]
    NoCheckpoint(String),
    /// A refusal of a snapshot or checkpoint list itself (virt-xml's,
    /// already whole).
    #[error(transparent)]
    Snapshots(virt_core::Error),
}

impl DriverError for TestError {
    fn code_domain(&self) -> (ErrorCode, ErrorDomain) {
        use TestError::*;
        match self {
            NoDomain | DomainGone { .. } => (ErrorCode::NoDomain, ErrorDomain::Test),
            NotRunning | Transient | AlreadyActive(_) => {
                (ErrorCode::OperationInvalid, ErrorDomain::Domain)
            }
            NotRunningNamed(_) | NotPaused(_) | AlreadyRunning(_) | Internal(_) => {
                (ErrorCode::InternalError, ErrorDomain::Test)
            }
            NameTaken { .. } | UuidTaken { .. } => {
                (ErrorCode::OperationFailed, ErrorDomain::Domain)
            }
            Invalid(_) | InvalidBare => (ErrorCode::OperationInvalid, ErrorDomain::Test),
            NoInterface(_) | NoInterfaceMac(_) => (ErrorCode::NoInterface, ErrorDomain::Test),
            MultipleInterfaces => (ErrorCode::MultipleInterfaces, ErrorDomain::Test),
            NoNodeDevice(_) => (ErrorCode::NoNodeDevice, ErrorDomain::Test),
            InvalidArg(_) | Flags(_) | BadUri(_) => (ErrorCode::InvalidArg, ErrorDomain::Test),
            ApiArg(_) => (ErrorCode::InvalidArg, ErrorDomain::Domain),
            XmlChangeUnsupported | StatsUnsupported(_) => {
                (ErrorCode::ArgumentUnsupported, ErrorDomain::Test)
            }
            Unsupported(_) => (ErrorCode::OperationUnsupported, ErrorDomain::Test),
            NoNetwork(_) | NoNetworkUuid(_) => (ErrorCode::NoNetwork, ErrorDomain::Test),
            NetworkClash(_) => (ErrorCode::OperationFailed, ErrorDomain::Network),
            NetworkState(_) => (ErrorCode::OperationInvalid, ErrorDomain::Network),
            NoPool(_) | NoPoolUuid(_) => (ErrorCode::NoStoragePool, ErrorDomain::Test),
            NoVol(_) => (ErrorCode::NoStorageVol, ErrorDomain::Test),
            Failed(_) => (ErrorCode::OperationFailed, ErrorDomain::Test),
            Storage(_) | Xml(_) => (ErrorCode::InternalError, ErrorDomain::Test),
            System { .. } => (ErrorCode::SystemError, ErrorDomain::Test),
            NodeXml(_) => (ErrorCode::XmlError, ErrorDomain::Test),
            AuthFailed => (ErrorCode::AuthFailed, ErrorDomain::Test),
            NoCause => (ErrorCode::InternalError, ErrorDomain::None),
            NoSnapshot(_) => (ErrorCode::NoDomainSnapshot, ErrorDomain::Test),
            NoCheckpoint(_) => (ErrorCode::NoDomainCheckpoint, ErrorDomain::Test),
            RevertRisky(_) => (ErrorCode::SnapshotRevertRisky, ErrorDomain::Test),
            Snapshots(e) => (e.code, e.domain),
        }
    }
    fn os_error(&self) -> Option<&std::io::Error> {
        match self {
            TestError::System { source, .. } => Some(source),
            _ => None,
        }
    }
    fn converted(self) -> Result<Error, Self> {
        match self {
            TestError::Flags(f) => Ok(f.into_error(ErrorDomain::Test)),
            TestError::Storage(x) => Ok(virt_xml::storage::storage_error(x)),
            TestError::Xml(x) => Ok(Error::from(x)),
            TestError::Snapshots(e) => Ok(e),
            e => Err(e),
        }
    }
}

impl From<TestError> for Error {
    fn from(e: TestError) -> Error {
        virt_core::error::lower(e)
    }
}

impl From<affect::Refusal> for TestError {
    fn from(r: affect::Refusal) -> Self {
        match r {
            affect::Refusal::NotRunning => TestError::NotRunning,
            affect::Refusal::Transient => TestError::Transient,
        }
    }
}

/// The test driver's result type.
pub type TestResult<T> = std::result::Result<T, TestError>;

/// virt-core's flag check ([`virt_core::error::check_flags`]), its refusal
/// typed as this driver's error so entry points and closures use `?` alike.
pub fn check_flags(flags: u32, allowed: u32, function: &'static str) -> TestResult<()> {
    Ok(virt_core::error::check_flags(flags, allowed, function)?)
}

#[cfg(test)]
mod tests {
    use super::*;

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
