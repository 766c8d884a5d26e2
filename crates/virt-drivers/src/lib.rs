//! The drivers a virt-rs program is built with, one Cargo feature each:
//! `test`, `qemu` (with the storage and network drivers stacked under it), `xen` and
//! `remote` (the client of libvirt's remote protocol). virsh, the daemon,
//! the C library and the Python module all compose them here, so a new
//! driver, or a new way to reach one, is added once.
//!
//! - [`register`]: put every compiled-in driver in virt-core's URI registry.
//! - [`hypervisors`]: their names, as virsh `-V` and the daemon list them.
//! - [`serve_node`], [`guests_running`]: for the daemon, which owns the
//!   node's guests.

/// Register every compiled-in driver with virt-core's URI registry, in the
/// order that decides the default URI (`test:///default` first among the
/// local ones). Registering twice is harmless.
pub fn register() {
    // First: only it takes URIs with a transport (test+unix://...).
    #[cfg(feature = "remote")]
    virt_remote::client::register();
    #[cfg(feature = "test")]
    virt_test::register();
    // QEMU guests with the storage and network drivers stacked under them.
    #[cfg(feature = "qemu")]
    {
        virt_core::register_driver(virt_core::DriverEntry {
            name: "qemu",
            default_uri: None,
            open: open_qemu_stack,
        });
        virt_qemu::tap::set_tap_opener(open_tap);
    }
    #[cfg(feature = "xen")]
    virt_xen::register();
}

/// Make this process the owner of the node's guests (the daemon, before
/// it registers the drivers): the QEMU driver then serves `qemu:///system`
/// and `qemu:///session` itself and watches every guest.
pub fn serve_node() {
    // A daemon built together with the remote client (Cargo features
    // unify across a workspace build) must not send the node's URIs to
    // a daemon, which would be itself.
    #[cfg(feature = "remote")]
    virt_remote::local::serving_node();
    #[cfg(feature = "qemu")]
    virt_qemu::serve_node();
}

/// True while a guest of the node runs (an idle daemon stays for it).
pub fn guests_running() -> bool {
    #[cfg(feature = "qemu")]
    return virt_qemu::guests_running();
    #[cfg(not(feature = "qemu"))]
    false
}

/// A `qemu:` connection: the QEMU driver first, then the storage and
/// the network drivers, each answering the calls those before it decline
/// (a member that does not take the URI, as the storage and network
/// drivers do not take `qemu:///embed` without a root, is left out).
#[cfg(feature = "qemu")]
fn open_qemu_stack(
    uri: &virt_core::Uri,
    read_only: bool,
) -> Option<virt_core::Result<Box<dyn virt_core::Driver>>> {
    let mut stack = match virt_qemu::open(uri, read_only)? {
        Ok(d) => vec![d],
        Err(e) => return Some(Err(e)),
    };
    let members: [virt_core::DriverOpener; 2] = [virt_storage::open, virt_network::open];
    for open_member in members {
        match open_member(uri, read_only) {
            Some(Ok(d)) => stack.push(d),
            Some(Err(e)) => return Some(Err(e)),
            None => {}
        }
    }
    if stack.len() == 1 {
        return stack.pop().map(Ok);
    }
    Some(Ok(Box::new(virt_core::DriverStack::new(stack))))
}

/// A guest interface's tap, made by the network driver for the QEMU
/// driver (neither knows the other).
#[cfg(feature = "qemu")]
fn open_tap(r: &virt_qemu::tap::TapRequest<'_>) -> virt_core::Result<virt_qemu::tap::Tap> {
    let (fd, name) = virt_network::tap::open(r.system, r.network, r.bridge, r.mac)?;
    Ok(virt_qemu::tap::Tap { fd, name })
}

/// The hypervisors compiled in, in libvirt's order (it listed Xen first
/// while it had the Xen driver): virsh `-V` prints them.
pub fn hypervisors() -> Vec<&'static str> {
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_compiled_in_drivers_open_their_uris() {
        super::register();
        super::register();
        #[cfg(feature = "test")]
        {
            let c = virt_core::Connect::open("test:///default");
            assert_eq!(
                c.map(|c| c.type_name().to_string()).ok().as_deref(),
                Some("TEST")
            );
        }
        let e = virt_core::Connect::open("nosuch:///").err().map(|e| e.code);
        assert_eq!(e, Some(virt_core::ErrorCode::NoConnect));
        assert_eq!(
            super::hypervisors().len(),
            [
                cfg!(feature = "xen"),
                cfg!(feature = "qemu"),
                cfg!(feature = "test")
            ]
            .iter()
            .filter(|b| **b)
            .count()
        );
    }
}
