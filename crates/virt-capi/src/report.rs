//! How a failed call reaches C: libvirt's `virError` record, the last error
//! of each thread, the error handlers, and the guard every exported function
//! runs its body in (reset the thread's error, catch panics, dispatch).

use crate::handles::ConnHandle;
use libc::{c_char, c_int, c_void};
use std::cell::UnsafeCell;
use std::ffi::CStr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::Mutex;
use virt_core::{Error, ErrorCode, ErrorDomain};

/// libvirt's `virError`, field for field (`virterror.h`).
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct virError {
    /// `virErrorNumber`.
    pub code: c_int,
    /// `virErrorDomain`.
    pub domain: c_int,
    /// The message, owned by the record (malloc'd).
    pub message: *mut c_char,
    /// `virErrorLevel`.
    pub level: c_int,
    /// Deprecated in libvirt and never set, as there.
    pub conn: *mut c_void,
    /// Deprecated in libvirt and never set, as there.
    pub dom: *mut c_void,
    /// Extra text, owned by the record.
    pub str1: *mut c_char,
    /// Extra text, owned by the record.
    pub str2: *mut c_char,
    /// Extra text, owned by the record.
    pub str3: *mut c_char,
    /// Extra number.
    pub int1: c_int,
    /// Extra number.
    pub int2: c_int,
    /// Deprecated in libvirt and never set, as there.
    pub net: *mut c_void,
}

/// `virErrorFunc`.
pub type ErrorFunc = Option<unsafe extern "C" fn(user_data: *mut c_void, err: *mut virError)>;

impl virError {
    /// A record with no error (`VIR_ERR_OK`), as libvirt's zeroed one.
    pub const fn empty() -> Self {
        virError {
            code: 0,
            domain: 0,
            message: ptr::null_mut(),
            level: 0,
            conn: ptr::null_mut(),
            dom: ptr::null_mut(),
            str1: ptr::null_mut(),
            str2: ptr::null_mut(),
            str3: ptr::null_mut(),
            int1: 0,
            int2: 0,
            net: ptr::null_mut(),
        }
    }

    /// Free the strings and zero the record (`virResetError`).
    pub fn reset(&mut self) {
        for s in [
            &mut self.message,
            &mut self.str1,
            &mut self.str2,
            &mut self.str3,
        ] {
            // SAFETY: the strings of a record are either null or allocated
            // by malloc (strdup here, or by whoever filled a caller's record
            // through libvirt's rules); free(NULL) is allowed.
            unsafe { libc::free(s.cast()) };
        }
        *self = virError::empty();
    }

    /// Fill from a virt-core error (strings duplicated with malloc, so C
    /// code may hand them to `free`).
    pub fn set(&mut self, e: &Error) {
        self.reset();
        self.code = e.code.number();
        self.domain = e.domain.number();
        self.level = e.level.number();
        self.message = crate::strings::dup(&e.message);
        let (str1, str2) = e.libvirt_strings();
        self.str1 = crate::strings::dup_opt(str1.as_deref());
        self.str2 = crate::strings::dup_opt(str2.as_deref());
        self.str3 = crate::strings::dup_opt(e.str3.as_deref());
        self.int1 = e.int1;
        self.int2 = e.int2;
    }

    /// Deep copy of `from` into this record (libvirt's virCopyError; the
    /// deprecated object fields are not copied).
    pub fn copy_from(&mut self, from: &virError) {
        self.reset();
        self.code = from.code;
        self.domain = from.domain;
        self.level = from.level;
        // SAFETY: a record's strings are null or NUL-terminated (all writers
        // go through `set` or this function).
        unsafe {
            self.message = crate::strings::dup_raw(from.message);
            self.str1 = crate::strings::dup_raw(from.str1);
            self.str2 = crate::strings::dup_raw(from.str2);
            self.str3 = crate::strings::dup_raw(from.str3);
        }
        self.int1 = from.int1;
        self.int2 = from.int2;
    }
}

/// The thread's last error; freed with the thread.
struct LastError(UnsafeCell<virError>);

impl Drop for LastError {
    fn drop(&mut self) {
        self.0.get_mut().reset();
    }
}

thread_local! {
    static LAST: LastError = const { LastError(UnsafeCell::new(virError::empty())) };
}

/// This thread's last-error record. The pointer stays valid for the
/// thread's life; only this thread touches it (libvirt's rule: C code reads
/// it until its next call into the library on the same thread).
pub fn last_error() -> *mut virError {
    LAST.with(|l| l.0.get())
}

/// The global handler and its data (`virSetErrorFunc`).
pub struct Handler {
    /// The function; `None` means libvirt's default (print to stderr).
    pub func: ErrorFunc,
    /// Handed back to the function.
    pub data: usize,
}

/// The handler for errors of connections without their own.
pub static GLOBAL_HANDLER: Mutex<Handler> = Mutex::new(Handler {
    func: None,
    data: 0,
});

/// Report `e` as libvirt's public calls do: the thread's last error, the
/// connection's copy, then the connection's handler, else the global one,
/// else the default printer.
pub fn dispatch(e: &Error, conn: Option<&ConnHandle>) {
    let last = last_error();
    // SAFETY: the record is this thread's own; no other reference to it is
    // live during this call.
    unsafe { (*last).set(e) };
    let (mut func, mut data) = match GLOBAL_HANDLER.lock() {
        Ok(h) => (h.func, h.data),
        Err(_) => (None, 0),
    };
    if let Some(c) = conn {
        // SAFETY: as above, `last` is this thread's record.
        c.record_error(unsafe { &*last });
        if let Some((f, d)) = c.handler() {
            func = Some(f);
            data = d;
        }
    }
    match func {
        // SAFETY: the caller registered this function for exactly this
        // call, with this data pointer.
        Some(f) => unsafe { f(data as *mut c_void, last) },
        // SAFETY: `last` is a valid record (filled just above).
        None => default_print(unsafe { &*last }),
    }
}

/// Run the body of an exported function: reset the thread's last error
/// (every libvirt public call starts so), run `body`, catch any panic as
/// libvirt's internal error, and report a failure. `fail` is the C value
/// meaning failure (-1, NULL, 0).
pub fn guard<T>(api: &'static str, fail: T, body: impl FnOnce(&mut Call) -> Result<T, Error>) -> T {
    // SAFETY: this thread's record; no reference to it is live.
    unsafe { (*last_error()).reset() };
    let mut call = Call { conn: None };
    let r = catch_unwind(AssertUnwindSafe(|| body(&mut call)));
    let e = match r {
        Ok(Ok(v)) => return v,
        Ok(Err(e)) => e,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Error::with(
                ErrorCode::InternalError,
                ErrorDomain::None,
                format!("unexpected failure in {api}: {what}"),
            )
        }
    };
    // SAFETY: a handle stored in `call` was validated by the body and is
    // kept alive by the caller's reference for the duration of this call.
    let conn = call.conn.map(|c| unsafe { &*c });
    // A panic inside the user's handler or in our dispatch must not unwind
    // into C either.
    let _ = catch_unwind(AssertUnwindSafe(|| dispatch(&e, conn)));
    fail
}

/// What a call learns while it runs: the connection its errors belong to.
pub struct Call {
    conn: Option<*const ConnHandle>,
}

impl Call {
    /// Errors from here on are also recorded on `conn`.
    pub fn on(&mut self, conn: &ConnHandle) {
        self.conn = Some(conn as *const ConnHandle);
    }
}

/// libvirt's names of the error domains, by number, as its default
/// handler prints them.
const DOMAIN_NAMES: [&str; 72] = [
    "",
    "Xen Driver",
    "Xen Daemon",
    "Xen Store",
    "S-Expression",
    "XML Util",
    "Domain",
    "XML-RPC",
    "Proxy Daemon",
    "Config File",
    "QEMU Driver",
    "Network",
    "Test Driver",
    "Remote Driver",
    "OpenVZ Driver",
    "Xen XM Driver",
    "Linux Statistics",
    "LXC Driver",
    "Storage Driver",
    "Network Driver",
    "Domain Config",
    "User Mode Linux Driver",
    "Node Device Driver",
    "Xen Inotify Driver",
    "Security Driver",
    "VirtualBox Driver",
    "Network Interface Driver",
    "Open Nebula Driver",
    "ESX Driver",
    "Power Hypervisor Driver",
    "Secrets Driver",
    "CPU Driver",
    "XenAPI Driver",
    "Network Filter Driver",
    "Lifecycle Hook",
    "Domain Snapshot",
    "Audit Utils",
    "Sysinfo Utils",
    "I/O Stream Utils",
    "VMware Driver",
    "Event Loop",
    "Xen Light Driver",
    "Lock Driver",
    "Hyper-V Driver",
    "Capabilities Utils",
    "URI Utils",
    "Authentication Utils",
    "DBus Utils",
    "Parallels Cloud Server",
    "Device Config",
    "SSH transport layer",
    "Lock Space",
    "Init control",
    "Identity",
    "Cgroup",
    "Access Manager",
    "Systemd",
    "Bhyve",
    "Crypto",
    "Firewall",
    "Polkit",
    "Thread jobs",
    "Admin Interface",
    "Log Manager",
    "Xen XL Config",
    "Perf",
    "Libssh transport layer",
    "Resource control",
    "FirewallD",
    "Domain Checkpoint",
    "TPM",
    "BPF",
];

/// The line libvirt's default handler writes for `err`, or `None` for "no
/// error".
pub fn default_line(err: &virError) -> Option<String> {
    if err.code == 0 {
        return None;
    }
    let level = match err.level {
        1 => "warning",
        2 => "error",
        _ => "",
    };
    let dom = usize::try_from(err.domain)
        .ok()
        .and_then(|d| DOMAIN_NAMES.get(d))
        .copied()
        .unwrap_or("Unknown");
    let message = if err.message.is_null() {
        String::new()
    } else {
        // SAFETY: a non-null message is NUL-terminated (see virError::set).
        unsafe { CStr::from_ptr(err.message) }
            .to_string_lossy()
            .into_owned()
    };
    const XML: i32 = 5;
    const XML_DETAIL: i32 = 35;
    Some(
        if err.domain == XML && err.code == XML_DETAIL && err.int1 != 0 {
            format!("libvirt: {dom} {level} : line {}: {message}", err.int1)
        } else if message.ends_with('\n') {
            format!("libvirt: {dom} {level} : {message}")
        } else {
            format!("libvirt: {dom} {level} : {message}\n")
        },
    )
}

/// libvirt's default handler: the error on stderr.
pub fn default_print(err: &virError) {
    if let Some(line) = default_line(err) {
        use std::io::Write;
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_internal_errors() {
        let v = guard("virTestPanic", -1, |_| -> Result<i32, Error> {
            panic!("boom")
        });
        assert_eq!(v, -1);
        // SAFETY: this thread's record, read after the call returned.
        let e = unsafe { &*last_error() };
        assert_eq!(e.code, ErrorCode::InternalError.number());
        // SAFETY: set() wrote a NUL-terminated message.
        let m = unsafe { CStr::from_ptr(e.message) }.to_string_lossy();
        assert_eq!(
            m,
            "internal error: unexpected failure in virTestPanic: boom"
        );
    }

    #[test]
    fn success_resets_the_last_error() {
        let _ = guard("f", -1, |_| -> Result<i32, Error> {
            Err(Error::no_support("f"))
        });
        // SAFETY: this thread's record.
        assert_eq!(unsafe { (*last_error()).code }, 3);
        assert_eq!(guard("g", -1, |_| Ok(0)), 0);
        // SAFETY: this thread's record.
        assert_eq!(unsafe { (*last_error()).code }, 0);
    }

    #[test]
    fn default_line_reads_like_libvirt() {
        let mut r = virError::empty();
        r.set(&Error::no_domain_name(ErrorDomain::Test, "x"));
        assert_eq!(
            default_line(&r).as_deref(),
            Some(
                "libvirt: Test Driver error : Domain not found: no domain with matching name 'x'\n"
            )
        );
        r.reset();
        assert_eq!(default_line(&r), None);
    }
}
