//! The driver against peers that are not a well-behaved xend: HTTP
//! status codes, dead, slow and garbled peers, TCP and unframed replies,
//! many threads on one driver, and how an endpoint is found.

use super::*;

/// A peer that accepts and then does `behave` with the connection.
fn rogue_peer(
    dir: &Path,
    behave: impl Fn(std::os::unix::net::UnixStream) + Send + Sync + Clone + 'static,
) -> PathBuf {
    let path = dir.join(format!("rogue-{}", Uuid::new_v4()));
    let listener = UnixListener::bind(&path).expect("bind");
    std::thread::spawn(move || {
        for c in listener.incoming().flatten() {
            let behave = behave.clone();
            std::thread::spawn(move || behave(c));
        }
    });
    path
}

/// A peer that reads the request and answers `reply`.
fn canned(dir: &Path, reply: &'static [u8]) -> XendEndpoint {
    XendEndpoint::Unix(rogue_peer(dir, move |mut c| {
        let mut buf = [0u8; 4096];
        let _ = c.read(&mut buf);
        let _ = c.write_all(reply);
    }))
}

#[test]
fn status_codes_map_as_libvirt_did() {
    use virt_xend::http::XendClient;
    let fake = FakeXend::start().expect("fake (for its temp dir)");
    let dir = fake.dir();
    let err = |e: virt_xend::XendError| virt_core::Error::from(e);
    let ok = XendClient::new(canned(
        dir,
        b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
    ));
    assert_eq!(ok.get("/xend/node/").expect("201"), b"ok");
    assert_eq!(
        ok.post("/xend/domain/x", &[("op", "pause")]).expect("201"),
        b"ok"
    );

    // 2xx with "failed" (or xend.err) in a POST body is a failure.
    let c = XendClient::new(canned(
        dir,
        b"HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\nsave failed: io",
    ));
    let e = err(c
        .post("/xend/domain/x", &[("op", "save")])
        .expect_err("failed"));
    assert_eq!(e.code, ErrorCode::PostFailed);
    assert_eq!(
        e.message,
        "POST operation failed: xend_post: error from xen daemon: save failed: io"
    );
    // ... but not in a GET body.
    assert!(c.get("/xend/node/dmesg").is_ok());

    // 404: "no domain" under /xend/domain/, a failed GET elsewhere.
    let c = XendClient::new(canned(
        dir,
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    ));
    let e = err(c.get("/xend/domain/x?detail=1").expect_err("404"));
    assert_eq!(e.code, ErrorCode::NoDomain);
    let e = err(c.get("/xend/node/").expect_err("404"));
    assert_eq!(e.code, ErrorCode::GetFailed);
    assert_eq!(
        e.message,
        "GET operation failed: 404 status from xen daemon: /xend/node/:"
    );

    // 500: xend failed; the body says why.
    let c = XendClient::new(canned(
        dir,
        b"HTTP/1.1 500 Internal Server Error\r\n\r\n(xend.err 'boom')",
    ));
    let e = err(c.get("/xend/domain/x?detail=1").expect_err("500"));
    assert_eq!(e.code, ErrorCode::GetFailed);
    assert!(e.message.ends_with("(xend.err 'boom')"), "{}", e.message);
    let e = err(c
        .post("/xend/domain/x", &[("op", "pause")])
        .expect_err("500"));
    assert_eq!(e.code, ErrorCode::PostFailed);
    assert_eq!(e.domain, virt_core::ErrorDomain::Xend);

    // Codes xend never used.
    let c = XendClient::new(canned(
        dir,
        b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
    ));
    assert_eq!(
        err(c.get("/xend/node/").expect_err("204")).code,
        ErrorCode::HttpError
    );
    assert_eq!(
        err(c.post("/xend/domain/", &[("op", "new")]).expect_err("204")).code,
        ErrorCode::HttpError
    );
}

#[test]
fn many_threads_share_one_driver() {
    let (fake, drv) = setup();
    let names: Vec<String> = (0..4).map(|i| format!("g{i}")).collect();
    for n in &names {
        running(&fake, &drv, n);
    }
    let drv = std::sync::Arc::new(drv);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let drv = drv.clone();
            let names = names.clone();
            std::thread::spawn(move || {
                for i in 0..20 {
                    let name = &names[(t + i) % names.len()];
                    let r = drv.domain_lookup_by_name(name).expect("lookup");
                    assert_eq!(drv.domain_get_info(&r).expect("info").nr_virt_cpu, 2);
                    if i % 5 == 0 {
                        drv.domain_suspend(&r).expect("pause");
                        drv.domain_resume(&r).expect("unpause");
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    assert_eq!(drv.num_of_domains().expect("n"), 5);
    for n in &names {
        assert_eq!(fake.domain(n).expect("d").state, FakeState::Running);
    }
}

/// Opening a connection to the peer at `socket` fails within the
/// deadline `t` (well before the peer gives up) with a timeout.
fn assert_times_out(socket: PathBuf, t: Duration) {
    let start = Instant::now();
    let e = XendDriver::open_with_timeout(&XendEndpoint::Unix(socket), false, t)
        .expect_err("times out");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(e.code, ErrorCode::OperationTimeout, "{}", e.message);
}

#[test]
fn dead_slow_and_garbled_peers_give_errors() {
    let fake = FakeXend::start().expect("fake (for its temp dir)");
    let dir = fake.dir().to_path_buf();
    let t = Duration::from_millis(400);

    // Accepts and never answers.
    let silent = rogue_peer(&dir, |c| {
        std::thread::sleep(Duration::from_secs(5));
        drop(c);
    });
    assert_times_out(silent, t);

    // Trickles one byte at a time, forever: the deadline still holds.
    let trickle = rogue_peer(&dir, |mut c| {
        let mut buf = [0u8; 512];
        let _ = c.read(&mut buf);
        let _ = c.write_all(b"HTTP/1.1 200 OK\r\n");
        for _ in 0..100 {
            if c.write_all(b"X").is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    assert_times_out(trickle, t);

    // Hangs up at once.
    let hangup = rogue_peer(&dir, drop);
    let e =
        XendDriver::open_with_timeout(&XendEndpoint::Unix(hangup), false, t).expect_err("hangup");
    // A reset while writing or an empty reply, depending on timing.
    assert!(
        matches!(e.code, ErrorCode::SystemError | ErrorCode::InternalError),
        "{}",
        e.message
    );

    // Speaks something else.
    let garbled = rogue_peer(&dir, |mut c| {
        let mut buf = [0u8; 512];
        let _ = c.read(&mut buf);
        let _ = c.write_all(b"SSH-2.0-OpenSSH\r\n");
    });
    let e =
        XendDriver::open_with_timeout(&XendEndpoint::Unix(garbled), false, t).expect_err("garbled");
    assert_eq!(e.code, ErrorCode::InternalError, "{}", e.message);

    // Claims an enormous body.
    let huge = rogue_peer(&dir, |mut c| {
        let mut buf = [0u8; 512];
        let _ = c.read(&mut buf);
        let _ = c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n(node)");
    });
    let e = XendDriver::open_with_timeout(&XendEndpoint::Unix(huge), false, t).expect_err("huge");
    assert_eq!(e.code, ErrorCode::InternalError, "{}", e.message);

    // An unknown status code.
    let teapot = rogue_peer(&dir, |mut c| {
        let mut buf = [0u8; 512];
        let _ = c.read(&mut buf);
        let _ = c.write_all(b"HTTP/1.1 203 Odd\r\nContent-Length: 0\r\n\r\n");
    });
    let e = XendDriver::open_with_timeout(&XendEndpoint::Unix(teapot), false, t).expect_err("203");
    assert_eq!(e.code, ErrorCode::HttpError);
    assert_eq!(e.message, "got unknown HTTP error code 203");

    // Nobody there.
    let e = XendDriver::open(&XendEndpoint::Unix(dir.join("nothing")), false).expect_err("absent");
    assert_eq!(e.code, ErrorCode::SystemError);
    assert_eq!(e.domain, virt_core::ErrorDomain::Xend);
}

#[test]
fn tcp_path_and_unframed_replies() {
    let fake = FakeXend::start_with_tcp().expect("fake with tcp");
    let tcp = fake.tcp_endpoint().expect("tcp endpoint");
    assert!(matches!(tcp, XendEndpoint::Tcp { .. }));
    let drv = XendDriver::open(&tcp, false).expect("opens over tcp");
    assert_eq!(drv.endpoint(), &tcp);
    let r = running(&fake, &drv, "overtcp");
    drv.domain_suspend(&r).expect("suspend over tcp");
    assert_eq!(fake.domain("overtcp").expect("d").state, FakeState::Paused);
    // Replies without Content-Length are read to the end of the stream.
    fake.set_framing(Framing::ToClose);
    assert_eq!(drv.domain_lookup_by_name("overtcp").expect("lookup"), r);
    drv.domain_resume(&r).expect("resume");
    let unix = XendDriver::open(&fake.endpoint(), false).expect("unix too");
    assert_eq!(
        unix.domain_get_state(&r, 0).expect("state").0,
        DomainState::Running
    );
    // Both transports sent identical bytes for the same request.
    let reqs = fake.requests();
    let gets: Vec<&Vec<u8>> = reqs
        .iter()
        .filter(|r| r.as_slice() == get_request("/xend/node/").as_slice())
        .collect();
    assert_eq!(gets.len(), 2);
}

#[test]
fn through_virt_core_connect() {
    let fake = FakeXend::start().expect("fake");
    let drv = XendDriver::open(&fake.endpoint(), false).expect("opens");
    let uri = virt_core::Uri::parse("xen:///").expect("uri");
    let conn = virt_core::Connect::from_driver(Box::new(drv), uri, false);
    let mut dom = conn
        .create_xml(&pv_xml("viaconn", UUID), 0)
        .expect("create");
    assert_eq!(
        conn.lookup_by_name("viaconn").expect("lookup").id(),
        dom.id()
    );
    dom.suspend().expect("suspend");
    assert_eq!(dom.state().expect("state").0, DomainState::Paused);
    dom.destroy().expect("destroy");
    assert!(conn.lookup_by_name("viaconn").is_err());
    assert_eq!(conn.list_domains().expect("ids"), vec![0]);

    // Read-only: refused in the core and in the driver alike.
    let ro_drv = XendDriver::open(&fake.endpoint(), true).expect("ro");
    let ro = virt_core::Connect::from_driver(
        Box::new(ro_drv),
        virt_core::Uri::parse("xen:///").expect("uri"),
        true,
    );
    fake.clear_requests();
    assert!(ro.create_xml(&pv_xml("x", UUID), 0).is_err());
    assert_eq!(fake.post_count(), 0);
}

#[test]
fn endpoint_candidates_honour_the_environment() {
    // Only this test touches VIRT_XEND.
    std::env::set_var("VIRT_XEND", "http://127.0.0.1:8123");
    assert_eq!(
        XendEndpoint::candidates(),
        vec![XendEndpoint::Tcp {
            host: "127.0.0.1".into(),
            port: 8123
        }]
    );
    std::env::set_var("VIRT_XEND", "/run/x.sock");
    assert_eq!(
        XendEndpoint::candidates(),
        vec![XendEndpoint::Unix("/run/x.sock".into())]
    );
    std::env::remove_var("VIRT_XEND");
    assert_eq!(
        XendEndpoint::candidates(),
        vec![
            XendEndpoint::Unix("/var/lib/xend/xend-socket".into()),
            XendEndpoint::Tcp {
                host: "localhost".into(),
                port: 8000
            }
        ]
    );
}
