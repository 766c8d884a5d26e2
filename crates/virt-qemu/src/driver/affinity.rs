//! vCPU and emulator affinity: `<cputune>` pins, cpusets of the node, and
//! the scheduler calls that apply them to QEMU's threads.

use super::*;

impl QemuDriver {
    /// The CPUs each vCPU of the definition `flags` point at may run on:
    /// its `<vcpupin>`, else the `<vcpu cpuset>`, else every CPU.
    pub(super) fn pin_info(&self, dom: &DomainRef, flags: u32) -> QemuResult<Vec<CpuMap>> {
        let name = self.resolve(dom)?;
        let active = self.paths.runtime(&name).exists();
        let affect::Defs { live, .. } = self.affected(&name, flags, active)?;
        let ncpus = virt_host::cpu_count();
        let def = self.def(&name, live)?;
        let map_of = |cpus: &[u32]| {
            let mut m = CpuMap::new(ncpus);
            for &c in cpus {
                m.set(c);
            }
            m
        };
        let pins = vcpu_pins(&def);
        let base = match &def.vcpu.cpuset {
            Some(s) => map_of(&online_cpus_in(s)?),
            None => CpuMap::all(ncpus),
        };
        Ok((0..def.vcpu.max)
            .map(|v| match pins.iter().find(|(i, _)| *i == v) {
                Some((_, cpus)) => map_of(cpus),
                None => base.clone(),
            })
            .collect())
    }

    /// Pin `vcpu` to the node's CPUs of `map` in the definitions `flags`
    /// point at, and its thread when the guest runs.
    pub(super) fn pin_vcpu(
        &self,
        dom: &DomainRef,
        vcpu: u32,
        map: &CpuMap,
        flags: u32,
    ) -> QemuResult<()> {
        let (d, affect::Defs { live, config }) = self.open_affected(dom, flags)?;
        let on_node = map.within(virt_host::cpu_count());
        let cpus: Vec<u32> = on_node.cpus().collect();
        if cpus.is_empty() {
            return Err(QemuError::InvalidArg("Empty cpu list for pinning".into()));
        }
        let cpuset = on_node.to_string();
        if live {
            let rt = d.runtime()?;
            let mut mon = Self::monitor_session(rt)?;
            let threads = vcpu_threads(&mut mon)?;
            let Some((_, tid)) = threads.iter().find(|(i, _)| *i == vcpu) else {
                return Err(QemuError::InvalidArg(format!(
                    "vcpu {vcpu} is out of range of live cpu count {}",
                    threads.len()
                )));
            };
            set_affinity(*tid, &cpus)?;
            let mut def = self.def(&d.name, true)?;
            set_vcpu_pin(&mut def, vcpu, &cpuset);
            self.store_live(&def, rt.id)?;
        }
        if config {
            let mut def = self.def(&d.name, false)?;
            if vcpu >= def.vcpu.max {
                return Err(QemuError::InvalidArg(format!(
                    "vcpu {vcpu} is out of range of persistent cpu count {}",
                    def.vcpu.max
                )));
            }
            set_vcpu_pin(&mut def, vcpu, &cpuset);
            self.store_config(&def)?;
        }
        Ok(())
    }
}

/// The CPUs of a cpuset string that are online on this node.
pub(super) fn online_cpus_in(cpuset: &str) -> QemuResult<Vec<u32>> {
    let n = virt_host::cpu_count();
    let map = CpuMap::parse_list(cpuset, 4096)
        .ok_or_else(|| QemuError::InvalidArg(format!("failed to parse CPU set '{cpuset}'")))?;
    let cpus: Vec<u32> = map.cpus().filter(|&c| c < n).collect();
    if cpus.is_empty() {
        return Err(QemuError::InvalidArg(format!(
            "CPU set '{cpuset}' has no CPU of this node (0-{})",
            n.saturating_sub(1)
        )));
    }
    Ok(cpus)
}

pub(super) fn set_affinity(tid: i32, cpus: &[u32]) -> QemuResult<()> {
    rustix::thread::sched_setaffinity(
        rustix::process::Pid::from_raw(tid),
        &process::cpu_set_of(cpus),
    )
    .map_err(|e| QemuError::system(format!("cannot set CPU affinity of thread {tid}"), e.into()))
}

/// The CPUs thread `tid` may run on; all of them when that cannot be read.
pub(super) fn get_affinity(tid: i32, ncpus: u32) -> CpuMap {
    let Ok(set) = rustix::thread::sched_getaffinity(rustix::process::Pid::from_raw(tid)) else {
        return CpuMap::all(ncpus);
    };
    let mut m = CpuMap::new(ncpus);
    for c in (0..ncpus).filter(|&c| set.is_set(c as usize)) {
        m.set(c);
    }
    m
}

/// `(vcpu index, host thread id)` of each vCPU.
pub(super) fn vcpu_threads(mon: &mut Monitor<UnixStream>) -> QemuResult<Vec<(u32, i32)>> {
    let cpus = mon.execute("query-cpus-fast", None)?;
    Ok(cpus
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| {
                    Some((
                        u32::try_from(c.get("cpu-index")?.as_u64()?).ok()?,
                        i32::try_from(c.get("thread-id")?.as_i64()?).ok()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// The vCPU pins of a definition: (vCPU, the node's CPUs of its cpuset).
pub(super) fn vcpu_pins(def: &DomainDef) -> Vec<(u32, Vec<u32>)> {
    let Ok(Some(tune)) = def.cputune() else {
        return Vec::new();
    };
    tune.vcpupins
        .iter()
        .filter_map(|p| Some((p.vcpu, online_cpus_in(&p.cpuset).ok()?)))
        .collect()
}

/// The CPUs of the definition's emulator pin, if it has one.
pub(super) fn emulator_pin(def: &DomainDef) -> Option<String> {
    def.cputune().ok().flatten()?.emulatorpin
}

/// Pin `vcpu` to `cpuset` in a definition.
pub(super) fn set_vcpu_pin(def: &mut DomainDef, vcpu: u32, cpuset: &str) {
    let mut tune = def.cputune().ok().flatten().unwrap_or_default();
    tune.pin_vcpu(vcpu, cpuset);
    def.set_cputune(&tune);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpusets_and_pins() {
        let m = CpuMap::parse_list("0-3,5", 8).expect("list");
        assert_eq!(m.to_string(), "0-3,5");
        let mut def = DomainDef::default();
        set_vcpu_pin(&mut def, 1, "0");
        set_vcpu_pin(&mut def, 1, "0-1");
        let tune = def.cputune().expect("valid").expect("cputune");
        assert_eq!(tune.vcpupins.len(), 1);
        assert_eq!(tune.vcpupins[0].cpuset, "0-1");
        assert!(online_cpus_in("0").is_ok());
        assert!(online_cpus_in("4000").is_err());
    }
}
