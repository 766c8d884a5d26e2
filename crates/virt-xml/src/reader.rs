//! Reading any well-formed XML document into an [`Element`] tree.
//!
//! quick-xml tokenizes; this module checks what libxml2 checks (names,
//! attributes, entities, tag nesting, content after the root) and reports
//! the first problem with libxml2's words and position, the way libvirt
//! shows it: `FILE:LINE: TEXT`, the offending source line and a caret line.

use std::borrow::Cow;
use std::cell::Cell;

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::error::XmlError;
use crate::model::Element;
use crate::tree::Doc;

/// The document name libvirt uses in messages about domain XML.
pub const DOMAIN_DOCUMENT: &str = "(domain_definition)";

/// Parse a whole XML document and return its root element. Errors name the
/// document "(domain_definition)", as libvirt does for domain XML.
pub fn parse_element(xml: &str) -> Result<Element, XmlError> {
    parse_element_in(xml, DOMAIN_DOCUMENT)
}

/// [`parse_element`] with the document name used in error messages
/// (libvirt: "(network_definition)", "(capabilities)", a file path, ...).
pub fn parse_element_in(xml: &str, document: &str) -> Result<Element, XmlError> {
    let xml = line_ends(xml);
    let doc = Parser {
        src: &xml,
        document,
        strict: false,
    }
    .run()?;
    Ok(doc.root().to_element())
}

/// [`parse_element`] that refuses every element and attribute libvirt's
/// domain schema does not allow where it stands, naming it and its line
/// (what `VIR_DOMAIN_DEFINE_VALIDATE` asks for). Foreign content inside
/// `<metadata>` is allowed, as the schema allows it.
pub fn parse_element_strict(xml: &str) -> Result<Element, XmlError> {
    Ok(parse_document(&line_ends(xml), true)?.root().to_element())
}

/// The document with its line ends as XML 1.0 reads them (2.11), before
/// anything else: a carriage return and the line feed after it, or a
/// carriage return alone, are one line feed, in texts and attribute
/// values as libxml2 passes them on (we kept `\r\n` in a description,
/// and made two spaces of it in an attribute). A reference (`&#13;`)
/// still stands for a carriage return. Borrowed unless there is one.
pub(crate) fn line_ends(xml: &str) -> Cow<'_, str> {
    if !xml.contains('\r') {
        return Cow::Borrowed(xml);
    }
    Cow::Owned(xml.replace("\r\n", "\n").replace('\r', "\n"))
}

/// Read a domain document into the borrowed tree the domain parser types
/// from; `strict` as in [`parse_element_strict`]. The caller passes it
/// through [`line_ends`] first.
pub(crate) fn parse_document(xml: &str, strict: bool) -> Result<Doc<'_>, XmlError> {
    Parser {
        src: xml,
        document: DOMAIN_DOCUMENT,
        strict,
    }
    .run()
}

/// libxml2's nesting limit without XML_PARSE_HUGE: deeper documents are
/// refused, so no tree is deeper than this and nothing that walks one
/// recursively can exhaust the stack.
pub const MAX_DEPTH: usize = 256;

/// libxml2's limit on one text node or attribute value without
/// XML_PARSE_HUGE (10,000,000 bytes).
pub const MAX_TEXT_LENGTH: usize = 10_000_000;

struct Parser<'a> {
    src: &'a str,
    document: &'a str,
    /// Check names against the domain schema.
    strict: bool,
}

/// An open element: its node, name, where its start tag begins, and the
/// blank text seen in it so far.
struct Open<'s> {
    element: usize,
    name: &'s str,
    start: usize,
    blank: Option<&'s str>,
}

impl<'s> Open<'s> {
    /// A start tag read: an empty element at the top is the root, any
    /// other element is open until its end tag.
    #[inline]
    fn enter(
        stack: &mut Vec<Open<'s>>,
        root: &mut bool,
        empty: bool,
        element: usize,
        name: &'s str,
        start: usize,
    ) {
        if empty {
            *root |= stack.is_empty();
        } else {
            stack.push(Open {
                element,
                name,
                start,
                blank: None,
            });
        }
    }
}

thread_local! {
    /// The emptied stack of open elements of the last document read on
    /// this thread (see [`spare_stack`]).
    static SPARE_STACK: Cell<Vec<Open<'static>>> = const { Cell::new(Vec::new()) };
}

/// The stack of open elements for a fast reading: the one the last
/// document read on this thread left, emptied (one allocation and its
/// free less per document, as the tree's lists, `tree::Spare`).
fn spare_stack<'s>() -> Vec<Open<'s>> {
    let v = SPARE_STACK.try_with(Cell::take).unwrap_or_default();
    // The spare holds no entry: the collect only gives it the document's
    // lifetime, keeping the allocation.
    #[allow(clippy::unnecessary_filter_map)]
    let mut v: Vec<Open<'s>> = v.into_iter().filter_map(|_| None).collect();
    v.reserve(8);
    v
}

/// Keep `stack`, emptied, for the next document (a deep document's is
/// freed).
fn keep_stack(stack: Vec<Open<'_>>) {
    if stack.capacity() > MAX_DEPTH {
        return;
    }
    #[allow(clippy::unnecessary_filter_map)]
    let v: Vec<Open<'static>> = stack.into_iter().filter_map(|_| None).collect();
    let _ = SPARE_STACK.try_with(|s| s.set(v));
}

impl<'a> Parser<'a> {
    /// Read the document: [`Parser::run_plain`] when it can, else the
    /// full tokenizer, which also finds and words every error.
    fn run(&self) -> Result<Doc<'a>, XmlError> {
        let plain = self.run_plain();
        // Debug builds (tests, the fuzzer) check that the fast reading
        // agrees with the full tokenizer on every document it accepts.
        #[cfg(debug_assertions)]
        if let Some(doc) = &plain {
            let full = self.run_tokenized().map(|d| d.root().to_element());
            debug_assert_eq!(full.ok(), Some(doc.root().to_element()), "{:?}", self.src);
        }
        match plain {
            Some(doc) => Ok(doc),
            None => self.run_tokenized(),
        }
    }

    /// The common case, fast: a document of elements, attributes and text
    /// only (no declaration, comment, PI, CDATA or DOCTYPE), well formed.
    /// Tags are delimited as quick-xml delimits them and then checked by
    /// the same code as in [`Parser::run_tokenized`]; anything else, and
    /// every error, gives `None`, and the full tokenizer reads the
    /// document again to report exactly what libxml2 reports.
    fn run_plain(&self) -> Option<Doc<'a>> {
        let mut stack = spare_stack();
        let doc = self.run_plain_with(&mut stack);
        keep_stack(stack);
        doc
    }

    /// [`Parser::run_plain`] with the stack of open elements `stack`.
    fn run_plain_with(&self, stack: &mut Vec<Open<'a>>) -> Option<Doc<'a>> {
        let src = self.src;
        let bytes = src.as_bytes();
        let mut doc = Doc::for_source(src);
        let mut root = false;
        let mut pos = 0;
        while pos < bytes.len() {
            if bytes.get(pos) != Some(&b'<') {
                // Text up to the next markup. Most is the blank between
                // tags, read a word at a time; a short text is read to its
                // first '<', '&' or ']', and the rest searched for its '<'.
                let mut end = blank_end(bytes, pos);
                let blank = end == bytes.len() || bytes.get(end) == Some(&b'<');
                let mut plain = false;
                if !blank {
                    let near = bytes.get(..bytes.len().min(pos + SHORT_TEXT))?;
                    end = text_stop(near, end);
                    plain = bytes.get(end).is_none_or(|&b| b == b'<');
                    if !plain {
                        end = memchr::memchr(b'<', bytes.get(end..)?)
                            .map_or(bytes.len(), |n| end + n);
                    }
                }
                let start = pos;
                pos = end;
                let open = match stack.last_mut() {
                    Some(open) => open,
                    None if blank => continue,
                    None => return None,
                };
                if blank {
                    // Kept only while its element has no child (most
                    // blanks are between elements).
                    if open.blank.is_none() && doc.childless(open.element) {
                        open.blank = Some(src.get(start..end)?);
                    }
                    continue;
                }
                let raw: &'a str = src.get(start..end)?;
                // Most texts are short and hold no reference (nor a ']',
                // which may start a forbidden "]]>"): borrowed as read.
                let value = if plain && raw.len() < SHORT_TEXT {
                    Cow::Borrowed(raw)
                } else {
                    self.unescape(raw, start, true).ok()?
                };
                doc.push_text(open.element, value);
                continue;
            }
            let start = pos;
            match bytes.get(pos + 1) {
                Some(b'/') => {
                    let open = stack.pop()?;
                    // Mostly `</name>` exactly: no search for the '>'.
                    let after = pos + 2 + open.name.len();
                    let gt = if same_name(bytes, open.start + 1, pos + 2, open.name.len())
                        && bytes.get(after) == Some(&b'>')
                    {
                        after
                    } else {
                        let gt = pos + 2 + memchr::memchr(b'>', bytes.get(pos + 2..)?)?;
                        let name = src
                            .get(pos + 2..gt)?
                            // quick-xml trims XML white space only (a form
                            // feed stays part of the name).
                            .trim_end_matches([' ', '\t', '\r', '\n']);
                        if open.name != name {
                            return None;
                        }
                        gt
                    };
                    if let (Some(blank), true) = (open.blank, doc.childless(open.element)) {
                        doc.push_text(open.element, Cow::Borrowed(blank));
                    }
                    root |= stack.is_empty();
                    pos = gt + 1;
                }
                Some(b'!' | b'?') | None => return None,
                Some(_) => {
                    if root || stack.len() >= MAX_DEPTH {
                        return None;
                    }
                    let parent = stack.last().map(|o| o.element);
                    let (element, name, empty, gt) = self.plain_start_tag(pos, &mut doc, parent)?;
                    if self.strict {
                        self.check_schema(stack, name, doc.pending_attrs(element), start)
                            .ok()?;
                    }
                    Open::enter(stack, &mut root, empty, element, name, start);
                    pos = gt + 1;
                }
            }
        }
        (root && stack.is_empty()).then_some(doc)
    }

    /// A well-formed start tag at `start` ('<'), read in one pass: its
    /// node, name, whether it is empty (`/>`) and where its '>' is. `None`
    /// for anything the full reading would refuse or read differently
    /// (it then reads the document again and reports the error).
    fn plain_start_tag(
        &self,
        start: usize,
        doc: &mut Doc<'a>,
        parent: Option<usize>,
    ) -> Option<(usize, &'a str, bool, usize)> {
        let src = self.src;
        let bytes = src.as_bytes();
        let skip_blank = |mut p: usize| {
            while bytes.get(p).is_some_and(u8::is_ascii_whitespace) {
                p += 1;
            }
            p
        };
        let name_len = name_length(bytes.get(start + 1..)?);
        if name_len == 0 {
            return None;
        }
        let name = src.get(start + 1..start + 1 + name_len)?;
        let element = doc.open(name, parent);
        let mut p = start + 1 + name_len;
        loop {
            let blank_from = p;
            // Mostly one space before an attribute, none before the end.
            p = match bytes.get(p..p + 2) {
                Some(&[b' ', next]) if !next.is_ascii_whitespace() => p + 1,
                _ => skip_blank(p),
            };
            match bytes.get(p)? {
                b'>' => {
                    doc.close_attrs(element);
                    return Some((element, name, false, p));
                }
                b'/' if bytes.get(p + 1) == Some(&b'>') => {
                    doc.close_attrs(element);
                    return Some((element, name, true, p + 1));
                }
                _ if p == blank_from => return None,
                _ => {}
            }
            let attr_len = name_length(bytes.get(p..)?);
            if attr_len == 0 {
                return None;
            }
            let attr = src.get(p..p + attr_len)?;
            // Mostly `name='value'`, without blanks to skip.
            p += attr_len;
            if bytes.get(p) != Some(&b'=') {
                p = skip_blank(p);
                if bytes.get(p) != Some(&b'=') {
                    return None;
                }
            }
            p += 1;
            if !matches!(bytes.get(p), Some(b'\'' | b'"')) {
                p = skip_blank(p);
            }
            let quote = match bytes.get(p)? {
                &q @ (b'\'' | b'"') => q,
                _ => return None,
            };
            let value_start = p + 1;
            // To the closing quote in one pass, noting what needs
            // unescaping or normalising (most values need neither); a
            // '<' first is an error the full reading words.
            let mut value_end = value_start;
            let mut plain = true;
            loop {
                value_end = value_stop(bytes, value_end);
                match *bytes.get(value_end)? {
                    b if b == quote => break,
                    b'<' => return None,
                    b'&' | b'\n' | b'\t' | b'\r' => plain = false,
                    _ => {}
                }
                value_end += 1;
            }
            p = value_end + 1;
            let raw_value: &'a str = src.get(value_start..value_end)?;
            let plain = plain && raw_value.len() <= MAX_TEXT_LENGTH;
            let value = if plain {
                Cow::Borrowed(raw_value)
            } else {
                self.attribute_value(raw_value, value_start).ok()?
            };
            // A loop, not a call of `any` per attribute; the first has
            // nothing to repeat.
            for (k, _) in doc.pending_attrs(element) {
                if k.len() == attr.len() && *k == attr {
                    return None;
                }
            }
            doc.push_attr(attr, value);
        }
    }

    /// Read the document with quick-xml's tokenizer.
    fn run_tokenized(&self) -> Result<Doc<'a>, XmlError> {
        let mut reader = Reader::from_str(self.src);
        let cfg = reader.config_mut();
        cfg.check_end_names = false;
        cfg.allow_unmatched_ends = true;
        cfg.expand_empty_elements = false;
        cfg.check_comments = false;
        cfg.trim_text_start = false;
        cfg.trim_text_end = false;

        let mut stack: Vec<Open<'a>> = Vec::with_capacity(8);
        let mut doc = Doc::for_source(self.src);
        let mut root = false;
        let mut seen_markup = false;
        loop {
            let start = reader.buffer_position() as usize;
            let event = match reader.read_event() {
                Ok(ev) => ev,
                Err(err) => return Err(self.tokenizer_error(&err, start, &stack)),
            };
            let end = reader.buffer_position() as usize;
            match event {
                Event::Start(_) | Event::Empty(_) => {
                    let (tag, empty) = match event {
                        Event::Empty(tag) => (tag, true),
                        Event::Start(tag) => (tag, false),
                        _ => continue,
                    };
                    if root {
                        return Err(self.fail("Extra content at the end of the document", start));
                    }
                    seen_markup = true;
                    let parent = stack.last().map(|o| o.element);
                    let (element, name) = self.start_tag(&tag, start, &mut doc, parent)?;
                    if stack.len() >= MAX_DEPTH {
                        let msg = format!(
                            "Excessive depth in document: {MAX_DEPTH} use XML_PARSE_HUGE option"
                        );
                        return Err(self.fail(&msg, start + 1));
                    }
                    if self.strict {
                        self.check_schema(&stack, name, doc.pending_attrs(element), start)?;
                    }
                    Open::enter(&mut stack, &mut root, empty, element, name, start);
                }
                Event::End(tag) => {
                    // The name as written: "</" is two bytes from the start.
                    let name = self.src.get(start + 2..start + 2 + tag.len()).unwrap_or("");
                    let Some(open) = stack.pop() else {
                        let msg = if root {
                            "Extra content at the end of the document"
                        } else {
                            "Start tag expected, '<' not found"
                        };
                        return Err(self.fail(msg, start));
                    };
                    if open.name != name {
                        let shown = if name.is_empty() || !is_name(name) {
                            "unparsable"
                        } else {
                            name
                        };
                        let msg = format!(
                            "Opening and ending tag mismatch: {} line {} and {}",
                            open.name,
                            self.line_of(open.start),
                            shown
                        );
                        return Err(self.fail(&msg, end));
                    }
                    if let (Some(blank), true) = (open.blank, doc.childless(open.element)) {
                        doc.push_text(open.element, Cow::Borrowed(blank));
                    }
                    root |= stack.is_empty();
                }
                Event::Text(_) => {
                    // The event is exactly the source between the markups.
                    let raw: &'a str = self.src.get(start..end).unwrap_or("");
                    let blank = raw.bytes().all(|b| b.is_ascii_whitespace());
                    let Some(open) = stack.last_mut() else {
                        if !blank {
                            let off = start + (raw.len() - raw.trim_start().len());
                            let msg = if root || seen_markup {
                                "Extra content at the end of the document"
                            } else {
                                "Start tag expected, '<' not found"
                            };
                            return Err(self.fail(msg, off));
                        }
                        continue;
                    };
                    // Whitespace around child elements is layout: keep it
                    // only if the element turns out to hold nothing else.
                    if blank {
                        if open.blank.is_none() && doc.childless(open.element) {
                            open.blank = Some(raw);
                        }
                        continue;
                    }
                    let value = self.unescape(raw, start, true)?;
                    doc.push_text(open.element, value);
                }
                Event::CData(data) => {
                    let Some(open) = stack.last_mut() else {
                        return Err(self.fail("Extra content at the end of the document", start));
                    };
                    let value = match data.into_inner() {
                        Cow::Borrowed(b) => String::from_utf8_lossy(b),
                        Cow::Owned(b) => Cow::Owned(String::from_utf8_lossy(&b).into_owned()),
                    };
                    doc.push_text(open.element, value);
                }
                Event::DocType(_) => {
                    if root || !stack.is_empty() {
                        return Err(self.fail("Extra content at the end of the document", start));
                    }
                }
                Event::Decl(_) => {
                    if start != 0 {
                        return Err(self.fail(
                            "XML declaration allowed only at the start of the document",
                            end,
                        ));
                    }
                }
                Event::Comment(_) | Event::PI(_) => seen_markup = true,
                Event::Eof => break,
            }
        }
        if let Some(open) = stack.last() {
            let msg = format!(
                "Premature end of data in tag {} line {}",
                open.name,
                self.line_of(open.start)
            );
            return Err(self.fail(&msg, self.src.len()));
        }
        match root {
            true => Ok(doc),
            false if self.src.trim().is_empty() || !seen_markup => {
                let trimmed = self.src.len() - self.src.trim_start().len();
                if self.src.trim().is_empty() {
                    Err(self.fail("Document is empty", self.src.len()))
                } else {
                    Err(self.fail("Start tag expected, '<' not found", trimmed))
                }
            }
            false => Err(self.fail("Start tag expected, '<' not found", self.src.len())),
        }
    }

    /// In strict mode: refuse an element or attribute the schema does not
    /// allow under the open element (anything goes inside `<metadata>`).
    fn check_schema(
        &self,
        stack: &[Open<'_>],
        name: &str,
        attrs: &[(&str, Cow<'_, str>)],
        start: usize,
    ) -> Result<(), XmlError> {
        if stack.iter().any(|o| crate::vocabulary::any_content(o.name)) {
            return Ok(());
        }
        // The line is counted only for the report: counting it for every
        // element would make strict reading quadratic.
        if let Some(parent) = stack.last() {
            if !crate::vocabulary::child_allowed(parent.name, name) {
                return Err(XmlError::NotInSchema {
                    document: self.document.to_string(),
                    line: self.line_of(start),
                    what: format!("element '{name}' is not allowed in '{}'", parent.name),
                });
            }
        }
        for (k, _) in attrs {
            if !crate::vocabulary::attr_allowed(name, k) {
                return Err(XmlError::NotInSchema {
                    document: self.document.to_string(),
                    line: self.line_of(start),
                    what: format!("attribute '{k}' is not allowed in element '{name}'"),
                });
            }
        }
        Ok(())
    }

    /// Parse the raw content of a start tag (`name attr='v' ...`) that
    /// begins with '<' at `start`.
    /// The element goes into `doc` under `parent`; its node and name.
    fn start_tag(
        &self,
        raw: &[u8],
        start: usize,
        doc: &mut Doc<'a>,
        parent: Option<usize>,
    ) -> Result<(usize, &'a str), XmlError> {
        let base = start + 1;
        let name_len = name_length(raw);
        if name_len == 0 {
            return Err(self.fail("StartTag: invalid element name", base));
        }
        // Names end on an ASCII byte, so the offsets are char boundaries.
        let name = self.src.get(base..base + name_len).unwrap_or("");
        let element = doc.open(name, parent);
        self.attributes(raw, name_len, base, doc, element, false)?;
        doc.close_attrs(element);
        Ok((element, name))
    }

    /// Scan attributes in `raw[pos..]` (document offset of raw[0] is `base`).
    /// With `to_eof` the tag was never closed: scan to the end of the
    /// document and report the first problem.
    fn attributes(
        &self,
        raw: &[u8],
        mut pos: usize,
        base: usize,
        doc: &mut Doc<'a>,
        element: usize,
        to_eof: bool,
    ) -> Result<(), XmlError> {
        loop {
            let ws_start = pos;
            while pos < raw.len() && raw[pos].is_ascii_whitespace() {
                pos += 1;
            }
            if pos >= raw.len() || (to_eof && raw[pos] == b'>') || (to_eof && raw[pos] == b'/') {
                if to_eof {
                    let msg = if doc.pending_attrs(element).is_empty() {
                        format!(
                            "Couldn't find end of Start Tag {} line {}",
                            doc.name_of(element),
                            self.line_of(base - 1)
                        )
                    } else {
                        "attributes construct error".to_string()
                    };
                    return Err(self.fail(&msg, base + pos));
                }
                return Ok(());
            }
            let name_len = name_length(raw.get(pos..).unwrap_or_default());
            if ws_start == pos || name_len == 0 {
                return Err(self.fail("attributes construct error", base + pos));
            }
            let name = self
                .src
                .get(base + pos..base + pos + name_len)
                .unwrap_or("");
            pos += name_len;
            while pos < raw.len() && raw[pos].is_ascii_whitespace() {
                pos += 1;
            }
            if raw.get(pos) != Some(&b'=') {
                let msg = format!("Specification mandates value for attribute {name}");
                return Err(self.fail(&msg, base + pos));
            }
            pos += 1;
            while pos < raw.len() && raw[pos].is_ascii_whitespace() {
                pos += 1;
            }
            let quote = match raw.get(pos) {
                Some(&q) if q == b'\'' || q == b'"' => q,
                _ => return Err(self.fail("AttValue: \" or ' expected", base + pos)),
            };
            pos += 1;
            let value_start = pos;
            // Whether the value needs unescaping or normalising: most do not,
            // and are then borrowed from the source as they are.
            let mut plain = true;
            while let Some(&b) = raw.get(pos) {
                match b {
                    _ if b == quote => break,
                    b'<' => {
                        return Err(
                            self.fail("Unescaped '<' not allowed in attributes values", base + pos)
                        )
                    }
                    b'&' | b'\n' | b'\t' | b'\r' => plain = false,
                    _ => {}
                }
                pos += 1;
            }
            if pos >= raw.len() {
                let q = if quote == b'\'' { "'" } else { "\"" };
                return Err(self.fail(&format!("AttValue: {q} expected"), base + pos));
            }
            let raw_value: &'a str = self.src.get(base + value_start..base + pos).unwrap_or("");
            let value = if plain && raw_value.len() <= MAX_TEXT_LENGTH {
                Cow::Borrowed(raw_value)
            } else {
                self.attribute_value(raw_value, base + value_start)?
            };
            pos += 1;
            if doc.pending_attrs(element).iter().any(|(k, _)| *k == name) {
                let msg = format!("Attribute {name} redefined");
                return Err(self.fail(&msg, base + pos));
            }
            doc.push_attr(name, value);
        }
    }

    /// An attribute's value from its text `raw` (at document offset
    /// `base`), normalised as XML 1.0 says (3.3.3): each white space
    /// character written as such (newline, tab, carriage return) becomes
    /// a space before the references are resolved, so a character
    /// written as a reference (`&#9;`) stays what it is, as libxml2 keeps
    /// it (we made it a space).
    fn attribute_value<'s>(&self, raw: &'s str, base: usize) -> Result<Cow<'s, str>, XmlError> {
        if !raw.contains(['\n', '\t', '\r']) {
            return self.unescape(raw, base, false);
        }
        // One byte for one: the offsets of errors stay right.
        let spaced = raw.replace(['\n', '\t', '\r'], " ");
        Ok(Cow::Owned(
            self.unescape(&spaced, base, false)?.into_owned(),
        ))
    }

    /// Resolve entity and character references in `raw` (at document offset
    /// `base`).
    fn unescape<'s>(
        &self,
        raw: &'s str,
        base: usize,
        content: bool,
    ) -> Result<Cow<'s, str>, XmlError> {
        if raw.len() > MAX_TEXT_LENGTH {
            let msg = if content {
                "xmlSAX2Characters: huge text node"
            } else {
                "AttValue length too long"
            };
            return Err(self.fail(msg, base));
        }
        // Most texts are short and hold neither: one pass over the bytes
        // costs less than two searches.
        let special = |b: &u8| *b == b'&' || *b == b']';
        if raw.len() < 64 && !raw.as_bytes().iter().any(special) {
            return Ok(Cow::Borrowed(raw));
        }
        if content && raw.as_bytes().contains(&b']') {
            if let Some(i) = raw.find("]]>") {
                return Err(self.fail("Sequence ']]>' not allowed in content", base + i));
            }
        }
        let Some(first) = raw.find('&') else {
            return Ok(Cow::Borrowed(raw));
        };
        let bytes = raw.as_bytes();
        let mut out = String::with_capacity(raw.len());
        out.push_str(&raw[..first]);
        let mut i = first;
        while i < bytes.len() {
            let b = bytes[i];
            if b != b'&' {
                let next = raw[i..].find('&').map_or(raw.len(), |n| i + n);
                out.push_str(&raw[i..next]);
                i = next;
                continue;
            }
            i += 1;
            if bytes.get(i) == Some(&b'#') {
                i = self.char_ref(raw, i + 1, base, &mut out)?;
                continue;
            }
            let name_len = name_length(&bytes[i..]);
            if name_len == 0 {
                return Err(self.fail("xmlParseEntityRef: no name", base + i));
            }
            let name = &raw[i..i + name_len];
            i += name_len;
            if bytes.get(i) != Some(&b';') {
                return Err(self.fail("EntityRef: expecting ';'", base + i));
            }
            i += 1;
            let rep = match name {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let msg = format!("Entity '{name}' not defined");
                    return Err(self.fail(&msg, base + i));
                }
            };
            out.push(rep);
        }
        Ok(Cow::Owned(out))
    }

    /// A character reference whose digits start at `i` (after "&#").
    fn char_ref(
        &self,
        raw: &str,
        mut i: usize,
        base: usize,
        out: &mut String,
    ) -> Result<usize, XmlError> {
        let bytes = raw.as_bytes();
        let hex = bytes.get(i) == Some(&b'x');
        if hex {
            i += 1;
        }
        let digits_start = i;
        let mut value: u32 = 0;
        while let Some(&d) = bytes.get(i) {
            let v = match (d as char).to_digit(if hex { 16 } else { 10 }) {
                Some(v) => v,
                None => break,
            };
            value = value
                .saturating_mul(if hex { 16 } else { 10 })
                .saturating_add(v);
            i += 1;
        }
        if i == digits_start || bytes.get(i) != Some(&b';') {
            let msg = if hex {
                "CharRef: invalid hexadecimal value"
            } else {
                "CharRef: invalid decimal value"
            };
            return Err(self.fail(msg, base + i));
        }
        i += 1;
        let valid =
            matches!(value, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF);
        match char::from_u32(value).filter(|_| valid) {
            Some(c) => out.push(c),
            None => {
                let msg = format!("xmlParseCharRef: invalid xmlChar value {value}");
                return Err(self.fail(&msg, base + i));
            }
        }
        Ok(i)
    }

    /// Turn a quick-xml error at an event starting at `start` into libxml2's
    /// report.
    fn tokenizer_error(
        &self,
        err: &quick_xml::Error,
        start: usize,
        stack: &[Open<'_>],
    ) -> XmlError {
        use quick_xml::errors::SyntaxError;
        let end = self.src.len();
        let rest = self.src.get(start.min(end)..).unwrap_or("");
        match err {
            quick_xml::Error::Syntax(SyntaxError::UnclosedComment) => {
                self.fail("Comment not terminated", end)
            }
            quick_xml::Error::Syntax(SyntaxError::UnclosedCData) => {
                self.fail("CData section not finished", end)
            }
            quick_xml::Error::Syntax(SyntaxError::UnclosedPIOrXmlDecl) => {
                self.fail("ParsePI: PI processing error", end)
            }
            quick_xml::Error::Syntax(SyntaxError::UnclosedTag) if rest.starts_with("</") => {
                self.fail("expected '>'", end)
            }
            quick_xml::Error::Syntax(SyntaxError::UnclosedTag) => {
                let raw = rest.as_bytes().get(1..).unwrap_or_default();
                let name_len = name_length(raw);
                if name_len == 0 {
                    return self.fail("StartTag: invalid element name", start + 1);
                }
                let name = self.src.get(start + 1..start + 1 + name_len).unwrap_or("");
                let mut doc = Doc::with_source_len(0);
                let element = doc.open(name, None);
                match self.attributes(raw, name_len, start + 1, &mut doc, element, true) {
                    Err(e) => e,
                    Ok(()) => self.fail("attributes construct error", end),
                }
            }
            _ => {
                let msg = match stack.last() {
                    Some(open) => format!(
                        "Premature end of data in tag {} line {}",
                        open.name,
                        self.line_of(open.start)
                    ),
                    None => "Start tag expected, '<' not found".to_string(),
                };
                self.fail(&msg, start)
            }
        }
    }

    /// 1-based line of byte offset `off`.
    fn line_of(&self, off: usize) -> usize {
        let off = off.min(self.src.len());
        1 + self.src.as_bytes()[..off]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    }

    /// A malformed-document error at byte offset `off`, with the source line
    /// around it and a caret line, laid out as libvirt does.
    fn fail(&self, message: &str, off: usize) -> XmlError {
        let src = self.src.as_bytes();
        let off = off.min(src.len());
        let at = |i: usize| src.get(i).copied().unwrap_or(0);
        let mut cur = off;
        while cur > 0 && (at(cur) == b'\n' || at(cur) == b'\r') {
            cur -= 1;
        }
        while cur > 0 && at(cur) != b'\n' && at(cur) != b'\r' {
            cur -= 1;
        }
        if at(cur) == b'\n' || at(cur) == b'\r' {
            cur += 1;
        }
        let col = off.saturating_sub(cur);
        let mut stop = cur;
        while stop < src.len() && src[stop] != b'\n' && src[stop] != b'\r' {
            stop += 1;
        }
        let context = String::from_utf8_lossy(&src[cur.min(stop)..stop]).into_owned();
        let mut caret = String::with_capacity(col);
        for i in 0..col {
            caret.push(if context.as_bytes().get(i) == Some(&b'\t') {
                '\t'
            } else {
                '-'
            });
        }
        XmlError::Malformed {
            document: self.document.to_string(),
            line: self.line_of(off),
            message: message.to_string(),
            context: if context.is_empty() {
                "(null)".to_string()
            } else {
                context
            },
            caret,
        }
    }
}

/// Length of the XML name at the start of `s` (0 if none).
fn name_length(s: &[u8]) -> usize {
    match s.first() {
        Some(&first) if NAME_BYTES[usize::from(first)] & NAME_START != 0 => name_end(s, 1),
        _ => 0,
    }
}

// Word-at-a-time scans of the fast reading: eight bytes are read as one
// little-endian word and tested together (the classic "has a zero byte"
// arithmetic), which gives the first byte of the word that may end the
// run; that byte is then read alone. Most names, values and blanks end
// within a word or two, where reading byte by byte cost 7-10 instructions
// a byte.

/// A word with each byte `b`.
const fn bytes_of(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// The high bit of each byte.
const HIGH_BITS: u64 = bytes_of(0x80);

/// The word of the eight bytes at `at`, when there are eight.
#[inline(always)]
fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let eight: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(eight))
}

/// The bytes of `w` below `n` (`n` at most 0x80), as high bits. Exact
/// up to and including the lowest flagged byte (a borrow runs upward
/// only from a flagged byte), which is all [`first_flagged`] reads.
#[inline(always)]
fn below(w: u64, n: u8) -> u64 {
    w.wrapping_sub(bytes_of(n)) & !w & HIGH_BITS
}

/// The bytes of `w` equal to `b`, as high bits (as exact as [`below`]).
#[inline(always)]
fn equal_to(w: u64, b: u8) -> u64 {
    below(w ^ bytes_of(b), 1)
}

/// The bytes of `w` above `n` (`n` below 0x80), as high bits (as exact
/// as [`below`]: a carry runs upward only from a flagged byte).
#[inline(always)]
fn above(w: u64, n: u8) -> u64 {
    (w.wrapping_add(bytes_of(0x7f - n)) | w) & HIGH_BITS
}

/// Whether the `len` bytes at `a` and at `b` are the same: one word
/// each for a name of up to eight bytes (a call of `memcmp` cost more
/// than the compare), else the slices.
#[inline(always)]
fn same_name(bytes: &[u8], a: usize, b: usize, len: usize) -> bool {
    if let (1..=8, Some(x), Some(y)) = (len, word_at(bytes, a), word_at(bytes, b)) {
        // The low `len` bytes of the little-endian words.
        let mask = u64::MAX >> (64 - 8 * len);
        return (x ^ y) & mask == 0;
    }
    bytes
        .get(a..a + len)
        .is_some_and(|x| bytes.get(b..b + len) == Some(x))
}

/// Which byte of a word is the first flagged (has a bit set; 8 for
/// none).
#[inline(always)]
fn first_flagged(flags: u64) -> usize {
    (flags.trailing_zeros() / 8) as usize
}

/// Where the name characters from `at` end (`bytes.len()` or the first
/// byte that cannot continue a name). A word of lower-case letters is
/// taken whole.
fn name_end(bytes: &[u8], mut at: usize) -> usize {
    loop {
        if let Some(w) = word_at(bytes, at) {
            let n = first_flagged(below(w, b'a') | above(w, b'z'));
            at += n;
            if n == 8 {
                continue;
            }
        }
        match bytes.get(at) {
            Some(&b) if NAME_BYTES[usize::from(b)] & NAME_CHAR != 0 => at += 1,
            _ => return at,
        }
    }
}

/// Where the blanks ([`u8::is_ascii_whitespace`]) from `at` end. A word
/// of spaces (indentation) is taken whole.
fn blank_end(bytes: &[u8], mut at: usize) -> usize {
    loop {
        if let Some(w) = word_at(bytes, at) {
            // The first byte that is not a space: the lowest nonzero
            // byte once the spaces are zeroed.
            let n = first_flagged(w ^ bytes_of(b' '));
            at += n;
            if n == 8 {
                continue;
            }
        }
        match bytes.get(at) {
            Some(b) if b.is_ascii_whitespace() => at += 1,
            _ => return at,
        }
    }
}

/// The first byte from `at` that an attribute value's reading stops at
/// (either quote, '<', and what needs unescaping or normalising: '&',
/// '\n', '\t', '\r'), or `bytes.len()`. The candidates in a word are the
/// bytes below '(' (which holds all of them but '<') and '<'.
fn value_stop(bytes: &[u8], mut at: usize) -> usize {
    loop {
        if let Some(w) = word_at(bytes, at) {
            let n = first_flagged(below(w, b'(') | equal_to(w, b'<'));
            at += n;
            if n == 8 {
                continue;
            }
        }
        match bytes.get(at) {
            Some(b'\'' | b'"' | b'<' | b'&' | b'\n' | b'\t' | b'\r') | None => return at,
            Some(_) => at += 1,
        }
    }
}

/// The first '<', '&' or ']' from `at`, or `bytes.len()`.
fn text_stop(bytes: &[u8], mut at: usize) -> usize {
    loop {
        if let Some(w) = word_at(bytes, at) {
            let n = first_flagged(equal_to(w, b'<') | equal_to(w, b'&') | equal_to(w, b']'));
            at += n;
            if n == 8 {
                continue;
            }
        }
        match bytes.get(at) {
            Some(b'<' | b'&' | b']') | None => return at,
            Some(_) => at += 1,
        }
    }
}

/// Texts shorter than this that hold no reference (and no ']') are
/// borrowed as read; the others are read by the unescaping, which also
/// checks and words what is wrong in them.
const SHORT_TEXT: usize = 64;

/// [`NAME_BYTES`] flag: the byte may start a name.
const NAME_START: u8 = 1;
/// [`NAME_BYTES`] flag: the byte may continue a name.
const NAME_CHAR: u8 = 2;

/// What each byte may be in a name (names are checked byte by byte; every
/// byte of a multi-byte character is allowed, as libxml2 allows letters
/// beyond ASCII).
const NAME_BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphabetic() || c == b'_' || c == b':' || c >= 0x80 {
            t[b] |= NAME_START;
        }
        if c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'-' | b'.') || c >= 0x80 {
            t[b] |= NAME_CHAR;
        }
        b += 1;
    }
    t
};

/// True when `s` is a whole XML name.
fn is_name(s: &str) -> bool {
    name_length(s.as_bytes()) == s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// XML 1.0's line ends (2.11) and attribute-value normalisation
    /// (3.3.3) as libxml2 applies them, checked against virsh 9.0: a
    /// carriage return with or without its line feed is one line feed,
    /// white space written as such in an attribute is a space each, and
    /// a character reference keeps its character.
    #[test]
    fn line_ends_and_attribute_white_space_as_xml_reads_them() -> Result<(), XmlError> {
        let e = parse_element(
            "<a x='1\r\n2\r3\t4' y='1&#9;2&#10;3&#13;4' z='&#13;&#10;\r\n'>l1\r\nl2\rl3&#13;</a>",
        )?;
        assert_eq!(e.attr("x"), Some("1 2 3 4"));
        assert_eq!(e.attr("y"), Some("1\t2\n3\r4"));
        assert_eq!(e.attr("z"), Some("\r\n "));
        assert_eq!(e.text(), "l1\nl2\nl3\r");
        // The fast reader and the full one (with a comment) agree.
        let full = parse_element("<!-- c --><a x='1\r\n2&#9;'>l1\r\nl2</a>")?;
        assert_eq!(
            (full.attr("x"), full.text()),
            (Some("1 2\t"), "l1\nl2".to_string())
        );
        Ok(())
    }

    fn err(xml: &str) -> String {
        match parse_element(xml) {
            Err(e) => e.to_string(),
            Ok(_) => "OK".to_string(),
        }
    }

    #[test]
    fn tree_in_order() {
        let e = parse_element("<?xml version='1.0'?>\n<a x='1' y=\"&lt;&#65;\">\n  <b>t&amp;u</b>\n  <c/><!-- c -->\n</a>\n").unwrap_or_default();
        assert_eq!(e.name, "a");
        assert_eq!(e.attr("y"), Some("<A"));
        assert_eq!(e.children.len(), 2);
        assert_eq!(e.child("b").map(|b| b.text()), Some("t&u".to_string()));
    }

    /// The fast reading's result, if it takes the document.
    fn plain(xml: &str) -> Option<Element> {
        // Given what the entry points give it: the line ends settled.
        let xml = line_ends(xml);
        let parser = Parser {
            src: &xml,
            document: DOMAIN_DOCUMENT,
            strict: false,
        };
        parser.run_plain().map(|d| d.root().to_element())
    }

    /// The word-at-a-time scans stop where a byte-by-byte reading stops,
    /// at every offset of many strings of the bytes that matter to them
    /// (those next to the bounds of their tests too: a borrow or carry
    /// between the bytes of a word must not move the stop).
    #[test]
    fn word_scans_agree_with_byte_scans() {
        let alphabet: &[u8] =
            b" \t\n\r\x0c\x00\x01!\"#&'()-./09:;<=>?@AZ[]^_`az{~\x7f\x80\xc3\xa9\xff";
        let naive = |bytes: &[u8], at: usize, stop: &dyn Fn(u8) -> bool| {
            (at..bytes.len())
                .find(|&i| stop(bytes[i]))
                .unwrap_or(bytes.len())
        };
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in 0..40 {
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        // Mostly runs of one kind, as in documents.
                        match seed % 4 {
                            0 => alphabet[(seed >> 8) as usize % alphabet.len()],
                            1 => b' ',
                            _ => b'a' + (seed >> 8) as u8 % 26,
                        }
                    })
                    .collect();
                for at in 0..=len {
                    let name = |b: u8| NAME_BYTES[usize::from(b)] & NAME_CHAR == 0;
                    assert_eq!(
                        name_end(&bytes, at),
                        naive(&bytes, at, &name),
                        "{bytes:?} {at}"
                    );
                    let blank = |b: u8| !b.is_ascii_whitespace();
                    assert_eq!(
                        blank_end(&bytes, at),
                        naive(&bytes, at, &blank),
                        "{bytes:?} {at}"
                    );
                    let value = |b: u8| b"'\"<&\n\t\r".contains(&b);
                    assert_eq!(
                        value_stop(&bytes, at),
                        naive(&bytes, at, &value),
                        "{bytes:?} {at}"
                    );
                    let text = |b: u8| b"<&]".contains(&b);
                    assert_eq!(
                        text_stop(&bytes, at),
                        naive(&bytes, at, &text),
                        "{bytes:?} {at}"
                    );
                    for (b, n) in [(0, at), (at / 2, len - at), (at, len / 3)] {
                        let same = bytes
                            .get(at..at + n)
                            .is_some_and(|x| bytes.get(b..b + n) == Some(x));
                        assert_eq!(same_name(&bytes, at, b, n), same, "{bytes:?} {at} {b} {n}");
                    }
                }
            }
        }
    }

    #[test]
    fn name_lengths() {
        assert_eq!(name_length(b""), 0);
        assert_eq!(name_length(b"1a"), 0);
        assert_eq!(name_length(b"-a"), 0);
        assert_eq!(name_length(b"a1-._:b c"), 7);
        assert_eq!(name_length("é-x/".as_bytes()), 4);
        assert_eq!(name_length(b"_x>"), 2);
    }

    #[test]
    fn plain_documents_take_the_fast_reading() {
        let xml = "<domain type='test'>\n  <name>a&amp;b</name>\n  <os>\n    <type arch=\"x86_64\">hvm</type>\n  </os>\n  <devices/>\n  <x a='1&#10;2'>  </x>\n</domain>\n";
        let fast = plain(xml);
        assert!(fast.is_some());
        assert_eq!(fast, parse_element(xml).ok());
        // Declarations, comments and the like go the full tokenizer's way.
        for other in [
            "<?xml version='1.0'?><a/>",
            "<a><!-- c --></a>",
            "<a><![CDATA[x]]></a>",
            "<!DOCTYPE a><a/>",
            "<a><?pi x?></a>",
        ] {
            assert!(plain(other).is_none(), "{other}");
            assert!(parse_element(other).is_ok(), "{other}");
        }
    }

    /// The fast reading's one-pass scans (blank text, `</name>`, values
    /// to their quote) read what the full tokenizer reads, and leave what
    /// they cannot read to it, which then gives libxml2's error.
    #[test]
    fn fast_scans_agree_with_the_tokenizer() {
        let long = "x".repeat(70);
        let cases = [
            "<a>\n  <b/>\n</a>".to_string(),
            "<a> \t\r\n</a>".into(),
            "<a>  x  </a>".into(),
            "<a>\n  <b/>\n  t\n</a>".into(),
            "<a><b></b ></a>".into(),
            "<a><b></b\n></a>".into(),
            "<a><bc></b></a>".into(),
            "<a><b></bc></a>".into(),
            "<a><b></b".into(),
            "<a x=\"it's\" y='say \"hi\"'/>".into(),
            "<a x='1<2'/>".into(),
            "<a x='1".into(),
            "<a x='a&amp;b' y='l1\nl2\tx\ry'/>".into(),
            "<a x='&bogus;'/>".into(),
            "<a>]]></a>".into(),
            "<a>x]y</a>".into(),
            format!("<a>{long}&amp;{long}</a>"),
            format!("<a>{long}]]>{long}</a>"),
            format!("<a>{long}</a>"),
            "<a>&lt;</a>".into(),
        ];
        for xml in &cases {
            let full = parse_element(xml);
            if let Some(fast) = plain(xml) {
                assert_eq!(full.as_ref().ok(), Some(&fast), "{xml}");
            }
        }
        // What is not well formed is left to the full reading.
        for (i, xml) in cases.iter().enumerate() {
            let bad = matches!(i, 6 | 7 | 8 | 10 | 11 | 13 | 14 | 17);
            assert_eq!(parse_element(xml).is_err(), bad, "{xml}");
            assert!(!bad || plain(xml).is_none(), "{xml}");
        }
        // The plain ones are taken by the fast reading.
        for xml in ["<a>\n  <b/>\n</a>", "<a><b></b ></a>", "<a x=\"it's\"/>"] {
            assert!(plain(xml).is_some(), "{xml}");
        }
    }

    // Texts and carets observed from libvirt 9.0 (virsh define).
    #[test]
    fn libxml2_messages() {
        let cases: &[(&str, &str)] = &[
            ("", "(domain_definition):1: Document is empty\n(null)\n^"),
            ("hello", "(domain_definition):1: Start tag expected, '<' not found\nhello\n^"),
            (
                "<domain type='test'><name>a</name>",
                "(domain_definition):1: Premature end of data in tag domain line 1\n<domain type='test'><name>a</name>\n----------------------------------^",
            ),
            (
                "<domain type='test'><name>a</name></domain>junk",
                "(domain_definition):1: Extra content at the end of the document\n<domain type='test'><name>a</name></domain>junk\n-------------------------------------------^",
            ),
            (
                "<domain type=test><name>a</name></domain>",
                "(domain_definition):1: AttValue: \" or ' expected\n<domain type=test><name>a</name></domain>\n-------------^",
            ),
            (
                "<domain type='test'><name>a &foo; </name></domain>",
                "(domain_definition):1: Entity 'foo' not defined\n<domain type='test'><name>a &foo; </name></domain>\n---------------------------------^",
            ),
            (
                "<domain type='test'><name>a & b</name></domain>",
                "(domain_definition):1: xmlParseEntityRef: no name\n<domain type='test'><name>a & b</name></domain>\n-----------------------------^",
            ),
            (
                "<domain type='test'><name>a < b</name></domain>",
                "(domain_definition):1: StartTag: invalid element name\n<domain type='test'><name>a < b</name></domain>\n-----------------------------^",
            ),
            (
                "<domain type='test'>\n  <name>a</name>\n  <os>",
                "(domain_definition):3: Premature end of data in tag os line 3\n  <os>\n------^",
            ),
            (
                "<domain type='test'>\n  <os>\n",
                "(domain_definition):3: Premature end of data in tag os line 2\n(null)\n^",
            ),
            (
                "<domain type='test' type='x'><name>a</name></domain>",
                "(domain_definition):1: Attribute type redefined\n<domain type='test' type='x'><name>a</name></domain>\n----------------------------^",
            ),
            (
                "<domain type='test'><name attr>a</name></domain>",
                "(domain_definition):1: Specification mandates value for attribute attr\n<domain type='test'><name attr>a</name></domain>\n------------------------------^",
            ),
            (
                "<domain type='test'><name attr='a>a</name></domain>",
                "(domain_definition):1: Unescaped '<' not allowed in attributes values\n<domain type='test'><name attr='a>a</name></domain>\n-----------------------------------^",
            ),
            (
                "<domain type='test'>\n\t<name>a</nam>\n</domain>",
                "(domain_definition):2: Opening and ending tag mismatch: name line 2 and nam\n\t<name>a</nam>\n\t-------------^",
            ),
            (
                "<domain type='test'",
                "(domain_definition):1: attributes construct error\n<domain type='test'\n-------------------^",
            ),
            ("<domain", "(domain_definition):1: Couldn't find end of Start Tag domain line 1\n<domain\n-------^"),
            (
                "<domain type='test'><name>a</name><!-- x",
                "(domain_definition):1: Comment not terminated\n<domain type='test'><name>a</name><!-- x\n----------------------------------------^",
            ),
            (
                "<domain type='test'><name>a</name></domain",
                "(domain_definition):1: expected '>'\n<domain type='test'><name>a</name></domain\n------------------------------------------^",
            ),
            (
                "<domain type='test'><name>a</name></>",
                "(domain_definition):1: Opening and ending tag mismatch: domain line 1 and unparsable\n<domain type='test'><name>a</name></>\n-------------------------------------^",
            ),
            (
                "<domain type='test'><name>a &amp b</name></domain>",
                "(domain_definition):1: EntityRef: expecting ';'\n<domain type='test'><name>a &amp b</name></domain>\n--------------------------------^",
            ),
            (
                "<domain type='test'><name x=\"1\"y=\"2\">a</name></domain>",
                "(domain_definition):1: attributes construct error\n<domain type='test'><name x=\"1\"y=\"2\">a</name></domain>\n-------------------------------^",
            ),
            (
                "<domain type='test'><name>a&#0;</name></domain>",
                "(domain_definition):1: xmlParseCharRef: invalid xmlChar value 0\n<domain type='test'><name>a&#0;</name></domain>\n-------------------------------^",
            ),
            (
                "<domain type='test'><name>a</name>]]></domain>",
                "(domain_definition):1: Sequence ']]>' not allowed in content\n<domain type='test'><name>a</name>]]></domain>\n----------------------------------^",
            ),
            (
                "<domain type='test'><name a='&bar;'>a</name></domain>",
                "(domain_definition):1: Entity 'bar' not defined\n<domain type='test'><name a='&bar;'>a</name></domain>\n----------------------------------^",
            ),
            (
                "<domain type='test'><name>a &#xZZ; </name></domain>",
                "(domain_definition):1: CharRef: invalid hexadecimal value\n<domain type='test'><name>a &#xZZ; </name></domain>\n-------------------------------^",
            ),
            (
                "<domain type='test'>\n  <name>a</name>\n</domain>\n\n<x/>\n",
                "(domain_definition):5: Extra content at the end of the document\n<x/>\n^",
            ),
        ];
        let mut bad = Vec::new();
        for (xml, want) in cases {
            if plain(xml).is_some() {
                bad.push(format!("{xml:?}: the fast reading accepted it"));
            }
            let got = err(xml);
            if got != *want {
                bad.push(format!("{xml:?}\n got {got:?}\nwant {want:?}"));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}
