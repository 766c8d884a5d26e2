//! Mount-backed pools: `fs` (a file system on a device of its own) and
//! `netfs` (a network file system: NFS, GlusterFS, CIFS), each a directory
//! pool on a file system mounted on the pool's target while the pool runs
//! (libvirt's fs backend): `mkfs` to build an `fs` pool when asked,
//! `mount` to start, `umount` to stop, with libvirt's arguments.

use std::path::{Path, PathBuf};

use virt_xml::storage::PoolDef;

use crate::error::{StorageError, StorageResult};
use crate::image::run;

/// The options libvirt puts first on every pool mount on Linux: a pool
/// holds disk images, never devices or programs to run.
const DEFAULT_OPTIONS: &str = "nodev,nosuid,noexec";

/// A mount-backed pool's mount: what is mounted where, and `mount`'s
/// arguments for it.
#[derive(Debug, PartialEq)]
pub struct MountSpec {
    /// The source as `/proc/self/mounts` shows it: a device, `host:dir`
    /// or `//host/dir` (CIFS).
    pub source: String,
    /// The pool's target directory.
    pub target: PathBuf,
    /// `mount`'s arguments, as libvirt 9.0 builds them.
    pub args: Vec<String>,
}

/// The mount of an `fs` or `netfs` pool, after libvirt's checks of its
/// source (`virStorageBackendFileSystemIsValid`), with the arguments of
/// `virStorageBackendFileSystemMountCmd`: a `netfs` pool of format `auto`
/// lets mount find the type (`mount -t auto` does not find NFS), CIFS is
/// mounted as a guest from `//host/dir`, GlusterFS with direct I/O, an NFS
/// version given in `<protocol ver>` becomes `nfsvers=`; the options of
/// libvirt's `fs` XML namespace come last.
pub fn mount_spec(def: &PoolDef) -> StorageResult<MountSpec> {
    let format = def.source_format().unwrap_or_else(|| "auto".into());
    let target = PathBuf::from(def.target_path().unwrap_or_default());
    let (source, provided, typed) = if def.pool_type == "netfs" {
        let hosts = def.source_hosts();
        if hosts.len() != 1 {
            return Err(StorageError::Unsupported(
                "expected exactly 1 host for the storage pool".into(),
            ));
        }
        if hosts[0].is_empty() {
            return Err(StorageError::Internal("missing source host".into()));
        }
        let dir = def
            .source_dir()
            .ok_or_else(|| StorageError::Internal("missing source path".into()))?;
        let nfsvers = def.protocol_ver().map(|v| format!("nfsvers={v}"));
        match format.as_str() {
            "cifs" => (format!("//{}/{dir}", hosts[0]), Some("guest".into()), true),
            "glusterfs" => (
                format!("{}:{dir}", hosts[0]),
                Some("direct-io-mode=1".into()),
                true,
            ),
            f => (format!("{}:{dir}", hosts[0]), nfsvers, f != "auto"),
        }
    } else {
        let devices = def.source_devices();
        match devices.len() {
            0 => return Err(StorageError::Internal("missing source device".into())),
            1 => {}
            _ => {
                return Err(StorageError::Unsupported(
                    "expected exactly 1 device for the storage pool".into(),
                ))
            }
        }
        (devices[0].clone(), None, true)
    };
    let mut options = vec![DEFAULT_OPTIONS.to_string()];
    options.extend(provided);
    options.extend(def.mount_options());
    let mut args = vec!["-o".to_string(), options.join(",")];
    if typed {
        args.extend(["-t".to_string(), format]);
    }
    args.extend([source.clone(), target.display().to_string()]);
    Ok(MountSpec {
        source,
        target,
        args,
    })
}

/// `/proc/self/mounts`' octal escapes undone (`\040` is a space).
fn unescape(field: &str) -> String {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b.get(i + 1..i + 4).and_then(|d| {
            std::str::from_utf8(d)
                .ok()
                .and_then(|d| u8::from_str_radix(d, 8).ok())
        });
        match (b[i], octal) {
            (b'\\', Some(c)) => {
                out.push(c);
                i += 4;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The ways `/proc/self/mounts` may spell `path`: as written, and with
/// its symbolic links followed where they resolve (the kernel writes
/// resolved paths), as libvirt's `virFileComparePaths` compares. Only the
/// pool's own paths are resolved, never a mount point of the table, which
/// could be a dead server's.
fn spellings(path: &str) -> [String; 2] {
    let real = std::fs::canonicalize(path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.to_string());
    [path.to_string(), real]
}

/// The (source, mount point) pairs of this process's mounts.
fn mounts() -> Vec<(String, String)> {
    std::fs::read_to_string("/proc/self/mounts")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split(' ');
            Some((unescape(f.next()?), unescape(f.next()?)))
        })
        .collect()
}

/// Whether anything is mounted on `target`.
pub fn is_mounted(target: &Path) -> bool {
    let want = spellings(&target.display().to_string());
    mounts().iter().any(|(_, at)| want.contains(at))
}

/// Whether the pool's own source is mounted on its target (libvirt checks
/// both, so another file system on the directory is not the pool's).
pub fn is_mounted_from(spec: &MountSpec) -> bool {
    let at_target = spellings(&spec.target.display().to_string());
    let from = spellings(&spec.source);
    mounts()
        .iter()
        .any(|(src, at)| at_target.contains(at) && from.contains(src))
}

/// Mount the pool's file system on its target, unless it already is.
pub fn mount(def: &PoolDef) -> StorageResult<()> {
    let spec = mount_spec(def)?;
    if is_mounted_from(&spec) {
        return Ok(());
    }
    let args: Vec<&str> = spec.args.iter().map(String::as_str).collect();
    run("mount", &args).map(drop)
}

/// Unmount the pool's file system, if it is mounted.
pub fn unmount(def: &PoolDef) -> StorageResult<()> {
    let spec = mount_spec(def)?;
    if !is_mounted_from(&spec) {
        return Ok(());
    }
    run("umount", &[&spec.target.display().to_string()]).map(drop)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(source: &str) -> StorageResult<Vec<String>> {
        let def = virt_xml::storage::parse_pool(&format!(
            "<pool type='netfs'><name>n</name><source>{source}</source>\
             <target><path>/mnt/n</path></target></pool>"
        ))
        .expect("pool");
        mount_spec(&def).map(|s| s.args)
    }

    /// The argument vectors of libvirt's storage_util.c for each format.
    #[test]
    fn netfs_mounts_as_libvirt_mounts() {
        let host = "<host name='nas'/><dir path='/export'/>";
        assert_eq!(
            spec(host).unwrap(),
            ["-o", "nodev,nosuid,noexec", "nas:/export", "/mnt/n"]
        );
        assert_eq!(
            spec(&format!("{host}<format type='nfs'/><protocol ver='3'/>")).unwrap(),
            [
                "-o",
                "nodev,nosuid,noexec,nfsvers=3",
                "-t",
                "nfs",
                "nas:/export",
                "/mnt/n"
            ]
        );
        assert_eq!(
            spec(&format!("{host}<format type='cifs'/>")).unwrap(),
            [
                "-o",
                "nodev,nosuid,noexec,guest",
                "-t",
                "cifs",
                "//nas//export",
                "/mnt/n"
            ]
        );
        assert_eq!(
            spec(&format!("{host}<format type='glusterfs'/>")).unwrap(),
            [
                "-o",
                "nodev,nosuid,noexec,direct-io-mode=1",
                "-t",
                "glusterfs",
                "nas:/export",
                "/mnt/n"
            ]
        );
        let two = spec("<host name='a'/><host name='b'/><dir path='/e'/>").unwrap_err();
        assert_eq!(
            two.to_string(),
            "unsupported configuration: expected exactly 1 host for the storage pool"
        );
    }

    #[test]
    fn mount_table_fields_are_unescaped() {
        assert_eq!(unescape("/mnt/a\\040b"), "/mnt/a b");
        assert_eq!(unescape("/x\\\\y\\0"), "/x\\\\y\\0");
        assert!(is_mounted(Path::new("/proc")));
        assert!(!is_mounted(Path::new("/proc/self")));
    }
}
