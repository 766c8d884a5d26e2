//! Any bytes: read as host interface XML and as node device XML (what
//! `iface-define` and `nodedev-create` take) must not panic, strict
//! validation must not panic, and whatever reads must format into XML
//! that reads back to the same definition.
#![no_main]

use libfuzzer_sys::fuzz_target;
use virt_xml::{parse_interface, parse_node_device};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(def) = parse_interface(text) {
        let _ = def.validate();
        let xml = def.to_xml();
        match parse_interface(&xml) {
            Ok(again) => assert_eq!(again, def),
            Err(e) => panic!("our own interface output does not read: {e}\n{xml}"),
        }
    }
    if let Ok(mut def) = parse_node_device(text) {
        let _ = (def.caps(), def.has_cap("fc_host"), def.has_cap("vports"));
        let xml = def.to_xml();
        match parse_node_device(&xml) {
            Ok(again) => assert_eq!(again, def),
            Err(e) => panic!("our own node device output does not read: {e}\n{xml}"),
        }
        // Renaming follows the tree's <name> (the test driver renames
        // copies of its model vHBA, which has one).
        if def.tree.child("name").is_some() {
            def.rename("renamed");
            assert!(parse_node_device(&def.to_xml()).is_ok_and(|d| d.name == "renamed"));
        }
    }
});
