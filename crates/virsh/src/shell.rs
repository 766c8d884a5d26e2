//! Running commands, and the interactive shell.

use crate::ctl::{CmdResult, Ctl};
use crate::opts::{self, Cmd};
use crate::{builtin, console, device, domain, edit, event, host, network, node, stats, storage};
use std::io::BufRead;
use std::time::Instant;

fn handler(name: &str) -> Option<fn(&mut Ctl, &Cmd) -> CmdResult> {
    Some(match name {
        "list" => domain::list,
        "dominfo" => domain::dominfo,
        "domstate" => domain::domstate,
        "event" => event::event,
        "domid" => domain::domid,
        "domname" => domain::domname,
        "domuuid" => domain::domuuid,
        "dumpxml" => domain::dumpxml,
        "edit" => edit::domain,
        "create" => domain::create,
        "define" => domain::define,
        "undefine" => domain::undefine,
        "start" => domain::start,
        "shutdown" => domain::shutdown,
        "reboot" => domain::reboot,
        "destroy" => domain::destroy,
        "suspend" => domain::suspend,
        "resume" => domain::resume,
        "save" => domain::save,
        "restore" => domain::restore,
        "dump" => domain::dump,
        "setmem" => domain::setmem,
        "setmaxmem" => domain::setmaxmem,
        "setvcpus" => domain::setvcpus,
        "vcpucount" => domain::vcpucount,
        "vcpuinfo" => domain::vcpuinfo,
        "vcpupin" => domain::vcpupin,
        "autostart" => domain::autostart,
        "schedinfo" => domain::schedinfo,
        "domblklist" => domain::domblklist,
        "domiflist" => domain::domiflist,
        "console" => console::console,
        "attach-device" => device::attach_device,
        "detach-device" => device::detach_device,
        "update-device" => device::update_device,
        "attach-disk" => device::attach_disk,
        "detach-disk" => device::detach_disk,
        "attach-interface" => device::attach_interface,
        "detach-interface" => device::detach_interface,
        "domstats" => stats::domstats,
        "nodeinfo" => node::nodeinfo,
        "capabilities" => node::capabilities,
        "freecell" => node::freecell,
        "nodecpumap" => node::nodecpumap,
        "version" => node::version,
        "uri" => node::uri,
        "hostname" => node::hostname,
        "iface-list" => host::iface_list,
        "iface-name" => host::iface_name,
        "iface-mac" => host::iface_mac,
        "iface-dumpxml" => host::iface_dumpxml,
        "iface-define" => host::iface_define,
        "iface-undefine" => host::iface_undefine,
        "iface-start" => host::iface_start,
        "iface-destroy" => host::iface_destroy,
        "iface-begin" => host::iface_begin,
        "iface-commit" => host::iface_commit,
        "iface-rollback" => host::iface_rollback,
        "nodedev-list" => host::nodedev_list,
        "nodedev-dumpxml" => host::nodedev_dumpxml,
        "nodedev-create" => host::nodedev_create,
        "nodedev-destroy" => host::nodedev_destroy,
        "nodedev-define" => host::nodedev_define,
        "nodedev-undefine" => host::nodedev_undefine,
        "nodedev-start" => host::nodedev_start,
        "net-list" => network::net_list,
        "net-info" => network::net_info,
        "net-dumpxml" => network::net_dumpxml,
        "pool-list" => storage::pool_list,
        "pool-info" => storage::pool_info,
        "pool-dumpxml" => storage::pool_dumpxml,
        "pool-edit" => storage::pool_edit,
        "pool-autostart" => storage::pool_autostart,
        "pool-build" => storage::pool_build,
        "pool-create" => storage::pool_create,
        "pool-create-as" => storage::pool_create_as,
        "pool-define" => storage::pool_define,
        "pool-define-as" => storage::pool_define_as,
        "pool-delete" => storage::pool_delete,
        "pool-destroy" => storage::pool_destroy,
        "pool-name" => storage::pool_name,
        "pool-refresh" => storage::pool_refresh,
        "pool-start" => storage::pool_start,
        "pool-undefine" => storage::pool_undefine,
        "pool-uuid" => storage::pool_uuid,
        "vol-clone" => storage::vol_clone,
        "vol-create" => storage::vol_create,
        "vol-create-as" => storage::vol_create_as,
        "vol-create-from" => storage::vol_create_from,
        "vol-delete" => storage::vol_delete,
        "vol-dumpxml" => storage::vol_dumpxml,
        "vol-info" => storage::vol_info,
        "vol-key" => storage::vol_key,
        "vol-list" => storage::vol_list,
        "vol-name" => storage::vol_name,
        "vol-path" => storage::vol_path,
        "vol-pool" => storage::vol_pool,
        "vol-resize" => storage::vol_resize,
        "vol-wipe" => storage::vol_wipe,
        "vol-upload" => storage::vol_upload,
        "vol-download" => storage::vol_download,
        "net-create" => network::net_create,
        "net-define" => network::net_define,
        "net-destroy" => network::net_destroy,
        "net-start" => network::net_start,
        "net-undefine" => network::net_undefine,
        "net-name" => network::net_name,
        "net-uuid" => network::net_uuid,
        "net-autostart" => network::net_autostart,
        "net-edit" => network::net_edit,
        "net-update" => network::net_update,
        "net-dhcp-leases" => network::net_dhcp_leases,
        "help" => builtin::help,
        "echo" => builtin::echo,
        "pwd" => builtin::pwd,
        "cd" => builtin::cd,
        "connect" => builtin::connect,
        "quit" | "exit" => builtin::quit,
        _ => return None,
    })
}

/// Run parsed commands in order; true when the last one succeeded.
pub fn run(ctl: &mut Ctl, cmds: &[Cmd]) -> bool {
    let mut ok = true;
    for cmd in cmds {
        let name = cmd.def.name;
        let start = Instant::now();
        let r = match handler(name) {
            Some(h) => h(ctl, cmd),
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
