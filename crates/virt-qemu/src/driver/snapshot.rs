//! Domain snapshots of the QEMU driver: their metadata kept in
//! `CONFIG/snapshot/DOMAIN/NAME.xml` (libvirt's internal format, with
//! `<active>` marking the current one, written atomically), so a restarted
//! daemon knows them; internal snapshots of a shut-off guest's qcow2 disks
//! taken, applied and deleted with `qemu-img snapshot`, as libvirt does
//! for inactive guests; those of a running guest through QEMU's snapshot
//! jobs (see `snapshot_live`).

use super::launch::StartCause;
use super::snapshot_external::{delete_validate, retarget_descendants};
use super::*;
use std::os::unix::fs::DirBuilderExt;
use virt_core::{
    snapshot_create_flags as cf, snapshot_delete_flags as df, snapshot_list_flags as lf,
    snapshot_revert_flags as rf, DomainSnapshotRef,
};
use virt_xml::snapshot::{
    parse_snapshot, SnapshotDef, SnapshotDomain, SnapshotFormat, SnapshotMemory, SnapshotParse,
};
use virt_xml::SnapshotList;

fn no_such(name: &str) -> QemuError {
    QemuError::NoSnapshot(format!("no domain snapshot with matching name '{name}'"))
}

impl QemuDriver {
    fn snapshot_dir(&self, dom: &str) -> std::path::PathBuf {
        self.paths.config.join("snapshot").join(dom)
    }

    /// The domain's snapshots as stored.
    fn load_snapshots(&self, dom: &str) -> SnapshotList {
        let dir = self.snapshot_dir(dom);
        let mut list = SnapshotList::default();
        let how = SnapshotParse {
            redefine: true,
            internal: true,
        };
        for stem in virt_host::files::stems(&dir, "xml") {
            let Ok(text) = std::fs::read_to_string(dir.join(format!("{stem}.xml"))) else {
                continue;
            };
            // A file that does not parse is not ours to interpret: skipped.
            let Ok(def) = parse_snapshot(&text, how) else {
                continue;
            };
            let current = def.active == Some(true);
            let name = def.name.clone().unwrap_or_default();
            list.replace(def);
            if current {
                list.set_current(Some(&name));
            }
        }
        list
    }

    /// Write every snapshot's metadata file again (the current mark may
    /// have moved), and remove the files of snapshots no longer there.
    pub(super) fn store_snapshots(
        &self,
        dom: &str,
        uuid: &Uuid,
        list: &SnapshotList,
    ) -> QemuResult<()> {
        let dir = self.snapshot_dir(dom);
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| {
                QemuError::system(format!("cannot create directory '{}'", dir.display()), e)
            })?;
        let uuid = uuid.to_string();
        for def in list.iter() {
            let name = def.name.clone().unwrap_or_default();
            let xml = def.to_xml(
                Some(&uuid),
                SnapshotFormat {
                    secure: true,
                    internal: true,
                    current: list.current() == Some(name.as_str()),
                },
            );
            state::write_atomic(&dir.join(format!("{name}.xml")), xml.as_bytes())?;
        }
        for stem in virt_host::files::stems(&dir, "xml") {
            if list.get(&stem).is_none() {
                state::remove_quiet(&dir.join(format!("{stem}.xml")));
            }
        }
        Ok(())
    }

    /// The qcow2 images of `def`'s disks that `snap` records as internal.
    pub(super) fn internal_images(def: &DomainDef, snap: &SnapshotDef) -> QemuResult<Vec<String>> {
        let mut out = Vec::new();
        for d in &snap.disks {
            if d.snapshot.as_deref() != Some("internal") {
                continue;
            }
            let disk = def
                .devices
                .disks
                .iter()
                .find(|x| x.target_dev == d.name)
                .ok_or_else(|| QemuError::Unsupported(format!("no disk named '{}'", d.name)))?;
            if disk.driver_type.as_deref() != Some("qcow2") || disk.disk_type != "file" {
                return Err(QemuError::Invalid(format!(
                    "Disk device '{}' does not support snapshotting",
                    d.name
                )));
            }
            let path = disk.source.clone().ok_or_else(|| {
                QemuError::Invalid(format!(
                    "Disk device '{}' does not support snapshotting",
                    d.name
                ))
            })?;
            out.push(path);
        }
        Ok(out)
    }

    /// `qemu-img snapshot OP NAME` on each image; on a failure the images
    /// done so far are undone with `undo` (when given).
    pub(super) fn qemu_img_snapshot(
        images: &[String],
        op: &str,
        name: &str,
        undo: Option<&str>,
    ) -> QemuResult<()> {
        for (i, img) in images.iter().enumerate() {
            let out = std::process::Command::new("qemu-img")
                .args(["snapshot", op, name, img])
                .output()
                .map_err(|e| QemuError::system("Cannot run qemu-img".to_string(), e))?;
            if !out.status.success() {
                if let Some(u) = undo {
                    for done in &images[..i] {
                        let _ = std::process::Command::new("qemu-img")
                            .args(["snapshot", u, name, done])
                            .output();
                    }
                }
                return Err(QemuError::Failed(format!(
                    "qemu-img snapshot {op} {name} {img}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
        }
        Ok(())
    }

    /// `virDomainSnapshotCreateXML`.
    pub(super) fn snapshot_create(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: u32,
    ) -> QemuResult<DomainSnapshotRef> {
        check_flags(
            flags,
            cf::REDEFINE
                | cf::CURRENT
                | cf::NO_METADATA
                | cf::DISK_ONLY
                | cf::REUSE_EXT
                | cf::ATOMIC
                | cf::HALT
                | cf::LIVE
                | cf::QUIESCE
                | cf::VALIDATE,
            "qemuDomainSnapshotCreateXML",
        )?;
        // libvirt's VIR_REQUIRE_FLAG_RET: the bare message, no prefix.
        let requires = |needed: &str, by: &str| {
            let mut e = virt_core::Error::flags_arg(
                "qemuDomainSnapshotCreateXML",
                format!("Flag '{needed}' is required by flag '{by}'"),
            );
            e.domain = ErrorDomain::Qemu;
            QemuError::Driver(e)
        };
        if flags & cf::QUIESCE != 0 && flags & cf::DISK_ONLY == 0 {
            return Err(requires(
                "VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY",
                "VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE",
            ));
        }
        let redefine = flags & cf::REDEFINE != 0;
        if flags & cf::CURRENT != 0 && !redefine {
            return Err(requires(
                "VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT",
                "VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE",
            ));
        }
        let d = self.open_domain(dom)?;
        let mut def = parse_snapshot(
            xml,
            SnapshotParse {
                redefine,
                internal: false,
            },
        )?;
        let mut list = self.load_snapshots(&d.name);
        let domdef = self.def(&d.name, d.obs.live.is_some())?;
        let uuid = domdef.uuid.unwrap_or_default();
        if redefine {
            list.check_cycles(&def).map_err(QemuError::Driver)?;
            let name = def.name.clone().unwrap_or_default();
            // libvirt's virDomainSnapshotRedefinePrep: the disks aligned
            // with the snapshot's domain, or the one it redefines.
            let recorded = match (&def.domain, list.get(&name).and_then(|o| o.domain.as_ref())) {
                (Some(SnapshotDomain::Full(sd)), _) | (None, Some(SnapshotDomain::Full(sd))) => {
                    Some((**sd).clone())
                }
                _ => None,
            };
            if let Some(sd) = recorded {
                let disk_only = def.state.as_deref() == Some("disk-snapshot");
                let location = if disk_only || def.is_external() {
                    "external"
                } else {
                    "internal"
                };
                def.align_disks(&sd, location)?;
            }
            list.replace(def);
            if flags & cf::CURRENT != 0 {
                list.set_current(Some(&name));
            }
            self.store_snapshots(&d.name, &uuid, &list)?;
            return Ok(DomainSnapshotRef {
                domain: self.dom_ref(&d.name, d.obs.live.as_ref().map(|(rt, _)| rt.id))?,
                name,
            });
        }
        let live = d.obs.live.is_some();
        // libvirt keeps a guest running during a snapshot only while its
        // memory goes to an external file.
        let memory_external = def
            .memory
            .as_ref()
            .is_some_and(|m| m.snapshot == "external");
        if flags & cf::LIVE != 0 && (!live || !memory_external) {
            return Err(QemuError::OperationUnsupported(
                "live snapshot creation is supported only during full system snapshots".into(),
            ));
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |t| t.as_secs() as i64);
        def.creation_time = Some(now);
        let name = def.name.clone().unwrap_or_else(|| now.to_string());
        def.name = Some(name.clone());
        if list.get(&name).is_some() {
            return Err(QemuError::Failed(format!(
                "domain moment {name} already exists"
            )));
        }
        // libvirt's qemuSnapshotCreateAlignDisks: external only for a
        // disk-only snapshot or external memory; a disk asking for an
        // external image otherwise is refused by the alignment.
        let external = flags & cf::DISK_ONLY != 0 || memory_external;
        if live {
            if external {
                self.snapshot_external_live(&d, &mut def, &domdef, flags)?;
            } else {
                def.align_disks(&domdef, "internal")?;
                self.snapshot_save_live(&d, &mut def, &domdef)?;
            }
            def.domain = Some(SnapshotDomain::Full(Box::new(domdef)));
            def.parent = list.current().map(str::to_string);
            if flags & cf::NO_METADATA == 0 {
                list.add(def).map_err(QemuError::Driver)?;
                list.set_current(Some(&name));
                self.store_snapshots(&d.name, &uuid, &list)?;
            }
            let domain = self.dom_ref(&d.name, d.obs.live.as_ref().map(|(rt, _)| rt.id))?;
            if flags & cf::HALT != 0 {
                self.stop_from_snapshot(&d)?;
            }
            return Ok(DomainSnapshotRef { domain, name });
        }
        if def.memory.as_ref().is_some_and(|m| m.snapshot != "no") {
            return Err(QemuError::Unsupported(
                "memory state cannot be saved with offline or disk-only snapshot".into(),
            ));
        }
        def.memory = Some(SnapshotMemory {
            snapshot: "no".into(),
            file: None,
        });
        def.state = Some("shutoff".into());
        let location = if external { "external" } else { "internal" };
        def.align_disks(&domdef, location)?;
        if external {
            let mut newdef = domdef.clone();
            self.create_overlays(&mut def, &mut newdef, flags & cf::REUSE_EXT != 0, false)?;
            def.domain = Some(SnapshotDomain::Full(Box::new(domdef)));
            def.parent = list.current().map(str::to_string);
            // The guest now runs on the overlays.
            let xml = newdef.to_xml(&FormatOptions {
                id: None,
                inactive: true,
                secure: true,
            });
            state::write_atomic(&self.paths.config_xml(&d.name), xml.as_bytes())?;
            if flags & cf::NO_METADATA == 0 {
                list.add(def).map_err(QemuError::Driver)?;
                list.set_current(Some(&name));
                self.store_snapshots(&d.name, &uuid, &list)?;
            }
            return Ok(DomainSnapshotRef {
                domain: self.dom_ref(&d.name, None)?,
                name,
            });
        }
        let images = Self::internal_images(&domdef, &def)?;
        def.domain = Some(SnapshotDomain::Full(Box::new(domdef)));
        def.parent = list.current().map(str::to_string);
        Self::qemu_img_snapshot(&images, "-c", &name, Some("-d"))?;
        if flags & cf::NO_METADATA == 0 {
            list.add(def).map_err(QemuError::Driver)?;
            list.set_current(Some(&name));
            self.store_snapshots(&d.name, &uuid, &list)?;
        }
        Ok(DomainSnapshotRef {
            domain: self.dom_ref(&d.name, None)?,
            name,
        })
    }

    /// A read of the domain's snapshot list.
    pub(super) fn with_snapshots<T>(
        &self,
        dom: &DomainRef,
        f: impl FnOnce(&DomainRef, &SnapshotList) -> QemuResult<T>,
    ) -> QemuResult<T> {
        let name = self.resolve(dom)?;
        let list = self.load_snapshots(&name);
        f(dom, &list)
    }

    /// The names of a listing (`from` a snapshot or the domain's).
    pub(super) fn snapshot_names(
        &self,
        dom: &DomainRef,
        from: Option<&str>,
        flags: u32,
        function: &'static str,
    ) -> QemuResult<Vec<String>> {
        check_flags(
            flags,
            lf::ROOTS | lf::TOPOLOGICAL | lf::FILTERS_ALL,
            function,
        )?;
        self.with_snapshots(dom, |_, list| {
            if let Some(f) = from {
                list.get(f).ok_or_else(|| no_such(f))?;
            }
            Ok(list
                .list(from, flags)
                .into_iter()
                .map(str::to_string)
                .collect())
        })
    }

    /// The opening of delete and revert: the domain of the snapshot a
    /// handle names, opened (locked), its snapshots, and that one, refused
    /// when it is gone.
    fn open_snapshot(
        &self,
        snap: &DomainSnapshotRef,
    ) -> QemuResult<(Opened, SnapshotList, SnapshotDef)> {
        let d = self.open_domain(&snap.domain)?;
        let list = self.load_snapshots(&d.name);
        let def = list
            .get(&snap.name)
            .cloned()
            .ok_or_else(|| no_such(&snap.name))?;
        Ok((d, list, def))
    }

    /// The snapshot a handle names, checked to exist.
    pub(super) fn snapshot_get(&self, snap: &DomainSnapshotRef) -> QemuResult<SnapshotDef> {
        self.with_snapshots(&snap.domain, |_, list| {
            list.get(&snap.name)
                .cloned()
                .ok_or_else(|| no_such(&snap.name))
        })
    }

    /// The current snapshot's name.
    pub(super) fn snapshot_current_name(&self, dom: &DomainRef) -> QemuResult<Option<String>> {
        self.with_snapshots(dom, |_, list| Ok(list.current().map(str::to_string)))
    }

    /// `virDomainSnapshotDelete`, as libvirt 9.0: the checks of
    /// `delete_validate`, an external snapshot's overlays committed into
    /// the images below (`delete_external_data`), internal ones removed
    /// from the images, then the metadata.
    pub(super) fn snapshot_delete(&self, snap: &DomainSnapshotRef, flags: u32) -> QemuResult<()> {
        check_flags(
            flags,
            df::CHILDREN | df::CHILDREN_ONLY | df::METADATA_ONLY,
            "qemuDomainSnapshotDelete",
        )?;
        let (d, mut list, def) = self.open_snapshot(snap)?;
        let running = d.obs.live.is_some();
        let vm = self.def(&d.name, running)?;
        let uuid = vm.uuid.unwrap_or_default();
        let with_children = flags & (df::CHILDREN | df::CHILDREN_ONLY) != 0;
        if flags & df::METADATA_ONLY == 0 {
            delete_validate(&list, &def, running.then_some(&vm), flags)?;
            if def.is_external() && !with_children {
                self.delete_external_data(&d, &mut list, &uuid, &def, &vm)?;
            } else {
                let mut doomed: Vec<String> = Vec::new();
                if with_children {
                    doomed.extend(
                        list.descendants(Some(&snap.name))
                            .into_iter()
                            .map(str::to_string),
                    );
                }
                if flags & df::CHILDREN_ONLY == 0 {
                    doomed.push(snap.name.clone());
                }
                for n in &doomed {
                    // What is left is internal (the validation refused the
                    // rest) or the external snapshot itself, whose data
                    // libvirt leaves when it goes with its children.
                    let Some(def) = list.get(n).filter(|x| !x.is_external()) else {
                        continue;
                    };
                    if let Some(SnapshotDomain::Full(sd)) = &def.domain {
                        let images = Self::internal_images(sd, def)?;
                        if running {
                            self.snapshot_delete_live(&d, n, &images)?;
                        } else {
                            Self::qemu_img_snapshot(&images, "-d", n, None)?;
                        }
                    }
                }
            }
        }
        if !with_children {
            retarget_descendants(&mut list, &def);
        }
        list.remove(
            &snap.name,
            flags & df::CHILDREN != 0,
            flags & df::CHILDREN_ONLY != 0,
        );
        self.store_snapshots(&d.name, &uuid, &list)
    }

    /// `virDomainRevertToSnapshot` of a shut-off snapshot onto a shut-off
    /// guest: the images go back with `qemu-img snapshot -a` and the
    /// recorded definition becomes the persistent one.
    pub(super) fn snapshot_revert(&self, snap: &DomainSnapshotRef, flags: u32) -> QemuResult<()> {
        if self.revert_states(snap, flags)? {
            // libvirt 9.0 ends a persistent guest's revert with DEFINED
            // (from snapshot): the snapshot's definition became its own.
            let (dom, _) = self.facts(&snap.domain.name)?;
            self.bus.publish(Event::lifecycle(
                dom,
                LifecycleEvent::Defined,
                lifecycle_detail::defined::FROM_SNAPSHOT,
            ));
        }
        Ok(())
    }

    /// The state transitions of `snapshot_revert`, with their events but
    /// the last; whether the guest is persistent.
    fn revert_states(&self, snap: &DomainSnapshotRef, flags: u32) -> QemuResult<bool> {
        check_flags(
            flags,
            rf::RUNNING | rf::PAUSED | rf::FORCE | rf::RESET_NVRAM,
            "qemuDomainRevertToSnapshot",
        )?;
        let (d, mut list, def) = self.open_snapshot(snap)?;
        let with_memory = matches!(def.state.as_deref(), Some("running" | "paused"));
        let asks_to_run = flags & (rf::RUNNING | rf::PAUSED) != 0;
        let persistent = self.paths.config_xml(&d.name).exists();
        if !persistent && !with_memory && !asks_to_run {
            return Err(QemuError::Invalid(
                "transient domain needs to request run or pause to revert to inactive snapshot"
                    .into(),
            ));
        }
        if def.is_external() {
            return Err(QemuError::Unsupported(
                "revert to external snapshot not supported yet".into(),
            ));
        }
        let Some(SnapshotDomain::Full(sd)) = &def.domain else {
            return Err(QemuError::RevertRisky(format!(
                "snapshot '{}' lacks domain '{}' rollback info",
                snap.name, d.name
            )));
        };
        if d.obs.live.is_some() && !with_memory && asks_to_run && flags & rf::FORCE == 0 {
            return Err(QemuError::RevertRisky(
                "must respawn qemu to start inactive snapshot".into(),
            ));
        }
        let uuid = sd.uuid.unwrap_or_default();
        let define = |sd: &DomainDef| -> QemuResult<()> {
            if persistent {
                let xml = sd.to_xml(&FormatOptions {
                    id: None,
                    inactive: true,
                    secure: true,
                });
                state::write_atomic(&self.paths.config_xml(&d.name), xml.as_bytes())?;
            }
            Ok(())
        };
        // A transient guest exists only while it runs: stopped for the
        // revert, it starts again on the snapshot's definition.
        let was_live = d.obs.live.is_some();
        if !persistent && !was_live {
            return Err(QemuError::NoDomainName(d.name.clone()));
        }
        let reset = if flags & rf::RESET_NVRAM != 0 {
            start_flags::RESET_NVRAM
        } else {
            0
        };
        let start_again = |name: &str, start: u32| {
            let flags = start | reset;
            if persistent {
                self.start_existing_for(name, flags, StartCause::Snapshot)
            } else {
                let mut def = (**sd).clone();
                def.name = name.to_string();
                self.start_transient_for(def, flags, StartCause::Snapshot)
            }
        };
        if was_live && with_memory {
            // Running/paused -> running/paused, as libvirt 9.0 does it for
            // persistent and transient guests alike: QEMU stops (STOPPED
            // from snapshot) and a new one starts below, with a new id.
            self.stop_from_snapshot(&d)?;
        }
        if with_memory {
            // A shut-off (or just stopped) guest into a running snapshot:
            // started paused on the recorded definition, then the
            // snapshot loaded into it.
            define(sd)?;
            let name = d.name.clone();
            drop(d);
            let started = start_again(&name, start_flags::PAUSED)?;
            let d = self.open_domain(&snap.domain)?;
            if let Err(e) = self.snapshot_load_live(&d, &def, sd, flags) {
                // A guest half loaded is not the snapshot: it goes.
                let _ = self.stop_from_snapshot(&d);
                return Err(e);
            }
            // libvirt 9.0: STARTED, then RESUMED (sent by the load) or
            // SUSPENDED, each from snapshot.
            let stays_paused = match flags & (rf::RUNNING | rf::PAUSED) {
                rf::RUNNING => false,
                rf::PAUSED => true,
                _ => def.state.as_deref() != Some("running"),
            };
            if stays_paused {
                self.publish_lifecycle(
                    &name,
                    started.id,
                    LifecycleEvent::Suspended,
                    lifecycle_detail::suspended::FROM_SNAPSHOT,
                );
            }
            list.set_current(Some(&snap.name));
            self.store_snapshots(&d.name, &uuid, &list)?;
            return Ok(persistent);
        }
        // Into a shut-off snapshot: a running guest stops first (QEMU's
        // loadvm cannot apply a snapshot taken by qemu-img).
        if d.obs.live.is_some() {
            self.stop_from_snapshot(&d)?;
        }
        let images = Self::internal_images(sd, &def)?;
        Self::qemu_img_snapshot(&images, "-a", &snap.name, None)?;
        define(sd)?;
        list.set_current(Some(&snap.name));
        self.store_snapshots(&d.name, &uuid, &list)?;
        if asks_to_run {
            let name = d.name.clone();
            drop(d);
            let paused = flags & rf::PAUSED != 0;
            let start = if paused { start_flags::PAUSED } else { 0 };
            let started = start_again(&name, start)?;
            if paused {
                self.publish_lifecycle(
                    &name,
                    started.id,
                    LifecycleEvent::Suspended,
                    lifecycle_detail::suspended::FROM_SNAPSHOT,
                );
            }
        }
        Ok(persistent)
    }

    /// Stop the running guest `d` for a snapshot (HALT, or a revert that
    /// needs it off): libvirt's `from snapshot` reason and event.
    pub(super) fn stop_from_snapshot(&self, d: &Opened) -> QemuResult<()> {
        let Some((rt, proc)) = &d.obs.live else {
            return Ok(());
        };
        let def = self.live_def(&d.name);
        self.kill(proc, def.as_ref(), false)?;
        self.cleanup(
            &d.name,
            rt,
            reason::SHUTOFF_FROM_SNAPSHOT,
            lifecycle_detail::stopped::FROM_SNAPSHOT,
        );
        Ok(())
    }

    /// The number of snapshots of `name` (undefine refuses while any).
    pub(super) fn snapshot_count(&self, name: &str) -> usize {
        self.load_snapshots(name).len()
    }

    /// Forget every snapshot's metadata of `name` (undefine with
    /// `SNAPSHOTS_METADATA`).
    pub(super) fn snapshot_forget_all(&self, name: &str) {
        let dir = self.snapshot_dir(name);
        for stem in virt_host::files::stems(&dir, "xml") {
            state::remove_quiet(&dir.join(format!("{stem}.xml")));
        }
        let _ = std::fs::remove_dir(&dir);
    }
}

impl QemuDriver {
    /// Make each external disk's overlay (`qemu-img create -f qcow2 -b
    /// ORIGINAL -F FORMAT NEW`, or reuse NEW with `reuse`) and point the
    /// disk of `newdef` at it; the overlays made are returned. Overlays
    /// made before a failure are removed. With `in_use` (a running guest
    /// holds the originals' locks) the original is not opened: its size is
    /// read with `qemu-img info -U` and given, with `-u`.
    pub(super) fn create_overlays(
        &self,
        snap: &mut SnapshotDef,
        newdef: &mut DomainDef,
        reuse: bool,
        in_use: bool,
    ) -> QemuResult<Vec<String>> {
        let mut made: Vec<String> = Vec::new();
        let undo = |made: &[String]| {
            for m in made {
                state::remove_quiet(Path::new(m));
            }
        };
        for sd in snap.disks.iter_mut() {
            if sd.snapshot.as_deref() != Some("external") {
                continue;
            }
            let Some(disk) = newdef
                .devices
                .disks
                .iter_mut()
                .find(|x| x.target_dev == sd.name)
            else {
                continue;
            };
            // The alignment named every external file image
            // (SnapshotDef::align_disks); what is left is no file.
            let (Some(orig), Some(path)) = (disk.source.clone(), sd.path().map(str::to_string))
            else {
                undo(&made);
                return Err(QemuError::Unsupported(format!(
                    "external snapshot of disk '{}' needs a file image",
                    sd.name
                )));
            };
            sd.format.get_or_insert_with(|| "qcow2".into());
            let exists = Path::new(&path).metadata().is_ok_and(|m| m.len() > 0);
            if exists && !reuse {
                undo(&made);
                return Err(QemuError::Unsupported(format!(
                    "external snapshot file for disk {} already exists and is not a block device: {path}",
                    sd.name
                )));
            }
            if !reuse {
                let fmt = disk.driver_type.clone().unwrap_or_else(|| "raw".into());
                let mut cmd = std::process::Command::new("qemu-img");
                cmd.args([
                    "create", "-q", "-f", "qcow2", "-b", &orig, "-F", &fmt, &path,
                ]);
                if in_use {
                    match virtual_size(&orig) {
                        Ok(size) => cmd.args(["-u", &size.to_string()]),
                        Err(e) => {
                            undo(&made);
                            return Err(e);
                        }
                    };
                }
                let out = cmd
                    .output()
                    .map_err(|e| QemuError::system("Cannot run qemu-img".to_string(), e))?;
                if !out.status.success() {
                    undo(&made);
                    return Err(QemuError::Failed(format!(
                        "qemu-img create {path}: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    )));
                }
                made.push(path.clone());
            }
            disk.source = Some(path);
            disk.driver_type = Some("qcow2".into());
        }
        Ok(made)
    }
}

/// The virtual size of an image, read without taking its locks.
fn virtual_size(image: &str) -> QemuResult<u64> {
    let out = std::process::Command::new("qemu-img")
        .args(["info", "-U", "--output=json", image])
        .output()
        .map_err(|e| QemuError::system("Cannot run qemu-img".to_string(), e))?;
    let info: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    info.get("virtual-size")
        .and_then(Value::as_u64)
        .ok_or_else(|| {
            QemuError::Failed(format!(
                "qemu-img info {image}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        })
}
