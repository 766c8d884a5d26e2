//! Byte-for-byte comparisons with libvirt 4.0's xend conversions, read in
//! place from the shared corpus (`VIRT_CORPUS`, default `../shared/corpus`).

mod common;

use common::{load, manifest_of};
use virt_testkit::{corpus_folder, first_difference};
use virt_xend::sexpr2xml::{sexpr_text_to_xml, SexprOptions};
use virt_xend::xml2sexpr::domain_to_sexpr;

/// Prints passed/total and every failing case; fails when any case failed.
fn report(what: &str, passed: usize, failures: &[String]) {
    let total = passed + failures.len();
    println!("{what}: {passed}/{total} byte-equal");
    for f in failures {
        println!("  FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{what}: {} of {total} cases differ",
        failures.len()
    );
}

/// Where two one-line texts part, with some context.
fn first_byte_difference(got: &str, want: &str) -> String {
    let at = got
        .bytes()
        .zip(want.bytes())
        .position(|(g, w)| g != w)
        .unwrap_or(got.len().min(want.len()));
    let from = at.saturating_sub(30);
    let context = |s: &str| {
        s.get(from..(at + 50).min(s.len()))
            .unwrap_or("")
            .to_string()
    };
    format!(
        "byte {at}: got {:?}, want {:?}",
        context(got),
        context(want)
    )
}

#[test]
fn corpus_xen_sexpr2xml() {
    let Some(dir) = corpus_folder("xen-sexpr", "sexpr2xml") else {
        return;
    };
    let (mut passed, mut failures) = (0, Vec::new());
    for case in manifest_of(&dir, "sexpr2xml").expect("MANIFEST.tsv") {
        let (name, input) = (case.name(), &case.input);
        let want = load(&case.expected);
        match sexpr_text_to_xml(load(input).as_bytes(), &SexprOptions::default()) {
            Ok(got) if got == want => passed += 1,
            Ok(got) => failures.push(format!("{name}: {}", first_difference(&want, &got))),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    report("sexpr2xml", passed, &failures);
}

#[test]
fn corpus_xen_xml2sexpr() {
    let Some(dir) = corpus_folder("xen-sexpr", "xml2sexpr") else {
        return;
    };
    let (mut passed, mut failures) = (0, Vec::new());
    for case in manifest_of(&dir, "xml2sexpr").expect("MANIFEST.tsv") {
        let (name, input) = (case.name(), &case.input);
        let want = load(&case.expected);
        let got = virt_xml::parse_domain(&load(input))
            .map_err(virt_xend::XendError::from)
            .and_then(|def| domain_to_sexpr(&def));
        match got {
            Ok(mut got) => {
                // libvirt's comparison adds the expected file's final
                // newline when the output lacks it.
                if want.ends_with('\n') && !got.ends_with('\n') {
                    got.push('\n');
                }
                if got == want {
                    passed += 1;
                } else {
                    failures.push(format!("{name}: {}", first_byte_difference(&got, &want)));
                }
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    report("xml2sexpr", passed, &failures);
}
