//! The stacked `xen:///` driver against a fake xenstored and a fake xend
//! holding the same domains: who answers what, in which order, what a
//! read-only connection opens, and virsh with the `xen` feature.

#![allow(clippy::unwrap_used)] // An integration test crate: helpers outside #[test] functions too.

use std::path::{Path, PathBuf};
use std::process::Command;

use virt_core::{list_flags, Connect, DomainState, ErrorCode, Uuid};
use virt_xen::{Member, XenEndpoints, XenstoreAt};
use virt_xend::fake::FakeXend;
use virt_xenstore::fake::{FakeGuest, FakeXenstored};

const WEB_UUID: &str = "c7a5fdbd-edaf-9455-926a-d65c16db1809";
const DB_UUID: &str = "d0d15e9e-6b1b-4d86-8f7e-5a4f2bd4ef11";
const SPARE_UUID: &str = "0a5a4ce1-76a4-4b32-9d8e-8b3bd8e0c0de";

fn vm(name: &str, uuid: &str, memory_mib: u64, vcpus: u32) -> String {
    format!(
        "(vm (name '{name}')(memory {memory_mib})(maxmem {memory_mib})(vcpus {vcpus})(uuid '{uuid}')\
         (on_poweroff 'destroy')(on_reboot 'restart')(on_crash 'restart')\
         (image (linux (kernel '/boot/vmlinuz')(ramdisk '/boot/initrd.img')(args 'root=/dev/xvda1 ro')))\
         (device (vbd (dev 'xvda')(uname 'file:/var/lib/xen/images/{name}.img')(mode 'w')))\
         (device (vif (mac '00:16:3e:00:00:0{vcpus}')(bridge 'xenbr0'))))"
    )
}

/// xenstore and xend describing one node: Domain-0, "web" (PV, 2 vCPUs)
/// and "db" running, "spare" defined in xend only.
struct Node {
    xenstore: FakeXenstored,
    xend: FakeXend,
    web: u32,
    db: u32,
}

impl Node {
    fn new() -> Node {
        let xend = FakeXend::start().unwrap();
        let web = xend.add_running(&vm("web", WEB_UUID, 256, 2)).unwrap();
        let db = xend.add_running(&vm("db", DB_UUID, 512, 1)).unwrap();
        xend.add_defined(&vm("spare", SPARE_UUID, 128, 1)).unwrap();
        let xenstore = FakeXenstored::start().unwrap();
        xenstore.populate_dom0(1_048_576).unwrap();
        let mut g = FakeGuest::new(web, "web", Uuid::parse_str(WEB_UUID).unwrap());
        g.memory_kib = 262_144;
        g.max_memory_kib = 262_144;
        g.vcpus = 2;
        g.tty = Some("/dev/pts/7".into());
        xenstore.add_guest(&g).unwrap();
        let mut g = FakeGuest::new(db, "db", Uuid::parse_str(DB_UUID).unwrap());
        g.memory_kib = 524_288;
        g.max_memory_kib = 524_288;
        xenstore.add_guest(&g).unwrap();
        Node {
            xenstore,
            xend,
            web,
            db,
        }
    }

    /// Run `virsh -c xen:///` against these fakes: (stdout, stderr, exit).
    fn virsh(&self, virsh: &Path, args: &[&str]) -> (String, String, Option<i32>) {
        let out = Command::new(virsh)
            .args(["-c", "xen:///"])
            .args(args)
            .env("XENSTORED_PATH", self.xenstore.socket_path())
            .env("VIRT_XEND", self.xend.socket_path())
            .env_remove("LIBVIRT_DEFAULT_URI")
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code(),
        )
    }

    fn endpoints(&self) -> XenEndpoints {
        XenEndpoints {
            hypervisor: false,
            xenstore: XenstoreAt::Sockets {
                read_write: self.xenstore.socket_path().to_path_buf(),
                read_only: self.xenstore.socket_ro_path().to_path_buf(),
            },
            xend: Some(vec![self.xend.endpoint()]),
        }
    }

    fn open(&self, endpoints: &XenEndpoints, read_only: bool) -> (Connect, Vec<Member>) {
        let stack = virt_xen::open_with(endpoints, read_only).unwrap();
        let members = stack.members().to_vec();
        (stack.into_connect().unwrap(), members)
    }
}

fn unreachable_xenstore() -> XenstoreAt {
    XenstoreAt::Sockets {
        read_write: PathBuf::from("/nonexistent/xenstored/socket"),
        read_only: PathBuf::from("/nonexistent/xenstored/socket_ro"),
    }
}

#[test]
fn lookups_come_from_xenstore_and_changes_go_to_xend() {
    let node = Node::new();
    let (conn, members) = node.open(&node.endpoints(), false);
    assert_eq!(members, [Member::Xenstore, Member::Xend]);
    assert_eq!(conn.type_name(), "Xen");
    node.xend.clear_requests();

    // Running domains: xenstore answers, xend is not asked.
    let web = conn.lookup_by_name("web").unwrap();
    assert_eq!(
        (web.id(), web.uuid_string().as_str()),
        (Some(node.web), WEB_UUID)
    );
    assert_eq!(conn.lookup_by_id(node.db).unwrap().name(), "db");
    let by_uuid = conn.lookup_by_uuid_string(WEB_UUID).unwrap();
    assert_eq!(by_uuid.name(), "web");
    assert_eq!(conn.list_domains().unwrap(), [0, node.web, node.db]);
    assert_eq!(conn.num_of_domains().unwrap(), 3);
    let running: Vec<String> = conn
        .list_all_domains(list_flags::ACTIVE)
        .unwrap()
        .iter()
        .map(|d| d.name().to_string())
        .collect();
    assert_eq!(running, ["Domain-0", "web", "db"]);
    assert!(web.is_active().unwrap());
    assert!(
        node.xend.request_lines().is_empty(),
        "xend was asked: {:?}",
        node.xend.request_lines()
    );

    // Without hypercalls, what xenstore cannot tell is xend's.
    assert_eq!(web.max_memory().unwrap(), 262_144);
    assert_eq!(web.os_type().unwrap(), "linux");

    // Changes: xend, and only xend.
    web.suspend().unwrap();
    assert_eq!(web.info().unwrap().state, DomainState::Paused);
    web.resume().unwrap();
    assert_eq!(web.info().unwrap().state, DomainState::Running);
    web.shutdown().unwrap();
    let db_shutdown = format!("/local/domain/{}/control/shutdown", node.db);
    let db_before = node.xenstore.read(&db_shutdown);
    let mut db = conn.lookup_by_name("db").unwrap();
    db.destroy().unwrap();
    let posts: Vec<String> = node
        .xend
        .requests()
        .iter()
        .filter(|r| r.starts_with(b"POST "))
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect();
    for op in ["op=pause", "op=unpause", "op=shutdown", "op=destroy"] {
        assert!(posts.iter().any(|p| p.contains(op)), "no {op} in {posts:?}");
    }
    // xenstore's control/shutdown was not used: xend did the shutdown.
    assert_eq!(
        node.xenstore
            .read(&format!("/local/domain/{}/control/shutdown", node.web))
            .unwrap(),
        b""
    );
    assert_eq!(node.xenstore.read(&db_shutdown), db_before);
}

#[test]
fn inactive_domains_come_from_xend() {
    let node = Node::new();
    let (conn, _) = node.open(&node.endpoints(), false);
    let all: Vec<(String, Option<u32>)> = conn
        .list_all_domains(list_flags::ACTIVE | list_flags::INACTIVE)
        .unwrap()
        .iter()
        .map(|d| (d.name().to_string(), d.id()))
        .collect();
    assert!(all.contains(&("spare".into(), None)), "{all:?}");
    assert!(all.contains(&("web".into(), Some(node.web))), "{all:?}");
    assert_eq!(all.len(), 4, "{all:?}");
    let inactive: Vec<String> = conn
        .list_all_domains(list_flags::INACTIVE)
        .unwrap()
        .iter()
        .map(|d| d.name().to_string())
        .collect();
    assert_eq!(inactive, ["spare"]);
    assert_eq!(conn.list_defined_domains().unwrap(), ["spare"]);
    assert_eq!(conn.num_of_defined_domains().unwrap(), 1);

    // A lookup xenstore misses falls through to xend.
    let spare = conn.lookup_by_name("spare").unwrap();
    assert_eq!(
        (spare.id(), spare.uuid_string().as_str()),
        (None, SPARE_UUID)
    );
    assert!(!spare.is_active().unwrap());
    assert!(spare.is_persistent().unwrap());
    assert_eq!(spare.info().unwrap().state, DomainState::Shutoff);
    assert_eq!(
        conn.lookup_by_uuid_string(SPARE_UUID).unwrap().name(),
        "spare"
    );
    // Nobody knows it: xend's not-found is the answer.
    let e = conn.lookup_by_name("nobody").unwrap_err();
    assert_eq!(e.code, ErrorCode::NoDomain);
    // State filters are xend's too.
    let paused = conn.list_all_domains(list_flags::PAUSED).unwrap();
    assert!(paused.is_empty());
    let xml = conn.lookup_by_name("web").unwrap().xml_desc(0).unwrap();
    assert!(
        xml.starts_with(&format!("<domain type='xen' id='{}'>", node.web)),
        "{xml}"
    );
    assert!(xml.contains(WEB_UUID), "{xml}");
}

#[test]
fn xenstore_unreachable_leaves_xend_to_answer() {
    let node = Node::new();
    let mut at = node.endpoints();
    at.xenstore = unreachable_xenstore();
    let (conn, members) = node.open(&at, false);
    assert_eq!(members, [Member::Xend]);
    node.xend.clear_requests();
    let web = conn.lookup_by_name("web").unwrap();
    assert_eq!(web.id(), Some(node.web));
    assert!(
        !node.xend.request_lines().is_empty(),
        "xend answered the lookup"
    );
    assert_eq!(conn.lookup_by_id(node.db).unwrap().name(), "db");
}

#[test]
fn xend_unreachable_leaves_xenstore_alone() {
    let node = Node::new();
    let mut at = node.endpoints();
    at.xend = Some(vec![virt_xend::XendEndpoint::Unix(PathBuf::from(
        "/nonexistent/xend-socket",
    ))]);
    let (conn, members) = node.open(&at, false);
    assert_eq!(members, [Member::Xenstore]);
    let names: Vec<String> = conn
        .list_all_domains(list_flags::ACTIVE | list_flags::INACTIVE)
        .unwrap()
        .iter()
        .map(|d| d.name().to_string())
        .collect();
    assert_eq!(names, ["Domain-0", "web", "db"]);
    assert_eq!(
        conn.lookup_by_name("spare").unwrap_err().code,
        ErrorCode::NoDomain
    );
    // Without xend, xenstore asks the guest itself.
    let web = conn.lookup_by_name("web").unwrap();
    web.shutdown().unwrap();
    assert_eq!(
        node.xenstore
            .read(&format!("/local/domain/{}/control/shutdown", node.web))
            .unwrap(),
        b"poweroff"
    );
    // Pausing needs the hypervisor or xend.
    assert_eq!(web.suspend().unwrap_err().code, ErrorCode::NoSupport);
    assert_eq!(node.xend.post_count(), 0);
}

#[test]
fn read_only_opens_only_readers_and_changes_nothing() {
    let node = Node::new();
    let (conn, members) = node.open(&node.endpoints(), true);
    assert_eq!(members, [Member::Xenstore, Member::Xend]);
    assert!(conn.is_read_only());
    node.xend.clear_requests();
    let mut web = conn.lookup_by_name("web").unwrap();
    // The fake counts a connection in its accepting thread: check once
    // xenstore has answered.
    assert_eq!(node.xenstore.connections_accepted(false), 0);
    assert!(node.xenstore.connections_accepted(true) >= 1);
    for e in [
        web.suspend().unwrap_err(),
        web.shutdown().unwrap_err(),
        web.reboot(0).unwrap_err(),
        web.destroy().unwrap_err(),
        web.set_memory(131_072).unwrap_err(),
    ] {
        assert_eq!(e.code, ErrorCode::OperationDenied, "{e}");
    }
    assert_eq!(node.xend.post_count(), 0);
    assert_eq!(node.xenstore.connections_accepted(false), 0);
    assert_eq!(
        node.xenstore
            .read(&format!("/local/domain/{}/control/shutdown", node.web))
            .unwrap(),
        b""
    );
    assert_eq!(web.info().unwrap().state, DomainState::Running);
}

#[test]
fn nothing_to_open_is_libvirts_error() {
    let at = XenEndpoints {
        hypervisor: false,
        xenstore: unreachable_xenstore(),
        xend: Some(vec![virt_xend::XendEndpoint::Unix(PathBuf::from(
            "/nonexistent/xend-socket",
        ))]),
    };
    let e = virt_xen::open_with(&at, false).unwrap_err();
    assert_eq!(e.code, ErrorCode::NoXenstore, "{e}");
    assert!(
        e.to_string().starts_with("could not connect to Xen Store"),
        "{e}"
    );
}

#[test]
fn uris_the_xen_driver_takes_and_leaves() {
    virt_xen::register();
    let e = Connect::open("xen:///session").unwrap_err();
    assert_eq!(e.code, ErrorCode::InternalError);
    assert_eq!(
        e.to_string(),
        "internal error: unexpected Xen URI path '/session', try xen:///"
    );
    // A host is the remote driver's business.
    let e = Connect::open("xen://elsewhere/").unwrap_err();
    assert_eq!(e.code, ErrorCode::NoConnect);
}

/// Our virsh binary, built with the default features (which include xen).
///
/// `cargo test --workspace` builds it next to this test (virsh has
/// integration tests of its own). A binary older than this test may be
/// stale (`cargo test -p virt-tests` does not rebuild it), so then it is
/// built here; a newer one was built from sources at least as new. The
/// mtime rule avoids a rebuild on every run: `cargo build -p virsh`
/// unifies dependency features differently from a workspace run and would
/// relink virsh each time.
fn virsh_binary() -> PathBuf {
    // The test runs from <target>/<profile>/deps/.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|d| d.parent()).unwrap().to_path_buf();
    let virsh = profile_dir.join("virsh");
    let mtime = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(ours), Some(built)) = (mtime(&exe), mtime(&virsh)) {
        if built >= ours {
            return virsh;
        }
    }
    let profile = profile_dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("debug")
        .to_string();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "-q", "-p", "virsh", "--bin", "virsh"]);
    match profile.as_str() {
        "debug" => {}
        "release" => {
            build.arg("--release");
        }
        other => {
            build.args(["--profile", other]);
        }
    }
    let status = build
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success(), "building virsh failed");
    virsh
}

#[test]
fn virsh_with_the_xen_feature_against_the_fakes() {
    let node = Node::new();
    let virsh = virsh_binary();
    let run = |args: &[&str]| node.virsh(&virsh, args);
    let v = run(&["-V"]);
    assert!(v.0.contains(" Hypervisors: Xen"), "{v:?}");
    // No hypercalls here: xend's node description gives the version.
    let (out, err, rc) = run(&["version"]);
    assert_eq!(rc, Some(0), "{err}");
    assert!(out.contains("Using API: Xen 9.0.0\n"), "{out}");
    assert!(out.contains("Running hypervisor: Xen 3.4.2\n"), "{out}");

    let (out, err, rc) = run(&["list", "--all"]);
    assert_eq!(rc, Some(0), "{err}");
    let expected = format!(
        " Id   Name       State\n\
         ---------------------------\n \
         0    Domain-0   running\n \
         {}    web        running\n \
         {}    db         running\n \
         -    spare      shut off\n\n",
        node.web, node.db
    );
    assert_eq!(out, expected);

    let (out, err, rc) = run(&["dominfo", "web"]);
    println!("{out}{err}");
    assert_eq!(rc, Some(0), "{err}");
    for line in [
        format!("Id:             {}", node.web),
        "Name:           web".to_string(),
        format!("UUID:           {WEB_UUID}"),
        "OS Type:        linux".to_string(),
        "State:          running".to_string(),
        "CPU(s):         2".to_string(),
        "Max memory:     262144 KiB".to_string(),
    ] {
        assert!(out.contains(&line), "no '{line}' in\n{out}");
    }

    let (out, err, rc) = run(&["dumpxml", "web"]);
    println!("{out}{err}");
    assert_eq!(rc, Some(0), "{err}");
    assert!(
        out.starts_with(&format!("<domain type='xen' id='{}'>", node.web)),
        "{out}"
    );
    assert!(out.contains("<name>web</name>"), "{out}");
    // The console's pty comes from xenstore, as in libvirt.
    assert!(out.contains("tty='/dev/pts/7'"), "{out}");

    for (cmd, word) in [
        ("suspend", "suspended"),
        ("resume", "resumed"),
        ("destroy", "destroyed"),
    ] {
        let (out, err, rc) = run(&[cmd, "db"]);
        assert_eq!(rc, Some(0), "{cmd}: {err}");
        assert_eq!(out, format!("Domain 'db' {word}\n\n"));
    }
    // The fake xend forgets a destroyed unmanaged domain, as xend did.
    assert!(node.xend.domain("db").is_none());
}

/// `virsh schedinfo` and `virsh autostart` through the stack reach xend's
/// credit scheduler and `on_xend_start`, printed in the layout Debian's
/// virsh gives the test driver's equivalents ("Scheduler      : fair",
/// "weight         : 50", "Domain 'test' marked as autostarted").
#[test]
fn virsh_schedinfo_and_autostart_through_xend() {
    let node = Node::new();
    let virsh = virsh_binary();
    let run = |args: &[&str]| node.virsh(&virsh, args);
    let (out, err, rc) = run(&["schedinfo", "web"]);
    assert_eq!(rc, Some(0), "{err}");
    assert_eq!(
        out,
        "Scheduler      : credit\nweight         : 256\ncap            : 0\n\n"
    );
    let (out, err, rc) = run(&["schedinfo", "web", "--weight", "512"]);
    assert_eq!(rc, Some(0), "{err}");
    assert_eq!(
        out,
        "Scheduler      : credit\nweight         : 512\ncap            : 0\n\n"
    );
    let web = node.xend.domain("web").unwrap();
    assert_eq!((web.cpu_weight, web.cpu_cap), (512, 0));

    let (out, err, rc) = run(&["autostart", "web"]);
    assert_eq!(rc, Some(0), "{err}");
    assert_eq!(out, "Domain 'web' marked as autostarted\n\n");
    assert_eq!(node.xend.domain("web").unwrap().on_xend_start, "start");
    let (out, _, _) = run(&["dominfo", "web"]);
    assert!(out.contains("Autostart:      enable\n"), "{out}");
    let (out, err, rc) = run(&["autostart", "--disable", "spare"]);
    assert_eq!(rc, Some(0), "{err}");
    assert_eq!(out, "Domain 'spare' unmarked as autostarted\n\n");
    assert_eq!(node.xend.domain("spare").unwrap().on_xend_start, "ignore");
}
