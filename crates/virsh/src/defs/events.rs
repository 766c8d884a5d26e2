//! The "Domain Events" commands (`virsh help events`), in virsh's order.
//!
//! The texts are what Debian's virsh 9.0 prints for `virsh help CMD` (taken
//! from it by a one-off script), so that `help` output matches byte for
//! byte; each command names the function that runs it.

use super::{CmdDef, Group};
use crate::cmd::{OptDef, OptKind::*};

/// The "Domain Events" group.
#[rustfmt::skip] // A table: one option a line reads best.
pub static GROUP: Group = Group {
    title: "Domain Events",
    keyword: "events",
    commands: &[CmdDef {
        name: "event",
        info: "Domain Events",
        desc: Some("List event types, or wait for domain events to occur"),
        opts: &[
            OptDef { name: "domain", kind: Str, required: false, positional: true, help: "filter by domain name, id or uuid" },
            OptDef { name: "event", kind: Str, required: false, positional: true, help: "which event type to wait for" },
            OptDef { name: "all", kind: Bool, required: false, positional: false, help: "wait for all events instead of just one type" },
            OptDef { name: "loop", kind: Bool, required: false, positional: false, help: "loop until timeout or interrupt, rather than one-shot" },
            OptDef { name: "timeout", kind: Int, required: false, positional: true, help: "timeout seconds" },
            OptDef { name: "list", kind: Bool, required: false, positional: false, help: "list valid event types" },
            OptDef { name: "timestamp", kind: Bool, required: false, positional: false, help: "show timestamp for each printed event" },
        ],
        handler: crate::event::event,
    }],
};
