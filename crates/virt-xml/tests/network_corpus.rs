//! Network XML against libvirt 9.0's own outputs in
//! `$VIRT_CORPUS/network-xml/xml2xml` (see its README): every `<case>.xml`
//! parses and formats to `<case>.out.xml` (what Debian's virsh printed),
//! or to `<case>.upstream.xml` where the two differ by the network
//! driver's namespace handler, or is refused with the message of
//! `<case>.err`. Skipped with a notice when the folder is absent.

use std::path::Path;

/// The cases of `dir`: its inputs, without the outputs and companions.
fn cases(dir: &Path) -> Vec<String> {
    virt_testkit::xml_cases(dir, &[".out.xml", ".upstream.xml"])
}

/// The libvirt message in a captured virsh stderr: its second `error:`
/// line (the first is virsh's own "Failed to define").
fn expected_error(err: &str) -> Option<String> {
    let mut lines = err.split('\n');
    lines.next()?;
    let mut msg = lines.next()?.strip_prefix("error: ")?.to_string();
    // Multi-line messages (schema reports) continue until virsh's next
    // "error:" line.
    for l in lines {
        if l.starts_with("error: ") {
            break;
        }
        msg.push('\n');
        msg.push_str(l);
    }
    Some(msg)
}

#[test]
fn corpus_network_xml2xml() {
    let Some(dir) = virt_testkit::corpus_folder("network-xml/xml2xml", "network xml2xml") else {
        return;
    };
    virt_testkit::check_cases("network xml2xml", &cases(&dir), |c| {
        let read = |ext: &str| std::fs::read_to_string(dir.join(format!("{c}{ext}"))).ok();
        let input = read(".xml")?;
        let got = virt_xml::parse_network(&input).map(|d| d.to_xml());
        let ok = match (&got, read(".out.xml"), read(".err")) {
            (Ok(x), Some(out), _) => *x == out || read(".upstream.xml").as_deref() == Some(x),
            (Err(e), _, Some(err)) => expected_error(&err).as_deref() == Some(&e.to_string()),
            _ => false,
        };
        (!ok).then(|| format!("--- {c}\n{got:?}"))
    });
}
