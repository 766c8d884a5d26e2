//! The save image (a 24-byte header: magic, XML length, whether the guest
//! ran; the inactive XML; QEMU's migration stream) and the migrations that
//! write and read it.

use super::job::{self, JobKind};
use super::*;

/// The first 16 bytes of every save image.
const SAVE_MAGIC: &[u8; 16] = b"VirtRsQemuSave01";
/// The largest XML a save image may carry: more means a damaged file.
const MAX_SAVED_XML: usize = 16 << 20;

/// The header of a save image: the magic, the XML's length and whether the
/// guest ran (little-endian u32s), then the XML.
fn image_header(xml: &str, was_running: bool) -> Vec<u8> {
    let mut header = Vec::with_capacity(24 + xml.len());
    header.extend_from_slice(SAVE_MAGIC);
    header.extend_from_slice(&(xml.len() as u32).to_le_bytes());
    header.extend_from_slice(&u32::from(was_running).to_le_bytes());
    header.extend_from_slice(xml.as_bytes());
    header
}

/// Read a save image's header from `file` (named `path` in errors): the
/// saved XML and whether the guest ran. The migration stream follows.
fn read_image_header(file: &mut impl Read, path: &str) -> QemuResult<(String, bool)> {
    let unreadable = |e| QemuError::system(format!("cannot read domain image '{path}'"), e);
    let damaged = || QemuError::InvalidArg(format!("image '{path}' is damaged"));
    let mut head = [0u8; 24];
    file.read_exact(&mut head).map_err(unreadable)?;
    if head.get(..16) != Some(&SAVE_MAGIC[..]) {
        return Err(QemuError::InvalidArg(format!(
            "image '{path}' is not a virt-rs QEMU save image"
        )));
    }
    let word = |i: usize| {
        head.get(i..i + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
            .unwrap_or(0)
    };
    let (xml_len, running) = (word(16) as usize, word(20) != 0);
    if xml_len > MAX_SAVED_XML {
        return Err(damaged());
    }
    let mut xml = vec![0u8; xml_len];
    file.read_exact(&mut xml).map_err(unreadable)?;
    let xml = String::from_utf8(xml).map_err(|_| damaged())?;
    Ok((xml, running))
}

/// Whether the guest runs after a save or restore: as `flags` say
/// (RUNNING 2, PAUSED 4), else as it was.
fn runs_after(flags: u32, was_running: bool) -> bool {
    match flags & 6 {
        2 => true,
        4 => false,
        _ => was_running,
    }
}

/// Block on the monitor until a MIGRATION event reports the end.
pub(super) fn wait_migration(mon: &mut Monitor<UnixStream>) -> QemuResult<()> {
    loop {
        let ev = mon.next_event()?;
        if ev.name != "MIGRATION" {
            continue;
        }
        match ev.data.get("status").and_then(Value::as_str) {
            Some("completed") => return Ok(()),
            Some(s @ ("failed" | "cancelled")) => {
                let info = mon.execute("query-migrate", None).unwrap_or(Value::Null);
                let why = info
                    .get("error-desc")
                    .and_then(Value::as_str)
                    .unwrap_or(s)
                    .to_string();
                return Err(QemuError::Failed(format!("migration failed: {why}")));
            }
            _ => {}
        }
    }
}

impl QemuDriver {
    /// Save a running domain to `path` (header, then QEMU's migration
    /// stream) and stop it; on failure the file is removed and the guest
    /// left as it was.
    pub(super) fn save(&self, dom: &DomainRef, path: &str, flags: u32) -> QemuResult<()> {
        let d = self.open_domain(dom)?;
        let Some((rt, proc)) = &d.obs.live else {
            return Err(QemuError::NotRunning);
        };
        let running = d.obs.state == DomainState::Running;
        let def = self.def(&d.name, true)?;
        let result = (|| -> QemuResult<()> {
            let mut mon = Self::monitor_session(rt)?;
            if running {
                mon.execute("stop", None)?;
            }
            let to_run = runs_after(flags, running);
            self.write_memory_image(&mut mon, &def, path, to_run, JobKind::Save, running)
        })();
        if let Err(e) = result {
            // Give the guest back as it was.
            if let (Ok(mut mon), true) = (Self::monitor_session(rt), running) {
                let _ = mon.execute("cont", None);
            }
            return Err(e);
        }
        self.kill(proc, Some(&def), false)?;
        self.cleanup(
            &d.name,
            rt,
            reason::SHUTOFF_SAVED,
            lifecycle_detail::stopped::SAVED,
        );
        Ok(())
    }

    /// Write the save image of the guest `def` runs to `path`: the header
    /// (its XML, whether it is to run when restored), then its memory as
    /// QEMU's migration stream, as a job of `kind` (a save or a
    /// snapshot's memory); `paused` when the guest was paused for it. The
    /// guest is paused when this returns (QEMU stops it at the end of a
    /// live migration). On failure the file is removed.
    pub(super) fn write_memory_image(
        &self,
        mon: &mut Monitor<UnixStream>,
        def: &DomainDef,
        path: &str,
        to_run: bool,
        kind: JobKind,
        paused: bool,
    ) -> QemuResult<()> {
        let xml = def.to_xml(&FormatOptions {
            id: None,
            inactive: true,
            secure: true,
        });
        let state = if paused {
            (DomainState::Paused, reason::PAUSED_SAVE)
        } else {
            (DomainState::Running, reason::RUNNING_UNPAUSED)
        };
        let header = image_header(&xml, to_run);
        self.migrate_to_file(mon, def, path, &header, kind, state)
    }

    /// Have QEMU write the guest's migration stream into `path` after
    /// `header`, as a job of `kind` that GetJobStats follows and AbortJob
    /// cancels (`migrate_cancel`), the domain in `state` meanwhile. On
    /// success the job's statistics are kept as the last completed job's;
    /// on failure the file is removed.
    pub(super) fn migrate_to_file(
        &self,
        mon: &mut Monitor<UnixStream>,
        def: &DomainDef,
        path: &str,
        header: &[u8],
        kind: JobKind,
        state: (DomainState, i32),
    ) -> QemuResult<()> {
        let sock = self.paths.migration(&def.uuid.unwrap_or_default());
        // The job shows before the file opens: a FIFO's open waits for
        // its reader.
        let guard = job::begin(sock.clone(), kind, state);
        let mut out = File::create(path)
            .map_err(|e| QemuError::system(format!("failed to create '{path}'"), e))?;
        let result = (|| -> QemuResult<()> {
            out.write_all(header)
                .map_err(|e| QemuError::system(format!("failed to write '{path}'"), e))?;
            mon.execute(
                "migrate-set-capabilities",
                Some(json!({"capabilities": [{"capability": "events", "state": true}]})),
            )?;
            state::remove_quiet(&sock);
            let listener = UnixListener::bind(&sock)
                .map_err(|e| QemuError::system("cannot create migration socket", e))?;
            let sent = mon.execute(
                "migrate",
                Some(json!({"uri": format!("unix:{}", sock.display())})),
            );
            let copied = sent.and_then(|_| {
                // QEMU writes through a copying thread while this one
                // publishes its progress and passes on an abort.
                std::thread::scope(|scope| {
                    let copier = scope.spawn(|| {
                        let (mut s, _) = listener
                            .accept()
                            .map_err(|e| QemuError::system("QEMU did not connect for saving", e))?;
                        std::io::copy(&mut s, &mut out)
                            .map_err(|e| QemuError::system(format!("failed to write '{path}'"), e))
                    });
                    let mut cancelled = false;
                    while !copier.is_finished() {
                        if !cancelled && guard.job.aborted() {
                            let _ = mon.execute("migrate_cancel", None);
                            guard.job.cancel_sent();
                            cancelled = true;
                        }
                        if let Ok(info) = mon.execute("query-migrate", None) {
                            guard.job.update(info);
                        }
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    copier
                        .join()
                        .unwrap_or_else(|_| Err(QemuError::Failed("save copy panicked".into())))
                })
            });
            state::remove_quiet(&sock);
            let waited = copied.and_then(|_| wait_migration(mon));
            if guard.job.aborted() && waited.is_err() {
                return Err(guard.job.aborted_error());
            }
            waited?;
            // QEMU's final figures (its downtime, the last bytes).
            if let Ok(info) = mon.execute("query-migrate", None) {
                guard.job.update(info);
            }
            // A pipe or socket (a FIFO given as the file) has nothing to sync.
            if out.metadata().is_ok_and(|m| !m.is_file()) {
                return Ok(());
            }
            out.sync_all()
                .map_err(|e| QemuError::system(format!("failed to write '{path}'"), e))
        })();
        match &result {
            Ok(()) => guard.completed(),
            Err(_) => state::remove_quiet(Path::new(path)),
        }
        result
    }

    /// Save a running persistent domain into its managed save image
    /// (through the save job, so job info and abort see it) and stop it.
    pub(super) fn managed_save(&self, dom: &DomainRef, flags: u32) -> QemuResult<()> {
        let name = self.resolve(dom)?;
        if !self.paths.runtime(&name).exists() {
            return Err(QemuError::NotRunning);
        }
        if !self.paths.config_xml(&name).exists() {
            return Err(QemuError::Invalid(
                "cannot do managed save for transient domain".into(),
            ));
        }
        let image = self.paths.managed_save(&name);
        if let Some(dir) = image.parent() {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| {
                    QemuError::system(format!("cannot create directory '{}'", dir.display()), e)
                })?;
        }
        self.save(dom, &image.to_string_lossy(), flags)
    }

    /// `virDomainCreateWithFlags` of the defined guest `name`: from its
    /// managed save image when it has one (removed once the guest runs
    /// again), unless `FORCE_BOOT` discards the image for a fresh boot.
    pub(super) fn start_or_resume_saved(&self, name: &str, flags: u32) -> QemuResult<DomainRef> {
        let image = self.paths.managed_save(name);
        let boot = flags & !(start_flags::FORCE_BOOT | start_flags::BYPASS_CACHE);
        if !image.exists() {
            return self.start_existing(name, boot);
        }
        if flags & start_flags::FORCE_BOOT != 0 {
            std::fs::remove_file(&image).map_err(|e| {
                QemuError::system(
                    format!("cannot remove managed save file '{}'", image.display()),
                    e,
                )
            })?;
            return self.start_existing(name, boot);
        }
        let mut restore = 0;
        if flags & start_flags::PAUSED != 0 {
            restore |= virt_core::save_flags::PAUSED;
        }
        if flags & start_flags::RESET_NVRAM != 0 {
            restore |= virt_core::save_flags::RESET_NVRAM;
        }
        let r = self.restore(&image.to_string_lossy(), restore)?;
        state::remove_quiet(&image);
        Ok(r)
    }

    /// Start the domain saved in `path`, feeding QEMU the saved stream.
    pub(super) fn restore(&self, path: &str, flags: u32) -> QemuResult<DomainRef> {
        let mut file = File::open(path)
            .map_err(|e| QemuError::system(format!("cannot open domain image '{path}'"), e))?;
        let (xml, was_running) = read_image_header(&mut file, path)?;
        let reset = if flags & virt_core::save_flags::RESET_NVRAM != 0 {
            start_flags::RESET_NVRAM
        } else {
            0
        };
        self.create(&xml, reset, Some((file, runs_after(flags, was_running))))
    }

    /// Feed a saved migration stream to a QEMU started with
    /// `-incoming defer`, and wait for its MIGRATION event.
    pub(super) fn incoming(
        &self,
        mon: &mut Monitor<UnixStream>,
        def: &DomainDef,
        mut file: File,
    ) -> QemuResult<()> {
        mon.execute(
            "migrate-set-capabilities",
            Some(json!({"capabilities": [{"capability": "events", "state": true}]})),
        )?;
        let path = self.paths.migration(&def.uuid.unwrap_or_default());
        state::remove_quiet(&path);
        mon.execute(
            "migrate-incoming",
            Some(json!({"uri": format!("unix:{}", path.display())})),
        )?;
        let copied = (|| {
            let mut s = UnixStream::connect(&path)?;
            std::io::copy(&mut file, &mut s)?;
            s.shutdown(std::net::Shutdown::Write)
        })();
        state::remove_quiet(&path);
        copied.map_err(|e| QemuError::system("cannot send the saved state to QEMU", e))?;
        wait_migration(mon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_headers_read_back() {
        let image = image_header("<domain/>", true);
        let read = read_image_header(&mut &image[..], "i");
        assert_eq!(read.ok(), Some(("<domain/>".to_string(), true)));
        let mut bad = image.clone();
        bad[0] = b'X';
        assert!(read_image_header(&mut &bad[..], "i").is_err());
        let mut long = image_header("", false);
        long[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(read_image_header(&mut &long[..], "i").is_err());
        assert!(read_image_header(&mut &image[..10], "i").is_err());
        assert!(runs_after(2, false) && !runs_after(4, true) && runs_after(0, true));
    }
}
