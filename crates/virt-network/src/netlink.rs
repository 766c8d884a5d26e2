//! rtnetlink over a raw `NETLINK_ROUTE` socket: the few link and address
//! requests a network needs (create a bridge with its MAC, STP and MTU,
//! bring links up and down, enslave a tap, add addresses, delete links,
//! list link names). A small codec of our own: the messages are fixed
//! structs followed by type-length-value attributes, and the crates that
//! wrap them pull in an async runtime.
//!
//! The socket is opened in the calling thread's network namespace, so
//! tests that run in a namespace of their own touch only that one.

use rustix::net::netlink::SocketAddrNetlink;
use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType};
use std::io;
use std::net::IpAddr;
use std::os::fd::OwnedFd;

const RTM_NEWLINK: u16 = 16;
const RTM_DELLINK: u16 = 17;
const RTM_GETLINK: u16 = 18;
const RTM_NEWADDR: u16 = 20;

const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_DUMP: u16 = 0x300;
const NLM_F_EXCL: u16 = 0x200;
const NLM_F_CREATE: u16 = 0x400;

/// The multicast group of link notices.
const RTMGRP_LINK: u32 = 1;

const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

const IFLA_ADDRESS: u16 = 1;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_MASTER: u16 = 10;
const IFLA_LINKINFO: u16 = 18;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const IFLA_BR_FORWARD_DELAY: u16 = 1;
const IFLA_BR_STP_STATE: u16 = 5;
const NLA_F_NESTED: u16 = 0x8000;

const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_BROADCAST: u16 = 4;
const IFA_F_NODAD: u8 = 0x02;

const IFF_UP: u32 = 1;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;

/// The kernel's clock ticks per second in bridge timer attributes.
const USER_HZ: u32 = 100;

/// A bridge to create.
#[derive(Debug, Clone)]
pub struct BridgeSpec<'a> {
    /// Device name.
    pub name: &'a str,
    /// Its MAC address.
    pub mac: [u8; 6],
    /// Spanning tree on.
    pub stp: bool,
    /// STP forward delay in seconds.
    pub delay: u32,
    /// MTU, when the definition sets one.
    pub mtu: Option<u32>,
}

/// An open rtnetlink socket.
pub struct Netlink {
    fd: OwnedFd,
    seq: u32,
}

/// A netlink message under construction: header, fixed part, attributes.
struct Msg {
    buf: Vec<u8>,
    nests: Vec<usize>,
}

impl Msg {
    fn new(kind: u16, flags: u16, fixed: &[u8]) -> Msg {
        let mut buf = vec![0u8; 16];
        buf[4..6].copy_from_slice(&kind.to_ne_bytes());
        buf[6..8].copy_from_slice(&(flags | NLM_F_REQUEST).to_ne_bytes());
        buf.extend_from_slice(fixed);
        Msg {
            buf,
            nests: Vec::new(),
        }
    }

    fn pad(&mut self) {
        while self.buf.len() % 4 != 0 {
            self.buf.push(0);
        }
    }

    fn attr(&mut self, kind: u16, data: &[u8]) -> &mut Msg {
        self.pad();
        let len = (4 + data.len()) as u16;
        self.buf.extend_from_slice(&len.to_ne_bytes());
        self.buf.extend_from_slice(&kind.to_ne_bytes());
        self.buf.extend_from_slice(data);
        self
    }

    fn attr_u32(&mut self, kind: u16, v: u32) -> &mut Msg {
        self.attr(kind, &v.to_ne_bytes())
    }

    fn attr_str(&mut self, kind: u16, s: &str) -> &mut Msg {
        let mut d = s.as_bytes().to_vec();
        d.push(0);
        self.attr(kind, &d)
    }

    fn begin(&mut self, kind: u16) -> &mut Msg {
        self.pad();
        self.nests.push(self.buf.len());
        self.attr(kind | NLA_F_NESTED, &[])
    }

    fn end(&mut self) -> &mut Msg {
        self.pad();
        if let Some(at) = self.nests.pop() {
            let len = (self.buf.len() - at) as u16;
            self.buf[at..at + 2].copy_from_slice(&len.to_ne_bytes());
        }
        self
    }

    fn finish(mut self, seq: u32) -> Vec<u8> {
        self.pad();
        let len = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        self.buf[8..12].copy_from_slice(&seq.to_ne_bytes());
        self.buf
    }
}

/// `struct ifinfomsg` for link `index` (0: none) with `flags`/`change`.
fn ifinfo(index: u32, flags: u32, change: u32) -> [u8; 16] {
    let mut m = [0u8; 16];
    m[4..8].copy_from_slice(&index.to_ne_bytes());
    m[8..12].copy_from_slice(&flags.to_ne_bytes());
    m[12..16].copy_from_slice(&change.to_ne_bytes());
    m
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The attributes after a fixed part: (type, payload).
fn attrs(mut b: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    while b.len() >= 4 {
        let (Some(len), Some(kind)) = (u16_at(b, 0), u16_at(b, 2)) else {
            break;
        };
        let len = len as usize;
        if len < 4 || len > b.len() {
            break;
        }
        out.push((kind & !NLA_F_NESTED, &b[4..len]));
        b = &b[((len + 3) & !3).min(b.len())..];
    }
    out
}

impl Netlink {
    /// Open a socket in this thread's network namespace.
    pub fn open() -> io::Result<Netlink> {
        Netlink::open_groups(0)
    }

    /// Open a socket that also receives the notices of multicast `groups`.
    fn open_groups(groups: u32) -> io::Result<Netlink> {
        let fd = rustix::net::socket_with(
            AddressFamily::NETLINK,
            SocketType::RAW,
            SocketFlags::CLOEXEC,
            None, // NETLINK_ROUTE is protocol 0
        )?;
        rustix::net::bind(&fd, &SocketAddrNetlink::new(0, groups))?;
        Ok(Netlink { fd, seq: 1 })
    }

    /// Send one request and collect the replies' bodies until the ACK (or
    /// the end of a dump); a kernel refusal becomes its errno.
    fn call(&mut self, msg: Msg) -> io::Result<Vec<(u16, Vec<u8>)>> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let data = msg.finish(seq);
        rustix::net::sendto(
            &self.fd,
            &data,
            SendFlags::empty(),
            &SocketAddrNetlink::new(0, 0),
        )?;
        let mut out = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let (n, _) = rustix::net::recv(&self.fd, &mut buf[..], RecvFlags::empty())?;
            let mut b = &buf[..n];
            while b.len() >= 16 {
                let len = u32_at(b, 0).unwrap_or(0) as usize;
                let kind = u16_at(b, 4).unwrap_or(0);
                let mseq = u32_at(b, 8).unwrap_or(0);
                if len < 16 || len > b.len() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "truncated netlink reply",
                    ));
                }
                let body = &b[16..len];
                b = &b[((len + 3) & !3).min(b.len())..];
                if mseq != seq {
                    continue;
                }
                match kind {
                    NLMSG_ERROR => {
                        let code = u32_at(body, 0).unwrap_or(0) as i32;
                        if code == 0 {
                            return Ok(out);
                        }
                        return Err(io::Error::from_raw_os_error(-code));
                    }
                    NLMSG_DONE => return Ok(out),
                    _ => out.push((kind, body.to_vec())),
                }
            }
        }
    }

    /// The index of link `name`, `None` when there is none.
    pub fn link_index(&mut self, name: &str) -> io::Result<Option<u32>> {
        // With the ACK asked for, the reply ends with one even on success.
        let mut m = Msg::new(RTM_GETLINK, NLM_F_ACK, &ifinfo(0, 0, 0));
        m.attr_str(IFLA_IFNAME, name);
        match self.call(m) {
            Ok(replies) => Ok(replies
                .iter()
                .find(|(k, _)| *k == RTM_NEWLINK)
                .and_then(|(_, b)| u32_at(b, 4))),
            Err(e) if e.raw_os_error() == Some(libc::ENODEV) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The names of every link.
    pub fn link_names(&mut self) -> io::Result<Vec<String>> {
        let m = Msg::new(RTM_GETLINK, NLM_F_DUMP, &ifinfo(0, 0, 0));
        Ok(self
            .call(m)?
            .iter()
            .filter(|(k, _)| *k == RTM_NEWLINK)
            .filter_map(|(_, b)| {
                attrs(b.get(16..)?)
                    .into_iter()
                    .find(|(k, _)| *k == IFLA_IFNAME)
                    .map(|(_, v)| {
                        String::from_utf8_lossy(v.split(|c| *c == 0).next().unwrap_or(v))
                            .into_owned()
                    })
            })
            .collect())
    }

    /// Create a bridge (refused with EEXIST when the name is taken).
    pub fn create_bridge(&mut self, spec: &BridgeSpec<'_>) -> io::Result<()> {
        let mut m = Msg::new(
            RTM_NEWLINK,
            NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
            &ifinfo(0, 0, 0),
        );
        m.attr_str(IFLA_IFNAME, spec.name);
        m.attr(IFLA_ADDRESS, &spec.mac);
        if let Some(mtu) = spec.mtu {
            m.attr_u32(IFLA_MTU, mtu);
        }
        // The delay is set before STP is turned on: the kernel refuses a
        // delay under 2 s on a bridge already running STP.
        m.begin(IFLA_LINKINFO)
            .attr_str(IFLA_INFO_KIND, "bridge")
            .begin(IFLA_INFO_DATA)
            .attr_u32(IFLA_BR_FORWARD_DELAY, spec.delay.saturating_mul(USER_HZ))
            .attr_u32(IFLA_BR_STP_STATE, u32::from(spec.stp))
            .end()
            .end();
        self.call(m).map(drop)
    }

    /// Bring link `index` up or down.
    pub fn set_up(&mut self, index: u32, up: bool) -> io::Result<()> {
        let m = Msg::new(
            RTM_NEWLINK,
            NLM_F_ACK,
            &ifinfo(index, if up { IFF_UP } else { 0 }, IFF_UP),
        );
        self.call(m).map(drop)
    }

    /// Make link `index` a port of bridge `master`.
    pub fn set_master(&mut self, index: u32, master: u32) -> io::Result<()> {
        let mut m = Msg::new(RTM_NEWLINK, NLM_F_ACK, &ifinfo(index, 0, 0));
        m.attr_u32(IFLA_MASTER, master);
        self.call(m).map(drop)
    }

    /// Set the MAC address of link `index`.
    pub fn set_mac(&mut self, index: u32, mac: [u8; 6]) -> io::Result<()> {
        let mut m = Msg::new(RTM_NEWLINK, NLM_F_ACK, &ifinfo(index, 0, 0));
        m.attr(IFLA_ADDRESS, &mac);
        self.call(m).map(drop)
    }

    /// Set the MTU of link `index`.
    pub fn set_mtu(&mut self, index: u32, mtu: u32) -> io::Result<()> {
        let mut m = Msg::new(RTM_NEWLINK, NLM_F_ACK, &ifinfo(index, 0, 0));
        m.attr_u32(IFLA_MTU, mtu);
        self.call(m).map(drop)
    }

    /// Add `addr/prefix` to link `index` (with the broadcast address for
    /// IPv4, as `ip addr add ... broadcast +` does).
    pub fn add_address(&mut self, index: u32, addr: IpAddr, prefix: u8) -> io::Result<()> {
        let family = if addr.is_ipv4() { AF_INET } else { AF_INET6 };
        let mut fixed = [0u8; 8];
        fixed[0] = family;
        fixed[1] = prefix;
        if addr.is_ipv6() {
            // Usable at once: a bridge without ports has no carrier, and
            // duplicate address detection would leave the address
            // tentative, one dnsmasq cannot bind, until a guest plugs in.
            fixed[2] = IFA_F_NODAD;
        }
        fixed[4..8].copy_from_slice(&index.to_ne_bytes());
        let mut m = Msg::new(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, &fixed);
        match addr {
            IpAddr::V4(a) => {
                let host_bits = 32 - u32::from(prefix.min(32));
                let mask = if host_bits >= 32 {
                    u32::MAX
                } else {
                    (1u32 << host_bits) - 1
                };
                let bcast = u32::from(a) | mask;
                m.attr(IFA_LOCAL, &a.octets())
                    .attr(IFA_ADDRESS, &a.octets());
                if prefix < 31 {
                    m.attr(IFA_BROADCAST, &bcast.to_be_bytes());
                }
            }
            IpAddr::V6(a) => {
                m.attr(IFA_LOCAL, &a.octets())
                    .attr(IFA_ADDRESS, &a.octets());
            }
        }
        self.call(m).map(drop)
    }

    /// Delete link `index`.
    pub fn delete_link(&mut self, index: u32) -> io::Result<()> {
        let m = Msg::new(RTM_DELLINK, NLM_F_ACK, &ifinfo(index, 0, 0));
        self.call(m).map(drop)
    }

    /// Delete link `index` and return once the kernel announces it gone
    /// (its `RTM_DELLINK` notice: name, addresses and routes released,
    /// nothing left to see), not when the kernel has also finished
    /// freeing it: that last part waits for an RCU barrier, tens of
    /// milliseconds on a busy machine, and goes on in a thread of its own.
    /// A refusal is returned as [`Netlink::delete_link`] returns it.
    pub fn delete_link_announced(self, index: u32) -> io::Result<()> {
        let monitor = Netlink::open_groups(RTMGRP_LINK)?;
        let (tx, rx) = std::sync::mpsc::channel();
        let mut nl = self;
        std::thread::spawn(move || {
            let _ = tx.send(nl.delete_link(index));
        });
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if let Ok(r) = rx.try_recv() {
                return r;
            }
            let mut fds = [rustix::event::PollFd::new(
                &monitor.fd,
                rustix::event::PollFlags::IN,
            )];
            let ts = rustix::event::Timespec {
                tv_sec: 0,
                tv_nsec: 5_000_000,
            };
            match rustix::event::poll(&mut fds, Some(&ts)) {
                Ok(0) | Err(rustix::io::Errno::INTR) => continue,
                Ok(_) => {}
                Err(e) => return rx.recv().unwrap_or(Err(e.into())),
            }
            let n = match rustix::net::recv(&monitor.fd, &mut buf[..], RecvFlags::empty()) {
                Ok((n, _)) => n,
                // Notices overflowed the socket: wait for the reply.
                Err(_) => return rx.recv().unwrap_or(Err(io::ErrorKind::Other.into())),
            };
            let mut b = &buf[..n];
            while b.len() >= 16 {
                let len = u32_at(b, 0).unwrap_or(0) as usize;
                if len < 16 || len > b.len() {
                    break;
                }
                let kind = u16_at(b, 4).unwrap_or(0);
                if kind == RTM_DELLINK && u32_at(&b[16..len], 4) == Some(index) {
                    return Ok(());
                }
                b = &b[((len + 3) & !3).min(b.len())..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_attributes_carry_their_length() {
        let mut m = Msg::new(RTM_NEWLINK, 0, &ifinfo(0, 0, 0));
        m.begin(IFLA_LINKINFO)
            .attr_str(IFLA_INFO_KIND, "bridge")
            .end();
        let b = m.finish(7);
        assert_eq!(u32_at(&b, 0), Some(b.len() as u32));
        assert_eq!(u32_at(&b, 8), Some(7));
        let a = attrs(&b[32..]);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].0, IFLA_LINKINFO);
        let inner = attrs(a[0].1);
        assert_eq!(inner, vec![(IFLA_INFO_KIND, &b"bridge\0"[..])]);
    }

    #[test]
    fn attributes_stop_at_garbage() {
        assert!(attrs(&[1, 0, 0, 0]).is_empty());
        assert!(attrs(&[200, 0, 1, 0, 0]).is_empty());
    }
}
