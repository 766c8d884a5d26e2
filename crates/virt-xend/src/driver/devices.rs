//! Attaching and detaching the only devices xend could: one `<disk>`
//! or `<interface>`.

use super::*;

/// The only device XML xend could attach: one `<disk>` or `<interface>`.
enum Device {
    Disk(virt_xml::Disk),
    Net(virt_xml::Interface),
}

fn parse_device(xml: &str) -> Result<Device> {
    let element = virt_xml::parse_element(xml)?;
    let kind = element.name.clone();
    if kind != "disk" && kind != "interface" {
        return Err(
            XendError::Unsupported(format!("unsupported device type {kind} for xend")).into(),
        );
    }
    // Read the device the way a whole domain's devices are read.
    let devices = virt_xml::parse_device(&element, "xen", "linux")?;
    if kind == "disk" {
        devices
            .disks
            .into_iter()
            .next()
            .map(Device::Disk)
            .ok_or_else(|| XendError::Xml("no disk in the device XML".into()).into())
    } else {
        devices
            .interfaces
            .into_iter()
            .next()
            .map(Device::Net)
            .ok_or_else(|| XendError::Xml("no interface in the device XML".into()).into())
    }
}

impl XendDriver {
    /// The device of an attach or detach request and the description of
    /// the domain it changes, refused for an inactive domain unless xend
    /// keeps its configuration and the change is to the configuration.
    fn device_change(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: u32,
        entry: &str,
        function: &str,
    ) -> Result<(Device, Sexpr)> {
        self.may_change(flags, affect::LIVE | affect::CONFIG, entry, function)?;
        let device = parse_device(xml)?;
        let desc = self.describe(dom)?;
        let active = is_active(&desc);
        if !active && (flags & affect::CONFIG == 0 || self.config_format < MANAGED_CONFIG_FORMAT) {
            return Err(XendError::OperationInvalid(
                "Cannot modify live config if domain is inactive".into(),
            )
            .into());
        }
        Ok((device, desc))
    }

    /// Add a disk or interface (`device_create`).
    pub(super) fn attach_device(&self, dom: &DomainRef, xml: &str, flags: u32) -> Result<()> {
        let (device, desc) = self.device_change(
            dom,
            xml,
            flags,
            "xenUnifiedDomainAttachDeviceFlags",
            "virDomainAttachDevice",
        )?;
        let hvm = desc.lookup("domain/image/hvm").is_some();
        let mut config = String::new();
        match &device {
            Device::Disk(d) => disk_sexpr(d, hvm, true, &mut config)?,
            Device::Net(n) => net_sexpr(n, true, &mut config)?,
        }
        self.op(
            "virDomainAttachDevice",
            &dom.name,
            &[("op", "device_create"), ("config", &config)],
        )?;
        Ok(())
    }

    /// Remove a disk or interface, found by its reference in the description.
    pub(super) fn detach_device(&self, dom: &DomainRef, xml: &str, flags: u32) -> Result<()> {
        let (device, desc) = self.device_change(
            dom,
            xml,
            flags,
            "xenUnifiedDomainDetachDeviceFlags",
            "virDomainDetachDevice",
        )?;
        // libvirt found the device's reference in xenstore; the same
        // facts are in xend's description: a disk by its Linux device
        // number, an interface by its place among the domain's vifs.
        let devices: Vec<&Sexpr> = desc
            .children_named("device")
            .filter_map(|d| d.rest().first())
            .collect();
        let (class, reference) = match &device {
            Device::Disk(d) => {
                let class = match d.driver_name.as_deref() {
                    Some("tap") => "tap",
                    Some("tap2") => "tap2",
                    _ => "vbd",
                };
                let number = disk_device_number(&d.target_dev);
                let found = number.is_some()
                    && devices.iter().any(|dev| {
                        matches!(dev.key(), Some("vbd" | "tap" | "tap2"))
                            && dev
                                .child("dev")
                                .and_then(|x| x.rest().first()?.as_atom())
                                .and_then(disk_device_number)
                                == number
                    });
                match (found, number) {
                    (true, Some(n)) => (class, n.to_string()),
                    _ => {
                        return Err(XendError::OperationInvalid(format!(
                            "disk {} not found",
                            d.target_dev
                        ))
                        .into())
                    }
                }
            }
            Device::Net(n) => {
                let mac = n.mac.as_deref().unwrap_or("").to_ascii_lowercase();
                let index = devices
                    .iter()
                    .filter(|dev| dev.key() == Some("vif"))
                    .position(|dev| {
                        dev.node("vif/mac").map(str::to_ascii_lowercase).as_deref()
                            == Some(mac.as_str())
                    });
                match index {
                    Some(i) if !mac.is_empty() => ("vif", i.to_string()),
                    _ => {
                        return Err(XendError::OperationInvalid(format!(
                            "interface {mac} not found"
                        ))
                        .into())
                    }
                }
            }
        };
        self.op(
            "virDomainDetachDevice",
            &dom.name,
            &[
                ("op", "device_destroy"),
                ("type", class),
                ("dev", &reference),
            ],
        )?;
        Ok(())
    }
}
