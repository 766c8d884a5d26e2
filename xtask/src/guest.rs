//! `cargo xtask guest`: build the tiny Linux test guest from Debian
//! packages, cached in `target/guest/`.
//!
//! - kernel: `vmlinuz` of the package linux-image-amd64 depends on;
//! - initramfs: busybox-static, the kernel modules it needs (power button,
//!   virtio balloon) and an `/init` that prints a banner to the serial
//!   console, reports CPU and memory changes and a tick every second,
//!   powers off when the ACPI power button is pressed, and on a network
//!   takes a DHCP lease, resolves names and pings addresses the kernel
//!   command line names (see [`INIT`]).
//!
//! Outputs `target/guest/vmlinuz` and `target/guest/initrd.img`, and prints
//! their paths. A second run reuses them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The cache directory.
pub fn guest_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/guest"))
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn kernel_package() -> Result<String, String> {
    let deps = run(Command::new("apt-cache").args(["depends", "linux-image-amd64"]))?;
    deps.lines()
        .filter_map(|l| l.trim().strip_prefix("Depends: "))
        .find(|p| p.starts_with("linux-image-"))
        .map(str::to_string)
        .ok_or_else(|| "apt-cache names no kernel for linux-image-amd64".into())
}

fn find_deb(dir: &Path, prefix: &str) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".deb"))
        })
}

/// Find the first file under `dir` whose name satisfies `pred`.
fn find_file(dir: &Path, pred: &dyn Fn(&str) -> bool) -> Option<PathBuf> {
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        if p.is_dir() && !p.is_symlink() {
            if let Some(f) = find_file(&p, pred) {
                return Some(f);
            }
        } else if p.file_name().and_then(|n| n.to_str()).is_some_and(pred) {
            return Some(p);
        }
    }
    None
}

/// A newc cpio archive writer (what the kernel unpacks as initramfs).
struct Cpio {
    out: Vec<u8>,
    ino: u32,
}

impl Cpio {
    fn entry(&mut self, name: &str, mode: u32, data: &[u8]) {
        self.ino += 1;
        let namesz = name.len() + 1;
        let header = format!(
            "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            self.ino,
            mode,
            0,
            0,
            1,
            0,
            data.len(),
            0,
            0,
            0,
            0,
            namesz,
            0
        );
        self.out.extend_from_slice(header.as_bytes());
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        self.pad();
        self.out.extend_from_slice(data);
        self.pad();
    }
    fn pad(&mut self) {
        while self.out.len() % 4 != 0 {
            self.out.push(0);
        }
    }
}

/// Kernel modules the guest loads, in dependency order: the input event
/// interface and the ACPI button (the power button), virtio-pci with the
/// balloon driver (memory changes), and the disk and network drivers that
/// hot-plugged devices need (virtio-blk, virtio-scsi with SCSI disks and
/// CD-ROMs, virtio-net). Debian builds them all as modules.
const MODULES: &[&str] = &[
    "evdev",
    "button",
    "virtio",
    "virtio_ring",
    "virtio_pci_legacy_dev",
    "virtio_pci_modern_dev",
    "virtio_pci",
    "virtio_balloon",
    "virtio_blk",
    "failover",
    "net_failover",
    "virtio_net",
    "scsi_common",
    "scsi_mod",
    "virtio_scsi",
    "crct10dif_common",
    "crct10dif_generic",
    "crc-t10dif",
    "crc64",
    "crc64_rocksoft_generic",
    "crc64-rocksoft",
    "t10-pi",
    "sd_mod",
    "cdrom",
    "sr_mod",
];

/// The guest's `/init`. Besides answering the power button it reports on
/// the serial console what the host tests look for: a banner at each boot,
/// the online CPU count, MemTotal, the block devices (`disks=vda,sda,`)
/// and network interfaces (`nets=eth0,`) whenever they change (hot-added CPUs
/// are brought online, as udev would), and a tick every second so a test
/// can tell the guest is still alive (after a restore, say).
const INIT: &str = r#"#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for pass in 1 2; do
  for m in MODULES; do
    grep -q "^$m " /proc/modules || insmod /lib/$m.ko 2>/dev/null
  done
done
echo "virt-rs test guest: up"
for e in /sys/class/input/event*; do
  if grep -q "Power Button" "$e/device/name" 2>/dev/null; then
    dev=/dev/input/$(basename "$e")
    echo "virt-rs test guest: power button is $dev"
    (dd if="$dev" of=/dev/null bs=24 count=1 2>/dev/null &&
     echo "virt-rs test guest: power button, powering off" &&
     poweroff -f) &
  fi
done
(last=""; n=0
 while true; do
  for c in /sys/devices/system/cpu/cpu[0-9]*; do
    [ "$(cat $c/online 2>/dev/null)" = 0 ] && echo 1 > $c/online
  done
  now="cpus=$(grep -c ^processor /proc/cpuinfo) memtotal=$(awk '/^MemTotal/ {print $2}' /proc/meminfo) disks=$(ls /sys/block | grep -v -e ^ram -e ^loop | tr '\n' ,) nets=$(ls /sys/class/net | grep -v ^lo$ | tr '\n' ,)"
  [ "$now" != "$last" ] && echo "virt-rs test guest: $now" && last="$now"
  n=$((n + 1))
  echo "virt-rs test guest: tick $n"
  sleep 1
 done) &
# On a network (virtrs.net on the kernel command line): a DHCP lease on
# eth0, then each virtrs.lookup=NAME resolved through the DNS server the
# lease named and each virtrs.ping=ADDR pinged until it answers (60 s),
# every result on the console.
if grep -q virtrs.net /proc/cmdline; then
 (ip link set lo up
  for i in $(seq 20); do [ -e /sys/class/net/eth0 ] && break; sleep 1; done
  ip link set eth0 up
  lease=""
  for i in 1 2 3; do
   udhcpc -i eth0 -s /bin/udhcpc.script -q -n -t 20 -T 1 >/dev/null 2>&1 &&
    lease=$(ip -4 -o addr show eth0 | awk '{print $4}') && break
  done
  if [ -n "$lease" ]; then echo "virt-rs test guest: lease $lease"
  else echo "virt-rs test guest: no lease"; fi
  for a in $(cat /proc/cmdline); do
   case "$a" in
    virtrs.lookup=*)
     n=${a#virtrs.lookup=}
     echo "virt-rs test guest: lookup $n $(nslookup "$n" 2>/dev/null | awk '/^Address/ {a=$NF} END {print a}')";;
    virtrs.ping=*)
     h=${a#virtrs.ping=}; r=fail
     for i in $(seq 60); do ping -c 1 -W 1 "$h" >/dev/null 2>&1 && r=ok && break; done
     echo "virt-rs test guest: ping $h $r";;
   esac
  done) &
fi
echo "virt-rs test guest: waiting for the power button"
while true; do sleep 3600; done
"#;

/// udhcpc's script: the leased address, the default route and the DNS
/// servers on the interface, as a distribution's script would.
const UDHCPC_SCRIPT: &str = r#"#!/bin/sh
case "$1" in
 bound|renew)
  ip addr flush dev "$interface"
  ip addr add "$ip/$mask" dev "$interface"
  for r in $router; do ip route add default via "$r" dev "$interface"; break; done
  : > /etc/resolv.conf
  for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done;;
esac
"#;

/// What the initramfs is made of, stored next to it: a different recipe
/// (a changed `/init` or module list) rebuilds it.
fn recipe() -> String {
    format!("{}\n{}\n{}", MODULES.join(" "), INIT, UDHCPC_SCRIPT)
}

/// Build (or reuse) the guest; returns (kernel, initrd).
pub fn build() -> Result<(PathBuf, PathBuf), String> {
    let dir = guest_dir();
    let kernel = dir.join("vmlinuz");
    let initrd = dir.join("initrd.img");
    let stamp = dir.join("initrd.recipe");
    let fresh = std::fs::read_to_string(&stamp).is_ok_and(|r| r == recipe());
    if kernel.exists() && initrd.exists() && fresh {
        return Ok((kernel, initrd));
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let kpkg = kernel_package()?;
    if find_deb(&dir, &format!("{kpkg}_")).is_none() || find_deb(&dir, "busybox-static_").is_none()
    {
        run(Command::new("apt-get")
            .current_dir(&dir)
            .args(["download", &kpkg, "busybox-static"]))?;
    }
    let kdeb = find_deb(&dir, &format!("{kpkg}_")).ok_or("kernel package not downloaded")?;
    let bdeb = find_deb(&dir, "busybox-static_").ok_or("busybox-static not downloaded")?;
    let kx = dir.join("kernel-x");
    let bx = dir.join("busybox-x");
    for (deb, x) in [(&kdeb, &kx), (&bdeb, &bx)] {
        let _ = std::fs::remove_dir_all(x);
        run(Command::new("dpkg-deb").arg("-x").arg(deb).arg(x))?;
    }
    let vmlinuz = find_file(&kx.join("boot"), &|n| n.starts_with("vmlinuz-"))
        .ok_or("no vmlinuz in the kernel package")?;
    let busybox = bx.join("bin/busybox");
    // Debian builds the input event interface and the ACPI button as
    // modules: without them the power button reaches no one.
    let modules: Vec<(String, PathBuf)> = MODULES
        .iter()
        .map(|m| format!("{m}.ko"))
        .filter_map(|m| find_file(&kx, &|n| n == m).map(|p| (m.clone(), p)))
        .collect();
    let mut cpio = Cpio {
        out: Vec::new(),
        ino: 0,
    };
    for d in ["bin", "dev", "proc", "sys", "lib", "etc"] {
        cpio.entry(d, 0o040755, &[]);
    }
    let bb = std::fs::read(&busybox).map_err(|e| e.to_string())?;
    cpio.entry("bin/busybox", 0o100755, &bb);
    cpio.entry("bin/sh", 0o120777, b"busybox");
    let init = INIT.replace("MODULES", &MODULES.join(" "));
    cpio.entry("init", 0o100755, init.as_bytes());
    cpio.entry("bin/udhcpc.script", 0o100755, UDHCPC_SCRIPT.as_bytes());
    for (name, path) in modules {
        let data = std::fs::read(&path).map_err(|e| e.to_string())?;
        cpio.entry(&format!("lib/{name}"), 0o100644, &data);
    }
    cpio.entry("TRAILER!!!", 0, &[]);
    std::fs::write(&initrd, &cpio.out).map_err(|e| e.to_string())?;
    std::fs::copy(&vmlinuz, &kernel).map_err(|e| e.to_string())?;
    std::fs::write(&stamp, recipe()).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&kx);
    let _ = std::fs::remove_dir_all(&bx);
    Ok((kernel, initrd))
}

/// `cargo xtask guest`: build and print the paths.
pub fn main() -> i32 {
    match build() {
        Ok((k, i)) => {
            println!("kernel: {}\ninitrd: {}", k.display(), i.display());
            0
        }
        Err(e) => {
            eprintln!("xtask guest: {e}");
            1
        }
    }
}
