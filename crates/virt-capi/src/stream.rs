//! The stream calls (`libvirt-stream.h`): a stream made on a connection,
//! attached by a call such as [`crate::volume::virStorageVolUpload`], then
//! written or read by the caller, holes included, and finished or aborted.
//! The `*All` helpers drive the caller's callbacks in libvirt's order (a
//! failure aborts the stream; the caller still finishes or frees it).
//!
//! Every function follows libvirt's C contract, as in [`crate::connect`].

#![allow(clippy::missing_safety_doc)]

use crate::connect::{conn_of, put};
use crate::handles::{self, ConnHandle, StreamHandle};
use crate::network::in_family;
use crate::report::guard;
use crate::strings::{self, null_arg};
use libc::{c_char, c_int, c_longlong, c_uint, c_void, size_t};
use std::ptr;
use virt_core::{recv_flags, Error, ErrorCode, ErrorDomain, Received};

/// `virStreamSourceFunc`: fill `data` with up to `nbytes`; bytes written,
/// 0 at the end, -1 on failure.
pub type SourceFunc =
    Option<unsafe extern "C" fn(*mut StreamHandle, *mut c_char, size_t, *mut c_void) -> c_int>;
/// `virStreamSinkFunc`: take up to `nbytes` of `data`; bytes taken, -1 on
/// failure.
pub type SinkFunc =
    Option<unsafe extern "C" fn(*mut StreamHandle, *const c_char, size_t, *mut c_void) -> c_int>;
/// `virStreamSinkHoleFunc`: a hole of `length` bytes arrived.
pub type SinkHoleFunc =
    Option<unsafe extern "C" fn(*mut StreamHandle, c_longlong, *mut c_void) -> c_int>;
/// `virStreamSourceHoleFunc`: is the source at data (`*in_data`) and how
/// long is the section (`*length`; 0 at the end).
pub type SourceHoleFunc = Option<
    unsafe extern "C" fn(*mut StreamHandle, *mut c_int, *mut c_longlong, *mut c_void) -> c_int,
>;
/// `virStreamSourceSkipFunc`: move the source past a hole of `length`.
pub type SourceSkipFunc =
    Option<unsafe extern "C" fn(*mut StreamHandle, c_longlong, *mut c_void) -> c_int>;

/// The chunk the `*All` helpers move at once (libvirt's).
const CHUNK: usize = 64 * 1024;

/// Run a call on a stream handle; errors are its connection's.
fn with_stream<R>(
    api: &'static str,
    p: *mut StreamHandle,
    fail: R,
    f: impl FnOnce(&StreamHandle) -> Result<R, Error>,
) -> R {
    guard(api, fail, |call| {
        // SAFETY: the exported caller passes its C argument through: null
        // or a stream handle from this library.
        let h = unsafe { handles::get(p, api) }?;
        call.on(h.conn.get());
        f(h).map_err(streams)
    })
}

/// Checks the library makes itself (a null argument, a stream with no
/// such end, a bad connection) are libvirt-stream.c's, raised under the
/// streams domain.
fn streams(e: Error) -> Error {
    let mut e = in_family(e, ErrorDomain::Streams);
    if e.code == ErrorCode::NoSupport && e.domain == ErrorDomain::Domain {
        e.domain = ErrorDomain::Streams;
    }
    e
}

/// A caller's callback said it failed.
fn callback_failed(what: &str) -> Error {
    Error::raw(
        ErrorCode::InternalError,
        ErrorDomain::Streams,
        format!("internal error: stream {what} callback failed"),
    )
}

/// A size from C as a byte count.
fn count(n: c_int, what: &str) -> Result<usize, Error> {
    usize::try_from(n).map_err(|_| callback_failed(what))
}

/// A count of bytes as C's `int`, as libvirt's calls return it.
fn as_int(n: usize) -> c_int {
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// A length from C that must not be negative.
fn length_arg(api: &str, n: c_longlong) -> Result<u64, Error> {
    u64::try_from(n).map_err(|_| strings::bad_arg(api, "length", "be non-negative"))
}

/// Abort the stream after `r` failed, keeping `r`'s error.
fn abort_on_error<T>(h: &StreamHandle, r: Result<T, Error>) -> Result<T, Error> {
    if r.is_err() {
        let _ = h.stream.abort();
    }
    r
}

/// `virStreamNew`.
#[no_mangle]
pub unsafe extern "C" fn virStreamNew(conn: *mut ConnHandle, flags: c_uint) -> *mut StreamHandle {
    const API: &str = "virStreamNew";
    guard(API, ptr::null_mut(), |call| {
        // SAFETY: the exported caller passes its C argument through.
        let c = unsafe { conn_of(conn, API, call) }.map_err(streams)?;
        let s = c.conn.new_stream(flags).map_err(streams)?;
        Ok(handles::into_raw(StreamHandle::new(c, s)))
    })
}

/// `virStreamRef`.
#[no_mangle]
pub unsafe extern "C" fn virStreamRef(stream: *mut StreamHandle) -> c_int {
    with_stream("virStreamRef", stream, -1, |h| {
        handles::add_ref(h);
        Ok(0)
    })
}

/// `virStreamFree`: drop a reference; the last one releases whatever the
/// stream still holds (an unfinished transfer is aborted).
#[no_mangle]
pub unsafe extern "C" fn virStreamFree(stream: *mut StreamHandle) -> c_int {
    with_stream("virStreamFree", stream, -1, |_| {
        // SAFETY: `with_stream` found a live handle; the caller gives up
        // the reference it owns.
        unsafe { handles::release(stream) };
        Ok(0)
    })
}

/// `virStreamSend`: bytes sent.
#[no_mangle]
pub unsafe extern "C" fn virStreamSend(
    stream: *mut StreamHandle,
    data: *const c_char,
    nbytes: size_t,
) -> c_int {
    const API: &str = "virStreamSend";
    with_stream(API, stream, -1, |h| {
        if data.is_null() {
            return Err(null_arg(API, "data"));
        }
        // SAFETY: the caller's buffer of `nbytes` bytes, per the contract.
        let buf = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), nbytes) };
        h.stream.send(buf).map(as_int)
    })
}

/// `virStreamRecv`: bytes read, 0 at the end (holes read as zeroes).
#[no_mangle]
pub unsafe extern "C" fn virStreamRecv(
    stream: *mut StreamHandle,
    data: *mut c_char,
    nbytes: size_t,
) -> c_int {
    // SAFETY: forwarded from the caller.
    unsafe { recv(stream, data, nbytes, 0, "virStreamRecv") }
}

/// `virStreamRecvFlags`: as [`virStreamRecv`], or -3 at a hole with
/// `VIR_STREAM_RECV_STOP_AT_HOLE`.
#[no_mangle]
pub unsafe extern "C" fn virStreamRecvFlags(
    stream: *mut StreamHandle,
    data: *mut c_char,
    nbytes: size_t,
    flags: c_uint,
) -> c_int {
    // SAFETY: forwarded from the caller.
    unsafe { recv(stream, data, nbytes, flags, "virStreamRecvFlags") }
}

/// The body of the two receive calls.
///
/// # Safety
/// As [`virStreamRecv`]'s contract.
unsafe fn recv(
    stream: *mut StreamHandle,
    data: *mut c_char,
    nbytes: size_t,
    flags: c_uint,
    api: &'static str,
) -> c_int {
    with_stream(api, stream, -1, |h| {
        if data.is_null() {
            return Err(null_arg(api, "data"));
        }
        // SAFETY: the caller's buffer of `nbytes` bytes, per the contract.
        let buf = unsafe { std::slice::from_raw_parts_mut(data.cast::<u8>(), nbytes) };
        Ok(match h.stream.recv_flags(buf, flags)? {
            Received::Data(n) => as_int(n),
            Received::Hole => -3,
        })
    })
}

/// `virStreamSendHole`: `length` zero bytes, sent as a hole.
#[no_mangle]
pub unsafe extern "C" fn virStreamSendHole(
    stream: *mut StreamHandle,
    length: c_longlong,
    flags: c_uint,
) -> c_int {
    const API: &str = "virStreamSendHole";
    with_stream(API, stream, -1, |h| {
        let n = length_arg(API, length)?;
        h.stream.send_hole(n, flags).map(|()| 0)
    })
}

/// `virStreamRecvHole`: the length of the hole the stream is at.
#[no_mangle]
pub unsafe extern "C" fn virStreamRecvHole(
    stream: *mut StreamHandle,
    length: *mut c_longlong,
    flags: c_uint,
) -> c_int {
    const API: &str = "virStreamRecvHole";
    with_stream(API, stream, -1, |h| {
        if length.is_null() {
            return Err(null_arg(API, "length"));
        }
        let n = h.stream.recv_hole(flags)?;
        let n = c_longlong::try_from(n).unwrap_or(c_longlong::MAX);
        // SAFETY: non-null caller storage.
        unsafe { put(length, n, API, "length") }?;
        Ok(0)
    })
}

/// `virStreamFinish`: the driver confirms the transfer.
#[no_mangle]
pub unsafe extern "C" fn virStreamFinish(stream: *mut StreamHandle) -> c_int {
    with_stream("virStreamFinish", stream, -1, |h| {
        h.stream.finish().map(|()| 0)
    })
}

/// `virStreamAbort`: give the transfer up.
#[no_mangle]
pub unsafe extern "C" fn virStreamAbort(stream: *mut StreamHandle) -> c_int {
    with_stream("virStreamAbort", stream, -1, |h| {
        h.stream.abort().map(|()| 0)
    })
}

/// `virStreamSendAll`: send what `handler` yields until it says the end.
#[no_mangle]
pub unsafe extern "C" fn virStreamSendAll(
    stream: *mut StreamHandle,
    handler: SourceFunc,
    opaque: *mut c_void,
) -> c_int {
    const API: &str = "virStreamSendAll";
    with_stream(API, stream, -1, |h| {
        let source = handler.ok_or_else(|| null_arg(API, "handler"))?;
        let mut buf = vec![0u8; CHUNK];
        let r = (|| loop {
            // SAFETY: the caller's callback, given our buffer of its size.
            let got = unsafe { source(stream, buf.as_mut_ptr().cast(), buf.len(), opaque) };
            let got = count(got, "source")?.min(buf.len());
            if got == 0 {
                return Ok(0);
            }
            h.stream.send(&buf[..got])?;
        })();
        abort_on_error(h, r)
    })
}

/// Hand `data` to the caller's sink until it has taken all of it.
///
/// # Safety
/// `sink` is the caller's callback, `stream` and `opaque` what it expects.
unsafe fn drain(
    sink: unsafe extern "C" fn(*mut StreamHandle, *const c_char, size_t, *mut c_void) -> c_int,
    stream: *mut StreamHandle,
    data: &[u8],
    opaque: *mut c_void,
) -> Result<(), Error> {
    let mut offset = 0;
    while offset < data.len() {
        let rest = &data[offset..];
        // SAFETY: per this function's contract, with our bytes.
        let done = unsafe { sink(stream, rest.as_ptr().cast(), rest.len(), opaque) };
        let done = count(done, "sink")?;
        if done == 0 {
            return Err(callback_failed("sink"));
        }
        offset += done.min(rest.len());
    }
    Ok(())
}

/// `virStreamRecvAll`: hand everything received to `handler`.
#[no_mangle]
pub unsafe extern "C" fn virStreamRecvAll(
    stream: *mut StreamHandle,
    handler: SinkFunc,
    opaque: *mut c_void,
) -> c_int {
    const API: &str = "virStreamRecvAll";
    with_stream(API, stream, -1, |h| {
        let sink = handler.ok_or_else(|| null_arg(API, "handler"))?;
        let mut buf = vec![0u8; CHUNK];
        let r = (|| loop {
            let got = h.stream.recv(&mut buf)?;
            if got == 0 {
                return Ok(0);
            }
            // SAFETY: the caller's callback with its stream and opaque.
            unsafe { drain(sink, stream, &buf[..got], opaque) }?;
        })();
        abort_on_error(h, r)
    })
}

/// `virStreamSparseRecvAll`: data to `handler`, holes to `hole_handler`.
#[no_mangle]
pub unsafe extern "C" fn virStreamSparseRecvAll(
    stream: *mut StreamHandle,
    handler: SinkFunc,
    hole_handler: SinkHoleFunc,
    opaque: *mut c_void,
) -> c_int {
    const API: &str = "virStreamSparseRecvAll";
    with_stream(API, stream, -1, |h| {
        let sink = handler.ok_or_else(|| null_arg(API, "handler"))?;
        let hole = hole_handler.ok_or_else(|| null_arg(API, "holeHandler"))?;
        let mut buf = vec![0u8; CHUNK];
        let r = (|| loop {
            match h.stream.recv_flags(&mut buf, recv_flags::STOP_AT_HOLE)? {
                Received::Hole => {
                    let n = h.stream.recv_hole(0)?;
                    let n = c_longlong::try_from(n).unwrap_or(c_longlong::MAX);
                    // SAFETY: the caller's callback with its stream and opaque.
                    if unsafe { hole(stream, n, opaque) } < 0 {
                        return Err(callback_failed("hole"));
                    }
                }
                Received::Data(0) => return Ok(0),
                // SAFETY: the caller's callback with its stream and opaque.
                Received::Data(n) => unsafe { drain(sink, stream, &buf[..n], opaque) }?,
            }
        })();
        abort_on_error(h, r)
    })
}

/// `virStreamSparseSendAll`: ask `hole_handler` where the source is; send
/// its holes as holes (moving it on with `skip_handler`) and its data as
/// `handler` yields it, until a section of length 0.
#[no_mangle]
pub unsafe extern "C" fn virStreamSparseSendAll(
    stream: *mut StreamHandle,
    handler: SourceFunc,
    hole_handler: SourceHoleFunc,
    skip_handler: SourceSkipFunc,
    opaque: *mut c_void,
) -> c_int {
    const API: &str = "virStreamSparseSendAll";
    with_stream(API, stream, -1, |h| {
        let source = handler.ok_or_else(|| null_arg(API, "handler"))?;
        let where_ = hole_handler.ok_or_else(|| null_arg(API, "holeHandler"))?;
        let skip = skip_handler.ok_or_else(|| null_arg(API, "skipHandler"))?;
        let mut buf = vec![0u8; CHUNK];
        let r = (|| {
            // Bytes of data left in the current section.
            let mut data_left: u64 = 0;
            loop {
                if data_left == 0 {
                    let mut in_data: c_int = 0;
                    let mut len: c_longlong = 0;
                    // SAFETY: the caller's callback, our out-parameters.
                    if unsafe { where_(stream, &mut in_data, &mut len, opaque) } < 0 {
                        return Err(callback_failed("hole"));
                    }
                    let len = u64::try_from(len).map_err(|_| callback_failed("hole"))?;
                    if in_data == 0 && len > 0 {
                        h.stream.send_hole(len, 0)?;
                        let back = c_longlong::try_from(len).unwrap_or(c_longlong::MAX);
                        // SAFETY: the caller's callback.
                        if unsafe { skip(stream, back, opaque) } < 0 {
                            return Err(callback_failed("skip"));
                        }
                        continue;
                    }
                    data_left = len;
                }
                let want = usize::try_from(data_left)
                    .unwrap_or(usize::MAX)
                    .min(buf.len());
                // SAFETY: the caller's callback, given our buffer of `want`.
                let got = unsafe { source(stream, buf.as_mut_ptr().cast(), want, opaque) };
                let got = count(got, "source")?.min(want);
                if got == 0 {
                    return Ok(0);
                }
                h.stream.send(&buf[..got])?;
                data_left -= got as u64;
            }
        })();
        abort_on_error(h, r)
    })
}
