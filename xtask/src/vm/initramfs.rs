//! Initramfs images: a tree of files, links and folders written as an
//! uncompressed newc cpio archive (what the kernel unpacks; no host `cpio`,
//! and a TCG-emulated kernel spends no time decompressing), with the
//! shared libraries of the programs in it and the kernel modules it loads
//! in dependency order.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{tool, Failure};

/// Where a cpio entry's content comes from.
pub enum Source {
    /// A directory.
    Dir,
    /// A host file's bytes.
    File {
        /// The host file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Bytes made here.
    Data {
        /// The content.
        bytes: Vec<u8>,
        /// Its permission bits.
        mode: u32,
    },
    /// A symbolic link to this target.
    Symlink(String),
}

/// The tree of an initramfs, path (relative, no leading slash) to content.
#[derive(Default)]
pub struct Tree {
    /// Path to content.
    pub entries: BTreeMap<String, Source>,
}

impl Tree {
    /// Add `path` (and every missing parent directory).
    pub fn add(&mut self, path: &str, source: Source) {
        let mut parent = String::new();
        for part in path
            .split('/')
            .collect::<Vec<_>>()
            .split_last()
            .map_or(&[][..], |(_, p)| p)
        {
            if !parent.is_empty() {
                parent.push('/');
            }
            parent.push_str(part);
            self.entries.entry(parent.clone()).or_insert(Source::Dir);
        }
        self.entries.insert(path.to_string(), source);
    }

    /// An empty directory.
    pub fn dir(&mut self, path: &str) {
        self.add(path, Source::Dir);
    }

    /// A host file, copied when the archive is written.
    pub fn file(&mut self, path: &str, from: &Path, mode: u32) {
        self.add(
            path,
            Source::File {
                path: from.to_path_buf(),
                mode,
            },
        );
    }

    /// A file with the given bytes.
    pub fn data(&mut self, path: &str, bytes: impl Into<Vec<u8>>, mode: u32) {
        self.add(
            path,
            Source::Data {
                bytes: bytes.into(),
                mode,
            },
        );
    }

    /// A symbolic link.
    pub fn symlink(&mut self, path: &str, target: &str) {
        self.add(path, Source::Symlink(target.to_string()));
    }

    /// Write the tree as a newc archive (what the kernel unpacks); parents
    /// sort before their children, so every directory exists in time.
    pub fn write(&self, out: &Path) -> Result<u64, Failure> {
        let file = std::fs::File::create(out).map_err(|e| Failure::io(out, e))?;
        let mut w = CpioWriter {
            out: BufWriter::new(file),
            ino: 0,
            written: 0,
        };
        for (name, src) in &self.entries {
            match src {
                Source::Dir => w.entry(name, 0o040755, &[]),
                Source::Symlink(t) => w.entry(name, 0o120777, t.as_bytes()),
                Source::Data { bytes, mode } => w.entry(name, 0o100000 | mode, bytes),
                Source::File { path, mode } => {
                    let bytes = std::fs::read(path).map_err(|e| Failure::io(path, e))?;
                    w.entry(name, 0o100000 | mode, &bytes)
                }
            }
            .map_err(|e| Failure::io(out, e))?;
        }
        w.entry("TRAILER!!!", 0, &[])
            .and_then(|()| w.out.flush())
            .map_err(|e| Failure::io(out, e))?;
        Ok(w.written)
    }
}

/// A streaming writer of the "new ASCII" cpio format (070701).
struct CpioWriter<W: Write> {
    out: W,
    ino: u32,
    written: u64,
}

impl<W: Write> CpioWriter<W> {
    fn entry(&mut self, name: &str, mode: u32, data: &[u8]) -> std::io::Result<()> {
        self.ino += 1;
        let nlink = if mode & 0o170000 == 0o040000 { 2 } else { 1 };
        // ino mode uid gid nlink mtime filesize devmajor devminor
        // rdevmajor rdevminor namesize check
        let header = format!(
            "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            self.ino,
            mode,
            0,
            0,
            nlink,
            0,
            data.len(),
            0,
            0,
            0,
            0,
            name.len() + 1,
            0
        );
        self.put(header.as_bytes())?;
        self.put(name.as_bytes())?;
        self.put(&[0])?;
        self.pad()?;
        self.put(data)?;
        self.pad()
    }

    fn put(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.written += b.len() as u64;
        self.out.write_all(b)
    }

    fn pad(&mut self) -> std::io::Result<()> {
        let n = (4 - self.written % 4) % 4;
        self.put(&[0u8; 3][..n as usize])
    }
}

/// One library a program loads, as `ldd` resolved it.
pub struct Library {
    /// The file name.
    pub name: String,
    /// Where the host has it.
    pub path: PathBuf,
}

/// The shared libraries of `programs`, resolved by `ldd` with the unpacked
/// Xen libraries first on the search path (the host's glibc is Debian 12's
/// too, which is what the packages were built against).
pub fn shared_libraries(programs: &[PathBuf], extra_dir: &Path) -> Result<Vec<Library>, Failure> {
    let ldd = tool("ldd", "libc-bin")?;
    let mut seen = BTreeSet::new();
    let mut libs = Vec::new();
    for p in programs {
        let out = Command::new(&ldd)
            .arg(p)
            .env("LD_LIBRARY_PATH", extra_dir)
            .output()
            .map_err(|e| Failure::new(format!("ldd {}: {e}", p.display())))?;
        let text = String::from_utf8_lossy(&out.stdout);
        for line in text.lines() {
            let line = line.trim();
            if line.contains("not found") {
                return Err(Failure::new(format!(
                    "{} needs a library no package provides: {line}",
                    p.display()
                )));
            }
            // "libx.so.1 => /path/libx.so.1 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
            let path = match line.split_once("=>") {
                Some((_, rest)) => rest.split_whitespace().next(),
                None => line
                    .split_whitespace()
                    .next()
                    .filter(|s| s.starts_with('/')),
            };
            let Some(path) = path.filter(|s| s.starts_with('/')) else {
                continue;
            };
            let path = PathBuf::from(path);
            let Some(name) = file_name(&path) else {
                continue;
            };
            if seen.insert(name.clone()) {
                libs.push(Library { name, path });
            }
        }
    }
    Ok(libs)
}

/// libgcc_s: glibc dlopen()s it for pthread_cancel, so `ldd` never names it,
/// yet `xl create` aborts without it.
pub fn libgcc_s() -> Result<PathBuf, Failure> {
    [
        "/lib/x86_64-linux-gnu/libgcc_s.so.1",
        "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
    .ok_or_else(|| Failure::new("libgcc_s.so.1 not found on the host (package libgcc-s1)"))
}

/// The module file names to load, dependencies first, from `modules.dep`.
pub fn module_order(moddir: &Path, wanted: &[&str]) -> Result<Vec<String>, Failure> {
    let dep_path = moddir.join("modules.dep");
    let dep = std::fs::read_to_string(&dep_path).map_err(|e| Failure::io(&dep_path, e))?;
    let builtin = std::fs::read_to_string(moddir.join("modules.builtin")).unwrap_or_default();
    let key = |file: &str| -> String {
        let base = file.rsplit('/').next().unwrap_or(file);
        base.split(".ko").next().unwrap_or(base).replace('-', "_")
    };
    let mut table: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for line in dep.lines() {
        if let Some((module, deps)) = line.split_once(':') {
            let deps = deps.split_whitespace().map(str::to_string).collect();
            table.insert(key(module), (module.to_string(), deps));
        }
    }
    let builtin: BTreeSet<String> = builtin.lines().map(key).collect();
    let mut order: Vec<String> = Vec::new();
    fn visit(
        name: &str,
        table: &BTreeMap<String, (String, Vec<String>)>,
        key: &dyn Fn(&str) -> String,
        order: &mut Vec<String>,
        depth: usize,
    ) -> Result<(), Failure> {
        let Some((file, deps)) = table.get(name) else {
            return Err(Failure::new(format!(
                "kernel module {name} not in modules.dep"
            )));
        };
        if order.contains(file) {
            return Ok(());
        }
        if depth > 32 {
            return Err(Failure::new(format!("module dependency loop at {name}")));
        }
        for d in deps {
            visit(&key(d), table, key, order, depth + 1)?;
        }
        order.push(file.clone());
        Ok(())
    }
    for m in wanted {
        let k = key(m);
        if builtin.contains(&k) {
            continue;
        }
        visit(&k, &table, &key, &mut order, 0)?;
    }
    for f in &order {
        if !f.ends_with(".ko") {
            return Err(Failure::new(format!(
                "module {f} is compressed; busybox insmod needs plain .ko files"
            )));
        }
    }
    Ok(order)
}

/// The last part of `path`'s name, when it is UTF-8 (an initramfs entry
/// is named by text).
fn file_name(path: &Path) -> Option<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
}

/// Add a host folder's files (following no symlinks out of it) under `at`.
pub fn add_tree(t: &mut Tree, from: &Path, at: &str) -> Result<(), Failure> {
    let entries = std::fs::read_dir(from).map_err(|e| Failure::io(from, e))?;
    t.dir(at);
    for e in entries.flatten() {
        let path = e.path();
        let Some(name) = file_name(&path) else {
            continue;
        };
        let dest = format!("{at}/{name}");
        let meta = std::fs::symlink_metadata(&path).map_err(|e| Failure::io(&path, e))?;
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).map_err(|e| Failure::io(&path, e))?;
            t.symlink(&dest, &target.to_string_lossy());
        } else if meta.is_dir() {
            add_tree(t, &path, &dest)?;
        } else {
            use std::os::unix::fs::PermissionsExt;
            t.file(&dest, &path, meta.permissions().mode() & 0o7777);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module list of the Xen harness, as a realistic example.
    use crate::xen_vm::initramfs::DOM0_MODULES;

    #[test]
    fn cpio_entries_are_newc_and_aligned() {
        let mut out = Vec::new();
        let mut w = CpioWriter {
            out: &mut out,
            ino: 0,
            written: 0,
        };
        w.entry("bin", 0o040755, &[]).unwrap();
        w.entry("bin/sh", 0o120777, b"busybox").unwrap();
        w.entry("TRAILER!!!", 0, &[]).unwrap();
        assert_eq!(out.len() % 4, 0);
        assert!(out.starts_with(b"070701"));
        // The second header starts on the 4-byte boundary after the
        // 110-byte header and "bin\0" (114 -> 116).
        let second = 116;
        assert_eq!(&out[second..second + 6], b"070701");
        // mode of the symlink, then its target after the name.
        assert_eq!(&out[second + 14..second + 22], b"0000a1ff");
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("bin/sh\0"));
        assert!(text.contains("busybox"));
        assert!(text.ends_with('\0'));
    }

    #[test]
    fn tree_adds_every_parent_before_its_children() {
        let mut t = Tree::default();
        t.data("usr/lib/modules/9p.ko", "x", 0o644);
        let names: Vec<&String> = t.entries.keys().collect();
        assert_eq!(
            names,
            ["usr", "usr/lib", "usr/lib/modules", "usr/lib/modules/9p.ko"]
        );
    }

    #[test]
    fn modules_load_after_their_dependencies() {
        let dir = std::env::temp_dir().join(format!("xen-vm-moddep-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let dep = "\
kernel/drivers/xen/xen-evtchn.ko:
kernel/drivers/xen/xen-gntdev.ko:
kernel/drivers/xen/xen-gntalloc.ko:
kernel/drivers/xen/xenfs/xenfs.ko: kernel/drivers/xen/xen-privcmd.ko
kernel/drivers/xen/xen-privcmd.ko:
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/net/9p/9pnet.ko:
kernel/fs/9p/9p.ko: kernel/fs/netfs/netfs.ko kernel/net/9p/9pnet.ko
kernel/fs/netfs/netfs.ko:
";
        std::fs::write(dir.join("modules.dep"), dep).unwrap();
        let order = module_order(&dir, DOM0_MODULES).unwrap();
        let pos = |m: &str| order.iter().position(|o| o.ends_with(m)).unwrap();
        assert!(pos("/xen-privcmd.ko") < pos("/xenfs.ko"));
        assert!(pos("/virtio_ring.ko") < pos("/virtio.ko"));
        assert!(pos("/virtio.ko") < pos("/virtio_pci.ko"));
        assert!(pos("/9pnet.ko") < pos("/9pnet_virtio.ko"));
        assert!(pos("/netfs.ko") < pos("/9p.ko"));
        // Each once, however many modules need it.
        assert_eq!(
            order
                .iter()
                .filter(|o| o.ends_with("/virtio_ring.ko"))
                .count(),
            1
        );

        std::fs::write(dir.join("modules.dep"), "kernel/x.ko:\n").unwrap();
        assert!(
            module_order(&dir, DOM0_MODULES).is_err(),
            "a missing module must be reported"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
