//! The devices libvirt adds to a definition after parsing it, and the
//! values it fills in on those it has (domain_postparse.c): controller
//! indexes (virDomainAssignControllerIndexes), SCSI host device addresses
//! (virDomainHostdevAssignAddress), the controllers that devices' addresses
//! refer to (virDomainDefAddImplicitControllers: virtio-serial for virtio
//! channels and consoles, CCID for smartcards, SCSI for SCSI host
//! devices), a video device for graphics (virDomainDefAddImplicitVideo)
//! and the video defaults (virDomainDefPostParseVideo,
//! virDomainVideoDefPostParse).

use crate::model::{DomainDef, Element, Interface, Node};
use crate::views::{Video, View};

mod chardev;
mod video;

pub(crate) use chardev::{CONSOLE_TARGET_TYPES, SERIAL_TARGET_TYPES};

/// The drive address fields (controller, bus, target, unit).
type Drive = [u64; 4];

/// SCSI units per controller libvirt assigns from on a narrow bus
/// (`SCSI_NARROW_BUS_MAX_CONT_UNIT`; no driver of ours asks for a wide one).
const SCSI_UNITS: u64 = 7;

fn number(e: &Element, name: &str) -> u64 {
    e.attr(name)
        .and_then(|v| crate::devinfo::c_unsigned(v, 10))
        .unwrap_or(0)
}

/// A `<address type='drive'>`'s fields.
fn drive_address(device: &Element) -> Option<Drive> {
    let a = device
        .elements()
        .find(|e| e.name == "address" && e.attr("type") == Some("drive"))?;
    Some(["controller", "bus", "target", "unit"].map(|f| number(a, f)))
}

fn is_scsi_hostdev(e: &Element) -> bool {
    e.name == "hostdev"
        && e.attr("mode").unwrap_or("subsystem") == "subsystem"
        && e.attr("type") == Some("scsi")
}

/// Whether `iface` is a host device interface of a SCSI host device (its
/// source address of type scsi): a SCSI host device too, its address the
/// interface's (see [`crate::views::interface_as_hostdev`]).
fn is_scsi_interface(iface: &Interface) -> bool {
    let source = iface.extra.iter().find(|e| e.name == "source");
    // An iSCSI source is written without its address (these run on the
    // definition as libvirt writes it).
    iface.iface_type == "hostdev"
        && (source
            .and_then(|s| s.child("address"))
            .and_then(|a| a.attr("type"))
            == Some("scsi")
            || iface.source_attr("protocol") == Some("iscsi"))
}

/// A SCSI host device interface's drive address.
fn interface_drive_address(iface: &Interface) -> Option<Drive> {
    let a = iface
        .extra
        .iter()
        .find(|e| e.name == "address" && e.attr("type") == Some("drive"))?;
    Some(["controller", "bus", "target", "unit"].map(|f| number(a, f)))
}

/// The highest index implicit IDE, SCSI, SATA and floppy controllers are
/// added up to. libvirt adds one of every index up to the highest a drive
/// address names (virDomainDefAddDiskControllersForType,
/// virDomainDefMaybeAddHostdevSCSIcontroller), each after a search of
/// those it has: 80,000 took its virsh 5 s here and 2^31 - 1 never ends.
/// Past this bound the definition's XML would also outgrow the 4 MiB
/// string the remote protocol carries, so a definition that needs more
/// is refused ([`check_controller_reach`]) rather than stored.
pub(crate) const MAX_IMPLICIT_CONTROLLER: u64 = 65_535;

/// The index up to which a drive address's `controller` has controllers
/// added: libvirt compares it as a C `int`, so from 2^31 on it is
/// negative and adds none (its address is written with `-1` and the like).
pub(crate) fn controller_reach(controller: u64) -> Option<u64> {
    (controller <= i32::MAX as u64).then_some(controller)
}

/// A controller of `kind` at `index` (of `model`, when given), as
/// libvirt adds one (virDomainDefAddController).
fn new_controller(kind: &str, index: u64, model: Option<&str>) -> Element {
    let c = Element::new("controller")
        .with_attr("type", kind)
        .with_attr("index", index.to_string());
    match model {
        Some(m) => c.with_attr("model", m),
        None => c,
    }
}

/// virDomainDefMaybeAddHostdevSCSIcontroller's scan of the SCSI host
/// devices' drive addresses: the highest controller number they reach
/// ([`controller_reach`]), with the model of the controller `model_at`
/// finds at each new highest (the last one found kept); `None` when no
/// address reaches one.
fn hostdev_scsi_reach(
    addresses: impl IntoIterator<Item = Drive>,
    model_at: impl Fn(u64) -> Option<String>,
) -> Option<(u64, Option<String>)> {
    let (mut max, mut model) = (None, None);
    for addr in addresses {
        let Some(reach) = controller_reach(addr[0]) else {
            continue;
        };
        if max.is_some_and(|m| reach <= m) {
            continue;
        }
        max = Some(reach);
        if let Some(m) = model_at(reach) {
            model = Some(m);
        }
    }
    max.map(|m| (m, model))
}

/// virDomainDefMaybeAddController for every index from 0 to `max` (to
/// [`MAX_IMPLICIT_CONTROLLER`] at most): a controller of `kind` (and
/// `model`, if given) appended for each index none of that kind has.
pub(crate) fn add_controllers_up_to(
    devices: &mut Vec<Element>,
    kind: &str,
    max: u64,
    model: Option<&str>,
) {
    // A set, not a search of the devices per index: tens of thousands of
    // controllers would otherwise take minutes, as they take libvirt.
    let given: std::collections::HashSet<u64> = devices
        .iter()
        .filter(|e| e.name == "controller" && e.attr("type") == Some(kind))
        .map(|e| number(e, "index"))
        .collect();
    for index in 0..=max.min(MAX_IMPLICIT_CONTROLLER) {
        if !given.contains(&index) {
            devices.push(new_controller(kind, index, model));
        }
    }
}

/// Refuses a definition whose drive addresses (a disk's on a
/// controller-based bus, assigned ones included, or a SCSI host
/// device's) need controllers past [`MAX_IMPLICIT_CONTROLLER`]: a limit
/// of ours where libvirt tries and takes minutes, or forever.
pub(crate) fn check_controller_reach(def: &DomainDef) -> Result<(), crate::XmlError> {
    let disks = def.devices.disks.iter().filter_map(|d| {
        if !matches!(
            crate::validate::disk_bus(d),
            "ide" | "fdc" | "scsi" | "sata"
        ) {
            return None;
        }
        let [controller, ..] = crate::validate::drive_address(d)?;
        Some((controller, format!("disk '{}'", d.target_dev)))
    });
    let hostdevs = def
        .scsi_hostdev_addresses()
        .map(|[controller, ..]| (controller, "a SCSI host device".to_string()));
    for (controller, device) in disks.chain(hostdevs) {
        if controller_reach(controller).is_some_and(|c| c > MAX_IMPLICIT_CONTROLLER) {
            return Err(crate::XmlError::Unsupported(format!(
                "the drive address of {device} names controller {controller}; \
                 controllers are added up to index {MAX_IMPLICIT_CONTROLLER} at most"
            )));
        }
    }
    Ok(())
}

/// The ICH9 USB 1 companions and the first port of the USB 2 controller
/// each serves by default (virDomainControllerDefParseXML's masterPort).
const UHCI_MASTER_PORTS: [(&str, u32); 3] =
    [("ich9-uhci1", 0), ("ich9-uhci2", 2), ("ich9-uhci3", 4)];

/// Whether libvirt reads `controller`'s device information: not for a
/// USB controller of model none (virDomainControllerDefParseXML ignores
/// its address, alias, master and the rest).
pub(crate) fn controller_reads_info(controller: &Element) -> bool {
    !(controller.attr("type") == Some("usb") && controller.attr("model") == Some("none"))
}

/// The `<master startport>` libvirt gives an ICH9 USB 1 companion
/// controller given none (and whose device information it reads).
pub(crate) fn default_master_port(controller: &Element) -> Option<u32> {
    if controller.attr("type") != Some("usb") || controller.child("master").is_some() {
        return None;
    }
    let model = controller.attr("model")?;
    UHCI_MASTER_PORTS
        .iter()
        .find(|(m, _)| *m == model)
        .map(|(_, port)| *port)
}

/// The controllers as virDomainDefParseXML lists them, then with their
/// indexes (virDomainAssignControllerIndexes), for a whole definition:
/// - a controller with no type is an IDE one (the enumeration's first);
/// - each is inserted as virDomainControllerInsertPreAlloced does: after
///   the last of its type when it has no index, else before the first of
///   its type with a higher index (or the same index, a USB companion
///   before which its master goes), else after the last of its type; a
///   new type goes last;
/// - once a `<hostdev>` is read, the SCSI controllers up to the highest
///   one a SCSI host device's drive address names (controller 0 for one
///   without an address: its address is still zeroed) are appended
///   unless one of that index was given (virDomainDefMaybeAddHostdevSCSIcontroller,
///   after every host device), with the model of the named controller
///   when it has one;
/// - the controllers without an index get theirs.
///
/// The controllers keep their places among the other devices (the
/// writer groups them); the added ones go last. libvirt lists, checks
/// and writes them so (a given scsi controller after a ccid one added
/// for a smartcard is written before it, steered seed 1's gen2815).
pub(crate) fn list_controllers(def: &mut DomainDef) {
    let other = &mut def.devices.other;
    let places: Vec<usize> = (0..other.len())
        .filter(|i| other[*i].name == "controller")
        .collect();
    for &at in &places {
        if other[at].attr("type").is_none() {
            other[at].attrs.insert(0, ("type".into(), "ide".into()));
        }
    }
    let index_of = |e: &Element| {
        e.attr("index")
            .and_then(|v| crate::devinfo::c_int_in(v, 10))
            .unwrap_or(-1)
    };
    let has_master = |e: &Element| {
        controller_reads_info(e)
            && (e.child("master").is_some() || default_master_port(e).is_some())
    };
    let mut listed: Vec<Element> = Vec::with_capacity(places.len());
    for &at in &places {
        let new = &other[at];
        let (kind, index) = (new.attr("type"), index_of(new));
        let mut insert_at = None;
        for (j, current) in listed.iter().enumerate().rev() {
            if current.attr("type") != kind {
                continue;
            }
            if index == -1 {
                insert_at = Some(j + 1);
                break;
            }
            let current_index = index_of(current);
            if current_index > index
                || (!has_master(new) && has_master(current) && current_index == index)
            {
                insert_at = Some(j);
            } else if insert_at.is_none() {
                insert_at = Some(j + 1);
            }
        }
        let new = new.clone();
        match insert_at {
            Some(j) => listed.insert(j, new),
            None => listed.push(new),
        }
    }
    // virDomainDefMaybeAddHostdevSCSIcontroller after each <hostdev>,
    // over the host devices read so far (the host device interfaces'
    // first). Where the first SCSI controller of each index sits in
    // `listed`, kept as controllers are added: a search of the list per
    // index would make tens of thousands of them take minutes.
    let mut scsi_at: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for (j, c) in listed.iter().enumerate() {
        if c.attr("type") == Some("scsi") {
            scsi_at.entry(index_of(c)).or_insert(j);
        }
    }
    let interfaces: Vec<Drive> = def
        .devices
        .interfaces
        .iter()
        .filter(|i| is_scsi_interface(i))
        .map(|i| interface_drive_address(i).unwrap_or_default())
        .collect();
    let mut hostdevs = interfaces;
    for e in other.iter().filter(|e| e.name == "hostdev") {
        if is_scsi_hostdev(e) {
            hostdevs.push(drive_address(e).unwrap_or_default());
        }
        let model_at = |reach: u64| {
            let at = *scsi_at.get(&i64::try_from(reach).ok()?)?;
            listed[at].attr("model").map(str::to_string)
        };
        let Some((max, model)) = hostdev_scsi_reach(hostdevs.iter().copied(), model_at) else {
            continue;
        };
        // (Past the bound the definition is refused: check_controller_reach.)
        for index in 0..=max.min(MAX_IMPLICIT_CONTROLLER) {
            let key = i64::try_from(index).unwrap_or(i64::MAX);
            if scsi_at.contains_key(&key) {
                continue;
            }
            scsi_at.insert(key, listed.len());
            listed.push(new_controller("scsi", index, model.as_deref()));
        }
    }
    assign_controller_indexes(&mut listed);
    let mut listed = listed.into_iter();
    for (&at, c) in places.iter().zip(listed.by_ref()) {
        other[at] = c;
    }
    other.extend(listed);
}

/// Assigns each controller without an index the lowest index not used by
/// a controller of its type; a USB2 companion controller following another
/// USB2 controller joins that one's index when its model is not there yet.
pub(crate) fn assign_controller_indexes(other: &mut [Element]) {
    const USB2: [&str; 4] = ["ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3"];
    let is_usb2 = |e: &Element| {
        e.attr("type") == Some("usb") && e.attr("model").is_some_and(|m| USB2.contains(&m))
    };
    let controllers: Vec<usize> = (0..other.len())
        .filter(|i| other[*i].name == "controller")
        .collect();
    for (n, &at) in controllers.iter().enumerate() {
        if other[at].attr("index").is_some() {
            continue;
        }
        let kind = other[at].attr("type").unwrap_or("").to_string();
        let index_of = |e: &Element| e.attr("index").and_then(|v| v.parse::<i64>().ok());
        let mut index = None;
        if n > 0 && is_usb2(&other[at]) {
            let prev = controllers[..n]
                .iter()
                .rev()
                .map(|i| &other[*i])
                .find(|e| e.attr("type") == Some("usb"))
                .filter(|p| is_usb2(p))
                .and_then(index_of);
            let model = other[at].attr("model");
            index = prev.filter(|p| {
                !controllers.iter().map(|i| &other[*i]).any(|e| {
                    e.attr("type") == Some("usb")
                        && index_of(e) == Some(*p)
                        && e.attr("model") == model
                })
            });
        }
        let index = index.unwrap_or_else(|| {
            (0..)
                .find(|i| {
                    !controllers
                        .iter()
                        .map(|c| &other[*c])
                        .any(|e| e.attr("type") == Some(kind.as_str()) && index_of(e) == Some(*i))
                })
                .unwrap_or(0)
        });
        let e = &mut other[at];
        let place = e
            .attrs
            .iter()
            .position(|(k, _)| k == "type")
            .map_or(0, |i| i + 1);
        e.attrs.insert(place, ("index".into(), index.to_string()));
    }
}

impl DomainDef {
    /// Add the devices libvirt adds after parsing and fill in the values
    /// it gives them, as every libvirt driver does after the generic
    /// defaults ([`DomainDef::fill_defaults`]): SCSI host device
    /// addresses, the virtio-serial, CCID and SCSI controllers the devices
    /// refer to, smartcard addresses, a video device when there are
    /// graphics but none, and the video defaults (the first one primary,
    /// sizes, one head). `video_model` is the driver's model for a
    /// `<video>` without one. Serial ports and consoles get their ports
    /// and targets, and an HVM guest's first console its serial port
    /// (libvirt's refusals on the way: more than four ISA serial ports,
    /// a serial console other than the first).
    pub fn add_implicit_devices(&mut self, video_model: &str) -> Result<(), crate::XmlError> {
        chardev::serials_and_consoles(&mut self.devices.chardevs, &self.os.os_type)?;
        self.assign_hostdev_addresses()?;
        self.add_virtio_serial_controllers();
        self.add_smartcard_controllers();
        self.add_hostdev_scsi_controllers();
        if !self.devices.graphics.is_empty()
            && !self.devices.other.iter().any(|e| e.name == "video")
        {
            self.devices.other.push(Element::new("video"));
        }
        self.video_defaults(video_model);
        Ok(())
    }

    fn controller(&self, kind: &str, index: u64) -> Option<&Element> {
        self.devices.other.iter().find(|e| {
            e.name == "controller" && e.attr("type") == Some(kind) && number(e, "index") == index
        })
    }

    /// virDomainDefMaybeAddController for the controller number a
    /// device's address names, which libvirt holds in a C int: from 2^31
    /// on it is negative, and a negative index adds a controller at the
    /// lowest index unused (virDomainDefAddController), every time (its
    /// check for one already there is for a given index only).
    fn maybe_add_controller_numbered(&mut self, kind: &str, number: u64) {
        let index = controller_reach(number).unwrap_or_else(|| {
            (0..)
                .find(|i| self.controller(kind, *i).is_none())
                .unwrap_or(0)
        });
        self.maybe_add_controller(kind, index, None);
    }

    /// virDomainDefMaybeAddController: a controller of `kind` at `index`
    /// unless there is one.
    fn maybe_add_controller(&mut self, kind: &str, index: u64, model: Option<&str>) {
        if self.controller(kind, index).is_none() {
            self.devices.other.push(new_controller(kind, index, model));
        }
    }

    /// virDomainSCSIDriveAddressIsUsed: the controller's model limits,
    /// then the disks and SCSI host devices at that address.
    fn scsi_address_used(&self, addr: Drive) -> bool {
        let [controller, _, _, unit] = addr;
        let (max, reserved) = match self
            .controller("scsi", controller)
            .and_then(|c| c.attr("model"))
        {
            Some("virtio-scsi" | "virtio-transitional" | "virtio-non-transitional") => {
                (Some(16383), None)
            }
            Some("ibmvscsi") => (Some(31), Some(7)),
            Some("lsisas1068") => (Some(1), None),
            Some("lsisas1078") => (Some(255), None),
            Some("lsilogic" | "vmpvscsi" | "buslogic") => (None, Some(7)),
            Some("ncr53c90" | "dc390" | "am53c974") => (Some(6), None),
            _ => (None, None),
        };
        if max.is_some_and(|m| unit > m) || reserved == Some(unit) {
            return true;
        }
        self.scsi_disk_at(addr) || self.scsi_hostdev_addresses().any(|a| a == addr)
    }

    /// The drive addresses of the SCSI host devices, in libvirt's order
    /// of host devices (the host device interfaces' first).
    fn scsi_hostdev_addresses(&self) -> impl Iterator<Item = Drive> + '_ {
        let d = &self.devices;
        d.interfaces
            .iter()
            .filter(|i| is_scsi_interface(i))
            .filter_map(interface_drive_address)
            .chain(
                d.other
                    .iter()
                    .filter(|e| is_scsi_hostdev(e))
                    .filter_map(drive_address),
            )
    }

    /// virDomainDriveAddressIsUsedByDisk: a SCSI disk at `addr`.
    fn scsi_disk_at(&self, addr: Drive) -> bool {
        self.devices.disks.iter().any(|d| {
            d.target_bus.as_deref() == Some("scsi")
                && d.extra
                    .iter()
                    .find(|e| e.name == "address" && e.attr("type") == Some("drive"))
                    .map(|a| ["controller", "bus", "target", "unit"].map(|f| number(a, f)))
                    == Some(addr)
        })
    }

    /// The first free unit at bus 0, target 0, of the first controller
    /// with one (virDomainHostdevAssignAddress).
    fn free_scsi_address(&self) -> Element {
        let mut controller = 0;
        let unit = loop {
            if let Some(u) =
                (0..SCSI_UNITS).find(|u| !self.scsi_address_used([controller, 0, 0, *u]))
            {
                break u;
            }
            controller += 1;
        };
        Element::new("address")
            .with_attr("type", "drive")
            .with_attr("controller", controller.to_string())
            .with_attr("bus", "0")
            .with_attr("target", "0")
            .with_attr("unit", unit.to_string())
    }

    /// virDomainHostdevDefPostParse for each SCSI host device, the host
    /// device interfaces' first: one without an address gets the first
    /// free unit ([`Self::free_scsi_address`], virDomainHostdevAssignAddress);
    /// one given a SCSI disk's address is refused.
    fn assign_hostdev_addresses(&mut self) -> Result<(), crate::XmlError> {
        for i in 0..self.devices.interfaces.len() {
            let iface = &self.devices.interfaces[i];
            if !is_scsi_interface(iface) {
                continue;
            }
            if !iface.extra.iter().any(|e| e.name == "address") {
                let address = self.free_scsi_address();
                self.devices.interfaces[i].extra.push(address);
            }
            self.check_scsi_disk_conflict(interface_drive_address(&self.devices.interfaces[i]))?;
        }
        for i in 0..self.devices.other.len() {
            let e = &self.devices.other[i];
            if !is_scsi_hostdev(e) {
                continue;
            }
            if e.child("address").is_none() {
                let address = self.free_scsi_address();
                self.devices.other[i].children.push(Node::Element(address));
            }
            self.check_scsi_disk_conflict(drive_address(&self.devices.other[i]))?;
        }
        Ok(())
    }

    /// virDomainHostdevDefPostParse: a SCSI host device's drive address
    /// must not be a SCSI disk's.
    fn check_scsi_disk_conflict(&self, addr: Option<Drive>) -> Result<(), crate::XmlError> {
        match addr {
            Some(a @ [controller, bus, target, unit]) if self.scsi_disk_at(a) => {
                Err(crate::XmlError::Invalid(format!(
                    "SCSI host address controller='{controller}' bus='{bus}' target='{target}' unit='{unit}' in use by a SCSI disk"
                )))
            }
            _ => Ok(()),
        }
    }

    /// virDomainDefMaybeAddVirtioSerialController: the controller of each
    /// virtio channel, then of each virtio console.
    fn add_virtio_serial_controllers(&mut self) {
        let mut wanted = Vec::new();
        for kind in ["channel", "console"] {
            for c in self.devices.chardevs.iter().filter(|c| c.kind == kind) {
                let virtio = c
                    .extra
                    .iter()
                    .find(|e| e.name == "target")
                    .is_some_and(|t| t.attr("type") == Some("virtio"));
                if !virtio {
                    continue;
                }
                let index = c
                    .extra
                    .iter()
                    .find(|e| e.name == "address" && e.attr("type") == Some("virtio-serial"))
                    .map_or(0, |a| number(a, "controller"));
                wanted.push(index);
            }
        }
        for number in wanted {
            self.maybe_add_controller_numbered("virtio-serial", number);
        }
    }

    /// virDomainDefMaybeAddSmartcardController: a smartcard without an
    /// address gets the next CCID slot of controller 0; each smartcard's
    /// CCID controller is added.
    fn add_smartcard_controllers(&mut self) {
        for i in 0..self.devices.other.len() {
            if self.devices.other[i].name != "smartcard" {
                continue;
            }
            let address = self.devices.other[i].child("address").cloned();
            let index = match address {
                Some(a) if a.attr("type") == Some("ccid") => number(&a, "controller"),
                Some(_) => 0,
                None => {
                    let max = self
                        .devices
                        .other
                        .iter()
                        .filter(|e| e.name == "smartcard")
                        .filter_map(|e| e.child("address"))
                        .filter(|a| a.attr("type") == Some("ccid") && number(a, "controller") == 0)
                        // Compared as C ints: from 2^31 on a slot is
                        // negative and counts for none.
                        .filter_map(|a| controller_reach(number(a, "slot")))
                        .map(|slot| slot as i64)
                        .max()
                        .unwrap_or(-1);
                    let address = Element::new("address")
                        .with_attr("type", "ccid")
                        .with_attr("controller", "0")
                        .with_attr("slot", (max + 1).to_string());
                    self.devices.other[i].children.push(Node::Element(address));
                    0
                }
            };
            self.maybe_add_controller_numbered("ccid", index);
        }
    }

    /// virDomainDefMaybeAddHostdevSCSIcontroller: SCSI controllers up to
    /// the highest one a SCSI host device uses, of the model of the
    /// controller the last highest one found.
    fn add_hostdev_scsi_controllers(&mut self) {
        let model_at = |reach| {
            let c = self.controller("scsi", reach)?;
            c.attr("model").map(str::to_string)
        };
        let Some((max, model)) = hostdev_scsi_reach(self.scsi_hostdev_addresses(), model_at) else {
            return;
        };
        add_controllers_up_to(&mut self.devices.other, "scsi", max, model.as_deref());
    }

    /// The video defaults: the driver's model for one without, the first
    /// one primary (unless of model none, which keeps nothing), the
    /// model's RAM and VRAM sizes where none is given, rounded up to a
    /// power of two, and one head.
    fn video_defaults(&mut self, video_model: &str) {
        for e in self.devices.other.iter_mut().filter(|e| e.name == "video") {
            video::merge_models(e);
        }
        // The parser puts a video marked primary first (most guests have
        // one video: no list of them then).
        let is_video = |e: &Element| e.name == "video";
        if self
            .devices
            .other
            .iter()
            .filter(|e| is_video(e))
            .nth(1)
            .is_some()
        {
            let videos: Vec<usize> = (0..self.devices.other.len())
                .filter(|i| is_video(&self.devices.other[*i]))
                .collect();
            let primary = |e: &Element| {
                e.child("model")
                    .is_some_and(|m| m.attr("primary") == Some("yes"))
            };
            if let Some(&at) = videos
                .iter()
                .skip(1)
                .rev()
                .find(|i| primary(&self.devices.other[**i]))
            {
                let v = self.devices.other.remove(at);
                self.devices.other.insert(videos[0], v);
            }
        }
        let mut first = true;
        for e in self.devices.other.iter_mut().filter(|e| e.name == "video") {
            if video::settled(e, first) {
                first = false;
                continue;
            }
            let Ok(mut v) = Video::from_element(e) else {
                return;
            };
            let is_first = std::mem::take(&mut first);
            let kind = v
                .model_type
                .take()
                .unwrap_or_else(|| video_model.to_string());
            if is_first && kind == "none" {
                // virDomainVideoDefClear: the model alone, and a user
                // alias.
                e.children
                    .retain(|n| matches!(n, Node::Element(c) if c.name == "alias"));
                let model = Element::new("model").with_attr("type", kind);
                e.children.insert(0, Node::Element(model));
                continue;
            }
            if v.ram.unwrap_or(0) == 0 && kind == "qxl" {
                v.ram = Some(default_video_ram(&kind));
            }
            if v.vram.unwrap_or(0) == 0 {
                v.vram = Some(default_video_ram(&kind));
            }
            // A size VIR_ROUND_UP_POWER_OF_TWO makes zero (above 2^31)
            // is dumped as the default, as if the fill above ran again
            // (virsh 9.0: a QXL `ram='4294967295'` comes back 65536).
            let default = default_video_ram(&kind);
            v.ram = v.ram.map(power_of_two).filter(|r| *r != 0);
            if v.ram.is_none() && kind == "qxl" {
                v.ram = Some(default);
            }
            v.vram = v.vram.map(power_of_two).filter(|r| *r != 0);
            if v.vram.is_none() && default != 0 {
                v.vram = Some(default);
            }
            v.heads = match v.heads {
                None => Some(1),
                Some(0) => None,
                h => h,
            };
            if !(is_first || v.primary.as_deref() == Some("yes")) {
                v.primary = None;
            } else if v.primary.as_deref() != Some("yes") {
                v.primary = Some("yes".into());
            }
            v.model_type = Some(kind);
            video::write(e, &v);
        }
    }
}

/// virDomainVideoDefaultRAM for the drivers of this crate (not VirtualBox
/// or VMware), in KiB.
fn default_video_ram(model: &str) -> u32 {
    match model {
        "vga" | "cirrus" | "vmvga" | "bochs" => 16 * 1024,
        "xen" => 4 * 1024,
        "qxl" => 64 * 1024,
        _ => 0,
    }
}

/// VIR_ROUND_UP_POWER_OF_TWO: zero for zero and above 2^31.
fn power_of_two(v: u32) -> u32 {
    if v == 0 || v > 1 << 31 {
        0
    } else {
        v.next_power_of_two()
    }
}

#[cfg(test)]
mod tests {
    use crate::FormatOptions;

    fn devices(xml: &str) -> String {
        let mut def = crate::parse_domain(&format!(
            "<domain type='test'><name>t</name><memory>1024</memory><os><type>hvm</type></os>\
             <devices>{xml}</devices></domain>"
        ))
        .unwrap();
        def.fill_defaults();
        def.add_implicit_devices("cirrus").unwrap();
        let out = def.to_xml(&FormatOptions::default());
        let start = out.find("<devices>").unwrap();
        let end = out.find("</devices>").unwrap();
        out[start + "<devices>".len()..end]
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("")
    }

    /// A host device interface of a SCSI device is a SCSI host device
    /// too (virDomainNetInsert): it gets the first free drive address
    /// before the `<hostdev>`s (libvirt walks it first), its controller
    /// is added, and an address given is checked against the SCSI disks'
    /// (checked with virsh 9.0).
    #[test]
    fn a_scsi_host_device_interface_gets_a_drive_address_first() {
        let source = "<source><adapter name='scsi_host0'/><address type='scsi' bus='0' target='0' unit='0'/></source>";
        let out = devices(&format!(
            "<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host1'/>\
             <address bus='0' target='0' unit='0'/></source></hostdev>\
             <interface type='hostdev'><mac address='52:54:00:00:00:01'/>{source}</interface>"
        ));
        assert!(out.contains(
            "</source><address type='drive' controller='0' bus='0' target='0' unit='0'/></interface>"
        ), "{out}");
        assert!(out.contains(
            "</source><address type='drive' controller='0' bus='0' target='0' unit='1'/></hostdev>"
        ), "{out}");
        assert!(
            out.starts_with("<controller type='scsi' index='0'/>"),
            "{out}"
        );
        let mut def = crate::parse_domain(&format!(
            "<domain type='test'><name>t</name><memory>1024</memory><os><type>hvm</type></os><devices>\
             <disk type='file' device='disk'><source file='/x'/><target dev='sda' bus='scsi'/>\
             <address type='drive' controller='0' bus='0' target='0' unit='2'/></disk>\
             <interface type='hostdev'>{source}<address type='drive' controller='0' bus='0' target='0' unit='2'/></interface>\
             </devices></domain>"
        ))
        .unwrap();
        def.fill_defaults();
        assert_eq!(
            def.add_implicit_devices("cirrus").map_err(|e| e.to_string()),
            Err("XML error: SCSI host address controller='0' bus='0' target='0' unit='2' in use by a SCSI disk".into())
        );
    }

    /// The controllers listed as virDomainControllerInsertPreAlloced
    /// lists them (by index within a type, types in order of first
    /// appearance, an unindexed one after the last of its type, a USB
    /// companion after its master), the SCSI controllers a SCSI host
    /// device needs appended when the host device is read (before a CCID
    /// one a smartcard needs, added later), indexes given last: checked
    /// with virsh 9.0.
    #[test]
    fn controllers_listed_as_libvirt_inserts_them() {
        assert_eq!(
            devices("<controller type='scsi' index='1'/><controller type='usb' index='0' model='none'/>\
                     <controller type='scsi' index='0'/><controller type='ide'/><controller type='scsi'/>"),
            "<controller type='scsi' index='0'/><controller type='scsi' index='1'/>\
             <controller type='scsi' index='2'/><controller type='usb' index='0' model='none'/>\
             <controller type='ide' index='0'/>"
        );
        assert_eq!(
            devices("<controller type='pci' model='pci-root'/><controller type='pci' index='0' model='pci-root'/>"),
            "<controller type='pci' index='1' model='pci-root'/><controller type='pci' index='0' model='pci-root'/>"
        );
        assert_eq!(
            devices("<controller type='usb' index='0' model='ich9-uhci1'/><controller type='usb' index='0' model='ich9-ehci1'/>"),
            "<controller type='usb' index='0' model='ich9-ehci1'/>\
             <controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>"
        );
        let smartcard = "<smartcard mode='host'><address type='ccid' controller='2'/></smartcard>";
        let hostdev = |unit: u32, controller: u32| {
            format!(
                "<hostdev mode='subsystem' type='scsi'><source><adapter name='a'/>\
                 <address bus='0' target='0' unit='{unit}'/></source>\
                 <address type='drive' controller='{controller}' bus='0' target='0' unit='3'/></hostdev>"
            )
        };
        let out = devices(&format!("{smartcard}{}", hostdev(1, 0)));
        assert!(out
            .starts_with("<controller type='scsi' index='0'/><controller type='ccid' index='2'/>"));
        let out = devices(&format!(
            "<controller type='scsi' model='lsilogic'/><controller type='scsi' index='2' model='virtio-scsi'/>{}{}",
            hostdev(1, 2),
            hostdev(2, 4)
        ));
        assert!(out.starts_with(
            "<controller type='scsi' index='5' model='lsilogic'/>\
             <controller type='scsi' index='2' model='virtio-scsi'/>\
             <controller type='scsi' index='0' model='virtio-scsi'/>\
             <controller type='scsi' index='1' model='virtio-scsi'/>\
             <controller type='scsi' index='3' model='virtio-scsi'/>\
             <controller type='scsi' index='4' model='virtio-scsi'/>"
        ));
    }

    /// virDomainDefAddDiskControllersForType: every controller up to the
    /// highest a disk's drive address names, a bus at a time (SCSI before
    /// IDE), each added after those given (virsh 9.0's order).
    #[test]
    fn disks_add_every_controller_up_to_theirs() {
        assert_eq!(
            devices(
                "<disk type='file'><source file='/a'/><target dev='hdb' bus='ide'/>\
                     <address type='drive' controller='1'/></disk>\
                     <disk type='file'><source file='/a'/><target dev='sdb' bus='scsi'/>\
                     <address type='drive' controller='2' bus='0' target='0' unit='0'/></disk>\
                     <controller type='ide' index='0' model='piix4'/>"
            )
            .split("</disk>")
            .last(),
            Some(
                "<controller type='ide' index='0' model='piix4'/>\
                 <controller type='scsi' index='0'/><controller type='scsi' index='1'/>\
                 <controller type='scsi' index='2'/><controller type='ide' index='1'/>"
            )
        );
    }

    /// A controller with no type is an IDE one; a USB controller of model
    /// none has no device information read (nor refused).
    #[test]
    fn controller_type_and_usb_none_as_libvirt_reads_them() {
        assert_eq!(
            devices("<controller index='0'/>"),
            "<controller type='ide' index='0'/>"
        );
        assert_eq!(
            devices(
                "<controller type='usb' index='0' model='none'><alias name='ua-x'/>\
                     <master startport='x'/><address type='bogus'/></controller>"
            ),
            "<controller type='usb' index='0' model='none'/>"
        );
    }

    /// virDomainDefRejectDuplicateControllers, on the indexes post-parse
    /// gave: none for two USB controllers.
    #[test]
    fn two_controllers_of_a_type_and_index_are_refused() {
        let verdict = |xml: &str| {
            crate::parse_domain(&format!(
                "<domain type='test'><name>t</name><memory>1024</memory><os><type>hvm</type></os>\
                 <devices>{xml}</devices></domain>"
            ))
            .map(drop)
            .map_err(|e| e.to_string())
        };
        assert_eq!(
            verdict("<controller type='xenbus' index='9'/><controller type='xenbus' index='9'/>"),
            Err("XML error: Multiple 'xenbus' controllers with index '9'".into())
        );
        assert_eq!(
            verdict("<controller type='scsi'/><controller type='scsi' index='0'/><controller type='scsi' index='1'/>"),
            Ok(())
        );
        assert_eq!(
            verdict("<controller index='0'/><controller type='ide' index='0'/>"),
            Err("XML error: Multiple 'ide' controllers with index '0'".into())
        );
        assert_eq!(
            verdict("<controller type='usb' index='1' model='qemu-xhci'/><controller type='usb' index='1' model='qemu-xhci'/>"),
            Ok(())
        );
        // The PCI checks read the index given: a pci-root without one
        // beside index 0 is index 1, which may have a NUMA node.
        assert_eq!(
            verdict("<controller type='pci' model='pci-root'><target><node>1</node></target></controller>\
                     <controller type='pci' index='0' model='pci-root'/>"),
            Ok(())
        );
    }

    #[test]
    fn controllers_get_the_lowest_free_index() {
        assert_eq!(
            devices("<controller type='ide' index='0'/><controller type='ide'/><controller type='isa'/>"),
            "<controller type='ide' index='0'/><controller type='ide' index='1'/><controller type='isa' index='0'/>"
        );
    }

    #[test]
    fn controllers_for_smartcards_scsi_host_devices_and_virtio_channels() {
        assert_eq!(
            devices("<smartcard mode='host'/><smartcard mode='host'><address type='ccid' controller='0' slot='4'/></smartcard>"),
            "<controller type='ccid' index='0'/>\
             <smartcard mode='host'><address type='ccid' controller='0' slot='5'/></smartcard>\
             <smartcard mode='host'><address type='ccid' controller='0' slot='4'/></smartcard>"
        );
        assert_eq!(
            devices("<controller type='scsi' index='0' model='lsilogic'/>\
                     <hostdev mode='subsystem' type='scsi'><source><adapter name='a'/><address bus='0' target='0' unit='1'/></source>\
                     <address type='drive' controller='0' bus='0' target='0' unit='0'/></hostdev>\
                     <hostdev mode='subsystem' type='scsi'><source><adapter name='a'/><address bus='0' target='0' unit='2'/></source></hostdev>"),
            "<controller type='scsi' index='0' model='lsilogic'/>\
             <hostdev mode='subsystem' type='scsi' managed='no'><source><adapter name='a'/><address bus='0' target='0' unit='1'/></source>\
             <address type='drive' controller='0' bus='0' target='0' unit='0'/></hostdev>\
             <hostdev mode='subsystem' type='scsi' managed='no'><source><adapter name='a'/><address bus='0' target='0' unit='2'/></source>\
             <address type='drive' controller='0' bus='0' target='0' unit='1'/></hostdev>"
        );
        assert!(devices("<channel type='pty'><target type='virtio'/><address type='virtio-serial' controller='2'/></channel>")
            .starts_with("<controller type='virtio-serial' index='2'/>"));
    }

    /// A controller number of 2^31 or more is negative in libvirt's C
    /// int: each such device adds a controller at the lowest unused index
    /// (virsh 9.0 writes these four virtio-serial and three CCID
    /// controllers; we wrote index='4294967295', which no one reads back),
    /// and a CCID slot that large counts for no slot.
    #[test]
    fn controller_numbers_past_a_c_int_add_the_lowest_unused_index() {
        let indexes = |xml: &str, kind: &str| {
            let out = devices(xml);
            let tag = format!("<controller type='{kind}' index='");
            out.match_indices(&tag)
                .filter_map(|(at, _)| out[at + tag.len()..].split('\'').next().map(str::to_string))
                .collect::<Vec<_>>()
        };
        let serial = |name: &str, controller: &str| {
            format!(
                "<channel type='pty'><target type='virtio' name='{name}'/>\
                 <address type='virtio-serial' controller='{controller}' bus='0' port='1'/></channel>"
            )
        };
        let channels = format!(
            "<controller type='virtio-serial' index='0'/>{}{}\
             <console type='pty'><target type='virtio'/>\
             <address type='virtio-serial' controller='4294967295' bus='0' port='3'/></console>",
            serial("a", "4294967295"),
            serial("b", "2147483648"),
        );
        assert_eq!(indexes(&channels, "virtio-serial"), ["0", "1", "2", "3"]);
        let cards = "<smartcard mode='host'><address type='ccid' controller='0' slot='4294967295'/></smartcard>\
                     <smartcard mode='host'/>\
                     <smartcard mode='host'><address type='ccid' controller='4294967295' slot='0'/></smartcard>\
                     <smartcard mode='host'><address type='ccid' controller='4294967295' slot='1'/></smartcard>";
        assert_eq!(indexes(cards, "ccid"), ["0", "1", "2"]);
        assert!(devices(cards)
            .contains("<smartcard mode='host'><address type='ccid' controller='0' slot='0'/>"));
    }

    /// Videos already as libvirt writes them are kept without being read
    /// into their view; those near that shape but not in it are still
    /// settled (each checked with virsh against libvirt 9.0).
    #[test]
    fn settled_videos_are_kept_and_the_others_settled() {
        let kept = "<video><model type='cirrus' vram='16384' heads='1' primary='yes'/></video>\
                    <video><model type='cirrus' vram='8192' heads='2'/></video>";
        assert_eq!(devices(kept), kept);
        assert_eq!(
            devices("<video><model type='vga' vram='16384' heads='1'/></video>"),
            "<video><model type='vga' vram='16384' heads='1' primary='yes'/></video>"
        );
        assert_eq!(
            devices(
                "<video><model type='vga' vram='16000' heads='1' primary='yes'/></video>\
                     <video><model type='vga' vram='16384' heads='1' primary='no'/></video>"
            ),
            "<video><model type='vga' vram='16384' heads='1' primary='yes'/></video>\
             <video><model type='vga' vram='16384' heads='1'/></video>"
        );
        assert_eq!(
            devices("<video><model type='vga' vram='016384' heads='0' primary='yes'/></video>"),
            "<video><model type='vga' vram='16384' primary='yes'/></video>"
        );
        let first = |xml: &str| -> Result<bool, crate::XmlError> {
            let e = crate::reader::parse_element(xml)?;
            Ok(super::video::settled(&e, true))
        };
        for (xml, settled) in [
            ("<video><model type='vga' vram='16384' heads='1' primary='yes'/></video>", true),
            ("<video><model type='qxl' vram='16384' heads='1' primary='yes'/></video>", false),
            ("<video><model type='none' vram='16384' heads='1' primary='yes'/></video>", false),
            ("<video><model type='vga' vram='16384' heads='1' primary='yes'/><driver name='qemu'/></video>", false),
            ("<video><model type='vga' vram=' 16384' heads='1' primary='yes'/></video>", false),
            ("<video><model type='vga' vram='4294967296' heads='1' primary='yes'/></video>", false),
            ("<video><model type='vga' heads='1' vram='16384' primary='yes'/></video>", false),
        ] {
            assert_eq!(first(xml).ok(), Some(settled), "{xml}");
        }
    }

    #[test]
    fn videos_get_libvirts_defaults() {
        assert_eq!(
            devices("<graphics type='vnc'/>"),
            "<graphics type='vnc' port='-1' autoport='yes'><listen type='address'/></graphics>\
             <video><model type='cirrus' vram='16384' heads='1' primary='yes'/></video>"
        );
        assert_eq!(
            devices("<video><model type='qxl' vram='9000'/></video><video><model type='vga' primary='yes'/></video>"),
            "<video><model type='vga' vram='16384' heads='1' primary='yes'/></video>\
             <video><model type='qxl' ram='65536' vram='16384' heads='1'/></video>"
        );
        // Sizes rounded up past 2^31 (zero) come back as the defaults
        // (virsh 9.0); a model without a default has none.
        assert_eq!(
            devices("<video><model type='qxl' ram='4294967295' vram='3000000000'/></video>"),
            "<video><model type='qxl' ram='65536' vram='65536' heads='1' primary='yes'/></video>"
        );
        assert_eq!(
            devices("<video><model type='vga' vram='4294967295'/></video>"),
            "<video><model type='vga' vram='16384' heads='1' primary='yes'/></video>"
        );
        assert_eq!(
            devices("<video><model type='virtio' vram='4294967295'/></video>"),
            "<video><model type='virtio' heads='1' primary='yes'/></video>"
        );
    }

    #[test]
    fn videos_are_written_as_libvirt_formats_them() {
        // The model before the device information; sizes as numbers,
        // zero ones left out, in libvirt's order.
        assert_eq!(
            devices("<video><acpi index='5'/><address type='virtio-mmio'/></video>"),
            "<video><model type='cirrus' vram='16384' heads='1' primary='yes'/>\
             <acpi index='5'/><address type='virtio-mmio'/></video>"
        );
        assert_eq!(
            devices("<video><model type='qxl' ram='22' vgamem='033' vram64='0' primary='yes'/></video>"),
            "<video><model type='qxl' ram='32' vram='65536' vgamem='33' heads='1' primary='yes'/></video>"
        );
        // Each model attribute from the first <model> with it; the first
        // driver, in libvirt's order, without the default VGA conf; a
        // primary value other than yes is no.
        assert_eq!(
            devices("<video><model type='virtio' heads='0' primary='junk'><resolution x='0800' y='600'/>\
                     <acceleration accel3d='yes'/></model><driver name='qemu' vgaconf='io' packed='on' iommu='off'/>\
                     <model vram='3'/></video>\
                     <video><model type='vga' vgamem='0' vram64='00'/><driver vgaconf='on'/></video>"),
            "<video><driver iommu='off' packed='on' name='qemu'/><model type='virtio' vram='4' primary='yes'>\
             <acceleration accel3d='yes'/><resolution x='800' y='600'/></model></video>\
             <video><driver vgaconf='on'/><model type='vga' vram='16384' heads='1'/></video>"
        );
        // A first video of model none keeps nothing but a user alias.
        assert_eq!(
            devices(
                "<video><driver vgaconf='on'/><model type='none' heads='3'/><alias name='ua-v'/>\
                     <address type='pci' domain='0' bus='0' slot='3' function='0'/></video>"
            ),
            "<video><model type='none'/><alias name='ua-v'/></video>"
        );
    }
}
