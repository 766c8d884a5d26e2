//! The daemon's watch over every guest: one event loop polls each QEMU's
//! pidfd and its QMP session, so a guest that powers off, reboots, panics
//! or dies is seen at once, its lifecycle action applied and its events
//! published, with nobody asking.
//!
//! QEMU's monitor serves one client at a time, so the daemon keeps one
//! session per guest and everybody shares it: the loop reads it while it
//! is idle, and a call [`lease`](Watcher::lease)s it for its commands (the
//! events read meanwhile are queued and handed to the loop when the lease
//! ends). What an event calls for (the lifecycle action, the clean-up of a
//! QEMU that died) runs on a short-lived thread under the domain's lock,
//! as a look ([`QemuDriver::observe`]) would, so the loop never blocks
//! behind a call in progress.
//!
//! When the daemon starts it adopts the guests its runtime directories
//! name (a daemon that died left them running): it reconnects to each
//! monitor, and a guest that stopped meanwhile is cleaned up with the
//! reason its state says (powered off: on_poweroff; gone: crashed).

use super::*;
use crate::qmp::Event as QmpEvent;
use std::collections::HashMap;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Instant;
use virt_core::events::{lifecycle_detail as detail, DomainEventKind, Event, LifecycleEvent};

/// The watcher of this process, once it owns the node's guests.
static WATCHER: OnceLock<Watcher> = OnceLock::new();

/// The watcher, in the daemon; `None` in a process embedding the driver.
pub(super) fn watcher() -> Option<&'static Watcher> {
    WATCHER.get()
}

/// Start watching (once per process): adopt the guests the node's runtime
/// directories name. The loop's thread starts with the first guest, so a
/// daemon without guests runs no thread for them.
pub(crate) fn start() {
    let mut fresh = false;
    WATCHER.get_or_init(|| {
        fresh = true;
        Watcher::new()
    });
    if !fresh {
        return;
    }
    let mut kinds = vec![false];
    if rustix::process::geteuid().is_root() || std::env::var_os("VIRT_QEMU_ROOT").is_some() {
        kinds.push(true);
    }
    for system in kinds {
        let drv = QemuDriver::quiet(Paths::new(system), system);
        for name in drv.paths.active_names() {
            drv.adopt_existing(&name);
        }
    }
}

/// One guest under watch: one QEMU process and its monitor session.
struct Watched {
    /// The connection kind and directories it belongs to.
    paths: Paths,
    system: bool,
    /// Its name when adopted.
    name: String,
    /// The domain, for the events.
    dom: DomainRef,
    /// QEMU's pid and monitor socket: the identity leases look up.
    pid: i32,
    monitor_path: PathBuf,
    proc: Process,
    /// The shared session: `None` while leased (or being read by the
    /// loop), or once it ended.
    slot: Mutex<Option<Monitor<UnixStream>>>,
    returned: Condvar,
    /// The session ended (QEMU closed it): no lease, no polling.
    monitor_gone: AtomicBool,
}

impl Watched {
    fn slot(&self) -> MutexGuard<'_, Option<Monitor<UnixStream>>> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The guests under watch and the loop's wake-up.
pub(crate) struct Watcher {
    guests: Mutex<HashMap<u64, Arc<Watched>>>,
    next: AtomicU64,
    wake: OwnedFd,
    /// The loop's thread, started with the first guest.
    looping: std::sync::Once,
}

/// A monitor session borrowed from the watcher for a call's commands;
/// given back (and the loop told) when dropped.
pub(super) struct Lease {
    watched: Arc<Watched>,
    mon: Option<Monitor<UnixStream>>,
    wake: BorrowedFd<'static>,
}

impl std::ops::Deref for Lease {
    type Target = Monitor<UnixStream>;
    fn deref(&self) -> &Self::Target {
        // Present from the lease's making to its drop.
        self.mon.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl std::ops::DerefMut for Lease {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.mon.as_mut().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        *self.watched.slot() = self.mon.take();
        self.watched.returned.notify_all();
        // The loop polls the session again and takes the events read
        // during the call.
        wake(self.wake);
    }
}

fn wake(fd: BorrowedFd<'_>) {
    let _ = rustix::io::write(fd, &1u64.to_ne_bytes());
}

/// A monitor session: leased from the watcher in the daemon, else a
/// connection of the caller's own.
pub(super) enum MonitorSession {
    /// A connection of this call's own.
    Own(Monitor<UnixStream>),
    /// The daemon's shared session.
    Leased(Lease),
}

impl std::ops::Deref for MonitorSession {
    type Target = Monitor<UnixStream>;
    fn deref(&self) -> &Self::Target {
        match self {
            MonitorSession::Own(m) => m,
            MonitorSession::Leased(l) => l,
        }
    }
}

impl std::ops::DerefMut for MonitorSession {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            MonitorSession::Own(m) => m,
            MonitorSession::Leased(l) => l,
        }
    }
}

/// What woke the loop about one guest.
enum Job {
    /// QEMU exited.
    Exited,
    /// An event that calls for a look (power-off, panic).
    Settle,
}

impl Watcher {
    fn new() -> Watcher {
        let wake = rustix::event::eventfd(
            0,
            rustix::event::EventfdFlags::CLOEXEC | rustix::event::EventfdFlags::NONBLOCK,
        )
        .unwrap_or_else(|e| {
            // Without an eventfd the daemon cannot watch: nothing it can
            // do about it, and every later step would fail the same way.
            panic!("cannot create the QEMU watch loop's eventfd: {e}")
        });
        Watcher {
            guests: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            wake,
            looping: std::sync::Once::new(),
        }
    }

    fn guests(&self) -> MutexGuard<'_, HashMap<u64, Arc<Watched>>> {
        self.guests.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wake_fd(&'static self) -> BorrowedFd<'static> {
        use std::os::fd::AsFd;
        self.wake.as_fd()
    }

    /// Watch a running guest through `mon`, a session already open.
    fn adopt(&'static self, drv: &QemuDriver, name: &str, rt: &Runtime, mon: Monitor<UnixStream>) {
        let Some(proc) = Process::attach(rt.pid, rt.start_time) else {
            return;
        };
        let Ok(dom) = drv.dom_ref(name, Some(rt.id)) else {
            return;
        };
        let w = Arc::new(Watched {
            paths: drv.paths.clone(),
            system: drv.system,
            name: name.to_string(),
            dom,
            pid: rt.pid,
            monitor_path: rt.monitor.clone(),
            proc,
            slot: Mutex::new(Some(mon)),
            returned: Condvar::new(),
            monitor_gone: AtomicBool::new(false),
        });
        let key = self.next.fetch_add(1, Ordering::Relaxed);
        self.guests().insert(key, w);
        self.looping.call_once(|| {
            if let Err(e) = std::thread::Builder::new()
                .name("qemu-watch".into())
                .spawn(move || self.run())
            {
                log::error!("cannot start the QEMU watch loop: {e}");
            }
        });
        log::debug!("watching QEMU {} of domain '{name}'", rt.pid);
        wake(self.wake_fd());
    }

    /// The shared session of the QEMU `rt` names, if it is watched; waits
    /// while another holder has it.
    fn lease(&'static self, rt: &Runtime) -> Option<QemuResult<Lease>> {
        let watched = self
            .guests()
            .values()
            .find(|w| w.pid == rt.pid && w.monitor_path == rt.monitor)
            .cloned()?;
        let deadline = Instant::now() + MONITOR_TIMEOUT;
        let mut slot = watched.slot();
        loop {
            if watched.monitor_gone.load(Ordering::Acquire) {
                return Some(Err(QemuError::Protocol(
                    "End of file from qemu monitor".into(),
                )));
            }
            if let Some(mon) = slot.take() {
                drop(slot);
                return Some(Ok(Lease {
                    watched: watched.clone(),
                    mon: Some(mon),
                    wake: self.wake_fd(),
                }));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Some(Err(QemuError::Timeout(
                    "cannot acquire the QEMU monitor".into(),
                )));
            }
            slot = match watched.returned.wait_timeout(slot, left) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// The loop: poll every pidfd and every idle monitor session; hand
    /// what happened to [`Watcher::handle`].
    fn run(&'static self) {
        loop {
            let guests: Vec<(u64, Arc<Watched>)> =
                self.guests().iter().map(|(k, w)| (*k, w.clone())).collect();
            // A session is polled only while it sits idle in its slot;
            // a leased one comes back with a wake-up.
            let mut fds: Vec<rustix::event::PollFd<'_>> = Vec::with_capacity(1 + 2 * guests.len());
            fds.push(rustix::event::PollFd::new(
                &self.wake,
                rustix::event::PollFlags::IN,
            ));
            let mut monitor_fds: Vec<Option<OwnedFd>> = Vec::with_capacity(guests.len());
            for (_, w) in &guests {
                let fd = w.slot().as_ref().and_then(|m| {
                    use std::os::fd::AsFd;
                    m.stream().as_fd().try_clone_to_owned().ok()
                });
                monitor_fds.push(fd);
            }
            for (i, (_, w)) in guests.iter().enumerate() {
                fds.push(rustix::event::PollFd::new(
                    &w.proc,
                    rustix::event::PollFlags::IN,
                ));
                if let Some(fd) = &monitor_fds[i] {
                    fds.push(rustix::event::PollFd::new(fd, rustix::event::PollFlags::IN));
                }
            }
            match rustix::event::poll(&mut fds, None) {
                Ok(_) | Err(rustix::io::Errno::INTR) => {}
                Err(e) => {
                    log::error!("QEMU watch loop: poll: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
            }
            let ready: Vec<bool> = fds.iter().map(|f| !f.revents().is_empty()).collect();
            drop(fds);
            if ready.first() == Some(&true) {
                let mut buf = [0u8; 8];
                let _ = rustix::io::read(&self.wake, &mut buf);
            }
            let mut at = 1;
            for (i, (key, w)) in guests.iter().enumerate() {
                let exited = ready.get(at).copied().unwrap_or(false);
                at += 1;
                let mut readable = false;
                if monitor_fds[i].is_some() {
                    readable = ready.get(at).copied().unwrap_or(false);
                    at += 1;
                }
                self.service(w, readable);
                if exited {
                    self.guests().remove(key);
                    w.monitor_gone.store(true, Ordering::Release);
                    w.returned.notify_all();
                    log::debug!("QEMU {} of domain '{}' exited", w.pid, w.name);
                    spawn_job(w.clone(), Job::Exited);
                }
            }
        }
    }

    /// Read an idle session (when `readable`) and act on the events it
    /// and its last lease holder queued.
    fn service(&'static self, w: &Arc<Watched>, readable: bool) {
        let events = {
            let mut slot = w.slot();
            let Some(mon) = slot.as_mut() else {
                return;
            };
            if readable {
                if let Err(e) = mon.read_ready() {
                    log::debug!("monitor of domain '{}' closed: {e}", w.name);
                    w.monitor_gone.store(true, Ordering::Release);
                    let ev = mon.take_events();
                    *slot = None;
                    drop(slot);
                    w.returned.notify_all();
                    self.handle(w, ev);
                    return;
                }
            }
            mon.take_events()
        };
        self.handle(w, events);
    }

    /// Publish what QEMU's events tell, and start the look the power-off
    /// and panic events call for.
    fn handle(&self, w: &Arc<Watched>, events: Vec<QmpEvent>) {
        if events.is_empty() {
            return;
        }
        let bus = bus_for(&w.paths);
        let mut settle = false;
        for e in events {
            log::debug!("domain '{}': QEMU event {} {}", w.name, e.name, e.data);
            settle |= matches!(e.name.as_str(), "SHUTDOWN" | "GUEST_PANICKED");
            for kind in event_kinds(&e) {
                bus.publish(Event::Domain {
                    dom: w.dom.clone(),
                    kind,
                });
            }
        }
        if settle {
            spawn_job(w.clone(), Job::Settle);
        }
    }
}

/// The libvirt events a QEMU event stands for (as libvirt's QEMU driver
/// translates them; state changes made by calls are published by the
/// calls).
fn event_kinds(e: &QmpEvent) -> Vec<DomainEventKind> {
    use DomainEventKind as K;
    let s = |k: &str| e.data.get(k).and_then(Value::as_str).unwrap_or("");
    match e.name.as_str() {
        "SHUTDOWN" => {
            let guest = e
                .data
                .get("guest")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            vec![K::lifecycle(
                LifecycleEvent::Shutdown,
                if guest {
                    detail::shutdown::GUEST
                } else {
                    detail::shutdown::HOST
                },
            )]
        }
        "RESET" => vec![K::Reboot],
        "GUEST_PANICKED" => vec![K::lifecycle(
            LifecycleEvent::Crashed,
            detail::crashed::PANICKED,
        )],
        "RTC_CHANGE" => vec![K::RtcChange {
            offset: e.data.get("offset").and_then(Value::as_i64).unwrap_or(0),
        }],
        "WATCHDOG" => {
            // VIR_DOMAIN_EVENT_WATCHDOG_*.
            let action = match s("action") {
                "pause" => 1,
                "reset" => 2,
                "poweroff" => 3,
                "shutdown" => 4,
                "debug" => 5,
                "inject-nmi" => 6,
                _ => 0,
            };
            let mut v = vec![K::Watchdog { action }];
            if action == 1 {
                v.push(K::lifecycle(
                    LifecycleEvent::Suspended,
                    detail::suspended::WATCHDOG,
                ));
            }
            v
        }
        "BLOCK_IO_ERROR" => {
            // VIR_DOMAIN_EVENT_IO_ERROR_NONE / PAUSE / REPORT.
            let action = match s("action") {
                "stop" => 1,
                "report" => 2,
                _ => 0,
            };
            let alias = s("device").to_string();
            let alias = if alias.is_empty() {
                s("node-name").to_string()
            } else {
                alias
            };
            let reason = if e.data.get("nospace").and_then(Value::as_bool) == Some(true) {
                "enospc"
            } else {
                ""
            };
            let io = |reason: Option<String>| K::IoError {
                src_path: String::new(),
                dev_alias: alias.clone(),
                action,
                reason,
            };
            let mut v = vec![io(None), io(Some(reason.to_string()))];
            if action == 1 {
                v.push(K::lifecycle(
                    LifecycleEvent::Suspended,
                    detail::suspended::IOERROR,
                ));
            }
            v
        }
        "BALLOON_CHANGE" => vec![K::BalloonChange {
            actual: e.data.get("actual").and_then(Value::as_u64).unwrap_or(0) / 1024,
        }],
        "DEVICE_DELETED" => match e.data.get("device").and_then(Value::as_str) {
            Some(alias) => vec![K::DeviceRemoved {
                dev_alias: alias.to_string(),
            }],
            None => Vec::new(),
        },
        "DEVICE_TRAY_MOVED" => {
            let open = e.data.get("tray-open").and_then(Value::as_bool) == Some(true);
            let alias = match s("device") {
                "" => s("id"),
                d => d,
            };
            vec![K::TrayChange {
                dev_alias: alias.to_string(),
                reason: if open { 0 } else { 1 },
            }]
        }
        "SUSPEND" => vec![
            K::PmSuspend { reason: 0 },
            K::lifecycle(LifecycleEvent::PmSuspended, detail::pmsuspended::MEMORY),
        ],
        "SUSPEND_DISK" => vec![K::PmSuspendDisk { reason: 0 }],
        "WAKEUP" => vec![
            K::PmWakeup { reason: 0 },
            K::lifecycle(LifecycleEvent::Started, detail::started::WAKEUP),
        ],
        _ => Vec::new(),
    }
}

/// Do what a guest's event calls for on a thread of its own, under the
/// domain's lock: a look applies the lifecycle action or cleans up.
fn spawn_job(w: Arc<Watched>, job: Job) {
    let spawned = std::thread::Builder::new()
        .name("qemu-event".into())
        .spawn(move || {
            let seen = Instant::now();
            let drv = QemuDriver::quiet(w.paths.clone(), w.system);
            let Ok(_l) = drv.domain_lock(&w.name) else {
                return;
            };
            // Only the QEMU this job is about: a new one of the same name
            // is not touched.
            let ours = Runtime::load(&drv.paths, &w.name).is_some_and(|rt| rt.pid == w.pid);
            if !ours {
                return;
            }
            match drv.observe(&w.name) {
                Ok(o) => log::info!(
                    "domain '{}': {} ({}, reason {}) {:.1} ms after QEMU's {}",
                    w.name,
                    if o.live.is_some() {
                        "running"
                    } else {
                        "stopped"
                    },
                    o.state as i32,
                    o.reason,
                    seen.elapsed().as_secs_f64() * 1000.0,
                    match job {
                        Job::Exited => "exit",
                        Job::Settle => "event",
                    }
                ),
                Err(e) => log::warn!("domain '{}': {e}", w.name),
            }
        });
    if let Err(e) = spawned {
        log::error!("cannot start a thread for a QEMU event: {e}");
    }
}

/// The event bus of the connections sharing `paths` (every connection of
/// this process to the same node URI or embed root).
pub(super) fn bus_for(paths: &Paths) -> EventBus {
    EventBus::shared(&paths.run)
}

impl QemuDriver {
    /// A driver over `paths` for the watcher's own work (no autostart).
    fn quiet(paths: Paths, system: bool) -> QemuDriver {
        QemuDriver {
            bus: bus_for(&paths),
            paths,
            system,
            embed_root: None,
        }
    }

    /// The monitor session of a running QEMU: the daemon's shared one
    /// when it watches the guest, else a connection of our own.
    pub(super) fn monitor_session(rt: &Runtime) -> QemuResult<MonitorSession> {
        if let Some(w) = watcher() {
            if let Some(lease) = w.lease(rt) {
                return lease.map(MonitorSession::Leased);
            }
        }
        Self::connect_monitor(rt).map(MonitorSession::Own)
    }

    /// After a start: in the daemon, keep `mon` as the guest's watched
    /// session; elsewhere it closes.
    pub(super) fn watch(&self, name: &str, rt: &Runtime, mon: MonitorSession) {
        if let (Some(w), MonitorSession::Own(mon)) = (watcher(), mon) {
            w.adopt(self, name, rt, mon);
        }
    }

    /// At the daemon's start: take a guest a former daemon left back
    /// under watch, or clean up after one that stopped meanwhile.
    fn adopt_existing(&self, name: &str) {
        let Ok(_l) = self.domain_lock(name) else {
            return;
        };
        // A look settles what happened while nobody watched (a power-off
        // applies on_poweroff, a dead QEMU is cleaned up as crashed).
        match self.observe(name) {
            Ok(Observed {
                live: Some((rt, _)),
                state,
                ..
            }) => match Self::connect_monitor(&rt) {
                Ok(mon) => {
                    log::info!("domain '{name}' found running (QEMU {}, {state:?})", rt.pid);
                    self.watch(name, &rt, MonitorSession::Own(mon));
                    // What happened between the look and the adoption.
                    if let Err(e) = self.observe(name) {
                        log::warn!("domain '{name}': {e}");
                    }
                }
                Err(e) => log::warn!("domain '{name}': cannot watch QEMU {}: {e}", rt.pid),
            },
            Ok(o) => log::info!(
                "domain '{name}' stopped while no daemon watched (reason {})",
                o.reason
            ),
            Err(e) => log::warn!("domain '{name}': {e}"),
        }
    }

    /// Publish a lifecycle event about `name` (a running domain's id
    /// included when known).
    pub(super) fn publish_lifecycle(
        &self,
        name: &str,
        id: Option<u32>,
        event: LifecycleEvent,
        detail: i32,
    ) {
        if let Ok(dom) = self.dom_ref(name, id) {
            self.bus.publish(Event::lifecycle(dom, event, detail));
        }
    }
}
