//! libvirt's element order inside the containers the model types, and the
//! canonical spelling of PCI addresses. Unknown names sort last, keeping
//! their document order.

use std::fmt::Write;

use crate::model::{Element, Node, Unknown};

/// Children of `<domain>`, in libvirt's output order.
pub(crate) const DOMAIN_ORDER: &[&str] = &[
    "name",
    "uuid",
    "genid",
    "title",
    "description",
    "metadata",
    "maxMemory",
    "memory",
    "currentMemory",
    "blkiotune",
    "memtune",
    "memoryBacking",
    "vcpu",
    "vcpus",
    "iothreads",
    "iothreadids",
    "defaultiothread",
    "cputune",
    "numatune",
    "resource",
    "sysinfo",
    "bootloader",
    "bootloader_args",
    "os",
    "idmap",
    "features",
    "cpu",
    "clock",
    "on_poweroff",
    "on_reboot",
    "on_crash",
    "on_lockfailure",
    "pm",
    "perf",
    "devices",
    "seclabel",
    "keywrap",
    "launchSecurity",
];

/// Children of `<devices>`, in libvirt's output order.
pub(crate) const DEVICE_ORDER: &[&str] = &[
    "emulator",
    "disk",
    "controller",
    "lease",
    "filesystem",
    "interface",
    "smartcard",
    "serial",
    "parallel",
    "console",
    "channel",
    "input",
    "tpm",
    "graphics",
    "sound",
    "audio",
    "video",
    "hostdev",
    "redirdev",
    "redirfilter",
    "hub",
    "watchdog",
    "memballoon",
    "rng",
    "nvram",
    "panic",
    "shmem",
    "memory",
    "iommu",
    "vsock",
    "crypto",
];

/// Children of `<os>`.
pub(crate) const OS_ORDER: &[&str] = &[
    "type",
    "firmware",
    "init",
    "initarg",
    "initenv",
    "initdir",
    "inituser",
    "initgroup",
    "loader",
    "nvram",
    "kernel",
    "initrd",
    "cmdline",
    "dtb",
    "root",
    "acpi",
    "boot",
    "bootmenu",
    "bios",
    "smbios",
];

/// Children of `<disk>`.
pub(crate) const DISK_ORDER: &[&str] = &[
    "driver",
    "auth",
    "source",
    "backingStore",
    "backenddomain",
    "geometry",
    "blockio",
    "mirror",
    "target",
    "iotune",
    "readonly",
    "shareable",
    "transient",
    "serial",
    "wwn",
    "vendor",
    "product",
    "encryption",
    "boot",
    "alias",
    "master",
    "rom",
    "acpi",
    "address",
];

/// Children of `<interface>`.
pub(crate) const INTERFACE_ORDER: &[&str] = &[
    "mac",
    "source",
    "vlan",
    "virtualport",
    "bandwidth",
    // virNetworkPortOptionsFormat right after the bandwidth, in the
    // inactive and the live layout alike.
    "port",
    "ip",
    "route",
    "portForward",
    "script",
    "downscript",
    "backenddomain",
    "target",
    "guest",
    "model",
    "driver",
    "backend",
    "filterref",
    "tune",
    "teaming",
    "link",
    "mtu",
    "coalesce",
    "boot",
    "alias",
    "rom",
    "acpi",
    "address",
];

/// Position of `name` in `order`; unknown names (and namespaced ones)
/// go after every known one.
pub(crate) fn rank(order: &[&str], name: &str) -> usize {
    order.iter().position(|n| *n == name).unwrap_or(order.len())
}

/// [`rank`] when compiled, for a name known then.
pub(crate) const fn rank_const(order: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < order.len() {
        if same_name(order[i], name) {
            return i;
        }
        i += 1;
    }
    order.len()
}

/// `a == b`, as a `const fn`.
const fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// True when libvirt's layout places `name` inside a container whose
/// order is `order`.
pub(crate) fn placed(order: &[&str], name: &str) -> bool {
    order.contains(&name)
}

/// Put the unknown children back where they sat, after libvirt's layout
/// has ordered the known ones. An unknown whose neighbour is gone goes
/// last.
pub(crate) fn place_unknown(kids: &mut Vec<Element>, unknown: &[Unknown]) {
    for u in unknown {
        let at = unknown_slot(kids, u, |k| &k.name);
        kids.insert(at, u.element.clone());
    }
}

/// Where the unknown child `u` goes back among `kids` (named by `name`):
/// after the `n`-th child of the name it followed, first when it followed
/// none, last when that child is gone.
pub(crate) fn unknown_slot<T>(kids: &[T], u: &Unknown, name: impl Fn(&T) -> &str) -> usize {
    match &u.after {
        None => 0,
        Some((after, occ)) => kids
            .iter()
            .enumerate()
            .filter(|(_, k)| name(k) == after)
            .nth(*occ)
            .map_or(kids.len(), |(i, _)| i + 1),
    }
}

/// Sort elements into `order`, keeping document order among equals.
pub(crate) fn sort_children(order: &[&str], children: &mut [Element]) {
    children.sort_by_key(|e| rank(order, &e.name));
}

/// Rewrite every PCI address under `e` (and `e` itself) the way libvirt
/// prints it: domain 0x%04x, bus 0x%02x, slot 0x%02x, function 0x%x.
pub fn normalize_addresses(e: &mut Element) {
    if e.name == "address" {
        normalize_pci(e);
    }
    for n in &mut e.children {
        if let Node::Element(c) = n {
            normalize_addresses(c);
        }
    }
}

fn normalize_pci(e: &mut Element) {
    let is_pci = match e.attr("type") {
        Some(t) => t == "pci",
        // hostdev <source><address .../> has no type.
        None => e.attr("slot").is_some() && e.attr("bus").is_some(),
    };
    if !is_pci {
        return;
    }
    for (k, v) in &mut e.attrs {
        let width = match k.as_str() {
            "domain" => 4,
            "bus" | "slot" => 2,
            "function" => 1,
            _ => continue,
        };
        // Most documents already write libvirt's form, which would be
        // formatted again to the same text: leave those untouched.
        let canonical = v.len() == 2 + width
            && v.starts_with("0x")
            && v.bytes()
                .skip(2)
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if canonical {
            continue;
        }
        if let Some(n) = parse_c_number(v) {
            v.clear();
            let _ = write!(v, "0x{n:0width$x}");
        }
    }
}

/// An unsigned number in C's base-0 spelling (0x.. hex, 0.. octal, decimal).
pub(crate) fn parse_c_number(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_when_compiled_is_rank() {
        for order in [
            DOMAIN_ORDER,
            OS_ORDER,
            DEVICE_ORDER,
            DISK_ORDER,
            INTERFACE_ORDER,
        ] {
            for name in order
                .iter()
                .copied()
                .chain(["widget", "", "qemu:commandline"])
            {
                assert_eq!(rank_const(order, name), rank(order, name), "{name}");
            }
        }
        const DEVICES: usize = rank_const(DOMAIN_ORDER, "devices");
        assert_eq!(DOMAIN_ORDER[DEVICES], "devices");
    }

    #[test]
    fn pci_addresses() {
        let mut e = Element::new("address")
            .with_attr("type", "pci")
            .with_attr("domain", "0")
            .with_attr("bus", "0x0")
            .with_attr("slot", "0x1")
            .with_attr("function", "0x0")
            .with_attr("multifunction", "on");
        normalize_addresses(&mut e);
        assert_eq!(
            e.to_xml(0),
            "<address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0' multifunction='on'/>\n"
        );
        let mut d = Element::new("address")
            .with_attr("type", "drive")
            .with_attr("bus", "1");
        normalize_addresses(&mut d);
        assert_eq!(d.attr("bus"), Some("1"));
    }
}
