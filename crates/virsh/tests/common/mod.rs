//! What the virsh test files share: the corpus folder, running our virsh,
//! and the virsh-golden cases (their format and comparison are
//! `virt_testkit::golden`'s, shared with the daemon's test of the real virsh).

#![allow(dead_code)] // Each test file uses its own part.

use std::path::Path;
pub use virt_testkit::golden::{self, Case, Outcome};

pub mod logical;

/// The shared corpus (virt-testkit's).
pub use virt_testkit::corpus_root as corpus;

/// Our virsh, `virsh -q -c URI LINE`, in the C locale: its standard
/// output, its standard error, and whether it succeeded.
pub fn virsh_line(uri: &str, line: &str) -> (String, String, bool) {
    virt_testkit::output(
        std::process::Command::new(env!("CARGO_BIN_EXE_virsh")).args(["-q", "-c", uri, line]),
    )
}

/// Our virsh on `qemu:///embed?root=ROOT/embed` (see [`virsh_line`]).
pub fn embed_virsh(root: &Path, line: &str) -> (String, String, bool) {
    virsh_line(
        &format!("qemu:///embed?root={}", root.join("embed").display()),
        line,
    )
}

pub fn run_virsh(args: &[String], cwd: &Path, stdin: Option<&str>) -> Outcome {
    golden::run(Path::new(env!("CARGO_BIN_EXE_virsh")), args, cwd, stdin)
}

/// Every case of the virsh-golden folder, sorted by file name; `None`
/// when the folder is absent. A file that does not parse is an `Err` with
/// its name.
pub fn golden_cases() -> Option<Vec<Result<Case, String>>> {
    golden::read_cases(&corpus().join("virsh-golden"))
}

/// Run every golden case through our virsh with `rewrite` applied to its
/// arguments, in the folder its relative paths name; the failures, and
/// how many passed.
pub fn run_golden(
    cases: &[Result<Case, String>],
    rewrite: impl Fn(&str) -> String,
) -> (usize, Vec<String>) {
    let virsh = Path::new(env!("CARGO_BIN_EXE_virsh"));
    // The URI is rewritten where virsh prints its own URI too (`virsh
    // uri` answers with the client's URI, as real virsh does remotely).
    golden::run_cases(virsh, &corpus().join("virsh-golden"), cases, |c| Case {
        argv: c.argv.iter().map(|a| rewrite(a)).collect(),
        stdout: rewrite(&String::from_utf8_lossy(&c.stdout)).into_bytes(),
        ..c.clone()
    })
}
