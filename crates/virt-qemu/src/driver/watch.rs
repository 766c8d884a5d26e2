//! Watching QEMU without a process of our own: a look at a domain reads
//! its pid (through a pidfd) and `query-status`, and applies the lifecycle
//! action its guest asked for meanwhile (`on_poweroff`, `on_crash`, the
//! fake reboot); stopping QEMU waits on the pidfd, never polls.

use super::*;
use virt_core::events::lifecycle_detail::stopped;

/// How long a monitor read may block before the call fails. A guard
/// against a hung QEMU, not a poll interval: replies come in microseconds.
pub(super) const MONITOR_TIMEOUT: Duration = Duration::from_secs(30);

/// How long destroy waits for QEMU to exit after SIGTERM before SIGKILL.
pub(super) const TERM_GRACE: Duration = Duration::from_secs(10);

impl QemuDriver {
    /// Press the guest's ACPI power button, recording whether its power-off
    /// should become a restart (libvirt's "fake reboot") or a real stop.
    pub(super) fn press_power_button(&self, dom: &DomainRef, fake_reboot: bool) -> Result<()> {
        self.with_monitor(dom, |mon, obs, name| {
            if obs.state != DomainState::Running {
                return Err(QemuError::Invalid("domain is not running".into()));
            }
            if let Some((rt, _)) = obs
                .live
                .as_ref()
                .filter(|(rt, _)| rt.fake_reboot != fake_reboot)
            {
                let mut rt = rt.clone();
                rt.fake_reboot = fake_reboot;
                rt.store(&self.paths, name)?;
            }
            mon.execute("system_powerdown", None).map(|_| ())
        })
    }

    pub(super) fn connect_monitor(rt: &Runtime) -> QemuResult<Monitor<UnixStream>> {
        let s = UnixStream::connect(&rt.monitor).map_err(|e| {
            QemuError::system(
                format!(
                    "failed to connect to monitor socket '{}'",
                    rt.monitor.display()
                ),
                e,
            )
        })?;
        let _ = s.set_read_timeout(Some(MONITOR_TIMEOUT));
        let _ = s.set_write_timeout(Some(MONITOR_TIMEOUT));
        Monitor::handshake(s)
    }

    /// Remove what a running domain left on disk; a persistent domain
    /// remembers why it stopped (`why`, a VIR_DOMAIN_SHUTOFF_* reason);
    /// subscribers get the STOPPED event with `detail`.
    pub(super) fn cleanup(&self, name: &str, rt: &Runtime, why: i32, detail: i32) {
        // Named before its live definition goes (a transient domain has
        // no other).
        let dom = self.dom_ref(name, Some(rt.id)).ok();
        state::remove_quiet(&self.paths.runtime(name));
        state::remove_quiet(&self.paths.live_xml(name));
        state::remove_quiet(&rt.monitor);
        let _ = std::fs::remove_dir_all(self.paths.channel_dir(name));
        if self.paths.config_xml(name).exists() {
            let _ = state::write_atomic(&self.paths.shutoff(name), why.to_string().as_bytes());
        }
        if let Some(dom) = dom {
            self.bus
                .publish(Event::lifecycle(dom, LifecycleEvent::Stopped, detail));
        }
    }

    /// Stop QEMU: SIGKILL at once when nothing can be lost, else SIGTERM and
    /// a grace period; wait on the pidfd (no polling) until it is gone.
    pub(super) fn kill(
        &self,
        proc: &Process,
        def: Option<&DomainDef>,
        graceful: bool,
    ) -> QemuResult<()> {
        // Formats with metadata QEMU caches in memory (qcow2's L2 and
        // refcount tables) need an orderly exit; raw images and no disks
        // lose nothing the host kernel does not already hold.
        let needs_term = graceful
            || def.is_none_or(|d| {
                d.devices.disks.iter().any(|disk| {
                    !disk.readonly
                        && disk.device != "cdrom"
                        && disk.driver_type.as_deref().unwrap_or("raw") != "raw"
                })
            });
        if needs_term {
            proc.signal(libc::SIGTERM)
                .map_err(|e| QemuError::system("failed to terminate QEMU", e))?;
            if proc.wait_exit(Some(TERM_GRACE)) {
                return Ok(());
            }
            if graceful {
                return Err(QemuError::Failed(
                    "failed to terminate process with SIGTERM: Device or resource busy".into(),
                ));
            }
        }
        proc.signal(libc::SIGKILL)
            .map_err(|e| QemuError::system("failed to kill QEMU", e))?;
        if !proc.wait_exit(Some(TERM_GRACE)) {
            return Err(QemuError::Failed(format!(
                "QEMU process {} did not exit after SIGKILL",
                proc.pid()
            )));
        }
        Ok(())
    }

    /// Look at a domain (the caller holds its lock), apply pending
    /// lifecycle actions, clean up after a QEMU that died.
    pub(super) fn observe(&self, name: &str) -> QemuResult<Observed> {
        let Some(rt) = Runtime::load(&self.paths, name) else {
            let why = std::fs::read_to_string(self.paths.shutoff(name))
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(reason::SHUTOFF_UNKNOWN);
            return Ok(Observed {
                state: DomainState::Shutoff,
                reason: why,
                live: None,
            });
        };
        let Some(proc) = Process::attach(rt.pid, rt.start_time) else {
            // QEMU is gone without us stopping it: it crashed or was killed.
            self.cleanup(name, &rt, reason::SHUTOFF_CRASHED, stopped::FAILED);
            return Ok(Observed {
                state: DomainState::Shutoff,
                reason: reason::SHUTOFF_CRASHED,
                live: None,
            });
        };
        let mut mon = match Self::monitor_session(&rt) {
            Ok(m) => m,
            Err(e) => {
                // The monitor closing as QEMU exits is an exit, not an error.
                if proc.wait_exit(Some(Duration::from_millis(500))) {
                    self.cleanup(name, &rt, reason::SHUTOFF_CRASHED, stopped::FAILED);
                    return Ok(Observed {
                        state: DomainState::Shutoff,
                        reason: reason::SHUTOFF_CRASHED,
                        live: None,
                    });
                }
                return Err(e);
            }
        };
        self.settle(name, rt, proc, &mut mon)
    }

    /// Read `query-status` on an open session and apply what it asks for.
    pub(super) fn settle(
        &self,
        name: &str,
        mut rt: Runtime,
        proc: Process,
        mon: &mut Monitor<UnixStream>,
    ) -> QemuResult<Observed> {
        let status = mon.execute("query-status", None)?;
        let _ = mon.take_events();
        let st = status
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let live = |state, reason, rt, proc| {
            Ok(Observed {
                state,
                reason,
                live: Some((rt, proc)),
            })
        };
        let def = self.live_def(name);
        match st.as_str() {
            "running" => live(DomainState::Running, rt.running_reason, rt, proc),
            "paused" | "prelaunch" | "debug" => {
                live(DomainState::Paused, rt.paused_reason, rt, proc)
            }
            "inmigrate" | "postmigrate" | "finish-migrate" => {
                live(DomainState::Paused, 2, rt, proc)
            }
            "save-vm" | "restore-vm" => live(DomainState::Paused, reason::PAUSED_SAVE, rt, proc),
            "io-error" => live(DomainState::Paused, 5, rt, proc),
            "watchdog" => live(DomainState::Paused, 6, rt, proc),
            "suspended" => live(DomainState::PmSuspended, 0, rt, proc),
            "shutdown" if rt.fake_reboot => {
                // The guest powered off because we asked it to reboot:
                // reset and run it again instead of applying on_poweroff.
                mon.execute("system_reset", None)?;
                mon.execute("cont", None)?;
                rt.fake_reboot = false;
                rt.running_reason = reason::RUNNING_BOOTED;
                rt.store(&self.paths, name)?;
                live(DomainState::Running, reason::RUNNING_BOOTED, rt, proc)
            }
            "shutdown" => {
                let action = def
                    .as_ref()
                    .and_then(|d| d.on_poweroff)
                    .unwrap_or(LifecycleAction::Destroy);
                match action {
                    LifecycleAction::Restart | LifecycleAction::RenameRestart => {
                        mon.execute("system_reset", None)?;
                        mon.execute("cont", None)?;
                        rt.running_reason = reason::RUNNING_BOOTED;
                        rt.store(&self.paths, name)?;
                        live(DomainState::Running, reason::RUNNING_BOOTED, rt, proc)
                    }
                    LifecycleAction::Preserve => {
                        live(DomainState::Shutdown, reason::SHUTDOWN_USER, rt, proc)
                    }
                    _ => {
                        self.kill(&proc, def.as_ref(), false)?;
                        self.cleanup(name, &rt, reason::SHUTOFF_SHUTDOWN, stopped::SHUTDOWN);
                        Ok(Observed {
                            state: DomainState::Shutoff,
                            reason: reason::SHUTOFF_SHUTDOWN,
                            live: None,
                        })
                    }
                }
            }
            "guest-panicked" | "internal-error" => {
                let action = def
                    .as_ref()
                    .and_then(|d| d.on_crash)
                    .unwrap_or(LifecycleAction::Destroy);
                if matches!(
                    action,
                    LifecycleAction::CoredumpDestroy | LifecycleAction::CoredumpRestart
                ) {
                    let path = self.paths.log.join(format!("{name}.core"));
                    let _ = mon.execute(
                        "dump-guest-memory",
                        Some(json!({"paging": false, "protocol": format!("file:{}", path.display())})),
                    );
                }
                match action {
                    LifecycleAction::Restart
                    | LifecycleAction::RenameRestart
                    | LifecycleAction::CoredumpRestart => {
                        mon.execute("system_reset", None)?;
                        mon.execute("cont", None)?;
                        rt.running_reason = 9; // crashed
                        rt.store(&self.paths, name)?;
                        live(DomainState::Running, 9, rt, proc)
                    }
                    LifecycleAction::Preserve => live(DomainState::Crashed, 1, rt, proc),
                    _ => {
                        self.kill(&proc, def.as_ref(), false)?;
                        self.cleanup(name, &rt, reason::SHUTOFF_CRASHED, stopped::CRASHED);
                        Ok(Observed {
                            state: DomainState::Shutoff,
                            reason: reason::SHUTOFF_CRASHED,
                            live: None,
                        })
                    }
                }
            }
            _ => live(DomainState::NoState, 0, rt, proc),
        }
    }

    /// Run `f` on a running domain's monitor with its lock held; afterwards
    /// apply what the events seen meanwhile call for.
    pub(super) fn with_monitor<T>(
        &self,
        dom: &DomainRef,
        f: impl FnOnce(&mut Monitor<UnixStream>, &Observed, &str) -> QemuResult<T>,
    ) -> Result<T> {
        let d = self.open_domain(dom)?;
        let mut mon = Self::monitor_session(d.runtime()?)?;
        let out = f(&mut mon, &d.obs, &d.name)?;
        if let MonitorSession::Leased(_) = mon {
            // The daemon's loop takes the events read during the call
            // when the lease ends, and acts on them.
            return Ok(out);
        }
        let events = mon.take_events();
        if events
            .iter()
            .any(|e| e.name == "SHUTDOWN" || e.name == "GUEST_PANICKED")
        {
            if let Some((rt, proc)) = d.obs.live {
                // `f` may have updated the record (a pending reboot).
                let rt = Runtime::load(&self.paths, &d.name).unwrap_or(rt);
                self.settle(&d.name, rt, proc, &mut mon)?;
            }
        }
        Ok(out)
    }
}
