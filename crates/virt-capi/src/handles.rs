//! The objects behind `virConnectPtr`, `virDomainPtr`, `virNetworkPtr`,
//! `virStoragePoolPtr`, `virStorageVolPtr` and `virStreamPtr`, with
//! libvirt's reference counting: a handle starts with one reference, `*Ref`
//! adds one, `*Free`/`virConnectClose` drop one, and every other handle
//! holds a reference on its connection until it is freed.

use crate::report::{virError, ErrorFunc};
use libc::c_void;
use std::cell::UnsafeCell;
use std::ffi::CString;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use virt_core::{
    Connect, Domain, DomainSnapshot, Error, ErrorCode, ErrorDomain, Network, StoragePool,
    StorageVol, Stream, Uuid,
};

/// A counted handle: a tag telling live handles of its kind from anything
/// else, and its reference count.
pub struct Counts {
    tag: AtomicU32,
    refs: AtomicUsize,
}

impl Counts {
    fn new(tag: u32) -> Self {
        Counts {
            tag: AtomicU32::new(tag),
            refs: AtomicUsize::new(1),
        }
    }
}

/// What every handle kind says about itself.
pub trait Handle: Sized {
    /// The tag of live handles of this kind.
    const TAG: u32;
    /// libvirt's error for a bad pointer of this kind.
    const INVALID: (ErrorCode, ErrorDomain, &'static str);
    /// The handle's counts.
    fn counts(&self) -> &Counts;
}

/// A new handle with one reference, for C.
pub fn into_raw<T: Handle>(h: T) -> *mut T {
    Box::into_raw(Box::new(h))
}

/// The handle behind a C pointer, or libvirt's "invalid ... pointer in
/// FUNCTION" error. As in libvirt, only a null pointer or a handle whose
/// last reference was dropped (its tag is cleared) can be told apart from
/// a live one; any other wild pointer is the caller's undefined behaviour.
///
/// # Safety
/// `p` is null or a pointer this library returned for kind `T`.
pub unsafe fn get<'a, T: Handle>(p: *const T, api: &str) -> Result<&'a T, Error> {
    // SAFETY: non-null pointers come from `into_raw` per the contract.
    match unsafe { p.as_ref() } {
        Some(h) if h.counts().tag.load(Ordering::Acquire) == T::TAG => Ok(h),
        _ => Err(invalid::<T>(api)),
    }
}

/// libvirt's error for a bad handle of kind `T` passed to `api`.
pub fn invalid<T: Handle>(api: &str) -> Error {
    let (code, domain, text) = T::INVALID;
    let mut e = Error::raw(code, domain, format!("{text} {api}"));
    e.str1 = Some(format!("{text} %s"));
    e.str2 = Some(api.to_string());
    e
}

/// Add a reference (`vir*Ref`).
pub fn add_ref<T: Handle>(h: &T) {
    h.counts().refs.fetch_add(1, Ordering::Relaxed);
}

/// Drop a reference; the last one frees the handle. Returns the number
/// left.
///
/// # Safety
/// `p` is a live handle from `into_raw`, and the caller owns the reference
/// it drops.
pub unsafe fn release<T: Handle>(p: *mut T) -> usize {
    // SAFETY: live per the contract.
    let h = unsafe { &*p };
    let left = h.counts().refs.fetch_sub(1, Ordering::AcqRel) - 1;
    if left == 0 {
        h.counts().tag.store(0, Ordering::Release);
        // SAFETY: the last reference is gone: nobody else may use `p`, and
        // it came from Box::into_raw.
        drop(unsafe { Box::from_raw(p) });
    }
    left
}

/// `virConnectPtr`.
pub struct ConnHandle {
    counts: Counts,
    /// The connection.
    pub conn: Connect,
    /// The hypervisor type, for `virConnectGetType`'s borrowed string.
    pub type_name: CString,
    /// The connection's last error (`virConnGetLastError` hands out its
    /// address, so it lives here, written under `err_lock`).
    err: UnsafeCell<virError>,
    err_lock: Mutex<()>,
    handler: Mutex<Option<(unsafe extern "C" fn(*mut c_void, *mut virError), usize)>>,
}

impl Handle for ConnHandle {
    const TAG: u32 = 0x7669_7243; // "virC"
    const INVALID: (ErrorCode, ErrorDomain, &'static str) = (
        ErrorCode::InvalidConn,
        ErrorDomain::Domain,
        "invalid connection pointer in",
    );
    fn counts(&self) -> &Counts {
        &self.counts
    }
}

impl ConnHandle {
    /// A handle for an open connection.
    pub fn new(conn: Connect) -> Self {
        let type_name = CString::new(conn.type_name()).unwrap_or_default();
        ConnHandle {
            counts: Counts::new(Self::TAG),
            conn,
            type_name,
            err: UnsafeCell::new(virError::empty()),
            err_lock: Mutex::new(()),
            handler: Mutex::new(None),
        }
    }

    /// Keep a copy of `e` as this connection's last error.
    pub fn record_error(&self, e: &virError) {
        let _l = self.err_lock.lock();
        // SAFETY: writes to the record happen only under err_lock.
        unsafe { (*self.err.get()).copy_from(e) };
    }

    /// The address of the connection's error record.
    pub fn error_record(&self) -> *mut virError {
        self.err.get()
    }

    /// Run `f` on the connection's error record under its lock.
    pub fn with_error<R>(&self, f: impl FnOnce(&mut virError) -> R) -> R {
        let _l = self.err_lock.lock();
        // SAFETY: access to the record happens only under err_lock.
        f(unsafe { &mut *self.err.get() })
    }

    /// The connection's own handler and data, if set.
    pub fn handler(&self) -> Option<(unsafe extern "C" fn(*mut c_void, *mut virError), usize)> {
        self.handler.lock().ok().and_then(|h| *h)
    }

    /// Set or clear the connection's handler (`virConnSetErrorFunc`).
    pub fn set_handler(&self, func: ErrorFunc, data: *mut c_void) {
        if let Ok(mut h) = self.handler.lock() {
            *h = func.map(|f| (f, data as usize));
        }
    }
}

impl Drop for ConnHandle {
    fn drop(&mut self) {
        self.err.get_mut().reset();
    }
}

/// The reference a child handle holds on its connection.
pub struct ConnRef(*mut ConnHandle);

impl ConnRef {
    /// Take a new reference on `conn`.
    pub fn new(conn: &ConnHandle) -> Self {
        add_ref(conn);
        ConnRef(conn as *const ConnHandle as *mut ConnHandle)
    }
    /// The connection handle.
    pub fn get(&self) -> &ConnHandle {
        // SAFETY: this reference keeps the handle alive.
        unsafe { &*self.0 }
    }
    /// The C pointer (borrowed, as `virDomainGetConnect` returns it).
    pub fn as_ptr(&self) -> *mut ConnHandle {
        self.0
    }
}

impl Drop for ConnRef {
    fn drop(&mut self) {
        // SAFETY: this struct owns one reference on a live handle.
        unsafe { release(self.0) };
    }
}

/// `virDomainPtr`.
pub struct DomainHandle {
    counts: Counts,
    /// Its connection.
    pub conn: ConnRef,
    /// The domain; locked because starting and stopping update the
    /// handle's id.
    pub dom: Mutex<Domain>,
    /// The name as C reads it, made on the first `virDomainGetName`
    /// (lookups that never ask for it, the common case, skip the copy).
    name: OnceLock<CString>,
}

impl Handle for DomainHandle {
    const TAG: u32 = 0x7669_7244; // "virD"
    const INVALID: (ErrorCode, ErrorDomain, &'static str) = (
        ErrorCode::InvalidDomain,
        ErrorDomain::Dom,
        "invalid domain pointer in",
    );
    fn counts(&self) -> &Counts {
        &self.counts
    }
}

impl DomainHandle {
    /// A handle for `dom`, found on `conn`.
    pub fn new(conn: &ConnHandle, dom: Domain) -> Self {
        DomainHandle {
            counts: Counts::new(Self::TAG),
            conn: ConnRef::new(conn),
            name: OnceLock::new(),
            dom: Mutex::new(dom),
        }
    }

    /// The name as a C string, borrowed from the handle.
    pub fn c_name(&self) -> &CString {
        self.name
            .get_or_init(|| CString::new(self.lock().name()).unwrap_or_default())
    }

    /// The domain, for a call (a poisoned lock still holds a usable value:
    /// a panic never leaves a `Domain` half-changed).
    pub fn lock(&self) -> std::sync::MutexGuard<'_, Domain> {
        self.dom.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What networks and storage pools have in common, as handles: their
/// identity and the calls both answer the same way.
pub trait Object: Sized {
    /// The tag of live handles of this kind.
    const TAG: u32;
    /// libvirt's error for a bad pointer of this kind.
    const INVALID: (ErrorCode, ErrorDomain, &'static str);
    /// The error domain of libvirt's library checks for this kind's calls
    /// (the `VIR_FROM_THIS` of libvirt-network.c, libvirt-storage.c).
    const FROM: ErrorDomain = Self::INVALID.1;
    /// Its name.
    fn name(&self) -> &str;
    /// Its UUID.
    fn uuid(&self) -> Uuid;
    /// Its XML.
    fn xml_desc(&self, flags: u32) -> Result<String, Error>;
    /// True when running.
    fn is_active(&self) -> Result<bool, Error>;
    /// True when persistent.
    fn is_persistent(&self) -> Result<bool, Error>;
    /// True when it starts with the node.
    fn autostart(&self) -> Result<bool, Error>;
}

macro_rules! object {
    ($ty:ty, $tag:expr, $code:ident, $domain:ident, $text:literal) => {
        impl Object for $ty {
            const TAG: u32 = $tag;
            const INVALID: (ErrorCode, ErrorDomain, &'static str) =
                (ErrorCode::$code, ErrorDomain::$domain, $text);
            fn name(&self) -> &str {
                <$ty>::name(self)
            }
            fn uuid(&self) -> Uuid {
                <$ty>::uuid(self)
            }
            fn xml_desc(&self, flags: u32) -> Result<String, Error> {
                <$ty>::xml_desc(self, flags)
            }
            fn is_active(&self) -> Result<bool, Error> {
                <$ty>::is_active(self)
            }
            fn is_persistent(&self) -> Result<bool, Error> {
                <$ty>::is_persistent(self)
            }
            fn autostart(&self) -> Result<bool, Error> {
                <$ty>::autostart(self)
            }
        }
    };
}

object!(
    Network,
    0x7669_724e,
    InvalidNetwork,
    Network,
    "invalid network pointer in"
); // "virN"
object!(
    StoragePool,
    0x7669_7250, // "virP"
    InvalidStoragePool,
    Storage,
    "invalid storage pool pointer in"
);

/// A handle on an object of a connection: `virNetworkPtr`
/// ([`NetworkHandle`]) and `virStoragePoolPtr` ([`PoolHandle`]).
pub struct ChildHandle<T> {
    counts: Counts,
    /// Its connection.
    pub conn: ConnRef,
    /// The object.
    pub obj: T,
    /// The name, for `vir*GetName`'s borrowed string.
    pub name: CString,
}

/// `virNetworkPtr`.
pub type NetworkHandle = ChildHandle<Network>;
/// `virStoragePoolPtr`.
pub type PoolHandle = ChildHandle<StoragePool>;

impl<T: Object> Handle for ChildHandle<T> {
    const TAG: u32 = T::TAG;
    const INVALID: (ErrorCode, ErrorDomain, &'static str) = T::INVALID;
    fn counts(&self) -> &Counts {
        &self.counts
    }
}

impl<T: Object> ChildHandle<T> {
    /// A handle for `obj`, found on `conn`.
    pub fn new(conn: &ConnHandle, obj: T) -> Self {
        ChildHandle {
            counts: Counts::new(T::TAG),
            conn: ConnRef::new(conn),
            name: CString::new(obj.name()).unwrap_or_default(),
            obj,
        }
    }
}

/// `virStorageVolPtr`.
pub struct VolHandle {
    counts: Counts,
    /// Its connection.
    pub conn: ConnRef,
    /// The volume.
    pub vol: StorageVol,
    /// The name, for `virStorageVolGetName`'s borrowed string.
    pub name: CString,
    /// The key, for `virStorageVolGetKey`'s borrowed string.
    pub key: CString,
}

impl Handle for VolHandle {
    const TAG: u32 = 0x7669_7256; // "virV"
    const INVALID: (ErrorCode, ErrorDomain, &'static str) = (
        ErrorCode::InvalidStorageVol,
        ErrorDomain::Storage,
        "invalid storage volume pointer in",
    );
    fn counts(&self) -> &Counts {
        &self.counts
    }
}

impl VolHandle {
    /// A handle for `vol`, found on `conn`.
    pub fn new(conn: &ConnHandle, vol: StorageVol) -> Self {
        VolHandle {
            counts: Counts::new(Self::TAG),
            conn: ConnRef::new(conn),
            name: CString::new(vol.name()).unwrap_or_default(),
            key: CString::new(vol.key()).unwrap_or_default(),
            vol,
        }
    }
}

/// `virStreamPtr`.
pub struct StreamHandle {
    counts: Counts,
    /// Its connection.
    pub conn: ConnRef,
    /// The stream.
    pub stream: Stream,
}

impl Handle for StreamHandle {
    const TAG: u32 = 0x7669_7253; // "virS"
    const INVALID: (ErrorCode, ErrorDomain, &'static str) = (
        ErrorCode::InvalidStream,
        ErrorDomain::Streams,
        "invalid stream pointer in",
    );
    fn counts(&self) -> &Counts {
        &self.counts
    }
}

impl StreamHandle {
    /// A handle for `stream`, made on `conn`.
    pub fn new(conn: &ConnHandle, stream: Stream) -> Self {
        StreamHandle {
            counts: Counts::new(Self::TAG),
            conn: ConnRef::new(conn),
            stream,
        }
    }
}

/// `virDomainSnapshotPtr`: holds a reference on its domain handle (which
/// holds one on the connection), as libvirt's snapshot object does.
pub struct SnapshotHandle {
    counts: Counts,
    /// The domain handle it belongs to (one reference held).
    domain: *mut DomainHandle,
    /// The snapshot.
    pub snap: DomainSnapshot,
    /// The name, for `virDomainSnapshotGetName`'s borrowed string.
    pub name: CString,
}

// SAFETY: the domain handle it points to is reference counted with
// atomics and locks its domain; the pointer is only read.
unsafe impl Send for SnapshotHandle {}
// SAFETY: as above; nothing in the handle changes after it is made.
unsafe impl Sync for SnapshotHandle {}

impl Handle for SnapshotHandle {
    const TAG: u32 = 0x7669_7273; // "virs"
    const INVALID: (ErrorCode, ErrorDomain, &'static str) = (
        ErrorCode::InvalidDomainSnapshot,
        ErrorDomain::DomainSnapshot,
        "Invalid domain snapshot:",
    );
    fn counts(&self) -> &Counts {
        &self.counts
    }
}

impl SnapshotHandle {
    /// A handle for `snap`, found through the domain handle `domain`
    /// (live; a reference on it is taken).
    ///
    /// # Safety
    /// `domain` is a live handle from this library.
    pub unsafe fn new(domain: *mut DomainHandle, snap: DomainSnapshot) -> Self {
        // SAFETY: live per the contract.
        add_ref(unsafe { &*domain });
        SnapshotHandle {
            counts: Counts::new(Self::TAG),
            domain,
            name: CString::new(snap.name()).unwrap_or_default(),
            snap,
        }
    }

    /// The domain handle it belongs to.
    pub fn domain(&self) -> *mut DomainHandle {
        self.domain
    }

    /// The domain handle, borrowed.
    pub fn domain_handle(&self) -> &DomainHandle {
        // SAFETY: the reference taken in `new` keeps it alive until drop.
        unsafe { &*self.domain }
    }
}

impl Drop for SnapshotHandle {
    fn drop(&mut self) {
        // SAFETY: the reference taken in `new` is ours to drop.
        unsafe { release(self.domain) };
    }
}
