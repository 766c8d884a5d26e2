//! The "Storage Pool" commands (`virsh help pool`), in virsh's order.
//!
//! The texts are what Debian's virsh 9.0 prints for `virsh help CMD` (taken
//! from it by a one-off script), so that `help` output matches byte for
//! byte; each command names the function that runs it.

use super::{CmdDef, Group};
use crate::cmd::{OptDef, OptKind::*};

/// pool-create-as's options; pool-define-as takes all but the last three
/// (building is for a pool started now), as virsh shares one list.
#[rustfmt::skip]
const POOL_CREATE_AS: &[OptDef] = &[
    OptDef { name: "name", kind: Data, required: true, positional: true, help: "name of the pool" },
    OptDef { name: "type", kind: Data, required: true, positional: true, help: "type of the pool" },
    OptDef { name: "print-xml", kind: Bool, required: false, positional: false, help: "print XML document, but don't define/create" },
    OptDef { name: "source-host", kind: Str, required: false, positional: true, help: "source-host for underlying storage" },
    OptDef { name: "source-path", kind: Str, required: false, positional: true, help: "source path for underlying storage" },
    OptDef { name: "source-dev", kind: Str, required: false, positional: true, help: "source device for underlying storage" },
    OptDef { name: "source-name", kind: Str, required: false, positional: true, help: "source name for underlying storage" },
    OptDef { name: "target", kind: Str, required: false, positional: true, help: "target for underlying storage" },
    OptDef { name: "source-format", kind: Str, required: false, positional: true, help: "format for underlying storage" },
    OptDef { name: "auth-type", kind: Str, required: false, positional: true, help: "auth type to be used for underlying storage" },
    OptDef { name: "auth-username", kind: Str, required: false, positional: true, help: "auth username to be used for underlying storage" },
    OptDef { name: "secret-usage", kind: Str, required: false, positional: true, help: "auth secret usage to be used for underlying storage" },
    OptDef { name: "secret-uuid", kind: Str, required: false, positional: true, help: "auth secret UUID to be used for underlying storage" },
    OptDef { name: "adapter-name", kind: Str, required: false, positional: true, help: "adapter name to be used for underlying storage" },
    OptDef { name: "adapter-wwnn", kind: Str, required: false, positional: true, help: "adapter wwnn to be used for underlying storage" },
    OptDef { name: "adapter-wwpn", kind: Str, required: false, positional: true, help: "adapter wwpn to be used for underlying storage" },
    OptDef { name: "adapter-parent", kind: Str, required: false, positional: true, help: "adapter parent scsi_hostN to be used for underlying vHBA storage" },
    OptDef { name: "adapter-parent-wwnn", kind: Str, required: false, positional: true, help: "adapter parent scsi_hostN wwnn to be used for underlying vHBA storage" },
    OptDef { name: "adapter-parent-wwpn", kind: Str, required: false, positional: true, help: "adapter parent scsi_hostN wwpn to be used for underlying vHBA storage" },
    OptDef { name: "adapter-parent-fabric-wwn", kind: Str, required: false, positional: true, help: "adapter parent scsi_hostN fabric_wwn to be used for underlying vHBA storage" },
    OptDef { name: "source-protocol-ver", kind: Str, required: false, positional: true, help: "nfsvers value for NFS pool mount option" },
    OptDef { name: "source-initiator", kind: Str, required: false, positional: true, help: "initiator iqn for underlying storage" },
    OptDef { name: "build", kind: Bool, required: false, positional: false, help: "build the pool as normal" },
    OptDef { name: "no-overwrite", kind: Bool, required: false, positional: false, help: "do not overwrite any existing data" },
    OptDef { name: "overwrite", kind: Bool, required: false, positional: false, help: "overwrite any existing data" },
];

/// The "Storage Pool" group.
#[rustfmt::skip] // A table: one option a line reads best.
pub static GROUP: Group = Group {
    title: "Storage Pool",
    keyword: "pool",
    commands: &[
        CmdDef {
            name: "pool-autostart",
            info: "autostart a pool",
            desc: Some("Configure a pool to be automatically started at boot."),
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name or uuid" },
                OptDef { name: "disable", kind: Bool, required: false, positional: false, help: "disable autostarting" },
            ],
            handler: crate::storage::pool_autostart,
        },
        CmdDef {
            name: "pool-build",
            info: "build a pool",
            desc: Some("Build a given pool."),
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name or uuid" },
                OptDef { name: "no-overwrite", kind: Bool, required: false, positional: false, help: "do not overwrite any existing data" },
                OptDef { name: "overwrite", kind: Bool, required: false, positional: false, help: "overwrite any existing data" },
            ],
            handler: crate::storage::pool_build,
        },
        CmdDef {
            name: "pool-create-as",
            info: "create a pool from a set of args",
            desc: Some("Create a pool."),
            opts: POOL_CREATE_AS,
            handler: crate::storage::pool_create_as,
        },
        CmdDef {
            name: "pool-create",
            info: "create a pool from an XML file",
            desc: Some("Create a pool."),
            opts: &[
                OptDef { name: "file", kind: Data, required: true, positional: true, help: "file containing an XML pool description" },
                OptDef { name: "build", kind: Bool, required: false, positional: false, help: "build the pool as normal" },
                OptDef { name: "no-overwrite", kind: Bool, required: false, positional: false, help: "do not overwrite any existing data" },
                OptDef { name: "overwrite", kind: Bool, required: false, positional: false, help: "overwrite any existing data" },
            ],
            handler: crate::storage::pool_create,
        },
        CmdDef {
            name: "pool-define-as",
            info: "define a pool from a set of args",
            desc: Some("Define a pool."),
            opts: POOL_CREATE_AS.split_at(POOL_CREATE_AS.len() - 3).0,
            handler: crate::storage::pool_define_as,
        },
        CmdDef {
            name: "pool-define",
            info: "define an inactive persistent storage pool or modify an existing persistent one from an XML file",
            desc: Some("Define or modify a persistent storage pool."),
            opts: &[
                OptDef { name: "file", kind: Data, required: true, positional: true, help: "file containing an XML pool description" },
                OptDef { name: "validate", kind: Bool, required: false, positional: false, help: "validate the XML against the schema" },
            ],
            handler: crate::storage::pool_define,
        },
        CmdDef {
            name: "pool-delete",
            info: "delete a pool",
            desc: Some("Delete a given pool."),
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name or uuid" },
            ],
            handler: crate::storage::pool_delete,
        },
        CmdDef {
            name: "pool-destroy",
            info: "destroy (stop) a pool",
            desc: Some("Forcefully stop a given pool. Raw data in the pool is untouched"),
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name or uuid" },
            ],
            handler: crate::storage::pool_destroy,
        },
        CmdDef {
            name: "pool-dumpxml",
            info: "pool information in XML",
            desc: Some("Output the pool information as an XML dump to stdout."),
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name or uuid" },
                OptDef { name: "inactive", kind: Bool, required: false, positional: false, help: "show inactive defined XML" },
                OptDef { name: "xpath", kind: Str, required: false, positional: false, help: "xpath expression to filter the XML document" },
                OptDef { name: "wrap", kind: Bool, required: false, positional: false, help: "wrap xpath results in an common root element" },
            ],
            handler: crate::storage::pool_dumpxml,
        },
        CmdDef {
            name: "pool-edit",
            info: "edit XML configuration for a storage pool",
            desc: Some("Edit the XML configuration for a storage pool."),
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name or uuid" },
            ],
            handler: crate::storage::pool_edit,
        },
        CmdDef {
            name: "pool-info",
            info: "storage pool information",
            desc: Some("Returns basic information about the storage pool."),
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name or uuid" },
                OptDef { name: "bytes", kind: Bool, required: false, positional: false, help: "Return pool info in bytes" },
            ],
            handler: crate::storage::pool_info,
        },
        CmdDef {
            name: "pool-list",
            info: "list pools",
            desc: Some("Returns list of pools."),
            opts: &[
                OptDef { name: "inactive", kind: Bool, required: false, positional: false, help: "list inactive pools" },
                OptDef { name: "all", kind: Bool, required: false, positional: false, help: "list inactive & active pools" },
                OptDef { name: "transient", kind: Bool, required: false, positional: false, help: "list transient pools" },
                OptDef { name: "persistent", kind: Bool, required: false, positional: false, help: "list persistent pools" },
                OptDef { name: "autostart", kind: Bool, required: false, positional: false, help: "list pools with autostart enabled" },
                OptDef { name: "no-autostart", kind: Bool, required: false, positional: false, help: "list pools with autostart disabled" },
                OptDef { name: "type", kind: Str, required: false, positional: true, help: "only list pool of specified type(s) (if supported)" },
                OptDef { name: "details", kind: Bool, required: false, positional: false, help: "display extended details for pools" },
                OptDef { name: "uuid", kind: Bool, required: false, positional: false, help: "list UUID of active pools only" },
                OptDef { name: "name", kind: Bool, required: false, positional: false, help: "list name of active pools only" },
            ],
            handler: crate::storage::pool_list,
        },
        CmdDef {
            name: "pool-name",
            info: "convert a pool UUID to pool name",
            desc: None,
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name or uuid" },
            ],
            handler: crate::storage::pool_name,
        },
        CmdDef {
            name: "pool-refresh",
            info: "refresh a pool",
            desc: Some("Refresh a given pool."),
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name or uuid" },
            ],
            handler: crate::storage::pool_refresh,
        },
        CmdDef {
            name: "pool-start",
            info: "start a (previously defined) inactive pool",
            desc: Some("Start a pool."),
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name or uuid" },
                OptDef { name: "build", kind: Bool, required: false, positional: false, help: "build the pool as normal" },
                OptDef { name: "no-overwrite", kind: Bool, required: false, positional: false, help: "do not overwrite any existing data" },
                OptDef { name: "overwrite", kind: Bool, required: false, positional: false, help: "overwrite any existing data" },
            ],
            handler: crate::storage::pool_start,
        },
        CmdDef {
            name: "pool-undefine",
            info: "undefine an inactive pool",
            desc: Some("Undefine the configuration for an inactive pool."),
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name or uuid" },
            ],
            handler: crate::storage::pool_undefine,
        },
        CmdDef {
            name: "pool-uuid",
            info: "convert a pool name to pool UUID",
            desc: None,
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name or uuid" },
            ],
            handler: crate::storage::pool_uuid,
        },
    ],
};
