//! `virInterface` and `virNodeDevice`: the host's network interfaces and
//! its device tree.

use super::connect::PyConnect;
use super::error::call;
use pyo3::prelude::*;
use std::sync::Arc;
use virt_core::{Interface, NodeDevice};

/// A host network interface (libvirt-python's `virInterface`); handles
/// compare and hash by identity, as libvirt-python's.
#[pyclass(name = "virInterface", module = "libvirt", frozen)]
pub struct PyInterface {
    iface: Interface,
    conn: Py<PyConnect>,
    _conn_ref: Arc<()>,
}

impl PyInterface {
    /// A `virInterface` of the connection `conn`.
    pub(super) fn wrap(conn: &Bound<'_, PyConnect>, iface: Interface) -> PyResult<Py<Self>> {
        Py::new(
            conn.py(),
            PyInterface {
                iface,
                conn: conn.clone().unbind(),
                _conn_ref: conn.get().token(),
            },
        )
    }
}

#[pymethods]
impl PyInterface {
    /// The interface's name.
    fn name(&self) -> String {
        self.iface.name().to_string()
    }

    /// The interface's MAC address.
    #[pyo3(name = "MACString")]
    fn mac_string(&self) -> String {
        self.iface.mac_string().to_string()
    }

    /// The connection this interface was found on.
    fn connect(&self, py: Python<'_>) -> Py<PyConnect> {
        self.conn.clone_ref(py)
    }

    /// The interface XML.
    #[pyo3(name = "XMLDesc", signature = (flags = 0))]
    fn xml_desc(&self, py: Python<'_>, flags: u32) -> PyResult<String> {
        call(py, || self.iface.xml_desc(flags))
    }

    /// 1 when the interface is up, else 0.
    #[pyo3(name = "isActive")]
    fn is_active(&self, py: Python<'_>) -> PyResult<i32> {
        call(py, || self.iface.is_active()).map(i32::from)
    }

    /// Bring the interface up; returns 0.
    #[pyo3(signature = (flags = 0))]
    fn create(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        call(py, || self.iface.create(flags)).map(|()| 0)
    }

    /// Bring the interface down; returns 0.
    #[pyo3(signature = (flags = 0))]
    fn destroy(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        call(py, || self.iface.destroy(flags)).map(|()| 0)
    }

    /// Remove the interface's definition; returns 0.
    fn undefine(&self, py: Python<'_>) -> PyResult<i32> {
        call(py, || self.iface.undefine()).map(|()| 0)
    }
}

/// A node device (libvirt-python's `virNodeDevice`); handles compare and
/// hash by identity, as libvirt-python's.
#[pyclass(name = "virNodeDevice", module = "libvirt", frozen)]
pub struct PyNodeDevice {
    dev: NodeDevice,
    conn: Py<PyConnect>,
    _conn_ref: Arc<()>,
}

impl PyNodeDevice {
    /// A `virNodeDevice` of the connection `conn`.
    pub(super) fn wrap(conn: &Bound<'_, PyConnect>, dev: NodeDevice) -> PyResult<Py<Self>> {
        Py::new(
            conn.py(),
            PyNodeDevice {
                dev,
                conn: conn.clone().unbind(),
                _conn_ref: conn.get().token(),
            },
        )
    }
}

#[pymethods]
impl PyNodeDevice {
    /// The device's name.
    fn name(&self) -> String {
        self.dev.name().to_string()
    }

    /// The connection this device was found on.
    fn connect(&self, py: Python<'_>) -> Py<PyConnect> {
        self.conn.clone_ref(py)
    }

    /// The device XML.
    #[pyo3(name = "XMLDesc", signature = (flags = 0))]
    fn xml_desc(&self, py: Python<'_>, flags: u32) -> PyResult<String> {
        call(py, || self.dev.xml_desc(flags))
    }

    /// The parent device's name, `None` for the root.
    fn parent(&self, py: Python<'_>) -> PyResult<Option<String>> {
        call(py, || self.dev.parent())
    }

    /// Number of the device's capabilities.
    #[pyo3(name = "numOfCaps")]
    fn num_of_caps(&self, py: Python<'_>) -> PyResult<u32> {
        call(py, || self.dev.num_of_caps())
    }

    /// The device's capability names.
    #[pyo3(name = "listCaps")]
    fn list_caps(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        call(py, || self.dev.list_caps())
    }

    /// Remove a device made by `nodeDeviceCreateXML`; returns 0.
    fn destroy(&self, py: Python<'_>) -> PyResult<i32> {
        call(py, || self.dev.destroy()).map(|()| 0)
    }

    /// Remove the device's persistent definition; returns 0.
    #[pyo3(signature = (flags = 0))]
    fn undefine(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        call(py, || self.dev.undefine(flags)).map(|()| 0)
    }

    /// Start a defined device; returns 0.
    #[pyo3(signature = (flags = 0))]
    fn create(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        call(py, || self.dev.create(flags)).map(|()| 0)
    }

    /// 1 when the device is active, else 0.
    #[pyo3(name = "isActive")]
    fn is_active(&self, py: Python<'_>) -> PyResult<i32> {
        call(py, || self.dev.is_active()).map(i32::from)
    }

    /// 1 when the device is persistent, else 0.
    #[pyo3(name = "isPersistent")]
    fn is_persistent(&self, py: Python<'_>) -> PyResult<i32> {
        call(py, || self.dev.is_persistent()).map(i32::from)
    }
}
