//! The snapshot calls of [`Domain`] (`virDomainSnapshot*`), under
//! libvirt's names, and what only snapshots have (current, revert,
//! metadata, counts); the handle is [`crate::DomainSnapshot`], a
//! [`crate::DomainMoment`].

use crate::connect::Domain;
use crate::error::Result;
use crate::moment::{DomainSnapshot, Snapshot};

impl Domain {
    /// Take a snapshot described by `xml` (`virDomainSnapshotCreateXML`;
    /// `flags` from [`crate::snapshot_create_flags`]).
    pub fn snapshot_create_xml(&self, xml: &str, flags: u32) -> Result<DomainSnapshot> {
        self.moment_create_xml::<Snapshot>(xml, flags)
    }
    /// How many snapshots pass `flags` (`virDomainSnapshotNum`; see
    /// [`crate::snapshot_list_flags`]).
    pub fn snapshot_num(&self, flags: u32) -> Result<u32> {
        let c = self.connect();
        c.check(c.checked().domain_snapshot_num(self.identity(), flags))
    }
    /// The names of the snapshots that pass `flags`
    /// (`virDomainSnapshotListNames`).
    pub fn snapshot_list_names(&self, flags: u32) -> Result<Vec<String>> {
        let c = self.connect();
        c.check(
            c.checked()
                .domain_snapshot_list_names(self.identity(), flags),
        )
    }
    /// The snapshots that pass `flags` (`virDomainListAllSnapshots`).
    pub fn list_all_snapshots(&self, flags: u32) -> Result<Vec<DomainSnapshot>> {
        self.list_all_moments::<Snapshot>(flags)
    }
    /// Find a snapshot by name (`virDomainSnapshotLookupByName`).
    pub fn snapshot_lookup_by_name(&self, name: &str, flags: u32) -> Result<DomainSnapshot> {
        self.moment_lookup_by_name::<Snapshot>(name, flags)
    }
    /// True when the domain has a current snapshot
    /// (`virDomainHasCurrentSnapshot`).
    pub fn has_current_snapshot(&self, flags: u32) -> Result<bool> {
        let c = self.connect();
        c.check(
            c.checked()
                .domain_has_current_snapshot(self.identity(), flags),
        )
    }
    /// The current snapshot (`virDomainSnapshotCurrent`).
    pub fn snapshot_current(&self, flags: u32) -> Result<DomainSnapshot> {
        let c = self.connect();
        c.check(c.checked().domain_snapshot_current(self.identity(), flags))
            .map(|r| self.moment(r))
    }
}

impl DomainSnapshot {
    /// How many children pass `flags` (`virDomainSnapshotNumChildren`).
    pub fn num_children(&self, flags: u32) -> Result<u32> {
        let c = self.connect();
        c.check(
            c.checked()
                .domain_snapshot_num_children(self.identity(), flags),
        )
    }
    /// The names of the children that pass `flags`
    /// (`virDomainSnapshotListChildrenNames`).
    pub fn list_children_names(&self, flags: u32) -> Result<Vec<String>> {
        let c = self.connect();
        c.check(
            c.checked()
                .domain_snapshot_list_children_names(self.identity(), flags),
        )
    }
    /// True when it is the current snapshot (`virDomainSnapshotIsCurrent`).
    pub fn is_current(&self, flags: u32) -> Result<bool> {
        let c = self.connect();
        c.check(
            c.checked()
                .domain_snapshot_is_current(self.identity(), flags),
        )
    }
    /// True when the driver keeps metadata for it
    /// (`virDomainSnapshotHasMetadata`).
    pub fn has_metadata(&self, flags: u32) -> Result<bool> {
        let c = self.connect();
        c.check(
            c.checked()
                .domain_snapshot_has_metadata(self.identity(), flags),
        )
    }
    /// Bring the domain back to it (`virDomainRevertToSnapshot`; `flags`
    /// from [`crate::snapshot_revert_flags`]).
    pub fn revert(&self, flags: u32) -> Result<()> {
        let c = self.connect();
        c.check(
            c.checked()
                .domain_revert_to_snapshot(self.identity(), flags),
        )
    }
}
