//! The guest NUMA cells as libvirt writes what it read: one `<numa>`, the
//! last child of the guest `<cpu>`, built from the cells of every
//! `<cpu>`'s first `<numa>` (`validate::read_guest_numa`), each cell by
//! id with its memory in KiB, its CPU set in libvirt's form, its
//! distances to every cell and its caches in libvirt's units.

use super::*;

/// Replace the `<numa>`s of the guest `<cpu>` (the first) by the one
/// libvirt writes, and drop them from any other `<cpu>`.
pub(super) fn guest_numa(def: &mut DomainDef) {
    let numa = match crate::validate::read_guest_numa(def) {
        Ok(numa) => numa,
        // Refused when read.
        Err(_) => return,
    };
    let mut first = true;
    for cpu in def.extra.iter_mut().filter(|e| e.name == "cpu") {
        cpu.children
            .retain(|n| !matches!(n, Node::Element(e) if e.name == "numa"));
        if std::mem::take(&mut first) {
            if let Some(numa) = &numa {
                cpu.children.push(Node::Element(numa.to_element()));
            }
        }
    }
}
