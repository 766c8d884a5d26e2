//! Volume files: raw files are made, grown and measured directly (sparse;
//! the allocation is the file's real blocks); qcow2 and the other image
//! formats go through Debian's `qemu-img` (package qemu-utils).

use crate::error::{StorageError, StorageResult};
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::process::Command;

/// The program that makes and reads image formats other than raw.
pub const QEMU_IMG: &str = "qemu-img";

/// What a volume file holds, as measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measured {
    /// The image format (`raw` for plain files).
    pub format: String,
    /// The guest-visible size, bytes.
    pub capacity: u64,
    /// Bytes the file occupies on disk.
    pub allocation: u64,
    /// The backing file, for images that have one.
    pub backing: Option<String>,
}

fn sys(what: String) -> impl FnOnce(std::io::Error) -> StorageError {
    move |e| StorageError::system(what, e)
}

/// Run `qemu-img` with `args`; its stdout, or its message as the error.
fn qemu_img(args: &[&str]) -> StorageResult<String> {
    run(QEMU_IMG, args)
}

/// Run a storage tool; its stdout, or libvirt's "Child process (...)
/// unexpected exit status N: MESSAGE" as the error.
pub(crate) fn run(program: &str, args: &[&str]) -> StorageResult<String> {
    let out = Command::new(program)
        .args(args)
        .env("LC_ALL", "C")
        // LVM complains of every inherited descriptor otherwise.
        .env("LVM_SUPPRESS_FD_WARNINGS", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(sys(format!("cannot run {program}")))?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return Err(StorageError::Internal(format!(
            "Child process ({program} {}) unexpected exit status {}: {msg}",
            args.join(" "),
            out.status.code().unwrap_or(-1)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Create a new file volume at `path` (it must not exist).
///
/// Raw: a sparse file of `capacity` bytes with its first `allocation`
/// bytes allocated. Other formats: `qemu-img create`, with
/// `preallocation=metadata` when asked and a backing file when given.
pub fn create(
    path: &Path,
    format: &str,
    capacity: u64,
    allocation: u64,
    prealloc_metadata: bool,
    backing: Option<(&str, Option<&str>)>,
) -> StorageResult<()> {
    let shown = path.display().to_string();
    if format == "raw" && backing.is_none() {
        let f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(sys(format!("cannot create '{shown}'")))?;
        let made = (|| {
            f.set_len(capacity)?;
            allocate(&f, allocation.min(capacity))?;
            f.sync_all()
        })();
        if let Err(e) = made {
            let _ = std::fs::remove_file(path);
            return Err(StorageError::system(format!("cannot fill '{shown}'"), e));
        }
        return Ok(());
    }
    if path.exists() {
        return Err(StorageError::Failed("storage vol already exists".into()));
    }
    let size = capacity.to_string();
    let mut args = vec!["create", "-q", "-f", format];
    let mut opts = Vec::new();
    if prealloc_metadata {
        opts.push("preallocation=metadata".to_string());
    }
    if let Some((file, fmt)) = backing {
        opts.push(format!("backing_file={file}"));
        if let Some(fmt) = fmt {
            opts.push(format!("backing_fmt={fmt}"));
        }
    }
    let joined = opts.join(",");
    if !joined.is_empty() {
        args.extend(["-o", joined.as_str()]);
    }
    args.extend([shown.as_str(), size.as_str()]);
    qemu_img(&args).map(|_| ())
}

/// Allocate the first `len` bytes of `f`, as libvirt's `safezero` does:
/// `fallocate`, and where the file system cannot (`EOPNOTSUPP`), zeros
/// written over the range (what `posix_fallocate` falls back to).
fn allocate(f: &std::fs::File, len: u64) -> std::io::Result<()> {
    if len == 0 {
        return Ok(());
    }
    match rustix::fs::fallocate(f, rustix::fs::FallocateFlags::empty(), 0, len) {
        Err(rustix::io::Errno::OPNOTSUPP) => write_zeros(f, len),
        r => r.map_err(std::io::Error::from),
    }
}

/// Write zeros over the first `len` bytes of `f`, a megabyte at a time.
fn write_zeros(f: &std::fs::File, len: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    const CHUNK: u64 = 1 << 20;
    let zeros = vec![0u8; CHUNK as usize];
    let mut at = 0;
    while at < len {
        let n = CHUNK.min(len - at);
        f.write_all_at(&zeros[..n as usize], at)?;
        at += n;
    }
    Ok(())
}

/// Measure the volume file at `path`: its format (probed by `qemu-img`
/// when the file is not plainly raw), its capacity and its real blocks.
pub fn measure(path: &Path, format_hint: Option<&str>) -> StorageResult<Measured> {
    let shown = path.display().to_string();
    let md = std::fs::metadata(path).map_err(sys(format!("cannot stat file '{shown}'")))?;
    let allocation = md.blocks() * 512;
    if format_hint == Some("raw") || !looks_like_image(path) {
        return Ok(Measured {
            format: "raw".into(),
            capacity: md.len(),
            allocation,
            backing: None,
        });
    }
    let json = qemu_img(&["info", "--output=json", "-U", &shown])?;
    let v: serde_json::Value = serde_json::from_str(&json)
        .map_err(|e| StorageError::Internal(format!("cannot read {QEMU_IMG} info: {e}")))?;
    Ok(Measured {
        format: v["format"].as_str().unwrap_or("raw").to_string(),
        capacity: v["virtual-size"].as_u64().unwrap_or(md.len()),
        allocation,
        backing: v["backing-filename"].as_str().map(str::to_string),
    })
}

/// True when the file starts with the magic of a format `qemu-img`
/// knows better than raw (qcow, qcow2, QED, VMDK, VDI, VHDX, VPC).
fn looks_like_image(path: &Path) -> bool {
    let mut head = [0u8; 512];
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    use std::io::Read;
    let n = f.read(&mut head).unwrap_or(0);
    let h = &head[..n];
    let magics: [&[u8]; 7] = [
        b"QFI\xfb",
        b"QEMU QED",
        b"KDMV",
        b"vhdxfile",
        b"conectix",
        b"<<< ",
        b"# Disk",
    ];
    magics.iter().any(|m| h.starts_with(m))
}

/// Copy `src` (in `src_format`) into a new file `dst` in `dst_format`,
/// keeping holes (`qemu-img convert` skips zeroes; the target is sparse).
pub fn copy(src: &Path, src_format: &str, dst: &Path, dst_format: &str) -> StorageResult<()> {
    if dst.exists() {
        return Err(StorageError::Failed("storage vol already exists".into()));
    }
    let (s, d) = (src.display().to_string(), dst.display().to_string());
    let r = qemu_img(&["convert", "-q", "-f", src_format, "-O", dst_format, &s, &d]);
    if r.is_err() {
        let _ = std::fs::remove_file(dst);
    }
    r.map(|_| ())
}

/// Set the capacity of the volume at `path`. Raw files are truncated or
/// extended (allocated with `allocate`); images go through `qemu-img resize`.
pub fn resize(
    path: &Path,
    format: &str,
    capacity: u64,
    allocate_new: bool,
    shrink: bool,
) -> StorageResult<()> {
    let shown = path.display().to_string();
    if format == "raw" {
        let f = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(sys(format!("cannot open '{shown}'")))?;
        let old = f.metadata().map(|m| m.len()).unwrap_or(0);
        f.set_len(capacity)
            .map_err(sys(format!("cannot resize '{shown}'")))?;
        if allocate_new && capacity > old {
            allocate(&f, capacity).map_err(sys(format!("cannot allocate '{shown}'")))?;
        }
        return Ok(());
    }
    let size = capacity.to_string();
    let mut args = vec!["resize", "-q", "-f", format];
    if shrink {
        args.push("--shrink");
    }
    if allocate_new {
        args.push("--preallocation=falloc");
    }
    args.extend([shown.as_str(), size.as_str()]);
    qemu_img(&args).map(|_| ())
}

/// Overwrite the data of a raw volume with zeroes, keeping its size;
/// an image is made anew, empty, with the same capacity.
pub fn wipe(path: &Path, format: &str, capacity: u64) -> StorageResult<()> {
    let shown = path.display().to_string();
    if format != "raw" {
        std::fs::remove_file(path).map_err(sys(format!("cannot remove '{shown}'")))?;
        return create(path, format, capacity, 0, false, None);
    }
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    zero(path, len)
}

/// Overwrite the first `len` bytes of a device (or file) with zeroes: the
/// wipe of a block volume, whose size the file system cannot tell.
pub fn zero(path: &Path, len: u64) -> StorageResult<()> {
    let shown = path.display().to_string();
    let mut f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(sys(format!("cannot open '{shown}'")))?;
    let zeros = vec![0u8; 1 << 20];
    let mut done = 0u64;
    let r = (|| {
        while done < len {
            let n = (len - done).min(zeros.len() as u64) as usize;
            f.write_all(&zeros[..n])?;
            done += n as u64;
        }
        f.sync_all()
    })();
    r.map_err(sys(format!("cannot wipe '{shown}'")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;
    use virt_testkit::TempDir;

    /// Both ways of allocating leave the range backed by blocks (a sparse
    /// file of the same length has none).
    #[test]
    fn allocation_backs_the_range_with_blocks() -> std::io::Result<()> {
        let dir = TempDir::new("allocate");
        let len = 3 << 20;
        for (name, how) in [
            (
                "fallocated",
                allocate as fn(&std::fs::File, u64) -> std::io::Result<()>,
            ),
            ("zeroed", write_zeros),
        ] {
            let path = dir.0.join(name);
            let f = std::fs::File::create(&path)?;
            how(&f, len)?;
            let md = f.metadata()?;
            assert_eq!(md.len(), len, "{name}");
            assert!(md.blocks() * 512 >= len, "{name}: {} blocks", md.blocks());
        }
        Ok(())
    }
}
