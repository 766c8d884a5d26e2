//! The calls of storage pool and volume handles ([`StoragePool`],
//! [`StorageVol`]): each through the connection's `Checked` driver, as
//! the domain and network handles' calls in the parent module.

use super::*;

impl StoragePool {
    /// The pool's name.
    pub fn name(&self) -> &str {
        &self.r.name
    }
    /// The pool's UUID.
    pub fn uuid(&self) -> Uuid {
        self.r.uuid
    }
    handle_call!(/// True when active (`virStoragePoolIsActive`).
        is_active => storage_pool_is_active() -> bool);
    handle_call!(/// True when persistent (`virStoragePoolIsPersistent`).
        is_persistent => storage_pool_is_persistent() -> bool);
    handle_call!(/// Autostart flag (`virStoragePoolGetAutostart`).
        autostart => storage_pool_get_autostart() -> bool);
    handle_call!(/// State, capacity, allocation, free space (`virStoragePoolGetInfo`).
        info => storage_pool_get_info() -> StoragePoolInfo);
    handle_call!(/// The pool XML (`virStoragePoolGetXMLDesc`).
        xml_desc => storage_pool_get_xml_desc(flags: u32) -> String);
    handle_call!(/// Build the underlying storage (`virStoragePoolBuild`).
        build => storage_pool_build(flags: u32) -> ());
    handle_call!(/// Start the pool (`virStoragePoolCreate`).
        create => storage_pool_create(flags: u32) -> ());
    handle_call!(/// Stop the pool (`virStoragePoolDestroy`).
        destroy => storage_pool_destroy() -> ());
    handle_call!(/// Delete the underlying storage (`virStoragePoolDelete`).
        delete => storage_pool_delete(flags: u32) -> ());
    handle_call!(/// Remove the persistent definition (`virStoragePoolUndefine`).
        undefine => storage_pool_undefine() -> ());
    handle_call!(/// Look at the storage again (`virStoragePoolRefresh`).
        refresh => storage_pool_refresh(flags: u32) -> ());
    handle_call!(/// Mark or unmark for autostart (`virStoragePoolSetAutostart`).
        set_autostart => storage_pool_set_autostart(autostart: bool) -> ());
    /// Every volume (`virStoragePoolListAllVolumes`).
    pub fn list_all_volumes(&self, flags: u32) -> Result<Vec<StorageVol>> {
        let c = &self.conn;
        let refs = c.check(c.checked().storage_pool_list_all_volumes(&self.r, flags))?;
        Ok(refs.into_iter().map(|r| c.vol(r)).collect())
    }
    handle_call!(/// How many volumes the pool holds (`virStoragePoolNumOfVolumes`).
        num_of_volumes => storage_pool_num_of_volumes() -> u32);
    handle_call!(/// The names of the pool's volumes (`virStoragePoolListVolumes`).
        list_volumes => storage_pool_list_volumes() -> Vec<String>);
    /// Find a volume by name (`virStorageVolLookupByName`).
    pub fn storage_vol_lookup_by_name(&self, name: &str) -> Result<StorageVol> {
        let c = &self.conn;
        c.check(c.checked().storage_vol_lookup_by_name(&self.r, name))
            .map(|r| c.vol(r))
    }
    /// Create a volume from XML (`virStorageVolCreateXML`).
    pub fn storage_vol_create_xml(&self, xml: &str, flags: u32) -> Result<StorageVol> {
        let c = &self.conn;
        c.check(c.checked().storage_vol_create_xml(&self.r, xml, flags))
            .map(|r| c.vol(r))
    }
    /// Create a volume from XML holding a copy of `clone`
    /// (`virStorageVolCreateXMLFrom`).
    pub fn storage_vol_create_xml_from(
        &self,
        xml: &str,
        clone: &StorageVol,
        flags: u32,
    ) -> Result<StorageVol> {
        let c = &self.conn;
        c.check(
            c.checked()
                .storage_vol_create_xml_from(&self.r, xml, &clone.r, flags),
        )
        .map(|r| c.vol(r))
    }
}

impl StorageVol {
    /// The volume's name.
    pub fn name(&self) -> &str {
        &self.r.name
    }
    /// The volume's key (`virStorageVolGetKey`).
    pub fn key(&self) -> &str {
        &self.r.key
    }
    /// The name of the pool holding it.
    pub fn pool_name(&self) -> &str {
        &self.r.pool
    }
    /// The pool holding it (`virStoragePoolLookupByVolume`).
    pub fn pool(&self) -> Result<StoragePool> {
        let c = &self.conn;
        c.check(c.checked().storage_pool_lookup_by_volume(&self.r))
            .map(|r| c.pool(r))
    }
    handle_call!(/// Delete it (`virStorageVolDelete`).
        delete => storage_vol_delete(flags: u32) -> ());
    handle_call!(/// Overwrite its data with zeroes (`virStorageVolWipe`).
        wipe => storage_vol_wipe(flags: u32) -> ());
    handle_call!(/// Overwrite its data with a pattern (`virStorageVolWipePattern`).
        wipe_pattern => storage_vol_wipe_pattern(algorithm: u32, flags: u32) -> ());
    handle_call!(/// Change its capacity (`virStorageVolResize`).
        resize => storage_vol_resize(capacity: u64, flags: u32) -> ());
    handle_call!(/// Type, capacity, allocation (`virStorageVolGetInfo`).
        info => storage_vol_get_info() -> StorageVolInfo);
    handle_call!(/// The volume XML (`virStorageVolGetXMLDesc`).
        xml_desc => storage_vol_get_xml_desc(flags: u32) -> String);
    handle_call!(/// Its path on the node (`virStorageVolGetPath`).
        path => storage_vol_get_path() -> String);
    /// Write into it through `stream` (`virStorageVolUpload`): `length`
    /// bytes from `offset` (0: to the end); `flags` from
    /// [`crate::vol_upload_flags`].
    pub fn upload(&self, stream: &Stream, offset: u64, length: u64, flags: u32) -> Result<()> {
        let c = &self.conn;
        c.check_stream(stream, "virStorageVolUpload", "stream", || {
            format!(
                "stream in virStorageVolUpload must match connection of volume '{}'",
                self.r.name
            )
        })?;
        let ends = c.check(
            c.checked()
                .storage_vol_upload(&self.r, offset, length, flags),
        )?;
        stream.attach(ends);
        Ok(())
    }
    /// Read it through `stream` (`virStorageVolDownload`): `length` bytes
    /// from `offset` (0: to the end); `flags` from
    /// [`crate::vol_download_flags`].
    pub fn download(&self, stream: &Stream, offset: u64, length: u64, flags: u32) -> Result<()> {
        let c = &self.conn;
        c.check_stream(stream, "virStorageVolDownload", "stream", || {
            format!(
                "stream in virStorageVolDownload must match connection of volume '{}'",
                self.r.name
            )
        })?;
        let ends = c.check(
            c.checked()
                .storage_vol_download(&self.r, offset, length, flags),
        )?;
        stream.attach(ends);
        Ok(())
    }
}
