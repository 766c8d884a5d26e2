//! The driver trait a hypervisor backend implements, and the stack that
//! lets several backends serve one URI.
//!
//! Every operation has a default body returning "this function is not
//! supported by the connection driver", so a backend implements only what it
//! can. A [`DriverStack`] asks its members in order and moves on while they
//! answer with that error.

use crate::error::{Error, ErrorCode, Result};
use crate::types::*;

macro_rules! driver_trait {
    ($(
        $(#[$m:meta])*
        [$api:ident] fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {
        /// One open connection to a hypervisor. Implementations must be safe
        /// to call from many threads at once.
        pub trait Driver: Send + Sync {
            /// The hypervisor type name virsh shows ("TEST", "QEMU", "Xen").
            fn type_name(&self) -> &str;
            $(
                $(#[$m])*
                fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    $(let _ = $arg;)*
                    Err(Error::no_support(stringify!($api)))
                }
            )*
        }

        impl Driver for DriverStack {
            fn type_name(&self) -> &str {
                self.members.first().map(|d| d.type_name()).unwrap_or("")
            }
            $(
                fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    let mut last = Error::no_support(stringify!($api));
                    for d in &self.members {
                        match d.$name($($arg),*) {
                            Err(e) if e.code == ErrorCode::NoSupport => last = e,
                            other => return other,
                        }
                    }
                    Err(last)
                }
            )*
        }
    };
}

driver_trait! {
    /// Release what the connection holds.
    [virConnectClose] fn close(&self) -> ();
    /// Hypervisor version, `major * 1_000_000 + minor * 1000 + micro`.
    [virConnectGetVersion] fn version(&self) -> u64;
    /// The node's host name.
    [virConnectGetHostname] fn hostname(&self) -> String;
    /// The canonical URI of this connection.
    [virConnectGetURI] fn uri(&self) -> String;
    /// The capabilities XML.
    [virConnectGetCapabilities] fn capabilities(&self) -> String;
    /// Maximum vCPUs a guest of `guest_type` may have.
    [virConnectGetMaxVcpus] fn max_vcpus(&self, guest_type: Option<&str>) -> u32;
    /// Node information.
    [virNodeGetInfo] fn node_info(&self) -> NodeInfo;
    /// Free memory per NUMA cell, bytes, for cells `start..start+max`.
    [virNodeGetCellsFreeMemory] fn node_cells_free_memory(&self, start: u32, max: u32) -> Vec<u64>;
    /// The number of host CPUs and the map of those online.
    [virNodeGetCPUMap] fn node_cpu_map(&self) -> (u32, CpuMap);
    /// Free memory on the node, bytes.
    [virNodeGetFreeMemory] fn node_free_memory(&self) -> u64;
    /// The node's security model.
    [virNodeGetSecurityModel] fn node_security_model(&self) -> SecurityModel;
    /// Ids of the running domains.
    [virConnectListDomains] fn list_domain_ids(&self) -> Vec<u32>;
    /// Number of running domains.
    [virConnectNumOfDomains] fn num_of_domains(&self) -> u32;
    /// Names of the defined, inactive domains.
    [virConnectListDefinedDomains] fn list_defined_domains(&self) -> Vec<String>;
    /// Number of defined, inactive domains.
    [virConnectNumOfDefinedDomains] fn num_of_defined_domains(&self) -> u32;
    /// Every domain that passes `flags` (see `list_flags`), in one call.
    [virConnectListAllDomains] fn list_all_domains(&self, flags: u32) -> Vec<DomainRef>;
    /// Start a transient domain from XML.
    [virDomainCreateXML] fn domain_create_xml(&self, xml: &str, flags: u32) -> DomainRef;
    /// Define (or redefine) a persistent domain from XML.
    [virDomainDefineXML] fn domain_define_xml(&self, xml: &str, flags: u32) -> DomainRef;
    /// Find a running domain by id.
    [virDomainLookupByID] fn domain_lookup_by_id(&self, id: u32) -> DomainRef;
    /// Find a domain by name.
    [virDomainLookupByName] fn domain_lookup_by_name(&self, name: &str) -> DomainRef;
    /// Find a domain by UUID.
    [virDomainLookupByUUID] fn domain_lookup_by_uuid(&self, uuid: &Uuid) -> DomainRef;
    /// Remove a domain's persistent definition.
    [virDomainUndefineFlags] fn domain_undefine(&self, dom: &DomainRef, flags: u32) -> ();
    /// Start a defined domain; returns its new identity (with id).
    [virDomainCreateWithFlags] fn domain_create(&self, dom: &DomainRef, flags: u32) -> DomainRef;
    /// Ask the guest to shut down.
    [virDomainShutdownFlags] fn domain_shutdown(&self, dom: &DomainRef, flags: u32) -> ();
    /// Ask the guest to reboot.
    [virDomainReboot] fn domain_reboot(&self, dom: &DomainRef, flags: u32) -> ();
    /// Stop the domain at once.
    [virDomainDestroyFlags] fn domain_destroy(&self, dom: &DomainRef, flags: u32) -> ();
    /// Pause the domain.
    [virDomainSuspend] fn domain_suspend(&self, dom: &DomainRef) -> ();
    /// Resume a paused domain.
    [virDomainResume] fn domain_resume(&self, dom: &DomainRef) -> ();
    /// Save the domain's state to a file and stop it.
    [virDomainSaveFlags] fn domain_save(&self, dom: &DomainRef, path: &str, flags: u32) -> ();
    /// Restore a domain from a saved state file.
    [virDomainRestoreFlags] fn domain_restore(&self, path: &str, flags: u32) -> DomainRef;
    /// Dump the domain's core to a file.
    [virDomainCoreDump] fn domain_core_dump(&self, dom: &DomainRef, path: &str, flags: u32) -> ();
    /// Dump the domain's core to a file in a format (`dump_format`).
    [virDomainCoreDumpWithFormat] fn domain_core_dump_with_format(&self, dom: &DomainRef, path: &str, format: u32, flags: u32) -> ();
    /// Save the domain's state to a file and stop it, with `dxml` as the
    /// definition to restore it with (a save without one is `domain_save`).
    [virDomainSaveFlags] fn domain_save_xml(&self, dom: &DomainRef, path: &str, dxml: &str, flags: u32) -> ();
    /// Restore a domain from a saved state file with `dxml` replacing the
    /// saved definition (a restore without one is `domain_restore`).
    [virDomainRestoreFlags] fn domain_restore_xml(&self, path: &str, dxml: &str, flags: u32) -> DomainRef;
    /// State, memory, vCPUs and CPU time.
    [virDomainGetInfo] fn domain_get_info(&self, dom: &DomainRef) -> DomainInfo;
    /// State with reason.
    [virDomainGetState] fn domain_get_state(&self, dom: &DomainRef, flags: u32) -> (DomainState, i32);
    /// The guest OS type ("linux", "hvm").
    [virDomainGetOSType] fn domain_get_os_type(&self, dom: &DomainRef) -> String;
    /// Maximum memory, KiB.
    [virDomainGetMaxMemory] fn domain_get_max_memory(&self, dom: &DomainRef) -> u64;
    /// Set memory (KiB); `affect::MAXIMUM` sets the maximum.
    [virDomainSetMemoryFlags] fn domain_set_memory_flags(&self, dom: &DomainRef, kib: u64, flags: u32) -> ();
    /// The domain XML.
    [virDomainGetXMLDesc] fn domain_get_xml_desc(&self, dom: &DomainRef, flags: u32) -> String;
    /// Set the vCPU count (see `affect`).
    [virDomainSetVcpusFlags] fn domain_set_vcpus_flags(&self, dom: &DomainRef, nvcpus: u32, flags: u32) -> ();
    /// The vCPU count (see `affect`).
    [virDomainGetVcpusFlags] fn domain_get_vcpus_flags(&self, dom: &DomainRef, flags: u32) -> u32;
    /// Per-vCPU information with affinity.
    [virDomainGetVcpus] fn domain_get_vcpus(&self, dom: &DomainRef) -> Vec<VcpuInfo>;
    /// Each vCPU's affinity, live or from the persistent definition (see
    /// `affect`); works on inactive domains too.
    [virDomainGetVcpuPinInfo] fn domain_get_vcpu_pin_info(&self, dom: &DomainRef, flags: u32) -> Vec<CpuMap>;
    /// Pin a vCPU to a set of physical CPUs.
    [virDomainPinVcpuFlags] fn domain_pin_vcpu(&self, dom: &DomainRef, vcpu: u32, map: &CpuMap, flags: u32) -> ();
    /// Whether the domain starts with the node.
    [virDomainGetAutostart] fn domain_get_autostart(&self, dom: &DomainRef) -> bool;
    /// Mark or unmark the domain for autostart.
    [virDomainSetAutostart] fn domain_set_autostart(&self, dom: &DomainRef, autostart: bool) -> ();
    /// True when running or paused.
    [virDomainIsActive] fn domain_is_active(&self, dom: &DomainRef) -> bool;
    /// True when it has a persistent definition.
    [virDomainIsPersistent] fn domain_is_persistent(&self, dom: &DomainRef) -> bool;
    /// True when it has a managed save image.
    [virDomainHasManagedSaveImage] fn domain_has_managed_save(&self, dom: &DomainRef, flags: u32) -> bool;
    /// The scheduler's name and its number of parameters.
    [virDomainGetSchedulerType] fn domain_get_scheduler_type(&self, dom: &DomainRef) -> (String, u32);
    /// The scheduler's parameters.
    [virDomainGetSchedulerParametersFlags] fn domain_get_scheduler_params(&self, dom: &DomainRef, flags: u32) -> Vec<TypedParam>;
    /// Change scheduler parameters.
    [virDomainSetSchedulerParametersFlags] fn domain_set_scheduler_params(&self, dom: &DomainRef, params: &[TypedParam], flags: u32) -> ();
    /// The domain's security label.
    [virDomainGetSecurityLabel] fn domain_get_security_label(&self, dom: &DomainRef) -> SecurityLabel;
    /// Hot-plug a device described in XML.
    [virDomainAttachDeviceFlags] fn domain_attach_device(&self, dom: &DomainRef, xml: &str, flags: u32) -> ();
    /// Hot-unplug a device described in XML.
    [virDomainDetachDeviceFlags] fn domain_detach_device(&self, dom: &DomainRef, xml: &str, flags: u32) -> ();
    /// Every network that passes `flags` (1 inactive, 2 active, 4 persistent,
    /// 8 transient, 16 autostart, 32 no autostart).
    [virConnectListAllNetworks] fn list_all_networks(&self, flags: u32) -> Vec<NetworkRef>;
    /// Find a network by name.
    [virNetworkLookupByName] fn network_lookup_by_name(&self, name: &str) -> NetworkRef;
    /// True when the network is running.
    [virNetworkIsActive] fn network_is_active(&self, net: &NetworkRef) -> bool;
    /// True when the network is persistent.
    [virNetworkIsPersistent] fn network_is_persistent(&self, net: &NetworkRef) -> bool;
    /// Whether the network starts with the node.
    [virNetworkGetAutostart] fn network_get_autostart(&self, net: &NetworkRef) -> bool;
    /// The network's XML.
    [virNetworkGetXMLDesc] fn network_get_xml_desc(&self, net: &NetworkRef, flags: u32) -> String;
    /// The network's bridge device.
    [virNetworkGetBridgeName] fn network_get_bridge_name(&self, net: &NetworkRef) -> String;
    /// Every storage pool that passes `flags` (1 inactive, 2 active,
    /// 4 persistent, 8 transient, 16 autostart, 32 no autostart).
    [virConnectListAllStoragePools] fn list_all_storage_pools(&self, flags: u32) -> Vec<StoragePoolRef>;
    /// Find a storage pool by name.
    [virStoragePoolLookupByName] fn storage_pool_lookup_by_name(&self, name: &str) -> StoragePoolRef;
    /// True when the pool is active.
    [virStoragePoolIsActive] fn storage_pool_is_active(&self, pool: &StoragePoolRef) -> bool;
    /// True when the pool is persistent.
    [virStoragePoolIsPersistent] fn storage_pool_is_persistent(&self, pool: &StoragePoolRef) -> bool;
    /// Whether the pool starts with the node.
    [virStoragePoolGetAutostart] fn storage_pool_get_autostart(&self, pool: &StoragePoolRef) -> bool;
    /// State, capacity, allocation and free space.
    [virStoragePoolGetInfo] fn storage_pool_get_info(&self, pool: &StoragePoolRef) -> StoragePoolInfo;
    /// The pool's XML.
    [virStoragePoolGetXMLDesc] fn storage_pool_get_xml_desc(&self, pool: &StoragePoolRef, flags: u32) -> String;
}

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
    use crate::error::ErrorDomain;

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
    fn stack_falls_through_only_on_no_support() {
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
}
