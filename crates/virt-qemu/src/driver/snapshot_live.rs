//! Internal snapshots of a running guest: QEMU's `snapshot-save`,
//! `snapshot-load` and `snapshot-delete` jobs (QEMU 6.0 and later) on the
//! qcow2 format nodes the guest has open, the guest's memory kept in the
//! first of them. The jobs are watched with `query-jobs` rather than
//! events, so that the lifecycle events QEMU sends meanwhile (the STOP and
//! RESUME around the save) stay queued for whoever watches the guest.
//! External disk-only snapshots of a running guest: a qcow2 overlay per
//! disk, opened with `blockdev-add` and put on top of the disk's node by
//! one `blockdev-snapshot` transaction, so every disk moves at once.

use super::hotplug::{delete_drive_nodes, drive_node_of};
use super::*;
use crate::argv::blockdev_nodes;
use virt_xml::snapshot::{SnapshotDef, SnapshotMemory};

/// How often a job's status is read while it runs.
const JOB_POLL: Duration = Duration::from_millis(20);

/// The format node QEMU opened for each of `images` (by file name, so
/// disks plugged after the start are found as well).
pub(super) fn format_nodes(
    mon: &mut Monitor<UnixStream>,
    images: &[String],
) -> QemuResult<Vec<String>> {
    let nodes = mon.execute("query-named-block-nodes", Some(json!({"flat": true})))?;
    let nodes = nodes.as_array().cloned().unwrap_or_default();
    images
        .iter()
        .map(|img| {
            nodes
                .iter()
                .find(|n| {
                    n.get("drv").and_then(Value::as_str) == Some("qcow2")
                        && n.get("file").and_then(Value::as_str) == Some(img.as_str())
                })
                .ok_or_else(|| {
                    QemuError::Invalid(format!(
                        "disk image '{img}' is not open in the running guest"
                    ))
                })
                .and_then(|n| {
                    // Below an external snapshot's overlay the image is a
                    // read-only backing file: QEMU cannot change its
                    // snapshots while the guest runs.
                    if n.get("ro").and_then(Value::as_bool) == Some(true) {
                        return Err(QemuError::Invalid(format!(
                            "disk image '{img}' is a read-only backing image of the running guest"
                        )));
                    }
                    Ok(n.get("node-name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string())
                })
        })
        .collect()
}

/// Start the snapshot job `command` with `arguments` (a `job-id` added),
/// wait until it concludes, dismiss it, and give its error if it failed.
pub(super) fn run_job(
    mon: &mut Monitor<UnixStream>,
    command: &str,
    mut arguments: Value,
) -> QemuResult<()> {
    // One call per domain at a time (the domain lock), so a fixed id is
    // unique; a job an interrupted call left behind is dismissed first.
    let id = format!("virt-rs-{command}");
    let _ = mon.execute("job-dismiss", Some(json!({ "id": id })));
    arguments["job-id"] = json!(id);
    mon.execute(command, Some(arguments))?;
    let (_, error) = wait_job(mon, &id, &[])?;
    let _ = mon.execute("job-dismiss", Some(json!({ "id": id })));
    match error {
        Some(why) => Err(QemuError::Failed(format!("{command}: {why}"))),
        None => Ok(()),
    }
}

/// Wait until job `id` reaches one of `states` (or concludes), giving the
/// state it reached and QEMU's error when it failed.
pub(super) fn wait_job(
    mon: &mut Monitor<UnixStream>,
    id: &str,
    states: &[&str],
) -> QemuResult<(String, Option<String>)> {
    loop {
        let jobs = mon.execute("query-jobs", None)?;
        let job = jobs
            .as_array()
            .and_then(|a| a.iter().find(|j| j.get("id") == Some(&json!(id))))
            .cloned()
            .ok_or_else(|| QemuError::Failed(format!("QEMU lost the job '{id}'")))?;
        let status = job
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if status == "concluded" || states.contains(&status.as_str()) {
            let error = job.get("error").and_then(Value::as_str).map(str::to_string);
            return Ok((status, error));
        }
        std::thread::sleep(JOB_POLL);
    }
}

/// The arguments naming a snapshot's tag, its devices and (for save and
/// load) the node that holds the memory state.
fn job_arguments(tag: &str, nodes: &[String], vmstate: bool) -> QemuResult<Value> {
    let first = nodes.first().ok_or_else(|| {
        QemuError::Invalid("the snapshot has no internal disk to keep its state in".into())
    })?;
    let mut args = json!({"tag": tag, "devices": nodes});
    if vmstate {
        args["vmstate"] = json!(first);
    }
    Ok(args)
}

impl QemuDriver {
    /// Take the internal snapshot `snap` (named, its disks aligned) of the
    /// running guest `d` defined by `domdef`: disks and memory, the guest's
    /// state recorded as it was.
    pub(super) fn snapshot_save_live(
        &self,
        d: &Opened,
        snap: &mut SnapshotDef,
        domdef: &DomainDef,
    ) -> QemuResult<()> {
        match snap.memory.as_ref().map(|m| m.snapshot.as_str()) {
            None | Some("internal") => {}
            Some("no") => {
                return Err(QemuError::Unsupported(
                    "internal snapshot of a running VM must include the memory state".into(),
                ))
            }
            Some(_) => return Err(QemuError::OperationUnsupported(
                "external memory snapshots of a running guest are not offered by this driver yet"
                    .into(),
            )),
        }
        let images = Self::internal_images(domdef, snap)?;
        let mut mon = Self::monitor_session(d.runtime()?)?;
        let nodes = format_nodes(&mut mon, &images)?;
        let name = snap.name.clone().unwrap_or_default();
        // QEMU stops the guest for the save and lets it run again after.
        run_job(
            &mut mon,
            "snapshot-save",
            job_arguments(&name, &nodes, true)?,
        )?;
        snap.memory = Some(SnapshotMemory {
            snapshot: "internal".into(),
            file: None,
        });
        snap.state = Some(
            if d.obs.state == DomainState::Paused {
                "paused"
            } else {
                "running"
            }
            .into(),
        );
        Ok(())
    }

    /// Revert the running guest `d` to the internal snapshot `snap` taken
    /// while it ran: disks and memory loaded by `snapshot-load` (the guest
    /// paused meanwhile), then running or paused as the snapshot was or as
    /// `flags` (RUNNING, PAUSED) ask.
    pub(super) fn snapshot_load_live(
        &self,
        d: &Opened,
        snap: &SnapshotDef,
        recorded: &DomainDef,
        flags: u32,
    ) -> QemuResult<()> {
        use virt_core::snapshot_revert_flags as rf;
        let rt = d.runtime()?;
        let images = Self::internal_images(recorded, snap)?;
        let mut mon = Self::monitor_session(rt)?;
        let nodes = format_nodes(&mut mon, &images)?;
        let name = snap.name.clone().unwrap_or_default();
        let was_running = d.obs.state == DomainState::Running;
        if was_running {
            mon.execute("stop", None)?;
        }
        if let Err(e) = run_job(
            &mut mon,
            "snapshot-load",
            job_arguments(&name, &nodes, true)?,
        ) {
            if was_running {
                let _ = mon.execute("cont", None);
            }
            return Err(e);
        }
        let run = match flags & (rf::RUNNING | rf::PAUSED) {
            rf::RUNNING => true,
            rf::PAUSED => false,
            _ => snap.state.as_deref() == Some("running"),
        };
        let mut rt = rt.clone();
        if was_running {
            self.publish_lifecycle(
                &d.name,
                Some(rt.id),
                LifecycleEvent::Suspended,
                lifecycle_detail::suspended::FROM_SNAPSHOT,
            );
        }
        if run {
            mon.execute("cont", None)?;
            rt.running_reason = reason::RUNNING_FROM_SNAPSHOT;
            self.publish_lifecycle(
                &d.name,
                Some(rt.id),
                LifecycleEvent::Resumed,
                lifecycle_detail::resumed::FROM_SNAPSHOT,
            );
        } else {
            rt.paused_reason = reason::PAUSED_FROM_SNAPSHOT;
        }
        rt.store(&self.paths, &d.name)
    }

    /// Delete the internal snapshot `name` of `images` from a running
    /// guest: the images it has open through `snapshot-delete` (QEMU holds
    /// their locks), any others with `qemu-img`.
    pub(super) fn snapshot_delete_live(
        &self,
        d: &Opened,
        name: &str,
        images: &[String],
    ) -> QemuResult<()> {
        let mut mon = Self::monitor_session(d.runtime()?)?;
        let (mut open, mut closed) = (Vec::new(), Vec::new());
        let nodes = mon.execute("query-named-block-nodes", Some(json!({"flat": true})))?;
        for img in images {
            let opened = nodes.as_array().is_some_and(|a| {
                a.iter()
                    .any(|n| n.get("file").and_then(Value::as_str) == Some(img.as_str()))
            });
            if opened {
                open.append(&mut format_nodes(&mut mon, std::slice::from_ref(img))?);
            } else {
                closed.push(img.clone());
            }
        }
        if !open.is_empty() {
            run_job(
                &mut mon,
                "snapshot-delete",
                job_arguments(name, &open, false)?,
            )?;
        }
        Self::qemu_img_snapshot(&closed, "-d", name, None)
    }

    /// Take the external snapshot `snap` (named) of the running guest `d`
    /// defined by `domdef`, as libvirt's `qemuSnapshotCreateActiveExternal`:
    /// with `<memory snapshot='external' file=.../>` the guest is paused
    /// (unless `LIVE`: QEMU pauses it when the migration converges) and its
    /// memory written to the file as a save image; then the overlays are
    /// made and opened, and switched to in one transaction; the live
    /// definition (and the persistent one, as libvirt does) moves onto
    /// them, and a guest that ran runs again. On a failure the nodes added,
    /// the overlays and the memory file made are removed.
    pub(super) fn snapshot_external_live(
        &self,
        d: &Opened,
        snap: &mut SnapshotDef,
        domdef: &DomainDef,
        flags: u32,
    ) -> QemuResult<()> {
        use virt_core::snapshot_create_flags as cf;
        let memory = match snap.memory.as_ref() {
            Some(m) if m.snapshot == "external" => m.file.clone(),
            Some(m) if m.snapshot != "no" => return Err(QemuError::Unsupported(
                "internal and full system snapshots require all disks to be selected for snapshot"
                    .into(),
            )),
            _ => None,
        };
        snap.align_disks(domdef, "external")?;
        if snap
            .disks
            .iter()
            .any(|x| x.snapshot.as_deref() == Some("internal"))
        {
            return Err(QemuError::Unsupported(
                "mixing internal and external targets for a snapshot is not yet supported".into(),
            ));
        }
        // Frozen before anything moves, thawed once the disks have: a
        // guest whose agent froze nothing needs no thaw (libvirt's rule).
        let mut agent = None;
        if flags & cf::QUIESCE != 0 {
            let mut a = self.guest_agent(d, domdef)?;
            if a.fs_freeze()? > 0 {
                agent = Some(a);
            }
        }
        let taken = self.external_live_steps(d, snap, domdef, memory, flags);
        if let Some(mut a) = agent {
            let thawed = a.fs_thaw();
            // A thaw's failure is reported only on an otherwise good
            // snapshot.
            if taken.is_ok() {
                thawed?;
            }
        }
        taken
    }

    /// [`QemuDriver::snapshot_external_live`] between the freeze and the
    /// thaw: the memory image, then the disks.
    fn external_live_steps(
        &self,
        d: &Opened,
        snap: &mut SnapshotDef,
        domdef: &DomainDef,
        memory: Option<String>,
        flags: u32,
    ) -> QemuResult<()> {
        use virt_core::snapshot_create_flags as cf;
        let reuse = flags & cf::REUSE_EXT != 0;
        let rt = d.runtime()?;
        let was_running = d.obs.state == DomainState::Running;
        if let Some(file) = &memory {
            let mut mon = Self::monitor_session(rt)?;
            let saved = (|| -> QemuResult<()> {
                if was_running && flags & cf::LIVE == 0 {
                    mon.execute("stop", None)?;
                }
                let paused = was_running && flags & cf::LIVE == 0;
                self.write_memory_image(
                    &mut mon,
                    domdef,
                    file,
                    was_running,
                    super::job::JobKind::Snapshot,
                    paused,
                )
            })();
            if let Err(e) = saved {
                if was_running {
                    let _ = mon.execute("cont", None);
                }
                return Err(e);
            }
        }
        let disks = self.external_disks_live(d, snap, domdef, reuse);
        if memory.is_some() && was_running {
            if let Ok(mut mon) = Self::monitor_session(rt) {
                let resumed = mon.execute("cont", None);
                if disks.is_ok() && resumed.is_err() {
                    return Err(QemuError::Failed("resuming after snapshot failed".into()));
                }
            }
        }
        if let Err(e) = disks {
            if let Some(file) = &memory {
                state::remove_quiet(Path::new(file));
            }
            return Err(e);
        }
        snap.state = Some(
            match (memory.is_some(), was_running) {
                (false, _) => "disk-snapshot",
                (true, true) => "running",
                (true, false) => "paused",
            }
            .into(),
        );
        if memory.is_none() {
            snap.memory = Some(SnapshotMemory {
                snapshot: "no".into(),
                file: None,
            });
        }
        Ok(())
    }

    /// The disk part of [`QemuDriver::snapshot_external_live`]: overlays
    /// made, opened and switched to at once, the definitions moved.
    fn external_disks_live(
        &self,
        d: &Opened,
        snap: &mut SnapshotDef,
        domdef: &DomainDef,
        reuse: bool,
    ) -> QemuResult<()> {
        let rt = d.runtime()?;
        let mut mon = Self::monitor_session(rt)?;
        let mut newdef = domdef.clone();
        let made = self.create_overlays(snap, &mut newdef, reuse, true)?;
        // Node names unique among this QEMU's (at most 31 characters).
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |t| t.subsec_nanos() ^ (t.as_secs() as u32));
        let targets: Vec<String> = snap
            .disks
            .iter()
            .filter(|x| x.snapshot.as_deref() == Some("external"))
            .map(|x| x.name.clone())
            .collect();
        let mut added: Vec<String> = Vec::new();
        let result = (|| -> QemuResult<()> {
            let mut actions = Vec::new();
            for (i, target) in targets.iter().enumerate() {
                let old = drive_node_of(&mut mon, target)?.ok_or_else(|| {
                    QemuError::Invalid(format!("disk '{target}' is not open in the running guest"))
                })?;
                let Some(disk) = newdef
                    .devices
                    .disks
                    .iter()
                    .find(|x| &x.target_dev == target)
                else {
                    continue;
                };
                let node = format!("snap{stamp:08x}-{i}");
                let (storage, mut format) = blockdev_nodes(disk, &node)?.ok_or_else(|| {
                    QemuError::Unsupported(format!("disk '{target}' has no source"))
                })?;
                // The overlay's backing is the node the guest runs on now,
                // joined by the snapshot, not a second opening of the file.
                format["backing"] = Value::Null;
                mon.execute("blockdev-add", Some(storage))?;
                let format_node = format!("{node}-format");
                added.push(format_node.clone());
                mon.execute("blockdev-add", Some(format))?;
                actions.push(json!({
                    "type": "blockdev-snapshot",
                    "data": {"node": old, "overlay": format_node},
                }));
            }
            mon.execute("transaction", Some(json!({ "actions": actions })))?;
            Ok(())
        })();
        if let Err(e) = result {
            for n in &added {
                delete_drive_nodes(&mut mon, n);
            }
            for m in &made {
                state::remove_quiet(Path::new(m));
            }
            return Err(e);
        }
        self.store_live(&newdef, rt.id)?;
        if let Some(mut config) = self.config_def(&d.name) {
            for target in &targets {
                let now = newdef
                    .devices
                    .disks
                    .iter()
                    .find(|x| &x.target_dev == target);
                let was = config
                    .devices
                    .disks
                    .iter_mut()
                    .find(|x| &x.target_dev == target);
                if let (Some(now), Some(was)) = (now, was) {
                    was.source = now.source.clone();
                    was.driver_type = now.driver_type.clone();
                }
            }
            self.store_config(&config)?;
        }
        Ok(())
    }
}
