//! A `<video>` as libvirt writes what it read (virDomainVideoDefParseXML,
//! virDomainVideoDefFormat): libvirt reads each `<model>` attribute and
//! child from the first `<model>` that has it (`string(./model/@ram)`,
//! `./model/acceleration`), the first `<driver>`, and writes one
//! `<driver>` (only with something set), then one `<model>` with its
//! attributes in its own order, then the device information.

use crate::model::{Element, Node};
use crate::views::{Video, VideoAcceleration, View};

/// The `<model>` libvirt reads from `video`: each attribute, and its
/// `<acceleration>` and `<resolution>`, from the first `<model>` that
/// has them, in the first one's place; the other `<model>`s go.
pub(super) fn merge_models(video: &mut Element) {
    if video.children_named("model").nth(1).is_none() {
        return;
    }
    let mut merged = Element::new("model");
    for m in video.children_named("model") {
        for (k, v) in &m.attrs {
            if merged.attr(k).is_none() {
                merged.attrs.push((k.clone(), v.clone()));
            }
        }
        for c in m.elements() {
            if merged.child(&c.name).is_none() {
                merged.children.push(Node::Element(c.clone()));
            }
        }
    }
    let mut merged = Some(merged);
    video.children.retain_mut(|n| match n {
        Node::Element(e) if e.name == "model" => match merged.take() {
            Some(m) => {
                *e = m;
                true
            }
            None => false,
        },
        _ => true,
    });
}

/// `video`'s children as libvirt writes them, from `v` (its model as the
/// post-parse left it): the `<driver>` (virtio options, `vgaconf` other
/// than `io`, a backend name), the `<model>`, then the rest (the device
/// information) as it is. A driver value libvirt refuses leaves the
/// element as written: the checks refuse the definition, not this.
pub(super) fn write(video: &mut Element, v: &Video) {
    let resolution = video
        .child("model")
        .and_then(|m| m.child("resolution"))
        .map(resolution)
        .transpose();
    let (Some(driver), Ok(resolution)) = (driver(video), resolution) else {
        v.write_to(video);
        return;
    };
    let mut model = Element::new("model");
    if let Some(t) = &v.model_type {
        model = model.with_attr("type", t);
    }
    let sizes = [
        ("ram", v.ram.map(u64::from)),
        ("vram", v.vram.map(u64::from)),
        ("vram64", v.vram64),
        ("vgamem", v.vgamem.map(u64::from)),
        ("heads", v.heads.map(u64::from)),
    ];
    for (name, value) in sizes {
        if let Some(n) = value.filter(|n| *n != 0) {
            model = model.with_attr(name, n.to_string());
        }
    }
    if v.primary.as_deref() == Some("yes") {
        model = model.with_attr("primary", "yes");
    }
    if let Some(a) = &v.acceleration {
        model = model.with_child(acceleration(a));
    }
    if let Some(r) = resolution {
        model = model.with_child(r);
    }
    let rest = std::mem::take(&mut video.children)
        .into_iter()
        .filter(|n| !matches!(n, Node::Element(e) if e.name == "driver" || e.name == "model"));
    video.children = driver
        .into_iter()
        .chain([model])
        .map(Node::Element)
        .chain(rest)
        .collect();
}

/// The `<driver>` libvirt writes for the first one given: `Some(None)`
/// when it writes none, `None` when libvirt refuses a value of it.
fn driver(video: &Element) -> Option<Option<Element>> {
    let Some(given) = video.child("driver") else {
        return Some(None);
    };
    let mut out = Element::new("driver");
    for name in ["iommu", "ats", "packed", "page_per_vq"] {
        match given.attr(name) {
            None => {}
            Some(v @ ("on" | "off")) => out = out.with_attr(name, v),
            Some(_) => return None,
        }
    }
    match given.attr("vgaconf") {
        None | Some("io") => {}
        Some(v @ ("on" | "off")) => out = out.with_attr("vgaconf", v),
        Some(_) => return None,
    }
    match given.attr("name") {
        None => {}
        Some(v @ ("qemu" | "vhostuser")) => out = out.with_attr("name", v),
        Some(_) => return None,
    }
    Some((!out.attrs.is_empty()).then_some(out))
}

/// `<acceleration>` with its states and render node
/// (virDomainVideoAccelDefFormat: the node's path as libvirt cleans it).
fn acceleration(a: &VideoAcceleration) -> Element {
    let mut out = Element::new("acceleration");
    for (name, value) in [("accel3d", &a.accel3d), ("accel2d", &a.accel2d)] {
        if let Some(v) = value {
            out = out.with_attr(name, v);
        }
    }
    if let Some(node) = &a.rendernode {
        out = out.with_attr("rendernode", crate::storage::sanitize_path(node));
    }
    out
}

/// `<resolution>` (virDomainVideoResolutionDefFormat): both sizes as
/// numbers, or none when one of them is zero; an error when libvirt
/// refuses one.
fn resolution(r: &Element) -> Result<Element, ()> {
    let size = |name: &str| {
        r.attr(name)
            .and_then(|v| crate::devinfo::c_unsigned(v, 10))
            .filter(|n| *n <= u64::from(u32::MAX))
            .ok_or(())
    };
    let (x, y) = (size("x")?, size("y")?);
    let out = Element::new("resolution");
    Ok(if x != 0 && y != 0 {
        out.with_attr("x", x.to_string())
            .with_attr("y", y.to_string())
    } else {
        out
    })
}
