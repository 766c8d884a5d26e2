//! Property tests: generated definitions survive format -> parse, and no
//! input makes the parser panic.

use proptest::prelude::*;
use virt_xml::*;

fn text() -> impl Strategy<Value = String> {
    // Printable text with the XML specials, no leading/trailing blanks
    // (libvirt's layout does not preserve them around element content).
    "[a-zA-Z0-9&<>'\" ./_-]{1,20}"
        .prop_map(|s| s.trim().to_string())
        .prop_filter("non-empty", |s| !s.is_empty())
}

fn ident() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,8}"
}

fn unknown_element() -> impl Strategy<Value = Element> {
    (
        ident(),
        proptest::collection::vec((ident(), text()), 0..3),
        proptest::option::of(text()),
    )
        .prop_map(|(name, attrs, body)| {
            let mut e = Element::new(format!("x_{name}"));
            for (k, v) in attrs {
                if e.attr(&k).is_none() {
                    e.attrs.push((k.into(), v));
                }
            }
            if let Some(b) = body {
                e = e.with_child(Element::new("inner").with_text(b));
            }
            e
        })
}

/// Unknown top-level elements written after `<devices>`, each after the
/// one before it.
fn place_after_devices(elements: Vec<Element>) -> Vec<Unknown> {
    let mut out: Vec<Unknown> = Vec::new();
    let mut after = ("devices".into(), 0);
    for e in elements {
        let occ = out.iter().filter(|u| u.element.name == e.name).count();
        out.push(Unknown {
            after: Some(after.clone()),
            element: e.clone(),
        });
        after = (e.name, occ);
    }
    out
}

fn disk() -> impl Strategy<Value = Disk> {
    (
        prop_oneof![Just("file"), Just("block")],
        prop_oneof![Just("disk"), Just("cdrom")],
        proptest::option::of("/[a-z&'<]{1,10}"),
        "[hsv]d[a-z]",
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(t, d, src, dev, ro, sh)| Disk {
            // A disk without a source is a file disk
            // (virDomainDiskDefParseSourceXML).
            disk_type: if src.is_some() { t } else { "file" }.into(),
            // Only removable media may be empty (virDomainDiskDefValidate).
            device: if src.is_some() { d } else { "cdrom" }.into(),
            source: src,
            target_dev: dev,
            readonly: ro,
            shareable: sh,
            ..Disk::default()
        })
}

fn interface() -> impl Strategy<Value = Interface> {
    (
        prop_oneof![
            Just("bridge"),
            Just("network"),
            Just("ethernet"),
            Just("user")
        ],
        // Unicast addresses only, as the schema and libvirt require.
        proptest::option::of("[0-9a-f][02468ace](:[0-9a-f]{2}){5}"),
        ident(),
        proptest::option::of(ident()),
    )
        .prop_map(|(t, mac, src, model)| {
            let key = match t {
                "bridge" => "bridge",
                "network" => "network",
                _ => "dev",
            };
            Interface {
                iface_type: t.into(),
                mac,
                // The schema gives user and ethernet interfaces no
                // <source dev=...>.
                source: if t == "user" || t == "ethernet" {
                    vec![]
                } else {
                    vec![(key.into(), src)]
                },
                model,
                ..Interface::default()
            }
        })
}

fn domain() -> impl Strategy<Value = DomainDef> {
    (
        "[a-zA-Z0-9_&<>'\"-]{1,16}",
        any::<[u8; 16]>(),
        1u64..(1 << 40),
        1u32..256,
        proptest::collection::vec(disk(), 0..3),
        proptest::collection::vec(interface(), 0..3),
        proptest::collection::vec(unknown_element(), 0..3),
        proptest::option::of(text()),
    )
        .prop_map(
            |(name, uuid, memory, vcpus, disks, interfaces, extra, description)| {
                let mut def = DomainDef {
                    domain_type: "test".into(),
                    name,
                    uuid: Some(uuid::Uuid::from_bytes(uuid)),
                    memory,
                    // currentMemory is always written.
                    current_memory: Some(memory),
                    description,
                    vcpu: Vcpu {
                        max: vcpus,
                        ..Vcpu::default()
                    },
                    // An HVM guest always has a boot device once read
                    // (libvirt's post-parse default).
                    os: Os {
                        os_type: "hvm".into(),
                        boot: vec!["hd".into()],
                        ..Os::default()
                    },
                    unknown: place_after_devices(extra),
                    ..DomainDef::default()
                };
                // One disk per target (virDomainDefDuplicateDiskInfoValidate),
                // kept in virDomainDiskInsert's order: all on no given bus,
                // so by target index, ties in document order.
                let mut disks = disks;
                let mut seen = Vec::new();
                disks.retain(|d| {
                    let first = !seen.contains(&d.target_dev);
                    seen.push(d.target_dev.clone());
                    first
                });
                disks.sort_by_key(|d| d.target_dev.as_bytes()[2]);
                def.devices.disks = disks;
                def.devices.interfaces = interfaces;
                def
            },
        )
}

proptest! {
    #[test]
    fn generated_domains_round_trip(def in domain()) {
        let xml = def.to_xml(&FormatOptions::default());
        let back = parse_domain(&xml);
        prop_assert!(back.is_ok(), "{xml}\n{back:?}");
        let mut back = back.unwrap_or_default();
        // Formatting writes libvirt's default clock.
        back.extra.retain(|e| e.name != "clock");
        prop_assert_eq!(&back, &def, "{}", xml);
        prop_assert_eq!(back.to_xml(&FormatOptions::default()), xml);
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        let _ = parse_domain(&s);
    }

    #[test]
    fn mutated_documents_never_panic(cut in 0usize..400, byte in any::<u8>(), at in 0usize..400) {
        let base = "<domain type='test'>\n  <name>n</name>\n  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n  <memory unit='MiB'>8</memory>\n  <os><type>hvm</type><boot dev='hd'/></os>\n  <devices>\n    <disk type='file' device='disk'><source file='/a'/><target dev='hda'/></disk>\n    <interface type='network'><mac address='aa:bb:cc:dd:ee:ff'/><source network='default'/></interface>\n  </devices>\n</domain>\n";
        let mut bytes = base.as_bytes().to_vec();
        bytes.truncate(cut.min(bytes.len()));
        if !bytes.is_empty() {
            let i = at % bytes.len();
            bytes[i] = byte;
        }
        let s = String::from_utf8_lossy(&bytes);
        if let Ok(def) = parse_domain(&s) {
            let out = def.to_xml(&FormatOptions::default());
            prop_assert!(parse_domain(&out).is_ok(), "{out}");
        }
    }
}

/// Where `virt-xml-validate` is installed, or `None` (tests skip with a
/// notice).
fn validator() -> Option<&'static str> {
    let tool = "virt-xml-validate";
    std::process::Command::new(tool)
        .arg("--help")
        .output()
        .ok()
        .map(|_| tool)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Generated definitions, formatted, validate against libvirt's schema.
    #[test]
    fn generated_domains_validate(mut def in domain()) {
        let Some(tool) = validator() else {
            println!("virt-xml-validate not installed: skipped");
            return Ok(());
        };
        // Unknown elements are kept, but the schema does not know them.
        def.unknown.clear();
        let xml = def.to_xml(&FormatOptions::default());
        let path = std::env::temp_dir().join(format!(
            "virt-xml-gen-{}-{:?}.xml",
            std::process::id(),
            std::thread::current().id()
        ));
        prop_assert!(std::fs::write(&path, &xml).is_ok());
        let out = std::process::Command::new(tool).arg(&path).arg("domain").output();
        let _ = std::fs::remove_file(&path);
        let out = out.map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(
            out.status.success(),
            "{}\n{xml}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
