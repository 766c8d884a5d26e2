//! Real C programs against the installed library: our own programs in
//! tests/c (every call, the error rules, reference counting) and libvirt's
//! example programs when a copy of them is at hand. Each is built with
//! `cc x.c $(pkg-config --cflags --libs virt-rs)` against a prefix laid
//! out as `cargo xtask install-capi` lays it out, run on test:///default,
//! and its stdout, stderr and exit status compared with the same program
//! linked against Debian's libvirt.so.0 (when installed). Our builds also
//! run under valgrind (when installed): no invalid access, no leak.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn c_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c")
}

/// Build `src` both ways, run with each `args`, compare; valgrind ours.
/// Returns how many runs were compared with libvirt.
fn check_program(dir: &Scratch, prefix: &Path, src: &Path, runs: &[Vec<&str>]) -> usize {
    let stem = src
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ours = dir.join(&format!("{stem}-ours"));
    compile_ours(prefix, src, &ours);
    let theirs = have_debian_libvirt().then(|| {
        let t = dir.join(&format!("{stem}-libvirt"));
        compile_debian(src, &t);
        t
    });
    // A program's answers to prompts, if it asks any, are in NAME.stdin.
    let input = src.with_extension("stdin");
    let input = input.exists().then_some(input.as_path());
    let mut compared = 0;
    for args in runs {
        let o = run_with_input(Some(prefix), &ours, args, input);
        assert!(
            !o.stdout.is_empty() || !o.stderr.is_empty(),
            "{stem} {args:?} printed nothing:\n{}",
            show(&o)
        );
        if let Some(t) = &theirs {
            let l = run_with_input(None, t, args, input);
            assert_eq!(
                show(&o),
                show(&l),
                "{stem} {args:?}: virt-rs (left) and libvirt (right) differ"
            );
            compared += 1;
        }
        if have_valgrind() {
            valgrind(prefix, &ours, args, input);
        }
    }
    compared
}

#[test]
fn our_c_programs_behave_as_with_libvirt() {
    if !have_cc() {
        println!("skipped: needs cc and pkg-config");
        return;
    }
    let dir = Scratch::new("cprog");
    let prefix = dir.join("prefix");
    install(&prefix);
    let mut sources: Vec<PathBuf> = std::fs::read_dir(c_dir())
        .unwrap_or_else(|e| panic!("{}: {e}", c_dir().display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    sources.sort();
    assert!(!sources.is_empty());
    let mut compared = 0;
    for src in &sources {
        compared += check_program(&dir, &prefix, src, &[vec![]]);
    }
    println!(
        "{} C programs built through pkg-config and run; {compared} compared with libvirt{}",
        sources.len(),
        if have_valgrind() {
            ", all clean under valgrind"
        } else {
            " (valgrind not installed)"
        }
    );
    if !have_debian_libvirt() {
        println!("skipped the comparison: Debian's libvirt-dev is not installed");
    }
}

/// Where libvirt's example programs are, laid out as in libvirt's tree
/// (`c/misc/hellolibvirt.c`, `c/domain/info1.c`, ...):
/// `$VIRT_LIBVIRT_EXAMPLES`, else `target/libvirt-examples`, else where
/// Debian's libvirt-doc 9.0 installs them.
fn examples_dir() -> Option<PathBuf> {
    let candidates = match std::env::var_os("VIRT_LIBVIRT_EXAMPLES") {
        Some(d) => vec![PathBuf::from(d)],
        None => vec![
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/libvirt-examples"),
            PathBuf::from("/usr/share/doc/libvirt-doc/examples"),
        ],
    };
    candidates
        .into_iter()
        .find(|d| d.join("c/misc/hellolibvirt.c").exists())
}

#[test]
fn libvirt_examples_build_unmodified_and_print_the_same() {
    let Some(ex) = examples_dir() else {
        println!("skipped: libvirt's example programs not found (set VIRT_LIBVIRT_EXAMPLES to libvirt's examples/ folder)");
        return;
    };
    if !have_cc() {
        println!("skipped: needs cc and pkg-config");
        return;
    }
    let dir = Scratch::new("examples");
    let prefix = dir.join("prefix");
    install(&prefix);
    let cases: [(&str, Vec<Vec<&str>>); 3] = [
        ("c/misc/hellolibvirt.c", vec![vec!["test:///default"]]),
        (
            "c/domain/info1.c",
            vec![
                vec!["test:///default", "test"],
                vec!["test:///default", "nosuch"],
            ],
        ),
        (
            "c/domain/suspend.c",
            vec![
                vec!["-c", "test:///default"],
                vec!["-d", "-c", "test:///default", "-s", "0", "test"],
                vec!["-c", "test:///default", "-s", "0", "nosuch"],
            ],
        ),
    ];
    let mut compared = 0;
    for (file, runs) in &cases {
        compared += check_program(&dir, &prefix, &ex.join(file), runs);
    }
    println!("libvirt's examples: 3 built unmodified, {compared} runs compared with libvirt");
}
