//! The virtual network calls (`libvirt-network.h`) and the storage pool
//! calls (`libvirt-storage.h`) virt-core offers.
//!
//! Every function follows libvirt's C contract, as in [`crate::connect`].

#![allow(clippy::missing_safety_doc)]

use crate::connect::{conn_of, put};
use crate::domain::{put_uuid, put_uuid_string, uuid_arg, uuid_string_arg};
use crate::handles::{self, ConnHandle, Handle, NetworkHandle, PoolHandle};
use crate::records::virStoragePoolInfo;
use crate::report::{guard, Call};
use crate::strings::{self, arg};
use libc::{c_char, c_int, c_uchar, c_uint};
use std::ptr;
use virt_core::{Error, ErrorCode, ErrorDomain, Network, StoragePool, Uuid};

/// The handle behind `p`; errors from here on are its connection's.
///
/// # Safety
/// `p` is null or a handle of kind `T` from this library.
unsafe fn child_of<'a, T: Handle + Child>(
    p: *mut T,
    api: &'static str,
    call: &mut Call,
) -> Result<&'a T, Error> {
    // SAFETY: forwarded from the caller.
    let h = unsafe { handles::get(p, api) }?;
    call.on(h.conn());
    Ok(h)
}

/// A handle that belongs to a connection.
trait Child {
    fn conn(&self) -> &ConnHandle;
}

impl Child for NetworkHandle {
    fn conn(&self) -> &ConnHandle {
        self.conn.get()
    }
}

impl Child for PoolHandle {
    fn conn(&self) -> &ConnHandle {
        self.conn.get()
    }
}

/// Run a call on a network handle.
fn with_net<T>(
    api: &'static str,
    p: *mut NetworkHandle,
    fail: T,
    f: impl FnOnce(&NetworkHandle) -> Result<T, Error>,
) -> T {
    guard(api, fail, |call| {
        // SAFETY: the exported caller passes its C argument through.
        f(unsafe { child_of(p, api, call) }?)
    })
}

/// Run a call on a pool handle.
fn with_pool<T>(
    api: &'static str,
    p: *mut PoolHandle,
    fail: T,
    f: impl FnOnce(&PoolHandle) -> Result<T, Error>,
) -> T {
    guard(api, fail, |call| {
        // SAFETY: the exported caller passes its C argument through.
        f(unsafe { child_of(p, api, call) }?)
    })
}

/// Run a lookup on a connection, handing out a new network handle.
fn net_lookup(
    api: &'static str,
    conn: *mut ConnHandle,
    f: impl FnOnce(&ConnHandle) -> Result<Network, Error>,
) -> *mut NetworkHandle {
    guard(api, ptr::null_mut(), |call| {
        // SAFETY: the exported caller passes its C argument through.
        let c = unsafe { conn_of(conn, api, call) }?;
        let n = f(c)?;
        Ok(handles::into_raw(NetworkHandle::new(c, n)))
    })
}

/// The network with `uuid`, found in the full listing (virt-core looks
/// networks up by name only).
fn network_by_uuid(c: &ConnHandle, uuid: &Uuid) -> Result<Network, Error> {
    c.conn
        .list_all_networks(0)?
        .into_iter()
        .find(|n| n.uuid() == *uuid)
        .ok_or_else(|| {
            Error::with(
                ErrorCode::NoNetwork,
                ErrorDomain::Network,
                format!("no network with matching uuid '{uuid}'"),
            )
        })
}

/// libvirt's words for a bad network UUID string.
fn invalid_network_uuid(api: &str) -> Error {
    let mut e = strings::bad_arg(api, "uuidstr", "be a valid UUID");
    e.domain = ErrorDomain::Network;
    e
}

/// `virNetworkLookupByName`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkLookupByName(
    conn: *mut ConnHandle,
    name: *const c_char,
) -> *mut NetworkHandle {
    const API: &str = "virNetworkLookupByName";
    net_lookup(API, conn, |c| {
        // SAFETY: caller's string.
        let n = unsafe { arg(name, API, "name") }?;
        c.conn.network_lookup_by_name(n)
    })
}

/// `virNetworkLookupByUUID`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkLookupByUUID(
    conn: *mut ConnHandle,
    uuid: *const c_uchar,
) -> *mut NetworkHandle {
    const API: &str = "virNetworkLookupByUUID";
    net_lookup(API, conn, |c| {
        // SAFETY: caller's 16 bytes.
        let u = unsafe { uuid_arg(uuid, API) }?;
        network_by_uuid(c, &u)
    })
}

/// `virNetworkLookupByUUIDString`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkLookupByUUIDString(
    conn: *mut ConnHandle,
    uuidstr: *const c_char,
) -> *mut NetworkHandle {
    const API: &str = "virNetworkLookupByUUIDString";
    net_lookup(API, conn, |c| {
        // SAFETY: caller's string.
        let u = unsafe { uuid_string_arg(uuidstr, API, invalid_network_uuid) }?;
        network_by_uuid(c, &u)
    })
}

/// `virNetworkRef`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkRef(net: *mut NetworkHandle) -> c_int {
    with_net("virNetworkRef", net, -1, |h| {
        handles::add_ref(h);
        Ok(0)
    })
}

/// `virNetworkFree`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkFree(net: *mut NetworkHandle) -> c_int {
    guard("virNetworkFree", -1, |_| {
        // SAFETY: checks the pointer as libvirt does.
        unsafe { handles::get(net, "virNetworkFree") }?;
        // SAFETY: valid handle; the caller gives up its reference.
        unsafe { handles::release(net) };
        Ok(0)
    })
}

/// `virNetworkGetConnect` (no new reference).
#[no_mangle]
pub unsafe extern "C" fn virNetworkGetConnect(net: *mut NetworkHandle) -> *mut ConnHandle {
    with_net("virNetworkGetConnect", net, ptr::null_mut(), |h| {
        Ok(h.conn.as_ptr())
    })
}

/// `virNetworkGetName`: borrowed from the handle.
#[no_mangle]
pub unsafe extern "C" fn virNetworkGetName(net: *mut NetworkHandle) -> *const c_char {
    with_net("virNetworkGetName", net, ptr::null(), |h| {
        Ok(h.name.as_ptr())
    })
}

/// `virNetworkGetUUID`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkGetUUID(net: *mut NetworkHandle, uuid: *mut c_uchar) -> c_int {
    const API: &str = "virNetworkGetUUID";
    // SAFETY: caller's 16-byte buffer, or null.
    with_net(API, net, -1, |h| unsafe {
        put_uuid(uuid, &h.net.uuid(), API)
    })
}

/// `virNetworkGetUUIDString`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkGetUUIDString(
    net: *mut NetworkHandle,
    buf: *mut c_char,
) -> c_int {
    const API: &str = "virNetworkGetUUIDString";
    // SAFETY: caller's 37-byte buffer, or null.
    with_net(API, net, -1, |h| unsafe {
        put_uuid_string(buf, &h.net.uuid(), API)
    })
}

/// `virNetworkGetXMLDesc`: malloc'd.
#[no_mangle]
pub unsafe extern "C" fn virNetworkGetXMLDesc(
    net: *mut NetworkHandle,
    flags: c_uint,
) -> *mut c_char {
    with_net("virNetworkGetXMLDesc", net, ptr::null_mut(), |h| {
        strings::out(&h.net.xml_desc(flags)?)
    })
}

/// `virNetworkGetBridgeName`: malloc'd.
#[no_mangle]
pub unsafe extern "C" fn virNetworkGetBridgeName(net: *mut NetworkHandle) -> *mut c_char {
    with_net("virNetworkGetBridgeName", net, ptr::null_mut(), |h| {
        strings::out(&h.net.bridge_name()?)
    })
}

/// `virNetworkIsActive`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkIsActive(net: *mut NetworkHandle) -> c_int {
    with_net("virNetworkIsActive", net, -1, |h| {
        h.net.is_active().map(c_int::from)
    })
}

/// `virNetworkIsPersistent`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkIsPersistent(net: *mut NetworkHandle) -> c_int {
    with_net("virNetworkIsPersistent", net, -1, |h| {
        h.net.is_persistent().map(c_int::from)
    })
}

/// `virNetworkGetAutostart`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkGetAutostart(
    net: *mut NetworkHandle,
    autostart: *mut c_int,
) -> c_int {
    const API: &str = "virNetworkGetAutostart";
    with_net(API, net, -1, |h| {
        if autostart.is_null() {
            return Err(strings::null_arg(API, "autostart"));
        }
        let a = h.net.autostart()?;
        // SAFETY: checked non-null caller storage.
        unsafe { put(autostart, c_int::from(a), API, "autostart") }?;
        Ok(0)
    })
}

/// `virStoragePoolLookupByName`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolLookupByName(
    conn: *mut ConnHandle,
    name: *const c_char,
) -> *mut PoolHandle {
    const API: &str = "virStoragePoolLookupByName";
    guard(API, ptr::null_mut(), |call| {
        // SAFETY: caller's handle, checked.
        let c = unsafe { conn_of(conn, API, call) }?;
        // SAFETY: caller's string.
        let n = unsafe { arg(name, API, "name") }?;
        let p = c.conn.storage_pool_lookup_by_name(n)?;
        Ok(handles::into_raw(PoolHandle::new(c, p)))
    })
}

/// `virStoragePoolRef`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolRef(pool: *mut PoolHandle) -> c_int {
    with_pool("virStoragePoolRef", pool, -1, |h| {
        handles::add_ref(h);
        Ok(0)
    })
}

/// `virStoragePoolFree`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolFree(pool: *mut PoolHandle) -> c_int {
    guard("virStoragePoolFree", -1, |_| {
        // SAFETY: checks the pointer as libvirt does.
        unsafe { handles::get(pool, "virStoragePoolFree") }?;
        // SAFETY: valid handle; the caller gives up its reference.
        unsafe { handles::release(pool) };
        Ok(0)
    })
}

/// `virStoragePoolGetConnect` (no new reference).
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolGetConnect(pool: *mut PoolHandle) -> *mut ConnHandle {
    with_pool("virStoragePoolGetConnect", pool, ptr::null_mut(), |h| {
        Ok(h.conn.as_ptr())
    })
}

/// `virStoragePoolGetName`: borrowed from the handle.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolGetName(pool: *mut PoolHandle) -> *const c_char {
    with_pool("virStoragePoolGetName", pool, ptr::null(), |h| {
        Ok(h.name.as_ptr())
    })
}

/// `virStoragePoolGetUUID`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolGetUUID(pool: *mut PoolHandle, uuid: *mut c_uchar) -> c_int {
    const API: &str = "virStoragePoolGetUUID";
    // SAFETY: caller's 16-byte buffer, or null.
    with_pool(API, pool, -1, |h| unsafe {
        put_uuid(uuid, &h.pool.uuid(), API)
    })
}

/// `virStoragePoolGetUUIDString`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolGetUUIDString(
    pool: *mut PoolHandle,
    buf: *mut c_char,
) -> c_int {
    const API: &str = "virStoragePoolGetUUIDString";
    // SAFETY: caller's 37-byte buffer, or null.
    with_pool(API, pool, -1, |h| unsafe {
        put_uuid_string(buf, &h.pool.uuid(), API)
    })
}

/// `virStoragePoolGetInfo`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolGetInfo(
    pool: *mut PoolHandle,
    info: *mut virStoragePoolInfo,
) -> c_int {
    const API: &str = "virStoragePoolGetInfo";
    with_pool(API, pool, -1, |h| {
        if info.is_null() {
            return Err(strings::null_arg(API, "info"));
        }
        let i = h.pool.info()?;
        let rec = virStoragePoolInfo {
            state: i.state as c_int,
            capacity: i.capacity,
            allocation: i.allocation,
            available: i.available,
        };
        // SAFETY: checked non-null caller storage.
        unsafe { info.write(rec) };
        Ok(0)
    })
}

/// `virStoragePoolGetXMLDesc`: malloc'd.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolGetXMLDesc(
    pool: *mut PoolHandle,
    flags: c_uint,
) -> *mut c_char {
    with_pool("virStoragePoolGetXMLDesc", pool, ptr::null_mut(), |h| {
        strings::out(&h.pool.xml_desc(flags)?)
    })
}

/// `virStoragePoolIsActive`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolIsActive(pool: *mut PoolHandle) -> c_int {
    with_pool("virStoragePoolIsActive", pool, -1, |h| {
        h.pool.is_active().map(c_int::from)
    })
}

/// `virStoragePoolIsPersistent`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolIsPersistent(pool: *mut PoolHandle) -> c_int {
    with_pool("virStoragePoolIsPersistent", pool, -1, |h| {
        h.pool.is_persistent().map(c_int::from)
    })
}

/// `virStoragePoolGetAutostart`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolGetAutostart(
    pool: *mut PoolHandle,
    autostart: *mut c_int,
) -> c_int {
    const API: &str = "virStoragePoolGetAutostart";
    with_pool(API, pool, -1, |h| {
        if autostart.is_null() {
            return Err(strings::null_arg(API, "autostart"));
        }
        let a = StoragePool::autostart(&h.pool)?;
        // SAFETY: checked non-null caller storage.
        unsafe { put(autostart, c_int::from(a), API, "autostart") }?;
        Ok(0)
    })
}
