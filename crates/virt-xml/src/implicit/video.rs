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

/// The sizes of a video `<model>`, in the order libvirt writes them.
fn sizes(v: &Video) -> [(&'static str, Option<u64>); 5] {
    [
        ("ram", v.ram.map(u64::from)),
        ("vram", v.vram.map(u64::from)),
        ("vram64", v.vram64),
        ("vgamem", v.vgamem.map(u64::from)),
        ("heads", v.heads.map(u64::from)),
    ]
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
    if driver.is_none() && resolution.is_none() && written_as(video, v) {
        return;
    }
    let mut model = Element::new("model");
    if let Some(t) = &v.model_type {
        model = model.with_attr("type", t);
    }
    for (name, value) in sizes(v) {
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

/// Whether `video` (without a `<driver>` or `<resolution>`) already is
/// what [`write`] makes of it: its first child a `<model>` holding
/// nothing and carrying exactly the attributes `v` writes, in libvirt's
/// order. A definition read back from libvirt's own output is, and is
/// then left as it is rather than rebuilt (a dozen allocations).
fn written_as(video: &Element, v: &Video) -> bool {
    let Some(Node::Element(model)) = video.children.first() else {
        return false;
    };
    if model.name != "model" || !model.children.is_empty() || v.acceleration.is_some() {
        return false;
    }
    let mut have = model.attrs.iter();
    let mut next_is = |name: &str, same: &dyn Fn(&str) -> bool| {
        have.next()
            .is_some_and(|(k, value)| k == name && same(value))
    };
    if let Some(t) = &v.model_type {
        if !next_is("type", &|value| value == t) {
            return false;
        }
    }
    for (name, value) in sizes(v) {
        if let Some(n) = value.filter(|n| *n != 0) {
            if !next_is(name, &|value| is_decimal(value, n)) {
                return false;
            }
        }
    }
    if v.primary.as_deref() == Some("yes") && !next_is("primary", &|value| value == "yes") {
        return false;
    }
    have.next().is_none()
        && !video.children[1..]
            .iter()
            .any(|n| matches!(n, Node::Element(e) if e.name == "driver" || e.name == "model"))
}

/// Whether `video` is already what the video defaults and [`write`]
/// leave of it, checked without reading it into its view: the shape a
/// tool or libvirt's own output gives, `<model>` first with exactly
/// `type` (a known model that needs no `ram`), `vram` (a power of two),
/// `heads` (not zero) and, on the first video, `primary='yes'`, no
/// child, and no `<driver>` or second `<model>`. Anything else is read
/// and settled in full.
pub(super) fn settled(video: &Element, is_first: bool) -> bool {
    let Some(Node::Element(model)) = video.children.first() else {
        return false;
    };
    if model.name != "model" || !model.children.is_empty() {
        return false;
    }
    let [(t, kind), (v, vram), (h, heads), rest @ ..] = model.attrs.as_slice() else {
        return false;
    };
    let primary = match rest {
        [] => false,
        [(p, yes)] if p == "primary" && yes == "yes" => true,
        _ => return false,
    };
    let canonical = |s: &str| {
        !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit())
            && (s.len() == 1 || !s.starts_with('0'))
    };
    let vram_settled = canonical(vram)
        && vram
            .parse::<u32>()
            .is_ok_and(|n| n != 0 && n <= 1 << 31 && n.is_power_of_two());
    let heads_settled = canonical(heads) && heads.parse::<u32>().is_ok_and(|n| n != 0);
    t == "type"
        && v == "vram"
        && h == "heads"
        && crate::views::VIDEO_MODELS.contains(&kind.as_str())
        && !matches!(kind.as_str(), "none" | "qxl")
        && vram_settled
        && heads_settled
        && (primary || !is_first)
        && !video.children[1..]
            .iter()
            .any(|n| matches!(n, Node::Element(e) if e.name == "driver" || e.name == "model"))
}

/// Whether `s` is `n` written as `n.to_string()` writes it.
fn is_decimal(s: &str, n: u64) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
        && (s.len() == 1 || !s.starts_with('0'))
        && s.parse::<u64>() == Ok(n)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_formatters_spelling_is_a_decimal() {
        assert!(is_decimal("16384", 16384));
        assert!(is_decimal("0", 0));
        for (s, n) in [("016384", 16384), ("+1", 1), (" 1", 1), ("", 0), ("2", 1)] {
            assert!(!is_decimal(s, n), "{s:?}");
        }
    }

    #[test]
    fn a_video_as_libvirt_writes_it_is_kept_and_any_other_rebuilt() {
        let v = Video {
            model_type: Some("cirrus".into()),
            vram: Some(16384),
            heads: Some(1),
            primary: Some("yes".into()),
            ..Video::default()
        };
        let video = |model: Element| Element::new("video").with_child(model);
        let written = Element::new("model")
            .with_attr("type", "cirrus")
            .with_attr("vram", "16384")
            .with_attr("heads", "1")
            .with_attr("primary", "yes");
        assert!(written_as(&video(written.clone()), &v));
        let mut e = video(written.clone());
        write(&mut e, &v);
        assert_eq!(e, video(written.clone()));
        for other in [
            // Another spelling, order or set of the attributes.
            written.clone().with_attr("ram", "0"),
            Element::new("model")
                .with_attr("vram", "16384")
                .with_attr("type", "cirrus")
                .with_attr("heads", "1")
                .with_attr("primary", "yes"),
            Element::new("model")
                .with_attr("type", "cirrus")
                .with_attr("vram", "016384")
                .with_attr("heads", "1")
                .with_attr("primary", "yes"),
            written.clone().with_child(Element::new("acceleration")),
        ] {
            assert!(!written_as(&video(other.clone()), &v), "{other:?}");
        }
        let mut e = video(Element::new("model").with_attr("type", "cirrus"));
        e.children.insert(0, Node::Element(Element::new("alias")));
        assert!(!written_as(&e, &v));
        write(&mut e, &v);
        assert_eq!(
            e,
            video(written).with_child(Element::new("alias")),
            "the model first, as libvirt writes it"
        );
    }
}
