//! Debian's virsh 9.0 manages storage through our daemon: a dir pool and
//! its volumes on `qemu:///session`, over libvirt's remote protocol, with
//! real files in a temp dir. Skipped with a notice where /usr/bin/virsh is
//! absent.

mod common;

use common::{temp_dir, Daemon};
use std::path::Path;
use std::process::Command;

const REAL_VIRSH: &str = "/usr/bin/virsh";

fn virsh(uri: &str, line: &str) -> (String, String, bool) {
    let out = match Command::new(REAL_VIRSH)
        .args(["-q", "-c", uri, line])
        .env("LC_ALL", "C")
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!("cannot run {REAL_VIRSH}: {e}"),
    };
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

#[test]
fn debian_virsh_creates_clones_resizes_and_deletes_volumes() {
    if !Path::new(REAL_VIRSH).exists() {
        println!("storage: {REAL_VIRSH} not installed (apt-get install libvirt-clients); skipped");
        return;
    }
    let root = temp_dir("storage-root");
    let d = Daemon::start_in_with_env(
        temp_dir("storage"),
        &[],
        &[("VIRT_QEMU_ROOT", root.as_os_str())],
    );
    let uri = format!("qemu+unix:///session?socket={}", d.rw().display());
    let images = root.join("images");
    let run = |line: &str| {
        let (out, err, ok) = virsh(&uri, line);
        assert!(ok, "`{line}` failed: {err}\n{}", d.log());
        out
    };
    run(&format!(
        "pool-define-as images dir --target {}",
        images.display()
    ));
    run("pool-build images; pool-start images; pool-autostart images");
    assert!(images.is_dir());
    run("vol-create-as images a.img 64M --allocation 0");
    let info = run("vol-info a.img --pool images --bytes");
    assert!(info.contains("Capacity:       67108864 bytes"), "{info}");
    run("vol-clone a.img b.img --pool images");
    run("vol-resize a.img 128M --pool images");
    let md = std::fs::metadata(images.join("a.img"))
        .map(|m| m.len())
        .ok();
    assert_eq!(md, Some(128 << 20));
    let list = run("vol-list images");
    assert!(list.contains("a.img") && list.contains("b.img"), "{list}");
    let path = images.join("b.img").display().to_string();
    assert_eq!(run(&format!("vol-name {path}")).trim(), "b.img");
    run("vol-delete b.img --pool images");
    assert!(!images.join("b.img").exists());
    // A name that leaves the pool is refused and creates nothing.
    let (_, err, ok) = virsh(&uri, "vol-create-as images ../x.img 1M");
    assert!(!ok && err.contains("cannot contain '/'"), "{err}");
    assert!(!root.join("x.img").exists());
    // The read-only socket refuses a change.
    let ro = format!("qemu+unix:///session?socket={}", d.ro().display());
    let (_, err, ok) = virsh(&ro, "vol-delete a.img --pool images");
    assert!(
        !ok && err.contains("read only access prevents virStorageVolDelete"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&root);
}
