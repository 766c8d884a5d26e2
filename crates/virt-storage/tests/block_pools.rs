//! `logical` and `fs` pools on real block devices: a loop device over a
//! sparse file in a temp dir, made and removed by the test, with Debian's
//! lvm2, mkfs and mount doing the work as under libvirt. Needs root,
//! losetup and the tools (skipped with a notice otherwise); the logical
//! volume steps need device-mapper in the kernel and say so when it is
//! absent (the pool's build, start, sizes, stop and delete still run).
//! `cargo xtask lvm-vm` runs the logical test in a VM whose kernel has
//! device-mapper, with `VIRT_STORAGE_LVM_REQUIRED=1`: there a step that
//! would be skipped fails instead.

use virt_core::{pool_build_flags, vol_download_flags, ErrorCode, StorageVolType};
use virt_storage::{fs, lvm};
use virt_testkit::block::{lvm_ok, lvm_required, missing, Loop};

mod common;
use common::{after_restart, connect, upload_marks};

#[test]
fn logical_pool_on_a_loop_device() {
    if let Some(why) = missing(&["losetup", "pvcreate", "vgcreate", "lvcreate", "vgs"]) {
        assert!(!lvm_required(), "logical pool: {why}");
        println!("logical pool: {why}; skipped");
        return;
    }
    let lo = Loop::new("lvm", 64 << 20);
    let vg = format!("vrs{}", std::process::id());
    let c = connect(&lo.dir);
    let xml = format!(
        "<pool type='logical'><name>lv</name><source><device path='{}'/><name>{vg}</name></source><target><path>/dev/{vg}</path></target></pool>",
        lo.dev
    );
    let pool = c.storage_pool_define_xml(&xml, 0).expect("define");
    pool.build(0).expect("build: pvcreate + vgcreate");
    assert!(lvm_ok("vgs", &[&vg]), "no volume group after build");
    pool.create(0).expect("start");
    let info = pool.info().expect("info");
    assert!(
        info.capacity > 32 << 20 && info.capacity <= 64 << 20,
        "{info:?}"
    );
    assert_eq!(info.allocation + info.available, info.capacity);
    assert!(pool.list_all_volumes(0).expect("volumes").is_empty());
    let dumped = pool.xml_desc(0).expect("xml");
    assert!(dumped.contains(&format!("<name>{vg}</name>")), "{dumped}");
    let vol_xml = "<volume><name>disk</name><capacity unit='MiB'>8</capacity></volume>";
    if lvm::can_activate() {
        let v = pool.storage_vol_create_xml(vol_xml, 0).expect("lvcreate");
        let info = v.info().expect("vol info");
        assert_eq!((info.kind, info.capacity), (StorageVolType::Block, 8 << 20));
        let path = v.path().expect("path");
        assert_eq!(path, format!("/dev/{vg}/disk"));
        assert!(v
            .xml_desc(0)
            .expect("xml")
            .starts_with("<volume type='block'>"));
        assert_eq!(
            c.storage_vol_lookup_by_path(&path).expect("by path").name(),
            "disk"
        );
        assert_eq!(
            c.storage_vol_lookup_by_key(v.key()).expect("by key").name(),
            "disk"
        );
        // Data in and out through streams, holes written as zeroes.
        upload_marks(&c, &v, b"lvm!");
        let st = c.new_stream(0).expect("stream");
        v.download(&st, 0, (1 << 20) + 8, vol_download_flags::SPARSE_STREAM)
            .expect("download");
        let mut got = Vec::new();
        st.recv_all(&mut got).expect("recv");
        st.finish().expect("finish");
        assert_eq!(&got[..4], b"lvm!");
        assert!(got[4..(1 << 20) + 4].iter().all(|&b| b == 0));
        assert_eq!(&got[(1 << 20) + 4..], b"lvm!");
        // A clone holds the same bytes.
        let copy = pool
            .storage_vol_create_xml_from(
                "<volume><name>copy</name><capacity unit='MiB'>8</capacity></volume>",
                &v,
                0,
            )
            .expect("clone");
        let head = std::fs::read(copy.path().expect("path"))
            .map(|b| b[..4].to_vec())
            .expect("read clone");
        assert_eq!(head, b"lvm!");
        // A driver opened afresh on the same state (a restarted daemon)
        // knows the pool, running, and finds its volumes in the group.
        {
            let (active, names, again) = after_restart(&lo.dir, "lv");
            assert!(active);
            assert_eq!(names, ["copy", "disk"]);
            assert_eq!(
                again
                    .storage_vol_lookup_by_path(&path)
                    .expect("by path")
                    .key(),
                v.key()
            );
        }
        copy.delete(0).expect("lvremove the clone");
        v.wipe(0).expect("wipe");
        let wiped = std::fs::read(&path).expect("read wiped");
        assert!(wiped.iter().all(|&b| b == 0), "wipe left data");
        v.resize(16 << 20, 0).expect("grow");
        assert_eq!(v.info().expect("info").capacity, 16 << 20);
        let e = v
            .resize(4 << 20, virt_core::vol_resize_flags::SHRINK)
            .expect_err("shrink");
        assert_eq!(e.code, ErrorCode::NoSupport);
        v.delete(0).expect("lvremove");
        assert!(pool.list_all_volumes(0).expect("volumes").is_empty());
    } else {
        assert!(
            !lvm_required(),
            "logical pool: no device-mapper in this kernel"
        );
        println!("logical pool: no device-mapper in this kernel; logical volume steps skipped");
        // lvcreate's own refusal comes back whole, and nothing is made.
        let e = pool
            .storage_vol_create_xml(vol_xml, 0)
            .expect_err("lvcreate without device-mapper");
        assert!(e.to_string().contains("lvcreate"), "{e}");
        assert!(pool.list_all_volumes(0).expect("volumes").is_empty());
    }
    // A name that is a path is refused before LVM hears of it.
    let e = pool
        .storage_vol_create_xml(
            "<volume><name>../x</name><capacity>1</capacity></volume>",
            0,
        )
        .expect_err("bad name");
    assert_eq!(e.code, ErrorCode::OperationInvalid);
    pool.destroy().expect("stop");
    pool.delete(0).expect("vgremove + pvremove");
    assert!(!lvm_ok("vgs", &[&vg]), "volume group left after delete");
    assert!(
        !lvm_ok("pvs", &[&lo.dev]),
        "physical volume left after delete"
    );
    pool.undefine().expect("undefine");
    // Starting a pool whose group is gone fails and leaves it inactive.
    let pool = c.storage_pool_define_xml(&xml, 0).expect("define again");
    assert!(pool.create(0).is_err());
    assert!(!pool.is_active().expect("state"));
}

#[test]
fn fs_pool_mounts_its_device() {
    if let Some(why) = missing(&["losetup", "mkfs", "mount", "umount", "blkid"]) {
        println!("fs pool: {why}; skipped");
        return;
    }
    let lo = Loop::new("fs", 64 << 20);
    let mnt = lo.dir.join("mnt");
    let c = connect(&lo.dir);
    let xml = format!(
        "<pool type='fs'><name>fsp</name><source><device path='{}'/><format type='ext4'/></source><target><path>{}</path></target></pool>",
        lo.dev,
        mnt.display()
    );
    let pool = c.storage_pool_define_xml(&xml, 0).expect("define");
    pool.build(pool_build_flags::NO_OVERWRITE).expect("mkfs");
    assert!(mnt.is_dir());
    // The device holds a file system now: no second format without
    // --overwrite.
    let e = pool
        .build(pool_build_flags::NO_OVERWRITE)
        .expect_err("again");
    assert_eq!(e.code, ErrorCode::OperationFailed);
    pool.create(0).expect("mount");
    assert!(fs::is_mounted(&mnt));
    let info = pool.info().expect("info");
    assert!(
        info.capacity > 32 << 20 && info.capacity <= 64 << 20,
        "{info:?}"
    );
    pool.storage_vol_create_xml(
        "<volume><name>a.img</name><capacity unit='MiB'>4</capacity></volume>",
        0,
    )
    .expect("volume");
    assert!(mnt.join("a.img").is_file());
    pool.destroy().expect("umount");
    assert!(!fs::is_mounted(&mnt));
    assert!(!mnt.join("a.img").exists(), "the file lives on the device");
    pool.create(0).expect("mount again");
    assert_eq!(pool.list_all_volumes(0).expect("volumes").len(), 1);
    pool.destroy().expect("umount");
    pool.delete(0).expect("rmdir");
    assert!(!mnt.exists());
    pool.undefine().expect("undefine");
}
