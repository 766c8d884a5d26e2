//! Inputs the fuzzer (fuzz/, target domain_xml) once crashed the parser
//! with: each must now give a clean error.

const CRASHES: &[&[u8]] = &[
    // A byte-order mark, then a tokenizer error: error offsets must not
    // slice inside the BOM.
    b"\xef\xbb\xbf  <I\r\x1b\n ",
    b"\xef\xbb\xbf <<<\xef\xbb\xbf ",
    b"\xef\xbb\xbf\n\x0c<",
    // An end tag whose name ends in a form feed: not XML white space, so
    // the names differ (the fast reading once trimmed it and accepted).
    b"\x0c\x0c<nnn:>\0\0\0\0(<nnn:> \x0c\x0b \0\x0c</nnn:> \x0c\0\0</nnn: \x0c>",
];

#[test]
fn fuzz_crashes_are_clean_errors() {
    for input in CRASHES {
        let text = String::from_utf8_lossy(input);
        assert!(virt_xml::parse_domain(&text).is_err(), "{input:?} parsed");
        assert!(virt_xml::parse_element(&text).is_err(), "{input:?} parsed");
    }
}

/// Found by the mutation property test: a memory unit starting with a
/// multi-byte character once panicked while splitting off its first letter.
#[test]
fn multi_byte_memory_unit_is_a_clean_error() {
    let xml = "<domain type='test'><name>a</name><os><type>hvm</type></os>\
               <memory unit='\u{fffd}ib'>1</memory></domain>";
    let err = virt_xml::parse_domain(xml).err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("invalid argument: unknown suffix '\u{fffd}ib'")
    );
}
