//! libvirt's snapshot XML tests (qemudomainsnapshotxml2xmltest) on the
//! corpus folder `snapshot-xml`: its MANIFEST.tsv says, per file, how
//! libvirt's test reads and writes it; every case must give libvirt's
//! bytes. Skipped with a notice when the folder is absent.

use std::path::Path;
use virt_xml::snapshot::{parse_snapshot, SnapshotFormat, SnapshotParse};

/// One MANIFEST.tsv row.
struct Case {
    kind: String,
    name: String,
    internal: bool,
    uuid: Option<String>,
    time: i64,
    running: bool,
}

fn cases(dir: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Some(Case {
                kind: f.first()?.to_string(),
                name: f.get(1)?.to_string(),
                internal: *f.get(2)? == "1",
                uuid: Some(f.get(3)?.to_string()).filter(|u| u != "-"),
                time: f.get(4)?.parse().ok()?,
                running: *f.get(5)? == "1",
            })
        })
        .collect()
}

/// What our parser and writer make of a case, or why it failed.
fn run(dir: &Path, c: &Case) -> Result<(String, String), String> {
    let read = |sub: &str| {
        std::fs::read_to_string(dir.join(sub).join(format!("{}.xml", c.name)))
            .map_err(|e| format!("{sub}/{}.xml: {e}", c.name))
    };
    let (input, want) = match c.kind.as_str() {
        "out" => (read("out")?, read("out")?),
        "inout" => (read("in")?, read("out")?),
        "in" => (read("in")?, read("in")?),
        k => return Err(format!("unknown kind {k}")),
    };
    let redefine = c.kind == "out";
    let mut def = parse_snapshot(
        &input,
        SnapshotParse {
            redefine,
            internal: c.internal,
        },
    )
    .map_err(|e| e.to_string())?;
    if c.time != 0 {
        def.creation_time = Some(c.time);
        if def.name.is_none() {
            def.name = Some(c.time.to_string());
        }
    }
    if c.running {
        def.state = Some("running".into());
    }
    let got = def.to_xml(
        c.uuid.as_deref(),
        SnapshotFormat {
            secure: false,
            internal: c.internal,
            current: def.active.unwrap_or(false),
        },
    );
    Ok((want, got))
}

#[test]
fn corpus_snapshot_xml2xml() {
    let Some(dir) = virt_testkit::corpus_folder("snapshot-xml", "corpus_snapshot_xml2xml") else {
        return;
    };
    let all = cases(&dir);
    assert!(
        !all.is_empty(),
        "{}: MANIFEST.tsv lists no case",
        dir.display()
    );
    let mut failed = Vec::new();
    for c in &all {
        match run(&dir, c) {
            Ok((want, got)) if want == got => {}
            Ok((want, got)) => failed.push(format!(
                "{} {}: {}",
                c.kind,
                c.name,
                virt_testkit::first_difference(&want, &got)
            )),
            Err(e) => failed.push(format!("{} {}: {e}", c.kind, c.name)),
        }
    }
    println!(
        "corpus_snapshot_xml2xml: {} of {} cases as libvirt writes them",
        all.len() - failed.len(),
        all.len()
    );
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
