//! `virConnectAuthPtrDefault`: libvirt's command-line credential
//! callback, which prompts on stdout and reads answers from stdin (without
//! echo for secrets when stdin is a terminal).

use crate::records::{virConnectAuth, virConnectCredential};
use libc::{c_int, c_uint, c_void};
use std::ffi::CStr;
use std::io::{BufRead, Write};

/// `VIR_CRED_*` numbers.
mod cred {
    pub const USERNAME: i32 = 1;
    pub const AUTHNAME: i32 = 2;
    pub const PASSPHRASE: i32 = 5;
    pub const ECHOPROMPT: i32 = 6;
    pub const NOECHOPROMPT: i32 = 7;
    pub const REALM: i32 = 8;
    pub const EXTERNAL: i32 = 9;
}

/// The types libvirt's default record announces (it also answers
/// USERNAME when asked).
static CRED_TYPES: [c_int; 6] = [
    cred::AUTHNAME,
    cred::ECHOPROMPT,
    cred::REALM,
    cred::PASSPHRASE,
    cred::NOECHOPROMPT,
    cred::EXTERNAL,
];

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

/// Turn terminal echo off while it lives, when stdin is a terminal.
struct NoEcho(Option<libc::termios>);

impl NoEcho {
    fn new() -> Self {
        // SAFETY: termios is plain data; tcgetattr fills it or fails.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: fd 0 and a valid termios pointer.
        if unsafe { libc::tcgetattr(0, &mut t) } != 0 {
            return NoEcho(None);
        }
        let saved = t;
        t.c_lflag &= !libc::ECHO;
        // SAFETY: fd 0 and a valid termios record.
        unsafe { libc::tcsetattr(0, libc::TCSAFLUSH, &t) };
        NoEcho(Some(saved))
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        if let Some(t) = &self.0 {
            // SAFETY: restores the settings read in `new`.
            unsafe { libc::tcsetattr(0, libc::TCSAFLUSH, t) };
            println!();
        }
    }
}

/// A caller's C string, if any.
fn text(p: *const libc::c_char) -> Option<String> {
    (!p.is_null()).then(|| {
        // SAFETY: the caller's strings are NUL-terminated.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    })
}

/// Ask for one credential as libvirt's default does: "PROMPT: " on
/// stdout, one line from stdin (end of input reads as empty), the default
/// answer for an empty one; `None` when stdin fails.
fn ask(c: &virConnectCredential) -> Option<String> {
    let prompt = text(c.prompt).unwrap_or_default();
    let mut out = std::io::stdout();
    write!(out, "{prompt}: ").ok()?;
    out.flush().ok()?;
    let secret = matches!(c.kind, cred::PASSPHRASE | cred::NOECHOPROMPT);
    let _echo = secret.then(NoEcho::new);
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    let answer = line.strip_suffix('\n').unwrap_or(&line).to_string();
    Some(match text(c.defresult) {
        Some(d) if answer.is_empty() => d,
        _ => answer,
    })
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
