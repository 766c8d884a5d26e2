//! State on disk, so that one process can start a guest and the next one
//! finds it.
//!
//! Layout (see the README for the paths behind each URI):
//!
//! ```text
//! CONFIG/NAME.xml              persistent definition (atomic writes)
//! CONFIG/autostart/NAME.xml    autostart mark (a symlink to ../NAME.xml)
//! RUN/NAME.json                runtime record: pid, start time, id, monitor
//! RUN/NAME.xml                 live XML
//! RUN/NAME.shutoff             why a persistent domain last stopped
//! RUN/UUID.monitor             the QMP socket
//! RUN/locks/NAME.lock          per-domain lock (flock)
//! RUN/driver.lock, RUN/next-id the driver-wide lock and the id counter
//! LOG/NAME.log                 QEMU's stdout/stderr, appended per start
//! ```
//!
//! Lock order: the driver-wide lock first, then a domain lock; never the
//! other way round.

use crate::error::{QemuError, QemuResult};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use virt_host::dirs::StateDirs;

/// Where a connection keeps its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Persistent definitions.
    pub config: PathBuf,
    /// Runtime state.
    pub run: PathBuf,
    /// QEMU logs.
    pub log: PathBuf,
}

impl Paths {
    /// The paths of `qemu:///session` (false) or `qemu:///system` (true):
    /// virt-host's directories of kind `qemu`, and the logs in
    /// `/var/log/virt-rs/qemu` or `$XDG_CACHE_HOME/virt-rs/qemu/log`.
    /// `VIRT_QEMU_ROOT=DIR` puts all of them under DIR.
    pub fn new(system: bool) -> Paths {
        if let Some(base) = virt_host::dirs::qemu_root(system) {
            return Paths::under(&base);
        }
        let StateDirs { config, run } = StateDirs::host("qemu", system);
        let log = if system {
            "/var/log/virt-rs/qemu".into()
        } else {
            virt_host::dirs::session_dir(
                "XDG_CACHE_HOME",
                Some(".cache"),
                "virt-rs/qemu/log",
                "cache/virt-rs/qemu/log",
            )
        };
        Paths { config, run, log }
    }

    /// The paths of `qemu:///embed?root=DIR`: `DIR/config`, `DIR/run` and
    /// `DIR/log`.
    pub fn under(root: &Path) -> Paths {
        Paths {
            config: root.join("config"),
            run: root.join("run"),
            log: root.join("log"),
        }
    }

    /// Create the directories (private to the user).
    pub fn create(&self) -> QemuResult<()> {
        for d in [
            &self.config,
            &self.config.join("autostart"),
            &self.run,
            &self.run.join("locks"),
            &self.log,
        ] {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(d)
                .map_err(|e| {
                    QemuError::system(format!("cannot create directory '{}'", d.display()), e)
                })?;
        }
        Ok(())
    }

    /// The persistent definition of `name`.
    pub fn config_xml(&self, name: &str) -> PathBuf {
        self.config.join(format!("{name}.xml"))
    }
    /// The autostart mark of `name`.
    pub fn autostart(&self, name: &str) -> PathBuf {
        self.config.join("autostart").join(format!("{name}.xml"))
    }
    /// The runtime record of `name`.
    pub fn runtime(&self, name: &str) -> PathBuf {
        self.run.join(format!("{name}.json"))
    }
    /// The live XML of `name`.
    pub fn live_xml(&self, name: &str) -> PathBuf {
        self.run.join(format!("{name}.xml"))
    }
    /// Why persistent `name` last stopped.
    pub fn shutoff(&self, name: &str) -> PathBuf {
        self.run.join(format!("{name}.shutoff"))
    }
    /// Where the UEFI variable store of `name` goes when its definition
    /// names none (libvirt's `nvram` folder, `NAME_VARS.fd`), beside the
    /// definitions: it outlives the guest's runs as they do.
    pub fn nvram(&self, name: &str) -> PathBuf {
        self.config.join("nvram").join(format!("{name}_VARS.fd"))
    }
    /// The managed save image of `name` (libvirt's `save/NAME.save`),
    /// beside the definitions: it outlives the host's runtime folder.
    pub fn managed_save(&self, name: &str) -> PathBuf {
        self.config.join("save").join(format!("{name}.save"))
    }
    /// The QMP socket of the domain with `uuid`.
    pub fn monitor(&self, uuid: &uuid::Uuid) -> PathBuf {
        self.run.join(format!("{uuid}.monitor"))
    }
    /// The migration socket used by save and restore.
    pub fn migration(&self, uuid: &uuid::Uuid) -> PathBuf {
        self.run.join(format!("{uuid}.migrate"))
    }
    /// Where QEMU writes a screenshot of `name`, removed once the stream
    /// that carries it has it open.
    pub fn screendump(&self, name: &str) -> PathBuf {
        self.run.join(format!("{name}.screendump"))
    }
    /// Where the sockets of `name`'s channels go when the definition
    /// leaves their path to the driver (the guest agent's), while it runs.
    pub fn channel_dir(&self, name: &str) -> PathBuf {
        self.run.join(format!("{name}.channel"))
    }
    /// The QEMU log of `name`.
    pub fn log_file(&self, name: &str) -> PathBuf {
        self.log.join(format!("{name}.log"))
    }

    /// Names of the domains with a persistent definition.
    pub fn defined_names(&self) -> Vec<String> {
        virt_host::files::stems(&self.config, "xml")
    }
    /// Names of the domains with a runtime record.
    pub fn active_names(&self) -> Vec<String> {
        virt_host::files::stems(&self.run, "json")
    }
}

/// Write `data` to `path` atomically, 0600: readers see the old or the new
/// file, never a part ([`virt_host::files::write_atomic`]).
pub fn write_atomic(path: &Path, data: &[u8]) -> QemuResult<()> {
    virt_host::files::write_atomic(path, data, 0o600)
        .map_err(|e| QemuError::system(format!("cannot write '{}'", path.display()), e))
}

pub use virt_host::files::remove_quiet;

/// An exclusive `flock` on a file, released when dropped. It serialises
/// processes (and threads: each lock opens its own file description).
pub struct Lock {
    _lock: virt_host::files::FileLock,
}

impl Lock {
    /// Block until the lock on `path` is ours.
    pub fn acquire(path: &Path) -> QemuResult<Lock> {
        virt_host::files::FileLock::acquire(path)
            .map(|l| Lock { _lock: l })
            .map_err(|e| Self::failure(path, e))
    }

    /// Block until the lock on `path` is ours, or `None` once `give_up`
    /// says so while another holds it.
    pub fn acquire_unless(path: &Path, give_up: impl FnMut() -> bool) -> QemuResult<Option<Lock>> {
        virt_host::files::FileLock::acquire_unless(path, give_up)
            .map(|l| l.map(|l| Lock { _lock: l }))
            .map_err(|e| Self::failure(path, e))
    }

    fn failure(path: &Path, e: virt_host::files::LockFailure) -> QemuError {
        use virt_host::files::LockFailure;
        match e {
            LockFailure::Open(e) => {
                QemuError::system(format!("cannot open lock file '{}'", path.display()), e)
            }
            LockFailure::Lock(e) => {
                QemuError::system(format!("cannot lock '{}'", path.display()), e)
            }
        }
    }
}

/// What a running domain's record holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runtime {
    /// QEMU's pid.
    pub pid: i32,
    /// QEMU's start time (ticks since boot), to tell a recycled pid apart.
    pub start_time: u64,
    /// The domain id.
    pub id: u32,
    /// The QMP socket path.
    pub monitor: PathBuf,
    /// Why it runs (VIR_DOMAIN_RUNNING_*: booted, restored, unpaused).
    pub running_reason: i32,
    /// Why it is paused, when we paused it (VIR_DOMAIN_PAUSED_*).
    pub paused_reason: i32,
    /// True when the definition has a balloon device.
    pub balloon: bool,
    /// True after an ACPI reboot request: the guest's next power-off is
    /// turned into a reset (libvirt's "fake reboot").
    pub fake_reboot: bool,
}

impl Runtime {
    /// As JSON text.
    pub fn to_json(&self) -> String {
        json!({
            "pid": self.pid,
            "start_time": self.start_time,
            "id": self.id,
            "monitor": self.monitor.to_string_lossy(),
            "running_reason": self.running_reason,
            "paused_reason": self.paused_reason,
            "balloon": self.balloon,
            "fake_reboot": self.fake_reboot,
        })
        .to_string()
    }

    /// From JSON text; `None` if it is not a record we wrote.
    pub fn from_json(text: &str) -> Option<Runtime> {
        let v: Value = serde_json::from_str(text).ok()?;
        let num = |k: &str| v.get(k).and_then(Value::as_i64);
        Some(Runtime {
            pid: i32::try_from(num("pid")?).ok()?,
            start_time: v.get("start_time")?.as_u64()?,
            id: u32::try_from(num("id")?).ok()?,
            monitor: PathBuf::from(v.get("monitor")?.as_str()?),
            running_reason: num("running_reason").unwrap_or(1) as i32,
            paused_reason: num("paused_reason").unwrap_or(1) as i32,
            balloon: v.get("balloon").and_then(Value::as_bool).unwrap_or(false),
            fake_reboot: v
                .get("fake_reboot")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }

    /// Read the record of `name`, if any.
    pub fn load(paths: &Paths, name: &str) -> Option<Runtime> {
        let text = std::fs::read_to_string(paths.runtime(name)).ok()?;
        Runtime::from_json(&text)
    }

    /// Write the record of `name`.
    pub fn store(&self, paths: &Paths, name: &str) -> QemuResult<()> {
        write_atomic(&paths.runtime(name), self.to_json().as_bytes())
    }
}

/// Take the next domain id (the caller holds the driver-wide lock).
pub fn next_id(paths: &Paths) -> QemuResult<u32> {
    let p = paths.run.join("next-id");
    let cur: u32 = std::fs::read_to_string(&p)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1)
        .max(1);
    let next = if cur == u32::MAX { 1 } else { cur + 1 };
    write_atomic(&p, next.to_string().as_bytes())?;
    Ok(cur)
}

use std::os::unix::fs::DirBuilderExt;

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_paths(tag: &str) -> Paths {
        let root =
            std::env::temp_dir().join(format!("virt-qemu-state-{tag}-{}", std::process::id()));
        let p = Paths {
            config: root.join("config"),
            run: root.join("run"),
            log: root.join("log"),
        };
        p.create().expect("dirs");
        p
    }

    #[test]
    fn atomic_write_replaces_whole_files() {
        let p = temp_paths("atomic");
        let f = p.config_xml("a");
        write_atomic(&f, b"one").expect("write");
        write_atomic(&f, b"two").expect("rewrite");
        assert_eq!(std::fs::read(&f).expect("read"), b"two");
        assert_eq!(p.defined_names(), ["a"]);
        // No temp file is left.
        assert_eq!(std::fs::read_dir(&p.config).expect("dir").count(), 2);
        let _ = std::fs::remove_dir_all(p.config.parent().expect("root"));
    }

    #[test]
    fn runtime_record_round_trip_and_ids() {
        let p = temp_paths("runtime");
        let r = Runtime {
            pid: 42,
            start_time: 7,
            id: 3,
            monitor: p.run.join("x.monitor"),
            running_reason: 1,
            paused_reason: 1,
            balloon: true,
            fake_reboot: true,
        };
        r.store(&p, "dom").expect("store");
        assert_eq!(Runtime::load(&p, "dom"), Some(r));
        assert_eq!(Runtime::from_json("{\"pid\": \"x\"}"), None);
        assert_eq!(Runtime::from_json("garbage"), None);
        assert_eq!(next_id(&p).expect("id"), 1);
        assert_eq!(next_id(&p).expect("id"), 2);
        let _ = std::fs::remove_dir_all(p.config.parent().expect("root"));
    }

    #[test]
    fn lock_serialises_threads() {
        let p = temp_paths("lock");
        let path = p.run.join("locks/d.lock");
        let counter = std::sync::Arc::new(std::sync::Mutex::new((0u32, 0u32)));
        let mut handles = Vec::new();
        for _ in 0..4 {
            let path = path.clone();
            let counter = counter.clone();
            handles.push(std::thread::spawn(move || {
                for _ in 0..20 {
                    let _l = Lock::acquire(&path).expect("lock");
                    {
                        let mut c = counter.lock().expect("mutex");
                        c.0 += 1;
                        c.1 = c.1.max(c.0);
                    }
                    std::thread::yield_now();
                    counter.lock().expect("mutex").0 -= 1;
                }
            }));
        }
        for h in handles {
            h.join().expect("thread");
        }
        assert_eq!(counter.lock().expect("mutex").1, 1, "never two holders");
        let _ = std::fs::remove_dir_all(p.config.parent().expect("root"));
    }

    #[test]
    fn root_variable_moves_everything() {
        let p = Paths::new(false);
        assert!(p.config.ends_with("virt-rs/qemu") || p.config.ends_with("session/config"));
    }
}
