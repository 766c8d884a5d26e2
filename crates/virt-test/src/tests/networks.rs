//! Networks of the test node.

use super::*;

const LAB_NET: &str = "<network><name>lab</name><uuid>0f0a3c2e-7d1b-4b8e-9a51-2f6c0d1e4a77</uuid>\
<bridge name='virbr7'/><ip address='10.7.0.1' prefix='24'><dhcp>\
<range start='10.7.0.100' end='10.7.0.199'/></dhcp></ip></network>";

#[test]
fn network_lifecycle_as_libvirts_test_driver() {
    use virt_core::{network_list_flags, network_update};
    let c = private();
    assert_eq!(
        (ok(c.num_of_networks()), ok(c.num_of_defined_networks())),
        (1, 0)
    );
    let net = ok(c.network_define_xml(LAB_NET, 0));
    assert_eq!(net.uuid_string(), "0f0a3c2e-7d1b-4b8e-9a51-2f6c0d1e4a77");
    assert_eq!(ok(c.list_defined_networks()), vec!["lab".to_string()]);
    assert_eq!(ok(c.list_networks()), vec!["default".to_string()]);
    let by_uuid = ok(c.network_lookup_by_uuid_string("0f0a3c2e7d1b4b8e9a512f6c0d1e4a77"));
    assert_eq!(by_uuid.name(), "lab");
    ok(net.create());
    let e = err(net.create());
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::OperationInvalid,
            "Requested operation is not valid: Network 'lab' is already running"
        )
    );
    assert_eq!(err(net.undefine()).code, ErrorCode::OperationInvalid);
    // A persistent change of a running network waits for its next start;
    // the running definition shows the live one.
    let host = "<host mac='52:54:00:00:07:02' ip='10.7.0.12'/>";
    ok(net.update(
        network_update::ADD_LAST,
        4,
        -1,
        host,
        network_update::AFFECT_CONFIG,
    ));
    assert!(!ok(net.xml_desc(0)).contains("10.7.0.12"));
    ok(net.update(network_update::ADD_LAST, 4, -1, host, 0));
    assert!(ok(net.xml_desc(0)).contains("10.7.0.12"));
    // A refused update changes nothing.
    let before = ok(net.xml_desc(0));
    assert_eq!(
        err(net.update(network_update::ADD_LAST, 4, -1, host, 0)).code,
        ErrorCode::OperationInvalid
    );
    assert_eq!(ok(net.xml_desc(0)), before);
    // libvirt 9.0's refusals of an unknown command and section.
    for (command, section, message) in [
        (
            9,
            4,
            "Operation not supported: unrecognized network update command code 9",
        ),
        (
            network_update::ADD_LAST,
            13,
            "Operation not supported: can't update unrecognized section of network",
        ),
    ] {
        let e = err(net.update(command, section, -1, host, 0));
        assert_eq!(
            (e.code, e.message.as_str()),
            (ErrorCode::OperationUnsupported, message)
        );
    }
    assert_eq!(ok(net.xml_desc(0)), before);
    ok(net.set_autostart(true));
    let flags = network_list_flags::ACTIVE | network_list_flags::AUTOSTART;
    let listed: Vec<String> = ok(c.list_all_networks(flags))
        .iter()
        .map(|n| n.name().to_string())
        .collect();
    assert_eq!(listed, vec!["lab".to_string()]);
    ok(net.destroy());
    ok(net.undefine());
    assert_eq!(
        err(c.network_lookup_by_name("lab")).code,
        ErrorCode::NoNetwork
    );
    // A transient network goes away when stopped.
    let t = ok(c.network_create_xml(LAB_NET, 0));
    assert!(!ok(t.is_persistent()));
    assert_eq!(
        err(t.update(
            network_update::ADD_LAST,
            4,
            -1,
            host,
            network_update::AFFECT_CONFIG
        ))
        .message,
        "Requested operation is not valid: cannot change persistent config of a transient network"
    );
    ok(t.destroy());
    assert_eq!(ok(c.num_of_networks()), 1);
    // Clashes, bad XML and the strict parser.
    let clash = LAB_NET.replace("lab", "default");
    ok(c.network_define_xml(LAB_NET, 0));
    let e = err(c.network_define_xml(&clash, 0));
    assert_eq!(e.code, ErrorCode::OperationFailed);
    let odd = "<network><name>odd</name><frob/></network>";
    assert_eq!(
        err(c.network_define_xml(odd, virt_core::network_define_flags::VALIDATE)).code,
        ErrorCode::XmlInvalidSchema
    );
    assert!(ok(ok(c.network_define_xml(odd, 0)).xml_desc(0)).contains("<frob/>"));
    assert_eq!(
        err(c.network_define_xml("<network><name>x</name><mtu size='big'/></network>", 0)).message,
        "XML error: Invalid mtu size 'big' in network 'x'"
    );
    assert_eq!(
        err(c
            .network_lookup_by_name("default")
            .and_then(|n| n.dhcp_leases(None, 0)))
        .code,
        ErrorCode::NoSupport
    );
}

#[test]
fn network_changes_refused_read_only() {
    let node = match Node::builtin() {
        Ok(n) => n,
        Err(e) => panic!("built-in node: {e}"),
    };
    let uri = ok(Uri::parse("test:///default"));
    let c = Connect::from_driver(Box::new(TestConnection::new(Arc::new(node))), uri, true);
    let e = err(c.network_define_xml(LAB_NET, 0));
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::OperationDenied,
            "operation forbidden: read only access prevents virNetworkDefineXML"
        )
    );
    let net = ok(c.network_lookup_by_name("default"));
    for e in [
        err(net.destroy()),
        err(net.undefine()),
        err(net.set_autostart(true)),
        err(net.update(3, 4, -1, "<host/>", 0)),
        err(c.network_create_xml(LAB_NET, 0).map(|_| ())),
    ] {
        assert_eq!(e.code, ErrorCode::OperationDenied);
    }
    assert!(ok(net.is_active()), "a refused destroy changes nothing");
}
