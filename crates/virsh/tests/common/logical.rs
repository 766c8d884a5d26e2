//! The steps both logical (LVM) pool tests take, through whatever runs a
//! virsh command line (`run`: our virsh on the embedded driver, or on the
//! daemon); each step checks what virsh printed and LVM's own view.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use virt_testkit::block::lvm_ok;

/// `pool-start lv`, then the pool is listed active (not autostarted).
pub fn start_pool(run: &dyn Fn(&str) -> String) {
    run("pool-start lv");
    let list = run("pool-list --all");
    assert!(
        list.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["lv", "active", "no"]),
        "{list}"
    );
}

/// `pool-destroy lv`, then the pool's info says inactive.
pub fn stop_pool(run: &dyn Fn(&str) -> String) {
    run("pool-destroy lv");
    let info = run("pool-info lv");
    assert!(info.contains("State:          inactive"), "{info}");
}

/// `pool-delete lv` removes volume group `vg`; `pool-undefine lv` leaves
/// no pool.
pub fn delete_pool(run: &dyn Fn(&str) -> String, vg: &str) {
    run("pool-delete lv");
    assert!(!lvm_ok("vgs", &[vg]), "volume group left after pool-delete");
    run("pool-undefine lv");
    assert_eq!(run("pool-list --all --name").trim(), "");
}

/// Writes `path`: 8 MiB with `head` at 0 and 4 KiB of `fill` at 5 MiB,
/// holes between, the source of a sparse upload.
pub fn holey_image(path: &Path, head: &[u8], fill: u8) {
    let mut f = std::fs::File::create(path).expect("src");
    f.write_all(head).expect("write");
    f.seek(SeekFrom::Start(5 << 20)).expect("seek");
    f.write_all(&[fill; 4096]).expect("write");
    f.set_len(8 << 20).expect("len");
}

/// `vol-upload disk SRC --pool lv --sparse`.
pub fn upload_sparse(run: &dyn Fn(&str) -> String, src: &Path) {
    run(&format!(
        "vol-upload disk {} --pool lv --sparse",
        src.display()
    ));
}
