//! `netfs` pools: a directory pool on a network file system mounted from
//! a server, with Debian's mount and mount.nfs doing the work as under
//! libvirt.
//!
//! With `VIRT_STORAGE_NFS_EXPORT=HOST:DIR` (set by `cargo xtask lvm-vm`
//! inside its VM, whose kernel serves DIR over NFS with Debian's
//! nfs-kernel-server and mounts it with nfs-common's mount.nfs) the pool is
//! built, started, filled, restarted and stopped on that export, and every
//! file is checked on the export's own directory. Without it (this
//! project's build host has no NFS client in its kernel) the host test
//! checks what needs no server: libvirt's refusals, and a start whose
//! mount fails leaving the pool inactive and nothing mounted.

use std::path::{Path, PathBuf};
use virt_core::{pool_build_flags, ErrorCode};
use virt_storage::fs;

mod common;
use common::{after_restart, connect, upload_marks};

fn temp(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vrs-netfs-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn pool_xml(host: &str, dir: &str, format: &str, target: &Path, extra: &str) -> String {
    format!(
        "<pool type='netfs'><name>nfs</name><source><host name='{host}'/><dir path='{dir}'/>\
         <format type='{format}'/>{extra}</source><target><path>{}</path></target></pool>",
        target.display()
    )
}

/// Whether this run must reach a real NFS export (inside lvm-vm's VM).
fn nfs_required() -> bool {
    std::env::var_os("VIRT_STORAGE_NFS_REQUIRED").is_some()
}

/// What needs no server: libvirt's refusals of a netfs pool, and a mount
/// that fails (no NFS client here, or nothing serving the export).
#[test]
fn netfs_pool_refusals_and_a_failed_mount() {
    let dir = temp("host");
    let mnt = dir.join("mnt");
    let c = connect(&dir);
    // A format libvirt does not know for netfs, and a version for CIFS.
    let e = c
        .storage_pool_define_xml(&pool_xml("h", "/e", "ntfs", &mnt, ""), 0)
        .expect_err("unknown format");
    assert_eq!(e.code, ErrorCode::ConfigUnsupported);
    assert_eq!(
        e.to_string(),
        "unsupported configuration: unknown pool format type ntfs"
    );
    let e = c
        .storage_pool_define_xml(&pool_xml("h", "/e", "cifs", &mnt, "<protocol ver='3'/>"), 0)
        .expect_err("version for cifs");
    assert_eq!(
        e.to_string(),
        "unsupported configuration: storage pool protocol ver unsupported for pool type 'cifs'"
    );
    // A version is a mount option of its own: no commas smuggled in.
    assert!(c
        .storage_pool_define_xml(
            &pool_xml("h", "/e", "nfs", &mnt, "<protocol ver='3,exec'/>"),
            0
        )
        .is_err());
    assert!(c.list_all_storage_pools(0).expect("list").is_empty());

    // An export nobody serves: port 9 of this host's loopback refuses at
    // once, and retry=0 (libvirt's fs namespace) keeps mount.nfs from
    // trying again for minutes where a client exists.
    let xml = format!(
        "<pool type='netfs' xmlns:fs='http://libvirt.org/schemas/storagepool/fs/1.0'>\
         <name>nfs</name><source><host name='127.0.0.1'/><dir path='/nowhere'/>\
         <format type='nfs'/></source><target><path>{}</path></target>\
         <fs:mount_opts><fs:option name='retry=0'/><fs:option name='port=9'/></fs:mount_opts></pool>",
        mnt.display()
    );
    let pool = c.storage_pool_define_xml(&xml, 0).expect("define");
    // Building makes the directory; there is no device to format.
    let e = pool
        .build(pool_build_flags::NO_OVERWRITE)
        .expect_err("format a netfs pool");
    assert_eq!(e.code, ErrorCode::OperationInvalid);
    assert_eq!(
        e.to_string(),
        "Requested operation is not valid: No source device specified when formatting pool 'nfs'"
    );
    assert!(mnt.is_dir());
    let e = pool
        .build(pool_build_flags::NO_OVERWRITE | pool_build_flags::OVERWRITE)
        .expect_err("both flags");
    assert_eq!(e.code, ErrorCode::InvalidArg);
    pool.build(0).expect("build");
    let e = pool.create(0).expect_err("mount of nothing");
    assert_eq!(e.code, ErrorCode::InternalError);
    assert!(
        e.message.contains(&format!(
            "Child process (mount -o nodev,nosuid,noexec,retry=0,port=9 -t nfs 127.0.0.1:/nowhere {})",
            mnt.display()
        )),
        "{}",
        e.message
    );
    assert!(!pool.is_active().expect("state"));
    assert!(!fs::is_mounted(&mnt));
    pool.delete(0).expect("rmdir");
    assert!(!mnt.exists());
    pool.undefine().expect("undefine");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A netfs pool on a real export: every volume operation lands on the
/// server's directory, the mount comes and goes with the pool.
#[test]
fn netfs_pool_on_an_nfs_export() {
    let Some(export) = std::env::var("VIRT_STORAGE_NFS_EXPORT").ok() else {
        assert!(!nfs_required(), "netfs pool: VIRT_STORAGE_NFS_EXPORT unset");
        println!(
            "netfs pool: no NFS export (VIRT_STORAGE_NFS_EXPORT=HOST:DIR; `cargo xtask lvm-vm` \
             serves one in its VM); skipped"
        );
        return;
    };
    let (host, served) = export.split_once(':').expect("HOST:DIR");
    let served = Path::new(served);
    let dir = temp("export");
    let mnt = dir.join("mnt");
    let c = connect(&dir);
    let pool = c
        .storage_pool_define_xml(
            &pool_xml(host, &served.display().to_string(), "nfs", &mnt, ""),
            0,
        )
        .expect("define");
    pool.build(0).expect("build: the mount point");
    assert!(mnt.is_dir());
    pool.create(0).expect("start: mount");
    assert!(fs::is_mounted(&mnt));
    let info = pool.info().expect("info");
    assert!(info.capacity > 0, "{info:?}");

    let v = pool
        .storage_vol_create_xml(
            "<volume><name>a.img</name><capacity unit='MiB'>4</capacity><allocation>0</allocation></volume>",
            0,
        )
        .expect("vol-create");
    assert_eq!(
        v.path().expect("path"),
        mnt.join("a.img").display().to_string()
    );
    let on_server = served.join("a.img");
    assert_eq!(
        std::fs::metadata(&on_server).map(|m| m.len()).ok(),
        Some(4 << 20),
        "the volume is not on the export"
    );
    // Data through a stream, seen in the server's own file.
    upload_marks(&c, &v, b"nfs!");
    let bytes = std::fs::read(&on_server).expect("server's file");
    assert_eq!(&bytes[..4], b"nfs!");
    assert_eq!(&bytes[(1 << 20) + 4..(1 << 20) + 8], b"nfs!");
    let copy = pool
        .storage_vol_create_xml_from(
            "<volume><name>b.img</name><capacity unit='MiB'>4</capacity></volume>",
            &v,
            0,
        )
        .expect("clone");
    assert_eq!(
        std::fs::read(served.join("b.img"))
            .ok()
            .map(|b| b[..4].to_vec()),
        Some(b"nfs!".to_vec())
    );
    // An image format through qemu-img, written on the export.
    let q = pool
        .storage_vol_create_xml(
            "<volume><name>c.qcow2</name><capacity unit='MiB'>16</capacity>\
             <target><format type='qcow2'/></target></volume>",
            0,
        )
        .expect("qcow2 volume");
    assert_eq!(
        std::fs::read(served.join("c.qcow2"))
            .ok()
            .map(|b| b[..4].to_vec()),
        Some(b"QFI\xfb".to_vec())
    );
    q.delete(0).expect("delete the qcow2 volume");
    v.resize(8 << 20, 0).expect("resize");
    assert_eq!(
        std::fs::metadata(&on_server).map(|m| m.len()).ok(),
        Some(8 << 20)
    );
    v.delete(0).expect("vol-delete");
    assert!(
        !on_server.exists(),
        "deleted on the mount, still on the export"
    );
    // A driver opened afresh (a restarted daemon) finds the pool running.
    let (active, names, _) = after_restart(&dir, "nfs");
    assert!(active);
    assert_eq!(names, ["b.img"]);
    pool.destroy().expect("stop: umount");
    assert!(!fs::is_mounted(&mnt));
    assert!(
        !mnt.join("b.img").exists(),
        "the volume lives on the server"
    );
    assert!(served.join("b.img").exists());
    // Started again (as format auto: mount finds NFS itself).
    pool.undefine().expect("undefine");
    let pool = c
        .storage_pool_define_xml(
            &pool_xml(host, &served.display().to_string(), "auto", &mnt, ""),
            0,
        )
        .expect("define auto");
    pool.create(0).expect("start auto");
    let vols = pool.list_all_volumes(0).expect("volumes");
    assert_eq!(vols.len(), 1);
    copy.delete(0).expect("delete the clone");
    assert!(!served.join("b.img").exists());
    pool.destroy().expect("stop");
    pool.delete(0).expect("rmdir");
    pool.undefine().expect("undefine");
    let _ = std::fs::remove_dir_all(&dir);
}
