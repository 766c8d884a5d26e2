//! Block devices for the storage tests: a loop device over a sparse file
//! in a temp dir, and the gates that say when the machine cannot give one
//! (not root, no loop driver, a tool missing) or when the logical-volume
//! steps must run (`VIRT_STORAGE_LVM_REQUIRED`, set by `cargo xtask
//! lvm-vm` inside its VM, whose kernel has device-mapper); and
//! [`upload_past_the_end`], a volume step libvirtd and our daemon are
//! both held to.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Why this machine cannot run a block-device test needing `tools`, if it
/// cannot: not root, no `/dev/loop-control`, or a tool missing (named with
/// its Debian package hint).
pub fn missing(tools: &[&str]) -> Option<String> {
    if !rustix::process::geteuid().is_root() {
        return Some("not root (loop devices need it)".into());
    }
    if !Path::new("/dev/loop-control").exists() {
        return Some("no /dev/loop-control".into());
    }
    for t in tools {
        let found = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
            .iter()
            .any(|d| Path::new(d).join(t).exists());
        if !found {
            return Some(format!(
                "no {t} (apt-get install lvm2 util-linux e2fsprogs)"
            ));
        }
    }
    None
}

/// Whether this run must do every logical-volume step rather than skip
/// the ones a kernel without device-mapper cannot do.
pub fn lvm_required() -> bool {
    std::env::var_os("VIRT_STORAGE_LVM_REQUIRED").is_some()
}

/// Whether this kernel can activate logical volumes (`dmsetup version`
/// reaches the device-mapper driver).
pub fn has_device_mapper() -> bool {
    Command::new("dmsetup")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A temp dir with a loop device over a sparse file in it; on drop the
/// device is detached, anything mounted at `dir/mnt` unmounted, and the
/// dir removed.
pub struct Loop {
    /// The temp dir (the backing file is `disk.img` in it).
    pub dir: PathBuf,
    /// The loop device, e.g. `/dev/loop3`.
    pub dev: String,
}

impl Loop {
    /// A loop device of `size` bytes; `tag` names the temp dir. Panics
    /// (the test's failure) when losetup refuses.
    pub fn new(tag: &str, size: u64) -> Loop {
        let dir = std::env::temp_dir().join(format!("vrs-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("disk.img");
        std::fs::File::create(&file)
            .and_then(|f| f.set_len(size))
            .expect("backing file");
        let out = Command::new("losetup")
            .args(["-f", "--show"])
            .arg(&file)
            .output()
            .expect("losetup");
        assert!(
            out.status.success(),
            "losetup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dev = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Loop { dir, dev }
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.join("mnt")).output();
        let _ = Command::new("losetup").args(["-d", &self.dev]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether an LVM tool succeeds (`vgs VG`, `pvs DEV`: does it exist).
pub fn lvm_ok(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd)
        .args(args)
        .env("LVM_SUPPRESS_FD_WARNINGS", "1")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The upload libvirt 9.0 takes past a file volume's end, driven by
/// `run` (one virsh command line; it must succeed) on volume `vol` of
/// pool `pool`, whose file is `file` and holds `size` bytes: 4 KiB start
/// 1 MiB past the end and the file grows to hold them; a download from
/// past the new end is empty. `scratch` is a directory for the sources.
/// Run against libvirtd and against our daemon, so both are held to one
/// behaviour.
pub fn upload_past_the_end(
    run: &dyn Fn(&str) -> String,
    scratch: &Path,
    (pool, vol, file): (&str, &str, &Path),
    size: u64,
) {
    let small = scratch.join("small.img");
    std::fs::write(&small, [6u8; 4096]).expect("small source");
    let past = size + (1 << 20);
    run(&format!(
        "vol-upload {vol} {} --pool {pool} --offset {past}",
        small.display()
    ));
    let grown = std::fs::read(file).expect("volume");
    assert_eq!(grown.len() as u64, past + 4096);
    assert!(grown[past as usize..].iter().all(|&b| b == 6));
    let empty = scratch.join("empty.img");
    run(&format!(
        "vol-download {vol} {} --pool {pool} --offset {}",
        empty.display(),
        past + (1 << 20)
    ));
    assert_eq!(std::fs::read(&empty).map(|b| b.len()).ok(), Some(0));
}
