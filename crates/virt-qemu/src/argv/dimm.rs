//! DIMM memory modules (`<memory model='dimm'>`) and the guest NUMA cells
//! they plug into, as libvirt 9.0's QEMU driver runs them: each module is a
//! `memory-backend-ram` object (`mem` + the module's alias) under a
//! `pc-dimm` device (alias `dimm` + its slot), on the command line at start
//! and through QMP `object-add` / `device_add` when hot-plugged. libvirt's
//! checks (`qemuDomainDefValidateMemoryHotplug`) come before either.

use crate::error::{QemuError, QemuResult};
use serde_json::{json, Value};
use virt_xml::{
    child_view, set_child_view, Address, Alias, DomainDef, Element, MemoryDevice, ScaledSize, View,
};

/// DIMM sizes are whole multiples of 2 MiB on x86, as libvirt rounds them
/// (`qemuDomainGetMemoryModuleSizeAlignment`), in KiB.
const DIMM_ALIGN_KIB: u64 = 2048;

/// One `<memory model='dimm'>` device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dimm {
    /// `<target><size>`, in KiB, rounded up to 2 MiB.
    pub size: u64,
    /// `<target><node>`: the guest NUMA cell it belongs to.
    pub node: Option<u32>,
    /// `<address type='dimm' slot=...>`.
    pub slot: Option<u32>,
    /// `<address base=...>`: its guest physical address.
    pub base: Option<u64>,
}

fn config(msg: impl Into<String>) -> QemuError {
    QemuError::Unsupported(msg.into())
}

fn number<T: std::str::FromStr>(text: &str, what: &str) -> QemuResult<T> {
    text.trim()
        .parse()
        .map_err(|_| QemuError::InvalidArg(format!("invalid {what} '{}'", text.trim())))
}

impl Dimm {
    /// Read a `<memory>` device element; other models than `dimm` are
    /// refused (this driver runs DIMMs only).
    pub fn from_element(e: &Element) -> QemuResult<Dimm> {
        let memory = MemoryDevice::from_element(e)?;
        if memory.model.as_deref() != Some("dimm") {
            return Err(config(format!(
                "memory device model '{}' is not supported by this driver",
                memory.model.as_deref().unwrap_or("")
            )));
        }
        let size = match &memory.target_size {
            Some(s) => virt_xml::parse_memory(&s.value.to_string(), s.unit.as_deref())?,
            None => return Err(config("memory device size must be specified")),
        };
        let (mut slot, mut base) = (None, None);
        if let Some(a) = child_view::<Address>(e)? {
            if a.address_type.as_deref() != Some("dimm") {
                return Err(config(
                    "only 'dimm' addresses are supported for the pc-dimm device",
                ));
            }
            if let Some(s) = &a.slot {
                slot = Some(number(s, "memory device slot")?);
            }
            if let Some(b) = &a.base {
                let hex = b.trim_start_matches("0x").trim_start_matches("0X");
                base = Some(u64::from_str_radix(hex, 16).map_err(|_| {
                    QemuError::InvalidArg(format!("invalid memory device base '{b}'"))
                })?);
            }
        }
        Ok(Dimm {
            size: size.div_ceil(DIMM_ALIGN_KIB) * DIMM_ALIGN_KIB,
            node: memory.target_node,
            slot,
            base,
        })
    }

    /// The QEMU id (libvirt's alias) of the module: `dimm` + its slot.
    pub fn alias(&self) -> String {
        format!("dimm{}", self.slot.unwrap_or(0))
    }

    /// The `memory-backend-ram` object behind the module.
    pub fn backend(&self) -> Value {
        json!({
            "qom-type": "memory-backend-ram",
            "id": format!("mem{}", self.alias()),
            "size": self.size * 1024,
        })
    }

    /// The `pc-dimm` device.
    pub fn device(&self) -> Value {
        let mut v = json!({
            "driver": "pc-dimm",
            "node": self.node.unwrap_or(0),
            "memdev": format!("mem{}", self.alias()),
            "id": self.alias(),
            "slot": self.slot.unwrap_or(0),
        });
        if let Some(b) = self.base {
            v["addr"] = json!(b);
        }
        v
    }

    /// Write size, slot, base and (in a live definition, `live`) alias
    /// back into the device element, as libvirt's XML shows them: the
    /// alias and address (made anew) close the element.
    pub fn write_into(&self, e: &mut Element, live: bool) -> QemuResult<()> {
        let mut memory = MemoryDevice::from_element(e)?;
        if memory.target_size.is_some() {
            memory.target_size = Some(ScaledSize {
                value: self.size,
                unit: Some("KiB".into()),
            });
            memory.write_to(e);
        }
        set_child_view::<Address>(e, None);
        set_child_view::<Alias>(e, None);
        if live {
            let alias = Alias {
                name: Some(self.alias()),
            };
            set_child_view(e, Some(&alias));
        }
        let address = Address {
            address_type: Some("dimm".into()),
            slot: self.slot.map(|s| s.to_string()),
            base: self.base.map(|b| format!("0x{b:x}")),
            ..Address::default()
        };
        set_child_view(e, Some(&address));
        Ok(())
    }
}

/// The memory devices of `def`: their places in `devices.other` and what
/// they say.
pub fn dimms(def: &DomainDef) -> QemuResult<Vec<(usize, Dimm)>> {
    def.devices
        .other
        .iter()
        .enumerate()
        .filter(|(_, e)| e.name == MemoryDevice::TAG)
        .map(|(i, e)| Ok((i, Dimm::from_element(e)?)))
        .collect()
}

/// The memory the guest boots with, in KiB (libvirt's
/// `virDomainDefGetMemoryInitial`): its NUMA cells' memory, else
/// `<memory>` less the modules.
pub fn initial_memory(def: &DomainDef, modules: &[(usize, Dimm)]) -> u64 {
    let cells: u64 = def
        .cpu()
        .ok()
        .flatten()
        .map(|c| {
            c.numa
                .iter()
                .map(|n| {
                    virt_xml::parse_memory(&n.memory.to_string(), n.unit.as_deref()).unwrap_or(0)
                })
                .sum()
        })
        .unwrap_or(0);
    if cells > 0 {
        return cells;
    }
    let plugged: u64 = modules.iter().map(|(_, d)| d.size).sum();
    def.memory.saturating_sub(plugged)
}

/// Set `<memory>` to the boot memory plus the modules, as libvirt keeps
/// it (`virDomainDefSetMemoryTotal` after a module comes or goes), and
/// move `<currentMemory>` by the same amount.
pub fn update_totals(def: &mut DomainDef) -> QemuResult<()> {
    let modules = dimms(def)?;
    let total = initial_memory(def, &modules) + modules.iter().map(|(_, d)| d.size).sum::<u64>();
    let old = def.memory;
    def.memory = total;
    if let Some(cur) = def.current_memory {
        def.current_memory = Some(
            if total >= old {
                cur + (total - old)
            } else {
                cur.saturating_sub(old - total)
            }
            .min(total),
        );
    }
    Ok(())
}

/// libvirt's checks of the memory modules of `def`, and of `new` about to
/// be hot-plugged (`qemuDomainDefValidateMemoryHotplug`).
pub fn validate(def: &DomainDef, new: Option<&Dimm>) -> QemuResult<()> {
    let modules = dimms(def)?;
    let count = modules.len() + usize::from(new.is_some());
    let Some((max, slots)) = def.max_memory.filter(|(_, s)| s.unwrap_or(0) > 0) else {
        if count > 0 {
            return Err(config(
                "cannot use/hotplug a memory device when domain 'maxMemory' is not defined",
            ));
        }
        return Ok(());
    };
    let slots = slots.unwrap_or(0);
    let cells = def.cpu().ok().flatten().map(|c| c.numa.len()).unwrap_or(0);
    let check_device = |d: &Dimm| -> QemuResult<()> {
        let Some(node) = d.node else {
            return Err(config(
                "target NUMA node needs to be specified for memory device",
            ));
        };
        if node as usize >= cells {
            return Err(config(format!(
                "can't add memory backend for guest node '{node}' as the guest has only '{cells}' NUMA nodes configured"
            )));
        }
        if let Some(s) = d.slot.filter(|s| *s >= slots) {
            return Err(config(format!(
                "memory device slot '{s}' exceeds slots count '{slots}'"
            )));
        }
        Ok(())
    };
    if let Some(d) = new {
        check_device(d)?;
    }
    if cells == 0 {
        return Err(config(
            "At least one numa node has to be configured when enabling memory hotplug",
        ));
    }
    if count > slots as usize {
        return Err(config(format!(
            "memory device count '{count}' exceeds slots count '{slots}'"
        )));
    }
    if new.is_none() {
        for (_, d) in &modules {
            check_device(d)?;
        }
    }
    let space = max.saturating_sub(initial_memory(def, &modules));
    let used: u64 = modules.iter().map(|(_, d)| d.size).sum::<u64>() + new.map_or(0, |d| d.size);
    if used > space {
        return Err(config("memory device total size exceeds hotplug space"));
    }
    Ok(())
}

/// The lowest slot no module of `def` holds (libvirt's
/// `qemuAssignMemoryDeviceSlot`), with its error when there is none.
pub fn free_slot(def: &DomainDef, modules: &[(usize, Dimm)]) -> QemuResult<u32> {
    let slots = def.max_memory.and_then(|(_, s)| s).unwrap_or(0);
    (0..slots)
        .find(|s| !modules.iter().any(|(_, d)| d.slot == Some(*s)))
        .ok_or_else(|| QemuError::Internal("failed to find an empty memory slot".into()))
}

/// Give every module of `def` a slot, and in a live definition (`live`)
/// its alias (libvirt's `qemuDomainAssignMemorySlots` at define and
/// start; nothing without memory hot-plug, which validation refuses).
pub fn assign_slots(def: &mut DomainDef, live: bool) -> QemuResult<()> {
    if def.max_memory.and_then(|(_, s)| s).unwrap_or(0) == 0 {
        return Ok(());
    }
    let mut modules = dimms(def)?;
    for n in 0..modules.len() {
        if modules[n].1.slot.is_none() {
            let s = free_slot(def, &modules)?;
            modules[n].1.slot = Some(s);
        }
        let (i, d) = &modules[n];
        d.write_into(&mut def.devices.other[*i], live)?;
    }
    Ok(())
}

/// `-object`/`-numa` arguments for the guest NUMA cells: one
/// `memory-backend-ram` (`ram-node{N}`) per cell, as libvirt does when
/// the guest has memory modules (QEMU wants the cells' memory as
/// backends, not `mem=`, on current machine types).
pub fn numa_args(def: &DomainDef) -> QemuResult<Vec<(&'static str, String)>> {
    let Some(cpu) = def.cpu()? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (n, cell) in cpu.numa.iter().enumerate() {
        let id = cell.id.unwrap_or(n as u32);
        let kib = virt_xml::parse_memory(&cell.memory.to_string(), cell.unit.as_deref())?;
        out.push((
            "-object",
            json!({"qom-type": "memory-backend-ram", "id": format!("ram-node{id}"), "size": kib * 1024})
                .to_string(),
        ));
        let mut node = format!("node,nodeid={id}");
        for part in cell.cpus.as_deref().unwrap_or("").split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            if part.starts_with('^') {
                return Err(config(format!(
                    "NUMA cell cpus '{}' with exclusions are not supported by this driver",
                    cell.cpus.as_deref().unwrap_or("")
                )));
            }
            node.push_str(&format!(",cpus={part}"));
        }
        node.push_str(&format!(",memdev=ram-node{id}"));
        out.push(("-numa", node));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(head: &str, devices: &str) -> DomainDef {
        let vcpu = if head.contains("<vcpu>") {
            ""
        } else {
            "<vcpu>1</vcpu>"
        };
        virt_xml::parse_domain(&format!(
            "<domain type='qemu'><name>m</name>{head}{vcpu}<os><type arch='x86_64'>hvm</type></os>\
             <devices>{devices}</devices></domain>"
        ))
        .expect("xml")
    }

    const NUMA: &str = "<cpu><numa><cell id='0' cpus='0' memory='256' unit='MiB'/></numa></cpu>";

    fn module(mib: u64, extra: &str) -> String {
        format!(
            "<memory model='dimm'><target><size unit='MiB'>{mib}</size><node>0</node></target>{extra}</memory>"
        )
    }

    fn refusal(def: &DomainDef, new: Option<&Dimm>) -> String {
        validate(def, new).expect_err("refused").to_string()
    }

    #[test]
    fn modules_are_read_aligned_and_written_back() {
        let e = virt_xml::parse_element(&module(
            127,
            "<address type='dimm' slot='1' base='0x100000000'/>",
        ))
        .expect("xml");
        let d = Dimm::from_element(&e).expect("dimm");
        // 127 MiB rounds up to the next 2 MiB.
        assert_eq!(d.size, 128 << 10);
        assert_eq!((d.node, d.slot, d.base), (Some(0), Some(1), Some(1 << 32)));
        assert_eq!(d.alias(), "dimm1");
        assert_eq!(
            d.device().to_string(),
            r#"{"addr":4294967296,"driver":"pc-dimm","id":"dimm1","memdev":"memdimm1","node":0,"slot":1}"#
        );
        assert_eq!(d.backend()["size"], json!(128u64 << 20));
        let mut out = e.clone();
        d.write_into(&mut out, true).expect("written");
        assert_eq!(Dimm::from_element(&out).expect("again"), d);
        assert!(out.to_xml(0).contains("<alias name='dimm1'/>"));
        let nvdimm = virt_xml::parse_element("<memory model='nvdimm'/>").expect("xml");
        assert!(Dimm::from_element(&nvdimm).is_err());
        let pci = virt_xml::parse_element(&module(128, "<address type='pci'/>")).expect("xml");
        assert_eq!(
            Dimm::from_element(&pci).expect_err("pci").to_string(),
            "unsupported configuration: only 'dimm' addresses are supported for the pc-dimm device"
        );
    }

    #[test]
    fn libvirt_refusals() {
        let new = Dimm::from_element(&virt_xml::parse_element(&module(128, "")).expect("xml"))
            .expect("dimm");
        let plain = domain("<memory unit='MiB'>256</memory>", "");
        assert_eq!(
            refusal(&plain, Some(&new)),
            "unsupported configuration: cannot use/hotplug a memory device when domain 'maxMemory' is not defined"
        );
        assert!(validate(&plain, None).is_ok());
        let no_numa = domain(
            "<maxMemory slots='2' unit='MiB'>1024</maxMemory><memory unit='MiB'>256</memory>",
            "",
        );
        assert_eq!(
            refusal(&no_numa, None),
            "unsupported configuration: At least one numa node has to be configured when enabling memory hotplug"
        );
        let head = format!(
            "<maxMemory slots='2' unit='MiB'>512</maxMemory><memory unit='MiB'>384</memory>{NUMA}"
        );
        let one = domain(&head, &module(128, "<address type='dimm' slot='0'/>"));
        assert!(validate(&one, None).is_ok());
        assert_eq!(
            initial_memory(&one, &dimms(&one).expect("dimms")),
            256 << 10
        );
        assert_eq!(
            refusal(
                &one,
                Some(&Dimm {
                    size: 256 << 10,
                    ..new.clone()
                })
            ),
            "unsupported configuration: memory device total size exceeds hotplug space"
        );
        let two = domain(&head, &format!("{}{}", module(64, ""), module(64, "")));
        assert_eq!(
            refusal(
                &two,
                Some(&Dimm {
                    size: 2048,
                    ..new.clone()
                })
            ),
            "unsupported configuration: memory device count '3' exceeds slots count '2'"
        );
        assert_eq!(
            refusal(&one, Some(&Dimm { node: Some(1), ..new.clone() })),
            "unsupported configuration: can't add memory backend for guest node '1' as the guest has only '1' NUMA nodes configured"
        );
        assert_eq!(
            refusal(
                &one,
                Some(&Dimm {
                    slot: Some(2),
                    ..new.clone()
                })
            ),
            "unsupported configuration: memory device slot '2' exceeds slots count '2'"
        );
        assert_eq!(
            refusal(&one, Some(&Dimm { node: None, ..new })),
            "unsupported configuration: target NUMA node needs to be specified for memory device"
        );
    }

    #[test]
    fn slots_are_assigned_lowest_first_and_totals_follow() {
        let head = format!(
            "<maxMemory slots='3' unit='MiB'>1024</maxMemory><memory unit='MiB'>384</memory>{NUMA}"
        );
        let mut def = domain(
            &head,
            &format!(
                "{}{}",
                module(64, "<address type='dimm' slot='0'/>"),
                module(64, "")
            ),
        );
        assign_slots(&mut def, false).expect("slots");
        let slots: Vec<Option<u32>> = dimms(&def)
            .expect("dimms")
            .iter()
            .map(|(_, d)| d.slot)
            .collect();
        assert_eq!(slots, vec![Some(0), Some(1)]);
        let modules = dimms(&def).expect("dimms");
        assert_eq!(free_slot(&def, &modules).expect("free"), 2);
        update_totals(&mut def).expect("totals");
        assert_eq!(def.memory, 384 << 10);
        def.devices.other.retain(|e| e.name != "memory");
        update_totals(&mut def).expect("totals");
        assert_eq!(def.memory, 256 << 10);
        let full = domain(
            &head.replace("slots='3'", "slots='1'"),
            &module(64, "<address type='dimm' slot='0'/>"),
        );
        assert_eq!(
            free_slot(&full, &dimms(&full).expect("dimms"))
                .expect_err("full")
                .to_string(),
            "internal error: failed to find an empty memory slot"
        );
    }

    #[test]
    fn numa_cells_become_memory_backends() {
        let def = domain(
            "<memory unit='MiB'>512</memory><vcpu>4</vcpu><cpu><numa><cell id='0' cpus='0-1,3' memory='256' unit='MiB'/>\
             <cell id='1' cpus='2' memory='262144'/></numa></cpu>",
            "",
        );
        let args: Vec<String> = numa_args(&def)
            .expect("numa")
            .into_iter()
            .map(|(a, v)| format!("{a} {v}"))
            .collect();
        assert_eq!(
            args,
            vec![
                r#"-object {"id":"ram-node0","qom-type":"memory-backend-ram","size":268435456}"#,
                "-numa node,nodeid=0,cpus=0-1,cpus=3,memdev=ram-node0",
                r#"-object {"id":"ram-node1","qom-type":"memory-backend-ram","size":268435456}"#,
                "-numa node,nodeid=1,cpus=2,memdev=ram-node1",
            ]
        );
    }
}
