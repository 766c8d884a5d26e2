//! libvirt's stream packets, shared by the client and the daemon.
//!
//! After the reply to a call that opens a stream (`STORAGE_VOL_UPLOAD`,
//! ...), packets of type `STREAM` with the call's procedure and serial
//! carry the data, raw, with status `CONTINUE`; an empty `CONTINUE` from
//! the sending side is the end of the data. `STREAM_HOLE` packets (status
//! `CONTINUE`, body `virNetStreamHole {hyper length; unsigned int flags}`)
//! stand for runs of zeroes on sparse streams. The client ends a stream
//! with `OK` (finish) or `ERROR` (abort), and the daemon confirms with an
//! empty `OK`, or answers `ERROR` with a `remote_error` body when the
//! transfer failed; a failure while data flows is such an `ERROR` too.

use virt_core::{Error, ErrorCode, ErrorDomain};

use crate::error::RemoteError;
use crate::packet::{encode_packet, Header, MessageStatus, MessageType};
use crate::remote_error::WireError;
use crate::xdr::{Decoder, Encoder, Xdr};

/// The most data one packet carries (`VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX`,
/// what libvirtd reads at once for a download).
pub const CHUNK: usize = 262_120;

/// `virNetStreamHole`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamHole {
    /// Zero bytes skipped.
    pub length: i64,
    /// No flags are defined.
    pub flags: u32,
}

impl Xdr for StreamHole {
    fn encode(&self, e: &mut Encoder) {
        e.i64(self.length).u32(self.flags);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(StreamHole {
            length: d.i64()?,
            flags: d.u32()?,
        })
    }
}

/// Where a stream's packets go: the program, version, procedure and
/// serial of the call that opened it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StreamId {
    /// The opening call's header.
    pub call: Header,
}

impl StreamId {
    /// The stream opened by the call with this header.
    pub fn of(call: &Header) -> Self {
        StreamId { call: *call }
    }

    /// True when `h` belongs to this stream.
    pub fn matches(&self, h: &Header) -> bool {
        h.prog == self.call.prog
            && h.vers == self.call.vers
            && h.proc_ == self.call.proc_
            && h.serial == self.call.serial
    }

    fn header(&self, kind: MessageType, status: MessageStatus) -> Header {
        Header {
            kind,
            status,
            ..self.call
        }
    }

    /// A data packet (`CONTINUE`); empty, the end of the data.
    pub fn data(&self, bytes: &[u8]) -> Result<Vec<u8>, RemoteError> {
        encode_packet(
            &self.header(MessageType::Stream, MessageStatus::Continue),
            bytes,
        )
    }

    /// A hole of `length` zero bytes.
    pub fn hole(&self, length: u64) -> Result<Vec<u8>, RemoteError> {
        let mut e = Encoder::packet(&self.header(MessageType::StreamHole, MessageStatus::Continue));
        e.put(&StreamHole {
            length: i64::try_from(length).unwrap_or(i64::MAX),
            flags: 0,
        });
        e.finish()
    }

    /// An empty packet of `status`: the client's finish (`OK`) or abort
    /// (`ERROR`), the daemon's confirmation (`OK`).
    pub fn empty(&self, status: MessageStatus) -> Result<Vec<u8>, RemoteError> {
        encode_packet(&self.header(MessageType::Stream, status), &[])
    }

    /// The daemon's report of a failed transfer.
    pub fn error(&self, e: &Error) -> Vec<u8> {
        let mut out = Encoder::packet(&self.header(MessageType::Stream, MessageStatus::Error));
        out.put(&WireError::from(e));
        out.finish().unwrap_or_default()
    }
}

/// The length of a hole packet's body, refused when it is negative or
/// does not decode (libvirt's "Malformed stream hole packet").
pub fn decode_hole(body: &[u8]) -> Result<u64, Error> {
    let mut d = Decoder::new(body);
    let hole: StreamHole = d.get().map_err(|_| malformed_hole())?;
    if hole.flags != 0 {
        return Err(Error::unsupported_flags(
            ErrorDomain::Streams,
            hole.flags,
            "virStreamSendHole",
        ));
    }
    u64::try_from(hole.length).map_err(|_| malformed_hole())
}

fn malformed_hole() -> Error {
    Error::with(
        ErrorCode::InternalError,
        ErrorDomain::Rpc,
        "Malformed stream hole packet",
    )
}

/// The error a stream `ERROR` packet (or an error reply) carries.
pub fn decode_error(body: &[u8]) -> Error {
    let mut d = Decoder::new(body);
    match d.get::<WireError>() {
        Ok(w) => w.into(),
        Err(_) => Error::raw(ErrorCode::Rpc, ErrorDomain::Rpc, "stream had I/O failure"),
    }
}

/// libvirt's "Unexpected stream hole" (a hole on a stream not opened
/// sparse).
pub fn unexpected_hole() -> Error {
    Error::raw(ErrorCode::Rpc, ErrorDomain::Rpc, "Unexpected stream hole")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::decode_packet;

    #[test]
    fn packets_carry_the_calls_identity() {
        let id = StreamId::of(&Header::call(208, 9));
        let p = id.data(b"abc").unwrap();
        let (h, body) = decode_packet(&p).unwrap();
        assert_eq!(
            (h.kind, h.status, h.proc_, h.serial),
            (MessageType::Stream, MessageStatus::Continue, 208, 9)
        );
        assert_eq!(body, b"abc");
        assert!(id.matches(&h));
        let p = id.hole(1 << 40).unwrap();
        let (h, body) = decode_packet(&p).unwrap();
        assert_eq!(h.kind, MessageType::StreamHole);
        assert_eq!(body, [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(decode_hole(body).unwrap(), 1 << 40);
        assert!(decode_hole(&body[..8]).is_err());
        let negative = [0xff; 8].iter().chain(&[0; 4]).copied().collect::<Vec<_>>();
        assert!(decode_hole(&negative).is_err());
        let e = Error::with(ErrorCode::OperationFailed, ErrorDomain::Storage, "x");
        let p = id.error(&e);
        let (h, body) = decode_packet(&p).unwrap();
        assert_eq!(h.status, MessageStatus::Error);
        assert_eq!(decode_error(body).to_string(), e.to_string());
        assert!(!id.matches(&Header::call(208, 10)));
    }
}
