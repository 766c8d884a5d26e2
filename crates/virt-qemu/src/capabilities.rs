//! What the installed QEMU binaries can do, as libvirt learns it: each
//! `qemu-system-ARCH` on `$PATH` is started once with `-machine none`
//! and asked over QMP (on its stdio) for its version, target, accelerator,
//! machine types, CPU models and device types. The answers are cached on
//! disk, one JSON file per binary, and used again as long as the binary's
//! mtime (and whether /dev/kvm can be opened) has not changed, so only the
//! first call after QEMU is installed or upgraded pays for the probe.
//!
//! From the probes come the `<guest>` parts of the capabilities XML
//! ([`capabilities_xml`]) and the domain capabilities ([`crate::domcaps`]).

use crate::error::{QemuError, QemuResult};
use crate::qmp::Monitor;
use crate::state;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;
use virt_xml::capabilities::{Guest, GuestFeature, Machine};

/// Bumped whenever what a cache file holds changes, so old files are
/// probed again rather than misread.
const CACHE_FORMAT: u64 = 2;

/// How long one probe may take before the binary is killed.
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);

/// libvirt's architecture names and the suffix of their QEMU binary, in
/// libvirt's architecture order (the order of the `<guest>` elements).
const ARCHES: &[(&str, &str)] = &[
    ("alpha", "alpha"),
    ("armv7l", "arm"),
    ("aarch64", "aarch64"),
    ("cris", "cris"),
    ("i686", "i386"),
    ("m68k", "m68k"),
    ("microblaze", "microblaze"),
    ("microblazeel", "microblazeel"),
    ("mips", "mips"),
    ("mipsel", "mipsel"),
    ("mips64", "mips64"),
    ("mips64el", "mips64el"),
    ("ppc", "ppc"),
    ("ppc64", "ppc64"),
    ("riscv32", "riscv32"),
    ("riscv64", "riscv64"),
    ("s390x", "s390x"),
    ("sh4", "sh4"),
    ("sh4eb", "sh4eb"),
    ("sparc", "sparc"),
    ("sparc64", "sparc64"),
    ("x86_64", "x86_64"),
    ("xtensa", "xtensa"),
    ("xtensaeb", "xtensaeb"),
];

/// One machine type as QEMU reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineType {
    /// Its name (`pc-i440fx-7.2`).
    pub name: String,
    /// The short name standing for it (`pc`), if any.
    pub alias: Option<String>,
    /// QEMU's default machine for the binary.
    pub is_default: bool,
    /// The most vCPUs it takes.
    pub max_cpus: u32,
    /// QEMU marks it deprecated.
    pub deprecated: bool,
    /// The CPU model a guest of this machine gets when its definition
    /// names none (`qemu64`: QEMU's `default-cpu-type` without its
    /// `-ARCH-cpu` type suffix), if QEMU says.
    pub default_cpu: Option<String>,
}

/// One CPU model as QEMU reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuModel {
    /// Its name (`Broadwell`, `qemu64`).
    pub name: String,
    /// True when the accelerator of the probe can run it (QEMU listed no
    /// unavailable features).
    pub usable: bool,
    /// QEMU marks it deprecated.
    pub deprecated: bool,
}

/// What one QEMU binary can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryCaps {
    /// The binary.
    pub binary: PathBuf,
    /// libvirt's name of its target architecture.
    pub arch: String,
    /// `major * 1_000_000 + minor * 1000 + micro`.
    pub version: u64,
    /// The probe ran under KVM (/dev/kvm opened and the accelerator took).
    pub kvm: bool,
    /// Machine types, the default first, then in QEMU's order; `none` left out.
    pub machines: Vec<MachineType>,
    /// CPU models, in QEMU's order.
    pub cpu_models: Vec<CpuModel>,
    /// Every concrete QOM type (device models and backends), sorted.
    pub types: Vec<String>,
    /// The display backends of `-display help` (`sdl`, `gtk`, `dbus`, ...;
    /// a backend whose module is not installed is not listed).
    pub displays: Vec<String>,
    /// QEMU was built with its VNC server (`-vnc` is an option).
    pub vnc: bool,
}

impl BinaryCaps {
    /// True when QEMU knows the QOM type `name` (a device model).
    pub fn has_type(&self, name: &str) -> bool {
        self.types
            .binary_search_by(|t| t.as_str().cmp(name))
            .is_ok()
    }

    /// libvirt's domain types this binary runs: `qemu`, and `kvm` when the
    /// probe ran under KVM.
    pub fn domain_types(&self) -> &'static [&'static str] {
        if self.kvm {
            &["qemu", "kvm"]
        } else {
            &["qemu"]
        }
    }

    /// The default machine type, else the first one.
    pub fn default_machine(&self) -> Option<&MachineType> {
        self.machines.first()
    }

    /// A machine type by name or alias.
    pub fn machine(&self, name: &str) -> Option<&MachineType> {
        self.machines
            .iter()
            .find(|m| m.name == name || m.alias.as_deref() == Some(name))
    }

    /// Read the probe's record (fresh or cached). Anything missing or of
    /// the wrong shape is a protocol error, so a damaged cache file is
    /// probed again rather than trusted.
    pub(crate) fn from_record(rec: &Value) -> QemuResult<BinaryCaps> {
        let bad = |what: &str| QemuError::Protocol(format!("QEMU probe record lacks {what}"));
        let binary = PathBuf::from(rec["binary"].as_str().ok_or_else(|| bad("binary"))?);
        let qemu = &rec["version"]["qemu"];
        let num = |v: &Value| v.as_u64().ok_or_else(|| bad("version"));
        let version =
            num(&qemu["major"])? * 1_000_000 + num(&qemu["minor"])? * 1000 + num(&qemu["micro"])?;
        let target = rec["target"]["arch"]
            .as_str()
            .ok_or_else(|| bad("target"))?;
        let arch = ARCHES
            .iter()
            .find(|(_, q)| *q == target)
            .map_or(target, |(a, _)| a)
            .to_string();
        let kvm = rec["kvm"]["enabled"].as_bool().unwrap_or(false);
        let mut machines: Vec<MachineType> = rec["machines"]
            .as_array()
            .ok_or_else(|| bad("machines"))?
            .iter()
            .filter_map(|m| {
                let name = m["name"].as_str()?;
                // `none` is what the probe itself ran on, not a guest's.
                (name != "none").then(|| MachineType {
                    name: name.to_string(),
                    alias: m["alias"].as_str().map(str::to_string),
                    is_default: m["is-default"].as_bool().unwrap_or(false),
                    max_cpus: m["cpu-max"].as_u64().unwrap_or(1) as u32,
                    deprecated: m["deprecated"].as_bool().unwrap_or(false),
                    default_cpu: m["default-cpu-type"]
                        .as_str()
                        .map(|t| t.strip_suffix(&format!("-{target}-cpu")).unwrap_or(t))
                        .map(str::to_string),
                })
            })
            .collect();
        // The default goes first, the others keep QEMU's order (libvirt's
        // order too).
        if let Some(i) = machines.iter().position(|m| m.is_default) {
            let d = machines.remove(i);
            machines.insert(0, d);
        }
        let cpu_models = rec["cpus"]
            .as_array()
            .map(|cpus| {
                cpus.iter()
                    .filter(|c| c["name"].as_str().is_some_and(is_named_model))
                    .filter_map(|c| {
                        Some(CpuModel {
                            name: c["name"].as_str()?.to_string(),
                            usable: c["unavailable-features"]
                                .as_array()
                                .is_some_and(|u| u.is_empty()),
                            deprecated: c["deprecated"].as_bool().unwrap_or(false),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut types: Vec<String> = rec["types"]
            .as_array()
            .map(|t| {
                t.iter()
                    .filter_map(|t| Some(t["name"].as_str()?.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        types.sort();
        types.dedup();
        let displays = rec["displays"]
            .as_array()
            .map(|d| {
                d.iter()
                    .filter_map(|d| Some(d.as_str()?.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(BinaryCaps {
            binary,
            arch,
            version,
            kvm,
            machines,
            cpu_models,
            types,
            displays,
            vnc: rec["vnc"].as_bool().unwrap_or(false),
        })
    }

    /// The capabilities' `<guest>` for this binary: its machines (each
    /// alias right after the machine it stands for), the domain types it
    /// runs (`kvm` when the probe ran under KVM) and libvirt's x86 guest
    /// features.
    pub fn guest(&self) -> Guest {
        let mut machines = Vec::new();
        for m in &self.machines {
            machines.push(Machine {
                max_cpus: Some(m.max_cpus),
                deprecated: m.deprecated,
                ..Machine::named(&m.name)
            });
            if let Some(a) = &m.alias {
                machines.push(Machine {
                    canonical: Some(m.name.clone()),
                    max_cpus: Some(m.max_cpus),
                    deprecated: m.deprecated,
                    ..Machine::named(a)
                });
            }
        }
        let mut g = Guest::new(
            "hvm",
            &self.arch,
            Some(&self.binary.to_string_lossy()),
            &machines,
            self.domain_types(),
        );
        if self.arch == "i686" {
            g.features.push(GuestFeature::flag("pae"));
            g.features.push(GuestFeature::flag("nonpae"));
        }
        if matches!(self.arch.as_str(), "i686" | "x86_64") {
            g.features.push(GuestFeature::toggled("acpi", true, true));
            g.features.push(GuestFeature::toggled("apic", true, false));
        }
        g.features.push(GuestFeature::flag("cpuselection"));
        g.features.push(GuestFeature::flag("deviceboot"));
        g.features
            .push(GuestFeature::toggled("disksnapshot", true, false));
        g
    }
}

/// A CPU model a guest names (`Broadwell`, `Westmere-IBRS`, `qemu64`):
/// not QEMU's `max`, `host` and `base`, which libvirt spells as CPU modes,
/// nor a bare version (`Broadwell-v2`), which the named models stand for.
fn is_named_model(name: &str) -> bool {
    if matches!(name, "max" | "host" | "base") {
        return false;
    }
    match name.rsplit_once("-v") {
        Some((_, n)) => n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()),
        None => true,
    }
}

/// Where probe results are cached: `/var/cache/virt-rs/qemu/capabilities`
/// for qemu:///system, `$XDG_CACHE_HOME/virt-rs/qemu/capabilities` (or
/// `~/.cache/...`) for a session, under `$VIRT_QEMU_ROOT/{system,session}/cache`
/// when that is set.
pub fn cache_dir(system: bool) -> PathBuf {
    let env = |v: &str| {
        std::env::var_os(v)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if let Some(root) = env("VIRT_QEMU_ROOT") {
        return root
            .join(if system { "system" } else { "session" })
            .join("cache/capabilities");
    }
    if system {
        return PathBuf::from("/var/cache/virt-rs/qemu/capabilities");
    }
    env("XDG_CACHE_HOME")
        .or_else(|| env("HOME").map(|h| h.join(".cache")))
        .unwrap_or_else(|| {
            let uid = rustix::process::getuid().as_raw();
            PathBuf::from(format!("/tmp/virt-rs-{uid}/cache"))
        })
        .join("virt-rs/qemu/capabilities")
}

/// The `qemu-system-ARCH` binaries on `$PATH` (the first of each name),
/// with their libvirt architecture, in libvirt's architecture order.
pub fn installed_binaries() -> Vec<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    ARCHES
        .iter()
        .filter_map(|(_, q)| {
            dirs.iter()
                .map(|d| d.join(format!("qemu-system-{q}")))
                .find(|p| is_executable(p))
        })
        .collect()
}

fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0)
}

/// Whether this process can open /dev/kvm (QEMU then runs under KVM).
pub fn kvm_usable() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok()
}

/// What the cache is keyed on: the binary's mtime and /dev/kvm's use.
fn cache_key(binary: &Path) -> QemuResult<Value> {
    let meta = std::fs::metadata(binary).map_err(|e| {
        QemuError::system(format!("Cannot check QEMU binary {}", binary.display()), e)
    })?;
    Ok(json!({
        "format": CACHE_FORMAT,
        "mtime": meta.mtime(),
        "mtime_nsec": meta.mtime_nsec(),
        "kvm": kvm_usable(),
    }))
}

fn cache_file(dir: &Path, binary: &Path) -> PathBuf {
    let name: String = binary
        .to_string_lossy()
        .trim_start_matches('/')
        .chars()
        .map(|c| if c == '/' { '_' } else { c })
        .collect();
    dir.join(format!("{name}.json"))
}

/// What `binary` can do: from the cache in `dir` when its key still
/// matches, else from a new probe, which is then cached (a cache that
/// cannot be written only costs the next caller another probe).
pub fn binary_caps(binary: &Path, dir: &Path) -> QemuResult<BinaryCaps> {
    // Every define reads the caps of its emulator: this process keeps
    // the last answer per binary and cache while the binary's key holds.
    type Memo = Vec<((PathBuf, PathBuf), Value, BinaryCaps)>;
    static MEMO: std::sync::Mutex<Memo> = std::sync::Mutex::new(Vec::new());
    let key = cache_key(binary)?;
    let at = (binary.to_path_buf(), dir.to_path_buf());
    if let Ok(memo) = MEMO.lock() {
        if let Some((_, _, caps)) = memo.iter().find(|(b, k, _)| *b == at && *k == key) {
            return Ok(caps.clone());
        }
    }
    let caps = binary_caps_keyed(binary, dir, key.clone())?;
    if let Ok(mut memo) = MEMO.lock() {
        memo.retain(|(b, _, _)| *b != at);
        memo.push((at, key, caps.clone()));
    }
    Ok(caps)
}

/// [`binary_caps`] past the in-process memo: the disk cache, else a probe.
fn binary_caps_keyed(binary: &Path, dir: &Path, key: Value) -> QemuResult<BinaryCaps> {
    let file = cache_file(dir, binary);
    if let Some(rec) = std::fs::read(&file)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .filter(|rec| rec["key"] == key)
    {
        if let Ok(caps) = BinaryCaps::from_record(&rec) {
            return Ok(caps);
        }
    }
    let mut rec = probe(binary)?;
    rec["key"] = key;
    let caps = BinaryCaps::from_record(&rec)?;
    if std::fs::create_dir_all(dir).is_ok() {
        if let Err(e) = state::write_atomic(&file, rec.to_string().as_bytes()) {
            log::warn!("cannot cache QEMU capabilities in {}: {e}", file.display());
        }
    }
    Ok(caps)
}

/// Every installed binary that answers its probe; one that fails is
/// logged and left out, as libvirt leaves out binaries it cannot probe.
pub fn all_binary_caps(dir: &Path) -> Vec<BinaryCaps> {
    installed_binaries()
        .iter()
        .filter_map(|b| match binary_caps(b, dir) {
            Ok(c) => Some(c),
            Err(e) => {
                log::warn!("cannot probe {}: {e}", b.display());
                None
            }
        })
        .collect()
}

/// The capabilities XML of the node: the host from /proc and /sys, a
/// guest per installed QEMU binary.
pub fn capabilities_xml(dir: &Path) -> String {
    let guests = all_binary_caps(dir).iter().map(BinaryCaps::guest).collect();
    virt_host::capabilities(guests).to_xml()
}

/// QEMU's stdin and stdout as one QMP stream.
struct Stdio2 {
    out: ChildStdout,
    inp: ChildStdin,
}

impl Read for Stdio2 {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.out.read(buf)
    }
}

impl Write for Stdio2 {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inp.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inp.flush()
    }
}

/// Kills the probed QEMU if it is still there when dropped or when the
/// timeout passes, so a hung binary never hangs the caller.
struct Watchdog {
    done: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watchdog {
    fn start(pid: u32) -> Watchdog {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(PROBE_TIMEOUT)
            {
                if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
                    let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
                }
            }
        });
        Watchdog {
            done: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Start `binary` with no machine and ask it everything once; the
/// answers, keyed as QMP names them, make the record that is cached.
pub fn probe(binary: &Path) -> QemuResult<Value> {
    let mut child: Child = Command::new(binary)
        .args([
            "-S",
            "-no-user-config",
            "-nodefaults",
            "-nographic",
            "-machine",
            "none",
            "-accel",
            "kvm",
            "-accel",
            "tcg",
            "-qmp",
            "stdio",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            QemuError::system(format!("Cannot run QEMU binary {}", binary.display()), e)
        })?;
    let watchdog = Watchdog::start(child.id());
    let result = (|| {
        let stream = Stdio2 {
            out: child
                .stdout
                .take()
                .ok_or_else(|| QemuError::Internal("no QEMU stdout".into()))?,
            inp: child
                .stdin
                .take()
                .ok_or_else(|| QemuError::Internal("no QEMU stdin".into()))?,
        };
        let mut m = Monitor::handshake(stream)?;
        let mut rec = json!({
            "binary": binary.to_string_lossy(),
            "version": m.greeting()["version"].clone(),
        });
        if rec["version"].is_null() {
            rec["version"] = m.execute("query-version", None)?;
        }
        rec["target"] = m.execute("query-target", None)?;
        rec["kvm"] = m.execute("query-kvm", None)?;
        rec["machines"] = m.execute("query-machines", None)?;
        // Not every target has CPU models (the command is then unknown).
        rec["cpus"] = m
            .execute("query-cpu-definitions", None)
            .unwrap_or(Value::Null);
        rec["types"] = m.execute("qom-list-types", Some(json!({"abstract": false})))?;
        // A QEMU built without VNC does not know the option group.
        rec["vnc"] = json!(m
            .execute("query-command-line-options", Some(json!({"option": "vnc"})))
            .is_ok());
        let _ = m.execute("quit", None);
        Ok(rec)
    })();
    let _ = child.kill();
    let status = child.wait();
    drop(watchdog);
    let result = result.map(|mut rec| {
        rec["displays"] = json!(display_backends(binary));
        rec
    });
    result.map_err(|e| {
        let mut err = String::new();
        if let Some(mut s) = child.stderr.take() {
            let _ = s.read_to_string(&mut err);
        }
        match (e, status) {
            (e, _) if err.trim().is_empty() => e,
            _ => QemuError::Internal(format!(
                "Failed to probe QEMU binary with QMP: {}",
                err.trim()
            )),
        }
    })
}

/// The display backends `binary -display help` lists: one name a line
/// after its heading. QEMU loads UI modules on demand, so this is the one
/// place that knows whether, say, SDL's module is installed.
fn display_backends(binary: &Path) -> Vec<String> {
    let Ok(out) = Command::new(binary)
        .args(["-display", "help"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip_while(|l| !l.ends_with(':'))
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains(' '))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Value {
        json!({
            "binary": "/usr/bin/qemu-system-x86_64",
            "version": {"qemu": {"major": 7, "minor": 2, "micro": 19}},
            "target": {"arch": "x86_64"},
            "kvm": {"enabled": true, "present": true},
            "machines": [
                {"name": "pc-q35-7.1", "cpu-max": 288, "deprecated": false},
                {"name": "none", "cpu-max": 1},
                {"name": "pc-i440fx-1.5", "cpu-max": 255, "deprecated": true},
                {"name": "pc-i440fx-7.2", "cpu-max": 255, "alias": "pc", "is-default": true},
            ],
            "cpus": [
                {"name": "qemu64", "unavailable-features": ["svm"]},
                {"name": "486", "unavailable-features": []},
            ],
            "types": [{"name": "virtio-blk-pci"}, {"name": "VGA"}],
        })
    }

    #[test]
    fn a_record_makes_libvirts_guest() {
        let caps = BinaryCaps::from_record(&record()).unwrap();
        assert_eq!(caps.version, 7_002_019);
        assert!(caps.has_type("VGA") && !caps.has_type("qxl-vga"));
        assert!(caps.cpu_models[1].usable);
        assert!(!caps.cpu_models[0].usable);
        let xml = virt_xml::capabilities::Capabilities {
            guests: vec![caps.guest()],
            ..Default::default()
        }
        .to_xml();
        let want = "      <emulator>/usr/bin/qemu-system-x86_64</emulator>\n      \
<machine maxCpus='255'>pc-i440fx-7.2</machine>\n      \
<machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>\n      \
<machine maxCpus='288'>pc-q35-7.1</machine>\n      \
<machine maxCpus='255' deprecated='yes'>pc-i440fx-1.5</machine>\n      \
<domain type='qemu'/>\n      <domain type='kvm'/>\n";
        assert!(xml.contains(want), "{xml}");
        assert!(xml.contains("<acpi default='on' toggle='yes'/>"), "{xml}");
    }

    #[test]
    fn cpu_modes_and_bare_versions_are_not_models() {
        for name in [
            "qemu64",
            "Westmere-IBRS",
            "Skylake-Server-noTSX-IBRS",
            "486",
            "EPYC-v",
        ] {
            assert!(is_named_model(name), "{name}");
        }
        for name in ["max", "host", "base", "Broadwell-v1", "Snowridge-v4"] {
            assert!(!is_named_model(name), "{name}");
        }
    }

    #[test]
    fn damaged_records_are_refused() {
        for key in ["binary", "version", "target", "machines"] {
            let mut r = record();
            r[key] = Value::Null;
            assert!(BinaryCaps::from_record(&r).is_err(), "{key}");
        }
    }

    #[test]
    fn a_missing_binary_is_an_error_not_a_panic() {
        let dir = std::env::temp_dir().join(format!("virt-qemu-caps-none-{}", std::process::id()));
        let e = binary_caps(Path::new("/nonexistent/qemu-system-x86_64"), &dir);
        assert!(e.is_err());
        assert!(!dir.exists());
    }
}
