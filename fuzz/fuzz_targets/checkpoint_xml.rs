//! Any bytes: parse as domain checkpoint XML (new and redefined) must not
//! panic, and whatever parses as a redefined checkpoint must format into
//! XML that parses again and formats the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use virt_xml::checkpoint::{parse_checkpoint, CheckpointFormat};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_checkpoint(text, false);
    let Ok(def) = parse_checkpoint(text, true) else { return };
    let xml = def.to_xml(CheckpointFormat::default());
    match parse_checkpoint(&xml, true) {
        Ok(again) => assert_eq!(again.to_xml(CheckpointFormat::default()), xml),
        Err(e) => panic!("our own output does not parse: {e}\n{xml}"),
    }
});
