//! Deleting snapshots as libvirt 9.0 does, external ones included: the
//! checks it makes first (`qemuSnapshotDeleteValidate`), the data of an
//! external disk snapshot committed into the image below it (a running
//! guest's through QEMU's `block-commit` job, an active commit pivoted
//! with `job-complete`, an inner one finalized with `job-finalize`; a
//! shut-off guest's with `qemu-img commit`, where libvirt starts QEMU
//! paused for the same job) and the overlay removed, and the snapshots
//! below it retargeted onto the image that remains.

use super::snapshot_live::wait_job;
use super::*;
use virt_core::snapshot_delete_flags as df;
use virt_xml::snapshot::{SnapshotDef, SnapshotDomain};
use virt_xml::SnapshotList;

/// One disk of an external snapshot being deleted: its overlay goes, its
/// data into the image below.
#[derive(Debug)]
pub(super) struct Commit {
    /// The disk's target name.
    target: String,
    /// The snapshot's image (the top of the commit).
    overlay: String,
    /// The image under it, as the snapshot recorded the disk (the base).
    base: String,
    /// The base's format, as recorded.
    base_format: Option<String>,
    /// The overlay is the image the guest writes to (an active commit).
    active: bool,
    /// The nearest earlier snapshot holding this disk: its disk is marked
    /// "delete in progress" while the commit runs, as libvirt marks it.
    parent_snapshot: Option<String>,
}

/// The recorded domain of a snapshot, when it has one.
fn recorded(def: &SnapshotDef) -> Option<&DomainDef> {
    match &def.domain {
        Some(SnapshotDomain::Full(d)) => Some(d),
        _ => None,
    }
}

fn disk_source<'a>(def: &'a DomainDef, target: &str) -> Option<&'a str> {
    def.devices
        .disks
        .iter()
        .find(|d| d.target_dev == target)
        .and_then(|d| d.source.as_deref())
}

/// libvirt's checks before a snapshot's data is deleted (the metadata
/// alone needs none). `running` is the guest's live definition.
pub(super) fn delete_validate(
    list: &SnapshotList,
    snap: &SnapshotDef,
    running: Option<&DomainDef>,
    flags: u32,
) -> QemuResult<()> {
    let name = snap.name.as_deref().unwrap_or_default();
    if let (false, Some(vm), Some(rec)) = (snap.is_external(), running, recorded(snap)) {
        // QEMU deletes an internal snapshot only from the images the guest
        // writes to: not from one an external snapshot put below.
        for d in &snap.disks {
            let now = disk_source(vm, &d.name);
            if now.is_some() && now != disk_source(rec, &d.name) {
                return Err(QemuError::OperationUnsupported(format!(
                    "disk image '{}' for internal snapshot '{name}' is not the same as disk image currently used by VM",
                    d.name
                )));
            }
        }
    }
    if flags & (df::CHILDREN | df::CHILDREN_ONLY) != 0 {
        let (external, internal) = list
            .descendants(Some(name))
            .into_iter()
            .filter_map(|n| list.get(n))
            .fold((0, 0), |(e, i), d| {
                if d.is_external() {
                    (e + 1, i)
                } else {
                    (e, i + 1)
                }
            });
        if external > 0 && internal > 0 {
            return Err(QemuError::Unsupported(
                "deletion of external and internal children disk snapshots not supported".into(),
            ));
        }
        if external > 0 {
            return Err(QemuError::Unsupported(
                "deletion of external children disk snapshots not supported".into(),
            ));
        }
    }
    if snap.is_external() && flags & df::CHILDREN != 0 {
        return Err(QemuError::Unsupported(
            "deletion of external disk snapshots with children not supported".into(),
        ));
    }
    Ok(())
}

/// libvirt's preparation of an external snapshot's deletion
/// (`qemuSnapshotDeleteExternalPrepare`): for each of its disks, the
/// overlay must be in the disk's chain of images (`chain_of` gives it, top
/// first) with the recorded image right below it, and the nearest earlier
/// snapshot of the disk must be external. Of a shut-off guest libvirt
/// knows only the disk's own image, so only the overlay on top can go.
pub(super) fn delete_prepare(
    list: &SnapshotList,
    snap: &SnapshotDef,
    vm: &DomainDef,
    running: bool,
    chain_of: &mut dyn FnMut(&str, &str) -> QemuResult<Vec<String>>,
) -> QemuResult<Vec<Commit>> {
    let mut out = Vec::new();
    for d in &snap.disks {
        if d.snapshot.as_deref() == Some("no") {
            continue;
        }
        if d.delete_in_progress {
            return Err(QemuError::Invalid(format!(
                "snapshot disk '{}' was target of not completed snapshot delete",
                d.name
            )));
        }
        let top = disk_source(vm, &d.name)
            .ok_or_else(|| QemuError::InvalidArg(format!("disk '{}' not found in domain", d.name)))?
            .to_string();
        let overlay = d.path().unwrap_or_default().to_string();
        let chain = chain_of(&d.name, &top)?;
        let searched = if running { &chain[..] } else { &chain[..1] };
        let Some(at) = searched.iter().position(|p| *p == overlay) else {
            return Err(QemuError::InvalidArg(
                "could not find base disk source in disk source chain".into(),
            ));
        };
        let base_disk = recorded(snap)
            .and_then(|r| r.devices.disks.iter().find(|x| x.target_dev == d.name))
            .ok_or_else(|| {
                QemuError::Failed(format!(
                    "failed to find disk '{}' in snapshot VM XML",
                    d.name
                ))
            })?;
        let below = chain.get(at + 1).ok_or_else(|| {
            QemuError::Failed("failed to find parent disk source in backing chain".into())
        })?;
        if base_disk.source.as_deref() != Some(below.as_str()) {
            return Err(QemuError::Failed(
                "snapshot VM disk source and parent disk source are not the same".into(),
            ));
        }
        let parent_snapshot = parent_snapshot_of_disk(list, snap, &d.name);
        if let Some(p) = parent_snapshot.and_then(|p| list.get(p)) {
            if !p.is_external() {
                return Err(QemuError::OperationUnsupported(
                    "deleting external snapshot that has internal snapshot as parent not supported"
                        .into(),
                ));
            }
        }
        out.push(Commit {
            target: d.name.clone(),
            overlay,
            base: below.clone(),
            base_format: base_disk.driver_type.clone(),
            active: at == 0,
            parent_snapshot: parent_snapshot.map(str::to_string),
        });
    }
    Ok(out)
}

/// The nearest ancestor of `snap` that snapshotted disk `target` (a disk
/// may have been left out of the snapshots between).
fn parent_snapshot_of_disk<'a>(
    list: &'a SnapshotList,
    snap: &SnapshotDef,
    target: &str,
) -> Option<&'a str> {
    let mut at = snap.parent.as_deref();
    while let Some(name) = at {
        let def = list.get(name)?;
        if def
            .disks
            .iter()
            .any(|x| x.name == target && x.snapshot.as_deref() != Some("no"))
        {
            return def.name.as_deref();
        }
        at = def.parent.as_deref();
    }
    None
}

/// Mark (or clear) the disk `target` of snapshot `name` as the target of
/// a deletion under way.
fn mark_in_progress(list: &mut SnapshotList, name: Option<&str>, target: &str, on: bool) {
    if let Some(def) = name.and_then(|n| list.get_mut(n)) {
        for d in def.disks.iter_mut().filter(|d| d.name == target) {
            d.delete_in_progress = on;
        }
    }
}

/// After a snapshot's removal, the external snapshots below it recorded
/// their disks on its overlays: those now run on the image the overlay
/// was committed into (libvirt's `qemuSnapshotDeleteUpdateDisks`, made
/// for the metadata alone too).
pub(super) fn retarget_descendants(list: &mut SnapshotList, snap: &SnapshotDef) {
    let name = snap.name.as_deref().unwrap_or_default();
    let Some(rec) = recorded(snap) else {
        return;
    };
    let below: Vec<String> = list
        .descendants(Some(name))
        .into_iter()
        .map(str::to_string)
        .collect();
    for child in below {
        let Some(def) = list.get_mut(&child) else {
            continue;
        };
        if !def.is_external() {
            continue;
        }
        for sd in snap
            .disks
            .iter()
            .filter(|d| d.snapshot.as_deref() != Some("no"))
        {
            let Some(parent_disk) = rec.devices.disks.iter().find(|x| x.target_dev == sd.name)
            else {
                continue;
            };
            let doms = [
                match &mut def.domain {
                    Some(SnapshotDomain::Full(d)) => Some(&mut **d),
                    _ => None,
                },
                def.inactive_domain.as_deref_mut(),
            ];
            for dom in doms.into_iter().flatten() {
                for disk in dom.devices.disks.iter_mut() {
                    if disk.target_dev == sd.name && disk.source.as_deref() == sd.path() {
                        disk.source = parent_disk.source.clone();
                        disk.driver_type = parent_disk.driver_type.clone();
                    }
                }
            }
        }
    }
}

/// The images of a file's backing chain, top first, read without taking
/// their locks.
fn image_chain(top: &str) -> QemuResult<Vec<String>> {
    let out = std::process::Command::new("qemu-img")
        .args(["info", "-U", "--backing-chain", "--output=json", top])
        .output()
        .map_err(|e| QemuError::system("Cannot run qemu-img".to_string(), e))?;
    let info: Value = serde_json::from_slice(&out.stdout).map_err(|_| {
        QemuError::Failed(format!(
            "qemu-img info {top}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    })?;
    Ok(info
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i.get("filename").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default())
}

/// The chain of images QEMU has open for disk `target`, top first.
fn live_chain(mon: &mut Monitor<UnixStream>, target: &str) -> QemuResult<Vec<String>> {
    let blocks = mon.execute("query-block", None)?;
    let long = format!("/machine/peripheral/{target}");
    let block = blocks.as_array().and_then(|a| {
        a.iter().find(|b| {
            b.get("qdev")
                .and_then(Value::as_str)
                .is_some_and(|q| q == target || q == long || q.starts_with(&format!("{long}/")))
        })
    });
    let mut out = Vec::new();
    let mut image = block.and_then(|b| b.pointer("/inserted/image"));
    while let Some(i) = image {
        if let Some(f) = i.get("filename").and_then(Value::as_str) {
            out.push(f.to_string());
        }
        image = i.get("backing-image");
    }
    Ok(out)
}

/// The format node (and the storage node under it) QEMU opened `image`
/// as.
fn nodes_of(nodes: &Value, image: &str) -> (Option<String>, Option<String>) {
    let mut format = None;
    let mut storage = None;
    for n in nodes.as_array().into_iter().flatten() {
        if n.get("file").and_then(Value::as_str) != Some(image) {
            continue;
        }
        let name = n
            .get("node-name")
            .and_then(Value::as_str)
            .map(str::to_string);
        match n.get("drv").and_then(Value::as_str) {
            Some("file" | "host_device" | "host_cdrom") => storage = storage.or(name),
            _ => format = format.or(name),
        }
    }
    (format, storage)
}

impl QemuDriver {
    /// Delete the data of the external snapshot `snap` of the guest `d`
    /// (`vm`: its live definition while it runs, else the persistent one):
    /// each overlay committed into the image below and removed, the
    /// definitions moved down where the guest wrote to the overlay.
    pub(super) fn delete_external_data(
        &self,
        d: &Opened,
        list: &mut SnapshotList,
        uuid: &Uuid,
        snap: &SnapshotDef,
        vm: &DomainDef,
    ) -> QemuResult<()> {
        let commits = match d.obs.live.as_ref() {
            Some((rt, _)) => {
                let mut mon = Self::monitor_session(rt)?;
                let commits =
                    delete_prepare(list, snap, vm, true, &mut |t, _| live_chain(&mut mon, t))?;
                for c in &commits {
                    mark_in_progress(list, c.parent_snapshot.as_deref(), &c.target, true);
                }
                self.store_snapshots(&d.name, uuid, list)?;
                commit_live(&mut mon, &commits)?;
                commits
            }
            None => {
                let commits =
                    delete_prepare(list, snap, vm, false, &mut |_, top| image_chain(top))?;
                for c in &commits {
                    mark_in_progress(list, c.parent_snapshot.as_deref(), &c.target, true);
                }
                self.store_snapshots(&d.name, uuid, list)?;
                for c in &commits {
                    let out = std::process::Command::new("qemu-img")
                        .args(["commit", "-q", &c.overlay])
                        .output()
                        .map_err(|e| QemuError::system("Cannot run qemu-img".to_string(), e))?;
                    if !out.status.success() {
                        return Err(QemuError::Internal(format!(
                            "block commit failed while deleting disk '{}' snapshot: '{}'",
                            c.target,
                            String::from_utf8_lossy(&out.stderr).trim()
                        )));
                    }
                }
                commits
            }
        };
        for c in &commits {
            state::remove_quiet(Path::new(&c.overlay));
            mark_in_progress(list, c.parent_snapshot.as_deref(), &c.target, false);
        }
        // Where the guest wrote to an overlay it now writes to the base.
        let move_down = |def: &mut DomainDef| {
            let mut moved = false;
            for c in commits.iter().filter(|c| c.active) {
                for disk in def.devices.disks.iter_mut() {
                    if disk.target_dev == c.target && disk.source.as_deref() == Some(&c.overlay) {
                        disk.source = Some(c.base.clone());
                        disk.driver_type = c.base_format.clone();
                        moved = true;
                    }
                }
            }
            moved
        };
        if let Some((rt, _)) = d.obs.live.as_ref() {
            if let Some(mut live) = self.live_def(&d.name) {
                if move_down(&mut live) {
                    self.store_live(&live, rt.id)?;
                }
            }
        }
        if let Some(mut config) = self.config_def(&d.name) {
            if move_down(&mut config) {
                self.store_config(&config)?;
            }
        }
        Ok(())
    }
}

/// QEMU's commit of each overlay into its base, as libvirt runs it: every
/// job started, each waited for until ready (an active commit) or pending
/// (an inner one), then pivoted or finalized and waited for until it
/// concludes; the overlays' nodes are closed after. On a failure the jobs
/// still running are cancelled.
fn commit_live(mon: &mut Monitor<UnixStream>, commits: &[Commit]) -> QemuResult<()> {
    let nodes = mon.execute("query-named-block-nodes", Some(json!({"flat": true})))?;
    let mut started: Vec<String> = Vec::new();
    let result = (|| -> QemuResult<()> {
        for c in commits {
            let root = super::hotplug::drive_node_of(mon, &c.target)?.ok_or_else(|| {
                QemuError::Invalid(format!(
                    "disk '{}' is not open in the running guest",
                    c.target
                ))
            })?;
            let (Some(top), _) = nodes_of(&nodes, &c.overlay) else {
                return Err(QemuError::Failed(format!(
                    "disk image '{}' is not open in the running guest",
                    c.overlay
                )));
            };
            let (Some(base), _) = nodes_of(&nodes, &c.base) else {
                return Err(QemuError::Failed(
                    "failed to find parent disk source in backing chain".into(),
                ));
            };
            let id = format!("virt-rs-commit-{}", c.target);
            let _ = mon.execute("job-dismiss", Some(json!({ "id": id })));
            mon.execute(
                "block-commit",
                Some(json!({
                    "job-id": id,
                    "device": root,
                    "top-node": top,
                    "base-node": base,
                    "auto-finalize": c.active,
                    "auto-dismiss": false,
                })),
            )?;
            started.push(id);
        }
        for (c, id) in commits.iter().zip(&started) {
            let (status, error) = wait_job(mon, id, &["ready", "pending"])?;
            if status == "concluded" {
                return Err(QemuError::Internal(format!(
                    "block commit failed while deleting disk '{}' snapshot: '{}'",
                    c.target,
                    error.unwrap_or_default()
                )));
            }
        }
        for (c, id) in commits.iter().zip(&started) {
            if c.active {
                mon.execute("job-complete", Some(json!({ "id": id })))?;
            } else {
                mon.execute("job-finalize", Some(json!({ "id": id })))?;
            }
            let (_, error) = wait_job(mon, id, &[])?;
            let _ = mon.execute("job-dismiss", Some(json!({ "id": id })));
            if let Some(why) = error {
                return Err(QemuError::Internal(format!(
                    "finishing block job failed while deleting disk '{}' snapshot: '{why}'",
                    c.target
                )));
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        for id in &started {
            let _ = mon.execute("job-cancel", Some(json!({ "id": id })));
            let _ = wait_job(mon, id, &[]);
            let _ = mon.execute("job-dismiss", Some(json!({ "id": id })));
        }
        return Err(e);
    }
    // The overlays left the graph; the nodes opened for them go too.
    for c in commits {
        let (format, storage) = nodes_of(&nodes, &c.overlay);
        for n in [format, storage].into_iter().flatten() {
            let _ = mon.execute("blockdev-del", Some(json!({ "node-name": n })));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use virt_xml::snapshot::{parse_snapshot, SnapshotParse};

    fn snap(
        name: &str,
        parent: Option<&str>,
        location: &str,
        file: &str,
        rec: &str,
    ) -> SnapshotDef {
        let parent = parent
            .map(|p| format!("<parent><name>{p}</name></parent>"))
            .unwrap_or_default();
        let source = if location == "external" {
            format!("<source file='{file}'/>")
        } else {
            String::new()
        };
        let xml = format!(
            "<domainsnapshot><name>{name}</name>{parent}<state>shutoff</state><creationTime>1</creationTime>\
             <memory snapshot='no'/><disks><disk name='vda' snapshot='{location}'>{source}</disk></disks>\
             <domain type='qemu'><name>g</name><memory>65536</memory><os><type>hvm</type></os>\
             <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
             <source file='{rec}'/><target dev='vda' bus='virtio'/></disk></devices></domain>\
             </domainsnapshot>"
        );
        parse_snapshot(
            &xml,
            SnapshotParse {
                redefine: true,
                internal: false,
            },
        )
        .expect("snapshot xml")
    }

    fn vm(source: &str) -> DomainDef {
        virt_xml::parse_domain(&format!(
            "<domain type='qemu'><name>g</name><memory>65536</memory><os><type>hvm</type></os>\
             <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
             <source file='{source}'/><target dev='vda' bus='virtio'/></disk></devices></domain>"
        ))
        .expect("domain xml")
    }

    /// s1 (external, /a -> /a.s1), s2 (external, /a.s1 -> /a.s2).
    fn two_external() -> SnapshotList {
        let mut list = SnapshotList::default();
        list.add(snap("s1", None, "external", "/a.s1", "/a"))
            .expect("s1");
        list.add(snap("s2", Some("s1"), "external", "/a.s2", "/a.s1"))
            .expect("s2");
        list
    }

    #[test]
    fn children_of_external_snapshots_are_refused_as_libvirt_refuses_them() {
        let list = two_external();
        let s1 = list.get("s1").expect("s1").clone();
        let e = delete_validate(&list, &s1, None, df::CHILDREN).expect_err("children");
        assert_eq!(
            e.to_string(),
            "unsupported configuration: deletion of external children disk snapshots not supported"
        );
        let s2 = list.get("s2").expect("s2").clone();
        let e = delete_validate(&list, &s2, None, df::CHILDREN).expect_err("with children");
        assert_eq!(
            e.to_string(),
            "unsupported configuration: deletion of external disk snapshots with children not supported"
        );
        delete_validate(&list, &s2, None, df::CHILDREN_ONLY).expect("no children");
    }

    #[test]
    fn a_shut_off_guest_can_lose_only_its_top_overlay() {
        let list = two_external();
        let s1 = list.get("s1").expect("s1").clone();
        let chain = |_: &str, _: &str| Ok(vec!["/a.s2".into(), "/a.s1".into(), "/a".into()]);
        let e = delete_prepare(&list, &s1, &vm("/a.s2"), false, &mut { chain })
            .expect_err("inner overlay of a shut-off guest");
        assert_eq!(
            e.to_string(),
            "invalid argument: could not find base disk source in disk source chain"
        );
        // Running, QEMU knows the chain: an inner commit.
        let c = delete_prepare(&list, &s1, &vm("/a.s2"), true, &mut { chain }).expect("running");
        assert_eq!(c.len(), 1);
        assert!(!c[0].active);
        assert_eq!(c[0].base, "/a");
        let s2 = list.get("s2").expect("s2").clone();
        let c = delete_prepare(&list, &s2, &vm("/a.s2"), false, &mut { chain }).expect("top");
        assert!(c[0].active);
        assert_eq!(c[0].base, "/a.s1");
        assert_eq!(c[0].parent_snapshot.as_deref(), Some("s1"));
        // A chain that does not hold the recorded base below the overlay.
        let wrong = |_: &str, _: &str| Ok(vec!["/a.s2".into(), "/other".into()]);
        assert_eq!(
            delete_prepare(&list, &s2, &vm("/a.s2"), true, &mut { wrong })
                .map_err(|e| e.to_string())
                .err(),
            Some(
                "operation failed: snapshot VM disk source and parent disk source are not the same"
                    .into()
            )
        );
    }

    #[test]
    fn an_internal_parent_blocks_the_deletion() {
        let mut list = SnapshotList::default();
        list.add(snap("i", None, "internal", "", "/a")).expect("i");
        list.add(snap("e", Some("i"), "external", "/a.e", "/a"))
            .expect("e");
        let e = list.get("e").expect("e").clone();
        let chain = |_: &str, _: &str| Ok(vec!["/a.e".into(), "/a".into()]);
        assert_eq!(
            delete_prepare(&list, &e, &vm("/a.e"), false, &mut { chain })
                .map_err(|e| e.to_string())
                .err(),
            Some("Operation not supported: deleting external snapshot that has internal snapshot as parent not supported".into())
        );
    }

    #[test]
    fn descendants_move_onto_the_image_below_a_deleted_overlay() {
        let mut list = two_external();
        let s1 = list.get("s1").expect("s1").clone();
        retarget_descendants(&mut list, &s1);
        let s2 = list.get("s2").expect("s2");
        assert_eq!(recorded(s2).and_then(|d| disk_source(d, "vda")), Some("/a"));
    }
}
