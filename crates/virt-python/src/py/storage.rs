//! `virNetwork`, `virStoragePool` and `virStorageVol`.

use super::connect::PyConnect;
use super::error::{call, non_null};
use super::stream::PyStream;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::Arc;
use virt_core::{Network, StoragePool, StorageVol};

/// A virtual network (libvirt-python's `virNetwork`); handles compare and
/// hash by identity, as libvirt-python's.
#[pyclass(name = "virNetwork", module = "libvirt", frozen)]
pub struct PyNetwork {
    net: Network,
    conn: Py<PyConnect>,
    _conn_ref: Arc<()>,
}

impl PyNetwork {
    /// A `virNetwork` of the connection `conn`.
    pub(super) fn wrap(conn: &Bound<'_, PyConnect>, net: Network) -> PyResult<Py<PyNetwork>> {
        Py::new(
            conn.py(),
            PyNetwork {
                net,
                conn: conn.clone().unbind(),
                _conn_ref: conn.get().token(),
            },
        )
    }

    /// Its UUID (the object an event registration concerns).
    pub(super) fn uuid_of(&self) -> virt_core::Uuid {
        self.net.uuid()
    }
}

#[pymethods]
impl PyNetwork {
    /// The network's name.
    fn name(&self) -> String {
        self.net.name().to_string()
    }

    /// The UUID, 16 raw bytes.
    #[pyo3(name = "UUID")]
    fn uuid<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.net.uuid().as_bytes())
    }

    /// The UUID as a dashed string.
    #[pyo3(name = "UUIDString")]
    fn uuid_string(&self) -> String {
        self.net.uuid().hyphenated().to_string()
    }

    /// The connection this network was found on.
    fn connect(&self, py: Python<'_>) -> Py<PyConnect> {
        self.conn.clone_ref(py)
    }

    /// 1 when running, else 0.
    #[pyo3(name = "isActive")]
    fn is_active(&self, py: Python<'_>) -> PyResult<i32> {
        call(py, || self.net.is_active()).map(i32::from)
    }

    /// 1 when persistent, else 0.
    #[pyo3(name = "isPersistent")]
    fn is_persistent(&self, py: Python<'_>) -> PyResult<i32> {
        call(py, || self.net.is_persistent()).map(i32::from)
    }

    /// 1 when the network starts with the node, else 0.
    fn autostart(&self, py: Python<'_>) -> PyResult<i32> {
        call(py, || self.net.autostart()).map(i32::from)
    }

    /// The network XML.
    #[pyo3(name = "XMLDesc", signature = (flags = 0))]
    fn xml_desc(&self, py: Python<'_>, flags: u32) -> PyResult<String> {
        call(py, || self.net.xml_desc(flags))
    }

    /// The network's bridge device.
    #[pyo3(name = "bridgeName")]
    fn bridge_name(&self, py: Python<'_>) -> PyResult<String> {
        call(py, || self.net.bridge_name())
    }
}

/// A storage pool (libvirt-python's `virStoragePool`); handles compare and
/// hash by identity, as libvirt-python's.
#[pyclass(name = "virStoragePool", module = "libvirt", frozen)]
pub struct PyStoragePool {
    pool: StoragePool,
    conn: Py<PyConnect>,
    _conn_ref: Arc<()>,
}

impl PyStoragePool {
    /// A `virStoragePool` of the connection `conn`.
    pub(super) fn wrap(
        conn: &Bound<'_, PyConnect>,
        pool: StoragePool,
    ) -> PyResult<Py<PyStoragePool>> {
        Py::new(
            conn.py(),
            PyStoragePool {
                pool,
                conn: conn.clone().unbind(),
                _conn_ref: conn.get().token(),
            },
        )
    }
}

#[pymethods]
impl PyStoragePool {
    /// The pool's name.
    fn name(&self) -> String {
        self.pool.name().to_string()
    }

    /// The UUID, 16 raw bytes.
    #[pyo3(name = "UUID")]
    fn uuid<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.pool.uuid().as_bytes())
    }

    /// The UUID as a dashed string.
    #[pyo3(name = "UUIDString")]
    fn uuid_string(&self) -> String {
        self.pool.uuid().hyphenated().to_string()
    }

    /// The connection this pool was found on.
    fn connect(&self, py: Python<'_>) -> Py<PyConnect> {
        self.conn.clone_ref(py)
    }

    /// 1 when active, else 0.
    #[pyo3(name = "isActive")]
    fn is_active(&self, py: Python<'_>) -> PyResult<i32> {
        call(py, || self.pool.is_active()).map(i32::from)
    }

    /// 1 when persistent, else 0.
    #[pyo3(name = "isPersistent")]
    fn is_persistent(&self, py: Python<'_>) -> PyResult<i32> {
        call(py, || self.pool.is_persistent()).map(i32::from)
    }

    /// 1 when the pool starts with the node, else 0.
    fn autostart(&self, py: Python<'_>) -> PyResult<i32> {
        call(py, || self.pool.autostart()).map(i32::from)
    }

    /// `[state, capacity, allocation, available]`, bytes.
    fn info(&self, py: Python<'_>) -> PyResult<Vec<u64>> {
        let i = call(py, || self.pool.info())?;
        Ok(vec![i.state as u64, i.capacity, i.allocation, i.available])
    }

    /// The pool XML.
    #[pyo3(name = "XMLDesc", signature = (flags = 0))]
    fn xml_desc(&self, py: Python<'_>, flags: u32) -> PyResult<String> {
        call(py, || self.pool.xml_desc(flags))
    }

    /// Build the underlying storage; returns 0.
    #[pyo3(signature = (flags = 0))]
    fn build(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        call(py, || self.pool.build(flags)).map(|()| 0)
    }

    /// Start the pool; returns 0.
    #[pyo3(signature = (flags = 0))]
    fn create(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        call(py, || self.pool.create(flags)).map(|()| 0)
    }

    /// Stop the pool; returns 0.
    fn destroy(&self, py: Python<'_>) -> PyResult<i32> {
        call(py, || self.pool.destroy()).map(|()| 0)
    }

    /// Delete the underlying storage; returns 0.
    #[pyo3(signature = (flags = 0))]
    fn delete(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        call(py, || self.pool.delete(flags)).map(|()| 0)
    }

    /// Remove the persistent definition; returns 0.
    fn undefine(&self, py: Python<'_>) -> PyResult<i32> {
        call(py, || self.pool.undefine()).map(|()| 0)
    }

    /// Look at the storage again; returns 0.
    #[pyo3(signature = (flags = 0))]
    fn refresh(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        call(py, || self.pool.refresh(flags)).map(|()| 0)
    }

    /// Mark (non-zero) or unmark for autostart; returns 0.
    #[pyo3(name = "setAutostart")]
    fn set_autostart(&self, py: Python<'_>, autostart: i32) -> PyResult<i32> {
        call(py, || self.pool.set_autostart(autostart != 0)).map(|()| 0)
    }

    /// Every volume of the pool.
    #[pyo3(name = "listAllVolumes", signature = (flags = 0))]
    fn list_all_volumes(&self, py: Python<'_>, flags: u32) -> PyResult<Vec<Py<PyStorageVol>>> {
        let vols = call(py, || self.pool.list_all_volumes(flags))?;
        vols.into_iter().map(|v| self.vol(py, v)).collect()
    }

    /// Names of the pool's volumes.
    #[pyo3(name = "listVolumes")]
    fn list_volumes(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        call(py, || self.pool.list_volumes())
    }

    /// Number of the pool's volumes.
    #[pyo3(name = "numOfVolumes")]
    fn num_of_volumes(&self, py: Python<'_>) -> PyResult<u32> {
        call(py, || self.pool.num_of_volumes())
    }

    /// The pool's volume with this name.
    #[pyo3(name = "storageVolLookupByName")]
    fn storage_vol_lookup_by_name(
        &self,
        py: Python<'_>,
        name: Option<String>,
    ) -> PyResult<Py<PyStorageVol>> {
        let name = non_null(py, name, "name", "virStorageVolLookupByName")?;
        let v = call(py, || self.pool.storage_vol_lookup_by_name(&name))?;
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
        let v = call(py, || self.pool.storage_vol_create_xml(&xml, flags))?;
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
        let clone = &clonevol.vol;
        let v = call(py, || {
            self.pool.storage_vol_create_xml_from(&xml, clone, flags)
        })?;
        self.vol(py, v)
    }
}

impl PyStoragePool {
    fn vol(&self, py: Python<'_>, vol: StorageVol) -> PyResult<Py<PyStorageVol>> {
        PyStorageVol::wrap(self.conn.bind(py), vol)
    }
}

/// A storage volume (libvirt-python's `virStorageVol`); handles compare and
/// hash by identity, as libvirt-python's.
#[pyclass(name = "virStorageVol", module = "libvirt", frozen)]
pub struct PyStorageVol {
    vol: StorageVol,
    conn: Py<PyConnect>,
    _conn_ref: Arc<()>,
}

impl PyStorageVol {
    /// A `virStorageVol` of the connection `conn`.
    pub(super) fn wrap(conn: &Bound<'_, PyConnect>, vol: StorageVol) -> PyResult<Py<PyStorageVol>> {
        Py::new(
            conn.py(),
            PyStorageVol {
                vol,
                conn: conn.clone().unbind(),
                _conn_ref: conn.get().token(),
            },
        )
    }
}

#[pymethods]
impl PyStorageVol {
    /// The volume's name.
    fn name(&self) -> String {
        self.vol.name().to_string()
    }

    /// The volume's key.
    fn key(&self) -> String {
        self.vol.key().to_string()
    }

    /// The connection this volume was found on.
    fn connect(&self, py: Python<'_>) -> Py<PyConnect> {
        self.conn.clone_ref(py)
    }

    /// The pool holding the volume.
    #[pyo3(name = "storagePoolLookupByVolume")]
    fn storage_pool_lookup_by_volume(&self, py: Python<'_>) -> PyResult<Py<PyStoragePool>> {
        let p = call(py, || self.vol.pool())?;
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
        call(py, || self.vol.upload(s, offset, length, flags)).map(|()| 0)
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
        call(py, || self.vol.download(s, offset, length, flags)).map(|()| 0)
    }

    /// Delete the volume; returns 0.
    #[pyo3(signature = (flags = 0))]
    fn delete(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        call(py, || self.vol.delete(flags)).map(|()| 0)
    }

    /// Overwrite its data with zeroes; returns 0.
    #[pyo3(signature = (flags = 0))]
    fn wipe(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        call(py, || self.vol.wipe(flags)).map(|()| 0)
    }

    /// Overwrite its data with a pattern (`VIR_STORAGE_VOL_WIPE_ALG_*`).
    #[pyo3(name = "wipePattern", signature = (algorithm, flags = 0))]
    fn wipe_pattern(&self, py: Python<'_>, algorithm: u32, flags: u32) -> PyResult<i32> {
        call(py, || self.vol.wipe_pattern(algorithm, flags)).map(|()| 0)
    }

    /// Change its capacity, bytes; returns 0.
    #[pyo3(signature = (capacity, flags = 0))]
    fn resize(&self, py: Python<'_>, capacity: u64, flags: u32) -> PyResult<i32> {
        call(py, || self.vol.resize(capacity, flags)).map(|()| 0)
    }

    /// `[type, capacity, allocation]`, bytes.
    fn info(&self, py: Python<'_>) -> PyResult<Vec<u64>> {
        let i = call(py, || self.vol.info())?;
        Ok(vec![i.kind as u64, i.capacity, i.allocation])
    }

    /// The volume XML.
    #[pyo3(name = "XMLDesc", signature = (flags = 0))]
    fn xml_desc(&self, py: Python<'_>, flags: u32) -> PyResult<String> {
        call(py, || self.vol.xml_desc(flags))
    }

    /// Its path on the node.
    fn path(&self, py: Python<'_>) -> PyResult<String> {
        call(py, || self.vol.path())
    }
}
