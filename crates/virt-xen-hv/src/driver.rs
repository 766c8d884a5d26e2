//! [`HvDriver`]: the hypercall member of the `xen:///` stack.
//!
//! It knows domains only by id: calls that need a name or a UUID, or a
//! domain that is not running (`DomainRef::id` is `None`), answer "not
//! supported" so the stack asks the next member (xenstore, then xend).
//! Likewise for changes to the persistent definition (`affect::CONFIG`).

use virt_core::{
    affect, CpuMap, DomainInfo, DomainRef, DomainState, Driver, Error, ErrorDomain, NodeInfo,
    Result, VcpuInfo,
};

use crate::capabilities::{add_host_flags, host_flags, node_guests, set_host_topology, GuestFiles};
use crate::error::HvError;
use crate::hypervisor::{cpumap_to_xen, node_info, online_cpus, DomainRecord, Hypervisor};

/// The `xen:///` driver member that reads state from, and pauses, resumes,
/// destroys, limits and pins domains through, the hypervisor.
#[derive(Debug)]
pub struct HvDriver {
    hv: Hypervisor,
}

impl HvDriver {
    /// Open the hypervisor (see [`Hypervisor::open`]): `NoXen` in domain
    /// `Xen` when `/dev/xen/privcmd` is absent or the hypervisor is not a
    /// Xen 4.17 that takes interface version 0x15. A read-only connection
    /// opens privcmd read-only.
    pub fn open(read_only: bool) -> Result<HvDriver> {
        Ok(HvDriver {
            hv: Hypervisor::open(read_only)?,
        })
    }

    /// A driver over an already open hypervisor.
    pub fn from_hypervisor(hv: Hypervisor) -> Self {
        HvDriver { hv }
    }

    /// The hypervisor, for calls the driver API has no room for (such as
    /// listing domains with their state in one hypercall).
    pub fn hypervisor(&self) -> &Hypervisor {
        &self.hv
    }

    /// The running domain `dom` names: its id, checked against the UUID
    /// when both sides know one, so a reused id never reaches another
    /// domain.
    fn record(&self, dom: &DomainRef, api: &str) -> Result<DomainRecord> {
        let id = dom.id.ok_or_else(|| Error::declined(api))?;
        let rec = self.hv.domain_info(id)?;
        if !dom.uuid.is_nil() && !rec.uuid.is_nil() && dom.uuid != rec.uuid {
            return Err(HvError::NoDomain(id).into());
        }
        Ok(rec)
    }

    fn node_kib(&self) -> Result<u64> {
        let p = self.hv.physinfo()?;
        Ok(p.total_pages.saturating_mul(self.hv.page_size() / 1024))
    }
}

// The stack shares one driver between threads.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<HvDriver>();
};

/// Domain 0 runs this very toolstack: libvirt refuses to pause, resume or
/// destroy it.
fn refuse_domain0(rec: &DomainRecord) -> Result<()> {
    if rec.id == 0 {
        return Err(HvError::Domain0.into());
    }
    Ok(())
}

impl Driver for HvDriver {
    fn type_name(&self) -> &str {
        "Xen"
    }

    fn close(&self) -> Result<()> {
        Ok(())
    }

    fn version(&self) -> Result<u64> {
        Ok(self.hv.version().libvirt_number())
    }

    fn capabilities(&self) -> Result<String> {
        let xen_caps = self.hv.capabilities()?;
        let p = self.hv.physinfo()?;
        let files = GuestFiles::probe(self.hv.version());
        let mut caps = virt_host::capabilities(node_guests(&xen_caps, &files, p.capabilities));
        let topology = self.hv.cpu_topology()?;
        set_host_topology(&mut caps.host, &p, &topology, self.hv.page_size() / 1024);
        // dom0's CPUID hides VMX/SVM; the hypervisor's view of the CPU
        // (x86 only: the words are CPUID leaves) tells what the host has.
        if matches!(caps.host.cpu.arch.as_str(), "x86_64" | "i686") {
            add_host_flags(&mut caps.host.cpu, &host_flags(&p.hw_cap));
        }
        Ok(caps.to_xml())
    }

    fn node_info(&self) -> Result<NodeInfo> {
        let p = self.hv.physinfo()?;
        // The machine type is dom0's, which this process runs on.
        Ok(node_info(&p, self.hv.page_size(), std::env::consts::ARCH))
    }

    fn node_free_memory(&self) -> Result<u64> {
        let p = self.hv.physinfo()?;
        Ok(p.free_pages.saturating_mul(self.hv.page_size()))
    }

    fn node_cpu_map(&self) -> Result<(u32, CpuMap)> {
        let n = self.hv.max_cpus();
        Ok((n, online_cpus(&self.hv.cpu_topology()?, n)))
    }

    fn list_domain_ids(&self) -> Result<Vec<u32>> {
        Ok(self.hv.domains()?.iter().map(|d| d.id).collect())
    }

    fn num_of_domains(&self) -> Result<u32> {
        Ok(self.hv.domains()?.len() as u32)
    }

    fn domain_get_info(&self, dom: &DomainRef) -> Result<DomainInfo> {
        let rec = self.record(dom, "virDomainGetInfo")?;
        let node_kib = match rec.max_memory_kib() {
            Some(_) => 0,
            None => self.node_kib()?,
        };
        Ok(rec.info(node_kib))
    }

    fn domain_get_state(&self, dom: &DomainRef, flags: u32) -> Result<(DomainState, i32)> {
        Error::check_flags(ErrorDomain::Xen, flags, 0, "xenUnifiedDomainGetState")?;
        // Xen keeps no reason; libvirt's Xen driver reported 0 (unknown).
        Ok((self.record(dom, "virDomainGetState")?.state(), 0))
    }

    fn domain_get_max_memory(&self, dom: &DomainRef) -> Result<u64> {
        let rec = self.record(dom, "virDomainGetMaxMemory")?;
        match rec.max_memory_kib() {
            Some(kib) => Ok(kib),
            None => self.node_kib(),
        }
    }

    fn domain_set_memory_flags(&self, dom: &DomainRef, kib: u64, flags: u32) -> Result<()> {
        let api = "virDomainSetMemoryFlags";
        Error::check_flags(
            ErrorDomain::Xen,
            flags,
            affect::LIVE | affect::CONFIG | affect::MAXIMUM,
            "xenUnifiedDomainSetMemoryFlags",
        )?;
        // The balloon target lives in xenstore and the definition in xend;
        // only the hypervisor's limit is ours.
        if flags & affect::MAXIMUM == 0 || flags & affect::CONFIG != 0 {
            return Err(Error::declined(api));
        }
        let rec = self.record(dom, api)?;
        self.hv.set_max_memory(rec.id, kib)?;
        Ok(())
    }

    fn domain_suspend(&self, dom: &DomainRef) -> Result<()> {
        let rec = self.record(dom, "virDomainSuspend")?;
        refuse_domain0(&rec)?;
        // Xen counts pauses; libvirt's suspend of a paused domain is a
        // no-op, not a second pause that one resume would not undo.
        if !rec.is_paused() {
            self.hv.pause(rec.id)?;
        }
        Ok(())
    }

    fn domain_resume(&self, dom: &DomainRef) -> Result<()> {
        let rec = self.record(dom, "virDomainResume")?;
        refuse_domain0(&rec)?;
        if rec.is_paused() {
            self.hv.unpause(rec.id)?;
        }
        Ok(())
    }

    fn domain_destroy(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        Error::check_flags(ErrorDomain::Xen, flags, 0, "xenUnifiedDomainDestroyFlags")?;
        let rec = self.record(dom, "virDomainDestroyFlags")?;
        refuse_domain0(&rec)?;
        self.hv.destroy(rec.id)?;
        Ok(())
    }

    fn domain_get_vcpus(&self, dom: &DomainRef) -> Result<Vec<VcpuInfo>> {
        let rec = self.record(dom, "virDomainGetVcpus")?;
        let mut out = Vec::with_capacity(rec.vcpus as usize);
        for vcpu in 0..rec.vcpus {
            let Some(v) = self.hv.vcpu_info(rec.id, vcpu)? else {
                continue;
            };
            out.push(VcpuInfo {
                number: vcpu,
                state: v.state(),
                cpu_time: v.cpu_time,
                cpu: v.libvirt_cpu(),
                affinity: self.hv.vcpu_affinity(rec.id, vcpu)?,
            });
        }
        Ok(out)
    }

    fn domain_get_vcpu_pin_info(&self, dom: &DomainRef, flags: u32) -> Result<Vec<CpuMap>> {
        let api = "virDomainGetVcpuPinInfo";
        Error::check_flags(
            ErrorDomain::Xen,
            flags,
            affect::LIVE | affect::CONFIG,
            "xenUnifiedDomainGetVcpuPinInfo",
        )?;
        if flags & affect::CONFIG != 0 {
            return Err(Error::declined(api));
        }
        let rec = self.record(dom, api)?;
        (0..rec.vcpus)
            .map(|vcpu| Ok(self.hv.vcpu_affinity(rec.id, vcpu)?))
            .collect()
    }

    fn domain_pin_vcpu(&self, dom: &DomainRef, vcpu: u32, map: &CpuMap, flags: u32) -> Result<()> {
        let api = "virDomainPinVcpuFlags";
        Error::check_flags(
            ErrorDomain::Xen,
            flags,
            affect::LIVE | affect::CONFIG,
            "xenUnifiedDomainPinVcpuFlags",
        )?;
        if flags & affect::CONFIG != 0 {
            return Err(Error::declined(api));
        }
        let rec = self.record(dom, api)?;
        if vcpu >= rec.vcpus {
            return Err(HvError::InvalidArg(format!(
                "requested vcpu '{vcpu}' is not present in the domain"
            ))
            .into());
        }
        if cpumap_to_xen(map, self.hv.max_cpus())
            .iter()
            .all(|&b| b == 0)
        {
            return Err(HvError::InvalidArg("Empty cpu list for pinning".into()).into());
        }
        self.hv.set_vcpu_affinity(rec.id, vcpu, map)?;
        Ok(())
    }

    fn domain_is_active(&self, dom: &DomainRef) -> Result<bool> {
        match self.record(dom, "virDomainIsActive") {
            Ok(_) => Ok(true),
            Err(e) if e.code == virt_core::ErrorCode::NoDomain => Ok(false),
            Err(e) => Err(e),
        }
    }
}
