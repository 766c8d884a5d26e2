//! Device commands: attach-device, detach-device, update-device, and the
//! shortcuts that write the device XML themselves (attach-disk,
//! detach-disk, attach-interface, detach-interface) as virsh 9.0 writes it;
//! the disk is built and the documents read through virt-xml.

use crate::cmd::Cmd;
use crate::ctl::BY_ANY;
use crate::ctl::{CmdResult, Ctl, Failure};
use crate::domain::read_file;
use virt_core::{affect, device_modify, xml_flags, Domain, Error, ErrorCode, ErrorDomain};
use virt_xml::{
    doc_disks, doc_interfaces, DiskMode, DiskToAttach, DocInterface, Element, SourceHost,
};

/// virsh's `--persistent`, `--config`, `--live`, `--current` as flags;
/// `None` when none says anything (virsh then calls the call without
/// flags). `--persistent` adds `--live` once the domain is known to run.
fn device_flags(ctl: &mut Ctl, cmd: &Cmd) -> Result<(u32, bool), Failure> {
    ctl.exclusive(cmd, "persistent", "current")?;
    ctl.exclusive(cmd, "current", "live")?;
    ctl.exclusive(cmd, "current", "config")?;
    let mut flags = affect::CURRENT;
    if cmd.has("config") || cmd.has("persistent") {
        flags |= affect::CONFIG;
    }
    if cmd.has("live") {
        flags |= affect::LIVE;
    }
    Ok((flags, cmd.has("current")))
}

/// Add LIVE for `--persistent` on a running domain, as virsh does.
fn persistent_live(cmd: &Cmd, d: &Domain, flags: u32) -> u32 {
    if cmd.has("persistent") && d.is_active().unwrap_or(false) {
        flags | affect::LIVE
    } else {
        flags
    }
}

/// Attach or detach `xml`: the flags call when a flag (or `--current`)
/// was given, else the plain one.
fn plug(d: &Domain, xml: &str, flags: u32, current: bool, attach: bool) -> virt_core::Result<()> {
    match (attach, flags != 0 || current) {
        (true, true) => d.attach_device_flags(xml, flags),
        (true, false) => d.attach_device(xml),
        (false, true) => d.detach_device_flags(xml, flags),
        (false, false) => d.detach_device(xml),
    }
}

/// `attach-device`.
pub fn attach_device(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    device_file(ctl, cmd, true)
}

/// `detach-device`.
pub fn detach_device(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    device_file(ctl, cmd, false)
}

fn device_file(ctl: &mut Ctl, cmd: &Cmd, attach: bool) -> CmdResult {
    let (flags, current) = device_flags(ctl, cmd)?;
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let file = ctl.req_str(cmd, "file")?.to_string();
    let flags = persistent_live(cmd, &d, flags);
    let xml = read_file(&file)?;
    plug_told(
        ctl,
        (&d, &xml),
        (flags, current),
        attach,
        "device",
        &format!(" from {file}"),
    )
}

/// Plug `xml` into `d` (`attach`) or out of it as the flags say, and
/// tell how it went in virsh's words for `what` ("disk"); a failure
/// names `from` too, as attach-device names its file.
fn plug_told(
    ctl: &mut Ctl,
    (d, xml): (&Domain, &str),
    (flags, current): (u32, bool),
    attach: bool,
    what: &str,
    from: &str,
) -> CmdResult {
    let (verb, done) = if attach {
        ("attach", "attached")
    } else {
        ("detach", "detached")
    };
    match plug(d, xml, flags, current, attach) {
        Ok(()) => {
            let mut told = what.to_string();
            if let Some(first) = told.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            ctl.print_extra(&format!("{told} {done} successfully\n"));
            Ok(())
        }
        Err(e) => Err(ctl.fail(&format!("Failed to {verb} {what}{from}"), e)),
    }
}

/// `--print-xml`: the XML a command built printed instead of plugged;
/// whether it was.
fn printed_only(ctl: &mut Ctl, cmd: &Cmd, xml: &str) -> bool {
    let only = cmd.has("print-xml");
    if only {
        ctl.print(xml);
    }
    only
}

/// `update-device`.
pub fn update_device(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (mut flags, _) = device_flags(ctl, cmd)?;
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let file = ctl.req_str(cmd, "file")?.to_string();
    flags = persistent_live(cmd, &d, flags);
    let xml = read_file(&file)?;
    if cmd.has("force") {
        flags |= device_modify::FORCE;
    }
    match d.update_device_flags(&xml, flags) {
        Ok(()) => {
            ctl.print_extra("Device updated successfully\n");
            Ok(())
        }
        Err(e) => Err(ctl.fail(&format!("Failed to update device from {file}"), e)),
    }
}

/// `attach-disk`.
pub fn attach_disk(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (flags, current) = device_flags(ctl, cmd)?;
    ctl.requires(cmd, "source-host-name", "source-protocol")?;
    ctl.requires(cmd, "source-host-transport", "source-protocol")?;
    ctl.requires(cmd, "source-host-socket", "source-protocol")?;
    ctl.requires(cmd, "source-host-socket", "source-host-transport")?;
    ctl.exclusive(cmd, "source-host-name", "source-host-socket")?;
    let source = cmd.raw("source").unwrap_or("");
    let target = ctl.req_str(cmd, "target")?.to_string();
    let mut opt = |name: &str| -> Result<Option<String>, Failure> {
        Ok(ctl.opt_str(cmd, name)?.map(str::to_string))
    };
    let driver = opt("driver")?;
    let subdriver = opt("subdriver")?;
    let device = opt("type")?;
    let mode = opt("mode")?;
    let iothread = opt("iothread")?;
    let cache = opt("cache")?;
    let io = opt("io")?;
    let serial = opt("serial")?;
    let wwn = opt("wwn")?;
    let address = opt("address")?;
    let targetbus = opt("targetbus")?;
    let alias = opt("alias")?;
    let stype = opt("sourcetype")?;
    let protocol = opt("source-protocol")?;
    let host_name = opt("source-host-name")?;
    let host_transport = opt("source-host-transport")?;
    let host_socket = opt("source-host-socket")?;
    let mut kind = match stype.as_deref() {
        None | Some("") => "",
        Some(t @ ("file" | "block" | "network")) => t,
        Some(t) => return Err(ctl.fail_msg(&format!("Unknown source type: '{t}'"))),
    };
    if kind.is_empty() {
        kind = if protocol.is_some() {
            "network"
        } else if !matches!(driver.as_deref(), Some("file" | "tap")) && is_block_device(source) {
            "block"
        } else {
            "file"
        };
    }
    if (kind == "network") != protocol.is_some() {
        return Err(ctl.fail_msg("--source-protocol option requires --sourcetype network"));
    }
    if let Some(m) = mode.as_deref().filter(|m| DiskMode::from_word(m).is_none()) {
        return Err(ctl.fail_msg(&format!("No support for {m} in command 'attach-disk'")));
    }
    if let Some(w) = wwn.as_deref().filter(|w| !valid_wwn(w)) {
        return Err(Failure::from(Error::raw(
            ErrorCode::InternalError,
            ErrorDomain::None,
            format!("internal error: Malformed wwn: {w}"),
        )));
    }
    if address.is_some() {
        return Err(ctl.fail_msg("Invalid address."));
    }
    let host = host_name.as_deref().map(|h| match h.split_once(':') {
        Some((n, p)) => (Some(n.to_string()), Some(p.to_string())),
        None => (Some(h.to_string()), None),
    });
    let (host_name, host_port) = host.unwrap_or_default();
    let disk = DiskToAttach {
        disk_type: kind.to_string(),
        device,
        rawio: cmd.has("rawio"),
        driver_name: driver,
        driver_format: subdriver,
        iothread,
        cache,
        io,
        source: source.to_string(),
        protocol,
        host: Some(SourceHost {
            name: host_name,
            port: host_port,
            transport: host_transport,
            socket: host_socket,
        }),
        target,
        bus: targetbus,
        mode: mode.as_deref().and_then(DiskMode::from_word),
        serial,
        alias,
        wwn,
    };
    let xml = disk.to_element().to_xml(0);
    if printed_only(ctl, cmd, &xml) {
        return Ok(());
    }
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let flags = persistent_live(cmd, &d, flags);
    plug_told(ctl, (&d, &xml), (flags, current), true, "disk", "")
}

fn is_block_device(path: &str) -> bool {
    use std::os::unix::fs::FileTypeExt;
    !path.is_empty() && std::fs::metadata(path).is_ok_and(|m| m.file_type().is_block_device())
}

/// libvirt's `virValidateWWN`: 16 hex digits, an optional `0x` first.
fn valid_wwn(w: &str) -> bool {
    let digits = w
        .strip_prefix("0x")
        .or_else(|| w.strip_prefix("0X"))
        .unwrap_or(w);
    digits.len() == 16 && digits.chars().all(|c| c.is_ascii_hexdigit())
}

/// One `average,peak,burst,floor` rate of `--inbound` / `--outbound`.
fn parse_rate(ctl: &mut Ctl, text: &str) -> Result<[u64; 4], Failure> {
    let fields: Vec<&str> = text.split(',').collect();
    if fields.len() > 4 {
        return Err(ctl.fail_msg(&format!("Rate string '{text}' has too many fields")));
    }
    let mut rate = [0u64; 4];
    for (i, (f, name)) in fields
        .iter()
        .zip(["average", "peak", "burst", "floor"])
        .enumerate()
    {
        if f.is_empty() {
            continue;
        }
        match crate::ctl::parse_unsigned(f) {
            Some(v) => rate[i] = v,
            None => return Err(ctl.fail_msg(&format!("field '{name}' is malformed"))),
        }
    }
    Ok(rate)
}

/// `attach-interface`.
pub fn attach_interface(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (flags, current) = device_flags(ctl, cmd)?;
    let kind = ctl.req_str(cmd, "type")?.to_string();
    let source = ctl.req_str(cmd, "source")?.to_string();
    let mut opt = |name: &str| -> Result<Option<String>, Failure> {
        Ok(ctl.opt_str(cmd, name)?.map(str::to_string))
    };
    let target = opt("target")?;
    let mac = opt("mac")?;
    let script = opt("script")?;
    let model = opt("model")?;
    let alias = opt("alias")?;
    let inbound = opt("inbound")?;
    let outbound = opt("outbound")?;
    let source_mode = opt("source-mode")?;
    let no_support = format!("No support for {kind} in command 'attach-interface'");
    if !virt_xml::NET_TYPES.contains(&kind.as_str()) {
        return Err(ctl.fail_msg(&no_support));
    }
    if let Some(m) = source_mode
        .as_deref()
        .filter(|m| !matches!(*m, "server" | "client"))
    {
        return Err(ctl.fail_msg(&format!("Invalid source mode: {m}")));
    }
    let inbound = match inbound.as_deref() {
        Some(t) => {
            let r = parse_rate(ctl, t)?;
            if r[0] == 0 && r[3] == 0 {
                return Err(ctl.fail_msg("either inbound average or floor is mandatory"));
            }
            Some(r)
        }
        None => None,
    };
    let outbound = match outbound.as_deref() {
        Some(t) => {
            let r = parse_rate(ctl, t)?;
            if r[0] == 0 {
                return Err(ctl.fail_msg("outbound average is mandatory"));
            }
            if r[3] != 0 {
                return Err(ctl.fail_msg("outbound floor is unsupported yet"));
            }
            Some(r)
        }
        None => None,
    };
    // A host PCI device's address: not written by this virsh yet.
    if kind == "hostdev" {
        return Err(ctl.fail_msg(&format!(
            "cannot parse pci address '{source}' for network interface"
        )));
    }
    let iface = virt_xml::views::InterfaceToAttach {
        net_type: kind,
        managed: cmd.has("managed"),
        source,
        source_mode,
        target,
        mac,
        script,
        model,
        alias,
        inbound,
        outbound,
    };
    let xml = match iface.to_element() {
        Ok(e) => e.to_xml(0),
        Err(virt_xml::views::InterfaceToAttachError::NoSourceMode) => {
            return Err(ctl.fail_msg("source-mode is mandatory"))
        }
        Err(virt_xml::views::InterfaceToAttachError::Unsupported) => {
            return Err(ctl.fail_msg(&no_support))
        }
    };
    if printed_only(ctl, cmd, &xml) {
        return Ok(());
    }
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let flags = persistent_live(cmd, &d, flags);
    plug_told(ctl, (&d, &xml), (flags, current), true, "interface", "")
}

/// The domain's XML document (the persistent one when only `--config` is
/// asked, as virsh).
fn domain_doc(d: &Domain, flags: u32) -> Result<Element, Failure> {
    let xml_flags = if flags == affect::CONFIG {
        xml_flags::INACTIVE
    } else {
        0
    };
    let xml = d.xml_desc(xml_flags)?;
    virt_xml::parse_element(&xml).map_err(|e| {
        Failure::from(Error::raw(
            ErrorCode::XmlError,
            ErrorDomain::Xml,
            e.to_string(),
        ))
    })
}

/// A device element as virsh prints it with `--print-xml`: libxml2's dump
/// of the node inside the domain document (four spaces deep).
fn as_printed(e: &Element) -> String {
    e.to_libxml2().replace('\n', "\n    ")
}

/// `detach-disk`.
pub fn detach_disk(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (flags, current) = device_flags(ctl, cmd)?;
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let target = ctl.req_str(cmd, "target")?.to_string();
    let flags = persistent_live(cmd, &d, flags);
    let doc = domain_doc(&d, flags)?;
    let found = doc_disks(&doc).into_iter().find(|disk| {
        let by_source = disk.source().is_some_and(|s| {
            [s.file, s.dev, s.dir, s.name]
                .iter()
                .any(|v| v.as_deref() == Some(target.as_str()))
        });
        disk.target().as_deref() == Some(target.as_str()) || by_source
    });
    let Some(found) = found else {
        return Err(ctl.fail_msg(&format!(
            "No disk found whose source path or target is {target}"
        )));
    };
    // virsh drops the backing chain: the detach names the top image only.
    let disk = found.without_backing_chain();
    let xml = as_printed(&disk);
    if printed_only(ctl, cmd, &xml) {
        return Ok(());
    }
    plug_told(ctl, (&d, &xml), (flags, current), false, "disk", "")
}

/// `detach-interface`.
pub fn detach_interface(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (flags, current) = device_flags(ctl, cmd)?;
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let kind = ctl.req_str(cmd, "type")?.to_string();
    let mac = ctl.opt_str(cmd, "mac")?.map(str::to_string);
    let flags = persistent_live(cmd, &d, flags);
    let doc = domain_doc(&d, flags)?;
    let of_kind: Vec<DocInterface> = doc_interfaces(&doc)
        .into_iter()
        .filter(|i| i.interface_type() == Some(kind.as_str()))
        .collect();
    let fail = |ctl: &mut Ctl, msg: &str| {
        ctl.error(msg);
        ctl.fail_msg("Failed to detach interface")
    };
    if of_kind.is_empty() {
        return Err(fail(
            ctl,
            &format!("No interface found whose type is {kind}"),
        ));
    }
    let chosen = match &mac {
        Some(m) => of_kind
            .into_iter()
            .find(|i| i.mac().is_some_and(|a| a.eq_ignore_ascii_case(m))),
        None if of_kind.len() > 1 => {
            return Err(fail(
                ctl,
                &format!(
                    "Domain has {} interfaces. Please specify which one to detach using --mac",
                    of_kind.len()
                ),
            ))
        }
        None => of_kind.into_iter().next(),
    };
    let Some(iface) = chosen else {
        return Err(fail(
            ctl,
            &format!(
                "No interface with MAC address {} was found",
                mac.unwrap_or_default()
            ),
        ));
    };
    let xml = as_printed(iface.element());
    if printed_only(ctl, cmd, &xml) {
        return Ok(());
    }
    plug_told(ctl, (&d, &xml), (flags, current), false, "interface", "")
}
