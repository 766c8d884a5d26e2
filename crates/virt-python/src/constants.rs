//! The `VIR_*` constants of the calls this module serves, by name, with
//! libvirt's values (from libvirt 9.0's public enums). The Python module
//! exports each as a module attribute, as libvirt-python does; the tests
//! check every value against python3-libvirt and virt-core's numbers.

/// `(name, value)` for every exported constant, grouped by libvirt enum.
pub const CONSTANTS: &[(&str, i64)] = &[
    // virErrorLevel
    ("VIR_ERR_NONE", 0),
    ("VIR_ERR_WARNING", 1),
    ("VIR_ERR_ERROR", 2),
    // virErrorDomain
    ("VIR_FROM_NONE", 0),
    ("VIR_FROM_XEN", 1),
    ("VIR_FROM_XEND", 2),
    ("VIR_FROM_XENSTORE", 3),
    ("VIR_FROM_SEXPR", 4),
    ("VIR_FROM_XML", 5),
    ("VIR_FROM_DOM", 6),
    ("VIR_FROM_RPC", 7),
    ("VIR_FROM_PROXY", 8),
    ("VIR_FROM_CONF", 9),
    ("VIR_FROM_QEMU", 10),
    ("VIR_FROM_NET", 11),
    ("VIR_FROM_TEST", 12),
    ("VIR_FROM_REMOTE", 13),
    ("VIR_FROM_OPENVZ", 14),
    ("VIR_FROM_XENXM", 15),
    ("VIR_FROM_STATS_LINUX", 16),
    ("VIR_FROM_LXC", 17),
    ("VIR_FROM_STORAGE", 18),
    ("VIR_FROM_NETWORK", 19),
    ("VIR_FROM_DOMAIN", 20),
    ("VIR_FROM_UML", 21),
    ("VIR_FROM_NODEDEV", 22),
    ("VIR_FROM_XEN_INOTIFY", 23),
    ("VIR_FROM_SECURITY", 24),
    ("VIR_FROM_VBOX", 25),
    ("VIR_FROM_INTERFACE", 26),
    ("VIR_FROM_ONE", 27),
    ("VIR_FROM_ESX", 28),
    ("VIR_FROM_PHYP", 29),
    ("VIR_FROM_SECRET", 30),
    ("VIR_FROM_CPU", 31),
    ("VIR_FROM_XENAPI", 32),
    ("VIR_FROM_NWFILTER", 33),
    ("VIR_FROM_HOOK", 34),
    ("VIR_FROM_DOMAIN_SNAPSHOT", 35),
    ("VIR_FROM_AUDIT", 36),
    ("VIR_FROM_SYSINFO", 37),
    ("VIR_FROM_STREAMS", 38),
    ("VIR_FROM_VMWARE", 39),
    ("VIR_FROM_EVENT", 40),
    ("VIR_FROM_LIBXL", 41),
    ("VIR_FROM_LOCKING", 42),
    ("VIR_FROM_HYPERV", 43),
    ("VIR_FROM_CAPABILITIES", 44),
    ("VIR_FROM_URI", 45),
    ("VIR_FROM_AUTH", 46),
    ("VIR_FROM_DBUS", 47),
    ("VIR_FROM_PARALLELS", 48),
    ("VIR_FROM_DEVICE", 49),
    ("VIR_FROM_SSH", 50),
    ("VIR_FROM_LOCKSPACE", 51),
    ("VIR_FROM_INITCTL", 52),
    ("VIR_FROM_IDENTITY", 53),
    ("VIR_FROM_CGROUP", 54),
    ("VIR_FROM_ACCESS", 55),
    ("VIR_FROM_SYSTEMD", 56),
    ("VIR_FROM_BHYVE", 57),
    ("VIR_FROM_CRYPTO", 58),
    ("VIR_FROM_FIREWALL", 59),
    ("VIR_FROM_POLKIT", 60),
    ("VIR_FROM_THREAD", 61),
    ("VIR_FROM_ADMIN", 62),
    ("VIR_FROM_LOGGING", 63),
    ("VIR_FROM_XENXL", 64),
    ("VIR_FROM_PERF", 65),
    ("VIR_FROM_LIBSSH", 66),
    ("VIR_FROM_RESCTRL", 67),
    ("VIR_FROM_FIREWALLD", 68),
    ("VIR_FROM_DOMAIN_CHECKPOINT", 69),
    ("VIR_FROM_TPM", 70),
    ("VIR_FROM_BPF", 71),
    ("VIR_FROM_CH", 72),
    // virErrorNumber
    ("VIR_ERR_OK", 0),
    ("VIR_ERR_INTERNAL_ERROR", 1),
    ("VIR_ERR_NO_MEMORY", 2),
    ("VIR_ERR_NO_SUPPORT", 3),
    ("VIR_ERR_UNKNOWN_HOST", 4),
    ("VIR_ERR_NO_CONNECT", 5),
    ("VIR_ERR_INVALID_CONN", 6),
    ("VIR_ERR_INVALID_DOMAIN", 7),
    ("VIR_ERR_INVALID_ARG", 8),
    ("VIR_ERR_OPERATION_FAILED", 9),
    ("VIR_ERR_GET_FAILED", 10),
    ("VIR_ERR_POST_FAILED", 11),
    ("VIR_ERR_HTTP_ERROR", 12),
    ("VIR_ERR_SEXPR_SERIAL", 13),
    ("VIR_ERR_NO_XEN", 14),
    ("VIR_ERR_XEN_CALL", 15),
    ("VIR_ERR_OS_TYPE", 16),
    ("VIR_ERR_NO_KERNEL", 17),
    ("VIR_ERR_NO_ROOT", 18),
    ("VIR_ERR_NO_SOURCE", 19),
    ("VIR_ERR_NO_TARGET", 20),
    ("VIR_ERR_NO_NAME", 21),
    ("VIR_ERR_NO_OS", 22),
    ("VIR_ERR_NO_DEVICE", 23),
    ("VIR_ERR_NO_XENSTORE", 24),
    ("VIR_ERR_DRIVER_FULL", 25),
    ("VIR_ERR_CALL_FAILED", 26),
    ("VIR_ERR_XML_ERROR", 27),
    ("VIR_ERR_DOM_EXIST", 28),
    ("VIR_ERR_OPERATION_DENIED", 29),
    ("VIR_ERR_OPEN_FAILED", 30),
    ("VIR_ERR_READ_FAILED", 31),
    ("VIR_ERR_PARSE_FAILED", 32),
    ("VIR_ERR_CONF_SYNTAX", 33),
    ("VIR_ERR_WRITE_FAILED", 34),
    ("VIR_ERR_XML_DETAIL", 35),
    ("VIR_ERR_INVALID_NETWORK", 36),
    ("VIR_ERR_NETWORK_EXIST", 37),
    ("VIR_ERR_SYSTEM_ERROR", 38),
    ("VIR_ERR_RPC", 39),
    ("VIR_ERR_GNUTLS_ERROR", 40),
    ("VIR_WAR_NO_NETWORK", 41),
    ("VIR_ERR_NO_DOMAIN", 42),
    ("VIR_ERR_NO_NETWORK", 43),
    ("VIR_ERR_INVALID_MAC", 44),
    ("VIR_ERR_AUTH_FAILED", 45),
    ("VIR_ERR_INVALID_STORAGE_POOL", 46),
    ("VIR_ERR_INVALID_STORAGE_VOL", 47),
    ("VIR_WAR_NO_STORAGE", 48),
    ("VIR_ERR_NO_STORAGE_POOL", 49),
    ("VIR_ERR_NO_STORAGE_VOL", 50),
    ("VIR_WAR_NO_NODE", 51),
    ("VIR_ERR_INVALID_NODE_DEVICE", 52),
    ("VIR_ERR_NO_NODE_DEVICE", 53),
    ("VIR_ERR_NO_SECURITY_MODEL", 54),
    ("VIR_ERR_OPERATION_INVALID", 55),
    ("VIR_WAR_NO_INTERFACE", 56),
    ("VIR_ERR_NO_INTERFACE", 57),
    ("VIR_ERR_INVALID_INTERFACE", 58),
    ("VIR_ERR_MULTIPLE_INTERFACES", 59),
    ("VIR_WAR_NO_NWFILTER", 60),
    ("VIR_ERR_INVALID_NWFILTER", 61),
    ("VIR_ERR_NO_NWFILTER", 62),
    ("VIR_ERR_BUILD_FIREWALL", 63),
    ("VIR_WAR_NO_SECRET", 64),
    ("VIR_ERR_INVALID_SECRET", 65),
    ("VIR_ERR_NO_SECRET", 66),
    ("VIR_ERR_CONFIG_UNSUPPORTED", 67),
    ("VIR_ERR_OPERATION_TIMEOUT", 68),
    ("VIR_ERR_MIGRATE_PERSIST_FAILED", 69),
    ("VIR_ERR_HOOK_SCRIPT_FAILED", 70),
    ("VIR_ERR_INVALID_DOMAIN_SNAPSHOT", 71),
    ("VIR_ERR_NO_DOMAIN_SNAPSHOT", 72),
    ("VIR_ERR_INVALID_STREAM", 73),
    ("VIR_ERR_ARGUMENT_UNSUPPORTED", 74),
    ("VIR_ERR_STORAGE_PROBE_FAILED", 75),
    ("VIR_ERR_STORAGE_POOL_BUILT", 76),
    ("VIR_ERR_SNAPSHOT_REVERT_RISKY", 77),
    ("VIR_ERR_OPERATION_ABORTED", 78),
    ("VIR_ERR_AUTH_CANCELLED", 79),
    ("VIR_ERR_NO_DOMAIN_METADATA", 80),
    ("VIR_ERR_MIGRATE_UNSAFE", 81),
    ("VIR_ERR_OVERFLOW", 82),
    ("VIR_ERR_BLOCK_COPY_ACTIVE", 83),
    ("VIR_ERR_OPERATION_UNSUPPORTED", 84),
    ("VIR_ERR_SSH", 85),
    ("VIR_ERR_AGENT_UNRESPONSIVE", 86),
    ("VIR_ERR_RESOURCE_BUSY", 87),
    ("VIR_ERR_ACCESS_DENIED", 88),
    ("VIR_ERR_DBUS_SERVICE", 89),
    ("VIR_ERR_STORAGE_VOL_EXIST", 90),
    ("VIR_ERR_CPU_INCOMPATIBLE", 91),
    ("VIR_ERR_XML_INVALID_SCHEMA", 92),
    ("VIR_ERR_MIGRATE_FINISH_OK", 93),
    ("VIR_ERR_AUTH_UNAVAILABLE", 94),
    ("VIR_ERR_NO_SERVER", 95),
    ("VIR_ERR_NO_CLIENT", 96),
    ("VIR_ERR_AGENT_UNSYNCED", 97),
    ("VIR_ERR_LIBSSH", 98),
    ("VIR_ERR_DEVICE_MISSING", 99),
    ("VIR_ERR_INVALID_NWFILTER_BINDING", 100),
    ("VIR_ERR_NO_NWFILTER_BINDING", 101),
    ("VIR_ERR_INVALID_DOMAIN_CHECKPOINT", 102),
    ("VIR_ERR_NO_DOMAIN_CHECKPOINT", 103),
    ("VIR_ERR_NO_DOMAIN_BACKUP", 104),
    ("VIR_ERR_INVALID_NETWORK_PORT", 105),
    ("VIR_ERR_NETWORK_PORT_EXIST", 106),
    ("VIR_ERR_NO_NETWORK_PORT", 107),
    ("VIR_ERR_NO_HOSTNAME", 108),
    ("VIR_ERR_CHECKPOINT_INCONSISTENT", 109),
    ("VIR_ERR_MULTIPLE_DOMAINS", 110),
    // virConnectFlags
    ("VIR_CONNECT_RO", 1),
    ("VIR_CONNECT_NO_ALIASES", 2),
    // virConnectCredentialType
    ("VIR_CRED_USERNAME", 1),
    ("VIR_CRED_AUTHNAME", 2),
    ("VIR_CRED_LANGUAGE", 3),
    ("VIR_CRED_CNONCE", 4),
    ("VIR_CRED_PASSPHRASE", 5),
    ("VIR_CRED_ECHOPROMPT", 6),
    ("VIR_CRED_NOECHOPROMPT", 7),
    ("VIR_CRED_REALM", 8),
    ("VIR_CRED_EXTERNAL", 9),
    // virNodeGetCPUStatsAllCPUs
    ("VIR_NODE_CPU_STATS_ALL_CPUS", -1),
    // virTypedParameterType
    ("VIR_TYPED_PARAM_INT", 1),
    ("VIR_TYPED_PARAM_UINT", 2),
    ("VIR_TYPED_PARAM_LLONG", 3),
    ("VIR_TYPED_PARAM_ULLONG", 4),
    ("VIR_TYPED_PARAM_DOUBLE", 5),
    ("VIR_TYPED_PARAM_BOOLEAN", 6),
    ("VIR_TYPED_PARAM_STRING", 7),
    // virTypedParameterFlags
    ("VIR_TYPED_PARAM_STRING_OKAY", 4),
    // virDomainState
    ("VIR_DOMAIN_NOSTATE", 0),
    ("VIR_DOMAIN_RUNNING", 1),
    ("VIR_DOMAIN_BLOCKED", 2),
    ("VIR_DOMAIN_PAUSED", 3),
    ("VIR_DOMAIN_SHUTDOWN", 4),
    ("VIR_DOMAIN_SHUTOFF", 5),
    ("VIR_DOMAIN_CRASHED", 6),
    ("VIR_DOMAIN_PMSUSPENDED", 7),
    // virDomainNostateReason
    ("VIR_DOMAIN_NOSTATE_UNKNOWN", 0),
    // virDomainRunningReason
    ("VIR_DOMAIN_RUNNING_UNKNOWN", 0),
    ("VIR_DOMAIN_RUNNING_BOOTED", 1),
    ("VIR_DOMAIN_RUNNING_MIGRATED", 2),
    ("VIR_DOMAIN_RUNNING_RESTORED", 3),
    ("VIR_DOMAIN_RUNNING_FROM_SNAPSHOT", 4),
    ("VIR_DOMAIN_RUNNING_UNPAUSED", 5),
    ("VIR_DOMAIN_RUNNING_MIGRATION_CANCELED", 6),
    ("VIR_DOMAIN_RUNNING_SAVE_CANCELED", 7),
    ("VIR_DOMAIN_RUNNING_WAKEUP", 8),
    ("VIR_DOMAIN_RUNNING_CRASHED", 9),
    ("VIR_DOMAIN_RUNNING_POSTCOPY", 10),
    ("VIR_DOMAIN_RUNNING_POSTCOPY_FAILED", 11),
    // virDomainBlockedReason
    ("VIR_DOMAIN_BLOCKED_UNKNOWN", 0),
    // virDomainPausedReason
    ("VIR_DOMAIN_PAUSED_UNKNOWN", 0),
    ("VIR_DOMAIN_PAUSED_USER", 1),
    ("VIR_DOMAIN_PAUSED_MIGRATION", 2),
    ("VIR_DOMAIN_PAUSED_SAVE", 3),
    ("VIR_DOMAIN_PAUSED_DUMP", 4),
    ("VIR_DOMAIN_PAUSED_IOERROR", 5),
    ("VIR_DOMAIN_PAUSED_WATCHDOG", 6),
    ("VIR_DOMAIN_PAUSED_FROM_SNAPSHOT", 7),
    ("VIR_DOMAIN_PAUSED_SHUTTING_DOWN", 8),
    ("VIR_DOMAIN_PAUSED_SNAPSHOT", 9),
    ("VIR_DOMAIN_PAUSED_CRASHED", 10),
    ("VIR_DOMAIN_PAUSED_STARTING_UP", 11),
    ("VIR_DOMAIN_PAUSED_POSTCOPY", 12),
    ("VIR_DOMAIN_PAUSED_POSTCOPY_FAILED", 13),
    // virDomainShutdownReason
    ("VIR_DOMAIN_SHUTDOWN_UNKNOWN", 0),
    ("VIR_DOMAIN_SHUTDOWN_USER", 1),
    // virDomainShutoffReason
    ("VIR_DOMAIN_SHUTOFF_UNKNOWN", 0),
    ("VIR_DOMAIN_SHUTOFF_SHUTDOWN", 1),
    ("VIR_DOMAIN_SHUTOFF_DESTROYED", 2),
    ("VIR_DOMAIN_SHUTOFF_CRASHED", 3),
    ("VIR_DOMAIN_SHUTOFF_MIGRATED", 4),
    ("VIR_DOMAIN_SHUTOFF_SAVED", 5),
    ("VIR_DOMAIN_SHUTOFF_FAILED", 6),
    ("VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT", 7),
    ("VIR_DOMAIN_SHUTOFF_DAEMON", 8),
    // virDomainCrashedReason
    ("VIR_DOMAIN_CRASHED_UNKNOWN", 0),
    ("VIR_DOMAIN_CRASHED_PANICKED", 1),
    // virDomainPMSuspendedReason
    ("VIR_DOMAIN_PMSUSPENDED_UNKNOWN", 0),
    // virDomainModificationImpact
    ("VIR_DOMAIN_AFFECT_CURRENT", 0),
    ("VIR_DOMAIN_AFFECT_LIVE", 1),
    ("VIR_DOMAIN_AFFECT_CONFIG", 2),
    // virDomainCreateFlags
    ("VIR_DOMAIN_NONE", 0),
    ("VIR_DOMAIN_START_PAUSED", 1),
    ("VIR_DOMAIN_START_AUTODESTROY", 2),
    ("VIR_DOMAIN_START_BYPASS_CACHE", 4),
    ("VIR_DOMAIN_START_FORCE_BOOT", 8),
    ("VIR_DOMAIN_START_VALIDATE", 16),
    ("VIR_DOMAIN_START_RESET_NVRAM", 32),
    // virDomainCoreDumpFlags
    ("VIR_DUMP_CRASH", 1),
    ("VIR_DUMP_LIVE", 2),
    ("VIR_DUMP_BYPASS_CACHE", 4),
    ("VIR_DUMP_RESET", 8),
    ("VIR_DUMP_MEMORY_ONLY", 16),
    // virDomainCoreDumpFormat
    ("VIR_DOMAIN_CORE_DUMP_FORMAT_RAW", 0),
    ("VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_ZLIB", 1),
    ("VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_LZO", 2),
    ("VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_SNAPPY", 3),
    ("VIR_DOMAIN_CORE_DUMP_FORMAT_WIN_DMP", 4),
    // virDomainShutdownFlagValues
    ("VIR_DOMAIN_SHUTDOWN_DEFAULT", 0),
    ("VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN", 1),
    ("VIR_DOMAIN_SHUTDOWN_GUEST_AGENT", 2),
    ("VIR_DOMAIN_SHUTDOWN_INITCTL", 4),
    ("VIR_DOMAIN_SHUTDOWN_SIGNAL", 8),
    ("VIR_DOMAIN_SHUTDOWN_PARAVIRT", 16),
    // virDomainRebootFlagValues
    ("VIR_DOMAIN_REBOOT_DEFAULT", 0),
    ("VIR_DOMAIN_REBOOT_ACPI_POWER_BTN", 1),
    ("VIR_DOMAIN_REBOOT_GUEST_AGENT", 2),
    ("VIR_DOMAIN_REBOOT_INITCTL", 4),
    ("VIR_DOMAIN_REBOOT_SIGNAL", 8),
    ("VIR_DOMAIN_REBOOT_PARAVIRT", 16),
    // virDomainDestroyFlagsValues
    ("VIR_DOMAIN_DESTROY_DEFAULT", 0),
    ("VIR_DOMAIN_DESTROY_GRACEFUL", 1),
    ("VIR_DOMAIN_DESTROY_REMOVE_LOGS", 2),
    // virDomainSaveRestoreFlags
    ("VIR_DOMAIN_SAVE_BYPASS_CACHE", 1),
    ("VIR_DOMAIN_SAVE_RUNNING", 2),
    ("VIR_DOMAIN_SAVE_PAUSED", 4),
    ("VIR_DOMAIN_SAVE_RESET_NVRAM", 8),
    // virDomainMemoryModFlags
    ("VIR_DOMAIN_MEM_CURRENT", 0),
    ("VIR_DOMAIN_MEM_LIVE", 1),
    ("VIR_DOMAIN_MEM_CONFIG", 2),
    ("VIR_DOMAIN_MEM_MAXIMUM", 4),
    // virDomainXMLFlags
    ("VIR_DOMAIN_XML_SECURE", 1),
    ("VIR_DOMAIN_XML_INACTIVE", 2),
    ("VIR_DOMAIN_XML_UPDATE_CPU", 4),
    ("VIR_DOMAIN_XML_MIGRATABLE", 8),
    // virDomainDefineFlags
    ("VIR_DOMAIN_DEFINE_VALIDATE", 1),
    // virDomainUndefineFlagsValues
    ("VIR_DOMAIN_UNDEFINE_MANAGED_SAVE", 1),
    ("VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA", 2),
    ("VIR_DOMAIN_UNDEFINE_NVRAM", 4),
    ("VIR_DOMAIN_UNDEFINE_KEEP_NVRAM", 8),
    ("VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA", 16),
    ("VIR_DOMAIN_UNDEFINE_TPM", 32),
    ("VIR_DOMAIN_UNDEFINE_KEEP_TPM", 64),
    // virConnectListAllDomainsFlags
    ("VIR_CONNECT_LIST_DOMAINS_ACTIVE", 1),
    ("VIR_CONNECT_LIST_DOMAINS_INACTIVE", 2),
    ("VIR_CONNECT_LIST_DOMAINS_PERSISTENT", 4),
    ("VIR_CONNECT_LIST_DOMAINS_TRANSIENT", 8),
    ("VIR_CONNECT_LIST_DOMAINS_RUNNING", 16),
    ("VIR_CONNECT_LIST_DOMAINS_PAUSED", 32),
    ("VIR_CONNECT_LIST_DOMAINS_SHUTOFF", 64),
    ("VIR_CONNECT_LIST_DOMAINS_OTHER", 128),
    ("VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE", 256),
    ("VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE", 512),
    ("VIR_CONNECT_LIST_DOMAINS_AUTOSTART", 1024),
    ("VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART", 2048),
    ("VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT", 4096),
    ("VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT", 8192),
    ("VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT", 16384),
    ("VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT", 32768),
    // virVcpuState
    ("VIR_VCPU_OFFLINE", 0),
    ("VIR_VCPU_RUNNING", 1),
    ("VIR_VCPU_BLOCKED", 2),
    // virDomainVcpuFlags
    ("VIR_DOMAIN_VCPU_CURRENT", 0),
    ("VIR_DOMAIN_VCPU_LIVE", 1),
    ("VIR_DOMAIN_VCPU_CONFIG", 2),
    ("VIR_DOMAIN_VCPU_MAXIMUM", 4),
    ("VIR_DOMAIN_VCPU_GUEST", 8),
    ("VIR_DOMAIN_VCPU_HOTPLUGGABLE", 16),
    // virDomainDeviceModifyFlags
    ("VIR_DOMAIN_DEVICE_MODIFY_CURRENT", 0),
    ("VIR_DOMAIN_DEVICE_MODIFY_LIVE", 1),
    ("VIR_DOMAIN_DEVICE_MODIFY_CONFIG", 2),
    ("VIR_DOMAIN_DEVICE_MODIFY_FORCE", 4),
    // virSchedParameterType
    ("VIR_DOMAIN_SCHED_FIELD_INT", 1),
    ("VIR_DOMAIN_SCHED_FIELD_UINT", 2),
    ("VIR_DOMAIN_SCHED_FIELD_LLONG", 3),
    ("VIR_DOMAIN_SCHED_FIELD_ULLONG", 4),
    ("VIR_DOMAIN_SCHED_FIELD_DOUBLE", 5),
    ("VIR_DOMAIN_SCHED_FIELD_BOOLEAN", 6),
    // virNetworkXMLFlags
    ("VIR_NETWORK_XML_INACTIVE", 1),
    // virConnectListAllNetworksFlags
    ("VIR_CONNECT_LIST_NETWORKS_INACTIVE", 1),
    ("VIR_CONNECT_LIST_NETWORKS_ACTIVE", 2),
    ("VIR_CONNECT_LIST_NETWORKS_PERSISTENT", 4),
    ("VIR_CONNECT_LIST_NETWORKS_TRANSIENT", 8),
    ("VIR_CONNECT_LIST_NETWORKS_AUTOSTART", 16),
    ("VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART", 32),
    // virStoragePoolState
    ("VIR_STORAGE_POOL_INACTIVE", 0),
    ("VIR_STORAGE_POOL_BUILDING", 1),
    ("VIR_STORAGE_POOL_RUNNING", 2),
    ("VIR_STORAGE_POOL_DEGRADED", 3),
    ("VIR_STORAGE_POOL_INACCESSIBLE", 4),
    // virConnectListAllStoragePoolsFlags
    ("VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE", 1),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE", 2),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT", 4),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT", 8),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART", 16),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART", 32),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_DIR", 64),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_FS", 128),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_NETFS", 256),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL", 512),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_DISK", 1024),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI", 2048),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_SCSI", 4096),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_MPATH", 8192),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_RBD", 16384),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_SHEEPDOG", 32768),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_GLUSTER", 65536),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_ZFS", 131072),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_VSTORAGE", 262144),
    ("VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI_DIRECT", 524288),
    // virStorageXMLFlags
    ("VIR_STORAGE_XML_INACTIVE", 1),
    // virStoragePoolBuildFlags
    ("VIR_STORAGE_POOL_BUILD_NEW", 0),
    ("VIR_STORAGE_POOL_BUILD_REPAIR", 1),
    ("VIR_STORAGE_POOL_BUILD_RESIZE", 2),
    ("VIR_STORAGE_POOL_BUILD_NO_OVERWRITE", 4),
    ("VIR_STORAGE_POOL_BUILD_OVERWRITE", 8),
    // virStoragePoolDeleteFlags
    ("VIR_STORAGE_POOL_DELETE_NORMAL", 0),
    ("VIR_STORAGE_POOL_DELETE_ZEROED", 1),
    // virStoragePoolCreateFlags
    ("VIR_STORAGE_POOL_CREATE_NORMAL", 0),
    ("VIR_STORAGE_POOL_CREATE_WITH_BUILD", 1),
    ("VIR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE", 2),
    ("VIR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE", 4),
    // virStorageVolType
    ("VIR_STORAGE_VOL_FILE", 0),
    ("VIR_STORAGE_VOL_BLOCK", 1),
    ("VIR_STORAGE_VOL_DIR", 2),
    ("VIR_STORAGE_VOL_NETWORK", 3),
    ("VIR_STORAGE_VOL_NETDIR", 4),
    ("VIR_STORAGE_VOL_PLOOP", 5),
    // virStorageVolDeleteFlags
    ("VIR_STORAGE_VOL_DELETE_NORMAL", 0),
    ("VIR_STORAGE_VOL_DELETE_ZEROED", 1),
    ("VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS", 2),
    // virStorageVolWipeAlgorithm
    ("VIR_STORAGE_VOL_WIPE_ALG_ZERO", 0),
    ("VIR_STORAGE_VOL_WIPE_ALG_NNSA", 1),
    ("VIR_STORAGE_VOL_WIPE_ALG_DOD", 2),
    ("VIR_STORAGE_VOL_WIPE_ALG_BSI", 3),
    ("VIR_STORAGE_VOL_WIPE_ALG_GUTMANN", 4),
    ("VIR_STORAGE_VOL_WIPE_ALG_SCHNEIER", 5),
    ("VIR_STORAGE_VOL_WIPE_ALG_PFITZNER7", 6),
    ("VIR_STORAGE_VOL_WIPE_ALG_PFITZNER33", 7),
    ("VIR_STORAGE_VOL_WIPE_ALG_RANDOM", 8),
    ("VIR_STORAGE_VOL_WIPE_ALG_TRIM", 9),
    // virStorageVolInfoFlags
    ("VIR_STORAGE_VOL_USE_ALLOCATION", 0),
    ("VIR_STORAGE_VOL_GET_PHYSICAL", 1),
    // virStorageVolCreateFlags
    ("VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA", 1),
    ("VIR_STORAGE_VOL_CREATE_REFLINK", 2),
    ("VIR_STORAGE_VOL_CREATE_VALIDATE", 4),
    // virStorageVolResizeFlags
    ("VIR_STORAGE_VOL_RESIZE_ALLOCATE", 1),
    ("VIR_STORAGE_VOL_RESIZE_DELTA", 2),
    ("VIR_STORAGE_VOL_RESIZE_SHRINK", 4),
    // virStoragePoolDefineFlags
    ("VIR_STORAGE_POOL_DEFINE_VALIDATE", 1),
    // virStorageVolDownloadFlags
    ("VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM", 1),
];

/// The value of the constant `name`, if this module exports it.
pub fn value(name: &str) -> Option<i64> {
    CONSTANTS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use virt_core::types::{affect, list_flags, save_flags, xml_flags};
    use virt_core::{DomainState, ErrorCode, ErrorDomain, ErrorLevel};

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = CONSTANTS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a constant is listed twice");
    }

    /// Every error code and error domain virt-core can report has its
    /// libvirt name here, with the same number.
    #[test]
    fn error_numbers_agree_with_virt_core() {
        let named = |prefix: &str, n: i32| {
            CONSTANTS.iter().any(|(name, v)| {
                name.starts_with(prefix)
                    && !matches!(*name, "VIR_ERR_NONE" | "VIR_ERR_WARNING" | "VIR_ERR_ERROR")
                    && *v == i64::from(n)
            })
        };
        let (mut codes, mut domains) = (0, 0);
        for n in 0..1000 {
            if ErrorCode::from_number(n).is_some() {
                // libvirt names a few codes as warnings (VIR_WAR_NO_NETWORK).
                let ok = named("VIR_ERR_", n) || named("VIR_WAR_", n);
                assert!(ok, "error code {n} has no VIR_ERR_ name");
                codes += 1;
            }
            if ErrorDomain::from_number(n).is_some() {
                assert!(
                    named("VIR_FROM_", n),
                    "error domain {n} has no VIR_FROM_ name"
                );
                domains += 1;
            }
        }
        assert!(
            codes > 10 && domains > 5,
            "{codes} codes, {domains} domains"
        );
        assert_eq!(
            value("VIR_ERR_NO_DOMAIN"),
            Some(i64::from(ErrorCode::NoDomain.number()))
        );
        assert_eq!(
            value("VIR_FROM_TEST"),
            Some(i64::from(ErrorDomain::Test.number()))
        );
        assert_eq!(
            value("VIR_ERR_ERROR"),
            Some(i64::from(ErrorLevel::Error.number()))
        );
    }

    /// The flags virt-core's calls take have the values exported for them.
    #[test]
    fn flags_agree_with_virt_core() {
        let pairs: &[(&str, u32)] = &[
            ("VIR_CONNECT_LIST_DOMAINS_ACTIVE", list_flags::ACTIVE),
            ("VIR_CONNECT_LIST_DOMAINS_INACTIVE", list_flags::INACTIVE),
            (
                "VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT",
                list_flags::NO_SNAPSHOT,
            ),
            ("VIR_DOMAIN_AFFECT_CONFIG", affect::CONFIG),
            ("VIR_DOMAIN_VCPU_MAXIMUM", affect::MAXIMUM),
            ("VIR_DOMAIN_XML_INACTIVE", xml_flags::INACTIVE),
            ("VIR_DOMAIN_SAVE_PAUSED", save_flags::PAUSED),
        ];
        for (name, v) in pairs {
            assert_eq!(value(name), Some(i64::from(*v)), "{name}");
        }
        for s in [
            DomainState::Running,
            DomainState::Shutoff,
            DomainState::Paused,
        ] {
            let name = format!("VIR_DOMAIN_{}", format!("{s:?}").to_uppercase());
            assert_eq!(value(&name), Some(i64::from(s.number())), "{name}");
        }
    }
}
