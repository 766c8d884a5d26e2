//! `cargo xtask xen-vm`: the real-Xen harness.
//!
//! Boots Debian 12's Xen 4.17 with a Debian dom0 kernel under QEMU (TCG:
//! the nested KVM of CI machines cannot run Xen), and runs inside dom0,
//! against the real hypervisor and the real xenstored:
//!
//! 1. every real-Xen integration test of the workspace (test targets named
//!    `real_*` in virt-xenstore, virt-xen-hv and virt-xen), each test in its
//!    own process, with `VIRT_XEN_REAL=1`;
//! 2. after `xl create` of a PV guest, the same tests with
//!    `VIRT_XEN_GUEST=<name>` (tests with "destroy" in their name run last,
//!    each with a guest of its own), the `xen_listing` benchmark of
//!    virt-xen, and our virsh (`-c xen:///`: list, dominfo, suspend,
//!    resume, destroy), each answer checked against `xl`.
//!
//! The VM is made from Debian's packages, fetched with `apt-get download`
//! and cached in `target/xen-vm/` (see [`prepare`] and [`initramfs`]); the
//! test binaries are built by cargo as usual and reach dom0 through a 9p
//! share. Results come back through the same share; the host prints one
//! line per test, the benchmark's figures and a summary, and exits non-zero
//! when a test fails or the VM does not finish.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod dom0;
pub(crate) mod initramfs;
mod prepare;

use crate::vm::{cargo, cargo_executables, copy_stripped, run_until_off, Artifact};
pub use crate::vm::{run, tool, Failure};

/// The PV guest's name (later guests get `-1`, `-2`, ...).
pub const GUEST_NAME: &str = "virtrs-guest";

/// Crates whose `real_*` test targets run in dom0.
const TEST_CRATES: &[&str] = &["virt-xenstore", "virt-xen-hv", "virt-xen"];

/// The benchmark run in dom0: (crate, bench target).
const BENCH: (&str, &str) = ("virt-xen", "xen_listing");

/// Hypervisor command line: the serial console, a fixed dom0 size, and
/// `smap=0` (under TCG with `-cpu max`, dom0 faults on its first
/// instruction with SMAP on).
const XEN_ARGS: &str = "console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M \
                        dom0_max_vcpus=1 noreboot smap=0 console_timestamps=boot";

/// dom0 kernel command line: the Xen console, and no reboot loop on panic.
const DOM0_ARGS: &str = "console=hvc0 earlyprintk=xen panic=-1 quiet";

/// The outcome of one step in dom0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It did what it should.
    Pass,
    /// It did not (or hung, or crashed).
    Fail,
    /// It ran but said it had nothing to check (ignored, or "skipped:").
    Skip,
}

impl Status {
    /// The word in results.tsv and on the host's report.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        }
    }

    fn from_word(w: &str) -> Option<Status> {
        [Status::Pass, Status::Fail, Status::Skip]
            .into_iter()
            .find(|s| s.word() == w)
    }
}

/// A program copied into the share: its label and its file in `bin/`.
#[derive(Debug, Clone)]
pub struct Program {
    /// "crate/target", for the report.
    pub label: String,
    /// File name under the share's `bin/`.
    pub file: String,
}

/// What the host put into the share for dom0 to run (`manifest.tsv`).
#[derive(Debug, Default)]
pub struct Manifest {
    /// libtest binaries.
    pub tests: Vec<Program>,
    /// The listing benchmark, if built.
    pub bench: Option<Program>,
    /// virsh with the xen feature, if built.
    pub virsh: Option<Program>,
}

impl Manifest {
    fn write(&self, path: &Path) -> Result<(), Failure> {
        let mut text = String::new();
        for t in &self.tests {
            text.push_str(&format!("test\t{}\t{}\n", t.label, t.file));
        }
        for (kind, p) in [("bench", &self.bench), ("virsh", &self.virsh)] {
            if let Some(p) = p {
                text.push_str(&format!("{kind}\t{}\t{}\n", p.label, p.file));
            }
        }
        std::fs::write(path, text).map_err(|e| Failure::io(path, e))
    }

    /// Read the share's manifest.
    pub fn read(path: &Path) -> Result<Manifest, Failure> {
        let text = std::fs::read_to_string(path).map_err(|e| Failure::io(path, e))?;
        let mut m = Manifest::default();
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let [kind, label, file] = f.as_slice() else {
                return Err(Failure::new(format!("bad manifest line: {line}")));
            };
            let p = Program {
                label: label.to_string(),
                file: file.to_string(),
            };
            match *kind {
                "test" => m.tests.push(p),
                "bench" => m.bench = Some(p),
                "virsh" => m.virsh = Some(p),
                _ => return Err(Failure::new(format!("bad manifest kind: {kind}"))),
            }
        }
        Ok(m)
    }
}

/// Package name -> (test targets, bench targets, features) of the workspace.
struct Package {
    name: String,
    tests: Vec<String>,
    benches: Vec<String>,
    features: Vec<String>,
}

fn workspace_packages() -> Result<Vec<Package>, Failure> {
    let out = run(cargo().args(["metadata", "--no-deps", "--format-version", "1"]))?;
    let v: serde_json::Value =
        serde_json::from_str(&out).map_err(|e| Failure::new(format!("cargo metadata: {e}")))?;
    let mut list = Vec::new();
    for p in v["packages"].as_array().into_iter().flatten() {
        let mut pkg = Package {
            name: p["name"].as_str().unwrap_or_default().to_string(),
            tests: Vec::new(),
            benches: Vec::new(),
            features: p["features"]
                .as_object()
                .map(|f| f.keys().cloned().collect())
                .unwrap_or_default(),
        };
        for t in p["targets"].as_array().into_iter().flatten() {
            let name = t["name"].as_str().unwrap_or_default().to_string();
            let kinds: Vec<&str> = t["kind"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|k| k.as_str())
                .collect();
            if kinds.contains(&"test") {
                pkg.tests.push(name);
            } else if kinds.contains(&"bench") {
                pkg.benches.push(name);
            }
        }
        list.push(pkg);
    }
    Ok(list)
}

/// What the build step produced, before it goes into the share.
struct Built {
    tests: Vec<Artifact>,
    bench: Option<Artifact>,
    virsh: Option<Artifact>,
    /// Things that could not be built yet, reported as failures.
    missing: Vec<String>,
}

fn build_binaries() -> Result<Built, Failure> {
    let packages = workspace_packages()?;
    let mut built = Built {
        tests: Vec::new(),
        bench: None,
        virsh: None,
        missing: Vec::new(),
    };

    // One cargo run per crate: a crate that does not build yet costs
    // only its own tests.
    for p in packages
        .iter()
        .filter(|p| TEST_CRATES.contains(&p.name.as_str()))
    {
        let real: Vec<&String> = p.tests.iter().filter(|t| t.starts_with("real_")).collect();
        if real.is_empty() {
            built
                .missing
                .push(format!("{}: no real_* test target", p.name));
            continue;
        }
        eprintln!("xen-vm: building the real-Xen tests of {}", p.name);
        let mut cmd = cargo();
        cmd.args(["test", "--no-run", "-p", &p.name]);
        for t in real {
            cmd.args(["--test", t]);
        }
        match cargo_executables(&mut cmd) {
            Ok(found) => built.tests.extend(found),
            Err(e) => built
                .missing
                .push(format!("{}: tests do not build: {e}", p.name)),
        }
    }

    let (bench_crate, bench_name) = BENCH;
    if packages
        .iter()
        .any(|p| p.name == bench_crate && p.benches.iter().any(|b| b == bench_name))
    {
        eprintln!("xen-vm: building the {bench_name} benchmark (release)");
        match cargo_executables(cargo().args([
            "bench",
            "--no-run",
            "-p",
            bench_crate,
            "--bench",
            bench_name,
        ])) {
            Ok(found) => built.bench = found.into_iter().find(|a| a.target == bench_name),
            Err(e) => built
                .missing
                .push(format!("{bench_crate}: {bench_name} does not build: {e}")),
        }
    } else {
        built
            .missing
            .push(format!("{bench_crate}: no {bench_name} benchmark"));
    }

    if packages
        .iter()
        .any(|p| p.name == "virsh" && p.features.iter().any(|f| f == "xen"))
    {
        eprintln!("xen-vm: building virsh --features xen");
        match cargo_executables(cargo().args([
            "build",
            "-p",
            "virsh",
            "--bin",
            "virsh",
            "--features",
            "xen",
        ])) {
            Ok(found) => built.virsh = found.into_iter().find(|a| a.target == "virsh"),
            Err(e) => built
                .missing
                .push(format!("virsh --features xen does not build: {e}")),
        }
    } else {
        built.missing.push("virsh: no `xen` feature".into());
    }
    Ok(built)
}

/// Fill the 9p share: binaries, libraries dom0 lacks, this program (the
/// runner), the manifest. Old results are removed first.
fn fill_share(share: &Path, built: &Built, dom0_libs: &BTreeSet<String>) -> Result<(), Failure> {
    if share.exists() {
        std::fs::remove_dir_all(share).map_err(|e| Failure::io(share, e))?;
    }
    let bin = share.join("bin");
    let lib = share.join("lib");
    for d in [&bin, &lib] {
        std::fs::create_dir_all(d).map_err(|e| Failure::io(d, e))?;
    }
    let copy = |from: &Path, to: &Path| -> Result<(), Failure> {
        std::fs::copy(from, to)
            .map(|_| ())
            .map_err(|e| Failure::new(format!("copy {} -> {}: {e}", from.display(), to.display())))
    };
    let mut manifest = Manifest::default();
    let mut programs = Vec::new();
    let mut put = |a: &Artifact| -> Result<Program, Failure> {
        let file = format!("{}.{}", a.package, a.target);
        copy_stripped(&a.path, &bin.join(&file))?;
        programs.push(a.path.clone());
        Ok(Program {
            label: format!("{}/{}", a.package, a.target),
            file,
        })
    };
    for a in &built.tests {
        manifest.tests.push(put(a)?);
    }
    if let Some(a) = &built.bench {
        manifest.bench = Some(put(a)?);
    }
    if let Some(a) = &built.virsh {
        manifest.virsh = Some(put(a)?);
    }
    let me = std::env::current_exe().map_err(|e| Failure::new(format!("current_exe: {e}")))?;
    copy(&me, &share.join("xtask"))?;
    programs.push(me);
    for (name, path) in initramfs::missing_libraries(&programs, dom0_libs)? {
        copy(&path, &lib.join(name))?;
    }
    manifest.write(&share.join("manifest.tsv"))
}

/// QEMU's `-initrd` list separates modules with commas: double any inside.
fn qemu_escape(s: &str) -> String {
    s.replace(',', ",,")
}

/// Boot the VM and wait for it to power off (or kill it at `limit`);
/// returns the wall time, or why it did not finish.
fn boot(
    p: &prepare::Prepared,
    initrd: &Path,
    share: &Path,
    serial: &Path,
    limit: Duration,
) -> Result<f64, Failure> {
    let qemu = tool("qemu-system-x86_64", "qemu-system-x86")?;
    let modules = format!(
        "{} {DOM0_ARGS},{}",
        qemu_escape(&p.boot_kernel.to_string_lossy()),
        qemu_escape(&initrd.to_string_lossy())
    );
    let virtfs = format!(
        "local,path={},mount_tag=host0,security_model=none,id=host0",
        qemu_escape(&share.to_string_lossy())
    );
    let mut vm = Command::new(qemu);
    vm.args(["-accel", "tcg", "-cpu", "max", "-m", "2048", "-smp", "2"])
        .args(["-nographic", "-no-reboot", "-kernel"])
        .arg(&p.hypervisor)
        .args(["-append", XEN_ARGS, "-initrd", &modules, "-virtfs", &virtfs]);
    run_until_off(vm, serial, limit)
}

/// The last `n` lines of a file, for a failure report.
fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Counted outcomes of a run.
#[derive(Default)]
struct Tally {
    pass: u32,
    fail: u32,
    skip: u32,
}

/// Print results.tsv, one line per step, and the logs of failures.
fn report(share: &Path, tally: &mut Tally) {
    let path = share.join("results.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut failed_logs = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let [phase, name, status, secs, log] = f.as_slice() else {
            continue;
        };
        let Some(status) = Status::from_word(status) else {
            continue;
        };
        match status {
            Status::Pass => tally.pass += 1,
            Status::Fail => {
                tally.fail += 1;
                failed_logs.push((format!("[{phase}] {name}"), share.join("logs").join(log)));
            }
            Status::Skip => tally.skip += 1,
        }
        let time = if *secs == "-" {
            String::new()
        } else {
            format!(" ({secs} s)")
        };
        println!("{} {:<9} {name}{time}", status.word(), format!("[{phase}]"));
    }
    for (what, log) in failed_logs {
        println!("\n---- {what}: {} ----\n{}", log.display(), tail(&log, 40));
    }
}

/// `cargo xtask xen-vm [--timeout SECS]`, or `--in-dom0` inside the VM.
pub fn main(args: &[String]) -> i32 {
    if args.iter().any(|a| a == "--in-dom0") {
        return dom0::main();
    }
    // A guard against a hung VM, not a speed check: under TCG on a busy
    // machine the tests alone have taken over 200 s.
    let mut limit = Duration::from_secs(900);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--timeout" => match it.next().and_then(|s| s.parse().ok()) {
                Some(s) => limit = Duration::from_secs(s),
                None => {
                    eprintln!("xen-vm: --timeout needs a number of seconds");
                    return 2;
                }
            },
            other => {
                eprintln!(
                    "xen-vm: unknown argument {other}\nusage: cargo xtask xen-vm [--timeout SECS]"
                );
                return 2;
            }
        }
    }
    match host(limit) {
        Ok(code) => code,
        Err(Failure(msg)) => {
            eprintln!("xen-vm: {msg}");
            1
        }
    }
}

fn host(limit: Duration) -> Result<i32, Failure> {
    let started = Instant::now();
    // Fail early, before any download, if the VM cannot be booted at all.
    tool("qemu-system-x86_64", "qemu-system-x86")?;
    let dir = crate::vm::workspace().join("target/xen-vm");
    std::fs::create_dir_all(&dir).map_err(|e| Failure::io(&dir, e))?;
    let prepared = prepare::prepare(&dir)?;
    let image = initramfs::build(&prepared, &dir)?;
    let built = build_binaries()?;
    let share = dir.join("share");
    fill_share(&share, &built, &image.libraries)?;
    let ready = started.elapsed().as_secs_f64();

    println!(
        "xen-vm: booting Xen {} + Linux {} under QEMU TCG ({} test binaries{}{})",
        prepare::XEN_SERIES,
        prepared.kernel_release,
        built.tests.len(),
        if built.bench.is_some() {
            ", benchmark"
        } else {
            ""
        },
        if built.virsh.is_some() { ", virsh" } else { "" },
    );
    let serial = dir.join("serial.log");
    let vm = boot(&prepared, &image.initrd, &share, &serial, limit);

    let mut tally = Tally::default();
    report(&share, &mut tally);
    for m in &built.missing {
        println!("FAIL [build]   {m}");
        tally.fail += 1;
    }
    let serial_text =
        String::from_utf8_lossy(&std::fs::read(&serial).unwrap_or_default()).into_owned();
    let timeline: Vec<&str> = serial_text
        .lines()
        .filter_map(|l| l.strip_prefix("XENVM: T+"))
        .collect();
    if !timeline.is_empty() {
        println!("\nxen-vm: timeline (dom0 uptime):");
        for l in timeline {
            println!("  T+{l}");
        }
    }
    if let Ok(bench) = std::fs::read_to_string(share.join("bench.txt")) {
        println!("\nxen-vm: benchmark in dom0 (guest running):");
        for l in bench.lines().filter(|l| !l.trim().is_empty()) {
            println!("  {l}");
        }
    }
    let finished = share.join("done").is_file();
    let vm_secs = match &vm {
        Ok(s) => format!("{s:.1} s"),
        Err(Failure(msg)) => msg.clone(),
    };
    if vm.is_err() || !finished {
        println!(
            "\nxen-vm: the VM did not finish its run ({vm_secs}); end of {}:\n{}",
            serial.display(),
            tail(&serial, 40)
        );
        tally.fail += 1;
    }
    println!(
        "\nxen-vm: {} passed, {} failed, {} skipped; VM boot to power-off {vm_secs}, \
         preparation {ready:.1} s, total {:.1} s",
        tally.pass,
        tally.fail,
        tally.skip,
        started.elapsed().as_secs_f64()
    );
    Ok(i32::from(tally.fail > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trips() {
        let m = Manifest {
            tests: vec![Program {
                label: "virt-xen/real_xen".into(),
                file: "virt-xen.real_xen".into(),
            }],
            bench: None,
            virsh: Some(Program {
                label: "virsh/virsh".into(),
                file: "virsh.virsh".into(),
            }),
        };
        let path = std::env::temp_dir().join(format!("xen-vm-manifest-{}", std::process::id()));
        m.write(&path).unwrap();
        let back = Manifest::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(back.tests.len(), 1);
        assert_eq!(back.tests[0].file, "virt-xen.real_xen");
        assert!(back.bench.is_none());
        assert_eq!(back.virsh.unwrap().label, "virsh/virsh");
    }

    #[test]
    fn qemu_option_commas_are_doubled() {
        assert_eq!(qemu_escape("/a,b/c"), "/a,,b/c");
    }

    #[test]
    fn missing_tools_name_their_package() {
        let e = tool("no-such-tool-xen-vm", "some-package").unwrap_err();
        assert!(e.0.contains("apt-get install some-package"), "{e}");
    }

    #[test]
    fn status_words_round_trip() {
        for s in [Status::Pass, Status::Fail, Status::Skip] {
            assert_eq!(Status::from_word(s.word()), Some(s));
        }
        assert_eq!(Status::from_word("MAYBE"), None);
    }
}
