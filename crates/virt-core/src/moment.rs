//! Domain snapshots and checkpoints are both "moments" of a domain
//! (libvirt's `virDomainMomentObj`): a named point in a tree per domain,
//! with a parent, children and XML. [`DomainMoment`] is the one handle
//! for both; a [`MomentKind`] ([`Snapshot`] or [`Checkpoint`]) carries
//! what tells them apart: the identity type, the driver calls, libvirt's
//! names, flag bits and error codes. [`DomainSnapshot`] and
//! [`DomainCheckpoint`] name the two handles; what only snapshots have
//! (current, revert, metadata, counts) is on [`DomainSnapshot`] alone.

use crate::checked::Checked;
use crate::connect::{Connect, Domain};
use crate::error::{Error, ErrorCode, ErrorDomain, Result};
use crate::types::{
    checkpoint_delete_flags, checkpoint_list_flags, checkpoint_xml_flags, snapshot_delete_flags,
    snapshot_list_flags, xml_flags, DomainCheckpointRef, DomainRef, DomainSnapshotRef,
};
use std::fmt::Debug;

/// What one kind of moment is: its identity type, the driver calls that
/// serve it, and libvirt's words, flag bits and error codes for it.
pub trait MomentKind: Sized + Clone + Debug + Send + Sync + 'static {
    /// The identity a driver gives out (`remote_nonnull_domain_snapshot`
    /// or `_checkpoint`).
    type Ref: Clone + Debug + PartialEq + Eq + std::hash::Hash + Send + Sync;

    /// The kind in libvirt's words, lower case ("snapshot").
    const NAME: &'static str;
    /// The kind in libvirt's function names ("Snapshot").
    const TITLE: &'static str;
    /// The error domain of its calls.
    const ERROR_DOMAIN: ErrorDomain;
    /// The error for a moment that is not there.
    const NO_SUCH: ErrorCode;
    /// The XML flag for secure parts.
    const XML_SECURE: u32;
    /// The listing flags both kinds have, in this kind's bits:
    /// `ROOTS` (of a domain's listing; `DESCENDANTS` of a moment's, same
    /// bit), `DESCENDANTS`, `LEAVES`, `NO_LEAVES`, `TOPOLOGICAL`.
    const LIST_ROOTS: u32;
    /// See [`MomentKind::LIST_ROOTS`].
    const LIST_DESCENDANTS: u32;
    /// See [`MomentKind::LIST_ROOTS`].
    const LIST_LEAVES: u32;
    /// See [`MomentKind::LIST_ROOTS`].
    const LIST_NO_LEAVES: u32;
    /// See [`MomentKind::LIST_ROOTS`].
    const LIST_TOPOLOGICAL: u32;
    /// The delete flags both kinds have: `CHILDREN`, `CHILDREN_ONLY`,
    /// `METADATA_ONLY`.
    const DELETE_CHILDREN: u32;
    /// See [`MomentKind::DELETE_CHILDREN`].
    const DELETE_CHILDREN_ONLY: u32;
    /// See [`MomentKind::DELETE_CHILDREN`].
    const DELETE_METADATA_ONLY: u32;

    /// An identity from its domain and name.
    fn make_ref(domain: DomainRef, name: String) -> Self::Ref;
    /// The domain of an identity.
    fn ref_domain(r: &Self::Ref) -> &DomainRef;
    /// The name of an identity.
    fn ref_name(r: &Self::Ref) -> &str;

    /// `vir*CreateXML`.
    fn create_xml(c: Checked<'_>, dom: &DomainRef, xml: &str, flags: u32) -> Result<Self::Ref>;
    /// `virDomainListAll*s`.
    fn list_all(c: Checked<'_>, dom: &DomainRef, flags: u32) -> Result<Vec<Self::Ref>>;
    /// `vir*LookupByName`.
    fn lookup_by_name(c: Checked<'_>, dom: &DomainRef, name: &str, flags: u32)
        -> Result<Self::Ref>;
    /// `vir*GetXMLDesc`.
    fn xml_desc(c: Checked<'_>, r: &Self::Ref, flags: u32) -> Result<String>;
    /// `vir*GetParent`.
    fn parent(c: Checked<'_>, r: &Self::Ref, flags: u32) -> Result<Self::Ref>;
    /// `vir*ListAllChildren`.
    fn list_all_children(c: Checked<'_>, r: &Self::Ref, flags: u32) -> Result<Vec<Self::Ref>>;
    /// `vir*Delete`.
    fn delete(c: Checked<'_>, r: &Self::Ref, flags: u32) -> Result<()>;
}

/// Snapshots (`virDomainSnapshot*`): a domain's state kept to go back to.
#[derive(Clone, Copy, Debug)]
pub enum Snapshot {}

/// Checkpoints (`virDomainCheckpoint*`): a mark from which a backup
/// copies only what the guest wrote since.
#[derive(Clone, Copy, Debug)]
pub enum Checkpoint {}

/// The parts of [`MomentKind`] that differ between the kinds only by the
/// driver calls' names, written once.
macro_rules! moment_kind {
    ($kind:ident, $r:ident, $name:literal, $title:literal, $domain:ident, $no_such:ident,
     $xml:ident, $list:ident, $delete:ident,
     $create:ident, $list_all:ident, $lookup:ident, $get_xml:ident, $parent:ident,
     $children:ident, $del:ident) => {
        impl MomentKind for $kind {
            type Ref = $r;
            const NAME: &'static str = $name;
            const TITLE: &'static str = $title;
            const ERROR_DOMAIN: ErrorDomain = ErrorDomain::$domain;
            const NO_SUCH: ErrorCode = ErrorCode::$no_such;
            const XML_SECURE: u32 = $xml::SECURE;
            const LIST_ROOTS: u32 = $list::ROOTS;
            const LIST_DESCENDANTS: u32 = $list::DESCENDANTS;
            const LIST_LEAVES: u32 = $list::LEAVES;
            const LIST_NO_LEAVES: u32 = $list::NO_LEAVES;
            const LIST_TOPOLOGICAL: u32 = $list::TOPOLOGICAL;
            const DELETE_CHILDREN: u32 = $delete::CHILDREN;
            const DELETE_CHILDREN_ONLY: u32 = $delete::CHILDREN_ONLY;
            const DELETE_METADATA_ONLY: u32 = $delete::METADATA_ONLY;

            fn make_ref(domain: DomainRef, name: String) -> $r {
                $r { domain, name }
            }
            fn ref_domain(r: &$r) -> &DomainRef {
                &r.domain
            }
            fn ref_name(r: &$r) -> &str {
                &r.name
            }
            fn create_xml(c: Checked<'_>, dom: &DomainRef, xml: &str, flags: u32) -> Result<$r> {
                c.$create(dom, xml, flags)
            }
            fn list_all(c: Checked<'_>, dom: &DomainRef, flags: u32) -> Result<Vec<$r>> {
                c.$list_all(dom, flags)
            }
            fn lookup_by_name(
                c: Checked<'_>,
                dom: &DomainRef,
                name: &str,
                flags: u32,
            ) -> Result<$r> {
                c.$lookup(dom, name, flags)
            }
            fn xml_desc(c: Checked<'_>, r: &$r, flags: u32) -> Result<String> {
                c.$get_xml(r, flags)
            }
            fn parent(c: Checked<'_>, r: &$r, flags: u32) -> Result<$r> {
                c.$parent(r, flags)
            }
            fn list_all_children(c: Checked<'_>, r: &$r, flags: u32) -> Result<Vec<$r>> {
                c.$children(r, flags)
            }
            fn delete(c: Checked<'_>, r: &$r, flags: u32) -> Result<()> {
                c.$del(r, flags)
            }
        }
    };
}

moment_kind!(
    Snapshot,
    DomainSnapshotRef,
    "snapshot",
    "Snapshot",
    DomainSnapshot,
    NoDomainSnapshot,
    xml_flags,
    snapshot_list_flags,
    snapshot_delete_flags,
    domain_snapshot_create_xml,
    domain_list_all_snapshots,
    domain_snapshot_lookup_by_name,
    domain_snapshot_get_xml_desc,
    domain_snapshot_get_parent,
    domain_snapshot_list_all_children,
    domain_snapshot_delete
);

moment_kind!(
    Checkpoint,
    DomainCheckpointRef,
    "checkpoint",
    "Checkpoint",
    DomainCheckpoint,
    NoDomainCheckpoint,
    checkpoint_xml_flags,
    checkpoint_list_flags,
    checkpoint_delete_flags,
    domain_checkpoint_create_xml,
    domain_list_all_checkpoints,
    domain_checkpoint_lookup_by_name,
    domain_checkpoint_get_xml_desc,
    domain_checkpoint_get_parent,
    domain_checkpoint_list_all_children,
    domain_checkpoint_delete
);

/// A moment handle (`virDomainSnapshotPtr`, `virDomainCheckpointPtr`): a
/// name bound to its domain and connection. Cheap to clone.
#[derive(Clone, Debug)]
pub struct DomainMoment<K: MomentKind> {
    dom: Domain,
    r: K::Ref,
}

/// A domain snapshot handle (`virDomainSnapshotPtr`).
pub type DomainSnapshot = DomainMoment<Snapshot>;

/// A domain checkpoint handle (`virDomainCheckpointPtr`).
pub type DomainCheckpoint = DomainMoment<Checkpoint>;

impl Domain {
    /// A handle for an identity the driver gave.
    pub(crate) fn moment<K: MomentKind>(&self, r: K::Ref) -> DomainMoment<K> {
        DomainMoment {
            dom: self.connect().domain(K::ref_domain(&r).clone()),
            r,
        }
    }

    /// Handles for identities the driver gave.
    pub(crate) fn moments<K: MomentKind>(&self, refs: Vec<K::Ref>) -> Vec<DomainMoment<K>> {
        refs.into_iter().map(|r| self.moment(r)).collect()
    }

    /// Make a moment described by `xml` (`virDomainSnapshotCreateXML`,
    /// `virDomainCheckpointCreateXML`).
    pub fn moment_create_xml<K: MomentKind>(
        &self,
        xml: &str,
        flags: u32,
    ) -> Result<DomainMoment<K>> {
        let c = self.connect();
        c.check(K::create_xml(c.checked(), self.identity(), xml, flags))
            .map(|r| self.moment(r))
    }

    /// The moments that pass `flags` (`virDomainListAllSnapshots`,
    /// `virDomainListAllCheckpoints`).
    pub fn list_all_moments<K: MomentKind>(&self, flags: u32) -> Result<Vec<DomainMoment<K>>> {
        let c = self.connect();
        c.check(K::list_all(c.checked(), self.identity(), flags))
            .map(|v| self.moments(v))
    }

    /// Find a moment by name (`virDomainSnapshotLookupByName`,
    /// `virDomainCheckpointLookupByName`).
    pub fn moment_lookup_by_name<K: MomentKind>(
        &self,
        name: &str,
        flags: u32,
    ) -> Result<DomainMoment<K>> {
        let c = self.connect();
        c.check(K::lookup_by_name(c.checked(), self.identity(), name, flags))
            .map(|r| self.moment(r))
    }
}

impl<K: MomentKind> DomainMoment<K> {
    /// The moment's name (`virDomainSnapshotGetName`, ...).
    pub fn name(&self) -> &str {
        K::ref_name(&self.r)
    }
    /// Its domain (`virDomainSnapshotGetDomain`, ...).
    pub fn domain(&self) -> &Domain {
        &self.dom
    }
    /// Its connection (`virDomainSnapshotGetConnect`, ...).
    pub fn connect(&self) -> &Connect {
        self.dom.connect()
    }
    /// The identity as plain values.
    pub fn identity(&self) -> &K::Ref {
        &self.r
    }
    /// The moment's XML (`virDomainSnapshotGetXMLDesc`,
    /// `virDomainCheckpointGetXMLDesc`). A read-only connection may not
    /// ask for the secure parts, as libvirt's library refuses.
    pub fn xml_desc(&self, flags: u32) -> Result<String> {
        let c = self.connect();
        if c.is_read_only() && flags & K::XML_SECURE != 0 {
            return c.check(Err(Error::with(
                ErrorCode::OperationDenied,
                K::ERROR_DOMAIN,
                format!("virDomain{}GetXMLDesc with secure flag", K::TITLE),
            )));
        }
        c.check(K::xml_desc(c.checked(), &self.r, flags))
    }
    /// Its parent (`virDomainSnapshotGetParent`, ...).
    pub fn parent(&self, flags: u32) -> Result<Self> {
        let c = self.connect();
        c.check(K::parent(c.checked(), &self.r, flags))
            .map(|r| self.dom.moment(r))
    }
    /// The children that pass `flags` (`virDomainSnapshotListAllChildren`,
    /// ...; `DESCENDANTS` for every one below it).
    pub fn list_all_children(&self, flags: u32) -> Result<Vec<Self>> {
        let c = self.connect();
        c.check(K::list_all_children(c.checked(), &self.r, flags))
            .map(|v| self.dom.moments(v))
    }
    /// Delete it (`virDomainSnapshotDelete`, `virDomainCheckpointDelete`;
    /// `flags` from [`crate::snapshot_delete_flags`] or
    /// [`crate::checkpoint_delete_flags`]).
    pub fn delete(&self, flags: u32) -> Result<()> {
        let c = self.connect();
        c.check(K::delete(c.checked(), &self.r, flags))
    }
}

/// The six snapshot listing calls of the [`crate::Driver`] table
/// (`virDomainSnapshotNum`, `ListNames`, `virDomainListAllSnapshots`,
/// `NumChildren`, `ListChildrenNames`, `ListAllChildren`) for a driver
/// that lists snapshot names with one method, as libvirt's drivers answer
/// all six from one list of names. `$names(&self, dom, from, flags,
/// function)` gives the names of a domain's snapshots (`from` none) or of
/// a snapshot's children, `function` naming the call in an
/// unsupported-flags error: `$prefix` followed by libvirt's name
/// ("qemu" gives "qemuDomainSnapshotNum"). Used inside `impl Driver`.
#[macro_export]
macro_rules! snapshot_listing_methods {
    ($prefix:literal, $($names:tt)+) => {
        fn domain_snapshot_num(&self, dom: &$crate::DomainRef, flags: u32) -> $crate::Result<u32> {
            let names = self.$($names)+(dom, None, flags, concat!($prefix, "DomainSnapshotNum"))?;
            Ok(names.len() as u32)
        }

        fn domain_snapshot_list_names(
            &self,
            dom: &$crate::DomainRef,
            flags: u32,
        ) -> $crate::Result<Vec<String>> {
            let names =
                self.$($names)+(dom, None, flags, concat!($prefix, "DomainSnapshotListNames"))?;
            Ok(names)
        }

        fn domain_list_all_snapshots(
            &self,
            dom: &$crate::DomainRef,
            flags: u32,
        ) -> $crate::Result<Vec<$crate::DomainSnapshotRef>> {
            let names =
                self.$($names)+(dom, None, flags, concat!($prefix, "DomainListAllSnapshots"))?;
            Ok(names
                .into_iter()
                .map(|name| $crate::DomainSnapshotRef {
                    domain: dom.clone(),
                    name,
                })
                .collect())
        }

        fn domain_snapshot_num_children(
            &self,
            snap: &$crate::DomainSnapshotRef,
            flags: u32,
        ) -> $crate::Result<u32> {
            let names = self.$($names)+(
                &snap.domain,
                Some(&snap.name),
                flags,
                concat!($prefix, "DomainSnapshotNumChildren"),
            )?;
            Ok(names.len() as u32)
        }

        fn domain_snapshot_list_children_names(
            &self,
            snap: &$crate::DomainSnapshotRef,
            flags: u32,
        ) -> $crate::Result<Vec<String>> {
            let names = self.$($names)+(
                &snap.domain,
                Some(&snap.name),
                flags,
                concat!($prefix, "DomainSnapshotListChildrenNames"),
            )?;
            Ok(names)
        }

        fn domain_snapshot_list_all_children(
            &self,
            snap: &$crate::DomainSnapshotRef,
            flags: u32,
        ) -> $crate::Result<Vec<$crate::DomainSnapshotRef>> {
            let names = self.$($names)+(
                &snap.domain,
                Some(&snap.name),
                flags,
                concat!($prefix, "DomainSnapshotListAllChildren"),
            )?;
            Ok(names
                .into_iter()
                .map(|name| $crate::DomainSnapshotRef {
                    domain: snap.domain.clone(),
                    name,
                })
                .collect())
        }
    };
}
