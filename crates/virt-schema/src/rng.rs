//! libvirt's RelaxNG schema (XML syntax) read into patterns: each
//! `<define>` becomes a [`Pattern`], `<include>`s are followed relative to
//! the including file, and `combine="choice"` / `combine="interleave"`
//! defines are merged, as a RelaxNG processor does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use virt_xml::Element;

use crate::SchemaError;

/// The name of an element or attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameClass {
    /// One name; `ns` is the namespace when it is not libvirt's default.
    Name {
        /// The local name.
        name: String,
        /// The namespace URI, when the schema gives one.
        ns: Option<String>,
    },
    /// `<anyName/>`: any element or attribute (libvirt's `<metadata>`).
    AnyName,
}

/// One RelaxNG pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// `<element>`.
    Element {
        /// Its name.
        name: NameClass,
        /// What it holds (attributes and content).
        content: Box<Pattern>,
    },
    /// `<attribute>`.
    Attribute {
        /// Its name.
        name: NameClass,
        /// Its value's pattern (`<text/>` when the schema gives none).
        content: Box<Pattern>,
    },
    /// `<group>` (and the implicit group of several children).
    Group(Vec<Pattern>),
    /// `<interleave>`: the parts in any order.
    Interleave(Vec<Pattern>),
    /// `<choice>`.
    Choice(Vec<Pattern>),
    /// `<optional>`.
    Optional(Box<Pattern>),
    /// `<zeroOrMore>`.
    ZeroOrMore(Box<Pattern>),
    /// `<oneOrMore>`.
    OneOrMore(Box<Pattern>),
    /// `<list>`: whitespace-separated tokens.
    List(Box<Pattern>),
    /// `<mixed>`: the content with text allowed between.
    Mixed(Box<Pattern>),
    /// `<ref name=...>`.
    Ref(String),
    /// `<empty/>`.
    Empty,
    /// `<text/>`.
    Text,
    /// `<notAllowed/>`.
    NotAllowed,
    /// `<value>`: one literal.
    Value(String),
    /// `<data type=...>` with its `<param>`s and `<except>`.
    Data {
        /// The XML Schema datatype (`unsignedInt`, `string`, ...).
        datatype: String,
        /// Facets: `pattern`, `minInclusive`, `maxLength`, ...
        params: Vec<(String, String)>,
        /// Values excluded from the type.
        except: Option<Box<Pattern>>,
    },
}

/// A whole grammar: the start pattern and every define.
#[derive(Debug, Clone, Default)]
pub struct Grammar {
    /// `<start>`'s pattern.
    pub start: Option<Pattern>,
    /// The defines by name, combines merged.
    pub defines: BTreeMap<String, Pattern>,
}

impl Grammar {
    /// Reads the grammar in `path` and every file it includes.
    pub fn load(path: &Path) -> Result<Grammar, SchemaError> {
        let mut g = Grammar::default();
        let mut seen = Vec::new();
        g.read_file(path, &mut seen)?;
        Ok(g)
    }

    /// The define `name`.
    pub fn define(&self, name: &str) -> Result<&Pattern, SchemaError> {
        self.defines
            .get(name)
            .ok_or_else(|| SchemaError::Grammar(format!("no define named '{name}'")))
    }

    fn read_file(&mut self, path: &Path, seen: &mut Vec<PathBuf>) -> Result<(), SchemaError> {
        if seen.iter().any(|p| p == path) {
            return Ok(());
        }
        seen.push(path.to_path_buf());
        let text = std::fs::read_to_string(path).map_err(|source| SchemaError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let root = virt_xml::parse_element_in(&text, &path.display().to_string()).map_err(|e| {
            SchemaError::Xml {
                path: path.display().to_string(),
                message: e.to_string(),
            }
        })?;
        if root.name != "grammar" {
            return Err(SchemaError::Grammar(format!(
                "{}: root element is <{}>, not <grammar>",
                path.display(),
                root.name
            )));
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        self.read_grammar_content(&root, dir, seen)
    }

    fn read_grammar_content(
        &mut self,
        grammar: &Element,
        dir: &Path,
        seen: &mut Vec<PathBuf>,
    ) -> Result<(), SchemaError> {
        for child in grammar.elements() {
            match child.name.as_str() {
                "include" => {
                    let href = child.attr("href").ok_or_else(|| {
                        SchemaError::Grammar("<include> without href".to_string())
                    })?;
                    // Defines inside <include> replace the included ones.
                    let mut overrides = Grammar::default();
                    overrides.read_grammar_content(child, dir, seen)?;
                    self.read_file(&dir.join(href), seen)?;
                    for (name, p) in overrides.defines {
                        self.defines.insert(name, p);
                    }
                    if overrides.start.is_some() {
                        self.start = overrides.start;
                    }
                }
                "start" => self.start = Some(group_of(child)?),
                "define" => {
                    let name = child
                        .attr("name")
                        .ok_or_else(|| SchemaError::Grammar("<define> without name".into()))?;
                    let p = group_of(child)?;
                    let merged = match (self.defines.remove(name), child.attr("combine")) {
                        (Some(old), Some("choice")) => Pattern::Choice(vec![old, p]),
                        (Some(old), Some("interleave")) => Pattern::Interleave(vec![old, p]),
                        (Some(old), None) => Pattern::Choice(vec![old, p]),
                        (_, _) => p,
                    };
                    self.defines.insert(name.to_string(), merged);
                }
                "div" => self.read_grammar_content(child, dir, seen)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Every named element and attribute definition reachable from the
    /// start pattern, as `(kind, path)` pairs: `element domain/devices/disk`,
    /// `attribute domain/devices/disk/@type`. A path is listed once however
    /// many defines produce it.
    pub fn reachable_paths(&self) -> Result<Vec<(String, String)>, SchemaError> {
        let start = self
            .start
            .clone()
            .ok_or_else(|| SchemaError::Grammar("no <start>".into()))?;
        let mut out = std::collections::BTreeSet::new();
        let mut visited = std::collections::BTreeSet::new();
        self.walk(&start, "", &mut out, &mut visited)?;
        Ok(out.into_iter().collect())
    }

    fn walk(
        &self,
        p: &Pattern,
        at: &str,
        out: &mut std::collections::BTreeSet<(String, String)>,
        visited: &mut std::collections::BTreeSet<(String, String)>,
    ) -> Result<(), SchemaError> {
        match p {
            Pattern::Element { name, content } => {
                let NameClass::Name { name, ns: None } = name else {
                    return Ok(());
                };
                // A recursive element (a backing store's backing store)
                // adds no new definition: its first level lists them all.
                if at.split('/').any(|part| part == name) {
                    return Ok(());
                }
                let path = if at.is_empty() {
                    name.clone()
                } else {
                    format!("{at}/{name}")
                };
                out.insert(("element".into(), path.clone()));
                self.walk(content, &path, out, visited)?;
            }
            Pattern::Attribute { name, .. } => {
                if let NameClass::Name { name, ns: None } = name {
                    out.insert(("attribute".into(), format!("{at}/@{name}")));
                }
            }
            Pattern::Group(v) | Pattern::Interleave(v) | Pattern::Choice(v) => {
                for q in v {
                    self.walk(q, at, out, visited)?;
                }
            }
            Pattern::Optional(q)
            | Pattern::ZeroOrMore(q)
            | Pattern::OneOrMore(q)
            | Pattern::List(q)
            | Pattern::Mixed(q) => self.walk(q, at, out, visited)?,
            Pattern::Ref(name) => {
                // A define reached again at the same place adds nothing new.
                if visited.insert((name.clone(), at.to_string())) {
                    let q = self.define(name)?;
                    self.walk(q, at, out, visited)?;
                }
            }
            Pattern::Empty
            | Pattern::Text
            | Pattern::NotAllowed
            | Pattern::Value(_)
            | Pattern::Data { .. } => {}
        }
        Ok(())
    }
}

/// The pattern of an element's children: one pattern, or a group of them.
fn group_of(e: &Element) -> Result<Pattern, SchemaError> {
    let mut parts = Vec::new();
    for c in e.elements() {
        if let Some(p) = pattern(c)? {
            parts.push(p);
        }
    }
    Ok(match parts.len() {
        0 => Pattern::Empty,
        1 => parts.remove(0),
        _ => Pattern::Group(parts),
    })
}

fn children(e: &Element) -> Result<Vec<Pattern>, SchemaError> {
    let mut parts = Vec::new();
    for c in e.elements() {
        if let Some(p) = pattern(c)? {
            parts.push(p);
        }
    }
    Ok(parts)
}

/// The name of an `<element>` or `<attribute>`: its `name` attribute, or
/// its first child when that is `<name>` or `<anyName>`.
fn name_class(e: &Element) -> Result<NameClass, SchemaError> {
    if let Some(n) = e.attr("name") {
        let ns = e.attr("ns").filter(|ns| !ns.is_empty()).map(str::to_string);
        return Ok(NameClass::Name {
            name: n.to_string(),
            ns,
        });
    }
    match e.elements().next() {
        Some(c) if c.name == "anyName" => Ok(NameClass::AnyName),
        Some(c) if c.name == "name" => Ok(NameClass::Name {
            name: c.text().trim().to_string(),
            ns: c.attr("ns").map(str::to_string),
        }),
        _ => Err(SchemaError::Grammar(format!("<{}> without a name", e.name))),
    }
}

fn pattern(e: &Element) -> Result<Option<Pattern>, SchemaError> {
    let boxed = |e: &Element| group_of(e).map(Box::new);
    Ok(Some(match e.name.as_str() {
        "element" | "attribute" => {
            // pattern() skips a <name>/<anyName> child, so the parts are
            // the content only.
            let name = name_class(e)?;
            let mut parts = children(e)?;
            let content = match parts.len() {
                0 if e.name == "attribute" => Pattern::Text,
                0 => Pattern::Empty,
                1 => parts.remove(0),
                _ => Pattern::Group(parts),
            };
            let content = Box::new(content);
            if e.name == "element" {
                Pattern::Element { name, content }
            } else {
                Pattern::Attribute { name, content }
            }
        }
        "group" => Pattern::Group(children(e)?),
        "interleave" => Pattern::Interleave(children(e)?),
        "choice" => Pattern::Choice(children(e)?),
        "optional" => Pattern::Optional(boxed(e)?),
        "zeroOrMore" => Pattern::ZeroOrMore(boxed(e)?),
        "oneOrMore" => Pattern::OneOrMore(boxed(e)?),
        "list" => Pattern::List(boxed(e)?),
        "mixed" => Pattern::Mixed(boxed(e)?),
        "ref" | "parentRef" => Pattern::Ref(
            e.attr("name")
                .ok_or_else(|| SchemaError::Grammar("<ref> without name".into()))?
                .to_string(),
        ),
        "empty" => Pattern::Empty,
        "text" => Pattern::Text,
        "notAllowed" => Pattern::NotAllowed,
        "value" => Pattern::Value(e.text()),
        "data" => {
            let mut params = Vec::new();
            let mut except = None;
            for c in e.elements() {
                match c.name.as_str() {
                    "param" => params.push((c.attr("name").unwrap_or("").to_string(), c.text())),
                    "except" => except = Some(boxed(c)?),
                    _ => {}
                }
            }
            Pattern::Data {
                datatype: e.attr("type").unwrap_or("string").to_string(),
                params,
                except,
            }
        }
        // Names are read by name_class; documentation is not a pattern.
        "name" | "anyName" | "nsName" | "except" | "param" | "documentation" => return Ok(None),
        other => {
            return Err(SchemaError::Grammar(format!(
                "RelaxNG construct <{other}> is not supported"
            )))
        }
    }))
}
