//! Domain commands: life cycle, information, memory and vCPUs, devices.

use crate::cmd::Cmd;
use crate::ctl::{parse_signed, parse_unsigned, By, CmdResult, Ctl, Failure, BY_ANY};
use crate::table::Table;
use virt_core::{
    affect, dump_flags, dump_format, list_flags, reason, save_flags, xml_flags, CpuListError,
    CpuMap, Domain, DomainState, Error, ErrorCode, ErrorDomain, TypedParam, TypedValue, VcpuInfo,
};

/// Read a file named on the command line, with libvirt's error text.
pub fn read_file(path: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| {
        Failure::from(Error::system(
            ErrorDomain::None,
            format!("Failed to open file '{path}'"),
            &e,
        ))
    })
}

/// `list`.
pub fn list(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    for other in ["name", "uuid", "id"] {
        ctl.exclusive(cmd, "table", other)?;
    }
    let (opt_name, opt_uuid, opt_id) = (cmd.has("name"), cmd.has("uuid"), cmd.has("id"));
    let table = cmd.has("table") || !(opt_name || opt_uuid || opt_id);
    let filters: [(&str, u32); 14] = [
        ("persistent", list_flags::PERSISTENT),
        ("transient", list_flags::TRANSIENT),
        ("with-managed-save", list_flags::MANAGEDSAVE),
        ("without-managed-save", list_flags::NO_MANAGEDSAVE),
        ("autostart", list_flags::AUTOSTART),
        ("no-autostart", list_flags::NO_AUTOSTART),
        ("with-snapshot", list_flags::HAS_SNAPSHOT),
        ("without-snapshot", list_flags::NO_SNAPSHOT),
        ("with-checkpoint", list_flags::HAS_CHECKPOINT),
        ("without-checkpoint", list_flags::NO_CHECKPOINT),
        ("state-running", list_flags::RUNNING),
        ("state-paused", list_flags::PAUSED),
        ("state-shutoff", list_flags::SHUTOFF),
        ("state-other", list_flags::OTHER),
    ];
    let state_given = [
        "state-running",
        "state-paused",
        "state-shutoff",
        "state-other",
    ]
    .iter()
    .any(|s| cmd.has(s));
    let mut flags = if cmd.has("all") {
        list_flags::ACTIVE | list_flags::INACTIVE
    } else if cmd.has("inactive") {
        list_flags::INACTIVE
    } else if state_given {
        0
    } else {
        list_flags::ACTIVE
    };
    for (name, f) in filters {
        if cmd.has(name) {
            flags |= f;
        }
    }
    let conn = ctl.conn()?;
    let mut doms = conn
        .list_all_domains(flags)
        .map_err(|e| ctl.fail("Failed to list domains", e))?;
    // Running domains by id, then the others by name, as virsh sorts them.
    doms.sort_by(|a, b| match (a.id(), b.id()) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a
            .name()
            .to_ascii_lowercase()
            .cmp(&b.name().to_ascii_lowercase()),
    });
    if table {
        let mut header = vec!["Id", "Name", "State"];
        if cmd.has("title") {
            header.push("Title");
        }
        let mut t = Table::new(&header);
        for d in &doms {
            let state = d
                .state()
                .map(|(s, _)| s)
                .or_else(|_| d.info().map(|i| i.state));
            let mut state = state.map(|s| s.as_str()).unwrap_or("no state").to_string();
            if cmd.has("managed-save") && d.has_managed_save(0).unwrap_or(false) {
                state = "saved".into();
            }
            let id = d.id().map_or("-".to_string(), |i| i.to_string());
            let mut row = vec![id, d.name().to_string(), state];
            if cmd.has("title") {
                row.push(String::new());
            }
            t.row(row);
        }
        let with_header = !ctl.quiet;
        ctl.print(&t.render(with_header));
    } else {
        let mut s = String::new();
        for d in &doms {
            if opt_id && d.id().is_none() {
                continue;
            }
            let mut parts = Vec::new();
            if opt_uuid {
                parts.push(d.uuid_string());
            }
            if opt_id {
                parts.push(d.id().map_or("-".to_string(), |i| i.to_string()));
            }
            if opt_name {
                parts.push(d.name().to_string());
            }
            s.push_str(&parts.join(" "));
            s.push('\n');
        }
        ctl.print(&s);
    }
    virt_core::reset_last_error();
    Ok(())
}

/// `dominfo`.
pub fn dominfo(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let conn = ctl.conn()?;
    let mut s = String::new();
    let row = |s: &mut String, k: &str, v: &str| s.push_str(&format!("{k:<15} {v}\n"));
    row(
        &mut s,
        "Id:",
        &d.id().map_or("-".to_string(), |i| i.to_string()),
    );
    row(&mut s, "Name:", d.name());
    row(&mut s, "UUID:", &d.uuid_string());
    let mut failed: Option<Error> = None;
    match d.os_type() {
        Ok(t) => row(&mut s, "OS Type:", &t),
        Err(e) => failed = Some(e),
    }
    match d.info() {
        Ok(info) => {
            row(&mut s, "State:", info.state.as_str());
            row(&mut s, "CPU(s):", &info.nr_virt_cpu.to_string());
            if info.cpu_time != 0 {
                row(
                    &mut s,
                    "CPU time:",
                    &format!("{:.1}s", info.cpu_time as f64 / 1e9),
                );
            }
            if info.max_mem == u64::from(u32::MAX) {
                row(&mut s, "Max memory:", "no limit");
            } else {
                row(&mut s, "Max memory:", &format!("{} KiB", info.max_mem));
            }
            row(&mut s, "Used memory:", &format!("{} KiB", info.memory));
        }
        Err(e) => failed = Some(e),
    }
    let yes_no = |r: virt_core::Result<bool>| match r {
        Ok(true) => "yes",
        Ok(false) => "no",
        Err(_) => "unknown",
    };
    row(&mut s, "Persistent:", yes_no(d.is_persistent()));
    if let Ok(a) = d.autostart() {
        row(&mut s, "Autostart:", if a { "enable" } else { "disable" });
    }
    row(&mut s, "Managed save:", yes_no(d.has_managed_save(0)));
    match conn.node_security_model() {
        Ok(m) if !m.model.is_empty() => {
            row(&mut s, "Security model:", &m.model);
            row(&mut s, "Security DOI:", &m.doi);
            match d.security_label() {
                Ok(l) if !l.label.is_empty() => {
                    let mode = if l.enforcing {
                        "enforcing"
                    } else {
                        "permissive"
                    };
                    row(&mut s, "Security label:", &format!("{} ({mode})", l.label));
                }
                Ok(_) => {}
                Err(e) => {
                    ctl.print(&s);
                    return Err(e.into());
                }
            }
        }
        Ok(_) => {}
        Err(e) if e.code == ErrorCode::NoSupport => virt_core::reset_last_error(),
        Err(e) => {
            ctl.print(&s);
            return Err(e.into());
        }
    }
    ctl.print(&s);
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// `domstate`.
pub fn domstate(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let (state, why) = match d.state() {
        Ok(v) => v,
        Err(e) => match d.info() {
            Ok(i) => (i.state, 0),
            Err(_) => return Err(e.into()),
        },
    };
    if cmd.has("reason") {
        ctl.print(&format!(
            "{} ({})\n",
            state.as_str(),
            reason::as_str(state, why)
        ));
    } else {
        ctl.print(&format!("{}\n", state.as_str()));
    }
    Ok(())
}

/// `domid`.
pub fn domid(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    print_identity(
        ctl,
        cmd,
        By {
            id: false,
            ..BY_ANY
        },
        |d| d.id().map_or("-".to_string(), |i| i.to_string()),
    )
}

/// `domname`.
pub fn domname(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    print_identity(
        ctl,
        cmd,
        By {
            name: false,
            ..BY_ANY
        },
        |d| d.name().to_string(),
    )
}

/// `domuuid`.
pub fn domuuid(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    print_identity(
        ctl,
        cmd,
        By {
            uuid: false,
            ..BY_ANY
        },
        Domain::uuid_string,
    )
}

/// What `domid`, `domname` and `domuuid` share: find the domain by the
/// identities the command accepts (`by`) and print the one it asks for.
fn print_identity(ctl: &mut Ctl, cmd: &Cmd, by: By, show: impl Fn(&Domain) -> String) -> CmdResult {
    let d = ctl.lookup_domain(cmd, by)?;
    ctl.print(&format!("{}\n", show(&d)));
    Ok(())
}

/// `dumpxml`.
pub fn dumpxml(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    if ctl.opt_str(cmd, "xpath")?.is_some() {
        return Err(ctl.fail_msg("XPath filtering is not supported by this virsh"));
    }
    let mut flags = 0;
    for (name, f) in [
        ("inactive", xml_flags::INACTIVE),
        ("security-info", xml_flags::SECURE),
        ("update-cpu", xml_flags::UPDATE_CPU),
        ("migratable", xml_flags::MIGRATABLE),
    ] {
        if cmd.has(name) {
            flags |= f;
        }
    }
    let xml = d.xml_desc(flags)?;
    ctl.print(&xml);
    Ok(())
}

fn flags_of(cmd: &Cmd, table: &[(&str, u32)]) -> u32 {
    table
        .iter()
        .filter(|(n, _)| cmd.has(n))
        .fold(0, |acc, (_, f)| acc | f)
}

/// `create`.
pub fn create(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let file = ctl.req_str(cmd, "file")?.to_string();
    let xml = read_file(&file)?;
    let flags = flags_of(
        cmd,
        &[
            ("paused", 1),
            ("autodestroy", 2),
            ("validate", 16),
            ("reset-nvram", 32),
        ],
    );
    let conn = ctl.conn()?;
    match conn.create_xml(&xml, flags) {
        Ok(d) => {
            ctl.print_extra(&format!("Domain '{}' created from {file}\n", d.name()));
            Ok(())
        }
        Err(e) => Err(ctl.fail(&format!("Failed to create domain from {file}"), e)),
    }
}

/// `define`.
pub fn define(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let file = ctl.req_str(cmd, "file")?.to_string();
    let xml = read_file(&file)?;
    let conn = ctl.conn()?;
    let r = if cmd.has("validate") {
        conn.define_xml_flags(&xml, 1)
    } else {
        conn.define_xml(&xml)
    };
    match r {
        Ok(d) => {
            ctl.print_extra(&format!("Domain '{}' defined from {file}\n", d.name()));
            Ok(())
        }
        Err(e) => Err(ctl.fail(&format!("Failed to define domain from {file}"), e)),
    }
}

/// `undefine`.
pub fn undefine(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let chosen = ctl.opt_str(cmd, "storage")?;
    let all = cmd.has("remove-all-storage");
    let volumes = if chosen.is_some() || all {
        if d.is_active().unwrap_or(false) {
            return Err(
                ctl.fail_msg("Storage volume deletion is supported only on stopped domains")
            );
        }
        if chosen.is_some() && all {
            return Err(ctl.fail_msg("Specified both --storage and --remove-all-storage"));
        }
        crate::storage::domain_volumes(ctl, &d, chosen)?
    } else {
        Vec::new()
    };
    let flags = flags_of(
        cmd,
        &[
            ("managed-save", 1),
            ("snapshots-metadata", 2),
            ("nvram", 4),
            ("keep-nvram", 8),
            ("checkpoints-metadata", 16),
            ("tpm", 32),
            ("keep-tpm", 64),
        ],
    );
    const NVRAM: u32 = 4;
    // As virsh, a managed save image the user did not name stops the
    // undefine before any flagged call (only --nvram needs that call).
    let has_managed_save = !d.is_active().unwrap_or(true)
        && d.has_managed_save(0).unwrap_or_else(|_| {
            virt_core::reset_last_error();
            false
        });
    if has_managed_save && !cmd.has("managed-save") && flags & NVRAM == 0 {
        return Err(ctl.fail_msg("Refusing to undefine while domain managed save image exists"));
    }
    // virsh tries the flagged call first; when the driver refuses the
    // flags, it falls back to the plain call (removing a managed save
    // image itself), except for --nvram, which only the flagged call can do.
    let r = match d.undefine_flags(flags) {
        Err(e)
            if flags & NVRAM == 0
                && matches!(e.code, ErrorCode::NoSupport | ErrorCode::InvalidArg) =>
        {
            virt_core::reset_last_error();
            if has_managed_save {
                d.managed_save_remove(0).and_then(|()| d.undefine())
            } else {
                d.undefine()
            }
        }
        r => r,
    };
    acted(ctl, r, d.name(), "has been undefined", "undefine")?;
    let delete_flags = if cmd.has("delete-storage-volume-snapshots") {
        virt_core::vol_delete_flags::WITH_SNAPSHOTS
    } else {
        0
    };
    crate::storage::remove_volumes(ctl, volumes, cmd.has("wipe-storage"), delete_flags)
}

/// `start`.
pub fn start(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let mut d = ctl.lookup_domain(
        cmd,
        By {
            id: false,
            uuid: true,
            name: true,
        },
    )?;
    if d.id().is_some() {
        return Err(ctl.fail_msg("Domain is already active"));
    }
    const FORCE_BOOT: u32 = 8;
    let mut flags = flags_of(
        cmd,
        &[
            ("paused", 1),
            ("autodestroy", 2),
            ("bypass-cache", 4),
            ("force-boot", FORCE_BOOT),
            ("reset-nvram", 32),
        ],
    );
    // A driver that cannot force a fresh boot gets it emulated, as virsh
    // does: drop the managed save image, then start without the flag.
    if flags & FORCE_BOOT != 0 {
        match d.create_with_flags(flags) {
            Ok(()) => {
                ctl.print_extra(&format!("Domain '{}' started\n", d.name()));
                return Ok(());
            }
            Err(e) if !matches!(e.code, ErrorCode::NoSupport | ErrorCode::InvalidArg) => {
                return Err(e.into());
            }
            Err(_) => virt_core::reset_last_error(),
        }
        if d.has_managed_save(0).unwrap_or(false) {
            d.managed_save_remove(0)?;
        }
        virt_core::reset_last_error();
        flags &= !FORCE_BOOT;
    }
    let r = if flags == 0 {
        d.create()
    } else {
        d.create_with_flags(flags)
    };
    acted(ctl, r, d.name(), "started", "start")
}

/// The `--mode` list of shutdown and reboot, as flags.
fn shutdown_mode(ctl: &mut Ctl, cmd: &Cmd) -> Result<u32, Failure> {
    let Some(modes) = ctl.opt_str(cmd, "mode")? else {
        return Ok(0);
    };
    // The two commands word the same error differently.
    let tail = if cmd.name == "shutdown" {
        ", or"
    } else {
        " or"
    };
    let mut flags = 0;
    for m in modes.split(',') {
        flags |= match m {
            "acpi" => 1,
            "agent" => 2,
            "initctl" => 4,
            "signal" => 8,
            "paravirt" => 16,
            _ => {
                return Err(ctl.fail_msg(&format!(
                    "Unknown mode {m} value, expecting 'acpi', 'agent', 'initctl', 'signal'{tail} 'paravirt'"
                )))
            }
        };
    }
    Ok(flags)
}

/// `shutdown`.
pub fn shutdown(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let flags = shutdown_mode(ctl, cmd)?;
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let r = if flags == 0 {
        d.shutdown()
    } else {
        d.shutdown_flags(flags)
    };
    acted(ctl, r, d.name(), "is being shutdown", "shutdown")
}

/// `reboot`.
pub fn reboot(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let flags = shutdown_mode(ctl, cmd)?;
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    acted(
        ctl,
        d.reboot(flags),
        d.name(),
        "is being rebooted",
        "reboot",
    )
}

/// `destroy`.
pub fn destroy(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let mut d = ctl.lookup_domain(cmd, BY_ANY)?;
    let flags = flags_of(cmd, &[("graceful", 1), ("remove-logs", 2)]);
    // virsh keeps the older call unless a flag needs the newer one.
    let r = if flags == 0 {
        d.destroy()
    } else {
        d.destroy_flags(flags)
    };
    acted(ctl, r, d.name(), "destroyed", "destroy")
}

/// `suspend`.
pub fn suspend(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    acted(ctl, d.suspend(), d.name(), "suspended", "suspend")
}

/// `resume`.
pub fn resume(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    acted(ctl, d.resume(), d.name(), "resumed", "resume")
}

/// What `save` and `restore` both take: the image file, the replacement
/// XML read from `--xml FILE`, and the `--bypass-cache/--running/--paused`
/// flags.
fn save_image_args(ctl: &mut Ctl, cmd: &Cmd) -> Result<(String, Option<String>, u32), Failure> {
    let file = ctl.req_str(cmd, "file")?.to_string();
    let dxml = match ctl.opt_str(cmd, "xml")? {
        Some(x) => Some(read_file(x)?),
        None => None,
    };
    let flags = flags_of(
        cmd,
        &[
            ("bypass-cache", save_flags::BYPASS_CACHE),
            ("running", save_flags::RUNNING),
            ("paused", save_flags::PAUSED),
        ],
    );
    Ok((file, dxml, flags))
}

/// `save`.
pub fn save(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let (file, dxml, flags) = save_image_args(ctl, cmd)?;
    // virsh keeps the older call unless a flag or new XML needs the newer.
    let saver = d.clone();
    let call = || {
        let mut d = saver;
        if flags == 0 && dxml.is_none() {
            d.save(&file)
        } else {
            d.save_flags_xml(&file, dxml.as_deref(), flags)
        }
    };
    let r = if cmd.has("verbose") {
        ctl.watch_job(&d, "Save", call)
    } else {
        call()
    };
    match r {
        Ok(()) => {
            if cmd.has("verbose") {
                ctl.progress_done("Save");
            }
            ctl.print_extra(&format!("\nDomain '{}' saved to {file}\n", d.name()));
            Ok(())
        }
        Err(e) => Err(ctl.fail(
            &format!("Failed to save domain '{}' to {file}", d.name()),
            e,
        )),
    }
}

/// `managedsave`.
pub fn managed_save(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let flags = flags_of(
        cmd,
        &[
            ("bypass-cache", save_flags::BYPASS_CACHE),
            ("running", save_flags::RUNNING),
            ("paused", save_flags::PAUSED),
        ],
    );
    let saver = d.clone();
    let call = || {
        let mut d = saver;
        d.managed_save(flags)
    };
    let r = if cmd.has("verbose") {
        ctl.watch_job(&d, "Managedsave", call)
    } else {
        call()
    };
    match r {
        Ok(()) => {
            if cmd.has("verbose") {
                ctl.progress_done("Managedsave");
            }
            ctl.print_extra(&format!("\nDomain '{}' state saved by libvirt\n", d.name()));
            Ok(())
        }
        Err(e) => Err(ctl.fail(&format!("Failed to save domain '{}' state", d.name()), e)),
    }
}

/// `managedsave-remove`: removing nothing is no error.
pub fn managed_save_remove(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    match d.has_managed_save(0) {
        Err(e) => {
            return Err(ctl.fail("Failed to check for domain managed save image", e));
        }
        Ok(false) => {
            ctl.print_extra(&format!(
                "Domain '{}' has no manage save image; removal skipped",
                d.name()
            ));
            return Ok(());
        }
        Ok(true) => {}
    }
    if let Err(e) = d.managed_save_remove(0) {
        return Err(ctl.fail(
            &format!(
                "Failed to remove managed save image for domain '{}'",
                d.name()
            ),
            e,
        ));
    }
    ctl.print_extra(&format!(
        "Removed managedsave image for domain '{}'",
        d.name()
    ));
    Ok(())
}

/// `restore`.
pub fn restore(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (file, dxml, mut flags) = save_image_args(ctl, cmd)?;
    flags |= flags_of(cmd, &[("reset-nvram", 8)]);
    let conn = ctl.conn()?;
    let r = if flags == 0 && dxml.is_none() {
        conn.restore(&file)
    } else {
        conn.restore_flags(&file, dxml.as_deref(), flags)
    };
    match r {
        Ok(_) => {
            ctl.print_extra(&format!("Domain restored from {file}\n"));
            Ok(())
        }
        Err(e) => Err(ctl.fail(&format!("Failed to restore domain from {file}"), e)),
    }
}

/// `dump`.
pub fn dump(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let file = ctl.req_str(cmd, "file")?.to_string();
    if cmd.has("format") && !cmd.has("memory-only") {
        return Err(ctl.fail_msg("--format only works with --memory-only"));
    }
    // In `dump_format` order: "elf" is the raw format.
    const FORMATS: [&str; 5] = ["elf", "kdump-zlib", "kdump-lzo", "kdump-snappy", "win-dmp"];
    let mut format = dump_format::RAW;
    if let Some(f) = cmd.raw("format").filter(|f| !f.is_empty()) {
        match FORMATS.iter().position(|x| x == &f) {
            Some(i) => format = i as u32,
            None => {
                return Err(ctl.fail_msg(&format!(
                    "format '{f}' is not supported, expecting 'kdump-zlib', 'kdump-lzo', 'kdump-snappy', 'win-dmp' or 'elf'"
                )))
            }
        }
    }
    let flags = flags_of(
        cmd,
        &[
            ("crash", dump_flags::CRASH),
            ("live", dump_flags::LIVE),
            ("bypass-cache", dump_flags::BYPASS_CACHE),
            ("reset", dump_flags::RESET),
            ("memory-only", dump_flags::MEMORY_ONLY),
        ],
    );
    // virsh keeps the older call for the raw format.
    let dumper = d.clone();
    let call = || {
        if format == dump_format::RAW {
            dumper.core_dump(&file, flags)
        } else {
            dumper.core_dump_with_format(&file, format, flags)
        }
    };
    let r = if cmd.has("verbose") {
        ctl.watch_job(&d, "Dump", call)
    } else {
        call()
    };
    match r {
        Ok(()) => {
            if cmd.has("verbose") {
                ctl.progress_done("Dump");
            }
            ctl.print_extra(&format!("\nDomain '{}' dumped to {file}\n", d.name()));
            Ok(())
        }
        Err(e) => Err(ctl.fail(
            &format!("Failed to core dump domain '{}' to {file}", d.name()),
            e,
        )),
    }
}

/// `--current` excludes `--live` and `--config`; `None` when none is given
/// (virsh then calls the API without flags).
fn affect_flags(ctl: &mut Ctl, cmd: &Cmd) -> Result<Option<u32>, Failure> {
    ctl.exclusive(cmd, "current", "live")?;
    ctl.exclusive(cmd, "current", "config")?;
    if !cmd.has("current") && !cmd.has("live") && !cmd.has("config") {
        return Ok(None);
    }
    let mut f = affect::CURRENT;
    if cmd.has("live") {
        f |= affect::LIVE;
    }
    if cmd.has("config") {
        f |= affect::CONFIG;
    }
    Ok(Some(f))
}

fn size_kib(ctl: &mut Ctl, cmd: &Cmd) -> Result<u64, Failure> {
    let bytes = ctl.opt_scaled(cmd, "size", 1024, u64::MAX)?.unwrap_or(0);
    Ok(bytes.div_ceil(1024))
}

/// `setmem`.
pub fn setmem(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let flags = affect_flags(ctl, cmd)?;
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let kib = size_kib(ctl, cmd)?;
    // virsh 9 always calls the flags variant; without a flag it changes
    // the running domain only (an inactive one refuses).
    d.set_memory_flags(kib, flags.unwrap_or(affect::LIVE))
        .map_err(Failure::from)
}

/// `setmaxmem`.
pub fn setmaxmem(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let flags = affect_flags(ctl, cmd)?;
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let kib = size_kib(ctl, cmd)?;
    d.set_memory_flags(kib, flags.unwrap_or(affect::CURRENT) | affect::MAXIMUM)
        .map_err(|e| ctl.fail("Unable to change MaxMemorySize", e))
}

/// `setvcpus`.
pub fn setvcpus(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    ctl.exclusive(cmd, "current", "live")?;
    ctl.exclusive(cmd, "current", "config")?;
    ctl.exclusive(cmd, "guest", "config")?;
    ctl.requires(cmd, "maximum", "config")?;
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let count = ctl.opt_uint(cmd, "count")?.unwrap_or(0);
    if count == 0 {
        return Err(ctl.fail_msg("Can't set 0 processors for a VM"));
    }
    let named = [
        "current",
        "live",
        "config",
        "maximum",
        "guest",
        "hotpluggable",
    ];
    let r = if named.iter().any(|n| cmd.has(n)) {
        let flags = flags_of(
            cmd,
            &[
                ("live", 1),
                ("config", 2),
                ("maximum", 4),
                ("guest", 8),
                ("hotpluggable", 16),
            ],
        );
        d.set_vcpus_flags(count, flags)
    } else {
        d.set_vcpus(count)
    };
    r.map_err(Failure::from)
}

/// `vcpucount`.
pub fn vcpucount(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    // Before "current" meant the current state, `--current` alone meant
    // the opposite of `--maximum`; virsh still reads it so.
    let old_current = cmd.has("current") && !cmd.has("maximum") && !cmd.has("active");
    ctl.exclusive(cmd, "live", "config")?;
    if !old_current {
        ctl.exclusive(cmd, "current", "live")?;
        ctl.exclusive(cmd, "current", "config")?;
    }
    ctl.exclusive(cmd, "active", "maximum")?;
    ctl.exclusive(cmd, "guest", "config")?;
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let any = ["maximum", "active", "live", "config", "current", "guest"]
        .iter()
        .any(|n| cmd.has(n));
    if any {
        let flags = flags_of(
            cmd,
            &[("live", 1), ("config", 2), ("maximum", 4), ("guest", 8)],
        );
        return match d.vcpus_flags(flags) {
            Ok(n) => {
                ctl.print(&format!("{n}\n"));
                Ok(())
            }
            Err(e) if cmd.has("guest") => {
                Err(ctl.fail("Failed to retrieve vCPU count from the guest", e))
            }
            Err(e) => Err(e.into()),
        };
    }
    let active = d.is_active().unwrap_or(false);
    let persistent = d.is_persistent().unwrap_or(false);
    let mut rows = String::new();
    let cases = [
        (
            affect::CONFIG | affect::MAXIMUM,
            "maximum",
            "config",
            persistent,
        ),
        (affect::LIVE | affect::MAXIMUM, "maximum", "live", active),
        (affect::CONFIG, "current", "config", persistent),
        (affect::LIVE, "current", "live", active),
    ];
    for (flags, which, state, applies) in cases {
        if !applies {
            continue;
        }
        let n = d.vcpus_flags(flags)?;
        if n > 0 {
            rows.push_str(&format!("{which:<12} {state:<12} {n:>3}\n"));
        }
    }
    virt_core::reset_last_error();
    ctl.print(&rows);
    Ok(())
}

/// The number of host CPUs affinity maps cover: the node's CPU map size,
/// else its topology's maximum (virsh's virshNodeGetCPUCount).
fn host_cpu_count(ctl: &mut Ctl) -> Result<u32, Failure> {
    let conn = ctl.conn()?;
    match conn.node_cpu_map() {
        Ok((n, _)) => Ok(n),
        Err(e) if e.code == ErrorCode::NoSupport => {
            virt_core::reset_last_error();
            conn.node_info()
                .map(|n| n.max_cpus())
                .map_err(Failure::from)
        }
        Err(e) => Err(e.into()),
    }
}

/// One vCPU's affinity line of `vcpuinfo`.
fn affinity_line(map: &CpuMap, maxcpu: u32, pretty: bool) -> String {
    if pretty {
        format!(
            "{:<15} {} (out of {maxcpu})\n",
            "CPU Affinity:",
            map.within(maxcpu)
        )
    } else {
        let bits: String = (0..maxcpu)
            .map(|c| if map.is_set(c) { 'y' } else { '-' })
            .collect();
        format!("{:<15} {bits}\n", "CPU Affinity:")
    }
}

/// `vcpuinfo`.
pub fn vcpuinfo(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let maxcpu = host_cpu_count(ctl)?;
    let info = d.info()?;
    let nvcpus = info.nr_virt_cpu as usize;
    // A shut-off domain has no live vCPUs: virsh shows its pinning from
    // the definition and "N/A" for the rest.
    let (live, maps): (Option<Vec<VcpuInfo>>, Vec<CpuMap>) = match d.vcpus() {
        Ok(v) => {
            let maps = v.iter().map(|v| v.affinity.clone()).collect();
            (Some(v), maps)
        }
        Err(e) if info.state != DomainState::Shutoff => return Err(e.into()),
        Err(_) => {
            virt_core::reset_last_error();
            (None, d.vcpu_pin_info(affect::CONFIG)?)
        }
    };
    let n = maps.len().min(nvcpus);
    let mut s = String::new();
    for (i, map) in maps.iter().enumerate().take(n) {
        s.push_str(&format!("{:<15} {i}\n", "VCPU:"));
        match live.as_ref().and_then(|l| l.get(i)) {
            Some(v) => {
                s.push_str(&format!("{:<15} {}\n", "CPU:", v.cpu));
                s.push_str(&format!("{:<15} {}\n", "State:", v.state.as_str()));
                if v.cpu_time != 0 {
                    s.push_str(&format!(
                        "{:<15} {:.1}s\n",
                        "CPU time:",
                        v.cpu_time as f64 / 1e9
                    ));
                }
            }
            None => {
                s.push_str(&format!("{:<15} N/A\n", "CPU:"));
                s.push_str(&format!("{:<15} N/A\n", "State:"));
                s.push_str(&format!("{:<15} N/A\n", "CPU time"));
            }
        }
        s.push_str(&affinity_line(map, maxcpu, cmd.has("pretty")));
        if i + 1 < n {
            s.push('\n');
        }
    }
    ctl.print(&s);
    Ok(())
}

/// `vcpupin` without a cpulist: each vCPU's affinity, from the definition
/// or the running domain as the flags say.
fn vcpupin_query(ctl: &mut Ctl, d: &Domain, vcpu: Option<u32>, flags: u32) -> CmdResult {
    let wrong_state = (flags & affect::LIVE != 0 && !d.is_active().unwrap_or(false))
        || (flags & affect::CONFIG != 0 && !d.is_persistent().unwrap_or(false));
    if wrong_state {
        virt_core::reset_last_error();
        return Err(ctl.fail_msg(if flags & affect::LIVE != 0 {
            "cannot get vcpupin for offline domain"
        } else {
            "cannot get vcpupin for transient domain"
        }));
    }
    // Every vCPU up to the maximum, online or not.
    let count = d.vcpus_flags(flags | affect::MAXIMUM)?;
    if let Some(v) = vcpu.filter(|&v| v >= count) {
        let live = flags & affect::LIVE != 0
            || (flags & affect::CONFIG == 0 && d.is_active().unwrap_or(false));
        let which = if live { "live" } else { "persistent" };
        return Err(ctl.fail_msg(&format!(
            "vcpu {v} is out of range of {which} cpu count {count}"
        )));
    }
    let maxcpu = host_cpu_count(ctl)?;
    let maps = d.vcpu_pin_info(flags)?;
    let mut t = Table::new(&["VCPU", "CPU Affinity"]);
    for (i, map) in maps.iter().enumerate().take(count as usize) {
        if vcpu.is_some_and(|v| v as usize != i) {
            continue;
        }
        t.row(vec![i.to_string(), map.within(maxcpu).to_string()]);
    }
    let with_header = !ctl.quiet;
    ctl.print(&t.render(with_header));
    Ok(())
}

/// `vcpupin`.
pub fn vcpupin(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let flags = affect_flags(ctl, cmd)?;
    let vcpu = ctl.opt_uint(cmd, "vcpu")?;
    // An empty cpulist is kept, to be refused as a cpulist below.
    let list = cmd.raw("cpulist");
    if list.is_some() && vcpu.is_none() {
        return Err(ctl.fail_msg("vcpupin: Missing vCPU number in pin mode."));
    }
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let (Some(list), Some(vcpu)) = (list, vcpu) else {
        return vcpupin_query(ctl, &d, vcpu, flags.unwrap_or(affect::CURRENT));
    };
    let maxcpu = host_cpu_count(ctl)?;
    let map = if list.starts_with('r') {
        CpuMap::all(maxcpu)
    } else {
        let parsed = match list.parse::<CpuMap>() {
            Ok(m) => m,
            Err(e) => {
                let lib = (e == CpuListError::Syntax).then(|| {
                    Error::with(
                        ErrorCode::InvalidArg,
                        ErrorDomain::None,
                        format!("Failed to parse bitmap '{list}'"),
                    )
                });
                ctl.error(&format!("Invalid cpulist '{list}'"));
                return Err(Failure { lib });
            }
        };
        if let Some(last) = parsed.cpus().last().filter(|&c| c >= maxcpu) {
            return Err(ctl.fail_msg(&format!(
                "CPU {last} in cpulist '{list}' exceed the maxcpu {maxcpu}"
            )));
        }
        parsed.within(maxcpu)
    };
    // virsh keeps the older call unless a flag option was given.
    let r = match flags {
        None => d.pin_vcpu(vcpu, &map),
        Some(f) => d.pin_vcpu_flags(vcpu, &map, f),
    };
    r.map_err(Failure::from)
}

/// `autostart`.
pub fn autostart(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let enable = !cmd.has("disable");
    match d.set_autostart(enable) {
        Ok(()) if enable => {
            ctl.print_extra(&format!("Domain '{}' marked as autostarted\n", d.name()));
            Ok(())
        }
        Ok(()) => {
            ctl.print_extra(&format!("Domain '{}' unmarked as autostarted\n", d.name()));
            Ok(())
        }
        Err(e) if enable => Err(ctl.fail(
            &format!("Failed to mark domain '{}' as autostarted", d.name()),
            e,
        )),
        Err(e) => Err(ctl.fail(
            &format!("Failed to unmark domain '{}' as autostarted", d.name()),
            e,
        )),
    }
}

/// A new value for a scheduler parameter, typed like the current one,
/// with libvirt's error when `v` does not fit that type.
fn typed_like(field: &str, old: &TypedValue, v: &str) -> Result<TypedValue, Error> {
    let bad = |what: &str| {
        Error::with(
            ErrorCode::InvalidArg,
            ErrorDomain::None,
            format!("Invalid value for field '{field}': expected {what}"),
        )
    };
    // libvirt's unsigned parsers accept a negative number and wrap it.
    let unsigned = |v: &str| {
        parse_unsigned(v).or_else(|| parse_signed(v).filter(|n| *n < 0).map(|n| n as u64))
    };
    Ok(match old {
        TypedValue::Int(_) => TypedValue::Int(
            parse_signed(v)
                .and_then(|n| i32::try_from(n).ok())
                .ok_or_else(|| bad("int"))?,
        ),
        TypedValue::UInt(_) => TypedValue::UInt(
            unsigned(v)
                .and_then(|n| {
                    u32::try_from(n)
                        .ok()
                        .or_else(|| (n >= u64::MAX - u64::from(u32::MAX)).then_some(n as u32))
                })
                .ok_or_else(|| bad("unsigned int"))?,
        ),
        TypedValue::LLong(_) => TypedValue::LLong(parse_signed(v).ok_or_else(|| bad("long long"))?),
        TypedValue::ULLong(_) => {
            TypedValue::ULLong(unsigned(v).ok_or_else(|| bad("unsigned long long"))?)
        }
        TypedValue::Double(_) => TypedValue::Double(v.trim().parse().map_err(|_| bad("double"))?),
        TypedValue::Boolean(_) => {
            TypedValue::Boolean(if v.eq_ignore_ascii_case("true") || v == "1" {
                true
            } else if v.eq_ignore_ascii_case("false") || v == "0" {
                false
            } else {
                return Err(Error::with(
                    ErrorCode::InvalidArg,
                    ErrorDomain::None,
                    format!("Invalid boolean value for field '{field}'"),
                ));
            })
        }
        TypedValue::String(_) => TypedValue::String(v.to_string()),
    })
}

/// The changes `schedinfo` asks for: each `--set name=value` in order,
/// then the legacy `--cap` and `--weight`.
fn sched_updates(
    ctl: &mut Ctl,
    cmd: &Cmd,
    params: &[TypedParam],
) -> Result<Vec<TypedParam>, Failure> {
    let mut updates = Vec::new();
    let mut add = |ctl: &mut Ctl, field: &str, v: &str| -> CmdResult {
        let Some(p) = params.iter().find(|p| p.field == field) else {
            return Err(ctl.fail_msg(&format!("invalid scheduler option: {field}")));
        };
        let value = typed_like(field, &p.value, v)?;
        updates.push(TypedParam {
            field: field.to_string(),
            value,
        });
        Ok(())
    };
    for set in cmd.all("set") {
        let Some((field, v)) = set.split_once('=') else {
            return Err(ctl.fail_msg("Invalid syntax for --set, expecting name=value"));
        };
        add(ctl, field, v)?;
    }
    for field in ["cap", "weight"] {
        if let Some(v) = ctl.opt_str(cmd, field)? {
            add(ctl, field, v)?;
        }
    }
    Ok(updates)
}

/// `schedinfo`.
pub fn schedinfo(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let flags = affect_flags(ctl, cmd)?;
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let (name, nparams) = match d.scheduler_type() {
        Ok(t) => t,
        Err(e) => {
            ctl.print(&format!("{:<15}: Unknown\n", "Scheduler"));
            return Err(e.into());
        }
    };
    ctl.print(&format!("{:<15}: {name}\n", "Scheduler"));
    if nparams == 0 {
        return Ok(());
    }
    // Both live and config cannot be read at once: read the current state.
    // Without a flag option virsh keeps the older calls.
    let both = affect::LIVE | affect::CONFIG;
    let read_flags = flags.map(|f| if f == both { affect::CURRENT } else { f });
    let get = |d: &Domain| match read_flags {
        Some(f) => d.scheduler_params(f),
        None => d.scheduler_params_plain(),
    };
    let mut params = get(&d)?;
    let updates = sched_updates(ctl, cmd, &params)?;
    if !updates.is_empty() {
        match flags {
            Some(f) => d.set_scheduler_params(&updates, f)?,
            None => d.set_scheduler_params_plain(&updates)?,
        }
        params = get(&d)?;
    } else if flags == Some(both) {
        return Err(ctl.fail_msg("cannot query both live and config at once"));
    }
    let mut s = String::new();
    for p in &params {
        s.push_str(&format!("{:<15}: {}\n", p.field, p.value));
    }
    ctl.print(&s);
    Ok(())
}

fn domain_def(ctl: &mut Ctl, cmd: &Cmd) -> Result<virt_xml::DomainDef, Failure> {
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let flags = if cmd.has("inactive") {
        xml_flags::INACTIVE
    } else {
        0
    };
    let xml = d.xml_desc(flags)?;
    virt_xml::parse_domain(&xml).map_err(|e| {
        Failure::from(Error::raw(
            ErrorCode::XmlError,
            ErrorDomain::Xml,
            e.to_string(),
        ))
    })
}

/// `domblklist`.
pub fn domblklist(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let def = domain_def(ctl, cmd)?;
    let details = cmd.has("details");
    let mut t = if details {
        Table::new(&["Type", "Device", "Target", "Source"])
    } else {
        Table::new(&["Target", "Source"])
    };
    for disk in &def.devices.disks {
        let source = disk.source.clone().unwrap_or_else(|| "-".to_string());
        if details {
            let device = if disk.device.is_empty() {
                "disk"
            } else {
                disk.device.as_str()
            };
            t.row(vec![
                disk.disk_type.clone(),
                device.to_string(),
                disk.target_dev.clone(),
                source,
            ]);
        } else {
            t.row(vec![disk.target_dev.clone(), source]);
        }
    }
    let with_header = !ctl.quiet;
    ctl.print(&t.render(with_header));
    Ok(())
}

/// `domiflist`.
pub fn domiflist(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let def = domain_def(ctl, cmd)?;
    let mut t = Table::new(&["Interface", "Type", "Source", "Model", "MAC"]);
    let dash = |v: Option<&str>| v.unwrap_or("-").to_string();
    for i in &def.devices.interfaces {
        let source = match i.iface_type.as_str() {
            "network" => i.source_attr("network"),
            "bridge" => i.source_attr("bridge"),
            "direct" | "ethernet" | "hostdev" => i.source_attr("dev"),
            "vdpa" => i.source_attr("dev"),
            _ => None,
        };
        t.row(vec![
            dash(i.target_dev.as_deref()),
            i.iface_type.clone(),
            dash(source),
            dash(i.model.as_deref()),
            dash(i.mac.as_deref()),
        ]);
    }
    let with_header = !ctl.quiet;
    ctl.print(&t.render(with_header));
    Ok(())
}

/// What virsh prints after a simple action on a domain: "Domain 'NAME'
/// DONE" (unless quiet), or "Failed to VERB domain 'NAME'" with the error.
fn acted(ctl: &mut Ctl, r: virt_core::Result<()>, name: &str, done: &str, verb: &str) -> CmdResult {
    match r {
        Ok(()) => {
            ctl.print_extra(&format!("Domain '{name}' {done}\n"));
            Ok(())
        }
        Err(e) => Err(ctl.fail(&format!("Failed to {verb} domain '{name}'"), e)),
    }
}
