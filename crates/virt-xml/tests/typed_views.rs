//! Typed views on libvirt's own domain XML: every corpus file that uses an
//! element yields its typed view, and writing the unchanged view back leaves
//! the document byte for byte as it was.

use std::fs;

use proptest::prelude::*;
use virt_xml::{
    parse_domain, BootMenu, Clock, Controller, Cpu, CpuFeature, Cputune, DomainDef, FeatureFlag,
    Features, FormatOptions, Hostdev, Input, MemBalloon, MemoryBacking, NumaCell, Numatune, Pm,
    Rng, SecLabel, Sound, Timer, Topology, Tpm, Video, View, Watchdog,
};

mod common;
use common::{corpus_root, define_misses};
use virt_testkit::{corpus_folder, xml_files};

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
    let Some(dir) = corpus_folder("domain-xml", "corpus_typed_views") else {
        return;
    };
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
    // Each text as virsh 9.0 reports it when defining the same domain on
    // test:///default: typed values are checked when the definition is read.
    let top = |xml: &str| BASE.replace("  <devices>", &format!("  {xml}\n  <devices>"));
    let dev = |xml: &str| BASE.replace("<watchdog model='ib700'/>", xml);
    let cases = [
        (top("<cpu mode='bogus'/>"), "unsupported configuration: Invalid mode attribute 'bogus'"),
        (top("<cpu mode='custom' match='x'/>"), "XML error: Invalid value for attribute 'match' in element 'cpu': 'x'."),
        (top("<cpu><topology sockets='a' cores='1' threads='1'/></cpu>"), "XML error: Invalid value for attribute 'sockets' in element 'topology': 'a'. Expected non-negative integer value"),
        (top("<clock offset='bogus'/>"), "unsupported configuration: unknown clock offset 'bogus'"),
        (top("<clock offset='utc'><timer name='bogus'/></clock>"), "XML error: Invalid value for attribute 'name' in element 'timer': 'bogus'."),
        (top("<clock offset='utc'><timer name='rtc' tickpolicy='x'/></clock>"), "XML error: Invalid value for attribute 'tickpolicy' in element 'timer': 'x'."),
        (top("<pm><suspend-to-mem enabled='maybe'/></pm>"), "XML error: Invalid value for attribute 'enabled' in element 'suspend-to-mem': 'maybe'."),
        (top("<seclabel type='bogus'/>"), "XML error: Invalid value for attribute 'type' in element 'seclabel': 'bogus'."),
        (top("<numatune><memory mode='bogus'/></numatune>"), "unsupported configuration: Unsupported NUMA memory tuning mode 'bogus'"),
        (top("<cputune><shares>abc</shares></cputune>"), "XML error: can't parse cputune shares value"),
        (top("<memoryBacking><hugepages><page size='abc'/></hugepages></memoryBacking>"), "XML error: Invalid value 'abc' for element or attribute './@size'"),
        (dev("<controller type='usb' index='x'/>"), "XML error: Invalid value for attribute 'index' in element 'controller': 'x'. Expected integer value"),
        (dev("<controller type='bogus'/>"), "XML error: Invalid value for attribute 'type' in element 'controller': 'bogus'."),
        (dev("<video><model type='bogus'/></video>"), "unsupported configuration: unknown video model 'bogus'"),
        (dev("<video><model type='vga' vram='abc'/></video>"), "XML error: cannot parse video vram 'abc'"),
        (dev("<memballoon model='bogus'/>"), "XML error: Invalid value for attribute 'model' in element 'memballoon': 'bogus'."),
        (dev("<watchdog model='ib700' action='x'/>"), "unsupported configuration: unknown watchdog action 'x'"),
        (dev("<watchdog model='bogus'/>"), "unsupported configuration: unknown watchdog model 'bogus'"),
        (dev("<tpm model='x'/>"), "XML error: Invalid value for attribute 'model' in element 'tpm': 'x'."),
        (dev("<sound model='foo'/>"), "XML error: Invalid value for attribute 'model' in element 'sound': 'foo'."),
        (dev("<rng model='virtio'><backend model='x'/></rng>"), "unsupported configuration: unknown RNG backend model 'x'"),
        (dev("<hostdev mode='x' type='pci'/>"), "unsupported configuration: unknown hostdev mode 'x'"),
        (dev("<memballoon model='virtio' autodeflate='maybe'/>"), "XML error: Invalid value for attribute 'autodeflate' in element 'memballoon': 'maybe'."),
        (dev("<input type='foo'/>"), "unsupported configuration: unknown input device type 'foo'"),
        (dev("<disk type='file'><driver name='qemu' cache='bogus'/><source file='/a'/><target dev='vdb'/></disk>"), "XML error: Invalid value for attribute 'cache' in element 'driver': 'bogus'."),
        (BASE.replace("</os>", "  <bootmenu enable='yes' timeout='70000'/>\n  </os>"), "unsupported configuration: invalid value for boot menu timeout, must be in range [0,65535]"),
        (dev("<interface type='network' trustGuestRxFilters='maybe'><source network='default'/></interface>"), "XML error: Invalid value for attribute 'trustGuestRxFilters' in element 'interface': 'maybe'."),
        (dev("<disk type='file'><driver name='qemu' io='bogus'/><source file='/a'/><target dev='vdb'/></disk>"), "XML error: Invalid value for attribute 'io' in element 'driver': 'bogus'."),
        (dev("<disk type='file'><source file='/a' startupPolicy='bogus'/><target dev='vdb'/></disk>"), "XML error: Invalid value for attribute 'startupPolicy' in element 'source': 'bogus'."),
        (dev("<disk type='file'><source file='/a'/><target dev='vdb' tray='bogus'/></disk>"), "XML error: Invalid value for attribute 'tray' in element 'target': 'bogus'."),
        (dev("<controller type='scsi'><driver queues='x'/></controller>"), "XML error: Invalid value for attribute 'queues' in element 'driver': 'x'. Expected non-negative integer value"),
        (dev("<serial type='pty'><target port='x'/></serial>"), "XML error: Invalid port number: x"),
        (dev("<interface type='network'><source network='default'/><mtu size='x'/></interface>"), "XML error: malformed mtu size"),
        (dev("<graphics type='vnc'><listen type='bogus'/></graphics>"), "XML error: Invalid value for attribute 'type' in element 'listen': 'bogus'."),
        (dev("<filesystem type='mount' accessmode='bogus'><source dir='/a'/><target dir='b'/></filesystem>"), "XML error: Invalid value for attribute 'accessmode' in element 'filesystem': 'bogus'."),
        (dev("<panic model='bogus'/>"), "unsupported configuration: unknown panic model 'bogus'"),
        (dev("<shmem name='a'><model type='bogus'/></shmem>"), "XML error: Invalid value for attribute 'type' in element 'model': 'bogus'."),
        (dev("<sound model='ich9'><codec type='bogus'/></sound>"), "unsupported configuration: unknown codec type 'bogus'"),
        (dev("<audio id='x' type='none'/>"), "XML error: Invalid value for attribute 'id' in element 'audio': 'x'. Expected non-negative integer value"),
        (top("<memtune><hard_limit>abc</hard_limit></memtune>"), "XML error: Invalid value 'abc' for element or attribute './memtune/hard_limit[1]'"),
        (top("<iothreads>abc</iothreads>"), "XML error: invalid iothreads count 'abc'"),
        (top("<sysinfo type='bogus'/>"), "XML error: Invalid value for attribute 'type' in element 'sysinfo': 'bogus'."),
        (top("<features><pmu state='maybe'/></features>"), "XML error: Invalid value for attribute 'state' in element 'pmu': 'maybe'."),
        (top("<features><apic eoi='maybe'/></features>"), "XML error: Invalid value for attribute 'eoi' in element 'apic': 'maybe'."),
        (top("<features><hyperv mode='custom'><relaxed state='maybe'/></hyperv></features>"), "XML error: Invalid value for attribute 'state' in element 'relaxed': 'maybe'."),
        (top("<features><kvm><hidden state='maybe'/></kvm></features>"), "XML error: Invalid value for attribute 'state' in element 'hidden': 'maybe'."),
    ];
    let mut bad = define_misses(cases.iter().map(|(xml, want)| (xml, Some(*want))));
    // Values libvirt 9.0 lets through on define stay accepted.
    let accepted = [
        dev("<graphics type='vnc' autoport='maybe'/>"),
        dev("<interface type='network'><source network='default'/><driver txmode='bogus'/></interface>"),
        top("<features><acpi state='maybe'/></features>"),
    ];
    bad.extend(define_misses(accepted.into_iter().map(|xml| (xml, None))));
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // What no view reads stays accepted and kept (strict mode refuses it);
    // the action libvirt defaults is written.
    let unknown = dev("<watchdog model='ib700' flavour='x'><colour/></watchdog>");
    let def = parse_domain(&unknown).must();
    assert!(def
        .to_xml(&inactive())
        .contains("<watchdog model='ib700' action='reset' flavour='x'>"));
    assert!(virt_xml::parse_domain_strict(&unknown).is_err());
}

proptest! {
    #[test]
    fn cpu_topology_and_numa_survive_a_round_trip(
        s in 1u32..64, c in 1u32..64,
        t in 1u32..8, cells in proptest::collection::vec(1u64..1<<30, 0..4),
    ) {
        let mut def = parse_domain(BASE).must();
        // libvirt requires sockets, cores and threads, and reads the dies
        // as 1 when not given.
        let cpu = Cpu {
            topology: Some(Topology { sockets: Some(s), dies: Some(1), cores: Some(c), threads: Some(t) }),
            numa: cells.iter().enumerate().map(|(i, m)| NumaCell {
                id: Some(i as u32),
                cpus: Some(i.to_string()),
                memory: *m,
                unit: Some("KiB".into()),
                mem_access: None,
                ..NumaCell::default()
            }).collect(),
            ..Cpu::default()
        };
        def.set_cpu(&cpu);
        // libvirt refuses NUMA cells with more CPUs than vCPUs.
        def.vcpu.max = def.vcpu.max.max(cells.len() as u32);
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
        let balloon = MemBalloon { model: "virtio".into(), autodeflate: Some("on".into()), stats_period: period, ..MemBalloon::default() };
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
            timers: timers.iter().map(|(n, p, t)| {
                let name = names.get(*n).copied().unwrap_or("rtc");
                Timer {
                    name: name.into(),
                    present: p.and_then(|i| yes_no.get(i)).map(|v| v.to_string()),
                    // libvirt refuses a tick policy on kvmclock
                    // (virDomainDefPostParseTimer).
                    tickpolicy: t
                        .filter(|_| name != "kvmclock")
                        .and_then(|i| policies.get(i))
                        .map(|v| v.to_string()),
                    ..Timer::default()
                }
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
                ..FeatureFlag::default()
            }).collect(),
            ..Features::default()
        };
        let mut def = parse_domain(BASE).must();
        def.set_clock(&clock);
        def.set_typed_features(&features);
        let back = reparse(&def);
        prop_assert_eq!(back.clock().must(), Some(clock));
        let got = back.typed_features().must().unwrap_or_default();
        // libvirt prints the flags in its own order: compare as sets. It
        // reads acpi, apic and pae without a state, pmu and vmport as on
        // unless switched off.
        let mut want_flags: Vec<FeatureFlag> = features.flags.iter().map(|f| FeatureFlag {
            state: match f.name.as_str() {
                "pmu" | "vmport" => f.state.clone().or(Some("on".into())),
                _ => None,
            },
            ..f.clone()
        }).collect();
        let mut got_flags = got.flags.clone();
        want_flags.sort_by(|a, b| a.name.cmp(&b.name));
        got_flags.sort_by(|a, b| a.name.cmp(&b.name));
        prop_assert_eq!(got_flags, want_flags);
    }
}

#[test]
fn unknown_attributes_keep_their_place_among_typed_ones() {
    let xml = "<domain foo='0' type='kvm'>\n  <name>a</name>\n  <memory unit='KiB'>1024</memory>\n  <os>\n    <type>hvm</type>\n  </os>\n  <devices>\n    <disk type='file' foo='5' device='disk'>\n      <source file='/a'/>\n      <target dev='vda'/>\n    </disk>\n    <interface foo='9' type='network'>\n      <source network='default'/>\n    </interface>\n    <console foo='1' type='pty'/>\n  </devices>\n</domain>\n";
    let mut def = parse_domain(xml).must();
    let out = def.to_xml(&inactive());
    for want in [
        "<domain foo='0' type='kvm'>",
        "<disk type='file' foo='5' device='disk'>",
        "<interface foo='9' type='network'>",
        "<console foo='1' type='pty'/>",
    ] {
        assert!(out.contains(want), "{want} not in\n{out}");
    }
    // A typed value changed in the model is written in the same place.
    if let Some(d) = def.devices.disks.first_mut() {
        d.device = "cdrom".into();
    }
    assert!(def
        .to_xml(&inactive())
        .contains("<disk type='file' foo='5' device='cdrom'>"));
}

#[test]
fn attributes_of_typed_leaves_are_kept() {
    let xml = "<domain type='kvm'>\n  <name foo='n'>a</name>\n  <memory unit='KiB' dumpCore='on'>1024</memory>\n  <vcpu placement='static' foo='2'>2</vcpu>\n  <os>\n    <type arch='x86_64' foo='3' machine='pc'>hvm</type>\n    <kernel bar='1'>/k</kernel>\n  </os>\n  <on_crash x='1'>destroy</on_crash>\n  <devices>\n  </devices>\n</domain>\n";
    let def = parse_domain(xml).must();
    let out = def.to_xml(&inactive());
    for want in [
        "<name foo='n'>a</name>",
        // libvirt 9.0 writes dumpCore before the unit.
        "<memory dumpCore='on' unit='KiB'>1024</memory>",
        "<vcpu placement='static' foo='2'>2</vcpu>",
        "<type arch='x86_64' foo='3' machine='pc'>hvm</type>",
        "<kernel bar='1'>/k</kernel>",
        "<on_crash x='1'>destroy</on_crash>",
    ] {
        assert!(out.contains(want), "{want} not in\n{out}");
    }
    let tree = def.to_element(&inactive()).to_xml(0);
    assert_eq!(tree, out);
    assert_eq!(parse_domain(&out).must().to_xml(&inactive()), out);
}
