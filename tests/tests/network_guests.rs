//! Two tiny Linux guests (`cargo xtask guest`, under TCG) on a virt-rs
//! network, with real packets, as root inside a network namespace this
//! test makes (nothing reaches the machine's own network): each guest
//! gets its DHCP lease from our dnsmasq, resolves a `<dns><host>` name,
//! pings the bridge and the other guest (whose fixed address was added
//! to the running network by `net-update`); `net-dhcp-leases` shows both;
//! domifstat counts each guest's traffic on its tap in this namespace
//! (not the process's), as libvirt reads it; after the guests and the
//! network are destroyed no bridge, tap, process, rule or file is left.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use virt_core::Connect;
use virt_network::netlink::Netlink;
use virt_testkit::guest::{serial_file, LinuxDomain, QEMU};

/// The guest's kernel and initrd, or why this test cannot run here.
fn prerequisites() -> Result<(PathBuf, PathBuf), String> {
    if !rustix::process::geteuid().is_root() {
        return Err("not root".into());
    }
    for (p, pkg) in [
        (virt_network::run::DNSMASQ, "dnsmasq-base"),
        (virt_network::firewall::NFT, "nftables"),
        (QEMU, "qemu-system-x86"),
    ] {
        if !Path::new(p).exists() {
            return Err(format!("{p} not installed (apt-get install {pkg})"));
        }
    }
    if !Path::new("/dev/net/tun").exists() {
        return Err("no /dev/net/tun".into());
    }
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/guest"));
    let (k, i) = (dir.join("vmlinuz"), dir.join("initrd.img"));
    if !(k.exists() && i.exists()) {
        return Err(format!(
            "no Linux test guest in {} (cargo xtask guest)",
            dir.display()
        ));
    }
    Ok((k, i))
}

fn guest_xml(
    name: &str,
    guest: &(PathBuf, PathBuf),
    console: &Path,
    mac: &str,
    args: &str,
) -> String {
    let devices = format!(
        "{}<interface type='network'><source network='guests'/><mac address='{mac}'/>\
         <model type='virtio'/></interface><memballoon model='none'/>",
        serial_file(console)
    );
    LinuxDomain {
        args: &format!("virtrs.net {args}"),
        devices: &devices,
        ..LinuxDomain::default()
    }
    .xml(name, guest)
}

const NETWORK: &str = "<network><name>guests</name><forward mode='nat'/>\
    <dns><host ip='10.88.0.50'><hostname>box.guests</hostname></host></dns>\
    <ip address='10.88.0.1' netmask='255.255.255.0'><dhcp>\
    <range start='10.88.0.100' end='10.88.0.200'/>\
    <host mac='52:54:00:aa:00:01' ip='10.88.0.11'/>\
    </dhcp></ip></network>";

/// Guest b's fixed address, given to the running network by `net-update`
/// (dnsmasq re-reads its hosts file on SIGHUP; without it b would lease
/// from the range).
const LATE_HOST: &str = "<host mac='52:54:00:aa:00:02' ip='10.88.0.12'/>";

/// The guest's reports so far ("lease ...", "ping ... ok").
fn reports(console: &Path) -> Vec<String> {
    std::fs::read_to_string(console)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim_end().strip_prefix("virt-rs test guest: "))
        .map(str::to_string)
        .collect()
}

fn wait_reports(console: &Path, want: &[&str], secs: u64) {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        let r = reports(console);
        if want.iter().all(|w| r.iter().any(|l| l == w)) {
            return;
        }
        let failed = r.iter().any(|l| l.ends_with(" fail") || l == "no lease");
        if failed || Instant::now() > end {
            panic!(
                "{} wanted {want:?}; console:\n{}",
                console.display(),
                std::fs::read_to_string(console).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn links() -> Vec<String> {
    Netlink::open()
        .and_then(|mut nl| nl.link_names())
        .expect("netlink")
}

#[test]
fn guests_on_a_network_lease_resolve_and_ping() {
    let guest = match prerequisites() {
        Ok(g) => g,
        Err(why) => {
            println!("guests_on_a_network_lease_resolve_and_ping: {why}; skipped");
            return;
        }
    };
    let root = std::env::temp_dir().join(format!("virt-net-guests-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("temp root");
    // This test binary holds this one test: the variable reaches only it.
    std::env::set_var("VIRT_QEMU_ROOT", &root);
    // The node's guests and networks are served in this process (as in
    // the daemon), not carried to a daemon over its socket.
    virt_drivers::serve_node();
    virt_drivers::register();
    let r = root.clone();
    let h = std::thread::spawn(move || {
        // SAFETY: unshare(CLONE_NEWNET) moves only this new thread, which
        // owns no sockets yet; QEMU and dnsmasq, forked from it, live in
        // the new namespace too.
        unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::NEWNET) }
            .expect("unshare(CLONE_NEWNET)");
        run(&r, &guest);
    });
    let result = h.join();
    let _ = std::fs::remove_dir_all(&root);
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}

fn run(root: &Path, guest: &(PathBuf, PathBuf)) {
    let c = Connect::open("qemu:///system").expect("qemu:///system");
    let net = c.network_define_xml(NETWORK, 0).expect("define network");
    net.create().expect("start network");
    let bridge = net.bridge_name().expect("bridge");
    net.update(
        virt_core::network_update::ADD_LAST,
        4, // ip-dhcp-host
        -1,
        LATE_HOST,
        virt_core::network_update::AFFECT_LIVE,
    )
    .expect("net-update add ip-dhcp-host --live");
    let (ca, cb) = (root.join("a.log"), root.join("b.log"));
    let mut a = c
        .create_xml(
            &guest_xml(
                "a",
                guest,
                &ca,
                "52:54:00:aa:00:01",
                "virtrs.lookup=box.guests virtrs.ping=10.88.0.1 virtrs.ping=10.88.0.12",
            ),
            0,
        )
        .expect("start guest a");
    let mut b = c
        .create_xml(
            &guest_xml(
                "b",
                guest,
                &cb,
                "52:54:00:aa:00:02",
                "virtrs.ping=10.88.0.11",
            ),
            0,
        )
        .expect("start guest b");
    let taps: Vec<String> = links()
        .into_iter()
        .filter(|l| l.starts_with("vnet"))
        .collect();
    assert_eq!(taps.len(), 2, "one tap per guest: {taps:?}");
    wait_reports(
        &ca,
        &[
            "lease 10.88.0.11/24",
            "lookup box.guests 10.88.0.50",
            "ping 10.88.0.1 ok",
            "ping 10.88.0.12 ok",
        ],
        300,
    );
    wait_reports(&cb, &["lease 10.88.0.12/24", "ping 10.88.0.11 ok"], 300);
    interface_counters(&a, &taps);
    let mut leased: Vec<String> = net
        .dhcp_leases(None, 0)
        .expect("leases")
        .into_iter()
        .map(|l| {
            format!(
                "{} {} {}/{}",
                l.iface,
                l.mac.unwrap_or_default(),
                l.ip_addr,
                l.prefix
            )
        })
        .collect();
    leased.sort();
    assert_eq!(
        leased,
        [
            format!("{bridge} 52:54:00:aa:00:01 10.88.0.11/24"),
            format!("{bridge} 52:54:00:aa:00:02 10.88.0.12/24"),
        ]
    );
    a.destroy().expect("destroy a");
    b.destroy().expect("destroy b");
    net.destroy().expect("destroy network");
    net.undefine().expect("undefine network");
    let left: Vec<String> = links().into_iter().filter(|l| l != "lo").collect();
    assert!(left.is_empty(), "links left: {left:?}");
    let rules = std::process::Command::new(virt_network::firewall::NFT)
        .args(["list", "ruleset"])
        .output()
        .expect("nft");
    assert!(
        rules.stdout.is_empty(),
        "rules left: {}",
        String::from_utf8_lossy(&rules.stdout)
    );
    let procs = std::process::Command::new("pgrep")
        .args(["-f", &root.display().to_string()])
        .output()
        .expect("pgrep");
    assert!(
        procs.stdout.is_empty(),
        "processes left: {}",
        String::from_utf8_lossy(&procs.stdout)
    );
    let run = virt_network::paths::under(root, true).run;
    let files: Vec<_> = std::fs::read_dir(&run)
        .expect("run dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert!(files.is_empty(), "files left: {files:?}");
}

/// The 16 counters of `dev` in this thread's namespace's /proc/net/dev.
fn tap_counters(dev: &str) -> Vec<i64> {
    let text = std::fs::read_to_string("/proc/thread-self/net/dev").expect("net/dev");
    text.lines()
        .find_map(|l| {
            let (name, rest) = l.split_once(':')?;
            (name.trim() == dev).then(|| {
                rest.split_whitespace()
                    .filter_map(|n| n.parse().ok())
                    .collect()
            })
        })
        .unwrap_or_else(|| panic!("{dev} not in this namespace's /proc/net/dev"))
}

/// domifstat of guest `a` on its tap, by the tap's name and by the MAC:
/// the guest's DHCP and pings counted, received what the tap sent and
/// sent what it received (libvirt swaps a tap's counters), between two
/// reads of the tap's own counters.
fn interface_counters(a: &virt_core::Domain, taps: &[String]) {
    let xml = a.xml_desc(0).expect("live xml");
    let tap = taps
        .iter()
        .find(|t| xml.contains(&format!("<target dev='{t}'/>")))
        .unwrap_or_else(|| panic!("no tap of {taps:?} in\n{xml}"));
    let before = tap_counters(tap);
    let by_name = a.interface_stats(tap).expect("domifstat by tap name");
    let by_mac = a
        .interface_stats("52:54:00:aa:00:01")
        .expect("domifstat by MAC");
    let after = tap_counters(tap);
    for s in [&by_name, &by_mac] {
        assert!(s.rx_packets > 0 && s.tx_packets > 0, "{s:?}");
        assert!(
            (before[8]..=after[8]).contains(&s.rx_bytes),
            "{s:?} {before:?} {after:?}"
        );
        assert!((before[9]..=after[9]).contains(&s.rx_packets), "{s:?}");
        assert!((before[0]..=after[0]).contains(&s.tx_bytes), "{s:?}");
        assert!((before[1]..=after[1]).contains(&s.tx_packets), "{s:?}");
    }
}
