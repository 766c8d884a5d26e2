//! A pure codec of the xenstore wire protocol, as Xen's public header
//! `xs_wire.h` defines it.
//!
//! Every message is a 16-byte header (type, request id, transaction id,
//! payload length: four native-endian `u32`s, little-endian on every Xen
//! host) followed by at most [`PAYLOAD_MAX`] bytes of payload. Payloads are
//! NUL-terminated strings, except the value of a `WRITE` (the bytes after
//! the path's NUL) and the value of a `READ` reply (raw bytes).

use std::fmt;
use std::io::{Read, Write};
use std::str::FromStr;

use crate::error::{Errno, XsError};
pub use crate::message_type::MessageType;
use crate::Result;

/// Length of the message header.
pub const HEADER_LEN: usize = 16;
/// Largest payload a message may carry (`XENSTORE_PAYLOAD_MAX`).
pub const PAYLOAD_MAX: usize = 4096;
/// Longest absolute path (`XENSTORE_ABS_PATH_MAX`).
pub const ABS_PATH_MAX: usize = 3072;
/// Longest path relative to a domain's home (`XENSTORE_REL_PATH_MAX`).
pub const REL_PATH_MAX: usize = 2048;

/// The fixed header in front of every message, exactly as on the wire:
/// `kind` is kept as a number so a peer can answer an unknown type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The message type number.
    pub kind: u32,
    /// Chosen by the requester, echoed in the reply.
    pub req_id: u32,
    /// The transaction the request runs in (0: none).
    pub tx_id: u32,
    /// Payload length in bytes.
    pub len: u32,
}

impl Header {
    /// The 16 bytes on the wire.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        for (chunk, v) in
            out.chunks_exact_mut(4)
                .zip([self.kind, self.req_id, self.tx_id, self.len])
        {
            chunk.copy_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// The header in 16 wire bytes.
    pub fn decode(bytes: &[u8; HEADER_LEN]) -> Header {
        let word = |i: usize| {
            let mut w = [0u8; 4];
            w.copy_from_slice(&bytes[i * 4..i * 4 + 4]);
            u32::from_le_bytes(w)
        };
        Header {
            kind: word(0),
            req_id: word(1),
            tx_id: word(2),
            len: word(3),
        }
    }

    /// Refuse a payload length over the protocol limit, before anything
    /// is allocated for it.
    pub fn check_len(&self) -> Result<usize> {
        let len = self.len as usize;
        if len > PAYLOAD_MAX {
            return Err(XsError::PayloadTooLong {
                len,
                max: PAYLOAD_MAX,
            });
        }
        Ok(len)
    }
}

/// One whole message: a known type, the ids, and the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// What the message asks or answers.
    pub kind: MessageType,
    /// Request id, echoed by replies.
    pub req_id: u32,
    /// Transaction id (0: none).
    pub tx_id: u32,
    /// The payload bytes.
    pub payload: Vec<u8>,
}

impl Message {
    /// A message; the payload length is checked by [`Message::encode`].
    pub fn new(kind: MessageType, req_id: u32, tx_id: u32, payload: Vec<u8>) -> Self {
        Message {
            kind,
            req_id,
            tx_id,
            payload,
        }
    }

    /// Header and payload as one buffer, so one `write` carries the whole
    /// message (the xenbus device requires it).
    pub fn encode(&self) -> Result<Vec<u8>> {
        if self.payload.len() > PAYLOAD_MAX {
            return Err(XsError::PayloadTooLong {
                len: self.payload.len(),
                max: PAYLOAD_MAX,
            });
        }
        let header = Header {
            kind: self.kind.number(),
            req_id: self.req_id,
            tx_id: self.tx_id,
            len: self.payload.len() as u32,
        };
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload.len());
        out.extend_from_slice(&header.encode());
        out.extend_from_slice(&self.payload);
        Ok(out)
    }

    /// The first message in `buf` and the bytes it used, or `None` when
    /// `buf` does not hold a whole message yet.
    pub fn decode(buf: &[u8]) -> Result<Option<(Message, usize)>> {
        let Some(head) = buf.get(..HEADER_LEN) else {
            return Ok(None);
        };
        let mut bytes = [0u8; HEADER_LEN];
        bytes.copy_from_slice(head);
        let header = Header::decode(&bytes);
        let len = header.check_len()?;
        let kind =
            MessageType::from_number(header.kind).ok_or(XsError::UnknownType(header.kind))?;
        let Some(payload) = buf.get(HEADER_LEN..HEADER_LEN + len) else {
            return Ok(None);
        };
        Ok(Some((
            Message::new(kind, header.req_id, header.tx_id, payload.to_vec()),
            HEADER_LEN + len,
        )))
    }

    /// An `XS_ERROR` reply carrying `errno`'s name.
    pub fn error(req_id: u32, tx_id: u32, errno: &Errno) -> Message {
        Message::new(
            MessageType::Error,
            req_id,
            tx_id,
            nul_terminated(errno.name()),
        )
    }

    /// The error name of an `XS_ERROR` reply.
    pub fn error_name(&self) -> Result<Errno> {
        let strings = split_strings(self.kind, &self.payload)?;
        match strings.as_slice() {
            [name] => Ok(Errno::from_name(name)),
            _ => Err(bad(self.kind, "an error reply carries one name")),
        }
    }
}

/// Read one frame: the header, then its payload. The length is checked
/// before the payload is read, so a hostile length costs nothing. The type
/// is not checked, so a server can answer an unknown one.
pub fn read_frame<R: Read>(reader: &mut R) -> Result<(Header, Vec<u8>)> {
    let mut bytes = [0u8; HEADER_LEN];
    read_full(reader, &mut bytes, true)?;
    let header = Header::decode(&bytes);
    let len = header.check_len()?;
    let mut payload = vec![0u8; len];
    read_full(reader, &mut payload, false)?;
    Ok((header, payload))
}

/// Read one message of a known type.
pub fn read_message<R: Read>(reader: &mut R) -> Result<Message> {
    let (header, payload) = read_frame(reader)?;
    let kind = MessageType::from_number(header.kind).ok_or(XsError::UnknownType(header.kind))?;
    Ok(Message::new(kind, header.req_id, header.tx_id, payload))
}

/// Write one message in a single `write_all` of one buffer.
pub fn write_message<W: Write>(writer: &mut W, msg: &Message) -> Result<()> {
    let bytes = msg.encode()?;
    writer.write_all(&bytes)?;
    writer.flush()?;
    Ok(())
}

/// Fill `buf`; end of stream before the first byte of a header is a clean
/// close, anywhere else it is a truncated message.
fn read_full<R: Read>(reader: &mut R, buf: &mut [u8], at_boundary: bool) -> Result<()> {
    let mut done = 0;
    while done < buf.len() {
        match reader.read(&mut buf[done..]) {
            Ok(0) if done == 0 && at_boundary => return Err(XsError::Closed),
            Ok(0) => {
                return Err(XsError::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "xenstore message cut short",
                )))
            }
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(XsError::Io(e)),
        }
    }
    Ok(())
}

fn bad(kind: MessageType, reason: impl Into<String>) -> XsError {
    XsError::BadPayload {
        kind,
        reason: reason.into(),
    }
}

/// `s` followed by its NUL.
pub fn nul_terminated(s: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(s.len() + 1);
    v.extend_from_slice(s.as_bytes());
    v.push(0);
    v
}

/// The NUL-terminated strings of a payload. Every string must end with its
/// NUL (xenstored refuses anything else) and be UTF-8.
pub fn split_strings(kind: MessageType, payload: &[u8]) -> Result<Vec<String>> {
    if payload.is_empty() {
        return Ok(Vec::new());
    }
    let Some((&last, body)) = payload.split_last() else {
        return Ok(Vec::new());
    };
    if last != 0 {
        return Err(bad(kind, "the last string is not NUL-terminated"));
    }
    body.split(|&b| b == 0)
        .map(|s| {
            String::from_utf8(s.to_vec()).map_err(|_| bad(kind, "a string is not valid UTF-8"))
        })
        .collect()
}

/// Strings joined as a payload, each with its NUL.
pub fn join_strings<S: AsRef<str>>(strings: &[S]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for s in strings {
        let s = s.as_ref();
        if s.as_bytes().contains(&0) {
            return Err(XsError::NulInArgument(s.to_string()));
        }
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    }
    Ok(out)
}

/// What a permission grants: `n`one, `r`ead, `w`rite or `b`oth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// `n`: nothing.
    None,
    /// `r`: read.
    Read,
    /// `w`: write.
    Write,
    /// `b`: read and write.
    Both,
}

impl Access {
    /// The letter on the wire.
    pub fn letter(self) -> char {
        match self {
            Access::None => 'n',
            Access::Read => 'r',
            Access::Write => 'w',
            Access::Both => 'b',
        }
    }

    /// Whether this grants reading.
    pub fn can_read(self) -> bool {
        matches!(self, Access::Read | Access::Both)
    }

    /// Whether this grants writing.
    pub fn can_write(self) -> bool {
        matches!(self, Access::Write | Access::Both)
    }
}

/// One entry of a node's permission list, written `<letter><domid>`
/// ("r5"). The first entry names the owner, and its access is what every
/// domain not listed gets; the owner itself always has full access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Permission {
    /// The domain the entry is about.
    pub domid: u32,
    /// What it may do.
    pub access: Access,
}

impl Permission {
    /// An entry.
    pub fn new(access: Access, domid: u32) -> Self {
        Permission { domid, access }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.access.letter(), self.domid)
    }
}

/// A permission string that is not `<n|r|w|b><domid>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPermission(pub String);

impl fmt::Display for BadPermission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid xenstore permission '{}'", self.0)
    }
}

impl std::error::Error for BadPermission {}

impl FromStr for Permission {
    type Err = BadPermission;

    fn from_str(s: &str) -> std::result::Result<Self, BadPermission> {
        let mut chars = s.chars();
        let access = match chars.next() {
            Some('n') => Access::None,
            Some('r') => Access::Read,
            Some('w') => Access::Write,
            Some('b') => Access::Both,
            _ => return Err(BadPermission(s.to_string())),
        };
        let rest = chars.as_str();
        if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BadPermission(s.to_string()));
        }
        let domid = rest.parse().map_err(|_| BadPermission(s.to_string()))?;
        Ok(Permission { domid, access })
    }
}

/// A permission list from its strings; empty lists are refused (a node
/// always has an owner).
pub fn parse_perms(kind: MessageType, strings: &[String]) -> Result<Vec<Permission>> {
    if strings.is_empty() {
        return Err(bad(kind, "a permission list needs at least the owner"));
    }
    strings
        .iter()
        .map(|s| {
            s.parse()
                .map_err(|e: BadPermission| bad(kind, e.to_string()))
        })
        .collect()
}

/// A request, typed: what a client sends and a server parses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `CONTROL` (alias `DEBUG`): a command word and its arguments.
    Control(Vec<String>),
    /// List the children of a node.
    Directory {
        /// The node.
        path: String,
    },
    /// A slice of a children list too long for one reply.
    DirectoryPart {
        /// The node.
        path: String,
        /// Byte offset into the NUL-separated list of children.
        offset: u64,
    },
    /// Read a node's value.
    Read {
        /// The node.
        path: String,
    },
    /// Read a node's permissions.
    GetPerms {
        /// The node.
        path: String,
    },
    /// Watch a node and its subtree (or a special `@` event).
    Watch {
        /// The node or `@introduceDomain` / `@releaseDomain`.
        path: String,
        /// Echoed in every event.
        token: String,
    },
    /// Remove a watch.
    Unwatch {
        /// The watched path, as given to `Watch`.
        path: String,
        /// The token given to `Watch`.
        token: String,
    },
    /// Open a transaction.
    TransactionStart,
    /// Close the transaction of the header: commit or abort.
    TransactionEnd {
        /// `T` (commit) or `F` (abort).
        commit: bool,
    },
    /// Tell xenstored about a new domain's ring page and event channel.
    Introduce {
        /// The domain.
        domid: u32,
        /// Its xenstore ring page frame.
        mfn: u64,
        /// Its event channel port.
        port: u32,
    },
    /// Forget a domain.
    Release {
        /// The domain.
        domid: u32,
    },
    /// The home path of a domain ("/local/domain/5").
    GetDomainPath {
        /// The domain.
        domid: u32,
    },
    /// Write a node's value, creating it (and missing parents).
    Write {
        /// The node.
        path: String,
        /// Raw bytes, not NUL-terminated on the wire.
        value: Vec<u8>,
    },
    /// Create a node with an empty value, if absent.
    Mkdir {
        /// The node.
        path: String,
    },
    /// Remove a node and its subtree.
    Rm {
        /// The node.
        path: String,
    },
    /// Replace a node's permissions.
    SetPerms {
        /// The node.
        path: String,
        /// The new list; the first entry is the owner.
        perms: Vec<Permission>,
    },
    /// Whether a domain has been introduced.
    IsDomainIntroduced {
        /// The domain.
        domid: u32,
    },
    /// A domain resumed after suspension.
    Resume {
        /// The domain.
        domid: u32,
    },
    /// Give a device-model domain the rights of its target.
    SetTarget {
        /// The privileged helper domain.
        domid: u32,
        /// The domain it serves.
        target: u32,
    },
    /// Drop every watch and transaction of the connection.
    ResetWatches,
}

fn parse_number<T: FromStr>(kind: MessageType, s: &str, what: &str) -> Result<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(kind, format!("{what} '{s}' is not a decimal number")));
    }
    s.parse()
        .map_err(|_| bad(kind, format!("{what} '{s}' is out of range")))
}

impl Request {
    /// The message type of this request.
    pub fn kind(&self) -> MessageType {
        match self {
            Request::Control(_) => MessageType::Control,
            Request::Directory { .. } => MessageType::Directory,
            Request::DirectoryPart { .. } => MessageType::DirectoryPart,
            Request::Read { .. } => MessageType::Read,
            Request::GetPerms { .. } => MessageType::GetPerms,
            Request::Watch { .. } => MessageType::Watch,
            Request::Unwatch { .. } => MessageType::Unwatch,
            Request::TransactionStart => MessageType::TransactionStart,
            Request::TransactionEnd { .. } => MessageType::TransactionEnd,
            Request::Introduce { .. } => MessageType::Introduce,
            Request::Release { .. } => MessageType::Release,
            Request::GetDomainPath { .. } => MessageType::GetDomainPath,
            Request::Write { .. } => MessageType::Write,
            Request::Mkdir { .. } => MessageType::Mkdir,
            Request::Rm { .. } => MessageType::Rm,
            Request::SetPerms { .. } => MessageType::SetPerms,
            Request::IsDomainIntroduced { .. } => MessageType::IsDomainIntroduced,
            Request::Resume { .. } => MessageType::Resume,
            Request::SetTarget { .. } => MessageType::SetTarget,
            Request::ResetWatches => MessageType::ResetWatches,
        }
    }

    /// The path (or first argument) the request is about, for messages.
    pub fn subject(&self) -> String {
        match self {
            Request::Directory { path }
            | Request::DirectoryPart { path, .. }
            | Request::Read { path }
            | Request::GetPerms { path }
            | Request::Watch { path, .. }
            | Request::Unwatch { path, .. }
            | Request::Write { path, .. }
            | Request::Mkdir { path }
            | Request::Rm { path }
            | Request::SetPerms { path, .. } => path.clone(),
            Request::Introduce { domid, .. }
            | Request::Release { domid }
            | Request::GetDomainPath { domid }
            | Request::IsDomainIntroduced { domid }
            | Request::Resume { domid }
            | Request::SetTarget { domid, .. } => domid.to_string(),
            Request::Control(args) => args.join(" "),
            Request::TransactionStart | Request::TransactionEnd { .. } | Request::ResetWatches => {
                String::new()
            }
        }
    }

    /// The payload on the wire, checked against NULs and the size limit.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let payload = match self {
            Request::Control(args) => join_strings(args)?,
            Request::Directory { path }
            | Request::Read { path }
            | Request::GetPerms { path }
            | Request::Mkdir { path }
            | Request::Rm { path } => join_strings(&[path])?,
            Request::DirectoryPart { path, offset } => {
                join_strings(&[path.clone(), offset.to_string()])?
            }
            Request::Watch { path, token } | Request::Unwatch { path, token } => {
                join_strings(&[path, token])?
            }
            Request::TransactionStart | Request::ResetWatches => vec![0],
            Request::TransactionEnd { commit } => join_strings(&[if *commit { "T" } else { "F" }])?,
            Request::Introduce { domid, mfn, port } => {
                join_strings(&[domid.to_string(), mfn.to_string(), port.to_string()])?
            }
            Request::Release { domid }
            | Request::GetDomainPath { domid }
            | Request::IsDomainIntroduced { domid }
            | Request::Resume { domid } => join_strings(&[domid.to_string()])?,
            Request::SetTarget { domid, target } => {
                join_strings(&[domid.to_string(), target.to_string()])?
            }
            Request::Write { path, value } => {
                let mut p = join_strings(&[path])?;
                p.extend_from_slice(value);
                p
            }
            Request::SetPerms { path, perms } => {
                let mut strings = vec![path.clone()];
                strings.extend(perms.iter().map(Permission::to_string));
                join_strings(&strings)?
            }
        };
        if payload.len() > PAYLOAD_MAX {
            return Err(XsError::PayloadTooLong {
                len: payload.len(),
                max: PAYLOAD_MAX,
            });
        }
        Ok(payload)
    }

    /// A request from its type and payload, as xenstored parses it.
    pub fn decode(kind: MessageType, payload: &[u8]) -> Result<Request> {
        if payload.len() > PAYLOAD_MAX {
            return Err(XsError::PayloadTooLong {
                len: payload.len(),
                max: PAYLOAD_MAX,
            });
        }
        if kind == MessageType::Write {
            let Some(nul) = payload.iter().position(|&b| b == 0) else {
                return Err(bad(kind, "the path is not NUL-terminated"));
            };
            let path = String::from_utf8(payload[..nul].to_vec())
                .map_err(|_| bad(kind, "the path is not valid UTF-8"))?;
            return Ok(Request::Write {
                path,
                value: payload[nul + 1..].to_vec(),
            });
        }
        let strings = split_strings(kind, payload)?;
        let arity = |n: usize| -> Result<()> {
            if strings.len() == n {
                Ok(())
            } else {
                Err(bad(
                    kind,
                    format!("expected {n} argument(s), got {}", strings.len()),
                ))
            }
        };
        let first = || strings.first().cloned().unwrap_or_default();
        let second = || strings.get(1).cloned().unwrap_or_default();
        let third = || strings.get(2).cloned().unwrap_or_default();
        Ok(match kind {
            MessageType::Control => Request::Control(strings),
            MessageType::Directory => {
                arity(1)?;
                Request::Directory { path: first() }
            }
            MessageType::DirectoryPart => {
                arity(2)?;
                Request::DirectoryPart {
                    path: first(),
                    offset: parse_number(kind, &second(), "offset")?,
                }
            }
            MessageType::Read => {
                arity(1)?;
                Request::Read { path: first() }
            }
            MessageType::GetPerms => {
                arity(1)?;
                Request::GetPerms { path: first() }
            }
            MessageType::Mkdir => {
                arity(1)?;
                Request::Mkdir { path: first() }
            }
            MessageType::Rm => {
                arity(1)?;
                Request::Rm { path: first() }
            }
            MessageType::Watch | MessageType::Unwatch => {
                arity(2)?;
                let (path, token) = (first(), second());
                if kind == MessageType::Watch {
                    Request::Watch { path, token }
                } else {
                    Request::Unwatch { path, token }
                }
            }
            MessageType::TransactionStart | MessageType::ResetWatches => {
                // An empty string (a lone NUL) or nothing at all.
                if strings.iter().any(|s| !s.is_empty()) || strings.len() > 1 {
                    return Err(bad(kind, "takes no argument"));
                }
                if kind == MessageType::TransactionStart {
                    Request::TransactionStart
                } else {
                    Request::ResetWatches
                }
            }
            MessageType::TransactionEnd => {
                arity(1)?;
                match first().as_str() {
                    "T" => Request::TransactionEnd { commit: true },
                    "F" => Request::TransactionEnd { commit: false },
                    other => return Err(bad(kind, format!("'{other}' is neither T nor F"))),
                }
            }
            MessageType::Introduce => {
                arity(3)?;
                Request::Introduce {
                    domid: parse_number(kind, &first(), "domid")?,
                    mfn: parse_number(kind, &second(), "mfn")?,
                    port: parse_number(kind, &third(), "port")?,
                }
            }
            MessageType::Release
            | MessageType::GetDomainPath
            | MessageType::IsDomainIntroduced
            | MessageType::Resume => {
                arity(1)?;
                let domid = parse_number(kind, &first(), "domid")?;
                match kind {
                    MessageType::Release => Request::Release { domid },
                    MessageType::GetDomainPath => Request::GetDomainPath { domid },
                    MessageType::IsDomainIntroduced => Request::IsDomainIntroduced { domid },
                    _ => Request::Resume { domid },
                }
            }
            MessageType::SetTarget => {
                arity(2)?;
                Request::SetTarget {
                    domid: parse_number(kind, &first(), "domid")?,
                    target: parse_number(kind, &second(), "target")?,
                }
            }
            MessageType::SetPerms => {
                let Some((path, perms)) = strings.split_first() else {
                    return Err(bad(kind, "missing path"));
                };
                Request::SetPerms {
                    path: path.clone(),
                    perms: parse_perms(kind, perms)?,
                }
            }
            MessageType::Write => unreachable_write(kind)?,
            MessageType::WatchEvent | MessageType::Error => {
                return Err(bad(kind, "is not a request"));
            }
        })
    }
}

// WRITE is handled before the string split; kept as an error, not a panic.
fn unreachable_write(kind: MessageType) -> Result<Request> {
    Err(bad(kind, "internal: WRITE parsed as strings"))
}

/// A watch event's payload: the changed path and the watch's token.
pub fn encode_watch_event(path: &str, token: &str) -> Result<Vec<u8>> {
    join_strings(&[path, token])
}

/// The path and token of a `WATCH_EVENT` payload.
pub fn decode_watch_event(payload: &[u8]) -> Result<(String, String)> {
    let kind = MessageType::WatchEvent;
    let mut strings = split_strings(kind, payload)?.into_iter();
    match (strings.next(), strings.next(), strings.next()) {
        (Some(path), Some(token), None) => Ok((path, token)),
        _ => Err(bad(kind, "an event carries a path and a token")),
    }
}

/// One `DIRECTORY_PART` reply: the node's generation, the children in this
/// chunk, and whether the list is complete (the chunk ended with an extra
/// NUL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryChunk {
    /// Generation count of the node; a change between chunks means restart.
    pub generation: u64,
    /// Children names in this chunk.
    pub children: Vec<String>,
    /// Whether this is the last chunk.
    pub complete: bool,
    /// Bytes of the children list this chunk covers (for the next offset).
    pub list_len: usize,
}

impl DirectoryChunk {
    /// The reply payload.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut out = join_strings(&[self.generation.to_string()])?;
        out.extend(join_strings(&self.children)?);
        if self.complete {
            out.push(0);
        }
        Ok(out)
    }

    /// A reply payload.
    pub fn decode(payload: &[u8]) -> Result<DirectoryChunk> {
        let kind = MessageType::DirectoryPart;
        let Some(nul) = payload.iter().position(|&b| b == 0) else {
            return Err(bad(kind, "missing generation"));
        };
        let generation = std::str::from_utf8(&payload[..nul])
            .map_err(|_| bad(kind, "bad generation"))
            .and_then(|g| parse_number(kind, g, "generation"))?;
        let mut rest = &payload[nul + 1..];
        let complete = rest.ends_with(&[0, 0]) || rest == [0];
        if complete {
            rest = &rest[..rest.len() - 1];
        }
        Ok(DirectoryChunk {
            generation,
            list_len: rest.len(),
            children: split_strings(kind, rest)?,
            complete,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn type_numbers_match_xs_wire() {
        assert_eq!(MessageType::ALL.len(), 22);
        assert_eq!(MessageType::DEBUG.number(), 0);
        assert_eq!(MessageType::Read.number(), 2);
        assert_eq!(MessageType::Write.number(), 11);
        assert_eq!(MessageType::WatchEvent.number(), 15);
        assert_eq!(MessageType::Error.number(), 16);
        assert_eq!(MessageType::SetTarget.number(), 19);
        assert_eq!(MessageType::from_number(20), None, "XS_RESTRICT is gone");
        assert_eq!(MessageType::ResetWatches.number(), 21);
        assert_eq!(MessageType::DirectoryPart.number(), 22);
        assert_eq!(MessageType::from_number(0xffff), None);
        for t in MessageType::ALL {
            assert_eq!(MessageType::from_number(t.number()), Some(*t));
        }
    }

    #[test]
    fn header_is_four_little_endian_words() {
        let h = Header {
            kind: 2,
            req_id: 0x0102_0304,
            tx_id: 7,
            len: 5,
        };
        let b = h.encode();
        assert_eq!(
            b,
            [2, 0, 0, 0, 4, 3, 2, 1, 7, 0, 0, 0, 5, 0, 0, 0],
            "native (little-endian) layout of struct xsd_sockmsg"
        );
        assert_eq!(Header::decode(&b), h);
    }

    #[test]
    fn known_payloads() {
        let w = Request::Write {
            path: "/a/b".into(),
            value: b"xy".to_vec(),
        };
        assert_eq!(w.encode().unwrap(), b"/a/b\0xy");
        let p = Request::SetPerms {
            path: "/a".into(),
            perms: vec![
                Permission::new(Access::None, 0),
                Permission::new(Access::Read, 5),
            ],
        };
        assert_eq!(p.encode().unwrap(), b"/a\0n0\0r5\0");
        assert_eq!(Request::TransactionStart.encode().unwrap(), b"\0");
        assert_eq!(
            Request::TransactionEnd { commit: true }.encode().unwrap(),
            b"T\0"
        );
        assert_eq!(
            Request::DirectoryPart {
                path: "/x".into(),
                offset: 12
            }
            .encode()
            .unwrap(),
            b"/x\x0012\0"
        );
    }

    #[test]
    fn strings_need_their_nul() {
        assert!(split_strings(MessageType::Read, b"/a").is_err());
        assert_eq!(split_strings(MessageType::Read, b"/a\0").unwrap(), ["/a"]);
        assert!(Request::decode(MessageType::Read, b"/a\0/b\0").is_err());
        assert!(Request::decode(MessageType::TransactionEnd, b"X\0").is_err());
        assert!(Request::decode(MessageType::WatchEvent, b"a\0b\0").is_err());
        assert!(Request::decode(MessageType::GetDomainPath, b"-1\0").is_err());
        assert!(Request::decode(MessageType::GetDomainPath, b"99999999999\0").is_err());
        assert!(Request::decode(MessageType::SetPerms, b"/a\0").is_err());
        assert!(Request::decode(MessageType::SetPerms, b"/a\0x1\0").is_err());
        assert!(matches!(
            join_strings(&["a\0b"]),
            Err(XsError::NulInArgument(_))
        ));
    }

    #[test]
    fn oversized_lengths_are_refused() {
        let h = Header {
            kind: 2,
            req_id: 1,
            tx_id: 0,
            len: PAYLOAD_MAX as u32 + 1,
        };
        let err = Message::decode(&h.encode()).unwrap_err();
        assert!(matches!(err, XsError::PayloadTooLong { len: 4097, .. }));
        let mut cursor = std::io::Cursor::new(h.encode().to_vec());
        assert!(matches!(
            read_frame(&mut cursor),
            Err(XsError::PayloadTooLong { .. })
        ));
        let big = Message::new(MessageType::Read, 1, 0, vec![b'a'; PAYLOAD_MAX + 1]);
        assert!(big.encode().is_err());
        let max = Message::new(MessageType::Read, 1, 0, vec![b'a'; PAYLOAD_MAX]);
        assert_eq!(max.encode().unwrap().len(), HEADER_LEN + PAYLOAD_MAX);
        let long_path = Request::Read {
            path: "a".repeat(PAYLOAD_MAX),
        };
        assert!(long_path.encode().is_err());
    }

    #[test]
    fn truncated_stream_is_an_error_and_eof_is_a_close() {
        let mut empty = std::io::Cursor::new(Vec::new());
        assert!(matches!(read_frame(&mut empty), Err(XsError::Closed)));
        let msg = Message::new(MessageType::Read, 1, 0, b"/a\0".to_vec())
            .encode()
            .unwrap();
        let mut cut = std::io::Cursor::new(msg[..msg.len() - 1].to_vec());
        assert!(matches!(read_frame(&mut cut), Err(XsError::Io(_))));
    }

    #[test]
    fn directory_chunks() {
        let c = DirectoryChunk::decode(b"7\0a\0bb\0\0").unwrap();
        assert_eq!(c.generation, 7);
        assert_eq!(c.children, ["a", "bb"]);
        assert!(c.complete);
        assert_eq!(c.list_len, 5);
        assert_eq!(c.encode().unwrap(), b"7\0a\0bb\0\0");
        let c = DirectoryChunk::decode(b"7\0a\0").unwrap();
        assert!(!c.complete);
        let empty = DirectoryChunk::decode(b"3\0\0").unwrap();
        assert!(empty.complete && empty.children.is_empty());
        assert!(DirectoryChunk::decode(b"x\0").is_err());
    }

    #[test]
    fn permissions() {
        for s in ["n0", "r5", "w12", "b32752"] {
            assert_eq!(s.parse::<Permission>().unwrap().to_string(), s);
        }
        for s in ["", "n", "x1", "r-1", "r1a", "r 1", "r99999999999"] {
            assert!(s.parse::<Permission>().is_err(), "{s}");
        }
        assert!(Access::Both.can_read() && Access::Both.can_write());
        assert!(!Access::None.can_read() && !Access::Read.can_write());
    }

    fn path() -> impl Strategy<Value = String> {
        "(/[A-Za-z0-9_@-]{1,12}){0,6}".prop_map(|p| if p.is_empty() { "/".into() } else { p })
    }

    fn token() -> impl Strategy<Value = String> {
        "[^\u{0}]{0,20}"
    }

    fn perm() -> impl Strategy<Value = Permission> {
        (
            prop_oneof![
                Just(Access::None),
                Just(Access::Read),
                Just(Access::Write),
                Just(Access::Both)
            ],
            any::<u32>(),
        )
            .prop_map(|(a, d)| Permission::new(a, d))
    }

    fn request() -> impl Strategy<Value = Request> {
        prop_oneof![
            proptest::collection::vec(token(), 0..4).prop_map(Request::Control),
            path().prop_map(|path| Request::Directory { path }),
            (path(), any::<u64>())
                .prop_map(|(path, offset)| Request::DirectoryPart { path, offset }),
            path().prop_map(|path| Request::Read { path }),
            path().prop_map(|path| Request::GetPerms { path }),
            (path(), token()).prop_map(|(path, token)| Request::Watch { path, token }),
            (path(), token()).prop_map(|(path, token)| Request::Unwatch { path, token }),
            Just(Request::TransactionStart),
            any::<bool>().prop_map(|commit| Request::TransactionEnd { commit }),
            (any::<u32>(), any::<u64>(), any::<u32>())
                .prop_map(|(domid, mfn, port)| Request::Introduce { domid, mfn, port }),
            any::<u32>().prop_map(|domid| Request::Release { domid }),
            any::<u32>().prop_map(|domid| Request::GetDomainPath { domid }),
            (path(), proptest::collection::vec(any::<u8>(), 0..64))
                .prop_map(|(path, value)| Request::Write { path, value }),
            path().prop_map(|path| Request::Mkdir { path }),
            path().prop_map(|path| Request::Rm { path }),
            (path(), proptest::collection::vec(perm(), 1..5))
                .prop_map(|(path, perms)| Request::SetPerms { path, perms }),
            any::<u32>().prop_map(|domid| Request::IsDomainIntroduced { domid }),
            any::<u32>().prop_map(|domid| Request::Resume { domid }),
            (any::<u32>(), any::<u32>())
                .prop_map(|(domid, target)| Request::SetTarget { domid, target }),
            Just(Request::ResetWatches),
        ]
    }

    proptest! {
        #[test]
        fn request_round_trip(req in request(), req_id in any::<u32>(), tx_id in any::<u32>()) {
            let payload = req.encode().unwrap();
            let msg = Message::new(req.kind(), req_id, tx_id, payload);
            let bytes = msg.encode().unwrap();
            let (back, used) = Message::decode(&bytes).unwrap().unwrap();
            prop_assert_eq!(used, bytes.len());
            prop_assert_eq!(&back, &msg);
            prop_assert_eq!(Request::decode(back.kind, &back.payload).unwrap(), req);
            // Every strict prefix is "not yet whole", never an error.
            for cut in 0..bytes.len() {
                prop_assert!(Message::decode(&bytes[..cut]).unwrap().is_none());
            }
        }

        #[test]
        fn header_round_trip(kind in any::<u32>(), req_id in any::<u32>(), tx_id in any::<u32>(), len in any::<u32>()) {
            let h = Header { kind, req_id, tx_id, len };
            prop_assert_eq!(Header::decode(&h.encode()), h);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Message::decode(&bytes);
            let _ = read_frame(&mut std::io::Cursor::new(bytes.clone()));
            let _ = DirectoryChunk::decode(&bytes);
            let _ = decode_watch_event(&bytes);
            for t in MessageType::ALL {
                let _ = Request::decode(*t, &bytes);
            }
            if let Ok(s) = std::str::from_utf8(&bytes) {
                let _ = s.parse::<Permission>();
            }
        }

        #[test]
        fn arbitrary_frames_never_panic(kind in 0u32..30, len in any::<u32>(), tail in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut bytes = Header { kind, req_id: 1, tx_id: 0, len }.encode().to_vec();
            bytes.extend(tail);
            let _ = Message::decode(&bytes);
            let _ = read_message(&mut std::io::Cursor::new(bytes));
        }

        #[test]
        fn watch_event_round_trip(p in path(), t in token()) {
            let payload = encode_watch_event(&p, &t).unwrap();
            prop_assert_eq!(decode_watch_event(&payload).unwrap(), (p, t));
        }

        #[test]
        fn directory_chunk_round_trip(generation in any::<u64>(), children in proptest::collection::vec("[a-z0-9]{1,8}", 0..10), complete in any::<bool>()) {
            let c = DirectoryChunk { generation, list_len: children.iter().map(|c| c.len() + 1).sum(), children, complete };
            prop_assert_eq!(DirectoryChunk::decode(&c.encode().unwrap()).unwrap(), c);
        }
    }
}
