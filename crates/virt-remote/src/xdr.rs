//! XDR (RFC 4506) as libvirt's RPC uses it: big-endian 4-byte words,
//! 8-byte hypers, strings and opaques with a length word and padding to 4,
//! optional values as a 0/1 word, arrays with a count.
//!
//! The decoder never allocates what the peer announces before checking it
//! against the protocol's limit and against the bytes actually present.

use uuid::Uuid;

use crate::error::RemoteError;
use crate::packet::{Header, PACKET_MIN, STRING_MAX};

/// A value with an XDR form.
pub trait Xdr: Sized {
    /// Append the XDR form.
    fn encode(&self, e: &mut Encoder);
    /// Read the XDR form.
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError>;
}

/// A value that may appear in a variable-length XDR array, with the
/// protocol's limit on such arrays.
pub trait ListItem: Xdr {
    /// The most items a list of these may hold (`REMOTE_*_MAX`).
    const LIST_MAX: u32;
    /// The smallest XDR form of one item, bytes (bounds a count by the
    /// bytes present).
    const MIN_SIZE: usize = 4;
    /// What the list is called in errors.
    const WHAT: &'static str;
}

/// Builds XDR bytes. Oversized values are recorded and reported by
/// [`Encoder::finish`], so encoding itself never fails.
#[derive(Debug, Default)]
pub struct Encoder {
    buf: Vec<u8>,
    /// Set when a packet header was reserved at the start.
    packet: bool,
    over: Option<RemoteError>,
}

impl Encoder {
    /// An encoder of a bare payload.
    pub fn new() -> Self {
        Encoder::default()
    }

    /// An encoder of a whole packet: the length word and `header` first,
    /// the payload appended after; [`Encoder::finish`] fills in the length.
    pub fn packet(header: &Header) -> Self {
        let mut buf = Vec::with_capacity(256);
        buf.extend_from_slice(&[0; 4]);
        buf.extend_from_slice(&header.encode());
        Encoder {
            buf,
            packet: true,
            over: None,
        }
    }

    /// The bytes, or the first limit that was passed. A packet encoder
    /// checks the whole packet against `MESSAGE_MAX` and writes its length.
    pub fn finish(mut self) -> Result<Vec<u8>, RemoteError> {
        if let Some(e) = self.over {
            return Err(e);
        }
        if self.packet {
            let len = self.buf.len();
            if len > crate::packet::MESSAGE_MAX as usize {
                return Err(RemoteError::TooLarge(len as u64));
            }
            debug_assert!(len >= PACKET_MIN as usize);
            self.buf[..4].copy_from_slice(&(len as u32).to_be_bytes());
        }
        Ok(self.buf)
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Append any XDR value.
    pub fn put<T: Xdr>(&mut self, v: &T) -> &mut Self {
        v.encode(self);
        self
    }

    /// `unsigned int`.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// `int`.
    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.u32(v as u32)
    }

    /// `unsigned hyper`.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// `hyper`.
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.u64(v as u64)
    }

    /// `double`.
    pub fn f64(&mut self, v: f64) -> &mut Self {
        self.u64(v.to_bits())
    }

    /// `bool` as libvirt sends it: an `int` 0 or 1.
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.u32(u32::from(v))
    }

    fn over(&mut self, what: &'static str, len: usize, max: u32) {
        if self.over.is_none() {
            self.over = Some(RemoteError::OverLimit {
                what,
                len: len as u64,
                max: u64::from(max),
            });
        }
    }

    /// Variable-length `opaque<max>`.
    pub fn opaque(&mut self, bytes: &[u8], max: u32) -> &mut Self {
        if bytes.len() > max as usize {
            self.over("opaque", bytes.len(), max);
        }
        self.u32(bytes.len() as u32);
        self.fixed(bytes)
    }

    /// Fixed-length `opaque[n]`: the bytes and their padding, no length.
    pub fn fixed(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        let pad = (4 - bytes.len() % 4) % 4;
        self.buf.extend_from_slice(&[0; 3][..pad]);
        self
    }

    /// `string<max>`.
    pub fn string_max(&mut self, s: &str, max: u32) -> &mut Self {
        if s.len() > max as usize {
            self.over("string", s.len(), max);
        }
        self.u32(s.len() as u32);
        self.fixed(s.as_bytes())
    }

    /// `remote_nonnull_string`.
    pub fn string(&mut self, s: &str) -> &mut Self {
        self.string_max(s, STRING_MAX)
    }

    /// `remote_string`: an optional string.
    pub fn opt_string(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            None => self.u32(0),
            Some(s) => self.u32(1).string(s),
        }
    }

    /// The count of a variable-length array of at most `max` items.
    pub fn count(&mut self, n: usize, max: u32, what: &'static str) -> &mut Self {
        if n > max as usize {
            self.over(what, n, max);
        }
        self.u32(n as u32)
    }

    /// A variable-length array of `T`, with `T`'s limit.
    pub fn list<T: ListItem>(&mut self, items: &[T]) -> &mut Self {
        self.count(items.len(), T::LIST_MAX, T::WHAT);
        for i in items {
            i.encode(self);
        }
        self
    }
}

/// Reads XDR bytes.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    /// A decoder of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Decoder { buf, pos: 0 }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Refuse bytes left over (a payload must be read whole).
    pub fn finish(&self) -> Result<(), RemoteError> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(RemoteError::Trailing(n)),
        }
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], RemoteError> {
        if self.remaining() < n {
            return Err(RemoteError::Truncated(what));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Read any XDR value.
    pub fn get<T: Xdr>(&mut self) -> Result<T, RemoteError> {
        T::decode(self)
    }

    /// `unsigned int`.
    pub fn u32(&mut self) -> Result<u32, RemoteError> {
        let b = self.take(4, "int")?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// `int`.
    pub fn i32(&mut self) -> Result<i32, RemoteError> {
        Ok(self.u32()? as i32)
    }

    /// `unsigned hyper`.
    pub fn u64(&mut self) -> Result<u64, RemoteError> {
        let b = self.take(8, "hyper")?;
        let mut w = [0u8; 8];
        w.copy_from_slice(b);
        Ok(u64::from_be_bytes(w))
    }

    /// `hyper`.
    pub fn i64(&mut self) -> Result<i64, RemoteError> {
        Ok(self.u64()? as i64)
    }

    /// `double`.
    pub fn f64(&mut self) -> Result<f64, RemoteError> {
        Ok(f64::from_bits(self.u64()?))
    }

    /// An `int` that must be 0 or 1 (as glibc's `xdr_bool` requires).
    pub fn bool(&mut self) -> Result<bool, RemoteError> {
        match self.u32()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(RemoteError::BadValue("boolean")),
        }
    }

    /// An `int` used as a boolean by libvirt's structs: any non-zero is true.
    pub fn flag(&mut self) -> Result<bool, RemoteError> {
        Ok(self.u32()? != 0)
    }

    /// Fixed-length `opaque[n]` and its padding.
    pub fn fixed(&mut self, n: usize) -> Result<&'a [u8], RemoteError> {
        let padded = n.div_ceil(4) * 4;
        let b = self.take(padded, "opaque")?;
        Ok(&b[..n])
    }

    /// A length word checked against `max` and against the bytes left.
    fn length(&mut self, max: u32, what: &'static str) -> Result<usize, RemoteError> {
        let n = self.u32()?;
        if n > max {
            return Err(RemoteError::OverLimit {
                what,
                len: u64::from(n),
                max: u64::from(max),
            });
        }
        Ok(n as usize)
    }

    /// Variable-length `opaque<max>`.
    pub fn opaque(&mut self, max: u32) -> Result<&'a [u8], RemoteError> {
        let n = self.length(max, "opaque")?;
        self.fixed(n)
    }

    /// `string<max>`.
    pub fn string_max(&mut self, max: u32) -> Result<String, RemoteError> {
        let n = self.length(max, "string")?;
        let b = self.fixed(n)?;
        String::from_utf8(b.to_vec()).map_err(|_| RemoteError::NotUtf8)
    }

    /// `remote_nonnull_string`.
    pub fn string(&mut self) -> Result<String, RemoteError> {
        self.string_max(STRING_MAX)
    }

    /// `remote_string`.
    pub fn opt_string(&mut self) -> Result<Option<String>, RemoteError> {
        self.get()
    }

    /// The count of an array of at most `max` items of at least `min_size`
    /// bytes each: refused when over `max` or when the bytes left cannot
    /// hold that many, before anything is allocated for them.
    pub fn count(
        &mut self,
        max: u32,
        min_size: usize,
        what: &'static str,
    ) -> Result<usize, RemoteError> {
        let n = self.length(max, what)?;
        if n.saturating_mul(min_size.max(1)) > self.remaining() {
            return Err(RemoteError::Truncated(what));
        }
        Ok(n)
    }

    /// A variable-length array of `T`, with `T`'s limit.
    pub fn list<T: ListItem>(&mut self) -> Result<Vec<T>, RemoteError> {
        let n = self.count(T::LIST_MAX, T::MIN_SIZE, T::WHAT)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(T::decode(self)?);
        }
        Ok(v)
    }
}

impl Xdr for () {
    fn encode(&self, _e: &mut Encoder) {}
    fn decode(_d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(())
    }
}

impl Xdr for u32 {
    fn encode(&self, e: &mut Encoder) {
        e.u32(*self);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        d.u32()
    }
}

impl Xdr for i32 {
    fn encode(&self, e: &mut Encoder) {
        e.i32(*self);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        d.i32()
    }
}

impl Xdr for u64 {
    fn encode(&self, e: &mut Encoder) {
        e.u64(*self);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        d.u64()
    }
}

impl Xdr for i64 {
    fn encode(&self, e: &mut Encoder) {
        e.i64(*self);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        d.i64()
    }
}

/// libvirt's boolean results and arguments are `int`s; any non-zero is
/// true, as the C code reads them.
impl Xdr for bool {
    fn encode(&self, e: &mut Encoder) {
        e.bool(*self);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        d.flag()
    }
}

/// `remote_nonnull_string`.
impl Xdr for String {
    fn encode(&self, e: &mut Encoder) {
        e.string(self);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        d.string()
    }
}

/// An XDR optional (`T *`): a 0/1 word, then the value when 1.
impl<T: Xdr> Xdr for Option<T> {
    fn encode(&self, e: &mut Encoder) {
        match self {
            None => {
                e.u32(0);
            }
            Some(v) => {
                e.u32(1);
                v.encode(e);
            }
        }
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        if d.bool()
            .map_err(|_| RemoteError::BadValue("optional marker"))?
        {
            Ok(Some(T::decode(d)?))
        } else {
            Ok(None)
        }
    }
}

/// `remote_uuid`: `opaque[16]`.
impl Xdr for Uuid {
    fn encode(&self, e: &mut Encoder) {
        e.fixed(self.as_bytes());
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        let b = d.fixed(16)?;
        Uuid::from_slice(b).map_err(|_| RemoteError::BadValue("uuid"))
    }
}

/// A variable-length array, limited by the item type.
impl<T: ListItem> Xdr for Vec<T> {
    fn encode(&self, e: &mut Encoder) {
        e.list(self);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        d.list()
    }
}

macro_rules! xdr_tuple {
    ($($t:ident),+) => {
        /// Consecutive fields of a struct.
        impl<$($t: Xdr),+> Xdr for ($($t,)+) {
            #[allow(non_snake_case)]
            fn encode(&self, e: &mut Encoder) {
                let ($($t,)+) = self;
                $($t.encode(e);)+
            }
            fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
                Ok(($($t::decode(d)?,)+))
            }
        }
    };
}
xdr_tuple!(A);
xdr_tuple!(A, B);
xdr_tuple!(A, B, C);
xdr_tuple!(A, B, C, D);
xdr_tuple!(A, B, C, D, E);
xdr_tuple!(A, B, C, D, E, F);

/// Names as listed by `virConnectListDefinedDomains` and friends.
impl ListItem for String {
    const LIST_MAX: u32 = 16_384;
    const WHAT: &'static str = "name list";
}

/// Domain ids (`REMOTE_DOMAIN_ID_LIST_MAX`).
impl ListItem for i32 {
    const LIST_MAX: u32 = 16_384;
    const WHAT: &'static str = "id list";
}

/// Free memory per NUMA cell (`REMOTE_NODE_MAX_CELLS`).
impl ListItem for u64 {
    const LIST_MAX: u32 = 1024;
    const MIN_SIZE: usize = 8;
    const WHAT: &'static str = "cell list";
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bytes<T: Xdr>(v: &T) -> Vec<u8> {
        let mut e = Encoder::new();
        e.put(v);
        e.finish().unwrap()
    }

    fn back<T: Xdr>(b: &[u8]) -> Result<T, RemoteError> {
        let mut d = Decoder::new(b);
        let v = d.get()?;
        d.finish()?;
        Ok(v)
    }

    #[test]
    fn strings_are_padded_to_four() {
        // As CONNECT_OPEN's name in list-all.hex.
        let b = bytes(&Some("test:///default".to_string()));
        assert_eq!(&b[..8], [0, 0, 0, 1, 0, 0, 0, 15]);
        assert_eq!(&b[8..23], b"test:///default");
        assert_eq!(b.len(), 24);
        assert_eq!(
            back::<Option<String>>(&b).unwrap().as_deref(),
            Some("test:///default")
        );
    }

    #[test]
    fn limits_refuse_before_allocating() {
        // A string announcing 4 GiB with nothing behind it.
        let e = back::<String>(&[0xff, 0xff, 0xff, 0xff]).unwrap_err();
        assert!(
            matches!(e, RemoteError::OverLimit { what: "string", .. }),
            "{e}"
        );
        // Within the limit but longer than what is there.
        let e = back::<String>(&[0, 0, 1, 0, b'a']).unwrap_err();
        assert!(matches!(e, RemoteError::Truncated(_)), "{e}");
        // A list over its *_MAX.
        let e = back::<Vec<String>>(&16_385u32.to_be_bytes()).unwrap_err();
        assert!(
            matches!(
                e,
                RemoteError::OverLimit {
                    what: "name list",
                    ..
                }
            ),
            "{e}"
        );
        // A list whose count the bytes left cannot hold.
        let e = back::<Vec<i32>>(&[0, 0, 0, 100, 0, 0, 0, 1]).unwrap_err();
        assert!(matches!(e, RemoteError::Truncated(_)), "{e}");
        // Trailing bytes and bad markers.
        assert!(matches!(
            back::<u32>(&[0; 8]),
            Err(RemoteError::Trailing(4))
        ));
        assert!(back::<Option<u32>>(&[0, 0, 0, 2, 0, 0, 0, 0]).is_err());
        assert!(matches!(
            back::<String>(&[0, 0, 0, 1, 0xff, 0, 0, 0]),
            Err(RemoteError::NotUtf8)
        ));
    }

    #[test]
    fn encoding_over_a_limit_is_an_error() {
        let mut e = Encoder::new();
        e.string_max("abcdef", 4);
        assert!(e.finish().is_err());
        let mut e = Encoder::new();
        e.count(20_000, 16_384, "domain list");
        assert!(e.finish().is_err());
    }

    proptest! {
        #[test]
        fn values_round_trip(a: u32, b: i64, s in ".{0,40}", o: Option<u64>,
                             l in proptest::collection::vec(".{0,8}", 0..5), u: u128) {
            let v = (a, b, s, o, l, Uuid::from_u128(u));
            let enc = bytes(&v);
            prop_assert_eq!(enc.len() % 4, 0);
            prop_assert_eq!(back::<(u32, i64, String, Option<u64>, Vec<String>, Uuid)>(&enc).unwrap(), v);
        }

        #[test]
        fn garbage_never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = back::<(String, Option<String>, Vec<String>, Uuid, u64)>(&data);
        }
    }
}
