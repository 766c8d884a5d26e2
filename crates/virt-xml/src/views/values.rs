//! How a view reads and writes values: attribute and text values with
//! libvirt's errors ([`AttrValue`]), typed children of an element, and the
//! parts the model stores on a device (`<driver>`, `<address>`, ...) or as
//! plain attributes. Every view in this module's siblings is built on these.

use std::borrow::Cow;

use super::{put, remove_children, sync_children, with_child, View};
use crate::error::XmlError;
use crate::model::Attr;
use crate::model::{CharDev, Disk, Element, Graphics, Interface, Node};

/// A flat view field name that stands for the element's own text
/// (`<on_lockfailure>poweroff</on_lockfailure>`) instead of an attribute.
pub const TEXT: &str = "#text";

/// The value of field `name` of `el`: an attribute, or the element's text
/// for [`TEXT`] (`None` when empty).
pub(crate) fn field<'a>(el: &'a Element, name: &str) -> Option<Cow<'a, str>> {
    if name == TEXT {
        let t = el.text();
        (!t.is_empty()).then_some(Cow::Owned(t))
    } else {
        el.attr(name).map(Cow::Borrowed)
    }
}

/// Set field `name` of `el` (see [`field`]); `None` removes it.
fn put_field(el: &mut Element, name: &str, value: Option<&str>) {
    if name == TEXT {
        put_own_text(el, value);
    } else {
        put(el, name, value);
    }
}

/// A value an attribute (or an element's text, [`TEXT`]) holds: read with
/// libvirt's errors, written back keeping the spelling when the value is
/// unchanged.
pub trait AttrValue: Sized + Clone + PartialEq {
    /// Read `value`, attribute `name` of an element called `element`;
    /// `allowed` (when not empty) lists the values libvirt accepts.
    fn parse(element: &str, name: &str, value: &str, allowed: &[&str]) -> Result<Self, XmlError>;
    /// The spelling to write: `old`, the one there now, when it reads as
    /// the same value.
    fn format(&self, old: Option<&str>) -> String;
    /// Read attribute `name` of `el`.
    fn read(el: &Element, name: &str, allowed: &[&str]) -> Result<Option<Self>, XmlError> {
        field(el, name)
            .map(|v| Self::parse(&el.name, name, &v, allowed))
            .transpose()
    }
    /// Write attribute `name` (remove it for `None`).
    fn write(el: &mut Element, name: &str, value: Option<&Self>) {
        let old = field(el, name);
        let new = value.map(|v| v.format(old.as_deref()));
        if new.as_deref() != old.as_deref() {
            put_field(el, name, new.as_deref());
        }
    }
    /// [`AttrValue::read`] for the error only: `value` is attribute
    /// `name` of an element called `element`.
    fn check(
        element: &str,
        name: &str,
        value: Option<&str>,
        allowed: &[&str],
    ) -> Result<(), XmlError> {
        value.map_or(Ok(()), |v| Self::valid(element, name, v, allowed))
    }
    /// Whether `value` reads (the error [`AttrValue::parse`] would give),
    /// for a type that can tell without building the value.
    fn valid(element: &str, name: &str, value: &str, allowed: &[&str]) -> Result<(), XmlError> {
        Self::parse(element, name, value, allowed).map(drop)
    }
}

/// libvirt's refusal of a value outside an enumeration.
fn invalid_value(element: &str, name: &str, value: &str) -> XmlError {
    XmlError::Invalid(format!(
        "Invalid value for attribute '{name}' in element '{element}': '{value}'."
    ))
}

impl AttrValue for String {
    fn parse(element: &str, name: &str, value: &str, allowed: &[&str]) -> Result<Self, XmlError> {
        Self::valid(element, name, value, allowed)?;
        Ok(value.to_string())
    }
    fn format(&self, _: Option<&str>) -> String {
        self.clone()
    }
    fn valid(element: &str, name: &str, value: &str, allowed: &[&str]) -> Result<(), XmlError> {
        match allowed.is_empty() || allowed.contains(&value) {
            true => Ok(()),
            false => Err(invalid_value(element, name, value)),
        }
    }
}

macro_rules! number_attr {
    ($($t:ty),*) => {$(
        impl AttrValue for $t {
            fn parse(element: &str, name: &str, value: &str, _: &[&str]) -> Result<Self, XmlError> {
                value.trim().parse::<$t>().map_err(|_| match name {
                    // An element's number, as libvirt's XPath reads it.
                    TEXT => XmlError::InvalidValue {
                        value: value.into(),
                        xpath: format!("./{element}[1]"),
                    },
                    _ => XmlError::NotUnsigned {
                        attr: name.into(),
                        element: element.into(),
                        value: value.into(),
                    },
                })
            }
            fn format(&self, old: Option<&str>) -> String {
                match old {
                    Some(o) if o.trim().parse::<$t>().ok().as_ref() == Some(self) => o.to_string(),
                    _ => self.to_string(),
                }
            }
        }
    )*};
}
number_attr!(u32, u64);

/// A positive attribute (`virXMLPropUInt` with `VIR_XML_PROP_NONZERO`):
/// zero is refused with libvirt's "Zero is not permitted".
impl AttrValue for std::num::NonZeroU32 {
    fn parse(element: &str, name: &str, value: &str, allowed: &[&str]) -> Result<Self, XmlError> {
        match std::num::NonZeroU32::new(u32::parse(element, name, value, allowed)?) {
            Some(n) => Ok(n),
            None => Err(XmlError::Invalid(format!(
                "Invalid value for attribute '{name}' in element '{element}': Zero is not permitted"
            ))),
        }
    }
    fn format(&self, old: Option<&str>) -> String {
        self.get().format(old)
    }
}

/// A signed attribute libvirt reads as a non-negative `int`
/// (`virXMLPropInt` in `BASE` with `VIR_XML_PROP_NONNEGATIVE`): I/O
/// thread pool sizes in base 10, a PCI controller's `<target>` numbers
/// in base 0 (C's `0x` and `0` prefixes). Read as `virStrToLong_i`
/// reads it: blanks and one sign before the digits, nothing after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NonNegInt<const BASE: u32 = 10>(pub i32);

impl<const BASE: u32> AttrValue for NonNegInt<BASE> {
    fn parse(element: &str, name: &str, value: &str, _: &[&str]) -> Result<Self, XmlError> {
        let bad = |why: &str| {
            XmlError::Invalid(format!(
                "Invalid value for attribute '{name}' in element '{element}': '{value}'. {why}"
            ))
        };
        match crate::devinfo::c_int_in(value, BASE).and_then(|n| i32::try_from(n).ok()) {
            None => Err(bad("Expected integer value")),
            Some(n) if n < 0 => Err(bad("Expected non-negative value")),
            Some(n) => Ok(NonNegInt(n)),
        }
    }
    fn format(&self, old: Option<&str>) -> String {
        let same = old.and_then(|o| crate::devinfo::c_int_in(o, BASE)) == Some(i64::from(self.0));
        match old {
            Some(o) if same => o.to_string(),
            _ => self.0.to_string(),
        }
    }
}

/// A PCI controller's `<target port>`: read as [`NonNegInt<0>`], written
/// as virDomainControllerDefFormatPCI writes it (`0x%x`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PciPort(pub i32);

impl AttrValue for PciPort {
    fn parse(element: &str, name: &str, value: &str, allowed: &[&str]) -> Result<Self, XmlError> {
        NonNegInt::<0>::parse(element, name, value, allowed).map(|n| PciPort(n.0))
    }
    fn format(&self, old: Option<&str>) -> String {
        let same = old.and_then(|o| crate::devinfo::c_int_in(o, 0)) == Some(i64::from(self.0));
        match old {
            Some(o) if same => o.to_string(),
            _ => format!("0x{:x}", self.0),
        }
    }
}

/// The first child of `el` called `T::TAG`, typed.
pub fn child_view<T: View>(el: &Element) -> Result<Option<T>, XmlError> {
    child_view_at(el, T::TAG)
}

/// The first child of `el` called `tag`, read as a `T`.
pub fn child_view_at<T: View>(el: &Element, tag: &str) -> Result<Option<T>, XmlError> {
    el.child(tag)
        .filter(|c| !T::absent(c))
        .map(T::from_element)
        .transpose()
}

/// Every child of `el` called `T::TAG`, typed, in order.
pub fn child_views<T: View>(el: &Element) -> Result<Vec<T>, XmlError> {
    child_views_at(el, T::TAG)
}

/// Every child of `el` called `tag`, read as `T`s, in order.
pub fn child_views_at<T: View>(el: &Element, tag: &str) -> Result<Vec<T>, XmlError> {
    el.children_named(tag).map(T::from_element).collect()
}

/// Write `view` into the first child called `T::TAG` (added at the end
/// when missing); `None` removes every such child.
pub fn set_child_view<T: View>(el: &mut Element, view: Option<&T>) {
    set_child_view_at(el, T::TAG, view)
}

/// [`set_child_view`] for children called `tag`.
pub fn set_child_view_at<T: View>(el: &mut Element, tag: &str, view: Option<&T>) {
    match view {
        Some(v) => with_child(el, tag, |c| v.write_to(c)),
        None => remove_children(el, tag),
    }
}

/// Write `views` into the children called `T::TAG`, in place by position:
/// surplus ones go, new ones follow the last of them.
pub fn set_child_views<T: View>(el: &mut Element, views: &[T]) {
    set_child_views_at(el, T::TAG, views)
}

/// [`set_child_views`] for children called `tag`.
pub fn set_child_views_at<T: View>(el: &mut Element, tag: &str, views: &[T]) {
    sync_children(el, tag, views, |v, e| v.write_to(e));
}

/// The text of the first child called `tag`, when not empty.
pub fn child_text(el: &Element, tag: &str) -> Option<String> {
    el.child(tag).and_then(text_value)
}

/// Write the text of the first child called `tag` (added at the end when
/// missing); `None` removes the children holding text (an empty one, read
/// as none, stays as written).
pub fn set_child_text(el: &mut Element, tag: &str, value: Option<&str>) {
    match value {
        Some(v) => with_child(el, tag, |c| put_own_text(c, Some(v))),
        None => el
            .children
            .retain(|n| !matches!(n, Node::Element(e) if e.name == tag && !e.text().is_empty())),
    }
}

/// A text-only element (`<serial>ABC</serial>`, `<nodemask>0</nodemask>`).
fn text_value(el: &Element) -> Option<String> {
    let t = el.text();
    (!t.is_empty()).then_some(t)
}

pub(super) fn put_own_text(el: &mut Element, value: Option<&str>) {
    let v = value.unwrap_or_default();
    if el.text() != v {
        if v.is_empty() {
            el.children.clear();
        } else {
            el.set_text(v);
        }
    }
}

/// A view of a device's stored children (`T::TAG`), first one.
pub(super) fn first_in<T: View>(els: &[Element]) -> Result<Option<T>, XmlError> {
    els.iter()
        .find(|e| e.name == T::TAG)
        .map(T::from_element)
        .transpose()
}

/// Write `view` into the first stored child called `T::TAG` (added at
/// the end when missing; `None` removes them).
pub(super) fn set_first_in<T: View>(els: &mut Vec<Element>, view: Option<&T>) {
    match (view, els.iter_mut().find(|e| e.name == T::TAG)) {
        (Some(v), Some(e)) => v.write_to(e),
        (Some(v), None) => els.push(v.to_element()),
        (None, _) => els.retain(|e| e.name != T::TAG),
    }
}

/// Views of stored attributes: an element holding just them.
pub(super) fn attrs_view<T: View>(attrs: &[Attr]) -> Result<T, XmlError> {
    let el = Element {
        name: T::TAG.into(),
        attrs: attrs.to_vec(),
        children: Vec::new(),
    };
    T::from_element(&el)
}

pub(super) fn set_attrs_view<T: View>(attrs: &mut Vec<Attr>, view: &T) {
    let mut el = Element {
        name: T::TAG.into(),
        attrs: std::mem::take(attrs),
        children: Vec::new(),
    };
    view.write_to(&mut el);
    *attrs = el.attrs;
}

/// Typed access to the parts the model keeps as stored children of a
/// device: `<driver>`, `<address>`, `<alias>`, `<auth>`, ...
macro_rules! stored_parts {
    ($($ty:ty),*) => {$(
        impl $ty {
            /// The first stored child called `T::TAG` (`<address>`,
            /// `<alias>`, `<driver>`, ...), typed.
            pub fn part<T: View>(&self) -> Result<Option<T>, XmlError> {
                first_in(&self.extra)
            }

            /// Write `view` into the first stored child called `T::TAG`
            /// (adding it when missing; `None` removes it).
            pub fn set_part<T: View>(&mut self, view: Option<&T>) {
                set_first_in(&mut self.extra, view)
            }

            /// Every stored child called `T::TAG`, typed, in order (the
            /// two `<source>`s of a udp character device, the `<ip>`s of
            /// an interface).
            pub fn parts<T: View>(&self) -> Result<Vec<T>, XmlError> {
                self.extra
                    .iter()
                    .filter(|e| e.name == T::TAG)
                    .map(T::from_element)
                    .collect()
            }

            /// Add a stored child holding `view` after the others.
            pub fn add_part<T: View>(&mut self, view: &T) {
                self.extra.push(view.to_element())
            }

            /// Write `views` into the stored children called `T::TAG`, in
            /// place by position: surplus ones go, new ones follow the
            /// others.
            pub fn set_parts<T: View>(&mut self, views: &[T]) {
                let mut views = views.iter();
                self.extra.retain_mut(|e| {
                    if e.name != T::TAG {
                        return true;
                    }
                    views.next().map(|v| v.write_to(e)).is_some()
                });
                self.extra.extend(views.map(View::to_element));
            }
        }
    )*};
}
stored_parts!(Disk, Interface, Graphics, CharDev);
