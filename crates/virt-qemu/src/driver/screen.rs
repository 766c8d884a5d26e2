//! `virDomainScreenshot`: QEMU draws the guest's screen into a file
//! (QMP `screendump`), which the stream then carries to the caller.

use super::*;
use virt_xml::{Video, View};

/// The screens of a definition, as its video devices count them: the
/// first card's heads (argv gives QEMU one card, `video0`), one for a
/// display with no card named (argv adds a VGA), none without either.
fn screens(def: &DomainDef) -> u32 {
    let card = def
        .devices
        .other
        .iter()
        .filter(|e| e.name == Video::TAG)
        .filter_map(|e| Video::from_element(e).ok())
        .find(|v| v.model_type.as_deref() != Some("none"));
    match card {
        Some(v) => v.heads.unwrap_or(1).max(1),
        None if !def.devices.graphics.is_empty() => 1,
        None => 0,
    }
}

/// Whether the QEMU behind `greeting` writes PNG (`screendump`'s
/// `format`, QEMU 7.1 and later); older ones write PPM only.
fn writes_png(greeting: &Value) -> bool {
    let v = &greeting["version"]["qemu"];
    let (major, minor) = (v["major"].as_u64(), v["minor"].as_u64());
    matches!((major, minor), (Some(ma), Some(mi)) if (ma, mi) >= (7, 1))
}

impl QemuDriver {
    /// A picture of screen `screen` of the running guest, in PNG where
    /// QEMU can write it, else PPM; libvirt's refusals for a guest without
    /// screens and for a screen it does not have.
    pub(super) fn screenshot(
        &self,
        dom: &DomainRef,
        screen: u32,
        flags: u32,
    ) -> Result<Screenshot> {
        check_flags(flags, 0, "qemuDomainScreenshot")?;
        self.with_monitor(dom, |mon, _obs, name| {
            let def = self.def(name, true)?;
            let heads = screens(&def);
            if heads == 0 {
                return Err(QemuError::Failed(
                    "no screens to take screenshot from".into(),
                ));
            }
            if screen >= heads {
                return Err(QemuError::InvalidArg("no such screen ID".into()));
            }
            let path = self.paths.screendump(name);
            let (format, mime) = if writes_png(mon.greeting()) {
                (Some("png"), "image/png")
            } else {
                (None, "image/x-portable-pixmap")
            };
            let mut args = json!({"filename": path.to_string_lossy()});
            if let Some(f) = format {
                args["format"] = json!(f);
            }
            if screen > 0 {
                args["device"] = json!("video0");
                args["head"] = json!(screen);
            }
            let shot = mon.execute("screendump", Some(args)).and_then(|_| {
                // Unlinked once open: a failed transfer leaves nothing.
                Screenshot::of_file(&path, mime, true)
                    .map_err(|_| QemuError::Failed("unable to open stream".into()))
            });
            state::remove_quiet(&path);
            shot
        })
    }
}
