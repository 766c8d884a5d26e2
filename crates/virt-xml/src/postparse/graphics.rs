//! VNC and RDP graphics as libvirt writes what it read
//! (virDomainGraphicsDefParseXMLVNC/RDP, virDomainGraphicsListensParseXML,
//! virDomainGraphicsDefFormat) into an inactive definition: the port and
//! autoport libvirt settles, in its attribute order, and the listens it
//! reads, the first one also as the old `listen` (or VNC `socket`)
//! attribute. A value libvirt refuses leaves the graphics as written:
//! the checks refuse the definition, not this.

use crate::{Element, Graphics};

/// Rewrites `g` as libvirt writes it (VNC and RDP; the other types are
/// left as they are).
pub(super) fn rewrite(g: &mut Graphics) {
    let rewritten = match g.graphics_type.as_str() {
        "vnc" => vnc(g),
        "rdp" => rdp(g),
        "spice" => {
            if let Some((attrs, children)) = spice(g) {
                g.attrs = attrs;
                g.extra = children;
            }
            return;
        }
        // virDomainGraphicsDefFormat writes `fullscreen` only when set.
        "sdl" | "desktop" => {
            g.attrs.retain(|(k, v)| !(k == "fullscreen" && v == "no"));
            return;
        }
        _ => return,
    };
    if let Some((attrs, listens)) = rewritten {
        g.attrs = attrs;
        g.extra.retain(|e| e.name != "listen");
        for (i, l) in listens.into_iter().enumerate() {
            g.extra.insert(i, l);
        }
    }
}

type Attrs = Vec<(String, String)>;

/// What an inactive definition keeps of the port of VNC or RDP graphics
/// with autoport (virDomainGraphicsDefParseXMLVNC/RDP with
/// `VIR_DOMAIN_DEF_PARSE_INACTIVE`): none, written as VNC's `-1` or
/// RDP's `0`.
pub(super) fn inactive_ports(g: &mut Graphics) {
    let none = match g.graphics_type.as_str() {
        "vnc" => "-1",
        "rdp" => "0",
        _ => return,
    };
    if attr(g, "autoport") != Some("yes") {
        return;
    }
    for (k, v) in g.attrs.iter_mut() {
        if k == "port" {
            *v = none.to_string();
        }
    }
}

fn attr<'a>(g: &'a Graphics, name: &str) -> Option<&'a str> {
    g.attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A C `int` as virStrToLong_i reads it in base 10.
fn c_int(s: &str) -> Option<i32> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let n = i64::try_from(crate::devinfo::c_unsigned(digits, 10)?).ok()?;
    i32::try_from(if negative { -n } else { n }).ok()
}

/// A listen as libvirt reads it: type, address, network, socket.
struct Listen {
    kind: String,
    address: Option<String>,
    network: Option<String>,
    socket: Option<String>,
}

impl Listen {
    /// virDomainGraphicsListenDefFormat, for an inactive definition.
    fn element(&self) -> Element {
        let mut e = Element::new("listen").with_attr("type", &self.kind);
        if let (Some(a), "address") = (&self.address, self.kind.as_str()) {
            e = e.with_attr("address", a);
        }
        if let (Some(n), "network") = (&self.network, self.kind.as_str()) {
            e = e.with_attr("network", n);
        }
        if let (Some(s), "socket") = (&self.socket, self.kind.as_str()) {
            e = e.with_attr("socket", s);
        }
        e
    }
}

/// virDomainGraphicsListensParseXML: each `<listen>` (the first one
/// taking the graphics' `listen` address or VNC `socket` when it has
/// none), or one made of those attributes; a VNC `socket` attribute
/// replaces a first address or network listen. `None` when libvirt
/// refuses one.
fn listens(g: &Graphics) -> Option<Vec<Listen>> {
    let vnc = g.graphics_type == "vnc";
    let compat_address = attr(g, "listen");
    let compat_socket = if vnc { attr(g, "socket") } else { None };
    let nonempty = |v: Option<&str>| v.filter(|v| !v.is_empty()).map(str::to_string);
    let mut out = Vec::new();
    for (i, l) in g.extra.iter().filter(|e| e.name == "listen").enumerate() {
        let kind = l.attr("type")?;
        if !matches!(kind, "address" | "network" | "socket" | "none") {
            return None;
        }
        if matches!(kind, "socket" | "none") && !vnc && g.graphics_type != "spice" {
            return None;
        }
        let mut address = l.attr("address");
        let mut socket = l.attr("socket");
        if i == 0 && kind == "address" {
            if let (Some(a), Some(c)) = (address, compat_address) {
                if a != c {
                    return None;
                }
            }
            address = address.or(compat_address);
        }
        if i == 0 && kind == "socket" {
            if let (Some(s), Some(c)) = (socket, compat_socket) {
                if s != c {
                    return None;
                }
            }
            socket = socket.or(compat_socket);
        }
        let network = nonempty(l.attr("network"));
        let socket = nonempty(socket);
        if (network.is_some() && kind != "network") || (socket.is_some() && kind != "socket") {
            return None;
        }
        out.push(Listen {
            kind: kind.to_string(),
            // A network's address is what it runs on now, not kept.
            address: nonempty(address).filter(|_| kind == "address"),
            network,
            socket,
        });
    }
    let made = match compat_socket {
        Some(s) => Listen {
            kind: "socket".into(),
            address: None,
            network: None,
            socket: Some(s.to_string()),
        },
        None => Listen {
            kind: "address".into(),
            address: nonempty(compat_address),
            network: None,
            socket: None,
        },
    };
    if out.is_empty() {
        out.push(made);
    } else if made.kind == "socket" && matches!(out[0].kind.as_str(), "address" | "network") {
        out[0] = made;
    }
    Some(out)
}

/// The old `listen` attribute (virDomainGraphicsListenDefFormatAddr):
/// the first listen's address.
fn listen_attr(attrs: &mut Attrs, first: &Listen) {
    if let (Some(a), "address") = (&first.address, first.kind.as_str()) {
        attrs.push(("listen".into(), a.clone()));
    }
}

fn vnc(g: &Graphics) -> Option<(Attrs, Vec<Element>)> {
    let listens = listens(g)?;
    let (mut port, mut autoport) = match attr(g, "port") {
        None => (0, true),
        Some(p) => match c_int(p)? {
            -1 => (-1, true),
            n => (n, false),
        },
    };
    // virStringParseYesNo, its failure ignored.
    match attr(g, "autoport") {
        Some("yes") => autoport = true,
        Some("no") => autoport = false,
        _ => {}
    }
    // The port of a guest that runs: an inactive definition has none
    // with autoport (`inactive_ports`).
    if port == -1 && !autoport {
        port = 0;
    }
    let websocket = match attr(g, "websocket") {
        None => 0,
        Some(w) => c_int(w)?,
    };
    let generated = attr(g, "websocketGenerated") == Some("yes");
    let mut attrs = Attrs::new();
    let first = &listens[0];
    match first.kind.as_str() {
        "socket" => {
            if let Some(s) = &first.socket {
                attrs.push(("socket".into(), s.clone()));
            }
        }
        "address" | "network" => {
            if port != 0 {
                attrs.push(("port".into(), port.to_string()));
            } else if autoport {
                attrs.push(("port".into(), "-1".into()));
            }
            let auto = if autoport { "yes" } else { "no" };
            attrs.push(("autoport".into(), auto.into()));
            if generated {
                attrs.push(("websocket".into(), "-1".into()));
            } else if websocket != 0 {
                attrs.push(("websocket".into(), websocket.to_string()));
            }
            listen_attr(&mut attrs, first);
        }
        _ => {}
    }
    for name in ["keymap", "sharePolicy", "powerControl"] {
        if let Some(v) = attr(g, name) {
            attrs.push((name.into(), v.into()));
        }
    }
    // The password settings, written with a password only (the password
    // itself only with secure output, FormatOptions).
    if attr(g, "passwd").is_some() {
        for name in ["passwd", "passwdValidTo", "connected"] {
            if let Some(v) = attr(g, name) {
                attrs.push((name.into(), v.into()));
            }
        }
    }
    Some((attrs, listens.iter().map(Listen::element).collect()))
}

fn rdp(g: &Graphics) -> Option<(Attrs, Vec<Element>)> {
    let listens = listens(g)?;
    let (port, mut autoport) = match attr(g, "port") {
        None => (0, true),
        Some(p) => match c_int(p)? {
            -1 => (-1, true),
            n => (n, false),
        },
    };
    if attr(g, "autoport") == Some("yes") {
        autoport = true;
    }
    let mut attrs = Attrs::new();
    if port != 0 {
        attrs.push(("port".into(), port.to_string()));
    } else if autoport {
        attrs.push(("port".into(), "0".into()));
    }
    if autoport {
        attrs.push(("autoport".into(), "yes".into()));
    }
    for name in ["replaceUser", "multiUser"] {
        if attr(g, name) == Some("yes") {
            attrs.push((name.into(), "yes".into()));
        }
    }
    listen_attr(&mut attrs, &listens[0]);
    Some((attrs, listens.iter().map(Listen::element).collect()))
}

/// SPICE graphics as libvirt writes what it read
/// (virDomainGraphicsDefParseXMLSpice, virDomainDefPostParseGraphics,
/// virDomainGraphicsDefFormat): the ports (none in an inactive definition
/// with autoport, `-1` for both being the old autoport), a first address
/// listen without ports or autoport made a listen of type none, the
/// attributes in libvirt's order, then the listens, each channel's last
/// mode in libvirt's order of channel names, and the first of each of the
/// other settings.
fn spice(g: &Graphics) -> Option<(Attrs, Vec<Element>)> {
    let mut listens = listens(g)?;
    let number = |name: &str| match attr(g, name) {
        None => Some(0),
        Some(p) => c_int(p),
    };
    let (mut port, mut tls_port) = (number("port")?, number("tlsPort")?);
    let mut autoport = match attr(g, "autoport") {
        None | Some("no") => false,
        Some("yes") => true,
        Some(_) => return None,
    };
    if port == -1 && tls_port == -1 {
        autoport = true;
    }
    if autoport {
        (port, tls_port) = (0, 0);
    }
    let first = &mut listens[0];
    if first.kind == "address" && port == 0 && tls_port == 0 && !autoport {
        first.kind = "none".into();
        first.address = None;
    }
    let mut attrs = Attrs::new();
    if matches!(first.kind.as_str(), "address" | "network") {
        if port != 0 {
            attrs.push(("port".into(), port.to_string()));
        }
        if tls_port != 0 {
            attrs.push(("tlsPort".into(), tls_port.to_string()));
        }
        let auto = if autoport { "yes" } else { "no" };
        attrs.push(("autoport".into(), auto.into()));
        listen_attr(&mut attrs, first);
    }
    if let Some(k) = attr(g, "keymap") {
        attrs.push(("keymap".into(), k.into()));
    }
    match attr(g, "defaultMode") {
        None | Some("any") => {}
        Some(m) => attrs.push(("defaultMode".into(), m.into())),
    }
    if attr(g, "passwd").is_some() {
        for name in ["passwd", "passwdValidTo", "connected"] {
            if let Some(v) = attr(g, name) {
                attrs.push((name.into(), v.into()));
            }
        }
    }
    let mut children: Vec<Element> = listens.iter().map(Listen::element).collect();
    const CHANNELS: [&str; 8] = [
        "main",
        "display",
        "inputs",
        "cursor",
        "playback",
        "record",
        "smartcard",
        "usbredir",
    ];
    for name in CHANNELS {
        let mode = g
            .extra
            .iter()
            .rev()
            .filter(|e| e.name == "channel" && e.attr("name") == Some(name))
            .filter_map(|e| e.attr("mode"))
            .next();
        if let Some(m) = mode.filter(|m| *m != "any") {
            children.push(
                Element::new("channel")
                    .with_attr("name", name)
                    .with_attr("mode", m),
            );
        }
    }
    for (name, value) in [
        ("image", "compression"),
        ("jpeg", "compression"),
        ("zlib", "compression"),
        ("playback", "compression"),
        ("streaming", "mode"),
        ("mouse", "mode"),
        ("clipboard", "copypaste"),
        ("filetransfer", "enable"),
    ] {
        if let Some(v) = g
            .extra
            .iter()
            .find(|e| e.name == name)
            .and_then(|e| e.attr(value))
        {
            children.push(Element::new(name).with_attr(value, v));
        }
    }
    if let Some(gl) = g.extra.iter().find(|e| e.name == "gl") {
        let mut out = Element::new("gl").with_attr("enable", gl.attr("enable")?);
        if let Some(r) = gl.attr("rendernode") {
            out.set_attr("rendernode", r);
        }
        children.push(out);
    }
    Some((attrs, children))
}

#[cfg(test)]
mod tests {
    fn graphics(xml: &str) -> String {
        let mut def = crate::parse_domain(&format!(
            "<domain type='test'><name>t</name><memory>1024</memory><os><type>hvm</type></os>\
             <devices>{xml}</devices></domain>"
        ))
        .unwrap();
        def.forget_assigned_aliases();
        let out = def.to_xml(&crate::FormatOptions {
            inactive: true,
            ..Default::default()
        });
        let start = out.find("<graphics").unwrap();
        let end = out.rfind("</devices>").unwrap();
        out[start..end].lines().map(str::trim).collect()
    }

    #[test]
    fn spice_as_libvirt_writes_it() {
        assert!(graphics("<graphics type='spice'><image compression='glz'/><playback compression='off'/></graphics>")
            .starts_with("<graphics type='spice'><listen type='none'/><image compression='glz'/><playback compression='off'/></graphics>"));
        assert!(graphics(
            "<graphics type='spice' port='-1' tlsPort='-1' keymap='en'><channel name='usbredir' mode='secure'/>\
             <channel name='main' mode='any'/><mouse mode='client'/><listen type='address' address='1.2.3.4'/></graphics>"
        )
        .starts_with(
            "<graphics type='spice' autoport='yes' listen='1.2.3.4' keymap='en'><listen type='address' address='1.2.3.4'/>\
             <channel name='usbredir' mode='secure'/><mouse mode='client'/></graphics>"
        ));
    }

    #[test]
    fn fullscreen_written_only_when_set() {
        assert!(graphics("<graphics type='desktop' fullscreen='no'/>")
            .starts_with("<graphics type='desktop'/>"));
        assert!(graphics("<graphics type='sdl' fullscreen='yes'/>")
            .starts_with("<graphics type='sdl' fullscreen='yes'/>"));
    }

    #[test]
    fn rdp_and_vnc_as_libvirt_writes_them() {
        assert_eq!(
            graphics("<graphics type='rdp' listen='0.4.22.15'/>"),
            "<graphics type='rdp' port='0' autoport='yes' listen='0.4.22.15'>\
             <listen type='address' address='0.4.22.15'/></graphics>"
        );
        assert_eq!(
            graphics(
                "<graphics type='rdp' port='5' autoport='no' multiUser='yes' replaceUser='no'/>"
            ),
            "<graphics type='rdp' port='5' multiUser='yes'><listen type='address'/></graphics>"
        );
        assert_eq!(
            graphics(
                "<graphics type='vnc' keymap='en' port='5901' sharePolicy='ignore' autoport='no' \
                      websocket='5' powerControl='yes'/>"
            ),
            "<graphics type='vnc' port='5901' autoport='no' websocket='5' keymap='en' \
             sharePolicy='ignore' powerControl='yes'><listen type='address'/></graphics>"
        );
        assert_eq!(
            graphics("<graphics type='vnc' socket='/s' listen='1.2.3.4'/>"),
            "<graphics type='vnc' socket='/s'><listen type='socket' socket='/s'/></graphics>"
        );
        assert_eq!(
            graphics("<graphics type='vnc' autoport='yes' port='5900'><listen type='network' \
                      network='default' address='1.1.1.1'/><listen type='address' address='2.2.2.2'/></graphics>"),
            "<graphics type='vnc' port='-1' autoport='yes'><listen type='network' network='default'/>\
             <listen type='address' address='2.2.2.2'/></graphics>"
        );
    }
}
