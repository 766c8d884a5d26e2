//! virt-host: facts about the machine virt-rs runs on, read in one place
//! for every driver.
//!
//! - [`host_name`]: the node's host name (`virConnectGetHostname`).
//! - [`cpu_count`]: how many CPUs the node has.
//! - [`capabilities`] / [`capabilities_at`]: the host part of the
//!   capabilities XML (CPU, pages, NUMA cells, topology, power
//!   management), read from /proc and /sys, with the guests a driver offers.
//! - [`node_info`], [`free_memory`], [`cells_free_memory`], [`cpu_map`],
//!   [`memory_stats`]: the node's figures as libvirt's Linux host code
//!   reads them.
//! - [`files`]: drivers' state files: atomic writes, quiet removal, locks.
//! - [`dirs`]: where the drivers of `qemu:///` keep each kind of object
//!   (definitions, autostart marks, runtime files), and its lock.

#![warn(missing_docs)]

mod capabilities;
pub mod dirs;
pub mod files;
mod node;

pub use capabilities::{capabilities, capabilities_at};
pub use node::{
    cells_free_memory, cells_free_memory_at, cpu_map, cpu_map_at, free_memory, max_numa_cell,
    max_numa_cell_at, memory_stats, memory_stats_at, node_info, node_info_at,
};

/// The node's host name, as the kernel knows it (`uname -n`, what
/// libvirt's `virGetHostname` starts from).
pub fn host_name() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

/// How many CPUs the node has: the configured ones, or the ones this
/// process may use when that is more.
pub fn cpu_count() -> u32 {
    let usable = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    usable.max(configured_cpus())
}

/// The `cpuN` entries of /sys/devices/system/cpu: glibc's count for
/// `sysconf(_SC_NPROCESSORS_CONF)`, read without the call.
fn configured_cpus() -> u32 {
    std::fs::read_dir("/sys/devices/system/cpu").map_or(0, |dir| {
        dir.filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|n| n.strip_prefix("cpu"))
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
            .count() as u32
    })
}

/// A fake /proc and /sys for the tests of what reads them.
#[cfg(test)]
pub(crate) mod fake_sysfs {
    use std::fs;
    use std::path::Path;

    /// Write `text` to `rel` under `root`, making its directories.
    pub(crate) fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        if let Some(d) = p.parent() {
            let _ = fs::create_dir_all(d);
        }
        assert!(fs::write(&p, text).is_ok(), "{}", p.display());
    }

    /// CPU `cpu`'s topology: on socket `package`, core `core`, with the
    /// hyperthreads `siblings` (a first-last range).
    pub(crate) fn cpu_topology(
        root: &Path,
        cpu: u32,
        package: u32,
        core: u32,
        siblings: (u32, u32),
    ) {
        let t = format!("sys/devices/system/cpu/cpu{cpu}/topology");
        write(
            root,
            &format!("{t}/physical_package_id"),
            &format!("{package}\n"),
        );
        write(root, &format!("{t}/die_id"), "0\n");
        write(root, &format!("{t}/core_id"), &format!("{core}\n"));
        write(
            root,
            &format!("{t}/thread_siblings_list"),
            &format!("{}-{}\n", siblings.0, siblings.1),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_name_is_the_kernels() {
        let kernel = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        assert_eq!(host_name(), kernel.trim());
    }

    #[test]
    fn cpu_count_covers_the_usable_cpus() {
        let usable = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        assert!(cpu_count() >= usable);
    }
}
