//! Commands of virsh itself: help, echo, pwd, cd, connect, quit.

use crate::ctl::{CmdResult, Ctl};
use crate::defs::{COMMANDS, GROUPS};
use crate::opts::{command_help, find_command, Cmd, Group};

fn group_lines(g: &Group) -> String {
    let mut s = String::new();
    for name in g.commands {
        if let Some(c) = find_command(name) {
            s.push_str(&format!("    {:<30} {}\n", c.name, c.info));
        }
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
            if let Some(c) = COMMANDS.iter().find(|c| c.name == name) {
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

/// Quote a word for a POSIX shell when it needs quoting.
fn shell_quote(s: &str) -> String {
    const SPECIAL: &[char] = &[
        '\r', '\t', '\n', ' ', '!', '"', '#', '$', '&', '\'', '(', ')', '*', ';', '<', '>', '?',
        '[', '\\', ']', '^', '`', '{', '|', '}', '~',
    ];
    if !s.is_empty() && !s.contains(SPECIAL) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `echo`: print the arguments (used to test quoting).
pub fn echo(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let mut words: Vec<String> = Vec::new();
    for arg in cmd.all("string") {
        let parts: Vec<String> = if cmd.has("split") {
            arg.replace(",,", "\u{0}")
                .split(',')
                .map(|p| p.replace('\u{0}', ","))
                .collect()
        } else {
            vec![arg.to_string()]
        };
        for mut p in parts {
            if cmd.has("xml") {
                p = virt_xml::escape(&p);
            }
            if cmd.has("shell") {
                p = shell_quote(&p);
            }
            words.push(p);
        }
    }
    let text = if cmd.has("split") {
        words.iter().map(|w| format!("{w}\n")).collect()
    } else {
        words.join(" ")
    };
    if cmd.has("err") {
        ctl.error(&text);
    } else {
        ctl.print(&text);
    }
    Ok(())
}

/// `pwd`.
pub fn pwd(ctl: &mut Ctl, _cmd: &Cmd) -> CmdResult {
    match std::env::current_dir() {
        Ok(d) => {
            ctl.print(&format!("{}\n", d.display()));
            Ok(())
        }
        Err(e) => Err(ctl.fail_msg(&format!(
            "pwd: cannot get current directory: {}",
            virt_core::error::io_error_text(&e)
        ))),
    }
}

/// `cd` (interactive mode only, as in virsh).
pub fn cd(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    if !ctl.imode {
        return Err(ctl.fail_msg("cd: command valid only in interactive mode"));
    }
    let dir = match ctl.opt_str(cmd, "dir")? {
        Some(d) => d.to_string(),
        None => std::env::var("HOME").unwrap_or_else(|_| "/".into()),
    };
    std::env::set_current_dir(&dir).map_err(|e| {
        ctl.fail_msg(&format!(
            "cd: {}: {}",
            virt_core::error::io_error_text(&e),
            dir
        ))
    })
}

/// `connect [URI] [--readonly]`.
pub fn connect(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    if let Some(name) = ctl.opt_str(cmd, "name")? {
        ctl.uri = Some(name.to_string());
    }
    ctl.conn = None;
    let uri = ctl.uri.clone();
    let ro = cmd.has("readonly");
    ctl.connect(uri.as_deref(), ro)
}

/// `quit` and `exit`.
pub fn quit(ctl: &mut Ctl, _cmd: &Cmd) -> CmdResult {
    ctl.imode = false;
    Ok(())
}
