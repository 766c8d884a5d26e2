//! [`XenstoreDriver`]: the member of the `xen:///` stack that answers what
//! libvirt's Xen driver read from xenstore.
//!
//! xenstore knows the running domains only: their ids under
//! `/local/domain`, names, UUIDs (from the `/vm/<uuid>` path), memory
//! target and maximum, vCPUs, console pty and VNC port. It can ask a guest
//! to power off or reboot by writing `control/shutdown`, and set a balloon
//! target through `memory/target`. Everything else (hypervisor state such
//! as "paused", defined domains, XML) belongs to the other members of the
//! stack, so this driver answers "not supported" there and the stack moves
//! on.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use uuid::Uuid;
use virt_core::{
    affect, list_filter_matches, list_flags, DomainInfo, DomainRef, DomainState, Driver, Error,
    ErrorCode, ErrorDomain, ListFacts,
};

use crate::client::{Client, Transport, Tx};
use crate::lookup::{self, ShutdownRequest};
use crate::XsError;

/// libvirt's `VIR_DOMAIN_SHUTDOWN_PARAVIRT` and `VIR_DOMAIN_REBOOT_PARAVIRT`:
/// ask the guest through xenstore, which is the only way this driver has.
const PARAVIRT: u32 = 1 << 4;

/// `VIR_DOMAIN_VCPU_MAXIMUM` and `VIR_DOMAIN_VCPU_GUEST`.
const VCPU_MAXIMUM: u32 = 4;
const VCPU_GUEST: u32 = 8;

/// Every `list_flags` bit libvirt 9.0 defines.
const LIST_KNOWN: u32 = (1 << 14) - 1;

/// How long one request may wait for xenstored before the connection is
/// given up (and reopened at the next call); a dead xenstored must not hang
/// a caller forever.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the connection came from, to reopen it after the stream broke.
#[derive(Debug, Clone)]
enum Source {
    /// `Client::open`: `$XENSTORED_PATH`, xenstored's sockets, xenbus.
    Standard,
    /// One socket or device.
    Path(PathBuf),
}

/// Whether `e` leaves the connection unusable: the peer is gone, or a
/// reply could not be framed or matched, so the next bytes on the stream
/// cannot be trusted.
fn breaks_stream(e: &XsError) -> bool {
    matches!(
        e,
        XsError::Io(_)
            | XsError::Closed
            | XsError::UnexpectedReply(_)
            | XsError::PayloadTooLong { .. }
            | XsError::UnknownType(_)
            | XsError::BadPayload { .. }
    )
}

/// The xenstore member of the Xen driver stack (type "Xen").
///
/// One xenstore connection, shared by the calls of every thread (one
/// request is in flight at a time; xenstore answers in microseconds). When
/// the stream breaks (xenstored restarted), the call is retried once on a
/// fresh connection.
#[derive(Debug)]
pub struct XenstoreDriver {
    client: Mutex<Option<Client<Transport>>>,
    source: Source,
    read_only: bool,
}

impl XenstoreDriver {
    /// Open xenstore as libxenstore does (`$XENSTORED_PATH`, else
    /// xenstored's `socket_ro` for a read-only connection, `socket`, the
    /// xenbus device). Fails with `NoXenstore` when none answers.
    pub fn open(read_only: bool) -> virt_core::Result<Self> {
        Self::connect(Source::Standard, read_only)
    }

    /// Open the xenstored socket (or xenbus device) at `path`. A read-only
    /// connection is meant for xenstored's `socket_ro`; this driver also
    /// refuses its own writes on it.
    pub fn open_path(path: impl AsRef<Path>, read_only: bool) -> virt_core::Result<Self> {
        Self::connect(Source::Path(path.as_ref().to_path_buf()), read_only)
    }

    fn connect(source: Source, read_only: bool) -> virt_core::Result<Self> {
        let client = Self::dial(&source, read_only)?;
        Ok(XenstoreDriver {
            client: Mutex::new(Some(client)),
            source,
            read_only,
        })
    }

    fn dial(source: &Source, read_only: bool) -> crate::Result<Client<Transport>> {
        let client = match source {
            Source::Standard => Client::open(read_only)?,
            Source::Path(p) => Client::open_path(p)?,
        };
        client.stream().set_timeout(Some(REQUEST_TIMEOUT))?;
        Ok(client)
    }

    /// True when opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The pty of running domain `id`'s console (`console/tty`), as the
    /// domain XML's `<console>` shows it.
    pub fn console_tty(&self, id: u32) -> virt_core::Result<Option<String>> {
        self.with(|c| lookup::console_tty(c, id))
    }

    /// The VNC port of running domain `id` (`console/vnc-port`), as the
    /// domain XML's `<graphics type='vnc' port=...>` shows it.
    pub fn vnc_port(&self, id: u32) -> virt_core::Result<Option<u16>> {
        self.with(|c| lookup::vnc_port(c, id))
    }

    /// Remove a destroyed domain's xenstore entries, as xl does after a
    /// destroy (see [`lookup::forget_domain`]); the Xen stack calls it after
    /// destroying a domain by hypercall. Refused on a read-only connection.
    pub fn forget_domain(&self, id: u32) -> virt_core::Result<()> {
        if self.read_only {
            return Err(Error::read_only("virDomainDestroy"));
        }
        self.with(|c| lookup::forget_domain(c, id))
    }

    fn lock(&self) -> MutexGuard<'_, Option<Client<Transport>>> {
        // A panic while holding the lock leaves at worst a half-read reply
        // on the stream; the next failure reconnects.
        self.client.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run `f` on the connection; if the stream broke, reconnect and try
    /// once more (every request this driver sends is idempotent).
    fn with<T>(
        &self,
        mut f: impl FnMut(&mut Client<Transport>) -> crate::Result<T>,
    ) -> virt_core::Result<T> {
        let mut guard = self.lock();
        let mut retried = false;
        loop {
            let client = match guard.as_mut() {
                Some(c) => c,
                None => guard.insert(Self::dial(&self.source, self.read_only)?),
            };
            match f(client) {
                Err(e) if breaks_stream(&e) => {
                    // The stream is gone or out of step: never reuse it.
                    *guard = None;
                    if retried {
                        return Err(e.into());
                    }
                    log::debug!("xenstore: {e}; reconnecting");
                    retried = true;
                }
                other => return other.map_err(Error::from),
            }
        }
    }

    /// The id `dom` runs under now, checked by name: a handle's id may be
    /// stale (the domain died and the id was reused, or it restarted under
    /// a new id).
    fn resolve(c: &mut Client<Transport>, dom: &DomainRef) -> crate::Result<Option<u32>> {
        if let Some(id) = dom.id {
            if lookup::domain_name(c, id)?.as_deref() == Some(dom.name.as_str()) {
                return Ok(Some(id));
            }
        }
        lookup::domain_by_name(c, &dom.name)
    }

    /// The running id of `dom`, or "not found" for a domain xenstore does
    /// not see (virt-xen reads that as a decline when a xend behind may
    /// know it as a defined, shut off domain).
    fn running_id(&self, dom: &DomainRef) -> virt_core::Result<u32> {
        match self.with(|c| Self::resolve(c, dom))? {
            Some(id) => Ok(id),
            None => Err(Error::no_domain_name(ErrorDomain::Xenstore, &dom.name)),
        }
    }

    fn domain_ref(c: &mut Client<Transport>, id: u32) -> crate::Result<Option<DomainRef>> {
        let Some(name) = lookup::domain_name(c, id)? else {
            return Ok(None);
        };
        // Domain-0 has no vm path; Xen gives it the nil UUID.
        let uuid = lookup::domain_uuid(c, id)?.unwrap_or_else(Uuid::nil);
        Ok(Some(DomainRef {
            name,
            uuid,
            id: Some(id),
        }))
    }

    /// Every running domain xenstore names (a domain being built or torn
    /// down may have no name yet or any more; it is left out).
    fn running_domains(c: &mut Client<Transport>) -> crate::Result<Vec<DomainRef>> {
        Ok(lookup::named_domains(c)?
            .into_iter()
            .map(|d| DomainRef {
                name: d.name,
                // Domain-0 has no vm path; Xen gives it the nil UUID.
                uuid: d.uuid.unwrap_or_else(Uuid::nil),
                id: Some(d.id),
            })
            .collect())
    }

    /// Current and maximum vCPUs from `cpu/<n>/availability`: libxl writes
    /// an entry for every possible vCPU and marks the online ones.
    fn vcpus(c: &mut Client<Transport>, id: u32) -> crate::Result<Option<(u32, u32)>> {
        let base = format!("{}/cpu", lookup::domain_path(id));
        let cpus = match c.directory(Tx::NONE, &base) {
            Ok(cpus) => cpus,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut online = 0;
        for cpu in &cpus {
            let avail = c.try_read(Tx::NONE, &format!("{base}/{cpu}/availability"))?;
            // Without an availability entry the vCPU is there (older
            // toolstacks wrote only the directory).
            if avail.as_deref().is_none_or(|a| a.trim() == "online") {
                online += 1;
            }
        }
        Ok(Some((online, cpus.len() as u32)))
    }

    fn max_memory_kib(c: &mut Client<Transport>, id: u32) -> crate::Result<Option<u64>> {
        let path = format!("{}/memory/static-max", lookup::domain_path(id));
        match c.try_read(Tx::NONE, &path)? {
            Some(v) => v.trim().parse().map(Some).map_err(|_| XsError::BadValue {
                path,
                value: v,
                expected: "a size in KiB",
            }),
            None => lookup::memory_target_kib(c, id),
        }
    }

    /// The state xenstore can tell: toolstacks of the xend era wrote
    /// `running`; Xen 4.x's libxl writes nothing that says running or
    /// paused, so the state is unknown ("no state"), as libvirt reported.
    fn state(c: &mut Client<Transport>, id: u32) -> crate::Result<DomainState> {
        let running = c.try_read(Tx::NONE, &format!("{}/running", lookup::domain_path(id)))?;
        Ok(match running.as_deref().map(str::trim) {
            Some("1") => DomainState::Running,
            _ => DomainState::NoState,
        })
    }

    /// Ask the guest through `control/shutdown`.
    fn request(
        &self,
        dom: &DomainRef,
        request: ShutdownRequest,
        flags: u32,
        api: &str,
    ) -> virt_core::Result<()> {
        Error::check_flags(ErrorDomain::Xenstore, flags, PARAVIRT, api)?;
        if self.read_only {
            return Err(Error::read_only(api));
        }
        let id = self.running_id(dom)?;
        self.with(|c| lookup::request_shutdown(c, id, request))
    }
}

impl Driver for XenstoreDriver {
    fn type_name(&self) -> &str {
        "Xen"
    }

    fn close(&self) -> virt_core::Result<()> {
        *self.lock() = None;
        Ok(())
    }

    fn list_domain_ids(&self) -> virt_core::Result<Vec<u32>> {
        self.with(lookup::domain_ids)
    }

    fn num_of_domains(&self) -> virt_core::Result<u32> {
        self.with(lookup::domain_ids).map(|ids| ids.len() as u32)
    }

    fn list_defined_domains(&self) -> virt_core::Result<Vec<String>> {
        // Without xend nothing keeps a definition: no domain is defined
        // and inactive.
        Ok(Vec::new())
    }

    fn num_of_defined_domains(&self) -> virt_core::Result<u32> {
        Ok(0)
    }

    fn list_all_domains(&self, flags: u32) -> virt_core::Result<Vec<DomainRef>> {
        const API: &str = "virConnectListAllDomains";
        use list_flags::*;
        Error::check_flags(ErrorDomain::Xenstore, flags, LIST_KNOWN, API)?;
        let states = flags & (RUNNING | PAUSED | SHUTOFF | OTHER);
        // Running and paused look the same in xenstore.
        let needs_state = states & (RUNNING | PAUSED | OTHER) != 0;
        if needs_state {
            return Err(Error::declined(API));
        }
        let facts = ListFacts {
            // Any active state: the filter only asks active or not here.
            state: DomainState::Running,
            persistent: false,
            autostart: false,
            managed_save: false,
            has_snapshot: false,
            has_checkpoint: false,
        };
        if !list_filter_matches(flags, &facts) {
            return Ok(Vec::new());
        }
        self.with(Self::running_domains)
    }

    fn domain_lookup_by_id(&self, id: u32) -> virt_core::Result<DomainRef> {
        match self.with(|c| Self::domain_ref(c, id))? {
            Some(d) => Ok(d),
            None => Err(Error::no_domain_id(ErrorDomain::Xenstore, id)),
        }
    }

    fn domain_lookup_by_name(&self, name: &str) -> virt_core::Result<DomainRef> {
        let found = self.with(|c| match lookup::domain_by_name(c, name)? {
            Some(id) => Self::domain_ref(c, id),
            None => Ok(None),
        })?;
        found.ok_or_else(|| Error::no_domain_name(ErrorDomain::Xenstore, name))
    }

    fn domain_lookup_by_uuid(&self, uuid: &Uuid) -> virt_core::Result<DomainRef> {
        let found = self.with(|c| {
            for d in Self::running_domains(c)? {
                if d.uuid == *uuid {
                    return Ok(Some(d));
                }
            }
            Ok(None)
        })?;
        found.ok_or_else(|| Error::no_domain_uuid(ErrorDomain::Xenstore, uuid))
    }

    fn domain_shutdown(&self, dom: &DomainRef, flags: u32) -> virt_core::Result<()> {
        self.request(
            dom,
            ShutdownRequest::Poweroff,
            flags,
            "virDomainShutdownFlags",
        )
    }

    fn domain_reboot(&self, dom: &DomainRef, flags: u32) -> virt_core::Result<()> {
        self.request(dom, ShutdownRequest::Reboot, flags, "virDomainReboot")
    }

    fn domain_get_info(&self, dom: &DomainRef) -> virt_core::Result<DomainInfo> {
        let id = self.running_id(dom)?;
        self.with(|c| {
            let memory = lookup::memory_target_kib(c, id)?.unwrap_or(0);
            let max_mem = Self::max_memory_kib(c, id)?.unwrap_or(memory);
            let cpu_time = c
                .try_read(Tx::NONE, &format!("{}/cpu_time", lookup::domain_path(id)))?
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(0);
            Ok(DomainInfo {
                state: Self::state(c, id)?,
                max_mem,
                memory,
                nr_virt_cpu: Self::vcpus(c, id)?.map_or(0, |(online, _)| online),
                cpu_time,
            })
        })
    }

    fn domain_get_state(
        &self,
        dom: &DomainRef,
        flags: u32,
    ) -> virt_core::Result<(DomainState, i32)> {
        const API: &str = "virDomainGetState";
        Error::check_flags(ErrorDomain::Xenstore, flags, 0, API)?;
        let id = self.running_id(dom)?;
        self.with(|c| Self::state(c, id)).map(|s| (s, 0))
    }

    fn domain_get_os_type(&self, dom: &DomainRef) -> virt_core::Result<String> {
        let id = self.running_id(dom)?;
        let found = self.with(|c| {
            if let Some(t) = lookup::os_type(c, id)? {
                return Ok(Some(t));
            }
            // libxl's own record of the guest type.
            let kind = c.try_read(Tx::NONE, &format!("/libxl/{id}/type"))?;
            Ok(kind.map(|k| {
                match k.trim() {
                    "hvm" => "hvm",
                    // libvirt's name for a PVH guest.
                    "pvh" => "xenpvh",
                    _ => "linux",
                }
                .to_string()
            }))
        })?;
        match found {
            Some(t) => Ok(t),
            // Domain-0 has neither: it is the paravirtualized host kernel.
            None if id == 0 => Ok("linux".into()),
            None => Err(Error::with(
                ErrorCode::OperationFailed,
                ErrorDomain::Xenstore,
                format!("xenstore holds no OS type for domain '{}'", dom.name),
            )),
        }
    }

    fn domain_get_max_memory(&self, dom: &DomainRef) -> virt_core::Result<u64> {
        let id = self.running_id(dom)?;
        match self.with(|c| Self::max_memory_kib(c, id))? {
            Some(kib) => Ok(kib),
            None => Err(Error::with(
                ErrorCode::OperationFailed,
                ErrorDomain::Xenstore,
                format!("xenstore holds no memory size for domain '{}'", dom.name),
            )),
        }
    }

    fn domain_set_memory_flags(
        &self,
        dom: &DomainRef,
        kib: u64,
        flags: u32,
    ) -> virt_core::Result<()> {
        const API: &str = "virDomainSetMemoryFlags";
        // xenstore sets the balloon target of the running domain only; the
        // maximum is the hypervisor's, the persistent size xend's.
        if flags & (affect::CONFIG | affect::MAXIMUM) != 0 {
            return Err(Error::declined(API));
        }
        Error::check_flags(ErrorDomain::Xenstore, flags, affect::LIVE, API)?;
        if self.read_only {
            return Err(Error::read_only(API));
        }
        let id = self.running_id(dom)?;
        if let Some(max) = self.with(|c| Self::max_memory_kib(c, id))? {
            if kib > max {
                return Err(Error::with(
                    ErrorCode::InvalidArg,
                    ErrorDomain::Xenstore,
                    "cannot set memory higher than max memory",
                ));
            }
        }
        self.with(|c| lookup::set_memory_target_kib(c, id, kib))
    }

    fn domain_get_vcpus_flags(&self, dom: &DomainRef, flags: u32) -> virt_core::Result<u32> {
        const API: &str = "virDomainGetVcpusFlags";
        // The persistent count is xend's; what the guest agent sees is not
        // in xenstore.
        if flags & (affect::CONFIG | VCPU_GUEST) != 0 {
            return Err(Error::declined(API));
        }
        Error::check_flags(
            ErrorDomain::Xenstore,
            flags,
            affect::LIVE | VCPU_MAXIMUM,
            API,
        )?;
        let id = self.running_id(dom)?;
        match self.with(|c| Self::vcpus(c, id))? {
            Some((online, all)) => Ok(if flags & VCPU_MAXIMUM != 0 {
                all
            } else {
                online
            }),
            None => Err(Error::declined(API)),
        }
    }

    fn domain_is_active(&self, dom: &DomainRef) -> virt_core::Result<bool> {
        self.running_id(dom).map(|_| true)
    }

    fn domain_is_persistent(&self, dom: &DomainRef) -> virt_core::Result<bool> {
        self.running_id(dom).map(|_| false)
    }

    fn domain_get_autostart(&self, dom: &DomainRef) -> virt_core::Result<bool> {
        self.running_id(dom).map(|_| false)
    }

    fn domain_has_managed_save(&self, dom: &DomainRef, flags: u32) -> virt_core::Result<bool> {
        const API: &str = "virDomainHasManagedSaveImage";
        Error::check_flags(ErrorDomain::Xenstore, flags, 0, API)?;
        self.running_id(dom).map(|_| false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeGuest, FakeXenstored};

    const PV_UUID: &str = "4dea22b3-1d52-d8f3-2516-782e98ab3fa0";
    const HVM_UUID: &str = "8a6a5f2e-7b1c-4d3e-9f00-112233445566";

    fn uuid(s: &str) -> Uuid {
        Uuid::parse_str(s).unwrap()
    }

    fn populated() -> FakeXenstored {
        FakeXenstored::sample().unwrap()
    }

    fn open(fake: &FakeXenstored) -> XenstoreDriver {
        XenstoreDriver::open_path(fake.socket_path(), false).unwrap()
    }

    fn dom(name: &str, id: Option<u32>) -> DomainRef {
        DomainRef {
            name: name.into(),
            uuid: Uuid::nil(),
            id,
        }
    }

    fn code<T: std::fmt::Debug>(r: virt_core::Result<T>) -> (ErrorCode, ErrorDomain) {
        let e = r.unwrap_err();
        (e.code, e.domain)
    }

    #[test]
    fn lists_and_looks_up_running_domains() {
        let fake = populated();
        let d = open(&fake);
        assert_eq!(d.type_name(), "Xen");
        assert_eq!(d.list_domain_ids().unwrap(), [0, 3, 12]);
        assert_eq!(d.num_of_domains().unwrap(), 3);
        let pv = d.domain_lookup_by_name("debian-pv").unwrap();
        assert_eq!(
            pv,
            DomainRef {
                name: "debian-pv".into(),
                uuid: uuid(PV_UUID),
                id: Some(3)
            }
        );
        assert_eq!(d.domain_lookup_by_id(12).unwrap().name, "win-hvm");
        assert_eq!(
            d.domain_lookup_by_uuid(&uuid(HVM_UUID)).unwrap().id,
            Some(12)
        );
        // Domain-0 has no vm path: Xen's nil UUID.
        let dom0 = d.domain_lookup_by_id(0).unwrap();
        assert_eq!((dom0.name.as_str(), dom0.uuid), ("Domain-0", Uuid::nil()));
        assert_eq!(d.domain_lookup_by_uuid(&Uuid::nil()).unwrap().id, Some(0));

        let e = d.domain_lookup_by_name("nope").unwrap_err();
        assert_eq!(
            (e.code, e.domain),
            (ErrorCode::NoDomain, ErrorDomain::Xenstore)
        );
        assert_eq!(
            e.to_string(),
            "Domain not found: no domain with matching name 'nope'"
        );
        assert_eq!(code(d.domain_lookup_by_id(7)).0, ErrorCode::NoDomain);
        assert_eq!(
            code(d.domain_lookup_by_uuid(&Uuid::from_u128(9))).0,
            ErrorCode::NoDomain
        );

        // A domain half built (no name yet) is counted but not named.
        fake.write("/local/domain/20/domid", "20").unwrap();
        assert_eq!(d.list_domain_ids().unwrap(), [0, 3, 12, 20]);
        let names: Vec<String> = d
            .list_all_domains(list_flags::ACTIVE)
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["Domain-0", "debian-pv", "win-hvm"]);
        assert_eq!(code(d.domain_lookup_by_id(20)).0, ErrorCode::NoDomain);
    }

    #[test]
    fn list_all_answers_what_xenstore_can_decide() {
        use list_flags::*;
        let fake = populated();
        let d = open(&fake);
        let count = |flags| d.list_all_domains(flags).map(|v| v.len());
        assert_eq!(count(0).unwrap(), 3);
        assert_eq!(count(ACTIVE).unwrap(), 3);
        assert_eq!(count(ACTIVE | INACTIVE).unwrap(), 3);
        assert_eq!(count(INACTIVE).unwrap(), 0);
        assert_eq!(count(SHUTOFF).unwrap(), 0);
        // Without xend nothing keeps a definition.
        assert_eq!(count(PERSISTENT).unwrap(), 0);
        assert_eq!(count(TRANSIENT | NO_AUTOSTART).unwrap(), 3);
        assert_eq!(count(ACTIVE | NO_MANAGEDSAVE | NO_SNAPSHOT).unwrap(), 3);
        assert_eq!(count(MANAGEDSAVE).unwrap(), 0);
        assert_eq!(d.list_defined_domains().unwrap(), Vec::<String>::new());
        assert_eq!(d.num_of_defined_domains().unwrap(), 0);
        // Running or paused: xenstore cannot tell.
        for f in [RUNNING, PAUSED, OTHER, ACTIVE | RUNNING] {
            assert_eq!(code(count(f)).0, ErrorCode::NoSupport, "{f:#x}");
        }
        let e = count(1 << 20).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArg);
        assert_eq!(
            e.to_string(),
            "unsupported flags (0x100000) in function virConnectListAllDomains"
        );
    }

    #[test]
    fn info_memory_vcpus_and_os_type() {
        let fake = populated();
        let d = open(&fake);
        let pv = dom("debian-pv", Some(3));
        let hvm = dom("win-hvm", Some(12));
        let info = d.domain_get_info(&pv).unwrap();
        assert_eq!(
            info,
            DomainInfo {
                state: DomainState::NoState,
                max_mem: 524_288,
                memory: 262_144,
                nr_virt_cpu: 2,
                cpu_time: 0,
            }
        );
        assert_eq!(
            d.domain_get_state(&pv, 0).unwrap(),
            (DomainState::NoState, 0)
        );
        // xend-era toolstacks said so.
        fake.write("/local/domain/3/running", "1").unwrap();
        fake.write("/local/domain/3/cpu_time", "1500000000")
            .unwrap();
        let info = d.domain_get_info(&pv).unwrap();
        assert_eq!(
            (info.state, info.cpu_time),
            (DomainState::Running, 1_500_000_000)
        );

        assert_eq!(d.domain_get_max_memory(&hvm).unwrap(), 2_097_152);
        fake.rm("/local/domain/12/memory/static-max").unwrap();
        assert_eq!(d.domain_get_max_memory(&hvm).unwrap(), 1_048_576);

        fake.write("/local/domain/3/cpu/1/availability", "offline")
            .unwrap();
        assert_eq!(d.domain_get_vcpus_flags(&pv, affect::LIVE).unwrap(), 1);
        assert_eq!(
            d.domain_get_vcpus_flags(&pv, affect::LIVE | VCPU_MAXIMUM)
                .unwrap(),
            2
        );
        assert_eq!(d.domain_get_info(&pv).unwrap().nr_virt_cpu, 1);
        assert_eq!(
            code(d.domain_get_vcpus_flags(&pv, affect::CONFIG)).0,
            ErrorCode::NoSupport
        );

        assert_eq!(d.domain_get_os_type(&pv).unwrap(), "linux");
        assert_eq!(d.domain_get_os_type(&hvm).unwrap(), "hvm");
        assert_eq!(
            d.domain_get_os_type(&dom("Domain-0", Some(0))).unwrap(),
            "linux"
        );
        fake.rm(&format!("/vm/{PV_UUID}/image")).unwrap();
        fake.write("/libxl/3/type", "pvh").unwrap();
        assert_eq!(d.domain_get_os_type(&pv).unwrap(), "xenpvh");
        fake.rm("/libxl/3").unwrap();
        assert_eq!(
            code(d.domain_get_os_type(&pv)).0,
            ErrorCode::OperationFailed
        );

        assert_eq!(d.console_tty(3).unwrap().as_deref(), Some("/dev/pts/3"));
        assert_eq!(d.console_tty(12).unwrap(), None);
        assert_eq!(d.vnc_port(12).unwrap(), Some(5901));
        assert!(d.domain_is_active(&pv).unwrap());
        assert!(!d.domain_is_persistent(&pv).unwrap());
        assert!(!d.domain_get_autostart(&pv).unwrap());
        assert!(!d.domain_has_managed_save(&pv, 0).unwrap());
    }

    #[test]
    fn handles_follow_the_name_not_a_stale_id() {
        let fake = populated();
        let d = open(&fake);
        // The guest rebooted under a new id; the handle still says 3.
        fake.remove_guest(3).unwrap();
        let mut again = FakeGuest::new(4, "debian-pv", uuid(PV_UUID));
        again.memory_kib = 131_072;
        fake.add_guest(&again).unwrap();
        let stale = dom("debian-pv", Some(3));
        assert_eq!(d.domain_get_info(&stale).unwrap().memory, 131_072);
        // And an id reused by another domain is not that domain.
        let mut other = FakeGuest::new(3, "intruder", Uuid::from_u128(3));
        other.memory_kib = 65_536;
        fake.add_guest(&other).unwrap();
        assert_eq!(d.domain_get_info(&stale).unwrap().memory, 131_072);
        d.domain_shutdown(&stale, 0).unwrap();
        assert_eq!(
            fake.read("/local/domain/4/control/shutdown").unwrap(),
            b"poweroff"
        );
        assert_eq!(fake.read("/local/domain/3/control/shutdown").unwrap(), b"");
        // Gone for good: not found (nothing else could know it).
        fake.remove_guest(4).unwrap();
        let e = d.domain_get_info(&stale).unwrap_err();
        assert_eq!(
            (e.code, e.domain),
            (ErrorCode::NoDomain, ErrorDomain::Xenstore)
        );
        assert_eq!(code(d.domain_is_active(&stale)).0, ErrorCode::NoDomain);
    }

    #[test]
    fn forgetting_a_destroyed_domain_removes_its_whole_tree() {
        let fake = populated();
        let d = open(&fake);
        fake.write("/local/domain/0/backend/console/3/0/state", "4")
            .unwrap();
        fake.write("/local/domain/0/backend/vbd/3/51712/state", "4")
            .unwrap();
        fake.write("/local/domain/0/backend/vbd/12/768/state", "4")
            .unwrap();
        fake.write("/libxl/3/type", "pv").unwrap();
        d.forget_domain(3).unwrap();
        let after = fake.paths();
        for p in &after {
            assert!(!p.starts_with("/local/domain/3"), "left {p}");
            assert!(!p.starts_with(&format!("/vm/{PV_UUID}")), "left {p}");
            assert!(!p.contains("/backend/console/3"), "left {p}");
            assert!(!p.contains("/backend/vbd/3"), "left {p}");
            assert!(!p.starts_with("/libxl/3"), "left {p}");
        }
        // The other guest and Domain-0 are untouched.
        assert!(after.iter().any(|p| p == "/local/domain/12/name"));
        assert!(after
            .iter()
            .any(|p| p == "/local/domain/0/backend/vbd/12/768/state"));
        assert!(after.iter().any(|p| p == "/local/domain/0/name"));
        assert_eq!(d.list_domain_ids().unwrap(), vec![0, 12]);
        assert!(d.domain_lookup_by_name("debian-pv").is_err());
        // Gone already: nothing to do, no error. Domain-0: refused.
        d.forget_domain(3).unwrap();
        assert!(d.forget_domain(0).is_err());
        assert!(fake.paths().iter().any(|p| p == "/local/domain/0/name"));
        let ro = XenstoreDriver::open_path(fake.socket_ro_path(), true).unwrap();
        assert_eq!(
            ro.forget_domain(12).unwrap_err().code,
            ErrorCode::OperationDenied
        );
        assert!(fake.paths().iter().any(|p| p == "/local/domain/12/name"));
        assert_eq!(fake.open_transactions(), 0);
    }

    #[test]
    fn shutdown_reboot_and_memory_target() {
        let fake = populated();
        let d = open(&fake);
        let pv = dom("debian-pv", Some(3));
        d.domain_shutdown(&pv, 0).unwrap();
        assert_eq!(
            fake.read("/local/domain/3/control/shutdown").unwrap(),
            b"poweroff"
        );
        d.domain_reboot(&pv, PARAVIRT).unwrap();
        assert_eq!(
            fake.read("/local/domain/3/control/shutdown").unwrap(),
            b"reboot"
        );
        let e = d.domain_shutdown(&pv, 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unsupported flags (0x1) in function virDomainShutdownFlags"
        );
        let e = d.domain_shutdown(&dom("Domain-0", Some(0)), 0).unwrap_err();
        assert_eq!(e.code, ErrorCode::OperationInvalid);
        assert_eq!(
            code(d.domain_reboot(&dom("gone", Some(40)), 0)).0,
            ErrorCode::NoDomain
        );
        assert!(fake.read("/local/domain/40").is_none(), "nothing created");

        d.domain_set_memory_flags(&pv, 300_000, affect::LIVE)
            .unwrap();
        assert_eq!(
            fake.read("/local/domain/3/memory/target").unwrap(),
            b"300000"
        );
        let e = d
            .domain_set_memory_flags(&pv, 600_000, affect::LIVE)
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArg);
        assert_eq!(
            e.to_string(),
            "invalid argument: cannot set memory higher than max memory"
        );
        assert_eq!(
            fake.read("/local/domain/3/memory/target").unwrap(),
            b"300000"
        );
        for flags in [affect::MAXIMUM, affect::CONFIG] {
            assert_eq!(
                code(d.domain_set_memory_flags(&pv, 1024, flags)).0,
                ErrorCode::NoSupport
            );
        }
    }

    #[test]
    fn read_only_uses_the_reader_socket_and_writes_nothing() {
        let fake = populated();
        let ro = XenstoreDriver::open_path(fake.socket_ro_path(), true).unwrap();
        assert!(ro.is_read_only());
        assert_eq!(ro.domain_lookup_by_name("win-hvm").unwrap().id, Some(12));
        // Counted once answered: the fake counts in its accepting thread.
        assert_eq!(fake.connections_accepted(true), 1);
        assert_eq!(fake.connections_accepted(false), 0);
        let pv = dom("debian-pv", Some(3));
        for e in [
            ro.domain_shutdown(&pv, 0).unwrap_err(),
            ro.domain_reboot(&pv, 0).unwrap_err(),
            ro.domain_set_memory_flags(&pv, 1024, affect::LIVE)
                .unwrap_err(),
        ] {
            assert_eq!(e.code, ErrorCode::OperationDenied);
        }
        assert_eq!(fake.read("/local/domain/3/control/shutdown").unwrap(), b"");
        assert_eq!(
            fake.read("/local/domain/3/memory/target").unwrap(),
            b"262144"
        );
        assert_eq!(fake.connections_accepted(false), 0);
    }

    #[test]
    fn reconnects_after_xenstored_drops_the_connection() {
        let fake = populated();
        let d = open(&fake);
        assert_eq!(d.num_of_domains().unwrap(), 3);
        assert!(fake.drop_connections() >= 1);
        assert_eq!(d.num_of_domains().unwrap(), 3);
        assert_eq!(fake.connections_accepted(false), 2);
        // After close the next call opens a fresh connection too.
        d.close().unwrap();
        assert_eq!(d.list_domain_ids().unwrap(), [0, 3, 12]);
        assert_eq!(fake.connections_accepted(false), 3);
    }

    #[test]
    fn open_fails_with_libvirts_xenstore_error() {
        let e = XenstoreDriver::open_path("/nonexistent/xenstored/socket", false).unwrap_err();
        assert_eq!(
            (e.code, e.domain),
            (ErrorCode::NoXenstore, ErrorDomain::Xenstore)
        );
        assert!(
            e.to_string().starts_with("could not connect to Xen Store"),
            "{e}"
        );
    }

    #[test]
    fn one_connection_serves_many_threads() {
        let fake = populated();
        let d = std::sync::Arc::new(open(&fake));
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let d = std::sync::Arc::clone(&d);
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        assert_eq!(d.domain_lookup_by_name("win-hvm").unwrap().id, Some(12));
                        assert_eq!(d.list_domain_ids().unwrap().len(), 3);
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(fake.connections_accepted(false), 1);
    }
}
