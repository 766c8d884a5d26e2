//! A domain's job seen and cancelled through the daemon: the job lives in
//! virt-proxy, the process running QEMU, so a second client connection
//! sees a save another client started (`domjobinfo`) and cancels it
//! (`domjobabort`), as with libvirtd. One client saves a real QEMU guest
//! into a FIFO read slowly; the other is our virsh, then Debian's virsh,
//! each its own connection to the daemon's socket.
//!
//! Skipped with one line without QEMU; the parts needing our virsh
//! (built beside the daemon by `cargo test --workspace`) or Debian's
//! virsh say so and are left out.

#![cfg(feature = "qemu")]

mod common;

use common::Daemon;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use virt_core::{dump_flags, job_type, Connect, DomainState, ErrorCode};
use virt_testkit::{output, peer, wait_until, DEBIAN_VIRSH};

const QEMU: &str = "/usr/bin/qemu-system-x86_64";

/// A guest with 512 MiB of memory, so a save into a slowly read FIFO lasts
/// seconds.
fn guest_xml(name: &str) -> String {
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>512</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='q35'>hvm</type></os>\
         <devices><emulator>{QEMU}</emulator><memballoon model='none'/></devices></domain>"
    )
}

/// Our virsh, which cargo builds beside the daemon when it builds the
/// workspace's tests.
fn our_virsh() -> Option<PathBuf> {
    let p = Path::new(common::binary()).with_file_name("virsh");
    if p.is_file() {
        return Some(p);
    }
    println!(
        "jobs through the daemon: no {} (cargo test --workspace builds it); our virsh's part skipped",
        p.display()
    );
    None
}

/// A job a test starts and watches from another connection.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Save,
    Dump,
    MemoryDump,
}

/// A virsh on a connection of its own: `(stdout, stderr, success)` of a
/// command.
type Observer<'a> = &'a dyn Fn(&[&str]) -> (String, String, bool);

/// Run a job of `kind` on `name` from client `c` into a FIFO read 4 KiB
/// every 20 ms; while it runs, `observe` (another connection) sees it as
/// libvirt shows it (`domjobinfo`, `domstate --reason`) and aborts it: a
/// save or dump then fails with libvirt's "operation aborted", a
/// memory-only dump refuses the abort and completes. The guest runs
/// after.
fn job_seen(c: &Connect, name: &str, dir: &Path, tag: &str, kind: Kind, observe: Observer<'_>) {
    let fifo = dir.join(format!("{name}-{tag}-{}.img", kind as u8));
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let fifo_s = fifo.to_string_lossy().into_owned();
    let mut d = c.lookup_by_name(name).expect("lookup");
    let hurry = AtomicBool::new(false);
    let (operation, state) = match kind {
        Kind::Save => ("Save", "paused (saving)"),
        Kind::Dump | Kind::MemoryDump => ("Dump", "paused (dumping)"),
    };
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut f = std::fs::File::open(&fifo).expect("open fifo");
            let mut buf = [0u8; 65536];
            loop {
                let want = if hurry.load(Ordering::SeqCst) {
                    65536
                } else {
                    4096
                };
                if !matches!(f.read(&mut buf[..want]), Ok(n) if n > 0) {
                    break;
                }
                if !hurry.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        });
        let job = s.spawn(move || match kind {
            Kind::Save => d.save(&fifo_s),
            Kind::Dump => d.core_dump(&fifo_s, 0),
            Kind::MemoryDump => d.core_dump(&fifo_s, dump_flags::MEMORY_ONLY),
        });
        let mut last = String::new();
        let seen = wait_until(60, || {
            last = observe(&["domjobinfo", name]).0;
            last.contains("Job type:         Unbounded")
                && last.contains(&format!("Operation:        {operation} "))
                && last.contains("Memory total:")
        });
        assert!(
            seen,
            "the job never showed from the other connection: {last}"
        );
        assert_eq!(observe(&["domstate", name, "--reason"]).0.trim(), state);
        let (out, err, ok) = observe(&["domjobabort", name]);
        hurry.store(true, Ordering::SeqCst);
        let done = job.join().expect("job thread");
        let _ = reader.join();
        if kind == Kind::MemoryDump {
            assert!(!ok, "a memory-only dump was aborted: {out}");
            assert_eq!(
                err,
                "error: Requested operation is not valid: cannot abort memory-only dump\n"
            );
            done.expect("the memory-only dump");
            return;
        }
        assert!(ok, "domjobabort: {err}");
        assert_eq!(out, "\n");
        let e = done.expect_err("the aborted job succeeded");
        assert_eq!(e.code, ErrorCode::OperationAborted, "{}", e.message);
        let job_name = if kind == Kind::Save {
            "domain save"
        } else {
            "domain core dump"
        };
        assert_eq!(
            e.message,
            format!("operation aborted: job '{job_name}' canceled by client")
        );
    });
    let d = c.lookup_by_name(name).expect("lookup");
    assert_eq!(d.state().expect("state").0, DomainState::Running);
    assert_eq!(d.job_info().expect("job info").kind, job_type::NONE);
    assert_eq!(
        observe(&["domjobinfo", name]).0,
        "Job type:         None        \n\n"
    );
}

/// The labels of domjobinfo's lines for a completed save, as Debian's
/// virsh 9.0 prints them from libvirtd 9.0 here (a QEMU guest saved to a
/// file), but "Memory bandwidth", which QEMU may give as zero.
const COMPLETED_SAVE_LABELS: [&str; 18] = [
    "Job type",
    "Operation",
    "Time elapsed",
    "Data processed",
    "Data remaining",
    "Data total",
    "Memory processed",
    "Memory remaining",
    "Memory total",
    "Dirty rate",
    "Page size",
    "Iteration",
    "Postcopy requests",
    "Constant pages",
    "Normal pages",
    "Normal data",
    "Total downtime",
    "Setup time",
];

/// `save --verbose` on one connection (the virsh `run` stands for) shows
/// the save's progress from its job, asked on the same connection while
/// the save's call waits (libvirt's clients send both at once), then the
/// completed job's statistics (`domjobinfo --completed`) read as
/// libvirt's. The guest is started again after.
fn verbose_save(dom: &mut virt_core::Domain, dir: &Path, tag: &str, run: Observer<'_>) {
    let name = dom.name().to_string();
    let fifo = dir.join(format!("{name}-{tag}-verbose.img"));
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let fifo_s = fifo.to_string_lossy().into_owned();
    let (out, err, ok) = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut f = std::fs::File::open(&fifo).expect("open fifo");
            let mut buf = [0u8; 4096];
            while matches!(f.read(&mut buf), Ok(n) if n > 0) {
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let r = run(&["save", &name, &fifo_s, "--verbose"]);
        let _ = reader.join();
        r
    });
    assert!(ok, "{tag} save --verbose: {err}");
    assert_eq!(out, format!("\nDomain '{name}' saved to {fifo_s}\n\n"));
    let lines: Vec<&str> = err.split('\r').filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.last(), Some(&"Save: [100 %]"), "{tag}: {err:?}");
    assert!(
        lines.len() >= 2,
        "{tag}: no progress before the end: {err:?}"
    );
    for l in &lines {
        let n = l
            .strip_prefix("Save: [")
            .and_then(|r| r.strip_suffix(" %]"))
            .and_then(|n| n.trim().parse::<u32>().ok());
        assert!(
            n.is_some_and(|n| n <= 100),
            "{tag}: not a progress line: {l:?}"
        );
    }
    let (out, err, ok) = run(&["domjobinfo", &name, "--completed", "--keep-completed"]);
    assert!(ok, "{tag} domjobinfo --completed: {err}");
    assert!(
        out.starts_with("Job type:         Completed   \nOperation:        Save        \n"),
        "{tag}: {out}"
    );
    let labels: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_once(':').map(|(label, _)| label))
        .filter(|l| *l != "Memory bandwidth")
        .collect();
    assert_eq!(labels, COMPLETED_SAVE_LABELS, "{tag}: {out}");
    // Without KEEP_COMPLETED the statistics are read once more, then gone.
    assert_eq!(run(&["domjobinfo", &name, "--completed"]).0, out);
    assert_eq!(
        run(&["domjobinfo", &name, "--completed"]).0,
        "Job type:         None        \n\n"
    );
    dom.create().expect("start again");
}

/// `managedsave --verbose` through the daemon: the progress ends at
/// [100 %], the guest stops with its image, and `start` resumes it
/// (reason restored), using the image up.
fn verbose_managed_save(c: &Connect, name: &str, tag: &str, run: Observer<'_>) {
    let (out, err, ok) = run(&["managedsave", name, "--verbose"]);
    assert!(ok, "{tag} managedsave --verbose: {err}");
    assert_eq!(out, format!("\nDomain '{name}' state saved by libvirt\n\n"));
    let last = err.split('\r').rfind(|l| !l.is_empty());
    assert_eq!(last, Some("Managedsave: [100 %]"), "{tag}: {err:?}");
    let dom = c.lookup_by_name(name).expect("lookup");
    assert!(dom.has_managed_save(0).expect("has image"), "{tag}");
    let (out, err, ok) = run(&["start", name]);
    assert!(ok, "{tag} start: {err}");
    assert_eq!(out, format!("Domain '{name}' started\n\n"));
    assert_eq!(
        dom.state().expect("state"),
        (
            virt_core::DomainState::Running,
            virt_core::types::reason::RUNNING_RESTORED
        ),
        "{tag}"
    );
    assert!(!dom.has_managed_save(0).expect("has image"), "{tag}");
}

#[test]
fn a_save_is_seen_and_aborted_from_another_connection() {
    if !peer("jobs through the daemon", QEMU, "qemu-system-x86") {
        return;
    }
    virt_remote::client::register();
    let d = Daemon::start_qemu("jobs", &[]);
    let root = d.qemu_root();
    let uri = d.qemu_uri("session");
    let c = Connect::open(&uri).unwrap_or_else(|e| panic!("connect: {e}\n{}", d.log()));
    let mut dom = c.define_xml(&guest_xml("jobber")).expect("define");
    dom.create().expect("start");
    // A second connection of our own library: no job yet, nothing to abort.
    let other = Connect::open(&uri).expect("second connection");
    let seen = other.lookup_by_name("jobber").expect("lookup");
    assert_eq!(seen.job_info().expect("job info").kind, job_type::NONE);
    let e = seen.abort_job().expect_err("no job to abort");
    assert_eq!(e.code, ErrorCode::OperationInvalid, "{}", e.message);

    let virsh_with = |bin: &Path| {
        let uri = uri.clone();
        let bin = bin.to_path_buf();
        move |args: &[&str]| output(Command::new(&bin).args(["-c", &uri]).args(args))
    };
    if let Some(ours) = our_virsh() {
        let observe = virsh_with(&ours);
        for kind in [Kind::Save, Kind::Dump, Kind::MemoryDump] {
            job_seen(&c, "jobber", root, "ours", kind, &observe);
        }
    }
    if peer("jobs through the daemon", DEBIAN_VIRSH, "libvirt-clients") {
        let observe = virsh_with(Path::new(DEBIAN_VIRSH));
        for kind in [Kind::Save, Kind::Dump, Kind::MemoryDump] {
            job_seen(&c, "jobber", root, "debian", kind, &observe);
        }
    }
    // The job's progress asked on the connection whose call runs it.
    if let Some(ours) = our_virsh() {
        verbose_save(&mut dom, root, "ours", &virsh_with(&ours));
    }
    if peer("jobs through the daemon", DEBIAN_VIRSH, "libvirt-clients") {
        verbose_save(
            &mut dom,
            root,
            "debian",
            &virsh_with(Path::new(DEBIAN_VIRSH)),
        );
    }
    if let Some(ours) = our_virsh() {
        verbose_managed_save(&c, "jobber", "ours", &virsh_with(&ours));
    }
    if peer("jobs through the daemon", DEBIAN_VIRSH, "libvirt-clients") {
        verbose_managed_save(&c, "jobber", "debian", &virsh_with(Path::new(DEBIAN_VIRSH)));
    }
    dom.destroy().expect("destroy");
    dom.undefine().expect("undefine");
}
