//! Every struct, field offset and constant of [`super`] checked against
//! Xen's C headers: the test writes a C program that prints them, builds it
//! with `cc` against `/usr/include/xen` (Debian's libxen-dev), runs it and
//! compares.

use super::*;
use std::collections::BTreeMap;
use std::mem::{offset_of, size_of};
use std::path::PathBuf;
use std::process::Command;

/// `(key, C expression, Rust value)`: the key names the fact in messages,
/// the C expression computes it from the headers.
type Fact = (String, String, u64);

fn size(c_type: &str, rust: usize) -> Fact {
    (
        format!("sizeof({c_type})"),
        format!("sizeof({c_type})"),
        rust as u64,
    )
}

fn member_size(c_type: &str, member: &str, rust: usize) -> Fact {
    (
        format!("sizeof({c_type}.{member})"),
        format!("sizeof((({c_type} *)0)->{member})"),
        rust as u64,
    )
}

fn constant(name: &str, rust: u64) -> Fact {
    (
        name.to_string(),
        format!("(unsigned long long)({name})"),
        rust,
    )
}

/// Offsets of fields whose names are the same in C and Rust.
macro_rules! offsets {
    ($facts:ident, $rust:ty, $c:literal, [$($field:ident),+ $(,)?]) => {
        $facts.push(size($c, size_of::<$rust>()));
        $(
            $facts.push((
                format!("offsetof({}, {})", $c, stringify!($field)),
                format!("offsetof({}, {})", $c, stringify!($field)),
                offset_of!($rust, $field) as u64,
            ));
        )+
    };
}

fn facts() -> Vec<Fact> {
    let mut f: Vec<Fact> = Vec::new();
    offsets!(f, PrivcmdHypercall, "privcmd_hypercall_t", [op, arg]);
    offsets!(f, XenctlBitmap, "struct xenctl_bitmap", [bitmap, nr_bits]);
    offsets!(f, Sysctl, "struct xen_sysctl", [cmd, interface_version, u]);
    f.push(member_size("struct xen_sysctl", "u", PAYLOAD_LEN));
    offsets!(
        f,
        Domctl,
        "struct xen_domctl",
        [cmd, interface_version, domain, _pad, u]
    );
    f.push(member_size("struct xen_domctl", "u", PAYLOAD_LEN));
    offsets!(
        f,
        SysctlPhysinfo,
        "struct xen_sysctl_physinfo",
        [
            threads_per_core,
            cores_per_socket,
            nr_cpus,
            max_cpu_id,
            nr_nodes,
            max_node_id,
            cpu_khz,
            capabilities,
            arch_capabilities,
            pad,
            total_pages,
            free_pages,
            scrub_pages,
            outstanding_pages,
            max_mfn,
            hw_cap,
        ]
    );
    offsets!(
        f,
        SysctlGetdomaininfolist,
        "struct xen_sysctl_getdomaininfolist",
        [first_domain, max_domains, buffer, num_domains]
    );
    offsets!(
        f,
        SysctlCputopoinfo,
        "struct xen_sysctl_cputopoinfo",
        [num_cpus, cputopo]
    );
    offsets!(
        f,
        SysctlCputopo,
        "struct xen_sysctl_cputopo",
        [core, socket, node]
    );
    offsets!(
        f,
        ArchDomainconfig,
        "struct xen_arch_domainconfig",
        [emulation_flags, misc_flags]
    );
    offsets!(
        f,
        DomctlGetdomaininfo,
        "struct xen_domctl_getdomaininfo",
        [
            domain,
            pad1,
            flags,
            tot_pages,
            max_pages,
            outstanding_pages,
            shr_pages,
            paged_pages,
            shared_info_frame,
            cpu_time,
            nr_online_vcpus,
            max_vcpu_id,
            ssidref,
            handle,
            cpupool,
            gpaddr_bits,
            pad2,
            arch_config,
        ]
    );
    offsets!(f, DomctlMaxMem, "struct xen_domctl_max_mem", [max_memkb]);
    offsets!(
        f,
        DomctlGetvcpuinfo,
        "struct xen_domctl_getvcpuinfo",
        [vcpu, online, blocked, running, cpu_time, cpu]
    );
    offsets!(
        f,
        DomctlVcpuaffinity,
        "struct xen_domctl_vcpuaffinity",
        [vcpu, flags, cpumap_hard, cpumap_soft]
    );
    f.push(size("xen_domain_handle_t", 16));
    f.push(size("domid_t", 2));
    f.push(size("xen_extraversion_t", XEN_EXTRAVERSION_LEN));
    f.push(size("xen_capabilities_info_t", XEN_CAPABILITIES_INFO_LEN));

    for (name, value) in [
        ("IOCTL_PRIVCMD_HYPERCALL", IOCTL_PRIVCMD_HYPERCALL),
        ("__HYPERVISOR_xen_version", HYPERVISOR_XEN_VERSION),
        ("__HYPERVISOR_sysctl", HYPERVISOR_SYSCTL),
        ("__HYPERVISOR_domctl", HYPERVISOR_DOMCTL),
        ("XENVER_version", XENVER_VERSION),
        ("XENVER_extraversion", XENVER_EXTRAVERSION),
        ("XENVER_capabilities", XENVER_CAPABILITIES),
        ("XENVER_pagesize", XENVER_PAGESIZE),
        (
            "XEN_SYSCTL_INTERFACE_VERSION",
            u64::from(SYSCTL_INTERFACE_VERSION),
        ),
        (
            "XEN_DOMCTL_INTERFACE_VERSION",
            u64::from(DOMCTL_INTERFACE_VERSION),
        ),
        ("XEN_SYSCTL_physinfo", u64::from(SYSCTL_PHYSINFO)),
        (
            "XEN_SYSCTL_getdomaininfolist",
            u64::from(SYSCTL_GETDOMAININFOLIST),
        ),
        ("XEN_SYSCTL_cputopoinfo", u64::from(SYSCTL_CPUTOPOINFO)),
        ("XEN_DOMCTL_destroydomain", u64::from(DOMCTL_DESTROYDOMAIN)),
        ("XEN_DOMCTL_pausedomain", u64::from(DOMCTL_PAUSEDOMAIN)),
        ("XEN_DOMCTL_unpausedomain", u64::from(DOMCTL_UNPAUSEDOMAIN)),
        ("XEN_DOMCTL_getdomaininfo", u64::from(DOMCTL_GETDOMAININFO)),
        (
            "XEN_DOMCTL_setvcpuaffinity",
            u64::from(DOMCTL_SETVCPUAFFINITY),
        ),
        ("XEN_DOMCTL_max_mem", u64::from(DOMCTL_MAX_MEM)),
        ("XEN_DOMCTL_getvcpuinfo", u64::from(DOMCTL_GETVCPUINFO)),
        (
            "XEN_DOMCTL_getvcpuaffinity",
            u64::from(DOMCTL_GETVCPUAFFINITY),
        ),
        ("XEN_DOMINF_dying", u64::from(DOMINF_DYING)),
        ("XEN_DOMINF_hvm_guest", u64::from(DOMINF_HVM_GUEST)),
        ("XEN_DOMINF_shutdown", u64::from(DOMINF_SHUTDOWN)),
        ("XEN_DOMINF_paused", u64::from(DOMINF_PAUSED)),
        ("XEN_DOMINF_blocked", u64::from(DOMINF_BLOCKED)),
        ("XEN_DOMINF_running", u64::from(DOMINF_RUNNING)),
        ("XEN_DOMINF_shutdownshift", u64::from(DOMINF_SHUTDOWNSHIFT)),
        ("XEN_DOMINF_shutdownmask", u64::from(DOMINF_SHUTDOWNMASK)),
        ("SHUTDOWN_crash", u64::from(SHUTDOWN_CRASH)),
        ("XEN_VCPUAFFINITY_HARD", u64::from(VCPUAFFINITY_HARD)),
        ("XEN_INVALID_MAX_VCPU_ID", u64::from(INVALID_MAX_VCPU_ID)),
        ("XEN_INVALID_CORE_ID", u64::from(INVALID_CORE_ID)),
        ("DOMID_FIRST_RESERVED", u64::from(DOMID_FIRST_RESERVED)),
    ] {
        f.push(constant(name, value));
    }
    f
}

const INSTALL_HINT: &str = "the ABI layout test needs a C compiler and Xen's public headers: \
                            apt-get install libxen-dev gcc";

fn c_program(facts: &[Fact]) -> String {
    let mut src = String::from(
        "#include <stddef.h>\n#include <stdio.h>\n#include <stdint.h>\n#include <sys/ioctl.h>\n#include <linux/types.h>\n\
         #include <xen/xen.h>\n#include <xen/version.h>\n#include <xen/sched.h>\n\
         #include <xen/sysctl.h>\n#include <xen/domctl.h>\n#include <xen/sys/privcmd.h>\n\
         int main(void)\n{\n",
    );
    for (key, expr, _) in facts {
        src.push_str(&format!(
            "    printf(\"%s=%llu\\n\", \"{key}\", (unsigned long long)({expr}));\n"
        ));
    }
    src.push_str("    return 0;\n}\n");
    src
}

#[test]
fn layout_matches_xen_headers() {
    // A machine without libxen-dev has nothing to compare against.
    if !std::path::Path::new("/usr/include/xen/domctl.h").exists() {
        return println!("skipped: /usr/include/xen/domctl.h is missing; {INSTALL_HINT}");
    }
    let facts = facts();
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "virt-xen-hv-layout-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
    let src = dir.join("layout.c");
    let exe = dir.join("layout");
    std::fs::write(&src, c_program(&facts)).expect("write");
    // The tools build with __XEN_TOOLS__, which unlocks sysctl.h/domctl.h.
    let cc = match Command::new("cc")
        .args(["-D__XEN_TOOLS__", "-Wall", "-o"])
        .arg(&exe)
        .arg(&src)
        .output()
    {
        Ok(cc) => cc,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return println!("skipped: cannot run cc ({e}); {INSTALL_HINT}");
        }
    };
    assert!(
        cc.status.success(),
        "cc could not build the layout program (if headers are missing: {INSTALL_HINT})\n{}",
        String::from_utf8_lossy(&cc.stderr)
    );
    let out = Command::new(&exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "the layout program failed");
    let c: BTreeMap<String, u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (k, v) = l.rsplit_once('=')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect();
    let mut bad = Vec::new();
    for (key, _, rust) in &facts {
        match c.get(key) {
            Some(v) if v == rust => {}
            Some(v) => bad.push(format!("{key}: C {v}, Rust {rust}")),
            None => bad.push(format!("{key}: not printed by the C program")),
        }
    }
    println!(
        "layout: {} of {} sizes, offsets and constants match the Xen headers",
        facts.len() - bad.len(),
        facts.len()
    );
    assert!(bad.is_empty(), "ABI mismatches:\n{}", bad.join("\n"));
}
