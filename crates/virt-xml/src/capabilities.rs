//! Capabilities XML (`virConnectGetCapabilities`): what the host is (CPU,
//! power management, IOMMU, NUMA cells, security models) and what guests
//! it can run (OS types, architectures, emulators, machine types, domain
//! types, features), written in libvirt's layout.
//!
//! Drivers fill a [`Capabilities`] by hand (the test hypervisor's fixed
//! node) or from the machine it runs on (`virt_host::capabilities`, which
//! reads /proc and /sys and takes the guests the driver offers).

use std::fmt::Write as _;

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

/// The ids of the NUMA cells in a capabilities document
/// (`<host><topology><cells><cell id=>`), in order: empty when it has no
/// cells, `None` when it does not parse or an id is not a number.
pub fn numa_cell_ids(doc: &str) -> Option<Vec<u32>> {
    let doc = crate::reader::parse_element_in(doc, "(capabilities)").ok()?;
    let Some(cells) = doc
        .child("host")
        .and_then(|h| h.child("topology"))
        .and_then(|t| t.child("cells"))
    else {
        return Some(Vec::new());
    };
    cells
        .children_named("cell")
        .map(|c| c.attr("id")?.parse().ok())
        .collect()
}

impl Capabilities {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numa_cell_ids_are_read_in_order() {
        let caps = "<capabilities><host><topology><cells num='2'>\
                    <cell id='1'/><cell id='0'/></cells></topology></host></capabilities>";
        assert_eq!(numa_cell_ids(caps), Some(vec![1, 0]));
        assert_eq!(
            numa_cell_ids("<capabilities><host/></capabilities>"),
            Some(vec![])
        );
        assert_eq!(
            numa_cell_ids("<capabilities><host><topology><cells><cell id='x'/></cells></topology></host></capabilities>"),
            None
        );
        assert_eq!(numa_cell_ids("<capabilities>"), None);
    }
}
