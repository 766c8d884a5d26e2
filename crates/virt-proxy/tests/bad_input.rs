//! Bad packets and heavy load hurt nobody: truncated, oversized and
//! undersized packets, wrong program, version and type, unknown
//! procedures, garbage after a valid header, clients vanishing mid-call,
//! and 1,000 clients at once. Through all of it the daemon stays up, a
//! bystander client keeps its connection and its answers, and the memory
//! goes back near idle afterwards.

mod common;

use common::{Client, Daemon};
use std::io::Write;
use std::time::{Duration, Instant};
use virt_remote::packet::{self, Header, MessageStatus, MessageType};

const CONNECT_OPEN: i32 = 1;
const CONNECT_GET_TYPE: i32 = 3;
const DOMAIN_GET_INFO: i32 = 16;
const DOMAIN_LOOKUP_BY_NAME: i32 = 23;
const AUTH_LIST: i32 = 66;
const CONNECT_GET_HOSTNAME: i32 = 59;
/// Far above any procedure libvirt 9.0 has (443).
const UNKNOWN_PROC: i32 = 100_000;
/// libvirt's error code for RPC errors.
const VIR_ERR_RPC: i32 = 39;

fn encode(h: &Header, body: &[u8]) -> Vec<u8> {
    match packet::encode_packet(h, body) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    }
}

fn name_arg(name: &str) -> Vec<u8> {
    let mut e = virt_remote::xdr::Encoder::new();
    e.string(name);
    match e.finish() {
        Ok(b) => b,
        Err(err) => panic!("{err}"),
    }
}

/// A client that opened test:///default and looked up its domain; `check`
/// asks it again and must always get the same answer.
struct Bystander {
    c: Client,
    dom: Vec<u8>,
    info: Vec<u8>,
}

impl Bystander {
    fn new(d: &Daemon) -> Bystander {
        let mut c = Client::connect(&d.rw());
        c.ok(CONNECT_OPEN, &common::open_args("test:///default", 0));
        let dom = c.ok(DOMAIN_LOOKUP_BY_NAME, &name_arg("test"));
        let info = c.ok(DOMAIN_GET_INFO, &dom);
        Bystander { c, dom, info }
    }

    fn check(&mut self, when: &str) {
        let dom = self.dom.clone();
        let (h, info) = self.c.call(DOMAIN_GET_INFO, &dom);
        assert_eq!(
            h.status,
            MessageStatus::Ok,
            "{when}: {}",
            common::error_text(&info)
        );
        // cpuTime (the last 8 bytes) moves with the clock; the rest must not.
        let n = info.len().saturating_sub(8);
        assert_eq!(
            info[..n],
            self.info[..n],
            "{when}: the bystander's answer changed"
        );
    }
}

#[test]
fn malformed_packets_end_only_their_connection() {
    let mut d = Daemon::start(&[]);
    let mut by = Bystander::new(&d);

    // Unknown procedure: an error reply, and the connection goes on.
    let mut c = Client::connect(&d.rw());
    c.ok(CONNECT_OPEN, &common::open_args("test:///default", 0));
    let (h, body) = c.call(UNKNOWN_PROC, &[]);
    assert_eq!(h.status, MessageStatus::Error);
    assert_eq!(
        common::error_code(&body),
        VIR_ERR_RPC,
        "{}",
        common::error_text(&body)
    );
    c.ok(AUTH_LIST, &[]);

    // Wrong program and wrong version: error replies, connection kept.
    for (prog, vers) in [(0x1234_5678, 1), (packet::REMOTE_PROGRAM, 99)] {
        let h = Header {
            prog,
            vers,
            ..Header::call(CONNECT_GET_TYPE, 40)
        };
        c.send_raw(&encode(&h, &[]));
        match c.receive() {
            Some((r, body)) => {
                assert_eq!((r.serial, r.status), (40, MessageStatus::Error));
                assert_eq!(common::error_code(&body), VIR_ERR_RPC);
            }
            None => panic!("prog {prog:#x} vers {vers}: connection dropped"),
        }
        c.ok(AUTH_LIST, &[]);
    }

    // Garbage after a valid header: the arguments do not decode; an error
    // reply, connection kept.
    c.send_raw(&encode(&Header::call(CONNECT_OPEN, 50), &[0xff; 64]));
    match c.receive() {
        Some((r, body)) => {
            assert_eq!((r.serial, r.status), (50, MessageStatus::Error));
            assert!(!common::error_text(&body).is_empty());
        }
        None => panic!("garbage arguments dropped the connection"),
    }
    c.ok(AUTH_LIST, &[]);

    // Message types a client never sends (a REPLY, a STREAM packet): no
    // answer, as libvirt's, and the connection goes on.
    for kind in [MessageType::Reply, MessageType::Stream] {
        let odd = Header {
            kind,
            ..Header::call(AUTH_LIST, 60)
        };
        c.send_raw(&encode(&odd, &[1, 2, 3, 4]));
        let (h, _) = c.call(AUTH_LIST, &[]);
        assert_eq!(h.status, MessageStatus::Ok, "after a {kind:?}");
    }

    // Length words below the header, and over 32 MiB: the connection is
    // closed before anything of that size is allocated.
    let rss_before = d.rss_kib();
    for len in [0u32, 4, 27, packet::MESSAGE_MAX + 1, u32::MAX] {
        let mut bad = Client::connect(&d.rw());
        bad.send_raw(&len.to_be_bytes());
        // The daemon may hang up on the length word alone, before this.
        let _ = bad.stream().write_all(&Header::call(AUTH_LIST, 1).encode());
        assert!(bad.closed(), "length {len}: connection kept");
    }
    assert!(
        d.rss_kib() < rss_before + 8 * 1024,
        "RSS grew from {rss_before} to {} KiB",
        d.rss_kib()
    );

    // Truncated: a length that promises more than ever comes, then EOF.
    let mut t = Client::connect(&d.rw());
    let whole = encode(&Header::call(CONNECT_GET_HOSTNAME, 1), &[0; 16]);
    t.send_raw(&whole[..whole.len() - 5]);
    let _ = t.stream().shutdown(std::net::Shutdown::Write);
    assert!(t.closed());

    by.check("after the malformed packets");
    assert!(d.alive());
    // The kept connection still works.
    c.ok(AUTH_LIST, &[]);
    assert_eq!(d.stop().and_then(|s| s.code()), Some(0), "{}", d.log());
}

#[test]
fn clients_vanishing_mid_call_disturb_nobody() {
    let mut d = Daemon::start(&[]);
    let mut by = Bystander::new(&d);
    for i in 0..50 {
        let mut c = Client::connect(&d.rw());
        c.ok(CONNECT_OPEN, &common::open_args("test:///default", 0));
        let call = encode(&Header::call(DOMAIN_LOOKUP_BY_NAME, 9), &name_arg("test"));
        if i % 2 == 0 {
            // Half a call, then gone.
            c.send_raw(&call[..call.len() / 2]);
        } else {
            // A whole call, gone before the reply.
            c.send_raw(&call);
        }
        drop(c);
    }
    // Gone with a large reply still being written.
    for _ in 0..5 {
        let mut c = Client::connect(&d.rw());
        c.ok(CONNECT_OPEN, &common::open_args("test:///default", 0));
        let _ = c.send_call(7, &[]); // CONNECT_GET_CAPABILITIES
        let _ = c.stream().shutdown(std::net::Shutdown::Both);
    }
    by.check("after the vanished clients");
    // Their threads are gone too.
    wait_for_threads(&d, 2);
    assert!(d.alive());
    assert_eq!(d.stop().and_then(|s| s.code()), Some(0), "{}", d.log());
}

/// Wait until the daemon runs at most `n` threads (main + clients).
fn wait_for_threads(d: &Daemon, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while d.threads() > n {
        assert!(
            Instant::now() < deadline,
            "{} threads left, want <= {n}",
            d.threads()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_thousand_concurrent_clients() {
    const CLIENTS: usize = 1000;
    const WORKERS: usize = 20;
    raise_fd_limit(CLIENTS as u64 * 2 + 100);
    let mut d = Daemon::start(&[]);
    let mut by = Bystander::new(&d);
    let idle_rss = d.rss_kib();
    for round in 0..2 {
        // Every client connects and opens first; only when all 1,000 are
        // connected at once do they call, then leave.
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(WORKERS));
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                let (sock, barrier) = (d.rw(), barrier.clone());
                std::thread::spawn(move || {
                    let mut mine: Vec<Client> = (0..CLIENTS / WORKERS)
                        .map(|_| {
                            let mut c = Client::connect(&sock);
                            c.ok(AUTH_LIST, &[]);
                            c.ok(CONNECT_OPEN, &common::open_args("test:///default", 0));
                            c
                        })
                        .collect();
                    barrier.wait();
                    for c in &mut mine {
                        let dom = c.ok(DOMAIN_LOOKUP_BY_NAME, &name_arg("test"));
                        c.ok(DOMAIN_GET_INFO, &dom);
                    }
                    mine.len()
                })
            })
            .collect();
        let served: usize = workers.into_iter().map(|w| w.join().unwrap_or(0)).sum();
        assert_eq!(served, CLIENTS, "round {round}");
        by.check("after 1,000 clients");
    }
    wait_for_threads(&d, 2);
    // The daemon gives its memory back once the clients are gone.
    let after = d.rss_kib();
    println!("daemon RSS: idle {idle_rss} KiB, after 2 x {CLIENTS} clients {after} KiB");
    assert!(
        after <= idle_rss * 2,
        "RSS idle {idle_rss} KiB, after the clients {after} KiB"
    );
    assert!(d.alive());
    assert_eq!(d.stop().and_then(|s| s.code()), Some(0), "{}", d.log());
}

/// Raise this test process's open-files limit to at least `want` (within
/// the hard limit).
fn raise_fd_limit(want: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write the local `lim`.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < want {
            lim.rlim_cur = want.min(lim.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}
