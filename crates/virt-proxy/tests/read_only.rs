//! The read-only socket changes nothing: every mutating call of the driver
//! table (the `write` entries of virt-core's `for_each_driver_method!`,
//! the list the daemon's dispatch is generated from) and every older
//! procedure that carries one, sent by virt-remote's client on a
//! connection that asks for read-write access, is refused with libvirt's
//! "operation forbidden: read only access prevents virXxx", and the node
//! looks the same afterwards.

mod common;

use common::Daemon;
use virt_core::{
    CpuMap, DomainCheckpointRef, DomainRef, DomainSnapshotRef, Driver, Error, ErrorCode,
    InterfaceRef, NetworkRef, NodeDeviceRef, StoragePoolRef, StorageVolRef, TypedParam, TypedValue,
};
use virt_remote::client::{Endpoint, Keepalive, RemoteDriver};
use virt_remote::procs::{marker, session as p, Numbered};

/// The arguments every call gets: ones that would succeed on a read-write
/// connection where that is possible (a valid domain XML, the running
/// domain), so a refusal cannot be mistaken for a failing call.
struct Samples {
    xml: String,
    dom: DomainRef,
    net: NetworkRef,
    map: CpuMap,
    params: Vec<TypedParam>,
    pool: StoragePoolRef,
    vol: StorageVolRef,
    snap: DomainSnapshotRef,
    chk: DomainCheckpointRef,
    iface: InterfaceRef,
    dev: NodeDeviceRef,
}

trait Sample<'a> {
    fn sample(s: &'a Samples) -> Self;
}

/// `Sample` for each argument type: `TYPE => |samples| VALUE`.
macro_rules! samples {
    ($($t:ty => |$s:pat_param| $e:expr;)*) => {$(
        impl<'a> Sample<'a> for $t {
            fn sample($s: &'a Samples) -> Self {
                $e
            }
        }
    )*};
}

samples! {
    &'a str => |s| &s.xml;
    Option<&'a str> => |s| Some(&s.xml);
    &'a DomainRef => |s| &s.dom;
    &'a NetworkRef => |s| &s.net;
    &'a InterfaceRef => |s| &s.iface;
    &'a NodeDeviceRef => |s| &s.dev;
    &'a CpuMap => |s| &s.map;
    &'a [TypedParam] => |s| &s.params;
    &'a StoragePoolRef => |s| &s.pool;
    &'a StorageVolRef => |s| &s.vol;
    &'a DomainSnapshotRef => |s| &s.snap;
    &'a DomainCheckpointRef => |s| &s.chk;
    u32 => |_| 1;
    i32 => |_| -1;
    u64 => |_| 1024 * 1024;
    bool => |_| true;
}

macro_rules! only_writes {
    (write, $e:expr) => {
        Some($e)
    };
    (read, $e:expr) => {
        None
    };
}

/// One result per `write` entry of the table: (method, libvirt name,
/// outcome).
macro_rules! every_write {
    ($(
        $(#[$m:meta])*
        [$api:ident, $kind:ident $(, check $check:ident)? $(, default $default:block)?]
        fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {
        fn every_write(d: &dyn Driver, s: &Samples) -> Vec<(&'static str, &'static str, Result<(), Error>)> {
            let mut out = Vec::new();
            $(
                if let Some(r) = only_writes!($kind, d.$name($(<$ty as Sample>::sample(s)),*).map(drop)) {
                    // The daemon names the public function of the
                    // procedure that carried the call.
                    let api = <marker::$name as Numbered>::API.unwrap_or(stringify!($api));
                    out.push((stringify!($name), api, r));
                }
            )*
            out
        }
    };
}

virt_core::for_each_driver_method!(every_write);

/// What a client can see of the node, to compare before and after.
fn observe(d: &dyn Driver) -> String {
    let mut s = String::new();
    let all = d.list_all_domains(0).unwrap_or_default();
    for dom in &all {
        s += &format!(
            "{} {:?} {:?} {:?} {:?}\n{}\n",
            dom.name,
            dom.id,
            d.domain_get_info(dom).map(|mut i| {
                i.cpu_time = 0;
                i
            }),
            d.domain_get_autostart(dom),
            d.domain_get_vcpus_flags(dom, 0),
            d.domain_get_xml_desc(dom, 2).unwrap_or_default(),
        );
    }
    // And its storage: pools, their state and their volumes.
    for pool in d.list_all_storage_pools(0).unwrap_or_default() {
        s += &format!(
            "{} {:?} {:?} {:?}\n",
            pool.name,
            d.storage_pool_get_info(&pool),
            d.storage_pool_get_autostart(&pool),
            d.storage_pool_list_all_volumes(&pool, 0),
        );
    }
    s
}

#[test]
fn every_mutating_procedure_is_refused_on_the_read_only_socket() {
    let d = Daemon::start(&[]);
    let open = |sock| {
        // Read-write asked for: the socket alone must make it read-only.
        match RemoteDriver::open_endpoint(
            &Endpoint::Unix(sock),
            "test:///default",
            false,
            Keepalive::default(),
        ) {
            Ok(c) => c,
            Err(e) => panic!("open: {e}"),
        }
    };
    // A read-write connection holds the node and observes it.
    let rw = open(d.rw());
    let ro = open(d.ro());
    let before = observe(&rw);
    let dom = match ro.domain_lookup_by_name("test") {
        Ok(dom) => dom,
        Err(e) => panic!("lookup: {e}"),
    };
    let net = match ro.network_lookup_by_name("default") {
        Ok(net) => net,
        Err(e) => panic!("lookup: {e}"),
    };
    let samples = Samples {
        xml: "<domain type='test'><name>ro-test</name><memory>65536</memory>\
<os><type>hvm</type></os></domain>"
            .into(),
        dom: dom.clone(),
        net,
        map: CpuMap::all(1),
        params: vec![TypedParam {
            field: "weight".into(),
            value: TypedValue::UInt(100),
        }],
        iface: match ro.interface_lookup_by_name("eth1") {
            Ok(i) => i,
            Err(e) => panic!("interface lookup: {e}"),
        },
        dev: match ro.node_device_lookup_by_name("scsi_host11") {
            Ok(d) => d,
            Err(e) => panic!("node device lookup: {e}"),
        },
        pool: match ro.storage_pool_lookup_by_name("default-pool") {
            Ok(p) => p,
            Err(e) => panic!("pool lookup: {e}"),
        },
        vol: StorageVolRef {
            pool: "default-pool".into(),
            name: "v".into(),
            key: "/default-pool/v".into(),
        },
        snap: DomainSnapshotRef {
            domain: dom.clone(),
            name: "s1".into(),
        },
        chk: DomainCheckpointRef {
            domain: dom.clone(),
            name: "c1".into(),
        },
    };
    let results = every_write(&ro, &samples);
    assert!(
        results.len() >= 20,
        "the table's write entries: {}",
        results.len()
    );
    let refused = |what: &str, r: &Result<(), Error>, api: &str| {
        let e = match r {
            Ok(()) => panic!("{what} was allowed on the read-only socket"),
            Err(e) => e,
        };
        assert_eq!(e.code, ErrorCode::OperationDenied, "{what}: {e}");
        let text = e.to_string();
        assert_eq!(
            text,
            format!("operation forbidden: read only access prevents {api}"),
            "{what}"
        );
    };
    for (name, api, r) in &results {
        refused(name, r, api);
    }
    // The older procedures without flags carry the same calls.
    let legacy: Vec<(&str, Result<(), Error>)> = vec![
        ("virDomainCreate", ro.call::<_, ()>(p::DOMAIN_CREATE, &dom)),
        (
            "virDomainDefineXML",
            ro.call::<_, DomainRef>(p::DOMAIN_DEFINE_XML, &samples.xml)
                .map(drop),
        ),
        (
            "virDomainDestroy",
            ro.call::<_, ()>(p::DOMAIN_DESTROY, &dom),
        ),
        (
            "virNetworkCreateXML",
            ro.call::<_, NetworkRef>(p::NETWORK_CREATE_XML, &samples.xml)
                .map(drop),
        ),
        (
            "virNetworkDefineXML",
            ro.call::<_, NetworkRef>(p::NETWORK_DEFINE_XML, &samples.xml)
                .map(drop),
        ),
        (
            "virDomainShutdown",
            ro.call::<_, ()>(p::DOMAIN_SHUTDOWN, &dom),
        ),
        (
            "virDomainUndefine",
            ro.call::<_, ()>(p::DOMAIN_UNDEFINE, &dom),
        ),
        (
            "virDomainSave",
            ro.call::<_, ()>(p::DOMAIN_SAVE, &(dom.clone(), "/tmp/x".to_string())),
        ),
        (
            "virDomainRestore",
            ro.call::<_, ()>(p::DOMAIN_RESTORE, &"/tmp/x".to_string()),
        ),
        (
            "virDomainSetMaxMemory",
            ro.call::<_, ()>(p::DOMAIN_SET_MAX_MEMORY, &(dom.clone(), 1024u64)),
        ),
        (
            "virDomainSetMemory",
            ro.call::<_, ()>(p::DOMAIN_SET_MEMORY, &(dom.clone(), 1024u64)),
        ),
        (
            "virDomainSetVcpus",
            ro.call::<_, ()>(p::DOMAIN_SET_VCPUS, &(dom.clone(), 1u32)),
        ),
    ];
    for (api, r) in &legacy {
        refused(api, r, api);
    }
    // Nothing changed, as seen from the read-write connection.
    assert_eq!(observe(&rw), before);
    assert!(!observe(&rw).contains("ro-test"));
    // And the same calls on the read-write socket do change things (the
    // refusal above came from the socket, not from the arguments).
    assert!(rw.domain_define_xml(&samples.xml, 0).is_ok());
    assert_ne!(observe(&rw), before);
}
