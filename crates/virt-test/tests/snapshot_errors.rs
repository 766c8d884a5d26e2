//! Bad snapshot XML refused as libvirt 9.0 refuses it: each document
//! below goes to `virDomainSnapshotCreateXML` on test:///default, through
//! Debian's python3-libvirt (libvirt's own test driver) and through ours,
//! and the error code, error domain (the snapshot parser's
//! `VIR_FROM_DOMAIN_SNAPSHOT`, the XML helpers' `VIR_FROM_XML`, the
//! domain parser's `VIR_FROM_DOMAIN`) and message must be the same.
//! Skipped with a notice without python3-libvirt.

use std::process::Command;
use virt_core::{snapshot_create_flags as cf, Connect};

/// (flags, document): documents the snapshot parser, the XML helpers,
/// the embedded domain's parser and the driver's disk alignment refuse.
const CASES: &[(u32, &str)] = &[
    (0, "<domainsnapshot><bogus>"),
    (0, "<notsnap/>"),
    (0, "<domainsnapshot><memory snapshot='bad'/></domainsnapshot>"),
    (0, "<domainsnapshot><disks><disk name='vda' snapshot='bad'/></disks></domainsnapshot>"),
    (0, "<domainsnapshot><disks><disk/></disks></domainsnapshot>"),
    (0, "<domainsnapshot><disks><disk name='vda' snapshot='external' type='network'/></disks></domainsnapshot>"),
    (0, "<domainsnapshot><disks><disk name='vda' snapshot='external' type='bogus'/></disks></domainsnapshot>"),
    (0, "<domainsnapshot><disks><disk name='vda' snapshot='external'><source file='rel'/></disk></disks></domainsnapshot>"),
    (0, "<domainsnapshot><disks><disk name='vda' snapshot='external'><driver type='bogus'/></disk></disks></domainsnapshot>"),
    (0, "<domainsnapshot><memory snapshot='manual'/></domainsnapshot>"),
    (0, "<domainsnapshot><memory snapshot='no' file='/a'/></domainsnapshot>"),
    (0, "<domainsnapshot><memory snapshot='external'/></domainsnapshot>"),
    (0, "<domainsnapshot><memory snapshot='external' file='rel'/></domainsnapshot>"),
    (0, "<domainsnapshot><disks><disk name='nosuch'/></disks></domainsnapshot>"),
    (0, "<domainsnapshot><disks><disk name='vda'/><disk name='vda'/></disks></domainsnapshot>"),
    (cf::REDEFINE, "<domainsnapshot/>"),
    (cf::REDEFINE, "<domainsnapshot><name>r</name></domainsnapshot>"),
    (cf::REDEFINE, "<domainsnapshot><name>r</name><creationTime>1</creationTime></domainsnapshot>"),
    (cf::REDEFINE, "<domainsnapshot><name>r</name><creationTime>1</creationTime><state>bogus</state></domainsnapshot>"),
    (cf::REDEFINE, "<domainsnapshot><name>r</name><creationTime>x</creationTime><state>running</state></domainsnapshot>"),
    (cf::REDEFINE, "<domainsnapshot><name>r</name><creationTime>1</creationTime><state>shutoff</state><memory snapshot='internal'/></domainsnapshot>"),
    (cf::REDEFINE, "<domainsnapshot><name>r</name><creationTime>1</creationTime><state>running</state><domain type='bogus'/></domainsnapshot>"),
    (cf::REDEFINE, "<domainsnapshot><name>r</name><creationTime>1</creationTime><state>running</state><parent><name>nosuch</name></parent></domainsnapshot>"),
];

/// One error as a line: code, domain and message (newlines escaped), or
/// "ok".
fn line(code: i32, domain: i32, message: &str) -> String {
    format!("{code}\t{domain}\t{}", message.replace('\n', "\\n"))
}

const PROBE: &str = r#"
import libvirt, sys
libvirt.registerErrorHandler(lambda *a: None, None)
for case in sys.stdin.read().split("\0"):
    if not case:
        continue
    flags, xml = case.split("\t", 1)
    c = libvirt.open("test:///default")
    d = c.lookupByName("test")
    try:
        d.snapshotCreateXML(xml, int(flags))
        print("ok")
    except libvirt.libvirtError as e:
        print("%d\t%d\t%s" % (e.get_error_code(), e.get_error_domain(),
                             e.get_error_message().replace("\n", "\\n")))
    c.close()
"#;

#[test]
fn bad_snapshot_xml_is_refused_as_libvirt_refuses_it() {
    let test = "bad_snapshot_xml_is_refused_as_libvirt_refuses_it";
    virt_test::register();
    let ours: Vec<String> = CASES
        .iter()
        .map(|(flags, xml)| {
            let c = Connect::open("test:///default").expect("open");
            let d = c.lookup_by_name("test").expect("test");
            match d.snapshot_create_xml(xml, *flags) {
                Ok(_) => "ok".to_string(),
                Err(e) => line(e.code.number(), e.domain.number(), &e.message),
            }
        })
        .collect();
    // Without the peer: every case is refused, the parser's own ones in
    // the snapshot error domain.
    assert!(ours.iter().all(|l| l != "ok"), "{ours:#?}");
    assert!(ours[0].starts_with("35\t35\t"), "{}", ours[0]);
    assert!(ours[1].starts_with("27\t5\t"), "{}", ours[1]);
    if !virt_testkit::peer(
        test,
        "/usr/lib/python3/dist-packages/libvirt.py",
        "python3-libvirt",
    ) {
        return;
    }
    let input: String = CASES.iter().map(|(f, x)| format!("{f}\t{x}\0")).collect();
    let mut child = Command::new("/usr/bin/python3")
        .args(["-c", PROBE])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python3 runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write cases");
    let out = child.wait_with_output().expect("python3 ends");
    let theirs: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(theirs.len(), CASES.len(), "python3-libvirt: {theirs:?}");
    let differ: Vec<String> = CASES
        .iter()
        .zip(ours.iter().zip(&theirs))
        .filter(|(_, (o, t))| o != t)
        .map(|((_, xml), (o, t))| format!("{xml}\n ours:    {o}\n libvirt: {t}"))
        .collect();
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
