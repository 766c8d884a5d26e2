//! The HTTP that libvirt's xend driver spoke: one request per
//! connection, libvirt's exact request bytes, and a bounded reader of
//! the status line, `Content-Length` and body of the reply.
//!
//! Hand-written rather than ureq 3: ureq writes its own request headers
//! (User-Agent, its own Host), so libvirt's exact bytes could not be kept,
//! and its unix-socket support needs its unversioned transport API. xend's
//! subset (one request, one reply, no keep-alive) fits in this file, one
//! path for both transports over `Read + Write`.

use std::io::{BufRead, BufReader, Read, Write};
use std::time::Duration;

use crate::endpoint::XendEndpoint;
use crate::XendError;

/// The longest status or header line we read.
pub const MAX_LINE: usize = 8 * 1024;
/// The most header lines we read before giving up on a peer.
pub const MAX_HEADERS: usize = 128;
/// The largest reply body we accept: xend's biggest replies (a domain's
/// description, dmesg) are tens of kilobytes.
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// How long one request may take unless the caller says otherwise.
/// libvirt waited forever; a lookup that takes half a minute means xend
/// is stuck.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the slow operations may take: creating (xend waits for the
/// devices), saving, restoring and dumping a large guest.
pub const SLOW_TIMEOUT: Duration = Duration::from_secs(600);

/// The operations that get [`SLOW_TIMEOUT`].
const SLOW_OPS: &[&str] = &[
    "create",
    "wait_for_devices",
    "start",
    "save",
    "restore",
    "dump",
];

/// libvirt's `urlencode`: only space and newline are escaped, as `%20`
/// and `%0a`; everything else, `&` and `=` included, goes as it is.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '\n' => out.push_str("%0a"),
            c => out.push(c),
        }
    }
    out
}

/// The form body `k1=v1&k2=v2` of a POST, values through [`urlencode`].
pub fn form_body(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(&urlencode(v));
    }
    out
}

/// The bytes of a GET as libvirt wrote them.
pub fn get_request(path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: localhost:8000\r\nAccept-Encoding: identity\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\r\n"
    )
    .into_bytes()
}

/// The bytes of a POST of `body` as libvirt wrote them.
pub fn post_request(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost:8000\r\nAccept-Encoding: identity\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// What a path must not hold to go on the request line unchanged.
pub fn check_path(path: &str) -> Result<(), XendError> {
    if path.is_empty()
        || !path.starts_with('/')
        || path
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '#')
    {
        return Err(XendError::InvalidArg(format!(
            "cannot send the path {path:?} to xend"
        )));
    }
    Ok(())
}

/// A reply: its status code and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The body, as many bytes as `Content-Length` said (or to the end of
    /// the stream when it said nothing).
    pub body: Vec<u8>,
}

impl Response {
    /// The body as text (bytes that are not UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn protocol(what: impl Into<String>) -> XendError {
    XendError::Protocol(what.into())
}

/// An I/O error talking to xend: a timeout (`late` says what was late)
/// or a failure (`what` failed).
fn io_failure(e: &std::io::Error, late: &str, what: &str) -> XendError {
    if matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    ) {
        XendError::Timeout(late.into())
    } else {
        XendError::Io {
            what: what.into(),
            cause: virt_core::error::io_error_text(e),
        }
    }
}

fn read_error(e: &std::io::Error) -> XendError {
    io_failure(
        e,
        "no reply from xend in time",
        "failed to read from Xen Daemon",
    )
}

/// One line ending in `\n` (the `\r` before it dropped), at most
/// [`MAX_LINE`] bytes; `None` at the end of the stream.
fn read_line<R: BufRead>(r: &mut R) -> Result<Option<Vec<u8>>, XendError> {
    let mut line = Vec::new();
    let n = r
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|e| read_error(&e))?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        if line.len() > MAX_LINE {
            return Err(protocol(format!("line longer than {MAX_LINE} bytes")));
        }
        // Cut short by the end of the stream: keep what came.
        return Ok(Some(line));
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

/// Read one reply: "HTTP/1.x NNN" on the first line, headers up to an
/// empty line (only `Content-Length` matters), then the body. A missing
/// `Content-Length` means the body runs to the end of the stream, since
/// xend closed the connection after each reply. At most `max_body` bytes
/// are accepted.
pub fn read_response<R: BufRead>(r: &mut R, max_body: usize) -> Result<Response, XendError> {
    let status_line = read_line(r)?.ok_or_else(|| protocol("empty reply"))?;
    let status = parse_status(&status_line)?;
    let mut length: Option<usize> = None;
    let mut headers = 0;
    loop {
        let line = read_line(r)?.ok_or_else(|| protocol("reply ends inside its headers"))?;
        if line.is_empty() {
            break;
        }
        headers += 1;
        if headers > MAX_HEADERS {
            return Err(protocol(format!("more than {MAX_HEADERS} header lines")));
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = line.split_at(colon);
        if name.eq_ignore_ascii_case(b"content-length") {
            let value = std::str::from_utf8(value.get(1..).unwrap_or_default())
                .map_err(|_| protocol("Content-Length is not text"))?
                .trim();
            let n: usize = value
                .parse()
                .map_err(|_| protocol(format!("bad Content-Length {value:?}")))?;
            if n > max_body {
                return Err(protocol(format!(
                    "body of {n} bytes exceeds the limit of {max_body}"
                )));
            }
            length = Some(n);
        }
    }
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            r.read_exact(&mut body).map_err(|e| {
                if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    protocol(format!("body shorter than its Content-Length {n}"))
                } else {
                    read_error(&e)
                }
            })?;
        }
        None => {
            r.by_ref()
                .take(max_body as u64 + 1)
                .read_to_end(&mut body)
                .map_err(|e| read_error(&e))?;
            if body.len() > max_body {
                return Err(protocol(format!(
                    "body exceeds the limit of {max_body} bytes"
                )));
            }
        }
    }
    Ok(Response { status, body })
}

/// The code of a status line "HTTP/1.1 200 OK" (HTTP/1.0 accepted too).
fn parse_status(line: &[u8]) -> Result<u16, XendError> {
    let rest = line
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| line.strip_prefix(b"HTTP/1.0 "))
        .ok_or_else(|| protocol("no HTTP status line"))?;
    let digits = rest.get(..3).ok_or_else(|| protocol("short status line"))?;
    if !digits.iter().all(u8::is_ascii_digit) || rest.get(3).is_some_and(|b| *b != b' ') {
        return Err(protocol("bad status code"));
    }
    Ok(digits
        .iter()
        .fold(0u16, |n, d| n * 10 + u16::from(d - b'0')))
}

/// Parse a whole reply held in memory.
pub fn parse_response(bytes: &[u8], max_body: usize) -> Result<Response, XendError> {
    read_response(&mut &bytes[..], max_body)
}

/// Send `request` over a stream and read the reply.
pub fn exchange<S: Read + Write>(stream: S, request: &[u8]) -> Result<Response, XendError> {
    let mut stream = stream;
    stream.write_all(request).map_err(|e| {
        io_failure(
            &e,
            "xend did not take the request in time",
            "failed to write to Xen Daemon",
        )
    })?;
    read_response(&mut BufReader::new(stream), MAX_BODY)
}

/// What a reply's status means, as libvirt's `http2unix` read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 200, 201 or 202.
    Success,
    /// 404: the named thing does not exist.
    NotFound,
    /// 500: xend failed doing it.
    Failed,
    /// Any other code: VIR_ERR_HTTP_ERROR.
    Unknown(u16),
}

impl Outcome {
    /// Classify `status`.
    pub fn of(status: u16) -> Outcome {
        match status {
            200..=202 => Outcome::Success,
            404 => Outcome::NotFound,
            500 => Outcome::Failed,
            other => Outcome::Unknown(other),
        }
    }
}

/// An HTTP client of one xend: each call opens a connection, sends one
/// request, reads one reply, and closes.
#[derive(Debug, Clone)]
pub struct XendClient {
    endpoint: XendEndpoint,
    timeout: Duration,
    slow_timeout: Duration,
}

impl XendClient {
    /// A client of the xend at `endpoint`, each request bounded by
    /// [`DEFAULT_TIMEOUT`] ([`SLOW_TIMEOUT`] for the slow operations).
    pub fn new(endpoint: XendEndpoint) -> Self {
        XendClient {
            endpoint,
            timeout: DEFAULT_TIMEOUT,
            slow_timeout: SLOW_TIMEOUT,
        }
    }

    /// The same client with one bound on every request's time.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.slow_timeout = timeout;
        self
    }

    /// Where it connects.
    pub fn endpoint(&self) -> &XendEndpoint {
        &self.endpoint
    }

    /// One request, its raw reply.
    pub fn request(&self, request: &[u8]) -> Result<Response, XendError> {
        exchange(self.endpoint.connect(self.timeout)?, request)
    }

    fn request_within(&self, request: &[u8], timeout: Duration) -> Result<Response, XendError> {
        exchange(self.endpoint.connect(timeout)?, request)
    }

    /// `GET path`: the body of a 2xx reply. A 404 is
    /// [`XendError::NoDomain`] (libvirt kept quiet about those on
    /// `/xend/domain/` paths and reported "domain not found" itself);
    /// other codes are [`XendError::GetFailed`] with the code, path and
    /// body, as libvirt's `xend_get` reported them.
    pub fn get(&self, path: &str) -> Result<Vec<u8>, XendError> {
        check_path(path)?;
        let reply = self.request(&get_request(path))?;
        match Outcome::of(reply.status) {
            Outcome::Success => Ok(reply.body),
            Outcome::NotFound if path.starts_with("/xend/domain/") => {
                Err(XendError::NoDomain(path.to_string()))
            }
            Outcome::Unknown(code) if code < 300 => Err(XendError::Http(code)),
            _ => Err(XendError::GetFailed(format!(
                "{} status from xen daemon: {}:{}",
                reply.status,
                path,
                reply.text()
            ))),
        }
    }

    /// `POST path` with the form `pairs`. Success is a 2xx reply whose
    /// body holds neither "failed" nor "xend.err" (xend answered some
    /// failures with 200 and the error in the body).
    pub fn post(&self, path: &str, pairs: &[(&str, &str)]) -> Result<Vec<u8>, XendError> {
        check_path(path)?;
        let body = form_body(pairs);
        let slow = pairs
            .iter()
            .any(|(k, v)| *k == "op" && SLOW_OPS.contains(v));
        let timeout = if slow {
            self.slow_timeout
        } else {
            self.timeout
        };
        let reply = self.request_within(&post_request(path, &body), timeout)?;
        let text = reply.text();
        match Outcome::of(reply.status) {
            Outcome::Success if !text.contains("failed") && !text.contains("xend.err") => {
                Ok(reply.body)
            }
            Outcome::Unknown(code) if code < 300 => Err(XendError::Http(code)),
            _ => Err(XendError::PostFailed(format!(
                "xend_post: error from xen daemon: {text}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn urlencode_escapes_only_space_and_newline() {
        assert_eq!(
            urlencode("(vm (name 'a b')\n)"),
            "(vm%20(name%20'a%20b')%0a)"
        );
        assert_eq!(urlencode("a&b=c%d+e"), "a&b=c%d+e");
        assert_eq!(
            form_body(&[("op", "save"), ("file", "/tmp/a b")]),
            "op=save&file=/tmp/a%20b"
        );
    }

    #[test]
    fn request_bytes_are_libvirts() {
        assert_eq!(
            get_request("/xend/node/"),
            b"GET /xend/node/ HTTP/1.1\r\nHost: localhost:8000\r\nAccept-Encoding: identity\r\n\
              Content-Type: application/x-www-form-urlencoded\r\n\r\n"
                .to_vec()
        );
        assert_eq!(
            post_request("/xend/domain/pv", "op=pause"),
            b"POST /xend/domain/pv HTTP/1.1\r\nHost: localhost:8000\r\n\
              Accept-Encoding: identity\r\nContent-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 8\r\n\r\nop=pause"
                .to_vec()
        );
    }

    #[test]
    fn reads_status_length_and_body() {
        let r = parse_response(
            b"HTTP/1.1 200 OK\r\nServer: xend\r\ncontent-length: 5\r\n\r\nhello, trailing",
            MAX_BODY,
        )
        .expect("valid");
        assert_eq!(r.status, 200);
        assert_eq!(r.body, b"hello");
        // No Content-Length: to the end of the stream.
        let r = parse_response(b"HTTP/1.1 404 Not Found\r\n\r\n(error)", MAX_BODY).expect("ok");
        assert_eq!((r.status, r.body.as_slice()), (404, &b"(error)"[..]));
        // Bare \n line ends are read too.
        let r =
            parse_response(b"HTTP/1.0 202 Accepted\nContent-Length: 0\n\n", MAX_BODY).expect("ok");
        assert_eq!(r.status, 202);
        assert!(r.body.is_empty());
    }

    #[test]
    fn refuses_bad_replies() {
        for bad in [
            &b""[..],
            b"HTTP/1.1 2\r\n\r\n",
            b"HTTP/1.1 abc\r\n\r\n",
            b"HTTP/1.1 2000\r\n\r\n",
            b"SPDY 200\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nServer: x",
        ] {
            assert!(
                parse_response(bad, MAX_BODY).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        // Limits: body, line length, header count.
        assert!(parse_response(
            b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n01234567890",
            10
        )
        .is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n\r\n01234567890", 10).is_err());
        let long = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(MAX_LINE + 1));
        assert!(parse_response(long.as_bytes(), MAX_BODY).is_err());
        let many = format!(
            "HTTP/1.1 200 OK\r\n{}\r\n",
            "X: y\r\n".repeat(MAX_HEADERS + 1)
        );
        assert!(parse_response(many.as_bytes(), MAX_BODY).is_err());
    }

    #[test]
    fn outcomes_follow_http2unix() {
        assert_eq!(Outcome::of(200), Outcome::Success);
        assert_eq!(Outcome::of(201), Outcome::Success);
        assert_eq!(Outcome::of(202), Outcome::Success);
        assert_eq!(Outcome::of(203), Outcome::Unknown(203));
        assert_eq!(Outcome::of(404), Outcome::NotFound);
        assert_eq!(Outcome::of(500), Outcome::Failed);
        let e: virt_core::Error = XendError::Http(418).into();
        assert_eq!(e.code, virt_core::ErrorCode::HttpError);
        assert_eq!(e.message, "got unknown HTTP error code 418");
    }

    #[test]
    fn paths_that_would_break_the_request_line_are_refused() {
        assert!(check_path("/xend/domain/a b").is_err());
        assert!(check_path("/xend/domain/a\r\nX: y").is_err());
        assert!(check_path("xend").is_err());
        assert!(check_path("/xend/domain/pv?detail=1").is_ok());
    }

    /// A well-formed reply, and each way of damaging it: truncation, a
    /// flipped byte, an inserted byte. Errors are fine; panics are not.
    #[test]
    fn mutated_replies_never_panic() {
        let good = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\n(domain (a))";
        let mut tried = 0;
        for i in 0..=good.len() {
            let _ = parse_response(&good[..i], 64);
            tried += 1;
            for b in [0u8, b'\n', b'\r', b':', b'9', b' ', 0xff] {
                let mut m = good.to_vec();
                if let Some(slot) = m.get_mut(i) {
                    *slot = b;
                    let _ = parse_response(&m, 64);
                }
                let mut m = good.to_vec();
                m.insert(i, b);
                let _ = parse_response(&m, 64);
                tried += 2;
            }
        }
        assert!(tried > good.len() * 10);
    }

    proptest! {
        #[test]
        fn any_bytes_give_a_reply_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_response(&bytes, 256);
        }

        #[test]
        fn framed_bodies_round_trip(status in 100u16..1000, body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut msg = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
            msg.extend_from_slice(&body);
            let r = parse_response(&msg, 1024).expect("well framed");
            prop_assert_eq!(r.status, status);
            prop_assert_eq!(r.body, body);
        }

        #[test]
        fn header_soup_never_panics(lines in proptest::collection::vec("[ -~]{0,40}", 0..8), tail in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut msg = b"HTTP/1.1 200 OK\r\n".to_vec();
            for l in lines {
                msg.extend_from_slice(l.as_bytes());
                msg.extend_from_slice(b"\r\n");
            }
            msg.extend_from_slice(&tail);
            let _ = parse_response(&msg, 128);
        }
    }
}
