//! The checkpoint calls of [`Domain`] (`virDomainCheckpoint*`), under
//! libvirt's names; the handle is [`crate::DomainCheckpoint`], a
//! [`crate::DomainMoment`].

use crate::connect::Domain;
use crate::error::Result;
use crate::moment::{Checkpoint, DomainCheckpoint};

impl Domain {
    /// Create a checkpoint described by `xml` (`virDomainCheckpointCreateXML`;
    /// `flags` from [`crate::checkpoint_create_flags`]).
    pub fn checkpoint_create_xml(&self, xml: &str, flags: u32) -> Result<DomainCheckpoint> {
        self.moment_create_xml::<Checkpoint>(xml, flags)
    }

    /// The checkpoints that pass `flags` (`virDomainListAllCheckpoints`;
    /// see [`crate::checkpoint_list_flags`]).
    pub fn list_all_checkpoints(&self, flags: u32) -> Result<Vec<DomainCheckpoint>> {
        self.list_all_moments::<Checkpoint>(flags)
    }

    /// Find a checkpoint by name (`virDomainCheckpointLookupByName`).
    pub fn checkpoint_lookup_by_name(&self, name: &str, flags: u32) -> Result<DomainCheckpoint> {
        self.moment_lookup_by_name::<Checkpoint>(name, flags)
    }
}
