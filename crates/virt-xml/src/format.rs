//! Writing a [`DomainDef`] in libvirt's layout (virDomainDefFormat):
//! libvirt's element order, units spelled out, defaults made explicit.
//!
//! The typed parts are written straight from the model ([`Leaf`] and the
//! container kids): no element tree is built for them, so formatting costs
//! about one pass over the output instead of an allocation per name,
//! attribute and text.

use std::cell::Cell;
use std::ops::{Deref, DerefMut};

use uuid::Uuid;

use crate::element::{escape_into, push_indent};
use crate::model::*;
use crate::model::{Attr, Name};
use crate::order::{
    place_unknown, rank, rank_const, sort_children, unknown_slot, DEVICE_ORDER, DISK_ORDER,
    DOMAIN_ORDER, INTERFACE_ORDER, OS_ORDER,
};
use crate::parse::{disk_source_key, leaf_typed_attrs};

/// The rank of the literal element name `$name` in `$order`, computed
/// when compiled: the typed children's ranks need no search of the order
/// (a scan of dozens of names per child, string comparisons, on every
/// dump).
macro_rules! at {
    ($order:expr, $name:literal) => {
        const { rank_const($order, $name) }
    };
}

/// How to write a definition.
#[derive(Default, Clone, Debug)]
pub struct FormatOptions {
    /// The running domain's id, written as `id='N'` unless `inactive`.
    pub id: Option<u32>,
    /// Write the persistent (inactive) definition: no id.
    pub inactive: bool,
    /// Include secrets (graphics passwords).
    pub secure: bool,
}

impl DomainDef {
    /// The definition as libvirt writes it.
    pub fn to_xml(&self, opts: &FormatOptions) -> String {
        let mut out = String::with_capacity(2048);
        let kids = self.kids();
        write_container(&self.root_leaf(opts), &kids, &mut out, 0, opts);
        out
    }

    /// The definition as an element tree in libvirt's order.
    pub fn to_element(&self, opts: &FormatOptions) -> Element {
        let mut root = self.root_leaf(opts).into_element();
        root.children = self
            .kids()
            .drain(..)
            .map(|(_, k)| Node::Element(k.into_owned(opts)))
            .collect();
        root
    }

    /// `<domain>` with its attributes, no children.
    fn root_leaf(&self, opts: &FormatOptions) -> Leaf<'_> {
        let id = match (opts.id, opts.inactive) {
            (Some(id), false) => Some(("id", Value::Num(u64::from(id)))),
            _ => None,
        };
        Leaf {
            attrs: [Some(("type", Value::Str(&self.domain_type))), id, None],
            more: &self.attrs,
            ..Leaf::new("domain")
        }
    }

    /// The children of `<domain>` in libvirt's order, with their ranks,
    /// borrowing what is written as stored.
    fn kids<'a>(&'a self) -> Kids<'a> {
        let mut kids = Kids::with_capacity(20 + self.extra.len());
        let mut push = |r: usize, k: Kid<'a>| {
            debug_assert_eq!(r, rank(DOMAIN_ORDER, k.name()), "{}", k.name());
            kids.push((r, k))
        };
        push(
            at!(DOMAIN_ORDER, "name"),
            Kid::Leaf(Leaf::text("name", Value::Str(&self.name))),
        );
        if let Some(u) = &self.uuid {
            push(
                at!(DOMAIN_ORDER, "uuid"),
                Kid::Leaf(Leaf::text("uuid", Value::Uuid(u))),
            );
        }
        if let Some(t) = &self.title {
            push(
                at!(DOMAIN_ORDER, "title"),
                Kid::Leaf(Leaf::text("title", Value::Str(t))),
            );
        }
        if let Some(d) = &self.description {
            push(
                at!(DOMAIN_ORDER, "description"),
                Kid::Leaf(Leaf::text("description", Value::Str(d))),
            );
        }
        if let Some((size, slots)) = self.max_memory {
            let slots = slots.map(|s| ("slots", Value::Num(u64::from(s))));
            push(
                at!(DOMAIN_ORDER, "maxMemory"),
                Kid::Leaf(Leaf {
                    attrs: [slots, Some(("unit", Value::Str("KiB"))), None],
                    text: Some(Value::Num(size)),
                    ..Leaf::new("maxMemory")
                }),
            );
        }
        push(
            at!(DOMAIN_ORDER, "memory"),
            Kid::Leaf(Leaf {
                attrs: [Some(("unit", Value::Str("KiB"))), None, None],
                text: Some(Value::Num(self.memory)),
                ..Leaf::new("memory")
            }),
        );
        push(
            at!(DOMAIN_ORDER, "currentMemory"),
            Kid::Leaf(Leaf {
                attrs: [Some(("unit", Value::Str("KiB"))), None, None],
                text: Some(Value::Num(self.current_memory.unwrap_or(self.memory))),
                ..Leaf::new("currentMemory")
            }),
        );
        push(
            at!(DOMAIN_ORDER, "vcpu"),
            Kid::Leaf(Leaf {
                attrs: [
                    self.vcpu
                        .placement
                        .as_deref()
                        .map(|p| ("placement", Value::Str(p))),
                    self.vcpu
                        .cpuset
                        .as_deref()
                        .map(|c| ("cpuset", Value::Str(c))),
                    self.vcpu
                        .current
                        .map(|c| ("current", Value::Num(u64::from(c)))),
                ],
                text: Some(Value::Num(u64::from(self.vcpu.max))),
                ..Leaf::new("vcpu")
            }),
        );
        if let Some(b) = &self.bootloader {
            push(
                at!(DOMAIN_ORDER, "bootloader"),
                Kid::Leaf(Leaf::text("bootloader", Value::Str(b))),
            );
        }
        if let Some(b) = &self.bootloader_args {
            push(
                at!(DOMAIN_ORDER, "bootloader_args"),
                Kid::Leaf(Leaf::text("bootloader_args", Value::Str(b))),
            );
        }
        push(at!(DOMAIN_ORDER, "os"), Kid::Os(&self.os));
        if let Some(features) = &self.features {
            push(at!(DOMAIN_ORDER, "features"), Kid::Features(features));
        }
        if !self.extra.iter().any(|e| e.name == "clock") {
            push(
                at!(DOMAIN_ORDER, "clock"),
                Kid::Leaf(Leaf {
                    attrs: [Some(("offset", Value::Str("utc"))), None, None],
                    ..Leaf::new("clock")
                }),
            );
        }
        for (tag, r, action) in [
            (
                "on_poweroff",
                at!(DOMAIN_ORDER, "on_poweroff"),
                self.on_poweroff,
            ),
            ("on_reboot", at!(DOMAIN_ORDER, "on_reboot"), self.on_reboot),
            ("on_crash", at!(DOMAIN_ORDER, "on_crash"), self.on_crash),
        ] {
            if let Some(a) = action {
                push(r, Kid::Leaf(Leaf::text(tag, Value::Str(a.name()))));
            }
        }
        push(at!(DOMAIN_ORDER, "devices"), Kid::Devices(&self.devices));
        for e in &self.extra {
            push(rank(DOMAIN_ORDER, &e.name), Kid::Borrowed(e));
        }
        with_leaf_attrs(&mut kids, &self.leaf_attrs);
        sort_and_place(&mut kids, &self.unknown);
        kids
    }
}

impl Os {
    /// `<os>` in libvirt's order.
    pub fn to_element(&self) -> Element {
        let mut os = Element::new("os");
        os.attrs = self.attrs.clone();
        let opts = FormatOptions::default();
        os.children = self
            .kids()
            .drain(..)
            .map(|(_, k)| Node::Element(k.into_owned(&opts)))
            .collect();
        os
    }

    /// The children of `<os>` to write, in libvirt's order (the same
    /// content as [`Os::to_element`], without building it).
    fn kids<'a>(&'a self) -> Kids<'a> {
        let mut kids = Kids::with_capacity(4 + self.boot.len() + self.extra.len());
        let mut push = |r: usize, k: Kid<'a>| {
            debug_assert_eq!(r, rank(OS_ORDER, k.name()), "{}", k.name());
            kids.push((r, k))
        };
        push(
            at!(OS_ORDER, "type"),
            Kid::Leaf(Leaf {
                attrs: [
                    self.arch.as_deref().map(|a| ("arch", Value::Str(a))),
                    self.machine.as_deref().map(|m| ("machine", Value::Str(m))),
                    None,
                ],
                text: Some(Value::Str(&self.os_type)),
                ..Leaf::new("type")
            }),
        );
        let full_loader = self.extra.iter().any(|e| e.name == "loader");
        if let (Some(l), false) = (&self.loader, full_loader) {
            push(
                at!(OS_ORDER, "loader"),
                Kid::Leaf(Leaf::text("loader", Value::Str(l))),
            );
        }
        for (tag, r, v) in [
            ("kernel", at!(OS_ORDER, "kernel"), &self.kernel),
            ("initrd", at!(OS_ORDER, "initrd"), &self.initrd),
            ("cmdline", at!(OS_ORDER, "cmdline"), &self.cmdline),
            ("root", at!(OS_ORDER, "root"), &self.root),
        ] {
            if let Some(v) = v {
                push(r, Kid::Leaf(Leaf::text(tag, Value::Str(v))));
            }
        }
        for dev in &self.boot {
            push(
                at!(OS_ORDER, "boot"),
                Kid::Leaf(Leaf {
                    attrs: [Some(("dev", Value::Str(dev))), None, None],
                    ..Leaf::new("boot")
                }),
            );
        }
        for e in &self.extra {
            if e.name == "loader" {
                match &self.loader {
                    Some(l) => {
                        let mut e = e.clone();
                        e.set_text(l.as_str());
                        push(at!(OS_ORDER, "loader"), Kid::Owned(e));
                    }
                    None => continue,
                }
            } else {
                push(rank(OS_ORDER, &e.name), Kid::Borrowed(e));
            }
        }
        with_leaf_attrs(&mut kids, &self.leaf_attrs);
        sort_and_place(&mut kids, &self.unknown);
        kids
    }
}

impl Devices {
    /// `<devices>` in libvirt's order.
    pub fn to_element(&self, opts: &FormatOptions) -> Element {
        let mut d = Element::new("devices");
        d.children = self
            .kids()
            .drain(..)
            .map(|(_, k)| Node::Element(k.into_owned(opts)))
            .collect();
        if d.children.is_empty() {
            // libvirt always opens and closes <devices> on two lines.
            d.children.push(Node::Text("\n  ".into()));
        }
        d
    }

    /// The devices in libvirt's order, borrowing the generic ones.
    fn kids<'a>(&'a self) -> Kids<'a> {
        let mut kids = Kids::with_capacity(
            1 + self.disks.len()
                + self.interfaces.len()
                + self.graphics.len()
                + self.chardevs.len()
                + self.other.len()
                + self.unknown.len(),
        );
        let mut push = |r: usize, k: Kid<'a>| {
            debug_assert_eq!(r, rank(DEVICE_ORDER, k.name()), "{}", k.name());
            kids.push((r, k))
        };
        if let Some(e) = &self.emulator {
            push(
                at!(DEVICE_ORDER, "emulator"),
                Kid::Leaf(Leaf::text("emulator", Value::Str(e))),
            );
        }
        let disk = at!(DEVICE_ORDER, "disk");
        self.disks.iter().for_each(|d| push(disk, Kid::Disk(d)));
        let interface = at!(DEVICE_ORDER, "interface");
        self.interfaces
            .iter()
            .for_each(|i| push(interface, Kid::Interface(i)));
        for c in &self.chardevs {
            push(rank(DEVICE_ORDER, &c.kind), Kid::CharDev(c));
        }
        let graphics = at!(DEVICE_ORDER, "graphics");
        self.graphics
            .iter()
            .for_each(|g| push(graphics, Kid::Graphics(g)));
        for e in &self.other {
            let pair = e.name == "nvram" && e.elements().next().is_none();
            let r = rank(DEVICE_ORDER, &e.name);
            push(r, if pair { Kid::Pair(e) } else { Kid::Borrowed(e) });
        }
        sort_and_place(&mut kids, &self.unknown);
        kids
    }
}

/// A value to write: borrowed text (escaped on output), or a number or
/// UUID spelled out without an intermediate string.
#[derive(Clone, Copy)]
enum Value<'a> {
    Str(&'a str),
    Num(u64),
    Uuid(&'a Uuid),
}

impl Value<'_> {
    fn is_empty(&self) -> bool {
        matches!(self, Value::Str(s) if s.is_empty())
    }

    fn write(&self, out: &mut String) {
        match self {
            Value::Str(s) => escape_into(out, s),
            Value::Num(n) => push_decimal(out, *n),
            Value::Uuid(u) => {
                let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
                out.push_str(u.hyphenated().encode_lower(&mut buf));
            }
        }
    }

    fn to_owned_string(self) -> String {
        match self {
            Value::Str(s) => s.to_string(),
            Value::Num(n) => n.to_string(),
            Value::Uuid(u) => u.to_string(),
        }
    }
}

/// Append `n` in decimal (without the formatting machinery: numbers are
/// a good part of what a definition holds).
fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// An element written straight from typed fields: up to three typed
/// attributes, then stored ones, then optional text.
struct Leaf<'a> {
    name: &'a str,
    attrs: [Option<(&'a str, Value<'a>)>; 3],
    /// Stored attributes written after the typed ones.
    more: &'a [Attr],
    /// A stored attribute left out (graphics passwords); "" for none.
    hide: &'a str,
    text: Option<Value<'a>>,
}

impl<'a> Leaf<'a> {
    fn new(name: &'a str) -> Self {
        Leaf {
            name,
            attrs: [None, None, None],
            more: &[],
            hide: "",
            text: None,
        }
    }

    /// `<name>text</name>`.
    fn text(name: &'a str, text: Value<'a>) -> Self {
        Leaf {
            text: Some(text),
            ..Leaf::new(name)
        }
    }

    fn has_attrs(&self) -> bool {
        self.attrs.iter().any(Option::is_some) || self.more.iter().any(|(k, _)| k != self.hide)
    }

    /// The attributes in the order they are written: typed ones first
    /// unless a stored marker places them, then the stored ones.
    fn each_attr(&self, mut f: impl FnMut(&'a str, AttrOut<'a>)) {
        let placed = self.placed();
        for (k, v) in self.attrs.iter().flatten() {
            if placed && self.more.iter().any(|(m, _)| m == k) {
                continue;
            }
            f(k, AttrOut::Typed(*v));
        }
        for (k, v) in self.more {
            if k == self.hide {
                continue;
            }
            if placed && typed_attr_names(self.name).contains(&k.as_str()) {
                if let Some((n, tv)) = self.attrs.iter().flatten().find(|(n, _)| n == k) {
                    f(n, AttrOut::Typed(*tv));
                }
                continue;
            }
            f(k, AttrOut::Stored(v));
        }
    }

    /// True when a stored marker places a typed attribute.
    fn placed(&self) -> bool {
        if self.more.is_empty() {
            return false;
        }
        let typed = typed_attr_names(self.name);
        !typed.is_empty() && self.more.iter().any(|(k, _)| typed.contains(&k.as_str()))
    }

    /// `<name attr='v' ...` without the closing bracket.
    fn write_open(&self, out: &mut String, indent: usize) {
        push_indent(out, indent);
        out.push('<');
        out.push_str(self.name);
        if !self.placed() {
            // The common case: typed attributes, then the stored ones.
            for (k, v) in self.attrs.iter().flatten() {
                out.push(' ');
                out.push_str(k);
                out.push_str("='");
                v.write(out);
                out.push('\'');
            }
            for (k, v) in self.more {
                if k == self.hide {
                    continue;
                }
                out.push(' ');
                out.push_str(k);
                out.push_str("='");
                escape_into(out, v);
                out.push('\'');
            }
            return;
        }
        self.each_attr(|k, v| {
            out.push(' ');
            out.push_str(k);
            out.push_str("='");
            match v {
                AttrOut::Typed(v) => v.write(out),
                AttrOut::Stored(v) => escape_into(out, v),
            }
            out.push('\'');
        });
    }

    /// The whole element (as [`Element::write_xml`] writes its tree).
    fn write(&self, out: &mut String, indent: usize) {
        self.write_open(out, indent);
        match self.text {
            Some(t) if !t.is_empty() => {
                out.push('>');
                t.write(out);
                out.push_str("</");
                out.push_str(self.name);
                out.push_str(">\n");
            }
            _ => out.push_str("/>\n"),
        }
    }

    fn into_element(self) -> Element {
        let mut e = Element::new(self.name);
        self.each_attr(|k, v| {
            let v = match v {
                AttrOut::Typed(v) => v.to_owned_string(),
                AttrOut::Stored(v) => v.to_string(),
            };
            e.attrs.push((k.into(), v));
        });
        if let Some(t) = self.text {
            e.children.push(Node::Text(t.to_owned_string()));
        }
        e
    }
}

/// The attributes the model types on an element written as a [`Leaf`].
/// A stored attribute of one of these names marks where the typed value
/// goes: it followed an unknown attribute in the source, and the typed
/// value is written in its place.
fn typed_attr_names(element: &str) -> &'static [&'static str] {
    match element {
        "domain" => &["type", "id"],
        "disk" => &["type", "device"],
        "interface" | "graphics" => &["type"],
        "serial" | "parallel" | "console" | "channel" => &["type", "tty"],
        _ => leaf_typed_attrs(element),
    }
}

/// Give the leaves among `kids` the stored attributes kept for their
/// elements (usually there are none).
fn with_leaf_attrs<'a>(kids: &mut [(usize, Kid<'a>)], kept: &'a [(Name, Vec<Attr>)]) {
    if kept.is_empty() {
        return;
    }
    for (_, kid) in kids.iter_mut() {
        let Kid::Leaf(leaf) = kid else { continue };
        let Some((_, attrs)) = kept.iter().find(|(n, _)| n == leaf.name) else {
            continue;
        };
        leaf.more = attrs;
        if leaf.name == "memory" {
            // libvirt writes dumpCore before the unit.
            if let Some((_, v)) = attrs.iter().find(|(k, _)| k == "dumpCore") {
                leaf.attrs = [Some(("dumpCore", Value::Str(v))), leaf.attrs[0], None];
                leaf.hide = "dumpCore";
            }
        }
    }
}

/// An attribute's value as [`Leaf::each_attr`] hands it out.
#[derive(Clone, Copy)]
enum AttrOut<'a> {
    Typed(Value<'a>),
    Stored(&'a str),
}

/// A child element to write: built for the occasion, or borrowed from the
/// definition (generic content is written as stored, without a copy).
enum Kid<'a> {
    /// Written straight from typed fields.
    Leaf(Leaf<'a>),
    /// Built from typed and stored content (the uncommon merges).
    Owned(Element),
    /// Stored generic content.
    Borrowed(&'a Element),
    /// A stored element without child elements that libvirt writes with
    /// its start and end tags on two lines all the same (the `<nvram>`
    /// device).
    Pair(&'a Element),
    /// `<features>` children.
    Features(&'a [Element]),
    /// `<os>`.
    Os(&'a Os),
    /// `<devices>`.
    Devices(&'a Devices),
    /// A `<disk>`.
    Disk(&'a Disk),
    /// An `<interface>`.
    Interface(&'a Interface),
    /// A character device.
    CharDev(&'a CharDev),
    /// A `<graphics>` (its password depends on the options).
    Graphics(&'a Graphics),
}

impl Kid<'_> {
    fn name(&self) -> &str {
        match self {
            Kid::Leaf(l) => l.name,
            Kid::Owned(e) => &e.name,
            Kid::Borrowed(e) | Kid::Pair(e) => &e.name,
            Kid::Features(_) => "features",
            Kid::Os(_) => "os",
            Kid::Devices(_) => "devices",
            Kid::Disk(_) => "disk",
            Kid::Interface(_) => "interface",
            Kid::CharDev(c) => &c.kind,
            Kid::Graphics(_) => "graphics",
        }
    }

    fn into_owned(self, opts: &FormatOptions) -> Element {
        match self {
            Kid::Leaf(l) => l.into_element(),
            Kid::Owned(e) => e,
            Kid::Borrowed(e) => e.clone(),
            Kid::Pair(e) => {
                // Laid out as a device of a domain document.
                let mut e = e.clone();
                e.children = vec![Node::Text("\n    ".into())];
                e
            }
            Kid::Features(f) => {
                let mut e = Element::new("features");
                e.children = f.iter().cloned().map(Node::Element).collect();
                e
            }
            Kid::Os(o) => o.to_element(),
            Kid::Devices(d) => d.to_element(opts),
            Kid::Disk(d) => d.to_element(),
            Kid::Interface(i) => i.to_element(),
            Kid::CharDev(c) => c.to_element(),
            Kid::Graphics(g) => g.to_element(opts),
        }
    }

    fn write(&self, out: &mut String, indent: usize, opts: &FormatOptions) {
        match self {
            Kid::Leaf(l) => l.write(out, indent),
            Kid::Owned(e) => e.write_xml(out, indent),
            Kid::Borrowed(e) => e.write_xml(out, indent),
            Kid::Pair(e) => {
                let head = Leaf {
                    more: &e.attrs,
                    ..Leaf::new(&e.name)
                };
                head.write_open(out, indent);
                out.push_str(">\n");
                close(&e.name, out, indent);
            }
            Kid::Features(f) => {
                write_elements(&Leaf::new("features"), f, out, indent);
            }
            Kid::Os(o) => {
                let head = Leaf {
                    more: &o.attrs,
                    ..Leaf::new("os")
                };
                write_container(&head, &o.kids(), out, indent, opts);
            }
            Kid::Devices(d) => {
                let kids = d.kids();
                if kids.is_empty() {
                    push_indent(out, indent);
                    out.push_str("<devices>\n");
                    push_indent(out, indent);
                    out.push_str("</devices>\n");
                } else {
                    write_container(&Leaf::new("devices"), &kids, out, indent, opts);
                }
            }
            Kid::Disk(d) => d.write(out, indent, opts),
            Kid::Interface(i) => i.write(out, indent, opts),
            Kid::CharDev(c) => {
                let head = Leaf {
                    attrs: [
                        c.dev_type.as_deref().map(|t| ("type", Value::Str(t))),
                        c.tty.as_deref().map(|t| ("tty", Value::Str(t))),
                        None,
                    ],
                    more: &c.attrs,
                    ..Leaf::new(&c.kind)
                };
                write_elements(&head, &c.extra, out, indent);
            }
            Kid::Graphics(g) => {
                let head = Leaf {
                    attrs: [Some(("type", Value::Str(&g.graphics_type))), None, None],
                    more: &g.attrs,
                    hide: if opts.secure { "" } else { "passwd" },
                    ..Leaf::new("graphics")
                };
                write_elements(&head, &g.extra, out, indent);
            }
        }
    }
}

/// Write `head`'s start tag, then `kids`, then its end tag, in libvirt's
/// layout; an element without children is written `<e/>`.
fn write_container(
    head: &Leaf<'_>,
    kids: &[(usize, Kid<'_>)],
    out: &mut String,
    indent: usize,
    opts: &FormatOptions,
) {
    head.write_open(out, indent);
    if kids.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    for (_, k) in kids {
        k.write(out, indent + 2, opts);
    }
    close(head.name, out, indent);
}

/// [`write_container`] for stored child elements.
fn write_elements(head: &Leaf<'_>, kids: &[Element], out: &mut String, indent: usize) {
    head.write_open(out, indent);
    if kids.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    for k in kids {
        k.write_xml(out, indent + 2);
    }
    close(head.name, out, indent);
}

/// `</name>` on its own line.
fn close(name: &str, out: &mut String, indent: usize) {
    push_indent(out, indent);
    out.push_str("</");
    out.push_str(name);
    out.push_str(">\n");
}

/// Put `kids` in libvirt's order (by rank, document order among equals),
/// then the unknown children back where they sat ([`place_unknown`] for
/// borrowed children).
fn sort_and_place<'a>(kids: &mut Vec<(usize, Kid<'a>)>, unknown: &'a [Unknown]) {
    kids.sort_by_key(|(r, _)| *r);
    for u in unknown {
        let at = unknown_slot(kids, u, |(_, k)| k.name());
        kids.insert(at, (usize::MAX, Kid::Borrowed(&u.element)));
    }
}

/// The children of one element being written, with their ranks in
/// libvirt's order.
///
/// The list's storage is one this thread used for an earlier element and
/// gives back when dropped: a `Kid` is about 200 bytes, so `<domain>`'s
/// list alone asked glibc's malloc for about 4 KB per dump, and every
/// request of 1 KB or more first makes it merge all the small chunks
/// freed since (`malloc_consolidate`), after which small requests miss
/// its per-thread cache. Lists are taken and given back in nesting order
/// (`<domain>`, then `<os>` or `<devices>`, then a disk or interface), so
/// a dump after the first finds each level's list already large enough.
struct Kids<'a>(Vec<(usize, Kid<'a>)>);

/// The emptied lists of [`Kids`] dropped on this thread, the last dropped
/// on top.
type SpareKids = Vec<Vec<(usize, Kid<'static>)>>;

/// At most this many spare lists are kept (the nesting is three deep).
const SPARE_LISTS: usize = 8;

/// A list longer than this (a domain with thousands of devices) is freed,
/// not kept: a thread keeps at most a few hundred kilobytes.
const SPARE_KIDS: usize = 256;

thread_local! {
    static SPARE: Cell<SpareKids> = const { Cell::new(Vec::new()) };
}

impl<'a> Kids<'a> {
    /// An empty list with room for `n` children: a spare one if this
    /// thread has one.
    fn with_capacity(n: usize) -> Self {
        let spare = SPARE
            .try_with(|s| {
                let mut lists = s.take();
                let list = lists.pop();
                s.set(lists);
                list
            })
            .ok()
            .flatten();
        let mut kids: Vec<(usize, Kid<'a>)> = spare.unwrap_or_default();
        kids.reserve(n);
        Kids(kids)
    }
}

impl<'a> Deref for Kids<'a> {
    type Target = Vec<(usize, Kid<'a>)>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Kids<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for Kids<'_> {
    // The `filter_map` to nothing is the point: it changes the list's
    // lifetime, which a plain `clear` cannot (as the reader's spare
    // lists do).
    #[allow(clippy::unnecessary_filter_map)]
    fn drop(&mut self) {
        let mut kids = std::mem::take(&mut self.0);
        if kids.capacity() == 0 || kids.capacity() > SPARE_KIDS {
            return;
        }
        // Children are dropped where they lie (a collect that drops them
        // moves each out first: a 200-byte copy per child).
        kids.clear();
        // Emptied, the list borrows nothing: the collect keeps the
        // allocation (std's in-place collect of a vector into one of the
        // same layout) and has no child left to visit.
        let kids: Vec<(usize, Kid<'static>)> = kids.into_iter().filter_map(|_| None).collect();
        // (At the thread's end the lists are simply freed.)
        let _ = SPARE.try_with(|s| {
            let mut lists = s.take();
            if lists.len() < SPARE_LISTS {
                lists.push(kids);
            }
            s.set(lists);
        });
    }
}

impl Disk {
    /// The children of `<disk>` to write, in libvirt's order (the same
    /// content as [`Disk::to_element`], built only where stored and typed
    /// content merge).
    fn write<'a>(&'a self, out: &mut String, indent: usize, opts: &FormatOptions) {
        let head = Leaf {
            attrs: [
                Some(("type", Value::Str(&self.disk_type))),
                Some(("device", Value::Str(&self.device))),
                None,
            ],
            more: &self.attrs,
            ..Leaf::new("disk")
        };
        let mut kids = Kids::with_capacity(5 + self.extra.len());
        let mut push = |k: Kid<'a>| {
            let r = rank(DISK_ORDER, k.name());
            kids.push((r, k))
        };
        let key = disk_source_key(&self.disk_type);
        let have = merge_disk_parts(
            &self.extra,
            [
                &[
                    ("name", self.driver_name.as_deref()),
                    ("type", self.driver_type.as_deref()),
                ],
                &[(key, self.source.as_deref())],
                &[
                    ("dev", Some(&self.target_dev)),
                    ("bus", self.target_bus.as_deref()),
                ],
            ],
            |part| match part {
                Ok(merged) => push(Kid::Owned(merged)),
                Err(stored) => push(Kid::Borrowed(stored)),
            },
        );
        let missing = [
            Leaf {
                attrs: [
                    typed(&self.driver_name, "name"),
                    typed(&self.driver_type, "type"),
                    None,
                ],
                ..Leaf::new("driver")
            },
            Leaf {
                attrs: [typed(&self.source, key), None, None],
                ..Leaf::new("source")
            },
            Leaf {
                attrs: [
                    Some(("dev", Value::Str(&self.target_dev))),
                    typed(&self.target_bus, "bus"),
                    None,
                ],
                ..Leaf::new("target")
            },
        ];
        for (leaf, have) in missing.into_iter().zip(have) {
            if !have && leaf.has_attrs() {
                push(Kid::Leaf(leaf));
            }
        }
        if self.readonly {
            push(Kid::Leaf(Leaf::new("readonly")));
        }
        if self.shareable {
            push(Kid::Leaf(Leaf::new("shareable")));
        }
        sort_and_place(&mut kids, &self.unknown);
        write_container(&head, &kids, out, indent, opts);
    }
}

/// A typed attribute, when it has a value.
fn typed<'a>(value: &'a Option<String>, name: &'a str) -> Option<(&'a str, Value<'a>)> {
    value.as_deref().map(|v| (name, Value::Str(v)))
}

/// A child of `<interface>` as [`Interface::children`] finds it.
enum InterfacePart<'a> {
    /// A stored child with typed values merged in.
    Merged(Element),
    /// A stored child written as it is.
    Stored(&'a Element),
    /// A typed value no stored child carried: the element, its one
    /// attribute and the value.
    Field(&'static str, &'static str, &'a str),
    /// The typed `<source>` attributes, no stored `<source>` having
    /// carried them.
    Source,
}

impl Interface {
    /// Write `<interface>` (the same content as [`Interface::to_element`],
    /// built only where stored and typed content merge).
    fn write(&self, out: &mut String, indent: usize, opts: &FormatOptions) {
        let head = Leaf {
            attrs: [
                (!self.iface_type.is_empty()).then_some(("type", Value::Str(&self.iface_type))),
                None,
                None,
            ],
            more: &self.attrs,
            ..Leaf::new("interface")
        };
        let mut kids = Kids::with_capacity(6 + self.extra.len());
        self.children(|part| {
            let k = match part {
                InterfacePart::Merged(e) => Kid::Owned(e),
                InterfacePart::Stored(e) => Kid::Borrowed(e),
                InterfacePart::Field(tag, attr, v) => Kid::Leaf(Leaf {
                    attrs: [Some((attr, Value::Str(v))), None, None],
                    ..Leaf::new(tag)
                }),
                InterfacePart::Source => Kid::Leaf(Leaf {
                    more: &self.source,
                    ..Leaf::new("source")
                }),
            };
            kids.push((rank(INTERFACE_ORDER, k.name()), k));
        });
        sort_and_place(&mut kids, &self.unknown);
        write_container(&head, &kids, out, indent, opts);
    }
}

impl Disk {
    /// `<disk>` in libvirt's order.
    pub fn to_element(&self) -> Element {
        let mut disk = Element::new("disk")
            .with_attr("type", self.disk_type.as_str())
            .with_attr("device", self.device.as_str());
        disk.attrs.extend(self.attrs.iter().cloned());
        let mut kids = Vec::with_capacity(4 + self.extra.len());
        let key = disk_source_key(&self.disk_type);
        let typed: [&[(&str, Option<&str>)]; 3] = [
            &[
                ("name", self.driver_name.as_deref()),
                ("type", self.driver_type.as_deref()),
            ],
            &[(key, self.source.as_deref())],
            &[
                ("dev", Some(&self.target_dev)),
                ("bus", self.target_bus.as_deref()),
            ],
        ];
        let have = merge_disk_parts(&self.extra, typed, |part| {
            kids.push(part.unwrap_or_else(Element::clone))
        });
        for ((tag, attrs), have) in DISK_PARTS.into_iter().zip(typed).zip(have) {
            if !have {
                kids.extend(merge(&Element::new(tag), attrs));
            }
        }
        if self.readonly {
            kids.push(Element::new("readonly"));
        }
        if self.shareable {
            kids.push(Element::new("shareable"));
        }
        sort_children(DISK_ORDER, &mut kids);
        place_unknown(&mut kids, &self.unknown);
        disk.children = kids.into_iter().map(Node::Element).collect();
        disk
    }
}

impl Interface {
    /// Hands `each` the children of `<interface>` before sorting: the
    /// stored ones in their order, the first `<mac>`, `<script>`,
    /// `<target>`, `<model>`, `<ip>` and `<source>` among them carrying
    /// the typed value (one whose last attribute the typed value empties
    /// dropped), then the typed values no stored child carried. Both
    /// writers build from this one walk.
    fn children<'a>(&'a self, mut each: impl FnMut(InterfacePart<'a>)) {
        // The children whose one attribute is a model field.
        let simple: [(&'static str, &'static str, &'a Option<String>); 5] = [
            ("mac", "address", &self.mac),
            ("script", "path", &self.script),
            ("target", "dev", &self.target_dev),
            ("model", "type", &self.model),
            ("ip", "address", &self.ip),
        ];
        let mut have = [false; 5];
        let mut have_source = false;
        for e in &self.extra {
            if let Some(i) = simple.iter().position(|(t, _, _)| *t == e.name) {
                if !have[i] {
                    have[i] = true;
                    let (_, attr, value) = simple[i];
                    if let Some(mut m) = merge(e, &[(attr, value.as_deref())]) {
                        // A generated MAC address goes before the
                        // type and check given, as libvirt writes it.
                        let at = m.attrs.iter().position(|(k, _)| k == attr);
                        if let Some(at) = at.filter(|_| i == 0) {
                            m.attrs[..=at].rotate_right(1);
                        }
                        each(InterfacePart::Merged(m));
                    }
                    continue;
                }
            }
            if e.name == "source" && !have_source {
                have_source = true;
                let mut s = e.clone();
                s.attrs = self.source.clone();
                // An empty <source/> is never written (libvirt keeps
                // nothing of it).
                if !s.attrs.is_empty() || s.elements().next().is_some() {
                    each(InterfacePart::Merged(s));
                }
                continue;
            }
            each(InterfacePart::Stored(e));
        }
        for ((tag, attr, value), have) in simple.into_iter().zip(have) {
            if let (false, Some(v)) = (have, value) {
                each(InterfacePart::Field(tag, attr, v));
            }
        }
        if !have_source && !self.source.is_empty() {
            each(InterfacePart::Source);
        }
    }

    /// `<interface>` in libvirt's order.
    pub fn to_element(&self) -> Element {
        let mut iface = Element::new("interface");
        if !self.iface_type.is_empty() {
            iface.attrs.push(("type".into(), self.iface_type.clone()));
        }
        iface.attrs.extend(self.attrs.iter().cloned());
        let mut kids = Vec::with_capacity(6 + self.extra.len());
        self.children(|part| {
            kids.push(match part {
                InterfacePart::Merged(e) => e,
                InterfacePart::Stored(e) => e.clone(),
                InterfacePart::Field(tag, attr, v) => Element::new(tag).with_attr(attr, v),
                InterfacePart::Source => {
                    let mut s = Element::new("source");
                    s.attrs = self.source.clone();
                    s
                }
            })
        });
        sort_children(INTERFACE_ORDER, &mut kids);
        place_unknown(&mut kids, &self.unknown);
        iface.children = kids.into_iter().map(Node::Element).collect();
        iface
    }
}

impl Graphics {
    /// `<graphics>`; without `secure` the password is left out, as libvirt does.
    pub fn to_element(&self, opts: &FormatOptions) -> Element {
        let mut g = Element::new("graphics").with_attr("type", self.graphics_type.as_str());
        g.attrs.extend(
            self.attrs
                .iter()
                .filter(|(k, _)| opts.secure || k != "passwd")
                .cloned(),
        );
        g.children = self.extra.iter().cloned().map(Node::Element).collect();
        g
    }
}

impl CharDev {
    /// The character device element.
    pub fn to_element(&self) -> Element {
        let mut c = Element::new(self.kind.as_str());
        if let Some(t) = &self.dev_type {
            c.attrs.push(("type".into(), t.clone()));
        }
        if let Some(t) = &self.tty {
            c.attrs.push(("tty".into(), t.clone()));
        }
        c.attrs.extend(self.attrs.iter().cloned());
        c.children = self.extra.iter().cloned().map(Node::Element).collect();
        c
    }
}

/// The disk parts whose attributes the model types: `<driver>` (name,
/// type), `<source>` (its file, dev, ... attribute), `<target>` (dev,
/// bus).
const DISK_PARTS: [&str; 3] = ["driver", "source", "target"];

/// Walk a disk's stored children in order: the first of each of
/// [`DISK_PARTS`] with the model's `typed` attributes merged in (`Ok`,
/// left out when nothing is left of it), the others as stored (`Err`).
/// Says which of the parts the disk stores.
fn merge_disk_parts<'a>(
    extra: &'a [Element],
    typed: [&[(&str, Option<&str>)]; 3],
    mut each: impl FnMut(Result<Element, &'a Element>),
) -> [bool; 3] {
    let mut have = [false; 3];
    for e in extra {
        match DISK_PARTS.iter().position(|p| *p == e.name) {
            Some(i) if !have[i] => {
                have[i] = true;
                if let Some(merged) = merge(e, typed[i]) {
                    each(Ok(merged));
                }
            }
            _ => each(Err(e)),
        }
    }
    have
}

/// `full` with the typed attribute values put in (in place; one it lacks
/// right after the typed attribute before it, as libvirt writes a
/// target's bus after its name, or appended when it is the first), or
/// removed when `None`; `None` when nothing is left to write.
fn merge(full: &Element, typed: &[(&str, Option<&str>)]) -> Option<Element> {
    let mut e = full.clone();
    let mut after: Option<usize> = None;
    for (name, value) in typed {
        let at = e.attrs.iter().position(|(k, _)| k == name);
        match (value, at) {
            (Some(v), Some(i)) => {
                e.attrs[i].1 = (*v).to_string();
                after = Some(i);
            }
            (Some(v), None) => {
                let i = after.map_or(e.attrs.len(), |i| i + 1);
                e.attrs.insert(i, ((*name).into(), (*v).to_string()));
                after = Some(i);
            }
            (None, Some(i)) => {
                e.attrs.remove(i);
                after = after.map(|a| if a > i { a - 1 } else { a });
            }
            (None, None) => {}
        }
    }
    (!e.is_empty()).then_some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where this thread's spare lists of children are and how large.
    fn spare_lists() -> Vec<(usize, usize)> {
        SPARE.with(|s| {
            let lists = s.take();
            let seen = lists
                .iter()
                .map(|l| (l.as_ptr() as usize, l.capacity()))
                .collect();
            s.set(lists);
            seen
        })
    }

    /// A dump after the first writes the same text with the lists of
    /// children the first gave back, one per level, allocating none.
    #[test]
    fn the_next_dump_reuses_the_lists_of_children() -> Result<(), crate::XmlError> {
        let xml = "<domain type='test'><name>a</name><memory>1024</memory><vcpu>1</vcpu>\
                   <os><type>hvm</type><boot dev='hd'/></os><devices>\
                   <disk type='file' device='disk'><source file='/a.img'/><target dev='vda'/></disk>\
                   <interface type='network'><source network='default'/></interface>\
                   </devices></domain>";
        let def = crate::parse_domain(xml)?;
        let opts = FormatOptions {
            inactive: true,
            ..FormatOptions::default()
        };
        let first = def.to_xml(&opts);
        let after_first = spare_lists();
        // <domain>, then <os> or <devices>, then a disk or interface.
        assert!(after_first.len() >= 3, "{after_first:?}");
        assert!(after_first.iter().all(|&(_, cap)| cap > 0));
        let second = def.to_xml(&opts);
        assert_eq!(first, second);
        assert_eq!(spare_lists(), after_first);
        assert!(
            first.contains("<disk type='file' device='disk'>"),
            "{first}"
        );
        Ok(())
    }
}
