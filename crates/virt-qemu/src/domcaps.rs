//! The domain capabilities (`virConnectGetDomainCapabilities`): what a
//! guest of one QEMU binary, architecture, machine type and domain type
//! can use with this driver.
//!
//! Two sources meet here: the binary's probe ([`crate::capabilities`]:
//! machine types, accelerator, CPU models, QOM device types, display
//! backends) says what QEMU has, and the command-line builder
//! ([`crate::argv`]) decides what this driver can run. An element is
//! `supported='yes'` only when both agree, so a management tool never
//! writes a guest the driver then refuses. Firmware comes from QEMU's
//! firmware descriptors (`/usr/share/qemu/firmware/*.json`, as Debian's
//! ovmf and seabios packages install them).

use crate::capabilities::{self, BinaryCaps};
use crate::error::{QemuError, QemuResult};
use serde_json::Value;
use std::path::{Path, PathBuf};
use virt_xml::escape;

/// What the caller asked for; `None` takes the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    /// The emulator binary (`/domain/devices/emulator`).
    pub emulatorbin: Option<&'a str>,
    /// The guest architecture (`/domain/os/type/@arch`).
    pub arch: Option<&'a str>,
    /// The machine type, a name or an alias (`/domain/os/type/@machine`).
    pub machine: Option<&'a str>,
    /// The domain type (`/domain/@type`): `kvm` or `qemu`.
    pub virttype: Option<&'a str>,
}

/// The domain capabilities XML for `req`, probing (or reading the probe
/// cache in `cache`) as needed. Errors carry libvirt's codes and words.
pub fn domain_capabilities(req: &Request<'_>, cache: &Path) -> QemuResult<String> {
    let arch = req
        .arch
        .unwrap_or_else(|| virt_xml::capabilities::host_arch());
    // libvirt's virArchFromString: a name it does not know is refused
    // before any binary is looked for.
    if !virt_xml::ARCHES.contains(&arch) {
        return Err(QemuError::InvalidArg(format!(
            "unknown architecture: {arch}"
        )));
    }
    let caps = match req.emulatorbin {
        Some(bin) => {
            let caps = capabilities::binary_caps(Path::new(bin), cache)?;
            if caps.arch != arch {
                return Err(QemuError::InvalidArg(format!(
                    "Emulator '{bin}' does not support arch '{arch}'"
                )));
            }
            caps
        }
        None => capabilities::all_binary_caps(cache)
            .into_iter()
            .find(|c| c.arch == arch)
            .ok_or_else(|| {
                QemuError::Unsupported(format!(
                    "unable to find any emulator to serve '{arch}' architecture"
                ))
            })?,
    };
    let bin = caps.binary.display().to_string();
    let virttype = match req.virttype {
        None if caps.kvm => "kvm",
        None => "qemu",
        Some(t @ ("kvm" | "qemu")) => t,
        // libvirt's domain types (`virDomainVirtType`) other than QEMU's get its
        // "does not support virt type" rather than "unknown virttype".
        Some(t) if virt_xml::DOMAIN_TYPES.contains(&t) => {
            return Err(QemuError::InvalidArg(format!(
                "Emulator '{bin}' does not support virt type '{t}'"
            )))
        }
        Some(t) => return Err(QemuError::InvalidArg(format!("unknown virttype: {t}"))),
    };
    if !caps.domain_types().contains(&virttype) {
        return Err(QemuError::InvalidArg(format!(
            "KVM is not supported by '{bin}' on this host"
        )));
    }
    let machine = match req.machine {
        Some(m) => caps.machine(m).ok_or_else(|| {
            QemuError::InvalidArg(format!(
                "the machine '{m}' is not supported by emulator '{bin}'"
            ))
        })?,
        None => caps.default_machine().ok_or_else(|| {
            QemuError::Unsupported(format!("emulator '{bin}' has no machine types"))
        })?,
    };
    let firmware = Firmware::find(&caps.arch, &machine.name, &descriptor_dirs());
    Ok(Writer::default().document(&caps, virttype, &machine.name, machine.max_cpus, &firmware))
}

/// Where QEMU's firmware descriptors live, in the order of precedence the
/// firmware.json specification gives (a file name in an earlier directory
/// hides the same name in a later one).
fn descriptor_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(home) = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
    {
        dirs.push(home.join("qemu/firmware"));
    }
    dirs.push(PathBuf::from("/etc/qemu/firmware"));
    dirs.push(PathBuf::from("/usr/share/qemu/firmware"));
    dirs
}

/// The firmware images this machine can boot with this driver.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Firmware {
    /// Images the driver can load as `<loader type='rom'>` (QEMU's
    /// `-bios`): descriptors mapped into memory.
    pub roms: Vec<String>,
}

impl Firmware {
    /// Read every descriptor in `dirs` for QEMU architecture of `arch` and
    /// `machine`. A descriptor that is not JSON of the expected shape is
    /// skipped, as QEMU's specification asks of consumers.
    pub fn find(arch: &str, machine: &str, dirs: &[PathBuf]) -> Firmware {
        let qemu_arch = match arch {
            "i686" => "i386",
            a => a,
        };
        let mut seen: Vec<std::ffi::OsString> = Vec::new();
        let mut files: Vec<PathBuf> = Vec::new();
        for dir in dirs {
            let Ok(rd) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut names: Vec<_> = rd.flatten().map(|e| e.file_name()).collect();
            names.sort();
            for n in names {
                if !seen.contains(&n) && n.to_string_lossy().ends_with(".json") {
                    files.push(dir.join(&n));
                    seen.push(n);
                }
            }
        }
        // Descriptors apply in file-name order across directories.
        files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        let mut fw = Firmware::default();
        for f in files {
            let Some(d) = std::fs::read(&f)
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            else {
                continue;
            };
            if !descriptor_serves(&d, qemu_arch, machine) {
                continue;
            }
            let mapping = &d["mapping"];
            if mapping["device"] == "memory" {
                if let Some(file) = mapping["filename"].as_str() {
                    if !fw.roms.iter().any(|r| r == file) {
                        fw.roms.push(file.to_string());
                    }
                }
            }
        }
        fw
    }
}

/// True when a descriptor names `arch` with a machine pattern `machine`
/// matches.
fn descriptor_serves(d: &Value, arch: &str, machine: &str) -> bool {
    d["targets"].as_array().is_some_and(|targets| {
        targets.iter().any(|t| {
            t["architecture"] == arch
                && t["machines"].as_array().is_some_and(|ms| {
                    ms.iter()
                        .filter_map(Value::as_str)
                        .any(|p| glob_matches(p, machine))
                })
        })
    })
}

/// Shell-style matching with `*` (any run) and `?` (one character), the
/// patterns firmware descriptors use for machine types (`pc-q35-*`).
fn glob_matches(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The document, written with libvirt's layout (two-space indents, empty
/// elements self-closed, enums listed even when empty).
#[derive(Default)]
struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn line(&mut self, text: &str) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn open(&mut self, tag: &str) {
        self.line(&format!("<{tag}>"));
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.line(&format!("</{name}>"));
    }

    fn text(&mut self, name: &str, value: &str) {
        self.line(&format!("<{name}>{}</{name}>", escape(value)));
    }

    fn supported(&mut self, name: &str, yes: bool) {
        self.line(&format!(
            "<{name} supported='{}'/>",
            if yes { "yes" } else { "no" }
        ));
    }

    /// `<enum name=...>` with its values, `<enum name=.../>` without.
    fn enumeration(&mut self, name: &str, values: &[&str]) {
        if values.is_empty() {
            self.line(&format!("<enum name='{name}'/>"));
            return;
        }
        self.open(&format!("enum name='{name}'"));
        for v in values {
            self.text("value", v);
        }
        self.close("enum");
    }

    /// A device or feature with its enums, or `supported='no'` when it
    /// has none the driver can run.
    fn group(&mut self, name: &str, enums: &[(&str, Vec<&str>)]) {
        if enums.iter().all(|(_, v)| v.is_empty()) {
            self.supported(name, false);
            return;
        }
        self.open(&format!("{name} supported='yes'"));
        for (e, values) in enums {
            self.enumeration(e, values);
        }
        self.close(name);
    }

    fn document(
        mut self,
        caps: &BinaryCaps,
        virttype: &str,
        machine: &str,
        max_cpus: u32,
        firmware: &Firmware,
    ) -> String {
        self.open("domainCapabilities");
        self.text("path", &caps.binary.to_string_lossy());
        self.text("domain", virttype);
        self.text("machine", machine);
        self.text("arch", &caps.arch);
        self.line(&format!("<vcpu max='{max_cpus}'/>"));
        // The command line has no -object iothread.
        self.supported("iothreads", false);
        self.os(firmware);
        self.cpu(caps, virttype);
        // Memory backing (hugepages, memfd) needs -object memory-backend-*,
        // which the command line does not use.
        self.supported("memoryBacking", false);
        self.devices(caps, machine);
        self.features();
        self.close("domainCapabilities");
        self.out
    }

    fn os(&mut self, firmware: &Firmware) {
        self.open("os supported='yes'");
        // Firmware auto-selection (`<os firmware='efi'>`) needs the
        // firmware descriptors' matching, which the driver lacks, so no
        // kind is offered; images QEMU maps into memory load as ROMs.
        self.enumeration("firmware", &[]);
        self.open("loader supported='yes'");
        for rom in &firmware.roms {
            self.text("value", rom);
        }
        // A ROM `<loader>` becomes `-bios FILE`; a pflash one the
        // machine's pflash0 (read-only or not), with its NVRAM as pflash1.
        self.enumeration("type", &["rom", "pflash"]);
        self.enumeration("readonly", &["yes", "no"]);
        self.enumeration("secure", &["no"]);
        self.close("loader");
        self.close("os");
    }

    fn cpu(&mut self, caps: &BinaryCaps, virttype: &str) {
        let models = !caps.cpu_models.is_empty();
        self.open("cpu");
        // `<cpu migratable=...>`: off is always possible (libvirt drops
        // what would stop a migration); on for host-passthrough needs the
        // CPU's `migratable` property, which libvirt finds on x86_64's
        // `max` CPU only (it looks for no i386 one), while maximum offers
        // both everywhere. Tools read these enums to know host-passthrough
        // is safe to pick by default.
        let migratable: &[&str] = if caps.arch == "x86_64" {
            &["on", "off"]
        } else {
            &["off"]
        };
        // `host` exists only under KVM.
        self.cpu_mode(
            "host-passthrough",
            virttype == "kvm" && models,
            "hostPassthroughMigratable",
            migratable,
        );
        self.cpu_mode("maximum", models, "maximumMigratable", &["on", "off"]);
        // host-model runs as QEMU's `host` (KVM) or `max` (TCG); without a
        // CPU map there is no named model to report for it.
        self.supported("mode name='host-model'", models);
        if models {
            self.open("mode name='custom' supported='yes'");
            // The probe's usability answer holds for the accelerator it
            // ran under only.
            let probed = if caps.kvm { "kvm" } else { "qemu" };
            for m in &caps.cpu_models {
                let usable = match (probed == virttype, m.usable) {
                    (false, _) => "unknown",
                    (true, true) => "yes",
                    (true, false) => "no",
                };
                let deprecated = if m.deprecated {
                    " deprecated='yes'"
                } else {
                    ""
                };
                self.line(&format!(
                    "<model usable='{usable}'{deprecated} vendor='unknown'>{}</model>",
                    escape(&m.name)
                ));
            }
            self.close("mode");
        } else {
            self.supported("mode name='custom'", false);
        }
        self.close("cpu");
    }

    /// A CPU mode, with its `migratable` enum when it is supported and
    /// the CPU takes the property.
    fn cpu_mode(&mut self, mode: &str, yes: bool, migratable_enum: &str, values: &[&str]) {
        let name = format!("mode name='{mode}'");
        if !yes {
            self.supported(&name, yes);
            return;
        }
        self.open(&format!("{name} supported='yes'"));
        self.enumeration(migratable_enum, values);
        self.close("mode");
    }

    fn devices(&mut self, caps: &BinaryCaps, machine: &str) {
        let has = |t: &str| caps.has_type(t);
        let q35 = machine.starts_with("pc-q35") || machine == "q35";
        let pc = machine.starts_with("pc-i440fx") || machine == "pc";
        let fdc = has("isa-fdc") && (pc || q35);
        self.open("devices");
        let mut disk_devices = vec!["disk", "cdrom"];
        if fdc {
            disk_devices.push("floppy");
        }
        let mut buses = Vec::new();
        if pc && has("ide-hd") {
            buses.push("ide");
        }
        if fdc {
            buses.push("fdc");
        }
        if has("virtio-scsi-pci") || has("lsi53c895a") {
            buses.push("scsi");
        }
        if has("virtio-blk-pci") {
            buses.push("virtio");
        }
        if (q35 || pc) && has("ich9-ahci") && has("ide-hd") {
            buses.push("sata");
        }
        self.group("disk", &[("diskDevice", disk_devices), ("bus", buses)]);
        let mut graphics = Vec::new();
        if caps.displays.iter().any(|d| d == "sdl") {
            graphics.push("sdl");
        }
        if caps.vnc {
            graphics.push("vnc");
        }
        self.group("graphics", &[("type", graphics)]);
        let mut video = Vec::new();
        for (model, qom) in [
            ("vga", "VGA"),
            ("cirrus", "cirrus-vga"),
            ("virtio", "virtio-vga"),
            ("none", ""),
            ("bochs", "bochs-display"),
        ] {
            if qom.is_empty() || has(qom) {
                video.push(model);
            }
        }
        self.group("video", &[("modelType", video)]);
        // In the schema's order; what the command line refuses (see argv)
        // is not offered, whatever QEMU has.
        self.supported("hostdev", false);
        // RNGs feed from a host file or QEMU's own generator (an EGD
        // daemon's socket is not done).
        let rng_backends = if has("rng-builtin") {
            vec!["random", "builtin"]
        } else {
            vec!["random"]
        };
        if has("virtio-rng-pci") {
            self.group(
                "rng",
                &[("model", vec!["virtio"]), ("backendModel", rng_backends)],
            );
        } else {
            self.supported("rng", false);
        }
        for dev in ["filesystem", "tpm", "redirdev"] {
            self.supported(dev, false);
        }
        // Channels are ports of a virtio-serial bus (spice's are not done).
        if has("virtserialport") {
            self.group("channel", &[("type", vec!["pty", "unix"])]);
        } else {
            self.supported("channel", false);
        }
        self.close("devices");
    }

    fn features(&mut self) {
        self.open("features");
        // GIC is an ARM interrupt controller; the others need command-line
        // support the driver does not have (vmcoreinfo and genid devices,
        // blockdev backup jobs, SEV/SGX launch security, Hyper-V
        // enlightenments).
        for f in [
            "gic",
            "vmcoreinfo",
            "genid",
            "backingStoreInput",
            "backup",
            "sev",
            "sgx",
            "hyperv",
        ] {
            self.supported(f, false);
        }
        self.close("features");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(kvm: bool) -> BinaryCaps {
        let rec = serde_json::json!({
            "binary": "/q/qemu-system-x86_64",
            "version": {"qemu": {"major": 7, "minor": 2, "micro": 0}},
            "target": {"arch": "x86_64"},
            "kvm": {"enabled": kvm},
            "machines": [
                {"name": "pc-q35-7.2", "cpu-max": 288, "alias": "q35"},
                {"name": "pc-i440fx-7.2", "cpu-max": 255, "alias": "pc", "is-default": true},
            ],
            "cpus": [
                {"name": "max", "unavailable-features": []},
                {"name": "qemu64", "unavailable-features": ["svm"]},
                {"name": "486-v1", "unavailable-features": []},
                {"name": "486", "unavailable-features": [], "deprecated": true},
            ],
            "types": [{"name": "virtio-blk-pci"}, {"name": "ide-hd"}, {"name": "ich9-ahci"},
                      {"name": "virtio-rng-pci"}, {"name": "rng-random"},
                      {"name": "isa-fdc"}, {"name": "VGA"}],
            "displays": ["none", "sdl"],
            "vnc": false,
        });
        BinaryCaps::from_record(&rec).unwrap()
    }

    fn doc(caps: &BinaryCaps, virttype: &str, machine: &str) -> String {
        Writer::default().document(caps, virttype, machine, 255, &Firmware::default())
    }

    #[test]
    fn the_document_offers_what_qemu_has_and_the_driver_runs() {
        let c = caps(true);
        let pc = doc(&c, "kvm", "pc-i440fx-7.2");
        assert!(pc.starts_with("<domainCapabilities>\n  <path>/q/qemu-system-x86_64</path>\n  <domain>kvm</domain>\n  <machine>pc-i440fx-7.2</machine>\n"), "{pc}");
        // x86's host and max CPUs say whether they may migrate.
        assert!(
            pc.contains(
                "<mode name='host-passthrough' supported='yes'>\n      \
                 <enum name='hostPassthroughMigratable'>\n        \
                 <value>on</value>\n        <value>off</value>\n      </enum>\n    </mode>"
            ),
            "{pc}"
        );
        assert!(
            pc.contains(
                "<mode name='maximum' supported='yes'>\n      <enum name='maximumMigratable'>"
            ),
            "{pc}"
        );
        assert!(pc.contains("<model usable='no' vendor='unknown'>qemu64</model>\n      <model usable='yes' deprecated='yes' vendor='unknown'>486</model>\n    </mode>"), "{pc}");
        assert!(!pc.contains(">max<") && !pc.contains("486-v1"), "{pc}");
        assert!(pc.contains("<value>ide</value>\n        <value>fdc</value>\n        <value>virtio</value>\n        <value>sata</value>"), "{pc}");
        // SDL's module is there, VNC is not built in; only VGA of the cards.
        assert!(
            pc.contains(
                "<enum name='type'>\n        <value>sdl</value>\n      </enum>\n    </graphics>"
            ),
            "{pc}"
        );
        assert!(
            pc.contains("<value>vga</value>\n        <value>none</value>\n      </enum>"),
            "{pc}"
        );
        // An RNG from a host file; QEMU's own generator is not in this QEMU.
        assert!(
            pc.contains(
                "<rng supported='yes'>\n      <enum name='model'>\n        <value>virtio</value>\n      \
                 </enum>\n      <enum name='backendModel'>\n        <value>random</value>\n      </enum>"
            ),
            "{pc}"
        );
        let q35 = doc(&c, "kvm", "pc-q35-7.2");
        assert!(!q35.contains("<value>ide</value>"), "{q35}");
        // Under TCG the KVM probe cannot say what is usable.
        let tcg = doc(&c, "qemu", "pc-i440fx-7.2");
        assert!(
            tcg.contains("<mode name='host-passthrough' supported='no'/>"),
            "{tcg}"
        );
        assert!(
            tcg.contains("<model usable='unknown' vendor='unknown'>qemu64</model>"),
            "{tcg}"
        );
        let c = caps(false);
        assert!(
            doc(&c, "qemu", "pc").contains("<model usable='no' vendor='unknown'>qemu64</model>")
        );
    }

    #[test]
    fn architectures_libvirt_does_not_know_are_refused_before_any_probe() {
        // loongarch64 came to virArch after libvirt 9.0.
        for arch in ["sparc64x", "loongarch64", "none"] {
            let req = Request {
                arch: Some(arch),
                ..Request::default()
            };
            match domain_capabilities(&req, Path::new("/nonexistent/virt-qemu-cache")) {
                Err(QemuError::InvalidArg(m)) => {
                    assert_eq!(m, format!("unknown architecture: {arch}"))
                }
                other => panic!("{arch}: {other:?}"),
            }
        }
    }

    #[test]
    fn machine_patterns_match_as_globs() {
        assert!(glob_matches("pc-q35-*", "pc-q35-7.2"));
        assert!(glob_matches("pc-i440fx-*", "pc-i440fx-7.2"));
        assert!(!glob_matches("pc-q35-*", "pc-i440fx-7.2"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("pc-?35-*", "pc-q35-"));
        assert!(!glob_matches("virt", "virt-7.2"));
        assert!(glob_matches("*-7.?", "pc-q35-7.2"));
    }

    fn descriptor(dir: &Path, name: &str, text: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn firmware_descriptors_give_kinds_and_roms() {
        let root = std::env::temp_dir().join(format!("virt-qemu-fw-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (user, share) = (root.join("user"), root.join("share"));
        descriptor(
            &share,
            "50-ovmf.json",
            r#"{"interface-types":["uefi"],"mapping":{"device":"flash","executable":{"filename":"/o/CODE.fd"}},
                "targets":[{"architecture":"x86_64","machines":["pc-q35-*"]}]}"#,
        );
        descriptor(
            &share,
            "60-bios.json",
            r#"{"interface-types":["bios"],"mapping":{"device":"memory","filename":"/s/bios.bin"},
                "targets":[{"architecture":"x86_64","machines":["pc-*"]},{"architecture":"i386","machines":["pc-*"]}]}"#,
        );
        descriptor(&share, "70-junk.json", "{not json");
        // The user's file of the same name hides the shared one.
        descriptor(
            &user,
            "60-bios.json",
            r#"{"interface-types":["bios"],"mapping":{"device":"memory","filename":"/u/bios.bin"},
                "targets":[{"architecture":"x86_64","machines":["pc-*"]}]}"#,
        );
        let dirs = [user.clone(), share.clone()];
        let q35 = Firmware::find("x86_64", "pc-q35-7.2", &dirs);
        assert_eq!(q35.roms, ["/u/bios.bin"]);
        let i386 = Firmware::find("i686", "pc-i440fx-7.2", &dirs);
        assert_eq!(
            i386,
            Firmware::default(),
            "the user's file serves x86_64 only"
        );
        let share_only = Firmware::find("i686", "pc-i440fx-7.2", &[share]);
        assert_eq!(share_only.roms, ["/s/bios.bin"]);
        assert_eq!(
            Firmware::find("aarch64", "virt", &dirs),
            Firmware::default()
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
