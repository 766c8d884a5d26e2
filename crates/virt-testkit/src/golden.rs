//! The virsh-golden corpus: recorded runs of Debian's virsh 9.0 (argv,
//! stdout, stderr, exit code), read and compared with a new run. Used by
//! our virsh's tests and by the daemon's test that runs the real virsh
//! against virt-proxy.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One run's observable result.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
    /// Exit code (-1 when killed by a signal).
    pub exit: i32,
}

/// Run `program` with `args` in `cwd` the way the corpus was recorded
/// (LC_ALL=C, no default-URI variables), feeding `stdin` when given.
pub fn run(program: &Path, args: &[String], cwd: &Path, stdin: Option<&str>) -> Outcome {
    let mut c = Command::new(program);
    c.args(args)
        .current_dir(cwd)
        .env("LC_ALL", "C")
        .env_remove("LIBVIRT_DEFAULT_URI")
        .env_remove("VIRSH_DEFAULT_CONNECT_URI")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match c.spawn() {
        Ok(ch) => ch,
        Err(e) => panic!("cannot run {}: {e}", program.display()),
    };
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        use std::io::Write;
        let _ = pipe.write_all(text.as_bytes());
    }
    match child.wait_with_output() {
        Ok(o) => Outcome {
            stdout: o.stdout,
            stderr: o.stderr,
            exit: o.status.code().unwrap_or(-1),
        },
        Err(e) => panic!("{} did not finish: {e}", program.display()),
    }
}

/// One recorded case.
#[derive(Debug, Clone)]
pub struct Case {
    /// The file it came from.
    pub name: String,
    /// The command line, `virsh` first.
    pub argv: Vec<String>,
    /// Recorded standard output.
    pub stdout: Vec<u8>,
    /// Recorded standard error.
    pub stderr: Vec<u8>,
    /// Recorded exit code.
    pub exit: i32,
}

/// Replace the value of every `CPU time:` line (it comes from the clock).
fn mask_cpu_time(out: &[u8]) -> String {
    let text = String::from_utf8_lossy(out);
    let mut s = String::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("CPU time:") {
            s.push_str("CPU time: <masked>\n");
        } else {
            s.push_str(line);
        }
    }
    s
}

fn real_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// Parse a virsh-golden file: argv line, `---`, stdout, trailer, stderr.
pub fn parse_case(name: &str, bytes: &[u8]) -> Option<Case> {
    let nl = bytes.iter().position(|&b| b == b'\n')?;
    let argv = shell_words::split(std::str::from_utf8(&bytes[..nl]).ok()?).ok()?;
    let rest = bytes.get(nl + 1..)?.strip_prefix(b"---\n")?;
    let marker = b"--- exit=";
    let t = rest.windows(marker.len()).rposition(|w| w == marker)?;
    let trailer_end = t + rest[t..].iter().position(|&b| b == b'\n')?;
    let trailer = std::str::from_utf8(&rest[t..trailer_end]).ok()?;
    let field = |k: &str| -> Option<usize> {
        trailer
            .split_whitespace()
            .find_map(|w| w.strip_prefix(k))
            .and_then(|v| v.parse().ok())
    };
    let exit = field("exit=")? as i32;
    let out_len = field("stdout_bytes=")?;
    let err_len = field("stderr_bytes=")?;
    let stdout = rest[..t].to_vec();
    let stderr = rest.get(trailer_end + 1..)?.to_vec();
    if stdout.len() != out_len || stderr.len() != err_len {
        return None;
    }
    Some(Case {
        name: name.to_string(),
        argv,
        stdout,
        stderr,
        exit,
    })
}

/// The case files of a virsh-golden folder, sorted by name, each parsed
/// (`Err(name)` for a file that does not parse); `None` when the folder
/// is absent.
pub fn read_cases(dir: &Path) -> Option<Vec<Result<Case, String>>> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    Some(
        files
            .iter()
            .map(|f| {
                let name = f
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let bytes = std::fs::read(f).unwrap_or_default();
                parse_case(&name, &bytes).ok_or(name)
            })
            .collect(),
    )
}

/// Compare one run with its record; `None` when they agree.
pub fn compare(case: &Case, got: &Outcome) -> Option<String> {
    let is_hostname = case.argv.last().is_some_and(|a| a == "hostname");
    let (want_out, got_out) = if is_hostname {
        (
            format!("{}\n\n", real_hostname()),
            mask_cpu_time(&got.stdout),
        )
    } else {
        (mask_cpu_time(&case.stdout), mask_cpu_time(&got.stdout))
    };
    let mut diffs = Vec::new();
    if want_out != got_out {
        diffs.push(format!("stdout:\n--- want\n{want_out}--- got\n{got_out}"));
    }
    if case.stderr != got.stderr {
        diffs.push(format!(
            "stderr:\n--- want\n{}--- got\n{}",
            String::from_utf8_lossy(&case.stderr),
            String::from_utf8_lossy(&got.stderr)
        ));
    }
    if case.exit != got.exit {
        diffs.push(format!("exit: want {} got {}", case.exit, got.exit));
    }
    (!diffs.is_empty()).then(|| format!("== {} ({:?})\n{}", case.name, case.argv, diffs.join("\n")))
}

/// Run every case with `program` (in `dir`, where the cases' relative
/// paths point), each first passed through `rewrite` (a new URI in its
/// command line, say); how many passed, and a report of each failure.
pub fn run_cases(
    program: &Path,
    dir: &Path,
    cases: &[Result<Case, String>],
    rewrite: impl Fn(&Case) -> Case,
) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let mut passed = 0;
    for case in cases {
        let case = match case {
            Ok(c) => rewrite(c),
            Err(name) => {
                failures.push(format!("== {name}: cannot parse the case file"));
                continue;
            }
        };
        let got = run(program, &case.argv[1..], dir, None);
        match compare(&case, &got) {
            None => passed += 1,
            Some(d) => failures.push(d),
        }
    }
    (passed, failures)
}
