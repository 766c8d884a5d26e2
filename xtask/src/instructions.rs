//! `cargo xtask instructions [TREE...]`: instructions per benchmark call,
//! counted by valgrind's callgrind, for one or more checkouts side by side
//! (this one when none is named; an old commit's `git worktree` for a
//! before/after comparison). Instruction counts do not change with the
//! machine's load, which wall times on a shared machine do.
//!
//! For each checkout: its release virsh (`virsh -c test:///default list
//! --all`, the whole process, median of 3 runs) and the probe of
//! `probe.rs` built against that checkout's virt-core, virt-test and
//! virt-xml with the checkout's release settings (symbols kept). Each call
//! runs N and 2N times; the difference, divided by N and by the units of
//! one time (the corpus's files), is the steady cost of one call, without
//! the setup and the first calls' growth of tables. The callgrind files stay
//! in TREE/target/instr-probe/ for `callgrind_annotate`.

use crate::probe::CALLS;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How many times each call runs in the shorter of its two runs: enough
/// that one call's noise (hash seeds, random UUIDs) averages out, few
/// enough that callgrind's ~50x slowdown stays in seconds.
fn times(call: &str) -> u64 {
    match call {
        "parse-corpus" => 3,
        "format-corpus" => 10,
        "define-dump-typical" => 200,
        "lookup-info" => 2000,
        _ => 500,
    }
}

/// What one checkout measured.
struct Counts {
    tree: PathBuf,
    virsh_bytes: u64,
    virsh_list: u64,
    /// Per call of `CALLS`, instructions per unit.
    calls: Vec<f64>,
}

/// The `instructions` subcommand.
pub fn run(args: &[String]) -> i32 {
    let trees: Vec<PathBuf> = if args.is_empty() {
        vec![PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))]
    } else {
        args.iter().map(PathBuf::from).collect()
    };
    let corpus = crate::xml_bench::corpus_dir();
    let mut all = Vec::new();
    for tree in trees {
        match measure(&tree, &corpus) {
            Ok(c) => all.push(c),
            Err(e) => {
                eprintln!("xtask instructions: {}: {e}", tree.display());
                return 1;
            }
        }
    }
    print!("{}", table(&all));
    0
}

fn measure(tree: &Path, corpus: &Path) -> Result<Counts, String> {
    let tree = tree
        .canonicalize()
        .map_err(|e| format!("not a checkout: {e}"))?;
    if !tree.join("crates/virt-xml/Cargo.toml").exists() {
        return Err("not a virt-rs checkout (no crates/virt-xml)".into());
    }
    let out = tree.join("target/instr-probe");
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;

    cargo(
        &tree,
        &["build", "--release", "--quiet", "-p", "virsh"],
        None,
    )?;
    let virsh = tree.join("target/release/virsh");
    let virsh_bytes = std::fs::metadata(&virsh)
        .map_err(|e| format!("{}: {e}", virsh.display()))?
        .len();
    let mut lists = Vec::new();
    for i in 0..3 {
        let file = out.join(format!("callgrind.out.virsh-list.{i}"));
        lists.push(callgrind(
            &virsh,
            &["-c", "test:///default", "list", "--all"],
            &file,
        )?);
    }
    lists.sort_unstable();

    let probe = build_probe(&tree, &out)?;
    let corpus_arg = corpus.to_string_lossy();
    let mut calls = Vec::new();
    for call in CALLS {
        let n = times(call);
        let units = probe_units(&probe, call, &corpus_arg)?;
        let mut totals = [0u64; 2];
        for (total, k) in totals.iter_mut().zip([1, 2]) {
            let file = out.join(format!("callgrind.out.{call}.{}", n * k));
            let count = (n * k).to_string();
            *total = callgrind(&probe, &[call, &count, &corpus_arg], &file)?;
        }
        calls.push(totals[1].saturating_sub(totals[0]) as f64 / (n * units) as f64);
    }
    Ok(Counts {
        tree,
        virsh_bytes,
        virsh_list: lists[1],
        calls,
    })
}

/// Run cargo in `tree`, with `target` as its target directory when given.
fn cargo(tree: &Path, args: &[&str], target: Option<&Path>) -> Result<(), String> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(args).current_dir(tree);
    if let Some(t) = target {
        cmd.env("CARGO_TARGET_DIR", t);
    }
    let st = cmd.status().map_err(|e| format!("cargo: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("cargo {} exited with {st}", args.join(" ")))
    }
}

/// Write the probe's package into `out` (its own workspace, the checkout's
/// lock file, so the same dependency versions) and build it; its binary.
fn build_probe(tree: &Path, out: &Path) -> Result<PathBuf, String> {
    let root = std::fs::read_to_string(tree.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let crates = tree.join("crates");
    let manifest = probe_manifest(&root, &crates);
    let src = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/probe.rs"));
    let main = format!(
        "#[path = {:?}]\nmod probe;\n\nfn main() {{\n    let args: Vec<String> = std::env::args().skip(1).collect();\n    std::process::exit(probe::main_with_args(&args));\n}}\n",
        src.canonicalize().map_err(|e| e.to_string())?
    );
    let write = |name: &str, text: &str| {
        std::fs::write(out.join(name), text).map_err(|e| format!("{name}: {e}"))
    };
    write("Cargo.toml", &manifest)?;
    write("main.rs", &main)?;
    std::fs::copy(tree.join("Cargo.lock"), out.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let target = out.join("target");
    cargo(
        out,
        &[
            "build",
            "--release",
            "--quiet",
            "--manifest-path",
            "Cargo.toml",
        ],
        Some(&target),
    )?;
    Ok(target.join("release/virt-instr-probe"))
}

/// The probe's Cargo.toml: the checkout's crates by path, and the
/// checkout's `[profile.release]` with symbols and line tables kept (for
/// `callgrind_annotate`; neither changes the code).
fn probe_manifest(root_manifest: &str, crates: &Path) -> String {
    let mut profile = String::new();
    let mut inside = false;
    for line in root_manifest.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            inside = t == "[profile.release]";
            continue;
        }
        if inside && !t.starts_with("strip") && !t.starts_with("debug") && !t.is_empty() {
            profile.push_str(line);
            profile.push('\n');
        }
    }
    let dep = |name: &str| format!("{name} = {{ path = {:?} }}\n", crates.join(name));
    format!(
        "[package]\nname = \"virt-instr-probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [[bin]]\nname = \"virt-instr-probe\"\npath = \"main.rs\"\n\n\
         [dependencies]\n{}{}{}\n\
         [workspace]\n\n\
         [profile.release]\n{profile}strip = false\ndebug = \"line-tables-only\"\n",
        dep("virt-core"),
        dep("virt-test"),
        dep("virt-xml"),
    )
}

/// The units one time of `call` counts for, as the probe prints them.
fn probe_units(probe: &Path, call: &str, corpus: &str) -> Result<u64, String> {
    let o = Command::new(probe)
        .args([call, "0", corpus])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("{}: {e}", probe.display()))?;
    if !o.status.success() {
        return Err(format!("probe {call} exited with {}", o.status));
    }
    let text = String::from_utf8_lossy(&o.stdout);
    text.trim()
        .parse()
        .map_err(|_| format!("probe {call} printed {text:?}, not a count"))
}

/// Run `prog args` under callgrind, its output file `file`; the
/// instructions it executed.
fn callgrind(prog: &Path, args: &[&str], file: &Path) -> Result<u64, String> {
    let st = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--quiet")
        .arg(format!("--callgrind-out-file={}", file.display()))
        .arg(prog)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("valgrind: {e}"))?;
    if !st.success() {
        return Err(format!(
            "{} under callgrind exited with {st}",
            prog.display()
        ));
    }
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    instructions_in(&text).ok_or_else(|| format!("{}: no totals line", file.display()))
}

/// The instruction total of a callgrind output file (its `summary:` or
/// `totals:` line; the first event is `Ir` unless asked otherwise).
fn instructions_in(callgrind_out: &str) -> Option<u64> {
    callgrind_out.lines().find_map(|l| {
        let rest = l
            .strip_prefix("summary:")
            .or_else(|| l.strip_prefix("totals:"))?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Thousands of instructions, as the README writes them.
fn kilo(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

fn table(all: &[Counts]) -> String {
    let mut s = String::from("\ninstructions (callgrind)");
    for (i, c) in all.iter().enumerate() {
        s.push_str(&format!("\n  [{i}] {}", c.tree.display()));
    }
    s.push_str(&format!("\n  {:<44}", "benchmark"));
    for i in 0..all.len() {
        s.push_str(&format!(" {:>12}", format!("[{i}]")));
    }
    let mut row = |what: &str, cell: &dyn Fn(&Counts) -> String| {
        s.push_str(&format!("\n  {what:<44}"));
        for c in all {
            s.push_str(&format!(" {:>12}", cell(c)));
        }
    };
    row("virsh list --all, whole process", &|c| {
        kilo(c.virsh_list as f64)
    });
    row("virsh binary, MB", &|c| {
        format!("{:.2}", c.virsh_bytes as f64 / 1e6)
    });
    for (i, call) in CALLS.iter().enumerate() {
        let per = if call.ends_with("-corpus") {
            "per file"
        } else {
            "per call"
        };
        row(&format!("{call}, {per}"), &|c| kilo(c.calls[i]));
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_totals_of_a_callgrind_file() {
        let out = "# callgrind format\nversion: 1\ncmd: virsh list\nevents: Ir\n\
                   fl=(1) a.c\nfn=(1) main\n5 12\n\nsummary: 626123\n\n\ntotals: 626123\n";
        assert_eq!(instructions_in(out), Some(626_123));
        assert_eq!(instructions_in("totals: 42 7\n"), Some(42));
        assert_eq!(instructions_in("events: Ir\nfn=(1) main\n"), None);
    }

    #[test]
    fn the_probe_keeps_the_release_settings_and_the_symbols() {
        let root = "[workspace]\nmembers = []\n\n[profile.dev]\ndebug = 1\n\n\
                    [profile.release]\nopt-level = 3\nlto = \"thin\"\nstrip = true\n\n\
                    [profile.bench]\ninherits = \"release\"\n";
        let m = probe_manifest(root, Path::new("/t/crates"));
        let release = &m[m.find("[profile.release]").expect("profile")..];
        assert!(release.contains("opt-level = 3\nlto = \"thin\"\n"), "{m}");
        assert!(release.contains("strip = false"), "{m}");
        assert!(!release.contains("strip = true"), "{m}");
        assert!(!release.contains("inherits"), "{m}");
        assert!(
            m.contains("virt-xml = { path = \"/t/crates/virt-xml\" }"),
            "{m}"
        );
        assert!(m.contains("\n[workspace]\n"), "{m}");
    }

    #[test]
    fn counts_print_in_thousands_above_ten_thousand() {
        assert_eq!(kilo(1136.4), "1136");
        assert_eq!(kilo(15_312.0), "15.3k");
        assert_eq!(kilo(626_000.0), "626.0k");
    }
}
