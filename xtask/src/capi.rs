//! `cargo xtask install-capi --prefix DIR`: build libvirt-rs (the C API)
//! with the `capi` profile (release, but unwinding, so panics are caught
//! at the C boundary) and lay it out under DIR: `DIR/lib` (shared library
//! under its soname, static library), `DIR/include/libvirt`, and
//! `DIR/lib/pkgconfig/virt-rs.pc`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The cargo target directory xtask itself was built in.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// Build the C library with the `capi` profile; the directory holding it.
pub fn build() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let st = Command::new(cargo)
        .args(["build", "-q", "-p", "virt-capi", "--profile", "capi"])
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !st.success() {
        return Err("cargo build -p virt-capi failed".into());
    }
    Ok(target_dir().join("capi"))
}

/// `install-capi --prefix DIR`.
pub fn install(args: &[String]) -> i32 {
    let prefix = match args {
        [flag, dir] if flag == "--prefix" => PathBuf::from(dir),
        [one] if one.starts_with("--prefix=") => PathBuf::from(&one["--prefix=".len()..]),
        _ => {
            eprintln!("usage: cargo xtask install-capi --prefix DIR");
            return 2;
        }
    };
    let built = match build() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("install-capi: {e}");
            return 1;
        }
    };
    match virt_capi::install::lay_out(&prefix, &built) {
        Ok(()) => {
            println!(
                "installed libvirt-rs {} under {} (pkg-config: PKG_CONFIG_PATH={}/lib/pkgconfig)",
                virt_capi::install::version(),
                prefix.display(),
                prefix.display()
            );
            0
        }
        Err(e) => {
            eprintln!("install-capi: {e}");
            1
        }
    }
}
