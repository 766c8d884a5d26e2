//! The storage volume calls (`libvirt-storage.h`): lookups, creation,
//! deletion, wiping, resizing, what a volume is, and its upload and
//! download through a stream ([`crate::stream`]).
//!
//! Every function follows libvirt's C contract, as in [`crate::connect`].

#![allow(clippy::missing_safety_doc)]

use crate::connect::put;
use crate::handles::{self, ConnHandle, PoolHandle, StreamHandle, VolHandle};
use crate::network::in_family;
use crate::records::virStorageVolInfo;
use crate::report::guard;
use crate::strings::{self, arg};
use crate::strings::{status_calls, string_calls};
use libc::{c_char, c_int, c_uint, c_ulonglong};
use std::ptr;
use virt_core::{Error, ErrorDomain, StorageVol};

/// Library checks of these calls are libvirt-storage.c's.
fn storage(e: Error) -> Error {
    in_family(e, ErrorDomain::Storage)
}

/// Run a call on a volume handle; errors are its connection's.
fn with_vol<R>(
    api: &'static str,
    p: *mut VolHandle,
    fail: R,
    f: impl FnOnce(&VolHandle) -> Result<R, Error>,
) -> R {
    guard(api, fail, |call| {
        // SAFETY: the exported caller passes its C argument through: null
        // or a volume handle from this library.
        let h = unsafe { handles::get(p, api) }?;
        call.on(h.conn.get());
        f(h).map_err(storage)
    })
}

/// Hand out a new volume handle for what `f` finds on `conn`.
fn vol_from(conn: &ConnHandle, v: Result<StorageVol, Error>) -> Result<*mut VolHandle, Error> {
    Ok(handles::into_raw(VolHandle::new(conn, v.map_err(storage)?)))
}

/// A lookup or creation on a pool handle, handing out a new volume handle.
fn on_pool(
    api: &'static str,
    pool: *mut PoolHandle,
    f: impl FnOnce(&PoolHandle) -> Result<StorageVol, Error>,
) -> *mut VolHandle {
    guard(api, ptr::null_mut(), |call| {
        // SAFETY: the exported caller passes its C argument through.
        let p = unsafe { handles::get(pool, api) }?;
        let c = p.conn.get();
        call.on(c);
        vol_from(c, f(p))
    })
}

/// A lookup on a connection, handing out a new volume handle.
fn on_conn(
    api: &'static str,
    conn: *mut ConnHandle,
    f: impl FnOnce(&ConnHandle) -> Result<StorageVol, Error>,
) -> *mut VolHandle {
    crate::connect::on_conn(api, conn, ptr::null_mut(), |c| vol_from(c, f(c)))
}

string_calls! {
    /// `virStorageVolLookupByName`.
    virStorageVolLookupByName(pool: PoolHandle; name "name")
        -> VolHandle via on_pool |p| p.obj.storage_vol_lookup_by_name(name);
    /// `virStorageVolLookupByKey`.
    virStorageVolLookupByKey(conn: ConnHandle; key "key")
        -> VolHandle via on_conn |c| c.conn.storage_vol_lookup_by_key(key);
    /// `virStorageVolLookupByPath`.
    virStorageVolLookupByPath(conn: ConnHandle; path "path")
        -> VolHandle via on_conn |c| c.conn.storage_vol_lookup_by_path(path);
    /// `virStorageVolCreateXML`.
    virStorageVolCreateXML(pool: PoolHandle; xml "xmlDesc"; flags: c_uint)
        -> VolHandle via on_pool |p| p.obj.storage_vol_create_xml(xml, flags);
}

/// `virStorageVolCreateXMLFrom`: a new volume holding a copy of `clone`.
#[no_mangle]
pub unsafe extern "C" fn virStorageVolCreateXMLFrom(
    pool: *mut PoolHandle,
    xml: *const c_char,
    clone: *mut VolHandle,
    flags: c_uint,
) -> *mut VolHandle {
    const API: &str = "virStorageVolCreateXMLFrom";
    on_pool(API, pool, |p| {
        // SAFETY: caller's string and handle.
        let x = unsafe { arg(xml, API, "xmlDesc") }?;
        // SAFETY: as above.
        let from = unsafe { handles::get(clone, API) }?;
        p.obj.storage_vol_create_xml_from(x, &from.vol, flags)
    })
}

/// `virStorageVolRef`.
#[no_mangle]
pub unsafe extern "C" fn virStorageVolRef(vol: *mut VolHandle) -> c_int {
    with_vol("virStorageVolRef", vol, -1, |h| {
        handles::add_ref(h);
        Ok(0)
    })
}

/// `virStorageVolFree`: drop a reference.
#[no_mangle]
pub unsafe extern "C" fn virStorageVolFree(vol: *mut VolHandle) -> c_int {
    with_vol("virStorageVolFree", vol, -1, |_| {
        // SAFETY: `with_vol` found a live handle; the caller gives up
        // the reference it owns.
        unsafe { handles::release(vol) };
        Ok(0)
    })
}

/// `virStorageVolGetConnect` (no new reference).
#[no_mangle]
pub unsafe extern "C" fn virStorageVolGetConnect(vol: *mut VolHandle) -> *mut ConnHandle {
    with_vol("virStorageVolGetConnect", vol, ptr::null_mut(), |h| {
        Ok(h.conn.as_ptr())
    })
}

/// `virStorageVolGetName`: borrowed from the handle.
#[no_mangle]
pub unsafe extern "C" fn virStorageVolGetName(vol: *mut VolHandle) -> *const c_char {
    with_vol("virStorageVolGetName", vol, ptr::null(), |h| {
        Ok(h.name.as_ptr())
    })
}

/// `virStorageVolGetKey`: borrowed from the handle.
#[no_mangle]
pub unsafe extern "C" fn virStorageVolGetKey(vol: *mut VolHandle) -> *const c_char {
    with_vol("virStorageVolGetKey", vol, ptr::null(), |h| {
        Ok(h.key.as_ptr())
    })
}

/// `virStorageVolGetInfo`.
#[no_mangle]
pub unsafe extern "C" fn virStorageVolGetInfo(
    vol: *mut VolHandle,
    info: *mut virStorageVolInfo,
) -> c_int {
    const API: &str = "virStorageVolGetInfo";
    with_vol(API, vol, -1, |h| {
        if info.is_null() {
            return Err(strings::null_arg(API, "info"));
        }
        let i = h.vol.info()?;
        let rec = virStorageVolInfo {
            kind: i.kind as c_int,
            capacity: i.capacity,
            allocation: i.allocation,
        };
        // SAFETY: non-null caller storage, per the contract.
        unsafe { put(info, rec, API, "info") }?;
        Ok(0)
    })
}

/// `virStorageVolGetXMLDesc`: malloc'd.
#[no_mangle]
pub unsafe extern "C" fn virStorageVolGetXMLDesc(
    vol: *mut VolHandle,
    flags: c_uint,
) -> *mut c_char {
    with_vol("virStorageVolGetXMLDesc", vol, ptr::null_mut(), |h| {
        strings::out(&h.vol.xml_desc(flags)?)
    })
}

/// `virStorageVolGetPath`: malloc'd.
#[no_mangle]
pub unsafe extern "C" fn virStorageVolGetPath(vol: *mut VolHandle) -> *mut c_char {
    with_vol("virStorageVolGetPath", vol, ptr::null_mut(), |h| {
        strings::out(&h.vol.path()?)
    })
}

status_calls! {
    vol: VolHandle, with_vol |h| &h.vol;
    /// `virStorageVolDelete`.
    virStorageVolDelete(flags: c_uint) => |v| v.delete(flags);
    /// `virStorageVolWipe`: overwrite the data with zeroes.
    virStorageVolWipe(flags: c_uint) => |v| v.wipe(flags);
    /// `virStorageVolWipePattern`.
    virStorageVolWipePattern(algorithm: c_uint, flags: c_uint) => |v| v.wipe_pattern(algorithm, flags);
    /// `virStorageVolResize`.
    virStorageVolResize(capacity: c_ulonglong, flags: c_uint) => |v| v.resize(capacity, flags);
}

/// The stream handle of an upload or download, checked.
///
/// # Safety
/// `stream` is null or a stream handle from this library.
pub(crate) unsafe fn stream_arg<'a>(
    stream: *mut StreamHandle,
    api: &str,
) -> Result<&'a StreamHandle, Error> {
    // SAFETY: forwarded from the caller.
    unsafe { handles::get(stream, api) }
}

/// An upload or a download: attach `stream` to the volume's bytes from
/// `offset` (`length` 0: to its end) in the direction `attach` takes.
fn transfer(
    api: &'static str,
    vol: *mut VolHandle,
    stream: *mut StreamHandle,
    attach: impl FnOnce(&StorageVol, &virt_core::Stream) -> Result<(), Error>,
) -> c_int {
    with_vol(api, vol, -1, |h| {
        // SAFETY: the caller's stream handle.
        let s = unsafe { stream_arg(stream, api) }?;
        attach(&h.vol, &s.stream).map(|()| 0)
    })
}

/// `virStorageVolUpload`: attach `stream` to write the volume's bytes
/// from `offset` (`length` 0: to its end); the caller then sends.
#[no_mangle]
pub unsafe extern "C" fn virStorageVolUpload(
    vol: *mut VolHandle,
    stream: *mut StreamHandle,
    offset: c_ulonglong,
    length: c_ulonglong,
    flags: c_uint,
) -> c_int {
    transfer("virStorageVolUpload", vol, stream, |v, s| {
        v.upload(s, offset, length, flags)
    })
}

/// `virStorageVolDownload`: attach `stream` to read the volume's bytes
/// from `offset` (`length` 0: to its end); the caller then receives.
#[no_mangle]
pub unsafe extern "C" fn virStorageVolDownload(
    vol: *mut VolHandle,
    stream: *mut StreamHandle,
    offset: c_ulonglong,
    length: c_ulonglong,
    flags: c_uint,
) -> c_int {
    transfer("virStorageVolDownload", vol, stream, |v, s| {
        v.download(s, offset, length, flags)
    })
}
