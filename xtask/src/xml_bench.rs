//! Domain XML speed: parse and format every file of the corpus's
//! domain-xml folder (MB/s each way), and define + XML dump of a domain
//! through the test hypervisor next to python3-libvirt's `defineXML()` +
//! `XMLDesc()` on test:///default, measured in the same run.

use crate::probe::{corpus_documents, SMALL, TYPICAL};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use virt_core::{xml_flags, Connect};
use virt_xml::{parse_domain, DomainDef, FormatOptions};

/// Define, then dump the inactive XML, N times; ops/s.
const PY_DEFINE_DUMP: &str = r#"
import sys, time, libvirt
xml, n = open(sys.argv[1]).read(), int(sys.argv[2])
c = libvirt.open("test:///default")
for _ in range(50):
    c.defineXML(xml).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
t = time.perf_counter()
for _ in range(n):
    c.defineXML(xml).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
print(n / (time.perf_counter() - t))
"#;

/// The corpus's domain-xml folder: under `$VIRT_CORPUS`, else ../shared/corpus.
pub(crate) fn corpus_dir() -> PathBuf {
    match std::env::var_os("VIRT_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus")),
    }
    .join("domain-xml")
}

/// Run `f` over and over for about `secs`; seconds per call.
fn time_per_call(secs: f64, mut f: impl FnMut()) -> f64 {
    for _ in 0..3 {
        f();
    }
    let budget = Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        f();
        n += 1;
    }
    start.elapsed().as_secs_f64() / n.max(1) as f64
}

/// Print the domain XML figures; `python` says whether python3-libvirt
/// is there to compare with.
pub fn run(quick: bool, python: bool) {
    let secs = if quick { 0.3 } else { 1.5 };
    println!("\ndomain XML");
    let dir = corpus_dir();
    let docs = corpus_documents(&dir);
    if docs.is_empty() {
        println!(
            "  corpus folder {} absent: parse/format figures skipped",
            dir.display()
        );
    } else {
        let bytes: usize = docs.iter().map(String::len).sum();
        let defs: Vec<DomainDef> = docs.iter().filter_map(|d| parse_domain(d).ok()).collect();
        let opts = FormatOptions {
            inactive: true,
            ..FormatOptions::default()
        };
        let parse = time_per_call(secs, || {
            for d in &docs {
                let _ = std::hint::black_box(parse_domain(std::hint::black_box(d)));
            }
        });
        let format = time_per_call(secs, || {
            for d in &defs {
                std::hint::black_box(std::hint::black_box(d).to_xml(&opts));
            }
        });
        let mb = bytes as f64 / 1e6;
        println!(
            "  corpus: {} files, {:.1} KB; parse {:.1} MB/s ({:.2} us/file), format {:.1} MB/s ({:.2} us/file){}",
            docs.len(),
            bytes as f64 / 1e3,
            mb / parse,
            parse * 1e6 / docs.len() as f64,
            mb / format,
            format * 1e6 / defs.len().max(1) as f64,
            if format <= parse {
                ""
            } else {
                "  (formatter slower than parser!)"
            }
        );
    }

    let conn = match Connect::open("test:///default") {
        Ok(c) => c,
        Err(e) => {
            println!("  cannot open test:///default: {e}");
            return;
        }
    };
    println!(
        "  {:<34} {:>14} {:>16} {:>10}  target",
        "define + dumpxml --inactive", "virt-rs", "python3-libvirt", "ratio"
    );
    for (what, xml) in [
        ("typical domain (31 lines)", TYPICAL),
        ("small domain (1 line)", SMALL),
    ] {
        let mut failed = None;
        let per = time_per_call(secs, || {
            let r = conn
                .define_xml(xml)
                .and_then(|d| d.xml_desc(xml_flags::INACTIVE));
            if let Err(e) = r {
                failed = Some(e.to_string());
            }
        });
        let ours = 1.0 / per;
        if let Some(e) = failed {
            println!("  {what}: define failed: {e}");
            continue;
        }
        let theirs = python
            .then(|| python_define_dump(xml, if quick { 500 } else { 3000 }))
            .flatten();
        if let Ok(d) = conn.lookup_by_uuid_string(if xml == TYPICAL {
            "c7a5fdbd-cdaf-9455-926a-d65c16db1809"
        } else {
            "c7a5fdbd-cdaf-9455-926a-d65c16db1810"
        }) {
            let _ = d.undefine();
        }
        println!(
            "  {:<34} {:>14} {:>16} {:>10}  >= 10x ({:.2} us per define+dump)",
            what,
            format!("{ours:.0} ops/s"),
            theirs.map_or("n/a".into(), |t| format!("{t:.0} ops/s")),
            theirs.map_or("n/a".into(), |t| format!("{:.1}x", ours / t)),
            per * 1e6
        );
    }
}

fn python_define_dump(xml: &str, n: u32) -> Option<f64> {
    let path = std::env::temp_dir().join(format!("virt-xml-bench-{}.xml", std::process::id()));
    std::fs::write(&path, xml).ok()?;
    let r = crate::python_float(PY_DEFINE_DUMP, &[&path.to_string_lossy(), &n.to_string()]);
    let _ = std::fs::remove_file(&path);
    r
}
