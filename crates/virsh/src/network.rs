//! Network and storage pool commands.

use crate::ctl::{CmdResult, Ctl, Failure};
use crate::opts::Cmd;
use crate::table::Table;
use virt_core::{Connect, Network, StoragePool, StoragePoolState};

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

/// True when `s` has the shape of a dashed UUID, which virsh tries as a
/// UUID before trying it as a name.
fn uuid_shaped(s: &str) -> bool {
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

/// Find a storage pool by UUID, then by name.
fn lookup_pool(ctl: &mut Ctl, cmd: &Cmd) -> Result<StoragePool, Failure> {
    let name = ctl.req_str(cmd, "pool")?.to_string();
    let conn = ctl.conn()?;
    if uuid_shaped(&name) {
        let found = by_uuid(
            &conn,
            &name,
            |c| c.list_all_storage_pools(0),
            StoragePool::uuid,
        );
        if let Some(p) = found {
            return Ok(p);
        }
    }
    conn.storage_pool_lookup_by_name(&name)
        .map_err(|e| ctl.fail(&format!("failed to get pool '{name}'"), e))
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

/// A size as virsh shows it: two decimals in the largest binary unit
/// below it (vshPrettyCapacity).
pub fn pretty_capacity(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{:.2} B", bytes as f64);
    }
    let mut limit: u128 = 1024;
    let mut value = bytes as f64;
    for unit in UNITS {
        value /= 1024.0;
        limit *= 1024;
        if u128::from(bytes) < limit || unit == "EiB" {
            return format!("{value:.2} {unit}");
        }
    }
    format!("{value:.2} EiB")
}

/// `pool-info`.
pub fn pool_info(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = lookup_pool(ctl, cmd)?;
    let mut s = String::new();
    let row = |s: &mut String, k: &str, v: &str| s.push_str(&format!("{k:<15} {v}\n"));
    row(&mut s, "Name:", pool.name());
    row(&mut s, "UUID:", &pool.uuid().hyphenated().to_string());
    let info = match pool.info() {
        Ok(i) => i,
        Err(e) => {
            ctl.print(&s);
            return Err(e.into());
        }
    };
    row(&mut s, "State:", info.state.as_str());
    let persistent = match pool.is_persistent() {
        Ok(true) => "yes",
        Ok(false) => "no",
        Err(_) => "unknown",
    };
    row(&mut s, "Persistent:", persistent);
    let autostart = match pool.autostart() {
        Ok(true) => "yes",
        Ok(false) => "no",
        Err(_) => "no autostart",
    };
    row(&mut s, "Autostart:", autostart);
    if matches!(
        info.state,
        StoragePoolState::Running | StoragePoolState::Degraded
    ) {
        let show = |v: u64| {
            if cmd.has("bytes") {
                v.to_string()
            } else {
                pretty_capacity(v)
            }
        };
        row(&mut s, "Capacity:", &show(info.capacity));
        row(&mut s, "Allocation:", &show(info.allocation));
        row(&mut s, "Available:", &show(info.available));
    }
    virt_core::reset_last_error();
    ctl.print(&s);
    Ok(())
}

/// `pool-dumpxml`.
pub fn pool_dumpxml(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = lookup_pool(ctl, cmd)?;
    if ctl.opt_str(cmd, "xpath")?.is_some() {
        return Err(ctl.fail_msg("XPath filtering is not supported by this virsh"));
    }
    // VIR_STORAGE_XML_INACTIVE.
    let flags = u32::from(cmd.has("inactive"));
    let xml = pool.xml_desc(flags)?;
    ctl.print(&xml);
    Ok(())
}

/// The listing flags of a `--type` list ("dir,logical").
fn pool_type_flags(ctl: &mut Ctl, types: &str) -> Result<u32, Failure> {
    let mut flags = 0;
    for t in types.split(',') {
        match virt_core::pool_list_flags::type_flag(t) {
            Some(f) => flags |= f,
            None => return Err(ctl.fail_msg(&format!("Invalid pool type '{t}'"))),
        }
    }
    Ok(flags)
}

/// `pool-list`.
pub fn pool_list(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    for other in ["name", "uuid"] {
        ctl.exclusive(cmd, "details", other)?;
    }
    let mut flags = list_flags(cmd);
    if let Some(t) = ctl.opt_str(cmd, "type")? {
        flags |= pool_type_flags(ctl, t)?;
    }
    let conn = ctl.conn()?;
    let mut pools = conn
        .list_all_storage_pools(flags)
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
    let details = cmd.has("details");
    let mut t = if details {
        Table::new(&[
            "Name",
            "State",
            "Autostart",
            "Persistent",
            "Capacity",
            "Allocation",
            "Available",
        ])
    } else {
        Table::new(&["Name", "State", "Autostart"])
    };
    for p in &pools {
        let autostart = match p.autostart() {
            Ok(true) => "yes",
            Ok(false) => "no",
            Err(_) => "no autostart",
        };
        let mut row = vec![p.name().to_string(), String::new(), autostart.to_string()];
        if details {
            let persistent = match p.is_persistent() {
                Ok(true) => "yes",
                Ok(false) => "no",
                Err(_) => "unknown",
            };
            row.push(persistent.to_string());
        }
        match p.info() {
            Err(_) => {
                ctl.error("Could not retrieve pool information");
                row[1] = "unknown".into();
                if details {
                    row.extend(["unknown", "unknown", "unknown"].map(String::from));
                }
            }
            Ok(info) if details => {
                row[1] = info.state.as_str().to_string();
                if matches!(
                    info.state,
                    StoragePoolState::Running | StoragePoolState::Degraded
                ) {
                    row.extend(
                        [info.capacity, info.allocation, info.available].map(pretty_capacity),
                    );
                } else {
                    row.extend(["-", "-", "-"].map(String::from));
                }
            }
            Ok(_) => {
                let active = p.is_active().unwrap_or(false);
                row[1] = if active { "active" } else { "inactive" }.to_string();
            }
        }
        t.row(row);
    }
    virt_core::reset_last_error();
    let with_header = !ctl.quiet;
    ctl.print(&t.render(with_header));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities_scale_like_virsh() {
        assert_eq!(pretty_capacity(0), "0.00 B");
        assert_eq!(pretty_capacity(1023), "1023.00 B");
        assert_eq!(pretty_capacity(1024), "1.00 KiB");
        assert_eq!(pretty_capacity(1536 * 1024), "1.50 MiB");
        assert_eq!(pretty_capacity(100 << 30), "100.00 GiB");
        assert_eq!(pretty_capacity(u64::MAX), "16.00 EiB");
    }
}
