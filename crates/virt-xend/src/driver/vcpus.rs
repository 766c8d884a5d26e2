//! Virtual CPUs: counts, live information, pinning.

use super::*;

/// The pinning map as xend wanted it: "[0,2,3]".
pub fn cpumap_string(map: &CpuMap) -> Option<String> {
    let cpus: Vec<String> = map.cpus().map(|c| c.to_string()).collect();
    if cpus.is_empty() {
        return None;
    }
    Some(format!("[{}]", cpus.join(",")))
}

impl XendDriver {
    /// Change the vCPU count (LIVE, CONFIG or MAXIMUM).
    pub(super) fn set_vcpus(&self, dom: &DomainRef, nvcpus: u32, flags: u32) -> Result<()> {
        self.may_change(
            flags,
            affect::LIVE | affect::CONFIG | affect::MAXIMUM,
            "xenUnifiedDomainSetVcpusFlags",
            "virDomainSetVcpus",
        )?;
        if nvcpus == 0 {
            return Err(XendError::InvalidArg("vcpus must be at least 1".into()).into());
        }
        let desc = self.describe(dom)?;
        let active = is_active(&desc);
        if flags & affect::LIVE != 0 && !active {
            return Err(XendError::OperationInvalid("domain not running".into()).into());
        }
        if flags & affect::MAXIMUM != 0 && active {
            return Err(XendError::OperationInvalid(
                "cannot change the maximum vcpus of a running domain".into(),
            )
            .into());
        }
        let max = u32::try_from(desc.node_int("domain/vcpus")).unwrap_or(0);
        if flags & affect::MAXIMUM == 0 && nvcpus > max {
            return Err(XendError::InvalidArg(format!(
                "requested vcpus is greater than max allowable vcpus for the domain: {nvcpus} > {max}"
            ))
            .into());
        }
        let n = nvcpus.to_string();
        self.op(
            "virDomainSetVcpus",
            &dom.name,
            &[("op", "set_vcpus"), ("vcpus", &n)],
        )?;
        Ok(())
    }

    /// The current or (MAXIMUM) the maximum vCPU count.
    pub(super) fn vcpu_count(&self, dom: &DomainRef, flags: u32) -> Result<u32> {
        Error::check_flags(
            ErrorDomain::Xen,
            flags,
            affect::LIVE | affect::CONFIG | affect::MAXIMUM,
            "xenUnifiedDomainGetVcpusFlags",
        )?;
        let desc = self.describe(dom)?;
        let max = u32::try_from(desc.node_int("domain/vcpus")).unwrap_or(0);
        if flags & affect::MAXIMUM != 0 {
            return Ok(max);
        }
        let avail = u64::try_from(desc.node_int("domain/vcpu_avail")).unwrap_or(0);
        Ok(if avail == 0 {
            max
        } else {
            avail.count_ones().min(max)
        })
    }

    /// Each vCPU's state, CPU time, CPU and affinity.
    pub(super) fn vcpu_info(&self, dom: &DomainRef) -> Result<Vec<VcpuInfo>> {
        self.running(dom)?;
        let ncpus = self.node_info()?.cpus.max(1);
        let root = self.get_sexpr(&format!("/xend/domain/{}?op=vcpuinfo", dom.name))?;
        let mut out = Vec::new();
        for v in root.items().iter().filter(|v| v.key() == Some("vcpu")) {
            let online = v.node_int("vcpu/online") != 0;
            let state = if !online {
                VcpuState::Offline
            } else if v.node_int("vcpu/blocked") != 0 {
                VcpuState::Blocked
            } else if v.node_int("vcpu/running") != 0 {
                VcpuState::Running
            } else {
                VcpuState::Offline
            };
            let mut affinity = CpuMap::new(ncpus);
            if let Some(map) = v.lookup("vcpu/cpumap").and_then(|m| m.rest().first()) {
                for c in map.items().iter().filter_map(Sexpr::as_atom) {
                    if let Ok(c) = u32::try_from(c_atol(c)) {
                        if c < ncpus {
                            affinity.set(c);
                        }
                    }
                }
            }
            out.push(VcpuInfo {
                number: u32::try_from(v.node_int("vcpu/number")).unwrap_or(0),
                state,
                cpu_time: seconds_to_ns(v.node("vcpu/cpu_time")),
                cpu: if online {
                    i32::try_from(v.node_int("vcpu/cpu")).unwrap_or(-1)
                } else {
                    -1
                },
                affinity,
            });
        }
        Ok(out)
    }

    /// Pin a running domain's vCPU to the CPUs of `map`.
    pub(super) fn pin_vcpu(
        &self,
        dom: &DomainRef,
        vcpu: u32,
        map: &CpuMap,
        flags: u32,
    ) -> Result<()> {
        self.may_change(
            flags,
            affect::LIVE,
            "xenUnifiedDomainPinVcpuFlags",
            "virDomainPinVcpu",
        )?;
        let Some(cpumap) = cpumap_string(map) else {
            return Err(XendError::InvalidArg("empty CPU map".into()).into());
        };
        let desc = self.running(dom)?;
        let max = u32::try_from(desc.node_int("domain/vcpus")).unwrap_or(0);
        if vcpu >= max {
            return Err(XendError::InvalidArg(format!(
                "vcpu {vcpu} is out of range (the domain has {max})"
            ))
            .into());
        }
        let v = vcpu.to_string();
        self.op(
            "virDomainPinVcpu",
            &dom.name,
            &[("op", "pincpu"), ("vcpu", &v), ("cpumap", &cpumap)],
        )?;
        Ok(())
    }
}
