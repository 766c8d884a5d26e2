//! Domain checkpoints as libvirt 9.0's test driver keeps them: metadata
//! only (which disks get a dirty bitmap, the definition at the time), a
//! tree per domain with a current checkpoint. As there, a running domain
//! is needed to make one, and checkpoints and snapshots exclude each other.

use crate::domains::DomainObj;
use crate::driver::TestConnection;
use crate::error::{check_flags, TestError, TestResult};
use crate::snapshots::now;
use virt_core::{
    checkpoint_create_flags as cf, checkpoint_delete_flags as df, checkpoint_list_flags as lf,
    checkpoint_xml_flags as xf, DomainCheckpointRef, DomainRef, Result,
};
use virt_xml::checkpoint::{parse_checkpoint, CheckpointDef, CheckpointFormat};

/// The flags every listing takes.
const LIST_FLAGS: u32 = lf::ROOTS | lf::TOPOLOGICAL | lf::FILTERS_ALL;

fn find<'a>(obj: &'a DomainObj, name: &str) -> TestResult<&'a CheckpointDef> {
    obj.checkpoints.get(name).ok_or_else(|| {
        TestError::NoCheckpoint(format!("no domain checkpoint with matching name '{name}'"))
    })
}

fn handle(obj: &DomainObj, name: &str) -> DomainCheckpointRef {
    DomainCheckpointRef {
        domain: obj.as_ref(),
        name: name.to_string(),
    }
}

impl TestConnection {
    /// `virDomainCheckpointCreateXML`.
    pub(crate) fn checkpoint_create(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: u32,
    ) -> Result<DomainCheckpointRef> {
        check_flags(
            flags,
            cf::REDEFINE | cf::QUIESCE,
            "testDomainCheckpointCreateXML",
        )?;
        let redefine = flags & cf::REDEFINE != 0;
        let mut doms = self.write();
        let obj = doms.for_ref_mut(dom)?;
        if !obj.snapshots.is_empty() {
            return Err(TestError::Unsupported(
                "cannot create checkpoint while snapshot exists".into(),
            )
            .into());
        }
        if !obj.is_active() {
            return Err(TestError::Unsupported(
                "cannot create checkpoint for inactive domain".into(),
            )
            .into());
        }
        let mut def = parse_checkpoint(xml, redefine).map_err(TestError::Xml)?;
        let name = if redefine {
            Self::checkpoint_redefine(obj, def)?
        } else {
            def.creation_time = Some(now());
            let name = def
                .name
                .clone()
                .unwrap_or_else(|| def.creation_time.unwrap_or_default().to_string());
            def.name = Some(name.clone());
            def.domain = Some(Box::new(obj.def.clone()));
            def.align_disks(&obj.def).map_err(TestError::Xml)?;
            def.parent = obj.checkpoints.current().map(str::to_string);
            obj.checkpoints.add(def).map_err(TestError::Snapshots)?;
            obj.checkpoints.set_current(Some(&name));
            name
        };
        Ok(handle(obj, &name))
    }

    /// The REDEFINE half of `checkpoint_create`: libvirt's
    /// `virDomainCheckpointRedefinePrep` checks, then the metadata stored
    /// in place of any of the same name (its children kept). It becomes
    /// current when it is the first, or a child of the current one.
    fn checkpoint_redefine(obj: &mut DomainObj, mut def: CheckpointDef) -> TestResult<String> {
        obj.checkpoints
            .check_cycles(&def)
            .map_err(TestError::Snapshots)?;
        let name = def.name.clone().unwrap_or_default();
        match def.domain.as_deref() {
            Some(d) => {
                if d.uuid.is_some_and(|u| u != obj.uuid) {
                    return Err(TestError::Xml(virt_xml::XmlError::Refused {
                        code: virt_core::ErrorCode::InvalidArg,
                        domain: virt_core::ErrorDomain::DomainCheckpoint,
                        message: format!(
                            "invalid argument: definition for checkpoint {name} must use uuid {}",
                            obj.uuid
                        ),
                    }));
                }
                let d = d.clone();
                def.align_disks(&d).map_err(TestError::Xml)?;
            }
            None => def.assign_bitmap_names(),
        }
        let current = obj.checkpoints.current();
        let update_current =
            current.is_none() || def.parent.is_some() && def.parent.as_deref() == current;
        obj.checkpoints.replace(def);
        if update_current {
            obj.checkpoints.set_current(Some(&name));
        }
        Ok(name)
    }

    /// `virDomainCheckpointGetXMLDesc`. libvirt 9.0's test driver checks
    /// that the domain runs for `SIZE` but never marks a size measured, so
    /// none is written.
    pub(crate) fn checkpoint_xml(&self, chk: &DomainCheckpointRef, flags: u32) -> Result<String> {
        check_flags(
            flags,
            xf::SECURE | xf::NO_DOMAIN | xf::SIZE,
            "testDomainCheckpointGetXMLDesc",
        )?;
        self.with_checkpoints(&chk.domain, |obj| {
            let def = find(obj, &chk.name)?;
            if flags & xf::SIZE != 0 && !obj.is_active() {
                return Err(TestError::NotRunning);
            }
            Ok(def.to_xml(CheckpointFormat {
                secure: flags & xf::SECURE != 0,
                no_domain: flags & xf::NO_DOMAIN != 0,
                size: flags & xf::SIZE != 0,
            }))
        })
    }

    /// The checkpoints a domain's (or, with `from`, a checkpoint's) listing
    /// gives.
    pub(crate) fn checkpoint_list(
        &self,
        dom: &DomainRef,
        from: Option<&str>,
        flags: u32,
    ) -> Result<Vec<DomainCheckpointRef>> {
        let function = match from {
            None => "testDomainListAllCheckpoints",
            Some(_) => "testDomainCheckpointListAllChildren",
        };
        check_flags(flags, LIST_FLAGS, function)?;
        self.with_checkpoints(dom, |obj| {
            if let Some(f) = from {
                find(obj, f)?;
            }
            Ok(obj
                .checkpoints
                .list(from, flags)
                .into_iter()
                .map(|n| handle(obj, n))
                .collect())
        })
    }

    /// `virDomainCheckpointLookupByName`.
    pub(crate) fn checkpoint_lookup(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<DomainCheckpointRef> {
        check_flags(flags, 0, "testDomainCheckpointLookupByName")?;
        self.with_checkpoints(dom, |obj| {
            find(obj, name)?;
            Ok(handle(obj, name))
        })
    }

    /// `virDomainCheckpointGetParent`.
    pub(crate) fn checkpoint_parent(
        &self,
        chk: &DomainCheckpointRef,
        flags: u32,
    ) -> Result<DomainCheckpointRef> {
        check_flags(flags, 0, "testDomainCheckpointGetParent")?;
        self.with_checkpoints(&chk.domain, |obj| {
            let parent = find(obj, &chk.name)?.parent.as_deref().ok_or_else(|| {
                TestError::NoCheckpoint(format!("checkpoint '{}' does not have a parent", chk.name))
            })?;
            Ok(handle(obj, parent))
        })
    }

    /// `virDomainCheckpointDelete`: the checkpoint (its children move up
    /// to its parent), with its descendants, or its descendants only; the
    /// current mark moves as libvirt moves it. The test driver keeps no
    /// bitmaps, so `METADATA_ONLY` changes nothing more.
    pub(crate) fn checkpoint_delete(&self, chk: &DomainCheckpointRef, flags: u32) -> Result<()> {
        check_flags(
            flags,
            df::CHILDREN | df::METADATA_ONLY | df::CHILDREN_ONLY,
            "testDomainCheckpointDelete",
        )?;
        let mut doms = self.write();
        let obj = doms.for_ref_mut(&chk.domain)?;
        find(obj, &chk.name)?;
        obj.checkpoints.remove(
            &chk.name,
            flags & df::CHILDREN != 0,
            flags & df::CHILDREN_ONLY != 0,
        );
        Ok(())
    }

    fn with_checkpoints<T>(
        &self,
        dom: &DomainRef,
        f: impl FnOnce(&DomainObj) -> TestResult<T>,
    ) -> Result<T> {
        let doms = self.read();
        Ok(f(doms.for_ref(dom)?)?)
    }
}
