//! Network and storage pool listings.

use crate::ctl::{CmdResult, Ctl};
use crate::opts::Cmd;
use crate::table::Table;

/// Filter flags shared by `net-list` and `pool-list` (libvirt uses the same
/// numbers for both): inactive 1, active 2, persistent 4, transient 8,
/// autostart 16, no autostart 32.
fn list_flags(cmd: &Cmd) -> u32 {
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

/// `pool-list` (without `--details`, which needs pool capacities).
pub fn pool_list(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    for other in ["name", "uuid"] {
        ctl.exclusive(cmd, "details", other)?;
    }
    if cmd.has("details") {
        return Err(ctl.fail_msg("pool-list --details is not supported by this virsh"));
    }
    if let Some(t) = ctl.opt_str(cmd, "type")? {
        return Err(ctl.fail_msg(&format!("Invalid pool type '{t}'")));
    }
    let conn = ctl.conn()?;
    let mut pools = conn
        .list_all_storage_pools(list_flags(cmd))
        .map_err(|e| ctl.fail("Failed to list pools", e))?;
    pools.sort_by_key(|p| p.name().to_ascii_lowercase());
    if cmd.has("name") || cmd.has("uuid") {
        let mut s = String::new();
        for p in &pools {
            let mut parts = Vec::new();
            if cmd.has("uuid") {
                parts.push(format!("{:<36}", p.uuid().hyphenated()));
            }
            if cmd.has("name") {
                parts.push(format!("{:<20}", p.name()));
            }
            s.push_str(&parts.join(" "));
            s.push('\n');
        }
        ctl.print(&s);
        return Ok(());
    }
    let mut t = Table::new(&["Name", "State", "Autostart"]);
    for p in &pools {
        let state = if p.is_active().unwrap_or(false) {
            "active"
        } else {
            "inactive"
        };
        t.row(vec![
            p.name().to_string(),
            state.into(),
            yes_no(p.autostart()),
        ]);
    }
    let with_header = !ctl.quiet;
    ctl.print(&t.render(with_header));
    Ok(())
}
