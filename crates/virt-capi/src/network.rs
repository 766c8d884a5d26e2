//! The virtual network calls (`libvirt-network.h`) and the storage pool
//! calls (`libvirt-storage.h`) virt-core offers. Both kinds of handle
//! answer their common calls (references, name, UUID, XML, state) through
//! one generic body each.
//!
//! Every function follows libvirt's C contract, as in [`crate::connect`].

#![allow(clippy::missing_safety_doc)]

use crate::connect::{on_conn, on_conn_in, put};
use crate::domain::{put_uuid, put_uuid_string, uuid_arg, uuid_string_arg};
use crate::handles::{self, ChildHandle, ConnHandle, NetworkHandle, Object, PoolHandle};
use crate::records::virStoragePoolInfo;
use crate::report::guard;
use crate::strings;
use crate::strings::{status_calls, string_calls};
use libc::{c_char, c_int, c_uchar, c_uint};
use std::ptr;
use virt_core::{Error, ErrorCode, ErrorDomain, Network, StoragePool};

/// Run a call on a network or pool handle; errors from there on are its
/// connection's.
fn with_child<T: Object, R>(
    api: &'static str,
    p: *mut ChildHandle<T>,
    fail: R,
    f: impl FnOnce(&ChildHandle<T>) -> Result<R, Error>,
) -> R {
    guard(api, fail, |call| {
        // SAFETY: the exported caller passes its C argument through: null
        // or a handle of this kind from this library.
        let h = unsafe { handles::get(p, api) }?;
        call.on(h.conn.get());
        f(h).map_err(library_check_from::<T>)
    })
}

/// Argument checks and read-only refusals are the library's own, and
/// libvirt raises them under the error domain of the API's family
/// (virt-core and our argument checks say "Domain Config" for all).
fn library_check_from<T: Object>(e: Error) -> Error {
    in_family(e, T::FROM)
}

/// [`library_check_from`] for calls on a connection that belong to a
/// family (`virConnectListNetworks` is libvirt-network.c's): a bad
/// connection pointer is reported under the family's domain too.
pub(crate) fn in_family(mut e: Error, from: ErrorDomain) -> Error {
    let library = matches!(
        e.code,
        ErrorCode::InvalidArg | ErrorCode::OperationDenied | ErrorCode::InvalidConn
    );
    if library && e.domain == ErrorDomain::Domain {
        e.domain = from;
    }
    e
}

/// `vir*Ref`.
fn child_ref<T: Object>(api: &'static str, p: *mut ChildHandle<T>) -> c_int {
    with_child(api, p, -1, |h| {
        handles::add_ref(h);
        Ok(0)
    })
}

/// `vir*Free`.
fn child_free<T: Object>(api: &'static str, p: *mut ChildHandle<T>) -> c_int {
    guard(api, -1, |_| {
        // SAFETY: checks the pointer as libvirt does.
        unsafe { handles::get(p, api) }?;
        // SAFETY: valid handle; the caller gives up its reference.
        unsafe { handles::release(p) };
        Ok(0)
    })
}

/// `vir*GetConnect` (no new reference).
fn child_connect<T: Object>(api: &'static str, p: *mut ChildHandle<T>) -> *mut ConnHandle {
    with_child(api, p, ptr::null_mut(), |h| Ok(h.conn.as_ptr()))
}

/// `vir*GetName`: borrowed from the handle.
fn child_name<T: Object>(api: &'static str, p: *mut ChildHandle<T>) -> *const c_char {
    with_child(api, p, ptr::null(), |h| Ok(h.name.as_ptr()))
}

/// `vir*GetUUID` into the caller's 16 bytes.
fn child_uuid<T: Object>(api: &'static str, p: *mut ChildHandle<T>, out: *mut c_uchar) -> c_int {
    // SAFETY: the caller's 16-byte buffer, or null.
    with_child(api, p, -1, |h| unsafe { put_uuid(out, &h.obj.uuid(), api) })
}

/// `vir*GetUUIDString` into the caller's 37 bytes.
fn child_uuid_string<T: Object>(
    api: &'static str,
    p: *mut ChildHandle<T>,
    buf: *mut c_char,
) -> c_int {
    // SAFETY: the caller's 37-byte buffer, or null.
    with_child(api, p, -1, |h| unsafe {
        put_uuid_string(buf, &h.obj.uuid(), api)
    })
}

/// `vir*GetXMLDesc`, malloc'd.
fn child_xml<T: Object>(api: &'static str, p: *mut ChildHandle<T>, flags: c_uint) -> *mut c_char {
    with_child(api, p, ptr::null_mut(), |h| {
        strings::out(&h.obj.xml_desc(flags)?)
    })
}

/// A yes (1) / no (0) question (`vir*IsActive`, `vir*IsPersistent`).
fn child_yes_no<T: Object>(
    api: &'static str,
    p: *mut ChildHandle<T>,
    f: fn(&T) -> Result<bool, Error>,
) -> c_int {
    with_child(api, p, -1, |h| f(&h.obj).map(c_int::from))
}

/// `vir*GetAutostart` into the caller's int.
fn child_autostart<T: Object>(api: &'static str, p: *mut ChildHandle<T>, out: *mut c_int) -> c_int {
    with_child(api, p, -1, |h| {
        if out.is_null() {
            return Err(strings::null_arg(api, "autostart"));
        }
        let a = h.obj.autostart()?;
        // SAFETY: checked non-null caller storage.
        unsafe { put(out, c_int::from(a), api, "autostart") }?;
        Ok(0)
    })
}

/// Run a lookup or definition on a connection, handing out a new network
/// handle. libvirt parses network XML under the network error domain.
fn net_lookup(
    api: &'static str,
    conn: *mut ConnHandle,
    f: impl FnOnce(&ConnHandle) -> Result<Network, Error>,
) -> *mut NetworkHandle {
    let from = ErrorDomain::Network;
    on_conn_in(api, conn, ptr::null_mut(), from, |c| {
        let n = f(c).map_err(|mut e| {
            if e.code == ErrorCode::XmlDetail && e.domain == ErrorDomain::Domain {
                e.domain = from;
            }
            in_family(e, from)
        })?;
        Ok(handles::into_raw(NetworkHandle::new(c, n)))
    })
}

/// libvirt's words for a bad network UUID string.
fn invalid_network_uuid(api: &str) -> Error {
    let mut e = strings::bad_arg(api, "uuidstr", "be a valid UUID");
    e.domain = ErrorDomain::Network;
    e
}

string_calls! {
    /// `virNetworkLookupByName`.
    virNetworkLookupByName(conn: ConnHandle; name "name")
        -> NetworkHandle via net_lookup |c| c.conn.network_lookup_by_name(name);
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
        c.conn.network_lookup_by_uuid(&u)
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
        c.conn.network_lookup_by_uuid(&u)
    })
}

/// `virNetworkRef`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkRef(net: *mut NetworkHandle) -> c_int {
    child_ref("virNetworkRef", net)
}

/// `virNetworkFree`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkFree(net: *mut NetworkHandle) -> c_int {
    child_free("virNetworkFree", net)
}

/// `virNetworkGetConnect` (no new reference).
#[no_mangle]
pub unsafe extern "C" fn virNetworkGetConnect(net: *mut NetworkHandle) -> *mut ConnHandle {
    child_connect("virNetworkGetConnect", net)
}

/// `virNetworkGetName`: borrowed from the handle.
#[no_mangle]
pub unsafe extern "C" fn virNetworkGetName(net: *mut NetworkHandle) -> *const c_char {
    child_name("virNetworkGetName", net)
}

/// `virNetworkGetUUID`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkGetUUID(net: *mut NetworkHandle, uuid: *mut c_uchar) -> c_int {
    child_uuid("virNetworkGetUUID", net, uuid)
}

/// `virNetworkGetUUIDString`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkGetUUIDString(
    net: *mut NetworkHandle,
    buf: *mut c_char,
) -> c_int {
    child_uuid_string("virNetworkGetUUIDString", net, buf)
}

/// `virNetworkGetXMLDesc`: malloc'd.
#[no_mangle]
pub unsafe extern "C" fn virNetworkGetXMLDesc(
    net: *mut NetworkHandle,
    flags: c_uint,
) -> *mut c_char {
    child_xml("virNetworkGetXMLDesc", net, flags)
}

/// `virNetworkGetBridgeName`: malloc'd.
#[no_mangle]
pub unsafe extern "C" fn virNetworkGetBridgeName(net: *mut NetworkHandle) -> *mut c_char {
    with_child("virNetworkGetBridgeName", net, ptr::null_mut(), |h| {
        strings::out(&h.obj.bridge_name()?)
    })
}

/// `virNetworkIsActive`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkIsActive(net: *mut NetworkHandle) -> c_int {
    child_yes_no("virNetworkIsActive", net, Network::is_active)
}

/// `virNetworkIsPersistent`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkIsPersistent(net: *mut NetworkHandle) -> c_int {
    child_yes_no("virNetworkIsPersistent", net, Network::is_persistent)
}

/// `virNetworkGetAutostart`.
#[no_mangle]
pub unsafe extern "C" fn virNetworkGetAutostart(
    net: *mut NetworkHandle,
    autostart: *mut c_int,
) -> c_int {
    child_autostart("virNetworkGetAutostart", net, autostart)
}

string_calls! {
    /// `virNetworkCreateXML`: create and start a transient network.
    virNetworkCreateXML(conn: ConnHandle; xml_desc "xmlDesc")
        -> NetworkHandle via net_lookup |c| c.conn.network_create_xml(xml_desc, 0);
    /// `virNetworkDefineXML`: define a persistent network, inactive.
    virNetworkDefineXML(conn: ConnHandle; xml "xml")
        -> NetworkHandle via net_lookup |c| c.conn.network_define_xml(xml, 0);
}

status_calls! {
    network: NetworkHandle, with_child |h| &h.obj;
    /// `virNetworkCreate`: start the defined network.
    virNetworkCreate() => |n| n.create();
    /// `virNetworkDestroy`: stop the network (a transient one is gone).
    virNetworkDestroy() => |n| n.destroy();
    /// `virNetworkUndefine`: remove the persistent definition.
    virNetworkUndefine() => |n| n.undefine();
    /// `virNetworkSetAutostart`.
    virNetworkSetAutostart(autostart: c_int) => |n| n.set_autostart(autostart != 0);
}

string_calls! {
    /// `virStoragePoolLookupByName`.
    virStoragePoolLookupByName(conn: ConnHandle; name "name")
        -> PoolHandle via pool_lookup |c| c.conn.storage_pool_lookup_by_name(name);
}

/// `virStoragePoolRef`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolRef(pool: *mut PoolHandle) -> c_int {
    child_ref("virStoragePoolRef", pool)
}

/// `virStoragePoolFree`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolFree(pool: *mut PoolHandle) -> c_int {
    child_free("virStoragePoolFree", pool)
}

/// `virStoragePoolGetConnect` (no new reference).
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolGetConnect(pool: *mut PoolHandle) -> *mut ConnHandle {
    child_connect("virStoragePoolGetConnect", pool)
}

/// `virStoragePoolGetName`: borrowed from the handle.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolGetName(pool: *mut PoolHandle) -> *const c_char {
    child_name("virStoragePoolGetName", pool)
}

/// `virStoragePoolGetUUID`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolGetUUID(pool: *mut PoolHandle, uuid: *mut c_uchar) -> c_int {
    child_uuid("virStoragePoolGetUUID", pool, uuid)
}

/// `virStoragePoolGetUUIDString`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolGetUUIDString(
    pool: *mut PoolHandle,
    buf: *mut c_char,
) -> c_int {
    child_uuid_string("virStoragePoolGetUUIDString", pool, buf)
}

/// `virStoragePoolGetInfo`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolGetInfo(
    pool: *mut PoolHandle,
    info: *mut virStoragePoolInfo,
) -> c_int {
    const API: &str = "virStoragePoolGetInfo";
    with_child(API, pool, -1, |h| {
        if info.is_null() {
            return Err(strings::null_arg(API, "info"));
        }
        let i = h.obj.info()?;
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
    child_xml("virStoragePoolGetXMLDesc", pool, flags)
}

/// `virStoragePoolIsActive`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolIsActive(pool: *mut PoolHandle) -> c_int {
    child_yes_no("virStoragePoolIsActive", pool, Object::is_active)
}

/// `virStoragePoolIsPersistent`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolIsPersistent(pool: *mut PoolHandle) -> c_int {
    child_yes_no("virStoragePoolIsPersistent", pool, Object::is_persistent)
}

/// `virStoragePoolGetAutostart`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolGetAutostart(
    pool: *mut PoolHandle,
    autostart: *mut c_int,
) -> c_int {
    child_autostart("virStoragePoolGetAutostart", pool, autostart)
}

/// Run a lookup or definition on a connection, handing out a new pool
/// handle.
fn pool_lookup(
    api: &'static str,
    conn: *mut ConnHandle,
    f: impl FnOnce(&ConnHandle) -> Result<StoragePool, Error>,
) -> *mut PoolHandle {
    on_conn(api, conn, ptr::null_mut(), |c| {
        let p = f(c).map_err(library_check_from::<StoragePool>)?;
        Ok(handles::into_raw(PoolHandle::new(c, p)))
    })
}

/// `virStoragePoolLookupByUUID`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolLookupByUUID(
    conn: *mut ConnHandle,
    uuid: *const c_uchar,
) -> *mut PoolHandle {
    const API: &str = "virStoragePoolLookupByUUID";
    pool_lookup(API, conn, |c| {
        // SAFETY: caller's 16 bytes.
        let u = unsafe { uuid_arg(uuid, API) }?;
        c.conn.storage_pool_lookup_by_uuid(&u)
    })
}

/// `virStoragePoolLookupByUUIDString`.
#[no_mangle]
pub unsafe extern "C" fn virStoragePoolLookupByUUIDString(
    conn: *mut ConnHandle,
    uuidstr: *const c_char,
) -> *mut PoolHandle {
    const API: &str = "virStoragePoolLookupByUUIDString";
    pool_lookup(API, conn, |c| {
        // SAFETY: caller's string.
        let u = unsafe { uuid_string_arg(uuidstr, API, invalid_pool_uuid) }?;
        c.conn.storage_pool_lookup_by_uuid(&u)
    })
}

/// libvirt's words for a bad pool UUID string.
fn invalid_pool_uuid(api: &str) -> Error {
    let mut e = strings::bad_arg(api, "uuidstr", "be a valid UUID");
    e.domain = ErrorDomain::Storage;
    e
}

string_calls! {
    /// `virStoragePoolCreateXML`: start a transient pool.
    virStoragePoolCreateXML(conn: ConnHandle; xml "xmlDesc"; flags: c_uint)
        -> PoolHandle via pool_lookup |c| c.conn.storage_pool_create_xml(xml, flags);
    /// `virStoragePoolDefineXML`: define a persistent pool.
    virStoragePoolDefineXML(conn: ConnHandle; xml "xml"; flags: c_uint)
        -> PoolHandle via pool_lookup |c| c.conn.storage_pool_define_xml(xml, flags);
}

status_calls! {
    pool: PoolHandle, with_child |h| &h.obj;
    /// `virStoragePoolBuild`: build the underlying storage.
    virStoragePoolBuild(flags: c_uint) => |p| p.build(flags);
    /// `virStoragePoolCreate`: start the pool.
    virStoragePoolCreate(flags: c_uint) => |p| p.create(flags);
    /// `virStoragePoolDestroy`: stop the pool.
    virStoragePoolDestroy() => |p| p.destroy();
    /// `virStoragePoolDelete`: delete the underlying storage.
    virStoragePoolDelete(flags: c_uint) => |p| p.delete(flags);
    /// `virStoragePoolUndefine`: remove the persistent definition.
    virStoragePoolUndefine() => |p| p.undefine();
    /// `virStoragePoolRefresh`: look at the storage again.
    virStoragePoolRefresh(flags: c_uint) => |p| p.refresh(flags);
    /// `virStoragePoolSetAutostart`.
    virStoragePoolSetAutostart(autostart: c_int) => |p| p.set_autostart(autostart != 0);
}
