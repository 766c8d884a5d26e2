//! The "Storage Volume" commands (`virsh help volume`), in virsh's order.
//!
//! The texts are what Debian's virsh 9.0 prints for `virsh help CMD` (taken
//! from it by a one-off script), so that `help` output matches byte for
//! byte; each command names the function that runs it.

use super::{CmdDef, Group};
use crate::cmd::{OptDef, OptKind::*};

/// The "Storage Volume" group.
#[rustfmt::skip] // A table: one option a line reads best.
pub static GROUP: Group = Group {
    title: "Storage Volume",
    keyword: "volume",
    commands: &[
        CmdDef {
            name: "vol-clone",
            info: "clone a volume.",
            desc: Some("Clone an existing volume within the parent pool."),
            opts: &[
                OptDef { name: "vol", kind: Data, required: true, positional: true, help: "vol name, key or path" },
                OptDef { name: "newname", kind: Data, required: true, positional: true, help: "clone name" },
                OptDef { name: "pool", kind: Str, required: false, positional: true, help: "pool name or uuid" },
                OptDef { name: "prealloc-metadata", kind: Bool, required: false, positional: false, help: "preallocate metadata (for qcow2 instead of full allocation)" },
                OptDef { name: "reflink", kind: Bool, required: false, positional: false, help: "use btrfs COW lightweight copy" },
                OptDef { name: "print-xml", kind: Bool, required: false, positional: false, help: "print XML document rather than clone the volume" },
            ],
            handler: crate::storage::vol_clone,
        },
        CmdDef {
            name: "vol-create-as",
            info: "create a volume from a set of args",
            desc: Some("Create a vol."),
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name" },
                OptDef { name: "name", kind: Data, required: true, positional: true, help: "name of the volume" },
                OptDef { name: "capacity", kind: Data, required: true, positional: true, help: "size of the vol, as scaled integer (default bytes)" },
                OptDef { name: "allocation", kind: Str, required: false, positional: true, help: "initial allocation size, as scaled integer (default bytes)" },
                OptDef { name: "format", kind: Str, required: false, positional: true, help: "file format type raw,bochs,qcow,qcow2,qed,vmdk" },
                OptDef { name: "backing-vol", kind: Str, required: false, positional: true, help: "the backing volume if taking a snapshot" },
                OptDef { name: "backing-vol-format", kind: Str, required: false, positional: true, help: "format of backing volume if taking a snapshot" },
                OptDef { name: "prealloc-metadata", kind: Bool, required: false, positional: false, help: "preallocate metadata (for qcow2 instead of full allocation)" },
                OptDef { name: "print-xml", kind: Bool, required: false, positional: false, help: "print XML document, but don't define/create" },
            ],
            handler: crate::storage::vol_create_as,
        },
        CmdDef {
            name: "vol-create",
            info: "create a vol from an XML file",
            desc: Some("Create a vol."),
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name" },
                OptDef { name: "file", kind: Data, required: true, positional: true, help: "file containing an XML vol description" },
                OptDef { name: "prealloc-metadata", kind: Bool, required: false, positional: false, help: "preallocate metadata (for qcow2 instead of full allocation)" },
                OptDef { name: "validate", kind: Bool, required: false, positional: false, help: "validate the XML against the schema" },
            ],
            handler: crate::storage::vol_create,
        },
        CmdDef {
            name: "vol-create-from",
            info: "create a vol, using another volume as input",
            desc: Some("Create a vol from an existing volume."),
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name or uuid" },
                OptDef { name: "file", kind: Data, required: true, positional: true, help: "file containing an XML vol description" },
                OptDef { name: "vol", kind: Data, required: true, positional: true, help: "vol name, key or path" },
                OptDef { name: "inputpool", kind: Str, required: false, positional: true, help: "pool name or uuid of the input volume's pool" },
                OptDef { name: "prealloc-metadata", kind: Bool, required: false, positional: false, help: "preallocate metadata (for qcow2 instead of full allocation)" },
                OptDef { name: "reflink", kind: Bool, required: false, positional: false, help: "use btrfs COW lightweight copy" },
                OptDef { name: "validate", kind: Bool, required: false, positional: false, help: "validate the XML against the schema" },
            ],
            handler: crate::storage::vol_create_from,
        },
        CmdDef {
            name: "vol-delete",
            info: "delete a vol",
            desc: Some("Delete a given vol."),
            opts: &[
                OptDef { name: "vol", kind: Data, required: true, positional: true, help: "vol name, key or path" },
                OptDef { name: "pool", kind: Str, required: false, positional: true, help: "pool name or uuid" },
                OptDef { name: "delete-snapshots", kind: Bool, required: false, positional: false, help: "delete snapshots associated with volume (must be supported by storage driver)" },
            ],
            handler: crate::storage::vol_delete,
        },
        CmdDef {
            name: "vol-download",
            info: "download volume contents to a file",
            desc: Some("Download volume contents to a file"),
            opts: &[
                OptDef { name: "vol", kind: Data, required: true, positional: true, help: "vol name, key or path" },
                OptDef { name: "file", kind: Data, required: true, positional: true, help: "file" },
                OptDef { name: "pool", kind: Str, required: false, positional: true, help: "pool name or uuid" },
                OptDef { name: "offset", kind: Int, required: false, positional: true, help: "volume offset to download from" },
                OptDef { name: "length", kind: Int, required: false, positional: true, help: "amount of data to download" },
                OptDef { name: "sparse", kind: Bool, required: false, positional: false, help: "preserve sparseness of volume" },
            ],
            handler: crate::storage::vol_download,
        },
        CmdDef {
            name: "vol-dumpxml",
            info: "vol information in XML",
            desc: Some("Output the vol information as an XML dump to stdout."),
            opts: &[
                OptDef { name: "vol", kind: Data, required: true, positional: true, help: "vol name, key or path" },
                OptDef { name: "pool", kind: Str, required: false, positional: true, help: "pool name or uuid" },
                OptDef { name: "xpath", kind: Str, required: false, positional: false, help: "xpath expression to filter the XML document" },
                OptDef { name: "wrap", kind: Bool, required: false, positional: false, help: "wrap xpath results in an common root element" },
            ],
            handler: crate::storage::vol_dumpxml,
        },
        CmdDef {
            name: "vol-info",
            info: "storage vol information",
            desc: Some("Returns basic information about the storage vol."),
            opts: &[
                OptDef { name: "vol", kind: Data, required: true, positional: true, help: "vol name, key or path" },
                OptDef { name: "pool", kind: Str, required: false, positional: true, help: "pool name or uuid" },
                OptDef { name: "bytes", kind: Bool, required: false, positional: false, help: "sizes are represented in bytes rather than pretty units" },
                OptDef { name: "physical", kind: Bool, required: false, positional: false, help: "return the physical size of the volume in allocation field" },
            ],
            handler: crate::storage::vol_info,
        },
        CmdDef {
            name: "vol-key",
            info: "returns the volume key for a given volume name or path",
            desc: None,
            opts: &[
                OptDef { name: "vol", kind: Data, required: true, positional: true, help: "volume name or path" },
                OptDef { name: "pool", kind: Str, required: false, positional: true, help: "pool name or uuid" },
            ],
            handler: crate::storage::vol_key,
        },
        CmdDef {
            name: "vol-list",
            info: "list vols",
            desc: Some("Returns list of vols by pool."),
            opts: &[
                OptDef { name: "pool", kind: Data, required: true, positional: true, help: "pool name or uuid" },
                OptDef { name: "details", kind: Bool, required: false, positional: false, help: "display extended details for volumes" },
            ],
            handler: crate::storage::vol_list,
        },
        CmdDef {
            name: "vol-name",
            info: "returns the volume name for a given volume key or path",
            desc: None,
            opts: &[
                OptDef { name: "vol", kind: Data, required: true, positional: true, help: "volume key or path" },
            ],
            handler: crate::storage::vol_name,
        },
        CmdDef {
            name: "vol-path",
            info: "returns the volume path for a given volume name or key",
            desc: None,
            opts: &[
                OptDef { name: "vol", kind: Data, required: true, positional: true, help: "volume name or key" },
                OptDef { name: "pool", kind: Str, required: false, positional: true, help: "pool name or uuid" },
            ],
            handler: crate::storage::vol_path,
        },
        CmdDef {
            name: "vol-pool",
            info: "returns the storage pool for a given volume key or path",
            desc: None,
            opts: &[
                OptDef { name: "vol", kind: Data, required: true, positional: true, help: "volume key or path" },
                OptDef { name: "uuid", kind: Bool, required: false, positional: false, help: "return the pool uuid rather than pool name" },
            ],
            handler: crate::storage::vol_pool,
        },
        CmdDef {
            name: "vol-resize",
            info: "resize a vol",
            desc: Some("Resizes a storage volume. This is safe only for storage volumes not in use by an active guest.
    See blockresize for live resizing."),
            opts: &[
                OptDef { name: "vol", kind: Data, required: true, positional: true, help: "vol name, key or path" },
                OptDef { name: "capacity", kind: Data, required: true, positional: true, help: "new capacity for the vol, as scaled integer (default bytes)" },
                OptDef { name: "pool", kind: Str, required: false, positional: true, help: "pool name or uuid" },
                OptDef { name: "allocate", kind: Bool, required: false, positional: false, help: "allocate the new capacity, rather than leaving it sparse" },
                OptDef { name: "delta", kind: Bool, required: false, positional: false, help: "use capacity as a delta to current size, rather than the new size" },
                OptDef { name: "shrink", kind: Bool, required: false, positional: false, help: "allow the resize to shrink the volume" },
            ],
            handler: crate::storage::vol_resize,
        },
        CmdDef {
            name: "vol-upload",
            info: "upload file contents to a volume",
            desc: Some("Upload file contents to a volume"),
            opts: &[
                OptDef { name: "vol", kind: Data, required: true, positional: true, help: "vol name, key or path" },
                OptDef { name: "file", kind: Data, required: true, positional: true, help: "file" },
                OptDef { name: "pool", kind: Str, required: false, positional: true, help: "pool name or uuid" },
                OptDef { name: "offset", kind: Int, required: false, positional: true, help: "volume offset to upload to" },
                OptDef { name: "length", kind: Int, required: false, positional: true, help: "amount of data to upload" },
                OptDef { name: "sparse", kind: Bool, required: false, positional: false, help: "preserve sparseness of volume" },
            ],
            handler: crate::storage::vol_upload,
        },
        CmdDef {
            name: "vol-wipe",
            info: "wipe a vol",
            desc: Some("Ensure data previously on a volume is not accessible to future reads"),
            opts: &[
                OptDef { name: "vol", kind: Data, required: true, positional: true, help: "vol name, key or path" },
                OptDef { name: "pool", kind: Str, required: false, positional: true, help: "pool name or uuid" },
                OptDef { name: "algorithm", kind: Str, required: false, positional: true, help: "perform selected wiping algorithm" },
            ],
            handler: crate::storage::vol_wipe,
        },
    ],
};
