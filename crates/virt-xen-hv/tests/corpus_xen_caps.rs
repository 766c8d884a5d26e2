//! libvirt 0.2.3's Xen capabilities tests: for each row of
//! era-0.2/LIVIRT_0_2_3/xencaps/MANIFEST.tsv (host machine, expected XML,
//! cpuinfo, capabilities string), the document we build must be
//! byte-equal to the expected one.
#![allow(clippy::unwrap_used, clippy::expect_used)] // In tests a panic is the failure report.

use std::fs;

use virt_testkit::corpus_root;
use virt_xen_hv::capabilities::{legacy_capabilities, legacy_xml};

#[test]
fn corpus_xen_caps() {
    let dir = corpus_root().join("era-0.2/LIVIRT_0_2_3/xencaps");
    if !dir.is_dir() {
        println!("skipped: no corpus folder {}", dir.display());
        return;
    }
    let manifest = fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let (mut passed, mut total) = (0, 0);
    let mut absent = Vec::new();
    let mut failures = Vec::new();
    for line in manifest.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [machine, xml, cpuinfo, caps] = cols[..] else {
            panic!("bad manifest row {line:?}");
        };
        let read = |f: &str| fs::read_to_string(dir.join(f)).ok();
        let (Some(want), Some(cpuinfo), Some(caps)) = (read(xml), read(cpuinfo), read(caps)) else {
            // libvirt's own test of this row was disabled and its files
            // never existed; a row without files has nothing to compare.
            absent.push(xml);
            continue;
        };
        total += 1;
        match legacy_capabilities(machine, &cpuinfo, &caps) {
            Ok(c) => {
                let got = legacy_xml(&c);
                if got == want {
                    passed += 1;
                } else {
                    failures.push(format!("{xml}: got\n{got}\nwant\n{want}"));
                }
            }
            Err(e) => failures.push(format!("{xml}: {e}")),
        }
    }
    println!("corpus_xen_caps: {passed}/{total} passed");
    if !absent.is_empty() {
        println!(
            "corpus_xen_caps: {} manifest rows name files that are absent: {absent:?}",
            absent.len()
        );
    }
    if total == 0 {
        // A folder of the corpus layout may hold no case with its files:
        // nothing to compare is no failure.
        println!(
            "corpus_xen_caps: no case with its files in {}: nothing compared",
            dir.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
