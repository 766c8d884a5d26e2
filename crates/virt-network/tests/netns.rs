//! Networks really started, as root, inside network namespaces the tests
//! make themselves (`unshare(CLONE_NEWNET)` in a thread of their own, so
//! nothing reaches the machine's own links, rules or routes): the
//! bridge, its address, dnsmasq answering DNS, the nft table and IP
//! forwarding are there while the network runs and gone after destroy;
//! refusals leave nothing behind.

use std::path::{Path, PathBuf};
use virt_core::{Connect, Uri};
use virt_network::netlink::{BridgeSpec, Netlink};
use virt_network::paths;
use virt_network::NetworkDriver;
use virt_testkit::{err, ok, TempDir};

/// What these tests need, or the line saying what is missing.
fn missing() -> Option<String> {
    if !rustix::process::geteuid().is_root() {
        return Some("not root".into());
    }
    for (p, pkg) in [
        (virt_network::run::DNSMASQ, "dnsmasq-base"),
        (virt_network::firewall::NFT, "nftables"),
    ] {
        if !Path::new(p).exists() {
            return Some(format!("{p} not installed (apt-get install {pkg})"));
        }
    }
    None
}

/// Run `f` in a thread inside a new network namespace with `lo` up,
/// handing it a fresh state root (removed after).
fn in_netns<T: Send + 'static>(
    what: &str,
    f: impl FnOnce(PathBuf) -> T + Send + 'static,
) -> Option<T> {
    if let Some(m) = missing() {
        println!("{what}: {m}; skipped");
        return None;
    }
    let tmp = TempDir::new(&format!("network-{what}"));
    let root = tmp.0.clone();
    let h = std::thread::spawn(move || {
        // SAFETY: unshare(CLONE_NEWNET) moves only this new thread, which
        // owns no sockets yet and shares nothing that depends on the
        // namespace with the rest of the process.
        unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::NEWNET) }
            .expect("unshare(CLONE_NEWNET)");
        let mut nl = Netlink::open().expect("netlink");
        let lo = nl.link_index("lo").expect("lo").expect("lo exists");
        nl.set_up(lo, true).expect("lo up");
        f(root)
    });
    match h.join() {
        Ok(v) => Some(v),
        Err(p) => std::panic::resume_unwind(p),
    }
}

fn connect(root: &Path) -> Connect {
    let d = ok(NetworkDriver::with_paths(paths::under(root, true)));
    Connect::from_driver(Box::new(d), ok(Uri::parse("qemu:///system")), false)
}

fn link_exists(name: &str) -> bool {
    Netlink::open()
        .and_then(|mut nl| nl.link_index(name))
        .expect("netlink")
        .is_some()
}

/// The nft table of the network on `bridge` as `nft list` prints it, or
/// `None` when there is none.
fn nft_table(bridge: &str) -> Option<String> {
    let out = std::process::Command::new(virt_network::firewall::NFT)
        .args([
            "list",
            "table",
            "inet",
            &virt_network::firewall::table_name(bridge),
        ])
        .output()
        .expect("nft");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn nft_table_exists(bridge: &str) -> bool {
    nft_table(bridge).is_some()
}

fn ip_forward() -> String {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward")
        .expect("ip_forward")
        .trim()
        .to_string()
}

/// The files left in the runtime directory, bookkeeping marks aside.
fn run_files(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(paths::under(root, true).run)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    v.sort();
    v
}

/// The pid of the dnsmasq started on a configuration under `root`.
fn dnsmasq_pid(root: &Path) -> Option<u32> {
    let out = std::process::Command::new("pgrep")
        .args(["-f", &format!("dnsmasq --conf-file={}", root.display())])
        .output()
        .expect("pgrep");
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

const NAT: &str = "<network><name>lan</name><forward mode='nat'/>\
    <dns><host ip='10.77.0.50'><hostname>box.lan</hostname></host></dns>\
    <ip address='10.77.0.1' netmask='255.255.255.0'><dhcp><range start='10.77.0.2' end='10.77.0.99'/></dhcp></ip></network>";

#[test]
fn network_runs_and_leaves_nothing_after_destroy() {
    in_netns(
        "network_runs_and_leaves_nothing_after_destroy",
        move |root| {
            let before = ip_forward();
            let c = connect(&root);
            // Lifecycle events, seen by another connection to the same node.
            let watcher = connect(&root);
            let events = ok(watcher.subscribe(virt_core::EventFilter::all()));
            let net = ok(c.network_define_xml(NAT, 0));
            let bridge = ok(net.bridge_name());
            assert_eq!(bridge, "virbr0", "the first free virbrN");
            assert!(!link_exists(&bridge));
            ok(net.create());
            assert!(ok(net.is_active()));
            assert!(link_exists(&bridge));
            assert!(nft_table_exists(&bridge));
            assert_eq!(ip_forward(), "1");
            // DNS and DHCP answers need a client on the bridge: the guest
            // tests of virt-qemu ask them; here the server is up.
            let pid = dnsmasq_pid(&root).expect("dnsmasq running");
            assert!(Path::new(&format!("/proc/{pid}")).exists());
            let xml = ok(net.xml_desc(0));
            assert!(xml.contains("<bridge name='virbr0'"), "{xml}");
            assert!(xml.contains("<mac address='52:54:00:"), "{xml}");

            // A second process (or a restarted daemon) finds it running.
            let again = connect(&root);
            let net2 = ok(again.network_lookup_by_name("lan"));
            assert!(ok(net2.is_active()));
            ok(net2.destroy());

            assert!(!ok(net.is_active()));
            assert!(!link_exists(&bridge), "bridge left behind");
            assert!(!nft_table_exists(&bridge), "nft table left behind");
            assert_eq!(ip_forward(), before);
            assert_eq!(run_files(&root), Vec::<String>::new(), "files left behind");
            assert_eq!(dnsmasq_pid(&root), None, "dnsmasq left running");
            ok(net.undefine());
            use virt_core::{Delivery, Event, NetworkEventKind, NetworkLifecycleEvent as L};
            let mut seen = Vec::new();
            while let Some(d) = events.recv_timeout(std::time::Duration::from_secs(5)) {
                if let Delivery::Event(Event::Network {
                    net,
                    kind: NetworkEventKind::Lifecycle { event, .. },
                }) = d
                {
                    seen.push((net.name, event));
                }
                if seen.len() == 4 {
                    break;
                }
            }
            let lan = |e| ("lan".to_string(), e);
            assert_eq!(
                seen,
                [
                    lan(L::Defined),
                    lan(L::Started),
                    lan(L::Stopped),
                    lan(L::Undefined)
                ]
            );
        },
    );
}

#[test]
fn refusals_leave_nothing_half_created() {
    in_netns("refusals_leave_nothing_half_created", move |root| {
        let c = connect(&root);
        // A bridge name taken by a device we do not own: the start fails
        // with the kernel's reason and the device stays as it was.
        Netlink::open()
            .expect("netlink")
            .create_bridge(&BridgeSpec {
                name: "virbr9",
                mac: [0x52, 0x54, 0, 1, 2, 3],
                stp: false,
                delay: 0,
                mtu: None,
            })
            .expect("foreign bridge");
        let taken = NAT.replace(
            "<forward mode='nat'/>",
            "<forward mode='nat'/><bridge name='virbr9'/>",
        );
        let e = err(c.network_create_xml(&taken, 0));
        assert_eq!(e.message, "Unable to create bridge virbr9: File exists");
        assert!(
            link_exists("virbr9"),
            "a bridge we did not make was removed"
        );
        assert!(!nft_table_exists("virbr9"));
        assert_eq!(run_files(&root), Vec::<String>::new());

        // Overlapping subnets: the second network is refused whole.
        let a = ok(c.network_create_xml(NAT, 0));
        let other = NAT.replace("<name>lan</name>", "<name>lan2</name>");
        let e = err(c.network_create_xml(&other, 0));
        assert_eq!(
            e.message,
            "internal error: Network is already in use by interface virbr0"
        );
        assert!(!link_exists("virbr1"));
        assert!(err(c.network_lookup_by_name("lan2"))
            .message
            .contains("no network with matching name 'lan2'"));
        ok(a.destroy());

        // Values that would inject into dnsmasq's configuration or an nft
        // rule are refused at define time, nothing stored.
        let nat = "<forward mode='nat'/>";
        for (from, bad, what) in [
            (
                nat,
                "<forward mode='nat'/><bridge name='vir\"br'/>",
                "bridge name",
            ),
            (
                nat,
                "<forward mode='nat' dev='eth0;drop'/>",
                "forward device",
            ),
            (
                nat,
                "<forward mode='nat'/><bridge name='virbr0123456789x'/>",
                "bridge name",
            ),
            ("box.lan<", "box.lan\ndhcp-script=/bin/sh<", "line break"),
        ] {
            let xml = NAT.replace(from, bad);
            match c.network_define_xml(&xml, 0) {
                Ok(_) => panic!("{bad}: accepted"),
                Err(e) => assert!(e.message.contains(what), "{bad}: {}", e.message),
            }
        }
        assert!(ok(c.list_all_networks(0)).is_empty());
        assert_eq!(run_files(&root), Vec::<String>::new());
    });
}

/// The addresses a DNS server at `server` gives for `name` (type A), or
/// none when it answers without one or not at all within a second.
fn resolve(server: std::net::Ipv4Addr, name: &str) -> Vec<std::net::Ipv4Addr> {
    let mut q = vec![0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    let sock = std::net::UdpSocket::bind("0.0.0.0:0").expect("udp socket");
    sock.set_read_timeout(Some(std::time::Duration::from_secs(1)))
        .expect("timeout");
    sock.send_to(&q, (server, 53)).expect("send query");
    let mut buf = [0u8; 512];
    let Ok(n) = sock.recv(&mut buf) else {
        return Vec::new();
    };
    let r = &buf[..n];
    let answers = u16::from_be_bytes([r[6], r[7]]);
    // Skip the question (echoed as sent), then read each answer record
    // (its name a 2-byte pointer to the question's).
    let mut at = q.len();
    let mut out = Vec::new();
    for _ in 0..answers {
        let Some(rec) = r.get(at..at + 12) else { break };
        let kind = u16::from_be_bytes([rec[2], rec[3]]);
        let len = u16::from_be_bytes([rec[10], rec[11]]) as usize;
        if let (1, 4, Some(a)) = (kind, len, r.get(at + 12..at + 16)) {
            out.push(std::net::Ipv4Addr::new(a[0], a[1], a[2], a[3]));
        }
        at += 12 + len;
    }
    out
}

/// Whether process `pid` runs (exists and has not exited: a zombie its
/// reaper has yet to collect does not run).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| Some(s.rsplit_once(')')?.1.trim_start().starts_with(|c| c != 'Z')))
        .unwrap_or(false)
}

/// Poll `f` for up to five seconds until it holds.
fn eventually(mut f: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    f()
}

#[test]
fn live_updates_reach_dnsmasq() {
    use virt_core::{network_update as u, ErrorCode};
    in_netns("live_updates_reach_dnsmasq", move |root| {
        let c = connect(&root);
        let net = ok(c.network_define_xml(NAT, 0));
        // Not running: a live change is refused, a config change kept.
        let e = err(net.update(
            u::ADD_LAST,
            10,
            -1,
            "<host ip='10.77.0.60'><hostname>early.lan</hostname></host>",
            u::AFFECT_LIVE,
        ));
        assert_eq!(e.code, ErrorCode::OperationInvalid);
        assert_eq!(
            e.message,
            "Requested operation is not valid: network is not running"
        );
        ok(net.update(
            u::ADD_LAST,
            10,
            -1,
            "<host ip='10.77.0.60'><hostname>early.lan</hostname></host>",
            0,
        ));
        ok(net.create());
        let gw = std::net::Ipv4Addr::new(10, 77, 0, 1);
        assert!(eventually(
            || resolve(gw, "box.lan") == [std::net::Ipv4Addr::new(10, 77, 0, 50)]
        ));
        assert_eq!(
            resolve(gw, "early.lan"),
            [std::net::Ipv4Addr::new(10, 77, 0, 60)]
        );
        let pid = dnsmasq_pid(&root).expect("dnsmasq");

        // A DNS host added live is answered by the same dnsmasq (SIGHUP:
        // it re-reads its hosts files), and only the live definition has it.
        ok(net.update(
            u::ADD_LAST,
            10,
            -1,
            "<host ip='10.77.0.70'><hostname>late.lan</hostname></host>",
            u::AFFECT_LIVE,
        ));
        assert!(
            eventually(|| resolve(gw, "late.lan") == [std::net::Ipv4Addr::new(10, 77, 0, 70)]),
            "the new name is not served"
        );
        assert_eq!(dnsmasq_pid(&root), Some(pid), "dnsmasq was restarted");
        assert!(ok(net.xml_desc(0)).contains("late.lan"));
        assert!(!ok(net.xml_desc(virt_core::network_xml_flags::INACTIVE)).contains("late.lan"));

        // A DHCP host goes to the hosts file dnsmasq re-reads.
        ok(net.update(
            u::ADD_LAST,
            4,
            -1,
            "<host mac='52:54:00:00:00:42' name='fixed' ip='10.77.0.42'/>",
            u::AFFECT_LIVE | u::AFFECT_CONFIG,
        ));
        let hosts = std::fs::read_to_string(paths::under(&root, true).run.join("lan.hostsfile"))
            .expect("hostsfile");
        assert_eq!(hosts, "52:54:00:00:00:42,10.77.0.42,fixed\n");
        assert_eq!(dnsmasq_pid(&root), Some(pid));
        assert!(ok(net.xml_desc(virt_core::network_xml_flags::INACTIVE)).contains("10.77.0.42"));
        // Deleting it empties the file again.
        ok(net.update(
            u::DELETE,
            4,
            -1,
            "<host mac='52:54:00:00:00:42' name='fixed' ip='10.77.0.42'/>",
            u::AFFECT_LIVE,
        ));
        let hosts = std::fs::read_to_string(paths::under(&root, true).run.join("lan.hostsfile"))
            .expect("hostsfile");
        assert_eq!(hosts, "");

        // A range is a line of the configuration: dnsmasq is restarted on
        // the new one, and the network stays served.
        ok(net.update(
            u::ADD_LAST,
            5,
            -1,
            "<range start='10.77.0.150' end='10.77.0.160'/>",
            u::AFFECT_LIVE,
        ));
        let conf =
            std::fs::read_to_string(paths::under(&root, true).run.join("lan.conf")).expect("conf");
        assert!(
            conf.contains("dhcp-range=10.77.0.150,10.77.0.160,255.255.255.0\n"),
            "{conf}"
        );
        let new_pid = dnsmasq_pid(&root).expect("dnsmasq after restart");
        assert_ne!(new_pid, pid);
        assert!(!running(pid), "old dnsmasq left");
        assert!(eventually(
            || resolve(gw, "late.lan") == [std::net::Ipv4Addr::new(10, 77, 0, 70)]
        ));

        // libvirt's refusals, nothing changed.
        let e = err(net.update(u::MODIFY, 1, -1, "<bridge name='x'/>", 0));
        assert_eq!(e.code, ErrorCode::OperationUnsupported, "{}", e.message);
        let e = err(net.update(
            u::ADD_LAST,
            10,
            -1,
            "<host ip='10.77.0.70'><hostname>late.lan</hostname></host>",
            0,
        ));
        assert_eq!(e.code, ErrorCode::OperationInvalid, "{}", e.message);
        let e = err(net.update(
            9,
            10,
            -1,
            "<host ip='10.77.0.71'><hostname>x.lan</hostname></host>",
            0,
        ));
        assert_eq!(
            e.message,
            "Operation not supported: unrecognized network update command code 9"
        );
        let e = err(net.update(u::ADD_LAST, 13, -1, "<x/>", 0));
        assert_eq!(
            e.message,
            "Operation not supported: can't update unrecognized section of network"
        );
        assert_eq!(dnsmasq_pid(&root), Some(new_pid));

        // Destroy still removes everything, the restarted dnsmasq too.
        ok(net.destroy());
        assert_eq!(dnsmasq_pid(&root), None, "dnsmasq left running");
        assert_eq!(run_files(&root), Vec::<String>::new(), "files left behind");
        ok(net.undefine());
    });
}

#[test]
fn ipv6_network_with_nat66_and_dhcpv6() {
    in_netns("ipv6_network_with_nat66_and_dhcpv6", move |root| {
        let c = connect(&root);
        let xml = "<network><name>six</name><forward mode='nat'><nat ipv6='yes'/></forward>\
            <ip address='10.78.0.1' prefix='24'/>\
            <ip family='ipv6' address='fd00:78::1' prefix='64'><dhcp>\
            <range start='fd00:78::100' end='fd00:78::1ff'/></dhcp></ip></network>";
        let net = ok(c.network_create_xml(xml, 0));
        let bridge = ok(net.bridge_name());
        let sysctl = |k: &str| {
            std::fs::read_to_string(format!("/proc/sys/net/ipv6/conf/{k}"))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        assert_eq!(sysctl(&format!("{bridge}/disable_ipv6")), "0");
        assert_eq!(sysctl(&format!("{bridge}/accept_ra")), "0");
        assert_eq!(sysctl("all/forwarding"), "1");
        let rules = nft_table(&bridge).unwrap_or_default();
        assert!(
            rules.contains("ip6 saddr fd00:78::/64 ip6 daddr != fd00:78::/64 masquerade"),
            "{rules}"
        );
        // dnsmasq serves DHCPv6 (port 547) on the bridge's address.
        assert!(
            eventually(|| std::fs::read_to_string("/proc/thread-self/net/udp6")
                .unwrap_or_default()
                .lines()
                .any(|l| l
                    .split_whitespace()
                    .nth(1)
                    .is_some_and(|a| a.ends_with(":0223")))),
            "no DHCPv6 server"
        );
        ok(net.destroy());
        assert_eq!(sysctl("all/forwarding"), "0");
        assert!(!link_exists(&bridge));
        assert!(!nft_table_exists(&bridge));
        assert_eq!(dnsmasq_pid(&root), None);
        assert_eq!(run_files(&root), Vec::<String>::new());

        // An IPv4-only network's bridge gets no IPv6 at all, as libvirt's.
        let v4 = ok(c.network_create_xml(NAT, 0));
        let b4 = ok(v4.bridge_name());
        assert_eq!(sysctl(&format!("{b4}/disable_ipv6")), "1");
        ok(v4.destroy());
    });
}

#[test]
fn forward_interface_update_replaces_the_rules() {
    use virt_core::network_update as u;
    in_netns("forward_interface_update_replaces_the_rules", move |root| {
        let c = connect(&root);
        let xml =
            "<network><name>out</name><forward mode='nat'><interface dev='uplink7'/></forward>\
            <ip address='10.79.0.1' prefix='24'/></network>";
        let net = ok(c.network_create_xml(xml, 0));
        let bridge = ok(net.bridge_name());
        let rules = || nft_table(&bridge).unwrap_or_default();
        assert!(rules().contains("oifname \"uplink7\""), "{}", rules());
        ok(net.update(u::ADD_FIRST, 7, -1, "<interface dev='uplink8'/>", 0));
        let now = rules();
        assert!(now.contains("oifname \"uplink8\""), "{now}");
        assert!(!now.contains("uplink7"), "{now}");
        ok(net.update(u::DELETE, 7, -1, "<interface dev='uplink8'/>", 0));
        assert!(rules().contains("oifname \"uplink7\""), "{}", rules());
        ok(net.destroy());
        assert!(!nft_table_exists(&bridge));
    });
}
