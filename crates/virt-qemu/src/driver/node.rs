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
