//! A domain's background job (a save's or dump's migration to file, a
//! memory-only dump) as `virDomainGetJobInfo`/`GetJobStats` see it and
//! `virDomainAbortJob` cancels it, and the statistics of the last one
//! that completed (`VIR_DOMAIN_JOB_STATS_COMPLETED`).
//!
//! The job's thread holds the domain lock and the monitor for the whole
//! job, so its progress is published here, in this process (the daemon for
//! `qemu:///system` and `session`), where the readers find it without
//! either: the thread polls QEMU (`query-migrate`, `query-dump`) while QEMU
//! writes and checks for an abort between polls. Lookups of a domain whose
//! lock a job holds answer from here too, as libvirt lets queries run
//! beside an async job.

use super::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long `virDomainAbortJob` waits for the job's thread (which polls
/// QEMU every 50 ms) to pass the cancel on.
const ABORT_WAIT: Duration = Duration::from_secs(5);
use virt_core::{job_operation, job_stats, job_type, DomainJobInfo, DomainJobStats};

/// What a job is, as libvirt names and counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum JobKind {
    /// `virDomainSave`, `virDomainManagedSave`: QEMU's migration to file.
    Save,
    /// The memory of an external snapshot: a migration to file.
    Snapshot,
    /// `virDomainCoreDump` without `MEMORY_ONLY`: a migration to file.
    Dump,
    /// `virDomainCoreDump` with `MEMORY_ONLY`: `dump-guest-memory`, which
    /// cannot be cancelled.
    MemoryDump,
}

impl JobKind {
    /// libvirt's name for it in errors ("job 'domain save' canceled").
    fn name(self) -> &'static str {
        match self {
            JobKind::Save => "domain save",
            JobKind::Snapshot => "snapshot",
            JobKind::Dump | JobKind::MemoryDump => "domain core dump",
        }
    }

    fn operation(self) -> i32 {
        match self {
            JobKind::Save => job_operation::SAVE,
            JobKind::Snapshot => job_operation::SNAPSHOT,
            JobKind::Dump | JobKind::MemoryDump => job_operation::DUMP,
        }
    }
}

/// One running job.
pub(super) struct Job {
    kind: JobKind,
    started: Instant,
    /// When the job paused the guest (the downtime starts there).
    paused_at: Mutex<Option<Instant>>,
    /// Set by `virDomainAbortJob`; the job's thread cancels the migration.
    abort: AtomicBool,
    /// Whether the job's thread has told QEMU to cancel (or the job has
    /// ended): `virDomainAbortJob` returns only then, as libvirt's returns
    /// after its `migrate_cancel`, so a caller that stops throttling the
    /// file's reader right after cannot let the migration win the race.
    cancel_sent: (Mutex<bool>, Condvar),
    /// QEMU's last answer to `query-migrate` or `query-dump`.
    reply: Mutex<Value>,
    /// The domain's state while the job holds it.
    state: Mutex<(DomainState, i32)>,
}

impl Job {
    /// Record what QEMU answered to `query-migrate` / `query-dump`.
    pub(super) fn update(&self, reply: Value) {
        if let Ok(mut r) = self.reply.lock() {
            *r = reply;
        }
    }

    /// Whether `virDomainAbortJob` asked to cancel it.
    pub(super) fn aborted(&self) -> bool {
        self.abort.load(Ordering::SeqCst)
    }

    /// The job's thread has passed the abort on to QEMU (or ended): wake
    /// the `virDomainAbortJob` caller waiting in [`Job::request_abort`].
    pub(super) fn cancel_sent(&self) {
        let (sent, woken) = &self.cancel_sent;
        if let Ok(mut s) = sent.lock() {
            *s = true;
        }
        woken.notify_all();
    }

    /// Ask the job to cancel and wait (a bounded time) until its thread
    /// has told QEMU so.
    fn request_abort(&self) {
        self.abort.store(true, Ordering::SeqCst);
        let (sent, woken) = &self.cancel_sent;
        if let Ok(s) = sent.lock() {
            let _ = woken.wait_timeout_while(s, ABORT_WAIT, |s| !*s);
        }
    }

    /// The error a cancelled job ends with, libvirt's.
    pub(super) fn aborted_error(&self) -> QemuError {
        QemuError::Aborted(format!("job '{}' canceled by client", self.kind.name()))
    }

    /// Record the domain's state while the job runs; a pause starts the
    /// downtime.
    pub(super) fn set_state(&self, state: DomainState, reason: i32) {
        if let Ok(mut s) = self.state.lock() {
            *s = (state, reason);
        }
        if state == DomainState::Paused {
            if let Ok(mut p) = self.paused_at.lock() {
                p.get_or_insert_with(Instant::now);
            }
        }
    }

    /// The domain's state as the job left it.
    pub(super) fn state(&self) -> (DomainState, i32) {
        self.state
            .lock()
            .map(|s| *s)
            .unwrap_or((DomainState::Running, 0))
    }

    /// The statistics as libvirt's `qemuDomainJobDataToParams` gives
    /// them: `kind` is the job type to report.
    fn stats(&self, kind: i32) -> DomainJobStats {
        let reply = self.reply.lock().map(|r| r.clone()).unwrap_or_default();
        let elapsed = self.started.elapsed().as_millis() as u64;
        let downtime = self
            .paused_at
            .lock()
            .ok()
            .and_then(|p| *p)
            .map(|p| p.elapsed().as_millis() as u64);
        let mut params = vec![TypedParam {
            field: job_stats::OPERATION.into(),
            value: TypedValue::Int(self.kind.operation()),
        }];
        let mut ull = |f: &str, v: u64| {
            params.push(TypedParam {
                field: f.into(),
                value: TypedValue::ULLong(v),
            })
        };
        ull(job_stats::TIME_ELAPSED, elapsed);
        let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_u64);
        if self.kind == JobKind::MemoryDump {
            let total = num(&reply, "total").unwrap_or(0);
            let done = num(&reply, "completed").unwrap_or(0);
            ull(job_stats::MEMORY_TOTAL, total);
            ull(job_stats::MEMORY_PROCESSED, done);
            ull(job_stats::MEMORY_REMAINING, total.saturating_sub(done));
            return DomainJobStats { kind, params };
        }
        // query-migrate's figures, as libvirt reads them for a save or dump
        // (qemuMonitorJSONGetMigrationStatsReply): the downtime counted from
        // the pause when the job paused the guest, else QEMU's.
        let ram = reply.get("ram").cloned().unwrap_or_default();
        let completed = reply.get("status").and_then(Value::as_str) == Some("completed");
        let qemu_downtime = if completed {
            num(&reply, "downtime")
        } else {
            num(&reply, "expected-downtime")
        };
        if let Some(d) = downtime.or(qemu_downtime) {
            ull("downtime", d);
        }
        if let Some(s) = num(&reply, "setup-time") {
            ull("setup_time", s);
        }
        let [processed, remaining, total] =
            ["transferred", "remaining", "total"].map(|k| num(&ram, k).unwrap_or(0));
        ull(job_stats::DATA_TOTAL, total);
        ull(job_stats::DATA_PROCESSED, processed);
        ull(job_stats::DATA_REMAINING, remaining);
        ull(job_stats::MEMORY_TOTAL, total);
        ull(job_stats::MEMORY_PROCESSED, processed);
        ull(job_stats::MEMORY_REMAINING, remaining);
        // QEMU gives Mbit/s as a float; libvirt bytes/s.
        let bps = ram.get("mbps").and_then(Value::as_f64).unwrap_or(0.0) * 125_000.0;
        if bps >= 1.0 {
            ull("memory_bps", bps as u64);
        }
        if let Some(dup) = num(&ram, "duplicate") {
            ull("memory_constant", dup);
            ull("memory_normal", num(&ram, "normal").unwrap_or(0));
            ull(
                "memory_normal_bytes",
                num(&ram, "normal-bytes").unwrap_or(0),
            );
        }
        // Always given, zero when QEMU leaves them out.
        for (field, key) in [
            ("memory_dirty_rate", "dirty-pages-rate"),
            ("memory_iteration", "dirty-sync-count"),
            ("memory_postcopy_requests", "postcopy-requests"),
        ] {
            ull(field, num(&ram, key).unwrap_or(0));
        }
        if let Some(p) = num(&ram, "page-size").filter(|p| *p > 0) {
            ull("memory_page_size", p);
        }
        DomainJobStats { kind, params }
    }
}

/// What this process knows of jobs, by domain (its migration socket path,
/// unique to a domain of one set of paths): the running ones and the
/// statistics of each domain's last completed one.
#[derive(Default)]
struct Table {
    running: HashMap<PathBuf, Arc<Job>>,
    completed: HashMap<PathBuf, DomainJobStats>,
}

fn table() -> &'static Mutex<Table> {
    static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
    TABLE.get_or_init(Default::default)
}

fn with_table<T>(f: impl FnOnce(&mut Table) -> T) -> T {
    let mut t = table()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    f(&mut t)
}

/// Who holds a domain: this caller now (its lock), or a running job.
pub(super) enum Held {
    /// The domain's lock, ours until dropped.
    Locked(Lock),
    /// The job holding the domain, which answers for it.
    ByJob(Arc<Job>),
}

/// A job registered while it lives; dropping it ends the job.
pub(super) struct JobGuard {
    key: PathBuf,
    /// The job.
    pub(super) job: Arc<Job>,
}

impl JobGuard {
    /// The job succeeded: keep its final statistics for
    /// `VIR_DOMAIN_JOB_STATS_COMPLETED`.
    pub(super) fn completed(&self) {
        let stats = self.job.stats(job_type::COMPLETED);
        with_table(|t| t.completed.insert(self.key.clone(), stats));
    }
}

impl Drop for JobGuard {
    fn drop(&mut self) {
        with_table(|t| t.running.remove(&self.key));
        self.job.cancel_sent();
    }
}

/// Start a job of `kind` for the domain whose migration socket is `key`,
/// in `state` (running, or paused by the job).
pub(super) fn begin(key: PathBuf, kind: JobKind, state: (DomainState, i32)) -> JobGuard {
    let job = Arc::new(Job {
        kind,
        started: Instant::now(),
        paused_at: Mutex::new(None),
        abort: AtomicBool::new(false),
        cancel_sent: (Mutex::new(false), Condvar::new()),
        reply: Mutex::new(Value::Null),
        state: Mutex::new((DomainState::Running, 0)),
    });
    job.set_state(state.0, state.1);
    with_table(|t| {
        // A new job's statistics replace the last one's once it completes.
        t.running.insert(key.clone(), job.clone());
    });
    JobGuard { key, job }
}

fn find(key: &Path) -> Option<Arc<Job>> {
    with_table(|t| t.running.get(key).cloned())
}

impl QemuDriver {
    /// The job table's key of the domain `name`.
    fn job_key_of(&self, name: &str) -> QemuResult<PathBuf> {
        let (_, uuid) = self
            .identity(name)
            .ok_or_else(|| QemuError::NoDomainName(name.to_string()))?;
        Ok(self.paths.migration(&uuid))
    }

    /// The job running on `name` in this process, if one does.
    pub(super) fn running_job(&self, name: &str) -> Option<Arc<Job>> {
        find(&self.job_key_of(name).ok()?)
    }

    /// The domain's lock, or the job holding it when one of this process
    /// does: lookups and queries answer from the job instead of waiting
    /// for its end.
    pub(super) fn lock_unless_job(&self, name: &str) -> QemuResult<Held> {
        let path = self.paths.run.join("locks").join(format!("{name}.lock"));
        let mut job = None;
        let lock = Lock::acquire_unless(&path, || {
            job = self.running_job(name);
            job.is_some()
        })?;
        match (lock, job) {
            (Some(l), _) => Ok(Held::Locked(l)),
            (None, Some(j)) => Ok(Held::ByJob(j)),
            (None, None) => Err(QemuError::Failed(format!("cannot lock domain '{name}'"))),
        }
    }

    /// `virDomainGetJobStats`: the running job's figures (the domain must
    /// run), or with `COMPLETED` the last completed job's, forgotten
    /// unless `KEEP_COMPLETED`.
    pub(super) fn job_stats(&self, dom: &DomainRef, flags: u32) -> QemuResult<DomainJobStats> {
        const COMPLETED: u32 = 1;
        const KEEP_COMPLETED: u32 = 2;
        let name = self.resolve(dom)?;
        let key = self.job_key_of(&name)?;
        if flags & COMPLETED != 0 {
            // As libvirt's: only once no job runs.
            return Ok(with_table(|t| {
                if t.running.contains_key(&key) {
                    return DomainJobStats::default();
                }
                let found = if flags & KEEP_COMPLETED != 0 {
                    t.completed.get(&key).cloned()
                } else {
                    t.completed.remove(&key)
                };
                found.unwrap_or_default()
            }));
        }
        let job = match self.lock_unless_job(&name)? {
            Held::ByJob(job) => job,
            Held::Locked(_lock) => {
                if !self.observe(&name)?.state.is_active() {
                    return Err(QemuError::NotRunning);
                }
                return Ok(DomainJobStats::default());
            }
        };
        Ok(job.stats(job_type::UNBOUNDED))
    }

    /// `virDomainGetJobInfo`: the same figures in the old form, where the
    /// data are the memory and file figures added.
    pub(super) fn job_info(&self, dom: &DomainRef) -> QemuResult<DomainJobInfo> {
        let mut i = self.job_stats(dom, 0)?.info();
        i.data_total = i.mem_total + i.file_total;
        i.data_processed = i.mem_processed + i.file_processed;
        i.data_remaining = i.mem_remaining + i.file_remaining;
        Ok(i)
    }

    /// `virDomainAbortJob`: ask the running job to cancel.
    pub(super) fn abort_job(&self, dom: &DomainRef) -> QemuResult<()> {
        let name = self.resolve(dom)?;
        match self.lock_unless_job(&name)? {
            Held::ByJob(job) if job.kind == JobKind::MemoryDump => {
                Err(QemuError::Invalid("cannot abort memory-only dump".into()))
            }
            Held::ByJob(job) => {
                job.request_abort();
                Ok(())
            }
            Held::Locked(_lock) => {
                if !self.observe(&name)?.state.is_active() {
                    return Err(QemuError::NotRunning);
                }
                Err(QemuError::Invalid("no job is active on the domain".into()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_figures_read_as_libvirt_reads_them() {
        let g = begin(
            PathBuf::from("/nonexistent/job-test.migrate"),
            JobKind::Dump,
            (DomainState::Paused, 4),
        );
        g.job.update(json!({
            "status": "completed", "downtime": 12, "setup-time": 3,
            "ram": {"transferred": 100, "remaining": 0, "total": 4096, "mbps": 8.0,
                    "duplicate": 7, "normal": 2, "normal-bytes": 8192,
                    "dirty-pages-rate": 0, "dirty-sync-count": 2,
                    "postcopy-requests": 0, "page-size": 4096}
        }));
        let s = g.job.stats(job_type::COMPLETED);
        let names: Vec<&str> = s.params.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            names,
            [
                "operation",
                "time_elapsed",
                "downtime",
                "setup_time",
                "data_total",
                "data_processed",
                "data_remaining",
                "memory_total",
                "memory_processed",
                "memory_remaining",
                "memory_bps",
                "memory_constant",
                "memory_normal",
                "memory_normal_bytes",
                "memory_dirty_rate",
                "memory_iteration",
                "memory_postcopy_requests",
                "memory_page_size"
            ]
        );
        let bps = s.params.iter().find(|p| p.field == "memory_bps");
        assert_eq!(bps.map(|p| &p.value), Some(&TypedValue::ULLong(1_000_000)));
        assert_eq!(s.info().mem_total, 4096);
        g.completed();
        drop(g);
        let mem = begin(
            PathBuf::from("/nonexistent/job-test-2.migrate"),
            JobKind::MemoryDump,
            (DomainState::Running, 1),
        );
        mem.job
            .update(json!({"status": "active", "completed": 10, "total": 30}));
        let s = mem.job.stats(job_type::UNBOUNDED);
        let i = s.info();
        assert_eq!(
            (i.mem_processed, i.mem_remaining, i.mem_total),
            (10, 20, 30)
        );
        assert_eq!(s.params.len(), 5);
        assert!(mem
            .job
            .aborted_error()
            .to_string()
            .contains("'domain core dump'"));
    }
}
