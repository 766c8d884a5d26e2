//! Host interface and node device XML read and written back: any
//! definition built from the formats' parts, children in any order,
//! formats to XML in libvirt's order that reads back to the same
//! definition; unknown content survives (and strict validation names it);
//! and no input, however broken, makes the readers panic.

use proptest::prelude::*;
use virt_xml::{parse_interface, parse_node_device};

/// A child of `<interface>`, known to libvirt's format or not (`x-`).
fn interface_part() -> impl Strategy<Value = String> {
    prop_oneof![
        prop_oneof![Just("onboot"), Just("none"), Just("hotplug")]
            .prop_map(|m| format!("<start mode='{m}'/>")),
        (68u32..65536).prop_map(|n| format!("<mtu size='{n}'/>")),
        (0u8..=255, 0u8..=255).prop_map(|(a, b)| format!("<mac address='52:54:00:00:{a:02x}:{b:02x}'/>")),
        Just("<link speed='1000' state='up'/>".to_string()),
        protocol(),
        Just("<bridge stp='off' delay='0.01'><interface type='ethernet' name='eth0'/></bridge>".to_string()),
        Just("<bond mode='active-backup'><miimon freq='100'/><interface type='ethernet' name='eth1'/></bond>".to_string()),
        Just("<vlan tag='42'><interface name='eth2'/></vlan>".to_string()),
        unknown(),
    ]
}

/// A `<protocol>` with its children in any order.
fn protocol() -> impl Strategy<Value = String> {
    let child = prop_oneof![
        Just("<dhcp/>".to_string()),
        Just("<autoconf/>".to_string()),
        (1u8..255, 1u8..32).prop_map(|(a, p)| format!("<ip address='10.0.0.{a}' prefix='{p}'/>")),
        (1u8..255).prop_map(|a| format!("<route gateway='10.0.0.{a}'/>")),
        unknown(),
    ];
    (
        prop_oneof![Just("ipv4"), Just("ipv6")],
        proptest::collection::vec(child, 0..5),
    )
        .prop_map(|(family, kids)| {
            format!("<protocol family='{family}'>{}</protocol>", kids.concat())
        })
}

/// An element neither format knows, with an attribute to keep.
fn unknown() -> impl Strategy<Value = String> {
    "[a-z]{1,8}".prop_map(|n| format!("<x-{n} k='{n}'/>"))
}

/// A child of `<device>`, capabilities nested as libvirt's SCSI hosts nest.
fn device_part() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<path>/sys/devices/x</path>".to_string()),
        Just("<devnode type='dev'>/dev/x</devnode>".to_string()),
        Just("<driver><name>drv</name></driver>".to_string()),
        Just("<capability type='system'><hardware><vendor>v</vendor></hardware></capability>".to_string()),
        Just("<capability type='pci'><domain>0</domain><bus>1</bus><slot>2</slot><function>3</function></capability>".to_string()),
        Just("<capability type='net'><interface>eth0</interface><address>52:54:00:00:00:01</address></capability>".to_string()),
        (0u32..100, 0u32..300).prop_map(|(host, vports)| format!(
            "<capability type='scsi_host'><host>{host}</host><capability type='fc_host'><wwnn>2000</wwnn><wwpn>1000</wwpn></capability>\
             <capability type='vport_ops'><max_vports>{vports}</max_vports><vports>{vports}</vports></capability></capability>"
        )),
        unknown(),
    ]
}

/// The `<x-NAME k='NAME'/>` elements of a document, as written.
fn unknowns(xml: &str) -> Vec<&str> {
    xml.match_indices("<x-")
        .filter_map(|(i, _)| xml[i..].find("/>").map(|end| &xml[i..i + end + 2]))
        .collect()
}

proptest! {
    #[test]
    fn interfaces_format_to_what_reads_back(
        kind in prop_oneof![Just("ethernet"), Just("bridge"), Just("bond"), Just("vlan")],
        name in "[a-z][a-z0-9_.-]{0,12}",
        parts in proptest::collection::vec(interface_part(), 0..8),
    ) {
        let xml = format!("<interface type='{kind}' name='{name}'>{}</interface>", parts.concat());
        let def = parse_interface(&xml).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
        prop_assert_eq!(&def.name, &name);
        let first_mac = parts.iter().find(|p| p.starts_with("<mac ")).map(|p| p[14..31].to_string());
        prop_assert_eq!(&def.mac, &first_mac);
        let out = def.to_xml();
        let again = parse_interface(&out).map_err(|e| TestCaseError::fail(format!("{e}\n{out}")))?;
        prop_assert_eq!(&again, &def);
        prop_assert_eq!(again.to_xml(), out.clone());
        // libvirt's order: the known children of <interface> first, each
        // kind before the next one of its list.
        let order = ["<start", "<mtu", "<protocol", "<link", "<mac", "<bridge", "<bond", "<vlan"];
        let positions: Vec<usize> = order.iter().filter_map(|t| out.find(&format!("\n  {t}"))).collect();
        prop_assert!(positions.windows(2).all(|w| w[0] < w[1]), "order:\n{}", out);
        let lost: Vec<&str> = unknowns(&xml).into_iter().filter(|u| !out.contains(u)).collect();
        prop_assert!(lost.is_empty(), "{:?} lost:\n{}", lost, out);
        // Strict reading refuses exactly the documents with unknown parts.
        prop_assert_eq!(def.validate().is_err(), xml.contains("<x-"));
    }

    #[test]
    fn node_devices_format_to_what_reads_back(
        name in "[a-z][a-z0-9_]{0,12}",
        parent in proptest::option::of("[a-z][a-z0-9_]{0,8}"),
        caps in proptest::collection::vec(device_part(), 1..6),
        renamed in "[a-z][a-z0-9_]{0,12}",
    ) {
        let parent_xml = parent.as_ref().map(|p| format!("<parent>{p}</parent>")).unwrap_or_default();
        // The name and parent last: libvirt's order puts them first.
        let xml = format!("<device>{}<capability type='system'/>{parent_xml}<name>{name}</name></device>", caps.concat());
        let mut def = parse_node_device(&xml).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
        prop_assert_eq!(&def.name, &name);
        prop_assert_eq!(&def.parent, &parent);
        let expected_caps: Vec<String> = std::iter::once("system".to_string())
            .chain(caps.iter().filter_map(|c| c.strip_prefix("<capability type='")).map(|c| c[..c.find('\'').unwrap_or(0)].to_string()))
            .collect();
        let mut listed = def.caps();
        listed.sort();
        let mut want = expected_caps.clone();
        want.sort();
        prop_assert_eq!(listed, want);
        let scsi = caps.iter().any(|c| c.contains("scsi_host"));
        prop_assert_eq!(def.has_cap("fc_host"), scsi);
        prop_assert_eq!(def.has_cap("vports"), scsi);
        let out = def.to_xml();
        prop_assert!(out.starts_with(&format!("<device>\n  <name>{name}</name>\n")), "{}", out);
        // The host's vport counters, never the document's (the test
        // driver's host has none).
        prop_assert!(!out.contains("<max_vports>") || out.contains("<max_vports>0</max_vports>"), "{}", out);
        let again = parse_node_device(&out).map_err(|e| TestCaseError::fail(format!("{e}\n{out}")))?;
        prop_assert_eq!(&again, &def);
        prop_assert_eq!(again.to_xml(), out.clone());
        let lost: Vec<&str> = unknowns(&xml).into_iter().filter(|u| !out.contains(u)).collect();
        prop_assert!(lost.is_empty(), "{:?} lost:\n{}", lost, out);
        def.rename(&renamed);
        let renamed_def = parse_node_device(&def.to_xml()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(renamed_def.name, renamed);
    }

    /// Any text, and well-formed documents cut or spliced anywhere: a
    /// clean error or a definition, never a panic, and whatever reads
    /// formats to what reads back.
    #[test]
    fn broken_input_is_a_clean_error(
        kind in 0usize..3,
        junk in "\\PC{0,40}",
        parts in proptest::collection::vec(interface_part(), 0..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let doc = format!("<interface type='bond' name='b0'>{}</interface>", parts.concat());
        let at = cut.index(doc.len() + 1);
        let text = match kind {
            0 => junk.clone(),
            1 => format!("{}{junk}", &doc[..at.min(doc.len())]),
            _ => format!("<device>{}{junk}</device>", &doc[..at.min(doc.len())]),
        };
        if let Ok(def) = parse_interface(&text) {
            let _ = def.validate();
            prop_assert_eq!(parse_interface(&def.to_xml()).ok(), Some(def));
        }
        if let Ok(def) = parse_node_device(&text) {
            let _ = (def.caps(), def.has_cap("fc_host"));
            prop_assert_eq!(parse_node_device(&def.to_xml()).ok(), Some(def));
        }
    }
}

#[test]
fn refusals_carry_libvirts_codes() {
    use virt_core::ErrorCode;
    let code = |r: Result<(), virt_xml::XmlError>| r.err().map(|e| e.code());
    for bad in [
        "<interface name='a'/>",
        "<interface type='token-ring' name='a'/>",
        "<interface type='ethernet' name=''/>",
        "<device><name>d</name></device>",
        "<nodedevice/>",
    ] {
        let r = if bad.starts_with("<interface") {
            code(parse_interface(bad).map(drop))
        } else {
            code(parse_node_device(bad).map(drop))
        };
        assert_eq!(r, Some(ErrorCode::XmlError), "{bad}");
    }
    let e = parse_interface("<interface type='ethernet' name='a'><x-y/></interface>")
        .and_then(|d| d.validate());
    assert_eq!(code(e), Some(ErrorCode::XmlInvalidSchema));
}
