//! The snapshot commands (`snapshot-*`), with virsh 9.0's options,
//! messages and output.

use crate::cmd::Cmd;
use crate::ctl::{CmdResult, Ctl, Failure, BY_ANY};
use crate::moment::{self, bool_flags, split_spec, Snapshot, VirshMoment};
use virt_core::{
    snapshot_create_flags as cf, snapshot_delete_flags as df, snapshot_list_flags as lf,
    snapshot_revert_flags as rf, xml_flags, Domain, DomainSnapshot,
};
use virt_xml::Element;

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

/// `snapshot-create`.
pub fn snapshot_create(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let mut flags = bool_flags(cmd, CREATE_FLAGS);
    flags |= bool_flags(cmd, &[("redefine", cf::REDEFINE), ("current", cf::CURRENT)]);
    moment::create_from_file::<Snapshot>(ctl, cmd, flags)
}

/// `--memspec [file=]name[,snapshot=type]` as `<memory>`.
fn memspec(spec: &str) -> Option<Element> {
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
    Some(virt_xml::SnapshotMemorySpec { snapshot, file }.to_element())
}

/// `--diskspec disk[,snapshot=type][,driver=type][,stype=type][,file=name]`
/// as `<disk>`; the error text when it cannot be read.
fn diskspec(spec: &str) -> Result<Element, String> {
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
    if let Some(t) = &stype {
        if !matches!(t.as_str(), "block" | "file") {
            // virsh reports both.
            return Err(format!("Unknown storage type: '{t}'\nerror: {}", bad()));
        }
    }
    Ok(virt_xml::SnapshotDiskSpec {
        name: name.clone(),
        snapshot,
        source_type: stype,
        driver,
        file,
    }
    .to_element())
}

/// `snapshot-create-as`.
pub fn snapshot_create_as(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    moment::create_as::<Snapshot>(ctl, cmd, bool_flags(cmd, CREATE_FLAGS))
}

/// `snapshot-current`.
pub fn snapshot_current(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let flags = if cmd.has("security-info") {
        xml_flags::SECURE
    } else {
        0
    };
    ctl.exclusive(cmd, "name", "snapshotname")?;
    let dom = ctl.lookup_domain(cmd, BY_ANY)?;
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
    let dom = ctl.lookup_domain(cmd, BY_ANY)?;
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
    let dom = ctl.lookup_domain(cmd, BY_ANY)?;
    let snap = Snapshot::lookup(ctl, cmd, "snapshotname", false, &dom)?;
    let name = snap.name().to_string();
    let original = snap.xml_desc(xml_flags::SECURE);
    if original
        .as_ref()
        .is_ok_and(|x| x.contains("<state>disk-snapshot</state>"))
    {
        flags |= cf::DISK_ONLY;
    }
    let Some(edited_name) = moment::edit(ctl, &dom, &snap, flags, flags & cf::CURRENT != 0)? else {
        return Ok(());
    };
    let failed = |ctl: &mut Ctl| ctl.fail_msg(&format!("Failed to update {name}"));
    if clone {
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

/// `snapshot-info`.
pub fn snapshot_info(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let dom = ctl.lookup_domain(cmd, BY_ANY)?;
    let snap = Snapshot::lookup(ctl, cmd, "snapshotname", true, &dom)?;
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
    let moment = virt_xml::doc_moment(&root);
    let Some(state) = moment.state() else {
        ctl.print(&out);
        return Err(ctl.fail_msg("unexpected problem reading snapshot xml"));
    };
    out.push_str(&line("State:", &state));
    let location = if moment.is_external() {
        "external"
    } else {
        "internal"
    };
    out.push_str(&line("Location:", location));
    let parent = moment.parent();
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
    let dom = ctl.lookup_domain(cmd, BY_ANY)?;
    let snap = Snapshot::lookup(ctl, cmd, "snapshotname", true, &dom)?;
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

impl VirshMoment for Snapshot {
    const FILTERS: &'static [(&'static str, u32)] = &[
        ("inactive", lf::INACTIVE),
        ("active", lf::ACTIVE),
        ("disk-only", lf::DISK_ONLY),
        ("internal", lf::INTERNAL),
        ("external", lf::EXTERNAL),
    ];
    const LIST_FLAGS: &'static [(&'static str, u32)] =
        &[("metadata", lf::METADATA), ("no-metadata", lf::NO_METADATA)];
    const HAS_CURRENT: bool = true;
    const LIST_FAILURE: Option<&'static str> = None;
    const COLUMNS: &'static [&'static str] = &["State"];

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

    fn columns(moment: &virt_xml::DocMoment<'_>) -> Option<Vec<String>> {
        Some(vec![moment.state()?])
    }

    const ROOT: virt_xml::MomentRoot = virt_xml::MomentRoot::Snapshot;

    fn memory_spec(ctl: &mut Ctl, cmd: &Cmd) -> Result<Option<Element>, Failure> {
        match ctl.opt_str(cmd, "memspec")? {
            Some(m) => match memspec(m) {
                Some(x) => Ok(Some(x)),
                None => Err(ctl.fail_msg(&format!("unable to parse memspec: {m}"))),
            },
            None => Ok(None),
        }
    }

    fn disk_spec(spec: &str) -> Result<Element, String> {
        diskspec(spec)
    }
}
