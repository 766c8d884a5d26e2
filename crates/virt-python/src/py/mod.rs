//! The native module `libvirt.libvirtmod`: classes, module functions and
//! constants. The package `libvirt` (python/libvirt/__init__.py) re-exports
//! all of it and adds `libvirtError`, as libvirt-python's `libvirt.py` does
//! over its own `libvirtmod`.
//!
//! Every call that reaches a driver goes through `error::call`, which releases
//! the GIL for its duration and turns a virt-core error into `libvirtError`.

mod connect;
mod convert;
mod domain;
mod error;
mod events;
mod handle;
mod host;
mod moment;
mod storage;
mod stream;

use pyo3::prelude::*;

/// libvirt's version this module follows (`virGetVersion`). With a driver
/// name it returns `(library version, driver version)`: as libvirt 9.0,
/// the driver's version is the library's.
#[pyfunction]
#[pyo3(name = "getVersion", signature = (name = None))]
fn get_version(py: Python<'_>, name: Option<String>) -> PyResult<PyObject> {
    let v = virt_core::LIB_VERSION;
    Ok(match name {
        None => v.into_pyobject(py)?.into_any().unbind(),
        Some(_) => (v, v).into_pyobject(py)?.into_any().unbind(),
    })
}

/// The module `libvirt.libvirtmod`.
#[pymodule]
fn libvirtmod(m: &Bound<'_, PyModule>) -> PyResult<()> {
    crate::register_backends();
    m.add_class::<connect::PyConnect>()?;
    m.add_class::<domain::PyDomain>()?;
    m.add_class::<host::PyInterface>()?;
    m.add_class::<host::PyNodeDevice>()?;
    m.add_class::<storage::PyNetwork>()?;
    m.add_class::<storage::PyStoragePool>()?;
    m.add_class::<storage::PyStorageVol>()?;
    m.add_class::<moment::PyDomainSnapshot>()?;
    m.add_class::<moment::PyDomainCheckpoint>()?;
    m.add_class::<stream::PyStream>()?;
    m.add_function(wrap_pyfunction!(connect::open, m)?)?;
    m.add_function(wrap_pyfunction!(connect::open_read_only, m)?)?;
    m.add_function(wrap_pyfunction!(connect::open_auth, m)?)?;
    m.add_function(wrap_pyfunction!(get_version, m)?)?;
    error::add_functions(m)?;
    events::add_functions(m)?;
    for (name, value) in crate::constants::CONSTANTS {
        m.add(*name, *value)?;
    }
    Ok(())
}
