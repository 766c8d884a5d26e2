//! Which remote procedure carries each Driver call, and in what shape.
//!
//! The calls themselves come from virt-core's table
//! ([`virt_core::for_each_driver_method!`]); this file only declares, per
//! call, libvirt's procedure number (`remote_procedure` in
//! remote_protocol.x) and, where libvirt's structs are not simply the
//! call's arguments and result in order, how they differ. From the two the
//! client stubs ([`crate::client`]) and the daemon's dispatch
//! ([`crate::server`]) are generated, so neither keeps its own copy.

use virt_core::{
    affect, CpuMap, CpuStats, DomainCheckpointRef, DomainRef, DomainSnapshotRef, Driver, Error,
    ErrorCode, ErrorDomain, InterfaceRef, NetworkDhcpLease, NetworkRef, NodeDeviceRef, Result,
    Screenshot, StoragePoolRef, StorageVolRef, StreamEnds, TypedParam, Uuid, VcpuInfo, VcpuState,
};

use crate::client::ClientStream;

use crate::error::RemoteError;
use crate::wire::{
    CPUMAPS_MAX, CPUMAP_MAX, DOMAIN_GET_CPU_STATS_NCPUS_MAX, DOMAIN_LIST_MAX,
    DOMAIN_SNAPSHOT_LIST_MAX, INTERFACE_LIST_MAX, NETWORK_LIST_MAX, NODE_CPU_STATS_MAX,
    NODE_DEVICE_CAPS_LIST_MAX, NODE_DEVICE_LIST_MAX, STORAGE_VOL_LIST_MAX, VCPUINFO_MAX,
};
use crate::xdr::{Decoder, Encoder, ListItem, Xdr};

/// How a Driver call's argument type travels: its owned form (what the
/// daemon decodes) and its XDR encoding from the borrowed form.
pub trait Arg {
    /// The owned value the daemon decodes and lends to the driver.
    type Owned: Xdr;
    /// The owned copy the client encodes.
    fn owned(&self) -> Self::Owned;
}

macro_rules! copy_arg {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            type Owned = $t;
            fn owned(&self) -> $t {
                *self
            }
        }
    )*};
}
copy_arg!(u32, i32, u64, bool);

impl Arg for &str {
    type Owned = String;
    fn owned(&self) -> String {
        (*self).to_string()
    }
}

impl Arg for Option<&str> {
    type Owned = Option<String>;
    fn owned(&self) -> Option<String> {
        self.map(str::to_string)
    }
}

impl Arg for &[TypedParam] {
    type Owned = Vec<TypedParam>;
    fn owned(&self) -> Vec<TypedParam> {
        self.to_vec()
    }
}

impl Arg for &[DomainRef] {
    type Owned = Vec<DomainRef>;
    fn owned(&self) -> Vec<DomainRef> {
        self.to_vec()
    }
}

macro_rules! ref_arg {
    ($($t:ty),*) => {$(
        impl Arg for &$t {
            type Owned = $t;
            fn owned(&self) -> $t {
                (*self).clone()
            }
        }
    )*};
}
ref_arg!(
    DomainRef,
    NetworkRef,
    InterfaceRef,
    NodeDeviceRef,
    StoragePoolRef,
    StorageVolRef,
    DomainSnapshotRef,
    DomainCheckpointRef,
    Uuid,
    CpuMap
);

/// The daemon's side of [`Arg`]: lend a decoded value to the driver in the
/// form its method takes.
pub trait Lend<'a, T> {
    /// The borrowed form.
    fn lend(&'a self) -> T;
}

impl<'a, T: Copy> Lend<'a, T> for T {
    fn lend(&'a self) -> T {
        *self
    }
}

impl<'a> Lend<'a, &'a str> for String {
    fn lend(&'a self) -> &'a str {
        self
    }
}

impl<'a> Lend<'a, Option<&'a str>> for Option<String> {
    fn lend(&'a self) -> Option<&'a str> {
        self.as_deref()
    }
}

impl<'a> Lend<'a, &'a [DomainRef]> for Vec<DomainRef> {
    fn lend(&'a self) -> &'a [DomainRef] {
        self
    }
}

impl<'a> Lend<'a, &'a [TypedParam]> for Vec<TypedParam> {
    fn lend(&'a self) -> &'a [TypedParam] {
        self
    }
}

macro_rules! ref_lend {
    ($($t:ty),*) => {$(
        impl<'a> Lend<'a, &'a $t> for $t {
            fn lend(&'a self) -> &'a $t {
                self
            }
        }
    )*};
}
ref_lend!(
    DomainRef,
    NetworkRef,
    InterfaceRef,
    NodeDeviceRef,
    StoragePoolRef,
    StorageVolRef,
    DomainSnapshotRef,
    DomainCheckpointRef,
    Uuid,
    CpuMap
);

/// A procedure's number and names.
pub trait Numbered {
    /// libvirt's procedure number.
    const NUMBER: i32;
    /// Its name without `REMOTE_PROC_`.
    const NAME: &'static str;
    /// The public function it stands for when it is not the table's (the
    /// name read-only refusals give).
    const API: Option<&'static str>;
    /// False when the daemon serves the procedure by hand (one procedure
    /// carrying two Driver calls).
    const SERVED: bool;
    /// True when a successful call opens a stream on its serial (libvirt's
    /// `VIR_NET_STREAM` packets follow the reply).
    const STREAM: bool;
}

/// How the call's owned arguments `A` and result `R` map to libvirt's
/// `_args` and `_ret` structs.
pub trait Procedure<A, R>: Numbered {
    /// The `remote_*_args` struct.
    type Args: Xdr;
    /// The `remote_*_ret` struct.
    type Ret: Xdr;
    /// What the daemon keeps from the arguments to shape the result
    /// (libvirt's `maxids`, `nparams`, ...).
    type Extra;
    /// What the client keeps from before the call to shape the result.
    type Prep;
    /// Client: the arguments struct; `driver` (the remote connection
    /// itself) answers what libvirt's callers pass beside the arguments.
    fn args_to_wire(a: A, driver: &dyn Driver) -> Result<(Self::Args, Self::Prep)>;
    /// Client: the call's result from the reply.
    fn ret_from_wire(r: Self::Ret, prep: Self::Prep, driver: &dyn Driver) -> Result<R>;
    /// The procedure these arguments travel as (one call may have two,
    /// with and without flags).
    fn number(_args: &Self::Args) -> i32 {
        Self::NUMBER
    }
    /// Daemon: the call's arguments, refused when out of libvirt's bounds.
    fn args_from_wire(w: Self::Args) -> Result<(A, Self::Extra)>;
    /// Daemon: the reply from the call's result.
    fn ret_to_wire(r: R, extra: Self::Extra) -> Result<Self::Ret>;
    /// Client: the result of a call that opened `stream` ([`Numbered::STREAM`]).
    fn ret_with_stream(
        r: Self::Ret,
        prep: Self::Prep,
        driver: &dyn Driver,
        stream: ClientStream,
    ) -> Result<R> {
        drop(stream);
        Self::ret_from_wire(r, prep, driver)
    }
    /// Daemon: the reply, and the stream ends the call opened, from its result.
    fn ret_to_wire_stream(r: R, extra: Self::Extra) -> Result<(Self::Ret, Option<StreamEnds>)> {
        Ok((Self::ret_to_wire(r, extra)?, None))
    }
}

macro_rules! procedures {
    ($(
        $name:ident => $proc:ident = $num:literal $(as $api:ident)? $([$how:ident])?;
    )*) => {
        /// Marker types, one per Driver call, named as the call.
        #[allow(non_camel_case_types)]
        pub mod marker {
            $(
                #[doc = concat!("The procedure of `", stringify!($name), "`.")]
                pub struct $name;
            )*
        }
        $(
            impl Numbered for marker::$name {
                const NUMBER: i32 = $num;
                const NAME: &'static str = stringify!($proc);
                const API: Option<&'static str> = api_name!($($api)?);
                const SERVED: bool = served!($($how)?);
                const STREAM: bool = streams!($($how)?);
            }
            plain_shape!(marker::$name $(, $how)?);
        )*

        /// Every declared procedure: Driver call, number, name.
        pub const DECLARED: &[(&str, i32, &str)] = &[
            $((stringify!($name), $num, stringify!($proc)),)*
        ];
    };
}

macro_rules! api_name {
    () => {
        None
    };
    ($api:ident) => {
        Some(stringify!($api))
    };
}

macro_rules! served {
    () => {
        true
    };
    (custom) => {
        true
    };
    (stream) => {
        true
    };
    (by_hand) => {
        false
    };
}

macro_rules! streams {
    () => {
        false
    };
    (stream) => {
        true
    };
    ($other:ident) => {
        false
    };
}

/// The common case: the arguments in order are the `_args` struct, the
/// result is the `_ret` struct.
macro_rules! plain_shape {
    ($m:ty) => {
        impl<A: Xdr, R: Xdr> Procedure<A, R> for $m {
            type Args = A;
            type Ret = R;
            type Extra = ();
            type Prep = ();
            fn args_to_wire(a: A, _driver: &dyn Driver) -> Result<(A, ())> {
                Ok((a, ()))
            }
            fn ret_from_wire(r: R, _prep: (), _driver: &dyn Driver) -> Result<R> {
                Ok(r)
            }
            fn args_from_wire(w: A) -> Result<(A, ())> {
                Ok((w, ()))
            }
            fn ret_to_wire(r: R, _extra: ()) -> Result<R> {
                Ok(r)
            }
        }
    };
    ($m:ty, custom) => {};
    ($m:ty, stream) => {};
    ($m:ty, by_hand) => {
        plain_shape!($m);
    };
}

procedures! {
    close => CONNECT_CLOSE = 2 [by_hand];
    version => CONNECT_GET_VERSION = 4;
    hostname => CONNECT_GET_HOSTNAME = 59;
    uri => CONNECT_GET_URI = 110;
    capabilities => CONNECT_GET_CAPABILITIES = 7;
    domain_capabilities => CONNECT_GET_DOMAIN_CAPABILITIES = 342;
    max_vcpus => CONNECT_GET_MAX_VCPUS = 5;
    node_info => NODE_GET_INFO = 6;
    node_cells_free_memory => NODE_GET_CELLS_FREE_MEMORY = 101;
    node_cpu_map => NODE_GET_CPU_MAP = 293 [custom];
    node_free_memory => NODE_GET_FREE_MEMORY = 102;
    node_security_model => NODE_GET_SECURITY_MODEL = 122;
    node_memory_stats => NODE_GET_MEMORY_STATS = 228;
    list_domain_ids => CONNECT_LIST_DOMAINS = 37 [custom];
    num_of_domains => CONNECT_NUM_OF_DOMAINS = 51;
    list_defined_domains => CONNECT_LIST_DEFINED_DOMAINS = 21 [custom];
    num_of_defined_domains => CONNECT_NUM_OF_DEFINED_DOMAINS = 25;
    list_all_domains => CONNECT_LIST_ALL_DOMAINS = 273 [custom];
    get_all_domain_stats => CONNECT_GET_ALL_DOMAIN_STATS = 344;
    domain_create_xml => DOMAIN_CREATE_XML = 10;
    domain_define_xml => DOMAIN_DEFINE_XML_FLAGS = 350 as virDomainDefineXMLFlags;
    domain_lookup_by_id => DOMAIN_LOOKUP_BY_ID = 22;
    domain_lookup_by_name => DOMAIN_LOOKUP_BY_NAME = 23;
    domain_lookup_by_uuid => DOMAIN_LOOKUP_BY_UUID = 24;
    domain_undefine => DOMAIN_UNDEFINE_FLAGS = 231;
    domain_create => DOMAIN_CREATE_WITH_FLAGS = 196;
    domain_shutdown => DOMAIN_SHUTDOWN_FLAGS = 258;
    domain_reboot => DOMAIN_REBOOT = 27;
    domain_destroy => DOMAIN_DESTROY_FLAGS = 234;
    domain_suspend => DOMAIN_SUSPEND = 34;
    domain_resume => DOMAIN_RESUME = 28;
    domain_save => DOMAIN_SAVE_FLAGS = 232 [custom];
    domain_restore => DOMAIN_RESTORE_FLAGS = 233 [custom];
    domain_core_dump => DOMAIN_CORE_DUMP = 53;
    domain_core_dump_with_format => DOMAIN_CORE_DUMP_WITH_FORMAT = 334;
    domain_save_xml => DOMAIN_SAVE_FLAGS = 232 [custom];
    domain_restore_xml => DOMAIN_RESTORE_FLAGS = 233 [custom];
    domain_get_info => DOMAIN_GET_INFO = 16;
    domain_get_state => DOMAIN_GET_STATE = 212;
    domain_get_os_type => DOMAIN_GET_OS_TYPE = 19;
    domain_get_max_memory => DOMAIN_GET_MAX_MEMORY = 17;
    domain_set_memory_flags => DOMAIN_SET_MEMORY_FLAGS = 204;
    domain_get_xml_desc => DOMAIN_GET_XML_DESC = 14;
    domain_set_vcpus_flags => DOMAIN_SET_VCPUS_FLAGS = 199;
    domain_get_vcpus_flags => DOMAIN_GET_VCPUS_FLAGS = 200;
    domain_get_vcpus => DOMAIN_GET_VCPUS = 20 [custom];
    domain_get_vcpu_pin_info => DOMAIN_GET_VCPU_PIN_INFO = 230 [custom];
    domain_pin_vcpu => DOMAIN_PIN_VCPU_FLAGS = 225;
    domain_get_autostart => DOMAIN_GET_AUTOSTART = 15;
    domain_set_autostart => DOMAIN_SET_AUTOSTART = 29;
    domain_is_active => DOMAIN_IS_ACTIVE = 150;
    domain_is_persistent => DOMAIN_IS_PERSISTENT = 151;
    domain_has_managed_save => DOMAIN_HAS_MANAGED_SAVE_IMAGE = 183;
    domain_managed_save => DOMAIN_MANAGED_SAVE = 182;
    domain_managed_save_remove => DOMAIN_MANAGED_SAVE_REMOVE = 184;
    domain_get_scheduler_type => DOMAIN_GET_SCHEDULER_TYPE = 56;
    domain_get_scheduler_params => DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS = 223 [custom];
    domain_set_scheduler_params => DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS = 219;
    domain_block_stats => DOMAIN_BLOCK_STATS = 64;
    domain_interface_stats => DOMAIN_INTERFACE_STATS = 65;
    domain_memory_stats => DOMAIN_MEMORY_STATS = 159;
    domain_get_block_info => DOMAIN_GET_BLOCK_INFO = 194;
    domain_get_cpu_stats => DOMAIN_GET_CPU_STATS = 262 [custom];
    domain_set_memory_stats_period => DOMAIN_SET_MEMORY_STATS_PERIOD = 308;
    domain_get_job_info => DOMAIN_GET_JOB_INFO = 163;
    domain_get_job_stats => DOMAIN_GET_JOB_STATS = 298;
    domain_abort_job => DOMAIN_ABORT_JOB = 164;
    domain_get_security_label => DOMAIN_GET_SECURITY_LABEL = 121;
    domain_attach_device => DOMAIN_ATTACH_DEVICE_FLAGS = 160;
    domain_detach_device => DOMAIN_DETACH_DEVICE_FLAGS = 161;
    domain_update_device => DOMAIN_UPDATE_DEVICE_FLAGS = 174;
    domain_open_console => DOMAIN_OPEN_CONSOLE = 201 [stream];
    domain_screenshot => DOMAIN_SCREENSHOT = 211 [stream];
    list_all_networks => CONNECT_LIST_ALL_NETWORKS = 283 [custom];
    network_lookup_by_name => NETWORK_LOOKUP_BY_NAME = 46;
    network_is_active => NETWORK_IS_ACTIVE = 152;
    network_is_persistent => NETWORK_IS_PERSISTENT = 153;
    network_get_autostart => NETWORK_GET_AUTOSTART = 44;
    network_get_xml_desc => NETWORK_GET_XML_DESC = 43;
    network_get_bridge_name => NETWORK_GET_BRIDGE_NAME = 45;
    num_of_networks => CONNECT_NUM_OF_NETWORKS = 52;
    list_networks => CONNECT_LIST_NETWORKS = 38 [custom];
    num_of_defined_networks => CONNECT_NUM_OF_DEFINED_NETWORKS = 50;
    list_defined_networks => CONNECT_LIST_DEFINED_NETWORKS = 36 [custom];
    network_lookup_by_uuid => NETWORK_LOOKUP_BY_UUID = 47;
    network_create_xml => NETWORK_CREATE_XML_FLAGS = 437 as virNetworkCreateXMLFlags;
    network_define_xml => NETWORK_DEFINE_XML_FLAGS = 432 as virNetworkDefineXMLFlags;
    network_undefine => NETWORK_UNDEFINE = 49;
    network_create => NETWORK_CREATE = 39;
    network_destroy => NETWORK_DESTROY = 42;
    network_set_autostart => NETWORK_SET_AUTOSTART = 48;
    network_update => NETWORK_UPDATE = 291;
    network_get_dhcp_leases => NETWORK_GET_DHCP_LEASES = 341 [custom];
    list_all_interfaces => CONNECT_LIST_ALL_INTERFACES = 284 [custom];
    num_of_interfaces => CONNECT_NUM_OF_INTERFACES = 126;
    list_interfaces => CONNECT_LIST_INTERFACES = 127 [custom];
    num_of_defined_interfaces => CONNECT_NUM_OF_DEFINED_INTERFACES = 137;
    list_defined_interfaces => CONNECT_LIST_DEFINED_INTERFACES = 138 [custom];
    interface_lookup_by_name => INTERFACE_LOOKUP_BY_NAME = 128;
    interface_lookup_by_mac_string => INTERFACE_LOOKUP_BY_MAC_STRING = 129;
    interface_get_xml_desc => INTERFACE_GET_XML_DESC = 130;
    interface_define_xml => INTERFACE_DEFINE_XML = 131;
    interface_undefine => INTERFACE_UNDEFINE = 132;
    interface_create => INTERFACE_CREATE = 133;
    interface_destroy => INTERFACE_DESTROY = 134;
    interface_is_active => INTERFACE_IS_ACTIVE = 156;
    interface_change_begin => INTERFACE_CHANGE_BEGIN = 220;
    interface_change_commit => INTERFACE_CHANGE_COMMIT = 221;
    interface_change_rollback => INTERFACE_CHANGE_ROLLBACK = 222;
    list_all_node_devices => CONNECT_LIST_ALL_NODE_DEVICES = 285 [custom];
    node_num_of_devices => NODE_NUM_OF_DEVICES = 111;
    node_list_devices => NODE_LIST_DEVICES = 112 [custom];
    node_device_lookup_by_name => NODE_DEVICE_LOOKUP_BY_NAME = 113;
    node_device_get_xml_desc => NODE_DEVICE_GET_XML_DESC = 114;
    node_device_get_parent => NODE_DEVICE_GET_PARENT = 115;
    node_device_num_of_caps => NODE_DEVICE_NUM_OF_CAPS = 116;
    node_device_list_caps => NODE_DEVICE_LIST_CAPS = 117 [custom];
    node_device_create_xml => NODE_DEVICE_CREATE_XML = 123;
    node_device_destroy => NODE_DEVICE_DESTROY = 124;
    node_device_define_xml => NODE_DEVICE_DEFINE_XML = 428;
    node_device_undefine => NODE_DEVICE_UNDEFINE = 429;
    node_device_create => NODE_DEVICE_CREATE = 430;
    node_device_is_persistent => NODE_DEVICE_IS_PERSISTENT = 435;
    node_device_is_active => NODE_DEVICE_IS_ACTIVE = 436;
    list_all_storage_pools => CONNECT_LIST_ALL_STORAGE_POOLS = 281 [custom];
    storage_pool_lookup_by_name => STORAGE_POOL_LOOKUP_BY_NAME = 84;
    storage_pool_is_active => STORAGE_POOL_IS_ACTIVE = 154;
    storage_pool_is_persistent => STORAGE_POOL_IS_PERSISTENT = 155;
    storage_pool_get_autostart => STORAGE_POOL_GET_AUTOSTART = 89;
    storage_pool_get_info => STORAGE_POOL_GET_INFO = 87;
    storage_pool_get_xml_desc => STORAGE_POOL_GET_XML_DESC = 88;
    storage_pool_lookup_by_uuid => STORAGE_POOL_LOOKUP_BY_UUID = 85;
    storage_pool_lookup_by_volume => STORAGE_POOL_LOOKUP_BY_VOLUME = 86;
    storage_pool_create_xml => STORAGE_POOL_CREATE_XML = 76;
    storage_pool_define_xml => STORAGE_POOL_DEFINE_XML = 77;
    storage_pool_build => STORAGE_POOL_BUILD = 79;
    storage_pool_create => STORAGE_POOL_CREATE = 78;
    storage_pool_destroy => STORAGE_POOL_DESTROY = 80;
    storage_pool_delete => STORAGE_POOL_DELETE = 81;
    storage_pool_undefine => STORAGE_POOL_UNDEFINE = 82;
    storage_pool_refresh => STORAGE_POOL_REFRESH = 83;
    storage_pool_set_autostart => STORAGE_POOL_SET_AUTOSTART = 90;
    storage_pool_list_all_volumes => STORAGE_POOL_LIST_ALL_VOLUMES = 282 [custom];
    storage_pool_num_of_volumes => STORAGE_POOL_NUM_OF_VOLUMES = 91;
    storage_pool_list_volumes => STORAGE_POOL_LIST_VOLUMES = 92 [custom];
    storage_vol_lookup_by_name => STORAGE_VOL_LOOKUP_BY_NAME = 95;
    storage_vol_lookup_by_key => STORAGE_VOL_LOOKUP_BY_KEY = 96;
    storage_vol_lookup_by_path => STORAGE_VOL_LOOKUP_BY_PATH = 97;
    storage_vol_create_xml => STORAGE_VOL_CREATE_XML = 93;
    storage_vol_create_xml_from => STORAGE_VOL_CREATE_XML_FROM = 125;
    storage_vol_delete => STORAGE_VOL_DELETE = 94;
    storage_vol_wipe => STORAGE_VOL_WIPE = 165;
    storage_vol_wipe_pattern => STORAGE_VOL_WIPE_PATTERN = 259;
    storage_vol_resize => STORAGE_VOL_RESIZE = 260;
    storage_vol_get_info => STORAGE_VOL_GET_INFO = 98;
    storage_vol_get_xml_desc => STORAGE_VOL_GET_XML_DESC = 99;
    storage_vol_get_path => STORAGE_VOL_GET_PATH = 100;
    storage_vol_upload => STORAGE_VOL_UPLOAD = 208 [stream];
    storage_vol_download => STORAGE_VOL_DOWNLOAD = 209 [stream];
    domain_snapshot_create_xml => DOMAIN_SNAPSHOT_CREATE_XML = 185;
    domain_snapshot_get_xml_desc => DOMAIN_SNAPSHOT_GET_XML_DESC = 186;
    domain_snapshot_num => DOMAIN_SNAPSHOT_NUM = 187;
    domain_snapshot_list_names => DOMAIN_SNAPSHOT_LIST_NAMES = 188 [custom];
    domain_snapshot_lookup_by_name => DOMAIN_SNAPSHOT_LOOKUP_BY_NAME = 189;
    domain_has_current_snapshot => DOMAIN_HAS_CURRENT_SNAPSHOT = 190;
    domain_snapshot_current => DOMAIN_SNAPSHOT_CURRENT = 191;
    domain_revert_to_snapshot => DOMAIN_REVERT_TO_SNAPSHOT = 192;
    domain_snapshot_delete => DOMAIN_SNAPSHOT_DELETE = 193;
    domain_snapshot_get_parent => DOMAIN_SNAPSHOT_GET_PARENT = 244;
    domain_snapshot_num_children => DOMAIN_SNAPSHOT_NUM_CHILDREN = 246;
    domain_snapshot_list_children_names => DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES = 247 [custom];
    domain_snapshot_is_current => DOMAIN_SNAPSHOT_IS_CURRENT = 271;
    domain_snapshot_has_metadata => DOMAIN_SNAPSHOT_HAS_METADATA = 272;
    domain_list_all_snapshots => DOMAIN_LIST_ALL_SNAPSHOTS = 274 [custom];
    domain_snapshot_list_all_children => DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN = 275 [custom];
    domain_checkpoint_create_xml => DOMAIN_CHECKPOINT_CREATE_XML = 411;
    domain_checkpoint_get_xml_desc => DOMAIN_CHECKPOINT_GET_XML_DESC = 412;
    domain_list_all_checkpoints => DOMAIN_LIST_ALL_CHECKPOINTS = 413 [custom];
    domain_checkpoint_list_all_children => DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN = 414 [custom];
    domain_checkpoint_lookup_by_name => DOMAIN_CHECKPOINT_LOOKUP_BY_NAME = 415;
    domain_checkpoint_get_parent => DOMAIN_CHECKPOINT_GET_PARENT = 416;
    domain_checkpoint_delete => DOMAIN_CHECKPOINT_DELETE = 417;
}

/// Procedures the daemon answers itself, outside the Driver table.
pub mod session {
    /// `REMOTE_PROC_CONNECT_OPEN`.
    pub const CONNECT_OPEN: i32 = 1;
    /// `REMOTE_PROC_CONNECT_CLOSE`.
    pub const CONNECT_CLOSE: i32 = 2;
    /// `REMOTE_PROC_CONNECT_GET_TYPE`.
    pub const CONNECT_GET_TYPE: i32 = 3;
    /// `REMOTE_PROC_DOMAIN_CREATE` (no flags, no domain back).
    pub const DOMAIN_CREATE: i32 = 9;
    /// `REMOTE_PROC_DOMAIN_DEFINE_XML` (no flags).
    pub const DOMAIN_DEFINE_XML: i32 = 11;
    /// `REMOTE_PROC_NETWORK_CREATE_XML` (no flags).
    pub const NETWORK_CREATE_XML: i32 = 40;
    /// `REMOTE_PROC_NETWORK_DEFINE_XML` (no flags).
    pub const NETWORK_DEFINE_XML: i32 = 41;
    /// `REMOTE_PROC_DOMAIN_DESTROY` (no flags).
    pub const DOMAIN_DESTROY: i32 = 12;
    /// `REMOTE_PROC_DOMAIN_SET_MAX_MEMORY` (no flags).
    pub const DOMAIN_SET_MAX_MEMORY: i32 = 30;
    /// `REMOTE_PROC_DOMAIN_SET_MEMORY` (no flags).
    pub const DOMAIN_SET_MEMORY: i32 = 31;
    /// `REMOTE_PROC_DOMAIN_SET_VCPUS` (no flags).
    pub const DOMAIN_SET_VCPUS: i32 = 32;
    /// `REMOTE_PROC_DOMAIN_SHUTDOWN` (no flags).
    pub const DOMAIN_SHUTDOWN: i32 = 33;
    /// `REMOTE_PROC_DOMAIN_UNDEFINE` (no flags).
    pub const DOMAIN_UNDEFINE: i32 = 35;
    /// `REMOTE_PROC_DOMAIN_RESTORE` (no flags).
    pub const DOMAIN_RESTORE: i32 = 54;
    /// `REMOTE_PROC_DOMAIN_SAVE` (no flags).
    pub const DOMAIN_SAVE: i32 = 55;
    /// `REMOTE_PROC_CONNECT_SUPPORTS_FEATURE`.
    pub const CONNECT_SUPPORTS_FEATURE: i32 = 60;
    /// `REMOTE_PROC_AUTH_LIST`.
    pub const AUTH_LIST: i32 = 66;
    /// `REMOTE_PROC_CONNECT_IS_SECURE`.
    pub const CONNECT_IS_SECURE: i32 = 149;
    /// `REMOTE_PROC_CONNECT_GET_LIB_VERSION`.
    pub const CONNECT_GET_LIB_VERSION: i32 = 157;
    /// `REMOTE_PROC_DOMAIN_SAVE_FLAGS`.
    pub const DOMAIN_SAVE_FLAGS: i32 = 232;
    /// `REMOTE_PROC_DOMAIN_RESTORE_FLAGS`.
    pub const DOMAIN_RESTORE_FLAGS: i32 = 233;
    /// `REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK`.
    pub const CONNECT_REGISTER_CLOSE_CALLBACK: i32 = 360;
    /// `REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK`.
    pub const CONNECT_UNREGISTER_CLOSE_CALLBACK: i32 = 361;
}

/// libvirt's error for a caller's count over the protocol's limit.
fn over_limit(what: &str) -> Error {
    Error::raw(
        ErrorCode::Rpc,
        ErrorDomain::Rpc,
        format!("{what} exceeds the remote protocol's limit"),
    )
}

fn count_arg(n: i32, max: u32, what: &str) -> Result<usize> {
    match usize::try_from(n) {
        Ok(n) if n <= max as usize => Ok(n),
        _ => Err(over_limit(what)),
    }
}

/// Every listing procedure but `list_domain_ids`: the call's arguments
/// travel in order with libvirt's count slipped in between the ones before
/// it (`lead`) and the ones after (`tail`, the flags where there are any).
///
/// - `need`: `{LEAD; int need_results; TAIL}` -> `{ITEM list<MAX>; unsigned
///   ret}`, the shape of every `virConnectListAll*` and of the listings of
///   an object's children shaped like them; the client always asks for the
///   list, the daemon sends it only when asked and refuses one over the
///   item's limit.
/// - `names`: `{LEAD; int maxnames; TAIL}` -> `{remote_nonnull_string
///   names<MAX>}`, the older name listings; the client asks for as many as
///   the protocol allows, the daemon gives at most what was asked.
macro_rules! listing {
    (need $m:ty: [$($lead:ident: $lt:ty),*] [$($tail:ident: $tt:ty),*] -> $item:ty) => {
        impl Procedure<($($lt,)* $($tt,)*), Vec<$item>> for $m {
            type Args = ($($lt,)* i32, $($tt,)*);
            type Ret = (Vec<$item>, u32);
            type Extra = bool;
            type Prep = ();
            fn args_to_wire(
                a: ($($lt,)* $($tt,)*),
                _driver: &dyn Driver,
            ) -> Result<(Self::Args, ())> {
                let ($($lead,)* $($tail,)*) = a;
                Ok((($($lead,)* 1, $($tail,)*), ()))
            }
            fn ret_from_wire(r: Self::Ret, _prep: (), _driver: &dyn Driver) -> Result<Vec<$item>> {
                Ok(r.0)
            }
            fn args_from_wire(w: Self::Args) -> Result<(($($lt,)* $($tt,)*), bool)> {
                let ($($lead,)* need, $($tail,)*) = w;
                Ok((($($lead,)* $($tail,)*), need != 0))
            }
            fn ret_to_wire(r: Vec<$item>, need: bool) -> Result<Self::Ret> {
                if r.len() > <$item as ListItem>::LIST_MAX as usize {
                    return Err(over_limit("the list"));
                }
                let n = r.len() as u32;
                Ok((if need { r } else { Vec::new() }, n))
            }
        }
    };
    (names $m:ty: [$($lead:ident: $lt:ty),*] [$($tail:ident: $tt:ty),*], $max:expr) => {
        impl Procedure<($($lt,)* $($tt,)*), Vec<String>> for $m {
            type Args = ($($lt,)* i32, $($tt,)*);
            type Ret = Vec<String>;
            type Extra = usize;
            type Prep = ();
            fn args_to_wire(
                a: ($($lt,)* $($tt,)*),
                _driver: &dyn Driver,
            ) -> Result<(Self::Args, ())> {
                let ($($lead,)* $($tail,)*) = a;
                Ok((($($lead,)* $max as i32, $($tail,)*), ()))
            }
            fn ret_from_wire(r: Vec<String>, _prep: (), _driver: &dyn Driver) -> Result<Vec<String>> {
                Ok(r)
            }
            fn args_from_wire(w: Self::Args) -> Result<(($($lt,)* $($tt,)*), usize)> {
                let ($($lead,)* max, $($tail,)*) = w;
                Ok((($($lead,)* $($tail,)*), count_arg(max, $max, "maxnames")?))
            }
            fn ret_to_wire(mut r: Vec<String>, max: usize) -> Result<Vec<String>> {
                r.truncate(max);
                Ok(r)
            }
        }
    };
}
listing!(need marker::list_all_domains: [] [flags: u32] -> DomainRef);
listing!(need marker::list_all_networks: [] [flags: u32] -> NetworkRef);
listing!(need marker::list_all_storage_pools: [] [flags: u32] -> StoragePoolRef);
listing!(need marker::list_all_interfaces: [] [flags: u32] -> InterfaceRef);
listing!(need marker::list_all_node_devices: [] [flags: u32] -> NodeDeviceRef);
listing!(need marker::storage_pool_list_all_volumes: [pool: StoragePoolRef] [flags: u32] -> StorageVolRef);
listing!(need marker::domain_list_all_snapshots: [dom: DomainRef] [flags: u32] -> DomainSnapshotRef);
listing!(need marker::domain_snapshot_list_all_children: [snap: DomainSnapshotRef] [flags: u32] -> DomainSnapshotRef);
listing!(need marker::domain_list_all_checkpoints: [dom: DomainRef] [flags: u32] -> DomainCheckpointRef);
listing!(need marker::domain_checkpoint_list_all_children: [cp: DomainCheckpointRef] [flags: u32] -> DomainCheckpointRef);
listing!(need marker::network_get_dhcp_leases: [net: NetworkRef, mac: Option<String>] [flags: u32] -> NetworkDhcpLease);
listing!(names marker::list_defined_domains: [] [], DOMAIN_LIST_MAX);
listing!(names marker::list_networks: [] [], NETWORK_LIST_MAX);
listing!(names marker::list_defined_networks: [] [], NETWORK_LIST_MAX);
listing!(names marker::list_interfaces: [] [], INTERFACE_LIST_MAX);
listing!(names marker::list_defined_interfaces: [] [], INTERFACE_LIST_MAX);
listing!(names marker::node_list_devices: [cap: Option<String>] [flags: u32], NODE_DEVICE_LIST_MAX);
listing!(names marker::node_device_list_caps: [dev: NodeDeviceRef] [], NODE_DEVICE_CAPS_LIST_MAX);
listing!(names marker::storage_pool_list_volumes: [pool: StoragePoolRef] [], STORAGE_VOL_LIST_MAX);
listing!(names marker::domain_snapshot_list_names: [dom: DomainRef] [flags: u32], DOMAIN_SNAPSHOT_LIST_MAX);
listing!(names marker::domain_snapshot_list_children_names: [snap: DomainSnapshotRef] [flags: u32], DOMAIN_SNAPSHOT_LIST_MAX);

/// `{int maxids}` -> `{int ids<>}`: the client asks for as many as the
/// protocol allows, the daemon gives at most what was asked.
impl Procedure<(), Vec<u32>> for marker::list_domain_ids {
    type Args = i32;
    type Ret = Vec<i32>;
    type Extra = usize;
    type Prep = ();
    fn args_to_wire(_a: (), _driver: &dyn Driver) -> Result<(i32, ())> {
        Ok((DOMAIN_LIST_MAX as i32, ()))
    }
    fn ret_from_wire(r: Vec<i32>, _prep: (), _driver: &dyn Driver) -> Result<Vec<u32>> {
        Ok(r.into_iter().map(|i| i as u32).collect())
    }
    fn args_from_wire(max: i32) -> Result<((), usize)> {
        Ok(((), count_arg(max, DOMAIN_LIST_MAX, "maxids")?))
    }
    fn ret_to_wire(r: Vec<u32>, max: usize) -> Result<Vec<i32>> {
        Ok(r.into_iter().take(max).map(|i| i as i32).collect())
    }
}

/// `{int need_map; int need_online; unsigned flags}` ->
/// `{opaque cpumap<>; unsigned online; int ret}`.
impl Procedure<(), (u32, CpuMap)> for marker::node_cpu_map {
    type Args = (i32, i32, u32);
    type Ret = (Bytes<CPUMAP_MAX>, u32, i32);
    type Extra = ();
    type Prep = ();
    fn args_to_wire(_a: (), _driver: &dyn Driver) -> Result<((i32, i32, u32), ())> {
        Ok(((1, 1, 0), ()))
    }
    fn ret_from_wire(
        r: (Bytes<CPUMAP_MAX>, u32, i32),
        _prep: (),
        _driver: &dyn Driver,
    ) -> Result<(u32, CpuMap)> {
        Ok((r.2 as u32, CpuMap::from_bytes(&r.0 .0)))
    }
    fn args_from_wire(w: (i32, i32, u32)) -> Result<((), ())> {
        Error::check_flags(ErrorDomain::Remote, w.2, 0, "virNodeGetCPUMap")?;
        Ok(((), ()))
    }
    fn ret_to_wire(r: (u32, CpuMap), _extra: ()) -> Result<(Bytes<CPUMAP_MAX>, u32, i32)> {
        let online = r.1.cpus().count() as u32;
        Ok((Bytes(r.1.as_bytes().to_vec()), online, r.0 as i32))
    }
}

/// `opaque x<MAX>` as an owned value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bytes<const MAX: u32>(pub Vec<u8>);

impl<const MAX: u32> Xdr for Bytes<MAX> {
    fn encode(&self, e: &mut Encoder) {
        e.opaque(&self.0, MAX);
    }
    fn decode(d: &mut Decoder<'_>) -> std::result::Result<Self, RemoteError> {
        Ok(Bytes(d.opaque(MAX)?.to_vec()))
    }
}

/// `{dom; to; remote_string dxml; flags}`: both save calls travel as
/// `DOMAIN_SAVE_FLAGS`, without or with a definition.
impl Procedure<(DomainRef, String, u32), ()> for marker::domain_save {
    type Args = (DomainRef, String, Option<String>, u32);
    type Ret = ();
    type Extra = ();
    type Prep = ();
    fn args_to_wire(
        a: (DomainRef, String, u32),
        _d: &dyn Driver,
    ) -> Result<(Self::Args, Self::Prep)> {
        Ok(((a.0, a.1, None, a.2), ()))
    }
    fn ret_from_wire(_r: (), _prep: (), _driver: &dyn Driver) -> Result<()> {
        Ok(())
    }
    fn args_from_wire(w: Self::Args) -> Result<((DomainRef, String, u32), ())> {
        Ok(((w.0, w.1, w.3), ()))
    }
    fn ret_to_wire(_r: (), _extra: ()) -> Result<()> {
        Ok(())
    }
}

impl Procedure<(DomainRef, String, String, u32), ()> for marker::domain_save_xml {
    type Args = (DomainRef, String, Option<String>, u32);
    type Ret = ();
    type Extra = ();
    type Prep = ();
    fn args_to_wire(
        a: (DomainRef, String, String, u32),
        _d: &dyn Driver,
    ) -> Result<(Self::Args, Self::Prep)> {
        Ok(((a.0, a.1, Some(a.2), a.3), ()))
    }
    fn ret_from_wire(_r: (), _prep: (), _driver: &dyn Driver) -> Result<()> {
        Ok(())
    }
    fn args_from_wire(w: Self::Args) -> Result<((DomainRef, String, String, u32), ())> {
        Ok(((w.0, w.1, w.2.unwrap_or_default(), w.3), ()))
    }
    fn ret_to_wire(_r: (), _extra: ()) -> Result<()> {
        Ok(())
    }
}

/// The domains of a node by UUID, to find the one a restore brought back:
/// `DOMAIN_RESTORE_FLAGS` returns nothing, the Driver call its domain.
fn restored(before: &[DomainRef], driver: &dyn Driver) -> Result<DomainRef> {
    let after = driver.list_all_domains(virt_core::list_flags::ACTIVE)?;
    after
        .into_iter()
        .find(|d| !before.iter().any(|b| b.uuid == d.uuid && b.id == d.id))
        .ok_or_else(|| {
            Error::with(
                ErrorCode::OperationFailed,
                ErrorDomain::Remote,
                "the restored domain is not among the running ones",
            )
        })
}

/// `{from; remote_string dxml; flags}` -> nothing: libvirt's restore
/// returns no domain, the Driver call does; the client finds the one that
/// was not running before the call.
impl Procedure<(String, u32), DomainRef> for marker::domain_restore {
    type Args = (String, Option<String>, u32);
    type Ret = ();
    type Extra = ();
    type Prep = Vec<DomainRef>;
    fn args_to_wire(a: (String, u32), d: &dyn Driver) -> Result<(Self::Args, Self::Prep)> {
        let before = d.list_all_domains(virt_core::list_flags::ACTIVE)?;
        Ok(((a.0, None, a.1), before))
    }
    fn ret_from_wire(_r: (), before: Vec<DomainRef>, d: &dyn Driver) -> Result<DomainRef> {
        restored(&before, d)
    }
    fn args_from_wire(w: Self::Args) -> Result<((String, u32), ())> {
        Ok(((w.0, w.2), ()))
    }
    fn ret_to_wire(_r: DomainRef, _extra: ()) -> Result<()> {
        Ok(())
    }
}

impl Procedure<(String, String, u32), DomainRef> for marker::domain_restore_xml {
    type Args = (String, Option<String>, u32);
    type Ret = ();
    type Extra = ();
    type Prep = Vec<DomainRef>;
    fn args_to_wire(a: (String, String, u32), d: &dyn Driver) -> Result<(Self::Args, Self::Prep)> {
        let before = d.list_all_domains(virt_core::list_flags::ACTIVE)?;
        Ok(((a.0, Some(a.1), a.2), before))
    }
    fn ret_from_wire(_r: (), before: Vec<DomainRef>, d: &dyn Driver) -> Result<DomainRef> {
        restored(&before, d)
    }
    fn args_from_wire(w: Self::Args) -> Result<((String, String, u32), ())> {
        Ok(((w.0, w.1.unwrap_or_default(), w.2), ()))
    }
    fn ret_to_wire(_r: DomainRef, _extra: ()) -> Result<()> {
        Ok(())
    }
}

/// The node's CPU count as libvirt's callers size maps: `VIR_NODEINFO_MAXCPUS`.
fn node_cpus(driver: &dyn Driver) -> Result<usize> {
    Ok(driver.node_info()?.max_cpus().max(1) as usize)
}

/// `remote_vcpu_info`, travelling without its affinity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireVcpu {
    number: u32,
    state: i32,
    cpu_time: u64,
    cpu: i32,
}

impl Xdr for WireVcpu {
    fn encode(&self, e: &mut Encoder) {
        e.u32(self.number)
            .i32(self.state)
            .u64(self.cpu_time)
            .i32(self.cpu);
    }
    fn decode(d: &mut Decoder<'_>) -> std::result::Result<Self, RemoteError> {
        Ok(WireVcpu {
            number: d.u32()?,
            state: d.i32()?,
            cpu_time: d.u64()?,
            cpu: d.i32()?,
        })
    }
}

impl ListItem for WireVcpu {
    const LIST_MAX: u32 = VCPUINFO_MAX;
    const MIN_SIZE: usize = 20;
    const WHAT: &'static str = "vCPU info list";
}

/// libvirt's check of a caller's map sizes (`maxinfo * maplen` within
/// `REMOTE_CPUMAPS_MAX`).
fn maps_within(count: i32, maplen: i32, max_count: u32) -> Result<(usize, usize)> {
    let n = count_arg(count, max_count, "maxinfo")?;
    let len = count_arg(maplen, CPUMAP_MAX, "maplen")?;
    if n.saturating_mul(len) > CPUMAPS_MAX as usize {
        return Err(over_limit("vCPU map buffer length"));
    }
    Ok((n, len))
}

/// Each map cut or padded to `len` bytes, concatenated.
fn join_maps<'a>(maps: impl Iterator<Item = &'a CpuMap>, len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for m in maps {
        let b = m.as_bytes();
        out.extend((0..len).map(|i| b.get(i).copied().unwrap_or(0)));
    }
    out
}

/// `{dom; int maxinfo; int maplen}` -> `{remote_vcpu_info info<>; opaque
/// cpumaps<>}`.
impl Procedure<(DomainRef,), Vec<VcpuInfo>> for marker::domain_get_vcpus {
    type Args = (DomainRef, i32, i32);
    type Ret = (Vec<WireVcpu>, Bytes<CPUMAPS_MAX>);
    type Extra = (usize, usize);
    type Prep = ();
    fn args_to_wire(a: (DomainRef,), driver: &dyn Driver) -> Result<(Self::Args, Self::Prep)> {
        let vcpus = driver.domain_get_info(&a.0)?.nr_virt_cpu as i32;
        let maplen = node_cpus(driver)?.div_ceil(8) as i32;
        Ok(((a.0, vcpus, maplen), ()))
    }
    fn ret_from_wire(r: Self::Ret, _prep: (), _driver: &dyn Driver) -> Result<Vec<VcpuInfo>> {
        let (infos, Bytes(maps)) = r;
        let len = if infos.is_empty() {
            0
        } else {
            maps.len() / infos.len()
        };
        Ok(infos
            .into_iter()
            .enumerate()
            .map(|(i, v)| VcpuInfo {
                number: v.number,
                state: VcpuState::from_number(v.state),
                cpu_time: v.cpu_time,
                cpu: v.cpu,
                affinity: CpuMap::from_bytes(maps.get(i * len..(i + 1) * len).unwrap_or(&[])),
            })
            .collect())
    }
    fn args_from_wire(w: Self::Args) -> Result<((DomainRef,), (usize, usize))> {
        let sizes = maps_within(w.1, w.2, VCPUINFO_MAX)?;
        Ok(((w.0,), sizes))
    }
    fn ret_to_wire(r: Vec<VcpuInfo>, (n, len): (usize, usize)) -> Result<Self::Ret> {
        let r = &r[..r.len().min(n)];
        let infos = r
            .iter()
            .map(|v| WireVcpu {
                number: v.number,
                state: v.state as i32,
                cpu_time: v.cpu_time,
                cpu: v.cpu,
            })
            .collect();
        Ok((infos, Bytes(join_maps(r.iter().map(|v| &v.affinity), len))))
    }
}

/// `{dom; int ncpumaps; int maplen; flags}` -> `{opaque cpumaps<>; int num}`.
impl Procedure<(DomainRef, u32), Vec<CpuMap>> for marker::domain_get_vcpu_pin_info {
    type Args = (DomainRef, i32, i32, u32);
    type Ret = (Bytes<CPUMAPS_MAX>, i32);
    type Extra = (usize, usize);
    type Prep = ();
    fn args_to_wire(a: (DomainRef, u32), driver: &dyn Driver) -> Result<(Self::Args, Self::Prep)> {
        let which = a.1 & affect::CONFIG;
        let vcpus = driver.domain_get_vcpus_flags(&a.0, which | affect::MAXIMUM)? as i32;
        let maplen = node_cpus(driver)?.div_ceil(8) as i32;
        Ok(((a.0, vcpus, maplen, a.1), ()))
    }
    fn ret_from_wire(r: Self::Ret, _prep: (), _driver: &dyn Driver) -> Result<Vec<CpuMap>> {
        let (Bytes(maps), num) = r;
        let num = usize::try_from(num).unwrap_or(0);
        if num == 0 {
            return Ok(Vec::new());
        }
        let len = maps.len() / num;
        Ok(maps
            .chunks(len.max(1))
            .take(num)
            .map(CpuMap::from_bytes)
            .collect())
    }
    fn args_from_wire(w: Self::Args) -> Result<((DomainRef, u32), (usize, usize))> {
        let sizes = maps_within(w.1, w.2, VCPUINFO_MAX)?;
        Ok(((w.0, w.3), sizes))
    }
    fn ret_to_wire(r: Vec<CpuMap>, (n, len): (usize, usize)) -> Result<Self::Ret> {
        let r = &r[..r.len().min(n)];
        Ok((Bytes(join_maps(r.iter(), len)), r.len() as i32))
    }
}

/// `remote_domain_get_scheduler_parameters[_flags]_args`: without flags
/// the call travels as libvirt's `virDomainGetSchedulerParameters`
/// (`DOMAIN_GET_SCHEDULER_PARAMETERS`), whose daemon side adds no flags of
/// its own, as a local call without flags does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerArgs {
    /// The domain.
    pub dom: DomainRef,
    /// How many parameters the caller takes.
    pub nparams: i32,
    /// The flags, when the call has them.
    pub flags: Option<u32>,
}

impl Xdr for SchedulerArgs {
    fn encode(&self, e: &mut Encoder) {
        e.put(&self.dom).i32(self.nparams);
        if let Some(f) = self.flags {
            e.u32(f);
        }
    }
    fn decode(d: &mut Decoder<'_>) -> std::result::Result<Self, RemoteError> {
        Ok(SchedulerArgs {
            dom: d.get()?,
            nparams: d.i32()?,
            flags: Some(d.u32()?),
        })
    }
}

/// `{dom; unsigned nparams; int start_cpu; unsigned ncpus; unsigned
/// flags}` -> `{remote_typed_param params<>; int nparams}`: both sides
/// hold the caller to libvirt's limits, and the client checks that the
/// reply is whole rows of what was asked, as libvirt's does.
impl Procedure<(DomainRef, u32, i32, u32, u32), CpuStats> for marker::domain_get_cpu_stats {
    type Args = (DomainRef, u32, i32, u32, u32);
    type Ret = CpuStats;
    type Extra = ();
    type Prep = (u32, u32);
    fn args_to_wire(a: Self::Args, _driver: &dyn Driver) -> Result<(Self::Args, (u32, u32))> {
        let limit = |what: &str, n: u32, max: u32| {
            Error::raw(
                ErrorCode::Rpc,
                ErrorDomain::Rpc,
                format!("{what} count exceeds maximum: {n} > {max}"),
            )
        };
        if a.1 > NODE_CPU_STATS_MAX {
            return Err(limit("nparams", a.1, NODE_CPU_STATS_MAX));
        }
        if a.3 > DOMAIN_GET_CPU_STATS_NCPUS_MAX {
            return Err(limit("ncpus", a.3, DOMAIN_GET_CPU_STATS_NCPUS_MAX));
        }
        let prep = (a.1, a.3);
        Ok((a, prep))
    }
    fn ret_from_wire(
        r: CpuStats,
        (nparams, ncpus): (u32, u32),
        _d: &dyn Driver,
    ) -> Result<CpuStats> {
        let len = r.params.len();
        let whole_rows = |count: i32| {
            usize::try_from(count)
                .ok()
                .filter(|&c| c > 0 && c <= nparams as usize && len % c == 0)
                .is_some()
        };
        if len > nparams as usize * ncpus as usize || (len > 0 && !whole_rows(r.count)) {
            return Err(Error::raw(
                ErrorCode::Rpc,
                ErrorDomain::Rpc,
                "remoteDomainGetCPUStats: returned number of stats exceeds limit",
            ));
        }
        Ok(r)
    }
    fn args_from_wire(w: Self::Args) -> Result<(Self::Args, ())> {
        let too_large = |what: &str| {
            Error::with(
                ErrorCode::InternalError,
                ErrorDomain::Rpc,
                format!("{what} too large"),
            )
        };
        if w.1 > NODE_CPU_STATS_MAX {
            return Err(too_large("nparams"));
        }
        if w.3 > DOMAIN_GET_CPU_STATS_NCPUS_MAX {
            return Err(too_large("ncpus"));
        }
        Ok((w, ()))
    }
    fn ret_to_wire(r: CpuStats, _extra: ()) -> Result<CpuStats> {
        Ok(r)
    }
}

/// `DOMAIN_GET_SCHEDULER_PARAMETERS`, the call without flags.
pub const DOMAIN_GET_SCHEDULER_PARAMETERS: i32 = 57;

/// `{dom; int nparams[; flags]}` -> `{remote_typed_param params<>}`: the
/// client asks for as many as the scheduler has.
impl Procedure<(DomainRef, u32), Vec<TypedParam>> for marker::domain_get_scheduler_params {
    type Args = SchedulerArgs;
    type Ret = Vec<TypedParam>;
    type Extra = usize;
    type Prep = ();
    fn args_to_wire(a: (DomainRef, u32), driver: &dyn Driver) -> Result<(Self::Args, Self::Prep)> {
        let (_, n) = driver.domain_get_scheduler_type(&a.0)?;
        Ok((
            SchedulerArgs {
                dom: a.0,
                nparams: n as i32,
                flags: (a.1 != 0).then_some(a.1),
            },
            (),
        ))
    }
    fn number(args: &SchedulerArgs) -> i32 {
        match args.flags {
            Some(_) => Self::NUMBER,
            None => DOMAIN_GET_SCHEDULER_PARAMETERS,
        }
    }
    fn ret_from_wire(
        r: Vec<TypedParam>,
        _prep: (),
        _driver: &dyn Driver,
    ) -> Result<Vec<TypedParam>> {
        Ok(r)
    }
    fn args_from_wire(w: SchedulerArgs) -> Result<((DomainRef, u32), usize)> {
        let n = count_arg(w.nparams, crate::wire::SCHEDULER_PARAMETERS_MAX, "nparams")?;
        Ok(((w.dom, w.flags.unwrap_or(0)), n))
    }
    fn ret_to_wire(mut r: Vec<TypedParam>, n: usize) -> Result<Vec<TypedParam>> {
        r.truncate(n);
        Ok(r)
    }
}

/// `{vol; unsigned hyper offset; unsigned hyper length; unsigned int
/// flags}` -> nothing, then a stream on the call's serial: the upload's
/// data travels from the client, the download's to it. The sparse flag
/// (bit 0 of both calls' flags) lets holes travel.
macro_rules! vol_stream {
    ($m:ty, $ends:ident) => {
        impl Procedure<(StorageVolRef, u64, u64, u32), StreamEnds> for $m {
            type Args = (StorageVolRef, u64, u64, u32);
            type Ret = ();
            type Extra = ();
            type Prep = bool;
            fn args_to_wire(a: Self::Args, _driver: &dyn Driver) -> Result<(Self::Args, bool)> {
                let sparse = a.3 & virt_core::vol_upload_flags::SPARSE_STREAM != 0;
                Ok((a, sparse))
            }
            fn ret_from_wire(_r: (), _prep: bool, _driver: &dyn Driver) -> Result<StreamEnds> {
                Err(Error::with(
                    ErrorCode::InternalError,
                    ErrorDomain::Remote,
                    "a stream call answered without its stream",
                ))
            }
            fn ret_with_stream(
                _r: (),
                sparse: bool,
                _driver: &dyn Driver,
                stream: ClientStream,
            ) -> Result<StreamEnds> {
                Ok(stream.$ends(sparse))
            }
            fn args_from_wire(w: Self::Args) -> Result<(Self::Args, ())> {
                Ok((w, ()))
            }
            fn ret_to_wire(_r: StreamEnds, _extra: ()) -> Result<()> {
                Ok(())
            }
            fn ret_to_wire_stream(r: StreamEnds, _extra: ()) -> Result<((), Option<StreamEnds>)> {
                Ok(((), Some(r)))
            }
        }
    };
}
/// `{dom; remote_string dev_name; unsigned int flags}` -> nothing, then a
/// stream on the call's serial carrying the console both ways.
impl Procedure<(DomainRef, Option<String>, u32), StreamEnds> for marker::domain_open_console {
    type Args = (DomainRef, Option<String>, u32);
    type Ret = ();
    type Extra = ();
    type Prep = ();
    fn args_to_wire(a: Self::Args, _driver: &dyn Driver) -> Result<(Self::Args, ())> {
        Ok((a, ()))
    }
    fn ret_from_wire(_r: (), _prep: (), _driver: &dyn Driver) -> Result<StreamEnds> {
        Err(Error::with(
            ErrorCode::InternalError,
            ErrorDomain::Remote,
            "a stream call answered without its stream",
        ))
    }
    fn ret_with_stream(
        _r: (),
        _prep: (),
        _driver: &dyn Driver,
        stream: ClientStream,
    ) -> Result<StreamEnds> {
        Ok(stream.both())
    }
    fn args_from_wire(w: Self::Args) -> Result<(Self::Args, ())> {
        Ok((w, ()))
    }
    fn ret_to_wire(_r: StreamEnds, _extra: ()) -> Result<()> {
        Ok(())
    }
    fn ret_to_wire_stream(r: StreamEnds, _extra: ()) -> Result<((), Option<StreamEnds>)> {
        Ok(((), Some(r)))
    }
}

/// `{dom; unsigned int screen; unsigned int flags}` -> `{remote_string
/// mime}`, then a stream on the call's serial carrying the image to the
/// client.
impl Procedure<(DomainRef, u32, u32), Screenshot> for marker::domain_screenshot {
    type Args = (DomainRef, u32, u32);
    type Ret = Option<String>;
    type Extra = ();
    type Prep = ();
    fn args_to_wire(a: Self::Args, _driver: &dyn Driver) -> Result<(Self::Args, ())> {
        Ok((a, ()))
    }
    fn ret_from_wire(_r: Option<String>, _prep: (), _driver: &dyn Driver) -> Result<Screenshot> {
        Err(Error::with(
            ErrorCode::InternalError,
            ErrorDomain::Remote,
            "a stream call answered without its stream",
        ))
    }
    fn ret_with_stream(
        r: Option<String>,
        _prep: (),
        _driver: &dyn Driver,
        stream: ClientStream,
    ) -> Result<Screenshot> {
        // libvirt's remote driver passes a null MIME type on as it is; a
        // caller has nothing to name the image by without one.
        let mime = r.ok_or_else(|| {
            Error::with(
                ErrorCode::InternalError,
                ErrorDomain::Remote,
                "the screenshot came without its MIME type",
            )
        })?;
        Ok(Screenshot {
            mime,
            ends: stream.receiving(false),
        })
    }
    fn args_from_wire(w: Self::Args) -> Result<(Self::Args, ())> {
        Ok((w, ()))
    }
    fn ret_to_wire(r: Screenshot, _extra: ()) -> Result<Option<String>> {
        Ok(Some(r.mime))
    }
    fn ret_to_wire_stream(
        r: Screenshot,
        _extra: (),
    ) -> Result<(Option<String>, Option<StreamEnds>)> {
        Ok((Some(r.mime), Some(r.ends)))
    }
}

vol_stream!(marker::storage_vol_upload, sending);
vol_stream!(marker::storage_vol_download, receiving);

/// The procedure of a Driver call, by the call's name.
pub fn number_of(method: &str) -> Option<i32> {
    DECLARED
        .iter()
        .find(|(m, _, _)| *m == method)
        .map(|(_, n, _)| *n)
}

/// The Driver call a procedure number carries (the first, where two
/// share one).
pub fn method_of(number: i32) -> Option<&'static str> {
    DECLARED
        .iter()
        .find(|(_, n, _)| *n == number)
        .map(|(m, _, _)| *m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use virt_core::Method;

    #[test]
    fn every_driver_call_has_a_procedure() {
        let missing: Vec<_> = Method::ALL
            .iter()
            .filter(|m| number_of(m.name()).is_none())
            .collect();
        assert!(missing.is_empty(), "no procedure for {missing:?}");
        for (m, _, _) in DECLARED {
            assert!(
                Method::ALL.iter().any(|x| x.name() == *m),
                "{m} is not a Driver call"
            );
        }
    }

    #[test]
    fn numbers_match_libvirts_table() {
        // ../shared/baselines/results/remote_procs.tsv, when present.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
        let path = std::env::var("VIRT_CORPUS")
            .map(|c| std::path::PathBuf::from(c).join("../baselines/results/remote_procs.tsv"))
            .unwrap_or_else(|_| root.join("shared/baselines/results/remote_procs.tsv"));
        let Ok(tsv) = std::fs::read_to_string(&path) else {
            eprintln!("skipped: no {} (libvirt's procedure table)", path.display());
            return;
        };
        let libvirt: std::collections::HashMap<i32, &str> = tsv
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .filter_map(|(n, name)| {
                Some((n.parse().ok()?, name.trim_start_matches("REMOTE_PROC_")))
            })
            .collect();
        for (m, n, name) in DECLARED {
            assert_eq!(libvirt.get(n).copied(), Some(*name), "{m}");
        }
    }
}
