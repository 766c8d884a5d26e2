//! The typed domain model. Fields the drivers and virsh use are typed;
//! everything else is kept as [`Element`] trees so that nothing a user wrote
//! is lost when a definition is read and written back.

use uuid::Uuid;

pub use crate::name::Name;

/// An attribute: its name and its (unescaped) value.
pub type Attr = (Name, String);

/// A generic XML element, kept in document order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Tag name.
    pub name: Name,
    /// Attributes in document order.
    pub attrs: Vec<Attr>,
    /// Child nodes in document order.
    pub children: Vec<Node>,
}

/// A child of an [`Element`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A nested element.
    Element(Element),
    /// Character data (unescaped).
    Text(String),
}

/// A child element that libvirt's layout does not place (an element the
/// schema does not know, or a namespaced one), and where it sat, so that
/// formatting writes it back in its place instead of dropping it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Unknown {
    /// The sibling element it followed in the source: that element's name
    /// and which occurrence of the name it was (0 for the first); `None`
    /// when it was the first child.
    pub after: Option<(Name, usize)>,
    /// The element itself, whole.
    pub element: Element,
}

/// What to do when the guest powers off, reboots or crashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LifecycleAction {
    /// destroy
    Destroy,
    /// restart
    Restart,
    /// preserve
    Preserve,
    /// rename-restart
    RenameRestart,
    /// coredump-destroy
    CoredumpDestroy,
    /// coredump-restart
    CoredumpRestart,
}

/// `<vcpu>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vcpu {
    /// Maximum vCPUs (the element's text).
    pub max: u32,
    /// `current='N'`, online vCPUs when fewer than `max`.
    pub current: Option<u32>,
    /// `placement='static|auto'`.
    pub placement: Option<String>,
    /// `cpuset='0-3'`.
    pub cpuset: Option<String>,
}

/// `<os>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Os {
    /// `<type>`: linux (Xen PV), hvm, xen, exe.
    pub os_type: String,
    /// `<type arch=...>`.
    pub arch: Option<String>,
    /// `<type machine=...>`.
    pub machine: Option<String>,
    /// `<loader>` path (HVM firmware).
    pub loader: Option<String>,
    /// `<kernel>`.
    pub kernel: Option<String>,
    /// `<initrd>`.
    pub initrd: Option<String>,
    /// `<root>` (0.2-era Xen).
    pub root: Option<String>,
    /// `<cmdline>`.
    pub cmdline: Option<String>,
    /// `<boot dev=...>` in order: hd, fd, cdrom, network.
    pub boot: Vec<String>,
    /// Other children of `<os>` (bootmenu, smbios, nvram, loader attrs, ...).
    pub extra: Vec<Element>,
    /// Attributes of `<os>` itself (firmware=...), in order.
    pub attrs: Vec<Attr>,
    /// Children of `<os>` libvirt does not know, with their places.
    pub unknown: Vec<Unknown>,
    /// Attributes of the typed children (`<type>`, `<kernel>`, ...) that
    /// no field holds, by element name, in order (see
    /// [`DomainDef::leaf_attrs`]).
    pub leaf_attrs: Vec<(Name, Vec<Attr>)>,
}

/// `<disk>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Disk {
    /// `type=`: file, block, network, volume, dir.
    pub disk_type: String,
    /// `device=`: disk (default), cdrom, floppy, lun.
    pub device: String,
    /// `<driver name=...>` (file, phy, tap, qemu).
    pub driver_name: Option<String>,
    /// `<driver type=...>` (raw, qcow2, aio).
    pub driver_type: Option<String>,
    /// `<source file=...>` or `<source dev=...>` (or the network name).
    pub source: Option<String>,
    /// `<target dev=...>`.
    pub target_dev: String,
    /// `<target bus=...>`.
    pub target_bus: Option<String>,
    /// `<readonly/>`.
    pub readonly: bool,
    /// `<shareable/>`.
    pub shareable: bool,
    /// Every other child (address, serial, boot, iotune, ...), in order,
    /// plus the full `<driver>` / `<source>` when they have more attributes.
    pub extra: Vec<Element>,
    /// Other attributes of `<disk>` (model, rawio, sgio, snapshot), in order.
    pub attrs: Vec<Attr>,
    /// Children of `<disk>` libvirt does not know, with their places.
    pub unknown: Vec<Unknown>,
}

/// `<interface>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interface {
    /// `type=`: bridge, network, ethernet, user, ...
    pub iface_type: String,
    /// `<mac address=...>`.
    pub mac: Option<String>,
    /// `<source>` attributes (bridge=, network=, dev=, ...), in order.
    pub source: Vec<Attr>,
    /// `<script path=...>`.
    pub script: Option<String>,
    /// `<target dev=...>`.
    pub target_dev: Option<String>,
    /// `<model type=...>`.
    pub model: Option<String>,
    /// `<ip address=...>` (0.2-era routed Xen networking).
    pub ip: Option<String>,
    /// Every other child, in order.
    pub extra: Vec<Element>,
    /// Other attributes of `<interface>` (trustGuestRxFilters, ...), in order.
    pub attrs: Vec<Attr>,
    /// Children of `<interface>` libvirt does not know, with their places.
    pub unknown: Vec<Unknown>,
}

impl Interface {
    /// The value of `<source NAME=...>`.
    pub fn source_attr(&self, name: &str) -> Option<&str> {
        self.source
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `<graphics>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Graphics {
    /// `type=`: vnc, sdl, spice, ...
    pub graphics_type: String,
    /// Every other attribute (port, autoport, listen, passwd, keymap), in order.
    pub attrs: Vec<Attr>,
    /// Children (listen, ...), in order.
    pub extra: Vec<Element>,
}

/// A character device: `<console>`, `<serial>`, `<parallel>`, `<channel>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CharDev {
    /// The element name: console, serial, parallel, channel.
    pub kind: String,
    /// `type=`: pty, file, unix, tcp, ... (None for the 0.2-era `<console tty=.../>`).
    pub dev_type: Option<String>,
    /// `tty=` (0.2 era, and live pty consoles).
    pub tty: Option<String>,
    /// Every other child (source, target, address, ...), in order.
    pub extra: Vec<Element>,
    /// Other attributes of the element, in order.
    pub attrs: Vec<Attr>,
}

/// `<devices>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Devices {
    /// `<emulator>`.
    pub emulator: Option<String>,
    /// Disks, in order.
    pub disks: Vec<Disk>,
    /// Network interfaces, in order.
    pub interfaces: Vec<Interface>,
    /// Graphics, in order.
    pub graphics: Vec<Graphics>,
    /// Serial, parallel, console and channel devices, in order.
    pub chardevs: Vec<CharDev>,
    /// Every other device (controller, input, video, memballoon, ...), in order.
    pub other: Vec<Element>,
    /// Devices libvirt does not know, with their places.
    pub unknown: Vec<Unknown>,
}

/// A domain definition (`<domain>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DomainDef {
    /// `type=`: xen, kvm, qemu, test, ...
    pub domain_type: String,
    /// `id=` (output only; ignored on input for definitions).
    pub id: Option<i32>,
    /// `<name>`.
    pub name: String,
    /// `<uuid>`; drivers generate one when absent.
    pub uuid: Option<Uuid>,
    /// `<title>`.
    pub title: Option<String>,
    /// `<description>`.
    pub description: Option<String>,
    /// `<memory>` in KiB: the maximum (boot) memory.
    pub memory: u64,
    /// `<currentMemory>` in KiB; `None` means equal to `memory`.
    pub current_memory: Option<u64>,
    /// `<maxMemory>` in KiB (hotplug limit), with its `slots=`.
    pub max_memory: Option<(u64, Option<u32>)>,
    /// `<vcpu>`.
    pub vcpu: Vcpu,
    /// `<bootloader>` (Xen PV, e.g. pygrub).
    pub bootloader: Option<String>,
    /// `<bootloader_args>`.
    pub bootloader_args: Option<String>,
    /// `<os>`.
    pub os: Os,
    /// `<features>` children (pae, acpi, apic, hyperv, ...), in order.
    pub features: Option<Vec<Element>>,
    /// `<on_poweroff>`.
    pub on_poweroff: Option<LifecycleAction>,
    /// `<on_reboot>`.
    pub on_reboot: Option<LifecycleAction>,
    /// `<on_crash>`.
    pub on_crash: Option<LifecycleAction>,
    /// `<devices>`.
    pub devices: Devices,
    /// Every other top-level element (clock, cpu, memtune, seclabel, ...),
    /// in order.
    pub extra: Vec<Element>,
    /// Other attributes of `<domain>` (xmlns:qemu=...), in order.
    pub attrs: Vec<Attr>,
    /// Top-level elements libvirt does not know (namespaced ones too), with their places.
    pub unknown: Vec<Unknown>,
    /// Attributes of the typed top-level elements (`<memory>`, `<vcpu>`,
    /// `<name>`, ...) that no field holds, by element name, in order:
    /// `<memory dumpCore='on'>`, and attributes libvirt does not know,
    /// kept instead of dropped. A typed attribute's name among them marks
    /// where its value is written (it followed an unknown one).
    pub leaf_attrs: Vec<(Name, Vec<Attr>)>,
}
