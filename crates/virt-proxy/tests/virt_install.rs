//! Debian's virt-install (virtinst 4.1, over python3-libvirt and the C
//! client library) creates and starts a guest through our daemon, as it
//! would through libvirtd: it reads the capabilities and domain
//! capabilities, finds the `default` pool, makes the guest's volume there,
//! defines the guest with the XML it builds and starts it; the tiny Linux
//! guest then boots (its serial console goes to a file). `--dry-run` and
//! `--print-xml` change nothing. Then virt-xml (same package) edits the
//! definition and hot-plugs a disk, and virt-clone copies the guest. Skipped with a notice without
//! virt-install, Debian's virsh, QEMU or the guest of `cargo xtask guest`.

#![cfg(feature = "qemu")]

mod common;

use common::Daemon;
use std::path::{Path, PathBuf};
use std::process::Command;
use virt_testkit::{debian_virsh, linux_guest, wait_until, DEBIAN_VIRSH};

const QEMU: &str = "/usr/bin/qemu-system-x86_64";
const VIRT_INSTALL: &str = "/usr/bin/virt-install";
const VIRT_XML: &str = "/usr/bin/virt-xml";
const VIRT_CLONE: &str = "/usr/bin/virt-clone";

/// The guest's kernel and initrd, when every peer is here.
fn peers(test: &str) -> Option<(PathBuf, PathBuf)> {
    let wanted = [
        (QEMU, "qemu-system-x86"),
        (DEBIAN_VIRSH, "libvirt-clients"),
        (VIRT_INSTALL, "virtinst"),
    ];
    if virt_testkit::peers(test, &wanted) {
        linux_guest(test)
    } else {
        None
    }
}

/// One virt-tools command (virt-install, virt-xml, virt-clone) in the C
/// locale, with a home of its own (they keep logs and settings there):
/// its standard output, standard error and whether it succeeded.
fn virt_tool(tool: &str, home: &Path, args: &[&str]) -> (String, String, bool) {
    let out = Command::new(tool)
        .args(args)
        .env("LC_ALL", "C")
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

/// Destroys the named guests when dropped.
struct StopGuests {
    uri: String,
    names: &'static [&'static str],
}

impl Drop for StopGuests {
    fn drop(&mut self) {
        for name in self.names {
            // Most are not running any more: the failure is expected.
            let _ = debian_virsh(&["-c", &self.uri, "destroy", name]);
        }
    }
}

/// Waits (five minutes at most) for the test guest's console, appended to
/// `serial`, to say the guest is up; fails with the console and the
/// daemon's log otherwise.
fn assert_boots(serial: &Path, d: &Daemon) {
    assert!(
        wait_until(300, || std::fs::read_to_string(serial)
            .is_ok_and(|s| s.contains("virt-rs test guest: up"))),
        "{:?}\n{}",
        std::fs::read_to_string(serial),
        d.log()
    );
}

#[test]
fn virt_tools_create_edit_and_clone_a_guest_through_the_daemon() {
    let test = "virt_install";
    let Some((kernel, initrd)) = peers(test) else {
        return;
    };
    // virt-install writes the paths it was given in canonical form.
    let canonical = |p: PathBuf| std::fs::canonicalize(&p).unwrap_or(p);
    let (kernel, initrd) = (canonical(kernel), canonical(initrd));
    let d = Daemon::start_qemu("virt-install", &[]);
    let root = d.qemu_root();
    let uri = d.qemu_uri("system");
    // Guests outlive their daemon: a failing step must not leave them
    // running (dropped before the daemon).
    let _guests = StopGuests {
        uri: uri.clone(),
        names: &["g1", "g1-clone", "m1"],
    };
    let virsh = |line: &str| d.virsh(&["-c", &uri, line]);
    // virt-install puts new disks in the pool named `default` (and would
    // make one in /var/lib/libvirt/images without it).
    let images = root.join("images");
    virsh(&format!(
        "pool-define-as default dir --target {}",
        images.display()
    ));
    virsh("pool-build default; pool-start default");
    let home = root.join("home");
    let serial = root.join("g1.serial");
    let boot = format!(
        "kernel={},initrd={},kernel_args=console=ttyS0",
        kernel.display(),
        initrd.display()
    );
    // Guest `name` of OS `osinfo` on TCG (this test guest needs no KVM,
    // and boots where nested KVM cannot run it), its serial console into
    // NAME.serial, and `extra`.
    let install_as = |name: &str, osinfo: &str, extra: &[&str]| {
        let serial_opt = format!(
            "file,path={}",
            root.join(format!("{name}.serial")).display()
        );
        let mut args = vec![
            "--connect",
            &uri,
            "--name",
            name,
            "--virt-type",
            "qemu",
            "--memory",
            "128",
            "--osinfo",
            osinfo,
            "--disk",
            "size=1",
            "--network",
            "user",
            "--graphics",
            "none",
            "--serial",
            &serial_opt,
            "--import",
            "--boot",
            &boot,
            "--noautoconsole",
        ];
        args.extend_from_slice(extra);
        virt_tool(VIRT_INSTALL, &home, &args)
    };
    let install =
        |extra: &[&str]| install_as("g1", "generic", &[&["--vcpus", "1"], extra].concat());
    let nothing_made = |when: &str| {
        assert!(!virsh("list --all --name").contains("g1"), "{when}");
        assert!(!virsh("vol-list default").contains("g1.qcow2"), "{when}");
    };

    // A dry run checks everything and changes nothing.
    let (out, err, ok) = install(&["--dry-run"]);
    assert!(ok, "--dry-run: {out}{err}\n{}", d.log());
    assert!(out.contains("Dry run completed successfully"), "{out}");
    nothing_made("after --dry-run");

    // The XML it would define: the volume in the pool, what we asked for.
    let (xml, err, ok) = install(&["--print-xml", "--dry-run"]);
    assert!(ok, "--print-xml: {err}\n{}", d.log());
    let disk = images.join("g1.qcow2");
    for part in [
        "<domain type=\"qemu\">".to_string(),
        "<name>g1</name>".into(),
        format!("<kernel>{}</kernel>", kernel.display()),
        "<driver name=\"qemu\" type=\"qcow2\" discard=\"unmap\"/>".into(),
        format!("<source file=\"{}\"/>", disk.display()),
        "<interface type=\"user\">".into(),
        format!("<source path=\"{}\"/>", serial.display()),
    ] {
        assert!(xml.contains(&part), "no {part} in\n{xml}");
    }
    nothing_made("after --print-xml --dry-run");

    // On KVM it picks the host's CPU as it does with libvirtd: our domain
    // capabilities say host-passthrough is safe (migratable on and off).
    if std::fs::File::options()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok()
    {
        let (xml, err, ok) = virt_tool(
            VIRT_INSTALL,
            &home,
            &[
                "--connect",
                &uri,
                "--name",
                "k1",
                "--memory",
                "128",
                "--osinfo",
                "generic",
                "--disk",
                "none",
                "--network",
                "none",
                "--graphics",
                "none",
                "--import",
                "--boot",
                &boot,
                "--print-xml",
            ],
        );
        assert!(ok, "--print-xml on KVM: {err}\n{}", d.log());
        assert!(xml.contains("<cpu mode=\"host-passthrough\"/>"), "{xml}");
    }

    // The install: volume made, guest defined and started.
    let (out, err, ok) = install(&[]);
    assert!(ok, "virt-install: {out}{err}\n{}", d.log());
    assert!(out.contains("Domain creation completed."), "{out}");
    assert!(virsh("domstate g1").starts_with("running"));
    assert!(virsh("vol-list default").contains("g1.qcow2"));
    assert!(virsh("vol-info g1.qcow2 --pool default").contains("Capacity:       1.00 GiB"));
    let live = virsh("dumpxml g1");
    for part in [
        format!("<source file='{}'/>", disk.display()),
        "<target dev='hda' bus='ide'/>".into(),
        "<model type='e1000'/>".into(),
        // Numbered as libvirt numbers it.
        "<controller type='usb' index='0' model='ich9-ehci1'".into(),
        "<master startport='4'/>".into(),
        format!("<initrd>{}</initrd>", initrd.display()),
    ] {
        assert!(live.contains(&part), "no {part} in\n{live}");
    }
    // The guest boots: its console writes to the file.
    assert_boots(&serial, &d);
    assert!(virsh("domstate g1").starts_with("running"));

    // virt-xml edits the definition and plugs a disk into the running
    // guest; the disk's folder becomes a pool of its own, as virtinst
    // does for any path outside a pool (it lists the pool's volumes by
    // name to find the file).
    let tool = |tool: &str, args: &[&str]| {
        let args = [&["--connect", uri.as_str()], args].concat();
        let (out, err, ok) = virt_tool(tool, &home, &args);
        assert!(ok, "{tool} {args:?}: {out}{err}\n{}", d.log());
        out
    };
    tool(VIRT_XML, &["g1", "--edit", "--memory", "256"]);
    assert!(virsh("dumpxml g1 --inactive").contains("<memory unit='KiB'>262144</memory>"));
    let extra = root.join("disks/extra.img");
    std::fs::create_dir_all(root.join("disks")).expect("disks folder");
    std::fs::File::create(&extra)
        .and_then(|f| f.set_len(8 << 20))
        .expect("extra disk");
    let out = tool(
        VIRT_XML,
        &[
            "g1",
            "--add-device",
            "--disk",
            &format!("{},bus=virtio,target=vdb", extra.display()),
            "--update",
        ],
    );
    assert!(out.contains("Device hotplug successful."), "{out}");
    assert!(virsh("domblklist g1").contains("vdb"));
    assert!(virsh("domblklist g1 --inactive").contains("vdb"));
    assert!(virsh("vol-list disks").contains("extra.img"));

    // virt-clone copies a shut-off guest with its disks; the copy starts.
    virsh("destroy g1");
    let out = tool(VIRT_CLONE, &["--original", "g1", "--auto-clone"]);
    assert!(
        out.contains("Clone 'g1-clone' created successfully."),
        "{out}"
    );
    assert!(virsh("vol-list default").contains("g1-clone.qcow2"));
    assert!(virsh("vol-list disks").contains("extra-clone.img"));
    let clone = virsh("dumpxml g1-clone");
    assert!(clone.contains(&format!("{}", images.join("g1-clone.qcow2").display())));
    virsh("start g1-clone");
    assert!(virsh("domstate g1-clone").starts_with("running"));
    virsh("destroy g1-clone");

    // virt-xml gives this TCG guest the host's CPU: defined as libvirtd
    // defines it, refused at start in libvirtd's words.
    tool(VIRT_XML, &["g1", "--edit", "--cpu", "host-passthrough"]);
    assert!(virsh("dumpxml g1 --inactive")
        .contains("<cpu mode='host-passthrough' check='none' migratable='on'/>"));
    let (_, err, ok) = debian_virsh(&["-c", &uri, "start", "g1"]);
    assert!(!ok);
    assert!(
        err.contains(
            "error: unsupported configuration: CPU mode 'host-passthrough' for x86_64 qemu \
             domain on x86_64 host is not supported by hypervisor"
        ),
        "{err}"
    );

    // A guest of a current OS gets what virt-install gives those: a q35
    // machine, virtio disk and network, an RNG and the guest agent's
    // channel, whose socket the driver places while the guest runs.
    let serial = root.join("m1.serial");
    let (out, err, ok) = install_as("m1", "linux2022", &[]);
    assert!(ok, "virt-install m1: {out}{err}\n{}", d.log());
    assert!(out.contains("Domain creation completed."), "{out}");
    let live = virsh("dumpxml m1");
    for part in [
        // The alias's machine, as libvirt writes it (pc-q35-7.2 here).
        "machine='pc-q35-",
        "<target dev='vda' bus='virtio'/>",
        "<model type='virtio'/>",
        "<backend model='random'>/dev/urandom</backend>",
        "<target type='virtio' name='org.qemu.guest_agent.0'/>",
    ] {
        assert!(live.contains(part), "no {part} in\n{live}");
    }
    let agent = live
        .lines()
        .find_map(|l| l.trim().strip_prefix("<source mode='bind' path='"))
        .and_then(|l| l.strip_suffix("'/>"))
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("no channel path in\n{live}"));
    assert!(
        agent.ends_with("org.qemu.guest_agent.0"),
        "{}",
        agent.display()
    );
    assert!(agent.exists(), "{}", agent.display());
    // The definition itself keeps leaving the path to the driver.
    assert!(!virsh("dumpxml m1 --inactive").contains(&*agent.to_string_lossy()));
    assert_boots(&serial, &d);
    virsh("destroy m1");
    assert!(!agent.exists(), "{}", agent.display());
    virsh("undefine m1 --remove-all-storage");

    // Undefining with their storage removes the volumes the tools made.
    virsh("undefine g1-clone --remove-all-storage");
    virsh("undefine g1 --remove-all-storage");
    nothing_made("after undefine --remove-all-storage");
    assert!(!disk.exists() && !extra.exists());
}
