//! The daemon's keepalive towards its clients, as libvirtd's: a client that
//! speaks keepalive and then goes silent is hung up on after its PINGs go
//! unanswered, while one that answers (our client, Debian's virsh) stays.
//! Small `--keepalive-interval`/`--keepalive-count` values keep this quick.

mod common;

use common::{open_args, Client, Daemon};
use std::process::Command;
use std::time::{Duration, Instant};
use virt_core::Connect;
use virt_remote::packet::{
    Header, MessageType, KEEPALIVE_PROC_PING, KEEPALIVE_PROGRAM, REMOTE_PROGRAM,
};
use virt_remote::procs::session as p;
use virt_remote::server::feature;

const VIRSH: &str = "/usr/bin/virsh";
/// The daemon's log line when it hangs up on a silent client.
const DROPPED: &str = "keepalive PINGs";

fn keepalive_daemon(interval: u64, count: u32) -> Daemon {
    Daemon::start(&[
        "--keepalive-interval",
        &interval.to_string(),
        "--keepalive-count",
        &count.to_string(),
    ])
}

/// Wait up to `limit` for `text` in the daemon's log; when it appeared.
fn wait_for_log(d: &Daemon, text: &str, limit: Duration) -> Option<Instant> {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if d.log().contains(text) {
            return Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// A bystander opens the test driver and lists its domains.
fn bystander_works(d: &Daemon) {
    let mut c = Client::connect(&d.rw());
    c.ok(p::CONNECT_OPEN, &open_args("test:///default", 0));
    c.ok(p::CONNECT_GET_LIB_VERSION, &[]);
}

#[test]
fn a_silent_client_is_dropped_after_interval_times_count() {
    let (interval, count) = (1u64, 2u32);
    let d = keepalive_daemon(interval, count);
    let mut silent = Client::connect(&d.rw());
    // It asks whether keepalive is supported, as virsh does, then neither
    // reads nor writes again (but keeps its socket open).
    let reply = silent.ok(
        p::CONNECT_SUPPORTS_FEATURE,
        &feature::PROGRAM_KEEPALIVE.to_be_bytes(),
    );
    assert_eq!(reply, 1i32.to_be_bytes(), "keepalive is supported");
    let silent_since = Instant::now();
    // A client that never spoke keepalive is never pinged nor dropped.
    let mut mute = Client::connect(&d.rw());
    mute.ok(p::CONNECT_OPEN, &open_args("test:///default", 0));

    bystander_works(&d);
    let Some(dropped) = wait_for_log(&d, DROPPED, Duration::from_secs(30)) else {
        panic!("the silent client was never dropped:\n{}", d.log());
    };
    let after = dropped - silent_since;
    let ka = Duration::from_secs(interval);
    // A PING after each quiet interval, the hang-up one interval after the
    // last unanswered one: (count + 1) intervals, libvirt's schedule.
    assert!(
        after >= ka * count && after < ka * (count + 1) + Duration::from_secs(2),
        "dropped after {after:?}"
    );
    // What it finds when it reads again: the PINGs, then the end.
    let mut pings = 0;
    while let Some((h, _)) = silent.receive() {
        assert_eq!(
            (h.prog, h.proc_, h.kind),
            (KEEPALIVE_PROGRAM, KEEPALIVE_PROC_PING, MessageType::Message)
        );
        pings += 1;
    }
    assert_eq!(pings, count, "one PING per interval before the hang-up");
    assert_eq!(d.log().matches(DROPPED).count(), 1, "{}", d.log());
    // The daemon serves on, and the client that never negotiated is kept.
    bystander_works(&d);
    mute.ok(p::CONNECT_GET_LIB_VERSION, &[]);
}

#[test]
fn a_client_that_pings_is_answered_and_kept() {
    let d = keepalive_daemon(1, 2);
    let mut c = Client::connect(&d.rw());
    let ping = virt_remote::packet::encode_packet(&Header::keepalive(KEEPALIVE_PROC_PING), &[]);
    c.send_raw(&ping.unwrap_or_default());
    let Some((h, _)) = c.receive() else {
        panic!("no PONG");
    };
    assert_ne!(h.prog, REMOTE_PROGRAM);
    assert_eq!(h.proc_, virt_remote::packet::KEEPALIVE_PROC_PONG);
    // Having pinged, it is pinged in turn once quiet.
    let Some((h, _)) = c.receive() else {
        panic!("no PING from the daemon");
    };
    assert_eq!((h.prog, h.proc_), (KEEPALIVE_PROGRAM, KEEPALIVE_PROC_PING));
}

#[test]
fn our_client_answers_and_stays_across_several_intervals() {
    virt_remote::client::register();
    let d = keepalive_daemon(1, 2);
    // The client's own PINGs would keep the line busy by themselves: with
    // its interval long, only its answers to the daemon's PINGs keep it.
    let uri = format!("{}&keepalive_interval=600", d.uri(false));
    let c = match Connect::open(&uri) {
        Ok(c) => c,
        Err(e) => panic!("open {uri}: {e}"),
    };
    std::thread::sleep(Duration::from_secs(5));
    if let Err(e) = c.list_all_domains(0) {
        panic!("after 5 quiet intervals: {e}\n{}", d.log());
    }
    assert!(!d.log().contains(DROPPED), "{}", d.log());
}

#[test]
fn real_virsh_stays_connected_longer_than_an_interval() {
    if !virt_testkit::peer(
        "real_virsh_stays_connected_longer_than_an_interval",
        VIRSH,
        "libvirt-clients",
    ) {
        return;
    }
    let d = keepalive_daemon(1, 2);
    // virsh's own keepalive (5 s) is longer than the pause: what keeps it
    // connected is answering the daemon's PINGs from its event loop while
    // it waits for its next command.
    let script = format!(
        "(echo list --all; sleep 5; echo list --all) | {VIRSH} -q -c '{}'",
        d.uri(false)
    );
    let out = match Command::new("sh").args(["-c", &script]).output() {
        Ok(o) => o,
        Err(e) => panic!("sh: {e}"),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.matches("running").count() == 2,
        "{stdout}\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        d.log()
    );
    assert!(!d.log().contains(DROPPED), "{}", d.log());
}

/// `--stdio` (the far end of `DRIVER+ssh://`): a client that spoke
/// keepalive and then went silent, with its pipe still open (a dead ssh
/// peer nobody closed), ends the process instead of holding it forever.
#[test]
fn a_silent_stdio_client_ends_the_process() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new(common::binary())
        .args([
            "--stdio",
            "--keepalive-interval",
            "1",
            "--keepalive-count",
            "2",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let call = Header::call(p::CONNECT_SUPPORTS_FEATURE, 0);
    let call = match virt_remote::packet::encode_packet(
        &call,
        &feature::PROGRAM_KEEPALIVE.to_be_bytes(),
    ) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    // Kept open (never dropped) until the end of the test.
    let mut stdin = child.stdin.take();
    if let Some(s) = stdin.as_mut() {
        let _ = s.write_all(&call);
        let _ = s.flush();
    }
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() < Duration::from_secs(30) => {
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => break None,
        }
    };
    if status.is_none() {
        let _ = child.kill();
    }
    let out = child.wait_with_output();
    let stderr = out
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .unwrap_or_default();
    drop(stdin);
    let Some(status) = status else {
        panic!("virt-proxy --stdio still runs 30 s after its client went silent:\n{stderr}");
    };
    assert_eq!(status.code(), Some(0), "{stderr}");
    // interval * (count + 1) seconds, as for a socket client.
    assert!(
        start.elapsed() >= Duration::from_secs(3),
        "exited after {:?}: {stderr}",
        start.elapsed()
    );
    assert!(stderr.contains("stopped answering"), "{stderr}");
}
