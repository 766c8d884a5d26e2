//! Writing a [`DomainDef`] in libvirt's layout (virDomainDefFormat):
//! libvirt's element order, units spelled out, defaults made explicit.

use crate::element::{escape_into, push_indent};
use crate::model::*;
use crate::order::{
    place_unknown, rank, sort_children, DEVICE_ORDER, DISK_ORDER, DOMAIN_ORDER, INTERFACE_ORDER,
    OS_ORDER,
};
use crate::parse::disk_source_key;

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
        let root = self.root_element(opts);
        let kids = self.kids(opts);
        write_with_kids(&root, &kids, &mut out, 0, opts);
        out
    }

    /// The definition as an element tree in libvirt's order.
    pub fn to_element(&self, opts: &FormatOptions) -> Element {
        let mut root = self.root_element(opts);
        root.children = self
            .kids(opts)
            .into_iter()
            .map(|k| Node::Element(k.into_owned(opts)))
            .collect();
        root
    }

    /// `<domain>` with its attributes, no children.
    fn root_element(&self, opts: &FormatOptions) -> Element {
        let mut root = Element::new("domain").with_attr("type", self.domain_type.as_str());
        if let (Some(id), false) = (opts.id, opts.inactive) {
            root.attrs.push(("id".into(), id.to_string()));
        }
        root.attrs.extend(self.attrs.iter().cloned());
        root
    }

    /// The children of `<domain>` in libvirt's order, borrowing what is
    /// written as stored.
    fn kids<'a>(&'a self, opts: &FormatOptions) -> Vec<Kid<'a>> {
        let _ = opts;
        let mut kids: Vec<Kid<'a>> = Vec::with_capacity(16 + self.extra.len());
        kids.push(Kid::Owned(text_el("name", &self.name)));
        if let Some(u) = &self.uuid {
            kids.push(Kid::Owned(text_el("uuid", &u.to_string())));
        }
        if let Some(t) = &self.title {
            kids.push(Kid::Owned(text_el("title", t)));
        }
        if let Some(d) = &self.description {
            kids.push(Kid::Owned(text_el("description", d)));
        }
        if let Some((size, slots)) = self.max_memory {
            let mut e = Element::new("maxMemory");
            if let Some(s) = slots {
                e.attrs.push(("slots".into(), s.to_string()));
            }
            kids.push(Kid::Owned(
                e.with_attr("unit", "KiB").with_text(size.to_string()),
            ));
        }
        kids.push(Kid::Owned(
            Element::new("memory")
                .with_attr("unit", "KiB")
                .with_text(self.memory.to_string()),
        ));
        kids.push(Kid::Owned(
            Element::new("currentMemory")
                .with_attr("unit", "KiB")
                .with_text(self.current_memory.unwrap_or(self.memory).to_string()),
        ));
        kids.push(Kid::Owned(self.vcpu_element()));
        if let Some(b) = &self.bootloader {
            kids.push(Kid::Owned(text_el("bootloader", b)));
        }
        if let Some(b) = &self.bootloader_args {
            kids.push(Kid::Owned(text_el("bootloader_args", b)));
        }
        kids.push(Kid::Owned(self.os.to_element()));
        if let Some(features) = &self.features {
            kids.push(Kid::Features(features));
        }
        if !self.extra.iter().any(|e| e.name == "clock") {
            kids.push(Kid::Owned(Element::new("clock").with_attr("offset", "utc")));
        }
        for (tag, action) in [
            ("on_poweroff", self.on_poweroff),
            ("on_reboot", self.on_reboot),
            ("on_crash", self.on_crash),
        ] {
            if let Some(a) = action {
                kids.push(Kid::Owned(text_el(tag, a.name())));
            }
        }
        kids.push(Kid::Devices(&self.devices));
        kids.extend(self.extra.iter().map(Kid::Borrowed));
        kids.sort_by_key(|k| rank(DOMAIN_ORDER, k.name()));
        place_unknown_kids(&mut kids, &self.unknown);
        kids
    }

    fn vcpu_element(&self) -> Element {
        let mut e = Element::new("vcpu");
        if let Some(p) = &self.vcpu.placement {
            e.attrs.push(("placement".into(), p.clone()));
        }
        if let Some(c) = &self.vcpu.cpuset {
            e.attrs.push(("cpuset".into(), c.clone()));
        }
        if let Some(c) = self.vcpu.current {
            e.attrs.push(("current".into(), c.to_string()));
        }
        e.with_text(self.vcpu.max.to_string())
    }
}

impl Os {
    /// `<os>` in libvirt's order.
    pub fn to_element(&self) -> Element {
        let mut os = Element::new("os");
        os.attrs = self.attrs.clone();
        let mut kids = Vec::with_capacity(8 + self.extra.len());
        let mut t = Element::new("type");
        if let Some(a) = &self.arch {
            t.attrs.push(("arch".into(), a.clone()));
        }
        if let Some(m) = &self.machine {
            t.attrs.push(("machine".into(), m.clone()));
        }
        kids.push(t.with_text(self.os_type.as_str()));
        let full_loader = self.extra.iter().any(|e| e.name == "loader");
        if let (Some(l), false) = (&self.loader, full_loader) {
            kids.push(text_el("loader", l));
        }
        for (tag, v) in [
            ("kernel", &self.kernel),
            ("initrd", &self.initrd),
            ("cmdline", &self.cmdline),
            ("root", &self.root),
        ] {
            if let Some(v) = v {
                kids.push(text_el(tag, v));
            }
        }
        for dev in &self.boot {
            kids.push(Element::new("boot").with_attr("dev", dev.as_str()));
        }
        for e in &self.extra {
            if e.name == "loader" {
                match &self.loader {
                    Some(l) => {
                        let mut e = e.clone();
                        e.set_text(l.as_str());
                        kids.push(e);
                    }
                    None => continue,
                }
            } else {
                kids.push(e.clone());
            }
        }
        sort_children(OS_ORDER, &mut kids);
        place_unknown(&mut kids, &self.unknown);
        os.children = kids.into_iter().map(Node::Element).collect();
        os
    }
}

impl Devices {
    /// `<devices>` in libvirt's order.
    pub fn to_element(&self, opts: &FormatOptions) -> Element {
        let mut d = Element::new("devices");
        d.children = self
            .kids()
            .into_iter()
            .map(|k| Node::Element(k.into_owned(opts)))
            .collect();
        if d.children.is_empty() {
            // libvirt always opens and closes <devices> on two lines.
            d.children.push(Node::Text("\n  ".into()));
        }
        d
    }

    /// The devices in libvirt's order, borrowing the generic ones.
    fn kids(&self) -> Vec<Kid<'_>> {
        let mut kids = Vec::with_capacity(
            1 + self.disks.len()
                + self.interfaces.len()
                + self.graphics.len()
                + self.chardevs.len()
                + self.other.len(),
        );
        if let Some(e) = &self.emulator {
            kids.push(Kid::Owned(text_el("emulator", e)));
        }
        kids.extend(self.disks.iter().map(|d| Kid::Owned(d.to_element())));
        kids.extend(self.interfaces.iter().map(|i| Kid::Owned(i.to_element())));
        kids.extend(self.chardevs.iter().map(|c| Kid::Owned(c.to_element())));
        kids.extend(self.graphics.iter().map(Kid::Graphics));
        kids.extend(self.other.iter().map(Kid::Borrowed));
        kids.sort_by_key(|k| rank(DEVICE_ORDER, k.name()));
        place_unknown_kids(&mut kids, &self.unknown);
        kids
    }
}

/// A child element to write: built for the occasion, or borrowed from the
/// definition (generic content is written as stored, without a copy).
enum Kid<'a> {
    /// Built from typed fields.
    Owned(Element),
    /// Stored generic content.
    Borrowed(&'a Element),
    /// `<features>` children.
    Features(&'a [Element]),
    /// `<devices>`.
    Devices(&'a Devices),
    /// A `<graphics>` (its password depends on the options).
    Graphics(&'a Graphics),
}

impl Kid<'_> {
    fn name(&self) -> &str {
        match self {
            Kid::Owned(e) => &e.name,
            Kid::Borrowed(e) => &e.name,
            Kid::Features(_) => "features",
            Kid::Devices(_) => "devices",
            Kid::Graphics(_) => "graphics",
        }
    }

    fn into_owned(self, opts: &FormatOptions) -> Element {
        match self {
            Kid::Owned(e) => e,
            Kid::Borrowed(e) => e.clone(),
            Kid::Features(f) => {
                let mut e = Element::new("features");
                e.children = f.iter().cloned().map(Node::Element).collect();
                e
            }
            Kid::Devices(d) => d.to_element(opts),
            Kid::Graphics(g) => g.to_element(opts),
        }
    }

    fn write(&self, out: &mut String, indent: usize, opts: &FormatOptions) {
        match self {
            Kid::Owned(e) => e.write_xml(out, indent),
            Kid::Borrowed(e) => e.write_xml(out, indent),
            Kid::Features(f) => {
                let kids: Vec<Kid<'_>> = f.iter().map(Kid::Borrowed).collect();
                let e = Element::new("features");
                write_with_kids(&e, &kids, out, indent, opts);
            }
            Kid::Devices(d) => {
                let kids = d.kids();
                if kids.is_empty() {
                    push_indent(out, indent);
                    out.push_str("<devices>\n");
                    push_indent(out, indent);
                    out.push_str("</devices>\n");
                } else {
                    write_with_kids(&Element::new("devices"), &kids, out, indent, opts);
                }
            }
            Kid::Graphics(g) => g.to_element(opts).write_xml(out, indent),
        }
    }
}

/// Write `e`'s start tag (with its attributes), then `kids`, then its end
/// tag, in libvirt's layout; an empty element is written `<e/>`.
fn write_with_kids(
    e: &Element,
    kids: &[Kid<'_>],
    out: &mut String,
    indent: usize,
    opts: &FormatOptions,
) {
    if kids.is_empty() {
        e.write_xml(out, indent);
        return;
    }
    push_indent(out, indent);
    out.push('<');
    out.push_str(&e.name);
    for (k, v) in &e.attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("='");
        escape_into(out, v);
        out.push('\'');
    }
    out.push_str(">\n");
    for k in kids {
        k.write(out, indent + 2, opts);
    }
    push_indent(out, indent);
    out.push_str("</");
    out.push_str(&e.name);
    out.push_str(">\n");
}

/// [`place_unknown`] for borrowed children.
fn place_unknown_kids<'a>(kids: &mut Vec<Kid<'a>>, unknown: &'a [Unknown]) {
    for u in unknown {
        let at = match &u.after {
            None => 0,
            Some((name, occ)) => kids
                .iter()
                .enumerate()
                .filter(|(_, k)| k.name() == name)
                .nth(*occ)
                .map_or(kids.len(), |(i, _)| i + 1),
        };
        kids.insert(at, Kid::Borrowed(&u.element));
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
        let driver_attrs = [("name", &self.driver_name), ("type", &self.driver_type)];
        let source_attrs = [(key, &self.source)];
        let target_dev = Some(self.target_dev.clone());
        let target_attrs = [("dev", &target_dev), ("bus", &self.target_bus)];
        let mut have = [false; 3];
        for e in &self.extra {
            let merged = match e.name.as_str() {
                "driver" if !have[0] => {
                    have[0] = true;
                    merge(e, &driver_attrs)
                }
                "source" if !have[1] => {
                    have[1] = true;
                    merge(e, &source_attrs)
                }
                "target" if !have[2] => {
                    have[2] = true;
                    merge(e, &target_attrs)
                }
                _ => Some(e.clone()),
            };
            kids.extend(merged);
        }
        for (i, (tag, attrs)) in [
            ("driver", &driver_attrs[..]),
            ("source", &source_attrs[..]),
            ("target", &target_attrs[..]),
        ]
        .into_iter()
        .enumerate()
        {
            if !have[i] {
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
    /// `<interface>` in libvirt's order.
    pub fn to_element(&self) -> Element {
        let mut iface = Element::new("interface");
        if !self.iface_type.is_empty() {
            iface.attrs.push(("type".into(), self.iface_type.clone()));
        }
        iface.attrs.extend(self.attrs.iter().cloned());
        let simple: [(&str, &str, &Option<String>); 5] = [
            ("mac", "address", &self.mac),
            ("script", "path", &self.script),
            ("target", "dev", &self.target_dev),
            ("model", "type", &self.model),
            ("ip", "address", &self.ip),
        ];
        let mut kids = Vec::with_capacity(6 + self.extra.len());
        let mut have = [false; 6];
        for e in &self.extra {
            if let Some(i) = simple.iter().position(|(t, _, _)| *t == e.name) {
                if !have[i] {
                    have[i] = true;
                    let (_, attr, value) = simple[i];
                    kids.extend(merge(e, &[(attr, value)]));
                    continue;
                }
            }
            if e.name == "source" && !have[5] {
                have[5] = true;
                let mut s = e.clone();
                s.attrs = self.source.clone();
                kids.push(s);
                continue;
            }
            kids.push(e.clone());
        }
        for (i, (tag, attr, value)) in simple.iter().enumerate() {
            if !have[i] {
                if let Some(v) = value {
                    kids.push(Element::new(*tag).with_attr(*attr, v.as_str()));
                }
            }
        }
        if !have[5] && !self.source.is_empty() {
            let mut s = Element::new("source");
            s.attrs = self.source.clone();
            kids.push(s);
        }
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

/// `<tag>text</tag>`.
fn text_el(tag: &str, text: &str) -> Element {
    Element::new(tag).with_text(text)
}

/// `full` with the typed attribute values put in (in place, or appended),
/// or removed when `None`; `None` when nothing is left to write.
fn merge(full: &Element, typed: &[(&str, &Option<String>)]) -> Option<Element> {
    let mut e = full.clone();
    for (name, value) in typed {
        match value {
            Some(v) => e.set_attr(name, v.as_str()),
            None => {
                e.remove_attr(name);
            }
        }
    }
    (!e.is_empty()).then_some(e)
}
