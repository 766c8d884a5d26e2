//! The client and the lookups against the real xenstored of Xen 4.17, in
//! dom0 (`cargo xtask xen-vm` runs these there).
//!
//! Every test reads `VIRT_XEN_REAL`: unset, it prints a skip notice and
//! returns; "1", it must find xenstored (and fails otherwise). Tests about
//! a guest also need `VIRT_XEN_GUEST` (the name of a running PV guest
//! created with `xl`) and cross-check what xenstore says with `xl`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // In tests a panic is the failure report.

use std::time::Duration;
use virt_testkit::{real_xen, xen_guest};

use virt_xenstore::client::{SOCKET_PATH, SOCKET_RO_PATH};
use virt_xenstore::{lookup, Client, Errno, Transport, Tx, XsError};

/// A read-write connection to the real xenstored, with a timeout so a
/// protocol slip fails the test instead of hanging it.
fn connect() -> Client<Transport> {
    let c = Client::open(false).expect("VIRT_XEN_REAL=1 but xenstored cannot be reached");
    c.stream()
        .set_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    c
}

/// A scratch path of this process, removed again by each test.
fn scratch(test: &str) -> String {
    format!("/virt-rs-test/{}/{test}", std::process::id())
}

/// Run xl, which must succeed; its stdout.
fn xl(args: &[&str]) -> String {
    match virt_testkit::xen_tool("xl", args) {
        Some(out) => out,
        None => panic!("xl {args:?} failed"),
    }
}

#[test]
fn domain0_is_named_by_the_toolstack() {
    if !real_xen() {
        return;
    }
    let mut c = connect();
    assert_eq!(
        c.read_string(Tx::NONE, "/local/domain/0/name").unwrap(),
        "Domain-0"
    );
    assert_eq!(
        c.read_string(Tx::NONE, "/local/domain/0/domid").unwrap(),
        "0"
    );
    assert!(c
        .directory(Tx::NONE, "/local/domain")
        .unwrap()
        .contains(&"0".to_string()));
    println!("read /local/domain/0/name = Domain-0 from the real xenstored");
}

#[test]
fn get_domain_path_of_dom0() {
    if !real_xen() {
        return;
    }
    let mut c = connect();
    assert_eq!(c.get_domain_path(0).unwrap(), "/local/domain/0");
    assert_eq!(c.get_domain_path(7).unwrap(), "/local/domain/7");
    assert!(c.is_domain_introduced(0).unwrap());
}

#[test]
fn write_read_directory_rm() {
    if !real_xen() {
        return;
    }
    let mut c = connect();
    let base = scratch("wrr");
    c.write(Tx::NONE, &format!("{base}/a"), b"alpha").unwrap();
    c.write(Tx::NONE, &format!("{base}/b/c"), b"").unwrap();
    // Values are bytes: no terminating NUL is stored or returned.
    c.write(Tx::NONE, &format!("{base}/bin"), &[1, 0, 255])
        .unwrap();
    assert_eq!(c.read(Tx::NONE, &format!("{base}/a")).unwrap(), b"alpha");
    assert_eq!(c.read(Tx::NONE, &format!("{base}/b/c")).unwrap(), b"");
    assert_eq!(
        c.read(Tx::NONE, &format!("{base}/bin")).unwrap(),
        vec![1, 0, 255]
    );
    let mut children = c.directory(Tx::NONE, &base).unwrap();
    children.sort();
    assert_eq!(children, ["a", "b", "bin"]);
    // A parent created on the way holds an empty value.
    assert_eq!(c.read(Tx::NONE, &format!("{base}/b")).unwrap(), b"");
    c.mkdir(Tx::NONE, &format!("{base}/d")).unwrap();
    assert_eq!(c.directory(Tx::NONE, &base).unwrap().len(), 4);
    c.rm(Tx::NONE, &base).unwrap();
    assert!(c
        .try_read(Tx::NONE, &format!("{base}/a"))
        .unwrap()
        .is_none());
    c.rm(Tx::NONE, &format!("/virt-rs-test/{}", std::process::id()))
        .unwrap();
}

#[test]
fn many_reads_in_one_round_trip() {
    if !real_xen() {
        return;
    }
    let mut c = connect();
    let base = scratch("many");
    let mut paths = Vec::new();
    for n in 0..40 {
        if n % 4 != 0 {
            c.write(Tx::NONE, &format!("{base}/{n}"), format!("v{n}").as_bytes())
                .unwrap();
        }
        paths.push(format!("{base}/{n}"));
    }
    let got = c.read_many(Tx::NONE, &paths).unwrap();
    for (n, v) in got.iter().enumerate() {
        assert_eq!(v, &(n % 4 != 0).then(|| format!("v{n}")), "{base}/{n}");
    }
    // The batched lookups agree with the one-by-one ones.
    let named = lookup::named_domains(&mut c).unwrap();
    for d in &named {
        assert_eq!(
            lookup::domain_name(&mut c, d.id).unwrap().as_deref(),
            Some(d.name.as_str())
        );
        assert_eq!(lookup::domain_uuid(&mut c, d.id).unwrap(), d.uuid);
    }
    assert!(named.iter().any(|d| d.id == 0 && d.name == "Domain-0"));
    c.rm(Tx::NONE, &base).unwrap();
    c.rm(Tx::NONE, &format!("/virt-rs-test/{}", std::process::id()))
        .unwrap();
}

#[test]
fn missing_node_is_enoent() {
    if !real_xen() {
        return;
    }
    let mut c = connect();
    let err = c
        .read(Tx::NONE, "/local/domain/0/no-such-node-here")
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(matches!(
        &err,
        XsError::Daemon {
            errno: Errno::NotFound,
            ..
        }
    ));
    let err = c.directory(Tx::NONE, "/no/such/dir").unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    // At the crate edge the error keeps libvirt's shape.
    let core: virt_core::Error = err.into();
    assert!(core.message.contains("ENOENT"), "{}", core.message);
    // The connection is still usable after an error reply.
    assert_eq!(
        c.read_string(Tx::NONE, "/local/domain/0/name").unwrap(),
        "Domain-0"
    );
}

#[test]
fn invalid_path_is_einval() {
    if !real_xen() {
        return;
    }
    let mut c = connect();
    let err = c.write(Tx::NONE, "relative//bad path", b"x").unwrap_err();
    assert_eq!(err.errno(), Some(&Errno::InvalidArgument), "{err:?}");
}

#[test]
fn transaction_is_isolated_until_commit() {
    if !real_xen() {
        return;
    }
    let mut c = connect();
    let mut other = connect();
    let base = scratch("tx");
    let tx = c.transaction_start().unwrap();
    c.write(tx, &format!("{base}/x"), b"1").unwrap();
    c.write(tx, &format!("{base}/y"), b"2").unwrap();
    assert_eq!(c.read(tx, &format!("{base}/x")).unwrap(), b"1");
    // Not visible outside the transaction before the commit.
    assert!(other
        .try_read(Tx::NONE, &format!("{base}/x"))
        .unwrap()
        .is_none());
    c.transaction_end(tx, true).unwrap();
    assert_eq!(
        other.read_string(Tx::NONE, &format!("{base}/y")).unwrap(),
        "2"
    );

    // An aborted transaction leaves nothing.
    let tx = c.transaction_start().unwrap();
    c.write(tx, &format!("{base}/z"), b"3").unwrap();
    c.transaction_end(tx, false).unwrap();
    assert!(other
        .try_read(Tx::NONE, &format!("{base}/z"))
        .unwrap()
        .is_none());

    // An ended transaction is gone.
    let err = c.read(tx, &format!("{base}/x")).unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    c.rm(Tx::NONE, &base).unwrap();
}

#[test]
fn conflicting_commit_is_eagain_and_transact_retries() {
    if !real_xen() {
        return;
    }
    let mut c = connect();
    let mut other = connect();
    let node = format!("{}/n", scratch("conflict"));
    c.write(Tx::NONE, &node, b"0").unwrap();

    let tx = c.transaction_start().unwrap();
    assert_eq!(c.read(tx, &node).unwrap(), b"0");
    other.write(Tx::NONE, &node, b"other").unwrap();
    c.write(tx, &node, b"mine").unwrap();
    let err = c.transaction_end(tx, true).unwrap_err();
    assert!(err.is_again(), "{err:?}");
    assert_eq!(c.read_string(Tx::NONE, &node).unwrap(), "other");

    // transact() retries the body after the conflict.
    let mut attempts = 0;
    let value = c
        .transact(5, |cl, tx| {
            attempts += 1;
            let v = cl.read_string(tx, &node)?;
            if attempts == 1 {
                other.write(Tx::NONE, &node, b"interloper")?;
            }
            cl.write(tx, &node, format!("{v}+1").as_bytes())?;
            Ok(v)
        })
        .unwrap();
    assert_eq!(attempts, 2);
    assert_eq!(value, "interloper");
    assert_eq!(c.read_string(Tx::NONE, &node).unwrap(), "interloper+1");
    c.rm(Tx::NONE, &scratch("conflict")).unwrap();
}

#[test]
fn watch_fires_on_change_and_stops_after_unwatch() {
    if !real_xen() {
        return;
    }
    let mut c = connect();
    let mut other = connect();
    let base = scratch("watch");
    c.write(Tx::NONE, &base, b"").unwrap();
    c.watch(&base, "virt-rs-token").unwrap();
    // xenstored fires every new watch once, for the watched path.
    let first = c.next_event().unwrap();
    assert_eq!(first.path, base);
    assert_eq!(first.token, "virt-rs-token");

    let child = format!("{base}/child");
    other.write(Tx::NONE, &child, b"v").unwrap();
    let ev = c.next_event().unwrap();
    assert_eq!(ev.path, child);
    assert_eq!(ev.token, "virt-rs-token");

    // An event arriving while a request is in flight is queued, not
    // mistaken for the reply.
    other.write(Tx::NONE, &child, b"w").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(c.read(Tx::NONE, &child).unwrap(), b"w");
    let ev = c.next_event().unwrap();
    assert_eq!(ev.path, child);

    c.unwatch(&base, "virt-rs-token").unwrap();
    other.write(Tx::NONE, &child, b"x").unwrap();
    // A round trip after the write: any event would have arrived first.
    c.read(Tx::NONE, &child).unwrap();
    assert_eq!(c.take_event(), None);
    let err = c.unwatch(&base, "virt-rs-token").unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    c.rm(Tx::NONE, &base).unwrap();
}

#[test]
fn permissions_round_trip() {
    if !real_xen() {
        return;
    }
    let mut c = connect();
    let node = scratch("perms");
    c.write(Tx::NONE, &node, b"p").unwrap();
    let perms = c.get_perms(Tx::NONE, "/local/domain/0").unwrap();
    assert_eq!(perms.first().map(|p| p.domid), Some(0));
    let want = [
        virt_xenstore::Permission {
            domid: 0,
            access: virt_xenstore::Access::None,
        },
        virt_xenstore::Permission {
            domid: 5,
            access: virt_xenstore::Access::Read,
        },
    ];
    c.set_perms(Tx::NONE, &node, &want).unwrap();
    assert_eq!(c.get_perms(Tx::NONE, &node).unwrap(), want);
    c.rm(Tx::NONE, &node).unwrap();
}

#[test]
fn read_only_connection() {
    if !real_xen() {
        return;
    }
    let ro_socket = std::path::Path::new(SOCKET_RO_PATH).exists();
    let mut c = Client::open(true).expect("read-only open");
    assert_eq!(
        c.read_string(Tx::NONE, "/local/domain/0/name").unwrap(),
        "Domain-0"
    );
    if ro_socket {
        let err = c
            .write(Tx::NONE, &scratch("ro"), b"must not land")
            .unwrap_err();
        assert!(
            matches!(err.errno(), Some(Errno::AccessDenied | Errno::ReadOnly)),
            "{err:?}"
        );
        println!("{SOCKET_RO_PATH} refuses writes");
    } else {
        // Xen 4.17's C xenstored serves one socket; read-only opens fall
        // back to it, as libxenstore does.
        println!("no {SOCKET_RO_PATH} (only {SOCKET_PATH}): read-only open fell back");
    }
}

#[test]
fn lookups_see_domain0() {
    if !real_xen() {
        return;
    }
    let mut c = connect();
    let ids = lookup::domain_ids(&mut c).unwrap();
    assert_eq!(ids.first(), Some(&0), "{ids:?}");
    assert_eq!(
        lookup::domain_name(&mut c, 0).unwrap().as_deref(),
        Some("Domain-0")
    );
    assert_eq!(lookup::domain_by_name(&mut c, "Domain-0").unwrap(), Some(0));
    assert_eq!(
        lookup::domain_by_name(&mut c, "no-such-domain").unwrap(),
        None
    );
    let all = lookup::domains(&mut c).unwrap();
    assert!(all
        .iter()
        .any(|d| d.id == 0 && d.name.as_deref() == Some("Domain-0")));
    // Every domain xl lists, xenstore lists too, under the same id.
    let listed = xl(&["list"]);
    for line in listed.lines().skip(1) {
        let w: Vec<&str> = line.split_whitespace().collect();
        if let [name, id, ..] = w.as_slice() {
            let id: u32 = id.parse().unwrap();
            assert_eq!(
                lookup::domain_name(&mut c, id).unwrap().as_deref(),
                Some(*name),
                "xl list: {line}"
            );
        }
    }
}

#[test]
fn lookups_describe_the_guest() {
    let Some(name) = xen_guest() else {
        return;
    };
    let mut c = connect();
    let id: u32 = xl(&["domid", &name]).trim().parse().unwrap();
    assert_eq!(lookup::domain_by_name(&mut c, &name).unwrap(), Some(id));
    assert_eq!(lookup::domain_name(&mut c, id).unwrap(), Some(name.clone()));
    // xl list -v prints the UUID in its 7th column.
    let verbose = xl(&["list", "-v", &name]);
    let uuid_text = verbose
        .lines()
        .find(|l| l.starts_with(&format!("{name} ")))
        .and_then(|l| l.split_whitespace().nth(6))
        .unwrap()
        .to_string();
    let uuid = lookup::domain_uuid(&mut c, id).unwrap().unwrap();
    assert_eq!(uuid.to_string(), uuid_text);
    assert_eq!(lookup::domain_by_uuid(&mut c, &uuid).unwrap(), Some(id));
    // The guest config asks for 128 MiB and one vCPU.
    assert_eq!(
        lookup::memory_target_kib(&mut c, id).unwrap(),
        Some(131_072)
    );
    assert_eq!(lookup::vcpu_count(&mut c, id).unwrap(), Some(1));
    assert_eq!(
        lookup::os_type(&mut c, id).unwrap().as_deref(),
        Some("linux")
    );
    let tty = lookup::console_tty(&mut c, id).unwrap();
    assert!(
        tty.as_deref().is_some_and(|t| t.starts_with("/dev/pts/")),
        "{tty:?}"
    );
    assert_eq!(
        c.get_domain_path(id).unwrap(),
        format!("/local/domain/{id}")
    );
    assert!(c.is_domain_introduced(id).unwrap());
    println!("guest {name}: id {id}, uuid {uuid}, tty {tty:?}");
}
