//! Debian packages as VM ingredients: fetched with `apt-get download` into
//! a cache folder (nothing is installed on the host) and unpacked with
//! `dpkg-deb -x`, with the kernel's module index made by `depmod`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{run, tool, Failure};

/// The kernel package `linux-image-amd64` points at today.
pub fn kernel_package() -> Result<String, Failure> {
    let deps = run(Command::new(tool("apt-cache", "apt")?).args(["depends", "linux-image-amd64"]))?;
    deps.lines()
        .filter_map(|l| l.trim().strip_prefix("Depends: "))
        .find(|p| p.starts_with("linux-image-") && p.ends_with("-amd64"))
        .map(str::to_string)
        .ok_or_else(|| {
            Failure::new(
                "apt-cache names no kernel for linux-image-amd64 (run `apt-get update` first)",
            )
        })
}

/// The .deb of `package` already in `dir`, if any.
pub fn find_deb(dir: &Path, package: &str) -> Option<PathBuf> {
    let prefix = format!("{package}_");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".deb"))
        })
        .collect();
    // After a Debian update two versions may sit side by side: the newest
    // sorts last often enough, and the stamp makes a mixed set rebuild.
    found.sort();
    found.pop()
}

/// The .deb files of `packages` in `debs`, downloading the missing ones;
/// `who` names the harness in its progress line.
pub fn fetch(debs: &Path, packages: &[String], who: &str) -> Result<Vec<PathBuf>, Failure> {
    std::fs::create_dir_all(debs).map_err(|e| Failure::io(debs, e))?;
    let missing: Vec<&String> = packages
        .iter()
        .filter(|p| find_deb(debs, p).is_none())
        .collect();
    if !missing.is_empty() {
        eprintln!("{who}: apt-get download {} package(s)", missing.len());
        let out = Command::new(tool("apt-get", "apt")?)
            .current_dir(debs)
            .arg("download")
            .args(&missing)
            .output()
            .map_err(|e| Failure::new(format!("apt-get download: {e}")))?;
        if !out.status.success() {
            return Err(Failure::new(format!(
                "apt-get download failed (is Debian 12's package index there? try `apt-get update`):\n{}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
    }
    let mut files = Vec::new();
    for p in packages {
        let deb = find_deb(debs, p)
            .ok_or_else(|| Failure::new(format!("apt-get download gave no .deb for {p}")))?;
        files.push(deb);
    }
    Ok(files)
}

/// Unpack `files` into a fresh `root` and index the modules of kernel
/// `kernel_release` (Debian's kernel package ships no modules.dep: its
/// postinst makes it, and the initramfs builders read it for the load
/// order).
pub fn unpack(files: &[PathBuf], root: &Path, kernel_release: &str) -> Result<(), Failure> {
    if root.exists() {
        std::fs::remove_dir_all(root).map_err(|e| Failure::io(root, e))?;
    }
    let dpkg_deb = tool("dpkg-deb", "dpkg")?;
    for f in files {
        run(Command::new(&dpkg_deb).arg("-x").arg(f).arg(root))?;
    }
    run(Command::new(tool("depmod", "kmod")?)
        .arg("-b")
        .arg(root)
        .arg(kernel_release))?;
    Ok(())
}
