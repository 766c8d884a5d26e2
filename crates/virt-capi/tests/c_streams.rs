//! Streams and storage volumes from C: `tests/c_streams/volumes.c` built
//! through pkg-config against the installed library and run on
//! `qemu:///embed?root=DIR` (our storage driver in-process, a dir pool in
//! a temp dir), clean under valgrind (when installed). Where a real
//! libvirtd 9.0 can be started (virt-testkit: root, Debian's
//! libvirt-daemon) and Debian's libvirt-dev is installed, the same program
//! linked against Debian's libvirt.so.0 runs against that daemon, and so
//! does ours (through our remote client): all three print the same.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c_streams/volumes.c")
}

/// Run `exe` (ours when `prefix` is given) on `uri` with a fresh pool
/// directory under `dir`; its stdout, after checking it ran to the end.
fn volumes(dir: &Scratch, tag: &str, prefix: Option<&Path>, exe: &Path, uri: &str) -> String {
    let pool = dir.join(&format!("pool-{tag}"));
    std::fs::create_dir_all(&pool).unwrap_or_else(|e| panic!("{}: {e}", pool.display()));
    let pool = pool.to_string_lossy().into_owned();
    let o = run(prefix, exe, &[uri, &pool]);
    assert_eq!(o.status.code(), Some(0), "{tag}:\n{}", show(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(out.contains("virConnectClose = 0"), "{tag}:\n{}", show(&o));
    out
}

#[test]
fn streams_move_volumes_as_with_libvirt() {
    if !have_cc() {
        println!("skipped: needs cc and pkg-config");
        return;
    }
    let dir = Scratch::new("streams");
    let prefix = dir.join("prefix");
    install(&prefix);
    let ours = dir.join("volumes-ours");
    compile_ours(&prefix, &source(), &ours);
    let embed = format!("qemu:///embed?root={}", dir.join("embed").display());
    let out = volumes(&dir, "embed", Some(&prefix), &ours, &embed);
    // What the program must see whatever it is compared with.
    for line in [
        "virStreamSendAll = 0",
        "dense download: runs data:4194304",
        "window: 00 00 68 65 6c 6c 6f 00 00",
        "virStreamSparseSendAll = 0",
        "sparse download: runs data:4096 hole:2093056 data:8192 hole:2088960",
        "window with holes: runs data:2048 hole:2093056 data:4096 ",
        "matches=yes",
    ] {
        assert!(out.contains(line), "no `{line}` in:\n{out}");
    }
    assert!(!out.contains("matches=no"), "{out}");
    // A dir pool clones through qemu-img, as libvirt's does: without it
    // (qemu-utils) the clone and the calls on the clone fail, each with
    // its error, and only that part goes unchecked.
    if virt_testkit::peer(
        "streams_move_volumes_as_with_libvirt",
        "/usr/bin/qemu-img",
        "qemu-utils",
    ) {
        assert!(out.contains("virStorageVolCreateXMLFrom = 1"), "{out}");
        assert!(out.contains("copy.img capacity=8388608"), "{out}");
    }
    if have_valgrind() {
        let pool = dir.join("pool-valgrind");
        std::fs::create_dir_all(&pool).unwrap_or_else(|e| panic!("{}: {e}", pool.display()));
        let uri = format!("qemu:///embed?root={}", dir.join("embed-vg").display());
        valgrind(&prefix, &ours, &[&uri, &pool.to_string_lossy()], None);
    } else {
        println!("valgrind not installed: memory check skipped");
    }

    if let Some(why) = virt_testkit::libvirtd::unavailable() {
        println!("comparison with libvirt skipped: {why}");
        return;
    }
    if !have_debian_libvirt() {
        println!("comparison with libvirt skipped: Debian's libvirt-dev is not installed");
        return;
    }
    let daemon = virt_testkit::libvirtd::start().unwrap_or_else(|e| panic!("libvirtd: {e}"));
    let uri = format!("qemu+unix:///system?socket={}", daemon.socket().display());
    let theirs = dir.join("volumes-libvirt");
    compile_debian(&source(), &theirs);
    let libvirt = volumes(&dir, "libvirt", None, &theirs, &uri);
    assert_eq!(
        out, libvirt,
        "virt-rs on its own driver (left) and libvirt on libvirtd (right) differ"
    );
    let remote = volumes(&dir, "remote", Some(&prefix), &ours, &uri);
    assert_eq!(
        remote, libvirt,
        "virt-rs (left) and libvirt (right) on libvirtd differ"
    );
    println!("volumes.c: virt-rs in-process, virt-rs and libvirt on libvirtd print the same");
}
