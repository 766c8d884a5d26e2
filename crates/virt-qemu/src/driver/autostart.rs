//! Autostart: the marks in the autostart dir, and starting the marked
//! guests once per host boot.

use super::*;

impl QemuDriver {
    /// Mark `name` (persistent, the caller holds its lock) to start with
    /// the host, or not: a link to its definition in the autostart dir.
    pub(super) fn mark_autostart(&self, name: &str, autostart: bool) -> QemuResult<()> {
        if !self.paths.config_xml(name).exists() {
            return Err(QemuError::Invalid(
                "cannot set autostart for transient domain".into(),
            ));
        }
        let link = self.paths.autostart(name);
        if autostart {
            if !link.exists() {
                std::os::unix::fs::symlink(format!("../{name}.xml"), &link).map_err(|e| {
                    QemuError::system(format!("Failed to create symlink '{}'", link.display()), e)
                })?;
            }
        } else {
            state::remove_quiet(&link);
        }
        Ok(())
    }

    /// Start the defined domains marked autostart, once per host boot.
    ///
    /// libvirt starts them when its daemon starts. There is no daemon yet,
    /// so the first connection opened after the host booted plays that
    /// part (as the first client spawns libvirt's session daemon): the
    /// boot id it did this for is kept in the runtime dir, and later
    /// connections of the same boot start nothing, so a guest the user
    /// stopped stays stopped. A guest that fails to start is logged and
    /// the others still start. Returns what was tried, with the outcome.
    pub fn autostart_guests(&self) -> Vec<(String, QemuResult<()>)> {
        let marker = self.paths.run.join("autostarted");
        let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .map(|b| b.trim().to_string())
            .unwrap_or_default();
        {
            let Ok(_g) = self.driver_lock() else {
                return Vec::new();
            };
            if std::fs::read_to_string(&marker).is_ok_and(|m| m.trim() == boot) {
                return Vec::new();
            }
            if let Err(e) = state::write_atomic(&marker, boot.as_bytes()) {
                log::warn!("cannot record the autostart of this boot: {e}");
                return Vec::new();
            }
        }
        let mut tried = Vec::new();
        for name in self.paths.defined_names() {
            if !self.paths.autostart(&name).exists() {
                continue;
            }
            let r = match self.start_existing(&name, 0) {
                Ok(_) | Err(QemuError::AlreadyRunning) => Ok(()),
                Err(e) => {
                    log::warn!("Failed to autostart VM '{name}': {e}");
                    Err(e)
                }
            };
            tried.push((name, r));
        }
        tried
    }
}
