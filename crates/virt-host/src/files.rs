//! State files as every driver keeps them: written atomically, removed
//! without fuss when already gone, and one change at a time under an
//! exclusive lock. Errors are the OS's; each driver words them in its own.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Write `data` to `path` with permissions `mode`, atomically: a temp file
/// beside it, fsync, rename, fsync of the directory. Readers see the old
/// or the new file, never a part; a failure leaves no temp file behind.
pub fn write_atomic(path: &Path, data: &[u8], mode: u32) -> std::io::Result<()> {
    write_replacing(path, data, mode, true)
}

/// [`write_atomic`] without the two fsyncs, for runtime files that a
/// reboot discards anyway (`/run`): readers still see the old or the new
/// file, never a part, but nothing waits for the disk.
pub fn write_runtime(path: &Path, data: &[u8], mode: u32) -> std::io::Result<()> {
    write_replacing(path, data, mode, false)
}

fn write_replacing(path: &Path, data: &[u8], mode: u32, durable: bool) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.tmp{}", std::process::id()));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(data)?;
        if durable {
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        if durable {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The names of the `NAME.EXT` files in `dir`, sorted: the objects a
/// driver keeps one file each for. Hidden files (`.NAME.EXT`, temp files
/// and marks) are not objects; a missing directory holds none.
pub fn stems(dir: &Path, ext: &str) -> Vec<String> {
    let suffix = format!(".{ext}");
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let stem = name.strip_suffix(&suffix)?;
            (!stem.is_empty() && !stem.starts_with('.')).then(|| stem.to_string())
        })
        .collect();
    out.sort();
    out
}

/// Remove a file; a missing one is fine, another failure is logged.
pub fn remove_quiet(path: &Path) {
    if let Err(e) = std::fs::remove_file(path) {
        if e.kind() != std::io::ErrorKind::NotFound {
            log::warn!("cannot remove '{}': {e}", path.display());
        }
    }
}

/// What failed while taking a [`FileLock`].
#[derive(Debug)]
pub enum LockFailure {
    /// The lock file could not be opened.
    Open(std::io::Error),
    /// The lock could not be taken.
    Lock(std::io::Error),
}

/// An exclusive `flock` on a file, released when dropped. It serialises
/// processes, and threads too (each lock opens its own file description).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

impl FileLock {
    /// Block until the lock on `path` (created 0600 when missing) is ours.
    pub fn acquire(path: &Path) -> Result<FileLock, LockFailure> {
        let file = Self::open(path)?;
        loop {
            match rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive) {
                Ok(()) => return Ok(FileLock { _file: file }),
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(LockFailure::Lock(e.into())),
            }
        }
    }

    /// Wait for the lock on `path` as [`FileLock::acquire`], but while
    /// another holds it ask `give_up` every few milliseconds, and return
    /// `None` once it says so (a caller that can answer from what the
    /// holder publishes instead of waiting for its end).
    pub fn acquire_unless(
        path: &Path,
        mut give_up: impl FnMut() -> bool,
    ) -> Result<Option<FileLock>, LockFailure> {
        let file = Self::open(path)?;
        loop {
            match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => return Ok(Some(FileLock { _file: file })),
                Err(rustix::io::Errno::INTR) => continue,
                Err(rustix::io::Errno::WOULDBLOCK) => {
                    if give_up() {
                        return Ok(None);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(e) => return Err(LockFailure::Lock(e.into())),
            }
        }
    }

    fn open(path: &Path) -> Result<File, LockFailure> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(LockFailure::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn atomic_write_replaces_whole_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("virt-host-files-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let p = dir.join("state.xml");
        assert!(write_atomic(&p, b"one", 0o600).is_ok());
        assert!(write_atomic(&p, b"two", 0o640).is_ok());
        assert_eq!(std::fs::read(&p).ok().as_deref(), Some(&b"two"[..]));
        // The runtime flavour replaces the same way.
        let r = dir.join("run.conf");
        assert!(write_runtime(&r, b"old", 0o644).is_ok());
        assert!(write_runtime(&r, b"new", 0o644).is_ok());
        assert_eq!(std::fs::read(&r).ok().as_deref(), Some(&b"new"[..]));
        let _ = std::fs::remove_file(&r);
        let mode = std::fs::metadata(&p).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o640));
        // Into a directory that does not exist: an error, nothing left.
        assert!(write_atomic(&dir.join("no/such"), b"x", 0o600).is_err());
        let names: Vec<String> = std::fs::read_dir(&dir)
            .map(|r| {
                r.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(names, ["state.xml"]);
        assert!(write_atomic(&dir.join("b.xml"), b"", 0o600).is_ok());
        assert!(write_atomic(&dir.join(".hidden.xml"), b"", 0o600).is_ok());
        assert_eq!(stems(&dir, "xml"), ["b", "state"]);
        assert!(stems(&dir.join("none"), "xml").is_empty());
        remove_quiet(&p);
        remove_quiet(&p);
        let l = FileLock::acquire(&dir.join(".lock"));
        assert!(l.is_ok());
        drop(l);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
