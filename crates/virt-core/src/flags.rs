//! libvirt's flag sets and numbered choices of the API calls, one module
//! a set (`VIR_DOMAIN_SAVE_*` is [`save_flags`], ...), with libvirt's
//! values. Re-exported by [`crate::types`] and the crate root.

/// `VIR_DOMAIN_DEVICE_MODIFY_*`: flags of device attach, detach and
/// update beyond `affect`'s.
pub mod device_modify {
    /// Change the media of a CD-ROM even when the guest locked its tray.
    pub const FORCE: u32 = 4;
}

/// `VIR_DOMAIN_CONSOLE_*`: flags of `Domain::open_console`.
pub mod console_flags {
    /// Take the console over from a session that holds it.
    pub const FORCE: u32 = 1;
    /// Only connect when the driver can keep two sessions apart.
    pub const SAFE: u32 = 2;
}

/// `VIR_DOMAIN_DEFINE_*` flags of `Connect::define_domain_xml`.
pub mod define_flags {
    /// Reject what the schema does not allow, naming it, instead of keeping
    /// unknown content (`VIR_DOMAIN_DEFINE_VALIDATE`).
    pub const VALIDATE: u32 = 1;
}

/// `VIR_DOMAIN_START_*` / `VIR_DOMAIN_NONE` flags of `Connect::create_xml` and
/// `Domain::create_with_flags`.
pub mod start_flags {
    /// Start paused.
    pub const PAUSED: u32 = 1;
    /// Destroy the domain when the connection closes.
    pub const AUTODESTROY: u32 = 2;
    /// Read or write a managed save image past the file system cache.
    pub const BYPASS_CACHE: u32 = 4;
    /// Boot afresh, discarding a managed save image.
    pub const FORCE_BOOT: u32 = 8;
    /// Validate the XML against the schema.
    pub const VALIDATE: u32 = 16;
    /// Make the guest's UEFI variable store afresh from its template.
    pub const RESET_NVRAM: u32 = 32;
}

/// `VIR_DOMAIN_XML_*` flags of `Domain::xml_desc`.
pub mod xml_flags {
    /// Include security-sensitive data.
    pub const SECURE: u32 = 1;
    /// The persistent definition rather than the live one.
    pub const INACTIVE: u32 = 2;
    /// Update the guest CPU from the host.
    pub const UPDATE_CPU: u32 = 4;
    /// Only what migration keeps.
    pub const MIGRATABLE: u32 = 8;
}

/// `VIR_DOMAIN_SAVE_*` flags of `Domain::save_flags` and
/// `Connect::restore_flags`.
pub mod save_flags {
    /// Avoid the file system cache.
    pub const BYPASS_CACHE: u32 = 1;
    /// Start the restored domain running.
    pub const RUNNING: u32 = 2;
    /// Start the restored domain paused.
    pub const PAUSED: u32 = 4;
    /// Make the guest's UEFI variable store afresh from its template.
    pub const RESET_NVRAM: u32 = 8;
}

/// `VIR_DUMP_*` flags of `Domain::core_dump`.
pub mod dump_flags {
    /// Stop the domain, as crashed, after the dump.
    pub const CRASH: u32 = 1;
    /// Dump without pausing the domain.
    pub const LIVE: u32 = 2;
    /// Avoid the file system cache.
    pub const BYPASS_CACHE: u32 = 4;
    /// Reset the domain after the dump.
    pub const RESET: u32 = 8;
    /// Dump guest memory only.
    pub const MEMORY_ONLY: u32 = 16;
}

/// `VIR_DOMAIN_CORE_DUMP_FORMAT_*`: the formats of
/// `Domain::core_dump_with_format`.
pub mod dump_format {
    /// Plain ELF (what `core_dump` writes).
    pub const RAW: u32 = 0;
    /// kdump, zlib-compressed.
    pub const KDUMP_ZLIB: u32 = 1;
    /// kdump, lzo-compressed.
    pub const KDUMP_LZO: u32 = 2;
    /// kdump, snappy-compressed.
    pub const KDUMP_SNAPPY: u32 = 3;
    /// Windows crash dump.
    pub const WIN_DMP: u32 = 4;
    /// One past the last known format.
    pub const LAST: u32 = 5;
}

/// `VIR_TYPED_PARAM_*` flags.
pub mod typed_param_flags {
    /// The caller accepts string parameters; the library adds it to the
    /// flags of the calls that read typed parameters.
    pub const STRING_OKAY: u32 = 4;
}

/// Flags of `Connect::list_all_storage_pools`
/// (`VIR_CONNECT_LIST_STORAGE_POOLS_*`).
pub mod pool_list_flags {
    /// Inactive pools.
    pub const INACTIVE: u32 = 1 << 0;
    /// Active pools.
    pub const ACTIVE: u32 = 1 << 1;
    /// Persistent pools.
    pub const PERSISTENT: u32 = 1 << 2;
    /// Transient pools.
    pub const TRANSIENT: u32 = 1 << 3;
    /// Pools marked for autostart.
    pub const AUTOSTART: u32 = 1 << 4;
    /// Pools not marked for autostart.
    pub const NO_AUTOSTART: u32 = 1 << 5;
    /// The pool types in libvirt's order: the flag of the type at index `i`
    /// is `1 << (6 + i)` (`VIR_CONNECT_LIST_STORAGE_POOLS_DIR` ...).
    pub const TYPES: [&str; 14] = [
        "dir",
        "fs",
        "netfs",
        "logical",
        "disk",
        "iscsi",
        "scsi",
        "mpath",
        "rbd",
        "sheepdog",
        "gluster",
        "zfs",
        "vstorage",
        "iscsi-direct",
    ];
    /// Every type flag.
    pub const ALL_TYPES: u32 = ((1 << TYPES.len()) - 1) << 6;
    /// Every flag libvirt 9.0 knows.
    pub const ALL: u32 = ALL_TYPES | 0x3f;

    /// The listing flag of a pool type ("dir" is `1 << 6`).
    pub fn type_flag(pool_type: &str) -> Option<u32> {
        TYPES
            .iter()
            .position(|&t| t == pool_type)
            .map(|i| 1 << (6 + i))
    }
}

/// Flags of `StoragePool::build` (`VIR_STORAGE_POOL_BUILD_*`).
pub mod pool_build_flags {
    /// Build a new pool (0).
    pub const NEW: u32 = 0;
    /// Repair a pool (not supported by any backend libvirt ships).
    pub const REPAIR: u32 = 1 << 0;
    /// Extend an existing pool.
    pub const RESIZE: u32 = 1 << 1;
    /// Refuse to overwrite existing data.
    pub const NO_OVERWRITE: u32 = 1 << 2;
    /// Overwrite whatever is there.
    pub const OVERWRITE: u32 = 1 << 3;
}

/// Flags of `StoragePool::create` (`VIR_STORAGE_POOL_CREATE_*`).
pub mod pool_create_flags {
    /// Build the pool before starting it.
    pub const WITH_BUILD: u32 = 1 << 0;
    /// Build, overwriting (`OVERWRITE` build flag).
    pub const WITH_BUILD_OVERWRITE: u32 = 1 << 1;
    /// Build, refusing to overwrite (`NO_OVERWRITE` build flag).
    pub const WITH_BUILD_NO_OVERWRITE: u32 = 1 << 2;
}

/// Flags of `StoragePool::delete` (`VIR_STORAGE_POOL_DELETE_*`).
pub mod pool_delete_flags {
    /// Zero the pool's data before deleting it.
    pub const ZEROED: u32 = 1 << 0;
}

/// Flags of pool definitions (`VIR_STORAGE_POOL_DEFINE_*`).
pub mod pool_define_flags {
    /// Validate the XML against libvirt's schema.
    pub const VALIDATE: u32 = 1 << 0;
}

/// Flags of the pool XML (`VIR_STORAGE_XML_*`).
pub mod storage_xml_flags {
    /// The definition the pool starts with next time.
    pub const INACTIVE: u32 = 1 << 0;
}

/// Flags of volume creation (`VIR_STORAGE_VOL_CREATE_*`).
pub mod vol_create_flags {
    /// Preallocate the metadata (qcow2).
    pub const PREALLOC_METADATA: u32 = 1 << 0;
    /// Clone by reflink where the filesystem can.
    pub const REFLINK: u32 = 1 << 1;
    /// Validate the XML against libvirt's schema.
    pub const VALIDATE: u32 = 1 << 2;
}

/// Flags of `Domain::snapshot_create_xml` (`VIR_DOMAIN_SNAPSHOT_CREATE_*`).
pub mod snapshot_create_flags {
    /// Restore or change the metadata of a snapshot taken before.
    pub const REDEFINE: u32 = 1 << 0;
    /// With `REDEFINE`, make the snapshot the current one.
    pub const CURRENT: u32 = 1 << 1;
    /// Take the snapshot without keeping its metadata.
    pub const NO_METADATA: u32 = 1 << 2;
    /// Stop the guest after the snapshot.
    pub const HALT: u32 = 1 << 3;
    /// Snapshot the disks only, not the memory.
    pub const DISK_ONLY: u32 = 1 << 4;
    /// Reuse existing external files.
    pub const REUSE_EXT: u32 = 1 << 5;
    /// Quiesce the guest's file systems through its agent first.
    pub const QUIESCE: u32 = 1 << 6;
    /// All or nothing.
    pub const ATOMIC: u32 = 1 << 7;
    /// Keep the guest running while the snapshot is taken.
    pub const LIVE: u32 = 1 << 8;
    /// Validate the XML against libvirt's schema.
    pub const VALIDATE: u32 = 1 << 9;
}

/// Flags of the snapshot listings (`VIR_DOMAIN_SNAPSHOT_LIST_*`).
pub mod snapshot_list_flags {
    /// Listing a domain: only snapshots without a parent.
    pub const ROOTS: u32 = 1 << 0;
    /// Listing a snapshot: all descendants, not only children (the same
    /// bit as `ROOTS`).
    pub const DESCENDANTS: u32 = 1 << 0;
    /// Only snapshots with metadata.
    pub const METADATA: u32 = 1 << 1;
    /// Only snapshots without children.
    pub const LEAVES: u32 = 1 << 2;
    /// Only snapshots with children.
    pub const NO_LEAVES: u32 = 1 << 3;
    /// Only snapshots without metadata.
    pub const NO_METADATA: u32 = 1 << 4;
    /// Only snapshots taken while the guest was shut off.
    pub const INACTIVE: u32 = 1 << 5;
    /// Only snapshots of a running guest with its memory.
    pub const ACTIVE: u32 = 1 << 6;
    /// Only disk-only snapshots of a running guest.
    pub const DISK_ONLY: u32 = 1 << 7;
    /// Only snapshots stored inside the disk images.
    pub const INTERNAL: u32 = 1 << 8;
    /// Only snapshots in files of their own.
    pub const EXTERNAL: u32 = 1 << 9;
    /// Parents before their children.
    pub const TOPOLOGICAL: u32 = 1 << 10;
    /// Every filter bit (what drivers accept besides `ROOTS` and
    /// `TOPOLOGICAL`).
    pub const FILTERS_ALL: u32 = METADATA
        | NO_METADATA
        | LEAVES
        | NO_LEAVES
        | INACTIVE
        | ACTIVE
        | DISK_ONLY
        | INTERNAL
        | EXTERNAL;
}

/// Flags of `DomainSnapshot::revert` (`VIR_DOMAIN_SNAPSHOT_REVERT_*`).
pub mod snapshot_revert_flags {
    /// Run the guest after the revert.
    pub const RUNNING: u32 = 1 << 0;
    /// Pause the guest after the revert.
    pub const PAUSED: u32 = 1 << 1;
    /// Allow risky reverts.
    pub const FORCE: u32 = 1 << 2;
    /// Initialize the NVRAM again from its template.
    pub const RESET_NVRAM: u32 = 1 << 3;
}

/// Flags of `DomainSnapshot::delete` (`VIR_DOMAIN_SNAPSHOT_DELETE_*`).
pub mod snapshot_delete_flags {
    /// Delete the snapshot's descendants too.
    pub const CHILDREN: u32 = 1 << 0;
    /// Delete only the metadata, not the data.
    pub const METADATA_ONLY: u32 = 1 << 1;
    /// Delete only the descendants.
    pub const CHILDREN_ONLY: u32 = 1 << 2;
}

/// Flags of `Domain::undefine` (`VIR_DOMAIN_UNDEFINE_*`) that concern
/// snapshots and the UEFI variable store.
pub mod undefine_snapshot_flags {
    /// Remove the domain's managed save image with it.
    pub const MANAGED_SAVE: u32 = 1;
    /// Remove the snapshots' metadata with the domain.
    pub const SNAPSHOTS_METADATA: u32 = 1 << 1;
    /// Remove the guest's UEFI variable store with it.
    pub const NVRAM: u32 = 1 << 2;
    /// Keep the guest's UEFI variable store.
    pub const KEEP_NVRAM: u32 = 1 << 3;
}

/// Flags of `Domain::checkpoint_create_xml`
/// (`VIR_DOMAIN_CHECKPOINT_CREATE_*`).
pub mod checkpoint_create_flags {
    /// Restore or change the metadata of a checkpoint made before.
    pub const REDEFINE: u32 = 1 << 0;
    /// Quiesce the guest's file systems through its agent first.
    pub const QUIESCE: u32 = 1 << 1;
    /// With `REDEFINE`, check the disks' data against the metadata.
    pub const REDEFINE_VALIDATE: u32 = 1 << 2;
}

/// Flags of `DomainCheckpoint::xml_desc` (`VIR_DOMAIN_CHECKPOINT_XML_*`).
pub mod checkpoint_xml_flags {
    /// Include security-sensitive parts of the domain.
    pub const SECURE: u32 = 1 << 0;
    /// Leave the `<domain>` out.
    pub const NO_DOMAIN: u32 = 1 << 1;
    /// Add each disk's current dirty size.
    pub const SIZE: u32 = 1 << 2;
}

/// Flags of the checkpoint listings (`VIR_DOMAIN_CHECKPOINT_LIST_*`).
pub mod checkpoint_list_flags {
    /// Listing a domain: only checkpoints without a parent.
    pub const ROOTS: u32 = 1 << 0;
    /// Listing a checkpoint: all descendants, not only children (the
    /// same bit as `ROOTS`).
    pub const DESCENDANTS: u32 = 1 << 0;
    /// Parents before their children.
    pub const TOPOLOGICAL: u32 = 1 << 1;
    /// Only checkpoints without children.
    pub const LEAVES: u32 = 1 << 2;
    /// Only checkpoints with children.
    pub const NO_LEAVES: u32 = 1 << 3;
    /// Every filter bit (what drivers accept besides `ROOTS` and
    /// `TOPOLOGICAL`).
    pub const FILTERS_ALL: u32 = LEAVES | NO_LEAVES;
}

/// Flags of `DomainCheckpoint::delete` (`VIR_DOMAIN_CHECKPOINT_DELETE_*`).
pub mod checkpoint_delete_flags {
    /// Delete the checkpoint's descendants too.
    pub const CHILDREN: u32 = 1 << 0;
    /// Delete only the metadata, not the bitmaps.
    pub const METADATA_ONLY: u32 = 1 << 1;
    /// Delete only the descendants.
    pub const CHILDREN_ONLY: u32 = 1 << 2;
}

/// Flags of `StorageVol::delete` (`VIR_STORAGE_VOL_DELETE_*`).
pub mod vol_delete_flags {
    /// Zero the data before deleting.
    pub const ZEROED: u32 = 1 << 0;
    /// Delete the volume's snapshots too.
    pub const WITH_SNAPSHOTS: u32 = 1 << 1;
}

/// Flags of `StorageVol::resize` (`VIR_STORAGE_VOL_RESIZE_*`).
pub mod vol_resize_flags {
    /// Allocate the new space, not only grow the logical size.
    pub const ALLOCATE: u32 = 1 << 0;
    /// The capacity is added to (or, with `SHRINK`, taken from) the
    /// current one.
    pub const DELTA: u32 = 1 << 1;
    /// Allow a smaller capacity.
    pub const SHRINK: u32 = 1 << 2;
}

/// Algorithms of `StorageVol::wipe_pattern`
/// (`virStorageVolWipeAlgorithm`).
pub mod vol_wipe_algorithm {
    /// Write zeroes.
    pub const ZERO: u32 = 0;
    /// One past the last algorithm libvirt 9.0 knows (`TRIM` is 9).
    pub const LAST: u32 = 10;
}

/// Flags of `Connect::list_all_networks` (`VIR_CONNECT_LIST_NETWORKS_*`).
pub mod network_list_flags {
    /// Inactive networks.
    pub const INACTIVE: u32 = 1 << 0;
    /// Active networks.
    pub const ACTIVE: u32 = 1 << 1;
    /// Persistent networks.
    pub const PERSISTENT: u32 = 1 << 2;
    /// Transient networks.
    pub const TRANSIENT: u32 = 1 << 3;
    /// Networks marked for autostart.
    pub const AUTOSTART: u32 = 1 << 4;
    /// Networks not marked for autostart.
    pub const NO_AUTOSTART: u32 = 1 << 5;
    /// Every flag libvirt 9.0 knows.
    pub const ALL: u32 = 0x3f;
}

/// `VIR_CONNECT_LIST_INTERFACES_*` flags of `Connect::list_all_interfaces`.
pub mod interface_list_flags {
    /// Interfaces that are down.
    pub const INACTIVE: u32 = 1 << 0;
    /// Interfaces that are up.
    pub const ACTIVE: u32 = 1 << 1;
    /// Every flag libvirt 9.0 knows.
    pub const ALL: u32 = 0x3;
}

/// `VIR_INTERFACE_XML_*` flags of `Interface::xml_desc`.
pub mod interface_xml_flags {
    /// The definition the interface will have at its next start.
    pub const INACTIVE: u32 = 1;
}

/// `VIR_CONNECT_LIST_NODE_DEVICES_*` flags of
/// `Connect::list_all_node_devices`: one bit per capability, in libvirt's
/// order ([`node_device_caps::NAMES`]), then the state bits.
pub mod node_device_list_flags {
    /// The bit of a capability name (`pci`, `scsi_host`), if libvirt 9.0 has it.
    pub fn cap_bit(name: &str) -> Option<u32> {
        super::node_device_caps::NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| 1 << i)
    }
    /// Every capability bit.
    pub const CAPS: u32 = (1 << 22) - 1;
    /// Inactive (defined, not started) devices.
    pub const INACTIVE: u32 = 1 << 30;
    /// Active devices.
    pub const ACTIVE: u32 = 1 << 31;
}

/// libvirt 9.0's node device capability names (`virNodeDevCapType`), in
/// the order of their `VIR_CONNECT_LIST_NODE_DEVICES_CAP_*` bits.
pub mod node_device_caps {
    /// The names, bit 0 first.
    pub const NAMES: &[&str] = &[
        "system",
        "pci",
        "usb_device",
        "usb",
        "net",
        "scsi_host",
        "scsi_target",
        "scsi",
        "storage",
        "fc_host",
        "vports",
        "scsi_generic",
        "drm",
        "mdev_types",
        "mdev",
        "ccw",
        "css",
        "vdpa",
        "ap_card",
        "ap_queue",
        "ap_matrix",
        "vpd",
    ];
}

/// `VIR_NETWORK_XML_*` flags of `Network::xml_desc`.
pub mod network_xml_flags {
    /// The persistent definition rather than the running one.
    pub const INACTIVE: u32 = 1;
}

/// `VIR_NETWORK_CREATE_XML_VALIDATE` / `VIR_NETWORK_DEFINE_VALIDATE`:
/// check the XML against libvirt's schema first.
pub mod network_define_flags {
    /// Refuse what the schema does not know.
    pub const VALIDATE: u32 = 1;
}

/// `virNetworkUpdate`'s commands, sections and flags.
pub mod network_update {
    /// `VIR_NETWORK_UPDATE_COMMAND_MODIFY`.
    pub const MODIFY: u32 = 1;
    /// `VIR_NETWORK_UPDATE_COMMAND_DELETE`.
    pub const DELETE: u32 = 2;
    /// `VIR_NETWORK_UPDATE_COMMAND_ADD_LAST`.
    pub const ADD_LAST: u32 = 3;
    /// `VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST`.
    pub const ADD_FIRST: u32 = 4;
    /// The command names virsh takes, by number (0 is "none").
    pub const COMMANDS: [&str; 5] = ["none", "modify", "delete", "add-last", "add-first"];
    /// The section names virsh takes, by number (`VIR_NETWORK_SECTION_*`,
    /// 0 is "none").
    pub const SECTIONS: [&str; 13] = [
        "none",
        "bridge",
        "domain",
        "ip",
        "ip-dhcp-host",
        "ip-dhcp-range",
        "forward",
        "forward-interface",
        "forward-pf",
        "portgroup",
        "dns-host",
        "dns-txt",
        "dns-srv",
    ];
    /// `VIR_NETWORK_UPDATE_AFFECT_CURRENT`: live if running, else config.
    pub const AFFECT_CURRENT: u32 = 0;
    /// `VIR_NETWORK_UPDATE_AFFECT_LIVE`.
    pub const AFFECT_LIVE: u32 = 1;
    /// `VIR_NETWORK_UPDATE_AFFECT_CONFIG`.
    pub const AFFECT_CONFIG: u32 = 2;

    /// The definitions a `virNetworkUpdate` with `flags` changes on a
    /// network that is `active` and/or `persistent`: CURRENT resolved as
    /// the drivers' `networkUpdate` does, then
    /// `virNetworkObjConfigChangeSetup`'s refusals, which are the domains'
    /// rules ([`crate::affect::defs`]; the flag bits are the same) in the
    /// network's words. The error is libvirt's reason, for the driver's
    /// `VIR_ERR_OPERATION_INVALID`.
    pub fn defs(
        flags: u32,
        active: bool,
        persistent: bool,
    ) -> Result<crate::affect::Defs, &'static str> {
        use crate::affect::{self, Refusal};
        affect::defs(flags & (AFFECT_LIVE | AFFECT_CONFIG), active, persistent).map_err(|r| match r
        {
            Refusal::NotRunning => "network is not running",
            Refusal::Transient => "cannot change persistent config of a transient network",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::network_update::{defs, AFFECT_CONFIG, AFFECT_CURRENT, AFFECT_LIVE};
    use crate::affect::Defs;

    #[test]
    fn network_updates_touch_the_definitions_libvirt_picks() {
        let both = AFFECT_LIVE | AFFECT_CONFIG;
        let pick = |live, config| Ok(Defs { live, config });
        // CURRENT: the running definition of a running network, else the
        // persistent one.
        assert_eq!(defs(AFFECT_CURRENT, true, true), pick(true, false));
        assert_eq!(defs(AFFECT_CURRENT, false, true), pick(false, true));
        assert_eq!(defs(both, true, true), pick(true, true));
        assert_eq!(
            defs(AFFECT_LIVE, false, true),
            Err("network is not running")
        );
        // Both refusals come before any change: a transient running
        // network refuses LIVE|CONFIG outright.
        assert_eq!(
            defs(both, true, false),
            Err("cannot change persistent config of a transient network")
        );
        assert_eq!(
            defs(AFFECT_CURRENT, false, false),
            Err("cannot change persistent config of a transient network")
        );
    }
}
