//! virDomainStorageSourceParse: the `<source>` of a storage source of a
//! given type (an `<os><nvram type=...>`'s), as libvirt 9.0 reads it at
//! define: the part of each type, then the persistent reservations and
//! the storage slice.

use super::*;

/// libvirt's network storage protocols (`virStorageNetProtocol`; its
/// "none" is read as a value too).
const NET_PROTOCOLS: &[&str] = &[
    "none", "nbd", "rbd", "sheepdog", "gluster", "iscsi", "http", "https", "ftp", "ftps", "tftp",
    "ssh", "vxhs", "nfs",
];

/// virDomainStorageSourceParse for a source of storage type `kind` (one
/// of libvirt's storage types, checked before).
pub(crate) fn check_storage_source(kind: &str, source: &Element) -> Result<(), XmlError> {
    match kind {
        "network" => network(source)?,
        "volume" => pool(source)?,
        "nvme" => nvme(source)?,
        "vhostuser" => vhost_user(source)?,
        "none" => {
            return Err(XmlError::Internal("unexpected disk type none".into()));
        }
        _ => {}
    }
    if let Some(pr) = source.child("reservations") {
        reservations(pr)?;
    }
    slices(source)
}

/// `virXMLPropTristateBool`: yes or no, when given.
fn tristate_bool(e: &Element, attr: &str) -> Result<(), XmlError> {
    match e.attr(attr) {
        None | Some("yes" | "no") => Ok(()),
        Some(v) => Err(XmlError::Invalid(format!(
            "Invalid value for attribute '{attr}' in element '{}': '{v}'.",
            e.name
        ))),
    }
}

/// virDomainDiskSourceNetworkParse: a known protocol, a name (NBD may go
/// without), and for Gluster and RBD a name of the form `pool/image`.
fn network(source: &Element) -> Result<(), XmlError> {
    let protocol = match source.attr("protocol") {
        None => return Err(missing_attr(source, "protocol")),
        Some(p) if NET_PROTOCOLS.contains(&p) => p,
        Some(p) => {
            return Err(XmlError::Invalid(format!(
                "Invalid value for attribute 'protocol' in element '{}': '{p}'.",
                source.name
            )))
        }
    };
    let name = source.attr("name");
    if name.is_none() && protocol != "nbd" {
        return Err(XmlError::Invalid("missing name for disk source".into()));
    }
    tristate_bool(source, "tls")?;
    if let Some(name) = name.filter(|_| matches!(protocol, "gluster" | "rbd")) {
        if name.find('/').is_none_or(|at| at == 0) {
            return Err(XmlError::Invalid(format!(
                "can't split path '{name}' into pool name and image name"
            )));
        }
    }
    Ok(())
}

/// virDomainDiskSourcePoolDefParse: a pool and a volume together (or
/// neither), a known mode.
fn pool(source: &Element) -> Result<(), XmlError> {
    let (pool, volume) = (source.attr("pool"), source.attr("volume"));
    if pool.is_none() && volume.is_none() {
        return Ok(());
    }
    if pool.is_none() || volume.is_none() {
        return Err(XmlError::Invalid(
            "'pool' and 'volume' must be specified together for 'pool' type source".into(),
        ));
    }
    match source.attr("mode") {
        None | Some("host" | "direct") => Ok(()),
        Some(m) => Err(XmlError::Unsupported(format!(
            "unknown source mode '{m}' for volume type disk"
        ))),
    }
}

/// virDomainDiskSourceNVMeParse: a PCI source, a namespace number, the
/// managed switch and an address.
fn nvme(source: &Element) -> Result<(), XmlError> {
    match source.attr("type") {
        None => {
            return Err(XmlError::Invalid(
                "missing 'type' attribute to disk source".into(),
            ))
        }
        Some("pci") => {}
        Some(t) => return Err(XmlError::Invalid(format!("unsupported source type '{t}'"))),
    }
    let Some(namespace) = source.attr("namespace") else {
        return Err(XmlError::Invalid(
            "missing 'namespace' attribute to disk source".into(),
        ));
    };
    // virStrToLong_ull: a sign is taken (and a negative number wraps).
    let digits = namespace.trim_start_matches(is_space);
    let digits = digits
        .strip_prefix('-')
        .or_else(|| digits.strip_prefix('+'))
        .unwrap_or(digits);
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || digits.parse::<u64>().is_err()
    {
        return Err(XmlError::Invalid(format!(
            "malformed namespace '{namespace}'"
        )));
    }
    tristate_bool(source, "managed")?;
    if source.child("address").is_none() {
        return Err(XmlError::Invalid(
            "NVMe disk source is missing address".into(),
        ));
    }
    Ok(())
}

/// virDomainDiskSourceVHostUserParse: a UNIX socket with its path, and
/// its reconnection (virDomainChrSourceReconnectDefParseXML: a timeout
/// when enabled).
fn vhost_user(source: &Element) -> Result<(), XmlError> {
    let problem = match source.attr("type") {
        None => Some("missing 'type' attribute"),
        Some("unix") if source.attr("path").is_none() => Some("missing 'path' attribute"),
        Some("unix") => None,
        Some(_) => Some("invalid 'type' attribute"),
    };
    if let Some(p) = problem {
        return Err(XmlError::Invalid(format!("{p} for vhostuser disk source")));
    }
    if let Some(reconnect) = source.child("reconnect") {
        tristate_bool(reconnect, "enabled")?;
        if reconnect.attr("enabled") == Some("yes") {
            prop_uint(reconnect, "timeout", 10, true, false)?;
        }
    }
    Ok(())
}

/// virStoragePRDefParseXML: `managed` given; a helper's socket (unix,
/// a path, client mode) unless managed.
fn reservations(pr: &Element) -> Result<(), XmlError> {
    if pr.attr("managed").is_none() {
        return Err(missing_attr(pr, "managed"));
    }
    tristate_bool(pr, "managed")?;
    // `string(./source[1]/@type)`: an empty one is none.
    let socket = pr.child("source");
    let given = |attr: &str| socket.and_then(|s| s.attr(attr)).filter(|v| !v.is_empty());
    let (kind, path, mode) = (given("type"), given("path"), given("mode"));
    if pr.attr("managed") == Some("no") || kind.is_some() || path.is_some() || mode.is_some() {
        for (value, what) in [
            (kind, "connection type"),
            (path, "path"),
            (mode, "connection mode"),
        ] {
            if value.is_none() {
                return Err(XmlError::Invalid(format!(
                    "missing {what} for <reservations/>"
                )));
            }
        }
    }
    if let Some(t) = kind.filter(|t| *t != "unix") {
        return Err(XmlError::Invalid(format!(
            "unsupported connection type for <reservations/>: {t}"
        )));
    }
    if let Some(m) = mode.filter(|m| *m != "client") {
        return Err(XmlError::Invalid(format!(
            "unsupported connection mode for <reservations/>: {m}"
        )));
    }
    Ok(())
}

/// virDomainStorageSourceParseSlices: the first storage slice, with an
/// offset and a size that read as numbers.
fn slices(source: &Element) -> Result<(), XmlError> {
    let slice = source
        .children_named("slices")
        .flat_map(|s| s.children_named("slice"))
        .find(|s| s.attr("type") == Some("storage"));
    let Some(slice) = slice else { return Ok(()) };
    let (Some(offset), Some(size)) = (
        slice.attr("offset").filter(|v| !v.is_empty()),
        slice.attr("size").filter(|v| !v.is_empty()),
    ) else {
        return Err(XmlError::Invalid(
            "missing offset or size attribute of slice".into(),
        ));
    };
    for (attr, value) in [("offset", offset), ("size", size)] {
        if c_ulong(value).is_none() {
            return Err(XmlError::Invalid(format!(
                "malformed value '{value}' of '{attr}' attribute of slice"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(xml: &str) -> Element {
        crate::parse_element(xml).unwrap()
    }

    fn message(kind: &str, xml: &str) -> Option<String> {
        check_storage_source(kind, &source(xml))
            .err()
            .map(|e| e.to_string())
    }

    #[test]
    fn sources_are_refused_as_libvirt_reads_them() {
        assert_eq!(
            message("network", "<source protocol='gluster' name='vol'/>").as_deref(),
            Some("XML error: can't split path 'vol' into pool name and image name")
        );
        assert_eq!(
            message("network", "<source protocol='rbd' name='pool/img'/>"),
            None
        );
        assert_eq!(message("network", "<source protocol='nbd'/>"), None);
        assert_eq!(
            message(
                "nvme",
                "<source type='pci' namespace='2A'><address/></source>"
            )
            .as_deref(),
            Some("XML error: malformed namespace '2A'")
        );
        assert_eq!(
            message(
                "nvme",
                "<source type='pci' namespace='2'><address/></source>"
            ),
            None
        );
        assert_eq!(
            message("file", "<source><reservations enabled='yes'/></source>").as_deref(),
            Some("XML error: Missing required attribute 'managed' in element 'reservations'")
        );
        assert_eq!(
            message(
                "file",
                "<source><reservations managed='no'><source type='unix' path='/s' mode='server'/></reservations></source>"
            )
            .as_deref(),
            Some("XML error: unsupported connection mode for <reservations/>: server")
        );
        assert_eq!(
            message(
                "file",
                "<source><slices><slice type='storage' offset='1'/></slices></source>"
            )
            .as_deref(),
            Some("XML error: missing offset or size attribute of slice")
        );
        assert_eq!(
            message(
                "vhostuser",
                "<source type='unix' path='/s'><reconnect enabled='yes'/></source>"
            )
            .as_deref(),
            Some("XML error: Missing required attribute 'timeout' in element 'reconnect'")
        );
        assert_eq!(
            message("vhostuser", "<source type='unix'/>").as_deref(),
            Some("XML error: missing 'path' attribute for vhostuser disk source")
        );
        // The part of the type is read first.
        assert_eq!(
            message(
                "network",
                "<source protocol='gluster' name='v'><reservations/></source>"
            )
            .as_deref(),
            Some("XML error: can't split path 'v' into pool name and image name")
        );
    }
}
