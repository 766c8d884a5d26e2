//! A domain's graphical display: where it listens (`vncdisplay` and
//! `domdisplay`, read from the live XML as virsh 9.0 reads it; the QEMU
//! driver records the port QEMU chose for an `autoport` VNC server) and
//! what it shows (`screenshot`).

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

/// `screenshot DOMAIN [FILE] [--screen N]`: the picture of the domain's
/// screen into FILE (made, or truncated when it exists), or into
/// `DOMAIN-TIME.EXT` named after the picture's type. A file this command
/// made is removed when the transfer fails.
pub fn screenshot(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = ctl.lookup_domain(cmd, BY_ANY)?;
    let file = ctl.opt_str(cmd, "file")?.map(str::to_string);
    let screen = ctl.opt_uint(cmd, "screen")?.unwrap_or(0);
    let name = dom.name().to_string();
    let conn = ctl.conn()?;
    let st = conn
        .new_stream(0)
        .map_err(|e| ctl.fail("cannot create a new stream", e))?;
    let mime = match dom.screenshot(&st, screen, 0) {
        Ok(m) => m,
        Err(e) => return Err(ctl.fail(&format!("could not take a screenshot of {name}"), e)),
    };
    let file = file.unwrap_or_else(|| generated_name(&name, &mime));
    let Ok((mut f, created)) = crate::storage::create_or_truncate(&file) else {
        let _ = st.abort();
        return Err(ctl.fail_msg(&format!("cannot create file {file}")));
    };
    let r = match st.recv_all(&mut f) {
        Err(e) => Err(ctl.fail(&format!("could not receive data from domain {name}"), e)),
        Ok(()) => st
            .finish()
            .map_err(|e| ctl.fail(&format!("cannot close stream on domain {name}"), e)),
    };
    if r.is_err() {
        if created {
            let _ = std::fs::remove_file(&file);
        }
        return r;
    }
    ctl.print_extra(&format!("Screenshot saved to {file}, with type of {mime}"));
    Ok(())
}

/// virsh's name for a screenshot saved without one: the domain's name,
/// the local time, and the extension of the types it knows.
fn generated_name(domain: &str, mime: &str) -> String {
    let ext = match mime {
        "image/x-portable-pixmap" => ".ppm",
        "image/png" => ".png",
        _ => "",
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let time =
        crate::network::local_time_zone(now).map_or_else(String::new, |(t, _)| t.replace(' ', "-"));
    format!("{domain}-{time}{ext}")
}
