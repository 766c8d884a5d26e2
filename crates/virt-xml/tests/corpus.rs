//! Corpus checks against libvirt's own data (see ../shared/corpus/README.md):
//! libvirt 9.0 output must round-trip byte for byte, every era's domain XML
//! must parse, our output must validate, and the test driver's domain must
//! print exactly as virsh prints it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use virt_xml::{parse_domain, parse_element, DomainDef, FormatOptions};

fn corpus_root() -> PathBuf {
    match std::env::var_os("VIRT_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpus"
        )),
    }
}

/// The corpus folder `rel`, or `None` (with a notice) when it is absent.
fn folder(rel: &str) -> Option<PathBuf> {
    let p = corpus_root().join(rel);
    if p.is_dir() {
        Some(p)
    } else {
        println!("corpus folder {} absent: skipped", p.display());
        None
    }
}

/// The `.xml` files directly in `dir`, sorted.
fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "xml"));
    v.sort();
    v
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
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

fn first_difference(want: &str, got: &str) -> String {
    for (i, (a, b)) in want.lines().zip(got.lines()).enumerate() {
        if a != b {
            return format!("line {}: want {a:?} got {b:?}", i + 1);
        }
    }
    format!(
        "lengths {} vs {} lines",
        want.lines().count(),
        got.lines().count()
    )
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
    let mut passed = 0;
    for (case, opts) in [
        (
            "15-dumpxml.rc0.txt",
            FormatOptions {
                id: Some(1),
                ..FormatOptions::default()
            },
        ),
        (
            "16-dumpxml-inactive.rc0.txt",
            FormatOptions {
                id: Some(1),
                inactive: true,
                ..FormatOptions::default()
            },
        ),
    ] {
        let want = golden_stdout(&golden.join(case));
        let got = format!("{}\n", def.to_xml(&opts));
        assert_eq!(got, want, "{case}");
        passed += 1;
    }
    println!("corpus_test_driver_dumpxml: {passed} of 2 identical");
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
    let tmp = std::env::temp_dir().join(format!("virt-xml-validate-{}", std::process::id()));
    let _ = fs::create_dir_all(&tmp);
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
    let _ = fs::remove_dir_all(&tmp);
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
