//! The driver trait a hypervisor backend implements, the stack that lets
//! several backends serve one URI, and the one table both come from.
//!
//! Every operation has a default body that *declines* ([`Error::declined`]):
//! "not mine". A [`DriverStack`] asks its members in order and moves on
//! only while they decline; any other answer, "not supported" included, is
//! final. Callers never see a decline: the stack and [`crate::Checked`]
//! turn one into libvirt's "this function is not supported by the
//! connection driver".
//!
//! The table below is exported as [`for_each_driver_method!`], so other
//! crates (the remote protocol's client stubs and daemon dispatch, the
//! checked layer, forwarding wrappers) generate their code from it instead
//! of keeping copies that drift.

use crate::error::{Error, Result};

/// The one table of driver calls: calls `$callback!` with every entry.
///
/// Each entry is
/// `[libvirtName, kind $(, check FN)? $(, default BLOCK)?] fn name(&self, args..) -> Ret;`
/// with its doc comments first, where
///
/// - `libvirtName` is libvirt's public function (used in "not supported"
///   and read-only refusals),
/// - `kind` is `read` or `write`: a `write` call changes something and is
///   refused on a read-only connection,
/// - `check FN` names the argument check libvirt's library makes before
///   asking a driver (a function in `crate::checked::checks` taking the
///   public function's name and the call's arguments),
/// - `default BLOCK` is the trait's default body when it is not a decline
///   (`close` succeeds by default); a stack calls such an entry on every
///   member.
///
/// A callback is a `macro_rules!` macro taking the entries in this form:
///
/// ```
/// macro_rules! names {
///     ($( $(#[$m:meta])* [$api:ident, $kind:ident $(, check $check:ident)? $(, default $default:block)?]
///        fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty; )*) => {
///         const NAMES: &[&str] = &[$(stringify!($name)),*];
///     };
/// }
/// virt_core::for_each_driver_method!(names);
/// assert!(NAMES.contains(&"domain_lookup_by_name"));
/// ```
///
/// `for_each_driver_method!(callback(TOKENS))` passes `TOKENS` before the
/// entries: `($)` lets a callback write a macro of its own (see
/// `delegate!`).
#[macro_export]
macro_rules! for_each_driver_method {
    ($callback:ident $(($($lead:tt)*))?) => {
        $callback! {
            $($($lead)*)?
            /// Release what the connection holds.
            [virConnectClose, read, default { Ok(()) }] fn close(&self) -> ();
            /// Hypervisor version, `major * 1_000_000 + minor * 1000 + micro`.
            [virConnectGetVersion, read] fn version(&self) -> u64;
            /// The node's host name.
            [virConnectGetHostname, read] fn hostname(&self) -> String;
            /// The canonical URI of this connection.
            [virConnectGetURI, read] fn uri(&self) -> String;
            /// The capabilities XML.
            [virConnectGetCapabilities, read] fn capabilities(&self) -> String;
            /// The domain capabilities XML: what a guest of one emulator
            /// binary, architecture, machine type and virtualization type can
            /// use (each `None` picks the driver's default). A write in
            /// libvirt's sense: it may start the emulator to probe it, so a
            /// read-only connection is refused it, as libvirt's is.
            [virConnectGetDomainCapabilities, write] fn domain_capabilities(&self, emulatorbin: Option<&str>, arch: Option<&str>, machine: Option<&str>, virttype: Option<&str>, flags: u32) -> String;
            /// Maximum vCPUs a guest of `guest_type` may have.
            [virConnectGetMaxVcpus, read] fn max_vcpus(&self, guest_type: Option<&str>) -> u32;
            /// Node information.
            [virNodeGetInfo, read] fn node_info(&self) -> $crate::NodeInfo;
            /// Free memory per NUMA cell, bytes, for cells `start..start+max`.
            [virNodeGetCellsFreeMemory, read] fn node_cells_free_memory(&self, start: u32, max: u32) -> Vec<u64>;
            /// The number of host CPUs and the map of those online.
            [virNodeGetCPUMap, read] fn node_cpu_map(&self) -> (u32, $crate::CpuMap);
            /// Free memory on the node, bytes.
            [virNodeGetFreeMemory, read] fn node_free_memory(&self) -> u64;
            /// The node's security model.
            [virNodeGetSecurityModel, read] fn node_security_model(&self) -> $crate::SecurityModel;
            /// Memory figures of NUMA cell `cell` (or the whole node,
            /// [`crate::NODE_MEMORY_STATS_ALL_CELLS`]), as libvirt's driver
            /// call has it: with `nparams` 0 only how many there are (the
            /// second value), else exactly that many.
            [virNodeGetMemoryStats, read] fn node_memory_stats(&self, nparams: i32, cell: i32, flags: u32) -> (Vec<$crate::NodeMemoryStat>, i32);
            /// Ids of the running domains.
            [virConnectListDomains, read] fn list_domain_ids(&self) -> Vec<u32>;
            /// Number of running domains.
            [virConnectNumOfDomains, read] fn num_of_domains(&self) -> u32;
            /// Names of the defined, inactive domains.
            [virConnectListDefinedDomains, read] fn list_defined_domains(&self) -> Vec<String>;
            /// Number of defined, inactive domains.
            [virConnectNumOfDefinedDomains, read] fn num_of_defined_domains(&self) -> u32;
            /// Every domain that passes `flags` (see `list_flags`), in one call.
            [virConnectListAllDomains, read] fn list_all_domains(&self, flags: u32) -> Vec<$crate::DomainRef>;
            /// Statistics of `doms` (of every domain `flags` lets through when
            /// empty), the groups `stats` names (`domain_stats`), in one call.
            [virConnectGetAllDomainStats, read] fn get_all_domain_stats(&self, doms: &[$crate::DomainRef], stats: u32, flags: u32) -> Vec<$crate::DomainStatsRecord>;
            /// Start a transient domain from XML.
            [virDomainCreateXML, write] fn domain_create_xml(&self, xml: &str, flags: u32) -> $crate::DomainRef;
            /// Define (or redefine) a persistent domain from XML.
            [virDomainDefineXML, write] fn domain_define_xml(&self, xml: &str, flags: u32) -> $crate::DomainRef;
            /// Find a running domain by id.
            [virDomainLookupByID, read] fn domain_lookup_by_id(&self, id: u32) -> $crate::DomainRef;
            /// Find a domain by name.
            [virDomainLookupByName, read] fn domain_lookup_by_name(&self, name: &str) -> $crate::DomainRef;
            /// Find a domain by UUID.
            [virDomainLookupByUUID, read] fn domain_lookup_by_uuid(&self, uuid: &$crate::Uuid) -> $crate::DomainRef;
            /// Remove a domain's persistent definition.
            [virDomainUndefineFlags, write] fn domain_undefine(&self, dom: &$crate::DomainRef, flags: u32) -> ();
            /// Start a defined domain; returns its new identity (with id).
            [virDomainCreateWithFlags, write] fn domain_create(&self, dom: &$crate::DomainRef, flags: u32) -> $crate::DomainRef;
            /// Ask the guest to shut down.
            [virDomainShutdownFlags, write] fn domain_shutdown(&self, dom: &$crate::DomainRef, flags: u32) -> ();
            /// Ask the guest to reboot.
            [virDomainReboot, write] fn domain_reboot(&self, dom: &$crate::DomainRef, flags: u32) -> ();
            /// Stop the domain at once.
            [virDomainDestroyFlags, write] fn domain_destroy(&self, dom: &$crate::DomainRef, flags: u32) -> ();
            /// Pause the domain.
            [virDomainSuspend, write] fn domain_suspend(&self, dom: &$crate::DomainRef) -> ();
            /// Resume a paused domain.
            [virDomainResume, write] fn domain_resume(&self, dom: &$crate::DomainRef) -> ();
            /// Save the domain's state to a file and stop it.
            [virDomainSaveFlags, write, check save_modes] fn domain_save(&self, dom: &$crate::DomainRef, path: &str, flags: u32) -> ();
            /// Save the domain's state to the image the driver keeps for it
            /// and stop it; its next start restores from there.
            [virDomainManagedSave, write, check managed_save_modes] fn domain_managed_save(&self, dom: &$crate::DomainRef, flags: u32) -> ();
            /// Discard the domain's managed save image (its next start boots).
            [virDomainManagedSaveRemove, write] fn domain_managed_save_remove(&self, dom: &$crate::DomainRef, flags: u32) -> ();
            /// Restore a domain from a saved state file.
            [virDomainRestoreFlags, write, check restore_modes] fn domain_restore(&self, path: &str, flags: u32) -> $crate::DomainRef;
            /// Dump the domain's core to a file.
            [virDomainCoreDump, write, check dump_modes] fn domain_core_dump(&self, dom: &$crate::DomainRef, path: &str, flags: u32) -> ();
            /// Dump the domain's core to a file in a format (`dump_format`).
            [virDomainCoreDumpWithFormat, write, check dump_format_and_modes] fn domain_core_dump_with_format(&self, dom: &$crate::DomainRef, path: &str, format: u32, flags: u32) -> ();
            /// Save the domain's state to a file and stop it, with `dxml` as the
            /// definition to restore it with (a save without one is `domain_save`).
            [virDomainSaveFlags, write, check save_xml_modes] fn domain_save_xml(&self, dom: &$crate::DomainRef, path: &str, dxml: &str, flags: u32) -> ();
            /// Restore a domain from a saved state file with `dxml` replacing the
            /// saved definition (a restore without one is `domain_restore`).
            [virDomainRestoreFlags, write, check restore_xml_modes] fn domain_restore_xml(&self, path: &str, dxml: &str, flags: u32) -> $crate::DomainRef;
            /// State, memory, vCPUs and CPU time.
            [virDomainGetInfo, read] fn domain_get_info(&self, dom: &$crate::DomainRef) -> $crate::DomainInfo;
            /// State with reason.
            [virDomainGetState, read] fn domain_get_state(&self, dom: &$crate::DomainRef, flags: u32) -> ($crate::DomainState, i32);
            /// The guest OS type ("linux", "hvm").
            [virDomainGetOSType, read] fn domain_get_os_type(&self, dom: &$crate::DomainRef) -> String;
            /// Maximum memory, KiB.
            [virDomainGetMaxMemory, read] fn domain_get_max_memory(&self, dom: &$crate::DomainRef) -> u64;
            /// Set memory (KiB); `affect::MAXIMUM` sets the maximum.
            [virDomainSetMemoryFlags, write, check memory_not_zero] fn domain_set_memory_flags(&self, dom: &$crate::DomainRef, kib: u64, flags: u32) -> ();
            /// The domain XML.
            [virDomainGetXMLDesc, read] fn domain_get_xml_desc(&self, dom: &$crate::DomainRef, flags: u32) -> String;
            /// Set the vCPU count (see `affect`).
            [virDomainSetVcpusFlags, write] fn domain_set_vcpus_flags(&self, dom: &$crate::DomainRef, nvcpus: u32, flags: u32) -> ();
            /// The vCPU count (see `affect`).
            [virDomainGetVcpusFlags, read, check vcpus_one_definition] fn domain_get_vcpus_flags(&self, dom: &$crate::DomainRef, flags: u32) -> u32;
            /// Per-vCPU information with affinity.
            [virDomainGetVcpus, read] fn domain_get_vcpus(&self, dom: &$crate::DomainRef) -> Vec<$crate::VcpuInfo>;
            /// Each vCPU's affinity, live or from the persistent definition (see
            /// `affect`); works on inactive domains too.
            [virDomainGetVcpuPinInfo, read] fn domain_get_vcpu_pin_info(&self, dom: &$crate::DomainRef, flags: u32) -> Vec<$crate::CpuMap>;
            /// Pin a vCPU to a set of physical CPUs.
            [virDomainPinVcpuFlags, write] fn domain_pin_vcpu(&self, dom: &$crate::DomainRef, vcpu: u32, map: &$crate::CpuMap, flags: u32) -> ();
            /// Whether the domain starts with the node.
            [virDomainGetAutostart, read] fn domain_get_autostart(&self, dom: &$crate::DomainRef) -> bool;
            /// Mark or unmark the domain for autostart.
            [virDomainSetAutostart, write] fn domain_set_autostart(&self, dom: &$crate::DomainRef, autostart: bool) -> ();
            /// True when running or paused.
            [virDomainIsActive, read] fn domain_is_active(&self, dom: &$crate::DomainRef) -> bool;
            /// True when it has a persistent definition.
            [virDomainIsPersistent, read] fn domain_is_persistent(&self, dom: &$crate::DomainRef) -> bool;
            /// True when it has a managed save image.
            [virDomainHasManagedSaveImage, read] fn domain_has_managed_save(&self, dom: &$crate::DomainRef, flags: u32) -> bool;
            /// The scheduler's name and its number of parameters.
            [virDomainGetSchedulerType, read] fn domain_get_scheduler_type(&self, dom: &$crate::DomainRef) -> (String, u32);
            /// The scheduler's parameters.
            [virDomainGetSchedulerParametersFlags, read, check params_one_definition] fn domain_get_scheduler_params(&self, dom: &$crate::DomainRef, flags: u32) -> Vec<$crate::TypedParam>;
            /// Change scheduler parameters.
            [virDomainSetSchedulerParametersFlags, write] fn domain_set_scheduler_params(&self, dom: &$crate::DomainRef, params: &[$crate::TypedParam], flags: u32) -> ();
            /// A disk's I/O counters (`path`: its target or source).
            [virDomainBlockStats, read] fn domain_block_stats(&self, dom: &$crate::DomainRef, path: &str) -> $crate::BlockStats;
            /// An interface's traffic counters; `device` is its host-side
            /// name or its MAC address.
            [virDomainInterfaceStats, read] fn domain_interface_stats(&self, dom: &$crate::DomainRef, device: &str) -> $crate::InterfaceStats;
            /// Up to `nr_stats` memory statistics of a running domain
            /// ([`crate::memory_stat`] tags).
            [virDomainMemoryStats, read] fn domain_memory_stats(&self, dom: &$crate::DomainRef, nr_stats: u32, flags: u32) -> Vec<$crate::MemoryStat>;
            /// A disk's capacity, allocation and physical size (`path`: its
            /// target or source).
            [virDomainGetBlockInfo, read] fn domain_get_block_info(&self, dom: &$crate::DomainRef, path: &str, flags: u32) -> $crate::BlockInfo;
            /// How often, in seconds, the guest's balloon driver reports
            /// its memory statistics (0: never), in the definitions
            /// `flags` (`affect`) point at.
            [virDomainSetMemoryStatsPeriod, write, check period_not_negative] fn domain_set_memory_stats_period(&self, dom: &$crate::DomainRef, period: i32, flags: u32) -> ();
            /// The domain's background job (save, dump): its kind and
            /// progress, `job_type::NONE` when none runs.
            [virDomainGetJobInfo, read] fn domain_get_job_info(&self, dom: &$crate::DomainRef) -> $crate::DomainJobInfo;
            /// The background job's figures as typed parameters
            /// (`job_stats` names them).
            [virDomainGetJobStats, read] fn domain_get_job_stats(&self, dom: &$crate::DomainRef, flags: u32) -> $crate::DomainJobStats;
            /// Cancel the domain's background job; the call that started
            /// it fails with "operation aborted".
            [virDomainAbortJob, write] fn domain_abort_job(&self, dom: &$crate::DomainRef) -> ();
            /// CPU time figures of a running domain: with `start_cpu` -1
            /// its total, else per host CPU for `ncpus` CPUs from
            /// `start_cpu`, at most `nparams` figures each; asked with
            /// `nparams` 0, how many figures there are (or with `ncpus` 0
            /// how many host CPUs). See [`crate::CpuStats`].
            [virDomainGetCPUStats, read, check cpu_stats_range] fn domain_get_cpu_stats(&self, dom: &$crate::DomainRef, nparams: u32, start_cpu: i32, ncpus: u32, flags: u32) -> $crate::CpuStats;
            /// The domain's security label.
            [virDomainGetSecurityLabel, read] fn domain_get_security_label(&self, dom: &$crate::DomainRef) -> $crate::SecurityLabel;
            /// Hot-plug a device described in XML.
            [virDomainAttachDeviceFlags, write] fn domain_attach_device(&self, dom: &$crate::DomainRef, xml: &str, flags: u32) -> ();
            /// Hot-unplug a device described in XML.
            [virDomainDetachDeviceFlags, write] fn domain_detach_device(&self, dom: &$crate::DomainRef, xml: &str, flags: u32) -> ();
            /// Change a device described in XML in place (a CD-ROM's media).
            [virDomainUpdateDeviceFlags, write] fn domain_update_device(&self, dom: &$crate::DomainRef, xml: &str, flags: u32) -> ();
            /// Open the domain's console or serial device `dev_name` (the
            /// first console when `None`) as a stream both ways
            /// (`console_flags`).
            [virDomainOpenConsole, write] fn domain_open_console(&self, dom: &$crate::DomainRef, dev_name: Option<&str>, flags: u32) -> $crate::StreamEnds;
            /// Take a picture of the domain's screen `screen` (its first
            /// head is 0): the image's MIME type and a stream that yields it.
            [virDomainScreenshot, write] fn domain_screenshot(&self, dom: &$crate::DomainRef, screen: u32, flags: u32) -> $crate::Screenshot;
            /// Take a snapshot of the domain described by `xml`
            /// (`snapshot_create_flags`; `REDEFINE` restores its metadata).
            [virDomainSnapshotCreateXML, write] fn domain_snapshot_create_xml(&self, dom: &$crate::DomainRef, xml: &str, flags: u32) -> $crate::DomainSnapshotRef;
            /// The snapshot's XML.
            [virDomainSnapshotGetXMLDesc, read] fn domain_snapshot_get_xml_desc(&self, snap: &$crate::DomainSnapshotRef, flags: u32) -> String;
            /// How many of the domain's snapshots pass `flags` (`snapshot_list_flags`).
            [virDomainSnapshotNum, read] fn domain_snapshot_num(&self, dom: &$crate::DomainRef, flags: u32) -> u32;
            /// The names of the domain's snapshots that pass `flags`.
            [virDomainSnapshotListNames, read] fn domain_snapshot_list_names(&self, dom: &$crate::DomainRef, flags: u32) -> Vec<String>;
            /// The domain's snapshots that pass `flags`, in one call.
            [virDomainListAllSnapshots, read] fn domain_list_all_snapshots(&self, dom: &$crate::DomainRef, flags: u32) -> Vec<$crate::DomainSnapshotRef>;
            /// How many children (descendants with `DESCENDANTS`) of the snapshot pass `flags`.
            [virDomainSnapshotNumChildren, read] fn domain_snapshot_num_children(&self, snap: &$crate::DomainSnapshotRef, flags: u32) -> u32;
            /// The names of the snapshot's children that pass `flags`.
            [virDomainSnapshotListChildrenNames, read] fn domain_snapshot_list_children_names(&self, snap: &$crate::DomainSnapshotRef, flags: u32) -> Vec<String>;
            /// The snapshot's children that pass `flags`, in one call.
            [virDomainSnapshotListAllChildren, read] fn domain_snapshot_list_all_children(&self, snap: &$crate::DomainSnapshotRef, flags: u32) -> Vec<$crate::DomainSnapshotRef>;
            /// Find a snapshot of the domain by name.
            [virDomainSnapshotLookupByName, read] fn domain_snapshot_lookup_by_name(&self, dom: &$crate::DomainRef, name: &str, flags: u32) -> $crate::DomainSnapshotRef;
            /// True when the domain has a current snapshot.
            [virDomainHasCurrentSnapshot, read] fn domain_has_current_snapshot(&self, dom: &$crate::DomainRef, flags: u32) -> bool;
            /// The domain's current snapshot.
            [virDomainSnapshotCurrent, read] fn domain_snapshot_current(&self, dom: &$crate::DomainRef, flags: u32) -> $crate::DomainSnapshotRef;
            /// The snapshot's parent.
            [virDomainSnapshotGetParent, read] fn domain_snapshot_get_parent(&self, snap: &$crate::DomainSnapshotRef, flags: u32) -> $crate::DomainSnapshotRef;
            /// True when it is its domain's current snapshot.
            [virDomainSnapshotIsCurrent, read] fn domain_snapshot_is_current(&self, snap: &$crate::DomainSnapshotRef, flags: u32) -> bool;
            /// True when the driver keeps metadata for it.
            [virDomainSnapshotHasMetadata, read] fn domain_snapshot_has_metadata(&self, snap: &$crate::DomainSnapshotRef, flags: u32) -> bool;
            /// Bring the domain back to the snapshot (`snapshot_revert_flags`).
            [virDomainRevertToSnapshot, write] fn domain_revert_to_snapshot(&self, snap: &$crate::DomainSnapshotRef, flags: u32) -> ();
            /// Delete the snapshot (`snapshot_delete_flags`).
            [virDomainSnapshotDelete, write] fn domain_snapshot_delete(&self, snap: &$crate::DomainSnapshotRef, flags: u32) -> ();
            /// Create a checkpoint of the domain's disks described by `xml`
            /// (`checkpoint_create_flags`; `REDEFINE` restores its metadata).
            [virDomainCheckpointCreateXML, write, check checkpoint_create_modes] fn domain_checkpoint_create_xml(&self, dom: &$crate::DomainRef, xml: &str, flags: u32) -> $crate::DomainCheckpointRef;
            /// The checkpoint's XML (`checkpoint_xml_flags`).
            [virDomainCheckpointGetXMLDesc, read] fn domain_checkpoint_get_xml_desc(&self, chk: &$crate::DomainCheckpointRef, flags: u32) -> String;
            /// The domain's checkpoints that pass `flags` (`checkpoint_list_flags`).
            [virDomainListAllCheckpoints, read] fn domain_list_all_checkpoints(&self, dom: &$crate::DomainRef, flags: u32) -> Vec<$crate::DomainCheckpointRef>;
            /// The checkpoint's children (descendants with `DESCENDANTS`) that pass `flags`.
            [virDomainCheckpointListAllChildren, read] fn domain_checkpoint_list_all_children(&self, chk: &$crate::DomainCheckpointRef, flags: u32) -> Vec<$crate::DomainCheckpointRef>;
            /// Find a checkpoint of the domain by name.
            [virDomainCheckpointLookupByName, read] fn domain_checkpoint_lookup_by_name(&self, dom: &$crate::DomainRef, name: &str, flags: u32) -> $crate::DomainCheckpointRef;
            /// The checkpoint's parent.
            [virDomainCheckpointGetParent, read] fn domain_checkpoint_get_parent(&self, chk: &$crate::DomainCheckpointRef, flags: u32) -> $crate::DomainCheckpointRef;
            /// Delete the checkpoint (`checkpoint_delete_flags`).
            [virDomainCheckpointDelete, write, check checkpoint_delete_modes] fn domain_checkpoint_delete(&self, chk: &$crate::DomainCheckpointRef, flags: u32) -> ();
            /// Every network that passes `flags` (1 inactive, 2 active, 4 persistent,
            /// 8 transient, 16 autostart, 32 no autostart).
            [virConnectListAllNetworks, read] fn list_all_networks(&self, flags: u32) -> Vec<$crate::NetworkRef>;
            /// Find a network by name.
            [virNetworkLookupByName, read] fn network_lookup_by_name(&self, name: &str) -> $crate::NetworkRef;
            /// True when the network is running.
            [virNetworkIsActive, read] fn network_is_active(&self, net: &$crate::NetworkRef) -> bool;
            /// True when the network is persistent.
            [virNetworkIsPersistent, read] fn network_is_persistent(&self, net: &$crate::NetworkRef) -> bool;
            /// Whether the network starts with the node.
            [virNetworkGetAutostart, read] fn network_get_autostart(&self, net: &$crate::NetworkRef) -> bool;
            /// The network's XML.
            [virNetworkGetXMLDesc, read] fn network_get_xml_desc(&self, net: &$crate::NetworkRef, flags: u32) -> String;
            /// The network's bridge device.
            [virNetworkGetBridgeName, read] fn network_get_bridge_name(&self, net: &$crate::NetworkRef) -> String;
            /// Number of active networks.
            [virConnectNumOfNetworks, read] fn num_of_networks(&self) -> u32;
            /// Names of the active networks.
            [virConnectListNetworks, read] fn list_networks(&self) -> Vec<String>;
            /// Number of defined, inactive networks.
            [virConnectNumOfDefinedNetworks, read] fn num_of_defined_networks(&self) -> u32;
            /// Names of the defined, inactive networks.
            [virConnectListDefinedNetworks, read] fn list_defined_networks(&self) -> Vec<String>;
            /// Find a network by UUID.
            [virNetworkLookupByUUID, read] fn network_lookup_by_uuid(&self, uuid: &$crate::Uuid) -> $crate::NetworkRef;
            /// Create and start a transient network from XML (`network_define_flags`).
            [virNetworkCreateXML, write] fn network_create_xml(&self, xml: &str, flags: u32) -> $crate::NetworkRef;
            /// Define (or redefine) a persistent network from XML
            /// (`network_define_flags`).
            [virNetworkDefineXML, write] fn network_define_xml(&self, xml: &str, flags: u32) -> $crate::NetworkRef;
            /// Remove a network's persistent definition.
            [virNetworkUndefine, write] fn network_undefine(&self, net: &$crate::NetworkRef) -> ();
            /// Start a defined network.
            [virNetworkCreate, write] fn network_create(&self, net: &$crate::NetworkRef) -> ();
            /// Stop a network (a transient one goes away).
            [virNetworkDestroy, write] fn network_destroy(&self, net: &$crate::NetworkRef) -> ();
            /// Mark or unmark the network for autostart.
            [virNetworkSetAutostart, write] fn network_set_autostart(&self, net: &$crate::NetworkRef, autostart: bool) -> ();
            /// Change one section of the network's definition: `command` and
            /// `section` from `network_update`, `parent_index` the `<ip>` it
            /// concerns (-1: the first that fits), `flags` its `AFFECT_*`.
            [virNetworkUpdate, write] fn network_update(&self, net: &$crate::NetworkRef, command: u32, section: u32, parent_index: i32, xml: &str, flags: u32) -> ();
            /// The network's DHCP leases, only those of `mac` when given.
            [virNetworkGetDHCPLeases, read] fn network_get_dhcp_leases(&self, net: &$crate::NetworkRef, mac: Option<&str>, flags: u32) -> Vec<$crate::NetworkDhcpLease>;
            /// Every host interface that passes `flags` (`list_interfaces_flags`:
            /// 1 inactive, 2 active).
            [virConnectListAllInterfaces, read] fn list_all_interfaces(&self, flags: u32) -> Vec<$crate::InterfaceRef>;
            /// Number of active host interfaces.
            [virConnectNumOfInterfaces, read] fn num_of_interfaces(&self) -> u32;
            /// Names of the active host interfaces.
            [virConnectListInterfaces, read] fn list_interfaces(&self) -> Vec<String>;
            /// Number of defined, inactive host interfaces.
            [virConnectNumOfDefinedInterfaces, read] fn num_of_defined_interfaces(&self) -> u32;
            /// Names of the defined, inactive host interfaces.
            [virConnectListDefinedInterfaces, read] fn list_defined_interfaces(&self) -> Vec<String>;
            /// Find a host interface by name.
            [virInterfaceLookupByName, read] fn interface_lookup_by_name(&self, name: &str) -> $crate::InterfaceRef;
            /// Find a host interface by MAC address.
            [virInterfaceLookupByMACString, read] fn interface_lookup_by_mac_string(&self, mac: &str) -> $crate::InterfaceRef;
            /// The interface's XML (`interface_xml_flags`: 1 the inactive definition).
            [virInterfaceGetXMLDesc, read] fn interface_get_xml_desc(&self, iface: &$crate::InterfaceRef, flags: u32) -> String;
            /// Define (or redefine) a host interface from XML.
            [virInterfaceDefineXML, write] fn interface_define_xml(&self, xml: &str, flags: u32) -> $crate::InterfaceRef;
            /// Remove a host interface's definition.
            [virInterfaceUndefine, write] fn interface_undefine(&self, iface: &$crate::InterfaceRef) -> ();
            /// Bring a host interface up.
            [virInterfaceCreate, write] fn interface_create(&self, iface: &$crate::InterfaceRef, flags: u32) -> ();
            /// Bring a host interface down.
            [virInterfaceDestroy, write] fn interface_destroy(&self, iface: &$crate::InterfaceRef, flags: u32) -> ();
            /// True when the host interface is up.
            [virInterfaceIsActive, read] fn interface_is_active(&self, iface: &$crate::InterfaceRef) -> bool;
            /// Snapshot the host's interface configuration so that a later
            /// rollback can restore it.
            [virInterfaceChangeBegin, write] fn interface_change_begin(&self, flags: u32) -> ();
            /// Keep the changes made since `interface_change_begin`.
            [virInterfaceChangeCommit, write] fn interface_change_commit(&self, flags: u32) -> ();
            /// Undo the changes made since `interface_change_begin`.
            [virInterfaceChangeRollback, write] fn interface_change_rollback(&self, flags: u32) -> ();
            /// Every node device that passes `flags` (`list_node_devices_flags`:
            /// capability bits, active, inactive).
            [virConnectListAllNodeDevices, read] fn list_all_node_devices(&self, flags: u32) -> Vec<$crate::NodeDeviceRef>;
            /// Number of node devices, only those with capability `cap` when given.
            [virNodeNumOfDevices, read] fn node_num_of_devices(&self, cap: Option<&str>, flags: u32) -> u32;
            /// Names of the node devices, only those with capability `cap` when given.
            [virNodeListDevices, read] fn node_list_devices(&self, cap: Option<&str>, flags: u32) -> Vec<String>;
            /// Find a node device by name.
            [virNodeDeviceLookupByName, read] fn node_device_lookup_by_name(&self, name: &str) -> $crate::NodeDeviceRef;
            /// The node device's XML.
            [virNodeDeviceGetXMLDesc, read] fn node_device_get_xml_desc(&self, dev: &$crate::NodeDeviceRef, flags: u32) -> String;
            /// The name of the device's parent (`None` for the root, `computer`).
            [virNodeDeviceGetParent, read] fn node_device_get_parent(&self, dev: &$crate::NodeDeviceRef) -> Option<String>;
            /// Number of the device's capabilities.
            [virNodeDeviceNumOfCaps, read] fn node_device_num_of_caps(&self, dev: &$crate::NodeDeviceRef) -> u32;
            /// Names of the device's capabilities (`pci`, `scsi_host`, ...).
            [virNodeDeviceListCaps, read] fn node_device_list_caps(&self, dev: &$crate::NodeDeviceRef) -> Vec<String>;
            /// Create a transient device (a vHBA, a mediated device) from XML.
            [virNodeDeviceCreateXML, write] fn node_device_create_xml(&self, xml: &str, flags: u32) -> $crate::NodeDeviceRef;
            /// Remove a device made by `node_device_create_xml`.
            [virNodeDeviceDestroy, write] fn node_device_destroy(&self, dev: &$crate::NodeDeviceRef) -> ();
            /// Define a persistent device from XML.
            [virNodeDeviceDefineXML, write] fn node_device_define_xml(&self, xml: &str, flags: u32) -> $crate::NodeDeviceRef;
            /// Remove a device's persistent definition.
            [virNodeDeviceUndefine, write] fn node_device_undefine(&self, dev: &$crate::NodeDeviceRef, flags: u32) -> ();
            /// Start a defined device.
            [virNodeDeviceCreate, write] fn node_device_create(&self, dev: &$crate::NodeDeviceRef, flags: u32) -> ();
            /// True when the device is active.
            [virNodeDeviceIsActive, read] fn node_device_is_active(&self, dev: &$crate::NodeDeviceRef) -> bool;
            /// True when the device has a persistent definition.
            [virNodeDeviceIsPersistent, read] fn node_device_is_persistent(&self, dev: &$crate::NodeDeviceRef) -> bool;
            /// Every storage pool that passes `flags` (1 inactive, 2 active,
            /// 4 persistent, 8 transient, 16 autostart, 32 no autostart).
            [virConnectListAllStoragePools, read] fn list_all_storage_pools(&self, flags: u32) -> Vec<$crate::StoragePoolRef>;
            /// Find a storage pool by name.
            [virStoragePoolLookupByName, read] fn storage_pool_lookup_by_name(&self, name: &str) -> $crate::StoragePoolRef;
            /// True when the pool is active.
            [virStoragePoolIsActive, read] fn storage_pool_is_active(&self, pool: &$crate::StoragePoolRef) -> bool;
            /// True when the pool is persistent.
            [virStoragePoolIsPersistent, read] fn storage_pool_is_persistent(&self, pool: &$crate::StoragePoolRef) -> bool;
            /// Whether the pool starts with the node.
            [virStoragePoolGetAutostart, read] fn storage_pool_get_autostart(&self, pool: &$crate::StoragePoolRef) -> bool;
            /// State, capacity, allocation and free space.
            [virStoragePoolGetInfo, read] fn storage_pool_get_info(&self, pool: &$crate::StoragePoolRef) -> $crate::StoragePoolInfo;
            /// The pool's XML.
            [virStoragePoolGetXMLDesc, read] fn storage_pool_get_xml_desc(&self, pool: &$crate::StoragePoolRef, flags: u32) -> String;
            /// Find a storage pool by UUID.
            [virStoragePoolLookupByUUID, read] fn storage_pool_lookup_by_uuid(&self, uuid: &$crate::Uuid) -> $crate::StoragePoolRef;
            /// The pool holding a volume.
            [virStoragePoolLookupByVolume, read] fn storage_pool_lookup_by_volume(&self, vol: &$crate::StorageVolRef) -> $crate::StoragePoolRef;
            /// Create and start a transient pool from XML.
            [virStoragePoolCreateXML, write] fn storage_pool_create_xml(&self, xml: &str, flags: u32) -> $crate::StoragePoolRef;
            /// Define (or redefine) a persistent pool from XML
            /// (`pool_define_flags`).
            [virStoragePoolDefineXML, write] fn storage_pool_define_xml(&self, xml: &str, flags: u32) -> $crate::StoragePoolRef;
            /// Build the pool's underlying storage (`pool_build_flags`).
            [virStoragePoolBuild, write] fn storage_pool_build(&self, pool: &$crate::StoragePoolRef, flags: u32) -> ();
            /// Start an inactive pool (`pool_create_flags`).
            [virStoragePoolCreate, write] fn storage_pool_create(&self, pool: &$crate::StoragePoolRef, flags: u32) -> ();
            /// Stop an active pool; a transient one disappears.
            [virStoragePoolDestroy, write] fn storage_pool_destroy(&self, pool: &$crate::StoragePoolRef) -> ();
            /// Delete the pool's underlying storage (`pool_delete_flags`).
            [virStoragePoolDelete, write] fn storage_pool_delete(&self, pool: &$crate::StoragePoolRef, flags: u32) -> ();
            /// Remove an inactive pool's persistent definition.
            [virStoragePoolUndefine, write] fn storage_pool_undefine(&self, pool: &$crate::StoragePoolRef) -> ();
            /// Look at the pool's storage again (its volumes and sizes).
            [virStoragePoolRefresh, write] fn storage_pool_refresh(&self, pool: &$crate::StoragePoolRef, flags: u32) -> ();
            /// Mark or unmark the pool for autostart.
            [virStoragePoolSetAutostart, write] fn storage_pool_set_autostart(&self, pool: &$crate::StoragePoolRef, autostart: bool) -> ();
            /// Every volume of an active pool.
            [virStoragePoolListAllVolumes, read] fn storage_pool_list_all_volumes(&self, pool: &$crate::StoragePoolRef, flags: u32) -> Vec<$crate::StorageVolRef>;
            /// How many volumes an active pool holds.
            [virStoragePoolNumOfVolumes, read] fn storage_pool_num_of_volumes(&self, pool: &$crate::StoragePoolRef) -> u32;
            /// The names of an active pool's volumes (the older listing
            /// virtinst and Python's `listVolumes` use).
            [virStoragePoolListVolumes, read] fn storage_pool_list_volumes(&self, pool: &$crate::StoragePoolRef) -> Vec<String>;
            /// Find a volume of a pool by name.
            [virStorageVolLookupByName, read] fn storage_vol_lookup_by_name(&self, pool: &$crate::StoragePoolRef, name: &str) -> $crate::StorageVolRef;
            /// Find a volume on the node by key.
            [virStorageVolLookupByKey, read] fn storage_vol_lookup_by_key(&self, key: &str) -> $crate::StorageVolRef;
            /// Find a volume on the node by path.
            [virStorageVolLookupByPath, read] fn storage_vol_lookup_by_path(&self, path: &str) -> $crate::StorageVolRef;
            /// Create a volume in a pool from XML (`vol_create_flags`).
            [virStorageVolCreateXML, write] fn storage_vol_create_xml(&self, pool: &$crate::StoragePoolRef, xml: &str, flags: u32) -> $crate::StorageVolRef;
            /// Create a volume from XML with the contents of `clonevol`.
            [virStorageVolCreateXMLFrom, write] fn storage_vol_create_xml_from(&self, pool: &$crate::StoragePoolRef, xml: &str, clonevol: &$crate::StorageVolRef, flags: u32) -> $crate::StorageVolRef;
            /// Delete a volume (`vol_delete_flags`).
            [virStorageVolDelete, write] fn storage_vol_delete(&self, vol: &$crate::StorageVolRef, flags: u32) -> ();
            /// Overwrite a volume's data with zeroes.
            [virStorageVolWipe, write] fn storage_vol_wipe(&self, vol: &$crate::StorageVolRef, flags: u32) -> ();
            /// Overwrite a volume's data with a pattern (`vol_wipe_algorithm`).
            [virStorageVolWipePattern, write, check wipe_algorithm] fn storage_vol_wipe_pattern(&self, vol: &$crate::StorageVolRef, algorithm: u32, flags: u32) -> ();
            /// Change a volume's capacity, bytes (`vol_resize_flags`).
            [virStorageVolResize, write, check resize_capacity] fn storage_vol_resize(&self, vol: &$crate::StorageVolRef, capacity: u64, flags: u32) -> ();
            /// Type, capacity and allocation.
            [virStorageVolGetInfo, read] fn storage_vol_get_info(&self, vol: &$crate::StorageVolRef) -> $crate::StorageVolInfo;
            /// The volume's XML.
            [virStorageVolGetXMLDesc, read] fn storage_vol_get_xml_desc(&self, vol: &$crate::StorageVolRef, flags: u32) -> String;
            /// Where the volume is on the node (a file or device path).
            [virStorageVolGetPath, read] fn storage_vol_get_path(&self, vol: &$crate::StorageVolRef) -> String;
            /// Open a stream whose data goes into the volume: `length` bytes
            /// from `offset` (0: to the end); `vol_upload_flags`.
            [virStorageVolUpload, write] fn storage_vol_upload(&self, vol: &$crate::StorageVolRef, offset: u64, length: u64, flags: u32) -> $crate::StreamEnds;
            /// Open a stream that yields the volume's data: `length` bytes
            /// from `offset` (0: to the end); `vol_download_flags`.
            [virStorageVolDownload, write] fn storage_vol_download(&self, vol: &$crate::StorageVolRef, offset: u64, length: u64, flags: u32) -> $crate::StreamEnds;
        }
    };
}

macro_rules! driver_trait {
    ($(
        $(#[$m:meta])*
        [$api:ident, $kind:ident $(, check $check:ident)? $(, default $default:block)?]
        fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {
        /// One open connection to a hypervisor. Implementations must be safe
        /// to call from many threads at once.
        pub trait Driver: Send + Sync {
            /// The hypervisor type name virsh shows ("TEST", "QEMU", "Xen").
            fn type_name(&self) -> &str;
            /// The buses this driver publishes its events on (none by
            /// default: the driver has no events). [`crate::Connect::subscribe`]
            /// subscribes to all of them.
            fn event_buses(&self) -> Vec<$crate::events::EventBus> {
                Vec::new()
            }
            $(
                $(#[$m])*
                fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    $(let _ = $arg;)*
                    default_body!(stringify!($api) $(, $default)?)
                }
            )*
        }

        impl Driver for DriverStack {
            fn type_name(&self) -> &str {
                self.members.first().map(|d| d.type_name()).unwrap_or("")
            }
            fn event_buses(&self) -> Vec<$crate::events::EventBus> {
                // Every member's events: QEMU's domains, a network
                // driver's networks.
                self.members.iter().flat_map(|d| d.event_buses()).collect()
            }
            $(
                fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    stack_body!(self, stringify!($api), $name($($arg),*) $(, $default)?)
                }
            )*
        }

        /// A driver call, named as in the table (`Method::domain_destroy`).
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Method {
            $(
                #[doc = concat!("`", stringify!($name), "` (`", stringify!($api), "`)")]
                $name,
            )*
        }

        impl Method {
            /// Every call, in table order.
            pub const ALL: &'static [Method] = &[$(Method::$name),*];

            /// The method's name in the Driver trait.
            pub fn name(self) -> &'static str {
                match self { $(Method::$name => stringify!($name),)* }
            }

            /// libvirt's public function for it.
            pub fn api(self) -> &'static str {
                match self { $(Method::$name => stringify!($api),)* }
            }

            /// True when the call changes something (refused on read-only
            /// connections).
            pub fn is_mutating(self) -> bool {
                match self { $(Method::$name => stringify!($kind) == "write",)* }
            }
        }
    };
}

/// A trait method's default body: a decline, or the table's `default`.
macro_rules! default_body {
    ($api:expr) => {
        Err(Error::declined($api))
    };
    ($api:expr, $default:block) => {
        $default
    };
}

/// A stack's body: the first member that does not decline answers; an
/// entry with a `default` (close) goes to every member, the first failure
/// reported.
macro_rules! stack_body {
    ($self:ident, $api:expr, $name:ident($($arg:ident),*)) => {{
        for d in &$self.members {
            match d.$name($($arg),*) {
                Err(e) if e.is_declined() => {}
                other => return other,
            }
        }
        Err(Error::no_support($api))
    }};
    ($self:ident, $api:expr, $name:ident($($arg:ident),*), $default:block) => {{
        let mut first = Ok(());
        for d in &$self.members {
            let r = d.$name($($arg),*);
            if first.is_ok() {
                if let Err(e) = r {
                    first = Err(e);
                }
            }
        }
        first.or_else(|e| if e.is_declined() { Ok(()) } else { Err(e) })
    }};
}

for_each_driver_method!(driver_trait);

/// Several backends serving one URI: each call goes to the first member that
/// supports it.
pub struct DriverStack {
    members: Vec<Box<dyn Driver>>,
}

impl DriverStack {
    /// A stack asking `members` in this order.
    pub fn new(members: Vec<Box<dyn Driver>>) -> Self {
        DriverStack { members }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorCode, ErrorDomain};
    use crate::types::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct StateOnly;
    impl Driver for StateOnly {
        fn type_name(&self) -> &str {
            "Xen"
        }
        fn version(&self) -> Result<u64> {
            Ok(3_000_001)
        }
        fn domain_lookup_by_id(&self, id: u32) -> Result<DomainRef> {
            Err(Error::no_domain_id(ErrorDomain::Xen, id))
        }
    }
    struct Changes;
    impl Driver for Changes {
        fn type_name(&self) -> &str {
            "Xend"
        }
        fn version(&self) -> Result<u64> {
            Ok(1)
        }
        fn domain_lookup_by_id(&self, _id: u32) -> Result<DomainRef> {
            Ok(DomainRef {
                name: "never".into(),
                uuid: Uuid::nil(),
                id: Some(1),
            })
        }
        fn domain_suspend(&self, _dom: &DomainRef) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn stack_falls_through_only_on_declines() {
        let s = DriverStack::new(vec![Box::new(StateOnly), Box::new(Changes)]);
        assert_eq!(s.type_name(), "Xen");
        assert_eq!(s.version().ok(), Some(3_000_001));
        let d = DomainRef {
            name: "x".into(),
            uuid: Uuid::nil(),
            id: Some(1),
        };
        assert!(s.domain_suspend(&d).is_ok());
        // A real error from the first member is final, not passed on.
        assert_eq!(
            s.domain_lookup_by_id(1).err().map(|e| e.code),
            Some(ErrorCode::NoDomain)
        );
        let e = s.domain_resume(&d).err().map(|e| (e.code, e.to_string()));
        assert_eq!(
            e,
            Some((
                ErrorCode::NoSupport,
                "this function is not supported by the connection driver: virDomainResume".into()
            ))
        );
    }

    /// A member that answers "not supported" itself: final, not passed on.
    struct Refuses;
    impl Driver for Refuses {
        fn type_name(&self) -> &str {
            "Refuses"
        }
        fn domain_resume(&self, _dom: &DomainRef) -> Result<()> {
            Err(Error::no_support("virDomainResume"))
        }
    }

    struct Counts(&'static AtomicUsize);
    impl Driver for Counts {
        fn type_name(&self) -> &str {
            "Counts"
        }
        fn close(&self) -> Result<()> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    #[test]
    fn no_support_is_final_and_a_decline_is_not() {
        let d = DomainRef {
            name: "x".into(),
            uuid: Uuid::nil(),
            id: Some(1),
        };
        let s = DriverStack::new(vec![Box::new(Refuses), Box::new(Changes)]);
        assert!(s.domain_suspend(&d).is_ok(), "Refuses declines suspend");
        let e = s.domain_resume(&d).unwrap_err();
        assert_eq!(e.code, ErrorCode::NoSupport);
        assert!(!e.is_declined());
        // What every member declines reads as plain "not supported".
        let e = s.domain_reboot(&d, 0).unwrap_err();
        assert!(!e.is_declined());
        assert_eq!(
            e.to_string(),
            "this function is not supported by the connection driver: virDomainReboot"
        );
    }

    #[test]
    fn close_succeeds_by_default_and_reaches_every_member() {
        static CLOSED: AtomicUsize = AtomicUsize::new(0);
        assert!(StateOnly.close().is_ok());
        let s = DriverStack::new(vec![
            Box::new(Counts(&CLOSED)),
            Box::new(StateOnly),
            Box::new(Counts(&CLOSED)),
        ]);
        assert!(s.close().is_ok());
        assert_eq!(CLOSED.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn the_table_names_its_calls_and_their_kinds() {
        assert_eq!(
            Method::ALL.len(),
            Method::ALL
                .iter()
                .collect::<std::collections::HashSet<_>>()
                .len()
        );
        assert_eq!(Method::domain_destroy.api(), "virDomainDestroyFlags");
        assert!(Method::domain_destroy.is_mutating());
        assert!(!Method::domain_get_info.is_mutating());
        let mutating: Vec<_> = Method::ALL.iter().filter(|m| m.is_mutating()).collect();
        assert!(mutating.contains(&&Method::domain_define_xml));
        assert!(!mutating.iter().any(|m| m.name().contains("lookup")));
    }
}
