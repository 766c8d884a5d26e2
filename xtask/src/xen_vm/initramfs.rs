//! The two initramfs images: dom0's (busybox, the Xen toolstack with its
//! libraries, the kernel modules Xen and 9p need, the guest's kernel and
//! initramfs, our `/init`) and the PV guest's (busybox and a hello).
//!
//! Both are written as uncompressed newc cpio archives by the writer here:
//! no host `cpio` is needed, and the dom0 kernel, emulated by TCG, spends
//! no time decompressing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::prepare::{Prepared, XEN_SERIES};
use super::{tool, Failure, GUEST_NAME};

/// dom0's `/init`: brings the Xen userspace up, then hands over to
/// `xtask xen-vm --in-dom0` from the share.
pub const DOM0_INIT: &str = include_str!("init.sh");

/// The guest's `/init`: say hello on the console (the runner looks for it)
/// and idle.
const GUEST_INIT: &str = r#"#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
echo "XENVM-GUEST-HELLO $(/bin/busybox uname -r) uuid=$(/bin/busybox cat /sys/hypervisor/uuid 2>/dev/null)"
while :; do /bin/busybox sleep 3600; done
"#;

/// The xl config of the PV guest: the dom0 kernel again, the guest
/// initramfs, no disk, no network (those would need hotplug scripts). The
/// kernel sits in dom0's initramfs: read from the 9p share, `xl create`
/// took 25 s instead of 3 s.
fn guest_config() -> String {
    format!(
        "name = \"{GUEST_NAME}\"\ntype = \"pv\"\nkernel = \"/boot/vmlinuz\"\n\
         ramdisk = \"/boot/guest-initrd\"\nextra = \"console=hvc0 rdinit=/init quiet\"\n\
         memory = 128\nvcpus = 1\non_poweroff = \"destroy\"\non_reboot = \"destroy\"\n\
         on_crash = \"destroy\"\n"
    )
}

/// Kernel modules dom0 loads (Debian builds them as modules): event
/// channels, grant tables, privcmd and xenfs for the toolstack; virtio-pci
/// and 9p for the share with the host. Their dependencies are added.
const DOM0_MODULES: &[&str] = &[
    "xen-evtchn",
    "xen-gntdev",
    "xen-gntalloc",
    "xenfs",
    "xen-privcmd",
    "virtio_pci",
    "9pnet_virtio",
    "9p",
];

/// The toolstack programs dom0 runs, under `usr/lib/xen-<series>/bin`.
const XEN_PROGRAMS: &[&str] = &[
    "xl",
    "xenstored",
    "xen-init-dom0",
    "xenconsoled",
    "xenconsole",
    "libxl-save-helper",
];

/// The names xenstore-utils installs as links to its one binary.
const XENSTORE_LINKS: &[&str] = &[
    "read", "write", "ls", "list", "rm", "exists", "chmod", "watch",
];

/// Where a cpio entry's content comes from.
enum Source {
    Dir,
    File { path: PathBuf, mode: u32 },
    Data { bytes: Vec<u8>, mode: u32 },
    Symlink(String),
}

/// The tree of an initramfs, path (relative, no leading slash) to content.
#[derive(Default)]
struct Tree {
    entries: BTreeMap<String, Source>,
}

impl Tree {
    fn add(&mut self, path: &str, source: Source) {
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

    fn dir(&mut self, path: &str) {
        self.add(path, Source::Dir);
    }

    fn file(&mut self, path: &str, from: &Path, mode: u32) {
        self.add(
            path,
            Source::File {
                path: from.to_path_buf(),
                mode,
            },
        );
    }

    fn data(&mut self, path: &str, bytes: impl Into<Vec<u8>>, mode: u32) {
        self.add(
            path,
            Source::Data {
                bytes: bytes.into(),
                mode,
            },
        );
    }

    fn symlink(&mut self, path: &str, target: &str) {
        self.add(path, Source::Symlink(target.to_string()));
    }

    /// Write the tree as a newc archive (what the kernel unpacks); parents
    /// sort before their children, so every directory exists in time.
    fn write(&self, out: &Path) -> Result<u64, Failure> {
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
struct Library {
    name: String,
    path: PathBuf,
}

/// The shared libraries of `programs`, resolved by `ldd` with the unpacked
/// Xen libraries first on the search path (the host's glibc is Debian 12's
/// too, which is what the packages were built against).
fn shared_libraries(programs: &[PathBuf], extra_dir: &Path) -> Result<Vec<Library>, Failure> {
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
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string)
            else {
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
fn libgcc_s() -> Result<PathBuf, Failure> {
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
fn module_order(moddir: &Path) -> Result<Vec<String>, Failure> {
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
    for m in DOM0_MODULES {
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

/// The guest's initramfs, as bytes.
fn guest_initrd(p: &Prepared, out: &Path) -> Result<(), Failure> {
    let mut t = Tree::default();
    for d in ["proc", "sys", "dev"] {
        t.dir(d);
    }
    t.file("bin/busybox", &p.root.join("bin/busybox"), 0o755);
    t.data("init", GUEST_INIT, 0o755);
    t.write(out).map(|_| ())
}

/// What a built dom0 image provides.
pub struct Dom0Image {
    /// The dom0 initramfs.
    pub initrd: PathBuf,
    /// Library file names it carries (test binaries needing others get
    /// them through the share).
    pub libraries: BTreeSet<String>,
}

/// What the dom0 image is made of; a change rebuilds it.
fn recipe(p: &Prepared) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}",
        p.fingerprint,
        DOM0_MODULES.join(" "),
        guest_config(),
        GUEST_INIT,
        DOM0_INIT
    )
}

/// Build dom0's initramfs (and the guest's, inside it), or reuse the one in
/// `dir` when its recipe has not changed.
pub fn build(p: &Prepared, dir: &Path) -> Result<Dom0Image, Failure> {
    let initrd = dir.join("dom0-initrd.cpio");
    let stamp = dir.join("dom0-initrd.recipe");
    let libs_list = dir.join("dom0-initrd.libs");
    let want = recipe(p);
    if initrd.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == want) {
        if let Ok(libs) = std::fs::read_to_string(&libs_list) {
            return Ok(Dom0Image {
                initrd,
                libraries: libs.lines().map(str::to_string).collect(),
            });
        }
    }
    eprintln!("xen-vm: building the dom0 initramfs");
    let xen_bin = format!("usr/lib/xen-{XEN_SERIES}/bin");
    let root = &p.root;
    let mut t = Tree::default();
    for d in [
        "bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "run", "tmp", "root",
        "share", "var/lib", "var/log", "boot",
    ] {
        t.dir(d);
    }
    // Merged /usr, as on the host: the dynamic loader's paths and Debian's
    // library directories all resolve into usr/.
    t.symlink("lib", "usr/lib");
    t.symlink("lib64", "usr/lib64");
    t.symlink("var/run", "../run");
    t.file("bin/busybox", &root.join("bin/busybox"), 0o755);

    let mut programs = Vec::new();
    for prog in XEN_PROGRAMS {
        let src = root.join(&xen_bin).join(prog);
        if !src.is_file() {
            return Err(Failure::new(format!(
                "{} missing from xen-utils",
                src.display()
            )));
        }
        t.file(&format!("{xen_bin}/{prog}"), &src, 0o755);
        programs.push(src);
    }
    for prog in ["xl", "xenstored", "xenconsoled"] {
        t.symlink(
            &format!("usr/sbin/{prog}"),
            &format!("../lib/xen-{XEN_SERIES}/bin/{prog}"),
        );
    }
    let xenstore = root.join("usr/bin/xenstore");
    t.file("usr/bin/xenstore", &xenstore, 0o755);
    programs.push(xenstore);
    for l in XENSTORE_LINKS {
        t.symlink(&format!("usr/bin/xenstore-{l}"), "xenstore");
    }

    let libdir = root.join("usr/lib/x86_64-linux-gnu");
    let mut libraries = BTreeSet::new();
    for lib in shared_libraries(&programs, &libdir)? {
        let dest = if lib.name.starts_with("ld-linux") {
            format!("usr/lib64/{}", lib.name)
        } else {
            format!("usr/lib/x86_64-linux-gnu/{}", lib.name)
        };
        t.file(&dest, &lib.path, 0o755);
        libraries.insert(lib.name);
    }
    t.file(
        "usr/lib/x86_64-linux-gnu/libgcc_s.so.1",
        &libgcc_s()?,
        0o644,
    );
    libraries.insert("libgcc_s.so.1".into());

    // /etc/xen from xen-utils-common (xl.conf, scripts), plus our guest.
    add_tree(&mut t, &root.join("etc/xen"), "etc/xen")?;
    t.data(&format!("etc/xen/{GUEST_NAME}.cfg"), guest_config(), 0o644);
    t.data("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0o644);
    t.data("etc/group", "root:x:0:\n", 0o644);

    let moddir = root.join("lib/modules").join(&p.kernel_release);
    let order = module_order(&moddir)?;
    let mut names = Vec::new();
    for rel in &order {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        t.file(&format!("usr/lib/modules/{name}"), &moddir.join(rel), 0o644);
        names.push(name.to_string());
    }
    t.data("etc/xen-vm-modules", names.join("\n") + "\n", 0o644);

    let guest = dir.join("guest-initrd.cpio");
    guest_initrd(p, &guest)?;
    t.file("boot/guest-initrd", &guest, 0o644);
    t.file("boot/vmlinuz", &p.boot_kernel, 0o644);
    t.data("init", DOM0_INIT, 0o755);

    let size = t.write(&initrd)?;
    eprintln!("xen-vm: dom0 initramfs {} MB", size / (1 << 20));
    let list: String = libraries.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&libs_list, list).map_err(|e| Failure::io(&libs_list, e))?;
    std::fs::write(&stamp, want).map_err(|e| Failure::io(&stamp, e))?;
    Ok(Dom0Image { initrd, libraries })
}

/// Libraries `programs` need that the dom0 image lacks: (name, host path).
pub fn missing_libraries(
    programs: &[PathBuf],
    have: &BTreeSet<String>,
) -> Result<Vec<(String, PathBuf)>, Failure> {
    Ok(shared_libraries(programs, Path::new("/nonexistent"))?
        .into_iter()
        .filter(|l| !have.contains(&l.name))
        .map(|l| (l.name, l.path))
        .collect())
}

/// Add a host folder's files (following no symlinks out of it) under `at`.
fn add_tree(t: &mut Tree, from: &Path, at: &str) -> Result<(), Failure> {
    let entries = std::fs::read_dir(from).map_err(|e| Failure::io(from, e))?;
    t.dir(at);
    for e in entries.flatten() {
        let path = e.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
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
        let order = module_order(&dir).unwrap();
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
            module_order(&dir).is_err(),
            "a missing module must be reported"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
