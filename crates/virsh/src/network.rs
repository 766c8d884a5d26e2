//! Network commands.

use crate::ctl::{CmdResult, Ctl, Failure};
use crate::opts::Cmd;
use crate::table::Table;
use virt_core::{Connect, Network};

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

/// Find a network by UUID, then by name, as virsh does; the name lookup's
/// error is the one reported.
fn lookup_network(ctl: &mut Ctl, cmd: &Cmd) -> Result<Network, Failure> {
    let name = ctl.req_str(cmd, "network")?.to_string();
    let conn = ctl.conn()?;
    if uuid_shaped(&name) {
        if let Some(n) = by_uuid(&conn, &name, |c| c.list_all_networks(0), Network::uuid) {
            return Ok(n);
        }
    }
    conn.network_lookup_by_name(&name)
        .map_err(|e| ctl.fail(&format!("failed to get network '{name}'"), e))
}

/// The object of a listing whose UUID is `uuid` (virt-core has no lookup
/// by UUID for networks and pools; the listing holds every object).
fn by_uuid<T>(
    conn: &Connect,
    uuid: &str,
    list: impl Fn(&Connect) -> virt_core::Result<Vec<T>>,
    uuid_of: impl Fn(&T) -> virt_core::Uuid,
) -> Option<T> {
    let want = virt_core::parse_uuid(uuid).ok()?;
    let found = list(conn)
        .ok()
        .and_then(|all| all.into_iter().find(|o| uuid_of(o) == want));
    virt_core::reset_last_error();
    conn.reset_last_error();
    found
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
    // VIR_NETWORK_XML_INACTIVE.
    let flags = u32::from(cmd.has("inactive"));
    let xml = net.xml_desc(flags)?;
    ctl.print(&xml);
    Ok(())
}
