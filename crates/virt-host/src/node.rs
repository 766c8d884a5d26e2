//! The node's own figures, as libvirt's Linux host code reads them:
//! `virNodeGetInfo` (model, memory, CPUs, frequency, topology),
//! free memory in total and per NUMA cell, and the map of online CPUs.

use std::path::Path;

use virt_core::{CpuMap, NodeInfo};
use virt_xml::capabilities::host_arch;

use crate::capabilities::{cpuinfo_field, meminfo_kib, parse_cpuset, HostProbe};

/// `virNodeGetInfo` for the machine this runs on.
pub fn node_info() -> NodeInfo {
    node_info_at(Path::new("/"))
}

/// [`node_info`] reading `proc/` and `sys/` under `root`.
///
/// As libvirt: the model is the architecture name, the memory
/// /proc/meminfo's MemTotal, the frequency the integer part of the first
/// "cpu MHz" line; the topology is counted per cell from sysfs, and when
/// cells × sockets × cores × threads does not give the online CPU count
/// (offline CPUs, odd topologies), libvirt's fallback of one cell, one
/// socket and one thread per core is reported instead.
pub fn node_info_at(root: &Path) -> NodeInfo {
    let probe = HostProbe { root };
    let cpuinfo = probe.read("proc/cpuinfo").unwrap_or_default();
    let mhz = cpuinfo_field(&cpuinfo, "cpu MHz")
        .and_then(|v| v.split('.').next()?.trim().parse().ok())
        .unwrap_or(0);
    let memory = probe
        .read("proc/meminfo")
        .and_then(|m| meminfo_kib(&m, "MemTotal:"))
        .unwrap_or(0);
    let cells = probe.cells();
    let cpus: u32 = cells.iter().map(|c| c.cpus.len() as u32).sum();
    let mut sockets = 1;
    let mut cores = 1;
    let mut threads = 1;
    for cell in &cells {
        let mut socket_ids: Vec<u32> = cell.cpus.iter().map(|c| c.socket_id).collect();
        socket_ids.sort_unstable();
        socket_ids.dedup();
        sockets = sockets.max(socket_ids.len() as u32);
        for s in &socket_ids {
            let mut core_ids: Vec<(u32, u32)> = cell
                .cpus
                .iter()
                .filter(|c| c.socket_id == *s)
                .map(|c| (c.die_id, c.core_id))
                .collect();
            core_ids.sort_unstable();
            core_ids.dedup();
            cores = cores.max(core_ids.len() as u32);
        }
        for c in &cell.cpus {
            threads = threads.max(parse_cpuset(&c.siblings).len().max(1) as u32);
        }
    }
    let mut info = NodeInfo {
        model: host_arch().to_string(),
        memory,
        cpus,
        mhz,
        nodes: (cells.len() as u32).max(1),
        sockets,
        cores,
        threads,
    };
    if info.max_cpus() != cpus {
        info.nodes = 1;
        info.sockets = 1;
        info.cores = cpus.max(1);
        info.threads = 1;
    }
    info
}

/// Free memory of each NUMA cell, `(cell id, bytes)`, by id: each cell's
/// MemFree, or /proc/meminfo's as the one cell 0 of a kernel without NUMA.
pub fn cells_free_memory() -> Vec<(u32, u64)> {
    cells_free_memory_at(Path::new("/"))
}

/// [`cells_free_memory`] reading `proc/` and `sys/` under `root`.
pub fn cells_free_memory_at(root: &Path) -> Vec<(u32, u64)> {
    let probe = HostProbe { root };
    let mut ids: Vec<u32> = probe
        .list("sys/devices/system/node")
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.strip_prefix("node")?.parse().ok())
        .collect();
    ids.sort_unstable();
    let cells: Vec<(u32, u64)> = ids
        .into_iter()
        .map(|id| {
            let kib = probe
                .read(&format!("sys/devices/system/node/node{id}/meminfo"))
                .and_then(|m| meminfo_kib(&m, "MemFree:"))
                .unwrap_or(0);
            (id, kib * 1024)
        })
        .collect();
    if !cells.is_empty() {
        return cells;
    }
    let kib = probe
        .read("proc/meminfo")
        .and_then(|m| meminfo_kib(&m, "MemFree:"))
        .unwrap_or(0);
    vec![(0, kib * 1024)]
}

/// `virNodeGetMemoryStats`'s figures, `(field, KiB)` in the file's order,
/// as libvirt's Linux host code reads them: for the whole node (`cell`
/// None) "total", "free", "buffers" and "cached" from /proc/meminfo; for
/// NUMA cell `cell` "total" and "free" from its sysfs meminfo (whose lines
/// start "Node N "). None when the file cannot be read.
pub fn memory_stats(cell: Option<u32>) -> Option<Vec<(&'static str, u64)>> {
    memory_stats_at(Path::new("/"), cell)
}

/// [`memory_stats`] reading `proc/` and `sys/` under `root`.
pub fn memory_stats_at(root: &Path, cell: Option<u32>) -> Option<Vec<(&'static str, u64)>> {
    const FIELDS: [(&str, &str); 4] = [
        ("MemTotal:", "total"),
        ("MemFree:", "free"),
        ("Buffers:", "buffers"),
        ("Cached:", "cached"),
    ];
    let probe = HostProbe { root };
    let (text, wanted) = match cell {
        None => (probe.read("proc/meminfo")?, 4),
        Some(n) => (
            probe.read(&format!("sys/devices/system/node/node{n}/meminfo"))?,
            2,
        ),
    };
    let mut out = Vec::new();
    for line in text.lines() {
        // A cell's lines carry "Node N " before the header.
        let line = match line.strip_prefix("Node ") {
            Some(rest) => rest.split_once(' ').map_or("", |(_, l)| l),
            None => line,
        };
        let mut words = line.split_whitespace();
        let (Some(header), Some(Ok(kib))) = (words.next(), words.next().map(str::parse::<u64>))
        else {
            continue;
        };
        if let Some((_, field)) = FIELDS.iter().find(|(h, _)| *h == header) {
            out.push((*field, kib));
            if out.len() >= wanted {
                break;
            }
        }
    }
    Some(out)
}

/// The highest NUMA cell id the kernel lists, None on a kernel without
/// NUMA (no /sys/devices/system/node).
pub fn max_numa_cell() -> Option<u32> {
    max_numa_cell_at(Path::new("/"))
}

/// [`max_numa_cell`] reading `sys/` under `root`.
pub fn max_numa_cell_at(root: &Path) -> Option<u32> {
    let probe = HostProbe { root };
    probe
        .list("sys/devices/system/node")?
        .iter()
        .filter_map(|n| n.strip_prefix("node")?.parse().ok())
        .max()
}

/// Free memory of the node in bytes: the sum over its cells, as libvirt's
/// `virNodeGetFreeMemory` adds them.
pub fn free_memory() -> u64 {
    cells_free_memory().iter().map(|(_, b)| b).sum()
}

/// The node's CPUs for `virNodeGetCPUMap`: how many are present (the
/// highest present CPU plus one) and which of them are online.
pub fn cpu_map() -> (u32, CpuMap) {
    cpu_map_at(Path::new("/"))
}

/// [`cpu_map`] reading `sys/` under `root`.
pub fn cpu_map_at(root: &Path) -> (u32, CpuMap) {
    let probe = HostProbe { root };
    let read = |f: &str| parse_cpuset(&probe.read(f).unwrap_or_default());
    let present = read("sys/devices/system/cpu/present");
    let online = read("sys/devices/system/cpu/online");
    let count = present
        .iter()
        .chain(online.iter())
        .max()
        .map_or_else(crate::cpu_count, |m| m + 1);
    let mut map = CpuMap::new(count);
    if online.is_empty() {
        map = CpuMap::all(count);
    }
    for c in online {
        map.set(c);
    }
    (count, map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_sysfs::{cpu_topology, write};
    use std::fs;

    /// Two cells of one socket each, two cores of two threads per socket,
    /// CPU 7 present but offline.
    fn tree(name: &str, offline_seven: bool) -> std::path::PathBuf {
        let root =
            std::env::temp_dir().join(format!("virt-host-node-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        write(
            &root,
            "proc/cpuinfo",
            "processor\t: 0\ncpu MHz\t\t: 2600.123\nprocessor\t: 1\ncpu MHz\t\t: 1200.000\n",
        );
        write(
            &root,
            "proc/meminfo",
            "MemTotal:        4194304 kB\nMemFree:         1000 kB\n",
        );
        write(&root, "sys/devices/system/cpu/present", "0-7\n");
        write(
            &root,
            "sys/devices/system/cpu/online",
            if offline_seven { "0-6\n" } else { "0-7\n" },
        );
        for n in 0..2u32 {
            let d = format!("sys/devices/system/node/node{n}");
            write(
                &root,
                &format!("{d}/meminfo"),
                &format!(
                    "Node {n} MemTotal:       2097152 kB\nNode {n} MemFree:        {} kB\n",
                    1000 + n
                ),
            );
            let last = if offline_seven && n == 1 {
                6
            } else {
                n * 4 + 3
            };
            write(
                &root,
                &format!("{d}/cpulist"),
                &format!("{}-{last}\n", n * 4),
            );
            for c in n * 4..=last {
                let first = c - c % 2;
                cpu_topology(&root, c, n, (c % 4) / 2, (first, first + 1));
            }
        }
        root
    }

    #[test]
    fn node_info_from_a_sysfs_tree() {
        let root = tree("info", false);
        let info = node_info_at(&root);
        let free = cells_free_memory_at(&root);
        let (count, map) = cpu_map_at(&root);
        let _ = fs::remove_dir_all(&root);
        assert_eq!(
            info,
            NodeInfo {
                model: host_arch().into(),
                memory: 4194304,
                cpus: 8,
                mhz: 2600,
                nodes: 2,
                sockets: 1,
                cores: 2,
                threads: 2,
            }
        );
        assert_eq!(free, vec![(0, 1000 * 1024), (1, 1001 * 1024)]);
        assert_eq!(count, 8);
        assert_eq!(map.cpus().count(), 8);
    }

    #[test]
    fn an_offline_cpu_gives_libvirts_flat_topology() {
        let root = tree("offline", true);
        let info = node_info_at(&root);
        let (count, map) = cpu_map_at(&root);
        let _ = fs::remove_dir_all(&root);
        assert_eq!(
            (
                info.cpus,
                info.nodes,
                info.sockets,
                info.cores,
                info.threads
            ),
            (7, 1, 1, 7, 1)
        );
        assert_eq!(count, 8);
        assert_eq!(map.cpus().collect::<Vec<_>>(), (0..7).collect::<Vec<_>>());
    }

    #[test]
    fn this_host_adds_up() {
        let info = node_info();
        assert!(info.cpus >= 1 && info.memory > 0, "{info:?}");
        assert_eq!(free_memory(), cells_free_memory().iter().map(|c| c.1).sum());
        let (count, map) = cpu_map();
        assert!(map.cpus().count() as u32 <= count);
    }
}
