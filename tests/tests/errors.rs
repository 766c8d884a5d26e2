//! libvirt's error model end to end: last error per connection and per
//! thread, the connection's callback before the global one, and resets.
//! One test function, because the global callback is process-wide.

use std::sync::{Arc, Mutex};
use virt_core::{
    last_error, reset_last_error, set_error_callback, Connect, ErrorCallback, ErrorCode,
    ErrorDomain,
};
use virt_tests::register_drivers;

fn recorder() -> (ErrorCallback, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let cb: ErrorCallback = Arc::new(move |e| {
        if let Ok(mut v) = s.lock() {
            v.push(e.message.clone());
        }
    });
    (cb, seen)
}

fn taken(seen: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
    seen.lock()
        .map(|mut v| std::mem::take(&mut *v))
        .unwrap_or_default()
}

#[test]
fn error_model_end_to_end() {
    register_drivers();
    let a = Connect::open("test:///default").expect("open");
    let b = Connect::open("test:///default").expect("open");
    reset_last_error();
    assert!(last_error().is_none());

    // An error lands on its connection and on this thread, not elsewhere.
    assert!(a.lookup_by_name("nosuchdom").is_err());
    let e = a
        .last_error()
        .unwrap_or_else(|| panic!("no connection error"));
    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (ErrorCode::NoDomain, ErrorDomain::Test, "Domain not found")
    );
    assert_eq!(last_error().map(|e| e.code), Some(ErrorCode::NoDomain));
    assert!(b.last_error().is_none());
    let other_thread = std::thread::spawn(last_error).join().ok().flatten();
    assert!(other_thread.is_none());

    // An error raised on another thread is that thread's, and the
    // connection's (shared), but not this thread's.
    let b2 = b.clone();
    let code_there = std::thread::spawn(move || {
        let _ = b2.lookup_by_name("test").and_then(|d| d.resume());
        last_error().map(|e| e.code)
    })
    .join()
    .ok()
    .flatten();
    assert_eq!(code_there, Some(ErrorCode::InternalError));
    assert_eq!(
        b.last_error().map(|e| e.message),
        Some("internal error: domain 'test' not paused".to_string())
    );
    assert_eq!(last_error().map(|e| e.code), Some(ErrorCode::NoDomain));

    // Success does not clear the last error; the resets do.
    assert!(a.lookup_by_name("test").is_ok());
    assert!(a.last_error().is_some());
    a.reset_last_error();
    assert!(a.last_error().is_none());
    assert!(last_error().is_some());
    reset_last_error();
    assert!(last_error().is_none());

    // The global callback sees errors of connections without their own.
    let (global, global_seen) = recorder();
    let (own, own_seen) = recorder();
    set_error_callback(Some(global));
    a.set_error_callback(Some(own));
    assert!(a.lookup_by_id(4242).is_err());
    assert!(b.lookup_by_id(4343).is_err());
    assert_eq!(taken(&own_seen), vec!["Domain not found".to_string()]);
    assert_eq!(taken(&global_seen), vec!["Domain not found".to_string()]);
    // Read-only refusals and open failures go through the same path.
    let ro = Connect::open_read_only("test:///default").expect("open ro");
    assert!(ro.define_xml("<domain/>").is_err());
    assert!(Connect::open("test:///").is_err());
    let g = taken(&global_seen);
    assert_eq!(g.len(), 2, "{g:?}");
    assert!(g[0].starts_with("operation forbidden: read only access prevents"));
    assert_eq!(
        g[1],
        "invalid argument: testOpen: supply a path or use test:///default"
    );
    // Removing the connection's callback falls back to the global one.
    a.set_error_callback(None);
    assert!(a.lookup_by_name("again").is_err());
    assert!(taken(&own_seen).is_empty());
    assert_eq!(taken(&global_seen).len(), 1);
    set_error_callback(None);
    assert!(a.lookup_by_name("again").is_err());
    assert!(taken(&global_seen).is_empty());
    assert_eq!(a.last_error().map(|e| e.code), Some(ErrorCode::NoDomain));
}
