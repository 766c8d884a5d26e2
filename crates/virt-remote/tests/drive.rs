//! Our client drives our daemon's Session through the Connect API, changes
//! included. A test binary of its own: it restarts the process's shared
//! test:///default domain, which the other tests observe.

#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use common::*;
use virt_core::{Connect, ErrorCode};

#[test]
fn our_client_drives_our_daemon() {
    virt_test::register();
    virt_remote::client::register();
    let (sock, dir) = daemon(false);
    let c = Connect::open(&uri(&sock)).unwrap();
    assert_eq!(c.type_name(), "TEST");
    // As libvirt's client: the URI it was opened with, not the daemon's.
    assert_eq!(c.uri().unwrap(), uri(&sock));
    assert_eq!(c.node_info().unwrap().cpus, 16);
    let mut d = c.lookup_by_name("test").unwrap();
    assert_eq!(d.id(), Some(1));
    assert_eq!(d.info().unwrap().nr_virt_cpu, 2);
    assert!(d.xml_desc(0).unwrap().contains("<name>test</name>"));
    let vcpus = d.vcpus().unwrap();
    assert_eq!(vcpus.len(), 2);
    assert!(vcpus[0].affinity.is_set(0));
    assert_eq!(d.vcpu_pin_info(0).unwrap().len(), 2);
    assert_eq!(d.scheduler_type().unwrap().0, "fair");
    assert_eq!(d.scheduler_params_plain().unwrap()[0].field, "weight");
    d.suspend().unwrap();
    assert_eq!(d.state().unwrap().0, virt_core::DomainState::Paused);
    d.resume().unwrap();
    // A save and restore bring the domain back under the same name.
    let image = dir.0.join("test.save");
    d.save(image.to_str().unwrap()).unwrap();
    assert_eq!(d.id(), None);
    let back = c.restore(image.to_str().unwrap()).unwrap();
    assert_eq!(back.name(), "test");
    let e = c.lookup_by_name("nope").unwrap_err();
    assert_eq!(e.code, ErrorCode::NoDomain);
    assert_eq!(c.list_all_networks(0).unwrap()[0].name(), "default");
    assert_eq!(
        c.list_all_storage_pools(0).unwrap()[0].name(),
        "default-pool"
    );
    // Library checks run on the client before anything is sent, and again
    // in the daemon for clients that skip them.
    let e = back.set_memory(0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "memory in virDomainSetMemory must not be zero"
    );
}
