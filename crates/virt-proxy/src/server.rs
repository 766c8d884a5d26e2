//! The accept loop and the clients' threads.
//!
//! One thread per client, up to a cap: a client's calls are strictly
//! sequential (libvirt's clients wait for each reply), so a blocking
//! thread per connection serves it with the least latency, and a slow
//! call (a QEMU start) holds up only its own client. At the cap the loop
//! stops accepting and further clients wait in the listen backlog, as with
//! libvirtd's `max_clients`.

use crate::listen::{Listener, Stream};
use crate::sys::{self, Wakeup};
use log::{debug, info, warn};
use std::collections::HashMap;
use std::io::{BufReader, Read, Write};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};
use virt_remote::packet;
use virt_remote::server::Session;

/// Bytes read from a client at once. Calls are small; a large one (a
/// domain XML) is read straight into its own buffer past this one.
const READ_BUFFER: usize = 16 * 1024;

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
    ) -> Server {
        Server {
            listeners,
            max_clients,
            idle_timeout,
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
                    if idle >= limit {
                        info!("no client for {} s: exiting", limit.as_secs());
                        break;
                    }
                    Some(limit - idle)
                }
                _ => None,
            };
            let accepting = active < self.max_clients;
            let mut fds = vec![self.wakeup.read_fd()];
            if accepting {
                fds.extend(self.listeners.iter().map(std::os::fd::AsRawFd::as_raw_fd));
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
        let spawned = std::thread::Builder::new()
            .name(format!("client-{id}"))
            .spawn(move || {
                let _leaving = leaving;
                serve(&*stream, &*stream, transport, id, None);
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

/// Serve one client: read calls, answer them, until it leaves or sends
/// what cannot be framed. A bad packet ends only this connection (libvirt
/// closes a connection whose framing it cannot trust); an unknown or
/// refused procedure gets an error reply and the connection goes on.
/// `busy` is held from each call's arrival until its reply is written
/// (the stdio mode's way to let a stopping daemon finish the call).
pub fn serve(
    input: impl Read,
    mut output: impl Write,
    transport: Transport,
    id: u64,
    busy: Option<&Mutex<()>>,
) {
    let mut session = Session::new(transport.read_only);
    session.set_secure(transport.secure);
    let mut input = BufReader::with_capacity(READ_BUFFER, input);
    loop {
        match packet::read_packet(&mut input) {
            Ok(Some((header, body))) => {
                let _guard = busy.map(|b| b.lock().unwrap_or_else(PoisonError::into_inner));
                if let Some(reply) = session.handle(&header, &body) {
                    if let Err(e) = output.write_all(&reply).and_then(|()| output.flush()) {
                        debug!("client {id}: reply not delivered: {e}");
                        break;
                    }
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
    }
}
