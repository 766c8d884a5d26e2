//! Link virsh with packed relative relocations (`-z pack-relative-relocs`,
//! glibc's DT_RELR) where the linker and C library support them.
//!
//! Why: a `virsh -c test:///default list --all` process is short, and most
//! of its start-up was the dynamic loader applying one 24-byte relocation
//! record per pointer in the binary's data (vtables, string tables of every
//! driver linked in). Packed, the same relocations are a bitmap the loader
//! walks in a fraction of the instructions. Nothing else about the binary
//! changes; a linker or C library without DT_RELR (glibc before 2.36,
//! binutils before 2.38) gets the ordinary link, as before.

use std::path::PathBuf;
use std::process::{Command, Stdio};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    if packed_relocations_link() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether the C compiler driver rustc links with accepts
/// `-z pack-relative-relocs` for this target: a native Linux/glibc build
/// whose linker links a small program with it and warns of nothing (GNU
/// ld only warns of a `-z` option it does not know, so warnings are made
/// fatal), and whose C library provides the loader's DT_RELR support
/// (the linker refuses the option against a glibc without it).
fn packed_relocations_link() -> bool {
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    if env("CARGO_CFG_TARGET_OS") != "linux"
        || env("CARGO_CFG_TARGET_ENV") != "gnu"
        || env("TARGET") != env("HOST")
    {
        return false;
    }
    let Some(out) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        return false;
    };
    let src = out.join("relr_probe.c");
    if std::fs::write(&src, "int main(void) { return 0; }\n").is_err() {
        return false;
    }
    let linker = std::env::var("RUSTC_LINKER").unwrap_or_else(|_| "cc".into());
    Command::new(linker)
        // (Before the option: GNU ld makes only later warnings fatal.)
        .arg("-Wl,--fatal-warnings")
        .arg("-Wl,-z,pack-relative-relocs")
        .arg(&src)
        .arg("-o")
        .arg(out.join("relr_probe"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
