//! Where a domain's graphical display listens: `vncdisplay` and
//! `domdisplay`, read from the live XML as virsh 9.0 reads it (the QEMU
//! driver records the port QEMU chose for an `autoport` VNC server).

use crate::cmd::Cmd;
use crate::ctl::{CmdResult, Ctl, Failure, BY_ANY};
use virt_core::Domain;
use virt_xml::{DomainDef, Graphics, Listen};

/// The running domain's live definition, or virsh's "Domain is not
/// running".
fn live_def(ctl: &mut Ctl, dom: &Domain) -> Result<DomainDef, Failure> {
    if !dom.is_active()? {
        return Err(ctl.fail_msg("Domain is not running"));
    }
    let xml = dom.xml_desc(0)?;
    virt_xml::parse_domain(&xml).map_err(|e| {
        Failure::from(virt_core::Error::raw(
            virt_core::ErrorCode::XmlError,
            virt_core::ErrorDomain::Xml,
            e.to_string(),
        ))
    })
}

fn attr<'a>(g: &'a Graphics, name: &str) -> Option<&'a str> {
    g.attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The address a display listens on: its `<listen>` child, else its
/// `listen=` attribute.
fn listen_address(g: &Graphics) -> Option<String> {
    g.part::<Listen>()
        .ok()
        .flatten()
        .and_then(|l| l.address)
        .or_else(|| attr(g, "listen").map(str::to_string))
        .filter(|a| !a.is_empty())
}

/// True for an address that means "every address of the host".
fn is_wildcard(addr: &str) -> bool {
    matches!(addr, "0.0.0.0" | "::" | "[::]")
}

/// `vncdisplay`: `HOST:DISPLAY`, the host left out when the server
/// listens everywhere.
pub fn vncdisplay(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = ctl.lookup_domain(cmd, BY_ANY)?;
    let def = live_def(ctl, &dom)?;
    let vnc = def
        .devices
        .graphics
        .iter()
        .find(|g| g.graphics_type == "vnc");
    let Some(port) = vnc
        .and_then(|g| attr(g, "port"))
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| *p != 0)
    else {
        return Err(ctl.fail_msg("Failed to get VNC port. Is this domain using VNC?"));
    };
    let host = vnc
        .and_then(listen_address)
        .filter(|a| !is_wildcard(a))
        .unwrap_or_default();
    ctl.print(&format!("{host}:{}\n", port - 5900));
    Ok(())
}

/// `domdisplay`: a URI for each display (the first, unless `--all`), of
/// the `--type` asked for.
pub fn domdisplay(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = ctl.lookup_domain(cmd, BY_ANY)?;
    let def = live_def(ctl, &dom)?;
    let wanted = cmd.raw("type");
    let mut out = String::new();
    // virsh looks at the kinds in this order.
    for kind in ["vnc", "spice", "rdp", "dbus"] {
        if wanted.is_some_and(|w| w != kind) {
            continue;
        }
        let Some(g) = def
            .devices
            .graphics
            .iter()
            .find(|g| g.graphics_type == kind)
        else {
            continue;
        };
        let Some(port) = attr(g, "port").and_then(|p| p.parse::<i64>().ok()) else {
            continue;
        };
        let host = listen_address(g)
            .filter(|a| !is_wildcard(a))
            .unwrap_or_else(|| "localhost".into());
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        let password = attr(g, "passwd")
            .filter(|_| cmd.has("include-password"))
            .map(|p| format!(":{p}@"))
            .unwrap_or_default();
        let port = if kind == "vnc" { port - 5900 } else { port };
        // virsh ends the line only between the URIs of `--all`.
        out.push_str(&format!("{kind}://{password}{host}:{port}"));
        if !cmd.has("all") {
            break;
        }
        out.push('\n');
    }
    if out.is_empty() {
        return Err(ctl.fail_msg("No graphical display found"));
    }
    ctl.print(&out);
    Ok(())
}
