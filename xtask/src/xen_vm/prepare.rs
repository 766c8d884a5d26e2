//! The Xen VM's ingredients, from Debian 12's own packages: fetched with
//! `apt-get download`, unpacked with `dpkg-deb -x` (nothing is installed on
//! the host), the kernel's module index made with `depmod`, and the
//! hypervisor unpacked (QEMU's multiboot loader cannot read the gzip'd
//! file). Everything lands in the cache folder; a second run that finds the
//! stamp of the same package set does nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{tool, Failure};
use crate::vm::debian::{fetch, kernel_package, unpack};

/// The Xen release the harness boots: Debian 12 ships 4.17.
pub const XEN_SERIES: &str = "4.17";

/// Xen and its toolstack, the libraries `xl` and `xenstored` load, and
/// busybox for everything else in dom0 and in the guest. The kernel package
/// is added at run time (its ABI name moves with Debian's updates).
const PACKAGES: &[&str] = &[
    "xen-hypervisor-4.17-amd64",
    "xen-hypervisor-common",
    "xen-utils-4.17",
    "xen-utils-common",
    "xenstore-utils",
    "libxencall1",
    "libxendevicemodel1",
    "libxenevtchn1",
    "libxenforeignmemory1",
    "libxengnttab1",
    "libxenhypfs1",
    "libxenmisc4.17",
    "libxenstore4",
    "libxentoollog1",
    "libxentoolcore1",
    "libyajl2",
    "busybox-static",
];

/// What a prepared cache holds.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The unpacked packages (`dpkg-deb -x` of all of them).
    pub root: PathBuf,
    /// The kernel release, e.g. `6.1.0-56-amd64`.
    pub kernel_release: String,
    /// The uncompressed hypervisor (an ELF32 with multiboot headers).
    pub hypervisor: PathBuf,
    /// The kernel to boot: the bzImage's payload, uncompressed (an ELF
    /// vmlinux with Xen's notes), when it could be unpacked, else
    /// the bzImage Debian ships. Under TCG, Xen's and libxenguest's xz
    /// decompression is what takes longest in dom0's build and in
    /// `xl create`; a plain ELF is only copied.
    pub boot_kernel: PathBuf,
    /// A line naming every .deb unpacked: part of the initramfs recipe, so
    /// a package update rebuilds it.
    pub fingerprint: String,
}

/// Fetch and unpack everything, or reuse the cache in `dir`.
pub fn prepare(dir: &Path) -> Result<Prepared, Failure> {
    let debs = dir.join("debs");
    let root = dir.join("root");
    let stamp = dir.join("prepared.stamp");
    let kpkg = kernel_package()?;
    let kernel_release = kpkg
        .strip_prefix("linux-image-")
        .unwrap_or(&kpkg)
        .to_string();
    let mut packages: Vec<String> = PACKAGES.iter().map(|p| p.to_string()).collect();
    packages.push(kpkg.clone());

    let files = fetch(&debs, &packages, "xen-vm")?;
    let fingerprint = files
        .iter()
        .filter_map(|f| f.file_name().and_then(|n| n.to_str()))
        .collect::<Vec<_>>()
        .join(" ");
    let hypervisor = dir.join(format!("xen-{XEN_SERIES}-amd64"));
    let kernel = root.join(format!("boot/vmlinuz-{kernel_release}"));
    let vmlinux = dir.join("vmlinux");
    let mut prepared = Prepared {
        root: root.clone(),
        kernel_release: kernel_release.clone(),
        hypervisor: hypervisor.clone(),
        boot_kernel: vmlinux.clone(),
        fingerprint: fingerprint.clone(),
    };
    let fresh = std::fs::read_to_string(&stamp).is_ok_and(|s| s == fingerprint);
    if fresh && hypervisor.is_file() && kernel.is_file() {
        if !vmlinux.is_file() && unpack_bzimage(&kernel, &vmlinux).is_err() {
            prepared.boot_kernel = kernel;
        }
        return Ok(prepared);
    }

    eprintln!("xen-vm: unpacking {} packages", files.len());
    unpack(&files, &root, &kernel_release)?;
    let gz = root.join(format!("boot/xen-{XEN_SERIES}-amd64.gz"));
    let out = Command::new(tool("gzip", "gzip")?)
        .arg("-dc")
        .arg(&gz)
        .output()
        .map_err(|e| Failure::new(format!("gzip -dc {}: {e}", gz.display())))?;
    if !out.status.success() || out.stdout.is_empty() {
        return Err(Failure::new(format!(
            "cannot unpack {}: {}",
            gz.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    std::fs::write(&hypervisor, &out.stdout).map_err(|e| Failure::io(&hypervisor, e))?;
    if !kernel.is_file() {
        return Err(Failure::new(format!(
            "{} has no kernel at {}",
            kpkg,
            kernel.display()
        )));
    }
    if let Err(e) = unpack_bzimage(&kernel, &vmlinux) {
        eprintln!("xen-vm: booting the compressed kernel ({e})");
        let _ = std::fs::remove_file(&vmlinux);
        prepared.boot_kernel = kernel;
    }
    std::fs::write(&stamp, &fingerprint).map_err(|e| Failure::io(&stamp, e))?;
    Ok(prepared)
}

/// Write the ELF inside an xz-compressed bzImage to `out`.
fn unpack_bzimage(bzimage: &Path, out: &Path) -> Result<(), Failure> {
    const XZ_MAGIC: &[u8] = b"\xfd7zXZ\x00";
    let image = std::fs::read(bzimage).map_err(|e| Failure::io(bzimage, e))?;
    let at = image
        .windows(XZ_MAGIC.len())
        .position(|w| w == XZ_MAGIC)
        .ok_or_else(|| Failure::new("the kernel's payload is not xz"))?;
    let payload = image.get(at..).unwrap_or_default();
    let mut child = Command::new(tool("xz", "xz-utils")?)
        .args(["-dc", "--single-stream"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| Failure::new(format!("xz: {e}")))?;
    // Feed stdin from a thread: xz writes 8 times more than it reads, so
    // writing all of it first would fill the stdout pipe and stall both.
    let mut stdin = child.stdin.take();
    let payload = payload.to_vec();
    let feeder = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            use std::io::Write;
            let _ = s.write_all(&payload);
        }
    });
    let result = child
        .wait_with_output()
        .map_err(|e| Failure::new(format!("xz: {e}")))?;
    let _ = feeder.join();
    if !result.stdout.starts_with(b"\x7fELF") {
        return Err(Failure::new("the kernel's payload is not an ELF"));
    }
    std::fs::write(out, &result.stdout).map_err(|e| Failure::io(out, e))
}
