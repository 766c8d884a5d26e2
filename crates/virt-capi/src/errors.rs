//! The error calls (`virterror.h`), with libvirt's rules: the last error is
//! kept per thread (and a copy per connection), every public call first
//! clears the thread's, and a failure goes to the connection's handler,
//! else the global one, else the default printer.
//!
//! Every function follows libvirt's C contract, as in [`crate::connect`].

#![allow(clippy::missing_safety_doc)]

use crate::handles::{self, ConnHandle};
use crate::report::{self, last_error, virError, ErrorFunc, GLOBAL_HANDLER};
use libc::{c_char, c_int, c_void};
use std::ptr;

/// `virGetLastError`: this thread's last error, or NULL when the last call
/// succeeded. The record belongs to the library and stays valid until the
/// thread's next call.
#[no_mangle]
pub extern "C" fn virGetLastError() -> *mut virError {
    let e = last_error();
    // SAFETY: this thread's record.
    if unsafe { (*e).code } == 0 {
        ptr::null_mut()
    } else {
        e
    }
}

/// `virGetLastErrorCode`: the last error's number, 0 (`VIR_ERR_OK`) if
/// none.
#[no_mangle]
pub extern "C" fn virGetLastErrorCode() -> c_int {
    // SAFETY: this thread's record.
    unsafe { (*last_error()).code }
}

/// `virGetLastErrorDomain`: where the last error came from, 0 if none.
#[no_mangle]
pub extern "C" fn virGetLastErrorDomain() -> c_int {
    // SAFETY: this thread's record.
    unsafe { (*last_error()).domain }
}

/// `virGetLastErrorMessage`: the last error's message, "no error" when
/// there is none.
#[no_mangle]
pub extern "C" fn virGetLastErrorMessage() -> *const c_char {
    // SAFETY: this thread's record.
    let e = unsafe { &*last_error() };
    if e.code == 0 {
        c"no error".as_ptr()
    } else if e.message.is_null() {
        c"unknown error".as_ptr()
    } else {
        e.message
    }
}

/// `virResetLastError`: forget this thread's last error.
#[no_mangle]
pub extern "C" fn virResetLastError() {
    // SAFETY: this thread's record; no reference to it is live.
    unsafe { (*last_error()).reset() };
}

/// `virResetError`: free a record's strings and zero it.
#[no_mangle]
pub unsafe extern "C" fn virResetError(err: *mut virError) {
    // SAFETY: the caller's record, or null.
    if let Some(e) = unsafe { err.as_mut() } {
        e.reset();
    }
}

/// Copy this thread's last error into `to`; as libvirt, a thread without a
/// record reads as "out of memory" but this library always has one.
fn copy_last(to: &mut virError) -> c_int {
    // SAFETY: this thread's record, distinct from the caller's `to`.
    let last = unsafe { &*last_error() };
    to.copy_from(last);
    to.code
}

/// `virCopyLastError`: deep copy of this thread's last error into the
/// caller's record (free it with `virResetError`); returns its number,
/// -1 for a null record.
#[no_mangle]
pub unsafe extern "C" fn virCopyLastError(to: *mut virError) -> c_int {
    if to.is_null() {
        return -1;
    }
    // SAFETY: the caller's record; its old content is not ours to free
    // (libvirt zeroes it first as well).
    unsafe { to.write(virError::empty()) };
    // SAFETY: as above, now initialised.
    copy_last(unsafe { &mut *to })
}

/// `virSaveLastError`: a malloc'd copy of this thread's last error (free
/// it with `virFreeError`).
#[no_mangle]
pub extern "C" fn virSaveLastError() -> *mut virError {
    // SAFETY: calloc of one record, checked below.
    let p = unsafe { libc::calloc(1, std::mem::size_of::<virError>()) }.cast::<virError>();
    if !p.is_null() {
        // SAFETY: zeroed memory is a valid empty record.
        copy_last(unsafe { &mut *p });
    }
    p
}

/// `virFreeError`: reset and free a record from `virSaveLastError`.
#[no_mangle]
pub unsafe extern "C" fn virFreeError(err: *mut virError) {
    // SAFETY: null or a record from virSaveLastError (malloc'd).
    unsafe {
        virResetError(err);
        libc::free(err.cast());
    }
}

/// `virDefaultErrorFunc`: print an error as libvirt does by default.
#[no_mangle]
pub unsafe extern "C" fn virDefaultErrorFunc(err: *mut virError) {
    // SAFETY: the caller's record, or null.
    if let Some(e) = unsafe { err.as_ref() } {
        report::default_print(e);
    }
}

/// `virSetErrorFunc`: the handler for errors of connections without their
/// own; NULL restores the default printer.
#[no_mangle]
pub extern "C" fn virSetErrorFunc(user_data: *mut c_void, handler: ErrorFunc) {
    if let Ok(mut h) = GLOBAL_HANDLER.lock() {
        h.func = handler;
        h.data = user_data as usize;
    }
}

/// The connection behind `conn`, or `None` (these calls report nothing).
///
/// # Safety
/// `conn` is null or a `virConnectPtr` from this library.
unsafe fn conn<'a>(conn: *mut ConnHandle) -> Option<&'a ConnHandle> {
    // SAFETY: forwarded.
    unsafe { handles::get(conn, "") }.ok()
}

/// `virConnSetErrorFunc`: the connection's own handler; NULL passes its
/// errors to the global one again.
#[no_mangle]
pub unsafe extern "C" fn virConnSetErrorFunc(
    c: *mut ConnHandle,
    user_data: *mut c_void,
    handler: ErrorFunc,
) {
    // SAFETY: caller's handle.
    if let Some(c) = unsafe { conn(c) } {
        c.set_handler(handler, user_data);
    }
}

/// `virConnGetLastError`: the connection's last error record (owned by
/// the connection; not thread safe, as in libvirt).
#[no_mangle]
pub unsafe extern "C" fn virConnGetLastError(c: *mut ConnHandle) -> *mut virError {
    // SAFETY: caller's handle.
    unsafe { conn(c) }.map_or(ptr::null_mut(), ConnHandle::error_record)
}

/// `virConnResetLastError`: forget the connection's last error.
#[no_mangle]
pub unsafe extern "C" fn virConnResetLastError(c: *mut ConnHandle) {
    // SAFETY: caller's handle.
    if let Some(c) = unsafe { conn(c) } {
        c.with_error(|e| e.reset());
    }
}

/// `virConnCopyLastError`: deep copy of the connection's last error;
/// returns its number (0 for none), -1 for a bad connection.
#[no_mangle]
pub unsafe extern "C" fn virConnCopyLastError(c: *mut ConnHandle, to: *mut virError) -> c_int {
    if to.is_null() {
        return -1;
    }
    // SAFETY: the caller's record; libvirt zeroes it first as well.
    unsafe { to.write(virError::empty()) };
    // SAFETY: caller's handle.
    let Some(c) = (unsafe { conn(c) }) else {
        return -1;
    };
    // SAFETY: the caller's record, initialised above; distinct from the
    // connection's.
    let to = unsafe { &mut *to };
    c.with_error(|e| to.copy_from(e));
    to.code
}
