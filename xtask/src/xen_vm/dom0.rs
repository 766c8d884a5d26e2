//! The runner inside dom0 (`xtask xen-vm --in-dom0`, started by our
//! `/init` once xenstored is up): runs the real-Xen tests, creates the PV
//! guest with `xl`, runs the tests again against it, runs the benchmark and
//! drives our virsh, checking what it says against `xl`. Every outcome is
//! one line of `results.tsv` in the share, written as it happens, so a
//! crash or a timeout still leaves everything before it.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Manifest, Status, GUEST_NAME};

/// The share as dom0 sees it.
const SHARE: &str = "/share";
/// How long one test binary may take before it counts as hung.
const SUITE_TIMEOUT: Duration = Duration::from_secs(120);
/// How long `xl` and virsh commands may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// What a finished child process left.
struct Outcome {
    /// Exit code; `None` when killed (timeout) or signalled.
    code: Option<i32>,
    /// stdout and stderr together.
    output: String,
    seconds: f64,
}

impl Outcome {
    fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

/// Run `cmd` with stdout and stderr in `log` (then read back), killing it
/// after `limit`.
fn run_logged(cmd: &mut Command, log: &Path, limit: Duration) -> Outcome {
    let start = Instant::now();
    let fail = |output: String| Outcome {
        code: None,
        output,
        seconds: 0.0,
    };
    let file = match File::create(log) {
        Ok(f) => f,
        Err(e) => return fail(format!("cannot create {}: {e}", log.display())),
    };
    let err = match file.try_clone() {
        Ok(f) => f,
        Err(e) => return fail(format!("cannot share {}: {e}", log.display())),
    };
    let mut child = match cmd.stdin(Stdio::null()).stdout(file).stderr(err).spawn() {
        Ok(c) => c,
        Err(e) => return fail(format!("cannot start {cmd:?}: {e}")),
    };
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if start.elapsed() > limit => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => break None,
        }
    };
    let mut output = std::fs::read_to_string(log).unwrap_or_default();
    if timed_out {
        output.push_str(&format!("\n(killed after {} s)\n", limit.as_secs()));
        let _ = std::fs::write(log, &output);
    }
    Outcome {
        code: if timed_out {
            None
        } else {
            status.and_then(|s| s.code())
        },
        output,
        seconds: start.elapsed().as_secs_f64(),
    }
}

/// The results file and the log folder.
struct Recorder {
    results: File,
    logs: PathBuf,
    seq: u32,
    failed: u32,
}

impl Recorder {
    fn open() -> std::io::Result<Recorder> {
        let share = Path::new(SHARE);
        let logs = share.join("logs");
        std::fs::create_dir_all(&logs)?;
        Ok(Recorder {
            results: File::create(share.join("results.tsv"))?,
            logs,
            seq: 0,
            failed: 0,
        })
    }

    /// A fresh log file name for the next step.
    fn log_path(&mut self, label: &str) -> PathBuf {
        self.seq += 1;
        let clean: String = label
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(80)
            .collect();
        self.logs.join(format!("{:03}-{clean}.log", self.seq))
    }

    /// Record a step; `seconds` is `None` for a test that ran in one
    /// process with others (libtest does not time them on stable Rust).
    fn record(
        &mut self,
        phase: &str,
        name: &str,
        status: Status,
        seconds: Option<f64>,
        log: &Path,
    ) {
        if status == Status::Fail {
            self.failed += 1;
        }
        let log_name = log.file_name().and_then(|n| n.to_str()).unwrap_or("-");
        let secs = seconds.map_or("-".to_string(), |s| format!("{s:.3}"));
        let line = format!("{phase}\t{name}\t{}\t{secs}\t{log_name}\n", status.word());
        println!("XENVM: {} [{phase}] {name} ({secs} s)", status.word());
        let _ = self.results.write_all(line.as_bytes());
        let _ = self.results.sync_data();
    }

    /// Record a check whose evidence is `text`.
    fn check(&mut self, phase: &str, name: &str, ok: bool, seconds: f64, text: &str) {
        let log = self.log_path(name);
        let _ = std::fs::write(&log, text);
        let status = if ok { Status::Pass } else { Status::Fail };
        self.record(phase, name, status, Some(seconds), &log);
    }
}

/// The tests of one libtest binary (`--list --format terse`).
fn list_tests(bin: &Path) -> Result<Vec<String>, String> {
    let out = Command::new(bin)
        .args(["--list", "--format", "terse"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} --list failed: {}",
            bin.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_string)
        .collect())
}

/// What names a test that ends the guest's life: such tests run last, one
/// guest each.
const DESTROY: &str = "destroy";

fn destroys_guest(test: &str) -> bool {
    test.contains(DESTROY)
}

/// A test binary and its tests.
struct Suite {
    label: String,
    bin: PathBuf,
    tests: Vec<String>,
}

fn test_env(cmd: &mut Command, guest: Option<&str>) {
    cmd.env("VIRT_XEN_REAL", "1").env("RUST_BACKTRACE", "1");
    match guest {
        Some(g) => cmd.env("VIRT_XEN_GUEST", g),
        None => cmd.env_remove("VIRT_XEN_GUEST"),
    };
}

/// How libtest reported one test, with what it printed.
struct TestReport {
    status: Status,
    output: String,
}

/// Parse libtest's plain report of a `--test-threads=1 --show-output` run:
/// "test NAME ... ok|FAILED|ignored" lines, and "---- NAME stdout ----"
/// sections with each test's captured output.
fn parse_libtest(text: &str) -> std::collections::BTreeMap<String, TestReport> {
    let mut out = std::collections::BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("test ") else {
            continue;
        };
        let Some((name, verdict)) = rest.split_once(" ... ") else {
            continue;
        };
        let status = if verdict.starts_with("ok") {
            Status::Pass
        } else if verdict.starts_with("ignored") {
            Status::Skip
        } else {
            Status::Fail
        };
        out.insert(
            name.to_string(),
            TestReport {
                status,
                output: String::new(),
            },
        );
    }
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" stdout ----"))
        {
            current = Some(name.to_string());
            continue;
        }
        if matches!(line, "failures:" | "successes:") || line.starts_with("test result:") {
            current = None;
            continue;
        }
        if let Some(r) = current.as_ref().and_then(|n| out.get_mut(n)) {
            r.output.push_str(line);
            r.output.push('\n');
        }
    }
    out
}

/// Run the tests of `suite` selected by `args` (libtest filters) in one
/// process, and record each: a test that printed our "skipped:" notice
/// counts as skipped; a test listed but never reported (the binary
/// crashed or hung) as failed.
fn run_suite(
    rec: &mut Recorder,
    phase: &str,
    suite: &Suite,
    wanted: &[&String],
    args: &[&str],
    guest: Option<&str>,
) {
    if wanted.is_empty() {
        return;
    }
    let log = rec.log_path(&format!("{phase}-{}", suite.label));
    let mut cmd = Command::new(&suite.bin);
    cmd.args(args).args(["--test-threads=1", "--show-output"]);
    test_env(&mut cmd, guest);
    let o = run_logged(&mut cmd, &log, SUITE_TIMEOUT);
    let reports = parse_libtest(&o.output);
    println!(
        "XENVM: [{phase}] {}: {} tests in {:.2} s",
        suite.label,
        wanted.len(),
        o.seconds
    );
    for t in wanted {
        let name = format!("{}::{t}", suite.label);
        let tlog = rec.log_path(&format!("{phase}-{name}"));
        let (status, text) = match reports.get(t.as_str()) {
            Some(r) if r.status == Status::Pass && r.output.contains("skipped:") => {
                (Status::Skip, r.output.clone())
            }
            Some(r) => (r.status, r.output.clone()),
            None => (
                Status::Fail,
                format!(
                    "not reported: the test binary crashed or was killed (exit {:?}); its output:\n{}",
                    o.code, o.output
                ),
            ),
        };
        let _ = std::fs::write(&tlog, text);
        rec.record(phase, &name, status, None, &tlog);
    }
}

fn run_xl(rec: &mut Recorder, args: &[&str]) -> Outcome {
    let log = rec.log_path(&format!("xl-{}", args.join("-")));
    run_logged(Command::new("xl").args(args), &log, COMMAND_TIMEOUT)
}

/// The state column of `xl list NAME` ("r-----", "--p---", ...), or `None`
/// when xl does not know the domain.
fn xl_state(rec: &mut Recorder, name: &str) -> Option<String> {
    let o = run_xl(rec, &["list", name]);
    if !o.ok() {
        return None;
    }
    o.output
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .and_then(|l| l.split_whitespace().nth(4))
        .map(str::to_string)
}

/// `xl domid NAME`.
fn xl_domid(rec: &mut Recorder, name: &str) -> Option<u32> {
    let o = run_xl(rec, &["domid", name]);
    o.ok().then(|| o.output.trim().parse().ok()).flatten()
}

/// Create a guest named `name` (from the one config; xl takes the name as
/// an override), recorded as a step of `phase`.
fn create_guest(rec: &mut Recorder, phase: &str, name: &str) -> bool {
    let cfg = format!("/etc/xen/{GUEST_NAME}.cfg");
    let over = format!("name=\"{name}\"");
    let log = rec.log_path(&format!("xl-create-{name}"));
    let o = run_logged(
        Command::new("xl").args(["create", &cfg, &over]),
        &log,
        COMMAND_TIMEOUT,
    );
    let status = if o.ok() { Status::Pass } else { Status::Fail };
    rec.record(
        phase,
        &format!("xl create {name}"),
        status,
        Some(o.seconds),
        &log,
    );
    o.ok()
}

/// Our virsh against `xen:///`; (exit code, stdout+stderr).
fn virsh(rec: &mut Recorder, bin: &Path, args: &[&str]) -> Outcome {
    let log = rec.log_path(&format!("virsh-{}", args.join("-")));
    run_logged(
        Command::new(bin).args(["-c", "xen:///"]).args(args),
        &log,
        COMMAND_TIMEOUT,
    )
}

/// The value of a `virsh dominfo` field ("State:   running" -> "running").
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .map(str::trim)
}

fn running_or_idle(state: Option<&str>) -> bool {
    matches!(state, Some("running") | Some("idle"))
}

/// What virsh printed and what was expected, for the log.
fn evidence(o: &Outcome, expect: &str) -> String {
    format!(
        "exit code: {:?}\nexpected: {expect}\n--- output ---\n{}",
        o.code, o.output
    )
}

/// The result phase of the virsh checks.
const PHASE: &str = "virsh";

/// virsh list/dominfo/suspend/resume on the running guest, each checked
/// against xl's view of the same domain.
fn virsh_checks(rec: &mut Recorder, bin: &Path, guest: &str) {
    let id = xl_domid(rec, guest);

    let o = virsh(rec, bin, &["list", "--all"]);
    let row = |o: &Outcome, name: &str| -> Option<Vec<String>> {
        o.output
            .lines()
            .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .find(|w| w.get(1).map(String::as_str) == Some(name))
    };
    let dom0 = row(&o, "Domain-0");
    let g = row(&o, guest);
    let ok = o.ok()
        && o.output
            .lines()
            .next()
            .is_some_and(|h| h.contains("Id") && h.contains("Name") && h.contains("State"))
        && dom0.as_ref().and_then(|r| r.first()).map(String::as_str) == Some("0")
        && dom0.as_ref().and_then(|r| r.get(2)).map(String::as_str) == Some("running")
        && g.as_ref()
            .and_then(|r| r.first())
            .and_then(|i| i.parse().ok())
            == id
        && running_or_idle(g.as_ref().and_then(|r| r.get(2)).map(String::as_str));
    let why = format!("rows for Domain-0 (id 0, running) and {guest} (id {id:?}, running or idle)");
    rec.check(
        PHASE,
        "virsh list --all",
        ok,
        o.seconds,
        &evidence(&o, &why),
    );

    let o = virsh(rec, bin, &["dominfo", guest]);
    let ok = o.ok()
        && field(&o.output, "Name") == Some(guest)
        && field(&o.output, "Id").and_then(|i| i.parse().ok()) == id
        && field(&o.output, "CPU(s)") == Some("1")
        && field(&o.output, "OS Type") == Some("linux")
        && running_or_idle(field(&o.output, "State"));
    let why = format!("Name {guest}, Id {id:?}, CPU(s) 1, OS Type linux, State running or idle");
    rec.check(
        PHASE,
        &format!("virsh dominfo {guest}"),
        ok,
        o.seconds,
        &evidence(&o, &why),
    );

    pause_check(rec, bin, guest, "suspend", "suspended", true);
    pause_check(rec, bin, guest, "resume", "resumed", false);
}

/// virsh suspend or resume (`cmd`, printing "Domain 'NAME' DONE"), checked
/// with xl (its state column has a 'p' exactly when `paused`) and with
/// virsh dominfo (paused, or running/idle).
fn pause_check(rec: &mut Recorder, bin: &Path, guest: &str, cmd: &str, done: &str, paused: bool) {
    let o = virsh(rec, bin, &[cmd, guest]);
    let xl = xl_state(rec, guest);
    let info = virsh(rec, bin, &["dominfo", guest]);
    let said = format!("Domain '{guest}' {done}");
    let state = field(&info.output, "State");
    let ok = o.ok()
        && o.output.contains(&said)
        && xl.as_deref().is_some_and(|s| s.contains('p') == paused)
        && if paused {
            state == Some("paused")
        } else {
            running_or_idle(state)
        };
    let wanted = if paused { "a 'p'" } else { "no 'p'" };
    let text = format!(
        "{}\nxl list state: {xl:?} (wanted {wanted})\n--- dominfo after ---\n{}",
        evidence(&o, &said),
        info.output
    );
    rec.check(PHASE, &format!("virsh {cmd} {guest}"), ok, o.seconds, &text);
}

/// virsh destroy, checked with xl (the domain must be gone, allowing the
/// hypervisor a moment to tear it down) and with virsh list.
fn virsh_destroy(rec: &mut Recorder, bin: &Path, guest: &str) {
    let o = virsh(rec, bin, &["destroy", guest]);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut xl = xl_state(rec, guest);
    while xl.is_some() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        xl = xl_state(rec, guest);
    }
    let list = virsh(rec, bin, &["list", "--all"]);
    let listed = list
        .output
        .lines()
        .any(|l| l.split_whitespace().nth(1) == Some(guest));
    let ok = o.ok()
        && o.output.contains(&format!("Domain '{guest}' destroyed"))
        && xl.is_none()
        && list.ok()
        && !listed;
    let text = format!(
        "{}\nxl list after: {xl:?} (wanted: unknown)\n--- virsh list --all after ---\n{}",
        evidence(&o, &format!("Domain '{guest}' destroyed")),
        list.output
    );
    rec.check(
        PHASE,
        &format!("virsh destroy {guest}"),
        ok,
        o.seconds,
        &text,
    );
}

/// Wait (bounded) for the guest kernel's hello on its console log.
fn guest_booted(name: &str, limit: Duration) -> (bool, String) {
    let path = format!("/var/log/xen/console/guest-{name}.log");
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if let Some(l) = text.lines().find(|l| l.contains("XENVM-GUEST-HELLO")) {
            return (true, l.to_string());
        }
        if start.elapsed() > limit {
            let tail: Vec<&str> = text.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return (
                false,
                format!(
                    "no hello in {path} after {limit:?}; its end:\n{}",
                    tail.join("\n")
                ),
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Make sure a guest is running for a destructive step: reuse `current`
/// if xl still knows it, else create the next one.
fn fresh_guest(rec: &mut Recorder, current: &mut String, serial: &mut u32) -> bool {
    if xl_state(rec, current).is_some() {
        return true;
    }
    *serial += 1;
    *current = format!("{GUEST_NAME}-{serial}");
    let name = current.clone();
    create_guest(rec, "destroy", &name)
}

/// Note a point of the run on the console (the host prints these as the
/// run's timeline), with dom0's uptime.
fn mark(what: &str) {
    let up = std::fs::read_to_string("/proc/uptime").unwrap_or_default();
    let up = up.split_whitespace().next().unwrap_or("?").to_string();
    println!("XENVM: T+{up}s {what}");
}

/// Copy the files of `from` into `to` (created), keeping permissions.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        std::fs::copy(e.path(), to.join(e.file_name()))?;
    }
    Ok(())
}

/// `xtask xen-vm --in-dom0`.
pub fn main() -> i32 {
    let started = Instant::now();
    mark("runner started");
    let mut rec = match Recorder::open() {
        Ok(r) => r,
        Err(e) => {
            println!("XENVM: cannot write results into {SHARE}: {e}");
            return 1;
        }
    };
    let manifest = match Manifest::read(&Path::new(SHARE).join("manifest.tsv")) {
        Ok(m) => m,
        Err(e) => {
            println!("XENVM: {e}");
            return 1;
        }
    };
    // Programs run from dom0's RAM: 9p has no page cache by default, so
    // every start of a binary on the share would read it from the host again.
    let bin_dir = PathBuf::from("/tmp/xen-vm-bin");
    if let Err(e) = copy_dir(&Path::new(SHARE).join("bin"), &bin_dir) {
        println!("XENVM: cannot copy the test binaries into dom0: {e}");
        return 1;
    }
    mark("binaries copied into dom0's memory");

    // xl's own view first: if this fails nothing after it means much.
    let o = run_xl(&mut rec, &["list"]);
    let ok = o.ok() && o.output.lines().any(|l| l.starts_with("Domain-0 "));
    rec.check("dom0", "xl list shows Domain-0", ok, o.seconds, &o.output);

    let mut suites = Vec::new();
    for t in &manifest.tests {
        let bin = bin_dir.join(&t.file);
        match list_tests(&bin) {
            Ok(tests) => suites.push(Suite {
                label: t.label.clone(),
                bin,
                tests,
            }),
            Err(e) => rec.check("dom0", &format!("{} --list", t.label), false, 0.0, &e),
        }
    }

    // 1. dom0 alone.
    mark("tests in dom0, no guest");
    for s in &suites {
        let all: Vec<&String> = s.tests.iter().collect();
        run_suite(&mut rec, "dom0", s, &all, &[], None);
    }

    // 2. A PV guest, then everything again that leaves it alive.
    let mut guest = GUEST_NAME.to_string();
    let mut serial = 0u32;
    mark("xl create");
    let created = create_guest(&mut rec, "guest", &guest);
    if created {
        // Tests start once the guest kernel is up and idle: while it boots
        // it takes half of the emulated machine.
        let t = Instant::now();
        let (ok, text) = guest_booted(&guest, Duration::from_secs(60));
        rec.check(
            "guest",
            "guest kernel booted (console hello)",
            ok,
            t.elapsed().as_secs_f64(),
            &text,
        );
        mark("tests with the guest");
        for s in &suites {
            let keep: Vec<&String> = s.tests.iter().filter(|t| !destroys_guest(t)).collect();
            run_suite(
                &mut rec,
                "guest",
                s,
                &keep,
                &["--skip", DESTROY],
                Some(&guest),
            );
        }
        if let Some(b) = &manifest.bench {
            mark("benchmark");
            let log = rec.log_path("bench");
            let mut cmd = Command::new(bin_dir.join(&b.file));
            cmd.arg("--bench").env("XEN_LISTING_SECS", "0.5");
            test_env(&mut cmd, Some(&guest));
            let o = run_logged(&mut cmd, &log, SUITE_TIMEOUT);
            let _ = std::fs::write(Path::new(SHARE).join("bench.txt"), &o.output);
            let status = if o.ok() { Status::Pass } else { Status::Fail };
            rec.record("bench", &b.label, status, Some(o.seconds), &log);
        }
        if let Some(v) = &manifest.virsh {
            mark("virsh");
            virsh_checks(&mut rec, &bin_dir.join(&v.file), &guest);
        }
    }

    // 3. Whatever destroys the guest, each with a live one.
    if created {
        mark("destroying tests");
        for s in &suites {
            for t in s.tests.iter().filter(|t| destroys_guest(t)) {
                if fresh_guest(&mut rec, &mut guest, &mut serial) {
                    run_suite(&mut rec, "destroy", s, &[t], &[t, "--exact"], Some(&guest));
                }
            }
        }
        if let Some(v) = &manifest.virsh {
            if fresh_guest(&mut rec, &mut guest, &mut serial) {
                virsh_destroy(&mut rec, &bin_dir.join(&v.file), &guest);
            }
        }
    }

    mark("runner done");
    let done = format!(
        "runner {:.1} s, {} failed\n",
        started.elapsed().as_secs_f64(),
        rec.failed
    );
    let _ = std::fs::write(Path::new(SHARE).join("done"), done);
    i32::from(rec.failed > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_report_gives_each_test_its_verdict_and_output() {
        let text = "\nrunning 4 tests\n\
            test a_passes ... ok\n\
            test b_fails ... FAILED\n\
            test c_ignored ... ignored, needs a disk\n\
            test d_skips ... ok\n\n\
            successes:\n\n\
            ---- a_passes stdout ----\nread Domain-0\n\n\
            ---- d_skips stdout ----\nskipped: no guest (set VIRT_XEN_GUEST)\n\n\
            successes:\n    a_passes\n    d_skips\n\n\
            failures:\n\n\
            ---- b_fails stdout ----\nthread 'b_fails' panicked at x.rs:1:1:\nboom\n\n\
            failures:\n    b_fails\n\n\
            test result: FAILED. 2 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out\n";
        let r = parse_libtest(text);
        let status = |n: &str| r.get(n).map(|t| t.status);
        assert_eq!(status("a_passes"), Some(Status::Pass));
        assert_eq!(status("b_fails"), Some(Status::Fail));
        assert_eq!(status("c_ignored"), Some(Status::Skip));
        assert_eq!(status("d_skips"), Some(Status::Pass));
        assert!(r["a_passes"].output.contains("read Domain-0"));
        assert!(r["d_skips"].output.contains("skipped:"));
        assert!(r["b_fails"].output.contains("boom"));
        assert!(!r["a_passes"].output.contains("boom"));
    }

    #[test]
    fn destroying_tests_are_told_apart() {
        assert!(destroys_guest("guest_destroy_makes_it_gone"));
        assert!(!destroys_guest("guest_suspend_and_resume"));
    }

    #[test]
    fn dominfo_fields() {
        let text =
            "Id:             3\nName:           g\nState:          paused\nCPU(s):         1\n";
        assert_eq!(field(text, "State"), Some("paused"));
        assert_eq!(field(text, "Id"), Some("3"));
        assert_eq!(field(text, "OS Type"), None);
    }
}
