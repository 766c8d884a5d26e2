//! Any bytes as xend's HTTP reply: a response or an error, never a panic,
//! and never a body longer than the cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use virt_xend::http::parse_response;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = parse_response(data, 4096) {
        assert!(r.body.len() <= 4096);
    }
});
