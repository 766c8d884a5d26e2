//! The daemon's side of one client connection: [`Session`] takes each
//! packet the client sends and gives back the packet to answer with, as
//! libvirtd 9.0 answers (its error codes and texts, no answer where it
//! sends none). Sockets, threads and keepalive timers are the daemon's.
//!
//! Every Driver call goes through [`virt_core::Checked`], the layer
//! in-process calls pass too, so a read-only socket refuses every mutating
//! procedure with libvirt's text whatever the client asked at open.

use virt_core::{
    affect, default_uri, registry, Checked, DomainRef, Driver, Error, ErrorCode, ErrorDomain,
    Result, StreamEnds, Uri, LIB_VERSION,
};

use crate::packet::{
    Header, MessageStatus, MessageType, KEEPALIVE_PROC_PING, KEEPALIVE_PROC_PONG,
    KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION,
};
use crate::procs::{marker, session as p, Arg, Lend, Numbered, Procedure};
use crate::remote_error::WireError;
use crate::xdr::{Decoder, Encoder, Xdr};
use std::sync::Arc;

mod events;
mod streams;
#[cfg(test)]
mod tests;

pub use events::EventOutput;
use events::Events;
pub use streams::StreamPump;
use streams::{abort_ends, OpenStream};

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
    driver: Arc<Closing>,
    read_only: bool,
}

/// A connection's driver, closed when its last user (the session or a
/// detached call still running) lets it go.
struct Closing(Box<dyn Driver>);

impl Drop for Closing {
    fn drop(&mut self) {
        if let Err(e) = self.0.close() {
            log::warn!("closing the driver of a remote connection: {e}");
        }
    }
}

/// Procedures that wait on a guest for long (a save, a managed save, a dump, a snapshot
/// with its memory): [`Session::detach`] hands them to a thread of their
/// own, so the connection's other calls (the job's progress, its abort)
/// are answered meanwhile, as libvirtd's worker pool does.
const LONG_CALLS: [i32; 6] = [
    p::DOMAIN_SAVE,
    232, // DOMAIN_SAVE_FLAGS
    182, // DOMAIN_MANAGED_SAVE
    53,  // DOMAIN_CORE_DUMP
    334, // DOMAIN_CORE_DUMP_WITH_FORMAT
    185, // DOMAIN_SNAPSHOT_CREATE_XML
];

/// A long driver call taken out of its session to be answered on a
/// thread of its own ([`Session::detach`]).
pub struct DetachedCall {
    driver: Arc<Closing>,
    read_only: bool,
    header: Header,
    body: Vec<u8>,
}

impl DetachedCall {
    /// Make the call: the whole reply packet.
    pub fn answer(self) -> Vec<u8> {
        let c = Checked::new(self.driver.0.as_ref(), self.read_only);
        let mut out = Encoder::packet(&self.header.reply(MessageStatus::Ok));
        let mut args = Decoder::new(&self.body);
        let mut opened = None;
        let proc_ = self.header.proc_;
        let r = legacy(c, proc_, &mut args, &mut out)
            .or_else(|| dispatch_driver_call(c, proc_, &mut args, &mut out, &mut opened))
            .unwrap_or_else(|| Err(rpc_error(format!("unknown procedure: {proc_}"))));
        match r.and_then(|()| out.finish().map_err(Error::from)) {
            Ok(bytes) => bytes,
            Err(e) => error_reply(&self.header, &e),
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

    /// The call in this packet when it is one of the long ones and may be
    /// answered apart (see [`DetachedCall`]); `None` for every other
    /// packet, which [`Session::handle`] answers.
    pub fn detach(&self, header: &Header, body: &[u8]) -> Option<DetachedCall> {
        let long = header.prog == REMOTE_PROGRAM
            && header.vers == REMOTE_PROTOCOL_VERSION
            && header.kind == MessageType::Call
            && header.status == MessageStatus::Ok
            && LONG_CALLS.contains(&header.proc_);
        let c = self.conn.as_ref().filter(|_| long)?;
        Some(DetachedCall {
            driver: c.driver.clone(),
            read_only: c.read_only,
            header: *header,
            body: body.to_vec(),
        })
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
            Some(c) => Ok(Checked::new(c.driver.0.as_ref(), c.read_only)),
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
                    driver: Arc::new(Closing(res?)),
                    read_only,
                });
                return Ok(());
            }
        }
        Err(Error::with(ErrorCode::NoConnect, ErrorDomain::None, &name))
    }
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
