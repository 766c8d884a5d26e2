//! `virsh event --all --loop` watching a daemon while another virsh acts
//! on test:///default: what it printed, for comparisons between virsh
//! binaries (Debian's, ours) and daemons (libvirtd, virt-proxy).

// A test helper: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Debian's virsh, which does the actions.
pub const VIRSH: &str = crate::DEBIAN_VIRSH;

const SENTINEL_XML: &str = "<domain type='test'><name>sentinel</name>\
<uuid>00000000-0000-4000-8000-00000000e0e0</uuid><memory>1024</memory>\
<os><type>hvm</type></os></domain>";

const GUEST_XML: &str = "<domain type='test'><name>evt</name>\
<uuid>00000000-0000-4000-8000-00000000e0e1</uuid><memory>65536</memory>\
<os><type>hvm</type></os></domain>";

/// What `virsh event --all --loop` printed against libvirtd 9.0 for
/// [`ACTIONS`] (after the sentinel's line).
pub const LIBVIRTD_TRANSCRIPT: &str = "\
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
pub const ACTIONS: &[&str] = &[
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
    fn start(virsh: &str, uri: &str, extra: &[&str]) -> Watcher {
        let mut child = Command::new(virsh)
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
        // Ctrl-C to the virsh this watcher started (not yet reaped).
        if let Some(pid) = rustix::process::Pid::from_raw(self.child.id() as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::INT);
        }
        let _ = self.child.wait();
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(l);
        }
        self.seen
    }
}

/// Run [`ACTIONS`] on `uri` while `WATCHER event --all --loop EXTRA`
/// watches (`watcher` a virsh binary); what it printed after the sentinel's first line, the
/// trailer's count checked and left out.
pub fn transcript(watcher: &str, uri: &str, extra: &[&str]) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "virt-events-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("sentinel.xml"), SENTINEL_XML).unwrap();
    std::fs::write(dir.join("evt.xml"), GUEST_XML).unwrap();
    let mut w = Watcher::start(watcher, uri, extra);
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
pub fn untimestamped(line: &str) -> &str {
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
