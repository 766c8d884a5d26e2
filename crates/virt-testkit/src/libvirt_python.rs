//! libvirt-python 9.0's source release (its tests and examples), fetched
//! with pip once into the cargo target dir and unpacked there; nothing of
//! it is kept in the repository.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The release whose tests and examples are run: the one Debian's
/// python3-libvirt 9.0 was built from.
pub const RELEASE: &str = "libvirt-python-9.0.0";

/// Where it is unpacked: `CARGO_TARGET_DIR`, else the workspace's
/// `target/`, then `virt-python/upstream`.
pub fn dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("virt-python/upstream")
}

/// The unpacked release, fetched with `python -m pip download` when not
/// there yet; why not, when it cannot be had (no pip, no network).
pub fn sdist(python: &Path) -> Result<PathBuf, String> {
    let dir = dir();
    let src = dir.join(RELEASE);
    if src.join("tests").is_dir() {
        return Ok(src);
    }
    let version = RELEASE.trim_start_matches("libvirt-python-");
    let out = Command::new(python)
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "-q",
            "-d",
        ])
        .arg(&dir)
        .arg(format!("libvirt-python=={version}"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let tarball = dir.join(format!("{RELEASE}.tar.gz"));
    if !out.status.success() || !tarball.exists() {
        return Err(format!(
            "cannot fetch libvirt-python {version}'s sdist with pip: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    let out = Command::new(python)
        .args([
            "-c",
            "import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])",
        ])
        .arg(&tarball)
        .arg(&dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!("cannot unpack {}", tarball.display()));
    }
    Ok(src)
}
