//! Hypercalls against the real Xen 4.17, in dom0 (`cargo xtask xen-vm`
//! runs these there), each answer cross-checked with `xl`, `/proc` or
//! xenstore.
//!
//! Every test reads `VIRT_XEN_REAL`: unset, it prints a skip notice and
//! returns; "1", it must find Xen (and fails otherwise). Tests about a guest
//! also need `VIRT_XEN_GUEST` (the name of a running PV guest created with
//! `xl`); the one that destroys it has "destroy" in its name so the harness
//! runs it last.
#![allow(clippy::unwrap_used, clippy::expect_used)] // In tests a panic is the failure report.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use virt_testkit::{eventually, real_xen, xen_guest, xen_tool as tool};

use virt_core::{affect, CpuMap, DomainRef, DomainState, Driver, ErrorCode, ErrorDomain, Uuid};
use virt_xen_hv::{BufferSource, DevicePaths, HvDriver, Hypervisor};

fn driver() -> HvDriver {
    HvDriver::open(false).expect("VIRT_XEN_REAL=1 but the hypervisor cannot be opened")
}

/// `xl info` as key -> value.
fn xl_info() -> Option<BTreeMap<String, String>> {
    let text = tool("xl", &["info"])?;
    Some(
        text.lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect(),
    )
}

/// `xl list ID` as (mem MiB, vcpus, state column).
fn xl_list(id: u32) -> Option<(u64, u32, String)> {
    let text = tool("xl", &["list", &id.to_string()])?;
    let line = text.lines().nth(1)?;
    let cols: Vec<&str> = line.split_whitespace().collect();
    // Name ID Mem VCPUs State Time(s); the name has no spaces here.
    let n = cols.len();
    Some((
        cols.get(n.checked_sub(4)?)?.parse().ok()?,
        cols.get(n - 3)?.parse().ok()?,
        cols.get(n - 2)?.to_string(),
    ))
}

/// The guest's id: from `xl domid`, else by reading the names under
/// /local/domain with xenstore-read.
fn guest_id(name: &str) -> u32 {
    if let Some(id) = tool("xl", &["domid", name]).and_then(|s| s.trim().parse().ok()) {
        return id;
    }
    let ids = tool("xenstore-list", &["/local/domain"]).expect("xl or xenstore-list in PATH");
    for id in ids.lines() {
        let path = format!("/local/domain/{}/name", id.trim());
        if tool("xenstore-read", &[&path]).is_some_and(|n| n.trim() == name) {
            return id.trim().parse().expect("numeric domain id");
        }
    }
    panic!("guest {name} is neither known to xl nor named in xenstore");
}

fn dom(id: u32) -> DomainRef {
    DomainRef {
        name: String::new(),
        uuid: Uuid::nil(),
        id: Some(id),
    }
}

#[test]
fn xen_is_4_17_and_takes_interface_version_0x15_only() {
    if !real_xen() {
        return;
    }
    let hv = Hypervisor::open(false).expect("open");
    let v = hv.version();
    println!(
        "xen {v}, page size {}, buffer {:?}",
        hv.page_size(),
        hv.buffer_source()
    );
    assert_eq!((v.major, v.minor), (4, 17));
    assert_eq!(hv.page_size(), 4096);
    assert_eq!(hv.buffer_source(), &BufferSource::HypercallDevice);
    assert_eq!(driver().version().unwrap(), 4_017_000);
    assert!(hv.sysctl_accepts(0x15).unwrap());
    assert!(
        !hv.sysctl_accepts(0x14).unwrap(),
        "a stale version must get EACCES"
    );
    assert!(!hv.sysctl_accepts(0x16).unwrap());
    let caps = hv.capabilities().unwrap();
    assert!(caps.contains("xen-3.0-x86_64"), "{caps}");
    if let Some(info) = xl_info() {
        assert_eq!(Some(&v.to_string()), info.get("xen_version"));
        assert_eq!(Some(caps.trim()), info.get("xen_caps").map(String::as_str));
    }
}

#[test]
fn capabilities_list_a_pv_x86_64_guest_and_parse_back() {
    if !real_xen() {
        return;
    }
    let d = driver();
    let xml = d.capabilities().unwrap();
    println!("{xml}");
    let root = virt_xml::parse_element_in(&xml, "(capabilities)").expect("well-formed XML");
    assert_eq!(root.name, "capabilities");
    let host_arch = root
        .child("host")
        .and_then(|h| h.child("cpu"))
        .and_then(|c| c.child("arch"))
        .map(|a| a.text());
    assert_eq!(host_arch.as_deref(), Some("x86_64"));
    // The machine's CPUs, not dom0's vCPUs (dom0 runs with one here).
    if let Some(info) = xl_info() {
        let nr_cpus = info.get("nr_cpus").cloned().unwrap_or_default();
        let cells = root
            .child("host")
            .and_then(|h| h.child("topology"))
            .and_then(|t| t.child("cells"))
            .expect("one NUMA cell");
        let cpus: usize = cells
            .children_named("cell")
            .filter_map(|c| c.child("cpus"))
            .map(|c| c.children_named("cpu").count())
            .sum();
        assert_eq!(cpus.to_string(), nr_cpus, "cells vs xl info");
        let topology = root
            .child("host")
            .and_then(|h| h.child("cpu"))
            .and_then(|c| c.child("topology"))
            .expect("cpu topology");
        assert_eq!(
            topology.attr("cores"),
            info.get("cores_per_socket").map(String::as_str)
        );
        assert_eq!(
            topology.attr("threads"),
            info.get("threads_per_core").map(String::as_str)
        );
    }
    // (os_type, arch, wordsize, domain types) of every guest.
    let guests: Vec<(String, String, String, Vec<String>)> = root
        .children_named("guest")
        .map(|g| {
            let arch = g.child("arch").expect("guest arch");
            (
                g.child("os_type").map(|o| o.text()).unwrap_or_default(),
                arch.attr("name").unwrap_or_default().to_string(),
                arch.child("wordsize").map(|w| w.text()).unwrap_or_default(),
                arch.children_named("domain")
                    .filter_map(|d| d.attr("type").map(str::to_string))
                    .collect(),
            )
        })
        .collect();
    println!("{guests:?}");
    assert!(
        guests.contains(&(
            "xen".into(),
            "x86_64".into(),
            "64".into(),
            vec!["xen".to_string()]
        )),
        "{guests:?}"
    );
    // One guest per (os type, arch) the hypervisor lists, no more.
    let hv_caps = d.hypervisor().capabilities().unwrap();
    let archs = virt_xen_hv::capabilities::guest_archs(&hv_caps);
    assert_eq!(guests.len(), archs.len(), "{hv_caps}");
    for a in &archs {
        let os = if a.hvm { "hvm" } else { "xen" };
        assert!(
            guests.iter().any(|g| g.0 == os && g.1 == a.arch),
            "{os} {} missing",
            a.arch
        );
    }
    // The sysfs copy of the string gives the same guests, in libvirt
    // 0.2.x's layout too.
    if let Ok(sysfs) = std::fs::read_to_string("/sys/hypervisor/properties/capabilities") {
        assert_eq!(sysfs.trim(), hv_caps.trim());
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let legacy =
            virt_xen_hv::capabilities::legacy_capabilities("x86_64", &cpuinfo, &sysfs).unwrap();
        let text = virt_xen_hv::capabilities::legacy_xml(&legacy);
        assert!(text.contains(
            "<os_type>xen</os_type>\n    <arch name=\"x86_64\">\n      <wordsize>64</wordsize>\n"
        ));
        assert!(virt_xml::parse_element_in(&text, "(capabilities)").is_ok());
    }
    // xl's view: HVM guests exactly when the hypervisor can run them.
    if let Some(info) = xl_info() {
        let virt_caps = info.get("virt_caps").cloned().unwrap_or_default();
        println!("xl virt_caps: {virt_caps}");
        let hvm = virt_caps.split_whitespace().any(|w| w == "hvm");
        assert_eq!(guests.iter().any(|g| g.0 == "hvm"), hvm, "{virt_caps}");
        // HAP on by default when Xen has it; off-able only with shadow.
        let has = |w: &str| virt_caps.split_whitespace().any(|x| x == w);
        if hvm {
            let want = format!(
                "<hap default='{}' toggle='{}'/>",
                if has("hap") { "on" } else { "off" },
                if has("hap") && has("shadow") {
                    "yes"
                } else {
                    "no"
                }
            );
            assert!(xml.contains(&want), "{want} not in the XML");
        }
    }
}

#[test]
fn node_info_matches_xl_info_and_proc() {
    if !real_xen() {
        return;
    }
    let d = driver();
    let n = d.node_info().unwrap();
    println!("{n:?}");
    assert_eq!(n.model, std::env::consts::ARCH);
    assert!(n.cpus >= 1 && n.mhz > 0 && n.memory > 0);
    assert_eq!(n.nodes * n.sockets * n.cores * n.threads, n.cpus);
    // dom0 sees its own vCPUs, at most the host's CPUs.
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap();
    let dom0_cpus = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count() as u32;
    assert!(
        dom0_cpus >= 1 && dom0_cpus <= n.cpus,
        "{dom0_cpus} > {}",
        n.cpus
    );
    let free = d.node_free_memory().unwrap();
    assert!(free > 0 && free <= n.memory * 1024);
    let (ncpus, online) = d.node_cpu_map().unwrap();
    assert_eq!(online.cpus().count() as u32, n.cpus);
    assert!(ncpus >= n.cpus);
    match xl_info() {
        Some(info) => {
            let get = |k: &str| info.get(k).cloned().unwrap_or_default();
            assert_eq!(get("nr_cpus"), n.cpus.to_string());
            assert_eq!(get("nr_nodes"), n.nodes.to_string());
            assert_eq!(get("cores_per_socket"), n.cores.to_string());
            assert_eq!(get("threads_per_core"), n.threads.to_string());
            assert_eq!(get("total_memory"), (n.memory / 1024).to_string());
            let mhz: f64 = get("cpu_mhz").parse().unwrap();
            assert_eq!(mhz as u32, n.mhz);
            assert_eq!(get("max_cpu_id"), (ncpus - 1).to_string());
            println!("xl info agrees: {} CPUs, {} MiB", n.cpus, n.memory / 1024);
        }
        None => println!("xl not in PATH: checked against /proc/cpuinfo only"),
    }
}

#[test]
fn domain0_is_listed_with_sensible_memory_and_vcpus() {
    if !real_xen() {
        return;
    }
    let d = driver();
    let ids = d.list_domain_ids().unwrap();
    assert_eq!(ids.first(), Some(&0), "{ids:?}");
    assert_eq!(d.num_of_domains().unwrap() as usize, ids.len());
    let info = d.domain_get_info(&dom(0)).unwrap();
    println!("domain 0: {info:?}");
    assert_eq!(info.state, DomainState::Running, "dom0 runs this test");
    assert!(
        info.memory >= 64 * 1024 && info.memory <= info.max_mem,
        "{info:?}"
    );
    assert_eq!(d.domain_get_max_memory(&dom(0)).unwrap(), info.max_mem);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap();
    let dom0_cpus = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count() as u32;
    assert_eq!(info.nr_virt_cpu, dom0_cpus);
    if let Some((mem, vcpus, state)) = xl_list(0) {
        assert_eq!(mem, info.memory / 1024, "xl list Mem");
        assert_eq!(vcpus, info.nr_virt_cpu, "xl list VCPUs");
        assert!(state.starts_with('r'), "xl state {state}");
    }
    // CPU time moves while dom0 works.
    let t0 = info.cpu_time;
    let spin = Instant::now();
    while spin.elapsed() < Duration::from_millis(50) {}
    assert!(d.domain_get_info(&dom(0)).unwrap().cpu_time > t0);
    assert!(d.domain_is_active(&dom(0)).unwrap());
    assert_eq!(
        d.domain_get_state(&dom(0), 0).unwrap(),
        (DomainState::Running, 0)
    );
    // One hypercall for many: the listing call agrees with the lookup.
    let hv = d.hypervisor();
    let list = hv.domain_info_list(0, 16).unwrap();
    assert_eq!(list.first().map(|r| r.id), Some(0));
    assert_eq!(hv.domain_info(0).unwrap().uuid, list[0].uuid);
    // vCPU information of dom0 itself.
    let vcpus = d.domain_get_vcpus(&dom(0)).unwrap();
    assert_eq!(vcpus.len() as u32, dom0_cpus);
    assert!(vcpus.iter().all(|v| v.cpu >= 0 && v.cpu_time > 0));
    let pins = d.domain_get_vcpu_pin_info(&dom(0), 0).unwrap();
    assert_eq!(pins.len(), vcpus.len());
}

#[test]
fn domain0_refuses_suspend_resume_and_kill() {
    if !real_xen() {
        return;
    }
    let d = driver();
    for r in [
        d.domain_suspend(&dom(0)),
        d.domain_resume(&dom(0)),
        d.domain_destroy(&dom(0), 0),
    ] {
        let e = r.expect_err("domain 0 refused");
        assert_eq!(
            (e.code, e.domain),
            (ErrorCode::OperationInvalid, ErrorDomain::Xen)
        );
        assert_eq!(
            e.message,
            "Requested operation is not valid: Domain-0 does not support requested operation"
        );
    }
    assert_eq!(
        d.domain_get_info(&dom(0)).unwrap().state,
        DomainState::Running
    );
}

#[test]
fn unknown_domains_are_no_domain_errors() {
    if !real_xen() {
        return;
    }
    let d = driver();
    let free = (1..0x7ff0)
        .rev()
        .find(|i| !d.list_domain_ids().unwrap().contains(i))
        .unwrap();
    let e = d.domain_get_info(&dom(free)).unwrap_err();
    assert_eq!(e.code, ErrorCode::NoDomain);
    assert_eq!(
        e.message,
        format!("Domain not found: no domain with matching id {free}")
    );
    assert!(!d.domain_is_active(&dom(free)).unwrap());
    assert_eq!(
        d.domain_suspend(&dom(free)).unwrap_err().code,
        ErrorCode::NoDomain
    );
    // An id past the ordinary range is no domain either, not a hypercall.
    assert_eq!(
        d.domain_get_info(&dom(0x7ff0)).unwrap_err().code,
        ErrorCode::NoDomain
    );
    // A domain that is not running is someone else's to describe.
    let inactive = DomainRef {
        name: "x".into(),
        uuid: Uuid::nil(),
        id: None,
    };
    assert_eq!(
        d.domain_get_info(&inactive).unwrap_err().code,
        ErrorCode::NoSupport
    );
}

#[test]
fn read_only_connection_reads_everything() {
    if !real_xen() {
        return;
    }
    let d = HvDriver::open(true).expect("read-only open");
    assert!(d.node_info().unwrap().cpus >= 1);
    assert!(d.list_domain_ids().unwrap().contains(&0));
    assert_eq!(
        d.domain_get_info(&dom(0)).unwrap().state,
        DomainState::Running
    );
}

#[test]
fn locked_anonymous_buffers_work_when_the_hypercall_device_is_missing() {
    if !real_xen() {
        return;
    }
    let paths = DevicePaths {
        hypercall: "/nonexistent/xen/hypercall".into(),
        ..DevicePaths::default()
    };
    let hv = Hypervisor::open_with(&paths, true).expect("open without /dev/xen/hypercall");
    match hv.buffer_source() {
        BufferSource::LockedAnonymous { reason } => println!("fallback: {reason}"),
        other => panic!("unexpected buffer source {other:?}"),
    }
    let d = HvDriver::from_hypervisor(hv);
    assert!(d.list_domain_ids().unwrap().contains(&0));
    assert_eq!(d.node_info().unwrap(), driver().node_info().unwrap());
}

#[test]
fn threads_share_one_connection() {
    if !real_xen() {
        return;
    }
    let d = std::sync::Arc::new(driver());
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let d = d.clone();
            std::thread::spawn(move || {
                for _ in 0..200 {
                    let list = d.hypervisor().domain_info_list(0, 64).unwrap();
                    assert_eq!(list.first().map(|r| r.id), Some(0));
                    assert!(d.domain_get_info(&dom(0)).unwrap().memory > 0);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
}

#[test]
fn guest_is_listed_and_described_like_xl_does() {
    let Some(name) = xen_guest() else { return };
    let d = driver();
    let id = guest_id(&name);
    assert!(d.list_domain_ids().unwrap().contains(&id));
    let info = d.domain_get_info(&dom(id)).unwrap();
    println!("guest {name} (id {id}): {info:?}");
    assert!(matches!(
        info.state,
        DomainState::Running | DomainState::Blocked
    ));
    let (mem, vcpus, _) = xl_list(id).expect("xl list");
    assert_eq!(mem, info.memory / 1024);
    assert_eq!(vcpus, info.nr_virt_cpu);
    let rec = d.hypervisor().domain_info(id).unwrap();
    // xl sets the domain handle to the guest's UUID, which xenstore keeps.
    if let Some(vm) = tool("xenstore-read", &[&format!("/local/domain/{id}/vm")]) {
        assert_eq!(vm.trim(), format!("/vm/{}", rec.uuid));
    }
    // The same UUID in the handle passes the stale-id check.
    let named = DomainRef {
        name: name.clone(),
        uuid: rec.uuid,
        id: Some(id),
    };
    assert!(d.domain_get_info(&named).is_ok());
    let stale = DomainRef {
        uuid: Uuid::from_u128(1),
        ..named
    };
    assert_eq!(
        d.domain_get_info(&stale).unwrap_err().code,
        ErrorCode::NoDomain
    );
}

#[test]
fn guest_pause_and_unpause() {
    let Some(name) = xen_guest() else { return };
    let d = driver();
    let g = dom(guest_id(&name));
    d.domain_suspend(&g).unwrap();
    assert_eq!(d.domain_get_info(&g).unwrap().state, DomainState::Paused);
    assert_eq!(d.domain_get_state(&g, 0).unwrap().0, DomainState::Paused);
    if let Some((_, _, state)) = xl_list(g.id.unwrap()) {
        assert_eq!(state.chars().nth(2), Some('p'), "xl state {state}");
    }
    // A second suspend is a no-op, so one resume undoes both.
    d.domain_suspend(&g).unwrap();
    d.domain_resume(&g).unwrap();
    let state = d.domain_get_info(&g).unwrap().state;
    assert!(
        matches!(state, DomainState::Running | DomainState::Blocked),
        "{state:?}"
    );
    // Resuming a running guest changes nothing and is not an error.
    d.domain_resume(&g).unwrap();
    assert_ne!(d.domain_get_info(&g).unwrap().state, DomainState::Paused);
}

#[test]
fn guest_max_memory() {
    let Some(name) = xen_guest() else { return };
    let d = driver();
    let g = dom(guest_id(&name));
    let before = d.domain_get_max_memory(&g).unwrap();
    let target = before + 64 * 1024;
    d.domain_set_memory_flags(&g, target, affect::MAXIMUM)
        .unwrap();
    assert_eq!(d.domain_get_max_memory(&g).unwrap(), target);
    assert_eq!(d.domain_get_info(&g).unwrap().max_mem, target);
    d.domain_set_memory_flags(&g, before, affect::MAXIMUM | affect::LIVE)
        .unwrap();
    assert_eq!(d.domain_get_max_memory(&g).unwrap(), before);
    // The balloon target and the definition are not the hypervisor's.
    for flags in [affect::LIVE, affect::MAXIMUM | affect::CONFIG] {
        let e = d.domain_set_memory_flags(&g, before, flags).unwrap_err();
        assert_eq!(e.code, ErrorCode::NoSupport);
    }
}

#[test]
fn guest_vcpu_pinning() {
    let Some(name) = xen_guest() else { return };
    let d = driver();
    let g = dom(guest_id(&name));
    let (ncpus, online) = d.node_cpu_map().unwrap();
    let vcpus = d.domain_get_vcpus(&g).unwrap();
    assert_eq!(
        vcpus.len() as u32,
        d.domain_get_info(&g).unwrap().nr_virt_cpu
    );
    let v0 = &vcpus[0];
    println!("vcpu 0: {v0:?}");
    assert!(v0.cpu_time > 0);
    let before = d.domain_get_vcpu_pin_info(&g, 0).unwrap()[0].clone();
    let last = online.cpus().last().unwrap();
    let mut one = CpuMap::new(ncpus);
    one.set(last);
    d.domain_pin_vcpu(&g, 0, &one, 0).unwrap();
    let pinned = d.domain_get_vcpu_pin_info(&g, affect::LIVE).unwrap();
    assert_eq!(pinned[0].cpus().collect::<Vec<_>>(), vec![last]);
    assert_eq!(d.domain_get_vcpus(&g).unwrap()[0].affinity, pinned[0]);
    if let Some(text) = tool("xl", &["vcpu-list", &name]) {
        println!("{text}");
        assert!(text
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains(&format!(" {last} "))));
    }
    // Out of range and empty maps are refused before any hypercall.
    let e = d
        .domain_pin_vcpu(&g, vcpus.len() as u32, &one, 0)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArg);
    let e = d
        .domain_pin_vcpu(&g, 0, &CpuMap::new(ncpus), 0)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArg);
    d.domain_pin_vcpu(&g, 0, &before, 0).unwrap();
    assert_eq!(d.domain_get_vcpu_pin_info(&g, 0).unwrap()[0], before);
}

#[test]
fn guest_destroy_removes_it() {
    let Some(name) = xen_guest() else { return };
    let d = driver();
    let id = guest_id(&name);
    d.domain_destroy(&dom(id), 0).unwrap();
    let start = Instant::now();
    eventually("the guest leaves the hypervisor's list", || {
        !d.list_domain_ids().unwrap().contains(&id)
    });
    println!("guest {id} gone after {:?}", start.elapsed());
    assert_eq!(
        d.domain_get_info(&dom(id)).unwrap_err().code,
        ErrorCode::NoDomain
    );
    assert!(!d.domain_is_active(&dom(id)).unwrap());
}
