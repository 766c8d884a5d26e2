//! A domain's vCPUs as libvirt's test driver keeps them: their count
//! (`virDomainSetVcpusFlags`, live, in the persistent definition, or its
//! maximum), their state and times, and their pinning.

use crate::domains::vcpus_of;
use crate::driver::{TestConnection, MAX_VCPUS};
use crate::error::{check_flags, TestError};
use virt_core::{affect, CpuMap, DomainRef, Result, VcpuInfo, VcpuState};
use virt_xml::DomainDef;

impl TestConnection {
    /// `virDomainSetVcpusFlags`.
    pub(crate) fn set_vcpus_flags(&self, dom: &DomainRef, nvcpus: u32, flags: u32) -> Result<()> {
        if nvcpus == 0 {
            return Err(TestError::ApiArg(
                "nvcpus in virDomainSetVcpusFlags must not be zero".into(),
            )
            .into());
        }
        if flags & affect::MAXIMUM != 0 && flags & affect::CONFIG == 0 {
            return Err(TestError::ApiArg(
                "Flag 'VIR_DOMAIN_AFFECT_CONFIG' is required by flag 'VIR_DOMAIN_VCPU_MAXIMUM'"
                    .into(),
            )
            .into());
        }
        check_flags(
            flags,
            affect::LIVE | affect::CONFIG | affect::MAXIMUM,
            "testDomainSetVcpusFlags",
        )?;
        if nvcpus > MAX_VCPUS {
            return Err(TestError::InvalidArg(format!(
                "requested cpu amount exceeds maximum supported amount ({nvcpus} > {MAX_VCPUS})"
            ))
            .into());
        }
        self.with_dom_mut(dom, |obj| {
            let affect::Defs { live, config } =
                affect::defs(flags, obj.is_active(), obj.persistent)?;
            let too_many = |max: u32| {
                TestError::InvalidArg(format!(
                    "requested cpu amount exceeds maximum ({nvcpus} > {max})"
                ))
            };
            if live && obj.def.vcpu.max < nvcpus {
                return Err(too_many(obj.def.vcpu.max));
            }
            let maximum = flags & affect::MAXIMUM != 0;
            if config && !maximum {
                let max = obj.config().map_or(0, |c| c.vcpu.max);
                if max < nvcpus {
                    return Err(too_many(max));
                }
            }
            if live {
                set_vcpus(&mut obj.def, nvcpus);
                obj.pins.truncate(nvcpus as usize);
            }
            if config {
                if let Some(c) = obj.config_mut() {
                    if maximum {
                        // New vCPUs come offline; fewer clip the online ones.
                        let online = vcpus_of(c);
                        c.vcpu.max = nvcpus;
                        c.vcpu.current = (online < nvcpus).then_some(online);
                    } else {
                        set_vcpus(c, nvcpus);
                    }
                }
            }
            Ok(())
        })
    }

    /// `virDomainGetVcpusFlags`.
    pub(crate) fn get_vcpus_flags(&self, dom: &DomainRef, flags: u32) -> Result<u32> {
        if flags & affect::LIVE != 0 && flags & affect::CONFIG != 0 {
            return Err(TestError::ApiArg(
                "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive"
                    .into(),
            )
            .into());
        }
        check_flags(
            flags,
            affect::LIVE | affect::CONFIG | affect::MAXIMUM,
            "testDomainGetVcpusFlags",
        )?;
        self.with_dom(dom, |obj| {
            let affect::Defs { live, .. } = affect::defs(flags, obj.is_active(), obj.persistent)?;
            let def = if live {
                &obj.def
            } else {
                obj.config().unwrap_or(&obj.def)
            };
            Ok(if flags & affect::MAXIMUM != 0 {
                def.vcpu.max
            } else {
                vcpus_of(def)
            })
        })
    }

    /// `virDomainGetVcpus`.
    pub(crate) fn get_vcpus(&self, dom: &DomainRef) -> Result<Vec<VcpuInfo>> {
        let ncpus = self.node.max_cpus();
        self.with_dom(dom, |obj| {
            if !obj.is_active() {
                return Err(TestError::Invalid(
                    "cannot list vcpus for an inactive domain".into(),
                ));
            }
            let n = obj.vcpus();
            let default_map = obj
                .def
                .vcpu
                .cpuset
                .as_deref()
                .and_then(|s| CpuMap::parse_list(s, ncpus))
                .unwrap_or_else(|| CpuMap::all(ncpus));
            let per_vcpu = obj.cpu_time() / u64::from(n.max(1));
            Ok((0..n)
                .map(|i| {
                    let affinity = obj
                        .pins
                        .get(i as usize)
                        .and_then(Option::as_ref)
                        .cloned()
                        .unwrap_or_else(|| default_map.clone());
                    let cpu = affinity.cpus().last().map_or(-1, |c| c as i32);
                    VcpuInfo {
                        number: i,
                        state: VcpuState::Running,
                        cpu_time: per_vcpu,
                        cpu,
                        affinity,
                    }
                })
                .collect())
        })
    }

    /// `virDomainGetVcpuPinInfo`.
    pub(crate) fn get_vcpu_pin_info(&self, dom: &DomainRef, flags: u32) -> Result<Vec<CpuMap>> {
        check_flags(
            flags,
            affect::LIVE | affect::CONFIG,
            "testDomainGetVcpuPinInfo",
        )?;
        let ncpus = self.node.max_cpus();
        self.with_dom(dom, |obj| {
            if flags & affect::LIVE != 0 && !obj.is_active() {
                return Err(TestError::Invalid("domain is not running".into()));
            }
            let def = if flags & affect::CONFIG != 0 {
                obj.config().unwrap_or(&obj.def)
            } else {
                &obj.def
            };
            let default_map = def
                .vcpu
                .cpuset
                .as_deref()
                .and_then(|s| CpuMap::parse_list(s, ncpus))
                .unwrap_or_else(|| CpuMap::all(ncpus));
            let live = obj.is_active() && flags & affect::CONFIG == 0;
            Ok((0..def.vcpu.max)
                .map(|i| {
                    let pinned = if live {
                        obj.pins.get(i as usize).and_then(Option::as_ref)
                    } else {
                        None
                    };
                    pinned.cloned().unwrap_or_else(|| default_map.clone())
                })
                .collect())
        })
    }

    /// `virDomainPinVcpuFlags`.
    pub(crate) fn pin_vcpu(
        &self,
        dom: &DomainRef,
        vcpu: u32,
        map: &CpuMap,
        flags: u32,
    ) -> Result<()> {
        // libvirt's test driver pins the running domain's vCPUs and takes
        // no flags to say so.
        check_flags(flags, 0, "testDomainPinVcpuFlags")?;
        let ncpus = self.node.max_cpus();
        self.with_dom_mut(dom, |obj| {
            if !obj.is_active() {
                return Err(TestError::Invalid(
                    "cannot pin vcpus on an inactive domain".into(),
                ));
            }
            if vcpu >= obj.vcpus() {
                return Err(TestError::InvalidArg(format!(
                    "requested vcpu '{vcpu}' is not present in the domain"
                )));
            }
            let mut pinned = CpuMap::new(ncpus);
            for c in map.cpus().filter(|&c| c < ncpus) {
                pinned.set(c);
            }
            let i = vcpu as usize;
            if obj.pins.len() <= i {
                obj.pins.resize(i + 1, None);
            }
            if let Some(slot) = obj.pins.get_mut(i) {
                *slot = Some(pinned);
            }
            Ok(())
        })
    }
}

/// Set the online vCPU count of a definition.
fn set_vcpus(def: &mut DomainDef, n: u32) {
    def.vcpu.current = if n >= def.vcpu.max { None } else { Some(n) };
}
