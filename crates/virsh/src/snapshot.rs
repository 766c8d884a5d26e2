//! The snapshot commands (`snapshot-*`), with virsh 9.0's options,
//! messages and output.

use crate::cmd::Cmd;
use crate::ctl::{CmdResult, Ctl, Failure, BY_ANY};
use virt_core::{
    snapshot_create_flags as cf, snapshot_delete_flags as df, snapshot_list_flags as lf,
    snapshot_revert_flags as rf, xml_flags, Domain, DomainSnapshot,
};
use virt_xml::escape;

fn domain(ctl: &mut Ctl, cmd: &Cmd) -> Result<Domain, Failure> {
    ctl.lookup_domain(cmd, BY_ANY)
}

/// The flags named by boolean options, as virsh maps them.
pub(crate) fn bool_flags(cmd: &Cmd, map: &[(&str, u32)]) -> u32 {
    map.iter()
        .filter(|(o, _)| cmd.has(o))
        .fold(0, |f, (_, b)| f | b)
}

const CREATE_FLAGS: &[(&str, u32)] = &[
    ("no-metadata", cf::NO_METADATA),
    ("halt", cf::HALT),
    ("disk-only", cf::DISK_ONLY),
    ("reuse-external", cf::REUSE_EXT),
    ("quiesce", cf::QUIESCE),
    ("atomic", cf::ATOMIC),
    ("live", cf::LIVE),
    ("validate", cf::VALIDATE),
];

/// Take the snapshot and say so (virsh's `virshSnapshotCreate`).
fn create(ctl: &mut Ctl, dom: &Domain, xml: &str, flags: u32, from: Option<&str>) -> CmdResult {
    let snap = dom.snapshot_create_xml(xml, flags)?;
    let name = snap.name();
    match from {
        Some(f) => ctl.print_extra(&format!("Domain snapshot {name} created from '{f}'")),
        None => ctl.print_extra(&format!("Domain snapshot {name} created")),
    }
    Ok(())
}

/// `snapshot-create`.
pub fn snapshot_create(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let mut flags = bool_flags(cmd, CREATE_FLAGS);
    flags |= bool_flags(cmd, &[("redefine", cf::REDEFINE), ("current", cf::CURRENT)]);
    let dom = domain(ctl, cmd)?;
    let from = ctl.opt_str(cmd, "xmlfile")?;
    let xml = match from {
        Some(f) => crate::domain::read_file(f)?,
        None => "<domainsnapshot/>".to_string(),
    };
    create(ctl, &dom, &xml, flags, from)
}

/// `--memspec [file=]name[,snapshot=type]` as `<memory>`.
fn memspec(spec: &str) -> Option<String> {
    let (mut snapshot, mut file) = (None, None);
    for part in split_spec(spec) {
        if snapshot.is_none() && part.starts_with("snapshot=") {
            snapshot = Some(part["snapshot=".len()..].to_string());
        } else if file.is_none() && part.starts_with("file=") {
            file = Some(part["file=".len()..].to_string());
        } else if file.is_none() && part.starts_with('/') {
            file = Some(part);
        } else {
            return None;
        }
    }
    let mut out = String::from("  <memory");
    if let Some(s) = snapshot {
        out.push_str(&format!(" snapshot='{}'", escape(&s)));
    }
    if let Some(f) = file {
        out.push_str(&format!(" file='{}'", escape(&f)));
    }
    out.push_str("/>\n");
    Some(out)
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

/// `--diskspec disk[,snapshot=type][,driver=type][,stype=type][,file=name]`
/// as `<disk>`; the error text when it cannot be read.
fn diskspec(spec: &str) -> Result<String, String> {
    let bad = || format!("unable to parse diskspec: {spec}");
    let parts = split_spec(spec);
    let name = parts.first().filter(|n| !n.is_empty()).ok_or_else(bad)?;
    let (mut snapshot, mut driver, mut stype, mut file) = (None, None, None, None);
    for p in &parts[1..] {
        let take = |slot: &mut Option<String>, key: &str| {
            if slot.is_none() && p.starts_with(key) {
                *slot = Some(p[key.len()..].to_string());
                true
            } else {
                false
            }
        };
        if !(take(&mut snapshot, "snapshot=")
            || take(&mut driver, "driver=")
            || take(&mut stype, "stype=")
            || take(&mut file, "file="))
        {
            return Err(bad());
        }
    }
    let mut out = format!("    <disk name='{}'", escape(name));
    if let Some(s) = &snapshot {
        out.push_str(&format!(" snapshot='{s}'"));
    }
    let mut is_file = true;
    if let Some(t) = &stype {
        match t.as_str() {
            "block" => is_file = false,
            "file" => {}
            // virsh reports both.
            _ => return Err(format!("Unknown storage type: '{t}'\nerror: {}", bad())),
        }
        out.push_str(&format!(" type='{t}'"));
    }
    if driver.is_none() && file.is_none() {
        out.push_str("/>\n");
        return Ok(out);
    }
    out.push_str(">\n");
    if let Some(d) = &driver {
        out.push_str(&format!("      <driver type='{d}'/>\n"));
    }
    if let Some(f) = &file {
        let attr = if is_file { "file" } else { "dev" };
        out.push_str(&format!("      <source {attr}='{}'/>\n", escape(f)));
    }
    out.push_str("    </disk>\n");
    Ok(out)
}

/// `snapshot-create-as`.
pub fn snapshot_create_as(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let flags = bool_flags(cmd, CREATE_FLAGS);
    let dom = domain(ctl, cmd)?;
    let name = ctl.opt_str(cmd, "name")?;
    let desc = ctl.opt_str(cmd, "description")?;
    let mut xml = String::from("<domainsnapshot>\n");
    if let Some(n) = name {
        xml.push_str(&format!("  <name>{}</name>\n", escape(n)));
    }
    if let Some(d) = desc {
        xml.push_str(&format!("  <description>{}</description>\n", escape(d)));
    }
    if let Some(m) = ctl.opt_str(cmd, "memspec")? {
        match memspec(m) {
            Some(x) => xml.push_str(&x),
            None => return Err(ctl.fail_msg(&format!("unable to parse memspec: {m}"))),
        }
    }
    let disks = cmd.all("diskspec");
    if !disks.is_empty() {
        xml.push_str("  <disks>\n");
        for d in disks {
            match diskspec(d) {
                Ok(x) => xml.push_str(&x),
                Err(m) => return Err(ctl.fail_msg(&m)),
            }
        }
        xml.push_str("  </disks>\n");
    }
    xml.push_str("</domainsnapshot>\n");
    if cmd.has("print-xml") {
        ctl.print(&format!("{xml}\n"));
        return Ok(());
    }
    create(ctl, &dom, &xml, flags, None)
}

/// virsh's `virshLookupSnapshot`: `--ARG NAME` or `--current`.
fn lookup(
    ctl: &mut Ctl,
    cmd: &Cmd,
    arg: &str,
    exclusive: bool,
    dom: &Domain,
) -> Result<DomainSnapshot, Failure> {
    let current = cmd.has("current");
    let name = ctl.opt_str(cmd, arg)?;
    if exclusive && current && name.is_some() {
        return Err(ctl.fail_msg(&format!("--{arg} and --current are mutually exclusive")));
    }
    match name {
        Some(n) => Ok(dom.snapshot_lookup_by_name(n, 0)?),
        None if current => Ok(dom.snapshot_current(0)?),
        None => Err(ctl.fail_msg(&format!("--{arg} or --current is required"))),
    }
}

/// `snapshot-current`.
pub fn snapshot_current(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let flags = if cmd.has("security-info") {
        xml_flags::SECURE
    } else {
        0
    };
    ctl.exclusive(cmd, "name", "snapshotname")?;
    let dom = domain(ctl, cmd)?;
    if let Some(name) = ctl.opt_str(cmd, "snapshotname")? {
        let snap = dom.snapshot_lookup_by_name(name, 0)?;
        let xml = snap.xml_desc(xml_flags::SECURE)?;
        let mut flags = cf::REDEFINE | cf::CURRENT;
        if xml.contains("<state>disk-snapshot</state>") {
            flags |= cf::DISK_ONLY;
        }
        dom.snapshot_create_xml(&xml, flags)?;
        ctl.print_extra(&format!("Snapshot {name} set as current"));
        return Ok(());
    }
    if !dom.has_current_snapshot(0)? {
        let n = dom.name().to_string();
        return Err(ctl.fail_msg(&format!("domain '{n}' has no current snapshot")));
    }
    let snap = dom.snapshot_current(0)?;
    if cmd.has("name") {
        ctl.print(snap.name());
    } else {
        ctl.print(&snap.xml_desc(flags)?);
    }
    Ok(())
}

/// `snapshot-dumpxml`.
pub fn snapshot_dumpxml(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = domain(ctl, cmd)?;
    let name = ctl.req_str(cmd, "snapshotname")?.to_string();
    if ctl.opt_str(cmd, "xpath")?.is_some() {
        return Err(ctl.fail_msg("XPath filtering is not supported by this virsh"));
    }
    let flags = if cmd.has("security-info") {
        xml_flags::SECURE
    } else {
        0
    };
    let snap = dom.snapshot_lookup_by_name(&name, 0)?;
    let xml = snap.xml_desc(flags)?;
    ctl.print(&xml);
    Ok(())
}

/// `snapshot-edit`: the snapshot's XML (with secrets) in the editor, then
/// redefined (`REDEFINE`, with `CURRENT` for `--current` beside a name,
/// `DISK_ONLY` for a disk-only snapshot), as virsh 9.0 does. A new name
/// needs `--clone` (both stay) or `--rename` (the old metadata goes);
/// without either the new one's metadata is removed again.
pub fn snapshot_edit(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    ctl.exclusive(cmd, "rename", "clone")?;
    let (rename, clone) = (cmd.has("rename"), cmd.has("clone"));
    let mut flags = cf::REDEFINE;
    if cmd.has("current") && cmd.has("snapshotname") {
        flags |= cf::CURRENT;
    }
    let dom = domain(ctl, cmd)?;
    let snap = lookup(ctl, cmd, "snapshotname", false, &dom)?;
    let name = snap.name().to_string();
    let original = snap.xml_desc(xml_flags::SECURE);
    if original
        .as_ref()
        .is_ok_and(|x| x.contains("<state>disk-snapshot</state>"))
    {
        flags |= cf::DISK_ONLY;
    }
    let edited = crate::edit::edit_outcome(
        ctl,
        &name,
        crate::edit::Editable {
            subject: |n| format!("Snapshot {n}"),
            xml: Box::new(|| snap.xml_desc(xml_flags::SECURE)),
            define: Box::new(|xml, _| {
                dom.snapshot_create_xml(xml, flags)
                    .map(|s| s.name().to_string())
            }),
            validates: false,
            define_unchanged: flags & cf::CURRENT != 0,
        },
    );
    let failed = |ctl: &mut Ctl| ctl.fail_msg(&format!("Failed to update {name}"));
    let edited_name = match edited {
        Ok(crate::edit::Outcome::Unchanged) => return Ok(()),
        Ok(crate::edit::Outcome::Defined(n)) => n,
        // virsh 9.0 goes on with the snapshot it did not get and crashes;
        // the edit failed.
        Ok(crate::edit::Outcome::NotDefined) => return Err(failed(ctl)),
        Err(f) => {
            failed(ctl);
            return Err(f);
        }
    };
    if edited_name == name {
        ctl.print_extra(&format!("Snapshot {name} edited.\n"));
    } else if clone {
        ctl.print_extra(&format!("Snapshot {name} cloned to {edited_name}.\n"));
    } else {
        let doomed = if rename {
            name.clone()
        } else {
            edited_name.clone()
        };
        let cleanup = dom
            .snapshot_lookup_by_name(&doomed, 0)
            .and_then(|s| s.delete(df::METADATA_ONLY));
        if let Err(e) = cleanup {
            ctl.error(&e.message);
            virt_core::reset_last_error();
            ctl.error(&format!("Failed to clean up {doomed}"));
            return Err(failed(ctl));
        }
        if !rename {
            ctl.error(&format!(
                "Must use --rename or --clone to change {name} to {edited_name}"
            ));
            return Err(failed(ctl));
        }
    }
    Ok(())
}

/// The text of the first `<NAME>` directly under the root of `xml`
/// (snapshot XML is the driver's, so a plain read is enough).
fn top_text(xml: &str, name: &str) -> Option<String> {
    let root = virt_xml::parse_element(xml).ok()?;
    root.child(name).map(|e| e.text())
}

/// `snapshot-info`.
pub fn snapshot_info(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = domain(ctl, cmd)?;
    let snap = lookup(ctl, cmd, "snapshotname", true, &dom)?;
    let line = |k: &str, v: &str| format!("{:<15} {v}\n", k);
    let mut out = line("Name:", snap.name());
    out.push_str(&line("Domain:", dom.name()));
    let current = snap.is_current(0).unwrap_or_else(|_| {
        virt_core::reset_last_error();
        false
    });
    out.push_str(&line("Current:", if current { "yes" } else { "no" }));
    let xml = snap.xml_desc(0)?;
    let root =
        virt_xml::parse_element(&xml).map_err(|e| Failure::from(virt_core::Error::from(e)))?;
    let Some(state) = root.child("state").map(|e| e.text()) else {
        ctl.print(&out);
        return Err(ctl.fail_msg("unexpected problem reading snapshot xml"));
    };
    out.push_str(&line("State:", &state));
    let external = match root.child("memory") {
        Some(m) => {
            m.attr("snapshot") == Some("external")
                || root.child("disks").is_some_and(|d| {
                    d.children_named("disk")
                        .any(|x| x.attr("snapshot") == Some("external"))
                })
        }
        None => state == "disk-snapshot",
    };
    out.push_str(&line(
        "Location:",
        if external { "external" } else { "internal" },
    ));
    let parent = root
        .child("parent")
        .and_then(|p| p.child("name"))
        .map(|n| n.text());
    out.push_str(&line("Parent:", parent.as_deref().unwrap_or("-")));
    ctl.print(&out);
    let children = snap.num_children(0)?;
    ctl.print(&format!("{:<15} {children}\n", "Children:"));
    let descendants = snap.num_children(lf::DESCENDANTS)?;
    ctl.print(&format!("{:<15} {descendants}\n", "Descendants:"));
    if let Ok(m) = snap.has_metadata(0) {
        ctl.print(&line("Metadata:", if m { "yes" } else { "no" }));
    }
    Ok(())
}

/// `snapshot-parent`.
pub fn snapshot_parent(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = domain(ctl, cmd)?;
    let snap = lookup(ctl, cmd, "snapshotname", true, &dom)?;
    let xml = snap.xml_desc(0)?;
    let parent = virt_xml::parse_element(&xml).ok().and_then(|r| {
        r.child("parent")
            .and_then(|p| p.child("name"))
            .map(|n| n.text())
    });
    match parent {
        Some(p) => {
            ctl.print(&p);
            Ok(())
        }
        None => {
            let n = snap.name().to_string();
            Err(ctl.fail_msg(&format!("snapshot '{n}' has no parent")))
        }
    }
}

/// `snapshot-revert`.
pub fn snapshot_revert(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let mut flags = bool_flags(
        cmd,
        &[
            ("running", rf::RUNNING),
            ("paused", rf::PAUSED),
            ("reset-nvram", rf::RESET_NVRAM),
        ],
    );
    // virsh tries without FORCE first and adds it only when asked and the
    // driver calls the revert risky.
    let force = cmd.has("force");
    let dom = domain(ctl, cmd)?;
    let snap = lookup(ctl, cmd, "snapshotname", true, &dom)?;
    let name = snap.name().to_string();
    let mut r = snap.revert(flags);
    if let Err(e) = &r {
        if force && e.code == virt_core::ErrorCode::SnapshotRevertRisky {
            virt_core::reset_last_error();
            flags |= rf::FORCE;
            r = snap.revert(flags);
        }
    }
    r.map_err(|e| ctl.fail(&format!("Failed to revert snapshot {name}"), e))?;
    ctl.print_extra(&format!("Domain snapshot {name} reverted\n"));
    Ok(())
}

/// `snapshot-delete`.
pub fn snapshot_delete(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = domain(ctl, cmd)?;
    let snap = lookup(ctl, cmd, "snapshotname", true, &dom)?;
    let name = snap.name().to_string();
    let flags = bool_flags(
        cmd,
        &[
            ("children", df::CHILDREN),
            ("children-only", df::CHILDREN_ONLY),
            ("metadata", df::METADATA_ONLY),
        ],
    );
    let children_only = flags & df::CHILDREN_ONLY != 0;
    report_delete(ctl, "snapshot", &name, children_only, snap.delete(flags))
}

/// `snapshot-list`.
pub fn snapshot_list(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let tree = cmd.has("tree");
    let names_only = cmd.has("name");
    let from = cmd.has("from");
    let parent = cmd.has("parent");
    let roots = cmd.has("roots");
    let current = cmd.has("current");
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
    for (opt, f) in [
        ("leaves", lf::LEAVES),
        ("no-leaves", lf::NO_LEAVES),
        ("inactive", lf::INACTIVE),
        ("active", lf::ACTIVE),
        ("disk-only", lf::DISK_ONLY),
        ("internal", lf::INTERNAL),
        ("external", lf::EXTERNAL),
    ] {
        if cmd.has(opt) {
            if tree {
                return Err(ctl.fail_msg(&format!("--{opt} and --tree are mutually exclusive")));
            }
            flags |= f;
        }
    }
    let topological = cmd.has("topological");
    if topological {
        flags |= lf::TOPOLOGICAL;
    }
    if roots {
        flags |= lf::ROOTS;
    }
    flags |= bool_flags(
        cmd,
        &[("metadata", lf::METADATA), ("no-metadata", lf::NO_METADATA)],
    );
    if cmd.has("descendants") {
        if !from && !current {
            return Err(ctl.fail_msg("--descendants requires either --from or --current"));
        }
        flags |= lf::DESCENDANTS;
    }
    let dom = domain(ctl, cmd)?;
    let start = if from || current {
        Some(lookup(ctl, cmd, "from", true, &dom)?)
    } else {
        None
    };
    // The list with each one's parent (virsh's virshSnapshotListCollect):
    // a tree from a snapshot holds it and all below it.
    let mut snaps: Vec<(DomainSnapshot, Option<String>)> = Vec::new();
    let listed = match &start {
        Some(s) if tree => {
            let mut v = vec![s.clone()];
            v.extend(s.list_all_children(flags | lf::DESCENDANTS)?);
            v
        }
        Some(s) => s.list_all_children(flags)?,
        None => dom.list_all_snapshots(flags)?,
    };
    for s in listed {
        let p = if tree || parent {
            match s.parent(0) {
                Ok(p) => Some(p.name().to_string()),
                Err(_) => {
                    virt_core::reset_last_error();
                    None
                }
            }
        } else {
            None
        };
        snaps.push((s, p));
    }
    if let (Some(st), true) = (&start, tree) {
        if let Some(first) = snaps.iter_mut().find(|(s, _)| s.name() == st.name()) {
            first.1 = None;
        }
    }
    if !topological {
        snaps.sort_by(|a, b| a.0.name().cmp(b.0.name()));
    }
    let names: Vec<String> = snaps.iter().map(|(s, _)| s.name().to_string()).collect();
    let parents: Vec<Option<String>> = snaps.iter().map(|(_, p)| p.clone()).collect();
    if print_tree_or_names(ctl, &names, &parents, tree, names_only) {
        return Ok(());
    }
    let header: &[&str] = if parent {
        &["Name", "Creation Time", "State", "Parent"]
    } else {
        &["Name", "Creation Time", "State"]
    };
    let mut table = crate::table::Table::new(header);
    for (s, p) in &snaps {
        let Ok(xml) = s.xml_desc(0) else { continue };
        let Some(state) = top_text(&xml, "state") else {
            continue;
        };
        let Some(time) = top_text(&xml, "creationTime").and_then(|t| t.trim().parse::<i64>().ok())
        else {
            continue;
        };
        let when = crate::network::local_time_zone(time)
            .map(|(t, z)| format!("{t} {z}"))
            .unwrap_or_default();
        let mut row = vec![s.name().to_string(), when, state];
        if parent {
            row.push(p.clone().unwrap_or_default());
        }
        table.row(row);
    }
    let quiet = ctl.quiet;
    ctl.print(&table.render(!quiet));
    Ok(())
}

/// The first pair of options given together that the command refuses
/// together ("Options --A and --B are mutually exclusive"), as the list
/// commands check them in virsh's order.
/// The end of `snapshot-delete` and `checkpoint-delete`: virsh's failure
/// line, or its "deleted" line (of the children only, with
/// `--children-only`).
pub(crate) fn report_delete(
    ctl: &mut Ctl,
    kind: &str,
    name: &str,
    children_only: bool,
    deleted: virt_core::Result<()>,
) -> CmdResult {
    deleted.map_err(|e| ctl.fail(&format!("Failed to delete {kind} {name}"), e))?;
    let what = if children_only { " children" } else { "" };
    ctl.print_extra(&format!("Domain {kind} {name}{what} deleted\n"));
    Ok(())
}

pub(crate) fn refuse_together(ctl: &mut Ctl, pairs: &[(&str, &str, bool, bool)]) -> CmdResult {
    match pairs.iter().find(|(_, _, x, y)| *x && *y) {
        Some((a, b, _, _)) => {
            Err(ctl.fail_msg(&format!("Options --{a} and --{b} are mutually exclusive")))
        }
        None => Ok(()),
    }
}

/// The `--tree` and `--name` forms of `snapshot-list` and
/// `checkpoint-list`, in the listing's order; false when neither was
/// asked for (the table follows).
pub(crate) fn print_tree_or_names(
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
