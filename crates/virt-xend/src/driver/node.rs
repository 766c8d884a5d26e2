//! What xend says of the node: Xen's version, the host, its memory
//! and CPU topology.

use super::*;

impl XendDriver {
    /// Xen's version as libvirt numbers it (major * 1,000,000 + minor * 1,000 + micro).
    pub(super) fn xen_version(&self) -> Result<u64> {
        let node = self.node()?;
        let major = u64::try_from(node.node_int("node/xen_major")).unwrap_or(0);
        let minor = u64::try_from(node.node_int("node/xen_minor")).unwrap_or(0);
        // The micro number is the first run of digits in xen_extra (".2").
        let micro = node
            .node("node/xen_extra")
            .map(|e| e.trim_start_matches(|c: char| !c.is_ascii_digit()))
            .map_or(0, c_atol);
        let micro = u64::try_from(micro).unwrap_or(0).min(999);
        Ok(major * 1_000_000 + minor.min(999) * 1000 + micro)
    }

    /// The most vCPUs a guest of `guest_type` may have.
    pub(super) fn max_vcpus_for(&self, guest_type: Option<&str>) -> Result<u32> {
        match guest_type {
            Some(t) if !t.eq_ignore_ascii_case("xen") => Err(Error::with(
                ErrorCode::InvalidArg,
                ErrorDomain::Xen,
                "xenUnifiedConnectGetMaxVcpus",
            )),
            _ => Ok(MAX_VIRT_CPUS),
        }
    }

    /// The host's name as xend reports it.
    pub(super) fn host_name(&self) -> Result<String> {
        let node = self.node()?;
        match node.node("node/host") {
            Some(h) if !h.is_empty() => Ok(h.to_string()),
            _ => Err(XendError::Incomplete("xend did not name its host".into()).into()),
        }
    }

    /// The node's free memory in bytes.
    pub(super) fn free_memory(&self) -> Result<u64> {
        // xend reports MiB; the API wants bytes.
        let mib = u64::try_from(self.node()?.node_int("node/free_memory")).unwrap_or(0);
        Ok(mib.saturating_mul(1024 * 1024))
    }

    /// The node's memory and CPU topology, made consistent as libvirt did.
    pub(super) fn read_node_info(&self) -> Result<NodeInfo> {
        let node = self.node()?;
        let num = |k: &str| u32::try_from(node.node_int(&format!("node/{k}"))).unwrap_or(0);
        let mut info = NodeInfo {
            model: node
                .node("node/machine")
                .unwrap_or("")
                .chars()
                .take(31)
                .collect(),
            memory: mib_to_kib(node.node_int("node/total_memory")),
            cpus: num("nr_cpus"),
            mhz: num("cpu_mhz"),
            nodes: num("nr_nodes"),
            sockets: num("sockets_per_node"),
            cores: num("cores_per_socket"),
            threads: num("threads_per_core"),
        };
        // Xen 3.2 dropped sockets_per_node: derive it from the CPU count.
        if info.sockets == 0 {
            let per = info
                .nodes
                .saturating_mul(info.cores)
                .saturating_mul(info.threads);
            info.sockets = info.cpus.checked_div(per).unwrap_or(1).max(1);
        }
        // A topology that does not multiply out is reported flat.
        let total = info
            .nodes
            .saturating_mul(info.sockets)
            .saturating_mul(info.cores)
            .saturating_mul(info.threads);
        if total != info.cpus {
            info.nodes = 1;
            info.sockets = 1;
            info.cores = info.cpus;
            info.threads = 1;
        }
        Ok(info)
    }
}
