//! Typed views on libvirt's own domain XML: every corpus file that uses an
//! element yields its typed view, and writing the unchanged view back leaves
//! the document byte for byte as it was.

use std::fs;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use virt_xml::{
    parse_domain, BootMenu, Clock, Controller, Cpu, CpuFeature, Cputune, DomainDef, FeatureFlag,
    Features, FormatOptions, Hostdev, Input, MemBalloon, MemoryBacking, NumaCell, Numatune, Pm,
    Rng, SecLabel, Sound, Timer, Topology, Tpm, Video, View, Watchdog,
};

fn corpus_root() -> PathBuf {
    match std::env::var_os("VIRT_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpus"
        )),
    }
}

fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "xml"));
    v.sort();
    v
}

/// A test's own expectation that a value is there, with what it was instead.
trait Must<T> {
    fn must(self) -> T;
}

impl<T, E: std::fmt::Display> Must<T> for Result<T, E> {
    fn must(self) -> T {
        match self {
            Ok(v) => v,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
}

impl<T> Must<T> for Option<T> {
    fn must(self) -> T {
        match self {
            Some(v) => v,
            None => panic!("unexpected None"),
        }
    }
}

fn inactive() -> FormatOptions {
    FormatOptions {
        inactive: true,
        ..FormatOptions::default()
    }
}

/// Read every `T` of the domain and write it back; the count read, or why not.
fn top_level<T: View + PartialEq + std::fmt::Debug>(def: &mut DomainDef) -> Result<usize, String> {
    let views = def.views::<T>().map_err(|e| format!("{}: {e}", T::TAG))?;
    for (i, v) in views.iter().enumerate() {
        faithful(v)?;
        def.set_view(i, v);
    }
    Ok(views.len())
}

fn devices<T: View + PartialEq + std::fmt::Debug>(def: &mut DomainDef) -> Result<usize, String> {
    let views = def
        .devices
        .views::<T>()
        .map_err(|e| format!("{}: {e}", T::TAG))?;
    for (i, v) in views.iter().enumerate() {
        faithful(v)?;
        def.devices.set_view(i, v);
    }
    Ok(views.len())
}

/// The view written into a fresh element reads back the same: write-back
/// carries every typed field.
fn faithful<T: View + PartialEq + std::fmt::Debug>(v: &T) -> Result<(), String> {
    match T::from_element(&v.to_element()) {
        Ok(back) if back == *v => Ok(()),
        other => Err(format!(
            "{}: {v:?} written fresh reads back as {other:?}",
            T::TAG
        )),
    }
}

#[derive(Default)]
struct Counts(Vec<(&'static str, usize, usize)>);

impl Counts {
    /// Record `n` views of `what`; `uses` says the source text uses it.
    fn add(&mut self, what: &'static str, n: usize, uses: bool) -> Result<(), String> {
        if uses && n == 0 {
            return Err(format!("{what}: used in the source but no typed view"));
        }
        match self.0.iter_mut().find(|(w, _, _)| *w == what) {
            Some(slot) => {
                slot.1 += usize::from(n > 0);
                slot.2 += n;
            }
            None => self.0.push((what, usize::from(n > 0), n)),
        }
        Ok(())
    }
}

/// Every view of one file, read and written back; the document must not change.
fn check_file(text: &str, counts: &mut Counts) -> Result<(), String> {
    let mut def = parse_domain(text).map_err(|e| e.to_string())?;
    let before = def.to_xml(&inactive());
    let uses = |tag: &str| {
        text.contains(&format!("<{tag} "))
            || text.contains(&format!("<{tag}>"))
            || text.contains(&format!("<{tag}/>"))
    };
    counts.add("cpu", top_level::<Cpu>(&mut def)?, uses("cpu"))?;
    counts.add("clock", top_level::<Clock>(&mut def)?, uses("clock"))?;
    counts.add(
        "numatune",
        top_level::<Numatune>(&mut def)?,
        uses("numatune"),
    )?;
    counts.add("cputune", top_level::<Cputune>(&mut def)?, uses("cputune"))?;
    counts.add(
        "memoryBacking",
        top_level::<MemoryBacking>(&mut def)?,
        uses("memoryBacking"),
    )?;
    counts.add("pm", top_level::<Pm>(&mut def)?, uses("pm"))?;
    // Top-level only: disks carry their own seclabels.
    let top_seclabel = text.contains("\n  <seclabel");
    counts.add("seclabel", top_level::<SecLabel>(&mut def)?, top_seclabel)?;
    let features = def.typed_features().map_err(|e| e.to_string())?;
    if let Some(f) = &features {
        def.set_typed_features(f);
    }
    counts.add(
        "features",
        usize::from(features.is_some()),
        uses("features"),
    )?;
    let loader = def.os_loader().map_err(|e| e.to_string())?;
    if let Some(l) = &loader {
        def.set_os_loader(Some(l));
    }
    counts.add("os loader", usize::from(loader.is_some()), uses("loader"))?;
    let nvram = def.os_nvram().map_err(|e| e.to_string())?;
    if let Some(n) = &nvram {
        def.set_os_nvram(n);
    }
    counts.add("os nvram", usize::from(nvram.is_some()), uses("nvram"))?;
    let menu = def.os_bootmenu().map_err(|e| e.to_string())?;
    if let Some(m) = &menu {
        def.set_os_bootmenu(m);
    }
    counts.add("os bootmenu", usize::from(menu.is_some()), uses("bootmenu"))?;
    let smbios = def.os_smbios().map_err(|e| e.to_string())?;
    if let Some(s) = &smbios {
        def.set_os_smbios(s);
    }
    counts.add("os smbios", usize::from(smbios.is_some()), uses("smbios"))?;
    let mut orders = 0;
    for d in &mut def.devices.disks {
        let o = d.boot_order().map_err(|e| e.to_string())?;
        orders += usize::from(o.is_some());
        d.set_boot_order(o);
    }
    for i in &mut def.devices.interfaces {
        let o = i.boot_order().map_err(|e| e.to_string())?;
        orders += usize::from(o.is_some());
        i.set_boot_order(o);
    }
    counts.add("device boot order", orders, false)?;
    counts.add(
        "controller",
        devices::<Controller>(&mut def)?,
        uses("controller"),
    )?;
    counts.add("input", devices::<Input>(&mut def)?, uses("input"))?;
    counts.add("video", devices::<Video>(&mut def)?, uses("video"))?;
    counts.add(
        "memballoon",
        devices::<MemBalloon>(&mut def)?,
        uses("memballoon"),
    )?;
    counts.add("rng", devices::<Rng>(&mut def)?, uses("rng"))?;
    counts.add("tpm", devices::<Tpm>(&mut def)?, uses("tpm"))?;
    counts.add("watchdog", devices::<Watchdog>(&mut def)?, uses("watchdog"))?;
    counts.add("sound", devices::<Sound>(&mut def)?, uses("sound"))?;
    counts.add("hostdev", devices::<Hostdev>(&mut def)?, uses("hostdev"))?;
    let after = def.to_xml(&inactive());
    if after != before {
        return Err("write-back changed the document".into());
    }
    Ok(())
}

#[test]
fn corpus_typed_views() {
    let dir = corpus_root().join("domain-xml");
    if !dir.is_dir() {
        println!("corpus folder {} absent: skipped", dir.display());
        return;
    }
    let files = xml_files(&dir);
    let mut counts = Counts::default();
    let mut failed = Vec::new();
    for f in &files {
        let text = fs::read_to_string(f).unwrap_or_default();
        if let Err(e) = check_file(&text, &mut counts) {
            failed.push(format!("{}: {e}", f.display()));
        }
    }
    println!(
        "corpus_typed_views: {}/{} files read and written back unchanged",
        files.len() - failed.len(),
        files.len()
    );
    for (what, nfiles, n) in &counts.0 {
        println!("  {what}: {n} typed in {nfiles} files");
    }
    for f in &failed {
        println!("  FAILED {f}");
    }
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(!files.is_empty());
}

const BASE: &str = "<domain type='kvm'>\n  <name>g</name>\n  <memory unit='KiB'>1024</memory>\n  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n  <devices>\n    <watchdog model='ib700'/>\n  </devices>\n</domain>\n";

fn reparse(def: &DomainDef) -> DomainDef {
    let xml = def.to_xml(&FormatOptions::default());
    match parse_domain(&xml) {
        Ok(d) => d,
        Err(e) => panic!("{e}\n{xml}"),
    }
}

#[test]
fn corpus_typed_values() {
    let dir = corpus_root().join("domain-xml");
    let Ok(text) = fs::read_to_string(dir.join("cpu-numa1.xml")) else {
        println!("corpus file cpu-numa1.xml absent: skipped");
        return;
    };
    let cpu = parse_domain(&text).must().cpu().must().must();
    assert_eq!(
        cpu.topology,
        Some(Topology {
            sockets: Some(2),
            dies: Some(1),
            cores: Some(4),
            threads: Some(2)
        })
    );
    assert_eq!(cpu.numa.len(), 2);
    assert_eq!(
        (
            cpu.numa.get(1).and_then(|c| c.cpus.as_deref()),
            cpu.numa.get(1).map(|c| c.memory)
        ),
        (Some("8-15"), Some(109550))
    );
    println!("corpus_typed_values: cpu-numa1.xml typed as expected");
}

#[test]
fn set_views_then_read_them_back() {
    let mut def = parse_domain(BASE).must();
    assert_eq!(def.cpu().must(), None);
    let cpu = Cpu {
        mode: Some("host-model".into()),
        check: Some("partial".into()),
        features: vec![CpuFeature {
            policy: Some("require".into()),
            name: "abm".into(),
        }],
        ..Cpu::default()
    };
    def.set_cpu(&cpu);
    def.set_clock(&Clock {
        offset: Some("utc".into()),
        timers: vec![Timer {
            name: "rtc".into(),
            tickpolicy: Some("catchup".into()),
            ..Timer::default()
        }],
        ..Clock::default()
    });
    def.set_os_bootmenu(&BootMenu {
        enable: Some("yes".into()),
        timeout: Some(3000),
    });
    let back = reparse(&def);
    assert_eq!(back.cpu().must(), Some(cpu));
    assert_eq!(
        back.clock()
            .must()
            .must()
            .timers
            .first()
            .map(|t| t.name.as_str()),
        Some("rtc")
    );
    assert_eq!(back.os_bootmenu().must().must().timeout, Some(3000));
    let xml = back.to_xml(&FormatOptions::default());
    assert!(
        xml.contains("<bootmenu enable='yes' timeout='3000'/>"),
        "{xml}"
    );
    assert!(
        xml.contains("<timer name='rtc' tickpolicy='catchup'/>"),
        "{xml}"
    );
}

#[test]
fn bad_values_get_libvirt_errors() {
    let cpu = BASE.replace("  <devices>", "  <cpu mode='bogus'/>\n  <devices>");
    let def = parse_domain(&cpu).must();
    assert_eq!(
        def.cpu().err().map(|e| e.to_string()).as_deref(),
        Some("unsupported configuration: Invalid mode attribute 'bogus'")
    );
    let ctl = BASE.replace(
        "<watchdog model='ib700'/>",
        "<controller type='usb' index='x'/>",
    );
    let def = parse_domain(&ctl).must();
    assert_eq!(
        def.devices.views::<Controller>().err().map(|e| e.to_string()).as_deref(),
        Some("XML error: Invalid value for attribute 'index' in element 'controller': 'x'. Expected integer value")
    );
    // Each text as virsh 9.0 reports it for the same device on test:///default.
    for (device, want) in [
        ("<watchdog model='ib700' action='x'/>", "unsupported configuration: unknown watchdog action 'x'"),
        ("<tpm model='x'/>", "XML error: Invalid value for attribute 'model' in element 'tpm': 'x'."),
        ("<sound model='foo'/>", "XML error: Invalid value for attribute 'model' in element 'sound': 'foo'."),
        ("<rng model='virtio'><backend model='x'/></rng>", "unsupported configuration: unknown RNG backend model 'x'"),
        ("<hostdev mode='x' type='pci'/>", "unsupported configuration: unknown hostdev mode 'x'"),
        ("<memballoon model='virtio' autodeflate='maybe'/>", "XML error: Invalid value for attribute 'autodeflate' in element 'memballoon': 'maybe'."),
        ("<input type='foo'/>", "unsupported configuration: unknown input device type 'foo'"),
    ] {
        let def = parse_domain(&BASE.replace("<watchdog model='ib700'/>", device)).must();
        let got = match device.split([' ', '>']).next().unwrap_or("") {
            "<watchdog" => def.devices.views::<Watchdog>().err(),
            "<tpm" => def.devices.views::<Tpm>().err(),
            "<sound" => def.devices.views::<Sound>().err(),
            "<rng" => def.devices.views::<Rng>().err(),
            "<hostdev" => def.devices.views::<Hostdev>().err(),
            "<memballoon" => def.devices.views::<MemBalloon>().err(),
            _ => def.devices.views::<Input>().err(),
        };
        assert_eq!(got.map(|e| e.to_string()).as_deref(), Some(want), "{device}");
    }
    let menu = BASE.replace(
        "</os>",
        "  <bootmenu enable='yes' timeout='70000'/>\n  </os>",
    );
    assert_eq!(
        parse_domain(&menu).must().os_bootmenu().err().map(|e| e.to_string()).as_deref(),
        Some("unsupported configuration: invalid value for boot menu timeout, must be in range [0,65535]")
    );
}

proptest! {
    #[test]
    fn cpu_topology_and_numa_survive_a_round_trip(
        s in proptest::option::of(1u32..64), c in proptest::option::of(1u32..64),
        t in proptest::option::of(1u32..8), cells in proptest::collection::vec(1u64..1<<30, 0..4),
    ) {
        let mut def = parse_domain(BASE).must();
        let cpu = Cpu {
            topology: Some(Topology { sockets: s, dies: None, cores: c, threads: t }),
            numa: cells.iter().enumerate().map(|(i, m)| NumaCell {
                id: Some(i as u32),
                cpus: Some(i.to_string()),
                memory: *m,
                unit: Some("KiB".into()),
                mem_access: None,
            }).collect(),
            ..Cpu::default()
        };
        def.set_cpu(&cpu);
        let back = reparse(&def);
        prop_assert_eq!(back.cpu().must(), Some(cpu));
        // Written back unchanged, the document stays as it is.
        let mut again = back.clone();
        let v = again.cpu().must().must();
        again.set_cpu(&v);
        prop_assert_eq!(again.to_xml(&FormatOptions::default()), back.to_xml(&FormatOptions::default()));
    }

    #[test]
    fn device_views_survive_a_round_trip(heads in 1u32..16, vram in 1024u32..1<<20, period in proptest::option::of(1u32..100)) {
        let mut def = parse_domain(BASE).must();
        let video = Video { model_type: Some("qxl".into()), vram: Some(vram), heads: Some(heads), primary: Some("yes".into()), ..Video::default() };
        prop_assert!(def.devices.set_view(0, &video));
        let balloon = MemBalloon { model: "virtio".into(), autodeflate: Some("on".into()), stats_period: period };
        prop_assert!(def.devices.set_view(0, &balloon));
        let back = reparse(&def);
        prop_assert_eq!(back.devices.views::<Video>().must(), vec![video]);
        prop_assert_eq!(back.devices.views::<MemBalloon>().must(), vec![balloon]);
        let dogs = back.devices.views::<Watchdog>().must();
        prop_assert_eq!(dogs.first().map(|w| w.model.as_str()), Some("ib700"));
    }

    #[test]
    fn clock_and_features_survive_a_round_trip(
        timers in proptest::collection::vec((0usize..4, proptest::option::of(0usize..2), proptest::option::of(0usize..4)), 0..4),
        flags in proptest::collection::vec((0usize..5, proptest::option::of(0usize..2)), 0..5),
    ) {
        let names = ["rtc", "pit", "hpet", "kvmclock"];
        let yes_no = ["yes", "no"];
        let policies = ["delay", "catchup", "merge", "discard"];
        let clock = Clock {
            offset: Some("utc".into()),
            timers: timers.iter().map(|(n, p, t)| Timer {
                name: names.get(*n).copied().unwrap_or("rtc").into(),
                present: p.and_then(|i| yes_no.get(i)).map(|v| v.to_string()),
                tickpolicy: t.and_then(|i| policies.get(i)).map(|v| v.to_string()),
                ..Timer::default()
            }).collect(),
            ..Clock::default()
        };
        let flag_names = ["acpi", "apic", "pae", "pmu", "vmport"];
        let mut seen = Vec::new();
        let features = Features {
            flags: flags.iter().filter(|(n, _)| {
                let fresh = !seen.contains(n);
                seen.push(*n);
                fresh
            }).map(|(n, st)| FeatureFlag {
                name: flag_names.get(*n).copied().unwrap_or("acpi").into(),
                state: st.and_then(|i| ["on", "off"].get(i)).map(|v| v.to_string()),
            }).collect(),
            ..Features::default()
        };
        let mut def = parse_domain(BASE).must();
        def.set_clock(&clock);
        def.set_typed_features(&features);
        let back = reparse(&def);
        prop_assert_eq!(back.clock().must(), Some(clock));
        let got = back.typed_features().must().unwrap_or_default();
        // libvirt prints the flags in its own order: compare as sets.
        let mut want_flags = features.flags.clone();
        let mut got_flags = got.flags.clone();
        want_flags.sort_by(|a, b| a.name.cmp(&b.name));
        got_flags.sort_by(|a, b| a.name.cmp(&b.name));
        prop_assert_eq!(got_flags, want_flags);
    }
}
