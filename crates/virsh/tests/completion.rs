//! TAB completion in the interactive shell, typed into a pseudo-terminal
//! as a user would: a completed command name, option name and object name
//! (domain, network, pool, snapshot, checkpoint) must run the command they
//! complete to. The
//! same keys go to Debian's virsh 9.0 when it is installed, which must
//! run the same commands.
#![cfg(feature = "test")]

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A virsh shell on a pseudo-terminal.
struct Shell {
    master: File,
    child: Child,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl Drop for Shell {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Shell {
    fn start(binary: &str, home: &Path) -> Shell {
        let (mut master, mut slave) = (-1, -1);
        // SAFETY: openpty stores two new descriptors in the given ints;
        // the name, termios and window size pointers may be null.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just opened and are owned here only.
        let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let mut cmd = Command::new(binary);
        cmd.args(["-c", "test:///default"])
            .env("TERM", "xterm")
            .env("HOME", home)
            .env("XDG_CACHE_HOME", home)
            .env("XDG_CONFIG_HOME", home)
            .stdin(slave.try_clone().expect("dup pty"))
            .stdout(slave.try_clone().expect("dup pty"))
            .stderr(slave);
        // SAFETY: between fork and exec only async-signal-safe calls:
        // a new session, then the pty (stdin) as its controlling terminal.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("virsh starts");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().expect("dup master");
        let sink = Arc::clone(&seen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = sink.lock() {
                    s.extend_from_slice(&buf[..n]);
                }
            }
        });
        let mut shell = Shell {
            master,
            child,
            seen,
        };
        assert!(shell.wait_for("virsh # "), "no prompt from {binary}");
        shell
    }

    fn text(&self) -> String {
        self.seen
            .lock()
            .map(|s| String::from_utf8_lossy(&s).into_owned())
            .unwrap_or_default()
    }

    fn wait_for(&mut self, needle: &str) -> bool {
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if self.text().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Type `chunks` one after the other, giving the shell time to answer
    /// each TAB; the screen text from then on.
    fn type_keys(&mut self, chunks: &[&str], until: &str) -> String {
        if let Ok(mut s) = self.seen.lock() {
            s.clear();
        }
        for c in chunks {
            self.master.write_all(c.as_bytes()).expect("type");
            std::thread::sleep(Duration::from_millis(150));
        }
        self.wait_for(until);
        self.text()
    }
}

/// `(keys typed, text the completed command prints)`.
const CASES: &[(&[&str], &str)] = &[
    // The command name.
    (&["domin\t", "test\r"], "Name:           test"),
    // The domain name.
    (&["dominfo t\t", "\r"], "Name:           test"),
    // The option name, then the value by hand.
    (&["dominfo --d\t", "test\r"], "Name:           test"),
    // An empty word offers the options; after the option, the names.
    (&["dominfo \t", "\t", "\r"], "Name:           test"),
    // A network and a pool.
    (&["net-info d\t", "\r"], "Name:           default"),
    (
        &["pool-info default-p\t", "\r"],
        "Name:           default-pool",
    ),
    // After `;`, a new command.
    (&["echo x; dominf\t", "test\r"], "Name:           test"),
    // Snapshot names of the domain on the line, positional or after the
    // option; then checkpoint names (the test driver takes no checkpoint
    // while a snapshot exists).
    (
        &["snapshot-create-as test snap-one\r"],
        "Domain snapshot snap-one created",
    ),
    (
        &["snapshot-info test snap-o\t", "\r"],
        "Name:           snap-one",
    ),
    (
        &["snapshot-dumpxml test --snapshotname snap-o\t", "\r"],
        "<name>snap-one</name>",
    ),
    (
        &["snapshot-delete test --snapshotname snap-o\t", "\r"],
        "Domain snapshot snap-one deleted",
    ),
    (
        &["checkpoint-create-as test ck-one\r"],
        "Domain checkpoint ck-one created",
    ),
    (
        &["checkpoint-info test ck-o\t", "\r"],
        "Name:           ck-one",
    ),
    (
        &["checkpoint-delete test --checkpointname ck-o\t", "\r"],
        "Domain checkpoint ck-one deleted",
    ),
];

fn run_cases(binary: &str) {
    let home = std::env::temp_dir().join(format!("virsh-complete-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&home);
    let mut shell = Shell::start(binary, &home);
    for (keys, want) in CASES {
        let screen = shell.type_keys(keys, want);
        assert!(
            screen.contains(want),
            "{binary}: typing {keys:?} did not run the completed command:\n{screen}"
        );
    }
    let _ = shell.type_keys(&["quit\r"], "\n");
    drop(shell);
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn tab_completes_commands_options_and_names() {
    run_cases(env!("CARGO_BIN_EXE_virsh"));
}

#[test]
fn debian_virsh_completes_the_same_keys() {
    if !Path::new("/usr/bin/virsh").exists() {
        println!(
            "completion: /usr/bin/virsh not installed (apt-get install libvirt-clients); skipped"
        );
        return;
    }
    run_cases("/usr/bin/virsh");
}
