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
    // Its `<auth>`, then its `<encryption>` (the first of each) are read
    // after the type's part: a backing layer's or an NVRAM's as much as a
    // disk's.
    if let Some(auth) = source.child("auth") {
        check_storage_auth(auth)?;
    }
    if let Some(encryption) = source.child("encryption") {
        <crate::views::Encryption as crate::views::View>::check(encryption)?;
    }
    if let Some(pr) = source.child("reservations") {
        reservations(pr)?;
    }
    slices(source)?;
    check_device_seclabels(source)
}

/// virStorageAuthDefParse: a user (`string(./@username)`: empty is
/// none), an authentication type libvirt knows (empty is none), a
/// `<secret>` (the first) naming its secret as virSecretLookupParseSecret
/// reads it.
pub(crate) fn check_storage_auth(auth: &Element) -> Result<(), XmlError> {
    if auth.attr("username").is_none_or(str::is_empty) {
        return Err(XmlError::Invalid("missing username for auth".into()));
    }
    if let Some(t) = auth.attr("type").filter(|t| !t.is_empty()) {
        if !matches!(t, "none" | "chap" | "ceph") {
            return Err(XmlError::Unsupported(format!("unknown auth type '{t}'")));
        }
    }
    let Some(secret) = auth.child("secret") else {
        return Err(XmlError::Invalid("Missing <secret> element in auth".into()));
    };
    check_secret_lookup(secret)
}

/// virSecretLookupParseSecret: a secret named by its UUID (as virUUIDParse
/// reads it) or its usage, one of the two (an empty value counts as
/// given).
pub(crate) fn check_secret_lookup(secret: &Element) -> Result<(), XmlError> {
    match (secret.attr("uuid"), secret.attr("usage")) {
        (None, None) => Err(XmlError::Invalid(
            "missing secret uuid or usage attribute".into(),
        )),
        (Some(_), Some(_)) => Err(XmlError::Invalid(
            "either secret uuid or usage expected".into(),
        )),
        (Some(u), None) if crate::parse::parse_uuid(u).is_none() => {
            Err(XmlError::Invalid(format!("invalid secret uuid '{u}'")))
        }
        _ => Ok(()),
    }
}

/// libvirt's image formats (`virStorageFileFormat`; its "none" is no
/// format).
pub(crate) const IMAGE_FORMATS: &[&str] = &[
    "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow",
    "qcow", "qcow2", "qed", "vmdk",
];

/// virDomainDiskDefParseSourceXML: a disk's first `<source>` read as a
/// storage source of the disk's type (its `<auth>` and `<encryption>`
/// beside it, then its backing chain, [`check_backing_store`], are read
/// next). Whether the type is one libvirt knows is checked with the
/// disk's attributes.
pub(crate) fn check_disk_source(disk_type: &str, source: Option<&Element>) -> Result<(), XmlError> {
    match source {
        Some(source) if STORAGE_TYPES.contains(&disk_type) && disk_type != "none" => {
            check_storage_source(disk_type, source)
        }
        _ => Ok(()),
    }
}

/// virDomainDiskBackingStoreParse: a layer with a type (none: the
/// chain's end) has a format and a source, both of a kind libvirt
/// knows; its source is read as a storage source of its type, then the
/// layer under it.
pub(crate) fn check_backing_store(store: Option<&Element>) -> Result<(), XmlError> {
    let Some(store) = store else { return Ok(()) };
    let Some(kind) = store.attr("type") else {
        return Ok(());
    };
    // `string(./format/@type)`: empty is none.
    let format = store
        .children_named("format")
        .find_map(|f| f.attr("type"))
        .filter(|f| !f.is_empty());
    let Some(format) = format else {
        return Err(XmlError::Invalid(
            "missing disk backing store format".into(),
        ));
    };
    let Some(source) = store.child("source") else {
        return Err(XmlError::Invalid(
            "missing disk backing store source".into(),
        ));
    };
    if kind == "none" || !STORAGE_TYPES.contains(&kind) {
        return Err(XmlError::Invalid(format!(
            "unknown storage source type '{kind}'"
        )));
    }
    if !IMAGE_FORMATS.contains(&format) {
        return Err(XmlError::Invalid(format!(
            "unknown storage source format '{format}'"
        )));
    }
    crate::validate::backing_metadata_cache_bytes(store)?;
    check_storage_source(kind, source)?;
    check_backing_store(store.child("backingStore"))
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
    source.children_named("host").try_for_each(host)?;
    // The web protocols' options, each read for the protocols it is for:
    // the first `<ssl>` (https, ftps), the first `<cookies>` (http,
    // https).
    if matches!(protocol, "https" | "ftps") {
        if let Some(ssl) = source.child("ssl") {
            tristate_bool(ssl, "verify")?;
        }
    }
    if matches!(protocol, "http" | "https") {
        if let Some(cookies) = source.child("cookies") {
            crate::views::check_cookies(cookies)?;
        }
    }
    // Then, for all four web protocols, the read-ahead size and the
    // timeout (`virXPathULongLong` of `string(./readahead/@size)` and
    // `string(./timeout/@seconds)`: the first such attribute, an empty
    // one none, else an unsigned decimal as virStrToLong_ullp reads it).
    // Any other protocol's are not read (seed 32's gen7060: an NVRAM's).
    if matches!(protocol, "http" | "https" | "ftp" | "ftps") {
        for (child, attr) in [("readahead", "size"), ("timeout", "seconds")] {
            let value = source
                .children_named(child)
                .find_map(|c| c.attr(attr))
                .filter(|v| !v.is_empty());
            if value.is_some_and(|v| crate::devinfo::c_unsigned(v, 10).is_none()) {
                return Err(XmlError::Invalid(
                    "invalid readahead size or timeout".into(),
                ));
            }
        }
    }
    Ok(())
}

/// virDomainHostdevSubsysSCSIiSCSIDefParseXML: an iSCSI host device's
/// source names its target and exactly one host; its (first) `<auth>` is
/// a storage authentication whose secret is an iSCSI one.
pub(crate) fn check_iscsi_hostdev_source(source: &Element) -> Result<(), XmlError> {
    if source.attr("name").is_none() {
        return Err(XmlError::Invalid(
            "missing iSCSI hostdev source path name".into(),
        ));
    }
    source.children_named("host").try_for_each(host)?;
    match source.children_named("host").count() {
        0 => {
            return Err(XmlError::Invalid(
                "missing the host address for the iSCSI hostdev".into(),
            ))
        }
        1 => {}
        _ => {
            return Err(XmlError::Invalid(
                "only one source host address may be specified for the iSCSI hostdev".into(),
            ))
        }
    }
    let Some(auth) = source.child("auth") else {
        return Ok(());
    };
    check_storage_auth(auth)?;
    // virSecretUsageTypeFromString of the secret's type (a missing one
    // printed "(null)").
    let usage = auth.child("secret").and_then(|s| s.attr("type"));
    match usage {
        Some("iscsi") => Ok(()),
        Some(u @ ("none" | "volume" | "ceph" | "tls" | "vtpm")) => Err(XmlError::Internal(
            format!("hostdev invalid secret type '{u}'"),
        )),
        u => Err(XmlError::Unsupported(format!(
            "invalid secret type {}",
            u.unwrap_or("(null)")
        ))),
    }
}

/// virDomainStorageNetworkParseHost: a known transport (TCP by
/// default); a socket for UNIX and only for it; else a name, and a port
/// as virStringParsePort reads it (an unsigned decimal up to 65535).
fn host(host: &Element) -> Result<(), XmlError> {
    let transport = host.attr("transport");
    if let Some(t) = transport.filter(|t| !matches!(*t, "tcp" | "unix" | "rdma")) {
        return Err(XmlError::Unsupported(format!(
            "unknown protocol transport type '{t}'"
        )));
    }
    let unix = transport == Some("unix");
    match (unix, host.attr("socket").is_some()) {
        (true, false) => {
            return Err(XmlError::Invalid(
                "missing socket for unix transport".into(),
            ))
        }
        (false, true) => {
            // (libvirt prints "(null)" for the default transport.)
            return Err(XmlError::Invalid(format!(
                "transport '{}' does not support socket attribute",
                transport.unwrap_or("(null)")
            )));
        }
        _ => {}
    }
    if unix {
        return Ok(());
    }
    if host.attr("name").is_none() {
        return Err(XmlError::Invalid("missing name for host".into()));
    }
    if let Some(port) = host.attr("port") {
        let Some(n) = c_uint(port, 10) else {
            return Err(XmlError::InvalidArg(format!(
                "failed to parse port number '{port}'"
            )));
        };
        if n > u32::from(u16::MAX) {
            return Err(XmlError::InvalidArg(format!("port '{port}' out of range")));
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
    match source.child("address") {
        Some(address) => check_pci_address(address),
        None => Err(XmlError::Invalid(
            "NVMe disk source is missing address".into(),
        )),
    }
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

    // As virsh 9.0 reads them (seed 32's gen7060 is an NVRAM's).
    #[test]
    fn web_options_are_read_for_their_protocols_only() {
        let refused = |protocol: &str, parts: &str| {
            message(
                "network",
                &format!("<source protocol='{protocol}' name='a'>{parts}</source>"),
            )
        };
        let invalid = Some("XML error: invalid readahead size or timeout".to_string());
        assert_eq!(refused("ftps", "<readahead size='-1'/>"), invalid);
        assert_eq!(
            refused("http", "<readahead/><readahead size='x'/>"),
            invalid
        );
        assert_eq!(refused("ftp", "<timeout seconds='-1'/>"), invalid);
        assert_eq!(
            refused("https", "<readahead size=''/><timeout seconds=' +5'/>"),
            None
        );
        for other in ["nbd", "iscsi", "vxhs"] {
            assert_eq!(refused(other, "<readahead size='-1'/>"), None);
            assert_eq!(refused(other, "<ssl verify='x'/>"), None);
            assert_eq!(
                refused(other, "<cookies><cookie name='a b'>v</cookie></cookies>"),
                None
            );
        }
        assert_eq!(
            refused("ftps", "<ssl verify='x'/>").as_deref(),
            Some("XML error: Invalid value for attribute 'verify' in element 'ssl': 'x'.")
        );
        assert_eq!(refused("ftp", "<ssl verify='x'/>"), None);
        assert_eq!(
            refused("ftp", "<cookies><cookie name='a b'>v</cookie></cookies>"),
            None
        );
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
        // Hosts (texts observed from libvirt 9.0 through virsh).
        assert_eq!(
            message(
                "network",
                "<source protocol='nbd'><host name='a' port='x'/></source>"
            )
            .as_deref(),
            Some("invalid argument: failed to parse port number 'x'")
        );
        let iscsi = |hosts: &str| {
            check_iscsi_hostdev_source(&source(&format!(
                "<source protocol='iscsi' name='t'>{hosts}</source>"
            )))
            .err()
            .map(|e| e.to_string())
        };
        assert_eq!(iscsi("<host name='h' port=' +5'/>"), None);
        assert_eq!(
            iscsi("<host name='h' port='-1'/>").as_deref(),
            Some("invalid argument: failed to parse port number '-1'")
        );
        assert_eq!(
            iscsi("<host name='h' port='65536'/>").as_deref(),
            Some("invalid argument: port '65536' out of range")
        );
        assert_eq!(
            iscsi("").as_deref(),
            Some("XML error: missing the host address for the iSCSI hostdev")
        );
        // Its authentication (virsh 9.0's texts).
        for (auth, want) in [
            (
                "<auth username='u'><secret type='iscsi' usage='x'/></auth><auth/>",
                None,
            ),
            (
                "<auth username=''><secret type='iscsi' usage='x'/></auth>",
                Some("XML error: missing username for auth"),
            ),
            (
                "<auth type='x' username='u'><secret type='iscsi' usage='x'/></auth>",
                Some("unsupported configuration: unknown auth type 'x'"),
            ),
            (
                "<auth username='u'><secret type='iscsi'/></auth>",
                Some("XML error: missing secret uuid or usage attribute"),
            ),
            (
                "<auth username='u'><secret usage='x'/></auth>",
                Some("unsupported configuration: invalid secret type (null)"),
            ),
            (
                "<auth username='u'><secret type='x' usage='x'/></auth>",
                Some("unsupported configuration: invalid secret type x"),
            ),
            (
                "<auth username='u'><secret type='ceph' usage='x'/></auth>",
                Some("internal error: hostdev invalid secret type 'ceph'"),
            ),
        ] {
            assert_eq!(
                iscsi(&format!("<host name='h'/>{auth}")).as_deref(),
                want,
                "{auth}"
            );
        }
        assert_eq!(
            iscsi("<host name='a'/><host name='b'/>").as_deref(),
            Some("XML error: only one source host address may be specified for the iSCSI hostdev")
        );
        assert_eq!(
            iscsi("<host port='1'/>").as_deref(),
            Some("XML error: missing name for host")
        );
        assert_eq!(
            iscsi("<host name='a' socket='/s'/>").as_deref(),
            Some("XML error: transport '(null)' does not support socket attribute")
        );
        assert_eq!(
            iscsi("<host name='a' transport='x'/>").as_deref(),
            Some("unsupported configuration: unknown protocol transport type 'x'")
        );
        assert_eq!(
            iscsi("<host name='a' transport='unix'/>").as_deref(),
            Some("XML error: missing socket for unix transport")
        );
        // A disk's backing chain, layer by layer.
        let chain = |store: &str| {
            check_backing_store(Some(&source(store)))
                .err()
                .map(|e| e.to_string())
        };
        for (store, want) in [
            ("<backingStore/>", None),
            ("<backingStore type='file'><source file='/b'/></backingStore>", Some("XML error: missing disk backing store format")),
            ("<backingStore type='file'><format type=''/><source/></backingStore>", Some("XML error: missing disk backing store format")),
            ("<backingStore type='file'><format type='raw'/></backingStore>", Some("XML error: missing disk backing store source")),
            ("<backingStore type='x'><format type='luks'/><source/></backingStore>", Some("XML error: unknown storage source type 'x'")),
            ("<backingStore type='none'><format type='raw'/><source/></backingStore>", Some("XML error: unknown storage source type 'none'")),
            ("<backingStore type='file'><format type='luks'/><source/></backingStore>", Some("XML error: unknown storage source format 'luks'")),
            ("<backingStore type='file'><format type='qcow2'/><source><reservations managed='no'/></source></backingStore>", Some("XML error: missing connection type for <reservations/>")),
            ("<backingStore type='file'><format type='raw'/><source/><backingStore type='file'><format type='raw'/></backingStore></backingStore>", Some("XML error: missing disk backing store source")),
            ("<backingStore type='file'><format type='raw'/><source/><backingStore/></backingStore>", None),
            // The cache size after the format, before the source.
            ("<backingStore type='file'><format type='qcow2'><metadata_cache><max_size>junk</max_size></metadata_cache></format></backingStore>", Some("XML error: missing disk backing store source")),
            ("<backingStore type='file'><format type='qcow2'><metadata_cache><max_size>junk</max_size></metadata_cache></format><source><reservations/></source></backingStore>", Some("XML error: Invalid value 'junk' for element or attribute './format/metadata_cache/max_size'")),
            ("<backingStore type='file'><format type='qcow2'><metadata_cache><max_size unit='x'>1</max_size></metadata_cache></format><source/></backingStore>", Some("invalid argument: unknown suffix 'x'")),
            ("<backingStore type='file'><format type='qcow2'><metadata_cache><max_size/></metadata_cache></format><source/></backingStore>", None),
        ] {
            assert_eq!(chain(store).as_deref(), want, "{store}");
        }
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
