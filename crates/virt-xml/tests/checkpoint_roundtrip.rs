//! Checkpoint XML read and written back: any checkpoint built from the
//! schema's parts formats to XML that reads back the same, text survives
//! escaping, and any input is refused or read without a panic; a tree of
//! checkpoints lists as libvirt's.

use proptest::prelude::*;
use virt_core::checkpoint_list_flags as lf;
use virt_xml::checkpoint::{parse_checkpoint, CheckpointFormat};
use virt_xml::CheckpointList;

fn disk() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,3}".prop_map(|n| format!("<disk name='vd{n}'/>")),
        "[a-z]{1,3}".prop_map(|n| format!("<disk name='sd{n}' checkpoint='no'/>")),
        ("[a-z]{1,3}", "[a-z0-9]{1,8}")
            .prop_map(|(n, b)| format!("<disk name='hd{n}' checkpoint='bitmap' bitmap='{b}'/>")),
        "[a-z]{1,8}".prop_map(|f| format!("<disk name='/img/{f}' size='7'/>")),
    ]
}

proptest! {
    #[test]
    fn formats_to_what_reads_back(
        name in "[a-zA-Z0-9_-][a-zA-Z0-9_.-]{0,15}",
        desc in proptest::option::of("[a-zA-Z0-9 <>&'\"]{0,20}"),
        parent in proptest::option::of("[a-z]{1,6}"),
        time in 1i64..4_000_000_000,
        disks in proptest::collection::vec(disk(), 0..4),
    ) {
        let mut xml = format!("<domaincheckpoint><name>{name}</name>");
        if let Some(d) = &desc {
            xml.push_str(&format!("<description>{}</description>", virt_xml::escape(d)));
        }
        if let Some(p) = &parent {
            xml.push_str(&format!("<parent><name>{p}</name></parent>"));
        }
        xml.push_str(&format!("<creationTime>{time}</creationTime>"));
        if !disks.is_empty() {
            xml.push_str(&format!("<disks>{}</disks>", disks.concat()));
        }
        xml.push_str("</domaincheckpoint>");
        let def = parse_checkpoint(&xml, true).map_err(|e| TestCaseError::fail(format!("{e}: {xml}")))?;
        prop_assert_eq!(def.name.as_deref(), Some(name.as_str()));
        prop_assert_eq!(def.description.as_deref(), desc.as_deref());
        prop_assert_eq!(def.disks.len(), disks.len());
        let out = def.to_xml(CheckpointFormat::default());
        let again = parse_checkpoint(&out, true).map_err(|e| TestCaseError::fail(format!("{e}: {out}")))?;
        prop_assert_eq!(again.to_xml(CheckpointFormat::default()), out);
    }

    #[test]
    fn any_bytes_are_refused_or_read_without_panic(text in ".{0,200}") {
        let _ = parse_checkpoint(&text, false);
        let _ = parse_checkpoint(&text, true);
    }
}

#[test]
fn the_tree_lists_as_libvirt() {
    let mut l = CheckpointList::default();
    for (n, p) in [
        ("c1", None),
        ("c2", Some("c1")),
        ("c3", Some("c2")),
        ("c4", Some("c1")),
    ] {
        let parent = p
            .map(|p| format!("<parent><name>{p}</name></parent>"))
            .unwrap_or_default();
        let xml = format!("<domaincheckpoint><name>{n}</name>{parent}<creationTime>1</creationTime></domaincheckpoint>");
        match parse_checkpoint(&xml, true) {
            Ok(d) => assert!(l.add(d).is_ok()),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(l.list(None, 0), vec!["c1", "c2", "c3", "c4"]);
    assert_eq!(l.list(None, lf::ROOTS), vec!["c1"]);
    assert_eq!(l.list(None, lf::LEAVES), vec!["c3", "c4"]);
    assert_eq!(l.list(None, lf::NO_LEAVES), vec!["c1", "c2"]);
    assert_eq!(l.list(None, lf::LEAVES | lf::NO_LEAVES).len(), 4);
    assert_eq!(l.list(Some("c1"), 0), vec!["c2", "c4"]);
    assert_eq!(l.list(Some("c1"), lf::DESCENDANTS), vec!["c2", "c3", "c4"]);
    l.set_current(Some("c3"));
    l.remove("c2", false, false);
    assert_eq!(l.get("c3").and_then(|d| d.parent.as_deref()), Some("c1"));
    l.remove("c3", false, false);
    assert_eq!(l.current(), Some("c1"));
}
