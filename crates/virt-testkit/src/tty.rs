//! Commands on a pseudo-terminal, for what only runs interactively:
//! [`OnTty`] through util-linux's `script` (`virsh console`), its input fed
//! from the handle, its output gathered as text; [`OnPty`] on a terminal
//! of its own, typed at through the master end (readline, prompts).

use crate::wait_until;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// A shell command line running on a pseudo-terminal; killed when dropped.
pub struct OnTty {
    child: Child,
    output: Arc<Mutex<String>>,
}

impl OnTty {
    /// Run shell command `line` under `script` in the C locale, in `cwd`
    /// when given.
    pub fn start(line: &str, cwd: Option<&Path>) -> OnTty {
        let mut cmd = Command::new("script");
        cmd.args(["-q", "-e", "-c", line, "/dev/null"])
            .env("LC_ALL", "C")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(dir) = cwd {
            cmd.current_dir(dir);
        }
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => panic!("cannot run script: {e}"),
        };
        let output = Arc::new(Mutex::new(String::new()));
        if let Some(mut out) = child.stdout.take() {
            let sink = Arc::clone(&output);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = out.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut s) = sink.lock() {
                        s.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
            });
        }
        OnTty { child, output }
    }

    /// Everything the command wrote so far.
    pub fn text(&self) -> String {
        self.output.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Wait up to `secs` for `what` in the output; fail the test without it.
    pub fn wait_for(&self, what: &str, secs: u64) {
        assert!(
            wait_until(secs, || self.text().contains(what)),
            "no {what:?} in: {:?}",
            self.text()
        );
    }

    /// Type `bytes` at the terminal.
    pub fn type_bytes(&mut self, bytes: &[u8]) {
        if let Some(input) = self.child.stdin.as_mut() {
            let _ = input.write_all(bytes).and_then(|()| input.flush());
        }
    }

    /// Whether the command succeeded, when it ends within `secs`; `None`
    /// (then killed) when it does not.
    pub fn exit(&mut self, secs: u64) -> Option<bool> {
        let mut status = None;
        wait_until(secs, || {
            status = self.child.try_wait().ok().flatten();
            status.is_some()
        });
        if status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        status.map(|s| s.success())
    }
}

impl Drop for OnTty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A program on a pseudo-terminal of its own, the controlling terminal of
/// a new session (its stdin, stdout and stderr), for what reads keys from
/// a real terminal (readline's TAB completion, `virsh edit`'s prompt): the
/// terminal's master end to type at, and what the program printed so far,
/// gathered by a thread until the terminal closes.
pub struct OnPty {
    /// The program.
    pub child: Child,
    /// The terminal's master end: what is written to it is typed.
    pub master: File,
    /// Every byte the program wrote to the terminal so far.
    pub seen: Arc<Mutex<Vec<u8>>>,
    /// The thread gathering `seen`; it ends once `master` and the program
    /// are gone.
    pub reader: JoinHandle<()>,
}

impl OnPty {
    /// Start `cmd` on a new pseudo-terminal. Panics (the test's failure)
    /// when no terminal can be opened or the program does not start.
    pub fn spawn(mut cmd: Command) -> OnPty {
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
        cmd.stdin(slave.try_clone().expect("dup pty"))
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
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => panic!("cannot start {:?}: {e}", cmd.get_program()),
        };
        // Our copies of the terminal's far end must go, or the reader
        // never sees it close.
        drop(cmd);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut from = master.try_clone().expect("dup pty master");
        let sink = Arc::clone(&seen);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = from.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = sink.lock() {
                    s.extend_from_slice(&buf[..n]);
                }
            }
        });
        OnPty {
            child,
            master,
            seen,
            reader,
        }
    }

    /// Everything the program printed so far, as text.
    pub fn text(&self) -> String {
        self.seen
            .lock()
            .map(|s| String::from_utf8_lossy(&s).into_owned())
            .unwrap_or_default()
    }
}
