//! The xend driver against the fake xend: every operation, the bytes of
//! the requests, errors for unknown domains, read-only connections; dead
//! and slow peers and the TCP path in `peers`, the corpus in `corpus`.

#[path = "../common/mod.rs"]
mod common;
mod corpus;
mod peers;

use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

use common::{load, manifest_of};
use std::time::{Duration, Instant};
use virt_testkit::{corpus_root, first_difference};

use virt_core::{
    affect, dump_flags, list_flags, start_flags, xml_flags, CpuMap, DomainRef, DomainState, Driver,
    ErrorCode, TypedParam, TypedValue, Uuid, VcpuState,
};
use virt_xend::fake::{FakeNode, FakeState, FakeXend, Framing};
use virt_xend::http::{form_body, get_request, post_request};
use virt_xend::{domain_to_sexpr, Sexpr, XendDriver, XendEndpoint};

const UUID: &str = "596a5d21-71f4-8fb2-e068-e2386a5c413e";

fn pv_xml(name: &str, uuid: &str) -> String {
    format!(
        "<domain type='xen'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory unit='KiB'>430080</memory>
  <currentMemory unit='KiB'>262144</currentMemory>
  <vcpu>2</vcpu>
  <os>
    <type>linux</type>
    <kernel>/boot/vmlinuz</kernel>
    <initrd>/boot/initrd.img</initrd>
    <cmdline>root=/dev/xvda1 ro</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <source file='/var/lib/xen/images/{name}.img'/>
      <target dev='xvda'/>
    </disk>
    <interface type='bridge'>
      <mac address='00:16:3e:1b:b1:47'/>
      <source bridge='xenbr0'/>
    </interface>
  </devices>
</domain>
"
    )
}

fn setup() -> (FakeXend, XendDriver) {
    let fake = FakeXend::start().expect("fake xend starts");
    let drv = XendDriver::open(&fake.endpoint(), false).expect("driver opens");
    fake.clear_requests();
    (fake, drv)
}

fn body_of(request: &[u8]) -> String {
    let at = request
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(request.len(), |p| p + 4);
    String::from_utf8_lossy(request.get(at..).unwrap_or_default()).into_owned()
}

fn posts(fake: &FakeXend) -> Vec<(String, String)> {
    fake.requests()
        .iter()
        .filter(|r| r.starts_with(b"POST "))
        .map(|r| {
            let line = String::from_utf8_lossy(r)
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            (line, body_of(r))
        })
        .collect()
}

fn running(fake: &FakeXend, drv: &XendDriver, name: &str) -> DomainRef {
    let xml = pv_xml(name, &Uuid::new_v4().to_string());
    let r = drv.domain_create_xml(&xml, 0).expect("created");
    assert!(fake.domain(name).is_some());
    r
}

#[test]
fn version_and_node_come_from_the_node_description() {
    let (fake, drv) = setup();
    assert_eq!(drv.type_name(), "Xen");
    assert_eq!(drv.version().expect("version"), 3_004_002);
    assert_eq!(drv.config_format(), 4);
    let n = drv.node_info().expect("node info");
    assert_eq!(
        (n.model.as_str(), n.memory, n.cpus, n.mhz),
        ("x86_64", 4096 * 1024, 4, 2394)
    );
    // The topology as xend gives it; below, as virt-xend derives it.
    assert_eq!((n.nodes, n.sockets, n.cores, n.threads), (1, 1, 4, 1));
    // Xen 3.2 left out sockets_per_node: derived from the CPU count.
    fake.set_node(FakeNode {
        sockets_per_node: 0,
        nr_cpus: 8,
        cores_per_socket: 2,
        threads_per_core: 2,
        xen_major: 3,
        xen_minor: 1,
        xen_extra: "-rc7".into(),
        ..FakeNode::default()
    });
    let n = drv.node_info().expect("node info");
    assert_eq!((n.nodes, n.sockets, n.cores, n.threads), (1, 2, 2, 2));
    assert_eq!(drv.hostname().expect("host"), "fakexen");
    // Domain-0 holds 1024 of the 4096 MiB.
    assert_eq!(drv.node_free_memory().expect("free"), 3072 * 1024 * 1024);
    assert_eq!(drv.version().expect("version"), 3_001_007);
    // Every request was libvirt's GET of /xend/node/, byte for byte.
    for r in fake.requests() {
        assert_eq!(r, get_request("/xend/node/"));
    }
    assert_eq!(fake.requests().len(), 6);
}

#[test]
fn create_sends_libvirts_requests_and_runs_the_domain() {
    let (fake, drv) = setup();
    let xml = pv_xml("pvtest", UUID);
    let r = drv.domain_create_xml(&xml, 0).expect("created");
    assert_eq!(r.name, "pvtest");
    assert_eq!(r.uuid.to_string(), UUID);
    let id = r.id.expect("running");
    let def = virt_xml::parse_domain(&xml).expect("xml");
    let config = domain_to_sexpr(&def).expect("sexpr");
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 4, "{:?}", fake.request_lines());
    assert_eq!(
        reqs[0],
        post_request(
            "/xend/domain/",
            &form_body(&[("op", "create"), ("config", &config)])
        )
    );
    assert!(body_of(&reqs[0]).contains("(vm%20(name%20'pvtest')"));
    assert_eq!(reqs[1], get_request("/xend/domain/pvtest?detail=1"));
    assert_eq!(
        reqs[2],
        post_request("/xend/domain/pvtest", "op=wait_for_devices")
    );
    assert_eq!(reqs[3], post_request("/xend/domain/pvtest", "op=unpause"));
    let dom = fake.domain("pvtest").expect("in xend");
    assert_eq!((dom.id, dom.state), (Some(id), FakeState::Running));
    assert_eq!((dom.memory, dom.maxmem, dom.vcpus), (256, 420, 2));
    assert!(!dom.managed);

    // Paused on request: no unpause.
    fake.clear_requests();
    let r = drv
        .domain_create_xml(
            &pv_xml("paused", &Uuid::new_v4().to_string()),
            start_flags::PAUSED,
        )
        .expect("created paused");
    assert_eq!(
        drv.domain_get_state(&r, 0).expect("state"),
        (DomainState::Paused, 0)
    );
    assert!(!fake.request_lines().iter().any(|l| l.contains("unpause")));
    assert!(!posts(&fake).iter().any(|(_, b)| b == "op=unpause"));

    // The same name again: xend refuses, nothing changes.
    let e = drv.domain_create_xml(&xml, 0).expect_err("exists");
    assert_eq!(e.code, ErrorCode::PostFailed);
    assert!(e.message.contains("already in use"), "{}", e.message);
    assert_eq!(fake.domains().len(), 3);
}

#[test]
fn bad_input_changes_nothing() {
    let (fake, drv) = setup();
    let before = fake.domains();
    let xml_code =
        |xml: &str| virt_core::Error::from(virt_xml::parse_domain(xml).expect_err("bad xml")).code;
    for (xml, code) in [
        ("<domain", xml_code("<domain")),
        ("<domain type='xen'><name>x</name>", xml_code("<domain type='xen'><name>x</name>")),
        (
            "<domain type='kvm'><name>k</name><memory>1024</memory><os><type>hvm</type></os></domain>",
            ErrorCode::ConfigUnsupported,
        ),
    ] {
        let e = drv.domain_create_xml(xml, 0).expect_err(xml);
        assert_eq!(e.code, code, "{xml}: {}", e.message);
        let e = drv.domain_define_xml(xml, 0).expect_err(xml);
        assert_eq!(e.code, code, "{xml}: {}", e.message);
    }
    let e = drv
        .domain_create_xml(&pv_xml("x", UUID), 0x100)
        .expect_err("bad flag");
    assert_eq!(e.code, ErrorCode::InvalidArg);
    let r = running(&fake, &drv, "guest");
    fake.clear_requests();
    let before_guest = fake.domain("guest");
    for bad in [
        "<disk",
        "<hostdev mode='subsystem'/>",
        "<disk type='file'><target/></disk><x/>",
    ] {
        assert!(drv.domain_attach_device(&r, bad, 0).is_err(), "{bad}");
        assert!(drv.domain_detach_device(&r, bad, 0).is_err(), "{bad}");
    }
    assert!(drv.domain_pin_vcpu(&r, 0, &CpuMap::new(4), 0).is_err());
    assert!(drv.domain_set_vcpus_flags(&r, 0, 0).is_err());
    assert!(drv.domain_set_vcpus_flags(&r, 3, 0).is_err());
    assert_eq!(fake.post_count(), 0, "{:?}", fake.request_lines());
    assert_eq!(fake.domain("guest"), before_guest);
    assert_eq!(fake.domains().len(), before.len() + 1);
}

#[test]
fn lookups_and_unknown_domains() {
    let (fake, drv) = setup();
    let r = running(&fake, &drv, "pvtest");
    let id = r.id.expect("id");
    assert_eq!(drv.domain_lookup_by_name("pvtest").expect("name"), r);
    assert_eq!(drv.domain_lookup_by_id(id).expect("id"), r);
    assert_eq!(drv.domain_lookup_by_uuid(&r.uuid).expect("uuid"), r);
    let dom0 = drv.domain_lookup_by_id(0).expect("Domain-0");
    assert_eq!(dom0.name, "Domain-0");

    let e = drv.domain_lookup_by_name("nosuch").expect_err("absent");
    assert_eq!(e.code, ErrorCode::NoDomain);
    assert_eq!(
        e.message,
        "Domain not found: no domain with matching name 'nosuch'"
    );
    let e = drv.domain_lookup_by_id(999).expect_err("absent");
    assert_eq!(
        e.message,
        "Domain not found: no domain with matching id 999"
    );
    let u = Uuid::new_v4();
    let e = drv.domain_lookup_by_uuid(&u).expect_err("absent");
    assert_eq!(
        e.message,
        format!("Domain not found: no domain with matching uuid '{u}'")
    );
    // Names that would change the request are not sent as they are.
    for odd in ["a b", "a/b", "x?detail=1", "", "a\r\nHost: x"] {
        let e = drv.domain_lookup_by_name(odd).expect_err(odd);
        assert_eq!(e.code, ErrorCode::NoDomain, "{odd:?}");
    }
    // A numeric name is not taken for an id.
    assert!(drv.domain_lookup_by_name(&id.to_string()).is_err());

    let ghost = DomainRef {
        name: "ghost".into(),
        uuid: Uuid::new_v4(),
        id: Some(77),
    };
    fake.clear_requests();
    for e in [
        drv.domain_suspend(&ghost).expect_err("ghost"),
        drv.domain_resume(&ghost).expect_err("ghost"),
        drv.domain_destroy(&ghost, 0).expect_err("ghost"),
        drv.domain_shutdown(&ghost, 0).expect_err("ghost"),
        drv.domain_get_info(&ghost).map(|_| ()).expect_err("ghost"),
        drv.domain_get_xml_desc(&ghost, 0)
            .map(|_| ())
            .expect_err("ghost"),
    ] {
        assert_eq!(e.code, ErrorCode::NoDomain, "{}", e.message);
    }
    assert_eq!(fake.post_count(), 0);
    // xend's own answer to a POST for an unknown domain is 404: POST failed.
    let client = virt_xend::http::XendClient::new(fake.endpoint());
    let e = client
        .post("/xend/domain/ghost", &[("op", "pause")])
        .expect_err("404");
    let e: virt_core::Error = e.into();
    assert_eq!(e.code, ErrorCode::PostFailed);
    assert_eq!(e.domain, virt_core::ErrorDomain::Xend);
}

#[test]
fn info_state_memory_os_and_xml() {
    let (fake, drv) = setup();
    let r = running(&fake, &drv, "pvtest");
    fake.update("pvtest", |d| d.cpu_time = 12.5);
    let info = drv.domain_get_info(&r).expect("info");
    assert_eq!(info.state, DomainState::Running);
    assert_eq!((info.max_mem, info.memory), (420 * 1024, 256 * 1024));
    assert_eq!(info.nr_virt_cpu, 2);
    assert_eq!(info.cpu_time, 12_500_000_000);
    assert_eq!(drv.domain_get_os_type(&r).expect("os"), "linux");
    assert_eq!(drv.domain_get_max_memory(&r).expect("max"), 420 * 1024);
    assert!(drv.domain_is_active(&r).expect("active"));
    assert!(drv.domain_is_persistent(&r).expect("persistent"));
    assert!(!drv.domain_get_autostart(&r).expect("autostart"));

    // The state string's flags, checked in libvirt's order.
    for (state, want) in [
        (FakeState::Running, DomainState::Running),
        (FakeState::Blocked, DomainState::Blocked),
        (FakeState::Paused, DomainState::Paused),
        (FakeState::Shutdown, DomainState::Shutdown),
        (FakeState::Crashed, DomainState::Crashed),
    ] {
        fake.update("pvtest", |d| d.state = state);
        assert_eq!(drv.domain_get_state(&r, 0).expect("state"), (want, 0));
    }

    let xml = drv.domain_get_xml_desc(&r, 0).expect("xml");
    let id = r.id.expect("id");
    assert!(
        xml.starts_with(&format!(
            "<domain type='xen' id='{id}'>\n  <name>pvtest</name>\n"
        )),
        "{xml}"
    );
    assert!(xml.contains("<memory unit='KiB'>430080</memory>"), "{xml}");
    assert!(
        xml.contains("<currentMemory unit='KiB'>262144</currentMemory>"),
        "{xml}"
    );
    assert!(
        xml.contains("<source file='/var/lib/xen/images/pvtest.img'/>"),
        "{xml}"
    );
    assert!(xml.contains("<mac address='00:16:3e:1b:b1:47'/>"), "{xml}");
    let inactive = drv
        .domain_get_xml_desc(&r, xml_flags::INACTIVE)
        .expect("xml");
    assert!(inactive.starts_with("<domain type='xen'>\n"), "{inactive}");
    // What the driver shows is what sexpr2xml makes of xend's answer.
    let desc = fake.domain("pvtest").expect("there").describe();
    let def = virt_xend::sexpr_to_domain(&desc, &Default::default()).expect("converts");
    assert_eq!(xml, def.to_xml(&virt_xend::sexpr2xml::format_options(&def)));
    // HVM guests say so.
    fake.add_running(
        "(domain (domid 9)(name 'hvm1')(memory 400)(maxmem 400)(vcpus 1)\
         (uuid 'b5d70dd275cdaca517769660b059d8bc')(image (hvm (kernel '/usr/lib/xen/boot/hvmloader'))))",
    )
    .expect("seeded");
    let h = drv.domain_lookup_by_id(9).expect("hvm1");
    assert_eq!(drv.domain_get_os_type(&h).expect("os"), "hvm");
}

#[test]
fn suspend_resume_shutdown_reboot_destroy() {
    let (fake, drv) = setup();
    let r = running(&fake, &drv, "pvtest");
    fake.clear_requests();
    drv.domain_suspend(&r).expect("suspend");
    assert_eq!(fake.domain("pvtest").expect("d").state, FakeState::Paused);
    drv.domain_resume(&r).expect("resume");
    assert_eq!(fake.domain("pvtest").expect("d").state, FakeState::Running);
    let p = posts(&fake);
    assert_eq!(
        p,
        vec![
            (
                "POST /xend/domain/pvtest HTTP/1.1".to_string(),
                "op=pause".to_string()
            ),
            (
                "POST /xend/domain/pvtest HTTP/1.1".to_string(),
                "op=unpause".to_string()
            ),
        ]
    );
    // The exact bytes of one POST.
    let raw = fake
        .requests()
        .into_iter()
        .find(|r| r.starts_with(b"POST "))
        .expect("a post");
    assert_eq!(
        raw,
        b"POST /xend/domain/pvtest HTTP/1.1\r\nHost: localhost:8000\r\nAccept-Encoding: identity\r\n\
Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 8\r\n\r\nop=pause"
            .to_vec()
    );

    let old_id = r.id;
    fake.clear_requests();
    drv.domain_reboot(&r, 0).expect("reboot");
    assert_eq!(posts(&fake)[0].1, "op=shutdown&reason=reboot");
    let after = drv.domain_lookup_by_name("pvtest").expect("still there");
    assert_ne!(after.id, old_id, "xend gives a rebooted domain a new id");

    fake.clear_requests();
    drv.domain_shutdown(&after, 0).expect("shutdown");
    assert_eq!(posts(&fake)[0].1, "op=shutdown&reason=halt");
    // A created (unmanaged) domain is gone once it stops.
    assert!(fake.domain("pvtest").is_none());
    let e = drv.domain_shutdown(&after, 0).expect_err("gone");
    assert_eq!(e.code, ErrorCode::NoDomain);

    let r = running(&fake, &drv, "second");
    fake.clear_requests();
    drv.domain_destroy(&r, 0).expect("destroy");
    assert_eq!(posts(&fake)[0].1, "op=destroy");
    assert!(fake.domain("second").is_none());
    assert_eq!(
        drv.domain_destroy(&r, 1).expect_err("flags").code,
        ErrorCode::InvalidArg
    );
}

#[test]
fn define_start_undefine_and_lists() {
    let (fake, drv) = setup();
    let xml = pv_xml("managed", UUID);
    let r = drv.domain_define_xml(&xml, 0).expect("defined");
    assert_eq!(r.id, None);
    let p = posts(&fake);
    assert_eq!(p[0].0, "POST /xend/domain/ HTTP/1.1");
    assert!(
        p[0].1.starts_with("op=new&config=(vm%20(name%20'managed')"),
        "{}",
        p[0].1
    );
    assert_eq!(
        drv.list_defined_domains().expect("defined"),
        vec!["managed"]
    );
    assert_eq!(drv.num_of_defined_domains().expect("n"), 1);
    assert_eq!(
        drv.domain_get_state(&r, 0).expect("state").0,
        DomainState::Shutoff
    );
    assert_eq!(
        drv.domain_get_info(&r).expect("info").state,
        DomainState::Shutoff
    );
    assert!(!drv.domain_is_active(&r).expect("inactive"));
    // Operations that need a running domain say so, without a POST.
    fake.clear_requests();
    for e in [
        drv.domain_suspend(&r).expect_err("inactive"),
        drv.domain_shutdown(&r, 0).expect_err("inactive"),
        drv.domain_destroy(&r, 0).expect_err("inactive"),
        drv.domain_save(&r, "/tmp/x", 0).expect_err("inactive"),
        drv.domain_get_vcpus(&r).map(|_| ()).expect_err("inactive"),
    ] {
        assert_eq!(e.code, ErrorCode::OperationInvalid, "{}", e.message);
        assert_eq!(
            e.message,
            "Requested operation is not valid: Domain managed isn't running."
        );
    }
    assert_eq!(fake.post_count(), 0);

    let running_other = running(&fake, &drv, "other");
    let started = drv.domain_create(&r, 0).expect("start");
    assert!(started.id.is_some());
    assert_eq!(posts(&fake).last().expect("post").1, "op=start");
    let e = drv.domain_create(&started, 0).expect_err("already running");
    assert_eq!(e.code, ErrorCode::OperationInvalid);
    let mut ids = drv.list_domain_ids().expect("ids");
    ids.sort_unstable();
    let mut want = vec![0, running_other.id.expect("id"), started.id.expect("id")];
    want.sort_unstable();
    assert_eq!(ids, want);
    assert_eq!(drv.num_of_domains().expect("n"), 3);
    assert!(drv.list_defined_domains().expect("none").is_empty());

    // A managed domain stays defined when it stops.
    drv.domain_destroy(&started, 0).expect("destroy");
    assert_eq!(
        drv.list_defined_domains().expect("defined"),
        vec!["managed"]
    );

    // list_all with filters.
    drv.domain_suspend(&running_other).expect("pause");
    let names = |flags| {
        let mut v: Vec<String> = drv
            .list_all_domains(flags)
            .expect("list")
            .into_iter()
            .map(|d| d.name)
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(0), vec!["Domain-0", "managed", "other"]);
    assert_eq!(names(list_flags::ACTIVE), vec!["Domain-0", "other"]);
    assert_eq!(names(list_flags::INACTIVE), vec!["managed"]);
    assert_eq!(names(list_flags::PAUSED), vec!["other"]);
    assert_eq!(names(list_flags::RUNNING), vec!["Domain-0"]);
    assert_eq!(names(list_flags::SHUTOFF), vec!["managed"]);
    assert_eq!(names(list_flags::TRANSIENT), Vec::<String>::new());
    assert!(drv.list_all_domains(1 << 20).is_err());

    fake.clear_requests();
    drv.domain_undefine(&r, 0).expect("undefine");
    assert_eq!(posts(&fake)[0].1, "op=delete");
    assert!(drv.list_defined_domains().expect("none").is_empty());
    assert!(fake.domain("managed").is_none());
    // Undefining a running domain is xend's to refuse.
    let e = drv.domain_undefine(&running_other, 0).expect_err("in use");
    assert_eq!(e.code, ErrorCode::PostFailed);
    assert!(fake.domain("other").is_some());
}

#[test]
fn old_xend_has_no_managed_domains() {
    let fake = FakeXend::start().expect("fake");
    fake.set_node(FakeNode {
        config_format: None,
        ..FakeNode::default()
    });
    let drv = XendDriver::open(&fake.endpoint(), false).expect("opens");
    assert_eq!(drv.config_format(), 1);
    assert!(drv.list_defined_domains().expect("empty").is_empty());
    let e = drv
        .domain_define_xml(&pv_xml("m", UUID), 0)
        .expect_err("no support");
    assert_eq!(e.code, ErrorCode::NoSupport);
    // Only GETs of the node and of ... nothing else was asked.
    assert_eq!(fake.post_count(), 0);
    assert!(!fake.request_lines().iter().any(|l| l.contains("halted")));
}

#[test]
fn save_restore_and_core_dump() {
    let (fake, drv) = setup();
    let r = running(&fake, &drv, "pvtest");
    let image = fake.dir().join("pv test.save");
    let path = image.to_str().expect("utf-8");
    fake.clear_requests();
    drv.domain_save(&r, path, 0).expect("save");
    assert_eq!(
        posts(&fake)[0].1,
        format!("op=save&file={}", path.replace(' ', "%20"))
    );
    assert!(image.is_file());
    assert!(fake.domain("pvtest").is_none());
    let restored = drv.domain_restore(path, 0).expect("restore");
    assert_eq!((restored.name.as_str(), restored.uuid), ("pvtest", r.uuid));
    assert!(restored.id.is_some());
    assert_eq!(
        posts(&fake)[1],
        (
            "POST /xend/domain/ HTTP/1.1".into(),
            format!("op=restore&file={}", path.replace(' ', "%20"))
        )
    );
    assert_eq!(
        drv.domain_get_state(&restored, 0).expect("state").0,
        DomainState::Running
    );
    // Restoring what is not a save file fails in xend; nothing appears.
    let junk = fake.dir().join("junk");
    std::fs::write(&junk, b"not a guest").expect("write");
    let e = drv
        .domain_restore(junk.to_str().expect("utf-8"), 0)
        .expect_err("junk");
    assert_eq!(e.code, ErrorCode::PostFailed);
    assert_eq!(fake.domains().len(), 2);

    let core = fake.dir().join("core");
    fake.clear_requests();
    drv.domain_core_dump(&restored, core.to_str().expect("utf-8"), dump_flags::LIVE)
        .expect("dump");
    assert_eq!(
        posts(&fake)[0].1,
        format!("op=dump&file={}&live=1&crash=0", core.display())
    );
    assert!(core.is_file());
    assert!(fake.domain("pvtest").is_some());
    drv.domain_core_dump(&restored, core.to_str().expect("utf-8"), dump_flags::CRASH)
        .expect("crash dump");
    assert!(posts(&fake)[1].1.ends_with("&live=0&crash=1"));
    assert!(drv
        .domain_core_dump(&restored, "/tmp/c", dump_flags::RESET)
        .is_err());
}

#[test]
fn memory_and_vcpus() {
    let (fake, drv) = setup();
    let r = running(&fake, &drv, "pvtest");
    fake.clear_requests();
    drv.domain_set_memory_flags(&r, 300 * 1024, affect::LIVE)
        .expect("balloon");
    assert_eq!(posts(&fake)[0].1, "op=mem_target_set&target=300");
    assert_eq!(fake.domain("pvtest").expect("d").memory, 300);
    drv.domain_set_memory_flags(&r, 512 * 1024 + 1023, affect::MAXIMUM)
        .expect("max");
    assert_eq!(posts(&fake)[1].1, "op=maxmem_set&memory=512");
    assert_eq!(drv.domain_get_max_memory(&r).expect("max"), 512 * 1024);
    // Above the maximum: xend refuses, nothing changes.
    let e = drv
        .domain_set_memory_flags(&r, 4096 * 1024, affect::LIVE)
        .expect_err("too much");
    assert_eq!(e.code, ErrorCode::PostFailed);
    assert!(
        e.message
            .starts_with("POST operation failed: xend_post: error from xen daemon: (xend.err"),
        "{}",
        e.message
    );
    assert_eq!(fake.domain("pvtest").expect("d").memory, 300);

    fake.clear_requests();
    drv.domain_set_vcpus_flags(&r, 1, affect::LIVE)
        .expect("vcpus");
    assert_eq!(posts(&fake)[0].1, "op=set_vcpus&vcpus=1");
    assert_eq!(drv.domain_get_vcpus_flags(&r, 0).expect("n"), 1);
    assert_eq!(
        drv.domain_get_vcpus_flags(&r, affect::MAXIMUM)
            .expect("max"),
        2
    );
    let e = drv.domain_set_vcpus_flags(&r, 3, 0).expect_err("above max");
    assert_eq!(e.code, ErrorCode::InvalidArg);
    assert_eq!(
        e.message,
        "invalid argument: requested vcpus is greater than max allowable vcpus for the domain: 3 > 2"
    );
    drv.domain_set_vcpus_flags(&r, 2, 0).expect("back up");

    let vcpus = drv.domain_get_vcpus(&r).expect("vcpuinfo");
    assert_eq!(vcpus.len(), 2);
    assert_eq!(vcpus[0].state, VcpuState::Running);
    assert_eq!(
        vcpus[0].affinity.cpus().collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
    assert!(fake
        .request_lines()
        .contains(&"GET /xend/domain/pvtest?op=vcpuinfo HTTP/1.1".to_string()));

    let mut map = CpuMap::new(4);
    for c in [0, 2, 3] {
        map.set(c);
    }
    fake.clear_requests();
    drv.domain_pin_vcpu(&r, 1, &map, 0).expect("pin");
    assert_eq!(posts(&fake)[0].1, "op=pincpu&vcpu=1&cpumap=[0,2,3]");
    let vcpus = drv.domain_get_vcpus(&r).expect("vcpuinfo");
    assert_eq!(vcpus[1].affinity.cpus().collect::<Vec<_>>(), vec![0, 2, 3]);
    assert_eq!(vcpus[1].cpu, 0);
    assert!(drv.domain_pin_vcpu(&r, 2, &map, 0).is_err());
}

#[test]
fn attach_and_detach_devices() {
    let (fake, drv) = setup();
    let r = running(&fake, &drv, "pvtest");
    fake.clear_requests();
    let disk =
        "<disk type='file' device='disk'><source file='/tmp/data.img'/><target dev='xvdb'/></disk>";
    drv.domain_attach_device(&r, disk, 0).expect("attach disk");
    assert_eq!(
        posts(&fake)[0].1,
        "op=device_create&config=(vbd%20(dev%20'xvdb')(uname%20'file:/tmp/data.img')(mode%20'w'))"
    );
    let xml = drv.domain_get_xml_desc(&r, 0).expect("xml");
    assert!(xml.contains("<target dev='xvdb' bus='xen'/>"), "{xml}");
    let nic = "<interface type='bridge'><mac address='00:16:3E:00:00:02'/><source bridge='xenbr1'/></interface>";
    drv.domain_attach_device(&r, nic, affect::LIVE)
        .expect("attach nic");
    assert_eq!(
        posts(&fake)[1].1,
        "op=device_create&config=(vif%20(mac%20'00:16:3e:00:00:02')(bridge%20'xenbr1')(script%20'vif-bridge'))"
    );

    fake.clear_requests();
    drv.domain_detach_device(&r, disk, 0).expect("detach disk");
    assert_eq!(posts(&fake)[0].1, "op=device_destroy&type=vbd&dev=51728");
    drv.domain_detach_device(&r, nic, 0).expect("detach nic");
    assert_eq!(posts(&fake)[1].1, "op=device_destroy&type=vif&dev=1");
    let xml = drv.domain_get_xml_desc(&r, 0).expect("xml");
    assert!(
        !xml.contains("xvdb") && !xml.contains("00:16:3e:00:00:02"),
        "{xml}"
    );
    assert!(
        xml.contains("xvda") && xml.contains("00:16:3e:1b:b1:47"),
        "{xml}"
    );
    // Detaching what is not there: refused before asking xend.
    fake.clear_requests();
    let e = drv.domain_detach_device(&r, disk, 0).expect_err("gone");
    assert_eq!(e.code, ErrorCode::OperationInvalid);
    assert_eq!(fake.post_count(), 0);
    // Inactive domains take only CONFIG changes.
    let m = drv
        .domain_define_xml(&pv_xml("m", &Uuid::new_v4().to_string()), 0)
        .expect("define");
    assert_eq!(
        drv.domain_attach_device(&m, disk, affect::LIVE)
            .expect_err("live")
            .code,
        ErrorCode::OperationInvalid
    );
    drv.domain_attach_device(&m, disk, affect::CONFIG)
        .expect("config");
}

#[test]
fn read_only_connections_never_post() {
    let fake = FakeXend::start().expect("fake");
    let rw = XendDriver::open(&fake.endpoint(), false).expect("rw");
    let r = running(&fake, &rw, "pvtest");
    let m = rw
        .domain_define_xml(&pv_xml("m", &Uuid::new_v4().to_string()), 0)
        .expect("define");
    let ro = XendDriver::open(&fake.endpoint(), true).expect("ro");
    fake.clear_requests();
    let xml = pv_xml("new", &Uuid::new_v4().to_string());
    let disk = "<disk type='file'><source file='/tmp/d'/><target dev='xvdc'/></disk>";
    let map = CpuMap::all(4);
    let results: Vec<virt_core::Result<()>> = vec![
        ro.domain_create_xml(&xml, 0).map(|_| ()),
        ro.domain_define_xml(&xml, 0).map(|_| ()),
        ro.domain_undefine(&m, 0),
        ro.domain_create(&m, 0).map(|_| ()),
        ro.domain_shutdown(&r, 0),
        ro.domain_reboot(&r, 0),
        ro.domain_destroy(&r, 0),
        ro.domain_suspend(&r),
        ro.domain_resume(&r),
        ro.domain_save(&r, "/tmp/s", 0),
        ro.domain_restore("/tmp/s", 0).map(|_| ()),
        ro.domain_core_dump(&r, "/tmp/c", 0),
        ro.domain_set_memory_flags(&r, 1024, 0),
        ro.domain_set_vcpus_flags(&r, 1, 0),
        ro.domain_pin_vcpu(&r, 0, &map, 0),
        ro.domain_attach_device(&r, disk, 0),
        ro.domain_detach_device(&r, disk, 0),
        ro.domain_set_autostart(&r, true),
        ro.domain_set_autostart(&m, false),
        ro.domain_set_scheduler_params(&r, &[weight(512)], 0),
    ];
    for res in results {
        let e = res.expect_err("read-only");
        assert_eq!(e.code, ErrorCode::OperationDenied, "{}", e.message);
    }
    assert_eq!(fake.post_count(), 0);
    // Reads work.
    assert_eq!(ro.domain_lookup_by_name("pvtest").expect("lookup"), r);
    assert!(ro.domain_get_xml_desc(&r, 0).is_ok());
    assert_eq!(fake.post_count(), 0);
}

fn weight(n: u32) -> TypedParam {
    TypedParam {
        field: "weight".into(),
        value: TypedValue::UInt(n),
    }
}

fn cap(n: u32) -> TypedParam {
    TypedParam {
        field: "cap".into(),
        value: TypedValue::UInt(n),
    }
}

/// The description of `name` as the fake gives it, with
/// `(on_xend_start ...)` set to `value`: what libvirt posted back.
fn description_with_autostart(fake: &FakeXend, name: &str, value: &str) -> String {
    let desc = fake.domain(name).expect("domain").describe();
    let Sexpr::List(items) = desc else {
        panic!("description is a list")
    };
    let items = items
        .into_iter()
        .map(|i| {
            if i.key() == Some("on_xend_start") {
                Sexpr::pair("on_xend_start", value)
            } else {
                i
            }
        })
        .collect();
    Sexpr::List(items).to_string()
}

#[test]
fn autostart_redefines_the_domain_with_on_xend_start_changed() {
    let (fake, drv) = setup();
    let r = running(&fake, &drv, "pv");
    assert!(!drv.domain_get_autostart(&r).expect("get"));
    fake.clear_requests();
    let want = description_with_autostart(&fake, "pv", "start");
    drv.domain_set_autostart(&r, true).expect("set");
    // libvirt's two requests: the description, then `new` with it.
    let lines = fake.request_lines();
    assert_eq!(
        lines,
        [
            "GET /xend/domain/pv?detail=1 HTTP/1.1",
            "POST /xend/domain/ HTTP/1.1"
        ]
    );
    assert_eq!(
        posts(&fake),
        [(
            "POST /xend/domain/ HTTP/1.1".to_string(),
            form_body(&[("op", "new"), ("config", &want)])
        )]
    );
    assert!(drv.domain_get_autostart(&r).expect("get"));
    let d = fake.domain("pv").expect("still there");
    assert_eq!(d.on_xend_start, "start");
    // It runs on, now kept by xend.
    assert!(d.id.is_some() && d.managed);
    assert_eq!(
        drv.domain_get_state(&r, 0).expect("state").0,
        DomainState::Running
    );
    drv.domain_set_autostart(&r, false).expect("unset");
    assert_eq!(fake.domain("pv").expect("pv").on_xend_start, "ignore");
    assert!(!drv.domain_get_autostart(&r).expect("get"));

    // An inactive domain is redefined the same way.
    let m = drv
        .domain_define_xml(&pv_xml("kept", &Uuid::new_v4().to_string()), 0)
        .expect("define");
    drv.domain_set_autostart(&m, true).expect("set");
    let kept = fake.domain("kept").expect("kept");
    assert_eq!((kept.on_xend_start.as_str(), kept.id), ("start", None));
    assert!(drv.domain_get_autostart(&m).expect("get"));
    let all = drv.list_all_domains(list_flags::AUTOSTART).expect("list");
    assert_eq!(all, std::slice::from_ref(&m));

    // Unknown domains, and values libvirt did not understand.
    let ghost = DomainRef {
        name: "ghost".into(),
        uuid: Uuid::new_v4(),
        id: None,
    };
    let e = drv.domain_set_autostart(&ghost, true).expect_err("ghost");
    assert_eq!(e.code, ErrorCode::NoDomain);
    fake.update("kept", |d| d.on_xend_start = "maybe".into());
    fake.clear_requests();
    let e = drv.domain_set_autostart(&m, true).expect_err("odd value");
    assert_eq!(e.code, ErrorCode::InternalError);
    assert_eq!(
        e.message,
        "internal error: unexpected value from on_xend_start"
    );
    fake.update("kept", |d| d.on_xend_start.clear());
    let e = drv.domain_set_autostart(&m, true).expect_err("absent");
    assert_eq!(
        e.message,
        "internal error: on_xend_start not present in sexpr"
    );
    assert_eq!(fake.post_count(), 0);
}

#[test]
fn autostart_before_managed_domains_is_left_to_others() {
    let fake = FakeXend::start().expect("fake");
    fake.set_node(FakeNode {
        config_format: Some(2),
        ..FakeNode::default()
    });
    let drv = XendDriver::open(&fake.endpoint(), false).expect("opens");
    let r = drv.domain_lookup_by_name("Domain-0").expect("dom0");
    fake.clear_requests();
    let e = drv.domain_set_autostart(&r, true).expect_err("old xend");
    assert_eq!(e.code, ErrorCode::NoSupport);
    assert!(fake.requests().is_empty());
}

#[test]
fn credit_scheduler_reads_and_sets_weight_and_cap() {
    let (fake, drv) = setup();
    let r = running(&fake, &drv, "pv");
    fake.clear_requests();
    assert_eq!(
        drv.domain_get_scheduler_type(&r).expect("type"),
        ("credit".to_string(), 2)
    );
    assert_eq!(
        drv.domain_get_scheduler_params(&r, 0).expect("params"),
        [weight(256), cap(0)]
    );
    // The string flag the library adds is taken; state flags are not.
    assert!(drv
        .domain_get_scheduler_params(&r, virt_core::typed_param_flags::STRING_OKAY)
        .is_ok());
    let e = drv
        .domain_get_scheduler_params(&r, affect::LIVE)
        .expect_err("flags");
    assert_eq!(
        e.message,
        "unsupported flags (0x1) in function xenUnifiedDomainGetSchedulerParametersFlags"
    );

    // One value given: the other is sent as it stands.
    fake.clear_requests();
    drv.domain_set_scheduler_params(&r, &[weight(512)], 0)
        .expect("set weight");
    assert_eq!(
        posts(&fake),
        [(
            "POST /xend/domain/pv HTTP/1.1".to_string(),
            "op=domain_sched_credit_set&weight=512&cap=0".to_string()
        )]
    );
    fake.clear_requests();
    drv.domain_set_scheduler_params(&r, &[cap(50)], 0)
        .expect("set cap");
    assert_eq!(
        posts(&fake).first().map(|p| p.1.clone()).as_deref(),
        Some("op=domain_sched_credit_set&weight=512&cap=50")
    );
    let d = fake.domain("pv").expect("pv");
    assert_eq!((d.cpu_weight, d.cpu_cap), (512, 50));
    assert_eq!(
        drv.domain_get_scheduler_params(&r, 0).expect("params"),
        [weight(512), cap(50)]
    );
    drv.domain_set_scheduler_params(&r, &[cap(0), weight(7)], 0)
        .expect("both");
    assert_eq!(
        drv.domain_get_scheduler_params(&r, 0).expect("params"),
        [weight(7), cap(0)]
    );

    // Refused before xend is asked: unknown names, wrong types, repeats,
    // flags.
    fake.clear_requests();
    let period = TypedParam {
        field: "period".into(),
        value: TypedValue::UInt(5),
    };
    let e = drv
        .domain_set_scheduler_params(&r, &[period], 0)
        .expect_err("unknown");
    assert_eq!(e.code, ErrorCode::ArgumentUnsupported);
    assert_eq!(
        e.message,
        "argument unsupported: parameter 'period' not supported"
    );
    let signed = TypedParam {
        field: "weight".into(),
        value: TypedValue::Int(5),
    };
    let e = drv
        .domain_set_scheduler_params(&r, &[signed], 0)
        .expect_err("type");
    assert_eq!(e.code, ErrorCode::InvalidArg);
    assert_eq!(
        e.message,
        "invalid argument: invalid type 'int' for parameter 'weight', expected 'uint'"
    );
    let e = drv
        .domain_set_scheduler_params(&r, &[weight(1), weight(2)], 0)
        .expect_err("twice");
    assert_eq!(e.code, ErrorCode::InvalidArg);
    let e = drv
        .domain_set_scheduler_params(&r, &[weight(1)], affect::CONFIG)
        .expect_err("flags");
    assert_eq!(e.code, ErrorCode::InvalidArg);
    assert_eq!(fake.post_count(), 0);
    // xend's own range check: nothing changes.
    let e = drv
        .domain_set_scheduler_params(&r, &[weight(0)], 0)
        .expect_err("out of range");
    assert_eq!(e.code, ErrorCode::PostFailed, "{}", e.message);
    assert!(
        e.message.contains("weight is out of range"),
        "{}",
        e.message
    );
    let e = drv
        .domain_set_scheduler_params(&r, &[cap(201)], 0)
        .expect_err("cap above 2 vcpus");
    assert!(e.message.contains("cap is out of range"), "{}", e.message);
    let d = fake.domain("pv").expect("pv");
    assert_eq!((d.cpu_weight, d.cpu_cap), (7, 0));

    // Unknown domains.
    let ghost = DomainRef {
        name: "ghost".into(),
        uuid: Uuid::new_v4(),
        id: None,
    };
    for e in [
        drv.domain_get_scheduler_type(&ghost).map(|_| ()),
        drv.domain_get_scheduler_params(&ghost, 0).map(|_| ()),
        drv.domain_set_scheduler_params(&ghost, &[weight(9)], 0),
    ] {
        assert_eq!(e.expect_err("ghost").code, ErrorCode::NoDomain);
    }
}

#[test]
fn scheduler_follows_the_nodes_and_xends_version() {
    let (fake, drv) = setup();
    let r = running(&fake, &drv, "pv");
    fake.set_node(FakeNode {
        scheduler: "sedf".into(),
        ..FakeNode::default()
    });
    assert_eq!(
        drv.domain_get_scheduler_type(&r).expect("type"),
        ("sedf".to_string(), 6)
    );
    fake.clear_requests();
    for e in [
        drv.domain_get_scheduler_params(&r, 0).map(|_| ()),
        drv.domain_set_scheduler_params(&r, &[weight(9)], 0),
    ] {
        let e = e.expect_err("sedf");
        assert_eq!(e.code, ErrorCode::ConfigUnsupported);
        assert_eq!(
            e.message,
            "unsupported configuration: SEDF schedular parameters not supported"
        );
    }
    assert_eq!(fake.post_count(), 0);
    fake.set_node(FakeNode {
        scheduler: "arinc653".into(),
        ..FakeNode::default()
    });
    let e = drv.domain_get_scheduler_type(&r).expect_err("unknown");
    assert_eq!(e.message, "internal error: Unknown scheduler");

    // Before xend 3.1 libvirt did not ask xend.
    fake.set_node(FakeNode {
        config_format: Some(3),
        ..FakeNode::default()
    });
    let old = XendDriver::open(&fake.endpoint(), false).expect("opens");
    let e = old.domain_get_scheduler_type(&r).expect_err("old");
    assert_eq!(e.code, ErrorCode::OperationInvalid);
    assert_eq!(
        e.message,
        "Requested operation is not valid: unsupported in xendConfigVersion < 4"
    );
}

#[test]
fn max_vcpus_is_xens_legacy_limit() {
    let (_fake, drv) = setup();
    assert_eq!(drv.max_vcpus(None).expect("max"), 32);
    assert_eq!(drv.max_vcpus(Some("xen")).expect("max"), 32);
    assert_eq!(drv.max_vcpus(Some("Xen")).expect("max"), 32);
    let e = drv.max_vcpus(Some("kvm")).expect_err("kvm");
    assert_eq!(e.code, ErrorCode::InvalidArg);
    assert_eq!(e.message, "invalid argument: xenUnifiedConnectGetMaxVcpus");
}
