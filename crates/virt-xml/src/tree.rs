//! A borrowed, flat document tree: what the reader builds and the domain
//! parser types from. Names and plain values point into the source text
//! and every node and attribute lives in one of two vectors, so reading a
//! document costs a handful of allocations instead of one per name,
//! attribute and text; owned [`Element`]s are made only for the content
//! the model keeps as generic XML.

use std::borrow::Cow;
use std::cell::Cell;

use crate::model::{Attr, Element, Name, Node};

/// No node (end of a sibling list).
const NONE: u32 = u32::MAX;

/// One node: an element (non-empty name) or a text.
struct RawNode<'a> {
    /// Tag name; empty for a text node.
    name: &'a str,
    is_text: bool,
    /// Character data of a text node (unescaped).
    text: Cow<'a, str>,
    /// The element's attributes: `attrs[from..to]` of the document.
    attrs_from: u32,
    attrs_to: u32,
    first: u32,
    last: u32,
    next: u32,
}

/// A whole document: nodes in document order (the root first).
pub(crate) struct Doc<'a> {
    nodes: Vec<RawNode<'a>>,
    attrs: Vec<(&'a str, Cow<'a, str>)>,
}

/// The emptied node and attribute lists of a document read and dropped,
/// kept for the next one read on the same thread: two allocations of a
/// few kilobytes less per document, and no large request for glibc's
/// malloc, which answers one by first merging every small chunk freed
/// since (`malloc_consolidate`: about 6k instructions per corpus file).
type Spare = (
    Vec<RawNode<'static>>,
    Vec<(&'static str, Cow<'static, str>)>,
);

/// Lists larger than this many nodes (a huge document's) are freed, not
/// kept: a thread holds at most about a megabyte for the next document.
const SPARE_NODES: usize = 16 * 1024;

thread_local! {
    static SPARE: Cell<Spare> = const { Cell::new((Vec::new(), Vec::new())) };
}

impl Drop for Doc<'_> {
    // The `filter_map` to nothing is the point: it changes the lists'
    // lifetime, which a plain `clear` cannot.
    #[allow(clippy::unnecessary_filter_map)]
    fn drop(&mut self) {
        let nodes = std::mem::take(&mut self.nodes);
        let attrs = std::mem::take(&mut self.attrs);
        if nodes.capacity() > SPARE_NODES || attrs.capacity() > SPARE_NODES {
            return;
        }
        // Emptied, the lists hold nothing that borrows the source: the
        // collect drops every entry and keeps the allocation (std's
        // in-place collect of a vector into one of the same layout).
        let nodes: Vec<RawNode<'static>> = nodes.into_iter().filter_map(|_| None).collect();
        let attrs = attrs.into_iter().filter_map(|_| None).collect();
        // (At the thread's end the lists are simply freed.)
        let _ = SPARE.try_with(|s| s.set((nodes, attrs)));
    }
}

impl<'a> Doc<'a> {
    /// An empty document with room for a source of `len` bytes.
    pub(crate) fn with_source_len(len: usize) -> Self {
        Doc {
            nodes: Vec::with_capacity(len / 24 + 4),
            attrs: Vec::with_capacity(len / 40 + 4),
        }
    }

    /// An empty document with room for the nodes of a usual document of
    /// `src`'s size (domain XML runs 20-40 bytes a node; a denser one
    /// grows the list, once per thread, see below). Counting the `<`s
    /// for an exact size cost a pass over every byte of every document.
    ///
    /// The lists are the ones the last document read on this thread left
    /// (see [`Spare`]) when it has them: a definition read after another
    /// (a daemon's defines, a corpus) allocates no list at all.
    pub(crate) fn for_source(src: &str) -> Self {
        let (mut nodes, mut attrs) = SPARE.try_with(Cell::take).unwrap_or_default();
        nodes.reserve(src.len() / 16 + 4);
        attrs.reserve(src.len() / 40 + 4);
        Doc { nodes, attrs }
    }

    /// The same tree, borrowing from `e`.
    pub(crate) fn from_element(e: &'a Element) -> Self {
        let mut doc = Doc::with_source_len(0);
        doc.copy_in(e, None);
        doc
    }

    fn copy_in(&mut self, e: &'a Element, parent: Option<usize>) {
        let i = self.open(&e.name, parent);
        for (k, v) in &e.attrs {
            self.attrs.push((k, Cow::Borrowed(v)));
        }
        self.close_attrs(i);
        for n in &e.children {
            match n {
                Node::Element(c) => self.copy_in(c, Some(i)),
                Node::Text(t) => self.push_text_node(i, Cow::Borrowed(t)),
            }
        }
    }

    /// Add an element under `parent` (or the root); its attributes are the
    /// ones pushed next, up to [`Doc::close_attrs`].
    pub(crate) fn open(&mut self, name: &'a str, parent: Option<usize>) -> usize {
        let at = self.attrs.len() as u32;
        self.push_node(
            parent,
            RawNode {
                name,
                is_text: false,
                text: Cow::Borrowed(""),
                attrs_from: at,
                attrs_to: at,
                first: NONE,
                last: NONE,
                next: NONE,
            },
        )
    }

    /// The attributes of the last opened element.
    pub(crate) fn pending_attrs(&self, element: usize) -> &[(&'a str, Cow<'a, str>)] {
        let from = self.nodes.get(element).map_or(0, |n| n.attrs_from as usize);
        self.attrs.get(from..).unwrap_or_default()
    }

    /// Push one attribute of the last opened element.
    pub(crate) fn push_attr(&mut self, name: &'a str, value: Cow<'a, str>) {
        self.attrs.push((name, value));
    }

    /// End the attribute list of `element` (the last opened one).
    pub(crate) fn close_attrs(&mut self, element: usize) {
        let to = self.attrs.len() as u32;
        if let Some(n) = self.nodes.get_mut(element) {
            n.attrs_to = to;
        }
    }

    /// Append text to `parent`, merging with a text node right before it
    /// (entities and CDATA split text into several events).
    pub(crate) fn push_text(&mut self, parent: usize, text: Cow<'a, str>) {
        let last = self.nodes.get(parent).map_or(NONE, |n| n.last);
        if let Some(prev) = self.nodes.get_mut(last as usize) {
            if prev.is_text {
                prev.text.to_mut().push_str(&text);
                return;
            }
        }
        self.push_text_node(parent, text);
    }

    /// Append a text node to `parent`, as it is.
    fn push_text_node(&mut self, parent: usize, text: Cow<'a, str>) {
        self.push_node(
            Some(parent),
            RawNode {
                name: "",
                is_text: true,
                text,
                attrs_from: 0,
                attrs_to: 0,
                first: NONE,
                last: NONE,
                next: NONE,
            },
        );
    }

    /// True when `element` has no child nodes yet.
    pub(crate) fn childless(&self, element: usize) -> bool {
        self.nodes.get(element).is_none_or(|n| n.first == NONE)
    }

    fn push_node(&mut self, parent: Option<usize>, node: RawNode<'a>) -> usize {
        let i = self.nodes.len();
        self.nodes.push(node);
        if let Some(p) = parent {
            let last = match self.nodes.get_mut(p) {
                Some(pn) => {
                    let last = pn.last;
                    if pn.first == NONE {
                        pn.first = i as u32;
                    }
                    pn.last = i as u32;
                    last
                }
                None => NONE,
            };
            if let Some(prev) = self.nodes.get_mut(last as usize) {
                prev.next = i as u32;
            }
        }
        i
    }

    /// The root element (the first node).
    pub(crate) fn root(&self) -> NodeRef<'_, 'a> {
        NodeRef { doc: self, i: 0 }
    }

    /// The name of element `i`.
    pub(crate) fn name_of(&self, i: usize) -> &'a str {
        self.nodes.get(i).map_or("", |n| n.name)
    }
}

/// A node of a [`Doc`].
#[derive(Clone, Copy)]
pub(crate) struct NodeRef<'d, 'a> {
    doc: &'d Doc<'a>,
    i: u32,
}

impl<'d, 'a> NodeRef<'d, 'a> {
    fn raw(self) -> Option<&'d RawNode<'a>> {
        self.doc.nodes.get(self.i as usize)
    }

    /// Tag name ("" for a text node).
    pub(crate) fn name(self) -> &'a str {
        self.raw().map_or("", |n| n.name)
    }

    /// True for a text node.
    pub(crate) fn is_text(self) -> bool {
        self.raw().is_some_and(|n| n.is_text)
    }

    /// A text node's content.
    fn text_value(self) -> &'d str {
        self.raw().map_or("", |n| &n.text)
    }

    /// The attributes, in order.
    pub(crate) fn attrs(self) -> &'d [(&'a str, Cow<'a, str>)] {
        self.raw()
            .and_then(|n| {
                self.doc
                    .attrs
                    .get(n.attrs_from as usize..n.attrs_to as usize)
            })
            .unwrap_or_default()
    }

    /// The value of attribute `name`.
    pub(crate) fn attr(self, name: &str) -> Option<&'d str> {
        self.attrs()
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| &**v)
    }

    /// The attributes as owned pairs, except `skip`.
    pub(crate) fn owned_attrs_except(self, skip: &[&str]) -> Vec<Attr> {
        let mut out = Vec::new();
        for (k, v) in self.attrs() {
            if !skip.contains(k) {
                out.push((Name::from(*k), v.to_string()));
            }
        }
        out
    }

    /// Child nodes (elements and texts), in order.
    pub(crate) fn children(self) -> Children<'d, 'a> {
        Children {
            doc: self.doc,
            next: self.raw().map_or(NONE, |n| n.first),
        }
    }

    /// Child elements, in order.
    pub(crate) fn elements(self) -> impl Iterator<Item = NodeRef<'d, 'a>> {
        self.children().filter(|c| !c.is_text())
    }

    /// True when the element has no child nodes.
    pub(crate) fn has_no_children(self) -> bool {
        self.raw().is_none_or(|n| n.first == NONE)
    }

    /// True when the element has neither attributes nor children.
    pub(crate) fn is_empty(self) -> bool {
        self.attrs().is_empty() && self.has_no_children()
    }

    /// The first text node's content (the reader merges adjacent text).
    pub(crate) fn first_text(self) -> &'d str {
        self.children()
            .find(|t| t.is_text())
            .map_or("", |t| t.text_value())
    }

    /// True when the text directly inside is empty ([`NodeRef::all_text`]
    /// without building it).
    pub(crate) fn has_no_text(self) -> bool {
        self.children()
            .all(|t| !t.is_text() || t.text_value().is_empty())
    }

    /// All the text directly inside, concatenated, borrowed from the
    /// document when it is one text node (nearly always): the readers
    /// that only compare or test the text make no copy of it.
    pub(crate) fn text(self) -> std::borrow::Cow<'d, str> {
        let mut texts = self
            .children()
            .filter(|t| t.is_text())
            .map(|t| t.text_value())
            .filter(|t| !t.is_empty());
        let Some(first) = texts.next() else {
            return std::borrow::Cow::Borrowed("");
        };
        match texts.next() {
            None => std::borrow::Cow::Borrowed(first),
            Some(second) => {
                let mut out = String::with_capacity(first.len() + second.len());
                out.push_str(first);
                out.push_str(second);
                texts.for_each(|t| out.push_str(t));
                std::borrow::Cow::Owned(out)
            }
        }
    }

    /// All the text directly inside, concatenated.
    pub(crate) fn all_text(self) -> String {
        let mut texts = self.children().filter(|t| t.is_text());
        let mut out = texts
            .next()
            .map(|t| t.text_value().to_string())
            .unwrap_or_default();
        for t in texts {
            out.push_str(t.text_value());
        }
        out
    }

    /// An owned copy of the element and everything under it.
    pub(crate) fn to_element(self) -> Element {
        // Sized first: growing one vector per element by doubling costs
        // more than a walk of the sibling links.
        let mut children = Vec::with_capacity(self.children().count());
        for c in self.children() {
            if c.is_text() {
                children.push(Node::Text(c.text_value().to_string()));
            } else {
                children.push(Node::Element(c.to_element()));
            }
        }
        Element {
            name: Name::from(self.name()),
            attrs: self
                .attrs()
                .iter()
                .map(|(k, v)| (Name::from(*k), v.to_string()))
                .collect(),
            children,
        }
    }
}

/// Iterator over a node's children.
pub(crate) struct Children<'d, 'a> {
    doc: &'d Doc<'a>,
    next: u32,
}

impl<'d, 'a> Iterator for Children<'d, 'a> {
    type Item = NodeRef<'d, 'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let i = self.next;
        let n = self.doc.nodes.get(i as usize)?;
        self.next = n.next;
        Some(NodeRef { doc: self.doc, i })
    }
}

#[cfg(test)]
mod tests {

    /// A document read after another on the same thread gets the lists
    /// the first left, and reads the same as with new ones.
    #[test]
    fn the_next_document_reuses_the_lists() -> Result<(), crate::XmlError> {
        let big = format!("<a>{}</a>", "<b x='1'/>".repeat(300));
        let first = crate::reader::parse_document(&big, false)?;
        let room = (first.nodes.capacity(), first.attrs.capacity());
        drop(first);
        let small = String::from("<a y='&amp;'><c>t</c></a>");
        let second = crate::reader::parse_document(&small, false)?;
        assert_eq!((second.nodes.capacity(), second.attrs.capacity()), room);
        let text = second.root().to_element().to_xml(0);
        assert_eq!(text, "<a y='&amp;'>\n  <c>t</c>\n</a>\n");
        Ok(())
    }

    /// The names of a read element are held in place: none of them but
    /// the rare longer than 16 bytes is a block of its own to allocate and
    /// free (they were a quarter of a definition's blocks as `String`s).
    #[test]
    fn names_take_no_allocation() -> Result<(), crate::XmlError> {
        fn names(e: &crate::Element, out: &mut Vec<crate::Name>) {
            out.push(e.name.clone());
            out.extend(e.attrs.iter().map(|(k, _)| k.clone()));
            e.elements().for_each(|c| names(c, out));
        }
        let doc = crate::reader::parse_document(
            "<domain type='kvm'><devices><interface type='network'>\
             <source network='default' portgroup='a'/><model type='virtio'/>\
             <driver name='vhost' queues='4' rx_queue_size='256'/></interface>\
             <interface type='direct' trustGuestRxFilters='yes'/></devices></domain>",
            false,
        )?;
        let mut all = Vec::new();
        names(&doc.root().to_element(), &mut all);
        assert_eq!(all.len(), 17);
        for name in &all {
            assert_eq!(name.is_heap_allocated(), name.len() > 16, "{name}");
        }
        assert!(all.iter().any(|n| n == "trustGuestRxFilters"));
        Ok(())
    }

    #[test]
    fn text_is_borrowed_unless_split() -> Result<(), crate::XmlError> {
        use std::borrow::Cow;
        let doc = crate::reader::parse_document(
            "<a><one> x </one><split>res<b/>tart<c/></split><none><b/></none><empty></empty></a>",
            false,
        )?;
        let root = doc.root();
        let text = |name: &str| {
            root.elements()
                .find(|e| e.name() == name)
                .map(|e| (e.text(), e.all_text()))
        };
        let (one, all) = text("one").ok_or_else(|| crate::XmlError::Internal("one".into()))?;
        assert!(matches!(one, Cow::Borrowed(" x ")), "{one:?}");
        assert_eq!(one, all);
        let (split, all) =
            text("split").ok_or_else(|| crate::XmlError::Internal("split".into()))?;
        assert!(matches!(split, Cow::Owned(_)), "{split:?}");
        assert_eq!((split.as_ref(), all.as_str()), ("restart", "restart"));
        for name in ["none", "empty"] {
            let (t, all) = text(name).ok_or_else(|| crate::XmlError::Internal(name.into()))?;
            assert_eq!((t.as_ref(), all.as_str()), ("", ""), "{name}");
        }
        Ok(())
    }
}
