//! Memory sizes: the balloon of a running guest, the sizes of its
//! definitions.

use super::*;

impl QemuDriver {
    /// Set the current memory (or with MAXIMUM the maximum, persistent
    /// only) of the definitions `flags` point at, ballooning a running
    /// guest.
    pub(super) fn set_memory(&self, dom: &DomainRef, kib: u64, flags: u32) -> QemuResult<()> {
        let (d, affect::Defs { live, config }) = self.open_affected(dom, flags)?;
        if flags & affect::MAXIMUM != 0 {
            if live {
                return Err(QemuError::OperationUnsupported(
                    "cannot resize the maximum memory on an active domain".into(),
                ));
            }
            let mut def = self.def(&d.name, false)?;
            def.memory = kib;
            if def.current_memory.is_some_and(|c| c > kib) {
                def.current_memory = Some(kib);
            }
            return self.store_config(&def);
        }
        let above_max = || QemuError::InvalidArg("cannot set memory higher than max memory".into());
        if live {
            let rt = d.runtime()?;
            let mut def = self.def(&d.name, true)?;
            if kib > def.memory {
                return Err(above_max());
            }
            if !rt.balloon {
                return Err(QemuError::Invalid(
                    "Unable to change memory of active domain without the balloon device and \
                     guest OS balloon driver"
                        .into(),
                ));
            }
            let mut mon = Self::monitor_session(rt)?;
            mon.execute("balloon", Some(json!({"value": kib * 1024})))?;
            def.current_memory = Some(kib);
            self.store_live(&def, rt.id)?;
        }
        if config {
            let mut def = self.def(&d.name, false)?;
            if kib > def.memory {
                return Err(above_max());
            }
            def.current_memory = Some(kib);
            self.store_config(&def)?;
        }
        Ok(())
    }
}
