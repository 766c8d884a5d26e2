//! Saving, restoring and core-dumping test domains: the domain's whole
//! definition goes into an image file ([`crate::image`]), so any process
//! can restore what another one saved, as libvirt's test driver allows.
//! Screenshots: libvirt's test picture.

use crate::driver::{Stop, TestConnection};
use crate::error::{check_flags, TestError, TestResult};
use crate::image::{self, Image};
use virt_core::events::lifecycle_detail::started;
use virt_core::{dump_flags, dump_format, reason, DomainRef};

/// The picture libvirt's test driver shows as every domain's screen
/// (libvirt's `PKGDATADIR/test-screenshot.png`).
pub(crate) const TEST_SCREENSHOT: &str = "/usr/share/libvirt/test-screenshot.png";

/// virDomainScreenshot, as libvirt's test driver: the same picture for
/// every domain and screen, running or not, from libvirt's data directory
/// (absent on a machine without libvirt: the open's error is the answer).
pub(crate) fn screenshot(flags: u32) -> virt_core::Result<virt_core::Screenshot> {
    check_flags(flags, 0, "testDomainScreenshot")?;
    virt_core::Screenshot::of_file(std::path::Path::new(TEST_SCREENSHOT), "image/png", false)
}

impl TestConnection {
    /// virDomainSave: the running domain into `path`, then stopped.
    pub(crate) fn save(&self, dom: &DomainRef, path: &str, flags: u32) -> TestResult<()> {
        // No cache to bypass and no choice of state on restore.
        check_flags(flags, 0, "testDomainSaveFlags")?;
        self.stop_running(dom, Stop::Saved, |obj| {
            let xml = Self::format(obj, &obj.def, None, false, true);
            let data = image::encode(
                image::SAVE_MAGIC,
                &Image {
                    state: obj.state.number() as u32,
                    xml,
                },
            );
            image::write_file(
                path,
                &data,
                &format!("saving domain '{}' to '{path}'", obj.name),
            )?;
            Ok(true)
        })
    }

    /// virDomainRestore: a domain saved in `path`, running again.
    pub(crate) fn restore(&self, path: &str, flags: u32) -> TestResult<DomainRef> {
        check_flags(flags, 0, "testDomainRestoreFlags")?;
        let bytes = std::fs::read(path).map_err(|source| TestError::System {
            what: format!("cannot read domain image '{path}'"),
            source,
        })?;
        let img = image::decode(&bytes, path)?;
        let def = Self::parse_def(&img.xml, false)?;
        self.create_live(def, reason::RUNNING_RESTORED, started::RESTORED)
    }

    /// virDomainCoreDumpWithFormat: the domain's state into `path`; with
    /// `VIR_DUMP_CRASH` the domain stops as crashed.
    pub(crate) fn core_dump(
        &self,
        dom: &DomainRef,
        path: &str,
        format: u32,
        flags: u32,
    ) -> TestResult<()> {
        check_flags(flags, dump_flags::CRASH, "testDomainCoreDumpWithFormat")?;
        self.stop_running(dom, Stop::Crashed, |obj| {
            let write = |data: &[u8]| {
                std::fs::write(path, data).map_err(|source| TestError::System {
                    what: format!("domain '{}' coredump: failed to open {path}", obj.name),
                    source,
                })
            };
            if format != dump_format::RAW {
                // libvirt's test driver opens the file before it looks at the
                // format: the file is left behind, empty here.
                write(b"")?;
                return Err(TestError::Unsupported(
                    "kdump-compressed format is not supported here".into(),
                ));
            }
            let xml = Self::format(obj, &obj.def, obj.id, false, true);
            let data = image::encode(
                image::DUMP_MAGIC,
                &Image {
                    state: obj.state.number() as u32,
                    xml,
                },
            );
            write(&data)?;
            // Only a crash dump stops the domain.
            Ok(flags & dump_flags::CRASH != 0)
        })
    }
}
