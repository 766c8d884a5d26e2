//! The domain snapshot calls (`virDomainSnapshot*`, `virDomainRevertToSnapshot`,
//! the domain's snapshot listings) and `virDomainScreenshot`.
//!
//! Every function follows libvirt's C contract, as in [`crate::connect`];
//! a snapshot's errors are its connection's.

#![allow(clippy::missing_safety_doc)]

use crate::connect::{check_array, put_handles, put_names};
use crate::handles::{self, ConnHandle, DomainHandle, SnapshotHandle, StreamHandle};
use crate::report::{guard, Call};
use crate::strings::{self, arg};
use libc::{c_char, c_int, c_uint};
use std::ptr;
use virt_core::{Domain, DomainSnapshot, Error};

/// An argument error of these calls: libvirt reports them from
/// libvirt-domain-snapshot.c, in the snapshot error domain.
fn of_snapshots(mut e: Error) -> Error {
    e.domain = virt_core::ErrorDomain::DomainSnapshot;
    e
}

/// Run a call on a domain handle (checked, errors to its connection).
fn with_dom<T>(
    api: &'static str,
    p: *mut DomainHandle,
    fail: T,
    f: impl FnOnce(&Domain) -> Result<T, Error>,
) -> T {
    guard(api, fail, |call| {
        // SAFETY: the exported caller passes its C argument through.
        let h = unsafe { handles::get(p, api) }?;
        call.on(h.conn.get());
        let d = h.lock().clone();
        f(&d)
    })
}

/// The snapshot behind `p`; errors from here on are its connection's.
///
/// # Safety
/// `p` is null or a `virDomainSnapshotPtr` from this library.
unsafe fn snap_of<'a>(
    p: *mut SnapshotHandle,
    api: &'static str,
    call: &mut Call,
) -> Result<&'a SnapshotHandle, Error> {
    // SAFETY: forwarded from the caller.
    let h = unsafe { handles::get(p, api) }?;
    call.on(h.domain_handle().conn.get());
    Ok(h)
}

/// Run a call on a snapshot handle.
fn with_snap<T>(
    api: &'static str,
    p: *mut SnapshotHandle,
    fail: T,
    f: impl FnOnce(&SnapshotHandle) -> Result<T, Error>,
) -> T {
    guard(api, fail, |call| {
        // SAFETY: the exported caller passes its C argument through.
        let h = unsafe { snap_of(p, api, call) }?;
        f(h)
    })
}

/// A new snapshot handle on the domain handle `dom` (live: checked by the
/// caller's call).
fn new_handle(dom: *mut DomainHandle, snap: DomainSnapshot) -> *mut SnapshotHandle {
    // SAFETY: `dom` was checked live by the call that found `snap`.
    handles::into_raw(unsafe { SnapshotHandle::new(dom, snap) })
}

/// `virDomainSnapshotCreateXML`: a new snapshot from XML.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotCreateXML(
    domain: *mut DomainHandle,
    xml_desc: *const c_char,
    flags: c_uint,
) -> *mut SnapshotHandle {
    const API: &str = "virDomainSnapshotCreateXML";
    with_dom(API, domain, ptr::null_mut(), |d| {
        // SAFETY: caller's string.
        let xml = unsafe { arg(xml_desc, API, "xmlDesc") }.map_err(of_snapshots)?;
        Ok(new_handle(domain, d.snapshot_create_xml(xml, flags)?))
    })
}

/// `virDomainSnapshotLookupByName`.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotLookupByName(
    domain: *mut DomainHandle,
    name: *const c_char,
    flags: c_uint,
) -> *mut SnapshotHandle {
    const API: &str = "virDomainSnapshotLookupByName";
    with_dom(API, domain, ptr::null_mut(), |d| {
        // SAFETY: caller's string.
        let n = unsafe { arg(name, API, "name") }.map_err(of_snapshots)?;
        Ok(new_handle(domain, d.snapshot_lookup_by_name(n, flags)?))
    })
}

/// `virDomainSnapshotCurrent`: the current snapshot.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotCurrent(
    domain: *mut DomainHandle,
    flags: c_uint,
) -> *mut SnapshotHandle {
    with_dom("virDomainSnapshotCurrent", domain, ptr::null_mut(), |d| {
        Ok(new_handle(domain, d.snapshot_current(flags)?))
    })
}

/// `virDomainHasCurrentSnapshot`: 1 or 0.
#[no_mangle]
pub unsafe extern "C" fn virDomainHasCurrentSnapshot(
    domain: *mut DomainHandle,
    flags: c_uint,
) -> c_int {
    with_dom("virDomainHasCurrentSnapshot", domain, -1, |d| {
        Ok(c_int::from(d.has_current_snapshot(flags)?))
    })
}

/// `virDomainSnapshotNum`: how many snapshots pass `flags`.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotNum(domain: *mut DomainHandle, flags: c_uint) -> c_int {
    with_dom("virDomainSnapshotNum", domain, -1, |d| {
        Ok(d.snapshot_num(flags)? as c_int)
    })
}

/// `virDomainSnapshotListNames`: up to `nameslen` names, each malloc'd.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotListNames(
    domain: *mut DomainHandle,
    names: *mut *mut c_char,
    nameslen: c_int,
    flags: c_uint,
) -> c_int {
    const API: &str = "virDomainSnapshotListNames";
    with_dom(API, domain, -1, |d| {
        let max = check_array(API, names, "names", nameslen, "nameslen").map_err(of_snapshots)?;
        let list = d.snapshot_list_names(flags)?;
        // SAFETY: the caller's array holds `max` pointers.
        unsafe { put_names(names, max, &list) }
    })
}

/// `virDomainListAllSnapshots`: new handles in a malloc'd, NULL-terminated
/// array (or just the count with a null `snaps`).
#[no_mangle]
pub unsafe extern "C" fn virDomainListAllSnapshots(
    domain: *mut DomainHandle,
    snaps: *mut *mut *mut SnapshotHandle,
    flags: c_uint,
) -> c_int {
    with_dom("virDomainListAllSnapshots", domain, -1, |d| {
        if !snaps.is_null() {
            // SAFETY: caller's storage; libvirt clears it before listing.
            unsafe { snaps.write(ptr::null_mut()) };
        }
        let list = d.list_all_snapshots(flags)?;
        let made = list.into_iter().map(|s| new_handle(domain, s)).collect();
        // SAFETY: caller's storage, null or one pointer.
        unsafe { put_handles(snaps, made) }
    })
}

/// `virDomainSnapshotGetName`: borrowed from the handle.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotGetName(snapshot: *mut SnapshotHandle) -> *const c_char {
    with_snap("virDomainSnapshotGetName", snapshot, ptr::null(), |h| {
        Ok(h.name.as_ptr())
    })
}

/// `virDomainSnapshotGetDomain`: the domain it belongs to (no new
/// reference).
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotGetDomain(
    snapshot: *mut SnapshotHandle,
) -> *mut DomainHandle {
    with_snap(
        "virDomainSnapshotGetDomain",
        snapshot,
        ptr::null_mut(),
        |h| Ok(h.domain()),
    )
}

/// `virDomainSnapshotGetConnect`: its connection (no new reference).
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotGetConnect(
    snapshot: *mut SnapshotHandle,
) -> *mut ConnHandle {
    with_snap(
        "virDomainSnapshotGetConnect",
        snapshot,
        ptr::null_mut(),
        |h| Ok(h.domain_handle().conn.as_ptr()),
    )
}

/// `virDomainSnapshotGetXMLDesc`: the snapshot XML, malloc'd.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotGetXMLDesc(
    snapshot: *mut SnapshotHandle,
    flags: c_uint,
) -> *mut c_char {
    with_snap(
        "virDomainSnapshotGetXMLDesc",
        snapshot,
        ptr::null_mut(),
        |h| strings::out(&h.snap.xml_desc(flags)?),
    )
}

/// `virDomainSnapshotGetParent`: a new handle on the parent.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotGetParent(
    snapshot: *mut SnapshotHandle,
    flags: c_uint,
) -> *mut SnapshotHandle {
    with_snap(
        "virDomainSnapshotGetParent",
        snapshot,
        ptr::null_mut(),
        |h| Ok(new_handle(h.domain(), h.snap.parent(flags)?)),
    )
}

/// `virDomainSnapshotNumChildren`.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotNumChildren(
    snapshot: *mut SnapshotHandle,
    flags: c_uint,
) -> c_int {
    with_snap("virDomainSnapshotNumChildren", snapshot, -1, |h| {
        Ok(h.snap.num_children(flags)? as c_int)
    })
}

/// `virDomainSnapshotListChildrenNames`: up to `nameslen` names.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotListChildrenNames(
    snapshot: *mut SnapshotHandle,
    names: *mut *mut c_char,
    nameslen: c_int,
    flags: c_uint,
) -> c_int {
    const API: &str = "virDomainSnapshotListChildrenNames";
    with_snap(API, snapshot, -1, |h| {
        let max = check_array(API, names, "names", nameslen, "nameslen").map_err(of_snapshots)?;
        let list = h.snap.list_children_names(flags)?;
        // SAFETY: the caller's array holds `max` pointers.
        unsafe { put_names(names, max, &list) }
    })
}

/// `virDomainSnapshotListAllChildren`: new handles, as
/// `virDomainListAllSnapshots`.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotListAllChildren(
    snapshot: *mut SnapshotHandle,
    snaps: *mut *mut *mut SnapshotHandle,
    flags: c_uint,
) -> c_int {
    with_snap("virDomainSnapshotListAllChildren", snapshot, -1, |h| {
        if !snaps.is_null() {
            // SAFETY: caller's storage; libvirt clears it before listing.
            unsafe { snaps.write(ptr::null_mut()) };
        }
        let list = h.snap.list_all_children(flags)?;
        let made = list
            .into_iter()
            .map(|s| new_handle(h.domain(), s))
            .collect();
        // SAFETY: caller's storage, null or one pointer.
        unsafe { put_handles(snaps, made) }
    })
}

/// `virDomainSnapshotIsCurrent`: 1 or 0.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotIsCurrent(
    snapshot: *mut SnapshotHandle,
    flags: c_uint,
) -> c_int {
    with_snap("virDomainSnapshotIsCurrent", snapshot, -1, |h| {
        Ok(c_int::from(h.snap.is_current(flags)?))
    })
}

/// `virDomainSnapshotHasMetadata`: 1 or 0.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotHasMetadata(
    snapshot: *mut SnapshotHandle,
    flags: c_uint,
) -> c_int {
    with_snap("virDomainSnapshotHasMetadata", snapshot, -1, |h| {
        Ok(c_int::from(h.snap.has_metadata(flags)?))
    })
}

/// `virDomainRevertToSnapshot`.
#[no_mangle]
pub unsafe extern "C" fn virDomainRevertToSnapshot(
    snapshot: *mut SnapshotHandle,
    flags: c_uint,
) -> c_int {
    with_snap("virDomainRevertToSnapshot", snapshot, -1, |h| {
        h.snap.revert(flags).map(|()| 0)
    })
}

/// `virDomainSnapshotDelete`.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotDelete(
    snapshot: *mut SnapshotHandle,
    flags: c_uint,
) -> c_int {
    with_snap("virDomainSnapshotDelete", snapshot, -1, |h| {
        h.snap.delete(flags).map(|()| 0)
    })
}

/// `virDomainSnapshotRef`: one more reference.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotRef(snapshot: *mut SnapshotHandle) -> c_int {
    with_snap("virDomainSnapshotRef", snapshot, -1, |h| {
        handles::add_ref(h);
        Ok(0)
    })
}

/// `virDomainSnapshotFree`: drop one reference; the last frees the handle
/// and its reference on the domain.
#[no_mangle]
pub unsafe extern "C" fn virDomainSnapshotFree(snapshot: *mut SnapshotHandle) -> c_int {
    guard("virDomainSnapshotFree", -1, |_| {
        // SAFETY: checks the pointer as libvirt does.
        unsafe { handles::get(snapshot, "virDomainSnapshotFree") }?;
        // SAFETY: valid handle; the caller gives up its reference.
        unsafe { handles::release(snapshot) };
        Ok(0)
    })
}

/// `virDomainScreenshot`: attach `stream` to an image of the guest's
/// `screen`; the image's MIME type, malloc'd. The caller then receives.
#[no_mangle]
pub unsafe extern "C" fn virDomainScreenshot(
    domain: *mut DomainHandle,
    stream: *mut StreamHandle,
    screen: c_uint,
    flags: c_uint,
) -> *mut c_char {
    const API: &str = "virDomainScreenshot";
    with_dom(API, domain, ptr::null_mut(), |d| {
        // SAFETY: the caller's stream handle.
        let s = unsafe { crate::volume::stream_arg(stream, API) }?;
        strings::out(&d.screenshot(&s.stream, screen, flags)?)
    })
}
