//! Strings across the boundary: C arguments in (checked as libvirt checks
//! them), malloc'd copies out (the caller frees them with `free`, as
//! libvirt's documentation tells it to).

use libc::c_char;
use std::ffi::CStr;
use std::ptr;
use virt_core::{Error, ErrorCode, ErrorDomain};

/// A malloc'd NUL-terminated copy of `s` (null if out of memory). An
/// interior NUL ends the C string there.
pub fn dup(s: &str) -> *mut c_char {
    let bytes = s.as_bytes();
    let len = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    // SAFETY: malloc of len + 1 bytes; checked for null before use.
    let p = unsafe { libc::malloc(len + 1) }.cast::<u8>();
    if p.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: `p` has room for len + 1 bytes and does not overlap `bytes`.
    unsafe {
        ptr::copy_nonoverlapping(bytes.as_ptr(), p, len);
        *p.add(len) = 0;
    }
    p.cast()
}

/// [`dup`] of an optional string; `None` is null.
pub fn dup_opt(s: Option<&str>) -> *mut c_char {
    s.map_or(ptr::null_mut(), dup)
}

/// A malloc'd copy of a C string; null stays null.
///
/// # Safety
/// `s` is null or points to a NUL-terminated string.
pub unsafe fn dup_raw(s: *const c_char) -> *mut c_char {
    if s.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: the caller promises a NUL-terminated string.
    unsafe { libc::strdup(s) }
}

/// libvirt's refusal of a null argument: "NAME in FUNCTION must not be
/// NULL", with the function in str1 and the argument in str2.
pub fn null_arg(api: &str, arg: &str) -> Error {
    let mut e = Error::raw(
        ErrorCode::InvalidArg,
        ErrorDomain::Domain,
        format!("{arg} in {api} must not be NULL"),
    );
    e.str1 = Some(api.to_string());
    e.str2 = Some(arg.to_string());
    e.int1 = 0;
    e.int2 = 0;
    e
}

/// A refused argument value, worded as libvirt's argument checks word it
/// ("NAME in FUNCTION must be ...").
pub fn bad_arg(api: &str, arg: &str, must: &str) -> Error {
    let mut e = null_arg(api, arg);
    e.message = format!("{arg} in {api} must {must}");
    e
}

/// A required string argument.
///
/// # Safety
/// `p` is null or points to a NUL-terminated string that outlives `'a`.
pub unsafe fn arg<'a>(p: *const c_char, api: &str, name: &str) -> Result<&'a str, Error> {
    if p.is_null() {
        return Err(null_arg(api, name));
    }
    // SAFETY: non-null, and the caller promises NUL termination.
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .map_err(|_| bad_arg(api, name, "be valid UTF-8"))
}

/// An optional string argument (null is `None`).
///
/// # Safety
/// As [`arg`].
pub unsafe fn opt_arg<'a>(
    p: *const c_char,
    api: &str,
    name: &str,
) -> Result<Option<&'a str>, Error> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller.
    unsafe { arg(p, api, name) }.map(Some)
}

/// A malloc'd string for a C return value, or libvirt's out-of-memory
/// error.
pub fn out(s: &str) -> Result<*mut c_char, Error> {
    let p = dup(s);
    if p.is_null() {
        return Err(Error::new(ErrorCode::NoMemory, ErrorDomain::None, None));
    }
    Ok(p)
}

/// Copy `s` into a fixed C buffer of `N` bytes, cut to fit and always
/// NUL-terminated (libvirt fills its fixed arrays the same way).
pub fn fill<const N: usize>(buf: &mut [c_char; N], s: &str) {
    let n = s.len().min(N.saturating_sub(1));
    for (d, &b) in buf.iter_mut().zip(s.as_bytes()[..n].iter()) {
        *d = b as c_char;
    }
    for d in buf.iter_mut().skip(n) {
        *d = 0;
    }
}

/// Exported calls that read C strings from the caller and hand out a new
/// handle (lookups by name, key or path, definitions and creations):
/// `NAME(PARENT: *mut HANDLE, S: *const c_char, ..., ARG: TYPE, ...)`,
/// each string checked by [`arg`] under its libvirt argument name, then
/// `BODY` run through `VIA` (the file's runner for that parent: it finds
/// the handle, reports errors and wraps the result in a new handle).
macro_rules! string_calls {
    ($(
        $(#[$m:meta])*
        $name:ident($parent:ident: $pt:ident; $($s:ident $label:literal),+ $(; $($arg:ident: $ty:ty),*)?)
            -> $ht:ident via $via:ident |$p:ident| $body:expr;
    )*) => {$(
        $(#[$m])*
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            $parent: *mut $pt,
            $($s: *const c_char,)+
            $($($arg: $ty),*)?
        ) -> *mut $ht {
            const API: &str = stringify!($name);
            $via(API, $parent, |$p| {
                $(
                    // SAFETY: the caller's C string, per the contract.
                    let $s = unsafe { $crate::strings::arg($s, API, $label) }?;
                )+
                $body
            })
        }
    )*};
}
pub(crate) use string_calls;

/// Exported calls on one handle returning 0 or -1: `NAME(HANDLE, ARG:
/// TYPE, ...)`, `BODY` run on the object `OBJ` picks from the handle,
/// through `WITH` (the file's runner for that kind of handle).
macro_rules! status_calls {
    (
        $handle:ident: $ht:ty, $with:ident |$h:ident| $obj:expr;
        $($(#[$m:meta])* $name:ident($($arg:ident: $ty:ty),*) => |$o:ident| $body:expr;)*
    ) => {$(
        $(#[$m])*
        #[no_mangle]
        pub unsafe extern "C" fn $name($handle: *mut $ht $(, $arg: $ty)*) -> c_int {
            $with(stringify!($name), $handle, -1, |$h| {
                let $o = $obj;
                $body.map(|_| 0)
            })
        }
    )*};
}
pub(crate) use status_calls;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dup_round_trips_and_stops_at_nul() {
        let p = dup("a\0b");
        // SAFETY: dup returned a malloc'd NUL-terminated string.
        let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
        // SAFETY: allocated by malloc above.
        unsafe { libc::free(p.cast()) };
        assert_eq!(s, "a");
    }

    #[test]
    fn fill_truncates_and_terminates() {
        let mut b = [1 as c_char; 4];
        fill(&mut b, "abcdef");
        assert_eq!(b, [b'a' as c_char, b'b' as c_char, b'c' as c_char, 0]);
    }

    #[test]
    fn null_arguments_are_refused_with_libvirt_text() {
        // SAFETY: a null pointer is an allowed input.
        let e = unsafe { arg(ptr::null(), "virDomainLookupByName", "name") }.err();
        assert_eq!(
            e.map(|e| e.message),
            Some("name in virDomainLookupByName must not be NULL".into())
        );
    }
}
