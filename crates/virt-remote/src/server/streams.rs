//! Streams a session's calls open: the packets the client sends for one go
//! to its sink, and the data of a source flows to the client through a
//! [`StreamPump`] the daemon runs beside the session.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use virt_core::{
    Error, ErrorCode, ErrorDomain, Interrupt, Piece, StreamEnds, StreamSink, StreamSource,
};

use crate::packet::{Header, MessageStatus, MessageType};
use crate::stream::{decode_hole, unexpected_hole, StreamId, CHUNK};

use super::{rpc_error, Session};
/// A stream the client opened with a call: where its packets go.
pub(super) struct OpenStream {
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

    pub(super) fn abort(&mut self) {
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

impl Session {
    /// The streams whose data the daemon is to send to the client, each
    /// to run ([`StreamPump::run`]) once the reply that opened it is out.
    pub fn take_pumps(&mut self) -> Vec<StreamPump> {
        std::mem::take(&mut self.pumps)
    }
    /// Keep the stream a call opened; its data to the client waits for
    /// the daemon to run its pump.
    pub(super) fn open_stream(&mut self, call: &Header, ends: StreamEnds) {
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
    pub(super) fn stream_packet(&mut self, h: &Header, body: &[u8]) -> Option<Vec<u8>> {
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
}

/// Abort both ends of a stream that will not be used.
pub(super) fn abort_ends(ends: &mut StreamEnds) {
    if let Some(s) = ends.sink.as_mut() {
        s.abort();
    }
    if let Some(s) = ends.source.as_mut() {
        s.abort();
    }
}
