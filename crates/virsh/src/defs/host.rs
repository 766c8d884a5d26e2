//! The "Host and Hypervisor" commands (`virsh help host`), in virsh's order.
//!
//! The texts are what Debian's virsh 9.0 prints for `virsh help CMD` (taken
//! from it by a one-off script), so that `help` output matches byte for
//! byte; each command names the function that runs it.

use super::{CmdDef, Group};
use crate::cmd::{OptDef, OptKind::*};

/// The "Host and Hypervisor" group.
#[rustfmt::skip] // A table: one option a line reads best.
pub static GROUP: Group = Group {
    title: "Host and Hypervisor",
    keyword: "host",
    commands: &[
        CmdDef {
            name: "capabilities",
            info: "capabilities",
            desc: Some("Returns capabilities of hypervisor/driver."),
            opts: &[],
            handler: crate::node::capabilities,
        },
        CmdDef {
            name: "domcapabilities",
            info: "domain capabilities",
            desc: Some("Returns capabilities of emulator with respect to host and libvirt."),
            opts: &[
                OptDef { name: "virttype", kind: Str, required: false, positional: true, help: "virtualization type (/domain/@type)" },
                OptDef { name: "emulatorbin", kind: Str, required: false, positional: true, help: "path to emulator binary (/domain/devices/emulator)" },
                OptDef { name: "arch", kind: Str, required: false, positional: true, help: "domain architecture (/domain/os/type/@arch)" },
                OptDef { name: "machine", kind: Str, required: false, positional: true, help: "machine type (/domain/os/type/@machine)" },
            ],
            handler: crate::node::domcapabilities,
        },
        CmdDef {
            name: "freecell",
            info: "NUMA free memory",
            desc: Some("display available free memory for the NUMA cell."),
            opts: &[
                OptDef { name: "cellno", kind: Int, required: false, positional: true, help: "NUMA cell number" },
                OptDef { name: "all", kind: Bool, required: false, positional: false, help: "show free memory for all NUMA cells" },
            ],
            handler: crate::node::freecell,
        },
        CmdDef {
            name: "hostname",
            info: "print the hypervisor hostname",
            desc: None,
            opts: &[],
            handler: crate::node::hostname,
        },
        CmdDef {
            name: "nodecpumap",
            info: "node cpu map",
            desc: Some("Displays the node's total number of CPUs, the number of online CPUs and the list of online CPUs."),
            opts: &[
                OptDef { name: "pretty", kind: Bool, required: false, positional: false, help: "return human readable output" },
            ],
            handler: crate::node::nodecpumap,
        },
        CmdDef {
            name: "nodeinfo",
            info: "node information",
            desc: Some("Returns basic information about the node."),
            opts: &[],
            handler: crate::node::nodeinfo,
        },
        CmdDef {
            name: "nodememstats",
            info: "Prints memory stats of the node.",
            desc: Some("Returns memory stats of the node, in kilobytes."),
            opts: &[
                OptDef { name: "cell", kind: Int, required: false, positional: true, help: "prints specified cell statistics only." },
            ],
            handler: crate::node::nodememstats,
        },
        CmdDef {
            name: "uri",
            info: "print the hypervisor canonical URI",
            desc: None,
            opts: &[],
            handler: crate::node::uri,
        },
        CmdDef {
            name: "version",
            info: "show version",
            desc: Some("Display the system version information."),
            opts: &[
                OptDef { name: "daemon", kind: Bool, required: false, positional: false, help: "report daemon version too" },
            ],
            handler: crate::node::version,
        },
    ],
};
