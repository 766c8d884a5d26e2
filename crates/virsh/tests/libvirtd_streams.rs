//! Our virsh's streams against a real libvirtd 9.0: `vol-upload` and
//! `vol-download` (`--sparse` and not) through virt-remote's client to
//! libvirtd's storage driver on `qemu:///system`, a dir pool in a temp dir.
//! The bytes must arrive whole and the holes stay holes, so our client
//! speaks libvirt's stream packets (data, holes, finish) as libvirtd
//! expects them. libvirtd runs as virt-testkit starts it (root, unshare);
//! without it the test says so and passes.
#![cfg(feature = "remote")]

use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use virt_testkit::libvirtd::{start, unavailable};

mod common;

fn allocated(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.blocks() * 512).unwrap_or(0)
}

#[test]
fn our_virsh_streams_volumes_to_and_from_libvirtd() {
    if let Some(why) = unavailable() {
        println!("libvirtd streams: {why}; skipped");
        return;
    }
    let daemon = match start() {
        Ok(d) => d,
        Err(e) => panic!("libvirtd: {e}"),
    };
    let uri = format!("qemu+unix:///system?socket={}", daemon.socket().display());
    let dir = std::env::temp_dir().join(format!("vsl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let run = |line: &str| {
        let (out, err, ok) = common::virsh_line(&uri, line);
        assert!(ok, "`{line}` failed: {err}");
        out
    };
    let images = dir.join("images");
    run(&format!(
        "pool-define-as streams dir --target {}; pool-build streams; pool-start streams; vol-create-as streams v.img 32M --allocation 0",
        images.display()
    ));
    // 32 MiB: data at the start and at 20 MiB, holes elsewhere.
    let src = dir.join("src.img");
    let mut f = std::fs::File::create(&src).expect("source");
    f.write_all(&[7u8; 8192]).expect("write");
    f.seek(SeekFrom::Start(20 << 20)).expect("seek");
    f.write_all(&vec![9u8; 1 << 20]).expect("write");
    f.set_len(32 << 20).expect("length");
    drop(f);
    let vol = images.join("v.img");
    run(&format!(
        "vol-upload v.img {} --pool streams --sparse",
        src.display()
    ));
    assert_eq!(std::fs::read(&vol).ok(), std::fs::read(&src).ok());
    assert!(allocated(&vol) < 4 << 20, "{} bytes", allocated(&vol));
    let back = dir.join("back.img");
    run(&format!(
        "vol-download v.img {} --pool streams --sparse",
        back.display()
    ));
    assert_eq!(std::fs::read(&back).ok(), std::fs::read(&src).ok());
    assert!(allocated(&back) < 4 << 20, "{} bytes", allocated(&back));
    let dense = dir.join("dense.img");
    run(&format!(
        "vol-download v.img {} --pool streams --offset 8000 --length 400",
        dense.display()
    ));
    let want: Vec<u8> = std::iter::repeat_n(7u8, 192)
        .chain(std::iter::repeat_n(0u8, 208))
        .collect();
    assert_eq!(std::fs::read(&dense).ok(), Some(want));
    // A start past the volume's end: libvirtd takes it and the file grows
    // (crates/virt-proxy/tests/storage.rs holds our daemon to the same);
    // a download from past the end is empty.
    virt_testkit::block::upload_past_the_end(&run, &dir, ("streams", "v.img", &vol), 32 << 20);
    run("vol-delete v.img --pool streams; pool-destroy streams; pool-delete streams; pool-undefine streams");
    let _ = std::fs::remove_dir_all(&dir);
}
