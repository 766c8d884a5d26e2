//! [`StorageDriver`]: pools and volumes kept on disk, answered afresh from
//! the files at every call, so every process sees the same node.

use crate::error::{check_flags, StorageError, StorageResult};
use crate::image::{self, Measured};
use crate::paths::{self, remove_quiet, write_atomic, Lock, Paths};
use crate::transfer;
use crate::{fs, lvm};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use virt_core::{
    pool_build_flags, pool_create_flags, pool_define_flags, pool_list_flags, vol_create_flags,
    vol_download_flags, vol_resize_flags, vol_upload_flags, vol_wipe_algorithm, Driver, Result,
    StoragePoolInfo, StoragePoolRef, StoragePoolState, StorageVolInfo, StorageVolRef,
    StorageVolType, StreamEnds, Uuid,
};
use virt_xml::storage::{self, PoolDef, VolDef};

/// The pool types this driver serves: a directory, a file system mounted
/// on one (`fs`, or `netfs` from a server), an LVM volume group
/// (`logical`).
const SERVED_TYPES: [&str; 4] = ["dir", "fs", "netfs", "logical"];

/// The storage member of a `qemu:///` connection.
pub struct StorageDriver {
    paths: Paths,
}

/// A pool as its files describe it.
struct Pool {
    /// The live definition when active, else the persistent one.
    def: PoolDef,
    uuid: Uuid,
    active: bool,
    persistent: bool,
    autostart: bool,
}

impl Pool {
    fn r(&self) -> StoragePoolRef {
        StoragePoolRef {
            name: self.def.name.clone(),
            uuid: self.uuid,
        }
    }

    fn target(&self) -> PathBuf {
        PathBuf::from(self.def.target_path().unwrap_or_default())
    }

    /// True for an LVM pool, whose volumes are logical volumes.
    fn is_logical(&self) -> bool {
        self.def.pool_type == "logical"
    }

    /// The volume group of a logical pool (its source name).
    fn vg(&self) -> String {
        self.def
            .source_name()
            .unwrap_or_else(|| self.def.name.clone())
    }

    fn must_be_active(&self) -> StorageResult<()> {
        if !self.active {
            return Err(StorageError::Invalid(format!(
                "storage pool '{}' is not active",
                self.def.name
            )));
        }
        Ok(())
    }

    fn must_be_inactive(&self) -> StorageResult<()> {
        if self.active {
            return Err(StorageError::Invalid(format!(
                "storage pool '{}' is already active",
                self.def.name
            )));
        }
        Ok(())
    }

    /// The file of volume `name`, refusing names that would leave the pool.
    fn vol_path(&self, name: &str) -> StorageResult<PathBuf> {
        check_vol_name(name)?;
        Ok(self.target().join(name))
    }

    fn vol_ref(&self, name: &str) -> StorageVolRef {
        let key = self.target().join(name).display().to_string();
        StorageVolRef {
            pool: self.def.name.clone(),
            name: name.to_string(),
            key,
        }
    }

    /// The names of the pool's volumes: the regular files in its
    /// directory, or the group's logical volumes.
    fn volume_names(&self) -> StorageResult<Vec<String>> {
        if self.is_logical() {
            return Ok(lvm::volumes(&self.vg())?
                .into_iter()
                .map(|v| v.name)
                .collect());
        }
        let dir = self.target();
        let rd = std::fs::read_dir(&dir).map_err(|e| {
            StorageError::system(format!("cannot open directory '{}'", dir.display()), e)
        })?;
        let mut names: Vec<String> = rd
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        Ok(names)
    }
}

/// libvirt refuses a volume name that is a path; `.` and `..` would name
/// the pool's directory or its parent.
fn check_vol_name(name: &str) -> StorageResult<()> {
    if name.contains('/') {
        return Err(StorageError::Invalid(format!(
            "volume name '{name}' cannot contain '/'"
        )));
    }
    if name == "." || name == ".." || name.is_empty() {
        return Err(StorageError::Invalid(format!(
            "volume name '{name}' is not allowed"
        )));
    }
    Ok(())
}

/// libvirt's refusal of a pool type without a backend.
fn no_backend(pool_type: &str) -> StorageError {
    let n = pool_list_flags::TYPES
        .iter()
        .position(|t| *t == pool_type)
        .unwrap_or(0);
    StorageError::Internal(format!("missing backend for pool type {n} ({pool_type})"))
}

fn parse_pool(xml: &str) -> StorageResult<PoolDef> {
    let def = storage::parse_pool(xml).map_err(StorageError::Xml)?;
    if !SERVED_TYPES.contains(&def.pool_type.as_str()) {
        return Err(no_backend(&def.pool_type));
    }
    Ok(def)
}

impl StorageDriver {
    /// Open the storage member of `qemu:///system` (true) or
    /// `qemu:///session`, starting the autostart pools the first time
    /// since the node booted.
    pub fn open(system: bool, read_only: bool) -> Result<StorageDriver> {
        let paths = paths::located(system);
        if read_only && !paths.run.exists() {
            // Nothing was ever defined; a read-only caller sees no pools.
            return Ok(StorageDriver { paths });
        }
        paths::create(&paths)?;
        let d = StorageDriver { paths };
        if !read_only && !d.paths.autostarted().exists() {
            let _lock = d.lock()?;
            for name in d.paths.defined_names() {
                let Ok(p) = d.pool_named(&name) else { continue };
                if p.autostart && !p.active {
                    if let Err(e) = d.start(&p) {
                        log::warn!("cannot autostart pool '{name}': {e}");
                    }
                }
            }
            write_atomic(&d.paths.autostarted(), b"")?;
        }
        Ok(d)
    }

    /// A driver over explicit directories (tests; embedding).
    pub fn with_paths(paths: Paths) -> Result<StorageDriver> {
        paths::create(&paths)?;
        Ok(StorageDriver { paths })
    }

    fn read_def(path: &Path) -> Option<PoolDef> {
        let text = std::fs::read_to_string(path).ok()?;
        storage::parse_pool(&text).ok()
    }

    fn pool_named(&self, name: &str) -> StorageResult<Pool> {
        let live = Self::read_def(&self.paths.run_file(name, "xml"));
        let config = Self::read_def(&self.paths.config_xml(name));
        let persistent = config.is_some();
        let active = live.is_some();
        let def = live
            .or(config)
            .ok_or_else(|| StorageError::NoPool(name.to_string()))?;
        let uuid = def.uuid.unwrap_or_default();
        Ok(Pool {
            def,
            uuid,
            active,
            persistent,
            autostart: persistent && self.paths.autostart(name).exists(),
        })
    }

    fn all_pools(&self) -> Vec<Pool> {
        self.paths
            .all_names()
            .iter()
            .filter_map(|n| self.pool_named(n).ok())
            .collect()
    }

    /// The pool a handle names (by name; a pool renamed under the handle
    /// is not the same pool).
    fn pool(&self, r: &StoragePoolRef) -> StorageResult<Pool> {
        let p = self.pool_named(&r.name)?;
        if p.uuid != r.uuid {
            return Err(StorageError::NoPoolUuid(r.uuid));
        }
        Ok(p)
    }

    fn lock(&self) -> StorageResult<Lock> {
        Ok(self.paths.lock()?)
    }

    /// Start a pool: its directory must be there (a file system is
    /// mounted on it first, a volume group activated instead); the live
    /// XML records it.
    fn start(&self, p: &Pool) -> StorageResult<()> {
        match p.def.pool_type.as_str() {
            "logical" => {
                lvm::start(&p.vg())?;
                return write_atomic(
                    &self.paths.run_file(&p.def.name, "xml"),
                    p.def.to_xml().as_bytes(),
                );
            }
            "fs" | "netfs" => fs::mount(&p.def)?,
            _ => {}
        }
        let target = p.target();
        let md = std::fs::metadata(&target).map_err(|e| {
            StorageError::system(format!("cannot open directory '{}'", target.display()), e)
        })?;
        if !md.is_dir() {
            return Err(StorageError::system(
                format!("cannot open directory '{}'", target.display()),
                std::io::Error::from_raw_os_error(libc::ENOTDIR),
            ));
        }
        write_atomic(
            &self.paths.run_file(&p.def.name, "xml"),
            p.def.to_xml().as_bytes(),
        )
    }

    /// Make the pool's directory (`pool-build`); a file system pool's
    /// device is formatted when a flag asks (as libvirt's), a logical
    /// pool's devices become its volume group.
    fn build(&self, p: &Pool, flags: u32) -> StorageResult<()> {
        if p.is_logical() {
            let overwrite = flags & pool_build_flags::OVERWRITE != 0;
            return lvm::build(&p.vg(), &p.def.source_devices(), overwrite);
        }
        use pool_build_flags::{NO_OVERWRITE, OVERWRITE};
        if flags & OVERWRITE != 0 && flags & NO_OVERWRITE != 0 {
            return Err(StorageError::InvalidArg(
                "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and 'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive".into(),
            ));
        }
        if p.def.pool_type == "netfs" {
            // libvirt makes the directory, then finds no device to format.
            make_dir(&p.target())?;
            if flags != 0 {
                return Err(StorageError::Invalid(format!(
                    "No source device specified when formatting pool '{}'",
                    p.def.name
                )));
            }
            return Ok(());
        }
        if p.def.pool_type == "fs" && flags != 0 {
            let device = p
                .def
                .source_devices()
                .into_iter()
                .next()
                .unwrap_or_default();
            let format = p.def.source_format().unwrap_or_else(|| "auto".into());
            fs::make(&device, &format, flags & pool_build_flags::OVERWRITE != 0)?;
        }
        let target = p.target();
        if flags & pool_build_flags::NO_OVERWRITE != 0 && target.exists() {
            return Err(StorageError::Invalid(format!(
                "Storage source '{}' already exists",
                target.display()
            )));
        }
        make_dir(&target)
    }

    /// The pool's definition with its sizes measured (statvfs of the
    /// directory) when active.
    fn measured_def(p: &Pool) -> PoolDef {
        let mut def = p.def.clone();
        if p.active && p.is_logical() {
            if let Ok(g) = lvm::group_size(&p.vg()) {
                def.capacity = g.capacity;
                def.available = g.available;
                def.allocation = g.capacity.saturating_sub(g.available);
            }
        } else if p.active {
            if let Ok(st) = rustix::fs::statvfs(p.target()) {
                let frsize = st.f_frsize;
                def.capacity = st.f_blocks.saturating_mul(frsize);
                def.available = st.f_bavail.saturating_mul(frsize);
                def.allocation = st
                    .f_blocks
                    .saturating_sub(st.f_bfree)
                    .saturating_mul(frsize);
            }
        }
        def
    }

    /// Refuse a definition whose name or UUID another pool holds.
    fn check_identity(&self, def: &mut PoolDef) -> StorageResult<()> {
        for p in self.all_pools() {
            if Some(p.uuid) == def.uuid && p.def.name != def.name {
                return Err(StorageError::Failed(format!(
                    "pool '{}' is already defined with uuid {}",
                    p.def.name, p.uuid
                )));
            }
            if p.def.name == def.name {
                match def.uuid {
                    Some(u) if u != p.uuid => {
                        return Err(StorageError::Failed(format!(
                            "pool '{}' already exists with uuid {}",
                            p.def.name, p.uuid
                        )))
                    }
                    _ => def.uuid = Some(p.uuid),
                }
            } else if p.def.pool_type == def.pool_type
                && p.def.target_path().is_some()
                && p.def.target_path() == def.target_path()
            {
                return Err(StorageError::Failed(format!(
                    "Storage source conflict with pool: '{}'",
                    p.def.name
                )));
            }
        }
        def.uuid.get_or_insert_with(Uuid::new_v4);
        Ok(())
    }

    /// The volume a handle names, in its (active) pool.
    fn vol(&self, r: &StorageVolRef) -> StorageResult<(Pool, PathBuf)> {
        let p = self.pool_named(&r.pool)?;
        p.must_be_active()?;
        let path = p.vol_path(&r.name).map_err(|_| {
            StorageError::NoVol(format!("no storage vol with matching name '{}'", r.name))
        })?;
        let found = if p.is_logical() {
            p.volume_names()?.contains(&r.name)
        } else {
            path.is_file()
        };
        if !found {
            return Err(StorageError::NoVol(format!(
                "no storage vol with matching name '{}'",
                r.name
            )));
        }
        Ok((p, path))
    }

    /// A volume of an active pool whose file (or key) is `path`.
    fn vol_at(&self, path: &str) -> Option<StorageVolRef> {
        let clean = storage::sanitize_path(path);
        let file = Path::new(&clean);
        let (dir, name) = (file.parent()?, file.file_name()?.to_str()?);
        for p in self.all_pools().into_iter().filter(|p| p.active) {
            if p.is_logical() {
                let lvs = lvm::volumes(&p.vg()).unwrap_or_default();
                let hit = lvs
                    .iter()
                    .find(|v| v.uuid == path || (p.target() == dir && v.name == name));
                if let Some(v) = hit {
                    return Some(Self::logical_ref(&p, v));
                }
            } else if p.target() == dir && file.is_file() {
                return Some(p.vol_ref(name));
            }
        }
        None
    }

    /// The handle of logical volume `v` of pool `p`: LVM's UUID is its key.
    fn logical_ref(p: &Pool, v: &lvm::LogicalVolume) -> StorageVolRef {
        StorageVolRef {
            pool: p.def.name.clone(),
            name: v.name.clone(),
            key: v.uuid.clone(),
        }
    }

    /// The handles of a pool's volumes.
    fn vol_refs(p: &Pool) -> StorageResult<Vec<StorageVolRef>> {
        if p.is_logical() {
            return Ok(lvm::volumes(&p.vg())?
                .iter()
                .map(|v| Self::logical_ref(p, v))
                .collect());
        }
        Ok(p.volume_names()?.iter().map(|n| p.vol_ref(n)).collect())
    }

    /// The one logical volume `name` of pool `p`.
    fn logical_volume(p: &Pool, name: &str) -> StorageResult<lvm::LogicalVolume> {
        lvm::volumes(&p.vg())?
            .into_iter()
            .find(|v| v.name == name)
            .ok_or_else(|| {
                StorageError::NoVol(format!("no storage vol with matching name '{name}'"))
            })
    }

    /// The volume XML libvirt's backends give: a file of a directory, a
    /// logical volume of a group.
    fn vol_def(p: &Pool, name: &str, path: &Path) -> StorageResult<VolDef> {
        if p.is_logical() {
            let v = Self::logical_volume(p, name)?;
            return Ok(VolDef {
                kind: Some(StorageVolType::Block),
                name: v.name.clone(),
                key: Some(v.uuid.clone()),
                capacity: v.size,
                allocation: v.size,
                physical: None,
                path: Some(path.display().to_string()),
                format: None,
                source: None,
                target_extra: Vec::new(),
                extra: Vec::new(),
            });
        }
        let m: Measured = image::measure(path, None)?;
        let md = std::fs::metadata(path).map_err(|e| {
            StorageError::system(format!("cannot stat file '{}'", path.display()), e)
        })?;
        let key = p.target().join(name).display().to_string();
        let mut def = VolDef {
            kind: Some(StorageVolType::File),
            name: name.to_string(),
            key: Some(key.clone()),
            capacity: m.capacity,
            allocation: m.allocation,
            physical: None,
            path: Some(key),
            format: Some(m.format),
            source: None,
            target_extra: Vec::new(),
            extra: Vec::new(),
        };
        def.set_permissions(md.mode(), md.uid(), md.gid());
        if let Some(b) = &m.backing {
            def.set_backing_path(b);
        }
        Ok(def)
    }

    /// Create the file of a new volume `def` in pool `p`, optionally as a
    /// copy of `from` (a file and its format).
    fn make_volume(
        &self,
        p: &Pool,
        def: &VolDef,
        from: Option<(&Path, &str)>,
        flags: u32,
    ) -> StorageResult<StorageVolRef> {
        let path = p.vol_path(&def.name)?;
        let taken = if p.is_logical() {
            p.volume_names()?.contains(&def.name)
        } else {
            path.exists()
        };
        if taken {
            // libvirt's create and clone word this differently.
            return Err(match from {
                None => StorageError::VolExists(def.name.clone()),
                Some(_) => StorageError::Internal(format!(
                    "storage volume name '{}' already in use.",
                    def.name
                )),
            });
        }
        if p.is_logical() {
            let vg = p.vg();
            lvm::create_volume(&vg, &def.name, def.capacity)?;
            if let Some((src, _)) = from {
                if let Err(e) = copy_into(src, &path) {
                    let _ = lvm::delete_volume(&vg, &def.name);
                    return Err(e);
                }
            }
            let v = Self::logical_volume(p, &def.name)?;
            return Ok(Self::logical_ref(p, &v));
        }
        let format = def.format.as_deref().unwrap_or("raw");
        match from {
            Some((src, src_format)) => {
                image::copy(src, src_format, &path, format)?;
                let m = image::measure(&path, Some(format))?;
                if def.capacity > m.capacity {
                    image::resize(&path, format, def.capacity, false, false)?;
                }
            }
            None => {
                let backing = def.backing_store();
                let prealloc = flags & vol_create_flags::PREALLOC_METADATA != 0;
                image::create(
                    &path,
                    format,
                    def.capacity,
                    def.allocation,
                    prealloc,
                    backing.as_ref().map(|(p, f)| (p.as_str(), f.as_deref())),
                )?;
            }
        }
        Ok(p.vol_ref(&def.name))
    }
}

/// Copy the data of `src` into the start of `dst` (a new volume).
fn copy_into(src: &Path, dst: &Path) -> StorageResult<()> {
    let mut from = std::fs::File::open(src)
        .map_err(|e| StorageError::system(format!("cannot open '{}'", src.display()), e))?;
    let mut to = std::fs::OpenOptions::new()
        .write(true)
        .open(dst)
        .map_err(|e| StorageError::system(format!("cannot open '{}'", dst.display()), e))?;
    std::io::copy(&mut from, &mut to)
        .and_then(|_| to.sync_all())
        .map_err(|e| StorageError::system(format!("cannot copy into '{}'", dst.display()), e))
}

/// Make a pool's directory and its parents (`pool-build`).
fn make_dir(target: &Path) -> StorageResult<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(target)
        .map_err(|e| StorageError::system(format!("cannot create path '{}'", target.display()), e))
}

/// The build flags a start with `WITH_BUILD*` flags asks for.
fn build_flags_of(create: u32) -> u32 {
    let mut build = 0;
    if create & pool_create_flags::WITH_BUILD_OVERWRITE != 0 {
        build |= pool_build_flags::OVERWRITE;
    }
    if create & pool_create_flags::WITH_BUILD_NO_OVERWRITE != 0 {
        build |= pool_build_flags::NO_OVERWRITE;
    }
    build
}

/// `Result` of this crate as virt-core's.
fn ok<T>(r: StorageResult<T>) -> Result<T> {
    r.map_err(Into::into)
}

// Upload and download share their one flag's bit, so one check serves both.
const _: () = assert!(vol_upload_flags::SPARSE_STREAM == vol_download_flags::SPARSE_STREAM);

impl StorageDriver {
    /// The opening of both stream calls: their one flag (bit 0 of each,
    /// "holes travel") checked as `api`, then the volume's path handed to
    /// `open` with whether the stream is sparse.
    fn vol_stream(
        &self,
        vol: &StorageVolRef,
        flags: u32,
        api: &'static str,
        open: impl FnOnce(&Path, bool) -> StorageResult<StreamEnds>,
    ) -> Result<StreamEnds> {
        ok((|| {
            check_flags(flags, vol_upload_flags::SPARSE_STREAM, api)?;
            let (_, path) = self.vol(vol)?;
            open(&path, flags & vol_upload_flags::SPARSE_STREAM != 0)
        })())
    }
}

impl Driver for StorageDriver {
    fn type_name(&self) -> &str {
        "QEMU"
    }

    fn list_all_storage_pools(&self, flags: u32) -> Result<Vec<StoragePoolRef>> {
        ok(check_flags(
            flags,
            pool_list_flags::ALL,
            "storageConnectListAllStoragePools",
        ))?;
        let types = flags & pool_list_flags::ALL_TYPES;
        Ok(self
            .all_pools()
            .into_iter()
            .filter(|p| {
                virt_core::object_filter_matches(flags, p.active, p.persistent, p.autostart)
            })
            .filter(|p| {
                types == 0
                    || pool_list_flags::type_flag(&p.def.pool_type).is_some_and(|f| types & f != 0)
            })
            .map(|p| p.r())
            .collect())
    }

    fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePoolRef> {
        ok(self.pool_named(name).map(|p| p.r()))
    }

    fn storage_pool_lookup_by_uuid(&self, uuid: &Uuid) -> Result<StoragePoolRef> {
        ok(self
            .all_pools()
            .into_iter()
            .find(|p| p.uuid == *uuid)
            .map(|p| p.r())
            .ok_or(StorageError::NoPoolUuid(*uuid)))
    }

    fn storage_pool_lookup_by_volume(&self, vol: &StorageVolRef) -> Result<StoragePoolRef> {
        ok(self.pool_named(&vol.pool).map(|p| p.r()))
    }

    fn storage_pool_is_active(&self, pool: &StoragePoolRef) -> Result<bool> {
        ok(self.pool(pool).map(|p| p.active))
    }

    fn storage_pool_is_persistent(&self, pool: &StoragePoolRef) -> Result<bool> {
        ok(self.pool(pool).map(|p| p.persistent))
    }

    fn storage_pool_get_autostart(&self, pool: &StoragePoolRef) -> Result<bool> {
        ok(self.pool(pool).map(|p| p.autostart))
    }

    fn storage_pool_get_info(&self, pool: &StoragePoolRef) -> Result<StoragePoolInfo> {
        let p = ok(self.pool(pool))?;
        let def = Self::measured_def(&p);
        Ok(StoragePoolInfo {
            state: if p.active {
                StoragePoolState::Running
            } else {
                StoragePoolState::Inactive
            },
            capacity: def.capacity,
            allocation: def.allocation,
            available: def.available,
        })
    }

    fn storage_pool_get_xml_desc(&self, pool: &StoragePoolRef, flags: u32) -> Result<String> {
        ok(check_flags(
            flags,
            virt_core::storage_xml_flags::INACTIVE,
            "storagePoolGetXMLDesc",
        ))?;
        let p = ok(self.pool(pool))?;
        if flags & virt_core::storage_xml_flags::INACTIVE != 0 && p.persistent {
            if let Some(def) = Self::read_def(&self.paths.config_xml(&p.def.name)) {
                return Ok(def.to_xml());
            }
        }
        Ok(Self::measured_def(&p).to_xml())
    }

    fn storage_pool_define_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        ok((|| {
            check_flags(flags, pool_define_flags::VALIDATE, "storagePoolDefineXML")?;
            let mut def = parse_pool(xml)?;
            let _lock = self.lock()?;
            self.check_identity(&mut def)?;
            write_atomic(&self.paths.config_xml(&def.name), def.to_xml().as_bytes())?;
            self.pool_named(&def.name).map(|p| p.r())
        })())
    }

    fn storage_pool_create_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        ok((|| {
            check_flags(flags, 0x7, "storagePoolCreateXML")?;
            let mut def = parse_pool(xml)?;
            let _lock = self.lock()?;
            if let Ok(p) = self.pool_named(&def.name) {
                if p.active {
                    return Err(StorageError::Invalid(format!(
                        "pool is already active as '{}'",
                        p.def.name
                    )));
                }
            }
            self.check_identity(&mut def)?;
            let uuid = def.uuid.unwrap_or_default();
            let pool = Pool {
                def,
                uuid,
                active: false,
                persistent: false,
                autostart: false,
            };
            if flags != 0 {
                self.build(&pool, build_flags_of(flags))?;
            }
            self.start(&pool)?;
            Ok(pool.r())
        })())
    }

    fn storage_pool_build(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        ok((|| {
            check_flags(
                flags,
                pool_build_flags::OVERWRITE | pool_build_flags::NO_OVERWRITE,
                "storagePoolBuild",
            )?;
            let _lock = self.lock()?;
            let p = self.pool(pool)?;
            p.must_be_inactive()?;
            self.build(&p, flags)
        })())
    }

    fn storage_pool_create(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        ok((|| {
            let all = pool_create_flags::WITH_BUILD
                | pool_create_flags::WITH_BUILD_OVERWRITE
                | pool_create_flags::WITH_BUILD_NO_OVERWRITE;
            check_flags(flags, all, "storagePoolCreate")?;
            let _lock = self.lock()?;
            let p = self.pool(pool)?;
            p.must_be_inactive()?;
            if flags & all != 0 {
                self.build(&p, build_flags_of(flags))?;
            }
            self.start(&p)
        })())
    }

    fn storage_pool_destroy(&self, pool: &StoragePoolRef) -> Result<()> {
        ok((|| {
            let _lock = self.lock()?;
            let p = self.pool(pool)?;
            p.must_be_active()?;
            match p.def.pool_type.as_str() {
                "logical" => lvm::stop(&p.vg())?,
                "fs" | "netfs" => fs::unmount(&p.def)?,
                _ => {}
            }
            remove_quiet(&self.paths.run_file(&p.def.name, "xml"));
            Ok(())
        })())
    }

    fn storage_pool_delete(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        ok((|| {
            check_flags(flags, 0, "storagePoolDelete")?;
            let _lock = self.lock()?;
            let p = self.pool(pool)?;
            p.must_be_inactive()?;
            if p.is_logical() {
                return lvm::delete(&p.vg(), &p.def.source_devices());
            }
            let target = p.target();
            std::fs::remove_dir(&target).map_err(|e| {
                StorageError::system(format!("failed to remove pool '{}'", target.display()), e)
            })
        })())
    }

    fn storage_pool_undefine(&self, pool: &StoragePoolRef) -> Result<()> {
        ok((|| {
            let _lock = self.lock()?;
            let p = self.pool(pool)?;
            if p.active {
                return Err(StorageError::Invalid(format!(
                    "storage pool '{}' is still active",
                    p.def.name
                )));
            }
            remove_quiet(&self.paths.autostart(&p.def.name));
            std::fs::remove_file(self.paths.config_xml(&p.def.name)).map_err(|e| {
                StorageError::system(format!("cannot remove config for {}", p.def.name), e)
            })
        })())
    }

    fn storage_pool_refresh(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        ok((|| {
            check_flags(flags, 0, "storagePoolRefresh")?;
            let p = self.pool(pool)?;
            p.must_be_active()?;
            // Volumes are read from the directory at every call; a refresh
            // only checks that it is still readable.
            p.volume_names().map(drop)
        })())
    }

    fn storage_pool_set_autostart(&self, pool: &StoragePoolRef, autostart: bool) -> Result<()> {
        ok((|| {
            let _lock = self.lock()?;
            let p = self.pool(pool)?;
            if !p.persistent {
                return Err(StorageError::Internal(
                    "cannot set autostart for transient pool".into(),
                ));
            }
            let mark = self.paths.autostart(&p.def.name);
            if autostart {
                write_atomic(&mark, b"")
            } else {
                remove_quiet(&mark);
                Ok(())
            }
        })())
    }

    fn storage_pool_list_all_volumes(
        &self,
        pool: &StoragePoolRef,
        flags: u32,
    ) -> Result<Vec<StorageVolRef>> {
        ok((|| {
            check_flags(flags, 0, "storagePoolListAllVolumes")?;
            let p = self.pool(pool)?;
            p.must_be_active()?;
            Self::vol_refs(&p)
        })())
    }

    fn storage_pool_num_of_volumes(&self, pool: &StoragePoolRef) -> Result<u32> {
        self.storage_pool_list_volumes(pool)
            .map(|names| names.len() as u32)
    }

    fn storage_pool_list_volumes(&self, pool: &StoragePoolRef) -> Result<Vec<String>> {
        ok((|| {
            let p = self.pool(pool)?;
            p.must_be_active()?;
            Ok(Self::vol_refs(&p)?.into_iter().map(|v| v.name).collect())
        })())
    }

    fn storage_vol_lookup_by_name(
        &self,
        pool: &StoragePoolRef,
        name: &str,
    ) -> Result<StorageVolRef> {
        let r = self.pool(pool).and_then(|p| {
            p.must_be_active()?;
            if p.is_logical() {
                return Self::logical_volume(&p, name).map(|v| Self::logical_ref(&p, &v));
            }
            let found = p.vol_path(name).is_ok_and(|f| f.is_file());
            if !found {
                return Err(StorageError::NoVol(format!(
                    "no storage vol with matching name '{name}'"
                )));
            }
            Ok(p.vol_ref(name))
        });
        ok(r)
    }

    fn storage_vol_lookup_by_key(&self, key: &str) -> Result<StorageVolRef> {
        ok(self
            .vol_at(key)
            .ok_or_else(|| StorageError::NoVol(format!("no storage vol with matching key {key}"))))
    }

    fn storage_vol_lookup_by_path(&self, path: &str) -> Result<StorageVolRef> {
        ok(self.vol_at(path).ok_or_else(|| {
            StorageError::NoVol(format!("no storage vol with matching path '{path}'"))
        }))
    }

    fn storage_vol_create_xml(
        &self,
        pool: &StoragePoolRef,
        xml: &str,
        flags: u32,
    ) -> Result<StorageVolRef> {
        ok((|| {
            check_flags(
                flags,
                vol_create_flags::PREALLOC_METADATA | vol_create_flags::VALIDATE,
                "storageVolCreateXML",
            )?;
            let p = self.pool(pool)?;
            p.must_be_active()?;
            let def = storage::parse_volume(xml, &p.def.pool_type).map_err(StorageError::Xml)?;
            let _lock = self.lock()?;
            self.make_volume(&p, &def, None, flags)
        })())
    }

    fn storage_vol_create_xml_from(
        &self,
        pool: &StoragePoolRef,
        xml: &str,
        clonevol: &StorageVolRef,
        flags: u32,
    ) -> Result<StorageVolRef> {
        ok((|| {
            check_flags(
                flags,
                vol_create_flags::PREALLOC_METADATA
                    | vol_create_flags::REFLINK
                    | vol_create_flags::VALIDATE,
                "storageVolCreateXMLFrom",
            )?;
            let p = self.pool(pool)?;
            p.must_be_active()?;
            let def = storage::parse_volume(xml, &p.def.pool_type).map_err(StorageError::Xml)?;
            let (_, src) = self.vol(clonevol)?;
            let m = image::measure(&src, None)?;
            let _lock = self.lock()?;
            self.make_volume(&p, &def, Some((&src, &m.format)), flags)
        })())
    }

    fn storage_vol_delete(&self, vol: &StorageVolRef, flags: u32) -> Result<()> {
        ok((|| {
            check_flags(flags, 0, "storageVolDelete")?;
            let _lock = self.lock()?;
            let (p, path) = self.vol(vol)?;
            if p.is_logical() {
                return lvm::delete_volume(&p.vg(), &vol.name);
            }
            std::fs::remove_file(&path).map_err(|e| {
                StorageError::system(format!("cannot unlink file '{}'", path.display()), e)
            })
        })())
    }

    fn storage_vol_wipe(&self, vol: &StorageVolRef, flags: u32) -> Result<()> {
        self.storage_vol_wipe_pattern(vol, vol_wipe_algorithm::ZERO, flags)
    }

    fn storage_vol_wipe_pattern(
        &self,
        vol: &StorageVolRef,
        algorithm: u32,
        flags: u32,
    ) -> Result<()> {
        ok((|| {
            check_flags(flags, 0, "storageVolWipePattern")?;
            if algorithm != vol_wipe_algorithm::ZERO {
                return Err(StorageError::NoSupport(format!(
                    "wiping algorithm {algorithm} (only zeroing is done by this driver)"
                )));
            }
            let _lock = self.lock()?;
            let (p, path) = self.vol(vol)?;
            if p.is_logical() {
                let v = Self::logical_volume(&p, &vol.name)?;
                return image::zero(&path, v.size);
            }
            let m = image::measure(&path, None)?;
            image::wipe(&path, &m.format, m.capacity)
        })())
    }

    fn storage_vol_resize(&self, vol: &StorageVolRef, capacity: u64, flags: u32) -> Result<()> {
        ok((|| {
            use vol_resize_flags::{ALLOCATE, DELTA, SHRINK};
            check_flags(flags, ALLOCATE | DELTA | SHRINK, "storageVolResize")?;
            let _lock = self.lock()?;
            let (p, path) = self.vol(vol)?;
            let m = if p.is_logical() {
                let v = Self::logical_volume(&p, &vol.name)?;
                Measured {
                    format: "raw".into(),
                    capacity: v.size,
                    allocation: v.size,
                    backing: None,
                }
            } else {
                image::measure(&path, None)?
            };
            let new = match (flags & DELTA != 0, flags & SHRINK != 0) {
                (true, true) => m.capacity.checked_sub(capacity).ok_or_else(|| {
                    StorageError::InvalidArg("can't shrink capacity below size of 0".into())
                })?,
                (true, false) => m
                    .capacity
                    .checked_add(capacity)
                    .ok_or_else(|| StorageError::InvalidArg("capacity overflow".into()))?,
                (false, _) => capacity,
            };
            if new < m.capacity && flags & SHRINK == 0 {
                return Err(StorageError::InvalidArg(
                    "Can't shrink capacity below current capacity unless shrink flag explicitly specified".into(),
                ));
            }
            if new > i64::MAX as u64 {
                return Err(StorageError::InvalidArg(format!(
                    "capacity {new} is out of range"
                )));
            }
            if p.is_logical() {
                return lvm::resize_volume(&p.vg(), &vol.name, m.capacity, new);
            }
            image::resize(
                &path,
                &m.format,
                new,
                flags & ALLOCATE != 0,
                new < m.capacity,
            )
        })())
    }

    fn storage_vol_get_info(&self, vol: &StorageVolRef) -> Result<StorageVolInfo> {
        ok((|| {
            let (p, path) = self.vol(vol)?;
            if p.is_logical() {
                let v = Self::logical_volume(&p, &vol.name)?;
                return Ok(StorageVolInfo {
                    kind: StorageVolType::Block,
                    capacity: v.size,
                    allocation: v.size,
                });
            }
            let m = image::measure(&path, None)?;
            Ok(StorageVolInfo {
                kind: StorageVolType::File,
                capacity: m.capacity,
                allocation: m.allocation,
            })
        })())
    }

    fn storage_vol_get_xml_desc(&self, vol: &StorageVolRef, flags: u32) -> Result<String> {
        ok((|| {
            check_flags(flags, 0, "storageVolGetXMLDesc")?;
            let (p, path) = self.vol(vol)?;
            Ok(Self::vol_def(&p, &vol.name, &path)?.to_xml())
        })())
    }

    fn storage_vol_get_path(&self, vol: &StorageVolRef) -> Result<String> {
        ok(self.vol(vol).map(|(_, path)| path.display().to_string()))
    }

    fn storage_vol_upload(
        &self,
        vol: &StorageVolRef,
        offset: u64,
        length: u64,
        flags: u32,
    ) -> Result<StreamEnds> {
        self.vol_stream(vol, flags, "storageVolUpload", |path, sparse| {
            let sink = transfer::sink(path, offset, length, sparse)?;
            Ok(StreamEnds::sending(Box::new(sink)))
        })
    }

    fn storage_vol_download(
        &self,
        vol: &StorageVolRef,
        offset: u64,
        length: u64,
        flags: u32,
    ) -> Result<StreamEnds> {
        self.vol_stream(vol, flags, "storageVolDownload", |path, sparse| {
            let source = transfer::source(path, offset, length, sparse)?;
            Ok(StreamEnds::receiving(Box::new(source)))
        })
    }
}
