//! VNC and RDP graphics as libvirt writes what it read
//! (virDomainGraphicsDefParseXMLVNC/RDP, virDomainGraphicsListensParseXML,
//! virDomainGraphicsDefFormat) into an inactive definition: the port and
//! autoport libvirt settles, in its attribute order, and the listens it
//! reads, the first one also as the old `listen` (or VNC `socket`)
//! attribute. A value libvirt refuses leaves the graphics as written:
//! the checks refuse the definition, not this.

use crate::model::Attr;
use crate::{Element, Graphics};

/// Rewrites `g` as libvirt writes it: the attributes and children its
/// type's parse function reads, as virDomainGraphicsDefFormat writes
/// them (what it does not read is dropped). What is already as libvirt
/// writes it is kept, not made again.
pub(super) fn rewrite(g: &mut Graphics) {
    let (attrs, children) = match g.graphics_type.as_str() {
        "vnc" | "rdp" => {
            let Some(listens) = listens(g) else { return };
            let vnc = g.graphics_type == "vnc";
            let attrs = if vnc {
                vnc_attrs(g, &listens[0])
            } else {
                rdp(g, &listens[0])
            };
            let Some(attrs) = attrs else { return };
            // The listens, then (VNC) the first audio backend's ID.
            let audio = g
                .extra
                .iter()
                .find(|e| e.name == "audio" && vnc)
                .and_then(|a| a.attr("id"))
                .and_then(|id| crate::validate::c_uint(id, 10));
            let kept = listens.len() + usize::from(audio.is_some()) == g.extra.len()
                && listens
                    .iter()
                    .zip(&g.extra)
                    .all(|(l, e)| l.is_written_as(e))
                && audio.is_none_or(|id| {
                    g.extra.last().is_some_and(|e| {
                        e.name == "audio"
                            && e.children.is_empty()
                            && e.attrs.len() == 1
                            && e.attr("id") == Some(id.to_string().as_str())
                    })
                });
            let children = (!kept).then(|| {
                let mut children: Vec<Element> = listens.iter().map(Listen::element).collect();
                if let Some(id) = audio {
                    children.push(Element::new("audio").with_attr("id", id.to_string()));
                }
                children
            });
            (attrs.finish(), children)
        }
        "spice" => {
            if let Some((attrs, children)) = spice(g) {
                g.attrs = attrs;
                g.extra = children;
            }
            return;
        }
        // libvirt reads only the first <gl>'s render node of an
        // egl-headless display (virDomainGraphicsDefParseXMLEGLHeadless)
        // and writes `<gl rendernode=.../>` only when there is one.
        "egl-headless" => {
            let gl = g.extra.iter().find(|e| e.name == "gl");
            let rendernode = gl.and_then(|gl| gl.attr("rendernode"));
            let written = rendernode.map(|r| Element::new("gl").with_attr("rendernode", r));
            let as_written = g.attrs.is_empty()
                && match (&written, g.extra.as_slice()) {
                    (None, []) => true,
                    (Some(w), [given]) => w == given,
                    _ => false,
                };
            if !as_written {
                g.attrs.clear();
                g.extra = written.into_iter().collect();
            }
            return;
        }
        "sdl" | "desktop" | "dbus" => {
            let (attrs, children) = others(g);
            (attrs.finish(), (g.extra != children).then_some(children))
        }
        _ => return,
    };
    if let Some(attrs) = attrs {
        g.attrs = attrs;
    }
    if let Some(children) = children {
        g.extra = children;
    }
}

/// SDL, desktop and D-Bus displays (virDomainGraphicsDefParseXMLSDL,
/// Desktop, DBus; virDomainGraphicsDefFormat): SDL's display, X
/// authority, full screen (written when set) and first `<gl>`'s switch;
/// a desktop's display and full screen; D-Bus's peer to peer (written
/// when set), address, first `<gl>` and first audio backend's ID.
fn others(g: &Graphics) -> (Written<'_>, Vec<Element>) {
    let mut attrs = Written::new(&g.attrs);
    let mut children = Vec::new();
    let first = |name: &str| g.extra.iter().find(|e| e.name == name);
    match g.graphics_type.as_str() {
        "dbus" => {
            if attr(g, "p2p") == Some("yes") {
                attrs.push("p2p", "yes");
            }
            if let Some(a) = attr(g, "address") {
                attrs.push("address", a);
            }
            if let Some(enable) = first("gl").and_then(|gl| gl.attr("enable")) {
                let mut gl = Element::new("gl").with_attr("enable", enable);
                if let Some(r) = first("gl").and_then(|gl| gl.attr("rendernode")) {
                    gl.set_attr("rendernode", r);
                }
                children.push(gl);
            }
            let audio = first("audio").and_then(|a| a.attr("id"));
            if let Some(id) = audio.and_then(|id| crate::validate::c_uint(id, 10)) {
                children.push(Element::new("audio").with_attr("id", id.to_string()));
            }
        }
        kind => {
            if let Some(d) = attr(g, "display") {
                attrs.push("display", d);
            }
            if kind == "sdl" {
                if let Some(x) = attr(g, "xauth") {
                    attrs.push("xauth", x);
                }
            }
            if attr(g, "fullscreen") == Some("yes") {
                attrs.push("fullscreen", "yes");
            }
            if let Some(enable) = first("gl").and_then(|gl| gl.attr("enable")) {
                if kind == "sdl" {
                    children.push(Element::new("gl").with_attr("enable", enable));
                }
            }
        }
    }
    (attrs, children)
}

/// The password settings libvirt writes (virDomainGraphicsAuthDefFormatAttr),
/// with a password only (the password itself only with secure output,
/// FormatOptions): the validity time as GLib writes the time it read (an
/// impossible date is the epoch), what happens to connected clients.
fn auth(g: &Graphics) -> impl Iterator<Item = (&'static str, std::borrow::Cow<'_, str>)> {
    use std::borrow::Cow;
    let passwd = attr(g, "passwd");
    let valid_to = attr(g, "passwdValidTo").filter(|_| passwd.is_some());
    let valid_to = valid_to.map(|v| match crate::views::password_valid_to(v) {
        Some(t) => {
            let written = valid_to_text(t);
            if written == v {
                Cow::Borrowed(v)
            } else {
                Cow::Owned(written)
            }
        }
        None => Cow::Borrowed(v),
    });
    let connected = attr(g, "connected").filter(|_| passwd.is_some());
    [
        passwd.map(|p| ("passwd", Cow::Borrowed(p))),
        valid_to.map(|v| ("passwdValidTo", v)),
        connected.map(|c| ("connected", Cow::Borrowed(c))),
    ]
    .into_iter()
    .flatten()
}

/// A password validity time read as year, month, day, hour, minute and
/// second, as libvirt writes it back (g_date_time_new in UTC, then
/// `%Y-%m-%dT%H:%M:%S`): the year unpadded, 1970-01-01T00:00:00 for a
/// date GLib refuses.
fn valid_to_text([year, month, day, hour, minute, second]: [i64; 6]) -> String {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    let valid = (1..=9999).contains(&year)
        && (1..=days).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..60).contains(&second);
    if !valid {
        return "1970-01-01T00:00:00".into();
    }
    format!("{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}")
}

type Attrs = Vec<Attr>;

/// The attributes libvirt writes, compared one by one with those given
/// as they are made: nothing is copied while they agree, and graphics
/// already written as libvirt writes them keep theirs.
struct Written<'g> {
    given: &'g [Attr],
    /// How many of `given` the attributes made so far agree with.
    agreed: usize,
    /// The attributes made, from the first that differs from `given`.
    made: Option<Attrs>,
}

impl<'g> Written<'g> {
    fn new(given: &'g [Attr]) -> Self {
        Written {
            given,
            agreed: 0,
            made: None,
        }
    }

    fn push(&mut self, name: &str, value: &str) {
        if self.made.is_none() {
            if self
                .given
                .get(self.agreed)
                .is_some_and(|(k, v)| k == name && v == value)
            {
                self.agreed += 1;
                return;
            }
            self.made = Some(self.given[..self.agreed].to_vec());
        }
        if let Some(made) = self.made.as_mut() {
            made.push((name.into(), value.to_string()));
        }
    }

    /// A port or other C `int`, written in decimal (on the stack: most
    /// agree with the value given).
    fn push_int(&mut self, name: &str, value: i32) {
        let mut buf = [0u8; 11];
        let mut at = buf.len();
        let mut n = value.unsigned_abs();
        loop {
            at -= 1;
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if value < 0 {
            at -= 1;
            buf[at] = b'-';
        }
        self.push(name, std::str::from_utf8(&buf[at..]).unwrap_or_default());
    }

    /// The attributes to write instead of those given; `None` when they
    /// are the same.
    fn finish(self) -> Option<Attrs> {
        match self.made {
            Some(made) => Some(made),
            None if self.agreed == self.given.len() => None,
            None => Some(self.given[..self.agreed].to_vec()),
        }
    }
}

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
        if k == "port" && v != none {
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

/// A listen as libvirt reads it: type, address, network, socket (read
/// in place from the graphics).
struct Listen<'g> {
    kind: &'g str,
    address: Option<&'g str>,
    network: Option<&'g str>,
    socket: Option<&'g str>,
}

impl Listen<'_> {
    /// The attributes virDomainGraphicsListenDefFormat writes for an
    /// inactive definition, after `type`.
    fn value(&self) -> Option<(&'static str, &str)> {
        match self.kind {
            "address" => self.address.map(|a| ("address", a)),
            "network" => self.network.map(|n| ("network", n)),
            "socket" => self.socket.map(|s| ("socket", s)),
            _ => None,
        }
    }

    /// virDomainGraphicsListenDefFormat, for an inactive definition.
    fn element(&self) -> Element {
        let mut e = Element::new("listen").with_attr("type", self.kind);
        if let Some((k, v)) = self.value() {
            e = e.with_attr(k, v);
        }
        e
    }

    /// Whether `e` is this listen as libvirt writes it.
    fn is_written_as(&self, e: &Element) -> bool {
        let value = self.value();
        e.name == "listen"
            && e.children.is_empty()
            && e.attrs.len() == 1 + usize::from(value.is_some())
            && e.attrs[0].0 == "type"
            && e.attrs[0].1 == self.kind
            && value.is_none_or(|(k, v)| e.attrs[1].0 == k && e.attrs[1].1 == v)
    }
}

/// virDomainGraphicsListensParseXML: each `<listen>` (the first one
/// taking the graphics' `listen` address or VNC `socket` when it has
/// none), or one made of those attributes; a VNC `socket` attribute
/// replaces a first address or network listen. `None` when libvirt
/// refuses one.
fn listens(g: &Graphics) -> Option<Vec<Listen<'_>>> {
    let vnc = g.graphics_type == "vnc";
    let compat_address = attr(g, "listen");
    let compat_socket = if vnc { attr(g, "socket") } else { None };
    fn nonempty(v: Option<&str>) -> Option<&str> {
        v.filter(|v| !v.is_empty())
    }
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
            kind,
            // A network's address is what it runs on now, not kept.
            address: nonempty(address).filter(|_| kind == "address"),
            network,
            socket,
        });
    }
    let made = match compat_socket {
        Some(s) => Listen {
            kind: "socket",
            address: None,
            network: None,
            socket: Some(s),
        },
        None => Listen {
            kind: "address",
            address: nonempty(compat_address),
            network: None,
            socket: None,
        },
    };
    if out.is_empty() {
        out.push(made);
    } else if made.kind == "socket" && matches!(out[0].kind, "address" | "network") {
        out[0] = made;
    }
    Some(out)
}

/// The old `listen` attribute (virDomainGraphicsListenDefFormatAddr):
/// the first listen's address.
fn listen_attr(attrs: &mut Written<'_>, first: &Listen<'_>) {
    if let (Some(a), "address") = (first.address, first.kind) {
        attrs.push("listen", a);
    }
}

/// The attributes libvirt writes of VNC graphics whose first listen is
/// `first`; `None` when it refuses a value.
fn vnc_attrs<'g>(g: &'g Graphics, first: &Listen<'_>) -> Option<Written<'g>> {
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
    let mut attrs = Written::new(&g.attrs);
    match first.kind {
        "socket" => {
            if let Some(s) = first.socket {
                attrs.push("socket", s);
            }
        }
        "address" | "network" => {
            if port != 0 {
                attrs.push_int("port", port);
            } else if autoport {
                attrs.push("port", "-1");
            }
            attrs.push("autoport", if autoport { "yes" } else { "no" });
            if generated {
                attrs.push("websocket", "-1");
            } else if websocket != 0 {
                attrs.push_int("websocket", websocket);
            }
            listen_attr(&mut attrs, first);
        }
        _ => {}
    }
    if let Some(v) = attr(g, "keymap") {
        attrs.push("keymap", v);
    }
    // The share policy's `default` is none.
    if let Some(v) = attr(g, "sharePolicy").filter(|v| *v != "default") {
        attrs.push("sharePolicy", v);
    }
    if let Some(v) = attr(g, "powerControl") {
        attrs.push("powerControl", v);
    }
    for (name, v) in auth(g) {
        attrs.push(name, &v);
    }
    Some(attrs)
}

/// The attributes libvirt writes of RDP graphics whose first listen is
/// `first`; `None` when it refuses a value.
fn rdp<'g>(g: &'g Graphics, first: &Listen<'_>) -> Option<Written<'g>> {
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
    let mut attrs = Written::new(&g.attrs);
    if port != 0 {
        attrs.push_int("port", port);
    } else if autoport {
        attrs.push("port", "0");
    }
    if autoport {
        attrs.push("autoport", "yes");
    }
    for name in ["replaceUser", "multiUser"] {
        if attr(g, name) == Some("yes") {
            attrs.push(name, "yes");
        }
    }
    listen_attr(&mut attrs, first);
    Some(attrs)
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
        first.kind = "none";
        first.address = None;
    }
    let mut attrs = Attrs::new();
    if matches!(first.kind, "address" | "network") {
        if port != 0 {
            attrs.push(("port".into(), port.to_string()));
        }
        if tls_port != 0 {
            attrs.push(("tlsPort".into(), tls_port.to_string()));
        }
        let auto = if autoport { "yes" } else { "no" };
        attrs.push(("autoport".into(), auto.into()));
        if let (Some(a), "address") = (first.address, first.kind) {
            attrs.push(("listen".into(), a.to_string()));
        }
    }
    if let Some(k) = attr(g, "keymap") {
        attrs.push(("keymap".into(), k.into()));
    }
    match attr(g, "defaultMode") {
        None | Some("any") => {}
        Some(m) => attrs.push(("defaultMode".into(), m.into())),
    }
    for (name, v) in auth(g) {
        attrs.push((name.into(), v.into_owned()));
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

    /// An egl-headless display keeps only its first `<gl>`'s render node
    /// (as virsh 9.0 dumps it): a `<gl/>` without one is dropped.
    #[test]
    fn egl_headless_keeps_only_the_render_node() {
        assert!(graphics("<graphics type='egl-headless'><gl/></graphics>")
            .starts_with("<graphics type='egl-headless'/>"));
        assert!(graphics(
            "<graphics type='egl-headless'><gl rendernode='/dev/dri/a'/><gl rendernode='/b'/></graphics>"
        )
        .starts_with("<graphics type='egl-headless'><gl rendernode='/dev/dri/a'/></graphics>"));
    }

    #[test]
    fn fullscreen_written_only_when_set() {
        assert!(graphics("<graphics type='desktop' fullscreen='no'/>")
            .starts_with("<graphics type='desktop'/>"));
        assert!(graphics("<graphics type='sdl' fullscreen='yes'/>")
            .starts_with("<graphics type='sdl' fullscreen='yes'/>"));
    }

    /// Each type writes what its parse function reads, in
    /// virDomainGraphicsDefFormat's order (as virsh 9.0 dumps them).
    #[test]
    fn each_type_writes_what_it_reads() {
        assert_eq!(
            graphics("<graphics type='desktop' fullscreen='yes' display=':0' port='x'/>"),
            "<graphics type='desktop' display=':0' fullscreen='yes'/>"
        );
        assert_eq!(
            graphics("<graphics type='sdl' fullscreen='yes' xauth='/x' display=':0'><gl enable='yes' rendernode='/r'/><foo/></graphics>"),
            "<graphics type='sdl' display=':0' xauth='/x' fullscreen='yes'><gl enable='yes'/></graphics>"
        );
        assert_eq!(
            graphics("<graphics type='dbus' p2p='no' address='unix:path=/x'><audio id='01'/><gl enable='no' rendernode='/r'/></graphics>"),
            "<graphics type='dbus' address='unix:path=/x'><gl enable='no' rendernode='/r'/><audio id='1'/></graphics>"
        );
        assert!(graphics(
            "<audio id='1' type='none'/><graphics type='vnc' sharePolicy='default' passwd='a' \
             passwdValidTo='+2010-2-3T4:5:6' connected='keep'><foo/><audio id='1'/><audio id='2'/></graphics>"
        )
        .starts_with(
            "<graphics type='vnc' port='-1' autoport='yes' passwdValidTo='2010-02-03T04:05:06' connected='keep'>\
             <listen type='address'/><audio id='1'/></graphics>"
        ));
        // GLib refuses the date: the epoch.
        assert!(graphics(
            "<graphics type='spice' passwd='a' passwdValidTo='2023-02-29T00:00:00' connected='fail'/>"
        )
        .starts_with("<graphics type='spice' passwdValidTo='1970-01-01T00:00:00' connected='fail'>"));
    }

    #[test]
    fn attributes_already_written_are_kept() {
        let given = |attrs: &[(&str, &str)]| -> Vec<crate::model::Attr> {
            attrs
                .iter()
                .map(|(k, v)| ((*k).into(), v.to_string()))
                .collect()
        };
        let same = given(&[("port", "-2147483648"), ("autoport", "no")]);
        let mut w = super::Written::new(&same);
        w.push_int("port", i32::MIN);
        w.push("autoport", "no");
        assert_eq!(w.finish(), None);
        // One more given than written: the written ones.
        let more = given(&[("port", "5900"), ("keymap", "en")]);
        let mut w = super::Written::new(&more);
        w.push_int("port", 5900);
        assert_eq!(w.finish(), Some(given(&[("port", "5900")])));
        // A difference: the agreeing ones, then those made.
        let mut w = super::Written::new(&more);
        w.push_int("port", 5900);
        w.push("autoport", "no");
        w.push("keymap", "en");
        assert_eq!(
            w.finish(),
            Some(given(&[
                ("port", "5900"),
                ("autoport", "no"),
                ("keymap", "en")
            ]))
        );
        // Listens already written so stay as they are, in their place.
        assert_eq!(
            graphics(
                "<graphics type='vnc' port='-1' autoport='yes'><listen type='address'/></graphics>"
            ),
            "<graphics type='vnc' port='-1' autoport='yes'><listen type='address'/></graphics>"
        );
        assert!(graphics(
            "<audio id='1' type='none'/><graphics type='vnc' port='-1' autoport='yes'>\
             <audio id='1'/><listen type='address'/></graphics>"
        )
        .starts_with(
            "<graphics type='vnc' port='-1' autoport='yes'><listen type='address'/><audio id='1'/></graphics>"
        ));
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
