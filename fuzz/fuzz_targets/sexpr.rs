//! Any bytes: the S-expression reader must not panic; what it reads must
//! print as text that reads back to the same expression; and a domain
//! description read from it converts to XML or fails cleanly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use virt_xend::sexpr::{parse, parse_lenient};
use virt_xend::sexpr2xml::{sexpr_to_domain, SexprOptions};

fuzz_target!(|data: &[u8]| {
    if let Ok(e) = parse(data) {
        let text = e.to_string();
        assert_eq!(parse(text.as_bytes()).ok(), Some(e));
    }
    if let Ok(e) = parse_lenient(data) {
        if let Ok(def) = sexpr_to_domain(&e, &SexprOptions::default()) {
            let _ = virt_xend::xml2sexpr::domain_to_sexpr(&def);
        }
    }
});
