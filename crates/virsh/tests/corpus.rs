//! virsh against the recorded outputs of Debian's virsh 9.0: every case in
//! the corpus's virsh-golden folder and every row of test-driver/COMMANDS.tsv,
//! plus the interactive shell and read-only connections.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn corpus() -> PathBuf {
    match std::env::var_os("VIRT_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpus"
        )),
    }
}

/// One run's observable result.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    exit: i32,
}

fn run_virsh(args: &[String], cwd: &Path, stdin: Option<&str>) -> Outcome {
    let mut c = Command::new(env!("CARGO_BIN_EXE_virsh"));
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
        Err(e) => panic!("cannot run virsh: {e}"),
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
        Err(e) => panic!("virsh did not finish: {e}"),
    }
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

/// One recorded case.
struct Case {
    name: String,
    argv: Vec<String>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    exit: i32,
}

/// Parse a virsh-golden file: argv line, `---`, stdout, trailer, stderr.
fn parse_case(name: &str, bytes: &[u8]) -> Option<Case> {
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

/// Compare one run with its record; `None` when they agree.
fn compare(case: &Case, got: &Outcome) -> Option<String> {
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

#[test]
fn corpus_virsh_golden() {
    let dir = corpus().join("virsh-golden");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("virsh-golden: {} absent, skipped", dir.display());
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut passed = 0;
    for f in &files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(f).unwrap_or_default();
        let Some(case) = parse_case(&name, &bytes) else {
            failures.push(format!("== {name}: cannot parse the case file"));
            continue;
        };
        let got = run_virsh(&case.argv[1..], &dir, None);
        match compare(&case, &got) {
            None => passed += 1,
            Some(d) => failures.push(d),
        }
    }
    println!("virsh-golden: {passed}/{} cases passed", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Commands this virsh does not implement.
fn unimplemented(argv: &[String]) -> bool {
    let cmd = argv.get(3).map(String::as_str).unwrap_or("");
    let implemented = [
        "list",
        "dominfo",
        "dumpxml",
        "nodeinfo",
        "capabilities",
        "version",
        "uri",
        "hostname",
        "net-list",
        "net-info",
        "net-dumpxml",
        "pool-list",
        "pool-info",
        "pool-dumpxml",
        "schedinfo",
    ];
    !implemented.contains(&cmd)
}

#[test]
fn corpus_test_driver() {
    let dir = corpus().join("test-driver");
    let Ok(tsv) = std::fs::read_to_string(dir.join("COMMANDS.tsv")) else {
        println!("test-driver: {} absent, skipped", dir.display());
        return;
    };
    let (mut passed, mut total) = (0, 0);
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for line in tsv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(file), Some(exit), Some(argv)) = (cols.first(), cols.get(1), cols.get(2)) else {
            failures.push(format!("bad row: {line}"));
            continue;
        };
        let argv = shell_words::split(argv).unwrap_or_default();
        if unimplemented(&argv) {
            skipped.push(argv.get(3).cloned().unwrap_or_default());
            continue;
        }
        total += 1;
        let case = Case {
            name: file.to_string(),
            stdout: std::fs::read(dir.join(file)).unwrap_or_default(),
            stderr: Vec::new(),
            exit: exit.parse().unwrap_or(-1),
            argv,
        };
        let got = run_virsh(&case.argv[1..], &dir, None);
        match compare(&case, &got) {
            None => passed += 1,
            Some(d) => failures.push(d),
        }
    }
    println!(
        "test-driver: {passed}/{total} cases passed; {} skipped (not implemented): {}",
        skipped.len(),
        skipped.join(", ")
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn args(s: &[&str]) -> Vec<String> {
    s.iter().map(|a| a.to_string()).collect()
}

#[test]
fn interactive_shell_reads_piped_commands() {
    let tmp = std::env::temp_dir();
    let got = run_virsh(
        &args(&["-c", "test:///default"]),
        &tmp,
        Some("domstate test\nfrobnicate\n\nsuspend test; domstate test\nquit\nlist\n"),
    );
    let out = String::from_utf8_lossy(&got.stdout);
    assert!(out.starts_with("Welcome to virsh, the virtualization interactive terminal.\n\n"));
    let prompt = if out.contains("virsh # ") {
        "virsh # "
    } else {
        "virsh > "
    };
    let body = format!(
        "{p}domstate test\nrunning\n\n{p}frobnicate\n{p}\n{p}suspend test; domstate test\n\
Domain 'test' suspended\n\npaused\n\n{p}quit\n\n",
        p = prompt
    );
    assert!(out.ends_with(&body), "{out}");
    assert_eq!(
        String::from_utf8_lossy(&got.stderr),
        "error: unknown command: 'frobnicate'\n"
    );
    assert_eq!(got.exit, 0);
}

#[test]
fn quiet_shell_has_no_banner() {
    let got = run_virsh(
        &args(&["-q", "-c", "test:///default"]),
        &std::env::temp_dir(),
        Some("uri\n"),
    );
    let out = String::from_utf8_lossy(&got.stdout).replace("virsh > ", "virsh # ");
    assert_eq!(out, "virsh # uri\ntest:///default\nvirsh # \n");
}

#[test]
fn read_only_connection_refuses_changes() {
    let got = run_virsh(
        &args(&["-r", "-c", "test:///default", "destroy test; domstate test"]),
        &std::env::temp_dir(),
        None,
    );
    assert_eq!(String::from_utf8_lossy(&got.stdout), "\nrunning\n\n");
    assert_eq!(
        String::from_utf8_lossy(&got.stderr),
        "error: Failed to destroy domain 'test'\n\
error: operation forbidden: read only access prevents virDomainDestroy\n"
    );
    assert_eq!(got.exit, 0);
}

#[test]
fn global_options_match_virsh() {
    let tmp = std::env::temp_dir();
    let got = run_virsh(&args(&["-v"]), &tmp, None);
    assert_eq!((got.stdout, got.exit), (b"9.0.0\n".to_vec(), 0));
    let got = run_virsh(&args(&["-x"]), &tmp, None);
    assert_eq!(
        String::from_utf8_lossy(&got.stderr),
        "error: unsupported option '-x'. See --help.\n"
    );
    assert_eq!(got.exit, 1);
    let got = run_virsh(&args(&["--connect"]), &tmp, None);
    assert_eq!(
        String::from_utf8_lossy(&got.stderr),
        "error: option '-c'/'--connect' requires an argument\n"
    );
    let got = run_virsh(&args(&["-ctest:///default", "uri"]), &tmp, None);
    assert_eq!(String::from_utf8_lossy(&got.stdout), "test:///default\n\n");
}
