//! What libvirt 9.0's test driver does alike for snapshots and
//! checkpoints (its `virDomainMomentObj` calls): find one by name, its
//! parent, the listings, delete. [`TestMoment`] says where a domain keeps
//! each kind and the driver's names for them; snapshots.rs and
//! checkpoints.rs keep what differs (create, XML, revert).

use crate::domains::{DomainObj, Domains};
use crate::driver::TestConnection;
use crate::error::{check_flags, TestError, TestResult};
use virt_core::moment::{Checkpoint, Snapshot};
use virt_core::{
    checkpoint_delete_flags, checkpoint_list_flags, snapshot_delete_flags, snapshot_list_flags,
    DomainRef, MomentKind, Result,
};
use virt_xml::checkpoint::CheckpointDef;
use virt_xml::snapshot::SnapshotDef;
use virt_xml::{Moment, MomentList};

/// A moment kind as the test driver keeps it.
pub(crate) trait TestMoment: MomentKind {
    /// Its definition.
    type Def: Moment;
    /// The kind a domain cannot keep beside this one: libvirt's test
    /// driver, as its qemu driver, makes no snapshot while a checkpoint
    /// exists and no checkpoint while a snapshot exists.
    type Other: TestMoment;
    /// The driver's function names in its unsupported-flags errors.
    const LOOKUP: &'static str;
    /// See [`TestMoment::LOOKUP`].
    const PARENT: &'static str;
    /// See [`TestMoment::LOOKUP`].
    const DELETE: &'static str;
    /// The listing flags the driver takes.
    const LIST_ACCEPTED: u32;
    /// The delete flags the driver takes.
    const DELETE_ACCEPTED: u32;
    /// A domain's moments of this kind.
    fn moments(obj: &DomainObj) -> &MomentList<Self::Def>;
    /// The same, for changes.
    fn moments_mut(obj: &mut DomainObj) -> &mut MomentList<Self::Def>;
    /// The names a listing gives, with this kind's filters.
    fn listed<'a>(list: &'a MomentList<Self::Def>, from: Option<&str>, flags: u32) -> Vec<&'a str>;
    /// The "not found" error with its message.
    fn no_such(message: String) -> TestError;
}

impl TestMoment for Snapshot {
    type Def = SnapshotDef;
    type Other = Checkpoint;
    const LOOKUP: &'static str = "testDomainSnapshotLookupByName";
    const PARENT: &'static str = "testDomainSnapshotGetParent";
    const DELETE: &'static str = "testDomainSnapshotDelete";
    const LIST_ACCEPTED: u32 = snapshot_list_flags::ROOTS
        | snapshot_list_flags::TOPOLOGICAL
        | snapshot_list_flags::FILTERS_ALL;
    // Its snapshots are metadata only: nothing to keep behind.
    const DELETE_ACCEPTED: u32 =
        snapshot_delete_flags::CHILDREN | snapshot_delete_flags::CHILDREN_ONLY;
    fn moments(obj: &DomainObj) -> &MomentList<SnapshotDef> {
        &obj.snapshots
    }
    fn moments_mut(obj: &mut DomainObj) -> &mut MomentList<SnapshotDef> {
        &mut obj.snapshots
    }
    fn listed<'a>(
        list: &'a MomentList<SnapshotDef>,
        from: Option<&str>,
        flags: u32,
    ) -> Vec<&'a str> {
        list.list(from, flags)
    }
    fn no_such(message: String) -> TestError {
        TestError::NoSnapshot(message)
    }
}

impl TestMoment for Checkpoint {
    type Def = CheckpointDef;
    type Other = Snapshot;
    const LOOKUP: &'static str = "testDomainCheckpointLookupByName";
    const PARENT: &'static str = "testDomainCheckpointGetParent";
    const DELETE: &'static str = "testDomainCheckpointDelete";
    const LIST_ACCEPTED: u32 = checkpoint_list_flags::ROOTS
        | checkpoint_list_flags::TOPOLOGICAL
        | checkpoint_list_flags::FILTERS_ALL;
    // It keeps no bitmaps, so METADATA_ONLY changes nothing more.
    const DELETE_ACCEPTED: u32 = checkpoint_delete_flags::CHILDREN
        | checkpoint_delete_flags::METADATA_ONLY
        | checkpoint_delete_flags::CHILDREN_ONLY;
    fn moments(obj: &DomainObj) -> &MomentList<CheckpointDef> {
        &obj.checkpoints
    }
    fn moments_mut(obj: &mut DomainObj) -> &mut MomentList<CheckpointDef> {
        &mut obj.checkpoints
    }
    fn listed<'a>(
        list: &'a MomentList<CheckpointDef>,
        from: Option<&str>,
        flags: u32,
    ) -> Vec<&'a str> {
        list.list(from, flags)
    }
    fn no_such(message: String) -> TestError {
        TestError::NoCheckpoint(message)
    }
}

/// The moment a handle names, in its domain's list.
pub(crate) fn find<'a, K: TestMoment>(obj: &'a DomainObj, name: &str) -> TestResult<&'a K::Def> {
    K::moments(obj)
        .get(name)
        .ok_or_else(|| K::no_such(format!("no domain {} with matching name '{name}'", K::NAME)))
}

/// The opening of a create: the domain for changes, refused while it
/// keeps moments of the [`TestMoment::Other`] kind.
pub(crate) fn for_create<'a, K: TestMoment>(
    doms: &'a mut Domains,
    dom: &DomainRef,
) -> TestResult<&'a mut DomainObj> {
    let obj = doms.for_ref_mut(dom)?;
    if !K::Other::moments(obj).is_empty() {
        return Err(TestError::Unsupported(format!(
            "cannot create {} while {} exists",
            K::NAME,
            <K::Other as MomentKind>::NAME
        )));
    }
    Ok(obj)
}

/// A new moment's name: the one it was given, else its creation time in
/// seconds (libvirt's virDomainMomentDefPostParse), which is now.
pub(crate) fn name_new(name: &mut Option<String>, creation_time: &mut Option<i64>) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    *creation_time = Some(now);
    name.get_or_insert_with(|| now.to_string()).clone()
}

/// The identity of the moment `name` of `obj`.
pub(crate) fn handle<K: TestMoment>(obj: &DomainObj, name: &str) -> K::Ref {
    K::make_ref(obj.as_ref(), name.to_string())
}

impl TestConnection {
    /// The names a domain's (or, with `from`, a moment's) listing gives;
    /// `function` names the call in an unsupported-flags error.
    pub(crate) fn moment_names<K: TestMoment>(
        &self,
        dom: &DomainRef,
        from: Option<&str>,
        flags: u32,
        function: &'static str,
    ) -> Result<Vec<String>> {
        check_flags(flags, K::LIST_ACCEPTED, function)?;
        self.with_dom(dom, |obj| {
            if let Some(f) = from {
                find::<K>(obj, f)?;
            }
            Ok(K::listed(K::moments(obj), from, flags)
                .into_iter()
                .map(str::to_string)
                .collect())
        })
    }

    /// The same listing as handles.
    pub(crate) fn moment_list<K: TestMoment>(
        &self,
        dom: &DomainRef,
        from: Option<&str>,
        flags: u32,
        function: &'static str,
    ) -> Result<Vec<K::Ref>> {
        let names = self.moment_names::<K>(dom, from, flags, function)?;
        Ok(names
            .into_iter()
            .map(|name| K::make_ref(dom.clone(), name))
            .collect())
    }

    /// `virDomainSnapshotLookupByName`, `virDomainCheckpointLookupByName`.
    pub(crate) fn moment_lookup<K: TestMoment>(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<K::Ref> {
        check_flags(flags, 0, K::LOOKUP)?;
        self.with_dom(dom, |obj| {
            find::<K>(obj, name)?;
            Ok(handle::<K>(obj, name))
        })
    }

    /// `virDomainSnapshotGetParent`, `virDomainCheckpointGetParent`.
    pub(crate) fn moment_parent<K: TestMoment>(&self, r: &K::Ref, flags: u32) -> Result<K::Ref> {
        check_flags(flags, 0, K::PARENT)?;
        let name = K::ref_name(r);
        self.with_dom(K::ref_domain(r), |obj| {
            let parent = find::<K>(obj, name)?.moment_parent().ok_or_else(|| {
                K::no_such(format!("{} '{name}' does not have a parent", K::NAME))
            })?;
            Ok(handle::<K>(obj, parent))
        })
    }

    /// `virDomainSnapshotDelete`, `virDomainCheckpointDelete`: the moment
    /// (its children move up to its parent), with its descendants, or its
    /// descendants only; the current mark moves as libvirt moves it.
    pub(crate) fn moment_delete<K: TestMoment>(&self, r: &K::Ref, flags: u32) -> Result<()> {
        check_flags(flags, K::DELETE_ACCEPTED, K::DELETE)?;
        let name = K::ref_name(r);
        self.with_dom_mut(K::ref_domain(r), |obj| {
            find::<K>(obj, name)?;
            K::moments_mut(obj).remove(
                name,
                flags & K::DELETE_CHILDREN != 0,
                flags & K::DELETE_CHILDREN_ONLY != 0,
            );
            Ok(())
        })
    }
}
