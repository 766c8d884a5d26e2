//! `virDomainCheckpoint`, and the checkpoint calls of `virDomain` (whose
//! Python methods in domain.rs call the functions here).

use super::domain::PyDomain;
use super::error::call;
use pyo3::prelude::*;
use virt_core::{Domain, DomainCheckpoint};

/// A domain checkpoint (libvirt-python's `virDomainCheckpoint`); handles
/// compare and hash by identity, as libvirt-python's.
#[pyclass(name = "virDomainCheckpoint", module = "libvirt", frozen)]
pub struct PyDomainCheckpoint {
    chk: DomainCheckpoint,
    /// The `virDomain` it was reached through (what `domain()` returns).
    dom: Py<PyDomain>,
}

impl PyDomainCheckpoint {
    fn wrap(py: Python<'_>, dom: &Py<PyDomain>, chk: DomainCheckpoint) -> PyResult<Py<Self>> {
        let dom = dom.clone_ref(py);
        Py::new(py, PyDomainCheckpoint { chk, dom })
    }

    fn wrap_all(
        py: Python<'_>,
        dom: &Py<PyDomain>,
        all: Vec<DomainCheckpoint>,
    ) -> PyResult<Vec<Py<Self>>> {
        all.into_iter().map(|c| Self::wrap(py, dom, c)).collect()
    }
}

/// `checkpointCreateXML`.
pub(super) fn create(
    py: Python<'_>,
    me: &Py<PyDomain>,
    d: Domain,
    xml: String,
    flags: u32,
) -> PyResult<Py<PyDomainCheckpoint>> {
    let c = call(py, move || d.checkpoint_create_xml(&xml, flags))?;
    PyDomainCheckpoint::wrap(py, me, c)
}

/// `listAllCheckpoints`.
pub(super) fn list_all(
    py: Python<'_>,
    me: &Py<PyDomain>,
    d: Domain,
    flags: u32,
) -> PyResult<Vec<Py<PyDomainCheckpoint>>> {
    let v = call(py, move || d.list_all_checkpoints(flags))?;
    PyDomainCheckpoint::wrap_all(py, me, v)
}

/// `checkpointLookupByName`.
pub(super) fn lookup(
    py: Python<'_>,
    me: &Py<PyDomain>,
    d: Domain,
    name: String,
    flags: u32,
) -> PyResult<Py<PyDomainCheckpoint>> {
    let c = call(py, move || d.checkpoint_lookup_by_name(&name, flags))?;
    PyDomainCheckpoint::wrap(py, me, c)
}

#[pymethods]
impl PyDomainCheckpoint {
    /// The checkpoint's name.
    #[pyo3(name = "getName")]
    fn get_name(&self) -> String {
        self.chk.name().to_string()
    }

    /// The domain it belongs to (the handle it was reached through).
    fn domain(&self, py: Python<'_>) -> Py<PyDomain> {
        self.dom.clone_ref(py)
    }

    /// The domain it belongs to.
    #[pyo3(name = "getDomain")]
    fn get_domain(&self, py: Python<'_>) -> Py<PyDomain> {
        self.dom.clone_ref(py)
    }

    /// The connection of its domain.
    fn connect(&self, py: Python<'_>) -> PyResult<PyObject> {
        self.dom.bind(py).call_method0("connect").map(Bound::unbind)
    }

    /// The connection of its domain.
    #[pyo3(name = "getConnect")]
    fn get_connect(&self, py: Python<'_>) -> PyResult<PyObject> {
        self.connect(py)
    }

    /// The checkpoint XML (`VIR_DOMAIN_CHECKPOINT_XML_*` flags).
    #[pyo3(name = "getXMLDesc", signature = (flags = 0))]
    fn get_xml_desc(&self, py: Python<'_>, flags: u32) -> PyResult<String> {
        let c = self.chk.clone();
        call(py, move || c.xml_desc(flags))
    }

    /// Its parent.
    #[pyo3(name = "getParent", signature = (flags = 0))]
    fn get_parent(&self, py: Python<'_>, flags: u32) -> PyResult<Py<PyDomainCheckpoint>> {
        let c = self.chk.clone();
        let p = call(py, move || c.parent(flags))?;
        Self::wrap(py, &self.dom, p)
    }

    /// Delete it (`VIR_DOMAIN_CHECKPOINT_DELETE_*` flags); returns 0.
    #[pyo3(signature = (flags = 0))]
    fn delete(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        let c = self.chk.clone();
        call(py, move || c.delete(flags)).map(|()| 0)
    }

    /// Its children (descendants with `VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS`).
    #[pyo3(name = "listAllChildren", signature = (flags = 0))]
    fn list_all_children(
        &self,
        py: Python<'_>,
        flags: u32,
    ) -> PyResult<Vec<Py<PyDomainCheckpoint>>> {
        let c = self.chk.clone();
        let v = call(py, move || c.list_all_children(flags))?;
        Self::wrap_all(py, &self.dom, v)
    }
}
