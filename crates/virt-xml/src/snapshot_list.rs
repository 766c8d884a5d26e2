//! A domain's snapshots as a tree (libvirt's `virDomainMomentObjList` and
//! its snapshot filters): parents, children, the current snapshot, the
//! listings with their filter flags, and deletion with or without the
//! descendants. Drivers keep one per domain.

use crate::snapshot::SnapshotDef;
use virt_core::snapshot_list_flags as lf;
use virt_core::{Error, ErrorCode, ErrorDomain};

/// One domain's snapshots, in the order they were added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SnapshotList {
    defs: Vec<SnapshotDef>,
    current: Option<String>,
}

fn name_of(d: &SnapshotDef) -> &str {
    d.name.as_deref().unwrap_or_default()
}

impl SnapshotList {
    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.defs.len()
    }

    /// The snapshot called `name`.
    pub fn get(&self, name: &str) -> Option<&SnapshotDef> {
        self.defs.iter().find(|d| name_of(d) == name)
    }

    /// The snapshot called `name`, for changes.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut SnapshotDef> {
        self.defs.iter_mut().find(|d| name_of(d) == name)
    }

    /// Every snapshot, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = &SnapshotDef> {
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
                let p = d.parent.as_deref().filter(|p| self.get(p).is_some());
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
    pub fn add(&mut self, def: SnapshotDef) -> Result<(), Error> {
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
    pub fn replace(&mut self, def: SnapshotDef) {
        match self.defs.iter_mut().find(|d| d.name == def.name) {
            Some(slot) => *slot = def,
            None => self.defs.push(def),
        }
    }

    /// libvirt's check of a redefined snapshot's parent: it must exist
    /// and must not make a cycle.
    pub fn check_cycles(&self, def: &SnapshotDef) -> Result<(), Error> {
        let arg = |m: String| {
            Error::raw(
                ErrorCode::InvalidArg,
                ErrorDomain::Domain,
                format!("invalid argument: {m}"),
            )
        };
        let name = name_of(def);
        let Some(parent) = def.parent.as_deref() else {
            return Ok(());
        };
        if parent == name {
            return Err(arg(format!("cannot set moment {name} as its own parent")));
        }
        let mut other = self
            .get(parent)
            .ok_or_else(|| arg(format!("parent {parent} for moment {name} not found")))?;
        while let Some(p) = other.parent.as_deref() {
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
    /// keeps the roots) or of a snapshot's children (`DESCENDANTS` for all
    /// below it), filtered as `flags` says (`snapshot_list_flags`). The
    /// order is topological.
    pub fn list(&self, from: Option<&str>, flags: u32) -> Vec<&str> {
        let mut flags = flags;
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
        let pair = |f: &mut u32, both: u32| {
            if *f & both == both {
                *f &= !both;
            }
        };
        pair(&mut flags, lf::LEAVES | lf::NO_LEAVES);
        let status = lf::INACTIVE | lf::ACTIVE | lf::DISK_ONLY;
        pair(&mut flags, status);
        pair(&mut flags, lf::INTERNAL | lf::EXTERNAL);
        // Every snapshot here has metadata.
        if flags & (lf::METADATA | lf::NO_METADATA) == lf::NO_METADATA {
            return Vec::new();
        }
        names
            .into_iter()
            .filter(|n| {
                let Some(d) = self.get(n) else { return false };
                let leaf = self.children(Some(n)).is_empty();
                if flags & lf::LEAVES != 0 && !leaf || flags & lf::NO_LEAVES != 0 && leaf {
                    return false;
                }
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
        let parent = self.get(name).and_then(|d| d.parent.clone());
        if !children_only {
            gone.push(name.to_string());
            for d in &mut self.defs {
                if d.parent.as_deref() == Some(name) {
                    d.parent = parent.clone();
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
