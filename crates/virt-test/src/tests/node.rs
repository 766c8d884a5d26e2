//! Node files (libvirt's test driver's custom XML, its 0.2-era
//! sample, `<auth>`), host interfaces and node devices of the test node.

use super::*;

#[test]
fn node_files_load_and_fail_cleanly() {
    let dir = temp_path("node");
    ok(std::fs::create_dir_all(&dir).map_err(|_| err(private().lookup_by_id(99))));
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        ok(std::fs::write(&p, text).map_err(|_| err(private().lookup_by_id(99))));
        p.to_string_lossy().to_string()
    };
    write("dom.xml", &small("fromfile"));
    let node = write(
        "node.xml",
        "<node><domain file='dom.xml'/><domain type='test'><name>inline</name><memory>1000</memory><os><type>hvm</type></os></domain>
         <network><name>n1</name><bridge name='br7'/></network><pool type='dir'><name>p1</name><target><path>/p1</path></target><volume><name>v1</name><capacity>1024</capacity></volume></pool>
         <cpu><mhz>6000</mhz><model>i986</model><active>50</active><nodes>4</nodes><sockets>4</sockets><cores>4</cores><threads>2</threads></cpu>
         <memory>8192000</memory></node>",
    );
    let c = ok(crate::open_path(&node)
        .map(|d| Connect::from_driver(Box::new(d), ok(Uri::parse("test:///x")), false)));
    let n = ok(c.node_info());
    assert_eq!(
        (n.model.as_str(), n.cpus, n.mhz, n.nodes, n.memory),
        ("i986", 50, 6000, 4, 8_192_000)
    );
    assert_eq!(ok(c.lookup_by_name("fromfile")).id(), Some(1));
    assert_eq!(ok(c.lookup_by_name("inline")).id(), Some(2));
    assert_eq!(ok(c.uri()), format!("test://{node}"));
    assert_eq!(ok(ok(c.network_lookup_by_name("n1")).bridge_name()), "br7");
    let p1 = ok(c.storage_pool_lookup_by_name("p1"));
    let v1 = ok(ok(c.storage_vol_lookup_by_path("/p1/v1")).info());
    assert_eq!((v1.capacity, v1.allocation), (1024, 1024));
    assert_eq!(ok(p1.info()).allocation, 1024);
    assert!(ok(c.capabilities()).contains("<cells num='0'>"));
    assert_eq!(
        err(c.node_cells_free_memory(0, 1)).code,
        ErrorCode::InvalidArg
    );
    let v = ok(ok(c.lookup_by_name("inline")).vcpus());
    assert_eq!(v[0].affinity.cpus().count(), 128);
    for (name, text, want) in [
        (
            "bad1.xml",
            "<node><cpu><mhz>x</mhz></cpu></node>",
            "XML error: invalid node cpu mhz value",
        ),
        (
            "bad2.xml",
            "<nodex/>",
            "XML error: expecting root element of 'node', not 'nodex'",
        ),
        (
            "bad4.xml",
            "<node><memory>lots</memory></node>",
            "XML error: invalid node memory value",
        ),
    ] {
        let e = err(crate::open_path(&write(name, text)).map(|_| ()));
        assert_eq!(e.message, want);
    }
    let e = err(
        crate::open_path(&write("bad3.xml", "<node><domain file='nope.xml'/></node>")).map(|_| ()),
    );
    assert_eq!(e.code, ErrorCode::XmlError);
    assert!(crate::open_path(&write("bad5.xml", "<node><domain")).is_err());
    let dup = small("fromfile");
    assert!(crate::open_path(&write("bad6.xml", &format!("<node>{dup}{dup}</node>"))).is_err());
    assert!(crate::open_path("/nonexistent/node.xml").is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The values a 0.2-era virsh text shows, read back through the API.
#[test]
fn corpus_era02_testnode() {
    let root = virt_testkit::corpus_root().join("era-0.2");
    let Ok(eras) = std::fs::read_dir(&root) else {
        println!("corpus_era02_testnode: {} absent, skipped", root.display());
        return;
    };
    let mut eras: Vec<PathBuf> = eras.filter_map(|e| e.ok().map(|e| e.path())).collect();
    eras.sort();
    let (mut passed, mut failed) = (0, Vec::new());
    for era in eras {
        let Ok(manifest) = std::fs::read_to_string(era.join("virshdata/MANIFEST.tsv")) else {
            continue;
        };
        let testnode = era.join("docs/testnode.xml");
        for row in manifest
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let cols: Vec<&str> = row.split('\t').collect();
            let (Some(uri), Some(argv), Some(expected)) = (cols.first(), cols.get(1), cols.get(2))
            else {
                failed.push(format!("{}: bad row {row:?}", era.display()));
                continue;
            };
            let text = match std::fs::read_to_string(era.join("virshdata").join(expected)) {
                Ok(t) => t,
                Err(e) => {
                    failed.push(format!("{expected}: {e}"));
                    continue;
                }
            };
            let conn = if *uri == "DEFAULT" {
                TestConnection::new(Arc::new(ok(Node::builtin())))
            } else {
                ok(crate::open_path(&testnode.to_string_lossy()))
            };
            let c = Connect::from_driver(Box::new(conn), ok(Uri::parse("test:///default")), true);
            match check_era_row(&c, argv, &text) {
                Ok(()) => passed += 1,
                Err(why) => failed.push(format!("{} {uri} {argv}: {why}", era.display())),
            }
        }
    }
    println!(
        "corpus_era02_testnode: {passed} rows passed, {} failed",
        failed.len()
    );
    assert!(failed.is_empty(), "{failed:#?}");
    if passed == 0 {
        // A corpus folder without 0.2-era virsh outputs has nothing to
        // compare: no failure.
        println!(
            "corpus_era02_testnode: no virshdata rows under {}: nothing compared",
            root.display()
        );
    }
}

/// The value after `label` on the line that starts with it.
fn field<'a>(text: &'a str, label: &str) -> std::result::Result<&'a str, String> {
    text.lines()
        .find_map(|l| l.strip_prefix(label))
        .map(str::trim)
        .ok_or_else(|| format!("no {label:?} line"))
}

fn num<T: std::str::FromStr>(s: &str) -> std::result::Result<T, String> {
    s.split_whitespace()
        .next()
        .and_then(|w| w.parse().ok())
        .ok_or_else(|| format!("not a number: {s:?}"))
}

fn check_era_row(c: &Connect, argv: &str, text: &str) -> std::result::Result<(), String> {
    let e = |e: virt_core::Error| e.to_string();
    let mut words = argv.split_whitespace();
    let cmd = words.next().unwrap_or_default();
    let arg = words.next().unwrap_or_default();
    // virsh 0.2: an id, then a UUID, then a name.
    let dom = || -> std::result::Result<virt_core::Domain, String> {
        if let Ok(id) = arg.parse::<u32>() {
            return c.lookup_by_id(id).map_err(e);
        }
        if arg.len() == 36 {
            if let Ok(d) = c.lookup_by_uuid_string(arg) {
                return Ok(d);
            }
        }
        c.lookup_by_name(arg).map_err(e)
    };
    let same = |what: &str, got: String, want: &str| {
        if got == want {
            Ok(())
        } else {
            Err(format!("{what}: got {got:?}, want {want:?}"))
        }
    };
    match cmd {
        "nodeinfo" => {
            let n = c.node_info().map_err(e)?;
            same("model", n.model.clone(), field(text, "CPU model:")?)?;
            same("cpus", n.cpus.to_string(), field(text, "CPU(s):")?)?;
            same(
                "mhz",
                n.mhz.to_string(),
                &num::<u32>(field(text, "CPU frequency:")?)?.to_string(),
            )?;
            same(
                "sockets",
                n.sockets.to_string(),
                field(text, "CPU socket(s):")?,
            )?;
            same(
                "cores",
                n.cores.to_string(),
                field(text, "Core(s) per socket:")?,
            )?;
            same(
                "threads",
                n.threads.to_string(),
                field(text, "Thread(s) per core:")?,
            )?;
            same("nodes", n.nodes.to_string(), field(text, "NUMA cell(s):")?)?;
            same(
                "memory",
                n.memory.to_string(),
                &num::<u64>(field(text, "Memory size:")?)?.to_string(),
            )
        }
        "list" => {
            let want: Vec<(String, String, String)> = text
                .lines()
                .skip(2)
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let mut w = l.split_whitespace();
                    let id = w.next().unwrap_or_default().to_string();
                    let name = w.next().unwrap_or_default().to_string();
                    (id, name, w.collect::<Vec<_>>().join(" "))
                })
                .collect();
            let mut got = Vec::new();
            for id in c.list_domains().map_err(e)? {
                let d = c.lookup_by_id(id).map_err(e)?;
                got.push((
                    id.to_string(),
                    d.name().to_string(),
                    d.info().map_err(e)?.state.to_string(),
                ));
            }
            if got == want {
                Ok(())
            } else {
                Err(format!("list: got {got:?}, want {want:?}"))
            }
        }
        "dominfo" => {
            let d = dom()?;
            let i = d.info().map_err(e)?;
            same(
                "id",
                d.id().map_or("-".into(), |v| v.to_string()),
                field(text, "Id:")?,
            )?;
            same("name", d.name().to_string(), field(text, "Name:")?)?;
            same("uuid", d.uuid_string(), field(text, "UUID:")?)?;
            same("os", d.os_type().map_err(e)?, field(text, "OS Type:")?)?;
            same("state", i.state.to_string(), field(text, "State:")?)?;
            same("cpus", i.nr_virt_cpu.to_string(), field(text, "CPU(s):")?)?;
            same(
                "max",
                i.max_mem.to_string(),
                &num::<u64>(field(text, "Max memory:")?)?.to_string(),
            )?;
            same(
                "used",
                i.memory.to_string(),
                &num::<u64>(field(text, "Used memory:")?)?.to_string(),
            )
        }
        "domuuid" => same("uuid", dom()?.uuid_string(), text.trim()),
        "domid" => same(
            "id",
            dom()?.id().map_or("-".into(), |v| v.to_string()),
            text.trim(),
        ),
        "domname" => same("name", dom()?.name().to_string(), text.trim()),
        "domstate" => same(
            "state",
            dom()?.info().map_err(e)?.state.to_string(),
            text.trim(),
        ),
        other => Err(format!("unknown command {other}")),
    }
}

/// A node file with `<auth>` asks for a user name, then that user's
/// password (none for a user without one), with libvirt's prompts, and
/// refuses as libvirt's test driver does (answers checked against
/// python3-libvirt 9.0 on the same node file).
#[test]
fn node_file_auth_asks_and_checks_credentials() {
    use virt_core::auth::cred::{AUTHNAME, PASSPHRASE};
    use virt_core::{CallbackAuth, Credential};
    crate::register();
    let dir = temp_path("auth");
    ok(std::fs::create_dir_all(&dir).map_err(|_| err(private().lookup_by_id(99))));
    let node = dir.join("node.xml");
    ok(std::fs::write(
        &node,
        "<node><auth><user password='2147483647'>marin</user>\
         <user password='87539319'>srinivasa</user><user>nopass</user></auth></node>",
    )
    .map_err(|_| err(private().lookup_by_id(99))));
    let uri = format!("test://{}", node.display());
    // Opens with `answers` (user, password) offering `types`; what was
    // asked, and the outcome as (code, domain, message).
    let open = |types: Vec<i32>, user: Option<&str>, pass: Option<&str>| {
        let asked = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let log = asked.clone();
        let (user, pass) = (user.map(str::to_string), pass.map(str::to_string));
        let auth = CallbackAuth::new(types, move |creds: &mut [Credential]| {
            for c in creds.iter_mut() {
                log.borrow_mut().push(c.prompt.clone());
                c.result = if c.kind == AUTHNAME {
                    user.clone()
                } else {
                    pass.clone()
                };
            }
            true
        });
        let r = Connect::open_auth(&uri, Box::new(auth), false)
            .map(|_| ())
            .map_err(|e| (e.code, e.domain, e.message));
        let asked = asked.borrow().clone();
        (asked, r)
    };
    let both = || vec![AUTHNAME, PASSPHRASE];
    let name_q = "Enter username for localhost".to_string();
    let (asked, r) = open(both(), Some("srinivasa"), Some("87539319"));
    assert_eq!(
        (asked, r),
        (
            vec![
                name_q.clone(),
                "Enter srinivasa's password for localhost".into()
            ],
            Ok(())
        )
    );
    let refused = Err((
        ErrorCode::AuthFailed,
        virt_core::ErrorDomain::Test,
        "authentication failed: authentication failed, see test XML for the correct username/password"
            .to_string(),
    ));
    assert_eq!(open(both(), Some("srinivasa"), Some("x")).1, refused);
    let (asked, r) = open(both(), Some("bob"), Some("87539319"));
    assert_eq!((asked.len(), r), (2, refused));
    // A user without a password is not asked for one.
    assert_eq!(
        open(both(), Some("nopass"), None),
        (vec![name_q.clone()], Ok(()))
    );
    // No name given: libvirt fails without setting an error.
    assert_eq!(
        open(both(), None, Some("87539319")).1,
        Err((
            ErrorCode::InternalError,
            virt_core::ErrorDomain::None,
            "An error occurred, but the cause is unknown".into()
        ))
    );
    assert_eq!(
        open(vec![AUTHNAME], Some("marin"), None).1.map_err(|e| e.2),
        Err("authentication failed: Missing VIR_CRED_PASSPHRASE or VIR_CRED_NOECHOPROMPT credential type".into())
    );
    // A plain open of a node file with users.
    let e = err(Connect::open(&uri));
    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (
            ErrorCode::InvalidArg,
            virt_core::ErrorDomain::Auth,
            "invalid argument: Missing authentication credentials"
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn host_interfaces_live_and_roll_back_as_libvirts() {
    use virt_core::interface_list_flags as f;
    let c = private();
    let eth1 = ok(c.interface_lookup_by_name("eth1"));
    assert_eq!(eth1.mac_string(), "aa:bb:cc:dd:ee:ff");
    assert!(ok(eth1.is_active()));
    assert_eq!(
        ok(c.interface_lookup_by_mac_string("AA:BB:CC:DD:EE:FF")).name(),
        "eth1"
    );
    let e = err(c.interface_lookup_by_name("nope"));
    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (
            ErrorCode::NoInterface,
            ErrorDomain::Test,
            "Interface not found: no interface with matching name 'nope'"
        )
    );
    assert_eq!(
        err(eth1.xml_desc(1)).message,
        "unsupported flags (0x1) in function testInterfaceGetXMLDesc"
    );
    assert!(ok(eth1.xml_desc(0)).ends_with("  <mac address='aa:bb:cc:dd:ee:ff'/>\n</interface>\n"));
    let br = ok(c.interface_define_xml(
        "<interface type='bridge' name='br0'><bridge/></interface>",
        0,
    ));
    assert_eq!(ok(c.list_defined_interfaces()), ["br0"]);
    assert_eq!(ok(c.num_of_interfaces()), 1);
    assert_eq!(ok(c.list_all_interfaces(f::INACTIVE)).len(), 1);
    assert_eq!(ok(c.list_all_interfaces(0)).len(), 2);
    assert_eq!(err(c.list_all_interfaces(4)).code, ErrorCode::InvalidArg);
    ok(br.create(0));
    let e = err(br.create(0));
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::OperationInvalid,
            "Requested operation is not valid"
        )
    );
    // A transaction: the rollback restores the definitions, all inactive.
    ok(c.interface_change_begin(0));
    assert_eq!(
        err(c.interface_change_begin(0)).message,
        "Requested operation is not valid: there is another transaction running."
    );
    ok(br.undefine());
    assert!(c.interface_lookup_by_name("br0").is_err());
    ok(c.interface_change_rollback(0));
    assert_eq!(ok(c.list_defined_interfaces()), ["eth1", "br0"]);
    assert!(err(c.interface_change_commit(0))
        .message
        .ends_with("no transaction running, nothing to be committed."));
    // A read-only connection may look but not change.
    let e = err(private_read_only().interface_change_begin(0));
    assert_eq!(e.code, ErrorCode::OperationDenied);
}

fn private_read_only() -> Connect {
    let node = match Node::builtin() {
        Ok(n) => n,
        Err(e) => panic!("built-in node: {e}"),
    };
    let uri = ok(Uri::parse("test:///default"));
    Connect::from_driver(Box::new(TestConnection::new(Arc::new(node))), uri, true)
}

#[test]
fn node_devices_list_by_capability_and_make_vhbas() {
    use virt_core::node_device_list_flags as f;
    let c = private();
    let cap = |n: &str| f::cap_bit(n).unwrap_or(0);
    let names = |flags| -> Vec<String> {
        ok(c.list_all_node_devices(flags))
            .iter()
            .map(|d| d.name().to_string())
            .collect()
    };
    assert_eq!(names(0).len(), 4);
    assert_eq!(names(cap("system")), ["computer"]);
    assert_eq!(names(cap("vports")), ["scsi_host1", "scsi_host2"]);
    assert_eq!(names(cap("fc_host")).len(), 3);
    assert_eq!(
        err(c.list_all_node_devices(f::ACTIVE)).message,
        "unsupported flags (0x80000000) in function testConnectListAllNodeDevices"
    );
    assert_eq!(ok(c.node_num_of_devices(Some("scsi_host"), 0)), 3);
    assert_eq!(ok(c.node_list_devices(Some("nonsense"), 0)).len(), 0);
    let h11 = ok(c.node_device_lookup_by_name("scsi_host11"));
    assert_eq!(ok(h11.parent()).as_deref(), Some("scsi_host1"));
    assert_eq!(ok(h11.list_caps()), ["scsi_host"]);
    let computer = ok(c.node_device_lookup_by_name("computer"));
    assert_eq!(ok(computer.parent()), None);
    assert_eq!(ok(computer.num_of_caps()), 1);
    let e = err(computer.is_active());
    assert_eq!(
        (e.code, e.domain),
        (ErrorCode::NoSupport, ErrorDomain::Nodedev)
    );
    let e = err(c.node_device_lookup_by_name("x"));
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::NoNodeDevice,
            "Node device not found: no node device with matching name 'x'"
        )
    );
    let vhba = "<device><parent>scsi_host1</parent><capability type='scsi_host'>\
                <capability type='fc_host'><wwnn>2001001b32a9da4e</wwnn>\
                <wwpn>2101001b32a9da4e</wwpn></capability></capability></device>";
    let d = ok(c.node_device_create_xml(vhba, 0));
    assert_eq!(d.name(), "scsi_host12");
    assert!(ok(d.xml_desc(0)).contains("<wwnn>2001001b32a9da4e</wwnn>"));
    ok(d.destroy());
    assert_eq!(err(d.destroy()).code, ErrorCode::NoNodeDevice);
    let pci = "<device><capability type='pci'/></device>";
    assert_eq!(
        err(c.node_device_create_xml(pci, 0)).code,
        ErrorCode::InvalidArg
    );
}

#[test]
fn node_files_bring_interfaces_and_devices() {
    let dir = temp_path("hostdev");
    ok(std::fs::create_dir_all(&dir).map_err(|_| err(private().lookup_by_id(99))));
    let ifile = dir.join("if.xml");
    ok(std::fs::write(
        &ifile,
        "<interface type='ethernet' name='eth5'><mac address='00:11:22:33:44:55'/></interface>",
    )
    .map_err(|_| err(private().lookup_by_id(99))));
    let node = dir.join("node.xml");
    ok(std::fs::write(
        &node,
        "<node><interface file='if.xml'/><device><name>root</name>\
         <capability type='system'/></device><device><name>kid</name><parent>root</parent>\
         <capability type='net'><interface>eth5</interface></capability></device></node>",
    )
    .map_err(|_| err(private().lookup_by_id(99))));
    let c = ok(crate::open_path(&node.to_string_lossy())
        .map(|d| Connect::from_driver(Box::new(d), ok(Uri::parse("test:///x")), false)));
    let eth5 = ok(c.interface_lookup_by_name("eth5"));
    assert!(ok(eth5.is_active()));
    assert_eq!(eth5.mac_string(), "00:11:22:33:44:55");
    assert_eq!(ok(c.node_list_devices(Some("net"), 0)), ["kid"]);
    let _ = std::fs::remove_dir_all(&dir);
}
