//! The command table: every command virsh knows, with its help texts, its
//! options and the function that runs it, one file per help group, in
//! virsh's order. A command is named once, in its group's file; parsing,
//! running, `help` and completion all read it from here.

use crate::cmd::{Cmd, OptDef};
use crate::ctl::{CmdResult, Ctl};

mod checkpoint;
mod domain;
mod events;
pub mod help;
mod host;
mod interface;
mod monitor;
mod network;
mod nodedev;
mod pool;
mod snapshot;
mod virsh;
mod volume;

/// What runs a command once its words are bound to its options.
pub type Handler = fn(&mut Ctl, &Cmd) -> CmdResult;

/// A command: name, help texts, options, and what runs it.
#[derive(Debug)]
pub struct CmdDef {
    /// The command word.
    pub name: &'static str,
    /// One-line summary shown in the command list.
    pub info: &'static str,
    /// Longer description for `help CMD`.
    pub desc: Option<&'static str>,
    /// The options, in declaration order (positional order).
    pub opts: &'static [OptDef],
    /// The function that runs it.
    pub handler: Handler,
}

/// A group of commands in `help`.
#[derive(Debug)]
pub struct Group {
    /// The heading.
    pub title: &'static str,
    /// The word `help KEYWORD` accepts.
    pub keyword: &'static str,
    /// Its commands, in virsh's order.
    pub commands: &'static [CmdDef],
}

/// Command groups, in virsh's order.
pub static GROUPS: &[&Group] = &[
    &domain::GROUP,
    &monitor::GROUP,
    &events::GROUP,
    &host::GROUP,
    &checkpoint::GROUP,
    &interface::GROUP,
    &network::GROUP,
    &nodedev::GROUP,
    &snapshot::GROUP,
    &pool::GROUP,
    &volume::GROUP,
    &virsh::GROUP,
];

/// Every command, group by group.
pub fn commands() -> impl Iterator<Item = &'static CmdDef> {
    GROUPS.iter().flat_map(|g| g.commands.iter())
}

/// Find a command by name.
pub fn find_command(name: &str) -> Option<&'static CmdDef> {
    commands().find(|c| c.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_named_once() {
        let mut names: Vec<&str> = commands().map(|c| c.name).collect();
        let all = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all, "a command is defined twice");
    }
}
