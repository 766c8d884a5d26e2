//! What the corpus tests of this crate share.

#[allow(unused_imports)]
pub use virt_testkit::corpus_root;

/// The documents whose define does not end as libvirt 9.0 ends it
/// (refused with the text given, or accepted for `None`), one line each
/// for the failure message.
#[allow(dead_code)]
pub fn define_misses<'a, X: AsRef<str>>(
    cases: impl IntoIterator<Item = (X, Option<&'a str>)>,
) -> Vec<String> {
    let mut bad = Vec::new();
    for (xml, want) in cases {
        let xml = xml.as_ref();
        let got = virt_xml::parse_domain(xml).err().map(|e| e.to_string());
        if got.as_deref() != want {
            bad.push(format!("{xml}\n got {got:?}\nwant {want:?}"));
        }
    }
    bad
}
