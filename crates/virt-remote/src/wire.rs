//! The XDR forms of virt-core's values, as libvirt's structs lay them out
//! (`remote_nonnull_domain`, `remote_node_get_info_ret`, ...).

use virt_core::{
    BlockInfo, BlockStats, CpuMap, CpuStats, DomainCheckpointRef, DomainInfo, DomainJobInfo,
    DomainJobStats, DomainRef, DomainSnapshotRef, DomainState, DomainStatsRecord, InterfaceRef,
    InterfaceStats, MemoryStat, NetworkDhcpLease, NetworkRef, NodeDeviceRef, NodeInfo,
    NodeMemoryStat, SecurityLabel, SecurityModel, StoragePoolInfo, StoragePoolRef,
    StoragePoolState, StorageVolInfo, StorageVolRef, StorageVolType, TypedParam, TypedValue,
};

use crate::error::RemoteError;
use crate::xdr::{Decoder, Encoder, ListItem, Xdr};

/// `REMOTE_DOMAIN_LIST_MAX`.
pub const DOMAIN_LIST_MAX: u32 = 16_384;
/// `REMOTE_NETWORK_LIST_MAX`.
pub const NETWORK_LIST_MAX: u32 = 16_384;
/// `REMOTE_NETWORK_DHCP_LEASES_MAX`.
pub const NETWORK_DHCP_LEASES_MAX: u32 = 65_536;
/// `REMOTE_INTERFACE_LIST_MAX`.
pub const INTERFACE_LIST_MAX: u32 = 16_384;
/// `REMOTE_NODE_DEVICE_LIST_MAX` (libvirt 9.0's).
pub const NODE_DEVICE_LIST_MAX: u32 = 65_536;
/// `REMOTE_NODE_MEMORY_STATS_MAX`.
pub const NODE_MEMORY_STATS_MAX: u32 = 16;
/// `REMOTE_NODE_DEVICE_CAPS_LIST_MAX`.
pub const NODE_DEVICE_CAPS_LIST_MAX: u32 = 65_536;
/// `REMOTE_STORAGE_POOL_LIST_MAX`.
pub const STORAGE_POOL_LIST_MAX: u32 = 16_384;
/// `REMOTE_STORAGE_VOL_LIST_MAX`.
pub const STORAGE_VOL_LIST_MAX: u32 = 16_384;
/// `REMOTE_DOMAIN_SNAPSHOT_LIST_MAX`.
pub const DOMAIN_SNAPSHOT_LIST_MAX: u32 = 16_384;
/// `REMOTE_DOMAIN_CHECKPOINT_LIST_MAX`.
pub const DOMAIN_CHECKPOINT_LIST_MAX: u32 = 16_384;
/// `REMOTE_CPUMAP_MAX`: bytes of one CPU map.
pub const CPUMAP_MAX: u32 = 2048;
/// `REMOTE_CPUMAPS_MAX`: bytes of all vCPUs' maps together.
pub const CPUMAPS_MAX: u32 = 8_388_608;
/// `REMOTE_VCPUINFO_MAX`.
pub const VCPUINFO_MAX: u32 = 16_384;
/// `REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX`.
pub const SCHEDULER_PARAMETERS_MAX: u32 = 16;
/// `REMOTE_SECURITY_MODEL_MAX` (`VIR_SECURITY_MODEL_BUFLEN`).
pub const SECURITY_MODEL_MAX: u32 = 257;
/// `REMOTE_SECURITY_DOI_MAX` (`VIR_SECURITY_DOI_BUFLEN`).
pub const SECURITY_DOI_MAX: u32 = 257;
/// `REMOTE_SECURITY_LABEL_MAX` (`VIR_SECURITY_LABEL_BUFLEN`).
pub const SECURITY_LABEL_MAX: u32 = 4097;
/// `REMOTE_AUTH_TYPE_LIST_MAX`.
pub const AUTH_TYPE_LIST_MAX: u32 = 20;

/// `remote_nonnull_domain`: name, UUID, id (-1 when inactive).
impl Xdr for DomainRef {
    fn encode(&self, e: &mut Encoder) {
        let id = self.id.map_or(-1, |i| i as i32);
        e.string(&self.name).put(&self.uuid).i32(id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        let name = d.string()?;
        let uuid = d.get()?;
        let id = d.i32()?;
        Ok(DomainRef {
            name,
            uuid,
            id: u32::try_from(id).ok(),
        })
    }
}

impl ListItem for DomainRef {
    const LIST_MAX: u32 = DOMAIN_LIST_MAX;
    const MIN_SIZE: usize = 24;
    const WHAT: &'static str = "domain list";
}

/// `remote_nonnull_network`: name, UUID.
impl Xdr for NetworkRef {
    fn encode(&self, e: &mut Encoder) {
        e.string(&self.name).put(&self.uuid);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(NetworkRef {
            name: d.string()?,
            uuid: d.get()?,
        })
    }
}

impl ListItem for NetworkRef {
    const LIST_MAX: u32 = NETWORK_LIST_MAX;
    const MIN_SIZE: usize = 20;
    const WHAT: &'static str = "network list";
}

/// `remote_nonnull_interface`: name, MAC.
impl Xdr for InterfaceRef {
    fn encode(&self, e: &mut Encoder) {
        e.string(&self.name).string(&self.mac);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(InterfaceRef {
            name: d.string()?,
            mac: d.string()?,
        })
    }
}

impl ListItem for InterfaceRef {
    const LIST_MAX: u32 = INTERFACE_LIST_MAX;
    const MIN_SIZE: usize = 8;
    const WHAT: &'static str = "interface list";
}

/// `remote_nonnull_node_device`: the name. The node device calls pass
/// the bare name string, which has the same encoding.
impl Xdr for NodeDeviceRef {
    fn encode(&self, e: &mut Encoder) {
        e.string(&self.name);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(NodeDeviceRef { name: d.string()? })
    }
}

impl ListItem for NodeDeviceRef {
    const LIST_MAX: u32 = NODE_DEVICE_LIST_MAX;
    const MIN_SIZE: usize = 4;
    const WHAT: &'static str = "node device list";
}

/// `remote_network_dhcp_lease`: iface, expiry time, type, mac, iaid,
/// address, prefix, host name, client id.
impl Xdr for NetworkDhcpLease {
    fn encode(&self, e: &mut Encoder) {
        e.string(&self.iface)
            .i64(self.expiry_time)
            .i32(self.addr_type)
            .put(&self.mac)
            .put(&self.iaid)
            .string(&self.ip_addr)
            .u32(self.prefix)
            .put(&self.hostname)
            .put(&self.client_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(NetworkDhcpLease {
            iface: d.string()?,
            expiry_time: d.i64()?,
            addr_type: d.i32()?,
            mac: d.get()?,
            iaid: d.get()?,
            ip_addr: d.string()?,
            prefix: d.u32()?,
            hostname: d.get()?,
            client_id: d.get()?,
        })
    }
}

impl ListItem for NetworkDhcpLease {
    const LIST_MAX: u32 = NETWORK_DHCP_LEASES_MAX;
    const MIN_SIZE: usize = 36;
    const WHAT: &'static str = "DHCP lease list";
}

/// `remote_node_get_memory_stats`: a field name and its value.
impl Xdr for NodeMemoryStat {
    fn encode(&self, e: &mut Encoder) {
        e.string(&self.field).u64(self.value);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(NodeMemoryStat {
            field: d.string()?,
            value: d.u64()?,
        })
    }
}

impl ListItem for NodeMemoryStat {
    const LIST_MAX: u32 = NODE_MEMORY_STATS_MAX;
    const MIN_SIZE: usize = 12;
    const WHAT: &'static str = "node memory stats";
}

/// `remote_nonnull_storage_pool`: name, UUID.
impl Xdr for StoragePoolRef {
    fn encode(&self, e: &mut Encoder) {
        e.string(&self.name).put(&self.uuid);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(StoragePoolRef {
            name: d.string()?,
            uuid: d.get()?,
        })
    }
}

impl ListItem for StoragePoolRef {
    const LIST_MAX: u32 = STORAGE_POOL_LIST_MAX;
    const MIN_SIZE: usize = 20;
    const WHAT: &'static str = "storage pool list";
}

/// `remote_nonnull_storage_vol`: pool name, name, key.
impl Xdr for StorageVolRef {
    fn encode(&self, e: &mut Encoder) {
        e.string(&self.pool).string(&self.name).string(&self.key);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(StorageVolRef {
            pool: d.string()?,
            name: d.string()?,
            key: d.string()?,
        })
    }
}

impl ListItem for StorageVolRef {
    const LIST_MAX: u32 = STORAGE_VOL_LIST_MAX;
    const MIN_SIZE: usize = 12;
    const WHAT: &'static str = "storage volume list";
}

/// `remote_nonnull_domain_snapshot`: name, then its domain.
impl Xdr for DomainSnapshotRef {
    fn encode(&self, e: &mut Encoder) {
        e.string(&self.name).put(&self.domain);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(DomainSnapshotRef {
            name: d.string()?,
            domain: d.get()?,
        })
    }
}

impl ListItem for DomainSnapshotRef {
    const LIST_MAX: u32 = DOMAIN_SNAPSHOT_LIST_MAX;
    const MIN_SIZE: usize = 28;
    const WHAT: &'static str = "domain snapshot list";
}

/// `remote_nonnull_domain_checkpoint`: name, then its domain.
impl Xdr for DomainCheckpointRef {
    fn encode(&self, e: &mut Encoder) {
        e.string(&self.name).put(&self.domain);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(DomainCheckpointRef {
            name: d.string()?,
            domain: d.get()?,
        })
    }
}

impl ListItem for DomainCheckpointRef {
    const LIST_MAX: u32 = DOMAIN_CHECKPOINT_LIST_MAX;
    const MIN_SIZE: usize = 28;
    const WHAT: &'static str = "domain checkpoint list";
}

/// `remote_storage_vol_get_info_ret`: `char type` then two hypers.
impl Xdr for StorageVolInfo {
    fn encode(&self, e: &mut Encoder) {
        e.i32(self.kind as i32)
            .u64(self.capacity)
            .u64(self.allocation);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        let kind = StorageVolType::from_number(i64::from(d.i32()?))
            .ok_or(RemoteError::BadValue("storage volume type"))?;
        Ok(StorageVolInfo {
            kind,
            capacity: d.u64()?,
            allocation: d.u64()?,
        })
    }
}

/// A C `char` array: XDR gives every `char` a whole word.
fn encode_chars(e: &mut Encoder, s: &str, n: usize) {
    let b = s.as_bytes();
    for i in 0..n {
        e.i32(i32::from(b.get(i).copied().unwrap_or(0) as i8));
    }
}

/// Read `n` `char` words as a C string (up to the first NUL).
fn decode_chars(d: &mut Decoder<'_>, n: usize) -> Result<String, RemoteError> {
    let mut out = Vec::new();
    let mut ended = false;
    for _ in 0..n {
        let c = d.i32()? as u8;
        if c == 0 {
            ended = true;
        }
        if !ended {
            out.push(c);
        }
    }
    String::from_utf8(out).map_err(|_| RemoteError::NotUtf8)
}

/// A variable `char s<max>` holding a C string with its NUL, as libvirt's
/// server sends security models and labels.
fn encode_char_string(e: &mut Encoder, s: &str, max: u32) {
    let n = s.len() + 1;
    e.count(n, max, "char string");
    encode_chars(e, s, n);
}

fn decode_char_string(d: &mut Decoder<'_>, max: u32) -> Result<String, RemoteError> {
    let n = d.count(max, 4, "char string")?;
    decode_chars(d, n)
}

/// `remote_node_get_info_ret`: `char model[32]` (32 words), memory, then
/// six ints.
impl Xdr for NodeInfo {
    fn encode(&self, e: &mut Encoder) {
        // The model is a C string of at most 31 bytes and its NUL.
        let model: String = self.model.chars().take(31).collect();
        encode_chars(e, &model, 32);
        e.u64(self.memory)
            .u32(self.cpus)
            .u32(self.mhz)
            .u32(self.nodes)
            .u32(self.sockets)
            .u32(self.cores)
            .u32(self.threads);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(NodeInfo {
            model: decode_chars(d, 32)?,
            memory: d.u64()?,
            cpus: d.u32()?,
            mhz: d.u32()?,
            nodes: d.u32()?,
            sockets: d.u32()?,
            cores: d.u32()?,
            threads: d.u32()?,
        })
    }
}

/// `remote_domain_get_info_ret`: `unsigned char state` and `unsigned short
/// nrVirtCpu` each take a word.
impl Xdr for DomainInfo {
    fn encode(&self, e: &mut Encoder) {
        e.u32(self.state.number() as u32)
            .u64(self.max_mem)
            .u64(self.memory)
            .u32(self.nr_virt_cpu & 0xffff)
            .u64(self.cpu_time);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        let state = d.u32()?;
        let state = u8::try_from(state).map_err(|_| RemoteError::BadValue("unsigned char"))?;
        let max_mem = d.u64()?;
        let memory = d.u64()?;
        let vcpus = d.u32()?;
        let vcpus = u16::try_from(vcpus).map_err(|_| RemoteError::BadValue("unsigned short"))?;
        Ok(DomainInfo {
            state: DomainState::from_number(i32::from(state)),
            max_mem,
            memory,
            nr_virt_cpu: u32::from(vcpus),
            cpu_time: d.u64()?,
        })
    }
}

/// `int state` of `remote_domain_get_state_ret` and friends.
impl Xdr for DomainState {
    fn encode(&self, e: &mut Encoder) {
        e.i32(self.number());
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(DomainState::from_number(d.i32()?))
    }
}

/// `remote_node_get_security_model_ret`: two `char` strings with their NUL.
impl Xdr for SecurityModel {
    fn encode(&self, e: &mut Encoder) {
        encode_char_string(e, &self.model, SECURITY_MODEL_MAX);
        encode_char_string(e, &self.doi, SECURITY_DOI_MAX);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(SecurityModel {
            model: decode_char_string(d, SECURITY_MODEL_MAX)?,
            doi: decode_char_string(d, SECURITY_DOI_MAX)?,
        })
    }
}

/// `remote_domain_get_security_label_ret`: a `char` string and `int
/// enforcing`.
impl Xdr for SecurityLabel {
    fn encode(&self, e: &mut Encoder) {
        encode_char_string(e, &self.label, SECURITY_LABEL_MAX);
        e.bool(self.enforcing);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(SecurityLabel {
            label: decode_char_string(d, SECURITY_LABEL_MAX)?,
            enforcing: d.flag()?,
        })
    }
}

/// `remote_storage_pool_get_info_ret`: `unsigned char state` then three
/// hypers.
impl Xdr for StoragePoolInfo {
    fn encode(&self, e: &mut Encoder) {
        e.u32(self.state as u32)
            .u64(self.capacity)
            .u64(self.allocation)
            .u64(self.available);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        let state = match d.u32()? {
            0 => StoragePoolState::Inactive,
            1 => StoragePoolState::Building,
            2 => StoragePoolState::Running,
            3 => StoragePoolState::Degraded,
            4 => StoragePoolState::Inaccessible,
            _ => return Err(RemoteError::BadValue("storage pool state")),
        };
        Ok(StoragePoolInfo {
            state,
            capacity: d.u64()?,
            allocation: d.u64()?,
            available: d.u64()?,
        })
    }
}

/// `remote_typed_param`: the field name, then a union switched on
/// libvirt's type code.
impl Xdr for TypedParam {
    fn encode(&self, e: &mut Encoder) {
        e.string(&self.field);
        match &self.value {
            TypedValue::Int(v) => e.i32(1).i32(*v),
            TypedValue::UInt(v) => e.i32(2).u32(*v),
            TypedValue::LLong(v) => e.i32(3).i64(*v),
            TypedValue::ULLong(v) => e.i32(4).u64(*v),
            TypedValue::Double(v) => e.i32(5).f64(*v),
            TypedValue::Boolean(v) => e.i32(6).bool(*v),
            TypedValue::String(v) => e.i32(7).string(v),
        };
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        let field = d.string_max(crate::wire::TYPED_FIELD_MAX)?;
        let value = match d.i32()? {
            1 => TypedValue::Int(d.i32()?),
            2 => TypedValue::UInt(d.u32()?),
            3 => TypedValue::LLong(d.i64()?),
            4 => TypedValue::ULLong(d.u64()?),
            5 => TypedValue::Double(d.f64()?),
            6 => TypedValue::Boolean(d.flag()?),
            7 => TypedValue::String(d.string()?),
            _ => return Err(RemoteError::BadValue("typed parameter type")),
        };
        Ok(TypedParam { field, value })
    }
}

/// Field names of typed parameters are C buffers of
/// `VIR_TYPED_PARAM_FIELD_LENGTH` (80) bytes with their NUL.
pub const TYPED_FIELD_MAX: u32 = 79;

impl ListItem for TypedParam {
    const LIST_MAX: u32 = SCHEDULER_PARAMETERS_MAX;
    const MIN_SIZE: usize = 8;
    const WHAT: &'static str = "typed parameter list";
}

/// `REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX`: typed parameters per
/// statistics record.
pub const DOMAIN_STATS_PARAMS_MAX: u32 = 262_144;

/// `remote_domain_stats_record`: the domain and its statistics.
impl Xdr for DomainStatsRecord {
    fn encode(&self, e: &mut Encoder) {
        self.dom.encode(e);
        e.count(
            self.params.len(),
            DOMAIN_STATS_PARAMS_MAX,
            "domain statistics",
        );
        for p in &self.params {
            p.encode(e);
        }
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        let dom = DomainRef::decode(d)?;
        let n = d.count(
            DOMAIN_STATS_PARAMS_MAX,
            TypedParam::MIN_SIZE,
            "domain statistics",
        )?;
        let params = (0..n)
            .map(|_| TypedParam::decode(d))
            .collect::<Result<_, _>>()?;
        Ok(DomainStatsRecord { dom, params })
    }
}

impl ListItem for DomainStatsRecord {
    const LIST_MAX: u32 = DOMAIN_LIST_MAX;
    const MIN_SIZE: usize = 28;
    const WHAT: &'static str = "domain statistics list";
}

/// One CPU map, `opaque cpumap<REMOTE_CPUMAP_MAX>`.
impl Xdr for CpuMap {
    fn encode(&self, e: &mut Encoder) {
        e.opaque(self.as_bytes(), CPUMAP_MAX);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(CpuMap::from_bytes(d.opaque(CPUMAP_MAX)?))
    }
}

/// `REMOTE_NODE_CPU_STATS_MAX`: CPU figures asked per CPU.
pub const NODE_CPU_STATS_MAX: u32 = 16;
/// `REMOTE_DOMAIN_GET_CPU_STATS_NCPUS_MAX`: CPUs in one call.
pub const DOMAIN_GET_CPU_STATS_NCPUS_MAX: u32 = 128;
/// `REMOTE_DOMAIN_GET_CPU_STATS_MAX`: CPU figures in one reply.
pub const DOMAIN_GET_CPU_STATS_MAX: u32 = 2048;

/// `remote_domain_get_cpu_stats_ret`: `remote_typed_param
/// params<REMOTE_DOMAIN_GET_CPU_STATS_MAX>; int nparams`.
impl Xdr for CpuStats {
    fn encode(&self, e: &mut Encoder) {
        e.count(
            self.params.len(),
            DOMAIN_GET_CPU_STATS_MAX,
            "CPU statistics",
        );
        for p in &self.params {
            p.encode(e);
        }
        e.i32(self.count);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        let n = d.count(
            DOMAIN_GET_CPU_STATS_MAX,
            TypedParam::MIN_SIZE,
            "CPU statistics",
        )?;
        let params = (0..n)
            .map(|_| TypedParam::decode(d))
            .collect::<Result<_, _>>()?;
        Ok(CpuStats {
            params,
            count: d.i32()?,
        })
    }
}

/// `REMOTE_DOMAIN_MEMORY_STATS_MAX`: memory statistics in one reply.
pub const DOMAIN_MEMORY_STATS_MAX: u32 = 1024;

/// `remote_domain_block_stats_ret`: five hypers.
impl Xdr for BlockStats {
    fn encode(&self, e: &mut Encoder) {
        e.i64(self.rd_req)
            .i64(self.rd_bytes)
            .i64(self.wr_req)
            .i64(self.wr_bytes)
            .i64(self.errs);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(BlockStats {
            rd_req: d.i64()?,
            rd_bytes: d.i64()?,
            wr_req: d.i64()?,
            wr_bytes: d.i64()?,
            errs: d.i64()?,
        })
    }
}

/// `remote_domain_interface_stats_ret`: eight hypers.
impl Xdr for InterfaceStats {
    fn encode(&self, e: &mut Encoder) {
        e.i64(self.rx_bytes)
            .i64(self.rx_packets)
            .i64(self.rx_errs)
            .i64(self.rx_drop)
            .i64(self.tx_bytes)
            .i64(self.tx_packets)
            .i64(self.tx_errs)
            .i64(self.tx_drop);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(InterfaceStats {
            rx_bytes: d.i64()?,
            rx_packets: d.i64()?,
            rx_errs: d.i64()?,
            rx_drop: d.i64()?,
            tx_bytes: d.i64()?,
            tx_packets: d.i64()?,
            tx_errs: d.i64()?,
            tx_drop: d.i64()?,
        })
    }
}

/// `remote_domain_memory_stat`: `int tag; unsigned hyper val`.
impl Xdr for MemoryStat {
    fn encode(&self, e: &mut Encoder) {
        e.i32(self.tag).u64(self.val);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(MemoryStat {
            tag: d.i32()?,
            val: d.u64()?,
        })
    }
}

impl ListItem for MemoryStat {
    const LIST_MAX: u32 = DOMAIN_MEMORY_STATS_MAX;
    const MIN_SIZE: usize = 12;
    const WHAT: &'static str = "memory statistics list";
}

/// `remote_domain_get_block_info_ret`: allocation, capacity, physical (in
/// that order on the wire, unlike `virDomainBlockInfo`).
impl Xdr for BlockInfo {
    fn encode(&self, e: &mut Encoder) {
        e.u64(self.allocation).u64(self.capacity).u64(self.physical);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        let allocation = d.u64()?;
        let capacity = d.u64()?;
        Ok(BlockInfo {
            capacity,
            allocation,
            physical: d.u64()?,
        })
    }
}

/// `remote_domain_get_job_info_ret`: `int type`, then the eleven
/// figures in `virDomainJobInfo`'s order.
impl Xdr for DomainJobInfo {
    fn encode(&self, e: &mut Encoder) {
        e.i32(self.kind)
            .u64(self.time_elapsed)
            .u64(self.time_remaining)
            .u64(self.data_total)
            .u64(self.data_processed)
            .u64(self.data_remaining)
            .u64(self.mem_total)
            .u64(self.mem_processed)
            .u64(self.mem_remaining)
            .u64(self.file_total)
            .u64(self.file_processed)
            .u64(self.file_remaining);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(DomainJobInfo {
            kind: d.i32()?,
            time_elapsed: d.u64()?,
            time_remaining: d.u64()?,
            data_total: d.u64()?,
            data_processed: d.u64()?,
            data_remaining: d.u64()?,
            mem_total: d.u64()?,
            mem_processed: d.u64()?,
            mem_remaining: d.u64()?,
            file_total: d.u64()?,
            file_processed: d.u64()?,
            file_remaining: d.u64()?,
        })
    }
}

/// `REMOTE_DOMAIN_JOB_STATS_MAX`: typed parameters of one job.
pub const DOMAIN_JOB_STATS_MAX: u32 = 64;

/// `remote_domain_get_job_stats_ret`: `int type; remote_typed_param
/// params<REMOTE_DOMAIN_JOB_STATS_MAX>`.
impl Xdr for DomainJobStats {
    fn encode(&self, e: &mut Encoder) {
        e.i32(self.kind);
        e.count(self.params.len(), DOMAIN_JOB_STATS_MAX, "job statistics");
        for p in &self.params {
            p.encode(e);
        }
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        let kind = d.i32()?;
        let n = d.count(DOMAIN_JOB_STATS_MAX, TypedParam::MIN_SIZE, "job statistics")?;
        let params = (0..n)
            .map(|_| TypedParam::decode(d))
            .collect::<Result<_, _>>()?;
        Ok(DomainJobStats { kind, params })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use virt_core::Uuid;

    fn round<T: Xdr + PartialEq + std::fmt::Debug>(v: T) {
        let mut e = Encoder::new();
        e.put(&v);
        let b = e.finish().unwrap();
        assert_eq!(b.len() % 4, 0);
        let mut d = Decoder::new(&b);
        assert_eq!(d.get::<T>().unwrap(), v);
        d.finish().unwrap();
    }

    #[test]
    fn node_info_model_is_32_words() {
        // Every number differs (and memory needs both halves of its
        // hyper), so a field out of its place shows.
        let n = NodeInfo {
            model: "i686".into(),
            memory: (3 << 32) | 5,
            cpus: 16,
            mhz: 1400,
            nodes: 2,
            sockets: 3,
            cores: 4,
            threads: 7,
        };
        let mut e = Encoder::new();
        e.put(&n);
        let b = e.finish().unwrap();
        assert_eq!(b.len(), 32 * 4 + 8 + 6 * 4);
        assert_eq!(&b[..8], [0, 0, 0, b'i', 0, 0, 0, b'6']);
        // After the model: memory (high word first), then the counts in
        // virNodeInfo's order.
        let words: Vec<u32> = b[32 * 4..]
            .chunks(4)
            .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        assert_eq!(words, [3, 5, 16, 1400, 2, 3, 4, 7]);
        round(n);
    }

    #[test]
    fn security_strings_carry_their_nul() {
        let m = SecurityModel {
            model: "selinux".into(),
            doi: "0".into(),
        };
        let mut e = Encoder::new();
        e.put(&m);
        let b = e.finish().unwrap();
        assert_eq!(&b[..4], [0, 0, 0, 8]);
        round(m);
        round(SecurityLabel::default());
    }

    proptest! {
        #[test]
        fn values_round_trip(name in "[a-z0-9_-]{1,20}", u: u128, id in proptest::option::of(0u32..i32::MAX as u32),
                             mem: u64, vcpus: u16, state in 0i32..8, i: i32, s in "[a-z]{0,10}") {
            round(DomainRef { name: name.clone(), uuid: Uuid::from_u128(u), id });
            round(NetworkRef { name: name.clone(), uuid: Uuid::from_u128(u) });
            round(InterfaceRef { name: name.clone(), mac: s.clone() });
            round(NodeDeviceRef { name: name.clone() });
            round(DomainInfo { state: DomainState::from_number(state), max_mem: mem, memory: mem / 2,
                               nr_virt_cpu: u32::from(vcpus), cpu_time: mem });
            round(StorageVolRef { pool: s.clone(), name: name.clone(), key: format!("/{s}/{name}") });
            round(StorageVolInfo { kind: StorageVolType::ALL[(state % 6) as usize], capacity: mem, allocation: mem / 3 });
            round(vec![TypedParam { field: name.clone(), value: TypedValue::Int(i) },
                       TypedParam { field: name, value: TypedValue::String(s) }]);
        }
    }
}
