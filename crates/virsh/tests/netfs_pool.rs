//! A `netfs` pool through our virsh on `qemu:///embed?root=DIR`, one
//! virsh process per command (each a freshly started driver that finds
//! the pool and its mount on disk), on a real NFS export:
//! `VIRT_STORAGE_NFS_EXPORT=HOST:DIR`, which `cargo xtask lvm-vm` serves
//! inside its VM (this project's build host has no NFS client in its
//! kernel). Every volume is checked on the export's own directory.
//! Without the variable the test says so and passes, unless
//! `VIRT_STORAGE_NFS_REQUIRED` is set.
#![cfg(feature = "qemu")]

use std::path::Path;
use std::process::Command;

fn virsh(root: &Path, line: &str) -> (String, String, bool) {
    let uri = format!("qemu:///embed?root={}", root.join("embed").display());
    let out = Command::new(env!("CARGO_BIN_EXE_virsh"))
        .args(["-q", "-c", &uri, line])
        .env("LC_ALL", "C")
        .output()
        .expect("run virsh");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

#[test]
fn netfs_pool_through_virsh() {
    let Some(export) = std::env::var("VIRT_STORAGE_NFS_EXPORT").ok() else {
        assert!(
            std::env::var_os("VIRT_STORAGE_NFS_REQUIRED").is_none(),
            "netfs pool through virsh: VIRT_STORAGE_NFS_EXPORT unset"
        );
        println!(
            "netfs pool through virsh: no NFS export (VIRT_STORAGE_NFS_EXPORT=HOST:DIR; \
             `cargo xtask lvm-vm` serves one in its VM); skipped"
        );
        return;
    };
    let (host, served) = export.split_once(':').expect("HOST:DIR");
    let served = Path::new(served);
    let r = std::env::temp_dir().join(format!("vsn-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&r);
    std::fs::create_dir_all(&r).expect("root");
    let mnt = r.join("mnt");
    let run = |line: &str| {
        let (out, err, ok) = virsh(&r, line);
        assert!(ok, "`{line}` failed: {err}");
        out
    };
    run(&format!(
        "pool-define-as nfs netfs --source-host {host} --source-path {} --source-format nfs --target {}",
        served.display(),
        mnt.display()
    ));
    let xml = run("pool-dumpxml nfs");
    assert!(xml.contains(&format!("<host name='{host}'/>")), "{xml}");
    run("pool-build nfs");
    assert!(mnt.is_dir());
    run("pool-start nfs");
    let info = run("pool-info nfs");
    assert!(info.contains("State:          running"), "{info}");
    run("vol-create-as nfs guest.img 8M");
    assert_eq!(
        std::fs::metadata(served.join("guest.img"))
            .map(|m| m.len())
            .ok(),
        Some(8 << 20),
        "vol-create-as did not land on the export"
    );
    let vols = run("vol-list nfs");
    let path = mnt.join("guest.img").display().to_string();
    assert!(
        vols.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["guest.img", path.as_str()]),
        "{vols}"
    );
    run("vol-delete guest.img --pool nfs");
    assert!(
        !served.join("guest.img").exists(),
        "vol-delete left the file on the export"
    );
    run("pool-destroy nfs");
    let info = run("pool-info nfs");
    assert!(info.contains("State:          inactive"), "{info}");
    let mounted = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    assert!(
        !mounted.contains(&mnt.display().to_string()),
        "still mounted after pool-destroy"
    );
    run("pool-delete nfs; pool-undefine nfs");
    assert!(!mnt.exists());
    let _ = std::fs::remove_dir_all(&r);
}
