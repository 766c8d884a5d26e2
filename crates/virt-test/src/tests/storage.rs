//! Storage pools and volumes of the test node.

use super::*;

#[test]
fn pools_list_by_type() {
    let c = private();
    let names = |flags: u32| -> Vec<String> {
        ok(c.list_all_storage_pools(flags))
            .iter()
            .map(|p| p.name().to_string())
            .collect()
    };
    let dir = pool_list_flags::type_flag("dir").unwrap_or(0);
    let logical = pool_list_flags::type_flag("logical").unwrap_or(0);
    assert_eq!((dir, logical), (1 << 6, 1 << 9));
    assert_eq!(names(dir), vec!["default-pool".to_string()]);
    assert!(names(logical).is_empty());
    assert_eq!(names(dir | logical), vec!["default-pool".to_string()]);
    assert!(names(dir | pool_list_flags::INACTIVE).is_empty());
    assert_eq!(
        err(c.list_all_storage_pools(1 << 20)).message,
        "unsupported flags (0x100000) in function testConnectListAllStoragePools"
    );
}

/// Pools and volumes as libvirt's test driver keeps them: bookkeeping of
/// sizes, paths from the pool's target, transient pools gone when stopped.
#[test]
fn storage_pools_and_volumes() {
    let c = private();
    let pool = ok(c.storage_pool_lookup_by_name("default-pool"));
    assert_eq!(
        ok(c.storage_pool_lookup_by_uuid(&pool.uuid())).name(),
        "default-pool"
    );
    let vol = ok(pool.storage_vol_create_xml(
        "<volume><name>a.qcow2</name><capacity unit='G'>2</capacity>\
         <allocation unit='M'>3</allocation><target><format type='qcow2'/></target></volume>",
        0,
    ));
    assert_eq!(vol.key(), "/default-pool/a.qcow2");
    assert_eq!(ok(vol.path()), "/default-pool/a.qcow2");
    let info = ok(vol.info());
    assert_eq!((info.capacity, info.allocation), (2 << 30, 3 << 20));
    assert_eq!(ok(pool.info()).allocation, 3 << 20);
    assert!(ok(vol.xml_desc(0)).contains("<format type='qcow2'/>"));
    let clone = ok(pool.storage_vol_create_xml_from(
        "<volume><name>b</name><capacity>1</capacity></volume>",
        &vol,
        0,
    ));
    assert_eq!(ok(pool.list_all_volumes(0)).len(), 2);
    assert_eq!(
        ok(c.storage_vol_lookup_by_key("/default-pool/b")).name(),
        "b"
    );
    assert_eq!(ok(clone.pool()).name(), "default-pool");
    // Resizing and wiping are not the test driver's; a zero size is
    // refused before any driver is asked.
    assert_eq!(err(vol.resize(1 << 40, 0)).code, ErrorCode::NoSupport);
    let e = err(vol.resize(0, 0));
    assert_eq!(
        (e.code, e.domain),
        (ErrorCode::InvalidArg, ErrorDomain::Storage)
    );
    ok(vol.delete(0));
    ok(clone.delete(0));
    assert_eq!(ok(pool.info()).allocation, 0);
    assert_eq!(
        err(c.storage_vol_lookup_by_path("/default-pool/b")).code,
        ErrorCode::NoStorageVol
    );

    // A transient pool disappears when stopped; an inactive one refuses
    // volume calls.
    let xml = "<pool type='dir'><name>t</name><target><path>/t</path></target></pool>";
    let t = ok(c.storage_pool_create_xml(xml, 0));
    assert!(!ok(t.is_persistent()));
    ok(t.destroy());
    assert_eq!(
        err(c.storage_pool_lookup_by_name("t")).code,
        ErrorCode::NoStoragePool
    );
    let p = ok(c.storage_pool_define_xml(xml, 0));
    assert_eq!(err(p.list_all_volumes(0)).code, ErrorCode::OperationInvalid);
    ok(p.build(0));
    ok(p.create(0));
    ok(p.set_autostart(true));
    assert!(ok(p.autostart()));
    assert_eq!(err(p.undefine()).code, ErrorCode::OperationInvalid);
    ok(p.destroy());
    ok(p.undefine());
}

/// A read-only connection refuses every change to storage.
#[test]
fn storage_changes_are_refused_read_only() {
    let node = match Node::builtin() {
        Ok(n) => n,
        Err(e) => panic!("built-in node: {e}"),
    };
    let uri = ok(Uri::parse("test:///default"));
    let c = Connect::from_driver(Box::new(TestConnection::new(Arc::new(node))), uri, true);
    let pool = ok(c.storage_pool_lookup_by_name("default-pool"));
    let e = err(pool.storage_vol_create_xml("<volume/>", 0));
    assert_eq!(e.code, ErrorCode::OperationDenied);
    assert_eq!(err(pool.destroy()).code, ErrorCode::OperationDenied);
    assert!(ok(pool.list_all_volumes(0)).is_empty());
}

/// A stream belongs to the connection that made it: attaching it through
/// another one is refused as libvirt's library refuses it (after the
/// read-only refusal), and nothing is attached.
#[test]
fn streams_of_another_connection_are_refused() {
    let (a, b) = (private(), private());
    let foreign = ok(b.new_stream(0));
    let dom = ok(a.lookup_by_name("test"));
    let e = err(dom.screenshot(&foreign, 0, 0));
    assert_eq!(
        (e.code, e.domain),
        (ErrorCode::InvalidArg, ErrorDomain::Domain)
    );
    assert_eq!(e.message, "stream must match connection of domain 'test'");
    assert_eq!(
        (e.str1.as_deref(), e.str2.as_deref()),
        (Some("virDomainScreenshot"), Some("stream"))
    );
    let e = err(dom.open_console(None, &foreign, 0));
    assert_eq!(
        (e.str1.as_deref(), e.str2.as_deref()),
        (Some("virDomainOpenConsole"), Some("st"))
    );
    let pool = ok(a.storage_pool_lookup_by_name("default-pool"));
    let vol = ok(pool.storage_vol_create_xml(
        "<volume><name>st.img</name><capacity>1024</capacity></volume>",
        0,
    ));
    let e = err(vol.download(&foreign, 0, 0, 0));
    assert_eq!(
        (e.code, e.domain),
        (ErrorCode::InvalidArg, ErrorDomain::Storage)
    );
    assert_eq!(
        e.message,
        "stream in virStorageVolDownload must match connection of volume 'st.img'"
    );
    let e = err(vol.upload(&foreign, 0, 0, 0));
    assert_eq!(e.str1.as_deref(), Some("virStorageVolUpload"));
    assert!(!foreign.is_attached());
    // The read-only refusal comes first.
    let Ok(node) = crate::node::Node::builtin() else {
        panic!("built-in node")
    };
    let uri = ok(Uri::parse("test:///default"));
    let ro = Connect::from_driver(Box::new(TestConnection::new(Arc::new(node))), uri, true);
    let e = err(ok(ro.lookup_by_name("test")).screenshot(&foreign, 0, 0));
    assert_eq!(e.code, ErrorCode::OperationDenied);
    // Its own connection's stream passes the check (and reaches the driver).
    let own = ok(a.new_stream(0));
    let e = err(vol.download(&own, 0, 0, 0));
    assert_ne!(e.code, ErrorCode::InvalidArg);
}
