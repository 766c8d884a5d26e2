//! The crate's one error type, and its conversion into libvirt's error.

use std::io;
use std::path::PathBuf;

use virt_core::error::io_error_text;
use virt_core::{ErrorCode, ErrorDomain};

/// What went wrong talking to the hypervisor.
#[derive(Debug, thiserror::Error)]
pub enum HvError {
    /// The privcmd device could not be opened (no Xen, or not dom0/root).
    #[error("{}: {}", path.display(), io_error_text(source))]
    Open {
        /// The device.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The device opened but does not answer hypercalls.
    #[error("{}: not a Xen privcmd device: {}", path.display(), io_error_text(source))]
    NotPrivcmd {
        /// The device.
        path: PathBuf,
        /// The error the ioctl gave.
        source: io::Error,
    },
    /// A Xen whose ABI this crate does not know.
    #[error(
        "{}: Xen {version} is not supported: only Xen 4.17 (sysctl/domctl interface version 0x15) is",
        path.display()
    )]
    UnsupportedVersion {
        /// The device.
        path: PathBuf,
        /// What `xen_version` said ("4.18.0").
        version: String,
    },
    /// Xen refused our interface version with EACCES: its structs differ
    /// from the ones this crate writes.
    #[error(
        "{}: Xen {version} refused {what} interface version {interface:#x} (EACCES); its ABI differs from Xen 4.17's",
        path.display()
    )]
    InterfaceRefused {
        /// The device.
        path: PathBuf,
        /// What `xen_version` said.
        version: String,
        /// "sysctl" or "domctl".
        what: &'static str,
        /// The version we sent.
        interface: u32,
    },
    /// The probe at open failed for another reason (a domU's privcmd
    /// answers xen_version but refuses sysctl with EPERM).
    #[error("{}: Xen {version} refused {what}: {} (is this dom0?)", path.display(), io_error_text(source))]
    Probe {
        /// The device.
        path: PathBuf,
        /// What `xen_version` said.
        version: String,
        /// The refused call.
        what: &'static str,
        /// The error.
        source: io::Error,
    },
    /// Hypercall memory could not be had.
    #[error("cannot allocate hypercall memory: {}", io_error_text(.0))]
    Buffer(io::Error),
    /// A hypercall failed.
    #[error("{what}: {}", io_error_text(source))]
    Hypercall {
        /// The call ("domctl pausedomain (domain 3)").
        what: String,
        /// The errno Xen returned.
        source: io::Error,
    },
    /// No domain has this id.
    #[error("no domain with matching id {0}")]
    NoDomain(u32),
    /// The operation would stop or freeze the control domain.
    #[error("Domain-0 does not support requested operation")]
    Domain0,
    /// A bad argument.
    #[error("{0}")]
    InvalidArg(String),
    /// A bug in this crate (a buffer access out of range).
    #[error("{0}")]
    Internal(String),
}

impl HvError {
    /// libvirt's error code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            HvError::Open { .. }
            | HvError::NotPrivcmd { .. }
            | HvError::UnsupportedVersion { .. }
            | HvError::InterfaceRefused { .. }
            | HvError::Probe { .. } => ErrorCode::NoXen,
            HvError::Buffer(_) | HvError::Hypercall { .. } => ErrorCode::XenCall,
            HvError::NoDomain(_) => ErrorCode::NoDomain,
            HvError::Domain0 => ErrorCode::OperationInvalid,
            HvError::InvalidArg(_) => ErrorCode::InvalidArg,
            HvError::Internal(_) => ErrorCode::InternalError,
        }
    }

    /// The errno of a failed hypercall.
    pub fn errno(&self) -> Option<i32> {
        match self {
            HvError::Hypercall { source, .. } | HvError::Probe { source, .. } => {
                source.raw_os_error()
            }
            _ => None,
        }
    }
}

impl From<HvError> for virt_core::Error {
    fn from(e: HvError) -> Self {
        let mut err = virt_core::Error::with(e.code(), ErrorDomain::Xen, e.to_string());
        if let Some(errno) = e.errno() {
            err.int1 = errno;
        }
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_become_libvirt_errors_of_the_xen_domain() {
        let e: virt_core::Error = HvError::Open {
            path: "/dev/xen/privcmd".into(),
            source: io::Error::from_raw_os_error(libc::ENOENT),
        }
        .into();
        assert_eq!((e.code, e.domain), (ErrorCode::NoXen, ErrorDomain::Xen));
        assert_eq!(
            e.message,
            "could not use Xen hypervisor entry /dev/xen/privcmd: No such file or directory"
        );
        let e: virt_core::Error = HvError::UnsupportedVersion {
            path: "/dev/xen/privcmd".into(),
            version: "4.18.0".into(),
        }
        .into();
        assert_eq!(e.code, ErrorCode::NoXen);
        assert!(
            e.message.contains("Xen 4.18.0 is not supported"),
            "{}",
            e.message
        );
        let e: virt_core::Error = HvError::Hypercall {
            what: "domctl pausedomain (domain 3)".into(),
            source: io::Error::from_raw_os_error(libc::EINVAL),
        }
        .into();
        assert_eq!(e.code, ErrorCode::XenCall);
        assert_eq!(e.int1, libc::EINVAL);
        assert_eq!(
            e.message,
            "failed Xen syscall domctl pausedomain (domain 3): Invalid argument"
        );
        let e: virt_core::Error = HvError::NoDomain(7).into();
        assert_eq!(e.code, ErrorCode::NoDomain);
        assert_eq!(e.message, "Domain not found: no domain with matching id 7");
        let e: virt_core::Error = HvError::Domain0.into();
        assert_eq!(e.code, ErrorCode::OperationInvalid);
        assert_eq!(
            e.message,
            "Requested operation is not valid: Domain-0 does not support requested operation"
        );
    }
}
