//! The hypervisor drivers this build serves (virt-drivers' features `test`,
//! `qemu`, `xen`, as virsh's): a client's CONNECT_OPEN picks among them by
//! URI. The daemon is built without the remote client: it serves drivers,
//! it does not forward to another daemon.

/// Register every compiled-in driver with virt-core's URI registry.
pub fn register() {
    virt_drivers::register();
}

/// The drivers' names, for `--version` and the start-up log.
pub fn names() -> Vec<&'static str> {
    virt_drivers::hypervisors()
}
