//! Domain checkpoints: the [`DomainCheckpoint`] handle and the checkpoint
//! calls of [`Domain`] (`virDomainCheckpoint*`). A checkpoint marks a
//! point from which a backup copies only what the guest wrote since.

use crate::connect::{Connect, Domain};
use crate::error::{Error, ErrorCode, ErrorDomain, Result};
use crate::types::{checkpoint_xml_flags, DomainCheckpointRef};

/// A domain checkpoint handle (`virDomainCheckpointPtr`): a checkpoint name
/// bound to its domain and connection. Cheap to clone.
#[derive(Clone, Debug)]
pub struct DomainCheckpoint {
    dom: Domain,
    r: DomainCheckpointRef,
}

impl Domain {
    fn checkpoint(&self, r: DomainCheckpointRef) -> DomainCheckpoint {
        DomainCheckpoint {
            dom: self.connect().domain(r.domain.clone()),
            r,
        }
    }

    /// Create a checkpoint described by `xml` (`virDomainCheckpointCreateXML`;
    /// `flags` from [`crate::checkpoint_create_flags`]).
    pub fn checkpoint_create_xml(&self, xml: &str, flags: u32) -> Result<DomainCheckpoint> {
        let c = self.connect();
        c.check(
            c.checked()
                .domain_checkpoint_create_xml(self.identity(), xml, flags),
        )
        .map(|r| self.checkpoint(r))
    }

    /// The checkpoints that pass `flags` (`virDomainListAllCheckpoints`;
    /// see [`crate::checkpoint_list_flags`]).
    pub fn list_all_checkpoints(&self, flags: u32) -> Result<Vec<DomainCheckpoint>> {
        let c = self.connect();
        c.check(
            c.checked()
                .domain_list_all_checkpoints(self.identity(), flags),
        )
        .map(|v| v.into_iter().map(|r| self.checkpoint(r)).collect())
    }

    /// Find a checkpoint by name (`virDomainCheckpointLookupByName`).
    pub fn checkpoint_lookup_by_name(&self, name: &str, flags: u32) -> Result<DomainCheckpoint> {
        let c = self.connect();
        c.check(
            c.checked()
                .domain_checkpoint_lookup_by_name(self.identity(), name, flags),
        )
        .map(|r| self.checkpoint(r))
    }
}

impl DomainCheckpoint {
    /// The checkpoint's name (`virDomainCheckpointGetName`).
    pub fn name(&self) -> &str {
        &self.r.name
    }
    /// Its domain (`virDomainCheckpointGetDomain`).
    pub fn domain(&self) -> &Domain {
        &self.dom
    }
    /// Its connection (`virDomainCheckpointGetConnect`).
    pub fn connect(&self) -> &Connect {
        self.dom.connect()
    }
    /// The identity as plain values.
    pub fn identity(&self) -> &DomainCheckpointRef {
        &self.r
    }
    /// The checkpoint XML (`virDomainCheckpointGetXMLDesc`; `flags` from
    /// [`crate::checkpoint_xml_flags`]). A read-only connection may not
    /// ask for the secure parts, as libvirt's library refuses.
    pub fn xml_desc(&self, flags: u32) -> Result<String> {
        let c = self.connect();
        if c.is_read_only() && flags & checkpoint_xml_flags::SECURE != 0 {
            return c.check(Err(Error::with(
                ErrorCode::OperationDenied,
                ErrorDomain::DomainCheckpoint,
                "virDomainCheckpointGetXMLDesc with secure flag",
            )));
        }
        c.check(c.checked().domain_checkpoint_get_xml_desc(&self.r, flags))
    }
    /// Its parent (`virDomainCheckpointGetParent`).
    pub fn parent(&self, flags: u32) -> Result<DomainCheckpoint> {
        let c = self.connect();
        c.check(c.checked().domain_checkpoint_get_parent(&self.r, flags))
            .map(|r| self.dom.checkpoint(r))
    }
    /// The children that pass `flags` (`virDomainCheckpointListAllChildren`;
    /// `DESCENDANTS` for every checkpoint below it).
    pub fn list_all_children(&self, flags: u32) -> Result<Vec<DomainCheckpoint>> {
        let c = self.connect();
        c.check(
            c.checked()
                .domain_checkpoint_list_all_children(&self.r, flags),
        )
        .map(|v| v.into_iter().map(|r| self.dom.checkpoint(r)).collect())
    }
    /// Delete it (`virDomainCheckpointDelete`; `flags` from
    /// [`crate::checkpoint_delete_flags`]).
    pub fn delete(&self, flags: u32) -> Result<()> {
        let c = self.connect();
        c.check(c.checked().domain_checkpoint_delete(&self.r, flags))
    }
}
