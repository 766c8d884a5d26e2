//! virt-testkit: what the tests of every virt-rs crate share, written once.
//! A dev-dependency only (and xtask's); nothing here reaches a product.
//!
//! - [`block`]: loop devices and the gates of the storage tests that
//!   need them (root, tools, device-mapper).
//! - [`corpus_root`] / [`corpus_folder`]: the shared corpus (`VIRT_CORPUS`,
//!   else `../shared/corpus` beside the workspace), skipped with a notice
//!   when absent.
//! - [`xml_files`] / [`xml_cases`] / [`check_cases`]: a corpus folder's
//!   files and cases, and the walk that checks each and reports.
//! - [`first_difference`]: where an output first departs from the expected
//!   one, for failure lists.
//! - [`golden`]: the virsh-golden cases (recorded runs of Debian's virsh
//!   9.0): read, run, compare.
//! - [`events`]: a `virsh event` transcript of actions on a daemon.
//! - [`libvirt_python`]: libvirt-python 9.0's sdist (tests, examples),
//!   fetched once into the target dir.
//! - [`libvirtd`]: a real libvirtd 9.0 in a temp dir, for differential
//!   tests of the daemon.
//! - [`real_xen`] / [`xen_guest`]: the gates of the tests that need a real
//!   Xen dom0 (`VIRT_XEN_REAL=1`) and a guest (`VIRT_XEN_GUEST`);
//!   [`xen_tool`] and [`eventually`] for what they ask xl and wait for.
//! - [`debian_virsh`]: a run of Debian's virsh, the peer of most tests.
//! - [`peer`] / [`peers`] / [`linux_guest`]: the gates of the tests that need a program
//!   another package installs (QEMU, Debian's virsh) or the tiny Linux
//!   guest `cargo xtask guest` builds; [`wait_until`] for what such a test
//!   polls.
//! - [`guest`]: the Linux test guest as a QEMU domain ([`guest::LinuxDomain`]).
//! - [`process::run_with_deadline`]: a program run with its output
//!   captured, killed if it outlives its deadline.
//! - [`TempDir`]: a test's own directory of state, removed after it.
//! - [`NEWDOM`]: the small test-driver domain the tests define first.

#![warn(missing_docs)]

pub mod block;
pub mod events;
pub mod golden;
pub mod guest;
pub mod libvirt_python;
pub mod libvirtd;
pub mod process;
pub mod tty;

use std::path::{Path, PathBuf};

/// `newdom`: the small domain of the test hypervisor that virsh's own
/// tests define (one vCPU, 512 MiB, HVM), the one the tests define first.
pub const NEWDOM: &str = "<domain type='test'>
  <name>newdom</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <memory unit='KiB'>524288</memory>
  <currentMemory unit='KiB'>524288</currentMemory>
  <vcpu>1</vcpu>
  <os>
    <type>hvm</type>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
</domain>";

/// A fresh directory for one test's files (a driver's state root, images,
/// sockets) in the system's temp directory, named for the test, the
/// process and a count so tests running at once never share one;
/// removed with everything in it when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new empty directory named for `tag`.
    pub fn new(tag: &str) -> TempDir {
        // A number of its own rather than the thread's id, whose
        // parentheses would trip tests that find processes by their
        // command line (pgrep takes a pattern).
        static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("virt-rs-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        if let Err(e) = std::fs::create_dir_all(&p) {
            panic!("cannot create {}: {e}", p.display());
        }
        TempDir(p)
    }

    /// Where it is.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl std::ops::Deref for TempDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The shared corpus: `$VIRT_CORPUS`, else `../shared/corpus` beside the
/// workspace.
pub fn corpus_root() -> PathBuf {
    match std::env::var_os("VIRT_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpus"
        )),
    }
}

/// The corpus folder `sub`, or `None` after a notice naming the test
/// (`what`) as skipped when the folder is absent.
pub fn corpus_folder(sub: &str, what: &str) -> Option<PathBuf> {
    let dir = corpus_root().join(sub);
    if !dir.is_dir() {
        println!("{what}: corpus folder {} absent, skipped", dir.display());
        return None;
    }
    Some(dir)
}

/// The `.xml` files directly in `dir`, sorted (none when it cannot be
/// read).
pub fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "xml"));
    v.sort();
    v
}

/// The last part of `p`'s name, as the failure lists name a case file.
pub fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Check every case of a corpus folder: `check` says what is wrong with
/// case `name` (`None` when it behaves as libvirt 9.0 does). Prints
/// `what: PASSED/ALL cases as libvirt 9.0` and fails listing every
/// failure, so a corpus test knows neither how many cases a folder holds
/// nor which.
pub fn check_cases(what: &str, names: &[String], mut check: impl FnMut(&str) -> Option<String>) {
    let failures: Vec<String> = names.iter().filter_map(|c| check(c)).collect();
    println!(
        "{what}: {}/{} cases as libvirt 9.0",
        names.len() - failures.len(),
        names.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The cases of a corpus folder: the names of its `CASE.xml` inputs,
/// sorted, leaving out the files whose names end in one of `not_inputs`
/// (the expected outputs and companions a layout keeps beside them, such
/// as `.out.xml`).
pub fn xml_cases(dir: &Path, not_inputs: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".xml") && !not_inputs.iter().any(|x| n.ends_with(x)))
                .map(|n| n.trim_end_matches(".xml").to_string())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The first line where `got` departs from `want`, or their line counts
/// when one is a prefix of the other.
pub fn first_difference(want: &str, got: &str) -> String {
    for (i, (w, g)) in want.lines().zip(got.lines()).enumerate() {
        if w != g {
            return format!("line {}: want {w:?} got {g:?}", i + 1);
        }
    }
    format!(
        "lengths {} vs {} lines",
        want.lines().count(),
        got.lines().count()
    )
}

/// Whether a real Xen was promised (`VIRT_XEN_REAL=1`, set by `cargo xtask
/// xen-vm` inside dom0); otherwise a skip notice is printed.
pub fn real_xen() -> bool {
    if std::env::var("VIRT_XEN_REAL").as_deref() == Ok("1") {
        return true;
    }
    println!("skipped: no real Xen (set VIRT_XEN_REAL=1 inside dom0)");
    false
}

/// The name of the running guest the real-Xen tests may use
/// (`VIRT_XEN_GUEST`), or `None` after a skip notice.
pub fn xen_guest() -> Option<String> {
    if !real_xen() {
        return None;
    }
    match std::env::var("VIRT_XEN_GUEST") {
        Ok(g) if !g.is_empty() => Some(g),
        _ => {
            println!("skipped: no guest (set VIRT_XEN_GUEST to an xl-created domain)");
            None
        }
    }
}

/// Run a tool of the Xen toolstack (`xl`, `xenstore-read`, ...): its
/// standard output, or `None` when it is not there or fails (an unknown
/// domain, say).
pub fn xen_tool(cmd: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Wait up to 10 s for `done` to hold (Xen tears domains down and
/// changes their state asynchronously); the test fails naming `what`
/// when it never does.
pub fn eventually(what: &str, done: impl FnMut() -> bool) {
    assert!(wait_until(10, done), "timed out: {what}");
}

/// Whether the peer `path` (a program or file of Debian's package
/// `package`) is installed; otherwise a notice naming the test and how to
/// get it.
pub fn peer(test: &str, path: &str, package: &str) -> bool {
    if std::path::Path::new(path).exists() {
        return true;
    }
    println!("{test}: {path} not installed (apt-get install {package}); skipped");
    false
}

/// Whether every peer `(path, package)` of `wanted` is installed; the
/// first one missing is named as [`peer`] names it.
pub fn peers(test: &str, wanted: &[(&str, &str)]) -> bool {
    wanted
        .iter()
        .all(|(path, package)| peer(test, path, package))
}

/// The kernel and initrd of the tiny Linux guest `cargo xtask guest`
/// builds into the workspace's `target/guest`, or `None` after a notice
/// naming the test.
pub fn linux_guest(test: &str) -> Option<(PathBuf, PathBuf)> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/guest"));
    let (kernel, initrd) = (dir.join("vmlinuz"), dir.join("initrd.img"));
    if kernel.exists() && initrd.exists() {
        return Some((kernel, initrd));
    }
    println!(
        "{test}: no Linux test guest in {} (run `cargo xtask guest`); skipped",
        dir.display()
    );
    None
}

/// Debian's virsh 9.0, the peer our virsh and daemon are compared with
/// (package libvirt-clients).
pub const DEBIAN_VIRSH: &str = "/usr/bin/virsh";

/// Run Debian's virsh with `args` in the C locale: its standard output,
/// its standard error, and whether it succeeded.
pub fn debian_virsh(args: &[&str]) -> (String, String, bool) {
    output(std::process::Command::new(DEBIAN_VIRSH).args(args))
}

/// Run `cmd` to its end in the C locale: its standard output, its
/// standard error, and whether it succeeded.
pub fn output(cmd: &mut std::process::Command) -> (String, String, bool) {
    let out = match cmd.env("LC_ALL", "C").output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run {:?}: {e}", cmd.get_program()),
    };
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

/// Wait until `done` holds or `secs` pass, looking every 100 ms; whether
/// it held. For what a test cannot be told of and must poll (a guest's
/// console, a process's end).
pub fn wait_until(secs: u64, mut done: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < end {
        if done() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    false
}

/// The value of a call a test expects to succeed; an error fails the
/// test, shown in words and in full.
pub fn ok<T, E: std::fmt::Display + std::fmt::Debug>(r: Result<T, E>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("unexpected error: {e} ({e:?})"),
    }
}

/// The error of a call a test expects to fail; a value fails the test.
pub fn err<T: std::fmt::Debug, E>(r: Result<T, E>) -> E {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_the_line() {
        assert_eq!(
            first_difference("a\nb\n", "a\nc\n"),
            "line 2: want \"b\" got \"c\""
        );
        assert_eq!(first_difference("a\n", "a\nb\n"), "lengths 1 vs 2 lines");
    }
}
