//! The storage driver on real files in temp directories, through
//! virt-core's public API.

use crate::paths::Paths;
use crate::StorageDriver;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use virt_core::{Connect, Error, ErrorCode, StoragePool, Uri};
use virt_testkit::{err, ok, TempDir};

/// A connection whose storage lives under `root` (state in `root/state`).
fn connect(root: &Path) -> Connect {
    let paths = Paths {
        config: root.join("state/config"),
        run: root.join("state/run"),
    };
    let d = ok(StorageDriver::with_paths(paths));
    Connect::from_driver(Box::new(d), ok(Uri::parse("qemu:///session")), false)
}

fn dir_pool(c: &Connect, root: &Path) -> StoragePool {
    let xml = format!(
        "<pool type='dir'><name>images</name><target><path>{}/images</path></target></pool>",
        root.display()
    );
    let p = ok(c.storage_pool_define_xml(&xml, 0));
    ok(p.build(0));
    ok(p.create(0));
    p
}

fn have_qemu_img() -> bool {
    let found = std::process::Command::new(crate::image::QEMU_IMG)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        println!("qemu-img not installed (apt-get install qemu-utils); its part skipped");
    }
    found
}

#[test]
fn a_dir_pool_holds_sparse_raw_volumes() {
    let t = TempDir::new("storage-raw");
    let c = connect(&t.0);
    let pool = dir_pool(&c, &t.0);
    assert!(t.0.join("images").is_dir());
    let vol = ok(pool.storage_vol_create_xml(
        "<volume><name>disk.img</name><capacity unit='G'>1</capacity><allocation>0</allocation></volume>",
        0,
    ));
    let file = t.0.join("images/disk.img");
    assert_eq!(ok(vol.path()), file.display().to_string());
    let md = ok(std::fs::metadata(&file)
        .map_err(|e| Error::system(virt_core::ErrorDomain::Storage, "stat", &e)));
    assert_eq!(md.len(), 1 << 30);
    let info = ok(vol.info());
    // Capacity is the size; allocation the blocks really used (sparse).
    assert_eq!(info.capacity, 1 << 30);
    assert_eq!(info.allocation, md.blocks() * 512);
    assert!(info.allocation < 1 << 20, "{}", info.allocation);
    let xml = ok(vol.xml_desc(0));
    assert!(xml.contains("<format type='raw'/>"), "{xml}");
    assert!(
        xml.contains("<capacity unit='bytes'>1073741824</capacity>"),
        "{xml}"
    );

    // Allocated volumes count their blocks.
    let full = ok(pool.storage_vol_create_xml(
        "<volume><name>full.img</name><capacity unit='M'>4</capacity></volume>",
        0,
    ));
    assert_eq!(ok(full.info()).allocation, 4 << 20);

    // Resize grows (sparse), refuses a shrink without the flag.
    ok(vol.resize(2 << 30, 0));
    assert_eq!(ok(vol.info()).capacity, 2 << 30);
    assert_eq!(err(vol.resize(1 << 30, 0)).code, ErrorCode::InvalidArg);
    ok(vol.resize(1 << 30, virt_core::vol_resize_flags::SHRINK));
    assert_eq!(ok(vol.info()).capacity, 1 << 30);

    // Wipe zeroes the data in place.
    ok(std::fs::write(t.0.join("images/full.img"), [7u8; 4096])
        .map_err(|e| Error::system(virt_core::ErrorDomain::Storage, "w", &e)));
    ok(full.wipe(0));
    let data = std::fs::read(t.0.join("images/full.img")).unwrap_or_default();
    assert!(data.iter().all(|&b| b == 0) && !data.is_empty());

    // Lookups by key and path; listing; delete.
    assert_eq!(
        ok(c.storage_vol_lookup_by_path(&file.display().to_string())).name(),
        "disk.img"
    );
    assert_eq!(
        ok(c.storage_vol_lookup_by_key(vol.key())).name(),
        "disk.img"
    );
    assert_eq!(ok(pool.list_all_volumes(0)).len(), 2);
    ok(full.delete(0));
    assert!(!t.0.join("images/full.img").exists());
    assert_eq!(err(full.info()).code, ErrorCode::NoStorageVol);
}

#[test]
fn qcow2_volumes_and_clones_go_through_qemu_img() {
    if !have_qemu_img() {
        return;
    }
    let t = TempDir::new("storage-qcow2");
    let c = connect(&t.0);
    let pool = dir_pool(&c, &t.0);
    let vol = ok(pool.storage_vol_create_xml(
        "<volume><name>g.qcow2</name><capacity unit='G'>1</capacity>\
         <target><format type='qcow2'/></target></volume>",
        0,
    ));
    let info = ok(vol.info());
    assert_eq!(info.capacity, 1 << 30);
    assert!(
        info.allocation < 4 << 20,
        "a fresh qcow2 holds metadata only"
    );
    assert!(ok(vol.xml_desc(0)).contains("<format type='qcow2'/>"));
    // An overlay on it: qemu-img writes the backing file into the image,
    // and the volume's XML reads it back with the file's permissions.
    let base = t.0.join("images/g.qcow2").display().to_string();
    let overlay = ok(pool.storage_vol_create_xml(
        &format!(
            "<volume><name>o.qcow2</name><capacity unit='G'>1</capacity>\
             <target><format type='qcow2'/></target>\
             <backingStore><path>{base}</path><format type='qcow2'/></backingStore></volume>"
        ),
        0,
    ));
    let xml = ok(overlay.xml_desc(0));
    assert!(
        xml.contains(&format!("<backingStore>\n    <path>{base}</path>")),
        "{xml}"
    );
    assert!(xml.contains("<permissions>\n      <mode>0"), "{xml}");
    ok(overlay.delete(0));
    // A clone keeps the format and the capacity.
    let clone = ok(pool.storage_vol_create_xml_from(
        "<volume><name>h.qcow2</name><capacity unit='G'>1</capacity>\
         <target><format type='qcow2'/></target></volume>",
        &vol,
        0,
    ));
    assert_eq!(ok(clone.info()).capacity, 1 << 30);
    // A raw clone of a qcow2 image is sparse.
    let raw = ok(pool.storage_vol_create_xml_from(
        "<volume><name>r.img</name><capacity unit='G'>1</capacity></volume>",
        &vol,
        0,
    ));
    let ri = ok(raw.info());
    assert_eq!(ri.capacity, 1 << 30);
    assert!(ri.allocation < 1 << 20, "{}", ri.allocation);
    ok(vol.resize(2 << 30, 0));
    assert_eq!(ok(vol.info()).capacity, 2 << 30);
    for v in [vol, clone, raw] {
        ok(v.delete(0));
    }
    assert!(ok(pool.list_all_volumes(0)).is_empty());
}

#[test]
fn definitions_outlive_the_process_that_made_them() {
    let t = TempDir::new("storage-persist");
    {
        let c = connect(&t.0);
        let p = dir_pool(&c, &t.0);
        ok(p.set_autostart(true));
        ok(p.storage_vol_create_xml("<volume><name>a</name><capacity>512</capacity></volume>", 0));
    }
    // A new driver on the same directories (a restarted daemon).
    let c = connect(&t.0);
    let p = ok(c.storage_pool_lookup_by_name("images"));
    assert!(ok(p.is_active()) && ok(p.is_persistent()) && ok(p.autostart()));
    assert_eq!(ok(p.list_all_volumes(0)).len(), 1);
    assert!(std::fs::read_to_string(t.0.join("state/config/images.xml"))
        .unwrap_or_default()
        .contains("<name>images</name>"));
    // Stop, undefine: the definition goes, the directory stays.
    ok(p.destroy());
    assert_eq!(err(p.list_all_volumes(0)).code, ErrorCode::OperationInvalid);
    ok(p.undefine());
    assert_eq!(
        err(c.storage_pool_lookup_by_name("images")).code,
        ErrorCode::NoStoragePool
    );
    assert!(t.0.join("images/a").exists());
}

#[test]
fn bad_input_changes_nothing_outside_the_pool() {
    let t = TempDir::new("storage-bad");
    let c = connect(&t.0);
    let pool = dir_pool(&c, &t.0);
    for name in ["../escape", "a/b", "..", "."] {
        let xml = format!("<volume><name>{name}</name><capacity>1</capacity></volume>");
        let e = err(pool.storage_vol_create_xml(&xml, 0));
        assert_eq!(e.code, ErrorCode::OperationInvalid, "{name}: {e}");
    }
    assert!(!t.0.join("escape").exists());
    let e = err(pool.storage_vol_create_xml(
        "<volume><name>big</name><capacity unit='E'>9</capacity></volume>",
        0,
    ));
    assert_eq!(e.code, ErrorCode::Overflow);
    // A volume outside every pool is not found by path.
    ok(std::fs::write(t.0.join("outside.img"), b"x")
        .map_err(|e| Error::system(virt_core::ErrorDomain::Storage, "w", &e)));
    let outside = t.0.join("outside.img").display().to_string();
    assert_eq!(
        err(c.storage_vol_lookup_by_path(&outside)).code,
        ErrorCode::NoStorageVol
    );
    // A pool whose target is a file does not start.
    let file = t.0.join("not-a-dir");
    ok(std::fs::write(&file, b"")
        .map_err(|e| Error::system(virt_core::ErrorDomain::Storage, "w", &e)));
    let xml = format!(
        "<pool type='dir'><name>f</name><target><path>{}</path></target></pool>",
        file.display()
    );
    let p = ok(c.storage_pool_define_xml(&xml, 0));
    let e = err(p.create(0));
    assert_eq!(e.code, ErrorCode::SystemError);
    assert!(e.message.contains("Not a directory"), "{e}");
    // Another pool on the same directory, an unserved type.
    let same = format!(
        "<pool type='dir'><name>twin</name><target><path>{}/images</path></target></pool>",
        t.0.display()
    );
    assert_eq!(
        err(c.storage_pool_define_xml(&same, 0)).code,
        ErrorCode::OperationFailed
    );
    // A type without a backend here.
    let rbd =
        "<pool type='rbd'><name>r</name><source><name>rbd</name><host name='h'/></source></pool>";
    let e = err(c.storage_pool_define_xml(rbd, 0));
    assert_eq!(e.code, ErrorCode::InternalError);
    assert_eq!(
        e.to_string(),
        "internal error: missing backend for pool type 8 (rbd)"
    );
    // A name taken by a volume.
    ok(pool.storage_vol_create_xml("<volume><name>x</name><capacity>1</capacity></volume>", 0));
    let again =
        pool.storage_vol_create_xml("<volume><name>x</name><capacity>1</capacity></volume>", 0);
    let e = err(again);
    assert_eq!(e.code, ErrorCode::StorageVolExist);
    assert_eq!(e.message, "storage volume 'x' exists already");
    // A clone onto it: libvirt's other words for the same thing.
    let x = ok(pool.storage_vol_lookup_by_name("x"));
    let e = err(pool.storage_vol_create_xml_from(
        "<volume><name>x</name><capacity>1</capacity></volume>",
        &x,
        0,
    ));
    assert_eq!(e.code, ErrorCode::InternalError);
    assert_eq!(
        e.message,
        "internal error: storage volume name 'x' already in use."
    );
}
