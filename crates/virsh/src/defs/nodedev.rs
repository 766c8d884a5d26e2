//! The "Node Device" commands (`virsh help nodedev`), in virsh's order.
//!
//! The texts are what Debian's virsh 9.0 prints for `virsh help CMD` (taken
//! from it by a one-off script), so that `help` output matches byte for
//! byte; each command names the function that runs it.

use super::{CmdDef, Group};
use crate::cmd::{OptDef, OptKind::*};

/// The "Node Device" group.
#[rustfmt::skip] // A table: one option a line reads best.
pub static GROUP: Group = Group {
    title: "Node Device",
    keyword: "nodedev",
    commands: &[
        CmdDef {
            name: "nodedev-create",
            info: "create a device defined by an XML file on the node",
            desc: Some("Create a device on the node.  Note that this command creates devices on the physical host that can then be assigned to a virtual machine."),
            opts: &[
                OptDef { name: "file", kind: Data, required: true, positional: true, help: "file containing an XML description of the device" },
                OptDef { name: "validate", kind: Bool, required: false, positional: false, help: "validate the XML against the schema" },
            ],
            handler: crate::host::nodedev_create,
        },
        CmdDef {
            name: "nodedev-destroy",
            info: "destroy (stop) a device on the node",
            desc: Some("Destroy a device on the node.  Note that this command destroys devices on the physical host"),
            opts: &[
                OptDef { name: "device", kind: Data, required: true, positional: true, help: "device name or wwn pair in 'wwnn,wwpn' format" },
            ],
            handler: crate::host::nodedev_destroy,
        },
        CmdDef {
            name: "nodedev-dumpxml",
            info: "node device details in XML",
            desc: Some("Output the node device details as an XML dump to stdout."),
            opts: &[
                OptDef { name: "device", kind: Data, required: true, positional: true, help: "device name or wwn pair in 'wwnn,wwpn' format" },
                OptDef { name: "xpath", kind: Str, required: false, positional: false, help: "xpath expression to filter the XML document" },
                OptDef { name: "wrap", kind: Bool, required: false, positional: false, help: "wrap xpath results in an common root element" },
            ],
            handler: crate::host::nodedev_dumpxml,
        },
        CmdDef {
            name: "nodedev-list",
            info: "enumerate devices on this host",
            desc: None,
            opts: &[
                OptDef { name: "tree", kind: Bool, required: false, positional: false, help: "list devices in a tree" },
                OptDef { name: "cap", kind: Str, required: false, positional: true, help: "capability names, separated by comma" },
                OptDef { name: "inactive", kind: Bool, required: false, positional: false, help: "list inactive devices" },
                OptDef { name: "all", kind: Bool, required: false, positional: false, help: "list inactive & active devices" },
            ],
            handler: crate::host::nodedev_list,
        },
        CmdDef {
            name: "nodedev-define",
            info: "Define a device by an xml file on a node",
            desc: Some("Defines a persistent device on the node that can be assigned to a domain. The device must be started before it can be assigned to a domain."),
            opts: &[
                OptDef { name: "file", kind: Data, required: true, positional: true, help: "file containing an XML description of the device" },
                OptDef { name: "validate", kind: Bool, required: false, positional: false, help: "validate the XML against the schema" },
            ],
            handler: crate::host::nodedev_define,
        },
        CmdDef {
            name: "nodedev-undefine",
            info: "Undefine an inactive node device",
            desc: Some("Undefines the configuration for an inactive node device"),
            opts: &[
                OptDef { name: "device", kind: Data, required: true, positional: true, help: "device name or wwn pair in 'wwnn,wwpn' format" },
            ],
            handler: crate::host::nodedev_undefine,
        },
        CmdDef {
            name: "nodedev-start",
            info: "Start an inactive node device",
            desc: Some("Starts an inactive node device that was previously defined"),
            opts: &[
                OptDef { name: "device", kind: Data, required: true, positional: true, help: "device name" },
            ],
            handler: crate::host::nodedev_start,
        },
    ],
};
