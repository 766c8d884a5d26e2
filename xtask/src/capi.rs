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

/// The benchmark program, built against each library.
fn bench_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/virt-capi/bench/lookup_info.c")
}

/// Compile the benchmark with `flags` into `out`.
fn compile_bench(out: &Path, flags: &[String]) -> Result<(), String> {
    let st = Command::new("cc")
        .args(["-O2", "-o"])
        .arg(out)
        .arg(bench_source())
        .args(flags)
        .status()
        .map_err(|e| format!("cc: {e}"))?;
    st.success()
        .then_some(())
        .ok_or_else(|| format!("cc failed for {}", out.display()))
}

/// `pkg-config --cflags --libs PACKAGE`, searching `pc_dir` first.
fn pkg_flags(pc_dir: Option<&Path>, package: &str) -> Result<Vec<String>, String> {
    let mut c = Command::new("pkg-config");
    if let Some(d) = pc_dir {
        c.env("PKG_CONFIG_PATH", d);
    }
    let o = c
        .args(["--cflags", "--libs", package])
        .output()
        .map_err(|e| format!("pkg-config: {e}"))?;
    if !o.status.success() {
        return Err(format!(
            "pkg-config {package}: {}",
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect())
}

/// Run the benchmark binary; its ops/s.
fn run_bench(exe: &Path, lib_dir: Option<&Path>, iterations: u64) -> Result<f64, String> {
    let mut c = Command::new(exe);
    if let Some(d) = lib_dir {
        c.env("LD_LIBRARY_PATH", d);
    }
    let o = c
        .arg(iterations.to_string())
        .output()
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    let text = String::from_utf8_lossy(&o.stdout);
    text.split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .filter(|_| o.status.success())
        .ok_or_else(|| format!("{} failed: {text}", exe.display()))
}

/// `capi-bench [--quick]`: a C loop of virDomainLookupByName +
/// virDomainGetInfo (+ virDomainFree) on test:///default, linked against
/// libvirt-rs and, where Debian's libvirt-dev is installed, against
/// libvirt.so.0, in the same run; the median of five runs each.
pub fn bench(args: &[String]) -> i32 {
    let quick = args.iter().any(|a| a == "--quick");
    match bench_inner(quick) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("capi-bench: {e}");
            1
        }
    }
}

fn bench_inner(quick: bool) -> Result<(), String> {
    let built = build()?;
    let prefix = target_dir().join("capi-prefix");
    virt_capi::install::lay_out(&prefix, &built).map_err(|e| e.to_string())?;
    let ours = target_dir().join("capi-bench-virt-rs");
    compile_bench(
        &ours,
        &pkg_flags(Some(&prefix.join("lib/pkgconfig")), "virt-rs")?,
    )?;
    let theirs = target_dir().join("capi-bench-libvirt");
    let theirs = match pkg_flags(None, "libvirt") {
        Ok(flags) => compile_bench(&theirs, &flags).map(|_| theirs).ok(),
        Err(_) => None,
    };
    let runs = if quick { 1 } else { 5 };
    let (n_ours, n_theirs) = if quick {
        (200_000, 20_000)
    } else {
        (2_000_000, 200_000)
    };
    let lib = prefix.join("lib");
    // The two alternate, so both see the same machine load.
    let (mut ours_v, mut theirs_v) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        ours_v.push(run_bench(&ours, Some(&lib), n_ours)?);
        if let Some(t) = &theirs {
            theirs_v.push(run_bench(t, None, n_theirs)?);
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    let ours_ops = median(ours_v).unwrap_or_default();
    let theirs_ops = median(theirs_v);
    println!("C loop: virDomainLookupByName + virDomainGetInfo + virDomainFree on test:///default");
    println!("  virt-rs (libvirt-rs.so.0): {ours_ops:>12.0} ops/s");
    match theirs_ops {
        Some(t) => {
            println!("  libvirt 9.0 (libvirt.so.0): {t:>11.0} ops/s");
            println!("  ratio: {:.1}x (target >= 10x)", ours_ops / t);
        }
        None => println!("  libvirt 9.0: n/a (Debian's libvirt-dev not installed)"),
    }
    Ok(())
}
