//! The accept loop and the clients' threads.
//!
//! One thread per client, up to a cap: most of a client's calls are
//! short and answered in turn by a blocking thread per connection, with
//! the least latency, and a slow call (a QEMU start) holds up only its own
//! client. The long ones of a domain job (a save, a dump) get a thread of
//! their own, so the client's other calls on the same connection (the
//! job's progress for `--verbose`, its abort) are answered meanwhile, as
//! libvirt's clients expect of libvirtd. At the cap the loop
//! stops accepting and further clients wait in the listen backlog, as with
//! libvirtd's `max_clients`.

use crate::listen::{Listener, Stream};
use crate::sys::{self, Wakeup};
use log::{debug, info, warn};
use std::collections::HashMap;
use std::io::{BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, TrySendError};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};
use virt_remote::packet::{self, Header, KEEPALIVE_PROC_PING, KEEPALIVE_PROGRAM, REMOTE_PROGRAM};
use virt_remote::procs::session::CONNECT_SUPPORTS_FEATURE;
use virt_remote::server::{feature, EventOutput, Session, StreamPump};

/// Bytes read from a client at once. Calls are small; a large one (a
/// domain XML) is read straight into its own buffer past this one.
const READ_BUFFER: usize = 16 * 1024;

/// Event packets waiting for one client. A client that lets this many
/// pile up is not reading: it is dropped rather than let the daemon's
/// memory grow or its event delivery stall.
pub const EVENT_QUEUE: usize = 4096;

/// Ends a client's connection both ways (its reads and writes fail), from
/// any thread.
pub type HangUp = Arc<dyn Fn() + Send + Sync>;

/// How long a stopping daemon waits for calls in flight.
const STOP_GRACE: Duration = Duration::from_secs(60);

/// The connections being served, so a stopping daemon can end them.
#[derive(Default)]
struct Clients {
    live: Mutex<HashMap<u64, Arc<Stream>>>,
    gone: Condvar,
}

impl Clients {
    fn count(&self) -> usize {
        self.live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    fn insert(&self, id: u64, s: Arc<Stream>) {
        self.live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, s);
    }

    fn remove(&self, id: u64) {
        self.live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        self.gone.notify_all();
    }
}

/// Removes a finished client from the table and wakes the accept loop, on
/// every way out of the client's thread.
struct Leaving {
    id: u64,
    clients: Arc<Clients>,
    wakeup: Arc<Wakeup>,
}

impl Drop for Leaving {
    fn drop(&mut self) {
        self.clients.remove(self.id);
        self.wakeup.wake();
        info!("client {} disconnected", self.id);
    }
}

/// The daemon's sockets and its clients.
pub struct Server {
    listeners: Vec<Listener>,
    max_clients: usize,
    idle_timeout: Option<Duration>,
    keepalive: Keepalive,
    wakeup: Arc<Wakeup>,
    clients: Arc<Clients>,
    next_id: u64,
}

impl Server {
    /// A server over bound `listeners`; `wakeup` already receives the
    /// signals (install it before binding, so a SIGTERM that arrives as
    /// soon as the sockets exist is not lost).
    pub fn new(
        listeners: Vec<Listener>,
        wakeup: Arc<Wakeup>,
        max_clients: usize,
        idle_timeout: Option<Duration>,
        keepalive: Keepalive,
    ) -> Server {
        Server {
            listeners,
            max_clients,
            idle_timeout,
            keepalive,
            wakeup,
            clients: Arc::default(),
            next_id: 1,
        }
    }

    /// Serve until SIGTERM/SIGINT or the idle timeout, then stop accepting,
    /// let the calls in flight finish and return.
    pub fn run(mut self) {
        let mut idle_since = Some(Instant::now());
        // The most clients served at once since the heap was last trimmed.
        let mut peak = 0usize;
        loop {
            if sys::terminating() {
                info!("asked to stop: no new clients, finishing the calls in flight");
                break;
            }
            let active = self.clients.count();
            peak = peak.max(active);
            if peak > 0 && (active == 0 || (peak >= 16 && active <= peak / 2)) {
                // Most of a burst of clients has left and freed its buffers:
                // give the pages back, so the daemon shrinks again.
                sys::trim_heap();
                debug!("{active} clients left of {peak}: heap trimmed");
                peak = active;
            }
            if active == 0 {
                idle_since.get_or_insert_with(Instant::now);
            } else {
                idle_since = None;
            }
            let timeout = match (self.idle_timeout, idle_since) {
                (Some(limit), Some(since)) => {
                    let idle = since.elapsed();
                    if idle >= limit && crate::drivers::guests_running() {
                        // Guests need their daemon: look again after
                        // another period.
                        idle_since = Some(Instant::now());
                        Some(limit)
                    } else if idle >= limit {
                        info!("no client and no guest for {} s: exiting", limit.as_secs());
                        break;
                    } else {
                        Some(limit - idle)
                    }
                }
                _ => None,
            };
            let accepting = active < self.max_clients;
            let mut fds = vec![self.wakeup.read_fd()];
            if accepting {
                fds.extend(self.listeners.iter().map(std::os::fd::AsFd::as_fd));
            }
            let ready = match sys::poll_readable(&fds, timeout) {
                Ok(r) => r,
                Err(e) => {
                    // Nothing the daemon did can make poll fail for good
                    // (its descriptors are its own); try again shortly.
                    warn!("poll: {e}");
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
            };
            if ready.first() == Some(&true) {
                self.wakeup.drain();
            }
            if accepting {
                for i in 0..self.listeners.len() {
                    if ready.get(i + 1) == Some(&true) {
                        self.accept_from(i);
                        peak = peak.max(self.clients.count());
                    }
                }
            }
        }
        self.stop();
    }

    /// Accept the clients waiting on listener `i`, up to the cap.
    fn accept_from(&mut self, i: usize) {
        while self.clients.count() < self.max_clients {
            let Some(listener) = self.listeners.get(i) else {
                break;
            };
            match listener.accept() {
                Ok(Some(stream)) => {
                    let where_ = listener.describe();
                    let transport = Transport {
                        read_only: listener.read_only(),
                        secure: !listener.is_tcp(),
                    };
                    self.spawn_client(stream, &where_, transport);
                }
                Ok(None) => break,
                Err(e) => {
                    // Out of descriptors or memory: leave the client in the
                    // backlog and retry shortly instead of spinning.
                    warn!("accept on {}: {e}", listener.describe());
                    std::thread::sleep(Duration::from_millis(50));
                    break;
                }
            }
        }
    }

    fn spawn_client(&mut self, stream: Stream, where_: &str, transport: Transport) {
        let id = self.next_id;
        self.next_id += 1;
        info!(
            "client {id} connected on {where_}{}: {}",
            if transport.read_only {
                " (read-only)"
            } else {
                ""
            },
            stream.peer()
        );
        let stream = Arc::new(stream);
        self.clients.insert(id, stream.clone());
        let leaving = Leaving {
            id,
            clients: self.clients.clone(),
            wakeup: self.wakeup.clone(),
        };
        let keepalive = self.keepalive;
        let spawned = std::thread::Builder::new()
            .name(format!("client-{id}"))
            .spawn(move || {
                let _leaving = leaving;
                let s = stream.clone();
                let hang_up: HangUp = Arc::new(move || s.hang_up());
                serve(
                    &*stream,
                    &*stream,
                    transport,
                    id,
                    None,
                    Some((keepalive, hang_up)),
                );
            });
        if let Err(e) = spawned {
            // The closure, and with it the stream and the table entry, is
            // dropped: the client sees its connection closed.
            warn!("client {id}: no thread to serve it: {e}");
        }
    }

    /// Remove the sockets, end every client after its call in flight, and
    /// wait for them (at most `STOP_GRACE`).
    fn stop(self) {
        for l in &self.listeners {
            l.remove_file();
        }
        drop(self.listeners);
        let live: Vec<Arc<Stream>> = self
            .clients
            .live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        for s in &live {
            s.stop_reading();
        }
        drop(live);
        let deadline = Instant::now() + STOP_GRACE;
        let mut live = self
            .clients
            .live
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while !live.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                warn!(
                    "{} clients still busy after {} s; exiting anyway",
                    live.len(),
                    STOP_GRACE.as_secs()
                );
                break;
            }
            live = match self.clients.gone.wait_timeout(live, left) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
        info!("stopped");
    }
}

/// What the daemon knows of a client's transport.
#[derive(Debug, Clone, Copy)]
pub struct Transport {
    /// It came through the read-only socket (or `--stdio --read-only`).
    pub read_only: bool,
    /// Nobody between it and us can listen (unix socket, ssh); plain TCP
    /// is not (`virConnectIsSecure`).
    pub secure: bool,
}

/// libvirtd's keepalive towards its clients: once a client has shown it
/// speaks keepalive, a PING after `interval` without a byte from it, and
/// the connection closed when `count` PINGs in a row went unanswered
/// ([`Keepalive::DAEMON`] unless told otherwise).
pub use virt_remote::packet::Keepalive;

/// What the reading side of a connection tells its keepalive timer.
struct Pulse {
    state: Mutex<PulseState>,
    changed: Condvar,
}

struct PulseState {
    /// When the client last sent any byte.
    last_heard: Instant,
    /// The connection is over: the timer stops.
    done: bool,
}

impl Pulse {
    fn lock(&self) -> std::sync::MutexGuard<'_, PulseState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn update(&self, f: impl FnOnce(&mut PulseState)) {
        f(&mut self.lock());
        self.changed.notify_all();
    }
}

/// The client's input, noting the time of every byte that arrives: any
/// traffic, not only a PONG, proves the peer alive (as in libvirt).
struct Heard<'a, R> {
    input: R,
    pulse: &'a Pulse,
}

impl<R: Read> Read for Heard<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.input.read(buf)?;
        if n > 0 {
            self.pulse.lock().last_heard = Instant::now();
        }
        Ok(n)
    }
}

/// Whether this packet shows the client speaks keepalive.
fn shows_keepalive(header: &Header, body: &[u8]) -> bool {
    (header.prog == KEEPALIVE_PROGRAM && header.proc_ == KEEPALIVE_PROC_PING)
        || (header.prog == REMOTE_PROGRAM
            && header.proc_ == CONNECT_SUPPORTS_FEATURE
            && body.get(..4) == Some(&feature::PROGRAM_KEEPALIVE.to_be_bytes()[..]))
}

/// The keepalive timer of one connection: PINGs through `output` (shared
/// with the replies, so packets never interleave) and `hang_up` once
/// `ka.count` of them went unanswered.
fn keepalive_timer<W: Write>(
    ka: Keepalive,
    pulse: &Pulse,
    output: &Mutex<W>,
    hang_up: &(dyn Fn() + Sync),
    id: u64,
) {
    let ping = match packet::encode_packet(&Header::keepalive(KEEPALIVE_PROC_PING), &[]) {
        Ok(p) => p,
        Err(e) => {
            warn!("client {id}: no keepalive PING: {e}");
            return;
        }
    };
    let mut unanswered = 0u32;
    let mut last_ping: Option<Instant> = None;
    let mut st = pulse.lock();
    loop {
        if st.done {
            return;
        }
        if last_ping.is_some_and(|p| st.last_heard > p) {
            // Heard from since the last PING: the count starts over.
            unanswered = 0;
            last_ping = None;
        }
        let since = last_ping.map_or(st.last_heard, |p| p.max(st.last_heard));
        let quiet = since.elapsed();
        if quiet < ka.interval {
            st = match pulse.changed.wait_timeout(st, ka.interval - quiet) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
            continue;
        }
        if unanswered >= ka.count {
            drop(st);
            warn!(
                "client {id}: no answer to {} keepalive PINGs, {} s apart; closing its connection",
                ka.count,
                ka.interval.as_secs()
            );
            hang_up();
            return;
        }
        unanswered += 1;
        last_ping = Some(Instant::now());
        drop(st);
        // A reply being written holds the output (the client may not be
        // reading it): this PING is skipped but still counts, so a stuck
        // client is closed all the same.
        let out = match output.try_lock() {
            Ok(g) => Some(g),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        };
        if let Some(mut out) = out {
            if let Err(e) = out.write_all(&ping).and_then(|()| out.flush()) {
                debug!("client {id}: keepalive PING not delivered: {e}");
            }
        }
        st = pulse.lock();
    }
}

/// Serve one client: read calls, answer them, until it leaves or sends
/// what cannot be framed. A bad packet ends only this connection (libvirt
/// closes a connection whose framing it cannot trust); an unknown or
/// refused procedure gets an error reply and the connection goes on.
/// `busy` is held from each call's arrival until its reply is written
/// (the stdio mode's way to let a stopping daemon finish the call).
/// With `keepalive`, a timer thread pings a client that speaks keepalive
/// and calls its `hang_up` (which must end the reads and writes here) when
/// the client stopped answering; an interval of zero turns it off.
/// Events the client registered for go out through a queue of
/// [`EVENT_QUEUE`] packets and a writer thread (started with the first
/// registration), between replies, never inside one; a client that lets
/// the queue fill is hung up on.
pub fn serve<W: Write + Send>(
    input: impl Read,
    output: W,
    transport: Transport,
    id: u64,
    busy: Option<&Mutex<()>>,
    keepalive: Option<(Keepalive, HangUp)>,
) {
    let pulse = Pulse {
        state: Mutex::new(PulseState {
            last_heard: Instant::now(),
            done: false,
        }),
        changed: Condvar::new(),
    };
    let output = Mutex::new(output);
    let hang_up = keepalive.as_ref().map(|(_, h)| h.clone());
    let keepalive = keepalive.filter(|(ka, _)| !ka.interval.is_zero());
    let (event_tx, event_rx) = mpsc::sync_channel::<Vec<u8>>(EVENT_QUEUE);
    std::thread::scope(|scope| {
        // The queue's only sender lives in the session (and its event
        // thread): when the session ends, the writer below ends too.
        let event_output: EventOutput = {
            let hang_up = hang_up.clone();
            let overflowed = Arc::new(AtomicBool::new(false));
            Arc::new(move |packet| match event_tx.try_send(packet) {
                Ok(()) | Err(TrySendError::Disconnected(_)) => {}
                Err(TrySendError::Full(_)) => {
                    if !overflowed.swap(true, Ordering::AcqRel) {
                        warn!("client {id}: {EVENT_QUEUE} events not read; closing its connection");
                        if let Some(h) = &hang_up {
                            h();
                        }
                    }
                }
            })
        };
        let mut event_rx = Some(event_rx);
        let output_ref = &output;
        let mut start_writer = || {
            let Some(rx) = event_rx.take() else {
                return;
            };
            let writer = std::thread::Builder::new()
                .name(format!("events-{id}"))
                .spawn_scoped(scope, move || {
                    for packet in rx {
                        let mut out = output_ref.lock().unwrap_or_else(PoisonError::into_inner);
                        if let Err(e) = out.write_all(&packet).and_then(|()| out.flush()) {
                            debug!("client {id}: event not delivered: {e}");
                            break;
                        }
                    }
                });
            if let Err(e) = writer {
                warn!("client {id}: no thread for its events: {e}");
            }
        };
        // The timer thread starts only once the client shows it speaks
        // keepalive: most raw clients never do, and cost no second thread.
        let mut timer_started = false;
        let mut start_timer = || {
            let Some((ka, hang_up)) = keepalive.clone() else {
                return;
            };
            if std::mem::replace(&mut timer_started, true) {
                return;
            }
            let (pulse, output) = (&pulse, &output);
            let timer = std::thread::Builder::new()
                .name(format!("keepalive-{id}"))
                .spawn_scoped(scope, move || {
                    keepalive_timer(ka, pulse, output, &*hang_up, id)
                });
            if let Err(e) = timer {
                warn!("client {id}: no thread for keepalive, served without it: {e}");
            }
        };
        // A stream's data to the client flows from a thread of its own,
        // one packet at a time through the same output as the replies, so
        // this thread keeps answering the client meanwhile. A packet the
        // client takes shows it alive as any byte from it does.
        let (pulse_ref, output_ref) = (&pulse, &output);
        let mut run_pump = |pump: StreamPump| {
            let spawned = std::thread::Builder::new()
                .name(format!("stream-{id}"))
                .spawn_scoped(scope, move || {
                    pump.run(&mut |packet| {
                        let mut out = output_ref.lock().unwrap_or_else(PoisonError::into_inner);
                        out.write_all(packet).and_then(|()| out.flush())?;
                        drop(out);
                        pulse_ref.lock().last_heard = Instant::now();
                        Ok(())
                    })
                });
            if let Err(e) = spawned {
                // The pump is dropped: the stream's finish finds it done.
                warn!("client {id}: no thread for a stream: {e}");
            }
        };
        let input = Heard {
            input,
            pulse: &pulse,
        };
        let hooks = Hooks {
            start_timer: &mut start_timer,
            start_writer: &mut start_writer,
            run_pump: &mut run_pump,
            event_output,
        };
        answer(input, &output, hooks, transport, id, busy);
        pulse.update(|st| st.done = true);
    });
}

/// What [`answer`] starts or hands on as the client shows what it uses.
struct Hooks<'a> {
    /// Start the keepalive timer.
    start_timer: &'a mut dyn FnMut(),
    /// Start the event writer.
    start_writer: &'a mut dyn FnMut(),
    /// Run a stream's pump (data flowing to the client).
    run_pump: &'a mut dyn FnMut(StreamPump),
    /// Where the session's events go.
    event_output: EventOutput,
}

/// The reading side of [`serve`]: calls in, replies out, until the end.
fn answer<W: Write + Send>(
    input: impl Read,
    output: &Mutex<W>,
    hooks: Hooks<'_>,
    transport: Transport,
    id: u64,
    busy: Option<&Mutex<()>>,
) {
    let Hooks {
        start_timer,
        start_writer,
        run_pump,
        event_output,
    } = hooks;
    let mut session = Session::new(transport.read_only);
    session.set_secure(transport.secure);
    session.set_event_output(event_output);
    let mut input = BufReader::with_capacity(READ_BUFFER, input);
    // A long call (a save, a dump) is answered by a thread of its own
    // while this one answers the client's other calls; the session
    // outlives them all.
    std::thread::scope(|calls| loop {
        match packet::read_packet(&mut input) {
            Ok(Some((header, body))) => {
                let _guard = busy.map(|b| b.lock().unwrap_or_else(PoisonError::into_inner));
                if shows_keepalive(&header, &body) {
                    start_timer();
                }
                if let Some(call) = session.detach(&header, &body) {
                    let spawned = std::thread::Builder::new()
                        .name(format!("call-{id}"))
                        .spawn_scoped(calls, move || {
                            let _guard =
                                busy.map(|b| b.lock().unwrap_or_else(PoisonError::into_inner));
                            let reply = call.answer();
                            let mut output = output.lock().unwrap_or_else(PoisonError::into_inner);
                            if let Err(e) = output.write_all(&reply).and_then(|()| output.flush()) {
                                debug!("client {id}: reply not delivered: {e}");
                            }
                        });
                    if let Err(e) = spawned {
                        warn!(
                            "client {id}: no thread for a long call: {e}; closing its connection"
                        );
                        break;
                    }
                    continue;
                }
                if let Some(reply) = session.handle(&header, &body) {
                    let mut output = output.lock().unwrap_or_else(PoisonError::into_inner);
                    if let Err(e) = output.write_all(&reply).and_then(|()| output.flush()) {
                        debug!("client {id}: reply not delivered: {e}");
                        break;
                    }
                }
                for pump in session.take_pumps() {
                    run_pump(pump);
                }
                if session.has_event_registrations() {
                    start_writer();
                }
                if session.is_closed() {
                    // CONNECT_CLOSE answered: libvirtd hangs up here.
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                warn!("client {id}: {e}; closing its connection");
                break;
            }
        }
    });
}
