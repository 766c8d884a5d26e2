//! Host and hypervisor commands.

use crate::cmd::Cmd;
use crate::ctl::{CmdResult, Ctl, Failure};
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

/// `domcapabilities`: the emulator's capabilities for one binary,
/// architecture, machine type and virtualization type.
pub fn domcapabilities(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let conn = ctl.conn()?;
    let caps = conn
        .domain_capabilities(
            cmd.raw("emulatorbin"),
            cmd.raw("arch"),
            cmd.raw("machine"),
            cmd.raw("virttype"),
            0,
        )
        .map_err(|e| ctl.fail("failed to get emulator capabilities", e))?;
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

/// `freecell`: free memory of one NUMA cell (`--cellno`), of every cell
/// the capabilities list (`--all`), or of the whole node.
pub fn freecell(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    ctl.exclusive(cmd, "all", "cellno")?;
    let cell = ctl.opt_uint(cmd, "cellno")?;
    let conn = ctl.conn()?;
    if cmd.has("all") {
        let caps = conn
            .capabilities()
            .map_err(|e| ctl.fail("unable to get node capabilities", e))?;
        let ids = virt_xml::capabilities::numa_cell_ids(&caps)
            .ok_or_else(|| ctl.fail_msg("could not get information about NUMA topology"))?;
        let mut out = String::new();
        let mut total = 0u64;
        for id in ids {
            let free = match conn.node_cells_free_memory(id, 1) {
                Ok(v) if v.len() == 1 => v[0],
                Ok(_) => {
                    return Err(ctl.fail_msg(&format!(
                        "failed to get free memory for NUMA node number: {id}"
                    )))
                }
                Err(e) => {
                    return Err(ctl.fail(
                        &format!("failed to get free memory for NUMA node number: {id}"),
                        e,
                    ))
                }
            };
            out.push_str(&format!("{id:>5}: {:>10} KiB\n", free / 1024));
            total += free;
        }
        ctl.print(&out);
        ctl.print_extra(&format!(
            "--------------------\n{:>5}: {:>10} KiB\n",
            "Total",
            total / 1024
        ));
    } else if let Some(cell) = cell {
        let free = conn
            .node_cells_free_memory(cell, 1)
            .map_err(Failure::from)?;
        let Some(free) = free.first() else {
            return Err(ctl.fail_msg(&format!(
                "failed to get free memory for NUMA node number: {cell}"
            )));
        };
        ctl.print(&format!("{cell}: {} KiB\n", free / 1024));
    } else {
        let free = conn.node_free_memory().map_err(Failure::from)?;
        ctl.print(&format!("Total: {} KiB\n", free / 1024));
    }
    Ok(())
}

/// `nodememstats`: the memory figures of the node, or of NUMA cell
/// `--cell`, in KiB.
pub fn nodememstats(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let cell = ctl
        .opt_int(cmd, "cell")?
        .unwrap_or(virt_core::NODE_MEMORY_STATS_ALL_CELLS);
    let conn = ctl.conn()?;
    let stats = conn
        .node_memory_stats(cell, 0)
        .map_err(|e| ctl.fail("Unable to get number of memory stats", e))?;
    let mut s = String::new();
    for st in stats {
        s.push_str(&format!("{:<7}: {:>20} KiB\n", st.field, st.value));
    }
    ctl.print(&s);
    Ok(())
}

/// `nodecpumap`: how many CPUs the node has, how many are online, and
/// which (`y`/`-` per CPU, or a cpulist with `--pretty`).
pub fn nodecpumap(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let conn = ctl.conn()?;
    let (count, map) = conn
        .node_cpu_map()
        .map_err(|e| ctl.fail("Unable to get cpu map", e))?;
    let online = map.cpus().filter(|c| *c < count).count();
    let mut s = format!(
        "{:<15} {count}\n{:<15} {online}\n{:<15} ",
        "CPUs present:", "CPUs online:", "CPU map:"
    );
    if cmd.has("pretty") {
        s.push_str(&map.to_string());
    } else {
        s.extend((0..count).map(|c| if map.is_set(c) { 'y' } else { '-' }));
    }
    s.push('\n');
    ctl.print(&s);
    Ok(())
}
