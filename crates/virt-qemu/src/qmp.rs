//! QMP, QEMU's JSON monitor protocol: a pure codec (bytes -> messages) and a
//! blocking client over any `Read + Write` stream.
//!
//! QEMU writes one JSON object per line. A session opens with a greeting
//! (`{"QMP": {...}}`); the client must send `qmp_capabilities` before any
//! other command. Replies are `{"return": ...}` or `{"error": {"class",
//! "desc"}}` and carry the `id` we sent; events (`{"event": ...}`) can come
//! between them at any time and are queued for the caller.

use crate::error::{QemuError, QemuResult};
use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::io::{Read, Write};

/// The longest line we accept from QEMU; a `query-*` answer is a few KiB, so
/// anything near this is a broken peer, not a reply to buffer forever.
pub const MAX_LINE: usize = 16 << 20;

/// An asynchronous QMP event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Its name: SHUTDOWN, RESET, STOP, RESUME, GUEST_PANICKED, ...
    pub name: String,
    /// Its `data` member (`Null` when absent).
    pub data: Value,
}

/// One message from QEMU.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// The greeting, with QEMU's version and capabilities.
    Greeting(Value),
    /// A successful reply.
    Return {
        /// The `id` we sent, if any.
        id: Option<Value>,
        /// The `return` member.
        value: Value,
    },
    /// A failed command.
    Error {
        /// The `id` we sent, if any.
        id: Option<Value>,
        /// QEMU's error class (GenericError, CommandNotFound, ...).
        class: String,
        /// QEMU's human-readable description.
        desc: String,
    },
    /// An event.
    Event(Event),
}

/// Read one message from its JSON text.
pub fn parse_message(line: &[u8]) -> QemuResult<Message> {
    let bad = |why: &str| {
        QemuError::Protocol(format!(
            "cannot parse QEMU monitor reply '{}': {why}",
            String::from_utf8_lossy(&line[..line.len().min(200)])
        ))
    };
    let v: Value = serde_json::from_slice(line).map_err(|e| bad(&e.to_string()))?;
    let Value::Object(mut obj) = v else {
        return Err(bad("not a JSON object"));
    };
    let id = obj.remove("id");
    if let Some(g) = obj.remove("QMP") {
        return Ok(Message::Greeting(g));
    }
    if let Some(r) = obj.remove("return") {
        return Ok(Message::Return { id, value: r });
    }
    if let Some(e) = obj.remove("error") {
        let field = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        return Ok(Message::Error {
            id,
            class: field("class"),
            desc: field("desc"),
        });
    }
    if let Some(Value::String(name)) = obj.remove("event") {
        return Ok(Message::Event(Event {
            name,
            data: obj.remove("data").unwrap_or(Value::Null),
        }));
    }
    Err(bad("neither greeting, reply, error nor event"))
}

/// Splits a byte stream into lines, refusing lines longer than [`MAX_LINE`].
#[derive(Debug, Default)]
pub struct LineDecoder {
    buf: Vec<u8>,
}

impl LineDecoder {
    /// Add bytes read from the peer.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete non-blank line, without its line end; `Ok(None)`
    /// when more bytes are needed.
    pub fn next_line(&mut self) -> QemuResult<Option<Vec<u8>>> {
        loop {
            let Some(pos) = self.buf.iter().position(|&b| b == b'\n') else {
                if self.buf.len() > MAX_LINE {
                    return Err(QemuError::Protocol(
                        "QEMU monitor reply exceeds the maximum size".into(),
                    ));
                }
                return Ok(None);
            };
            let mut line: Vec<u8> = self.buf.drain(..=pos).collect();
            while line.last().is_some_and(|b| b.is_ascii_whitespace()) {
                line.pop();
            }
            if !line.iter().all(u8::is_ascii_whitespace) {
                return Ok(Some(line));
            }
        }
    }
}

/// A QMP session over a stream.
pub struct Monitor<S: Read + Write> {
    stream: S,
    decoder: LineDecoder,
    events: VecDeque<Event>,
    next_id: u64,
    greeting: Value,
}

impl<S: Read + Write> Monitor<S> {
    /// Read the greeting and enter command mode (`qmp_capabilities`).
    pub fn handshake(stream: S) -> QemuResult<Self> {
        let mut m = Monitor {
            stream,
            decoder: LineDecoder::default(),
            events: VecDeque::new(),
            next_id: 0,
            greeting: Value::Null,
        };
        loop {
            match m.read_message()? {
                Message::Greeting(g) => {
                    m.greeting = g;
                    break;
                }
                Message::Event(e) => m.events.push_back(e),
                _ => {
                    return Err(QemuError::Protocol(
                        "QEMU monitor did not start with a greeting".into(),
                    ))
                }
            }
        }
        m.execute("qmp_capabilities", None)?;
        Ok(m)
    }

    /// The greeting QEMU sent (`{"version": ..., "capabilities": [...]}`).
    pub fn greeting(&self) -> &Value {
        &self.greeting
    }

    /// Run a command and return its `return` value; events that arrive in
    /// between are queued.
    pub fn execute(&mut self, command: &str, arguments: Option<Value>) -> QemuResult<Value> {
        self.next_id += 1;
        let id = format!("virt-rs-{}", self.next_id);
        let mut req = Map::new();
        req.insert("execute".into(), json!(command));
        if let Some(a) = arguments {
            req.insert("arguments".into(), a);
        }
        req.insert("id".into(), json!(id));
        let mut text = Value::Object(req).to_string();
        text.push('\n');
        self.stream
            .write_all(text.as_bytes())
            .and_then(|()| self.stream.flush())
            .map_err(|e| {
                QemuError::Protocol(format!("cannot send monitor command '{command}': {e}"))
            })?;
        loop {
            match self.read_message()? {
                Message::Event(e) => self.events.push_back(e),
                Message::Return { id: rid, value } if rid.as_ref() == Some(&json!(id)) => {
                    return Ok(value)
                }
                Message::Error { id: rid, desc, .. } if rid.as_ref() == Some(&json!(id)) => {
                    return Err(QemuError::Monitor {
                        command: command.to_string(),
                        desc,
                    })
                }
                // A reply to a command of an earlier, abandoned exchange.
                Message::Return { .. } | Message::Error { .. } => {}
                Message::Greeting(_) => {
                    return Err(QemuError::Protocol(
                        "unexpected second greeting from QEMU monitor".into(),
                    ))
                }
            }
        }
    }

    /// Put events a caller read back in the queue, in order after those
    /// queued now (whoever reads the session next still sees them).
    pub fn requeue(&mut self, events: Vec<Event>) {
        self.events.extend(events);
    }

    /// Take the events queued so far.
    pub fn take_events(&mut self) -> Vec<Event> {
        self.events.drain(..).collect()
    }

    /// Block until the next event (a queued one first).
    pub fn next_event(&mut self) -> QemuResult<Event> {
        if let Some(e) = self.events.pop_front() {
            return Ok(e);
        }
        loop {
            if let Message::Event(e) = self.read_message()? {
                return Ok(e);
            }
        }
    }

    /// The stream, e.g. to change its timeouts.
    pub fn stream(&self) -> &S {
        &self.stream
    }

    fn read_message(&mut self) -> QemuResult<Message> {
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(line) = self.decoder.next_line()? {
                return parse_message(&line);
            }
            let n = match self.stream.read(&mut chunk) {
                Ok(0) => return Err(QemuError::Protocol("End of file from qemu monitor".into())),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(QemuError::Timeout("waiting for the QEMU monitor".into()))
                }
                Err(e) => {
                    return Err(QemuError::Protocol(format!(
                        "cannot read from qemu monitor: {e}"
                    )))
                }
            };
            self.decoder.feed(chunk.get(..n).unwrap_or(&[]));
        }
    }
}

impl Monitor<std::os::unix::net::UnixStream> {
    /// Take in what QEMU has sent so far without waiting: events are
    /// queued (see [`Monitor::take_events`]), stray replies dropped. An
    /// error means the session is over (QEMU closed it or the data is
    /// garbage). For an event loop that polled the socket readable.
    pub fn read_ready(&mut self) -> QemuResult<()> {
        let mut chunk = [0u8; 4096];
        self.stream
            .set_nonblocking(true)
            .map_err(|e| QemuError::Protocol(format!("cannot read from qemu monitor: {e}")))?;
        let result = loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => break Err(QemuError::Protocol("End of file from qemu monitor".into())),
                Ok(n) => self.decoder.feed(chunk.get(..n).unwrap_or(&[])),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break Ok(()),
                Err(e) => {
                    break Err(QemuError::Protocol(format!(
                        "cannot read from qemu monitor: {e}"
                    )))
                }
            }
        };
        // Calls that lease this session read it blocking, with timeouts.
        let _ = self.stream.set_nonblocking(false);
        result?;
        while let Some(line) = self.decoder.next_line()? {
            if let Message::Event(e) = parse_message(&line)? {
                self.events.push_back(e);
            }
        }
        Ok(())
    }
}

/// A memory module as QEMU's `query-memory-devices` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryDevice {
    /// Its device id (libvirt's alias, `dimm0`).
    pub id: String,
    /// Where QEMU placed it in the guest's physical memory.
    pub addr: u64,
    /// Its size in bytes.
    pub size: u64,
}

/// The modules of a `query-memory-devices` answer (each entry's `data`),
/// those it describes fully.
pub fn memory_devices(answer: &Value) -> Vec<MemoryDevice> {
    answer
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            let data = m.get("data")?;
            Some(MemoryDevice {
                id: data.get("id")?.as_str()?.to_string(),
                addr: data.get("addr")?.as_u64()?,
                size: data.get("size")?.as_u64()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A fake QEMU: answers from a script, records what the client wrote.
    struct FakePeer {
        input: Cursor<Vec<u8>>,
        written: Vec<u8>,
    }

    impl FakePeer {
        fn new(script: &str) -> Self {
            FakePeer {
                input: Cursor::new(script.as_bytes().to_vec()),
                written: Vec::new(),
            }
        }
    }

    impl Read for FakePeer {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            // One byte at a time: the decoder must cope with any split.
            let n = buf.len().min(1);
            self.input.read(&mut buf[..n])
        }
    }

    impl Write for FakePeer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    const GREETING: &str = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, \"package\": \"\"}, \"capabilities\": [\"oob\"]}}\r\n";

    #[test]
    fn handshake_then_command_with_events_in_between() {
        let script = format!(
            "{GREETING}{{\"return\": {{}}, \"id\": \"virt-rs-1\"}}\r\n\
             {{\"timestamp\": {{\"seconds\": 1, \"microseconds\": 2}}, \"event\": \"STOP\"}}\r\n\
             {{\"return\": {{\"status\": \"paused\", \"running\": false}}, \"id\": \"virt-rs-2\"}}\r\n"
        );
        let mut m = Monitor::handshake(FakePeer::new(&script)).expect("handshake");
        assert_eq!(m.greeting()["version"]["qemu"]["major"], 7);
        let r = m.execute("query-status", None).expect("query-status");
        assert_eq!(r["status"], "paused");
        let ev = m.take_events();
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].name, "STOP");
        let sent = String::from_utf8(m.stream.written.clone()).expect("utf8");
        let lines: Vec<Value> = sent
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        assert_eq!(lines[0]["execute"], "qmp_capabilities");
        assert_eq!(lines[1]["execute"], "query-status");
        assert_eq!(lines[1]["id"], "virt-rs-2");
    }

    #[test]
    fn errors_carry_qemu_description() {
        let script = format!(
            "{GREETING}{{\"return\": {{}}, \"id\": \"virt-rs-1\"}}\n\
             {{\"id\": \"virt-rs-2\", \"error\": {{\"class\": \"CommandNotFound\", \"desc\": \"The command nope has not been found\"}}}}\n"
        );
        let mut m = Monitor::handshake(FakePeer::new(&script)).expect("handshake");
        let e = m.execute("nope", None).expect_err("must fail");
        assert_eq!(
            virt_core::Error::from(e).message,
            "internal error: unable to execute QEMU command 'nope': The command nope has not been found"
        );
    }

    #[test]
    fn eof_and_garbage_are_errors() {
        assert!(Monitor::handshake(FakePeer::new("")).is_err());
        assert!(Monitor::handshake(FakePeer::new("not json\n")).is_err());
        assert!(Monitor::handshake(FakePeer::new("{\"return\": {}}\n")).is_err());
        let script = format!("{GREETING}{{\"return\": {{}}, \"id\": \"virt-rs-1\"}}\n");
        let mut m = Monitor::handshake(FakePeer::new(&script)).expect("handshake");
        assert!(m.execute("query-status", None).is_err());
        assert!(m.next_event().is_err());
    }

    #[test]
    fn events_parse_with_data() {
        let m = parse_message(
            br#"{"timestamp": {"seconds": 1, "microseconds": 0}, "event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}}"#,
        )
        .expect("event");
        assert_eq!(
            m,
            Message::Event(Event {
                name: "SHUTDOWN".into(),
                data: json!({"guest": true, "reason": "guest-shutdown"})
            })
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse_message(&bytes);
            let mut d = LineDecoder::default();
            d.feed(&bytes);
            while let Ok(Some(line)) = d.next_line() {
                let _ = parse_message(&line);
            }
            let peer = FakePeer { input: Cursor::new(bytes), written: Vec::new() };
            if let Ok(mut m) = Monitor::handshake(peer) {
                let _ = m.execute("query-status", None);
                let _ = m.next_event();
            }
        }

        #[test]
        fn split_lines_decode_the_same(parts in proptest::collection::vec(0usize..40, 0..8)) {
            let text = format!("{GREETING}{{\"return\": {{}}, \"id\": 1}}\r\n\r\n{{\"event\": \"RESET\"}}\n");
            let bytes = text.as_bytes();
            let mut d = LineDecoder::default();
            let mut at = 0;
            let mut lines = Vec::new();
            for p in parts {
                let end = (at + p).min(bytes.len());
                d.feed(&bytes[at..end]);
                at = end;
                while let Ok(Some(l)) = d.next_line() { lines.push(l); }
            }
            d.feed(&bytes[at..]);
            while let Ok(Some(l)) = d.next_line() { lines.push(l); }
            proptest::prop_assert_eq!(lines.len(), 3);
        }
    }
}
