//! The node's capabilities as the Xen hypervisor states them.
//!
//! Three inputs describe what a Xen host can run: the host machine
//! (`uname -m`), dom0's `/proc/cpuinfo`, and the hypervisor's capabilities
//! string (`XENVER_capabilities`, also in
//! `/sys/hypervisor/properties/capabilities`), a list of guest ABIs such as
//! `xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64`.
//!
//! - [`guest_archs`] reads that string: one [`GuestArch`] per
//!   (architecture, PV or HVM), its variants merged (`x86_32` and
//!   `x86_32p` make one i686 guest with both `nonpae` and `pae`).
//! - [`legacy_capabilities`] and [`legacy_xml`]: the document libvirt
//!   0.2.x's Xen driver wrote (double-quoted attributes, `qemu-dm` under
//!   `/usr/lib` or `/usr/lib64`, machines `pc` and `isapc`).
//! - [`node_guests`] and [`host_flags`]: the guests and host CPU flags of a
//!   live node in today's layout ([`Capabilities::to_xml`]), with the
//!   emulator and firmware the node really has ([`GuestFiles`]).
//!
//! An HVM guest is listed whenever the hypervisor lists it, whether or not
//! dom0's cpuinfo shows `vmx`/`svm`: Xen hides those flags from dom0's
//! CPUID and lists `hvm-*` ABIs only once it has enabled VMX or SVM itself
//! (libvirt 0.2.3 likewise lists ia64 HVM guests on a cpuinfo without
//! such flags). cpuinfo only tells which of the two the host CPU has.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use virt_xml::capabilities::{
    Capabilities, CpuTopology, Guest, GuestDomain, GuestFeature, Host, HostCpu, HostCpuId, Machine,
    NumaCell,
};

use crate::abi::{SysctlCputopo, SysctlPhysinfo, INVALID_CORE_ID};
use crate::error::HvError;
use crate::hypervisor::{node_info, XenVersion};

/// One guest ABI the hypervisor runs, its variants merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestArch {
    /// Fully virtualized (`hvm-*`) rather than paravirtualized (`xen-*`).
    pub hvm: bool,
    /// libvirt's architecture name: i686, x86_64, ia64, ppc64, aarch64,
    /// armv7l.
    pub arch: &'static str,
    /// 32 or 64.
    pub wordsize: u32,
    /// A PAE variant is listed (`x86_32p`).
    pub pae: bool,
    /// A non-PAE variant is listed (`x86_32`).
    pub nonpae: bool,
    /// A big-endian variant is listed (`ia64be`).
    pub ia64_be: bool,
}

/// The variant suffixes an architecture may carry, and what each means.
#[derive(Clone, Copy)]
enum Variant {
    Plain,
    Pae,
    NonPae,
    BigEndian,
}

/// Xen's architecture word (with its suffix) as libvirt's name, word size
/// and variant; `None` for words Xen does not use.
fn xen_arch(word: &str) -> Option<(&'static str, u32, Variant)> {
    Some(match word {
        "x86_32" => ("i686", 32, Variant::NonPae),
        "x86_32p" => ("i686", 32, Variant::Pae),
        "x86_64" => ("x86_64", 64, Variant::Plain),
        "ia64" => ("ia64", 64, Variant::Plain),
        "ia64be" => ("ia64", 64, Variant::BigEndian),
        "powerpc64" => ("ppc64", 64, Variant::Plain),
        "aarch64" => ("aarch64", 64, Variant::Plain),
        "armv7l" => ("armv7l", 32, Variant::Plain),
        _ => return None,
    })
}

/// One token: `xen|hvm`, `-MAJOR.MINOR-`, architecture word.
fn parse_token(token: &str) -> Option<(bool, &'static str, u32, Variant)> {
    let mut parts = token.splitn(3, '-');
    let hvm = match parts.next()? {
        "xen" => false,
        "hvm" => true,
        _ => return None,
    };
    let (major, minor) = parts.next()?.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(major) || !digits(minor) {
        return None;
    }
    let (arch, wordsize, variant) = xen_arch(parts.next()?)?;
    Some((hvm, arch, wordsize, variant))
}

/// The guests a capabilities string offers, in the order they first
/// appear. Only the first line counts (the sysfs file has one); tokens
/// that are not a Xen guest ABI are skipped.
pub fn guest_archs(xen_caps: &str) -> Vec<GuestArch> {
    let mut out: Vec<GuestArch> = Vec::new();
    let line = xen_caps.lines().next().unwrap_or("");
    for (hvm, arch, wordsize, variant) in line.split_whitespace().filter_map(parse_token) {
        let at = match out.iter().position(|g| g.arch == arch && g.hvm == hvm) {
            Some(i) => i,
            None => {
                out.push(GuestArch {
                    hvm,
                    arch,
                    wordsize,
                    pae: false,
                    nonpae: false,
                    ia64_be: false,
                });
                out.len() - 1
            }
        };
        let Some(g) = out.get_mut(at) else { continue };
        // Variants add up: a listed PAE variant is never taken back by a
        // later non-PAE one.
        match variant {
            Variant::Plain => {}
            Variant::Pae => g.pae = true,
            Variant::NonPae => g.nonpae = true,
            Variant::BigEndian => g.ia64_be = true,
        }
    }
    out
}

/// Which hardware virtualization cpuinfo's `flags` lines show: `vmx`
/// (Intel) or `svm` (AMD). ia64 and ppc64 list theirs in other fields
/// (`features`, `cpu`) with no such flag, so they have none.
pub fn cpu_virt_flag(cpuinfo: &str) -> Option<&'static str> {
    cpuinfo
        .lines()
        .filter_map(|l| {
            let (key, value) = l.split_once(':')?;
            (key.trim() == "flags").then_some(value)
        })
        .find_map(|flags| {
            flags.split_whitespace().find_map(|f| match f {
                "vmx" => Some("vmx"),
                "svm" => Some("svm"),
                _ => None,
            })
        })
}

/// The guest's features in libvirt's order: pae, nonpae, ia64_be.
fn variant_features(g: &GuestArch) -> Vec<GuestFeature> {
    [(g.pae, "pae"), (g.nonpae, "nonpae"), (g.ia64_be, "ia64_be")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| GuestFeature::flag(name))
        .collect()
}

/// A host machine name as `uname -m` prints it: letters, digits, `_`,
/// `-` and `.`, at most 64 bytes.
fn check_machine(machine: &str) -> Result<(), HvError> {
    let ok = !machine.is_empty()
        && machine.len() <= 64
        && machine
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(HvError::InvalidArg(format!(
            "invalid host machine '{}'",
            machine.escape_debug()
        )))
    }
}

/// The capabilities libvirt 0.2.x's Xen driver described for a host
/// `machine` with this `cpuinfo` and capabilities string: the host CPU's
/// architecture and virtualization flag; for each guest ABI, a `xen`
/// domain, and for HVM the `qemu-dm` of its word size, the `hvmloader`
/// firmware and machines `pc` and `isapc`. Format it with [`legacy_xml`].
///
/// An invalid `machine` is an `InvalidArg` error; what cannot be read in
/// the other two inputs is left out.
pub fn legacy_capabilities(
    machine: &str,
    cpuinfo: &str,
    xen_caps: &str,
) -> Result<Capabilities, HvError> {
    check_machine(machine)?;
    let cpu = HostCpu {
        arch: machine.to_string(),
        flag_features: cpu_virt_flag(cpuinfo)
            .map(str::to_string)
            .into_iter()
            .collect(),
        ..HostCpu::default()
    };
    let guests = guest_archs(xen_caps)
        .iter()
        .map(|g| {
            let mut guest = Guest::new(
                if g.hvm { "hvm" } else { "xen" },
                g.arch,
                None,
                &[],
                &["xen"],
            );
            guest.wordsize = g.wordsize;
            if g.hvm {
                let lib = if g.wordsize == 64 { "lib64" } else { "lib" };
                guest.emulator = Some(format!("/usr/{lib}/xen/bin/qemu-dm"));
                guest.loader = Some("/usr/lib/xen/boot/hvmloader".to_string());
                guest.machines = vec![Machine::named("pc"), Machine::named("isapc")];
            }
            guest.features = variant_features(g);
            guest
        })
        .collect();
    Ok(Capabilities {
        host: Host {
            cpu,
            ..Host::default()
        },
        guests,
    })
}

/// Text with `&`, `<`, `>` and `"` escaped, for element text and
/// double-quoted attributes.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// The capabilities document in libvirt 0.2.x's layout: the host's
/// architecture and CPU flags, then each guest after a blank line, its
/// domain types first, then emulator, machines and loader, and its
/// features (written even when empty). Only what that layout had is
/// written: the host's UUID, topology, power management and security
/// models, and feature defaults, are left out.
pub fn legacy_xml(caps: &Capabilities) -> String {
    let mut s = String::with_capacity(1024);
    s.push_str("<capabilities>\n  <host>\n    <cpu>\n      <arch>");
    escape_into(&mut s, &caps.host.cpu.arch);
    s.push_str("</arch>\n      <features>\n");
    for f in &caps.host.cpu.flag_features {
        s.push_str("        <");
        escape_into(&mut s, f);
        s.push_str("/>\n");
    }
    s.push_str("      </features>\n    </cpu>\n  </host>\n");
    for g in &caps.guests {
        s.push_str("\n  <guest>\n    <os_type>");
        escape_into(&mut s, &g.os_type);
        s.push_str("</os_type>\n    <arch name=\"");
        escape_into(&mut s, &g.arch);
        let _ = writeln!(s, "\">\n      <wordsize>{}</wordsize>", g.wordsize);
        for d in &g.domains {
            s.push_str("      <domain type=\"");
            escape_into(&mut s, &d.domain_type);
            s.push_str("\"></domain>\n");
        }
        if let Some(e) = &g.emulator {
            s.push_str("      <emulator>");
            escape_into(&mut s, e);
            s.push_str("</emulator>\n");
        }
        for m in &g.machines {
            s.push_str("      <machine>");
            escape_into(&mut s, &m.name);
            s.push_str("</machine>\n");
        }
        if let Some(l) = &g.loader {
            s.push_str("      <loader>");
            escape_into(&mut s, l);
            s.push_str("</loader>\n");
        }
        s.push_str("    </arch>\n    <features>\n");
        for f in &g.features {
            s.push_str("      <");
            escape_into(&mut s, &f.name);
            s.push_str("/>\n");
        }
        s.push_str("    </features>\n  </guest>\n");
    }
    s.push_str("</capabilities>\n");
    s
}

/// `XEN_SYSCTL_PHYSCAP_hap`: the hypervisor can use hardware-assisted
/// paging (EPT/NPT) for HVM guests.
pub const PHYSCAP_HAP: u32 = 1 << 3;
/// `XEN_SYSCTL_PHYSCAP_shadow`: shadow paging is built in, the fallback
/// when a guest turns HAP off.
pub const PHYSCAP_SHADOW: u32 = 1 << 4;

/// The files a node uses to run guests: the device model and the HVM
/// firmware. What the node lacks is `None` and left out of the XML.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuestFiles {
    /// The device model (QEMU for Xen).
    pub emulator: Option<PathBuf>,
    /// The HVM firmware loader.
    pub loader: Option<PathBuf>,
}

impl GuestFiles {
    /// Find them on this node (see [`GuestFiles::probe_at`]).
    pub fn probe(version: &XenVersion) -> GuestFiles {
        Self::probe_at(Path::new("/"), version)
    }

    /// Find them under `root`: upstream Xen's `/usr/lib/xen` and
    /// `/usr/libexec/xen`, Debian's `/usr/lib/xen-MAJOR.MINOR`, and
    /// Debian's `qemu-system-xen` in `/usr/bin`, in that order.
    pub fn probe_at(root: &Path, version: &XenVersion) -> GuestFiles {
        let debian = format!("usr/lib/xen-{}.{}", version.major, version.minor);
        let first = |candidates: &[String]| {
            candidates
                .iter()
                .map(|c| root.join(c))
                .find(|p| p.is_file())
                .map(|p| Path::new("/").join(p.strip_prefix(root).unwrap_or(&p)))
        };
        let dirs = ["usr/lib/xen".to_string(), "usr/libexec/xen".into(), debian];
        let mut emulators: Vec<String> = dirs
            .iter()
            .map(|d| format!("{d}/bin/qemu-system-i386"))
            .collect();
        emulators.push("usr/bin/qemu-system-i386".into());
        let loaders: Vec<String> = dirs.iter().map(|d| format!("{d}/boot/hvmloader")).collect();
        GuestFiles {
            emulator: first(&emulators),
            loader: first(&loaders),
        }
    }
}

/// The guests of a live node in today's layout: one per guest ABI in the
/// capabilities string, of domain type `xen`, os type `xen` (PV, machine
/// `xenpv`) or `hvm` (machine `xenfv`, the firmware loader, and the ACPI,
/// APIC and HAP features). `physcap` is physinfo's `XEN_SYSCTL_PHYSCAP_*`
/// word: HAP is on by default when the hypervisor has it, and a guest can
/// turn it off only when shadow paging is there to fall back on.
pub fn node_guests(xen_caps: &str, files: &GuestFiles, physcap: u32) -> Vec<Guest> {
    let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    guest_archs(xen_caps)
        .iter()
        .map(|g| {
            let emulator = path(&files.emulator);
            let mut guest = Guest::new(
                if g.hvm { "hvm" } else { "xen" },
                g.arch,
                emulator.as_deref(),
                &[Machine::named(if g.hvm { "xenfv" } else { "xenpv" })],
                &[],
            );
            guest.wordsize = g.wordsize;
            guest.domains = vec![GuestDomain {
                domain_type: "xen".into(),
                ..GuestDomain::default()
            }];
            guest.features = variant_features(g);
            if g.hvm {
                guest.loader = path(&files.loader);
                let hap = physcap & PHYSCAP_HAP != 0;
                let shadow = physcap & PHYSCAP_SHADOW != 0;
                guest.features.extend([
                    GuestFeature::toggled("acpi", true, true),
                    GuestFeature::toggled("apic", true, false),
                    GuestFeature::toggled("hap", hap, hap && shadow),
                ]);
            }
            guest
        })
        .collect()
}

/// The host CPU flags of physinfo's `hw_cap` (the hypervisor's view of
/// CPUID, which dom0's own CPUID hides part of), for an x86 host: `pae`
/// (leaf 1 EDX bit 6), `vmx` (leaf 1 ECX bit 5) and `svm` (leaf
/// 0x80000001 ECX bit 2).
pub fn host_flags(hw_cap: &[u32; 8]) -> Vec<&'static str> {
    let bit = |word: usize, n: u32| hw_cap.get(word).is_some_and(|w| w & (1 << n) != 0);
    [(0, 6, "pae"), (1, 5, "vmx"), (3, 2, "svm")]
        .into_iter()
        .filter(|&(word, n, _)| bit(word, n))
        .map(|(_, _, name)| name)
        .collect()
}

/// Add `flags` the host CPU does not list yet, keeping the order the
/// capabilities schema requires (pae, nonpae, vmx, svm).
pub fn add_host_flags(cpu: &mut HostCpu, flags: &[&str]) {
    for f in flags {
        if !cpu.flag_features.iter().any(|x| x == f) {
            cpu.flag_features.push((*f).to_string());
        }
    }
    let rank = |f: &String| {
        ["pae", "nonpae", "vmx", "svm"]
            .iter()
            .position(|x| x == f)
            .unwrap_or(usize::MAX)
    };
    cpu.flag_features.sort_by_key(rank);
}

/// Put the machine's CPU topology and NUMA cell into `host`, from the
/// hypervisor: what dom0 sees through /proc and /sys is its own vCPUs, not
/// the machine. One cell when Xen reports one node, with every online CPU
/// and the whole memory; with several nodes the cells are left out
/// (their memory sizes need XEN_SYSCTL_numainfo, which is not mirrored).
pub fn set_host_topology(
    host: &mut Host,
    p: &SysctlPhysinfo,
    topo: &[SysctlCputopo],
    page_kib: u64,
) {
    let ni = node_info(p, page_kib.saturating_mul(1024), "");
    host.cpu.topology = Some(CpuTopology {
        sockets: ni.sockets,
        dies: 1,
        cores: ni.cores,
        threads: ni.threads,
    });
    if ni.nodes != 1 {
        host.cells = None;
        return;
    }
    let online: Vec<(u32, &SysctlCputopo)> = (0..p.nr_cpus.max(p.max_cpu_id + 1))
        .zip(topo)
        .filter(|(_, t)| t.core != INVALID_CORE_ID)
        .collect();
    let cpus = online
        .iter()
        .map(|(id, t)| {
            let siblings: Vec<String> = online
                .iter()
                .filter(|(_, o)| o.socket == t.socket && o.core == t.core)
                .map(|(sib, _)| sib.to_string())
                .collect();
            HostCpuId {
                id: *id,
                socket_id: t.socket,
                die_id: 0,
                core_id: t.core,
                siblings: siblings.join(","),
            }
        })
        .collect();
    host.cells = Some(vec![NumaCell {
        id: 0,
        memory: p.total_pages.saturating_mul(page_kib),
        pages: vec![(page_kib, p.total_pages)],
        distances: Vec::new(),
        cpus,
    }]);
}

#[cfg(test)]
mod tests {
    use super::*;

    const X86_64_CAPS: &str = "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64";

    #[test]
    fn host_topology_is_the_machines_not_dom0s() {
        let p = SysctlPhysinfo {
            threads_per_core: 2,
            cores_per_socket: 2,
            nr_cpus: 4,
            max_cpu_id: 3,
            nr_nodes: 1,
            total_pages: 262_144,
            ..Default::default()
        };
        let at = |core, socket| SysctlCputopo {
            core,
            socket,
            node: 0,
        };
        // CPUs 0/1 and 2/3 are thread pairs; CPU 3 is offline.
        let topo = [at(0, 0), at(0, 0), at(1, 0), at(INVALID_CORE_ID, 0)];
        let mut host = virt_host::capabilities(Vec::new()).host;
        set_host_topology(&mut host, &p, &topo, 4);
        assert_eq!(
            host.cpu.topology,
            Some(CpuTopology {
                sockets: 1,
                dies: 1,
                cores: 2,
                threads: 2
            })
        );
        let cells = host.cells.clone().unwrap();
        assert_eq!(cells.len(), 1);
        assert_eq!(cells[0].memory, 1_048_576);
        let cpus: Vec<(u32, u32, &str)> = cells[0]
            .cpus
            .iter()
            .map(|c| (c.id, c.core_id, c.siblings.as_str()))
            .collect();
        assert_eq!(cpus, [(0, 0, "0,1"), (1, 0, "0,1"), (2, 1, "2")]);
        let xml = Capabilities {
            host,
            guests: Vec::new(),
        }
        .to_xml();
        assert!(xml.contains("<cells num='1'>"), "{xml}");
        // Several nodes: no cells rather than made-up memory sizes.
        let p2 = SysctlPhysinfo {
            nr_nodes: 2,
            nr_cpus: 8,
            ..p
        };
        let mut host = virt_host::capabilities(Vec::new()).host;
        set_host_topology(&mut host, &p2, &topo, 4);
        assert!(host.cells.is_none());
    }

    #[test]
    fn variants_merge_into_one_guest_per_arch_and_kind() {
        let g = guest_archs(X86_64_CAPS);
        assert_eq!(g.len(), 3);
        assert_eq!((g[0].hvm, g[0].arch, g[0].wordsize), (false, "x86_64", 64));
        assert_eq!((g[1].hvm, g[1].arch, g[1].wordsize), (true, "i686", 32));
        assert!(g[1].pae && g[1].nonpae && !g[1].ia64_be);
        assert!(!g[2].pae && !g[2].nonpae);
        let be = guest_archs("xen-3.0-ia64be hvm-3.0-ia64 hvm-3.0-ia64be");
        assert_eq!(be.len(), 2);
        assert!(be[0].ia64_be && be[1].ia64_be);
        let arm = guest_archs("xen-3.0-aarch64 xen-3.0-armv7l ");
        assert_eq!(
            arm.iter().map(|g| (g.arch, g.wordsize)).collect::<Vec<_>>(),
            vec![("aarch64", 64), ("armv7l", 32)]
        );
    }

    #[test]
    fn junk_tokens_are_skipped() {
        for junk in [
            "",
            "\n",
            "xen-3-x86_64",
            "xen-a.0-x86_64",
            "xen-3.0-x86_64q",
            "kvm-3.0-x86_64",
            "xen-3.0-",
            "xen--x86_64",
            "xen-.0-x86_64",
            "x",
        ] {
            assert!(guest_archs(junk).is_empty(), "{junk:?}");
        }
        // Only the first line counts, and tokens around junk still do.
        let g = guest_archs("bogus xen-3.0-x86_32p\nxen-3.0-x86_64");
        assert_eq!(g.len(), 1);
        assert!(g[0].pae && !g[0].nonpae);
    }

    #[test]
    fn cpuinfo_flags() {
        assert_eq!(cpu_virt_flag("flags\t\t: fpu pae vmx est\n"), Some("vmx"));
        assert_eq!(cpu_virt_flag("flags : a svm\nflags : svm\n"), Some("svm"));
        assert_eq!(cpu_virt_flag("flags : fpu vmxx\n"), None);
        assert_eq!(cpu_virt_flag("features : vmx\n"), None);
        assert_eq!(cpu_virt_flag(""), None);
    }

    #[test]
    fn legacy_document_for_an_x86_64_host() {
        let caps = legacy_capabilities("x86_64", "flags : fpu svm\n", X86_64_CAPS).unwrap();
        let xml = legacy_xml(&caps);
        assert!(xml.starts_with(
            "<capabilities>\n  <host>\n    <cpu>\n      <arch>x86_64</arch>\n      <features>\n        <svm/>\n"
        ));
        assert!(xml.contains(
            "      <domain type=\"xen\"></domain>\n      <emulator>/usr/lib/xen/bin/qemu-dm</emulator>\n      <machine>pc</machine>\n      <machine>isapc</machine>\n      <loader>/usr/lib/xen/boot/hvmloader</loader>\n    </arch>\n    <features>\n      <pae/>\n      <nonpae/>\n"
        ), "{xml}");
        assert!(xml.contains("<emulator>/usr/lib64/xen/bin/qemu-dm</emulator>"));
        assert_eq!(xml.matches("<guest>").count(), 3);
    }

    #[test]
    fn bad_machines_are_refused() {
        for m in ["", "x86 64", "<i686>", "a\nb", &"x".repeat(65)] {
            let e: virt_core::Error = legacy_capabilities(m, "", "").unwrap_err().into();
            assert_eq!(e.code, virt_core::ErrorCode::InvalidArg, "{m:?}");
        }
        // No guest ABI at all: a host with no guests, not an error.
        let caps = legacy_capabilities("ppc64", "", "").unwrap();
        assert!(caps.guests.is_empty());
    }

    #[test]
    fn node_guests_in_todays_layout() {
        let files = GuestFiles {
            emulator: Some("/usr/bin/qemu-system-i386".into()),
            loader: Some("/usr/lib/xen-4.17/boot/hvmloader".into()),
        };
        let guests = node_guests(X86_64_CAPS, &files, PHYSCAP_HAP | PHYSCAP_SHADOW);
        // The host part of the machine this runs on, as the driver has it.
        let mut caps = virt_host::capabilities(guests);
        caps.host.cpu.flag_features.clear();
        add_host_flags(
            &mut caps.host.cpu,
            &host_flags(&[0x40, 0x20, 0, 0, 0, 0, 0, 0]),
        );
        add_host_flags(&mut caps.host.cpu, &["vmx"]);
        assert_eq!(caps.host.cpu.flag_features, vec!["pae", "vmx"]);
        let xml = caps.to_xml();
        let want = "  <guest>
    <os_type>xen</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <emulator>/usr/bin/qemu-system-i386</emulator>
      <machine>xenpv</machine>
      <domain type='xen'/>
    </arch>
  </guest>

  <guest>
    <os_type>hvm</os_type>
    <arch name='i686'>
      <wordsize>32</wordsize>
      <emulator>/usr/bin/qemu-system-i386</emulator>
      <loader>/usr/lib/xen-4.17/boot/hvmloader</loader>
      <machine>xenfv</machine>
      <domain type='xen'/>
    </arch>
    <features>
      <pae/>
      <nonpae/>
      <acpi default='on' toggle='yes'/>
      <apic default='on' toggle='no'/>
      <hap default='on' toggle='yes'/>
    </features>
  </guest>
";
        assert!(xml.contains(want), "{xml}");
        assert!(virt_xml::parse_element_in(&xml, "(capabilities)").is_ok());
        validate_with_libvirt(&xml);
        // Without HAP in the hypervisor it is off and cannot be turned on.
        let g = node_guests("hvm-3.0-x86_64", &GuestFiles::default(), PHYSCAP_SHADOW);
        assert_eq!(g[0].features[2], GuestFeature::toggled("hap", false, false));
        assert_eq!(
            (g[0].emulator.as_deref(), g[0].loader.as_deref()),
            (None, None)
        );
    }

    /// libvirt's own schema check, where libvirt-clients is installed.
    fn validate_with_libvirt(xml: &str) {
        let tool = Path::new("/usr/bin/virt-xml-validate");
        if !tool.is_file() {
            println!("virt-xml-validate not installed: schema check skipped");
            return;
        }
        let file =
            std::env::temp_dir().join(format!("virt-xen-hv-caps-{}.xml", std::process::id()));
        std::fs::write(&file, xml).unwrap();
        let out = std::process::Command::new(tool)
            .arg(&file)
            .arg("capability")
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&file);
        assert!(
            out.status.success(),
            "{}{}\n{xml}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn guest_files_are_found_where_the_node_has_them() {
        let root = std::env::temp_dir().join(format!("virt-xen-hv-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let v = XenVersion::from_raw(4 << 16 | 17, b".1\0");
        assert_eq!(GuestFiles::probe_at(&root, &v), GuestFiles::default());
        for f in [
            "usr/lib/xen-4.17/boot/hvmloader",
            "usr/bin/qemu-system-i386",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, b"").unwrap();
        }
        let files = GuestFiles::probe_at(&root, &v);
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(
            files,
            GuestFiles {
                emulator: Some("/usr/bin/qemu-system-i386".into()),
                loader: Some("/usr/lib/xen-4.17/boot/hvmloader".into()),
            }
        );
    }

    #[test]
    fn host_flags_from_hw_cap() {
        assert!(host_flags(&[0; 8]).is_empty());
        assert_eq!(
            host_flags(&[1 << 6, 0, 0, 1 << 2, 0, 0, 0, 0]),
            vec!["pae", "svm"]
        );
    }

    mod fuzz {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn random_inputs_never_panic(m in ".{0,12}", cpuinfo in ".{0,200}", caps in ".{0,200}") {
                if let Ok(c) = legacy_capabilities(&m, &cpuinfo, &caps) {
                    let xml = legacy_xml(&c);
                    prop_assert!(virt_xml::parse_element_in(&xml, "(capabilities)").is_ok(), "{}", xml);
                }
                let guests = node_guests(&caps, &GuestFiles::default(), u32::MAX);
                prop_assert!(guests.len() <= 12);
            }

            #[test]
            fn token_soup_parses(tokens in proptest::collection::vec(
                "(xen|hvm|kvm)-[0-9]{1,2}\\.[0-9]-(x86_32p?|x86_64|ia64(be)?|powerpc64|aarch64|armv7l|sparc)",
                0..20,
            )) {
                let line = tokens.join(" ");
                let archs = guest_archs(&line);
                let kept = tokens.iter().filter(|t| !t.starts_with("kvm") && !t.ends_with("sparc")).count();
                prop_assert_eq!(archs.is_empty(), kept == 0);
                for g in &archs {
                    prop_assert_eq!(g.wordsize, virt_xml::capabilities::arch_wordsize(g.arch));
                }
            }
        }
    }
}
