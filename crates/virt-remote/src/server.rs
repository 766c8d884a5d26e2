//! The daemon's side of one client connection: [`Session`] takes each
//! packet the client sends and gives back the packet to answer with, as
//! libvirtd 9.0 answers (its error codes and texts, no answer where it
//! sends none). Sockets, threads and keepalive timers are the daemon's.
//!
//! Every Driver call goes through [`virt_core::Checked`], the layer
//! in-process calls pass too, so a read-only socket refuses every mutating
//! procedure with libvirt's text whatever the client asked at open.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use virt_core::events::{domain_event_id, network_event_id};
use virt_core::{
    affect, default_uri, registry, Checked, Delivery, DomainRef, Driver, Error, ErrorCode,
    ErrorDomain, Event, EventFilter, Interrupt, NetworkRef, Piece, Result, StreamEnds, StreamSink,
    StreamSource, Subscription, Topic, Uri, Uuid, LIB_VERSION,
};

use crate::events::{self as wire_events, proc_ as ev};
use crate::packet::{
    Header, MessageStatus, MessageType, KEEPALIVE_PROC_PING, KEEPALIVE_PROC_PONG,
    KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION,
};
use crate::procs::{marker, session as p, Arg, Lend, Numbered, Procedure};
use crate::remote_error::WireError;
use crate::stream::{decode_hole, unexpected_hole, StreamId, CHUNK};
use crate::xdr::{Decoder, Encoder, Xdr};

/// `VIR_CONNECT_RO`, the read-only bit of `CONNECT_OPEN`'s flags.
pub const CONNECT_RO: u32 = 1;

/// Features `CONNECT_SUPPORTS_FEATURE` is asked about
/// (`VIR_DRV_FEATURE_*`).
pub mod feature {
    /// Typed parameters may be strings.
    pub const TYPED_PARAM_STRING: i32 = 9;
    /// The keepalive program is served.
    pub const PROGRAM_KEEPALIVE: i32 = 10;
    /// Event callbacks by id.
    pub const REMOTE_EVENT_CALLBACK: i32 = 14;
    /// Connection close callbacks.
    pub const REMOTE_CLOSE_CALLBACK: i32 = 15;
}

/// libvirt's `VIR_ERR_RPC` from `VIR_FROM_RPC`, worded whole.
fn rpc_error(text: String) -> Error {
    Error::raw(ErrorCode::Rpc, ErrorDomain::Rpc, text)
}

/// libvirt's "internal error: ..." from the RPC layer.
fn internal(text: &str) -> Error {
    Error::with(ErrorCode::InternalError, ErrorDomain::Rpc, text)
}

/// Where a session sends the event packets of its client: called on the
/// session's event thread with each whole MESSAGE packet. It must not
/// block (the daemon queues the packet, or drops a client that does not
/// keep up).
pub type EventOutput = Arc<dyn Fn(Vec<u8>) + Send + Sync>;

/// How a client registered, which decides the form of its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// By callback id: `DOMAIN_EVENT_CALLBACK_*` / `NETWORK_EVENT_*`.
    Callback,
    /// `CONNECT_DOMAIN_EVENT_REGISTER(_ANY)`: `DOMAIN_EVENT_LIFECYCLE`.
    Legacy,
}

/// One registration of the client.
#[derive(Debug, Clone)]
struct Registration {
    callback_id: i32,
    topic: Topic,
    /// Only events about this domain or network.
    object: Option<Uuid>,
    form: Form,
}

#[derive(Default)]
struct Registrations {
    next_id: i32,
    list: Vec<Registration>,
}

/// The client's event registrations and the one subscription (to every
/// event of the driver) that serves them all, in order.
struct Events {
    registrations: Arc<Mutex<Registrations>>,
    _subscription: Subscription,
}

/// Send `event` to every registration of the client that wants it.
fn relay(registrations: &Mutex<Registrations>, output: &EventOutput, event: &Event) {
    let regs = registrations.lock().unwrap_or_else(PoisonError::into_inner);
    let topic = event.topic();
    let object = match event {
        Event::Domain { dom, .. } => dom.uuid,
        Event::Network { net, .. } => net.uuid,
    };
    for r in regs.list.iter().filter(|r| r.topic == topic) {
        if r.object.is_some_and(|o| o != object) {
            continue;
        }
        let packet = match r.form {
            Form::Callback => Some(wire_events::encode(r.callback_id, event)),
            Form::Legacy => wire_events::encode_legacy_lifecycle(event),
        };
        match packet {
            Some(Ok(p)) => output(p),
            Some(Err(e)) => log::warn!("event not sent: {e}"),
            None => {}
        }
    }
}

/// One client connection's state.
pub struct Session {
    socket_read_only: bool,
    secure: bool,
    conn: Option<Open>,
    closed: bool,
    /// Streams open on this connection.
    streams: Vec<OpenStream>,
    /// Streams whose data flows to the client, for the daemon to run.
    pumps: Vec<StreamPump>,
    event_output: Option<EventOutput>,
    events: Option<Events>,
}

/// A stream the client opened with a call: where its packets go.
struct OpenStream {
    id: StreamId,
    sink: Option<Box<dyn StreamSink>>,
    pump: Option<Arc<PumpControl>>,
}

impl OpenStream {
    /// Stop the data flowing to the client and take its source back.
    fn stop_pump(&mut self) -> Option<Box<dyn StreamSource>> {
        let pump = self.pump.take()?;
        pump.stop();
        pump.wait_done();
        let source = pump.lock().source.take();
        source
    }

    fn abort(&mut self) {
        if let Some(mut s) = self.stop_pump() {
            s.abort();
        }
        if let Some(mut s) = self.sink.take() {
            s.abort();
        }
    }
}

/// How long a finish or abort waits for the stream's pump to stop.
const PUMP_STOP_WAIT: Duration = Duration::from_secs(30);

/// What a [`StreamPump`] and its session share.
struct PumpControl {
    stop: AtomicBool,
    state: Mutex<PumpState>,
    changed: Condvar,
    interrupt: Option<Interrupt>,
}

struct PumpState {
    done: bool,
    /// The source, back from the pump once it is done.
    source: Option<Box<dyn StreamSource>>,
}

impl PumpControl {
    fn lock(&self) -> std::sync::MutexGuard<'_, PumpState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(i) = &self.interrupt {
            i();
        }
    }

    fn wait_done(&self) {
        let mut st = self.lock();
        let deadline = std::time::Instant::now() + PUMP_STOP_WAIT;
        while !st.done {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                log::warn!("a stream's pump did not stop in time");
                return;
            }
            st = match self.changed.wait_timeout(st, left) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }
}

/// The data of one stream flowing to the client: the daemon runs
/// [`StreamPump::run`] in a thread of its own, so the connection's calls
/// (keepalive, the stream's finish or abort) are answered meanwhile, and
/// the pump waits on the socket when the client reads slower than the
/// source yields (flow control that holds up only this stream).
pub struct StreamPump {
    id: StreamId,
    source: Option<Box<dyn StreamSource>>,
    control: Arc<PumpControl>,
}

impl StreamPump {
    /// Read the source and send its pieces as packets through `send`
    /// (which writes one whole packet) until the end, a failure (sent as
    /// the stream's error) or a stop from the session.
    pub fn run(mut self, send: &mut dyn FnMut(&[u8]) -> std::io::Result<()>) {
        let mut buf = vec![0u8; CHUNK];
        if let Some(source) = self.source.as_mut() {
            loop {
                if self.control.stop.load(Ordering::SeqCst) {
                    break;
                }
                let (packet, last) = match source.read(&mut buf) {
                    Ok(Piece::Data(n)) => (self.id.data(&buf[..n.min(buf.len())]), false),
                    Ok(Piece::Hole(len)) => (self.id.hole(len), false),
                    Ok(Piece::End) => (self.id.data(&[]), true),
                    Err(e) => (Ok(self.id.error(&e)), true),
                };
                if self.control.stop.load(Ordering::SeqCst) {
                    break;
                }
                let sent = match packet {
                    Ok(p) => send(&p),
                    Err(e) => send(&self.id.error(&e.into())),
                };
                if let Err(e) = sent {
                    log::debug!("stream data not delivered: {e}");
                    break;
                }
                if last {
                    break;
                }
            }
        }
        let mut st = self.control.lock();
        st.source = self.source.take();
        st.done = true;
        drop(st);
        self.control.changed.notify_all();
    }
}

impl Drop for StreamPump {
    /// A pump never run still tells its session it is done.
    fn drop(&mut self) {
        let mut st = self.control.lock();
        if !st.done {
            st.source = self.source.take();
            st.done = true;
            drop(st);
            self.control.changed.notify_all();
        }
    }
}

impl Drop for Session {
    /// A client that leaves aborts its open streams.
    fn drop(&mut self) {
        self.pumps.clear();
        for mut s in std::mem::take(&mut self.streams) {
            s.abort();
        }
    }
}

struct Open {
    driver: Box<dyn Driver>,
    read_only: bool,
}

impl Drop for Open {
    fn drop(&mut self) {
        if let Err(e) = self.driver.close() {
            log::warn!("closing the driver of a remote connection: {e}");
        }
    }
}

impl Session {
    /// A session for a client of the read-only socket (`read_only`) or
    /// the read-write one.
    pub fn new(read_only: bool) -> Self {
        Session {
            socket_read_only: read_only,
            secure: true,
            conn: None,
            closed: false,
            streams: Vec::new(),
            pumps: Vec::new(),
            event_output: None,
            events: None,
        }
    }

    /// Let this session's client register for events, delivered through
    /// `output`. Without one, registrations are refused as unsupported.
    pub fn set_event_output(&mut self, output: EventOutput) {
        self.event_output = Some(output);
    }

    /// True while the client has an event registration.
    pub fn has_event_registrations(&self) -> bool {
        self.events.as_ref().is_some_and(|e| {
            !e.registrations
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .list
                .is_empty()
        })
    }

    /// Add a registration; its callback id.
    fn register(
        &mut self,
        api: &str,
        topic: Topic,
        object: Option<Uuid>,
        form: Form,
    ) -> Result<i32> {
        let conn = self
            .conn
            .as_ref()
            .ok_or_else(|| internal("hypervisor connection not open"))?;
        if self.events.is_none() {
            let buses = conn.driver.event_buses();
            let (Some(output), false) = (self.event_output.clone(), buses.is_empty()) else {
                return Err(Error::no_support(api));
            };
            let registrations = Arc::new(Mutex::new(Registrations {
                next_id: 1,
                list: Vec::new(),
            }));
            let regs = registrations.clone();
            let subscription = Subscription::callback(&buses, &EventFilter::all(), move |d| {
                if let Delivery::Event(e) = d {
                    relay(&regs, &output, &e);
                }
            })
            .map_err(|e| {
                Error::with(
                    ErrorCode::SystemError,
                    ErrorDomain::Events,
                    format!("cannot start the event thread: {e}"),
                )
            })?;
            self.events = Some(Events {
                registrations,
                _subscription: subscription,
            });
        }
        let events = self.events.as_ref().ok_or_else(|| internal("no events"))?;
        let mut regs = events
            .registrations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let callback_id = regs.next_id;
        regs.next_id += 1;
        regs.list.push(Registration {
            callback_id,
            topic,
            object,
            form,
        });
        Ok(callback_id)
    }

    /// Remove the registrations `which` picks; false when there was none.
    fn deregister(&mut self, which: impl Fn(&Registration) -> bool) -> bool {
        let Some(events) = &self.events else {
            return false;
        };
        let mut regs = events
            .registrations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let before = regs.list.len();
        regs.list.retain(|r| !which(r));
        let removed = regs.list.len() != before;
        let empty = regs.list.is_empty();
        drop(regs);
        if empty {
            // No registration left: stop listening to the driver at all.
            self.events = None;
        }
        removed
    }

    /// The event registration procedures; `None` for other procedures.
    fn event_call(
        &mut self,
        proc_: i32,
        args: &mut Decoder<'_>,
        out: &mut Encoder,
    ) -> Option<Result<()>> {
        let r = match proc_ {
            ev::CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY => {
                decode::<(i32, Option<DomainRef>)>(args).and_then(|(id, dom)| {
                    let id = domain_id(id)?;
                    let cb = self.register(
                        "virConnectDomainEventRegisterAny",
                        Topic::Domain(id),
                        dom.map(|d| d.uuid),
                        Form::Callback,
                    )?;
                    out.i32(cb);
                    Ok(())
                })
            }
            ev::CONNECT_NETWORK_EVENT_REGISTER_ANY => decode::<(i32, Option<NetworkRef>)>(args)
                .and_then(|(id, net)| {
                    let id = u32::try_from(id)
                        .ok()
                        .filter(|&i| i < network_event_id::LAST)
                        .ok_or_else(|| internal(&format!("unsupported network event ID {id}")))?;
                    let cb = self.register(
                        "virConnectNetworkEventRegisterAny",
                        Topic::Network(id),
                        net.map(|n| n.uuid),
                        Form::Callback,
                    )?;
                    out.i32(cb);
                    Ok(())
                }),
            // Storage pool, node device and secret events: registrations
            // are kept (clients such as libvirt-python's event-test.py
            // register for every kind), though no driver publishes them.
            ev::CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY => {
                decode::<(i32, Option<virt_core::StoragePoolRef>)>(args).and_then(|(id, pool)| {
                    let id = other_id(id, 2, "storage pool")?;
                    self.register_other(Topic::StoragePool(id), pool.map(|p| p.uuid), out)
                })
            }
            ev::CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY => decode::<(i32, Option<String>)>(args)
                .and_then(|(id, _dev)| {
                    let id = other_id(id, 2, "node device")?;
                    self.register_other(Topic::NodeDevice(id), None, out)
                }),
            ev::CONNECT_SECRET_EVENT_REGISTER_ANY => {
                decode::<(i32, Option<(Uuid, i32, String)>)>(args).and_then(|(id, secret)| {
                    let id = other_id(id, 2, "secret")?;
                    self.register_other(Topic::Secret(id), secret.map(|s| s.0), out)
                })
            }
            ev::CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY
            | ev::CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY
            | ev::CONNECT_SECRET_EVENT_DEREGISTER_ANY => decode::<i32>(args).and_then(|cb| {
                let (what, wanted): (&str, fn(&Topic) -> bool) = match proc_ {
                    ev::CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY => {
                        ("storage pool", |t| matches!(t, Topic::StoragePool(_)))
                    }
                    ev::CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY => {
                        ("node device", |t| matches!(t, Topic::NodeDevice(_)))
                    }
                    _ => ("secret", |t| matches!(t, Topic::Secret(_))),
                };
                if self.deregister(|r| r.callback_id == cb && wanted(&r.topic)) {
                    Ok(())
                } else {
                    Err(internal(&format!(
                        "{what} event callback {cb} not registered"
                    )))
                }
            }),
            ev::CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY
            | ev::CONNECT_NETWORK_EVENT_DEREGISTER_ANY => decode::<i32>(args).and_then(|cb| {
                let network = proc_ == ev::CONNECT_NETWORK_EVENT_DEREGISTER_ANY;
                let removed = self.deregister(|r| {
                    r.callback_id == cb
                        && r.form == Form::Callback
                        && matches!(r.topic, Topic::Network(_)) == network
                });
                if removed {
                    Ok(())
                } else if network {
                    Err(internal(&format!(
                        "network event callback {cb} not registered"
                    )))
                } else {
                    Err(internal(&format!(
                        "domain event callback {cb} not registered"
                    )))
                }
            }),
            // The oldest forms carry lifecycle events only, without a
            // callback id: one registration per connection.
            ev::CONNECT_DOMAIN_EVENT_REGISTER_ANY => decode::<i32>(args).and_then(|id| {
                let id = domain_id(id)?;
                if id != domain_event_id::LIFECYCLE {
                    return Err(Error::no_support("virConnectDomainEventRegisterAny"));
                }
                self.register_legacy()
            }),
            ev::CONNECT_DOMAIN_EVENT_REGISTER => self.register_legacy().map(|()| {
                out.i32(1);
            }),
            ev::CONNECT_DOMAIN_EVENT_DEREGISTER_ANY | ev::CONNECT_DOMAIN_EVENT_DEREGISTER => {
                let id = if proc_ == ev::CONNECT_DOMAIN_EVENT_DEREGISTER_ANY {
                    decode::<i32>(args).and_then(domain_id)
                } else {
                    Ok(domain_event_id::LIFECYCLE)
                };
                id.and_then(|id| {
                    if !self.deregister(|r| r.form == Form::Legacy && r.topic == Topic::Domain(id))
                    {
                        return Err(internal(&format!("domain event {id} not registered")));
                    }
                    if proc_ == ev::CONNECT_DOMAIN_EVENT_DEREGISTER {
                        out.i32(0);
                    }
                    Ok(())
                })
            }
            _ => return None,
        };
        Some(r)
    }

    fn register_other(
        &mut self,
        topic: Topic,
        object: Option<Uuid>,
        out: &mut Encoder,
    ) -> Result<()> {
        let cb = self.register(
            "virConnectStoragePoolEventRegisterAny",
            topic,
            object,
            Form::Callback,
        )?;
        out.i32(cb);
        Ok(())
    }

    fn register_legacy(&mut self) -> Result<()> {
        let known = self.events.as_ref().is_some_and(|e| {
            e.registrations
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .list
                .iter()
                .any(|r| r.form == Form::Legacy)
        });
        if known {
            return Err(internal("domain event 0 already registered"));
        }
        self.register(
            "virConnectDomainEventRegister",
            Topic::Domain(domain_event_id::LIFECYCLE),
            None,
            Form::Legacy,
        )
        .map(drop)
    }

    /// The streams whose data the daemon is to send to the client, each
    /// to run ([`StreamPump::run`]) once the reply that opened it is out.
    pub fn take_pumps(&mut self) -> Vec<StreamPump> {
        std::mem::take(&mut self.pumps)
    }

    /// Whether the transport is secure (`CONNECT_IS_SECURE`): true for
    /// local sockets and ssh (the default), false for plain TCP.
    pub fn set_secure(&mut self, secure: bool) {
        self.secure = secure;
    }

    /// True once the client sent `CONNECT_CLOSE`: after its reply the
    /// daemon closes the connection, as libvirtd does.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// True while a driver connection is open.
    pub fn is_open(&self) -> bool {
        self.conn.is_some()
    }

    /// True when calls are refused changes (read-only socket or open).
    pub fn is_read_only(&self) -> bool {
        self.socket_read_only || self.conn.as_ref().is_some_and(|c| c.read_only)
    }

    /// Answer one packet: the whole reply packet, or `None` where libvirt
    /// sends nothing (keepalive PONGs, messages of a type no call has).
    pub fn handle(&mut self, header: &Header, body: &[u8]) -> Option<Vec<u8>> {
        if header.prog == KEEPALIVE_PROGRAM && header.vers == KEEPALIVE_PROTOCOL_VERSION {
            return (header.proc_ == KEEPALIVE_PROC_PING && header.kind == MessageType::Message)
                .then(|| keepalive(KEEPALIVE_PROC_PONG));
        }
        if header.prog != REMOTE_PROGRAM || header.vers != REMOTE_PROTOCOL_VERSION {
            let e = rpc_error(format!(
                "Cannot find program {} version {}",
                header.prog, header.vers
            ));
            return Some(error_reply(header, &e));
        }
        if matches!(header.kind, MessageType::Stream | MessageType::StreamHole) {
            return self.stream_packet(header, body);
        }
        if !matches!(header.kind, MessageType::Call | MessageType::CallWithFds) {
            // libvirt answers messages of other types with nothing the
            // client reads.
            return None;
        }
        if header.status != MessageStatus::Ok {
            let e = rpc_error(format!(
                "Unexpected message status {}",
                header.status.number()
            ));
            return Some(error_reply(header, &e));
        }
        let mut out = Encoder::packet(&header.reply(MessageStatus::Ok));
        let mut args = Decoder::new(body);
        let mut opened = None;
        match self.call(header.proc_, &mut args, &mut out, &mut opened) {
            Ok(()) => match out.finish() {
                Ok(bytes) => {
                    if let Some(ends) = opened {
                        self.open_stream(header, ends);
                    }
                    Some(bytes)
                }
                Err(e) => {
                    if let Some(mut ends) = opened {
                        abort_ends(&mut ends);
                    }
                    Some(error_reply(header, &e.into()))
                }
            },
            Err(e) => Some(error_reply(header, &e)),
        }
    }

    /// Keep the stream a call opened; its data to the client waits for
    /// the daemon to run its pump.
    fn open_stream(&mut self, call: &Header, ends: StreamEnds) {
        let id = StreamId::of(call);
        let pump = ends.source.map(|source| {
            let control = Arc::new(PumpControl {
                stop: AtomicBool::new(false),
                state: Mutex::new(PumpState {
                    done: false,
                    source: None,
                }),
                changed: Condvar::new(),
                interrupt: source.interrupter(),
            });
            self.pumps.push(StreamPump {
                id,
                source: Some(source),
                control: control.clone(),
            });
            control
        });
        self.streams.push(OpenStream {
            id,
            sink: ends.sink,
            pump,
        });
    }

    /// A stream packet from the client: data or a hole for the stream's
    /// sink, its finish (`OK`) or abort (`ERROR`). Packets of no open
    /// stream are dropped, as libvirt drops data that follows a stream's
    /// failure.
    fn stream_packet(&mut self, h: &Header, body: &[u8]) -> Option<Vec<u8>> {
        let i = self.streams.iter().position(|s| s.id.matches(h))?;
        let s = &mut self.streams[i];
        let result = match (h.kind, h.status) {
            (MessageType::StreamHole, MessageStatus::Continue) => match s.sink.as_mut() {
                Some(sink) => decode_hole(body).and_then(|len| sink.hole(len)),
                None => Err(unexpected_hole()),
            },
            (MessageType::Stream, MessageStatus::Continue) => match s.sink.as_mut() {
                // An empty packet: the client's end of data, which the
                // finish that follows completes.
                _ if body.is_empty() => Ok(()),
                Some(sink) => sink.write(body),
                None => Err(Error::raw(
                    ErrorCode::Rpc,
                    ErrorDomain::Rpc,
                    "stream data sent to a stream that only receives",
                )),
            },
            (MessageType::Stream, MessageStatus::Ok) => {
                let mut s = self.streams.remove(i);
                let mut r = Ok(());
                if let Some(mut source) = s.stop_pump() {
                    r = source.finish();
                }
                if let Some(mut sink) = s.sink.take() {
                    let f = sink.finish();
                    if r.is_ok() {
                        r = f;
                    }
                }
                return Some(match r {
                    Ok(()) => s.id.empty(MessageStatus::Ok).unwrap_or_default(),
                    Err(e) => s.id.error(&e),
                });
            }
            (MessageType::Stream, MessageStatus::Error) => {
                let mut s = self.streams.remove(i);
                s.abort();
                log::info!("stream aborted at client request");
                return s.id.empty(MessageStatus::Ok).ok();
            }
            (_, status) => Err(rpc_error(format!(
                "stream aborted with unexpected status {}",
                status.number()
            ))),
        };
        match result {
            Ok(()) => None,
            Err(e) => {
                // The transfer failed: the stream ends here, the client
                // hears why, and what it still sends for it is dropped.
                let mut s = self.streams.remove(i);
                s.abort();
                Some(s.id.error(&e))
            }
        }
    }

    fn call(
        &mut self,
        proc_: i32,
        args: &mut Decoder<'_>,
        out: &mut Encoder,
        opened: &mut Option<StreamEnds>,
    ) -> Result<()> {
        match proc_ {
            p::CONNECT_OPEN => {
                let (name, flags): (Option<String>, u32) = decode(args)?;
                self.open(name, flags)
            }
            p::CONNECT_CLOSE => {
                self.connection()?;
                self.events = None;
                self.conn = None;
                self.closed = true;
                Ok(())
            }
            p::AUTH_LIST => {
                // Only REMOTE_AUTH_NONE: the sockets' permissions are the
                // access control.
                out.u32(1).u32(0);
                Ok(())
            }
            p::CONNECT_SUPPORTS_FEATURE => {
                let feature: i32 = decode(args)?;
                let yes = matches!(
                    feature,
                    feature::TYPED_PARAM_STRING
                        | feature::PROGRAM_KEEPALIVE
                        | feature::REMOTE_EVENT_CALLBACK
                        | feature::REMOTE_CLOSE_CALLBACK
                );
                out.bool(yes);
                Ok(())
            }
            p::CONNECT_GET_LIB_VERSION => {
                out.u64(LIB_VERSION);
                Ok(())
            }
            p::CONNECT_IS_SECURE => {
                self.connection()?;
                out.bool(self.secure);
                Ok(())
            }
            p::CONNECT_GET_TYPE => {
                let c = self.connection()?;
                out.string(c.type_name());
                Ok(())
            }
            p::CONNECT_REGISTER_CLOSE_CALLBACK | p::CONNECT_UNREGISTER_CLOSE_CALLBACK => {
                // The close callback fires when the daemon drops the
                // connection; the client learns that from the socket.
                self.connection()?;
                Ok(())
            }
            _ => {
                if let Some(r) = self.event_call(proc_, args, out) {
                    return r;
                }
                let c = self.connection()?;
                match legacy(c, proc_, args, out)
                    .or_else(|| dispatch_driver_call(c, proc_, args, out, opened))
                {
                    Some(r) => r,
                    None => Err(rpc_error(format!("unknown procedure: {proc_}"))),
                }
            }
        }
    }

    fn connection(&self) -> Result<Checked<'_>> {
        match &self.conn {
            Some(c) => Ok(Checked::new(c.driver.as_ref(), c.read_only)),
            None => Err(internal("hypervisor connection not open")),
        }
    }

    fn open(&mut self, name: Option<String>, flags: u32) -> Result<()> {
        if self.conn.is_some() {
            return Err(internal("connection already open"));
        }
        let read_only = self.socket_read_only || flags & CONNECT_RO != 0;
        let name = match name.filter(|n| !n.is_empty()) {
            Some(n) => n,
            None => default_uri()
                .ok_or_else(|| Error::new(ErrorCode::NoConnect, ErrorDomain::None, None))?,
        };
        let uri = Uri::parse(&name)?;
        for entry in registry::drivers() {
            if let Some(res) = (entry.open)(&uri, read_only) {
                self.conn = Some(Open {
                    driver: res?,
                    read_only,
                });
                return Ok(());
            }
        }
        Err(Error::with(ErrorCode::NoConnect, ErrorDomain::None, &name))
    }
}

/// An event id below `last` for objects of `what`, or libvirt's error.
fn other_id(id: i32, last: u32, what: &str) -> Result<u32> {
    u32::try_from(id)
        .ok()
        .filter(|&i| i < last)
        .ok_or_else(|| internal(&format!("unsupported {what} event ID {id}")))
}

/// A domain event id libvirt 9.0 knows, or its error.
fn domain_id(id: i32) -> Result<u32> {
    u32::try_from(id)
        .ok()
        .filter(|&i| i < domain_event_id::LAST)
        .ok_or_else(|| internal(&format!("unsupported event ID {id}")))
}

fn keepalive(proc_: i32) -> Vec<u8> {
    let mut e = Encoder::packet(&Header::keepalive(proc_));
    e.put(&());
    e.finish().unwrap_or_default()
}

/// The error reply to `call`: its program, version, procedure and serial,
/// status ERROR, a `remote_error` body.
pub fn error_reply(call: &Header, e: &Error) -> Vec<u8> {
    let mut out = Encoder::packet(&call.reply(MessageStatus::Error));
    out.put(&WireError::from(e));
    match out.finish() {
        Ok(b) => b,
        Err(_) => {
            // A message too long for a packet: send what fits.
            let short = Error::raw(e.code, e.domain, "error message too long for the wire");
            let mut out = Encoder::packet(&call.reply(MessageStatus::Error));
            out.put(&WireError::from(&short));
            out.finish().unwrap_or_default()
        }
    }
}

/// Decode a whole argument struct. As libvirt's, bytes after it are
/// ignored.
fn decode<T: Xdr>(args: &mut Decoder<'_>) -> Result<T> {
    args.get()
        .map_err(|_| rpc_error("Unable to decode message payload".into()))
}

/// Abort both ends of a stream that will not be used.
fn abort_ends(ends: &mut StreamEnds) {
    if let Some(s) = ends.sink.as_mut() {
        s.abort();
    }
    if let Some(s) = ends.source.as_mut() {
        s.abort();
    }
}

/// Serve a Driver call through its procedure's shape; a call that opens a
/// stream leaves its ends in `opened`.
fn serve<P, A, R>(
    args: &mut Decoder<'_>,
    out: &mut Encoder,
    opened: &mut Option<StreamEnds>,
    call: impl FnOnce(&A) -> Result<R>,
) -> Result<()>
where
    P: Procedure<A, R>,
{
    let wire: P::Args = decode(args)?;
    let (a, extra) = P::args_from_wire(wire)?;
    let r = call(&a)?;
    let (ret, ends) = P::ret_to_wire_stream(r, extra)?;
    out.put(&ret);
    *opened = ends;
    Ok(())
}

macro_rules! dispatch_table {
    ($(
        $(#[$m:meta])*
        [$api:ident, $kind:ident $(, check $check:ident)? $(, default $default:block)?]
        fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {
        /// Run the Driver call procedure `number` carries; `None` when no
        /// call of the table has that number.
        fn dispatch_driver_call(
            c: Checked<'_>,
            number: i32,
            args: &mut Decoder<'_>,
            out: &mut Encoder,
            opened: &mut Option<StreamEnds>,
        ) -> Option<Result<()>> {
            $(
                if number == <marker::$name as Numbered>::NUMBER
                    && <marker::$name as Numbered>::SERVED
                {
                    let c = match <marker::$name as Numbered>::API {
                        Some(api) => c.as_api(api),
                        None => c,
                    };
                    return Some(serve::<marker::$name, _, $ret>(
                        args,
                        out,
                        opened,
                        |a: &($(<$ty as Arg>::Owned,)*)| {
                            #[allow(unused_variables, clippy::unused_unit)]
                            let ($($arg,)*) = a;
                            c.$name($(Lend::lend($arg)),*)
                        },
                    ));
                }
            )*
            None
        }
    };
}

virt_core::for_each_driver_method!(dispatch_table);

/// Procedures that carry a Driver call in an older or shared shape:
/// libvirt's calls without flags (`virDomainDestroy`, ...), which name
/// their own public function in refusals, and the save and restore pair
/// that carries two calls each.
fn legacy(
    c: Checked<'_>,
    proc_: i32,
    args: &mut Decoder<'_>,
    out: &mut Encoder,
) -> Option<Result<()>> {
    let r =
        match proc_ {
            p::DOMAIN_CREATE => decode::<DomainRef>(args)
                .and_then(|d| c.as_api("virDomainCreate").domain_create(&d, 0).map(drop)),
            p::DOMAIN_DEFINE_XML => decode::<String>(args).and_then(|x| {
                let d = c.as_api("virDomainDefineXML").domain_define_xml(&x, 0)?;
                out.put(&d);
                Ok(())
            }),
            p::NETWORK_CREATE_XML => decode::<String>(args).and_then(|x| {
                let n = c.as_api("virNetworkCreateXML").network_create_xml(&x, 0)?;
                out.put(&n);
                Ok(())
            }),
            p::NETWORK_DEFINE_XML => decode::<String>(args).and_then(|x| {
                let n = c.as_api("virNetworkDefineXML").network_define_xml(&x, 0)?;
                out.put(&n);
                Ok(())
            }),
            p::DOMAIN_DESTROY => decode::<DomainRef>(args)
                .and_then(|d| c.as_api("virDomainDestroy").domain_destroy(&d, 0)),
            p::DOMAIN_SHUTDOWN => decode::<DomainRef>(args)
                .and_then(|d| c.as_api("virDomainShutdown").domain_shutdown(&d, 0)),
            p::DOMAIN_UNDEFINE => decode::<DomainRef>(args)
                .and_then(|d| c.as_api("virDomainUndefine").domain_undefine(&d, 0)),
            // virDomainSetMaxMemory, virDomainSetMemory and virDomainSetVcpus
            // are their Flags calls with libvirt's fixed flags (python's
            // setMemory, virsh's setvcpus without options send these).
            p::DOMAIN_SET_MAX_MEMORY => decode::<(DomainRef, u64)>(args).and_then(|(d, kib)| {
                c.as_api("virDomainSetMaxMemory").domain_set_memory_flags(
                    &d,
                    kib,
                    affect::MAXIMUM | affect::CURRENT,
                )
            }),
            p::DOMAIN_SET_MEMORY => decode::<(DomainRef, u64)>(args).and_then(|(d, kib)| {
                c.as_api("virDomainSetMemory")
                    .domain_set_memory_flags(&d, kib, affect::LIVE)
            }),
            p::DOMAIN_SET_VCPUS => decode::<(DomainRef, u32)>(args).and_then(|(d, n)| {
                c.as_api("virDomainSetVcpus")
                    .domain_set_vcpus_flags(&d, n, affect::LIVE)
            }),
            p::DOMAIN_SAVE => decode::<(DomainRef, String)>(args)
                .and_then(|(d, to)| c.as_api("virDomainSave").domain_save(&d, &to, 0)),
            p::DOMAIN_RESTORE => decode::<String>(args).and_then(|from| {
                c.as_api("virDomainRestore")
                    .domain_restore(&from, 0)
                    .map(drop)
            }),
            p::DOMAIN_SAVE_FLAGS => decode::<(DomainRef, String, Option<String>, u32)>(args)
                .and_then(|(d, to, x, f)| match x {
                    None => c.domain_save(&d, &to, f),
                    Some(x) => c.domain_save_xml(&d, &to, &x, f),
                }),
            p::DOMAIN_RESTORE_FLAGS => {
                decode::<(String, Option<String>, u32)>(args).and_then(|(from, x, f)| {
                    match x {
                        None => c.domain_restore(&from, f),
                        Some(x) => c.domain_restore_xml(&from, &x, f),
                    }
                    .map(drop)
                })
            }
            crate::procs::DOMAIN_GET_SCHEDULER_PARAMETERS => decode::<(DomainRef, i32)>(args)
                .and_then(|(d, n)| {
                    let n = usize::try_from(n)
                        .ok()
                        .filter(|&n| n <= crate::wire::SCHEDULER_PARAMETERS_MAX as usize)
                        .ok_or_else(|| rpc_error("nparams too large".into()))?;
                    let mut params = c
                        .as_api("virDomainGetSchedulerParameters")
                        .domain_get_scheduler_params(&d, 0)?;
                    params.truncate(n);
                    out.put(&params);
                    Ok(())
                }),
            _ => return None,
        };
    Some(r)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod tests {
    use super::*;
    use crate::packet::decode_packet;

    fn reply(s: &mut Session, proc_: i32, body: &[u8]) -> (Header, Vec<u8>) {
        let bytes = s.handle(&Header::call(proc_, 7), body).unwrap();
        let (h, b) = decode_packet(&bytes).unwrap();
        (h, b.to_vec())
    }

    fn error(b: &[u8]) -> Error {
        let mut d = Decoder::new(b);
        d.get::<WireError>().unwrap().into()
    }

    #[test]
    fn before_open_and_unknown_procedures() {
        let mut s = Session::new(false);
        let (h, b) = reply(&mut s, 66, &[]);
        assert_eq!((h.status, h.serial, h.proc_), (MessageStatus::Ok, 7, 66));
        assert_eq!(b, [0, 0, 0, 1, 0, 0, 0, 0]);
        let (h, b) = reply(&mut s, 23, &[0, 0, 0, 1, b'x', 0, 0, 0]);
        assert_eq!(h.status, MessageStatus::Error);
        assert_eq!(
            error(&b).to_string(),
            "internal error: hypervisor connection not open"
        );
        let (_, b) = reply(&mut s, 99_999, &[]);
        assert_eq!(
            error(&b).to_string(),
            "internal error: hypervisor connection not open"
        );
        // Wrong program or version: libvirt's text, the request's header.
        let mut h = Header::call(1, 3);
        h.prog = 0x1234_5678;
        let bytes = s.handle(&h, &[]).unwrap();
        let (rh, b) = decode_packet(&bytes).unwrap();
        assert_eq!((rh.prog, rh.status), (0x1234_5678, MessageStatus::Error));
        let e = error(b);
        assert_eq!((e.code, e.domain), (ErrorCode::Rpc, ErrorDomain::Rpc));
        assert_eq!(e.to_string(), "Cannot find program 305419896 version 1");
        // Messages and replies sent to the daemon get nothing back.
        let mut h = Header::call(3, 4);
        h.kind = MessageType::Message;
        assert!(s.handle(&h, &[]).is_none());
        // PING gets PONG.
        let pong = s
            .handle(&Header::keepalive(KEEPALIVE_PROC_PING), &[])
            .unwrap();
        let (ph, pb) = decode_packet(&pong).unwrap();
        assert_eq!((ph, pb.len()), (Header::keepalive(KEEPALIVE_PROC_PONG), 0));
        assert!(s
            .handle(&Header::keepalive(KEEPALIVE_PROC_PONG), &[])
            .is_none());
    }

    fn call<T: Xdr>(s: &mut Session, proc_: i32, args: impl Xdr) -> std::result::Result<T, Error> {
        let mut e = Encoder::new();
        e.put(&args);
        let (h, b) = reply(s, proc_, &e.finish().unwrap());
        if h.status == MessageStatus::Error {
            return Err(error(&b));
        }
        let mut d = Decoder::new(&b);
        let v = d.get().unwrap();
        d.finish().unwrap();
        Ok(v)
    }

    #[test]
    fn the_test_driver_through_a_session() {
        virt_test::register();
        let mut s = Session::new(false);
        call::<()>(&mut s, 1, (Some("test:///default".to_string()), 0u32)).unwrap();
        let e = call::<()>(&mut s, 1, (None::<String>, 0u32)).unwrap_err();
        assert_eq!(e.to_string(), "internal error: connection already open");
        assert_eq!(call::<String>(&mut s, 3, ()).unwrap(), "TEST");
        let d: DomainRef = call(&mut s, 23, "test".to_string()).unwrap();
        assert_eq!((d.name.as_str(), d.id), ("test", Some(1)));
        let info: virt_core::DomainInfo = call(&mut s, 16, d.clone()).unwrap();
        assert_eq!(info.state, virt_core::DomainState::Running);
        let (all, n): (Vec<DomainRef>, u32) = call(&mut s, 273, (1i32, 0u32)).unwrap();
        assert_eq!((all.len(), n), (1, 1));
        let e = call::<DomainRef>(&mut s, 23, "nope".to_string()).unwrap_err();
        assert_eq!(
            (e.code, e.to_string()),
            (ErrorCode::NoDomain, "Domain not found".into())
        );
        let e = call::<()>(&mut s, 99_999, ()).unwrap_err();
        assert_eq!(
            (e.code, e.to_string()),
            (ErrorCode::Rpc, "unknown procedure: 99999".into())
        );
        call::<()>(&mut s, 2, ()).unwrap();
        assert!(s.is_closed() && !s.is_open());
    }

    #[test]
    fn a_read_only_socket_refuses_changes_whatever_open_asked() {
        virt_test::register();
        let mut s = Session::new(true);
        call::<()>(&mut s, 1, (Some("test:///default".to_string()), 0u32)).unwrap();
        assert!(s.is_read_only());
        let d: DomainRef = call(&mut s, 23, "test".to_string()).unwrap();
        for (proc_, api) in [(12, "virDomainDestroy"), (34, "virDomainSuspend")] {
            let e = call::<()>(&mut s, proc_, d.clone()).unwrap_err();
            assert_eq!(e.code, ErrorCode::OperationDenied);
            assert_eq!(
                e.to_string(),
                format!("operation forbidden: read only access prevents {api}")
            );
        }
        let e = call::<()>(&mut s, 234, (d.clone(), 0u32)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "operation forbidden: read only access prevents virDomainDestroyFlags"
        );
        let info: virt_core::DomainInfo = call(&mut s, 16, d).unwrap();
        assert_eq!(
            info.state,
            virt_core::DomainState::Running,
            "nothing changed"
        );
    }

    /// A driver whose volume `v` of pool `p` takes uploads into a shared
    /// log and yields "abc", a hole and "d" for downloads.
    struct Streaming;
    static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());
    struct LogSink(bool);
    impl StreamSink for LogSink {
        fn write(&mut self, data: &[u8]) -> Result<()> {
            LOG.lock()
                .unwrap()
                .push(format!("data {}", String::from_utf8_lossy(data)));
            Ok(())
        }
        fn hole(&mut self, length: u64) -> Result<()> {
            if !self.0 {
                return Err(virt_core::stream::no_holes());
            }
            LOG.lock().unwrap().push(format!("hole {length}"));
            Ok(())
        }
        fn finish(&mut self) -> Result<()> {
            LOG.lock().unwrap().push("finish".into());
            Ok(())
        }
        fn abort(&mut self) {
            LOG.lock().unwrap().push("abort".into());
        }
    }
    struct Pieces(Vec<Piece>);
    impl StreamSource for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> Result<Piece> {
            if self.0.is_empty() {
                return Ok(Piece::End);
            }
            let p = self.0.remove(0);
            if let Piece::Data(n) = p {
                buf[..n].copy_from_slice(&b"abcd"[..n]);
            }
            Ok(p)
        }
    }
    impl Driver for Streaming {
        fn type_name(&self) -> &str {
            "Streaming"
        }
        fn storage_vol_upload(
            &self,
            _vol: &virt_core::StorageVolRef,
            _offset: u64,
            _length: u64,
            flags: u32,
        ) -> Result<StreamEnds> {
            Ok(StreamEnds::sending(Box::new(LogSink(flags & 1 != 0))))
        }
        fn storage_vol_download(
            &self,
            _vol: &virt_core::StorageVolRef,
            _offset: u64,
            _length: u64,
            _flags: u32,
        ) -> Result<StreamEnds> {
            Ok(StreamEnds::receiving(Box::new(Pieces(vec![
                Piece::Data(3),
                Piece::Hole(1 << 33),
                Piece::Data(1),
            ]))))
        }
    }

    fn streaming_session() -> Session {
        virt_core::register_driver(virt_core::DriverEntry {
            name: "streaming",
            default_uri: None,
            open: |uri, _ro| {
                (uri.driver == "streaming").then(|| Ok(Box::new(Streaming) as Box<dyn Driver>))
            },
        });
        let mut s = Session::new(false);
        call::<()>(&mut s, 1, (Some("streaming:///".to_string()), 0u32)).unwrap();
        s
    }

    fn vol_args(flags: u32) -> (virt_core::StorageVolRef, u64, u64, u32) {
        let v = virt_core::StorageVolRef {
            pool: "p".into(),
            name: "v".into(),
            key: "/p/v".into(),
        };
        (v, 0, 0, flags)
    }

    fn stream_packet(
        s: &mut Session,
        id: &StreamId,
        kind: MessageType,
        status: MessageStatus,
        body: &[u8],
    ) -> Option<(Header, Vec<u8>)> {
        let h = Header {
            kind,
            status,
            ..id.call
        };
        s.handle(&h, body).map(|b| {
            let (h, body) = decode_packet(&b).unwrap();
            (h, body.to_vec())
        })
    }

    #[test]
    fn upload_packets_reach_the_sink_and_bad_ones_end_the_stream() {
        let mut s = streaming_session();
        LOG.lock().unwrap().clear();
        // Sparse upload: data, a hole, finish confirmed with OK.
        call::<()>(&mut s, 208, vol_args(1)).unwrap();
        assert!(s.take_pumps().is_empty(), "an upload has nothing to send");
        let id = StreamId::of(&Header::call(208, 7));
        assert!(stream_packet(
            &mut s,
            &id,
            MessageType::Stream,
            MessageStatus::Continue,
            b"xyz"
        )
        .is_none());
        let mut e = Encoder::new();
        e.put(&crate::stream::StreamHole {
            length: 4096,
            flags: 0,
        });
        let hole = e.finish().unwrap();
        assert!(stream_packet(
            &mut s,
            &id,
            MessageType::StreamHole,
            MessageStatus::Continue,
            &hole
        )
        .is_none());
        let (h, body) =
            stream_packet(&mut s, &id, MessageType::Stream, MessageStatus::Ok, &[]).unwrap();
        assert_eq!(
            (h.kind, h.status, h.serial, body.len()),
            (MessageType::Stream, MessageStatus::Ok, 7, 0)
        );
        assert_eq!(*LOG.lock().unwrap(), ["data xyz", "hole 4096", "finish"]);
        // The stream is gone: more data for it is dropped.
        assert!(stream_packet(
            &mut s,
            &id,
            MessageType::Stream,
            MessageStatus::Continue,
            b"late"
        )
        .is_none());
        // A plain upload refuses holes; the stream ends with the error
        // and the sink is aborted.
        LOG.lock().unwrap().clear();
        call::<()>(&mut s, 208, vol_args(0)).unwrap();
        let (h, body) = stream_packet(
            &mut s,
            &id,
            MessageType::StreamHole,
            MessageStatus::Continue,
            &hole,
        )
        .unwrap();
        assert_eq!(
            (h.kind, h.status),
            (MessageType::Stream, MessageStatus::Error)
        );
        assert_eq!(error(&body).code, ErrorCode::OperationInvalid);
        assert_eq!(*LOG.lock().unwrap(), ["abort"]);
        // A malformed hole and an unknown status end a stream too.
        call::<()>(&mut s, 208, vol_args(1)).unwrap();
        let (_, body) = stream_packet(
            &mut s,
            &id,
            MessageType::StreamHole,
            MessageStatus::Continue,
            &hole[..5],
        )
        .unwrap();
        assert!(error(&body)
            .to_string()
            .contains("Malformed stream hole packet"));
        call::<()>(&mut s, 208, vol_args(1)).unwrap();
        let (_, body) = stream_packet(
            &mut s,
            &id,
            MessageType::Stream,
            MessageStatus::Unknown(9),
            &[],
        )
        .unwrap();
        assert_eq!(
            error(&body).to_string(),
            "stream aborted with unexpected status 9"
        );
        // Abort at the client's request: confirmed with OK.
        call::<()>(&mut s, 208, vol_args(1)).unwrap();
        let (h, _) =
            stream_packet(&mut s, &id, MessageType::Stream, MessageStatus::Error, &[]).unwrap();
        assert_eq!(h.status, MessageStatus::Ok);
        // The connection still answers calls.
        assert_eq!(call::<String>(&mut s, 3, ()).unwrap(), "Streaming");
    }

    #[test]
    fn a_download_pump_sends_data_holes_and_the_end() {
        let mut s = streaming_session();
        call::<()>(&mut s, 209, vol_args(1)).unwrap();
        let mut pumps = s.take_pumps();
        assert_eq!(pumps.len(), 1);
        let mut sent = Vec::new();
        pumps.remove(0).run(&mut |p| {
            let (h, body) = decode_packet(p).unwrap();
            sent.push((h.kind, h.status, body.to_vec()));
            Ok(())
        });
        assert_eq!(sent.len(), 4);
        assert_eq!(
            sent[0],
            (
                MessageType::Stream,
                MessageStatus::Continue,
                b"abc".to_vec()
            )
        );
        assert_eq!(sent[1].0, MessageType::StreamHole);
        assert_eq!(crate::stream::decode_hole(&sent[1].2).unwrap(), 1 << 33);
        assert_eq!(sent[2].2, b"a");
        assert_eq!(
            sent[3],
            (MessageType::Stream, MessageStatus::Continue, vec![])
        );
        // The client's finish is confirmed once the pump is done.
        let id = StreamId::of(&Header::call(209, 7));
        let (h, _) =
            stream_packet(&mut s, &id, MessageType::Stream, MessageStatus::Ok, &[]).unwrap();
        assert_eq!(h.status, MessageStatus::Ok);
        // Data sent to a download is refused.
        call::<()>(&mut s, 209, vol_args(0)).unwrap();
        drop(s.take_pumps());
        let (_, body) = stream_packet(
            &mut s,
            &id,
            MessageType::Stream,
            MessageStatus::Continue,
            b"x",
        )
        .unwrap();
        assert!(error(&body).to_string().contains("only receives"));
    }

    #[test]
    fn events_reach_the_registrations_that_want_them() {
        use crate::events::decode_packet_event;
        use virt_core::events::lifecycle_detail::{defined, undefined};
        use virt_core::LifecycleEvent as L;
        virt_test::register();
        let sent: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
        let mut s = Session::new(false);
        let out = sent.clone();
        s.set_event_output(Arc::new(move |p| out.lock().unwrap().push(p)));
        // Before open: no driver to listen to.
        let e = call::<i32>(&mut s, 316, (0i32, None::<DomainRef>)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "internal error: hypervisor connection not open"
        );
        call::<()>(&mut s, 1, (Some("test:///default".to_string()), 0u32)).unwrap();
        let uuid = Uuid::from_u128(0x5e55_1011_0000_4000_8000_0000_0000_0316);
        let mine = DomainRef {
            name: "session-events".into(),
            uuid,
            id: None,
        };
        let e = call::<i32>(&mut s, 316, (27i32, None::<DomainRef>)).unwrap_err();
        assert_eq!(e.to_string(), "internal error: unsupported event ID 27");
        let lifecycle: i32 = call(&mut s, 316, (0i32, Some(mine.clone()))).unwrap();
        let reboot: i32 = call(&mut s, 316, (1i32, Some(mine.clone()))).unwrap();
        assert_ne!(lifecycle, reboot);
        assert!(s.has_event_registrations());
        let xml = format!(
            "<domain type='test'><name>session-events</name><uuid>{uuid}</uuid>\
             <memory>1024</memory><os><type>hvm</type></os></domain>"
        );
        let d: DomainRef = call(&mut s, 11, xml).unwrap();
        call::<()>(&mut s, 35, d).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while sent.lock().unwrap().len() < 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let got: Vec<_> = sent
            .lock()
            .unwrap()
            .iter()
            .map(|p| decode_packet_event(p).unwrap().unwrap())
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    lifecycle,
                    Event::lifecycle(mine.clone(), L::Defined, defined::ADDED)
                ),
                (
                    lifecycle,
                    Event::lifecycle(mine.clone(), L::Undefined, undefined::REMOVED)
                ),
            ]
        );
        call::<()>(&mut s, 317, lifecycle).unwrap();
        let e = call::<()>(&mut s, 317, lifecycle).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("internal error: domain event callback {lifecycle} not registered")
        );
        let e = call::<()>(&mut s, 314, reboot).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("internal error: network event callback {reboot} not registered")
        );
        call::<()>(&mut s, 317, reboot).unwrap();
        assert!(!s.has_event_registrations());
    }

    #[test]
    fn without_an_event_output_registration_is_unsupported() {
        virt_test::register();
        let mut s = Session::new(true);
        call::<()>(&mut s, 1, (Some("test:///default".to_string()), 0u32)).unwrap();
        let e = call::<i32>(&mut s, 313, (0i32, None::<NetworkRef>)).unwrap_err();
        assert_eq!(e.code, ErrorCode::NoSupport);
    }
}
