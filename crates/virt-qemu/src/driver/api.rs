//! The `virt_core::Driver` table of the QEMU driver: each method checks its
//! flags and hands the work to the module that owns it.

use super::*;

impl Driver for QemuDriver {
    fn type_name(&self) -> &str {
        "QEMU"
    }

    fn close(&self) -> Result<()> {
        Ok(())
    }

    fn event_buses(&self) -> Vec<EventBus> {
        vec![self.bus.clone()]
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
        if let Some(root) = &self.embed_root {
            return Ok(format!("qemu:///embed?root={}", root.display()));
        }
        Ok(if self.system {
            "qemu:///system".into()
        } else {
            "qemu:///session".into()
        })
    }

    fn max_vcpus(&self, _guest_type: Option<&str>) -> Result<u32> {
        Ok(255)
    }

    fn capabilities(&self) -> Result<String> {
        Ok(self.capabilities_xml())
    }

    fn domain_capabilities(
        &self,
        emulatorbin: Option<&str>,
        arch: Option<&str>,
        machine: Option<&str>,
        virttype: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        check_flags(flags, 0, "qemuConnectGetDomainCapabilities")?;
        let req = crate::domcaps::Request {
            emulatorbin,
            arch,
            machine,
            virttype,
        };
        Ok(crate::domcaps::domain_capabilities(
            &req,
            &self.caps_cache_dir(),
        )?)
    }

    fn node_info(&self) -> Result<NodeInfo> {
        Ok(virt_host::node_info())
    }

    fn node_cells_free_memory(&self, start: u32, max: u32) -> Result<Vec<u64>> {
        Ok(node::cells_free_memory(start, max)?)
    }

    fn node_free_memory(&self) -> Result<u64> {
        Ok(virt_host::free_memory())
    }

    fn node_memory_stats(
        &self,
        nparams: i32,
        cell: i32,
        flags: u32,
    ) -> Result<(Vec<NodeMemoryStat>, i32)> {
        node::memory_stats(nparams, cell, flags)
    }

    fn node_cpu_map(&self) -> Result<(u32, CpuMap)> {
        Ok(virt_host::cpu_map())
    }

    fn node_security_model(&self) -> Result<SecurityModel> {
        Ok(node::security_model())
    }

    virt_core::delegate! {
        domain_block_stats => block_stats,
        domain_interface_stats => interface_stats,
        domain_memory_stats => memory_stats,
        domain_get_job_info => job_info,
    }

    fn domain_get_job_stats(&self, dom: &DomainRef, flags: u32) -> Result<DomainJobStats> {
        check_flags(flags, 1 | 2, "qemuDomainGetJobStats")?;
        Ok(self.job_stats(dom, flags)?)
    }

    virt_core::delegate! {
        domain_abort_job => abort_job,
        domain_get_block_info => block_info,
        domain_get_cpu_stats => cpu_stats,
        domain_set_memory_stats_period => set_memory_stats_period,
    }

    fn domain_get_security_label(&self, dom: &DomainRef) -> Result<SecurityLabel> {
        // The `none` model labels nothing: every domain's label is empty.
        self.resolve(dom)?;
        Ok(SecurityLabel::default())
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

    virt_core::delegate! {
        get_all_domain_stats => all_domain_stats,
    }

    fn domain_create_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        check_flags(
            flags,
            start_flags::PAUSED | start_flags::VALIDATE | start_flags::RESET_NVRAM,
            "qemuDomainCreateXML",
        )?;
        Ok(self.create(xml, flags & !start_flags::VALIDATE, None)?)
    }

    fn domain_define_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        check_flags(flags, define_flags::VALIDATE, "qemuDomainDefineXMLFlags")?;
        let mut def = self.prepare(xml)?;
        self.nvram_default_path(&mut def)?;
        // Refuse at define time what could never start here.
        let ctx = LaunchContext {
            emulator: DEFAULT_EMULATOR.into(),
            monitor: MonitorSocket::Fd(process::MONITOR_FD),
            kvm_usable: true,
            incoming: None,
            tap_fds: Vec::new(),
        };
        // As it would start: with the paths the driver gives channels.
        let mut started = def.clone();
        launch::channel_paths(&mut started, &self.paths.channel_dir(&def.name))?;
        argv::build(&started, &ctx)?;
        let _g = self.driver_lock()?;
        let existed = self.check_identity(&def, true)? && self.paths.config_xml(&def.name).exists();
        let _l = self.domain_lock(&def.name)?;
        self.store_config(&def)?;
        let id = Runtime::load(&self.paths, &def.name).map(|r| r.id);
        self.publish_lifecycle(
            &def.name,
            id,
            LifecycleEvent::Defined,
            if existed {
                lifecycle_detail::defined::UPDATED
            } else {
                lifecycle_detail::defined::ADDED
            },
        );
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
        // MANAGED_SAVE (1), SNAPSHOTS_METADATA (2), NVRAM (4), KEEP_NVRAM (8).
        check_flags(flags, 1 | 2 | 4 | 8, "qemuDomainUndefineFlags")?;
        let name = self.resolve(dom)?;
        let _g = self.driver_lock()?;
        let _l = self.domain_lock(&name)?;
        if !self.paths.config_xml(&name).exists() {
            return Err(QemuError::Invalid("cannot undefine transient domain".into()).into());
        }
        let image = self.paths.managed_save(&name);
        if image.exists() {
            if flags & virt_core::undefine_snapshot_flags::MANAGED_SAVE == 0 {
                return Err(QemuError::Invalid(
                    "Refusing to undefine while domain managed save image exists".into(),
                )
                .into());
            }
            std::fs::remove_file(&image).map_err(|e| {
                QemuError::system(
                    format!(
                        "Failed to remove domain managed save image '{}'",
                        image.display()
                    ),
                    e,
                )
            })?;
        }
        let snapshots = self.snapshot_count(&name);
        if snapshots > 0 && !self.paths.runtime(&name).exists() {
            if flags & virt_core::undefine_snapshot_flags::SNAPSHOTS_METADATA == 0 {
                return Err(QemuError::Invalid(format!(
                    "cannot delete inactive domain with {snapshots} snapshots"
                ))
                .into());
            }
            self.snapshot_forget_all(&name);
        }
        // A UEFI store goes only when asked, stays when asked, and
        // otherwise keeps the definition (libvirt's rule).
        let nvram = self
            .config_def(&name)
            .and_then(|d| d.os_nvram().ok().flatten())
            .and_then(|n| n.path)
            .filter(|p| Path::new(p).exists());
        if let Some(path) = nvram {
            if flags & virt_core::undefine_snapshot_flags::NVRAM != 0 {
                std::fs::remove_file(&path)
                    .map_err(|e| QemuError::system(format!("failed to remove nvram: {path}"), e))?;
            } else if flags & virt_core::undefine_snapshot_flags::KEEP_NVRAM == 0 {
                return Err(QemuError::Invalid("cannot undefine domain with nvram".into()).into());
            }
        }
        // Named while its definition is still there.
        let id = Runtime::load(&self.paths, &name).map(|r| r.id);
        let gone = self.dom_ref(&name, id).ok();
        state::remove_quiet(&self.paths.autostart(&name));
        state::remove_quiet(&self.paths.config_xml(&name));
        state::remove_quiet(&self.paths.shutoff(&name));
        if let Some(dom) = gone {
            self.bus.publish(Event::lifecycle(
                dom,
                LifecycleEvent::Undefined,
                lifecycle_detail::undefined::REMOVED,
            ));
        }
        Ok(())
    }

    fn domain_create(&self, dom: &DomainRef, flags: u32) -> Result<DomainRef> {
        check_flags(
            flags,
            start_flags::PAUSED
                | start_flags::BYPASS_CACHE
                | start_flags::FORCE_BOOT
                | start_flags::RESET_NVRAM,
            "qemuDomainCreateWithFlags",
        )?;
        let name = self.resolve(dom)?;
        Ok(self.start_or_resume_saved(&name, flags)?)
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
        self.cleanup(
            &name,
            &rt,
            reason::SHUTOFF_DESTROYED,
            lifecycle_detail::stopped::DESTROYED,
        );
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
                self.publish_lifecycle(
                    name,
                    Some(rt.id),
                    LifecycleEvent::Suspended,
                    lifecycle_detail::suspended::PAUSED,
                );
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
                self.publish_lifecycle(
                    name,
                    Some(rt.id),
                    LifecycleEvent::Resumed,
                    lifecycle_detail::resumed::UNPAUSED,
                );
            }
            Ok(())
        })
    }

    fn domain_save(&self, dom: &DomainRef, path: &str, flags: u32) -> Result<()> {
        // BYPASS_CACHE (1), RUNNING (2), PAUSED (4).
        check_flags(flags, 1 | 2 | 4, "qemuDomainSaveFlags")?;
        Ok(self.save(dom, path, flags)?)
    }

    fn domain_managed_save(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        // BYPASS_CACHE (1), RUNNING (2), PAUSED (4).
        check_flags(flags, 1 | 2 | 4, "qemuDomainManagedSave")?;
        Ok(self.managed_save(dom, flags)?)
    }

    fn domain_managed_save_remove(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        check_flags(flags, 0, "qemuDomainManagedSaveRemove")?;
        let name = self.resolve(dom)?;
        let _l = self.domain_lock(&name)?;
        let image = self.paths.managed_save(&name);
        match std::fs::remove_file(&image) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(QemuError::system(
                format!("Failed to remove managed save file '{}'", image.display()),
                e,
            )
            .into()),
            _ => Ok(()),
        }
    }

    fn domain_restore(&self, path: &str, flags: u32) -> Result<DomainRef> {
        check_flags(
            flags,
            1 | 2 | 4 | virt_core::save_flags::RESET_NVRAM,
            "qemuDomainRestoreFlags",
        )?;
        Ok(self.restore(path, flags)?)
    }

    fn domain_core_dump(&self, dom: &DomainRef, path: &str, flags: u32) -> Result<()> {
        use virt_core::dump_flags::{BYPASS_CACHE, CRASH, LIVE, MEMORY_ONLY, RESET};
        check_flags(
            flags,
            CRASH | LIVE | BYPASS_CACHE | RESET | MEMORY_ONLY,
            "qemuDomainCoreDumpWithFormat",
        )?;
        self.core_dump(dom, path, flags)
    }

    fn domain_get_info(&self, dom: &DomainRef) -> Result<DomainInfo> {
        let d = self.open_domain(dom)?;
        let live = d.obs.live.as_ref().map(|(rt, _)| rt);
        let def = self.def(&d.name, live.is_some())?;
        let mut info = DomainInfo {
            state: d.obs.state,
            max_mem: def.memory,
            memory: def.current_memory.unwrap_or(def.memory),
            nr_virt_cpu: def.vcpu.current.unwrap_or(def.vcpu.max),
            cpu_time: 0,
        };
        if let Some(rt) = live {
            if rt.balloon {
                let mut mon = Self::monitor_session(rt)?;
                if let Ok(b) = mon.execute("query-balloon", None) {
                    if let Some(a) = b.get("actual").and_then(Value::as_u64) {
                        info.memory = a / 1024;
                    }
                }
                if let Ok(t) = vcpu_threads(&mut mon) {
                    info.nr_virt_cpu = t.len() as u32;
                }
            }
            info.cpu_time = process::cpu_usage(rt.pid, None).map(|c| c.0).unwrap_or(0);
        }
        Ok(info)
    }

    fn domain_get_state(&self, dom: &DomainRef, flags: u32) -> Result<(DomainState, i32)> {
        check_flags(flags, 0, "qemuDomainGetState")?;
        // A running job answers for the domain it holds.
        let name = self.resolve(dom)?;
        let _lock = match self.lock_unless_job(&name)? {
            job::Held::ByJob(job) => return Ok(job.state()),
            job::Held::Locked(lock) => lock,
        };
        let obs = self.observe(&name)?;
        Ok((obs.state, obs.reason))
    }

    fn domain_get_os_type(&self, dom: &DomainRef) -> Result<String> {
        Ok(self.current_def(dom)?.os.os_type)
    }

    fn domain_get_max_memory(&self, dom: &DomainRef) -> Result<u64> {
        Ok(self.current_def(dom)?.memory)
    }

    fn domain_set_memory_flags(&self, dom: &DomainRef, kib: u64, flags: u32) -> Result<()> {
        check_flags(
            flags,
            affect::LIVE | affect::CONFIG | affect::MAXIMUM,
            "qemuDomainSetMemoryFlags",
        )?;
        Ok(self.set_memory(dom, kib, flags)?)
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
        Ok(self.set_vcpus(dom, nvcpus, flags)?)
    }

    fn domain_get_vcpus_flags(&self, dom: &DomainRef, flags: u32) -> Result<u32> {
        check_flags(
            flags,
            affect::LIVE | affect::CONFIG | affect::MAXIMUM,
            "qemuDomainGetVcpusFlags",
        )?;
        Ok(self.vcpu_count(dom, flags)?)
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
        Ok(self.pin_info(dom, flags)?)
    }

    fn domain_pin_vcpu(&self, dom: &DomainRef, vcpu: u32, map: &CpuMap, flags: u32) -> Result<()> {
        check_flags(
            flags,
            affect::LIVE | affect::CONFIG,
            "qemuDomainPinVcpuFlags",
        )?;
        Ok(self.pin_vcpu(dom, vcpu, map, flags)?)
    }

    fn domain_get_autostart(&self, dom: &DomainRef) -> Result<bool> {
        let name = self.resolve(dom)?;
        Ok(self.paths.autostart(&name).exists())
    }

    fn domain_set_autostart(&self, dom: &DomainRef, autostart: bool) -> Result<()> {
        let name = self.resolve(dom)?;
        let _l = self.domain_lock(&name)?;
        Ok(self.mark_autostart(&name, autostart)?)
    }

    fn domain_is_active(&self, dom: &DomainRef) -> Result<bool> {
        Ok(self.open_domain(dom)?.obs.live.is_some())
    }

    fn domain_is_persistent(&self, dom: &DomainRef) -> Result<bool> {
        let name = self.resolve(dom)?;
        Ok(self.paths.config_xml(&name).exists())
    }

    virt_core::delegate! {
        domain_attach_device => attach_device,
        domain_detach_device => detach_device,
        domain_update_device => update_device,
        domain_open_console => open_console,
        domain_screenshot => screenshot,
    }

    fn domain_has_managed_save(&self, dom: &DomainRef, flags: u32) -> Result<bool> {
        check_flags(flags, 0, "qemuDomainHasManagedSaveImage")?;
        let name = self.resolve(dom)?;
        Ok(self.paths.managed_save(&name).exists())
    }

    virt_core::delegate! {
        domain_snapshot_create_xml => snapshot_create,
    }

    fn domain_snapshot_get_xml_desc(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<String> {
        check_flags(flags, xml_flags::SECURE, "qemuDomainSnapshotGetXMLDesc")?;
        let def = self.snapshot_get(snap)?;
        let uuid = snap.domain.uuid.to_string();
        Ok(def.to_xml(
            Some(&uuid),
            virt_xml::snapshot::SnapshotFormat {
                secure: flags & xml_flags::SECURE != 0,
                ..Default::default()
            },
        ))
    }

    virt_core::snapshot_listing_methods!("qemu", snapshot_names);

    fn domain_snapshot_lookup_by_name(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        check_flags(flags, 0, "qemuDomainSnapshotLookupByName")?;
        let r = DomainSnapshotRef {
            domain: dom.clone(),
            name: name.to_string(),
        };
        self.snapshot_get(&r)?;
        Ok(r)
    }

    fn domain_has_current_snapshot(&self, dom: &DomainRef, flags: u32) -> Result<bool> {
        check_flags(flags, 0, "qemuDomainHasCurrentSnapshot")?;
        Ok(self.snapshot_current_name(dom)?.is_some())
    }

    fn domain_snapshot_current(&self, dom: &DomainRef, flags: u32) -> Result<DomainSnapshotRef> {
        check_flags(flags, 0, "qemuDomainSnapshotCurrent")?;
        let name = self.snapshot_current_name(dom)?.ok_or_else(|| {
            QemuError::NoSnapshot("the domain does not have a current snapshot".into())
        })?;
        Ok(DomainSnapshotRef {
            domain: dom.clone(),
            name,
        })
    }

    fn domain_snapshot_get_parent(
        &self,
        snap: &DomainSnapshotRef,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        check_flags(flags, 0, "qemuDomainSnapshotGetParent")?;
        let def = self.snapshot_get(snap)?;
        let parent = def.parent.ok_or_else(|| {
            QemuError::NoSnapshot(format!("snapshot '{}' does not have a parent", snap.name))
        })?;
        Ok(DomainSnapshotRef {
            domain: snap.domain.clone(),
            name: parent,
        })
    }

    fn domain_snapshot_is_current(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<bool> {
        check_flags(flags, 0, "qemuDomainSnapshotIsCurrent")?;
        self.snapshot_get(snap)?;
        Ok(self.snapshot_current_name(&snap.domain)?.as_deref() == Some(snap.name.as_str()))
    }

    fn domain_snapshot_has_metadata(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<bool> {
        check_flags(flags, 0, "qemuDomainSnapshotHasMetadata")?;
        self.snapshot_get(snap)?;
        Ok(true)
    }

    virt_core::delegate! {
        domain_revert_to_snapshot => snapshot_revert,
        domain_snapshot_delete => snapshot_delete,
    }
}
