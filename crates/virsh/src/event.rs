//! `event`: list the domain event types, or wait for events and print
//! each as virsh 9.0 does.

use crate::cmd::Cmd;
use crate::ctl::{CmdResult, Ctl, BY_ANY};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use virt_core::events::{domain_event_id, GraphicsAddress};
use virt_core::{
    Delivery, DomainEventKind, EndReason, Event, EventFilter, LifecycleEvent, Topic, TypedParam,
    TypedValue,
};

/// virsh's names of the domain event ids, in id order.
const NAMES: [&str; domain_event_id::LAST as usize] = [
    "lifecycle",
    "reboot",
    "rtc-change",
    "watchdog",
    "io-error",
    "graphics",
    "io-error-reason",
    "control-error",
    "block-job",
    "disk-change",
    "tray-change",
    "pm-wakeup",
    "pm-suspend",
    "balloon-change",
    "pm-suspend-disk",
    "device-removed",
    "block-job-2",
    "tunable",
    "agent-lifecycle",
    "device-added",
    "migration-iteration",
    "job-completed",
    "device-removal-failed",
    "metadata-change",
    "block-threshold",
    "memory-failure",
    "memory-device-size-change",
];

/// Set by SIGINT while an event loop runs.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// SIGINT sets [`INTERRUPTED`] while this lives (virsh's event loop ends
/// on Ctrl-C instead of the process); the old disposition comes back on
/// drop.
struct SigintGuard(libc::sigaction);

impl SigintGuard {
    fn install() -> Option<SigintGuard> {
        INTERRUPTED.store(false, Ordering::SeqCst);
        // SAFETY: sigaction(2) with a zeroed struct whose handler is an
        // async-signal-safe function (one atomic store); the old action is
        // written to a local we own.
        unsafe {
            let mut new: libc::sigaction = std::mem::zeroed();
            new.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as usize;
            let mut old: libc::sigaction = std::mem::zeroed();
            (libc::sigaction(libc::SIGINT, &new, &mut old) == 0).then_some(SigintGuard(old))
        }
    }
}

impl Drop for SigintGuard {
    fn drop(&mut self) {
        // SAFETY: restores the action saved by `install`.
        unsafe {
            libc::sigaction(libc::SIGINT, &self.0, std::ptr::null_mut());
        }
    }
}

fn pick<'a>(table: &[&'a str], n: i32) -> &'a str {
    usize::try_from(n)
        .ok()
        .and_then(|i| table.get(i))
        .copied()
        .unwrap_or("unknown")
}

/// virsh's words for a lifecycle event and its detail.
fn lifecycle_words(event: LifecycleEvent, detail: i32) -> (&'static str, &'static str) {
    use LifecycleEvent::*;
    let (name, details): (&str, &[&str]) = match event {
        Defined => ("Defined", &["Added", "Updated", "Renamed", "Snapshot"]),
        Undefined => ("Undefined", &["Removed", "Renamed"]),
        Started => (
            "Started",
            &["Booted", "Migrated", "Restored", "Snapshot", "Event wakeup"],
        ),
        Suspended => (
            "Suspended",
            &[
                "Paused",
                "Migrated",
                "I/O Error",
                "Watchdog",
                "Restored",
                "Snapshot",
                "API error",
                "Post-copy",
                "Post-copy Error",
            ],
        ),
        Resumed => (
            "Resumed",
            &[
                "Unpaused",
                "Migrated",
                "Snapshot",
                "Post-copy",
                "Post-copy Error",
            ],
        ),
        Stopped => (
            "Stopped",
            &[
                "Shutdown",
                "Destroyed",
                "Crashed",
                "Migrated",
                "Saved",
                "Failed",
                "Snapshot",
            ],
        ),
        Shutdown => (
            "Shutdown",
            &[
                "Finished",
                "Finished after guest request",
                "Finished after host request",
            ],
        ),
        PmSuspended => ("PMSuspended", &["Memory", "Disk"]),
        Crashed => ("Crashed", &["Panicked", "Crashloaded"]),
    };
    (name, pick(details, detail))
}

fn address(a: &GraphicsAddress) -> String {
    format!(
        "{} {} {}",
        pick(&["IPv4", "IPv6", "unix"], a.family),
        a.node,
        a.service
    )
}

/// A typed parameter's value as virsh prints it (`vshGetTypedParamValue`).
pub(crate) fn param_value(p: &TypedParam) -> String {
    match &p.value {
        TypedValue::Int(v) => v.to_string(),
        TypedValue::UInt(v) => v.to_string(),
        TypedValue::LLong(v) => v.to_string(),
        TypedValue::ULLong(v) => v.to_string(),
        TypedValue::Double(v) => format!("{v:.6}"),
        TypedValue::Boolean(v) => if *v { "yes" } else { "no" }.to_string(),
        TypedValue::String(v) => v.clone(),
    }
}

fn params(head: String, params: &[TypedParam]) -> String {
    let mut s = head;
    for p in params {
        s.push_str(&format!("\t{}: {}\n", p.field, param_value(p)));
    }
    s
}

/// What virsh 9.0 prints for a domain event (without the timestamp).
fn describe(dom: &str, kind: &DomainEventKind) -> String {
    use DomainEventKind as K;
    match kind {
        K::Lifecycle { event, detail } => {
            let (e, d) = lifecycle_words(*event, *detail);
            format!("event 'lifecycle' for domain '{dom}': {e} {d}\n")
        }
        K::Reboot => format!("event 'reboot' for domain '{dom}'\n"),
        K::RtcChange { offset } => format!("event 'rtc-change' for domain '{dom}': {offset}\n"),
        K::Watchdog { action } => format!(
            "event 'watchdog' for domain '{dom}': {}\n",
            pick(
                &["none", "pause", "reset", "poweroff", "shutdown", "debug", "inject-nmi"],
                *action
            )
        ),
        K::IoError {
            src_path,
            dev_alias,
            action,
            reason,
        } => {
            let action = pick(&["none", "pause", "report"], *action);
            match reason {
                None => format!(
                    "event 'io-error' for domain '{dom}': {src_path} ({dev_alias}) {action}\n"
                ),
                Some(r) => format!(
                    "event 'io-error-reason' for domain '{dom}': {src_path} ({dev_alias}) {action} due to {r}\n"
                ),
            }
        }
        K::Graphics {
            phase,
            local,
            remote,
            auth_scheme,
            subject,
        } => {
            let mut s = format!(
                "event 'graphics' for domain '{dom}': {} local[{}] remote[{}] {auth_scheme}",
                pick(&["connect", "initialize", "disconnect"], *phase),
                address(local),
                address(remote)
            );
            for (t, n) in subject {
                s.push_str(&format!(" {t}={n}"));
            }
            s.push('\n');
            s
        }
        K::ControlError => format!("event 'control-error' for domain '{dom}'\n"),
        K::BlockJob {
            disk,
            job_type,
            status,
            by_target,
        } => format!(
            "event '{}' for domain '{dom}': {} for {disk} {}\n",
            if *by_target { "block-job-2" } else { "block-job" },
            pick(
                &[
                    "unknown",
                    "Block Pull",
                    "Block Copy",
                    "Block Commit",
                    "Active Block Commit",
                    "Backup"
                ],
                *job_type
            ),
            pick(&["completed", "failed", "canceled", "ready"], *status)
        ),
        K::DiskChange {
            old_src,
            new_src,
            dev_alias,
            reason,
        } => format!(
            "event 'disk-change' for domain '{dom}' disk {dev_alias}: {} -> {}: {}\n",
            old_src.as_deref().unwrap_or("<null>"),
            new_src.as_deref().unwrap_or("<null>"),
            pick(&["changed", "dropped"], *reason)
        ),
        K::TrayChange { dev_alias, reason } => format!(
            "event 'tray-change' for domain '{dom}' disk {dev_alias}: {}\n",
            pick(&["opened", "closed"], *reason)
        ),
        K::PmWakeup { reason } => {
            format!("event 'pm-wakeup' for domain '{dom}': {}\n", pick(&["unknown"], *reason))
        }
        K::PmSuspend { reason } => {
            format!("event 'pm-suspend' for domain '{dom}': {}\n", pick(&["unknown"], *reason))
        }
        K::PmSuspendDisk { reason } => format!(
            "event 'pm-suspend-disk' for domain '{dom}': {}\n",
            pick(&["unknown"], *reason)
        ),
        K::BalloonChange { actual } => {
            format!("event 'balloon-change' for domain '{dom}': {actual}KiB\n")
        }
        K::DeviceRemoved { dev_alias } => {
            format!("event 'device-removed' for domain '{dom}': {dev_alias}\n")
        }
        K::Tunable { params: p } => params(format!("event 'tunable' for domain '{dom}':\n"), p),
        K::AgentLifecycle { state, reason } => format!(
            "event 'agent-lifecycle' for domain '{dom}': state: '{}' reason: '{}'\n",
            pick(&["unknown", "connected", "disconnected"], *state),
            pick(&["unknown", "domain started", "channel event"], *reason)
        ),
        K::DeviceAdded { dev_alias } => {
            format!("event 'device-added' for domain '{dom}': {dev_alias}\n")
        }
        K::MigrationIteration { iteration } => format!(
            "event 'migration-iteration' for domain '{dom}': iteration: '{iteration}'\n"
        ),
        K::JobCompleted { params: p } => {
            params(format!("event 'job-completed' for domain '{dom}':\n"), p)
        }
        K::DeviceRemovalFailed { dev_alias } => {
            format!("event 'device-removal-failed' for domain '{dom}': {dev_alias}\n")
        }
        K::MetadataChange { kind, nsuri } => format!(
            "event 'metadata-change' for domain '{dom}': type {}, uri {}\n",
            pick(&["description", "title", "element"], *kind),
            nsuri.as_deref().unwrap_or("n/a")
        ),
        K::BlockThreshold {
            dev,
            path,
            threshold,
            excess,
        } => format!(
            "event 'block-threshold' for domain '{dom}': dev: {dev}({}) {threshold} {excess}\n",
            path.as_deref().unwrap_or("<null>")
        ),
        K::MemoryFailure {
            recipient,
            action,
            flags,
        } => format!(
            "event 'memory-failure' for domain '{dom}':\nrecipient: {}\naction: {}\nflags:\n\taction required: {}\n\trecursive: {}\n",
            pick(&["hypervisor", "guest"], *recipient),
            pick(&["ignore", "inject", "fatal", "reset"], *action),
            i32::from(flags & 1 != 0),
            i32::from(flags & 2 != 0)
        ),
        K::MemoryDeviceSizeChange { alias, size } => format!(
            "event 'memory-device-size-change' for domain '{dom}':\nalias: {alias}\nsize: {size}\n"
        ),
    }
}

/// virsh's `--timestamp` prefix: UTC, milliseconds.
fn timestamp(now: SystemTime) -> String {
    let d = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let t = virt_core::utc::UtcTime::from_epoch_secs(d.as_secs() as i64);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}+0000",
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        d.subsec_millis()
    )
}

/// `event`.
pub fn event(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    if cmd.has("list") {
        for n in NAMES {
            ctl.print(&format!("{n}\n"));
        }
        return Ok(());
    }
    let which = ctl.opt_str(cmd, "event")?;
    if !cmd.has("all") && which.is_none() {
        return Err(ctl.fail_msg("one of --list, --all, or --event <type> is required"));
    }
    let ids: Vec<u32> = match which {
        Some(name) if !cmd.has("all") => match NAMES.iter().position(|n| *n == name) {
            Some(i) => vec![i as u32],
            None => return Err(ctl.fail_msg(&format!("unknown event type {name}"))),
        },
        _ => (0..domain_event_id::LAST).collect(),
    };
    let timeout = ctl.opt_uint(cmd, "timeout")?;
    let looping = cmd.has("loop");
    let stamped = cmd.has("timestamp");
    let conn = ctl.conn()?;
    let mut filter = EventFilter::topics(ids.into_iter().map(Topic::Domain).collect());
    if cmd.has("domain") {
        filter = filter.about(ctl.lookup_domain(cmd, BY_ANY)?.uuid());
    }
    let sub = conn.subscribe(filter)?;
    let _sigint = SigintGuard::install();
    let deadline = timeout.map(|t| Instant::now() + Duration::from_secs(u64::from(t)));
    let mut count = 0u32;
    let end = loop {
        if INTERRUPTED.load(Ordering::SeqCst) {
            break "event loop interrupted\n";
        }
        let mut wait = Duration::from_millis(100);
        if let Some(d) = deadline {
            let left = d.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break "event loop timed out\n";
            }
            wait = wait.min(left);
        }
        match sub.recv_timeout(wait) {
            Some(Delivery::Event(Event::Domain { dom, kind })) => {
                let text = describe(&dom.name, &kind);
                if stamped {
                    ctl.print(&format!("{}: {text}", timestamp(SystemTime::now())));
                } else {
                    ctl.print(&text);
                }
                ctl.flush();
                count += 1;
                if !looping {
                    break "";
                }
            }
            Some(Delivery::Ended(why)) => {
                // The connection went away: nothing more will come.
                let e = match why {
                    EndReason::Closed => break "",
                    other => other.to_string(),
                };
                ctl.error(&e);
                break "";
            }
            Some(Delivery::Event(_) | Delivery::Gap(_)) | None => {}
        }
    };
    ctl.print(end);
    ctl.print(&format!("events received: {count}\n"));
    if count == 0 {
        // virsh 9.0 fails the command when nothing came.
        return Err(Default::default());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_with_milliseconds() {
        let t = UNIX_EPOCH + Duration::from_millis(1_796_402_013_482);
        assert_eq!(timestamp(t), "2026-12-04 16:33:33.482+0000");
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01 00:00:00.000+0000");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(timestamp(leap), "2000-02-29 00:00:00.000+0000");
    }

    #[test]
    fn words_are_virshs() {
        assert_eq!(
            describe(
                "test",
                &DomainEventKind::lifecycle(LifecycleEvent::Stopped, 1)
            ),
            "event 'lifecycle' for domain 'test': Stopped Destroyed\n"
        );
        assert_eq!(
            describe(
                "t",
                &DomainEventKind::lifecycle(LifecycleEvent::Shutdown, 9)
            ),
            "event 'lifecycle' for domain 't': Shutdown unknown\n"
        );
        assert_eq!(
            describe("t", &DomainEventKind::BalloonChange { actual: 1024 }),
            "event 'balloon-change' for domain 't': 1024KiB\n"
        );
        assert_eq!(NAMES[domain_event_id::BLOCK_JOB_2 as usize], "block-job-2");
    }
}
