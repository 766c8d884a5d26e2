//! The client's ends of a stream the daemon opened for a call: data and
//! holes go out on the call's serial, and come in through the queue the
//! connection's reader fills.

use super::*;

/// A stream the daemon opened for a call of this connection, before it
/// is handed out as [`StreamEnds`].
pub struct ClientStream {
    pub(super) wire: Arc<Wire>,
    pub(super) id: StreamId,
    pub(super) queue: Arc<Queue>,
}

impl ClientStream {
    fn shared(self, sparse: bool) -> Arc<Shared> {
        Arc::new(Shared {
            wire: self.wire,
            id: self.id,
            queue: self.queue,
            sparse,
            done: AtomicBool::new(false),
        })
    }

    /// Ends for data the caller sends (an upload); `sparse` lets holes go.
    pub fn sending(self, sparse: bool) -> StreamEnds {
        StreamEnds::sending(Box::new(Outgoing(self.shared(sparse))))
    }

    /// Ends for data the caller receives (a download); `sparse` lets holes
    /// come.
    pub fn receiving(self, sparse: bool) -> StreamEnds {
        StreamEnds::receiving(Box::new(Incoming {
            shared: self.shared(sparse),
            leftover: Vec::new(),
            pos: 0,
            ended: false,
        }))
    }

    /// Ends for data both ways (a console).
    pub fn both(self) -> StreamEnds {
        let shared = self.shared(false);
        StreamEnds {
            sink: Some(Box::new(Outgoing(shared.clone()))),
            source: Some(Box::new(Incoming {
                shared,
                leftover: Vec::new(),
                pos: 0,
                ended: false,
            })),
        }
    }
}

/// What both ends of one client stream share.
struct Shared {
    wire: Arc<Wire>,
    id: StreamId,
    queue: Arc<Queue>,
    sparse: bool,
    /// Finished or aborted: the daemon has been told.
    done: AtomicBool,
}

/// How long an abort waits for the daemon's confirmation.
const ABORT_WAIT: Duration = Duration::from_secs(10);

impl Shared {
    fn send(&self, packet: std::result::Result<Vec<u8>, RemoteError>) -> Result<()> {
        if let Some(e) = self.queue.lock().failed.clone() {
            return Err(e);
        }
        if let Some((e, _)) = &self.wire.state().dead {
            return Err(e.clone());
        }
        self.wire.send(&packet?)
    }

    /// Tell the daemon the stream ends (`OK`: finish, `ERROR`: abort) and
    /// wait for its answer, skipping data still in flight.
    fn end(&self, status: MessageStatus, until: Option<Instant>) -> Result<()> {
        if self.done.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let r = (|| {
            if let Some(e) = self.queue.lock().failed.clone() {
                if status == MessageStatus::Ok {
                    return Err(e);
                }
            }
            self.wire.send(&self.id.empty(status)?)?;
            loop {
                let (h, body) = self.queue.pop(until)?;
                match (h.kind, h.status) {
                    (MessageType::Stream, MessageStatus::Ok) => return Ok(()),
                    (_, MessageStatus::Error) => {
                        return match status {
                            MessageStatus::Ok => Err(decode_error(&body)),
                            _ => Ok(()),
                        }
                    }
                    _ => {}
                }
            }
        })();
        self.release();
        r
    }

    fn release(&self) {
        self.wire.streams_lock().remove(&self.id.call.serial);
        self.queue.close(Error::with(
            ErrorCode::OperationInvalid,
            ErrorDomain::Streams,
            "stream is closed",
        ));
    }
}

impl Drop for Shared {
    /// A stream let go of without finish or abort is aborted, without
    /// waiting for the daemon.
    fn drop(&mut self) {
        if !self.done.swap(true, Ordering::SeqCst) {
            if let Ok(p) = self.id.empty(MessageStatus::Error) {
                let _ = self.wire.send(&p);
            }
        }
        self.release();
    }
}

/// The sending end of a client stream.
struct Outgoing(Arc<Shared>);

impl StreamSink for Outgoing {
    fn write(&mut self, data: &[u8]) -> Result<()> {
        for chunk in data.chunks(CHUNK) {
            self.0.send(self.0.id.data(chunk))?;
        }
        Ok(())
    }
    fn hole(&mut self, length: u64) -> Result<()> {
        if !self.0.sparse {
            return Err(virt_core::stream::no_holes());
        }
        self.0.send(self.0.id.hole(length))
    }
    fn finish(&mut self) -> Result<()> {
        self.0.end(MessageStatus::Ok, None)
    }
    fn abort(&mut self) {
        let _ = self
            .0
            .end(MessageStatus::Error, Some(Instant::now() + ABORT_WAIT));
    }
}

/// The receiving end of a client stream.
struct Incoming {
    shared: Arc<Shared>,
    leftover: Vec<u8>,
    pos: usize,
    ended: bool,
}

impl StreamSource for Incoming {
    fn read(&mut self, buf: &mut [u8]) -> Result<Piece> {
        loop {
            if self.pos < self.leftover.len() {
                let n = buf.len().min(self.leftover.len() - self.pos);
                buf[..n].copy_from_slice(&self.leftover[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(Piece::Data(n));
            }
            if self.ended {
                return Ok(Piece::End);
            }
            let (h, body) = self.shared.queue.pop(None)?;
            match (h.kind, h.status) {
                (MessageType::Stream, MessageStatus::Continue) if body.is_empty() => {
                    self.ended = true;
                }
                (MessageType::Stream, MessageStatus::Continue) => {
                    self.leftover = body;
                    self.pos = 0;
                }
                (MessageType::StreamHole, MessageStatus::Continue) => {
                    if !self.shared.sparse {
                        return Err(unexpected_hole());
                    }
                    let len = decode_hole(&body)?;
                    if len > 0 {
                        return Ok(Piece::Hole(len));
                    }
                }
                (_, MessageStatus::Error) => return Err(decode_error(&body)),
                _ => self.ended = true,
            }
        }
    }
    fn finish(&mut self) -> Result<()> {
        self.shared.end(MessageStatus::Ok, None)
    }
    fn abort(&mut self) {
        let _ = self
            .shared
            .end(MessageStatus::Error, Some(Instant::now() + ABORT_WAIT));
    }
}
