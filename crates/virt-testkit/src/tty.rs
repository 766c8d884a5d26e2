//! A command on a pseudo-terminal (util-linux's `script`), for what only
//! runs interactively (`virsh console`): its input fed from the handle,
//! its output gathered as text.

use crate::wait_until;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

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
