//! `virNetwork` and `virStoragePool`.

use super::connect::PyConnect;
use super::error::call;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::Arc;
use virt_core::{Network, StoragePool};

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
}
