//! The differential run: each generated document goes to our test driver
//! (in this process) and to Debian's virsh on `test:///default`; the two
//! verdicts are compared.
//!
//! virsh is driven in batches: one process gets, as one command string,
//! `define FILE; dumpxml --inactive NAME; undefine NAME; domname MARK; echo
//! MARK` for many documents. `echo MARK` cuts stdout into one part per
//! document, and `domname MARK` (which always fails, on stderr) cuts stderr
//! the same way, so a refusal's message is matched to its document.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use virt_testkit::process::run_with_deadline;

use virt_core::{xml_flags, Connect};

use crate::generate::Document;
use crate::SchemaError;

/// Debian's virsh.
pub const VIRSH: &str = "/usr/bin/virsh";

/// Documents per virsh process: the command string stays far below the
/// kernel's limit for one argument (128 KiB).
const BATCH: usize = 300;

/// What one side made of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Defined; the `dumpxml --inactive` text (without trailing newlines).
    Accepted(String),
    /// Refused, with the error message (virsh: the text after `error: `).
    Refused(String),
    /// virsh died on the document (libvirt aborted or crashed); what it
    /// printed last.
    Crashed(String),
}

/// How the two verdicts on one document compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreement {
    /// Both defined it and dumped the same bytes, or both refused it with
    /// the same message.
    Same,
    /// Both refused it with the same error code (the message's
    /// code-given prefix, "XML error", "unsupported configuration", ...)
    /// but other details.
    SameCode,
    /// Both refused it, with different codes.
    OtherCode,
    /// Both defined it; the dumps differ.
    OtherBytes,
    /// One defined it, the other refused it.
    OtherVerdict,
    /// libvirt died on it (its own bug; listed in the README).
    LibvirtCrashed,
}

impl Agreement {
    /// Whether this counts as agreement (issue 9: both accept with the same
    /// bytes, or both refuse with the same error code).
    pub fn agrees(self) -> bool {
        matches!(self, Agreement::Same | Agreement::SameCode)
    }
}

/// One document with both verdicts.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The document.
    pub document: Document,
    /// Our test driver's verdict.
    pub ours: Verdict,
    /// libvirt's (virsh's) verdict.
    pub libvirt: Verdict,
    /// How they compare.
    pub agreement: Agreement,
}

/// Our verdict on each document: define on `test:///default`, dump the
/// inactive definition, undefine.
pub fn ours(documents: &[Document]) -> Vec<Verdict> {
    virt_test::register();
    let conn = match Connect::open("test:///default") {
        Ok(c) => c,
        Err(e) => {
            return documents
                .iter()
                .map(|_| Verdict::Refused(e.message.clone()))
                .collect()
        }
    };
    documents
        .iter()
        .map(|d| our_verdict(&conn, &d.xml))
        .collect()
}

/// Our verdict on one document text.
pub fn our_verdict(conn: &Connect, xml: &str) -> Verdict {
    match conn.define_domain_xml(xml, 0) {
        Err(e) => Verdict::Refused(e.message),
        Ok(dom) => {
            let v = match dom.xml_desc(xml_flags::INACTIVE) {
                Ok(text) => Verdict::Accepted(text.trim_end_matches('\n').to_string()),
                Err(e) => Verdict::Refused(format!("(dumpxml) {}", e.message)),
            };
            let _ = dom.undefine();
            v
        }
    }
}

/// libvirt's verdict on each document, from `virsh` (the program at
/// `virsh`), with the documents written under `scratch`.
pub fn libvirt(
    documents: &[Document],
    virsh: &Path,
    scratch: &Path,
) -> Result<Vec<Verdict>, SchemaError> {
    std::fs::create_dir_all(scratch).map_err(|e| SchemaError::Virsh(e.to_string()))?;
    let mut out = Vec::with_capacity(documents.len());
    let mut rest = documents;
    while !rest.is_empty() {
        let batch = &rest[..rest.len().min(BATCH)];
        let (verdicts, died) = libvirt_batch(batch, virsh, scratch)?;
        let done = verdicts.len();
        out.extend(verdicts);
        // A document virsh died on gets that verdict; the rest of its batch
        // goes to a new virsh.
        let next = match died {
            Some(last_words) => {
                // Heap damage done by an earlier document can kill virsh
                // later: the document counts as a crash only when it kills
                // a virsh of its own.
                let alone = &batch[done..=done];
                let verdict = match libvirt_batch(alone, virsh, scratch)? {
                    (mut v, None) if v.len() == 1 => v.remove(0),
                    (_, Some(words)) => Verdict::Crashed(words),
                    _ => Verdict::Crashed(last_words),
                };
                out.push(verdict);
                done + 1
            }
            None => done,
        };
        rest = &rest[next..];
    }
    Ok(out)
}

fn file_of(scratch: &Path, d: &Document) -> PathBuf {
    scratch.join(format!("{}.xml", d.name))
}

/// The verdicts of one virsh process, and when it died before the end,
/// what it printed last (then the verdicts stop at the document it died on).
fn libvirt_batch(
    documents: &[Document],
    virsh: &Path,
    scratch: &Path,
) -> Result<(Vec<Verdict>, Option<String>), SchemaError> {
    let mut script = String::new();
    for d in documents {
        let file = file_of(scratch, d);
        std::fs::write(&file, &d.xml)
            .map_err(|e| SchemaError::Virsh(format!("write {}: {e}", file.display())))?;
        let _ = write!(
            script,
            "define {file}; dumpxml --inactive {name}; undefine {name}; \
             domname MARK-{name}; echo MARK-{name}; ",
            file = file.display(),
            name = d.name
        );
    }
    let run = run_with_deadline(
        Command::new(virsh)
            .args(["-c", "test:///default", &script])
            .env("LC_ALL", "C"),
        batch_deadline(documents.len()),
    )
    .map_err(|e| SchemaError::Virsh(format!("cannot run {}: {e}", virsh.display())))?;
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    let (mut rest_out, mut rest_err) = (stdout.as_ref(), stderr.as_ref());
    let mut verdicts = Vec::with_capacity(documents.len());
    for d in documents {
        let mark_out = format!("MARK-{}", d.name);
        let mark_err = format!("error: failed to get domain 'MARK-{}'\n", d.name);
        let (Some((part_out, after_out)), Some((part_err, after_err))) =
            (split_at(rest_out, &mark_out), split_at(rest_err, &mark_err))
        else {
            if run.status.success() {
                return Err(SchemaError::Virsh(format!(
                    "no marker for {} although virsh succeeded",
                    d.name
                )));
            }
            let words = rest_err
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            return Ok((verdicts, Some(format!("{}: {words}", run.status))));
        };
        rest_out = after_out;
        rest_err = after_err;
        verdicts.push(read_verdict(d, &file_of(scratch, d), part_out, part_err));
    }
    Ok((verdicts, None))
}

/// How long a virsh process may take for `n` documents before it counts
/// as hung: libvirt 9.0 loops forever on some documents (steered seed 2's
/// gen6170), and a run must not wait on it. A batch of 300 takes about two
/// seconds; the margin is wide for a loaded machine.
fn batch_deadline(n: usize) -> std::time::Duration {
    std::time::Duration::from_secs(30 + n as u64 / 5)
}

/// `text` cut before and after the first `mark`.
fn split_at<'a>(text: &'a str, mark: &str) -> Option<(&'a str, &'a str)> {
    let at = text.find(mark)?;
    Some((&text[..at], &text[at + mark.len()..]))
}

fn read_verdict(d: &Document, file: &Path, stdout: &str, stderr: &str) -> Verdict {
    let defined = format!("Domain '{}' defined from {}\n\n", d.name, file.display());
    // Each command's output ends in blank lines; the previous marker's too.
    if let Some(rest) = stdout.trim_start_matches('\n').strip_prefix(&defined) {
        let undefined = format!("Domain '{}' has been undefined", d.name);
        let xml = rest.rfind(&undefined).map_or(rest, |i| &rest[..i]);
        return Verdict::Accepted(xml.trim_end_matches('\n').to_string());
    }
    let failed = format!("error: Failed to define domain from {}\n", file.display());
    let after = stderr
        .find(&failed)
        .map_or(stderr, |i| &stderr[i + failed.len()..]);
    // The message ends where the dumpxml of the missing domain complains.
    let end = after
        .find(&format!("error: failed to get domain '{}'", d.name))
        .unwrap_or(after.len());
    let message = after[..end].trim_end_matches('\n');
    Verdict::Refused(
        message
            .strip_prefix("error: ")
            .unwrap_or(message)
            .to_string(),
    )
}

/// The code-given prefix of a libvirt message: the text before the first
/// ": " (libvirt formats messages as "CODE TEXT: detail").
fn code_prefix(message: &str) -> &str {
    message.split_once(": ").map_or(message, |(p, _)| p)
}

/// How two verdicts compare.
pub fn compare(ours: &Verdict, libvirt: &Verdict) -> Agreement {
    match (ours, libvirt) {
        (Verdict::Accepted(a), Verdict::Accepted(b)) if a == b => Agreement::Same,
        (Verdict::Accepted(_), Verdict::Accepted(_)) => Agreement::OtherBytes,
        (Verdict::Refused(a), Verdict::Refused(b)) if a == b => Agreement::Same,
        (Verdict::Refused(a), Verdict::Refused(b)) if code_prefix(a) == code_prefix(b) => {
            Agreement::SameCode
        }
        (Verdict::Refused(_), Verdict::Refused(_)) => Agreement::OtherCode,
        (_, Verdict::Crashed(_)) => Agreement::LibvirtCrashed,
        _ => Agreement::OtherVerdict,
    }
}

/// Both verdicts on every document.
pub fn run(
    documents: Vec<Document>,
    virsh: &Path,
    scratch: &Path,
) -> Result<Vec<Outcome>, SchemaError> {
    let libvirt = libvirt(&documents, virsh, scratch)?;
    let ours = ours(&documents);
    Ok(documents
        .into_iter()
        .zip(ours)
        .zip(libvirt)
        .map(|((document, ours), libvirt)| {
            let (ours, libvirt) = (
                comparable(&document.xml, ours),
                comparable(&document.xml, libvirt),
            );
            Outcome {
                agreement: compare(&ours, &libvirt),
                document,
                ours,
                libvirt,
            }
        })
        .collect())
}

/// A verdict on the document `xml` as it is compared: with the
/// `<genid>` value masked when the document asks for a generated one.
pub fn comparable(xml: &str, v: Verdict) -> Verdict {
    let v = if xml.contains("<genid/>") {
        without_genid(v)
    } else {
        v
    };
    without_generated_port_ids(xml, without_generated_macs(xml, v))
}

/// A dump with the virtual port ids each side made up masked: libvirt
/// gives a `<virtualport>` without an `interfaceid` (Open vSwitch, or no
/// type) or an `instanceid` (802.1Qbg, or no type) a random UUID at
/// define (virNetDevVPortProfileParse). Only those two attributes of a
/// virtual port's `<parameters>`, only when the value is a UUID in
/// libvirt's spelling, and only when the document does not hold it
/// (in any of the spellings libvirt reads: a given id is compared as it
/// is): the comparison is then that both sides wrote a UUID there.
pub fn without_generated_port_ids(xml: &str, v: Verdict) -> Verdict {
    const IDS: [&str; 2] = [" instanceid='", " interfaceid='"];
    let Verdict::Accepted(dump) = v else {
        return v;
    };
    if !dump.contains("<virtualport") {
        return Verdict::Accepted(dump);
    }
    // The document's hex digits as libvirt's UUID reader takes them:
    // dashes and blanks between the pairs, any case.
    let given: String = xml
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut in_port = false;
    let lines: Vec<String> = dump
        .lines()
        .map(|l| {
            if l.contains("<virtualport") {
                in_port = !l.trim_end().ends_with("/>");
                return l.to_string();
            }
            if l.contains("</virtualport>") {
                in_port = false;
                return l.to_string();
            }
            if !in_port || !l.trim_start().starts_with("<parameters") {
                return l.to_string();
            }
            let mut line = l.to_string();
            for attr in IDS {
                let Some(at) = line.find(attr) else { continue };
                let start = at + attr.len();
                let Some(len) = line[start..].find('\'') else {
                    continue;
                };
                let value = &line[start..start + len];
                if is_uuid(value) && !given.contains(&value.replace('-', "")) {
                    line.replace_range(start..start + len, "(generated)");
                }
            }
            line
        })
        .collect();
    Verdict::Accepted(lines.join("\n"))
}

/// Whether `s` is a UUID as libvirt writes one (virUUIDFormat: lowercase
/// hex digits in groups of 8-4-4-4-12).
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// A dump with the MAC addresses each side made up masked: an interface
/// without one gets a random address in the driver's prefix (52:54:00
/// for the test driver), which the document does not have.
pub fn without_generated_macs(xml: &str, v: Verdict) -> Verdict {
    const MAC: &str = "<mac address='";
    let given = xml.to_ascii_lowercase();
    match v {
        Verdict::Accepted(dump) if dump.contains(MAC) => Verdict::Accepted(
            dump.lines()
                .map(|l| {
                    let Some(at) = l.find(MAC) else {
                        return l.to_string();
                    };
                    let rest = &l[at + MAC.len()..];
                    let Some(end) = rest.find('\'') else {
                        return l.to_string();
                    };
                    let mac = &rest[..end];
                    if mac.starts_with("52:54:00:") && !given.contains(mac) {
                        format!("{}{MAC}(generated){}", &l[..at], &rest[end..])
                    } else {
                        l.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        other => other,
    }
}

/// A dump with its `<genid>` value masked: for an empty `<genid/>` each side
/// generates a random one.
pub fn without_genid(v: Verdict) -> Verdict {
    match v {
        Verdict::Accepted(xml) => Verdict::Accepted(
            xml.lines()
                .map(|l| match (l.find("<genid>"), l.find("</genid>")) {
                    (Some(a), Some(b)) if a < b => {
                        format!("{}<genid>(generated){}", &l[..a], &l[b..])
                    }
                    _ => l.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        other => other,
    }
}

/// A one-paragraph summary of a run: counts per kind of agreement.
pub fn summary(outcomes: &[Outcome]) -> String {
    let count = |a: Agreement| outcomes.iter().filter(|o| o.agreement == a).count();
    let agree = outcomes.iter().filter(|o| o.agreement.agrees()).count();
    let accepted = outcomes
        .iter()
        .filter(|o| matches!(o.libvirt, Verdict::Accepted(_)))
        .count();
    format!(
        "{agree}/{total} agree ({:.1}%; libvirt accepted {accepted}): {} identical, {} refused \
         with the same code but other words, {} refused with another code, {} dumped other \
         bytes, {} accepted by one side only, {} crashed libvirt",
        100.0 * agree as f64 / outcomes.len().max(1) as f64,
        count(Agreement::Same),
        count(Agreement::SameCode),
        count(Agreement::OtherCode),
        count(Agreement::OtherBytes),
        count(Agreement::OtherVerdict),
        count(Agreement::LibvirtCrashed),
        total = outcomes.len()
    )
}

/// The first line where two texts differ, for reports.
pub fn first_difference(ours: &str, libvirt: &str) -> String {
    for (i, (a, b)) in ours.lines().zip(libvirt.lines()).enumerate() {
        if a != b {
            return format!("line {}: ours {a:?}, libvirt {b:?}", i + 1);
        }
    }
    format!(
        "ours {} lines, libvirt {} lines",
        ours.lines().count(),
        libvirt.lines().count()
    )
}

/// A short description of a disagreement.
pub fn describe(o: &Outcome) -> String {
    let what = match (&o.ours, &o.libvirt) {
        (Verdict::Accepted(a), Verdict::Accepted(b)) => first_difference(a, b),
        (Verdict::Refused(a), Verdict::Refused(b)) => format!("ours: {a}\n    libvirt: {b}"),
        (Verdict::Accepted(_), Verdict::Refused(b)) => format!("we accept; libvirt: {b}"),
        (Verdict::Refused(a), Verdict::Accepted(_)) => format!("libvirt accepts; ours: {a}"),
        (_, Verdict::Crashed(how)) => format!("libvirt died: {how}"),
        (Verdict::Crashed(_), _) => "we died".to_string(),
    };
    format!(
        "{} ({}): {what}",
        o.document.name,
        o.document.broken.as_deref().unwrap_or("valid")
    )
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn made_up_macs_are_masked_given_ones_kept() {
        let doc = "<domain><devices><interface type='user'/>\
                   <interface type='user'><mac address='52:54:00:AA:BB:CC'/></interface></devices></domain>";
        let dump = |made: &str| {
            Verdict::Accepted(format!(
                "<interface type='user'>\n  <mac address='{made}'/>\n</interface>\n\
                 <interface type='user'>\n  <mac address='52:54:00:aa:bb:cc'/>\n</interface>"
            ))
        };
        let a = comparable(doc, dump("52:54:00:01:02:03"));
        let b = comparable(doc, dump("52:54:00:04:05:06"));
        assert_eq!(a, b);
        let Verdict::Accepted(text) = a else {
            panic!("{a:?}")
        };
        assert!(text.contains("<mac address='(generated)'/>"), "{text}");
        assert!(
            text.contains("<mac address='52:54:00:aa:bb:cc'/>"),
            "{text}"
        );
        // Another prefix is no made-up address of the test driver.
        assert_ne!(
            comparable(doc, dump("02:00:00:01:02:03")),
            comparable(doc, dump("02:00:00:04:05:06"))
        );
    }
    #[test]
    fn made_up_port_ids_are_masked_given_ones_kept() {
        let doc = "<domain><devices><interface type='bridge'>\
                   <virtualport type='openvswitch'/></interface>\
                   <interface type='network'><virtualport><parameters \
                   interfaceid='6B29FC40CA471067B31D00DD010662DA'/></virtualport>\
                   </interface></devices></domain>";
        let dump = |made: &str, instance: &str| {
            Verdict::Accepted(format!(
                "<virtualport type='openvswitch'>\n  <parameters interfaceid='{made}'/>\n</virtualport>\n\
                 <virtualport>\n  <parameters instanceid='{instance}' \
                 interfaceid='6b29fc40-ca47-1067-b31d-00dd010662da'/>\n</virtualport>"
            ))
        };
        let a = comparable(
            doc,
            dump(
                "13f9c690-e492-4f89-a746-9f3f936cc780",
                "00000000-0000-0000-0000-00000000000a",
            ),
        );
        let b = comparable(
            doc,
            dump(
                "d3816e5f-2470-47fa-b7cd-b764a079c149",
                "00000000-0000-0000-0000-00000000000b",
            ),
        );
        assert_eq!(a, b);
        let Verdict::Accepted(text) = a else {
            panic!("{a:?}")
        };
        assert!(
            text.contains("<parameters interfaceid='(generated)'/>"),
            "{text}"
        );
        // The given interface id is compared as it is.
        assert!(
            text.contains("interfaceid='6b29fc40-ca47-1067-b31d-00dd010662da'"),
            "{text}"
        );
        // A value that is not a UUID, or an id on one side only, still
        // differs.
        assert_ne!(
            comparable(doc, dump("x", "00000000-0000-0000-0000-00000000000a")),
            comparable(doc, dump("y", "00000000-0000-0000-0000-00000000000a"))
        );
        let Verdict::Accepted(made) = dump("13f9c690-e492-4f89-a746-9f3f936cc780", "x") else {
            unreachable!()
        };
        let without = made.replace(" interfaceid='13f9c690-e492-4f89-a746-9f3f936cc780'", "");
        assert_ne!(
            comparable(doc, Verdict::Accepted(without)),
            comparable(doc, Verdict::Accepted(made))
        );
        // Nothing outside a virtual port is masked.
        let other = |u: &str| Verdict::Accepted(format!("<parameters interfaceid='{u}'/>"));
        assert_ne!(
            comparable(doc, other("13f9c690-e492-4f89-a746-9f3f936cc780")),
            comparable(doc, other("d3816e5f-2470-47fa-b7cd-b764a079c149"))
        );
    }
}
