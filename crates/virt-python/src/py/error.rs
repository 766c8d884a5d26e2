//! libvirt's errors in Python: the `err` tuple, the thread's last error,
//! the handler set by `registerErrorHandler`, and raising `libvirtError`.

use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::PyTuple;
use std::cell::{Cell, RefCell};
use std::sync::Mutex;
use virt_core::Error;

thread_local! {
    /// The last error raised to Python on this thread (`virGetLastError`).
    static LAST: RefCell<Option<Error>> = const { RefCell::new(None) };
    /// Whether `LAST` holds something, so a successful call clears it with
    /// one flag test (libvirt resets the last error on entry to each call).
    static HAS_LAST: Cell<bool> = const { Cell::new(false) };
}

/// The `(function, context)` given to `registerErrorHandler`; `None` means
/// libvirt's default of printing the error to stderr.
static HANDLER: Mutex<Option<(PyObject, PyObject)>> = Mutex::new(None);

/// `libvirt.libvirtError`, found on first use (the package defines it after
/// importing this module).
static ERROR_CLASS: GILOnceCell<PyObject> = GILOnceCell::new();

/// Run a driver call with the GIL released; a failure becomes
/// `libvirtError`, success clears the thread's last error.
pub(crate) fn call<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    F: FnOnce() -> virt_core::Result<T> + Send,
    T: Send,
{
    match py.allow_threads(f) {
        Ok(v) => {
            if HAS_LAST.with(Cell::get) {
                clear();
            }
            Ok(v)
        }
        Err(e) => Err(raise(py, e)),
    }
}

fn clear() {
    LAST.with(|l| *l.borrow_mut() = None);
    HAS_LAST.with(|h| h.set(false));
}

/// libvirt-python's raw error: `(code, domain, message, level, str1, str2,
/// str3, int1, int2)`, str1 and str2 as libvirt fills them.
pub(super) fn err_tuple<'py>(py: Python<'py>, e: &Error) -> PyResult<Bound<'py, PyTuple>> {
    let (str1, str2) = e.libvirt_strings();
    (
        e.code.number(),
        e.domain.number(),
        e.message.as_str(),
        e.level.number(),
        str1,
        str2,
        e.str3.as_deref(),
        e.int1,
        e.int2,
    )
        .into_pyobject(py)
}

/// Report `e` as libvirt does (the handler, else stderr), make it the
/// thread's last error, and build the `libvirtError` to raise.
pub(crate) fn raise(py: Python<'_>, e: Error) -> PyErr {
    let handler = HANDLER
        .lock()
        .ok()
        .and_then(|h| h.as_ref().map(|(f, c)| (f.clone_ref(py), c.clone_ref(py))));
    match handler {
        Some((f, ctx)) => {
            let r = err_tuple(py, &e).and_then(|t| f.call1(py, (ctx, t)));
            if let Err(x) = r {
                // An exception in the handler must not replace the libvirt
                // error the caller is waiting for.
                x.write_unraisable(py, None);
            }
        }
        None => virt_core::error::default_error_callback(&e),
    }
    let msg = e.message.clone();
    LAST.with(|l| *l.borrow_mut() = Some(e));
    HAS_LAST.with(|h| h.set(true));
    let class = ERROR_CLASS.get_or_try_init(py, || {
        py.import("libvirt")
            .and_then(|m| m.getattr("libvirtError"))
            .map(Bound::unbind)
    });
    match class.and_then(|c| c.call1(py, (msg,))) {
        Ok(exc) => PyErr::from_value(exc.into_bound(py)),
        Err(x) => x,
    }
}

/// The thread's last error as libvirt-python's tuple, or None
/// (`virGetLastError`).
#[pyfunction]
#[pyo3(name = "virGetLastError")]
fn get_last_error(py: Python<'_>) -> PyResult<Option<Bound<'_, PyTuple>>> {
    LAST.with(|l| l.borrow().as_ref().map(|e| err_tuple(py, e)).transpose())
}

/// The last error's message, or "no error" (`virGetLastErrorMessage`).
#[pyfunction]
#[pyo3(name = "virGetLastErrorMessage")]
fn get_last_error_message() -> String {
    LAST.with(|l| {
        l.borrow()
            .as_ref()
            .map_or_else(|| "no error".to_string(), |e| e.message.clone())
    })
}

/// The last error's code, 0 without one (`virGetLastErrorCode`).
#[pyfunction]
#[pyo3(name = "virGetLastErrorCode")]
fn get_last_error_code() -> i32 {
    LAST.with(|l| l.borrow().as_ref().map_or(0, |e| e.code.number()))
}

/// The last error's domain, 0 without one (`virGetLastErrorDomain`).
#[pyfunction]
#[pyo3(name = "virGetLastErrorDomain")]
fn get_last_error_domain() -> i32 {
    LAST.with(|l| l.borrow().as_ref().map_or(0, |e| e.domain.number()))
}

/// Forget the thread's last error (`virResetLastError`).
#[pyfunction]
#[pyo3(name = "virResetLastError")]
fn reset_last_error() {
    clear();
    virt_core::reset_last_error();
}

/// Set the function called as `f(ctx, err)` with every error; `f=None`
/// restores the default (print to stderr). Returns 1, as libvirt-python.
#[pyfunction]
#[pyo3(name = "virRegisterErrorHandler")]
fn register_error_handler(f: PyObject, ctx: PyObject, py: Python<'_>) -> PyResult<i32> {
    let new = if f.is_none(py) {
        None
    } else if f.bind(py).is_callable() {
        Some((f, ctx))
    } else {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "registerErrorHandler: the handler must be callable or None",
        ));
    };
    if let Ok(mut h) = HANDLER.lock() {
        *h = new;
    }
    Ok(1)
}

/// Add the error functions to the module.
pub(super) fn add_functions(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(get_last_error, m)?)?;
    m.add_function(wrap_pyfunction!(get_last_error_message, m)?)?;
    m.add_function(wrap_pyfunction!(get_last_error_code, m)?)?;
    m.add_function(wrap_pyfunction!(get_last_error_domain, m)?)?;
    m.add_function(wrap_pyfunction!(reset_last_error, m)?)?;
    m.add_function(wrap_pyfunction!(register_error_handler, m)?)?;
    Ok(())
}

/// An error made by the binding itself (a closed connection, a bad
/// argument), raised like a driver's.
pub(crate) fn binding_error(py: Python<'_>, code: virt_core::ErrorCode, info: &str) -> PyErr {
    raise(
        py,
        Error::new(code, virt_core::ErrorDomain::None, Some(info)),
    )
}

/// A string argument libvirt refuses as NULL when Python passes None:
/// libvirt's "ARG in FUNCTION must not be NULL".
pub(crate) fn non_null(
    py: Python<'_>,
    v: Option<String>,
    arg: &str,
    api: &str,
) -> PyResult<String> {
    v.ok_or_else(|| {
        raise(
            py,
            Error::invalid_arg(api, arg, format!("{arg} in {api} must not be NULL")),
        )
    })
}
