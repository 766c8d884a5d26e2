//! Disagreements kept as regression cases.
//!
//! Each kind of disagreement (its [`signature`]: the libvirt message or
//! the first differing dump line, with values masked) is kept once, as two
//! files in a folder: `<key>.xml`, the document, and `<key>.libvirt`,
//! libvirt 9.0's verdict on it (`accepted` + the dump, `refused` + the
//! message, or `crashed` + how). `OPEN.tsv` in the same folder lists the
//! kinds not settled yet, one a line: key, signature, and the reason
//! (libvirt's own bug, or what virt-xml still lacks). A kept case not in
//! `OPEN.tsv` must agree; one in it must still disagree (else it is fixed
//! and its line goes).

use std::collections::BTreeMap;
use std::path::Path;

use crate::diff::{Agreement, Outcome, Verdict};
use crate::SchemaError;

/// libvirt's text for an error raised without a message of its own.
const NO_CAUSE: &str = "An error occurred, but the cause is unknown";

/// The kind of a disagreement, with the values masked so that documents
/// failing for the same reason share it.
pub fn signature(o: &Outcome) -> String {
    match (&o.ours, &o.libvirt, o.agreement) {
        (_, Verdict::Crashed(how), _) => format!("libvirt dies: {}", mask(how)),
        (_, Verdict::Refused(m), _) if m.starts_with(NO_CAUSE) => {
            format!("libvirt refuses: {NO_CAUSE}")
        }
        (Verdict::Accepted(a), Verdict::Accepted(b), _) => {
            let (x, y) = first_differing_lines(a, b);
            format!("dump: ours {} / libvirt {}", tag_of(x), tag_of(y))
        }
        (Verdict::Accepted(_), Verdict::Refused(m), _) => {
            format!("libvirt refuses: {}", mask(m))
        }
        (Verdict::Refused(m), Verdict::Accepted(_), _) => format!("we refuse: {}", mask(m)),
        (Verdict::Refused(a), Verdict::Refused(b), Agreement::OtherCode) => {
            format!("other code: ours {} / libvirt {}", mask(a), mask(b))
        }
        (ours, theirs, _) => format!("{ours:?} / {theirs:?}"),
    }
}

/// A stable short key for a signature (FNV-1a, 64 bits, hex).
pub fn key(signature: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in signature.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Quoted values, numbers and hex words replaced by placeholders.
pub fn mask(text: &str) -> String {
    let first = text.lines().next().unwrap_or("");
    let mut out = String::new();
    let mut quoted = false;
    let mut prev_digit = false;
    for c in first.chars() {
        if c == '\'' {
            if !quoted {
                out.push_str("'…'");
            }
            quoted = !quoted;
            continue;
        }
        if quoted {
            continue;
        }
        if c.is_ascii_digit() {
            if !prev_digit {
                out.push('N');
            }
            prev_digit = true;
            continue;
        }
        prev_digit = false;
        out.push(c);
    }
    out
}

fn first_differing_lines<'a>(a: &'a str, b: &'a str) -> (&'a str, &'a str) {
    let mut la = a.lines();
    let mut lb = b.lines();
    loop {
        match (la.next(), lb.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (x, y) => return (x.unwrap_or("(end)"), y.unwrap_or("(end)")),
        }
    }
}

/// `<name>` of a line (`</name>` for a closing tag), or the line masked.
fn tag_of(line: &str) -> String {
    let t = line.trim_start();
    match t.strip_prefix('<') {
        Some(rest) => {
            let name: String = rest
                .chars()
                .enumerate()
                .take_while(|&(i, c)| !(c.is_whitespace() || c == '>' || (c == '/' && i > 0)))
                .map(|(_, c)| c)
                .collect();
            format!("<{name}>")
        }
        None => mask(t),
    }
}

/// A kept case: the document and libvirt's verdict on it.
#[derive(Debug, Clone)]
pub struct Case {
    /// The signature's key (the file stem).
    pub key: String,
    /// The document.
    pub xml: String,
    /// libvirt 9.0's verdict.
    pub libvirt: Verdict,
}

/// The text of a `.libvirt` file for a verdict.
pub fn verdict_text(v: &Verdict) -> String {
    match v {
        Verdict::Accepted(x) => format!("accepted\n{x}\n"),
        Verdict::Refused(m) => format!("refused\n{m}\n"),
        Verdict::Crashed(how) => format!("crashed\n{how}\n"),
    }
}

/// A verdict read back from a `.libvirt` file.
pub fn parse_verdict(text: &str) -> Option<Verdict> {
    let (kind, rest) = text.split_once('\n')?;
    let rest = rest.strip_suffix('\n').unwrap_or(rest).to_string();
    match kind {
        "accepted" => Some(Verdict::Accepted(rest)),
        "refused" => Some(Verdict::Refused(rest)),
        "crashed" => Some(Verdict::Crashed(rest)),
        _ => None,
    }
}

/// Every kept case in `dir`, by key.
pub fn load(dir: &Path) -> Result<BTreeMap<String, Case>, SchemaError> {
    let mut out = BTreeMap::new();
    let rd = std::fs::read_dir(dir).map_err(|source| SchemaError::Read {
        path: dir.display().to_string(),
        source,
    })?;
    for entry in rd.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "xml") {
            continue;
        }
        let key = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|source| SchemaError::Read {
                path: p.display().to_string(),
                source,
            })
        };
        let xml = read(&path)?;
        let verdict_path = path.with_extension("libvirt");
        let libvirt = parse_verdict(&read(&verdict_path)?).ok_or_else(|| {
            SchemaError::Grammar(format!("{}: not a verdict", verdict_path.display()))
        })?;
        out.insert(key.clone(), Case { key, xml, libvirt });
    }
    Ok(out)
}

/// `OPEN.tsv` of `dir`: key -> (signature, reason).
pub fn open_list(dir: &Path) -> BTreeMap<String, (String, String)> {
    let text = std::fs::read_to_string(dir.join("OPEN.tsv")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut cols = l.splitn(3, '\t');
            let key = cols.next()?.to_string();
            let sig = cols.next().unwrap_or("").to_string();
            let reason = cols.next().unwrap_or("").to_string();
            Some((key, (sig, reason)))
        })
        .collect()
}

/// The signatures `OPEN.tsv` of `dir` lists.
pub fn open_signatures(dir: &Path) -> std::collections::BTreeSet<String> {
    open_list(dir).into_values().map(|(sig, _)| sig).collect()
}

/// Keeps the disagreements of `outcomes` whose kind `OPEN.tsv` does not
/// list: writes the case files and adds an `OPEN.tsv` line for each.
/// Returns the keys added.
pub fn record(dir: &Path, outcomes: &[Outcome]) -> Result<Vec<String>, SchemaError> {
    let write = |p: &Path, text: &str| {
        std::fs::write(p, text).map_err(|source| SchemaError::Read {
            path: p.display().to_string(),
            source,
        })
    };
    std::fs::create_dir_all(dir).map_err(|source| SchemaError::Read {
        path: dir.display().to_string(),
        source,
    })?;
    let mut open = std::fs::read_to_string(dir.join("OPEN.tsv")).unwrap_or_else(|_| {
        "# key\tsignature\treason (libvirt's bug, or what virt-xml lacks)\n".to_string()
    });
    let mut kept: std::collections::BTreeSet<String> = open_signatures(dir);
    let mut added = Vec::new();
    for o in outcomes.iter().filter(|o| !o.agreement.agrees()) {
        let sig = signature(o).replace('\t', " ");
        if !kept.insert(sig.clone()) {
            continue;
        }
        // A settled kind's case stays (it must keep agreeing): a new
        // document of the same kind gets a file of its own.
        let mut k = key(&sig);
        let mut n = 2;
        while dir.join(format!("{k}.xml")).exists() {
            k = key(&format!("{sig}#{n}"));
            n += 1;
        }
        write(&dir.join(format!("{k}.xml")), &o.document.xml)?;
        write(&dir.join(format!("{k}.libvirt")), &verdict_text(&o.libvirt))?;
        let reason = match &o.libvirt {
            Verdict::Crashed(_) => "libvirt's bug: virsh dies on this document",
            Verdict::Refused(m) if m.starts_with(NO_CAUSE) => {
                "libvirt's bug: it refuses the document without saying why \
                 (an error raised with no message)"
            }
            _ => "open: virt-xml differs from libvirt 9.0",
        };
        open.push_str(&format!("{k}\t{sig}\t{reason}\n"));
        added.push(k);
    }
    write(&dir.join("OPEN.tsv"), &open)?;
    Ok(added)
}
