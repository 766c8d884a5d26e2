//! Byte-for-byte comparisons with libvirt 4.0's xend conversions, read in
//! place from the shared corpus (`VIRT_CORPUS`, default `../shared/corpus`).

use std::path::{Path, PathBuf};

use virt_xend::sexpr2xml::{sexpr_text_to_xml, SexprOptions};
use virt_xend::xml2sexpr::domain_to_sexpr;

/// Cases known to pass; the tests fail when fewer pass, so this only goes up.
const SEXPR2XML_FLOOR: usize = 38;
const XML2SEXPR_FLOOR: usize = 41;

fn corpus_root() -> PathBuf {
    std::env::var_os("VIRT_CORPUS").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus"
            ))
        },
        PathBuf::from,
    )
}

/// libvirt's test loader: each backslash+newline pair is deleted.
fn load(path: &Path) -> String {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.replace("\\\n", "")
}

/// The rows of xen-sexpr/MANIFEST.tsv for `test`: (input, expected).
fn manifest(dir: &Path, test: &str) -> Vec<(PathBuf, PathBuf)> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.first() == Some(&test) && cols.len() >= 3)
                .then(|| (dir.join(cols[1]), dir.join(cols[2])))
        })
        .collect()
}

fn report(what: &str, passed: usize, failures: &[String], floor: usize) {
    let total = passed + failures.len();
    println!("{what}: {passed}/{total} byte-equal");
    for f in failures {
        println!("  FAIL {f}");
    }
    assert!(
        passed >= floor,
        "{what}: {passed}/{total} byte-equal, below the floor of {floor}"
    );
}

/// The first differing line of two texts, for the failure list.
fn first_difference(got: &str, want: &str) -> String {
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        if g != w {
            return format!("line {}: got {g:?}, want {w:?}", i + 1);
        }
    }
    format!(
        "lengths differ ({} vs {} lines)",
        got.lines().count(),
        want.lines().count()
    )
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
    let dir = corpus_root().join("xen-sexpr");
    if !dir.is_dir() {
        println!("sexpr2xml: corpus folder {} absent, skipped", dir.display());
        return;
    }
    let (mut passed, mut failures) = (0, Vec::new());
    for (input, expected) in manifest(&dir, "sexpr2xml") {
        let name = input
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let want = load(&expected);
        match sexpr_text_to_xml(load(&input).as_bytes(), &SexprOptions::default()) {
            Ok(got) if got == want => passed += 1,
            Ok(got) => failures.push(format!("{name}: {}", first_difference(&got, &want))),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    report("sexpr2xml", passed, &failures, SEXPR2XML_FLOOR);
}

#[test]
fn corpus_xen_xml2sexpr() {
    let dir = corpus_root().join("xen-sexpr");
    if !dir.is_dir() {
        println!("xml2sexpr: corpus folder {} absent, skipped", dir.display());
        return;
    }
    let (mut passed, mut failures) = (0, Vec::new());
    for (input, expected) in manifest(&dir, "xml2sexpr") {
        let name = input
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let want = load(&expected);
        let got = virt_xml::parse_domain(&load(&input))
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
    report("xml2sexpr", passed, &failures, XML2SEXPR_FLOOR);
}
