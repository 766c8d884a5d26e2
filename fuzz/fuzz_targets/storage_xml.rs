//! Any bytes: parse as storage pool XML and as volume XML (for a few pool
//! types) must not panic, and whatever parses must format into XML that
//! parses again to the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use virt_xml::storage::{parse_pool, parse_volume};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(def) = parse_pool(text) {
        let xml = def.to_xml();
        match parse_pool(&xml) {
            Ok(again) => assert_eq!(again.to_xml(), xml),
            Err(e) => panic!("our own pool output does not parse: {e}\n{xml}"),
        }
    }
    for pool_type in ["dir", "logical", "disk"] {
        let Ok(def) = parse_volume(text, pool_type) else { continue };
        let xml = def.to_xml();
        match parse_volume(&xml, pool_type) {
            Ok(again) => assert_eq!(again.to_xml(), xml),
            Err(e) => panic!("our own volume output does not parse: {e}\n{xml}"),
        }
    }
});
