//! `virConnectGetDomainCapabilities` on qemu:/// through our daemon, asked
//! by Debian's virsh 9.0 and python3-libvirt: the XML validates against
//! libvirt's domaincaps schema, every option of `virsh domcapabilities`
//! picks what it names, refusals carry libvirt's words; and, where Debian's
//! libvirtd can run (root), the two daemons agree field by field on this
//! machine except where crates/virt-qemu/CAPABILITIES.md says why not.
//! Skipped with a notice without QEMU or Debian's virsh.

#![cfg(feature = "qemu")]

mod common;

use common::Daemon;
use std::path::Path;
use std::process::Command;

const QEMU: &str = "/usr/bin/qemu-system-x86_64";
const REAL_VIRSH: &str = "/usr/bin/virsh";

fn peers(test: &str) -> bool {
    for (path, pkg) in [(QEMU, "qemu-system-x86"), (REAL_VIRSH, "libvirt-clients")] {
        if !Path::new(path).exists() {
            println!("{test}: {path} not installed (apt-get install {pkg}); skipped");
            return false;
        }
    }
    true
}

/// Debian's virsh on `uri`: stdout, stderr, success.
fn virsh(uri: &str, args: &[&str]) -> (String, String, bool) {
    let out = Command::new(REAL_VIRSH)
        .args(["-c", uri])
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {REAL_VIRSH}: {e}"));
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

/// The text of the first `<name>` element.
fn field<'a>(xml: &'a str, name: &str) -> &'a str {
    let open = format!("<{name}>");
    xml.split_once(&open)
        .and_then(|(_, rest)| rest.split_once(&format!("</{name}>")))
        .map_or("", |(v, _)| v)
}

/// The lines of `<mode name='MODE' ...>` up to its end.
fn cpu_mode(xml: &str, mode: &str) -> Vec<String> {
    let start = format!("<mode name='{mode}'");
    let mut lines = xml
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with(&start));
    let mut out = Vec::new();
    for l in lines.by_ref() {
        out.push(l.to_string());
        if l.ends_with("/>") && out.len() == 1 || l == "</mode>" {
            break;
        }
    }
    out
}

/// `(name, usable)` of every custom CPU model.
fn models(xml: &str) -> Vec<(String, String)> {
    xml.lines()
        .filter_map(|l| {
            let l = l.trim().strip_prefix("<model usable='")?;
            let (usable, rest) = l.split_once('\'')?;
            let name = rest.split_once('>')?.1.strip_suffix("</model>")?;
            Some((name.to_string(), usable.to_string()))
        })
        .collect()
}

fn validate(dir: &Path, xml: &str) {
    if !Path::new("/usr/bin/virt-xml-validate").exists() {
        println!("domcaps: virt-xml-validate not installed (apt-get install libvirt-clients); validation skipped");
        return;
    }
    let file = dir.join("domcaps.xml");
    std::fs::write(&file, xml).expect("write domcaps");
    let v = Command::new("virt-xml-validate")
        .arg(&file)
        .arg("domaincaps")
        .output()
        .expect("virt-xml-validate runs");
    assert!(
        v.status.success(),
        "{}{xml}",
        String::from_utf8_lossy(&v.stderr)
    );
}

/// The option sets compared, and the refusals.
const ASKS: &[&[&str]] = &[
    &[],
    &["--virttype", "qemu"],
    &["--machine", "q35"],
    &["--machine", "pc"],
    &["--arch", "i686"],
    &[
        "--emulatorbin",
        "/usr/bin/qemu-system-i386",
        "--arch",
        "i686",
    ],
];
const REFUSED: &[&[&str]] = &[
    &["--emulatorbin", "/usr/bin/qemu-system-i386"],
    &["--arch", "sparc64x"],
    &["--arch", "sparc64"],
    &["--machine", "pc-q35-2.0"],
    &["--machine", "bogus"],
    &["--virttype", "xen"],
    &["--virttype", "foo"],
    &["--emulatorbin", "/nonexistent/qemu"],
];

#[test]
fn debian_virsh_and_python_read_domcaps_from_the_daemon() {
    if !peers("domcaps") {
        return;
    }
    let d = Daemon::start_qemu("domcaps", &[]);
    let root = d.qemu_root();
    // libvirt refuses it on a read-only connection (it may start QEMU).
    let ro = format!("qemu+unix:///session?socket={}", d.ro().display());
    let (_, err, ok) = virsh(&ro, &["domcapabilities"]);
    assert!(!ok, "read-only socket answered");
    assert!(
        err.contains(
            "operation forbidden: read only access prevents virConnectGetDomainCapabilities"
        ),
        "{err}"
    );
    let uri = format!("qemu+unix:///session?socket={}", d.rw().display());
    let kvm = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok();
    for ask in ASKS {
        let (out, err, ok) = virsh(&uri, &[&["domcapabilities"], *ask].concat());
        assert!(ok, "{ask:?}: {err}\n{}", d.log());
        validate(root, &out);
        let want_type = match ask {
            [_, "qemu"] => "qemu",
            _ if kvm => "kvm",
            _ => "qemu",
        };
        assert_eq!(field(&out, "domain"), want_type, "{ask:?}");
        let arch = if ask.contains(&"i686") {
            "i686"
        } else {
            "x86_64"
        };
        assert_eq!(field(&out, "arch"), arch, "{ask:?}");
        let machine = field(&out, "machine");
        match ask {
            [_, "q35"] => assert!(machine.starts_with("pc-q35-"), "{machine}"),
            _ => assert!(machine.starts_with("pc-i440fx-"), "{machine}"),
        }
        // IDE exists on the PC machine only.
        assert_eq!(out.contains("<value>ide</value>"), !machine.contains("q35"));
        assert!(!models(&out).is_empty(), "{out}");
        assert!(!models(&out)
            .iter()
            .any(|(m, _)| m == "max" || m.ends_with("-v1")));
    }
    for ask in REFUSED {
        let (_, err, ok) = virsh(&uri, &[&["domcapabilities"], *ask].concat());
        assert!(
            !ok && err.starts_with("error: failed to get emulator capabilities\n"),
            "{ask:?}: {err}"
        );
    }

    if Command::new("/usr/bin/python3")
        .args(["-c", "import libvirt"])
        .status()
        .is_ok_and(|s| s.success())
    {
        let script = format!(
            "import libvirt\nc = libvirt.open('{uri}')\n\
             print(c.getDomainCapabilities(None, 'x86_64', 'q35', None, 0))\n\
             try:\n    c.getDomainCapabilities(None, None, 'bogus')\n\
             except libvirt.libvirtError as e:\n    print(e.get_error_code(), e.get_error_domain())\n"
        );
        let out = Command::new("/usr/bin/python3")
            .args(["-c", &script])
            .output()
            .expect("python3 runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(field(&text, "machine").starts_with("pc-q35-"), "{text}");
        // VIR_ERR_INVALID_ARG (8) from VIR_FROM_QEMU (10).
        assert!(text.trim_end().ends_with("8 10"), "{text}");
    } else {
        println!("domcaps: python3-libvirt not installed (apt-get install python3-libvirt); Python part skipped");
    }
}

#[test]
fn domcaps_agree_with_libvirtd() {
    if !peers("domcaps_agree_with_libvirtd") {
        return;
    }
    if let Some(why) = virt_testkit::libvirtd::unavailable() {
        println!("domcaps_agree_with_libvirtd: {why}; skipped");
        return;
    }
    let theirs = virt_testkit::libvirtd::start().unwrap_or_else(|e| panic!("libvirtd: {e}"));
    let their_uri = format!("qemu+unix:///system?socket={}", theirs.socket().display());
    let d = Daemon::start_qemu("domcaps-agree", &[]);
    let our_uri = d.qemu_uri("session");
    for ask in ASKS {
        let args = [&["domcapabilities"], *ask].concat();
        let (want, err, ok) = virsh(&their_uri, &args);
        assert!(ok, "libvirtd {ask:?}: {err}");
        let (got, err, ok) = virsh(&our_uri, &args);
        assert!(ok, "{ask:?}: {err}");
        for name in ["path", "domain", "machine", "arch"] {
            assert_eq!(field(&got, name), field(&want, name), "<{name}> of {ask:?}");
        }
        let vcpu = |x: &str| x.lines().find(|l| l.contains("<vcpu ")).map(str::to_string);
        assert_eq!(vcpu(&got), vcpu(&want), "{ask:?}");
        // host-passthrough and maximum, with whether they may migrate (what
        // virt-install reads to pick host-passthrough), agree line by line.
        for mode in ["host-passthrough", "maximum"] {
            assert_eq!(
                cpu_mode(&got, mode),
                cpu_mode(&want, mode),
                "{ask:?}: mode {mode}"
            );
        }
        // Every model libvirt names is ours too, in the same order; ours
        // adds those libvirt's CPU map lacks. Usability agrees when our
        // probe ran under the asked accelerator.
        let ours = models(&got);
        let mut at = 0;
        for (name, usable) in models(&want) {
            let Some(i) = ours[at..].iter().position(|(n, _)| *n == name) else {
                panic!("{ask:?}: model {name} missing or out of order");
            };
            at += i;
            if ours[at].1 != "unknown" {
                assert_eq!(ours[at].1, usable, "{ask:?}: model {name}");
            }
        }
    }
    for ask in REFUSED {
        let args = [&["domcapabilities"], *ask].concat();
        let (_, want, _) = virsh(&their_uri, &args);
        let (_, got, _) = virsh(&our_uri, &args);
        assert_eq!(got, want, "{ask:?}");
    }
}
