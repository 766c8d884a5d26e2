//! Storage pool and volume XML against libvirt 9.0's own outputs in
//! `$VIRT_CORPUS/storage-xml` (see its README): every `pool/<case>.xml`
//! defined on the test driver dumps as `<case>.out.xml` (what Debian's
//! virsh printed on its test driver) or is refused with the message of
//! `<case>.err`; every `vol/<case>.xml`, created in a started pool defined
//! from `<case>.pool.xml`, dumps as its `<case>.out.xml`. Skipped with a
//! notice when the folder is absent.

use std::path::Path;
use virt_core::Connect;
use virt_testkit::{first_difference, TempDir};

/// The cases of `dir`: its inputs, without the outputs and companions.
fn cases(dir: &Path) -> Vec<String> {
    virt_testkit::xml_cases(dir, &[".out.xml", ".pool.xml"])
}

/// libvirt's message in a captured virsh stderr: its second `error:` line
/// (the first is virsh's own "Failed to define ...").
fn expected_error(err: &str) -> Option<String> {
    err.lines()
        .nth(1)?
        .strip_prefix("error: ")
        .map(str::to_string)
}

/// A private test node (a file-backed test:/// URI), so no case sees
/// another's pools; its file goes with the returned dir.
fn private_node(tag: &str) -> (Connect, TempDir) {
    virt_test::register();
    let dir = TempDir::new(&format!("storage-corpus-{tag}"));
    let path = dir.path().join("node.xml");
    std::fs::write(&path, "<node/>").expect("node file");
    let c = Connect::open(&format!("test://{}", path.display())).expect("test node");
    (c, dir)
}

#[test]
fn corpus_storage_pool_xml2xml() {
    let Some(dir) = virt_testkit::corpus_folder("storage-xml/pool", "storage pool xml2xml") else {
        return;
    };
    virt_testkit::check_cases("storage pool xml2xml", &cases(&dir), |c| {
        let read = |ext: &str| std::fs::read_to_string(dir.join(format!("{c}{ext}"))).ok();
        let input = read(".xml")?;
        let (conn, _node) = private_node("pool");
        let got = conn
            .storage_pool_define_xml(&input, 0)
            .and_then(|p| p.xml_desc(0));
        let verdict = match (&got, read(".out.xml"), read(".err")) {
            (Ok(x), Some(out), _) if *x == out => None,
            (Ok(x), Some(out), _) => Some(first_difference(&out, x)),
            (Err(e), _, Some(err)) if expected_error(&err).as_deref() == Some(&e.to_string()) => {
                None
            }
            (Err(e), _, Some(err)) => Some(format!("refused with {e:?}, libvirt: {err}")),
            (Ok(_), None, _) => Some("accepted; libvirt refused it".into()),
            (Err(e), None, None) | (Err(e), Some(_), None) => Some(format!("refused: {e}")),
        };
        verdict.map(|v| format!("{c}: {v}"))
    });
}

#[test]
fn corpus_storage_vol_xml2xml() {
    let Some(dir) = virt_testkit::corpus_folder("storage-xml/vol", "storage vol xml2xml") else {
        return;
    };
    virt_testkit::check_cases("storage vol xml2xml", &cases(&dir), |c| {
        let read = |ext: &str| std::fs::read_to_string(dir.join(format!("{c}{ext}"))).ok();
        let (Some(input), Some(pool_xml)) = (read(".xml"), read(".pool.xml")) else {
            return Some(format!("{c}: no input or pool file"));
        };
        let (conn, _node) = private_node("vol");
        let got = conn.storage_pool_define_xml(&pool_xml, 0).and_then(|p| {
            p.create(0)?;
            p.storage_vol_create_xml(&input, 0)?.xml_desc(0)
        });
        let verdict = match (&got, read(".out.xml"), read(".err")) {
            (Ok(x), Some(out), _) if *x == out => None,
            (Ok(x), Some(out), _) => Some(first_difference(&out, x)),
            (Err(e), _, Some(err)) if err.contains(&e.to_string()) => None,
            (r, _, _) => Some(format!("{r:?}")),
        };
        verdict.map(|v| format!("{c}: {v}"))
    });
}
