//! Events through the daemon to real clients: Debian's `virsh event --all
//! --loop` prints, for the same actions on test:///default, what it
//! prints against a real libvirtd 9.0 (run side by side when this machine
//! can start one), with and without `--timestamp`.

#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use common::{have, temp_dir, Daemon};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const VIRSH: &str = "/usr/bin/virsh";

const SENTINEL_XML: &str = "<domain type='test'><name>sentinel</name>\
<uuid>00000000-0000-4000-8000-00000000e0e0</uuid><memory>1024</memory>\
<os><type>hvm</type></os></domain>";

const GUEST_XML: &str = "<domain type='test'><name>evt</name>\
<uuid>00000000-0000-4000-8000-00000000e0e1</uuid><memory>65536</memory>\
<os><type>hvm</type></os></domain>";

/// What `virsh event --all --loop` printed against libvirtd 9.0 for
/// [`ACTIONS`] (after the sentinel's line).
const LIBVIRTD_TRANSCRIPT: &str = "\
event 'lifecycle' for domain 'sentinel': Undefined Removed
event 'lifecycle' for domain 'evt': Defined Added
event 'lifecycle' for domain 'evt': Started Booted
event 'lifecycle' for domain 'evt': Suspended Paused
event 'lifecycle' for domain 'evt': Resumed Unpaused
event 'lifecycle' for domain 'evt': Stopped Saved
event 'lifecycle' for domain 'evt': Started Restored
event 'lifecycle' for domain 'evt': Stopped Shutdown
event 'lifecycle' for domain 'evt': Started Booted
event 'lifecycle' for domain 'evt': Stopped Destroyed
event 'lifecycle' for domain 'evt': Defined Updated
event 'lifecycle' for domain 'evt': Undefined Removed
event 'lifecycle' for domain 'test': Stopped Destroyed
event 'lifecycle' for domain 'test': Started Booted
";

/// The actions, one virsh command line each (`{DIR}` is a temp dir).
const ACTIONS: &[&str] = &[
    "undefine sentinel",
    "define {DIR}/evt.xml",
    "start evt",
    "suspend evt",
    "resume evt",
    "save evt {DIR}/evt.save",
    "restore {DIR}/evt.save",
    "shutdown evt",
    "start evt",
    "destroy evt",
    "define {DIR}/evt.xml",
    "undefine evt",
    "destroy test",
    "start test",
];

fn virsh(uri: &str, command: &str) {
    let o = Command::new(VIRSH)
        .args(["-q", "-c", uri, command])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "virsh {command}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A `virsh event` process and the lines it printed so far.
struct Watcher {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Watcher {
    fn start(uri: &str, extra: &[&str]) -> Watcher {
        let mut child = Command::new(VIRSH)
            .args(["-c", uri, "event", "--all", "--loop"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                let Ok(l) = l else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        Watcher {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Wait up to `limit` for a line containing `needle`.
    fn wait_for(&mut self, needle: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if self.seen.iter().any(|l| l.contains(needle)) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => self.seen.push(l),
                Err(_) => return false,
            }
        }
    }

    /// Interrupt virsh as Ctrl-C would and take everything it printed.
    fn finish(mut self) -> Vec<String> {
        common::signal(self.child.id(), libc::SIGINT);
        let _ = self.child.wait();
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(l);
        }
        self.seen
    }
}

/// Run [`ACTIONS`] on `uri` while `virsh event --all --loop EXTRA`
/// watches; what it printed after the sentinel's first line, the
/// trailer's count checked and left out.
fn transcript(uri: &str, extra: &[&str]) -> String {
    let dir = temp_dir("events");
    std::fs::write(dir.join("sentinel.xml"), SENTINEL_XML).unwrap();
    std::fs::write(dir.join("evt.xml"), GUEST_XML).unwrap();
    let mut w = Watcher::start(uri, extra);
    // virsh registers after it connects: define the sentinel until its
    // event shows, so nothing of the actions can be missed.
    let define = format!("define {}/sentinel.xml", dir.display());
    let mut subscribed = false;
    for _ in 0..50 {
        virsh(uri, &define);
        if w.wait_for("'sentinel'", Duration::from_millis(200)) {
            subscribed = true;
            break;
        }
    }
    assert!(subscribed, "virsh event never printed the sentinel");
    for a in ACTIONS {
        virsh(uri, &a.replace("{DIR}", &dir.display().to_string()));
    }
    assert!(
        w.wait_for("'test': Started Booted", Duration::from_secs(10)),
        "the last event did not arrive: {:?}",
        w.seen
    );
    let lines = w.finish();
    let _ = std::fs::remove_dir_all(&dir);
    let first = lines.iter().position(|l| l.contains("'sentinel'")).unwrap();
    let events = lines.iter().filter(|l| l.contains("event '")).count();
    let tail = &lines[first + 1..];
    let n = tail.len();
    assert!(n >= 3, "{lines:?}");
    assert_eq!(tail[n - 3], "event loop interrupted", "{lines:?}");
    assert_eq!(tail[n - 2], format!("events received: {events}"));
    assert_eq!(tail[n - 1], "");
    tail[..n - 3].iter().map(|l| format!("{l}\n")).collect()
}

/// The line without virsh's `--timestamp` prefix
/// (`YYYY-MM-DD HH:MM:SS.mmm+ZZZZ: `), which must be well formed.
fn untimestamped(line: &str) -> &str {
    let (stamp, rest) = line.split_at(line.find(": ").map_or(0, |i| i + 2));
    let b = stamp.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    assert!(
        b.len() == 30
            && digits(0..4)
            && b[4] == b'-'
            && digits(5..7)
            && b[10] == b' '
            && digits(11..13)
            && b[19] == b'.'
            && digits(20..23)
            && (b[23] == b'+' || b[23] == b'-')
            && digits(24..28),
        "not a virsh timestamp: {line:?}"
    );
    rest
}

#[test]
fn real_virsh_event_loop_prints_what_it_prints_against_libvirtd() {
    let test = "real_virsh_event_loop_prints_what_it_prints_against_libvirtd";
    if !have(test, VIRSH, "libvirt-clients") {
        return;
    }
    let d = Daemon::start(&[]);
    let uri = d.uri(false);
    let ours = transcript(&uri, &[]);
    assert_eq!(ours, LIBVIRTD_TRANSCRIPT, "{}", d.log());
    let stamped = transcript(&uri, &["--timestamp"]);
    let unstamped: String = stamped
        .lines()
        .map(|l| format!("{}\n", untimestamped(l)))
        .collect();
    assert_eq!(unstamped, LIBVIRTD_TRANSCRIPT);
    match virt_testkit::libvirtd::unavailable() {
        Some(why) => println!("{test}: libvirtd side skipped, {why}"),
        None => {
            let lv = virt_testkit::libvirtd::start().unwrap();
            let lv_uri = format!("test+unix:///default?socket={}", lv.socket().display());
            assert!(Path::new(&lv.socket()).exists());
            assert_eq!(transcript(&lv_uri, &[]), ours, "libvirtd disagrees");
        }
    }
}

/// The next delivery within 10 s.
fn next(sub: &virt_core::Subscription) -> virt_core::Delivery {
    match sub.recv_timeout(Duration::from_secs(10)) {
        Some(d) => d,
        None => panic!("no delivery within 10 s"),
    }
}

#[test]
fn our_client_gets_events_and_renews_them_after_the_daemon_restarts() {
    use virt_core::events::lifecycle_detail::stopped;
    use virt_core::{Connect, Delivery, EventFilter, GapReason, LifecycleEvent};
    virt_remote::client::register();
    let mut first = Daemon::start(&[]);
    let uri = first.uri(false);
    let conn = Connect::open(&uri).unwrap();
    let sub = conn.subscribe(EventFilter::all()).unwrap();
    let stopped_test = |d: Delivery| match d {
        Delivery::Event(virt_core::Event::Domain { dom, kind }) => {
            assert_eq!(dom.name, "test");
            assert_eq!(
                kind,
                virt_core::DomainEventKind::lifecycle(LifecycleEvent::Stopped, stopped::DESTROYED)
            );
        }
        other => panic!("not test's destroy: {other:?}"),
    };
    conn.lookup_by_name("test").unwrap().destroy().unwrap();
    stopped_test(next(&sub));
    // The daemon dies without a word; a new one takes its sockets.
    common::signal(first.pid(), libc::SIGKILL);
    assert!(first.wait(Duration::from_secs(10)).is_some());
    let second = Daemon::start_in(first.dir.clone(), &[]);
    assert_eq!(next(&sub), Delivery::Gap(GapReason::Reconnected));
    // Calls work again, and the renewed registration delivers.
    conn.lookup_by_name("test").unwrap().destroy().unwrap();
    stopped_test(next(&sub));
    drop(conn);
    assert_eq!(next(&sub), Delivery::Ended(virt_core::EndReason::Closed));
    drop(second);
}
