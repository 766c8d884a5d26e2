//! The "Networking" commands (`virsh help network`), in virsh's order.
//!
//! The texts are what Debian's virsh 9.0 prints for `virsh help CMD` (taken
//! from it by a one-off script), so that `help` output matches byte for
//! byte; each command names the function that runs it.

use super::{CmdDef, Group};
use crate::cmd::{OptDef, OptKind::*};

/// The "Networking" group.
#[rustfmt::skip] // A table: one option a line reads best.
pub static GROUP: Group = Group {
    title: "Networking",
    keyword: "network",
    commands: &[
        CmdDef {
            name: "net-autostart",
            info: "autostart a network",
            desc: Some("Configure a network to be automatically started at boot."),
            opts: &[
                OptDef { name: "network", kind: Data, required: true, positional: true, help: "network name or uuid" },
                OptDef { name: "disable", kind: Bool, required: false, positional: false, help: "disable autostarting" },
            ],
            handler: crate::network::net_autostart,
        },
        CmdDef {
            name: "net-create",
            info: "create a network from an XML file",
            desc: Some("Create a network."),
            opts: &[
                OptDef { name: "file", kind: Data, required: true, positional: true, help: "file containing an XML network description" },
                OptDef { name: "validate", kind: Bool, required: false, positional: false, help: "validate the XML against the schema" },
            ],
            handler: crate::network::net_create,
        },
        CmdDef {
            name: "net-define",
            info: "define an inactive persistent virtual network or modify an existing persistent one from an XML file",
            desc: Some("Define or modify a persistent virtual network."),
            opts: &[
                OptDef { name: "file", kind: Data, required: true, positional: true, help: "file containing an XML network description" },
                OptDef { name: "validate", kind: Bool, required: false, positional: false, help: "validate the XML against the schema" },
            ],
            handler: crate::network::net_define,
        },
        CmdDef {
            name: "net-destroy",
            info: "destroy (stop) a network",
            desc: Some("Forcefully stop a given network."),
            opts: &[
                OptDef { name: "network", kind: Data, required: true, positional: true, help: "network name or uuid" },
            ],
            handler: crate::network::net_destroy,
        },
        CmdDef {
            name: "net-dhcp-leases",
            info: "print lease info for a given network",
            desc: Some("Print lease info for a given network"),
            opts: &[
                OptDef { name: "network", kind: Data, required: true, positional: true, help: "network name or uuid" },
                OptDef { name: "mac", kind: Str, required: false, positional: true, help: "MAC address" },
            ],
            handler: crate::network::net_dhcp_leases,
        },
        CmdDef {
            name: "net-dumpxml",
            info: "network information in XML",
            desc: Some("Output the network information as an XML dump to stdout."),
            opts: &[
                OptDef { name: "network", kind: Data, required: true, positional: true, help: "network name or uuid" },
                OptDef { name: "inactive", kind: Bool, required: false, positional: false, help: "show inactive defined XML" },
                OptDef { name: "xpath", kind: Str, required: false, positional: false, help: "xpath expression to filter the XML document" },
                OptDef { name: "wrap", kind: Bool, required: false, positional: false, help: "wrap xpath results in an common root element" },
            ],
            handler: crate::network::net_dumpxml,
        },
        CmdDef {
            name: "net-edit",
            info: "edit XML configuration for a network",
            desc: Some("Edit the XML configuration for a network."),
            opts: &[
                OptDef { name: "network", kind: Data, required: true, positional: true, help: "network name or uuid" },
            ],
            handler: crate::network::net_edit,
        },
        CmdDef {
            name: "net-info",
            info: "network information",
            desc: Some("Returns basic information about the network"),
            opts: &[
                OptDef { name: "network", kind: Data, required: true, positional: true, help: "network name or uuid" },
            ],
            handler: crate::network::net_info,
        },
        CmdDef {
            name: "net-list",
            info: "list networks",
            desc: Some("Returns list of networks."),
            opts: &[
                OptDef { name: "inactive", kind: Bool, required: false, positional: false, help: "list inactive networks" },
                OptDef { name: "all", kind: Bool, required: false, positional: false, help: "list inactive & active networks" },
                OptDef { name: "persistent", kind: Bool, required: false, positional: false, help: "list persistent networks" },
                OptDef { name: "transient", kind: Bool, required: false, positional: false, help: "list transient networks" },
                OptDef { name: "autostart", kind: Bool, required: false, positional: false, help: "list networks with autostart enabled" },
                OptDef { name: "no-autostart", kind: Bool, required: false, positional: false, help: "list networks with autostart disabled" },
                OptDef { name: "uuid", kind: Bool, required: false, positional: false, help: "list uuid's only" },
                OptDef { name: "name", kind: Bool, required: false, positional: false, help: "list network names only" },
                OptDef { name: "table", kind: Bool, required: false, positional: false, help: "list table (default)" },
            ],
            handler: crate::network::net_list,
        },
        CmdDef {
            name: "net-name",
            info: "convert a network UUID to network name",
            desc: None,
            opts: &[
                OptDef { name: "network", kind: Data, required: true, positional: true, help: "network uuid" },
            ],
            handler: crate::network::net_name,
        },
        CmdDef {
            name: "net-start",
            info: "start a (previously defined) inactive network",
            desc: Some("Start a network."),
            opts: &[
                OptDef { name: "network", kind: Data, required: true, positional: true, help: "network name or uuid" },
            ],
            handler: crate::network::net_start,
        },
        CmdDef {
            name: "net-undefine",
            info: "undefine a persistent network",
            desc: Some("Undefine the configuration for a persistent network."),
            opts: &[
                OptDef { name: "network", kind: Data, required: true, positional: true, help: "network name or uuid" },
            ],
            handler: crate::network::net_undefine,
        },
        CmdDef {
            name: "net-update",
            info: "update parts of an existing network's configuration",
            desc: None,
            opts: &[
                OptDef { name: "network", kind: Data, required: true, positional: true, help: "network name or uuid" },
                OptDef { name: "command", kind: Data, required: true, positional: true, help: "type of update (add-first, add-last (add), delete, or modify)" },
                OptDef { name: "section", kind: Data, required: true, positional: true, help: "which section of network configuration to update" },
                OptDef { name: "xml", kind: Data, required: true, positional: true, help: "name of file containing xml (or, if it starts with '<', the complete xml element itself) to add/modify, or to be matched for search" },
                OptDef { name: "parent-index", kind: Int, required: false, positional: true, help: "which parent object to search through" },
                OptDef { name: "config", kind: Bool, required: false, positional: false, help: "affect next network startup" },
                OptDef { name: "live", kind: Bool, required: false, positional: false, help: "affect running network" },
                OptDef { name: "current", kind: Bool, required: false, positional: false, help: "affect current state of network" },
            ],
            handler: crate::network::net_update,
        },
        CmdDef {
            name: "net-uuid",
            info: "convert a network name to network UUID",
            desc: None,
            opts: &[
                OptDef { name: "network", kind: Data, required: true, positional: true, help: "network name" },
            ],
            handler: crate::network::net_uuid,
        },
    ],
};
