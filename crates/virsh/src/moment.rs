//! What virsh's snapshot and checkpoint commands do alike, written once
//! over a [`VirshMoment`] kind: create from a file or from arguments,
//! the parent, delete, and the listings with their options (`--parent`,
//! `--roots`, `--leaves`, `--tree`, `--from`, `--descendants`,
//! `--topological`, `--name`) as virsh 9.0's `virshSnapshotListCollect`
//! and `virshCheckpointListCollect` read them. snapshot.rs and
//! checkpoint.rs keep what only one kind has.

use crate::cmd::Cmd;
use crate::ctl::{CmdResult, Ctl, Failure, BY_ANY};
pub(crate) use virt_core::moment::{Checkpoint, Snapshot};
use virt_core::{Domain, DomainMoment, MomentKind};
use virt_xml::Element;

/// A moment kind as virsh's commands see it: what its commands take
/// beyond what both kinds take.
pub(crate) trait VirshMoment: MomentKind {
    /// Listing filters only this kind has, each refused beside `--tree`.
    const FILTERS: &'static [(&'static str, u32)];
    /// Listing flags only this kind has, taken as they are.
    const LIST_FLAGS: &'static [(&'static str, u32)];
    /// True when its commands take `--current` for a moment.
    const HAS_CURRENT: bool;
    /// virsh's own line when the listing fails (none: the library's
    /// error is reported).
    const LIST_FAILURE: Option<&'static str>;
    /// Table columns between "Creation Time" and "Parent".
    const COLUMNS: &'static [&'static str];

    /// The moment named by `--ARG` (or `--current`), as virsh's
    /// `virshLookupSnapshot`/`virshLookupCheckpoint` find it;
    /// `exclusive` refuses a name beside `--current`.
    fn lookup(
        ctl: &mut Ctl,
        cmd: &Cmd,
        arg: &str,
        exclusive: bool,
        dom: &Domain,
    ) -> Result<DomainMoment<Self>, Failure>;

    /// The values of [`VirshMoment::COLUMNS`] from a moment's XML; none
    /// leaves the moment out of the table, as virsh does.
    fn columns(moment: &virt_xml::DocMoment<'_>) -> Option<Vec<String>>;

    /// The definition's root.
    const ROOT: virt_xml::MomentRoot;

    /// The `<memory>` element `create-as` writes, if any.
    fn memory_spec(_ctl: &mut Ctl, _cmd: &Cmd) -> Result<Option<Element>, Failure> {
        Ok(None)
    }

    /// One `--diskspec` as a `<disk>` element, or the error text.
    fn disk_spec(spec: &str) -> Result<Element, String>;
}

fn domain(ctl: &mut Ctl, cmd: &Cmd) -> Result<Domain, Failure> {
    ctl.lookup_domain(cmd, BY_ANY)
}

/// The flags named by boolean options, as virsh maps them.
pub(crate) fn bool_flags(cmd: &Cmd, map: &[(&str, u32)]) -> u32 {
    map.iter()
        .filter(|(o, _)| cmd.has(o))
        .fold(0, |f, (_, b)| f | b)
}

/// virsh's `vshStringToArray`: commas separate, `,,` is a comma.
pub(crate) fn split_spec(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ',' {
            if chars.peek() == Some(&',') {
                chars.next();
                if let Some(last) = out.last_mut() {
                    last.push(',');
                }
            } else {
                out.push(String::new());
            }
        } else if let Some(last) = out.last_mut() {
            last.push(c);
        }
    }
    out
}

/// Make the moment and say so (virsh's `virshSnapshotCreate`,
/// `virshCheckpointCreate`).
pub(crate) fn create<K: VirshMoment>(
    ctl: &mut Ctl,
    dom: &Domain,
    xml: &str,
    flags: u32,
    from: Option<&str>,
) -> CmdResult {
    let made = dom.moment_create_xml::<K>(xml, flags)?;
    let (kind, name) = (K::NAME, made.name());
    match from {
        Some(f) => ctl.print_extra(&format!("Domain {kind} {name} created from '{f}'")),
        None => ctl.print_extra(&format!("Domain {kind} {name} created")),
    }
    Ok(())
}

/// `snapshot-create`, `checkpoint-create`: from `xmlfile`, or an empty
/// definition.
pub(crate) fn create_from_file<K: VirshMoment>(ctl: &mut Ctl, cmd: &Cmd, flags: u32) -> CmdResult {
    let dom = domain(ctl, cmd)?;
    let from = ctl.opt_str(cmd, "xmlfile")?;
    let xml = match from {
        Some(f) => crate::domain::read_file(f)?,
        None => virt_xml::MomentToCreate::new(K::ROOT)
            .to_element()
            .to_xml(0),
    };
    create::<K>(ctl, &dom, &xml, flags, from)
}

/// `snapshot-create-as`, `checkpoint-create-as`: the definition from
/// `--name`, `--description`, the kind's memory and `--diskspec`s;
/// printed with `--print-xml`, else made.
pub(crate) fn create_as<K: VirshMoment>(ctl: &mut Ctl, cmd: &Cmd, flags: u32) -> CmdResult {
    let dom = domain(ctl, cmd)?;
    let name = ctl.opt_str(cmd, "name")?;
    let desc = ctl.opt_str(cmd, "description")?;
    let mut moment = virt_xml::MomentToCreate::new(K::ROOT);
    moment.name = name.map(str::to_string);
    moment.description = desc.map(str::to_string);
    moment.memory = K::memory_spec(ctl, cmd)?;
    for d in cmd.all("diskspec") {
        match K::disk_spec(d) {
            Ok(e) => moment.disks.push(e),
            Err(m) => return Err(ctl.fail_msg(&m)),
        }
    }
    let xml = moment.to_xml();
    if cmd.has("print-xml") {
        ctl.print(&format!("{xml}\n"));
        return Ok(());
    }
    create::<K>(ctl, &dom, &xml, flags, None)
}

/// The editing half of `snapshot-edit` and `checkpoint-edit`: the
/// moment's XML (with secrets) in the editor, redefined with `flags`
/// (`define_unchanged`: even when the text did not change). `None` when
/// nothing is left to do (unchanged, or edited under the same name, which
/// is said); else the new name, for the command to settle. A failed edit
/// says "Failed to update NAME".
pub(crate) fn edit<K: VirshMoment>(
    ctl: &mut Ctl,
    dom: &Domain,
    m: &DomainMoment<K>,
    flags: u32,
    define_unchanged: bool,
) -> Result<Option<String>, Failure> {
    let name = m.name().to_string();
    let edited = crate::edit::edit_outcome(
        ctl,
        &name,
        crate::edit::Editable {
            subject: |n| format!("{} {n}", K::TITLE),
            xml: Box::new(|| m.xml_desc(K::XML_SECURE)),
            define: Box::new(|xml, _| {
                dom.moment_create_xml::<K>(xml, flags)
                    .map(|made| made.name().to_string())
            }),
            validates: false,
            define_unchanged,
        },
    );
    let failed = |ctl: &mut Ctl| ctl.fail_msg(&format!("Failed to update {name}"));
    let edited_name = match edited {
        Ok(crate::edit::Outcome::Unchanged) => return Ok(None),
        Ok(crate::edit::Outcome::Defined(n)) => n,
        // virsh 9.0 goes on with the moment it did not get (and, for a
        // snapshot, crashes); the edit failed.
        Ok(crate::edit::Outcome::NotDefined) => return Err(failed(ctl)),
        Err(f) => {
            failed(ctl);
            return Err(f);
        }
    };
    if edited_name == name {
        ctl.print_extra(&format!("{} {name} edited.\n", K::TITLE));
        return Ok(None);
    }
    Ok(Some(edited_name))
}

/// virsh's `virshGetSnapshotParent`/`virshGetCheckpointParent`: the
/// parent's name, `None` for a root; any other failure is reported.
pub(crate) fn parent_of<K: VirshMoment>(
    ctl: &mut Ctl,
    m: &DomainMoment<K>,
) -> Result<Option<String>, Failure> {
    match m.parent(0) {
        Ok(p) => Ok(Some(p.name().to_string())),
        Err(e) if e.code == K::NO_SUCH => {
            virt_core::reset_last_error();
            Ok(None)
        }
        Err(e) => Err(ctl.fail(&format!("unable to determine if {} has parent", K::NAME), e)),
    }
}

/// `snapshot-parent`, `checkpoint-parent`.
pub(crate) fn parent<K: VirshMoment>(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = domain(ctl, cmd)?;
    let m = K::lookup(ctl, cmd, &format!("{}name", K::NAME), true, &dom)?;
    match parent_of(ctl, &m)? {
        Some(p) => {
            ctl.print(&p);
            Ok(())
        }
        None => {
            let msg = format!("{} '{}' has no parent", K::NAME, m.name());
            Err(ctl.fail_msg(&msg))
        }
    }
}

/// `snapshot-delete`, `checkpoint-delete`: virsh's failure line, or its
/// "deleted" line (of the children only, with `--children-only`).
pub(crate) fn delete<K: VirshMoment>(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = domain(ctl, cmd)?;
    let m = K::lookup(ctl, cmd, &format!("{}name", K::NAME), true, &dom)?;
    let flags = bool_flags(
        cmd,
        &[
            ("children", K::DELETE_CHILDREN),
            ("children-only", K::DELETE_CHILDREN_ONLY),
            ("metadata", K::DELETE_METADATA_ONLY),
        ],
    );
    let (kind, name) = (K::NAME, m.name());
    m.delete(flags)
        .map_err(|e| ctl.fail(&format!("Failed to delete {kind} {name}"), e))?;
    let what = if flags & K::DELETE_CHILDREN_ONLY != 0 {
        " children"
    } else {
        ""
    };
    ctl.print_extra(&format!("Domain {kind} {name}{what} deleted\n"));
    Ok(())
}

/// The first pair of options given together that the command refuses
/// together ("Options --A and --B are mutually exclusive").
fn refuse_together(ctl: &mut Ctl, pairs: &[(&str, &str, bool, bool)]) -> CmdResult {
    match pairs.iter().find(|(_, _, x, y)| *x && *y) {
        Some((a, b, _, _)) => {
            Err(ctl.fail_msg(&format!("Options --{a} and --{b} are mutually exclusive")))
        }
        None => Ok(()),
    }
}

/// `snapshot-list`, `checkpoint-list`.
pub(crate) fn list<K: VirshMoment>(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let tree = cmd.has("tree");
    let names_only = cmd.has("name");
    let from = cmd.has("from");
    let parent = cmd.has("parent");
    let roots = cmd.has("roots");
    let current = K::HAS_CURRENT && cmd.has("current");
    refuse_together(
        ctl,
        &[
            ("tree", "name", tree, names_only),
            ("parent", "roots", parent, roots),
            ("parent", "tree", parent, tree),
            ("roots", "tree", roots, tree),
            ("roots", "from", roots, from),
            ("roots", "current", roots, current),
        ],
    )?;
    let mut flags = 0;
    let both = [("leaves", K::LIST_LEAVES), ("no-leaves", K::LIST_NO_LEAVES)];
    for &(opt, f) in both.iter().chain(K::FILTERS) {
        if cmd.has(opt) {
            if tree {
                return Err(ctl.fail_msg(&format!("--{opt} and --tree are mutually exclusive")));
            }
            flags |= f;
        }
    }
    let topological = cmd.has("topological");
    if topological {
        flags |= K::LIST_TOPOLOGICAL;
    }
    if roots {
        flags |= K::LIST_ROOTS;
    }
    flags |= bool_flags(cmd, K::LIST_FLAGS);
    if cmd.has("descendants") {
        if !from && !current {
            return Err(ctl.fail_msg(if K::HAS_CURRENT {
                "--descendants requires either --from or --current"
            } else {
                "--descendants requires --from"
            }));
        }
        flags |= K::LIST_DESCENDANTS;
    }
    let dom = domain(ctl, cmd)?;
    let start = if from || current {
        Some(K::lookup(ctl, cmd, "from", true, &dom)?)
    } else {
        None
    };
    // virsh's ListCollect: the listing, each one's parent for a tree,
    // and the start of a tree from a moment, last and without a parent.
    let listed = match &start {
        Some(s) => s.list_all_children(flags),
        None => dom.list_all_moments::<K>(flags),
    };
    let listed = match (listed, K::LIST_FAILURE) {
        (Ok(v), _) => v,
        (Err(_), Some(line)) => return Err(ctl.fail_msg(line)),
        (Err(e), None) => return Err(e.into()),
    };
    let mut moments: Vec<(DomainMoment<K>, Option<String>)> = Vec::new();
    for m in listed {
        let p = if tree { parent_of(ctl, &m)? } else { None };
        moments.push((m, p));
    }
    if let (Some(s), true) = (&start, tree) {
        moments.push((s.clone(), None));
    }
    if !topological {
        moments.sort_by_key(|(m, _)| m.name().to_lowercase());
    }
    let names: Vec<String> = moments.iter().map(|(m, _)| m.name().to_string()).collect();
    let parents: Vec<Option<String>> = moments.iter().map(|(_, p)| p.clone()).collect();
    if print_tree_or_names(ctl, &names, &parents, tree, names_only) {
        return Ok(());
    }
    let mut header = vec!["Name", "Creation Time"];
    header.extend(K::COLUMNS);
    if parent {
        header.push("Parent");
    }
    let mut table = crate::table::Table::new(&header);
    for (m, _) in &moments {
        let Ok(xml) = m.xml_desc(0) else { continue };
        let Ok(root) = virt_xml::parse_element(&xml) else {
            continue;
        };
        let moment = virt_xml::doc_moment(&root);
        let Some(columns) = K::columns(&moment) else {
            continue;
        };
        let Some(time) = moment.creation_time() else {
            continue;
        };
        let when = crate::network::local_time_zone(time)
            .map(|(t, z)| format!("{t} {z}"))
            .unwrap_or_default();
        let mut row = vec![m.name().to_string(), when];
        row.extend(columns);
        if parent {
            row.push(moment.parent().unwrap_or_default());
        }
        table.row(row);
    }
    let quiet = ctl.quiet;
    ctl.print(&table.render(!quiet));
    Ok(())
}

/// The `--tree` and `--name` forms of the listings, in the listing's
/// order; false when neither was asked for (the table follows).
fn print_tree_or_names(
    ctl: &mut Ctl,
    names: &[String],
    parents: &[Option<String>],
    tree: bool,
    names_only: bool,
) -> bool {
    let mut out = String::new();
    if tree {
        crate::host::print_tree(&mut out, names, parents);
    } else if names_only {
        for n in names {
            out.push_str(n);
            out.push('\n');
        }
    } else {
        return false;
    }
    ctl.print(&out);
    true
}
