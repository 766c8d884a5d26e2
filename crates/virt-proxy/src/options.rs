//! The command line. Parsed by hand: a handful of long options, each with
//! one value, needs no parser crate.

use crate::error::{ProxyError, Result};
use crate::server::Keepalive;
use std::path::PathBuf;
use std::time::Duration;

/// libvirtd's default `max_clients`: connections served at once. Further
/// clients wait in the listen backlog until one leaves, as with libvirtd.
pub const DEFAULT_MAX_CLIENTS: usize = 5000;

/// How the daemon was asked to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `--listen DIR`: `DIR/libvirt-sock` and `DIR/libvirt-sock-ro` instead
    /// of libvirt's default paths.
    pub listen_dir: Option<PathBuf>,
    /// `--listen-tcp ADDR:PORT`: also accept TCP clients (read-write, no
    /// authentication, as libvirtd with `auth_tcp = "none"`).
    pub listen_tcp: Option<String>,
    /// `--stdio`: serve exactly one client on stdin/stdout (the far end of
    /// the ssh transport), then exit.
    pub stdio: bool,
    /// `--read-only`: with `--stdio`, the client may not change anything.
    pub read_only: bool,
    /// `--timeout SECS`: exit after this long without any client (and no
    /// guest running).
    pub idle_timeout: Option<Duration>,
    /// `--pid-file PATH`: write the daemon's pid there while it runs.
    pub pid_file: Option<PathBuf>,
    /// `--max-clients N`: connections served at once.
    pub max_clients: usize,
    /// `--keepalive-interval SECS` and `--keepalive-count N`: how the
    /// daemon pings its clients (libvirtd's defaults, 5 and 5).
    pub keepalive: Keepalive,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen_dir: None,
            listen_tcp: None,
            stdio: false,
            read_only: false,
            idle_timeout: None,
            pid_file: None,
            max_clients: DEFAULT_MAX_CLIENTS,
            keepalive: Keepalive::DAEMON,
        }
    }
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Serve.
    Run(Options),
    /// Print the usage text.
    Help,
    /// Print the version.
    Version,
}

/// The usage text of `--help`.
pub const USAGE: &str = "\
Usage: virt-proxy [OPTIONS]

Serve every compiled-in hypervisor driver over libvirt's remote protocol.

Without --listen or --stdio, root listens on /run/libvirt/libvirt-sock (0700)
and /run/libvirt/libvirt-sock-ro (0777, read-only whatever the client asks);
other users on $XDG_RUNTIME_DIR/libvirt/libvirt-sock.

Options:
  --listen DIR           create DIR/libvirt-sock and DIR/libvirt-sock-ro instead
  --listen-tcp ADDR:PORT also accept TCP clients (no authentication: read-write)
  --stdio                serve one client on stdin/stdout, then exit
  --read-only            with --stdio: refuse every change
  --timeout SECS         exit after SECS without any client and any guest
  --pid-file PATH        write the daemon's pid to PATH while it runs
  --max-clients N        serve at most N clients at once (default 5000)
  --keepalive-interval SECS
                         PING a client that speaks keepalive after SECS of
                         silence (default 5; 0 turns keepalive off)
  --keepalive-count N    close its connection after N unanswered PINGs
                         (default 5)
  -h, --help             this text
  -V, --version          the version

Logging: RUST_LOG (default: info for virt_proxy), to stderr.
";

/// Parse the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        // Accept both `--opt VALUE` and `--opt=VALUE`.
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |what: &str| -> Result<String> {
            match inline.clone().or_else(|| it.next().cloned()) {
                Some(v) => Ok(v),
                None => Err(ProxyError::Usage(format!(
                    "option '{name}' requires {what}"
                ))),
            }
        };
        match name {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--listen" => o.listen_dir = Some(PathBuf::from(value("a directory")?)),
            "--listen-tcp" => {
                let v = value("ADDR:PORT")?;
                if v.rsplit_once(':')
                    .is_none_or(|(_, p)| p.parse::<u16>().is_err())
                {
                    return Err(ProxyError::Usage(format!(
                        "--listen-tcp wants ADDR:PORT, not '{v}'"
                    )));
                }
                o.listen_tcp = Some(v);
            }
            "--stdio" => o.stdio = true,
            "--read-only" => o.read_only = true,
            "--timeout" => {
                let v = value("a number of seconds")?;
                let secs: u64 = v.parse().map_err(|_| {
                    ProxyError::Usage(format!("--timeout wants seconds, not '{v}'"))
                })?;
                o.idle_timeout = Some(Duration::from_secs(secs));
            }
            "--pid-file" => o.pid_file = Some(PathBuf::from(value("a path")?)),
            "--max-clients" => {
                let v = value("a number")?;
                o.max_clients = match v.parse() {
                    Ok(n) if n > 0 => n,
                    _ => {
                        return Err(ProxyError::Usage(format!(
                            "--max-clients wants a positive number, not '{v}'"
                        )))
                    }
                };
            }
            "--keepalive-interval" => {
                let v = value("a number of seconds")?;
                o.keepalive.interval = Duration::from_secs(v.parse().map_err(|_| {
                    ProxyError::Usage(format!("--keepalive-interval wants seconds, not '{v}'"))
                })?);
            }
            "--keepalive-count" => {
                let v = value("a number")?;
                o.keepalive.count = v.parse().map_err(|_| {
                    ProxyError::Usage(format!("--keepalive-count wants a number, not '{v}'"))
                })?;
            }
            other => {
                return Err(ProxyError::Usage(format!(
                    "unknown option '{other}'. See --help."
                )))
            }
        }
    }
    if o.stdio && (o.listen_dir.is_some() || o.listen_tcp.is_some()) {
        return Err(ProxyError::Usage(
            "--stdio serves one client and cannot be combined with --listen or --listen-tcp".into(),
        ));
    }
    if o.read_only && !o.stdio {
        return Err(ProxyError::Usage(
            "--read-only applies to --stdio; sockets are read-only by their path".into(),
        ));
    }
    Ok(Command::Run(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    fn run(s: &[&str]) -> Options {
        match parse(&args(s)) {
            Ok(Command::Run(o)) => o,
            other => panic!("{s:?}: {other:?}"),
        }
    }

    #[test]
    fn every_option_in_both_spellings() {
        let o = run(&[
            "--listen",
            "/tmp/x",
            "--listen-tcp=127.0.0.1:16509",
            "--timeout",
            "30",
            "--pid-file=/tmp/p",
            "--max-clients",
            "7",
            "--keepalive-interval=2",
            "--keepalive-count",
            "3",
        ]);
        assert_eq!(
            o.keepalive,
            Keepalive {
                interval: Duration::from_secs(2),
                count: 3
            }
        );
        assert_eq!(o.listen_dir, Some(PathBuf::from("/tmp/x")));
        assert_eq!(o.listen_tcp.as_deref(), Some("127.0.0.1:16509"));
        assert_eq!(o.idle_timeout, Some(Duration::from_secs(30)));
        assert_eq!(o.pid_file, Some(PathBuf::from("/tmp/p")));
        assert_eq!(o.max_clients, 7);
        assert!(run(&["--stdio", "--read-only"]).read_only);
        assert_eq!(run(&[]), Options::default());
        // libvirtd's keepalive, not virsh's (which gives up after 6).
        assert_eq!(run(&[]).keepalive.count, 5);
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        for (line, want) in [
            (
                &["--timeout"][..],
                "option '--timeout' requires a number of seconds",
            ),
            (&["--timeout", "x"][..], "--timeout wants seconds, not 'x'"),
            (
                &["--listen-tcp", "host"][..],
                "--listen-tcp wants ADDR:PORT, not 'host'",
            ),
            (
                &["--max-clients", "0"][..],
                "--max-clients wants a positive number, not '0'",
            ),
            (
                &["--keepalive-interval", "-1"][..],
                "--keepalive-interval wants seconds, not '-1'",
            ),
            (
                &["--keepalive-count", "x"][..],
                "--keepalive-count wants a number, not 'x'",
            ),
            (&["--frob"][..], "unknown option '--frob'. See --help."),
            (&["--read-only"][..], "--read-only applies to --stdio"),
            (
                &["--stdio", "--listen", "d"][..],
                "--stdio serves one client",
            ),
        ] {
            match parse(&args(line)) {
                Err(e) => assert!(e.to_string().starts_with(want), "{line:?}: {e}"),
                Ok(c) => panic!("{line:?} accepted: {c:?}"),
            }
        }
        assert_eq!(parse(&args(&["-V"])).ok(), Some(Command::Version));
        assert_eq!(
            parse(&args(&["--help", "--frob"])).ok(),
            Some(Command::Help)
        );
    }
}
