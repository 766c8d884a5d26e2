//! The protocol end to end: our client against our daemon's Session over
//! a real socket, and a daemon that dies or goes silent.

#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

use std::io::Write;

mod common;
use common::*;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use virt_core::{Connect, ErrorCode};
use virt_remote::client::{CloseReason, Endpoint, Keepalive, RemoteDriver};
use virt_remote::packet::read_packet;
use virt_remote::server::Session;

#[test]
fn a_read_only_socket_refuses_over_the_wire() {
    virt_test::register();
    virt_remote::client::register();
    let (sock, _dir) = daemon(true);
    // The client asked read-write; the socket decides.
    let c = Connect::open(&uri(&sock)).unwrap();
    let mut d = c.lookup_by_name("test").unwrap();
    let e = d.destroy().unwrap_err();
    assert_eq!(e.code, ErrorCode::OperationDenied);
    assert_eq!(
        e.to_string(),
        "operation forbidden: read only access prevents virDomainDestroyFlags"
    );
    assert_eq!(d.info().unwrap().state, virt_core::DomainState::Running);
}

/// test:///default on the daemon at `sock`, read-write as far as the
/// client asks.
fn open_test(sock: PathBuf, ka: Keepalive) -> RemoteDriver {
    RemoteDriver::open_endpoint(&Endpoint::Unix(sock), "test:///default", false, ka).unwrap()
}

/// A daemon that completes the handshake, then reads and never answers.
fn silent_daemon(close_after_handshake: bool) -> (PathBuf, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let sock = dir.0.join("sock");
    let listener = UnixListener::bind(&sock).unwrap();
    std::thread::spawn(move || {
        virt_test::register();
        let (mut conn, _) = listener.accept().unwrap();
        let mut session = Session::new(false);
        let mut r = conn.try_clone().unwrap();
        let mut calls = 0;
        while let Ok(Some((h, body))) = read_packet(&mut r) {
            if h.prog != virt_remote::packet::REMOTE_PROGRAM {
                continue; // keepalive PINGs go unanswered
            }
            calls += 1;
            if calls <= 4 {
                let reply = session.handle(&h, &body).unwrap();
                conn.write_all(&reply).unwrap();
            } else if close_after_handshake {
                return;
            }
        }
    });
    (sock, dir)
}

#[test]
fn a_silent_daemon_is_dropped_by_keepalive() {
    let (sock, _dir) = silent_daemon(false);
    let ka = Keepalive {
        interval: Duration::from_millis(200),
        count: 2,
    };
    let d = open_test(sock, ka);
    let t = Instant::now();
    let e = virt_core::Driver::version(&d).unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_eq!(
        e.to_string(),
        "internal error: connection closed due to keepalive timeout"
    );
    assert_eq!(d.close_reason(), Some(CloseReason::Keepalive));
    let e = virt_core::Driver::version(&d).unwrap_err();
    assert_eq!(e.to_string(), "internal error: client socket is closed");
}

#[test]
fn a_daemon_that_vanishes_mid_call_is_reported() {
    let (sock, _dir) = silent_daemon(true);
    let d = open_test(sock, Keepalive::default());
    let e = virt_core::Driver::version(&d).unwrap_err();
    assert_eq!(e.code, ErrorCode::SystemError);
    assert_eq!(
        e.to_string(),
        "End of file while reading data: Input/output error"
    );
    assert_eq!(d.close_reason(), Some(CloseReason::Eof));
}

#[test]
fn bad_uris_and_missing_sockets() {
    virt_remote::client::register();
    let e = Connect::open("test+unix:///default?socket=/nonexistent/sock").unwrap_err();
    assert_eq!(e.code, ErrorCode::SystemError);
    assert_eq!(
        e.to_string(),
        "Failed to connect socket to '/nonexistent/sock': No such file or directory"
    );
    let e = Connect::open("test+bogus:///default").unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArg);
    // Not a stream at all: a listener that closes at once.
    let dir = tempdir::Dir::new();
    let sock = dir.0.join("sock");
    let l = UnixListener::bind(&sock).unwrap();
    std::thread::spawn(move || {
        if let Ok((mut c, _)) = l.accept() {
            let _ = read_packet(&mut c);
        }
    });
    let e = Connect::open(&uri(&sock)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "End of file while reading data: Input/output error"
    );
    let _ = UnixStream::connect(&sock);
}

/// A value of each argument type the Driver table uses, for calls whose
/// arguments do not matter (they are refused first).
trait Sample {
    fn sample() -> Self;
}

static DOMAIN: std::sync::LazyLock<virt_core::DomainRef> =
    std::sync::LazyLock::new(|| virt_core::DomainRef {
        name: "test".into(),
        uuid: virt_core::Uuid::nil(),
        id: Some(1),
    });
static CPUMAP: std::sync::LazyLock<virt_core::CpuMap> =
    std::sync::LazyLock::new(|| virt_core::CpuMap::all(1));
static UUID: virt_core::Uuid = virt_core::Uuid::nil();

impl Sample for u32 {
    fn sample() -> u32 {
        0
    }
}
impl Sample for i32 {
    fn sample() -> i32 {
        -1
    }
}
impl Sample for u64 {
    fn sample() -> u64 {
        1024
    }
}
impl Sample for bool {
    fn sample() -> bool {
        true
    }
}
impl Sample for &str {
    fn sample() -> Self {
        "/nonexistent"
    }
}
impl Sample for Option<&str> {
    fn sample() -> Self {
        None
    }
}
impl Sample for &virt_core::DomainRef {
    fn sample() -> Self {
        &DOMAIN
    }
}
static NETWORK: std::sync::LazyLock<virt_core::NetworkRef> =
    std::sync::LazyLock::new(|| virt_core::NetworkRef {
        name: "default".into(),
        uuid: virt_core::Uuid::nil(),
    });
static POOL: std::sync::LazyLock<virt_core::StoragePoolRef> =
    std::sync::LazyLock::new(|| virt_core::StoragePoolRef {
        name: "default-pool".into(),
        uuid: virt_core::Uuid::nil(),
    });
impl Sample for &virt_core::NetworkRef {
    fn sample() -> Self {
        &NETWORK
    }
}
static IFACE: std::sync::LazyLock<virt_core::InterfaceRef> =
    std::sync::LazyLock::new(|| virt_core::InterfaceRef {
        name: "eth1".into(),
        mac: "aa:bb:cc:dd:ee:ff".into(),
    });
static DEVICE: std::sync::LazyLock<virt_core::NodeDeviceRef> =
    std::sync::LazyLock::new(|| virt_core::NodeDeviceRef {
        name: "scsi_host11".into(),
    });
impl Sample for &virt_core::InterfaceRef {
    fn sample() -> Self {
        &IFACE
    }
}
impl Sample for &virt_core::NodeDeviceRef {
    fn sample() -> Self {
        &DEVICE
    }
}
impl Sample for &virt_core::StoragePoolRef {
    fn sample() -> Self {
        &POOL
    }
}
static SNAPSHOT: std::sync::LazyLock<virt_core::DomainSnapshotRef> =
    std::sync::LazyLock::new(|| virt_core::DomainSnapshotRef {
        domain: DOMAIN.clone(),
        name: "s1".into(),
    });
impl Sample for &virt_core::DomainSnapshotRef {
    fn sample() -> Self {
        &SNAPSHOT
    }
}
static CHECKPOINT: std::sync::LazyLock<virt_core::DomainCheckpointRef> =
    std::sync::LazyLock::new(|| virt_core::DomainCheckpointRef {
        domain: DOMAIN.clone(),
        name: "c1".into(),
    });
impl Sample for &virt_core::DomainCheckpointRef {
    fn sample() -> Self {
        &CHECKPOINT
    }
}
static VOL: std::sync::LazyLock<virt_core::StorageVolRef> =
    std::sync::LazyLock::new(|| virt_core::StorageVolRef {
        pool: "default-pool".into(),
        name: "v".into(),
        key: "/default-pool/v".into(),
    });
impl Sample for &virt_core::StorageVolRef {
    fn sample() -> Self {
        &VOL
    }
}
impl Sample for &virt_core::Uuid {
    fn sample() -> Self {
        &UUID
    }
}
impl Sample for &virt_core::CpuMap {
    fn sample() -> Self {
        &CPUMAP
    }
}
impl Sample for &[virt_core::TypedParam] {
    fn sample() -> Self {
        &[]
    }
}
impl Sample for &[virt_core::DomainRef] {
    fn sample() -> Self {
        &[]
    }
}

macro_rules! mutating_calls {
    ($(
        $(#[$m:meta])*
        [$api:ident, $kind:ident $(, check $check:ident)? $(, default $default:block)?]
        fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {
        /// Call every `write` entry of the table on `d`; its name, libvirt's
        /// function and what came back.
        fn call_every_mutating(d: &dyn virt_core::Driver) -> Vec<(&'static str, &'static str, virt_core::Result<()>)> {
            let mut out = Vec::new();
            $(
                if stringify!($kind) == "write" {
                    let r = d.$name($(<$ty as Sample>::sample()),*).map(drop);
                    out.push((stringify!($name), stringify!($api), r));
                }
            )*
            out
        }
    };
}
virt_core::for_each_driver_method!(mutating_calls);

/// Every mutating procedure of the table, sent by the client to a
/// read-only socket, is refused with libvirt's text and changes nothing.
#[test]
fn a_read_only_socket_refuses_every_mutating_procedure() {
    virt_test::register();
    let (sock, _dir) = daemon(true);
    let d = open_test(sock, Keepalive::default());
    let before = virt_core::Driver::list_all_domains(&d, 0).unwrap();
    let calls = call_every_mutating(&d);
    assert!(calls.len() >= 20, "{} mutating calls", calls.len());
    for (name, api, r) in calls {
        let e = r.expect_err(name);
        assert_eq!(e.code, ErrorCode::OperationDenied, "{name}: {e}");
        // The daemon names the procedure's public function; the table's
        // unless the procedure stands for another.
        let api = match name {
            "domain_define_xml" => "virDomainDefineXMLFlags",
            "network_create_xml" => "virNetworkCreateXMLFlags",
            "network_define_xml" => "virNetworkDefineXMLFlags",
            _ => api,
        };
        assert_eq!(
            e.to_string(),
            format!("operation forbidden: read only access prevents {api}"),
            "{name}"
        );
    }
    assert_eq!(virt_core::Driver::list_all_domains(&d, 0).unwrap(), before);
}

/// `DRIVER+tcp://HOST:PORT/PATH`: the same protocol over TCP.
#[test]
fn our_client_over_tcp() {
    virt_test::register();
    virt_remote::client::register();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((mut conn, _)) = listener.accept() else {
            return;
        };
        let mut session = Session::new(false);
        session.set_secure(false);
        let mut r = conn.try_clone().unwrap();
        while let Ok(Some((h, body))) = read_packet(&mut r) {
            if let Some(reply) = session.handle(&h, &body) {
                if conn.write_all(&reply).is_err() {
                    return;
                }
            }
        }
    });
    let c = Connect::open(&format!("test+tcp://127.0.0.1:{port}/default")).unwrap();
    // (Other tests of this process may have restarted "test": its id varies.)
    assert_eq!(c.lookup_by_name("test").unwrap().name(), "test");
    assert!(!c.hostname().unwrap().is_empty());
}
