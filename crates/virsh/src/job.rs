//! A domain's background job: `domjobinfo` and `domjobabort`, printed as
//! Debian's virsh 9.0 prints them.

use crate::cmd::Cmd;
use crate::ctl::{CmdResult, Ctl, BY_ANY};
use crate::storage::pretty_capacity_with;
use virt_core::{job_stats, job_type, DomainJobStats, ErrorCode, TypedParam, TypedValue};

/// `VIR_DOMAIN_JOB_STATS_COMPLETED`.
const STATS_COMPLETED: u32 = 1 << 0;
/// `VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED`.
const STATS_KEEP_COMPLETED: u32 = 1 << 1;

/// virsh's words for a job type.
fn type_name(kind: i32) -> &'static str {
    match kind {
        job_type::NONE => "None",
        job_type::BOUNDED => "Bounded",
        job_type::UNBOUNDED => "Unbounded",
        job_type::COMPLETED => "Completed",
        job_type::FAILED => "Failed",
        job_type::CANCELLED => "Cancelled",
        _ => "unknown",
    }
}

/// virsh's words for a job's operation.
fn operation_name(op: i32) -> &'static str {
    const NAMES: [&str; 11] = [
        "Unknown",
        "Start",
        "Save",
        "Restore",
        "Incoming migration",
        "Outgoing migration",
        "Snapshot",
        "Snapshot revert",
        "Dump",
        "Backup",
        "Snapshot delete",
    ];
    usize::try_from(op)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("unknown")
}

/// An unsigned figure of the statistics, if given.
fn ullong(params: &[TypedParam], name: &str) -> Option<u64> {
    params
        .iter()
        .find(|p| p.field == name)
        .and_then(|p| match p.value {
            TypedValue::ULLong(v) => Some(v),
            _ => None,
        })
}

/// A size as virsh's domjobinfo writes it (`%-.3lf UNIT`).
fn size(bytes: u64) -> String {
    pretty_capacity_with(bytes, 3)
}

/// One `Label:            value` line.
fn row(out: &mut String, label: &str, value: &str) {
    out.push_str(&format!("{label:<17} {value}\n"));
}

/// A processed / remaining / total triple, when any is non-zero.
fn triple(out: &mut String, what: &str, figures: [u64; 3]) {
    if figures.iter().all(|v| *v == 0) {
        return;
    }
    for (word, v) in ["processed", "remaining", "total"].iter().zip(figures) {
        row(out, &format!("{what} {word}:"), &size(v));
    }
}

/// `domjobinfo`: the job's statistics, or with a daemon that lacks them
/// the older job info.
pub fn domjobinfo(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    ctl.requires(cmd, "keep-completed", "completed")?;
    let dom = ctl.lookup_domain(cmd, BY_ANY)?;
    let rawstats = cmd.has("rawstats");
    let mut flags = 0;
    if cmd.has("completed") {
        flags |= STATS_COMPLETED;
    }
    if cmd.has("keep-completed") {
        flags |= STATS_KEEP_COMPLETED;
    }
    let stats = match dom.job_stats(flags) {
        Ok(s) => s,
        Err(e) if e.code == ErrorCode::NoSupport => {
            if flags != 0 || rawstats {
                return Err(ctl.fail(
                    "Optional flags or --rawstats are not supported by the daemon",
                    e,
                ));
            }
            virt_core::reset_last_error();
            let i = dom.job_info()?;
            let figures = [
                (job_stats::TIME_ELAPSED, i.time_elapsed),
                ("time_remaining", i.time_remaining),
                (job_stats::DATA_TOTAL, i.data_total),
                (job_stats::DATA_PROCESSED, i.data_processed),
                (job_stats::DATA_REMAINING, i.data_remaining),
                (job_stats::MEMORY_TOTAL, i.mem_total),
                (job_stats::MEMORY_PROCESSED, i.mem_processed),
                (job_stats::MEMORY_REMAINING, i.mem_remaining),
                ("disk_total", i.file_total),
                ("disk_processed", i.file_processed),
                ("disk_remaining", i.file_remaining),
            ];
            // The old call's figures stand in for the statistics' own,
            // as virsh copies them; they are read back only by name.
            let params = figures
                .iter()
                .map(|(f, v)| TypedParam {
                    field: (*f).to_string(),
                    value: TypedValue::ULLong(*v),
                })
                .collect();
            let s = DomainJobStats {
                kind: i.kind,
                params,
            };
            ctl.print(&render(&s, false, flags, cmd.has("anystats")));
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    if rawstats {
        let mut out = format!("Job type: {}\n\n", stats.kind);
        for p in &stats.params {
            out.push_str(&format!("{}: {}\n", p.field, raw_value(p)));
        }
        ctl.print(&out);
        return Ok(());
    }
    ctl.print(&render(&stats, true, flags, cmd.has("anystats")));
    Ok(())
}

/// A typed parameter as `virTypedParameterToString` writes it.
fn raw_value(p: &TypedParam) -> String {
    match &p.value {
        TypedValue::Boolean(b) => if *b { "1" } else { "0" }.to_string(),
        _ => crate::event::param_value(p),
    }
}

/// domjobinfo's lines for `s` (`with_operation`: the statistics, not the
/// old job info, which has no operation).
fn render(s: &DomainJobStats, with_operation: bool, flags: u32, anystats: bool) -> String {
    let mut out = String::new();
    out.push_str(&format!("{:<17} {:<12}\n", "Job type:", type_name(s.kind)));
    if s.kind == job_type::NONE {
        return out;
    }
    let op = if with_operation {
        s.params
            .iter()
            .find(|p| p.field == job_stats::OPERATION)
            .and_then(|p| match p.value {
                TypedValue::Int(v) => Some(v),
                _ => None,
            })
            .unwrap_or(0)
    } else {
        0
    };
    out.push_str(&format!(
        "{:<17} {:<12}\n",
        "Operation:",
        operation_name(op)
    ));
    let running = matches!(s.kind, job_type::BOUNDED | job_type::UNBOUNDED);
    let completed = flags & STATS_COMPLETED != 0 && s.kind == job_type::COMPLETED;
    if !anystats && !running && !completed {
        return out;
    }
    let i = s.info();
    let p = &s.params;
    let ms = |out: &mut String, label: &str, v: u64| row(out, label, &format!("{v:<12} ms"));
    ms(&mut out, "Time elapsed:", i.time_elapsed);
    if let Some(v) = ullong(p, "time_elapsed_net") {
        ms(&mut out, "Time elapsed w/o network:", v);
    }
    if s.kind == job_type::BOUNDED {
        ms(&mut out, "Time remaining:", i.time_remaining);
    }
    triple(
        &mut out,
        "Data",
        [i.data_processed, i.data_remaining, i.data_total],
    );
    if i.mem_total != 0 || i.mem_remaining != 0 || i.mem_processed != 0 {
        triple(
            &mut out,
            "Memory",
            [i.mem_processed, i.mem_remaining, i.mem_total],
        );
        if let Some(v) = ullong(p, "memory_bps").filter(|v| *v != 0) {
            row(&mut out, "Memory bandwidth:", &format!("{}/s", size(v)));
        }
        if let Some(v) = ullong(p, "memory_dirty_rate") {
            row(&mut out, "Dirty rate:", &format!("{v:<12} pages/s"));
        }
        if let Some(v) = ullong(p, "memory_page_size") {
            row(&mut out, "Page size:", &format!("{v:<12} bytes"));
        }
        if let Some(v) = ullong(p, "memory_iteration") {
            row(&mut out, "Iteration:", &format!("{v:<12}"));
        }
        if let Some(v) = ullong(p, "memory_postcopy_requests") {
            row(&mut out, "Postcopy requests:", &format!("{v:<12}"));
        }
    }
    if i.file_total != 0 || i.file_remaining != 0 || i.file_processed != 0 {
        triple(
            &mut out,
            "File",
            [i.file_processed, i.file_remaining, i.file_total],
        );
        if let Some(v) = ullong(p, "disk_bps").filter(|v| *v != 0) {
            row(&mut out, "File bandwidth:", &format!("{}/s", size(v)));
        }
    }
    if let Some(v) = ullong(p, "memory_constant") {
        row(&mut out, "Constant pages:", &format!("{v:<12}"));
    }
    if let Some(v) = ullong(p, "memory_normal") {
        row(&mut out, "Normal pages:", &format!("{v:<12}"));
    }
    if let Some(v) = ullong(p, "memory_normal_bytes") {
        row(&mut out, "Normal data:", &size(v));
    }
    if let Some(v) = ullong(p, "downtime") {
        let label = if s.kind == job_type::COMPLETED {
            "Total downtime:"
        } else {
            "Expected downtime:"
        };
        ms(&mut out, label, v);
    }
    if let Some(v) = ullong(p, "downtime_net") {
        ms(&mut out, "Downtime w/o network:", v);
    }
    if let Some(v) = ullong(p, "setup_time") {
        ms(&mut out, "Setup time:", v);
    }
    out
}

/// `domjobabort`: cancel the running job.
pub fn domjobabort(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = ctl.lookup_domain(cmd, BY_ANY)?;
    if cmd.has("postcopy") {
        // libvirt 9.0's AbortJobFlags is for post-copy migration only,
        // which no driver here runs.
        return Err(virt_core::Error::no_support("virDomainAbortJobFlags").into());
    }
    dom.abort_job()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_save_prints_virsh_lines() {
        let s = DomainJobStats {
            kind: job_type::UNBOUNDED,
            params: vec![
                TypedParam {
                    field: job_stats::OPERATION.into(),
                    value: TypedValue::Int(2),
                },
                TypedParam {
                    field: job_stats::TIME_ELAPSED.into(),
                    value: TypedValue::ULLong(1500),
                },
                TypedParam {
                    field: job_stats::MEMORY_PROCESSED.into(),
                    value: TypedValue::ULLong(1024 * 1024),
                },
                TypedParam {
                    field: job_stats::MEMORY_TOTAL.into(),
                    value: TypedValue::ULLong(4 * 1024 * 1024),
                },
            ],
        };
        let out = render(&s, true, 0, false);
        assert_eq!(
            out,
            "Job type:         Unbounded   \n\
             Operation:        Save        \n\
             Time elapsed:     1500         ms\n\
             Memory processed: 1.000 MiB\n\
             Memory remaining: 0.000 B\n\
             Memory total:     4.000 MiB\n"
        );
        let none = DomainJobStats::default();
        assert_eq!(
            render(&none, true, 0, false),
            "Job type:         None        \n"
        );
    }
}
