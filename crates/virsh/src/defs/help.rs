//! virsh's help texts: `help`, `help GROUP`, `help CMD`, `CMD --help` and
//! the command list of `virsh --help`, all written from the command table.

use super::{find_command, CmdDef, Group, GROUPS};
use crate::cmd::{Cmd, OptKind};
use crate::ctl::{CmdResult, Ctl};

fn group_lines(g: &Group) -> String {
    let mut s = String::new();
    for c in g.commands {
        s.push_str(&format!("    {:<30} {}\n", c.name, c.info));
    }
    s
}

/// The command list of `virsh --help`.
pub fn usage() -> String {
    let mut s = String::from(
        "\nvirsh [options]... [<command_string>]\n\
virsh [options]... <command> [args...]\n\n\
  options:\n\
    -c | --connect=URI      hypervisor connection URI\n\
    -d | --debug=NUM        debug level [0-4]\n\
    -e | --escape <char>    set escape sequence for console\n\
    -h | --help             this help\n\
    -k | --keepalive-interval=NUM\n\
                            keepalive interval in seconds, 0 for disable\n\
    -K | --keepalive-count=NUM\n\
                            number of possible missed keepalive messages\n\
    -l | --log=FILE         output logging to file\n\
    -q | --quiet            quiet mode\n\
    -r | --readonly         connect readonly\n\
    -t | --timing           print timing information\n\
    -v                      short version\n\
    -V                      long version\n\
         --version[=TYPE]   version, TYPE is short or long (default short)\n\
  commands (non interactive mode):\n\n",
    );
    for g in GROUPS {
        s.push_str(&format!(" {} (help keyword '{}')\n", g.title, g.keyword));
        s.push_str(&group_lines(g));
        s.push('\n');
    }
    s.push_str(
        "\n  (specify help <group> for details about the commands in the group)\n\n  \
(specify help <command> for details about the command)\n\n",
    );
    s
}

/// `help [COMMAND|GROUP]`.
pub fn help(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    match cmd.raw("command") {
        None => {
            let mut s = String::from("Grouped commands:\n\n");
            for g in GROUPS {
                s.push_str(&format!(" {} (help keyword '{}'):\n", g.title, g.keyword));
                s.push_str(&group_lines(g));
                s.push('\n');
            }
            ctl.print(&s);
            Ok(())
        }
        Some(name) => {
            if let Some(c) = find_command(name) {
                ctl.print(&command_help(c));
                return Ok(());
            }
            if let Some(g) = GROUPS.iter().find(|g| g.keyword == name) {
                let s = format!(
                    " {} (help keyword '{}'):\n{}",
                    g.title,
                    g.keyword,
                    group_lines(g)
                );
                ctl.print(&s);
                return Ok(());
            }
            Err(ctl.fail_msg(&format!("command or command group '{name}' doesn't exist")))
        }
    }
}

/// The text of `help CMD`.
pub fn command_help(def: &CmdDef) -> String {
    let mut s = format!(
        "  NAME\n    {} - {}\n\n  SYNOPSIS\n    {}",
        def.name, def.info, def.name
    );
    for o in def.opts {
        let n = o.name;
        let part = match (o.kind, o.required) {
            (OptKind::Bool, _) => format!(" [--{n}]"),
            (OptKind::Argv, true) => format!(" [--{n}] <string>..."),
            // virsh writes these lists by their bare name (echo's words,
            // domstats' domains).
            (OptKind::Argv, false) if matches!(n, "string" | "domain") => format!(" [<{n}>]..."),
            (OptKind::Argv, false) => format!(" [[--{n}] <string>]..."),
            (OptKind::Data, true) | (OptKind::Int | OptKind::Str, true) => format!(" <{n}>"),
            (OptKind::Data, false) => format!(" [<{n}>]"),
            (k, false) => format!(" [--{n} <{}>]", k.value_word()),
        };
        s.push_str(&part);
    }
    s.push_str("\n\n");
    if let Some(d) = def.desc {
        s.push_str("  DESCRIPTION\n");
        for line in d.split('\n') {
            s.push_str("    ");
            s.push_str(line);
            s.push('\n');
        }
        s.push('\n');
    }
    if !def.opts.is_empty() {
        s.push_str("  OPTIONS\n");
        for o in def.opts {
            let n = o.name;
            let shown = match (o.kind, o.required) {
                (OptKind::Bool, _) => format!("--{n}"),
                (OptKind::Argv, _) if matches!(n, "string" | "domain") => format!("<{n}>"),
                (OptKind::Argv, _) | (OptKind::Data, _) => format!("[--{n}] <string>"),
                (k, true) => format!("[--{n}] <{}>", k.value_word()),
                (k, false) => format!("--{n} <{}>", k.value_word()),
            };
            s.push_str(&format!("    {shown:<15}  {}\n", o.help));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_text_layout() {
        let h = find_command("setvcpus")
            .map(command_help)
            .unwrap_or_default();
        assert!(h.contains("    setvcpus <domain> <count> [--maximum]"));
        assert!(h.contains("    [--count] <number>  number of virtual CPUs\n"));
        assert!(h.contains("    --maximum        set maximum limit on next boot\n"));
        let h = find_command("uri").map(command_help).unwrap_or_default();
        assert!(h.ends_with("    uri\n\n"));
    }
}
