//! virsh next to Debian's virsh 9.0 on the same command lines: every line of
//! parity-commands.txt runs through both on a fresh test:///default, and
//! stdout, stderr and the exit code must match byte for byte (`CPU time:`
//! values masked). Lines starting with `#` are comments; `{here}` is
//! tests/inputs (our own XML files), `{tmp}` an emptied scratch folder.
//! Skipped with a notice where /usr/bin/virsh is absent.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use virt_testkit::process::{run_with_deadline, RunStatus};

const REAL_VIRSH: &str = "/usr/bin/virsh";

fn golden_dir() -> PathBuf {
    let corpus = std::env::var_os("VIRT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus"
            ))
        });
    corpus.join("virsh-golden")
}

/// How long one run may take. Debian's virsh now and then hangs at exit
/// after `save` or `dump` (its job-watching main thread polls for a worker
/// that has already gone: about one run in fifty on a quiet machine, nearly
/// one in two on a loaded one), so a run that overstays is killed and
/// tried again, up to `RUN_TRIES` times.
const RUN_LIMIT: Duration = Duration::from_secs(10);
const RUN_TRIES: usize = 8;

/// Run `prog` on one command line; `None` when it did not finish in time.
fn run_once(prog: &str, line: &str, cwd: &Path) -> Option<Output> {
    let run = run_with_deadline(
        Command::new(prog)
            .args(["-c", "test:///default", line])
            .current_dir(cwd)
            .env("LC_ALL", "C")
            .stdin(Stdio::null()),
        RUN_LIMIT,
    )
    .unwrap_or_else(|e| panic!("cannot run {prog}: {e}"));
    match run.status {
        RunStatus::Exited(status) => Some(Output {
            status,
            stdout: run.stdout,
            stderr: run.stderr,
        }),
        RunStatus::Hung(_) => None,
    }
}

fn run(prog: &str, line: &str, cwd: &Path) -> (String, String, i32) {
    let out = (0..RUN_TRIES).find_map(|_| run_once(prog, line, cwd));
    let Some(out) = out else {
        panic!("{prog} did not finish `{line}` in {RUN_LIMIT:?}, {RUN_TRIES} times");
    };
    let mask = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .split_inclusive('\n')
            .map(|l| {
                if l.starts_with("CPU time:") {
                    "CPU time: <masked>\n".to_string()
                } else {
                    mask_counter(&mask_times(l))
                }
            })
            .collect::<String>()
    };
    (
        mask(&out.stdout),
        mask(&out.stderr),
        out.status.code().unwrap_or(-1),
    )
}

/// Snapshot creation times (epoch seconds, ten digits, also the default
/// snapshot names) and their local-time form in `snapshot-list`
/// (`2026-12-04 19:43:27 +0000`) differ between two runs.
fn mask_times(line: &str) -> String {
    let b = line.as_bytes();
    let shape = |i: usize, pat: &[u8]| {
        b.len() >= i + pat.len()
            && pat.iter().enumerate().all(|(k, p)| match p {
                b'd' => b[i + k].is_ascii_digit(),
                b's' => b[i + k] == b'+' || b[i + k] == b'-',
                c => b[i + k] == *c,
            })
    };
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if shape(i, b"dddd-dd-dd dd:dd:dd sdddd") {
            out.push_str("<date>");
            i += 25;
        } else if shape(i, b"dddddddddd")
            && (i == 0 || !b[i - 1].is_ascii_digit())
            && !b.get(i + 10).is_some_and(u8::is_ascii_digit)
        {
            out.push_str("<time>");
            i += 10;
        } else {
            let ch = line[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// The counters libvirt's test driver makes up from the clock
/// (`domblkstat`, `domifstat`): the number masked, the line kept.
fn mask_counter(line: &str) -> String {
    const COUNTERS: &[&str] = &[
        "rd_req",
        "rd_bytes",
        "wr_req",
        "wr_bytes",
        "errs",
        "rx_bytes",
        "rx_packets",
        "rx_errs",
        "rx_drop",
        "tx_bytes",
        "tx_packets",
        "tx_errs",
        "tx_drop",
    ];
    const HUMAN: &[&str] = &[
        " number of read operations:",
        " number of bytes read:",
        " number of write operations:",
        " number of bytes written:",
        " error count:",
    ];
    let words: Vec<&str> = line.trim_end().split(' ').collect();
    let counted = matches!(words.as_slice(), [_, name, n]
        if COUNTERS.contains(name) && n.bytes().all(|b| b.is_ascii_digit()));
    if counted || HUMAN.iter().any(|h| line.starts_with(h)) {
        let kept = line
            .trim_end()
            .trim_end_matches(|c: char| c.is_ascii_digit());
        return format!("{kept}<n>\n");
    }
    line.to_string()
}

#[test]
fn parity_with_debian_virsh() {
    if !Path::new(REAL_VIRSH).exists() {
        println!("parity: {REAL_VIRSH} not installed (apt-get install libvirt-clients); skipped");
        return;
    }
    // Relative input paths (inputs/newdom.xml) resolve in the golden folder
    // when it is there; lines that need it are skipped otherwise.
    let golden = golden_dir();
    let have_inputs = golden.join("inputs").is_dir();
    // Removed when dropped, also when a comparison fails.
    let tmp_dir = virt_testkit::TempDir::new("virsh-parity");
    let tmp = tmp_dir.path().to_path_buf();
    let cwd = if have_inputs {
        golden.clone()
    } else {
        tmp.clone()
    };
    let list = include_str!("parity-commands.txt");
    let (mut passed, mut skipped, mut failures) = (0, 0, Vec::new());
    // `{tmp}` is a folder emptied before each run, so files one run leaves
    // (a saved image) cannot change the next.
    let scratch = tmp.join("scratch");
    let fresh = || {
        let _ = std::fs::remove_dir_all(&scratch);
        if let Err(e) = std::fs::create_dir_all(&scratch) {
            panic!("cannot create {}: {e}", scratch.display());
        }
    };
    for raw in list
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        if raw.contains("inputs/") && !have_inputs {
            skipped += 1;
            continue;
        }
        let line = raw.replace("{tmp}", &scratch.to_string_lossy()).replace(
            "{here}",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/inputs"),
        );
        fresh();
        let ours = run(env!("CARGO_BIN_EXE_virsh"), &line, &cwd);
        fresh();
        let theirs = run(REAL_VIRSH, &line, &cwd);
        if ours == theirs {
            passed += 1;
        } else {
            failures.push(format!(
                "--- {line}\n  ours:   {ours:?}\n  theirs: {theirs:?}"
            ));
        }
    }
    println!(
        "parity: {passed}/{} command lines identical to Debian's virsh ({skipped} skipped without the corpus inputs)",
        passed + failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
