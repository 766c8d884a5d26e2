//! The domain calls (`libvirt-domain.h`): lookups, life cycle, information,
//! memory and vCPUs, scheduler parameters, devices.
//!
//! Every function follows libvirt's C contract, as in [`crate::connect`].

#![allow(clippy::missing_safety_doc)]

use crate::connect::{on_conn, put};
use crate::handles::{self, ConnHandle, DomainHandle};
use crate::records::{
    virDomainInfo, virSecurityLabel, virTypedParameter, virVcpuInfo, TypedValueC,
    TYPED_PARAM_FIELD_LENGTH,
};
use crate::report::{guard, Call};
use crate::strings::string_calls;
use crate::strings::{self, arg, bad_arg, null_arg, opt_arg};
use libc::{c_char, c_int, c_uchar, c_uint, c_ulong};
use std::ffi::CStr;
use std::ptr;
use virt_core::{
    affect, parse_uuid, CpuMap, Domain, Error, ErrorCode, ErrorDomain, TypedParam, TypedValue, Uuid,
};

/// The domain behind `p`; errors from here on are its connection's.
///
/// # Safety
/// `p` is null or a `virDomainPtr` from this library.
unsafe fn dom_of<'a>(
    p: *mut DomainHandle,
    api: &'static str,
    call: &mut Call,
) -> Result<&'a DomainHandle, Error> {
    // SAFETY: forwarded from the caller.
    let h = unsafe { handles::get(p, api) }?;
    call.on(h.conn.get());
    Ok(h)
}

/// Run a call on a domain handle with its domain locked.
fn with_dom<T>(
    api: &'static str,
    p: *mut DomainHandle,
    fail: T,
    f: impl FnOnce(&DomainHandle, &mut Domain) -> Result<T, Error>,
) -> T {
    guard(api, fail, |call| {
        // SAFETY: the exported caller passes its C argument through.
        let h = unsafe { dom_of(p, api, call) }?;
        let mut d = h.lock();
        f(h, &mut d)
    })
}

/// Run a lookup on a connection, handing out a new domain handle.
fn lookup(
    api: &'static str,
    conn: *mut ConnHandle,
    f: impl FnOnce(&ConnHandle) -> Result<Domain, Error>,
) -> *mut DomainHandle {
    on_conn(api, conn, ptr::null_mut(), |c| {
        let d = f(c)?;
        Ok(handles::into_raw(DomainHandle::new(c, d)))
    })
}

string_calls! {
    /// `virDomainLookupByName`.
    virDomainLookupByName(conn: ConnHandle; name "name")
        -> DomainHandle via lookup |c| c.conn.lookup_by_name(name);
}

/// `virDomainLookupByID`: a running domain by id.
#[no_mangle]
pub unsafe extern "C" fn virDomainLookupByID(
    conn: *mut ConnHandle,
    id: c_int,
) -> *mut DomainHandle {
    const API: &str = "virDomainLookupByID";
    lookup(API, conn, |c| {
        let id = u32::try_from(id).map_err(|_| bad_arg(API, "id", "be zero or greater"))?;
        c.conn.lookup_by_id(id)
    })
}

/// `virDomainLookupByUUID`: by the 16 raw bytes.
#[no_mangle]
pub unsafe extern "C" fn virDomainLookupByUUID(
    conn: *mut ConnHandle,
    uuid: *const c_uchar,
) -> *mut DomainHandle {
    const API: &str = "virDomainLookupByUUID";
    lookup(API, conn, |c| {
        // SAFETY: caller's 16-byte buffer, or null.
        let u = unsafe { uuid_arg(uuid, API) }?;
        c.conn.lookup_by_uuid(&u)
    })
}

/// 16 UUID bytes from C.
///
/// # Safety
/// `p` is null or points to 16 bytes.
pub(crate) unsafe fn uuid_arg(p: *const c_uchar, api: &str) -> Result<Uuid, Error> {
    if p.is_null() {
        return Err(null_arg(api, "uuid"));
    }
    let mut b = [0u8; 16];
    // SAFETY: the caller's buffer holds VIR_UUID_BUFLEN bytes.
    unsafe { ptr::copy_nonoverlapping(p, b.as_mut_ptr(), 16) };
    Ok(Uuid::from_bytes(b))
}

/// A UUID string from C, refused as libvirt's library refuses it.
///
/// # Safety
/// `p` is null or NUL-terminated.
pub(crate) unsafe fn uuid_string_arg(
    p: *const c_char,
    api: &str,
    invalid: fn(&str) -> Error,
) -> Result<Uuid, Error> {
    // SAFETY: forwarded.
    let s = unsafe { arg(p, api, "uuidstr") }?;
    parse_uuid(s).map_err(|_| invalid(api))
}

/// libvirt's words for a bad domain UUID string.
fn invalid_domain_uuid(api: &str) -> Error {
    let mut e = null_arg(api, "uuidstr");
    e.message = "Invalid UUID".into();
    e
}

/// `virDomainLookupByUUIDString`: by the dashed or plain hex form.
#[no_mangle]
pub unsafe extern "C" fn virDomainLookupByUUIDString(
    conn: *mut ConnHandle,
    uuidstr: *const c_char,
) -> *mut DomainHandle {
    const API: &str = "virDomainLookupByUUIDString";
    lookup(API, conn, |c| {
        // SAFETY: caller's string.
        let u = unsafe { uuid_string_arg(uuidstr, API, invalid_domain_uuid) }?;
        c.conn.lookup_by_uuid(&u)
    })
}

string_calls! {
    /// `virDomainCreateXML`: start a transient domain.
    virDomainCreateXML(conn: ConnHandle; xml "xmlDesc"; flags: c_uint)
        -> DomainHandle via lookup |c| c.conn.create_xml(xml, flags);
}

/// `virDomainCreateLinux`: the old name of `virDomainCreateXML`.
#[no_mangle]
pub unsafe extern "C" fn virDomainCreateLinux(
    conn: *mut ConnHandle,
    xml: *const c_char,
    flags: c_uint,
) -> *mut DomainHandle {
    // SAFETY: same contract.
    unsafe { virDomainCreateXML(conn, xml, flags) }
}

string_calls! {
    /// `virDomainDefineXML`: define (or redefine) a persistent domain.
    virDomainDefineXML(conn: ConnHandle; xml "xml")
        -> DomainHandle via lookup |c| c.conn.define_xml(xml);
    /// `virDomainDefineXMLFlags`.
    virDomainDefineXMLFlags(conn: ConnHandle; xml "xml"; flags: c_uint)
        -> DomainHandle via lookup |c| c.conn.define_xml_flags(xml, flags);
}

/// `virDomainRestore`: start a domain from a saved state file.
#[no_mangle]
pub unsafe extern "C" fn virDomainRestore(conn: *mut ConnHandle, from: *const c_char) -> c_int {
    const API: &str = "virDomainRestore";
    on_conn(API, conn, -1, |c| {
        // SAFETY: caller's string.
        let f = unsafe { arg(from, API, "from") }?;
        c.conn.restore(f).map(|_| 0)
    })
}

/// `virDomainRestoreFlags`: restore with flags and a replacement XML.
#[no_mangle]
pub unsafe extern "C" fn virDomainRestoreFlags(
    conn: *mut ConnHandle,
    from: *const c_char,
    dxml: *const c_char,
    flags: c_uint,
) -> c_int {
    const API: &str = "virDomainRestoreFlags";
    on_conn(API, conn, -1, |c| {
        // SAFETY: caller's strings.
        let (f, x) = unsafe { (arg(from, API, "from")?, opt_arg(dxml, API, "dxml")?) };
        c.conn.restore_flags(f, x, flags).map(|_| 0)
    })
}

/// `virDomainRef`: one more reference, dropped by `virDomainFree`.
#[no_mangle]
pub unsafe extern "C" fn virDomainRef(dom: *mut DomainHandle) -> c_int {
    with_dom("virDomainRef", dom, -1, |h, _| {
        handles::add_ref(h);
        Ok(0)
    })
}

/// `virDomainFree`: drop one reference; the last frees the handle and its
/// reference on the connection.
#[no_mangle]
pub unsafe extern "C" fn virDomainFree(dom: *mut DomainHandle) -> c_int {
    guard("virDomainFree", -1, |_| {
        // SAFETY: checks the pointer as libvirt does.
        unsafe { handles::get(dom, "virDomainFree") }?;
        // SAFETY: valid handle; the caller gives up its reference.
        unsafe { handles::release(dom) };
        Ok(0)
    })
}

/// `virDomainGetConnect`: the domain's connection (no new reference).
#[no_mangle]
pub unsafe extern "C" fn virDomainGetConnect(dom: *mut DomainHandle) -> *mut ConnHandle {
    with_dom("virDomainGetConnect", dom, ptr::null_mut(), |h, _| {
        Ok(h.conn.as_ptr())
    })
}

/// `virDomainGetName`: borrowed from the handle.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetName(dom: *mut DomainHandle) -> *const c_char {
    guard("virDomainGetName", ptr::null(), |call| {
        // SAFETY: caller's handle, checked.
        let h = unsafe { dom_of(dom, "virDomainGetName", call) }?;
        Ok(h.c_name().as_ptr())
    })
}

/// `virDomainGetID`: the id, or `(unsigned)-1` when not running.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetID(dom: *mut DomainHandle) -> c_uint {
    with_dom("virDomainGetID", dom, c_uint::MAX, |_, d| {
        Ok(d.id().unwrap_or(c_uint::MAX))
    })
}

/// `virDomainGetUUID`: the 16 raw bytes.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetUUID(dom: *mut DomainHandle, uuid: *mut c_uchar) -> c_int {
    const API: &str = "virDomainGetUUID";
    with_dom(API, dom, -1, |_, d| {
        // SAFETY: caller's 16-byte buffer, or null.
        unsafe { put_uuid(uuid, &d.uuid(), API) }
    })
}

/// Write 16 UUID bytes for C.
///
/// # Safety
/// `out` is null or holds 16 bytes.
pub(crate) unsafe fn put_uuid(out: *mut c_uchar, u: &Uuid, api: &str) -> Result<c_int, Error> {
    if out.is_null() {
        return Err(null_arg(api, "uuid"));
    }
    // SAFETY: VIR_UUID_BUFLEN bytes of caller storage.
    unsafe { ptr::copy_nonoverlapping(u.as_bytes().as_ptr(), out, 16) };
    Ok(0)
}

/// Write the dashed UUID and its NUL (37 bytes) for C.
///
/// # Safety
/// `out` is null or holds 37 bytes.
pub(crate) unsafe fn put_uuid_string(
    out: *mut c_char,
    u: &Uuid,
    api: &str,
) -> Result<c_int, Error> {
    if out.is_null() {
        return Err(null_arg(api, "buf"));
    }
    let s = u.hyphenated().to_string();
    // SAFETY: VIR_UUID_STRING_BUFLEN (37) bytes of caller storage; the
    // dashed form is 36 bytes.
    unsafe {
        ptr::copy_nonoverlapping(s.as_ptr(), out.cast::<u8>(), 36);
        *out.add(36) = 0;
    }
    Ok(0)
}

/// `virDomainGetUUIDString`: the dashed form into a 37-byte buffer.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetUUIDString(dom: *mut DomainHandle, buf: *mut c_char) -> c_int {
    const API: &str = "virDomainGetUUIDString";
    with_dom(API, dom, -1, |_, d| {
        // SAFETY: caller's 37-byte buffer, or null.
        unsafe { put_uuid_string(buf, &d.uuid(), API) }
    })
}

/// `virDomainGetInfo`: state, memory, vCPUs, CPU time.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetInfo(
    dom: *mut DomainHandle,
    info: *mut virDomainInfo,
) -> c_int {
    const API: &str = "virDomainGetInfo";
    with_dom(API, dom, -1, |_, d| {
        if info.is_null() {
            return Err(null_arg(API, "info"));
        }
        let i = d.info()?;
        let rec = virDomainInfo {
            state: i.state.number() as c_uchar,
            max_mem: i.max_mem as c_ulong,
            memory: i.memory as c_ulong,
            nr_virt_cpu: i.nr_virt_cpu as u16,
            cpu_time: i.cpu_time,
        };
        // SAFETY: checked non-null caller storage.
        unsafe { info.write(rec) };
        Ok(0)
    })
}

/// `virDomainGetState`: state and (optionally) reason.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetState(
    dom: *mut DomainHandle,
    state: *mut c_int,
    reason: *mut c_int,
    flags: c_uint,
) -> c_int {
    const API: &str = "virDomainGetState";
    with_dom(API, dom, -1, |_, d| {
        if state.is_null() {
            return Err(null_arg(API, "state"));
        }
        Error::check_flags(ErrorDomain::Domain, flags, 0, API)?;
        let (s, r) = d.state()?;
        // SAFETY: checked non-null caller storage.
        unsafe { state.write(s.number()) };
        if !reason.is_null() {
            // SAFETY: non-null caller storage.
            unsafe { reason.write(r) };
        }
        Ok(0)
    })
}

/// `virDomainGetOSType`: malloc'd ("hvm", "linux").
#[no_mangle]
pub unsafe extern "C" fn virDomainGetOSType(dom: *mut DomainHandle) -> *mut c_char {
    with_dom("virDomainGetOSType", dom, ptr::null_mut(), |_, d| {
        strings::out(&d.os_type()?)
    })
}

/// `virDomainGetXMLDesc`: the domain XML, malloc'd.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetXMLDesc(dom: *mut DomainHandle, flags: c_uint) -> *mut c_char {
    with_dom("virDomainGetXMLDesc", dom, ptr::null_mut(), |_, d| {
        strings::out(&d.xml_desc(flags)?)
    })
}

/// `virDomainGetMaxMemory`: KiB, 0 on error.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetMaxMemory(dom: *mut DomainHandle) -> c_ulong {
    with_dom("virDomainGetMaxMemory", dom, 0, |_, d| {
        Ok(d.max_memory()? as c_ulong)
    })
}

/// `virDomainGetMaxVcpus`: the running domain's maximum, as libvirt's
/// drivers answer it (an inactive domain is refused; virsh's fallback to
/// the definition is virsh's own).
#[no_mangle]
pub unsafe extern "C" fn virDomainGetMaxVcpus(dom: *mut DomainHandle) -> c_int {
    with_dom("virDomainGetMaxVcpus", dom, -1, |_, d| {
        Ok(d.vcpus_flags(affect::LIVE | affect::MAXIMUM)? as c_int)
    })
}

/// `virDomainGetVcpusFlags`.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetVcpusFlags(dom: *mut DomainHandle, flags: c_uint) -> c_int {
    with_dom("virDomainGetVcpusFlags", dom, -1, |_, d| {
        Ok(d.vcpus_flags(flags)? as c_int)
    })
}

/// Exported domain calls taking only the handle and returning 0 or -1.
macro_rules! simple_domain_calls {
    ($($(#[$m:meta])* $name:ident => |$d:ident| $body:expr;)*) => {$(
        $(#[$m])*
        #[no_mangle]
        pub unsafe extern "C" fn $name(dom: *mut DomainHandle) -> c_int {
            with_dom(stringify!($name), dom, -1, |_, $d| $body.map(|_| 0))
        }
    )*};
}

simple_domain_calls! {
    /// `virDomainSuspend`: pause.
    virDomainSuspend => |d| d.suspend();
    /// `virDomainResume`: continue after a pause.
    virDomainResume => |d| d.resume();
    /// `virDomainShutdown`: ask the guest to shut down.
    virDomainShutdown => |d| d.shutdown();
    /// `virDomainDestroy`: stop at once.
    virDomainDestroy => |d| d.destroy();
    /// `virDomainCreate`: start a defined domain.
    virDomainCreate => |d| d.create();
    /// `virDomainUndefine`: remove the persistent definition.
    virDomainUndefine => |d| d.undefine();
}

/// Exported domain calls taking the handle and flags.
macro_rules! flag_domain_calls {
    ($($(#[$m:meta])* $name:ident => |$d:ident, $f:ident| $body:expr;)*) => {$(
        $(#[$m])*
        #[no_mangle]
        pub unsafe extern "C" fn $name(dom: *mut DomainHandle, $f: c_uint) -> c_int {
            with_dom(stringify!($name), dom, -1, |_, $d| $body.map(|_| 0))
        }
    )*};
}

flag_domain_calls! {
    /// `virDomainShutdownFlags`.
    virDomainShutdownFlags => |d, flags| d.shutdown_flags(flags);
    /// `virDomainReboot`.
    virDomainReboot => |d, flags| d.reboot(flags);
    /// `virDomainDestroyFlags`.
    virDomainDestroyFlags => |d, flags| d.destroy_flags(flags);
    /// `virDomainCreateWithFlags`.
    virDomainCreateWithFlags => |d, flags| d.create_with_flags(flags);
    /// `virDomainUndefineFlags`.
    virDomainUndefineFlags => |d, flags| d.undefine_flags(flags);
    /// `virDomainSetAutostart`.
    virDomainSetAutostart => |d, autostart| d.set_autostart(autostart != 0);
}

/// `virDomainSetVcpus`: the running domain's vCPU count (zero is
/// refused here, under this call's name, as libvirt's library does).
#[no_mangle]
pub unsafe extern "C" fn virDomainSetVcpus(dom: *mut DomainHandle, nvcpus: c_uint) -> c_int {
    const API: &str = "virDomainSetVcpus";
    with_dom(API, dom, -1, |_, d| {
        if nvcpus == 0 {
            return Err(bad_arg(API, "nvcpus", "not be zero"));
        }
        d.set_vcpus(nvcpus).map(|_| 0)
    })
}

/// `virDomainSetVcpusFlags`.
#[no_mangle]
pub unsafe extern "C" fn virDomainSetVcpusFlags(
    dom: *mut DomainHandle,
    nvcpus: c_uint,
    flags: c_uint,
) -> c_int {
    with_dom("virDomainSetVcpusFlags", dom, -1, |_, d| {
        d.set_vcpus_flags(nvcpus, flags).map(|_| 0)
    })
}

/// `virDomainSetMaxMemory`: KiB.
#[no_mangle]
pub unsafe extern "C" fn virDomainSetMaxMemory(dom: *mut DomainHandle, memory: c_ulong) -> c_int {
    with_dom("virDomainSetMaxMemory", dom, -1, |_, d| {
        d.set_max_memory(kib(memory)).map(|_| 0)
    })
}

/// `virDomainSetMemory`: KiB, of the running domain.
#[no_mangle]
pub unsafe extern "C" fn virDomainSetMemory(dom: *mut DomainHandle, memory: c_ulong) -> c_int {
    with_dom("virDomainSetMemory", dom, -1, |_, d| {
        d.set_memory(kib(memory)).map(|_| 0)
    })
}

/// `virDomainSetMemoryFlags`.
#[no_mangle]
pub unsafe extern "C" fn virDomainSetMemoryFlags(
    dom: *mut DomainHandle,
    memory: c_ulong,
    flags: c_uint,
) -> c_int {
    with_dom("virDomainSetMemoryFlags", dom, -1, |_, d| {
        d.set_memory_flags(kib(memory), flags).map(|_| 0)
    })
}

/// Report a driver's missing support under `api`, the call the program
/// made (the plain device calls reach the driver through their Flags
/// form).
fn under(api: &str, r: Result<(), Error>) -> Result<(), Error> {
    r.map_err(|e| {
        if e.code == ErrorCode::NoSupport {
            Error::no_support(api)
        } else {
            e
        }
    })
}

/// A domain call taking a required path or XML string.
fn with_text(
    api: &'static str,
    dom: *mut DomainHandle,
    p: *const c_char,
    name: &'static str,
    f: impl FnOnce(&mut Domain, &str) -> Result<(), Error>,
) -> c_int {
    with_dom(api, dom, -1, |_, d| {
        // SAFETY: the exported caller passes its C string through.
        let s = unsafe { arg(p, api, name) }?;
        f(d, s).map(|_| 0)
    })
}

/// `virDomainSave`: save the state to a file and stop.
#[no_mangle]
pub unsafe extern "C" fn virDomainSave(dom: *mut DomainHandle, to: *const c_char) -> c_int {
    with_text("virDomainSave", dom, to, "to", |d, to| d.save(to))
}

/// `virDomainSaveFlags`: save with flags and a replacement XML.
#[no_mangle]
pub unsafe extern "C" fn virDomainSaveFlags(
    dom: *mut DomainHandle,
    to: *const c_char,
    dxml: *const c_char,
    flags: c_uint,
) -> c_int {
    const API: &str = "virDomainSaveFlags";
    with_dom(API, dom, -1, |_, d| {
        // SAFETY: caller's strings.
        let (to, x) = unsafe { (arg(to, API, "to")?, opt_arg(dxml, API, "dxml")?) };
        d.save_flags_xml(to, x, flags).map(|_| 0)
    })
}

/// `virDomainCoreDump`.
#[no_mangle]
pub unsafe extern "C" fn virDomainCoreDump(
    dom: *mut DomainHandle,
    to: *const c_char,
    flags: c_uint,
) -> c_int {
    with_text("virDomainCoreDump", dom, to, "to", |d, to| {
        d.core_dump(to, flags)
    })
}

/// `virDomainCoreDumpWithFormat`.
#[no_mangle]
pub unsafe extern "C" fn virDomainCoreDumpWithFormat(
    dom: *mut DomainHandle,
    to: *const c_char,
    format: c_uint,
    flags: c_uint,
) -> c_int {
    with_text("virDomainCoreDumpWithFormat", dom, to, "to", |d, to| {
        d.core_dump_with_format(to, format, flags)
    })
}

/// `virDomainAttachDevice`.
#[no_mangle]
pub unsafe extern "C" fn virDomainAttachDevice(
    dom: *mut DomainHandle,
    xml: *const c_char,
) -> c_int {
    with_text("virDomainAttachDevice", dom, xml, "xml", |d, x| {
        under("virDomainAttachDevice", d.attach_device_flags(x, 0))
    })
}

/// `virDomainAttachDeviceFlags`.
#[no_mangle]
pub unsafe extern "C" fn virDomainAttachDeviceFlags(
    dom: *mut DomainHandle,
    xml: *const c_char,
    flags: c_uint,
) -> c_int {
    with_text("virDomainAttachDeviceFlags", dom, xml, "xml", |d, x| {
        d.attach_device_flags(x, flags)
    })
}

/// `virDomainDetachDevice`.
#[no_mangle]
pub unsafe extern "C" fn virDomainDetachDevice(
    dom: *mut DomainHandle,
    xml: *const c_char,
) -> c_int {
    with_text("virDomainDetachDevice", dom, xml, "xml", |d, x| {
        under("virDomainDetachDevice", d.detach_device_flags(x, 0))
    })
}

/// `virDomainDetachDeviceFlags`.
#[no_mangle]
pub unsafe extern "C" fn virDomainDetachDeviceFlags(
    dom: *mut DomainHandle,
    xml: *const c_char,
    flags: c_uint,
) -> c_int {
    with_text("virDomainDetachDeviceFlags", dom, xml, "xml", |d, x| {
        d.detach_device_flags(x, flags)
    })
}

/// A domain call answering yes (1) or no (0).
fn yes_no(
    api: &'static str,
    dom: *mut DomainHandle,
    f: impl FnOnce(&Domain) -> Result<bool, Error>,
) -> c_int {
    with_dom(api, dom, -1, |_, d| f(d).map(c_int::from))
}

/// `virDomainIsActive`.
#[no_mangle]
pub unsafe extern "C" fn virDomainIsActive(dom: *mut DomainHandle) -> c_int {
    yes_no("virDomainIsActive", dom, Domain::is_active)
}

/// `virDomainIsPersistent`.
#[no_mangle]
pub unsafe extern "C" fn virDomainIsPersistent(dom: *mut DomainHandle) -> c_int {
    yes_no("virDomainIsPersistent", dom, Domain::is_persistent)
}

/// `virDomainHasManagedSaveImage`.
#[no_mangle]
pub unsafe extern "C" fn virDomainHasManagedSaveImage(
    dom: *mut DomainHandle,
    flags: c_uint,
) -> c_int {
    yes_no("virDomainHasManagedSaveImage", dom, |d| {
        d.has_managed_save(flags)
    })
}

/// `virDomainGetAutostart`.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetAutostart(
    dom: *mut DomainHandle,
    autostart: *mut c_int,
) -> c_int {
    const API: &str = "virDomainGetAutostart";
    with_dom(API, dom, -1, |_, d| {
        if autostart.is_null() {
            return Err(null_arg(API, "autostart"));
        }
        let a = d.autostart()?;
        // SAFETY: checked non-null caller storage.
        unsafe { put(autostart, c_int::from(a), API, "autostart") }?;
        Ok(0)
    })
}

/// The bytes of one map of `maplen` bytes.
///
/// # Safety
/// `p` is null or holds `maplen` bytes.
unsafe fn cpumap_arg(p: *const c_uchar, maplen: c_int, api: &str) -> Result<CpuMap, Error> {
    if p.is_null() {
        return Err(null_arg(api, "cpumap"));
    }
    let n = usize::try_from(maplen)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| bad_arg(api, "maplen", "be greater than zero"))?;
    // SAFETY: the caller's map holds maplen bytes.
    Ok(CpuMap::from_bytes(unsafe {
        std::slice::from_raw_parts(p, n)
    }))
}

/// `virDomainPinVcpu`.
#[no_mangle]
pub unsafe extern "C" fn virDomainPinVcpu(
    dom: *mut DomainHandle,
    vcpu: c_uint,
    cpumap: *mut c_uchar,
    maplen: c_int,
) -> c_int {
    const API: &str = "virDomainPinVcpu";
    with_dom(API, dom, -1, |_, d| {
        // SAFETY: caller's map of maplen bytes.
        let m = unsafe { cpumap_arg(cpumap, maplen, API) }?;
        d.pin_vcpu(vcpu, &m).map(|_| 0)
    })
}

/// `virDomainPinVcpuFlags`.
#[no_mangle]
pub unsafe extern "C" fn virDomainPinVcpuFlags(
    dom: *mut DomainHandle,
    vcpu: c_uint,
    cpumap: *mut c_uchar,
    maplen: c_int,
    flags: c_uint,
) -> c_int {
    const API: &str = "virDomainPinVcpuFlags";
    with_dom(API, dom, -1, |_, d| {
        // SAFETY: caller's map of maplen bytes.
        let m = unsafe { cpumap_arg(cpumap, maplen, API) }?;
        d.pin_vcpu_flags(vcpu, &m, flags).map(|_| 0)
    })
}

/// Copy `maps` into the caller's `cpumaps`, `maplen` bytes each, zero
/// filled.
///
/// # Safety
/// `cpumaps` holds `maps.len() * maplen` bytes.
unsafe fn put_maps(cpumaps: *mut c_uchar, maplen: usize, maps: &[&CpuMap]) {
    for (i, m) in maps.iter().enumerate() {
        // SAFETY: slot i of the caller's array of maps.
        let slot = unsafe { std::slice::from_raw_parts_mut(cpumaps.add(i * maplen), maplen) };
        slot.fill(0);
        let b = m.as_bytes();
        let n = b.len().min(maplen);
        slot[..n].copy_from_slice(&b[..n]);
    }
}

/// `virDomainGetVcpus`: per-vCPU state, and affinity maps when asked.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetVcpus(
    dom: *mut DomainHandle,
    info: *mut virVcpuInfo,
    maxinfo: c_int,
    cpumaps: *mut c_uchar,
    maplen: c_int,
) -> c_int {
    const API: &str = "virDomainGetVcpus";
    with_dom(API, dom, -1, |_, d| {
        if info.is_null() {
            return Err(null_arg(API, "info"));
        }
        let max = usize::try_from(maxinfo)
            .ok()
            .filter(|&m| m > 0)
            .ok_or_else(|| bad_arg(API, "maxinfo", "be greater than zero"))?;
        let maplen = usize::try_from(maplen).unwrap_or(0);
        if cpumaps.is_null() != (maplen == 0) {
            return Err(bad_arg(API, "maplen", "match cpumaps"));
        }
        let vcpus = d.vcpus()?;
        let n = vcpus.len().min(max);
        for (i, v) in vcpus.iter().take(n).enumerate() {
            let rec = virVcpuInfo {
                number: v.number,
                state: v.state as c_int,
                cpu_time: v.cpu_time,
                cpu: v.cpu,
            };
            // SAFETY: i < n <= maxinfo records of caller storage.
            unsafe { info.add(i).write(rec) };
        }
        if !cpumaps.is_null() {
            let maps: Vec<&CpuMap> = vcpus.iter().take(n).map(|v| &v.affinity).collect();
            // SAFETY: the caller's cpumaps hold maxinfo * maplen bytes.
            unsafe { put_maps(cpumaps, maplen, &maps) };
        }
        Ok(n as c_int)
    })
}

/// `virDomainGetVcpuPinInfo`: each vCPU's affinity map.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetVcpuPinInfo(
    dom: *mut DomainHandle,
    ncpumaps: c_int,
    cpumaps: *mut c_uchar,
    maplen: c_int,
    flags: c_uint,
) -> c_int {
    const API: &str = "virDomainGetVcpuPinInfo";
    with_dom(API, dom, -1, |_, d| {
        if cpumaps.is_null() {
            return Err(null_arg(API, "cpumaps"));
        }
        let count = usize::try_from(ncpumaps)
            .ok()
            .filter(|&m| m > 0)
            .ok_or_else(|| bad_arg(API, "ncpumaps", "be greater than zero"))?;
        let maplen = usize::try_from(maplen)
            .ok()
            .filter(|&m| m > 0)
            .ok_or_else(|| bad_arg(API, "maplen", "be greater than zero"))?;
        let maps = d.vcpu_pin_info(flags)?;
        let n = maps.len().min(count);
        let refs: Vec<&CpuMap> = maps.iter().take(n).collect();
        // SAFETY: the caller's cpumaps hold ncpumaps * maplen bytes.
        unsafe { put_maps(cpumaps, maplen, &refs) };
        Ok(n as c_int)
    })
}

/// `virDomainGetSecurityLabel`.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetSecurityLabel(
    dom: *mut DomainHandle,
    seclabel: *mut virSecurityLabel,
) -> c_int {
    const API: &str = "virDomainGetSecurityLabel";
    with_dom(API, dom, -1, |_, d| {
        if seclabel.is_null() {
            return Err(null_arg(API, "seclabel"));
        }
        let l = d.security_label()?;
        // SAFETY: checked non-null caller storage for one record.
        let out = unsafe { &mut *seclabel };
        strings::fill(&mut out.label, &l.label);
        out.enforcing = c_int::from(l.enforcing);
        Ok(0)
    })
}

/// `virDomainGetSchedulerType`: the scheduler's name (malloc'd) and,
/// when asked, its number of parameters.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetSchedulerType(
    dom: *mut DomainHandle,
    nparams: *mut c_int,
) -> *mut c_char {
    with_dom("virDomainGetSchedulerType", dom, ptr::null_mut(), |_, d| {
        let (name, n) = d.scheduler_type()?;
        let s = strings::out(&name)?;
        if !nparams.is_null() {
            // SAFETY: non-null caller storage.
            unsafe { nparams.write(n as c_int) };
        }
        Ok(s)
    })
}

/// `VIR_TYPED_PARAM_*` type numbers.
mod param_type {
    pub const INT: i32 = 1;
    pub const UINT: i32 = 2;
    pub const LLONG: i32 = 3;
    pub const ULLONG: i32 = 4;
    pub const DOUBLE: i32 = 5;
    pub const BOOLEAN: i32 = 6;
    pub const STRING: i32 = 7;
}

/// One C typed parameter as virt-core's.
///
/// # Safety
/// The record's string value, when typed STRING, is NUL-terminated.
unsafe fn param_from_c(p: &virTypedParameter, api: &str) -> Result<TypedParam, Error> {
    let field_bytes: Vec<u8> = p
        .field
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    let field = String::from_utf8(field_bytes)
        .map_err(|_| bad_arg(api, "params", "have UTF-8 field names"))?;
    // SAFETY: each arm reads the member the type number names.
    let value = unsafe {
        match p.kind {
            param_type::INT => TypedValue::Int(p.value.i),
            param_type::UINT => TypedValue::UInt(p.value.ui),
            param_type::LLONG => TypedValue::LLong(p.value.l),
            param_type::ULLONG => TypedValue::ULLong(p.value.ul),
            param_type::DOUBLE => TypedValue::Double(p.value.d),
            param_type::BOOLEAN => TypedValue::Boolean(p.value.b != 0),
            param_type::STRING if !p.value.s.is_null() => {
                TypedValue::String(CStr::from_ptr(p.value.s).to_string_lossy().into_owned())
            }
            other => {
                return Err(Error::with(
                    ErrorCode::InvalidArg,
                    ErrorDomain::None,
                    format!("invalid type '{other}' for parameter '{field}'"),
                ))
            }
        }
    };
    Ok(TypedParam { field, value })
}

/// virt-core's typed parameter as a C record (a string value malloc'd).
fn param_to_c(p: &TypedParam) -> virTypedParameter {
    let mut field = [0 as c_char; TYPED_PARAM_FIELD_LENGTH];
    strings::fill(&mut field, &p.field);
    // All 8 bytes of the union are set, whatever the member, so C never
    // reads uninitialised memory through a wider member.
    let mut value = TypedValueC { ul: 0 };
    let kind = match &p.value {
        TypedValue::Int(v) => {
            value.i = *v;
            param_type::INT
        }
        TypedValue::UInt(v) => {
            value.ui = *v;
            param_type::UINT
        }
        TypedValue::LLong(v) => {
            value.l = *v;
            param_type::LLONG
        }
        TypedValue::ULLong(v) => {
            value.ul = *v;
            param_type::ULLONG
        }
        TypedValue::Double(v) => {
            value.d = *v;
            param_type::DOUBLE
        }
        TypedValue::Boolean(v) => {
            value.b = c_char::from(*v);
            param_type::BOOLEAN
        }
        TypedValue::String(v) => {
            value.s = strings::dup(v);
            param_type::STRING
        }
    };
    virTypedParameter { field, kind, value }
}

/// Read `nparams` C parameters.
///
/// # Safety
/// `params` holds `nparams` records when non-null.
unsafe fn params_in(
    params: *const virTypedParameter,
    nparams: c_int,
    api: &str,
) -> Result<Vec<TypedParam>, Error> {
    if params.is_null() {
        return Err(null_arg(api, "params"));
    }
    let n = usize::try_from(nparams).map_err(|_| bad_arg(api, "nparams", "be zero or greater"))?;
    // SAFETY: the caller's array holds nparams records.
    let recs = unsafe { std::slice::from_raw_parts(params, n) };
    recs.iter()
        // SAFETY: string values of the caller's records are NUL-terminated.
        .map(|r| unsafe { param_from_c(r, api) })
        .collect()
}

/// Fill the caller's array with up to `*nparams` parameters and store how
/// many were written.
///
/// # Safety
/// `params` holds `*nparams` records; both non-null (checked by callers).
unsafe fn params_out(params: *mut virTypedParameter, nparams: *mut c_int, list: &[TypedParam]) {
    // SAFETY: checked non-null by the caller.
    let max = usize::try_from(unsafe { *nparams }).unwrap_or(0);
    let n = list.len().min(max);
    for (i, p) in list.iter().take(n).enumerate() {
        // SAFETY: i < n <= *nparams records.
        unsafe { params.add(i).write(param_to_c(p)) };
    }
    // SAFETY: as above.
    unsafe { nparams.write(n as c_int) };
}

/// libvirt's checks of a (params, nparams) pair to be filled.
///
/// # Safety
/// `nparams` is null or readable.
unsafe fn check_params_out(
    params: *mut virTypedParameter,
    nparams: *mut c_int,
    api: &str,
) -> Result<(), Error> {
    if params.is_null() {
        return Err(null_arg(api, "params"));
    }
    if nparams.is_null() {
        return Err(null_arg(api, "nparams"));
    }
    // SAFETY: checked non-null.
    if unsafe { *nparams } <= 0 {
        return Err(bad_arg(api, "*nparams", "be greater than zero"));
    }
    Ok(())
}

/// `virDomainGetSchedulerParameters`.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetSchedulerParameters(
    dom: *mut DomainHandle,
    params: *mut virTypedParameter,
    nparams: *mut c_int,
) -> c_int {
    const API: &str = "virDomainGetSchedulerParameters";
    with_dom(API, dom, -1, |_, d| {
        // SAFETY: caller's pointers, checked.
        unsafe { check_params_out(params, nparams, API) }?;
        let list = d.scheduler_params_plain()?;
        // SAFETY: checked above; the array holds *nparams records.
        unsafe { params_out(params, nparams, &list) };
        Ok(0)
    })
}

/// `virDomainGetSchedulerParametersFlags`.
#[no_mangle]
pub unsafe extern "C" fn virDomainGetSchedulerParametersFlags(
    dom: *mut DomainHandle,
    params: *mut virTypedParameter,
    nparams: *mut c_int,
    flags: c_uint,
) -> c_int {
    const API: &str = "virDomainGetSchedulerParametersFlags";
    with_dom(API, dom, -1, |_, d| {
        // SAFETY: caller's pointers, checked.
        unsafe { check_params_out(params, nparams, API) }?;
        let list = d.scheduler_params(flags)?;
        // SAFETY: checked above.
        unsafe { params_out(params, nparams, &list) };
        Ok(0)
    })
}

/// `virDomainSetSchedulerParameters`.
#[no_mangle]
pub unsafe extern "C" fn virDomainSetSchedulerParameters(
    dom: *mut DomainHandle,
    params: *mut virTypedParameter,
    nparams: c_int,
) -> c_int {
    const API: &str = "virDomainSetSchedulerParameters";
    with_dom(API, dom, -1, |_, d| {
        // SAFETY: caller's array of nparams records.
        let list = unsafe { params_in(params, nparams, API) }?;
        d.set_scheduler_params_plain(&list).map(|_| 0)
    })
}

/// `virDomainSetSchedulerParametersFlags`.
#[no_mangle]
pub unsafe extern "C" fn virDomainSetSchedulerParametersFlags(
    dom: *mut DomainHandle,
    params: *mut virTypedParameter,
    nparams: c_int,
    flags: c_uint,
) -> c_int {
    const API: &str = "virDomainSetSchedulerParametersFlags";
    with_dom(API, dom, -1, |_, d| {
        // SAFETY: caller's array of nparams records.
        let list = unsafe { params_in(params, nparams, API) }?;
        d.set_scheduler_params(&list, flags).map(|_| 0)
    })
}

/// `virTypedParamsClear`: free the string values of `nparams` records
/// (the records themselves stay).
#[no_mangle]
pub unsafe extern "C" fn virTypedParamsClear(params: *mut virTypedParameter, nparams: c_int) {
    if params.is_null() {
        return;
    }
    for i in 0..usize::try_from(nparams).unwrap_or(0) {
        // SAFETY: the caller's array holds nparams records.
        let p = unsafe { &mut *params.add(i) };
        if p.kind == param_type::STRING {
            // SAFETY: string values this library hands out are malloc'd;
            // so are those libvirt's callers build for these calls.
            unsafe { libc::free(p.value.s.cast()) };
            p.value.s = ptr::null_mut();
        }
    }
}

/// `virTypedParamsFree`: clear, then free the malloc'd array.
#[no_mangle]
pub unsafe extern "C" fn virTypedParamsFree(params: *mut virTypedParameter, nparams: c_int) {
    // SAFETY: same contract.
    unsafe {
        virTypedParamsClear(params, nparams);
        libc::free(params.cast());
    }
}

/// A C `unsigned long` of KiB as virt-core's u64 (the conversion is not a
/// no-op where `unsigned long` is 32 bits).
#[allow(clippy::useless_conversion)]
fn kib(memory: c_ulong) -> u64 {
    u64::from(memory)
}
