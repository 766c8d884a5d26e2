//! Storage pool and volume commands (`pool-*`, `vol-*`), with virsh 9.0's
//! messages and layouts.

use crate::cmd::Cmd;
use crate::ctl::{parse_scaled, CmdResult, Ctl, Failure};
use crate::domain::read_file;
use crate::network::{list_flags, uuid_shaped};
use crate::table::Table;
use virt_core::sparse;
use virt_core::{
    parse_uuid, pool_build_flags, pool_create_flags, vol_create_flags, vol_delete_flags,
    vol_resize_flags, vol_upload_flags, ErrorDomain, StoragePool, StoragePoolState, StorageVol,
    StreamSink, StreamSource,
};
use virt_xml::doc_disks;

/// Find a storage pool named by option `opt`: by UUID when it has a UUID's
/// shape, then by name (`virshCommandOptPoolBy`).
fn pool_by(
    ctl: &mut Ctl,
    cmd: &Cmd,
    opt: &str,
    uuid: bool,
    name: bool,
) -> Result<StoragePool, Failure> {
    let n = ctl.req_str(cmd, opt)?.to_string();
    let conn = ctl.conn()?;
    let mut found = None;
    if uuid && uuid_shaped(&n) {
        if let Ok(u) = parse_uuid(&n) {
            found = conn.storage_pool_lookup_by_uuid(&u).ok();
        }
    }
    let msg = format!("failed to get pool '{n}'");
    match found {
        Some(p) => Ok(p),
        None if name => conn
            .storage_pool_lookup_by_name(&n)
            .map_err(|e| ctl.fail(&msg, e)),
        // Only a UUID lookup was asked for: virsh reports no library error.
        None => {
            virt_core::reset_last_error();
            Err(ctl.fail_msg(&msg))
        }
    }
}

/// Find a pool by UUID or name from option `pool`.
fn lookup_pool(ctl: &mut Ctl, cmd: &Cmd) -> Result<StoragePool, Failure> {
    pool_by(ctl, cmd, "pool", true, true)
}

/// Find a volume named by option `opt` as virsh does
/// (`virshCommandOptVolBy`): by name in the pool of option `pool_opt` when
/// given (which must be active), else (or then) by key, then by path; a
/// volume found elsewhere than in the given pool is refused.
fn vol_by(
    ctl: &mut Ctl,
    cmd: &Cmd,
    opt: &str,
    pool_opt: Option<&str>,
    by_name: bool,
) -> Result<StorageVol, Failure> {
    let n = ctl.req_str(cmd, opt)?.to_string();
    let conn = ctl.conn()?;
    let mut pool = None;
    if let Some(po) = pool_opt {
        if ctl.opt_str(cmd, po)?.is_some() {
            let p = pool_by(ctl, cmd, po, true, true)?;
            if p.is_active().ok() != Some(true) {
                return Err(ctl.fail_msg(&format!("pool '{}' is not active", ctl_arg(cmd, po))));
            }
            pool = Some(p);
        }
    }
    let mut vol = None;
    let mut last = None;
    if let (Some(p), true) = (&pool, by_name) {
        match p.storage_vol_lookup_by_name(&n) {
            Ok(v) => vol = Some(v),
            Err(e) => last = Some(e),
        }
    }
    if vol.is_none() {
        match conn.storage_vol_lookup_by_key(&n) {
            Ok(v) => vol = Some(v),
            Err(e) => last = Some(e),
        }
    }
    if vol.is_none() {
        match conn.storage_vol_lookup_by_path(&n) {
            Ok(v) => vol = Some(v),
            Err(e) => last = Some(e),
        }
    }
    let Some(vol) = vol else {
        let msg = match pool_opt {
            Some(po) if pool.is_none() => {
                format!("failed to get vol '{n}', specifying --{po} might help")
            }
            _ => format!("failed to get vol '{n}'"),
        };
        return Err(match last {
            Some(e) => ctl.fail(&msg, e),
            None => ctl.fail_msg(&msg),
        });
    };
    virt_core::reset_last_error();
    if let Some(p) = &pool {
        if vol.pool_name() != p.name() {
            return Err(ctl.fail_msg(&format!(
                "Requested volume '{n}' is not in pool '{}'",
                p.name()
            )));
        }
    }
    Ok(vol)
}

/// The raw value of an option (for messages that repeat what was typed).
fn ctl_arg<'a>(cmd: &'a Cmd, opt: &str) -> &'a str {
    cmd.raw(opt).unwrap_or("")
}

/// The usual volume argument: `vol`, in the pool of `--pool` when given.
fn lookup_vol(ctl: &mut Ctl, cmd: &Cmd) -> Result<StorageVol, Failure> {
    vol_by(ctl, cmd, "vol", Some("pool"), true)
}

/// A volume size as virsh reads it (`vshVolSize`): bytes unless suffixed;
/// "Malformed size" then the library's reason.
fn vol_size(ctl: &mut Ctl, s: &str) -> Result<u64, Failure> {
    match parse_scaled(s, 1, u64::MAX) {
        Ok(n) => Ok(n),
        Err(lib) => {
            ctl.error(&format!("Malformed size {s}"));
            Err(Failure { lib })
        }
    }
}

/// One `Key:  value` line of the info commands.
fn info_row(s: &mut String, k: &str, v: &str) {
    s.push_str(&format!("{k:<15} {v}\n"));
}

/// A size as virsh shows it: two decimals in the largest binary unit
/// below it (vshPrettyCapacity).
pub fn pretty_capacity(bytes: u64) -> String {
    pretty_capacity_with(bytes, 2)
}

/// [`pretty_capacity`] with `decimals` digits after the point
/// (`domblkinfo --human` shows three).
pub fn pretty_capacity_with(bytes: u64, decimals: usize) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{:.*} B", decimals, bytes as f64);
    }
    let mut limit: u128 = 1024;
    let mut value = bytes as f64;
    for unit in UNITS {
        value /= 1024.0;
        limit *= 1024;
        if u128::from(bytes) < limit || unit == "EiB" {
            return format!("{value:.decimals$} {unit}");
        }
    }
    format!("{value:.decimals$} EiB")
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

/// `pool-edit`: the pool's persistent XML in the editor, defined again
/// when changed (see `crate::edit`).
pub fn pool_edit(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = lookup_pool(ctl, cmd)?;
    let name = pool.name().to_string();
    // The persistent definition.
    let flags =
        crate::edit::inactive_flag(virt_core::storage_xml_flags::INACTIVE, |f| pool.xml_desc(f))?;
    let conn = ctl.conn()?;
    crate::edit::edit(
        ctl,
        &name,
        crate::edit::Editable {
            subject: |n| format!("Pool {n}"),
            xml: Box::new(|| pool.xml_desc(flags)),
            define: Box::new(|xml, _| {
                conn.storage_pool_define_xml(xml, 0)
                    .map(|p| p.name().to_string())
            }),
            validates: false,
            define_unchanged: false,
        },
    )
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

/// `pool-autostart`.
pub fn pool_autostart(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = lookup_pool(ctl, cmd)?;
    let on = !cmd.has("disable");
    let name = pool.name().to_string();
    match pool.set_autostart(on) {
        Ok(()) if on => ctl.print_extra(&format!("Pool {name} marked as autostarted\n")),
        Ok(()) => ctl.print_extra(&format!("Pool {name} unmarked as autostarted\n")),
        Err(e) if on => {
            return Err(ctl.fail(&format!("failed to mark pool {name} as autostarted"), e))
        }
        Err(e) => return Err(ctl.fail(&format!("failed to unmark pool {name} as autostarted"), e)),
    }
    Ok(())
}

/// The build flags of `--overwrite` / `--no-overwrite`.
fn build_flags(ctl: &mut Ctl, cmd: &Cmd) -> Result<u32, Failure> {
    ctl.exclusive(cmd, "overwrite", "no-overwrite")?;
    let mut flags = 0;
    if cmd.has("overwrite") {
        flags |= pool_build_flags::OVERWRITE;
    }
    if cmd.has("no-overwrite") {
        flags |= pool_build_flags::NO_OVERWRITE;
    }
    Ok(flags)
}

/// The start flags of `--build`, `--overwrite`, `--no-overwrite`.
fn start_flags(ctl: &mut Ctl, cmd: &Cmd) -> Result<u32, Failure> {
    ctl.exclusive(cmd, "overwrite", "no-overwrite")?;
    let mut flags = 0;
    for (opt, f) in [
        ("build", pool_create_flags::WITH_BUILD),
        ("overwrite", pool_create_flags::WITH_BUILD_OVERWRITE),
        ("no-overwrite", pool_create_flags::WITH_BUILD_NO_OVERWRITE),
    ] {
        if cmd.has(opt) {
            flags |= f;
        }
    }
    Ok(flags)
}

/// `pool-build`.
pub fn pool_build(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = lookup_pool(ctl, cmd)?;
    let flags = build_flags(ctl, cmd)?;
    let name = pool.name().to_string();
    pool.build(flags)
        .map_err(|e| ctl.fail(&format!("Failed to build pool {name}"), e))?;
    ctl.print_extra(&format!("Pool {name} built\n"));
    Ok(())
}

/// `pool-start`.
pub fn pool_start(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = lookup_pool(ctl, cmd)?;
    let flags = start_flags(ctl, cmd)?;
    let name = pool.name().to_string();
    pool.create(flags)
        .map_err(|e| ctl.fail(&format!("Failed to start pool {name}"), e))?;
    ctl.print_extra(&format!("Pool {name} started\n"));
    Ok(())
}

/// `pool-destroy`.
pub fn pool_destroy(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = lookup_pool(ctl, cmd)?;
    let name = pool.name().to_string();
    pool.destroy()
        .map_err(|e| ctl.fail(&format!("Failed to destroy pool {name}"), e))?;
    ctl.print_extra(&format!("Pool {name} destroyed\n"));
    Ok(())
}

/// `pool-delete`.
pub fn pool_delete(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = lookup_pool(ctl, cmd)?;
    let name = pool.name().to_string();
    pool.delete(0)
        .map_err(|e| ctl.fail(&format!("Failed to delete pool {name}"), e))?;
    ctl.print_extra(&format!("Pool {name} deleted\n"));
    Ok(())
}

/// `pool-undefine`.
pub fn pool_undefine(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = lookup_pool(ctl, cmd)?;
    let name = pool.name().to_string();
    pool.undefine()
        .map_err(|e| ctl.fail(&format!("Failed to undefine pool {name}"), e))?;
    ctl.print_extra(&format!("Pool {name} has been undefined\n"));
    Ok(())
}

/// `pool-refresh`.
pub fn pool_refresh(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = lookup_pool(ctl, cmd)?;
    let name = pool.name().to_string();
    pool.refresh(0)
        .map_err(|e| ctl.fail(&format!("Failed to refresh pool {name}"), e))?;
    ctl.print_extra(&format!("Pool {name} refreshed\n"));
    Ok(())
}

/// `pool-define FILE`.
pub fn pool_define(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let file = ctl.req_str(cmd, "file")?.to_string();
    let xml = read_file(&file)?;
    let flags = u32::from(cmd.has("validate"));
    let conn = ctl.conn()?;
    let pool = conn
        .storage_pool_define_xml(&xml, flags)
        .map_err(|e| ctl.fail(&format!("Failed to define pool from {file}"), e))?;
    ctl.print_extra(&format!("Pool {} defined from {file}\n", pool.name()));
    Ok(())
}

/// `pool-create FILE`.
pub fn pool_create(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let file = ctl.req_str(cmd, "file")?.to_string();
    let flags = start_flags(ctl, cmd)?;
    let xml = read_file(&file)?;
    let conn = ctl.conn()?;
    let pool = conn
        .storage_pool_create_xml(&xml, flags)
        .map_err(|e| ctl.fail(&format!("Failed to create pool from {file}"), e))?;
    ctl.print_extra(&format!("Pool {} created from {file}\n", pool.name()));
    Ok(())
}

/// The pool XML `pool-define-as` / `pool-create-as` build from their
/// options (virsh's `virshBuildPoolXML`, for the options it knows).
fn pool_xml_from_args(ctl: &mut Ctl, cmd: &Cmd) -> Result<(String, String), Failure> {
    let name = ctl.req_str(cmd, "name")?.to_string();
    let kind = ctl.req_str(cmd, "type")?.to_string();
    let mut opt = |o: &str| ctl.opt_str(cmd, o).map(|v| v.map(str::to_string));
    let pool = virt_xml::storage::PoolToDefine {
        source_host: opt("source-host")?,
        source_path: opt("source-path")?,
        source_dev: opt("source-dev")?,
        source_name: opt("source-name")?,
        target: opt("target")?,
        source_format: opt("source-format")?,
        source_initiator: opt("source-initiator")?,
        source_protocol_ver: opt("source-protocol-ver")?,
        pool_type: kind,
        name: name.clone(),
    };
    Ok((name, pool.to_element().to_xml(0)))
}

/// `pool-define-as`.
pub fn pool_define_as(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (name, xml) = pool_xml_from_args(ctl, cmd)?;
    if cmd.has("print-xml") {
        ctl.print(&xml);
        return Ok(());
    }
    let conn = ctl.conn()?;
    let pool = conn
        .storage_pool_define_xml(&xml, 0)
        .map_err(|e| ctl.fail(&format!("Failed to define pool {name}"), e))?;
    ctl.print_extra(&format!("Pool {} defined\n", pool.name()));
    Ok(())
}

/// `pool-create-as`.
pub fn pool_create_as(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (name, xml) = pool_xml_from_args(ctl, cmd)?;
    let flags = start_flags(ctl, cmd)?;
    if cmd.has("print-xml") {
        ctl.print(&xml);
        return Ok(());
    }
    let conn = ctl.conn()?;
    let pool = conn
        .storage_pool_create_xml(&xml, flags)
        .map_err(|e| ctl.fail(&format!("Failed to create pool {name}"), e))?;
    ctl.print_extra(&format!("Pool {} created\n", pool.name()));
    Ok(())
}

/// `pool-name UUID`.
pub fn pool_name(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = pool_by(ctl, cmd, "pool", true, false)?;
    ctl.print(&format!("{}\n", pool.name()));
    Ok(())
}

/// `pool-uuid NAME`.
pub fn pool_uuid(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = pool_by(ctl, cmd, "pool", false, true)?;
    ctl.print(&format!("{}\n", pool.uuid().hyphenated()));
    Ok(())
}

/// The name of a volume type as virsh prints it.
fn vol_type_name(kind: virt_core::StorageVolType) -> &'static str {
    kind.as_str()
}

/// `vol-list POOL`.
pub fn vol_list(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = lookup_pool(ctl, cmd)?;
    let mut vols = pool
        .list_all_volumes(0)
        .map_err(|e| ctl.fail("Failed to list volumes", e))?;
    vols.sort_by_key(|v| v.name().to_ascii_lowercase());
    let details = cmd.has("details");
    let mut t = if details {
        Table::new(&["Name", "Path", "Type", "Capacity", "Allocation"])
    } else {
        Table::new(&["Name", "Path"])
    };
    for v in &vols {
        let path = v.path().unwrap_or_else(|_| "unknown".into());
        let mut row = vec![v.name().to_string(), path];
        if details {
            match v.info() {
                Ok(i) => row.extend([
                    vol_type_name(i.kind).to_string(),
                    pretty_capacity(i.capacity),
                    pretty_capacity(i.allocation),
                ]),
                Err(_) => row.extend(["unknown", "unknown", "unknown"].map(String::from)),
            }
        }
        t.row(row);
    }
    virt_core::reset_last_error();
    let with_header = !ctl.quiet;
    ctl.print(&t.render(with_header));
    Ok(())
}

/// `vol-info`.
pub fn vol_info(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let vol = lookup_vol(ctl, cmd)?;
    let mut s = String::new();
    info_row(&mut s, "Name:", vol.name());
    let info = match vol.info() {
        Ok(i) => i,
        Err(e) => {
            ctl.print(&s);
            return Err(e.into());
        }
    };
    let show = |v: u64| {
        if cmd.has("bytes") {
            format!("{v} bytes")
        } else {
            pretty_capacity(v)
        }
    };
    info_row(&mut s, "Type:", vol_type_name(info.kind));
    info_row(&mut s, "Capacity:", &show(info.capacity));
    info_row(&mut s, "Allocation:", &show(info.allocation));
    ctl.print(&s);
    Ok(())
}

/// `vol-dumpxml`.
pub fn vol_dumpxml(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let vol = lookup_vol(ctl, cmd)?;
    if ctl.opt_str(cmd, "xpath")?.is_some() {
        return Err(ctl.fail_msg("XPath filtering is not supported by this virsh"));
    }
    let xml = vol.xml_desc(0)?;
    ctl.print(&xml);
    Ok(())
}

/// `vol-path`.
pub fn vol_path(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let vol = lookup_vol(ctl, cmd)?;
    let path = vol.path()?;
    ctl.print(&format!("{path}\n"));
    Ok(())
}

/// `vol-key`.
pub fn vol_key(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let vol = lookup_vol(ctl, cmd)?;
    ctl.print(&format!("{}\n", vol.key()));
    Ok(())
}

/// `vol-name KEY|PATH`.
pub fn vol_name(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let vol = vol_by(ctl, cmd, "vol", None, false)?;
    ctl.print(&format!("{}\n", vol.name()));
    Ok(())
}

/// `vol-pool KEY|PATH`.
pub fn vol_pool(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let vol = vol_by(ctl, cmd, "vol", None, false)?;
    let pool = vol
        .pool()
        .map_err(|e| ctl.fail("failed to get parent pool", e))?;
    if cmd.has("uuid") {
        ctl.print(&format!("{}\n", pool.uuid().hyphenated()));
    } else {
        ctl.print(&format!("{}\n", pool.name()));
    }
    Ok(())
}

/// The creation flags of `--prealloc-metadata`, `--reflink`, `--validate`.
fn create_flags(cmd: &Cmd) -> u32 {
    let mut flags = 0;
    for (opt, f) in [
        ("prealloc-metadata", vol_create_flags::PREALLOC_METADATA),
        ("reflink", vol_create_flags::REFLINK),
        ("validate", vol_create_flags::VALIDATE),
    ] {
        if cmd.has(opt) {
            flags |= f;
        }
    }
    flags
}

/// `vol-create POOL FILE`.
pub fn vol_create(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = lookup_pool(ctl, cmd)?;
    let file = ctl.req_str(cmd, "file")?.to_string();
    let xml = read_file(&file)?;
    let vol = pool
        .storage_vol_create_xml(&xml, create_flags(cmd))
        .map_err(|e| ctl.fail(&format!("Failed to create vol from {file}"), e))?;
    ctl.print_extra(&format!("Vol {} created from {file}\n", vol.name()));
    Ok(())
}

/// `vol-create-as POOL NAME CAPACITY`.
pub fn vol_create_as(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = pool_by(ctl, cmd, "pool", true, true)?;
    let name = ctl.req_str(cmd, "name")?.to_string();
    let cap_s = ctl.req_str(cmd, "capacity")?.to_string();
    let capacity = vol_size(ctl, &cap_s)?;
    let allocation = match ctl.opt_str(cmd, "allocation")? {
        Some(a) => Some(vol_size(ctl, a)?),
        None => None,
    };
    let format = ctl.opt_str(cmd, "format")?.map(str::to_string);
    let mut vol = virt_xml::storage::VolumeToCreate {
        name: name.clone(),
        capacity,
        allocation,
        format,
        ..Default::default()
    };
    if let Some(b) = ctl.opt_str(cmd, "backing-vol")? {
        let b = b.to_string();
        let conn = ctl.conn()?;
        let backing = pool
            .storage_vol_lookup_by_name(&b)
            .or_else(|_| conn.storage_vol_lookup_by_key(&b))
            .or_else(|_| conn.storage_vol_lookup_by_path(&b))
            .map_err(|e| ctl.fail(&format!("failed to get vol '{b}'"), e))?;
        vol.backing_path = Some(backing.path()?);
        vol.backing_format = ctl.opt_str(cmd, "backing-vol-format")?.map(str::to_string);
    }
    let x = vol.to_element().to_xml(0);
    if cmd.has("print-xml") {
        ctl.print(&x);
        return Ok(());
    }
    let flags = u32::from(cmd.has("prealloc-metadata")) * vol_create_flags::PREALLOC_METADATA;
    let vol = pool
        .storage_vol_create_xml(&x, flags)
        .map_err(|e| ctl.fail(&format!("Failed to create vol {name}"), e))?;
    ctl.print_extra(&format!("Vol {} created\n", vol.name()));
    Ok(())
}

/// `vol-clone VOL NEWNAME`: the volume's XML with the new name, created
/// from the original in its pool.
pub fn vol_clone(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let orig = lookup_vol(ctl, cmd)?;
    let pool = orig
        .pool()
        .map_err(|e| ctl.fail("failed to get parent pool", e))?;
    let new_name = ctl.req_str(cmd, "newname")?.to_string();
    let xml = orig.xml_desc(0)?;
    let mut doc =
        virt_xml::parse_element(&xml).map_err(|e| Failure::from(virt_core::Error::from(e)))?;
    virt_xml::storage::rename_volume(&mut doc, &new_name);
    let new_xml = doc.to_libxml2();
    if cmd.has("print-xml") {
        ctl.print(&new_xml);
        return Ok(());
    }
    let flags = create_flags(cmd);
    let orig_name = orig.name().to_string();
    pool.storage_vol_create_xml_from(&new_xml, &orig, flags)
        .map_err(|e| ctl.fail(&format!("Failed to clone vol from {orig_name}"), e))?;
    ctl.print_extra(&format!("Vol {new_name} cloned from {orig_name}\n"));
    Ok(())
}

/// `vol-create-from POOL FILE VOL`.
pub fn vol_create_from(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let pool = lookup_pool(ctl, cmd)?;
    let file = ctl.req_str(cmd, "file")?.to_string();
    let input = vol_by(ctl, cmd, "vol", Some("inputpool"), true)?;
    let xml = read_file(&file)?;
    let vol = pool
        .storage_vol_create_xml_from(&xml, &input, create_flags(cmd))
        .map_err(|e| ctl.fail(&format!("Failed to create vol from {file}"), e))?;
    ctl.print_extra(&format!(
        "Vol {} created from input vol {}\n",
        vol.name(),
        input.name()
    ));
    Ok(())
}

/// `vol-delete`.
pub fn vol_delete(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let vol = lookup_vol(ctl, cmd)?;
    let name = ctl_arg(cmd, "vol").to_string();
    let flags = u32::from(cmd.has("delete-snapshots")) * vol_delete_flags::WITH_SNAPSHOTS;
    vol.delete(flags)
        .map_err(|e| ctl.fail(&format!("Failed to delete vol {name}"), e))?;
    ctl.print_extra(&format!("Vol {name} deleted\n"));
    Ok(())
}

/// The wipe algorithms, in libvirt's order (`virStorageVolWipeAlgorithm`).
const WIPE_ALGORITHMS: [&str; 10] = [
    "zero",
    "nnsa",
    "dod",
    "bsi",
    "gutmann",
    "schneier",
    "pfitzner7",
    "pfitzner33",
    "random",
    "trim",
];

/// `vol-wipe`.
pub fn vol_wipe(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let vol = lookup_vol(ctl, cmd)?;
    let algorithm = match ctl.opt_str(cmd, "algorithm")? {
        None => None,
        Some(a) => match WIPE_ALGORITHMS.iter().position(|x| *x == a) {
            Some(i) => Some(i as u32),
            None => return Err(ctl.fail_msg(&format!("Unsupported algorithm '{a}'"))),
        },
    };
    let name = ctl_arg(cmd, "vol").to_string();
    let r = match algorithm {
        Some(a) => vol.wipe_pattern(a, 0),
        None => vol.wipe(0),
    };
    r.map_err(|e| ctl.fail(&format!("Failed to wipe vol {name}"), e))?;
    ctl.print_extra(&format!("Vol {name} wiped\n"));
    Ok(())
}

/// The window and sparseness options of `vol-upload` and `vol-download`.
fn transfer_opts(ctl: &mut Ctl, cmd: &Cmd) -> Result<(u64, u64, u32), Failure> {
    let offset = ctl.opt_ull(cmd, "offset", false)?.unwrap_or(0);
    let length = ctl.opt_ull(cmd, "length", true)?.unwrap_or(0);
    // Both calls' sparse flags are bit 0.
    let flags = if cmd.has("sparse") {
        vol_upload_flags::SPARSE_STREAM
    } else {
        0
    };
    Ok((offset, length, flags))
}

/// `vol-upload VOL FILE`: the file's contents into the volume through a
/// stream; with `--sparse` its holes travel as holes.
pub fn vol_upload(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (offset, length, flags) = transfer_opts(ctl, cmd)?;
    let vol = lookup_vol(ctl, cmd)?;
    let name = ctl_arg(cmd, "vol").to_string();
    let file = ctl.req_str(cmd, "file")?.to_string();
    let Ok(mut f) = std::fs::File::open(&file) else {
        return Err(ctl.fail_msg(&format!("cannot read {file}")));
    };
    let conn = ctl.conn()?;
    let st = conn
        .new_stream(0)
        .map_err(|e| ctl.fail("cannot create a new stream", e))?;
    vol.upload(&st, offset, length, flags)
        .map_err(|e| ctl.fail(&format!("cannot upload to volume {name}"), e))?;
    let sent = if flags != 0 {
        let path = std::path::Path::new(&file);
        let size = sparse::size_of(&mut f).unwrap_or(0);
        let mut src = sparse::FileSource::new(f, path, ErrorDomain::None, 0, size, true);
        st.sparse_send_all(&mut |buf| src.read(buf))
    } else {
        st.send_all(&mut f)
    };
    sent.map_err(|e| ctl.fail(&format!("cannot send data to volume {name}"), e))?;
    st.finish()
        .map_err(|e| ctl.fail(&format!("cannot close volume {name}"), e))
}

/// `vol-download VOL FILE`: the volume's contents into the file (made,
/// or truncated when it exists); with `--sparse` holes stay holes. A file
/// this command made is removed when the download fails.
pub fn vol_download(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (offset, length, flags) = transfer_opts(ctl, cmd)?;
    let vol = lookup_vol(ctl, cmd)?;
    let name = ctl_arg(cmd, "vol").to_string();
    let file = ctl.req_str(cmd, "file")?.to_string();
    let Ok((f, created)) = create_or_truncate(&file) else {
        return Err(ctl.fail_msg(&format!("cannot create {file}")));
    };
    let r = download_into(ctl, &vol, &name, f, &file, (offset, length, flags));
    if r.is_err() && created {
        let _ = std::fs::remove_file(&file);
    }
    r
}

/// Open `file` for writing as virsh does for downloads: made when absent,
/// truncated when present; the flag says whether this call made it (so a
/// failed transfer removes only a file it created).
pub(crate) fn create_or_truncate(file: &str) -> std::io::Result<(std::fs::File, bool)> {
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(file)
    {
        Ok(f) => Ok((f, true)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(file)
            .map(|f| (f, false)),
        Err(e) => Err(e),
    }
}

fn download_into(
    ctl: &mut Ctl,
    vol: &StorageVol,
    name: &str,
    mut f: std::fs::File,
    file: &str,
    (offset, length, flags): (u64, u64, u32),
) -> CmdResult {
    let conn = ctl.conn()?;
    let st = conn
        .new_stream(0)
        .map_err(|e| ctl.fail("cannot create a new stream", e))?;
    vol.download(&st, offset, length, flags)
        .map_err(|e| ctl.fail(&format!("cannot download from volume {name}"), e))?;
    let got = if flags != 0 {
        let path = std::path::Path::new(file);
        let sink = sparse::FileSink::new(f, path, ErrorDomain::None, 0, None, true)
            .map(std::cell::RefCell::new);
        sink.and_then(|sink| {
            st.sparse_recv_all(&mut |data| sink.borrow_mut().write(data), &mut |len| {
                sink.borrow_mut().hole(len)
            })
        })
    } else {
        st.recv_all(&mut f)
    };
    got.map_err(|e| ctl.fail(&format!("cannot receive data from volume {name}"), e))?;
    st.finish()
        .map_err(|e| ctl.fail(&format!("cannot close volume {name}"), e))
}

/// `vol-resize VOL CAPACITY`: a leading `-` (with `--shrink`) or
/// `--delta` makes the capacity a change.
pub fn vol_resize(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let vol = lookup_vol(ctl, cmd)?;
    let given = ctl.req_str(cmd, "capacity")?.to_string();
    let mut flags = 0;
    if cmd.has("allocate") {
        flags |= vol_resize_flags::ALLOCATE;
    }
    let mut delta = cmd.has("delta");
    if cmd.has("shrink") {
        flags |= vol_resize_flags::SHRINK;
    }
    let mut text = given.trim_start();
    if let Some(rest) = text.strip_prefix('-') {
        if !cmd.has("shrink") {
            return Err(ctl.fail_msg("negative size requires --shrink"));
        }
        text = rest;
        delta = true;
    }
    if delta {
        flags |= vol_resize_flags::DELTA;
    }
    let text = text.to_string();
    let capacity = vol_size(ctl, &text)?;
    let name = vol.name().to_string();
    let how = if delta { "by" } else { "to" };
    vol.resize(capacity, flags).map_err(|e| {
        ctl.fail(
            &format!("Failed to change size of volume '{name}' {how} {text}"),
            e,
        )
    })?;
    ctl.print_extra(&format!(
        "Size of volume '{name}' successfully changed {how} {text}\n"
    ));
    Ok(())
}

/// A domain's disk that `undefine --storage` removes: its target, its
/// source as the definition names it, and the volume.
pub struct DiskVolume {
    target: String,
    source: String,
    vol: StorageVol,
}

/// The volumes of a domain's disks that `undefine` is to remove: every
/// managed one, or those `chosen` names by target or source (a
/// comma-separated list). Disks the storage API does not manage are
/// reported and left; a chosen name that no disk has fails the command.
pub fn domain_volumes(
    ctl: &mut Ctl,
    dom: &virt_core::Domain,
    chosen: Option<&str>,
) -> Result<Vec<DiskVolume>, Failure> {
    let xml = dom.xml_desc(0)?;
    let doc =
        virt_xml::parse_element(&xml).map_err(|e| Failure::from(virt_core::Error::from(e)))?;
    let conn = ctl.conn()?;
    let mut wanted: Option<Vec<Option<String>>> =
        chosen.map(|c| c.split(',').map(|s| Some(s.to_string())).collect());
    let mut out = Vec::new();
    for disk in doc_disks(&doc) {
        let Some(target) = disk.target() else {
            continue;
        };
        // virsh's XPath union of the source's file, dir, name, dev and
        // volume (a source has one of them: which one follows its type).
        let src = disk.source();
        let source = src.as_ref().and_then(|s| {
            [&s.file, &s.dir, &s.name, &s.dev, &s.volume]
                .into_iter()
                .find_map(Clone::clone)
        });
        let Some(source) = source else {
            continue;
        };
        if let Some(list) = wanted.as_mut() {
            let hit = list.iter_mut().find(|w| {
                w.as_deref() == Some(target.as_str()) || w.as_deref() == Some(source.as_str())
            });
            match hit {
                Some(w) => *w = None,
                None => continue,
            }
        }
        let vol = match src.and_then(|s| s.pool).as_deref() {
            Some(pool) => match conn.storage_pool_lookup_by_name(pool) {
                Ok(p) => p.storage_vol_lookup_by_name(&source),
                Err(_) => {
                    ctl.error(&format!(
                        "Storage pool '{pool}' for volume '{target}' not found."
                    ));
                    virt_core::reset_last_error();
                    continue;
                }
            },
            None => conn.storage_vol_lookup_by_path(&source),
        };
        match vol {
            Ok(vol) => out.push(DiskVolume {
                target,
                source,
                vol,
            }),
            Err(_) => {
                ctl.error(&format!(
                    "Storage volume '{target}'({source}) is not managed by libvirt. Remove it manually.\n"
                ));
                virt_core::reset_last_error();
            }
        }
    }
    let missing: Vec<String> = wanted.into_iter().flatten().flatten().collect();
    for m in &missing {
        ctl.error(&format!(
            "Volume '{m}' was not found in domain's definition.\n"
        ));
    }
    if !missing.is_empty() {
        return Err(Failure::default());
    }
    Ok(out)
}

/// Remove (after wiping, with `wipe`) the volumes `undefine` collected;
/// every one is tried, the last library error reported at the end.
pub fn remove_volumes(
    ctl: &mut Ctl,
    vols: Vec<DiskVolume>,
    wipe: bool,
    delete_flags: u32,
) -> CmdResult {
    let mut last = None;
    let mut failed = false;
    for v in vols {
        if wipe {
            ctl.print_extra(&format!("Wiping volume '{}'({}) ... ", v.target, v.source));
            ctl.flush();
            if let Err(e) = v.vol.wipe(0) {
                ctl.error("Failed! Volume not removed.");
                last = Some(e);
                failed = true;
                continue;
            }
            ctl.print_extra("Done.\n");
        }
        match v.vol.delete(delete_flags) {
            Ok(()) => ctl.print_extra(&format!("Volume '{}'({}) removed.\n", v.target, v.source)),
            Err(e) => {
                ctl.error(&format!(
                    "Failed to remove storage volume '{}'({})",
                    v.target, v.source
                ));
                last = Some(e);
                failed = true;
            }
        }
    }
    if failed {
        return Err(Failure { lib: last });
    }
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
