//! The checkpoint commands (`checkpoint-*`), with virsh 9.0's options,
//! messages and output.

use crate::cmd::Cmd;
use crate::ctl::{CmdResult, Ctl, Failure, BY_ANY};
use crate::snapshot::{
    bool_flags, print_tree_or_names, refuse_together, report_delete, split_spec,
};
use virt_core::{
    checkpoint_create_flags as cf, checkpoint_delete_flags as df, checkpoint_list_flags as lf,
    checkpoint_xml_flags as xf, Domain, DomainCheckpoint, ErrorCode,
};
use virt_xml::escape;

fn domain(ctl: &mut Ctl, cmd: &Cmd) -> Result<Domain, Failure> {
    ctl.lookup_domain(cmd, BY_ANY)
}

/// Make the checkpoint and say so (virsh's `virshCheckpointCreate`).
fn create(ctl: &mut Ctl, dom: &Domain, xml: &str, flags: u32, from: Option<&str>) -> CmdResult {
    let chk = dom.checkpoint_create_xml(xml, flags)?;
    let name = chk.name();
    match from {
        Some(f) => ctl.print_extra(&format!("Domain checkpoint {name} created from '{f}'")),
        None => ctl.print_extra(&format!("Domain checkpoint {name} created")),
    }
    Ok(())
}

/// `checkpoint-create`.
pub fn checkpoint_create(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    if cmd.has("redefine-validate") && !cmd.has("redefine") {
        return Err(ctl.fail_msg("Option --redefine is required by option --redefine-validate"));
    }
    let flags = bool_flags(
        cmd,
        &[
            ("redefine", cf::REDEFINE),
            ("redefine-validate", cf::REDEFINE_VALIDATE),
            ("quiesce", cf::QUIESCE),
        ],
    );
    let dom = domain(ctl, cmd)?;
    let from = ctl.opt_str(cmd, "xmlfile")?;
    let xml = match from {
        Some(f) => crate::domain::read_file(f)?,
        None => "<domaincheckpoint/>".to_string(),
    };
    create(ctl, &dom, &xml, flags, from)
}

/// `--diskspec disk[,checkpoint=type][,bitmap=name]` as `<disk>`.
fn diskspec(spec: &str) -> Option<String> {
    let parts = split_spec(spec);
    let name = parts.first()?;
    let (mut checkpoint, mut bitmap) = (None, None);
    for p in &parts[1..] {
        if let (None, Some(v)) = (&checkpoint, p.strip_prefix("checkpoint=")) {
            checkpoint = Some(v);
        } else if let (None, Some(v)) = (&bitmap, p.strip_prefix("bitmap=")) {
            bitmap = Some(v);
        } else {
            return None;
        }
    }
    let mut out = format!("    <disk name='{}'", escape(name));
    if let Some(c) = checkpoint {
        out.push_str(&format!(" checkpoint='{c}'"));
    }
    if let Some(b) = bitmap {
        out.push_str(&format!(" bitmap='{b}'"));
    }
    out.push_str("/>\n");
    Some(out)
}

/// `checkpoint-create-as`.
pub fn checkpoint_create_as(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let flags = bool_flags(cmd, &[("quiesce", cf::QUIESCE)]);
    let dom = domain(ctl, cmd)?;
    let name = ctl.opt_str(cmd, "name")?;
    let desc = ctl.opt_str(cmd, "description")?;
    let mut xml = String::from("<domaincheckpoint>\n");
    if let Some(n) = name {
        xml.push_str(&format!("  <name>{}</name>\n", escape(n)));
    }
    if let Some(d) = desc {
        xml.push_str(&format!("  <description>{}</description>\n", escape(d)));
    }
    let disks = cmd.all("diskspec");
    if !disks.is_empty() {
        xml.push_str("  <disks>\n");
        for d in disks {
            match diskspec(d) {
                Some(x) => xml.push_str(&x),
                None => return Err(ctl.fail_msg(&format!("unable to parse diskspec: {d}"))),
            }
        }
        xml.push_str("  </disks>\n");
    }
    xml.push_str("</domaincheckpoint>\n");
    if cmd.has("print-xml") {
        ctl.print(&format!("{xml}\n"));
        return Ok(());
    }
    create(ctl, &dom, &xml, flags, None)
}

/// virsh's `virshLookupCheckpoint`: the checkpoint named by `--ARG`.
fn lookup(ctl: &mut Ctl, cmd: &Cmd, arg: &str, dom: &Domain) -> Result<DomainCheckpoint, Failure> {
    match ctl.opt_str(cmd, arg)? {
        Some(n) => Ok(dom.checkpoint_lookup_by_name(n, 0)?),
        None => Err(ctl.fail_msg(&format!("--{arg} is required"))),
    }
}

/// virsh's `virshGetCheckpointParent`: the parent's name, `None` for a
/// root; any other failure is reported.
fn parent_of(ctl: &mut Ctl, chk: &DomainCheckpoint) -> Result<Option<String>, Failure> {
    match chk.parent(0) {
        Ok(p) => Ok(Some(p.name().to_string())),
        Err(e) if e.code == ErrorCode::NoDomainCheckpoint => {
            virt_core::reset_last_error();
            Ok(None)
        }
        Err(e) => Err(ctl.fail("unable to determine if checkpoint has parent", e)),
    }
}

/// `checkpoint-dumpxml`.
pub fn checkpoint_dumpxml(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let flags = bool_flags(
        cmd,
        &[
            ("security-info", xf::SECURE),
            ("no-domain", xf::NO_DOMAIN),
            ("size", xf::SIZE),
        ],
    );
    let dom = domain(ctl, cmd)?;
    if ctl.opt_str(cmd, "xpath")?.is_some() {
        return Err(ctl.fail_msg("XPath filtering is not supported by this virsh"));
    }
    let chk = lookup(ctl, cmd, "checkpointname", &dom)?;
    let xml = chk.xml_desc(flags)?;
    ctl.print(&xml);
    Ok(())
}

/// `checkpoint-edit`: the checkpoint's XML (with secrets) in the editor,
/// then redefined; a changed name is undone and refused, as virsh does.
pub fn checkpoint_edit(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = domain(ctl, cmd)?;
    let chk = lookup(ctl, cmd, "checkpointname", &dom)?;
    let name = chk.name().to_string();
    let edited = crate::edit::edit_outcome(
        ctl,
        &name,
        crate::edit::Editable {
            subject: |n| format!("Checkpoint {n}"),
            xml: Box::new(|| chk.xml_desc(xf::SECURE)),
            define: Box::new(|xml, _| {
                dom.checkpoint_create_xml(xml, cf::REDEFINE)
                    .map(|c| c.name().to_string())
            }),
            validates: false,
            define_unchanged: false,
        },
    );
    let failed = |ctl: &mut Ctl| ctl.fail_msg(&format!("Failed to update {name}"));
    let edited_name = match edited {
        Ok(crate::edit::Outcome::Unchanged) => return Ok(()),
        Ok(crate::edit::Outcome::Defined(n)) => n,
        // virsh 9.0 goes on with the checkpoint it did not get; the edit
        // failed.
        Ok(crate::edit::Outcome::NotDefined) => return Err(failed(ctl)),
        Err(f) => {
            failed(ctl);
            return Err(f);
        }
    };
    if edited_name == name {
        ctl.print_extra(&format!("Checkpoint {name} edited.\n"));
        return Ok(());
    }
    let renamed = dom.checkpoint_lookup_by_name(&edited_name, 0)?;
    if let Err(e) = renamed.delete(df::METADATA_ONLY) {
        return Err(ctl.fail(&format!("Failed to clean up {edited_name}"), e));
    }
    ctl.error(&format!("Cannot rename checkpoint {name} to {edited_name}"));
    Err(failed(ctl))
}

/// `checkpoint-info`.
pub fn checkpoint_info(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = domain(ctl, cmd)?;
    let chk = lookup(ctl, cmd, "checkpointname", &dom)?;
    let line = |k: &str, v: &str| format!("{k:<15} {v}\n");
    ctl.print(&line("Name:", chk.name()));
    ctl.print(&line("Domain:", dom.name()));
    let Ok(parent) = parent_of(ctl, &chk) else {
        return Err(ctl.fail_msg("unexpected problem querying checkpoint state"));
    };
    ctl.print(&line("Parent:", parent.as_deref().unwrap_or("-")));
    let children = match chk.list_all_children(0) {
        Ok(c) => c.len(),
        Err(e) if e.code == ErrorCode::NoSupport => {
            virt_core::reset_last_error();
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    ctl.print(&line("Children:", &children.to_string()));
    let descendants = chk.list_all_children(lf::DESCENDANTS)?.len();
    ctl.print(&line("Descendants:", &descendants.to_string()));
    Ok(())
}

/// `checkpoint-parent`.
pub fn checkpoint_parent(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = domain(ctl, cmd)?;
    let chk = lookup(ctl, cmd, "checkpointname", &dom)?;
    match parent_of(ctl, &chk)? {
        Some(p) => {
            ctl.print(&p);
            Ok(())
        }
        None => {
            let n = chk.name().to_string();
            Err(ctl.fail_msg(&format!("checkpoint '{n}' has no parent")))
        }
    }
}

/// `checkpoint-delete`.
pub fn checkpoint_delete(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = domain(ctl, cmd)?;
    let chk = lookup(ctl, cmd, "checkpointname", &dom)?;
    let name = chk.name().to_string();
    let flags = bool_flags(
        cmd,
        &[
            ("children", df::CHILDREN),
            ("children-only", df::CHILDREN_ONLY),
            ("metadata", df::METADATA_ONLY),
        ],
    );
    let children_only = flags & df::CHILDREN_ONLY != 0;
    report_delete(ctl, "checkpoint", &name, children_only, chk.delete(flags))
}

/// `checkpoint-list`.
pub fn checkpoint_list(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let tree = cmd.has("tree");
    let names_only = cmd.has("name");
    let from = cmd.has("from");
    let parent = cmd.has("parent");
    let roots = cmd.has("roots");
    refuse_together(
        ctl,
        &[
            ("tree", "name", tree, names_only),
            ("parent", "roots", parent, roots),
            ("parent", "tree", parent, tree),
            ("roots", "tree", roots, tree),
            ("roots", "from", roots, from),
        ],
    )?;
    let mut flags = 0;
    for (opt, f) in [("leaves", lf::LEAVES), ("no-leaves", lf::NO_LEAVES)] {
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
    if cmd.has("descendants") {
        if !from {
            return Err(ctl.fail_msg("--descendants requires --from"));
        }
        flags |= lf::DESCENDANTS;
    }
    let dom = domain(ctl, cmd)?;
    let start = if from {
        Some(lookup(ctl, cmd, "from", &dom)?)
    } else {
        None
    };
    // virsh's virshCheckpointListCollect: the listing, each one's parent
    // for a tree, and the start of a tree from a checkpoint.
    let listed = match &start {
        Some(s) => s.list_all_children(flags),
        None => dom.list_all_checkpoints(flags),
    };
    let Ok(listed) = listed else {
        return Err(ctl.fail_msg("unexpected problem querying checkpoints"));
    };
    let mut chks: Vec<(DomainCheckpoint, Option<String>)> = Vec::new();
    for c in listed {
        let p = if tree { parent_of(ctl, &c)? } else { None };
        chks.push((c, p));
    }
    if let (Some(s), true) = (&start, tree) {
        chks.push((s.clone(), None));
    }
    if !topological {
        chks.sort_by_key(|(c, _)| c.name().to_lowercase());
    }
    let names: Vec<String> = chks.iter().map(|(c, _)| c.name().to_string()).collect();
    let parents: Vec<Option<String>> = chks.iter().map(|(_, p)| p.clone()).collect();
    if print_tree_or_names(ctl, &names, &parents, tree, names_only) {
        return Ok(());
    }
    let header: &[&str] = if parent {
        &["Name", "Creation Time", "Parent"]
    } else {
        &["Name", "Creation Time"]
    };
    let mut table = crate::table::Table::new(header);
    for (c, _) in &chks {
        let Ok(xml) = c.xml_desc(0) else { continue };
        let Ok(root) = virt_xml::parse_element(&xml) else {
            continue;
        };
        let text = |e: Option<&virt_xml::Element>| e.map(|e| e.text());
        let Some(time) = text(root.child("creationTime")).and_then(|t| t.trim().parse().ok())
        else {
            continue;
        };
        let when = crate::network::local_time_zone(time)
            .map(|(t, z)| format!("{t} {z}"))
            .unwrap_or_default();
        let mut row = vec![c.name().to_string(), when];
        if parent {
            row.push(text(root.child("parent").and_then(|p| p.child("name"))).unwrap_or_default());
        }
        table.row(row);
    }
    let quiet = ctl.quiet;
    ctl.print(&table.render(!quiet));
    Ok(())
}
