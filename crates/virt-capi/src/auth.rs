//! Credentials: a caller's `virConnectAuth` record as virt-core's
//! [`virt_core::Authenticator`] ([`from_record`]), and
//! `virConnectAuthPtrDefault`, libvirt's command-line credential callback,
//! which prompts on stdout and reads answers from stdin (without echo for
//! secrets when stdin is a terminal).

use crate::records::{virConnectAuth, virConnectCredential};
use libc::{c_int, c_uint, c_void};
use std::ffi::{CStr, CString};

use virt_core::auth::cred;

/// The types libvirt's default record announces (it also answers
/// USERNAME when asked).
static CRED_TYPES: [c_int; 6] = virt_core::auth::TERMINAL_TYPES;

/// The record behind the exported pointer; immutable, shared by threads.
#[repr(transparent)]
pub struct SharedAuth(virConnectAuth);

// SAFETY: the record is never written after initialisation; its pointers
// point at immutable statics and a function.
unsafe impl Sync for SharedAuth {}

/// `virConnectAuthPtr`, as an exported variable.
#[repr(transparent)]
pub struct AuthPtr(*const SharedAuth);

// SAFETY: the pointer is to an immutable static.
unsafe impl Sync for AuthPtr {}

static DEFAULT_AUTH: SharedAuth = SharedAuth(virConnectAuth {
    credtype: CRED_TYPES.as_ptr() as *mut c_int,
    ncredtype: CRED_TYPES.len() as c_uint,
    cb: Some(default_callback),
    cbdata: std::ptr::null_mut(),
});

/// libvirt's default authentication record (`virConnectAuthPtrDefault`).
#[no_mangle]
#[allow(non_upper_case_globals)]
pub static virConnectAuthPtrDefault: AuthPtr = AuthPtr(&DEFAULT_AUTH);

/// A caller's C string, if any.
fn text(p: *const libc::c_char) -> Option<String> {
    (!p.is_null()).then(|| {
        // SAFETY: the caller's strings are NUL-terminated.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    })
}

/// Ask for one credential on the terminal, as virt-core's [`Terminal`]
/// authenticator (libvirt's default) does.
///
/// [`Terminal`]: virt_core::Terminal
fn ask(c: &virConnectCredential) -> Option<String> {
    let secret = matches!(c.kind, cred::PASSPHRASE | cred::NOECHOPROMPT);
    virt_core::auth::ask_terminal(
        &text(c.prompt).unwrap_or_default(),
        text(c.defresult).as_deref(),
        secret,
    )
}

/// The callback of [`virConnectAuthPtrDefault`]: fills each credential's
/// `result` (malloc'd) and `resultlen`; -1 for an unknown type or when
/// stdin ends.
unsafe extern "C" fn default_callback(
    cred: *mut virConnectCredential,
    ncred: c_uint,
    _data: *mut c_void,
) -> c_int {
    if cred.is_null() {
        return -1;
    }
    let r = std::panic::catch_unwind(|| {
        for i in 0..ncred as usize {
            // SAFETY: the caller passes an array of `ncred` credentials.
            let c = unsafe { &mut *cred.add(i) };
            if !(cred::USERNAME..=cred::EXTERNAL).contains(&c.kind) || c.kind == cred::EXTERNAL {
                return -1;
            }
            let Some(answer) = ask(c) else { return -1 };
            c.result = crate::strings::dup(&answer);
            c.resultlen = answer.len() as c_uint;
        }
        0
    });
    r.unwrap_or(-1)
}

/// A caller's `virConnectAuth` record, copied so it can be asked from
/// virt-core: its types, its callback and the callback's data (kept as an
/// address: it is the caller's, only handed back to the callback).
pub(crate) struct CallerAuth {
    types: Vec<i32>,
    cb: unsafe extern "C" fn(*mut virConnectCredential, c_uint, *mut c_void) -> c_int,
    data: usize,
}

/// The caller's record as an authenticator; `None` for a null record or
/// one without a callback.
///
/// # Safety
/// `auth` is null or points at a valid record whose `credtype` array has
/// `ncredtype` entries and whose callback is callable during the open.
pub(crate) unsafe fn from_record(auth: *const virConnectAuth) -> Option<CallerAuth> {
    if auth.is_null() {
        return None;
    }
    // SAFETY: non-null and valid by the caller's contract.
    let rec = unsafe { &*auth };
    let cb = rec.cb?;
    let types = if rec.credtype.is_null() {
        Vec::new()
    } else {
        // SAFETY: `ncredtype` entries by the caller's contract.
        unsafe { std::slice::from_raw_parts(rec.credtype, rec.ncredtype as usize) }.to_vec()
    };
    Some(CallerAuth {
        types,
        cb,
        data: rec.cbdata as usize,
    })
}

impl virt_core::Authenticator for CallerAuth {
    fn types(&self) -> &[i32] {
        &self.types
    }

    /// One call of the C callback with libvirt's credential records; the
    /// answers it malloc'd are copied, then freed, as libvirt frees them.
    fn ask(&mut self, creds: &mut [virt_core::Credential]) -> bool {
        let owned = |s: Option<&str>| s.and_then(|s| CString::new(s).ok());
        let texts: Vec<[Option<CString>; 3]> = creds
            .iter()
            .map(|c| {
                [
                    owned(Some(&c.prompt)),
                    owned(c.challenge.as_deref()),
                    owned(c.default.as_deref()),
                ]
            })
            .collect();
        let ptr_of = |s: &Option<CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        let mut records: Vec<virConnectCredential> = creds
            .iter()
            .zip(&texts)
            .map(|(c, [prompt, challenge, default])| virConnectCredential {
                kind: c.kind,
                prompt: ptr_of(prompt),
                challenge: ptr_of(challenge),
                defresult: ptr_of(default),
                result: std::ptr::null_mut(),
                resultlen: 0,
            })
            .collect();
        // SAFETY: an array of `len` initialised records whose strings live
        // in `texts` until after the call; the data pointer is the caller's.
        let rc = unsafe {
            (self.cb)(
                records.as_mut_ptr(),
                records.len() as c_uint,
                self.data as *mut c_void,
            )
        };
        for (c, r) in creds.iter_mut().zip(&records) {
            c.result = text(r.result);
            if !r.result.is_null() {
                // SAFETY: the callback malloc'd the answer, as libvirt's
                // contract asks; libvirt frees it the same way.
                unsafe { libc::free(r.result.cast()) };
            }
        }
        rc == 0
    }
}
