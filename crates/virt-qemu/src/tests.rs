//! Tests against the installed QEMU: the qemu-argv corpus, and guest life
//! over QMP with guests that have no OS (firmware only).
//!
//! Each test keeps its state in a private directory, so they run in
//! parallel. Without /usr/bin/qemu-system-x86_64 they print a notice and
//! pass (CI installs it).

use crate::argv::{self, LaunchContext, MonitorSocket};
use crate::capabilities::kvm_usable;
use crate::driver::{QemuDriver, DEFAULT_EMULATOR};
use crate::process::{self, Process, SpawnOptions};
use crate::qmp::Monitor;
use crate::state::{Paths, Runtime};
use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;
use virt_core::types::reason;
use virt_core::{Connect, CpuMap, DomainState, ErrorCode, Uri};
use virt_testkit::guest::{serial_file, LinuxDomain};
use virt_testkit::{linux_guest, wait_until, TempDir};
use virt_xml::{CharSource, DiskSource, Listen};

fn have_qemu() -> bool {
    if Path::new(DEFAULT_EMULATOR).exists() {
        return true;
    }
    println!("NOTICE: {DEFAULT_EMULATOR} is not installed; QEMU test skipped");
    false
}

/// A private state tree, short enough for unix socket paths; removed when
/// dropped, also when the test fails.
fn temp_root(tag: &str) -> TempDir {
    let p = PathBuf::from(format!("/tmp/vq-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).expect("temp root");
    TempDir(p)
}

fn paths_in(root: &Path) -> Paths {
    Paths {
        config: root.join("config"),
        run: root.join("run"),
        log: root.join("log"),
    }
}

fn connect(root: &Path) -> Connect {
    let d = QemuDriver::with_paths(paths_in(root), false).expect("driver");
    Connect::from_driver(
        Box::new(d),
        Uri::parse("qemu:///session").expect("uri"),
        false,
    )
}

/// Files left in the run dir besides locks and the id counter.
fn leftovers(root: &Path) -> Vec<String> {
    virt_testkit::guest::leftovers(&root.join("run"))
}

fn tiny(name: &str, dtype: &str, extra_devices: &str) -> String {
    format!(
        "<domain type='{dtype}'><name>{name}</name><memory unit='MiB'>64</memory>\
         <vcpu current='1'>2</vcpu>\
         <os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/></features>\
         <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>\
         <devices><emulator>{DEFAULT_EMULATOR}</emulator>\
         <serial type='pty'><target port='0'/></serial>\
         <console type='pty'><target type='serial' port='0'/></console>\
         {extra_devices}</devices></domain>"
    )
}

#[test]
fn transient_guest_life_over_qmp() {
    if !have_qemu() {
        return;
    }
    let root = temp_root("life");
    let c = connect(&root);
    let mut d = c
        .create_xml(&tiny("life", "qemu", "<memballoon model='virtio'/>"), 0)
        .expect("create");
    assert!(d.id().is_some());
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Running, reason::RUNNING_BOOTED)
    );
    // The guest burns CPU in its firmware: CPU time is real and grows
    // (counted in clock ticks, and a loaded host may not run the guest for
    // a while: wait for growth, with a generous bound).
    let t0 = d.info().expect("info").cpu_time;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut info = d.info().expect("info");
    while info.cpu_time <= t0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        info = d.info().expect("info");
    }
    assert!(info.cpu_time > t0, "{} > {t0}", info.cpu_time);
    assert_eq!(info.max_mem, 64 * 1024);
    assert_eq!(info.nr_virt_cpu, 1);

    d.suspend().expect("suspend");
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Paused, reason::PAUSED_USER)
    );
    let e = d.suspend();
    assert!(e.is_ok(), "suspend of a paused guest is a no-op");
    d.resume().expect("resume");
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Running, reason::RUNNING_UNPAUSED)
    );
    assert_eq!(
        d.resume().expect_err("not paused").code,
        ErrorCode::OperationInvalid
    );

    // vCPUs: real threads, real times, pinning through sched_setaffinity.
    let vcpus = d.vcpus().expect("vcpus");
    assert_eq!(vcpus.len(), 1);
    assert!(vcpus[0].cpu >= 0);
    let one = CpuMap::parse_list("0", 1).expect("map");
    d.pin_vcpu(0, &one).expect("pin");
    let vcpus = d.vcpus().expect("vcpus");
    assert_eq!(vcpus[0].affinity.cpus().collect::<Vec<_>>(), vec![0]);
    assert!(d
        .xml_desc(0)
        .expect("xml")
        .contains("<vcpupin vcpu='0' cpuset='0'/>"));

    // Hot-plug the second vCPU.
    d.set_vcpus(2).expect("set vcpus live");
    assert_eq!(d.vcpus().expect("vcpus").len(), 2);
    // Unplug needs the guest to eject the vCPU, and QEMU only offers it
    // once the guest's ACPI code has switched to the modern CPU hotplug
    // interface: firmware never does, so QEMU refuses at once.
    let e = d.set_vcpus(1).expect_err("no OS to eject the vcpu");
    assert_eq!(e.code, ErrorCode::InternalError, "{}", e.message);
    assert!(e.message.contains("'device_del'"), "{}", e.message);
    assert_eq!(d.vcpus().expect("vcpus").len(), 2);

    // Balloon.
    d.set_memory(32 * 1024).expect("balloon");
    assert!(d
        .xml_desc(0)
        .expect("xml")
        .contains("<currentMemory unit='KiB'>32768</currentMemory>"));
    assert_eq!(
        d.set_memory(128 * 1024).expect_err("above max").code,
        ErrorCode::InvalidArg
    );

    // Live XML carries the id and the pty QEMU chose.
    let xml = d.xml_desc(0).expect("xml");
    assert!(
        xml.contains(&format!("id='{}'", d.id().unwrap_or(0))),
        "{xml}"
    );
    assert!(xml.contains("<source path='/dev/pts/"), "{xml}");

    // Core dump as libvirt's: QEMU's migration stream, the last
    // completed job's statistics kept; with MEMORY_ONLY an ELF core. The
    // guest runs again after either.
    let core = root.join("life.core");
    d.core_dump(core.to_str().unwrap_or(""), 0).expect("dump");
    let head = std::fs::read(&core).expect("core file");
    assert_eq!(head.get(..4), Some(&b"QEVM"[..]));
    assert_eq!(d.state().expect("state").0, DomainState::Running);
    let done = d.job_stats(1 | 2).expect("completed stats");
    assert_eq!(done.kind, virt_core::job_type::COMPLETED);
    assert!(done.params.iter().any(|p| p.field == "operation"
        && p.value == virt_core::TypedValue::Int(virt_core::job_operation::DUMP)));
    assert_eq!(d.job_stats(1).expect("completed").kind, done.kind);
    assert_eq!(
        d.job_stats(1).expect("forgotten").kind,
        virt_core::job_type::NONE
    );
    d.core_dump(
        core.to_str().unwrap_or(""),
        virt_core::dump_flags::MEMORY_ONLY,
    )
    .expect("memory-only dump");
    let head = std::fs::read(&core).expect("core file");
    assert_eq!(head.get(..4), Some(&b"\x7fELF"[..]));
    assert_eq!(d.state().expect("state").0, DomainState::Running);

    let name = d.name().to_string();
    d.reboot(0).expect("reboot");
    d.destroy().expect("destroy");
    // Transient: gone, and nothing is left behind.
    assert_eq!(
        c.lookup_by_name(&name).expect_err("gone").code,
        ErrorCode::NoDomain
    );
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
}

#[test]
fn persistent_guest_across_connections() {
    if !have_qemu() {
        return;
    }
    let root = temp_root("pers");
    let c = connect(&root);
    let mut d = c
        .define_xml(&tiny("pers", "qemu", "<memballoon model='none'/>"))
        .expect("define");
    assert!(!d.is_active().expect("active"));
    assert!(d.is_persistent().expect("persistent"));
    d.set_autostart(true).expect("autostart");
    assert!(d.autostart().expect("autostart"));
    // Config-only changes on an inactive domain.
    d.set_vcpus_flags(2, virt_core::affect::CONFIG)
        .expect("set vcpus config");
    d.create().expect("start");
    let id = d.id().expect("id");
    drop(d);
    drop(c);

    // A new connection (as a new process would) finds and controls it.
    let c2 = connect(&root);
    assert_eq!(c2.list_domains().expect("ids"), vec![id]);
    let mut d2 = c2.lookup_by_id(id).expect("lookup by id");
    assert_eq!(d2.name(), "pers");
    assert_eq!(d2.info().expect("info").nr_virt_cpu, 2);
    assert_eq!(
        d2.set_memory(32 * 1024).expect_err("no balloon").code,
        ErrorCode::OperationInvalid
    );
    d2.suspend().expect("suspend");
    d2.destroy().expect("destroy");
    assert_eq!(
        d2.state().expect("state"),
        (DomainState::Shutoff, reason::SHUTOFF_DESTROYED)
    );
    assert_eq!(c2.list_defined_domains().expect("defined"), vec!["pers"]);
    assert!(leftovers(&root).iter().all(|f| f == "pers.shutoff"));
    d2.undefine().expect("undefine");
    assert!(c2.lookup_by_name("pers").is_err());
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
}

#[test]
fn autostart_once_per_host_boot() {
    if !have_qemu() {
        return;
    }
    let root = temp_root("auto");
    let c = connect(&root);
    for (name, flag) in [("auto-on", true), ("auto-off", false)] {
        let d = c
            .define_xml(&tiny(name, "qemu", "<memballoon model='none'/>"))
            .expect("define");
        d.set_autostart(flag).expect("autostart flag");
    }
    // A guest that cannot start does not stop the others.
    let broken = tiny("auto-broken", "qemu", "").replace(DEFAULT_EMULATOR, "/nonexistent/qemu");
    let d = c.define_xml(&broken).expect("define broken");
    d.set_autostart(true).expect("autostart flag");
    drop(c);

    // A run dir that has not seen this boot: the flagged guests start.
    let d = QemuDriver::with_paths(paths_in(&root), false).expect("driver");
    let mut tried: Vec<(String, bool)> = d
        .autostart_guests()
        .into_iter()
        .map(|(n, r)| (n, r.is_ok()))
        .collect();
    tried.sort();
    assert_eq!(
        tried,
        vec![("auto-broken".into(), false), ("auto-on".into(), true)]
    );
    let c = connect(&root);
    let mut on = c.lookup_by_name("auto-on").expect("lookup");
    assert_eq!(on.state().expect("state").0, DomainState::Running);
    assert!(!c
        .lookup_by_name("auto-off")
        .expect("lookup")
        .is_active()
        .expect("active"));
    // Stopped by the user, it stays stopped for the rest of this boot.
    on.destroy().expect("destroy");
    let d = QemuDriver::with_paths(paths_in(&root), false).expect("driver");
    assert!(d.autostart_guests().is_empty());
    assert!(!on.is_active().expect("active"));
    for n in ["auto-on", "auto-off", "auto-broken"] {
        c.lookup_by_name(n)
            .expect("lookup")
            .undefine()
            .expect("undefine");
    }
    assert!(
        leftovers(&root).iter().all(|f| f == "autostarted"),
        "{:?}",
        leftovers(&root)
    );
}

#[test]
fn save_and_restore_an_os_less_guest() {
    if !have_qemu() {
        return;
    }
    let root = temp_root("save");
    let c = connect(&root);
    let mut d = c
        .create_xml(&tiny("saver", "qemu", "<memballoon model='none'/>"), 0)
        .expect("create");
    let img = root.join("saver.img");
    let img_s = img.to_str().unwrap_or("");
    d.save(img_s).expect("save");
    assert!(
        c.lookup_by_name("saver").is_err(),
        "saved transient guest is gone"
    );
    assert!(std::fs::metadata(&img).map(|m| m.len()).unwrap_or(0) > 4096);
    let d = c.restore(img_s).expect("restore");
    let d = c.lookup_by_name(d.name()).expect("lookup");
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Running, reason::RUNNING_RESTORED)
    );
    let mut d = d;
    d.destroy().expect("destroy");
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
}

#[test]
fn failures_before_start_leave_nothing() {
    if !have_qemu() {
        return;
    }
    let root = temp_root("fail");
    let c = connect(&root);
    // A missing emulator.
    let xml = tiny("nobin", "qemu", "").replace(DEFAULT_EMULATOR, "/nonexistent/qemu");
    let e = c.create_xml(&xml, 0).expect_err("no emulator");
    assert_eq!(e.code, ErrorCode::SystemError);
    assert!(e.message.contains("/nonexistent/qemu"), "{}", e.message);
    // An unsupported device.
    let xml = tiny(
        "nonet",
        "qemu",
        "<interface type='network'><source network='default'/></interface>",
    );
    assert_eq!(
        c.create_xml(&xml, 0).expect_err("network").code,
        ErrorCode::ConfigUnsupported
    );
    // KVM: works when /dev/kvm opens, else a clear error.
    let xml = tiny("kvm", "kvm", "");
    match c.create_xml(&xml, 0) {
        Ok(mut d) => {
            assert!(kvm_usable());
            assert_eq!(d.state().expect("state").0, DomainState::Running);
            d.destroy().expect("destroy");
        }
        Err(e) => {
            assert!(!kvm_usable(), "{e}");
            assert_eq!(e.code, ErrorCode::ConfigUnsupported);
        }
    }
    // QEMU itself refuses the machine: the error carries its log.
    let xml = tiny("badmachine", "qemu", "").replace("machine='q35'", "machine='pc-i440fx-0.1'");
    let e = c.create_xml(&xml, 0).expect_err("bad machine");
    assert_eq!(e.code, ErrorCode::InternalError);
    assert!(
        e.message.contains("QEMU unexpectedly closed the monitor") && e.message.contains("machine"),
        "{}",
        e.message
    );
    assert!(c.lookup_by_name("badmachine").is_err());
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
}

/// libvirt 9.0 defines a TCG guest whose CPU is the host's (virt-xml's
/// `--edit --cpu host-passthrough` does this) and refuses it only at
/// start; a KVM guest with it starts (where /dev/kvm opens).
#[test]
fn host_passthrough_is_refused_at_start_of_a_tcg_guest_not_at_define() {
    if !have_qemu() {
        return;
    }
    let root = temp_root("hostcpu");
    let c = connect(&root);
    let xml =
        tiny("hp", "qemu", "").replace("<devices>", "<cpu mode='host-passthrough'/><devices>");
    let mut d = c.define_xml(&xml).expect("defined as libvirt does");
    let kept = d.xml_desc(0).expect("xml");
    assert!(
        kept.contains("<cpu mode='host-passthrough' check='none' migratable='on'/>"),
        "{kept}"
    );
    let e = d
        .create()
        .expect_err("TCG cannot pass the host's CPU through");
    assert_eq!(e.code, ErrorCode::ConfigUnsupported);
    assert_eq!(
        e.message,
        "unsupported configuration: CPU mode 'host-passthrough' for x86_64 qemu domain on \
         x86_64 host is not supported by hypervisor"
    );
    assert_eq!(d.state().expect("state").0, DomainState::Shutoff);
    // Started over KVM, the same CPU is QEMU's `host`.
    if kvm_usable() {
        let kvm =
            tiny("hpk", "kvm", "").replace("<devices>", "<cpu mode='host-passthrough'/><devices>");
        match c.create_xml(&kvm, 0) {
            Ok(mut k) => k.destroy().expect("destroy"),
            // A paravirtual KVM (kvm_pvm) may not take the host's MSRs
            // back from QEMU: a host limit, QEMU's own refusal.
            Err(e) if e.message.contains("failed to set MSR") => {
                eprintln!(
                    "skipped: KVM here cannot run the host's CPU ({})",
                    e.message
                )
            }
            Err(e) => panic!("KVM guest with the host's CPU: {e:?}"),
        }
    }
    d.undefine().expect("undefine");
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
}

/// Run by `cross_process_control` in a child process: find the guest named
/// by VIRT_QEMU_TEST_DOMAIN under VIRT_QEMU_TEST_ROOT, pause, resume and
/// destroy it.
#[test]
#[ignore = "run as a child process by cross_process_control"]
fn child_process_controls_guest() {
    let (Some(root), Some(name)) = (
        std::env::var_os("VIRT_QEMU_TEST_ROOT"),
        std::env::var("VIRT_QEMU_TEST_DOMAIN").ok(),
    ) else {
        return;
    };
    let c = connect(Path::new(&root));
    let mut d = c.lookup_by_name(&name).expect("child finds the guest");
    d.suspend().expect("child suspends");
    assert_eq!(d.state().expect("state").0, DomainState::Paused);
    d.resume().expect("child resumes");
    d.destroy().expect("child destroys");
}

#[test]
fn cross_process_control() {
    if !have_qemu() {
        return;
    }
    let root = temp_root("xproc");
    let c = connect(&root);
    let d = c
        .create_xml(&tiny("xproc", "qemu", "<memballoon model='none'/>"), 0)
        .expect("create");
    let exe = std::env::current_exe().expect("test binary");
    let out = std::process::Command::new(exe)
        .args([
            "--ignored",
            "--exact",
            "tests::child_process_controls_guest",
            "--nocapture",
        ])
        .env("VIRT_QEMU_TEST_ROOT", root.path())
        .env("VIRT_QEMU_TEST_DOMAIN", d.name())
        .output()
        .expect("child runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"));
    assert!(c.lookup_by_name("xproc").is_err(), "destroyed by the child");
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
}

#[test]
fn concurrent_callers_are_serialised() {
    if !have_qemu() {
        return;
    }
    let root = temp_root("conc");
    let c = connect(&root);
    let d = c
        .create_xml(&tiny("conc", "qemu", "<memballoon model='none'/>"), 0)
        .expect("create");
    let name = d.name().to_string();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let root = root.to_path_buf();
            let name = name.clone();
            std::thread::spawn(move || {
                let c = connect(&root);
                let d = c.lookup_by_name(&name).expect("lookup");
                for _ in 0..5 {
                    d.suspend().expect("suspend");
                    d.resume()
                        .or_else(|e| {
                            // Another thread resumed first: still consistent.
                            if e.code == ErrorCode::OperationInvalid {
                                Ok(())
                            } else {
                                Err(e)
                            }
                        })
                        .expect("resume");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    assert_eq!(d.state().expect("state").0, DomainState::Running);
    let mut d = d;
    d.destroy().expect("destroy");
}

// ---- the qemu-argv corpus ----

/// Make a corpus definition runnable on this host without its files:
/// every disk gets a fresh image in `tmp` (qcow2 ones made by qemu-img),
/// block devices become files, paths of sockets and logs move to `tmp`,
/// and the emulator is the installed one, under TCG.
fn localize(
    def: &mut virt_xml::DomainDef,
    tmp: &Path,
) -> Result<Vec<Box<dyn std::any::Any>>, String> {
    // Peers for character devices that connect out: they must exist.
    let mut peers: Vec<Box<dyn std::any::Any>> = Vec::new();
    // A console that aliases a serial port names the same peer again.
    let mut bound: Vec<String> = Vec::new();
    def.devices.emulator = Some(DEFAULT_EMULATOR.into());
    def.domain_type = "qemu".into();
    for (i, disk) in def.devices.disks.iter_mut().enumerate() {
        if disk.source.is_none() || !matches!(disk.disk_type.as_str(), "file" | "block") {
            continue;
        }
        let fmt = disk.driver_type.clone().unwrap_or_else(|| "raw".into());
        let img = tmp.join(format!("disk{i}.{fmt}"));
        if fmt == "raw" {
            let f = std::fs::File::create(&img).map_err(|e| e.to_string())?;
            f.set_len(1 << 20).map_err(|e| e.to_string())?;
        } else {
            let made = std::process::Command::new("qemu-img")
                .args(["create", "-q", "-f", &fmt])
                .arg(&img)
                .arg("1M")
                .status()
                .map_err(|e| format!("qemu-img not runnable ({e}; apt-get install qemu-utils)"))?;
            if !made.success() {
                return Err(format!("this host's qemu-img cannot create a {fmt} image"));
            }
        }
        let image = img.to_string_lossy().into_owned();
        disk.disk_type = "file".into();
        disk.source = Some(image.clone());
        // The source kept whole when it had more attributes: the new
        // file in place of the file or device it named.
        let kept = disk.part::<DiskSource>().map_err(|e| e.to_string())?;
        if let Some(mut source) = kept.filter(|s| s.file.is_some() || s.dev.is_some()) {
            source.file = Some(image);
            source.dev = None;
            disk.set_part(Some(&source));
        }
    }
    for c in &mut def.devices.chardevs {
        let dev_type = c.dev_type.clone().unwrap_or_default();
        let mut sources = c.parts::<CharSource>().map_err(|e| e.to_string())?;
        for source in &mut sources {
            let connects = source.mode.as_deref() != Some("bind");
            if dev_type == "tcp" && connects {
                let addr = format!(
                    "{}:{}",
                    source.host.as_deref().unwrap_or("127.0.0.1"),
                    source.service.as_deref().unwrap_or("0")
                );
                if !bound.contains(&addr) {
                    let l = std::net::TcpListener::bind(&addr).map_err(|err| {
                        format!("cannot listen on {addr} for the guest to connect: {err}")
                    })?;
                    peers.push(Box::new(l));
                    bound.push(addr);
                }
            }
            if let Some(p) = source.path.clone() {
                match dev_type.as_str() {
                    "dev" => {
                        if !Path::new(&p).exists() {
                            return Err(format!("host serial device {p} is absent"));
                        }
                    }
                    _ => {
                        let file = Path::new(&p)
                            .file_name()
                            .map(|f| f.to_string_lossy().into_owned())
                            .unwrap_or_else(|| "chardev".into());
                        let local = tmp.join(file);
                        let key = local.to_string_lossy().into_owned();
                        if dev_type == "unix" && connects && !bound.contains(&key) {
                            let l = UnixListener::bind(&local).map_err(|err| err.to_string())?;
                            peers.push(Box::new(l));
                            bound.push(key.clone());
                        }
                        source.path = Some(key);
                    }
                }
            }
        }
        c.set_parts(&sources);
    }
    for g in &mut def.devices.graphics {
        if g.graphics_type == "sdl" && std::env::var_os("DISPLAY").is_none() {
            return Err("SDL display needs an X server (no DISPLAY)".into());
        }
        let mut options = g.options().map_err(|e| e.to_string())?;
        if options.socket.is_some() {
            options.socket = Some(tmp.join("vnc.sock").to_string_lossy().into_owned());
        }
        // An address this host does not have cannot be bound.
        let local = |a: &str| matches!(a, "127.0.0.1" | "0.0.0.0" | "::" | "::1");
        if options.listen.as_deref().is_some_and(|a| !local(a)) {
            options.listen = Some("127.0.0.1".into());
        }
        g.set_options(&options);
        let mut listens = g.parts::<Listen>().map_err(|e| e.to_string())?;
        for l in listens.iter_mut().filter(|l| l.address.is_some()) {
            l.address = Some("127.0.0.1".into());
        }
        g.set_parts(&listens);
    }
    for i in &def.devices.interfaces {
        if i.iface_type == "ethernet" && !Path::new("/dev/net/tun").exists() {
            return Err("tap interfaces need /dev/net/tun".into());
        }
    }
    Ok(peers)
}

/// Start QEMU paused with `cmd`'s monitor on an inherited socket, ask
/// `query-status`, `quit`, and wait for the exit.
fn start_and_query(cmd: &argv::CommandLine, tmp: &Path) -> Result<String, String> {
    let sock = tmp.join("qmp.sock");
    let listener = UnixListener::bind(&sock).map_err(|e| e.to_string())?;
    let log_path = tmp.join("qemu.log");
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let started = process::spawn(cmd, SpawnOptions::monitor_only(listener.as_fd(), &log))
        .map_err(|e| e.to_string())?;
    drop(listener);
    let proc = Process::attach(started.pid, started.start_time);
    let result = (|| -> Result<String, String> {
        let s = UnixStream::connect(&sock).map_err(|e| e.to_string())?;
        let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
        let mut m = Monitor::handshake(s).map_err(|e| e.to_string())?;
        let st = m.execute("query-status", None).map_err(|e| e.to_string())?;
        let _ = m.execute("quit", None);
        Ok(st["status"].as_str().unwrap_or("").to_string())
    })();
    if let Some(p) = proc {
        if !p.wait_exit(Some(Duration::from_secs(10))) {
            let _ = p.signal(libc::SIGKILL);
            p.wait_exit(Some(Duration::from_secs(10)));
        }
    }
    result.map_err(|e| format!("{e}: {}", process::log_tail(&log_path, 0, 6)))
}

/// QEMU's words for what this host cannot provide (an address it does not
/// have, a device or file it lacks), with the limit they name. A case QEMU
/// refuses for one of these is a skip: the command line may be right, the
/// host cannot run it. Decided from QEMU's message only, never from the case.
const HOST_LIMITS: &[(&str, &str)] = &[
    (
        "Cannot assign requested address",
        "an address this host does not have",
    ),
    (
        "Address already in use",
        "a port already taken on this host",
    ),
    ("Network is unreachable", "a network this host cannot reach"),
    (
        "Name or service not known",
        "a host name this host cannot resolve",
    ),
    ("No such device", "a device this host does not have"),
    (
        "No such file or directory",
        "a file or device absent on this host",
    ),
    (
        "failed to find romfile",
        "a ROM file this host's QEMU lacks",
    ),
    (
        "Permission denied",
        "a host resource this user may not open",
    ),
];

/// The host limit QEMU's error text names, if any.
fn host_limit(qemu_error: &str) -> Option<&'static str> {
    HOST_LIMITS
        .iter()
        .find(|(words, _)| qemu_error.contains(words))
        .map(|&(_, limit)| limit)
}

#[test]
fn host_limits_come_from_qemu_words() {
    let bind = "qemu-system-x86_64: -chardev udp,id=charserial0,host=192.168.0.1,port=2222,\
                localaddr=192.168.0.1,localport=2223: can't bind ip=192.168.0.1 to socket: \
                Cannot assign requested address";
    assert_eq!(host_limit(bind), Some("an address this host does not have"));
    assert_eq!(
        host_limit("Could not open '/dev/sdz': No such file or directory"),
        Some("a file or device absent on this host")
    );
    // A refusal of the command line itself stays a failure.
    assert_eq!(
        host_limit("qemu-system-x86_64: -device foo: 'foo' is not a valid device model name"),
        None
    );
}

#[test]
fn corpus_qemu_argv() {
    let Some(dir) = virt_testkit::corpus_folder("qemu-argv", "corpus_qemu_argv") else {
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let mut names: Vec<String> = manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split('\t').next().map(str::to_string))
        .collect();
    names.dedup();
    // Every XML in the folder, listed in the manifest or not.
    for e in std::fs::read_dir(&dir).expect("corpus dir").flatten() {
        let f = e.file_name().to_string_lossy().into_owned();
        if let Some(n) = f
            .strip_prefix("qemuxml2argv-")
            .and_then(|f| f.strip_suffix(".xml"))
        {
            if !names.iter().any(|x| x == n) {
                names.push(n.to_string());
            }
        }
    }
    let run_qemu = have_qemu();
    let (mut built, mut started, mut skipped, mut failed) = (0, 0, Vec::new(), Vec::new());
    for name in &names {
        let xml_path = dir.join(format!("qemuxml2argv-{name}.xml"));
        let Ok(xml) = std::fs::read_to_string(&xml_path) else {
            continue;
        };
        let mut def = match virt_xml::parse_domain(&xml) {
            Ok(d) => d,
            Err(e) => {
                skipped.push(format!("{name}: XML refused: {e}"));
                continue;
            }
        };
        def.fill_defaults();
        let tmp = PathBuf::from(format!("/tmp/vq-corpus-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).expect("tmp");
        let _peers = match localize(&mut def, &tmp) {
            Ok(p) => p,
            Err(why) => {
                skipped.push(format!("{name}: {why}"));
                continue;
            }
        };
        let ctx = LaunchContext {
            emulator: DEFAULT_EMULATOR.into(),
            monitor: MonitorSocket::Fd(process::MONITOR_FD),
            kvm_usable: false,
            incoming: None,
            tap_fds: Vec::new(),
        };
        let cmd = match argv::build(&def, &ctx) {
            Ok(c) => c,
            Err(e) => {
                let e = virt_core::Error::from(e);
                if matches!(
                    e.code,
                    ErrorCode::ConfigUnsupported | ErrorCode::OperationUnsupported
                ) {
                    skipped.push(format!("{name}: {}", e.message));
                } else {
                    failed.push(format!("{name}: unclean error {:?}: {}", e.code, e.message));
                }
                continue;
            }
        };
        built += 1;
        if !run_qemu {
            continue;
        }
        match start_and_query(&cmd, &tmp) {
            Ok(status) if status == "prelaunch" => started += 1,
            Ok(status) => failed.push(format!("{name}: status '{status}', not prelaunch")),
            Err(e) => match host_limit(&e) {
                Some(limit) => skipped.push(format!("{name}: {limit} ({})", e.trim())),
                None => failed.push(format!(
                    "{name}: QEMU refused {}\n  {e}",
                    cmd.to_shell_string()
                )),
            },
        }
        let _ = std::fs::remove_dir_all(&tmp);
    }
    println!(
        "corpus_qemu_argv: {} cases, {built} built, {started} started under QEMU and answered \
         query-status, {} skipped (unsupported here or a host limit), {} failed",
        names.len(),
        skipped.len(),
        failed.len()
    );
    for s in &skipped {
        println!("  skipped {s}");
    }
    for f in &failed {
        println!("  FAILED {f}");
    }
    assert!(failed.is_empty(), "{} corpus cases failed", failed.len());
}

/// The Linux test guest as a transient `type='qemu'` domain whose serial
/// console appends to `console`.
fn linux_xml(
    name: &str,
    guest: &(PathBuf, PathBuf),
    console: &Path,
    head: &str,
    devices: &str,
) -> String {
    let devices = format!("{}{devices}", serial_file(console));
    LinuxDomain {
        head,
        devices: &devices,
        ..LinuxDomain::default()
    }
    .xml(name, guest)
}

/// The serial console so far.
fn console_text(console: &Path) -> String {
    std::fs::read_to_string(console).unwrap_or_default()
}

/// The last value the guest reported for `key` ("cpus", "memtotal",
/// "tick") on its console.
fn last_report(console: &Path, key: &str) -> Option<u64> {
    let needle = format!("{key}=");
    let tick = key == "tick";
    console_text(console)
        .lines()
        .filter_map(|l| l.strip_prefix("virt-rs test guest: "))
        .filter_map(|l| {
            if tick {
                l.strip_prefix("tick ")
            } else {
                l.split(' ').find_map(|w| w.strip_prefix(needle.as_str()))
            }
        })
        .filter_map(|v| v.trim().parse().ok())
        .next_back()
}

/// Wait until the guest's console reports it is up `boots` times.
fn wait_boots(console: &Path, boots: usize) {
    let ok = wait_until(180, || {
        console_text(console)
            .matches("virt-rs test guest: waiting for the power button")
            .count()
            >= boots
    });
    assert!(
        ok,
        "boot {boots} not seen; console:\n{}",
        console_text(console)
    );
}

#[test]
fn linux_guest_console_and_acpi_shutdown() {
    if !have_qemu() {
        return;
    }
    let Some(guest) = linux_guest("linux_guest_console_and_acpi_shutdown") else {
        return;
    };
    let root = temp_root("linux");
    let console = root.join("console.log");
    let xml = linux_xml(
        "linux",
        &guest,
        &console,
        "<memory unit='MiB'>128</memory><vcpu>1</vcpu><on_poweroff>destroy</on_poweroff>",
        "<memballoon model='none'/>",
    );
    let c = connect(&root);
    let d = c.create_xml(&xml, 0).expect("create linux guest");
    wait_boots(&console, 1);
    d.shutdown().expect("ACPI shutdown");
    // The guest powers off; the next look applies on_poweroff=destroy.
    let off = wait_until(60, || {
        c.lookup_by_name("linux")
            .map(|d| d.state().map(|s| s.0) == Ok(DomainState::Shutoff))
            .unwrap_or(true)
    });
    assert!(off, "guest did not power off");
    assert!(console_text(&console).contains("power button, powering off"));
    assert!(
        c.lookup_by_name("linux").is_err(),
        "transient guest is gone"
    );
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
}

#[test]
fn linux_guest_reboot_is_an_acpi_round_trip() {
    if !have_qemu() {
        return;
    }
    let Some(guest) = linux_guest("linux_guest_reboot_is_an_acpi_round_trip") else {
        return;
    };
    let root = temp_root("reboot");
    let console = root.join("console.log");
    let xml = linux_xml(
        "rebooter",
        &guest,
        &console,
        "<memory unit='MiB'>128</memory><vcpu>1</vcpu>\
         <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot>",
        "<memballoon model='none'/>",
    );
    let c = connect(&root);
    let d = c.create_xml(&xml, 0).expect("create");
    let id = d.id();
    let pid = Runtime::load(&paths_in(&root), "rebooter").map(|r| r.pid);
    wait_boots(&console, 1);
    d.reboot(0).expect("reboot");
    // The guest shuts down in order (it sees the power button), then a
    // look resets it instead of applying on_poweroff: the same QEMU, the
    // same id, a second boot on the console.
    let again = wait_until(180, || {
        let _ = d.state();
        console_text(&console)
            .matches("virt-rs test guest: waiting for the power button")
            .count()
            >= 2
    });
    let text = console_text(&console);
    assert!(again, "no second boot; console:\n{text}");
    assert_eq!(text.matches("virt-rs test guest: up").count(), 2, "{text}");
    assert!(text.contains("power button, powering off"), "{text}");
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Running, reason::RUNNING_BOOTED)
    );
    let d = c.lookup_by_name("rebooter").expect("still there");
    assert_eq!(d.id(), id);
    assert_eq!(
        Runtime::load(&paths_in(&root), "rebooter").map(|r| (r.pid, r.fake_reboot)),
        pid.map(|p| (p, false))
    );
    // A shutdown after the reboot is a shutdown again. The guest's /init
    // announces that it waits for the button just before it opens the
    // input device, so on a loaded host a press can come too early and be
    // lost: press again, as a user of `virsh shutdown` would.
    d.shutdown().expect("shutdown");
    let mut gone = false;
    for _ in 0..6 {
        gone = wait_until(10, || c.lookup_by_name("rebooter").is_err());
        if gone {
            break;
        }
        let _ = d.shutdown();
    }
    assert!(gone, "console:\n{}", console_text(&console));
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
}

#[test]
fn linux_guest_balloon_vcpus_save_restore() {
    if !have_qemu() {
        return;
    }
    let Some(guest) = linux_guest("linux_guest_balloon_vcpus_save_restore") else {
        return;
    };
    let root = temp_root("lsave");
    let console = root.join("console.log");
    let xml = linux_xml(
        "lsave",
        &guest,
        &console,
        "<memory unit='MiB'>256</memory><vcpu current='1'>2</vcpu>",
        "<memballoon model='virtio'/>",
    );
    let c = connect(&root);
    let mut d = c.create_xml(&xml, 0).expect("create");
    wait_boots(&console, 1);
    // The report loop starts with the banner; its first line may follow it.
    assert!(wait_until(30, || last_report(&console, "cpus") == Some(1)));

    // A hot-added vCPU: the guest sees it and brings it online.
    d.set_vcpus(2).expect("hot-add a vcpu");
    assert!(
        wait_until(60, || last_report(&console, "cpus") == Some(2)),
        "guest did not see the new vCPU; console:\n{}",
        console_text(&console)
    );
    assert_eq!(d.vcpus().expect("vcpus").len(), 2);

    // The balloon takes 64 MiB away: the guest's MemTotal shrinks and
    // QEMU reports what the guest gave back.
    let before = last_report(&console, "memtotal").expect("memtotal reported");
    d.set_memory(192 * 1024).expect("balloon");
    let shrunk = wait_until(60, || {
        last_report(&console, "memtotal").is_some_and(|m| before.saturating_sub(m) >= 60 * 1024)
    });
    assert!(
        shrunk,
        "MemTotal {before} KiB did not shrink; console:\n{}",
        console_text(&console)
    );
    assert!(wait_until(30, || d.info().map(|i| i.memory).ok() == Some(192 * 1024)));

    // Save and restore: the guest carries on where it was, with both
    // vCPUs and its ballooned memory.
    let tick = last_report(&console, "tick").expect("ticks");
    let img = root.join("lsave.img");
    let img_s = img.to_str().unwrap_or("");
    d.save(img_s).expect("save");
    assert!(c.lookup_by_name("lsave").is_err());
    let d = c.restore(img_s).expect("restore");
    let mut d = c.lookup_by_name(d.name()).expect("lookup");
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Running, reason::RUNNING_RESTORED)
    );
    let alive = wait_until(60, || {
        last_report(&console, "tick").is_some_and(|t| t > tick + 2)
    });
    assert!(
        alive,
        "console is silent after restore:\n{}",
        console_text(&console)
    );
    let text = console_text(&console);
    assert_eq!(text.matches("virt-rs test guest: up").count(), 1, "{text}");
    assert_eq!(last_report(&console, "cpus"), Some(2));
    assert_eq!(d.vcpus().expect("vcpus").len(), 2);
    assert_eq!(d.info().expect("info").memory, 192 * 1024);
    d.destroy().expect("destroy");
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
}

/// Managed save of a persistent Linux guest: it stops with its image in
/// the state folder, a start resumes it where it was (no second boot) and
/// uses the image up, `FORCE_BOOT` discards a fresh image for a boot, and
/// undefine refuses the image unless told to remove it.
#[test]
fn linux_guest_managed_save_and_start() {
    use virt_core::{list_flags, start_flags, undefine_snapshot_flags};
    if !have_qemu() {
        return;
    }
    let Some(guest) = linux_guest("linux_guest_managed_save_and_start") else {
        return;
    };
    let root = temp_root("msave");
    let console = root.join("console.log");
    let xml = linux_xml(
        "msave",
        &guest,
        &console,
        "<memory unit='MiB'>128</memory>",
        "",
    );
    let c = connect(&root);
    let mut d = c.define_xml(&xml).expect("define");
    d.create().expect("start");
    wait_boots(&console, 1);
    assert!(wait_until(30, || last_report(&console, "tick").is_some()));
    let tick = last_report(&console, "tick").expect("ticks");
    d.managed_save(0).expect("managed save");
    let image = root.join("config/save/msave.save");
    assert!(image.exists());
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Shutoff, reason::SHUTOFF_SAVED)
    );
    assert!(d.has_managed_save(0).expect("has image"));
    let names: Vec<String> = c
        .list_all_domains(list_flags::MANAGEDSAVE)
        .expect("list")
        .iter()
        .map(|d| d.name().to_string())
        .collect();
    assert_eq!(names, ["msave"]);
    let e = d.undefine().expect_err("undefine with an image");
    assert_eq!(e.code, ErrorCode::OperationInvalid);
    assert_eq!(
        e.message,
        "Requested operation is not valid: Refusing to undefine while domain managed save image exists"
    );
    d.create().expect("start from the image");
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Running, reason::RUNNING_RESTORED)
    );
    assert!(!image.exists() && !d.has_managed_save(0).expect("has image"));
    let alive = wait_until(60, || {
        last_report(&console, "tick").is_some_and(|t| t > tick + 2)
    });
    assert!(alive, "silent after the start:\n{}", console_text(&console));
    let text = console_text(&console);
    assert_eq!(text.matches("virt-rs test guest: up").count(), 1, "{text}");

    // A forced boot throws the image away and boots afresh.
    d.managed_save(0).expect("managed save again");
    d.create_with_flags(start_flags::FORCE_BOOT)
        .expect("force boot");
    assert!(!image.exists());
    wait_boots(&console, 2);
    assert_eq!(
        d.state().expect("state"),
        (DomainState::Running, reason::RUNNING_BOOTED)
    );
    d.managed_save(0).expect("managed save, third");
    d.managed_save_remove(0).expect("remove the image");
    assert!(!image.exists());
    d.managed_save_remove(0).expect("removing nothing is fine");
    d.create().expect("boot");
    d.managed_save(0).expect("managed save, fourth");
    d.undefine_flags(undefine_snapshot_flags::MANAGED_SAVE)
        .expect("undefine with the image");
    assert!(!image.exists());

    // A transient guest has nowhere to come back to.
    let mut t = c.create_xml(&xml, 0).expect("create transient");
    let e = t.managed_save(0).expect_err("transient");
    assert_eq!(e.code, ErrorCode::OperationInvalid);
    assert!(e
        .message
        .ends_with("cannot do managed save for transient domain"));
    t.destroy().expect("destroy");
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
}

mod hotplug;
mod pci;
mod snapshot;

/// A save runs as a job: while QEMU writes (slowed down by a reader of a
/// FIFO that takes 4 KiB at a time), GetJobStats reports an unbounded save
/// with QEMU's figures; AbortJob cancels it, the save fails with libvirt's
/// "operation aborted" and the guest keeps running.
#[test]
fn a_save_is_a_job_that_can_be_aborted() {
    use std::io::Read;
    use virt_core::{job_operation, job_stats, job_type, TypedValue};
    if !have_qemu() {
        return;
    }
    let root = temp_root("job");
    let c = connect(&root);
    let xml = tiny("jobber", "qemu", "<memballoon model='none'/>").replace(
        "<memory unit='MiB'>64</memory>",
        "<memory unit='MiB'>512</memory>",
    );
    let mut d = c.create_xml(&xml, 0).expect("create");
    assert_eq!(d.job_info().expect("job info").kind, job_type::NONE);
    let e = d.abort_job().expect_err("no job to abort");
    assert_eq!(e.code, ErrorCode::OperationInvalid, "{}", e.message);
    let fifo = root.join("slow.img");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.map(|s| s.success()).unwrap_or(false), "mkfifo");
    let fifo_s = fifo.to_str().unwrap_or("").to_string();
    let mut d2 = d.clone();
    let (saved, stats) = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut f = std::fs::File::open(&fifo).expect("open fifo");
            let mut buf = [0u8; 4096];
            while matches!(f.read(&mut buf), Ok(n) if n > 0) {
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let saver = s.spawn(move || d2.save(&fifo_s));
        let mut stats = None;
        let seen = wait_until(60, || {
            let st = d.job_stats(0).expect("job stats");
            let processed = st.info().mem_processed;
            let ok = st.kind == job_type::UNBOUNDED && processed > 0;
            if ok {
                stats = Some(st);
            }
            ok
        });
        assert!(seen, "the save never showed as a running job");
        d.abort_job().expect("abort");
        let saved = saver.join().expect("save thread");
        let _ = reader.join();
        (saved, stats)
    });
    let stats = stats.expect("stats");
    let op = stats
        .params
        .iter()
        .find(|p| p.field == job_stats::OPERATION);
    assert_eq!(
        op.map(|p| &p.value),
        Some(&TypedValue::Int(job_operation::SAVE))
    );
    let info = stats.info();
    assert!(info.mem_total >= 512 << 20, "{info:?}");
    assert!(info.mem_processed <= info.mem_total, "{info:?}");
    let e = saved.expect_err("aborted save");
    assert_eq!(e.code, ErrorCode::OperationAborted, "{}", e.message);
    assert_eq!(
        e.message,
        "operation aborted: job 'domain save' canceled by client"
    );
    assert_eq!(d.state().expect("state").0, DomainState::Running);
    assert_eq!(d.job_info().expect("job info").kind, job_type::NONE);
    d.destroy().expect("destroy");
}

/// A UEFI guest's variable store as libvirt 9.0 keeps it (checked against
/// libvirtd 9.0 on this machine: the same path rule, copy and command
/// line): the firmware and the store are the machine's pflash0 and
/// pflash1; the store, named at define, is made from its template at the
/// first start, kept across starts, and made afresh on a start with
/// RESET_NVRAM (restore takes the flag as well). OVMF is not needed: the "firmware" is a flash of
/// `hlt` instructions, which QEMU maps and the CPU halts in.
#[test]
fn uefi_variables_come_from_their_template_and_reset_on_request() {
    if !have_qemu() {
        return;
    }
    let root = temp_root("nvram");
    let (code, template) = (root.join("code.fd"), root.join("vars.fd"));
    std::fs::write(&code, vec![0xf4u8; 64 << 10]).expect("firmware");
    std::fs::write(&template, vec![0xaau8; 64 << 10]).expect("template");
    let c = connect(&root);
    let firmware = format!(
        "<loader readonly='yes' type='pflash'>{}</loader><nvram template='{}'/></os>",
        code.display(),
        template.display()
    );
    let xml = tiny("uefi", "qemu", "<memballoon model='none'/>").replace("</os>", &firmware);
    let e = c
        .define_xml(&xml.replace("<features><acpi/></features>", ""))
        .expect_err("UEFI without ACPI");
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::ConfigUnsupported,
            "unsupported configuration: UEFI requires ACPI on this architecture"
        )
    );
    let mut d = c.define_xml(&xml).expect("define");
    let store = root.join("config/nvram/uefi_VARS.fd");
    let inactive = d.xml_desc(virt_core::xml_flags::INACTIVE).expect("xml");
    assert!(
        inactive.contains(&format!(
            "<nvram template='{}'>{}</nvram>",
            template.display(),
            store.display()
        )),
        "{inactive}"
    );
    assert!(!store.exists());
    let same_as_template = || std::fs::read(&store).ok() == std::fs::read(&template).ok();
    d.create().expect("start");
    assert!(
        same_as_template(),
        "made from the template at the first start"
    );
    let pid = Runtime::load(&paths_in(&root), "uefi")
        .expect("runtime")
        .pid;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).expect("cmdline");
    let cmdline = String::from_utf8_lossy(&cmdline);
    assert!(
        cmdline.contains("pflash0=libvirt-pflash0-format,pflash1=libvirt-pflash1-format"),
        "{cmdline}"
    );
    d.destroy().expect("destroy");
    std::fs::write(&store, vec![0x55u8; 64 << 10]).expect("the guest's own variables");
    d.create().expect("start again");
    assert_eq!(std::fs::read(&store).expect("store")[0], 0x55, "kept");
    d.destroy().expect("destroy");
    d.create_with_flags(virt_core::start_flags::RESET_NVRAM)
        .expect("start with RESET_NVRAM");
    assert!(same_as_template(), "made afresh");

    // Restore takes the flag too; what the store holds after it is what
    // QEMU's flash held at the save (the migration stream carries the
    // flash's contents and QEMU writes them back), as under libvirt.
    let image = root.join("uefi.save");
    d.save(image.to_str().expect("path")).expect("save");
    c.restore_flags(
        image.to_str().expect("path"),
        None,
        virt_core::save_flags::RESET_NVRAM,
    )
    .expect("restore with RESET_NVRAM");
    assert!(same_as_template());
    let mut d = c.lookup_by_name("uefi").expect("lookup");
    d.destroy().expect("destroy");

    // No template and no store: libvirt's refusal, nothing started.
    let untemplated = d
        .xml_desc(virt_core::xml_flags::INACTIVE)
        .expect("xml")
        .replace(&format!(" template='{}'", template.display()), "");
    let mut d = c.define_xml(&untemplated).expect("redefine");
    std::fs::remove_file(&store).expect("remove store");
    let e = d.create().expect_err("no template");
    assert_eq!(e.code, ErrorCode::OperationFailed);
    assert_eq!(
        e.message,
        format!(
            "operation failed: unable to find any master var store for loader: {}",
            code.display()
        )
    );
    assert!(
        Runtime::load(&paths_in(&root), "uefi").is_none(),
        "not started"
    );
    // Undefine keeps or removes a store only when told (libvirt's rule).
    std::fs::write(&store, b"vars").expect("store");
    let e = d.undefine().expect_err("a store exists");
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::OperationInvalid,
            "Requested operation is not valid: cannot undefine domain with nvram"
        )
    );
    d.undefine_flags(virt_core::undefine_snapshot_flags::NVRAM)
        .expect("undefine --nvram");
    assert!(!store.exists());
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
}
