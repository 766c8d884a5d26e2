//! The generic element tree: building, querying and writing it in
//! libvirt's layout (two-space indent, single-quoted attributes).

use crate::model::{Element, Name, Node};

impl Element {
    /// An element with no attributes and no children.
    pub fn new(name: impl Into<Name>) -> Self {
        Element {
            name: name.into(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// This element with one more attribute (builder style).
    pub fn with_attr(mut self, name: impl Into<Name>, value: impl Into<String>) -> Self {
        self.attrs.push((name.into(), value.into()));
        self
    }

    /// This element with one more attribute when there is a value
    /// (builder style: an option left out writes nothing).
    pub fn with_attr_opt(self, name: impl Into<Name>, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.with_attr(name, v),
            None => self,
        }
    }

    /// This element with one more child element (builder style).
    pub fn with_child(mut self, child: Element) -> Self {
        self.children.push(Node::Element(child));
        self
    }

    /// This element with text content appended (builder style); an empty
    /// text adds nothing (a lone empty text node is the writer's mark of
    /// an element written with its end tag, see [`Element::write_xml`]).
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        let text = text.into();
        if !text.is_empty() {
            self.children.push(Node::Text(text));
        }
        self
    }

    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The values of the attributes `slot` places (the index it gives a
    /// name; the first of each), found in one pass over the attributes:
    /// the define-time checks read several attributes of every device, and
    /// a `match` on each attribute's name costs less than one search of
    /// the attributes per name read.
    pub(crate) fn attr_values<const N: usize>(
        &self,
        slot: impl Fn(&str) -> Option<usize>,
    ) -> [Option<&str>; N] {
        let mut values = [None; N];
        for (k, v) in &self.attrs {
            if let Some(value) = slot(k).and_then(|i| values.get_mut(i)) {
                value.get_or_insert(v.as_str());
            }
        }
        values
    }

    /// Set attribute `name`, replacing its value in place or appending it.
    pub fn set_attr(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.attrs.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((name.into(), value)),
        }
    }

    /// Remove attribute `name`, returning its value.
    pub fn remove_attr(&mut self, name: &str) -> Option<String> {
        let i = self.attrs.iter().position(|(k, _)| k == name)?;
        Some(self.attrs.remove(i).1)
    }

    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// The child elements called `name`, in order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.elements().filter(move |e| e.name == name)
    }

    /// The child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The text directly inside this element (child elements' text excluded).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                out.push_str(t);
            }
        }
        out
    }

    /// Replace the content of this element by `text` (none when empty).
    pub fn set_text(&mut self, text: impl Into<String>) {
        self.children.clear();
        let text = text.into();
        if !text.is_empty() {
            self.children.push(Node::Text(text));
        }
    }

    /// True when the element has neither attributes nor children.
    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty() && self.children.is_empty()
    }

    /// The element as XML, its first line indented by `indent` spaces, every
    /// line ending in a newline (libvirt's layout).
    pub fn to_xml(&self, indent: usize) -> String {
        let mut out = String::with_capacity(64);
        self.write_xml(&mut out, indent);
        out
    }

    /// Append the element as XML to `out` (see [`Element::to_xml`]). An
    /// element without content is written `<x/>`, but one whose only
    /// child is an empty text `<x></x>`, as libvirt writes an empty value
    /// it escapes between tags.
    pub fn write_xml(&self, out: &mut String, indent: usize) {
        push_indent(out, indent);
        out.push('<');
        out.push_str(&self.name);
        for (k, v) in &self.attrs {
            out.push(' ');
            out.push_str(k);
            out.push_str("='");
            escape_into(out, v);
            out.push('\'');
        }
        let has_elements = self.children.iter().any(|n| matches!(n, Node::Element(_)));
        if !has_elements {
            let text = self
                .children
                .iter()
                .any(|n| matches!(n, Node::Text(t) if !t.is_empty()));
            // One empty text is an element libvirt writes with its end
            // tag though it holds nothing (`<table type='slic'></table>`).
            let pair = matches!(self.children.as_slice(), [Node::Text(t)] if t.is_empty());
            // virDomainHostdevDefFormat writes a host device's tags on
            // lines of their own even with nothing between them (a USB
            // one whose source names nothing).
            if self.children.is_empty() && self.name == "hostdev" {
                out.push_str(">\n");
                push_indent(out, indent);
                out.push_str("</hostdev>\n");
                return;
            }
            if !text && !pair {
                out.push_str("/>\n");
                return;
            }
            out.push('>');
            for n in &self.children {
                if let Node::Text(t) = n {
                    escape_into(out, t);
                }
            }
            out.push_str("</");
            out.push_str(&self.name);
            out.push_str(">\n");
            return;
        }
        out.push_str(">\n");
        // libvirt hands <metadata> content to libxml2's own dumper, which
        // double-quotes attributes and escapes differently.
        let foreign = self.name == "metadata";
        for n in &self.children {
            match n {
                Node::Element(e) if foreign => {
                    push_indent(out, indent + 2);
                    e.write_libxml2(out, indent + 2);
                    out.push('\n');
                }
                Node::Element(e) => e.write_xml(out, indent + 2),
                // Whitespace between elements is layout, not content: the
                // writer lays the children out itself.
                Node::Text(t) if t.trim().is_empty() => {}
                Node::Text(t) => {
                    push_indent(out, indent + 2);
                    escape_into(out, t.trim());
                    out.push('\n');
                }
            }
        }
        push_indent(out, indent);
        out.push_str("</");
        out.push_str(&self.name);
        out.push_str(">\n");
    }
}

impl Element {
    /// The element as libxml2's xmlNodeDump writes it with formatting on
    /// (what virsh prints of a document it edited): double-quoted
    /// attributes, no trailing newline.
    pub fn to_libxml2(&self) -> String {
        let mut out = String::new();
        self.write_libxml2(&mut out, 0);
        out
    }

    /// Write the element as libxml2's xmlNodeDump does with formatting on:
    /// double-quoted attributes; children indented only when the element
    /// holds no text. No trailing newline.
    fn write_libxml2(&self, out: &mut String, indent: usize) {
        out.push('<');
        out.push_str(&self.name);
        for (k, v) in &self.attrs {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            for c in v.chars() {
                match c {
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '&' => out.push_str("&amp;"),
                    '"' => out.push_str("&quot;"),
                    '\n' => out.push_str("&#10;"),
                    '\r' => out.push_str("&#13;"),
                    '\t' => out.push_str("&#9;"),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        let has_text = self.children.iter().any(|n| matches!(n, Node::Text(_)));
        for n in &self.children {
            match n {
                Node::Text(t) => {
                    for c in t.chars() {
                        match c {
                            '<' => out.push_str("&lt;"),
                            '>' => out.push_str("&gt;"),
                            '&' => out.push_str("&amp;"),
                            '\r' => out.push_str("&#13;"),
                            c => out.push(c),
                        }
                    }
                }
                Node::Element(e) if has_text => e.write_libxml2(out, indent),
                Node::Element(e) => {
                    out.push('\n');
                    push_indent(out, indent + 2);
                    e.write_libxml2(out, indent + 2);
                }
            }
        }
        if !has_text {
            out.push('\n');
            push_indent(out, indent);
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

/// Append `n` spaces.
pub(crate) fn push_indent(out: &mut String, n: usize) {
    // One copy of a run of spaces rather than a push (and its capacity
    // check) per space: every line of a definition starts with one.
    const SPACES: &str = "                                ";
    let mut left = n;
    while left > SPACES.len() {
        out.push_str(SPACES);
        left -= SPACES.len();
    }
    out.push_str(&SPACES[..left]);
}

/// `s` escaped the way libvirt escapes text and attribute values (the five
/// XML specials become entities).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// Append `s` escaped the way libvirt escapes both text and attribute
/// values: the five XML specials become entities.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    // Nearly every value has no special: found with one table look-up a
    // byte, it is copied whole.
    let bytes = s.as_bytes();
    let Some(first) = bytes.iter().position(|&b| SPECIAL[usize::from(b)]) else {
        out.push_str(s);
        return;
    };
    let mut last = 0;
    for (i, &b) in bytes.iter().enumerate().skip(first) {
        let rep = match b {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// The bytes [`escape_into`] writes as entities.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'&' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_special_wherever_it_is() {
        for (given, written) in [
            ("", ""),
            ("plain /path_1", "plain /path_1"),
            ("<", "&lt;"),
            ("a<b>c&d\"e'f", "a&lt;b&gt;c&amp;d&quot;e&apos;f"),
            ("x'", "x&apos;"),
            ("é&ü", "é&amp;ü"),
        ] {
            let mut out = String::from(">");
            escape_into(&mut out, given);
            assert_eq!(out, format!(">{written}"), "{given}");
        }
    }

    #[test]
    fn indents_any_depth() {
        for n in [0, 1, 31, 32, 33, 64, 70] {
            let mut out = String::from("x");
            push_indent(&mut out, n);
            assert_eq!(out.len(), n + 1, "{n}");
            assert!(out[1..].bytes().all(|b| b == b' '), "{n}");
        }
        let deep = (0..20).fold(Element::new("leaf"), |e, _| Element::new("n").with_child(e));
        let xml = deep.to_xml(0);
        assert!(
            xml.contains(&format!("\n{}<leaf/>\n", " ".repeat(40))),
            "{xml}"
        );
    }

    #[test]
    fn writes_libvirt_layout() {
        let e = Element::new("disk")
            .with_attr("type", "file")
            .with_child(Element::new("source").with_attr("file", "/a&'b"))
            .with_child(Element::new("serial").with_text("x<y"));
        assert_eq!(
            e.to_xml(2),
            "  <disk type='file'>\n    <source file='/a&amp;&apos;b'/>\n    <serial>x&lt;y</serial>\n  </disk>\n"
        );
    }

    #[test]
    fn queries() {
        let mut e = Element::new("a")
            .with_attr("x", "1")
            .with_child(Element::new("b"));
        assert_eq!(e.attr("x"), Some("1"));
        assert!(e.child("b").is_some());
        assert_eq!(e.children_named("b").count(), 1);
        e.set_attr("x", "2");
        e.set_attr("y", "3");
        assert_eq!(
            e.attrs,
            vec![("x".into(), "2".into()), ("y".into(), "3".into())]
        );
        assert_eq!(e.remove_attr("x").as_deref(), Some("2"));
    }
}
