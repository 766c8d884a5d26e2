//! Host interface (`iface-*`) and node device (`nodedev-*`) commands.

use crate::cmd::Cmd;
use crate::ctl::{CmdResult, Ctl, Failure};
use crate::domain::read_file;
use crate::table::Table;
use virt_core::{
    interface_list_flags, interface_xml_flags, node_device_list_flags, Error, Interface, NodeDevice,
};

/// True when `s` reads as a MAC address (six groups of one or two hex
/// digits separated by colons), as virsh decides whether an argument is a
/// MAC or a name.
fn mac_shaped(s: &str) -> bool {
    let groups: Vec<&str> = s.split(':').collect();
    groups.len() == 6
        && groups
            .iter()
            .all(|g| (1..=2).contains(&g.len()) && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Find the interface named by option `--interface`: by MAC when it reads
/// as one, else by name, each only when `by_name`/`by_mac` allow it.
fn lookup_iface(
    ctl: &mut Ctl,
    cmd: &Cmd,
    by_name: bool,
    by_mac: bool,
) -> Result<(Interface, String), Failure> {
    let arg = ctl.req_str(cmd, "interface")?.to_string();
    let conn = ctl.conn()?;
    let is_mac = mac_shaped(&arg);
    let r = if !is_mac && by_name {
        Some(conn.interface_lookup_by_name(&arg))
    } else if is_mac && by_mac {
        Some(conn.interface_lookup_by_mac_string(&arg))
    } else {
        None
    };
    let msg = format!("failed to get interface '{arg}'");
    match r {
        Some(Ok(i)) => Ok((i, arg)),
        Some(Err(e)) => Err(ctl.fail(&msg, e)),
        None => Err(ctl.fail_msg(&msg)),
    }
}

/// `iface-list`.
pub fn iface_list(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let flags = if cmd.has("all") {
        interface_list_flags::ALL
    } else if cmd.has("inactive") {
        interface_list_flags::INACTIVE
    } else {
        interface_list_flags::ACTIVE
    };
    let conn = ctl.conn()?;
    let mut all = conn
        .list_all_interfaces(flags)
        .map_err(|e| ctl.fail("Failed to list interfaces", e))?;
    all.sort_by_key(|i| i.name().to_ascii_lowercase());
    let mut t = Table::new(&["Name", "State", "MAC Address"]);
    for i in &all {
        let state = if i.is_active().unwrap_or(false) {
            "active"
        } else {
            "inactive"
        };
        t.row(vec![
            i.name().to_string(),
            state.into(),
            i.mac_string().to_string(),
        ]);
    }
    let with_header = !ctl.quiet;
    ctl.print(&t.render(with_header));
    Ok(())
}

/// `iface-name`: by MAC only.
pub fn iface_name(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (i, _) = lookup_iface(ctl, cmd, false, true)?;
    ctl.print(&format!("{}\n", i.name()));
    Ok(())
}

/// `iface-mac`: by name only.
pub fn iface_mac(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (i, _) = lookup_iface(ctl, cmd, true, false)?;
    ctl.print(&format!("{}\n", i.mac_string()));
    Ok(())
}

/// `iface-dumpxml`.
pub fn iface_dumpxml(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (i, _) = lookup_iface(ctl, cmd, true, true)?;
    if ctl.opt_str(cmd, "xpath")?.is_some() {
        return Err(ctl.fail_msg("XPath filtering is not supported by this virsh"));
    }
    let flags = if cmd.has("inactive") {
        interface_xml_flags::INACTIVE
    } else {
        0
    };
    let xml = i.xml_desc(flags)?;
    ctl.print(&xml);
    Ok(())
}

/// `iface-define`.
pub fn iface_define(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let file = ctl.req_str(cmd, "file")?.to_string();
    let xml = read_file(&file)?;
    // VIR_INTERFACE_DEFINE_VALIDATE.
    let flags = u32::from(cmd.has("validate"));
    let conn = ctl.conn()?;
    match conn.interface_define_xml(&xml, flags) {
        Ok(i) => {
            ctl.print_extra(&format!("Interface {} defined from {file}\n", i.name()));
            Ok(())
        }
        Err(e) => Err(ctl.fail(&format!("Failed to define interface from {file}"), e)),
    }
}

/// The interface commands that run one call and print one line, naming
/// the interface as the user did.
fn iface_simple(
    ctl: &mut Ctl,
    cmd: &Cmd,
    call: fn(&Interface) -> virt_core::Result<()>,
    done: &str,
    failed: &str,
) -> CmdResult {
    let (i, arg) = lookup_iface(ctl, cmd, true, true)?;
    match call(&i) {
        Ok(()) => {
            ctl.print_extra(&format!("Interface {arg} {done}\n"));
            Ok(())
        }
        Err(e) => Err(ctl.fail(&format!("Failed to {failed} interface {arg}"), e)),
    }
}

/// `iface-undefine`.
pub fn iface_undefine(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    iface_simple(ctl, cmd, Interface::undefine, "undefined", "undefine")
}

/// `iface-start`.
pub fn iface_start(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    iface_simple(ctl, cmd, |i| i.create(0), "started", "start")
}

/// `iface-destroy`.
pub fn iface_destroy(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    iface_simple(ctl, cmd, |i| i.destroy(0), "destroyed", "destroy")
}

/// `iface-begin`, `iface-commit` and `iface-rollback`.
fn transaction(
    ctl: &mut Ctl,
    call: fn(&virt_core::Connect, u32) -> virt_core::Result<()>,
    done: &str,
    failed: &str,
) -> CmdResult {
    let conn = ctl.conn()?;
    match call(&conn, 0) {
        Ok(()) => {
            ctl.print_extra(&format!("Network config change transaction {done}\n"));
            Ok(())
        }
        Err(e) => Err(ctl.fail(
            &format!("Failed to {failed} network config change transaction"),
            e,
        )),
    }
}

/// `iface-begin`.
pub fn iface_begin(ctl: &mut Ctl, _cmd: &Cmd) -> CmdResult {
    transaction(
        ctl,
        virt_core::Connect::interface_change_begin,
        "started",
        "begin",
    )
}

/// `iface-commit`.
pub fn iface_commit(ctl: &mut Ctl, _cmd: &Cmd) -> CmdResult {
    transaction(
        ctl,
        virt_core::Connect::interface_change_commit,
        "committed",
        "commit",
    )
}

/// `iface-rollback`.
pub fn iface_rollback(ctl: &mut Ctl, _cmd: &Cmd) -> CmdResult {
    transaction(
        ctl,
        virt_core::Connect::interface_change_rollback,
        "rolled back",
        "rollback",
    )
}

/// Find the device named by option `--device`: by name, or by a
/// `wwnn,wwpn` pair (a SCSI host by its WWNs, which virt-core does not
/// offer: libvirt's test driver has no such lookup either).
fn lookup_device(ctl: &mut Ctl, cmd: &Cmd) -> Result<(NodeDevice, String), Failure> {
    let arg = ctl.req_str(cmd, "device")?.to_string();
    let parts = arg.split(',').count();
    if parts > 2 {
        return Err(ctl.fail_msg(&format!("Malformed device value '{arg}'")));
    }
    let conn = ctl.conn()?;
    let r = if parts == 2 {
        Err(Error::no_support("virNodeDeviceLookupSCSIHostByWWN"))
    } else {
        conn.node_device_lookup_by_name(&arg)
    };
    match r {
        Ok(d) => Ok((d, arg)),
        Err(e) => Err(ctl.fail(&format!("Could not find matching device '{arg}'"), e)),
    }
}

/// `nodedev-list`.
pub fn nodedev_list(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let tree = cmd.has("tree");
    let inactive = cmd.has("inactive");
    let all = cmd.has("all");
    let caps = ctl.opt_str(cmd, "cap")?.map(str::to_string);
    if inactive && all {
        return Err(ctl.fail_msg("Option --all is incompatible with --inactive"));
    }
    if tree && (caps.is_some() || inactive) {
        return Err(ctl.fail_msg("Option --tree is incompatible with --cap and --inactive"));
    }
    let mut flags = 0;
    if let Some(caps) = &caps {
        for name in caps.split(',') {
            match node_device_list_flags::cap_bit(name) {
                Some(bit) => flags |= bit,
                None => return Err(ctl.fail_msg("Invalid capability type")),
            }
        }
    }
    flags |= if all {
        node_device_list_flags::ACTIVE | node_device_list_flags::INACTIVE
    } else if inactive {
        node_device_list_flags::INACTIVE
    } else {
        node_device_list_flags::ACTIVE
    };
    let conn = ctl.conn()?;
    let mut devs = conn
        .list_all_node_devices(flags)
        .map_err(|e| ctl.fail("Failed to list node devices", e))?;
    devs.sort_by_key(|d| d.name().to_ascii_lowercase());
    let names: Vec<String> = devs.iter().map(|d| d.name().to_string()).collect();
    let mut out = String::new();
    if tree {
        let parents: Vec<Option<String>> = devs
            .iter()
            .map(|d| {
                if d.name() == "computer" {
                    None
                } else {
                    d.parent().ok().flatten()
                }
            })
            .collect();
        print_tree(&mut out, &names, &parents);
    } else {
        for n in &names {
            out.push_str(n);
            out.push('\n');
        }
    }
    virt_core::reset_last_error();
    ctl.print(&out);
    Ok(())
}

/// virsh's device tree: each root, then its children indented under a
/// `|` rail, `+- ` before each child, a blank rail line before a group of
/// children and after the last leaf of a group.
pub(crate) fn print_tree(out: &mut String, names: &[String], parents: &[Option<String>]) {
    let known = |p: &Option<String>| p.as_ref().is_some_and(|p| names.contains(p));
    for i in 0..names.len() {
        if !known(&parents[i]) {
            let mut indent = String::new();
            tree_node(out, names, parents, i, i, true, &mut indent);
        }
    }
}

fn tree_node(
    out: &mut String,
    names: &[String],
    parents: &[Option<String>],
    dev: usize,
    last: usize,
    root: bool,
    indent: &mut String,
) {
    out.push_str(&format!(
        "{indent}{}{}\n",
        if root { "" } else { "+- " },
        names[dev]
    ));
    if !root {
        indent.push(if dev == last { ' ' } else { '|' });
        indent.push(' ');
    }
    let children: Vec<usize> = (0..names.len())
        .filter(|&i| parents[i].as_deref() == Some(names[dev].as_str()))
        .collect();
    let next_last = children.last().copied();
    if next_last.is_some() {
        out.push_str(&format!("{indent}  |\n"));
    }
    indent.push_str("  ");
    for &c in &children {
        tree_node(
            out,
            names,
            parents,
            c,
            next_last.unwrap_or(c),
            false,
            indent,
        );
    }
    indent.truncate(indent.len() - 2);
    if next_last.is_none() && dev == last {
        out.push_str(&format!("{indent}\n"));
    }
    if !root {
        indent.truncate(indent.len() - 2);
    }
}

/// `nodedev-dumpxml`.
pub fn nodedev_dumpxml(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (d, _) = lookup_device(ctl, cmd)?;
    if ctl.opt_str(cmd, "xpath")?.is_some() {
        return Err(ctl.fail_msg("XPath filtering is not supported by this virsh"));
    }
    let xml = d.xml_desc(0)?;
    ctl.print(&xml);
    Ok(())
}

/// `nodedev-create` and `nodedev-define`: a device from an XML file.
fn nodedev_from_file(ctl: &mut Ctl, cmd: &Cmd, define: bool) -> CmdResult {
    let file = ctl.req_str(cmd, "file")?.to_string();
    let xml = read_file(&file)?;
    // VIR_NODE_DEVICE_{CREATE,DEFINE}_XML_VALIDATE.
    let flags = u32::from(cmd.has("validate"));
    let conn = ctl.conn()?;
    let r = if define {
        conn.node_device_define_xml(&xml, flags)
    } else {
        conn.node_device_create_xml(&xml, flags)
    };
    match (r, define) {
        (Ok(d), false) => {
            ctl.print_extra(&format!("Node device {} created from {file}\n", d.name()));
            Ok(())
        }
        (Ok(d), true) => {
            ctl.print_extra(&format!(
                "Node device '{}' defined from '{file}'\n",
                d.name()
            ));
            Ok(())
        }
        (Err(e), false) => Err(ctl.fail(&format!("Failed to create node device from {file}"), e)),
        (Err(e), true) => Err(ctl.fail(&format!("Failed to define node device from '{file}'"), e)),
    }
}

/// `nodedev-create`.
pub fn nodedev_create(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    nodedev_from_file(ctl, cmd, false)
}

/// `nodedev-define`.
pub fn nodedev_define(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    nodedev_from_file(ctl, cmd, true)
}

/// `nodedev-destroy`.
pub fn nodedev_destroy(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (d, arg) = lookup_device(ctl, cmd)?;
    match d.destroy() {
        Ok(()) => {
            ctl.print_extra(&format!("Destroyed node device '{arg}'\n"));
            Ok(())
        }
        Err(e) => Err(ctl.fail(&format!("Failed to destroy node device '{arg}'"), e)),
    }
}

/// `nodedev-undefine`.
pub fn nodedev_undefine(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (d, arg) = lookup_device(ctl, cmd)?;
    match d.undefine(0) {
        Ok(()) => {
            ctl.print_extra(&format!("Undefined node device '{arg}'\n"));
            Ok(())
        }
        Err(e) => Err(ctl.fail(&format!("Failed to undefine node device '{arg}'"), e)),
    }
}

/// `nodedev-start`.
pub fn nodedev_start(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let (d, arg) = lookup_device(ctl, cmd)?;
    match d.create(0) {
        Ok(()) => {
            ctl.print_extra(&format!("Device {arg} started\n"));
            Ok(())
        }
        Err(e) => Err(ctl.fail(&format!("Failed to start device {arg}"), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_are_told_from_names() {
        assert!(mac_shaped("aa:bb:cc:dd:ee:ff"));
        assert!(mac_shaped("AA:B:cc:dd:ee:0"));
        assert!(!mac_shaped("eth1"));
        assert!(!mac_shaped("aa:bb:cc:dd:ee"));
        assert!(!mac_shaped("aa:bb:cc:dd:ee:fff"));
    }

    #[test]
    fn the_tree_is_virshs() {
        let names: Vec<String> = ["computer", "scsi_host1", "scsi_host11", "scsi_host2"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let parents = vec![
            None,
            Some("computer".into()),
            Some("scsi_host1".into()),
            Some("computer".into()),
        ];
        let mut out = String::new();
        print_tree(&mut out, &names, &parents);
        assert_eq!(
            out,
            "computer\n  |\n  +- scsi_host1\n  |   |\n  |   +- scsi_host11\n  |     \n  +- scsi_host2\n    \n"
        );
    }
}
