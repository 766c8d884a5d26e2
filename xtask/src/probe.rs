//! The calls the benchmarks time, as a program of its own: `cargo xtask
//! instructions` builds this file against the virt-core, virt-test and
//! virt-xml of any checkout (an old commit's worktree too) and counts the
//! instructions of each call under callgrind, which a loaded machine does
//! not disturb the way it disturbs wall times.
//!
//! It only uses calls every version since the benchmarks began has had
//! (`Connect`, `define_xml`, `xml_desc`, `parse_domain`, `to_xml`), and
//! nothing else of xtask, so the same source builds on both sides of a
//! before/after comparison.

use std::path::Path;
use virt_core::{xml_flags, Connect};
use virt_xml::{parse_domain, DomainDef, FormatOptions};

/// A domain as tools write them: disk, network, console, graphics, video.
pub const TYPICAL: &str = "<domain type='test'>
  <name>bench-xml</name>
  <uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>1048576</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/bench.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:12:34:56'/>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <console type='pty'/>
    <graphics type='vnc' port='-1' autoport='yes'/>
    <video>
      <model type='cirrus' vram='16384' heads='1' primary='yes'/>
    </video>
  </devices>
</domain>
";

/// The 64 MiB, one-vCPU domain of the define + dump benchmark, with a
/// UUID so that defining it again replaces it.
pub const SMALL: &str = "<domain type='test'><name>bench-xml-small</name>\
<uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1810</uuid><memory unit='MiB'>64</memory>\
<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>";

/// The domain the define/undefine benchmarks use: 64 MiB, one vCPU, as in
/// the libvirt baseline.
pub fn small_domain(name: &str) -> String {
    format!(
        "<domain type='test'><name>{name}</name><memory unit='MiB'>64</memory>\
         <vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>"
    )
}

/// The calls, by the name the probe's command line gives them.
pub const CALLS: [&str; 6] = [
    "lookup-info",
    "define-undefine",
    "parse-corpus",
    "format-corpus",
    "define-dump-typical",
    "define-dump-small",
];

/// The domain-xml documents of the corpus folder `dir`, in name order.
pub fn corpus_documents(dir: &Path) -> Vec<String> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "xml"))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

/// Make `call` `times` times after its setup (a connection to
/// test:///default, the corpus read and parsed); how many units one time
/// counts for (the corpus's files for the corpus calls, else 1), so that a
/// caller can divide instructions per unit.
pub fn run(call: &str, times: u64, corpus: &Path) -> Result<u64, String> {
    virt_test::register();
    let conn = Connect::open("test:///default").map_err(|e| e.to_string())?;
    match call {
        "lookup-info" => repeat(times, || {
            let d = conn.lookup_by_name("test").map_err(|e| e.to_string())?;
            d.info().map(drop).map_err(|e| e.to_string())
        })
        .map(|()| 1),
        "define-undefine" => {
            let xml = small_domain("bench-ours");
            repeat(times, || {
                let d = conn.define_xml(&xml).map_err(|e| e.to_string())?;
                d.undefine().map_err(|e| e.to_string())
            })
            .map(|()| 1)
        }
        "parse-corpus" | "format-corpus" => {
            let docs = corpus_documents(corpus);
            if docs.is_empty() {
                return Err(format!("no domain XML files in {}", corpus.display()));
            }
            if call == "parse-corpus" {
                for _ in 0..times {
                    for d in &docs {
                        let _ = std::hint::black_box(parse_domain(std::hint::black_box(d)));
                    }
                }
                return Ok(docs.len() as u64);
            }
            let defs: Vec<DomainDef> = docs.iter().filter_map(|d| parse_domain(d).ok()).collect();
            let opts = FormatOptions {
                inactive: true,
                ..FormatOptions::default()
            };
            for _ in 0..times {
                for d in &defs {
                    std::hint::black_box(std::hint::black_box(d).to_xml(&opts));
                }
            }
            Ok(defs.len() as u64)
        }
        "define-dump-typical" | "define-dump-small" => {
            let xml = if call == "define-dump-typical" {
                TYPICAL
            } else {
                SMALL
            };
            repeat(times, || {
                conn.define_xml(xml)
                    .and_then(|d| d.xml_desc(xml_flags::INACTIVE))
                    .map(drop)
                    .map_err(|e| e.to_string())
            })
            .map(|()| 1)
        }
        other => Err(format!("unknown call {other:?}; one of {CALLS:?}")),
    }
}

fn repeat(times: u64, mut call: impl FnMut() -> Result<(), String>) -> Result<(), String> {
    for _ in 0..times {
        call()?;
    }
    Ok(())
}

/// The probe's `main`: `PROBE CALL TIMES CORPUS_DIR`; prints the units one
/// time counts for.
#[allow(dead_code)] // xtask itself calls `run`; only the probe binary calls this.
pub fn main_with_args(args: &[String]) -> i32 {
    let [call, times, corpus] = args else {
        eprintln!("usage: virt-instr-probe CALL TIMES CORPUS_DIR; CALL one of {CALLS:?}");
        return 2;
    };
    let Ok(times) = times.parse() else {
        eprintln!("virt-instr-probe: TIMES {times:?} is not a count");
        return 2;
    };
    match run(call, times, Path::new(corpus)) {
        Ok(units) => {
            println!("{units}");
            0
        }
        Err(e) => {
            eprintln!("virt-instr-probe: {call}: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_runs_against_the_test_driver() {
        for call in CALLS.iter().filter(|c| !c.ends_with("-corpus")) {
            assert_eq!(run(call, 3, Path::new("/nonexistent")), Ok(1), "{call}");
        }
    }

    #[test]
    fn corpus_calls_count_files_and_refuse_an_empty_folder() {
        let dir = std::env::temp_dir().join(format!("xtask-probe-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        assert!(run("parse-corpus", 1, &dir).is_err());
        std::fs::write(dir.join("a.xml"), TYPICAL).expect("write");
        std::fs::write(dir.join("b.xml"), SMALL).expect("write");
        std::fs::write(dir.join("notes.txt"), "not a domain").expect("write");
        assert_eq!(run("parse-corpus", 2, &dir), Ok(2));
        assert_eq!(run("format-corpus", 2, &dir), Ok(2));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn an_unknown_call_is_refused() {
        assert!(run("launch-rockets", 1, Path::new("/nonexistent")).is_err());
    }
}
