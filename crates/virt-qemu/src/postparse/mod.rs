//! What libvirt 9.0's QEMU driver adds to a definition when it is defined
//! (qemuDomainDefPostParse and the steps around it), so that a guest
//! defined here reads back as libvirtd writes it and management tools
//! (virt-manager, virt-install) find what they expect:
//!
//! - the architecture, emulator and machine type: an alias (`pc`, `q35`)
//!   becomes the versioned machine the installed QEMU reports for it;
//! - the default guest CPU of that machine (`qemu64`), with libvirt's
//!   match, check and fallback;
//! - the devices libvirt adds;
//! - PCI addresses ([`address`]).
//!
//! Everything here keeps what the definition says and only fills in what
//! it leaves out; running it twice changes nothing.

pub mod address;
mod devices;
mod implicit;

use crate::capabilities::BinaryCaps;
use crate::driver::DEFAULT_EMULATOR;
use crate::error::QemuResult;
use virt_xml::{Cpu, CpuModel, DomainDef};

/// Fill in libvirt's define-time defaults. `caps` is what the guest's
/// emulator can do; without it (the binary could not be probed) what
/// depends on it (the machine's full name, its default CPU) is left as
/// given, as libvirt does when it has no capabilities at parse time.
pub fn apply(def: &mut DomainDef, caps: Option<&BinaryCaps>) -> QemuResult<()> {
    if def.os.arch.is_none() {
        def.os.arch = Some(
            caps.map(|c| c.arch.clone())
                .unwrap_or_else(|| virt_xml::capabilities::host_arch().to_string()),
        );
    }
    if def.devices.emulator.is_none() {
        def.devices.emulator = Some(emulator_for(caps));
    }
    devices::order_and_number_controllers(def);
    let Some(caps) = caps else {
        return Ok(());
    };
    canonical_machine(def, caps);
    devices::add_default_devices(def, caps);
    // The disks' implicit controllers, before the devices' defaults.
    def.fill_defaults();
    implicit::apply(def, caps);
    address::assign(def);
    default_cpu(def, caps)?;
    Ok(())
}

/// The emulator a definition without `<emulator>` gets.
fn emulator_for(caps: Option<&BinaryCaps>) -> String {
    caps.map_or_else(
        || DEFAULT_EMULATOR.to_string(),
        |c| c.binary.to_string_lossy().into_owned(),
    )
}

/// No machine: QEMU's default one. An alias: the machine it stands for
/// (qemuCanonicalizeMachine). A name QEMU does not know is kept (the
/// start refuses it with QEMU's words).
fn canonical_machine(def: &mut DomainDef, caps: &BinaryCaps) {
    let machine = match def.os.machine.as_deref() {
        None => caps.default_machine(),
        Some(m) => caps.machine(m),
    };
    if let Some(m) = machine {
        def.os.machine = Some(m.name.clone());
    }
}

/// A guest without a CPU model gets its machine's default one
/// (qemuDomainDefSetDefaultCPU): a custom CPU, matched exactly, checked
/// not at all (QEMU drops features the host lacks), never replaced.
fn default_cpu(def: &mut DomainDef, caps: &BinaryCaps) -> QemuResult<()> {
    let mut cpu = def.cpu()?.unwrap_or_default();
    if cpu.mode.as_deref().is_some_and(|m| m != "custom") || cpu.model.is_some() {
        return Ok(());
    }
    let Some(model) = def
        .os
        .machine
        .as_deref()
        .and_then(|m| caps.machine(m))
        .and_then(|m| m.default_cpu.clone())
    else {
        return Ok(());
    };
    cpu = Cpu {
        mode: Some("custom".into()),
        match_: Some("exact".into()),
        check: Some("none".into()),
        model: Some(CpuModel {
            name: model,
            fallback: Some("forbid".into()),
            vendor_id: None,
        }),
        ..cpu
    };
    def.set_cpu(&cpu);
    Ok(())
}
