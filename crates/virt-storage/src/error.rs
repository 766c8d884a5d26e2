//! The storage driver's errors, in libvirt's words, and their conversion
//! into [`virt_core::Error`] (the errors every driver shares come from
//! [`virt_core::driver_error!`]).

virt_core::driver_error! {
    /// Everything the storage driver can refuse or fail at.
    pub enum StorageError in Storage, results StorageResult {
        /// No pool by that name.
        #[error("Storage pool not found: no storage pool with matching name '{0}'")]
        NoPool(String) => NoStoragePool,
        /// No pool with that UUID.
        #[error("Storage pool not found: no storage pool with matching uuid '{0}'")]
        NoPoolUuid(uuid::Uuid) => NoStoragePool,
        /// No such volume (libvirt's detail).
        #[error("Storage volume not found: {0}")]
        NoVol(String) => NoStorageVol,
        /// A volume of that name is in the pool already (vol-create).
        #[error("storage volume '{0}' exists already")]
        VolExists(String) => StorageVolExist,
        /// A configuration libvirt does not take (a netfs pool with two hosts).
        #[error("unsupported configuration: {0}")]
        Unsupported(String) => ConfigUnsupported,
        /// Something this driver does not do (a pool type, an algorithm).
        #[error("this function is not supported by the connection driver: {0}")]
        NoSupport(String) => NoSupport,
    }
    passed on {
        /// Pool or volume XML did not parse (reported by libvirt's storage
        /// part).
        Xml(virt_xml::XmlError) => virt_xml::storage::storage_error,
    }
}

impl From<virt_host::dirs::FileError> for StorageError {
    fn from(e: virt_host::dirs::FileError) -> Self {
        StorageError::system(e.what, e.source)
    }
}
