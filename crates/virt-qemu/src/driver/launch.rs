//! Starting QEMU for a definition: checks, the command line, the monitor
//! handshake, pinning, and clean failure (nothing left behind, QEMU's log
//! tail in the error).

use super::tap;
use super::*;
use virt_xml::{CharSource, CharTarget};

/// The QEMU driver's CPU defaults, as libvirt's QEMU driver fills them at
/// define time: x86_64's host-passthrough CPU is migratable unless said
/// otherwise (QEMU's own default, written down; libvirt knows the property
/// on x86_64 only), and the check the driver
/// makes of the guest CPU against the host's follows the mode: none for
/// host-passthrough and maximum (the host's CPU as it is), partial for
/// host-model and named models (none under TCG, which emulates them).
fn cpu_post_parse(def: &mut DomainDef) -> QemuResult<()> {
    let Some(mut cpu) = def.cpu()? else {
        return Ok(());
    };
    let mode = cpu.mode.clone().unwrap_or_else(|| "custom".into());
    // A `<cpu>` giving only a topology names no CPU to check.
    if mode == "custom" && cpu.model.is_none() {
        return Ok(());
    }
    let arch = def
        .os
        .arch
        .clone()
        .unwrap_or_else(|| virt_xml::capabilities::host_arch().to_string());
    if mode == "host-passthrough" && cpu.migratable.is_none() && arch == "x86_64" {
        cpu.migratable = Some("on".into());
    }
    if cpu.check.is_none() {
        cpu.check = Some(
            match mode.as_str() {
                "host-passthrough" | "maximum" => "none",
                "custom" if def.domain_type == "qemu" => "none",
                _ => "partial",
            }
            .into(),
        );
    }
    def.set_cpu(&cpu);
    Ok(())
}

/// Refuse, at start, a CPU mode the guest's accelerator cannot run, in
/// libvirt's words: the host's CPU passes through only to a KVM guest of
/// the host's own architecture. libvirt defines such a guest and refuses
/// it here (qemuProcessUpdateGuestCPU), so virt-xml's `--cpu
/// host-passthrough` edit of a TCG guest is kept.
fn check_cpu_mode(def: &DomainDef) -> QemuResult<()> {
    let Some(cpu) = def.cpu()? else {
        return Ok(());
    };
    let host = virt_xml::capabilities::host_arch();
    let arch = def.os.arch.as_deref().unwrap_or(host);
    let native = arch == host || (host == "x86_64" && arch == "i686");
    if cpu.mode.as_deref() == Some("host-passthrough") && (def.domain_type != "kvm" || !native) {
        return Err(QemuError::Unsupported(format!(
            "CPU mode 'host-passthrough' for {arch} {} domain on {host} host is not supported by hypervisor",
            def.domain_type
        )));
    }
    Ok(())
}

/// Give each virtio channel on a unix socket QEMU listens on, whose
/// definition names no path (virt-install's guest agent channel), one in
/// `dir`, named after the channel, as libvirt does in its channel folder;
/// the live definition shows it. True when there was one.
pub(super) fn channel_paths(def: &mut DomainDef, dir: &Path) -> QemuResult<bool> {
    let mut any = false;
    for c in &mut def.devices.chardevs {
        if c.kind != "channel" || c.dev_type.as_deref() != Some("unix") {
            continue;
        }
        let target = c.part::<CharTarget>()?.unwrap_or_default();
        let mut source = c.part::<CharSource>()?.unwrap_or_default();
        // Without a source at all the socket is QEMU's to listen on, as
        // libvirt settles it.
        if source.path.is_none() && source.mode.is_none() {
            source.mode = Some("bind".into());
        }
        let (Some("virtio"), Some(target_name), None, Some("bind")) = (
            target.target_type.as_deref(),
            target.name.as_deref(),
            source.path.as_deref(),
            source.mode.as_deref(),
        ) else {
            continue;
        };
        if target_name.contains('/') || target_name.starts_with('.') {
            return Err(QemuError::InvalidArg(format!(
                "channel name '{target_name}' cannot name a socket file"
            )));
        }
        source.path = Some(dir.join(target_name).to_string_lossy().into_owned());
        c.set_part(Some(&source));
        any = true;
    }
    Ok(any)
}

/// Why a guest starts: its STARTED event's detail depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StartCause {
    /// Started (or created) by a user: booted.
    Boot,
    /// Started by a snapshot revert (libvirt's `from snapshot`).
    Snapshot,
}

impl QemuDriver {
    /// Start a new domain from its XML (create, restore), its name and
    /// UUID checked against the known domains under the driver lock.
    /// `flags` are `virDomainCreateXML`'s (`PAUSED`, `RESET_NVRAM`).
    pub(super) fn create(
        &self,
        xml: &str,
        flags: u32,
        restore: Option<(File, bool)>,
    ) -> QemuResult<DomainRef> {
        let mut def = self.prepare(xml)?;
        let _g = self.driver_lock()?;
        self.check_identity(&def, false)?;
        let _l = self.domain_lock(&def.name)?;
        self.launch_next(&mut def, flags, restore, StartCause::Boot)
    }

    /// Launch `def` (the caller holds its lock) with the next free id; its
    /// handle.
    fn launch_next(
        &self,
        def: &mut DomainDef,
        flags: u32,
        restore: Option<(File, bool)>,
        cause: StartCause,
    ) -> QemuResult<DomainRef> {
        let id = state::next_id(&self.paths)?;
        self.launch(def, id, flags, restore, cause)?;
        Ok(DomainRef {
            name: def.name.clone(),
            uuid: def.uuid.unwrap_or_default(),
            id: Some(id),
        })
    }

    /// Give a new definition what the driver needs: UUID, MAC addresses,
    /// libvirt's defaults.
    pub(super) fn prepare(&self, xml: &str) -> QemuResult<DomainDef> {
        let mut def = virt_xml::parse_domain(xml)?;
        if def.name.contains('/') || def.name.starts_with('.') {
            return Err(QemuError::InvalidArg(format!(
                "name '{}' cannot contain '/' or start with '.'",
                def.name
            )));
        }
        // libvirt's QEMU defaults come before the implicit controllers
        // of the disks (fill_defaults), as in libvirt's post-parse.
        let caps = self.emulator_caps(&def);
        crate::postparse::apply(&mut def, caps.as_ref())?;
        def.fill_defaults();
        cpu_post_parse(&mut def)?;
        argv::dimm::assign_slots(&mut def, false)?;
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
    pub(super) fn check_identity(&self, def: &DomainDef, allow_active: bool) -> QemuResult<bool> {
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
    pub(super) fn launch(
        &self,
        def: &mut DomainDef,
        id: u32,
        flags: u32,
        restore: Option<(File, bool)>,
        cause: StartCause,
    ) -> QemuResult<Runtime> {
        let paused = flags & start_flags::PAUSED != 0;
        self.prepare_nvram(def, flags & start_flags::RESET_NVRAM != 0)?;
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
        // Taps are made before QEMU starts and held until it has them:
        // QEMU's copy keeps them alive, ours close when this returns.
        let taps = tap::open_taps(def, self.system)?;
        // The live definition names each tap, as libvirt's does: domifstat
        // and the interface statistics find the device by it.
        for (iface, t) in def.devices.interfaces.iter_mut().zip(&taps) {
            if let Some(t) = t {
                iface.target_dev = Some(t.name.clone());
            }
        }
        let ctx = LaunchContext {
            emulator,
            monitor: MonitorSocket::Fd(process::MONITOR_FD),
            kvm_usable,
            incoming: restore.as_ref().map(|_| "defer".to_string()),
            tap_fds: tap::tap_fd_numbers(&taps),
        };
        let channels = self.paths.channel_dir(&name);
        let _ = std::fs::remove_dir_all(&channels);
        if channel_paths(def, &channels)? {
            std::fs::create_dir_all(&channels).map_err(|e| {
                QemuError::system(format!("cannot create '{}'", channels.display()), e)
            })?;
        }
        check_cpu_mode(def)?;
        argv::dimm::assign_slots(def, true)?;
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
                monitor: Some(listener.as_fd()),
                log: &log,
                cpuset,
                fds: taps
                    .iter()
                    .zip(&ctx.tap_fds)
                    .filter_map(|(t, n)| Some((t.as_ref()?.fd.as_fd(), (*n)?)))
                    .collect(),
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
        let restore_started = restore.is_some();
        let rt = Runtime {
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
            balloon: def
                .devices
                .views::<MemBalloon>()
                .is_ok_and(|b| b.iter().any(|b| b.model != "none")),
            fake_reboot: false,
        };
        let result = match &proc {
            Some(_) => self.bring_up(def, &rt, paused, restore),
            None => Err(QemuError::Protocol("QEMU exited at once".into())),
        };
        match result {
            Ok(mon) => {
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
                self.watch(&name, &rt, mon);
                let started = if restore_started {
                    lifecycle_detail::started::RESTORED
                } else if cause == StartCause::Snapshot {
                    lifecycle_detail::started::FROM_SNAPSHOT
                } else {
                    lifecycle_detail::started::BOOTED
                };
                self.publish_lifecycle(&name, Some(id), LifecycleEvent::Started, started);
                // A revert tells of its own pause (SUSPENDED from snapshot)
                // once the guest is in the snapshot's state.
                if paused && cause == StartCause::Boot {
                    self.publish_lifecycle(
                        &name,
                        Some(id),
                        LifecycleEvent::Suspended,
                        lifecycle_detail::suspended::PAUSED,
                    );
                }
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

    pub(super) fn cleanup_failed(&self, name: &str, sock: &Path) {
        state::remove_quiet(sock);
        let _ = std::fs::remove_dir_all(self.paths.channel_dir(name));
        state::remove_quiet(&self.paths.runtime(name));
        state::remove_quiet(&self.paths.live_xml(name));
    }

    /// The monitor work of a start: handshake, pty paths, pinning,
    /// incoming migration, `cont`. The session stays open for the
    /// daemon's watch.
    pub(super) fn bring_up(
        &self,
        def: &mut DomainDef,
        rt: &Runtime,
        paused: bool,
        restore: Option<(File, bool)>,
    ) -> QemuResult<MonitorSession> {
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
        if def
            .devices
            .graphics
            .iter()
            .any(|g| g.graphics_type == "vnc")
        {
            let vnc = mon.execute("query-vnc", None)?;
            record_vnc_port(def, &vnc);
        }
        if let Some(period) = balloon(def).and_then(|(_, b)| b.stats_period) {
            // As libvirt: the guest's statistics polling is set once QEMU
            // runs (a QOM property, not one of the device's options).
            set_stats_period(&mut mon, period)?;
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
        if let Some(emu) = emulator_pin(def) {
            set_affinity(rt.pid, &online_cpus_in(&emu)?)?;
        }
        let mut run = !paused;
        if let Some((file, was_running)) = restore {
            run = run && was_running;
            self.incoming(&mut mon, def, file)?;
        }
        if run {
            mon.execute("cont", None)?;
        }
        Ok(MonitorSession::Own(mon))
    }

    /// Start the defined guest `name` (`virDomainCreateWithFlags`).
    pub(super) fn start_existing(&self, name: &str, flags: u32) -> QemuResult<DomainRef> {
        self.start_existing_for(name, flags, StartCause::Boot)
    }

    /// Start the defined guest `name` for `cause`: its STARTED event's
    /// detail (booted, or from snapshot when a revert starts it).
    pub(super) fn start_existing_for(
        &self,
        name: &str,
        flags: u32,
        cause: StartCause,
    ) -> QemuResult<DomainRef> {
        let _g = self.driver_lock()?;
        let _l = self.domain_lock(name)?;
        if self.observe(name)?.live.is_some() {
            return Err(QemuError::AlreadyRunning);
        }
        let mut def = self
            .config_def(name)
            .ok_or_else(|| QemuError::NoDomainName(name.to_string()))?;
        def.fill_defaults();
        self.launch_next(&mut def, flags, None, cause)
    }

    /// Start a transient guest again on `def` (a snapshot revert stopped
    /// it; `def` is the snapshot's record of it), with `flags` of
    /// `virDomainCreateWithFlags`.
    pub(super) fn start_transient_for(
        &self,
        mut def: DomainDef,
        flags: u32,
        cause: StartCause,
    ) -> QemuResult<DomainRef> {
        let _g = self.driver_lock()?;
        self.check_identity(&def, false)?;
        let _l = self.domain_lock(&def.name)?;
        def.fill_defaults();
        self.launch_next(&mut def, flags, None, cause)
    }
}

#[cfg(test)]
mod tests {
    use super::cpu_post_parse;

    /// `<cpu>` as the driver keeps it after define.
    fn cpu_after_define(domain_type: &str, arch: &str, cpu: &str) -> String {
        let xml = format!(
            "<domain type='{domain_type}'><name>c</name><memory>65536</memory>\
             <os><type arch='{arch}'>hvm</type></os>{cpu}</domain>"
        );
        let mut def = virt_xml::parse_domain(&xml).expect("valid XML");
        cpu_post_parse(&mut def).expect("post-parse");
        let out = def.to_xml(&virt_xml::FormatOptions::default());
        out.lines()
            .map(str::trim)
            .skip_while(|l| !l.starts_with("<cpu"))
            .take_while(|l| !l.starts_with("<clock") && !l.starts_with("<on_"))
            .collect::<Vec<_>>()
            .join("")
    }

    #[test]
    fn cpu_check_and_migratable_as_libvirt_fills_them() {
        let kvm = |cpu: &str| cpu_after_define("kvm", "x86_64", cpu);
        assert_eq!(
            kvm("<cpu mode='host-passthrough'/>"),
            "<cpu mode='host-passthrough' check='none' migratable='on'/>"
        );
        // What is said stays.
        assert_eq!(
            kvm("<cpu mode='host-passthrough' check='full' migratable='off'/>"),
            "<cpu mode='host-passthrough' check='full' migratable='off'/>"
        );
        assert_eq!(
            kvm("<cpu mode='maximum'/>"),
            "<cpu mode='maximum' check='none'/>"
        );
        assert_eq!(
            kvm("<cpu mode='host-model'/>"),
            "<cpu mode='host-model' check='partial'/>"
        );
        let named = kvm("<cpu mode='custom'><model>qemu64</model></cpu>");
        assert!(named.contains(" check='partial'"), "{named}");
        let tcg = cpu_after_define("qemu", "x86_64", "<cpu><model>qemu64</model></cpu>");
        assert!(tcg.contains(" check='none'"), "{tcg}");
        // A topology alone names no CPU to check; i686 has no migratable.
        let topology = kvm("<cpu><topology sockets='1' cores='1' threads='1'/></cpu>");
        assert!(!topology.contains("check="), "{topology}");
        assert_eq!(
            cpu_after_define("kvm", "i686", "<cpu mode='host-passthrough'/>"),
            "<cpu mode='host-passthrough' check='none'/>"
        );
    }
}
