//! Finding domains: the ids of the running ones, filtered lists and
//! lookups by id, name and UUID, each from xend's descriptions.

use super::*;

impl XendDriver {
    fn facts(&self, desc: &Sexpr) -> ListFacts {
        ListFacts {
            state: state_of(desc),
            persistent: self.config_format >= MANAGED_CONFIG_FORMAT,
            autostart: desc.node("domain/on_xend_start") == Some("start"),
            managed_save: false,
            has_snapshot: false,
            has_checkpoint: false,
        }
    }

    /// The ids of the running domains (one that went away meanwhile is skipped).
    pub(super) fn running_ids(&self) -> Result<Vec<u32>> {
        let mut ids = Vec::new();
        for name in self.active_names()? {
            // A domain that went away between the two requests is skipped.
            match self.describe_key(&name) {
                Ok(desc) => {
                    if let Some(id) = desc.node("domain/domid").map(c_atol) {
                        if let Ok(id) = u32::try_from(id) {
                            ids.push(id);
                        }
                    }
                }
                Err(e) if e.code == virt_core::ErrorCode::NoDomain => {}
                Err(e) => return Err(e),
            }
        }
        Ok(ids)
    }

    /// The domains `flags` select (`virConnectListAllDomains`).
    pub(super) fn all_domains(&self, flags: u32) -> Result<Vec<DomainRef>> {
        const ALL: u32 = (1 << 14) - 1;
        Error::check_flags(
            ErrorDomain::Xen,
            flags,
            ALL,
            "xenUnifiedConnectListAllDomains",
        )?;
        let want_active =
            flags & (list_flags::ACTIVE | list_flags::INACTIVE) != list_flags::INACTIVE;
        let want_inactive =
            flags & (list_flags::ACTIVE | list_flags::INACTIVE) != list_flags::ACTIVE;
        let mut names = Vec::new();
        if want_active {
            names.extend(self.active_names()?);
        }
        if want_inactive {
            names.extend(self.inactive_names()?);
        }
        let mut out = Vec::new();
        for name in names {
            let desc = match self.describe_key(&name) {
                Ok(d) => d,
                Err(e) if e.code == virt_core::ErrorCode::NoDomain => continue,
                Err(e) => return Err(e),
            };
            if list_filter_matches(flags, &self.facts(&desc)) {
                out.push(domain_ref(&desc)?);
            }
        }
        Ok(out)
    }

    /// The running domain with id `id`.
    pub(super) fn lookup_id(&self, id: u32) -> Result<DomainRef> {
        let r = domain_ref(&self.describe_key(&id.to_string())?)?;
        // xend reads the key as a name first: a domain named "3" is not id 3.
        if r.id != Some(id) {
            return Err(Error::no_domain_id(ErrorDomain::Xend, id));
        }
        Ok(r)
    }

    /// The domain called `name` (never one whose id reads the same).
    pub(super) fn lookup_name(&self, name: &str) -> Result<DomainRef> {
        let desc = self.describe_key(name).map_err(|e| {
            if e.code == virt_core::ErrorCode::NoDomain {
                Error::no_domain_name(ErrorDomain::Xend, name)
            } else {
                e
            }
        })?;
        let r = domain_ref(&desc)?;
        // A numeric name would otherwise find the domain with that id.
        if r.name != name {
            return Err(Error::no_domain_name(ErrorDomain::Xend, name));
        }
        Ok(r)
    }

    /// The domain with `uuid`, asking each known domain as libvirt did.
    pub(super) fn lookup_uuid(&self, uuid: &Uuid) -> Result<DomainRef> {
        // As libvirt did: ask each known domain for its uuid.
        let mut names = self.active_names()?;
        names.extend(self.inactive_names()?);
        for name in names {
            let desc = match self.describe_key(&name) {
                Ok(d) => d,
                Err(e) if e.code == virt_core::ErrorCode::NoDomain => continue,
                Err(e) => return Err(e),
            };
            let r = domain_ref(&desc)?;
            if r.uuid == *uuid {
                return Ok(r);
            }
        }
        Err(Error::no_domain_uuid(ErrorDomain::Xend, uuid))
    }
}
