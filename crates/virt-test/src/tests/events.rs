//! Domain and network events the test driver publishes.

use super::*;
use std::time::Duration;
use virt_core::events::lifecycle_detail as d;
use virt_core::{
    Delivery, EndReason, Event, EventFilter, LifecycleEvent as L, NetworkLifecycleEvent as N,
};

/// Every delivery waiting, as (domain name, event, detail).
fn lifecycles(sub: &virt_core::Subscription) -> Vec<(String, L, i32)> {
    let mut out = Vec::new();
    while let Some(d) = sub.recv_timeout(Duration::from_millis(50)) {
        match d {
            Delivery::Event(Event::Domain {
                dom,
                kind: virt_core::DomainEventKind::Lifecycle { event, detail },
            }) => out.push((dom.name, event, detail)),
            other => panic!("unexpected delivery {other:?}"),
        }
    }
    out
}

#[test]
fn domain_lifecycle_events_are_libvirts() {
    let conn = private();
    let sub = ok(conn.subscribe(EventFilter::all()));
    let mut dom = ok(conn.define_xml(NEWDOM));
    ok(conn.define_xml(NEWDOM));
    ok(dom.create());
    ok(dom.suspend());
    ok(dom.resume());
    let path = temp_path("events-save");
    ok(dom.save(path.to_str().unwrap_or_default()));
    ok(conn.restore(path.to_str().unwrap_or_default()));
    let _ = std::fs::remove_file(&path);
    let mut dom = ok(conn.lookup_by_name("newdom"));
    ok(dom.shutdown());
    ok(dom.create());
    ok(dom.destroy());
    ok(dom.undefine());
    let n = "newdom".to_string();
    assert_eq!(
        lifecycles(&sub),
        vec![
            (n.clone(), L::Defined, d::defined::ADDED),
            (n.clone(), L::Defined, d::defined::UPDATED),
            (n.clone(), L::Started, d::started::BOOTED),
            (n.clone(), L::Suspended, d::suspended::PAUSED),
            (n.clone(), L::Resumed, d::resumed::UNPAUSED),
            (n.clone(), L::Stopped, d::stopped::SAVED),
            (n.clone(), L::Started, d::started::RESTORED),
            (n.clone(), L::Stopped, d::stopped::SHUTDOWN),
            (n.clone(), L::Started, d::started::BOOTED),
            (n.clone(), L::Stopped, d::stopped::DESTROYED),
            (n, L::Undefined, d::undefined::REMOVED),
        ]
    );
}

#[test]
fn a_failed_call_publishes_nothing_and_filters_hold() {
    let conn = private();
    let only_lifecycle_of_test =
        ok(conn.subscribe(EventFilter::domain(0).about(ok(conn.lookup_by_name("test")).uuid())));
    let networks = ok(conn.subscribe(EventFilter::network(0)));
    let mut dom = ok(conn.lookup_by_name("test"));
    assert!(dom.resume().is_err());
    ok(conn.define_xml(NEWDOM));
    ok(dom.destroy());
    assert_eq!(
        lifecycles(&only_lifecycle_of_test),
        vec![("test".to_string(), L::Stopped, d::stopped::DESTROYED)]
    );
    let net = ok(conn.network_lookup_by_name("default"));
    ok(net.destroy());
    ok(net.create());
    let got: Vec<_> = std::iter::from_fn(|| networks.recv_timeout(Duration::from_millis(50)))
        .map(|d| match d {
            Delivery::Event(Event::Network {
                net,
                kind: virt_core::NetworkEventKind::Lifecycle { event, .. },
            }) => (net.name, event),
            other => panic!("unexpected delivery {other:?}"),
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("default".to_string(), N::Stopped),
            ("default".to_string(), N::Started)
        ]
    );
}

#[test]
fn closing_the_connection_ends_subscriptions_with_the_reason() {
    let conn = private();
    let sub = ok(conn.subscribe(EventFilter::all()));
    drop(conn);
    assert_eq!(sub.recv(), Some(Delivery::Ended(EndReason::Closed)));
    assert_eq!(sub.recv(), None);
}
