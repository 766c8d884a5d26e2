//! The framing of libvirt's RPC: a 4-byte length word that counts the whole
//! packet (itself included), then a 24-byte header of six XDR words, then
//! the payload.
//!
//! Lengths are checked before anything of that size is allocated: a packet
//! is at least [`LEN_MAX`] + [`HEADER_MAX`] bytes and at most
//! [`MESSAGE_MAX`].

use std::io::{self, Read, Write};
use std::time::Duration;

use crate::error::RemoteError;

/// libvirt's main program (`REMOTE_PROGRAM`).
pub const REMOTE_PROGRAM: u32 = 0x2000_8086;
/// The version of [`REMOTE_PROGRAM`] (`REMOTE_PROTOCOL_VERSION`).
pub const REMOTE_PROTOCOL_VERSION: u32 = 1;
/// The keepalive program (`KEEPALIVE_PROGRAM`, "keep").
pub const KEEPALIVE_PROGRAM: u32 = 0x6b65_6570;
/// The version of [`KEEPALIVE_PROGRAM`].
pub const KEEPALIVE_PROTOCOL_VERSION: u32 = 1;
/// Keepalive procedure: are you there?
pub const KEEPALIVE_PROC_PING: i32 = 1;
/// Keepalive procedure: yes.
pub const KEEPALIVE_PROC_PONG: i32 = 2;
/// The QEMU monitor program (`QEMU_PROGRAM`), not served here.
pub const QEMU_PROGRAM: u32 = 0x2000_8087;
/// The LXC program (`LXC_PROGRAM`), not served here.
pub const LXC_PROGRAM: u32 = 0x0006_8000;
/// The admin program (`ADMIN_PROGRAM`), not served here.
pub const ADMIN_PROGRAM: u32 = 0x0690_0690;

/// Largest whole packet (`VIR_NET_MESSAGE_MAX`).
pub const MESSAGE_MAX: u32 = 33_554_432;
/// Size of the header (`VIR_NET_MESSAGE_HEADER_MAX`).
pub const HEADER_MAX: u32 = 24;
/// Size of the length word (`VIR_NET_MESSAGE_LEN_MAX`).
pub const LEN_MAX: u32 = 4;
/// Largest payload (`VIR_NET_MESSAGE_PAYLOAD_MAX`).
pub const PAYLOAD_MAX: u32 = MESSAGE_MAX - HEADER_MAX - LEN_MAX;
/// Largest string (`VIR_NET_MESSAGE_STRING_MAX`).
pub const STRING_MAX: u32 = 4_194_304;
/// The buffer size libvirt starts with (`VIR_NET_MESSAGE_INITIAL`).
pub const MESSAGE_INITIAL: u32 = 65_536;
/// Smallest packet: the length word and the header.
pub const PACKET_MIN: u32 = LEN_MAX + HEADER_MAX;

/// `virNetMessageType`. Numbers the peer sends that libvirt does not know
/// are kept, so the answer can name them as libvirt's does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// A call that wants a reply.
    Call,
    /// The reply to a call.
    Reply,
    /// An asynchronous message (events, keepalive).
    Message,
    /// Stream data.
    Stream,
    /// A call carrying file descriptors.
    CallWithFds,
    /// A reply carrying file descriptors.
    ReplyWithFds,
    /// A hole in stream data.
    StreamHole,
    /// A number libvirt does not define.
    Unknown(u32),
}

impl MessageType {
    /// The number on the wire.
    pub fn number(self) -> u32 {
        match self {
            Self::Call => 0,
            Self::Reply => 1,
            Self::Message => 2,
            Self::Stream => 3,
            Self::CallWithFds => 4,
            Self::ReplyWithFds => 5,
            Self::StreamHole => 6,
            Self::Unknown(n) => n,
        }
    }
    /// The type for a number on the wire.
    pub fn from_number(n: u32) -> Self {
        match n {
            0 => Self::Call,
            1 => Self::Reply,
            2 => Self::Message,
            3 => Self::Stream,
            4 => Self::CallWithFds,
            5 => Self::ReplyWithFds,
            6 => Self::StreamHole,
            n => Self::Unknown(n),
        }
    }
}

/// `virNetMessageStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageStatus {
    /// Success; the payload is the reply (or the call's arguments).
    Ok,
    /// Failure; the payload is a `remote_error`.
    Error,
    /// More stream data follows.
    Continue,
    /// A number libvirt does not define.
    Unknown(u32),
}

impl MessageStatus {
    /// The number on the wire.
    pub fn number(self) -> u32 {
        match self {
            Self::Ok => 0,
            Self::Error => 1,
            Self::Continue => 2,
            Self::Unknown(n) => n,
        }
    }
    /// The status for a number on the wire.
    pub fn from_number(n: u32) -> Self {
        match n {
            0 => Self::Ok,
            1 => Self::Error,
            2 => Self::Continue,
            n => Self::Unknown(n),
        }
    }
}

/// The 24-byte header of every packet (`virNetMessageHeader`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// The program ([`REMOTE_PROGRAM`], [`KEEPALIVE_PROGRAM`], ...).
    pub prog: u32,
    /// The program's version.
    pub vers: u32,
    /// The procedure number within the program.
    pub proc_: i32,
    /// Call, reply, message, stream.
    pub kind: MessageType,
    /// Chosen by the caller, copied into the reply.
    pub serial: u32,
    /// OK, error, continue.
    pub status: MessageStatus,
}

impl Header {
    /// A call of `proc_` in the remote program.
    pub fn call(proc_: i32, serial: u32) -> Self {
        Header {
            prog: REMOTE_PROGRAM,
            vers: REMOTE_PROTOCOL_VERSION,
            proc_,
            kind: MessageType::Call,
            serial,
            status: MessageStatus::Ok,
        }
    }

    /// The reply to this call: program, version, procedure and serial
    /// copied, as libvirt does.
    pub fn reply(&self, status: MessageStatus) -> Self {
        Header {
            kind: MessageType::Reply,
            status,
            ..*self
        }
    }

    /// A keepalive message (`proc_` is [`KEEPALIVE_PROC_PING`] or
    /// [`KEEPALIVE_PROC_PONG`]); keepalive messages have serial 0.
    pub fn keepalive(proc_: i32) -> Self {
        Header {
            prog: KEEPALIVE_PROGRAM,
            vers: KEEPALIVE_PROTOCOL_VERSION,
            proc_,
            kind: MessageType::Message,
            serial: 0,
            status: MessageStatus::Ok,
        }
    }

    /// The header's 24 bytes.
    pub fn encode(&self) -> [u8; HEADER_MAX as usize] {
        let mut out = [0u8; HEADER_MAX as usize];
        let words = [
            self.prog,
            self.vers,
            self.proc_ as u32,
            self.kind.number(),
            self.serial,
            self.status.number(),
        ];
        for (chunk, w) in out.chunks_exact_mut(4).zip(words) {
            chunk.copy_from_slice(&w.to_be_bytes());
        }
        out
    }

    /// Read a header from the first 24 bytes of `bytes`.
    pub fn decode(bytes: &[u8]) -> Result<Header, RemoteError> {
        let b = bytes
            .get(..HEADER_MAX as usize)
            .ok_or(RemoteError::Truncated("packet header"))?;
        let w = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Ok(Header {
            prog: w(0),
            vers: w(4),
            proc_: w(8) as i32,
            kind: MessageType::from_number(w(12)),
            serial: w(16),
            status: MessageStatus::from_number(w(20)),
        })
    }
}

/// A whole packet: length word, header, payload.
pub fn encode_packet(header: &Header, payload: &[u8]) -> Result<Vec<u8>, RemoteError> {
    let len = payload
        .len()
        .checked_add(PACKET_MIN as usize)
        .filter(|&l| l <= MESSAGE_MAX as usize)
        .ok_or(RemoteError::TooLarge(
            payload.len() as u64 + PACKET_MIN as u64,
        ))?;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&(len as u32).to_be_bytes());
    out.extend_from_slice(&header.encode());
    out.extend_from_slice(payload);
    Ok(out)
}

/// Check a packet's length word: at least [`PACKET_MIN`], at most
/// [`MESSAGE_MAX`].
pub fn check_length(len: u32) -> Result<(), RemoteError> {
    if len < PACKET_MIN {
        return Err(RemoteError::TooSmall(len));
    }
    if len > MESSAGE_MAX {
        return Err(RemoteError::TooLarge(u64::from(len)));
    }
    Ok(())
}

/// Split one whole packet (as [`encode_packet`] makes it) into header and
/// payload.
pub fn decode_packet(bytes: &[u8]) -> Result<(Header, &[u8]), RemoteError> {
    let word = bytes
        .get(..4)
        .ok_or(RemoteError::Truncated("packet length"))?;
    let len = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
    check_length(len)?;
    if bytes.len() != len as usize {
        return Err(RemoteError::Truncated("packet"));
    }
    let header = Header::decode(&bytes[4..])?;
    Ok((header, &bytes[PACKET_MIN as usize..]))
}

/// Read one packet. `Ok(None)` at a clean end of stream (nothing read);
/// a stream that ends inside a packet is an error. The length is checked
/// before the payload is allocated.
pub fn read_packet(r: &mut impl Read) -> Result<Option<(Header, Vec<u8>)>, RemoteError> {
    let mut word = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut word[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(RemoteError::Truncated("packet length")),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(RemoteError::Io(e)),
        }
    }
    let len = u32::from_be_bytes(word);
    check_length(len)?;
    let mut head = [0u8; HEADER_MAX as usize];
    read_full(r, &mut head, "packet header")?;
    let header = Header::decode(&head)?;
    let mut payload = vec![0u8; (len - PACKET_MIN) as usize];
    read_full(r, &mut payload, "packet payload")?;
    Ok(Some((header, payload)))
}

fn read_full(r: &mut impl Read, buf: &mut [u8], what: &'static str) -> Result<(), RemoteError> {
    r.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => RemoteError::Truncated(what),
        _ => RemoteError::Io(e),
    })
}

/// Write one packet in a single write (so packets from several threads
/// sharing a locked writer never interleave).
pub fn write_packet(
    w: &mut impl Write,
    header: &Header,
    payload: &[u8],
) -> Result<(), RemoteError> {
    let bytes = encode_packet(header, payload)?;
    w.write_all(&bytes).map_err(RemoteError::Io)?;
    w.flush().map_err(RemoteError::Io)
}

/// Keepalive settings, either side's: a PING after `interval` of
/// silence, the connection dead after `count` unanswered ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    /// Silence before a PING; zero turns keepalive off.
    pub interval: Duration,
    /// PINGs without an answer before the connection is closed.
    pub count: u32,
}

impl Keepalive {
    /// virsh's: every 5 s, dead after 6.
    pub const CLIENT: Keepalive = Keepalive {
        interval: Duration::from_secs(5),
        count: 6,
    };
    /// libvirtd's `keepalive_interval = 5` and `keepalive_count = 5`.
    pub const DAEMON: Keepalive = Keepalive {
        interval: Duration::from_secs(5),
        count: 5,
    };
}

impl Default for Keepalive {
    /// [`Keepalive::CLIENT`].
    fn default() -> Self {
        Keepalive::CLIENT
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_first_call_of_a_real_session() {
        // AUTH_LIST, serial 0, as virsh 9.0 sent it (list-all.hex msg 0).
        let bytes = [
            0, 0, 0, 0x1c, 0x20, 0, 0x80, 0x86, 0, 0, 0, 1, 0, 0, 0, 0x42, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0,
        ];
        let (h, payload) = decode_packet(&bytes).unwrap();
        assert_eq!(h, Header::call(66, 0));
        assert!(payload.is_empty());
        assert_eq!(encode_packet(&h, &[]).unwrap(), bytes);
    }

    #[test]
    fn lengths_are_refused_before_allocation() {
        for (len, small) in [
            (0u32, true),
            (27, true),
            (MESSAGE_MAX + 1, false),
            (u32::MAX, false),
        ] {
            let mut r = &len.to_be_bytes()[..];
            let e = read_packet(&mut r).unwrap_err();
            assert_eq!(matches!(e, RemoteError::TooSmall(_)), small, "{len}: {e}");
            assert_eq!(matches!(e, RemoteError::TooLarge(_)), !small, "{len}: {e}");
        }
        // The largest allowed length is accepted, and then found missing.
        let mut r = &MESSAGE_MAX.to_be_bytes()[..];
        assert!(matches!(
            read_packet(&mut r),
            Err(RemoteError::Truncated("packet header"))
        ));
    }

    #[test]
    fn end_of_stream_between_and_inside_packets() {
        let mut empty: &[u8] = &[];
        assert!(read_packet(&mut empty).unwrap().is_none());
        let whole = encode_packet(&Header::keepalive(KEEPALIVE_PROC_PING), &[]).unwrap();
        for cut in 1..whole.len() {
            let mut r = &whole[..cut];
            assert!(read_packet(&mut r).is_err(), "cut at {cut}");
        }
        let mut r = &whole[..];
        let (h, p) = read_packet(&mut r).unwrap().unwrap();
        assert_eq!(
            (h.prog, h.kind, p.len()),
            (KEEPALIVE_PROGRAM, MessageType::Message, 0)
        );
    }

    #[test]
    fn oversized_payloads_are_not_written() {
        let big = vec![0u8; PAYLOAD_MAX as usize + 1];
        let mut sink = Vec::new();
        assert!(write_packet(&mut sink, &Header::call(1, 1), &big).is_err());
        assert!(sink.is_empty());
    }

    proptest! {
        #[test]
        fn packets_round_trip(prog: u32, vers: u32, proc_: i32, kind: u32, serial: u32,
                              status: u32, payload in proptest::collection::vec(any::<u8>(), 0..256)) {
            let h = Header {
                prog, vers, proc_, serial,
                kind: MessageType::from_number(kind),
                status: MessageStatus::from_number(status),
            };
            let mut buf = Vec::new();
            write_packet(&mut buf, &h, &payload).unwrap();
            let (h2, p2) = decode_packet(&buf).unwrap();
            prop_assert_eq!(h2, h);
            prop_assert_eq!(p2, &payload[..]);
            let mut r = &buf[..];
            let (h3, p3) = read_packet(&mut r).unwrap().unwrap();
            prop_assert_eq!((h3, p3), (h, payload));
        }

        #[test]
        fn any_bytes_decode_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_packet(&bytes);
            let mut r = &bytes[..];
            let _ = read_packet(&mut r);
        }
    }
}
