//! Any bytes: parse as domain XML (lenient and strict) must not panic, and
//! whatever parses must format into XML that parses again to the same
//! definition.
#![no_main]

use libfuzzer_sys::fuzz_target;
use virt_xml::{parse_domain, parse_domain_strict, FormatOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_domain_strict(text);
    let Ok(def) = parse_domain(text) else { return };
    let xml = def.to_xml(&FormatOptions::default());
    match parse_domain(&xml) {
        Ok(again) => assert_eq!(again.to_xml(&FormatOptions::default()), xml),
        Err(e) => panic!("our own output does not parse: {e}\n{xml}"),
    }
});
