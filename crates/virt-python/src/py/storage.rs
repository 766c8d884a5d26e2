//! `virNetwork`, `virStoragePool` and `virStorageVol`.

use super::error::{call, non_null};
use super::handle::{handle_class, ConnObject};
use super::stream::PyStream;
use pyo3::prelude::*;
use virt_core::{Network, StoragePool, StorageVol};

handle_class!(
    /// A virtual network (libvirt-python's `virNetwork`); handles compare and
    /// hash by identity, as libvirt-python's.
    PyNetwork("virNetwork", "network", Network),
    shared [uuid is_active is_persistent autostart set_autostart create destroy undefine],
    {
        /// The network's bridge device.
        #[pyo3(name = "bridgeName")]
        fn bridge_name(&self, py: Python<'_>) -> PyResult<String> {
            call(py, || self.handle.bridge_name())
        }
    }
);

impl PyNetwork {
    /// Its UUID (the object an event registration concerns).
    pub(super) fn uuid_of(&self) -> virt_core::Uuid {
        self.handle.uuid()
    }
}

handle_class!(
    /// A storage pool (libvirt-python's `virStoragePool`); handles compare and
    /// hash by identity, as libvirt-python's.
    PyStoragePool("virStoragePool", "pool", StoragePool),
    shared [uuid is_active is_persistent autostart set_autostart create(flags) destroy undefine],
    {
        /// `[state, capacity, allocation, available]`, bytes.
        fn info(&self, py: Python<'_>) -> PyResult<Vec<u64>> {
            let i = call(py, || self.handle.info())?;
            Ok(vec![i.state as u64, i.capacity, i.allocation, i.available])
        }

        /// Build the underlying storage; returns 0.
        #[pyo3(signature = (flags = 0))]
        fn build(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
            call(py, || self.handle.build(flags)).map(|()| 0)
        }

        /// Delete the underlying storage; returns 0.
        #[pyo3(signature = (flags = 0))]
        fn delete(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
            call(py, || self.handle.delete(flags)).map(|()| 0)
        }

        /// Look at the storage again; returns 0.
        #[pyo3(signature = (flags = 0))]
        fn refresh(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
            call(py, || self.handle.refresh(flags)).map(|()| 0)
        }

        /// Every volume of the pool.
        #[pyo3(name = "listAllVolumes", signature = (flags = 0))]
        fn list_all_volumes(&self, py: Python<'_>, flags: u32) -> PyResult<Vec<Py<PyStorageVol>>> {
            let vols = call(py, || self.handle.list_all_volumes(flags))?;
            vols.into_iter().map(|v| self.vol(py, v)).collect()
        }

        /// Names of the pool's volumes.
        #[pyo3(name = "listVolumes")]
        fn list_volumes(&self, py: Python<'_>) -> PyResult<Vec<String>> {
            call(py, || self.handle.list_volumes())
        }

        /// Number of the pool's volumes.
        #[pyo3(name = "numOfVolumes")]
        fn num_of_volumes(&self, py: Python<'_>) -> PyResult<u32> {
            call(py, || self.handle.num_of_volumes())
        }

        /// The pool's volume with this name.
        #[pyo3(name = "storageVolLookupByName")]
        fn storage_vol_lookup_by_name(
            &self,
            py: Python<'_>,
            name: Option<String>,
        ) -> PyResult<Py<PyStorageVol>> {
            let name = non_null(py, name, "name", "virStorageVolLookupByName")?;
            let v = call(py, || self.handle.storage_vol_lookup_by_name(&name))?;
            self.vol(py, v)
        }

        /// Create a volume from XML.
        #[pyo3(name = "createXML", signature = (xmlDesc, flags = 0))]
        #[allow(non_snake_case)]
        fn create_xml(
            &self,
            py: Python<'_>,
            xmlDesc: Option<String>,
            flags: u32,
        ) -> PyResult<Py<PyStorageVol>> {
            let xml = non_null(py, xmlDesc, "xmlDesc", "virStorageVolCreateXML")?;
            let v = call(py, || self.handle.storage_vol_create_xml(&xml, flags))?;
            self.vol(py, v)
        }

        /// Create a volume from XML holding a copy of `clonevol`.
        #[pyo3(name = "createXMLFrom", signature = (xmlDesc, clonevol, flags = 0))]
        #[allow(non_snake_case)]
        fn create_xml_from(
            &self,
            py: Python<'_>,
            xmlDesc: Option<String>,
            clonevol: PyRef<'_, PyStorageVol>,
            flags: u32,
        ) -> PyResult<Py<PyStorageVol>> {
            let xml = non_null(py, xmlDesc, "xmlDesc", "virStorageVolCreateXMLFrom")?;
            let clone = &clonevol.handle;
            let v = call(py, || {
                self.handle.storage_vol_create_xml_from(&xml, clone, flags)
            })?;
            self.vol(py, v)
        }
    }
);

impl PyStoragePool {
    fn vol(&self, py: Python<'_>, vol: StorageVol) -> PyResult<Py<PyStorageVol>> {
        PyStorageVol::wrap(self.conn.bind(py), vol)
    }
}

handle_class!(
    /// A storage volume (libvirt-python's `virStorageVol`); handles compare and
    /// hash by identity, as libvirt-python's.
    PyStorageVol("virStorageVol", "volume", StorageVol),
    shared [],
    {
        /// The volume's key.
        fn key(&self) -> String {
            self.handle.key().to_string()
        }

        /// The pool holding the volume.
        #[pyo3(name = "storagePoolLookupByVolume")]
        fn storage_pool_lookup_by_volume(&self, py: Python<'_>) -> PyResult<Py<PyStoragePool>> {
            let p = call(py, || self.handle.pool())?;
            PyStoragePool::wrap(self.conn.bind(py), p)
        }

        /// Attach `stream` to write `length` bytes (0: all) from `offset`
        /// into the volume (`VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM` lets it
        /// carry holes); send, then `finish`. Returns 0.
        #[pyo3(signature = (stream, offset, length, flags = 0))]
        fn upload(
            &self,
            py: Python<'_>,
            stream: PyRef<'_, PyStream>,
            offset: u64,
            length: u64,
            flags: u32,
        ) -> PyResult<i32> {
            let s = stream.stream();
            call(py, || self.handle.upload(s, offset, length, flags)).map(|()| 0)
        }

        /// Attach `stream` to read `length` bytes (0: all) from `offset` of
        /// the volume (`VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM` keeps its
        /// holes); receive, then `finish`. Returns 0.
        #[pyo3(signature = (stream, offset, length, flags = 0))]
        fn download(
            &self,
            py: Python<'_>,
            stream: PyRef<'_, PyStream>,
            offset: u64,
            length: u64,
            flags: u32,
        ) -> PyResult<i32> {
            let s = stream.stream();
            call(py, || self.handle.download(s, offset, length, flags)).map(|()| 0)
        }

        /// Delete the volume; returns 0.
        #[pyo3(signature = (flags = 0))]
        fn delete(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
            call(py, || self.handle.delete(flags)).map(|()| 0)
        }

        /// Overwrite its data with zeroes; returns 0.
        #[pyo3(signature = (flags = 0))]
        fn wipe(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
            call(py, || self.handle.wipe(flags)).map(|()| 0)
        }

        /// Overwrite its data with a pattern (`VIR_STORAGE_VOL_WIPE_ALG_*`).
        #[pyo3(name = "wipePattern", signature = (algorithm, flags = 0))]
        fn wipe_pattern(&self, py: Python<'_>, algorithm: u32, flags: u32) -> PyResult<i32> {
            call(py, || self.handle.wipe_pattern(algorithm, flags)).map(|()| 0)
        }

        /// Change its capacity, bytes; returns 0.
        #[pyo3(signature = (capacity, flags = 0))]
        fn resize(&self, py: Python<'_>, capacity: u64, flags: u32) -> PyResult<i32> {
            call(py, || self.handle.resize(capacity, flags)).map(|()| 0)
        }

        /// `[type, capacity, allocation]`, bytes.
        fn info(&self, py: Python<'_>) -> PyResult<Vec<u64>> {
            let i = call(py, || self.handle.info())?;
            Ok(vec![i.kind as u64, i.capacity, i.allocation])
        }

        /// Its path on the node.
        fn path(&self, py: Python<'_>) -> PyResult<String> {
            call(py, || self.handle.path())
        }
    }
);
