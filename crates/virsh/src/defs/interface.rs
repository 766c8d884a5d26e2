//! The "Interface" commands (`virsh help interface`), in virsh's order.
//!
//! The texts are what Debian's virsh 9.0 prints for `virsh help CMD` (taken
//! from it by a one-off script), so that `help` output matches byte for
//! byte; each command names the function that runs it.

use super::{CmdDef, Group};
use crate::cmd::{OptDef, OptKind::*};

/// The "Interface" group.
#[rustfmt::skip] // A table: one option a line reads best.
pub static GROUP: Group = Group {
    title: "Interface",
    keyword: "interface",
    commands: &[
        CmdDef {
            name: "iface-begin",
            info: "create a snapshot of current interfaces settings, which can be later committed (iface-commit) or restored (iface-rollback)",
            desc: Some("Create a restore point for interfaces settings"),
            opts: &[],
            handler: crate::host::iface_begin,
        },
        CmdDef {
            name: "iface-commit",
            info: "commit changes made since iface-begin and free restore point",
            desc: Some("commit changes and free restore point"),
            opts: &[],
            handler: crate::host::iface_commit,
        },
        CmdDef {
            name: "iface-define",
            info: "define an inactive persistent physical host interface or modify an existing persistent one from an XML file",
            desc: Some("Define or modify a persistent physical host interface."),
            opts: &[
                OptDef { name: "file", kind: Data, required: true, positional: true, help: "file containing an XML interface description" },
                OptDef { name: "validate", kind: Bool, required: false, positional: false, help: "validate the XML against the schema" },
            ],
            handler: crate::host::iface_define,
        },
        CmdDef {
            name: "iface-destroy",
            info: "destroy a physical host interface (disable it / \"if-down\")",
            desc: Some("forcefully stop a physical host interface."),
            opts: &[
                OptDef { name: "interface", kind: Data, required: true, positional: true, help: "interface name or MAC address" },
            ],
            handler: crate::host::iface_destroy,
        },
        CmdDef {
            name: "iface-dumpxml",
            info: "interface information in XML",
            desc: Some("Output the physical host interface information as an XML dump to stdout."),
            opts: &[
                OptDef { name: "interface", kind: Data, required: true, positional: true, help: "interface name or MAC address" },
                OptDef { name: "inactive", kind: Bool, required: false, positional: false, help: "show inactive defined XML" },
                OptDef { name: "xpath", kind: Str, required: false, positional: false, help: "xpath expression to filter the XML document" },
                OptDef { name: "wrap", kind: Bool, required: false, positional: false, help: "wrap xpath results in an common root element" },
            ],
            handler: crate::host::iface_dumpxml,
        },
        CmdDef {
            name: "iface-list",
            info: "list physical host interfaces",
            desc: Some("Returns list of physical host interfaces."),
            opts: &[
                OptDef { name: "inactive", kind: Bool, required: false, positional: false, help: "list inactive interfaces" },
                OptDef { name: "all", kind: Bool, required: false, positional: false, help: "list inactive & active interfaces" },
            ],
            handler: crate::host::iface_list,
        },
        CmdDef {
            name: "iface-mac",
            info: "convert an interface name to interface MAC address",
            desc: None,
            opts: &[
                OptDef { name: "interface", kind: Data, required: true, positional: true, help: "interface name" },
            ],
            handler: crate::host::iface_mac,
        },
        CmdDef {
            name: "iface-name",
            info: "convert an interface MAC address to interface name",
            desc: None,
            opts: &[
                OptDef { name: "interface", kind: Data, required: true, positional: true, help: "interface mac" },
            ],
            handler: crate::host::iface_name,
        },
        CmdDef {
            name: "iface-rollback",
            info: "rollback to previous saved configuration created via iface-begin",
            desc: Some("rollback to previous restore point"),
            opts: &[],
            handler: crate::host::iface_rollback,
        },
        CmdDef {
            name: "iface-start",
            info: "start a physical host interface (enable it / \"if-up\")",
            desc: Some("start a physical host interface."),
            opts: &[
                OptDef { name: "interface", kind: Data, required: true, positional: true, help: "interface name or MAC address" },
            ],
            handler: crate::host::iface_start,
        },
        CmdDef {
            name: "iface-undefine",
            info: "undefine a physical host interface (remove it from configuration)",
            desc: Some("undefine an interface."),
            opts: &[
                OptDef { name: "interface", kind: Data, required: true, positional: true, help: "interface name or MAC address" },
            ],
            handler: crate::host::iface_undefine,
        },
    ],
};
