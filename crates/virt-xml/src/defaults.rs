//! libvirt's generic post-parse defaults: what every driver's definition
//! gets before it is stored (virDomainDefPostParse, driver-independent part).

use crate::model::*;

impl DomainDef {
    /// Fill in what libvirt fills in after parsing, whatever the driver:
    /// static vCPU placement, lifecycle actions, current memory, the HVM
    /// boot device, disk buses from target names, drive addresses and the
    /// controllers they need.
    pub fn fill_defaults(&mut self) {
        if self.vcpu.max == 0 {
            self.vcpu.max = 1;
        }
        if self.vcpu.placement.is_none() {
            self.vcpu.placement = Some("static".into());
        }
        if self.vcpu.current == Some(self.vcpu.max) {
            self.vcpu.current = None;
        }
        self.on_poweroff.get_or_insert(LifecycleAction::Destroy);
        self.on_reboot.get_or_insert(LifecycleAction::Restart);
        self.on_crash.get_or_insert(LifecycleAction::Destroy);
        match self.current_memory {
            Some(c) if c <= self.memory && c != 0 => {}
            _ => self.current_memory = Some(self.memory),
        }
        if self.os.os_type == "hvm"
            && self.os.boot.is_empty()
            && self.os.kernel.is_none()
            && self.bootloader.is_none()
            && !self.has_boot_order()
        {
            self.os.boot.push("hd".into());
        }
        for disk in &mut self.devices.disks {
            // virDomainDiskDefPostParse drops the `ioemu:` of libvirt's
            // old Xen driver from every target name first.
            if let Some(dst) = disk.target_dev.strip_prefix("ioemu:") {
                disk.target_dev = dst.to_string();
                for t in disk.extra.iter_mut().filter(|e| e.name == "target") {
                    if t.attr("dev").is_some() {
                        t.set_attr("dev", disk.target_dev.clone());
                    }
                }
            }
            // libvirt lists a CD-ROM as read-only whatever the XML says.
            if disk.device == "cdrom" {
                disk.readonly = true;
            }
            if disk.target_bus.is_none() {
                disk.target_bus = Some(
                    post_parse_disk_bus(disk.device == "floppy", &disk.target_dev).to_string(),
                );
            }
            disk.assign_drive_address();
        }
        self.add_drive_controllers();
    }

    /// True when some device carries `<boot order=.../>`.
    pub(crate) fn has_boot_order(&self) -> bool {
        let has = |extra: &[Element]| {
            extra
                .iter()
                .any(|e| e.name == "boot" && e.attr("order").is_some())
        };
        self.devices.disks.iter().any(|d| has(&d.extra))
            || self.devices.interfaces.iter().any(|i| has(&i.extra))
            // (Only these read a <boot> (VIR_DOMAIN_DEF_PARSE_ALLOW_BOOT):
            // another device's is not read.)
            || self
                .devices
                .other
                .iter()
                .filter(|o| matches!(o.name.as_str(), "hostdev" | "filesystem" | "redirdev"))
                .any(|o| o.children_named("boot").any(|b| b.attr("order").is_some()))
    }

    /// virDomainDefAddImplicitControllers' disk part
    /// (virDomainDefAddDiskControllersForType): for each bus, a
    /// controller of every index from 0 to the highest a disk's drive
    /// address names, a bus at a time: SCSI, floppy, IDE, SATA (steered
    /// seed 1's gen2741: a floppy `fdz` at controller 12 gets floppy
    /// controllers 0 to 12).
    fn add_drive_controllers(&mut self) {
        for (ctype, bus) in [
            ("scsi", "scsi"),
            ("fdc", "fdc"),
            ("ide", "ide"),
            ("sata", "sata"),
        ] {
            // libvirt compares the controller numbers as C ints: from
            // 2^31 on they are negative and add nothing.
            let highest = self
                .devices
                .disks
                .iter()
                .filter(|d| d.target_bus.as_deref() == Some(bus))
                .filter_map(|d| {
                    d.extra
                        .iter()
                        .find(|e| e.name == "address")
                        .filter(|a| a.attr("type") == Some("drive"))
                })
                .filter_map(|a| {
                    let controller = a
                        .attr("controller")
                        .and_then(|c| crate::validate::c_uint(c, 10))
                        .unwrap_or(0);
                    crate::implicit::controller_reach(controller.into())
                })
                .max();
            if let Some(highest) = highest {
                crate::implicit::add_controllers_up_to(
                    &mut self.devices.other,
                    ctype,
                    highest,
                    None,
                );
            }
        }
    }
}

impl Disk {
    /// Give IDE/SCSI/SATA/floppy disks without an address the drive address
    /// libvirt derives from the target name (hda -> 0:0:0:0, hdd -> 0:1:0:1,
    /// fdc -> 1:0:0:0), as virDomainDiskDefAssignAddress does.
    fn assign_drive_address(&mut self) {
        if self.extra.iter().any(|e| e.name == "address") {
            return;
        }
        // virDiskNameToIndex: a partition number after the letters is
        // allowed (`sda1` is `sda`'s index).
        let Some(idx) =
            crate::postparse::disk_name_index(&self.target_dev).and_then(|i| u32::try_from(i).ok())
        else {
            return;
        };
        let (controller, bus, unit) = match self.target_bus.as_deref() {
            Some("ide") => (idx / 4, (idx % 4) / 2, idx % 2),
            Some("scsi") => (idx / 7, 0, idx % 7),
            Some("sata") => (idx / 6, 0, idx % 6),
            // Two units a controller, as for IDE's buses (gen2741).
            Some("fdc") => (idx / 2, 0, idx % 2),
            _ => return,
        };
        self.extra.push(
            Element::new("address")
                .with_attr("type", "drive")
                .with_attr("controller", controller.to_string())
                .with_attr("bus", bus.to_string())
                .with_attr("target", "0")
                .with_attr("unit", unit.to_string()),
        );
    }
}

/// The bus virDomainDiskDefPostParse gives a disk that names none: a
/// floppy's controller, else the one its target's prefix names (`ioemu:`
/// dropped first), else IDE, whatever the guest's OS type.
pub fn post_parse_disk_bus(floppy: bool, target_dev: &str) -> &'static str {
    if floppy {
        return "fdc";
    }
    let dev = target_dev.strip_prefix("ioemu:").unwrap_or(target_dev);
    [
        ("hd", "ide"),
        ("sd", "scsi"),
        ("vd", "virtio"),
        ("xvd", "xen"),
        ("ubd", "uml"),
    ]
    .iter()
    .find(|(prefix, _)| dev.starts_with(prefix))
    .map_or("ide", |(_, bus)| bus)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only disks, interfaces, host devices, filesystems and redirected
    /// devices read a `<boot order>`: another device's does not keep an
    /// HVM guest from its default `<boot dev='hd'/>` (virsh 9.0).
    #[test]
    fn only_bootable_devices_boot_orders_count() {
        let boots = |device: &str| {
            let mut def = crate::parse_domain(&format!(
                "<domain type='test'><name>b</name><memory>1024</memory><os><type>hvm</type></os>\
                 <devices>{device}</devices></domain>"
            ))
            .unwrap();
            def.fill_defaults();
            def.os.boot.clone()
        };
        assert_eq!(
            boots("<controller type='scsi' index='0'><boot order='1'/></controller>"),
            ["hd"]
        );
        assert!(boots(
            "<disk type='file'><source file='/a'/><target dev='vda'/><boot order='1'/></disk>"
        )
        .is_empty());
    }

    #[test]
    fn disk_indexes() {
        let index = crate::postparse::disk_name_index;
        assert_eq!(index("hda"), Some(0));
        assert_eq!(index("hdd"), Some(3));
        assert_eq!(index("sdz"), Some(25));
        assert_eq!(index("vdaa"), Some(26));
        assert_eq!(index("sda1"), Some(0));
        assert_eq!(index("hd1"), None);
    }

    /// virDomainDiskDefAssignAddress and virDomainDefAddImplicitControllers
    /// as virsh 9.0 shows them (steered seed 1's gen2741): a floppy's
    /// two units a controller, and every controller index up to the
    /// highest a disk names.
    #[test]
    fn floppy_addresses_and_the_controllers_up_to_them() -> Result<(), crate::XmlError> {
        let xml = "<domain type='test'><name>b</name><memory>1024</memory><os><type>hvm</type></os>\
                   <devices><disk type='file' device='floppy'><source file='/x'/><target dev='fdz'/></disk>\
                   <disk type='file'><source file='/y'/><target dev='sdh' bus='scsi'/></disk>\
                   <controller type='scsi' index='0' model='lsilogic'/></devices></domain>";
        let mut def = crate::parse_domain(xml)?;
        def.fill_defaults();
        let address = |d: &Disk| {
            d.extra
                .iter()
                .find(|e| e.name == "address")
                .map(|a| ["controller", "unit"].map(|f| a.attr(f).unwrap_or("").to_string()))
        };
        let addresses: Vec<_> = def.devices.disks.iter().map(address).collect();
        let pair = |c: &str, u: &str| Some([c.to_string(), u.to_string()]);
        assert_eq!(addresses, vec![pair("12", "1"), pair("1", "0")]);
        let indexes = |kind: &str| {
            let mut v: Vec<String> = def
                .devices
                .other
                .iter()
                .filter(|e| e.name == "controller" && e.attr("type") == Some(kind))
                .filter_map(|e| e.attr("index").map(str::to_string))
                .collect();
            v.sort_by_key(|i| i.parse::<u32>().unwrap_or(0));
            v
        };
        let upto = |n: u32| (0..=n).map(|i| i.to_string()).collect::<Vec<_>>();
        assert_eq!(indexes("fdc"), upto(12));
        assert_eq!(indexes("scsi"), upto(1));
        Ok(())
    }

    /// The drive address's controller number as virsh 9.0 takes it: a C
    /// int, so from 2^31 on it adds no controller (4294967295 once made
    /// this spin forever); up to 65535 every index is added (the SATA
    /// controllers of a disk at 65535 are what virsh writes); past it,
    /// where libvirt takes seconds to forever, the definition is refused,
    /// whether the address is given, derived from a long target name or
    /// a SCSI host device's.
    #[test]
    fn drive_controller_numbers_reach_as_far_as_libvirt_and_no_further() {
        let disk = |bus: &str, controller: &str| {
            format!(
                "<disk type='file'><source file='/x'/><target dev='sda' bus='{bus}'/>\
                 <address type='drive' controller='{controller}' bus='0' target='0' unit='0'/></disk>"
            )
        };
        let hostdev = |controller: &str| {
            format!(
                "<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/>\
                 <address bus='0' target='0' unit='0'/></source>\
                 <address type='drive' controller='{controller}' bus='0' target='0' unit='0'/></hostdev>"
            )
        };
        let define = |devices: &str| {
            let xml = format!(
                "<domain type='test'><name>b</name><memory>1024</memory><os><type>hvm</type></os>\
                 <devices>{devices}</devices></domain>"
            );
            crate::parse_domain(&xml).map(|mut def| {
                def.fill_defaults();
                let _ = def.add_implicit_devices("cirrus");
                def.devices
                    .other
                    .iter()
                    .filter(|e| e.name == "controller")
                    .count()
            })
        };
        for big in ["2147483648", "4294967295"] {
            assert_eq!(define(&disk("scsi", big)).ok(), Some(0), "disk {big}");
            assert_eq!(define(&hostdev(big)).ok(), Some(0), "hostdev {big}");
        }
        assert_eq!(define(&disk("sata", "65535")).ok(), Some(65_536));
        assert_eq!(define(&hostdev("65535")).ok(), Some(65_536));
        let long_name = "<disk type='file'><source file='/x'/><target dev='sdzzzzz'/></disk>";
        for devices in [
            disk("ide", "65536"),
            disk("scsi", "2147483647"),
            hostdev("65536"),
            long_name.to_string(),
        ] {
            let refused = define(&devices).err().map(|e| e.to_string());
            assert!(
                refused
                    .as_deref()
                    .is_some_and(|e| e.starts_with("unsupported configuration: ")
                        && e.contains("controllers are added up to index 65535")),
                "{devices}: {refused:?}"
            );
        }
    }

    /// virDomainDiskDefPostParse as virsh 9.0 shows it on test:///default:
    /// the bus comes from the device (floppy) or the target's prefix, IDE
    /// otherwise whatever the OS type (a CD-ROM `fda` or `xyz` of a Xen
    /// guest is IDE), and a CD-ROM is read-only.
    #[test]
    fn disk_bus_and_cdrom_read_only_as_libvirt_sets_them() -> Result<(), crate::XmlError> {
        let settled = |os: &str, device: &str, dev: &str| {
            let xml = format!(
                "<domain type='test'><name>b</name><memory>1024</memory><os><type>{os}</type></os>\
                 <devices><disk type='file' device='{device}'><source file='/x'/>\
                 <target dev='{dev}'/><address type='drive' controller='0' bus='0' target='0' unit='0'/>\
                 </disk></devices></domain>"
            );
            let mut def = crate::parse_domain(&xml)?;
            def.fill_defaults();
            let disk = def.devices.disks.first().cloned();
            Ok::<_, crate::XmlError>(disk.map(|d| (d.target_bus, d.readonly)))
        };
        let ide = Some((Some("ide".to_string()), true));
        assert_eq!(settled("hvm", "cdrom", "fda")?, ide);
        assert_eq!(settled("xen", "cdrom", "xyz")?, ide);
        assert_eq!(settled("linux", "cdrom", "ioemu:hdc")?, ide);
        assert_eq!(
            settled("xen", "floppy", "fda")?,
            Some((Some("fdc".to_string()), false))
        );
        assert_eq!(
            settled("xen", "disk", "xvda")?,
            Some((Some("xen".to_string()), false))
        );
        Ok(())
    }
}
