//! The daemon's listening sockets and the client streams they accept.

use crate::error::{ProxyError, Result};
use crate::sys;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

/// One listening socket.
pub enum Listener {
    /// A unix socket at `path`; `read_only` when it is the `-ro` socket.
    Unix {
        /// The socket.
        socket: UnixListener,
        /// Its path, removed when the daemon stops.
        path: PathBuf,
        /// Clients of this socket may not change anything.
        read_only: bool,
    },
    /// A TCP socket (read-write: no authentication, as libvirtd's
    /// `auth_tcp = "none"`).
    Tcp(TcpListener),
}

impl Listener {
    /// Bind a unix socket at `path` with permissions `mode`. A socket file
    /// left by a daemon that died is replaced; one that a live daemon
    /// answers on is not.
    pub fn unix(path: &Path, mode: u32, read_only: bool) -> Result<Listener> {
        let fail = |source| ProxyError::Listen {
            path: path.display().to_string(),
            source,
        };
        if path.exists() {
            if UnixStream::connect(path).is_ok() {
                return Err(ProxyError::AlreadyRunning(path.to_path_buf()));
            }
            std::fs::remove_file(path).map_err(fail)?;
        }
        // The socket gets its final permissions at birth (bind applies the
        // umask), so no client can slip in through wider ones; chmod then
        // fixes the bits the umask cannot grant (0777).
        let old = sys::umask(!mode & 0o777);
        let bound = UnixListener::bind(path);
        sys::umask(old);
        let socket = bound.map_err(fail)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(fail)?;
        socket.set_nonblocking(true).map_err(fail)?;
        Ok(Listener::Unix {
            socket,
            path: path.to_path_buf(),
            read_only,
        })
    }

    /// Bind TCP at `addr` ("ADDR:PORT").
    pub fn tcp(addr: &str) -> Result<Listener> {
        let fail = |source| ProxyError::Listen {
            path: addr.to_string(),
            source,
        };
        let socket = TcpListener::bind(addr).map_err(fail)?;
        socket.set_nonblocking(true).map_err(fail)?;
        Ok(Listener::Tcp(socket))
    }

    /// What to call it in logs.
    pub fn describe(&self) -> String {
        match self {
            Listener::Unix { path, .. } => path.display().to_string(),
            Listener::Tcp(t) => t
                .local_addr()
                .map(|a| format!("tcp {a}"))
                .unwrap_or_else(|_| "tcp".into()),
        }
    }

    /// True for the read-only socket.
    pub fn read_only(&self) -> bool {
        matches!(
            self,
            Listener::Unix {
                read_only: true,
                ..
            }
        )
    }

    /// True for TCP (not a secure transport).
    pub fn is_tcp(&self) -> bool {
        matches!(self, Listener::Tcp(_))
    }

    /// Accept one waiting client; `Ok(None)` when none waits.
    pub fn accept(&self) -> io::Result<Option<Stream>> {
        let r = match self {
            Listener::Unix { socket, .. } => socket.accept().map(|(s, _)| Stream::Unix(s)),
            Listener::Tcp(t) => t.accept().map(|(s, _)| Stream::Tcp(s)),
        };
        match r {
            Ok(s) => {
                // The listener is non-blocking for the accept loop; the
                // client's own thread blocks on its stream.
                s.set_blocking()?;
                Ok(Some(s))
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Remove the socket file (unix sockets only).
    pub fn remove_file(&self) {
        if let Listener::Unix { path, .. } = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl AsFd for Listener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Listener::Unix { socket, .. } => socket.as_fd(),
            Listener::Tcp(t) => t.as_fd(),
        }
    }
}

/// One client's connection.
pub enum Stream {
    /// Over a unix socket.
    Unix(UnixStream),
    /// Over TCP.
    Tcp(TcpStream),
}

impl Stream {
    fn set_blocking(&self) -> io::Result<()> {
        match self {
            Stream::Unix(s) => s.set_nonblocking(false),
            Stream::Tcp(s) => {
                // Replies are single writes; Nagle would only delay them.
                s.set_nodelay(true)?;
                s.set_nonblocking(false)
            }
        }
    }

    /// Who connected: uid and pid for unix sockets, the address for TCP.
    pub fn peer(&self) -> String {
        match self {
            Stream::Unix(s) => match sys::peer_cred(s) {
                Ok(c) => format!("uid={} gid={} pid={}", c.uid, c.gid, c.pid),
                Err(e) => format!("unknown peer ({e})"),
            },
            Stream::Tcp(s) => s
                .peer_addr()
                .map(|a| format!("addr={a}"))
                .unwrap_or_else(|e| format!("unknown peer ({e})")),
        }
    }

    /// Stop reading: the client's thread sees end of input after the call
    /// it is serving, and leaves. Used when the daemon stops.
    pub fn stop_reading(&self) {
        let _ = match self {
            Stream::Unix(s) => s.shutdown(Shutdown::Read),
            Stream::Tcp(s) => s.shutdown(Shutdown::Read),
        };
    }
}

impl Stream {
    /// End the connection both ways: the client's thread, reading or
    /// writing, sees it closed. Used when keepalive finds the peer dead.
    pub fn hang_up(&self) {
        let _ = match self {
            Stream::Unix(s) => s.shutdown(Shutdown::Both),
            Stream::Tcp(s) => s.shutdown(Shutdown::Both),
        };
    }
}

impl Read for &Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match *self {
            Stream::Unix(s) => (&*s).read(buf),
            Stream::Tcp(s) => (&*s).read(buf),
        }
    }
}

impl Write for &Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match *self {
            Stream::Unix(s) => (&*s).write(buf),
            Stream::Tcp(s) => (&*s).write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The pid file: written when the daemon starts, locked while it runs (so
/// a second daemon with the same file refuses to start), removed when it
/// stops.
pub struct PidFile {
    path: PathBuf,
    _file: std::fs::File,
}

impl PidFile {
    /// Create or take over `path` and write this process's pid into it.
    pub fn create(path: &Path) -> Result<PidFile> {
        let fail = |source| ProxyError::PidFile {
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(fail)?;
        sys::lock_file(&file).map_err(fail)?;
        file.set_len(0).map_err(fail)?;
        writeln!(file, "{}", std::process::id()).map_err(fail)?;
        Ok(PidFile {
            path: path.to_path_buf(),
            _file: file,
        })
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileTypeExt;

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("virt-proxy-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        if let Err(e) = std::fs::create_dir_all(&d) {
            panic!("{}: {e}", d.display());
        }
        d
    }

    #[test]
    fn sockets_get_their_modes_and_stale_ones_are_replaced() {
        let d = tmpdir("modes");
        for (name, mode) in [("rw", 0o700), ("ro", 0o777)] {
            let p = d.join(name);
            // A stale socket file (nobody listening) is taken over.
            drop(UnixListener::bind(&p));
            let l = Listener::unix(&p, mode, name == "ro");
            assert!(l.is_ok(), "{name}");
            let meta = std::fs::metadata(&p).ok();
            assert!(meta.as_ref().is_some_and(|m| m.file_type().is_socket()));
            assert_eq!(meta.map(|m| m.permissions().mode() & 0o777), Some(mode));
            // A live one is not.
            assert!(matches!(
                Listener::unix(&p, mode, false),
                Err(ProxyError::AlreadyRunning(_))
            ));
        }
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn pid_file_is_exclusive_and_removed() {
        let d = tmpdir("pid");
        let p = d.join("virt-proxy.pid");
        let first = PidFile::create(&p);
        assert!(first.is_ok());
        assert_eq!(
            std::fs::read_to_string(&p).ok(),
            Some(format!("{}\n", std::process::id()))
        );
        assert!(matches!(
            PidFile::create(&p),
            Err(ProxyError::PidFile { .. })
        ));
        drop(first);
        assert!(!p.exists());
        let _ = std::fs::remove_dir_all(&d);
    }
}
