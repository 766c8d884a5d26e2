//! virt-xen: the `xen:///` driver, the one place where the three Xen
//! backends are composed.
//!
//! A connection is a [`virt_core::DriverStack`] of the members that open,
//! in this order:
//!
//! 1. [`virt_xen_hv::HvDriver`]: hypercalls, the fastest and truest source
//!    of running domains' state (needs `/dev/xen/privcmd`, i.e. root in
//!    dom0);
//! 2. [`virt_xenstore::XenstoreDriver`]: names, UUIDs and lookups of
//!    running domains, consoles, guest shutdown requests;
//! 3. [`virt_xend::XendDriver`]: defined domains, XML, and the changes
//!    (create, define, save, devices, ...).
//!
//! A call goes to the first member that supports it (the fall-through in
//! virt-core). Where two members overlap, the stack gives what libvirt's
//! Xen driver gave by having the earlier member step aside for the later
//! one where libvirt asked the later one first; that is decided here and
//! nowhere else, once the members that opened are known:
//!
//! - with a xend, xenstore declines what may involve inactive domains
//!   (xend knows defined domains, xenstore only running ones), state, and
//!   the guest requests libvirt sent to xend (`XenstoreRoute`,
//!   `XenstoreListing`);
//! - with a xend, the hypervisor member keeps its reads but leaves pause,
//!   resume, destroy and the maximum memory to xend (libvirt used the
//!   hypercalls for those only without xend, so xend's record of each
//!   domain stays true: `HypervisorRoute`).
//!
//! The members themselves know nothing of each other: each policy is a
//! [`virt_core::Route`] in front of a member, and the forwarding is
//! generated from virt-core's driver table.
//!
//! Without a xend (Xen 4.2 and later), the hypercalls make those changes
//! and xenstore asks guests to shut down or reboot.
//!
//! A read-only connection opens only what reads: xenstored's read-only
//! socket, the hypercall interface read-only, xend read-only; the core
//! refuses every change before a member sees it.
//!
//! Where the members are: [`XenEndpoints`]. [`register`] serves `xen:///`
//! from the standard places and the environment (`$XENSTORED_PATH`,
//! `$VIRT_XEND`); [`open_with`] takes them explicitly, for tests and
//! embedders (the environment is process-global).

#![warn(missing_docs)]

use std::path::PathBuf;
use std::sync::Arc;

use virt_core::{
    list_filter_matches, Connect, DomainRef, Driver, DriverEntry, DriverStack, Error, ErrorCode,
    ErrorDomain, ListFacts, Method, Result, Route, Routed, Uri,
};
use virt_xen_hv::HvDriver;
use virt_xend::{SexprOptions, XendDriver, XendEndpoint};
use virt_xenstore::XenstoreDriver;

/// The URI a Xen-only build uses when none is given.
pub const DEFAULT_URI: &str = "xen:///";

/// Where xenstore is to be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XenstoreAt {
    /// Where libxenstore looks: `$XENSTORED_PATH`, xenstored's sockets,
    /// the xenbus device.
    Standard,
    /// xenstored's two sockets.
    Sockets {
        /// For read-write connections (`/var/run/xenstored/socket`).
        read_write: PathBuf,
        /// For read-only connections (`/var/run/xenstored/socket_ro`).
        read_only: PathBuf,
    },
    /// Not used.
    Nowhere,
}

/// Where the members of a Xen connection are to be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XenEndpoints {
    /// Try the hypercall interface (`/dev/xen/privcmd`).
    pub hypervisor: bool,
    /// Where xenstored is.
    pub xenstore: XenstoreAt,
    /// xend's endpoints, tried in order (an empty list: no xend); `None`
    /// means [`XendEndpoint::candidates`] (`$VIRT_XEND`, xend's socket,
    /// `localhost:8000`).
    pub xend: Option<Vec<XendEndpoint>>,
}

impl XenEndpoints {
    /// The standard places, honouring `$XENSTORED_PATH` and `$VIRT_XEND`;
    /// the hypercall interface is used when it can be opened.
    pub fn standard() -> Self {
        XenEndpoints {
            hypervisor: true,
            xenstore: XenstoreAt::Standard,
            xend: None,
        }
    }
}

/// A member of the Xen stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    /// Hypercalls ([`virt_xen_hv::HvDriver`]).
    Hypervisor,
    /// xenstore ([`virt_xenstore::XenstoreDriver`]).
    Xenstore,
    /// xend ([`virt_xend::XendDriver`]).
    Xend,
}

/// An open Xen connection: the driver stack and which members it holds.
pub struct XenStack {
    driver: DriverStack,
    members: Vec<Member>,
    read_only: bool,
}

impl std::fmt::Debug for XenStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XenStack")
            .field("members", &self.members)
            .field("read_only", &self.read_only)
            .finish()
    }
}

impl XenStack {
    /// The members that opened, in stack order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The driver stack, to serve a connection.
    pub fn into_driver(self) -> DriverStack {
        self.driver
    }

    /// A [`Connect`] for `xen:///` served by this stack.
    pub fn into_connect(self) -> Result<Connect> {
        let uri = Uri::parse(DEFAULT_URI)?;
        let read_only = self.read_only;
        Ok(Connect::from_driver(
            Box::new(self.into_driver()),
            uri,
            read_only,
        ))
    }
}

/// Facts of the node that libvirt's Xen driver answered itself rather
/// than through a member; last in the stack, so any member that knows
/// better answers first.
struct XenNode;

impl Driver for XenNode {
    fn type_name(&self) -> &str {
        "Xen"
    }

    fn hostname(&self) -> Result<String> {
        Ok(virt_host::host_name())
    }
}

/// What the hypercalls are left with: with a xend behind they keep their
/// reads (state, info, vCPUs, node) and pin vCPUs (libvirt asked the
/// hypervisor first for that too), and decline pause, resume, destroy and
/// the maximum memory, which then fall through to xend: libvirt made
/// those changes through xend first, since xend keeps its own record of
/// every domain, which a change behind its back would leave stale. Without
/// one they make those changes themselves, destroy and state-filtered
/// listings going through [`HypervisorExtras`].
struct HypervisorRoute {
    with_xend: bool,
}

impl Route for HypervisorRoute {
    fn routes(&self, m: Method) -> bool {
        match m {
            // Always [`HypervisorExtras`]'s (or, with xend, xend's).
            Method::list_all_domains | Method::domain_destroy => false,
            Method::domain_suspend | Method::domain_resume | Method::domain_set_memory_flags => {
                !self.with_xend
            }
            _ => true,
        }
    }
}

/// What the hypercalls do beside themselves when no xend is there: after
/// a destroy, remove the domain's xenstore tree as xl does (a destroy by
/// hypercall alone leaves it, and xenstore would go on listing the dead
/// domain by name); and answer listings that filter on state, which
/// neither xenstore (no state) nor the hypercalls (no names) can alone:
/// names from xenstore, states from the hypercalls. `store` is a xenstore
/// connection of its own.
struct HypervisorExtras<H> {
    hv: Arc<H>,
    store: Option<XenstoreDriver>,
}

impl<H: Driver> Driver for HypervisorExtras<H> {
    fn type_name(&self) -> &str {
        self.hv.type_name()
    }
    fn list_all_domains(&self, flags: u32) -> Result<Vec<DomainRef>> {
        use virt_core::list_flags::{OTHER, PAUSED, RUNNING, SHUTOFF};
        let states = flags & (RUNNING | PAUSED | SHUTOFF | OTHER);
        let store = match &self.store {
            Some(store) if states != 0 => store,
            _ => return Err(Error::declined("virConnectListAllDomains")),
        };
        let mut out = Vec::new();
        for dom in store.list_all_domains(flags & !states)? {
            let state = match self.hv.domain_get_state(&dom, 0) {
                Ok((state, _)) => state,
                // Gone between the two looks: not listed.
                Err(e) if e.code == ErrorCode::NoDomain => continue,
                Err(e) => return Err(e),
            };
            let facts = ListFacts {
                state,
                persistent: false,
                autostart: false,
                managed_save: false,
                has_snapshot: false,
                has_checkpoint: false,
            };
            if list_filter_matches(flags, &facts) {
                out.push(dom);
            }
        }
        Ok(out)
    }
    fn domain_destroy(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        self.hv.domain_destroy(dom, flags)?;
        let store = self.store.as_ref().filter(|s| !s.is_read_only());
        if let (Some(store), Some(id)) = (store, dom.id) {
            // The domain is gone whatever happens here; a tree left behind
            // is a stale listing, not a failed destroy.
            if let Err(e) = store.forget_domain(id) {
                log::warn!("xen: domain {id} destroyed, but its xenstore entries remain: {e}");
            }
        }
        Ok(())
    }
}

/// What xenstore leaves to a xend behind it: what may involve inactive
/// domains (xend knows defined domains, xenstore only running ones),
/// state, and the guest requests libvirt sent to xend; and a domain it
/// does not see may be a defined one xend knows, so "not found" is a
/// decline. Listings are [`XenstoreListing`]'s.
struct XenstoreRoute;

impl Route for XenstoreRoute {
    fn routes(&self, m: Method) -> bool {
        !matches!(
            m,
            Method::list_all_domains
                | Method::list_defined_domains
                | Method::num_of_defined_domains
                | Method::domain_shutdown
                | Method::domain_reboot
                | Method::domain_get_info
                | Method::domain_get_state
                | Method::domain_get_os_type
                | Method::domain_get_max_memory
                | Method::domain_set_memory_flags
                | Method::domain_get_vcpus_flags
                | Method::domain_is_persistent
                | Method::domain_get_autostart
                | Method::domain_has_managed_save
        )
    }
    fn settle(&self, m: Method, e: Error) -> Error {
        if e.code == ErrorCode::NoDomain {
            Error::declined(m.api())
        } else {
            e
        }
    }
}

/// With a xend behind, xenstore lists only running domains filtered on
/// nothing that needs a definition; the rest is xend's.
struct XenstoreListing {
    xs: Arc<XenstoreDriver>,
}

impl Driver for XenstoreListing {
    fn type_name(&self) -> &str {
        self.xs.type_name()
    }
    fn list_all_domains(&self, flags: u32) -> Result<Vec<DomainRef>> {
        use virt_core::list_flags::*;
        let only_active = flags & (ACTIVE | INACTIVE) == ACTIVE;
        let needs_definitions = flags & (PERSISTENT | TRANSIENT | AUTOSTART | NO_AUTOSTART) != 0;
        if !only_active || needs_definitions {
            return Err(Error::declined("virConnectListAllDomains"));
        }
        self.xs.list_all_domains(flags)
    }
}

/// `None` when xenstore is not to be used.
fn open_xenstore(at: &XenstoreAt, read_only: bool) -> Option<Result<XenstoreDriver>> {
    Some(match at {
        XenstoreAt::Standard => XenstoreDriver::open(read_only),
        XenstoreAt::Sockets { read_only: ro, .. } if read_only => {
            XenstoreDriver::open_path(ro, true)
        }
        XenstoreAt::Sockets { read_write, .. } => XenstoreDriver::open_path(read_write, false),
        XenstoreAt::Nowhere => return None,
    })
}

fn open_xend(at: Option<&[XendEndpoint]>, read_only: bool) -> Result<XendDriver> {
    let candidates = match at {
        Some(list) => list.to_vec(),
        None => XendEndpoint::candidates(),
    };
    let mut last = None;
    for endpoint in &candidates {
        match XendDriver::open(endpoint, read_only) {
            Ok(d) => return Ok(d),
            Err(e) => {
                log::debug!("xen: xend at {endpoint:?} unavailable: {e}");
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| {
        Error::with(
            ErrorCode::NoConnect,
            ErrorDomain::Xend,
            "xend (no endpoint given)",
        )
    }))
}

/// Keep an opened member; remember why one did not open.
fn opened<D>(what: &str, r: Result<D>, failures: &mut Vec<Error>) -> Option<D> {
    match r {
        Ok(d) => Some(d),
        Err(e) => {
            log::debug!("xen: no {what}: {e}");
            failures.push(e);
            None
        }
    }
}

/// Open the members at `endpoints` and stack those that open. With none,
/// fails with the first member's error in stack order (on a host without
/// Xen: the hypervisor's "could not use Xen hypervisor entry ...").
pub fn open_with(endpoints: &XenEndpoints, read_only: bool) -> Result<XenStack> {
    let mut failures: Vec<Error> = Vec::new();
    let hv = if endpoints.hypervisor {
        opened("hypervisor", HvDriver::open(read_only), &mut failures)
    } else {
        None
    };
    let xenstore = open_xenstore(&endpoints.xenstore, read_only)
        .and_then(|r| opened("xenstore", r, &mut failures));
    let xend = opened(
        "xend",
        open_xend(endpoints.xend.as_deref(), read_only),
        &mut failures,
    );
    // xend's descriptions lack the console tty and VNC port; libvirt read
    // them from xenstore, so the xend member does too, on a connection of
    // its own (it reads only).
    let xend = match (xend, &xenstore) {
        (Some(x), Some(_)) => match open_xenstore(&endpoints.xenstore, true)
            .and_then(|r| opened("xenstore for consoles", r, &mut Vec::new()))
        {
            Some(store) => Some(x.with_console_lookup(move |id| SexprOptions {
                tty: store.console_tty(id).ok().flatten(),
                vnc_port: store.vnc_port(id).ok().flatten().map(i32::from),
            })),
            None => Some(x),
        },
        (x, _) => x,
    };
    // Without xend the hypercall member uses xenstore too (see
    // HypervisorMember), on a connection of its own.
    let store = match (&hv, &xenstore, &xend) {
        (Some(_), Some(_), None) => open_xenstore(&endpoints.xenstore, read_only)
            .and_then(|r| opened("xenstore for the hypervisor", r, &mut Vec::new())),
        _ => None,
    };
    assemble(hv, xenstore, store, xend, read_only).ok_or_else(|| {
        failures
            .into_iter()
            .next()
            .unwrap_or_else(|| Error::with(ErrorCode::NoConnect, ErrorDomain::Xen, DEFAULT_URI))
    })
}

/// Stack the members that opened, in order, with the overlaps settled
/// (see the crate documentation); `None` when none opened. The hypervisor
/// member is generic so that tests can stand in for the hypercalls.
fn assemble<H: Driver + 'static>(
    hv: Option<H>,
    xenstore: Option<XenstoreDriver>,
    store: Option<XenstoreDriver>,
    xend: Option<XendDriver>,
    read_only: bool,
) -> Option<XenStack> {
    let with_xend = xend.is_some();
    let mut members = Vec::new();
    let mut drivers: Vec<Box<dyn Driver>> = Vec::new();
    if let Some(hv) = hv {
        members.push(Member::Hypervisor);
        let hv = Arc::new(hv);
        if !with_xend {
            drivers.push(Box::new(HypervisorExtras {
                hv: hv.clone(),
                store,
            }));
        }
        drivers.push(Box::new(Routed {
            driver: hv,
            route: HypervisorRoute { with_xend },
        }));
    }
    if let Some(xs) = xenstore {
        members.push(Member::Xenstore);
        if with_xend {
            let xs = Arc::new(xs);
            drivers.push(Box::new(XenstoreListing { xs: xs.clone() }));
            drivers.push(Box::new(Routed {
                driver: xs,
                route: XenstoreRoute,
            }));
        } else {
            drivers.push(Box::new(xs));
        }
    }
    if let Some(xend) = xend {
        members.push(Member::Xend);
        drivers.push(Box::new(xend));
    }
    if drivers.is_empty() {
        return None;
    }
    drivers.push(Box::new(XenNode));
    Some(XenStack {
        driver: DriverStack::new(drivers),
        members,
        read_only,
    })
}

/// Open a connection for a Xen URI, or decline a URI that is not ours.
///
/// Ours: `xen:///`, `xen://`, `xen:///system` (and the bare `xen`), from
/// the standard places; `http://host[:port]/`, libvirt's spelling for
/// "xend at this HTTP server" (on another host, only xend is used: the
/// hypercalls and xenstore here would describe the wrong node). A `xen`
/// URI naming a host or a transport is the remote driver's.
pub fn open(uri: &Uri, read_only: bool) -> Option<Result<Box<dyn Driver>>> {
    let endpoints = match endpoints_for(uri)? {
        Ok(e) => e,
        Err(e) => return Some(Err(e)),
    };
    Some(open_with(&endpoints, read_only).map(|s| Box::new(s.into_driver()) as Box<dyn Driver>))
}

/// Where the members are for `uri`; `None` when the URI is not ours.
fn endpoints_for(uri: &Uri) -> Option<Result<XenEndpoints>> {
    match uri.driver.as_str() {
        "xen" => {
            if uri.host.is_some() || uri.transport.is_some() {
                return None;
            }
            if !matches!(uri.path.as_str(), "" | "/" | "/system") {
                return Some(Err(Error::with(
                    ErrorCode::InternalError,
                    ErrorDomain::Xen,
                    format!("unexpected Xen URI path '{}', try xen:///", uri.path),
                )));
            }
            Some(Ok(XenEndpoints::standard()))
        }
        "http" if uri.transport.is_none() => {
            let host = uri.host.clone().unwrap_or_else(|| "localhost".into());
            let local = matches!(host.as_str(), "localhost" | "127.0.0.1" | "::1");
            Some(Ok(XenEndpoints {
                hypervisor: local,
                xenstore: if local {
                    XenstoreAt::Standard
                } else {
                    XenstoreAt::Nowhere
                },
                xend: Some(vec![XendEndpoint::Tcp {
                    host,
                    port: uri.port.unwrap_or(virt_xend::XEND_PORT),
                }]),
            }))
        }
        _ => None,
    }
}

/// Register the `xen` driver with virt-core's URI registry.
pub fn register() {
    virt_core::register_driver(DriverEntry {
        name: "xen",
        default_uri: Some(DEFAULT_URI),
        open,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use virt_core::{affect, CpuMap, DomainInfo, DomainState, Uuid};
    use virt_xend::fake::FakeXend;
    use virt_xenstore::fake::{FakeGuest, FakeXenstored};

    const UUID: &str = "2f6a1c3e-8b1d-4a57-9c40-0d3e5f6a7b8c";

    /// Stands in for the hypercalls: knows every running domain by id and
    /// records the changes it is asked for.
    #[derive(Clone, Default)]
    struct StandIn {
        calls: Arc<Mutex<Vec<&'static str>>>,
    }

    impl StandIn {
        fn note(&self, call: &'static str) -> Result<()> {
            self.calls.lock().unwrap().push(call);
            Ok(())
        }
        fn calls(&self) -> Vec<&'static str> {
            self.calls.lock().unwrap().clone()
        }
    }

    impl Driver for StandIn {
        fn type_name(&self) -> &str {
            "Xen"
        }
        fn version(&self) -> Result<u64> {
            Ok(4_017_007)
        }
        fn capabilities(&self) -> Result<String> {
            Ok("<capabilities/>".into())
        }
        fn domain_get_info(&self, dom: &DomainRef) -> Result<DomainInfo> {
            dom.id.ok_or_else(|| Error::declined("virDomainGetInfo"))?;
            self.note("info")?;
            Ok(DomainInfo {
                state: DomainState::Blocked,
                max_mem: 1,
                memory: 1,
                nr_virt_cpu: 1,
                cpu_time: 7,
            })
        }
        fn domain_get_state(&self, dom: &DomainRef, _flags: u32) -> Result<(DomainState, i32)> {
            match dom.name.as_str() {
                "g" => Ok((DomainState::Paused, 1)),
                "gone" => Err(Error::no_domain_id(ErrorDomain::Xen, dom.id.unwrap_or(0))),
                _ => Ok((DomainState::Running, 1)),
            }
        }
        fn domain_suspend(&self, _dom: &DomainRef) -> Result<()> {
            self.note("pause")
        }
        fn domain_resume(&self, _dom: &DomainRef) -> Result<()> {
            self.note("unpause")
        }
        fn domain_destroy(&self, _dom: &DomainRef, _flags: u32) -> Result<()> {
            self.note("destroy")
        }
        fn domain_set_memory_flags(&self, _dom: &DomainRef, _kib: u64, _flags: u32) -> Result<()> {
            self.note("max_mem")
        }
        fn domain_pin_vcpu(&self, _d: &DomainRef, _v: u32, _m: &CpuMap, _f: u32) -> Result<()> {
            self.note("pin")
        }
    }

    /// A guest "g" running in both fakes under the same id.
    fn fakes() -> (FakeXenstored, FakeXend, u32) {
        let xend = FakeXend::start().unwrap();
        let id = xend
            .add_running(&format!(
                "(vm (name 'g')(memory 128)(maxmem 256)(vcpus 2)(uuid '{UUID}')\
                 (image (linux (kernel '/boot/vmlinuz'))))"
            ))
            .unwrap();
        let xs = FakeXenstored::start().unwrap();
        xs.populate_dom0(1_048_576).unwrap();
        xs.add_guest(&FakeGuest::new(id, "g", Uuid::parse_str(UUID).unwrap()))
            .unwrap();
        (xs, xend, id)
    }

    fn connect(stack: XenStack) -> Connect {
        stack.into_connect().unwrap()
    }

    #[test]
    fn with_xend_the_hypervisor_reads_and_xend_changes() {
        let (xs, xend, id) = fakes();
        let hv = StandIn::default();
        let stack = assemble(
            Some(hv.clone()),
            Some(XenstoreDriver::open_path(xs.socket_path(), false).unwrap()),
            Some(XenstoreDriver::open_path(xs.socket_path(), false).unwrap()),
            Some(XendDriver::open(&xend.endpoint(), false).unwrap()),
            false,
        )
        .unwrap();
        assert_eq!(
            stack.members(),
            [Member::Hypervisor, Member::Xenstore, Member::Xend]
        );
        let conn = connect(stack);
        // The version and capabilities are the hypervisor's, not xend's.
        assert_eq!(conn.version().unwrap(), 4_017_007);
        assert_eq!(conn.capabilities().unwrap(), "<capabilities/>");
        let mut g = conn.lookup_by_name("g").unwrap();
        assert_eq!(g.id(), Some(id));
        assert_eq!(g.info().unwrap().cpu_time, 7);
        xend.clear_requests();
        g.suspend().unwrap();
        g.resume().unwrap();
        g.set_max_memory(200_000).unwrap();
        g.pin_vcpu(0, &CpuMap::all(1)).unwrap();
        g.destroy().unwrap();
        assert_eq!(hv.calls(), ["info", "pin"]);
        // With xend, a state-filtered listing is xend's, and xenstore is
        // left alone by the destroy.
        assert!(xs.read(&format!("/local/domain/{id}/name")).is_some());
        let lines = xend.request_lines();
        assert_eq!(xend.post_count(), 4, "{lines:?}");
        let posts: Vec<String> = xend
            .requests()
            .iter()
            .filter(|r| r.starts_with(b"POST "))
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect();
        for (post, op) in
            posts
                .iter()
                .zip(["op=pause", "op=unpause", "op=maxmem_set", "op=destroy"])
        {
            assert!(post.contains(op), "{op} not in {post}");
        }
    }

    #[test]
    fn without_xend_the_hypervisor_and_xenstore_change() {
        let (xs, _xend, id) = fakes();
        let hv = StandIn::default();
        let stack = assemble(
            Some(hv.clone()),
            Some(XenstoreDriver::open_path(xs.socket_path(), false).unwrap()),
            Some(XenstoreDriver::open_path(xs.socket_path(), false).unwrap()),
            None,
            false,
        )
        .unwrap();
        assert_eq!(stack.members(), [Member::Hypervisor, Member::Xenstore]);
        let conn = connect(stack);
        // State filters: names from xenstore, states from the hypercalls; a
        // domain that vanished in between is left out.
        xs.add_guest(&FakeGuest::new(id + 1, "gone", Uuid::nil()))
            .unwrap();
        let names = |flags| -> Vec<String> {
            conn.list_all_domains(flags)
                .unwrap()
                .iter()
                .map(|d| d.name().to_string())
                .collect()
        };
        use virt_core::list_flags::{ACTIVE, INACTIVE, PAUSED, RUNNING, SHUTOFF};
        assert_eq!(names(PAUSED), ["g"]);
        assert_eq!(names(RUNNING), ["Domain-0"]);
        assert_eq!(names(RUNNING | PAUSED | ACTIVE), ["Domain-0", "g"]);
        assert_eq!(names(SHUTOFF), Vec::<String>::new());
        assert_eq!(names(INACTIVE), Vec::<String>::new());
        assert_eq!(names(0), ["Domain-0", "g", "gone"]);
        xs.remove_guest(id + 1).unwrap();
        let mut g = conn.lookup_by_name("g").unwrap();
        g.suspend().unwrap();
        g.resume().unwrap();
        g.set_max_memory(200_000).unwrap();
        g.shutdown().unwrap();
        assert_eq!(
            xs.read(&format!("/local/domain/{id}/control/shutdown"))
                .unwrap(),
            b"poweroff"
        );
        g.destroy().unwrap();
        assert_eq!(hv.calls(), ["pause", "unpause", "max_mem", "destroy"]);
        // As after xl destroy: xenstore no longer knows the guest.
        assert!(xs.read(&format!("/local/domain/{id}/name")).is_none());
        assert!(xs.read(&format!("/vm/{UUID}/name")).is_none());
        assert!(conn.lookup_by_name("g").is_err());
        // No xend: the node's facts come from here.
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
        assert_eq!(conn.hostname().unwrap(), host.trim());
        assert_eq!(conn.list_defined_domains().unwrap(), Vec::<String>::new());
    }

    /// The xenstore member with a xend behind: running domains stay
    /// xenstore's, what xend knows better is declined (a stack of the
    /// xenstore member alone then says "not supported"), and nothing is
    /// changed behind xend's back.
    #[test]
    fn xenstore_leaves_to_xend_what_xend_knows_better() {
        use virt_core::list_flags::*;
        let xs = FakeXenstored::start().unwrap();
        xs.populate_dom0(4_194_304).unwrap();
        xs.add_guest(&FakeGuest::new(3, "debian-pv", Uuid::from_u128(3)))
            .unwrap();
        let member = Arc::new(XenstoreDriver::open_path(xs.socket_path(), false).unwrap());
        let d = DriverStack::new(vec![
            Box::new(XenstoreListing { xs: member.clone() }),
            Box::new(Routed {
                driver: member,
                route: XenstoreRoute,
            }),
        ]);
        let pv = DomainRef {
            name: "debian-pv".into(),
            uuid: Uuid::from_u128(3),
            id: Some(3),
        };
        let gone = DomainRef {
            name: "defined-only".into(),
            uuid: Uuid::from_u128(5),
            id: None,
        };
        // Running domains: still xenstore's.
        assert_eq!(d.list_all_domains(ACTIVE).unwrap().len(), 2);
        assert_eq!(d.domain_lookup_by_name("debian-pv").unwrap().id, Some(3));
        assert!(d.domain_is_active(&pv).unwrap());
        // Anything that may involve inactive domains, state or definitions.
        for f in [
            0,
            INACTIVE,
            ACTIVE | INACTIVE,
            ACTIVE | PERSISTENT,
            SHUTOFF,
            ACTIVE | AUTOSTART,
        ] {
            let e = d.list_all_domains(f).unwrap_err();
            assert_eq!(e.code, ErrorCode::NoSupport, "{f:#x}");
        }
        for e in [
            d.domain_lookup_by_name("defined-only").err(),
            d.domain_lookup_by_uuid(&Uuid::from_u128(5)).err(),
            d.list_defined_domains().err(),
            d.domain_is_active(&gone).err(),
            d.domain_get_os_type(&gone).err(),
            d.domain_get_info(&pv).err(),
            d.domain_get_os_type(&pv).err(),
            d.domain_get_max_memory(&pv).err(),
            d.domain_get_vcpus_flags(&pv, 0).err(),
            d.domain_is_persistent(&pv).err(),
            d.domain_shutdown(&pv, 0).err(),
            d.domain_set_memory_flags(&pv, 1024, affect::LIVE).err(),
        ] {
            assert_eq!(e.map(|e| e.code), Some(ErrorCode::NoSupport));
        }
        assert_eq!(xs.read("/local/domain/3/control/shutdown").unwrap(), b"");
    }

    #[test]
    fn nothing_opened_is_no_stack() {
        assert!(assemble::<StandIn>(None, None, None, None, true).is_none());
    }

    fn endpoints(uri: &str) -> Option<Result<XenEndpoints>> {
        endpoints_for(&Uri::parse(uri).unwrap())
    }

    #[test]
    fn the_uris_it_takes() {
        for uri in ["xen:///", "xen://", "xen:///system", "xen"] {
            assert_eq!(
                endpoints(uri).unwrap().unwrap(),
                XenEndpoints::standard(),
                "{uri}"
            );
        }
        for uri in [
            "xen://node2/",
            "xen+ssh://root@node2/",
            "xen+unix:///",
            "qemu:///system",
            "test:///default",
        ] {
            assert!(endpoints(uri).is_none(), "{uri}");
        }
        let e = endpoints("xen:///session").unwrap().unwrap_err();
        assert_eq!(
            (e.code, e.domain),
            (ErrorCode::InternalError, ErrorDomain::Xen)
        );
        assert_eq!(
            e.to_string(),
            "internal error: unexpected Xen URI path '/session', try xen:///"
        );
        // xend's HTTP server: here, everything; elsewhere, xend alone.
        let here = endpoints("http://localhost:8001/").unwrap().unwrap();
        assert!(here.hypervisor);
        assert_eq!(here.xenstore, XenstoreAt::Standard);
        assert_eq!(
            here.xend,
            Some(vec![XendEndpoint::Tcp {
                host: "localhost".into(),
                port: 8001
            }])
        );
        let there = endpoints("http://xenhost/").unwrap().unwrap();
        assert!(!there.hypervisor);
        assert_eq!(there.xenstore, XenstoreAt::Nowhere);
        assert_eq!(
            there.xend,
            Some(vec![XendEndpoint::Tcp {
                host: "xenhost".into(),
                port: 8000
            }])
        );
    }

    #[test]
    fn xend_over_http_through_the_uri() {
        let xend = FakeXend::start_with_tcp().unwrap();
        let Some(XendEndpoint::Tcp { port, .. }) = xend.tcp_endpoint() else {
            panic!("no TCP endpoint");
        };
        let uri = Uri::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        let driver = open(&uri, true).unwrap().unwrap();
        let names: Vec<String> = driver
            .list_all_domains(0)
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert!(names.contains(&"Domain-0".to_string()), "{names:?}");
        assert!(xend
            .request_lines()
            .iter()
            .any(|l| l.starts_with("GET /xend/node/")));
    }
}
