//! The checkpoint commands (`checkpoint-*`), with virsh 9.0's options,
//! messages and output.

use crate::cmd::Cmd;
use crate::ctl::{CmdResult, Ctl, Failure, BY_ANY};
use crate::moment::{self, bool_flags, parent_of, split_spec, Checkpoint, VirshMoment};
use virt_core::{
    checkpoint_create_flags as cf, checkpoint_delete_flags as df, checkpoint_list_flags as lf,
    checkpoint_xml_flags as xf, Domain, DomainCheckpoint, ErrorCode,
};
use virt_xml::Element;

fn domain(ctl: &mut Ctl, cmd: &Cmd) -> Result<Domain, Failure> {
    ctl.lookup_domain(cmd, BY_ANY)
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
    moment::create_from_file::<Checkpoint>(ctl, cmd, flags)
}

/// `--diskspec disk[,checkpoint=type][,bitmap=name]` as `<disk>`.
fn diskspec(spec: &str) -> Option<Element> {
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
    Some(
        virt_xml::CheckpointDiskSpec {
            name: name.to_string(),
            checkpoint: checkpoint.map(str::to_string),
            bitmap: bitmap.map(str::to_string),
        }
        .to_element(),
    )
}

/// `checkpoint-create-as`.
pub fn checkpoint_create_as(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let flags = bool_flags(cmd, &[("quiesce", cf::QUIESCE)]);
    moment::create_as::<Checkpoint>(ctl, cmd, flags)
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
    let chk = Checkpoint::lookup(ctl, cmd, "checkpointname", true, &dom)?;
    let xml = chk.xml_desc(flags)?;
    ctl.print(&xml);
    Ok(())
}

/// `checkpoint-edit`: the checkpoint's XML (with secrets) in the editor,
/// then redefined; a changed name is undone and refused, as virsh does.
pub fn checkpoint_edit(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = domain(ctl, cmd)?;
    let chk = Checkpoint::lookup(ctl, cmd, "checkpointname", true, &dom)?;
    let Some(edited_name) = moment::edit(ctl, &dom, &chk, cf::REDEFINE, false)? else {
        return Ok(());
    };
    let name = chk.name().to_string();
    let failed = |ctl: &mut Ctl| ctl.fail_msg(&format!("Failed to update {name}"));
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
    let chk = Checkpoint::lookup(ctl, cmd, "checkpointname", true, &dom)?;
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

impl VirshMoment for Checkpoint {
    const FILTERS: &'static [(&'static str, u32)] = &[];
    const LIST_FLAGS: &'static [(&'static str, u32)] = &[];
    const HAS_CURRENT: bool = false;
    const LIST_FAILURE: Option<&'static str> = Some("unexpected problem querying checkpoints");
    const COLUMNS: &'static [&'static str] = &[];

    /// virsh's `virshLookupCheckpoint`: the checkpoint named by `--ARG`.
    fn lookup(
        ctl: &mut Ctl,
        cmd: &Cmd,
        arg: &str,
        _exclusive: bool,
        dom: &Domain,
    ) -> Result<DomainCheckpoint, Failure> {
        match ctl.opt_str(cmd, arg)? {
            Some(n) => Ok(dom.checkpoint_lookup_by_name(n, 0)?),
            None => Err(ctl.fail_msg(&format!("--{arg} is required"))),
        }
    }

    fn columns(_moment: &virt_xml::DocMoment<'_>) -> Option<Vec<String>> {
        Some(Vec::new())
    }

    const ROOT: virt_xml::MomentRoot = virt_xml::MomentRoot::Checkpoint;

    fn disk_spec(spec: &str) -> Result<Element, String> {
        diskspec(spec).ok_or_else(|| format!("unable to parse diskspec: {spec}"))
    }
}
