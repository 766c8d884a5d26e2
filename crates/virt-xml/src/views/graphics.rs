//! A `<graphics>` as libvirt 9.0 reads it (virDomainGraphicsDefParseXML
//! and the functions of each type: VNC, SDL, RDP, desktop, SPICE,
//! egl-headless, D-Bus; the listens, virDomainGraphicsListensParseXML;
//! the password, virDomainGraphicsAuthDefParseXML) and validates it
//! (virDomainGraphicsDefValidate): each value libvirt refuses, with its
//! error, in the order it reads them. What a type does not read is left
//! alone, as libvirt leaves it.

use super::peripherals::{
    AudioRef, Clipboard, GraphicsChannel, GraphicsFileTransfer, GraphicsGl, GraphicsImage,
    GraphicsJpeg, GraphicsPlayback, GraphicsStreaming, GraphicsZlib, Mouse,
};
use super::*;
use crate::model::Graphics;

/// The graphics types libvirt 9.0 knows (virDomainGraphicsType).
const GRAPHICS_TYPES: &[&str] = &[
    "sdl",
    "vnc",
    "rdp",
    "desktop",
    "spice",
    "egl-headless",
    "dbus",
];

/// virDomainGraphicsDefParseXML for `g`, whose `type` attribute
/// `type_given` says was there (the model keeps a missing one as empty).
pub(crate) fn check_graphics_def(g: &Graphics, type_given: bool) -> Result<(), XmlError> {
    let kind = g.graphics_type.as_str();
    if !type_given {
        return Err(missing_attr("graphics", "type"));
    }
    if !GRAPHICS_TYPES.contains(&kind) {
        return Err(invalid("type", kind, ""));
    }
    let attr = |name: &str| {
        g.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let first = |name: &str| g.extra.iter().find(|e| e.name == name);
    match kind {
        "vnc" => {
            check_listens(g)?;
            // virStrToLong_i, with its own internal error.
            if let Some(p) = attr("port") {
                c_int(p).ok_or_else(|| XmlError::Internal(format!("cannot parse vnc port {p}")))?;
            }
            prop_int(attr, "websocket")?;
            prop_enum(
                attr,
                "sharePolicy",
                &["default", "allow-exclusive", "force-shared", "ignore"],
            )?;
            prop_enum(attr, "powerControl", YES_NO)?;
            check_audio(first("audio"))?;
            check_auth(attr, kind)
        }
        "sdl" => {
            prop_enum(attr, "fullscreen", YES_NO)?;
            check_gl(first("gl"))
        }
        "rdp" => {
            check_listens(g)?;
            match attr("port") {
                Some(p) if c_int(p).is_none() => {
                    Err(XmlError::Internal(format!("cannot parse rdp port {p}")))
                }
                _ => Ok(()),
            }
        }
        "desktop" => prop_enum(attr, "fullscreen", YES_NO),
        "spice" => {
            check_listens(g)?;
            prop_int(attr, "port")?;
            prop_int(attr, "tlsPort")?;
            prop_enum(attr, "autoport", YES_NO)?;
            prop_enum(attr, "defaultMode", &["any", "secure", "insecure"])?;
            check_auth(attr, kind)?;
            for c in g.extra.iter().filter(|e| e.name == "channel") {
                GraphicsChannel::check(c)?;
            }
            let check_first = |name: &str, check: fn(&Element) -> Result<(), XmlError>| {
                first(name).map_or(Ok(()), check)
            };
            check_first("image", GraphicsImage::check)?;
            check_first("jpeg", GraphicsJpeg::check)?;
            check_first("zlib", GraphicsZlib::check)?;
            check_first("playback", GraphicsPlayback::check)?;
            check_first("streaming", GraphicsStreaming::check)?;
            check_first("clipboard", Clipboard::check)?;
            check_first("filetransfer", GraphicsFileTransfer::check)?;
            check_gl(first("gl"))?;
            check_first("mouse", Mouse::check)
        }
        // virDomainGraphicsDefParseXMLEGLHeadless reads a render node
        // and refuses nothing.
        "egl-headless" => Ok(()),
        // "dbus"
        _ => {
            prop_enum(attr, "p2p", YES_NO)?;
            check_gl(first("gl"))?;
            check_audio(first("audio"))
        }
    }
}

/// virTristateBool's values as virXMLPropTristateBool reads them.
const YES_NO: &[&str] = &["yes", "no"];

fn invalid(name: &str, value: &str, why: &str) -> XmlError {
    XmlError::Invalid(format!(
        "Invalid value for attribute '{name}' in element 'graphics': '{value}'.{why}"
    ))
}

/// virXMLPropEnum (or virXMLPropTristateBool): one of `values` when given.
fn prop_enum<'a>(
    attr: impl Fn(&str) -> Option<&'a str>,
    name: &str,
    values: &[&str],
) -> Result<(), XmlError> {
    match attr(name) {
        Some(v) if !values.contains(&v) => Err(invalid(name, v, "")),
        _ => Ok(()),
    }
}

/// virXMLPropInt in base 10: a C `int` when given.
fn prop_int<'a>(attr: impl Fn(&str) -> Option<&'a str>, name: &str) -> Result<(), XmlError> {
    match attr(name) {
        Some(v) if c_int(v).is_none() => Err(invalid(name, v, " Expected integer value")),
        _ => Ok(()),
    }
}

/// A C `int` as virStrToLong_i reads it in base 10.
fn c_int(v: &str) -> Option<i64> {
    crate::devinfo::c_int_in(v, 10)
}

/// The first `<audio>` of a VNC or D-Bus display: a required, positive
/// `id`.
fn check_audio(audio: Option<&Element>) -> Result<(), XmlError> {
    let Some(a) = audio else { return Ok(()) };
    AudioRef::check(a)?;
    match a.attr("id") {
        Some(_) => Ok(()),
        None => Err(missing_attr("audio", "id")),
    }
}

/// The first `<gl>` of an SDL, SPICE or D-Bus display: `enable`
/// required, yes or no.
fn check_gl(gl: Option<&Element>) -> Result<(), XmlError> {
    let Some(gl) = gl else { return Ok(()) };
    GraphicsGl::check(gl)?;
    match gl.attr("enable") {
        Some(_) => Ok(()),
        None => Err(missing_attr("gl", "enable")),
    }
}

/// virDomainGraphicsAuthDefParseXML (VNC, SPICE): with a password, its
/// validity time (`YYYY-MM-DDTHH:MM:SS`, each number as virStrToLong_i
/// reads it) and what happens to the connected clients when it changes
/// (VNC keeps them, nothing else).
fn check_auth<'a>(attr: impl Fn(&str) -> Option<&'a str>, kind: &str) -> Result<(), XmlError> {
    if attr("passwd").is_none() {
        return Ok(());
    }
    if let Some(valid_to) = attr("passwdValidTo") {
        if password_valid_to(valid_to).is_none() {
            return Err(XmlError::Internal(format!(
                "cannot parse password validity time '{valid_to}', expect YYYY-MM-DDTHH:MM:SS"
            )));
        }
    }
    if let Some(connected) = attr("connected") {
        if !matches!(connected, "fail" | "disconnect" | "keep") {
            return Err(XmlError::Unsupported(format!(
                "unknown connected value {connected}"
            )));
        }
        if kind == "vnc" && connected != "keep" {
            return Err(XmlError::Unsupported(
                "VNC supports connected='keep' only".into(),
            ));
        }
    }
    Ok(())
}

/// The six numbers of a password validity time as libvirt reads them:
/// year, month, day, hour, minute, second, each a C `int` in base 10
/// (blanks and a sign before its digits) ended by `-`, `-`, `T`, `:`,
/// `:` and the end of the text. `None` when libvirt refuses the text.
pub(crate) fn password_valid_to(text: &str) -> Option<[i64; 6]> {
    let mut out = [0i64; 6];
    let mut rest = text.as_bytes();
    for (i, end) in [b'-', b'-', b'T', b':', b':', 0].into_iter().enumerate() {
        while let [b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c, tail @ ..] = rest {
            rest = tail;
        }
        let negative = rest.first() == Some(&b'-');
        if matches!(rest.first(), Some(b'-' | b'+')) {
            rest = &rest[1..];
        }
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let mut n: i64 = 0;
        for d in &rest[..digits] {
            n = n.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
        }
        let n = if negative { -n } else { n };
        out[i] = i32::try_from(n).ok().map(i64::from)?;
        rest = match (end, &rest[digits..]) {
            (0, []) => &[],
            (_, [c, tail @ ..]) if *c == end && end != 0 => tail,
            _ => return None,
        };
    }
    Some(out)
}

/// virDomainGraphicsListensParseXML, for the graphics types that read
/// listens (VNC, RDP, SPICE; read before their other attributes): each
/// `<listen>`'s type, one the graphics type offers, the first one's
/// address or socket matching the graphics' old `listen` or `socket`
/// attribute, a network or socket only for its own listen type.
fn check_listens(g: &Graphics) -> Result<(), XmlError> {
    let kind = g.graphics_type.as_str();
    let parent = |name: &str| {
        g.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let unsupported = |m: String| Err(XmlError::Unsupported(m));
    for (i, l) in g.extra.iter().filter(|e| e.name == "listen").enumerate() {
        let Some(listen_type) = l.attr("type") else {
            return Err(missing_attr("listen", "type"));
        };
        match listen_type {
            "address" | "network" => {}
            "socket" | "none" if matches!(kind, "vnc" | "spice") => {}
            "socket" | "none" => {
                return unsupported(format!(
                    "listen type '{listen_type}' is not available for graphics type '{kind}'"
                ))
            }
            t => {
                return Err(XmlError::Invalid(format!(
                    "Invalid value for attribute 'type' in element 'listen': '{t}'."
                )))
            }
        }
        let first = i == 0;
        if listen_type == "address" && first {
            if let (Some(a), Some(c)) = (l.attr("address"), parent("listen")) {
                if a != c {
                    return unsupported(format!(
                        "graphics 'listen' attribute '{c}' must match 'address' attribute of first listen element (found '{a}')"
                    ));
                }
            }
        }
        let mut socket = l.attr("socket");
        if listen_type == "socket" && first {
            if let (Some(s), Some(c)) = (socket, parent("socket")) {
                if s != c {
                    return unsupported(format!(
                        "graphics 'socket' attribute '{c}' must match 'socket' attribute of first listen element (found '{s}')"
                    ));
                }
            }
            socket = socket.or(parent("socket"));
        }
        let given = |v: Option<&str>| v.is_some_and(|v| !v.is_empty());
        if given(l.attr("network")) && listen_type != "network" {
            return Err(XmlError::Invalid(
                "'network' attribute is valid only for listen type 'network'".into(),
            ));
        }
        if given(socket) && listen_type != "socket" {
            return Err(XmlError::Invalid(
                "'socket' attribute is valid only for listen type 'socket'".into(),
            ));
        }
    }
    Ok(())
}

/// virDomainGraphicsDefValidate for each display, where libvirt's walk
/// of the devices reaches them (after the devices with device
/// information): a network listen of VNC, SPICE or RDP names its
/// network, a VNC display's audio backend is one of the domain's, a
/// D-Bus display is not both peer to peer and on an address.
pub(crate) fn validate_graphics(devices: &Devices) -> Result<(), XmlError> {
    for g in &devices.graphics {
        let attr = |name: &str| {
            g.attrs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        match g.graphics_type.as_str() {
            "vnc" | "spice" | "rdp" => {
                // An empty network is none (the parser drops it).
                let unnamed = g.extra.iter().filter(|e| e.name == "listen").any(|l| {
                    l.attr("type") == Some("network") && l.attr("network").is_none_or(str::is_empty)
                });
                if unnamed {
                    return Err(XmlError::Invalid(
                        "'network' attribute is required for listen type 'network'".into(),
                    ));
                }
                if g.graphics_type == "vnc" {
                    check_audio_named(devices, g.extra.iter().find(|e| e.name == "audio"))?;
                }
            }
            "dbus" if attr("p2p") == Some("yes") && attr("address").is_some() => {
                return Err(XmlError::Invalid(
                    "D-Bus p2p with an address is not supported".into(),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::testing::devices_verdict as verdict;

    /// Each refusal of virDomainGraphicsDefParseXML and its type's
    /// function (texts from virsh 9.0).
    #[test]
    fn graphics_read_as_libvirt_reads_them() {
        let cases = [
            ("<graphics/>", "XML error: Missing required attribute 'type' in element 'graphics'"),
            ("<graphics type='bogus'/>", "XML error: Invalid value for attribute 'type' in element 'graphics': 'bogus'."),
            ("<graphics type=''/>", "XML error: Invalid value for attribute 'type' in element 'graphics': ''."),
            ("<graphics type='vnc' port='x'/>", "internal error: cannot parse vnc port x"),
            ("<graphics type='vnc' port='99999999999'/>", "internal error: cannot parse vnc port 99999999999"),
            ("<graphics type='vnc' port='05901'/>", "OK"),
            ("<graphics type='rdp' port='x'/>", "internal error: cannot parse rdp port x"),
            ("<graphics type='vnc' websocket='x'/>", "XML error: Invalid value for attribute 'websocket' in element 'graphics': 'x'. Expected integer value"),
            ("<graphics type='vnc' sharePolicy='x'/>", "XML error: Invalid value for attribute 'sharePolicy' in element 'graphics': 'x'."),
            ("<graphics type='vnc' passwd='a' passwdValidTo='x'/>", "internal error: cannot parse password validity time 'x', expect YYYY-MM-DDTHH:MM:SS"),
            ("<graphics type='vnc' passwd='a' passwdValidTo='2010-11-28T14:29:01x'/>", "internal error: cannot parse password validity time '2010-11-28T14:29:01x', expect YYYY-MM-DDTHH:MM:SS"),
            ("<graphics type='vnc' passwdValidTo='x'/>", "OK"),
            ("<graphics type='vnc' passwd='a' connected='x'/>", "unsupported configuration: unknown connected value x"),
            ("<graphics type='vnc' passwd='a' connected='disconnect'/>", "unsupported configuration: VNC supports connected='keep' only"),
            ("<graphics type='spice' passwd='a' connected='disconnect'/>", "OK"),
            ("<graphics type='sdl' fullscreen='x'/>", "XML error: Invalid value for attribute 'fullscreen' in element 'graphics': 'x'."),
            ("<graphics type='desktop' fullscreen='x'/>", "XML error: Invalid value for attribute 'fullscreen' in element 'graphics': 'x'."),
            ("<graphics type='spice' defaultMode='x'/>", "XML error: Invalid value for attribute 'defaultMode' in element 'graphics': 'x'."),
            ("<graphics type='spice' tlsPort='x'/>", "XML error: Invalid value for attribute 'tlsPort' in element 'graphics': 'x'. Expected integer value"),
            ("<graphics type='spice' port='x'/>", "XML error: Invalid value for attribute 'port' in element 'graphics': 'x'. Expected integer value"),
            ("<graphics type='spice' autoport='x'/>", "XML error: Invalid value for attribute 'autoport' in element 'graphics': 'x'."),
            ("<graphics type='vnc'><listen type='network'/></graphics>", "XML error: 'network' attribute is required for listen type 'network'"),
            ("<graphics type='rdp'><listen type='network' network=''/></graphics>", "XML error: 'network' attribute is required for listen type 'network'"),
            ("<graphics type='dbus'><audio id='1'/></graphics>", "OK"),
            ("<graphics type='vnc'><audio id='1'/></graphics>", "XML error: no audio device with ID 1"),
        ];
        for (devices, expected) in cases {
            assert_eq!(verdict(devices), expected, "{devices}");
        }
    }

    #[test]
    fn password_validity_read_as_strtol_reads_it() {
        use super::password_valid_to as read;
        assert_eq!(read("2010-11-28T14:29:01"), Some([2010, 11, 28, 14, 29, 1]));
        assert_eq!(
            read("+2010-11-28T14:29:01"),
            Some([2010, 11, 28, 14, 29, 1])
        );
        assert_eq!(read(" 2010--1- 3T0:0:-5"), Some([2010, -1, 3, 0, 0, -5]));
        assert_eq!(read("2010-11-28T14:29:01 "), None);
        assert_eq!(read("2010-11-28T14:29"), None);
        assert_eq!(read("2010-11-28 14:29:01"), None);
        assert_eq!(read("99999999999-1-1T0:0:0"), None);
    }
}
