//! The capabilities of the machine this runs on: the host part of
//! `virConnectGetCapabilities` (CPU vendor and flags, page sizes, NUMA
//! cells and CPU topology, power management, IOMMU, SMBIOS UUID), read
//! from /proc and /sys, with the guests a driver offers.

use std::fs;
use std::path::{Path, PathBuf};

use virt_core::CpuMap;
use virt_xml::capabilities::{
    host_arch, Capabilities, CpuTopology, Guest, Host, HostCpu, HostCpuId, NumaCell, SecModel,
};

/// The capabilities of the machine this runs on, with the guests a
/// driver offers (e.g. the QEMU driver: one [`Guest`] per emulator
/// binary, with the machine types it reported).
pub fn capabilities(guests: Vec<Guest>) -> Capabilities {
    capabilities_at(Path::new("/"), guests)
}

/// [`capabilities`] reading `proc/` and `sys/` under `root`
/// instead of `/` (tests give it a prepared tree). Whatever cannot be
/// read is left out rather than guessed.
pub fn capabilities_at(root: &Path, guests: Vec<Guest>) -> Capabilities {
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
                .and_then(|s| virt_xml::parse_uuid(&s)),
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

/// Reads the host's /proc and /sys under a root.
pub(crate) struct HostProbe<'a> {
    pub(crate) root: &'a Path,
}

impl HostProbe<'_> {
    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub(crate) fn read(&self, rel: &str) -> Option<String> {
        fs::read_to_string(self.path(rel)).ok()
    }

    fn read_num(&self, rel: &str) -> Option<u64> {
        self.read(rel)?.trim().parse().ok()
    }

    /// Names in a directory, sorted.
    pub(crate) fn list(&self, rel: &str) -> Option<Vec<String>> {
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
    pub(crate) fn cells(&self) -> Vec<NumaCell> {
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
pub(crate) fn cpuinfo_field<'a>(cpuinfo: &'a str, key: &str) -> Option<&'a str> {
    cpuinfo.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim())
    })
}

/// `KEY: N kB` from a meminfo file (the node files prefix "Node N ").
pub(crate) fn meminfo_kib(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let i = l.find(key)?;
        l.get(i + key.len()..)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    })
}

/// The CPU numbers of a kernel cpulist file ("0-3,8,10-11\n"), sorted;
/// empty when it does not parse. Bounded: a corrupt file must not make us
/// allocate without end.
pub(crate) fn parse_cpuset(s: &str) -> Vec<u32> {
    CpuMap::parse_below(s.trim(), 1 << 16)
        .map(|m| m.cpus().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_sysfs::{cpu_topology, write};
    use virt_xml::capabilities::Machine;

    #[test]
    fn cpusets() {
        assert_eq!(parse_cpuset("0-3,8,10-11\n"), vec![0, 1, 2, 3, 8, 10, 11]);
        assert!(parse_cpuset("x,2").is_empty());
        assert!(parse_cpuset("5-1").is_empty());
    }

    /// A fake /proc + /sys with two cells of two hyperthreaded CPUs.
    #[test]
    fn host_from_a_sysfs_tree() {
        let root = std::env::temp_dir().join(format!("virt-host-caps-{}", std::process::id()));
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
                cpu_topology(&root, c, n, 0, (n * 2, n * 2 + 1));
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
        let caps = capabilities_at(&root, vec![guest]);
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
        let doc = virt_xml::parse_element_in(&xml, "(capabilities)");
        assert!(doc.is_ok(), "{doc:?}");
    }

    #[test]
    fn this_host_does_not_panic() {
        let caps = capabilities(Vec::new());
        assert_eq!(caps.host.cpu.arch, host_arch());
        assert!(caps.to_xml().starts_with("<capabilities>\n\n  <host>\n"));
    }
}
