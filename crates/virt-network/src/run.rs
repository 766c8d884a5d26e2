//! Starting and stopping a network on this host: the bridge and its
//! addresses (netlink), the firewall table (nft), IP forwarding, dnsmasq.
//! Every step that changed something is recorded in a [`RunState`] as it
//! happens; stopping undoes exactly what the record holds, in reverse,
//! and a start that fails part way undoes its own steps the same way, so
//! nothing is left half-created.

use crate::dnsmasq::{self, DnsmasqPaths};
use crate::error::{NetworkError, NetworkResult};
use crate::firewall;
use crate::netlink::{BridgeSpec, Netlink};
use crate::paths::{remove_quiet, write_runtime, Paths};
use crate::tap::parse_mac;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use virt_xml::network::{ForwardMode, NetworkDef};

/// The dnsmasq program (Debian's dnsmasq-base).
pub const DNSMASQ: &str = "/usr/sbin/dnsmasq";

const IP_FORWARD: &str = "/proc/sys/net/ipv4/ip_forward";
const IPV6_FORWARD: &str = "/proc/sys/net/ipv6/conf/all/forwarding";

/// Set the sysctl `path` to 1; whether it was 0 before (so a stop turns
/// it back off).
fn switch_on(path: &str) -> NetworkResult<bool> {
    let now = std::fs::read_to_string(path).unwrap_or_default();
    if now.trim() == "1" {
        return Ok(false);
    }
    std::fs::write(path, "1\n")
        .map_err(|e| NetworkError::system(format!("cannot enable {path}"), e))?;
    Ok(true)
}

/// libvirt's IPv6 settings of a new bridge, made before it goes up: IPv6
/// off unless the network has an IPv6 address (or `ipv6='yes'`), so an
/// IPv4 network's bridge gets no link-local address; and never accepting
/// router advertisements or autoconfiguring, as a gateway must not.
/// Without IPv6 in the kernel there is nothing to set.
fn set_ipv6_sysctls(def: &NetworkDef, bridge: &str) -> NetworkResult<()> {
    let dir = format!("/proc/sys/net/ipv6/conf/{bridge}");
    if !Path::new(&dir).exists() {
        return Ok(());
    }
    let enable = def.ipv6 == Some(true) || def.ips.iter().any(|ip| ip.is_ipv6());
    for (key, value) in [
        ("disable_ipv6", if enable { "0" } else { "1" }),
        ("accept_ra", "0"),
        ("autoconf", "0"),
    ] {
        let path = format!("{dir}/{key}");
        std::fs::write(&path, value).map_err(|e| {
            NetworkError::system(
                format!("cannot write to {path} to set up IPv6 on bridge {bridge}"),
                e,
            )
        })?;
    }
    Ok(())
}

/// What a network's start did, so its stop can undo exactly that.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunState {
    /// The bridge this start created.
    pub bridge: Option<String>,
    /// The bridge whose nft table this start installed.
    pub firewall: Option<String>,
    /// IPv4 forwarding was off and this start turned it on.
    pub forwarding_enabled: bool,
    /// IPv6 forwarding was off and this start turned it on.
    pub forwarding6_enabled: bool,
    /// dnsmasq's pid.
    pub dnsmasq_pid: Option<i32>,
    /// The files this start wrote.
    pub files: Vec<PathBuf>,
}

impl RunState {
    /// The record as text, one `key value` line per fact.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        if let Some(b) = &self.bridge {
            s.push_str(&format!("bridge {b}\n"));
        }
        if let Some(b) = &self.firewall {
            s.push_str(&format!("firewall {b}\n"));
        }
        if self.forwarding_enabled {
            s.push_str("forwarding enabled\n");
        }
        if self.forwarding6_enabled {
            s.push_str("forwarding6 enabled\n");
        }
        if let Some(p) = self.dnsmasq_pid {
            s.push_str(&format!("dnsmasq {p}\n"));
        }
        for f in &self.files {
            s.push_str(&format!("file {}\n", f.display()));
        }
        s
    }

    /// Read a record written by [`RunState::to_text`].
    pub fn from_text(text: &str) -> RunState {
        let mut st = RunState::default();
        for line in text.lines() {
            let Some((k, v)) = line.split_once(' ') else {
                continue;
            };
            match k {
                "bridge" => st.bridge = Some(v.to_string()),
                "firewall" => st.firewall = Some(v.to_string()),
                "forwarding" => st.forwarding_enabled = v == "enabled",
                "forwarding6" => st.forwarding6_enabled = v == "enabled",
                "dnsmasq" => st.dnsmasq_pid = v.parse().ok(),
                "file" => st.files.push(PathBuf::from(v)),
                _ => {}
            }
        }
        st
    }
}

fn netlink() -> NetworkResult<Netlink> {
    Netlink::open().map_err(|e| NetworkError::system("cannot open a netlink socket", e))
}

/// The IPv4 routes of this thread's network namespace as (device,
/// network, prefix).
fn ipv4_routes() -> Vec<(String, Ipv4Addr, u32)> {
    let text = std::fs::read_to_string("/proc/thread-self/net/route").unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let dest = u32::from_str_radix(f.get(1)?, 16).ok()?;
            let mask = u32::from_str_radix(f.get(7)?, 16).ok()?;
            // The file holds the addresses in the kernel's (little-endian)
            // byte order.
            Some((
                f[0].to_string(),
                Ipv4Addr::from(dest.swap_bytes()),
                mask.swap_bytes().count_ones(),
            ))
        })
        .collect()
}

/// libvirt's check that no route of the host already covers one of the
/// network's IPv4 subnets (another network, or a host interface).
pub fn check_route_collision(def: &NetworkDef) -> NetworkResult<()> {
    let routes = ipv4_routes();
    for ip in def.ips.iter().filter(|ip| !ip.is_ipv6()) {
        let prefix = ip.prefix_len();
        for (dev, net, rprefix) in &routes {
            if *rprefix == prefix
                && virt_xml::network::same_subnet(&IpAddr::V4(*net), &ip.address, prefix)
            {
                return Err(NetworkError::Internal(format!(
                    "Network is already in use by interface {dev}"
                )));
            }
        }
    }
    Ok(())
}

fn forwards(def: &NetworkDef) -> bool {
    matches!(
        def.forward_mode(),
        Some(ForwardMode::Nat | ForwardMode::Route)
    )
}

/// Start `def` (its bridge name and MAC already assigned). On failure
/// everything done so far is undone before the error is returned.
pub fn start(def: &NetworkDef, paths: &Paths) -> NetworkResult<RunState> {
    let mut st = RunState::default();
    match start_steps(def, paths, &mut st) {
        Ok(()) => Ok(st),
        Err(e) => {
            stop(&st, false);
            Err(e)
        }
    }
}

fn start_steps(def: &NetworkDef, paths: &Paths, st: &mut RunState) -> NetworkResult<()> {
    if !virt_xml::network::ForwardMode::has_own_bridge(def.forward_mode()) {
        // An existing host bridge (or a macvtap pool): nothing of ours to
        // set up; bridge mode hands guests the named bridge.
        if def.forward_mode() == Some(ForwardMode::Bridge) && def.bridge_name().is_some() {
            return Ok(());
        }
        return Err(NetworkError::Unsupported(format!(
            "forward mode '{}' is not supported by this driver",
            def.forward_mode()
                .map(ForwardMode::as_str)
                .unwrap_or("none")
        )));
    }
    let bridge = def
        .bridge_name()
        .ok_or_else(|| NetworkError::Internal(format!("network '{}' has no bridge", def.name)))?
        .to_string();
    firewall::check_device_name("bridge name", &bridge)?;
    // Build everything that can be refused before touching the host.
    let rules = firewall::ruleset(def, &bridge)?;
    let files = dnsmasq_plan(def, paths)?;
    check_route_collision(def)?;
    let mac = def.mac.as_deref().and_then(parse_mac).ok_or_else(|| {
        NetworkError::Internal(format!("network '{}' has no MAC address", def.name))
    })?;

    let mut nl = netlink()?;
    nl.create_bridge(&BridgeSpec {
        name: &bridge,
        mac,
        stp: def.bridge.as_ref().and_then(|b| b.stp).unwrap_or(true),
        delay: def.bridge.as_ref().and_then(|b| b.delay).unwrap_or(0),
        mtu: def.mtu,
    })
    .map_err(|e| NetworkError::system(format!("Unable to create bridge {bridge}"), e))?;
    st.bridge = Some(bridge.clone());
    let index = nl
        .link_index(&bridge)
        .map_err(|e| {
            NetworkError::system(format!("Unable to get index for interface {bridge}"), e)
        })?
        .ok_or_else(|| NetworkError::Internal(format!("bridge {bridge} vanished")))?;
    set_ipv6_sysctls(def, &bridge)?;
    for ip in &def.ips {
        let prefix = u8::try_from(ip.prefix_len()).unwrap_or(u8::MAX);
        nl.add_address(index, ip.address, prefix).map_err(|e| {
            NetworkError::system(
                format!(
                    "Failed to add IP address {}/{prefix} to {bridge}",
                    ip.address
                ),
                e,
            )
        })?;
    }
    nl.set_up(index, true).map_err(|e| {
        NetworkError::system(format!("Unable to set flags for interface {bridge}"), e)
    })?;

    if let Some(script) = rules {
        firewall::install(&script)?;
        st.firewall = Some(bridge.clone());
    }
    if forwards(def) {
        st.forwarding_enabled = switch_on(IP_FORWARD)?;
        if def.ips.iter().any(|ip| ip.is_ipv6()) {
            st.forwarding6_enabled = switch_on(IPV6_FORWARD)?;
        }
    }
    if let Some(files) = files {
        let at = DnsmasqAt::of(def, paths);
        st.files.extend(at.all());
        remove_quiet(&at.pid);
        at.write_hosts(&files)?;
        write_runtime(&at.conf, files.config.as_bytes(), 0o644)?;
        st.dnsmasq_pid = Some(spawn_dnsmasq(&at.conf, &at.pid)?);
    }
    Ok(())
}

/// Where a running network's dnsmasq files are.
struct DnsmasqAt {
    conf: PathBuf,
    leases: PathBuf,
    hosts: PathBuf,
    addn: PathBuf,
    pid: PathBuf,
}

impl DnsmasqAt {
    fn of(def: &NetworkDef, paths: &Paths) -> DnsmasqAt {
        let dir = paths.run.display().to_string();
        DnsmasqAt {
            conf: paths.run_file(&def.name, "conf"),
            leases: paths.run_file(&def.name, "leases"),
            hosts: PathBuf::from(dnsmasq::state_file(&dir, &def.name, "hostsfile")),
            addn: PathBuf::from(dnsmasq::state_file(&dir, &def.name, "addnhosts")),
            pid: paths.run_file(&def.name, "pid"),
        }
    }

    fn all(&self) -> [PathBuf; 5] {
        [
            self.conf.clone(),
            self.leases.clone(),
            self.hosts.clone(),
            self.addn.clone(),
            self.pid.clone(),
        ]
    }

    /// Write the two hosts files, which dnsmasq re-reads on SIGHUP.
    fn write_hosts(&self, files: &dnsmasq::DnsmasqFiles) -> NetworkResult<()> {
        if let Some(h) = &files.hosts {
            write_runtime(&self.hosts, h.as_bytes(), 0o644)?;
        }
        write_runtime(&self.addn, files.addn_hosts.as_bytes(), 0o644)
    }
}

/// What dnsmasq is given for `def` running under `paths` (its
/// configuration naming our pid and lease files), `None` when the network
/// needs no dnsmasq; refused when a value cannot be written or dnsmasq is
/// not installed.
fn dnsmasq_plan(def: &NetworkDef, paths: &Paths) -> NetworkResult<Option<dnsmasq::DnsmasqFiles>> {
    if !dnsmasq::needs_dnsmasq(def) {
        return Ok(None);
    }
    let at = DnsmasqAt::of(def, paths);
    let pid_file = at.pid.display().to_string();
    let mut files = dnsmasq::dnsmasq_files(
        def,
        DnsmasqPaths {
            state_dir: &paths.run.display().to_string(),
            pid_file: Some(&pid_file),
        },
    )?;
    if !Path::new(DNSMASQ).exists() {
        return Err(NetworkError::system(
            format!("Cannot check dnsmasq binary {DNSMASQ}"),
            std::io::Error::from_raw_os_error(libc::ENOENT),
        ));
    }
    // Where dnsmasq keeps its leases, for net-dhcp-leases (libvirt keeps
    // them through a helper script instead).
    let _ = writeln!(files.config, "dhcp-leasefile={}", at.leases.display());
    Ok(Some(files))
}

/// Bring the dnsmasq of a running network in line with its changed
/// definition `def` (`virNetworkUpdate`): the files are rewritten; when
/// its configuration changed dnsmasq is restarted (it cannot re-read it),
/// when only its hosts files did it is sent SIGHUP, which makes it re-read
/// them. `st` records the new dnsmasq.
pub fn refresh_dnsmasq(def: &NetworkDef, paths: &Paths, st: &mut RunState) -> NetworkResult<()> {
    let plan = dnsmasq_plan(def, paths)?;
    let at = DnsmasqAt::of(def, paths);
    let running = st.dnsmasq_pid.filter(|pid| is_our_dnsmasq(*pid, &st.files));
    let Some(files) = plan else {
        if let Some(fd) = running.and_then(terminate) {
            wait_gone(fd);
        }
        st.dnsmasq_pid = None;
        return Ok(());
    };
    for f in at.all() {
        if !st.files.contains(&f) {
            st.files.push(f);
        }
    }
    at.write_hosts(&files)?;
    let same_config = std::fs::read_to_string(&at.conf).is_ok_and(|c| c == files.config);
    if let (Some(pid), true) = (running, same_config) {
        let p = rustix::process::Pid::from_raw(pid);
        if let Some(p) = p {
            rustix::process::kill_process(p, rustix::process::Signal::HUP).map_err(|e| {
                NetworkError::system(format!("Failed to signal dnsmasq (pid {pid})"), e.into())
            })?;
        }
        return Ok(());
    }
    if let Some(fd) = running.and_then(terminate) {
        wait_gone(fd);
    }
    st.dnsmasq_pid = None;
    remove_quiet(&at.pid);
    write_runtime(&at.conf, files.config.as_bytes(), 0o644)?;
    st.dnsmasq_pid = Some(spawn_dnsmasq(&at.conf, &at.pid)?);
    Ok(())
}

/// Replace the firewall rules of a running network with those of its
/// changed definition `def`, in one nft transaction.
pub fn refresh_firewall(def: &NetworkDef, st: &RunState) -> NetworkResult<()> {
    let Some(bridge) = &st.firewall else {
        return Ok(());
    };
    match firewall::ruleset(def, bridge)? {
        Some(script) => firewall::install(&script),
        None => firewall::remove(bridge),
    }
}

/// Start dnsmasq on `conf`; it is ready (sockets bound, pid file written)
/// when its first process exits.
fn spawn_dnsmasq(conf: &Path, pid_file: &Path) -> NetworkResult<i32> {
    let out = std::process::Command::new(DNSMASQ)
        .arg(format!("--conf-file={}", conf.display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| NetworkError::system(format!("Cannot run {DNSMASQ}"), e))?;
    if !out.status.success() {
        return Err(NetworkError::Internal(format!(
            "Child process ({DNSMASQ} --conf-file={}) unexpected exit status {}: {}",
            conf.display(),
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = std::fs::read_to_string(pid_file).map_err(|e| {
        NetworkError::system(format!("cannot read pid file '{}'", pid_file.display()), e)
    })?;
    text.trim().parse().map_err(|_| {
        NetworkError::Internal(format!(
            "pid file '{}' holds no pid: {text:?}",
            pid_file.display()
        ))
    })
}

/// True when `pid` is the dnsmasq started on our configuration (a pid
/// left from before a reboot may have been reused by anything).
fn is_our_dnsmasq(pid: i32, files: &[PathBuf]) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let cmdline = String::from_utf8_lossy(&cmdline);
    files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "conf"))
        .any(|f| cmdline.contains(&format!("--conf-file={}", f.display())))
}

/// Send dnsmasq SIGTERM; the pidfd to wait on it with.
fn terminate(pid: i32) -> Option<OwnedFd> {
    let p = rustix::process::Pid::from_raw(pid)?;
    let fd = rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty()).ok()?;
    let _ = rustix::process::pidfd_send_signal(&fd, rustix::process::Signal::TERM);
    Some(fd)
}

/// Wait (up to 5 s) for the process behind `fd` to exit, then SIGKILL it
/// if it lingers.
fn wait_gone(fd: OwnedFd) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut fds = [rustix::event::PollFd::new(
            &fd,
            rustix::event::PollFlags::IN,
        )];
        let left = deadline.saturating_duration_since(Instant::now());
        let ts = rustix::event::Timespec {
            tv_sec: left.as_secs() as i64,
            tv_nsec: i64::from(left.subsec_nanos()),
        };
        match rustix::event::poll(&mut fds, Some(&ts)) {
            Ok(n) if n > 0 => return,
            Ok(_) => break,
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => break,
        }
    }
    let _ = rustix::process::pidfd_send_signal(&fd, rustix::process::Signal::KILL);
}

/// Undo what `st` records, in reverse order of the start. IP forwarding
/// is turned back off only when this start turned it on and
/// `forwarding_still_needed` is false (another network still routes).
pub fn stop(st: &RunState, forwarding_still_needed: bool) {
    // dnsmasq is told first and waited for last: it exits while the
    // rules and the bridge go.
    let dnsmasq = st
        .dnsmasq_pid
        .filter(|pid| is_our_dnsmasq(*pid, &st.files))
        .and_then(terminate);
    if !forwarding_still_needed {
        for (on, path) in [
            (st.forwarding_enabled, IP_FORWARD),
            (st.forwarding6_enabled, IPV6_FORWARD),
        ] {
            if on {
                if let Err(e) = std::fs::write(path, "0\n") {
                    log::warn!("cannot turn forwarding back off in {path}: {e}");
                }
            }
        }
    }
    if let Some(b) = &st.firewall {
        if let Err(e) = firewall::remove(b) {
            log::warn!("cannot remove the firewall rules of {b}: {e}");
        }
    }
    if let Some(b) = &st.bridge {
        // Deleting a link closes it first: no separate "down" (each is a
        // trip through the kernel's RCU synchronisation); done once the
        // kernel announces the bridge gone.
        let done = netlink().ok().and_then(|mut nl| {
            let index = nl.link_index(b).ok()??;
            Some(nl.delete_link_announced(index))
        });
        if let Some(Err(e)) = done {
            log::warn!("cannot delete bridge {b}: {e}");
        }
    }
    if let Some(fd) = dnsmasq {
        wait_gone(fd);
    }
    for f in &st.files {
        remove_quiet(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_reads_back() {
        let st = RunState {
            bridge: Some("virbr4".into()),
            firewall: Some("virbr4".into()),
            forwarding_enabled: true,
            forwarding6_enabled: true,
            dnsmasq_pid: Some(42),
            files: vec!["/run/x/n.conf".into(), "/run/x/n.pid".into()],
        };
        assert_eq!(RunState::from_text(&st.to_text()), st);
        assert_eq!(
            RunState::from_text("garbage\nbridge\n"),
            RunState::default()
        );
    }
}
