//! Domain checkpoints as libvirt 9.0's test driver keeps them: metadata
//! only (which disks get a dirty bitmap, the definition at the time), a
//! tree per domain with a current checkpoint. As there, a running domain
//! is needed to make one, and checkpoints and snapshots exclude each other.

use crate::domains::DomainObj;
use crate::driver::TestConnection;
use crate::error::{check_flags, TestError, TestResult};
use crate::moments::{find, for_create, handle, name_new};
use virt_core::moment::Checkpoint;
use virt_core::{
    checkpoint_create_flags as cf, checkpoint_xml_flags as xf, DomainCheckpointRef, DomainRef,
    Result,
};
use virt_xml::checkpoint::{parse_checkpoint, CheckpointDef, CheckpointFormat};

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
        let obj = for_create::<Checkpoint>(&mut doms, dom)?;
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
            let name = name_new(&mut def.name, &mut def.creation_time);
            def.domain = Some(Box::new(obj.def.clone()));
            def.align_disks(&obj.def).map_err(TestError::Xml)?;
            def.parent = obj.checkpoints.current().map(str::to_string);
            obj.checkpoints.add(def).map_err(TestError::Snapshots)?;
            obj.checkpoints.set_current(Some(&name));
            name
        };
        Ok(handle::<Checkpoint>(obj, &name))
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
        self.with_dom(&chk.domain, |obj| {
            let def = find::<Checkpoint>(obj, &chk.name)?;
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
}
