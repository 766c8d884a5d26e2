//! Rules of libvirt 9.0's domain parser that the differential run
//! (crates/virt-schema) found, each shown on a small document: what
//! libvirt refuses (its code and words) and what it writes back in place
//! of what was given.

use virt_core::ErrorCode;
use virt_xml::{parse_domain, FormatOptions, XmlError};

/// A test-driver domain with `extra` inside `<domain>` and `os` inside
/// `<os>` after its type.
fn domain(os: &str, extra: &str) -> String {
    format!(
        "<domain type='test'><name>t</name><memory>1024</memory>\
         <os><type>hvm</type>{os}</os>{extra}</domain>"
    )
}

/// The inactive dump of a definition libvirt accepts.
fn dump(xml: &str) -> String {
    parse_domain(xml)
        .unwrap_or_else(|e| panic!("refused: {e}\n{xml}"))
        .to_xml(&FormatOptions {
            inactive: true,
            ..FormatOptions::default()
        })
}

fn refusal(xml: &str) -> XmlError {
    match parse_domain(xml) {
        Ok(_) => panic!("accepted:\n{xml}"),
        Err(e) => e,
    }
}

#[test]
fn seclabels_are_written_as_libvirt_reads_them() {
    // No type: libvirt's "default" label, not written back.
    for dropped in [
        "<seclabel/>",
        "<seclabel model='x'><label>l</label></seclabel>",
    ] {
        assert!(
            !dump(&domain("", dropped)).contains("seclabel"),
            "{dropped}"
        );
    }
    let cases = [
        (
            "<seclabel model='m' type='dynamic'><label>l</label><baselabel>b</baselabel></seclabel>",
            "<seclabel type='dynamic' model='m' relabel='yes'>\n    <baselabel>b</baselabel>\n  </seclabel>",
        ),
        (
            "<seclabel relabel='no' type='static'><label>l</label><imagelabel>i</imagelabel></seclabel>",
            "<seclabel type='static' relabel='no'>\n    <label>l</label>\n  </seclabel>",
        ),
        ("<seclabel model='v' type='none'/>", "<seclabel type='none' model='v'/>"),
        // Model none: no labelling, whatever the type says.
        ("<seclabel model='none'/>", "<seclabel type='none' model='none'/>"),
    ];
    for (given, written) in cases {
        let out = dump(&domain("", given));
        assert!(out.contains(written), "{given}:\n{out}");
    }
}

#[test]
fn seclabel_refusals_have_libvirt_codes() {
    let cases = [
        (
            "<seclabel type='dynamic' relabel='no'/>",
            ErrorCode::ConfigUnsupported,
        ),
        (
            "<seclabel type='none' relabel='yes'/>",
            ErrorCode::ConfigUnsupported,
        ),
        ("<seclabel type='static'/>", ErrorCode::XmlError),
        ("<seclabel type='bogus'/>", ErrorCode::XmlError),
        (
            "<seclabel type='none' model='a'/><seclabel type='none' model='a'/>",
            ErrorCode::XmlDetail,
        ),
        (
            "<seclabel type='none' model='a'/><seclabel type='none'/>",
            ErrorCode::XmlError,
        ),
    ];
    for (given, code) in cases {
        assert_eq!(refusal(&domain("", given)).code(), code, "{given}");
    }
}

/// Two documents libvirt 9.0 refuses without saying why
/// (`virErrorGenericFailure`): refused the same way, with the reason.
#[test]
fn refusals_libvirt_gives_no_cause_for() {
    for xml in [
        domain("", "<resource/>"),
        domain("", "<resource><partition></partition></resource>"),
        domain("<nvram type='file'/>", ""),
    ] {
        let e = refusal(&xml);
        assert_eq!(e.code(), ErrorCode::InternalError);
        assert!(
            e.to_string()
                .starts_with("An error occurred, but the cause is unknown: "),
            "{e}"
        );
    }
    dump(&domain(
        "",
        "<resource><partition>/machine</partition></resource>",
    ));
    dump(&domain(
        "",
        "<resource><fibrechannel appid='a'/></resource>",
    ));
}
