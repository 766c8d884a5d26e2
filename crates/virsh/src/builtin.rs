//! Commands of virsh itself: echo, pwd, cd, connect, quit (help is with
//! the command table, in `defs::help`).

use crate::cmd::Cmd;
use crate::ctl::{CmdResult, Ctl};

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
