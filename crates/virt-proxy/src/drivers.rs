//! The hypervisor drivers this build serves (virt-drivers' features `test`,
//! `qemu`, `xen`, as virsh's): a client's CONNECT_OPEN picks among them by
//! URI. The daemon is built without the remote client: it serves drivers,
//! it does not forward to another daemon.

/// Register every compiled-in driver with virt-core's URI registry; this
/// process owns the node's QEMU guests.
pub fn register() {
    virt_drivers::serve_node();
    virt_drivers::register();
}

/// The drivers' names, for `--version` and the start-up log.
pub fn names() -> Vec<&'static str> {
    virt_drivers::hypervisors()
}

/// True while a guest this daemon owns runs (an idle daemon stays for it).
pub fn guests_running() -> bool {
    virt_drivers::guests_running()
}
