//! Host and hypervisor commands.

use crate::ctl::{CmdResult, Ctl};
use crate::opts::Cmd;
use virt_core::version_string;

/// `nodeinfo`.
pub fn nodeinfo(ctl: &mut Ctl, _cmd: &Cmd) -> CmdResult {
    let conn = ctl.conn()?;
    let n = conn
        .node_info()
        .map_err(|e| ctl.fail("failed to get node information", e))?;
    let mut s = String::new();
    for (k, v) in [
        ("CPU model:", n.model.clone()),
        ("CPU(s):", n.cpus.to_string()),
        ("CPU frequency:", format!("{} MHz", n.mhz)),
        ("CPU socket(s):", n.sockets.to_string()),
        ("Core(s) per socket:", n.cores.to_string()),
        ("Thread(s) per core:", n.threads.to_string()),
        ("NUMA cell(s):", n.nodes.to_string()),
        ("Memory size:", format!("{} KiB", n.memory)),
    ] {
        s.push_str(&format!("{k:<20} {v}\n"));
    }
    ctl.print(&s);
    Ok(())
}

/// `capabilities`.
pub fn capabilities(ctl: &mut Ctl, _cmd: &Cmd) -> CmdResult {
    let conn = ctl.conn()?;
    let caps = conn
        .capabilities()
        .map_err(|e| ctl.fail("failed to get capabilities", e))?;
    ctl.print(&format!("{caps}\n"));
    Ok(())
}

/// `version`.
pub fn version(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let conn = ctl.conn()?;
    let lib = version_string(virt_core::LIB_VERSION);
    ctl.print(&format!("Compiled against library: libvirt {lib}\n"));
    let used = conn
        .lib_version()
        .map_err(|e| ctl.fail("failed to get the library version", e))?;
    ctl.print(&format!(
        "Using library: libvirt {}\n",
        version_string(used)
    ));
    let hv_type = conn.type_name().to_string();
    ctl.print(&format!("Using API: {hv_type} {}\n", version_string(used)));
    let hv = conn
        .version()
        .map_err(|e| ctl.fail("failed to get the hypervisor version", e))?;
    if hv == 0 {
        ctl.print(&format!(
            "Cannot extract running {hv_type} hypervisor version\n"
        ));
    } else {
        ctl.print(&format!(
            "Running hypervisor: {hv_type} {}\n",
            version_string(hv)
        ));
    }
    if cmd.has("daemon") {
        ctl.print(&format!(
            "Running against daemon: {}\n",
            version_string(used)
        ));
    }
    Ok(())
}

/// `uri`.
pub fn uri(ctl: &mut Ctl, _cmd: &Cmd) -> CmdResult {
    let conn = ctl.conn()?;
    let u = conn.uri().map_err(|e| ctl.fail("failed to get URI", e))?;
    ctl.print(&format!("{u}\n"));
    Ok(())
}

/// `hostname`.
pub fn hostname(ctl: &mut Ctl, _cmd: &Cmd) -> CmdResult {
    let conn = ctl.conn()?;
    let h = conn
        .hostname()
        .map_err(|e| ctl.fail("failed to get hostname", e))?;
    ctl.print(&format!("{h}\n"));
    Ok(())
}
