//! Domain snapshots as libvirt 9.0's test driver keeps them: metadata only
//! (the definition and state at the time), a tree per domain with a
//! current snapshot, and reverts that put the recorded definition and
//! state back, announcing the lifecycle events libvirt announces.

use crate::domains::{DomainObj, Domains};
use crate::driver::TestConnection;
use crate::error::{check_flags, TestError, TestResult};
use crate::moments::{find, for_create, handle, name_new};
use virt_core::events::lifecycle_detail::{started, stopped, suspended};
use virt_core::moment::Snapshot;
use virt_core::{
    reason, snapshot_create_flags as cf, snapshot_revert_flags as rf, xml_flags, DomainRef,
    DomainSnapshotRef, DomainState, EventBus, LifecycleEvent, Result,
};
use virt_xml::snapshot::{
    parse_snapshot, SnapshotDef, SnapshotDomain, SnapshotFormat, SnapshotMemory, SnapshotParse,
};
use virt_xml::DomainDef;

/// The word a snapshot records for a domain's state.
fn state_word(state: DomainState) -> &'static str {
    virt_xml::snapshot::SNAPSHOT_STATES
        .get(state.number() as usize)
        .copied()
        .unwrap_or("nostate")
}

impl TestConnection {
    /// `virDomainSnapshotCreateXML`.
    pub(crate) fn snapshot_create(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        check_flags(
            flags,
            cf::REDEFINE
                | cf::CURRENT
                | cf::HALT
                | cf::QUIESCE
                | cf::ATOMIC
                | cf::LIVE
                | cf::VALIDATE,
            "testDomainSnapshotCreateXML",
        )?;
        let redefine = flags & cf::REDEFINE != 0;
        let mut doms = self.write();
        let obj = for_create::<Snapshot>(&mut doms, dom)?;
        if !obj.persistent && flags & cf::HALT != 0 {
            return Err(
                TestError::Invalid("cannot halt after transient domain snapshot".into()).into(),
            );
        }
        let mut def = parse_snapshot(
            xml,
            SnapshotParse {
                redefine,
                internal: false,
            },
        )
        .map_err(TestError::Xml)?;
        if redefine {
            let r = Self::redefine(obj, def, flags)?;
            return Ok(r);
        }
        let name = name_new(&mut def.name, &mut def.creation_time);
        let location = if def
            .memory
            .as_ref()
            .is_some_and(|m| m.snapshot == "external")
        {
            "external"
        } else {
            "internal"
        };
        def.align_disks(&obj.def, location)
            .map_err(TestError::Xml)?;
        def.state = Some(state_word(obj.state).into());
        if def.memory.as_ref().is_none_or(|m| m.snapshot != "external") {
            def.memory = Some(SnapshotMemory {
                snapshot: if obj.state == DomainState::Shutoff {
                    "no"
                } else {
                    "internal"
                }
                .into(),
                file: None,
            });
        }
        def.domain = Some(SnapshotDomain::Full(Box::new(obj.def.clone())));
        def.parent = obj.snapshots.current().map(str::to_string);
        obj.snapshots.add(def).map_err(TestError::Snapshots)?;
        obj.snapshots.set_current(Some(&name));
        let r = handle::<Snapshot>(obj, &name);
        if flags & cf::HALT != 0 && obj.is_active() {
            let uuid = obj.uuid;
            stop(&mut doms, &self.node.events.clone(), &uuid);
        }
        Ok(r)
    }

    /// The REDEFINE half of `snapshot_create`: libvirt's
    /// `virDomainSnapshotRedefinePrep` checks, then the metadata stored.
    fn redefine(
        obj: &mut DomainObj,
        mut def: SnapshotDef,
        flags: u32,
    ) -> TestResult<DomainSnapshotRef> {
        obj.snapshots
            .check_cycles(&def)
            .map_err(TestError::Snapshots)?;
        let name = def.name.clone().unwrap_or_default();
        if let Some(SnapshotDomain::Full(d)) = &def.domain {
            if d.uuid.is_some_and(|u| u != obj.uuid) {
                return Err(TestError::InvalidArg(format!(
                    "definition for snapshot {name} must use uuid {}",
                    obj.uuid
                )));
            }
        }
        let online = |d: &SnapshotDef| matches!(d.state.as_deref(), Some("running" | "paused"));
        let disk_only = |d: &SnapshotDef| d.state.as_deref() == Some("disk-snapshot");
        let other = obj.snapshots.get(&name);
        if let Some(o) = other {
            if online(o) != online(&def) {
                return Err(TestError::InvalidArg(format!(
                    "cannot change between online and offline snapshot state in snapshot {name}"
                )));
            }
            if disk_only(o) != disk_only(&def) {
                return Err(TestError::InvalidArg(format!(
                    "cannot change between disk only and full system in snapshot {name}"
                )));
            }
        }
        let dom_def = match (&def.domain, other.and_then(|o| o.domain.as_ref())) {
            (Some(SnapshotDomain::Full(d)), _) | (None, Some(SnapshotDomain::Full(d))) => {
                Some((**d).clone())
            }
            _ => None,
        };
        match dom_def {
            Some(d) => {
                let location = if disk_only(&def) || def.is_external() {
                    "external"
                } else {
                    "internal"
                };
                def.align_disks(&d, location).map_err(TestError::Xml)?
            }
            None => return Err(TestError::Internal("missing domain in snapshot".into())),
        }
        obj.snapshots.replace(def);
        if flags & cf::CURRENT != 0 {
            obj.snapshots.set_current(Some(&name));
        }
        Ok(handle::<Snapshot>(obj, &name))
    }

    /// `virDomainSnapshotGetXMLDesc`.
    pub(crate) fn snapshot_xml(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<String> {
        check_flags(flags, xml_flags::SECURE, "testDomainSnapshotGetXMLDesc")?;
        self.with_dom(&snap.domain, |obj| {
            let def = find::<Snapshot>(obj, &snap.name)?;
            let uuid = obj.uuid.to_string();
            Ok(def.to_xml(
                Some(&uuid),
                SnapshotFormat {
                    secure: flags & xml_flags::SECURE != 0,
                    ..SnapshotFormat::default()
                },
            ))
        })
    }

    /// `virDomainSnapshotCurrent` (`None` with `has` for
    /// `virDomainHasCurrentSnapshot`).
    pub(crate) fn snapshot_current(
        &self,
        dom: &DomainRef,
        flags: u32,
        function: &'static str,
    ) -> Result<Option<DomainSnapshotRef>> {
        check_flags(flags, 0, function)?;
        self.with_dom(dom, |obj| {
            Ok(obj.snapshots.current().map(|c| handle::<Snapshot>(obj, c)))
        })
    }

    /// `virDomainSnapshotIsCurrent` and `virDomainSnapshotHasMetadata`.
    pub(crate) fn snapshot_is(
        &self,
        snap: &DomainSnapshotRef,
        flags: u32,
        current: bool,
        function: &'static str,
    ) -> Result<bool> {
        check_flags(flags, 0, function)?;
        self.with_dom(&snap.domain, |obj| {
            find::<Snapshot>(obj, &snap.name)?;
            Ok(!current || obj.snapshots.current() == Some(snap.name.as_str()))
        })
    }

    /// `virDomainRevertToSnapshot`: the recorded definition and state come
    /// back, with libvirt's events for each transition.
    pub(crate) fn snapshot_revert(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<()> {
        check_flags(
            flags,
            rf::RUNNING | rf::PAUSED | rf::FORCE,
            "testDomainRevertToSnapshot",
        )?;
        let bus = self.node.events.clone();
        let mut doms = self.write();
        let obj = doms.for_ref_mut(&snap.domain)?;
        let def = find::<Snapshot>(obj, &snap.name)?.clone();
        let online = matches!(def.state.as_deref(), Some("running" | "paused"));
        if !obj.persistent && !online && flags & (rf::RUNNING | rf::PAUSED) == 0 {
            return Err(TestError::Invalid(
                "transient domain needs to request run or pause to revert to inactive snapshot"
                    .into(),
            )
            .into());
        }
        let Some(SnapshotDomain::Full(config)) = def.domain.clone() else {
            return Err(TestError::RevertRisky(format!(
                "snapshot '{}' lacks domain '{}' rollback info",
                snap.name, obj.name
            ))
            .into());
        };
        obj.snapshots.set_current(None);
        let uuid = obj.uuid;
        let start_paused = flags & rf::RUNNING == 0
            && (def.state.as_deref() == Some("paused") || flags & rf::PAUSED != 0);
        if online {
            if obj.is_active() {
                stop(&mut doms, &bus, &uuid);
            }
            let obj = doms.for_ref_mut(&snap.domain)?;
            replace_def(obj, *config);
            let r = doms.start(&uuid, reason::RUNNING_FROM_SNAPSHOT)?;
            bus.publish(virt_core::Event::lifecycle(
                r.clone(),
                LifecycleEvent::Started,
                started::FROM_SNAPSHOT,
            ));
            if start_paused {
                pause(&mut doms, &uuid);
                bus.publish(virt_core::Event::lifecycle(
                    r,
                    LifecycleEvent::Suspended,
                    suspended::FROM_SNAPSHOT,
                ));
            }
        } else {
            replace_def(obj, *config);
            if obj.is_active() {
                stop(&mut doms, &bus, &uuid);
            }
            if flags & (rf::RUNNING | rf::PAUSED) != 0 {
                // libvirt 9.0 announces a start here without starting
                // the domain; the events follow it.
                let r = doms.for_ref(&snap.domain)?.as_ref();
                bus.publish(virt_core::Event::lifecycle(
                    r.clone(),
                    LifecycleEvent::Started,
                    started::FROM_SNAPSHOT,
                ));
                if flags & rf::PAUSED != 0 {
                    bus.publish(virt_core::Event::lifecycle(
                        r,
                        LifecycleEvent::Suspended,
                        suspended::FROM_SNAPSHOT,
                    ));
                }
            }
        }
        if let Ok(obj) = doms.for_ref_mut(&snap.domain) {
            obj.snapshots.set_current(Some(&snap.name));
        }
        Ok(())
    }
}

/// Put a snapshot's definition in place: the live one of a running domain
/// is replaced when it starts again; an inactive one becomes the
/// persistent definition.
fn replace_def(obj: &mut DomainObj, config: DomainDef) {
    obj.def = config;
    obj.new_def = None;
}

fn stop(doms: &mut Domains, bus: &EventBus, uuid: &virt_core::Uuid) {
    if let Some(r) = doms.stop(uuid, reason::SHUTOFF_FROM_SNAPSHOT) {
        bus.publish(virt_core::Event::lifecycle(
            r,
            LifecycleEvent::Stopped,
            stopped::FROM_SNAPSHOT,
        ));
    }
}

fn pause(doms: &mut Domains, uuid: &virt_core::Uuid) {
    if let Some(obj) = doms.get_mut(uuid) {
        obj.freeze_clock();
        obj.state = DomainState::Paused;
        obj.reason = reason::PAUSED_FROM_SNAPSHOT;
    }
}
