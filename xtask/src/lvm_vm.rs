//! `cargo xtask lvm-vm`: logical (LVM) pools on real LVM.
//!
//! A kernel without device-mapper (this project's CI host) cannot activate
//! a logical volume, so the logical-pool tests there stop after the volume
//! group. This harness boots Debian's own kernel (the package
//! `linux-image-amd64` points at, as the tiny test guest does) under QEMU,
//! with an initramfs holding busybox, the host's lvm2, dmsetup and losetup
//! with their shared libraries, the `loop` and `dm-mod` modules, and the
//! workspace's logical-pool tests:
//!
//! - virt-storage's `block_pools` (`logical` tests): the API on a loop
//!   device: build (pvcreate + vgcreate), start, volume create, upload and
//!   download through streams, wipe, resize, delete, a driver opened again
//!   on the same state, stop, delete;
//! - virsh's `logical_pool`: the same steps through our virsh, one process
//!   per command, so each command is a restarted driver reading the pool
//!   from disk;
//! - virsh's `logical_pool_daemon`: a guest's disk created, uploaded and
//!   downloaded, cloned, resized and deleted through our daemon
//!   (virt-proxy, placed beside virsh where the test looks for it) by our
//!   virsh over the remote protocol, each step checked with `lvs`.
//!
//! - virt-storage's `netfs_pool`: a `netfs` pool on a real NFS export:
//!   the VM serves a tmpfs directory to itself over NFSv4 on its loopback
//!   (the kernel's nfsd with Debian's nfs-kernel-server: `rpc.nfsd`,
//!   `rpc.mountd`, `exportfs`) and mounts it with nfs-common's `mount.nfs`
//!   under util-linux's `mount`, as libvirt's netfs backend does; each
//!   volume is checked on the export's own directory;
//! - virsh's `netfs_pool`: the same pool through our virsh, one process
//!   per command.
//!
//! Inside the VM the tests run with `VIRT_STORAGE_LVM_REQUIRED=1` and
//! `VIRT_STORAGE_NFS_REQUIRED=1`: a step
//! they would skip on a host without device-mapper fails instead. Each
//! test binary's output comes back over the serial console between marker
//! lines; the host prints it, one verdict per binary, and exits non-zero
//! when a binary fails or the VM does not finish.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::vm::debian::{fetch, kernel_package, unpack};
use crate::vm::initramfs::{libgcc_s, module_order, shared_libraries, Tree};
use crate::vm::{cargo, cargo_executables, copy_stripped, run_until_off, tool, workspace, Failure};

/// Kernel modules the VM loads (their dependencies are added): loop
/// devices for the pools' disks, device-mapper for logical volumes, the
/// NFS server and the NFSv4 client for netfs pools.
const MODULES: &[&str] = &["loop", "dm-mod", "nfsd", "nfsv4"];

/// Debian packages unpacked for the NFS server and client (not installed
/// on the host): their programs and nfs-common's library.
const NFS_PACKAGES: &[&str] = &["nfs-kernel-server", "nfs-common", "libnfsidmap1"];

/// The NFS programs taken from those packages (paths in the unpacked
/// tree); each lands in the VM's /usr/sbin.
const NFS_PROGRAMS: &[&str] = &[
    "usr/sbin/rpc.nfsd",
    "usr/sbin/rpc.mountd",
    "usr/sbin/exportfs",
    "sbin/mount.nfs",
];

/// Names of mount.nfs: util-linux's mount and umount run the helper of
/// the file system type.
const MOUNT_NFS_NAMES: &[&str] = &["mount.nfs4", "umount.nfs", "umount.nfs4"];

/// Host files the RPC library and the NFS tools read, when present
/// (libtirpc's transports, netbase's names).
const HOST_FILES: &[&str] = &["etc/netconfig", "etc/protocols", "etc/services"];

/// Host programs copied in, with the package that has them: lvm2's one
/// binary (every pv/vg/lv command is a name of it), dmsetup (what
/// `lvm::can_activate` asks), util-linux's losetup (`-f --show`), mount
/// and umount (which run mount.nfs), qemu-img (image volumes and clones).
const HOST_TOOLS: &[(&str, &str)] = &[
    ("lvm", "lvm2"),
    ("dmsetup", "dmsetup"),
    ("losetup", "mount"),
    ("mount", "mount"),
    ("umount", "mount"),
    ("qemu-img", "qemu-utils"),
];

/// The lvm2 command names, all links to `lvm`.
const LVM_NAMES: &[&str] = &[
    "pvcreate", "pvremove", "pvs", "pvscan", "vgcreate", "vgremove", "vgs", "vgchange", "vgscan",
    "lvcreate", "lvremove", "lvextend", "lvresize", "lvreduce", "lvs", "lvchange",
];

/// The tests run in the VM: (crate, test target, libtest filter).
const TESTS: &[(&str, &str, &str)] = &[
    ("virt-storage", "block_pools", "logical"),
    ("virsh", "logical_pool", ""),
    ("virsh", "logical_pool_daemon", ""),
    ("virt-storage", "netfs_pool", ""),
    ("virsh", "netfs_pool", ""),
];

/// lvm2 without udev: the initramfs has no udev daemon, so libdevmapper
/// makes the device nodes itself and nobody waits for udev's events; no
/// monitoring daemon, no lock daemon, no metadata backups.
const LVM_CONF: &str = "\
devices {
    obtain_device_list_from_udev = 0
    use_devicesfile = 0
}
activation {
    udev_sync = 0
    udev_rules = 0
    monitoring = 0
}
global {
    use_lvmlockd = 0
}
backup {
    backup = 0
    archive = 0
}
";

/// The VM's `/init`: modules, the NFS server, then each test binary
/// between marker lines on the console, then power off. The NFS server
/// starts first so that its NFSv4 grace period (10 s, the least the
/// kernel takes; no new files are opened during it) runs out while the
/// LVM tests run.
const INIT: &str = r#"#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TMPDIR=/tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /run/lvm /run/lock/lvm /tmp /dev/shm
for m in $(cat /etc/lvm-vm-modules); do
  insmod /usr/lib/modules/$m || echo "LVMVM: insmod $m failed"
done
echo "LVMVM: up $(cut -d' ' -f1 /proc/uptime) kernel $(uname -r) dm=$(test -e /dev/mapper/control && echo yes || echo no)"
nfs_server() {
  ifconfig lo 127.0.0.1 up &&
  mkdir -p /srv/nfs /var/lib/nfs/v4recovery /etc/exports.d &&
  mount -t tmpfs -o size=128m nfsexport /srv/nfs &&
  mount -t nfsd nfsd /proc/fs/nfsd &&
  echo "/srv/nfs 127.0.0.1(rw,sync,no_subtree_check,no_root_squash,insecure,fsid=1)" >/etc/exports &&
  exportfs -ra &&
  rpc.mountd -N 2 -N 3 &&
  rpc.nfsd -N 3 --grace-time 10 --lease-time 10 2
}
if nfs_server >/tmp/nfs.log 2>&1; then
  echo "LVMVM: nfs server up at $(cut -d' ' -f1 /proc/uptime) exporting $(exportfs | tr -s ' \n' ' ')"
else
  echo "LVMVM: nfs server FAILED"; sed 's/^/LVMVM: nfs | /' /tmp/nfs.log
fi
export VIRT_STORAGE_NFS_EXPORT=127.0.0.1:/srv/nfs VIRT_STORAGE_NFS_REQUIRED=1
export VIRT_STORAGE_LVM_REQUIRED=1 RUST_BACKTRACE=1 LC_ALL=C
while read label file filter; do
  echo "LVMVM: BEGIN $label"
  t0=$(cut -d' ' -f1 /proc/uptime)
  /tests/$file --test-threads=1 $filter 2>&1
  rc=$?
  echo "LVMVM: END $label rc=$rc from=$t0 to=$(cut -d' ' -f1 /proc/uptime)"
done < /etc/lvm-vm-tests
echo "LVMVM: DONE"
poweroff -f
"#;

/// Options of a run.
struct Options {
    limit: Duration,
    kvm: bool,
}

/// `cargo xtask lvm-vm [--timeout SECS] [--kvm]`.
pub fn main(args: &[String]) -> i32 {
    let mut o = Options {
        // A guard against a hung VM, not a speed check: under TCG on a busy
        // machine the tests alone have taken over 200 s.
        limit: Duration::from_secs(900),
        kvm: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--timeout" => match it.next().and_then(|s| s.parse().ok()) {
                Some(s) => o.limit = Duration::from_secs(s),
                None => {
                    eprintln!("lvm-vm: --timeout needs a number of seconds");
                    return 2;
                }
            },
            "--kvm" => o.kvm = true,
            other => {
                eprintln!(
                    "lvm-vm: unknown argument {other}\nusage: cargo xtask lvm-vm [--timeout SECS] [--kvm]"
                );
                return 2;
            }
        }
    }
    match host(&o) {
        Ok(code) => code,
        Err(Failure(msg)) => {
            eprintln!("lvm-vm: {msg}");
            1
        }
    }
}

/// The kernel and its unpacked modules, cached in `dir`.
struct Kernel {
    root: PathBuf,
    release: String,
    vmlinuz: PathBuf,
}

fn prepare(dir: &Path) -> Result<Kernel, Failure> {
    let kpkg = kernel_package()?;
    let release = kpkg
        .strip_prefix("linux-image-")
        .unwrap_or(&kpkg)
        .to_string();
    let mut packages = vec![kpkg.clone(), "busybox-static".to_string()];
    packages.extend(NFS_PACKAGES.iter().map(|p| p.to_string()));
    let files = fetch(&dir.join("debs"), &packages, "lvm-vm")?;
    let fingerprint = files
        .iter()
        .filter_map(|f| f.file_name().and_then(|n| n.to_str()))
        .collect::<Vec<_>>()
        .join(" ");
    let root = dir.join("root");
    let stamp = dir.join("prepared.stamp");
    let vmlinuz = root.join(format!("boot/vmlinuz-{release}"));
    let fresh = std::fs::read_to_string(&stamp).is_ok_and(|s| s == fingerprint);
    if !(fresh && vmlinuz.is_file()) {
        eprintln!("lvm-vm: unpacking {} packages", files.len());
        unpack(&files, &root, &release)?;
        if !vmlinuz.is_file() {
            return Err(Failure::new(format!("{kpkg} has no {}", vmlinuz.display())));
        }
        std::fs::write(&stamp, &fingerprint).map_err(|e| Failure::io(&stamp, e))?;
    }
    Ok(Kernel {
        root,
        release,
        vmlinuz,
    })
}

/// The test binaries (and the virsh they run), built by cargo.
struct Built {
    /// (label, executable).
    tests: Vec<(String, PathBuf)>,
    /// virsh, placed in the VM at the path its tests were compiled with.
    virsh: Option<PathBuf>,
    /// The daemon, virt-proxy, built beside virsh (where
    /// `logical_pool_daemon` looks for it) and placed at the same path.
    daemon: Option<PathBuf>,
}

fn build_tests() -> Result<Built, Failure> {
    let mut built = Built {
        tests: Vec::new(),
        virsh: None,
        daemon: None,
    };
    for (krate, target, _) in TESTS {
        eprintln!("lvm-vm: building {krate}'s {target} test");
        let found =
            cargo_executables(cargo().args(["test", "--no-run", "-p", krate, "--test", target]))?;
        for a in found {
            if a.target == *target {
                built.tests.push((format!("{krate}/{target}"), a.path));
            } else if a.target == "virsh" && !a.path.to_string_lossy().contains("/deps/") {
                built.virsh = Some(a.path);
            }
        }
    }
    eprintln!("lvm-vm: building virt-proxy");
    built.daemon =
        cargo_executables(cargo().args(["build", "-p", "virt-proxy", "--bin", "virt-proxy"]))?
            .into_iter()
            .find(|a| a.target == "virt-proxy")
            .map(|a| a.path);
    if built.daemon.is_none() {
        return Err(Failure::new("cargo did not report the virt-proxy binary"));
    }
    if built.tests.len() != TESTS.len() {
        return Err(Failure::new("cargo did not report every test binary"));
    }
    Ok(built)
}

fn build_initramfs(k: &Kernel, built: &Built, out: &Path) -> Result<u64, Failure> {
    let mut t = Tree::default();
    for d in [
        "bin", "usr/bin", "usr/sbin", "etc/lvm", "proc", "sys", "dev", "run", "tmp", "root",
        "tests", "srv", "var/lib",
    ] {
        t.dir(d);
    }
    // Merged /usr, as on the host: the loader's paths resolve into usr/.
    t.symlink("lib", "usr/lib");
    t.symlink("lib64", "usr/lib64");
    t.symlink("sbin", "usr/sbin");
    t.symlink("var/run", "../run");
    t.file("bin/busybox", &k.root.join("bin/busybox"), 0o755);

    let mut programs = Vec::new();
    for (name, package) in HOST_TOOLS {
        let path = tool(name, package)?;
        t.file(&format!("usr/sbin/{name}"), &path, 0o755);
        programs.push(path);
    }
    for n in LVM_NAMES {
        t.symlink(&format!("usr/sbin/{n}"), "lvm");
    }
    for p in NFS_PROGRAMS {
        let from = k.root.join(p);
        let name = p.rsplit('/').next().unwrap_or(p);
        if !from.is_file() {
            return Err(Failure::new(format!(
                "{} is not in the unpacked NFS packages",
                from.display()
            )));
        }
        t.file(&format!("usr/sbin/{name}"), &from, 0o755);
        programs.push(from);
    }
    for n in MOUNT_NFS_NAMES {
        t.symlink(&format!("usr/sbin/{n}"), "mount.nfs");
    }
    for f in HOST_FILES {
        let from = Path::new("/").join(f);
        if from.is_file() {
            t.file(f, &from, 0o644);
        }
    }
    t.data("etc/lvm/lvm.conf", LVM_CONF, 0o644);
    t.data("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0o644);
    t.data("etc/group", "root:x:0:\n", 0o644);

    let scratch = out.with_extension("bin");
    std::fs::create_dir_all(&scratch).map_err(|e| Failure::io(&scratch, e))?;
    let mut list = String::new();
    for ((label, path), (_, _, filter)) in built.tests.iter().zip(TESTS) {
        let file = label.replace('/', ".");
        let small = scratch.join(&file);
        copy_stripped(path, &small)?;
        t.file(&format!("tests/{file}"), &small, 0o755);
        programs.push(path.clone());
        list.push_str(&format!("{label} {file} {filter}\n"));
    }
    t.data("etc/lvm-vm-tests", list, 0o644);
    // Programs the tests run, each at the path they were compiled with.
    for (name, v) in [("virsh", &built.virsh), ("virt-proxy", &built.daemon)] {
        let Some(v) = v else { continue };
        let small = scratch.join(name);
        copy_stripped(v, &small)?;
        let at = v.to_string_lossy();
        t.file(at.trim_start_matches('/'), &small, 0o755);
        programs.push(v.clone());
    }

    // The NFS tools' own library (libnfsidmap) comes from the unpacked
    // packages; everything else from the host.
    for lib in shared_libraries(&programs, &k.root.join("usr/lib/x86_64-linux-gnu"))? {
        let dest = if lib.name.starts_with("ld-linux") {
            format!("usr/lib64/{}", lib.name)
        } else {
            format!("usr/lib/x86_64-linux-gnu/{}", lib.name)
        };
        t.file(&dest, &lib.path, 0o755);
    }
    t.file(
        "usr/lib/x86_64-linux-gnu/libgcc_s.so.1",
        &libgcc_s()?,
        0o644,
    );

    let moddir = k.root.join("lib/modules").join(&k.release);
    let mut names = Vec::new();
    for rel in module_order(&moddir, MODULES)? {
        let name = rel.rsplit('/').next().unwrap_or(&rel).to_string();
        t.file(
            &format!("usr/lib/modules/{name}"),
            &moddir.join(&rel),
            0o644,
        );
        names.push(name);
    }
    t.data("etc/lvm-vm-modules", names.join("\n") + "\n", 0o644);
    t.data("init", INIT, 0o755);
    t.write(out)
}

/// Boot the VM, its console into `serial`; the wall time, or why it did
/// not power off.
fn boot(k: &Kernel, initrd: &Path, serial: &Path, o: &Options) -> Result<f64, Failure> {
    let qemu = tool("qemu-system-x86_64", "qemu-system-x86")?;
    let accel: &[&str] = if o.kvm {
        &["-accel", "kvm", "-cpu", "host"]
    } else {
        &["-accel", "tcg", "-cpu", "max"]
    };
    let mut vm = Command::new(qemu);
    vm.args(accel)
        .args(["-m", "1536", "-smp", "1", "-nographic", "-no-reboot"])
        .arg("-kernel")
        .arg(&k.vmlinuz)
        .arg("-initrd")
        .arg(initrd)
        .args([
            "-append",
            "console=ttyS0 panic=-1 quiet loglevel=2 rdinit=/init",
        ]);
    run_until_off(vm, serial, o.limit)
}

/// One test binary's run, read back from the console.
#[derive(Debug, PartialEq)]
struct Run {
    label: String,
    rc: Option<i32>,
    secs: Option<f64>,
    output: Vec<String>,
}

/// The runs on a console log, and whether `/init` reached its end.
fn parse_console(text: &str) -> (Vec<Run>, bool) {
    let mut runs: Vec<Run> = Vec::new();
    let mut open = false;
    let mut done = false;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(label) = line.strip_prefix("LVMVM: BEGIN ") {
            runs.push(Run {
                label: label.to_string(),
                rc: None,
                secs: None,
                output: Vec::new(),
            });
            open = true;
        } else if let Some(rest) = line.strip_prefix("LVMVM: END ") {
            if let Some(r) = runs.last_mut() {
                let field = |k: &str| {
                    rest.split_whitespace()
                        .find_map(|w| w.strip_prefix(k))
                        .map(str::to_string)
                };
                r.rc = field("rc=").and_then(|v| v.parse().ok());
                let from: Option<f64> = field("from=").and_then(|v| v.parse().ok());
                let to: Option<f64> = field("to=").and_then(|v| v.parse().ok());
                r.secs = from.zip(to).map(|(a, b)| b - a);
            }
            open = false;
        } else if line == "LVMVM: DONE" {
            done = true;
        } else if open {
            if let Some(r) = runs.last_mut() {
                r.output.push(line.to_string());
            }
        }
    }
    (runs, done)
}

fn host(o: &Options) -> Result<i32, Failure> {
    let started = Instant::now();
    tool("qemu-system-x86_64", "qemu-system-x86")?;
    let dir = workspace().join("target/lvm-vm");
    std::fs::create_dir_all(&dir).map_err(|e| Failure::io(&dir, e))?;
    let kernel = prepare(&dir)?;
    let built = build_tests()?;
    let initrd = dir.join("initrd.cpio");
    let size = build_initramfs(&kernel, &built, &initrd)?;
    let ready = started.elapsed().as_secs_f64();
    println!(
        "lvm-vm: booting Linux {} under QEMU {} ({} test binaries, initramfs {} MB)",
        kernel.release,
        if o.kvm { "KVM" } else { "TCG" },
        built.tests.len(),
        size >> 20
    );
    let serial = dir.join("serial.log");
    let vm = boot(&kernel, &initrd, &serial, o);
    let text = String::from_utf8_lossy(&std::fs::read(&serial).unwrap_or_default()).into_owned();
    // The console's first line carries the firmware's escape codes
    // before the marker.
    if let Some(up) = text
        .lines()
        .find_map(|l| l.find("LVMVM: up ").map(|i| &l[i..]))
    {
        println!("{}", up.trim_end_matches('\r'));
    }
    // The NFS server's start (or why it failed), before the tests' runs.
    for l in text
        .lines()
        .filter_map(|l| l.find("LVMVM: nfs").map(|i| &l[i..]))
    {
        println!("{}", l.trim_end_matches('\r'));
    }
    let (runs, done) = parse_console(&text);
    let mut failed = 0;
    for r in &runs {
        for l in &r.output {
            println!("  | {l}");
        }
        let ok = r.rc == Some(0);
        failed += u32::from(!ok);
        println!(
            "{} {}{}",
            if ok { "PASS" } else { "FAIL" },
            r.label,
            r.secs.map(|s| format!(" ({s:.1} s)")).unwrap_or_default()
        );
    }
    for (label, _) in &built.tests {
        if !runs.iter().any(|r| &r.label == label) {
            println!("FAIL {label} (never ran)");
            failed += 1;
        }
    }
    let vm_secs = match &vm {
        Ok(s) => format!("{s:.1} s"),
        Err(Failure(msg)) => msg.clone(),
    };
    if vm.is_err() || !done {
        let lines: Vec<&str> = text.lines().collect();
        println!(
            "\nlvm-vm: the VM did not finish ({vm_secs}); end of {}:\n{}",
            serial.display(),
            lines[lines.len().saturating_sub(40)..].join("\n")
        );
        failed += 1;
    }
    println!(
        "lvm-vm: {} of {} test binaries passed; VM boot to power-off {vm_secs}, \
         preparation {ready:.1} s, total {:.1} s",
        runs.iter().filter(|r| r.rc == Some(0)).count(),
        built.tests.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(i32::from(failed > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_runs_are_read_back() {
        let text = "boot noise\r\nLVMVM: BEGIN a/b\r\ntest x ... ok\r\n\
                    LVMVM: END a/b rc=0 from=3.50 to=5.00\r\n\
                    LVMVM: BEGIN c/d\npanicked\nLVMVM: END c/d rc=101 from=5.00 to=6.00\nLVMVM: DONE\n";
        let (runs, done) = parse_console(text);
        assert!(done);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].label, "a/b");
        assert_eq!(runs[0].rc, Some(0));
        assert_eq!(runs[0].output, ["test x ... ok"]);
        assert_eq!(runs[0].secs, Some(1.5));
        assert_eq!(runs[1].rc, Some(101));
    }

    #[test]
    fn a_run_cut_short_has_no_verdict() {
        let (runs, done) = parse_console("LVMVM: BEGIN a/b\ntest x ...");
        assert!(!done);
        assert_eq!(runs[0].rc, None);
    }
}
