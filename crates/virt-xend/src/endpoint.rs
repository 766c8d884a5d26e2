//! Where xend listens: its unix socket or its HTTP port, and the stream
//! one request travels over.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::XendError;

/// The unix socket xend listened on (libvirt never used /var/run).
pub const XEND_SOCKET: &str = "/var/lib/xend/xend-socket";
/// The TCP port of xend's HTTP server.
pub const XEND_PORT: u16 = 8000;
/// The environment variable that overrides where xend is.
pub const XEND_ENV: &str = "VIRT_XEND";

/// One place xend may listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XendEndpoint {
    /// A unix socket path.
    Unix(PathBuf),
    /// xend's HTTP server.
    Tcp {
        /// Host name or address.
        host: String,
        /// Port (8000 for xend).
        port: u16,
    },
}

impl XendEndpoint {
    /// Where to look for xend, in order: `$VIRT_XEND` alone when set,
    /// else libvirt's unix socket, then `localhost:8000`.
    pub fn candidates() -> Vec<XendEndpoint> {
        if let Some(v) = std::env::var_os(XEND_ENV) {
            if let Some(e) = v.to_str().and_then(XendEndpoint::parse) {
                return vec![e];
            }
        }
        vec![
            XendEndpoint::Unix(PathBuf::from(XEND_SOCKET)),
            XendEndpoint::Tcp {
                host: "localhost".into(),
                port: XEND_PORT,
            },
        ]
    }

    /// Read an endpoint as libvirt read its xend URI argument: an
    /// absolute path is a unix socket, `http://host[:port][/]` is TCP
    /// (port 8000 when not given).
    pub fn parse(s: &str) -> Option<XendEndpoint> {
        if s.starts_with('/') {
            return Some(XendEndpoint::Unix(PathBuf::from(s)));
        }
        let rest = s.strip_prefix("http://")?;
        let hostport = rest.strip_suffix('/').unwrap_or(rest);
        if hostport.is_empty() || hostport.contains('/') {
            return None;
        }
        // A bracketed IPv6 address keeps its colons.
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(':') && (h.starts_with('[') || !h.contains(':')) => {
                (h, p.parse().ok()?)
            }
            _ => (hostport, XEND_PORT),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return None;
        }
        Some(XendEndpoint::Tcp {
            host: host.to_string(),
            port,
        })
    }

    /// Open one connection, for one request, with every step bounded by
    /// `deadline`.
    pub(crate) fn connect(&self, timeout: Duration) -> Result<Connection, XendError> {
        let deadline = Instant::now() + timeout;
        let stream = match self {
            XendEndpoint::Unix(path) => {
                Stream::Unix(UnixStream::connect(path).map_err(|e| connect_error(&e))?)
            }
            XendEndpoint::Tcp { host, port } => {
                let addrs = (host.as_str(), *port)
                    .to_socket_addrs()
                    .map_err(|e| connect_error(&e))?;
                let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
                let mut found = None;
                for addr in addrs {
                    match TcpStream::connect_timeout(&addr, timeout) {
                        Ok(s) => {
                            found = Some(s);
                            break;
                        }
                        Err(e) => last = e,
                    }
                }
                let s = found.ok_or_else(|| connect_error(&last))?;
                // Requests are written whole; no need to wait for acks.
                let _ = s.set_nodelay(true);
                Stream::Tcp(s)
            }
        };
        Ok(Connection { stream, deadline })
    }
}

impl std::fmt::Display for XendEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            XendEndpoint::Unix(p) => write!(f, "{}", p.display()),
            XendEndpoint::Tcp { host, port } if host.contains(':') => {
                write!(f, "http://[{host}]:{port}")
            }
            XendEndpoint::Tcp { host, port } => write!(f, "http://{host}:{port}"),
        }
    }
}

fn connect_error(e: &io::Error) -> XendError {
    XendError::Io {
        what: "failed to connect to xend".into(),
        cause: virt_core::error::io_error_text(e),
    }
}

enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

/// One connection to xend. Every read and write gets at most the time
/// left before the deadline, so a peer that trickles bytes cannot hold
/// us longer than the whole request's budget.
pub(crate) struct Connection {
    stream: Stream,
    deadline: Instant,
}

impl Connection {
    fn remaining(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"))
        } else {
            Ok(left)
        }
    }
}

impl Read for Connection {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = Some(self.remaining()?);
        match &mut self.stream {
            Stream::Unix(s) => {
                s.set_read_timeout(left)?;
                s.read(buf)
            }
            Stream::Tcp(s) => {
                s.set_read_timeout(left)?;
                s.read(buf)
            }
        }
    }
}

impl Write for Connection {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = Some(self.remaining()?);
        match &mut self.stream {
            Stream::Unix(s) => {
                s.set_write_timeout(left)?;
                s.write(buf)
            }
            Stream::Tcp(s) => {
                s.set_write_timeout(left)?;
                s.write(buf)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_libvirt_forms() {
        assert_eq!(
            XendEndpoint::parse("/var/lib/xend/xend-socket"),
            Some(XendEndpoint::Unix(XEND_SOCKET.into()))
        );
        assert_eq!(
            XendEndpoint::parse("http://localhost:8000"),
            Some(XendEndpoint::Tcp {
                host: "localhost".into(),
                port: 8000
            })
        );
        assert_eq!(
            XendEndpoint::parse("http://xen.example/"),
            Some(XendEndpoint::Tcp {
                host: "xen.example".into(),
                port: 8000
            })
        );
        assert_eq!(
            XendEndpoint::parse("http://[::1]:8001"),
            Some(XendEndpoint::Tcp {
                host: "::1".into(),
                port: 8001
            })
        );
        for bad in [
            "",
            "relative/path",
            "http://",
            "http://h:x",
            "ftp://h",
            "http://h/p",
        ] {
            assert_eq!(XendEndpoint::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in ["/tmp/x", "http://127.0.0.1:8000", "http://[::1]:9"] {
            let e = XendEndpoint::parse(s).expect(s);
            assert_eq!(XendEndpoint::parse(&e.to_string()), Some(e));
        }
    }

    #[test]
    fn connect_to_nothing_is_a_system_error() {
        let dir = std::env::temp_dir().join(format!("virt-xend-none-{}", std::process::id()));
        let e = XendEndpoint::Unix(dir.join("sock"))
            .connect(Duration::from_secs(1))
            .err()
            .expect("no socket there");
        let v: virt_core::Error = e.into();
        assert_eq!(v.code, virt_core::ErrorCode::SystemError);
        assert!(
            v.message.starts_with("failed to connect to xend: "),
            "{}",
            v.message
        );
    }
}
