//! Snapshots of a shut-off guest: internal qcow2 snapshots through
//! `qemu-img snapshot`, checked on the image itself, with the metadata a
//! new connection (a restarted daemon) still finds.

use super::*;
use serde_json::json;
use virt_core::events::{domain_event_id, lifecycle_detail as ld};
use virt_core::{
    snapshot_create_flags as cf, snapshot_delete_flags as df, snapshot_list_flags as lf, Delivery,
    Domain, DomainEventKind, DomainSnapshot, Event, EventFilter, LifecycleEvent as Ev,
    Subscription,
};

/// A disk-only (external) snapshot `name` of `d`: the driver puts its
/// overlay beside the image as `disk.NAME`.
fn disk_only_snapshot(d: &Domain, name: &str) -> DomainSnapshot {
    d.snapshot_create_xml(
        &format!("<domainsnapshot><name>{name}</name></domainsnapshot>"),
        cf::DISK_ONLY,
    )
    .unwrap_or_else(|e| panic!("disk-only snapshot {name}: {e}"))
}

/// A subscription to `c`'s lifecycle events, for [`lifecycle_events`].
fn lifecycle_subscription(c: &Connect) -> Subscription {
    c.subscribe(EventFilter::domain(domain_event_id::LIFECYCLE))
        .expect("subscribe")
}

/// The lifecycle events `sub` delivered since the last call, as (event,
/// detail) pairs (a revert's are sent before it returns).
fn lifecycle_events(sub: &Subscription) -> Vec<(Ev, i32)> {
    let mut seen = Vec::new();
    while let Some(Delivery::Event(Event::Domain {
        kind: DomainEventKind::Lifecycle { event, detail },
        ..
    })) = sub.recv_timeout(std::time::Duration::from_millis(300))
    {
        seen.push((event, detail));
    }
    seen
}

/// `qemu-img snapshot -l` of `img`, read without taking the image's lock
/// (`-U`), as a running QEMU may hold it.
fn image_snapshots(img: &Path) -> String {
    let out = std::process::Command::new("qemu-img")
        .args(["snapshot", "-l", "-U"])
        .arg(img)
        .output()
        .expect("qemu-img snapshot -l -U");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The data at offset 0 of the guest's disk, read through qemu-io
/// (`qemu-img dd` needs the whole image): compared by reading the image
/// converted to raw.
fn raw_head(img: &Path, root: &Path) -> Vec<u8> {
    let raw = root.join("head.raw");
    let ok = std::process::Command::new("qemu-img")
        .args(["convert", "-O", "raw"])
        .arg(img)
        .arg(&raw)
        .status()
        .expect("qemu-img convert")
        .success();
    assert!(ok);
    let data = std::fs::read(&raw).expect("raw");
    data[..16].to_vec()
}

fn write_head(img: &Path, bytes: &[u8]) {
    let pattern = bytes[0];
    let ok = std::process::Command::new("qemu-io")
        .args(["-f", "qcow2", "-c", &format!("write -P {pattern} 0 16")])
        .arg(img)
        .status()
        .expect("qemu-io")
        .success();
    assert!(ok);
}

/// A fresh temp root (`tag`) holding an empty 1 MiB qcow2 image,
/// `disk.qcow2`, made with qemu-img.
fn qcow2_in_temp_root(tag: &str) -> (TempDir, PathBuf) {
    let root = temp_root(tag);
    let img = root.join("disk.qcow2");
    let ok = std::process::Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&img)
        .arg("1M")
        .status()
        .expect("qemu-img create")
        .success();
    assert!(ok);
    (root, img)
}

/// The devices of a guest booting from the qcow2 image `img` (`vda`).
fn qcow2_disk(img: &Path) -> String {
    format!(
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
         <source file='{}'/><target dev='vda' bus='virtio'/></disk>\
         <memballoon model='none'/>",
        img.display()
    )
}

/// A guest `name` with an empty qcow2 disk `vda` (`prepare` writes to it
/// first) in a fresh temp root `tag`, defined and started: the root, the
/// image, the connection and the domain. `None`, after a notice, when
/// QEMU or one of the qemu-utils `tools` is missing.
fn running_qcow2_guest(
    tag: &str,
    name: &str,
    tools: &[&str],
    prepare: impl FnOnce(&Path),
) -> Option<(TempDir, PathBuf, Connect, virt_core::Domain)> {
    if !have_qemu() {
        return None;
    }
    if let Some(t) = tools
        .iter()
        .find(|t| !Path::new(&format!("/usr/bin/{t}")).exists())
    {
        println!(
            "NOTICE: {t} not installed (apt-get install qemu-utils); {tag} snapshot test skipped"
        );
        return None;
    }
    let (root, img) = qcow2_in_temp_root(tag);
    prepare(&img);
    let disk = qcow2_disk(&img);
    let c = connect(&root);
    let mut d = c.define_xml(&tiny(name, "qemu", &disk)).expect("define");
    d.create().expect("start");
    Some((root, img, c, d))
}

#[test]
fn internal_snapshots_of_a_shut_off_guest() {
    if !have_qemu() {
        return;
    }
    if !Path::new("/usr/bin/qemu-img").exists() || !Path::new("/usr/bin/qemu-io").exists() {
        println!("NOTICE: qemu-img/qemu-io not installed (apt-get install qemu-utils); snapshot test skipped");
        return;
    }
    let (root, img) = qcow2_in_temp_root("snap");
    write_head(&img, &[1]);
    let disk = format!(
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
         <source file='{}'/><target dev='vda' bus='virtio'/></disk>",
        img.display()
    );
    let c = connect(&root);
    let d = c.define_xml(&tiny("snapg", "qemu", &disk)).expect("define");

    let s1 = d
        .snapshot_create_xml(
            "<domainsnapshot><name>s1</name><description>one</description></domainsnapshot>",
            0,
        )
        .expect("snapshot s1");
    assert!(image_snapshots(&img).contains("s1"));
    write_head(&img, &[2]);
    let s2 = d
        .snapshot_create_xml("<domainsnapshot><name>s2</name></domainsnapshot>", 0)
        .expect("s2");
    assert_eq!(s2.parent(0).expect("parent").name(), "s1");
    assert!(s2.is_current(0).expect("current"));
    let xml = s1.xml_desc(0).expect("xml");
    assert!(xml.contains("<state>shutoff</state>"), "{xml}");
    assert!(
        xml.contains("<disk name='vda' snapshot='internal'/>"),
        "{xml}"
    );
    assert_eq!(
        d.snapshot_create_xml("<domainsnapshot><name>s1</name></domainsnapshot>", 0)
            .map_err(|e| e.to_string())
            .err(),
        Some("operation failed: domain moment s1 already exists".to_string())
    );

    // A new connection (a restarted daemon) knows them and the current one.
    drop(c);
    let c = connect(&root);
    let d = c.lookup_by_name("snapg").expect("lookup");
    assert_eq!(
        d.snapshot_list_names(lf::TOPOLOGICAL).expect("names"),
        vec!["s1", "s2"]
    );
    assert_eq!(d.snapshot_current(0).expect("current").name(), "s2");

    // Revert: the image's data goes back.
    write_head(&img, &[3]);
    let s1 = d.snapshot_lookup_by_name("s1", 0).expect("s1");
    s1.revert(0).expect("revert");
    assert_eq!(raw_head(&img, &root), vec![1u8; 16]);
    assert!(s1.is_current(0).expect("current"));

    // Undefine is refused while snapshots exist.
    let e = d.undefine().expect_err("undefine with snapshots");
    assert_eq!(e.code, ErrorCode::OperationInvalid);

    // Delete with children: gone from the image and the metadata.
    s1.delete(df::CHILDREN).expect("delete");
    let list = image_snapshots(&img);
    assert!(!list.contains("s1") && !list.contains("s2"), "{list}");
    assert_eq!(d.snapshot_num(0).expect("num"), 0);
    assert_eq!(
        d.snapshot_lookup_by_name("s1", 0).map_err(|e| e.code).err(),
        Some(ErrorCode::NoDomainSnapshot)
    );

    // External, disk-only: an overlay backed by the image, and the guest's
    // definition moved onto it.
    let ext = disk_only_snapshot(&d, "ext");
    let overlay = root.join("disk.ext");
    assert_backed_by(&overlay, &img);
    let dom_xml = d.xml_desc(0).expect("domain xml");
    assert!(
        dom_xml.contains(&format!("<source file='{}'/>", overlay.display())),
        "{dom_xml}"
    );
    let xml = ext.xml_desc(0).expect("xml");
    assert!(xml.contains("snapshot='external' type='file'"), "{xml}");
    assert!(
        xml.contains(&format!("<source file='{}'/>", overlay.display())),
        "{xml}"
    );
    assert_eq!(raw_head(&overlay, &root), vec![1u8; 16]);
    assert_eq!(
        ext.revert(0).map_err(|e| e.to_string()).err(),
        Some("unsupported configuration: revert to external snapshot not supported yet".into())
    );
    // A second one with the same file refuses to overwrite it.
    let again = format!(
        "<domainsnapshot><name>ext2</name><disks><disk name='vda'><source file='{}'/></disk></disks></domainsnapshot>",
        overlay.display()
    );
    assert_eq!(
        d.snapshot_create_xml(&again, cf::DISK_ONLY)
            .map_err(|e| e.code)
            .err(),
        Some(ErrorCode::ConfigUnsupported)
    );

    // Deleting external snapshots of a shut-off guest, as libvirt 9.0:
    // only the overlay the guest writes to can go (libvirt knows no more
    // of a shut-off guest's chain); its data is committed into the image
    // below and the guest moves down onto it.
    write_head(&overlay, &[4]);
    let ext2 = disk_only_snapshot(&d, "ext2");
    let overlay2 = root.join("disk.ext2");
    write_head(&overlay2, &[5]);
    assert_eq!(
        ext.delete(0).map_err(|e| e.to_string()).err(),
        Some("invalid argument: could not find base disk source in disk source chain".into())
    );
    assert_eq!(
        ext.delete(df::CHILDREN).map_err(|e| e.to_string()).err(),
        Some(
            "unsupported configuration: deletion of external children disk snapshots not supported"
                .into()
        )
    );
    ext2.delete(0).expect("delete the top external snapshot");
    assert!(!overlay2.exists());
    assert_eq!(raw_head(&overlay, &root), vec![5u8; 16]);
    assert!(ext.is_current(0).expect("current"));
    let dom_xml = d.xml_desc(0).expect("domain xml");
    assert!(
        dom_xml.contains(&format!("<source file='{}'/>", overlay.display())),
        "{dom_xml}"
    );
    ext.delete(0).expect("delete the last external snapshot");
    assert!(!overlay.exists());
    assert_eq!(raw_head(&img, &root), vec![5u8; 16]);
    let dom_xml = d.xml_desc(0).expect("domain xml");
    assert!(
        dom_xml.contains(&format!("<source file='{}'/>", img.display())),
        "{dom_xml}"
    );
    assert_eq!(d.snapshot_num(0).expect("num"), 0);
    d.undefine().expect("undefine");
}

/// Snapshots of a running OS-less guest with a qcow2 disk:
/// QEMU's snapshot jobs save the disk and the memory into the image
/// (listed by `qemu-img snapshot -l -U` with a VM state size), revert
/// brings the guest back running or paused as asked, delete removes the
/// snapshot from the image while the guest runs; an external disk-only
/// snapshot moves the running guest onto an overlay.
#[test]
fn snapshots_of_a_running_guest() {
    let Some((root, img, _c, mut d)) =
        running_qcow2_guest("livesnap", "livesnap", &["qemu-img"], |_| {})
    else {
        return;
    };
    let listed = || image_snapshots(&img);

    let s1 = d
        .snapshot_create_xml("<domainsnapshot><name>s1</name></domainsnapshot>", 0)
        .expect("snapshot of a running guest");
    let list = listed();
    let row = list
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some("s1"))
        .unwrap_or_else(|| panic!("s1 not in the image: {list}"));
    // The VM SIZE column: the memory was saved with the disk.
    assert!(
        row.split_whitespace().nth(2).is_some_and(|s| s != "0"),
        "{row}"
    );
    let xml = s1.xml_desc(0).expect("xml");
    assert!(xml.contains("<state>running</state>"), "{xml}");
    assert!(xml.contains("<memory snapshot='internal'/>"), "{xml}");
    assert!(
        xml.contains("<disk name='vda' snapshot='internal'/>"),
        "{xml}"
    );
    assert_eq!(d.state().expect("state").0, DomainState::Running);

    // A snapshot without memory of a running guest is refused.
    assert_eq!(
        d.snapshot_create_xml(
            "<domainsnapshot><name>nomem</name><memory snapshot='no'/></domainsnapshot>",
            0
        )
        .map_err(|e| e.code)
        .err(),
        Some(ErrorCode::ConfigUnsupported)
    );
    assert!(!listed().contains("nomem"));
    assert_eq!(
        d.snapshot_create_xml("<domainsnapshot><name>l</name></domainsnapshot>", cf::LIVE)
            .map_err(|e| e.to_string())
            .err(),
        Some(
            "Operation not supported: live snapshot creation is supported only during full system snapshots"
                .to_string()
        )
    );

    // Paused, reverted: running again, as the snapshot was.
    d.suspend().expect("suspend");
    s1.revert(0).expect("revert");
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Running, reason::RUNNING_FROM_SNAPSHOT)
    );
    // Reverted with PAUSED: stays paused.
    s1.revert(virt_core::snapshot_revert_flags::PAUSED)
        .expect("revert paused");
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Paused, reason::PAUSED_FROM_SNAPSHOT)
    );
    // A snapshot of a paused guest records it paused.
    let s2 = d
        .snapshot_create_xml("<domainsnapshot><name>s2</name></domainsnapshot>", 0)
        .expect("snapshot of a paused guest");
    assert!(s2
        .xml_desc(0)
        .expect("xml")
        .contains("<state>paused</state>"));
    assert_eq!(s2.parent(0).expect("parent").name(), "s1");
    d.resume().expect("resume");

    // Deleted while the guest runs: gone from the image and the metadata.
    s2.delete(0).expect("delete s2");
    s1.delete(0).expect("delete s1");
    let list = listed();
    assert!(!list.contains("s1") && !list.contains("s2"), "{list}");
    assert_eq!(d.snapshot_num(0).expect("num"), 0);
    assert_eq!(d.state().expect("state").0, DomainState::Running);

    let before = d
        .snapshot_create_xml("<domainsnapshot><name>before</name></domainsnapshot>", 0)
        .expect("snapshot before the external one");
    // External, disk-only: the guest goes on running on an overlay
    // backed by the image, and its live XML says so.
    let ext = disk_only_snapshot(&d, "ext");
    let overlay = root.join("disk.ext");
    assert_backed_by(&overlay, &img);
    let dom_xml = d.xml_desc(0).expect("domain xml");
    assert!(
        dom_xml.contains(&format!("<source file='{}'", overlay.display())),
        "{dom_xml}"
    );
    // QEMU itself writes to the overlay now.
    let sock = UnixStream::connect(paths_in(&root).monitor(&d.uuid())).expect("monitor");
    let mut mon = Monitor::handshake(sock).expect("handshake");
    let blocks = mon.execute("query-block", None).expect("query-block");
    drop(mon);
    let vda = blocks
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|b| b["qdev"].as_str().is_some_and(|q| q.contains("vda")))
        })
        .unwrap_or_else(|| panic!("no vda in {blocks}"));
    assert_eq!(vda["inserted"]["file"].as_str(), overlay.to_str(), "{vda}");
    assert_eq!(
        vda["inserted"]["image"]["backing-image"]["filename"].as_str(),
        img.to_str(),
        "{vda}"
    );
    let xml = ext.xml_desc(0).expect("xml");
    assert!(xml.contains("<state>disk-snapshot</state>"), "{xml}");
    assert!(xml.contains("<memory snapshot='no'/>"), "{xml}");
    assert_eq!(d.state().expect("state").0, DomainState::Running);
    // A second one onto an existing file is refused, and the guest stays
    // on its overlay.
    assert_eq!(
        d.snapshot_create_xml(
            &format!(
                "<domainsnapshot><name>ext2</name><disks><disk name='vda'><source file='{}'/></disk></disks></domainsnapshot>",
                overlay.display()
            ),
            cf::DISK_ONLY
        )
        .map_err(|e| e.code)
        .err(),
        Some(ErrorCode::ConfigUnsupported)
    );
    // External memory into a file that cannot be made: refused, the
    // guest running as before.
    assert_eq!(
        d.snapshot_create_xml(
            "<domainsnapshot><name>m</name><memory snapshot='external' file='/nonexistent/m'/></domainsnapshot>",
            0
        )
        .map_err(|e| e.code)
        .err(),
        Some(ErrorCode::SystemError)
    );
    assert_eq!(d.state().expect("state").0, DomainState::Running);
    // The image is now a read-only backing file: its snapshots cannot
    // change while the guest runs on the overlay, and nothing changes.
    assert_eq!(
        before.delete(0).map_err(|e| e.to_string()).err(),
        Some("Operation not supported: disk image 'vda' for internal snapshot 'before' is not the same as disk image currently used by VM".into())
    );
    assert!(listed().contains("before"));
    // Nor can the external one go while an internal one is below it.
    assert_eq!(
        ext.delete(0).map_err(|e| e.code).err(),
        Some(ErrorCode::OperationUnsupported)
    );
    assert_eq!(d.snapshot_num(0).expect("num"), 2);
    ext.delete(df::METADATA_ONLY).expect("delete metadata");
    before.delete(df::METADATA_ONLY).expect("delete metadata");
    d.destroy().expect("destroy");
}

/// The transitions between a guest's states that reverting makes, as
/// libvirt 9.0 makes them: a snapshot taken with HALT stops the guest;
/// reverting a shut-off guest to a running snapshot starts it; reverting
/// a running guest to a shut-off snapshot stops it; asking it to run on a
/// shut-off snapshot is risky without FORCE.
#[test]
fn reverting_moves_a_guest_between_states() {
    let Some((_root, img, c, mut d)) =
        running_qcow2_guest("snaprevert", "reverter", &["qemu-img"], |_| {})
    else {
        return;
    };
    let sub = lifecycle_subscription(&c);
    let events = || lifecycle_events(&sub);
    let live = d
        .snapshot_create_xml(
            "<domainsnapshot><name>live</name></domainsnapshot>",
            cf::HALT,
        )
        .expect("snapshot with HALT");
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Shutoff, reason::SHUTOFF_FROM_SNAPSHOT)
    );
    let off = d
        .snapshot_create_xml("<domainsnapshot><name>off</name></domainsnapshot>", 0)
        .expect("snapshot of the shut-off guest");
    assert!(off
        .xml_desc(0)
        .expect("xml")
        .contains("<state>shutoff</state>"));
    let _ = events();

    // Shut off -> running: started, the memory loaded; libvirt 9.0's
    // events, each from snapshot, the definition's last.
    live.revert(0).expect("revert to running");
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Running, reason::RUNNING_FROM_SNAPSHOT)
    );
    assert_eq!(
        events(),
        vec![
            (Ev::Started, ld::started::FROM_SNAPSHOT),
            (Ev::Resumed, ld::resumed::FROM_SNAPSHOT),
            (Ev::Defined, ld::defined::FROM_SNAPSHOT),
        ]
    );
    // Running -> running: QEMU restarts, a new id, as libvirt 9.0.
    let id = c.lookup_by_name("reverter").expect("lookup").id();
    live.revert(0).expect("revert running to running");
    assert_eq!(
        events(),
        vec![
            (Ev::Stopped, ld::stopped::FROM_SNAPSHOT),
            (Ev::Started, ld::started::FROM_SNAPSHOT),
            (Ev::Resumed, ld::resumed::FROM_SNAPSHOT),
            (Ev::Defined, ld::defined::FROM_SNAPSHOT),
        ]
    );
    assert_ne!(c.lookup_by_name("reverter").expect("lookup").id(), id);
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Running, reason::RUNNING_FROM_SNAPSHOT)
    );
    // Running -> shut off, as libvirt: without FORCE a request to run on
    // it is risky; plainly, the guest stops.
    assert_eq!(
        off.revert(virt_core::snapshot_revert_flags::RUNNING)
            .map_err(|e| e.code)
            .err(),
        Some(ErrorCode::SnapshotRevertRisky)
    );
    let _ = events();
    off.revert(0).expect("revert to shut off");
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Shutoff, reason::SHUTOFF_FROM_SNAPSHOT)
    );
    assert_eq!(
        events(),
        vec![
            (Ev::Stopped, ld::stopped::FROM_SNAPSHOT),
            (Ev::Defined, ld::defined::FROM_SNAPSHOT),
        ]
    );
    assert!(off.is_current(0).expect("current"));
    // Shut off, asked to pause: started paused.
    off.revert(virt_core::snapshot_revert_flags::PAUSED)
        .expect("revert paused");
    assert_eq!(d.state().expect("state").0, DomainState::Paused);
    assert_eq!(
        events(),
        vec![
            (Ev::Started, ld::started::FROM_SNAPSHOT),
            (Ev::Suspended, ld::suspended::FROM_SNAPSHOT),
            (Ev::Defined, ld::defined::FROM_SNAPSHOT),
        ]
    );
    d.destroy().expect("destroy");
    off.delete(0).expect("delete off");
    live.delete(0).expect("delete live");
    let list = image_snapshots(&img);
    assert!(!list.contains("live") && !list.contains("off"), "{list}");
    d.undefine().expect("undefine");
}

/// Runs a qemu-io command on the running guest's disk `vda` inside QEMU
/// (the guest holds the images' locks); what it printed.
fn qemu_io_live(root: &Path, d: &virt_core::Domain, command: &str) -> String {
    let sock = UnixStream::connect(paths_in(root).monitor(&d.uuid())).expect("monitor");
    let mut mon = Monitor::handshake(sock).expect("handshake");
    let out = mon
        .execute(
            "human-monitor-command",
            Some(json!({"command-line": format!("qemu-io -d /machine/peripheral/vda/virtio-backend \"{command}\"")})),
        )
        .expect("qemu-io");
    out.as_str().unwrap_or_default().to_string()
}

/// Writes `pattern` at the start of the running guest's disk `vda`.
fn write_live(root: &Path, d: &virt_core::Domain, pattern: u8) {
    let out = qemu_io_live(root, d, &format!("write -P {pattern} 0 16"));
    assert_eq!(out, "", "qemu-io: {out}");
}

/// Has QEMU write the running guest's disk `vda` out to its image.
fn flush_live(root: &Path, d: &virt_core::Domain) {
    let out = qemu_io_live(root, d, "flush");
    assert_eq!(out, "", "qemu-io: {out}");
}

/// The data at offset 0 of an image QEMU may hold open.
fn shared_head(img: &Path, pattern: u8) -> bool {
    std::process::Command::new("qemu-io")
        .args(["-r", "-U", "-c", &format!("read -P {pattern} 0 16")])
        .arg(img)
        .output()
        .map(|o| o.status.success() && !String::from_utf8_lossy(&o.stdout).contains("fail"))
        .unwrap_or(false)
}

/// Deleting the external snapshots of a running guest, as libvirt 9.0:
/// an inner overlay is committed into the image below it (QEMU rewrites
/// the backing of the overlay above), the top one by an active commit
/// that moves the guest down; the overlays are removed, and the
/// snapshots below take the image that remains.
#[test]
fn deleting_external_snapshots_of_a_running_guest() {
    let Some((root, img, _c, mut d)) =
        running_qcow2_guest("extdel", "extdel", &["qemu-img", "qemu-io"], |img| {
            write_head(img, &[1])
        })
    else {
        return;
    };
    let s1 = disk_only_snapshot(&d, "s1");
    write_live(&root, &d, 2);
    let s2 = disk_only_snapshot(&d, "s2");
    write_live(&root, &d, 3);
    let (o1, o2) = (root.join("disk.s1"), root.join("disk.s2"));
    assert!(shared_head(&o1, 2) && shared_head(&o2, 3));
    assert_eq!(
        s1.delete(df::CHILDREN).map_err(|e| e.code).err(),
        Some(ErrorCode::ConfigUnsupported)
    );

    // The inner one: its data goes into the image, the top overlay now
    // backed by the image, the guest still on the top overlay.
    s1.delete(0).expect("delete s1");
    assert!(!o1.exists());
    assert!(shared_head(&img, 2));
    assert_backed_by(&o2, &img);
    let s2xml = s2.xml_desc(0).expect("s2 xml");
    assert!(
        s2xml.contains(&format!("<source file='{}'/>", img.display())),
        "{s2xml}"
    );
    assert!(!s2xml.contains("<parent>"), "{s2xml}");
    assert!(d
        .xml_desc(0)
        .expect("xml")
        .contains(&format!("<source file='{}'", o2.display())));

    // The top one: an active commit, the guest moves onto the image.
    s2.delete(0).expect("delete s2");
    assert!(!o2.exists());
    assert!(shared_head(&img, 3));
    assert!(d
        .xml_desc(0)
        .expect("xml")
        .contains(&format!("<source file='{}'", img.display())));
    assert!(d
        .xml_desc(virt_core::xml_flags::INACTIVE)
        .expect("xml")
        .contains(&format!("<source file='{}'/>", img.display())));
    assert_eq!(d.snapshot_num(0).expect("num"), 0);
    // The guest writes to the image now.
    write_live(&root, &d, 4);
    assert!(shared_head(&img, 4));
    assert_eq!(d.state().expect("state").0, DomainState::Running);
    d.destroy().expect("destroy");
    d.undefine().expect("undefine");
}

/// External snapshots with memory of a running guest, as libvirt's
/// `snapshot-create-as --memspec file=F,snapshot=external`: the memory
/// goes to F as a save image (the guest paused meanwhile, or not with
/// LIVE) and the disks to overlays; the guest runs on. The memory image
/// restores; reverting is refused as libvirt 9.0 refuses it.
#[test]
fn external_memory_snapshots_of_a_running_guest() {
    let Some((root, _img, c, mut d)) =
        running_qcow2_guest("extmem", "extmem", &["qemu-img"], |_| {})
    else {
        return;
    };
    let mem = root.join("full.mem");
    let full = d
        .snapshot_create_xml(
            &format!(
                "<domainsnapshot><name>full</name><memory snapshot='external' file='{}'/></domainsnapshot>",
                mem.display()
            ),
            0,
        )
        .expect("external snapshot with memory");
    assert_eq!(d.state().expect("state").0, DomainState::Running);
    let head = std::fs::read(&mem).expect("memory image");
    assert!(head.starts_with(b"VirtRsQemuSave01"), "not a save image");
    assert!(head.len() > 4096, "no memory in the image");
    let overlay = root.join("disk.full");
    assert!(overlay.exists());
    let xml = full.xml_desc(0).expect("xml");
    assert!(xml.contains("<state>running</state>"), "{xml}");
    assert!(
        xml.contains(&format!(
            "<memory snapshot='external' file='{}'/>",
            mem.display()
        )),
        "{xml}"
    );
    assert!(xml.contains("snapshot='external' type='file'"), "{xml}");
    assert!(d
        .xml_desc(0)
        .expect("xml")
        .contains(&format!("<source file='{}'", overlay.display())));

    // LIVE: the guest is not paused before the migration.
    let mem2 = root.join("live.mem");
    d.snapshot_create_xml(
        &format!(
            "<domainsnapshot><name>live</name><memory snapshot='external' file='{}'/></domainsnapshot>",
            mem2.display()
        ),
        cf::LIVE,
    )
    .expect("live external snapshot");
    assert_eq!(d.state().expect("state").0, DomainState::Running);
    assert!(mem2.exists() && root.join("disk.live").exists());
    assert_eq!(
        full.revert(0).map_err(|e| e.to_string()).err(),
        Some("unsupported configuration: revert to external snapshot not supported yet".into())
    );

    // The memory image is a save image of the guest as it was: restored,
    // the guest runs on the image as it was then.
    d.destroy().expect("destroy");
    let back = c.restore(mem.to_str().expect("path")).expect("restore");
    assert_eq!(back.state().expect("state").0, DomainState::Running);
    let mut back = back;
    back.destroy().expect("destroy");
    for s in ["live", "full"] {
        d.snapshot_lookup_by_name(s, 0)
            .expect("snapshot")
            .delete(df::METADATA_ONLY)
            .expect("delete metadata");
    }
    d.undefine().expect("undefine");
}

/// `--quiesce` as libvirt 9.0 answers it (checked against libvirtd 9.0
/// on this machine): only with `--disk-only`; on a running guest the
/// agent must be configured (a virtio channel named
/// org.qemu.guest_agent.0) and connected (the guest has opened its end,
/// which this OS-less guest never does), else nothing is made; a shut-off
/// guest's disk-only snapshot needs no agent. The freeze and thaw
/// themselves are tested on a fake agent in `agent`'s tests.
#[test]
fn quiesced_snapshots_need_the_guest_agent() {
    let channel =
        "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>";
    let Some((root, img, c, mut d)) =
        running_qcow2_guest("quiesce", "quiesce", &["qemu-img"], |_| {})
    else {
        return;
    };
    let snap = "<domainsnapshot><name>s1</name></domainsnapshot>";
    let no_snapshot = |d: &virt_core::Domain| {
        assert!(d.snapshot_lookup_by_name("s1", 0).is_err());
        assert!(!root.join("disk.s1").exists());
    };
    let e = d
        .snapshot_create_xml(snap, cf::QUIESCE)
        .expect_err("needs disk-only");
    assert_eq!(e.code, ErrorCode::InvalidArg);
    assert_eq!(
        e.message,
        "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' is required by flag \
         'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE'"
    );
    let quiesce = cf::QUIESCE | cf::DISK_ONLY;
    let e = d.snapshot_create_xml(snap, quiesce).expect_err("no agent");
    assert_eq!(e.code, ErrorCode::ArgumentUnsupported);
    assert_eq!(
        e.message,
        "argument unsupported: QEMU guest agent is not configured"
    );
    no_snapshot(&d);
    d.destroy().expect("destroy");

    // Shut off: an offline disk-only snapshot, no agent asked.
    d.snapshot_create_xml(snap, quiesce)
        .expect("offline quiesce");
    assert!(root.join("disk.s1").exists());
    d.snapshot_lookup_by_name("s1", 0)
        .expect("s1")
        .delete(df::METADATA_ONLY)
        .expect("forget s1");
    std::fs::remove_file(root.join("disk.s1")).expect("remove overlay");
    let xml = d.xml_desc(0).expect("xml").replace(
        &format!("{}.s1", img.with_extension("").display()),
        &img.display().to_string(),
    );
    let xml = xml.replace("</devices>", &format!("{channel}</devices>"));
    let mut d = c.define_xml(&xml).expect("redefine with the agent channel");
    d.create().expect("start");
    let e = d
        .snapshot_create_xml(snap, quiesce)
        .expect_err("agent absent");
    assert_eq!(e.code, ErrorCode::AgentUnresponsive);
    assert_eq!(
        e.message,
        "Guest agent is not responding: QEMU guest agent is not connected"
    );
    no_snapshot(&d);
    d.suspend().expect("suspend");
    let e = d.snapshot_create_xml(snap, quiesce).expect_err("paused");
    assert_eq!(e.code, ErrorCode::OperationInvalid);
    assert_eq!(
        e.message,
        "Requested operation is not valid: domain is not running"
    );
    no_snapshot(&d);
    d.destroy().expect("destroy");
    d.undefine().expect("undefine");
}

/// A running transient guest reverted to a snapshot of its memory: as
/// libvirt 9.0 does it (checked against libvirtd 9.0 on this machine),
/// QEMU stops and a new one starts on the snapshot, with a new id and no
/// DEFINED event; the guest is still there, running or paused from
/// snapshot; its disk is the snapshot's again.
#[test]
fn reverting_a_transient_guest_restarts_it() {
    if !have_qemu() || !Path::new("/usr/bin/qemu-img").exists() {
        println!("reverting_a_transient_guest_restarts_it: QEMU or qemu-img missing; skipped");
        return;
    }
    let (root, img) = qcow2_in_temp_root("snaptrans");
    let disk = qcow2_disk(&img);
    let c = connect(&root);
    let d = c
        .create_xml(&tiny("fleeting", "qemu", &disk), 0)
        .expect("create transient");
    let sub = lifecycle_subscription(&c);
    let events = || lifecycle_events(&sub);
    write_live(&root, &d, 1);
    let live = d
        .snapshot_create_xml("<domainsnapshot><name>live</name></domainsnapshot>", 0)
        .expect("snapshot of the running guest");
    write_live(&root, &d, 2);
    flush_live(&root, &d);
    assert!(shared_head(&img, 2), "written after the snapshot");
    let _ = events();
    let id = d.id();
    live.revert(0).expect("revert running to running");
    assert_eq!(
        events(),
        vec![
            (Ev::Stopped, ld::stopped::FROM_SNAPSHOT),
            (Ev::Started, ld::started::FROM_SNAPSHOT),
            (Ev::Resumed, ld::resumed::FROM_SNAPSHOT),
        ]
    );
    let d = c.lookup_by_name("fleeting").expect("still there");
    assert_ne!(d.id(), id);
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Running, reason::RUNNING_FROM_SNAPSHOT)
    );
    assert!(!d.is_persistent().expect("persistent"));
    assert!(live.is_current(0).expect("current"));
    assert!(shared_head(&img, 1), "the disk is the snapshot's");

    // Paused -> paused.
    d.suspend().expect("suspend");
    let _ = events();
    live.revert(virt_core::snapshot_revert_flags::PAUSED)
        .expect("revert paused");
    assert_eq!(
        events(),
        vec![
            (Ev::Stopped, ld::stopped::FROM_SNAPSHOT),
            (Ev::Started, ld::started::FROM_SNAPSHOT),
            (Ev::Suspended, ld::suspended::FROM_SNAPSHOT),
        ]
    );
    let mut d = c.lookup_by_name("fleeting").expect("still there");
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Paused, reason::PAUSED_FROM_SNAPSHOT)
    );
    live.delete(0).expect("delete");
    d.destroy().expect("destroy");
    assert!(c.lookup_by_name("fleeting").is_err());
}

/// qemu-img's own view of `overlay` (read without taking its lock, as
/// QEMU may hold it): an image backed by `img`.
fn assert_backed_by(overlay: &Path, img: &Path) {
    let info = std::process::Command::new("qemu-img")
        .args(["info", "-U"])
        .arg(overlay)
        .output()
        .expect("qemu-img info");
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    assert!(
        info.contains(&format!("backing file: {}", img.display())),
        "{info}"
    );
}
