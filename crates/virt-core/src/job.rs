//! A domain's background job (save, dump, migration...) as
//! `virDomainGetJobInfo` and `virDomainGetJobStats` report it.

use crate::TypedParam;

/// The job's kind (`virDomainJobType`).
pub mod job_type {
    /// No job runs.
    pub const NONE: i32 = 0;
    /// A job whose end is known in advance.
    pub const BOUNDED: i32 = 1;
    /// A job whose end is not known in advance (a save, a dump).
    pub const UNBOUNDED: i32 = 2;
    /// The job finished.
    pub const COMPLETED: i32 = 3;
    /// The job failed.
    pub const FAILED: i32 = 4;
    /// The job was aborted.
    pub const CANCELLED: i32 = 5;
}

/// What a job does (`virDomainJobOperation`, the `operation` statistic).
pub mod job_operation {
    /// Not known.
    pub const UNKNOWN: i32 = 0;
    /// Starting the domain.
    pub const START: i32 = 1;
    /// Saving its memory to a file (save, managedsave).
    pub const SAVE: i32 = 2;
    /// Restoring from a file.
    pub const RESTORE: i32 = 3;
    /// Taking a snapshot.
    pub const SNAPSHOT: i32 = 6;
    /// Dumping the guest's memory.
    pub const DUMP: i32 = 8;
}

/// Field names of [`DomainJobStats`] (`VIR_DOMAIN_JOB_*`).
pub mod job_stats {
    /// What the job does, int ([`super::job_operation`]).
    pub const OPERATION: &str = "operation";
    /// Time since the job started, ms.
    pub const TIME_ELAPSED: &str = "time_elapsed";
    /// Bytes the job will move in all.
    pub const DATA_TOTAL: &str = "data_total";
    /// Bytes moved so far.
    pub const DATA_PROCESSED: &str = "data_processed";
    /// Bytes still to move.
    pub const DATA_REMAINING: &str = "data_remaining";
    /// Guest memory to move, bytes.
    pub const MEMORY_TOTAL: &str = "memory_total";
    /// Guest memory moved so far, bytes.
    pub const MEMORY_PROCESSED: &str = "memory_processed";
    /// Guest memory still to move, bytes.
    pub const MEMORY_REMAINING: &str = "memory_remaining";
}

/// `virDomainJobInfo`: the job's kind and figures (times in ms, sizes in
/// bytes); all zero but `kind` when no job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DomainJobInfo {
    /// [`job_type`].
    pub kind: i32,
    /// Time since the job started.
    pub time_elapsed: u64,
    /// Time still needed (bounded jobs).
    pub time_remaining: u64,
    /// All data the job moves.
    pub data_total: u64,
    /// Data moved so far.
    pub data_processed: u64,
    /// Data still to move.
    pub data_remaining: u64,
    /// Guest memory in all.
    pub mem_total: u64,
    /// Guest memory moved so far.
    pub mem_processed: u64,
    /// Guest memory still to move.
    pub mem_remaining: u64,
    /// Disk data in all.
    pub file_total: u64,
    /// Disk data moved so far.
    pub file_processed: u64,
    /// Disk data still to move.
    pub file_remaining: u64,
}

/// `virDomainGetJobStats`' answer: the job's kind and its figures as typed
/// parameters ([`job_stats`] names them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DomainJobStats {
    /// [`job_type`].
    pub kind: i32,
    /// The figures.
    pub params: Vec<TypedParam>,
}

impl DomainJobStats {
    /// The same figures as `virDomainGetJobInfo` gives them (missing
    /// ones zero), as virsh reads them.
    pub fn info(&self) -> DomainJobInfo {
        let get = |name: &str| {
            self.params
                .iter()
                .find(|p| p.field == name)
                .and_then(|p| match p.value {
                    crate::TypedValue::ULLong(v) => Some(v),
                    _ => None,
                })
                .unwrap_or(0)
        };
        DomainJobInfo {
            kind: self.kind,
            time_elapsed: get(job_stats::TIME_ELAPSED),
            time_remaining: get("time_remaining"),
            data_total: get(job_stats::DATA_TOTAL),
            data_processed: get(job_stats::DATA_PROCESSED),
            data_remaining: get(job_stats::DATA_REMAINING),
            mem_total: get(job_stats::MEMORY_TOTAL),
            mem_processed: get(job_stats::MEMORY_PROCESSED),
            mem_remaining: get(job_stats::MEMORY_REMAINING),
            file_total: get("disk_total"),
            file_processed: get("disk_processed"),
            file_remaining: get("disk_remaining"),
        }
    }
}
