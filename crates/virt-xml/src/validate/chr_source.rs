//! The source half of a character device as libvirt's parser reads it
//! (virDomainChrSourceDefParseXML): shared by serial, parallel, console
//! and channel devices, USB redirections, EGD RNG backends and
//! passthrough smartcards. What each type reads of its `<source>`, then
//! the `<log>`, then the `<protocol>`, refused at the first bad value
//! with libvirt's error. (What each type needs, a path, a host, ..., is
//! checked at validation: `each_device::check_source`.)

use super::*;

/// virDomainChrSourceDefParseXML for a source of type `dev_type` whose
/// parts are among `children` (the children of the device, or of the RNG
/// backend).
pub(crate) fn check_chr_source<'a>(
    dev_type: &str,
    children: impl IntoIterator<Item = &'a Element>,
) -> Result<(), XmlError> {
    chr_source(dev_type, children.into_iter().collect(), false)
}

/// [`check_chr_source`] for a serial, parallel, console or channel device
/// (libvirt's `chr_def`): its first `<source>` also reads its
/// `<seclabel>` overrides, after the type's part.
pub(crate) fn check_chardev_source<'a>(
    dev_type: &str,
    children: impl IntoIterator<Item = &'a Element>,
) -> Result<(), XmlError> {
    chr_source(dev_type, children.into_iter().collect(), true)
}

fn chr_source(dev_type: &str, children: Vec<&Element>, chr_def: bool) -> Result<(), XmlError> {
    let named = |name: &str| -> Vec<&Element> {
        children
            .iter()
            .copied()
            .filter(|c| c.name == name)
            .collect()
    };
    let sources = named("source");
    if sources.len() > 1 && dev_type != "udp" {
        return Err(XmlError::Invalid(
            "only one source element is allowed for character device".into(),
        ));
    }
    if sources.len() > 2 {
        return Err(XmlError::Invalid(
            "only two source elements are allowed for character device".into(),
        ));
    }
    if let Some(source) = sources.first() {
        match dev_type {
            "file" => tristate(source, "append", &["on", "off"])?,
            "tcp" => {
                mode(source)?;
                tristate(source, "tls", &["yes", "no"])?;
                reconnect(source)?;
            }
            "udp" => sources.iter().try_for_each(|s| mode(s))?,
            "unix" => {
                mode(source)?;
                reconnect(source)?;
            }
            "qemu-vdagent" => {
                if let Some(c) = source.child("clipboard") {
                    required(c, "copypaste")?;
                    tristate(c, "copypaste", &["yes", "no"])?;
                }
                if let Some(m) = source.child("mouse") {
                    required(m, "mode")?;
                    // `default` is the enumeration's zero: not permitted.
                    tristate(m, "mode", &["server", "client"])?;
                }
            }
            _ => {}
        }
        if chr_def {
            check_device_seclabels(source)?;
        }
    }
    let logs = named("log");
    match logs.as_slice() {
        [] => {}
        [log] => tristate(log, "append", &["on", "off"])?,
        _ => {
            return Err(XmlError::Invalid(
                "only one log element is allowed for character device".into(),
            ))
        }
    }
    match named("protocol").as_slice() {
        [] => Ok(()),
        // Only a TCP source reads its protocol.
        [protocol] if dev_type == "tcp" => match protocol.attr("type") {
            None | Some("raw" | "telnet" | "telnets" | "tls") => Ok(()),
            Some(p) => Err(XmlError::Unsupported(format!("Unknown protocol '{p}'"))),
        },
        [_] => Ok(()),
        _ => Err(XmlError::Invalid(
            "only one protocol element is allowed for character device".into(),
        )),
    }
}

fn required(e: &Element, attr: &str) -> Result<(), XmlError> {
    match e.attr(attr) {
        Some(_) => Ok(()),
        None => Err(missing_attr(e, attr)),
    }
}

/// `virXMLPropTristateBool`, `virXMLPropTristateSwitch` or an enumeration
/// without its zero value: one of `values` when given.
fn tristate(e: &Element, attr: &str, values: &[&str]) -> Result<(), XmlError> {
    match e.attr(attr) {
        Some(v) if !values.contains(&v) => Err(XmlError::Invalid(format!(
            "Invalid value for attribute '{attr}' in element '{}': '{v}'.",
            e.name
        ))),
        _ => Ok(()),
    }
}

/// virDomainChrSourceModeTypeFromString: connect (the default) or bind.
fn mode(source: &Element) -> Result<(), XmlError> {
    tristate(source, "mode", &["connect", "bind"])
}

/// virDomainChrSourceReconnectDefParseXML: the first `<reconnect>`, a
/// timeout (required) only when enabled.
pub(crate) fn reconnect(source: &Element) -> Result<(), XmlError> {
    if let Some(r) = source.child("reconnect") {
        tristate(r, "enabled", &["yes", "no"])?;
        if r.attr("enabled") == Some("yes") {
            prop_uint(r, "timeout", 10, true, false)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(dev_type: &str, xml: &str) -> Result<(), String> {
        let e = crate::parse_element(xml).unwrap();
        check_chr_source(dev_type, e.elements()).map_err(|e| e.to_string())
    }

    #[test]
    fn each_type_reads_its_own_source_attributes() {
        // A mode is read by the network types only.
        let bad_mode = "<c><source mode='x' path='p'/></c>";
        for t in ["tcp", "udp", "unix"] {
            assert_eq!(
                check(t, bad_mode).unwrap_err(),
                "XML error: Invalid value for attribute 'mode' in element 'source': 'x'."
            );
        }
        for t in ["file", "pty", "dev", "spiceport", "null"] {
            assert_eq!(check(t, bad_mode), Ok(()), "{t}");
        }
        // UDP reads both of its sources.
        let udp = "<c><source mode='bind'/><source mode='y'/></c>";
        assert!(check("udp", udp).unwrap_err().contains("'y'"));
        assert!(check("file", "<c><source append='x'/></c>").is_err());
        assert_eq!(check("pipe", "<c><source append='x'/></c>"), Ok(()));
        assert!(check("tcp", "<c><source tls='on'/></c>").is_err());
        assert!(check(
            "qemu-vdagent",
            "<c><source><mouse mode='default'/></source></c>"
        )
        .is_err());
        assert_eq!(
            check("qemu-vdagent", "<c><source><clipboard/></source></c>").unwrap_err(),
            "XML error: Missing required attribute 'copypaste' in element 'clipboard'"
        );
    }

    #[test]
    fn reconnect_needs_a_timeout_only_when_enabled() {
        let with = |r: &str| format!("<c><source mode='connect' path='p'>{r}</source></c>");
        assert_eq!(
            check("unix", &with("<reconnect enabled='no' timeout='x'/>")),
            Ok(())
        );
        assert!(check("unix", &with("<reconnect enabled='yes'/>")).is_err());
        assert!(check("tcp", &with("<reconnect enabled='maybe'/>")).is_err());
        // Only the network types with a connection read it.
        assert_eq!(check("udp", &with("<reconnect enabled='maybe'/>")), Ok(()));
    }

    #[test]
    fn one_log_and_one_protocol_whatever_the_type() {
        assert_eq!(
            check("file", "<c><protocol/><protocol/></c>").unwrap_err(),
            "XML error: only one protocol element is allowed for character device"
        );
        assert!(check("vc", "<c><log/><log/></c>")
            .unwrap_err()
            .contains("only one log element"));
        // The log is read before the protocol.
        assert!(check("tcp", "<c><log/><log/><protocol/><protocol/></c>")
            .unwrap_err()
            .contains("log"));
        // Only a TCP device reads its protocol's type.
        assert_eq!(check("udp", "<c><protocol type='x'/></c>"), Ok(()));
        assert_eq!(
            check("tcp", "<c><protocol type='x'/></c>").unwrap_err(),
            "unsupported configuration: Unknown protocol 'x'"
        );
    }
}
