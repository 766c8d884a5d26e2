//! Changing a domain's vCPU count (`virDomainSetVcpusFlags`) as libvirt's
//! test driver does: live, in the persistent definition, or its maximum.

use crate::domains::vcpus_of;
use crate::driver::{TestConnection, MAX_VCPUS};
use crate::error::{check_flags, TestError};
use virt_core::{affect, DomainRef, Result};
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
}

/// Set the online vCPU count of a definition.
fn set_vcpus(def: &mut DomainDef, n: u32) {
    def.vcpu.current = if n >= def.vcpu.max { None } else { Some(n) };
}
