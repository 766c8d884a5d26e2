//! What the C-facing tests share: the C compiler, Debian's libvirt as the
//! peer to compare with, and an installed copy of the library built for
//! this test run (laid out by the same code as `cargo xtask install-capi`).

#![allow(dead_code)] // Each test file uses its own part.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Debian's libvirt-dev headers.
pub const DEBIAN_HEADER: &str = "/usr/include/libvirt/libvirt.h";

/// True when a C compiler answers.
pub fn have_cc() -> bool {
    Command::new("cc")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// True when Debian's libvirt can be compiled and linked against.
pub fn have_debian_libvirt() -> bool {
    Path::new(DEBIAN_HEADER).exists()
        && Command::new("pkg-config")
            .args(["--exists", "libvirt"])
            .status()
            .is_ok_and(|s| s.success())
}

/// A fresh scratch directory for one test, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// A new empty directory named after `what`.
    pub fn new(what: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("virt-capi-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        Scratch(p)
    }
    /// A path inside.
    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where cargo built this crate's cdylib and staticlib for this test run:
/// next to the test binary (target/debug/deps). The copies one level up
/// are only refreshed by `cargo build`, so they may be stale here.
pub fn build_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("current_exe: {e}"));
    exe.parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("no directory above {}", exe.display()))
}

/// Install this build under `prefix` as users get it.
pub fn install(prefix: &Path) {
    virt_capi::install::lay_out(prefix, &build_dir())
        .unwrap_or_else(|e| panic!("install into {}: {e}", prefix.display()));
}

/// `pkg-config ARGS PACKAGE`, split into words; `pc_dir` is searched first.
pub fn pkg_config(pc_dir: Option<&Path>, args: &[&str], package: &str) -> Vec<String> {
    let mut c = Command::new("pkg-config");
    if let Some(d) = pc_dir {
        c.env("PKG_CONFIG_PATH", d);
    }
    let o = c
        .args(args)
        .arg(package)
        .output()
        .unwrap_or_else(|e| panic!("pkg-config: {e}"));
    assert!(
        o.status.success(),
        "pkg-config {args:?} {package}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Compile `src` into `out` with `flags` after it; panics with the
/// compiler's messages on failure.
pub fn compile(src: &Path, out: &Path, flags: &[String]) {
    let o = Command::new("cc")
        .args(["-g", "-O0", "-Wall", "-o"])
        .arg(out)
        .arg(src)
        .args(flags)
        .output()
        .unwrap_or_else(|e| panic!("cc: {e}"));
    assert!(
        o.status.success(),
        "cc {}: {}",
        src.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Compile `src` against the library installed under `prefix`, through
/// its pkg-config file, as the users do.
pub fn compile_ours(prefix: &Path, src: &Path, out: &Path) {
    let pc = prefix.join("lib/pkgconfig");
    compile(
        src,
        out,
        &pkg_config(Some(&pc), &["--cflags", "--libs"], "virt-rs"),
    );
}

/// Compile `src` against Debian's libvirt.
pub fn compile_debian(src: &Path, out: &Path) {
    compile(
        src,
        out,
        &pkg_config(None, &["--cflags", "--libs"], "libvirt"),
    );
}

/// Run a program built against the library under `prefix` (or Debian's
/// when `prefix` is `None`), with `args`.
pub fn run(prefix: Option<&Path>, exe: &Path, args: &[&str]) -> Output {
    run_with_input(prefix, exe, args, None)
}

/// [`run`], with `stdin` read from a file when given.
pub fn run_with_input(
    prefix: Option<&Path>,
    exe: &Path,
    args: &[&str],
    stdin: Option<&Path>,
) -> Output {
    let mut c = Command::new(exe);
    if let Some(f) = stdin {
        let f = std::fs::File::open(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        c.stdin(f);
    }
    if let Some(p) = prefix {
        c.env("LD_LIBRARY_PATH", p.join("lib"));
    }
    c.env_remove("LIBVIRT_DEFAULT_URI");
    c.args(args)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", exe.display()))
}

/// stdout, stderr and exit code, printable.
pub fn show(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// True when valgrind answers.
pub fn have_valgrind() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Run `exe` (built against `prefix`) under valgrind; panics on any
/// memory error or definite leak.
pub fn valgrind(prefix: &Path, exe: &Path, args: &[&str], input: Option<&Path>) {
    let mut c = Command::new("valgrind");
    if let Some(f) = input {
        c.stdin(std::fs::File::open(f).unwrap_or_else(|e| panic!("{}: {e}", f.display())));
    }
    let o = c
        .args([
            "-q",
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--show-leak-kinds=definite,indirect",
        ])
        .arg(exe)
        .args(args)
        .env("LD_LIBRARY_PATH", prefix.join("lib"))
        .env_remove("LIBVIRT_DEFAULT_URI")
        .output()
        .unwrap_or_else(|e| panic!("valgrind: {e}"));
    assert_ne!(
        o.status.code(),
        Some(99),
        "valgrind {}:\n{}",
        exe.display(),
        show(&o)
    );
}
