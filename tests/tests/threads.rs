//! One connection used from many threads at once: every thread runs whole
//! domain lives (define, start, info, pause, resume, destroy, undefine) on
//! its own domains while looking up the shared one, and the node ends as it
//! began.

use std::sync::Arc;
use virt_core::{Connect, DomainState, ErrorCode};
use virt_tests::{register_drivers, snapshot};

fn domain_xml(name: &str) -> String {
    format!(
        "<domain type='test'><name>{name}</name><memory unit='MiB'>64</memory>\
         <vcpu>1</vcpu><os><type>hvm</type></os></domain>"
    )
}

#[test]
fn one_connection_many_threads() {
    register_drivers();
    // A node file gives this test a private node (test:///default is shared
    // by every test in the process).
    let dir = std::env::temp_dir().join(format!("virt-threads-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("temp dir: {e}");
    }
    let node = dir.join("node.xml");
    let node_xml = "<node><cpu><mhz>1000</mhz><model>i686</model><active>4</active>\
                    <nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</threads></cpu>\
                    <memory>8388608</memory>\
                    <domain type='test'><name>shared</name><memory>65536</memory>\
                    <os><type>hvm</type></os></domain></node>";
    if let Err(e) = std::fs::write(&node, node_xml) {
        panic!("write node file: {e}");
    }
    let conn = match Connect::open(&format!("test://{}", node.display())) {
        Ok(c) => Arc::new(c),
        Err(e) => panic!("open: {e}"),
    };
    let before = match snapshot(&conn) {
        Ok(s) => s,
        Err(e) => panic!("snapshot: {e}"),
    };

    let threads: Vec<_> = (0..8)
        .map(|t| {
            let conn = Arc::clone(&conn);
            std::thread::spawn(move || -> Result<u32, String> {
                let mut ids = 0;
                for i in 0..50 {
                    let name = format!("t{t}-{i}");
                    let mut d = conn
                        .define_xml(&domain_xml(&name))
                        .map_err(|e| e.to_string())?;
                    d.create().map_err(|e| e.to_string())?;
                    let id = d.id().ok_or("started domain has no id")?;
                    let by_id = conn.lookup_by_id(id).map_err(|e| e.to_string())?;
                    if by_id.name() != name {
                        return Err(format!("id {id} is {} not {name}", by_id.name()));
                    }
                    d.suspend().map_err(|e| e.to_string())?;
                    if d.info().map_err(|e| e.to_string())?.state != DomainState::Paused {
                        return Err(format!("{name} not paused"));
                    }
                    d.resume().map_err(|e| e.to_string())?;
                    let shared = conn.lookup_by_name("shared").map_err(|e| e.to_string())?;
                    shared.info().map_err(|e| e.to_string())?;
                    d.destroy().map_err(|e| e.to_string())?;
                    d.undefine().map_err(|e| e.to_string())?;
                    match conn.lookup_by_name(&name) {
                        Err(e) if e.code == ErrorCode::NoDomain => {}
                        other => return Err(format!("{name} still there: {other:?}")),
                    }
                    ids += 1;
                }
                Ok(ids)
            })
        })
        .collect();
    let mut total = 0;
    for t in threads {
        match t.join() {
            Ok(Ok(n)) => total += n,
            Ok(Err(e)) => panic!("worker failed: {e}"),
            Err(_) => panic!("worker panicked"),
        }
    }
    assert_eq!(total, 400);
    let after = match snapshot(&conn) {
        Ok(s) => s,
        Err(e) => panic!("snapshot: {e}"),
    };
    assert_eq!(before, after, "the node ends as it began");
    let _ = std::fs::remove_dir_all(&dir);
}
