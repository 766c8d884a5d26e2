//! Where the drivers of `qemu:///` keep one kind of object: a directory
//! of persistent definitions (`NAME.xml`, autostart marks in
//! `autostart/`) and a runtime directory emptied at boot.
//!
//! | | `qemu:///system` | `qemu:///session` |
//! |---|---|---|
//! | definitions | `/etc/virt-rs/KIND` | `$XDG_CONFIG_HOME/virt-rs/KIND` (`~/.config`) |
//! | runtime | `/run/virt-rs/KIND` | `$XDG_RUNTIME_DIR/virt-rs/KIND` |
//!
//! Without those variables a session falls back to `/tmp/virt-rs-UID/`.
//! `VIRT_QEMU_ROOT=DIR` moves every driver's files under
//! `DIR/{system,session}` (tests and embedding).

use crate::files::{stems, FileLock, LockFailure};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// A directory named by environment variable `var`, when it is set to an
/// absolute path.
pub fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

/// `VIRT_QEMU_ROOT/system` (true) or `VIRT_QEMU_ROOT/session`, when
/// `VIRT_QEMU_ROOT` is set.
pub fn qemu_root(system: bool) -> Option<PathBuf> {
    env_dir("VIRT_QEMU_ROOT").map(|root| root.join(if system { "system" } else { "session" }))
}

/// A session directory: `$XDG_VAR`, else `~/HOME_SUB` (when
/// `home_sub` is given), else `/tmp/virt-rs-UID/TMP_SUB`; then `tail`
/// below it unless it is the `/tmp` fallback, which names the kind itself.
pub fn session_dir(xdg_var: &str, home_sub: Option<&str>, tail: &str, tmp_sub: &str) -> PathBuf {
    let base = env_dir(xdg_var).or_else(|| Some(env_dir("HOME")?.join(home_sub?)));
    match base {
        Some(b) => b.join(tail),
        None => {
            let uid = rustix::process::getuid().as_raw();
            PathBuf::from(format!("/tmp/virt-rs-{uid}/{tmp_sub}"))
        }
    }
}

/// A failed file operation: what was done to which path, in libvirt's
/// words (`cannot create directory '/x'`), and the OS error. Each driver
/// turns it into its own error enum's system error.
#[derive(Debug)]
pub struct FileError {
    /// What failed, on which path.
    pub what: String,
    /// The OS error.
    pub source: std::io::Error,
}

/// The two directories of one kind of object (`network`, `storage`,
/// `qemu`) of one connection kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDirs {
    /// Persistent definitions `NAME.xml` and `autostart/NAME.xml` marks.
    pub config: PathBuf,
    /// What running objects keep (`NAME.xml`, their live definitions, and
    /// the driver's own runtime files).
    pub run: PathBuf,
}

impl StateDirs {
    /// The directories of `kind` on this host for `qemu:///system`
    /// (true) or `qemu:///session`, or under `VIRT_QEMU_ROOT` when set
    /// (`DIR/{system,session}/KIND/{config,run}`).
    pub fn located(kind: &str, system: bool) -> StateDirs {
        match qemu_root(system) {
            Some(base) => StateDirs::under(&base.join(kind)),
            None => StateDirs::host(kind, system),
        }
    }

    /// The host's directories of `kind` (the table above), whatever
    /// `VIRT_QEMU_ROOT` says.
    pub fn host(kind: &str, system: bool) -> StateDirs {
        if system {
            return StateDirs {
                config: Path::new("/etc/virt-rs").join(kind),
                run: Path::new("/run/virt-rs").join(kind),
            };
        }
        StateDirs {
            config: session_dir(
                "XDG_CONFIG_HOME",
                Some(".config"),
                &format!("virt-rs/{kind}"),
                &format!("config/virt-rs/{kind}"),
            ),
            run: session_dir("XDG_RUNTIME_DIR", None, &format!("virt-rs/{kind}"), kind),
        }
    }

    /// `base/config` and `base/run`.
    pub fn under(base: &Path) -> StateDirs {
        StateDirs {
            config: base.join("config"),
            run: base.join("run"),
        }
    }

    /// Create the definitions directory and its `autostart/` (private to
    /// the user) and the runtime directory with permissions `run_mode`.
    pub fn create(&self, run_mode: u32) -> Result<(), FileError> {
        for (d, mode) in [
            (&self.config, 0o700),
            (&self.config.join("autostart"), 0o700),
            (&self.run, run_mode),
        ] {
            create_dir(d, mode)?;
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

    /// A runtime file of `name` (`xml`: its live definition; `state`,
    /// `pid`, ...).
    pub fn run_file(&self, name: &str, ext: &str) -> PathBuf {
        self.run.join(format!("{name}.{ext}"))
    }

    /// The mark that the autostart objects were started since the node
    /// booted (the runtime directory is emptied at boot).
    pub fn autostarted(&self) -> PathBuf {
        self.run.join(".autostarted")
    }

    /// Names of the objects with a persistent definition.
    pub fn defined_names(&self) -> Vec<String> {
        stems(&self.config, "xml")
    }

    /// Names of the running objects (a live `NAME.xml`).
    pub fn active_names(&self) -> Vec<String> {
        stems(&self.run, "xml")
    }

    /// Names of every object, defined or running, sorted, each once.
    pub fn all_names(&self) -> Vec<String> {
        let mut names = self.defined_names();
        names.extend(self.active_names());
        names.sort();
        names.dedup();
        names
    }

    /// Take the driver's lock (`run/.lock`), waiting for it: one change
    /// at a time across threads and processes.
    pub fn lock(&self) -> Result<FileLock, FileError> {
        let p = self.run.join(".lock");
        FileLock::acquire(&p).map_err(|f| match f {
            LockFailure::Open(source) => FileError {
                what: format!("cannot open '{}'", p.display()),
                source,
            },
            LockFailure::Lock(source) => FileError {
                what: format!("cannot lock '{}'", p.display()),
                source,
            },
        })
    }
}

/// Create directory `d` (and its parents) with permissions `mode`.
pub fn create_dir(d: &Path, mode: u32) -> Result<(), FileError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(d)
        .map_err(|source| FileError {
            what: format!("cannot create directory '{}'", d.display()),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirs_hold_definitions_marks_and_runtime_files() {
        let base = std::env::temp_dir().join(format!("virt-host-dirs-{}", std::process::id()));
        let d = StateDirs::under(&base);
        assert!(d.create(0o755).is_ok());
        assert!(d.config.join("autostart").is_dir());
        assert_eq!(d.run_file("lan", "pid"), base.join("run/lan.pid"));
        assert_eq!(d.autostart("lan"), base.join("config/autostart/lan.xml"));
        for p in [
            d.config_xml("b"),
            d.run_file("a", "xml"),
            d.run_file("b", "xml"),
        ] {
            assert!(std::fs::write(p, "").is_ok());
        }
        assert_eq!(d.defined_names(), ["b"]);
        assert_eq!(d.all_names(), ["a", "b"]);
        let lock = d.lock();
        assert!(lock.is_ok());
        drop(lock);
        // A file where a directory belongs: the error names it.
        let e = create_dir(&d.config_xml("b").join("x"), 0o700).expect_err("not a dir");
        assert!(
            e.what.starts_with("cannot create directory '"),
            "{}",
            e.what
        );
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn system_dirs_are_fixed() {
        let d = StateDirs::host("network", true);
        assert_eq!(d.config, Path::new("/etc/virt-rs/network"));
        assert_eq!(d.run, Path::new("/run/virt-rs/network"));
    }
}
