//! The "Checkpoint" commands (`virsh help checkpoint`), in virsh's order.
//!
//! The texts are what Debian's virsh 9.0 prints for `virsh help CMD`, so
//! that `help` output matches byte for byte; each command names the
//! function that runs it.

use super::{CmdDef, Group};
use crate::cmd::{OptDef, OptKind::*};

#[rustfmt::skip]
const DOMAIN: OptDef = OptDef { name: "domain", kind: Data, required: true, positional: true, help: "domain name, id or uuid" };
#[rustfmt::skip]
const NAME: OptDef = OptDef { name: "checkpointname", kind: Str, required: false, positional: true, help: "checkpoint name" };

/// The "Checkpoint" group.
#[rustfmt::skip] // A table: one option a line reads best.
pub static GROUP: Group = Group {
    title: "Checkpoint",
    keyword: "checkpoint",
    commands: &[
        CmdDef {
            name: "checkpoint-create",
            info: "Create a checkpoint from XML",
            desc: Some("Create a checkpoint from XML for use in future incremental backups"),
            opts: &[
                DOMAIN,
                OptDef { name: "xmlfile", kind: Str, required: false, positional: true, help: "domain checkpoint XML" },
                OptDef { name: "redefine", kind: Bool, required: false, positional: false, help: "redefine metadata for existing checkpoint" },
                OptDef { name: "redefine-validate", kind: Bool, required: false, positional: false, help: "validate the redefined checkpoint" },
                OptDef { name: "quiesce", kind: Bool, required: false, positional: false, help: "quiesce guest's file systems" },
            ],
            handler: crate::checkpoint::checkpoint_create,
        },
        CmdDef {
            name: "checkpoint-create-as",
            info: "Create a checkpoint from a set of args",
            desc: Some("Create a checkpoint from arguments for use in future incremental backups"),
            opts: &[
                DOMAIN,
                OptDef { name: "name", kind: Str, required: false, positional: true, help: "name of checkpoint" },
                OptDef { name: "description", kind: Str, required: false, positional: true, help: "description of checkpoint" },
                OptDef { name: "print-xml", kind: Bool, required: false, positional: false, help: "print XML document rather than create" },
                OptDef { name: "quiesce", kind: Bool, required: false, positional: false, help: "quiesce guest's file systems" },
                OptDef { name: "diskspec", kind: Argv, required: false, positional: true, help: "disk attributes: disk[,checkpoint=type][,bitmap=name]" },
            ],
            handler: crate::checkpoint::checkpoint_create_as,
        },
        CmdDef {
            name: "checkpoint-delete",
            info: "Delete a domain checkpoint",
            desc: Some("Checkpoint Delete"),
            opts: &[
                DOMAIN,
                NAME,
                OptDef { name: "children", kind: Bool, required: false, positional: false, help: "delete checkpoint and all children" },
                OptDef { name: "children-only", kind: Bool, required: false, positional: false, help: "delete children but not checkpoint" },
                OptDef { name: "metadata", kind: Bool, required: false, positional: false, help: "delete only libvirt metadata, leaving checkpoint contents behind" },
            ],
            handler: crate::moment::delete::<crate::moment::Checkpoint>,
        },
        CmdDef {
            name: "checkpoint-dumpxml",
            info: "Dump XML for a domain checkpoint",
            desc: Some("Checkpoint Dump XML"),
            opts: &[
                DOMAIN,
                NAME,
                OptDef { name: "security-info", kind: Bool, required: false, positional: false, help: "include security sensitive information in XML dump" },
                OptDef { name: "no-domain", kind: Bool, required: false, positional: false, help: "exclude <domain> from XML" },
                OptDef { name: "size", kind: Bool, required: false, positional: false, help: "include backup size estimate in XML dump" },
                OptDef { name: "xpath", kind: Str, required: false, positional: false, help: "xpath expression to filter the XML document" },
                OptDef { name: "wrap", kind: Bool, required: false, positional: false, help: "wrap xpath results in an common root element" },
            ],
            handler: crate::checkpoint::checkpoint_dumpxml,
        },
        CmdDef {
            name: "checkpoint-edit",
            info: "edit XML for a checkpoint",
            desc: Some("Edit the domain checkpoint XML for a named checkpoint"),
            opts: &[DOMAIN, NAME],
            handler: crate::checkpoint::checkpoint_edit,
        },
        CmdDef {
            name: "checkpoint-info",
            info: "checkpoint information",
            desc: Some("Returns basic information about a checkpoint."),
            opts: &[DOMAIN, NAME],
            handler: crate::checkpoint::checkpoint_info,
        },
        CmdDef {
            name: "checkpoint-list",
            info: "List checkpoints for a domain",
            desc: Some("Checkpoint List"),
            opts: &[
                DOMAIN,
                OptDef { name: "parent", kind: Bool, required: false, positional: false, help: "add a column showing parent checkpoint" },
                OptDef { name: "roots", kind: Bool, required: false, positional: false, help: "list only checkpoints without parents" },
                OptDef { name: "leaves", kind: Bool, required: false, positional: false, help: "list only checkpoints without children" },
                OptDef { name: "no-leaves", kind: Bool, required: false, positional: false, help: "list only checkpoints that are not leaves (with children)" },
                OptDef { name: "tree", kind: Bool, required: false, positional: false, help: "list checkpoints in a tree" },
                OptDef { name: "from", kind: Str, required: false, positional: true, help: "limit list to children of given checkpoint" },
                OptDef { name: "descendants", kind: Bool, required: false, positional: false, help: "with --from, list all descendants" },
                OptDef { name: "name", kind: Bool, required: false, positional: false, help: "list checkpoint names only" },
                OptDef { name: "topological", kind: Bool, required: false, positional: false, help: "sort list topologically rather than by name" },
            ],
            handler: crate::moment::list::<crate::moment::Checkpoint>,
        },
        CmdDef {
            name: "checkpoint-parent",
            info: "Get the name of the parent of a checkpoint",
            desc: Some("Extract the checkpoint's parent, if any"),
            opts: &[
                DOMAIN,
                OptDef { name: "checkpointname", kind: Str, required: false, positional: true, help: "find parent of checkpoint name" },
            ],
            handler: crate::moment::parent::<crate::moment::Checkpoint>,
        },
    ],
};
