//! virsh next to Debian's virsh 9.0 on the same command lines: every line of
//! parity-commands.txt runs through both on a fresh test:///default, and
//! stdout, stderr and the exit code must match byte for byte (`CPU time:`
//! values masked). Skipped with a notice where /usr/bin/virsh is absent.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const REAL_VIRSH: &str = "/usr/bin/virsh";

fn golden_dir() -> PathBuf {
    let corpus = std::env::var_os("VIRT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus")));
    corpus.join("virsh-golden")
}

fn run(prog: &str, line: &str, cwd: &Path) -> (String, String, i32) {
    let out = Command::new(prog)
        .args(["-c", "test:///default", line])
        .current_dir(cwd)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("cannot run {prog}: {e}"),
    };
    let mask = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .split_inclusive('\n')
            .map(|l| if l.starts_with("CPU time:") { "CPU time: <masked>\n" } else { l })
            .collect::<String>()
    };
    (mask(&out.stdout), mask(&out.stderr), out.status.code().unwrap_or(-1))
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
    let tmp = std::env::temp_dir().join(format!("virsh-parity-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&tmp) {
        panic!("cannot create {}: {e}", tmp.display());
    }
    let cwd = if have_inputs { golden.clone() } else { tmp.clone() };
    let list = include_str!("parity-commands.txt");
    let (mut passed, mut skipped, mut failures) = (0, 0, Vec::new());
    for raw in list.lines().filter(|l| !l.trim().is_empty()) {
        if raw.contains("inputs/") && !have_inputs {
            skipped += 1;
            continue;
        }
        let line = raw.replace("{tmp}", &tmp.to_string_lossy());
        let ours = run(env!("CARGO_BIN_EXE_virsh"), &line, &cwd);
        let theirs = run(REAL_VIRSH, &line, &cwd);
        if ours == theirs {
            passed += 1;
        } else {
            failures.push(format!(
                "--- {line}\n  ours:   {ours:?}\n  theirs: {theirs:?}"
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    println!(
        "parity: {passed}/{} command lines identical to Debian's virsh ({skipped} skipped without the corpus inputs)",
        passed + failures.len()
    );
    assert!(failures.is_empty(), "{} differ:\n{}", failures.len(), failures.join("\n"));
}
