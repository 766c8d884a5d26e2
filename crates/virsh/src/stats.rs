//! `domstats`: the statistics of every (or the named) domain in one call,
//! printed as virsh 9.0 prints them.

use crate::cmd::Cmd;
use crate::ctl::{CmdResult, Ctl, BY_ANY};
use virt_core::{domain_stats as ds, list_flags, TypedParam, TypedValue};

/// The group options, in virsh's order, with their `VIR_DOMAIN_STATS_*` bits.
const GROUPS: &[(&str, u32)] = &[
    ("state", ds::STATE),
    ("cpu-total", ds::CPU_TOTAL),
    ("balloon", ds::BALLOON),
    ("vcpu", ds::VCPU),
    ("interface", ds::INTERFACE),
    ("block", ds::BLOCK),
    ("perf", 1 << 6),
    ("iothread", 1 << 7),
    ("memory", 1 << 8),
    ("dirtyrate", 1 << 9),
    ("vm", 1 << 10),
];

/// The filtering and behaviour options, with their flags.
const FLAGS: &[(&str, u32)] = &[
    ("list-active", list_flags::ACTIVE),
    ("list-inactive", list_flags::INACTIVE),
    ("list-persistent", list_flags::PERSISTENT),
    ("list-transient", list_flags::TRANSIENT),
    ("list-running", list_flags::RUNNING),
    ("list-paused", list_flags::PAUSED),
    ("list-shutoff", list_flags::SHUTOFF),
    ("list-other", list_flags::OTHER),
    ("enforce", ds::ENFORCE_STATS),
    ("backing", ds::BACKING),
    ("nowait", ds::NOWAIT),
];

fn bits(cmd: &Cmd, table: &[(&str, u32)]) -> u32 {
    table
        .iter()
        .filter(|(n, _)| cmd.has(n))
        .fold(0, |acc, (_, f)| acc | f)
}

/// A value as virsh prints it: `--raw` as libvirt's typed-parameter text,
/// else its "pretty" form (booleans as yes/no).
fn value_text(v: &TypedValue, raw: bool) -> String {
    match v {
        TypedValue::Boolean(b) if !raw => if *b { "yes" } else { "no" }.to_string(),
        TypedValue::Boolean(b) => u8::from(*b).to_string(),
        other => other.to_string(),
    }
}

/// `domstats`.
pub fn domstats(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let stats = bits(cmd, GROUPS);
    let flags = bits(cmd, FLAGS);
    let raw = cmd.has("raw");
    let conn = ctl.conn()?;
    let names: Vec<String> = cmd.all("domain").iter().map(|s| s.to_string()).collect();
    let records = if names.is_empty() {
        conn.get_all_domain_stats(stats, flags)?
    } else {
        let mut doms = Vec::with_capacity(names.len());
        for n in &names {
            doms.push(ctl.lookup_domain_named(n, BY_ANY)?);
        }
        conn.domain_list_get_stats(&doms, stats, flags)?
    };
    // Records are separated by a blank line; the one after the last is the
    // shell's own line after every command.
    let mut out = String::new();
    for (i, (dom, params)) in records.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("Domain: '{}'\n", dom.name()));
        for TypedParam { field, value } in params {
            out.push_str(&format!("  {field}={}\n", value_text(value, raw)));
        }
    }
    ctl.print(&out);
    Ok(())
}
