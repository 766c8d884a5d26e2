//! Running commands, and the interactive shell.

use crate::cmd::Cmd;
use crate::ctl::Ctl;
use crate::defs::find_command;
use crate::opts;
use std::io::BufRead;
use std::time::Instant;

/// Run parsed commands in order; true when the last one succeeded.
pub fn run(ctl: &mut Ctl, cmds: &[Cmd]) -> bool {
    let mut ok = true;
    for cmd in cmds {
        let name = cmd.name;
        let start = Instant::now();
        let r = match find_command(name) {
            Some(def) => (def.handler)(ctl, cmd),
            None => Err(ctl.fail_msg(&format!("unknown command: '{name}'"))),
        };
        ok = r.is_ok();
        if let Err(f) = r {
            if let Some(e) = f.lib {
                ctl.error(&e.message);
            }
        }
        virt_core::reset_last_error();
        if name == "quit" || name == "exit" {
            break;
        }
        if ctl.timing {
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            ctl.print(&format!("\n(Time: {ms:.3} ms)\n\n"));
        } else {
            ctl.print_extra("\n");
        }
    }
    ctl.flush();
    ok
}

/// Print parse errors as virsh does.
pub fn report_parse(ctl: &mut Ctl, errs: &[String]) {
    for e in errs {
        ctl.error(e);
    }
}

/// True when the effective user is root (the owner of /proc/self).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Where the shell keeps its history, as virsh 9: the user cache directory.
fn history_path() -> Option<std::path::PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(d) => std::path::PathBuf::from(d),
        None => std::path::PathBuf::from(std::env::var_os("HOME")?).join(".cache"),
    };
    Some(base.join("virsh").join("history"))
}

fn run_line(ctl: &mut Ctl, line: &str) {
    match opts::parse_string(line) {
        Ok(cmds) => {
            run(ctl, &cmds);
        }
        Err(errs) => {
            ctl.flush();
            report_parse(ctl, &errs);
        }
    }
}

/// The interactive shell: a banner, then one command line per prompt
/// until `quit`, `exit` or end of input.
pub fn interactive(ctl: &mut Ctl) {
    use std::io::IsTerminal;
    ctl.imode = true;
    if !ctl.quiet {
        ctl.print(
            "Welcome to virsh, the virtualization interactive terminal.\n\n\
Type:  'help' for help with commands\n       'quit' to quit\n\n",
        );
    }
    let prompt = if is_root() { "virsh # " } else { "virsh > " };
    if std::io::stdin().is_terminal() {
        ctl.flush();
        let config = rustyline::Config::builder()
            .completion_type(rustyline::CompletionType::List)
            .build();
        let mut editor = rustyline::Editor::<
            crate::complete::VirshHelper,
            rustyline::history::DefaultHistory,
        >::with_config(config)
        .ok();
        if let Some(ed) = editor.as_mut() {
            ed.set_helper(Some(crate::complete::VirshHelper::new()));
        }
        let history = history_path();
        if let (Some(ed), Some(h)) = (editor.as_mut(), history.as_ref()) {
            let _ = ed.load_history(h);
        }
        if let Some(ed) = editor.as_mut() {
            while ctl.imode {
                // Names complete from the connection open now.
                if let Some(h) = ed.helper_mut() {
                    h.conn = ctl.conn.clone();
                }
                match ed.readline(prompt) {
                    Ok(line) => {
                        if !line.trim().is_empty() {
                            let _ = ed.add_history_entry(line.as_str());
                            run_line(ctl, &line);
                        }
                    }
                    Err(rustyline::error::ReadlineError::Interrupted) => continue,
                    Err(_) => break,
                }
            }
            if let Some(h) = history.as_ref() {
                if let Some(dir) = h.parent() {
                    let _ = std::fs::create_dir_all(dir);
                }
                let _ = ed.save_history(h);
            }
            ctl.print("\n");
            ctl.flush();
            return;
        }
    }
    // Not a terminal: echo each line after the prompt, as readline does.
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut line = String::new();
    while ctl.imode {
        ctl.print(prompt);
        line.clear();
        match input.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = line.strip_suffix('\n').unwrap_or(&line).to_string();
        ctl.print(&text);
        ctl.print("\n");
        ctl.flush();
        if !text.trim().is_empty() {
            run_line(ctl, &text);
        }
    }
    ctl.print("\n");
    ctl.flush();
}
