//! `virDomainSnapshot` and `virDomainCheckpoint`, and the calls of
//! `virDomain` that make or find them (whose Python methods in domain.rs
//! call the functions here). Both are moments (virt-core's
//! [`DomainMoment`]): [`moment_class!`] writes each class with the methods
//! both have, and adds what only snapshots have.

use super::domain::PyDomain;
use super::error::call;
use pyo3::prelude::*;
use pyo3::PyClass;
use virt_core::moment::{Checkpoint, Snapshot};
use virt_core::{DomainMoment, MomentKind};

/// A Python moment class: the handle of one [`MomentKind`] and the
/// `virDomain` it was reached through (what `domain()` returns).
pub(super) trait PyMoment: PyClass + Into<PyClassInitializer<Self>> {
    /// The moment kind it holds.
    type Kind: MomentKind;
    /// The object for a handle reached through `dom`.
    fn new(m: DomainMoment<Self::Kind>, dom: Py<PyDomain>) -> Self;
}

/// The Python object for the moment that the driver call `f` finds or
/// makes, reached through `dom` (`snapshotCreateXML`,
/// `checkpointLookupByName`, `snapshotCurrent`, `getParent`, ...).
pub(super) fn made<P: PyMoment>(
    py: Python<'_>,
    dom: &Py<PyDomain>,
    f: impl FnOnce() -> virt_core::Result<DomainMoment<P::Kind>> + Send,
) -> PyResult<Py<P>> {
    let m = call(py, f)?;
    Py::new(py, P::new(m, dom.clone_ref(py)))
}

/// The same for the moments a listing call answers (`listAllSnapshots`,
/// `listAllChildren`, ...).
pub(super) fn made_all<P: PyMoment>(
    py: Python<'_>,
    dom: &Py<PyDomain>,
    f: impl FnOnce() -> virt_core::Result<Vec<DomainMoment<P::Kind>>> + Send,
) -> PyResult<Vec<Py<P>>> {
    let all = call(py, f)?;
    all.into_iter()
        .map(|m| Py::new(py, P::new(m, dom.clone_ref(py))))
        .collect()
}

/// `revertToSnapshot(snap, flags)`: 0 on success.
pub(super) fn revert(py: Python<'_>, snap: &PyDomainSnapshot, flags: u32) -> PyResult<i32> {
    let s = snap.m.clone();
    call(py, move || s.revert(flags)).map(|()| 0)
}

/// One moment class: its struct, [`PyMoment`], and its Python methods,
/// those both kinds have followed by `extra`.
macro_rules! moment_class {
    ($(#[$doc:meta])* $class:ident, $pyname:tt, $kind:ty, $word:tt, { $($extra:tt)* }) => {
        $(#[$doc])*
        #[pyclass(name = $pyname, module = "libvirt", frozen)]
        pub struct $class {
            m: DomainMoment<$kind>,
            /// The `virDomain` it was reached through (what `domain()` returns).
            dom: Py<PyDomain>,
        }

        impl PyMoment for $class {
            type Kind = $kind;
            fn new(m: DomainMoment<$kind>, dom: Py<PyDomain>) -> Self {
                $class { m, dom }
            }
        }

        #[pymethods]
        impl $class {
            #[doc = concat!("The ", $word, "'s name.")]
            #[pyo3(name = "getName")]
            fn get_name(&self) -> String {
                self.m.name().to_string()
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

            #[doc = concat!("The ", $word, " XML.")]
            #[pyo3(name = "getXMLDesc", signature = (flags = 0))]
            fn get_xml_desc(&self, py: Python<'_>, flags: u32) -> PyResult<String> {
                let m = self.m.clone();
                call(py, move || m.xml_desc(flags))
            }

            /// Its parent.
            #[pyo3(name = "getParent", signature = (flags = 0))]
            fn get_parent(&self, py: Python<'_>, flags: u32) -> PyResult<Py<Self>> {
                let m = self.m.clone();
                made(py, &self.dom, move || m.parent(flags))
            }

            /// Delete it; returns 0.
            #[pyo3(signature = (flags = 0))]
            fn delete(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
                let m = self.m.clone();
                call(py, move || m.delete(flags)).map(|()| 0)
            }

            /// Its children (descendants with the `LIST_DESCENDANTS` flag).
            #[pyo3(name = "listAllChildren", signature = (flags = 0))]
            fn list_all_children(&self, py: Python<'_>, flags: u32) -> PyResult<Vec<Py<Self>>> {
                let m = self.m.clone();
                made_all(py, &self.dom, move || m.list_all_children(flags))
            }

            $($extra)*
        }
    };
}

moment_class!(
    /// A domain snapshot (libvirt-python's `virDomainSnapshot`); handles
    /// compare and hash by identity, as libvirt-python's.
    PyDomainSnapshot, "virDomainSnapshot", Snapshot, "snapshot", {
        /// Its children's names.
        #[pyo3(name = "listChildrenNames", signature = (flags = 0))]
        fn list_children_names(&self, py: Python<'_>, flags: u32) -> PyResult<Vec<String>> {
            let s = self.m.clone();
            call(py, move || s.list_children_names(flags))
        }

        /// How many children it has.
        #[pyo3(name = "numChildren", signature = (flags = 0))]
        fn num_children(&self, py: Python<'_>, flags: u32) -> PyResult<u32> {
            let s = self.m.clone();
            call(py, move || s.num_children(flags))
        }

        /// 1 when it is the current snapshot, else 0.
        #[pyo3(name = "isCurrent", signature = (flags = 0))]
        fn is_current(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
            let s = self.m.clone();
            call(py, move || s.is_current(flags)).map(i32::from)
        }

        /// 1 when the driver keeps metadata for it, else 0.
        #[pyo3(name = "hasMetadata", signature = (flags = 0))]
        fn has_metadata(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
            let s = self.m.clone();
            call(py, move || s.has_metadata(flags)).map(i32::from)
        }
    }
);

moment_class!(
    /// A domain checkpoint (libvirt-python's `virDomainCheckpoint`);
    /// handles compare and hash by identity, as libvirt-python's.
    PyDomainCheckpoint, "virDomainCheckpoint", Checkpoint, "checkpoint", {}
);
