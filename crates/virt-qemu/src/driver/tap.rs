//! Guest interfaces on a host bridge (`<interface type='network'>` and
//! `type='bridge'`): a tap device made by the network side and handed to
//! QEMU as an open file descriptor (`-netdev tap,fd=N`), as libvirt does,
//! so QEMU needs no privileges and no helper. The tap lives as long as
//! QEMU holds the fd: when the guest ends, the kernel removes it.
//!
//! This crate does not know how networks are run: the program that
//! composes the drivers sets the [`TapOpener`] (virt-drivers sets
//! virt-network's). Without one, `type='network'` is refused and
//! `type='bridge'` falls back to QEMU's bridge helper.

use crate::error::{QemuError, QemuResult};
use std::os::fd::{OwnedFd, RawFd};
use std::sync::OnceLock;
use virt_xml::DomainDef;

/// What a guest interface asks to be plugged into.
#[derive(Debug, Clone, Copy)]
pub struct TapRequest<'a> {
    /// `qemu:///system` (true) or `qemu:///session`.
    pub system: bool,
    /// `<source network=...>` of a `type='network'` interface.
    pub network: Option<&'a str>,
    /// `<source bridge=...>` of a `type='bridge'` interface.
    pub bridge: Option<&'a str>,
    /// The guest's MAC address, when the definition has one.
    pub mac: Option<&'a str>,
}

/// A tap device plugged into its bridge.
#[derive(Debug)]
pub struct Tap {
    /// The open tap (`/dev/net/tun` after `TUNSETIFF`).
    pub fd: OwnedFd,
    /// Its device name (`vnet0`).
    pub name: String,
}

/// Makes the tap of one interface.
pub type TapOpener = fn(&TapRequest<'_>) -> virt_core::Result<Tap>;

static OPENER: OnceLock<TapOpener> = OnceLock::new();

/// Set the tap maker (once; later calls are ignored).
pub fn set_tap_opener(opener: TapOpener) {
    let _ = OPENER.set(opener);
}

/// The first fd number taps are passed at in QEMU (after the monitor's).
pub const FIRST_TAP_FD: RawFd = 4;

/// The taps of `def`'s interfaces, by interface index (`None` for the
/// interfaces that take no tap).
pub fn open_taps(def: &DomainDef, system: bool) -> QemuResult<Vec<Option<Tap>>> {
    let mut out = Vec::new();
    for iface in &def.devices.interfaces {
        let wants = matches!(iface.iface_type.as_str(), "network" | "bridge");
        let source = iface.typed_source()?;
        let tap = match (wants, OPENER.get()) {
            (true, Some(open)) => Some(
                open(&TapRequest {
                    system,
                    network: source.network.as_deref(),
                    bridge: source.bridge.as_deref(),
                    mac: iface.mac.as_deref(),
                })
                .map_err(QemuError::Driver)?,
            ),
            _ => None,
        };
        out.push(tap);
    }
    Ok(out)
}

/// The fd numbers QEMU finds the taps at, by interface index.
pub fn tap_fd_numbers(taps: &[Option<Tap>]) -> Vec<Option<RawFd>> {
    let mut next = FIRST_TAP_FD;
    taps.iter()
        .map(|t| {
            t.as_ref().map(|_| {
                let n = next;
                next += 1;
                n
            })
        })
        .collect()
}
