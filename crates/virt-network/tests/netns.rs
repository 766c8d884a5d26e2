//! Networks really started, as root, inside network namespaces the tests
//! make themselves (`unshare(CLONE_NEWNET)` in a thread of their own, so
//! nothing reaches the machine's own links, rules or routes): the
//! bridge, its address, dnsmasq answering DNS, the nft table and IP
//! forwarding are there while the network runs and gone after destroy;
//! refusals leave nothing behind.

use std::path::{Path, PathBuf};
use virt_core::{Connect, Error, Result, Uri};
use virt_network::netlink::{BridgeSpec, Netlink};
use virt_network::paths::Paths;
use virt_network::NetworkDriver;

fn ok<T>(r: Result<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("unexpected error: {e} ({:?})", e.code),
    }
}

fn err<T: std::fmt::Debug>(r: Result<T>) -> Error {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

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

/// Run `f` in a thread inside a new network namespace with `lo` up.
fn in_netns<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    if let Some(m) = missing() {
        println!("{what}: {m}; skipped");
        return None;
    }
    let h = std::thread::spawn(move || {
        // SAFETY: unshare(CLONE_NEWNET) moves only this new thread, which
        // owns no sockets yet and shares nothing that depends on the
        // namespace with the rest of the process.
        unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::NEWNET) }
            .expect("unshare(CLONE_NEWNET)");
        let mut nl = Netlink::open().expect("netlink");
        let lo = nl.link_index("lo").expect("lo").expect("lo exists");
        nl.set_up(lo, true).expect("lo up");
        f()
    });
    match h.join() {
        Ok(v) => Some(v),
        Err(p) => std::panic::resume_unwind(p),
    }
}

/// A fresh temp directory, removed when dropped.
struct Tmp(PathBuf);

impl Tmp {
    fn new(tag: &str) -> Tmp {
        let p = std::env::temp_dir().join(format!("virt-network-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        Tmp(p)
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn connect(root: &Path) -> Connect {
    let d = ok(NetworkDriver::with_paths(Paths::under(root, true)));
    Connect::from_driver(Box::new(d), ok(Uri::parse("qemu:///system")), false)
}

fn link_exists(name: &str) -> bool {
    Netlink::open()
        .and_then(|mut nl| nl.link_index(name))
        .expect("netlink")
        .is_some()
}

fn nft_table_exists(bridge: &str) -> bool {
    std::process::Command::new(virt_network::firewall::NFT)
        .args([
            "list",
            "table",
            "inet",
            &virt_network::firewall::table_name(bridge),
        ])
        .output()
        .expect("nft")
        .status
        .success()
}

fn ip_forward() -> String {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward")
        .expect("ip_forward")
        .trim()
        .to_string()
}

/// The files left in the runtime directory, bookkeeping marks aside.
fn run_files(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(Paths::under(root, true).run)
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
    let tmp = Tmp::new("life");
    let root = tmp.0.clone();
    in_netns("network_runs_and_leaves_nothing_after_destroy", move || {
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
    });
}

#[test]
fn refusals_leave_nothing_half_created() {
    let tmp = Tmp::new("bad");
    let root = tmp.0.clone();
    in_netns("refusals_leave_nothing_half_created", move || {
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
