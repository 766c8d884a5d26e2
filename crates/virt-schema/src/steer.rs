//! Steering the generator toward the parts of the schema that no document
//! has reached yet (the schema coverage test's mode,
//! [`crate::generate::Generator::steered`]).
//!
//! Every element and attribute path of the grammar gets a number. For a
//! pattern met at a place in the document (the element path it fills),
//! the walk asks which paths it could lead to; a choice then prefers the
//! alternatives leading somewhere still wanted, and an optional part
//! leading somewhere wanted is taken more often. A path is wanted until a
//! document that uses it is reported as reached (it parsed), or until
//! enough documents were built to reach it without that (libvirt refuses
//! it in every definition: the walk stops insisting). Documents that
//! merely happen to use a path do not count toward giving it up: they
//! are refused for whatever else they hold, which says nothing of the
//! path, and giving a path up on them would leave it to the luck of the
//! sample.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::rng::{Grammar, NameClass, Pattern};
use crate::SchemaError;

/// How many documents built to reach a path may go without one being
/// reported reached before the walk stops steering toward it.
const TRIES: u32 = 6;

/// A set of path numbers.
type Bits = Vec<u64>;

/// What the walk knows about the grammar's paths.
pub(crate) struct Steer {
    /// Path (`domain/devices/disk/@type`) -> its number.
    ids: HashMap<String, usize>,
    /// Number -> its path.
    names: Vec<String>,
    /// The path the document being made is built to reach, if any.
    target: Option<usize>,
    /// Reported reached, by number.
    reached: Vec<bool>,
    /// Documents built to reach it, by number.
    aimed: Vec<u32>,
    /// The paths a define leads to from a place: (define, place) -> set.
    memo: HashMap<(String, String), Rc<Bits>>,
    /// Defines being expanded at a place (a cycle adds nothing new).
    open: HashSet<(String, String)>,
}

impl Steer {
    /// Number every path `grammar` can reach from its start.
    pub(crate) fn new(grammar: &Grammar) -> Result<Self, SchemaError> {
        let paths = grammar.reachable_paths()?;
        let names: Vec<String> = paths.into_iter().map(|(_, p)| p).collect();
        let ids: HashMap<String, usize> = names
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), i))
            .collect();
        let n = ids.len();
        Ok(Steer {
            ids,
            names,
            target: None,
            reached: vec![false; n],
            aimed: vec![0; n],
            memo: HashMap::new(),
            open: HashSet::new(),
        })
    }

    /// Paths a document that was reported good uses: no longer wanted.
    pub(crate) fn reached(&mut self, paths: &HashSet<String>) {
        for p in paths {
            if let Some(&i) = self.ids.get(p) {
                self.reached[i] = true;
            }
        }
    }

    /// Whether path number `i` is still wanted.
    fn is_wanted(&self, i: usize) -> bool {
        !self.reached[i] && self.aimed[i] < TRIES
    }

    /// Whether any path is still wanted (neither reached nor given up).
    pub(crate) fn any_wanted(&self) -> bool {
        (0..self.names.len()).any(|i| self.is_wanted(i))
    }

    /// Choose the path the next document is built to reach: one still
    /// wanted, drawn by `draw` (a number below the count it is given);
    /// none when every path is reached or given up.
    pub(crate) fn aim(&mut self, draw: impl FnOnce(u64) -> u64) -> Option<&str> {
        let wanted: Vec<usize> = (0..self.names.len())
            .filter(|&i| self.is_wanted(i))
            .collect();
        self.target = match wanted.len() {
            0 => None,
            n => Some(wanted[draw(n as u64) as usize]),
        };
        if let Some(t) = self.target {
            self.aimed[t] = self.aimed[t].saturating_add(1);
        }
        self.target.map(|i| self.names[i].as_str())
    }

    /// Build the next document to reach `path`, whether or not it is
    /// still wanted (a path given up after [`TRIES`] documents may yet be
    /// reached by more); `None` when the grammar has no such path.
    pub(crate) fn aim_at(&mut self, path: &str) -> Option<&str> {
        let i = *self.ids.get(path)?;
        self.target = Some(i);
        self.aimed[i] = self.aimed[i].saturating_add(1);
        Some(self.names[i].as_str())
    }

    /// Whether `p`, met at `at`, can lead to the path the document is
    /// built to reach.
    pub(crate) fn leads_to_target(&mut self, grammar: &Grammar, p: &Pattern, at: &str) -> bool {
        let Some(t) = self.target else {
            return false;
        };
        let bits = self.leads_to(grammar, p, at);
        bits[t / 64] & (1 << (t % 64)) != 0
    }

    /// How many wanted paths `p`, met at `at`, can lead to.
    pub(crate) fn wanted(&mut self, grammar: &Grammar, p: &Pattern, at: &str) -> usize {
        let bits = self.leads_to(grammar, p, at);
        let mut n = 0;
        for (w, word) in bits.iter().enumerate() {
            let mut rest = *word;
            while rest != 0 {
                let b = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                let i = w * 64 + b;
                if self.is_wanted(i) {
                    n += 1;
                }
            }
        }
        n
    }

    fn bits(&self) -> Bits {
        vec![0; self.reached.len().div_ceil(64)]
    }

    fn set(&self, bits: &mut Bits, path: &str) {
        if let Some(&i) = self.ids.get(path) {
            bits[i / 64] |= 1 << (i % 64);
        }
    }

    /// The paths `p`, met at `at`, can lead to (as the grammar's
    /// `reachable_paths` walks: a recursive element adds nothing).
    fn leads_to(&mut self, grammar: &Grammar, p: &Pattern, at: &str) -> Rc<Bits> {
        let mut out = self.bits();
        self.collect(grammar, p, at, &mut out);
        Rc::new(out)
    }

    fn collect(&mut self, grammar: &Grammar, p: &Pattern, at: &str, out: &mut Bits) {
        match p {
            Pattern::Element { name, content } => {
                let NameClass::Name { name, ns: None } = name else {
                    return;
                };
                if at.split('/').any(|part| part == name) {
                    return;
                }
                let path = if at.is_empty() {
                    name.clone()
                } else {
                    format!("{at}/{name}")
                };
                self.set(out, &path);
                self.collect(grammar, content, &path, out);
            }
            Pattern::Attribute { name, .. } => {
                if let NameClass::Name { name, ns: None } = name {
                    self.set(out, &format!("{at}/@{name}"));
                }
            }
            Pattern::Group(v) | Pattern::Interleave(v) | Pattern::Choice(v) => {
                for q in v {
                    self.collect(grammar, q, at, out);
                }
            }
            Pattern::Optional(q)
            | Pattern::ZeroOrMore(q)
            | Pattern::OneOrMore(q)
            | Pattern::List(q)
            | Pattern::Mixed(q) => self.collect(grammar, q, at, out),
            Pattern::Ref(name) => {
                let key = (name.clone(), at.to_string());
                let bits = match self.memo.get(&key) {
                    Some(b) => Rc::clone(b),
                    None => {
                        if !self.open.insert(key.clone()) {
                            return;
                        }
                        let mut sub = self.bits();
                        if let Ok(q) = grammar.define(name) {
                            self.collect(grammar, q, at, &mut sub);
                        }
                        self.open.remove(&key);
                        let sub = Rc::new(sub);
                        self.memo.insert(key, Rc::clone(&sub));
                        sub
                    }
                };
                for (o, b) in out.iter_mut().zip(bits.iter()) {
                    *o |= b;
                }
            }
            Pattern::Empty
            | Pattern::Text
            | Pattern::NotAllowed
            | Pattern::Value(_)
            | Pattern::Data { .. } => {}
        }
    }
}

/// The element and attribute paths `root` uses, in the grammar's spelling
/// (`domain/devices/disk/@type`).
pub(crate) fn paths_of(root: &virt_xml::Element) -> HashSet<String> {
    fn walk(e: &virt_xml::Element, at: &str, out: &mut HashSet<String>) {
        let here = if at.is_empty() {
            e.name.to_string()
        } else {
            format!("{at}/{}", e.name)
        };
        for (k, _) in &e.attrs {
            out.insert(format!("{here}/@{k}"));
        }
        for c in e.elements() {
            walk(c, &here, out);
        }
        out.insert(here);
    }
    let mut out = HashSet::new();
    walk(root, "", &mut out);
    out
}
