//! `<filesystem>` as libvirt writes what it read (virDomainFSDefParseXML,
//! virDomainFSDefPostParse, virDomainFSDefFormat). A value libvirt
//! refuses leaves the element as written: the checks refuse the
//! definition, not this.

use crate::devinfo::{c_ull, c_unsigned};
use crate::units::scale_to_bytes;
use crate::{Element, Node};

/// The device information children (virDomainDeviceInfoParseXML).
const INFO: [&str; 6] = ["alias", "master", "boot", "rom", "acpi", "address"];

/// Rewrites `fs` as libvirt writes it: its type (mount when not given),
/// access mode (passthrough when none is given and the source is not a
/// socket), model, multidevs and modes (`%04o`, none when zero); the
/// driver (its type, format, write policy and queue only with a driver
/// type, the virtio options always), a virtiofs daemon's `<binary>`, the
/// source of the type, the target, `<readonly/>`, the device
/// information, then the space limits in bytes.
pub(super) fn filesystem(fs: &mut Element) {
    if let Some(out) = written(fs) {
        *fs = out;
    }
}

/// `Some(v)` for an enumerated attribute's value libvirt keeps (`None`
/// inside when absent or the default), `None` when it refuses it.
fn choice<'a>(
    e: Option<&'a Element>,
    name: &str,
    default: &str,
    values: &[&str],
) -> Option<Option<&'a str>> {
    match e.and_then(|e| e.attr(name)) {
        None => Some(None),
        Some(v) if v == default => Some(None),
        Some(v) if values.contains(&v) => Some(Some(v)),
        Some(_) => None,
    }
}

/// An on/off switch (virXMLPropTristateSwitch).
fn switch<'a>(e: Option<&'a Element>, name: &str) -> Option<Option<&'a str>> {
    choice(e, name, "", &["on", "off"])
}

/// The first `name` child of any `parent` child of `fs` (libvirt's
/// `./parent/name`).
fn nested<'a>(fs: &'a Element, parent: &'a str, name: &str) -> Option<&'a Element> {
    fs.children_named(parent).find_map(|p| p.child(name))
}

/// The first `attr` of any `parent` child of `fs` (`./parent/@attr`),
/// none when empty (virXPathString).
fn nested_attr<'a>(fs: &'a Element, parent: &'a str, attr: &str) -> Option<&'a str> {
    fs.children_named(parent)
        .find_map(|p| p.attr(attr))
        .filter(|v| !v.is_empty())
}

/// A mode (`fmode`, `dmode`): octal, at most 0777, none when zero.
fn mode(fs: &Element, name: &str) -> Option<Option<String>> {
    match fs.attr(name) {
        None => Some(None),
        Some(v) => match c_unsigned(v, 8).filter(|n| *n <= 0o777)? {
            0 => Some(None),
            n => Some(Some(format!("{n:04o}"))),
        },
    }
}

fn written(fs: &Element) -> Option<Element> {
    let fs_type = match fs.attr("type") {
        None => "mount",
        Some(t) => [
            "mount", "block", "file", "template", "ram", "bind", "volume",
        ]
        .into_iter()
        .find(|k| *k == t)?,
    };
    let source = fs.child("source");
    let socket = source.and_then(|s| s.attr("socket"));
    let accessmode = match choice(
        Some(fs),
        "accessmode",
        "",
        &["passthrough", "mapped", "squash"],
    )? {
        None if socket.is_none() => Some("passthrough"),
        m => m,
    };
    let model = match fs.attr("model") {
        None => None,
        Some(m) if crate::is_virtio_model(m) => Some(m),
        Some(_) => return None,
    };
    let multidevs = choice(
        Some(fs),
        "multidevs",
        "default",
        &["remap", "forbid", "warn"],
    )?;
    let fmode = mode(fs, "fmode")?;
    let dmode = mode(fs, "dmode")?;
    let mut out = Element::new("filesystem").with_attr("type", fs_type);
    for (name, value) in [
        ("accessmode", accessmode.map(str::to_string)),
        ("model", model.map(str::to_string)),
        ("multidevs", multidevs.map(str::to_string)),
        ("fmode", fmode),
        ("dmode", dmode),
    ] {
        if let Some(v) = value {
            out = out.with_attr(name, v);
        }
    }

    let driver = fs.child("driver");
    let driver_type = choice(
        driver,
        "type",
        "default",
        &["path", "handle", "loop", "nbd", "ploop", "virtiofs"],
    )?;
    let virtiofs = driver_type == Some("virtiofs");
    let mut driver_out = Element::new("driver");
    if let Some(t) = driver_type {
        driver_out = driver_out.with_attr("type", t);
        if let Some(f) = driver.and_then(|d| d.attr("format")) {
            driver_out = driver_out.with_attr("format", f);
        }
        if let Some(w) = choice(driver, "wrpolicy", "default", &["immediate"])? {
            driver_out = driver_out.with_attr("wrpolicy", w);
        }
        if virtiofs {
            match nested_attr(fs, "driver", "queue").map(c_ull) {
                None | Some(Some(0)) => {}
                Some(Some(q)) => driver_out = driver_out.with_attr("queue", q.to_string()),
                Some(None) => return None,
            }
        }
    }
    for name in ["iommu", "ats", "packed", "page_per_vq"] {
        if let Some(v) = switch(driver, name)? {
            driver_out = driver_out.with_attr(name, v);
        }
    }
    let mut parts: Vec<Element> = Vec::new();
    if !driver_out.attrs.is_empty() {
        parts.push(driver_out);
    }
    if virtiofs {
        if let Some(binary) = binary(fs)? {
            parts.push(binary);
        }
    }
    if let Some(s) = written_source(fs_type, source, socket)? {
        parts.push(s);
    }
    if let Some(dir) = nested_attr(fs, "target", "dir") {
        parts.push(Element::new("target").with_attr("dir", dir));
    }
    if fs.child("readonly").is_some() {
        parts.push(Element::new("readonly"));
    }
    let info = fs
        .children
        .iter()
        .filter(|n| matches!(n, Node::Element(c) if INFO.contains(&c.name.as_str())))
        .cloned();
    out.children = parts.into_iter().map(Node::Element).chain(info).collect();
    for name in ["space_hard_limit", "space_soft_limit"] {
        if let Some(limit) = space_limit(fs, name)? {
            out.children.push(Node::Element(limit));
        }
    }
    Some(out)
}

/// A virtiofs daemon's `<binary>`: its path (as virFileSanitizePath
/// writes it) and `xattr`, then its cache and sandbox modes, locking and
/// thread pool size (none when negative).
fn binary(fs: &Element) -> Option<Option<Element>> {
    let node = fs.child("binary");
    let mut out = Element::new("binary");
    if let Some(p) = nested_attr(fs, "binary", "path") {
        out = out.with_attr("path", crate::storage::sanitize_path(p));
    }
    if let Some(x) = switch(node, "xattr")? {
        out = out.with_attr("xattr", x);
    }
    let modes = [
        ("cache", &["none", "always"][..]),
        ("sandbox", &["namespace", "chroot"][..]),
    ];
    for (name, values) in modes {
        let e = nested(fs, "binary", name);
        // VIR_XML_PROP_NONZERO: `default` is refused.
        if let Some(m) = choice(e, "mode", "", values)? {
            out = out.with_child(Element::new(name).with_attr("mode", m));
        }
    }
    let lock = nested(fs, "binary", "lock");
    let mut lock_out = Element::new("lock");
    for name in ["posix", "flock"] {
        if let Some(v) = switch(lock, name)? {
            lock_out = lock_out.with_attr(name, v);
        }
    }
    if !lock_out.attrs.is_empty() {
        out = out.with_child(lock_out);
    }
    let size = fs
        .children_named("binary")
        .flat_map(|b| b.children_named("thread_pool"))
        .find_map(|t| t.attr("size"));
    match size {
        None | Some("") => {}
        Some(s) => match crate::devinfo::c_int_in(s, 10)? {
            n if n >= 0 => {
                out = out.with_child(Element::new("thread_pool").with_attr("size", n.to_string()))
            }
            _ => {}
        },
    }
    Some((!out.attrs.is_empty() || !out.children.is_empty()).then_some(out))
}

/// The `<source>` of a filesystem of `fs_type`: a socket or directory
/// for mount and bind, the file, device or template name otherwise, a
/// RAM filesystem's usage in KiB (read in KiB unless `units` says
/// otherwise, rounded down), a volume's pool and volume.
fn written_source(
    fs_type: &str,
    source: Option<&Element>,
    socket: Option<&str>,
) -> Option<Option<Element>> {
    let attr = |name: &str| source.and_then(|s| s.attr(name));
    let one =
        |name: &str, value: Option<&str>| value.map(|v| Element::new("source").with_attr(name, v));
    Some(match fs_type {
        "mount" | "bind" => match socket {
            Some(s) => one("socket", Some(s)),
            None => one("dir", attr("dir")),
        },
        "block" => one("dev", attr("dev")),
        "file" => one("file", attr("file")),
        "template" => one("name", attr("name")),
        "ram" => {
            let usage = c_ull(attr("usage")?)?;
            let bytes = scale_to_bytes(usage, attr("units"), 1024, u64::MAX).ok()?;
            Some(
                Element::new("source")
                    .with_attr("usage", (bytes / 1024).to_string())
                    .with_attr("units", "KiB"),
            )
        }
        _ => {
            let (pool, volume) = (attr("pool")?, attr("volume")?);
            Some(
                Element::new("source")
                    .with_attr("pool", pool)
                    .with_attr("volume", volume),
            )
        }
    })
}

/// A space limit (`./space_hard_limit[1]`, bytes unless its unit says
/// otherwise) in bytes, none when zero.
fn space_limit(fs: &Element, name: &str) -> Option<Option<Element>> {
    let Some(limit) = fs.child(name) else {
        return Some(None);
    };
    let text = crate::validate::string_value(limit);
    if text.is_empty() {
        return Some(None);
    }
    let n = c_unsigned(&text, 10)?;
    let bytes = scale_to_bytes(n, limit.attr("unit"), 1, u64::MAX).ok()?;
    Some((bytes > 0).then(|| {
        Element::new(name)
            .with_attr("unit", "bytes")
            .with_text(bytes.to_string())
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(xml: &str) -> String {
        let mut e = crate::parse_element(xml).unwrap();
        filesystem(&mut e);
        e.to_xml(0)
    }

    #[test]
    fn sizes_and_modes_in_libvirts_units() {
        assert_eq!(
            written("<filesystem type='ram' fmode='077'><source usage='3' units='MiB'/><space_soft_limit unit='k'>2</space_soft_limit><space_hard_limit>0</space_hard_limit></filesystem>"),
            "<filesystem type='ram' accessmode='passthrough' fmode='0077'>\n  <source usage='3072' units='KiB'/>\n  <space_soft_limit unit='bytes'>2048</space_soft_limit>\n</filesystem>\n"
        );
        // The usage as strtoull reads it: a minus wraps (virsh 9.0 dumps
        // ULLONG_MAX bytes in KiB, rounded down).
        assert_eq!(
            written("<filesystem type='ram'><source usage='-1' units='b'/></filesystem>"),
            "<filesystem type='ram' accessmode='passthrough'>\n  <source usage='18014398509481983' units='KiB'/>\n</filesystem>\n"
        );
        assert_eq!(
            written("<filesystem dmode='0'><source socket='s' dir='d'/><target dir='t'/></filesystem>"),
            "<filesystem type='mount'>\n  <source socket='s'/>\n  <target dir='t'/>\n</filesystem>\n"
        );
    }

    #[test]
    fn parts_in_libvirts_order() {
        assert_eq!(
            written(
                "<filesystem type='file' accessmode='squash' multidevs='default' model='virtio'>\
                 <address type='pci'/><readonly/><target dir='t'/><target dir='u'/>\
                 <source file='f' dev='d'/><driver format='raw' wrpolicy='immediate' ats='on'/>\
                 <binary path='//b//'/></filesystem>"
            ),
            "<filesystem type='file' accessmode='squash' model='virtio'>\n  <driver ats='on'/>\n  <source file='f'/>\n  <target dir='t'/>\n  <readonly/>\n  <address type='pci'/>\n</filesystem>\n"
        );
        assert_eq!(
            written(
                "<filesystem type='volume'><source pool='p' volume='v' mode='host'/>\
                 <driver type='loop' format='raw' wrpolicy='default' queue='3'/></filesystem>"
            ),
            "<filesystem type='volume' accessmode='passthrough'>\n  <driver type='loop' format='raw'/>\n  <source pool='p' volume='v'/>\n</filesystem>\n"
        );
    }

    #[test]
    fn virtiofs_daemon() {
        assert_eq!(
            written(
                "<filesystem type='mount'><driver type='virtiofs' queue='-1' iommu='off'/>\
                 <binary xattr='on'><thread_pool size='-2'/><lock flock='on'/><sandbox mode='chroot'/></binary>\
                 <binary path='//usr//lib/'><cache mode='none'/></binary><source dir='/s'/></filesystem>"
            ),
            "<filesystem type='mount' accessmode='passthrough'>\n  <driver type='virtiofs' queue='18446744073709551615' iommu='off'/>\n  \
             <binary path='//usr/lib' xattr='on'>\n    <cache mode='none'/>\n    <sandbox mode='chroot'/>\n    <lock flock='on'/>\n  </binary>\n  \
             <source dir='/s'/>\n</filesystem>\n"
        );
        assert_eq!(
            written("<filesystem><driver type='virtiofs'/><binary><thread_pool size='0'/></binary><source dir='/s'/></filesystem>"),
            "<filesystem type='mount' accessmode='passthrough'>\n  <driver type='virtiofs'/>\n  <binary>\n    <thread_pool size='0'/>\n  </binary>\n  <source dir='/s'/>\n</filesystem>\n"
        );
    }

    #[test]
    fn c_numbers() {
        assert_eq!(c_ull(" +7"), Some(7));
        assert_eq!(c_ull("-1"), Some(u64::MAX));
        assert_eq!(c_ull("--1"), None);
        let c_int = |s| crate::devinfo::c_int_in(s, 10);
        assert_eq!(c_int("-2147483648"), Some(i64::from(i32::MIN)));
        assert_eq!(c_int("2147483648"), None);
    }
}
