//! `virDomainSnapshot`, and the snapshot calls of `virDomain` (whose
//! Python methods in domain.rs call the functions here).

use super::domain::PyDomain;
use super::error::call;
use pyo3::prelude::*;
use virt_core::{Domain, DomainSnapshot};

/// A domain snapshot (libvirt-python's `virDomainSnapshot`); handles compare
/// and hash by identity, as libvirt-python's.
#[pyclass(name = "virDomainSnapshot", module = "libvirt", frozen)]
pub struct PyDomainSnapshot {
    snap: DomainSnapshot,
    /// The `virDomain` it was reached through (what `domain()` returns).
    dom: Py<PyDomain>,
}

impl PyDomainSnapshot {
    fn wrap(py: Python<'_>, dom: &Py<PyDomain>, snap: DomainSnapshot) -> PyResult<Py<Self>> {
        Py::new(
            py,
            PyDomainSnapshot {
                snap,
                dom: dom.clone_ref(py),
            },
        )
    }

    fn wrap_all(
        py: Python<'_>,
        dom: &Py<PyDomain>,
        snaps: Vec<DomainSnapshot>,
    ) -> PyResult<Vec<Py<Self>>> {
        snaps.into_iter().map(|s| Self::wrap(py, dom, s)).collect()
    }
}

/// `snapshotCreateXML`.
pub(super) fn create(
    py: Python<'_>,
    me: &Py<PyDomain>,
    d: Domain,
    xml: String,
    flags: u32,
) -> PyResult<Py<PyDomainSnapshot>> {
    let s = call(py, move || d.snapshot_create_xml(&xml, flags))?;
    PyDomainSnapshot::wrap(py, me, s)
}

/// `listAllSnapshots`.
pub(super) fn list_all(
    py: Python<'_>,
    me: &Py<PyDomain>,
    d: Domain,
    flags: u32,
) -> PyResult<Vec<Py<PyDomainSnapshot>>> {
    let v = call(py, move || d.list_all_snapshots(flags))?;
    PyDomainSnapshot::wrap_all(py, me, v)
}

/// `snapshotLookupByName`.
pub(super) fn lookup(
    py: Python<'_>,
    me: &Py<PyDomain>,
    d: Domain,
    name: String,
    flags: u32,
) -> PyResult<Py<PyDomainSnapshot>> {
    let s = call(py, move || d.snapshot_lookup_by_name(&name, flags))?;
    PyDomainSnapshot::wrap(py, me, s)
}

/// `snapshotCurrent`.
pub(super) fn current(
    py: Python<'_>,
    me: &Py<PyDomain>,
    d: Domain,
    flags: u32,
) -> PyResult<Py<PyDomainSnapshot>> {
    let s = call(py, move || d.snapshot_current(flags))?;
    PyDomainSnapshot::wrap(py, me, s)
}

/// `revertToSnapshot(snap, flags)`: 0 on success.
pub(super) fn revert(py: Python<'_>, snap: &PyDomainSnapshot, flags: u32) -> PyResult<i32> {
    let s = snap.snap.clone();
    call(py, move || s.revert(flags)).map(|()| 0)
}

#[pymethods]
impl PyDomainSnapshot {
    /// The snapshot's name.
    #[pyo3(name = "getName")]
    fn get_name(&self) -> String {
        self.snap.name().to_string()
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

    /// The snapshot XML.
    #[pyo3(name = "getXMLDesc", signature = (flags = 0))]
    fn get_xml_desc(&self, py: Python<'_>, flags: u32) -> PyResult<String> {
        let s = self.snap.clone();
        call(py, move || s.xml_desc(flags))
    }

    /// Its parent.
    #[pyo3(name = "getParent", signature = (flags = 0))]
    fn get_parent(&self, py: Python<'_>, flags: u32) -> PyResult<Py<PyDomainSnapshot>> {
        let s = self.snap.clone();
        let p = call(py, move || s.parent(flags))?;
        Self::wrap(py, &self.dom, p)
    }

    /// Delete it; returns 0.
    #[pyo3(signature = (flags = 0))]
    fn delete(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        let s = self.snap.clone();
        call(py, move || s.delete(flags)).map(|()| 0)
    }

    /// Its children (descendants with `VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS`).
    #[pyo3(name = "listAllChildren", signature = (flags = 0))]
    fn list_all_children(&self, py: Python<'_>, flags: u32) -> PyResult<Vec<Py<PyDomainSnapshot>>> {
        let s = self.snap.clone();
        let v = call(py, move || s.list_all_children(flags))?;
        Self::wrap_all(py, &self.dom, v)
    }

    /// Its children's names.
    #[pyo3(name = "listChildrenNames", signature = (flags = 0))]
    fn list_children_names(&self, py: Python<'_>, flags: u32) -> PyResult<Vec<String>> {
        let s = self.snap.clone();
        call(py, move || s.list_children_names(flags))
    }

    /// How many children it has.
    #[pyo3(name = "numChildren", signature = (flags = 0))]
    fn num_children(&self, py: Python<'_>, flags: u32) -> PyResult<u32> {
        let s = self.snap.clone();
        call(py, move || s.num_children(flags))
    }

    /// 1 when it is the current snapshot, else 0.
    #[pyo3(name = "isCurrent", signature = (flags = 0))]
    fn is_current(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        let s = self.snap.clone();
        call(py, move || s.is_current(flags)).map(i32::from)
    }

    /// 1 when the driver keeps metadata for it, else 0.
    #[pyo3(name = "hasMetadata", signature = (flags = 0))]
    fn has_metadata(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        let s = self.snap.clone();
        call(py, move || s.has_metadata(flags)).map(i32::from)
    }
}
