//! Console discovery: the pty paths QEMU chose, put into the live
//! definition.

use super::*;
use virt_xml::{CharSource, CharTarget, GraphicsOptions, View};

/// Put the pty paths QEMU chose into the live definition.
/// Write the port QEMU's VNC server listens on (`query-vnc`) into the
/// live definition's first VNC display, as libvirt's live XML shows it:
/// with `autoport` QEMU picked the first free one from 5900.
pub(super) fn record_vnc_port(def: &mut DomainDef, vnc: &Value) {
    let Some(port) = vnc
        .get("service")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<u32>().ok())
    else {
        return;
    };
    let Some(g) = def
        .devices
        .graphics
        .iter_mut()
        .find(|g| g.graphics_type == "vnc")
    else {
        return;
    };
    let Ok(options) = g.options() else {
        return;
    };
    // QEMU chose the port when none was given or it was left to it.
    let chosen = options.port.as_deref().is_none_or(|p| p == "-1");
    g.set_options_first(&GraphicsOptions {
        port: Some(port.to_string()),
        autoport: (chosen && options.autoport.is_none()).then(|| "yes".into()),
        ..GraphicsOptions::default()
    });
}

pub(super) fn record_pty_paths(def: &mut DomainDef, chardevs: &Value) {
    let Some(list) = chardevs.as_array() else {
        return;
    };
    let path_of = |label: &str| {
        list.iter()
            .find(|c| c.get("label").and_then(Value::as_str) == Some(label))
            .and_then(|c| c.get("filename").and_then(Value::as_str))
            .and_then(|f| f.strip_prefix("pty:"))
            .map(str::to_string)
    };
    for c in &mut def.devices.chardevs {
        if c.dev_type.as_deref() != Some("pty") {
            continue;
        }
        let target = c.part::<CharTarget>().ok().flatten();
        let port = target.and_then(|t| t.port).unwrap_or(0);
        let kind = if c.kind == "console" {
            "serial"
        } else {
            c.kind.as_str()
        };
        if let Some(p) = path_of(&argv::chardev_id(kind, port)) {
            c.tty = Some(p.clone());
            // The pty QEMU chose becomes the device's only source, first.
            c.set_part::<CharSource>(None);
            c.extra.insert(
                0,
                CharSource {
                    path: Some(p),
                    ..CharSource::default()
                }
                .to_element(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pty_paths_land_in_live_xml() {
        let mut def = virt_xml::parse_domain(
            "<domain type='qemu'><name>p</name><memory>1024</memory>\
             <os><type>hvm</type></os><devices><serial type='pty'><target port='0'/></serial>\
             <console type='pty'><target type='serial' port='0'/></console></devices></domain>",
        )
        .expect("xml");
        record_pty_paths(
            &mut def,
            &json!([{"label": "charserial0", "filename": "pty:/dev/pts/7"}, {"label": "charmonitor", "filename": "unix:x"}]),
        );
        assert!(def
            .devices
            .chardevs
            .iter()
            .all(|c| c.tty.as_deref() == Some("/dev/pts/7")));
    }

    #[test]
    fn vnc_port_lands_first_in_live_xml() {
        let live = |graphics: &str| {
            let mut def = virt_xml::parse_domain(&format!(
                "<domain type='qemu'><name>p</name><memory>1024</memory>\
                 <os><type>hvm</type></os><devices>{graphics}</devices></domain>"
            ))
            .expect("xml");
            record_vnc_port(&mut def, &json!({"service": "5901"}));
            def.devices.graphics[0].attrs.clone()
        };
        let attrs = |list: &[(&str, &str)]| -> Vec<virt_xml::Attr> {
            list.iter()
                .map(|(k, v)| ((*k).into(), v.to_string()))
                .collect()
        };
        // Left to QEMU: the port it chose, where libvirt writes it.
        assert_eq!(
            live("<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>"),
            attrs(&[
                ("port", "5901"),
                ("autoport", "yes"),
                ("listen", "127.0.0.1")
            ])
        );
        assert_eq!(
            live("<graphics type='vnc' keymap='de'/>"),
            attrs(&[("port", "5901"), ("autoport", "yes"), ("keymap", "de")])
        );
        // A port the definition gave stays a given one.
        assert_eq!(
            live("<graphics type='vnc' keymap='de' port='5901' autoport='no'/>"),
            attrs(&[("port", "5901"), ("autoport", "no"), ("keymap", "de")])
        );
    }
}

/// How often a console read looks whether it was taken over or aborted.
const CONSOLE_CHECK: Duration = Duration::from_millis(200);

/// libvirt's alias of a character device: `serial0`, `console0`,
/// `parallel0`, `channel0` (a console on a serial port is that serial).
fn chardev_alias(c: &virt_xml::CharDev, index: usize) -> String {
    let target = c.part::<virt_xml::CharTarget>().ok().flatten();
    let port = target
        .as_ref()
        .and_then(|t| t.port)
        .map_or(index, |p| p as usize);
    let serial_console = c.kind == "console"
        && target
            .and_then(|t| t.target_type)
            .is_none_or(|t| t == "serial");
    if serial_console {
        format!("serial{port}")
    } else {
        format!("{}{port}", c.kind)
    }
}

/// The PTY of the character device `dev_name` (libvirt's alias), or of the
/// first console (else serial) without one.
fn console_pty(def: &DomainDef, dev_name: Option<&str>) -> QemuResult<(String, String)> {
    let chars = &def.devices.chardevs;
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let named: Vec<(String, &virt_xml::CharDev)> = chars
        .iter()
        .map(|c| {
            let n = counts.entry(c.kind.as_str()).or_insert(0);
            let alias = chardev_alias(c, *n);
            *n += 1;
            (alias, c)
        })
        .collect();
    let found = match dev_name {
        Some(name) => named.iter().find(|(a, _)| a == name),
        None => named
            .iter()
            .find(|(_, c)| c.kind == "console")
            .or_else(|| named.iter().find(|(_, c)| c.kind == "serial")),
    };
    let Some((alias, c)) = found else {
        return Err(QemuError::Internal(format!(
            "cannot find character device {}",
            dev_name.unwrap_or("<null>")
        )));
    };
    match (c.dev_type.as_deref(), c.tty.as_deref()) {
        (Some("pty"), Some(tty)) => Ok((alias.clone(), tty.to_string())),
        _ => Err(QemuError::Internal(format!(
            "character device {} is not using a PTY",
            dev_name.unwrap_or(alias)
        ))),
    }
}

/// One console session's hold on a PTY: an exclusive lock on a file named
/// for the domain and device. A `--force` open replaces the file, which the
/// holder notices (its file is no longer the one at the path) and ends.
struct ConsoleClaim {
    path: std::path::PathBuf,
    file: File,
}

impl ConsoleClaim {
    fn take(path: std::path::PathBuf, force: bool) -> QemuResult<ConsoleClaim> {
        use rustix::fs::{flock, FlockOperation};
        let open = |p: &Path| {
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(p)
                .map_err(|e| QemuError::system(format!("cannot open '{}'", p.display()), e))
        };
        let file = open(&path)?;
        if flock(&file, FlockOperation::NonBlockingLockExclusive).is_ok() {
            return Ok(ConsoleClaim { path, file });
        }
        if !force {
            return Err(QemuError::Failed(
                "Active console session exists for this domain".into(),
            ));
        }
        // Put a new file in place: the session holding the old one sees
        // it has been replaced and lets go.
        state::remove_quiet(&path);
        let file = open(&path)?;
        flock(&file, FlockOperation::NonBlockingLockExclusive).map_err(|e| {
            QemuError::system("cannot take over the console", std::io::Error::from(e))
        })?;
        Ok(ConsoleClaim { path, file })
    }

    /// True while the file at the path is still this session's.
    fn held(&self) -> bool {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(&self.path), self.file.metadata()) {
            (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
            _ => false,
        }
    }
}

impl Drop for ConsoleClaim {
    fn drop(&mut self) {
        if self.held() {
            state::remove_quiet(&self.path);
        }
    }
}

/// The guest's output: reads of the PTY, ended when QEMU closes it, when
/// another session forces its way in, or on an abort.
struct ConsoleSource {
    pty: File,
    claim: std::sync::Arc<ConsoleClaim>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl virt_core::StreamSource for ConsoleSource {
    fn read(&mut self, buf: &mut [u8]) -> Result<virt_core::Piece> {
        use rustix::event::{poll, PollFd, PollFlags, Timespec};
        use std::sync::atomic::Ordering;
        loop {
            if self.stop.load(Ordering::SeqCst) || !self.claim.held() {
                return Ok(virt_core::Piece::End);
            }
            let mut fds = [PollFd::new(&self.pty, PollFlags::IN)];
            let wait = Timespec {
                tv_sec: 0,
                tv_nsec: CONSOLE_CHECK.as_nanos() as i64,
            };
            match poll(&mut fds, Some(&wait)) {
                Ok(0) => continue,
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(QemuError::system("cannot poll the console", e.into()).into()),
            }
            match self.pty.read(buf) {
                Ok(0) => return Ok(virt_core::Piece::End),
                Ok(n) => return Ok(virt_core::Piece::Data(n)),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                // EIO: QEMU closed its end (the guest stopped).
                Err(_) => return Ok(virt_core::Piece::End),
            }
        }
    }

    fn abort(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn interrupter(&self) -> Option<virt_core::stream::Interrupt> {
        let stop = self.stop.clone();
        Some(Box::new(move || {
            stop.store(true, std::sync::atomic::Ordering::SeqCst)
        }))
    }
}

/// What the caller types, written to the PTY.
struct ConsoleSink {
    pty: File,
    claim: std::sync::Arc<ConsoleClaim>,
}

impl virt_core::StreamSink for ConsoleSink {
    fn write(&mut self, data: &[u8]) -> Result<()> {
        if !self.claim.held() {
            return Err(QemuError::Failed("console session was taken over".into()).into());
        }
        self.pty
            .write_all(data)
            .map_err(|e| QemuError::system("cannot write to the console", e).into())
    }

    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}

impl QemuDriver {
    /// virDomainOpenConsole: the guest's console PTY as a stream both
    /// ways, one session at a time (FORCE takes it over).
    pub(super) fn open_console(
        &self,
        dom: &DomainRef,
        dev_name: Option<&str>,
        flags: u32,
    ) -> QemuResult<virt_core::StreamEnds> {
        check_flags(
            flags,
            console_flags::FORCE | console_flags::SAFE,
            "qemuDomainOpenConsole",
        )?;
        let d = self.open_domain(dom)?;
        d.runtime()?;
        let def = self.def(&d.name, true)?;
        let (alias, tty) = console_pty(&def, dev_name)?;
        let claim = ConsoleClaim::take(
            self.paths
                .run
                .join(format!("{}.console-{alias}.lock", d.name)),
            flags & console_flags::FORCE != 0,
        )?;
        use std::os::unix::fs::OpenOptionsExt;
        let pty = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open(&tty)
            .map_err(|e| QemuError::system(format!("Unable to open tty '{tty}'"), e))?;
        // Raw, as libvirt opens a console PTY: no echo, no line editing,
        // bytes through unchanged.
        if let Ok(mut t) = rustix::termios::tcgetattr(&pty) {
            t.make_raw();
            let _ = rustix::termios::tcsetattr(&pty, rustix::termios::OptionalActions::Now, &t);
        }
        let writer = pty
            .try_clone()
            .map_err(|e| QemuError::system(format!("Unable to open tty '{tty}'"), e))?;
        let claim = std::sync::Arc::new(claim);
        Ok(virt_core::StreamEnds {
            sink: Some(Box::new(ConsoleSink {
                pty: writer,
                claim: claim.clone(),
            })),
            source: Some(Box::new(ConsoleSource {
                pty,
                claim,
                stop: Default::default(),
            })),
        })
    }
}

#[cfg(test)]
mod stream_tests {
    use super::*;

    #[test]
    fn consoles_are_found_by_alias_and_must_be_ptys() {
        let def = virt_xml::parse_domain(
            "<domain type='qemu'><name>p</name><memory>1024</memory><os><type>hvm</type></os><devices>\
             <serial type='pty' tty='/dev/pts/7'><target port='0'/></serial>\
             <serial type='file'><source path='/tmp/x'/><target port='1'/></serial>\
             <console type='pty' tty='/dev/pts/7'><target type='serial' port='0'/></console>\
             </devices></domain>",
        )
        .expect("xml");
        assert_eq!(
            console_pty(&def, None).ok(),
            Some(("serial0".to_string(), "/dev/pts/7".to_string()))
        );
        let e = console_pty(&def, Some("serial1")).expect_err("file");
        assert_eq!(
            e.to_string(),
            "internal error: character device serial1 is not using a PTY"
        );
        let e = console_pty(&def, Some("parallel0")).expect_err("none");
        assert_eq!(
            e.to_string(),
            "internal error: cannot find character device parallel0"
        );
    }

    #[test]
    fn one_session_unless_forced() {
        let dir = std::env::temp_dir().join(format!("vq-claim-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("c.lock");
        let first = ConsoleClaim::take(path.clone(), false).expect("first");
        assert!(first.held());
        let e = ConsoleClaim::take(path.clone(), false)
            .err()
            .expect("second refused");
        assert_eq!(
            e.to_string(),
            "operation failed: Active console session exists for this domain"
        );
        let forced = ConsoleClaim::take(path.clone(), true).expect("forced");
        assert!(forced.held() && !first.held());
        drop(first);
        assert!(forced.held(), "the old session's exit keeps the new lock");
        drop(forced);
        assert!(!path.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
