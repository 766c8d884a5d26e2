//! Connections and the handles bound to them.

use crate::checked::Checked;
use crate::devstats::{BlockInfo, BlockStats, CpuStats, InterfaceStats, MemoryStat};
use crate::driver::Driver;
use crate::error::{self, Error, ErrorCallback, ErrorCode, ErrorDomain, Result};
use crate::events::{Delivery, EndReason, EventFilter, Subscription, SubscriptionCore};
use crate::job::{DomainJobInfo, DomainJobStats};
use crate::registry;
use crate::stream::Stream;
use crate::types::*;
use crate::uri::Uri;
use std::fmt;
use std::sync::{Arc, Mutex, RwLock, Weak};

/// A handle's call through its connection's `Checked` driver, the
/// driver's answer given back as it is (domains, networks, pools, volumes).
macro_rules! handle_call {
    ($(#[$m:meta])* $name:ident => $drv:ident($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        $(#[$m])*
        pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
            self.conn.check(self.conn.checked().$drv(&self.r $(, $arg)*))
        }
    };
}

mod storage;

/// libvirt's version this API follows, `major * 1_000_000 + minor * 1000 + micro`.
pub const LIB_VERSION: u64 = 9_000_000;

struct ConnectInner {
    driver: Box<dyn Driver>,
    uri: Uri,
    read_only: bool,
    last_error: Mutex<Option<Error>>,
    callback: RwLock<Option<ErrorCallback>>,
    /// The subscriptions made through this connection, ended (with
    /// `EndReason::Closed`) when it closes.
    subscriptions: Mutex<Vec<Weak<SubscriptionCore>>>,
}

impl Drop for ConnectInner {
    fn drop(&mut self) {
        let subs =
            std::mem::take(&mut *self.subscriptions.lock().unwrap_or_else(|e| e.into_inner()));
        for s in subs.iter().filter_map(Weak::upgrade) {
            s.end(EndReason::Closed);
        }
        let _ = self.driver.close();
    }
}

/// A connection to a hypervisor (`virConnectPtr`). Cheap to clone; clones
/// share the connection, which closes when the last clone goes.
#[derive(Clone)]
pub struct Connect {
    inner: Arc<ConnectInner>,
}

impl fmt::Debug for Connect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connect")
            .field("uri", &self.inner.uri.to_string())
            .field("read_only", &self.inner.read_only)
            .finish()
    }
}

/// The URI to use when the caller gives none: `LIBVIRT_DEFAULT_URI`, else
/// the first registered driver's default.
pub fn default_uri() -> Option<String> {
    if let Ok(u) = std::env::var("LIBVIRT_DEFAULT_URI") {
        if !u.is_empty() {
            return Some(u);
        }
    }
    registry::drivers()
        .iter()
        .find_map(|d| d.default_uri.map(str::to_string))
}

impl Connect {
    /// Open a read-write connection (`virConnectOpen`). An empty URI means
    /// [`default_uri`].
    pub fn open(uri: &str) -> Result<Connect> {
        Self::open_flags(uri, false)
    }

    /// Open a read-only connection (`virConnectOpenReadOnly`): every call
    /// that would change something is refused with `OperationDenied`.
    pub fn open_read_only(uri: &str) -> Result<Connect> {
        Self::open_flags(uri, true)
    }

    /// Open with an authenticator (`virConnectOpenAuth`): a driver that
    /// needs credentials (the test driver with `<auth>` in its node file)
    /// asks them through `auth` while the open runs; `read_only` is
    /// `VIR_CONNECT_RO`.
    pub fn open_auth(
        uri: &str,
        auth: Box<dyn crate::Authenticator>,
        read_only: bool,
    ) -> Result<Connect> {
        crate::auth::with(Some(auth), || Self::open_flags(uri, read_only))
    }

    fn open_flags(uri: &str, read_only: bool) -> Result<Connect> {
        let r = Self::open_inner(uri, read_only);
        if let Err(e) = &r {
            error::dispatch(e, None);
        }
        r
    }

    fn open_inner(uri: &str, read_only: bool) -> Result<Connect> {
        let name = if uri.is_empty() {
            default_uri()
                .ok_or_else(|| Error::new(ErrorCode::NoConnect, ErrorDomain::None, None))?
        } else {
            uri.to_string()
        };
        let parsed = Uri::parse(&name)?;
        for entry in registry::drivers() {
            if let Some(res) = (entry.open)(&parsed, read_only) {
                let failed = match res {
                    Ok(driver) => return Ok(Self::from_driver(driver, parsed, read_only)),
                    Err(e) => e,
                };
                // The fallback's connection is read-only whatever was asked.
                return match registry::fallback().and_then(|f| f(&parsed, read_only, &failed)) {
                    Some(Ok(driver)) => Ok(Self::from_driver(driver, parsed, true)),
                    Some(Err(e)) => Err(e),
                    None => Err(failed),
                };
            }
        }
        Err(Error::with(ErrorCode::NoConnect, ErrorDomain::None, &name))
    }

    /// Wrap an already open driver (used by drivers' own tests and by the
    /// daemon, which composes drivers itself).
    pub fn from_driver(driver: Box<dyn Driver>, uri: Uri, read_only: bool) -> Connect {
        Connect {
            inner: Arc::new(ConnectInner {
                driver,
                uri,
                read_only,
                last_error: Mutex::new(None),
                callback: RwLock::new(None),
                subscriptions: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Record a failure as libvirt does: this connection's and this thread's
    /// last error, then the error callback.
    #[inline]
    pub(crate) fn check<T>(&self, r: Result<T>) -> Result<T> {
        if let Err(e) = &r {
            self.report(e);
        }
        r
    }

    /// True when both handles are the same connection (one `open`).
    pub(crate) fn same_as(&self, other: &Connect) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    #[cold]
    fn report(&self, e: &Error) {
        if let Ok(mut l) = self.inner.last_error.lock() {
            *l = Some(e.clone());
        }
        let cb = self.inner.callback.read().ok().and_then(|c| c.clone());
        error::dispatch(e, cb.as_ref());
    }

    /// The driver, through the read-only refusal and argument checks.
    #[inline]
    pub(crate) fn checked(&self) -> Checked<'_> {
        Checked::new(self.inner.driver.as_ref(), self.inner.read_only)
    }

    /// The same, for a call that stands for public function `api`.
    #[inline]
    fn checked_as<'a>(&'a self, api: &'a str) -> Checked<'a> {
        self.checked().as_api(api)
    }

    /// A handle for a domain identity this connection's driver gave (an
    /// event's domain), without asking the driver.
    pub fn domain(&self, r: DomainRef) -> Domain {
        Domain {
            conn: self.clone(),
            r,
        }
    }

    /// True when this connection refuses changes.
    pub fn is_read_only(&self) -> bool {
        self.inner.read_only
    }

    /// The last error on this connection (`virConnGetLastError`).
    pub fn last_error(&self) -> Option<Error> {
        self.inner.last_error.lock().ok().and_then(|l| l.clone())
    }

    /// Forget this connection's last error (`virConnResetLastError`).
    pub fn reset_last_error(&self) {
        if let Ok(mut l) = self.inner.last_error.lock() {
            *l = None;
        }
    }

    /// Set this connection's error callback (`virConnSetErrorFunc`); it
    /// replaces the global one for this connection's errors.
    pub fn set_error_callback(&self, cb: Option<ErrorCallback>) {
        if let Ok(mut c) = self.inner.callback.write() {
            *c = cb;
        }
    }

    /// Subscribe to this connection's events (`virConnectDomainEventRegisterAny`,
    /// `virConnectNetworkEventRegisterAny`): deliveries are read from the
    /// returned subscription, in order; dropping it unsubscribes. It ends
    /// (`Delivery::Ended(EndReason::Closed)`) when the connection closes.
    /// A driver without events refuses with "not supported".
    pub fn subscribe(&self, filter: EventFilter) -> Result<Subscription> {
        let (sub, rx) = self.open_subscription(&filter)?;
        Ok(sub.with_channel(rx))
    }

    /// The same, with every delivery handed to `callback`, in order, on a
    /// thread of the subscription's own (so the callback may call this
    /// connection); `Ended` is its last call.
    pub fn subscribe_with(
        &self,
        filter: EventFilter,
        callback: impl FnMut(Delivery) + Send + 'static,
    ) -> Result<Subscription> {
        let (sub, rx) = self.open_subscription(&filter)?;
        let r = sub.with_callback(rx, callback).map_err(|e| {
            Error::with(
                ErrorCode::SystemError,
                ErrorDomain::Events,
                format!("cannot start the event thread: {e}"),
            )
        });
        self.check(r)
    }

    fn open_subscription(
        &self,
        filter: &EventFilter,
    ) -> Result<(Subscription, std::sync::mpsc::Receiver<Delivery>)> {
        let buses = self.inner.driver.event_buses();
        if buses.is_empty() {
            return self.check(Err(Error::no_support("virConnectDomainEventRegisterAny")));
        }
        let (sub, rx, core) = Subscription::open(&buses, filter);
        let mut subs = self
            .inner
            .subscriptions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        subs.retain(|w| w.strong_count() > 0);
        subs.push(core);
        Ok((sub, rx))
    }

    /// The hypervisor type name (`virConnectGetType`).
    pub fn type_name(&self) -> &str {
        self.checked().type_name()
    }

    /// The hypervisor version (`virConnectGetVersion`).
    pub fn version(&self) -> Result<u64> {
        self.check(self.checked().version())
    }

    /// The library version (`virConnectGetLibVersion`).
    pub fn lib_version(&self) -> Result<u64> {
        Ok(LIB_VERSION)
    }

    /// The node's host name (`virConnectGetHostname`).
    pub fn hostname(&self) -> Result<String> {
        self.check(self.checked().hostname())
    }

    /// The canonical URI (`virConnectGetURI`).
    pub fn uri(&self) -> Result<String> {
        // As libvirt's remote client: a connection through a transport
        // answers with the URI it was opened with (transport, host and
        // socket included), not the daemon's own URI.
        if self.inner.uri.transport.is_some() {
            return Ok(self.inner.uri.to_string());
        }
        match self.checked().uri() {
            Err(e) if e.code == ErrorCode::NoSupport => Ok(self.inner.uri.to_string()),
            r => self.check(r),
        }
    }

    /// The URI as it was opened, parsed.
    pub fn parsed_uri(&self) -> &Uri {
        &self.inner.uri
    }

    /// The capabilities XML (`virConnectGetCapabilities`).
    pub fn capabilities(&self) -> Result<String> {
        self.check(self.checked().capabilities())
    }

    /// The domain capabilities XML for an emulator binary, architecture,
    /// machine type and virtualization type, each `None` for the driver's
    /// default (`virConnectGetDomainCapabilities`).
    pub fn domain_capabilities(
        &self,
        emulatorbin: Option<&str>,
        arch: Option<&str>,
        machine: Option<&str>,
        virttype: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        self.check(
            self.checked()
                .domain_capabilities(emulatorbin, arch, machine, virttype, flags),
        )
    }

    /// Maximum vCPUs for a guest type (`virConnectGetMaxVcpus`).
    pub fn max_vcpus(&self, guest_type: Option<&str>) -> Result<u32> {
        self.check(self.checked().max_vcpus(guest_type))
    }

    /// Node information (`virNodeGetInfo`).
    pub fn node_info(&self) -> Result<NodeInfo> {
        self.check(self.checked().node_info())
    }

    /// Free memory per NUMA cell, bytes (`virNodeGetCellsFreeMemory`).
    pub fn node_cells_free_memory(&self, start: u32, max: u32) -> Result<Vec<u64>> {
        self.check(self.checked().node_cells_free_memory(start, max))
    }

    /// Number of host CPUs and the online ones (`virNodeGetCPUMap`).
    pub fn node_cpu_map(&self) -> Result<(u32, CpuMap)> {
        self.check(self.checked().node_cpu_map())
    }

    /// Free memory, bytes (`virNodeGetFreeMemory`).
    pub fn node_free_memory(&self) -> Result<u64> {
        self.check(self.checked().node_free_memory())
    }

    /// The node's security model (`virNodeGetSecurityModel`).
    pub fn node_security_model(&self) -> Result<SecurityModel> {
        self.check(self.checked().node_security_model())
    }

    /// The memory figures (KiB) of NUMA cell `cell`, or of the whole node
    /// with [`crate::NODE_MEMORY_STATS_ALL_CELLS`] (`virNodeGetMemoryStats`,
    /// asked as libvirt's callers ask: how many, then that many).
    pub fn node_memory_stats(&self, cell: i32, flags: u32) -> Result<Vec<crate::NodeMemoryStat>> {
        let r = (|| {
            let (_, n) = self.checked().node_memory_stats(0, cell, flags)?;
            if n == 0 {
                return Ok(Vec::new());
            }
            Ok(self.checked().node_memory_stats(n, cell, flags)?.0)
        })();
        self.check(r)
    }

    /// Ids of running domains (`virConnectListDomains`).
    pub fn list_domains(&self) -> Result<Vec<u32>> {
        self.check(self.checked().list_domain_ids())
    }

    /// Number of running domains (`virConnectNumOfDomains`).
    pub fn num_of_domains(&self) -> Result<u32> {
        self.check(self.checked().num_of_domains())
    }

    /// Names of defined, inactive domains (`virConnectListDefinedDomains`).
    pub fn list_defined_domains(&self) -> Result<Vec<String>> {
        self.check(self.checked().list_defined_domains())
    }

    /// Number of defined, inactive domains (`virConnectNumOfDefinedDomains`).
    pub fn num_of_defined_domains(&self) -> Result<u32> {
        self.check(self.checked().num_of_defined_domains())
    }

    /// All domains passing `flags` (`virConnectListAllDomains`, see
    /// [`list_flags`]).
    pub fn list_all_domains(&self, flags: u32) -> Result<Vec<Domain>> {
        let refs = self.check(self.checked().list_all_domains(flags))?;
        Ok(refs.into_iter().map(|r| self.domain(r)).collect())
    }

    /// Statistics of every domain `flags` lets through, the groups `stats`
    /// names (`domain_stats`), in one call (`virConnectGetAllDomainStats`).
    pub fn get_all_domain_stats(
        &self,
        stats: u32,
        flags: u32,
    ) -> Result<Vec<(Domain, Vec<TypedParam>)>> {
        let records = self.check(self.checked().get_all_domain_stats(&[], stats, flags))?;
        Ok(records
            .into_iter()
            .map(|r| (self.domain(r.dom), r.params))
            .collect())
    }

    /// Statistics of the given domains, the groups `stats` names
    /// (`domain_stats`), in one call (`virDomainListGetStats`).
    pub fn domain_list_get_stats(
        &self,
        doms: &[Domain],
        stats: u32,
        flags: u32,
    ) -> Result<Vec<(Domain, Vec<TypedParam>)>> {
        let refs: Vec<DomainRef> = doms.iter().map(|d| d.r.clone()).collect();
        let records = self.check(
            self.checked_as("virDomainListGetStats")
                .get_all_domain_stats(&refs, stats, flags),
        )?;
        Ok(records
            .into_iter()
            .map(|r| (self.domain(r.dom), r.params))
            .collect())
    }

    /// Create and start a transient domain (`virDomainCreateXML`).
    pub fn create_xml(&self, xml: &str, flags: u32) -> Result<Domain> {
        self.check(
            self.checked_as("virDomainCreateXML")
                .domain_create_xml(xml, flags),
        )
        .map(|r| self.domain(r))
    }

    /// Define a persistent domain (`virDomainDefineXML`).
    pub fn define_xml(&self, xml: &str) -> Result<Domain> {
        self.check(
            self.checked_as("virDomainDefineXML")
                .domain_define_xml(xml, 0),
        )
        .map(|r| self.domain(r))
    }

    /// Define with flags (`virDomainDefineXMLFlags`; see [`define_flags`]).
    pub fn define_domain_xml(&self, xml: &str, flags: u32) -> Result<Domain> {
        self.define_xml_flags(xml, flags)
    }

    /// Define with flags (`virDomainDefineXMLFlags`; see [`define_flags`]).
    pub fn define_xml_flags(&self, xml: &str, flags: u32) -> Result<Domain> {
        self.check(
            self.checked_as("virDomainDefineXMLFlags")
                .domain_define_xml(xml, flags),
        )
        .map(|r| self.domain(r))
    }

    /// Find a running domain by id (`virDomainLookupByID`).
    pub fn lookup_by_id(&self, id: u32) -> Result<Domain> {
        self.check(self.checked().domain_lookup_by_id(id))
            .map(|r| self.domain(r))
    }

    /// Find a domain by name (`virDomainLookupByName`).
    pub fn lookup_by_name(&self, name: &str) -> Result<Domain> {
        self.check(self.checked().domain_lookup_by_name(name))
            .map(|r| self.domain(r))
    }

    /// Find a domain by UUID (`virDomainLookupByUUID`).
    pub fn lookup_by_uuid(&self, uuid: &Uuid) -> Result<Domain> {
        self.check(self.checked().domain_lookup_by_uuid(uuid))
            .map(|r| self.domain(r))
    }

    /// Find a domain by UUID string, dashed or 32 hex digits
    /// (`virDomainLookupByUUIDString`).
    pub fn lookup_by_uuid_string(&self, uuid: &str) -> Result<Domain> {
        let u = self.check(parse_uuid(uuid))?;
        self.lookup_by_uuid(&u)
    }

    /// Restore a domain from a saved state file (`virDomainRestore`).
    pub fn restore(&self, path: &str) -> Result<Domain> {
        self.check(self.checked_as("virDomainRestore").domain_restore(path, 0))
            .map(|r| self.domain(r))
    }

    /// Restore with flags ([`save_flags`]) and optionally a replacement
    /// definition (`virDomainRestoreFlags`).
    pub fn restore_flags(&self, path: &str, dxml: Option<&str>, flags: u32) -> Result<Domain> {
        let d = self.checked_as("virDomainRestoreFlags");
        let r = match dxml {
            None => d.domain_restore(path, flags),
            Some(x) => d.domain_restore_xml(path, x, flags),
        };
        self.check(r).map(|r| self.domain(r))
    }

    /// All networks passing `flags` (`virConnectListAllNetworks`).
    pub fn list_all_networks(&self, flags: u32) -> Result<Vec<Network>> {
        let refs = self.check(self.checked().list_all_networks(flags))?;
        Ok(refs.into_iter().map(|r| self.network(r)).collect())
    }

    /// Find a network by name (`virNetworkLookupByName`).
    pub fn network_lookup_by_name(&self, name: &str) -> Result<Network> {
        self.check(self.checked().network_lookup_by_name(name))
            .map(|r| self.network(r))
    }

    /// A handle for a network identity this connection's driver gave (an
    /// event's network), without asking the driver.
    pub fn network(&self, r: NetworkRef) -> Network {
        Network {
            conn: self.clone(),
            r,
        }
    }

    /// Find a network by UUID (`virNetworkLookupByUUID`).
    pub fn network_lookup_by_uuid(&self, uuid: &Uuid) -> Result<Network> {
        self.check(self.checked().network_lookup_by_uuid(uuid))
            .map(|r| self.network(r))
    }

    /// Find a network by UUID string, dashed or 32 hex digits
    /// (`virNetworkLookupByUUIDString`).
    pub fn network_lookup_by_uuid_string(&self, uuid: &str) -> Result<Network> {
        let u = self.check(parse_uuid(uuid))?;
        self.network_lookup_by_uuid(&u)
    }

    /// Number of active networks (`virConnectNumOfNetworks`).
    pub fn num_of_networks(&self) -> Result<u32> {
        self.check(self.checked().num_of_networks())
    }

    /// Names of active networks (`virConnectListNetworks`).
    pub fn list_networks(&self) -> Result<Vec<String>> {
        self.check(self.checked().list_networks())
    }

    /// Number of defined, inactive networks (`virConnectNumOfDefinedNetworks`).
    pub fn num_of_defined_networks(&self) -> Result<u32> {
        self.check(self.checked().num_of_defined_networks())
    }

    /// Names of defined, inactive networks (`virConnectListDefinedNetworks`).
    pub fn list_defined_networks(&self) -> Result<Vec<String>> {
        self.check(self.checked().list_defined_networks())
    }

    /// Create and start a transient network (`virNetworkCreateXML`; with
    /// `flags`, see [`network_define_flags`], `virNetworkCreateXMLFlags`).
    pub fn network_create_xml(&self, xml: &str, flags: u32) -> Result<Network> {
        let api = if flags == 0 {
            "virNetworkCreateXML"
        } else {
            "virNetworkCreateXMLFlags"
        };
        self.check(self.checked_as(api).network_create_xml(xml, flags))
            .map(|r| self.network(r))
    }

    /// Define a persistent network (`virNetworkDefineXML`; with `flags`,
    /// see [`network_define_flags`], `virNetworkDefineXMLFlags`).
    pub fn network_define_xml(&self, xml: &str, flags: u32) -> Result<Network> {
        let api = if flags == 0 {
            "virNetworkDefineXML"
        } else {
            "virNetworkDefineXMLFlags"
        };
        self.check(self.checked_as(api).network_define_xml(xml, flags))
            .map(|r| self.network(r))
    }

    /// All storage pools passing `flags` (`virConnectListAllStoragePools`).
    pub fn list_all_storage_pools(&self, flags: u32) -> Result<Vec<StoragePool>> {
        let refs = self.check(self.checked().list_all_storage_pools(flags))?;
        Ok(refs
            .into_iter()
            .map(|r| StoragePool {
                conn: self.clone(),
                r,
            })
            .collect())
    }

    /// Find a storage pool by name (`virStoragePoolLookupByName`).
    pub fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePool> {
        self.check(self.checked().storage_pool_lookup_by_name(name))
            .map(|r| self.pool(r))
    }

    /// Find a storage pool by UUID (`virStoragePoolLookupByUUID`).
    pub fn storage_pool_lookup_by_uuid(&self, uuid: &Uuid) -> Result<StoragePool> {
        self.check(self.checked().storage_pool_lookup_by_uuid(uuid))
            .map(|r| self.pool(r))
    }

    /// Define a persistent pool from XML (`virStoragePoolDefineXML`).
    pub fn storage_pool_define_xml(&self, xml: &str, flags: u32) -> Result<StoragePool> {
        self.check(self.checked().storage_pool_define_xml(xml, flags))
            .map(|r| self.pool(r))
    }

    /// Create and start a transient pool from XML
    /// (`virStoragePoolCreateXML`).
    pub fn storage_pool_create_xml(&self, xml: &str, flags: u32) -> Result<StoragePool> {
        self.check(self.checked().storage_pool_create_xml(xml, flags))
            .map(|r| self.pool(r))
    }

    /// Find a volume by key (`virStorageVolLookupByKey`).
    pub fn storage_vol_lookup_by_key(&self, key: &str) -> Result<StorageVol> {
        self.check(self.checked().storage_vol_lookup_by_key(key))
            .map(|r| self.vol(r))
    }

    /// Find a volume by path (`virStorageVolLookupByPath`).
    pub fn storage_vol_lookup_by_path(&self, path: &str) -> Result<StorageVol> {
        self.check(self.checked().storage_vol_lookup_by_path(path))
            .map(|r| self.vol(r))
    }

    fn pool(&self, r: StoragePoolRef) -> StoragePool {
        StoragePool {
            conn: self.clone(),
            r,
        }
    }

    fn vol(&self, r: StorageVolRef) -> StorageVol {
        StorageVol {
            conn: self.clone(),
            r,
        }
    }

    /// A new stream, not attached to anything yet (`virStreamNew`);
    /// `flags` from [`crate::stream_flags`].
    pub fn new_stream(&self, flags: u32) -> Result<Stream> {
        self.check(Error::check_flags(
            ErrorDomain::Streams,
            flags,
            crate::stream_flags::NONBLOCK,
            "virStreamNew",
        ))?;
        Ok(Stream::new(self.clone(), flags))
    }

    /// A connection over `driver` for unit tests of this crate.
    #[cfg(test)]
    pub(crate) fn for_tests() -> Connect {
        struct Nothing;
        impl Driver for Nothing {
            fn type_name(&self) -> &str {
                "Nothing"
            }
        }
        Connect::from_driver(
            Box::new(Nothing),
            Uri::parse("test:///default").unwrap_or_else(|_| unreachable!()),
            false,
        )
    }
}

/// Parse a UUID in libvirt's accepted spellings: dashed, or 32 hex digits
/// (the 0.2 era's compact form), case-insensitive.
pub fn parse_uuid(s: &str) -> Result<Uuid> {
    let t = s.trim();
    let ok = (t.len() == 36 || t.len() == 32) && Uuid::try_parse(t).is_ok();
    if ok {
        if let Ok(u) = Uuid::try_parse(t) {
            return Ok(u);
        }
    }
    Err(Error::with(
        ErrorCode::InvalidArg,
        ErrorDomain::None,
        format!("malformed uuid '{s}'"),
    ))
}

/// A domain handle (`virDomainPtr`): name, UUID and id bound to a
/// connection. Cheap to clone; the values are those of the lookup, refreshed
/// by calls that change them (start, destroy).
#[derive(Clone)]
pub struct Domain {
    conn: Connect,
    r: DomainRef,
}

impl fmt::Debug for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Domain")
            .field("name", &self.r.name)
            .field("uuid", &self.r.uuid)
            .field("id", &self.r.id)
            .finish()
    }
}

macro_rules! dom_write {
    ($(#[$m:meta])* $name:ident => $api:literal, $drv:ident($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        $(#[$m])*
        pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
            self.conn.check(self.conn.checked_as($api).$drv(&self.r $(, $arg)*))
        }
    };
}

impl Domain {
    /// The domain's name.
    pub fn name(&self) -> &str {
        &self.r.name
    }
    /// The domain's UUID.
    pub fn uuid(&self) -> Uuid {
        self.r.uuid
    }
    /// The UUID in its dashed string form.
    pub fn uuid_string(&self) -> String {
        self.r.uuid.hyphenated().to_string()
    }
    /// The id while running (libvirt's -1 is `None`).
    pub fn id(&self) -> Option<u32> {
        self.r.id
    }
    /// The identity as plain values.
    pub fn identity(&self) -> &DomainRef {
        &self.r
    }
    /// The connection this handle belongs to.
    pub fn connect(&self) -> &Connect {
        &self.conn
    }

    handle_call!(/// State, memory, vCPUs and CPU time (`virDomainGetInfo`).
        info => domain_get_info() -> DomainInfo);
    handle_call!(/// The OS type (`virDomainGetOSType`).
        os_type => domain_get_os_type() -> String);
    handle_call!(/// Maximum memory, KiB (`virDomainGetMaxMemory`).
        max_memory => domain_get_max_memory() -> u64);
    handle_call!(/// The domain XML (`virDomainGetXMLDesc`; see [`xml_flags`]).
        xml_desc => domain_get_xml_desc(flags: u32) -> String);
    handle_call!(/// vCPU count (`virDomainGetVcpusFlags`; see [`affect`]).
        vcpus_flags => domain_get_vcpus_flags(flags: u32) -> u32);
    handle_call!(/// Per-vCPU state and affinity (`virDomainGetVcpus`).
        vcpus => domain_get_vcpus() -> Vec<VcpuInfo>);
    handle_call!(/// Autostart flag (`virDomainGetAutostart`).
        autostart => domain_get_autostart() -> bool);
    handle_call!(/// True when running or paused (`virDomainIsActive`).
        is_active => domain_is_active() -> bool);
    handle_call!(/// True when persistent (`virDomainIsPersistent`).
        is_persistent => domain_is_persistent() -> bool);
    handle_call!(/// True with a managed save image (`virDomainHasManagedSaveImage`).
        has_managed_save => domain_has_managed_save(flags: u32) -> bool);
    handle_call!(/// Scheduler name and parameter count (`virDomainGetSchedulerType`).
        scheduler_type => domain_get_scheduler_type() -> (String, u32));
    /// Scheduler parameters (`virDomainGetSchedulerParametersFlags`). As
    /// libvirt's library does, the driver is told the caller accepts
    /// string parameters ([`typed_param_flags::STRING_OKAY`]).
    pub fn scheduler_params(&self, flags: u32) -> Result<Vec<TypedParam>> {
        let flags = flags | typed_param_flags::STRING_OKAY;
        self.conn.check(
            self.conn
                .checked()
                .domain_get_scheduler_params(&self.r, flags),
        )
    }

    /// Scheduler parameters of the current state, without flags
    /// (`virDomainGetSchedulerParameters`).
    pub fn scheduler_params_plain(&self) -> Result<Vec<TypedParam>> {
        self.conn
            .check(self.conn.checked().domain_get_scheduler_params(&self.r, 0))
    }

    /// Change scheduler parameters of the current state, without flags
    /// (`virDomainSetSchedulerParameters`).
    pub fn set_scheduler_params_plain(&self, params: &[TypedParam]) -> Result<()> {
        self.write_as("virDomainSetSchedulerParameters", |d| {
            d.domain_set_scheduler_params(&self.r, params, 0)
        })
    }
    handle_call!(/// A disk's I/O counters (`virDomainBlockStats`).
        block_stats => domain_block_stats(path: &str) -> BlockStats);
    handle_call!(/// An interface's counters, by device or MAC (`virDomainInterfaceStats`).
        interface_stats => domain_interface_stats(device: &str) -> InterfaceStats);
    handle_call!(/// Up to `nr_stats` memory statistics (`virDomainMemoryStats`).
        memory_stats => domain_memory_stats(nr_stats: u32, flags: u32) -> Vec<MemoryStat>);
    handle_call!(/// A disk's sizes (`virDomainGetBlockInfo`).
        block_info => domain_get_block_info(path: &str, flags: u32) -> BlockInfo);
    /// CPU time figures (`virDomainGetCPUStats`; see [`CpuStats`] for
    /// what each argument asks). As libvirt's library does, the driver is
    /// told the caller accepts string parameters.
    pub fn cpu_stats(
        &self,
        nparams: u32,
        start_cpu: i32,
        ncpus: u32,
        flags: u32,
    ) -> Result<CpuStats> {
        let flags = flags | typed_param_flags::STRING_OKAY;
        self.conn.check(
            self.conn
                .checked()
                .domain_get_cpu_stats(&self.r, nparams, start_cpu, ncpus, flags),
        )
    }
    dom_write!(/// The balloon's statistics period, seconds (`virDomainSetMemoryStatsPeriod`).
        set_memory_stats_period => "virDomainSetMemoryStatsPeriod",
        domain_set_memory_stats_period(period: i32, flags: u32) -> ());
    handle_call!(/// The background job's kind and progress (`virDomainGetJobInfo`).
        job_info => domain_get_job_info() -> DomainJobInfo);
    handle_call!(/// The background job's figures (`virDomainGetJobStats`).
        job_stats => domain_get_job_stats(flags: u32) -> DomainJobStats);
    dom_write!(/// Cancel the background job (`virDomainAbortJob`).
        abort_job => "virDomainAbortJob", domain_abort_job() -> ());
    handle_call!(/// Security label (`virDomainGetSecurityLabel`).
        security_label => domain_get_security_label() -> SecurityLabel);

    /// State and reason (`virDomainGetState`; see [`reason`]).
    pub fn state(&self) -> Result<(DomainState, i32)> {
        self.conn
            .check(self.conn.checked().domain_get_state(&self.r, 0))
    }

    /// Maximum vCPUs (`virDomainGetMaxVcpus`).
    pub fn max_vcpus(&self) -> Result<u32> {
        self.vcpus_flags(affect::LIVE | affect::MAXIMUM)
            .or_else(|_| self.vcpus_flags(affect::CONFIG | affect::MAXIMUM))
    }

    /// Start a defined domain (`virDomainCreate`); the handle gets its id.
    pub fn create(&mut self) -> Result<()> {
        self.start_as("virDomainCreate", 0)
    }

    /// Start with flags (`virDomainCreateWithFlags`).
    pub fn create_with_flags(&mut self, flags: u32) -> Result<()> {
        self.start_as("virDomainCreateWithFlags", flags)
    }

    fn start_as(&mut self, api: &str, flags: u32) -> Result<()> {
        let r = self
            .conn
            .check(self.conn.checked_as(api).domain_create(&self.r, flags))?;
        self.r = r;
        Ok(())
    }

    /// Stop at once (`virDomainDestroy`); the handle loses its id.
    pub fn destroy(&mut self) -> Result<()> {
        self.destroy_as("virDomainDestroy", 0)
    }

    /// Stop at once with flags (`virDomainDestroyFlags`).
    pub fn destroy_flags(&mut self, flags: u32) -> Result<()> {
        self.destroy_as("virDomainDestroyFlags", flags)
    }

    fn destroy_as(&mut self, api: &str, flags: u32) -> Result<()> {
        self.conn
            .check(self.conn.checked_as(api).domain_destroy(&self.r, flags))?;
        self.r.id = None;
        Ok(())
    }

    /// Save to a file and stop (`virDomainSave`); the handle loses its id.
    pub fn save(&mut self, path: &str) -> Result<()> {
        self.save_flags(path, 0)
    }

    /// Save with flags (`virDomainSaveFlags`; `flags` 0 reports as `virDomainSave`).
    pub fn save_flags(&mut self, path: &str, flags: u32) -> Result<()> {
        let api = if flags == 0 {
            "virDomainSave"
        } else {
            "virDomainSaveFlags"
        };
        self.conn
            .check(self.conn.checked_as(api).domain_save(&self.r, path, flags))?;
        self.r.id = None;
        Ok(())
    }

    /// Save with flags ([`save_flags`]) and optionally a replacement
    /// definition for the restore (`virDomainSaveFlags`).
    pub fn save_flags_xml(&mut self, path: &str, dxml: Option<&str>, flags: u32) -> Result<()> {
        let d = self.conn.checked_as("virDomainSaveFlags");
        let r = match dxml {
            None => d.domain_save(&self.r, path, flags),
            Some(x) => d.domain_save_xml(&self.r, path, x, flags),
        };
        self.conn.check(r)?;
        self.r.id = None;
        Ok(())
    }

    /// Save to the driver's managed save image and stop
    /// (`virDomainManagedSave`; [`save_flags`]); the handle loses its id.
    pub fn managed_save(&mut self, flags: u32) -> Result<()> {
        self.conn
            .check(self.conn.checked().domain_managed_save(&self.r, flags))?;
        self.r.id = None;
        Ok(())
    }

    handle_call!(/// Discard the managed save image (`virDomainManagedSaveRemove`).
        managed_save_remove => domain_managed_save_remove(flags: u32) -> ());

    handle_call!(/// Dump core to a file (`virDomainCoreDump`; see [`dump_flags`]).
        core_dump => domain_core_dump(path: &str, flags: u32) -> ());

    /// Dump core to a file in a format (`virDomainCoreDumpWithFormat`; see
    /// [`dump_format`] and [`dump_flags`]). A driver without the call still
    /// serves the raw format through `virDomainCoreDump`.
    pub fn core_dump_with_format(&self, path: &str, format: u32, flags: u32) -> Result<()> {
        let d = self.conn.checked_as("virDomainCoreDumpWithFormat");
        let r = match d.domain_core_dump_with_format(&self.r, path, format, flags) {
            Err(e) if e.code == ErrorCode::NoSupport && format == dump_format::RAW => {
                d.domain_core_dump(&self.r, path, flags)
            }
            r => r,
        };
        self.conn.check(r)
    }

    handle_call!(/// Set memory, KiB, with flags (`virDomainSetMemoryFlags`; see [`affect`]).
        set_memory_flags => domain_set_memory_flags(kib: u64, flags: u32) -> ());

    handle_call!(/// Each vCPU's affinity (`virDomainGetVcpuPinInfo`; see [`affect`]).
        vcpu_pin_info => domain_get_vcpu_pin_info(flags: u32) -> Vec<CpuMap>);

    fn write_as<T>(&self, api: &str, f: impl FnOnce(Checked<'_>) -> Result<T>) -> Result<T> {
        self.conn.check(f(self.conn.checked_as(api)))
    }

    dom_write!(/// Remove the persistent definition (`virDomainUndefine`).
        undefine_flags => "virDomainUndefineFlags", domain_undefine(flags: u32) -> ());
    dom_write!(/// Ask the guest to shut down (`virDomainShutdownFlags`).
        shutdown_flags => "virDomainShutdownFlags", domain_shutdown(flags: u32) -> ());
    dom_write!(/// Ask the guest to reboot (`virDomainReboot`).
        reboot => "virDomainReboot", domain_reboot(flags: u32) -> ());
    dom_write!(/// Pause (`virDomainSuspend`).
        suspend => "virDomainSuspend", domain_suspend() -> ());
    dom_write!(/// Resume (`virDomainResume`).
        resume => "virDomainResume", domain_resume() -> ());
    dom_write!(/// Set the vCPU count with flags (`virDomainSetVcpusFlags`).
        set_vcpus_flags => "virDomainSetVcpusFlags", domain_set_vcpus_flags(nvcpus: u32, flags: u32) -> ());
    dom_write!(/// Pin a vCPU with flags (`virDomainPinVcpuFlags`).
        pin_vcpu_flags => "virDomainPinVcpuFlags", domain_pin_vcpu(vcpu: u32, map: &CpuMap, flags: u32) -> ());
    dom_write!(/// Mark or unmark for autostart (`virDomainSetAutostart`).
        set_autostart => "virDomainSetAutostart", domain_set_autostart(autostart: bool) -> ());
    dom_write!(/// Change scheduler parameters (`virDomainSetSchedulerParametersFlags`).
        set_scheduler_params => "virDomainSetSchedulerParametersFlags",
        domain_set_scheduler_params(params: &[TypedParam], flags: u32) -> ());
    dom_write!(/// Hot-plug a device (`virDomainAttachDeviceFlags`).
        attach_device_flags => "virDomainAttachDeviceFlags", domain_attach_device(xml: &str, flags: u32) -> ());
    dom_write!(/// Hot-unplug a device (`virDomainDetachDeviceFlags`).
        detach_device_flags => "virDomainDetachDeviceFlags", domain_detach_device(xml: &str, flags: u32) -> ());
    dom_write!(/// Change a device in place (`virDomainUpdateDeviceFlags`).
        update_device_flags => "virDomainUpdateDeviceFlags", domain_update_device(xml: &str, flags: u32) -> ());

    /// Connect `stream` to the domain's console or serial device
    /// `dev_name` (the first console when `None`) (`virDomainOpenConsole`;
    /// `flags` from [`crate::console_flags`]).
    pub fn open_console(&self, dev_name: Option<&str>, stream: &Stream, flags: u32) -> Result<()> {
        self.conn
            .check_stream(stream, "virDomainOpenConsole", "st", || {
                format!("stream must match connection of domain '{}'", self.r.name)
            })?;
        let ends = self.conn.check(
            self.conn
                .checked()
                .domain_open_console(&self.r, dev_name, flags),
        )?;
        stream.attach(ends);
        Ok(())
    }
    /// Connect `stream` to a picture of the domain's screen `screen`
    /// (`virDomainScreenshot`; no flags are defined): the image's MIME
    /// type, its bytes to be read from `stream`.
    pub fn screenshot(&self, stream: &Stream, screen: u32, flags: u32) -> Result<String> {
        self.conn
            .check_stream(stream, "virDomainScreenshot", "stream", || {
                format!("stream must match connection of domain '{}'", self.r.name)
            })?;
        let shot = self.conn.check(
            self.conn
                .checked()
                .domain_screenshot(&self.r, screen, flags),
        )?;
        stream.attach(shot.ends);
        Ok(shot.mime)
    }
    /// Hot-plug a device into the running domain (`virDomainAttachDevice`:
    /// the flags call with `affect::LIVE`).
    pub fn attach_device(&self, xml: &str) -> Result<()> {
        self.write_as("virDomainAttachDevice", |d| {
            d.domain_attach_device(&self.r, xml, crate::affect::LIVE)
        })
    }
    /// Hot-unplug a device from the running domain (`virDomainDetachDevice`:
    /// the flags call with `affect::LIVE`).
    pub fn detach_device(&self, xml: &str) -> Result<()> {
        self.write_as("virDomainDetachDevice", |d| {
            d.domain_detach_device(&self.r, xml, crate::affect::LIVE)
        })
    }
    /// Remove the persistent definition (`virDomainUndefine`).
    pub fn undefine(&self) -> Result<()> {
        self.write_as("virDomainUndefine", |d| d.domain_undefine(&self.r, 0))
    }
    /// Ask the guest to shut down (`virDomainShutdown`).
    pub fn shutdown(&self) -> Result<()> {
        self.write_as("virDomainShutdown", |d| d.domain_shutdown(&self.r, 0))
    }
    /// Set current memory of the running domain, KiB (`virDomainSetMemory`).
    pub fn set_memory(&self, kib: u64) -> Result<()> {
        self.write_as("virDomainSetMemory", |d| {
            d.domain_set_memory_flags(&self.r, kib, affect::LIVE)
        })
    }
    /// Set maximum memory, KiB (`virDomainSetMaxMemory`): the running
    /// domain's if it runs, else its definition's, as libvirt does.
    pub fn set_max_memory(&self, kib: u64) -> Result<()> {
        self.write_as("virDomainSetMaxMemory", |d| {
            d.domain_set_memory_flags(&self.r, kib, affect::MAXIMUM | affect::CURRENT)
        })
    }
    /// Set the vCPU count of the running domain (`virDomainSetVcpus`).
    pub fn set_vcpus(&self, nvcpus: u32) -> Result<()> {
        self.write_as("virDomainSetVcpus", |d| {
            d.domain_set_vcpus_flags(&self.r, nvcpus, affect::LIVE)
        })
    }
    /// Pin a vCPU of the running domain (`virDomainPinVcpu`).
    pub fn pin_vcpu(&self, vcpu: u32, map: &CpuMap) -> Result<()> {
        self.write_as("virDomainPinVcpu", |d| {
            d.domain_pin_vcpu(&self.r, vcpu, map, affect::CURRENT)
        })
    }
}

/// A virtual network handle (`virNetworkPtr`).
#[derive(Clone, Debug)]
pub struct Network {
    conn: Connect,
    r: NetworkRef,
}

impl Network {
    /// The network's name.
    pub fn name(&self) -> &str {
        &self.r.name
    }
    /// The network's UUID.
    pub fn uuid(&self) -> Uuid {
        self.r.uuid
    }
    handle_call!(/// True when running (`virNetworkIsActive`).
        is_active => network_is_active() -> bool);
    handle_call!(/// True when persistent (`virNetworkIsPersistent`).
        is_persistent => network_is_persistent() -> bool);
    handle_call!(/// Autostart flag (`virNetworkGetAutostart`).
        autostart => network_get_autostart() -> bool);
    handle_call!(/// The network XML (`virNetworkGetXMLDesc`).
        xml_desc => network_get_xml_desc(flags: u32) -> String);
    handle_call!(/// The bridge device (`virNetworkGetBridgeName`).
        bridge_name => network_get_bridge_name() -> String);
    /// The UUID in its dashed string form (`virNetworkGetUUIDString`).
    pub fn uuid_string(&self) -> String {
        self.r.uuid.hyphenated().to_string()
    }
    /// The identity as plain values.
    pub fn identity(&self) -> &NetworkRef {
        &self.r
    }
    /// The connection this handle belongs to.
    pub fn connect(&self) -> &Connect {
        &self.conn
    }
    handle_call!(/// Start the defined network (`virNetworkCreate`).
        create => network_create() -> ());
    handle_call!(/// Stop the network (`virNetworkDestroy`).
        destroy => network_destroy() -> ());
    handle_call!(/// Remove the persistent definition (`virNetworkUndefine`).
        undefine => network_undefine() -> ());
    handle_call!(/// Mark or unmark for autostart (`virNetworkSetAutostart`).
        set_autostart => network_set_autostart(autostart: bool) -> ());
    /// Change one section of the definition (`virNetworkUpdate`; see
    /// [`network_update`]).
    pub fn update(
        &self,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
        flags: u32,
    ) -> Result<()> {
        self.conn.check(self.conn.checked().network_update(
            &self.r,
            command,
            section,
            parent_index,
            xml,
            flags,
        ))
    }
    /// DHCP leases, only those of `mac` when given
    /// (`virNetworkGetDHCPLeases`).
    pub fn dhcp_leases(&self, mac: Option<&str>, flags: u32) -> Result<Vec<NetworkDhcpLease>> {
        self.conn.check(
            self.conn
                .checked()
                .network_get_dhcp_leases(&self.r, mac, flags),
        )
    }
}

/// A storage pool handle (`virStoragePoolPtr`).
#[derive(Clone, Debug)]
pub struct StoragePool {
    conn: Connect,
    r: StoragePoolRef,
}

/// A storage volume handle (`virStorageVolPtr`): pool name, name and key
/// bound to a connection.
#[derive(Clone, Debug)]
pub struct StorageVol {
    conn: Connect,
    r: StorageVolRef,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A driver with one domain that counts the changes it is asked for.
    struct OneDomain {
        changes: AtomicUsize,
    }

    fn the_domain() -> DomainRef {
        DomainRef {
            name: "d".into(),
            uuid: Uuid::from_u128(7),
            id: Some(1),
        }
    }

    impl Driver for OneDomain {
        fn type_name(&self) -> &str {
            "Fake"
        }
        fn domain_lookup_by_name(&self, name: &str) -> Result<DomainRef> {
            if name == "d" {
                Ok(the_domain())
            } else {
                Err(Error::no_domain_name(ErrorDomain::Test, name))
            }
        }
        fn domain_suspend(&self, _dom: &DomainRef) -> Result<()> {
            self.changes.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
        fn domain_destroy(&self, _dom: &DomainRef, _flags: u32) -> Result<()> {
            self.changes.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    fn open(read_only: bool) -> Connect {
        let uri = Uri::parse("fake:///").unwrap();
        Connect::from_driver(
            Box::new(OneDomain {
                changes: AtomicUsize::new(0),
            }),
            uri,
            read_only,
        )
    }

    #[test]
    fn read_only_refuses_in_the_core() {
        let c = open(true);
        let mut d = c.lookup_by_name("d").unwrap();
        let e = d.suspend().err().map(|e| (e.code, e.to_string()));
        assert_eq!(
            e,
            Some((
                ErrorCode::OperationDenied,
                "operation forbidden: read only access prevents virDomainSuspend".into()
            ))
        );
        assert!(d.destroy().is_err());
        assert_eq!(d.id(), Some(1), "a refused destroy leaves the handle alone");
        assert_eq!(
            c.last_error().map(|e| e.code),
            Some(ErrorCode::OperationDenied)
        );
        let rw = open(false);
        let mut d = rw.lookup_by_name("d").unwrap();
        assert!(d.destroy().is_ok());
        assert_eq!(d.id(), None);
    }

    #[test]
    fn errors_reach_connection_then_global_callback() {
        let c = open(false);
        let seen = Arc::new(AtomicUsize::new(0));
        let s2 = seen.clone();
        c.set_error_callback(Some(Arc::new(move |e: &Error| {
            if e.code == ErrorCode::NoDomain {
                s2.fetch_add(1, Ordering::SeqCst);
            }
        })));
        error::reset_last_error();
        assert!(c.lookup_by_name("x").is_err());
        assert_eq!(seen.load(Ordering::SeqCst), 1);
        let last = c.last_error().map(|e| e.to_string());
        assert_eq!(
            last.as_deref(),
            Some("Domain not found: no domain with matching name 'x'")
        );
        assert_eq!(
            error::last_error().map(|e| e.code),
            Some(ErrorCode::NoDomain)
        );
        // Unsupported calls say so, with libvirt's function name.
        let e = c.capabilities().err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("this function is not supported by the connection driver: virConnectGetCapabilities")
        );
        c.reset_last_error();
        assert!(c.last_error().is_none());
        c.set_error_callback(None);
    }

    #[test]
    fn uuid_strings_in_both_spellings() {
        let a = parse_uuid("EF86180145B911CB88E3AFBFE5370493").unwrap();
        let b = parse_uuid("ef861801-45b9-11cb-88e3-afbfe5370493").unwrap();
        assert_eq!(a, b);
        for bad in [
            "",
            "xyz",
            "ef861801-45b9-11cb-88e3-afbfe537049",
            "{ef861801-45b9-11cb-88e3-afbfe5370493}",
        ] {
            assert_eq!(
                parse_uuid(bad).err().map(|e| e.code),
                Some(ErrorCode::InvalidArg),
                "{bad}"
            );
        }
    }
}
