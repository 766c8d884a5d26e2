//! The last attributes and leaves of libvirt's domain schema the model
//! kept untyped: `<bootloader_args>`, `<memory dumpCore>`, a D-Bus
//! display's `address` and `p2p`, and a bridge source's `macTableManager`
//! (which libvirt reads from a running interface only).

use crate::model::Devices;

flat_view! {
    /// `<bootloader_args>`: the arguments of a Xen PV guest's host-side
    /// boot loader, as text (libvirt writes them back only with a
    /// `<bootloader>`).
    BootloaderArgs = "bootloader_args" { args: String = "#text" }
}

flat_view! {
    /// `<memory dumpCore=…>`: whether the guest's memory goes into a core
    /// dump of its process, on or off.
    MemoryDumpCore = "memory" { dump_core: String = "dumpCore" ["on", "off"] }
}

flat_view! {
    /// A D-Bus display's own attributes (`<graphics type='dbus'>`):
    /// `address=` (the bus to serve on, any non-empty text) or `p2p=`
    /// yes/no (peer to peer); [`super::validate_graphics`] refuses both at
    /// once.
    DbusDisplay = "graphics" {
        address: String = "address",
        p2p: String = "p2p" ["yes", "no"],
    }
}

flat_view! {
    /// `<interface><source macTableManager=…>`: who manages the bridge's MAC
    /// table, kernel or libvirt. libvirt reads it from a running interface's
    /// `<actual>` only (with this error for a bad value); a defined
    /// interface's source drops it.
    MacTableSource = "source" {
        mac_table_manager: String = "macTableManager" ["kernel", "libvirt"]
            invalid "Invalid macTableManager setting '{}' in domain interface's <actual> element",
    }
}

/// What libvirt keeps of these parts at define, and of a host device's
/// options ([`super::hostdev::drop_unread_options`]): a display's `p2p`
/// (only `yes`, and only for D-Bus) and `address` (D-Bus), no
/// `macTableManager` on an interface's source.
pub(crate) fn drop_unread(devices: &mut Devices) {
    for g in &mut devices.graphics {
        let dbus = g.graphics_type == "dbus";
        g.attrs.retain(|(k, v)| match k.as_str() {
            "p2p" => dbus && v == "yes",
            "address" => dbus,
            _ => true,
        });
    }
    for i in &mut devices.interfaces {
        i.source.retain(|(k, _)| k != "macTableManager");
    }
    for h in devices.other.iter_mut().filter(|e| e.name == "hostdev") {
        super::hostdev::drop_unread_options(h);
    }
}
