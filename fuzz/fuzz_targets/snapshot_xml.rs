//! Any bytes: parse as domain snapshot XML (new and redefined, driver
//! metadata) must not panic, and whatever parses as a redefined snapshot
//! must format into XML that parses again and formats the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use virt_xml::snapshot::{parse_snapshot, SnapshotFormat, SnapshotParse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_snapshot(text, SnapshotParse::default());
    let how = SnapshotParse {
        redefine: true,
        internal: false,
    };
    let Ok(def) = parse_snapshot(text, how) else { return };
    let xml = def.to_xml(None, SnapshotFormat::default());
    match parse_snapshot(&xml, how) {
        Ok(again) => assert_eq!(again.to_xml(None, SnapshotFormat::default()), xml),
        Err(e) => panic!("our own output does not parse: {e}\n{xml}"),
    }
});
