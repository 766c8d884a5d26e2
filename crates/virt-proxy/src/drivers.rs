//! The hypervisor drivers this build serves, one Cargo feature each (as
//! virsh's): a client's CONNECT_OPEN picks among them by URI.

/// Register every compiled-in driver with virt-core's URI registry.
pub fn register() {
    #[cfg(feature = "test")]
    virt_test::register();
    // QEMU guests with the storage driver stacked under them.
    #[cfg(feature = "qemu")]
    virt_storage::register_with(virt_qemu::open);
    #[cfg(feature = "xen")]
    virt_xen::register();
}

/// The drivers' names, for `--version` and the start-up log.
pub fn names() -> Vec<&'static str> {
    let mut v = Vec::new();
    if cfg!(feature = "xen") {
        v.push("Xen");
    }
    if cfg!(feature = "qemu") {
        v.push("QEMU");
    }
    if cfg!(feature = "test") {
        v.push("Test");
    }
    v
}
