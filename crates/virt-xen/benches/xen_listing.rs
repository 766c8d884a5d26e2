//! Listing every domain with its info, three ways, in one run on a real
//! Xen (issue 5, "speed"):
//!
//! - hypercalls: one `XEN_SYSCTL_getdomaininfolist` (virt-xen-hv) gives
//!   every domain's state, memory, vCPUs and CPU time;
//! - xenstore: the lookups libvirt's xenstore code made (virt-xenstore):
//!   a directory of `/local/domain`, then name, vm path, UUID, memory
//!   target and vCPUs per domain, each a round trip to xenstored;
//! - the `xen:///` driver: `list_all_domains` + `info` on each, what a
//!   libvirt user gets from the stack.
//!
//! It needs dom0 of a real Xen: `cargo xtask xen-vm` runs it there, with a
//! guest up so that more than one domain is listed. Without
//! `VIRT_XEN_REAL=1` it prints a skip notice and exits 0; with it, any
//! failure exits non-zero. `XEN_LISTING_SECS` sets the time per method
//! (default 1 s).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use virt_core::Connect;
use virt_xen_hv::Hypervisor;
use virt_xenstore::{lookup, Client};

/// Listings per second and microseconds per listing of `op`, run for about
/// `budget` (at least 20 times); the first error stops it.
fn measure(
    budget: Duration,
    mut op: impl FnMut() -> Result<usize, String>,
) -> Result<(f64, f64), String> {
    for _ in 0..5 {
        op()?;
    }
    let start = Instant::now();
    let mut n = 0u64;
    while n < 20 || start.elapsed() < budget {
        op()?;
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    Ok((n as f64 / secs, secs * 1e6 / n as f64))
}

fn run() -> Result<(), String> {
    let budget = Duration::from_secs_f64(
        std::env::var("XEN_LISTING_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .filter(|s: &f64| *s > 0.0)
            .unwrap_or(1.0),
    );
    let hv = Hypervisor::open(true).map_err(|e| format!("hypercalls: {e}"))?;
    let node_kib = hv
        .physinfo()
        .map(|p| p.total_pages.saturating_mul(hv.page_size() / 1024))
        .map_err(|e| format!("physinfo: {e}"))?;
    let mut xs = Client::open(true).map_err(|e| format!("xenstore: {e}"))?;
    virt_xen::register();
    let conn = Connect::open_read_only("xen:///").map_err(|e| format!("xen:///: {e}"))?;

    // The three must agree on what there is before their speed means much.
    let by_hv: Vec<u32> = hv
        .domains()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|d| d.id)
        .collect();
    let by_xs: Vec<u32> = lookup::domains(&mut xs)
        .map_err(|e| e.to_string())?
        .iter()
        .map(|d| d.id)
        .collect();
    let mut by_conn: Vec<u32> = conn
        .list_all_domains(0)
        .map_err(|e| e.to_string())?
        .iter()
        .filter_map(|d| d.id())
        .collect();
    by_conn.sort_unstable();
    if by_hv != by_xs || by_hv != by_conn {
        return Err(format!(
            "the methods disagree: hypercalls {by_hv:?}, xenstore {by_xs:?}, xen:/// {by_conn:?}"
        ));
    }
    let names: Vec<String> = lookup::domains(&mut xs)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|d| d.name.unwrap_or_else(|| format!("#{}", d.id)))
        .collect();
    println!(
        "xen_listing: {} domains ({}), {:.1} s per method",
        by_hv.len(),
        names.join(", "),
        budget.as_secs_f64()
    );

    let hyper = measure(budget, || {
        let list = hv.domains().map_err(|e| e.to_string())?;
        let infos: Vec<_> = list.iter().map(|d| d.info(node_kib)).collect();
        Ok(std::hint::black_box(infos).len())
    })?;
    let store = measure(budget, || {
        let list = lookup::domains(&mut xs).map_err(|e| e.to_string())?;
        Ok(std::hint::black_box(list).len())
    })?;
    let stack = measure(budget, || {
        let list = conn.list_all_domains(0).map_err(|e| e.to_string())?;
        let mut n = 0;
        for d in &list {
            std::hint::black_box(d.info().map_err(|e| e.to_string())?);
            n += 1;
        }
        Ok(n)
    })?;
    for (what, (ops, us)) in [
        ("hypercalls (getdomaininfolist)", hyper),
        ("xenstore (directory + reads)", store),
        ("xen:/// (list_all_domains + info)", stack),
    ] {
        println!("xen_listing: {what:<34} {ops:>10.0} listings/s {us:>10.1} us per listing+info");
    }
    println!(
        "xen_listing: hypercalls are {:.1}x faster than xenstore",
        hyper.0 / store.0
    );
    Ok(())
}

fn main() -> ExitCode {
    if std::env::var("VIRT_XEN_REAL").as_deref() != Ok("1") {
        println!(
            "xen_listing: skipped: no real Xen (set VIRT_XEN_REAL=1 inside dom0; \
             `cargo xtask xen-vm` runs it there)"
        );
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xen_listing: {e}");
            ExitCode::FAILURE
        }
    }
}
