//! The "Virsh itself" commands (`virsh help virsh`), in virsh's order.
//!
//! The texts are what Debian's virsh 9.0 prints for `virsh help CMD` (taken
//! from it by a one-off script), so that `help` output matches byte for
//! byte; each command names the function that runs it.

use super::{CmdDef, Group};
use crate::cmd::{OptDef, OptKind::*};

/// The "Virsh itself" group.
#[rustfmt::skip] // A table: one option a line reads best.
pub static GROUP: Group = Group {
    title: "Virsh itself",
    keyword: "virsh",
    commands: &[
        CmdDef {
            name: "cd",
            info: "change the current directory",
            desc: Some("Change the current directory."),
            opts: &[
                OptDef { name: "dir", kind: Str, required: false, positional: true, help: "directory to switch to (default: home or else root)" },
            ],
            handler: crate::builtin::cd,
        },
        CmdDef {
            name: "echo",
            info: "echo arguments. Used for internal testing.",
            desc: Some("Echo back arguments, possibly with quoting. Used for internal testing."),
            opts: &[
                OptDef { name: "shell", kind: Bool, required: false, positional: false, help: "escape for shell use" },
                OptDef { name: "xml", kind: Bool, required: false, positional: false, help: "escape for XML use" },
                OptDef { name: "split", kind: Bool, required: false, positional: false, help: "split each argument on ','; ',,' is an escape sequence" },
                OptDef { name: "err", kind: Bool, required: false, positional: false, help: "output to stderr" },
                OptDef { name: "string", kind: Argv, required: false, positional: true, help: "arguments to echo" },
            ],
            handler: crate::builtin::echo,
        },
        CmdDef {
            name: "exit",
            info: "quit this interactive terminal",
            desc: None,
            opts: &[],
            handler: crate::builtin::quit,
        },
        CmdDef {
            name: "help",
            info: "print help",
            desc: Some("Prints global help, command specific help, or help for a
    group of related commands"),
            opts: &[
                OptDef { name: "command", kind: Str, required: false, positional: true, help: "Prints global help, command specific help, or help for a group of related commands" },
            ],
            handler: super::help::help,
        },
        CmdDef {
            name: "pwd",
            info: "print the current directory",
            desc: Some("Print the current directory."),
            opts: &[],
            handler: crate::builtin::pwd,
        },
        CmdDef {
            name: "quit",
            info: "quit this interactive terminal",
            desc: None,
            opts: &[],
            handler: crate::builtin::quit,
        },
        CmdDef {
            name: "connect",
            info: "(re)connect to hypervisor",
            desc: Some("Connect to local hypervisor. This is built-in command after shell start up."),
            opts: &[
                OptDef { name: "name", kind: Str, required: false, positional: true, help: "hypervisor connection URI" },
                OptDef { name: "readonly", kind: Bool, required: false, positional: false, help: "read-only connection" },
            ],
            handler: crate::builtin::connect,
        },
    ],
};
