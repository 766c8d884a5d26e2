//! The daemon's life: its sockets and their permissions, the pid file,
//! SIGTERM (calls in flight finish, then it exits), the idle timeout,
//! a second daemon on the same sockets, and `--stdio`.

mod common;

use common::{Client, Daemon};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use virt_remote::packet::{self, Header, MessageStatus};

const AUTH_LIST: i32 = 66;
const CONNECT_OPEN: i32 = 1;
const CONNECT_CLOSE: i32 = 2;
const CONNECT_GET_TYPE: i32 = 3;
const CONNECT_GET_CAPABILITIES: i32 = 7;

#[test]
fn sockets_pid_file_and_sigterm() {
    let dir = common::temp_dir("life");
    let pid_file = dir.join("virt-proxy.pid");
    let pid_arg = pid_file.display().to_string();
    let mut d = Daemon::start_in(dir, &["--pid-file", &pid_arg]);
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    };
    assert_eq!(mode(&d.rw()), 0o700);
    assert_eq!(mode(&d.ro()), 0o777);
    assert_eq!(
        std::fs::read_to_string(&pid_file).ok(),
        Some(format!("{}\n", d.pid()))
    );
    // A second daemon on the same directory refuses, and the first goes on.
    let second = Command::new(common::binary())
        .arg("--listen")
        .arg(&d.dir)
        .stderr(Stdio::piped())
        .output();
    let second = match second {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(second.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("another daemon already answers on"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let mut c = Client::connect(&d.rw());
    c.ok(AUTH_LIST, &[]);
    // The peer's uid and pid are logged per connection.
    let log = d.log();
    let me = format!(
        "uid={} ",
        std::fs::metadata("/proc/self")
            .map(|m| {
                use std::os::unix::fs::MetadataExt;
                m.uid()
            })
            .unwrap_or(0)
    );
    assert!(
        log.contains(&me) && log.contains(&format!("pid={}", std::process::id())),
        "{log}"
    );
    // CONNECT_CLOSE is answered, then the daemon hangs up (as libvirtd).
    c.ok(CONNECT_OPEN, &common::open_args("test:///default", 0));
    c.ok(CONNECT_CLOSE, &[]);
    assert!(c.closed());
    let status = d.stop();
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", d.log());
    assert!(!d.rw().exists() && !d.ro().exists() && !pid_file.exists());
}

#[test]
fn sigterm_lets_the_calls_in_flight_finish() {
    let mut d = Daemon::start(&[]);
    let mut idle = Client::connect(&d.rw());
    idle.ok(AUTH_LIST, &[]);
    let mut busy = Client::connect(&d.rw());
    busy.ok(CONNECT_OPEN, &common::open_args("test:///default", 0));
    // A burst of whole calls is on its way when the daemon is asked to
    // stop: every one of them is answered, then the connection ends.
    const CALLS: u32 = 300;
    let mut burst = Vec::new();
    for serial in 100..100 + CALLS {
        match packet::encode_packet(&Header::call(CONNECT_GET_CAPABILITIES, serial), &[]) {
            Ok(b) => burst.extend(b),
            Err(e) => panic!("{e}"),
        }
    }
    busy.send_raw(&burst);
    d.terminate();
    for serial in 100..100 + CALLS {
        let (h, body) = match busy.receive() {
            Some(r) => r,
            None => panic!("call {serial} got no reply: {}", d.log()),
        };
        assert_eq!((h.serial, h.status), (serial, MessageStatus::Ok));
        let mut dec = virt_remote::xdr::Decoder::new(&body);
        assert!(dec
            .string()
            .is_ok_and(|caps| caps.contains("<capabilities>")));
    }
    // No new clients once stopping; the connections end and it exits.
    assert!(busy.closed() && idle.closed());
    assert!(!d.rw().exists());
    let status = d.wait(Duration::from_secs(30));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", d.log());
}

#[test]
fn idle_timeout_exits_only_without_clients() {
    let mut d = Daemon::start(&["--timeout", "1"]);
    let mut c = Client::connect(&d.rw());
    c.ok(AUTH_LIST, &[]);
    std::thread::sleep(Duration::from_millis(1600));
    assert!(d.alive(), "exited with a client connected");
    c.ok(AUTH_LIST, &[]);
    drop(c);
    let t = Instant::now();
    let status = d.wait(Duration::from_secs(10));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", d.log());
    assert!(
        t.elapsed() >= Duration::from_millis(800),
        "{:?}",
        t.elapsed()
    );
    assert!(d.log().contains("no client and no guest for 1 s: exiting"));
}

#[test]
fn stdio_serves_one_client() {
    let child = Command::new(common::binary())
        .arg("--stdio")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let mut calls = Vec::new();
    for (serial, (proc_, body)) in [
        (AUTH_LIST, Vec::new()),
        (CONNECT_OPEN, common::open_args("test:///default", 0)),
        (CONNECT_GET_TYPE, Vec::new()),
    ]
    .into_iter()
    .enumerate()
    {
        match packet::encode_packet(&Header::call(proc_, serial as u32), &body) {
            Ok(b) => calls.extend(b),
            Err(e) => panic!("{e}"),
        }
    }
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(&calls);
        // stdin closes here: one client, then the daemon exits.
    }
    let mut out = Vec::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read_to_end(&mut out);
    }
    assert_eq!(child.wait().ok().and_then(|s| s.code()), Some(0));
    let mut rd = &out[..];
    let mut replies = Vec::new();
    while let Ok(Some((h, body))) = packet::read_packet(&mut rd) {
        assert_eq!(h.status, MessageStatus::Ok, "{}", common::error_text(&body));
        replies.push((h.serial, body));
    }
    assert_eq!(replies.len(), 3);
    let mut dec = virt_remote::xdr::Decoder::new(&replies[2].1);
    assert_eq!(dec.string().ok().as_deref(), Some("TEST"));
}
