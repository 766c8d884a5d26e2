//! The C library keeps up with virt-core's driver table: every call of
//! the table is declared in our headers (and so, by tests/layout.rs,
//! exported with libvirt's prototype and called by a C test), or listed in
//! not-yet.txt.

use std::path::Path;

macro_rules! driver_apis {
    ($( $(#[$m:meta])* [$api:ident, $kind:ident $(, check $check:ident)? $(, default $default:block)?]
       fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty; )*) => {
        const DRIVER_APIS: &[&str] = &[$(stringify!($api)),*];
    };
}
virt_core::for_each_driver_method!(driver_apis);

fn read(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// True when `text` declares a function `name` (the name followed by `(`).
fn declares(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].trim_start().chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_') && after == Some('(')
    })
}

#[test]
fn every_driver_call_is_declared_or_listed() {
    let headers = read("include/libvirt/libvirt.h") + &read("include/libvirt/virterror.h");
    let not_yet = read("not-yet.txt");
    let listed: Vec<&str> = not_yet
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let missing: Vec<&&str> = DRIVER_APIS
        .iter()
        .filter(|a| !declares(&headers, a) && !listed.contains(a))
        .collect();
    assert!(
        missing.is_empty(),
        "driver calls the C library neither offers nor lists in crates/virt-capi/not-yet.txt: {missing:?}"
    );
    let stale: Vec<&&str> = listed.iter().filter(|a| declares(&headers, a)).collect();
    assert!(
        stale.is_empty(),
        "not-yet.txt lists calls the headers declare: {stale:?}"
    );
    let mut calls = DRIVER_APIS.to_vec();
    calls.sort_unstable();
    calls.dedup();
    println!(
        "{} of {} driver calls offered in C",
        calls.len() - listed.len(),
        calls.len()
    );
}
