//! The plain C records libvirt's calls fill, laid out as `libvirt.h` lays
//! them out (the layout test compares sizes and offsets with libvirt's own
//! headers).

#![allow(non_camel_case_types)]

use libc::{c_char, c_int, c_uchar, c_uint, c_ulong, c_ulonglong, c_ushort, c_void};

/// `virDomainInfo`.
#[repr(C)]
pub struct virDomainInfo {
    /// `virDomainState`.
    pub state: c_uchar,
    /// Maximum memory, KiB.
    pub max_mem: c_ulong,
    /// Current memory, KiB.
    pub memory: c_ulong,
    /// Number of vCPUs.
    pub nr_virt_cpu: c_ushort,
    /// CPU time, ns.
    pub cpu_time: c_ulonglong,
}

/// `virNodeInfo`.
#[repr(C)]
pub struct virNodeInfo {
    /// CPU model, NUL-terminated.
    pub model: [c_char; 32],
    /// Memory, KiB.
    pub memory: c_ulong,
    /// Active CPUs.
    pub cpus: c_uint,
    /// Frequency, MHz.
    pub mhz: c_uint,
    /// NUMA cells.
    pub nodes: c_uint,
    /// Sockets per cell.
    pub sockets: c_uint,
    /// Cores per socket.
    pub cores: c_uint,
    /// Threads per core.
    pub threads: c_uint,
}

/// `virVcpuInfo`.
#[repr(C)]
pub struct virVcpuInfo {
    /// vCPU number.
    pub number: c_uint,
    /// `virVcpuState`.
    pub state: c_int,
    /// CPU time, ns.
    pub cpu_time: c_ulonglong,
    /// Host CPU, -1 when offline.
    pub cpu: c_int,
}

/// `VIR_SECURITY_MODEL_BUFLEN`, `VIR_SECURITY_DOI_BUFLEN`.
pub const SECURITY_MODEL_BUFLEN: usize = 257;
/// `VIR_SECURITY_LABEL_BUFLEN`.
pub const SECURITY_LABEL_BUFLEN: usize = 4097;

/// `virSecurityModel`.
#[repr(C)]
pub struct virSecurityModel {
    /// Model name.
    pub model: [c_char; SECURITY_MODEL_BUFLEN],
    /// Domain of interpretation.
    pub doi: [c_char; SECURITY_MODEL_BUFLEN],
}

/// `virSecurityLabel`.
#[repr(C)]
pub struct virSecurityLabel {
    /// The label.
    pub label: [c_char; SECURITY_LABEL_BUFLEN],
    /// 1 when enforcing.
    pub enforcing: c_int,
}

/// `virStoragePoolInfo`.
#[repr(C)]
pub struct virStoragePoolInfo {
    /// `virStoragePoolState`.
    pub state: c_int,
    /// Capacity, bytes.
    pub capacity: c_ulonglong,
    /// Allocation, bytes.
    pub allocation: c_ulonglong,
    /// Available, bytes.
    pub available: c_ulonglong,
}

/// `virStorageVolInfo`.
#[repr(C)]
pub struct virStorageVolInfo {
    /// `virStorageVolType`.
    pub kind: c_int,
    /// Capacity, bytes.
    pub capacity: c_ulonglong,
    /// Allocation, bytes.
    pub allocation: c_ulonglong,
}

/// `VIR_TYPED_PARAM_FIELD_LENGTH`.
pub const TYPED_PARAM_FIELD_LENGTH: usize = 80;

/// The value union of `virTypedParameter`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union TypedValueC {
    /// `VIR_TYPED_PARAM_INT`.
    pub i: c_int,
    /// `VIR_TYPED_PARAM_UINT`.
    pub ui: c_uint,
    /// `VIR_TYPED_PARAM_LLONG`.
    pub l: i64,
    /// `VIR_TYPED_PARAM_ULLONG`.
    pub ul: u64,
    /// `VIR_TYPED_PARAM_DOUBLE`.
    pub d: f64,
    /// `VIR_TYPED_PARAM_BOOLEAN`.
    pub b: c_char,
    /// `VIR_TYPED_PARAM_STRING` (malloc'd).
    pub s: *mut c_char,
}

/// `virTypedParameter` (also `virSchedParameter`).
#[repr(C)]
pub struct virTypedParameter {
    /// Field name, NUL-terminated.
    pub field: [c_char; TYPED_PARAM_FIELD_LENGTH],
    /// `virTypedParameterType`.
    pub kind: c_int,
    /// The value.
    pub value: TypedValueC,
}

/// `virConnectCredential`.
#[repr(C)]
pub struct virConnectCredential {
    /// `virConnectCredentialType`.
    pub kind: c_int,
    /// Prompt to show.
    pub prompt: *const c_char,
    /// Extra challenge text.
    pub challenge: *const c_char,
    /// Default answer.
    pub defresult: *const c_char,
    /// The answer (malloc'd by the callback).
    pub result: *mut c_char,
    /// Length of the answer.
    pub resultlen: c_uint,
}

/// `virConnectAuthCallbackPtr`.
pub type AuthCallback = Option<
    unsafe extern "C" fn(
        cred: *mut virConnectCredential,
        ncred: c_uint,
        data: *mut c_void,
    ) -> c_int,
>;

/// `virConnectAuth`.
#[repr(C)]
pub struct virConnectAuth {
    /// Credential types the callback can gather.
    pub credtype: *mut c_int,
    /// Their number.
    pub ncredtype: c_uint,
    /// The callback.
    pub cb: AuthCallback,
    /// Its data.
    pub cbdata: *mut c_void,
}
