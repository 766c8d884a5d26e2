//! libvirt's error model: numbers, domains, levels, message templates, the
//! last error per thread and per connection, and error callbacks.

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, RwLock};

/// Result of every fallible virt-rs call.
pub type Result<T> = std::result::Result<T, Error>;

macro_rules! numbered_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $num:expr),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vm])* $var = $num,)+
        }
        impl $name {
            /// The number libvirt uses for this value on the wire and in C.
            pub fn number(self) -> i32 { self as i32 }
            /// The value for a libvirt number, if it is one we know.
            pub fn from_number(n: i32) -> Option<Self> {
                match n { $($num => Some(Self::$var),)+ _ => None }
            }
        }
    };
}

numbered_enum! {
    /// `virErrorNumber`: what went wrong. Numbers match libvirt's.
    ErrorCode {
        /// No error.
        Ok = 0,
        /// Internal error.
        InternalError = 1,
        /// Out of memory.
        NoMemory = 2,
        /// The driver does not support this function.
        NoSupport = 3,
        /// Could not resolve a host name.
        UnknownHost = 4,
        /// Could not connect to the hypervisor.
        NoConnect = 5,
        /// Invalid connection object.
        InvalidConn = 6,
        /// Invalid domain object.
        InvalidDomain = 7,
        /// Invalid function argument.
        InvalidArg = 8,
        /// A command to the hypervisor failed.
        OperationFailed = 9,
        /// An HTTP GET failed.
        GetFailed = 10,
        /// An HTTP POST failed.
        PostFailed = 11,
        /// Unexpected HTTP error code.
        HttpError = 12,
        /// Failure to serialize an S-expression.
        SexprSerial = 13,
        /// Could not open the Xen hypervisor control.
        NoXen = 14,
        /// A Xen hypercall failed.
        XenCall = 15,
        /// Unknown OS type.
        OsType = 16,
        /// Missing kernel information.
        NoKernel = 17,
        /// Missing root device information.
        NoRoot = 18,
        /// Missing source device information.
        NoSource = 19,
        /// Missing target device information.
        NoTarget = 20,
        /// Missing domain name information.
        NoName = 21,
        /// Missing OS information.
        NoOs = 22,
        /// Missing device information.
        NoDevice = 23,
        /// Could not open the Xen store.
        NoXenstore = 24,
        /// Too many drivers registered.
        DriverFull = 25,
        /// Not supported by the drivers (deprecated).
        CallFailed = 26,
        /// XML description is not well formed or invalid.
        XmlError = 27,
        /// The domain already exists.
        DomExist = 28,
        /// Operation forbidden on a read-only connection.
        OperationDenied = 29,
        /// Failed to open a configuration file.
        OpenFailed = 30,
        /// Failed to read a configuration file.
        ReadFailed = 31,
        /// Failed to parse a configuration file.
        ParseFailed = 32,
        /// Configuration file syntax error.
        ConfSyntax = 33,
        /// Failed to write a configuration file.
        WriteFailed = 34,
        /// Detailed XML error (the message is the detail).
        XmlDetail = 35,
        /// Invalid network object.
        InvalidNetwork = 36,
        /// The network already exists.
        NetworkExist = 37,
        /// A system call failed.
        SystemError = 38,
        /// RPC error.
        Rpc = 39,
        /// TLS error.
        GnutlsError = 40,
        /// Failed to start a network (warning).
        WarNoNetwork = 41,
        /// Domain not found.
        NoDomain = 42,
        /// Network not found.
        NoNetwork = 43,
        /// Invalid MAC address.
        InvalidMac = 44,
        /// Authentication failed.
        AuthFailed = 45,
        /// Invalid storage pool object.
        InvalidStoragePool = 46,
        /// Invalid storage volume object.
        InvalidStorageVol = 47,
        /// Failed to start storage (warning).
        WarNoStorage = 48,
        /// Storage pool not found.
        NoStoragePool = 49,
        /// Storage volume not found.
        NoStorageVol = 50,
        /// Failed to start node driver (warning).
        WarNoNode = 51,
        /// Invalid node device object.
        InvalidNodeDevice = 52,
        /// Node device not found.
        NoNodeDevice = 53,
        /// Security model not found.
        NoSecurityModel = 54,
        /// The operation is not valid in the object's current state.
        OperationInvalid = 55,
        /// Failed to start interface driver (warning).
        WarNoInterface = 56,
        /// Interface not found.
        NoInterface = 57,
        /// Invalid interface object.
        InvalidInterface = 58,
        /// More than one interface matched.
        MultipleInterfaces = 59,
        /// Unsupported configuration construct.
        ConfigUnsupported = 67,
        /// Timed out.
        OperationTimeout = 68,
        /// Invalid domain snapshot object.
        InvalidDomainSnapshot = 71,
        /// Domain snapshot not found.
        NoDomainSnapshot = 72,
        /// A stream pointer is not a live stream.
        InvalidStream = 73,
        /// A function argument is not supported.
        ArgumentUnsupported = 74,
        /// Reverting to the snapshot needs the force flag.
        SnapshotRevertRisky = 77,
        /// The operation was aborted.
        OperationAborted = 78,
        /// A value overflowed.
        Overflow = 82,
        /// The operation is not supported.
        OperationUnsupported = 84,
        /// The guest agent did not answer, or is not connected.
        AgentUnresponsive = 86,
        /// The resource is busy.
        ResourceBusy = 87,
        /// Access denied.
        AccessDenied = 88,
        /// The storage volume already exists.
        StorageVolExist = 90,
        /// The XML does not validate against libvirt's schema.
        XmlInvalidSchema = 92,
        /// The requested device is missing.
        DeviceMissing = 99,
        /// Invalid domain checkpoint object.
        InvalidDomainCheckpoint = 102,
        /// Domain checkpoint not found.
        NoDomainCheckpoint = 103,
        /// The checkpoint cannot be used.
        CheckpointInconsistent = 109,
        /// More than one domain matched.
        MultipleDomains = 110,
    }
}

numbered_enum! {
    /// `virErrorDomain`: which part of the stack raised the error.
    ErrorDomain {
        /// No particular domain.
        None = 0,
        /// The Xen hypervisor layer.
        Xen = 1,
        /// The xend daemon layer.
        Xend = 2,
        /// The xenstore layer.
        Xenstore = 3,
        /// The S-expression code.
        Sexpr = 4,
        /// The XML code.
        Xml = 5,
        /// The domain code.
        Dom = 6,
        /// The XML-RPC code.
        Rpc = 7,
        /// The read-only proxy.
        Proxy = 8,
        /// Configuration file handling.
        Conf = 9,
        /// The QEMU driver.
        Qemu = 10,
        /// The network code.
        Net = 11,
        /// The test driver.
        Test = 12,
        /// The remote driver.
        Remote = 13,
        /// The xm configuration format.
        Xenxm = 15,
        /// Storage.
        Storage = 18,
        /// The network driver.
        Network = 19,
        /// Domain configuration.
        Domain = 20,
        /// Node devices.
        Nodedev = 22,
        /// Security.
        Security = 24,
        /// Host interfaces.
        Interface = 26,
        /// Domain snapshots.
        DomainSnapshot = 35,
        /// Streams.
        Streams = 38,
        /// Events.
        Events = 40,
        /// Capabilities.
        Capabilities = 44,
        /// URI handling.
        Uri = 45,
        /// Authentication.
        Auth = 46,
        /// Device configuration.
        Device = 49,
        /// Access control.
        Access = 55,
        /// Domain checkpoints.
        DomainCheckpoint = 69,
    }
}

/// `virErrorLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ErrorLevel {
    /// No level.
    None = 0,
    /// A warning.
    Warning = 1,
    /// An error.
    #[default]
    Error = 2,
}

impl ErrorLevel {
    /// libvirt's number.
    pub fn number(self) -> i32 {
        self as i32
    }
    /// The level for a number; unknown numbers are errors.
    pub fn from_number(n: i32) -> Self {
        match n {
            0 => Self::None,
            1 => Self::Warning,
            _ => Self::Error,
        }
    }
}

impl ErrorDomain {
    /// Where libvirt's library reports the refusals of a public function
    /// (not supported, read-only, bad argument): the part of the library
    /// the function lives in (libvirt-storage.c, libvirt-network.c; the
    /// domain and host calls report as the domain part).
    pub fn of_function(function: &str) -> Self {
        if function.starts_with("virStorage") {
            ErrorDomain::Storage
        } else if function.starts_with("virInterface")
            || (function.starts_with("virConnect") && function.contains("Interfaces"))
        {
            ErrorDomain::Interface
        } else if function.starts_with("virNodeDevice")
            || matches!(
                function,
                "virNodeNumOfDevices" | "virNodeListDevices" | "virConnectListAllNodeDevices"
            )
        {
            ErrorDomain::Nodedev
        } else if function.starts_with("virNetwork") {
            ErrorDomain::Network
        } else if function.starts_with("virStream") {
            ErrorDomain::Streams
        } else if function.starts_with("virDomainCheckpoint")
            || function == "virDomainListAllCheckpoints"
        {
            ErrorDomain::DomainCheckpoint
        } else {
            ErrorDomain::Domain
        }
    }
}

impl ErrorCode {
    /// libvirt's message template for this code: the text without detail,
    /// and the text around the detail (`{}` marks where it goes).
    pub fn template(self) -> (&'static str, &'static str) {
        use ErrorCode::*;
        match self {
            Ok => ("", "{}"),
            InternalError => ("internal error", "internal error: {}"),
            NoMemory => ("out of memory", "out of memory: {}"),
            NoSupport => (
                "this function is not supported by the connection driver",
                "this function is not supported by the connection driver: {}",
            ),
            UnknownHost => ("unknown host", "unknown host {}"),
            NoConnect => (
                "no connection driver available",
                "no connection driver available for {}",
            ),
            InvalidConn => (
                "invalid connection pointer in",
                "invalid connection pointer in {}",
            ),
            InvalidDomain => ("invalid domain pointer in", "invalid domain pointer in {}"),
            InvalidArg => ("invalid argument", "invalid argument: {}"),
            OperationFailed => ("operation failed", "operation failed: {}"),
            GetFailed => ("GET operation failed", "GET operation failed: {}"),
            PostFailed => ("POST operation failed", "POST operation failed: {}"),
            HttpError => (
                "got unknown HTTP error code",
                "got unknown HTTP error code {}",
            ),
            SexprSerial => (
                "failed to serialize S-Expr",
                "failed to serialize S-Expr: {}",
            ),
            NoXen => (
                "could not use Xen hypervisor entry",
                "could not use Xen hypervisor entry {}",
            ),
            XenCall => ("failed Xen syscall", "failed Xen syscall {}"),
            OsType => ("unknown OS type", "unknown OS type {}"),
            NoKernel => (
                "missing kernel information",
                "missing kernel information: {}",
            ),
            NoRoot => (
                "missing root device information",
                "missing root device information in {}",
            ),
            NoSource => (
                "missing source information for device",
                "missing source information for device {}",
            ),
            NoTarget => (
                "missing target information for device",
                "missing target information for device {}",
            ),
            NoName => ("missing name information", "missing name information in {}"),
            NoOs => (
                "missing operating system information",
                "missing operating system information for {}",
            ),
            NoDevice => (
                "missing devices information",
                "missing devices information for {}",
            ),
            NoXenstore => (
                "could not connect to Xen Store",
                "could not connect to Xen Store {}",
            ),
            DriverFull => (
                "too many drivers registered",
                "too many drivers registered in {}",
            ),
            CallFailed => ("library call failed", "library call failed: {}"),
            XmlError => (
                "XML description is invalid or not well formed",
                "XML error: {}",
            ),
            DomExist => ("this domain exists already", "domain {} exists already"),
            OperationDenied => (
                "operation forbidden for read only access",
                "operation forbidden: {}",
            ),
            OpenFailed => (
                "failed to open configuration file",
                "failed to open configuration file {}",
            ),
            ReadFailed => (
                "failed to read configuration file",
                "failed to read configuration file {}",
            ),
            ParseFailed => (
                "failed to parse configuration file",
                "failed to parse configuration file {}",
            ),
            ConfSyntax => (
                "configuration file syntax error",
                "configuration file syntax error: {}",
            ),
            WriteFailed => (
                "failed to write configuration file",
                "failed to write configuration file: {}",
            ),
            XmlDetail => ("parser error", "{}"),
            InvalidNetwork => (
                "invalid network pointer in",
                "invalid network pointer in {}",
            ),
            NetworkExist => ("this network exists already", "network {} exists already"),
            SystemError => ("system call error", "{}"),
            // libvirt 9.0 gives the RPC layer's detail alone ("unknown
            // procedure: 999"), as its daemon sends it.
            Rpc => ("RPC error", "{}"),
            GnutlsError => ("GNUTLS call error", "GNUTLS call error: {}"),
            WarNoNetwork => (
                "Failed to find the network",
                "Failed to find the network: {}",
            ),
            NoDomain => ("Domain not found", "Domain not found: {}"),
            NoNetwork => ("Network not found", "Network not found: {}"),
            InvalidMac => ("invalid MAC address", "invalid MAC address: {}"),
            AuthFailed => ("authentication failed", "authentication failed: {}"),
            InvalidStoragePool => (
                "invalid storage pool pointer in",
                "invalid storage pool pointer in {}",
            ),
            InvalidStorageVol => (
                "invalid storage volume pointer in",
                "invalid storage volume pointer in {}",
            ),
            InvalidStream => ("invalid stream pointer in", "invalid stream pointer in {}"),
            WarNoStorage => (
                "Failed to find a storage driver",
                "Failed to find a storage driver: {}",
            ),
            NoStoragePool => ("Storage pool not found", "Storage pool not found: {}"),
            NoStorageVol => ("Storage volume not found", "Storage volume not found: {}"),
            WarNoNode => (
                "Failed to find a node driver",
                "Failed to find a node driver: {}",
            ),
            InvalidNodeDevice => (
                "invalid node device pointer",
                "invalid node device pointer in {}",
            ),
            NoNodeDevice => ("Node device not found", "Node device not found: {}"),
            NoSecurityModel => ("Security model not found", "Security model not found: {}"),
            OperationInvalid => (
                "Requested operation is not valid",
                "Requested operation is not valid: {}",
            ),
            WarNoInterface => (
                "Failed to find the interface",
                "Failed to find the interface: {}",
            ),
            NoInterface => ("Interface not found", "Interface not found: {}"),
            InvalidInterface => (
                "invalid interface pointer in",
                "invalid interface pointer in {}",
            ),
            MultipleInterfaces => (
                "multiple matching interfaces found",
                "multiple matching interfaces found: {}",
            ),
            ConfigUnsupported => ("unsupported configuration", "unsupported configuration: {}"),
            OperationTimeout => (
                "Timed out during operation",
                "Timed out during operation: {}",
            ),
            InvalidDomainSnapshot => ("Invalid domain snapshot", "Invalid domain snapshot: {}"),
            NoDomainSnapshot => ("Domain snapshot not found", "Domain snapshot not found: {}"),
            ArgumentUnsupported => ("argument unsupported", "argument unsupported: {}"),
            SnapshotRevertRisky => ("revert requires force", "revert requires force: {}"),
            OperationAborted => ("operation aborted", "operation aborted: {}"),
            Overflow => ("numerical overflow", "numerical overflow: {}"),
            OperationUnsupported => ("Operation not supported", "Operation not supported: {}"),
            AgentUnresponsive => (
                "Guest agent is not responding",
                "Guest agent is not responding: {}",
            ),
            ResourceBusy => ("resource busy", "resource busy: {}"),
            AccessDenied => ("access denied", "access denied: {}"),
            StorageVolExist => (
                "this storage volume exists already",
                "storage volume {} exists already",
            ),
            XmlInvalidSchema => (
                "XML document failed to validate against schema",
                "XML document failed to validate against schema: {}",
            ),
            DeviceMissing => ("device not found", "device not found: {}"),
            InvalidDomainCheckpoint => {
                ("Invalid domain checkpoint", "Invalid domain checkpoint: {}")
            }
            NoDomainCheckpoint => (
                "Domain checkpoint not found",
                "Domain checkpoint not found: {}",
            ),
            CheckpointInconsistent => ("checkpoint inconsistent", "checkpoint inconsistent: {}"),
            MultipleDomains => (
                "multiple matching domains found",
                "multiple matching domains found: {}",
            ),
        }
    }

    /// The message libvirt builds for this code, with or without detail.
    pub fn message(self, info: Option<&str>) -> String {
        let (bare, with) = self.template();
        match info {
            None => bare.to_string(),
            Some(info) => with.replacen("{}", info, 1),
        }
    }
}

/// A libvirt error: the fields of `virError`, so they cross the wire and the
/// language bindings unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    /// What went wrong.
    pub code: ErrorCode,
    /// Which part raised it.
    pub domain: ErrorDomain,
    /// The full human-readable message.
    pub message: String,
    /// Warning or error.
    pub level: ErrorLevel,
    /// Extra information, usually the detail put in the message.
    pub str1: Option<String>,
    /// Extra information.
    pub str2: Option<String>,
    /// Extra information.
    pub str3: Option<String>,
    /// Extra number.
    pub int1: i32,
    /// Extra number.
    pub int2: i32,
    /// A stack member's "not mine, ask the next member" (see
    /// [`Error::declined`]); never seen by callers of the API.
    declined: bool,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error {
    /// An error built from libvirt's template for `code`, with `info` as the
    /// detail (`None` gives the bare text).
    pub fn new(code: ErrorCode, domain: ErrorDomain, info: Option<&str>) -> Self {
        Error {
            code,
            domain,
            message: code.message(info),
            level: ErrorLevel::Error,
            str1: info.map(str::to_string),
            str2: None,
            str3: None,
            int1: -1,
            int2: -1,
            declined: false,
        }
    }

    /// Shorthand for [`Error::new`] with a formatted detail.
    pub fn with(code: ErrorCode, domain: ErrorDomain, info: impl AsRef<str>) -> Self {
        Self::new(code, domain, Some(info.as_ref()))
    }

    /// An error whose message is given whole, not built from a template
    /// (for errors received from a peer).
    pub fn raw(code: ErrorCode, domain: ErrorDomain, message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            ..Self::new(code, domain, None)
        }
    }

    /// "this function is not supported by the connection driver: NAME".
    pub fn no_support(function: &str) -> Self {
        Self::with(
            ErrorCode::NoSupport,
            ErrorDomain::of_function(function),
            function,
        )
    }

    /// A driver's "not mine": the call is left to the next member of a
    /// [`crate::DriverStack`]. It reads as [`Error::no_support`] wherever it
    /// surfaces, and the stack and the checked layer turn it into a plain
    /// one, so only members of a stack ever see the difference.
    pub fn declined(function: &str) -> Self {
        Error {
            declined: true,
            ..Self::no_support(function)
        }
    }

    /// True for [`Error::declined`]: a stack asks its next member.
    pub fn is_declined(&self) -> bool {
        self.declined
    }

    /// This error as callers see it: a decline becomes libvirt's plain
    /// "not supported".
    pub fn settled(mut self) -> Self {
        self.declined = false;
        self
    }

    /// libvirt's refusal of a mutating call on a read-only connection.
    pub fn read_only(function: &str) -> Self {
        let domain = ErrorDomain::of_function(function);
        let mut e = Self::new(ErrorCode::OperationDenied, domain, None);
        e.message = format!("operation forbidden: read only access prevents {function}");
        e.str1 = Some(function.to_string());
        e
    }

    /// "Domain not found: no domain with matching name 'NAME'".
    pub fn no_domain_name(domain: ErrorDomain, name: &str) -> Self {
        Self::with(
            ErrorCode::NoDomain,
            domain,
            format!("no domain with matching name '{name}'"),
        )
    }

    /// "Domain not found: no domain with matching id N".
    pub fn no_domain_id(domain: ErrorDomain, id: u32) -> Self {
        Self::with(
            ErrorCode::NoDomain,
            domain,
            format!("no domain with matching id {id}"),
        )
    }

    /// "Domain not found: no domain with matching uuid 'UUID'".
    pub fn no_domain_uuid(domain: ErrorDomain, uuid: &uuid::Uuid) -> Self {
        Self::with(
            ErrorCode::NoDomain,
            domain,
            format!("no domain with matching uuid '{uuid}'"),
        )
    }

    /// An error from an OS call, with errno's text appended as libvirt does.
    pub fn system(domain: ErrorDomain, what: impl AsRef<str>, err: &std::io::Error) -> Self {
        let text = io_error_text(err);
        let mut e = Self::with(
            ErrorCode::SystemError,
            domain,
            format!("{}: {}", what.as_ref(), text),
        );
        e.int1 = err.raw_os_error().unwrap_or(-1);
        e
    }

    /// libvirt's "unsupported flags (0xN) in function F": the caller passed
    /// flag bits `extra` that `function` does not know.
    pub fn unsupported_flags(domain: ErrorDomain, extra: u32, function: &str) -> Self {
        // libvirt reports this text bare, without the "invalid argument"
        // prefix, with the function's name in str1.
        let text = format!("unsupported flags (0x{extra:x}) in function {function}");
        let mut e = Self::raw(ErrorCode::InvalidArg, domain, text);
        // virCheckFlags reports it through virReportInvalidArg(flags, ...).
        e.str1 = Some(function.to_string());
        e.str2 = Some("flags".to_string());
        e.int1 = 0;
        e.int2 = 0;
        e
    }

    /// Refuse `flags` unless every bit is in `allowed`, as each libvirt
    /// driver entry point does.
    pub fn check_flags(
        domain: ErrorDomain,
        flags: u32,
        allowed: u32,
        function: &str,
    ) -> Result<()> {
        match flags & !allowed {
            0 => Ok(()),
            extra => Err(Self::unsupported_flags(domain, extra, function)),
        }
    }

    /// A bad argument refused by a public entry point, worded whole as
    /// libvirt's library checks word it (no "invalid argument: " prefix),
    /// naming the entry point in `str1`.
    pub fn api_arg(function: &str, message: impl Into<String>) -> Self {
        let mut e = Self::raw(ErrorCode::InvalidArg, ErrorDomain::Domain, message);
        e.str1 = Some(function.to_string());
        e.int1 = 0;
        e
    }

    /// A bad argument `arg` of the public function `function`, as libvirt's
    /// `virReportInvalidArg` reports it: the function in str1, the argument
    /// in str2, from the part of the library the function belongs to.
    pub fn invalid_arg(function: &str, arg: &str, message: impl Into<String>) -> Self {
        let domain = ErrorDomain::of_function(function);
        let mut e = Self::raw(ErrorCode::InvalidArg, domain, message);
        e.str1 = Some(function.to_string());
        e.str2 = Some(arg.to_string());
        e.int1 = 0;
        e.int2 = 0;
        e
    }

    /// Refuse `flags` holding both `a` and `b` ("Flags 'A' and 'B' are
    /// mutually exclusive"), as libvirt's library does before asking a
    /// driver.
    pub fn check_exclusive(
        flags: u32,
        (a, a_name): (u32, &str),
        (b, b_name): (u32, &str),
        function: &str,
    ) -> Result<()> {
        if flags & a != 0 && flags & b != 0 {
            return Err(Self::flags_arg(
                function,
                format!("Flags '{a_name}' and '{b_name}' are mutually exclusive"),
            ));
        }
        Ok(())
    }

    /// A refusal of a public function's flags as libvirt's
    /// `VIR_EXCLUSIVE_FLAGS_*` and `VIR_REQUIRE_FLAG_*` report it
    /// (`virReportInvalidArg(ctl, ...)`: the function in str1, `ctl` in
    /// str2).
    pub fn flags_arg(function: &str, message: impl Into<String>) -> Self {
        let mut e = Self::api_arg(function, message);
        e.str2 = Some("ctl".to_string());
        e.int2 = 0;
        e
    }

    /// This error as a warning.
    pub fn warning(mut self) -> Self {
        self.level = ErrorLevel::Warning;
        self
    }

    /// str1 and str2 as libvirt fills them for its callers (the C API's
    /// `virError`, libvirt-python's `err` tuple): a message made from its
    /// code's template has the template in str1 (`%s` where the detail
    /// goes) and the detail in str2; a bare template is str1 alone. Other
    /// errors (argument checks naming their function) keep their fields.
    pub fn libvirt_strings(&self) -> (Option<String>, Option<String>) {
        let (bare, with) = self.code.template();
        let keep = (self.str1.clone(), self.str2.clone());
        if self.code == ErrorCode::Ok {
            return keep;
        }
        if self.message == bare {
            return (Some(bare.to_string()), self.str2.clone());
        }
        let Some((pre, post)) = with.split_once("{}") else {
            return keep;
        };
        let detail = self
            .message
            .strip_prefix(pre)
            .and_then(|m| m.strip_suffix(post));
        match detail {
            Some(d) => (Some(with.replace("{}", "%s")), Some(d.to_string())),
            None => keep,
        }
    }

    /// What libvirt's default handler prints: `libvirt: DOMAIN error : MESSAGE`.
    pub fn default_report(&self) -> String {
        let level = match self.level {
            ErrorLevel::Warning => "warning",
            _ => "error",
        };
        let dom = match self.domain {
            ErrorDomain::Xen => "Xen ",
            ErrorDomain::Xml => "XML ",
            ErrorDomain::Xend => "Xen Daemon ",
            ErrorDomain::Xenstore => "Xen Store ",
            ErrorDomain::Sexpr => "S-Expression ",
            ErrorDomain::Dom => "Domain ",
            ErrorDomain::Domain => "Domain Config ",
            ErrorDomain::Rpc => "XML-RPC ",
            ErrorDomain::Proxy => "PROXY ",
            ErrorDomain::Conf => "Config File ",
            ErrorDomain::Qemu => "QEMU Driver ",
            ErrorDomain::Test => "Test Driver ",
            ErrorDomain::Remote => "Remote Driver ",
            ErrorDomain::Net => "Network ",
            ErrorDomain::Network => "Network Driver ",
            ErrorDomain::Storage => "Storage Driver ",
            ErrorDomain::Streams => "Streams ",
            ErrorDomain::Uri => "URI ",
            ErrorDomain::DomainCheckpoint => "Domain Checkpoint ",
            _ => "",
        };
        format!("libvirt: {dom}{level} : {}", self.message)
    }
}

/// Flag bits a driver entry point does not know, kept typed so that each
/// driver's error enum carries it (`#[from]`) and converts it with its own
/// error domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unsupported flags (0x{flags:x}) in function {function}")]
pub struct UnsupportedFlags {
    /// The unknown bits.
    pub flags: u32,
    /// The driver function, as libvirt names it.
    pub function: &'static str,
}

impl UnsupportedFlags {
    /// libvirt's error for these flags, reported by `domain`.
    pub fn into_error(self, domain: ErrorDomain) -> Error {
        Error::unsupported_flags(domain, self.flags, self.function)
    }
}

/// Refuse `flags` unless every bit is in `allowed`: the check at the top of
/// each libvirt driver entry point.
pub fn check_flags(
    flags: u32,
    allowed: u32,
    function: &'static str,
) -> std::result::Result<(), UnsupportedFlags> {
    match flags & !allowed {
        0 => Ok(()),
        extra => Err(UnsupportedFlags {
            flags: extra,
            function,
        }),
    }
}

/// A driver crate's error enum, turned into [`Error`] by [`lower`] in one
/// place: the crate says only which libvirt code and error domain each of
/// its errors is; the message is its `Display`, a system failure carries
/// its OS error number (libvirt's `int1`), and an error another layer
/// converts (XML, unknown flags) passes through whole.
pub trait DriverError: fmt::Display + Sized {
    /// libvirt's code and error domain for this error.
    fn code_domain(&self) -> (ErrorCode, ErrorDomain);
    /// The OS error behind a system failure.
    fn os_error(&self) -> Option<&std::io::Error> {
        None
    }
    /// The finished error when another layer converts this one (XML
    /// errors, unknown flags); `Err(self)` for the crate's own.
    fn converted(self) -> std::result::Result<Error, Self> {
        Err(self)
    }
}

/// A driver crate's error as libvirt's ([`DriverError`]).
pub fn lower<E: DriverError>(e: E) -> Error {
    let e = match e.converted() {
        Ok(done) => return done,
        Err(e) => e,
    };
    let (code, domain) = e.code_domain();
    let mut err = Error::raw(code, domain, e.to_string());
    if let Some(os) = e.os_error() {
        err.int1 = os.raw_os_error().unwrap_or(0);
    }
    err
}

/// Declares a driver crate's error enum (its one thiserror enum) with the
/// errors every driver shares written once here, and its way into
/// [`Error`]: the [`DriverError`] mapping, `From<enum> for Error`, the
/// crate's result type and a typed `check_flags`.
///
/// The shared variants, reported in the crate's error domain:
/// `Invalid(String)` (operation invalid), `Failed(String)` (operation
/// failed), `InvalidArg(String)`, `Flags(UnsupportedFlags)` (unknown flags,
/// `#[from]`), `Refused(affect::Refusal)` (LIVE or CONFIG the domain cannot
/// serve, `From`, reported in the domain error domain as libvirt does),
/// `Internal(String)` and `System { what, source }` (a failed
/// system call, carrying its OS error; built with `system(what, source)`).
///
/// Each of the crate's own variants names its libvirt code (an
/// [`ErrorCode`] variant), and the error domain when it is not the crate's
/// (`=> OperationInvalid in Domain`). Variants under `passed on` hold an
/// error another layer has finished (XML, another driver's): they show it
/// as it is (`#[error(transparent)]`) and give the function that makes it
/// libvirt's.
///
/// ```ignore
/// virt_core::driver_error! {
///     /// Everything the network driver can refuse or fail at.
///     pub enum NetworkError in Network, results NetworkResult {
///         /// No network by that name.
///         #[error("Network not found: no network with matching name '{0}'")]
///         NoNetwork(String) => NoNetwork,
///     }
///     passed on {
///         /// Network XML that did not parse.
///         Xml(#[from] virt_xml::XmlError) => Error::from,
///     }
/// }
/// ```
#[macro_export]
macro_rules! driver_error {
    (@domain $own:ident) => { $crate::ErrorDomain::$own };
    (@domain $own:ident $other:ident) => { $crate::ErrorDomain::$other };
    (
        $(#[$meta:meta])*
        pub enum $name:ident in $domain:ident, results $result:ident {
            $(
                $(#[$($vmeta:tt)*])*
                $variant:ident $( ( $($tuple:tt)* ) )? $( { $($fields:tt)* } )?
                    => $code:ident $(in $vdomain:ident)?,
            )*
        }
        $(passed on {
            $(
                $(#[$($pmeta:tt)*])*
                $passed:ident ( $($ptuple:tt)* ) => $convert:expr,
            )*
        })?
    ) => {
        $(#[$meta])*
        #[derive(Debug, thiserror::Error)]
        pub enum $name {
            /// The state of the object forbids the call, with libvirt's reason.
            #[error("Requested operation is not valid: {0}")]
            Invalid(String),
            /// The operation failed, with libvirt's reason.
            #[error("operation failed: {0}")]
            Failed(String),
            /// A bad argument, with libvirt's reason.
            #[error("invalid argument: {0}")]
            InvalidArg(String),
            /// Flags the call does not know (libvirt's error, with its fields).
            #[error(transparent)]
            Flags(#[from] $crate::error::UnsupportedFlags),
            /// LIVE or CONFIG asked of a domain that cannot serve it
            /// ([`affect::defs`](crate::affect::defs)'s refusal).
            #[error("{}", .0.into_error($crate::ErrorDomain::Domain).message)]
            Refused($crate::affect::Refusal),
            /// An internal failure with libvirt's wording.
            #[error("internal error: {0}")]
            Internal(String),
            /// A system call failed.
            #[error("{what}: {}", $crate::error::io_error_text(.source))]
            System {
                /// What was being done.
                what: String,
                /// The OS error.
                source: std::io::Error,
            },
            $(
                $(#[$($vmeta)*])*
                $variant $( ( $($tuple)* ) )? $( { $($fields)* } )?,
            )*
            $($(
                $(#[$($pmeta)*])*
                #[error(transparent)]
                $passed ( $($ptuple)* ),
            )*)?
        }

        impl From<$crate::affect::Refusal> for $name {
            fn from(r: $crate::affect::Refusal) -> Self {
                $name::Refused(r)
            }
        }

        impl $name {
            /// A failed system call on `what`.
            pub fn system(what: impl Into<String>, source: std::io::Error) -> Self {
                $name::System {
                    what: what.into(),
                    source,
                }
            }
        }

        impl $crate::error::DriverError for $name {
            fn code_domain(&self) -> ($crate::ErrorCode, $crate::ErrorDomain) {
                let own = $crate::ErrorDomain::$domain;
                match self {
                    $name::Invalid(_) => ($crate::ErrorCode::OperationInvalid, own),
                    $name::Failed(_) => ($crate::ErrorCode::OperationFailed, own),
                    $name::InvalidArg(_) | $name::Flags(_) => ($crate::ErrorCode::InvalidArg, own),
                    $name::Refused(_) => ($crate::ErrorCode::OperationInvalid, $crate::ErrorDomain::Domain),
                    $name::Internal(_) => ($crate::ErrorCode::InternalError, own),
                    $name::System { .. } => ($crate::ErrorCode::SystemError, own),
                    $(
                        $name::$variant { .. } => (
                            $crate::ErrorCode::$code,
                            $crate::driver_error!(@domain $domain $($vdomain)?),
                        ),
                    )*
                    // Never asked: `converted` passes these on whole.
                    $($($name::$passed(..) => ($crate::ErrorCode::InternalError, own),)*)?
                }
            }
            fn os_error(&self) -> Option<&std::io::Error> {
                match self {
                    $name::System { source, .. } => Some(source),
                    _ => None,
                }
            }
            fn converted(self) -> std::result::Result<$crate::Error, Self> {
                match self {
                    $name::Flags(f) => Ok(f.into_error($crate::ErrorDomain::$domain)),
                    // libvirt refuses in domain_conf.c, whichever driver asks.
                    $name::Refused(r) => Ok(r.into_error($crate::ErrorDomain::Domain)),
                    $($($name::$passed(e) => Ok(($convert)(e)),)*)?
                    e => Err(e),
                }
            }
        }

        impl From<$name> for $crate::Error {
            fn from(e: $name) -> $crate::Error {
                $crate::error::lower(e)
            }
        }

        #[doc = concat!("This crate's results, refused with [`", stringify!($name), "`].")]
        pub type $result<T> = std::result::Result<T, $name>;

        /// virt-core's flag check ([`virt_core::error::check_flags`]), its
        /// refusal typed as this crate's error so entry points and closures
        /// use `?` alike.
        pub fn check_flags(flags: u32, allowed: u32, function: &'static str) -> $result<()> {
            Ok($crate::error::check_flags(flags, allowed, function)?)
        }
    };
}

/// The text of an I/O error the way C's strerror gives it, without Rust's
/// " (os error N)" suffix.
pub fn io_error_text(err: &std::io::Error) -> String {
    let s = err.to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// A function called with every error a call reports (`virErrorFunc`).
pub type ErrorCallback = Arc<dyn Fn(&Error) + Send + Sync>;

thread_local! {
    static LAST_ERROR: RefCell<Option<Error>> = const { RefCell::new(None) };
}

static GLOBAL_CALLBACK: RwLock<Option<ErrorCallback>> = RwLock::new(None);

/// The last error raised on this thread (`virGetLastError`).
pub fn last_error() -> Option<Error> {
    LAST_ERROR.with(|e| e.borrow().clone())
}

/// Forget this thread's last error (`virResetLastError`).
pub fn reset_last_error() {
    LAST_ERROR.with(|e| *e.borrow_mut() = None);
}

/// Set the error callback used for connections without their own
/// (`virSetErrorFunc`); `None` removes it.
pub fn set_error_callback(cb: Option<ErrorCallback>) {
    if let Ok(mut g) = GLOBAL_CALLBACK.write() {
        *g = cb;
    }
}

/// The handler libvirt installs when none is set: print the error to stderr
/// (`virDefaultErrorFunc`).
pub fn default_error_callback(err: &Error) {
    eprintln!("{}", err.default_report());
}

/// Record `err` as this thread's last error and hand it to the connection's
/// callback, or else the global one (libvirt's dispatch order).
pub(crate) fn dispatch(err: &Error, conn_cb: Option<&ErrorCallback>) {
    LAST_ERROR.with(|e| *e.borrow_mut() = Some(err.clone()));
    if let Some(cb) = conn_cb {
        cb(err);
        return;
    }
    let global = GLOBAL_CALLBACK.read().ok().and_then(|g| g.clone());
    if let Some(cb) = global {
        cb(err);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// str1/str2 as libvirt 9.0 reports them (seen through python3-libvirt
    /// on test:///default).
    #[test]
    fn libvirt_strings_split_template_and_detail() {
        let e = Error::read_only("virDomainSuspend");
        assert_eq!(
            e.libvirt_strings(),
            (
                Some("operation forbidden: %s".into()),
                Some("read only access prevents virDomainSuspend".into())
            )
        );
        let e = Error::new(ErrorCode::NoDomain, ErrorDomain::Test, None);
        assert_eq!(e.libvirt_strings(), (Some("Domain not found".into()), None));
        let e = Error::api_arg(
            "virDomainSetMemory",
            "memory in virDomainSetMemory must not be zero",
        );
        assert_eq!(
            e.libvirt_strings(),
            (Some("virDomainSetMemory".into()), None)
        );
    }

    #[test]
    fn numbers_match_libvirt() {
        assert_eq!(ErrorCode::XmlError.number(), 27);
        assert_eq!(ErrorCode::OperationDenied.number(), 29);
        assert_eq!(ErrorCode::XmlDetail.number(), 35);
        assert_eq!(ErrorCode::NoDomain.number(), 42);
        assert_eq!(ErrorCode::OperationInvalid.number(), 55);
        assert_eq!(ErrorDomain::Test.number(), 12);
        assert_eq!(ErrorDomain::Remote.number(), 13);
        assert_eq!(ErrorCode::from_number(42), Some(ErrorCode::NoDomain));
        assert_eq!(ErrorCode::from_number(9999), None);
    }

    #[test]
    fn messages_follow_templates() {
        let e = Error::no_domain_name(ErrorDomain::Test, "x");
        assert_eq!(
            e.to_string(),
            "Domain not found: no domain with matching name 'x'"
        );
        let e = Error::with(
            ErrorCode::OperationInvalid,
            ErrorDomain::Domain,
            "domain is not running",
        );
        assert_eq!(
            e.to_string(),
            "Requested operation is not valid: domain is not running"
        );
        assert_eq!(ErrorCode::InternalError.message(None), "internal error");
        let e = Error::read_only("virDomainDestroy");
        assert_eq!(e.code, ErrorCode::OperationDenied);
        assert_eq!(
            e.to_string(),
            "operation forbidden: read only access prevents virDomainDestroy"
        );
        assert_eq!(
            e.default_report(),
            "libvirt: Domain Config error : operation forbidden: read only access prevents virDomainDestroy"
        );
    }

    #[test]
    fn last_error_is_per_thread() {
        reset_last_error();
        dispatch(&Error::no_support("x"), None);
        assert_eq!(last_error().map(|e| e.code), Some(ErrorCode::NoSupport));
        let other = std::thread::spawn(last_error).join().ok().flatten();
        assert!(other.is_none());
        reset_last_error();
        assert!(last_error().is_none());
    }

    #[test]
    fn unsupported_flags_read_like_libvirt() {
        assert!(Error::check_flags(ErrorDomain::Test, 3, 3, "f").is_ok());
        let e = Error::check_flags(ErrorDomain::Test, 6, 2, "testDomainSaveFlags").err();
        assert_eq!(
            e.map(|e| (e.code, e.message)),
            Some((
                ErrorCode::InvalidArg,
                "unsupported flags (0x4) in function testDomainSaveFlags".into()
            ))
        );
        let e = Error::unsupported_flags(ErrorDomain::Test, 4, "testDomainSaveFlags");
        assert_eq!(e.str1.as_deref(), Some("testDomainSaveFlags"));
    }

    #[test]
    fn io_text_drops_rust_suffix() {
        let e = std::io::Error::from_raw_os_error(libc::ENOENT);
        assert_eq!(io_error_text(&e), "No such file or directory");
    }

    crate::driver_error! {
        /// A driver error declared the way driver crates declare theirs.
        pub enum SampleError in Network, results SampleResult {
            /// A crate's own lookup failure.
            #[error("Network not found: no network with matching name '{0}'")]
            NoNetwork(String) => NoNetwork,
            /// One reported in another error domain.
            #[error("operation failed: {name} clashes")]
            Clash { name: String } => OperationFailed in Domain,
            /// One without a payload.
            #[error("An error occurred, but the cause is unknown")]
            NoCause => InternalError in None,
        }
        passed on {
            /// Another layer's error, whole.
            Whole(#[from] Error) => std::convert::identity,
        }
    }

    #[test]
    fn declared_driver_errors_lower_with_libvirt_codes() {
        let shared = [
            (
                SampleError::Invalid("x".into()),
                ErrorCode::OperationInvalid,
                "Requested operation is not valid: x",
            ),
            (
                SampleError::Failed("x".into()),
                ErrorCode::OperationFailed,
                "operation failed: x",
            ),
            (
                SampleError::InvalidArg("x".into()),
                ErrorCode::InvalidArg,
                "invalid argument: x",
            ),
            (
                SampleError::Internal("x".into()),
                ErrorCode::InternalError,
                "internal error: x",
            ),
            (
                SampleError::NoNetwork("n".into()),
                ErrorCode::NoNetwork,
                "Network not found: no network with matching name 'n'",
            ),
        ];
        for (e, code, message) in shared {
            let e = Error::from(e);
            assert_eq!(
                (e.code, e.domain, e.message.as_str()),
                (code, ErrorDomain::Network, message)
            );
        }
        let e = Error::from(SampleError::system(
            "cannot open 'f'",
            std::io::Error::from_raw_os_error(libc::ENOENT),
        ));
        assert_eq!(
            (e.code, e.domain, e.int1),
            (ErrorCode::SystemError, ErrorDomain::Network, libc::ENOENT)
        );
        assert_eq!(e.message, "cannot open 'f': No such file or directory");
        let e = Error::from(SampleError::Clash { name: "a".into() });
        assert_eq!(
            (e.code, e.domain),
            (ErrorCode::OperationFailed, ErrorDomain::Domain)
        );
        let e = Error::from(SampleError::NoCause);
        assert_eq!(
            (e.code, e.domain),
            (ErrorCode::InternalError, ErrorDomain::None)
        );
        let flags: SampleResult<()> = check_flags(5, 1, "networkFoo");
        let e = Error::from(flags.expect_err("bit 4 is unknown"));
        assert_eq!(
            (e.code, e.domain),
            (ErrorCode::InvalidArg, ErrorDomain::Network)
        );
        assert_eq!(e.str1.as_deref(), Some("networkFoo"));
        assert_eq!(e.message, "unsupported flags (0x4) in function networkFoo");
        let whole = Error::read_only("virDomainSuspend");
        assert_eq!(SampleError::from(whole.clone()).to_string(), whole.message);
        assert_eq!(Error::from(SampleError::Whole(whole.clone())), whole);
    }
}
