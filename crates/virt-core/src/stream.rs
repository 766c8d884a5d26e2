//! Streams (`virStreamPtr`): bulk data between a caller and a driver, in
//! either direction, for the calls whose payload is too large or too long
//! lived for one reply (volume upload and download, screenshots, consoles).
//!
//! A driver's stream call (`storage_vol_upload`, ...) hands back
//! [`StreamEnds`]: a [`StreamSink`] that takes what the caller sends and a
//! [`StreamSource`] that yields what the caller receives, each present when
//! data flows that way. A [`Stream`] is what callers hold: made by
//! [`crate::Connect::new_stream`], attached by the stream call, then read or
//! written with libvirt's semantics, sparse ones included: a source may
//! yield holes (runs of zeroes not sent as bytes), which [`Stream::recv`]
//! reads as zeroes and [`Stream::recv_flags`] with
//! [`recv_flags::STOP_AT_HOLE`] reports for [`Stream::recv_hole`], as
//! libvirt's `virStreamSparseRecvAll` wants.
//!
//! The two ends are separate objects so a console can be read in one
//! thread while it is written in another.

use std::sync::{Mutex, MutexGuard};

use crate::connect::Connect;
use crate::error::{Error, ErrorCode, ErrorDomain, Result};

/// `virStreamFlags`.
pub mod stream_flags {
    /// `VIR_STREAM_NONBLOCK`: calls return at once when they would wait.
    pub const NONBLOCK: u32 = 1;
}

/// `virStreamRecvFlagsValues`.
pub mod recv_flags {
    /// `VIR_STREAM_RECV_STOP_AT_HOLE`: stop before a hole instead of
    /// reading it as zeroes.
    pub const STOP_AT_HOLE: u32 = 1;
}

/// `virStorageVolUploadFlags`.
pub mod vol_upload_flags {
    /// `VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM`: the caller may send holes.
    pub const SPARSE_STREAM: u32 = 1;
}

/// `virStorageVolDownloadFlags`.
pub mod vol_download_flags {
    /// `VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM`: the volume's holes travel
    /// as holes.
    pub const SPARSE_STREAM: u32 = 1;
}

/// What a [`StreamSource`] yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// This many bytes were written at the start of the buffer (never 0).
    Data(usize),
    /// A run of this many zero bytes, skipped (sparse streams only).
    Hole(u64),
    /// No more data.
    End,
}

/// Something that wakes a [`StreamSource::read`] blocked in another
/// thread (a console waiting for its guest), so an abort is not held up.
pub type Interrupt = Box<dyn Fn() + Send + Sync>;

/// The driver's end that yields data for the caller (download,
/// screenshot, console output).
pub trait StreamSource: Send {
    /// The next piece, its data written into `buf`. May block until data
    /// comes.
    fn read(&mut self, buf: &mut [u8]) -> Result<Piece>;
    /// The caller is done: report what went wrong at this end, if anything.
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
    /// The caller gave up: release what the stream holds.
    fn abort(&mut self) {}
    /// A way to wake a blocked [`StreamSource::read`] from another thread;
    /// `None` when reads never wait long (files).
    fn interrupter(&self) -> Option<Interrupt> {
        None
    }
}

/// The driver's end that takes the caller's data (upload, console input).
pub trait StreamSink: Send {
    /// Take all of `data`.
    fn write(&mut self, data: &[u8]) -> Result<()>;
    /// Take a run of `length` zero bytes sent as a hole. Streams opened
    /// without a sparse flag refuse it, as libvirt's do.
    fn hole(&mut self, length: u64) -> Result<()> {
        let _ = length;
        Err(no_holes())
    }
    /// Everything was sent: complete the write (flush, check the length).
    fn finish(&mut self) -> Result<()>;
    /// The caller gave up: release what the stream holds.
    fn abort(&mut self) {}
}

/// libvirt's refusal of a hole on a stream not opened sparse (its stream
/// client raises it, under the RPC domain).
pub fn no_holes() -> Error {
    Error::raw(
        ErrorCode::OperationInvalid,
        ErrorDomain::Rpc,
        "Requested operation is not valid: Skipping is not supported with this stream",
    )
}

/// What a stream call hands back: one end per direction the data flows.
#[derive(Default)]
pub struct StreamEnds {
    /// Takes what the caller sends; `None` when the caller only receives.
    pub sink: Option<Box<dyn StreamSink>>,
    /// Yields what the caller receives; `None` when the caller only sends.
    pub source: Option<Box<dyn StreamSource>>,
}

impl std::fmt::Debug for StreamEnds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamEnds")
            .field("sink", &self.sink.is_some())
            .field("source", &self.source.is_some())
            .finish()
    }
}

impl StreamEnds {
    /// Ends for data the caller sends.
    pub fn sending(sink: Box<dyn StreamSink>) -> Self {
        StreamEnds {
            sink: Some(sink),
            source: None,
        }
    }
    /// Ends for data the caller receives.
    pub fn receiving(source: Box<dyn StreamSource>) -> Self {
        StreamEnds {
            sink: None,
            source: Some(source),
        }
    }
}

/// What a screenshot call hands back (`virDomainScreenshot`).
#[derive(Debug)]
pub struct Screenshot {
    /// The image's MIME type (`image/png`, `image/x-portable-pixmap`).
    pub mime: String,
    /// The stream's ends; the image's bytes come from its source.
    pub ends: StreamEnds,
}

impl Screenshot {
    /// The image in the file at `path`, of type `mime`, streamed from its
    /// start to its end. With `remove`, the file is unlinked once open (a
    /// temporary picture the stream alone still reads). A file that cannot
    /// be opened gets libvirt's stream error.
    pub fn of_file(path: &std::path::Path, mime: &str, remove: bool) -> Result<Screenshot> {
        let unable = |e: &std::io::Error| {
            Error::system(
                ErrorDomain::Streams,
                format!("Unable to open stream for '{}'", path.display()),
                e,
            )
        };
        let mut file = std::fs::File::open(path).map_err(|e| unable(&e))?;
        if remove {
            // Unlinked while open: the data lives as long as the stream.
            let _ = std::fs::remove_file(path);
        }
        let end = crate::sparse::size_of(&mut file).map_err(|e| unable(&e))?;
        let source =
            crate::sparse::FileSource::new(file, path, ErrorDomain::Streams, 0, end, false);
        Ok(Screenshot {
            mime: mime.to_string(),
            ends: StreamEnds::receiving(Box::new(source)),
        })
    }
}

/// What [`Stream::recv_flags`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Bytes read into the buffer; 0 at the end of the stream.
    Data(usize),
    /// The stream is at a hole ([`recv_flags::STOP_AT_HOLE`]); its length
    /// comes from [`Stream::recv_hole`].
    Hole,
}

#[derive(Default)]
struct Incoming {
    source: Option<Box<dyn StreamSource>>,
    /// Zeroes of a hole not read yet.
    hole: u64,
    ended: bool,
}

/// A stream (`virStreamPtr`) bound to its connection.
pub struct Stream {
    conn: Connect,
    flags: u32,
    incoming: Mutex<Incoming>,
    outgoing: Mutex<Option<Box<dyn StreamSink>>>,
    /// Wakes a read blocked in the source (a console waiting for its
    /// guest), so an abort from another thread is not held up by it.
    interrupt: Mutex<Option<Interrupt>>,
    /// A stream call attached it ([`Stream::is_attached`]).
    attached: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("flags", &self.flags)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// libvirt's answer to a stream call on a stream with no such end.
fn unsupported(function: &str) -> Error {
    Error::no_support(function)
}

impl Stream {
    pub(crate) fn new(conn: Connect, flags: u32) -> Self {
        Stream {
            conn,
            flags,
            incoming: Mutex::new(Incoming::default()),
            outgoing: Mutex::new(None),
            interrupt: Mutex::new(None),
            attached: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The flags it was made with ([`stream_flags`]).
    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// The connection it belongs to.
    pub fn connect(&self) -> &Connect {
        &self.conn
    }

    /// True once a stream call attached it to a driver's ends, and still
    /// after it finished or aborted, as libvirt's stream keeps its driver
    /// (libvirt answers "not supported" only to a stream no call attached).
    pub fn is_attached(&self) -> bool {
        self.attached.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Attach the ends a stream call handed back.
    pub(crate) fn attach(&self, ends: StreamEnds) {
        self.attached
            .store(true, std::sync::atomic::Ordering::SeqCst);
        *lock(&self.outgoing) = ends.sink;
        *lock(&self.interrupt) = ends.source.as_ref().and_then(|s| s.interrupter());
        let mut inc = lock(&self.incoming);
        *inc = Incoming {
            source: ends.source,
            hole: 0,
            ended: false,
        };
    }

    /// Send all of `data` (`virStreamSend`); returns its length.
    pub fn send(&self, data: &[u8]) -> Result<usize> {
        let r = match lock(&self.outgoing).as_mut() {
            Some(sink) => sink.write(data).map(|()| data.len()),
            None => Err(unsupported("virStreamSend")),
        };
        self.conn.check(r)
    }

    /// Send a hole of `length` zero bytes (`virStreamSendHole`).
    pub fn send_hole(&self, length: u64, flags: u32) -> Result<()> {
        let r = Error::check_flags(ErrorDomain::Streams, flags, 0, "virStreamSendHole").and_then(
            |()| match lock(&self.outgoing).as_mut() {
                Some(sink) => sink.hole(length),
                None => Err(unsupported("virStreamSendHole")),
            },
        );
        self.conn.check(r)
    }

    /// Read into `buf` (`virStreamRecv`): holes read as zeroes; 0 at the
    /// end of the stream.
    pub fn recv(&self, buf: &mut [u8]) -> Result<usize> {
        match self.recv_flags(buf, 0)? {
            Received::Data(n) => Ok(n),
            Received::Hole => Ok(0),
        }
    }

    /// Read into `buf` (`virStreamRecvFlags`), stopping at a hole with
    /// [`recv_flags::STOP_AT_HOLE`].
    pub fn recv_flags(&self, buf: &mut [u8], flags: u32) -> Result<Received> {
        let r = Error::check_flags(
            ErrorDomain::Streams,
            flags,
            recv_flags::STOP_AT_HOLE,
            "virStreamRecvFlags",
        )
        .and_then(|()| self.recv_locked(buf, flags));
        self.conn.check(r)
    }

    fn recv_locked(&self, buf: &mut [u8], flags: u32) -> Result<Received> {
        let mut inc = lock(&self.incoming);
        let Incoming {
            source,
            hole,
            ended,
        } = &mut *inc;
        let Some(source) = source.as_mut() else {
            return Err(unsupported("virStreamRecv"));
        };
        loop {
            if *hole > 0 {
                if flags & recv_flags::STOP_AT_HOLE != 0 {
                    return Ok(Received::Hole);
                }
                let n = buf.len().min(usize::try_from(*hole).unwrap_or(usize::MAX));
                buf[..n].fill(0);
                *hole -= n as u64;
                return Ok(Received::Data(n));
            }
            if *ended || buf.is_empty() {
                return Ok(Received::Data(0));
            }
            match source.read(buf)? {
                Piece::Data(n) => return Ok(Received::Data(n)),
                Piece::Hole(len) => *hole += len,
                Piece::End => *ended = true,
            }
        }
    }

    /// The length of the hole the stream is at, consumed
    /// (`virStreamRecvHole`); 0 when it is at data.
    pub fn recv_hole(&self, flags: u32) -> Result<u64> {
        let r = Error::check_flags(ErrorDomain::Streams, flags, 0, "virStreamRecvHole").map(|()| {
            let mut inc = lock(&self.incoming);
            std::mem::take(&mut inc.hole)
        });
        self.conn.check(r)
    }

    /// Complete the transfer (`virStreamFinish`): the driver confirms that
    /// everything arrived or reports what went wrong.
    pub fn finish(&self) -> Result<()> {
        let sink = lock(&self.outgoing).take();
        let source = lock(&self.incoming).source.take();
        if sink.is_none() && source.is_none() {
            return self.conn.check(Err(unsupported("virStreamFinish")));
        }
        let mut r = Ok(());
        if let Some(mut s) = sink {
            r = s.finish();
        }
        if let Some(mut s) = source {
            let f = s.finish();
            if r.is_ok() {
                r = f;
            }
        }
        self.conn.check(r)
    }

    /// Give up on the transfer (`virStreamAbort`).
    pub fn abort(&self) -> Result<()> {
        if let Some(wake) = lock(&self.interrupt).take() {
            wake();
        }
        let sink = lock(&self.outgoing).take();
        let source = lock(&self.incoming).source.take();
        if sink.is_none() && source.is_none() {
            return self.conn.check(Err(unsupported("virStreamAbort")));
        }
        if let Some(mut s) = sink {
            s.abort();
        }
        if let Some(mut s) = source {
            s.abort();
        }
        Ok(())
    }

    /// Send everything `data` yields (`virStreamSendAll`); on a failure the
    /// stream is aborted. As libvirt's, the caller finishes the stream.
    pub fn send_all(&self, data: &mut dyn std::io::Read) -> Result<()> {
        let mut buf = vec![0u8; CHUNK];
        let r = (|| loop {
            let n = data
                .read(&mut buf)
                .map_err(|e| Error::system(ErrorDomain::Streams, "cannot read stream data", &e))?;
            if n == 0 {
                return Ok(());
            }
            self.send(&buf[..n])?;
        })();
        self.end_with(r)
    }

    /// Receive everything into `out` (`virStreamRecvAll`); on a failure
    /// the stream is aborted. The caller finishes the stream.
    pub fn recv_all(&self, out: &mut dyn std::io::Write) -> Result<()> {
        let mut buf = vec![0u8; CHUNK];
        let r = (|| loop {
            let n = self.recv(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            out.write_all(&buf[..n])
                .map_err(|e| Error::system(ErrorDomain::Streams, "cannot write stream data", &e))?;
        })();
        self.end_with(r)
    }

    /// Receive everything, data to `data` and holes to `hole`
    /// (`virStreamSparseRecvAll`); on a failure the stream is aborted. The
    /// caller finishes the stream.
    pub fn sparse_recv_all(
        &self,
        data: &mut dyn FnMut(&[u8]) -> Result<()>,
        hole: &mut dyn FnMut(u64) -> Result<()>,
    ) -> Result<()> {
        let mut buf = vec![0u8; CHUNK];
        let r = (|| loop {
            match self.recv_flags(&mut buf, recv_flags::STOP_AT_HOLE)? {
                Received::Hole => hole(self.recv_hole(0)?)?,
                Received::Data(0) => return Ok(()),
                Received::Data(n) => data(&buf[..n])?,
            }
        })();
        self.end_with(r)
    }

    /// Send what `next` yields (data, holes, then the end)
    /// (`virStreamSparseSendAll`); on a failure the stream is aborted. The
    /// caller finishes the stream.
    pub fn sparse_send_all(&self, next: &mut dyn FnMut(&mut [u8]) -> Result<Piece>) -> Result<()> {
        let mut buf = vec![0u8; CHUNK];
        let r = (|| loop {
            match next(&mut buf)? {
                Piece::Data(n) => {
                    self.send(&buf[..n.min(buf.len())])?;
                }
                Piece::Hole(len) => self.send_hole(len, 0)?,
                Piece::End => return Ok(()),
            }
        })();
        self.end_with(r)
    }

    /// Abort after `r` failed.
    fn end_with(&self, r: Result<()>) -> Result<()> {
        if r.is_err() {
            let _ = self.abort();
        }
        r
    }
}

/// The chunk the `*_all` helpers move at once (virsh's).
const CHUNK: usize = 256 * 1024;

impl Connect {
    /// libvirt's checks before a call attaches `stream`: the connection
    /// may change things, and the stream must be one of its own (made by
    /// `Stream::new` on this connection), else `mismatch` is the
    /// complaint about argument `arg` of `api`.
    pub(crate) fn check_stream(
        &self,
        stream: &Stream,
        api: &str,
        arg: &str,
        mismatch: impl FnOnce() -> String,
    ) -> Result<()> {
        let r = if self.is_read_only() {
            Err(Error::read_only(api))
        } else if !self.same_as(stream.connect()) {
            Err(Error::invalid_arg(api, arg, mismatch()))
        } else {
            Ok(())
        };
        self.check(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source of scripted pieces.
    struct Script(Vec<Result<Piece>>, Vec<u8>);
    impl StreamSource for Script {
        fn read(&mut self, buf: &mut [u8]) -> Result<Piece> {
            if self.0.is_empty() {
                return Ok(Piece::End);
            }
            let p = self.0.remove(0)?;
            if let Piece::Data(n) = p {
                buf[..n].copy_from_slice(&self.1[..n]);
            }
            Ok(p)
        }
    }

    #[derive(Default)]
    struct Collect(std::sync::Arc<Mutex<Vec<String>>>);
    impl StreamSink for Collect {
        fn write(&mut self, data: &[u8]) -> Result<()> {
            lock(&self.0).push(format!("data {}", data.len()));
            Ok(())
        }
        fn hole(&mut self, length: u64) -> Result<()> {
            lock(&self.0).push(format!("hole {length}"));
            Ok(())
        }
        fn finish(&mut self) -> Result<()> {
            lock(&self.0).push("finish".into());
            Ok(())
        }
    }

    fn conn() -> Connect {
        Connect::for_tests()
    }

    #[test]
    fn holes_read_as_zeroes_or_stop_the_read() {
        let st = Stream::new(conn(), 0);
        st.attach(StreamEnds::receiving(Box::new(Script(
            vec![Ok(Piece::Data(3)), Ok(Piece::Hole(5)), Ok(Piece::Data(2))],
            b"abc".to_vec(),
        ))));
        let mut buf = [9u8; 4];
        assert_eq!(st.recv(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"abc");
        assert_eq!(
            st.recv_flags(&mut buf, recv_flags::STOP_AT_HOLE).unwrap(),
            Received::Hole
        );
        // Without the flag the hole reads as zeroes, in buffer-sized parts.
        assert_eq!(st.recv(&mut buf).unwrap(), 4);
        assert_eq!(buf, [0; 4]);
        assert_eq!(st.recv_hole(0).unwrap(), 1);
        assert_eq!(st.recv_hole(0).unwrap(), 0);
        assert_eq!(st.recv(&mut buf).unwrap(), 2);
        assert_eq!(st.recv(&mut buf).unwrap(), 0);
        assert_eq!(st.recv(&mut buf).unwrap(), 0, "the end stays the end");
        st.finish().unwrap();
        let e = st.recv(&mut buf).unwrap_err();
        assert_eq!(e.code, ErrorCode::NoSupport);
    }

    #[test]
    fn sparse_send_all_sends_holes() {
        let st = Stream::new(conn(), 0);
        let seen = Collect::default();
        let log = seen.0.clone();
        st.attach(StreamEnds::sending(Box::new(seen)));
        let mut script = vec![Piece::Data(10), Piece::Hole(1 << 30), Piece::Data(1)];
        st.sparse_send_all(&mut |_buf| {
            Ok(if script.is_empty() {
                Piece::End
            } else {
                script.remove(0)
            })
        })
        .unwrap();
        st.finish().unwrap();
        assert_eq!(
            *lock(&log),
            ["data 10", "hole 1073741824", "data 1", "finish"]
        );
        let e = st.send(b"x").unwrap_err();
        assert_eq!(e.code, ErrorCode::NoSupport);
    }

    #[test]
    fn a_sink_without_holes_refuses_them_as_libvirt() {
        struct Plain;
        impl StreamSink for Plain {
            fn write(&mut self, _d: &[u8]) -> Result<()> {
                Ok(())
            }
            fn finish(&mut self) -> Result<()> {
                Ok(())
            }
        }
        let st = Stream::new(conn(), 0);
        st.attach(StreamEnds::sending(Box::new(Plain)));
        let e = st.send_hole(4096, 0).unwrap_err();
        // libvirt's stream client raises it, under the RPC domain.
        assert_eq!(
            (e.code, e.domain),
            (ErrorCode::OperationInvalid, ErrorDomain::Rpc)
        );
        let e = st.send_hole(4096, 8).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArg);
        let mut buf = [0u8; 1];
        assert_eq!(st.recv(&mut buf).unwrap_err().code, ErrorCode::NoSupport);
    }
}
