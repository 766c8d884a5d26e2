//! Inputs the fuzzer (fuzz/, target domain_xml) once crashed the parser
//! with: each must now give a clean error.

const CRASHES: &[&[u8]] = &[
    // A byte-order mark, then a tokenizer error: error offsets must not
    // slice inside the BOM.
    b"\xef\xbb\xbf  <I\r\x1b\n ",
    b"\xef\xbb\xbf <<<\xef\xbb\xbf ",
    b"\xef\xbb\xbf\n\x0c<",
];

#[test]
fn fuzz_crashes_are_clean_errors() {
    for input in CRASHES {
        let text = String::from_utf8_lossy(input);
        assert!(virt_xml::parse_domain(&text).is_err(), "{input:?} parsed");
        assert!(virt_xml::parse_element(&text).is_err(), "{input:?} parsed");
    }
}
