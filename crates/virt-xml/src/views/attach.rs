//! Devices a client writes for itself: `virsh attach-disk` builds a
//! `<disk>` and `virsh attach-interface` an `<interface>` from its options. virsh lays it out its own way (attributes in
//! the order virsh writes them, not libvirt's formatter's), and `--print-xml`
//! shows that layout, so the element is built here, element and attribute
//! names in virt-xml alone, rather than through the views' write-back.

use super::*;

/// A disk as `virsh attach-disk` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiskToAttach {
    /// `type=`: `file`, `block` or `network`.
    pub disk_type: String,
    /// `device=`: disk, cdrom, floppy, lun.
    pub device: Option<String>,
    /// `rawio='yes'`.
    pub rawio: bool,
    /// `<driver name=>`.
    pub driver_name: Option<String>,
    /// `<driver type=>`: the image format.
    pub driver_format: Option<String>,
    /// `<driver iothread=>`, as given (libvirt reads it).
    pub iothread: Option<String>,
    /// `<driver cache=>`.
    pub cache: Option<String>,
    /// `<driver io=>`.
    pub io: Option<String>,
    /// The file, the block device, or the network source's name.
    pub source: String,
    /// A network source's `protocol=`.
    pub protocol: Option<String>,
    /// A network source's `<host>`.
    pub host: Option<SourceHost>,
    /// `<target dev=>`.
    pub target: String,
    /// `<target bus=>`.
    pub bus: Option<String>,
    /// `<readonly/>` or `<shareable/>`: the disk's access mode.
    pub mode: Option<DiskMode>,
    /// `<serial>`.
    pub serial: Option<String>,
    /// `<alias name=>`.
    pub alias: Option<String>,
    /// `<wwn>`.
    pub wwn: Option<String>,
}

/// How a guest may use a disk it is given, beside reading and writing it
/// alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskMode {
    /// `<readonly/>`.
    ReadOnly,
    /// `<shareable/>`.
    Shareable,
}

impl DiskMode {
    /// The mode virsh's `--mode` names (`readonly`, `shareable`).
    pub fn from_word(word: &str) -> Option<DiskMode> {
        match word {
            "readonly" => Some(DiskMode::ReadOnly),
            "shareable" => Some(DiskMode::Shareable),
            _ => None,
        }
    }

    fn tag(self) -> &'static str {
        match self {
            DiskMode::ReadOnly => "readonly",
            DiskMode::Shareable => "shareable",
        }
    }
}

impl DiskToAttach {
    /// The `<disk>` element, laid out as virsh 9.0's attach-disk writes
    /// it (an element with nothing to say is left out).
    pub fn to_element(&self) -> Element {
        let mut disk = Element::new("disk")
            .with_attr("type", &self.disk_type)
            .with_attr_opt("device", self.device.as_deref());
        if self.rawio {
            disk = disk.with_attr("rawio", "yes");
        }
        let driver = [
            ("name", self.driver_name.as_deref()),
            ("type", self.driver_format.as_deref()),
            ("iothread", self.iothread.as_deref()),
            ("cache", self.cache.as_deref()),
            ("io", self.io.as_deref()),
        ]
        .into_iter()
        .fold(Element::new(DiskDriver::TAG), |e, (n, v)| {
            e.with_attr_opt(n, v)
        });
        if !driver.attrs.is_empty() {
            disk = disk.with_child(driver);
        }
        let source = Element::new(DiskSource::TAG);
        let source = match self.disk_type.as_str() {
            "file" => source.with_attr("file", &self.source),
            "block" => source.with_attr("dev", &self.source),
            _ => {
                let mut source = source
                    .with_attr_opt("protocol", self.protocol.as_deref())
                    .with_attr("name", &self.source);
                if let Some(h) = &self.host {
                    let host = [
                        ("transport", h.transport.as_deref()),
                        ("socket", h.socket.as_deref()),
                        ("name", h.name.as_deref()),
                        ("port", h.port.as_deref()),
                    ]
                    .into_iter()
                    .fold(Element::new(SourceHost::TAG), |e, (n, v)| {
                        e.with_attr_opt(n, v)
                    });
                    if !host.attrs.is_empty() {
                        source = source.with_child(host);
                    }
                }
                source
            }
        };
        disk = disk.with_child(source).with_child(
            Element::new(DiskTarget::TAG)
                .with_attr("dev", &self.target)
                .with_attr_opt("bus", self.bus.as_deref()),
        );
        if let Some(m) = self.mode {
            disk = disk.with_child(Element::new(m.tag()));
        }
        if let Some(s) = &self.serial {
            disk = disk.with_child(Element::new(DiskSerial::TAG).with_text(s));
        }
        if let Some(a) = &self.alias {
            disk = disk.with_child(Element::new(Alias::TAG).with_attr("name", a));
        }
        if let Some(w) = &self.wwn {
            disk = disk.with_child(Element::new(DiskWwn::TAG).with_text(w));
        }
        disk
    }
}

/// An interface as `virsh attach-interface` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterfaceToAttach {
    /// `type=`: network, bridge, direct or vhostuser.
    pub net_type: String,
    /// `managed='yes'`.
    pub managed: bool,
    /// The network's or bridge's name, the host device, or the socket path.
    pub source: String,
    /// A vhost-user socket's `mode=` (server or client).
    pub source_mode: Option<String>,
    /// `<target dev=>`.
    pub target: Option<String>,
    /// `<mac address=>`.
    pub mac: Option<String>,
    /// `<script path=>`.
    pub script: Option<String>,
    /// `<model type=>`.
    pub model: Option<String>,
    /// `<alias name=>`.
    pub alias: Option<String>,
    /// `<bandwidth><inbound>`: average, peak, burst, floor (0 = not given).
    pub inbound: Option<[u64; 4]>,
    /// `<bandwidth><outbound>`: average, peak, burst (0 = not given).
    pub outbound: Option<[u64; 4]>,
}

/// Why an interface cannot be written as `virsh attach-interface` would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterfaceToAttachError {
    /// A vhost-user interface without its socket's mode.
    NoSourceMode,
    /// An interface type virsh does not write.
    Unsupported,
}

impl InterfaceToAttach {
    /// The `<interface>` element, laid out as virsh 9.0's attach-interface
    /// writes it: rates that are 0 are left out, except an outbound
    /// average, which virsh always writes.
    pub fn to_element(&self) -> Result<Element, InterfaceToAttachError> {
        let mut iface = Element::new("interface").with_attr("type", &self.net_type);
        if self.managed {
            iface = iface.with_attr("managed", "yes");
        }
        let source = Element::new(InterfaceSource::TAG);
        let source = match self.net_type.as_str() {
            "network" | "bridge" => source.with_attr(&self.net_type, &self.source),
            "direct" => source.with_attr("dev", &self.source),
            "vhostuser" => {
                let mode = self
                    .source_mode
                    .as_deref()
                    .ok_or(InterfaceToAttachError::NoSourceMode)?;
                source
                    .with_attr("type", "unix")
                    .with_attr("path", &self.source)
                    .with_attr("mode", mode)
            }
            _ => return Err(InterfaceToAttachError::Unsupported),
        };
        iface = iface.with_child(source);
        for (tag, attr, value) in [
            ("target", "dev", &self.target),
            ("mac", "address", &self.mac),
            ("script", "path", &self.script),
            ("model", "type", &self.model),
            (Alias::TAG, "name", &self.alias),
        ] {
            if let Some(v) = value {
                iface = iface.with_child(Element::new(tag).with_attr(attr, v));
            }
        }
        if self.inbound.is_some() || self.outbound.is_some() {
            let mut bandwidth = Element::new(Bandwidth::TAG);
            let rate = |tag: &str, r: &[u64; 4], names: &[&str], always: usize| {
                names
                    .iter()
                    .zip(r)
                    .enumerate()
                    .filter(|(i, (_, v))| *i < always || **v > 0)
                    .fold(Element::new(tag), |e, (_, (n, v))| {
                        e.with_attr(*n, v.to_string())
                    })
            };
            if let Some(r) = &self.inbound {
                bandwidth = bandwidth.with_child(rate(
                    "inbound",
                    r,
                    &["average", "peak", "burst", "floor"],
                    0,
                ));
            }
            if let Some(r) = &self.outbound {
                bandwidth =
                    bandwidth.with_child(rate("outbound", r, &["average", "peak", "burst"], 1));
            }
            iface = iface.with_child(bandwidth);
        }
        Ok(iface)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Layouts observed from virsh 9.0's `attach-disk --print-xml`.
    #[test]
    fn a_disk_to_attach_is_laid_out_as_virsh_writes_it() {
        let file = DiskToAttach {
            disk_type: "file".into(),
            device: Some("cdrom".into()),
            rawio: true,
            driver_name: Some("qemu".into()),
            driver_format: Some("raw".into()),
            iothread: Some("2".into()),
            cache: Some("none".into()),
            io: Some("native".into()),
            source: "a&b'".into(),
            target: "hdc".into(),
            bus: Some("ide".into()),
            mode: DiskMode::from_word("readonly"),
            serial: Some("abc".into()),
            alias: Some("ua-d".into()),
            wwn: Some("0x5000c50015ea71ad".into()),
            ..DiskToAttach::default()
        };
        assert_eq!(
            file.to_element().to_xml(0),
            "<disk type='file' device='cdrom' rawio='yes'>\n\
             \x20 <driver name='qemu' type='raw' iothread='2' cache='none' io='native'/>\n\
             \x20 <source file='a&amp;b&apos;'/>\n\
             \x20 <target dev='hdc' bus='ide'/>\n\
             \x20 <readonly/>\n\
             \x20 <serial>abc</serial>\n\
             \x20 <alias name='ua-d'/>\n\
             \x20 <wwn>0x5000c50015ea71ad</wwn>\n\
             </disk>\n"
        );
        let network = DiskToAttach {
            disk_type: "network".into(),
            source: "vol".into(),
            protocol: Some("nbd".into()),
            host: Some(SourceHost {
                name: Some("h".into()),
                port: Some("10809".into()),
                transport: Some("tcp".into()),
                socket: None,
            }),
            target: "vdc".into(),
            ..DiskToAttach::default()
        };
        assert_eq!(
            network.to_element().to_xml(0),
            "<disk type='network'>\n\
             \x20 <source protocol='nbd' name='vol'>\n\
             \x20   <host transport='tcp' name='h' port='10809'/>\n\
             \x20 </source>\n\
             \x20 <target dev='vdc'/>\n\
             </disk>\n"
        );
        assert_eq!(DiskMode::from_word("foo"), None);
    }
    // Layouts observed from virsh 9.0's `attach-interface --print-xml`.
    #[test]
    fn an_interface_to_attach_is_laid_out_as_virsh_writes_it() {
        let bridge = InterfaceToAttach {
            net_type: "bridge".into(),
            managed: true,
            source: "br0".into(),
            target: Some("vnet0".into()),
            mac: Some("52:54:00:01:02:03".into()),
            script: Some("/s".into()),
            model: Some("virtio".into()),
            alias: Some("ua-x".into()),
            inbound: Some([100, 0, 300, 0]),
            outbound: Some([0, 0, 7, 0]),
            ..InterfaceToAttach::default()
        };
        assert_eq!(
            bridge.to_element().map(|e| e.to_xml(0)),
            Ok("<interface type='bridge' managed='yes'>\n\
             \x20 <source bridge='br0'/>\n\
             \x20 <target dev='vnet0'/>\n\
             \x20 <mac address='52:54:00:01:02:03'/>\n\
             \x20 <script path='/s'/>\n\
             \x20 <model type='virtio'/>\n\
             \x20 <alias name='ua-x'/>\n\
             \x20 <bandwidth>\n\
             \x20   <inbound average='100' burst='300'/>\n\
             \x20   <outbound average='0' burst='7'/>\n\
             \x20 </bandwidth>\n\
             </interface>\n"
                .to_string())
        );
        let vhost = InterfaceToAttach {
            net_type: "vhostuser".into(),
            source: "/sock".into(),
            ..InterfaceToAttach::default()
        };
        assert_eq!(
            vhost.to_element(),
            Err(InterfaceToAttachError::NoSourceMode)
        );
        let vhost = InterfaceToAttach {
            source_mode: Some("client".into()),
            ..vhost
        };
        assert_eq!(
            vhost.to_element().map(|e| e.to_xml(0)),
            Ok("<interface type='vhostuser'>\n\
             \x20 <source type='unix' path='/sock' mode='client'/>\n\
             </interface>\n"
                .to_string())
        );
        let user = InterfaceToAttach {
            net_type: "user".into(),
            ..InterfaceToAttach::default()
        };
        assert_eq!(user.to_element(), Err(InterfaceToAttachError::Unsupported));
    }
}
