//! The RelaxNG reader on a small grammar written here (so it runs on any
//! machine), and on libvirt's domain schema when it is installed.

use std::path::PathBuf;

use virt_schema::generate::Generator;
use virt_schema::rng::{Grammar, NameClass, Pattern};
use virt_schema::{domain_grammar, DOMAIN_SCHEMA};

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("virt-schema-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
    d
}

const MAIN: &str = r#"<?xml version="1.0"?>
<grammar xmlns="http://relaxng.org/ns/structure/1.0"
         datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
  <start><ref name="domain"/></start>
  <include href="types.rng"/>
  <define name="domain">
    <element name="domain">
      <attribute name="type"><choice><value>test</value><value>kvm</value></choice></attribute>
      <element name="name"><ref name="word"/></element>
      <optional><element name="memory"><data type="unsignedInt">
        <param name="minInclusive">5</param><param name="maxInclusive">9</param>
      </data></element></optional>
      <zeroOrMore><element name="disk"><attribute name="dev"><ref name="word"/></attribute>
        <empty/></element></zeroOrMore>
      <ref name="extra"/>
    </element>
  </define>
  <define name="extra"><notAllowed/></define>
  <define name="extra" combine="choice"><element name="clock"><empty/></element></define>
</grammar>"#;

const TYPES: &str = r#"<grammar xmlns="http://relaxng.org/ns/structure/1.0"
         datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
  <define name="word"><data type="string"><param name="pattern">[a-z]{3}</param></data></define>
</grammar>"#;

#[test]
fn reads_includes_combines_and_types() {
    let dir = temp_dir("grammar");
    std::fs::write(dir.join("main.rng"), MAIN).unwrap();
    std::fs::write(dir.join("types.rng"), TYPES).unwrap();
    let g = Grammar::load(&dir.join("main.rng")).unwrap();
    assert!(matches!(g.define("word"), Ok(Pattern::Data { datatype, .. }) if datatype == "string"));
    // combine="choice" merged the two defines of `extra`.
    assert!(matches!(g.define("extra"), Ok(Pattern::Choice(v)) if v.len() == 2));
    let paths = g.reachable_paths().unwrap();
    let want = [
        ("attribute", "domain/@type"),
        ("attribute", "domain/disk/@dev"),
        ("element", "domain"),
        ("element", "domain/clock"),
        ("element", "domain/disk"),
        ("element", "domain/memory"),
        ("element", "domain/name"),
    ];
    let got: Vec<(&str, &str)> = paths
        .iter()
        .map(|(k, p)| (k.as_str(), p.as_str()))
        .collect();
    assert_eq!(got, want);
    // Documents follow the grammar: a 3-letter name (the pattern), memory
    // within its facets, the notAllowed branch never taken.
    let mut generator = Generator::new(&g, 1);
    for i in 0..40 {
        let d = generator.document(i).unwrap();
        let root = virt_xml::parse_element(&d.xml).unwrap();
        if d.broken.is_some() {
            continue;
        }
        if let Some(m) = root.child("memory") {
            let v: u32 = m.text().parse().unwrap_or(0);
            // make_definable sets a memory size of its own.
            assert!(v >= 65536, "{}", d.xml);
        }
        assert!(root.child("clock").is_some(), "{}", d.xml);
        for disk in root.children_named("disk") {
            let dev = disk.attr("dev").unwrap_or("");
            assert!(
                dev.len() == 3 && dev.bytes().all(|b| b.is_ascii_lowercase()),
                "{dev}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_construct_is_an_error_not_a_panic() {
    let dir = temp_dir("bad");
    std::fs::write(
        dir.join("bad.rng"),
        r#"<grammar xmlns="http://relaxng.org/ns/structure/1.0"><start><externalRef href="x"/></start></grammar>"#,
    )
    .unwrap();
    assert!(Grammar::load(&dir.join("bad.rng")).is_err());
    assert!(Grammar::load(&dir.join("absent.rng")).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reads_libvirt_domain_schema() {
    let g = match domain_grammar() {
        Ok(g) => g,
        Err(e) => return println!("schema: {DOMAIN_SCHEMA} unusable ({e}); skipped"),
    };
    let paths = g.reachable_paths().unwrap();
    let elements = paths.iter().filter(|(k, _)| k == "element").count();
    println!(
        "schema: {} defines, {elements} element paths, {} attribute paths reachable from <domain>",
        g.defines.len(),
        paths.len() - elements
    );
    assert!(matches!(
        g.define("domain"),
        Ok(Pattern::Element { name: NameClass::Name { name, .. }, .. }) if name == "domain"
    ));
    assert!(paths.iter().any(|(_, p)| p == "domain/devices/disk/@type"));
}

/// A grammar whose root holds one of twelve elements.
const TWELVE: &str = r#"<grammar xmlns="http://relaxng.org/ns/structure/1.0">
  <start><element name="domain"><choice>
    <element name="a"><empty/></element><element name="b"><empty/></element>
    <element name="c"><empty/></element><element name="d"><empty/></element>
    <element name="e"><empty/></element><element name="f"><empty/></element>
    <element name="g"><empty/></element><element name="h"><empty/></element>
    <element name="i"><empty/></element><element name="j"><empty/></element>
    <element name="k"><empty/></element><element name="l"><empty/></element>
  </choice></element></start>
</grammar>"#;

#[test]
fn steered_documents_reach_what_was_not_reached() {
    let dir = temp_dir("steer");
    std::fs::write(dir.join("twelve.rng"), TWELVE).unwrap();
    let g = Grammar::load(&dir.join("twelve.rng")).unwrap();
    // Each document reported as reached turns the next one to another of
    // the twelve: twelve documents use all twelve, and none is broken
    // (the <os> every definable document has aside).
    let mut steered = Generator::steered(&g, 3).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..12 {
        let d = steered.document(i).unwrap();
        assert_eq!(d.broken, None, "{}", d.xml);
        let root = virt_xml::parse_element(&d.xml).unwrap();
        let names: Vec<String> = root
            .elements()
            .filter(|e| !matches!(e.name.as_str(), "name" | "uuid" | "memory" | "os"))
            .map(|e| e.name.to_string())
            .collect();
        seen.extend(names);
        steered.reached(&d);
    }
    assert_eq!(seen.len(), 12, "{seen:?}");
    // Every path reached: nothing left to steer toward.
    assert!(!steered.wants_more());
    assert!(Generator::steered(&g, 3).unwrap().wants_more());
    // Steering is the steered generator's own: a plain one of the same
    // seed makes the same documents whatever is reported to it.
    let mut plain = Generator::new(&g, 3);
    let mut again = Generator::new(&g, 3);
    assert!(!plain.wants_more());
    for i in 0..12 {
        let d = plain.document(i).unwrap();
        plain.reached(&d);
        assert_eq!(Some(d), again.document(i).ok());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_document_for_a_path_reaches_it_reached_or_given_up() {
    let dir = temp_dir("aim");
    std::fs::write(dir.join("twelve.rng"), TWELVE).unwrap();
    let g = Grammar::load(&dir.join("twelve.rng")).unwrap();
    let mut steered = Generator::steered(&g, 5).unwrap();
    // <k> never reported reached: the random draws give it up after a
    // few documents built for it; <a> is reported reached at once.
    for i in 0..40 {
        let d = steered.document(i).unwrap();
        if d.xml.contains("<a/>") {
            steered.reached(&d);
        }
    }
    for (i, want) in [(40, "a"), (41, "k"), (42, "k"), (43, "c")] {
        let d = steered.document_for(i, &format!("domain/{want}")).unwrap();
        assert!(d.xml.contains(&format!("<{want}/>")), "{}", d.xml);
    }
    // A path the grammar has not: a document like any other.
    assert!(steered.document_for(44, "domain/z").is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn documents_take_the_os_type_asked_for() {
    let g = match domain_grammar() {
        Ok(g) => g,
        Err(e) => return println!("schema: {DOMAIN_SCHEMA} unusable ({e}); skipped"),
    };
    let mut xen = Generator::new(&g, 2).with_os_type("xen");
    let mut hvm = Generator::new(&g, 2);
    let mut typed = 0;
    for i in 0..20 {
        let (x, h) = (xen.document(i).unwrap(), hvm.document(i).unwrap());
        let os_type = |xml: &str| {
            let root = virt_xml::parse_element(xml).unwrap();
            root.child("os")
                .and_then(|os| os.child("type"))
                .map(|t| t.text())
        };
        if let Some(t) = os_type(&x.xml) {
            typed += 1;
            assert_eq!(t, "xen", "{}", x.xml);
            assert_eq!(os_type(&h.xml).as_deref(), Some("hvm"), "{}", h.xml);
        }
    }
    assert!(typed > 0);
}
