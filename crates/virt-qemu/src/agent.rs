//! The QEMU guest agent (qemu-ga): JSON commands, one a line, over the
//! host end of the guest's `org.qemu.guest_agent.0` virtio channel, which
//! QEMU serves as a unix socket. As libvirt does, a session starts with
//! `guest-sync` carrying a fresh id and skips whatever the channel still
//! holds until the agent answers with that id; then each command waits for
//! its one reply.

use crate::error::{QemuError, QemuResult};
use crate::qmp::LineDecoder;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// The name of the virtio channel the agent listens on.
pub const CHANNEL_NAME: &str = "org.qemu.guest_agent.0";

/// How long the agent has to answer `guest-sync` (libvirt's
/// QEMU_AGENT_WAIT_TIME).
pub const SYNC_WAIT: Duration = Duration::from_secs(5);

/// How long a command may take: freezing waits for the guest's writes to
/// reach its disks, which libvirt waits for without a limit; this bounds
/// a guest that never answers.
pub const COMMAND_WAIT: Duration = Duration::from_secs(60);

/// An open session with a guest's agent.
pub struct Agent {
    stream: UnixStream,
    lines: LineDecoder,
}

impl Agent {
    /// Connect to the agent's channel socket and synchronise.
    pub fn connect(socket: &Path) -> QemuResult<Agent> {
        let stream = UnixStream::connect(socket).map_err(|e| {
            QemuError::system(
                format!(
                    "failed to connect to guest agent socket '{}'",
                    socket.display()
                ),
                e,
            )
        })?;
        let mut agent = Agent {
            stream,
            lines: LineDecoder::default(),
        };
        agent.sync()?;
        Ok(agent)
    }

    /// `guest-sync` with an id of the current time in milliseconds, as
    /// libvirt's; replies to anything else (a command an earlier session
    /// left unanswered) are skipped.
    fn sync(&mut self) -> QemuResult<()> {
        let id = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        self.send(&json!({"execute": "guest-sync", "arguments": {"id": id}}))?;
        let deadline = Instant::now() + SYNC_WAIT;
        loop {
            let reply = self.next_reply(deadline)?;
            if reply.get("return").and_then(Value::as_u64) == Some(id) {
                return Ok(());
            }
        }
    }

    fn send(&mut self, command: &Value) -> QemuResult<()> {
        let mut line = command.to_string();
        line.push('\n');
        self.stream
            .write_all(line.as_bytes())
            .map_err(|e| QemuError::system("cannot write to the guest agent's socket", e))
    }

    /// The next JSON object the agent sends before `deadline`; lines that
    /// are not JSON objects (what a half-written earlier reply leaves) are
    /// skipped.
    fn next_reply(&mut self, deadline: Instant) -> QemuResult<Value> {
        let mut buf = [0u8; 4096];
        loop {
            while let Some(line) = self.lines.next_line()? {
                // A line may start with the 0xFF a delimited sync asks for.
                let text = line.strip_prefix(&[0xff]).unwrap_or(&line);
                if let Ok(v @ Value::Object(_)) = serde_json::from_slice::<Value>(text) {
                    return Ok(v);
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(QemuError::AgentUnresponsive(
                    "Guest agent not available for now".into(),
                ));
            }
            self.stream
                .set_read_timeout(Some(left))
                .map_err(|e| QemuError::system("cannot wait on the guest agent's socket", e))?;
            match self.stream.read(&mut buf) {
                Ok(0) => return Err(QemuError::Protocol("End of file from agent socket".into())),
                Ok(n) => self.lines.feed(&buf[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(QemuError::system(
                        "cannot read from the guest agent's socket",
                        e,
                    ))
                }
            }
        }
    }

    /// Run `command` and return its `return` value; the agent's error in
    /// libvirt's words.
    pub fn execute(&mut self, command: &str) -> QemuResult<Value> {
        self.send(&json!({ "execute": command }))?;
        let reply = self.next_reply(Instant::now() + COMMAND_WAIT)?;
        if let Some(err) = reply.get("error") {
            let desc = err
                .get("desc")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| {
                    error_class_text(err.get("class").and_then(Value::as_str)).to_string()
                });
            return Err(QemuError::Internal(format!(
                "unable to execute QEMU agent command '{command}': {desc}"
            )));
        }
        reply.get("return").cloned().ok_or_else(|| {
            QemuError::Internal(format!("unable to execute QEMU agent command '{command}'"))
        })
    }

    /// Freeze the guest's file systems: how many were frozen.
    pub fn fs_freeze(&mut self) -> QemuResult<u64> {
        self.count("guest-fsfreeze-freeze")
    }

    /// Thaw the guest's file systems: how many were thawed.
    pub fn fs_thaw(&mut self) -> QemuResult<u64> {
        self.count("guest-fsfreeze-thaw")
    }

    fn count(&mut self, command: &str) -> QemuResult<u64> {
        self.execute(command)?
            .as_u64()
            .ok_or_else(|| QemuError::Internal("malformed return value".into()))
    }
}

/// libvirt's reading of an agent error that has a class but no text.
fn error_class_text(class: Option<&str>) -> &str {
    let Some(class) = class else {
        return "unknown QEMU command error";
    };
    match class {
        "BufferOverrun" => "Buffer overrun",
        "CommandDisabled" => "The command has been disabled for this instance",
        "CommandNotFound" => "The command has not been found",
        "FdNotFound" => "File descriptor not found",
        "InvalidParameter" => "Invalid parameter",
        "InvalidParameterType" => "Invalid parameter type",
        "InvalidParameterValue" => "Invalid parameter value",
        "OpenFileFailed" => "Cannot open file",
        "QgaCommandFailed" => "Guest agent command failed",
        "QMPBadInputObjectMember" => "Bad QMP input object member",
        "QMPExtraInputObjectMember" => "Unexpected extra object member",
        "UndefinedError" => "An undefined error has occurred",
        "Unsupported" => "this feature or command is not currently supported",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::os::unix::net::UnixListener;

    /// A fake qemu-ga on a unix socket in a temp dir: it first writes a
    /// stale reply and a broken line (what a channel may still hold),
    /// answers `guest-sync` with the id it was given, and each other
    /// command with the next of `replies`. Returns the socket's path and
    /// the commands it was sent.
    fn fake_agent(
        tag: &str,
        replies: Vec<&'static str>,
    ) -> (std::path::PathBuf, std::thread::JoinHandle<Vec<String>>) {
        let dir = std::env::temp_dir().join(format!("vq-agent-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("org.qemu.guest_agent.0");
        let listener = UnixListener::bind(&path).expect("bind");
        let seen = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().expect("accept");
            s.write_all(b"{\"return\": 7}\n\xff{\"retu\n")
                .expect("write");
            let mut replies = replies.into_iter();
            let mut seen = Vec::new();
            for line in BufReader::new(s.try_clone().expect("clone")).lines() {
                let Ok(line) = line else { break };
                let v: Value = serde_json::from_str(&line).expect("agent command is JSON");
                let cmd = v["execute"].as_str().unwrap_or_default().to_string();
                let reply = if cmd == "guest-sync" {
                    format!("{{\"return\": {}}}\n", v["arguments"]["id"])
                } else {
                    let Some(r) = replies.next() else { break };
                    format!("{r}\n")
                };
                seen.push(cmd);
                s.write_all(reply.as_bytes()).expect("reply");
            }
            let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
            seen
        });
        (dir.join("org.qemu.guest_agent.0"), seen)
    }

    #[test]
    fn freeze_and_thaw_after_a_sync_past_stale_lines() {
        let (path, seen) = fake_agent("ok", vec![r#"{"return": 2}"#, r#"{"return": 2}"#]);
        let mut agent = Agent::connect(&path).expect("connect and sync");
        assert_eq!(agent.fs_freeze().expect("freeze"), 2);
        assert_eq!(agent.fs_thaw().expect("thaw"), 2);
        drop(agent);
        assert_eq!(
            seen.join().expect("agent thread"),
            ["guest-sync", "guest-fsfreeze-freeze", "guest-fsfreeze-thaw"]
        );
    }

    #[test]
    fn agent_errors_in_libvirts_words() {
        let (path, seen) = fake_agent(
            "err",
            vec![
                r#"{"error": {"class": "CommandNotFound"}}"#,
                r#"{"error": {"class": "GenericError", "desc": "failed to freeze /: Device or resource busy"}}"#,
                r#"{"return": "two"}"#,
                r#"{"error": {"class": "SomethingNew"}}"#,
            ],
        );
        let mut agent = Agent::connect(&path).expect("connect and sync");
        let text = |e: QemuError| virt_core::Error::from(e).to_string();
        assert_eq!(
            text(agent.fs_thaw().expect_err("not found")),
            "internal error: unable to execute QEMU agent command 'guest-fsfreeze-thaw': \
             The command has not been found"
        );
        assert_eq!(
            text(agent.fs_freeze().expect_err("busy")),
            "internal error: unable to execute QEMU agent command 'guest-fsfreeze-freeze': \
             failed to freeze /: Device or resource busy"
        );
        assert_eq!(
            text(agent.fs_freeze().expect_err("not a count")),
            "internal error: malformed return value"
        );
        assert_eq!(
            text(agent.fs_freeze().expect_err("unknown class")),
            "internal error: unable to execute QEMU agent command 'guest-fsfreeze-freeze': \
             SomethingNew"
        );
        drop(agent);
        seen.join().expect("agent thread");
    }

    #[test]
    fn a_silent_agent_is_unresponsive_after_libvirts_wait() {
        let dir = std::env::temp_dir().join(format!("vq-agent-mute-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("ga");
        let listener = UnixListener::bind(&path).expect("bind");
        let start = Instant::now();
        let e = Agent::connect(&path).err().expect("no answer");
        assert!(start.elapsed() >= SYNC_WAIT);
        let e = virt_core::Error::from(e);
        assert_eq!(e.code, virt_core::ErrorCode::AgentUnresponsive);
        assert_eq!(
            e.to_string(),
            "Guest agent is not responding: Guest agent not available for now"
        );
        drop(listener);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
