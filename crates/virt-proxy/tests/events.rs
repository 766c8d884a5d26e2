//! Events through the daemon to real clients: Debian's `virsh event --all
//! --loop` prints, for the same actions on test:///default, what it
//! prints against a real libvirtd 9.0 (run side by side when this machine
//! can start one), with and without `--timestamp`.

#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use common::Daemon;
use std::path::Path;
use std::time::Duration;
use virt_testkit::events::{transcript, untimestamped, LIBVIRTD_TRANSCRIPT, VIRSH};
use virt_testkit::peer;

#[test]
fn real_virsh_event_loop_prints_what_it_prints_against_libvirtd() {
    let test = "real_virsh_event_loop_prints_what_it_prints_against_libvirtd";
    if !peer(test, VIRSH, "libvirt-clients") {
        return;
    }
    let d = Daemon::start(&[]);
    let uri = d.uri(false);
    let ours = transcript(VIRSH, &uri, &[]);
    assert_eq!(ours, LIBVIRTD_TRANSCRIPT, "{}", d.log());
    let stamped = transcript(VIRSH, &uri, &["--timestamp"]);
    let unstamped: String = stamped
        .lines()
        .map(|l| format!("{}\n", untimestamped(l)))
        .collect();
    assert_eq!(unstamped, LIBVIRTD_TRANSCRIPT);
    match virt_testkit::libvirtd::unavailable() {
        Some(why) => println!("{test}: libvirtd side skipped, {why}"),
        None => {
            let lv = virt_testkit::libvirtd::start().unwrap();
            let lv_uri = format!("test+unix:///default?socket={}", lv.socket().display());
            assert!(Path::new(&lv.socket()).exists());
            assert_eq!(transcript(VIRSH, &lv_uri, &[]), ours, "libvirtd disagrees");
        }
    }
}

/// The next delivery within 10 s.
fn next(sub: &virt_core::Subscription) -> virt_core::Delivery {
    match sub.recv_timeout(Duration::from_secs(10)) {
        Some(d) => d,
        None => panic!("no delivery within 10 s"),
    }
}

#[test]
fn our_client_gets_events_and_renews_them_after_the_daemon_restarts() {
    use virt_core::events::lifecycle_detail::stopped;
    use virt_core::{Connect, Delivery, EventFilter, GapReason, LifecycleEvent};
    virt_remote::client::register();
    let mut first = Daemon::start(&[]);
    let uri = first.uri(false);
    let conn = Connect::open(&uri).unwrap();
    let sub = conn.subscribe(EventFilter::all()).unwrap();
    let stopped_test = |d: Delivery| match d {
        Delivery::Event(virt_core::Event::Domain { dom, kind }) => {
            assert_eq!(dom.name, "test");
            assert_eq!(
                kind,
                virt_core::DomainEventKind::lifecycle(LifecycleEvent::Stopped, stopped::DESTROYED)
            );
        }
        other => panic!("not test's destroy: {other:?}"),
    };
    conn.lookup_by_name("test").unwrap().destroy().unwrap();
    stopped_test(next(&sub));
    // The daemon dies without a word; a new one takes its sockets.
    common::signal(first.pid(), libc::SIGKILL);
    assert!(first.wait(Duration::from_secs(10)).is_some());
    let second = Daemon::start_in(first.dir.clone(), &[]);
    assert_eq!(next(&sub), Delivery::Gap(GapReason::Reconnected));
    // Calls work again, and the renewed registration delivers.
    conn.lookup_by_name("test").unwrap().destroy().unwrap();
    stopped_test(next(&sub));
    drop(conn);
    assert_eq!(next(&sub), Delivery::Ended(virt_core::EndReason::Closed));
    drop(second);
}

/// libvirt-python 9.0's examples/event-test.py, run by Debian's
/// python3-libvirt over the daemon's socket, sees the events of actions
/// made meanwhile (and registers for every kind of event it knows).
#[test]
fn python3_libvirt_event_test_sees_our_events() {
    let test = "python3_libvirt_event_test_sees_our_events";
    let python = Path::new("/usr/bin/python3");
    if !peer(
        test,
        "/usr/lib/python3/dist-packages/libvirt.py",
        "python3-libvirt",
    ) || !peer(test, VIRSH, "libvirt-clients")
    {
        return;
    }
    let script = match virt_testkit::libvirt_python::sdist(python) {
        Ok(src) => src.join("examples/event-test.py"),
        Err(why) => {
            println!("{test}: skipped, {why}");
            return;
        }
    };
    let d = Daemon::start(&[]);
    let uri = d.uri(false);
    let mut child = std::process::Command::new(python)
        .arg("-u")
        .arg(&script)
        // Long enough for a loaded machine; killed once its lines are in.
        .args(["--timeout", "120", &uri])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for l in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let virsh = |command: &str| {
        let o = std::process::Command::new(VIRSH)
            .args(["-q", "-c", &uri, command])
            .output()
            .unwrap();
        assert!(o.status.success(), "{command}");
    };
    let mut seen: Vec<String> = Vec::new();
    let mut until = |needle: &str, limit: Duration| {
        let deadline = std::time::Instant::now() + limit;
        while !seen.iter().any(|l| l.contains(needle)) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match lines.recv_timeout(left) {
                Ok(l) => seen.push(l),
                Err(_) => return false,
            }
        }
        true
    };
    // The script registers after it connects: suspend and resume the
    // guest until its callbacks show, so nothing later can be missed.
    let mut subscribed = false;
    for _ in 0..300 {
        virsh("suspend test; resume test");
        if until("Resumed Unpaused", Duration::from_millis(200)) {
            subscribed = true;
            break;
        }
    }
    assert!(subscribed, "event-test.py saw nothing: {seen:?}");
    virsh("destroy test; start test; net-destroy default; net-start default");
    assert!(
        until("Network default Started", Duration::from_secs(30)),
        "{seen:?}"
    );
    let _ = child.kill();
    let _ = child.wait();
    while let Ok(l) = lines.try_recv() {
        seen.push(l);
    }
    for line in [
        "myDomainEventCallback1 EVENT: Domain test(-1) Stopped Destroyed",
        "myDomainEventCallback2 EVENT: Domain test(-1) Stopped Destroyed",
        "myDomainEventCallback1 EVENT: Domain test(2) Started Booted",
        "myDomainEventCallback2 EVENT: Domain test(2) Started Booted",
        "myNetworkEventLifecycleCallback: Network default Stopped Stopped",
        "myNetworkEventLifecycleCallback: Network default Started Started",
    ] {
        assert!(
            seen.iter().any(|l| l == line),
            "{line:?} missing from {seen:?}"
        );
    }
}

/// A client that registers for events and stops reading is hung up on
/// once its queue fills; the daemon and its other clients go on.
#[test]
fn a_client_that_does_not_read_its_events_is_dropped() {
    use virt_core::Connect;
    virt_remote::client::register();
    let d = Daemon::start(&[]);
    let mut slow = common::Client::connect(&d.rw());
    slow.ok(1, &common::open_args("test:///default", 0));
    // CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY for lifecycle, all domains.
    slow.ok(316, &[0, 0, 0, 0, 0, 0, 0, 0]);
    let busy = Connect::open(&d.uri(false)).unwrap();
    let dom = busy.lookup_by_name("test").unwrap();
    let started = std::time::Instant::now();
    let mut rounds = 0;
    // Each round makes two events the slow client never reads: far more
    // than its queue and its socket's buffer hold, unless it was dropped.
    while !d.log().contains("events not read; closing its connection") {
        assert!(rounds < 20_000, "never dropped: {}", d.log());
        dom.suspend().unwrap();
        dom.resume().unwrap();
        rounds += 1;
    }
    // The busy client was never held up by the slow one.
    assert!(started.elapsed() < Duration::from_secs(120));
    assert_eq!(dom.info().unwrap().state, virt_core::DomainState::Running);
    // The slow client finds its connection closed after what was sent.
    let mut events = 0;
    while let Some((h, _)) = slow.receive() {
        assert_eq!(h.proc_, 318);
        events += 1;
    }
    assert!(
        events > 0 && events < 2 * rounds,
        "{events} of {}",
        2 * rounds
    );
}
