//! Conventional PCI devices, sound cards and USB companions where libvirt
//! 9.0 puts them: the inputs of tests/defaults whose addresses libvirtd
//! answered, defined here and started; QEMU takes each device at the bus
//! and slot the definition gives (it refuses to start otherwise), and the
//! command line it runs says where.

use super::*;
use serde_json::Value;

/// The `-device` lines of the running guest `name`, by id (a USB
/// companion by `masterbus/firstport`): bus, addr.
fn placed_devices(root: &Path, name: &str) -> Vec<(String, String, String)> {
    let rt = Runtime::load(&paths_in(root), name).expect("runtime");
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", rt.pid)).unwrap_or_default();
    let args: Vec<String> = cmdline
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    args.windows(2)
        .filter(|w| w[0] == "-device")
        .filter_map(|w| serde_json::from_str::<Value>(&w[1]).ok())
        .filter_map(|d| {
            let id = match d["id"].as_str() {
                Some(id) => id.to_string(),
                None => format!("{}/{}", d["masterbus"].as_str()?, d["firstport"]),
            };
            Some((
                id,
                d["bus"].as_str()?.to_string(),
                d["addr"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// Define `tests/defaults/{stem}.xml` (its disks on blank images), start
/// it, and check the places of `want` (id, bus, addr) on its command line.
fn starts_with_places(stem: &str, want: &[(&str, &str, &str)]) {
    let root = temp_root(&format!("pci-{stem}"));
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/defaults/{stem}.xml"));
    let mut xml = std::fs::read_to_string(&input).expect("input");
    if let Some((_, rest)) = xml.split_once("<source file='") {
        let path = rest.split('\'').next().unwrap_or_default().to_string();
        let image = root.join("disk.img");
        std::fs::File::create(&image)
            .and_then(|f| f.set_len(1 << 20))
            .expect("image");
        xml = xml.replace(&path, &image.to_string_lossy());
    }
    let name = xml
        .split_once("<name>")
        .and_then(|(_, r)| r.split_once("</name>"))
        .map(|(n, _)| n.to_string())
        .expect("name");
    let c = connect(&root);
    let mut d = c.define_xml(&xml).expect("define");
    d.create()
        .unwrap_or_else(|e| panic!("{stem}: QEMU refused the places: {e}"));
    let placed = placed_devices(&root, &name);
    for (id, bus, addr) in want {
        let got = placed.iter().find(|(i, _, _)| i == id);
        assert_eq!(
            got.map(|(_, b, a)| (b.as_str(), a.as_str())),
            Some((*bus, *addr)),
            "{stem}: {id}: {placed:?}"
        );
    }
    d.destroy().expect("destroy");
    d.undefine().expect("undefine");
}

#[test]
fn q35_conventional_pci_devices_sit_on_a_pcie_to_pci_bridge() {
    if !have_qemu() {
        return;
    }
    starts_with_places(
        "q35-legacy",
        &[
            ("pci.3", "pci.1", "0x0"),
            ("net0", "pci.2", "0x0"),
            ("net1", "pci.3", "0x1"),
            ("net2", "pci.3", "0x2"),
            ("sound0", "pci.3", "0x3"),
            ("sound1", "pcie.0", "0x1b"),
            ("sound2", "pci.3", "0x4"),
            ("watchdog0", "pci.3", "0x5"),
            ("usb", "pci.4", "0x0"),
            ("vda", "pci.5", "0x0"),
            ("balloon0", "pci.6", "0x0"),
        ],
    );
    starts_with_places(
        "q35-nic",
        &[("pci.2", "pci.1", "0x0"), ("net0", "pci.2", "0x1")],
    );
    starts_with_places(
        "q35-usb2",
        &[
            ("usb", "pcie.0", "0x1d.0x7"),
            ("usb.0/0", "pcie.0", "0x1d"),
            ("usb.0/2", "pcie.0", "0x1d.0x1"),
            ("usb.0/4", "pcie.0", "0x1d.0x2"),
            ("sound0", "pci.2", "0x1"),
            ("sound1", "pci.2", "0x2"),
        ],
    );
}

#[test]
fn i440fx_usb2_companions_and_sound_cards_take_libvirts_slots() {
    if !have_qemu() {
        return;
    }
    starts_with_places(
        "pc-legacy",
        &[
            ("usb", "pci.0", "0x8.0x7"),
            ("usb.0/0", "pci.0", "0x8"),
            ("usb.0/2", "pci.0", "0x8.0x1"),
            ("usb.0/4", "pci.0", "0x8.0x2"),
            ("net0", "pci.0", "0x3"),
            ("net1", "pci.0", "0x4"),
            ("sound0", "pci.0", "0x5"),
            ("sound1", "pci.0", "0x6"),
            ("sound2", "pci.0", "0x7"),
            ("video0", "pci.0", "0x2"),
            ("balloon0", "pci.0", "0x9"),
        ],
    );
}
