//! The simulated node's storage pools and their volumes, as libvirt's test
//! driver keeps them: every pool claims 100 GiB, volumes are bookkeeping
//! (no files), a volume's path and key are the pool's target path and its
//! name, and the pool's allocation is the sum of its volumes'.

use crate::error::{check_flags, TestError, TestResult};
use virt_core::{
    pool_define_flags, pool_list_flags, StoragePoolInfo, StoragePoolRef, StoragePoolState,
    StorageVolInfo, StorageVolRef, StorageVolType, Uuid,
};
use virt_xml::storage::{self, PoolDef, VolDef};
use virt_xml::Element;

/// The size libvirt's test driver gives each storage pool: 100 GiB.
pub(crate) const POOL_CAPACITY: u64 = 100 << 30;

/// The pool behind `test:///default`, as libvirt's built-in node has it.
pub(crate) const DEFAULT_POOL_XML: &str = "<pool type='dir'>
  <name>default-pool</name>
  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
  <target>
    <path>/default-pool</path>
  </target>
</pool>";

/// A storage pool of the node.
#[derive(Debug, Clone)]
pub(crate) struct PoolObj {
    pub def: PoolDef,
    pub uuid: Uuid,
    pub active: bool,
    /// False for a pool started from XML without a definition.
    pub persistent: bool,
    pub autostart: bool,
    pub volumes: Vec<VolDef>,
}

impl PoolObj {
    fn r(&self) -> StoragePoolRef {
        StoragePoolRef {
            name: self.def.name.clone(),
            uuid: self.uuid,
        }
    }

    fn vol_ref(&self, v: &VolDef) -> StorageVolRef {
        StorageVolRef {
            pool: self.def.name.clone(),
            name: v.name.clone(),
            key: v.key.clone().unwrap_or_default(),
        }
    }

    /// libvirt's `testStoragePoolObjFindActiveByName` check.
    fn must_be_active(&self) -> TestResult<()> {
        if !self.active {
            return Err(TestError::Invalid(format!(
                "storage pool '{}' is not active",
                self.def.name
            )));
        }
        Ok(())
    }

    /// libvirt's `testStoragePoolObjFindInactiveByName` check.
    fn must_be_inactive(&self) -> TestResult<()> {
        if self.active {
            return Err(TestError::Invalid(format!(
                "storage pool '{}' is active",
                self.def.name
            )));
        }
        Ok(())
    }

    fn vol(&self, name: &str) -> TestResult<&VolDef> {
        self.volumes
            .iter()
            .find(|v| v.name == name)
            .ok_or_else(|| TestError::NoVol(format!("no storage vol with matching name '{name}'")))
    }

    /// The type of this pool's volumes (`testStorageVolumeTypeForPool`).
    fn vol_type(&self) -> StorageVolType {
        match self.def.pool_type.as_str() {
            "dir" | "fs" | "netfs" | "vstorage" => StorageVolType::File,
            "sheepdog" | "iscsi-direct" | "gluster" | "rbd" => StorageVolType::Network,
            _ => StorageVolType::Block,
        }
    }

    /// Give `vol` its place in this pool (path and key from the target
    /// path) and count its allocation.
    fn place(&mut self, mut vol: VolDef) -> TestResult<StorageVolRef> {
        if self.volumes.iter().any(|v| v.name == vol.name) {
            return Err(TestError::Failed("storage vol already exists".into()));
        }
        if self.def.allocation.saturating_add(vol.allocation) > self.def.capacity {
            return Err(TestError::Internal(format!(
                "Not enough free space in pool for volume '{}'",
                vol.name
            )));
        }
        // libvirt prints the pool's missing target path (a network pool's)
        // as "(null)"; the volume keeps the type its XML gave (a file when
        // none), while its info reports the pool's volume type.
        let path = format!(
            "{}/{}",
            self.def.target_path().as_deref().unwrap_or("(null)"),
            vol.name
        );
        vol.key = Some(path.clone());
        vol.path = Some(path);
        vol.kind = Some(vol.kind.unwrap_or(StorageVolType::File));
        self.def.allocation += vol.allocation;
        self.def.available = self.def.capacity.saturating_sub(self.def.allocation);
        let r = self.vol_ref(&vol);
        self.volumes.push(vol);
        Ok(r)
    }
}

/// Every pool of a node.
#[derive(Debug, Default)]
pub(crate) struct Pools {
    list: Vec<PoolObj>,
}

/// True when two pools would use the same storage
/// (`virStoragePoolObjSourceFindDuplicate`, for the local pool types).
fn same_source(a: &PoolDef, b: &PoolDef) -> bool {
    if a.pool_type != b.pool_type {
        return false;
    }
    let host_dir = |d: &PoolDef| (d.source_hosts().into_iter().next(), d.source_dir());
    match a.pool_type.as_str() {
        "dir" => a.target_path().is_some() && a.target_path() == b.target_path(),
        "fs" | "disk" => {
            let (da, db) = (a.source_devices(), b.source_devices());
            da.iter().any(|d| db.contains(d))
        }
        "netfs" => host_dir(a) == host_dir(b),
        "logical" => a.source_name() == b.source_name(),
        _ => false,
    }
}

/// The volume type a pool of `pool_type` parses volumes for.
fn parse_vol(pool: &PoolObj, xml: &str) -> TestResult<VolDef> {
    storage::parse_volume(xml, &pool.def.pool_type).map_err(TestError::Storage)
}

impl Pools {
    /// A persistent, active pool from a node file's `<pool>` element with
    /// its `<volume>` children (libvirt's `testParseStorage`).
    pub fn add_from_node(&mut self, el: &Element, vols: &[Element]) -> TestResult<()> {
        // The volumes are the node file's, not the pool definition's.
        let mut el = el.clone();
        el.children
            .retain(|n| !matches!(n, virt_xml::Node::Element(e) if e.name == "volume"));
        let def = storage::pool_from_element(&el).map_err(TestError::Storage)?;
        let r = self.add(def, true)?;
        let pool = self.by_uuid_mut(&r.uuid)?;
        pool.active = true;
        for v in vols {
            let vol =
                storage::volume_from_element(v, &pool.def.pool_type).map_err(TestError::Storage)?;
            pool.place(vol)?;
        }
        Ok(())
    }

    /// `virStoragePoolObjListAdd`: refuse a name or UUID held by another
    /// pool; a persistent definition replaces an inactive pool's.
    fn add(&mut self, mut def: PoolDef, persistent: bool) -> TestResult<StoragePoolRef> {
        if let Some(u) = def.uuid {
            if let Some(p) = self
                .list
                .iter()
                .find(|p| p.uuid == u && p.def.name != def.name)
            {
                return Err(TestError::Failed(format!(
                    "pool '{}' is already defined with uuid {}",
                    p.def.name, p.uuid
                )));
            }
        }
        if let Some(p) = self.list.iter().find(|p| p.def.name == def.name) {
            if def.uuid != Some(p.uuid) {
                return Err(TestError::Failed(format!(
                    "pool '{}' already exists with uuid {}",
                    p.def.name, p.uuid
                )));
            }
        }
        let clash = self
            .list
            .iter()
            .find(|p| p.def.name != def.name && same_source(&p.def, &def));
        if let Some(p) = clash {
            return Err(TestError::Failed(format!(
                "Storage source conflict with pool: '{}'",
                p.def.name
            )));
        }
        let uuid = *def.uuid.get_or_insert_with(Uuid::new_v4);
        def.capacity = POOL_CAPACITY;
        def.allocation = 0;
        def.available = POOL_CAPACITY;
        match self.list.iter_mut().find(|p| p.uuid == uuid) {
            Some(p) => {
                if !persistent && p.active {
                    return Err(TestError::Failed(format!(
                        "pool '{}' is already active",
                        p.def.name
                    )));
                }
                p.def = def;
                p.persistent |= persistent;
                Ok(p.r())
            }
            None => {
                let obj = PoolObj {
                    def,
                    uuid,
                    active: false,
                    persistent,
                    autostart: false,
                    volumes: Vec::new(),
                };
                let r = obj.r();
                self.list.push(obj);
                Ok(r)
            }
        }
    }

    fn by_name(&self, name: &str) -> TestResult<&PoolObj> {
        self.list
            .iter()
            .find(|p| p.def.name == name)
            .ok_or_else(|| TestError::NoPool(name.to_string()))
    }

    fn by_name_mut(&mut self, name: &str) -> TestResult<&mut PoolObj> {
        self.list
            .iter_mut()
            .find(|p| p.def.name == name)
            .ok_or_else(|| TestError::NoPool(name.to_string()))
    }

    fn by_uuid(&self, uuid: &Uuid) -> TestResult<&PoolObj> {
        self.list
            .iter()
            .find(|p| p.uuid == *uuid)
            .ok_or(TestError::NoPoolUuid(*uuid))
    }

    fn by_uuid_mut(&mut self, uuid: &Uuid) -> TestResult<&mut PoolObj> {
        self.list
            .iter_mut()
            .find(|p| p.uuid == *uuid)
            .ok_or(TestError::NoPoolUuid(*uuid))
    }

    /// `virConnectListAllStoragePools`.
    pub fn list_all(&self, flags: u32) -> TestResult<Vec<StoragePoolRef>> {
        check_flags(
            flags,
            pool_list_flags::ALL,
            "testConnectListAllStoragePools",
        )?;
        let types = flags & pool_list_flags::ALL_TYPES;
        Ok(self
            .list
            .iter()
            .filter(|p| {
                virt_core::object_filter_matches(flags, p.active, p.persistent, p.autostart)
            })
            .filter(|p| {
                types == 0
                    || pool_list_flags::type_flag(&p.def.pool_type).is_some_and(|f| types & f != 0)
            })
            .map(PoolObj::r)
            .collect())
    }

    /// `virStoragePoolLookupByName`.
    pub fn lookup_by_name(&self, name: &str) -> TestResult<StoragePoolRef> {
        self.by_name(name).map(PoolObj::r)
    }

    /// `virStoragePoolLookupByUUID`.
    pub fn lookup_by_uuid(&self, uuid: &Uuid) -> TestResult<StoragePoolRef> {
        self.by_uuid(uuid).map(PoolObj::r)
    }

    /// `virStoragePoolLookupByVolume`: the pool named in the handle.
    pub fn lookup_by_volume(&self, vol: &StorageVolRef) -> TestResult<StoragePoolRef> {
        self.lookup_by_name(&vol.pool)
    }

    /// A pool's state flags, by handle (`IsActive`, `IsPersistent`,
    /// `GetAutostart`: a transient pool never autostarts).
    pub fn flags_of(&self, pool: &StoragePoolRef) -> TestResult<(bool, bool, bool)> {
        let p = self.by_uuid(&pool.uuid)?;
        Ok((p.active, p.persistent, p.persistent && p.autostart))
    }

    /// `virStoragePoolGetInfo`.
    pub fn info(&self, pool: &StoragePoolRef) -> TestResult<StoragePoolInfo> {
        let p = self.by_name(&pool.name)?;
        Ok(StoragePoolInfo {
            state: if p.active {
                StoragePoolState::Running
            } else {
                StoragePoolState::Inactive
            },
            capacity: p.def.capacity,
            allocation: p.def.allocation,
            available: p.def.available,
        })
    }

    /// `virStoragePoolGetXMLDesc`.
    pub fn xml(&self, pool: &StoragePoolRef, flags: u32) -> TestResult<String> {
        check_flags(flags, 0, "testStoragePoolGetXMLDesc")?;
        Ok(self.by_name(&pool.name)?.def.to_xml())
    }

    /// `virStoragePoolDefineXML`.
    pub fn define(&mut self, xml: &str, flags: u32) -> TestResult<StoragePoolRef> {
        check_flags(
            flags,
            pool_define_flags::VALIDATE,
            "testStoragePoolDefineXML",
        )?;
        let def = without_namespaces(storage::parse_pool(xml).map_err(TestError::Storage)?);
        self.add(def, true)
    }

    /// `virStoragePoolCreateXML`: a transient pool, started.
    pub fn create_xml(&mut self, xml: &str, flags: u32) -> TestResult<StoragePoolRef> {
        check_flags(flags, 0, "testStoragePoolCreateXML")?;
        let def = without_namespaces(storage::parse_pool(xml).map_err(TestError::Storage)?);
        if let Some(p) = self.list.iter().find(|p| p.def.name == def.name) {
            if p.active {
                return Err(TestError::Invalid(format!(
                    "pool is already active as '{}'",
                    p.def.name
                )));
            }
        }
        let r = self.add(def, false)?;
        let p = self.by_uuid_mut(&r.uuid)?;
        p.active = true;
        Ok(r)
    }

    /// `virStoragePoolBuild`: nothing to build, only the state check.
    pub fn build(&self, pool: &StoragePoolRef, flags: u32) -> TestResult<()> {
        check_flags(flags, 0, "testStoragePoolBuild")?;
        self.by_name(&pool.name)?.must_be_inactive()
    }

    /// `virStoragePoolCreate`.
    pub fn start(&mut self, pool: &StoragePoolRef, flags: u32) -> TestResult<()> {
        check_flags(flags, 0, "testStoragePoolCreate")?;
        let p = self.by_name_mut(&pool.name)?;
        p.must_be_inactive()?;
        p.active = true;
        Ok(())
    }

    /// `virStoragePoolDestroy`: a transient pool goes away.
    pub fn destroy(&mut self, pool: &StoragePoolRef) -> TestResult<()> {
        let p = self.by_name_mut(&pool.name)?;
        p.must_be_active()?;
        p.active = false;
        if !p.persistent {
            self.list.retain(|p| p.def.name != pool.name);
        }
        Ok(())
    }

    /// `virStoragePoolDelete`: nothing to delete, only the state check.
    pub fn delete(&self, pool: &StoragePoolRef, flags: u32) -> TestResult<()> {
        check_flags(flags, 0, "testStoragePoolDelete")?;
        self.by_name(&pool.name)?.must_be_inactive()
    }

    /// `virStoragePoolUndefine`.
    pub fn undefine(&mut self, pool: &StoragePoolRef) -> TestResult<()> {
        self.by_name(&pool.name)?.must_be_inactive()?;
        self.list.retain(|p| p.def.name != pool.name);
        Ok(())
    }

    /// `virStoragePoolRefresh`: only the state check.
    pub fn refresh(&self, pool: &StoragePoolRef, flags: u32) -> TestResult<()> {
        check_flags(flags, 0, "testStoragePoolRefresh")?;
        self.by_name(&pool.name)?.must_be_active()
    }

    /// `virStoragePoolSetAutostart`: only persistent pools.
    pub fn set_autostart(&mut self, pool: &StoragePoolRef, on: bool) -> TestResult<()> {
        let p = self.by_name_mut(&pool.name)?;
        if !p.persistent {
            return Err(TestError::InvalidArg("pool has no config file".into()));
        }
        p.autostart = on;
        Ok(())
    }

    /// `virStoragePoolListAllVolumes`.
    pub fn list_volumes(
        &self,
        pool: &StoragePoolRef,
        flags: u32,
    ) -> TestResult<Vec<StorageVolRef>> {
        check_flags(flags, 0, "testStoragePoolListAllVolumes")?;
        let p = self.by_uuid(&pool.uuid)?;
        if !p.active {
            return Err(TestError::Invalid("storage pool is not active".into()));
        }
        Ok(p.volumes.iter().map(|v| p.vol_ref(v)).collect())
    }

    /// The active pool a volume handle names, and the volume.
    fn vol_of(&self, vol: &StorageVolRef) -> TestResult<(&PoolObj, &VolDef)> {
        let p = self.by_name(&vol.pool)?;
        p.must_be_active()?;
        Ok((p, p.vol(&vol.name)?))
    }

    /// `virStorageVolLookupByName`.
    pub fn vol_by_name(&self, pool: &StoragePoolRef, name: &str) -> TestResult<StorageVolRef> {
        let p = self.by_name(&pool.name)?;
        p.must_be_active()?;
        Ok(p.vol_ref(p.vol(name)?))
    }

    /// A volume of an active pool matching `pick`.
    fn find_vol(&self, pick: impl Fn(&VolDef) -> bool) -> Option<StorageVolRef> {
        self.list
            .iter()
            .filter(|p| p.active)
            .find_map(|p| p.volumes.iter().find(|v| pick(v)).map(|v| p.vol_ref(v)))
    }

    /// `virStorageVolLookupByKey`.
    pub fn vol_by_key(&self, key: &str) -> TestResult<StorageVolRef> {
        self.find_vol(|v| v.key.as_deref() == Some(key))
            .ok_or_else(|| TestError::NoVol(format!("no storage vol with matching key '{key}'")))
    }

    /// `virStorageVolLookupByPath`.
    pub fn vol_by_path(&self, path: &str) -> TestResult<StorageVolRef> {
        self.find_vol(|v| v.path.as_deref() == Some(path))
            .ok_or_else(|| TestError::NoVol(format!("no storage vol with matching path '{path}'")))
    }

    /// `virStorageVolCreateXML`.
    pub fn vol_create(
        &mut self,
        pool: &StoragePoolRef,
        xml: &str,
        flags: u32,
    ) -> TestResult<StorageVolRef> {
        check_flags(flags, 0, "testStorageVolCreateXML")?;
        let p = self.by_name_mut(&pool.name)?;
        p.must_be_active()?;
        let vol = parse_vol(p, xml)?;
        p.place(vol)
    }

    /// `virStorageVolCreateXMLFrom`: as a create, once the volume to clone
    /// is found in the pool.
    pub fn vol_create_from(
        &mut self,
        pool: &StoragePoolRef,
        xml: &str,
        clone: &StorageVolRef,
        flags: u32,
    ) -> TestResult<StorageVolRef> {
        check_flags(flags, 0, "testStorageVolCreateXMLFrom")?;
        let p = self.by_name_mut(&pool.name)?;
        p.must_be_active()?;
        let vol = parse_vol(p, xml)?;
        if p.volumes.iter().any(|v| v.name == vol.name) {
            return Err(TestError::Failed("storage vol already exists".into()));
        }
        p.vol(&clone.name)?;
        p.place(vol)
    }

    /// `virStorageVolDelete`.
    pub fn vol_delete(&mut self, vol: &StorageVolRef, flags: u32) -> TestResult<()> {
        check_flags(flags, 0, "testStorageVolDelete")?;
        let p = self.by_name_mut(&vol.pool)?;
        p.must_be_active()?;
        let alloc = p.vol(&vol.name)?.allocation;
        p.def.allocation = p.def.allocation.saturating_sub(alloc);
        p.def.available = p.def.capacity.saturating_sub(p.def.allocation);
        p.volumes.retain(|v| v.name != vol.name);
        Ok(())
    }

    /// `virStorageVolGetInfo`.
    pub fn vol_info(&self, vol: &StorageVolRef) -> TestResult<StorageVolInfo> {
        let (p, v) = self.vol_of(vol)?;
        Ok(StorageVolInfo {
            kind: p.vol_type(),
            capacity: v.capacity,
            allocation: v.allocation,
        })
    }

    /// `virStorageVolGetXMLDesc`.
    pub fn vol_xml(&self, vol: &StorageVolRef, flags: u32) -> TestResult<String> {
        check_flags(flags, 0, "testStorageVolGetXMLDesc")?;
        Ok(self.vol_of(vol)?.1.to_xml())
    }

    /// `virStorageVolGetPath`.
    pub fn vol_path(&self, vol: &StorageVolRef) -> TestResult<String> {
        Ok(self.vol_of(vol)?.1.path.clone().unwrap_or_default())
    }
}

/// libvirt's test driver has no storage namespace handlers: namespaced
/// options (`<fs:mount_opts>`, `<rbd:config_opts>`) are read as nothing.
fn without_namespaces(mut def: storage::PoolDef) -> storage::PoolDef {
    def.extra.retain(|e| !e.name.contains(':'));
    def
}
