//! virt-python: libvirt-python's module `libvirt`, over virt-core.
//!
//! - [`constants`]: the `VIR_*` names and values the module exports.
//! - [`api_map`]: which Python method serves each driver call (checked
//!   against virt-core's driver table).
//! - [`register_backends`]: the drivers compiled in (test, QEMU with
//!   storage, Xen).
//! - `py` (feature `python`, which maturin turns on): the PyO3 module
//!   `libvirt.libvirtmod`, with the classes `virConnect`, `virDomain`,
//!   `virNetwork`, `virStoragePool`, the module functions and the error
//!   plumbing behind `libvirt.libvirtError`. The Python half (the
//!   `libvirt` package and `libvirtaio`) lives in `python/`.
//!
//! Without the feature the crate builds and tests with plain cargo, on a
//! machine with no Python at all.

#![warn(missing_docs)]

pub mod api_map;
pub mod constants;

#[cfg(feature = "python")]
mod py;

/// Register every driver compiled into the module, in virsh's order (so the
/// default URI is the same: `test:///default` unless the environment says
/// otherwise). Registering twice is harmless.
pub fn register_backends() {
    virt_drivers::register();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backends_open_their_uris() {
        register_backends();
        let c = virt_core::Connect::open("test:///default").expect("test:///default");
        assert_eq!(c.type_name(), "TEST");
        let e = virt_core::Connect::open("nosuch:///").err().map(|e| e.code);
        assert_eq!(e, Some(virt_core::ErrorCode::NoConnect));
    }

    /// The module reaches daemons too: a URI with a transport goes to the
    /// remote client, which reports the missing socket as libvirt's client
    /// does (a system error naming it), not "no driver".
    #[test]
    fn remote_uris_reach_the_remote_client() {
        register_backends();
        let dir =
            std::env::temp_dir().join(format!("virt-python-no-daemon-{}", std::process::id()));
        let uri = format!("test+unix:///default?socket={}/sock", dir.display());
        let e = virt_core::Connect::open(&uri).err();
        let msg = e.as_ref().map(|e| e.message.clone()).unwrap_or_default();
        assert_eq!(
            e.map(|e| e.code),
            Some(virt_core::ErrorCode::SystemError),
            "{msg}"
        );
        assert!(msg.contains("/sock"), "{msg}");
    }
}
