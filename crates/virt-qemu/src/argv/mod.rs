//! Domain XML -> QEMU command line, for QEMU 7.2 and later.
//!
//! Devices are written as `-blockdev` / `-device` JSON, so that file names
//! and ids need no comma escaping; the few classic options left (`-name`,
//! `-machine`, `-chardev`, ...) escape commas by doubling them, as QEMU's
//! option parser wants. Every construct this driver cannot run is refused
//! here, with libvirt's `VIR_ERR_CONFIG_UNSUPPORTED`, before anything starts.

mod chardev;
pub mod dimm;
mod disk;
mod pci;

use crate::error::{QemuError, QemuResult};
pub use chardev::chardev_id;
use chardev::chardev_options;
pub(crate) use disk::{blockdev_nodes, disk_device, drive_address, drive_address_target};
use disk::{disk_options, suffix};
use serde_json::{json, Map, Value};
use virt_xml::{
    view_of, Audio, Bios, BootMenu, CgroupTuning, CharDev, Controller, Disk, DomainDef, Filesystem,
    Graphics, Hostdev, Hub, Input, Interface, Iommu, Lease, LifecycleAction, Listen, MemBalloon,
    MemoryBacking, MemoryDevice, Panic, Redirdev, Rng, Shmem, Smartcard, Sound, Tpm, Video, View,
    Vsock, Watchdog,
};

/// Where the QMP monitor listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorSocket {
    /// A listening unix socket the caller created and passes down as this
    /// file descriptor number (so the caller can connect before QEMU is up).
    Fd(i32),
    /// A unix socket path QEMU creates itself.
    Path(String),
}

/// What the command line depends on besides the definition.
#[derive(Debug, Clone)]
pub struct LaunchContext {
    /// The QEMU binary to run.
    pub emulator: String,
    /// The QMP monitor socket.
    pub monitor: MonitorSocket,
    /// True when /dev/kvm can be opened for reading and writing.
    pub kvm_usable: bool,
    /// `-incoming` argument (restore), if any.
    pub incoming: Option<String>,
    /// By interface index: the fd number its tap is passed at, for the
    /// interfaces that got one (`driver::tap`).
    pub tap_fds: Vec<Option<i32>>,
}

/// A ready-to-run QEMU command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// The binary.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables (TZ for `<clock offset='timezone'>`).
    pub env: Vec<(String, String)>,
}

impl CommandLine {
    /// The command line as one shell-like string, for logs.
    pub fn to_shell_string(&self) -> String {
        let quote = |s: &str| {
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_=/.,:@+%".contains(c))
            {
                s.to_string()
            } else {
                format!("'{}'", s.replace('\'', "'\\''"))
            }
        };
        let mut out: Vec<String> = self
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}", quote(v)))
            .collect();
        out.push(quote(&self.program));
        out.extend(self.args.iter().map(|a| quote(a)));
        out.join(" ")
    }
}

/// Double commas, as QEMU's option parser wants inside option values.
pub fn escape_comma(s: &str) -> String {
    s.replace(',', ",,")
}

fn unsupported(what: impl Into<String>) -> QemuError {
    QemuError::Unsupported(what.into())
}

/// QEMU's device for a NIC of libvirt's `<model type>`, on the command
/// line as in hot-plug.
pub(crate) fn nic_device(model: &str) -> QemuResult<&'static str> {
    Ok(match model {
        "virtio" => "virtio-net-pci",
        "e1000" => "e1000",
        "e1000e" => "e1000e",
        "rtl8139" => "rtl8139",
        "ne2k_pci" => "ne2k_pci",
        "pcnet" => "pcnet",
        "vmxnet3" => "vmxnet3",
        m => return Err(unsupported(format!("network model '{m}'"))),
    })
}

/// The machine family a machine type belongs to, which decides buses and
/// default devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chipset {
    I440fx,
    Q35,
}

fn chipset(machine: &str) -> QemuResult<Chipset> {
    if machine == "q35" || machine.starts_with("pc-q35") {
        Ok(Chipset::Q35)
    } else if machine == "pc" || machine.starts_with("pc-i440fx") || machine.starts_with("pc-") {
        Ok(Chipset::I440fx)
    } else {
        Err(unsupported(format!(
            "machine type '{machine}' is not supported on x86 by this driver"
        )))
    }
}

/// Build the command line for `def` (which should have had
/// [`DomainDef::fill_defaults`] and the driver's preparation applied).
pub fn build(def: &DomainDef, ctx: &LaunchContext) -> QemuResult<CommandLine> {
    let mut b = Builder {
        args: Vec::with_capacity(64),
        env: Vec::new(),
    };
    let accel = match def.domain_type.as_str() {
        "kvm" if ctx.kvm_usable => "kvm",
        "kvm" => {
            return Err(unsupported(
                "Domain requires KVM, but it is not available. Check that virtualization is \
                 enabled in the host BIOS, and host configuration is setup to load the kvm modules.",
            ))
        }
        "qemu" => "tcg",
        other => {
            return Err(unsupported(format!(
                "domain type '{other}' is not supported by the QEMU driver (use 'kvm' or 'qemu')"
            )))
        }
    };
    if def.os.os_type != "hvm" {
        return Err(unsupported(format!(
            "OS type '{}' is not supported by the QEMU driver (only 'hvm')",
            def.os.os_type
        )));
    }
    let arch = def.os.arch.as_deref().unwrap_or("x86_64");
    if !matches!(arch, "x86_64" | "i686") {
        return Err(unsupported(format!(
            "architecture '{arch}' is not supported by this driver (only x86_64 and i686)"
        )));
    }
    if def.bootloader.is_some() {
        return Err(unsupported(
            "a host bootloader is a Xen feature; use direct kernel boot (<kernel>) with QEMU",
        ));
    }
    let machine = def.os.machine.as_deref().unwrap_or("pc");
    let chipset = chipset(machine)?;

    b.push2(
        "-name",
        format!("guest={},debug-threads=on", escape_comma(&def.name)),
    );
    b.push("-S");
    let mut machine_opt = format!("{},usb=off,dump-guest-core=off", escape_comma(machine));
    let features = def.features.as_deref().unwrap_or(&[]);
    let has_feature = |n: &str| features.iter().any(|f| f.name == n);
    machine_opt.push_str(if has_feature("acpi") {
        ",acpi=on"
    } else {
        ",acpi=off"
    });
    if def.clock()?.is_some_and(|c| {
        c.timers
            .iter()
            .any(|t| t.name == "hpet" && t.present.as_deref() == Some("no"))
    }) {
        machine_opt.push_str(",hpet=off");
    }
    let sounds = def.devices.views::<Sound>()?;
    if sounds.iter().any(|s| s.model == "pcspk") {
        machine_opt.push_str(",pcspk-audiodev=audio1");
    }
    for (i, node) in pflash_nodes(def)?.iter().enumerate() {
        b.push2("-blockdev", node.storage.to_string());
        b.push2("-blockdev", node.format.to_string());
        machine_opt.push_str(&format!(",pflash{i}=libvirt-pflash{i}-format"));
    }
    b.push2("-machine", machine_opt);
    b.push2("-accel", accel);
    b.push2("-cpu", cpu_option(def, accel, arch)?);
    let modules = dimm::dimms(def)?;
    dimm::validate(def, None)?;
    b.push2("-m", memory_option(def, &modules));
    b.push2("-smp", smp_option(def)?);
    for (arg, value) in dimm::numa_args(def)? {
        b.push2(arg, value);
    }
    if let Some(u) = def.uuid {
        b.push2("-uuid", u.to_string());
    }
    b.push("-no-user-config");
    b.push("-nodefaults");
    match &ctx.monitor {
        MonitorSocket::Fd(fd) => b.push2(
            "-chardev",
            format!("socket,id=charmonitor,fd={fd},server=on,wait=off"),
        ),
        MonitorSocket::Path(p) => b.push2(
            "-chardev",
            format!(
                "socket,id=charmonitor,path={},server=on,wait=off",
                escape_comma(p)
            ),
        ),
    }
    b.push2("-mon", "chardev=charmonitor,id=monitor,mode=control");
    rtc_options(def, &mut b)?;
    b.push("-no-shutdown");
    // Reboot with on_reboot=destroy must not reset the guest: QEMU turns it
    // into a shutdown, which on_poweroff then handles.
    if matches!(
        def.on_reboot,
        Some(LifecycleAction::Destroy | LifecycleAction::Preserve)
    ) {
        b.push2("-action", "reboot=shutdown");
    }
    // A guest panic pauses the guest, so the driver sees GUEST_PANICKED and
    // applies on_crash itself.
    b.push2("-action", "panic=pause");
    boot_options(def, &mut b)?;
    let boot = BootIndices::of(def);
    // Devices.
    let mut usb_needed = false;
    let mut ctrl = Controllers::default();
    for c in def.devices.views::<Controller>()? {
        ctrl.read(&c, chipset)?;
    }
    for (i, disk) in def.devices.disks.iter().enumerate() {
        disk_options(
            disk,
            i,
            boot.disks.get(i).copied().flatten(),
            chipset,
            &mut ctrl,
            &mut b,
        )?;
    }
    ctrl.flush_into(&mut b);
    for (i, iface) in def.devices.interfaces.iter().enumerate() {
        interface_options(
            iface,
            i,
            ctx.tap_fds.get(i).copied().flatten(),
            boot.nics.get(i).copied().flatten(),
            chipset,
            &mut b,
        )?;
    }
    let graphics = graphics_options(&def.devices.graphics, &mut b)?;
    let mut video_done = false;
    let mut rngs = 0;
    let mut sound_cards = 0;
    for other in &def.devices.other {
        match other.name.as_str() {
            Controller::TAG => {}
            MemBalloon::TAG => match MemBalloon::from_element(other)?.model.as_str() {
                "none" => {}
                "virtio" => b.device(json!({"driver": "virtio-balloon-pci", "id": "balloon0"})),
                m => return Err(unsupported(format!("memballoon model '{m}'"))),
            },
            Video::TAG => {
                let video = Video::from_element(other)?;
                let driver = match video.model_type.as_deref().unwrap_or("vga") {
                    "vga" => "VGA",
                    "cirrus" => "cirrus-vga",
                    "virtio" => "virtio-vga",
                    "bochs" => "bochs-display",
                    "none" => continue,
                    m => return Err(unsupported(format!("video model '{m}'"))),
                };
                if !video_done {
                    b.device(json!({"driver": driver, "id": "video0"}));
                    video_done = true;
                }
            }
            Input::TAG => {
                let input = Input::from_element(other)?;
                match (
                    input.input_type.as_str(),
                    input.bus.as_deref().unwrap_or("ps2"),
                ) {
                    (_, "ps2") => {}
                    ("tablet", "usb") => {
                        usb_needed = true;
                        b.device(json!({"driver": "usb-tablet", "id": "input0", "bus": "usb.0"}));
                    }
                    ("mouse", "usb") => {
                        usb_needed = true;
                        b.device(json!({"driver": "usb-mouse", "id": "input0", "bus": "usb.0"}));
                    }
                    ("keyboard", "usb") => {
                        usb_needed = true;
                        b.device(json!({"driver": "usb-kbd", "id": "input0", "bus": "usb.0"}));
                    }
                    (t, bus) => {
                        return Err(unsupported(format!(
                            "input device type '{t}' on bus '{bus}'"
                        )))
                    }
                }
            }
            Sound::TAG => {
                // libvirt's alias: the card's place among the sound cards.
                let id = format!("sound{sound_cards}");
                sound_cards += 1;
                let driver = match Sound::from_element(other)?.model.as_str() {
                    "ac97" => "AC97",
                    "es1370" => "ES1370",
                    "sb16" => "sb16",
                    m @ ("ich6" | "ich9") => {
                        let hda = if m == "ich9" {
                            "ich9-intel-hda"
                        } else {
                            "intel-hda"
                        };
                        b.device(json!({"driver": hda, "id": id}));
                        b.device(json!({"driver": "hda-duplex", "id": format!("{id}-codec0"),
                            "bus": format!("{id}.0"), "cad": 0, "audiodev": "audio1"}));
                        continue;
                    }
                    "pcspk" => continue,
                    m => return Err(unsupported(format!("sound model '{m}'"))),
                };
                b.device(json!({"driver": driver, "id": id, "audiodev": "audio1"}));
            }
            Watchdog::TAG => {
                let watchdog = Watchdog::from_element(other)?;
                let driver = match watchdog.model.as_str() {
                    "ib700" => "ib700",
                    "i6300esb" => "i6300esb",
                    m => return Err(unsupported(format!("watchdog model '{m}'"))),
                };
                let action = match watchdog.action.as_deref().unwrap_or("reset") {
                    "reset" => "reset",
                    "shutdown" | "poweroff" => "poweroff",
                    "pause" => "pause",
                    "none" => "none",
                    "inject-nmi" => "inject-nmi",
                    a => return Err(unsupported(format!("watchdog action '{a}'"))),
                };
                b.device(json!({"driver": driver, "id": "watchdog0"}));
                b.push2("-action", format!("watchdog={action}"));
            }
            Panic::TAG => match Panic::from_element(other)?
                .model
                .as_deref()
                .unwrap_or("isa")
            {
                "isa" => b.device(json!({"driver": "pvpanic", "id": "panic0"})),
                m => return Err(unsupported(format!("panic model '{m}'"))),
            },
            Hostdev::TAG => {
                return Err(unsupported(
                    "host device assignment (<hostdev>) is not supported by this driver",
                ))
            }
            Rng::TAG => {
                rng_options(&Rng::from_element(other)?, rngs, &mut b)?;
                rngs += 1;
            }
            // The backend libvirt gives every guest: sound goes nowhere
            // (`-audiodev none` below, when a sound device needs it).
            Audio::TAG if Audio::from_element(other)?.audio_type.as_deref() == Some("none") => {}
            MemoryDevice::TAG => {
                let module = dimm::Dimm::from_element(other)?;
                b.push2("-object", module.backend().to_string());
                b.device(module.device());
            }
            Filesystem::TAG
            | Smartcard::TAG
            | Redirdev::TAG
            | Tpm::TAG
            | Shmem::TAG
            | Iommu::TAG
            | Vsock::TAG
            | Lease::TAG
            | Hub::TAG
            | Audio::TAG => {
                return Err(unsupported(format!(
                    "device <{}> is not supported by this driver",
                    other.name
                )))
            }
            _ => {}
        }
    }
    if graphics && !video_done {
        b.device(json!({"driver": "VGA", "id": "video0"}));
    }
    if !sounds.is_empty() {
        b.push2("-audiodev", "none,id=audio1");
    }
    chardev_options(&def.devices.chardevs, &mut b)?;
    pci::place(def, chipset, &mut b);
    if usb_needed && !ctrl.usb_model_set {
        return Err(unsupported("USB devices need a USB controller"));
    }
    extra_elements_check(def)?;
    if let Some(inc) = &ctx.incoming {
        b.push2("-incoming", inc.clone());
    }
    b.push2("-msg", "timestamp=on");
    Ok(CommandLine {
        program: ctx.emulator.clone(),
        args: b.args,
        env: b.env,
    })
}

struct Builder {
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl Builder {
    fn push(&mut self, a: &str) {
        self.args.push(a.to_string());
    }
    fn push2(&mut self, a: &str, v: impl Into<String>) {
        self.args.push(a.to_string());
        self.args.push(v.into());
    }
    fn device(&mut self, v: Value) {
        self.push2("-device", v.to_string());
    }
}

/// A virtio RNG (`<rng>`, the `n`th): its backend as an `-object` the
/// device feeds from, as libvirt writes them: a host file (`random`, the
/// default `/dev/urandom`) or QEMU's own generator (`builtin`), with the
/// `<rate>` limit on the device.
fn rng_options(rng: &Rng, n: usize, b: &mut Builder) -> QemuResult<()> {
    let driver = match rng.model.as_str() {
        "virtio" => "virtio-rng-pci",
        "virtio-transitional" | "virtio-non-transitional" => {
            return Err(unsupported(format!("rng model '{}'", rng.model)))
        }
        m => return Err(unsupported(format!("unknown rng model '{m}'"))),
    };
    let object = format!("objrng{n}");
    let backend = match rng.backend_model.as_deref().unwrap_or("random") {
        "random" => json!({
            "qom-type": "rng-random",
            "id": object,
            "filename": rng.backend_path.as_deref().unwrap_or("/dev/urandom"),
        }),
        "builtin" => json!({"qom-type": "rng-builtin", "id": object}),
        m => return Err(unsupported(format!("rng backend '{m}'"))),
    };
    b.push2("-object", backend.to_string());
    let mut device = json!({"driver": driver, "rng": object, "id": format!("rng{n}")});
    if let Some((bytes, period)) = rng.rate {
        // Bytes per period (QEMU's default period: a second).
        device["max-bytes"] = json!(bytes);
        if let Some(ms) = period {
            device["period"] = json!(ms);
        }
    }
    b.device(device);
    Ok(())
}

/// Top-level elements that change what the guest gets, and that this driver
/// cannot honour: refused rather than silently ignored.
fn extra_elements_check(def: &DomainDef) -> QemuResult<()> {
    for e in &def.extra {
        if view_of::<MemoryBacking>(e)?.is_some_and(|m| m.hugepages) {
            return Err(unsupported(
                "hugepage backing is not supported by this driver",
            ));
        }
        if let Some(tuning) = CgroupTuning::of(e) {
            return Err(unsupported(format!(
                "{tuning} needs cgroup support, which this driver does not have"
            )));
        }
    }
    Ok(())
}

fn cpu_option(def: &DomainDef, accel: &str, arch: &str) -> QemuResult<String> {
    let default_model = if arch == "i686" { "qemu32" } else { "qemu64" };
    let mut model = default_model.to_string();
    let mut flags: Vec<String> = Vec::new();
    if let Some(cpu) = def.cpu()? {
        match cpu.mode.as_deref().unwrap_or("custom") {
            // Whether the accelerator can pass the host's CPU through is
            // a start-time check (launch's `check_cpu_mode`), as in
            // libvirt: a definition may say it for a TCG guest.
            "host-passthrough" => model = "host".into(),
            "host-model" if accel == "kvm" => model = "host".into(),
            "host-model" | "maximum" => model = "max".into(),
            "custom" => {
                if let Some(m) = &cpu.model {
                    let t = m.name.trim();
                    if !t.is_empty() {
                        model = t.to_string();
                    }
                }
            }
            m => return Err(unsupported(format!("CPU mode '{m}'"))),
        }
        // QEMU's `host` and `max` CPUs take it as a property, given only
        // when the definition says it (QEMU's default is on).
        if let Some(m) = &cpu.migratable {
            if model == "host" || model == "max" {
                flags.push(format!("migratable={m}"));
            }
        }
        for f in &cpu.features {
            let name = &f.name;
            match f.policy.as_deref().unwrap_or("require") {
                "require" | "force" => flags.push(format!("+{name}")),
                "disable" | "forbid" => flags.push(format!("-{name}")),
                _ => {}
            }
        }
    }
    let features = def.features.as_deref().unwrap_or(&[]);
    if arch == "i686" && features.iter().any(|f| f.name == "pae") && model == "qemu32" {
        flags.push("+pae".into());
    }
    if let Some(clock) = def.clock()? {
        for t in &clock.timers {
            if t.name == "kvmclock" {
                match t.present.as_deref() {
                    Some("no") => flags.push("-kvmclock".into()),
                    Some("yes") => flags.push("+kvmclock".into()),
                    _ => {}
                }
            }
        }
    }
    let mut out = escape_comma(&model);
    for f in flags {
        out.push(',');
        out.push_str(&escape_comma(&f));
    }
    Ok(out)
}

fn memory_option(def: &DomainDef, modules: &[(usize, dimm::Dimm)]) -> String {
    // QEMU's RAM size is in MiB here; round up like libvirt, never give less.
    let mib = dimm::initial_memory(def, modules).div_ceil(1024).max(1);
    match def.max_memory {
        Some((max, slots)) if max > def.memory.min(dimm::initial_memory(def, modules)) => format!(
            "size={mib},slots={},maxmem={}M",
            slots.unwrap_or(16),
            max.div_ceil(1024)
        ),
        _ => mib.to_string(),
    }
}

/// `<cpu><topology sockets dies cores threads/>`, if given.
pub fn topology(def: &DomainDef) -> Option<(u32, u32, u32, u32)> {
    let t = def.cpu().ok()??.topology?;
    let n = |v: Option<u32>| v.unwrap_or(1);
    Some((n(t.sockets), n(t.dies), n(t.cores), n(t.threads)))
}

fn smp_option(def: &DomainDef) -> QemuResult<String> {
    let max = def.vcpu.max.max(1);
    let cur = def.vcpu.current.unwrap_or(max).min(max);
    let mut s = format!("{cur}");
    if cur != max {
        s.push_str(&format!(",maxcpus={max}"));
    }
    let (sockets, dies, cores, threads) = topology(def).unwrap_or((max, 1, 1, 1));
    if sockets
        .checked_mul(dies)
        .and_then(|x| x.checked_mul(cores))
        .and_then(|x| x.checked_mul(threads))
        != Some(max)
    {
        return Err(unsupported(format!(
            "CPU topology doesn't match maximum vcpu count ({sockets} sockets x {dies} dies x \
             {cores} cores x {threads} threads != {max})"
        )));
    }
    s.push_str(&format!(
        ",sockets={sockets},dies={dies},cores={cores},threads={threads}"
    ));
    Ok(s)
}

fn rtc_options(def: &DomainDef, b: &mut Builder) -> QemuResult<()> {
    let Some(clock) = def.clock()? else {
        b.push2("-rtc", "base=utc");
        return Ok(());
    };
    let mut rtc = match clock.offset.as_deref().unwrap_or("utc") {
        "utc" => "base=utc".to_string(),
        "localtime" => "base=localtime".to_string(),
        "timezone" => {
            let tz = clock.timezone.as_deref().unwrap_or("UTC");
            b.env.push(("TZ".into(), tz.to_string()));
            "base=localtime".to_string()
        }
        "variable" => {
            let adj: i64 = clock
                .adjustment
                .as_deref()
                .and_then(|a| a.parse().ok())
                .unwrap_or(0);
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            format!("base={}", format_utc(now.saturating_add(adj)))
        }
        o => return Err(unsupported(format!("clock offset '{o}'"))),
    };
    for t in &clock.timers {
        if t.name == "rtc" && t.tickpolicy.as_deref() == Some("catchup") {
            rtc.push_str(",driftfix=slew");
        }
    }
    b.push2("-rtc", rtc);
    Ok(())
}

/// `YYYY-MM-DDTHH:MM:SS` for seconds since the epoch (UTC).
fn format_utc(secs: i64) -> String {
    let t = virt_core::utc::UtcTime::from_epoch_secs(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// One flash device of the machine: the file's node and the raw format
/// node over it, which the machine's `pflashN` property names.
struct PflashNode {
    storage: serde_json::Value,
    format: serde_json::Value,
}

/// The machine's flash devices for a `<loader type='pflash'>`, as
/// libvirt's command line has them: pflash0 the firmware (read-only as
/// the loader says), pflash1 the guest's NVRAM, when it has one (the
/// driver makes it from its template before QEMU starts).
fn pflash_nodes(def: &DomainDef) -> QemuResult<Vec<PflashNode>> {
    let Some(loader) = def.os_loader()? else {
        return Ok(Vec::new());
    };
    if loader.loader_type.as_deref() != Some("pflash") {
        return Ok(Vec::new());
    }
    let acpi = def
        .features
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .any(|f| f.name == "acpi");
    if !acpi {
        return Err(unsupported("UEFI requires ACPI on this architecture"));
    }
    let Some(code) = loader.path.as_deref() else {
        return Err(unsupported("a pflash loader without a firmware path"));
    };
    let node = |i: usize, path: &str, read_only: bool| PflashNode {
        storage: json!({
            "driver": "file",
            "filename": path,
            "node-name": format!("libvirt-pflash{i}-storage"),
            "auto-read-only": true,
            "discard": "unmap",
        }),
        format: json!({
            "node-name": format!("libvirt-pflash{i}-format"),
            "read-only": read_only,
            "driver": "raw",
            "file": format!("libvirt-pflash{i}-storage"),
        }),
    };
    let mut nodes = vec![node(0, code, loader.readonly.as_deref() == Some("yes"))];
    if let Some(vars) = def.os_nvram()?.and_then(|n| n.path) {
        nodes.push(node(1, &vars, false));
    }
    Ok(nodes)
}

fn boot_options(def: &DomainDef, b: &mut Builder) -> QemuResult<()> {
    let pflash = def
        .os_loader()?
        .is_some_and(|l| l.loader_type.as_deref() == Some("pflash"));
    if let (Some(loader), false) = (&def.os.loader, pflash) {
        b.push2("-bios", loader.clone());
    }
    if let Some(k) = &def.os.kernel {
        b.push2("-kernel", k.clone());
        if let Some(i) = &def.os.initrd {
            b.push2("-initrd", i.clone());
        }
        if let Some(c) = &def.os.cmdline {
            b.push2("-append", c.clone());
        }
    }
    for dev in &def.os.boot {
        if !matches!(dev.as_str(), "hd" | "cdrom" | "fd" | "network") {
            return Err(unsupported(format!("boot device '{dev}'")));
        }
    }
    let mut opts = Vec::new();
    if def.os.kernel.is_none() && !BootIndices::of(def).is_empty() {
        // Only the devices given a boot index are tried.
        opts.push("strict=on".to_string());
    }
    // In the order the definition gives them.
    for e in &def.os.extra {
        if let Some(menu) = view_of::<BootMenu>(e)? {
            let on = menu.enable.as_deref() == Some("yes");
            opts.push(format!("menu={}", if on { "on" } else { "off" }));
            if let (true, Some(t)) = (on, menu.timeout) {
                opts.push(format!("splash-time={t}"));
            }
        } else if let Some(t) = view_of::<Bios>(e)?.and_then(|b| b.reboot_timeout) {
            opts.push(format!("reboot-timeout={t}"));
        }
    }
    if !opts.is_empty() {
        b.push2("-boot", opts.join(","));
    }
    Ok(())
}

/// Boot indices per disk and per NIC: `<boot order=N/>` on devices, or
/// else `<os><boot dev=.../>` giving the first device of each kind its
/// place (the PC firmware's legacy boot order holds only three devices).
struct BootIndices {
    disks: Vec<Option<u32>>,
    nics: Vec<Option<u32>>,
}

impl BootIndices {
    fn of(def: &DomainDef) -> BootIndices {
        let mut disks: Vec<Option<u32>> = def
            .devices
            .disks
            .iter()
            .map(|d| d.boot_order().ok().flatten())
            .collect();
        let mut nics: Vec<Option<u32>> = def
            .devices
            .interfaces
            .iter()
            .map(|i| i.boot_order().ok().flatten())
            .collect();
        let explicit = disks.iter().chain(nics.iter()).any(Option::is_some);
        if !explicit && def.os.kernel.is_none() {
            let mut next = 1;
            for dev in &def.os.boot {
                let kind = match dev.as_str() {
                    "hd" => "disk",
                    "cdrom" => "cdrom",
                    "fd" => "floppy",
                    _ => {
                        if let Some(slot) = nics.iter_mut().find(|s| s.is_none()) {
                            *slot = Some(next);
                            next += 1;
                        }
                        continue;
                    }
                };
                let pos = def.devices.disks.iter().position(|d| {
                    let dev = if d.device.is_empty() {
                        "disk"
                    } else {
                        d.device.as_str()
                    };
                    dev == kind
                });
                if let Some(slot) = pos.and_then(|p| disks.get_mut(p)) {
                    if slot.is_none() {
                        *slot = Some(next);
                        next += 1;
                    }
                }
            }
        }
        BootIndices { disks, nics }
    }

    fn is_empty(&self) -> bool {
        self.disks
            .iter()
            .chain(self.nics.iter())
            .all(Option::is_none)
    }
}

/// The controllers the disks sit on, added as the disks need them.
#[derive(Default)]
struct Controllers {
    usb_model_set: bool,
    ahci: Vec<String>,
    scsi: Vec<String>,
    fdc: bool,
    pending: Vec<Value>,
}

impl Controllers {
    fn read(&mut self, c: &Controller, chipset: Chipset) -> QemuResult<()> {
        let index = &c.index.unwrap_or(0).to_string();
        match c.controller_type.as_str() {
            "usb" => match c.model.as_deref() {
                Some("none") => {}
                None | Some("piix3-uhci") if chipset == Chipset::I440fx => {
                    self.usb_model_set = true;
                    self.pending.push(
                        json!({"driver": "piix3-usb-uhci", "id": format!("usb{}", suffix(index))}),
                    );
                }
                None | Some("qemu-xhci") | Some("nec-xhci") => {
                    self.usb_model_set = true;
                    self.pending.push(
                        json!({"driver": "qemu-xhci", "id": format!("usb{}", suffix(index))}),
                    );
                }
                Some(
                    m @ ("ich9-ehci1" | "ich9-uhci1" | "ich9-uhci2" | "ich9-uhci3" | "piix3-uhci"
                    | "piix4-uhci"),
                ) => {
                    self.usb_model_set = true;
                    let driver = match m {
                        "ich9-ehci1" => "ich9-usb-ehci1",
                        "ich9-uhci1" => "ich9-usb-uhci1",
                        "ich9-uhci2" => "ich9-usb-uhci2",
                        "ich9-uhci3" => "ich9-usb-uhci3",
                        "piix3-uhci" => "piix3-usb-uhci",
                        _ => "piix4-usb-uhci",
                    };
                    let id = format!("usb{}", suffix(index));
                    // A USB 1 companion (`<master startport>`) serves the
                    // USB 2 controller of its index: it joins that bus
                    // from the port given and has no bus of its own.
                    self.pending.push(match c.master_startport {
                        Some(port) => json!({
                            "driver": driver,
                            "masterbus": format!("{id}.0"),
                            "firstport": port,
                        }),
                        None => json!({"driver": driver, "id": id}),
                    });
                }
                Some(m) => return Err(unsupported(format!("USB controller model '{m}'"))),
            },
            "scsi" => match c.model.as_deref().unwrap_or("virtio-scsi") {
                "virtio-scsi" | "lsilogic" => {
                    let driver = if c.model.as_deref() == Some("lsilogic") {
                        "lsi53c895a"
                    } else {
                        "virtio-scsi-pci"
                    };
                    let id = format!("scsi{index}");
                    self.pending.push(json!({"driver": driver, "id": id}));
                    self.scsi.push(index.to_string());
                }
                m => return Err(unsupported(format!("SCSI controller model '{m}'"))),
            },
            "sata" if chipset == Chipset::I440fx => {
                let id = format!("sata{index}");
                self.pending.push(json!({"driver": "ahci", "id": id}));
                self.ahci.push(index.to_string());
            }
            "ide" if chipset == Chipset::Q35 => {
                return Err(unsupported(
                    "IDE controllers are unsupported for this QEMU binary or machine type",
                ))
            }
            "fdc" => self.fdc = true,
            "ide" | "sata" | "pci" | "virtio-serial" | "ccid" | "xenbus" | "isa" => {}
            t => return Err(unsupported(format!("controller type '{t}'"))),
        }
        Ok(())
    }

    fn flush_into(&mut self, b: &mut Builder) {
        // Controllers come before the devices that plug into them; QEMU
        // resolves `bus=` when a device is created.
        let devices = std::mem::take(&mut self.pending);
        let mut head: Vec<String> = Vec::new();
        for d in devices {
            head.push("-device".into());
            head.push(d.to_string());
        }
        let at = b
            .args
            .iter()
            .position(|a| a == "-blockdev" || a == "-device")
            .unwrap_or(b.args.len());
        b.args.splice(at..at, head);
    }
}

fn interface_options(
    iface: &Interface,
    i: usize,
    tap_fd: Option<i32>,
    bootindex: Option<u32>,
    chipset: Chipset,
    b: &mut Builder,
) -> QemuResult<()> {
    let id = format!("hostnet{i}");
    let source = iface.typed_source()?;
    let netdev = match iface.iface_type.as_str() {
        // A tap we made and plugged into the bridge, open in QEMU at fd N.
        "network" | "bridge" if tap_fd.is_some() => {
            format!("tap,id={id},fd={}", tap_fd.unwrap_or_default())
        }
        "user" => format!("user,id={id}"),
        "ethernet" => {
            let mut s = format!("tap,id={id},script=no,downscript=no");
            if let Some(t) = &iface.target_dev {
                s.push_str(&format!(",ifname={}", escape_comma(t)));
            }
            s
        }
        "bridge" => {
            let br = source
                .bridge
                .as_deref()
                .ok_or_else(|| unsupported("bridge interface without <source bridge='...'/>"))?;
            format!("bridge,id={id},br={}", escape_comma(br))
        }
        "mcast" | "server" | "client" | "udp" => {
            let addr = source.address.as_deref().unwrap_or("127.0.0.1");
            let port = source.port.as_deref().ok_or_else(|| {
                unsupported(format!("{} interface without a port", iface.iface_type))
            })?;
            let key = match iface.iface_type.as_str() {
                "mcast" => "mcast",
                "server" => "listen",
                "client" => "connect",
                _ => {
                    return Err(unsupported(
                        "interface type 'udp' is not supported by this driver",
                    ))
                }
            };
            if key == "mcast" && !is_multicast(addr) {
                return Err(unsupported(format!(
                    "multicast interface address '{addr}' is not a multicast address"
                )));
            }
            format!("socket,id={id},{key}={}:{port}", escape_comma(addr))
        }
        "network" => {
            // Name the network and say what works instead: the
            // bridge a libvirt network sits on can be named directly.
            let net = source.network.as_deref().unwrap_or("");
            return Err(unsupported(format!(
                "interface type 'network' (network '{net}') needs a virtual network \
                     driver, which virt-rs does not have yet; use <interface type='user'>, or \
                     <interface type='bridge'> with the network's bridge, e.g. \
                     <source bridge='virbr0'/>"
            )));
        }
        t => {
            return Err(unsupported(format!(
                "interface type '{t}' is not supported by this driver"
            )))
        }
    };
    if iface.script.is_some() && iface.iface_type == "ethernet" {
        log::warn!("interface script is not run by virt-rs; the tap device is left unconfigured");
    }
    b.push2("-netdev", netdev);
    let default_model = if chipset == Chipset::Q35 {
        "e1000e"
    } else {
        "rtl8139"
    };
    let driver = nic_device(iface.model.as_deref().unwrap_or(default_model))?;
    let mut dev = json!({"driver": driver, "netdev": id, "id": format!("net{i}")});
    if let Some(mac) = &iface.mac {
        dev["mac"] = json!(mac);
    }
    if let Some(order) = bootindex {
        dev["bootindex"] = json!(order);
    }
    b.device(dev);
    Ok(())
}

fn is_multicast(addr: &str) -> bool {
    addr.parse::<std::net::IpAddr>()
        .map(|a| a.is_multicast())
        .unwrap_or(false)
}

/// Returns true when some display device needs a video card.
fn graphics_options(graphics: &[Graphics], b: &mut Builder) -> QemuResult<bool> {
    if graphics.is_empty() {
        b.push2("-display", "none");
        return Ok(false);
    }
    let mut display_set = false;
    for g in graphics {
        let o = g.options()?;
        match g.graphics_type.as_str() {
            "vnc" => {
                let listen = g
                    .part::<Listen>()?
                    .and_then(|l| l.address)
                    .or_else(|| o.listen.clone())
                    .unwrap_or_else(|| "127.0.0.1".into());
                let mut v = if let Some(sock) = &o.socket {
                    format!("unix:{}", escape_comma(sock))
                } else {
                    let host = if listen.contains(':') {
                        format!("[{listen}]")
                    } else {
                        listen.to_string()
                    };
                    let auto = o.autoport.as_deref() != Some("no")
                        && o.port.as_deref().is_none_or(|p| p == "-1");
                    if auto {
                        format!("{host}:0,to=99")
                    } else {
                        let port: i64 = o
                            .port
                            .as_deref()
                            .and_then(|p| p.parse().ok())
                            .unwrap_or(5900);
                        if !(5900..=65535).contains(&port) {
                            return Err(unsupported(format!(
                                "VNC port {port} (must be 5900 or more)"
                            )));
                        }
                        format!("{host}:{}", port - 5900)
                    }
                };
                if o.passwd.is_some() {
                    v.push_str(",password=on");
                }
                if o.share_policy.is_some() {
                    return Err(unsupported("VNC share policy"));
                }
                b.push2("-vnc", v);
                if !display_set {
                    b.push2("-display", "none");
                    display_set = true;
                }
            }
            "sdl" => {
                if let Some(d) = &o.display {
                    b.env.push(("DISPLAY".into(), d.to_string()));
                }
                if let Some(x) = &o.xauth {
                    b.env.push(("XAUTHORITY".into(), x.to_string()));
                }
                let mut v = "sdl".to_string();
                if o.fullscreen.as_deref() == Some("yes") {
                    b.push("-full-screen");
                }
                if display_set {
                    return Err(unsupported("more than one local display"));
                }
                v.push_str(",gl=off");
                b.push2("-display", v);
                display_set = true;
            }
            t => return Err(unsupported(format!("graphics type '{t}'"))),
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(xml: &str) -> DomainDef {
        let mut d = virt_xml::parse_domain(xml).expect("valid XML");
        d.fill_defaults();
        d
    }

    fn ctx() -> LaunchContext {
        LaunchContext {
            emulator: "/usr/bin/qemu-system-x86_64".into(),
            monitor: MonitorSocket::Fd(3),
            kvm_usable: true,
            incoming: None,
            tap_fds: Vec::new(),
        }
    }

    const TINY: &str = "<domain type='kvm'><name>tiny,1</name>\
        <uuid>ed5d9f92-8944-449d-a749-b8c93eaa4782</uuid>\
        <memory unit='MiB'>64</memory><vcpu>1</vcpu>\
        <os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/></features>\
        <devices><serial type='pty'><target port='0'/></serial>\
        <console type='pty'><target type='serial' port='0'/></console>\
        <memballoon model='none'/></devices></domain>";

    fn after<'a>(cl: &'a CommandLine, opt: &str) -> Vec<&'a str> {
        cl.args
            .windows(2)
            .filter(|w| w[0] == opt)
            .map(|w| w[1].as_str())
            .collect()
    }

    #[test]
    fn tiny_guest_command_line() {
        let cl = build(&def(TINY), &ctx()).expect("argv");
        assert_eq!(after(&cl, "-name"), ["guest=tiny,,1,debug-threads=on"]);
        assert_eq!(
            after(&cl, "-machine"),
            ["q35,usb=off,dump-guest-core=off,acpi=on"]
        );
        assert_eq!(after(&cl, "-accel"), ["kvm"]);
        assert_eq!(after(&cl, "-cpu"), ["qemu64"]);
        assert_eq!(after(&cl, "-m"), ["64"]);
        assert_eq!(after(&cl, "-smp"), ["1,sockets=1,dies=1,cores=1,threads=1"]);
        assert_eq!(
            after(&cl, "-uuid"),
            ["ed5d9f92-8944-449d-a749-b8c93eaa4782"]
        );
        assert_eq!(after(&cl, "-display"), ["none"]);
        assert_eq!(
            after(&cl, "-chardev"),
            [
                "socket,id=charmonitor,fd=3,server=on,wait=off",
                "pty,id=charserial0"
            ]
        );
        // One serial port: the console is its alias.
        assert_eq!(after(&cl, "-device").len(), 1);
        for flag in ["-S", "-no-user-config", "-nodefaults", "-no-shutdown"] {
            assert!(cl.args.iter().any(|a| a == flag), "{flag}");
        }
    }

    #[test]
    fn host_passthrough_and_maximum_say_whether_they_migrate() {
        let with = |cpu: &str| {
            let xml = TINY.replace("<devices>", &format!("{cpu}<devices>"));
            let cl = build(&def(&xml), &ctx()).expect("argv");
            after(&cl, "-cpu").concat()
        };
        assert_eq!(
            with("<cpu mode='host-passthrough' migratable='on'/>"),
            "host,migratable=on"
        );
        assert_eq!(
            with("<cpu mode='maximum' migratable='off'/>"),
            "max,migratable=off"
        );
        // Unsaid, QEMU's own default holds.
        assert_eq!(with("<cpu mode='host-passthrough'/>"), "host");
    }

    #[test]
    fn usb2_controller_with_its_usb1_companions() {
        let ctrls = "<controller type='usb' model='ich9-ehci1'/>\
            <controller type='usb' model='ich9-uhci1'><master startport='0'/></controller>\
            <controller type='usb' model='ich9-uhci2'><master startport='2'/></controller>";
        let xml = TINY
            .replace("machine='q35'", "machine='pc'")
            .replace("<devices>", &format!("<devices>{ctrls}"));
        let cl = build(&def(&xml), &ctx()).expect("argv");
        let devices = after(&cl, "-device");
        assert_eq!(
            &devices[..3],
            [
                r#"{"driver":"ich9-usb-ehci1","id":"usb"}"#,
                r#"{"driver":"ich9-usb-uhci1","firstport":0,"masterbus":"usb.0"}"#,
                r#"{"driver":"ich9-usb-uhci2","firstport":2,"masterbus":"usb.0"}"#,
            ]
        );
    }

    #[test]
    fn rngs_feed_from_their_backends() {
        let rngs = "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>\
            <rng model='virtio'><rate bytes='1024'/><backend model='builtin'/></rng>";
        let xml = TINY.replace("<devices>", &format!("<devices>{rngs}"));
        let cl = build(&def(&xml), &ctx()).expect("argv");
        assert_eq!(
            after(&cl, "-object"),
            [
                r#"{"filename":"/dev/urandom","id":"objrng0","qom-type":"rng-random"}"#,
                r#"{"id":"objrng1","qom-type":"rng-builtin"}"#,
            ]
        );
        let devices = after(&cl, "-device");
        assert!(devices.contains(&r#"{"driver":"virtio-rng-pci","id":"rng0","rng":"objrng0"}"#));
        assert!(devices.contains(
            &r#"{"driver":"virtio-rng-pci","id":"rng1","max-bytes":1024,"rng":"objrng1"}"#
        ));
        let egd = TINY.replace(
            "<devices>",
            "<devices><rng model='virtio'><backend model='egd' type='pty'/></rng>",
        );
        let e = virt_core::Error::from(build(&def(&egd), &ctx()).expect_err("egd"));
        assert_eq!(e.code, virt_core::ErrorCode::ConfigUnsupported);
    }

    #[test]
    fn virtio_channels_are_ports_of_one_serial_bus() {
        let channel = "<channel type='unix'><source mode='bind' path='/run/c/ga'/>\
            <target type='virtio' name='org.qemu.guest_agent.0'/></channel>";
        let xml = TINY.replace("<devices>", &format!("<devices>{channel}"));
        let cl = build(&def(&xml), &ctx()).expect("argv");
        assert!(after(&cl, "-chardev")
            .contains(&"socket,id=charchannel0,path=/run/c/ga,server=on,wait=off"));
        let devices = after(&cl, "-device");
        assert!(devices.contains(&r#"{"driver":"virtio-serial-pci","id":"virtio-serial0"}"#));
        assert!(devices.contains(
            &r#"{"bus":"virtio-serial0.0","chardev":"charchannel0","driver":"virtserialport","id":"channel0","name":"org.qemu.guest_agent.0","nr":1}"#
        ));
        // A guestfwd channel needs user networking's forwarding: refused.
        let fwd = TINY.replace(
            "<devices>",
            "<devices><channel type='pty'><target type='guestfwd' address='10.0.2.1' port='4600'/></channel>",
        );
        let e = virt_core::Error::from(build(&def(&fwd), &ctx()).expect_err("guestfwd"));
        assert_eq!(e.code, virt_core::ErrorCode::ConfigUnsupported);
    }

    #[test]
    fn kvm_without_dev_kvm_is_refused() {
        let mut c = ctx();
        c.kvm_usable = false;
        let e = virt_core::Error::from(build(&def(TINY), &c).expect_err("no kvm"));
        assert_eq!(e.code, virt_core::ErrorCode::ConfigUnsupported);
        assert!(e.message.contains("Domain requires KVM"));
        let tcg = TINY.replace("type='kvm'", "type='qemu'");
        let cl = build(&def(&tcg), &c).expect("tcg works");
        assert_eq!(after(&cl, "-accel"), ["tcg"]);
    }

    #[test]
    fn topology_disks_and_nics() {
        let xml = "<domain type='qemu'><name>d</name><memory>219100</memory>\
            <vcpu current='2'>6</vcpu>\
            <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='cdrom'/><boot dev='hd'/>\
            <kernel>/k</kernel><initrd>/i</initrd><cmdline>console=ttyS0</cmdline></os>\
            <cpu><topology sockets='3' cores='2' threads='1'/></cpu>\
            <devices>\
            <disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/>\
            <source file='/a,b.img'/><target dev='hda' bus='ide'/></disk>\
            <disk type='file' device='cdrom'><source file='/c.iso'/><target dev='hdc' bus='ide'/><readonly/></disk>\
            <disk type='block' device='disk'><source dev='/dev/sdz'/><target dev='vda' bus='virtio'/></disk>\
            <interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/></interface>\
            <graphics type='vnc' port='5901' autoport='no' listen='127.0.0.1'/>\
            <memballoon model='virtio'/></devices></domain>";
        let cl = build(&def(xml), &ctx()).expect("argv");
        assert_eq!(after(&cl, "-m"), ["214"]);
        assert_eq!(
            after(&cl, "-smp"),
            ["2,maxcpus=6,sockets=3,dies=1,cores=2,threads=1"]
        );
        assert_eq!(after(&cl, "-kernel"), ["/k"]);
        assert_eq!(after(&cl, "-append"), ["console=ttyS0"]);
        assert!(after(&cl, "-boot").is_empty(), "kernel boot: no order");
        let blockdevs: Vec<Value> = after(&cl, "-blockdev")
            .iter()
            .map(|s| serde_json::from_str(s).expect("json"))
            .collect();
        assert_eq!(blockdevs[0]["filename"], "/a,b.img");
        assert_eq!(blockdevs[0]["cache"]["direct"], true);
        assert_eq!(blockdevs[1]["driver"], "qcow2");
        assert_eq!(blockdevs[2]["read-only"], true);
        assert_eq!(blockdevs[4]["driver"], "host_device");
        let devices: Vec<Value> = after(&cl, "-device")
            .iter()
            .map(|s| serde_json::from_str(s).expect("json"))
            .collect();
        assert_eq!(devices[0]["driver"], "ide-hd");
        assert_eq!(devices[0]["bus"], "ide.0");
        assert_eq!(devices[1]["driver"], "ide-cd");
        assert_eq!(devices[1]["bus"], "ide.1");
        assert_eq!(devices[2]["driver"], "virtio-blk-pci");
        assert_eq!(devices[3]["driver"], "virtio-net-pci");
        assert_eq!(devices[3]["mac"], "52:54:00:00:00:01");
        assert_eq!(after(&cl, "-netdev"), ["user,id=hostnet0"]);
        assert_eq!(after(&cl, "-vnc"), ["127.0.0.1:1"]);
        assert!(devices.iter().any(|d| d["driver"] == "VGA"));
        assert!(devices.iter().any(|d| d["driver"] == "virtio-balloon-pci"));
    }

    #[test]
    fn unsupported_constructs_are_config_unsupported() {
        for (bad, needle) in [
            (
                TINY.replace("<memballoon model='none'/>", "<interface type='network'><source network='default'/></interface>"),
                "interface type 'network' (network 'default') needs a virtual network driver",
            ),
            (
                TINY.replace(
                    "<memballoon model='none'/>",
                    "<disk type='network' device='disk'><source protocol='nbd' name='x'><host name='h' port='1'/></source><target dev='vda' bus='virtio'/></disk>",
                ),
                "disk type 'network'",
            ),
            (TINY.replace("<vcpu>1</vcpu>", "<vcpu>3</vcpu><cpu><topology sockets='2' cores='1' threads='1'/></cpu>"), "topology"),
            (TINY.replace("type='kvm'", "type='xen'"), "domain type 'xen'"),
            (TINY.replace("<memballoon model='none'/>", "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='0' slot='1' function='0'/></source></hostdev>"), "hostdev"),
            (TINY.replace("<memballoon model='none'/>", "<lease><lockspace>s</lockspace><key>k</key><target path='/l'/></lease>"), "device <lease> is not supported"),
            (TINY.replace("<memballoon model='none'/>", "<vsock model='virtio'><cid auto='yes'/></vsock>"), "device <vsock> is not supported"),
            (TINY.replace("<vcpu>1</vcpu>", "<vcpu>1</vcpu><memtune><hard_limit>1048576</hard_limit></memtune>"), "<memtune> needs cgroup support"),
            (TINY.replace("<vcpu>1</vcpu>", "<vcpu>1</vcpu><cputune><vcpupin vcpu='0' cpuset='0'/><shares>2048</shares></cputune>"), "<cputune><shares> needs cgroup support"),
        ] {
            let e = virt_core::Error::from(build(&def(&bad), &ctx()).expect_err(needle));
            assert_eq!(e.code, virt_core::ErrorCode::ConfigUnsupported, "{needle}");
            assert!(e.message.contains(needle), "{} lacks {needle}", e.message);
        }
    }

    #[test]
    fn cputune_of_pins_alone_needs_no_cgroups() {
        let xml = TINY.replace(
            "<vcpu>1</vcpu>",
            "<vcpu>1</vcpu><cputune><vcpupin vcpu='0' cpuset='0'/><emulatorpin cpuset='0'/></cputune>",
        );
        assert!(build(&def(&xml), &ctx()).is_ok());
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00");
        assert_eq!(format_utc(1_700_000_000), "2023-11-14T22:13:20");
    }
}
