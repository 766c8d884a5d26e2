//! Checkpoints on the built-in node, as libvirt 9.0's test driver keeps
//! them (the expected answers were taken from Debian's libvirt 9.0).

use super::{err, ok, private, Connect, TestConnection, Uri};
use std::sync::Arc;
use virt_core::{
    checkpoint_create_flags as cf, checkpoint_delete_flags as df, checkpoint_list_flags as lf,
    checkpoint_xml_flags as xf, list_flags, ErrorCode, ErrorDomain,
};

fn names(v: Vec<virt_core::DomainCheckpoint>) -> Vec<String> {
    v.iter().map(|c| c.name().to_string()).collect()
}

#[test]
fn checkpoints_form_a_tree_with_a_current_one() {
    let conn = private();
    let dom = ok(conn.lookup_by_name("test"));
    let first = ok(dom.checkpoint_create_xml("<domaincheckpoint/>", 0));
    assert!(
        first.name().bytes().all(|b| b.is_ascii_digit()),
        "{}",
        first.name()
    );
    let xml = ok(first.xml_desc(xf::NO_DOMAIN));
    let want = format!("  <disks>\n    <disk name='vda' checkpoint='bitmap' bitmap='{}'/>\n  </disks>\n</domaincheckpoint>\n", first.name());
    assert!(xml.ends_with(&want), "{xml}");
    assert!(ok(first.xml_desc(0)).contains("  <domain type='test'>\n    <name>test</name>"));
    let b = ok(dom.checkpoint_create_xml(
        "<domaincheckpoint><name>b</name><description>two</description></domaincheckpoint>",
        0,
    ));
    let c = ok(dom.checkpoint_create_xml("<domaincheckpoint><name>c</name></domaincheckpoint>", 0));
    assert_eq!(ok(c.parent(0)).name(), "b");
    assert_eq!(ok(b.parent(0)).name(), first.name());
    let e = err(first.parent(0));
    assert_eq!(
        (e.code, e.domain),
        (ErrorCode::NoDomainCheckpoint, ErrorDomain::Test)
    );
    assert_eq!(
        e.message,
        format!(
            "Domain checkpoint not found: checkpoint '{}' does not have a parent",
            first.name()
        )
    );
    assert_eq!(
        names(ok(dom.list_all_checkpoints(0))),
        [first.name(), "b", "c"]
    );
    assert_eq!(
        names(ok(dom.list_all_checkpoints(lf::ROOTS))),
        [first.name()]
    );
    assert_eq!(names(ok(dom.list_all_checkpoints(lf::LEAVES))), ["c"]);
    assert_eq!(names(ok(first.list_all_children(0))), ["b"]);
    assert_eq!(
        names(ok(first.list_all_children(lf::DESCENDANTS))),
        ["b", "c"]
    );
    let e = err(dom.list_all_checkpoints(1 << 4));
    assert_eq!(
        e.message,
        "unsupported flags (0x10) in function testDomainListAllCheckpoints"
    );
    let with = ok(conn.list_all_domains(list_flags::HAS_CHECKPOINT));
    assert_eq!(with.len(), 1);
    assert!(ok(conn.list_all_domains(list_flags::NO_CHECKPOINT)).is_empty());

    // Snapshots and checkpoints exclude each other.
    let e = err(dom.snapshot_create_xml("<domainsnapshot/>", 0));
    assert_eq!(
        e.message,
        "Operation not supported: cannot create snapshot while checkpoint exists"
    );

    // Deleting b moves c up to the first; deleting c (current) makes its
    // parent current, so the next checkpoint hangs below it.
    ok(b.delete(0));
    assert_eq!(ok(c.parent(0)).name(), first.name());
    ok(c.delete(0));
    let d = ok(dom.checkpoint_create_xml("<domaincheckpoint><name>d</name></domaincheckpoint>", 0));
    assert_eq!(ok(d.parent(0)).name(), first.name());
    ok(first.delete(df::CHILDREN_ONLY));
    assert_eq!(names(ok(dom.list_all_checkpoints(0))), [first.name()]);
    let e = err(first.delete(df::CHILDREN | df::CHILDREN_ONLY));
    assert_eq!(
        (e.code, e.domain),
        (ErrorCode::InvalidArg, ErrorDomain::DomainCheckpoint)
    );
    ok(first.delete(df::CHILDREN));
    assert!(ok(dom.list_all_checkpoints(0)).is_empty());
    let e = err(dom.checkpoint_lookup_by_name("b", 0));
    assert_eq!(
        e.message,
        "Domain checkpoint not found: no domain checkpoint with matching name 'b'"
    );
}

#[test]
fn checkpoint_refusals_change_nothing() {
    let conn = private();
    let mut dom = ok(conn.lookup_by_name("test"));
    for (xml, code, domain, message) in [
        ("<domaincheckpoint><disks><disk name='vdb'/></disks></domaincheckpoint>", ErrorCode::ConfigUnsupported, ErrorDomain::DomainCheckpoint, "unsupported configuration: no disk named 'vdb'"),
        ("<domaincheckpoint><disks><disk name='vda'/><disk name='/guest/diskimage1'/></disks></domaincheckpoint>", ErrorCode::ConfigUnsupported, ErrorDomain::DomainCheckpoint, "unsupported configuration: too many disk checkpoint requests for domain"),
        ("<domaincheckpoint", ErrorCode::XmlDetail, ErrorDomain::DomainCheckpoint, "(domain_checkpoint):1: Couldn't find end of Start Tag domaincheckpoint line 1\n<domaincheckpoint\n-----------------^"),
    ] {
        let e = err(dom.checkpoint_create_xml(xml, 0));
        assert_eq!((e.code, e.domain, e.message.as_str()), (code, domain, message), "{xml}");
    }
    let e = err(dom.checkpoint_create_xml("<domaincheckpoint/>", cf::REDEFINE | cf::QUIESCE));
    assert_eq!(e.message, "Flags 'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE' and 'VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE' are mutually exclusive");
    let e = err(dom.checkpoint_create_xml("<domaincheckpoint/>", cf::REDEFINE_VALIDATE));
    assert_eq!(e.message, "Flag 'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE' is required by flag 'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE'");
    let e = err(dom.checkpoint_create_xml("<domaincheckpoint><name>r</name><creationTime>5</creationTime><parent><name>r</name></parent></domaincheckpoint>", cf::REDEFINE));
    assert_eq!(
        e.message,
        "invalid argument: cannot set moment r as its own parent"
    );
    assert!(ok(dom.list_all_checkpoints(0)).is_empty());

    // Redefined metadata keeps its time and parent; the first one becomes
    // current.
    let x = ok(dom.checkpoint_create_xml("<domaincheckpoint><name>x</name></domaincheckpoint>", 0));
    let r = ok(dom.checkpoint_create_xml("<domaincheckpoint><name>r</name><creationTime>5</creationTime><parent><name>x</name></parent><disks><disk name='vda'/></disks></domaincheckpoint>", cf::REDEFINE));
    assert_eq!(
        ok(r.xml_desc(0)),
        "<domaincheckpoint>\n  <name>r</name>\n  <parent>\n    <name>x</name>\n  </parent>\n  <creationTime>5</creationTime>\n  <disks>\n    <disk name='vda' checkpoint='bitmap' bitmap='r'/>\n  </disks>\n</domaincheckpoint>\n"
    );
    let e =
        err(dom.checkpoint_create_xml("<domaincheckpoint><name>x</name></domaincheckpoint>", 0));
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::OperationFailed,
            "operation failed: domain moment x already exists"
        )
    );

    ok(dom.destroy());
    let e = err(dom.checkpoint_create_xml("<domaincheckpoint/>", 0));
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::OperationUnsupported,
            "Operation not supported: cannot create checkpoint for inactive domain"
        )
    );
    let e = err(x.xml_desc(xf::SIZE));
    assert_eq!(
        e.message,
        "Requested operation is not valid: domain is not running"
    );
}

/// A read-only connection may read a snapshot's or checkpoint's XML but
/// not its secure parts, refused before the driver is asked, in the
/// kind's own error domain, as libvirt's library refuses.
#[test]
fn moments_refuse_secure_xml_read_only() {
    let node = match crate::node::Node::builtin() {
        Ok(n) => Arc::new(n),
        Err(e) => panic!("built-in node: {e}"),
    };
    let uri = ok(Uri::parse("test:///default"));
    let open =
        |ro| Connect::from_driver(Box::new(TestConnection::new(node.clone())), uri.clone(), ro);
    let (rw, ro) = (open(false), open(true));
    let rw_dom = ok(rw.lookup_by_name("test"));
    ok(rw_dom.checkpoint_create_xml("<domaincheckpoint><name>c</name></domaincheckpoint>", 0));
    let dom = ok(ro.lookup_by_name("test"));
    let chk = ok(dom.checkpoint_lookup_by_name("c", 0));
    assert!(ok(chk.xml_desc(0)).contains("<name>c</name>"));
    let e = err(chk.xml_desc(xf::SECURE));
    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (
            ErrorCode::OperationDenied,
            ErrorDomain::DomainCheckpoint,
            "operation forbidden: virDomainCheckpointGetXMLDesc with secure flag"
        )
    );
    ok(ok(rw_dom.checkpoint_lookup_by_name("c", 0)).delete(0));
    ok(rw_dom.snapshot_create_xml("<domainsnapshot><name>s</name></domainsnapshot>", 0));
    let snap = ok(dom.snapshot_lookup_by_name("s", 0));
    assert!(ok(snap.xml_desc(0)).contains("<name>s</name>"));
    let e = err(snap.xml_desc(virt_core::xml_flags::SECURE));
    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (
            ErrorCode::OperationDenied,
            ErrorDomain::DomainSnapshot,
            "operation forbidden: virDomainSnapshotGetXMLDesc with secure flag"
        )
    );
}
