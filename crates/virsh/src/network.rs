//! Network commands.

use crate::cmd::Cmd;
use crate::ctl::{CmdResult, Ctl, Failure};
use crate::domain::read_file;
use crate::table::Table;
use virt_core::{network_update, Network};

/// Filter flags shared by `net-list` and `pool-list` (libvirt uses the same
/// numbers for both): inactive 1, active 2, persistent 4, transient 8,
/// autostart 16, no autostart 32.
pub(crate) fn list_flags(cmd: &Cmd) -> u32 {
    let mut flags = if cmd.has("all") {
        0
    } else if cmd.has("inactive") {
        1
    } else {
        2
    };
    for (name, f) in [
        ("persistent", 4),
        ("transient", 8),
        ("autostart", 16),
        ("no-autostart", 32),
    ] {
        if cmd.has(name) {
            flags |= f;
        }
    }
    flags
}

fn yes_no(r: virt_core::Result<bool>) -> String {
    match r {
        Ok(true) => "yes".into(),
        Ok(false) => "no".into(),
        Err(_) => "-".into(),
    }
}

/// `net-list`.
pub fn net_list(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let modes = ["table", "name", "uuid"]
        .iter()
        .filter(|m| cmd.has(m))
        .count();
    if modes > 1 {
        return Err(
            ctl.fail_msg("Only one argument from --table, --name and --uuid may be specified.")
        );
    }
    let conn = ctl.conn()?;
    let mut nets = conn
        .list_all_networks(list_flags(cmd))
        .map_err(|e| ctl.fail("Failed to list networks", e))?;
    nets.sort_by_key(|n| n.name().to_ascii_lowercase());
    if cmd.has("name") || cmd.has("uuid") {
        let mut s = String::new();
        for n in &nets {
            if cmd.has("uuid") {
                s.push_str(&format!("{}\n", n.uuid().hyphenated()));
            } else {
                s.push_str(&format!("{}\n", n.name()));
            }
        }
        ctl.print(&s);
        return Ok(());
    }
    let mut t = Table::new(&["Name", "State", "Autostart", "Persistent"]);
    for n in &nets {
        let state = if n.is_active().unwrap_or(false) {
            "active"
        } else {
            "inactive"
        };
        t.row(vec![
            n.name().to_string(),
            state.into(),
            yes_no(n.autostart()),
            yes_no(n.is_persistent()),
        ]);
    }
    let with_header = !ctl.quiet;
    ctl.print(&t.render(with_header));
    Ok(())
}

/// True when `s` has the shape of a dashed UUID, which virsh tries as a
/// UUID before trying it as a name.
pub(crate) fn uuid_shaped(s: &str) -> bool {
    s.len() == 36 && virt_core::parse_uuid(s).is_ok()
}

/// Find a network by UUID (when the argument has a UUID's shape), then by
/// name, as virsh does; the last lookup's error is the one reported.
fn lookup_network(ctl: &mut Ctl, cmd: &Cmd) -> Result<Network, Failure> {
    lookup_network_by(ctl, cmd, true, true)
}

fn lookup_network_by(
    ctl: &mut Ctl,
    cmd: &Cmd,
    by_uuid: bool,
    by_name: bool,
) -> Result<Network, Failure> {
    let name = ctl.req_str(cmd, "network")?.to_string();
    let conn = ctl.conn()?;
    let mut last = None;
    if by_uuid && uuid_shaped(&name) {
        match conn.network_lookup_by_uuid_string(&name) {
            Ok(n) => return Ok(n),
            Err(e) => last = Some(e),
        }
    }
    if by_name {
        match conn.network_lookup_by_name(&name) {
            Ok(n) => return Ok(n),
            Err(e) => last = Some(e),
        }
    }
    let msg = format!("failed to get network '{name}'");
    match last {
        Some(e) => Err(ctl.fail(&msg, e)),
        None => Err(ctl.fail_msg(&msg)),
    }
}

/// `net-info`.
pub fn net_info(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let net = lookup_network(ctl, cmd)?;
    let mut s = String::new();
    let row = |s: &mut String, k: &str, v: &str| s.push_str(&format!("{k:<15} {v}\n"));
    row(&mut s, "Name:", net.name());
    row(&mut s, "UUID:", &net.uuid().hyphenated().to_string());
    if let Ok(active) = net.is_active() {
        row(&mut s, "Active:", if active { "yes" } else { "no" });
    }
    let persistent = match net.is_persistent() {
        Ok(true) => "yes",
        Ok(false) => "no",
        Err(_) => "unknown",
    };
    row(&mut s, "Persistent:", persistent);
    let autostart = match net.autostart() {
        Ok(true) => "yes",
        Ok(false) => "no",
        Err(_) => "no autostart",
    };
    row(&mut s, "Autostart:", autostart);
    if let Ok(bridge) = net.bridge_name() {
        row(&mut s, "Bridge:", &bridge);
    }
    virt_core::reset_last_error();
    ctl.print(&s);
    Ok(())
}

/// `net-dumpxml`.
pub fn net_dumpxml(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let net = lookup_network(ctl, cmd)?;
    if ctl.opt_str(cmd, "xpath")?.is_some() {
        return Err(ctl.fail_msg("XPath filtering is not supported by this virsh"));
    }
    let flags = if cmd.has("inactive") {
        virt_core::network_xml_flags::INACTIVE
    } else {
        0
    };
    let xml = net.xml_desc(flags)?;
    ctl.print(&xml);
    Ok(())
}

/// `net-create` and `net-define`: a network from an XML file.
fn from_file(ctl: &mut Ctl, cmd: &Cmd, define: bool) -> CmdResult {
    let file = ctl.req_str(cmd, "file")?.to_string();
    let xml = read_file(&file)?;
    let flags = if cmd.has("validate") {
        virt_core::network_define_flags::VALIDATE
    } else {
        0
    };
    let conn = ctl.conn()?;
    let (r, done, failed) = if define {
        (conn.network_define_xml(&xml, flags), "defined", "define")
    } else {
        (conn.network_create_xml(&xml, flags), "created", "create")
    };
    match r {
        Ok(n) => {
            ctl.print_extra(&format!("Network {} {done} from {file}\n", n.name()));
            Ok(())
        }
        Err(e) => Err(ctl.fail(&format!("Failed to {failed} network from {file}"), e)),
    }
}

/// `net-create`.
pub fn net_create(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    from_file(ctl, cmd, false)
}

/// `net-define`.
pub fn net_define(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    from_file(ctl, cmd, true)
}

/// The network commands that run one call and print one line.
fn simple(
    ctl: &mut Ctl,
    cmd: &Cmd,
    call: fn(&Network) -> virt_core::Result<()>,
    done: &str,
    failed: &str,
) -> CmdResult {
    let net = lookup_network(ctl, cmd)?;
    // virsh names the network as the user did (name or UUID).
    let name = ctl.req_str(cmd, "network")?.to_string();
    match call(&net) {
        Ok(()) => {
            ctl.print_extra(&format!("Network {name} {done}\n"));
            Ok(())
        }
        Err(e) => Err(ctl.fail(&format!("Failed to {failed} network {name}"), e)),
    }
}

/// `net-start`.
pub fn net_start(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    simple(ctl, cmd, Network::create, "started", "start")
}

/// `net-destroy`.
pub fn net_destroy(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    simple(ctl, cmd, Network::destroy, "destroyed", "destroy")
}

/// `net-undefine`.
pub fn net_undefine(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    simple(
        ctl,
        cmd,
        Network::undefine,
        "has been undefined",
        "undefine",
    )
}

/// `net-autostart`.
pub fn net_autostart(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let net = lookup_network(ctl, cmd)?;
    let on = !cmd.has("disable");
    let name = ctl.req_str(cmd, "network")?.to_string();
    if let Err(e) = net.set_autostart(on) {
        let msg = if on {
            format!("failed to mark network {name} as autostarted")
        } else {
            format!("failed to unmark network {name} as autostarted")
        };
        return Err(ctl.fail(&msg, e));
    }
    let verb = if on { "marked" } else { "unmarked" };
    ctl.print_extra(&format!("Network {name} {verb} as autostarted\n"));
    Ok(())
}

/// `net-name`: by UUID only.
pub fn net_name(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let net = lookup_network_by(ctl, cmd, true, false)?;
    ctl.print(&format!("{}\n", net.name()));
    Ok(())
}

/// `net-uuid`: by name only.
pub fn net_uuid(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let net = lookup_network_by(ctl, cmd, false, true)?;
    ctl.print(&format!("{}\n", net.uuid_string()));
    Ok(())
}

/// `net-update`.
pub fn net_update(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    ctl.exclusive(cmd, "current", "live")?;
    ctl.exclusive(cmd, "current", "config")?;
    let net = lookup_network(ctl, cmd)?;
    let command_word = ctl.req_str(cmd, "command")?.to_string();
    let command = match command_word.as_str() {
        "add" => Some(network_update::ADD_LAST),
        w => network_update::COMMANDS
            .iter()
            .position(|c| *c == w)
            .filter(|&i| i > 0)
            .map(|i| i as u32),
    };
    let Some(command) = command else {
        return Err(ctl.fail_msg(&format!("unrecognized command name '{command_word}'")));
    };
    let section_word = ctl.req_str(cmd, "section")?.to_string();
    let section = network_update::SECTIONS
        .iter()
        .position(|c| *c == section_word)
        .filter(|&i| i > 0);
    let Some(section) = section else {
        return Err(ctl.fail_msg(&format!("unrecognized section name '{section_word}'")));
    };
    let parent_index = match cmd.raw("parent-index") {
        None => -1,
        Some(v) => match crate::ctl::parse_signed(v).and_then(|n| i32::try_from(n).ok()) {
            Some(n) => n,
            None => {
                return Err(ctl.fail_msg(&format!(
                    "Numeric value '{v}' for <parent-index> option is malformed or out of range"
                )))
            }
        },
    };
    let xml_arg = ctl.req_str(cmd, "xml")?.to_string();
    let xml = if xml_arg.starts_with('<') {
        xml_arg
    } else {
        read_file(&xml_arg)?
    };
    let (live, config) = (cmd.has("live"), cmd.has("config"));
    let mut flags = 0;
    if live {
        flags |= network_update::AFFECT_LIVE;
    }
    if config {
        flags |= network_update::AFFECT_CONFIG;
    }
    let name = net.name().to_string();
    if let Err(e) = net.update(command, section as u32, parent_index, &xml, flags) {
        return Err(ctl.fail(&format!("Failed to update network {name}"), e));
    }
    let what = match (live, config) {
        (true, true) => "persistent config and live state",
        (false, true) => "persistent config",
        (true, false) => "live state",
        (false, false) => {
            if net.is_active().unwrap_or(false) {
                "live state"
            } else {
                "persistent config"
            }
        }
    };
    ctl.print_extra(&format!("Updated network {name} {what}"));
    Ok(())
}

/// `net-edit`: the definition in `$VISUAL`/`$EDITOR` (default vi), then
/// defined again when changed.
pub fn net_edit(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let net = lookup_network(ctl, cmd)?;
    let name = net.name().to_string();
    // The persistent definition.
    let flags =
        crate::edit::inactive_flag(virt_core::network_xml_flags::INACTIVE, |f| net.xml_desc(f))?;
    let conn = ctl.conn()?;
    crate::edit::edit(
        ctl,
        &name,
        crate::edit::Editable {
            subject: |n| format!("Network {n}"),
            xml: Box::new(|| net.xml_desc(flags)),
            define: Box::new(|xml, _| {
                conn.network_define_xml(xml, 0)
                    .map(|n| n.name().to_string())
            }),
            validates: false,
            define_unchanged: false,
        },
    )
}

/// `net-dhcp-leases`: virsh's table of the leases, sorted by MAC address.
pub fn net_dhcp_leases(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let mac = ctl.opt_str(cmd, "mac")?.map(str::to_string);
    let net = lookup_network(ctl, cmd)?;
    let name = net.name().to_string();
    let mut leases = match net.dhcp_leases(mac.as_deref(), 0) {
        Ok(l) => l,
        Err(e) => return Err(ctl.fail(&format!("Failed to get leases info for {name}"), e)),
    };
    leases.sort_by(|a, b| a.mac.cmp(&b.mac));
    let mut t = Table::new(&[
        "Expiry Time",
        "MAC address",
        "Protocol",
        "IP address",
        "Hostname",
        "Client ID or DUID",
    ]);
    for l in &leases {
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        t.row(vec![
            local_time(l.expiry_time),
            dash(&l.mac),
            if l.addr_type == 1 { "ipv6" } else { "ipv4" }.into(),
            format!("{}/{}", l.ip_addr, l.prefix),
            dash(&l.hostname),
            dash(&l.client_id),
        ]);
    }
    ctl.print(&t.render(true));
    Ok(())
}

/// Seconds since the epoch as local time, `%Y-%m-%d %H:%M:%S`.
fn local_time(secs: i64) -> String {
    local_time_zone(secs).map_or_else(|| "-".into(), |(t, _)| t)
}

/// Seconds since the epoch as local time, `%Y-%m-%d %H:%M:%S`, and the
/// zone's offset as `%z` writes it (`+0100`).
pub(crate) fn local_time_zone(secs: i64) -> Option<(String, String)> {
    let t = secs as libc::time_t;
    // SAFETY: localtime_r writes only into `tm`, which lives on this stack.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the duration of the call.
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if !ok {
        return None;
    }
    let off = tm.tm_gmtoff / 60;
    let zone = format!(
        "{}{:02}{:02}",
        if off < 0 { '-' } else { '+' },
        off.abs() / 60,
        off.abs() % 60
    );
    let time = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    );
    Some((time, zone))
}
