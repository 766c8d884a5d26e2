//! Typed views of the parts of a domain the model keeps as generic
//! [`Element`]s (cpu, clock, features, os firmware, devices the model does
//! not type, seclabel). A view is read from the stored element and written
//! back into it: attributes are changed in place and children updated where
//! they sit, so writing back an unchanged view leaves the document byte for
//! byte as it was, and whatever the view does not type stays untouched.

use crate::error::XmlError;
use crate::model::{Devices, Disk, DomainDef, Element, Interface, Node};
use crate::validate::{Refusals, Step};

/// A view of an element whose typed content is its attributes only: the
/// one way every such view is written (values read with libvirt's errors
/// through [`AttrValue`], written back in place). A field may list the
/// values libvirt accepts (`["a", "b"]`, refused with its "Invalid value"
/// error), say how libvirt words an unknown one (`unknown "unknown panic
/// model"`), and be `required`: then it is no `Option` and its absence is
/// refused with libvirt's "Missing required attribute" error, or with the
/// text given after `required`. A field may also say how libvirt words a
/// value that does not read (`invalid "invalid iothreads count '{}'"`,
/// the value in place of `{}`). An element's text (field name [`TEXT`])
/// that libvirt requires is read as libvirt reads it: empty text is a
/// value that does not read.
///
/// A view whose value also depends on more than one field ends with
/// `validate f`: `f(&view)` runs after the view is read, and checking the
/// view means reading it.
///
/// A view whose element also holds typed children lists them after the
/// attributes, in a `children { ... }` block read after the attributes
/// (libvirt's order): `field: one T` is the first child called `T::TAG`
/// (`Option<T>`), `field: many T` every such child in order (`Vec<T>`),
/// `field: boxed T` the first, boxed (a chain of `T`s); `= "tag"` reads
/// children of another name than `T::TAG` (`<inbound>` and `<outbound>`
/// of one rate view). Children are written back where they sit.
/// `field: same T` reads the element itself as a `T` too (the virtio
/// options every device `<driver>` holds, which libvirt reads with one
/// function); `field: text String = "tag"` is the text of the first child
/// `tag` (`Option<String>`, none when empty; an empty child stays as
/// written).
macro_rules! flat_view {
    (@cty one $t:ty) => { Option<$t> };
    (@cty same $t:ty) => { $t };
    (@cty text $t:ty) => { Option<$t> };
    (@cty many $t:ty) => { Vec<$t> };
    (@cty boxed $t:ty) => { Option<Box<$t>> };
    (@tag $t:ty) => { <$t as $crate::views::View>::TAG };
    (@tag $t:ty, $tag:literal) => { $tag };
    (@cread one $el:ident, $t:ty, $tag:expr) => {
        $crate::views::child_view_at::<$t>($el, $tag)?
    };
    (@cread many $el:ident, $t:ty, $tag:expr) => {
        $crate::views::child_views_at::<$t>($el, $tag)?
    };
    (@cread same $el:ident, $t:ty, $tag:expr) => {
        <$t as $crate::views::View>::from_element($el)?
    };
    (@cread text $el:ident, $t:ty, $tag:expr) => {
        $crate::views::child_text($el, $tag)
    };
    (@cread boxed $el:ident, $t:ty, $tag:expr) => {
        $crate::views::child_view_at::<$t>($el, $tag)?.map(Box::new)
    };
    (@cwrite one $el:ident, $t:ty, $tag:expr, $v:expr) => {
        $crate::views::set_child_view_at($el, $tag, $v.as_ref())
    };
    (@cwrite many $el:ident, $t:ty, $tag:expr, $v:expr) => {
        $crate::views::set_child_views_at($el, $tag, &$v)
    };
    (@cwrite same $el:ident, $t:ty, $tag:expr, $v:expr) => {
        $crate::views::View::write_to(&$v, $el)
    };
    (@cwrite text $el:ident, $t:ty, $tag:expr, $v:expr) => {
        $crate::views::set_child_text($el, $tag, $v.as_deref())
    };
    (@cwrite boxed $el:ident, $t:ty, $tag:expr, $v:expr) => {
        $crate::views::set_child_view_at($el, $tag, $v.as_deref())
    };
    (@ccheck one $el:ident, $t:ty, $tag:expr) => {
        $el.child($tag)
            .filter(|c| !<$t as $crate::views::View>::absent(c))
            .map(<$t as $crate::views::View>::check)
            .transpose()?
    };
    (@ccheck same $el:ident, $t:ty, $tag:expr) => {
        <$t as $crate::views::View>::check($el)?
    };
    (@ccheck text $el:ident, $t:ty, $tag:expr) => {};
    (@ccheck boxed $el:ident, $t:ty, $tag:expr) => {
        flat_view!(@ccheck one $el, $t, $tag)
    };
    (@ccheck many $el:ident, $t:ty, $tag:expr) => {
        $el.children_named($tag).try_for_each(<$t as $crate::views::View>::check)?
    };
    (@ty $t:ty) => { Option<$t> };
    (@ty $t:ty, [$($missing:literal)?]) => { $t };
    (@opt) => { None };
    (@opt $v:literal) => { Some($v) };
    (@read $el:ident, $attr:literal, $t:ty, [$($a:literal),*], [$($u:literal)?], [$($bad:literal)?]) => {
        $crate::views::flat_read::<$t>(
            $el, $attr, &[$($a),*], flat_view!(@opt $($u)?), flat_view!(@opt $($bad)?),
        )?
    };
    (@read $el:ident, $attr:literal, $t:ty, [$($a:literal),*], [$($u:literal)?], [$($bad:literal)?],
        [$($missing:literal)?]) => {
        match flat_view!(@read $el, $attr, $t, [$($a),*], [$($u)?], [$($bad)?]) {
            Some(v) => v,
            None => {
                return Err($crate::views::flat_missing::<$t>(
                    &$el.name, $attr, &[$($a),*], flat_view!(@opt $($bad)?),
                    flat_view!(@opt $($missing)?),
                ))
            }
        }
    };
    (@write $el:ident, $attr:literal, $t:ty, $v:expr) => {
        <$t as $crate::views::AttrValue>::write($el, $attr, $v.as_ref())
    };
    (@write $el:ident, $attr:literal, $t:ty, $v:expr, [$($missing:literal)?]) => {
        <$t as $crate::views::AttrValue>::write($el, $attr, Some(&$v))
    };
    (@validate $v:ident) => {};
    (@validate $v:ident, $f:path) => { $f(&$v)? };
    (@check $el:ident, [], $body:block) => { $body };
    (@check $el:ident, [$f:path], $body:block) => { Self::from_element($el).map(drop) };
    ($(#[$m:meta])* $ty:ident = $tag:literal {
        $($field:ident : $fty:ty = $attr:literal $([$($allowed:literal),* $(,)?])?
            $(unknown $unknown:literal)? $(required $($missing:literal)?)?
            $(invalid $bad:literal)?),* $(,)?
    } $(children {
        $($(#[$cm:meta])* $cfield:ident : $kind:ident $cty:ty $(= $ctag:literal)?),* $(,)?
    })? $(absent $absent:ident)? $(validate $validate:path)?) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $ty {
            $(
                #[doc = concat!("`", $attr, "=`.")]
                pub $field: flat_view!(@ty $fty $(, [$($missing)?])?),
            )*
            $($(
                $(#[$cm])*
                pub $cfield: flat_view!(@cty $kind $cty),
            )*)?
        }

        impl $crate::views::View for $ty {
            const TAG: &'static str = $tag;
            fn from_element(el: &$crate::model::Element) -> Result<Self, $crate::error::XmlError> {
                let view = $ty {
                    $($field: flat_view!(@read el, $attr, $fty, [$($($allowed),*)?], [$($unknown)?],
                        [$($bad)?] $(, [$($missing)?])?),)*
                    $($($cfield: flat_view!(@cread $kind el, $cty, flat_view!(@tag $cty $(, $ctag)?)),)*)?
                };
                flat_view!(@validate view $(, $validate)?);
                Ok(view)
            }
            fn write_to(&self, el: &mut $crate::model::Element) {
                $(flat_view!(@write el, $attr, $fty, self.$field $(, [$($missing)?])?);)*
                $($(flat_view!(@cwrite $kind el, $cty, flat_view!(@tag $cty $(, $ctag)?), self.$cfield);)*)?
            }
            $(fn absent(el: &$crate::model::Element) -> bool {
                $absent(el)
            })?
            fn check(el: &$crate::model::Element) -> Result<(), $crate::error::XmlError> {
                flat_view!(@check el, [$($validate)?], {
                    Self::check_named(&el.name, &|n| $crate::views::field(el, n))?;
                    $($(flat_view!(@ccheck $kind el, $cty, flat_view!(@tag $cty $(, $ctag)?));)*)?
                    Ok(())
                })
            }
        }

        impl $ty {
            /// Check stored attributes (of an element called
            #[doc = concat!("`", $tag, "`)")]
            /// the way the view reads them, without a copy.
            pub fn check_attrs(attrs: &[$crate::model::Attr]) -> Result<(), $crate::error::XmlError> {
                Self::check_named($tag, &|n| {
                    attrs
                        .iter()
                        .find(|(k, _)| k == n)
                        .map(|(_, v)| std::borrow::Cow::Borrowed(v.as_str()))
                })
            }

            fn check_named<'a>(
                element: &str,
                get: &dyn Fn(&str) -> Option<std::borrow::Cow<'a, str>>,
            ) -> Result<(), $crate::error::XmlError> {
                // A view of children only reads neither.
                let _ = (element, get);
                $(
                    let value = get($attr);
                    let allowed: &[&str] = &[$($($allowed),*)?];
                    let invalid = flat_view!(@opt $($bad)?);
                    $crate::views::flat_check::<$fty>(
                        element,
                        $attr,
                        value.as_deref(),
                        allowed,
                        flat_view!(@opt $($unknown)?),
                        invalid,
                    )?;
                    $(
                        if value.is_none() {
                            let missing = flat_view!(@opt $($missing)?);
                            return Err($crate::views::flat_missing::<$fty>(
                                element, $attr, allowed, invalid, missing,
                            ));
                        }
                    )?
                )*
                Ok(())
            }
        }
    };
}

/// An attribute value kept as written that libvirt reads with a rule of
/// its own (a hexadecimal USB id, a WWPN, a secret's UUID): a flat view's
/// field type, so that such views are written the [`flat_view!`] way too.
/// `valid` says whether a value reads; `refuse(element, name, value)` is
/// libvirt's refusal of one that does not.
macro_rules! checked_text {
    ($(#[$m:meta])* $ty:ident, valid $valid:expr, refuse $refuse:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $ty(pub String);

        impl $crate::views::AttrValue for $ty {
            fn parse(
                element: &str,
                name: &str,
                value: &str,
                _: &[&str],
            ) -> Result<Self, $crate::error::XmlError> {
                let valid: fn(&str) -> bool = $valid;
                let refuse: fn(&str, &str, &str) -> $crate::error::XmlError = $refuse;
                match valid(value) {
                    true => Ok($ty(value.to_string())),
                    false => Err(refuse(element, name, value)),
                }
            }
            fn format(&self, _: Option<&str>) -> String {
                self.0.clone()
            }
        }
    };
}

/// A flat view's value: one outside `allowed` is refused with `unknown`'s
/// wording ("unknown panic model 'x'", or the value in place of `{}`:
/// "unknown on_lockfailure action: x") when the view gives one, else with
/// [`AttrValue::read`]'s; one that does not read, with `invalid`'s when
/// given.
fn flat_read<T: AttrValue>(
    el: &Element,
    name: &str,
    allowed: &[&str],
    unknown: Option<&str>,
    invalid: Option<&str>,
) -> Result<Option<T>, XmlError> {
    let Some(value) = field(el, name) else {
        return Ok(None);
    };
    flat_unknown(Some(&value), allowed, unknown)?;
    T::parse(&el.name, name, &value, allowed)
        .map(Some)
        .map_err(|e| flat_invalid(e, invalid, &value))
}

/// [`flat_read`] for the error only.
fn flat_check<T: AttrValue>(
    element: &str,
    name: &str,
    value: Option<&str>,
    allowed: &[&str],
    unknown: Option<&str>,
    invalid: Option<&str>,
) -> Result<(), XmlError> {
    flat_unknown(value, allowed, unknown)?;
    T::check(element, name, value, allowed)
        .map_err(|e| flat_invalid(e, invalid, value.unwrap_or("")))
}

/// The refusal of a required field that is absent: `missing` when the
/// view words it, else libvirt's. libvirt reads an element's empty text
/// as the empty string, so a required text is refused as that value is.
fn flat_missing<T: AttrValue>(
    element: &str,
    name: &str,
    allowed: &[&str],
    invalid: Option<&str>,
    missing: Option<&str>,
) -> XmlError {
    if let Some(text) = missing {
        return XmlError::Invalid(text.into());
    }
    if name == TEXT {
        if let Err(e) = flat_check::<T>(element, name, Some(""), allowed, None, invalid) {
            return e;
        }
    }
    missing_attr(element, name)
}

/// libvirt's refusal of an element without a required attribute.
pub(crate) fn missing_attr(element: &str, name: &str) -> XmlError {
    XmlError::Invalid(format!(
        "Missing required attribute '{name}' in element '{element}'"
    ))
}

/// A value that does not read, in the view's words (`invalid`, the value
/// in place of `{}`) when it gives them.
fn flat_invalid(error: XmlError, invalid: Option<&str>, value: &str) -> XmlError {
    match invalid {
        Some(text) => XmlError::Invalid(text.replace("{}", value)),
        None => error,
    }
}

fn flat_unknown(
    value: Option<&str>,
    allowed: &[&str],
    unknown: Option<&str>,
) -> Result<(), XmlError> {
    match (unknown, value) {
        (Some(what), Some(v)) if !allowed.contains(&v) => {
            Err(XmlError::Unsupported(match what.contains("{}") {
                true => what.replace("{}", v),
                false => format!("{what} '{v}'"),
            }))
        }
        _ => Ok(()),
    }
}

mod attach;
mod audio;
mod boot;
mod check;
mod clock;
mod cpu;
mod devices;
mod disk;
mod disk_parts;
mod domain;
mod extras;
mod features;
mod graphics;
mod hostdev;
mod interface;
mod lookup;
mod machine;
mod net_parts;
mod nic;
mod numa;
mod parts;
mod peripherals;
mod seclabel;
mod tuning;
mod usb;
mod values;
pub use attach::*;
pub use audio::*;
pub use boot::*;
pub(crate) use check::*;
pub use clock::*;
pub use cpu::*;
pub use devices::*;
pub use disk::*;
pub use disk_parts::*;
pub use domain::*;
pub use extras::*;
pub use features::*;
pub(crate) use graphics::{check_graphics_def, password_valid_to, validate_graphics};
pub use hostdev::*;
pub use lookup::*;
pub use machine::*;
pub use net_parts::*;
pub use nic::*;
pub use numa::*;
pub use parts::*;
pub use peripherals::*;
pub use seclabel::*;
pub use tuning::*;
pub use usb::*;
pub use values::*;

/// A typed view of one element kind, read from and written back into it.
pub trait View: Sized {
    /// The element name the view reads.
    const TAG: &'static str;
    /// Read the view from `el` (an element called [`View::TAG`]).
    fn from_element(el: &Element) -> Result<Self, XmlError>;
    /// Write the view into `el`, keeping what it does not type.
    fn write_to(&self, el: &mut Element);
    /// Check that `el` reads as this view (the error
    /// [`View::from_element`] would give), without building it.
    fn check(el: &Element) -> Result<(), XmlError> {
        Self::from_element(el).map(drop)
    }
    /// Whether libvirt reads `el` as if it were not there (a size with an
    /// empty text: its XPath string helper gives no value for ''), so a
    /// parent's reader skips it.
    fn absent(el: &Element) -> bool {
        let _ = el;
        false
    }
    /// A new element holding the view.
    fn to_element(&self) -> Element {
        let mut el = Element::new(Self::TAG);
        self.write_to(&mut el);
        el
    }
}

fn attr(el: &Element, name: &str) -> Option<String> {
    el.attr(name).map(str::to_string)
}

/// libvirt's attribute order for the elements the views write, so that an
/// attribute a view adds lands where libvirt would print it.
fn attr_order(element: &str) -> &'static [&'static str] {
    match element {
        "cpu" => &["mode", "match", "check", "migratable"],
        "cache" => &["level", "mode"],
        "maxphysaddr" => &["mode", "bits", "limit"],
        "sibling" => &["id", "value"],
        "model" => &[
            "type", "ram", "vram", "vram64", "vgamem", "heads", "primary", "fallback",
        ],
        "topology" => &["sockets", "dies", "cores", "threads"],
        "feature" => &["policy", "name"],
        "cell" => &["id", "cpus", "memory", "unit", "memAccess", "discard"],
        "clock" => &["offset", "adjustment", "timezone", "basis", "start"],
        "timer" => &[
            "name",
            "present",
            "tickpolicy",
            "track",
            "frequency",
            "mode",
        ],
        "catchup" => &["threshold", "slew", "limit"],
        "loader" => &["readonly", "secure", "stateless", "type"],
        "bootmenu" => &["enable", "timeout"],
        "seclabel" => &["type", "model", "relabel"],
        "controller" => &["type", "index", "model", "ports", "vectors"],
        "input" => &["type", "bus"],
        "memballoon" => &["model", "autodeflate"],
        "backend" => &["type", "model", "version", "persistent_state"],
        "rate" => &["bytes", "period"],
        "watchdog" => &["model", "action"],
        "acceleration" => &["accel3d", "accel2d", "rendernode"],
        "hostdev" => &["mode", "type", "managed"],
        "memory" => &["mode", "nodeset", "placement"],
        "memnode" => &["cellid", "mode", "nodeset"],
        "vcpupin" => &["vcpu", "cpuset"],
        "iothreadpin" => &["iothread", "cpuset"],
        "page" => &["size", "unit", "nodeset"],
        // A character device's target: its type before its port.
        "target" => &["type", "port"],
        _ => &[],
    }
}

/// Set `name` to `value` in place, or remove it when `None`.
fn put(el: &mut Element, name: &str, value: Option<&str>) {
    match value {
        Some(v) if el.attr(name).is_none() => {
            let order = attr_order(&el.name);
            let rank = |n: &str| order.iter().position(|o| *o == n);
            let at = match rank(name) {
                Some(r) => el
                    .attrs
                    .iter()
                    .position(|(k, _)| rank(k).is_some_and(|x| x > r))
                    .unwrap_or(el.attrs.len()),
                None => el.attrs.len(),
            };
            el.attrs.insert(at, (name.into(), v.to_string()));
        }
        Some(v) => {
            if el.attr(name) != Some(v) {
                el.set_attr(name, v)
            }
        }
        None => {
            el.remove_attr(name);
        }
    }
}

fn put_num<T: ToString>(el: &mut Element, name: &str, value: Option<T>) {
    let s = value.map(|v| v.to_string());
    // Keep the written spelling (leading zeros, '+') when the number is the same.
    if let (Some(new), Some(old)) = (&s, el.attr(name)) {
        if old.trim().parse::<u64>().ok() == new.parse::<u64>().ok() {
            return;
        }
    }
    put(el, name, s.as_deref());
}

/// An unsigned attribute, with libvirt's error for a bad value.
fn uint<T: std::str::FromStr>(el: &Element, name: &str) -> Result<Option<T>, XmlError> {
    match el.attr(name) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<T>()
            .map(Some)
            .map_err(|_| XmlError::NotUnsigned {
                attr: name.into(),
                element: el.name.to_string(),
                value: v.into(),
            }),
    }
}

/// One of `allowed`, or libvirt's "Invalid value for attribute" error.
fn choice(el: &Element, name: &str, allowed: &[&str]) -> Result<Option<String>, XmlError> {
    match el.attr(name) {
        None => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v.into())),
        Some(v) => Err(XmlError::Invalid(format!(
            "Invalid value for attribute '{name}' in element '{}': '{v}'.",
            el.name
        ))),
    }
}

fn child_mut<'a>(el: &'a mut Element, name: &str) -> Option<&'a mut Element> {
    el.children.iter_mut().find_map(|n| match n {
        Node::Element(e) if e.name == name => Some(e),
        _ => None,
    })
}

/// Run `f` on the first child `name`, added at the end when missing.
fn with_child(el: &mut Element, name: &str, f: impl FnOnce(&mut Element)) {
    match child_mut(el, name) {
        Some(c) => f(c),
        None => {
            let mut c = Element::new(name);
            f(&mut c);
            el.children.push(Node::Element(c));
        }
    }
}

fn remove_children(el: &mut Element, name: &str) {
    el.children
        .retain(|n| !matches!(n, Node::Element(e) if e.name == name));
}

/// Remove the children called `name` that carry attribute `attr`: one
/// without it (read into nothing, as libvirt reads it) stays as written.
fn remove_children_with(el: &mut Element, name: &str, attr: &str) {
    el.children
        .retain(|n| !matches!(n, Node::Element(e) if e.name == name && e.attr(attr).is_some()));
}

/// Update the children called `name` from `items` in place, by position:
/// surplus ones go, new ones follow the last of them (or close the element).
fn sync_children<T>(el: &mut Element, name: &str, items: &[T], write: impl Fn(&T, &mut Element)) {
    let mut k = 0;
    let mut last = None;
    let mut i = 0;
    while i < el.children.len() {
        if let Some(Node::Element(e)) = el.children.get_mut(i) {
            if e.name == name {
                if let Some(item) = items.get(k) {
                    write(item, e);
                    k += 1;
                    last = Some(i);
                } else {
                    el.children.remove(i);
                    continue;
                }
            }
        }
        i += 1;
    }
    let at = last.map_or(el.children.len(), |l| l + 1);
    let new: Vec<Node> = items
        .iter()
        .skip(k)
        .map(|item| {
            let mut e = Element::new(name);
            write(item, &mut e);
            Node::Element(e)
        })
        .collect();
    el.children.splice(at..at, new);
}

fn text_of(el: &Element, name: &str) -> Option<String> {
    el.child(name).map(|c| c.text())
}

fn put_text(el: &mut Element, name: &str, value: Option<&str>) {
    match value {
        Some(v) => with_child(el, name, |c| {
            if c.text() != v {
                c.set_text(v);
            }
        }),
        None => remove_children(el, name),
    }
}

/// The typed views of `els` (elements called `T::TAG`), in order.
fn views_in<T: View>(els: &[Element]) -> Result<Vec<T>, XmlError> {
    els.iter()
        .filter(|e| e.name == T::TAG)
        .map(T::from_element)
        .collect()
}

/// Write `view` into the `n`-th element called `T::TAG`, or add one when
/// there are `n` of them; false when `n` is beyond that.
fn set_view_in<T: View>(els: &mut Vec<Element>, n: usize, view: &T) -> bool {
    let count = els.iter().filter(|e| e.name == T::TAG).count();
    match els.iter_mut().filter(|e| e.name == T::TAG).nth(n) {
        Some(e) => {
            view.write_to(e);
            true
        }
        None if count == n => {
            els.push(view.to_element());
            true
        }
        None => false,
    }
}

impl DomainDef {
    /// The typed views of the top-level elements called `T::TAG`
    /// ([`Cpu`], [`Clock`], [`SecLabel`]), in order.
    pub fn views<T: View>(&self) -> Result<Vec<T>, XmlError> {
        views_in(&self.extra)
    }

    /// Write `view` into the `n`-th top-level `T::TAG` (adding it when
    /// `n` is their count); false when `n` is beyond that.
    pub fn set_view<T: View>(&mut self, n: usize, view: &T) -> bool {
        set_view_in(&mut self.extra, n, view)
    }

    /// `<cpu>`, typed.
    pub fn cpu(&self) -> Result<Option<Cpu>, XmlError> {
        Ok(self.views::<Cpu>()?.into_iter().next())
    }

    /// Write `<cpu>` back (adding it when absent).
    pub fn set_cpu(&mut self, cpu: &Cpu) {
        self.set_view(0, cpu);
    }

    /// `<clock>`, typed.
    pub fn clock(&self) -> Result<Option<Clock>, XmlError> {
        Ok(self.views::<Clock>()?.into_iter().next())
    }

    /// Write `<clock>` back (adding it when absent).
    pub fn set_clock(&mut self, clock: &Clock) {
        self.set_view(0, clock);
    }

    /// `<cputune>`, typed.
    pub fn cputune(&self) -> Result<Option<Cputune>, XmlError> {
        Ok(self.views::<Cputune>()?.into_iter().next())
    }

    /// Write `<cputune>` back (adding it when absent).
    pub fn set_cputune(&mut self, cputune: &Cputune) {
        self.set_view(0, cputune);
    }

    /// The `<seclabel>`s, typed.
    pub fn seclabels(&self) -> Result<Vec<SecLabel>, XmlError> {
        self.views()
    }

    /// `<features>`, typed (`None` when the domain has none).
    pub fn typed_features(&self) -> Result<Option<Features>, XmlError> {
        self.features
            .as_deref()
            .map(Features::from_elements)
            .transpose()
    }

    /// Write `<features>` back (adding it when absent).
    pub fn set_typed_features(&mut self, features: &Features) {
        features.write_to(self.features.get_or_insert_with(Vec::new));
    }

    /// `<os><loader>`, typed: the path with its attributes.
    pub fn os_loader(&self) -> Result<Option<Loader>, XmlError> {
        let full = match self.os.extra.iter().find(|e| e.name == "loader") {
            Some(e) => Some(Loader::from_element(e)?),
            None => None,
        };
        Ok(match (full, &self.os.loader) {
            (Some(mut l), path) => {
                l.path = path.clone();
                Some(l)
            }
            (None, Some(p)) => Some(Loader {
                path: Some(p.clone()),
                ..Loader::default()
            }),
            (None, None) => None,
        })
    }

    /// Write `<os><loader>` back (`None` removes it).
    pub fn set_os_loader(&mut self, loader: Option<&Loader>) {
        let Some(l) = loader else {
            self.os.loader = None;
            self.os.extra.retain(|e| e.name != "loader");
            return;
        };
        self.os.loader = l.path.clone();
        let attrs = l.readonly.is_some() || l.secure.is_some() || l.loader_type.is_some();
        match self.os.extra.iter_mut().find(|e| e.name == "loader") {
            Some(e) => {
                l.write_to(e);
                if e.attrs.is_empty() {
                    self.os.extra.retain(|e| e.name != "loader");
                }
            }
            None if attrs => self.os.extra.push(l.to_element()),
            None => {}
        }
    }

    /// `<os><nvram>`, typed.
    pub fn os_nvram(&self) -> Result<Option<Nvram>, XmlError> {
        Ok(views_in::<Nvram>(&self.os.extra)?.into_iter().next())
    }

    /// Write `<os><nvram>` back (adding it when absent).
    pub fn set_os_nvram(&mut self, nvram: &Nvram) {
        set_view_in(&mut self.os.extra, 0, nvram);
    }

    /// `<os><bootmenu>`, typed.
    pub fn os_bootmenu(&self) -> Result<Option<BootMenu>, XmlError> {
        Ok(views_in::<BootMenu>(&self.os.extra)?.into_iter().next())
    }

    /// Write `<os><bootmenu>` back (adding it when absent).
    pub fn set_os_bootmenu(&mut self, menu: &BootMenu) {
        set_view_in(&mut self.os.extra, 0, menu);
    }

    /// `<os><smbios>`, typed.
    pub fn os_smbios(&self) -> Result<Option<Smbios>, XmlError> {
        Ok(views_in::<Smbios>(&self.os.extra)?.into_iter().next())
    }

    /// Write `<os><smbios>` back (adding it when absent).
    pub fn set_os_smbios(&mut self, smbios: &Smbios) {
        set_view_in(&mut self.os.extra, 0, smbios);
    }
}

impl Devices {
    /// The typed views of the devices called `T::TAG` that the model keeps
    /// generic ([`Controller`], [`Input`], [`Video`], [`MemBalloon`],
    /// [`Rng`], [`Tpm`], [`Watchdog`], [`Sound`], [`Hostdev`]), in order.
    pub fn views<T: View>(&self) -> Result<Vec<T>, XmlError> {
        views_in(&self.other)
    }

    /// Write `view` into the `n`-th device called `T::TAG` (adding it when
    /// `n` is their count); false when `n` is beyond that.
    pub fn set_view<T: View>(&mut self, n: usize, view: &T) -> bool {
        set_view_in(&mut self.other, n, view)
    }

    /// Add a device holding `view` after the devices the model keeps
    /// generic.
    pub fn push_view<T: View>(&mut self, view: &T) {
        self.other.push(view.to_element());
    }

    /// Add a device holding `view` at place `at` among the devices the
    /// model keeps generic (the end when `at` is beyond them).
    pub fn insert_view<T: View>(&mut self, at: usize, view: &T) {
        let at = at.min(self.other.len());
        self.other.insert(at, view.to_element());
    }
}

/// `el` read as a `T` when it is one (an element called `T::TAG`).
pub fn view_of<T: View>(el: &Element) -> Result<Option<T>, XmlError> {
    if el.name == T::TAG {
        T::from_element(el).map(Some)
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_domain, FormatOptions};

    const BASE: &str = "<domain type='kvm'>\n  <name>g</name>\n  <memory unit='KiB'>1024</memory>\n  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n  <features>\n    <acpi/>\n    <pae/>\n  </features>\n  <devices>\n    <disk type='file' device='disk'>\n      <source file='/a.img'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n  </devices>\n</domain>\n";

    fn domain(xml: &str) -> Result<DomainDef, XmlError> {
        parse_domain(xml)
    }

    fn xml(def: &DomainDef) -> String {
        def.to_xml(&FormatOptions::default())
    }

    #[test]
    fn sync_children_updates_in_place_drops_and_appends() {
        let mut el = Element::new("cpu")
            .with_child(Element::new("feature").with_attr("name", "a"))
            .with_child(Element::new("numa"))
            .with_child(Element::new("feature").with_attr("name", "b"));
        sync_children(&mut el, "feature", &["x"], |n, e| put(e, "name", Some(n)));
        let names: Vec<_> = el.elements().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["feature", "numa"]);
        sync_children(&mut el, "feature", &["x", "y", "z"], |n, e| {
            put(e, "name", Some(n))
        });
        let got: Vec<_> = el
            .elements()
            .map(|e| e.attr("name").unwrap_or("-"))
            .collect();
        assert_eq!(got, ["x", "y", "z", "-"]);
    }

    #[test]
    fn features_flags_and_hyperv_write_back() -> Result<(), XmlError> {
        let mut def = domain(BASE)?;
        let mut f = def.typed_features()?.unwrap_or_default();
        assert!(f.enabled("acpi") && f.enabled("pae") && !f.enabled("apic"));
        f.flags.retain(|x| x.name != "pae");
        f.flags.push(FeatureFlag {
            name: "apic".into(),
            ..FeatureFlag::default()
        });
        f.hyperv = Some((
            None,
            vec![HypervFeature {
                name: "relaxed".into(),
                state: Some("on".into()),
                ..HypervFeature::default()
            }],
        ));
        f.kvm_hidden = Some("on".into());
        def.set_typed_features(&f);
        let out = xml(&def);
        assert!(!out.contains("<pae/>"), "{out}");
        assert!(out.contains("<apic/>"), "{out}");
        assert!(out.contains("<relaxed state='on'/>"), "{out}");
        assert!(out.contains("<hidden state='on'/>"), "{out}");
        // Read back as libvirt reads it: the Hyper-V mode is custom unless given.
        f.hyperv = f
            .hyperv
            .map(|(mode, h)| (mode.or(Some("custom".into())), h));
        assert_eq!(domain(&out)?.typed_features()?, Some(f));
        Ok(())
    }

    #[test]
    fn loader_and_boot_order_write_back() -> Result<(), XmlError> {
        let mut def = domain(BASE)?;
        assert_eq!(def.os_loader()?, None);
        let loader = Loader {
            path: Some("/usr/share/OVMF/OVMF_CODE.fd".into()),
            readonly: Some("yes".into()),
            loader_type: Some("pflash".into()),
            secure: None,
            stateless: None,
        };
        def.set_os_loader(Some(&loader));
        if let Some(d) = def.devices.disks.first_mut() {
            d.set_boot_order(Some(2));
        }
        // A per-device boot order replaces the `<os><boot>` libvirt
        // gave the definition (it refuses both).
        def.os.boot.clear();
        let out = xml(&def);
        assert!(
            out.contains(
                "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>"
            ),
            "{out}"
        );
        let back = domain(&out)?;
        assert_eq!(back.os_loader()?, Some(loader));
        let order = back.devices.disks.first().map(|d| d.boot_order());
        assert_eq!(order, Some(Ok(Some(2))));
        let mut plain = back.clone();
        plain.set_os_loader(None);
        assert!(!xml(&plain).contains("<loader"));
        Ok(())
    }

    #[test]
    fn bad_boot_order_is_refused() {
        let xml = BASE.replace(
            "<target dev='vda' bus='virtio'/>",
            "<target dev='vda' bus='virtio'/>\n      <boot order='0'/>",
        );
        // The text virsh 9.0 prints for the same disk, at define time.
        assert_eq!(
            domain(&xml).err().map(|e| e.to_string()).as_deref(),
            Some("XML error: Invalid value for attribute 'order' in element 'boot': Zero is not permitted")
        );
    }

    #[test]
    fn added_attributes_land_in_libvirt_order() -> Result<(), XmlError> {
        let mut el = Element::new("cpu")
            .with_attr("mode", "custom")
            .with_attr("check", "none");
        let mut cpu = Cpu::from_element(&el)?;
        cpu.match_ = Some("exact".into());
        cpu.write_to(&mut el);
        let names: Vec<_> = el.attrs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["mode", "match", "check"]);
        // As virsh 9.0 prints a timer given with its attributes shuffled.
        let timer = Timer {
            name: "rtc".into(),
            present: Some("yes".into()),
            tickpolicy: Some("catchup".into()),
            track: Some("guest".into()),
            catchup: None,
            frequency: None,
            mode: None,
        };
        let clock = Clock {
            timers: vec![timer],
            ..Clock::default()
        };
        assert_eq!(
            clock.to_element().to_xml(0),
            "<clock>\n  <timer name='rtc' present='yes' tickpolicy='catchup' track='guest'/>\n</clock>\n"
        );
        Ok(())
    }

    #[test]
    fn numbers_keep_their_spelling_when_unchanged() {
        let mut el = Element::new("topology").with_attr("sockets", "02");
        put_num(&mut el, "sockets", Some(2u32));
        assert_eq!(el.attr("sockets"), Some("02"));
        put_num(&mut el, "sockets", Some(3u32));
        assert_eq!(el.attr("sockets"), Some("3"));
    }
}
