//! The installed layout: `DIR/lib` (the shared library under its soname
//! and the static library), `DIR/include/libvirt`, and
//! `DIR/lib/pkgconfig/virt-rs.pc` with DIR as its prefix. Used by
//! `cargo xtask install-capi` and by the tests, which build C programs
//! against an installed copy exactly as users do.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The soname C programs record.
pub const SONAME: &str = "libvirt-rs.so.0";

/// The headers, in this crate's `include/libvirt`.
pub fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include")
}

/// "9.0.0": the libvirt version this API follows.
pub fn version() -> String {
    virt_core::version_string(virt_core::LIB_VERSION)
}

/// Lay the libraries built in `build_dir` (cargo's `target/PROFILE`) out
/// under `prefix`. Existing files are replaced.
pub fn lay_out(prefix: &Path, build_dir: &Path) -> io::Result<()> {
    let prefix = std::path::absolute(prefix)?;
    let lib = prefix.join("lib");
    let inc = prefix.join("include").join("libvirt");
    let pc = lib.join("pkgconfig");
    for d in [&lib, &inc, &pc] {
        fs::create_dir_all(d)?;
    }
    let real = format!("libvirt-rs.so.{}", real_suffix());
    replace_copy(&build_dir.join("libvirt_capi.so"), &lib.join(&real))?;
    replace_link(&real, &lib.join(SONAME))?;
    replace_link(SONAME, &lib.join("libvirt-rs.so"))?;
    replace_copy(&build_dir.join("libvirt_capi.a"), &lib.join("libvirt-rs.a"))?;
    for h in ["libvirt.h", "virterror.h"] {
        replace_copy(&include_dir().join("libvirt").join(h), &inc.join(h))?;
    }
    let text = include_str!("../virt-rs.pc.in")
        .replace("@prefix@", &prefix.to_string_lossy())
        .replace("@version@", &version());
    fs::write(pc.join("virt-rs.pc"), text)
}

/// "0.9000.0", libvirt's file-name scheme for 9.0.0.
fn real_suffix() -> String {
    format!("0.{}.0", virt_core::LIB_VERSION / 1000)
}

fn replace_copy(from: &Path, to: &Path) -> io::Result<()> {
    let _ = fs::remove_file(to);
    fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", from.display())))
}

fn replace_link(target: &str, link: &Path) -> io::Result<()> {
    let _ = fs::remove_file(link);
    std::os::unix::fs::symlink(target, link)
}
