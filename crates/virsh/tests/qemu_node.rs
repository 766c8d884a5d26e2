//! The node on qemu:/// (embedded, under a temp root) through the virsh binary: nodeinfo,
//! freecell, nodecpumap checked against the host's own /proc and /sys
//! (no QEMU needed), and the capabilities XML from probing the installed
//! QEMU binaries, with the probe cache keyed on the binary's mtime.
//!
//! The comparison with libvirtd 9.0 on this machine, field by field, is in
//! crates/virt-qemu/CAPABILITIES.md.
#![cfg(feature = "qemu")]

use std::path::{Path, PathBuf};
use std::process::Command;
use virt_testkit::TempDir;

const QEMU: &str = "/usr/bin/qemu-system-x86_64";

/// `virsh -c qemu:///embed?root=ROOT ARGS` with `PATH` set as given:
/// stdout, stderr, success.
fn run_virsh(root: &TempDir, path: Option<&str>, args: &[&str]) -> (String, String, bool) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_virsh"));
    cmd.arg("-c")
        .arg(format!("qemu:///embed?root={}", root.0.display()))
        .args(args);
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    virt_testkit::output(&mut cmd)
}

/// A QEMU guest `name` (64 MiB, `vcpus` vCPUs, `os` after the machine
/// type, `devices` after the emulator) written to ROOT/NAME.xml: the
/// file's path.
fn guest(root: &TempDir, name: &str, vcpus: u32, os: &str, devices: &str) -> String {
    let xml = root.0.join(format!("{name}.xml"));
    std::fs::write(
        &xml,
        format!(
            "<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>\
             <vcpu>{vcpus}</vcpu><os><type arch='x86_64' machine='q35'>hvm</type>{os}</os>\
             <devices><emulator>{QEMU}</emulator>{devices}</devices></domain>"
        ),
    )
    .expect("guest xml");
    xml.to_string_lossy().into_owned()
}

/// An empty 8 MiB raw image in the root and the `<disk>` that gives it
/// to a guest as its virtio `vda`.
fn raw_disk(root: &TempDir) -> (PathBuf, String) {
    let disk = root.0.join("disk.raw");
    let f = std::fs::File::create(&disk).expect("disk");
    f.set_len(8 << 20).expect("disk size");
    let element = format!(
        "<disk type='file' device='disk'><driver name='qemu' type='raw'/>\
         <source file='{}'/><target dev='vda' bus='virtio'/></disk>",
        disk.display()
    );
    (disk, element)
}

/// `virsh ARGS` again every 200 ms, for 30 s at most, until its output
/// satisfies `done`: the last output.
fn virsh_until(root: &TempDir, args: &[&str], done: impl Fn(&str) -> bool) -> String {
    let mut out = String::new();
    let end = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < end {
        out = virsh(root, None, args);
        if done(&out) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    out
}

/// [`run_virsh`]'s stdout, requiring success.
fn virsh(root: &TempDir, path: Option<&str>, args: &[&str]) -> String {
    let (out, err, ok) = run_virsh(root, path, args);
    assert!(ok, "virsh {args:?}: {out}{err}");
    out
}

fn field<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .map_or("", str::trim)
}

fn meminfo_kib(key: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    field(&text, key)
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn node_figures_are_the_hosts() {
    let root = TempDir::new("virsh-node-node");
    let info = virsh(&root, None, &["nodeinfo"]);
    assert_eq!(
        field(&info, "Memory size:"),
        format!("{} KiB", meminfo_kib("MemTotal:"))
    );
    let online = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap_or_default();
    let online: usize = online
        .trim()
        .split(',')
        .map(|r| match r.split_once('-') {
            Some((a, b)) => b.parse::<usize>().unwrap_or(0) + 1 - a.parse::<usize>().unwrap_or(0),
            None => 1,
        })
        .sum();
    assert_eq!(field(&info, "CPU(s):"), online.to_string(), "{info}");
    let map = virsh(&root, None, &["nodecpumap"]);
    assert_eq!(field(&map, "CPUs online:"), online.to_string(), "{map}");
    assert_eq!(
        field(&map, "CPU map:").matches('y').count(),
        online,
        "{map}"
    );

    // Free memory moves, but the cells add up to the total and stay below
    // the node's memory.
    let all = virsh(&root, None, &["freecell", "--all"]);
    let cells: u64 = all
        .lines()
        .filter(|l| !l.starts_with("Total") && !l.starts_with('-'))
        .filter_map(|l| {
            l.split(':')
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum();
    let total: u64 = field(&all, "Total:")
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(total > 0 && cells == total, "{all}");
    assert!(total <= meminfo_kib("MemTotal:"), "{all}");
    let one = virsh(&root, None, &["freecell", "--cellno", "0"]);
    assert!(
        one.starts_with("0: ") && one.ends_with(" KiB\n\n"),
        "{one:?}"
    );
}

/// QEMU's default machine type, from its own `-machine help`.
fn default_machine(binary: &Path) -> Option<String> {
    let out = Command::new(binary)
        .args(["-machine", "help"])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
        l.contains("(default)")
            .then(|| l.split_whitespace().next().map(str::to_string))
            .flatten()
    })
}

#[test]
fn capabilities_come_from_probing_qemu_and_are_cached() {
    if !virt_testkit::peer("qemu_node", QEMU, "qemu-system-x86") {
        return;
    }
    let root = TempDir::new("virsh-node-caps");
    // A copy of the binary alone on PATH, so its mtime can be changed.
    let bin = root.0.join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let qemu = bin.join("qemu-system-x86_64");
    std::fs::copy(QEMU, &qemu).expect("copy QEMU");
    let path = bin.to_string_lossy().into_owned();

    let caps = virsh(&root, Some(&path), &["capabilities"]);
    assert!(
        caps.contains(&format!("<emulator>{}</emulator>", qemu.display())),
        "{caps}"
    );
    let default = default_machine(&qemu).expect("QEMU names its default machine");
    assert!(
        caps.contains(&format!(
            "<wordsize>64</wordsize>\n      <emulator>{}</emulator>\n      <machine maxCpus='",
            qemu.display()
        )),
        "{caps}"
    );
    let first = caps
        .lines()
        .find(|l| l.contains("<machine "))
        .unwrap_or_default();
    assert!(first.ends_with(&format!(">{default}</machine>")), "{first}");
    assert!(caps.contains("<domain type='qemu'/>"), "{caps}");
    if Path::new("/usr/bin/virt-xml-validate").exists() {
        let file = root.0.join("caps.xml");
        std::fs::write(&file, &caps).expect("write caps");
        let v = Command::new("virt-xml-validate")
            .arg(&file)
            .arg("capability")
            .output()
            .expect("virt-xml-validate runs");
        assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    } else {
        println!("qemu_node: virt-xml-validate not installed (apt-get install libvirt-clients); validation skipped");
    }

    // One probe, cached: a second call reads the cache file unchanged.
    let cache = root.0.join("cache/capabilities").join(format!(
        "{}.json",
        qemu.to_string_lossy()
            .trim_start_matches('/')
            .replace('/', "_")
    ));
    let first_record = std::fs::read_to_string(&cache).expect("probe cached");
    let modified = std::fs::metadata(&cache).and_then(|m| m.modified()).ok();
    assert_eq!(virsh(&root, Some(&path), &["capabilities"]), caps);
    assert_eq!(
        std::fs::metadata(&cache).and_then(|m| m.modified()).ok(),
        modified
    );
    // A new binary (another mtime) is probed again.
    let st = Command::new("touch")
        .args(["-d", "2001-02-03 04:05:06"])
        .arg(&qemu)
        .status();
    assert!(st.is_ok_and(|s| s.success()));
    assert_eq!(virsh(&root, Some(&path), &["capabilities"]), caps);
    let second_record = std::fs::read_to_string(&cache).expect("probe cached");
    assert_ne!(first_record, second_record, "not probed again");
    assert!(
        second_record.contains("\"mtime\":981173106"),
        "{second_record}"
    );

    // No QEMU on PATH: the host alone, no guests.
    let empty = root.0.join("empty");
    std::fs::create_dir_all(&empty).expect("empty dir");
    let bare = virsh(&root, Some(&empty.to_string_lossy()), &["capabilities"]);
    assert!(
        bare.contains("<host>") && !bare.contains("<guest>"),
        "{bare}"
    );
}

/// The value of `field=` in a `domstats` record.
fn stat(text: &str, field: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{field}=")))
        .and_then(|v| v.parse().ok())
}

#[test]
fn domstats_of_a_running_guest() {
    if !virt_testkit::peer("qemu_node", QEMU, "qemu-system-x86") {
        return;
    }
    let root = TempDir::new("virsh-node-stats");
    let (_, disk) = raw_disk(&root);
    // No OS: the firmware reads the disk's first sector looking for one,
    // which the block counters must show.
    let xml = guest(
        &root,
        "st",
        2,
        "<boot dev='hd'/>",
        &format!("{disk}<memballoon model='virtio'><stats period='1'/></memballoon>"),
    );
    virsh(&root, None, &["create", &xml]);
    let out = virsh_until(&root, &["domstats"], |out| {
        stat(out, "block.0.rd.reqs").is_some_and(|n| n > 0)
    });
    let inactive = virsh(&root, None, &["domstats", "--list-inactive"]);
    let vcpu_only = virsh(&root, None, &["domstats", "--vcpu", "st"]);
    virsh(&root, None, &["destroy", "st"]);
    assert!(
        out.starts_with("Domain: 'st'\n  state.state=1\n  state.reason=1\n"),
        "{out}"
    );
    assert!(stat(&out, "cpu.time").is_some_and(|t| t > 0), "{out}");
    assert_eq!(stat(&out, "balloon.maximum"), Some(65536), "{out}");
    assert_eq!(stat(&out, "vcpu.current"), Some(2), "{out}");
    assert!(stat(&out, "vcpu.1.time").is_some(), "{out}");
    assert_eq!(stat(&out, "net.count"), Some(0), "{out}");
    assert_eq!(stat(&out, "block.count"), Some(1), "{out}");
    assert!(out.contains("  block.0.name=vda\n"), "{out}");
    assert_eq!(stat(&out, "block.0.capacity"), Some(8 << 20), "{out}");
    assert!(
        stat(&out, "block.0.rd.bytes").is_some_and(|b| b >= 512),
        "{out}"
    );
    assert_eq!(inactive, "\n", "a running guest is not inactive");
    assert!(
        vcpu_only.starts_with("Domain: 'st'\n  vcpu.current=2\n  vcpu.maximum=2\n"),
        "{vcpu_only}"
    );
    assert!(!vcpu_only.contains("state."), "{vcpu_only}");
}

#[test]
fn per_device_statistics_of_a_running_guest() {
    if !virt_testkit::peer("qemu_node", QEMU, "qemu-system-x86") {
        return;
    }
    let root = TempDir::new("virsh-node-devstats");
    let (disk, disk_element) = raw_disk(&root);
    let xml = guest(
        &root,
        "ds",
        1,
        "<boot dev='hd'/>",
        &format!(
            "{disk_element}<interface type='user'><mac address='52:54:00:aa:bb:01'/></interface>\
             <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>\
             <memballoon model='virtio'><stats period='1'/></memballoon>"
        ),
    );
    // Before the guest runs: the sizes come from the image file, the
    // counters need a running guest.
    virsh(&root, None, &["define", &xml]);
    assert_eq!(
        virsh(&root, None, &["domblkinfo", "ds", "vda"]),
        "Capacity:       8388608\nAllocation:     0\nPhysical:       8388608\n\n"
    );
    let (_, err, ok) = run_virsh(&root, None, &["domblkstat", "ds", "vda"]);
    assert!(!ok);
    assert_eq!(
        err,
        "error: Failed to get block stats ds vda\nerror: Requested operation is not valid: domain is not running\n"
    );
    virsh(&root, None, &["start", "ds"]);
    // The firmware reads the disk's first sector looking for an OS.
    let out = virsh_until(&root, &["domblkstat", "ds", "vda"], |out| {
        out.starts_with("vda rd_req ") && !out.starts_with("vda rd_req 0\n")
    });
    let human = virsh(
        &root,
        None,
        &["domblkstat", "ds", "--device", "vda", "--human"],
    );
    let by_path = virsh(&root, None, &["domblkstat", "ds", &disk.to_string_lossy()]);
    let info = virsh(&root, None, &["domblkinfo", "ds", "vda", "--human"]);
    let all = virsh(&root, None, &["domblkinfo", "ds", "--all"]);
    let mem = virsh(&root, None, &["dommemstat", "ds"]);
    // The port QEMU's VNC server took (autoport), from the live XML.
    let vnc = virsh(&root, None, &["vncdisplay", "ds"]);
    let display = virsh(&root, None, &["domdisplay", "ds"]);
    let unknown_disk = run_virsh(&root, None, &["domblkstat", "ds", "vdz"]);
    let user_nic = run_virsh(&root, None, &["domifstat", "ds", "52:54:00:aa:bb:01"]);
    let unknown_nic = run_virsh(&root, None, &["domifstat", "ds", "tap9"]);
    cpu_stats_of(&root, "ds");
    // The balloon's statistics period: QEMU took 1 at the start (a failed
    // qom-set fails the start); now 2 live, 4 for the next boot.
    virsh(&root, None, &["dommemstat", "ds", "--period", "2"]);
    virsh(
        &root,
        None,
        &["dommemstat", "ds", "--period", "4", "--config"],
    );
    let live_xml = virsh(&root, None, &["dumpxml", "ds"]);
    let config_xml = virsh(&root, None, &["dumpxml", "ds", "--inactive"]);
    assert!(
        live_xml.contains("<memballoon model='virtio'>\n      <stats period='2'/>"),
        "{live_xml}"
    );
    assert!(config_xml.contains("<stats period='4'/>"), "{config_xml}");
    virsh(&root, None, &["destroy", "ds"]);
    let (_, err, ok) = run_virsh(&root, None, &["cpu-stats", "ds"]);
    assert!(!ok);
    assert_eq!(
        err,
        "error: Failed to retrieve CPU statistics for domain 'ds'\nerror: Requested operation is not valid: domain is not running\n"
    );

    // QEMU counts no errors: virsh leaves out the -1.
    let fields: Vec<&str> = out
        .lines()
        .map(|l| l.split(' ').nth(1).unwrap_or(""))
        .collect();
    assert_eq!(
        fields,
        ["rd_req", "rd_bytes", "wr_req", "wr_bytes", ""],
        "{out}"
    );
    assert!(out.ends_with("\n\n"), "{out:?}");
    let reqs = out
        .lines()
        .next()
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse::<u64>().ok());
    assert!(reqs.is_some_and(|n| n > 0), "{out}");
    assert!(
        human.starts_with("Device: vda\n number of read operations:      "),
        "{human}"
    );
    assert!(
        human.contains("\n number of bytes written:        "),
        "{human}"
    );
    assert!(
        by_path.starts_with(&format!("{} rd_req ", disk.display())),
        "{by_path}"
    );
    assert_eq!(
        info,
        "Capacity:       8.000 MiB\nAllocation:     0.000 B\nPhysical:       8.000 MiB\n\n"
    );
    assert_eq!(
        all,
        " Target   Capacity   Allocation   Physical\n\
         --------------------------------------------\n \
         vda      8388608    0            8388608\n\n"
    );
    // The balloon's size (64 MiB) and QEMU's resident memory; the OS-less
    // guest has no balloon driver to report more.
    assert!(mem.starts_with("actual 65536\n"), "{mem}");
    assert!(mem.contains("\nrss "), "{mem}");
    assert!(mem.ends_with("\n\n"), "{mem}");
    let n = vnc
        .strip_prefix("127.0.0.1:")
        .and_then(|v| v.strip_suffix("\n\n"))
        .and_then(|v| v.parse::<u32>().ok());
    assert!(n.is_some(), "{vnc:?}");
    assert_eq!(
        display,
        format!("vnc://127.0.0.1:{}\n", n.unwrap_or_default())
    );
    assert_eq!(
        unknown_disk.1,
        "error: Failed to get block stats ds vdz\nerror: invalid argument: invalid path: vdz\n"
    );
    assert!(!user_nic.2, "{user_nic:?}");
    assert!(
        user_nic.1.starts_with("error: Failed to get interface stats ds 52:54:00:aa:bb:01\nerror: Operation not supported: "),
        "{user_nic:?}"
    );
    assert_eq!(
        unknown_nic.1,
        "error: Failed to get interface stats ds tap9\nerror: invalid argument: 'tap9' is not a known interface\n"
    );
}

#[test]
fn screenshot_of_a_running_guest() {
    if !virt_testkit::peer("qemu_node", QEMU, "qemu-system-x86") {
        return;
    }
    let root = TempDir::new("virsh-node-screenshot");
    // No OS: the firmware's screen is the picture.
    let xml = guest(
        &root,
        "sg",
        1,
        "",
        "<graphics type='vnc' autoport='yes' listen='127.0.0.1'/>",
    );
    virsh(&root, None, &["define", &xml]);
    let file = root.0.join("shot");
    let file = file.to_string_lossy();
    let (_, err, ok) = run_virsh(&root, None, &["screenshot", "sg", &file]);
    assert!(!ok);
    assert_eq!(
        err,
        "error: could not take a screenshot of sg\nerror: Requested operation is not valid: domain is not running\n"
    );
    assert!(
        !Path::new(&*file).exists(),
        "a failed screenshot left a file"
    );
    virsh(&root, None, &["start", "sg"]);
    let saved = run_virsh(&root, None, &["screenshot", "sg", &file]);
    let other_screen = run_virsh(&root, None, &["screenshot", "sg", &file, "--screen", "1"]);
    let mut leftovers = Vec::new();
    files_named(&root.0, ".screendump", &mut leftovers);
    virsh(&root, None, &["destroy", "sg"]);
    assert!(saved.2, "{saved:?}");
    // QEMU 7.1 and later write PNG; older ones PPM.
    let picture = std::fs::read(&*file).expect("the screenshot");
    let (mime, magic): (&str, &[u8]) = if picture.starts_with(b"P6\n") {
        ("image/x-portable-pixmap", b"P6\n")
    } else {
        ("image/png", b"\x89PNG\r\n\x1a\n")
    };
    assert!(picture.starts_with(magic), "not a PNG or PPM picture");
    assert!(picture.len() > 64, "{} bytes", picture.len());
    assert_eq!(
        saved.0,
        format!("Screenshot saved to {file}, with type of {mime}\n")
    );
    assert_eq!(
        other_screen.1,
        "error: could not take a screenshot of sg\nerror: invalid argument: no such screen ID\n"
    );
    assert!(leftovers.is_empty(), "QEMU's file stayed: {leftovers:?}");

    // A guest with neither a display nor a video card has no screen.
    let headless = guest(&root, "hl", 1, "", "<video><model type='none'/></video>");
    virsh(&root, None, &["create", &headless]);
    let no_screen = run_virsh(&root, None, &["screenshot", "hl", &file]);
    virsh(&root, None, &["destroy", "hl"]);
    assert_eq!(
        no_screen.1,
        "error: could not take a screenshot of hl\nerror: operation failed: no screens to take screenshot from\n"
    );
}

/// The files under `dir`, at any depth, whose names end in `suffix`.
fn files_named(dir: &Path, suffix: &str, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = e.path();
        if path.is_dir() {
            files_named(&path, suffix, out);
        } else if e.file_name().to_string_lossy().ends_with(suffix) {
            out.push(path);
        }
    }
}

/// `cpu-stats` lines of the shape Debian's virsh prints: a tab, the
/// field padded to 12, the seconds right-aligned in 9 and 9 decimals.
fn cpu_stats_lines(text: &str) -> Vec<(String, u64)> {
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix('\t')?;
            let (name, value) = (rest.get(..12)?.trim_end(), rest.get(13..)?);
            let secs = value.strip_suffix(" seconds")?;
            let (whole, frac) = secs.split_once('.')?;
            assert_eq!((whole.len(), frac.len()), (9, 9), "{l:?}");
            let ns =
                whole.trim().parse::<u64>().ok()? * 1_000_000_000 + frac.parse::<u64>().ok()?;
            Some((name.to_string(), ns))
        })
        .collect()
}

/// `cpu-stats` of the running guest `name`: the total from /proc (QEMU
/// has no cgroup of its own here, so no per-CPU figures), then, where this
/// process may make a cpuacct cgroup (root, cgroup v1), with QEMU moved
/// into one of its own: per-CPU figures from it, summing to its total.
fn cpu_stats_of(root: &TempDir, name: &str) {
    let total = virsh(root, None, &["cpu-stats", name, "--total"]);
    assert!(total.starts_with("Total:\n"), "{total}");
    let fields = cpu_stats_lines(&total);
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["cpu_time", "user_time", "system_time"], "{total}");
    assert_eq!(fields[0].1, fields[1].1 + fields[2].1, "{total}");
    assert!(fields[0].1 > 0, "{total}");
    let runtime =
        std::fs::read_to_string(root.0.join(format!("run/{name}.json"))).expect("runtime record");
    let pid = runtime
        .split("\"pid\":")
        .nth(1)
        .and_then(|r| r.trim_start().split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<i32>().ok())
        .expect("pid in the runtime record");
    let cpuacct = Path::new("/sys/fs/cgroup/cpuacct");
    let own = cpuacct.join(format!("virt-rs-test-{pid}"));
    if std::fs::create_dir(&own).is_err() {
        let both = virsh(root, None, &["cpu-stats", name]);
        assert!(both.starts_with("No per-CPU stats available"), "{both}");
        println!("qemu_node: no cgroup v1 cpuacct to make here; per-CPU figures not checked");
        return;
    }
    std::fs::write(own.join("cgroup.procs"), pid.to_string()).expect("move QEMU");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let both = virsh(root, None, &["cpu-stats", name]);
    let one = virsh(
        root,
        None,
        &["cpu-stats", name, "--start", "0", "--count", "1"],
    );
    let _ = std::fs::write(cpuacct.join("cgroup.procs"), pid.to_string());
    let _ = std::fs::remove_dir(&own);
    assert!(both.starts_with("CPU0:\n\tcpu_time     "), "{both}");
    assert!(one.starts_with("CPU0:\n\tcpu_time     "), "{one}");
    assert_eq!(one.lines().count(), 3, "{one:?}");
    let lines = cpu_stats_lines(&both);
    let cpus = both.lines().filter(|l| l.starts_with("CPU")).count();
    let per_cpu: u64 = lines[..cpus].iter().map(|(_, ns)| ns).sum();
    assert_eq!(cpus, lines.len() - 3, "{both}");
    let total_ns = lines[cpus].1;
    // The cgroup's total is the sum of its per-CPU counters, read a
    // moment later.
    assert!(per_cpu <= total_ns && per_cpu > 0, "{both}");
}
