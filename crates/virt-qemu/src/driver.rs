//! The `virt_core::Driver` implementation: domain life over QMP, with all
//! state on disk (see [`crate::state`]).
//!
//! No process stays behind to watch guests, so the state of a running
//! domain is read when asked: the pid (through a pidfd) says whether QEMU
//! lives, `query-status` says what the guest does, and the events QEMU sends
//! during any monitor session (SHUTDOWN, GUEST_PANICKED, ...) make the
//! driver apply `on_poweroff` / `on_crash` then. QEMU runs with
//! `-no-shutdown`, so a guest that powers off while nobody looks waits in
//! the "shutdown" status until the next look applies its lifecycle action.

use crate::argv::{self, LaunchContext, MonitorSocket};
use crate::error::{check_flags, QemuError, QemuResult};
use crate::process::{self, Process, SpawnOptions};
use crate::qmp::Monitor;
use crate::state::{self, Lock, Paths, Runtime};
use serde_json::{json, Value};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::Duration;
use virt_core::types::reason;
use virt_core::*;
use virt_xml::{DomainDef, Element, FormatOptions, LifecycleAction, Node};

/// How long a monitor read may block before the call fails. A guard
/// against a hung QEMU, not a poll interval: replies come in microseconds.
const MONITOR_TIMEOUT: Duration = Duration::from_secs(30);
/// How long destroy waits for QEMU to exit after SIGTERM before SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(10);

const SAVE_MAGIC: &[u8; 16] = b"VirtRsQemuSave01";

/// The QEMU binary used when the definition names none.
pub const DEFAULT_EMULATOR: &str = "/usr/bin/qemu-system-x86_64";

/// An open `qemu:///session` or `qemu:///system` connection.
pub struct QemuDriver {
    paths: Paths,
    system: bool,
}

/// What a look at a domain found.
struct Observed {
    state: DomainState,
    reason: i32,
    /// The runtime record and process while QEMU lives.
    live: Option<(Runtime, Process)>,
}

impl QemuDriver {
    /// Press the guest's ACPI power button, recording whether its power-off
    /// should become a restart (libvirt's "fake reboot") or a real stop.
    fn press_power_button(&self, dom: &DomainRef, fake_reboot: bool) -> Result<()> {
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
    /// Open the connection for a URI path ("/session" or "/system").
    pub fn open(path: &str, _read_only: bool) -> Result<QemuDriver> {
        let system = match path {
            "/session" => false,
            "/system" => true,
            p => {
                return Err(QemuError::BadUri(format!(
                    "unexpected QEMU URI path '{p}', try qemu:///system or qemu:///session"
                ))
                .into())
            }
        };
        // SAFETY: geteuid cannot fail and has no preconditions.
        if system && unsafe { libc::geteuid() } != 0 && std::env::var_os("VIRT_QEMU_ROOT").is_none()
        {
            return Err(QemuError::AccessDenied(
                "qemu:///system needs root; use qemu:///session".into(),
            )
            .into());
        }
        let paths = Paths::new(system);
        paths.create()?;
        let driver = QemuDriver { paths, system };
        driver.autostart_guests();
        Ok(driver)
    }

    /// Start the defined domains marked autostart, once per host boot.
    ///
    /// libvirt starts them when its daemon starts. There is no daemon yet,
    /// so the first connection opened after the host booted plays that
    /// part (as the first client spawns libvirt's session daemon): the
    /// boot id it did this for is kept in the runtime dir, and later
    /// connections of the same boot start nothing, so a guest the user
    /// stopped stays stopped. A guest that fails to start is logged and
    /// the others still start. Returns what was tried, with the outcome.
    pub fn autostart_guests(&self) -> Vec<(String, QemuResult<()>)> {
        let marker = self.paths.run.join("autostarted");
        let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .map(|b| b.trim().to_string())
            .unwrap_or_default();
        {
            let Ok(_g) = self.driver_lock() else {
                return Vec::new();
            };
            if std::fs::read_to_string(&marker).is_ok_and(|m| m.trim() == boot) {
                return Vec::new();
            }
            if let Err(e) = state::write_atomic(&marker, boot.as_bytes()) {
                log::warn!("cannot record the autostart of this boot: {e}");
                return Vec::new();
            }
        }
        let mut tried = Vec::new();
        for name in self.paths.defined_names() {
            if !self.paths.autostart(&name).exists() {
                continue;
            }
            let r = match self.start_existing(&name, 0) {
                Ok(_) | Err(QemuError::AlreadyRunning) => Ok(()),
                Err(e) => {
                    log::warn!("Failed to autostart VM '{name}': {e}");
                    Err(e)
                }
            };
            tried.push((name, r));
        }
        tried
    }

    /// A connection keeping its state in `paths` (tests and benchmarks use
    /// a private tree).
    pub fn with_paths(paths: Paths, system: bool) -> Result<QemuDriver> {
        paths.create()?;
        Ok(QemuDriver { paths, system })
    }

    /// The directories this connection keeps its state in.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    fn driver_lock(&self) -> QemuResult<Lock> {
        Lock::acquire(&self.paths.run.join("driver.lock"))
    }

    fn domain_lock(&self, name: &str) -> QemuResult<Lock> {
        Lock::acquire(&self.paths.run.join("locks").join(format!("{name}.lock")))
    }

    fn read_def(path: &Path) -> Option<DomainDef> {
        let text = std::fs::read_to_string(path).ok()?;
        virt_xml::parse_domain(&text).ok()
    }

    fn config_def(&self, name: &str) -> Option<DomainDef> {
        Self::read_def(&self.paths.config_xml(name))
    }

    fn live_def(&self, name: &str) -> Option<DomainDef> {
        Self::read_def(&self.paths.live_xml(name))
    }

    /// Every known domain name: defined or running.
    fn all_names(&self) -> Vec<String> {
        let mut names = self.paths.defined_names();
        names.extend(self.paths.active_names());
        names.sort();
        names.dedup();
        names
    }

    /// The name and UUID of `name` as stored (live definition first).
    fn identity(&self, name: &str) -> Option<(String, Uuid)> {
        let def = if self.paths.runtime(name).exists() {
            self.live_def(name).or_else(|| self.config_def(name))
        } else {
            self.config_def(name)
        }?;
        Some((def.name.clone(), def.uuid?))
    }

    /// Check that a handle still names a domain; its stored name.
    fn resolve(&self, dom: &DomainRef) -> QemuResult<String> {
        match self.identity(&dom.name) {
            Some((n, u)) if u == dom.uuid => Ok(n),
            _ => {
                if let Some(n) = self
                    .all_names()
                    .into_iter()
                    .find(|n| self.identity(n).map(|(_, u)| u) == Some(dom.uuid))
                {
                    return Ok(n);
                }
                Err(QemuError::NoDomainUuid(format!(
                    "{}' ({}",
                    dom.uuid, dom.name
                )))
            }
        }
    }

    fn dom_ref(&self, name: &str, id: Option<u32>) -> QemuResult<DomainRef> {
        let (name, uuid) = self
            .identity(name)
            .ok_or_else(|| QemuError::NoDomainName(name.to_string()))?;
        Ok(DomainRef { name, uuid, id })
    }

    fn connect_monitor(rt: &Runtime) -> QemuResult<Monitor<UnixStream>> {
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
    /// remembers why it stopped.
    fn cleanup(&self, name: &str, rt: &Runtime, why: i32) {
        state::remove_quiet(&self.paths.runtime(name));
        state::remove_quiet(&self.paths.live_xml(name));
        state::remove_quiet(&rt.monitor);
        if self.paths.config_xml(name).exists() {
            let _ = state::write_atomic(&self.paths.shutoff(name), why.to_string().as_bytes());
        }
    }

    /// Stop QEMU: SIGKILL at once when nothing can be lost, else SIGTERM and
    /// a grace period; wait on the pidfd (no polling) until it is gone.
    fn kill(&self, proc: &Process, def: Option<&DomainDef>, graceful: bool) -> QemuResult<()> {
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
    fn observe(&self, name: &str) -> QemuResult<Observed> {
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
            self.cleanup(name, &rt, reason::SHUTOFF_CRASHED);
            return Ok(Observed {
                state: DomainState::Shutoff,
                reason: reason::SHUTOFF_CRASHED,
                live: None,
            });
        };
        let mut mon = match Self::connect_monitor(&rt) {
            Ok(m) => m,
            Err(e) => {
                // The monitor closing as QEMU exits is an exit, not an error.
                if proc.wait_exit(Some(Duration::from_millis(500))) {
                    self.cleanup(name, &rt, reason::SHUTOFF_CRASHED);
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
    fn settle(
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
                        self.cleanup(name, &rt, reason::SHUTOFF_SHUTDOWN);
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
                        self.cleanup(name, &rt, reason::SHUTOFF_CRASHED);
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
    fn with_monitor<T>(
        &self,
        dom: &DomainRef,
        f: impl FnOnce(&mut Monitor<UnixStream>, &Observed, &str) -> QemuResult<T>,
    ) -> Result<T> {
        let name = self.resolve(dom)?;
        let _lock = self.domain_lock(&name)?;
        let obs = self.observe(&name)?;
        let Some((rt, _)) = &obs.live else {
            return Err(QemuError::NotRunning.into());
        };
        let mut mon = Self::connect_monitor(rt)?;
        let out = f(&mut mon, &obs, &name)?;
        let events = mon.take_events();
        if events
            .iter()
            .any(|e| e.name == "SHUTDOWN" || e.name == "GUEST_PANICKED")
        {
            if let Some((rt, proc)) = obs.live {
                // `f` may have updated the record (a pending reboot).
                let rt = Runtime::load(&self.paths, &name).unwrap_or(rt);
                self.settle(&name, rt, proc, &mut mon)?;
            }
        }
        Ok(out)
    }

    /// Give a new definition what the driver needs: UUID, MAC addresses,
    /// libvirt's defaults.
    fn prepare(xml: &str) -> QemuResult<DomainDef> {
        let mut def = virt_xml::parse_domain(xml)?;
        if def.name.contains('/') || def.name.starts_with('.') {
            return Err(QemuError::InvalidArg(format!(
                "name '{}' cannot contain '/' or start with '.'",
                def.name
            )));
        }
        def.fill_defaults();
        if def.uuid.is_none() {
            def.uuid = Some(Uuid::new_v4());
        }
        for iface in &mut def.devices.interfaces {
            if iface.mac.is_none() {
                let b = Uuid::new_v4().into_bytes();
                iface.mac = Some(format!("52:54:00:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2]));
            }
        }
        Ok(def)
    }

    /// Refuse a definition whose name or UUID belongs to another domain
    /// (the caller holds the driver lock). Returns true when a domain with
    /// this name and UUID already exists.
    fn check_identity(&self, def: &DomainDef, allow_active: bool) -> QemuResult<bool> {
        let uuid = def.uuid.unwrap_or_default();
        let mut exists = false;
        for n in self.all_names() {
            let Some((name, u)) = self.identity(&n) else {
                continue;
            };
            if name == def.name && u != uuid {
                return Err(QemuError::Failed(format!(
                    "domain '{name}' already exists with uuid {u}"
                )));
            }
            if name != def.name && u == uuid {
                return Err(QemuError::Failed(format!(
                    "domain '{name}' is already defined with uuid {u}"
                )));
            }
            if name == def.name {
                exists = true;
                if !allow_active && self.paths.runtime(&name).exists() {
                    return Err(QemuError::Invalid(format!(
                        "domain '{name}' is already active"
                    )));
                }
            }
        }
        Ok(exists)
    }

    /// Start QEMU for `def` (the caller holds the domain lock) and return
    /// its runtime record; on failure nothing is left behind.
    fn launch(
        &self,
        def: &mut DomainDef,
        id: u32,
        paused: bool,
        restore: Option<(File, bool)>,
    ) -> QemuResult<Runtime> {
        let name = def.name.clone();
        let uuid = def.uuid.unwrap_or_default();
        let emulator = def
            .devices
            .emulator
            .clone()
            .unwrap_or_else(|| DEFAULT_EMULATOR.to_string());
        let meta = std::fs::metadata(&emulator)
            .map_err(|e| QemuError::system(format!("Cannot check QEMU binary {emulator}"), e))?;
        {
            use std::os::unix::fs::PermissionsExt;
            if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
                return Err(QemuError::Unsupported(format!(
                    "QEMU binary {emulator} is not executable"
                )));
            }
        }
        let kvm_usable = def.domain_type == "kvm"
            && OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/kvm")
                .is_ok();
        let ctx = LaunchContext {
            emulator,
            monitor: MonitorSocket::Fd(process::MONITOR_FD),
            kvm_usable,
            incoming: restore.as_ref().map(|_| "defer".to_string()),
        };
        let cmd = argv::build(def, &ctx)?;
        let cpuset = match &def.vcpu.cpuset {
            Some(s) => Some(online_cpus_in(s)?),
            None => None,
        };
        let sock = self.paths.monitor(&uuid);
        state::remove_quiet(&sock);
        let listener = UnixListener::bind(&sock).map_err(|e| {
            QemuError::system(
                format!("cannot create monitor socket '{}'", sock.display()),
                e,
            )
        })?;
        let log_path = self.paths.log_file(&name);
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| {
                state::remove_quiet(&sock);
                QemuError::system(format!("cannot open log '{}'", log_path.display()), e)
            })?;
        let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = writeln!(log, "starting up\n{}", cmd.to_shell_string());
        let started = process::spawn(
            &cmd,
            SpawnOptions {
                monitor: Some(listener.as_raw_fd()),
                log: &log,
                cpuset,
            },
        );
        // Only QEMU holds the listening socket now: when it dies, our
        // connection attempt fails instead of waiting.
        drop(listener);
        let started = match started {
            Ok(s) => s,
            Err(e) => {
                state::remove_quiet(&sock);
                return Err(e);
            }
        };
        let proc = Process::attach(started.pid, started.start_time);
        let rt =
            Runtime {
                pid: started.pid,
                start_time: started.start_time,
                id,
                monitor: sock.clone(),
                running_reason: if restore.is_some() {
                    reason::RUNNING_RESTORED
                } else {
                    reason::RUNNING_BOOTED
                },
                paused_reason: reason::PAUSED_USER,
                balloon: def.devices.other.iter().any(|o| {
                    o.name == "memballoon" && o.attr("model").unwrap_or("virtio") != "none"
                }),
                fake_reboot: false,
            };
        let result = match &proc {
            Some(_) => self.bring_up(def, &rt, paused, restore),
            None => Err(QemuError::Protocol("QEMU exited at once".into())),
        };
        match result {
            Ok(()) => {
                let xml = def.to_xml(&FormatOptions {
                    id: Some(id),
                    inactive: false,
                    secure: true,
                });
                let stored = state::write_atomic(&self.paths.live_xml(&name), xml.as_bytes())
                    .and_then(|()| rt.store(&self.paths, &name));
                if let Err(e) = stored {
                    if let Some(p) = &proc {
                        let _ = self.kill(p, None, false);
                    }
                    self.cleanup_failed(&name, &sock);
                    return Err(e);
                }
                state::remove_quiet(&self.paths.shutoff(&name));
                Ok(rt)
            }
            Err(e) => {
                let exited = match &proc {
                    Some(p) => {
                        if !p.wait_exit(Some(Duration::from_millis(200))) {
                            let _ = p.signal(libc::SIGKILL);
                            p.wait_exit(Some(TERM_GRACE));
                        }
                        true
                    }
                    None => true,
                };
                self.cleanup_failed(&name, &sock);
                let tail = process::log_tail(&log_path, log_start, 8);
                let tail = tail
                    .lines()
                    .filter(|l| *l != "starting up" && !l.starts_with(&cmd.program))
                    .collect::<Vec<_>>()
                    .join("\n");
                Err(match e {
                    QemuError::Protocol(_) | QemuError::Timeout(_) if exited => {
                        QemuError::Internal(format!(
                            "QEMU unexpectedly closed the monitor (vm='{name}'): {tail}"
                        ))
                    }
                    QemuError::Monitor { command, desc } => QemuError::Monitor {
                        command,
                        desc: if tail.is_empty() {
                            desc
                        } else {
                            format!("{desc}\n{tail}")
                        },
                    },
                    other => other,
                })
            }
        }
    }

    fn cleanup_failed(&self, name: &str, sock: &Path) {
        state::remove_quiet(sock);
        state::remove_quiet(&self.paths.runtime(name));
        state::remove_quiet(&self.paths.live_xml(name));
    }

    /// The monitor work of a start: handshake, pty paths, pinning,
    /// incoming migration, `cont`.
    fn bring_up(
        &self,
        def: &mut DomainDef,
        rt: &Runtime,
        paused: bool,
        restore: Option<(File, bool)>,
    ) -> QemuResult<()> {
        let mut mon = Self::connect_monitor(rt)?;
        if def
            .devices
            .chardevs
            .iter()
            .any(|c| c.dev_type.as_deref() == Some("pty"))
        {
            let chardevs = mon.execute("query-chardev", None)?;
            record_pty_paths(def, &chardevs);
        }
        let pins = vcpu_pins(def);
        if !pins.is_empty() {
            let threads = vcpu_threads(&mut mon)?;
            for (vcpu, cpus) in pins {
                if let Some((_, tid)) = threads.iter().find(|(i, _)| *i == vcpu) {
                    set_affinity(*tid, &cpus)?;
                }
            }
        }
        if let Some(emu) = def
            .extra
            .iter()
            .find(|e| e.name == "cputune")
            .and_then(|c| c.child("emulatorpin"))
            .and_then(|e| e.attr("cpuset"))
        {
            set_affinity(rt.pid, &online_cpus_in(emu)?)?;
        }
        let mut run = !paused;
        if let Some((file, was_running)) = restore {
            run = run && was_running;
            self.incoming(&mut mon, def, file)?;
        }
        if run {
            mon.execute("cont", None)?;
        }
        Ok(())
    }

    /// Feed a saved migration stream to a QEMU started with
    /// `-incoming defer`, and wait for its MIGRATION event.
    fn incoming(
        &self,
        mon: &mut Monitor<UnixStream>,
        def: &DomainDef,
        mut file: File,
    ) -> QemuResult<()> {
        mon.execute(
            "migrate-set-capabilities",
            Some(json!({"capabilities": [{"capability": "events", "state": true}]})),
        )?;
        let path = self.paths.migration(&def.uuid.unwrap_or_default());
        state::remove_quiet(&path);
        mon.execute(
            "migrate-incoming",
            Some(json!({"uri": format!("unix:{}", path.display())})),
        )?;
        let copied = (|| {
            let mut s = UnixStream::connect(&path)?;
            std::io::copy(&mut file, &mut s)?;
            s.shutdown(std::net::Shutdown::Write)
        })();
        state::remove_quiet(&path);
        copied.map_err(|e| QemuError::system("cannot send the saved state to QEMU", e))?;
        wait_migration(mon)
    }

    fn start_existing(&self, name: &str, flags: u32) -> QemuResult<DomainRef> {
        let _g = self.driver_lock()?;
        let _l = self.domain_lock(name)?;
        if self.observe(name)?.live.is_some() {
            return Err(QemuError::AlreadyRunning);
        }
        let mut def = self
            .config_def(name)
            .ok_or_else(|| QemuError::NoDomainName(name.to_string()))?;
        def.fill_defaults();
        let id = state::next_id(&self.paths)?;
        self.launch(&mut def, id, flags & start_flags::PAUSED != 0, None)?;
        Ok(DomainRef {
            name: def.name,
            uuid: def.uuid.unwrap_or_default(),
            id: Some(id),
        })
    }

    fn facts(&self, name: &str) -> QemuResult<(DomainRef, ListFacts)> {
        let _l = self.domain_lock(name)?;
        let obs = self.observe(name)?;
        let id = obs.live.as_ref().map(|(rt, _)| rt.id);
        let r = self.dom_ref(name, id)?;
        Ok((
            r,
            ListFacts {
                state: obs.state,
                persistent: self.paths.config_xml(name).exists(),
                autostart: self.paths.autostart(name).exists(),
                managed_save: false,
                has_snapshot: false,
            },
        ))
    }

    /// The definitions `flags` (affect::LIVE / CONFIG) point at, by
    /// virt-core's rules, for a domain `active` or not.
    fn affected(&self, name: &str, flags: u32, active: bool) -> QemuResult<affect::Defs> {
        let persistent = self.paths.config_xml(name).exists();
        Ok(affect::defs(flags, active, persistent)?)
    }

    fn store_config(&self, def: &DomainDef) -> QemuResult<()> {
        let xml = def.to_xml(&FormatOptions {
            id: None,
            inactive: true,
            secure: true,
        });
        state::write_atomic(&self.paths.config_xml(&def.name), xml.as_bytes())
    }

    fn store_live(&self, def: &DomainDef, id: u32) -> QemuResult<()> {
        let xml = def.to_xml(&FormatOptions {
            id: Some(id),
            inactive: false,
            secure: true,
        });
        state::write_atomic(&self.paths.live_xml(&def.name), xml.as_bytes())
    }
}

/// The CPUs of a cpuset string that are online on this node.
fn online_cpus_in(cpuset: &str) -> QemuResult<Vec<u32>> {
    let n = virt_host::cpu_count();
    let map = CpuMap::parse_list(cpuset, 4096)
        .ok_or_else(|| QemuError::InvalidArg(format!("failed to parse CPU set '{cpuset}'")))?;
    let cpus: Vec<u32> = map.cpus().filter(|&c| c < n).collect();
    if cpus.is_empty() {
        return Err(QemuError::InvalidArg(format!(
            "CPU set '{cpuset}' has no CPU of this node (0-{})",
            n.saturating_sub(1)
        )));
    }
    Ok(cpus)
}

fn set_affinity(tid: i32, cpus: &[u32]) -> QemuResult<()> {
    let set = process::cpu_set_of(cpus);
    // SAFETY: a valid cpu_set_t of the size we pass.
    let r = unsafe { libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    if r < 0 {
        return Err(QemuError::system(
            format!("cannot set CPU affinity of thread {tid}"),
            std::io::Error::last_os_error(),
        ));
    }
    Ok(())
}

fn get_affinity(tid: i32, ncpus: u32) -> CpuMap {
    // SAFETY: cpu_set_t is plain old data; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: a valid, writable cpu_set_t of the size we pass.
    let r =
        unsafe { libc::sched_getaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if r < 0 {
        return CpuMap::all(ncpus);
    }
    let mut m = CpuMap::new(ncpus);
    for c in 0..ncpus {
        if process::cpu_set_has(&set, c) {
            m.set(c);
        }
    }
    m
}

/// `(vcpu index, host thread id)` of each vCPU.
fn vcpu_threads(mon: &mut Monitor<UnixStream>) -> QemuResult<Vec<(u32, i32)>> {
    let cpus = mon.execute("query-cpus-fast", None)?;
    Ok(cpus
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| {
                    Some((
                        u32::try_from(c.get("cpu-index")?.as_u64()?).ok()?,
                        i32::try_from(c.get("thread-id")?.as_i64()?).ok()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// `<cputune><vcpupin vcpu cpuset>` entries.
fn vcpu_pins(def: &DomainDef) -> Vec<(u32, Vec<u32>)> {
    let Some(ct) = def.extra.iter().find(|e| e.name == "cputune") else {
        return Vec::new();
    };
    ct.children_named("vcpupin")
        .filter_map(|p| {
            let v = p.attr("vcpu")?.parse().ok()?;
            Some((v, online_cpus_in(p.attr("cpuset")?).ok()?))
        })
        .collect()
}

/// Set `<vcpupin>` for `vcpu` in a definition.
fn set_vcpu_pin(def: &mut DomainDef, vcpu: u32, cpuset: &str) {
    let idx = match def.extra.iter().position(|e| e.name == "cputune") {
        Some(i) => i,
        None => {
            def.extra.push(Element::new("cputune"));
            def.extra.len() - 1
        }
    };
    if let Some(ct) = def.extra.get_mut(idx) {
        ct.children.retain(|n| match n {
            Node::Element(e) => !(e.name == "vcpupin" && e.attr("vcpu") == Some(&vcpu.to_string())),
            Node::Text(_) => false,
        });
        ct.children.push(Node::Element(
            Element::new("vcpupin")
                .with_attr("vcpu", vcpu.to_string())
                .with_attr("cpuset", cpuset),
        ));
    }
}

/// Put the pty paths QEMU chose into the live definition.
fn record_pty_paths(def: &mut DomainDef, chardevs: &Value) {
    let Some(list) = chardevs.as_array() else {
        return;
    };
    let path_of = |label: &str| {
        list.iter()
            .find(|c| c.get("label").and_then(Value::as_str) == Some(label))
            .and_then(|c| c.get("filename").and_then(Value::as_str))
            .and_then(|f| f.strip_prefix("pty:"))
            .map(str::to_string)
    };
    for c in &mut def.devices.chardevs {
        if c.dev_type.as_deref() != Some("pty") {
            continue;
        }
        let port = c
            .extra
            .iter()
            .find(|e| e.name == "target")
            .and_then(|t| t.attr("port"))
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0);
        let kind = if c.kind == "console" {
            "serial"
        } else {
            c.kind.as_str()
        };
        if let Some(p) = path_of(&argv::chardev_id(kind, port)) {
            c.tty = Some(p.clone());
            c.extra.retain(|e| e.name != "source");
            c.extra
                .insert(0, Element::new("source").with_attr("path", p));
        }
    }
}

/// Block on the monitor until a MIGRATION event reports the end.
/// How long the guest has to release a vCPU it is asked to eject. libvirt
/// waits 5 s; a guest under TCG (what the tests and KVM-less hosts run)
/// can take longer to offline a CPU, so allow more.
const VCPU_UNPLUG_WAIT: Duration = Duration::from_secs(20);

/// Unplug the `count` vCPUs hot-plugged last. Only hot-plugged ones are
/// devices QEMU can remove; each goes through the guest (ACPI eject), so
/// wait for its DEVICE_DELETED event.
fn unplug_vcpus(mon: &mut Monitor<UnixStream>, count: usize) -> QemuResult<()> {
    let slots = mon.execute("query-hotpluggable-cpus", None)?;
    let mut plugged: Vec<(u32, String)> = slots
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("qom-path")?.as_str())
        .filter_map(|p| p.strip_prefix("/machine/peripheral/"))
        .map(|id| {
            let n = id.trim_start_matches("vcpu").parse().unwrap_or(0);
            (n, id.to_string())
        })
        .collect();
    plugged.sort();
    if plugged.len() < count {
        return Err(QemuError::OperationUnsupported(format!(
            "only hot-plugged vCPUs can be unplugged and this domain has {}; change the \
             persistent definition with --config for the next start",
            plugged.len()
        )));
    }
    for (_, id) in plugged.iter().rev().take(count) {
        mon.execute("device_del", Some(json!({ "id": id })))?;
        let _ = mon.stream().set_read_timeout(Some(VCPU_UNPLUG_WAIT));
        let deleted = loop {
            match mon.next_event() {
                Ok(ev) => {
                    if ev.name == "DEVICE_DELETED"
                        && ev.data.get("device").and_then(Value::as_str) == Some(id.as_str())
                    {
                        break true;
                    }
                }
                Err(_) => break false,
            }
        };
        let _ = mon.stream().set_read_timeout(Some(MONITOR_TIMEOUT));
        if !deleted {
            return Err(QemuError::Failed(
                "vcpu unplug request timed out. Unplug result must be manually inspected in \
                 the domain"
                    .into(),
            ));
        }
    }
    Ok(())
}

fn wait_migration(mon: &mut Monitor<UnixStream>) -> QemuResult<()> {
    loop {
        let ev = mon.next_event()?;
        if ev.name != "MIGRATION" {
            continue;
        }
        match ev.data.get("status").and_then(Value::as_str) {
            Some("completed") => return Ok(()),
            Some(s @ ("failed" | "cancelled")) => {
                let info = mon.execute("query-migrate", None).unwrap_or(Value::Null);
                let why = info
                    .get("error-desc")
                    .and_then(Value::as_str)
                    .unwrap_or(s)
                    .to_string();
                return Err(QemuError::Failed(format!("migration failed: {why}")));
            }
            _ => {}
        }
    }
}

impl Driver for QemuDriver {
    fn type_name(&self) -> &str {
        "QEMU"
    }

    fn close(&self) -> Result<()> {
        Ok(())
    }

    fn version(&self) -> Result<u64> {
        // The emulator's version, from its --version line.
        let out = std::process::Command::new(DEFAULT_EMULATOR)
            .arg("--version")
            .output()
            .map_err(|e| {
                QemuError::system(format!("Cannot check QEMU binary {DEFAULT_EMULATOR}"), e)
            })?;
        let text = String::from_utf8_lossy(&out.stdout);
        let v = text
            .split_whitespace()
            .skip_while(|w| *w != "version")
            .nth(1)
            .unwrap_or("0.0.0");
        let mut it = v.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
        let (a, b, c) = (
            it.next().unwrap_or(0),
            it.next().unwrap_or(0),
            it.next().unwrap_or(0),
        );
        Ok(a * 1_000_000 + b * 1000 + c)
    }

    fn hostname(&self) -> Result<String> {
        Ok(virt_host::host_name())
    }

    fn uri(&self) -> Result<String> {
        Ok(if self.system {
            "qemu:///system".into()
        } else {
            "qemu:///session".into()
        })
    }

    fn max_vcpus(&self, _guest_type: Option<&str>) -> Result<u32> {
        Ok(255)
    }

    fn node_cpu_map(&self) -> Result<(u32, CpuMap)> {
        let n = virt_host::cpu_count();
        Ok((n, CpuMap::all(n)))
    }

    fn list_domain_ids(&self) -> Result<Vec<u32>> {
        let mut ids = Vec::new();
        for name in self.paths.active_names() {
            let (r, f) = self.facts(&name)?;
            if f.state.is_active() {
                ids.extend(r.id);
            }
        }
        ids.sort_unstable();
        Ok(ids)
    }

    fn num_of_domains(&self) -> Result<u32> {
        Ok(self.list_domain_ids()?.len() as u32)
    }

    fn list_defined_domains(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for name in self.paths.defined_names() {
            let (r, f) = self.facts(&name)?;
            if !f.state.is_active() {
                out.push(r.name);
            }
        }
        Ok(out)
    }

    fn num_of_defined_domains(&self) -> Result<u32> {
        Ok(self.list_defined_domains()?.len() as u32)
    }

    fn list_all_domains(&self, flags: u32) -> Result<Vec<DomainRef>> {
        let mut out = Vec::new();
        for name in self.all_names() {
            // A domain may vanish between the listing and the look.
            let Ok((r, f)) = self.facts(&name) else {
                continue;
            };
            if !f.persistent && !f.state.is_active() {
                continue;
            }
            if list_filter_matches(flags, &f) {
                out.push(r);
            }
        }
        Ok(out)
    }

    fn domain_create_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        check_flags(
            flags,
            start_flags::PAUSED | start_flags::VALIDATE,
            "qemuDomainCreateXML",
        )?;
        let mut def = Self::prepare(xml)?;
        let _g = self.driver_lock()?;
        self.check_identity(&def, false)?;
        let _l = self.domain_lock(&def.name)?;
        let id = state::next_id(&self.paths)?;
        self.launch(&mut def, id, flags & start_flags::PAUSED != 0, None)?;
        Ok(DomainRef {
            name: def.name,
            uuid: def.uuid.unwrap_or_default(),
            id: Some(id),
        })
    }

    fn domain_define_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        check_flags(flags, define_flags::VALIDATE, "qemuDomainDefineXMLFlags")?;
        let def = Self::prepare(xml)?;
        // Refuse at define time what could never start here.
        let ctx = LaunchContext {
            emulator: DEFAULT_EMULATOR.into(),
            monitor: MonitorSocket::Fd(process::MONITOR_FD),
            kvm_usable: true,
            incoming: None,
        };
        argv::build(&def, &ctx)?;
        let _g = self.driver_lock()?;
        self.check_identity(&def, true)?;
        let _l = self.domain_lock(&def.name)?;
        self.store_config(&def)?;
        let id = Runtime::load(&self.paths, &def.name).map(|r| r.id);
        Ok(DomainRef {
            name: def.name,
            uuid: def.uuid.unwrap_or_default(),
            id,
        })
    }

    fn domain_lookup_by_id(&self, id: u32) -> Result<DomainRef> {
        for name in self.paths.active_names() {
            if Runtime::load(&self.paths, &name).map(|r| r.id) == Some(id) {
                let (r, f) = self.facts(&name)?;
                if f.state.is_active() {
                    return Ok(r);
                }
            }
        }
        Err(QemuError::NoDomainId(id).into())
    }

    fn domain_lookup_by_name(&self, name: &str) -> Result<DomainRef> {
        if name.contains('/') || !self.all_names().iter().any(|n| n == name) {
            return Err(QemuError::NoDomainName(name.to_string()).into());
        }
        let (r, f) = self.facts(name)?;
        if !f.persistent && !f.state.is_active() {
            return Err(QemuError::NoDomainName(name.to_string()).into());
        }
        Ok(r)
    }

    fn domain_lookup_by_uuid(&self, uuid: &Uuid) -> Result<DomainRef> {
        for name in self.all_names() {
            if self.identity(&name).map(|(_, u)| u) == Some(*uuid) {
                let (r, f) = self.facts(&name)?;
                if f.persistent || f.state.is_active() {
                    return Ok(r);
                }
            }
        }
        Err(QemuError::NoDomainUuid(uuid.to_string()).into())
    }

    fn domain_undefine(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        // MANAGED_SAVE (1), SNAPSHOTS_METADATA (2), NVRAM (4), KEEP_NVRAM (8):
        // there is nothing of those kinds to remove.
        check_flags(flags, 1 | 2 | 4 | 8, "qemuDomainUndefineFlags")?;
        let name = self.resolve(dom)?;
        let _g = self.driver_lock()?;
        let _l = self.domain_lock(&name)?;
        if !self.paths.config_xml(&name).exists() {
            return Err(QemuError::Invalid("cannot undefine transient domain".into()).into());
        }
        state::remove_quiet(&self.paths.autostart(&name));
        state::remove_quiet(&self.paths.config_xml(&name));
        state::remove_quiet(&self.paths.shutoff(&name));
        Ok(())
    }

    fn domain_create(&self, dom: &DomainRef, flags: u32) -> Result<DomainRef> {
        check_flags(flags, start_flags::PAUSED, "qemuDomainCreateWithFlags")?;
        let name = self.resolve(dom)?;
        Ok(self.start_existing(&name, flags)?)
    }

    fn domain_shutdown(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        // VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN is what this does anyway.
        check_flags(flags, 1, "qemuDomainShutdownFlags")?;
        // A shutdown overrides a reboot still pending.
        self.press_power_button(dom, false)
    }

    fn domain_reboot(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        // Without a guest agent, DEFAULT (0) and ACPI_POWER_BTN (1) are the
        // same thing: libvirt's "fake reboot". The guest is asked to power
        // off through the ACPI power button, and when it has, QEMU is reset
        // and resumed instead of stopped. A hard reset (system_reset) would
        // skip the guest's orderly shutdown: libvirt keeps that for
        // virDomainReset. With on_reboot destroy or preserve the request is
        // a plain ACPI shutdown (on_poweroff then applies), as in libvirt.
        check_flags(flags, 1, "qemuDomainReboot")?;
        let name = self.resolve(dom)?;
        let restart = !matches!(
            self.live_def(&name).and_then(|d| d.on_reboot),
            Some(LifecycleAction::Destroy | LifecycleAction::Preserve)
        );
        self.press_power_button(dom, restart)
    }

    fn domain_destroy(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        // VIR_DOMAIN_DESTROY_GRACEFUL: SIGTERM only.
        check_flags(flags, 1, "qemuDomainDestroyFlags")?;
        let name = self.resolve(dom)?;
        let _l = self.domain_lock(&name)?;
        let Some(rt) = Runtime::load(&self.paths, &name) else {
            return Err(QemuError::NotRunning.into());
        };
        if let Some(proc) = Process::attach(rt.pid, rt.start_time) {
            let def = self.live_def(&name);
            self.kill(&proc, def.as_ref(), flags & 1 != 0)?;
        }
        self.cleanup(&name, &rt, reason::SHUTOFF_DESTROYED);
        Ok(())
    }

    fn domain_suspend(&self, dom: &DomainRef) -> Result<()> {
        self.with_monitor(dom, |mon, obs, name| {
            if obs.state == DomainState::Paused {
                return Ok(());
            }
            mon.execute("stop", None)?;
            if let Some((rt, _)) = &obs.live {
                let mut rt = rt.clone();
                rt.paused_reason = reason::PAUSED_USER;
                rt.store(&self.paths, name)?;
            }
            Ok(())
        })
    }

    fn domain_resume(&self, dom: &DomainRef) -> Result<()> {
        self.with_monitor(dom, |mon, obs, name| {
            if obs.state != DomainState::Paused {
                return Err(QemuError::Invalid("domain is not paused".into()));
            }
            mon.execute("cont", None)?;
            if let Some((rt, _)) = &obs.live {
                let mut rt = rt.clone();
                rt.running_reason = reason::RUNNING_UNPAUSED;
                rt.store(&self.paths, name)?;
            }
            Ok(())
        })
    }

    fn domain_save(&self, dom: &DomainRef, path: &str, flags: u32) -> Result<()> {
        // BYPASS_CACHE (1), RUNNING (2), PAUSED (4).
        check_flags(flags, 1 | 2 | 4, "qemuDomainSaveFlags")?;
        let name = self.resolve(dom)?;
        let _l = self.domain_lock(&name)?;
        let obs = self.observe(&name)?;
        let Some((rt, proc)) = obs.live else {
            return Err(QemuError::NotRunning.into());
        };
        let def = self
            .live_def(&name)
            .ok_or_else(|| QemuError::NoDomainName(name.clone()))?;
        let was_running = match flags & 6 {
            2 => true,
            4 => false,
            _ => obs.state == DomainState::Running,
        };
        let mut out = File::create(path)
            .map_err(|e| QemuError::system(format!("failed to create '{path}'"), e))?;
        let result = (|| -> QemuResult<()> {
            let xml = def.to_xml(&FormatOptions {
                id: None,
                inactive: true,
                secure: true,
            });
            let mut header = Vec::with_capacity(24 + xml.len());
            header.extend_from_slice(SAVE_MAGIC);
            header.extend_from_slice(&(xml.len() as u32).to_le_bytes());
            header.extend_from_slice(&u32::from(was_running).to_le_bytes());
            header.extend_from_slice(xml.as_bytes());
            out.write_all(&header)
                .map_err(|e| QemuError::system(format!("failed to write '{path}'"), e))?;
            let mut mon = Self::connect_monitor(&rt)?;
            if obs.state == DomainState::Running {
                mon.execute("stop", None)?;
            }
            mon.execute(
                "migrate-set-capabilities",
                Some(json!({"capabilities": [{"capability": "events", "state": true}]})),
            )?;
            let sock = self.paths.migration(&def.uuid.unwrap_or_default());
            state::remove_quiet(&sock);
            let listener = UnixListener::bind(&sock)
                .map_err(|e| QemuError::system("cannot create migration socket", e))?;
            let sent = mon.execute(
                "migrate",
                Some(json!({"uri": format!("unix:{}", sock.display())})),
            );
            let copied = sent.and_then(|_| {
                let (mut s, _) = listener
                    .accept()
                    .map_err(|e| QemuError::system("QEMU did not connect for saving", e))?;
                std::io::copy(&mut s, &mut out)
                    .map_err(|e| QemuError::system(format!("failed to write '{path}'"), e))
            });
            state::remove_quiet(&sock);
            copied?;
            wait_migration(&mut mon)?;
            out.sync_all()
                .map_err(|e| QemuError::system(format!("failed to write '{path}'"), e))?;
            Ok(())
        })();
        if let Err(e) = result {
            state::remove_quiet(Path::new(path));
            // Give the guest back as it was.
            if let (Ok(mut mon), DomainState::Running) = (Self::connect_monitor(&rt), obs.state) {
                let _ = mon.execute("cont", None);
            }
            return Err(e.into());
        }
        self.kill(&proc, Some(&def), false)?;
        self.cleanup(&name, &rt, reason::SHUTOFF_SAVED);
        Ok(())
    }

    fn domain_restore(&self, path: &str, flags: u32) -> Result<DomainRef> {
        check_flags(flags, 1 | 2 | 4, "qemuDomainRestoreFlags")?;
        let mut file = File::open(path)
            .map_err(|e| QemuError::system(format!("cannot open domain image '{path}'"), e))?;
        let mut head = [0u8; 24];
        file.read_exact(&mut head)
            .map_err(|e| QemuError::system(format!("cannot read domain image '{path}'"), e))?;
        if head.get(..16) != Some(&SAVE_MAGIC[..]) {
            return Err(QemuError::InvalidArg(format!(
                "image '{path}' is not a virt-rs QEMU save image"
            ))
            .into());
        }
        let word = |i: usize| {
            head.get(i..i + 4)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_le_bytes)
                .unwrap_or(0)
        };
        let (xml_len, running) = (word(16) as usize, word(20) != 0);
        if xml_len > 16 << 20 {
            return Err(QemuError::InvalidArg(format!("image '{path}' is damaged")).into());
        }
        let mut xml = vec![0u8; xml_len];
        file.read_exact(&mut xml)
            .map_err(|e| QemuError::system(format!("cannot read domain image '{path}'"), e))?;
        let xml = String::from_utf8(xml)
            .map_err(|_| QemuError::InvalidArg(format!("image '{path}' is damaged")))?;
        let mut def = Self::prepare(&xml)?;
        let running = match flags & 6 {
            2 => true,
            4 => false,
            _ => running,
        };
        let _g = self.driver_lock()?;
        self.check_identity(&def, false)?;
        let _l = self.domain_lock(&def.name)?;
        let id = state::next_id(&self.paths)?;
        self.launch(&mut def, id, false, Some((file, running)))?;
        Ok(DomainRef {
            name: def.name,
            uuid: def.uuid.unwrap_or_default(),
            id: Some(id),
        })
    }

    fn domain_core_dump(&self, dom: &DomainRef, path: &str, flags: u32) -> Result<()> {
        use virt_core::dump_flags::{BYPASS_CACHE, CRASH, LIVE, MEMORY_ONLY, RESET};
        check_flags(
            flags,
            CRASH | LIVE | BYPASS_CACHE | RESET | MEMORY_ONLY,
            "qemuDomainCoreDumpWithFormat",
        )?;
        let abs = std::path::absolute(path)
            .map_err(|e| QemuError::system(format!("invalid path '{path}'"), e))?;
        self.with_monitor(dom, |mon, _, _| {
            mon.execute(
                "dump-guest-memory",
                Some(json!({"paging": false, "protocol": format!("file:{}", abs.display())})),
            )?;
            if flags & RESET != 0 {
                mon.execute("system_reset", None)?;
            }
            Ok(())
        })?;
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

    fn domain_get_info(&self, dom: &DomainRef) -> Result<DomainInfo> {
        let name = self.resolve(dom)?;
        let _l = self.domain_lock(&name)?;
        let obs = self.observe(&name)?;
        match &obs.live {
            Some((rt, _)) => {
                let def = self
                    .live_def(&name)
                    .ok_or_else(|| QemuError::NoDomainName(name.clone()))?;
                let mut memory = def.current_memory.unwrap_or(def.memory);
                let mut vcpus = def.vcpu.current.unwrap_or(def.vcpu.max);
                if rt.balloon {
                    let mut mon = Self::connect_monitor(rt)?;
                    if let Ok(b) = mon.execute("query-balloon", None) {
                        if let Some(a) = b.get("actual").and_then(Value::as_u64) {
                            memory = a / 1024;
                        }
                    }
                    if let Ok(t) = vcpu_threads(&mut mon) {
                        vcpus = t.len() as u32;
                    }
                }
                Ok(DomainInfo {
                    state: obs.state,
                    max_mem: def.memory,
                    memory,
                    nr_virt_cpu: vcpus,
                    cpu_time: process::cpu_usage(rt.pid, None).map(|c| c.0).unwrap_or(0),
                })
            }
            None => {
                let def = self
                    .config_def(&name)
                    .ok_or_else(|| QemuError::NoDomainName(name.clone()))?;
                Ok(DomainInfo {
                    state: obs.state,
                    max_mem: def.memory,
                    memory: def.current_memory.unwrap_or(def.memory),
                    nr_virt_cpu: def.vcpu.current.unwrap_or(def.vcpu.max),
                    cpu_time: 0,
                })
            }
        }
    }

    fn domain_get_state(&self, dom: &DomainRef, flags: u32) -> Result<(DomainState, i32)> {
        check_flags(flags, 0, "qemuDomainGetState")?;
        let name = self.resolve(dom)?;
        let _l = self.domain_lock(&name)?;
        let obs = self.observe(&name)?;
        Ok((obs.state, obs.reason))
    }

    fn domain_get_os_type(&self, dom: &DomainRef) -> Result<String> {
        let name = self.resolve(dom)?;
        let def = self
            .live_def(&name)
            .or_else(|| self.config_def(&name))
            .ok_or_else(|| QemuError::NoDomainName(name.clone()))?;
        Ok(def.os.os_type)
    }

    fn domain_get_max_memory(&self, dom: &DomainRef) -> Result<u64> {
        let name = self.resolve(dom)?;
        let def = self
            .live_def(&name)
            .or_else(|| self.config_def(&name))
            .ok_or_else(|| QemuError::NoDomainName(name.clone()))?;
        Ok(def.memory)
    }

    fn domain_set_memory_flags(&self, dom: &DomainRef, kib: u64, flags: u32) -> Result<()> {
        check_flags(
            flags,
            affect::LIVE | affect::CONFIG | affect::MAXIMUM,
            "qemuDomainSetMemoryFlags",
        )?;
        let name = self.resolve(dom)?;
        let _l = self.domain_lock(&name)?;
        let obs = self.observe(&name)?;
        let affect::Defs { live, config } = self.affected(&name, flags, obs.live.is_some())?;
        if flags & affect::MAXIMUM != 0 {
            if live {
                return Err(QemuError::OperationUnsupported(
                    "cannot resize the maximum memory on an active domain".into(),
                )
                .into());
            }
            let mut def = self
                .config_def(&name)
                .ok_or_else(|| QemuError::NoDomainName(name.clone()))?;
            def.memory = kib;
            if def.current_memory.is_some_and(|c| c > kib) {
                def.current_memory = Some(kib);
            }
            self.store_config(&def)?;
            return Ok(());
        }
        if live {
            let Some((rt, _)) = &obs.live else {
                return Err(QemuError::NotRunning.into());
            };
            let mut def = self
                .live_def(&name)
                .ok_or_else(|| QemuError::NoDomainName(name.clone()))?;
            if kib > def.memory {
                return Err(QemuError::InvalidArg(
                    "cannot set memory higher than max memory".into(),
                )
                .into());
            }
            if !rt.balloon {
                return Err(QemuError::Invalid(
                    "Unable to change memory of active domain without the balloon device and \
                     guest OS balloon driver"
                        .into(),
                )
                .into());
            }
            let mut mon = Self::connect_monitor(rt)?;
            mon.execute("balloon", Some(json!({"value": kib * 1024})))?;
            def.current_memory = Some(kib);
            self.store_live(&def, rt.id)?;
        }
        if config {
            let mut def = self
                .config_def(&name)
                .ok_or_else(|| QemuError::NoDomainName(name.clone()))?;
            if kib > def.memory {
                return Err(QemuError::InvalidArg(
                    "cannot set memory higher than max memory".into(),
                )
                .into());
            }
            def.current_memory = Some(kib);
            self.store_config(&def)?;
        }
        Ok(())
    }

    fn domain_get_xml_desc(&self, dom: &DomainRef, flags: u32) -> Result<String> {
        check_flags(flags, 1 | 2 | 4 | 8, "qemuDomainGetXMLDesc")?;
        let name = self.resolve(dom)?;
        let active = self.paths.runtime(&name).exists();
        let (def, id) = if active && flags & xml_flags::INACTIVE == 0 {
            (
                self.live_def(&name),
                Runtime::load(&self.paths, &name).map(|r| r.id),
            )
        } else {
            (
                self.config_def(&name).or_else(|| self.live_def(&name)),
                None,
            )
        };
        let def = def.ok_or_else(|| QemuError::NoDomainName(name.clone()))?;
        Ok(def.to_xml(&FormatOptions {
            id,
            inactive: id.is_none(),
            secure: flags & xml_flags::SECURE != 0,
        }))
    }

    fn domain_set_vcpus_flags(&self, dom: &DomainRef, nvcpus: u32, flags: u32) -> Result<()> {
        check_flags(
            flags,
            affect::LIVE | affect::CONFIG | affect::MAXIMUM,
            "qemuDomainSetVcpusFlags",
        )?;
        if nvcpus == 0 {
            return Err(QemuError::InvalidArg(
                "argument unsupported: nvcpus must be positive".into(),
            )
            .into());
        }
        let name = self.resolve(dom)?;
        let _l = self.domain_lock(&name)?;
        let obs = self.observe(&name)?;
        let affect::Defs { live, config } = self.affected(&name, flags, obs.live.is_some())?;
        if flags & affect::MAXIMUM != 0 && live {
            return Err(QemuError::Invalid(
                "cannot change the maximum vcpu count of an active domain".into(),
            )
            .into());
        }
        if live {
            let Some((rt, _)) = &obs.live else {
                return Err(QemuError::NotRunning.into());
            };
            let mut def = self
                .live_def(&name)
                .ok_or_else(|| QemuError::NoDomainName(name.clone()))?;
            if nvcpus > def.vcpu.max {
                return Err(QemuError::InvalidArg(format!(
                    "requested vcpus is greater than max allowable vcpus for the live domain: {nvcpus} > {}",
                    def.vcpu.max
                ))
                .into());
            }
            let mut mon = Self::connect_monitor(rt)?;
            let present = vcpu_threads(&mut mon)?.len() as u32;
            if nvcpus < present {
                unplug_vcpus(&mut mon, (present - nvcpus) as usize)?;
            }
            if nvcpus > present {
                let slots = mon.execute("query-hotpluggable-cpus", None)?;
                let mut free: Vec<&Value> = slots
                    .as_array()
                    .map(|a| a.iter().filter(|s| s.get("qom-path").is_none()).collect())
                    .unwrap_or_default();
                // QEMU lists slots from the last; plug them in order.
                free.reverse();
                for (k, slot) in free.iter().take((nvcpus - present) as usize).enumerate() {
                    let mut dev = slot.get("props").cloned().unwrap_or(json!({}));
                    dev["driver"] = slot.get("type").cloned().unwrap_or(Value::Null);
                    dev["id"] = json!(format!("vcpu{}", present as usize + k));
                    mon.execute("device_add", Some(dev))?;
                }
            }
            def.vcpu.current = (nvcpus != def.vcpu.max).then_some(nvcpus);
            self.store_live(&def, rt.id)?;
        }
        if config {
            let mut def = self
                .config_def(&name)
                .ok_or_else(|| QemuError::NoDomainName(name.clone()))?;
            if flags & affect::MAXIMUM != 0 {
                let cur = def.vcpu.current.unwrap_or(def.vcpu.max).min(nvcpus);
                def.vcpu.max = nvcpus;
                def.vcpu.current = (cur != nvcpus).then_some(cur);
            } else {
                if nvcpus > def.vcpu.max {
                    return Err(QemuError::InvalidArg(format!(
                        "requested vcpus is greater than max allowable vcpus for the persistent domain: {nvcpus} > {}",
                        def.vcpu.max
                    ))
                    .into());
                }
                def.vcpu.current = (nvcpus != def.vcpu.max).then_some(nvcpus);
            }
            argv::build(
                &def,
                &LaunchContext {
                    emulator: DEFAULT_EMULATOR.into(),
                    monitor: MonitorSocket::Fd(3),
                    kvm_usable: true,
                    incoming: None,
                },
            )?;
            self.store_config(&def)?;
        }
        Ok(())
    }

    fn domain_get_vcpus_flags(&self, dom: &DomainRef, flags: u32) -> Result<u32> {
        check_flags(
            flags,
            affect::LIVE | affect::CONFIG | affect::MAXIMUM,
            "qemuDomainGetVcpusFlags",
        )?;
        let name = self.resolve(dom)?;
        let _l = self.domain_lock(&name)?;
        let obs = self.observe(&name)?;
        let affect::Defs { live, .. } =
            self.affected(&name, flags & !affect::MAXIMUM, obs.live.is_some())?;
        let def = if live {
            self.live_def(&name)
        } else {
            self.config_def(&name)
        }
        .ok_or_else(|| QemuError::NoDomainName(name.clone()))?;
        if flags & affect::MAXIMUM != 0 {
            return Ok(def.vcpu.max);
        }
        if let (true, Some((rt, _))) = (live, &obs.live) {
            let mut mon = Self::connect_monitor(rt)?;
            return Ok(vcpu_threads(&mut mon)?.len() as u32);
        }
        Ok(def.vcpu.current.unwrap_or(def.vcpu.max))
    }

    fn domain_get_vcpus(&self, dom: &DomainRef) -> Result<Vec<VcpuInfo>> {
        let ncpus = virt_host::cpu_count();
        self.with_monitor(dom, |mon, obs, _| {
            let Some((rt, _)) = &obs.live else {
                return Err(QemuError::NotRunning);
            };
            let threads = vcpu_threads(mon)?;
            Ok(threads
                .into_iter()
                .map(|(i, tid)| {
                    let (ns, cpu) = process::cpu_usage(rt.pid, Some(tid)).unwrap_or((0, -1));
                    VcpuInfo {
                        number: i,
                        state: VcpuState::Running,
                        cpu_time: ns,
                        cpu,
                        affinity: get_affinity(tid, ncpus),
                    }
                })
                .collect())
        })
    }

    fn domain_get_vcpu_pin_info(&self, dom: &DomainRef, flags: u32) -> Result<Vec<CpuMap>> {
        check_flags(
            flags,
            affect::LIVE | affect::CONFIG,
            "qemuDomainGetVcpuPinInfo",
        )?;
        let name = self.resolve(dom)?;
        let active = self.paths.runtime(&name).exists();
        let affect::Defs { live, .. } = self.affected(&name, flags, active)?;
        let ncpus = virt_host::cpu_count();
        let def = if live {
            self.live_def(&name)
        } else {
            self.config_def(&name)
        }
        .ok_or_else(|| QemuError::NoDomainName(name.clone()))?;
        let pins = vcpu_pins(&def);
        let base = match &def.vcpu.cpuset {
            Some(s) => {
                let mut m = CpuMap::new(ncpus);
                for c in online_cpus_in(s)? {
                    m.set(c);
                }
                m
            }
            None => CpuMap::all(ncpus),
        };
        Ok((0..def.vcpu.max)
            .map(|v| match pins.iter().find(|(i, _)| *i == v) {
                Some((_, cpus)) => {
                    let mut m = CpuMap::new(ncpus);
                    for &c in cpus {
                        m.set(c);
                    }
                    m
                }
                None => base.clone(),
            })
            .collect())
    }

    fn domain_pin_vcpu(&self, dom: &DomainRef, vcpu: u32, map: &CpuMap, flags: u32) -> Result<()> {
        check_flags(
            flags,
            affect::LIVE | affect::CONFIG,
            "qemuDomainPinVcpuFlags",
        )?;
        let name = self.resolve(dom)?;
        let _l = self.domain_lock(&name)?;
        let obs = self.observe(&name)?;
        let affect::Defs { live, config } = self.affected(&name, flags, obs.live.is_some())?;
        let ncpus = virt_host::cpu_count();
        let on_node = map.within(ncpus);
        let cpus: Vec<u32> = on_node.cpus().collect();
        if cpus.is_empty() {
            return Err(QemuError::InvalidArg("Empty cpu list for pinning".into()).into());
        }
        let cpuset = on_node.to_string();
        if live {
            let Some((rt, _)) = &obs.live else {
                return Err(QemuError::NotRunning.into());
            };
            let mut mon = Self::connect_monitor(rt)?;
            let threads = vcpu_threads(&mut mon)?;
            let Some((_, tid)) = threads.iter().find(|(i, _)| *i == vcpu) else {
                return Err(QemuError::InvalidArg(format!(
                    "vcpu {vcpu} is out of range of live cpu count {}",
                    threads.len()
                ))
                .into());
            };
            set_affinity(*tid, &cpus)?;
            let mut def = self
                .live_def(&name)
                .ok_or_else(|| QemuError::NoDomainName(name.clone()))?;
            set_vcpu_pin(&mut def, vcpu, &cpuset);
            self.store_live(&def, rt.id)?;
        }
        if config {
            let mut def = self
                .config_def(&name)
                .ok_or_else(|| QemuError::NoDomainName(name.clone()))?;
            if vcpu >= def.vcpu.max {
                return Err(QemuError::InvalidArg(format!(
                    "vcpu {vcpu} is out of range of persistent cpu count {}",
                    def.vcpu.max
                ))
                .into());
            }
            set_vcpu_pin(&mut def, vcpu, &cpuset);
            self.store_config(&def)?;
        }
        Ok(())
    }

    fn domain_get_autostart(&self, dom: &DomainRef) -> Result<bool> {
        let name = self.resolve(dom)?;
        Ok(self.paths.autostart(&name).exists())
    }

    fn domain_set_autostart(&self, dom: &DomainRef, autostart: bool) -> Result<()> {
        let name = self.resolve(dom)?;
        let _l = self.domain_lock(&name)?;
        if !self.paths.config_xml(&name).exists() {
            return Err(
                QemuError::Invalid("cannot set autostart for transient domain".into()).into(),
            );
        }
        let link = self.paths.autostart(&name);
        if autostart {
            if !link.exists() {
                std::os::unix::fs::symlink(format!("../{name}.xml"), &link).map_err(|e| {
                    QemuError::system(format!("Failed to create symlink '{}'", link.display()), e)
                })?;
            }
        } else {
            state::remove_quiet(&link);
        }
        Ok(())
    }

    fn domain_is_active(&self, dom: &DomainRef) -> Result<bool> {
        let name = self.resolve(dom)?;
        let _l = self.domain_lock(&name)?;
        Ok(self.observe(&name)?.live.is_some())
    }

    fn domain_is_persistent(&self, dom: &DomainRef) -> Result<bool> {
        let name = self.resolve(dom)?;
        Ok(self.paths.config_xml(&name).exists())
    }

    fn domain_has_managed_save(&self, dom: &DomainRef, flags: u32) -> Result<bool> {
        check_flags(flags, 0, "qemuDomainHasManagedSaveImage")?;
        self.resolve(dom)?;
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpusets_and_pins() {
        let m = CpuMap::parse_list("0-3,5", 8).expect("list");
        assert_eq!(m.to_string(), "0-3,5");
        let mut def = DomainDef::default();
        set_vcpu_pin(&mut def, 1, "0");
        set_vcpu_pin(&mut def, 1, "0-1");
        let ct = def
            .extra
            .iter()
            .find(|e| e.name == "cputune")
            .expect("cputune");
        assert_eq!(ct.children_named("vcpupin").count(), 1);
        assert!(online_cpus_in("0").is_ok());
        assert!(online_cpus_in("4000").is_err());
    }

    #[test]
    fn pty_paths_land_in_live_xml() {
        let mut def = virt_xml::parse_domain(
            "<domain type='qemu'><name>p</name><memory>1024</memory>\
             <os><type>hvm</type></os><devices><serial type='pty'><target port='0'/></serial>\
             <console type='pty'><target type='serial' port='0'/></console></devices></domain>",
        )
        .expect("xml");
        record_pty_paths(
            &mut def,
            &json!([{"label": "charserial0", "filename": "pty:/dev/pts/7"}, {"label": "charmonitor", "filename": "unix:x"}]),
        );
        assert!(def
            .devices
            .chardevs
            .iter()
            .all(|c| c.tty.as_deref() == Some("/dev/pts/7")));
    }
}
