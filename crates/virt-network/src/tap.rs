//! Tap devices for guests: a `vnetN` made through `/dev/net/tun`, given
//! the guest's MAC with its first byte set to 0xfe (so the bridge never
//! takes the guest's own address as its own, as libvirt does), plugged
//! into the bridge of a running network (or a named host bridge) and
//! brought up. The caller hands the open device to QEMU; the kernel
//! removes the tap when the last descriptor closes.

use crate::error::{NetworkError, NetworkResult};
use crate::netlink::Netlink;
use crate::paths::{self, Paths};
use std::fs::OpenOptions;
use std::os::fd::OwnedFd;

/// `TUNSETIFF` (`_IOW('T', 202, int)`: the kernel declares an `int` but
/// reads and writes a `struct ifreq`).
const TUNSETIFF: rustix::ioctl::Opcode = rustix::ioctl::opcode::write::<libc::c_int>(b'T', 202);
const IFF_TAP: libc::c_short = 0x0002;
const IFF_NO_PI: libc::c_short = 0x1000;

/// The bridge guests of network `name` plug into: the running network's.
pub fn network_bridge(paths: &Paths, name: &str) -> NetworkResult<String> {
    let live = std::fs::read_to_string(paths.run_file(name, "xml"));
    let Ok(text) = live else {
        if paths.config_xml(name).exists() {
            return Err(NetworkError::Invalid(format!(
                "network '{name}' is not active"
            )));
        }
        return Err(NetworkError::NoNetwork(name.to_string()));
    };
    let def = virt_xml::parse_network(&text)?;
    def.bridge_name().map(str::to_string).ok_or_else(|| {
        NetworkError::Internal(format!("network '{name}' does not have a bridge name."))
    })
}

/// Make `file`, an open `/dev/net/tun`, a new tap (`vnetN`, the kernel
/// picking N, without packet information); returns its name.
fn make_tap(file: &std::fs::File) -> std::io::Result<String> {
    let mut ifr = [0u8; 40];
    ifr[..6].copy_from_slice(b"vnet%d");
    ifr[16..18].copy_from_slice(&(IFF_TAP | IFF_NO_PI).to_ne_bytes());
    // SAFETY: TUNSETIFF reads and writes a `struct ifreq` (40 bytes on
    // Linux), which the updater points at: a live, writable 40-byte buffer
    // borrowed for the whole call.
    unsafe {
        let set = rustix::ioctl::Updater::<TUNSETIFF, [u8; 40]>::new(&mut ifr);
        rustix::ioctl::ioctl(file, set)
    }?;
    let end = ifr[..16].iter().position(|b| *b == 0).unwrap_or(16);
    Ok(String::from_utf8_lossy(&ifr[..end]).into_owned())
}

/// Make a tap, plugged into `bridge` and up; returns it open, and its name.
pub fn open_on_bridge(bridge: &str, guest_mac: Option<&str>) -> NetworkResult<(OwnedFd, String)> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/net/tun")
        .map_err(|e| {
            NetworkError::system("Unable to open /dev/net/tun, is tun module loaded?", e)
        })?;
    let name =
        make_tap(&file).map_err(|e| NetworkError::system("Unable to create tap device", e))?;
    let fail = |what: String| move |e| NetworkError::system(what, e);
    let mut nl = Netlink::open().map_err(fail("cannot open a netlink socket".into()))?;
    let index = nl
        .link_index(&name)
        .map_err(fail(format!("Unable to get index for interface {name}")))?
        .ok_or_else(|| NetworkError::Internal(format!("tap {name} vanished")))?;
    let master = nl
        .link_index(bridge)
        .map_err(fail(format!("Unable to get index for interface {bridge}")))?
        .ok_or_else(|| {
            NetworkError::system(
                format!("Unable to add bridge {bridge} port {name}"),
                std::io::Error::from_raw_os_error(libc::ENODEV),
            )
        })?;
    if let Some(mac) = guest_mac.and_then(parse_mac) {
        let mut tap_mac = mac;
        tap_mac[0] = 0xfe;
        nl.set_mac(index, tap_mac)
            .map_err(fail(format!("Unable to set MAC address of {name}")))?;
    }
    nl.set_master(index, master)
        .map_err(fail(format!("Unable to add bridge {bridge} port {name}")))?;
    nl.set_up(index, true)
        .map_err(fail(format!("Unable to set flags for interface {name}")))?;
    Ok((OwnedFd::from(file), name))
}

/// The six bytes of a MAC address written `52:54:00:12:34:56`.
pub(crate) fn parse_mac(mac: &str) -> Option<[u8; 6]> {
    let v: Vec<u8> = mac
        .split(':')
        .map(|p| u8::from_str_radix(p, 16).ok())
        .collect::<Option<_>>()?;
    v.try_into().ok()
}

/// The tap of a guest interface of `qemu:///system` (true) or
/// `/session`: on `network`'s bridge when it names one, else on `bridge`.
pub fn open(
    system: bool,
    network: Option<&str>,
    bridge: Option<&str>,
    guest_mac: Option<&str>,
) -> virt_core::Result<(OwnedFd, String)> {
    let bridge = match (network, bridge) {
        (Some(n), _) => network_bridge(&paths::located(system), n)?,
        (None, Some(b)) => b.to_string(),
        (None, None) => {
            return Err(NetworkError::Unsupported(
                "interface has neither a network nor a bridge".into(),
            )
            .into())
        }
    };
    Ok(open_on_bridge(&bridge, guest_mac)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tunsetiff_is_the_kernels_number() {
        // `_IOW('T', 202, int)` as linux/if_tun.h has it.
        assert_eq!(TUNSETIFF as u64, 0x4004_54ca);
    }

    /// A tap made through the ioctl exists under the name the kernel gave
    /// it, and goes with its descriptor. Hosts without the tun device (or
    /// the right to make one) have nothing to test.
    #[test]
    fn a_tap_is_made_and_named() -> std::io::Result<()> {
        let Ok(file) = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/net/tun")
        else {
            return Ok(());
        };
        let name = match make_tap(&file) {
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => return Ok(()),
            r => r?,
        };
        assert!(name.starts_with("vnet"), "{name}");
        let sys = std::path::Path::new("/sys/class/net").join(&name);
        assert!(sys.exists(), "{}", sys.display());
        drop(file);
        assert!(!sys.exists(), "{} outlived its descriptor", sys.display());
        Ok(())
    }
}
