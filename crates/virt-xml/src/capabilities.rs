//! Capabilities XML (`virConnectGetCapabilities`): what the host is (CPU,
//! power management, IOMMU, NUMA cells, security models) and what guests
//! it can run (OS types, architectures, emulators, machine types, domain
//! types, features), written in libvirt's layout.
//!
//! Drivers fill a [`Capabilities`] by hand (the test hypervisor's fixed
//! node) or from the machine it runs on ([`Capabilities::for_host`], which
//! reads /proc and /sys and takes the guests the driver offers).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use uuid::Uuid;

use crate::element::escape_into;

/// The whole document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// `<host>`.
    pub host: Host,
    /// `<guest>`s, in order.
    pub guests: Vec<Guest>,
}

/// `<host>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Host {
    /// `<uuid>`: the host's SMBIOS UUID, when known.
    pub uuid: Option<Uuid>,
    /// `<cpu>`.
    pub cpu: HostCpu,
    /// `<power_management>` children: suspend_mem, suspend_disk,
    /// suspend_hybrid. Empty writes `<power_management/>`.
    pub power_management: Vec<String>,
    /// `<iommu support='yes|no'/>`; `None` leaves it out.
    pub iommu: Option<bool>,
    /// `<migration_features>` transports (`<live/>` written when any).
    pub migration_transports: Vec<String>,
    /// NUMA cells of `<topology>`; `None` leaves `<topology>` out.
    pub cells: Option<Vec<NumaCell>>,
    /// `<secmodel>`s, in order.
    pub secmodels: Vec<SecModel>,
}

/// The host CPU.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostCpu {
    /// `<arch>`: i686, x86_64, aarch64, ...
    pub arch: String,
    /// `<model>`, when the driver names the CPU model.
    pub model: Option<String>,
    /// `<vendor>`: Intel, AMD, ...
    pub vendor: Option<String>,
    /// `<topology sockets dies cores threads/>`, per socket.
    pub topology: Option<CpuTopology>,
    /// Old-style flags written as `<features><NAME/>...</features>` (pae,
    /// nonpae, vmx, svm).
    pub flag_features: Vec<String>,
    /// `<feature name='NAME'/>`, in order.
    pub features: Vec<String>,
    /// Page sizes in KiB, written as `<pages unit='KiB' size='N'/>`.
    pub page_sizes: Vec<u64>,
}

/// CPU topology: `<topology sockets dies cores threads/>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpuTopology {
    /// Sockets.
    pub sockets: u32,
    /// Dies per socket.
    pub dies: u32,
    /// Cores per die.
    pub cores: u32,
    /// Threads per core.
    pub threads: u32,
}

/// One NUMA cell.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NumaCell {
    /// Cell id.
    pub id: u32,
    /// Memory in KiB.
    pub memory: u64,
    /// `(page size KiB, pages)` in order.
    pub pages: Vec<(u64, u64)>,
    /// `<distances>`: `(sibling cell id, value)`.
    pub distances: Vec<(u32, u32)>,
    /// The cell's CPUs.
    pub cpus: Vec<HostCpuId>,
}

/// One logical CPU of a cell.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostCpuId {
    /// CPU number.
    pub id: u32,
    /// Physical package.
    pub socket_id: u32,
    /// Die within the package.
    pub die_id: u32,
    /// Core within the die.
    pub core_id: u32,
    /// The CPUs sharing the core, in cpuset syntax ("0,4").
    pub siblings: String,
}

/// `<secmodel>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecModel {
    /// `<model>`: selinux, apparmor, dac, none, testSecurity.
    pub model: String,
    /// `<doi>`: domain of interpretation (may be empty).
    pub doi: String,
    /// `<baselabel type='T'>LABEL</baselabel>`: `(virt type, label)`.
    pub base_labels: Vec<(String, String)>,
}

/// `<guest>`: one OS type on one architecture.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Guest {
    /// `<os_type>`: hvm, xen, exe, ...
    pub os_type: String,
    /// `<arch name=...>`.
    pub arch: String,
    /// `<wordsize>`: 32 or 64.
    pub wordsize: u32,
    /// `<emulator>`.
    pub emulator: Option<String>,
    /// `<loader>`, when the architecture boots from a firmware file.
    pub loader: Option<String>,
    /// `<machine>`s, in order.
    pub machines: Vec<Machine>,
    /// `<domain type=...>`s, in order.
    pub domains: Vec<GuestDomain>,
    /// `<features>` children, in order; none leaves `<features>` out.
    pub features: Vec<GuestFeature>,
}

/// `<machine>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Machine {
    /// The machine type's name (`pc`, `pc-i440fx-7.2`, `q35`, ...).
    pub name: String,
    /// `canonical=`: the versioned type an alias stands for.
    pub canonical: Option<String>,
    /// `maxCpus=`.
    pub max_cpus: Option<u32>,
    /// `deprecated='yes'`.
    pub deprecated: bool,
}

/// `<domain type=...>` inside a guest's `<arch>`, with the emulator and
/// machines that differ for that domain type (kvm may use another binary).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GuestDomain {
    /// qemu, kvm, xen, test, ...
    pub domain_type: String,
    /// An emulator for this domain type only.
    pub emulator: Option<String>,
    /// Machines for this domain type only.
    pub machines: Vec<Machine>,
}

/// One guest feature: `<NAME/>` or `<NAME default='on' toggle='yes'/>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GuestFeature {
    /// acpi, apic, pae, nonpae, cpuselection, deviceboot, disksnapshot, ...
    pub name: String,
    /// `default='on|off'`.
    pub default_on: Option<bool>,
    /// `toggle='yes|no'`.
    pub toggle: Option<bool>,
}

impl GuestFeature {
    /// A feature without default or toggle (`<pae/>`).
    pub fn flag(name: &str) -> Self {
        GuestFeature {
            name: name.to_string(),
            ..GuestFeature::default()
        }
    }

    /// A feature with its default and whether a domain can change it.
    pub fn toggled(name: &str, default_on: bool, toggle: bool) -> Self {
        GuestFeature {
            name: name.to_string(),
            default_on: Some(default_on),
            toggle: Some(toggle),
        }
    }
}

impl Machine {
    /// A machine type by name.
    pub fn named(name: &str) -> Self {
        Machine {
            name: name.to_string(),
            ..Machine::default()
        }
    }
}

impl Guest {
    /// A guest for `os_type` on `arch` run by `emulator`, offering
    /// `machines` (the first is the default) to `domain_types`. The word
    /// size follows from the architecture.
    pub fn new(
        os_type: &str,
        arch: &str,
        emulator: Option<&str>,
        machines: &[Machine],
        domain_types: &[&str],
    ) -> Self {
        Guest {
            os_type: os_type.to_string(),
            arch: arch.to_string(),
            wordsize: arch_wordsize(arch),
            emulator: emulator.map(str::to_string),
            loader: None,
            machines: machines.to_vec(),
            domains: domain_types
                .iter()
                .map(|t| GuestDomain {
                    domain_type: (*t).to_string(),
                    ..GuestDomain::default()
                })
                .collect(),
            features: Vec::new(),
        }
    }
}

/// The word size of an architecture, as libvirt's arch table gives it.
pub fn arch_wordsize(arch: &str) -> u32 {
    match arch {
        "i686" | "armv6l" | "armv7l" | "armv7b" | "ppc" | "ppcle" | "s390" | "mips" | "mipsel"
        | "sparc" | "riscv32" | "or32" | "m68k" | "microblaze" | "microblazeel" | "cris"
        | "lm32" | "sh4" | "sh4eb" | "unicore32" | "xtensa" | "xtensaeb" | "parisc" => 32,
        _ => 64,
    }
}

/// libvirt's name of the architecture Rust was built for.
pub fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86" => "i686",
        "arm" => "armv7l",
        "powerpc" => "ppc",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "powerpc64" => "ppc64",
        "riscv64" => "riscv64",
        "s390x" => "s390x",
        "loongarch64" => "loongarch64",
        "mips" => "mips",
        "mips64" => "mips64",
        other => other,
    }
}

impl Capabilities {
    /// The capabilities of the machine this runs on, with the guests a
    /// driver offers (e.g. the QEMU driver: one [`Guest`] per emulator
    /// binary, with the machine types it reported).
    pub fn for_host(guests: Vec<Guest>) -> Capabilities {
        Self::for_host_at(Path::new("/"), guests)
    }

    /// [`Capabilities::for_host`] reading `proc/` and `sys/` under `root`
    /// instead of `/` (tests give it a prepared tree). Whatever cannot be
    /// read is left out rather than guessed.
    pub fn for_host_at(root: &Path, guests: Vec<Guest>) -> Capabilities {
        let probe = HostProbe { root };
        let cpuinfo = probe.read("proc/cpuinfo").unwrap_or_default();
        let mut cpu = HostCpu {
            arch: host_arch().to_string(),
            ..HostCpu::default()
        };
        if let Some(v) = cpuinfo_field(&cpuinfo, "vendor_id") {
            cpu.vendor = Some(
                match v {
                    "GenuineIntel" => "Intel",
                    "AuthenticAMD" => "AMD",
                    "HygonGenuine" => "Hygon",
                    other => other,
                }
                .to_string(),
            );
        }
        let flags = cpuinfo_field(&cpuinfo, "flags")
            .or_else(|| cpuinfo_field(&cpuinfo, "Features"))
            .unwrap_or("");
        for f in ["vmx", "svm"] {
            if flags.split_whitespace().any(|x| x == f) {
                cpu.flag_features.push(f.to_string());
            }
        }
        cpu.page_sizes = probe.page_sizes();
        let cells = probe.cells();
        cpu.topology = topology_of(&cells);
        let power_management = probe.power_management();
        let iommu = probe
            .list("sys/kernel/iommu_groups")
            .map(|v| !v.is_empty())
            .or(Some(false));
        Capabilities {
            host: Host {
                uuid: probe
                    .read("sys/class/dmi/id/product_uuid")
                    .and_then(|s| crate::parse_uuid(&s)),
                cpu,
                power_management,
                iommu,
                migration_transports: Vec::new(),
                cells: (!cells.is_empty()).then_some(cells),
                secmodels: vec![SecModel {
                    model: "none".into(),
                    doi: "0".into(),
                    base_labels: Vec::new(),
                }],
            },
            guests,
        }
    }

    /// The document as libvirt writes it.
    pub fn to_xml(&self) -> String {
        let mut s = String::with_capacity(4096);
        s.push_str("<capabilities>\n\n  <host>\n");
        let h = &self.host;
        if let Some(u) = &h.uuid {
            let _ = writeln!(s, "    <uuid>{u}</uuid>");
        }
        h.cpu.write(&mut s);
        if h.power_management.is_empty() {
            s.push_str("    <power_management/>\n");
        } else {
            s.push_str("    <power_management>\n");
            for p in &h.power_management {
                let _ = writeln!(s, "      <{p}/>");
            }
            s.push_str("    </power_management>\n");
        }
        if let Some(i) = h.iommu {
            let _ = writeln!(s, "    <iommu support='{}'/>", if i { "yes" } else { "no" });
        }
        if !h.migration_transports.is_empty() {
            s.push_str("    <migration_features>\n      <live/>\n      <uri_transports>\n");
            for t in &h.migration_transports {
                s.push_str("        <uri_transport>");
                escape_into(&mut s, t);
                s.push_str("</uri_transport>\n");
            }
            s.push_str("      </uri_transports>\n    </migration_features>\n");
        }
        if let Some(cells) = &h.cells {
            s.push_str("    <topology>\n");
            let _ = writeln!(s, "      <cells num='{}'>", cells.len());
            for c in cells {
                c.write(&mut s);
            }
            s.push_str("      </cells>\n    </topology>\n");
        }
        for m in &h.secmodels {
            s.push_str("    <secmodel>\n      <model>");
            escape_into(&mut s, &m.model);
            s.push_str("</model>\n      <doi>");
            escape_into(&mut s, &m.doi);
            s.push_str("</doi>\n");
            for (t, l) in &m.base_labels {
                s.push_str("      <baselabel type='");
                escape_into(&mut s, t);
                s.push_str("'>");
                escape_into(&mut s, l);
                s.push_str("</baselabel>\n");
            }
            s.push_str("    </secmodel>\n");
        }
        s.push_str("  </host>\n\n");
        for g in &self.guests {
            g.write(&mut s);
        }
        s.push_str("</capabilities>\n");
        s
    }
}

impl HostCpu {
    fn write(&self, s: &mut String) {
        s.push_str("    <cpu>\n      <arch>");
        escape_into(s, &self.arch);
        s.push_str("</arch>\n");
        for (tag, v) in [("model", &self.model), ("vendor", &self.vendor)] {
            if let Some(v) = v {
                let _ = write!(s, "      <{tag}>");
                escape_into(s, v);
                let _ = writeln!(s, "</{tag}>");
            }
        }
        if let Some(t) = &self.topology {
            let _ = writeln!(
                s,
                "      <topology sockets='{}' dies='{}' cores='{}' threads='{}'/>",
                t.sockets, t.dies, t.cores, t.threads
            );
        }
        if !self.flag_features.is_empty() {
            s.push_str("      <features>\n");
            for f in &self.flag_features {
                let _ = writeln!(s, "        <{f}/>");
            }
            s.push_str("      </features>\n");
        }
        for f in &self.features {
            s.push_str("      <feature name='");
            escape_into(s, f);
            s.push_str("'/>\n");
        }
        for p in &self.page_sizes {
            let _ = writeln!(s, "      <pages unit='KiB' size='{p}'/>");
        }
        s.push_str("    </cpu>\n");
    }
}

impl NumaCell {
    fn write(&self, s: &mut String) {
        let _ = writeln!(s, "        <cell id='{}'>", self.id);
        let _ = writeln!(s, "          <memory unit='KiB'>{}</memory>", self.memory);
        for (size, count) in &self.pages {
            let _ = writeln!(
                s,
                "          <pages unit='KiB' size='{size}'>{count}</pages>"
            );
        }
        if !self.distances.is_empty() {
            s.push_str("          <distances>\n");
            for (id, v) in &self.distances {
                let _ = writeln!(s, "            <sibling id='{id}' value='{v}'/>");
            }
            s.push_str("          </distances>\n");
        }
        let _ = writeln!(s, "          <cpus num='{}'>", self.cpus.len());
        for c in &self.cpus {
            let _ = write!(
                s,
                "            <cpu id='{}' socket_id='{}' die_id='{}' core_id='{}' siblings='",
                c.id, c.socket_id, c.die_id, c.core_id
            );
            escape_into(s, &c.siblings);
            s.push_str("'/>\n");
        }
        s.push_str("          </cpus>\n        </cell>\n");
    }
}

fn write_machine(s: &mut String, m: &Machine, indent: &str) {
    let _ = write!(s, "{indent}<machine");
    if let Some(c) = &m.canonical {
        s.push_str(" canonical='");
        escape_into(s, c);
        s.push('\'');
    }
    if let Some(n) = m.max_cpus {
        let _ = write!(s, " maxCpus='{n}'");
    }
    if m.deprecated {
        s.push_str(" deprecated='yes'");
    }
    s.push('>');
    escape_into(s, &m.name);
    s.push_str("</machine>\n");
}

impl Guest {
    fn write(&self, s: &mut String) {
        s.push_str("  <guest>\n    <os_type>");
        escape_into(s, &self.os_type);
        s.push_str("</os_type>\n    <arch name='");
        escape_into(s, &self.arch);
        let _ = writeln!(s, "'>\n      <wordsize>{}</wordsize>", self.wordsize);
        if let Some(e) = &self.emulator {
            s.push_str("      <emulator>");
            escape_into(s, e);
            s.push_str("</emulator>\n");
        }
        if let Some(l) = &self.loader {
            s.push_str("      <loader>");
            escape_into(s, l);
            s.push_str("</loader>\n");
        }
        for m in &self.machines {
            write_machine(s, m, "      ");
        }
        for d in &self.domains {
            s.push_str("      <domain type='");
            escape_into(s, &d.domain_type);
            if d.emulator.is_none() && d.machines.is_empty() {
                s.push_str("'/>\n");
                continue;
            }
            s.push_str("'>\n");
            if let Some(e) = &d.emulator {
                s.push_str("        <emulator>");
                escape_into(s, e);
                s.push_str("</emulator>\n");
            }
            for m in &d.machines {
                write_machine(s, m, "        ");
            }
            s.push_str("      </domain>\n");
        }
        s.push_str("    </arch>\n");
        if !self.features.is_empty() {
            s.push_str("    <features>\n");
            for f in &self.features {
                let _ = write!(s, "      <{}", f.name);
                if let Some(d) = f.default_on {
                    s.push_str(if d { " default='on'" } else { " default='off'" });
                }
                if let Some(t) = f.toggle {
                    s.push_str(if t { " toggle='yes'" } else { " toggle='no'" });
                }
                s.push_str("/>\n");
            }
            s.push_str("    </features>\n");
        }
        s.push_str("  </guest>\n\n");
    }
}

/// Reads the host's /proc and /sys under a root.
struct HostProbe<'a> {
    root: &'a Path,
}

impl HostProbe<'_> {
    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn read(&self, rel: &str) -> Option<String> {
        fs::read_to_string(self.path(rel)).ok()
    }

    fn read_num(&self, rel: &str) -> Option<u64> {
        self.read(rel)?.trim().parse().ok()
    }

    /// Names in a directory, sorted.
    fn list(&self, rel: &str) -> Option<Vec<String>> {
        let mut v: Vec<String> = fs::read_dir(self.path(rel))
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        Some(v)
    }

    /// The base page size and the huge page sizes, in KiB.
    fn page_sizes(&self) -> Vec<u64> {
        let mut sizes = vec![base_page_kib()];
        sizes.extend(
            self.huge_pages("sys/kernel/mm/hugepages")
                .into_iter()
                .map(|(s, _)| s),
        );
        sizes
    }

    /// `(size KiB, count)` of each huge page pool under `rel`, by size.
    fn huge_pages(&self, rel: &str) -> Vec<(u64, u64)> {
        let mut v: Vec<(u64, u64)> = self
            .list(rel)
            .unwrap_or_default()
            .iter()
            .filter_map(|d| {
                let size = d
                    .strip_prefix("hugepages-")?
                    .strip_suffix("kB")?
                    .parse()
                    .ok()?;
                let count = self
                    .read_num(&format!("{rel}/{d}/nr_hugepages"))
                    .unwrap_or(0);
                Some((size, count))
            })
            .collect();
        v.sort_unstable();
        v
    }

    fn power_management(&self) -> Vec<String> {
        let state = self.read("sys/power/state").unwrap_or_default();
        let has = |w: &str| state.split_whitespace().any(|x| x == w);
        let mut out = Vec::new();
        if has("mem") {
            out.push("suspend_mem".to_string());
        }
        if has("disk") {
            out.push("suspend_disk".to_string());
            let disk = self.read("sys/power/disk").unwrap_or_default();
            if has("mem")
                && disk
                    .split_whitespace()
                    .any(|x| x.trim_matches(['[', ']']) == "suspend")
            {
                out.push("suspend_hybrid".to_string());
            }
        }
        out
    }

    /// NUMA cells from /sys/devices/system/node, or one cell holding every
    /// online CPU and /proc/meminfo's memory when the kernel has no NUMA.
    fn cells(&self) -> Vec<NumaCell> {
        let nodes: Vec<u32> = self
            .list("sys/devices/system/node")
            .unwrap_or_default()
            .iter()
            .filter_map(|n| n.strip_prefix("node")?.parse().ok())
            .collect();
        let mut nodes = nodes;
        nodes.sort_unstable();
        let mut cells = Vec::new();
        for id in &nodes {
            let dir = format!("sys/devices/system/node/node{id}");
            let memory = self
                .read(&format!("{dir}/meminfo"))
                .and_then(|m| meminfo_kib(&m, "MemTotal:"))
                .unwrap_or(0);
            let cpus = parse_cpuset(&self.read(&format!("{dir}/cpulist")).unwrap_or_default());
            let distances = self
                .read(&format!("{dir}/distance"))
                .unwrap_or_default()
                .split_whitespace()
                .zip(nodes.iter())
                .filter_map(|(v, n)| Some((*n, v.parse().ok()?)))
                .collect();
            cells.push(self.cell(*id, memory, &cpus, distances, &format!("{dir}/hugepages")));
        }
        if cells.is_empty() {
            let memory = self
                .read("proc/meminfo")
                .and_then(|m| meminfo_kib(&m, "MemTotal:"))
                .unwrap_or(0);
            let cpus = parse_cpuset(
                &self
                    .read("sys/devices/system/cpu/online")
                    .unwrap_or_default(),
            );
            if !cpus.is_empty() {
                cells.push(self.cell(0, memory, &cpus, Vec::new(), "sys/kernel/mm/hugepages"));
            }
        }
        cells
    }

    fn cell(
        &self,
        id: u32,
        memory: u64,
        cpus: &[u32],
        distances: Vec<(u32, u32)>,
        huge_dir: &str,
    ) -> NumaCell {
        let huge = self.huge_pages(huge_dir);
        let base = base_page_kib();
        let huge_kib: u64 = huge.iter().map(|(s, n)| s * n).sum();
        let mut pages = vec![(base, memory.saturating_sub(huge_kib) / base)];
        pages.extend(huge);
        NumaCell {
            id,
            memory,
            pages,
            distances,
            cpus: cpus
                .iter()
                .map(|&c| {
                    let t = format!("sys/devices/system/cpu/cpu{c}/topology");
                    let num = |f: &str| {
                        self.read_num(&format!("{t}/{f}"))
                            .and_then(|n| u32::try_from(n).ok())
                            .unwrap_or(0)
                    };
                    HostCpuId {
                        id: c,
                        socket_id: num("physical_package_id"),
                        die_id: num("die_id"),
                        core_id: num("core_id"),
                        siblings: self
                            .read(&format!("{t}/thread_siblings_list"))
                            .map(|s| s.trim().to_string())
                            .unwrap_or_else(|| c.to_string()),
                    }
                })
                .collect(),
        }
    }
}

/// The host's base page size in KiB (4 on x86; 16 or 64 on some arm64
/// and ppc64 kernels), from the first mapping of /proc/self/smaps.
fn base_page_kib() -> u64 {
    use std::io::BufRead;
    let Ok(f) = fs::File::open("/proc/self/smaps") else {
        return 4;
    };
    std::io::BufReader::new(f)
        .lines()
        .take(64)
        .map_while(Result::ok)
        .find_map(|l| meminfo_kib(&l, "KernelPageSize:"))
        .filter(|&k| k > 0)
        .unwrap_or(4)
}

/// Sockets, dies, cores per die and threads per core, from the cells' CPUs.
fn topology_of(cells: &[NumaCell]) -> Option<CpuTopology> {
    let cpus: Vec<&HostCpuId> = cells.iter().flat_map(|c| c.cpus.iter()).collect();
    let first = cpus.first()?;
    let mut sockets: Vec<u32> = cpus.iter().map(|c| c.socket_id).collect();
    sockets.sort_unstable();
    sockets.dedup();
    let mut dies: Vec<u32> = cpus
        .iter()
        .filter(|c| c.socket_id == first.socket_id)
        .map(|c| c.die_id)
        .collect();
    dies.sort_unstable();
    dies.dedup();
    let mut cores: Vec<u32> = cpus
        .iter()
        .filter(|c| c.socket_id == first.socket_id && c.die_id == first.die_id)
        .map(|c| c.core_id)
        .collect();
    cores.sort_unstable();
    cores.dedup();
    let threads = parse_cpuset(&first.siblings).len().max(1);
    Some(CpuTopology {
        sockets: sockets.len() as u32,
        dies: dies.len() as u32,
        cores: cores.len() as u32,
        threads: threads as u32,
    })
}

/// The value of the first `key : value` line of /proc/cpuinfo.
fn cpuinfo_field<'a>(cpuinfo: &'a str, key: &str) -> Option<&'a str> {
    cpuinfo.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim())
    })
}

/// `KEY: N kB` from a meminfo file (the node files prefix "Node N ").
fn meminfo_kib(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let i = l.find(key)?;
        l.get(i + key.len()..)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    })
}

/// CPU numbers of a cpuset list ("0-3,8,10-11"), sorted; junk is skipped.
fn parse_cpuset(s: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for part in s.trim().split(',') {
        let part = part.trim();
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
                    // Bound the range: a corrupt file must not allocate forever.
                    if b >= a && b - a < 65_536 {
                        out.extend(a..=b);
                    }
                }
            }
            None => out.extend(part.parse::<u32>().ok()),
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpusets() {
        assert_eq!(parse_cpuset("0-3,8,10-11\n"), vec![0, 1, 2, 3, 8, 10, 11]);
        assert_eq!(parse_cpuset("x,2"), vec![2]);
        assert!(parse_cpuset("5-1").is_empty());
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        if let Some(d) = p.parent() {
            let _ = fs::create_dir_all(d);
        }
        assert!(fs::write(&p, text).is_ok(), "{}", p.display());
    }

    /// A fake /proc + /sys with two cells of two hyperthreaded CPUs.
    #[test]
    fn host_from_a_sysfs_tree() {
        let root = std::env::temp_dir().join(format!("virt-xml-caps-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        write(
            &root,
            "proc/cpuinfo",
            "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vmx pae\n",
        );
        write(&root, "sys/power/state", "freeze mem disk\n");
        write(
            &root,
            "sys/power/disk",
            "[platform] shutdown reboot suspend\n",
        );
        write(
            &root,
            "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages",
            "0\n",
        );
        for n in 0..2u32 {
            let d = format!("sys/devices/system/node/node{n}");
            write(
                &root,
                &format!("{d}/meminfo"),
                &format!("Node {n} MemTotal:       1048576 kB\n"),
            );
            write(
                &root,
                &format!("{d}/cpulist"),
                &format!("{}-{}\n", n * 2, n * 2 + 1),
            );
            write(
                &root,
                &format!("{d}/distance"),
                if n == 0 { "10 20\n" } else { "20 10\n" },
            );
            write(
                &root,
                &format!("{d}/hugepages/hugepages-2048kB/nr_hugepages"),
                "2\n",
            );
            for c in [n * 2, n * 2 + 1] {
                let t = format!("sys/devices/system/cpu/cpu{c}/topology");
                write(
                    &root,
                    &format!("{t}/physical_package_id"),
                    &format!("{n}\n"),
                );
                write(&root, &format!("{t}/die_id"), "0\n");
                write(&root, &format!("{t}/core_id"), "0\n");
                write(
                    &root,
                    &format!("{t}/thread_siblings_list"),
                    &format!("{}-{}\n", n * 2, n * 2 + 1),
                );
            }
        }
        let guest = Guest::new(
            "hvm",
            "x86_64",
            Some("/usr/bin/qemu-system-x86_64"),
            &[
                Machine {
                    max_cpus: Some(255),
                    ..Machine::named("pc-i440fx-7.2")
                },
                Machine {
                    canonical: Some("pc-i440fx-7.2".into()),
                    max_cpus: Some(255),
                    ..Machine::named("pc")
                },
            ],
            &["qemu", "kvm"],
        );
        let caps = Capabilities::for_host_at(&root, vec![guest]);
        let _ = fs::remove_dir_all(&root);
        assert_eq!(caps.host.cpu.vendor.as_deref(), Some("Intel"));
        assert_eq!(caps.host.cpu.flag_features, vec!["vmx".to_string()]);
        assert_eq!(
            caps.host.power_management,
            vec!["suspend_mem", "suspend_disk", "suspend_hybrid"]
        );
        let cells = caps.host.cells.clone().unwrap_or_default();
        assert_eq!(cells.len(), 2);
        assert_eq!(cells[1].distances, vec![(0, 20), (1, 10)]);
        assert_eq!(cells[1].cpus[1].siblings, "2-3");
        assert_eq!(
            caps.host.cpu.topology,
            Some(CpuTopology {
                sockets: 2,
                dies: 1,
                cores: 1,
                threads: 2
            })
        );
        let xml = caps.to_xml();
        for want in [
            "      <vendor>Intel</vendor>\n      <topology sockets='2' dies='1' cores='1' threads='2'/>\n",
            "          <pages unit='KiB' size='2048'>2</pages>\n          <distances>\n            <sibling id='0' value='10'/>\n",
            "      <machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>\n      <domain type='qemu'/>\n      <domain type='kvm'/>\n",
        ] {
            assert!(xml.contains(want), "{want}\nnot in\n{xml}");
        }
        // What we write is what libvirt's schema accepts.
        let doc = crate::parse_element_in(&xml, "(capabilities)");
        assert!(doc.is_ok(), "{doc:?}");
    }

    #[test]
    fn this_host_does_not_panic() {
        let caps = Capabilities::for_host(Vec::new());
        assert_eq!(caps.host.cpu.arch, host_arch());
        assert!(caps.to_xml().starts_with("<capabilities>\n\n  <host>\n"));
    }
}
