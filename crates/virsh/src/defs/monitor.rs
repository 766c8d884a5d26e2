//! The "Domain Monitoring" commands (`virsh help monitor`), in virsh's order.
//!
//! The texts are what Debian's virsh 9.0 prints for `virsh help CMD` (taken
//! from it by a one-off script), so that `help` output matches byte for
//! byte; each command names the function that runs it.

use super::{CmdDef, Group};
use crate::cmd::{OptDef, OptKind::*};

/// The "Domain Monitoring" group.
#[rustfmt::skip] // A table: one option a line reads best.
pub static GROUP: Group = Group {
    title: "Domain Monitoring",
    keyword: "monitor",
    commands: &[
        CmdDef {
            name: "domblkinfo",
            info: "domain block device size information",
            desc: Some("Get block device size info for a domain."),
            opts: &[
                OptDef { name: "domain", kind: Data, required: true, positional: true, help: "domain name, id or uuid" },
                OptDef { name: "device", kind: Str, required: false, positional: true, help: "block device" },
                OptDef { name: "human", kind: Bool, required: false, positional: false, help: "Human readable output" },
                OptDef { name: "all", kind: Bool, required: false, positional: false, help: "display all block devices info" },
            ],
            handler: crate::devstats::domblkinfo,
        },
        CmdDef {
            name: "domblklist",
            info: "list all domain blocks",
            desc: Some("Get the summary of block devices for a domain."),
            opts: &[
                OptDef { name: "domain", kind: Data, required: true, positional: true, help: "domain name, id or uuid" },
                OptDef { name: "inactive", kind: Bool, required: false, positional: false, help: "get inactive rather than running configuration" },
                OptDef { name: "details", kind: Bool, required: false, positional: false, help: "additionally display the type and device value" },
            ],
            handler: crate::domain::domblklist,
        },
        CmdDef {
            name: "domblkstat",
            info: "get device block stats for a domain",
            desc: Some("Get device block stats for a running domain. See man page or use --human for explanation of fields"),
            opts: &[
                OptDef { name: "domain", kind: Data, required: true, positional: true, help: "domain name, id or uuid" },
                OptDef { name: "device", kind: Str, required: false, positional: true, help: "block device" },
                OptDef { name: "human", kind: Bool, required: false, positional: false, help: "print a more human readable output" },
            ],
            handler: crate::devstats::domblkstat,
        },
        CmdDef {
            name: "domiflist",
            info: "list all domain virtual interfaces",
            desc: Some("Get the summary of virtual interfaces for a domain."),
            opts: &[
                OptDef { name: "domain", kind: Data, required: true, positional: true, help: "domain name, id or uuid" },
                OptDef { name: "inactive", kind: Bool, required: false, positional: false, help: "get inactive rather than running configuration" },
            ],
            handler: crate::domain::domiflist,
        },
        CmdDef {
            name: "domifstat",
            info: "get network interface stats for a domain",
            desc: Some("Get network interface stats for a running domain."),
            opts: &[
                OptDef { name: "domain", kind: Data, required: true, positional: true, help: "domain name, id or uuid" },
                OptDef { name: "interface", kind: Data, required: true, positional: true, help: "interface device specified by name or MAC Address" },
            ],
            handler: crate::devstats::domifstat,
        },
        CmdDef {
            name: "dominfo",
            info: "domain information",
            desc: Some("Returns basic information about the domain."),
            opts: &[OptDef { name: "domain", kind: Data, required: true, positional: true, help: "domain name, id or uuid" }],
            handler: crate::domain::dominfo,
        },
        CmdDef {
            name: "dommemstat",
            info: "get memory statistics for a domain",
            desc: Some("Get memory statistics for a running domain."),
            opts: &[
                OptDef { name: "domain", kind: Data, required: true, positional: true, help: "domain name, id or uuid" },
                OptDef { name: "period", kind: Int, required: false, positional: false, help: "period in seconds to set collection" },
                OptDef { name: "config", kind: Bool, required: false, positional: false, help: "affect next boot" },
                OptDef { name: "live", kind: Bool, required: false, positional: false, help: "affect running domain" },
                OptDef { name: "current", kind: Bool, required: false, positional: false, help: "affect current domain" },
            ],
            handler: crate::devstats::dommemstat,
        },
        CmdDef {
            name: "domstate",
            info: "domain state",
            desc: Some("Returns state about a domain."),
            opts: &[
                OptDef { name: "domain", kind: Data, required: true, positional: true, help: "domain name, id or uuid" },
                OptDef { name: "reason", kind: Bool, required: false, positional: false, help: "also print reason for the state" },
            ],
            handler: crate::domain::domstate,
        },
        CmdDef {
            name: "domstats",
            info: "get statistics about one or multiple domains",
            desc: Some("Gets statistics about one or more (or all) domains"),
            opts: &[
                OptDef { name: "state", kind: Bool, required: false, positional: false, help: "report domain state" },
                OptDef { name: "cpu-total", kind: Bool, required: false, positional: false, help: "report domain physical cpu usage" },
                OptDef { name: "balloon", kind: Bool, required: false, positional: false, help: "report domain balloon statistics" },
                OptDef { name: "vcpu", kind: Bool, required: false, positional: false, help: "report domain virtual cpu information" },
                OptDef { name: "interface", kind: Bool, required: false, positional: false, help: "report domain network interface information" },
                OptDef { name: "block", kind: Bool, required: false, positional: false, help: "report domain block device statistics" },
                OptDef { name: "perf", kind: Bool, required: false, positional: false, help: "report domain perf event statistics" },
                OptDef { name: "iothread", kind: Bool, required: false, positional: false, help: "report domain IOThread information" },
                OptDef { name: "memory", kind: Bool, required: false, positional: false, help: "report domain memory usage" },
                OptDef { name: "dirtyrate", kind: Bool, required: false, positional: false, help: "report domain dirty rate information" },
                OptDef { name: "vm", kind: Bool, required: false, positional: false, help: "report hypervisor-specific statistics" },
                OptDef { name: "list-active", kind: Bool, required: false, positional: false, help: "list only active domains" },
                OptDef { name: "list-inactive", kind: Bool, required: false, positional: false, help: "list only inactive domains" },
                OptDef { name: "list-persistent", kind: Bool, required: false, positional: false, help: "list only persistent domains" },
                OptDef { name: "list-transient", kind: Bool, required: false, positional: false, help: "list only transient domains" },
                OptDef { name: "list-running", kind: Bool, required: false, positional: false, help: "list only running domains" },
                OptDef { name: "list-paused", kind: Bool, required: false, positional: false, help: "list only paused domains" },
                OptDef { name: "list-shutoff", kind: Bool, required: false, positional: false, help: "list only shutoff domains" },
                OptDef { name: "list-other", kind: Bool, required: false, positional: false, help: "list only domains in other states" },
                OptDef { name: "raw", kind: Bool, required: false, positional: false, help: "do not pretty-print the fields" },
                OptDef { name: "enforce", kind: Bool, required: false, positional: false, help: "enforce requested stats parameters" },
                OptDef { name: "backing", kind: Bool, required: false, positional: false, help: "add backing chain information to block stats" },
                OptDef { name: "nowait", kind: Bool, required: false, positional: false, help: "report only stats that are accessible instantly" },
                OptDef { name: "domain", kind: Argv, required: false, positional: true, help: "list of domains to get stats for" },
            ],
            handler: crate::stats::domstats,
        },
        CmdDef {
            name: "list",
            info: "list domains",
            desc: Some("Returns list of domains."),
            opts: &[
                OptDef { name: "inactive", kind: Bool, required: false, positional: false, help: "list inactive domains" },
                OptDef { name: "all", kind: Bool, required: false, positional: false, help: "list inactive & active domains" },
                OptDef { name: "transient", kind: Bool, required: false, positional: false, help: "list transient domains" },
                OptDef { name: "persistent", kind: Bool, required: false, positional: false, help: "list persistent domains" },
                OptDef { name: "with-snapshot", kind: Bool, required: false, positional: false, help: "list domains with existing snapshot" },
                OptDef { name: "without-snapshot", kind: Bool, required: false, positional: false, help: "list domains without a snapshot" },
                OptDef { name: "with-checkpoint", kind: Bool, required: false, positional: false, help: "list domains with existing checkpoint" },
                OptDef { name: "without-checkpoint", kind: Bool, required: false, positional: false, help: "list domains without a checkpoint" },
                OptDef { name: "state-running", kind: Bool, required: false, positional: false, help: "list domains in running state" },
                OptDef { name: "state-paused", kind: Bool, required: false, positional: false, help: "list domains in paused state" },
                OptDef { name: "state-shutoff", kind: Bool, required: false, positional: false, help: "list domains in shutoff state" },
                OptDef { name: "state-other", kind: Bool, required: false, positional: false, help: "list domains in other states" },
                OptDef { name: "autostart", kind: Bool, required: false, positional: false, help: "list domains with autostart enabled" },
                OptDef { name: "no-autostart", kind: Bool, required: false, positional: false, help: "list domains with autostart disabled" },
                OptDef { name: "with-managed-save", kind: Bool, required: false, positional: false, help: "list domains with managed save state" },
                OptDef { name: "without-managed-save", kind: Bool, required: false, positional: false, help: "list domains without managed save" },
                OptDef { name: "uuid", kind: Bool, required: false, positional: false, help: "list uuid's only" },
                OptDef { name: "name", kind: Bool, required: false, positional: false, help: "list domain names only" },
                OptDef { name: "id", kind: Bool, required: false, positional: false, help: "list domain IDs only" },
                OptDef { name: "table", kind: Bool, required: false, positional: false, help: "list table (default)" },
                OptDef { name: "managed-save", kind: Bool, required: false, positional: false, help: "mark inactive domains with managed save state" },
                OptDef { name: "title", kind: Bool, required: false, positional: false, help: "show domain title" },
            ],
            handler: crate::domain::list,
        },
    ],
};
