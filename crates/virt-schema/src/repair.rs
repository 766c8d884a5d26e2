//! Making a steered document one the define-time rules accept (the schema
//! coverage test's mode, [`crate::generate::Generator::steered`]).
//!
//! The schema says what a domain may contain, libvirt's parser adds rules
//! across elements (a loader needs a path unless firmware is chosen
//! automatically, `<maxMemory>` needs slots and must not be below
//! `<memory>`, ...). A steered document refused by such a rule is of no
//! use to the coverage run, so the parts of it not on the way to the path
//! it was built to reach are dropped, one at a time, while they are what
//! the refusal is about (the refusal changes or goes when they are gone).

use virt_xml::{Element, Node};

/// At most this many drops are tried per document (each is one parse).
const ATTEMPTS: usize = 48;
/// Parts deeper than this are not dropped one by one (their ancestors are).
const DEPTH: usize = 3;

/// Give `root` what libvirt requires of every domain whatever its schema
/// alternative: an `<os>` with its type (a bootloader domain's schema
/// alternative has none).
pub(crate) fn settle(root: &mut Element) {
    if root.child("os").is_none() {
        let at = root
            .children
            .iter()
            .position(|n| matches!(n, Node::Element(c) if c.name == "memory"))
            .map_or(root.children.len(), |i| i + 1);
        let os = Element::new("os").with_child(Element::new("type").with_text("hvm"));
        root.children.insert(at, Node::Element(os));
    }
}

/// Why virt-xml refuses `root` at define (libvirt's rules), if it does.
fn refusal(root: &Element) -> Option<String> {
    virt_xml::parse_domain(&root.to_xml(0))
        .err()
        .map(|e| e.to_string())
}

/// Drop parts of `root` that the define-time rules refuse, keeping the
/// parts on the way to `aim` (a path such as `domain/devices/disk/@type`)
/// and the ones every document needs (name, uuid, memory, the OS type).
pub(crate) fn accept(root: &mut Element, aim: Option<&str>) {
    let Some(mut why) = refusal(root) else {
        return;
    };
    let mut attempts = 0;
    // The largest parts first (a whole device rather than its children),
    // later siblings before earlier ones: a drop then never moves a part
    // still to be tried at the same depth.
    for depth in 1..=DEPTH {
        let mut parts = Vec::new();
        list(
            root,
            &mut Vec::new(),
            &root.name.clone(),
            aim,
            depth,
            &mut parts,
        );
        for at in parts.iter().rev() {
            if attempts == ATTEMPTS {
                return;
            }
            attempts += 1;
            let (parent_at, last) = at.split_at(at.len() - 1);
            let Some(parent) = element_at(root, parent_at) else {
                continue;
            };
            let dropped = parent.children.remove(last[0]);
            match refusal(root) {
                None => return,
                Some(now) if now != why => why = now,
                Some(_) => {
                    if let Some(parent) = element_at(root, parent_at) {
                        parent.children.insert(last[0], dropped);
                    }
                }
            }
        }
    }
}

/// The index paths of the parts of `e` (at `path`, `idx`) `depth` levels
/// below the root that may be dropped.
fn list(
    e: &Element,
    idx: &mut Vec<usize>,
    path: &str,
    aim: Option<&str>,
    depth: usize,
    out: &mut Vec<Vec<usize>>,
) {
    for (i, n) in e.children.iter().enumerate() {
        let Node::Element(c) = n else {
            continue;
        };
        let here = format!("{path}/{}", c.name);
        idx.push(i);
        if idx.len() < depth {
            list(c, idx, &here, aim, depth, out);
        } else {
            let needed = matches!(
                here.as_str(),
                "domain/name" | "domain/uuid" | "domain/memory" | "domain/os" | "domain/os/type"
            );
            let on_the_way = aim.is_some_and(|a| a == here || a.starts_with(&format!("{here}/")));
            if !needed && !on_the_way {
                out.push(idx.clone());
            }
        }
        idx.pop();
    }
}

fn element_at<'a>(root: &'a mut Element, path: &[usize]) -> Option<&'a mut Element> {
    let mut e = root;
    for &i in path {
        e = match e.children.get_mut(i) {
            Some(Node::Element(c)) => c,
            _ => return None,
        };
    }
    Some(e)
}
