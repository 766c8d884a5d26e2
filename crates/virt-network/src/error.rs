//! The network driver's errors, in libvirt's words, and their conversion
//! into [`virt_core::Error`] (the errors every driver shares come from
//! [`virt_core::driver_error!`]).

use virt_core::Error;

virt_core::driver_error! {
    /// Everything the network driver can refuse or fail at.
    pub enum NetworkError in Network, results NetworkResult {
        /// No network by that name.
        #[error("Network not found: no network with matching name '{0}'")]
        NoNetwork(String) => NoNetwork,
        /// No network with that UUID.
        #[error("Network not found: no network with matching uuid '{0}'")]
        NoNetworkUuid(uuid::Uuid) => NoNetwork,
        /// A definition this driver cannot run.
        #[error("unsupported configuration: {0}")]
        Unsupported(String) => ConfigUnsupported,
        /// Something this driver does not do.
        #[error("this function is not supported by the connection driver: {0}")]
        NoSupport(String) => NoSupport,
    }
    passed on {
        /// Network XML did not parse, or failed one of its checks.
        Xml(#[from] virt_xml::XmlError) => Error::from,
    }
}

impl From<virt_host::dirs::FileError> for NetworkError {
    fn from(e: virt_host::dirs::FileError) -> Self {
        NetworkError::system(e.what, e.source)
    }
}
