//! Corpus checks against libvirt's own data (see ../shared/corpus/README.md):
//! libvirt 9.0 output must round-trip byte for byte, every era's domain XML
//! must parse, our output must validate, and the test driver's domain must
//! print exactly as virsh prints it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use virt_xml::{parse_domain, parse_element, DomainDef, FormatOptions};

mod common;
use common::corpus_root;
use virt_testkit::{corpus_folder, file_name as name_of, first_difference, xml_files};

/// The corpus folder `rel`, or `None` (with a notice) when it is absent.
fn folder(rel: &str) -> Option<PathBuf> {
    corpus_folder(rel, "virt-xml corpus")
}

/// libvirt's own output (qemuxml2xmloutdata): format(parse(x)) == x.
#[test]
fn corpus_domain_xml() {
    let Some(dir) = folder("domain-xml") else {
        return;
    };
    let files = xml_files(&dir);
    let inactive = FormatOptions {
        inactive: true,
        ..FormatOptions::default()
    };
    let mut identical = 0;
    let mut differ = Vec::new();
    let mut unstable = Vec::new();
    let mut failed = Vec::new();
    for f in &files {
        let text = fs::read_to_string(f).unwrap_or_default();
        let def = match parse_domain(&text) {
            Ok(d) => d,
            Err(e) => {
                failed.push(format!("{}: {e}", name_of(f)));
                continue;
            }
        };
        let out = def.to_xml(&inactive);
        // The tree form says the same as the text form.
        assert_eq!(def.to_element(&inactive).to_xml(0), out, "{}", name_of(f));
        if out == text {
            identical += 1;
        } else {
            differ.push((name_of(f), first_difference(&text, &out)));
        }
        match parse_domain(&out) {
            Ok(again) if again == def => {}
            Ok(_) => unstable.push(name_of(f)),
            Err(e) => unstable.push(format!("{}: {e}", name_of(f))),
        }
    }
    println!(
        "corpus_domain_xml: {identical} of {} byte-identical after parse+format",
        files.len()
    );
    for (n, d) in &differ {
        println!("  differs: {n}: {d}");
    }
    assert!(failed.is_empty(), "parse failures: {failed:#?}");
    assert!(
        unstable.is_empty(),
        "parse(format(parse(x))) != parse(x): {unstable:#?}"
    );
    assert!(
        differ.is_empty(),
        "{} of {} differ from libvirt's output",
        differ.len(),
        files.len()
    );
}

/// Every domain XML of every era parses; other documents are well-formed.
#[test]
fn corpus_parse_all() {
    let root = corpus_root();
    if !root.is_dir() {
        println!("corpus {} absent: skipped", root.display());
        return;
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    for rel in [
        "domain-xml",
        "xen-xm",
        "xen-xm-v9.0.0",
        "qemu-argv",
        "virsh-golden/inputs",
    ] {
        dirs.extend(folder(rel));
    }
    for rel in ["xen-sexpr"] {
        if let Some(d) = folder(rel) {
            dirs.extend(subdirs(&d));
        }
    }
    if let Some(era) = folder("era-0.2") {
        for tag in subdirs(&era) {
            dirs.extend(subdirs(&tag));
        }
    }
    let mut ok = 0;
    let mut total = 0;
    let mut failed = Vec::new();
    for dir in &dirs {
        for f in xml_files(dir) {
            let text = fs::read_to_string(&f).unwrap_or_default();
            let rel = f.strip_prefix(&root).unwrap_or(&f).display().to_string();
            total += 1;
            // The virsh-golden bad-* inputs are meant to fail.
            let expect_failure = name_of(&f).starts_with("bad-");
            let result = match parse_element(&text) {
                Ok(el) if el.name == "domain" || expect_failure => {
                    DomainDef::from_element(&el).map(|_| ())
                }
                Ok(_) => Ok(()),
                Err(e) => Err(e),
            };
            match (result, expect_failure) {
                (Ok(()), false) | (Err(_), true) => ok += 1,
                (Ok(()), true) => failed.push(format!("{rel}: parsed but should fail")),
                (Err(e), false) => failed.push(format!("{rel}: {e}")),
            }
        }
    }
    // The test driver's built-in config: its <domain>.
    if let Some(td) = folder("test-driver") {
        total += 1;
        match test_driver_domain(&td) {
            Ok(_) => ok += 1,
            Err(e) => failed.push(format!("test-driver/default-config.v9.0.0.xml: {e}")),
        }
    }
    println!("corpus_parse_all: {ok} of {total} documents as expected");
    assert!(failed.is_empty(), "{failed:#?}");
}

fn subdirs(d: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(d)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn test_driver_domain(dir: &Path) -> Result<DomainDef, String> {
    let text =
        fs::read_to_string(dir.join("default-config.v9.0.0.xml")).map_err(|e| e.to_string())?;
    let node = parse_element(&text).map_err(|e| e.to_string())?;
    let dom = node
        .child("domain")
        .ok_or("no <domain> in the node config")?;
    DomainDef::from_element(dom).map_err(|e| e.to_string())
}

/// virsh's dumpxml of the test driver's domain (golden cases 15 and 16).
#[test]
fn corpus_test_driver_dumpxml() {
    let (Some(td), Some(golden)) = (folder("test-driver"), folder("virsh-golden")) else {
        return;
    };
    let mut def = match test_driver_domain(&td) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    def.fill_defaults();
    def.os.arch = Some("i686".into());
    // The test driver names the interface of a running domain.
    if let Some(i) = def.devices.interfaces.first_mut() {
        i.target_dev = Some("testnet0".into());
    }
    // Every golden case that dumps the running domain `test`, found by its
    // command line (the case file's first line), with or without --inactive.
    let mut cases: Vec<(PathBuf, bool)> = fs::read_dir(&golden)
        .map(|rd| rd.flatten().map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            let text = fs::read_to_string(&p).ok()?;
            let argv: Vec<&str> = text.lines().next()?.split_whitespace().collect();
            match argv.as_slice() {
                ["virsh", "-c", "test:///default", "dumpxml", "test"] => Some((p, false)),
                ["virsh", "-c", "test:///default", "dumpxml", "--inactive", "test"] => {
                    Some((p, true))
                }
                _ => None,
            }
        })
        .collect();
    cases.sort();
    if cases.is_empty() {
        return println!(
            "corpus_test_driver_dumpxml: no dumpxml case in {}, skipped",
            golden.display()
        );
    }
    let mut failures = Vec::new();
    for (case, inactive) in &cases {
        let opts = FormatOptions {
            id: Some(1),
            inactive: *inactive,
            ..FormatOptions::default()
        };
        let want = golden_stdout(case);
        let got = format!("{}\n", def.to_xml(&opts));
        if got != want {
            failures.push(format!("{}: got\n{got}want\n{want}", case.display()));
        }
    }
    println!(
        "corpus_test_driver_dumpxml: {}/{} identical",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The stdout part of a virsh-golden case file.
fn golden_stdout(p: &Path) -> String {
    let text = fs::read_to_string(p).unwrap_or_default();
    let body = text.split_once("\n---\n").map(|(_, b)| b).unwrap_or("");
    match body.rfind("\n--- exit=") {
        Some(i) => body[..i + 1].to_string(),
        None => body.to_string(),
    }
}

/// Our output validates against libvirt's RelaxNG schema.
#[test]
fn corpus_output_validates() {
    let Some(dir) = folder("domain-xml") else {
        return;
    };
    if Command::new("virt-xml-validate")
        .arg("--help")
        .output()
        .is_err()
    {
        println!("virt-xml-validate not installed: skipped");
        return;
    }
    let scratch = virt_testkit::TempDir::new("xml-validate");
    let tmp = scratch.path();
    let files = xml_files(&dir);
    let mut ok = 0;
    let mut failed = Vec::new();
    for f in &files {
        let Ok(def) = parse_domain(&fs::read_to_string(f).unwrap_or_default()) else {
            failed.push(format!("{}: does not parse", name_of(f)));
            continue;
        };
        let out = tmp.join(name_of(f));
        if fs::write(&out, def.to_xml(&FormatOptions::default())).is_err() {
            failed.push(format!("{}: cannot write {}", name_of(f), out.display()));
            continue;
        }
        match Command::new("virt-xml-validate")
            .arg(&out)
            .arg("domain")
            .output()
        {
            Ok(o) if o.status.success() => ok += 1,
            Ok(o) => failed.push(format!(
                "{}: {}",
                name_of(f),
                String::from_utf8_lossy(&o.stderr)
            )),
            Err(e) => failed.push(format!("{}: {e}", name_of(f))),
        }
    }
    println!("corpus_output_validates: {ok} of {} validate", files.len());
    assert!(failed.is_empty(), "{failed:#?}");
}

/// A definition through the generic defaults prints as virsh's
/// `define; dumpxml` does (the real virsh is the oracle when installed).
#[test]
fn corpus_virsh_define_newdom() {
    let Some(golden) = folder("virsh-golden") else {
        return;
    };
    let input = golden.join("inputs/newdom.xml");
    let mut def = match parse_domain(&fs::read_to_string(&input).unwrap_or_default()) {
        Ok(d) => d,
        Err(e) => panic!("newdom.xml: {e}"),
    };
    def.fill_defaults();
    def.os.arch = Some("i686".into());
    let got = def.to_xml(&FormatOptions::default());
    let real = Command::new("/usr/bin/virsh")
        .current_dir(&golden)
        .args([
            "-c",
            "test:///default",
            "define inputs/newdom.xml; dumpxml newdom",
        ])
        .env("LC_ALL", "C")
        .output();
    let Ok(real) = real.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()) else {
        println!("virsh not installed: compared nothing");
        return;
    };
    let want = real
        .split_once("\n\n")
        .map(|(_, x)| x)
        .unwrap_or("")
        .trim_end_matches('\n');
    assert_eq!(got.trim_end_matches('\n'), want);
    println!("corpus_virsh_define_newdom: 1 of 1 identical");
}

/// Strict mode (VIR_DOMAIN_DEFINE_VALIDATE) accepts every schema-valid
/// corpus document, and refuses each with one unknown element or
/// attribute put into it, naming it and its line.
#[test]
fn corpus_strict_mode() {
    let Some(dir) = folder("domain-xml") else {
        return;
    };
    let files = xml_files(&dir);
    let mut ok = 0;
    let mut failed = Vec::new();
    for f in &files {
        let text = fs::read_to_string(f).unwrap_or_default();
        if let Err(e) = virt_xml::parse_domain_strict(&text) {
            failed.push(format!("{}: strict refused: {e}", name_of(f)));
            continue;
        }
        // An unknown element right after <name> (line 3 in libvirt's layout).
        let bad = text.replacen("</name>\n", "</name>\n  <gadget/>\n", 1);
        let line = bad
            .lines()
            .position(|l| l.contains("<gadget/>"))
            .map_or(0, |i| i + 1);
        match virt_xml::parse_domain_strict(&bad) {
            Err(e)
                if e.code() == virt_core::ErrorCode::XmlDetail
                    && e.to_string()
                        == format!(
                            "(domain_definition):{line}: element 'gadget' is not allowed in 'domain'"
                        ) => {}
            other => {
                failed.push(format!("{}: unknown element: {other:?}", name_of(f)));
                continue;
            }
        }
        // The lenient parse keeps it, in its place.
        match parse_domain(&bad) {
            Ok(d) if d.to_xml(&FormatOptions::default()) == bad => {}
            Ok(d) => {
                failed.push(format!(
                    "{}: unknown element moved: {}",
                    name_of(f),
                    first_difference(&bad, &d.to_xml(&FormatOptions::default()))
                ));
                continue;
            }
            Err(e) => {
                failed.push(format!("{}: {e}", name_of(f)));
                continue;
            }
        }
        ok += 1;
    }
    println!("corpus_strict_mode: {ok} of {} as expected", files.len());
    assert!(failed.is_empty(), "{failed:#?}");
}

/// A small deterministic generator for the mutation test.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Mutated corpus files (byte flips, truncations, duplicated slices) and
/// random bytes give errors or definitions, never a panic; whatever parses
/// formats to something that parses again.
#[test]
fn corpus_mutations_never_panic() {
    let Some(dir) = folder("domain-xml") else {
        return;
    };
    let mut rng = SplitMix(0x5eed);
    let mut cases = 0;
    let mut parsed = 0;
    for f in xml_files(&dir) {
        let base = fs::read(&f).unwrap_or_default();
        for round in 0..24 {
            let mut b = base.clone();
            match round % 4 {
                0 => {
                    for _ in 0..1 + rng.below(4) {
                        let i = rng.below(b.len());
                        if let Some(x) = b.get_mut(i) {
                            *x = rng.next() as u8;
                        }
                    }
                }
                1 => b.truncate(rng.below(b.len())),
                2 => {
                    let i = rng.below(b.len());
                    let j = (i + rng.below(200)).min(b.len());
                    let slice = b.get(i..j).unwrap_or_default().to_vec();
                    let at = rng.below(b.len());
                    b.splice(at..at, slice);
                }
                _ => {
                    let i = rng.below(b.len());
                    let len = rng.below(64);
                    for k in i..(i + len).min(b.len()) {
                        if let Some(x) = b.get_mut(k) {
                            *x = b"<>/='\"&; ab:"[rng.below(12)];
                        }
                    }
                }
            }
            let text = String::from_utf8_lossy(&b);
            cases += 2;
            if let Ok(def) = parse_domain(&text) {
                parsed += 1;
                let out = def.to_xml(&FormatOptions::default());
                assert!(
                    parse_domain(&out).is_ok(),
                    "{}: output of a mutant does not parse:\n{out}",
                    name_of(&f)
                );
            }
            let _ = virt_xml::parse_domain_strict(&text);
        }
    }
    for _ in 0..500 {
        let len = rng.below(300);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = parse_domain(&String::from_utf8_lossy(&bytes));
        cases += 1;
    }
    println!(
        "corpus_mutations_never_panic: {cases} inputs, {parsed} mutants still parsed, no panic"
    );
}

/// Deep nesting and huge values end in libxml2's errors, not a stack
/// overflow or unbounded memory.
#[test]
fn deep_and_huge_documents_are_refused() {
    let depth = 100_000;
    let mut deep = String::with_capacity(depth * 7 + 64);
    deep.push_str("<domain type='test'><name>d</name>");
    for _ in 0..depth {
        deep.push_str("<a>");
    }
    for _ in 0..depth {
        deep.push_str("</a>");
    }
    deep.push_str("</domain>");
    match parse_domain(&deep) {
        Err(e) => assert!(
            e.to_string()
                .contains("Excessive depth in document: 256 use XML_PARSE_HUGE option"),
            "{e}"
        ),
        Ok(_) => panic!("100,000 nested elements accepted"),
    }
    // 255 levels below the root are fine.
    let mut ok = String::from(
        "<domain type='test'><name>d</name><memory>1</memory><os><type>hvm</type></os><metadata>",
    );
    for _ in 0..250 {
        ok.push_str("<a>");
    }
    for _ in 0..250 {
        ok.push_str("</a>");
    }
    ok.push_str("</metadata></domain>");
    assert!(parse_domain(&ok).is_ok());

    let huge = format!(
        "<domain type='test'><name x='{}'>d</name></domain>",
        "v".repeat(virt_xml::MAX_TEXT_LENGTH + 1)
    );
    match parse_domain(&huge) {
        Err(e) => assert!(e.to_string().contains("AttValue length too long"), "{e}"),
        Ok(_) => panic!("huge attribute accepted"),
    }
    let huge_text = format!(
        "<domain type='test'><name>{}</name></domain>",
        "v".repeat(virt_xml::MAX_TEXT_LENGTH + 1)
    );
    assert!(parse_domain(&huge_text).is_err());
}
