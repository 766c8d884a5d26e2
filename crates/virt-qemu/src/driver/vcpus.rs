//! vCPU counts: hot-plugging vCPUs into a running guest, asking it to
//! release them (and waiting until it has), and the counts of the
//! definitions.

use super::*;

impl QemuDriver {
    /// Set the vCPU count (with MAXIMUM the maximum, persistent only) of
    /// the definitions `flags` point at, plugging or unplugging vCPUs of a
    /// running guest.
    pub(super) fn set_vcpus(&self, dom: &DomainRef, nvcpus: u32, flags: u32) -> QemuResult<()> {
        if nvcpus == 0 {
            return Err(QemuError::InvalidArg(
                "argument unsupported: nvcpus must be positive".into(),
            ));
        }
        let (d, affect::Defs { live, config }) = self.open_affected(dom, flags)?;
        if flags & affect::MAXIMUM != 0 && live {
            return Err(QemuError::Invalid(
                "cannot change the maximum vcpu count of an active domain".into(),
            ));
        }
        if live {
            let rt = d.runtime()?;
            let mut def = self.def(&d.name, true)?;
            if nvcpus > def.vcpu.max {
                return Err(QemuError::InvalidArg(format!(
                    "requested vcpus is greater than max allowable vcpus for the live domain: {nvcpus} > {}",
                    def.vcpu.max
                )));
            }
            let mut mon = Self::monitor_session(rt)?;
            let present = vcpu_threads(&mut mon)?.len() as u32;
            if nvcpus < present {
                unplug_vcpus(&mut mon, (present - nvcpus) as usize)?;
            }
            if nvcpus > present {
                plug_vcpus(&mut mon, present, nvcpus - present)?;
            }
            def.vcpu.current = (nvcpus != def.vcpu.max).then_some(nvcpus);
            self.store_live(&def, rt.id)?;
        }
        if config {
            let mut def = self.def(&d.name, false)?;
            if flags & affect::MAXIMUM != 0 {
                let cur = def.vcpu.current.unwrap_or(def.vcpu.max).min(nvcpus);
                def.vcpu.max = nvcpus;
                def.vcpu.current = (cur != nvcpus).then_some(cur);
            } else {
                if nvcpus > def.vcpu.max {
                    return Err(QemuError::InvalidArg(format!(
                        "requested vcpus is greater than max allowable vcpus for the persistent domain: {nvcpus} > {}",
                        def.vcpu.max
                    )));
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
                    tap_fds: Vec::new(),
                },
            )?;
            self.store_config(&def)?;
        }
        Ok(())
    }

    /// The vCPU count (with MAXIMUM the maximum) of the definition `flags`
    /// point at; of a running guest, the vCPUs QEMU has.
    pub(super) fn vcpu_count(&self, dom: &DomainRef, flags: u32) -> QemuResult<u32> {
        let (d, affect::Defs { live, .. }) = self.open_affected(dom, flags & !affect::MAXIMUM)?;
        let def = self.def(&d.name, live)?;
        if flags & affect::MAXIMUM != 0 {
            return Ok(def.vcpu.max);
        }
        if let (true, Some((rt, _))) = (live, &d.obs.live) {
            let mut mon = Self::monitor_session(rt)?;
            return Ok(vcpu_threads(&mut mon)?.len() as u32);
        }
        Ok(def.vcpu.current.unwrap_or(def.vcpu.max))
    }
}

/// Plug `count` vCPUs into the free hot-pluggable slots, naming them
/// `vcpuN` from `present` on.
fn plug_vcpus(mon: &mut Monitor<UnixStream>, present: u32, count: u32) -> QemuResult<()> {
    let slots = mon.execute("query-hotpluggable-cpus", None)?;
    let mut free: Vec<&Value> = slots
        .as_array()
        .map(|a| a.iter().filter(|s| s.get("qom-path").is_none()).collect())
        .unwrap_or_default();
    // QEMU lists slots from the last; plug them in order.
    free.reverse();
    for (k, slot) in free.iter().take(count as usize).enumerate() {
        let mut dev = slot.get("props").cloned().unwrap_or(json!({}));
        dev["driver"] = slot.get("type").cloned().unwrap_or(Value::Null);
        dev["id"] = json!(format!("vcpu{}", present as usize + k));
        mon.execute("device_add", Some(dev))?;
    }
    Ok(())
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
