//! `virStream`: bulk data to and from a driver (volume upload and
//! download, consoles), over virt-core's [`Stream`].
//!
//! The primitives (`send`, `recv`, `recvFlags`, `sendHole`, `recvHole`,
//! `finish`, `abort`) release the GIL while they wait; the `*All` helpers
//! loop over them calling the application's handlers with libvirt-python's
//! arguments, chunk size and error handling, so scripts written for
//! libvirt-python (its `examples/sparsestream.py`) behave the same.
//!
//! A stream made with `VIR_STREAM_NONBLOCK` never makes `recv` wait: a
//! reader thread (see [`Pump`]) fetches ahead into a buffer, `recv`
//! answers -2 while it is empty, and `eventAddCallback` registrations are
//! told when it fills, through the event loop (see `events`).

use super::connect::PyConnect;
use super::error::{call, raise};
use super::events::{stream_changed, WatchSlot};
use super::handle::{ConnObject, ConnTie};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use virt_core::{recv_flags, stream_flags, ErrorCode, ErrorDomain, Received, Stream};

/// The chunk the `*All` helpers ask for (libvirt-python's
/// `virStorageVol.streamBufSize`).
pub(super) const CHUNK: usize = 262_120;

/// `recv`'s answer when a non-blocking stream has nothing yet.
const WOULD_BLOCK: i32 = -2;
/// `recvFlags`' answer at a hole with `VIR_STREAM_RECV_STOP_AT_HOLE`.
const AT_HOLE: i32 = -3;

/// `VIR_STREAM_EVENT_READABLE` / `_WRITABLE` / `_ERROR`.
mod stream_event {
    pub const READABLE: i32 = 1;
    pub const WRITABLE: i32 = 2;
    pub const ERROR: i32 = 4;
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a non-blocking stream's reader thread fetched and `recv` has not
/// taken yet.
#[derive(Default)]
struct Fetched {
    data: VecDeque<u8>,
    /// The source said end of stream (or failed: `error`).
    ended: bool,
    error: Option<virt_core::Error>,
    /// The reader thread runs.
    started: bool,
}

/// The reader thread of a non-blocking stream: it waits in the blocking
/// `Stream::recv` so the application never does, keeping at most
/// [`CHUNK`] bytes ahead (it waits for `recv` to take them before reading
/// more, so a download is not pulled into memory whole).
#[derive(Default)]
pub(super) struct Pump {
    fetched: Mutex<Fetched>,
    /// Signalled when `recv` took data (room for more) or the stream ends.
    room: Condvar,
}

impl Pump {
    /// Start the reader thread once; `notify` runs after each change the
    /// application may want to hear of (data arrived, end, error).
    fn start(self: &Arc<Self>, stream: Arc<Stream>, notify: Arc<dyn Fn() + Send + Sync>) {
        {
            let mut f = lock(&self.fetched);
            if f.started {
                return;
            }
            f.started = true;
        }
        let pump = self.clone();
        let spawned = std::thread::Builder::new()
            .name("virt-python-stream".into())
            .spawn(move || pump.run(&stream, &*notify));
        if let Err(e) = spawned {
            let mut f = lock(&self.fetched);
            f.ended = true;
            f.error = Some(virt_core::Error::system(
                virt_core::ErrorDomain::Streams,
                "cannot start the stream's reader thread",
                &e,
            ));
        }
    }

    fn run(&self, stream: &Stream, notify: &dyn Fn()) {
        let mut buf = vec![0u8; CHUNK];
        loop {
            {
                let mut f = lock(&self.fetched);
                while f.data.len() >= CHUNK && !f.ended {
                    f = self.room.wait(f).unwrap_or_else(PoisonError::into_inner);
                }
                if f.ended {
                    return;
                }
            }
            let got = stream.recv(&mut buf);
            {
                let mut f = lock(&self.fetched);
                match got {
                    Ok(0) => f.ended = true,
                    Ok(n) => f.data.extend(&buf[..n]),
                    Err(e) => {
                        f.ended = true;
                        f.error = Some(e);
                    }
                }
            }
            notify();
        }
    }

    /// Take up to `max` bytes: `None` while nothing is there yet.
    fn take(&self, max: usize) -> Option<virt_core::Result<Vec<u8>>> {
        let mut f = lock(&self.fetched);
        if !f.data.is_empty() {
            let n = max.min(f.data.len());
            let out: Vec<u8> = f.data.drain(..n).collect();
            self.room.notify_all();
            return Some(Ok(out));
        }
        if let Some(e) = f.error.take() {
            return Some(Err(e));
        }
        f.ended.then(|| Ok(Vec::new()))
    }

    /// True when `recv` would not answer -2.
    fn readable(&self) -> bool {
        let f = lock(&self.fetched);
        !f.data.is_empty() || f.ended
    }

    /// True when the reader thread met an error `recv` has not raised yet.
    fn failed(&self) -> bool {
        lock(&self.fetched).error.is_some()
    }

    /// Stop the reader thread's next round (the stream finished or was
    /// aborted).
    fn stop(&self) {
        lock(&self.fetched).ended = true;
        self.room.notify_all();
    }
}

/// A stream (libvirt-python's `virStream`).
#[pyclass(name = "virStream", module = "libvirt", frozen)]
pub struct PyStream {
    stream: Arc<Stream>,
    conn: ConnTie,
    pump: Arc<Pump>,
    /// The `eventAddCallback` registration, if any.
    watch: Arc<WatchSlot>,
}

impl ConnObject for PyStream {
    type Handle = Stream;
    fn wrap(conn: &Bound<'_, PyConnect>, stream: Stream) -> PyResult<Py<PyStream>> {
        Py::new(
            conn.py(),
            PyStream {
                stream: Arc::new(stream),
                conn: ConnTie::to(conn),
                pump: Arc::default(),
                watch: Arc::default(),
            },
        )
    }
}

impl PyStream {
    /// The virt-core stream, for the calls that attach it.
    pub(super) fn stream(&self) -> &Stream {
        &self.stream
    }

    /// Where its `eventAddCallback` registration lives.
    pub(super) fn watch_slot(&self) -> Arc<WatchSlot> {
        self.watch.clone()
    }

    fn nonblocking(&self) -> bool {
        self.stream.flags() & stream_flags::NONBLOCK != 0
    }

    /// Start the reader thread of a non-blocking stream (once), telling the event
    /// loop whenever what it fetched changes.
    pub(super) fn start_pump(slf: &Bound<'_, Self>) {
        let me = slf.get();
        if !me.nonblocking() {
            // A blocking stream's recv reads the driver's end itself.
            return;
        }
        let slot = me.watch.clone();
        let notify: Arc<dyn Fn() + Send + Sync> = Arc::new(move || stream_changed(&slot));
        me.pump.start(me.stream.clone(), notify);
    }

    /// The `VIR_STREAM_EVENT_*` bits that hold now.
    pub(super) fn ready_events(&self) -> i32 {
        let mut ev = 0;
        // A blocking stream's recv waits for data rather than answer -2.
        if !self.nonblocking() || self.pump.readable() {
            ev |= stream_event::READABLE;
        }
        // Writes go straight to the driver's end, so a stream that takes
        // data always can.
        ev |= stream_event::WRITABLE;
        if self.pump.failed() {
            ev |= stream_event::ERROR;
        }
        ev
    }

    /// Receive up to `nbytes`, stopping at a hole when `flags` asks:
    /// bytes, or -2 (a non-blocking stream with nothing yet), or -3 (a
    /// hole).
    fn receive(slf: &Bound<'_, Self>, nbytes: i32, flags: u32) -> PyResult<PyObject> {
        let py = slf.py();
        let me = slf.get();
        let n = usize::try_from(nbytes).unwrap_or(0);
        if me.nonblocking() {
            Self::start_pump(slf);
            return match me.pump.take(n) {
                None => Ok(WOULD_BLOCK.into_pyobject(py)?.into_any().unbind()),
                Some(r) => {
                    let data = call(py, || r)?;
                    Ok(PyBytes::new(py, &data).into_any().unbind())
                }
            };
        }
        let stream = me.stream.clone();
        let (buf, got) = call(py, move || {
            let mut buf = vec![0u8; n];
            stream.recv_flags(&mut buf, flags).map(|r| (buf, r))
        })?;
        Ok(match got {
            Received::Data(len) => PyBytes::new(py, &buf[..len]).into_any().unbind(),
            Received::Hole => AT_HOLE.into_pyobject(py)?.into_any().unbind(),
        })
    }

    /// libvirt-python's `libvirtError(message)` for a misuse the binding
    /// itself detects (it carries the thread's last error, if any, as
    /// libvirt-python's does).
    fn misuse(py: Python<'_>, what: &str) -> PyErr {
        let made = py
            .import("libvirt")
            .and_then(|m| m.getattr("libvirtError"))
            .and_then(|c| c.call1((format!("cannot use {what} with nonblocking stream"),)));
        match made {
            Ok(e) => PyErr::from_value(e),
            Err(e) => e,
        }
    }

    /// libvirt's refusal of a second callback (`adding`) or of a change
    /// to a callback there is not, worded as the stream's driver words it:
    /// libvirt's RPC client for a remote connection, its file streams
    /// otherwise. A stream no call attached has no driver: "not
    /// supported".
    pub(super) fn callback_error(&self, py: Python<'_>, function: &str, adding: bool) -> PyErr {
        if !self.stream.is_attached() {
            return raise(py, virt_core::Error::no_support(function));
        }
        let uri = self.stream.connect().parsed_uri();
        let remote = uri.transport.is_some() || uri.host.as_deref().is_some_and(|h| !h.is_empty());
        let (domain, message) = match (remote, adding) {
            (true, true) => (ErrorDomain::Rpc, "multiple stream callbacks not supported"),
            (true, false) => (ErrorDomain::Rpc, "no stream callback registered"),
            (false, true) => (
                ErrorDomain::Streams,
                "stream already has a callback registered",
            ),
            (false, false) => (
                ErrorDomain::Streams,
                "stream does not have a callback registered",
            ),
        };
        raise(
            py,
            virt_core::Error::new(ErrorCode::InternalError, domain, Some(message)),
        )
    }

    /// Abort, ignoring a failure, before passing an error on.
    fn abort_quietly(&self, py: Python<'_>) {
        let stream = self.stream.clone();
        self.pump.stop();
        let _ = py.allow_threads(move || stream.abort());
    }
}

/// A negative number a handler returned, if it did.
fn negative(ret: &Bound<'_, PyAny>) -> Option<i64> {
    if ret.is_instance_of::<pyo3::types::PyBool>() {
        return None;
    }
    ret.extract::<i64>().ok().filter(|n| *n < 0)
}

#[pymethods]
impl PyStream {
    /// The connection this stream belongs to.
    fn connect(&self, py: Python<'_>) -> Py<PyConnect> {
        self.conn.get(py)
    }

    /// Send `data` (bytes, or a string sent as UTF-8); the number of bytes
    /// sent.
    fn send(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<usize> {
        let bytes: Vec<u8> = if let Ok(b) = data.downcast::<PyBytes>() {
            b.as_bytes().to_vec()
        } else if let Ok(s) = data.downcast::<PyString>() {
            s.to_cow()?.as_bytes().to_vec()
        } else {
            return Err(PyTypeError::new_err("send: data must be bytes or str"));
        };
        let stream = self.stream.clone();
        call(py, move || stream.send(&bytes))
    }

    /// Receive up to `nbytes`: the bytes (empty at the end of the stream),
    /// or -2 when a non-blocking stream has nothing yet. Holes read as
    /// zeroes.
    fn recv(slf: &Bound<'_, Self>, nbytes: i32) -> PyResult<PyObject> {
        Self::receive(slf, nbytes, 0)
    }

    /// As `recv`, with `VIR_STREAM_RECV_STOP_AT_HOLE` answering -3 at a
    /// hole (whose length `recvHole` gives).
    #[pyo3(name = "recvFlags", signature = (nbytes, flags = 0))]
    fn recv_flags(slf: &Bound<'_, Self>, nbytes: i32, flags: u32) -> PyResult<PyObject> {
        Self::receive(slf, nbytes, flags)
    }

    /// The length of the hole the stream is at, consumed.
    #[pyo3(name = "recvHole", signature = (flags = 0))]
    fn recv_hole(&self, py: Python<'_>, flags: u32) -> PyResult<u64> {
        let stream = self.stream.clone();
        call(py, move || stream.recv_hole(flags))
    }

    /// Send a hole of `length` zero bytes; returns 0.
    #[pyo3(name = "sendHole", signature = (length, flags = 0))]
    fn send_hole(&self, py: Python<'_>, length: i64, flags: u32) -> PyResult<i32> {
        let Ok(length) = u64::try_from(length) else {
            return Err(raise(
                py,
                virt_core::Error::invalid_arg(
                    "virStreamSendHole",
                    "length",
                    "length in virStreamSendHole must be zero or greater",
                ),
            ));
        };
        let stream = self.stream.clone();
        call(py, move || stream.send_hole(length, flags)).map(|()| 0)
    }

    /// Complete the transfer: the driver confirms that all arrived, or
    /// raises what went wrong; returns 0.
    fn finish(&self, py: Python<'_>) -> PyResult<i32> {
        let stream = self.stream.clone();
        self.pump.stop();
        call(py, move || stream.finish()).map(|()| 0)
    }

    /// Give up on the transfer; returns 0.
    fn abort(&self, py: Python<'_>) -> PyResult<i32> {
        let stream = self.stream.clone();
        self.pump.stop();
        call(py, move || stream.abort()).map(|()| 0)
    }

    /// Receive everything, calling `handler(stream, data, opaque)` per
    /// chunk; a handler's exception or negative answer aborts the stream.
    #[pyo3(name = "recvAll")]
    fn recv_all(
        slf: &Bound<'_, Self>,
        handler: &Bound<'_, PyAny>,
        opaque: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        let chunk = i32::try_from(CHUNK).unwrap_or(i32::MAX);
        loop {
            let got = Self::receive(slf, chunk, 0)?.into_bound(py);
            let Ok(data) = got.downcast::<PyBytes>() else {
                return Err(Self::misuse(py, "recvAll"));
            };
            if data.as_bytes().is_empty() {
                return Ok(());
            }
            let r = handler
                .call1((slf, data, opaque))
                .and_then(|ret| match negative(&ret) {
                    Some(n) => Err(PyRuntimeError::new_err(format!(
                        "recvAll handler returned {n}"
                    ))),
                    None => Ok(()),
                });
            if let Err(e) = r {
                slf.get().abort_quietly(py);
                return Err(e);
            }
        }
    }

    /// Send what `handler(stream, nbytes, opaque)` returns until it returns
    /// nothing; its exception aborts the stream.
    #[pyo3(name = "sendAll")]
    fn send_all(
        slf: &Bound<'_, Self>,
        handler: &Bound<'_, PyAny>,
        opaque: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        loop {
            let got = match handler.call1((slf, CHUNK, opaque)) {
                Ok(g) => g,
                Err(e) => {
                    slf.get().abort_quietly(py);
                    return Err(e);
                }
            };
            if !got.is_truthy()? {
                return Ok(());
            }
            slf.get().send(py, &got)?;
        }
    }

    /// Receive everything keeping holes: `handler(stream, data, opaque)`
    /// per chunk of data, `holeHandler(stream, length, opaque)` per hole; a
    /// negative answer from either aborts the stream.
    #[pyo3(name = "sparseRecvAll")]
    #[allow(non_snake_case)] // libvirt-python's keyword names
    fn sparse_recv_all(
        slf: &Bound<'_, Self>,
        handler: &Bound<'_, PyAny>,
        holeHandler: &Bound<'_, PyAny>,
        opaque: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        let me = slf.get();
        let chunk = i32::try_from(CHUNK).unwrap_or(i32::MAX);
        loop {
            let got = Self::receive(slf, chunk, recv_flags::STOP_AT_HOLE)?.into_bound(py);
            if let Ok(code) = got.extract::<i32>() {
                if code == WOULD_BLOCK {
                    return Err(Self::misuse(py, "sparseRecvAll"));
                }
                let length = me.recv_hole(py, 0)?;
                let ret = holeHandler.call1((slf, length, opaque))?;
                if let Some(n) = negative(&ret) {
                    me.abort_quietly(py);
                    return Err(PyRuntimeError::new_err(format!(
                        "holeHandler handler returned {n}"
                    )));
                }
                continue;
            }
            let data = got.downcast::<PyBytes>()?;
            if data.as_bytes().is_empty() {
                return Ok(());
            }
            let ret = handler.call1((slf, data, opaque))?;
            if let Some(n) = negative(&ret) {
                me.abort_quietly(py);
                return Err(PyRuntimeError::new_err(format!(
                    "sparseRecvAll handler returned {n}"
                )));
            }
        }
    }

    /// Send a sparse source: `holeHandler(stream, opaque)` says whether the
    /// source is in data and how long the section is; holes are sent as
    /// holes and passed over with `skipHandler(stream, length, opaque)`,
    /// data read with `handler(stream, nbytes, opaque)` until it returns
    /// nothing.
    #[pyo3(name = "sparseSendAll")]
    #[allow(non_snake_case)] // libvirt-python's keyword names
    fn sparse_send_all(
        slf: &Bound<'_, Self>,
        handler: &Bound<'_, PyAny>,
        holeHandler: &Bound<'_, PyAny>,
        skipHandler: &Bound<'_, PyAny>,
        opaque: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        let me = slf.get();
        loop {
            // Any pair: libvirt-python's examples answer with a list.
            let answer = holeHandler.call1((slf, opaque))?;
            let in_data = answer.get_item(0)?.is_truthy()?;
            let section: i64 = answer.get_item(1)?.extract()?;
            if !in_data && section > 0 {
                let sent = me.send_hole(py, section, 0)?;
                let skipped = skipHandler.call1((slf, section, opaque))?;
                if sent < 0 || negative(&skipped).is_some() {
                    me.abort_quietly(py);
                }
                continue;
            }
            let want = i64::try_from(CHUNK).unwrap_or(i64::MAX).min(section);
            let got = handler.call1((slf, want, opaque))?;
            if let Some(n) = negative(&got) {
                me.abort_quietly(py);
                return Err(PyRuntimeError::new_err(format!(
                    "sparseSendAll handler returned {n}"
                )));
            }
            if !got.is_truthy()? {
                return Ok(());
            }
            me.send(py, &got)?;
        }
    }

    /// Call `cb(stream, events, opaque)` from the event loop whenever one
    /// of `events` (`VIR_STREAM_EVENT_*`) holds.
    #[pyo3(name = "eventAddCallback")]
    fn event_add_callback(
        slf: &Bound<'_, Self>,
        events: i32,
        cb: Py<PyAny>,
        opaque: Py<PyAny>,
    ) -> PyResult<()> {
        super::events::stream_watch_add(slf, events, cb, opaque)
    }

    /// Change the events the callback waits for; returns 0.
    #[pyo3(name = "eventUpdateCallback")]
    fn event_update_callback(slf: &Bound<'_, Self>, events: i32) -> PyResult<i32> {
        super::events::stream_watch_update(slf, events).map(|()| 0)
    }

    /// Forget the callback; returns 0.
    #[pyo3(name = "eventRemoveCallback")]
    fn event_remove_callback(slf: &Bound<'_, Self>) -> PyResult<i32> {
        super::events::stream_watch_remove(slf).map(|()| 0)
    }
}
