//! `fs` pools: a directory pool on a file system of its own, mounted on
//! the pool's target while the pool runs (libvirt's fs backend): `mkfs` to
//! build when asked, `mount` to start, `umount` to stop.

use std::path::Path;

use crate::error::{StorageError, StorageResult};
use crate::image::run;

/// Whether something is mounted on `target` (from /proc/self/mountinfo,
/// whose fifth field is the mount point, octal escapes as written).
pub fn is_mounted(target: &Path) -> bool {
    let want = target.display().to_string();
    let escaped = want
        .replace('\\', "\\134")
        .replace(' ', "\\040")
        .replace('\t', "\\011")
        .replace('\n', "\\012");
    std::fs::read_to_string("/proc/self/mountinfo")
        .map(|t| {
            t.lines()
                .any(|l| l.split(' ').nth(4) == Some(escaped.as_str()))
        })
        .unwrap_or(false)
}

/// Mount `device` (file system `format`, `auto` or none: let mount tell)
/// on `target`, unless something already is.
pub fn mount(device: &str, format: Option<&str>, target: &Path) -> StorageResult<()> {
    if device.is_empty() {
        return Err(StorageError::Invalid("missing source device".into()));
    }
    if is_mounted(target) {
        return Ok(());
    }
    let target = target.display().to_string();
    let mut args = Vec::new();
    if let Some(f) = format.filter(|f| *f != "auto") {
        args.extend(["-t", f]);
    }
    args.extend([device, target.as_str()]);
    run("mount", &args).map(drop)
}

/// Unmount the pool's file system, if mounted.
pub fn unmount(target: &Path) -> StorageResult<()> {
    if !is_mounted(target) {
        return Ok(());
    }
    run("umount", &[&target.display().to_string()]).map(drop)
}

/// The file system `blkid` finds on `device`, if any.
fn existing_format(device: &str) -> Option<String> {
    run("blkid", &["-o", "value", "-s", "TYPE", device])
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Make a `format` file system on `device` (`pool-build --overwrite` or
/// `--no-overwrite`); without `overwrite` a device that already holds a
/// file system is refused, as libvirt's check of the device.
pub fn make(device: &str, format: &str, overwrite: bool) -> StorageResult<()> {
    if device.is_empty() {
        return Err(StorageError::Invalid("missing source device".into()));
    }
    if format == "auto" {
        return Err(StorageError::NoSupport(
            "building a file system of format 'auto'".into(),
        ));
    }
    if !overwrite {
        if let Some(found) = existing_format(device) {
            return Err(StorageError::Failed(format!(
                "Format of device '{device}' does not match the expected format '{format}', found '{found}'"
            )));
        }
    }
    let mut args = vec!["-t", format];
    if format.starts_with("ext") {
        // mkfs.ext* asks before writing over a file or a used device.
        args.push("-F");
    }
    args.push(device);
    run("mkfs", &args).map(drop)
}
