//! libvirt's define-time defaults on qemu:///: a guest defined here reads
//! back (`dumpxml --inactive`) as libvirtd 9.0 writes it.
//!
//! The inputs in `tests/defaults/NAME.xml` are minimal pc and q35 guests,
//! guests with disks on every bus, NICs, channels and graphics, and what
//! Debian's virt-install 4.1 prints (`--print-xml`, osinfo generic and
//! linux2022). Each `NAME.libvirtd.xml` beside it is what Debian's
//! libvirtd 9.0 answered to `virsh define NAME.xml; virsh dumpxml
//! --inactive` on a machine with Debian's QEMU 7.2 (made by hand with
//! the daemon started as `virt_testkit::libvirtd` starts it; regenerate
//! them the same way when QEMU changes).
//!
//! - `kept_answers`: our driver alone against those files.
//! - `against_libvirtd`: the same inputs through a libvirtd started here
//!   and through our driver, compared with each other (skipped, with one
//!   line, where libvirtd cannot start).
//!
//! Both need the QEMU the answers came from (its machine types and
//! default devices): without /usr/bin/qemu-system-x86_64 they skip.

use std::path::{Path, PathBuf};
use std::process::Command;
use virt_core::Connect;

const QEMU: &str = "/usr/bin/qemu-system-x86_64";
const REAL_VIRSH: &str = "/usr/bin/virsh";
const INACTIVE: u32 = 2;

fn cases() -> Vec<(String, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/defaults");
    let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .expect("tests/defaults")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "xml")
                && !p.to_string_lossy().ends_with(".libvirtd.xml")
        })
        .map(|p| {
            let stem = p.file_stem().unwrap_or_default().to_string_lossy().into();
            (stem, p)
        })
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no inputs in {}", dir.display());
    v
}

fn have_qemu(test: &str) -> bool {
    if Path::new(QEMU).exists() {
        return true;
    }
    println!("{test}: {QEMU} not installed (apt-get install qemu-system-x86); skipped");
    false
}

/// The domain's name in `xml`.
fn name_of(xml: &str) -> &str {
    xml.split_once("<name>")
        .and_then(|(_, r)| r.split_once("</name>"))
        .map_or("", |(n, _)| n)
}

/// A temp dir for an embedded driver; removed when dropped, also when the
/// test fails.
fn temp_root(tag: &str) -> virt_testkit::TempDir {
    let p = std::env::temp_dir().join(format!("vq-defaults-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).expect("temp root");
    virt_testkit::TempDir(p)
}

/// Define `xml` on our driver and read it back inactive.
fn ours(conn: &Connect, xml: &str) -> String {
    let dom = conn
        .define_xml(xml)
        .unwrap_or_else(|e| panic!("our define of {}: {e}", name_of(xml)));
    let out = dom.xml_desc(INACTIVE).expect("our dumpxml");
    dom.undefine().expect("our undefine");
    out
}

/// Where two dumps differ, line by line (virsh adds a blank line).
fn differences(theirs: &str, ours: &str) -> Option<String> {
    let (theirs, ours) = (theirs.trim_end(), ours.trim_end());
    if theirs == ours {
        return None;
    }
    let (t, o): (Vec<&str>, Vec<&str>) = (theirs.lines().collect(), ours.lines().collect());
    let mut out = String::new();
    let n = t.len().max(o.len());
    for i in 0..n {
        let (a, b) = (t.get(i), o.get(i));
        if a != b {
            out.push_str(&format!(
                "line {}:\n  libvirtd: {}\n  ours:     {}\n",
                i + 1,
                a.unwrap_or(&"(end)"),
                b.unwrap_or(&"(end)")
            ));
        }
    }
    Some(out)
}

#[test]
fn kept_answers() {
    if !have_qemu("kept_answers") {
        return;
    }
    virt_qemu::register();
    let root = temp_root("kept");
    let conn = Connect::open(&format!("qemu:///embed?root={}", root.display())).expect("open");
    let mut failed = Vec::new();
    let cases = cases();
    for (stem, path) in &cases {
        let xml = std::fs::read_to_string(path).expect("input");
        let answer = path.with_file_name(format!("{stem}.libvirtd.xml"));
        let theirs = std::fs::read_to_string(&answer).expect("libvirtd's answer");
        if let Some(d) = differences(&theirs, &ours(&conn, &xml)) {
            failed.push(format!("{stem}:\n{d}"));
        }
    }
    println!(
        "kept_answers: {} of {} as libvirtd 9.0 wrote them",
        cases.len() - failed.len(),
        cases.len()
    );
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// Debian's virsh on `uri`: stdout, or the failure's text.
fn real_virsh(uri: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(REAL_VIRSH)
        .args(["-c", uri])
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .map_err(|e| format!("cannot run {REAL_VIRSH}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn against_libvirtd() {
    if !have_qemu("against_libvirtd") {
        return;
    }
    if let Some(why) = virt_testkit::libvirtd::unavailable() {
        println!("against_libvirtd: {why}; skipped");
        return;
    }
    if !Path::new(REAL_VIRSH).exists() {
        println!("against_libvirtd: {REAL_VIRSH} not installed (apt-get install libvirt-clients); skipped");
        return;
    }
    let daemon = virt_testkit::libvirtd::start().unwrap_or_else(|e| panic!("libvirtd: {e}"));
    let uri = format!("qemu+unix:///system?socket={}", daemon.socket().display());
    virt_qemu::register();
    let root = temp_root("lv");
    let conn = Connect::open(&format!("qemu:///embed?root={}", root.display())).expect("open");
    let mut failed = Vec::new();
    let cases = cases();
    for (stem, path) in &cases {
        let xml = std::fs::read_to_string(path).expect("input");
        let file = path.to_string_lossy();
        real_virsh(&uri, &["define", &file])
            .unwrap_or_else(|e| panic!("libvirtd define {stem}: {e}"));
        let theirs = real_virsh(&uri, &["dumpxml", "--inactive", name_of(&xml)])
            .unwrap_or_else(|e| panic!("libvirtd dumpxml {stem}: {e}"));
        let _ = real_virsh(&uri, &["undefine", name_of(&xml)]);
        if let Some(d) = differences(&theirs, &ours(&conn, &xml)) {
            failed.push(format!("{stem}:\n{d}"));
        }
    }
    println!(
        "against_libvirtd: {} of {} inputs read back as libvirtd 9.0 writes them",
        cases.len() - failed.len(),
        cases.len()
    );
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
