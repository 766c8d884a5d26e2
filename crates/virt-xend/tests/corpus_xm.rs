//! Byte-for-byte comparisons with libvirt's xm config conversions
//! (xmconfigtest of libvirt 4.0 and 9.0), read in place from the shared
//! corpus (`VIRT_CORPUS`, default `../shared/corpus`), plus robustness
//! checks on mutated corpus configs.

mod common;

use std::path::PathBuf;

use common::manifest;
use proptest::prelude::*;
use virt_testkit::{corpus_folder, corpus_root};
use virt_xend::xm::{xm_text_to_xml, xml_to_xm_text, Conf, XmFlavour, XmOptions};

/// A line diff of two texts: the lines that differ, marked - (want) and
/// + (got), with their line numbers.
fn diff(got: &str, want: &str) -> String {
    let g: Vec<&str> = got.lines().collect();
    let w: Vec<&str> = want.lines().collect();
    let mut out = String::new();
    for i in 0..g.len().max(w.len()) {
        let (a, b) = (w.get(i), g.get(i));
        if a != b {
            if let Some(a) = a {
                out.push_str(&format!("    {:3} - {a}\n", i + 1));
            }
            if let Some(b) = b {
                out.push_str(&format!("    {:3} + {b}\n", i + 1));
            }
        }
    }
    if out.is_empty() {
        out.push_str("    (only line endings differ)\n");
    }
    out
}

/// Run every row of `folder`'s manifest; returns (passed, total).
fn run_folder(folder: &str, flavour: XmFlavour) -> Option<(usize, usize)> {
    let dir = corpus_folder(folder, folder)?;
    let opts = XmOptions::new(flavour);
    let rows = manifest(&dir).expect("MANIFEST.tsv");
    let mut failures = Vec::new();
    let mut passed = 0;
    for case in &rows {
        let (name, direction) = (case.name(), &case.test);
        let text = std::fs::read(&case.input).expect("input");
        let want = std::fs::read_to_string(&case.expected).expect("expected");
        let got = match direction.as_str() {
            "cfg->xml" => xm_text_to_xml(&text, &opts),
            "xml->cfg" => xml_to_xm_text(&String::from_utf8_lossy(&text), &opts),
            other => panic!("unknown direction {other} in {folder}"),
        };
        match got {
            Ok(got) if got == want => passed += 1,
            Ok(got) => failures.push(format!("{direction} {name}:\n{}", diff(&got, &want))),
            Err(e) => failures.push(format!("{direction} {name}: error: {e}\n")),
        }
    }
    println!("{folder}: {passed}/{} passed", rows.len());
    for f in &failures {
        print!("  FAIL {f}");
    }
    Some((passed, rows.len()))
}

#[test]
fn corpus_xen_xm() {
    if let Some((passed, total)) = run_folder("xen-xm", XmFlavour::Libvirt4) {
        assert_eq!(passed, total, "xen-xm: {passed}/{total} passed");
    }
}

#[test]
fn corpus_xen_xm_v9() {
    if let Some((passed, total)) = run_folder("xen-xm-v9.0.0", XmFlavour::Libvirt9) {
        assert_eq!(passed, total, "xen-xm-v9.0.0: {passed}/{total} passed");
    }
}

/// virConf's own test: fc4.conf read and written back must give fc4.out.
#[test]
fn corpus_conf_fc4() {
    let Some(dir) = corpus_folder("era-0.2/LIVIRT_0_2_3/confdata", "confdata") else {
        return;
    };
    let input = std::fs::read(dir.join("fc4.conf")).expect("fc4.conf");
    let want = std::fs::read_to_string(dir.join("fc4.out")).expect("fc4.out");
    let got = Conf::parse(&input).expect("parses").to_text();
    assert_eq!(got, want, "\n{}", diff(&got, &want));
    println!("confdata: 1/1 passed");
}

/// The corpus configs, for mutation.
fn corpus_configs() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for folder in ["xen-xm", "xen-xm-v9.0.0"] {
        let Ok(entries) = std::fs::read_dir(corpus_root().join(folder)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "cfg"))
            .collect();
        paths.sort();
        out.extend(paths.iter().filter_map(|p| std::fs::read(p).ok()));
    }
    out
}

/// Feed a config to every conversion: errors are fine, panics are not.
fn exercise(bytes: &[u8]) {
    for flavour in [XmFlavour::Libvirt4, XmFlavour::Libvirt9] {
        let opts = XmOptions::new(flavour);
        if let Ok(xml) = xm_text_to_xml(bytes, &opts) {
            // What we wrote must read back and convert again.
            let cfg = xml_to_xm_text(&xml, &opts);
            if let Ok(cfg) = cfg {
                let _ = xm_text_to_xml(cfg.as_bytes(), &opts);
            }
        }
    }
}

/// proptest's settings for the files below.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 400,
        // An integration test has no lib.rs for proptest to store failures next to.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Corpus configs with a few bytes replaced, inserted or removed: errors are
/// fine, panics are not. The configs are read once, before proptest runs, so
/// a machine without the corpus skips instead of rejecting every case.
#[test]
fn mutated_corpus_configs_never_panic() {
    let configs = corpus_configs();
    if configs.is_empty() {
        return println!(
            "mutated_corpus_configs_never_panic: no xm configs under {}, skipped",
            corpus_root().display()
        );
    }
    let edits = prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..12);
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let outcome = runner.run(&(any::<prop::sample::Index>(), edits), |(pick, edits)| {
        let mut bytes = configs[pick.index(configs.len())].clone();
        for (at, byte, kind) in edits {
            if bytes.is_empty() {
                bytes.push(byte);
                continue;
            }
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ => {
                    bytes.remove(i);
                }
            }
        }
        exercise(&bytes);
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        exercise(&bytes);
    }

    #[test]
    fn config_like_text_never_panics(
        lines in prop::collection::vec(
            (
                prop::sample::select(vec![
                    "name", "uuid", "memory", "maxmem", "vcpus", "maxvcpus", "vcpu_avail",
                    "builder", "kernel", "boot", "disk", "vif", "vfb", "pci", "serial",
                    "parallel", "soundhw", "usbdevice", "vnc", "sdl", "vncunused",
                    "vncdisplay", "hpet", "hap", "localtime", "rtc_timeoffset", "on_crash",
                    "bootloader", "root", "extra", "cpus",
                ]),
                prop::sample::select(vec![
                    "1", "0", "-1", "99999999999999999999", "\"x\"", "\"hvm\"",
                    "\"c7a5fdb2-cdaf-9455-926a-d65c16db1809\"", "[ ]",
                    "[ \"phy:/dev/a,hda,w\", \",hdc:cdrom,r\", \"tap:qcow:/x,xvdb,w!\" ]",
                    "[ \"mac=00:16:3e:00:00:01,bridge=br0,rate=1Gb/s\", \"type=netfront\" ]",
                    "[ \"type=vnc,vncunused=0,vncdisplay=-5901\" ]",
                    "[ \"0001:0c:1b.2\", \"zz:1.1\" ]", "\"tcp:1:2,server\"",
                    "[ \"pty\", \"none\", 3 ]", "\"all\"", "\"tablet\"", "\"udp:a:1@b:2\"",
                ]),
            ),
            0..16,
        )
    ) {
        let mut text = String::from("name = \"fuzz\"\n");
        for (k, v) in lines {
            text.push_str(&format!("{k} = {v}\n"));
        }
        exercise(text.as_bytes());
    }
}
