//! A real virt-proxy process for the tests: started with `--listen` in a
//! temporary directory (never the host's /run/libvirt), stopped with
//! SIGTERM, its sockets, log and memory at hand.
#![allow(dead_code)]

use std::io::{BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use virt_remote::packet::{self, Header, MessageStatus, MessageType};
use virt_testkit::TempDir;

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty temporary directory.
pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "vp-{tag}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    if let Err(e) = std::fs::create_dir_all(&d) {
        panic!("{}: {e}", d.display());
    }
    d
}

/// A fresh directory for what a test keeps beside a daemon (a QEMU
/// root two daemons share, a picture), removed when dropped, also when
/// the test fails.
pub fn scratch_dir(tag: &str) -> TempDir {
    TempDir::new(&format!("vp-{tag}"))
}

/// The `RESULT ` lines a test binary run as a child printed (libtest may
/// print its "test ... " prefix on the same line); the run must have
/// succeeded.
pub fn result_lines(out: &std::process::Output) -> Vec<String> {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .filter_map(|l| l.split_once("RESULT ").map(|(_, r)| r.to_string()))
        .collect()
}

/// The daemon binary.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_virt-proxy")
}

/// One running daemon.
pub struct Daemon {
    child: Option<Child>,
    /// Its `--listen` directory (also holds its log).
    pub dir: PathBuf,
    /// The QEMU driver's own root (`VIRT_QEMU_ROOT`) when
    /// [`Daemon::start_qemu`] made one; it goes after the daemon.
    qemu_root: Option<TempDir>,
}

impl Daemon {
    /// Start a daemon on a new temporary directory with `extra` options,
    /// and wait until both sockets answer.
    pub fn start(extra: &[&str]) -> Daemon {
        let dir = temp_dir("d");
        Self::start_in(dir, extra)
    }

    /// Start a daemon listening in `dir`.
    pub fn start_in(dir: PathBuf, extra: &[&str]) -> Daemon {
        Self::start_in_with_env(dir, extra, &[])
    }

    /// Start a daemon listening in `dir`, with `env` added to its
    /// environment.
    pub fn start_in_with_env(
        dir: PathBuf,
        extra: &[&str],
        env: &[(&str, &std::ffi::OsStr)],
    ) -> Daemon {
        let log = match std::fs::File::create(dir.join("daemon.log")) {
            Ok(f) => f,
            Err(e) => panic!("log file: {e}"),
        };
        let child = Command::new(binary())
            .arg("--listen")
            .arg(&dir)
            .args(extra)
            .env("RUST_LOG", "virt_proxy=debug")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) => panic!("cannot start virt-proxy: {e}"),
        };
        let d = Daemon {
            child: Some(child),
            dir,
            qemu_root: None,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !(UnixStream::connect(d.rw()).is_ok() && UnixStream::connect(d.ro()).is_ok()) {
            assert!(
                Instant::now() < deadline,
                "virt-proxy did not listen: {}",
                d.log()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        d
    }

    /// Start a daemon (listening in a new temp dir named for `tag`, with
    /// `extra` options) whose QEMU driver keeps everything under a temp
    /// root of its own, removed with the daemon.
    pub fn start_qemu(tag: &str, extra: &[&str]) -> Daemon {
        let root = TempDir::new(&format!("vp-{tag}-root"));
        let mut d = Self::start_in_with_env(
            temp_dir(tag),
            extra,
            &[("VIRT_QEMU_ROOT", root.path().as_os_str())],
        );
        d.qemu_root = Some(root);
        d
    }

    /// The QEMU driver's root of a daemon [`Daemon::start_qemu`] started.
    pub fn qemu_root(&self) -> &Path {
        match &self.qemu_root {
            Some(r) => r.path(),
            None => panic!(
                "daemon in {} has no QEMU root of its own",
                self.dir.display()
            ),
        }
    }

    /// `qemu+unix:///{driver_path}?socket=` this daemon's read-write
    /// socket (`driver_path` is `session` or `system`).
    pub fn qemu_uri(&self, driver_path: &str) -> String {
        format!("qemu+unix:///{driver_path}?socket={}", self.rw().display())
    }

    /// Run Debian's virsh with `args` (the last one the command line) and
    /// require success: its standard output. A failure names the command,
    /// virsh's error and this daemon's log.
    pub fn virsh(&self, args: &[&str]) -> String {
        let (out, err, ok) = virt_testkit::debian_virsh(args);
        let line = args.last().copied().unwrap_or_default();
        assert!(ok, "`{line}` failed: {err}\n{}", self.log());
        out
    }

    /// The read-write socket.
    pub fn rw(&self) -> PathBuf {
        self.dir.join("libvirt-sock")
    }

    /// The read-only socket.
    pub fn ro(&self) -> PathBuf {
        self.dir.join("libvirt-sock-ro")
    }

    /// A client URI for `driver_uri` ("test:///default") over the socket.
    pub fn uri(&self, read_only_socket: bool) -> String {
        format!(
            "test+unix:///default?socket={}",
            if read_only_socket {
                self.ro()
            } else {
                self.rw()
            }
            .display()
        )
    }

    /// The daemon's pid.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("daemon.log")).unwrap_or_default()
    }

    /// Resident memory in KiB (VmRSS).
    pub fn rss_kib(&self) -> u64 {
        status_field(self.pid(), "VmRSS:")
    }

    /// Number of threads.
    pub fn threads(&self) -> u64 {
        status_field(self.pid(), "Threads:")
    }

    /// True while the process runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.as_mut().map(Child::try_wait), Some(Ok(None)))
    }

    /// Send SIGTERM.
    pub fn terminate(&self) {
        signal(self.pid(), libc::SIGTERM);
    }

    /// Wait for the process to end (at most `limit`).
    pub fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        let child = self.child.as_mut()?;
        loop {
            if let Ok(Some(s)) = child.try_wait() {
                return Some(s);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// SIGTERM, then wait; the exit status.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        self.terminate();
        self.wait(Duration::from_secs(30))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            if matches!(c.try_wait(), Ok(None)) {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Send `sig` to process `pid`.
pub fn signal(pid: u32, sig: i32) {
    // SAFETY: kill(2) on a pid this test started; no memory is involved.
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}

/// A numeric field of /proc/PID/status (the first number after `key`).
pub fn status_field(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// A raw protocol client: one connection, calls by number.
pub struct Client {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    serial: u32,
}

impl Client {
    /// Connect to `socket`.
    pub fn connect(socket: &Path) -> Client {
        let s = match UnixStream::connect(socket) {
            Ok(s) => s,
            Err(e) => panic!("connect {}: {e}", socket.display()),
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
        let writer = match s.try_clone() {
            Ok(w) => w,
            Err(e) => panic!("dup: {e}"),
        };
        Client {
            reader: BufReader::new(s),
            writer,
            serial: 0,
        }
    }

    /// Send raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        if let Err(e) = self.writer.write_all(bytes) {
            panic!("send: {e}");
        }
    }

    /// Send a call of the remote program with `body` as its payload.
    pub fn send_call(&mut self, proc_: i32, body: &[u8]) -> u32 {
        let serial = self.serial;
        self.serial += 1;
        let bytes = packet::encode_packet(&Header::call(proc_, serial), body);
        match bytes {
            Ok(b) => self.send_raw(&b),
            Err(e) => panic!("encode: {e}"),
        }
        serial
    }

    /// The next packet from the daemon; `None` when it closed the
    /// connection.
    pub fn receive(&mut self) -> Option<(Header, Vec<u8>)> {
        packet::read_packet(&mut self.reader).ok().flatten()
    }

    /// A call and its reply.
    pub fn call(&mut self, proc_: i32, body: &[u8]) -> (Header, Vec<u8>) {
        let serial = self.send_call(proc_, body);
        match self.receive() {
            Some((h, b)) => {
                assert_eq!((h.serial, h.kind), (serial, MessageType::Reply));
                (h, b)
            }
            None => panic!("no reply to proc {proc_}"),
        }
    }

    /// A call that must succeed; its reply payload.
    pub fn ok(&mut self, proc_: i32, body: &[u8]) -> Vec<u8> {
        let (h, b) = self.call(proc_, body);
        assert_eq!(
            h.status,
            MessageStatus::Ok,
            "proc {proc_}: {}",
            error_text(&b)
        );
        b
    }

    /// True when the daemon has closed this connection (reads end).
    pub fn closed(&mut self) -> bool {
        let mut b = [0u8; 1];
        // A daemon that hangs up with bytes of ours still unread in its
        // receive queue makes the kernel report ECONNRESET to us rather
        // than end-of-file (unix_release_sock); both mean it hung up.
        match self.reader.read(&mut b) {
            Ok(0) => true,
            Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
            Ok(_) => false,
        }
    }

    /// The stream, for shutting down or dropping halfway.
    pub fn stream(&self) -> &UnixStream {
        &self.writer
    }
}

/// The message of a `remote_error` payload.
pub fn error_text(body: &[u8]) -> String {
    let mut d = virt_remote::xdr::Decoder::new(body);
    let _code = d.i32();
    let _domain = d.i32();
    match d.flag() {
        Ok(true) => d.string().unwrap_or_default(),
        _ => String::new(),
    }
}

/// The code of a `remote_error` payload.
pub fn error_code(body: &[u8]) -> i32 {
    virt_remote::xdr::Decoder::new(body).i32().unwrap_or(-1)
}

/// CONNECT_OPEN's payload: `{remote_string name; unsigned int flags}`.
pub fn open_args(uri: &str, flags: u32) -> Vec<u8> {
    let mut e = virt_remote::xdr::Encoder::new();
    e.opt_string(Some(uri)).u32(flags);
    match e.finish() {
        Ok(b) => b,
        Err(err) => panic!("encode: {err}"),
    }
}
