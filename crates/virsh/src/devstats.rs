//! Per-device statistics of one domain, printed as virsh 9.0 prints them:
//! `domblkstat`, `domifstat`, `dommemstat`, `domblkinfo`.

use crate::cmd::Cmd;
use crate::ctl::{CmdResult, Ctl, Failure, BY_ANY};
use crate::table::Table;
use virt_core::{memory_stat, BlockInfo};

/// `domblkstat`'s fields: the short name and `--human`'s words.
const BLOCK_FIELDS: [(&str, &str); 5] = [
    ("rd_req", "number of read operations:"),
    ("rd_bytes", "number of bytes read:"),
    ("wr_req", "number of write operations:"),
    ("wr_bytes", "number of bytes written:"),
    ("errs", "error count:"),
];

/// `domblkstat`: a disk's I/O counters; those the hypervisor does not keep
/// (-1) are left out, as virsh does.
pub fn domblkstat(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = ctl.lookup_domain(cmd, BY_ANY)?;
    let device = cmd.raw("device").unwrap_or("");
    let s = dom.block_stats(device).map_err(|e| {
        ctl.fail(
            &format!("Failed to get block stats {} {device}", dom.name()),
            e,
        )
    })?;
    let values = [s.rd_req, s.rd_bytes, s.wr_req, s.wr_bytes, s.errs];
    let mut out = String::new();
    if cmd.has("human") {
        out.push_str(&format!("Device: {device}\n"));
    }
    for ((short, words), v) in BLOCK_FIELDS.iter().zip(values) {
        if v < 0 {
            continue;
        }
        if cmd.has("human") {
            out.push_str(&format!(" {words:<31} {v}\n"));
        } else {
            out.push_str(&format!("{device} {short} {v}\n"));
        }
    }
    ctl.print(&out);
    Ok(())
}

/// `domifstat`: an interface's counters, named by device or MAC.
pub fn domifstat(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = ctl.lookup_domain(cmd, BY_ANY)?;
    let device = ctl.req_str(cmd, "interface")?.to_string();
    let s = dom.interface_stats(&device).map_err(|e| {
        ctl.fail(
            &format!("Failed to get interface stats {} {device}", dom.name()),
            e,
        )
    })?;
    let mut out = String::new();
    for (name, v) in [
        ("rx_bytes", s.rx_bytes),
        ("rx_packets", s.rx_packets),
        ("rx_errs", s.rx_errs),
        ("rx_drop", s.rx_drop),
        ("tx_bytes", s.tx_bytes),
        ("tx_packets", s.tx_packets),
        ("tx_errs", s.tx_errs),
        ("tx_drop", s.tx_drop),
    ] {
        if v >= 0 {
            out.push_str(&format!("{device} {name} {v}\n"));
        }
    }
    ctl.print(&out);
    Ok(())
}

/// `dommemstat`: the balloon's figures, one `name value` line each.
pub fn dommemstat(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (config, live, current) = (cmd.has("config"), cmd.has("live"), cmd.has("current"));
    ctl.exclusive(cmd, "current", "live")?;
    ctl.exclusive(cmd, "current", "config")?;
    let mut flags = 0;
    if config {
        flags |= virt_core::affect::CONFIG;
    }
    if live {
        flags |= virt_core::affect::LIVE;
    }
    let dom = ctl.lookup_domain(cmd, BY_ANY)?;
    // Nothing chosen and the domain runs: the change is live, as virsh
    // makes it.
    if !current && !live && !config && dom.is_active().unwrap_or(false) {
        flags |= virt_core::affect::LIVE;
    }
    if let Some(period) = ctl.opt_int(cmd, "period")? {
        if period < 0 {
            return Err(ctl.fail_msg(&format!("Invalid collection period value '{period}'")));
        }
        return dom
            .set_memory_stats_period(period, flags)
            .map_err(|e| ctl.fail("Unable to change balloon collection period.", e));
    }
    let stats = dom.memory_stats(memory_stat::NR, 0).map_err(|e| {
        ctl.fail(
            &format!("Failed to get memory statistics for domain {}", dom.name()),
            e,
        )
    })?;
    let mut out = String::new();
    for s in stats {
        if let Some(name) = memory_stat::name(s.tag) {
            out.push_str(&format!("{name} {}\n", s.val));
        }
    }
    ctl.print(&out);
    Ok(())
}

/// A size for `domblkinfo`: bytes, or with `--human` three decimals in the
/// largest binary unit below it.
fn size(bytes: u64, human: bool) -> String {
    if human {
        crate::storage::pretty_capacity_with(bytes, 3)
    } else {
        bytes.to_string()
    }
}

/// `domblkinfo`: one disk's sizes, or with `--all` a table of every disk
/// (`-` for a disk without a source).
pub fn domblkinfo(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let human = cmd.has("human");
    if cmd.has("all") && cmd.has("device") {
        return Err(ctl.fail_msg("Options --all and --device are mutually exclusive"));
    }
    let dom = ctl.lookup_domain(cmd, BY_ANY)?;
    if !cmd.has("all") {
        let Some(device) = cmd.raw("device").map(str::to_string) else {
            return Err(ctl.fail_msg("command 'domblkinfo' requires <device> option"));
        };
        let info: BlockInfo = dom.block_info(&device, 0)?;
        let mut out = String::new();
        for (k, v) in [
            ("Capacity:", info.capacity),
            ("Allocation:", info.allocation),
            ("Physical:", info.physical),
        ] {
            out.push_str(&format!("{k:<15} {}\n", size(v, human)));
        }
        ctl.print(&out);
        return Ok(());
    }
    let xml = dom.xml_desc(0)?;
    let def = virt_xml::parse_domain(&xml).map_err(|e| {
        Failure::from(virt_core::Error::raw(
            virt_core::ErrorCode::XmlError,
            virt_core::ErrorDomain::Xml,
            e.to_string(),
        ))
    })?;
    let mut t = Table::new(&["Target", "Capacity", "Allocation", "Physical"]);
    for disk in &def.devices.disks {
        let has_source = disk.source.as_deref().is_some_and(|s| !s.is_empty());
        let row = if has_source {
            let info = dom.block_info(&disk.target_dev, 0)?;
            vec![
                disk.target_dev.clone(),
                size(info.capacity, human),
                size(info.allocation, human),
                size(info.physical, human),
            ]
        } else {
            vec![disk.target_dev.clone(), "-".into(), "-".into(), "-".into()]
        };
        t.row(row);
    }
    ctl.print(&t.render(true));
    Ok(())
}

/// One `cpu-stats` line: a time field in seconds with nine decimals, any
/// other value as virsh prints typed parameters.
fn cpu_stats_field(p: &virt_core::TypedParam) -> String {
    use virt_core::cpu_stats::{CPUTIME, SYSTEMTIME, USERTIME, VCPUTIME};
    use virt_core::TypedValue;
    let time = [CPUTIME, VCPUTIME, USERTIME, SYSTEMTIME].contains(&p.field.as_str());
    match &p.value {
        TypedValue::ULLong(ns) if time => format!(
            "\t{:<12} {:9}.{:09} seconds\n",
            p.field,
            ns / 1_000_000_000,
            ns % 1_000_000_000
        ),
        _ => format!("\t{:<12} {}\n", p.field, crate::event::param_value(p)),
    }
}

/// `cpu-stats`: the domain's CPU time per host CPU (`--start`, `--count`)
/// and in total (`--total`; both by default), asked in virsh 9.0's order
/// of calls: the CPU count, the figures per CPU, then 128 CPUs a call.
pub fn cpu_stats(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = ctl.lookup_domain(cmd, BY_ANY)?;
    let mut show_total = cmd.has("total");
    let start = ctl.opt_int(cmd, "start")?;
    if start.is_some_and(|c| c < 0) {
        return Err(ctl.fail_msg("Invalid value for start CPU"));
    }
    let count = ctl.opt_int(cmd, "count")?;
    if count.is_some_and(|c| c < 0) {
        return Err(ctl.fail_msg("Invalid value for number of CPUs to show"));
    }
    let mut show_per_cpu = start.is_some() || count.is_some();
    if !show_total && !show_per_cpu {
        show_total = true;
        show_per_cpu = true;
    }
    let failed = |ctl: &mut Ctl, e| {
        ctl.fail(
            &format!(
                "Failed to retrieve CPU statistics for domain '{}'",
                dom.name()
            ),
            e,
        )
    };
    if show_per_cpu {
        let mut cpu = start.unwrap_or(0);
        let max_id = dom.cpu_stats(0, 0, 0, 0).map_err(|e| failed(ctl, e))?.count;
        if cpu >= max_id {
            return Err(ctl.fail_msg(&format!(
                "Start CPU {cpu} is out of range (min: 0, max: {})",
                max_id - 1
            )));
        }
        let mut show = match count {
            Some(c) if c <= max_id => c,
            Some(_) => {
                ctl.print(&format!("Only {max_id} CPUs available to show\n"));
                max_id - cpu
            }
            None => max_id - cpu,
        };
        let nparams = dom.cpu_stats(0, 0, 1, 0).map_err(|e| failed(ctl, e))?.count;
        if nparams <= 0 {
            ctl.print("No per-CPU stats available");
            if !show_total {
                // virsh fails here without a message of its own.
                return Err(Failure::default());
            }
            show = 0;
        }
        let mut out = String::new();
        while show > 0 {
            let ncpus = show.min(128);
            let got = dom
                .cpu_stats(nparams as u32, cpu, ncpus as u32, 0)
                .map_err(|e| failed(ctl, e))?;
            // CPUs past the host's last come back without figures: skipped.
            for (i, row) in got.per_cpu().into_iter().enumerate() {
                out.push_str(&format!("CPU{}:\n", cpu as usize + i));
                for p in row {
                    out.push_str(&cpu_stats_field(p));
                }
            }
            cpu += ncpus;
            show -= ncpus;
        }
        ctl.print(&out);
        if !show_total {
            return Ok(());
        }
    }
    let nparams = dom
        .cpu_stats(0, -1, 1, 0)
        .map_err(|e| failed(ctl, e))?
        .count;
    if nparams <= 0 {
        ctl.print("No total stats available");
        return Ok(());
    }
    let got = dom
        .cpu_stats(nparams as u32, -1, 1, 0)
        .map_err(|e| failed(ctl, e))?;
    let mut out = String::from("Total:\n");
    for p in &got.params {
        out.push_str(&cpu_stats_field(p));
    }
    ctl.print(&out);
    Ok(())
}
