//! libvirt's post-parse refusals about devices (domain_postparse.c): a
//! device's own (virDomainDeviceDefPostParseCommon, before the rest of
//! post-parse), the memory devices against the memory, one panic
//! notifier of each model.

use crate::{DomainDef, Element, XmlError};

fn devices<'a>(def: &'a DomainDef, name: &'a str) -> impl Iterator<Item = &'a Element> {
    def.devices.other.iter().filter(move |e| e.name == name)
}

/// The models of each controller type, in the order of libvirt's enums
/// (`virDomainControllerModel*`): the model is kept as its place in the
/// list of its controller's type, and some checks compare that place
/// alone, whatever the type.
fn controller_models(kind: &str) -> &'static [&'static str] {
    match kind {
        "scsi" => &[
            "auto",
            "buslogic",
            "lsilogic",
            "lsisas1068",
            "vmpvscsi",
            "ibmvscsi",
            "virtio-scsi",
            "lsisas1078",
            "virtio-transitional",
            "virtio-non-transitional",
            "ncr53c90",
            "dc390",
            "am53c974",
        ],
        "usb" => &[
            "piix3-uhci",
            "piix4-uhci",
            "ehci",
            "ich9-ehci1",
            "ich9-uhci1",
            "ich9-uhci2",
            "ich9-uhci3",
            "vt82c686b-uhci",
            "pci-ohci",
            "nec-xhci",
            "qusb1",
            "qusb2",
            "qemu-xhci",
            "none",
        ],
        "pci" => &[
            "pci-root",
            "pcie-root",
            "pci-bridge",
            "dmi-to-pci-bridge",
            "pcie-to-pci-bridge",
            "pcie-root-port",
            "pcie-switch-upstream-port",
            "pcie-switch-downstream-port",
            "pci-expander-bus",
            "pcie-expander-bus",
        ],
        "ide" => &["piix3", "piix4", "ich6"],
        "virtio-serial" => &["virtio", "virtio-transitional", "virtio-non-transitional"],
        _ => &[],
    }
}

/// virDomainControllerDefPostParse: an I/O thread (not 0) only for a
/// virtio SCSI controller. libvirt compares the model's place in its
/// type's list with those of the virtio SCSI models, so a USB or PCI
/// controller whose model sits at one of those places passes too.
fn check_controller(controller: &Element) -> Result<(), XmlError> {
    let iothread = controller
        .child("driver")
        .and_then(|d| d.attr("iothread"))
        .and_then(|v| crate::validate::c_uint(v, 10))
        .unwrap_or(0);
    if iothread == 0 {
        return Ok(());
    }
    let kind = controller.attr("type").unwrap_or_default();
    let place = controller
        .attr("model")
        .and_then(|m| controller_models(kind).iter().position(|x| *x == m));
    let virtio_scsi = controller_models("scsi");
    let virtio = [
        "virtio-scsi",
        "virtio-transitional",
        "virtio-non-transitional",
    ]
    .map(|m| virtio_scsi.iter().position(|x| *x == m));
    if place.is_some() && virtio.contains(&place) {
        return Ok(());
    }
    Err(XmlError::Invalid(
        "'iothread' attribute only supported for virtio scsi controllers".into(),
    ))
}

/// The devices' own post-parse refusals (virDomainDeviceDefPostParse,
/// made for each device before the domain's post-parse).
pub(crate) fn check_each_device(def: &DomainDef) -> Result<(), XmlError> {
    devices(def, "controller").try_for_each(check_controller)
}

/// virDomainDefPostParseMemory: the memory devices' sizes (KiB) summed
/// as libvirt sums them (wrapping), and with a memory size given (or no
/// guest NUMA cells to take one from) not above it; the memory they
/// leave must not be nothing.
pub(crate) fn check_memory(def: &DomainDef, numa: bool) -> Result<(), XmlError> {
    let hotplug = devices(def, "memory")
        .filter_map(|m| {
            use crate::views::View;
            let size = crate::views::MemoryDevice::from_element(m)
                .ok()?
                .target_size?;
            crate::parse_memory(&size.value.to_string(), size.unit.as_deref()).ok()
        })
        .fold(0u64, u64::wrapping_add);
    let from_numa = def.memory == 0 && numa;
    if !from_numa && hotplug > def.memory {
        return Err(XmlError::Invalid(
            "Total size of memory devices exceeds the total memory size".into(),
        ));
    }
    if !from_numa && def.memory.wrapping_sub(hotplug) == 0 {
        return Err(XmlError::Invalid(
            "Memory size must be specified via <memory> or in the <numa> configuration".into(),
        ));
    }
    Ok(())
}

/// virDomainDefRejectDuplicatePanics: one panic notifier of each model
/// (none given: the model 'default').
pub(crate) fn check_panics(def: &DomainDef) -> Result<(), XmlError> {
    let mut seen: Vec<&str> = Vec::new();
    for panic in devices(def, "panic") {
        let model = panic.attr("model").unwrap_or("default");
        if seen.contains(&model) {
            return Err(XmlError::Invalid(format!(
                "Multiple panic devices with model '{model}'"
            )));
        }
        seen.push(model);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(xml: &str) -> Element {
        crate::parse_element(xml).unwrap()
    }

    #[test]
    fn memory_devices_fit_in_the_memory() {
        let dimm =
            |kib: u64| format!("<memory model='dimm'><target><size>{kib}</size></target></memory>");
        let domain = |memory: u64, devices: &str| {
            crate::parse_domain(&format!(
                "<domain type='test'><name>g</name><memory>{memory}</memory>\
                 <os><type>hvm</type></os><devices>{devices}</devices></domain>"
            ))
            .err()
            .map(|e| e.to_string())
        };
        assert_eq!(domain(65536, &dimm(1024)), None);
        assert_eq!(
            domain(65536, &format!("{}{}", dimm(65536), dimm(1))).as_deref(),
            Some("XML error: Total size of memory devices exceeds the total memory size")
        );
        // Nothing left for the guest at boot.
        assert!(domain(65536, &dimm(65536)).is_some_and(|e| e.contains("Memory size must be")));
        // Alone, to attach: the domain it goes to decides.
        assert!(crate::parse_device(&element(&dimm(1 << 30)), "kvm", "hvm").is_ok());
    }

    #[test]
    fn controller_iothread_needs_a_virtio_scsi_place() {
        for ok in [
            "<controller type='scsi' model='virtio-scsi'><driver iothread='2'/></controller>",
            "<controller type='scsi' model='lsilogic'><driver iothread='0'/></controller>",
            // pci-expander-bus sits where virtio-transitional does.
            "<controller type='pci' model='pci-expander-bus'><driver iothread='1'/></controller>",
        ] {
            assert!(check_controller(&element(ok)).is_ok(), "{ok}");
        }
        for bad in [
            "<controller type='scsi'><driver iothread='28'/></controller>",
            "<controller type='scsi' model='lsilogic'><driver iothread='1'/></controller>",
            "<controller type='ide' model='ich6'><driver iothread='1'/></controller>",
        ] {
            assert!(check_controller(&element(bad)).is_err(), "{bad}");
        }
    }
}
