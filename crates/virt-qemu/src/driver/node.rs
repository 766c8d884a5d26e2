//! The node's side of the QEMU driver: capabilities (host facts from
//! virt-host, guests from the probed QEMU binaries), per-cell free memory
//! with libvirt's range check, and the security model.

use super::*;
use crate::capabilities;

impl QemuDriver {
    /// Where this connection caches its QEMU probes.
    pub(super) fn caps_cache_dir(&self) -> std::path::PathBuf {
        match &self.embed_root {
            // An embedded driver keeps everything under its root, as
            // libvirt's embed mode keeps its cache in ROOT/cache.
            Some(root) => root.join("cache/capabilities"),
            None => capabilities::cache_dir(self.system),
        }
    }

    /// What the emulator of `def` can do (its given `<emulator>`, else
    /// the default binary), or `None` when it cannot be probed.
    pub(super) fn emulator_caps(&self, def: &DomainDef) -> Option<capabilities::BinaryCaps> {
        let binary = def.devices.emulator.as_deref().unwrap_or(DEFAULT_EMULATOR);
        capabilities::binary_caps(std::path::Path::new(binary), &self.caps_cache_dir())
            .map_err(|e| log::debug!("no capabilities of {binary}: {e}"))
            .ok()
    }

    /// The capabilities XML (`virConnectGetCapabilities`).
    pub(super) fn capabilities_xml(&self) -> String {
        capabilities::capabilities_xml(&self.caps_cache_dir())
    }
}

/// Free memory, bytes, of cells `start .. start + max` (as many as exist),
/// with libvirt's error for a first cell past the last.
pub(super) fn cells_free_memory(start: u32, max: u32) -> QemuResult<Vec<u64>> {
    let cells = virt_host::cells_free_memory();
    let last = cells.last().map_or(0, |c| c.0);
    if start > last {
        return Err(QemuError::Internal(format!(
            "start cell {start} out of range (0-{last})"
        )));
    }
    Ok(cells
        .into_iter()
        .filter(|(id, _)| *id >= start)
        .take(max as usize)
        .map(|(_, free)| free)
        .collect())
}

/// `virNodeGetMemoryStats` as libvirt's Linux host code answers it: cell
/// 0 of a kernel without NUMA is the whole node; a cell past the last is
/// refused; `nparams` 0 asks how many figures there are (4 for the node,
/// 2 for a cell), any other count must be exactly that.
pub(super) fn memory_stats(
    nparams: i32,
    cell: i32,
    flags: u32,
) -> Result<(Vec<NodeMemoryStat>, i32)> {
    Error::check_flags(ErrorDomain::None, flags, 0, "virHostMemGetStats")?;
    let max = virt_host::max_numa_cell();
    let cell = if max.is_none() && cell == 0 {
        NODE_MEMORY_STATS_ALL_CELLS
    } else {
        cell
    };
    let which = match u32::try_from(cell) {
        Ok(n) if n > max.unwrap_or(0) => {
            let max = max.unwrap_or(0);
            return Err(host_invalid_arg(
                "virHostMemGetStats",
                "cellNum",
                format!("cellNum in virHostMemGetStats must be less than or equal to {max}"),
            ));
        }
        Ok(n) => Some(n),
        Err(_) if cell == NODE_MEMORY_STATS_ALL_CELLS => None,
        // libvirt looks for such a cell's file, which no kernel has.
        Err(_) => {
            return Err(Error::with(
                ErrorCode::SystemError,
                ErrorDomain::None,
                format!(
                    "cannot open /sys/devices/system/node/node{cell}/meminfo: No such file or directory"
                ),
            ))
        }
    };
    let count = if which.is_none() { 4 } else { 2 };
    if nparams == 0 {
        return Ok((Vec::new(), count));
    }
    if nparams != count {
        return Err(host_invalid_arg(
            "virHostMemGetStatsLinux",
            "nparams",
            format!("nparams in virHostMemGetStatsLinux must be {count}"),
        ));
    }
    let path = match which {
        None => "/proc/meminfo".to_string(),
        Some(n) => format!("/sys/devices/system/node/node{n}/meminfo"),
    };
    let Some(figures) = virt_host::memory_stats(which) else {
        return Err(Error::with(
            ErrorCode::SystemError,
            ErrorDomain::None,
            format!("cannot open {path}"),
        ));
    };
    if figures.is_empty() {
        return Err(Error::new(
            ErrorCode::InternalError,
            ErrorDomain::None,
            Some("no available memory line found"),
        ));
    }
    let stats: Vec<NodeMemoryStat> = figures
        .into_iter()
        .map(|(field, value)| NodeMemoryStat {
            field: field.to_string(),
            value,
        })
        .collect();
    let n = stats.len() as i32;
    Ok((stats, n))
}

/// libvirt's host code reports a bad argument from no driver's domain.
fn host_invalid_arg(function: &str, arg: &str, message: String) -> Error {
    let mut e = Error::invalid_arg(function, arg, message);
    e.domain = ErrorDomain::None;
    e
}

/// The node's security model: this driver labels nothing (QEMU runs as the
/// caller, files keep their owners), so it is libvirt's `none` driver.
pub(super) fn security_model() -> SecurityModel {
    SecurityModel {
        model: "none".into(),
        doi: "0".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_past_the_last_are_refused() {
        let n = virt_host::cells_free_memory().len() as u32;
        let e = cells_free_memory(n + 7, 1).err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some(
                format!(
                    "internal error: start cell {} out of range (0-{})",
                    n + 7,
                    n - 1
                )
                .as_str()
            )
        );
        let all = cells_free_memory(0, u32::MAX).unwrap_or_default();
        assert_eq!(all.len() as u32, n);
        assert_eq!(all.iter().sum::<u64>(), virt_host::free_memory());
    }
}
