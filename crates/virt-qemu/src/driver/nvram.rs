//! The UEFI variable store of a guest with a pflash firmware, as libvirt's
//! QEMU driver keeps it: a definition whose read-only `<loader
//! type='pflash'>` names no `<nvram>` gets one in the driver's nvram
//! folder at define; before QEMU starts, a store that does not exist yet
//! (or every store, with `RESET_NVRAM` on start, restore and snapshot
//! revert) is copied from its `template`.

use super::*;
use virt_xml::Nvram;

impl QemuDriver {
    /// libvirt's post-parse: a read-only pflash firmware keeps its
    /// variables in `Paths::nvram` unless the definition says where.
    pub(super) fn nvram_default_path(&self, def: &mut DomainDef) -> QemuResult<()> {
        let Some(loader) = def.os_loader()? else {
            return Ok(());
        };
        if loader.loader_type.as_deref() != Some("pflash")
            || loader.readonly.as_deref() != Some("yes")
        {
            return Ok(());
        }
        let mut nvram = def.os_nvram()?.unwrap_or_default();
        if nvram.path.is_none() {
            nvram.path = Some(self.paths.nvram(&def.name).to_string_lossy().into_owned());
            def.set_os_nvram(&nvram);
        }
        Ok(())
    }

    /// libvirt's qemuPrepareNVRAM: the store is made from its template
    /// when it is missing or `reset` asks for it; without a template that
    /// is libvirt's "unable to find any master var store". The copy is
    /// written beside the store and renamed over it, so a failed copy
    /// leaves the old store.
    pub(super) fn prepare_nvram(&self, def: &mut DomainDef, reset: bool) -> QemuResult<()> {
        self.nvram_default_path(def)?;
        let Some(Nvram {
            path: Some(path),
            template,
            ..
        }) = def.os_nvram()?
        else {
            return Ok(());
        };
        let store = Path::new(&path);
        if store.exists() && !reset {
            return Ok(());
        }
        let Some(template) = template else {
            let loader = def.os_loader()?.and_then(|l| l.path).unwrap_or_default();
            return Err(QemuError::Failed(format!(
                "unable to find any master var store for loader: {loader}"
            )));
        };
        let vars = std::fs::read(&template)
            .map_err(|e| QemuError::system(format!("Failed to open file '{template}'"), e))?;
        if let Some(dir) = store.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| QemuError::system(format!("cannot create '{}'", dir.display()), e))?;
        }
        let tmp = store.with_extension("new");
        let written = (|| {
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(&vars)?;
            f.sync_all()?;
            std::fs::rename(&tmp, store)
        })();
        written.map_err(|e| {
            state::remove_quiet(&tmp);
            QemuError::system(format!("Unable to write to file '{path}'"), e)
        })
    }
}
