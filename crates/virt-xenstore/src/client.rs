//! A blocking xenstore client over any byte stream.
//!
//! One request is in flight at a time: the client writes it, then reads
//! messages until the reply with the same request id arrives. Watch events
//! can arrive at any moment, also between a request and its reply; they are
//! queued apart and handed out by [`Client::next_event`] /
//! [`Client::take_event`], never mistaken for replies.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::XsError;
use crate::wire::{
    self, decode_watch_event, DirectoryChunk, Message, MessageType, Permission, Request,
};
use crate::Result;

/// xenstored's read-write socket.
pub const SOCKET_PATH: &str = "/var/run/xenstored/socket";
/// xenstored's read-only socket (older xenstoreds; newer ones use one socket).
pub const SOCKET_RO_PATH: &str = "/var/run/xenstored/socket_ro";
/// The kernel's xenstore device, for a domain without a local xenstored.
pub const XENBUS_DEVICE: &str = "/dev/xen/xenbus";
/// The environment variable libxenstore reads to override the path.
pub const PATH_ENV: &str = "XENSTORED_PATH";

/// A transaction id; [`Tx::NONE`] runs a request outside any transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tx(pub u32);

impl Tx {
    /// No transaction.
    pub const NONE: Tx = Tx(0);
}

/// A fired watch: the path that changed (or the watched path itself, for
/// the first event and for removals above it) and the watch's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchEvent {
    /// The path the event is about.
    pub path: String,
    /// The token the watch was registered with.
    pub token: String,
}

/// The streams xenstore is reached through: a socket or the xenbus device.
#[derive(Debug)]
pub enum Transport {
    /// xenstored's unix socket.
    Socket(UnixStream),
    /// `/dev/xen/xenbus` (or any file-like device).
    Device(File),
}

impl Read for Transport {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Transport::Socket(s) => s.read(buf),
            Transport::Device(f) => f.read(buf),
        }
    }
}

impl Write for Transport {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Transport::Socket(s) => s.write(buf),
            Transport::Device(f) => f.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Transport::Socket(s) => s.flush(),
            Transport::Device(f) => f.flush(),
        }
    }
}

impl Transport {
    /// Open `path`: a unix socket if it is one, otherwise a device file.
    pub fn open(path: &Path) -> Result<Transport> {
        let connect_err = |source| XsError::Connect {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(connect_err)?;
        if meta.file_type().is_socket() {
            UnixStream::connect(path)
                .map(Transport::Socket)
                .map_err(connect_err)
        } else {
            OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
                .map(Transport::Device)
                .map_err(connect_err)
        }
    }

    /// Bound every read and write, so a dead xenstored cannot hang a
    /// caller forever (sockets only; device reads block in the kernel).
    pub fn set_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        if let Transport::Socket(s) = self {
            s.set_read_timeout(timeout)?;
            s.set_write_timeout(timeout)?;
        }
        Ok(())
    }
}

/// A xenstore connection.
#[derive(Debug)]
pub struct Client<S> {
    stream: S,
    next_req_id: u32,
    events: VecDeque<WatchEvent>,
}

impl Client<Transport> {
    /// Open xenstore as libxenstore does: `$XENSTORED_PATH` if set, else
    /// xenstored's socket (`socket_ro` for a read-only connection, falling
    /// back to `socket`, which newer xenstoreds serve alone), else the
    /// xenbus device.
    pub fn open(read_only: bool) -> Result<Client<Transport>> {
        let candidates: Vec<PathBuf> = match std::env::var_os(PATH_ENV) {
            Some(p) => vec![PathBuf::from(p)],
            None if read_only => vec![
                SOCKET_RO_PATH.into(),
                SOCKET_PATH.into(),
                XENBUS_DEVICE.into(),
            ],
            None => vec![SOCKET_PATH.into(), XENBUS_DEVICE.into()],
        };
        let mut last = None;
        for path in &candidates {
            match Transport::open(path) {
                Ok(t) => return Ok(Client::new(t)),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| XsError::Connect {
            path: SOCKET_PATH.into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        }))
    }

    /// Open the socket or device at `path`.
    pub fn open_path(path: impl AsRef<Path>) -> Result<Client<Transport>> {
        Transport::open(path.as_ref()).map(Client::new)
    }
}

impl<S: Read + Write> Client<S> {
    /// A client over an open stream.
    pub fn new(stream: S) -> Self {
        Client {
            stream,
            next_req_id: 1,
            events: VecDeque::new(),
        }
    }

    /// The stream, for timeouts and the like.
    pub fn stream(&self) -> &S {
        &self.stream
    }

    /// Give the stream back.
    pub fn into_inner(self) -> S {
        self.stream
    }

    /// Send `req` in `tx` and wait for its reply payload; an `XS_ERROR`
    /// reply becomes [`XsError::Daemon`].
    pub fn request(&mut self, tx: Tx, req: &Request) -> Result<Vec<u8>> {
        let req_id = self.take_req_id();
        let msg = Message::new(req.kind(), req_id, tx.0, req.encode()?);
        wire::write_message(&mut self.stream, &msg)?;
        self.await_reply(req, req_id)
    }

    fn take_req_id(&mut self) -> u32 {
        let req_id = self.next_req_id;
        self.next_req_id = self.next_req_id.wrapping_add(1).max(1);
        req_id
    }

    /// Read up to the reply to request `req_id` (queueing watch events that
    /// come first).
    fn await_reply(&mut self, req: &Request, req_id: u32) -> Result<Vec<u8>> {
        let kind = req.kind();
        loop {
            let reply = wire::read_message(&mut self.stream)?;
            if reply.kind == MessageType::WatchEvent {
                self.queue_event(&reply)?;
                continue;
            }
            if reply.req_id != req_id {
                return Err(XsError::UnexpectedReply(format!(
                    "{} reply for request {} while waiting for request {req_id}",
                    reply.kind, reply.req_id
                )));
            }
            if reply.kind == MessageType::Error {
                return Err(XsError::Daemon {
                    kind,
                    path: req.subject(),
                    errno: reply.error_name()?,
                });
            }
            if reply.kind != kind {
                return Err(XsError::UnexpectedReply(format!(
                    "{} reply to a {kind} request",
                    reply.kind
                )));
            }
            return Ok(reply.payload);
        }
    }

    /// Read many nodes in one round trip: the requests go out together and
    /// the replies are read in order (xenstored answers a connection's
    /// requests in the order they came). A node that does not exist gives
    /// `None`. Listing domains costs three round trips this way, whatever
    /// their number, instead of three per domain. Batches stay under
    /// xenstored's quota of outstanding requests per connection.
    pub fn read_many(&mut self, tx: Tx, paths: &[String]) -> Result<Vec<Option<String>>> {
        const BATCH: usize = 16;
        let mut values = Vec::with_capacity(paths.len());
        for chunk in paths.chunks(BATCH) {
            let mut out = Vec::new();
            let mut sent = Vec::with_capacity(chunk.len());
            for path in chunk {
                let req = Request::Read { path: path.clone() };
                let req_id = self.take_req_id();
                out.extend(Message::new(req.kind(), req_id, tx.0, req.encode()?).encode()?);
                sent.push((req, req_id));
            }
            self.stream.write_all(&out)?;
            self.stream.flush()?;
            // Every reply is read even after an error, so the stream stays
            // in step for the next call.
            let mut first_error = None;
            for (req, req_id) in &sent {
                match self.await_reply(req, *req_id) {
                    Ok(v) => values.push(Some(String::from_utf8_lossy(&v).into_owned())),
                    Err(e) if e.is_not_found() => values.push(None),
                    Err(e @ XsError::Daemon { .. }) => {
                        values.push(None);
                        first_error.get_or_insert(e);
                    }
                    Err(e) => return Err(e),
                }
            }
            if let Some(e) = first_error {
                return Err(e);
            }
        }
        Ok(values)
    }

    fn queue_event(&mut self, msg: &Message) -> Result<()> {
        let (path, token) = decode_watch_event(&msg.payload)?;
        self.events.push_back(WatchEvent { path, token });
        Ok(())
    }

    fn expect_ok(&mut self, tx: Tx, req: &Request) -> Result<()> {
        let kind = req.kind();
        let reply = self.request(tx, req)?;
        if reply == b"OK\0" || reply == b"OK" {
            Ok(())
        } else {
            Err(XsError::UnexpectedReply(format!(
                "{kind} answered {:?} instead of OK",
                String::from_utf8_lossy(&reply)
            )))
        }
    }

    fn one_string(&mut self, tx: Tx, req: &Request) -> Result<String> {
        let kind = req.kind();
        let reply = self.request(tx, req)?;
        // Some xenstoreds omit the final NUL of one-string replies.
        let trimmed = reply.strip_suffix(&[0]).unwrap_or(&reply);
        String::from_utf8(trimmed.to_vec()).map_err(|_| XsError::BadPayload {
            kind,
            reason: "reply is not valid UTF-8".into(),
        })
    }

    /// The value of a node.
    pub fn read(&mut self, tx: Tx, path: &str) -> Result<Vec<u8>> {
        self.request(tx, &Request::Read { path: path.into() })
    }

    /// The value of a node as text (invalid UTF-8 replaced, as values are
    /// text in every path libvirt reads).
    pub fn read_string(&mut self, tx: Tx, path: &str) -> Result<String> {
        self.read(tx, path)
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    /// The value of a node, or `None` when it does not exist.
    pub fn try_read(&mut self, tx: Tx, path: &str) -> Result<Option<String>> {
        match self.read_string(tx, path) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Write a node's value, creating it and its missing parents.
    pub fn write(&mut self, tx: Tx, path: &str, value: &[u8]) -> Result<()> {
        self.expect_ok(
            tx,
            &Request::Write {
                path: path.into(),
                value: value.to_vec(),
            },
        )
    }

    /// Create a node with an empty value (no error if it exists).
    pub fn mkdir(&mut self, tx: Tx, path: &str) -> Result<()> {
        self.expect_ok(tx, &Request::Mkdir { path: path.into() })
    }

    /// Remove a node and everything under it.
    pub fn rm(&mut self, tx: Tx, path: &str) -> Result<()> {
        self.expect_ok(tx, &Request::Rm { path: path.into() })
    }

    /// The names of a node's children. Lists too long for one reply
    /// (xenstored answers E2BIG) are fetched in `DIRECTORY_PART` chunks,
    /// restarting if the node changes in between.
    pub fn directory(&mut self, tx: Tx, path: &str) -> Result<Vec<String>> {
        match self.request(tx, &Request::Directory { path: path.into() }) {
            Ok(reply) => wire::split_strings(MessageType::Directory, &reply),
            Err(e) if e.errno() == Some(&crate::Errno::TooBig) => self.directory_parts(tx, path),
            Err(e) => Err(e),
        }
    }

    fn directory_parts(&mut self, tx: Tx, path: &str) -> Result<Vec<String>> {
        // A node that keeps changing under us is given a bounded number of
        // restarts, then reported as busy rather than looping forever.
        for _ in 0..16 {
            let mut children = Vec::new();
            let mut offset = 0u64;
            let mut generation = None;
            let restart = loop {
                let reply = self.request(
                    tx,
                    &Request::DirectoryPart {
                        path: path.into(),
                        offset,
                    },
                )?;
                let chunk = DirectoryChunk::decode(&reply)?;
                if *generation.get_or_insert(chunk.generation) != chunk.generation {
                    break true;
                }
                offset += chunk.list_len as u64;
                let done = chunk.complete;
                if !done && chunk.children.is_empty() {
                    return Err(XsError::UnexpectedReply(
                        "DIRECTORY_PART made no progress".into(),
                    ));
                }
                children.extend(chunk.children);
                if done {
                    break false;
                }
            };
            if !restart {
                return Ok(children);
            }
        }
        Err(XsError::Daemon {
            kind: MessageType::DirectoryPart,
            path: path.into(),
            errno: crate::Errno::Busy,
        })
    }

    /// A node's permissions; the first entry is the owner.
    pub fn get_perms(&mut self, tx: Tx, path: &str) -> Result<Vec<Permission>> {
        let reply = self.request(tx, &Request::GetPerms { path: path.into() })?;
        let strings = wire::split_strings(MessageType::GetPerms, &reply)?;
        wire::parse_perms(MessageType::GetPerms, &strings)
    }

    /// Replace a node's permissions.
    pub fn set_perms(&mut self, tx: Tx, path: &str, perms: &[Permission]) -> Result<()> {
        self.expect_ok(
            tx,
            &Request::SetPerms {
                path: path.into(),
                perms: perms.to_vec(),
            },
        )
    }

    /// Watch `path` (and its subtree) or a special `@` event. xenstored
    /// fires the watch once right away.
    pub fn watch(&mut self, path: &str, token: &str) -> Result<()> {
        self.expect_ok(
            Tx::NONE,
            &Request::Watch {
                path: path.into(),
                token: token.into(),
            },
        )
    }

    /// Remove a watch.
    pub fn unwatch(&mut self, path: &str, token: &str) -> Result<()> {
        self.expect_ok(
            Tx::NONE,
            &Request::Unwatch {
                path: path.into(),
                token: token.into(),
            },
        )
    }

    /// A queued watch event, without blocking.
    pub fn take_event(&mut self) -> Option<WatchEvent> {
        self.events.pop_front()
    }

    /// How many events are queued.
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }

    /// The next watch event, waiting for one if none is queued. Only events
    /// may arrive while no request is in flight; anything else is an error.
    pub fn next_event(&mut self) -> Result<WatchEvent> {
        loop {
            if let Some(e) = self.events.pop_front() {
                return Ok(e);
            }
            let msg = wire::read_message(&mut self.stream)?;
            if msg.kind != MessageType::WatchEvent {
                return Err(XsError::UnexpectedReply(format!(
                    "{} message while no request is in flight",
                    msg.kind
                )));
            }
            self.queue_event(&msg)?;
        }
    }

    /// Open a transaction.
    pub fn transaction_start(&mut self) -> Result<Tx> {
        let id = self.one_string(Tx::NONE, &Request::TransactionStart)?;
        match id.parse::<u32>() {
            Ok(n) if n != 0 => Ok(Tx(n)),
            _ => Err(XsError::UnexpectedReply(format!(
                "transaction id '{id}' is not a non-zero number"
            ))),
        }
    }

    /// Commit (`commit = true`) or abort a transaction. A commit that
    /// conflicted with another change fails with EAGAIN
    /// ([`XsError::is_again`]); nothing of the transaction is applied then.
    pub fn transaction_end(&mut self, tx: Tx, commit: bool) -> Result<()> {
        self.expect_ok(tx, &Request::TransactionEnd { commit })
    }

    /// Run `body` in a transaction and commit it, retrying the whole body
    /// when the commit (or a call in it) reports EAGAIN, up to `attempts`
    /// times. An error from `body` aborts the transaction.
    pub fn transact<T>(
        &mut self,
        attempts: u32,
        mut body: impl FnMut(&mut Self, Tx) -> Result<T>,
    ) -> Result<T> {
        let mut tries = 0;
        loop {
            tries += 1;
            let tx = self.transaction_start()?;
            let outcome = body(self, tx);
            let result = match outcome {
                Ok(value) => self.transaction_end(tx, true).map(|()| value),
                Err(e) => {
                    // The abort's own failure would hide the real error.
                    let _ = self.transaction_end(tx, false);
                    Err(e)
                }
            };
            match result {
                Err(e) if e.is_again() && tries < attempts.max(1) => {
                    log::debug!("xenstore transaction conflicted, retry {tries}");
                }
                other => return other,
            }
        }
    }

    /// The home path of a domain ("/local/domain/<domid>").
    pub fn get_domain_path(&mut self, domid: u32) -> Result<String> {
        self.one_string(Tx::NONE, &Request::GetDomainPath { domid })
    }

    /// Tell xenstored about a domain's ring page and event channel.
    pub fn introduce(&mut self, domid: u32, mfn: u64, port: u32) -> Result<()> {
        self.expect_ok(Tx::NONE, &Request::Introduce { domid, mfn, port })
    }

    /// Have xenstored forget a domain.
    pub fn release(&mut self, domid: u32) -> Result<()> {
        self.expect_ok(Tx::NONE, &Request::Release { domid })
    }

    /// Whether xenstored knows a domain.
    pub fn is_domain_introduced(&mut self, domid: u32) -> Result<bool> {
        match self
            .one_string(Tx::NONE, &Request::IsDomainIntroduced { domid })?
            .as_str()
        {
            "T" => Ok(true),
            "F" => Ok(false),
            other => Err(XsError::UnexpectedReply(format!(
                "IS_DOMAIN_INTRODUCED answered '{other}'"
            ))),
        }
    }

    /// Tell xenstored a domain resumed.
    pub fn resume(&mut self, domid: u32) -> Result<()> {
        self.expect_ok(Tx::NONE, &Request::Resume { domid })
    }

    /// Give `domid` the rights of `target` (device-model stub domains).
    pub fn set_target(&mut self, domid: u32, target: u32) -> Result<()> {
        self.expect_ok(Tx::NONE, &Request::SetTarget { domid, target })
    }

    /// Drop every watch and open transaction of this connection.
    pub fn reset_watches(&mut self) -> Result<()> {
        self.expect_ok(Tx::NONE, &Request::ResetWatches)?;
        self.events.clear();
        Ok(())
    }

    /// A xenstored control command ("print", "help", ...); the raw reply.
    pub fn control(&mut self, args: &[&str]) -> Result<Vec<u8>> {
        self.request(
            Tx::NONE,
            &Request::Control(args.iter().map(|s| s.to_string()).collect()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Header;

    /// A scripted peer: replies are read from `input`, requests land in
    /// `output`.
    struct Script {
        input: std::io::Cursor<Vec<u8>>,
        output: Vec<u8>,
    }

    impl Read for Script {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.input.read(buf)
        }
    }

    impl Write for Script {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.output.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn script(messages: &[Message]) -> Client<Script> {
        let mut input = Vec::new();
        for m in messages {
            input.extend(m.encode().unwrap());
        }
        Client::new(Script {
            input: std::io::Cursor::new(input),
            output: Vec::new(),
        })
    }

    #[test]
    fn events_between_request_and_reply_are_queued() {
        let mut c = script(&[
            Message::new(MessageType::WatchEvent, 0, 0, b"/a\0tok\0".to_vec()),
            Message::new(MessageType::Read, 1, 0, b"value".to_vec()),
        ]);
        assert_eq!(c.read(Tx::NONE, "/a").unwrap(), b"value");
        assert_eq!(c.pending_events(), 1);
        assert_eq!(
            c.take_event(),
            Some(WatchEvent {
                path: "/a".into(),
                token: "tok".into()
            })
        );
        let sent = &c.stream().output;
        let mut h = [0u8; 16];
        h.copy_from_slice(&sent[..16]);
        let h = Header::decode(&h);
        assert_eq!((h.kind, h.req_id, h.tx_id, h.len), (2, 1, 0, 3));
        assert_eq!(&sent[16..], b"/a\0");
    }

    #[test]
    fn many_reads_go_out_together_and_come_back_in_order() {
        let fake = crate::fake::FakeXenstored::start().unwrap();
        let mut paths = Vec::new();
        for n in 0..40 {
            if n % 3 != 0 {
                fake.write(&format!("/t/{n}"), &format!("v{n}")).unwrap();
            }
            paths.push(format!("/t/{n}"));
        }
        let mut c = fake.connect().unwrap();
        let got = c.read_many(Tx::NONE, &paths).unwrap();
        assert_eq!(got.len(), 40);
        for (n, v) in got.iter().enumerate() {
            let want = (n % 3 != 0).then(|| format!("v{n}"));
            assert_eq!(v, &want, "/t/{n}");
        }
        assert_eq!(
            c.read_many(Tx::NONE, &[]).unwrap(),
            Vec::<Option<String>>::new()
        );
        // An error other than ENOENT is reported, after every reply of the
        // batch was read: the connection stays usable.
        let bad = vec!["/t/1".to_string(), "/t//x".to_string(), "/t/2".to_string()];
        assert!(c.read_many(Tx::NONE, &bad).is_err());
        assert_eq!(c.read(Tx::NONE, "/t/4").unwrap(), b"v4");
    }

    #[test]
    fn error_replies_carry_the_errno() {
        let mut c = script(&[Message::error(1, 0, &crate::Errno::NotFound)]);
        let err = c.read(Tx::NONE, "/nope").unwrap_err();
        assert!(err.is_not_found());
        assert_eq!(err.to_string(), "xenstore READ /nope failed: ENOENT");
    }

    #[test]
    fn mismatched_replies_are_refused() {
        let mut c = script(&[Message::new(MessageType::Read, 9, 0, b"x".to_vec())]);
        assert!(matches!(
            c.read(Tx::NONE, "/a"),
            Err(XsError::UnexpectedReply(_))
        ));
        let mut c = script(&[Message::new(MessageType::Write, 1, 0, b"OK\0".to_vec())]);
        assert!(matches!(
            c.read(Tx::NONE, "/a"),
            Err(XsError::UnexpectedReply(_))
        ));
        let mut c = script(&[]);
        assert!(matches!(c.read(Tx::NONE, "/a"), Err(XsError::Closed)));
        let mut c = script(&[Message::new(MessageType::Write, 1, 0, b"NO\0".to_vec())]);
        assert!(c.write(Tx::NONE, "/a", b"1").is_err());
    }

    #[test]
    fn open_reports_no_xenstore() {
        let err = Client::open_path("/nonexistent/xenstored/socket").unwrap_err();
        let e: virt_core::Error = err.into();
        assert_eq!(e.code, virt_core::ErrorCode::NoXenstore);
    }
}
