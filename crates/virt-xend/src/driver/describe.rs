//! What a domain's description says: its state, identity, info, OS
//! type and XML; memory changes.

use super::*;

/// The domain's state from xend's state string: the first of c, s, d, p,
/// b, r found wins; an inactive domain (no id) is shut off.
pub fn state_of(desc: &Sexpr) -> DomainState {
    let flags = desc.node("domain/state");
    let id = desc.node("domain/domid").map(c_atol).unwrap_or(-1);
    match flags {
        Some(f) if id >= 0 => {
            for (c, s) in [
                ('c', DomainState::Crashed),
                ('s', DomainState::Shutdown),
                ('d', DomainState::Shutoff),
                ('p', DomainState::Paused),
                ('b', DomainState::Blocked),
                ('r', DomainState::Running),
            ] {
                if f.contains(c) {
                    return s;
                }
            }
            DomainState::NoState
        }
        _ if id < 0 || desc.node_int("domain/status") == 0 => DomainState::Shutoff,
        _ => DomainState::NoState,
    }
}

/// Whether a description is of a running domain (one with an id).
pub(super) fn is_active(desc: &Sexpr) -> bool {
    desc.node("domain/domid").map_or(-1, c_atol) >= 0
}

/// The name, uuid and (when running) id of a description.
pub fn domain_ref(desc: &Sexpr) -> std::result::Result<DomainRef, XendError> {
    let name = desc.node("domain/name").ok_or_else(|| {
        XendError::Incomplete("domain information incomplete, missing name".into())
    })?;
    let uuid = desc
        .node("domain/uuid")
        .and_then(|u| Uuid::parse_str(u).ok())
        // Domain-0 of old xend had no uuid; libvirt read it as zeros.
        .unwrap_or_default();
    let id = desc
        .node("domain/domid")
        .map(c_atol)
        .and_then(|i| u32::try_from(i).ok());
    Ok(DomainRef {
        name: name.to_string(),
        uuid,
        id,
    })
}

pub(super) fn seconds_to_ns(s: Option<&str>) -> u64 {
    let secs: f64 = s.and_then(|v| v.trim().parse().ok()).unwrap_or(0.0);
    if secs.is_finite() && secs > 0.0 {
        // Saturates at u64::MAX for absurd values.
        (secs * 1e9) as u64
    } else {
        0
    }
}

pub(super) fn mib_to_kib(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0).saturating_mul(1024)
}

/// The names in a `(name name ...)` list reply.
pub(super) fn names_of(list: &Sexpr) -> Vec<String> {
    list.items()
        .iter()
        .filter_map(Sexpr::as_atom)
        .map(str::to_string)
        .collect()
}

impl XendDriver {
    /// State, memory, vCPUs and CPU time from the description.
    pub(super) fn info(&self, dom: &DomainRef) -> Result<DomainInfo> {
        let desc = self.describe(dom)?;
        Ok(DomainInfo {
            state: state_of(&desc),
            max_mem: mib_to_kib(desc.node_int("domain/maxmem")),
            memory: mib_to_kib(desc.node_int("domain/memory")),
            nr_virt_cpu: u32::try_from(desc.node_int("domain/vcpus")).unwrap_or(0),
            cpu_time: seconds_to_ns(desc.node("domain/cpu_time")),
        })
    }

    /// `hvm` or `linux` (paravirtualised).
    pub(super) fn os_type(&self, dom: &DomainRef) -> Result<String> {
        let desc = self.describe(dom)?;
        Ok(if desc.lookup("domain/image/hvm").is_some() {
            "hvm"
        } else {
            "linux"
        }
        .to_string())
    }

    /// Change the current or (MAXIMUM) the maximum memory.
    pub(super) fn set_memory(&self, dom: &DomainRef, kib: u64, flags: u32) -> Result<()> {
        self.may_change(
            flags,
            affect::LIVE | affect::CONFIG | affect::MAXIMUM,
            "xenUnifiedDomainSetMemoryFlags",
            "virDomainSetMemory",
        )?;
        self.describe(dom)?;
        let mib = (kib >> 10).to_string();
        if flags & affect::MAXIMUM != 0 {
            self.op(
                "virDomainSetMaxMemory",
                &dom.name,
                &[("op", "maxmem_set"), ("memory", &mib)],
            )?;
        } else {
            self.op(
                "virDomainSetMemory",
                &dom.name,
                &[("op", "mem_target_set"), ("target", &mib)],
            )?;
        }
        Ok(())
    }

    /// The domain XML libvirt 4.0 wrote for the description.
    pub(super) fn xml_desc(&self, dom: &DomainRef, flags: u32) -> Result<String> {
        Error::check_flags(
            ErrorDomain::Xen,
            flags,
            xml_flags::SECURE | xml_flags::INACTIVE | xml_flags::UPDATE_CPU | xml_flags::MIGRATABLE,
            "xenUnifiedDomainGetXMLDesc",
        )?;
        let desc = self.describe(dom)?;
        let id = desc.node("domain/domid").map_or(-1, c_atol);
        let extra = match (&self.consoles, u32::try_from(id)) {
            (Some(lookup), Ok(id)) => (lookup.0)(id),
            _ => SexprOptions::default(),
        };
        let def = sexpr_to_domain(&desc, &extra)?;
        let opts = FormatOptions {
            id: def.id.and_then(|i| u32::try_from(i).ok()),
            inactive: flags & xml_flags::INACTIVE != 0,
            secure: flags & xml_flags::SECURE != 0,
        };
        Ok(def.to_xml(&opts))
    }
}
