//! Memory sizes: the balloon of a running guest, the sizes of its
//! definitions, and how often the guest's balloon driver reports its
//! memory statistics.

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

/// The definition's balloon (a `<memballoon>` other than model `none`)
/// and its place among them.
pub(super) fn balloon(def: &DomainDef) -> Option<(usize, MemBalloon)> {
    def.devices
        .views::<MemBalloon>()
        .ok()?
        .into_iter()
        .enumerate()
        .find(|(_, b)| b.model != "none")
}

/// The QOM path of the balloon device the command line gives every guest
/// with a virtio balloon (`id=balloon0`).
const BALLOON_PATH: &str = "/machine/peripheral/balloon0";

/// Ask the guest's balloon driver for statistics every `period` seconds
/// (0: stop), QEMU's `guest-stats-polling-interval`.
pub(super) fn set_stats_period(mon: &mut Monitor<UnixStream>, period: u32) -> QemuResult<()> {
    mon.execute(
        "qom-set",
        Some(json!({
            "path": BALLOON_PATH,
            "property": "guest-stats-polling-interval",
            "value": period,
        })),
    )
    .map(drop)
}

impl QemuDriver {
    /// `virDomainSetMemoryStatsPeriod`: the balloon's statistics period
    /// of the definitions `flags` point at, the running guest's through
    /// QEMU, as libvirt's QEMU driver sets it.
    pub(super) fn set_memory_stats_period(
        &self,
        dom: &DomainRef,
        period: i32,
        flags: u32,
    ) -> QemuResult<()> {
        check_flags(
            flags,
            affect::LIVE | affect::CONFIG,
            "qemuDomainSetMemoryStatsPeriod",
        )?;
        let period = u32::try_from(period).map_err(|_| {
            QemuError::InvalidArg(format!("period must be zero or greater: {period}"))
        })?;
        let (d, affect::Defs { live, config }) = self.open_affected(dom, flags)?;
        let no_balloon = || {
            QemuError::Internal(
                "No memory balloon device configured, can not set the collection period".into(),
            )
        };
        if live {
            let rt = d.runtime()?;
            let mut def = self.def(&d.name, true)?;
            let (n, mut b) = balloon(&def).ok_or_else(no_balloon)?;
            let mut mon = Self::monitor_session(rt)?;
            set_stats_period(&mut mon, period).map_err(|_| {
                QemuError::Invalid("unable to set balloon driver collection period".into())
            })?;
            b.stats_period = (period != 0).then_some(period);
            def.devices.set_view(n, &b);
            self.store_live(&def, rt.id)?;
        }
        if config {
            let mut def = self.def(&d.name, false)?;
            let (n, mut b) = balloon(&def).ok_or_else(no_balloon)?;
            b.stats_period = (period != 0).then_some(period);
            def.devices.set_view(n, &b);
            self.store_config(&def)?;
        }
        Ok(())
    }
}
