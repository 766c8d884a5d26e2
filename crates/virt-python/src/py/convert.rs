//! Values between virt-core's types and the shapes libvirt-python uses:
//! CPU maps as tuples of booleans, typed parameters as dicts.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use virt_core::{CpuMap, TypedParam, TypedValue};

/// A list of the tuple `t`'s items: libvirt-python returns records such as
/// `getInfo()` as lists, some of mixed types.
pub(super) fn as_list<'py, T>(py: Python<'py>, t: T) -> PyResult<Bound<'py, PyList>>
where
    T: IntoPyObject<'py, Target = PyTuple, Output = Bound<'py, PyTuple>>,
    PyErr: From<T::Error>,
{
    let t = t.into_pyobject(py)?;
    PyList::new(py, t.iter())
}

/// A CPU map as libvirt-python gives it: one boolean per host CPU.
pub(super) fn cpumap_tuple<'py>(
    py: Python<'py>,
    map: &CpuMap,
    ncpus: u32,
) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(py, (0..ncpus).map(|c| map.is_set(c)))
}

/// A CPU map from a sequence of truth values (libvirt-python's `pinVcpu`
/// argument). Entries past the host's CPUs are ignored, as libvirt does.
pub(super) fn cpumap_from_py(seq: &Bound<'_, PyAny>, ncpus: u32) -> PyResult<CpuMap> {
    let mut map = CpuMap::new(ncpus);
    for (cpu, item) in seq.try_iter()?.enumerate() {
        let Ok(cpu) = u32::try_from(cpu) else { break };
        if cpu >= ncpus {
            break;
        }
        if item?.is_truthy()? {
            map.set(cpu);
        }
    }
    Ok(map)
}

/// Typed parameters as a dict `{field: value}`.
pub(super) fn params_dict<'py>(
    py: Python<'py>,
    params: &[TypedParam],
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for p in params {
        match &p.value {
            TypedValue::Int(v) => d.set_item(&p.field, v)?,
            TypedValue::UInt(v) => d.set_item(&p.field, v)?,
            TypedValue::LLong(v) => d.set_item(&p.field, v)?,
            TypedValue::ULLong(v) => d.set_item(&p.field, v)?,
            TypedValue::Double(v) => d.set_item(&p.field, v)?,
            TypedValue::Boolean(v) => d.set_item(&p.field, v)?,
            TypedValue::String(v) => d.set_item(&p.field, v)?,
        }
    }
    Ok(d)
}

/// Typed parameters from a dict, each converted to the type the driver
/// reported for that field in `current` (libvirt-python asks the driver
/// first for the same reason: a Python int says nothing of C's width).
/// A field the driver does not have is returned as `Err(name)`.
pub(super) fn params_from_dict(
    dict: &Bound<'_, PyDict>,
    current: &[TypedParam],
) -> PyResult<Result<Vec<TypedParam>, String>> {
    let mut out = Vec::with_capacity(dict.len());
    for (k, v) in dict.iter() {
        let field: String = k.extract()?;
        let Some(cur) = current.iter().find(|p| p.field == field) else {
            return Ok(Err(field));
        };
        let value =
            match cur.value {
                TypedValue::Int(_) => TypedValue::Int(v.extract()?),
                TypedValue::UInt(_) => TypedValue::UInt(v.extract()?),
                TypedValue::LLong(_) => TypedValue::LLong(v.extract()?),
                TypedValue::ULLong(_) => TypedValue::ULLong(v.extract()?),
                TypedValue::Double(_) => TypedValue::Double(v.extract()?),
                TypedValue::Boolean(_) => TypedValue::Boolean(v.is_truthy()?),
                TypedValue::String(_) => TypedValue::String(v.extract().map_err(|_| {
                    PyTypeError::new_err(format!("attribute '{field}' must be a str"))
                })?),
            };
        out.push(TypedParam { field, value });
    }
    Ok(Ok(out))
}
