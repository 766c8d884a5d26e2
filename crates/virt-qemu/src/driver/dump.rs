//! `virDomainCoreDump` as libvirt 9.0's QEMU driver runs it, as a job:
//! the whole guest state as QEMU's migration stream (GetJobStats follows
//! `query-migrate`, AbortJob cancels it), or with `MEMORY_ONLY` the
//! guest's memory as an ELF core from `dump-guest-memory` detached
//! (GetJobStats follows `query-dump`; it cannot be aborted). A running
//! guest is paused for the dump unless `LIVE`, and runs again after it.

use super::job::{self, JobKind};
use super::*;
use virt_core::dump_flags::{CRASH, LIVE, MEMORY_ONLY, RESET};

impl QemuDriver {
    /// Dump the running domain `dom` to `path` (see the module).
    pub(super) fn core_dump(&self, dom: &DomainRef, path: &str, flags: u32) -> Result<()> {
        let abs = std::path::absolute(path)
            .map_err(|e| QemuError::system(format!("invalid path '{path}'"), e))?;
        let path = abs.to_string_lossy().into_owned();
        let dumped = {
            let d = self.open_domain(dom)?;
            let Some((rt, _)) = &d.obs.live else {
                return Err(QemuError::NotRunning.into());
            };
            let running = d.obs.state == DomainState::Running;
            let pause = running && flags & LIVE == 0;
            let def = self.def(&d.name, true)?;
            let mut mon = Self::monitor_session(rt)?;
            let state = if pause {
                (DomainState::Paused, reason::PAUSED_DUMP)
            } else {
                (d.obs.state, d.obs.reason)
            };
            let result = (|| -> QemuResult<()> {
                if pause {
                    mon.execute("stop", None)?;
                }
                if flags & MEMORY_ONLY != 0 {
                    self.memory_dump(&mut mon, &def, &path, state)
                } else {
                    self.migrate_to_file(&mut mon, &def, &path, &[], JobKind::Dump, state)
                }
            })();
            if flags & CRASH == 0 {
                if result.is_ok() && flags & RESET != 0 {
                    mon.execute("system_reset", None)?;
                }
                // The migration left the guest paused even when live.
                if running && mon.execute("cont", None).is_err() && result.is_ok() {
                    return Err(QemuError::Failed("resuming after dump failed".into()).into());
                }
            }
            result
        };
        dumped?;
        if flags & CRASH != 0 {
            self.domain_destroy(dom, 0)?;
            let name = self.resolve(dom).unwrap_or_default();
            if self.paths.config_xml(&name).exists() {
                let _ = state::write_atomic(
                    &self.paths.shutoff(&name),
                    reason::SHUTOFF_CRASHED.to_string().as_bytes(),
                );
            }
        }
        Ok(())
    }

    /// `dump-guest-memory` detached into `path`, followed with
    /// `query-dump` until QEMU reports its end; the domain in `state`.
    fn memory_dump(
        &self,
        mon: &mut Monitor<UnixStream>,
        def: &DomainDef,
        path: &str,
        state: (DomainState, i32),
    ) -> QemuResult<()> {
        let key = self.paths.migration(&def.uuid.unwrap_or_default());
        let guard = job::begin(key, JobKind::MemoryDump, state);
        mon.execute(
            "dump-guest-memory",
            Some(json!({"paging": false, "protocol": format!("file:{path}"), "detach": true})),
        )?;
        loop {
            let reply = mon.execute("query-dump", None)?;
            let status = reply
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("failed")
                .to_string();
            guard.job.update(reply);
            match status.as_str() {
                "completed" => return Ok(()),
                "active" => std::thread::sleep(Duration::from_millis(50)),
                _ => {
                    // QEMU says why in its DUMP_COMPLETED event.
                    let why = mon.take_events().into_iter().find_map(|e| {
                        (e.name == "DUMP_COMPLETED")
                            .then(|| {
                                e.data
                                    .get("error")
                                    .and_then(Value::as_str)
                                    .map(str::to_string)
                            })
                            .flatten()
                    });
                    state::remove_quiet(Path::new(path));
                    return Err(QemuError::Failed(match why {
                        Some(w) => format!("memory-only dump failed: {w}"),
                        None => "memory-only dump failed for unknown reason".into(),
                    }));
                }
            }
        }
    }
}
