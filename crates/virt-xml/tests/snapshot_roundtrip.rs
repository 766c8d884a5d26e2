//! Snapshot XML read and written back: any snapshot built from the
//! format's parts formats to XML that reads back to the same definition,
//! and text survives escaping; a tree of snapshots keeps its relations
//! through deletions.

use proptest::prelude::*;
use virt_core::snapshot_list_flags as lf;
use virt_xml::snapshot::{parse_snapshot, SnapshotDef, SnapshotFormat, SnapshotParse};
use virt_xml::SnapshotList;

fn disk() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{2,4}".prop_map(|n| format!("<disk name='{n}'/>")),
        "[a-z]{2,4}".prop_map(|n| format!("<disk name='{n}' snapshot='no'/>")),
        "[a-z]{2,4}".prop_map(|n| format!("<disk name='{n}' snapshot='internal'/>")),
        ("[a-z]{2,4}", "[a-z]{1,8}").prop_map(|(n, f)| format!(
            "<disk name='{n}' snapshot='external'><driver type='qcow2'/><source file='/s/{f}'/></disk>"
        )),
        ("[a-z]{2,4}", "[a-z]{1,8}").prop_map(|(n, f)| format!(
            "<disk name='{n}' type='block'><source dev='/dev/{f}'/></disk>"
        )),
    ]
}

proptest! {
    #[test]
    fn formats_to_what_reads_back(
        name in "[a-zA-Z0-9 <>&'\"_.-]{1,16}",
        desc in proptest::option::of("[a-zA-Z0-9 <>&'\"]{0,20}"),
        state in prop_oneof![Just("running"), Just("paused"), Just("shutoff"), Just("disk-snapshot")],
        parent in proptest::option::of("[a-z]{1,6}"),
        time in 1i64..4_000_000_000,
        disks in proptest::collection::vec(disk(), 0..4),
    ) {
        let esc = virt_xml::escape;
        let mut xml = format!("<domainsnapshot><name>{}</name>", esc(&name));
        if let Some(d) = &desc {
            xml.push_str(&format!("<description>{}</description>", esc(d)));
        }
        xml.push_str(&format!("<state>{state}</state>"));
        if let Some(p) = &parent {
            xml.push_str(&format!("<parent><name>{p}</name></parent>"));
        }
        xml.push_str(&format!("<creationTime>{time}</creationTime>"));
        if !disks.is_empty() {
            xml.push_str(&format!("<disks>{}</disks>", disks.concat()));
        }
        xml.push_str("</domainsnapshot>");
        let how = SnapshotParse { redefine: true, internal: false };
        let def = parse_snapshot(&xml, how).map_err(|e| TestCaseError::fail(format!("{e}: {xml}")))?;
        prop_assert_eq!(def.name.as_deref(), Some(name.as_str()));
        prop_assert_eq!(def.description.as_deref(), desc.as_deref());
        let out = def.to_xml(Some("9d37b878-a7cc-9f9a-b78f-49b3abad25a8"), SnapshotFormat::default());
        let again = parse_snapshot(&out, how).map_err(|e| TestCaseError::fail(format!("{e}: {out}")))?;
        prop_assert_eq!(again.to_xml(Some("9d37b878-a7cc-9f9a-b78f-49b3abad25a8"), SnapshotFormat::default()), out);
    }

    #[test]
    fn any_bytes_are_refused_or_read_without_panic(text in ".{0,200}") {
        let _ = parse_snapshot(&text, SnapshotParse::default());
        let _ = parse_snapshot(&text, SnapshotParse { redefine: true, internal: true });
    }
}

fn snap(name: &str, parent: Option<&str>) -> SnapshotDef {
    let xml = format!(
        "<domainsnapshot><name>{name}</name>{}<state>running</state><creationTime>1</creationTime></domainsnapshot>",
        parent.map(|p| format!("<parent><name>{p}</name></parent>")).unwrap_or_default()
    );
    match parse_snapshot(
        &xml,
        SnapshotParse {
            redefine: true,
            internal: false,
        },
    ) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn the_tree_lists_and_deletes_as_libvirt() {
    let mut l = SnapshotList::default();
    for (n, p) in [
        ("s1", None),
        ("s3", Some("s1")),
        ("s2", Some("s3")),
        ("s6", Some("s3")),
        ("s4", Some("s6")),
        ("s7", Some("s1")),
    ] {
        assert!(l.add(snap(n, p)).is_ok());
    }
    assert_eq!(
        l.add(snap("s1", None)).map_err(|e| e.to_string()),
        Err("operation failed: domain moment s1 already exists".to_string())
    );
    assert_eq!(l.list(None, lf::ROOTS), vec!["s1"]);
    assert_eq!(l.list(None, lf::LEAVES), vec!["s2", "s4", "s7"]);
    assert_eq!(l.list(Some("s3"), 0), vec!["s2", "s6"]);
    assert_eq!(l.list(Some("s3"), lf::DESCENDANTS), vec!["s2", "s6", "s4"]);
    assert!(l.list(None, lf::NO_METADATA).is_empty());
    l.set_current(Some("s4"));
    l.remove("s6", false, true);
    assert_eq!(l.current(), Some("s6"));
    l.remove("s3", false, false);
    assert_eq!(l.get("s2").and_then(|d| d.parent.as_deref()), Some("s1"));
    assert_eq!(l.get("s6").and_then(|d| d.parent.as_deref()), Some("s1"));
    l.remove("s1", true, false);
    assert!(l.is_empty());
    assert_eq!(l.current(), None);
    let cyc = snap("a", Some("a"));
    assert!(l.check_cycles(&cyc).is_err());
}
