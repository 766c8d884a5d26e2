//! A `logical` (LVM) pool through our daemon: virt-proxy listens in a
//! temp dir (`--listen`), our virsh talks to it over libvirt's remote
//! protocol (`qemu+unix:///session?socket=...`), and every step (define,
//! build, start, vol-create-as, vol-upload and vol-download, vol-clone,
//! vol-resize, vol-delete, destroy, delete) is checked against LVM's own
//! view (`vgs`, `lvs`) and the volumes' device nodes. The pool sits on a
//! loop device made by the test. Without root, losetup or lvm2 the test
//! says so and passes; without device-mapper in the kernel it stops after
//! the volume group's steps, unless `VIRT_STORAGE_LVM_REQUIRED` is set, as
//! `cargo xtask lvm-vm` sets it inside its VM (which also places the
//! daemon next to virsh, where this test looks for it).
#![cfg(feature = "qemu")]

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use virt_testkit::block::{has_device_mapper, lvm_ok, lvm_required, missing, Loop};

mod common;
use common::logical::{delete_pool, holey_image, start_pool, stop_pool, upload_sparse};
use common::virsh_line;

/// The daemon binary: cargo builds virt-proxy into the same directory as
/// virsh when it builds the workspace's tests.
fn daemon_binary() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_virsh")).with_file_name("virt-proxy")
}

/// A virt-proxy process listening in `dir`, its state under `root`;
/// killed on drop.
struct Daemon {
    child: Child,
    dir: PathBuf,
}

impl Daemon {
    fn start(bin: &Path, dir: &Path, root: &Path) -> Daemon {
        std::fs::create_dir_all(dir).expect("daemon dir");
        let log = std::fs::File::create(dir.join("daemon.log")).expect("daemon log");
        let child = Command::new(bin)
            .arg("--listen")
            .arg(dir)
            .env("VIRT_QEMU_ROOT", root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start virt-proxy");
        let d = Daemon {
            child,
            dir: dir.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while UnixStream::connect(d.socket()).is_err() {
            assert!(
                Instant::now() < deadline,
                "virt-proxy did not listen: {}",
                d.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        d
    }

    fn socket(&self) -> PathBuf {
        self.dir.join("libvirt-sock")
    }

    fn uri(&self) -> String {
        format!("qemu+unix:///session?socket={}", self.socket().display())
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("daemon.log")).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A logical volume's size in bytes as LVM reports it, or `None` when
/// LVM does not know the volume.
fn lv_size(vg: &str, lv: &str) -> Option<u64> {
    let out = Command::new("lvs")
        .args([
            "--noheadings",
            "--units",
            "b",
            "--nosuffix",
            "-o",
            "lv_size",
        ])
        .arg(format!("{vg}/{lv}"))
        .env("LVM_SUPPRESS_FD_WARNINGS", "1")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

#[test]
fn logical_pool_through_the_daemon() {
    if let Some(why) = missing(&["losetup", "pvcreate", "vgcreate", "lvcreate", "vgs", "lvs"]) {
        assert!(!lvm_required(), "logical pool through the daemon: {why}");
        println!("logical pool through the daemon: {why}; skipped");
        return;
    }
    let bin = daemon_binary();
    if !bin.is_file() {
        assert!(!lvm_required(), "no daemon at {}", bin.display());
        println!(
            "logical pool through the daemon: no {} (cargo builds it with the workspace's tests); skipped",
            bin.display()
        );
        return;
    }
    let lo = Loop::new("daemon-lvm", 64 << 20);
    let d = Daemon::start(&bin, &lo.dir.join("d"), &lo.dir.join("state"));
    let uri = d.uri();
    let vg = format!("vpxy{}", std::process::id());
    let run = |line: &str| {
        let (out, err, ok) = virsh_line(&uri, line);
        assert!(ok, "`{line}` failed: {err}\n{}", d.log());
        out
    };
    run(&format!(
        "pool-define-as lv logical --source-dev {} --source-name {vg} --target /dev/{vg}",
        lo.dev
    ));
    assert!(!lvm_ok("vgs", &[&vg]), "a volume group before pool-build");
    run("pool-build lv");
    assert!(lvm_ok("vgs", &[&vg]), "no volume group after pool-build");
    assert!(
        lvm_ok("pvs", &[&lo.dev]),
        "no physical volume after pool-build"
    );
    start_pool(&run);

    if has_device_mapper() {
        volumes(&lo.dir, &vg, &run, &uri);
    } else {
        assert!(!lvm_required(), "no device-mapper in this kernel");
        println!(
            "logical pool through the daemon: no device-mapper in this kernel; volume steps skipped"
        );
        let (_, err, ok) = virsh_line(&uri, "vol-create-as lv disk 8M");
        assert!(!ok, "lvcreate without device-mapper succeeded");
        assert!(err.contains("lvcreate"), "{err}");
        assert_eq!(lv_size(&vg, "disk"), None, "a failed create left a volume");
    }

    stop_pool(&run);
    assert!(
        lvm_ok("vgs", &[&vg]),
        "pool-destroy removed the volume group"
    );
    delete_pool(&run, &vg);
}

/// The guest disk's life: create, upload and download (bytes compared),
/// clone, resize, delete, each checked in LVM.
fn volumes(dir: &Path, vg: &str, run: &dyn Fn(&str) -> String, uri: &str) {
    run("vol-create-as lv disk 8M");
    assert_eq!(
        lv_size(vg, "disk"),
        Some(8 << 20),
        "lvs after vol-create-as"
    );
    let dev = format!("/dev/{vg}/disk");
    assert_eq!(run("vol-path disk --pool lv").trim(), dev);

    // 8 MiB: data at 0 and at 5 MiB, holes between.
    let src = dir.join("src.img");
    holey_image(&src, b"guest disk", 0xa5);
    upload_sparse(run, &src);
    assert!(
        std::fs::read(&dev).ok() == std::fs::read(&src).ok(),
        "the logical volume does not hold what was uploaded"
    );
    let back = dir.join("back.img");
    run(&format!("vol-download disk {} --pool lv", back.display()));
    assert!(
        std::fs::read(&back).ok() == std::fs::read(&src).ok(),
        "the download differs from what was uploaded"
    );

    run("vol-clone disk copy --pool lv");
    assert_eq!(lv_size(vg, "copy"), Some(8 << 20), "lvs after vol-clone");
    assert!(
        std::fs::read(format!("/dev/{vg}/copy")).ok() == std::fs::read(&src).ok(),
        "the clone's bytes differ from its source's"
    );

    run("vol-resize disk 16M --pool lv");
    assert_eq!(lv_size(vg, "disk"), Some(16 << 20), "lvs after vol-resize");
    let info = run("vol-info disk --pool lv");
    assert!(info.contains("Capacity:       16.00 MiB"), "{info}");
    let (_, err, ok) = virsh_line(uri, "vol-resize disk 4M --pool lv --shrink");
    assert!(!ok, "a logical volume was shrunk");
    assert!(err.contains("error:"), "{err}");
    assert_eq!(
        lv_size(vg, "disk"),
        Some(16 << 20),
        "a refused shrink changed the volume"
    );
    // The data survives the growth.
    let grown = std::fs::read(&dev).expect("read the grown volume");
    assert_eq!(&grown[..10], b"guest disk");

    run("vol-delete copy --pool lv");
    assert_eq!(lv_size(vg, "copy"), None, "lvs after vol-delete copy");
    assert_eq!(
        lv_size(vg, "disk"),
        Some(16 << 20),
        "vol-delete copy touched disk"
    );
    run("vol-delete disk --pool lv");
    assert_eq!(lv_size(vg, "disk"), None, "lvs after vol-delete disk");
    assert!(!Path::new(&dev).exists(), "{dev} left after vol-delete");
    assert_eq!(run("vol-list lv").trim(), "");
}
