//! A `logical` (LVM) pool through our virsh on `qemu:///embed?root=DIR`:
//! one virsh process per command, so every command is a freshly started
//! driver that must find the pool, its state and its volumes on disk and
//! in LVM. The pool sits on a loop device made by the test. Without root,
//! losetup or lvm2 the test says so and passes; without device-mapper in
//! the kernel it stops after the volume group's steps (build, start, info,
//! stop, delete), unless `VIRT_STORAGE_LVM_REQUIRED` is set, as
//! `cargo xtask lvm-vm` sets it inside its VM, where it does every step.
#![cfg(feature = "qemu")]

use std::path::Path;
use virt_testkit::block::{has_device_mapper, lvm_ok, lvm_required, missing, Loop};

mod common;
use common::embed_virsh as virsh;
use common::logical::{delete_pool, holey_image, start_pool, stop_pool, upload_sparse};

#[test]
fn logical_pool_through_virsh() {
    if let Some(why) = missing(&["losetup", "pvcreate", "vgcreate", "lvcreate", "vgs"]) {
        assert!(!lvm_required(), "logical pool: {why}");
        println!("logical pool through virsh: {why}; skipped");
        return;
    }
    let lo = Loop::new("virsh-lvm", 64 << 20);
    let r = &lo.dir;
    let vg = format!("vrsh{}", std::process::id());
    let run = |line: &str| {
        let (out, err, ok) = virsh(r, line);
        assert!(ok, "`{line}` failed: {err}");
        out
    };
    run(&format!(
        "pool-define-as lv logical --source-dev {} --source-name {vg} --target /dev/{vg}",
        lo.dev
    ));
    run("pool-build lv");
    assert!(lvm_ok("vgs", &[&vg]), "no volume group after pool-build");
    start_pool(&run);
    let info = run("pool-info lv");
    assert!(info.contains("State:          running"), "{info}");

    if has_device_mapper() {
        logical_volumes(r, &vg, &run);
    } else {
        assert!(!lvm_required(), "no device-mapper in this kernel");
        println!(
            "logical pool through virsh: no device-mapper in this kernel; volume steps skipped"
        );
        let (_, err, ok) = virsh(r, "vol-create-as lv disk 8M");
        assert!(!ok, "lvcreate without device-mapper succeeded");
        assert!(err.contains("lvcreate"), "{err}");
    }

    stop_pool(&run);
    delete_pool(&run, &vg);
}

/// Volume steps: create, list, upload and download (sparse), resize,
/// wipe, delete, each by a new virsh process.
fn logical_volumes(r: &Path, vg: &str, run: &dyn Fn(&str) -> String) {
    run("vol-create-as lv disk 8M");
    let dev = format!("/dev/{vg}/disk");
    let vols = run("vol-list lv");
    assert!(
        vols.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["disk", dev.as_str()]),
        "{vols}"
    );
    assert_eq!(run("vol-path disk --pool lv").trim(), dev);
    let info = run("vol-info disk --pool lv");
    assert!(info.contains("Type:           block"), "{info}");
    assert!(info.contains("Capacity:       8.00 MiB"), "{info}");

    // 8 MiB: data at 0 and at 5 MiB, holes between.
    let src = r.join("src.img");
    holey_image(&src, b"first", 0x5a);
    upload_sparse(run, &src);
    let back = r.join("back.img");
    run(&format!(
        "vol-download disk {} --pool lv --sparse",
        back.display()
    ));
    assert!(
        std::fs::read(&back).ok() == std::fs::read(&src).ok(),
        "the volume's bytes differ from what was uploaded"
    );
    assert_eq!(
        std::fs::read(&dev).map(|b| b[..5].to_vec()).ok(),
        Some(b"first".to_vec())
    );

    run("vol-resize disk 16M --pool lv");
    let info = run("vol-info disk --pool lv");
    assert!(info.contains("Capacity:       16.00 MiB"), "{info}");
    let (_, err, ok) = virsh(r, "vol-resize disk 4M --pool lv --shrink");
    assert!(!ok, "a logical volume was shrunk");
    assert!(err.contains("error:"), "{err}");

    run("vol-wipe disk --pool lv");
    let wiped = std::fs::read(&dev).expect("read the volume");
    assert_eq!(wiped.len(), 16 << 20);
    assert!(wiped.iter().all(|&b| b == 0), "vol-wipe left data");

    run("vol-delete disk --pool lv");
    assert!(!Path::new(&dev).exists(), "{dev} left after vol-delete");
    assert_eq!(run("vol-list lv").trim(), "");
}
