//! The `virt_core::Driver` implementation: domain life over QMP, with all
//! state on disk (see [`crate::state`]).
//!
//! The state of a running domain is read when asked: the pid (through a
//! pidfd) says whether QEMU lives, `query-status` says what the guest does,
//! and a look applies `on_poweroff` / `on_crash` when the guest asked for
//! them. QEMU runs with `-no-shutdown`, so a guest that powers off waits in
//! the "shutdown" status for that look. In the daemon, [`daemon`]'s loop
//! makes the look the moment QEMU reports the change or exits; embedded,
//! the next call makes it.

mod affinity;
mod api;
mod autostart;
mod console;
mod cpustats;
mod daemon;
mod devstats;
mod dump;
mod hotplug;
mod job;
mod launch;
mod memory;
mod node;
mod nvram;
mod quiesce;
mod save;
mod screen;
mod snapshot;
mod snapshot_external;
mod snapshot_live;
mod stats;
pub mod tap;
mod vcpus;
mod watch;

use affinity::{emulator_pin, get_affinity, online_cpus_in, set_affinity, vcpu_pins, vcpu_threads};
use console::{record_pty_paths, record_vnc_port};
use daemon::{bus_for, MonitorSession};
use memory::{balloon, set_stats_period};
use watch::{MONITOR_TIMEOUT, TERM_GRACE};

/// Start the daemon's watch over every guest (see [`daemon`]).
pub(crate) fn start_watching() {
    daemon::start();
}

use crate::argv::{self, LaunchContext, MonitorSocket};
use crate::error::{check_flags, QemuError, QemuResult};
use crate::process::{self, Process, SpawnOptions};
use crate::qmp::Monitor;
use crate::state::{self, Lock, Paths, Runtime};
use serde_json::{json, Value};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::Duration;
use virt_core::events::lifecycle_detail;
use virt_core::types::reason;
use virt_core::*;
use virt_xml::{DomainDef, Element, FormatOptions, LifecycleAction, MemBalloon};

/// The QEMU binary used when the definition names none.
pub const DEFAULT_EMULATOR: &str = "/usr/bin/qemu-system-x86_64";

/// An open `qemu:///session`, `qemu:///system` or `qemu:///embed`
/// connection.
pub struct QemuDriver {
    paths: Paths,
    system: bool,
    /// The root directory of an embedded driver (`qemu:///embed?root=DIR`).
    embed_root: Option<std::path::PathBuf>,
    /// Where the domains of these paths' events go (shared by every
    /// connection of this process to them).
    bus: EventBus,
}

/// What a look at a domain found.
struct Observed {
    state: DomainState,
    reason: i32,
    /// The runtime record and process while QEMU lives.
    live: Option<(Runtime, Process)>,
}

/// A domain opened for a call: the opening every per-domain method shares
/// (find the handle's domain, take its lock, look at it).
struct Opened {
    /// The stored name.
    name: String,
    /// What the look found (lifecycle actions already applied).
    obs: Observed,
    /// Held until the call ends.
    _lock: Lock,
}

impl Opened {
    /// The runtime record while QEMU runs, else "domain is not running".
    fn runtime(&self) -> QemuResult<&Runtime> {
        self.obs
            .live
            .as_ref()
            .map(|(rt, _)| rt)
            .ok_or(QemuError::NotRunning)
    }
}

impl QemuDriver {
    /// Find the handle's domain, lock it and look at it.
    fn open_domain(&self, dom: &DomainRef) -> QemuResult<Opened> {
        let name = self.resolve(dom)?;
        let lock = self.domain_lock(&name)?;
        let obs = self.observe(&name)?;
        Ok(Opened {
            name,
            obs,
            _lock: lock,
        })
    }

    /// [`QemuDriver::open_domain`], and the definitions `flags`
    /// (affect::LIVE / CONFIG) point at.
    fn open_affected(&self, dom: &DomainRef, flags: u32) -> QemuResult<(Opened, affect::Defs)> {
        let d = self.open_domain(dom)?;
        let defs = self.affected(&d.name, flags, d.obs.live.is_some())?;
        Ok((d, defs))
    }

    /// The definition a domain runs with, else its persistent one.
    fn current_def(&self, dom: &DomainRef) -> QemuResult<DomainDef> {
        let name = self.resolve(dom)?;
        self.live_def(&name)
            .or_else(|| self.config_def(&name))
            .ok_or(QemuError::NoDomainName(name))
    }

    /// The live (`live`) or persistent definition of `name`.
    fn def(&self, name: &str, live: bool) -> QemuResult<DomainDef> {
        if live {
            self.live_def(name)
        } else {
            self.config_def(name)
        }
        .ok_or_else(|| QemuError::NoDomainName(name.to_string()))
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
        if system
            && !rustix::process::geteuid().is_root()
            && std::env::var_os("VIRT_QEMU_ROOT").is_none()
        {
            return Err(QemuError::AccessDenied(
                "qemu:///system needs root; use qemu:///session".into(),
            )
            .into());
        }
        let paths = Paths::new(system);
        paths.create()?;
        let driver = QemuDriver {
            bus: bus_for(&paths),
            paths,
            system,
            embed_root: None,
        };
        driver.autostart_guests();
        Ok(driver)
    }

    /// Open `qemu:///embed?root=DIR`: the driver in this process, every
    /// file under DIR (see [`Paths::under`]).
    pub fn open_embedded(root: Option<&str>) -> Result<QemuDriver> {
        let root = root
            .filter(|r| r.starts_with('/'))
            .map(std::path::PathBuf::from)
            .ok_or_else(|| {
                QemuError::BadUri(
                    "qemu:///embed needs an absolute 'root' parameter, e.g. qemu:///embed?root=/var/tmp/vms"
                        .into(),
                )
            })?;
        let paths = Paths::under(&root);
        paths.create()?;
        let driver = QemuDriver {
            bus: bus_for(&paths),
            paths,
            system: false,
            embed_root: Some(root),
        };
        driver.autostart_guests();
        Ok(driver)
    }

    /// A connection keeping its state in `paths` (tests and benchmarks use
    /// a private tree).
    pub fn with_paths(paths: Paths, system: bool) -> Result<QemuDriver> {
        paths.create()?;
        Ok(QemuDriver {
            bus: bus_for(&paths),
            paths,
            system,
            embed_root: None,
        })
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
        // Read as written: the stored file stands for libvirt's memory.
        virt_xml::parse_stored_domain(&text).ok()
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

    fn facts(&self, name: &str) -> QemuResult<(DomainRef, ListFacts)> {
        // A job of this process holding the domain answers for it.
        let (state, id, _lock) = match self.lock_unless_job(name)? {
            job::Held::Locked(lock) => {
                let obs = self.observe(name)?;
                (
                    obs.state,
                    obs.live.as_ref().map(|(rt, _)| rt.id),
                    Some(lock),
                )
            }
            job::Held::ByJob(job) => {
                let id = Runtime::load(&self.paths, name).map(|rt| rt.id);
                (job.state().0, id, None)
            }
        };
        let r = self.dom_ref(name, id)?;
        Ok((
            r,
            ListFacts {
                state,
                persistent: self.paths.config_xml(name).exists(),
                autostart: self.paths.autostart(name).exists(),
                managed_save: self.paths.managed_save(name).exists(),
                has_snapshot: self.snapshot_count(name) > 0,
                has_checkpoint: false,
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
