//! The source half of a character device written back as libvirt writes
//! what it read (virDomainChrSourceDefParseXML, virDomainChrSourceDefFormat):
//! the `<source>`s, `<log>` and `<protocol>` of serial, parallel, console
//! and channel devices, USB redirections, EGD RNG backends and
//! passthrough smartcards. Each type writes what it reads of its source
//! and nothing else, in libvirt's order; a value libvirt refuses leaves
//! the parts as written (the checks refuse the definition).

use crate::{Element, Node};

/// Who owns the source, for the parts only some owners read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Owner {
    /// A serial, parallel, console or channel device: reads the security
    /// labels of its source.
    CharDev,
    /// A USB redirection: a D-Bus one is given libvirt's channel when its
    /// source names none.
    Redirdev,
    /// An RNG backend or a smartcard.
    Other,
}

/// libvirt's D-Bus channel for USB redirection (virDomainRedirdevDefParseXML).
const USBREDIR_CHANNEL: &str = "org.qemu.usbredir";

/// Replaces the source parts among `children` (a device's children, or
/// an RNG backend's) by what libvirt writes of a source of `dev_type`,
/// placed first. Left alone when the parts do not read (more sources,
/// logs or protocols than libvirt takes, a value it refuses).
pub(super) fn rewrite(dev_type: &str, children: &mut Vec<Node>, owner: Owner) {
    let elements: Vec<&Element> = children
        .iter()
        .filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
        .collect();
    if crate::validate::check_chr_source(dev_type, elements.iter().copied()).is_err() {
        return;
    }
    let written = written(dev_type, &elements, owner);
    children.retain(|n| {
        !matches!(n, Node::Element(e) if matches!(e.name.as_str(), "source" | "log" | "protocol"))
    });
    let at = children
        .iter()
        .position(|n| matches!(n, Node::Element(_)))
        .unwrap_or(children.len());
    children.splice(at..at, written.into_iter().map(Node::Element));
}

/// What virDomainChrSourceDefFormat writes of the parts among `children`.
fn written(dev_type: &str, children: &[&Element], owner: Owner) -> Vec<Element> {
    let sources: Vec<&Element> = children
        .iter()
        .copied()
        .filter(|c| c.name == "source")
        .collect();
    let source = sources.first().copied();
    let attr = |name: &str| source.and_then(|s| s.attr(name));
    let copy = |out: &mut Element, names: &[&str]| {
        for n in names {
            if let Some(v) = attr(n) {
                out.set_attr(n, v);
            }
        }
    };
    let mut out = Vec::new();
    match dev_type {
        "qemu-vdagent" => {
            let mut s = Element::new("source");
            let first = |name: &str, attr: &str| {
                source
                    .and_then(|s| s.child(name))
                    .and_then(|c| c.attr(attr))
                    .map(|v| Element::new(name).with_attr(attr, v))
            };
            s.children.extend(
                [first("clipboard", "copypaste"), first("mouse", "mode")]
                    .into_iter()
                    .flatten()
                    .map(Node::Element),
            );
            if !s.children.is_empty() {
                out.push(s);
            }
        }
        // A pty's path is read from live definitions only: a character
        // device keeps it here, for the driver's live definition
        // (`DomainDef::forget_assigned_aliases` drops it at define); the
        // others are only ever defined.
        "pty" if owner != Owner::CharDev => {}
        "dev" | "file" | "pipe" | "pty" => {
            let labels = if owner == Owner::CharDev {
                labels(source)
            } else {
                Vec::new()
            };
            let append = attr("append").filter(|_| dev_type == "file");
            // Nothing to write (a pty's usual case): no element made.
            if attr("path").is_some() || append.is_some() || !labels.is_empty() {
                let mut s = Element::new("source");
                copy(&mut s, &["path"]);
                if dev_type == "file" {
                    copy(&mut s, &["append"]);
                }
                s.children = labels;
                out.push(s);
            }
        }
        "nmdm" => {
            if let (Some(m), Some(sl)) = (attr("master"), attr("slave")) {
                out.push(
                    Element::new("source")
                        .with_attr("master", m)
                        .with_attr("slave", sl),
                );
            }
        }
        "udp" => {
            // virDomainChrSourceDefParseUDP: each end (connect when no
            // mode is given) from the first source naming it; the bind
            // end written first.
            let mut ends: [Option<&Element>; 2] = [None, None];
            for s in &sources {
                let at = match s.attr("mode") {
                    Some("bind") => 0,
                    _ => 1,
                };
                if ends[at].is_none() && (s.attr("host").is_some() || s.attr("service").is_some()) {
                    ends[at] = Some(s);
                }
            }
            for (s, mode) in ends.iter().zip(["bind", "connect"]) {
                if let Some(s) = s {
                    let mut e = Element::new("source").with_attr("mode", mode);
                    for n in ["host", "service"] {
                        if let Some(v) = s.attr(n) {
                            e.set_attr(n, v);
                        }
                    }
                    out.push(e);
                }
            }
        }
        "tcp" => {
            let mut s = Element::new("source").with_attr("mode", attr("mode").unwrap_or("connect"));
            copy(&mut s, &["host", "service", "tls"]);
            s.children.extend(reconnect(source).map(Node::Element));
            out.push(s);
            let protocol = children
                .iter()
                .find(|c| c.name == "protocol")
                .and_then(|p| p.attr("type"))
                .unwrap_or("raw");
            out.push(Element::new("protocol").with_attr("type", protocol));
        }
        "unix" => {
            if let Some(path) = attr("path") {
                let mut s = Element::new("source")
                    .with_attr("mode", attr("mode").unwrap_or("connect"))
                    .with_attr("path", path);
                if owner == Owner::CharDev {
                    s.children = labels(source);
                }
                s.children.extend(reconnect(source).map(Node::Element));
                out.push(s);
            }
        }
        "spiceport" | "dbus" => {
            let default =
                (owner == Owner::Redirdev && dev_type == "dbus").then_some(USBREDIR_CHANNEL);
            if let Some(c) = attr("channel").or(default) {
                out.push(Element::new("source").with_attr("channel", c));
            }
        }
        // null, vc, stdio, spicevmc: no source written.
        _ => {}
    }
    if let Some(log) = children.iter().find(|c| c.name == "log") {
        if let Some(file) = log.attr("file") {
            let mut l = Element::new("log").with_attr("file", file);
            if let Some(a) = log.attr("append") {
                l.set_attr("append", a);
            }
            out.push(l);
        }
    }
    out
}

/// The security labels of a source as libvirt writes them.
fn labels(source: Option<&Element>) -> Vec<Node> {
    let Some(source) = source else {
        return Vec::new();
    };
    let mut s = Element::new("source");
    s.children = source
        .children
        .iter()
        .filter(|n| matches!(n, Node::Element(c) if c.name == "seclabel"))
        .cloned()
        .collect();
    super::sources::source_seclabels(&mut s);
    s.children
}

/// virDomainChrSourceReconnectDefFormat: the first `<reconnect>`'s
/// state, its timeout only when enabled.
pub(super) fn reconnect(source: Option<&Element>) -> Option<Element> {
    let r = source?.child("reconnect")?;
    let enabled = r.attr("enabled")?;
    let mut out = Element::new("reconnect").with_attr("enabled", enabled);
    if enabled == "yes" {
        let timeout = r
            .attr("timeout")
            .and_then(|t| crate::validate::c_uint(t, 10))?;
        out.set_attr("timeout", timeout.to_string());
    }
    Some(out)
}

/// A vhost-user storage source's (`<nvram>`'s) `<reconnect>` as
/// virDomainDiskSourceVhostuserFormat writes it: the first one, through
/// [`reconnect`] (none without a state).
pub(super) fn vhostuser_reconnect(source: &mut Element) {
    let written = reconnect(Some(source));
    let mut written = written.map(Node::Element);
    source.children.retain_mut(|n| match n {
        Node::Element(e) if e.name == "reconnect" => match written.take() {
            Some(w) => {
                *n = w;
                true
            }
            None => false,
        },
        _ => true,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The children libvirt writes for a device of `dev_type` written as
    /// `xml`.
    fn written(dev_type: &str, xml: &str, owner: Owner) -> String {
        let mut e = crate::parse_element(xml).unwrap();
        rewrite(dev_type, &mut e.children, owner);
        e.elements().map(|c| c.to_xml(0)).collect()
    }

    #[test]
    fn each_type_writes_what_it_reads() {
        let all = "<c><source mode='bind' path='p' host='h' service='s' channel='c' master='m' slave='v' append='on' tls='no'><reconnect enabled='yes' timeout='05'/><mouse mode='client'/><clipboard copypaste='no'/></source><log file='f' append='off'/><protocol type='telnet'/><target/></c>";
        let cases = [
            ("vc", "<log file='f' append='off'/>\n<target/>\n"),
            ("pty", "<log file='f' append='off'/>\n<target/>\n"),
            ("file", "<source path='p' append='on'/>\n<log file='f' append='off'/>\n<target/>\n"),
            ("pipe", "<source path='p'/>\n<log file='f' append='off'/>\n<target/>\n"),
            ("nmdm", "<source master='m' slave='v'/>\n<log file='f' append='off'/>\n<target/>\n"),
            ("spiceport", "<source channel='c'/>\n<log file='f' append='off'/>\n<target/>\n"),
            (
                "tcp",
                "<source mode='bind' host='h' service='s' tls='no'>\n  <reconnect enabled='yes' timeout='5'/>\n</source>\n<protocol type='telnet'/>\n<log file='f' append='off'/>\n<target/>\n",
            ),
            (
                "unix",
                "<source mode='bind' path='p'>\n  <reconnect enabled='yes' timeout='5'/>\n</source>\n<log file='f' append='off'/>\n<target/>\n",
            ),
            ("udp", "<source mode='bind' host='h' service='s'/>\n<log file='f' append='off'/>\n<target/>\n"),
            (
                "qemu-vdagent",
                "<source>\n  <clipboard copypaste='no'/>\n  <mouse mode='client'/>\n</source>\n<log file='f' append='off'/>\n<target/>\n",
            ),
        ];
        for (t, want) in cases {
            assert_eq!(written(t, all, Owner::Other), want, "{t}");
        }
    }

    #[test]
    fn tcp_always_has_a_protocol_and_udp_both_ends() {
        assert_eq!(
            written("tcp", "<r><source host='h' service='1'><reconnect enabled='no' timeout='3'/></source></r>", Owner::Other),
            "<source mode='connect' host='h' service='1'>\n  <reconnect enabled='no'/>\n</source>\n<protocol type='raw'/>\n"
        );
        assert_eq!(
            written(
                "udp",
                "<r><source service='1'/><source mode='bind' host='b'/></r>",
                Owner::Other
            ),
            "<source mode='bind' host='b'/>\n<source mode='connect' service='1'/>\n"
        );
        // A log without a file is not written; a protocol only for TCP.
        assert_eq!(
            written("vc", "<r><log/><protocol type='tls'/></r>", Owner::Other),
            ""
        );
    }

    #[test]
    fn labels_for_character_devices_and_a_channel_for_dbus_redirection() {
        let xml = "<c><source path='p'><seclabel model='m' relabel='no'/></source></c>";
        assert_eq!(
            written("dev", xml, Owner::CharDev),
            "<source path='p'>\n  <seclabel model='m' relabel='no'/>\n</source>\n"
        );
        assert_eq!(written("dev", xml, Owner::Other), "<source path='p'/>\n");
        // A character device's pty path stays for the live definition.
        assert_eq!(
            written(
                "pty",
                "<c><source path='/dev/pts/3' mode='x'/></c>",
                Owner::CharDev
            ),
            "<source path='/dev/pts/3'/>\n"
        );
        assert_eq!(
            written("dbus", "<r><protocol/></r>", Owner::Redirdev),
            "<source channel='org.qemu.usbredir'/>\n"
        );
        assert_eq!(written("dbus", "<r/>", Owner::Other), "");
        // Parts libvirt refuses are left as written.
        assert_eq!(
            written("vc", "<r><protocol/><protocol/></r>", Owner::Other),
            "<protocol/>\n<protocol/>\n"
        );
    }
}
