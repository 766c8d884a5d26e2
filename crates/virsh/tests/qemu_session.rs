//! The QEMU driver through the virsh binary, one process per command, as a
//! program embedding it runs it: `virsh -c qemu:///embed?root=DIR create
//! tiny.xml`, then `list`, `dominfo`, `suspend`, ... from separate
//! processes, on real QEMU, with no daemon.
//!
//! Each test keeps its state under a private embed root. Without
//! /usr/bin/qemu-system-x86_64 the tests print a notice and pass (CI
//! installs it). The Linux guest part needs `cargo xtask guest`.
#![cfg(feature = "qemu")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use virt_testkit::guest::{serial_file, LinuxDomain, PTY_CONSOLE, QEMU};
use virt_testkit::tty::OnTty;
use virt_testkit::{linux_guest, wait_until};

fn have_qemu() -> bool {
    if Path::new(QEMU).exists() {
        return true;
    }
    println!("NOTICE: {QEMU} is not installed; virsh QEMU session test skipped");
    false
}

/// A private state tree, short enough for unix socket paths; removed on
/// drop (after any guest it ran was checked gone).
struct Root(PathBuf);

impl Root {
    fn new(tag: &str) -> Root {
        let p = PathBuf::from(format!("/tmp/vsq-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp root");
        Root(p)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// The URI of the embedded driver keeping its files here.
    fn uri(&self) -> String {
        format!("qemu:///embed?root={}", self.0.display())
    }

    fn run_dir(&self) -> PathBuf {
        self.0.join("run")
    }

    /// The pid of the running QEMU of `name`, from the driver's record.
    fn qemu_pid(&self, name: &str) -> Option<u32> {
        let text = std::fs::read_to_string(self.run_dir().join(format!("{name}.json"))).ok()?;
        let rest = text.split("\"pid\"").nth(1)?;
        let digits: String = rest
            .trim_start_matches([':', ' '])
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    }

    /// Files in the run dir besides the locks and the id counter.
    fn leftovers(&self) -> Vec<String> {
        virt_testkit::guest::leftovers(&self.run_dir())
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        // A failed test may leave a guest running: stop it by its pid.
        for n in self.leftovers() {
            if let Some(name) = n.strip_suffix(".json") {
                if let Some(pid) = self.qemu_pid(name) {
                    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// True while a process with this pid runs (a zombie has stopped running).
fn process_runs(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .and_then(|s| s.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

struct Out {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Run the virsh binary once, as its own process.
fn virsh(root: &Root, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_virsh"))
        .args(args)
        .current_dir(root.path())
        .output()
        .expect("virsh runs");
    Out {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run `virsh -c qemu:///embed?root=ROOT ARGS` and require success.
fn ok(root: &Root, args: &[&str]) -> String {
    let uri = root.uri();
    let mut all = vec!["-c", uri.as_str()];
    all.extend_from_slice(args);
    let o = virsh(root, &all);
    assert!(o.ok, "virsh {args:?} failed: {}{}", o.stdout, o.stderr);
    o.stdout
}

/// Run `virsh -c qemu:///embed?root=ROOT ARGS` and require failure; its stderr.
fn fails(root: &Root, args: &[&str]) -> String {
    let uri = root.uri();
    let mut all = vec!["-c", uri.as_str()];
    all.extend_from_slice(args);
    let o = virsh(root, &all);
    assert!(!o.ok, "virsh {args:?} succeeded: {}", o.stdout);
    o.stderr
}

fn write_xml(root: &Root, file: &str, xml: &str) -> String {
    let p = root.path().join(file);
    std::fs::write(&p, xml).expect("write xml");
    p.to_string_lossy().into_owned()
}

/// A guest with no OS: firmware only, ignores the ACPI power button.
fn tiny_xml(name: &str, uuid: &str) -> String {
    format!(
        "<domain type='qemu'><name>{name}</name><uuid>{uuid}</uuid>\
         <memory unit='MiB'>64</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/></features>\
         <devices><emulator>{QEMU}</emulator><memballoon model='none'/></devices></domain>"
    )
}

/// The table `virsh list` prints for one domain (virsh 9 column widths).
fn list_one(id: &str, name: &str, state: &str) -> String {
    let idw = id.len().max(2);
    let namew = name.len().max(4);
    let statew = state.len().max(5);
    let dashes = "-".repeat(1 + idw + 3 + namew + 3 + statew + 2);
    format!(
        " {:<idw$}   {:<namew$}   State\n{dashes}\n {:<idw$}   {:<namew$}   {state}\n\n",
        "Id", "Name", id, name
    )
}

/// `dominfo` with the CPU time line checked for shape, then blanked.
fn dominfo_without_cpu_time(text: &str) -> String {
    text.lines()
        .map(|l| match l.strip_prefix("CPU time:") {
            Some(v) => {
                let v = v.trim();
                let secs = v.strip_suffix('s').and_then(|s| s.parse::<f64>().ok());
                assert!(secs.is_some_and(|s| s >= 0.0), "CPU time line: {l}");
                "CPU time:       -".to_string()
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn transient_guest_from_separate_virsh_processes() {
    if !have_qemu() {
        return;
    }
    let root = Root::new("tr");
    let uuid = "5a4f2a7e-1c1b-4c5e-9d3e-0a1b2c3d4e5f";
    let xml = write_xml(&root, "tiny.xml", &tiny_xml("tiny", uuid));

    assert_eq!(
        ok(&root, &["create", &xml]),
        format!("Domain 'tiny' created from {xml}\n\n")
    );
    let pid = root.qemu_pid("tiny").expect("runtime record with a pid");
    assert!(process_runs(pid), "QEMU {pid} runs after create");
    assert_eq!(ok(&root, &["list"]), list_one("1", "tiny", "running"));
    assert_eq!(
        dominfo_without_cpu_time(&ok(&root, &["dominfo", "tiny"])),
        format!(
            "Id:             1\nName:           tiny\nUUID:           {uuid}\n\
             OS Type:        hvm\nState:          running\nCPU(s):         1\n\
             CPU time:       -\nMax memory:     65536 KiB\nUsed memory:    65536 KiB\n\
             Persistent:     no\nAutostart:      disable\nManaged save:   no\n\
             Security model: none\nSecurity DOI:   0\n"
        )
    );
    assert_eq!(
        ok(&root, &["domstate", "tiny", "--reason"]),
        "running (booted)\n\n"
    );
    assert_eq!(
        ok(&root, &["suspend", "tiny"]),
        "Domain 'tiny' suspended\n\n"
    );
    assert_eq!(
        ok(&root, &["domstate", "--reason", "tiny"]),
        "paused (user)\n\n"
    );
    assert_eq!(ok(&root, &["list"]), list_one("1", "tiny", "paused"));
    assert_eq!(ok(&root, &["resume", "tiny"]), "Domain 'tiny' resumed\n\n");
    assert_eq!(
        ok(&root, &["domstate", "--reason", "tiny"]),
        "running (unpaused)\n\n"
    );
    let e = fails(&root, &["resume", "tiny"]);
    assert!(
        e.contains("Requested operation is not valid: domain is not paused"),
        "{e}"
    );

    // ACPI power button: delivered; a guest with no OS ignores it and
    // keeps running, as under libvirt.
    assert_eq!(
        ok(&root, &["shutdown", "tiny"]),
        "Domain 'tiny' is being shutdown\n\n"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        ok(&root, &["domstate", "--reason", "tiny"]),
        "running (unpaused)\n\n"
    );

    // Read-only connections may look but not stop.
    let o = virsh(&root, &["-r", "-c", &root.uri(), "destroy", "tiny"]);
    assert!(!o.ok);
    assert_eq!(
        o.stderr,
        "error: Failed to destroy domain 'tiny'\n\
         error: operation forbidden: read only access prevents virDomainDestroy\n"
    );
    let o = virsh(&root, &["-r", "-c", &root.uri(), "list"]);
    assert!(o.ok);
    assert_eq!(o.stdout, list_one("1", "tiny", "running"));

    assert_eq!(
        ok(&root, &["destroy", "tiny"]),
        "Domain 'tiny' destroyed\n\n"
    );
    assert!(!process_runs(pid), "QEMU {pid} still runs after destroy");
    assert_eq!(ok(&root, &["list", "--all"]), list_empty());
    let e = fails(&root, &["dominfo", "tiny"]);
    assert_eq!(e, "error: failed to get domain 'tiny'\n");
    assert!(root.leftovers().is_empty(), "{:?}", root.leftovers());
}

/// `virsh list` with nothing to show.
fn list_empty() -> String {
    " Id   Name   State\n--------------------\n\n".to_string()
}

#[test]
fn persistent_guest_define_start_undefine_across_processes() {
    if !have_qemu() {
        return;
    }
    let root = Root::new("pe");
    let uuid = "6b5f3b8f-2d2c-4d6f-8e4f-1b2c3d4e5f60";
    let xml = write_xml(&root, "pers.xml", &tiny_xml("pers", uuid));
    assert_eq!(
        ok(&root, &["define", &xml]),
        format!("Domain 'pers' defined from {xml}\n\n")
    );
    assert_eq!(
        ok(&root, &["list", "--all"]),
        list_one("-", "pers", "shut off")
    );
    assert_eq!(ok(&root, &["list"]), list_empty());
    assert_eq!(ok(&root, &["start", "pers"]), "Domain 'pers' started\n\n");
    let pid = root.qemu_pid("pers").expect("runtime record with a pid");
    assert!(process_runs(pid));
    assert_eq!(ok(&root, &["list"]), list_one("1", "pers", "running"));
    // virsh itself checks before asking the driver.
    assert_eq!(
        fails(&root, &["start", "pers"]),
        "error: Domain is already active\n"
    );
    assert_eq!(
        ok(&root, &["autostart", "pers"]),
        "Domain 'pers' marked as autostarted\n\n"
    );
    let info = ok(&root, &["dominfo", "pers"]);
    assert!(info.contains("Persistent:     yes\n"), "{info}");
    assert!(info.contains("Autostart:      enable\n"), "{info}");
    assert_eq!(ok(&root, &["domuuid", "pers"]), format!("{uuid}\n\n"));
    assert_eq!(ok(&root, &["domid", "pers"]), "1\n\n");

    assert_eq!(
        ok(&root, &["destroy", "pers"]),
        "Domain 'pers' destroyed\n\n"
    );
    assert!(!process_runs(pid));
    assert_eq!(
        ok(&root, &["domstate", "--reason", "pers"]),
        "shut off (destroyed)\n\n"
    );
    assert_eq!(
        ok(&root, &["list", "--all"]),
        list_one("-", "pers", "shut off")
    );
    // Started again, it gets a new id.
    ok(&root, &["start", "pers"]);
    assert_eq!(ok(&root, &["domid", "pers"]), "2\n\n");
    ok(&root, &["destroy", "pers"]);

    assert_eq!(
        ok(&root, &["undefine", "pers"]),
        "Domain 'pers' has been undefined\n\n"
    );
    assert_eq!(ok(&root, &["list", "--all"]), list_empty());
    assert!(root.leftovers().is_empty(), "{:?}", root.leftovers());
    let config = root.path().join("config");
    let defs: Vec<_> = std::fs::read_dir(&config)
        .expect("config dir")
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != "autostart")
        .collect();
    assert!(defs.is_empty(), "{defs:?}");
    let links = std::fs::read_dir(config.join("autostart"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(links, 0, "autostart link left");
}

#[test]
fn linux_guest_acpi_shutdown_through_virsh() {
    if !have_qemu() {
        return;
    }
    let Some(guest) = linux_guest("linux_guest_acpi_shutdown_through_virsh") else {
        return;
    };
    let root = Root::new("lx");
    let console = root.path().join("console.log");
    let devices = format!("{}<memballoon model='none'/>", serial_file(&console));
    let xml = LinuxDomain {
        head: "<memory unit='MiB'>128</memory><vcpu>1</vcpu><on_poweroff>destroy</on_poweroff>",
        devices: &devices,
        ..LinuxDomain::default()
    }
    .xml("linux", &guest);
    let xml = write_xml(&root, "linux.xml", &xml);
    ok(&root, &["create", &xml]);
    let pid = root.qemu_pid("linux").expect("pid");
    let read_console = || std::fs::read_to_string(&console).unwrap_or_default();
    assert!(
        wait_until(120, || read_console()
            .contains("waiting for the power button")),
        "console: {}",
        read_console()
    );
    assert_eq!(
        ok(&root, &["shutdown", "linux"]),
        "Domain 'linux' is being shutdown\n\n"
    );
    // Each look is a new virsh process; the one that sees the guest
    // powered off applies on_poweroff=destroy, and the transient guest
    // is gone. The bound is generous: under TCG on a loaded host (CI
    // beside other builds) the guest's power-off path took over 60 s.
    let gone = wait_until(180, || {
        let o = virsh(&root, &["-c", &root.uri(), "domstate", "--reason", "linux"]);
        !o.ok && o.stderr == "error: failed to get domain 'linux'\n"
    });
    assert!(gone, "guest did not power off; console: {}", read_console());
    assert!(read_console().contains("power button, powering off"));
    assert!(!process_runs(pid), "QEMU {pid} still runs");
    assert_eq!(ok(&root, &["list", "--all"]), list_empty());
    assert!(root.leftovers().is_empty(), "{:?}", root.leftovers());
}

/// Our `virsh -c URI ARGS` on a pseudo-terminal, in the root's folder.
fn virsh_on_tty(root: &Root, args: &str) -> OnTty {
    let line = format!("{} -c '{}' {args}", env!("CARGO_BIN_EXE_virsh"), root.uri());
    OnTty::start(&line, Some(root.path()))
}

#[test]
fn console_on_a_pty_serial_with_escape_and_force() {
    if !have_qemu() {
        return;
    }
    if Command::new("script").arg("--version").output().is_err() {
        println!("console test: `script` (util-linux) not installed; skipped");
        return;
    }
    let Some(guest) = linux_guest("console_on_a_pty_serial_with_escape_and_force") else {
        return;
    };
    let root = Root::new("con");
    let devices = format!("{PTY_CONSOLE}<memballoon model='none'/>");
    let xml = LinuxDomain {
        devices: &devices,
        ..LinuxDomain::default()
    }
    .xml("con", &guest);
    let xml = write_xml(&root, "con.xml", &xml);
    ok(&root, &["create", &xml]);
    assert!(
        fails(&root, &["console", "con"])
            .contains("error: Cannot run interactive console without a controlling TTY"),
        "console without a tty"
    );
    // The first session sees the guest's ticks.
    let mut first = virsh_on_tty(&root, "console con");
    first.wait_for(
        "Connected to domain 'con'\r\nEscape character is ^] (Ctrl + ])\r\n",
        30,
    );
    first.wait_for("virt-rs test guest: tick", 180);
    // A second one is refused while the first holds the console.
    let mut second = virsh_on_tty(&root, "console con");
    second.wait_for(
        "error: operation failed: Active console session exists for this domain",
        30,
    );
    assert_eq!(second.exit(10), Some(false));
    // --force takes over: the first session ends by itself.
    let mut third = virsh_on_tty(&root, "console con --force");
    third.wait_for("Escape character is ^] (Ctrl + ])", 30);
    assert!(first.exit(15).is_some(), "first session still runs");
    let ticks = third.text().matches("virt-rs test guest: tick").count();
    assert!(
        wait_until(30, || third
            .text()
            .matches("virt-rs test guest: tick")
            .count()
            > ticks),
        "{:?}",
        third.text()
    );
    // The escape key ends the session; the guest runs on.
    third.type_bytes(&[0x1d]);
    assert_eq!(third.exit(15), Some(true), "{:?}", third.text());
    assert!(ok(&root, &["domstate", "con"]).starts_with("running"));
    ok(&root, &["destroy", "con"]);
    assert!(root.leftovers().is_empty(), "{:?}", root.leftovers());
}

/// `undefine --storage` and `--remove-all-storage` on `qemu:///` delete
/// the guest's volumes through the storage driver: by target or by path,
/// the chosen ones only, each file gone from its dir pool, a disk outside
/// every pool left alone.
#[test]
fn undefine_removes_the_guests_volumes() {
    if !have_qemu() {
        return;
    }
    let root = Root::new("us");
    let images = root.path().join("images");
    ok(
        &root,
        &[&format!(
            "pool-define-as images dir --target {}; pool-build images; pool-start images; \
             vol-create-as images a.img 1M; vol-create-as images b.img 1M; vol-create-as images c.img 1M",
            images.display()
        )],
    );
    let outside = root.path().join("outside.img");
    std::fs::write(&outside, [0u8; 512]).expect("outside disk");
    let disk = |dev: &str, file: &Path| {
        format!(
            "<disk type='file' device='disk'><driver name='qemu' type='raw'/>\
             <source file='{}'/><target dev='{dev}' bus='virtio'/></disk>",
            file.display()
        )
    };
    let guest = |name: &str, uuid: &str, disks: &str| {
        format!(
            "<domain type='qemu'><name>{name}</name><uuid>{uuid}</uuid>\
             <memory unit='MiB'>64</memory><vcpu>1</vcpu>\
             <os><type arch='x86_64' machine='q35'>hvm</type></os>\
             <devices><emulator>{QEMU}</emulator>{disks}<memballoon model='none'/></devices></domain>"
        )
    };
    let one = write_xml(
        &root,
        "one.xml",
        &guest(
            "one",
            "6b5f3b8f-2d2c-4d6f-8e4f-1b2c3d4e5f61",
            &(disk("vda", &images.join("a.img")) + &disk("vdb", &images.join("b.img"))),
        ),
    );
    ok(&root, &["define", &one]);
    let out = ok(&root, &["undefine", "one", "--storage", "vdb"]);
    assert!(
        out.contains(&format!(
            "Volume 'vdb'({}) removed.",
            images.join("b.img").display()
        )),
        "{out}"
    );
    assert!(images.join("a.img").exists() && !images.join("b.img").exists());
    let two = write_xml(
        &root,
        "two.xml",
        &guest(
            "two",
            "6b5f3b8f-2d2c-4d6f-8e4f-1b2c3d4e5f62",
            &(disk("vda", &images.join("a.img"))
                + &disk("vdb", &images.join("c.img"))
                + &disk("vdc", &outside)),
        ),
    );
    ok(&root, &["define", &two]);
    let out = ok(&root, &["undefine", "two", "--remove-all-storage"]);
    assert!(out.contains("Domain 'two' has been undefined"), "{out}");
    assert!(!images.join("a.img").exists() && !images.join("c.img").exists());
    assert!(outside.exists(), "a disk outside every pool was removed");
    assert_eq!(ok(&root, &["-q", "vol-list", "images"]).trim(), "");
}

/// `save --verbose` shows the save's progress from its job info, as
/// virsh 9.0: `\rSave: [ NN %]` lines while QEMU writes (slowed down by a
/// FIFO read 4 KiB at a time), then `Save: [100 %]`.
#[test]
fn save_verbose_prints_progress() {
    use std::io::Read;
    if !have_qemu() {
        return;
    }
    let root = Root::new("sv");
    let uuid = "5a4f2a7e-1c1b-4c5e-9d3e-0a1b2c3d4e60";
    let big = tiny_xml("big", uuid).replace(
        "<memory unit='MiB'>64</memory>",
        "<memory unit='MiB'>512</memory>",
    );
    let xml = write_xml(&root, "big.xml", &big);
    ok(&root, &["create", &xml]);
    let fifo = root.path().join("big.img");
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.map(|s| s.success()).unwrap_or(false), "mkfifo");
    let fifo_s = fifo.to_string_lossy().into_owned();
    let reader = std::thread::spawn({
        let fifo = fifo.clone();
        move || {
            let mut f = std::fs::File::open(&fifo).expect("open fifo");
            let mut buf = [0u8; 4096];
            while matches!(f.read(&mut buf), Ok(n) if n > 0) {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
    });
    let uri = root.uri();
    let o = virsh(&root, &["-c", &uri, "save", "big", &fifo_s, "--verbose"]);
    let _ = reader.join();
    assert!(o.ok, "save failed: {}{}", o.stdout, o.stderr);
    let lines: Vec<&str> = o.stderr.split('\r').filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.last(), Some(&"Save: [100 %]"), "{:?}", o.stderr);
    assert!(
        lines.len() >= 2,
        "no progress before the end: {:?}",
        o.stderr
    );
    for l in &lines[..lines.len() - 1] {
        let n: u32 = l
            .strip_prefix("Save: [")
            .and_then(|r| r.strip_suffix(" %]"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("not a progress line: {l:?}"));
        // 100 % already when QEMU has nothing left to send, as virsh.
        assert!(n <= 100, "{l:?}");
    }
    assert_eq!(o.stdout, format!("\nDomain 'big' saved to {fifo_s}\n\n"));
}
