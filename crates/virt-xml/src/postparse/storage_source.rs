//! A storage source's `<source>` as libvirt writes what it read into an
//! inactive definition (virDomainStorageSourceParse,
//! virDomainDiskSourceFormat): the part of its storage type first, then
//! the storage slice, the security labels, the authentication, the
//! encryption and the persistent reservations, each as libvirt's
//! structures hold them. Values libvirt refuses are refused when read
//! (`validate::storage_source`), not here.

use crate::{Element, Node};

/// `virXPathString`: the string value of the first `child`'s `attr`,
/// none when missing or empty.
fn xpath_attr<'a>(source: &'a Element, child: &str, attr: &str) -> Option<&'a str> {
    source
        .child(child)
        .and_then(|c| c.attr(attr))
        .filter(|v| !v.is_empty())
}

/// `virStorageSourceNetworkDefaultPort`: the port a TCP host of a
/// network protocol gets when none is given (none for RBD and NFS).
fn default_port(protocol: &str) -> u32 {
    match protocol {
        "http" => 80,
        "https" => 443,
        "ftp" => 21,
        "ftps" => 990,
        "tftp" => 69,
        "sheepdog" => 7000,
        "nbd" => 10809,
        "ssh" => 22,
        "iscsi" => 3260,
        "gluster" => 24007,
        "vxhs" => 9999,
        _ => 0,
    }
}

/// A tristate attribute as libvirt writes it back (`yes`/`no`; absent
/// stays absent).
fn tristate(e: &Element, attr: &str) -> Option<&'static str> {
    match e.attr(attr)? {
        "yes" => Some("yes"),
        "no" => Some("no"),
        _ => None,
    }
}

/// A decimal unsigned number as `virStrToLong_ull` reads it.
fn c_ulonglong(text: &str) -> Option<u64> {
    let t = text.trim_start();
    match t.strip_prefix('-') {
        Some(n) => n.parse::<u64>().ok().map(u64::wrapping_neg),
        None => t.strip_prefix('+').unwrap_or(t).parse().ok(),
    }
}

/// The `<source>` of a storage source of storage type `kind`, as
/// virDomainDiskSourceFormat writes it in an inactive definition
/// without secure information, `indent` being the column of its
/// children (an empty `<encryption>` is still written with its end tag,
/// on a line of its own). Attributes of the containing element
/// (`startupPolicy`, `index`) are the caller's.
pub(super) fn written_source(kind: &str, source: &Element, indent: usize) -> Element {
    let mut out = Element::new(source.name.clone());
    let mut kids = Vec::new();
    match kind {
        "file" => {
            copy_attr(source, &mut out, "file", false);
            copy_attr(source, &mut out, "fdgroup", true);
        }
        "block" => copy_attr(source, &mut out, "dev", false),
        "dir" => copy_attr(source, &mut out, "dir", false),
        "network" => network(source, &mut out, &mut kids),
        "volume" => {
            for name in ["pool", "volume", "mode"] {
                copy_attr(source, &mut out, name, true);
            }
        }
        "nvme" => {
            out = out.with_attr("type", "pci");
            if let Some(m) = tristate(source, "managed") {
                out = out.with_attr("managed", m);
            }
            let namespace = source.attr("namespace").and_then(c_ulonglong).unwrap_or(0);
            out = out.with_attr("namespace", namespace.to_string());
            if let Some(a) = source.child("address") {
                kids.push(pci_address(a));
            }
        }
        "vhostuser" => {
            out = out.with_attr("type", "unix");
            copy_attr(source, &mut out, "path", true);
            if let Some(r) = source.child("reconnect") {
                kids.extend(reconnect(r));
            }
        }
        _ => {}
    }
    if let Some(slice) = source
        .children_named("slices")
        .flat_map(|s| s.children_named("slice"))
        .find(|s| s.attr("type") == Some("storage"))
    {
        let number = |a: &str| slice.attr(a).and_then(c_ulonglong).unwrap_or(0).to_string();
        let slice = Element::new("slice")
            .with_attr("type", "storage")
            .with_attr("offset", number("offset"))
            .with_attr("size", number("size"));
        kids.push(Element::new("slices").with_child(slice));
    }
    if kind != "network" {
        let mut labels = Element::new("source");
        labels.children = source
            .children_named("seclabel")
            .cloned()
            .map(Node::Element)
            .collect();
        super::sources::source_seclabels(&mut labels);
        kids.extend(labels.children.into_iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        }));
    }
    if kind != "volume" {
        if let Some(auth) = source.child("auth") {
            kids.push(auth_written(auth));
        }
    }
    if let Some(enc) = source.child("encryption") {
        kids.push(encryption(enc, indent));
    }
    if let Some(pr) = source.child("reservations") {
        kids.push(reservations(pr));
    }
    out.children = kids.into_iter().map(Node::Element).collect();
    out
}

/// A `<backingStore>` as libvirt writes what it read into an inactive
/// definition (virDomainDiskBackingStoreParse,
/// virDomainDiskBackingStoreFormat): one without a type ends the chain and
/// is written empty, whatever it holds; a typed one keeps its type (not
/// its index, read from live definitions only), its format with a
/// metadata cache size in bytes (none when zero), its `<source>` as a
/// storage source of its type, and the next (the first `<backingStore>`
/// of each). `indent` is the column of its children. `None` when libvirt
/// refuses it (refused when read, left as given here).
pub(super) fn written_backing_store(b: &Element, indent: usize) -> Option<Element> {
    let out = Element::new("backingStore");
    let Some(kind) = b.attr("type") else {
        return Some(out);
    };
    // `string(./format/@type)`, `./source`, `./format/metadata_cache/max_size`.
    let format = b
        .children_named("format")
        .find_map(|f| f.attr("type"))
        .filter(|t| !t.is_empty())?;
    let source = b.child("source")?;
    let mut format = Element::new("format").with_attr("type", format);
    let bytes = crate::validate::backing_metadata_cache_bytes(b).ok()?;
    if let Some(cache) = written_metadata_cache(bytes) {
        format = format.with_child(cache);
    }
    let mut out = out.with_attr("type", kind).with_child(format);
    // virXMLFormatElement writes no `<source/>` with nothing in it (a
    // block store without a device, say).
    let source = written_source(kind, source, indent + 2);
    if !source.is_empty() {
        out = out.with_child(source);
    }
    if let Some(next) = b.child("backingStore") {
        out = out.with_child(written_backing_store(next, indent + 2)?);
    }
    Some(out)
}

/// A `<metadata_cache>` of `bytes` as libvirt writes one (in bytes; none
/// when 0), in a disk's `<driver>` or a backing store's `<format>`.
pub(super) fn written_metadata_cache(bytes: u64) -> Option<Element> {
    (bytes > 0).then(|| {
        let size = Element::new("max_size")
            .with_attr("unit", "bytes")
            .with_text(bytes.to_string());
        Element::new("metadata_cache").with_child(size)
    })
}

/// Copies `attr` when given; an empty value is kept only when
/// `keep_empty` (a path libvirt reads as empty is dropped).
fn copy_attr(from: &Element, to: &mut Element, attr: &str, keep_empty: bool) {
    if let Some(v) = from.attr(attr).filter(|v| keep_empty || !v.is_empty()) {
        to.attrs.push((attr.into(), v.to_string()));
    }
}

/// virDomainDiskSourceNetworkParse and virDomainDiskSourceFormatNetwork.
fn network(source: &Element, out: &mut Element, kids: &mut Vec<Element>) {
    let protocol = source.attr("protocol").unwrap_or_default();
    let http = matches!(protocol, "http" | "https");
    out.attrs.push(("protocol".into(), protocol.into()));
    copy_attr(source, out, "name", false);
    if http {
        copy_attr(source, out, "query", true);
    }
    if let Some(t) = tristate(source, "tls") {
        out.attrs.push(("tls".into(), t.into()));
    }
    copy_attr(source, out, "tlsHostname", true);
    for host in source.children_named("host") {
        let transport = host.attr("transport").unwrap_or("tcp");
        let mut h = Element::new("host");
        if transport != "unix" {
            if let Some(n) = host.attr("name") {
                h = h.with_attr("name", n);
            }
            let port = host
                .attr("port")
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(0);
            let port = if port == 0 && transport == "tcp" {
                default_port(protocol)
            } else {
                port
            };
            if port != 0 {
                h = h.with_attr("port", port.to_string());
            }
        }
        if transport != "tcp" {
            h = h.with_attr("transport", transport);
        }
        if let Some(s) = host.attr("socket") {
            h = h.with_attr("socket", s);
        }
        kids.push(h);
    }
    if protocol == "nfs" {
        if let Some(id) = source.child("identity") {
            let mut i = Element::new("identity");
            copy_attr(id, &mut i, "user", true);
            copy_attr(id, &mut i, "group", true);
            if !i.attrs.is_empty() {
                kids.push(i);
            }
        }
    }
    if let Some(name) = xpath_attr(source, "snapshot", "name") {
        kids.push(Element::new("snapshot").with_attr("name", name));
    }
    if let Some(file) = xpath_attr(source, "config", "file") {
        kids.push(Element::new("config").with_attr("file", file));
    }
    if let Some(iqn) = source
        .child("initiator")
        .and_then(|i| i.child("iqn"))
        .and_then(|i| i.attr("name"))
        .filter(|n| !n.is_empty())
    {
        let iqn = Element::new("iqn").with_attr("name", iqn);
        kids.push(Element::new("initiator").with_child(iqn));
    }
    if matches!(protocol, "https" | "ftps") {
        if let Some(v) = source.child("ssl").and_then(|s| tristate(s, "verify")) {
            kids.push(Element::new("ssl").with_attr("verify", v));
        }
    }
    // Cookies are secure information: not in this dump.
    if matches!(protocol, "http" | "https" | "ftp" | "ftps") {
        for (child, attr) in [("readahead", "size"), ("timeout", "seconds")] {
            let n = xpath_attr(source, child, attr)
                .and_then(c_ulonglong)
                .unwrap_or(0);
            if n != 0 {
                kids.push(Element::new(child).with_attr(attr, n.to_string()));
            }
        }
    }
}

/// virPCIDeviceAddressFormat without the type: all four parts, in hex.
pub(super) fn pci_address(a: &Element) -> Element {
    let part = |name: &str| {
        a.attr(name)
            .and_then(crate::order::parse_c_number)
            .unwrap_or(0)
    };
    Element::new("address")
        .with_attr("domain", format!("0x{:04x}", part("domain")))
        .with_attr("bus", format!("0x{:02x}", part("bus")))
        .with_attr("slot", format!("0x{:02x}", part("slot")))
        .with_attr("function", format!("0x{}", part("function")))
}

/// virDomainChrSourceReconnectDefFormat: `enabled`, and the timeout of an
/// enabled reconnection.
fn reconnect(r: &Element) -> Option<Element> {
    let enabled = tristate(r, "enabled")?;
    let mut out = Element::new("reconnect").with_attr("enabled", enabled);
    if enabled == "yes" {
        let t = r
            .attr("timeout")
            .and_then(|t| t.trim().parse::<u32>().ok())
            .unwrap_or(0);
        out = out.with_attr("timeout", t.to_string());
    }
    Some(out)
}

/// virSecretLookupFormatSecret: the type given, then the UUID in its
/// canonical form (as virUUIDParse reads it) or the usage.
fn secret(s: &Element, secret_type: Option<&str>) -> Element {
    let mut out = Element::new("secret");
    if let Some(t) = secret_type {
        out = out.with_attr("type", t);
    }
    if let Some(u) = s.attr("uuid") {
        let canonical = crate::parse::parse_uuid(u)
            .map(|u| u.hyphenated().to_string())
            .unwrap_or_else(|| u.to_string());
        out.with_attr("uuid", canonical)
    } else if let Some(u) = s.attr("usage") {
        out.with_attr("usage", u)
    } else {
        out
    }
}

/// virStorageAuthDefFormat, of what virStorageAuthDefParse read: the
/// authentication type unless none (`string(./@type)`: an empty one is
/// none), the user, the first secret.
pub(super) fn auth_written(auth: &Element) -> Element {
    let mut out = Element::new("auth");
    if let Some(t) = auth.attr("type").filter(|t| !t.is_empty() && *t != "none") {
        out = out.with_attr("type", t);
    }
    copy_attr(auth, &mut out, "username", false);
    if let Some(s) = auth.child("secret") {
        out = out.with_child(secret(s, s.attr("type")));
    }
    out
}

/// virStorageEncryptionFormat: format and engine, each secret, and for
/// LUKS the first cipher and ivgen; the end tag is always written.
pub(super) fn encryption(enc: &Element, indent: usize) -> Element {
    let format = enc.attr("format").unwrap_or_default();
    let mut out = Element::new("encryption").with_attr("format", format);
    if let Some(e) = enc.attr("engine").filter(|e| *e != "default") {
        out = out.with_attr("engine", e);
    }
    for s in enc.children_named("secret") {
        out = out.with_child(secret(s, s.attr("type")));
    }
    if format == "luks" {
        if let Some(c) = enc.child("cipher") {
            let mut cipher = Element::new("cipher");
            copy_attr(c, &mut cipher, "name", true);
            let size = c
                .attr("size")
                .and_then(|s| s.trim().parse::<u32>().ok())
                .unwrap_or(0);
            cipher = cipher.with_attr("size", size.to_string());
            copy_attr(c, &mut cipher, "mode", true);
            copy_attr(c, &mut cipher, "hash", true);
            out = out.with_child(cipher);
            if let Some(i) = enc.child("ivgen") {
                let mut ivgen = Element::new("ivgen");
                copy_attr(i, &mut ivgen, "name", true);
                copy_attr(i, &mut ivgen, "hash", true);
                out = out.with_child(ivgen);
            }
        }
    }
    if out.children.is_empty() {
        out.children = vec![Node::Text(format!("\n{}", " ".repeat(indent)))];
    }
    out
}

/// virStoragePRDefFormat (not migratable): `managed`, and the socket of
/// one with a path.
fn reservations(pr: &Element) -> Element {
    let mut out = Element::new("reservations");
    if let Some(m) = tristate(pr, "managed") {
        out = out.with_attr("managed", m);
    }
    if let Some(path) = pr.child("source").and_then(|s| s.attr("path")) {
        let s = Element::new("source")
            .with_attr("type", "unix")
            .with_attr("path", path)
            .with_attr("mode", "client");
        out = out.with_child(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(kind: &str, xml: &str) -> String {
        written_source(kind, &crate::parse_element(xml).unwrap(), 2).to_xml(0)
    }

    /// Backing chains as virsh 9.0 dumps them: an untyped one is the
    /// chain's end, written empty; no index; the cache size in bytes.
    #[test]
    fn backing_stores_as_libvirt_writes_them() {
        let written = |xml: &str| {
            written_backing_store(&crate::parse_element(xml).unwrap(), 2)
                .map(|b| b.to_xml(0).lines().map(str::trim).collect::<String>())
        };
        assert_eq!(
            written("<backingStore><source startupPolicy='optional'/><backingStore type='file'/></backingStore>"),
            Some("<backingStore/>".into())
        );
        assert_eq!(
            written("<backingStore index='3' type='file'><format type='qcow2'><metadata_cache>\
                     <max_size unit='KiB'>1</max_size></metadata_cache></format><source file='/b'/>\
                     <backingStore><format type='raw'/></backingStore><backingStore/></backingStore>"),
            Some("<backingStore type='file'><format type='qcow2'><metadata_cache>\
                  <max_size unit='bytes'>1024</max_size></metadata_cache></format><source file='/b'/>\
                  <backingStore/></backingStore>"
                .into())
        );
        // The number of the first <max_size>, the unit of the first
        // that has one (virParseScaledValue's `string(.../@unit)`).
        assert_eq!(
            written("<backingStore type='file'><format type='qcow2'><metadata_cache>\
                     <max_size>2</max_size></metadata_cache><metadata_cache>\
                     <max_size unit='KiB'>5</max_size></metadata_cache></format><source file='/b'/>\
                     </backingStore>"),
            Some("<backingStore type='file'><format type='qcow2'><metadata_cache>\
                  <max_size unit='bytes'>2048</max_size></metadata_cache></format><source file='/b'/>\
                  </backingStore>"
                .into())
        );
        // Refused when read (no format): left alone.
        assert_eq!(
            written("<backingStore type='file'><source file='/b'/></backingStore>"),
            None
        );
    }

    #[test]
    fn network_sources_in_libvirts_order_with_default_ports() {
        assert_eq!(
            written(
                "network",
                "<source protocol='https' name='n' query='q' index='3'><privateData/>\
                 <encryption format='luks2' engine='qemu'/><ssl verify='yes'/><timeout seconds='0'/>\
                 <readahead size='20'/><cookies><cookie name='c'>v</cookie></cookies>\
                 <host name='h'/><host transport='unix' socket='/s'/><seclabel model='m'><label>l</label></seclabel></source>",
            ),
            "<source protocol='https' name='n' query='q'>\n  <host name='h' port='443'/>\n  \
             <host transport='unix' socket='/s'/>\n  <ssl verify='yes'/>\n  <readahead size='20'/>\n  \
             <encryption format='luks2' engine='qemu'>\n  </encryption>\n</source>\n"
        );
        // The query and TLS verification of HTTPS only; RBD has no default port.
        assert_eq!(
            written("network", "<source protocol='rbd' name='p/i' query='q'><ssl verify='no'/><host name='h'/></source>"),
            "<source protocol='rbd' name='p/i'>\n  <host name='h'/>\n</source>\n"
        );
    }

    #[test]
    fn local_sources_with_labels_auth_encryption_and_reservations() {
        assert_eq!(
            written(
                "volume",
                "<source pool='p' volume='v' mode='host' startupPolicy='optional'>\
                 <encryption format='default'><secret type='passphrase' uuid='7B6AD4CA-ACCB-88BB-DABF-F56A4932733C'/></encryption>\
                 <auth username='u'><secret type='ceph' usage='x'/></auth>\
                 <seclabel model='q'><label>a</label><label>b</label></seclabel>\
                 <slices><slice type='storage' offset='031' size='4'/></slices></source>",
            ),
            "<source pool='p' volume='v' mode='host'>\n  <slices>\n    <slice type='storage' offset='31' size='4'/>\n  </slices>\n  \
             <seclabel model='q' relabel='yes'>\n    <label>a</label>\n  </seclabel>\n  \
             <encryption format='default'>\n    <secret type='passphrase' uuid='7b6ad4ca-accb-88bb-dabf-f56a4932733c'/>\n  </encryption>\n</source>\n"
        );
        assert_eq!(
            written(
                "file",
                "<source file='' fdgroup=''><reservations managed='no'><source type='unix' path='/p' mode='client'/></reservations>\
                 <auth type='chap' username='u'><secret type='iscsi' usage='x'/></auth>\
                 <encryption format='luks'><ivgen name='i'/><cipher name='aes' size='256'/></encryption></source>",
            ),
            "<source fdgroup=''>\n  <auth type='chap' username='u'>\n    <secret type='iscsi' usage='x'/>\n  </auth>\n  \
             <encryption format='luks'>\n    <cipher name='aes' size='256'/>\n    <ivgen name='i'/>\n  </encryption>\n  \
             <reservations managed='no'>\n    <source type='unix' path='/p' mode='client'/>\n  </reservations>\n</source>\n"
        );
        assert_eq!(
            written("nvme", "<source type='pci' namespace='01' managed='yes'><address bus='3' slot='0x1' function='1'/></source>"),
            "<source type='pci' managed='yes' namespace='1'>\n  <address domain='0x0000' bus='0x03' slot='0x01' function='0x1'/>\n</source>\n"
        );
    }
}
