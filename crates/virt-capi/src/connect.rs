//! The library and connection calls (`libvirt-host.h`): version, open and
//! close, node information, and the listings of domains, networks and
//! storage pools.
//!
//! Every function follows libvirt's C contract: pointer arguments are null
//! or valid for what the call does with them, handles come from this
//! library, and output buffers are as large as the caller says.

#![allow(clippy::missing_safety_doc)]

use crate::handles::{self, ConnHandle, DomainHandle, NetworkHandle, PoolHandle};
use crate::network::in_family;
use crate::records::{virConnectAuth, virNodeInfo, virSecurityModel};
use crate::report::{guard, Call};
use crate::strings::{self, bad_arg, null_arg, opt_arg};
use libc::{c_char, c_int, c_uint, c_ulong, c_ulonglong};
use std::ptr;
use virt_core::{Connect, Error, ErrorCode, ErrorDomain, LIB_VERSION};

/// The connection behind `p`; errors from here on are the connection's.
///
/// # Safety
/// `p` is null or a `virConnectPtr` from this library.
pub(crate) unsafe fn conn_of<'a>(
    p: *mut ConnHandle,
    api: &'static str,
    call: &mut Call,
) -> Result<&'a ConnHandle, Error> {
    // SAFETY: forwarded from the caller.
    let c = unsafe { handles::get(p, api) }?;
    call.on(c);
    Ok(c)
}

/// The opening every call on a connection shares: errors reported under
/// `api`, the handle checked (errors from then on are the connection's),
/// then `body` run on it; C gets `fail` on error.
pub(crate) fn on_conn<T>(
    api: &'static str,
    conn: *mut ConnHandle,
    fail: T,
    body: impl FnOnce(&ConnHandle) -> Result<T, Error>,
) -> T {
    guard(api, fail, |call| {
        // SAFETY: the exported caller passes its C argument through: null
        // or a `virConnectPtr` from this library.
        let c = unsafe { conn_of(conn, api, call) }?;
        body(c)
    })
}

/// [`on_conn`] for a call libvirt reports in `from`'s family: the
/// library's refusal of a bad handle carries `from`'s error domain
/// ([`in_family`]).
pub(crate) fn on_conn_in<T>(
    api: &'static str,
    conn: *mut ConnHandle,
    fail: T,
    from: ErrorDomain,
    body: impl FnOnce(&ConnHandle) -> Result<T, Error>,
) -> T {
    guard(api, fail, |call| {
        // SAFETY: as in `on_conn`.
        let c = unsafe { conn_of(conn, api, call) }.map_err(|e| in_family(e, from))?;
        body(c)
    })
}

/// Register the drivers this library was built with, once.
pub(crate) fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(virt_drivers::register);
}

/// `virInitialize`: set the library up (also done by every open).
#[no_mangle]
pub extern "C" fn virInitialize() -> c_int {
    guard("virInitialize", -1, |_| {
        init();
        Ok(0)
    })
}

/// `virGetVersion`: the library's version, and the version of a driver
/// type (every driver is built in, so it is the library's).
#[no_mangle]
pub unsafe extern "C" fn virGetVersion(
    lib_ver: *mut c_ulong,
    _type: *const c_char,
    type_ver: *mut c_ulong,
) -> c_int {
    guard("virGetVersion", -1, |_| {
        init();
        if lib_ver.is_null() {
            return Err(null_arg("virGetVersion", "libVer"));
        }
        // SAFETY: checked non-null; the caller provides the storage.
        unsafe { *lib_ver = LIB_VERSION as c_ulong };
        if !type_ver.is_null() {
            // SAFETY: non-null caller storage.
            unsafe { *type_ver = LIB_VERSION as c_ulong };
        }
        Ok(0)
    })
}

const CONNECT_RO: c_uint = 1;
const CONNECT_NO_ALIASES: c_uint = 2;

fn open(api: &'static str, name: *const c_char, flags: c_uint) -> *mut ConnHandle {
    // SAFETY: no record: nothing to read.
    unsafe { open_with(api, name, ptr::null_mut(), flags) }
}

/// Open, asking credentials through `auth` when it is not null.
///
/// # Safety
/// `auth` is null or a valid record whose callback stays callable for
/// the length of the call (the C caller's contract).
unsafe fn open_with(
    api: &'static str,
    name: *const c_char,
    auth: *mut virConnectAuth,
    flags: c_uint,
) -> *mut ConnHandle {
    guard(api, ptr::null_mut(), |_| {
        init();
        Error::check_flags(
            ErrorDomain::None,
            flags,
            CONNECT_RO | CONNECT_NO_ALIASES,
            api,
        )?;
        // SAFETY: the caller's name is null or NUL-terminated.
        let uri = unsafe { opt_arg(name, api, "name") }?.unwrap_or("");
        let read_only = flags & CONNECT_RO != 0;
        // SAFETY: null or the caller's valid record.
        let conn = match unsafe { crate::auth::from_record(auth) } {
            Some(a) => Connect::open_auth(uri, Box::new(a), read_only),
            None if read_only => Connect::open_read_only(uri),
            None => Connect::open(uri),
        }?;
        Ok(handles::into_raw(ConnHandle::new(conn)))
    })
}

/// `virConnectOpen`: a read-write connection; a null name means the
/// default URI (`LIBVIRT_DEFAULT_URI`, else the first driver's).
#[no_mangle]
pub unsafe extern "C" fn virConnectOpen(name: *const c_char) -> *mut ConnHandle {
    open("virConnectOpen", name, 0)
}

/// `virConnectOpenReadOnly`: a connection that refuses every change.
#[no_mangle]
pub unsafe extern "C" fn virConnectOpenReadOnly(name: *const c_char) -> *mut ConnHandle {
    open("virConnectOpenReadOnly", name, CONNECT_RO)
}

/// `virConnectOpenAuth`: open with `flags` (`VIR_CONNECT_RO`); a driver
/// that needs credentials (the test driver with `<auth>` in its node
/// file) asks them through `auth`'s callback.
#[no_mangle]
pub unsafe extern "C" fn virConnectOpenAuth(
    name: *const c_char,
    auth: *mut virConnectAuth,
    flags: c_uint,
) -> *mut ConnHandle {
    // SAFETY: the caller's record, null or valid during the call.
    unsafe { open_with("virConnectOpenAuth", name, auth, flags) }
}

/// `virConnectClose`: drop one reference; 0 when the connection is gone,
/// 1 while references remain (domain, network and pool handles hold
/// one each), -1 for a bad pointer.
#[no_mangle]
pub unsafe extern "C" fn virConnectClose(conn: *mut ConnHandle) -> c_int {
    guard("virConnectClose", -1, |_| {
        // SAFETY: checks the pointer as libvirt does.
        unsafe { handles::get(conn, "virConnectClose") }?;
        // SAFETY: valid handle; the caller gives up its reference.
        let left = unsafe { handles::release(conn) };
        Ok(c_int::from(left > 0))
    })
}

/// `virConnectRef`: one more reference, dropped by `virConnectClose`.
#[no_mangle]
pub unsafe extern "C" fn virConnectRef(conn: *mut ConnHandle) -> c_int {
    on_conn("virConnectRef", conn, -1, |c| {
        handles::add_ref(c);
        Ok(0)
    })
}

/// `virConnectGetType`: the hypervisor type ("TEST", "QEMU", "Xen"),
/// borrowed from the connection.
#[no_mangle]
pub unsafe extern "C" fn virConnectGetType(conn: *mut ConnHandle) -> *const c_char {
    on_conn("virConnectGetType", conn, ptr::null(), |c| {
        Ok(c.type_name.as_ptr())
    })
}

/// Store `v` through a required output pointer.
///
/// # Safety
/// `out` is null or valid for a write of `T`.
pub(crate) unsafe fn put<T>(out: *mut T, v: T, api: &str, name: &str) -> Result<(), Error> {
    if out.is_null() {
        return Err(null_arg(api, name));
    }
    // SAFETY: non-null caller storage, per the contract.
    unsafe { out.write(v) };
    Ok(())
}

/// `virConnectGetVersion`: the hypervisor's version number.
#[no_mangle]
pub unsafe extern "C" fn virConnectGetVersion(
    conn: *mut ConnHandle,
    hv_ver: *mut c_ulong,
) -> c_int {
    const API: &str = "virConnectGetVersion";
    on_conn(API, conn, -1, |c| {
        if hv_ver.is_null() {
            return Err(null_arg(API, "hvVer"));
        }
        let v = c.conn.version()?;
        // SAFETY: caller's storage.
        unsafe { put(hv_ver, v as c_ulong, API, "hvVer") }?;
        Ok(0)
    })
}

/// `virConnectGetLibVersion`: the library version.
#[no_mangle]
pub unsafe extern "C" fn virConnectGetLibVersion(
    conn: *mut ConnHandle,
    lib_ver: *mut c_ulong,
) -> c_int {
    const API: &str = "virConnectGetLibVersion";
    on_conn(API, conn, -1, |c| {
        let v = c.conn.lib_version()?;
        // SAFETY: caller's storage.
        unsafe { put(lib_ver, v as c_ulong, API, "libVer") }?;
        Ok(0)
    })
}

/// A call on a connection returning a malloc'd string.
fn conn_string(
    api: &'static str,
    conn: *mut ConnHandle,
    f: impl FnOnce(&Connect) -> Result<String, Error>,
) -> *mut c_char {
    on_conn(api, conn, ptr::null_mut(), |c| strings::out(&f(&c.conn)?))
}

/// `virConnectGetURI`: the connection's URI (free it with `free`).
#[no_mangle]
pub unsafe extern "C" fn virConnectGetURI(conn: *mut ConnHandle) -> *mut c_char {
    conn_string("virConnectGetURI", conn, Connect::uri)
}

/// `virConnectGetHostname`: the node's host name (free it with `free`).
#[no_mangle]
pub unsafe extern "C" fn virConnectGetHostname(conn: *mut ConnHandle) -> *mut c_char {
    conn_string("virConnectGetHostname", conn, Connect::hostname)
}

/// `virConnectGetCapabilities`: the capabilities XML (free it with `free`).
#[no_mangle]
pub unsafe extern "C" fn virConnectGetCapabilities(conn: *mut ConnHandle) -> *mut c_char {
    conn_string("virConnectGetCapabilities", conn, Connect::capabilities)
}

/// `virConnectGetMaxVcpus`: the most vCPUs a guest of `type` may have.
#[no_mangle]
pub unsafe extern "C" fn virConnectGetMaxVcpus(
    conn: *mut ConnHandle,
    kind: *const c_char,
) -> c_int {
    const API: &str = "virConnectGetMaxVcpus";
    on_conn(API, conn, -1, |c| {
        // SAFETY: caller's string, null or NUL-terminated.
        let t = unsafe { opt_arg(kind, API, "type") }?;
        Ok(c.conn.max_vcpus(t)? as c_int)
    })
}

/// `virConnectIsAlive`: 1 while the connection is open (the drivers of
/// this library run in-process, so an open connection cannot be cut).
#[no_mangle]
pub unsafe extern "C" fn virConnectIsAlive(conn: *mut ConnHandle) -> c_int {
    on_conn("virConnectIsAlive", conn, -1, |_| Ok(1))
}

/// `virNodeGetInfo`: the node's CPU and memory.
#[no_mangle]
pub unsafe extern "C" fn virNodeGetInfo(conn: *mut ConnHandle, info: *mut virNodeInfo) -> c_int {
    const API: &str = "virNodeGetInfo";
    on_conn(API, conn, -1, |c| {
        if info.is_null() {
            return Err(null_arg(API, "info"));
        }
        let n = c.conn.node_info()?;
        let mut model = [0 as c_char; 32];
        strings::fill(&mut model, &n.model);
        let rec = virNodeInfo {
            model,
            memory: n.memory as c_ulong,
            cpus: n.cpus,
            mhz: n.mhz,
            nodes: n.nodes,
            sockets: n.sockets,
            cores: n.cores,
            threads: n.threads,
        };
        // SAFETY: checked non-null caller storage.
        unsafe { info.write(rec) };
        Ok(0)
    })
}

/// `virNodeGetFreeMemory`: free memory in bytes, 0 on error.
#[no_mangle]
pub unsafe extern "C" fn virNodeGetFreeMemory(conn: *mut ConnHandle) -> c_ulonglong {
    on_conn("virNodeGetFreeMemory", conn, 0, |c| {
        c.conn.node_free_memory()
    })
}

/// `virNodeGetCellsFreeMemory`: free bytes of cells `start..start+max`
/// into `free_mems`; returns how many were written.
#[no_mangle]
pub unsafe extern "C" fn virNodeGetCellsFreeMemory(
    conn: *mut ConnHandle,
    free_mems: *mut c_ulonglong,
    start_cell: c_int,
    max_cells: c_int,
) -> c_int {
    const API: &str = "virNodeGetCellsFreeMemory";
    on_conn(API, conn, -1, |c| {
        if free_mems.is_null() {
            return Err(null_arg(API, "freeMems"));
        }
        let max = u32::try_from(max_cells)
            .ok()
            .filter(|&m| m > 0)
            .ok_or_else(|| bad_arg(API, "maxCells", "be greater than zero"))?;
        let start = u32::try_from(start_cell)
            .map_err(|_| bad_arg(API, "startCell", "be zero or greater"))?;
        let cells = c.conn.node_cells_free_memory(start, max)?;
        let n = cells.len().min(max as usize);
        for (i, v) in cells.iter().take(n).enumerate() {
            // SAFETY: the caller's array holds max_cells entries; i < n <= max.
            unsafe { free_mems.add(i).write(*v) };
        }
        Ok(n as c_int)
    })
}

/// `virNodeGetSecurityModel`: the node's security model.
#[no_mangle]
pub unsafe extern "C" fn virNodeGetSecurityModel(
    conn: *mut ConnHandle,
    secmodel: *mut virSecurityModel,
) -> c_int {
    const API: &str = "virNodeGetSecurityModel";
    on_conn(API, conn, -1, |c| {
        if secmodel.is_null() {
            return Err(null_arg(API, "secmodel"));
        }
        let m = c.conn.node_security_model()?;
        // SAFETY: checked non-null caller storage for one record.
        let out = unsafe { &mut *secmodel };
        strings::fill(&mut out.model, &m.model);
        strings::fill(&mut out.doi, &m.doi);
        Ok(0)
    })
}

/// `virNodeGetCPUMap`: the number of host CPUs; the online map (malloc'd)
/// and count when asked for.
#[no_mangle]
pub unsafe extern "C" fn virNodeGetCPUMap(
    conn: *mut ConnHandle,
    cpumap: *mut *mut u8,
    online: *mut c_uint,
    flags: c_uint,
) -> c_int {
    const API: &str = "virNodeGetCPUMap";
    on_conn(API, conn, -1, |c| {
        Error::check_flags(ErrorDomain::Domain, flags, 0, API)?;
        let (n, map) = c.conn.node_cpu_map()?;
        if !cpumap.is_null() {
            let bytes = map.as_bytes();
            let len = (n as usize).div_ceil(8).max(bytes.len()).max(1);
            // SAFETY: calloc of `len` bytes, checked below.
            let p = unsafe { libc::calloc(len, 1) }.cast::<u8>();
            if p.is_null() {
                return Err(Error::new(ErrorCode::NoMemory, ErrorDomain::None, None));
            }
            // SAFETY: p holds len >= bytes.len() bytes.
            unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
            // SAFETY: caller's storage for one pointer.
            unsafe { cpumap.write(p) };
        }
        if !online.is_null() {
            // SAFETY: caller's storage for one count.
            unsafe { online.write(map.cpus().count() as c_uint) };
        }
        Ok(n as c_int)
    })
}

/// Check a caller's (array, length) pair as libvirt's list calls do.
pub(crate) fn check_array<T>(
    api: &str,
    arr: *const T,
    name: &str,
    max: c_int,
    max_name: &str,
) -> Result<usize, Error> {
    let n = usize::try_from(max).map_err(|_| bad_arg(api, max_name, "be zero or greater"))?;
    if arr.is_null() && n > 0 {
        return Err(null_arg(api, name));
    }
    Ok(n)
}

/// Write up to `max` names as malloc'd strings into `names`; on failure
/// free what was written.
///
/// # Safety
/// `names` holds `max` pointers when `max > 0`.
pub(crate) unsafe fn put_names(
    names: *mut *mut c_char,
    max: usize,
    list: &[String],
) -> Result<c_int, Error> {
    let n = list.len().min(max);
    for (i, s) in list.iter().take(n).enumerate() {
        let p = strings::dup(s);
        if p.is_null() {
            for j in 0..i {
                // SAFETY: entries 0..i were malloc'd just above.
                unsafe { libc::free((*names.add(j)).cast()) };
            }
            return Err(Error::new(ErrorCode::NoMemory, ErrorDomain::None, None));
        }
        // SAFETY: i < n <= max entries of the caller's array.
        unsafe { names.add(i).write(p) };
    }
    Ok(n as c_int)
}

/// `virConnectNumOfDomains`: how many domains run.
#[no_mangle]
pub unsafe extern "C" fn virConnectNumOfDomains(conn: *mut ConnHandle) -> c_int {
    number_of(
        "virConnectNumOfDomains",
        conn,
        Connect::num_of_domains,
        ErrorDomain::Domain,
    )
}

/// `virConnectListDomains`: the ids of running domains, up to `maxids`.
#[no_mangle]
pub unsafe extern "C" fn virConnectListDomains(
    conn: *mut ConnHandle,
    ids: *mut c_int,
    maxids: c_int,
) -> c_int {
    const API: &str = "virConnectListDomains";
    on_conn(API, conn, -1, |c| {
        let max = check_array(API, ids, "ids", maxids, "maxids")?;
        let list = c.conn.list_domains()?;
        let n = list.len().min(max);
        for (i, id) in list.iter().take(n).enumerate() {
            // SAFETY: i < n <= maxids entries of the caller's array.
            unsafe { ids.add(i).write(*id as c_int) };
        }
        Ok(n as c_int)
    })
}

/// `virConnectNumOfDefinedDomains`: how many defined domains are off.
#[no_mangle]
pub unsafe extern "C" fn virConnectNumOfDefinedDomains(conn: *mut ConnHandle) -> c_int {
    number_of(
        "virConnectNumOfDefinedDomains",
        conn,
        Connect::num_of_defined_domains,
        ErrorDomain::Domain,
    )
}

/// `virConnectListDefinedDomains`: names of defined domains that are off,
/// each malloc'd.
#[no_mangle]
pub unsafe extern "C" fn virConnectListDefinedDomains(
    conn: *mut ConnHandle,
    names: *mut *mut c_char,
    maxnames: c_int,
) -> c_int {
    names_of(
        "virConnectListDefinedDomains",
        conn,
        names,
        maxnames,
        |c, _| c.conn.list_defined_domains(),
        0,
        ErrorDomain::Domain,
    )
}

/// Hand a list of new handles to C as libvirt does: a malloc'd array with a
/// NULL after the last, or just the count when `out` is null.
///
/// # Safety
/// `out` is null or valid for writing one pointer.
pub(crate) unsafe fn put_handles<T>(
    out: *mut *mut *mut T,
    list: Vec<*mut T>,
) -> Result<c_int, Error>
where
    T: handles::Handle,
{
    let n = list.len();
    if out.is_null() {
        for h in list {
            // SAFETY: each was just made with one reference we own.
            unsafe { handles::release(h) };
        }
        return Ok(n as c_int);
    }
    // SAFETY: calloc of n + 1 pointers, checked below.
    let arr = unsafe { libc::calloc(n + 1, std::mem::size_of::<*mut T>()) }.cast::<*mut T>();
    if arr.is_null() {
        for h in list {
            // SAFETY: as above.
            unsafe { handles::release(h) };
        }
        return Err(Error::new(ErrorCode::NoMemory, ErrorDomain::None, None));
    }
    for (i, h) in list.into_iter().enumerate() {
        // SAFETY: i < n, within the n + 1 slots.
        unsafe { arr.add(i).write(h) };
    }
    // SAFETY: caller's storage for one pointer.
    unsafe { out.write(arr) };
    Ok(n as c_int)
}

/// The body of every `virConnectListAll*`: the caller's array pointer
/// cleared first (as libvirt does), then each object `list` gives as a
/// new handle made by `wrap`, in a malloc'd, NULL-terminated array.
///
/// # Safety
/// `conn` is the caller's connection pointer and `out` null or the
/// caller's storage for one pointer, as the public function takes them.
unsafe fn list_all<T, H: handles::Handle>(
    conn: *mut ConnHandle,
    out: *mut *mut *mut H,
    api: &'static str,
    list: impl FnOnce(&Connect) -> Result<Vec<T>, Error>,
    wrap: impl Fn(&ConnHandle, T) -> H,
) -> c_int {
    on_conn(api, conn, -1, |c| {
        if !out.is_null() {
            // SAFETY: caller's storage; libvirt clears it before listing.
            unsafe { out.write(ptr::null_mut()) };
        }
        let handles = list(&c.conn)?
            .into_iter()
            .map(|x| handles::into_raw(wrap(c, x)))
            .collect();
        // SAFETY: caller's storage, null or one pointer.
        unsafe { put_handles(out, handles) }
    })
}

/// `virConnectListAllDomains`: every domain passing `flags`
/// (`VIR_CONNECT_LIST_DOMAINS_*`), as new handles in a malloc'd,
/// NULL-terminated array.
#[no_mangle]
pub unsafe extern "C" fn virConnectListAllDomains(
    conn: *mut ConnHandle,
    domains: *mut *mut *mut DomainHandle,
    flags: c_uint,
) -> c_int {
    // SAFETY: the caller's handle and storage, forwarded.
    unsafe {
        list_all(
            conn,
            domains,
            "virConnectListAllDomains",
            |c| c.list_all_domains(flags),
            DomainHandle::new,
        )
    }
}

/// `VIR_CONNECT_LIST_NETWORKS_INACTIVE` / `_ACTIVE`, and the same bits of
/// storage pool listing.
const LIST_INACTIVE: u32 = 1;
const LIST_ACTIVE: u32 = 2;

/// `virConnectListAllNetworks`: every network passing `flags`, as new
/// handles in a malloc'd, NULL-terminated array.
#[no_mangle]
pub unsafe extern "C" fn virConnectListAllNetworks(
    conn: *mut ConnHandle,
    nets: *mut *mut *mut NetworkHandle,
    flags: c_uint,
) -> c_int {
    // SAFETY: the caller's handle and storage, forwarded.
    unsafe {
        list_all(
            conn,
            nets,
            "virConnectListAllNetworks",
            |c| c.list_all_networks(flags),
            NetworkHandle::new,
        )
    }
}

/// A `virConnectNumOf*` call answered by the driver's own count.
fn number_of(
    api: &'static str,
    conn: *mut ConnHandle,
    count: fn(&Connect) -> Result<u32, Error>,
    from: ErrorDomain,
) -> c_int {
    on_conn_in(api, conn, -1, from, |c| {
        Ok(c_int::try_from(count(&c.conn)?).unwrap_or(c_int::MAX))
    })
}

fn pool_names(c: &ConnHandle, flags: u32) -> Result<Vec<String>, Error> {
    Ok(c.conn
        .list_all_storage_pools(flags)?
        .iter()
        .map(|p| p.name().to_string())
        .collect())
}

/// A `virConnectNumOf*` call counting the names `list` gives.
fn count_of(
    api: &'static str,
    conn: *mut ConnHandle,
    list: fn(&ConnHandle, u32) -> Result<Vec<String>, Error>,
    flags: u32,
    from: ErrorDomain,
) -> c_int {
    on_conn_in(api, conn, -1, from, |c| Ok(list(c, flags)?.len() as c_int))
}

/// A `virConnectList*` call writing the names `list` gives.
fn names_of(
    api: &'static str,
    conn: *mut ConnHandle,
    names: *mut *mut c_char,
    maxnames: c_int,
    list: fn(&ConnHandle, u32) -> Result<Vec<String>, Error>,
    flags: u32,
    from: ErrorDomain,
) -> c_int {
    on_conn_in(api, conn, -1, from, |c| {
        let max = check_array(api, names, "names", maxnames, "maxnames")
            .map_err(|e| in_family(e, from))?;
        let l = list(c, flags)?;
        // SAFETY: the caller's array holds `max` pointers.
        unsafe { put_names(names, max, &l) }
    })
}

/// `virConnectNumOfNetworks`: how many networks are active.
#[no_mangle]
pub unsafe extern "C" fn virConnectNumOfNetworks(conn: *mut ConnHandle) -> c_int {
    number_of(
        "virConnectNumOfNetworks",
        conn,
        Connect::num_of_networks,
        ErrorDomain::Network,
    )
}

/// `virConnectNumOfDefinedNetworks`: how many networks are inactive.
#[no_mangle]
pub unsafe extern "C" fn virConnectNumOfDefinedNetworks(conn: *mut ConnHandle) -> c_int {
    number_of(
        "virConnectNumOfDefinedNetworks",
        conn,
        Connect::num_of_defined_networks,
        ErrorDomain::Network,
    )
}

/// `virConnectListNetworks`: names of active networks, each malloc'd.
#[no_mangle]
pub unsafe extern "C" fn virConnectListNetworks(
    conn: *mut ConnHandle,
    names: *mut *mut c_char,
    maxnames: c_int,
) -> c_int {
    names_of(
        "virConnectListNetworks",
        conn,
        names,
        maxnames,
        |c, _| c.conn.list_networks(),
        0,
        ErrorDomain::Network,
    )
}

/// `virConnectListDefinedNetworks`: names of inactive networks.
#[no_mangle]
pub unsafe extern "C" fn virConnectListDefinedNetworks(
    conn: *mut ConnHandle,
    names: *mut *mut c_char,
    maxnames: c_int,
) -> c_int {
    names_of(
        "virConnectListDefinedNetworks",
        conn,
        names,
        maxnames,
        |c, _| c.conn.list_defined_networks(),
        0,
        ErrorDomain::Network,
    )
}

/// `virConnectListAllStoragePools`: every pool passing `flags`, as new
/// handles in a malloc'd, NULL-terminated array.
#[no_mangle]
pub unsafe extern "C" fn virConnectListAllStoragePools(
    conn: *mut ConnHandle,
    pools: *mut *mut *mut PoolHandle,
    flags: c_uint,
) -> c_int {
    // SAFETY: the caller's handle and storage, forwarded.
    unsafe {
        list_all(
            conn,
            pools,
            "virConnectListAllStoragePools",
            |c| c.list_all_storage_pools(flags),
            PoolHandle::new,
        )
    }
}

/// `virConnectNumOfStoragePools`: how many pools are active.
#[no_mangle]
pub unsafe extern "C" fn virConnectNumOfStoragePools(conn: *mut ConnHandle) -> c_int {
    count_of(
        "virConnectNumOfStoragePools",
        conn,
        pool_names,
        LIST_ACTIVE,
        ErrorDomain::Storage,
    )
}

/// `virConnectNumOfDefinedStoragePools`: how many pools are inactive.
#[no_mangle]
pub unsafe extern "C" fn virConnectNumOfDefinedStoragePools(conn: *mut ConnHandle) -> c_int {
    count_of(
        "virConnectNumOfDefinedStoragePools",
        conn,
        pool_names,
        LIST_INACTIVE,
        ErrorDomain::Storage,
    )
}

/// `virConnectListStoragePools`: names of active pools, each malloc'd.
#[no_mangle]
pub unsafe extern "C" fn virConnectListStoragePools(
    conn: *mut ConnHandle,
    names: *mut *mut c_char,
    maxnames: c_int,
) -> c_int {
    names_of(
        "virConnectListStoragePools",
        conn,
        names,
        maxnames,
        pool_names,
        LIST_ACTIVE,
        ErrorDomain::Storage,
    )
}

/// `virConnectListDefinedStoragePools`: names of inactive pools.
#[no_mangle]
pub unsafe extern "C" fn virConnectListDefinedStoragePools(
    conn: *mut ConnHandle,
    names: *mut *mut c_char,
    maxnames: c_int,
) -> c_int {
    names_of(
        "virConnectListDefinedStoragePools",
        conn,
        names,
        maxnames,
        pool_names,
        LIST_INACTIVE,
        ErrorDomain::Storage,
    )
}
