//! A domain's background job (a save's migration to file) as
//! `virDomainGetJobInfo`/`GetJobStats` see it and `virDomainAbortJob`
//! cancels it.
//!
//! The job's thread holds the domain lock and the monitor for the whole
//! save, so its progress is published here, in this process, where the
//! readers find it without either: the thread polls `query-migrate` while
//! QEMU writes and checks for an abort between polls.

use super::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;
use virt_core::{job_operation, job_stats, job_type, DomainJobInfo, DomainJobStats};

/// One running job.
pub(super) struct Job {
    /// libvirt's name for it in errors ("domain save").
    pub(super) name: &'static str,
    /// `job_operation`.
    operation: i32,
    started: Instant,
    /// Set by `virDomainAbortJob`; the job's thread cancels the migration.
    pub(super) abort: AtomicBool,
    /// Memory processed, remaining, total, bytes (from `query-migrate`).
    progress: Mutex<[u64; 3]>,
}

impl Job {
    /// Record what `query-migrate` answered.
    pub(super) fn update(&self, info: &Value) {
        let ram = info.get("ram");
        let get = |k: &str| {
            ram.and_then(|r| r.get(k))
                .and_then(Value::as_u64)
                .unwrap_or(0)
        };
        if let Ok(mut p) = self.progress.lock() {
            *p = [get("transferred"), get("remaining"), get("total")];
        }
    }

    fn figures(&self) -> [u64; 3] {
        self.progress.lock().map(|p| *p).unwrap_or_default()
    }
}

/// The jobs of this process, by domain (its migration socket path, unique
/// to a domain of one set of paths).
fn jobs() -> &'static Mutex<HashMap<PathBuf, Arc<Job>>> {
    static JOBS: OnceLock<Mutex<HashMap<PathBuf, Arc<Job>>>> = OnceLock::new();
    JOBS.get_or_init(Default::default)
}

/// A job registered while it lives; dropping it ends the job.
pub(super) struct JobGuard {
    key: PathBuf,
    /// The job.
    pub(super) job: Arc<Job>,
}

impl Drop for JobGuard {
    fn drop(&mut self) {
        if let Ok(mut j) = jobs().lock() {
            j.remove(&self.key);
        }
    }
}

/// Start a save job for the domain whose migration socket is `key`.
pub(super) fn begin_save(key: PathBuf) -> JobGuard {
    let job = Arc::new(Job {
        name: "domain save",
        operation: job_operation::SAVE,
        started: Instant::now(),
        abort: AtomicBool::new(false),
        progress: Mutex::new([0; 3]),
    });
    if let Ok(mut j) = jobs().lock() {
        j.insert(key.clone(), job.clone());
    }
    JobGuard { key, job }
}

fn find(key: &Path) -> Option<Arc<Job>> {
    jobs().lock().ok().and_then(|j| j.get(key).cloned())
}

impl QemuDriver {
    fn job_key(&self, dom: &DomainRef) -> QemuResult<PathBuf> {
        // The domain must exist; its job is looked up without its lock,
        // which the job's thread holds.
        let def = self
            .live_def(&dom.name)
            .or_else(|| self.config_def(&dom.name))
            .ok_or_else(|| QemuError::NoDomainName(dom.name.clone()))?;
        Ok(self.paths.migration(&def.uuid.unwrap_or_default()))
    }

    /// `virDomainGetJobStats`: the running job's figures, or no job.
    pub(super) fn job_stats(&self, dom: &DomainRef, flags: u32) -> QemuResult<DomainJobStats> {
        // A completed job's figures are not kept: asked for them, the
        // answer is "no job" as libvirt's when it has none.
        let completed = flags & 1 != 0;
        let key = self.job_key(dom)?;
        let Some(job) = find(&key).filter(|_| !completed) else {
            return Ok(DomainJobStats::default());
        };
        let [processed, remaining, total] = job.figures();
        let elapsed = job.started.elapsed().as_millis() as u64;
        let ull = |f: &str, v: u64| TypedParam {
            field: f.into(),
            value: TypedValue::ULLong(v),
        };
        Ok(DomainJobStats {
            kind: job_type::UNBOUNDED,
            params: vec![
                TypedParam {
                    field: job_stats::OPERATION.into(),
                    value: TypedValue::Int(job.operation),
                },
                ull(job_stats::TIME_ELAPSED, elapsed),
                ull(job_stats::DATA_TOTAL, total),
                ull(job_stats::DATA_PROCESSED, processed),
                ull(job_stats::DATA_REMAINING, remaining),
                ull(job_stats::MEMORY_TOTAL, total),
                ull(job_stats::MEMORY_PROCESSED, processed),
                ull(job_stats::MEMORY_REMAINING, remaining),
            ],
        })
    }

    /// `virDomainGetJobInfo`: the same figures in the old form.
    pub(super) fn job_info(&self, dom: &DomainRef) -> QemuResult<DomainJobInfo> {
        Ok(self.job_stats(dom, 0)?.info())
    }

    /// `virDomainAbortJob`: ask the running job to cancel.
    pub(super) fn abort_job(&self, dom: &DomainRef) -> QemuResult<()> {
        match find(&self.job_key(dom)?) {
            Some(job) => {
                job.abort.store(true, Ordering::SeqCst);
                Ok(())
            }
            None => Err(QemuError::Invalid("no job is active on the domain".into())),
        }
    }
}
