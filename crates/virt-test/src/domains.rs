//! The node's domains: one record per domain with its live and persistent
//! definitions, state, id and accounting, and indexes by name, UUID and id
//! so that lookups never scan.

use crate::error::{TestError, TestResult};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;
use virt_core::{reason, CpuMap, DomainRef, DomainState, ListFacts, Uuid};
use virt_xml::{CheckpointList, DomainDef, SnapshotList};

/// The scheduler weight libvirt's test driver reports for every domain.
pub(crate) const DEFAULT_WEIGHT: u32 = 50;

/// 16 random bytes from a per-thread generator seeded once from the OS:
/// new UUIDs and MACs need uniqueness, not secrecy, and a system call per
/// definition would dominate the cost of `define`.
pub(crate) fn random_bytes() -> [u8; 16] {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(u64::from_le_bytes(
            Uuid::new_v4().as_bytes()[..8].try_into().unwrap_or([0x9e; 8]),
        ));
    }
    // SplitMix64.
    let next = || {
        STATE.with(|s| {
            let v = s.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
            s.set(v);
            let mut z = v;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        })
    };
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&next().to_le_bytes());
    out[8..].copy_from_slice(&next().to_le_bytes());
    out
}

/// Apply the test driver's defaults to a parsed definition before it is
/// stored: i686 guests, libvirt's generic defaults, a UUID and MAC
/// addresses. Each only fills what is absent, so a complete definition is
/// stored exactly as written.
pub(crate) fn prepare_def(def: &mut DomainDef) -> TestResult<()> {
    if def.os.arch.is_none() {
        def.os.arch = Some("i686".into());
    }
    def.fill_defaults();
    // testDomainDevicesDefPostParse: the test driver's video model.
    let video_model = match (def.os.os_type.as_str(), def.os.arch.as_deref()) {
        ("xen" | "linux", _) => "xen",
        (_, Some("ppc64" | "ppc64le")) => "vga",
        _ => "cirrus",
    };
    def.add_implicit_devices(video_model)?;
    if def.uuid.is_none() {
        def.uuid = Some(uuid::Builder::from_random_bytes(random_bytes()).into_uuid());
    }
    def.id = None;
    for iface in &mut def.devices.interfaces {
        if iface.mac.is_none() {
            let r = random_bytes();
            iface.mac = Some(format!("52:54:00:{:02x}:{:02x}:{:02x}", r[0], r[1], r[2]));
        }
        // The bridge of a network interface is a property of the running
        // network, not of the configuration: libvirt drops it on parse.
        if iface.iface_type == "network" {
            iface.source.retain(|(k, _)| k != "bridge");
        }
    }
    name_interfaces(def);
    Ok(())
}

/// Name the host side of each interface without one `testnetN`, the
/// lowest N no interface of the domain has (testDomainGenerateIfnames).
/// libvirt's test driver does it on every definition it keeps, defined
/// or started, and writes the names even into the inactive definition
/// (they have none of the prefixes of generated names it leaves out).
pub(crate) fn name_interfaces(def: &mut DomainDef) {
    for i in 0..def.devices.interfaces.len() {
        if def.devices.interfaces[i].target_dev.is_some() {
            continue;
        }
        let taken = |name: &str| {
            def.devices
                .interfaces
                .iter()
                .any(|n| n.target_dev.as_deref() == Some(name))
        };
        // Each candidate spelled in one buffer (the first is nearly
        // always free), copied once.
        let mut name = String::with_capacity(12);
        let free = (0..1024).any(|n: u32| {
            name.clear();
            name.push_str("testnet");
            push_decimal(&mut name, n);
            !taken(&name)
        });
        if !free {
            return;
        }
        def.devices.interfaces[i].target_dev = Some(name);
    }
}

/// `n` in decimal, appended to `out`.
fn push_decimal(out: &mut String, n: u32) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// One domain.
#[derive(Debug, Clone)]
pub(crate) struct DomainObj {
    pub name: String,
    pub uuid: Uuid,
    pub id: Option<u32>,
    pub state: DomainState,
    pub reason: i32,
    /// The current definition: the live one while active, the persistent
    /// one otherwise.
    pub def: DomainDef,
    /// The persistent definition while active (None when transient).
    pub new_def: Option<DomainDef>,
    pub persistent: bool,
    pub autostart: bool,
    /// CPU time consumed before `running_since`, ns.
    pub cpu_ns: u64,
    /// When the domain last started running (None while paused or off).
    pub running_since: Option<Instant>,
    /// Live vCPU pinning, by vCPU number.
    pub pins: Vec<Option<CpuMap>>,
    /// Its snapshots' metadata.
    pub snapshots: SnapshotList,
    /// Its checkpoints' metadata.
    pub checkpoints: CheckpointList,
    /// Stopped by a managed save, not started since (libvirt's
    /// `hasManagedSave`: the test driver keeps no image, only this mark).
    pub managed_save: bool,
}

impl DomainObj {
    fn new(def: DomainDef, persistent: bool) -> DomainObj {
        DomainObj {
            name: def.name.clone(),
            uuid: def.uuid.unwrap_or_default(),
            id: None,
            state: DomainState::Shutoff,
            reason: reason::SHUTOFF_UNKNOWN,
            def,
            new_def: None,
            persistent,
            autostart: false,
            cpu_ns: cpu_clock_origin(),
            running_since: None,
            pins: Vec::new(),
            snapshots: SnapshotList::default(),
            checkpoints: CheckpointList::default(),
            managed_save: false,
        }
    }

    /// The identity handed to callers.
    pub fn as_ref(&self) -> DomainRef {
        DomainRef {
            name: self.name.clone(),
            uuid: self.uuid,
            id: self.id,
        }
    }

    /// True when running or paused.
    pub fn is_active(&self) -> bool {
        self.id.is_some()
    }

    /// CPU time so far, ns: it advances only while running. It starts at
    /// the wall-clock time the domain was first seen, as libvirt's test
    /// driver reports clock-derived values (so a never-started domain shows
    /// a CPU time, as there).
    pub fn cpu_time(&self) -> u64 {
        let run = self
            .running_since
            .map(|t| t.elapsed().as_nanos() as u64)
            .unwrap_or(0);
        self.cpu_ns.saturating_add(run)
    }

    /// Stop the CPU clock (pause, stop).
    pub fn freeze_clock(&mut self) {
        self.cpu_ns = self.cpu_time();
        self.running_since = None;
    }

    /// The persistent definition, if the domain has one.
    pub fn config(&self) -> Option<&DomainDef> {
        if !self.persistent {
            None
        } else if self.is_active() {
            self.new_def.as_ref().or(Some(&self.def))
        } else {
            Some(&self.def)
        }
    }

    /// The persistent definition, for changes.
    pub fn config_mut(&mut self) -> Option<&mut DomainDef> {
        if !self.persistent {
            None
        } else if self.is_active() {
            if self.new_def.is_none() {
                self.new_def = Some(self.def.clone());
            }
            self.new_def.as_mut()
        } else {
            Some(&mut self.def)
        }
    }

    /// What `list_all_domains` filters on.
    pub fn facts(&self) -> ListFacts {
        ListFacts {
            state: self.state,
            persistent: self.persistent,
            autostart: self.autostart,
            managed_save: self.managed_save,
            has_snapshot: !self.snapshots.is_empty(),
            has_checkpoint: !self.checkpoints.is_empty(),
        }
    }

    /// Online vCPUs of the current definition.
    pub fn vcpus(&self) -> u32 {
        vcpus_of(&self.def)
    }
}

/// Online vCPUs of a definition.
pub(crate) fn vcpus_of(def: &DomainDef) -> u32 {
    def.vcpu.current.unwrap_or(def.vcpu.max)
}

/// Current memory of a definition, KiB.
pub(crate) fn memory_of(def: &DomainDef) -> u64 {
    def.current_memory.unwrap_or(def.memory)
}

/// FNV-1a, the hash of the domain indexes: their keys are the node's
/// own domains' names and UUIDs (a few bytes each, put there by the
/// connection that defines them), which SipHash's start-up cost made
/// about as dear to hash as the rest of a lookup (two of them per
/// define, three per undefine).
#[derive(Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map of the domain indexes, hashed with [`Fnv`].
type Index<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// Every domain of a node, with its indexes.
#[derive(Debug, Default)]
pub(crate) struct Domains {
    by_uuid: Index<Uuid, DomainObj>,
    by_name: Index<String, Uuid>,
    /// Running domains by id, with their names: lookups by id and the
    /// id-ordered part of listings, which then need not touch the (large,
    /// scattered) domain records.
    by_id: BTreeMap<u32, (Uuid, String)>,
    /// Inactive domains by name: the name-ordered part of listings.
    inactive: BTreeMap<String, Uuid>,
    /// The id the next started domain gets. Ids are never reused while
    /// the node lives, as in libvirt.
    next_id: u32,
    /// The definition the last define replaced, kept until the next
    /// define frees it before reading its document (see
    /// [`Domains::free_replaced`]).
    replaced: Option<DomainDef>,
}

/// How a definition is added (libvirt's `virDomainObjListAdd` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddMode {
    /// `define`: becomes (or replaces) the persistent definition.
    Define,
    /// `create`/`restore`: becomes the live definition of a domain about
    /// to start; an active domain of that name or UUID is an error.
    Live,
}

impl Domains {
    fn next_id(&mut self) -> u32 {
        if self.next_id == 0 {
            self.next_id = 1;
        }
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        id
    }

    /// Number of domains.
    pub fn len(&self) -> usize {
        self.by_uuid.len()
    }

    /// Number of running (or paused) domains.
    pub fn num_active(&self) -> usize {
        self.by_id.len()
    }

    /// Number of inactive domains.
    pub fn num_inactive(&self) -> usize {
        self.inactive.len()
    }

    /// Find by UUID.
    pub fn get(&self, uuid: &Uuid) -> Option<&DomainObj> {
        self.by_uuid.get(uuid)
    }

    /// Find by UUID, for changes.
    pub fn get_mut(&mut self, uuid: &Uuid) -> Option<&mut DomainObj> {
        self.by_uuid.get_mut(uuid)
    }

    /// Find by name.
    pub fn get_by_name(&self, name: &str) -> Option<&DomainObj> {
        self.by_name.get(name).and_then(|u| self.by_uuid.get(u))
    }

    /// Find a running domain by id.
    pub fn get_by_id(&self, id: u32) -> Option<&DomainObj> {
        self.by_id.get(&id).and_then(|(u, _)| self.by_uuid.get(u))
    }

    /// The domain a handle refers to.
    pub fn for_ref(&self, r: &DomainRef) -> TestResult<&DomainObj> {
        self.by_uuid
            .get(&r.uuid)
            .ok_or_else(|| TestError::DomainGone {
                uuid: r.uuid,
                name: r.name.clone(),
            })
    }

    /// The domain a handle refers to, for changes.
    pub fn for_ref_mut(&mut self, r: &DomainRef) -> TestResult<&mut DomainObj> {
        self.by_uuid
            .get_mut(&r.uuid)
            .ok_or_else(|| TestError::DomainGone {
                uuid: r.uuid,
                name: r.name.clone(),
            })
    }

    /// Running domains by id, then inactive ones by name.
    pub fn iter_listed(&self) -> impl Iterator<Item = &DomainObj> {
        self.by_id
            .values()
            .map(|(u, _)| u)
            .chain(self.inactive.values())
            .filter_map(|u| self.by_uuid.get(u))
    }

    /// The identities of all domains in listing order, from the indexes
    /// alone.
    pub fn refs_listed(&self) -> impl Iterator<Item = DomainRef> + '_ {
        let active = self.by_id.iter().map(|(id, (uuid, name))| DomainRef {
            name: name.clone(),
            uuid: *uuid,
            id: Some(*id),
        });
        let inactive = self.inactive.iter().map(|(name, uuid)| DomainRef {
            name: name.clone(),
            uuid: *uuid,
            id: None,
        });
        active.chain(inactive)
    }

    /// Ids of running domains, ascending.
    pub fn active_ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.by_id.keys().copied()
    }

    /// Names of inactive domains, sorted.
    pub fn inactive_names(&self) -> impl Iterator<Item = &String> {
        self.inactive.keys()
    }

    /// Check `def` against existing domains and add it (libvirt's
    /// `virDomainObjListAdd`). Returns the UUID of the domain it now
    /// belongs to and whether that domain existed (its definition
    /// replaced). Nothing changes on error.
    pub fn add(&mut self, def: DomainDef, mode: AddMode) -> TestResult<(Uuid, bool)> {
        let uuid = def.uuid.unwrap_or_default();
        if let Some(obj) = self.by_uuid.get_mut(&uuid) {
            if obj.name != def.name {
                return Err(TestError::UuidTaken {
                    name: obj.name.clone(),
                    uuid,
                });
            }
            match mode {
                AddMode::Define => {
                    self.replaced = if obj.is_active() {
                        obj.new_def.replace(def)
                    } else {
                        Some(std::mem::replace(&mut obj.def, def))
                    };
                    obj.persistent = true;
                }
                AddMode::Live => {
                    if obj.is_active() {
                        return Err(TestError::AlreadyActive(obj.name.clone()));
                    }
                    // The stored definition stays the persistent one; the
                    // new one runs.
                    let config = std::mem::replace(&mut obj.def, def);
                    if obj.persistent {
                        obj.new_def = Some(config);
                    }
                }
            }
            return Ok((uuid, true));
        }
        if let Some(other) = self.get_by_name(&def.name) {
            return Err(TestError::NameTaken {
                name: other.name.clone(),
                uuid: other.uuid,
            });
        }
        let obj = DomainObj::new(def, mode == AddMode::Define);
        self.by_name.insert(obj.name.clone(), uuid);
        self.inactive.insert(obj.name.clone(), uuid);
        self.by_uuid.insert(uuid, obj);
        Ok((uuid, false))
    }

    /// Free the definition the last define replaced: the next define
    /// calls this before it reads its document. A definition is a few dozen
    /// small blocks: freed right after the define that replaced it, they
    /// overflow glibc's per-thread cache into its fast bins, which the
    /// dump's output (a request of 1 KB or more) then makes malloc merge
    /// (`malloc_consolidate`), and the next define's blocks come from its
    /// slow path; freed just before a define reads, they are what its
    /// blocks are made of. (Dropped where it lies: a definition is large
    /// to move.)
    pub fn free_replaced(&mut self) {
        self.replaced = None;
    }

    /// Remove a domain entirely.
    pub fn remove(&mut self, uuid: &Uuid) {
        if let Some(obj) = self.by_uuid.remove(uuid) {
            self.by_name.remove(&obj.name);
            self.inactive.remove(&obj.name);
            if let Some(id) = obj.id {
                self.by_id.remove(&id);
            }
        }
    }

    /// Start an inactive domain: it gets the next id and runs.
    pub fn start(&mut self, uuid: &Uuid, why: i32) -> TestResult<DomainRef> {
        let id = {
            let obj = self.by_uuid.get(uuid).ok_or(TestError::NoDomain)?;
            if obj.is_active() {
                return Err(TestError::AlreadyRunning(obj.name.clone()));
            }
            self.next_id()
        };
        let obj = self.by_uuid.get_mut(uuid).ok_or(TestError::NoDomain)?;
        if obj.persistent && obj.new_def.is_none() {
            obj.new_def = Some(obj.def.clone());
        }
        name_interfaces(&mut obj.def);
        obj.id = Some(id);
        obj.state = DomainState::Running;
        obj.reason = why;
        obj.running_since = Some(Instant::now());
        obj.pins.clear();
        // As libvirt's test driver, any start (even a fresh boot) uses up
        // the managed save.
        obj.managed_save = false;
        let r = obj.as_ref();
        self.inactive.remove(&r.name);
        self.by_id.insert(id, (*uuid, r.name.clone()));
        Ok(r)
    }

    /// Stop an active domain with `why` (a shut-off reason); a transient
    /// domain goes away. Returns its identity once stopped (no id), for
    /// the event.
    pub fn stop(&mut self, uuid: &Uuid, why: i32) -> Option<DomainRef> {
        let obj = self.by_uuid.get_mut(uuid)?;
        obj.freeze_clock();
        obj.state = DomainState::Shutoff;
        obj.reason = why;
        obj.pins.clear();
        if let Some(id) = obj.id.take() {
            self.by_id.remove(&id);
        }
        if let Some(config) = obj.new_def.take() {
            obj.def = config;
        }
        let stopped = obj.as_ref();
        if obj.persistent {
            let name = obj.name.clone();
            self.inactive.insert(name, *uuid);
        } else {
            self.remove(uuid);
        }
        Some(stopped)
    }

    /// Add a definition from the node's configuration: persistent and
    /// running, with the next id (as libvirt loads node files).
    pub fn add_running_at_boot(&mut self, mut def: DomainDef) -> TestResult<()> {
        // The node file's definitions are the running ones: their stored
        // copies carry the interface names too (virsh's dumpxml --inactive
        // of test:///default's domain shows testnet0).
        name_interfaces(&mut def);
        let (uuid, _) = self.add(def, AddMode::Define)?;
        // libvirt gives them no reason: they were running before anyone
        // looked.
        self.start(&uuid, reason::RUNNING_UNKNOWN)?;
        Ok(())
    }
}

/// The starting value of a new domain's CPU clock: nanoseconds since the
/// epoch, now.
fn cpu_clock_origin() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn fnv_is_fnv_1a() {
        use std::hash::Hasher;
        // The published FNV-1a 64 values of "" and "a".
        let hash = |bytes: &[u8]| {
            let mut h = super::Fnv::default();
            h.write(bytes);
            h.finish()
        };
        assert_eq!(hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn a_replaced_definition_is_kept_until_the_next_define_frees_it() {
        use super::{AddMode, Domains};
        let def = |memory: u64| {
            let mut d = virt_xml::parse_domain(
                "<domain type='test'><name>d</name>\
                 <uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1811</uuid>\
                 <memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>",
            )
            .expect("parse");
            d.memory = memory;
            d
        };
        let mut doms = Domains::default();
        doms.add(def(1024), AddMode::Define).expect("define");
        assert!(doms.replaced.is_none(), "nothing replaced yet");
        let (uuid, existed) = doms.add(def(2048), AddMode::Define).expect("redefine");
        assert!(existed);
        assert_eq!(doms.replaced.as_ref().map(|d| d.memory), Some(1024));
        assert_eq!(doms.get(&uuid).map(|o| o.def.memory), Some(2048));
        doms.free_replaced();
        assert!(doms.replaced.is_none());
    }

    #[test]
    fn decimals_as_format_writes_them() {
        for n in [0, 7, 10, 99, 1023, u32::MAX] {
            let mut out = String::from("testnet");
            super::push_decimal(&mut out, n);
            assert_eq!(out, format!("testnet{n}"));
        }
    }
}
