//! Domain XML through the test hypervisor: every canonical document of the
//! corpus defines and dumps back byte for byte, unknown content survives a
//! define, and VALIDATE refuses it naming the element and its line.

use std::fs;
use virt_core::{define_flags, start_flags, xml_flags, Connect, ErrorCode};
use virt_testkit::{corpus_folder, first_difference, xml_files, TempDir};
use virt_tests::register_drivers;

/// A connection to a private node (test:///default is shared by every
/// test of the process), described by a node file under a fresh temp dir
/// that goes when the returned [`TempDir`] is dropped.
fn private_node(tag: &str) -> (Connect, TempDir) {
    register_drivers();
    let dir = TempDir::new(&format!("xml-rt-{tag}"));
    let node = dir.path().join("node.xml");
    let xml = "<node><cpu><mhz>1000</mhz><model>i686</model><active>4</active>\
               <nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</threads></cpu>\
               <memory>8388608</memory></node>";
    if let Err(e) = fs::write(&node, xml) {
        panic!("write {}: {e}", node.display());
    }
    match Connect::open(&format!("test://{}", node.display())) {
        Ok(c) => (c, dir),
        Err(e) => panic!("open {}: {e}", node.display()),
    }
}

/// `out` without the host-side interface names the test driver gave
/// (`<target dev='testnetN'/>` lines `text` does not have): libvirt's
/// test driver names every interface without one at define
/// (testDomainGenerateIfnames) and writes the names into the inactive
/// definition too, while the corpus documents come from the QEMU
/// driver, which keeps an inactive definition without them.
fn without_test_names(out: &str, text: &str) -> String {
    let given: std::collections::HashSet<&str> = text.lines().collect();
    let named = |l: &str| {
        l.trim()
            .strip_prefix("<target dev='testnet")
            .and_then(|r| r.strip_suffix("'/>"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let mut kept: String = out
        .lines()
        .filter(|l| !named(l) || given.contains(l))
        .collect::<Vec<_>>()
        .join("\n");
    if out.ends_with('\n') {
        kept.push('\n');
    }
    kept
}

/// `define FILE; dumpxml --inactive NAME` gives the file back unchanged
/// (but for the interface names the test driver adds).
#[test]
fn corpus_define_dumpxml() {
    let Some(dir) = corpus_folder("domain-xml", "corpus_define_dumpxml") else {
        return;
    };
    let (conn, _node) = private_node("define");
    let files = xml_files(&dir);
    let mut passed = 0;
    let mut failed = Vec::new();
    for f in &files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = fs::read_to_string(f).unwrap_or_default();
        let dom = match conn.define_domain_xml(&text, 0) {
            Ok(d) => d,
            Err(e) => {
                failed.push(format!("{name}: define: {e}"));
                continue;
            }
        };
        match dom
            .xml_desc(xml_flags::INACTIVE)
            .map(|out| without_test_names(&out, &text))
        {
            Ok(out) if out == text => passed += 1,
            Ok(out) => failed.push(format!("{name}: {}", first_difference(&text, &out))),
            Err(e) => failed.push(format!("{name}: dumpxml: {e}")),
        }
        if let Err(e) = dom.undefine() {
            failed.push(format!("{name}: undefine: {e}"));
        }
    }
    println!(
        "corpus_define_dumpxml: {passed} of {} byte-identical after define + dumpxml --inactive",
        files.len()
    );
    for f in &failed {
        println!("  {f}");
    }
    assert!(
        failed.is_empty(),
        "{} of {} differ",
        failed.len(),
        files.len()
    );
}

const WITH_UNKNOWN: &str = "<domain type='test' xmlns:my='http://example.org/my'>
  <name>keeper</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <my:note level='2'>kept</my:note>
  <memory unit='KiB'>65536</memory>
  <currentMemory unit='KiB'>65536</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='i686'>hvm</type>
    <boot dev='hd'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk' future='yes'>
      <source file='/a.img'/>
      <gizmo size='3'/>
      <target dev='hda' bus='ide'/>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </disk>
    <controller type='ide' index='0'/>
    <widget kind='new'/>
    <memballoon model='virtio'/>
  </devices>
</domain>
";

/// Unknown content survives define + dumpxml in place; VALIDATE refuses it.
#[test]
fn unknown_content_kept_or_refused() {
    let (conn, _node) = private_node("unknown");
    let dom = match conn.define_domain_xml(WITH_UNKNOWN, 0) {
        Ok(d) => d,
        Err(e) => panic!("define: {e}"),
    };
    match dom.xml_desc(xml_flags::INACTIVE) {
        Ok(out) => assert_eq!(
            out,
            WITH_UNKNOWN,
            "{}",
            first_difference(WITH_UNKNOWN, &out)
        ),
        Err(e) => panic!("dumpxml: {e}"),
    }
    if let Err(e) = dom.undefine() {
        panic!("undefine: {e}");
    }
    for (flags, create) in [
        (define_flags::VALIDATE, false),
        (start_flags::VALIDATE, true),
    ] {
        let r = if create {
            conn.create_xml(WITH_UNKNOWN, flags)
        } else {
            conn.define_domain_xml(WITH_UNKNOWN, flags)
        };
        match r {
            Ok(_) => panic!("VALIDATE accepted unknown content"),
            Err(e) => {
                assert_eq!(e.code, ErrorCode::XmlDetail, "{e}");
                assert!(
                    e.message.contains("my:note") && e.message.contains("(domain_definition):4:"),
                    "{e}"
                );
            }
        }
    }
    // Nothing was added by the refused calls.
    assert!(conn.lookup_by_name("keeper").is_err());
    // Known content passes VALIDATE.
    let plain = WITH_UNKNOWN
        .replace(" xmlns:my='http://example.org/my'", "")
        .replace("  <my:note level='2'>kept</my:note>\n", "")
        .replace(" future='yes'", "")
        .replace("      <gizmo size='3'/>\n", "")
        .replace("    <widget kind='new'/>\n", "");
    match conn.define_domain_xml(&plain, define_flags::VALIDATE) {
        Ok(d) => assert_eq!(
            d.xml_desc(xml_flags::INACTIVE).ok().as_deref(),
            Some(&*plain)
        ),
        Err(e) => panic!("VALIDATE refused known content: {e}"),
    }
    // An unknown attribute alone is named too.
    let attr = plain.replace("<disk type='file'", "<disk type='file' future='yes'");
    match conn.define_domain_xml(&attr, define_flags::VALIDATE) {
        Ok(_) => panic!("VALIDATE accepted an unknown attribute"),
        Err(e) => assert!(
            e.code == ErrorCode::XmlDetail && e.message.contains("future"),
            "{e}"
        ),
    }
}
