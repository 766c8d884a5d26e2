//! The client against the fake: every operation, watches, transactions,
//! several client threads, and Debian's xenstore-utils against the fake.

use std::io::{Read, Write};
use std::process::Command;

use super::*;
use crate::client::{Tx, WatchEvent};
use crate::XsError;

fn ev(path: &str, token: &str) -> WatchEvent {
    WatchEvent {
        path: path.into(),
        token: token.into(),
    }
}

fn errno_of<T: std::fmt::Debug>(r: Result<T>) -> Errno {
    match r {
        Err(XsError::Daemon { errno, .. }) => errno,
        other => panic!("expected a daemon error, got {other:?}"),
    }
}

#[test]
fn read_write_mkdir_rm_directory() {
    let fake = FakeXenstored::start().unwrap();
    let mut c = fake.connect().unwrap();
    c.write(Tx::NONE, "/a/b/c", b"hello").unwrap();
    assert_eq!(c.read(Tx::NONE, "/a/b/c").unwrap(), b"hello");
    // Parents are created empty.
    assert_eq!(c.read(Tx::NONE, "/a/b").unwrap(), b"");
    // Binary values survive.
    c.write(Tx::NONE, "/a/bin", &[0, 1, 255, 0]).unwrap();
    assert_eq!(c.read(Tx::NONE, "/a/bin").unwrap(), [0, 1, 255, 0]);
    c.mkdir(Tx::NONE, "/a/empty").unwrap();
    c.mkdir(Tx::NONE, "/a/empty").unwrap();
    assert_eq!(c.directory(Tx::NONE, "/a").unwrap(), ["b", "bin", "empty"]);
    assert_eq!(c.directory(Tx::NONE, "/").unwrap(), ["a", "tool"]);
    assert!(c.directory(Tx::NONE, "/a/empty").unwrap().is_empty());
    assert_eq!(c.try_read(Tx::NONE, "/nope").unwrap(), None);
    assert_eq!(errno_of(c.read(Tx::NONE, "/nope")), Errno::NotFound);
    assert_eq!(errno_of(c.directory(Tx::NONE, "/nope")), Errno::NotFound);
    // A sibling sorting between "/a" and "/a/..." survives removing "/a".
    c.write(Tx::NONE, "/a-b", b"keep").unwrap();
    c.rm(Tx::NONE, "/a/b").unwrap();
    assert_eq!(errno_of(c.read(Tx::NONE, "/a/b/c")), Errno::NotFound);
    // Removing an absent child of an existing node succeeds; deeper does not.
    c.rm(Tx::NONE, "/a/b").unwrap();
    assert_eq!(errno_of(c.rm(Tx::NONE, "/x/y")), Errno::NotFound);
    assert_eq!(errno_of(c.rm(Tx::NONE, "/")), Errno::InvalidArgument);
    c.rm(Tx::NONE, "/a").unwrap();
    assert_eq!(c.read(Tx::NONE, "/a-b").unwrap(), b"keep");
    // Relative paths live under the connection's home.
    c.write(Tx::NONE, "rel/x", b"1").unwrap();
    assert_eq!(c.read(Tx::NONE, "/local/domain/0/rel/x").unwrap(), b"1");
    assert_eq!(c.get_domain_path(7).unwrap(), "/local/domain/7");
    // Bad paths.
    for bad in ["/a//b", "/a/", "/a b", "/ä", ""] {
        assert_eq!(
            errno_of(c.read(Tx::NONE, bad)),
            Errno::InvalidArgument,
            "{bad:?}"
        );
    }
    assert!(matches!(
        c.read(Tx::NONE, "/a\0b"),
        Err(XsError::NulInArgument(_))
    ));
}

#[test]
fn long_directories_come_in_parts() {
    let fake = FakeXenstored::start().unwrap();
    let mut c = fake.connect().unwrap();
    let names: Vec<String> = (0..400).map(|i| format!("child-number-{i:04}")).collect();
    c.transact(3, |c, tx| {
        for n in &names {
            c.mkdir(tx, &format!("/big/{n}"))?;
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(
        errno_of(c.request(
            Tx::NONE,
            &Request::Directory {
                path: "/big".into()
            }
        )),
        Errno::TooBig
    );
    assert_eq!(c.directory(Tx::NONE, "/big").unwrap(), names);
    assert_eq!(
        errno_of(c.request(
            Tx::NONE,
            &Request::DirectoryPart {
                path: "/big".into(),
                offset: 3
            }
        )),
        Errno::InvalidArgument
    );
}

#[test]
fn permissions() {
    let fake = FakeXenstored::start().unwrap();
    let mut c = fake.connect().unwrap();
    c.write(Tx::NONE, "/local/domain/5/data", b"").unwrap();
    c.set_perms(
        Tx::NONE,
        "/local/domain/5",
        &[
            Permission::new(Access::None, 0),
            Permission::new(Access::Read, 5),
        ],
    )
    .unwrap();
    c.set_perms(
        Tx::NONE,
        "/local/domain/5/data",
        &[Permission::new(Access::None, 5)],
    )
    .unwrap();
    assert_eq!(
        c.get_perms(Tx::NONE, "/local/domain/5").unwrap(),
        [
            Permission::new(Access::None, 0),
            Permission::new(Access::Read, 5)
        ]
    );
    assert_eq!(
        c.get_perms(Tx::NONE, "/").unwrap(),
        [Permission::new(Access::None, 0)]
    );

    let mut g5 = fake.connect_as_domain(5).unwrap();
    let mut g6 = fake.connect_as_domain(6).unwrap();
    assert_eq!(g5.read(Tx::NONE, "/local/domain/5").unwrap(), b"");
    // Domain 5 may read its home but not write it; it owns data/.
    assert_eq!(
        errno_of(g5.write(Tx::NONE, "/local/domain/5/x", b"1")),
        Errno::AccessDenied
    );
    g5.write(Tx::NONE, "data/x", b"1").unwrap();
    // What it creates it owns, with the parent's other entries.
    assert_eq!(
        c.get_perms(Tx::NONE, "/local/domain/5/data/x").unwrap(),
        [Permission::new(Access::None, 5)]
    );
    assert_eq!(
        errno_of(g6.read(Tx::NONE, "/local/domain/5")),
        Errno::AccessDenied
    );
    // An unreadable parent hides whether a child exists.
    assert_eq!(
        errno_of(g6.read(Tx::NONE, "/local/domain/5/data/nope")),
        Errno::AccessDenied
    );
    assert_eq!(
        errno_of(g5.read(Tx::NONE, "/local/domain/5/data/nope")),
        Errno::NotFound
    );
    // Grant 6 read access on data/x; 5 may, as its owner, but may not give
    // it away.
    g5.set_perms(
        Tx::NONE,
        "data/x",
        &[
            Permission::new(Access::None, 5),
            Permission::new(Access::Read, 6),
        ],
    )
    .unwrap();
    assert_eq!(g6.read(Tx::NONE, "/local/domain/5/data/x").unwrap(), b"1");
    assert_eq!(
        errno_of(g5.set_perms(Tx::NONE, "data/x", &[Permission::new(Access::None, 6)])),
        Errno::NotPermitted
    );
    // Privileged operations are dom0's.
    assert_eq!(errno_of(g5.introduce(9, 1, 1)), Errno::AccessDenied);
    assert_eq!(errno_of(g5.control(&["print", "x"])), Errno::AccessDenied);
    assert_eq!(g5.get_domain_path(5).unwrap(), "/local/domain/5");
}

#[test]
fn read_only_socket_refuses_changes() {
    let fake = FakeXenstored::start().unwrap();
    fake.write("/x", "1").unwrap();
    let mut ro = fake.connect_read_only().unwrap();
    assert_eq!(ro.read(Tx::NONE, "/x").unwrap(), b"1");
    assert_eq!(errno_of(ro.write(Tx::NONE, "/x", b"2")), Errno::ReadOnly);
    assert_eq!(errno_of(ro.mkdir(Tx::NONE, "/y")), Errno::ReadOnly);
    assert_eq!(errno_of(ro.rm(Tx::NONE, "/x")), Errno::ReadOnly);
    assert_eq!(
        errno_of(ro.set_perms(Tx::NONE, "/x", &[Permission::new(Access::Read, 0)])),
        Errno::ReadOnly
    );
    // Watches are reads.
    ro.watch("/x", "t").unwrap();
    assert_eq!(ro.next_event().unwrap(), ev("/x", "t"));
    assert_eq!(fake.read("/x").as_deref(), Some(&b"1"[..]));
}

#[test]
fn watches_fire_and_queue_apart_from_replies() {
    let fake = FakeXenstored::start().unwrap();
    let mut c = fake.connect().unwrap();
    let mut other = fake.connect().unwrap();
    c.watch("/w", "tok").unwrap();
    assert_eq!(c.next_event().unwrap(), ev("/w", "tok"), "first firing");
    assert_eq!(errno_of(c.watch("/w", "tok")), Errno::Exists);
    c.watch("/w", "tok2").unwrap();
    assert_eq!(c.next_event().unwrap(), ev("/w", "tok2"));
    c.unwatch("/w", "tok2").unwrap();
    assert_eq!(errno_of(c.unwatch("/w", "tok2")), Errno::NotFound);

    // Our own write: the event is produced before the reply and queued.
    c.write(Tx::NONE, "/w/a", b"1").unwrap();
    assert_eq!(c.pending_events(), 1);
    assert_eq!(c.take_event(), Some(ev("/w/a", "tok")));
    // Another connection's changes, below and at the path.
    other.write(Tx::NONE, "/w/a/b", b"2").unwrap();
    assert_eq!(c.next_event().unwrap(), ev("/w/a/b", "tok"));
    other.write(Tx::NONE, "/elsewhere", b"2").unwrap();
    other
        .set_perms(Tx::NONE, "/w/a", &[Permission::new(Access::Read, 0)])
        .unwrap();
    assert_eq!(c.next_event().unwrap(), ev("/w/a", "tok"));
    // Removing an ancestor fires the watch with its own path.
    c.watch("/w/a/b", "deep").unwrap();
    assert_eq!(c.next_event().unwrap(), ev("/w/a/b", "deep"));
    other.rm(Tx::NONE, "/w").unwrap();
    let mut got = vec![c.next_event().unwrap(), c.next_event().unwrap()];
    got.sort_by(|a, b| a.token.cmp(&b.token));
    assert_eq!(got, [ev("/w/a/b", "deep"), ev("/w", "tok")]);
    // Relative watches report relative paths.
    c.watch("rel", "r").unwrap();
    assert_eq!(c.next_event().unwrap(), ev("rel", "r"));
    other
        .write(Tx::NONE, "/local/domain/0/rel/k", b"v")
        .unwrap();
    assert_eq!(c.next_event().unwrap(), ev("rel/k", "r"));
    // Nothing else is pending: a read round trip shows an empty queue.
    c.read(Tx::NONE, "/local/domain/0/rel/k").unwrap();
    assert_eq!(c.pending_events(), 0);

    // Guests only hear about nodes they can read.
    let mut g = fake.connect_as_domain(4).unwrap();
    g.watch("/", "all").unwrap();
    assert_eq!(g.next_event().unwrap(), ev("/", "all"));
    other.write(Tx::NONE, "/secret", b"x").unwrap();
    other.write(Tx::NONE, "/public", b"x").unwrap();
    other
        .set_perms(Tx::NONE, "/public", &[Permission::new(Access::Read, 0)])
        .unwrap();
    assert_eq!(g.next_event().unwrap(), ev("/public", "all"));

    c.reset_watches().unwrap();
    other
        .write(Tx::NONE, "/local/domain/0/rel/k", b"w")
        .unwrap();
    c.read(Tx::NONE, "/local/domain/0/rel/k").unwrap();
    assert_eq!(c.pending_events(), 0);
}

#[test]
fn transactions_commit_abort_and_conflict() {
    let fake = FakeXenstored::start().unwrap();
    let mut a = fake.connect().unwrap();
    let mut b = fake.connect().unwrap();
    a.write(Tx::NONE, "/t/x", b"0").unwrap();
    a.watch("/t", "w").unwrap();
    assert_eq!(a.next_event().unwrap(), ev("/t", "w"));

    // Isolation until commit; events only at commit.
    let tx = a.transaction_start().unwrap();
    a.write(tx, "/t/x", b"1").unwrap();
    a.write(tx, "/t/y", b"new").unwrap();
    assert_eq!(a.read(tx, "/t/x").unwrap(), b"1");
    assert_eq!(b.read(Tx::NONE, "/t/x").unwrap(), b"0");
    assert_eq!(errno_of(b.read(Tx::NONE, "/t/y")), Errno::NotFound);
    assert_eq!(a.pending_events(), 0);
    a.transaction_end(tx, true).unwrap();
    assert_eq!(b.read(Tx::NONE, "/t/y").unwrap(), b"new");
    assert_eq!(a.next_event().unwrap(), ev("/t/x", "w"));
    assert_eq!(a.next_event().unwrap(), ev("/t/y", "w"));

    // Abort drops everything.
    let tx = a.transaction_start().unwrap();
    a.rm(tx, "/t/y").unwrap();
    a.transaction_end(tx, false).unwrap();
    assert_eq!(b.read(Tx::NONE, "/t/y").unwrap(), b"new");
    assert_eq!(errno_of(a.transaction_end(tx, true)), Errno::NotFound);

    // A conflicting change makes the commit fail with EAGAIN, applying nothing.
    let tx = a.transaction_start().unwrap();
    assert_eq!(a.read(tx, "/t/x").unwrap(), b"1");
    a.write(tx, "/t/z", b"from-tx").unwrap();
    b.write(Tx::NONE, "/t/x", b"2").unwrap();
    let err = a.transaction_end(tx, true).unwrap_err();
    assert!(err.is_again(), "{err}");
    assert_eq!(errno_of(b.read(Tx::NONE, "/t/z")), Errno::NotFound);
    // Untouched nodes do not conflict.
    let tx = a.transaction_start().unwrap();
    a.write(tx, "/t/x", b"3").unwrap();
    b.write(Tx::NONE, "/other", b"x").unwrap();
    a.transaction_end(tx, true).unwrap();

    // Unknown or foreign transactions; nesting; the per-connection limit.
    assert_eq!(errno_of(a.read(Tx(999), "/t/x")), Errno::NotFound);
    let tx = a.transaction_start().unwrap();
    assert_eq!(errno_of(b.read(tx, "/t/x")), Errno::NotFound);
    assert_eq!(
        errno_of(a.request(tx, &Request::TransactionStart)),
        Errno::Busy
    );
    a.transaction_end(tx, false).unwrap();
    let open: Vec<Tx> = (0..MAX_TRANSACTIONS)
        .map(|_| a.transaction_start().unwrap())
        .collect();
    assert_eq!(errno_of(a.transaction_start()), Errno::NoSpace);
    for tx in open {
        a.transaction_end(tx, false).unwrap();
    }
    // A closed connection's transactions and watches go away.
    let tx = b.transaction_start().unwrap();
    drop(b);
    let mut tries = 0;
    while fake.open_transactions() > 0 && tries < 200 {
        std::thread::sleep(std::time::Duration::from_millis(5));
        tries += 1;
    }
    assert_eq!(fake.open_transactions(), 0, "transaction {tx:?} left open");
}

#[test]
fn transact_retries_on_eagain() {
    let fake = FakeXenstored::start().unwrap();
    let mut a = fake.connect().unwrap();
    let mut b = fake.connect().unwrap();
    a.write(Tx::NONE, "/counter", b"0").unwrap();
    let mut attempts = 0;
    a.transact(5, |c, tx| {
        attempts += 1;
        let v: u32 = c.read_string(tx, "/counter")?.parse().unwrap_or(0);
        if attempts == 1 {
            // Someone else changes it under the first attempt.
            b.write(Tx::NONE, "/counter", b"10")?;
        }
        c.write(tx, "/counter", (v + 1).to_string().as_bytes())
    })
    .unwrap();
    assert_eq!(attempts, 2);
    assert_eq!(a.read(Tx::NONE, "/counter").unwrap(), b"11");
    // With a single attempt the EAGAIN comes back.
    let err = a
        .transact(1, |c, tx| {
            c.read(tx, "/counter")?;
            b.write(Tx::NONE, "/counter", b"20")?;
            c.write(tx, "/counter", b"x")
        })
        .unwrap_err();
    assert!(err.is_again());
    assert_eq!(fake.open_transactions(), 0);
}

#[test]
fn concurrent_clients_increment_without_losing_updates() {
    let fake = FakeXenstored::start().unwrap();
    fake.write("/n", "0").unwrap();
    let threads = 4;
    let per_thread = 25;
    let mut watcher = fake.connect().unwrap();
    watcher.watch("/n", "n").unwrap();
    assert_eq!(watcher.next_event().unwrap(), ev("/n", "n"));
    std::thread::scope(|s| {
        for t in 0..threads {
            let fake = &fake;
            s.spawn(move || {
                let mut c = fake.connect().unwrap();
                for i in 0..per_thread {
                    c.transact(1000, |c, tx| {
                        let v: u32 = c.read_string(tx, "/n")?.parse().unwrap_or(0);
                        c.write(tx, "/n", (v + 1).to_string().as_bytes())?;
                        c.write(tx, &format!("/by/{t}/{i}"), b"")
                    })
                    .unwrap();
                }
            });
        }
    });
    let total = threads * per_thread;
    assert_eq!(
        fake.read("/n").as_deref(),
        Some(total.to_string().as_bytes())
    );
    let mut c = fake.connect().unwrap();
    assert_eq!(c.directory(Tx::NONE, "/by").unwrap().len(), threads);
    // One event per committed increment.
    for _ in 0..total {
        assert_eq!(watcher.next_event().unwrap(), ev("/n", "n"));
    }
}

#[test]
fn domains_control_and_misc_requests() {
    let fake = FakeXenstored::start().unwrap();
    let mut c = fake.connect().unwrap();
    assert!(c.is_domain_introduced(0).unwrap());
    assert!(!c.is_domain_introduced(3).unwrap());
    c.introduce(3, 1234, 5).unwrap();
    assert!(c.is_domain_introduced(3).unwrap());
    c.resume(3).unwrap();
    c.set_target(3, 4).unwrap();
    c.release(3).unwrap();
    assert_eq!(errno_of(c.release(3)), Errno::NotFound);
    assert_eq!(errno_of(c.resume(3)), Errno::NotFound);
    assert_eq!(errno_of(c.introduce(0, 1, 1)), Errno::InvalidArgument);
    assert_eq!(c.control(&["print", "hello"]).unwrap(), b"OK\0");
    assert!(String::from_utf8_lossy(&c.control(&["help"]).unwrap()).contains("print"));
    assert_eq!(errno_of(c.control(&["bogus"])), Errno::InvalidArgument);
}

/// Raw frames: unknown types get ENOSYS, malformed payloads EINVAL, ids are
/// echoed, and an oversized length closes the connection.
#[test]
fn raw_protocol_edges() {
    let fake = FakeXenstored::start().unwrap();
    let mut s = UnixStream::connect(fake.socket_path()).unwrap();
    let send = |s: &mut UnixStream, kind: u32, req_id: u32, tx_id: u32, payload: &[u8]| {
        let h = Header {
            kind,
            req_id,
            tx_id,
            len: payload.len() as u32,
        };
        s.write_all(&h.encode()).unwrap();
        s.write_all(payload).unwrap();
    };
    send(&mut s, 20, 41, 0, b"");
    let m = wire::read_message(&mut s).unwrap();
    assert_eq!((m.kind, m.req_id), (MessageType::Error, 41));
    assert_eq!(m.error_name().unwrap(), Errno::NotImplemented);
    send(&mut s, MessageType::Read.number(), 42, 0, b"/tool");
    let m = wire::read_message(&mut s).unwrap();
    assert_eq!(m.error_name().unwrap(), Errno::InvalidArgument);
    send(&mut s, MessageType::Read.number(), 43, 0, b"/tool\0");
    let m = wire::read_message(&mut s).unwrap();
    assert_eq!(
        (m.kind, m.req_id, m.payload.as_slice()),
        (MessageType::Read, 43, &b""[..])
    );
    let h = Header {
        kind: MessageType::Read.number(),
        req_id: 44,
        tx_id: 0,
        len: 1 << 30,
    };
    s.write_all(&h.encode()).unwrap();
    let mut rest = Vec::new();
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    assert_eq!(s.read_to_end(&mut rest).unwrap(), 0, "connection dropped");
    // The daemon itself is fine.
    let mut c = fake.connect().unwrap();
    assert_eq!(c.read(Tx::NONE, "/tool").unwrap(), b"");
}

/// Debian's xenstore-utils (libxenstore) against the fake: the proof that
/// the fake speaks the protocol real clients speak.
#[test]
fn xenstore_utils_talk_to_the_fake() {
    let tools = [
        "xenstore-write",
        "xenstore-read",
        "xenstore-ls",
        "xenstore-list",
        "xenstore-rm",
        "xenstore-exists",
        "xenstore-chmod",
    ];
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| !Path::new("/usr/bin").join(t).exists())
        .collect();
    if !missing.is_empty() {
        println!("SKIP xenstore-utils test: {missing:?} absent (apt-get install xenstore-utils)");
        return;
    }
    let fake = FakeXenstored::start().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(args[0])
            .args(&args[1..])
            .env("XENSTORED_PATH", fake.socket_path())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let ok = |args: &[&str]| {
        let (success, stdout, stderr) = run(args);
        assert!(success, "{args:?} failed: {stderr}");
        stdout
    };
    let mut checks = 0;
    ok(&[
        "xenstore-write",
        "/vm/abc/name",
        "guest",
        "/vm/abc/uuid",
        "abc",
    ]);
    ok(&["xenstore-write", "/local/domain/1/name", "guest one"]);
    assert_eq!(fake.read("/vm/abc/name").as_deref(), Some(&b"guest"[..]));
    checks += 1;
    assert_eq!(ok(&["xenstore-read", "/vm/abc/name"]), "guest\n");
    assert_eq!(
        ok(&["xenstore-read", "/vm/abc/name", "/local/domain/1/name"]),
        "guest\nguest one\n"
    );
    checks += 2;
    // Our client's writes are visible to theirs.
    let mut c = fake.connect().unwrap();
    c.write(Tx::NONE, "/vm/abc/image/ostype", b"linux").unwrap();
    assert_eq!(ok(&["xenstore-read", "/vm/abc/image/ostype"]), "linux\n");
    checks += 1;
    let mut listed: Vec<String> = ok(&["xenstore-list", "/vm/abc"])
        .lines()
        .map(str::to_string)
        .collect();
    listed.sort();
    assert_eq!(listed, ["image", "name", "uuid"]);
    checks += 1;
    let ls = ok(&["xenstore-ls", "/vm"]);
    assert_eq!(
        ls,
        "abc = \"\"\n image = \"\"\n  ostype = \"linux\"\n name = \"guest\"\n uuid = \"abc\"\n"
    );
    checks += 1;
    // Permissions as xenstore-ls -p shows them.
    ok(&["xenstore-chmod", "/vm/abc/name", "n0", "r1"]);
    assert_eq!(
        c.get_perms(Tx::NONE, "/vm/abc/name").unwrap(),
        [
            Permission::new(Access::None, 0),
            Permission::new(Access::Read, 1)
        ]
    );
    let lsp = ok(&["xenstore-ls", "-p", "/vm/abc"]);
    // Not a terminal: lines are padded with dots to 80 columns.
    let name_line = lsp
        .lines()
        .find(|l| l.starts_with("name = \"guest\" "))
        .unwrap_or_default();
    assert!(name_line.ends_with(" (n0,r1)"), "{lsp}");
    assert!(lsp.contains(" ostype = \"linux\" "), "{lsp}");
    checks += 2;
    assert!(run(&["xenstore-exists", "/vm/abc"]).0);
    assert!(!run(&["xenstore-exists", "/vm/nope"]).0);
    checks += 2;
    let (success, _, stderr) = run(&["xenstore-read", "/vm/nope"]);
    assert!(!success);
    assert!(stderr.contains("couldn't read path /vm/nope"), "{stderr}");
    checks += 1;
    // A long directory: libxenstore falls back to DIRECTORY_PART on E2BIG.
    c.transact(3, |c, tx| {
        for i in 0..300 {
            c.mkdir(tx, &format!("/many/entry-with-a-long-name-{i:04}"))?;
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(ok(&["xenstore-list", "/many"]).lines().count(), 300);
    checks += 1;
    ok(&["xenstore-rm", "/vm/abc/image"]);
    assert!(fake.read("/vm/abc/image/ostype").is_none());
    ok(&["xenstore-rm", "/vm"]);
    assert!(fake.read("/vm").is_none());
    checks += 2;
    // Their writes fire our watches.
    c.watch("/local/domain/1", "w").unwrap();
    assert_eq!(c.next_event().unwrap(), ev("/local/domain/1", "w"));
    ok(&[
        "xenstore-write",
        "/local/domain/1/control/shutdown",
        "poweroff",
    ]);
    assert_eq!(
        c.next_event().unwrap(),
        ev("/local/domain/1/control/shutdown", "w")
    );
    checks += 1;
    assert_eq!(fake.open_transactions(), 0);
    println!("xenstore-utils against the fake: {checks} checks passed");
}
