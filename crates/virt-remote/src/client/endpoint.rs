//! Where a remote URI leads ([`Endpoint`]) and the byte streams to it:
//! a unix socket, TCP, or an `ssh` child's standard streams.

use super::*;

/// Where a remote URI leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A local socket.
    Unix(std::path::PathBuf),
    /// Plain TCP.
    Tcp {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
    },
    /// The node's own daemon for `qemu:///system` or `qemu:///session`
    /// (see [`crate::local`]), started by the client for a session.
    Local(crate::local::LocalDaemon),
    /// `ssh [-p PORT] [-l USER] HOST virt-proxy --stdio`.
    Ssh {
        /// The ssh command (`?command=`, default `ssh`).
        command: String,
        /// The user to log in as.
        user: Option<String>,
        /// The host.
        host: String,
        /// The port.
        port: Option<u16>,
        /// What runs on the far side (`?proxy=`, default `virt-proxy --stdio`).
        proxy: String,
        /// A private key to log in with (`?keyfile=`).
        keyfile: Option<String>,
        /// Skip the host key check (`?no_verify=1`, as libvirt's).
        no_verify: bool,
    },
}

/// The transport of a remote URI and the name the daemon opens; `None`
/// when the URI is not a remote one.
pub fn endpoint_for(uri: &Uri, read_only: bool) -> Option<Result<(Endpoint, String)>> {
    if let Some(mut local) = crate::local::daemon_for(uri) {
        if read_only && uri.path == "/system" {
            local.socket = SYSTEM_SOCKET_RO.into();
        }
        return Some(Ok((Endpoint::Local(local), daemon_name(uri))));
    }
    let transport = uri.transport.as_deref()?;
    let name = daemon_name(uri);
    let ep = match transport {
        "unix" => {
            let path = match uri.param("socket") {
                Some(s) => s.into(),
                None => default_socket(uri, read_only),
            };
            Endpoint::Unix(path)
        }
        "tcp" => Endpoint::Tcp {
            host: uri.host.clone().unwrap_or_else(|| "localhost".into()),
            port: uri.port.unwrap_or(TCP_PORT),
        },
        "ssh" => Endpoint::Ssh {
            command: uri.param("command").unwrap_or("ssh").to_string(),
            user: uri.user.clone(),
            host: uri.host.clone().unwrap_or_else(|| "localhost".into()),
            port: uri.port,
            proxy: uri.param("proxy").unwrap_or("virt-proxy --stdio").to_string(),
            keyfile: uri.param("keyfile").map(str::to_string),
            no_verify: uri.param("no_verify").is_some_and(|v| v != "0"),
        },
        other => {
            return Some(Err(Error::with(
                ErrorCode::InvalidArg,
                ErrorDomain::Remote,
                format!("transport in URL not recognised (should be tls|unix|ssh|ext|tcp|libssh2|libssh): {other}"),
            )))
        }
    };
    Some(Ok((ep, name)))
}

/// libvirt's socket for a unix URI without `socket=`.
fn default_socket(uri: &Uri, read_only: bool) -> std::path::PathBuf {
    let root = rustix::process::geteuid().is_root();
    if !root && uri.path == "/session" {
        if let Some(run) = std::env::var_os("XDG_RUNTIME_DIR") {
            return std::path::Path::new(&run).join("libvirt/libvirt-sock");
        }
    }
    if read_only {
        SYSTEM_SOCKET_RO.into()
    } else {
        SYSTEM_SOCKET.into()
    }
}

/// Parameters the remote driver reads itself; the daemon never sees them.
const OWN_PARAMS: &[&str] = &[
    "socket",
    "command",
    "proxy",
    "keepalive_interval",
    "keepalive_count",
    "no_verify",
    "no_tty",
    "keyfile",
    "name",
];

/// The URI the daemon opens: `DRIVER:///PATH` plus the parameters meant
/// for it (libvirt's `name=` overrides).
pub(super) fn daemon_name(uri: &Uri) -> String {
    if let Some(n) = uri.param("name") {
        return n.to_string();
    }
    let mut s = format!("{}://{}", uri.driver, uri.path);
    let rest: Vec<String> = uri
        .query
        .iter()
        .filter(|(k, _)| !OWN_PARAMS.contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if !rest.is_empty() {
        s.push('?');
        s.push_str(&rest.join("&"));
    }
    s
}

pub(super) fn keepalive_of(uri: &Uri) -> Result<Keepalive> {
    let mut ka = Keepalive::default();
    let bad = |k: &str, v: &str| {
        Error::with(
            ErrorCode::InvalidArg,
            ErrorDomain::Remote,
            format!("invalid {k} '{v}' in the URI"),
        )
    };
    if let Some(v) = uri.param("keepalive_interval") {
        ka.interval = Duration::from_secs(v.parse().map_err(|_| bad("keepalive_interval", v))?);
    }
    if let Some(v) = uri.param("keepalive_count") {
        ka.count = v.parse().map_err(|_| bad("keepalive_count", v))?;
    }
    Ok(ka)
}

type Streams = (
    Box<dyn Read + Send>,
    Box<dyn Write + Send>,
    Box<dyn Fn() + Send + Sync>,
    Option<Child>,
);

pub(super) fn connect(ep: &Endpoint) -> Result<Streams> {
    match ep {
        Endpoint::Local(local) => socket_streams(crate::local::connect(local)?),
        Endpoint::Unix(path) => {
            let s = UnixStream::connect(path).map_err(|e| {
                Error::system(
                    ErrorDomain::Rpc,
                    format!("Failed to connect socket to '{}'", path.display()),
                    &e,
                )
            })?;
            socket_streams(s)
        }
        Endpoint::Tcp { host, port } => {
            let s = TcpStream::connect((host.as_str(), *port)).map_err(|e| {
                Error::system(
                    ErrorDomain::Rpc,
                    format!("unable to connect to server at '{host}:{port}'"),
                    &e,
                )
            })?;
            let _ = s.set_nodelay(true);
            socket_streams(s)
        }
        Endpoint::Ssh {
            command,
            user,
            host,
            port,
            proxy,
            keyfile,
            no_verify,
        } => {
            let mut c = Command::new(command);
            c.args(["-T", "-e", "none", "-o", "BatchMode=yes"]);
            if let Some(k) = keyfile {
                c.arg("-i").arg(k);
            }
            if *no_verify {
                c.args(["-o", "StrictHostKeyChecking=no"]);
            }
            if let Some(p) = port {
                c.arg("-p").arg(p.to_string());
            }
            if let Some(u) = user {
                c.arg("-l").arg(u);
            }
            c.arg(host).arg("--").arg(proxy);
            c.stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit());
            let mut child = c.spawn().map_err(|e| {
                Error::system(ErrorDomain::Rpc, format!("Cannot run '{command}'"), &e)
            })?;
            let (Some(w), Some(r)) = (child.stdin.take(), child.stdout.take()) else {
                return Err(Error::with(
                    ErrorCode::InternalError,
                    ErrorDomain::Rpc,
                    "ssh without pipes",
                ));
            };
            let pid = child.id();
            let stop: Box<dyn Fn() + Send + Sync> = Box::new(move || {
                // SIGTERM to the ssh child we spawned (not yet reaped: the
                // driver waits for it only after this).
                if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
                    let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
                }
            });
            Ok((Box::new(r), Box::new(w), stop, Some(child)))
        }
    }
}

/// A connected socket the reading and the writing side share, which a
/// third handle can shut down under both.
trait Socket: Read + Write + Send + Sync + Sized + 'static {
    /// Another handle on the same socket.
    fn dup(&self) -> std::io::Result<Self>;
    /// Shut both directions down, waking a blocked reader.
    fn hang_up(&self) -> std::io::Result<()>;
}

macro_rules! socket {
    ($($t:ty),*) => {$(
        impl Socket for $t {
            fn dup(&self) -> std::io::Result<Self> {
                self.try_clone()
            }
            fn hang_up(&self) -> std::io::Result<()> {
                self.shutdown(std::net::Shutdown::Both)
            }
        }
    )*};
}

socket!(UnixStream, TcpStream);

/// The connection's streams over socket `s`: a reader, a writer and a
/// hang-up, each a handle of its own.
fn socket_streams<S: Socket>(s: S) -> Result<Streams> {
    let e = |e: std::io::Error| Error::system(ErrorDomain::Rpc, "Cannot duplicate the socket", &e);
    let r = s.dup().map_err(e)?;
    let w = s.dup().map_err(e)?;
    let k = s.dup().map_err(e)?;
    let stop: Box<dyn Fn() + Send + Sync> = Box::new(move || {
        let _ = k.hang_up();
    });
    Ok((Box::new(r), Box::new(w), stop, None))
}
