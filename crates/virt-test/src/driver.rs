//! [`TestConnection`]: the `virt_core::Driver` of the test hypervisor.

use crate::devstats;
use crate::domains::{memory_of, prepare_def, AddMode, DomainObj, Domains, DEFAULT_WEIGHT};
use crate::error::{check_flags, TestError, TestResult};
use crate::networks::{parse_network_def, NetworkObj};
use crate::node::{self, Node};
use std::sync::{Arc, RwLockReadGuard, RwLockWriteGuard};
use virt_core::events::lifecycle_detail::{
    defined, resumed, started, stopped, suspended, undefined,
};
use virt_core::moment::{Checkpoint, Snapshot};
use virt_core::{
    affect, define_flags, dump_format, list_filter_matches, network_define_flags,
    network_list_flags, network_update, reason, start_flags, xml_flags, CpuMap,
    DomainCheckpointRef, DomainInfo, DomainRef, DomainSnapshotRef, DomainState, DomainStatsRecord,
    Driver, InterfaceRef, NetworkRef, NodeDeviceRef, NodeInfo, Result, Screenshot, SecurityLabel,
    SecurityModel, StoragePoolRef, StorageVolRef, TypedKind, TypedParam, TypedValue, Uuid,
};
use virt_core::{Event, EventBus, LifecycleEvent, NetworkLifecycleEvent};
use virt_xml::{Cputune, DomainDef, FormatOptions, View};

/// Hypervisor version the test driver reports (0.0.2).
const HV_VERSION: u64 = 2;
/// Most vCPUs a test guest may have.
pub(crate) const MAX_VCPUS: u32 = 32;
/// `VIR_DOMAIN_UNDEFINE_*` flags libvirt's test driver accepts: managed
/// save and snapshot metadata.
const UNDEFINE_FLAGS: u32 = 1 | 2;
/// The scheduler parameters the test driver takes.
const SCHED_PARAMS: [(&str, TypedKind); 1] = [("weight", TypedKind::UInt)];

/// One connection to a simulated node. Connections to `test:///default`
/// in one process share their node.
pub struct TestConnection {
    pub(crate) node: Arc<Node>,
}

/// The size of the host CPU map libvirt's test driver reports.
const HOST_CPU_MAP_SIZE: u32 = 8;

impl TestConnection {
    pub(crate) fn new(node: Arc<Node>) -> Self {
        TestConnection { node }
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Domains> {
        // A panic while holding the lock cannot leave the maps inconsistent
        // in a way that matters more than refusing service would.
        self.node.domains.read().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Domains> {
        self.node.domains.write().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn with_dom<T>(
        &self,
        r: &DomainRef,
        f: impl FnOnce(&DomainObj) -> TestResult<T>,
    ) -> Result<T> {
        let doms = self.read();
        Ok(f(doms.for_ref(r)?)?)
    }

    pub(crate) fn with_dom_mut<T>(
        &self,
        r: &DomainRef,
        f: impl FnOnce(&mut DomainObj) -> TestResult<T>,
    ) -> Result<T> {
        let mut doms = self.write();
        Ok(f(doms.for_ref_mut(r)?)?)
    }

    /// The opening of the setters that change one definition per call, as
    /// libvirt's test driver picks it (virDomainObjGetOneDefState): the
    /// flags checked against `accepted` (unsupported ones named with
    /// `function`), LIVE and CONFIG refused together, and `f` given the
    /// domain and the definition the flags choose.
    fn with_one_def<T>(
        &self,
        r: &DomainRef,
        flags: u32,
        accepted: u32,
        function: &'static str,
        f: impl FnOnce(&mut DomainObj, affect::Defs) -> TestResult<T>,
    ) -> Result<T> {
        check_flags(flags, accepted, function)?;
        virt_core::Error::check_exclusive(
            flags,
            (affect::LIVE, "VIR_DOMAIN_AFFECT_LIVE"),
            (affect::CONFIG, "VIR_DOMAIN_AFFECT_CONFIG"),
            "virDomainObjGetOneDefState",
        )?;
        self.with_dom_mut(r, |obj| {
            let defs = affect::defs(flags, obj.is_active(), obj.persistent)?;
            f(obj, defs)
        })
    }

    /// Parse and prepare a definition. With `validate`
    /// (VIR_DOMAIN_DEFINE_VALIDATE / VIR_DOMAIN_START_VALIDATE) anything
    /// libvirt's schema does not know is refused, naming it; without, it
    /// is kept in place.
    pub(crate) fn parse_def(xml: &str, validate: bool) -> TestResult<DomainDef> {
        let mut def = if validate {
            virt_xml::parse_domain_strict(xml)?
        } else {
            virt_xml::parse_domain(xml)?
        };
        // libvirt's test driver reads every definition it is given as
        // inactive (VIR_DOMAIN_DEF_PARSE_INACTIVE).
        def.forget_assigned_aliases();
        prepare_def(&mut def)?;
        Ok(def)
    }

    /// Add `def` as a live domain and start it with `why`, announced as
    /// started with `detail`.
    pub(crate) fn create_live(
        &self,
        def: DomainDef,
        why: i32,
        detail: i32,
    ) -> TestResult<DomainRef> {
        let mut doms = self.write();
        let (uuid, _) = doms.add(def, AddMode::Live)?;
        let r = doms.start(&uuid, why)?;
        self.emit(&r, LifecycleEvent::Started, detail);
        Ok(r)
    }

    /// Publish a domain lifecycle event. Callers hold the domains' write
    /// lock, so subscribers see events in the order the changes happened.
    fn emit(&self, dom: &DomainRef, event: LifecycleEvent, detail: i32) {
        self.node
            .events
            .publish_with(|| Event::lifecycle(dom.clone(), event, detail));
    }

    /// The shape of the methods that may end a domain (shutdown, destroy,
    /// reboot, save, managed save, crash dump): find it under the write
    /// lock, let `act` look at it, refuse or change it, and stop it for
    /// `how` (announced) when `act` says so.
    pub(crate) fn stop_if(
        &self,
        r: &DomainRef,
        how: Stop,
        act: impl FnOnce(&mut DomainObj) -> TestResult<bool>,
    ) -> TestResult<()> {
        let mut doms = self.write();
        let obj = doms.for_ref_mut(r)?;
        if act(obj)? {
            let uuid = obj.uuid;
            self.stop_and_emit(&mut doms, &uuid, how);
        }
        Ok(())
    }

    /// [`Self::stop_if`] for a domain that must be running first, refused
    /// as libvirt's virDomainObjCheckActive refuses.
    pub(crate) fn stop_running(
        &self,
        r: &DomainRef,
        how: Stop,
        act: impl FnOnce(&mut DomainObj) -> TestResult<bool>,
    ) -> TestResult<()> {
        self.stop_if(r, how, |obj| {
            if !obj.is_active() {
                return Err(TestError::NotRunning);
            }
            act(obj)
        })
    }

    /// Stop `uuid` for reason `how` and announce it as stopped.
    pub(crate) fn stop_and_emit(&self, doms: &mut Domains, uuid: &Uuid, how: Stop) {
        if let Some(r) = doms.stop(uuid, how.reason()) {
            let event = Event::lifecycle(r, LifecycleEvent::Stopped, how.detail());
            self.node.events.publish(event);
        }
    }

    /// Publish a network lifecycle event (callers hold the networks' lock).
    fn emit_network(&self, net: &NetworkRef, event: NetworkLifecycleEvent) {
        self.node
            .events
            .publish(Event::network_lifecycle(net.clone(), event));
    }

    /// The XML of a definition, with live-only parts (vCPU pinning) added;
    /// passwords only when `secure` (VIR_DOMAIN_XML_SECURE, and the save
    /// and dump images, which keep the whole definition).
    pub(crate) fn format(
        obj: &DomainObj,
        def: &DomainDef,
        id: Option<u32>,
        inactive: bool,
        secure: bool,
    ) -> String {
        let opts = FormatOptions {
            id,
            inactive,
            secure,
        };
        if inactive || obj.pins.iter().all(Option::is_none) {
            return def.to_xml(&opts);
        }
        let mut def = def.clone();
        // The live pins replace the definition's <cputune>, first among
        // the elements the model keeps untyped.
        let mut cputune = Cputune::default();
        for (i, m) in obj.pins.iter().enumerate() {
            if let Some(m) = m {
                cputune.pin_vcpu(i as u32, &m.to_string());
            }
        }
        def.extra.retain(|e| e.name != Cputune::TAG);
        def.extra.insert(0, cputune.to_element());
        def.to_xml(&opts)
    }
}

/// Why a domain stopped: libvirt pairs each shut-off reason with the
/// detail of the Stopped event announcing it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stop {
    /// The guest shut down.
    Shutdown,
    /// Destroyed.
    Destroyed,
    /// Saved (to a file or the managed image).
    Saved,
    /// A crash dump stopped it.
    Crashed,
}

impl Stop {
    fn reason(self) -> i32 {
        match self {
            Stop::Shutdown => reason::SHUTOFF_SHUTDOWN,
            Stop::Destroyed => reason::SHUTOFF_DESTROYED,
            Stop::Saved => reason::SHUTOFF_SAVED,
            Stop::Crashed => reason::SHUTOFF_CRASHED,
        }
    }

    fn detail(self) -> i32 {
        match self {
            Stop::Shutdown => stopped::SHUTDOWN,
            Stop::Destroyed => stopped::DESTROYED,
            Stop::Saved => stopped::SAVED,
            Stop::Crashed => stopped::CRASHED,
        }
    }
}

/// The domain a lookup found, or libvirt's test driver's bare "Domain not
/// found".
fn found(obj: Option<&DomainObj>) -> Result<DomainRef> {
    Ok(obj.map(DomainObj::as_ref).ok_or(TestError::NoDomain)?)
}

impl Driver for TestConnection {
    fn type_name(&self) -> &str {
        "TEST"
    }

    fn event_buses(&self) -> Vec<EventBus> {
        vec![self.node.events.clone()]
    }

    fn close(&self) -> Result<()> {
        Ok(())
    }

    fn version(&self) -> Result<u64> {
        Ok(HV_VERSION)
    }

    fn hostname(&self) -> Result<String> {
        Ok(virt_host::host_name())
    }

    fn uri(&self) -> Result<String> {
        Ok(self.node.uri.clone())
    }

    fn capabilities(&self) -> Result<String> {
        Ok(node::capabilities(&self.node))
    }

    fn max_vcpus(&self, _guest_type: Option<&str>) -> Result<u32> {
        Ok(MAX_VCPUS)
    }

    fn node_info(&self) -> Result<NodeInfo> {
        Ok(self.node.info.clone())
    }

    fn node_cells_free_memory(&self, start: u32, max: u32) -> Result<Vec<u64>> {
        let cells = &self.node.cells;
        if start as usize >= cells.len() {
            return Err(TestError::InvalidArg("Range exceeds available cells".into()).into());
        }
        // libvirt's test driver reports each cell's size here.
        Ok(cells
            .iter()
            .skip(start as usize)
            .take(max as usize)
            .map(|c| c.memory)
            .collect())
    }

    fn node_free_memory(&self) -> Result<u64> {
        Ok(self.node.cells.iter().map(|c| c.free).sum())
    }

    fn node_cpu_map(&self) -> Result<(u32, CpuMap)> {
        // libvirt's test driver reports a fixed host map: 8 CPUs, of which
        // 0, 2 and 4 are online. virsh sizes affinity maps from it.
        let mut online = CpuMap::new(HOST_CPU_MAP_SIZE);
        for c in [0, 2, 4] {
            online.set(c);
        }
        Ok((HOST_CPU_MAP_SIZE, online))
    }

    fn node_security_model(&self) -> Result<SecurityModel> {
        Ok(SecurityModel {
            model: "testSecurity".into(),
            doi: String::new(),
        })
    }

    fn list_domain_ids(&self) -> Result<Vec<u32>> {
        Ok(self.read().active_ids().collect())
    }

    fn num_of_domains(&self) -> Result<u32> {
        Ok(self.read().num_active() as u32)
    }

    fn list_defined_domains(&self) -> Result<Vec<String>> {
        Ok(self.read().inactive_names().cloned().collect())
    }

    fn num_of_defined_domains(&self) -> Result<u32> {
        Ok(self.read().num_inactive() as u32)
    }

    fn list_all_domains(&self, flags: u32) -> Result<Vec<DomainRef>> {
        check_flags(flags, (1 << 16) - 1, "testConnectListAllDomains")?;
        let doms = self.read();
        if flags == 0 {
            let mut out = Vec::with_capacity(doms.len());
            out.extend(doms.refs_listed());
            return Ok(out);
        }
        Ok(doms
            .iter_listed()
            .filter(|o| list_filter_matches(flags, &o.facts()))
            .map(DomainObj::as_ref)
            .collect())
    }

    fn get_all_domain_stats(
        &self,
        doms: &[DomainRef],
        stats: u32,
        flags: u32,
    ) -> Result<Vec<DomainStatsRecord>> {
        use virt_core::domain_stats as ds;
        check_flags(
            flags,
            ds::FILTERS | ds::NOWAIT | ds::BACKING | ds::ENFORCE_STATS,
            "testConnectGetAllDomainStats",
        )?;
        // libvirt's test driver gathers the state group only; others are
        // left out, or refused with ENFORCE_STATS.
        let unsupported = stats & !ds::STATE;
        if flags & ds::ENFORCE_STATS != 0 && unsupported != 0 {
            return Err(TestError::StatsUnsupported(unsupported).into());
        }
        let state = stats == 0 || stats & ds::STATE != 0;
        let record = |o: &DomainObj| DomainStatsRecord {
            dom: o.as_ref(),
            params: if state {
                vec![
                    TypedParam {
                        field: "state.state".into(),
                        value: TypedValue::Int(o.state.number()),
                    },
                    TypedParam {
                        field: "state.reason".into(),
                        value: TypedValue::Int(o.reason),
                    },
                ]
            } else {
                Vec::new()
            },
        };
        let all = self.read();
        if !doms.is_empty() {
            return doms.iter().map(|r| Ok(record(all.for_ref(r)?))).collect();
        }
        let filter = flags & ds::FILTERS;
        Ok(all
            .iter_listed()
            .filter(|o| filter == 0 || list_filter_matches(filter, &o.facts()))
            .map(record)
            .collect())
    }

    fn domain_create_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        check_flags(flags, start_flags::VALIDATE, "testDomainCreateXML")?;
        let def = Self::parse_def(xml, flags & start_flags::VALIDATE != 0)?;
        Ok(self.create_live(def, reason::RUNNING_BOOTED, started::BOOTED)?)
    }

    fn domain_define_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        check_flags(flags, define_flags::VALIDATE, "testDomainDefineXMLFlags")?;
        self.write().free_replaced();
        let def = Self::parse_def(xml, flags & define_flags::VALIDATE != 0)?;
        let mut doms = self.write();
        let (uuid, existed) = doms.add(def, AddMode::Define)?;
        let r = doms
            .get(&uuid)
            .map(DomainObj::as_ref)
            .ok_or(TestError::NoDomain)?;
        let detail = if existed {
            defined::UPDATED
        } else {
            defined::ADDED
        };
        self.emit(&r, LifecycleEvent::Defined, detail);
        Ok(r)
    }

    fn domain_lookup_by_id(&self, id: u32) -> Result<DomainRef> {
        found(self.read().get_by_id(id))
    }

    fn domain_lookup_by_name(&self, name: &str) -> Result<DomainRef> {
        found(self.read().get_by_name(name))
    }

    fn domain_lookup_by_uuid(&self, uuid: &Uuid) -> Result<DomainRef> {
        found(self.read().get(uuid))
    }

    fn domain_undefine(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        check_flags(flags, UNDEFINE_FLAGS, "testDomainUndefineFlags")?;
        let mut doms = self.write();
        let obj = doms.for_ref_mut(dom)?;
        if obj.managed_save && flags & virt_core::undefine_snapshot_flags::MANAGED_SAVE == 0 {
            return Err(TestError::Invalid(
                "Refusing to undefine while domain managed save image exists".into(),
            )
            .into());
        }
        obj.managed_save = false;
        let snapshots = obj.snapshots.len();
        if !obj.is_active()
            && snapshots > 0
            && flags & virt_core::undefine_snapshot_flags::SNAPSHOTS_METADATA == 0
        {
            return Err(TestError::Invalid(format!(
                "cannot delete inactive domain with {snapshots} snapshots"
            ))
            .into());
        }
        obj.autostart = false;
        let active = obj.is_active();
        if active {
            // A running domain stays, now transient.
            obj.persistent = false;
            obj.new_def = None;
        }
        // Announced before it goes (subscribers see it only once the lock
        // is released), so its name is copied only for a subscriber.
        let (obj, uuid) = (&*obj, obj.uuid);
        self.node.events.publish_with(|| {
            Event::lifecycle(obj.as_ref(), LifecycleEvent::Undefined, undefined::REMOVED)
        });
        if !active {
            doms.remove(&uuid);
        }
        Ok(())
    }

    fn domain_create(&self, dom: &DomainRef, flags: u32) -> Result<DomainRef> {
        check_flags(flags, 0, "testDomainCreateWithFlags")?;
        let mut doms = self.write();
        let uuid = doms.for_ref(dom)?.uuid;
        let r = doms.start(&uuid, reason::RUNNING_BOOTED)?;
        self.emit(&r, LifecycleEvent::Started, started::BOOTED);
        Ok(r)
    }

    fn domain_shutdown(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testDomainShutdownFlags")?;
        // libvirt's test driver asks the state here, not
        // virDomainObjCheckActive, and so names the domain.
        Ok(self.stop_if(dom, Stop::Shutdown, |obj| {
            if obj.state == DomainState::Shutoff {
                return Err(TestError::NotRunningNamed(obj.name.clone()));
            }
            Ok(true)
        })?)
    }

    fn domain_reboot(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        // The reboot methods (ACPI, guest agent, initctl, signal, paravirt)
        // make no difference to a simulated guest.
        check_flags(flags, 0x1f, "testDomainReboot")?;
        use virt_xml::LifecycleAction as A;
        Ok(self.stop_running(dom, Stop::Shutdown, |obj| {
            Ok(match obj.def.on_reboot.unwrap_or(A::Restart) {
                A::Destroy | A::Preserve | A::CoredumpDestroy => true,
                A::Restart | A::RenameRestart | A::CoredumpRestart => {
                    // Same id, fresh boot.
                    obj.state = DomainState::Running;
                    obj.reason = reason::RUNNING_BOOTED;
                    if obj.running_since.is_none() {
                        obj.running_since = Some(std::time::Instant::now());
                    }
                    false
                }
            })
        })?)
    }

    fn domain_destroy(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        // VIR_DOMAIN_DESTROY_GRACEFUL: nothing to be graceful with.
        check_flags(flags, 1, "testDomainDestroyFlags")?;
        Ok(self.stop_running(dom, Stop::Destroyed, |_| Ok(true))?)
    }

    fn domain_suspend(&self, dom: &DomainRef) -> Result<()> {
        self.with_dom_mut(dom, |obj| {
            if obj.state != DomainState::Running {
                return Err(TestError::NotRunningNamed(obj.name.clone()));
            }
            obj.freeze_clock();
            obj.state = DomainState::Paused;
            obj.reason = reason::PAUSED_USER;
            self.emit(&obj.as_ref(), LifecycleEvent::Suspended, suspended::PAUSED);
            Ok(())
        })
    }

    fn domain_resume(&self, dom: &DomainRef) -> Result<()> {
        self.with_dom_mut(dom, |obj| {
            if obj.state != DomainState::Paused {
                return Err(TestError::NotPaused(obj.name.clone()));
            }
            obj.state = DomainState::Running;
            obj.reason = reason::RUNNING_UNPAUSED;
            obj.running_since = Some(std::time::Instant::now());
            self.emit(&obj.as_ref(), LifecycleEvent::Resumed, resumed::UNPAUSED);
            Ok(())
        })
    }

    fn domain_save_xml(&self, dom: &DomainRef, path: &str, dxml: &str, flags: u32) -> Result<()> {
        let _ = (dom, path, dxml);
        check_flags(flags, 0, "testDomainSaveFlags")?;
        Err(TestError::XmlChangeUnsupported.into())
    }

    virt_core::delegate! {
        domain_save => save,
    }

    fn domain_managed_save(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        use virt_core::save_flags::{BYPASS_CACHE, PAUSED, RUNNING};
        check_flags(
            flags,
            BYPASS_CACHE | RUNNING | PAUSED,
            "testDomainManagedSave",
        )?;
        Ok(self.stop_running(dom, Stop::Saved, |obj| {
            if !obj.persistent {
                return Err(TestError::Invalid(
                    "cannot do managed save for transient domain".into(),
                ));
            }
            obj.managed_save = true;
            Ok(true)
        })?)
    }

    fn domain_managed_save_remove(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testDomainManagedSaveRemove")?;
        self.with_dom_mut(dom, |obj| {
            obj.managed_save = false;
            Ok(())
        })
    }

    fn domain_restore_xml(&self, path: &str, dxml: &str, flags: u32) -> Result<DomainRef> {
        let _ = (path, dxml);
        check_flags(flags, 0, "testDomainRestoreFlags")?;
        Err(TestError::XmlChangeUnsupported.into())
    }

    virt_core::delegate! {
        domain_restore => restore,
    }

    fn domain_screenshot(&self, _dom: &DomainRef, _screen: u32, flags: u32) -> Result<Screenshot> {
        crate::save::screenshot(flags)
    }

    fn domain_core_dump(&self, dom: &DomainRef, path: &str, flags: u32) -> Result<()> {
        self.domain_core_dump_with_format(dom, path, dump_format::RAW, flags)
    }

    virt_core::delegate! {
        domain_core_dump_with_format => core_dump,
    }

    fn domain_get_info(&self, dom: &DomainRef) -> Result<DomainInfo> {
        self.with_dom(dom, |obj| {
            Ok(DomainInfo {
                state: obj.state,
                max_mem: obj.def.memory,
                memory: memory_of(&obj.def),
                nr_virt_cpu: obj.vcpus(),
                cpu_time: obj.cpu_time(),
            })
        })
    }

    fn domain_get_state(&self, dom: &DomainRef, flags: u32) -> Result<(DomainState, i32)> {
        check_flags(flags, 0, "testDomainGetState")?;
        self.with_dom(dom, |obj| Ok((obj.state, obj.reason)))
    }

    fn domain_get_os_type(&self, dom: &DomainRef) -> Result<String> {
        // libvirt's test driver names every guest's OS "linux".
        self.with_dom(dom, |_| Ok("linux".to_string()))
    }

    fn domain_get_max_memory(&self, dom: &DomainRef) -> Result<u64> {
        self.with_dom(dom, |obj| Ok(obj.def.memory))
    }

    fn domain_set_memory_flags(&self, dom: &DomainRef, kib: u64, flags: u32) -> Result<()> {
        let accepted = affect::LIVE | affect::CONFIG | affect::MAXIMUM;
        self.with_one_def(
            dom,
            flags,
            accepted,
            "testDomainSetMemoryFlags",
            |obj, defs| {
                let affect::Defs { live, config } = defs;
                if flags & affect::MAXIMUM != 0 {
                    if live {
                        return Err(TestError::Invalid(
                            "cannot resize the maximum memory on an active domain".into(),
                        ));
                    }
                    if let Some(c) = obj.config_mut() {
                        c.memory = kib;
                        if memory_of(c) > kib {
                            c.current_memory = Some(kib);
                        }
                    }
                    return Ok(());
                }
                let max = if live {
                    obj.def.memory
                } else {
                    obj.config().map_or(0, |c| c.memory)
                };
                if kib > max {
                    return Err(TestError::InvalidArg(
                        "cannot set memory higher than max memory".into(),
                    ));
                }
                if config {
                    if let Some(c) = obj.config_mut() {
                        c.current_memory = Some(kib);
                    }
                }
                if live {
                    obj.def.current_memory = Some(kib);
                }
                Ok(())
            },
        )
    }

    fn domain_set_memory_stats_period(
        &self,
        dom: &DomainRef,
        period: i32,
        flags: u32,
    ) -> Result<()> {
        let accepted = affect::LIVE | affect::CONFIG;
        self.with_one_def(
            dom,
            flags,
            accepted,
            "testDomainSetMemoryStatsPeriod",
            |obj, defs| {
                let def = if defs.live {
                    &mut obj.def
                } else {
                    match obj.config_mut() {
                        Some(c) => c,
                        None => return Err(TestError::Transient),
                    }
                };
                devstats::set_stats_period(def, period)
            },
        )
    }

    fn domain_get_xml_desc(&self, dom: &DomainRef, flags: u32) -> Result<String> {
        check_flags(
            flags,
            xml_flags::SECURE | xml_flags::INACTIVE | xml_flags::MIGRATABLE,
            "testDomainGetXMLDesc",
        )?;
        let secure = flags & xml_flags::SECURE != 0;
        self.with_dom(dom, |obj| {
            if flags & xml_flags::INACTIVE != 0 {
                let def = obj.config().unwrap_or(&obj.def);
                Ok(Self::format(obj, def, None, true, secure))
            } else {
                Ok(Self::format(obj, &obj.def, obj.id, false, secure))
            }
        })
    }

    virt_core::delegate! {
        domain_set_vcpus_flags => set_vcpus_flags,
        domain_get_vcpus_flags => get_vcpus_flags,
        domain_get_vcpus => get_vcpus,
        domain_get_vcpu_pin_info => get_vcpu_pin_info,
        domain_pin_vcpu => pin_vcpu,
    }

    fn domain_get_autostart(&self, dom: &DomainRef) -> Result<bool> {
        self.with_dom(dom, |obj| Ok(obj.autostart))
    }

    fn domain_set_autostart(&self, dom: &DomainRef, autostart: bool) -> Result<()> {
        self.with_dom_mut(dom, |obj| {
            obj.autostart = autostart;
            Ok(())
        })
    }

    fn domain_is_active(&self, dom: &DomainRef) -> Result<bool> {
        self.with_dom(dom, |obj| Ok(obj.is_active()))
    }

    fn domain_is_persistent(&self, dom: &DomainRef) -> Result<bool> {
        self.with_dom(dom, |obj| Ok(obj.persistent))
    }

    fn domain_has_managed_save(&self, dom: &DomainRef, flags: u32) -> Result<bool> {
        check_flags(flags, 0, "testDomainHasManagedSaveImage")?;
        self.with_dom(dom, |obj| Ok(obj.managed_save))
    }

    fn domain_get_scheduler_type(&self, dom: &DomainRef) -> Result<(String, u32)> {
        self.with_dom(dom, |_| Ok(("fair".to_string(), 1)))
    }

    fn domain_get_scheduler_params(&self, dom: &DomainRef, flags: u32) -> Result<Vec<TypedParam>> {
        // Taking no flags at all, it refuses the string flag the library
        // adds to every flagged call: only virDomainGetSchedulerParameters
        // reaches it.
        check_flags(flags, 0, "testDomainGetSchedulerParametersFlags")?;
        self.with_dom(dom, |_| {
            Ok(vec![TypedParam {
                field: "weight".into(),
                value: TypedValue::UInt(DEFAULT_WEIGHT),
            }])
        })
    }

    fn domain_set_scheduler_params(
        &self,
        dom: &DomainRef,
        params: &[TypedParam],
        flags: u32,
    ) -> Result<()> {
        check_flags(flags, 0, "testDomainSetSchedulerParametersFlags")?;
        virt_core::validate_typed_params(params, &SCHED_PARAMS)?;
        // libvirt's test driver checks the weight and keeps reporting its
        // default: the simulated scheduler has nothing to weigh.
        self.with_dom(dom, |_| Ok(()))
    }

    fn domain_block_stats(&self, dom: &DomainRef, path: &str) -> Result<virt_core::BlockStats> {
        self.with_dom(dom, |obj| devstats::block_stats(obj, path))
    }

    fn domain_interface_stats(
        &self,
        dom: &DomainRef,
        device: &str,
    ) -> Result<virt_core::InterfaceStats> {
        self.with_dom(dom, |obj| devstats::interface_stats(obj, device))
    }

    fn domain_memory_stats(
        &self,
        dom: &DomainRef,
        nr_stats: u32,
        flags: u32,
    ) -> Result<Vec<virt_core::MemoryStat>> {
        check_flags(flags, 0, "testDomainMemoryStats")?;
        self.with_dom(dom, |obj| devstats::memory_stats(obj, nr_stats))
    }

    fn domain_get_block_info(
        &self,
        dom: &DomainRef,
        path: &str,
        flags: u32,
    ) -> Result<virt_core::BlockInfo> {
        check_flags(flags, 0, "testDomainGetBlockInfo")?;
        self.with_dom(dom, |obj| devstats::block_info(obj, path))
    }

    fn domain_get_cpu_stats(
        &self,
        dom: &DomainRef,
        nparams: u32,
        start_cpu: i32,
        ncpus: u32,
        flags: u32,
    ) -> Result<virt_core::CpuStats> {
        check_flags(
            flags,
            virt_core::typed_param_flags::STRING_OKAY,
            "testDomainGetCPUStats",
        )?;
        let host_cpus = self.node.info.cores;
        self.with_dom(dom, |obj| {
            devstats::cpu_stats(obj, nparams, start_cpu, ncpus, host_cpus)
        })
    }

    fn domain_get_security_label(&self, dom: &DomainRef) -> Result<SecurityLabel> {
        self.with_dom(dom, |obj| {
            Ok(if obj.is_active() {
                SecurityLabel {
                    label: "libvirt-test".into(),
                    enforcing: true,
                }
            } else {
                SecurityLabel::default()
            })
        })
    }

    virt_core::delegate! {
        domain_snapshot_create_xml => snapshot_create,
        domain_snapshot_get_xml_desc => snapshot_xml,
    }

    virt_core::snapshot_listing_methods!("test", moment_names::<Snapshot>);

    fn domain_snapshot_lookup_by_name(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        self.moment_lookup::<Snapshot>(dom, name, flags)
    }

    fn domain_has_current_snapshot(&self, dom: &DomainRef, flags: u32) -> Result<bool> {
        Ok(self
            .snapshot_current(dom, flags, "testDomainHasCurrentSnapshot")?
            .is_some())
    }

    fn domain_snapshot_current(&self, dom: &DomainRef, flags: u32) -> Result<DomainSnapshotRef> {
        self.snapshot_current(dom, flags, "testDomainSnapshotCurrent")?
            .ok_or_else(|| {
                TestError::NoSnapshot("the domain does not have a current snapshot".into()).into()
            })
    }

    fn domain_snapshot_get_parent(
        &self,
        snap: &DomainSnapshotRef,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        self.moment_parent::<Snapshot>(snap, flags)
    }

    fn domain_snapshot_is_current(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<bool> {
        self.snapshot_is(snap, flags, true, "testDomainSnapshotIsCurrent")
    }

    fn domain_snapshot_has_metadata(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<bool> {
        self.snapshot_is(snap, flags, false, "testDomainSnapshotHasMetadata")
    }

    virt_core::delegate! {
        domain_revert_to_snapshot => snapshot_revert,
    }

    fn domain_snapshot_delete(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<()> {
        self.moment_delete::<Snapshot>(snap, flags)
    }

    virt_core::delegate! {
        domain_checkpoint_create_xml => checkpoint_create,
        domain_checkpoint_get_xml_desc => checkpoint_xml,
    }

    fn domain_list_all_checkpoints(
        &self,
        d: &DomainRef,
        f: u32,
    ) -> Result<Vec<DomainCheckpointRef>> {
        self.moment_list::<Checkpoint>(d, None, f, "testDomainListAllCheckpoints")
    }

    fn domain_checkpoint_list_all_children(
        &self,
        c: &DomainCheckpointRef,
        flags: u32,
    ) -> Result<Vec<DomainCheckpointRef>> {
        self.moment_list::<Checkpoint>(
            &c.domain,
            Some(&c.name),
            flags,
            "testDomainCheckpointListAllChildren",
        )
    }

    fn domain_checkpoint_lookup_by_name(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<DomainCheckpointRef> {
        self.moment_lookup::<Checkpoint>(dom, name, flags)
    }

    fn domain_checkpoint_get_parent(
        &self,
        c: &DomainCheckpointRef,
        f: u32,
    ) -> Result<DomainCheckpointRef> {
        self.moment_parent::<Checkpoint>(c, f)
    }

    fn domain_checkpoint_delete(&self, c: &DomainCheckpointRef, flags: u32) -> Result<()> {
        self.moment_delete::<Checkpoint>(c, flags)
    }

    fn list_all_networks(&self, flags: u32) -> Result<Vec<NetworkRef>> {
        check_flags(flags, network_list_flags::ALL, "testConnectListAllNetworks")?;
        Ok(self
            .nets()
            .iter()
            .filter(|n| {
                virt_core::object_filter_matches(flags, n.active, n.persistent, n.autostart)
            })
            .map(NetworkObj::identity)
            .collect())
    }

    virt_core::delegate! {
        list_all_interfaces => ifaces().list_all,
    }

    fn num_of_interfaces(&self) -> Result<u32> {
        Ok(self.ifaces().names(true).len() as u32)
    }

    fn list_interfaces(&self) -> Result<Vec<String>> {
        Ok(self.ifaces().names(true))
    }

    fn num_of_defined_interfaces(&self) -> Result<u32> {
        Ok(self.ifaces().names(false).len() as u32)
    }

    fn list_defined_interfaces(&self) -> Result<Vec<String>> {
        Ok(self.ifaces().names(false))
    }

    virt_core::delegate! {
        interface_lookup_by_name => ifaces().lookup_by_name,
        interface_lookup_by_mac_string => ifaces().lookup_by_mac,
        interface_get_xml_desc => ifaces().xml_desc,
        interface_define_xml => ifaces_mut().define,
        interface_undefine => ifaces_mut().undefine,
    }

    fn interface_create(&self, iface: &InterfaceRef, flags: u32) -> Result<()> {
        Ok(self
            .ifaces_mut()
            .set_active(iface, true, flags, "testInterfaceCreate")?)
    }

    fn interface_destroy(&self, iface: &InterfaceRef, flags: u32) -> Result<()> {
        Ok(self
            .ifaces_mut()
            .set_active(iface, false, flags, "testInterfaceDestroy")?)
    }

    virt_core::delegate! {
        interface_is_active => ifaces().is_active,
        interface_change_begin => ifaces_mut().begin,
        interface_change_commit => ifaces_mut().commit,
        interface_change_rollback => ifaces_mut().rollback,
        list_all_node_devices => devices().list_all,
        node_num_of_devices => devices().count,
        node_list_devices => devices().names,
        node_device_lookup_by_name => devices().lookup,
        node_device_get_xml_desc => devices().xml_desc,
        node_device_get_parent => devices().parent,
    }

    fn node_device_num_of_caps(&self, dev: &NodeDeviceRef) -> Result<u32> {
        Ok(self.devices().caps(dev)?.len() as u32)
    }

    virt_core::delegate! {
        node_device_list_caps => devices().caps,
        node_device_create_xml => devices_mut().create,
        node_device_destroy => devices_mut().destroy,
    }

    // libvirt 9.0's test driver has no persistent node devices: define,
    // undefine, create, is_active and is_persistent are "not supported"
    // (the table's default).

    fn num_of_networks(&self) -> Result<u32> {
        Ok(self.nets().iter().filter(|n| n.active).count() as u32)
    }

    fn list_networks(&self) -> Result<Vec<String>> {
        Ok(self.network_names(true))
    }

    fn num_of_defined_networks(&self) -> Result<u32> {
        Ok(self.nets().iter().filter(|n| !n.active).count() as u32)
    }

    fn list_defined_networks(&self) -> Result<Vec<String>> {
        Ok(self.network_names(false))
    }

    fn network_lookup_by_name(&self, name: &str) -> Result<NetworkRef> {
        Ok(self.nets().by_name(name)?.identity())
    }

    fn network_lookup_by_uuid(&self, uuid: &Uuid) -> Result<NetworkRef> {
        Ok(self.nets().by_uuid(uuid)?.identity())
    }

    fn network_create_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        check_flags(
            flags,
            network_define_flags::VALIDATE,
            "testNetworkCreateXMLFlags",
        )?;
        let def = parse_network_def(xml, flags & network_define_flags::VALIDATE != 0)?;
        let mut nets = self.nets_mut();
        let r = nets.create_xml(def)?;
        self.emit_network(&r, NetworkLifecycleEvent::Started);
        Ok(r)
    }

    fn network_define_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        check_flags(
            flags,
            network_define_flags::VALIDATE,
            "testNetworkDefineXMLFlags",
        )?;
        let def = parse_network_def(xml, flags & network_define_flags::VALIDATE != 0)?;
        let mut nets = self.nets_mut();
        let r = nets.define(def)?;
        self.emit_network(&r, NetworkLifecycleEvent::Defined);
        Ok(r)
    }

    fn network_undefine(&self, net: &NetworkRef) -> Result<()> {
        let mut nets = self.nets_mut();
        nets.undefine(net)?;
        self.emit_network(net, NetworkLifecycleEvent::Undefined);
        Ok(())
    }

    fn network_create(&self, net: &NetworkRef) -> Result<()> {
        let mut nets = self.nets_mut();
        nets.start(net)?;
        self.emit_network(net, NetworkLifecycleEvent::Started);
        Ok(())
    }

    fn network_destroy(&self, net: &NetworkRef) -> Result<()> {
        let mut nets = self.nets_mut();
        nets.destroy(net)?;
        self.emit_network(net, NetworkLifecycleEvent::Stopped);
        Ok(())
    }

    virt_core::delegate! {
        network_set_autostart => nets_mut().set_autostart,
    }

    fn network_update(
        &self,
        net: &NetworkRef,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
        flags: u32,
    ) -> Result<()> {
        check_flags(
            flags,
            network_update::AFFECT_LIVE | network_update::AFFECT_CONFIG,
            "testNetworkUpdate",
        )?;
        Ok(self
            .nets_mut()
            .update(net, command, section, parent_index, xml, flags)?)
    }

    fn network_is_active(&self, net: &NetworkRef) -> Result<bool> {
        Ok(self.nets().get(net)?.active)
    }

    fn network_is_persistent(&self, net: &NetworkRef) -> Result<bool> {
        Ok(self.nets().get(net)?.persistent)
    }

    fn network_get_autostart(&self, net: &NetworkRef) -> Result<bool> {
        Ok(self.nets().get(net)?.autostart)
    }

    fn network_get_xml_desc(&self, net: &NetworkRef, flags: u32) -> Result<String> {
        check_flags(flags, 0, "testNetworkGetXMLDesc")?;
        Ok(self.nets().get(net)?.def.to_xml())
    }

    fn network_get_bridge_name(&self, net: &NetworkRef) -> Result<String> {
        let nets = self.nets();
        let n = nets.get(net)?;
        match n.def.bridge_name() {
            Some(b) => Ok(b.to_string()),
            None => Err(TestError::Internal(format!(
                "network '{}' does not have a bridge name.",
                n.name()
            ))
            .into()),
        }
    }

    virt_core::delegate! {
        list_all_storage_pools => pools().list_all,
        storage_pool_lookup_by_name => pools().lookup_by_name,
    }

    fn storage_pool_is_active(&self, pool: &StoragePoolRef) -> Result<bool> {
        Ok(self.pools().flags_of(pool)?.0)
    }

    fn storage_pool_is_persistent(&self, pool: &StoragePoolRef) -> Result<bool> {
        Ok(self.pools().flags_of(pool)?.1)
    }

    fn storage_pool_get_autostart(&self, pool: &StoragePoolRef) -> Result<bool> {
        Ok(self.pools().flags_of(pool)?.2)
    }

    virt_core::delegate! {
        storage_pool_get_info => pools().info,
        storage_pool_get_xml_desc => pools().xml,
        storage_pool_lookup_by_uuid => pools().lookup_by_uuid,
        storage_pool_lookup_by_volume => pools().lookup_by_volume,
        storage_pool_create_xml => pools_mut().create_xml,
        storage_pool_define_xml => pools_mut().define,
        storage_pool_build => pools().build,
        storage_pool_create => pools_mut().start,
        storage_pool_destroy => pools_mut().destroy,
        storage_pool_delete => pools().delete,
        storage_pool_undefine => pools_mut().undefine,
        storage_pool_refresh => pools().refresh,
        storage_pool_set_autostart => pools_mut().set_autostart,
        storage_pool_list_all_volumes => pools().list_volumes,
    }

    fn storage_pool_num_of_volumes(&self, pool: &StoragePoolRef) -> Result<u32> {
        Ok(self.pools().list_volumes(pool, 0)?.len() as u32)
    }

    fn storage_pool_list_volumes(&self, pool: &StoragePoolRef) -> Result<Vec<String>> {
        let vols = self.pools().list_volumes(pool, 0)?;
        Ok(vols.into_iter().map(|v| v.name).collect())
    }

    virt_core::delegate! {
        storage_vol_lookup_by_name => pools().vol_by_name,
        storage_vol_lookup_by_key => pools().vol_by_key,
        storage_vol_lookup_by_path => pools().vol_by_path,
        storage_vol_create_xml => pools_mut().vol_create,
        storage_vol_create_xml_from => pools_mut().vol_create_from,
        storage_vol_delete => pools_mut().vol_delete,
        storage_vol_get_info => pools().vol_info,
        storage_vol_get_xml_desc => pools().vol_xml,
        storage_vol_get_path => pools().vol_path,
    }

    // Wipe and resize: libvirt's test driver has neither ("not supported").
    fn storage_vol_wipe(&self, _vol: &StorageVolRef, _flags: u32) -> Result<()> {
        Err(virt_core::Error::no_support("virStorageVolWipe"))
    }

    fn storage_vol_wipe_pattern(
        &self,
        _vol: &StorageVolRef,
        _algorithm: u32,
        _flags: u32,
    ) -> Result<()> {
        Err(virt_core::Error::no_support("virStorageVolWipePattern"))
    }

    fn storage_vol_resize(&self, _vol: &StorageVolRef, _capacity: u64, _flags: u32) -> Result<()> {
        Err(virt_core::Error::no_support("virStorageVolResize"))
    }
}
