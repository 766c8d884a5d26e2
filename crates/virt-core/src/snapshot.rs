//! Domain snapshots: the [`DomainSnapshot`] handle and the snapshot calls
//! of [`Domain`] (`virDomainSnapshot*`).

use crate::connect::{Connect, Domain};
use crate::error::Result;
use crate::types::DomainSnapshotRef;

/// A domain snapshot handle (`virDomainSnapshotPtr`): a snapshot name bound
/// to its domain and connection. Cheap to clone.
#[derive(Clone, Debug)]
pub struct DomainSnapshot {
    dom: Domain,
    r: DomainSnapshotRef,
}

impl Domain {
    fn snapshot(&self, r: DomainSnapshotRef) -> DomainSnapshot {
        DomainSnapshot {
            dom: self.connect().domain(r.domain.clone()),
            r,
        }
    }

    fn snapshots(&self, refs: Vec<DomainSnapshotRef>) -> Vec<DomainSnapshot> {
        refs.into_iter().map(|r| self.snapshot(r)).collect()
    }

    /// Take a snapshot described by `xml` (`virDomainSnapshotCreateXML`;
    /// `flags` from [`crate::snapshot_create_flags`]).
    pub fn snapshot_create_xml(&self, xml: &str, flags: u32) -> Result<DomainSnapshot> {
        let c = self.connect();
        c.check(
            c.checked()
                .domain_snapshot_create_xml(self.identity(), xml, flags),
        )
        .map(|r| self.snapshot(r))
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
        let c = self.connect();
        c.check(
            c.checked()
                .domain_list_all_snapshots(self.identity(), flags),
        )
        .map(|v| self.snapshots(v))
    }
    /// Find a snapshot by name (`virDomainSnapshotLookupByName`).
    pub fn snapshot_lookup_by_name(&self, name: &str, flags: u32) -> Result<DomainSnapshot> {
        let c = self.connect();
        c.check(
            c.checked()
                .domain_snapshot_lookup_by_name(self.identity(), name, flags),
        )
        .map(|r| self.snapshot(r))
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
            .map(|r| self.snapshot(r))
    }
}

impl DomainSnapshot {
    /// The snapshot's name (`virDomainSnapshotGetName`).
    pub fn name(&self) -> &str {
        &self.r.name
    }
    /// Its domain (`virDomainSnapshotGetDomain`).
    pub fn domain(&self) -> &Domain {
        &self.dom
    }
    /// Its connection (`virDomainSnapshotGetConnect`).
    pub fn connect(&self) -> &Connect {
        self.dom.connect()
    }
    /// The identity as plain values.
    pub fn identity(&self) -> &DomainSnapshotRef {
        &self.r
    }
    /// The snapshot XML (`virDomainSnapshotGetXMLDesc`).
    pub fn xml_desc(&self, flags: u32) -> Result<String> {
        let c = self.connect();
        c.check(c.checked().domain_snapshot_get_xml_desc(&self.r, flags))
    }
    /// Its parent (`virDomainSnapshotGetParent`).
    pub fn parent(&self, flags: u32) -> Result<DomainSnapshot> {
        let c = self.connect();
        c.check(c.checked().domain_snapshot_get_parent(&self.r, flags))
            .map(|r| self.dom.snapshot(r))
    }
    /// How many children pass `flags` (`virDomainSnapshotNumChildren`).
    pub fn num_children(&self, flags: u32) -> Result<u32> {
        let c = self.connect();
        c.check(c.checked().domain_snapshot_num_children(&self.r, flags))
    }
    /// The names of the children that pass `flags`
    /// (`virDomainSnapshotListChildrenNames`).
    pub fn list_children_names(&self, flags: u32) -> Result<Vec<String>> {
        let c = self.connect();
        c.check(
            c.checked()
                .domain_snapshot_list_children_names(&self.r, flags),
        )
    }
    /// The children that pass `flags` (`virDomainSnapshotListAllChildren`).
    pub fn list_all_children(&self, flags: u32) -> Result<Vec<DomainSnapshot>> {
        let c = self.connect();
        c.check(
            c.checked()
                .domain_snapshot_list_all_children(&self.r, flags),
        )
        .map(|v| self.dom.snapshots(v))
    }
    /// True when it is the current snapshot (`virDomainSnapshotIsCurrent`).
    pub fn is_current(&self, flags: u32) -> Result<bool> {
        let c = self.connect();
        c.check(c.checked().domain_snapshot_is_current(&self.r, flags))
    }
    /// True when the driver keeps metadata for it
    /// (`virDomainSnapshotHasMetadata`).
    pub fn has_metadata(&self, flags: u32) -> Result<bool> {
        let c = self.connect();
        c.check(c.checked().domain_snapshot_has_metadata(&self.r, flags))
    }
    /// Bring the domain back to it (`virDomainRevertToSnapshot`; `flags`
    /// from [`crate::snapshot_revert_flags`]).
    pub fn revert(&self, flags: u32) -> Result<()> {
        let c = self.connect();
        c.check(c.checked().domain_revert_to_snapshot(&self.r, flags))
    }
    /// Delete it (`virDomainSnapshotDelete`; `flags` from
    /// [`crate::snapshot_delete_flags`]).
    pub fn delete(&self, flags: u32) -> Result<()> {
        let c = self.connect();
        c.check(c.checked().domain_snapshot_delete(&self.r, flags))
    }
}
