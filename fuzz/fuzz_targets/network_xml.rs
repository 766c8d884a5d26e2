//! Any bytes: parse as network XML (lenient and strict) must not panic, an
//! update with any bytes must not panic, and whatever parses must format
//! into XML that parses again to the same definition.
#![no_main]

use libfuzzer_sys::fuzz_target;
use virt_xml::network::UpdateCommand;
use virt_xml::{parse_network, parse_network_strict};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_network_strict(text);
    let Ok(mut def) = parse_network(text) else {
        // The same bytes as an update of a small network.
        if let Ok(mut def) = parse_network(
            "<network><name>f</name><ip address='10.0.0.1' prefix='24'/></network>",
        ) {
            for section in 0..13 {
                let _ = def.update(UpdateCommand::AddLast, section, -1, text);
            }
        }
        return;
    };
    let xml = def.to_xml();
    match parse_network(&xml) {
        Ok(again) => assert_eq!(again.to_xml(), xml),
        Err(e) => panic!("our own output does not parse: {e}\n{xml}"),
    }
    let _ = def.update(UpdateCommand::Delete, 4, 0, text);
});
