//! Seeded random domain documents from the schema's grammar.
//!
//! Document `i` of seed `s` depends on `(s, i)` only, so any one document
//! of a run can be made again alone. A document is built by walking the
//! grammar from `<start>`: a choice takes one generatable alternative, an
//! optional part is taken with a probability that falls with depth and size
//! (so documents stay tens of lines, not thousands), repeats take zero to
//! two copies, values come from `<value>` lists, from `<data>` types within
//! their `minInclusive`/`maxInclusive` facets, and from their `pattern`
//! facets (a string matching the regular expression, made by proptest's
//! regex generator).
//!
//! Every document is made to be one libvirt's test driver can take as a
//! definition at all: `<domain type='test'>`, a unique `<name>` (`genN`) and
//! a `<uuid>` (so the dumps of both sides can be compared byte for byte).
//! A valid document is then given what libvirt's rules across elements
//! require of the parts it has (`repair`'s settling: a USB redirection
//! device gets a USB controller, ...), so that libvirt accepts it more
//! often and its dump is compared. A *broken* document instead gets one
//! change: a value replaced by junk, an unknown attribute, a required child
//! removed, or an element doubled.
//!
//! A [`Generator::steered`] generator (the schema coverage test's) makes
//! valid documents only and leans toward the parts of the schema no
//! document reported to it ([`Generator::reached`]) has used yet
//! (`steer`): each of its documents is built to reach one such path, and
//! the parts of it libvirt's define-time rules refuse, not on the way to
//! that path, are dropped (`repair`). A plain one is not steered, so a
//! seed's documents stay the same from run to run whatever the caller does
//! with them.

use std::collections::HashMap;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use virt_xml::{Element, Node};

use crate::repair;
use crate::rng::{Grammar, NameClass, Pattern};
use crate::steer::{paths_of, Steer};
use crate::SchemaError;

/// One generated document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Its index in the run.
    pub index: u64,
    /// The domain name it defines (`genN`).
    pub name: String,
    /// The XML text.
    pub xml: String,
    /// For a broken document, what was changed.
    pub broken: Option<String>,
}

/// A small, fast, seedable generator (SplitMix64): the decisions of the
/// walk. Values matching patterns come from proptest's generator, seeded
/// from this one.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / ((1u64 << 53) as f64) < p
    }
}

/// Past this depth only what the grammar requires is made.
const MAX_DEPTH: usize = 12;
/// Past this many elements only what the grammar requires is made.
const SOFT_ELEMENTS: usize = 40;

/// Builds documents from a grammar.
pub struct Generator<'g> {
    grammar: &'g Grammar,
    seed: u64,
    /// Whether a define can produce something (no notAllowed, no foreign
    /// namespace or anyName element on every path), memoised.
    generatable: HashMap<String, bool>,
    /// For a steered generator, what its documents reached.
    steer: Option<Steer>,
    /// The OS type every document's `<os><type>` is given (hvm unless
    /// [`Generator::with_os_type`] says otherwise).
    os_type: String,
}

/// What one element's content gathers while it is generated.
#[derive(Default)]
struct Content {
    attrs: Vec<virt_xml::Attr>,
    children: Vec<Node>,
    text: String,
}

/// The state of one document's walk.
struct Walk {
    rng: Rng,
    runner: TestRunner,
    elements: usize,
    depth: usize,
    refs: Vec<String>,
    /// The element path being filled (`domain/devices/disk`).
    at: String,
    /// For a steered walk, the path it is built to reach, until made.
    target: Option<String>,
    /// Numbers small and in the plain decimal form (a steered walk's:
    /// the edges of a datatype are the differential run's business, and
    /// libvirt refuses many of them for its own narrower types).
    modest: bool,
}

impl<'g> Generator<'g> {
    /// A generator over `grammar` for the run `seed`.
    pub fn new(grammar: &'g Grammar, seed: u64) -> Self {
        Generator {
            grammar,
            seed,
            generatable: HashMap::new(),
            steer: None,
            os_type: "hvm".into(),
        }
    }

    /// The same generator with `os_type` (xen, linux, exe, uml, xenpvh)
    /// in place of hvm in every document's `<os><type>`: a measure of the
    /// rules of other guests than HVM, which the default mix leaves out.
    pub fn with_os_type(mut self, os_type: &str) -> Self {
        self.os_type = os_type.to_string();
        self
    }

    /// A generator over `grammar` for the run `seed` that makes valid
    /// documents only and steers each walk toward the element and
    /// attribute paths no document reported through
    /// [`Generator::reached`] has used yet: a choice prefers the
    /// alternatives leading to such a path, an optional part leading to
    /// one is taken more often, and each document is built to reach one
    /// such path (drawn at random). A document virt-xml's define-time
    /// rules refuse loses the parts not on the way to that path that the
    /// refusal is about. A path stops pulling once a few documents built
    /// to reach it were not reported with it (libvirt refuses it in any
    /// definition).
    pub fn steered(grammar: &'g Grammar, seed: u64) -> Result<Self, SchemaError> {
        Ok(Generator {
            steer: Some(Steer::new(grammar)?),
            ..Generator::new(grammar, seed)
        })
    }

    /// Report `doc` as good (it parsed): the paths it uses are reached,
    /// and a steered generator stops leaning toward them. A plain
    /// generator ignores it.
    pub fn reached(&mut self, doc: &Document) {
        if let (Some(steer), Ok(root)) = (self.steer.as_mut(), virt_xml::parse_element(&doc.xml)) {
            steer.reached(&paths_of(&root));
        }
    }

    /// Whether a steered generator still has paths to build documents
    /// for (some path neither reported reached nor given up). Once it has
    /// none, its documents are valid ones no longer aimed anywhere: a long
    /// steered run starts a fresh generator there, for another round of
    /// documents aimed at every path. False for a plain generator.
    pub fn wants_more(&self) -> bool {
        self.steer.as_ref().is_some_and(Steer::any_wanted)
    }

    /// Document `index` of the run: valid when `index` is even-ish (three in
    /// four), broken otherwise.
    pub fn document(&mut self, index: u64) -> Result<Document, SchemaError> {
        self.make(index, None)
    }

    /// Document `index` of a steered run, built to reach `path` (in the
    /// grammar's spelling, `domain/devices/disk/@type`) rather than a
    /// path drawn at random: the coverage test's second phase, which aims
    /// at each path the first left unreached, one after the other, so
    /// that what is reached depends on the repairs, not on which paths the
    /// draws happened to pick. A plain generator, or a path the grammar
    /// does not reach, makes [`Generator::document`]'s document.
    pub fn document_for(&mut self, index: u64, path: &str) -> Result<Document, SchemaError> {
        self.make(index, Some(path))
    }

    fn make(&mut self, index: u64, path: Option<&str>) -> Result<Document, SchemaError> {
        let mut rng = Rng::new(self.seed ^ index.wrapping_mul(0xa076_1d64_78bd_642f));
        let mut seed_bytes = [0u8; 32];
        for chunk in seed_bytes.chunks_mut(8) {
            chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
        }
        let runner = TestRunner::new_with_rng(
            Config::default(),
            TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
        );
        // The draw is made either way, so that steering changes nothing
        // else of the walk's randomness.
        let broken = rng.below(4) == 3 && self.steer.is_none();
        let mut walk = Walk {
            rng,
            runner,
            elements: 0,
            depth: 0,
            refs: Vec::new(),
            at: String::new(),
            target: None,
            modest: self.steer.is_some(),
        };
        if let Some(steer) = self.steer.as_mut() {
            let rng = &mut walk.rng;
            let aimed = path.and_then(|p| steer.aim_at(p));
            walk.target = match aimed {
                Some(p) => Some(p.to_string()),
                None => steer.aim(|n| rng.below(n)).map(str::to_string),
            };
        }
        let aim = walk.target.clone();
        let start = self
            .grammar
            .start
            .clone()
            .ok_or_else(|| SchemaError::Grammar("no <start>".into()))?;
        let mut top = Content::default();
        self.fill(&start, &mut top, &mut walk)?;
        let mut root = top
            .children
            .into_iter()
            .find_map(|n| match n {
                Node::Element(e) => Some(e),
                Node::Text(_) => None,
            })
            .ok_or_else(|| SchemaError::Grammar("the start pattern made no element".into()))?;
        let name = format!("gen{index}");
        make_definable(&mut root, &name, &self.os_type, &mut walk.rng);
        if self.steer.is_some() {
            repair::settle_steered(&mut root, aim.as_deref());
            repair::accept(&mut root, aim.as_deref());
        } else if !broken {
            // A valid document gets what libvirt's rules across elements
            // require of the parts it has: refused by one of them, its
            // devices' dumps would never be compared.
            repair::settle(&mut root, None);
        }
        let broken = if broken {
            Some(break_one(&mut root, &mut walk.rng))
        } else {
            None
        };
        Ok(Document {
            index,
            name,
            xml: root.to_xml(0),
            broken,
        })
    }

    /// Whether `p` can produce something valid here.
    fn can_make(&mut self, p: &Pattern) -> bool {
        match p {
            Pattern::NotAllowed => false,
            Pattern::Element { name, .. } | Pattern::Attribute { name, .. } => {
                matches!(name, NameClass::Name { ns: None, .. })
            }
            Pattern::Group(v) | Pattern::Interleave(v) => v.iter().all(|q| self.can_make(q)),
            Pattern::Choice(v) => v.iter().any(|q| self.can_make(q)),
            Pattern::OneOrMore(q) | Pattern::List(q) | Pattern::Mixed(q) => self.can_make(q),
            Pattern::Optional(_) | Pattern::ZeroOrMore(_) => true,
            Pattern::Ref(name) => {
                if let Some(&known) = self.generatable.get(name) {
                    return known;
                }
                // Assumed while it is being decided: a cycle goes through
                // elements, which the walk bounds by depth.
                self.generatable.insert(name.clone(), true);
                let known = match self.grammar.defines.get(name).cloned() {
                    Some(q) => self.can_make(&q),
                    None => false,
                };
                self.generatable.insert(name.clone(), known);
                known
            }
            Pattern::Empty | Pattern::Text | Pattern::Value(_) | Pattern::Data { .. } => true,
        }
    }

    /// How many still-wanted paths `p` leads to from where the walk is
    /// (0 for a plain generator).
    fn wanted(&mut self, p: &Pattern, walk: &Walk) -> usize {
        let grammar = self.grammar;
        match self.steer.as_mut() {
            Some(steer) => steer.wanted(grammar, p, &walk.at),
            None => 0,
        }
    }

    /// Whether `p` leads to the path a steered walk is built to reach
    /// (and that path is not made yet).
    fn aims(&mut self, p: &Pattern, walk: &Walk) -> bool {
        let grammar = self.grammar;
        match (self.steer.as_mut(), &walk.target) {
            (Some(steer), Some(_)) => steer.leads_to_target(grammar, p, &walk.at),
            _ => false,
        }
    }

    /// Whether to take the optional part `q`: always when it leads to the
    /// path a steered walk is built to reach, more often when it leads to
    /// a path still wanted.
    fn take(&mut self, q: &Pattern, walk: &mut Walk) -> bool {
        if self.aims(q, walk) {
            return true;
        }
        if self.steer.is_some()
            && walk.depth < MAX_DEPTH
            && walk.elements < 2 * SOFT_ELEMENTS
            && self.wanted(q, walk) > 0
        {
            return walk.rng.chance(0.6);
        }
        self.take_optional(walk)
    }

    fn take_optional(&self, walk: &mut Walk) -> bool {
        if walk.depth >= MAX_DEPTH || walk.elements >= SOFT_ELEMENTS {
            return false;
        }
        // Fewer optional parts deeper down: the top of a domain has many.
        let p = match walk.depth {
            0..=1 => 0.12,
            2..=3 => 0.3,
            _ => 0.35,
        };
        walk.rng.chance(p)
    }

    fn fill(&mut self, p: &Pattern, out: &mut Content, walk: &mut Walk) -> Result<(), SchemaError> {
        match p {
            Pattern::Element { name, content } => {
                let NameClass::Name { name, ns: None } = name else {
                    return Ok(());
                };
                walk.elements += 1;
                walk.depth += 1;
                let outer = walk.at.len();
                if !walk.at.is_empty() {
                    walk.at.push('/');
                }
                walk.at.push_str(name);
                if walk.target.as_deref() == Some(walk.at.as_str()) {
                    walk.target = None;
                }
                let mut inner = Content::default();
                let r = self.fill(content, &mut inner, walk);
                walk.at.truncate(outer);
                walk.depth -= 1;
                r?;
                let mut e = Element::new(name.clone());
                e.attrs = inner.attrs;
                e.children = inner.children;
                if !inner.text.is_empty() {
                    e.children.push(Node::Text(inner.text));
                }
                out.children.push(Node::Element(e));
            }
            Pattern::Attribute { name, content } => {
                let NameClass::Name { name, ns: None } = name else {
                    return Ok(());
                };
                if let Some(t) = &walk.target {
                    if t.strip_suffix(name.as_str())
                        .and_then(|t| t.strip_suffix("/@"))
                        .is_some_and(|t| t == walk.at)
                    {
                        walk.target = None;
                    }
                }
                let value = self.value(content, walk)?;
                if !out.attrs.iter().any(|(k, _)| k == name) {
                    out.attrs.push((name.into(), value));
                }
            }
            Pattern::Group(v) | Pattern::Interleave(v) => {
                for q in v {
                    self.fill(q, out, walk)?;
                }
            }
            Pattern::Choice(v) => {
                let mut options: Vec<&Pattern> = v.iter().filter(|q| self.can_make(q)).collect();
                if options.is_empty() {
                    return Ok(());
                }
                let aiming: Vec<&Pattern> = options
                    .iter()
                    .copied()
                    .filter(|q| self.aims(q, walk))
                    .collect();
                if !aiming.is_empty() {
                    // The alternatives leading to the path the walk is
                    // built to reach.
                    options = aiming;
                } else if self.steer.is_some() {
                    // The alternatives leading somewhere still wanted, when
                    // there are any.
                    let leading: Vec<&Pattern> = options
                        .iter()
                        .copied()
                        .filter(|q| self.wanted(q, walk) > 0)
                        .collect();
                    if !leading.is_empty() {
                        options = leading;
                    }
                }
                let pick = options[walk.rng.below(options.len() as u64) as usize].clone();
                self.fill(&pick, out, walk)?;
            }
            Pattern::Optional(q) => {
                if self.can_make(q) && self.take(q, walk) {
                    self.fill(q, out, walk)?;
                }
            }
            Pattern::ZeroOrMore(q) => {
                if self.can_make(q) {
                    while self.take(q, walk) {
                        self.fill(q, out, walk)?;
                        if walk.rng.chance(0.5) {
                            break;
                        }
                    }
                }
            }
            Pattern::OneOrMore(q) => {
                self.fill(q, out, walk)?;
                if self.take_optional(walk) {
                    self.fill(q, out, walk)?;
                }
            }
            Pattern::Mixed(q) => self.fill(q, out, walk)?,
            Pattern::Ref(name) => {
                let q = self.grammar.define(name)?.clone();
                walk.refs.push(name.clone());
                let r = self.fill(&q, out, walk);
                walk.refs.pop();
                r?;
            }
            Pattern::Empty | Pattern::NotAllowed => {}
            Pattern::Text | Pattern::Value(_) | Pattern::Data { .. } | Pattern::List(_) => {
                let v = self.value(p, walk)?;
                out.text.push_str(&v);
            }
        }
        Ok(())
    }

    /// A text value for a value pattern (what an attribute or a text-only
    /// element holds).
    fn value(&mut self, p: &Pattern, walk: &mut Walk) -> Result<String, SchemaError> {
        Ok(match p {
            Pattern::Value(v) => v.clone(),
            Pattern::Text => word(&mut walk.rng),
            Pattern::Data {
                datatype,
                params,
                except,
            } => {
                let mut v = data_value(datatype, params, walk);
                for _ in 0..4 {
                    let excluded = match except.as_deref() {
                        Some(Pattern::Value(x)) => *x == v,
                        Some(Pattern::Choice(xs)) => {
                            xs.iter().any(|x| matches!(x, Pattern::Value(x) if *x == v))
                        }
                        _ => false,
                    };
                    if !excluded {
                        break;
                    }
                    v = data_value(datatype, params, walk);
                }
                v
            }
            Pattern::Choice(v) => {
                let options: Vec<&Pattern> = v.iter().filter(|q| self.can_make(q)).collect();
                match options.len() {
                    0 => String::new(),
                    n => {
                        let pick = options[walk.rng.below(n as u64) as usize].clone();
                        self.value(&pick, walk)?
                    }
                }
            }
            Pattern::Ref(name) => {
                let q = self.grammar.define(name)?.clone();
                self.value(&q, walk)?
            }
            Pattern::Group(v) | Pattern::Interleave(v) => {
                let mut s = String::new();
                for q in v {
                    s.push_str(&self.value(q, walk)?);
                }
                s
            }
            Pattern::List(q) => {
                let n = 1 + walk.rng.below(2);
                let mut parts = Vec::new();
                for _ in 0..n {
                    parts.push(self.value(q, walk)?);
                }
                parts.join(" ")
            }
            Pattern::Optional(q) | Pattern::ZeroOrMore(q) => {
                if walk.rng.chance(0.5) {
                    self.value(q, walk)?
                } else {
                    String::new()
                }
            }
            Pattern::OneOrMore(q) | Pattern::Mixed(q) => self.value(q, walk)?,
            Pattern::Empty
            | Pattern::NotAllowed
            | Pattern::Element { .. }
            | Pattern::Attribute { .. } => String::new(),
        })
    }
}

/// A short word of letters and digits.
fn word(rng: &mut Rng) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let n = 1 + rng.below(8);
    (0..n)
        .map(|i| {
            let pool = if i == 0 { 26 } else { LETTERS.len() as u64 };
            LETTERS[rng.below(pool) as usize] as char
        })
        .collect()
}

/// A value of an XML Schema datatype within its facets.
fn data_value(datatype: &str, params: &[(String, String)], walk: &mut Walk) -> String {
    let param = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let numeric = matches!(
        datatype,
        "unsignedInt"
            | "unsignedLong"
            | "unsignedShort"
            | "unsignedByte"
            | "int"
            | "short"
            | "long"
            | "integer"
            | "positiveInteger"
            | "nonNegativeInteger"
    );
    if let Some(pattern) = param("pattern") {
        if !numeric || (!walk.modest && walk.rng.chance(0.5)) {
            if let Some(v) = matching(pattern, walk) {
                return v;
            }
        }
    }
    let (lo, hi): (i128, i128) = match datatype {
        "unsignedInt" => (0, u32::MAX.into()),
        "unsignedLong" | "nonNegativeInteger" => (0, u64::MAX.into()),
        "unsignedShort" => (0, u16::MAX.into()),
        "unsignedByte" => (0, u8::MAX.into()),
        "positiveInteger" => (1, u64::MAX.into()),
        "int" => (i32::MIN.into(), i32::MAX.into()),
        "short" => (i16::MIN.into(), i16::MAX.into()),
        "long" | "integer" => (i64::MIN.into(), i64::MAX.into()),
        "dateTime" => return "2021-04-01T12:30:00".to_string(),
        "double" | "float" | "decimal" => {
            return format!("{}.{}", walk.rng.below(100), walk.rng.below(10))
        }
        "boolean" => return ["true", "false"][walk.rng.below(2) as usize].to_string(),
        _ => return word(&mut walk.rng),
    };
    let lo = param("minInclusive")
        .and_then(|v| v.parse().ok())
        .unwrap_or(lo);
    let hi = param("maxInclusive")
        .and_then(|v| v.parse().ok())
        .unwrap_or(hi)
        .max(lo);
    // Mostly small numbers (what domains hold), sometimes the edges.
    if walk.modest {
        let lo = if hi >= 0 { lo.max(0) } else { lo };
        return (lo + i128::from(walk.rng.below(16)).min(hi - lo)).to_string();
    }
    let v = match walk.rng.below(8) {
        0 => lo,
        1 => hi,
        2 => lo + i128::from(walk.rng.below(1 << 20)).min(hi - lo),
        _ => lo + i128::from(walk.rng.below(64)).min(hi - lo),
    };
    v.to_string()
}

/// A string matching an XML Schema `pattern` facet, when the expression is
/// one Rust's regex syntax reads the same way and the match is printable
/// ASCII (what a document can carry unescaped and a reader can compare).
fn matching(pattern: &str, walk: &mut Walk) -> Option<String> {
    // XML Schema patterns are anchored and have no anchors of their own.
    let strategy = proptest::string::string_regex(pattern).ok()?;
    for _ in 0..8 {
        let v = strategy.new_tree(&mut walk.runner).ok()?.current();
        if v.len() <= 64 && v.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Some(shorter_numbers(&v, &mut walk.rng));
        }
    }
    None
}

/// A value of digits and separators (a cpuset, a size) with each long run
/// of digits cut to one to three digits: a pattern's `[0-9]+` otherwise
/// makes numbers of thirty digits, which every parser refuses the same dull
/// way (and which make libvirt build huge CPU bitmaps).
fn shorter_numbers(v: &str, rng: &mut Rng) -> String {
    if v.bytes().any(|b| b.is_ascii_alphabetic()) {
        return v.to_string();
    }
    let mut out = String::new();
    let mut run = 0;
    let keep = 1 + rng.below(3) as usize;
    for c in v.chars() {
        if c.is_ascii_digit() {
            run += 1;
            if run > keep {
                continue;
            }
        } else {
            run = 0;
        }
        out.push(c);
    }
    out
}

/// The parts every generated document has, so that the test driver can
/// take it as a definition at all and both dumps can be compared: `type`
/// test, the name, a uuid, a memory size and an `hvm` OS type (the test
/// driver's only one). The rest stays as the grammar walk made it.
fn make_definable(root: &mut Element, name: &str, os_type: &str, rng: &mut Rng) {
    root.set_attr("type", "test");
    let uuid = format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        rng.next_u64() as u32,
        rng.below(1 << 16),
        rng.below(1 << 12),
        rng.below(1 << 12),
        rng.below(1 << 48)
    );
    let memory = (1 + rng.below(64)) * 65536;
    let fixed = [
        (0, Element::new("name").with_text(name)),
        (1, Element::new("uuid").with_text(uuid)),
        (
            2,
            Element::new("memory")
                .with_attr("unit", "KiB")
                .with_text(memory.to_string()),
        ),
    ];
    for (place, e) in fixed {
        let at = root
            .children
            .iter()
            .position(|n| matches!(n, Node::Element(c) if c.name == e.name));
        match at {
            Some(i) => root.children[i] = Node::Element(e),
            None => {
                let i = place.min(root.children.len());
                root.children.insert(i, Node::Element(e));
            }
        }
    }
    let os = root.children.iter_mut().find_map(|n| match n {
        Node::Element(e) if e.name == "os" => Some(e),
        _ => None,
    });
    if let Some(os) = os {
        for n in &mut os.children {
            if let Node::Element(t) = n {
                if t.name == "type" {
                    t.set_text(os_type);
                    t.attrs
                        .retain(|(k, v)| k == "arch" && (v == "i686" || v == "x86_64"));
                }
            }
        }
    }
}

/// Values a broken document may carry where a valid one had its value.
const JUNK: &[&str] = &[
    "bogus",
    "-1",
    "99999999999999999999999",
    "",
    "0x",
    "yes no",
    "1.5",
];

/// Makes one change that may break `root`; says what it did.
fn break_one(root: &mut Element, rng: &mut Rng) -> String {
    // Every element with its path, depth first (the root and its name and
    // uuid excluded: they are what makes the document definable at all).
    let mut paths = Vec::new();
    collect(root, &mut Vec::new(), &mut paths);
    paths.retain(|p: &Vec<usize>| !p.is_empty());
    if paths.is_empty() {
        return "nothing to break".into();
    }
    let at = paths[rng.below(paths.len() as u64) as usize].clone();
    let junk = JUNK[rng.below(JUNK.len() as u64) as usize];
    let (parent_path, last) = at.split_at(at.len() - 1);
    let parent = element_at(root, parent_path);
    let Some(Node::Element(target)) = parent.children.get(last[0]).cloned() else {
        return "nothing to break".into();
    };
    if matches!(target.name.as_str(), "name" | "uuid") && parent_path.is_empty() {
        return "nothing broken (name/uuid kept)".into();
    }
    match rng.below(4) {
        0 if !target.attrs.is_empty() => {
            let i = rng.below(target.attrs.len() as u64) as usize;
            let key = target.attrs[i].0.clone();
            if let Some(Node::Element(e)) = parent.children.get_mut(last[0]) {
                e.attrs[i].1 = junk.to_string();
            }
            format!("<{}> attribute {key}='{junk}'", target.name)
        }
        1 if target.elements().next().is_none() && !target.text().is_empty() => {
            if let Some(Node::Element(e)) = parent.children.get_mut(last[0]) {
                e.set_text(junk);
            }
            format!("<{}> text '{junk}'", target.name)
        }
        2 => {
            parent.children.remove(last[0]);
            format!("<{}> removed", target.name)
        }
        _ => {
            parent
                .children
                .insert(last[0], Node::Element(target.clone()));
            format!("<{}> doubled", target.name)
        }
    }
}

fn collect(e: &Element, at: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(at.clone());
    for (i, n) in e.children.iter().enumerate() {
        if let Node::Element(c) = n {
            at.push(i);
            collect(c, at, out);
            at.pop();
        }
    }
}

fn element_at<'a>(root: &'a mut Element, path: &[usize]) -> &'a mut Element {
    let mut e = root;
    for &i in path {
        e = match e.children.get_mut(i) {
            Some(Node::Element(c)) => c,
            _ => unreachable!("paths come from collect()"),
        };
    }
    e
}
