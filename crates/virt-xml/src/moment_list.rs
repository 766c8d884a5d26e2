//! A domain's snapshots or checkpoints ("moments") as a tree (libvirt's
//! `virDomainMomentObjList`): parents, children, the current one, the
//! listings with their filter flags, and deletion with or without the
//! descendants. Drivers keep one per domain and kind; each kind adds its
//! own listing filters (snapshots: state, location, metadata).

use crate::checkpoint::CheckpointDef;
use crate::snapshot::SnapshotDef;
use virt_core::snapshot_list_flags as lf;
use virt_core::{Error, ErrorCode, ErrorDomain};

/// What a moment list needs of its entries: a name and a parent's name.
pub trait Moment {
    /// The moment's name (empty when it has none yet).
    fn moment_name(&self) -> &str;
    /// Its parent's name.
    fn moment_parent(&self) -> Option<&str>;
    /// Give it another parent.
    fn set_moment_parent(&mut self, parent: Option<String>);
}

/// [`Moment`] for definitions that keep their name and parent's name in
/// `name` and `parent` fields.
macro_rules! moment_by_fields {
    ($($def:ty),*) => {$(
        impl Moment for $def {
            fn moment_name(&self) -> &str {
                self.name.as_deref().unwrap_or_default()
            }
            fn moment_parent(&self) -> Option<&str> {
                self.parent.as_deref()
            }
            fn set_moment_parent(&mut self, parent: Option<String>) {
                self.parent = parent;
            }
        }
    )*};
}

moment_by_fields!(SnapshotDef, CheckpointDef);

/// One domain's moments of one kind, in the order they were added.
#[derive(Debug, Clone, PartialEq)]
pub struct MomentList<M> {
    defs: Vec<M>,
    current: Option<String>,
}

impl<M> Default for MomentList<M> {
    fn default() -> Self {
        MomentList {
            defs: Vec::new(),
            current: None,
        }
    }
}

/// A domain's snapshots.
pub type SnapshotList = MomentList<SnapshotDef>;

/// A domain's checkpoints.
pub type CheckpointList = MomentList<CheckpointDef>;

fn name_of<M: Moment>(d: &M) -> &str {
    d.moment_name()
}

impl<M: Moment> MomentList<M> {
    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.defs.len()
    }

    /// The snapshot called `name`.
    pub fn get(&self, name: &str) -> Option<&M> {
        self.defs.iter().find(|d| name_of(*d) == name)
    }

    /// The snapshot called `name`, for changes.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut M> {
        self.defs.iter_mut().find(|d| name_of(&**d) == name)
    }

    /// Every snapshot, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = &M> {
        self.defs.iter()
    }

    /// The current snapshot's name.
    pub fn current(&self) -> Option<&str> {
        self.current.as_deref()
    }

    /// Make `name` (or none) the current snapshot.
    pub fn set_current(&mut self, name: Option<&str>) {
        self.current = name.map(str::to_string);
    }

    /// The children of `parent` (of none: the roots), in the order added.
    pub fn children(&self, parent: Option<&str>) -> Vec<&str> {
        self.defs
            .iter()
            .filter(|d| {
                let p = d.moment_parent().filter(|p| self.get(p).is_some());
                p == parent
            })
            .map(name_of)
            .collect()
    }

    /// Every descendant of `from` (of none: every snapshot), parents first.
    pub fn descendants(&self, from: Option<&str>) -> Vec<&str> {
        let mut out = Vec::new();
        let mut stack: Vec<&str> = self.children(from).into_iter().rev().collect();
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(self.children(Some(n)).into_iter().rev());
        }
        out
    }

    /// Add a snapshot; its name must be new ("domain moment NAME already
    /// exists").
    pub fn add(&mut self, def: M) -> Result<(), Error> {
        if self.get(name_of(&def)).is_some() {
            return Err(Error::raw(
                ErrorCode::OperationFailed,
                ErrorDomain::Domain,
                format!(
                    "operation failed: domain moment {} already exists",
                    name_of(&def)
                ),
            ));
        }
        self.defs.push(def);
        Ok(())
    }

    /// Put `def` in place of the snapshot of the same name, or add it.
    pub fn replace(&mut self, def: M) {
        match self.defs.iter_mut().find(|d| name_of(*d) == name_of(&def)) {
            Some(slot) => *slot = def,
            None => self.defs.push(def),
        }
    }

    /// libvirt's check of a redefined snapshot's parent: it must exist
    /// and must not make a cycle.
    pub fn check_cycles(&self, def: &M) -> Result<(), Error> {
        let arg = |m: String| {
            Error::raw(
                ErrorCode::InvalidArg,
                ErrorDomain::Domain,
                format!("invalid argument: {m}"),
            )
        };
        let name = name_of(def);
        let Some(parent) = def.moment_parent() else {
            return Ok(());
        };
        if parent == name {
            return Err(arg(format!("cannot set moment {name} as its own parent")));
        }
        let mut other = self
            .get(parent)
            .ok_or_else(|| arg(format!("parent {parent} for moment {name} not found")))?;
        while let Some(p) = other.moment_parent() {
            if p == name {
                return Err(arg(format!(
                    "parent {} would create cycle to {name}",
                    name_of(other)
                )));
            }
            match self.get(p) {
                Some(o) => other = o,
                None => break,
            }
        }
        Ok(())
    }

    /// The names a listing gives: of the domain (`from` none; `ROOTS`
    /// keeps the roots) or of a moment's children (`DESCENDANTS` for all
    /// below it), keeping leaves or non-leaves as `flags` says and what
    /// `keep` accepts. Both kinds share these bits (`ROOTS` and
    /// `DESCENDANTS` 1, `LEAVES` 4, `NO_LEAVES` 8). The order is
    /// topological.
    pub fn select(&self, from: Option<&str>, flags: u32, keep: impl Fn(&M) -> bool) -> Vec<&str> {
        // ROOTS and DESCENDANTS share a bit with opposite meanings: the
        // domain's listing is the metaroot's, descendants unless ROOTS.
        let all = if from.is_none() {
            flags & lf::ROOTS == 0
        } else {
            flags & lf::DESCENDANTS != 0
        };
        let names = if all {
            self.descendants(from)
        } else {
            self.children(from)
        };
        let leaves = match flags & (lf::LEAVES | lf::NO_LEAVES) {
            lf::LEAVES => Some(true),
            lf::NO_LEAVES => Some(false),
            _ => None,
        };
        names
            .into_iter()
            .filter(|n| {
                let Some(d) = self.get(n) else { return false };
                let leaf = self.children(Some(n)).is_empty();
                leaves.is_none_or(|want| want == leaf) && keep(d)
            })
            .collect()
    }

    /// Remove `name` and, with `children`, its descendants; with
    /// `children_only` only the descendants. Children of a removed
    /// snapshot move up to its parent, and the current mark moves to the
    /// nearest remaining ancestor. Returns the names removed.
    pub fn remove(&mut self, name: &str, children: bool, children_only: bool) -> Vec<String> {
        let mut gone: Vec<String> = Vec::new();
        if children || children_only {
            gone.extend(self.descendants(Some(name)).into_iter().map(str::to_string));
        }
        let parent = self
            .get(name)
            .and_then(|d| d.moment_parent().map(str::to_string));
        if !children_only {
            gone.push(name.to_string());
            for d in &mut self.defs {
                if d.moment_parent() == Some(name) {
                    d.set_moment_parent(parent.clone());
                }
            }
        }
        let current_gone = self
            .current
            .as_deref()
            .is_some_and(|c| gone.iter().any(|g| g == c));
        self.defs.retain(|d| !gone.iter().any(|g| g == name_of(d)));
        if current_gone {
            self.current = if children_only {
                Some(name.to_string())
            } else {
                parent.filter(|p| self.get(p).is_some())
            };
        }
        gone
    }
}

impl SnapshotList {
    /// The names a snapshot listing gives ([`MomentList::select`]),
    /// filtered also by state, location and metadata as `flags` says
    /// (`snapshot_list_flags`).
    pub fn list(&self, from: Option<&str>, flags: u32) -> Vec<&str> {
        let mut flags = flags;
        let pair = |f: &mut u32, both: u32| {
            if *f & both == both {
                *f &= !both;
            }
        };
        let status = lf::INACTIVE | lf::ACTIVE | lf::DISK_ONLY;
        pair(&mut flags, status);
        pair(&mut flags, lf::INTERNAL | lf::EXTERNAL);
        // Every snapshot here has metadata.
        if flags & (lf::METADATA | lf::NO_METADATA) == lf::NO_METADATA {
            return Vec::new();
        }
        self.select(from, flags, |d| {
            if flags & status != 0 {
                let bit = match d.state.as_deref() {
                    Some("shutoff") => lf::INACTIVE,
                    Some("disk-snapshot") => lf::DISK_ONLY,
                    _ => lf::ACTIVE,
                };
                if flags & bit == 0 {
                    return false;
                }
            }
            let external = d.is_external();
            !(flags & lf::INTERNAL != 0 && external || flags & lf::EXTERNAL != 0 && !external)
        })
    }
}

impl CheckpointList {
    /// The names a checkpoint listing gives ([`MomentList::select`]; no
    /// other filters: `checkpoint_list_flags`).
    pub fn list(&self, from: Option<&str>, flags: u32) -> Vec<&str> {
        self.select(from, flags, |_| true)
    }
}
