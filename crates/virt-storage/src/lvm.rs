//! `logical` pools: an LVM volume group whose logical volumes are the
//! pool's block volumes, driven through Debian's lvm2 tools as libvirt's
//! logical backend drives them (`pvcreate`/`vgcreate` to build,
//! `vgchange -aly`/`-aln` to start and stop, `vgs`/`lvs` to look,
//! `lvcreate`/`lvremove`/`lvextend` for volumes, `vgremove`/`pvremove` to
//! delete).

use crate::error::{StorageError, StorageResult};
use crate::image::run;

/// Sizes of a volume group, bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupSize {
    /// The group's size.
    pub capacity: u64,
    /// Free space.
    pub available: u64,
}

/// One logical volume as `lvs` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalVolume {
    /// The volume's name in its group.
    pub name: String,
    /// LVM's UUID: libvirt's key for the volume.
    pub uuid: String,
    /// Size, bytes.
    pub size: u64,
    /// True when the device node is active.
    pub active: bool,
}

/// Initialise `devices` as physical volumes and make group `vg` of them
/// (`pool-build`); with `overwrite`, existing signatures are wiped first.
pub fn build(vg: &str, devices: &[String], overwrite: bool) -> StorageResult<()> {
    if devices.is_empty() {
        return Err(StorageError::InvalidArg(
            "cannot build a logical pool without source devices".into(),
        ));
    }
    for d in devices {
        let mut args = vec!["-y"];
        if overwrite {
            args.push("-ff");
        }
        args.push(d);
        run("pvcreate", &args)?;
    }
    let mut args = vec![vg];
    args.extend(devices.iter().map(String::as_str));
    run("vgcreate", &args).map(drop)
}

/// Whether group `vg` exists.
pub fn exists(vg: &str) -> bool {
    run("vgs", &["--noheadings", "-o", "vg_name", vg]).is_ok()
}

/// Activate the group's volumes (`pool-start`).
pub fn start(vg: &str) -> StorageResult<()> {
    if !exists(vg) {
        return Err(StorageError::Failed(format!(
            "cannot find logical volume group name '{vg}'"
        )));
    }
    run("vgchange", &["-aly", vg]).map(drop)
}

/// Deactivate the group's volumes (`pool-destroy`).
pub fn stop(vg: &str) -> StorageResult<()> {
    run("vgchange", &["-aln", vg]).map(drop)
}

/// Remove the group and wipe its physical volumes (`pool-delete`).
pub fn delete(vg: &str, devices: &[String]) -> StorageResult<()> {
    run("vgremove", &["-f", vg])?;
    for d in devices {
        run("pvremove", &["-y", d])?;
    }
    Ok(())
}

/// An LVM report (`vgs`, `lvs`) of `fields` of group `vg`, as libvirt
/// asks for it: sizes in bytes without a suffix, one line an object, the
/// fields parted by `separator`.
fn report(tool: &str, separator: &str, fields: &str, vg: &str) -> StorageResult<String> {
    run(
        tool,
        &[
            "--separator",
            separator,
            "--noheadings",
            "--units",
            "b",
            "--unbuffered",
            "--nosuffix",
            "--options",
            fields,
            vg,
        ],
    )
}

/// The group's size and free space.
pub fn group_size(vg: &str) -> StorageResult<GroupSize> {
    let out = report("vgs", ",", "vg_size,vg_free", vg)?;
    let line = out.trim();
    let (size, free) = line
        .split_once(',')
        .and_then(|(s, f)| Some((s.trim().parse().ok()?, f.trim().parse().ok()?)))
        .ok_or_else(|| StorageError::Internal(format!("cannot parse vgs output '{line}'")))?;
    Ok(GroupSize {
        capacity: size,
        available: free,
    })
}

/// The group's logical volumes, by name.
pub fn volumes(vg: &str) -> StorageResult<Vec<LogicalVolume>> {
    let out = report("lvs", "#", "lv_name,uuid,lv_size,lv_attr", vg)?;
    let mut v: Vec<LogicalVolume> = out.lines().filter_map(parse_lvs_line).collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(v)
}

/// One `lvs` line: `name#uuid#size#attr`.
fn parse_lvs_line(line: &str) -> Option<LogicalVolume> {
    let mut f = line.trim().split('#');
    let name = f.next()?.to_string();
    let uuid = f.next()?.to_string();
    let size = f.next()?.parse().ok()?;
    let attr = f.next().unwrap_or("");
    (!name.is_empty()).then(|| LogicalVolume {
        name,
        uuid,
        size,
        active: attr.chars().nth(4) == Some('a'),
    })
}

/// Create volume `name` of `capacity` bytes (rounded up to KiB, as
/// libvirt asks lvcreate).
pub fn create_volume(vg: &str, name: &str, capacity: u64) -> StorageResult<()> {
    let size = format!("{}K", capacity.div_ceil(1024).max(1));
    run("lvcreate", &["--yes", "--name", name, "-L", &size, vg]).map(drop)
}

/// Remove volume `name`.
pub fn delete_volume(vg: &str, name: &str) -> StorageResult<()> {
    run("lvremove", &["-f", &format!("{vg}/{name}")]).map(drop)
}

/// Grow volume `name` to `capacity` bytes; LVM volumes are not shrunk
/// (the data past the new end would be lost), as libvirt's backend.
pub fn resize_volume(vg: &str, name: &str, current: u64, capacity: u64) -> StorageResult<()> {
    if capacity < current {
        return Err(StorageError::NoSupport("shrinking a logical volume".into()));
    }
    if capacity == current {
        return Ok(());
    }
    let size = format!("{}K", capacity.div_ceil(1024));
    run("lvextend", &["-L", &size, &format!("{vg}/{name}")]).map(drop)
}

/// Whether this kernel can activate logical volumes (device-mapper).
pub fn can_activate() -> bool {
    run("dmsetup", &["version"]).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lvs_lines_parse() {
        let v = parse_lvs_line("  swap#r4xkCv-MQhr#2080374784#-wi-a-----").unwrap();
        assert_eq!(
            (v.name.as_str(), v.uuid.as_str(), v.size, v.active),
            ("swap", "r4xkCv-MQhr", 2080374784, true)
        );
        assert!(!parse_lvs_line("data#u#8388608#-wi-------").unwrap().active);
        assert!(parse_lvs_line("").is_none());
        assert!(parse_lvs_line("x#u#notanumber#").is_none());
    }
}
