//! The remote driver: a Driver whose calls travel to a daemon (libvirtd
//! or virt-proxy) over libvirt's protocol.
//!
//! URIs (registered with virt-core's registry by [`register`]):
//!
//! - `DRIVER+unix:///PATH[?socket=S]`: a local socket; without `socket`,
//!   libvirt's (`/run/libvirt/libvirt-sock`, `libvirt-sock-ro` for
//!   read-only connections, `$XDG_RUNTIME_DIR/libvirt/libvirt-sock` for a
//!   non-root user's `/session`);
//! - `DRIVER+tcp://HOST[:PORT]/PATH`: plain TCP, port 16509;
//! - `DRIVER+ssh://[USER@]HOST[:PORT]/PATH`: `ssh` runs `virt-proxy
//!   --stdio` on HOST (`?proxy=` names another command, e.g. `nc -U
//!   SOCKET` for a libvirtd there) and the protocol runs over its standard
//!   streams; `?command=` names the ssh binary, `?keyfile=` a key,
//!   `?no_verify=1` skips the host key check.
//!
//! The daemon opens `DRIVER:///PATH` (the URI without transport, host and
//! the parameters read here). Keepalive runs both ways: the daemon's PINGs
//! are answered, and after `interval` seconds without a word from the
//! daemon a PING is sent; after `count` unanswered ones the connection is
//! closed as libvirt closes it ("connection closed due to keepalive
//! timeout"), so a dead peer never leaves a call hanging. `keepalive_interval`
//! and `keepalive_count` in the query change libvirt's defaults (5 and 6, as
//! virsh); an interval of 0 turns keepalive off.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use virt_core::{
    DomainRef, Driver, DriverEntry, EndReason, Error, ErrorCode, ErrorDomain, EventBus, GapReason,
    NetworkRef, Piece, Result, StreamEnds, StreamSink, StreamSource, Topic, Uri,
};

use crate::error::RemoteError;
use crate::packet::{
    read_packet, Header, MessageStatus, MessageType, KEEPALIVE_PROC_PING, KEEPALIVE_PROC_PONG,
    KEEPALIVE_PROGRAM, REMOTE_PROGRAM,
};
use crate::procs::{marker, session as p, Arg, Numbered, Procedure};
use crate::remote_error::WireError;
use crate::server::{feature, CONNECT_RO};
use crate::stream::{decode_error, decode_hole, unexpected_hole, StreamId, CHUNK};
use crate::xdr::{Decoder, Encoder, Xdr};

mod endpoint;
mod streams;

use endpoint::{connect, daemon_name, keepalive_of};
pub use endpoint::{endpoint_for, Endpoint};
pub use streams::ClientStream;

/// libvirt's TCP port for plain connections.
pub const TCP_PORT: u16 = 16509;
/// The system daemon's read-write socket.
pub const SYSTEM_SOCKET: &str = "/run/libvirt/libvirt-sock";
/// The system daemon's read-only socket.
pub const SYSTEM_SOCKET_RO: &str = "/run/libvirt/libvirt-sock-ro";

/// Why a connection closed (`virConnectCloseReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// A transport error.
    Error = 0,
    /// The daemon closed the connection.
    Eof = 1,
    /// The daemon stopped answering keepalives.
    Keepalive = 2,
    /// The client closed it.
    Client = 3,
}

pub use crate::packet::Keepalive;

/// What the reader thread and callers share.
struct State {
    /// The serials of the calls waiting for their replies: calls from
    /// several threads share the connection, as libvirt's client lets
    /// them (a `--verbose` job's progress asked while the job's call
    /// waits).
    waiting: HashSet<u32>,
    /// Replies read for waiting calls, by serial, until their caller
    /// takes them.
    replies: HashMap<u32, (Header, Vec<u8>)>,
    dead: Option<(Error, CloseReason)>,
    last_heard: Instant,
    unanswered: u32,
}

struct Wire {
    /// The connection this wire serves, told of events and of the wire's
    /// death.
    link: Weak<Link>,
    writer: Mutex<Box<dyn Write + Send>>,
    state: Mutex<State>,
    heard: Condvar,
    serial: AtomicU32,
    shutdown: Box<dyn Fn() + Send + Sync>,
    /// Open streams by serial: their packets go to their queues.
    streams: Mutex<HashMap<u32, Arc<Queue>>>,
}

/// Bytes of stream packets a queue holds before the reader waits for the
/// consumer (the daemon then waits on the socket: flow control).
const QUEUE_MAX: usize = 8 * 1024 * 1024;

/// The packets of one stream, in order, between the reader thread and
/// the stream's ends.
#[derive(Default)]
struct Queue {
    st: Mutex<QueueState>,
    changed: Condvar,
}

#[derive(Default)]
struct QueueState {
    packets: VecDeque<(Header, Vec<u8>)>,
    bytes: usize,
    /// The daemon reported the transfer failed.
    failed: Option<Error>,
    /// The connection ended, or the stream was let go of.
    dead: Option<Error>,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.st.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn close(&self, e: Error) {
        let mut q = self.lock();
        if q.dead.is_none() {
            q.dead = Some(e);
        }
        drop(q);
        self.changed.notify_all();
    }

    /// The next packet, waiting for it; `None` when the stream is dead.
    fn pop(&self, until: Option<Instant>) -> std::result::Result<(Header, Vec<u8>), Error> {
        let mut q = self.lock();
        loop {
            if let Some(p) = q.packets.pop_front() {
                q.bytes -= p.1.len();
                drop(q);
                self.changed.notify_all();
                return Ok(p);
            }
            if let Some(e) = &q.dead {
                return Err(e.clone());
            }
            q = match until {
                Some(t) => {
                    let left = t.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(Error::with(
                            ErrorCode::InternalError,
                            ErrorDomain::Rpc,
                            "no confirmation of the stream's end from the daemon",
                        ));
                    }
                    match self.changed.wait_timeout(q, left) {
                        Ok((g, _)) => g,
                        Err(p) => p.into_inner().0,
                    }
                }
                None => match self.changed.wait(q) {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                },
            };
        }
    }
}

impl Wire {
    /// A wire that is already closed: what a connection holds before its
    /// first wire is up.
    fn closed() -> Wire {
        Wire {
            link: Weak::new(),
            writer: Mutex::new(Box::new(std::io::sink())),
            state: Mutex::new(State {
                waiting: HashSet::new(),
                replies: HashMap::new(),
                dead: Some((
                    Error::with(
                        ErrorCode::InternalError,
                        ErrorDomain::Rpc,
                        "client socket is closed",
                    ),
                    CloseReason::Client,
                )),
                last_heard: Instant::now(),
                unanswered: 0,
            }),
            heard: Condvar::new(),
            serial: AtomicU32::new(0),
            shutdown: Box::new(|| {}),
            streams: Mutex::new(HashMap::new()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn send(&self, bytes: &[u8]) -> Result<()> {
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        w.write_all(bytes)
            .and_then(|()| w.flush())
            .map_err(|e| Error::system(ErrorDomain::Rpc, "Cannot write data", &e))
    }

    /// Mark the connection dead (the first reason wins) and stop the
    /// transport, which ends the reader.
    fn die(&self, e: Error, why: CloseReason) {
        let first = {
            let mut st = self.state();
            let first = st.dead.is_none();
            if first {
                st.dead = Some((e.clone(), why));
            }
            first
        };
        self.heard.notify_all();
        if let Some((dead, _)) = &self.state().dead {
            for q in self.streams_lock().values() {
                q.close(dead.clone());
            }
        }
        (self.shutdown)();
        if first && why != CloseReason::Client {
            if let Some(link) = self.link.upgrade() {
                link.lost(why, &e);
            }
        }
    }

    fn streams_lock(&self) -> MutexGuard<'_, HashMap<u32, Arc<Queue>>> {
        self.streams.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hand a stream packet to its queue; while the queue is full the
    /// reader waits for the consumer (and counts the wait as hearing from
    /// the daemon, whose data is what fills it).
    fn queue_packet(&self, q: &Queue, h: Header, body: Vec<u8>) {
        let mut st = q.lock();
        while st.bytes > QUEUE_MAX && st.dead.is_none() {
            st = match q.changed.wait_timeout(st, Duration::from_secs(1)) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
            self.state().last_heard = Instant::now();
        }
        if st.dead.is_some() {
            return;
        }
        if h.status == MessageStatus::Error && st.failed.is_none() {
            st.failed = Some(decode_error(&body));
        }
        st.bytes += body.len();
        st.packets.push_back((h, body));
        drop(st);
        q.changed.notify_all();
    }

    /// Read packets until the stream ends: replies to the waiting call,
    /// PONGs to the daemon's PINGs; anything heard counts as life.
    fn read_loop(&self, mut r: Box<dyn Read + Send>) {
        loop {
            match read_packet(&mut r) {
                Ok(Some((h, body))) => {
                    {
                        let mut st = self.state();
                        st.last_heard = Instant::now();
                        st.unanswered = 0;
                        if h.prog == REMOTE_PROGRAM
                            && h.kind == MessageType::Reply
                            && st.waiting.contains(&h.serial)
                        {
                            st.replies.insert(h.serial, (h, body));
                            drop(st);
                            self.heard.notify_all();
                            continue;
                        }
                    }
                    if h.prog == REMOTE_PROGRAM
                        && matches!(
                            h.kind,
                            MessageType::Stream | MessageType::StreamHole | MessageType::Reply
                        )
                    {
                        let queue = self.streams_lock().get(&h.serial).cloned();
                        if let Some(q) = queue {
                            self.queue_packet(&q, h, body);
                            continue;
                        }
                    }
                    if h.prog == KEEPALIVE_PROGRAM && h.proc_ == KEEPALIVE_PROC_PING {
                        let _ = self.send(&keepalive(KEEPALIVE_PROC_PONG));
                    } else if h.prog == REMOTE_PROGRAM && h.kind == MessageType::Message {
                        if let Some(link) = self.link.upgrade() {
                            link.deliver(h.proc_, &body);
                        }
                    }
                    // Stray replies are not asked for here.
                }
                Ok(None) => {
                    let e = Error::raw(
                        ErrorCode::SystemError,
                        ErrorDomain::Rpc,
                        "End of file while reading data: Input/output error",
                    );
                    self.die(e, CloseReason::Eof);
                    return;
                }
                Err(RemoteError::Io(e)) => {
                    self.die(
                        Error::system(ErrorDomain::Rpc, "Cannot recv data", &e),
                        CloseReason::Error,
                    );
                    return;
                }
                Err(e) => {
                    self.die(e.into(), CloseReason::Error);
                    return;
                }
            }
        }
    }

    /// PING after `interval` of silence; close after `count` unanswered.
    fn keepalive_loop(&self, ka: Keepalive) {
        let mut st = self.state();
        loop {
            if st.dead.is_some() {
                return;
            }
            let quiet = st.last_heard.elapsed();
            if quiet < ka.interval {
                st = match self.heard.wait_timeout(st, ka.interval - quiet) {
                    Ok((g, _)) => g,
                    Err(p) => p.into_inner().0,
                };
                continue;
            }
            if st.unanswered >= ka.count {
                drop(st);
                let e = Error::with(
                    ErrorCode::InternalError,
                    ErrorDomain::Rpc,
                    "connection closed due to keepalive timeout",
                );
                self.die(e, CloseReason::Keepalive);
                return;
            }
            st.unanswered += 1;
            // The next PING is due one interval after this one.
            st.last_heard = Instant::now();
            drop(st);
            let _ = self.send(&keepalive(KEEPALIVE_PROC_PING));
            st = self.state();
        }
    }

    /// One call: send, then wait for its reply or the connection's end.
    fn call<A: Xdr, R: Xdr>(&self, proc_: i32, args: &A) -> Result<R> {
        self.call_with(proc_, args, None).map(|(r, _)| r)
    }

    /// A call that opens a stream on its serial: the stream's queue is in
    /// place before the call leaves, so no packet after the reply is lost.
    fn call_opening_stream<A: Xdr, R: Xdr>(
        &self,
        proc_: i32,
        args: &A,
    ) -> Result<(R, StreamId, Arc<Queue>)> {
        let queue = Arc::new(Queue::default());
        let (r, id) = self.call_with(proc_, args, Some(&queue))?;
        Ok((r, id, queue))
    }

    fn call_with<A: Xdr, R: Xdr>(
        &self,
        proc_: i32,
        args: &A,
        stream: Option<&Arc<Queue>>,
    ) -> Result<(R, StreamId)> {
        let put = |e: &mut Encoder| {
            e.put(args);
        };
        let (body, header) = self.call_raw(proc_, &put, stream)?;
        match Decoder::new(&body).get::<R>() {
            Ok(r) => Ok((r, StreamId::of(&header))),
            Err(e) => {
                if stream.is_some() {
                    self.streams_lock().remove(&header.serial);
                }
                Err(e.into())
            }
        }
    }

    /// The part of a call that does not depend on its argument and reply
    /// types (kept out of the generic [`Wire::call_with`], which is made
    /// once per procedure): send the packet `args` writes, wait for the
    /// reply; its body, or the daemon's error.
    fn call_raw(
        &self,
        proc_: i32,
        args: &dyn Fn(&mut Encoder),
        stream: Option<&Arc<Queue>>,
    ) -> Result<(Vec<u8>, Header)> {
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let header = Header::call(proc_, serial);
        if let Some(q) = stream {
            self.streams_lock().insert(serial, q.clone());
        }
        let r = self.exchange(&header, args);
        if r.is_err() && stream.is_some() {
            self.streams_lock().remove(&serial);
        }
        r.map(|body| (body, header))
    }

    fn exchange(&self, header: &Header, args: &dyn Fn(&mut Encoder)) -> Result<Vec<u8>> {
        let serial = header.serial;
        let mut e = Encoder::packet(header);
        args(&mut e);
        let bytes = e.finish()?;
        {
            let mut st = self.state();
            if st.dead.is_some() {
                return Err(Error::with(
                    ErrorCode::InternalError,
                    ErrorDomain::Rpc,
                    "client socket is closed",
                ));
            }
            st.waiting.insert(serial);
        }
        if let Err(err) = self.send(&bytes) {
            self.die(err.clone(), CloseReason::Error);
            return Err(err);
        }
        let mut st = self.state();
        let (h, body) = loop {
            if let Some(r) = st.replies.remove(&serial) {
                break r;
            }
            if let Some((e, _)) = &st.dead {
                let e = e.clone();
                st.waiting.remove(&serial);
                return Err(e);
            }
            st = match self.heard.wait(st) {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
        };
        st.waiting.remove(&serial);
        drop(st);
        match h.status {
            MessageStatus::Ok => Ok(body),
            MessageStatus::Error => Err(Decoder::new(&body).get::<WireError>()?.into()),
            s => Err(Error::raw(
                ErrorCode::Rpc,
                ErrorDomain::Rpc,
                format!("Unexpected message status {}", s.number()),
            )),
        }
    }
}

fn keepalive(proc_: i32) -> Vec<u8> {
    crate::packet::encode_packet(&Header::keepalive(proc_), &[]).unwrap_or_default()
}

/// How long a connection with event subscribers tries to reach its
/// daemon again after losing it (a restarted daemon takes well under a
/// second to listen again).
pub const RECONNECT_WINDOW: Duration = Duration::from_secs(30);

/// What a remote connection and its threads share: the wire to the
/// daemon (replaced when a lost connection is made again), and the event
/// bus its subscribers listen on, fed by the daemon's event messages.
struct Link {
    endpoint: Endpoint,
    name: String,
    read_only: bool,
    keepalive: Keepalive,
    wire: Mutex<Arc<Wire>>,
    bus: EventBus,
    /// The daemon-side registrations (topic, callback id); its lock also
    /// keeps two reconciliations from crossing.
    registered: Mutex<Vec<(Topic, i32)>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    child: Mutex<Option<Child>>,
    closing: AtomicBool,
    reconnecting: AtomicBool,
}

impl Link {
    fn wire(&self) -> Arc<Wire> {
        self.wire.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn keep(&self, t: JoinHandle<()>) {
        let mut threads = self.threads.lock().unwrap_or_else(|p| p.into_inner());
        threads.retain(|t| !t.is_finished());
        threads.push(t);
    }

    /// An event message from the daemon: published to the subscribers.
    fn deliver(&self, proc_: i32, body: &[u8]) {
        match crate::events::decode(proc_, body) {
            Ok(Some((_callback, event))) => self.bus.publish(event),
            Ok(None) => log::debug!("message {proc_} from the daemon ignored"),
            Err(e) => log::warn!("event message {proc_} from the daemon: {e}"),
        }
    }

    /// Register on the daemon for what the subscribers want, and only
    /// that. Not from the reader thread (it would wait for its own reply).
    fn reconcile(&self) -> Result<()> {
        let mut registered = self.registered.lock().unwrap_or_else(|p| p.into_inner());
        let wanted = self.bus.demand();
        let wire = self.wire();
        let mut first_error = None;
        registered.retain(|(topic, cb)| {
            if wanted.contains(topic) {
                return true;
            }
            use crate::events::proc_ as ev;
            let proc_ = match topic {
                Topic::Domain(_) => ev::CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY,
                Topic::Network(_) => ev::CONNECT_NETWORK_EVENT_DEREGISTER_ANY,
                Topic::StoragePool(_) => ev::CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY,
                Topic::NodeDevice(_) => ev::CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY,
                Topic::Secret(_) => ev::CONNECT_SECRET_EVENT_DEREGISTER_ANY,
            };
            if let Err(e) = wire.call::<_, ()>(proc_, cb) {
                log::debug!("deregistering callback {cb}: {e}");
            }
            false
        });
        for topic in wanted {
            if registered.iter().any(|(t, _)| *t == topic) {
                continue;
            }
            use crate::events::proc_ as ev;
            // Every registration is for all objects of its kind: the bus
            // filters by object.
            let r = match topic {
                Topic::Domain(id) => wire.call::<_, i32>(
                    ev::CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
                    &(id as i32, None::<DomainRef>),
                ),
                Topic::Network(id) => wire.call::<_, i32>(
                    ev::CONNECT_NETWORK_EVENT_REGISTER_ANY,
                    &(id as i32, None::<NetworkRef>),
                ),
                Topic::StoragePool(id) => wire.call::<_, i32>(
                    ev::CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY,
                    &(id as i32, None::<virt_core::StoragePoolRef>),
                ),
                // remote_node_device and remote_secret, absent.
                Topic::NodeDevice(id) => wire.call::<_, i32>(
                    ev::CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY,
                    &(id as i32, None::<String>),
                ),
                Topic::Secret(id) => wire.call::<_, i32>(
                    ev::CONNECT_SECRET_EVENT_REGISTER_ANY,
                    &(id as i32, None::<(virt_core::Uuid, i32, String)>),
                ),
            };
            match r {
                Ok(cb) => registered.push((topic, cb)),
                // A daemon of an older libvirt without this event id:
                // the subscriber gets the others.
                Err(e) => {
                    log::debug!("registering for {topic:?}: {e}");
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) if registered.is_empty() => Err(e),
            _ => Ok(()),
        }
    }

    /// The wire died (not by our hand): with subscribers, reach the
    /// daemon again in the background; without, stay closed as libvirt's
    /// connections do.
    fn lost(self: &Arc<Self>, why: CloseReason, e: &Error) {
        if self.closing.load(Ordering::Acquire) {
            return;
        }
        let reason = match why {
            CloseReason::Keepalive => EndReason::KeepaliveTimeout,
            CloseReason::Eof => EndReason::Eof,
            _ => EndReason::Error(e.message.clone()),
        };
        if self.bus.subscriber_count() == 0 {
            self.bus.end_all(reason);
            return;
        }
        if self.reconnecting.swap(true, Ordering::AcqRel) {
            return;
        }
        let link = Arc::downgrade(self);
        let t = std::thread::Builder::new()
            .name("virt-remote-reconnect".into())
            .spawn(move || reconnect(&link, reason));
        match t {
            Ok(t) => self.keep(t),
            Err(err) => {
                log::warn!("cannot start reconnecting: {err}");
                self.bus.end_all(EndReason::Error(e.message.clone()));
            }
        }
    }
}

/// Try to reach the daemon again for [`RECONNECT_WINDOW`]; on success
/// renew the registrations and tell the subscribers events may have been
/// missed, else end their subscriptions with `reason`.
fn reconnect(link: &Weak<Link>, reason: EndReason) {
    let deadline = Instant::now() + RECONNECT_WINDOW;
    let mut pause = Duration::from_millis(20);
    loop {
        let Some(l) = link.upgrade() else { return };
        if l.closing.load(Ordering::Acquire) {
            return;
        }
        match open_wire(&l, link.clone()) {
            Ok(wire) => {
                *l.wire.lock().unwrap_or_else(|p| p.into_inner()) = wire;
                l.registered
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clear();
                l.reconnecting.store(false, Ordering::Release);
                match l.reconcile() {
                    Ok(()) => {
                        log::info!("{}: connection made again; events renewed", l.name);
                        l.bus.gap(GapReason::Reconnected);
                    }
                    Err(e) => {
                        log::warn!("{}: events not renewed: {e}", l.name);
                        l.bus.end_all(EndReason::DaemonRestarted);
                    }
                }
                return;
            }
            Err(e) if Instant::now() >= deadline => {
                log::warn!("{}: daemon not back: {e}", l.name);
                l.reconnecting.store(false, Ordering::Release);
                l.bus.end_all(reason);
                return;
            }
            Err(_) => {}
        }
        drop(l);
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// Connect, start the reader and keepalive, and open `link.name`.
fn open_wire(link: &Link, weak: Weak<Link>) -> Result<Arc<Wire>> {
    let (r, w, shutdown, child) = connect(&link.endpoint)?;
    let wire = Arc::new(Wire {
        link: weak,
        writer: Mutex::new(w),
        state: Mutex::new(State {
            waiting: HashSet::new(),
            replies: HashMap::new(),
            dead: None,
            last_heard: Instant::now(),
            unanswered: 0,
        }),
        heard: Condvar::new(),
        serial: AtomicU32::new(0),
        shutdown,
        streams: Mutex::new(HashMap::new()),
    });
    if let Some(c) = child {
        let old = link
            .child
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(c);
        if let Some(mut old) = old {
            let _ = old.wait();
        }
    }
    let reader = {
        let wire = wire.clone();
        std::thread::Builder::new()
            .name("virt-remote-reader".into())
            .spawn(move || wire.read_loop(r))
            .map_err(|e| Error::system(ErrorDomain::Rpc, "cannot start the reader", &e))?
    };
    link.keep(reader);
    if let Err(e) = handshake(link, &wire) {
        wire.die(e.clone(), CloseReason::Client);
        return Err(e);
    }
    Ok(wire)
}

/// virsh's prologue: AUTH_LIST, SUPPORTS_FEATURE(keepalive),
/// CONNECT_OPEN; keepalive started when the daemon speaks it.
fn handshake(link: &Link, wire: &Arc<Wire>) -> Result<()> {
    let auth: Vec<u32> = wire.call::<(), AuthList>(p::AUTH_LIST, &())?.0;
    if !auth.contains(&0) {
        return Err(Error::with(
            ErrorCode::AuthFailed,
            ErrorDomain::Remote,
            "authentication unavailable: only REMOTE_AUTH_NONE is supported by this client",
        ));
    }
    let keepalive: bool = wire.call(p::CONNECT_SUPPORTS_FEATURE, &feature::PROGRAM_KEEPALIVE)?;
    let flags = if link.read_only { CONNECT_RO } else { 0 };
    wire.call::<_, ()>(p::CONNECT_OPEN, &(Some(link.name.clone()), flags))?;
    let ka = link.keepalive;
    if keepalive && !ka.interval.is_zero() {
        let wire = wire.clone();
        let t = std::thread::Builder::new()
            .name("virt-remote-keepalive".into())
            .spawn(move || wire.keepalive_loop(ka))
            .map_err(|e| Error::system(ErrorDomain::Rpc, "cannot start keepalive", &e))?;
        link.keep(t);
    }
    Ok(())
}

/// An open connection to a remote daemon.
///
/// Events: subscribers of [`Driver::event_buses`] are registered for on
/// the daemon (by callback, as libvirt's client does) as they come and go.
/// While there are subscribers, a lost connection is made again in the
/// background (for [`RECONNECT_WINDOW`]): the registrations are renewed
/// and the subscribers get `Delivery::Gap`; when the daemon does not come
/// back they get `Delivery::Ended` with the reason. Calls made meanwhile
/// fail as on a closed connection.
pub struct RemoteDriver {
    link: Arc<Link>,
    type_name: String,
}

impl std::fmt::Debug for RemoteDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteDriver")
            .field("type_name", &self.type_name)
            .finish()
    }
}

impl RemoteDriver {
    /// Connect to `ep` and open `name` there, read-only or not.
    pub fn open_endpoint(
        ep: &Endpoint,
        name: &str,
        read_only: bool,
        ka: Keepalive,
    ) -> Result<Self> {
        let link = Arc::new_cyclic(|weak: &Weak<Link>| {
            let bus = EventBus::new();
            let w = weak.clone();
            bus.set_watcher(move || {
                // The reader thread removes subscribers that went away
                // while it publishes; it must not wait for a reply here.
                if std::thread::current().name() == Some("virt-remote-reader") {
                    return;
                }
                if let Some(l) = w.upgrade() {
                    if let Err(e) = l.reconcile() {
                        log::warn!("event registration on the daemon: {e}");
                    }
                }
            });
            Link {
                endpoint: ep.clone(),
                name: name.to_string(),
                read_only,
                keepalive: ka,
                // Replaced below before anyone can call.
                wire: Mutex::new(Arc::new(Wire::closed())),
                bus,
                registered: Mutex::new(Vec::new()),
                threads: Mutex::new(Vec::new()),
                child: Mutex::new(None),
                closing: AtomicBool::new(false),
                reconnecting: AtomicBool::new(false),
            }
        });
        let wire = open_wire(&link, Arc::downgrade(&link))?;
        let type_name = wire.call(p::CONNECT_GET_TYPE, &())?;
        *link.wire.lock().unwrap_or_else(|p| p.into_inner()) = wire;
        Ok(RemoteDriver { link, type_name })
    }

    /// Why the connection closed, once it has.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.link.wire().state().dead.as_ref().map(|(_, why)| *why)
    }

    /// A raw call of any procedure of the remote program (for procedures
    /// outside the Driver table).
    pub fn call<A: Xdr, R: Xdr>(&self, proc_: i32, args: &A) -> Result<R> {
        self.link.wire().call(proc_, args)
    }

    /// A Driver call through its procedure's shape.
    fn stub<P, A, R>(&self, a: A) -> Result<R>
    where
        P: Procedure<A, R> + Numbered,
    {
        let (args, prep) = P::args_to_wire(a, self)?;
        if P::STREAM {
            let wire = self.link.wire();
            let (ret, id, queue) = wire.call_opening_stream(P::number(&args), &args)?;
            let stream = ClientStream { wire, id, queue };
            return P::ret_with_stream(ret, prep, self, stream);
        }
        let ret: P::Ret = self.link.wire().call(P::number(&args), &args)?;
        P::ret_from_wire(ret, prep, self)
    }
}

/// `remote_auth_list_ret`.
struct AuthList(Vec<u32>);

impl Xdr for AuthList {
    fn encode(&self, e: &mut Encoder) {
        e.count(self.0.len(), crate::wire::AUTH_TYPE_LIST_MAX, "auth list");
        for t in &self.0 {
            e.u32(*t);
        }
    }
    fn decode(d: &mut Decoder<'_>) -> std::result::Result<Self, RemoteError> {
        let n = d.count(crate::wire::AUTH_TYPE_LIST_MAX, 4, "auth list")?;
        (0..n)
            .map(|_| d.u32())
            .collect::<std::result::Result<_, _>>()
            .map(AuthList)
    }
}

impl Drop for RemoteDriver {
    fn drop(&mut self) {
        let link = &self.link;
        link.closing.store(true, Ordering::Release);
        link.wire().die(
            Error::with(
                ErrorCode::InternalError,
                ErrorDomain::Rpc,
                "client socket is closed",
            ),
            CloseReason::Client,
        );
        link.bus.end_all(EndReason::Closed);
        loop {
            // A reconnection in flight may still add a thread: take until
            // none is left.
            let threads =
                std::mem::take(&mut *link.threads.lock().unwrap_or_else(|p| p.into_inner()));
            if threads.is_empty() {
                break;
            }
            for t in threads {
                let _ = t.join();
            }
        }
        // A wire made by a reconnection that raced with this drop.
        link.wire().die(
            Error::with(
                ErrorCode::InternalError,
                ErrorDomain::Rpc,
                "client socket is closed",
            ),
            CloseReason::Client,
        );
        if let Some(mut c) = link.child.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = c.wait();
        }
    }
}

macro_rules! client_stubs {
    ($(
        $(#[$m:meta])*
        [$api:ident, $kind:ident $(, check $check:ident)? $(, default $default:block)?]
        fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {
        impl Driver for RemoteDriver {
            fn type_name(&self) -> &str {
                &self.type_name
            }
            fn event_buses(&self) -> Vec<EventBus> {
                vec![self.link.bus.clone()]
            }
            $(
                fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    self.stub::<marker::$name, _, $ret>(($(Arg::owned(&$arg),)*))
                }
            )*
        }
    };
}

virt_core::for_each_driver_method!(client_stubs);

/// The registry's opener: remote URIs only.
pub fn open(uri: &Uri, read_only: bool) -> Option<Result<Box<dyn Driver>>> {
    let (ep, name) = match endpoint_for(uri, read_only)? {
        Ok(x) => x,
        Err(e) => return Some(Err(e)),
    };
    Some(keepalive_of(uri).and_then(|ka| {
        RemoteDriver::open_endpoint(&ep, &name, read_only, ka)
            .map(|d| Box::new(d) as Box<dyn Driver>)
    }))
}

/// Register the remote driver with virt-core's URI registry, and the
/// read-only fallback ([`read_only_fallback`]).
pub fn register() {
    virt_core::register_driver(DriverEntry {
        name: "remote",
        default_uri: None,
        open,
    });
    virt_core::registry::set_fallback(read_only_fallback);
}

/// The environment variable that moves the read-only socket the fallback
/// uses (tests point it at a daemon in a temp dir).
pub const RO_SOCKET_ENV: &str = "VIRT_RO_SOCKET";

/// A user who may not use the hypervisor itself (not root) still reads the
/// node's state: when the local driver of `xen:///` or `qemu:///system`
/// cannot open, the system daemon's read-only socket
/// (`/run/libvirt/libvirt-sock-ro`, or `$VIRT_RO_SOCKET`) serves the same
/// URI read-only, as libvirt_proxy served Xen to users. When that fails too
/// the error keeps the local one's code and says both.
pub fn read_only_fallback(
    uri: &Uri,
    _read_only: bool,
    failed: &Error,
) -> Option<Result<Box<dyn Driver>>> {
    let root = rustix::process::geteuid().is_root();
    let local = uri.transport.is_none() && uri.host.as_deref().is_none_or(str::is_empty);
    let node_wide = match uri.driver.as_str() {
        "xen" => matches!(uri.path.as_str(), "" | "/" | "/system"),
        "qemu" => uri.path == "/system",
        _ => false,
    };
    if root || !local || !node_wide {
        return None;
    }
    let socket = std::env::var_os(RO_SOCKET_ENV)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| SYSTEM_SOCKET_RO.into());
    let opened = keepalive_of(uri).and_then(|ka| {
        RemoteDriver::open_endpoint(&Endpoint::Unix(socket.clone()), &daemon_name(uri), true, ka)
    });
    Some(match opened {
        Ok(d) => {
            log::info!(
                "{}: {failed}; reading it through {} instead",
                uri,
                socket.display()
            );
            Ok(Box::new(d) as Box<dyn Driver>)
        }
        Err(e) => Err(Error::raw(
            failed.code,
            failed.domain,
            format!(
                "{}; and the system daemon's read-only socket {} could not serve it either: {}",
                failed.message,
                socket.display(),
                e.message
            ),
        )),
    })
}
