//! virt-xen-hv: Xen hypercalls through /dev/xen/privcmd, the fast way to
//! read the state of every domain.
//!
//! - [`abi`]: the structs and numbers of Xen 4.17's hypercall ABI
//!   (sysctl/domctl interface version 0x15), checked against Xen's C
//!   headers by a test.
//! - [`Hypervisor`]: privcmd opened and probed; `xen_version`, sysctl
//!   physinfo / cputopoinfo / getdomaininfolist, and the domctls
//!   getdomaininfo, pause, unpause, destroy, max_mem, get/set vCPU affinity
//!   and getvcpuinfo.
//! - [`capabilities`]: the node's capabilities from the host machine,
//!   cpuinfo and the hypervisor's guest ABIs, in libvirt 0.2.x's layout
//!   and today's.
//! - [`HvDriver`]: the hypercall member of the `xen:///` driver stack
//!   ([`virt_core::Driver`]); it knows domains by id only, so calls that
//!   need a name fall through to the next member.
//!
//! Only Xen 4.17 is supported: any other version, or a hypervisor that
//! refuses interface version 0x15, is refused at open with `NoXen` rather
//! than risk misreading memory. Errors are [`HvError`], converted into
//! [`virt_core::Error`] (domain `Xen`) at the crate edge.

#![warn(missing_docs)]

pub mod abi;
pub mod capabilities;
mod driver;
mod error;
mod hypervisor;
mod privcmd;

pub use driver::HvDriver;
pub use error::HvError;
pub use hypervisor::{
    bitmap_len, cpumap_from_xen, cpumap_to_xen, domain_state, node_info, online_cpus, DevicePaths,
    DomainRecord, Hypervisor, VcpuRecord, XenVersion, MAX_LIST_PER_CALL,
};
pub use privcmd::BufferSource;
