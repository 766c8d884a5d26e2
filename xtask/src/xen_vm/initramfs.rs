//! The two initramfs images: dom0's (busybox, the Xen toolstack with its
//! libraries, the kernel modules Xen and 9p need, the guest's kernel and
//! initramfs, our `/init`) and the PV guest's (busybox and a hello).
//!
//! Both are written by [`crate::vm::initramfs`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::prepare::{Prepared, XEN_SERIES};
use super::{Failure, GUEST_NAME};
use crate::vm::initramfs::{add_tree, libgcc_s, module_order, shared_libraries, Tree};

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
pub(crate) const DOM0_MODULES: &[&str] = &[
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
    let order = module_order(&moddir, DOM0_MODULES)?;
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
