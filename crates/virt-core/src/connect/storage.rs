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
    /// True when active (`virStoragePoolIsActive`).
    pub fn is_active(&self) -> Result<bool> {
        self.conn
            .check(self.conn.checked().storage_pool_is_active(&self.r))
    }
    /// True when persistent (`virStoragePoolIsPersistent`).
    pub fn is_persistent(&self) -> Result<bool> {
        self.conn
            .check(self.conn.checked().storage_pool_is_persistent(&self.r))
    }
    /// Autostart flag (`virStoragePoolGetAutostart`).
    pub fn autostart(&self) -> Result<bool> {
        self.conn
            .check(self.conn.checked().storage_pool_get_autostart(&self.r))
    }
    /// State, capacity, allocation, free space (`virStoragePoolGetInfo`).
    pub fn info(&self) -> Result<StoragePoolInfo> {
        self.conn
            .check(self.conn.checked().storage_pool_get_info(&self.r))
    }
    /// The pool XML (`virStoragePoolGetXMLDesc`).
    pub fn xml_desc(&self, flags: u32) -> Result<String> {
        self.conn.check(
            self.conn
                .checked()
                .storage_pool_get_xml_desc(&self.r, flags),
        )
    }
    /// Build the underlying storage (`virStoragePoolBuild`).
    pub fn build(&self, flags: u32) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().storage_pool_build(&self.r, flags))
    }
    /// Start the pool (`virStoragePoolCreate`).
    pub fn create(&self, flags: u32) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().storage_pool_create(&self.r, flags))
    }
    /// Stop the pool (`virStoragePoolDestroy`).
    pub fn destroy(&self) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().storage_pool_destroy(&self.r))
    }
    /// Delete the underlying storage (`virStoragePoolDelete`).
    pub fn delete(&self, flags: u32) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().storage_pool_delete(&self.r, flags))
    }
    /// Remove the persistent definition (`virStoragePoolUndefine`).
    pub fn undefine(&self) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().storage_pool_undefine(&self.r))
    }
    /// Look at the storage again (`virStoragePoolRefresh`).
    pub fn refresh(&self, flags: u32) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().storage_pool_refresh(&self.r, flags))
    }
    /// Mark or unmark for autostart (`virStoragePoolSetAutostart`).
    pub fn set_autostart(&self, autostart: bool) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().storage_pool_set_autostart(&self.r, autostart))
    }
    /// Every volume (`virStoragePoolListAllVolumes`).
    pub fn list_all_volumes(&self, flags: u32) -> Result<Vec<StorageVol>> {
        let c = &self.conn;
        let refs = c.check(c.checked().storage_pool_list_all_volumes(&self.r, flags))?;
        Ok(refs.into_iter().map(|r| c.vol(r)).collect())
    }
    /// How many volumes the pool holds (`virStoragePoolNumOfVolumes`).
    pub fn num_of_volumes(&self) -> Result<u32> {
        let c = &self.conn;
        c.check(c.checked().storage_pool_num_of_volumes(&self.r))
    }
    /// The names of the pool's volumes (`virStoragePoolListVolumes`).
    pub fn list_volumes(&self) -> Result<Vec<String>> {
        let c = &self.conn;
        c.check(c.checked().storage_pool_list_volumes(&self.r))
    }
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
    /// Delete it (`virStorageVolDelete`).
    pub fn delete(&self, flags: u32) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().storage_vol_delete(&self.r, flags))
    }
    /// Overwrite its data with zeroes (`virStorageVolWipe`).
    pub fn wipe(&self, flags: u32) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().storage_vol_wipe(&self.r, flags))
    }
    /// Overwrite its data with a pattern (`virStorageVolWipePattern`).
    pub fn wipe_pattern(&self, algorithm: u32, flags: u32) -> Result<()> {
        let c = &self.conn;
        c.check(
            c.checked()
                .storage_vol_wipe_pattern(&self.r, algorithm, flags),
        )
    }
    /// Change its capacity (`virStorageVolResize`).
    pub fn resize(&self, capacity: u64, flags: u32) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().storage_vol_resize(&self.r, capacity, flags))
    }
    /// Type, capacity, allocation (`virStorageVolGetInfo`).
    pub fn info(&self) -> Result<StorageVolInfo> {
        let c = &self.conn;
        c.check(c.checked().storage_vol_get_info(&self.r))
    }
    /// The volume XML (`virStorageVolGetXMLDesc`).
    pub fn xml_desc(&self, flags: u32) -> Result<String> {
        let c = &self.conn;
        c.check(c.checked().storage_vol_get_xml_desc(&self.r, flags))
    }
    /// Its path on the node (`virStorageVolGetPath`).
    pub fn path(&self) -> Result<String> {
        let c = &self.conn;
        c.check(c.checked().storage_vol_get_path(&self.r))
    }
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
