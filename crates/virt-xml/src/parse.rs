//! Reading a `<domain>` element into the typed [`DomainDef`], with
//! libvirt's checks and error texts.

use uuid::Uuid;

use crate::error::XmlError;
use crate::model::*;
use crate::order::{
    normalize_addresses, placed, placements, DEVICE_ORDER, DISK_ORDER, DOMAIN_ORDER,
    INTERFACE_ORDER, OS_ORDER,
};
use crate::reader::{parse_element, parse_element_strict};
use crate::units::parse_memory;

/// Domain types libvirt 9.0 knows (`virDomainVirtType`).
const DOMAIN_TYPES: &[&str] = &[
    "none",
    "qemu",
    "kqemu",
    "kvm",
    "xen",
    "lxc",
    "uml",
    "openvz",
    "test",
    "vmware",
    "hyperv",
    "vbox",
    "phyp",
    "parallels",
    "bhyve",
    "vz",
    "hvf",
];

/// OS types libvirt knows (`virDomainOSType`), plus the 0.2-era "linux"
/// spelling of a Xen paravirtualised guest.
const OS_TYPES: &[&str] = &["hvm", "xen", "linux", "exe", "uml", "xenpvh"];

/// Parse a `<domain>` document and validate it. Elements and attributes
/// libvirt does not know are kept, in their places.
pub fn parse_domain(xml: &str) -> Result<DomainDef, XmlError> {
    DomainDef::from_tree(parse_element(xml)?)
}

/// [`parse_domain`] that refuses what libvirt's domain schema does not
/// allow (`VIR_DOMAIN_DEFINE_VALIDATE`): the error (VIR_ERR_XML_DETAIL)
/// names the first such element or attribute and its line.
pub fn parse_domain_strict(xml: &str) -> Result<DomainDef, XmlError> {
    DomainDef::from_tree(parse_element_strict(xml)?)
}

/// The top-level elements the model types, taken out of the tree.
#[derive(Default)]
struct Typed {
    name: Option<Element>,
    uuid: Option<Element>,
    title: Option<Element>,
    description: Option<Element>,
    memory: Option<Element>,
    max_memory: Option<Element>,
    current_memory: Option<Element>,
    vcpu: Option<Element>,
    bootloader: Option<Element>,
    bootloader_args: Option<Element>,
    os: Option<Element>,
    lifecycle: [Option<Element>; 3],
    devices: Option<Element>,
}

impl DomainDef {
    /// Read a domain definition from its `<domain>` element.
    pub fn from_element(e: &Element) -> Result<DomainDef, XmlError> {
        Self::from_tree(e.clone())
    }

    /// Read a domain definition from its `<domain>` element, taking the
    /// tree apart instead of copying it.
    pub fn from_tree(e: Element) -> Result<DomainDef, XmlError> {
        if e.name != "domain" {
            return Err(XmlError::Invalid(format!(
                "expecting root element of 'domain', not '{}'",
                e.name
            )));
        }
        let mut def = DomainDef::default();
        let numa = has_numa(&e);
        let mut t = Typed::default();
        let mut places = placements(DOMAIN_ORDER, &e.children).into_iter();
        for node in e.children {
            let Node::Element(child) = node else { continue };
            // The first of each is the one libvirt reads; it ignores the rest.
            let slot = match child.name.as_str() {
                "name" => &mut t.name,
                "uuid" => &mut t.uuid,
                "title" => &mut t.title,
                "description" => &mut t.description,
                "memory" => &mut t.memory,
                "maxMemory" => &mut t.max_memory,
                "currentMemory" => &mut t.current_memory,
                "vcpu" => &mut t.vcpu,
                "bootloader" => &mut t.bootloader,
                "bootloader_args" => &mut t.bootloader_args,
                "os" => &mut t.os,
                "on_poweroff" => &mut t.lifecycle[0],
                "on_reboot" => &mut t.lifecycle[1],
                "on_crash" => &mut t.lifecycle[2],
                "devices" => &mut t.devices,
                "features" => {
                    def.features = Some(into_elements(child));
                    continue;
                }
                _ if !placed(DOMAIN_ORDER, &child.name) => {
                    def.unknown.push(Unknown {
                        after: places.next().flatten(),
                        element: child,
                    });
                    continue;
                }
                _ => {
                    def.extra.push(child);
                    continue;
                }
            };
            if slot.is_none() {
                *slot = Some(child);
            }
        }
        // libvirt checks the name first, then the type, then the OS type.
        let name = t.name.map(into_text).unwrap_or_default();
        if name.is_empty() {
            return Err(XmlError::NoName);
        }
        if name.contains('/') {
            return Err(XmlError::Invalid(format!("name {name} cannot contain '/'")));
        }
        def.name = name;
        for (k, v) in e.attrs {
            match k.as_str() {
                "type" => def.domain_type = v,
                "id" => def.id = v.parse().ok(),
                _ => def.attrs.push((k, v)),
            }
        }
        if def.domain_type.is_empty() {
            return Err(XmlError::Internal("missing domain type attribute".into()));
        }
        if !DOMAIN_TYPES.contains(&def.domain_type.as_str()) {
            return Err(XmlError::Unsupported(format!(
                "invalid domain type {}",
                def.domain_type
            )));
        }
        def.bootloader = t.bootloader.map(into_text);
        def.bootloader_args = t.bootloader_args.map(into_text);
        def.os = parse_os(t.os, def.bootloader.is_some())?;
        if let Some(u) = &t.uuid {
            def.uuid = Some(
                parse_uuid(text_str(u))
                    .ok_or_else(|| XmlError::Internal("malformed uuid element".into()))?,
            );
        }
        def.title = t.title.map(into_text);
        def.description = t.description.map(into_text);

        if let Some(m) = &t.memory {
            def.memory = memory_value(m, "./memory[1]")?;
        }
        if def.memory == 0 && !numa {
            return Err(XmlError::Invalid(
                "Memory size must be specified via <memory> or in the <numa> configuration".into(),
            ));
        }
        if let Some(m) = &t.max_memory {
            let size = memory_value(m, "./maxMemory[1]")?;
            let slots = match m.attr("slots") {
                None => None,
                Some(s) => Some(s.parse().map_err(|_| XmlError::NotUnsigned {
                    attr: "slots".into(),
                    element: "maxMemory".into(),
                    value: s.into(),
                })?),
            };
            def.max_memory = Some((size, slots));
        }
        if let Some(m) = &t.current_memory {
            def.current_memory = Some(memory_value(m, "./currentMemory[1]")?);
        }
        def.vcpu = parse_vcpu(t.vcpu)?;

        let [poweroff, reboot, crash] = t.lifecycle;
        def.on_poweroff = lifecycle(poweroff, "on_poweroff", "poweroff")?;
        def.on_reboot = lifecycle(reboot, "on_reboot", "reboot")?;
        def.on_crash = lifecycle(crash, "on_crash", "crash")?;
        if let Some(d) = t.devices {
            def.devices = parse_devices(d)?;
        }
        Ok(def)
    }
}

/// `<on_EVENT>ACTION</on_EVENT>`, checked as libvirt checks it.
fn lifecycle(
    e: Option<Element>,
    tag: &str,
    event: &str,
) -> Result<Option<LifecycleAction>, XmlError> {
    let Some(e) = e else { return Ok(None) };
    let text = text_str(&e).trim();
    let action = LifecycleAction::from_name(text)
        .ok_or_else(|| XmlError::Unsupported(format!("unknown {tag} action: {text}")))?;
    if event != "crash"
        && matches!(
            action,
            LifecycleAction::CoredumpDestroy | LifecycleAction::CoredumpRestart
        )
    {
        return Err(XmlError::Unsupported(format!(
            "Lifecycle event '{event}' doesn't support '{}' action",
            action.name()
        )));
    }
    Ok(Some(action))
}

/// The element's text without copying (the reader merges adjacent text
/// into one node).
fn text_str(e: &Element) -> &str {
    e.children
        .iter()
        .find_map(|n| match n {
            Node::Text(t) => Some(t.as_str()),
            Node::Element(_) => None,
        })
        .unwrap_or("")
}

/// The element's text, moved out of the tree.
fn into_text(e: Element) -> String {
    let mut texts = e.children.into_iter().filter_map(|n| match n {
        Node::Text(t) => Some(t),
        Node::Element(_) => None,
    });
    let mut first = texts.next().unwrap_or_default();
    for t in texts {
        first.push_str(&t);
    }
    first
}

/// The child elements, moved out of the tree.
fn into_elements(e: Element) -> Vec<Element> {
    e.children
        .into_iter()
        .filter_map(|n| match n {
            Node::Element(c) => Some(c),
            Node::Text(_) => None,
        })
        .collect()
}

impl LifecycleAction {
    /// The action for libvirt's name of it.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "destroy" => Self::Destroy,
            "restart" => Self::Restart,
            "preserve" => Self::Preserve,
            "rename-restart" => Self::RenameRestart,
            "coredump-destroy" => Self::CoredumpDestroy,
            "coredump-restart" => Self::CoredumpRestart,
            _ => return None,
        })
    }

    /// libvirt's name of the action.
    pub fn name(self) -> &'static str {
        match self {
            Self::Destroy => "destroy",
            Self::Restart => "restart",
            Self::Preserve => "preserve",
            Self::RenameRestart => "rename-restart",
            Self::CoredumpDestroy => "coredump-destroy",
            Self::CoredumpRestart => "coredump-restart",
        }
    }
}

/// Parse a UUID the way libvirt does: 32 hex digits, with or without
/// dashes between byte pairs, surrounding blanks allowed.
pub fn parse_uuid(s: &str) -> Option<Uuid> {
    let s = s.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\n');
    let mut bytes = [0u8; 16];
    let mut chars = s.bytes().peekable();
    for (i, slot) in bytes.iter_mut().enumerate() {
        if i > 0 && chars.peek() == Some(&b'-') {
            chars.next();
        }
        let hi = (chars.next()? as char).to_digit(16)?;
        let lo = (chars.next()? as char).to_digit(16)?;
        *slot = (hi * 16 + lo) as u8;
    }
    if chars.next().is_some() {
        return None;
    }
    Some(Uuid::from_bytes(bytes))
}

fn memory_value(e: &Element, xpath: &str) -> Result<u64, XmlError> {
    let text = text_str(e);
    let value = text.trim();
    if value.is_empty()
        || !value.bytes().all(|b| b.is_ascii_digit())
        || value.parse::<u64>().is_err()
    {
        return Err(XmlError::InvalidValue {
            value: text.to_string(),
            xpath: xpath.to_string(),
        });
    }
    parse_memory(value, e.attr("unit"))
}

fn has_numa(e: &Element) -> bool {
    e.child("cpu")
        .and_then(|c| c.child("numa"))
        .is_some_and(|n| n.child("cell").is_some())
}

fn parse_vcpu(e: Option<Element>) -> Result<Vcpu, XmlError> {
    let Some(e) = e else {
        return Ok(Vcpu {
            max: 1,
            ..Vcpu::default()
        });
    };
    let max: u32 = text_str(&e)
        .trim()
        .parse()
        .map_err(|_| XmlError::Invalid("maximum vcpus count must be an integer".into()))?;
    if max == 0 {
        return Err(XmlError::Internal(
            "CPU IDs in <numa> exceed the <vcpu> count".into(),
        ));
    }
    let current = match e.attr("current") {
        None => None,
        Some(c) => Some(c.trim().parse::<u32>().map_err(|_| XmlError::NotUnsigned {
            attr: "current".into(),
            element: "vcpu".into(),
            value: c.into(),
        })?),
    };
    Ok(Vcpu {
        max,
        current,
        placement: e.attr("placement").map(str::to_string),
        cpuset: e.attr("cpuset").map(str::to_string),
    })
}

fn parse_os(e: Option<Element>, has_bootloader: bool) -> Result<Os, XmlError> {
    let mut os = Os::default();
    match e.as_ref().and_then(|o| o.child("type")) {
        Some(t) => {
            let name = text_str(t).trim();
            if !OS_TYPES.contains(&name) {
                return Err(XmlError::Unsupported(format!("unknown OS type '{name}'")));
            }
        }
        // libvirt lets a bootloader stand for a Xen paravirtualised guest.
        None if has_bootloader => os.os_type = "xen".to_string(),
        None => return Err(XmlError::Invalid("an os <type> must be specified".into())),
    }
    let Some(e) = e else { return Ok(os) };
    os.attrs = e.attrs;
    let mut seen_type = false;
    let mut places = placements(OS_ORDER, &e.children).into_iter();
    for node in e.children {
        let Node::Element(mut child) = node else {
            continue;
        };
        match child.name.as_str() {
            "type" if !seen_type => {
                seen_type = true;
                os.arch = take_attr(&mut child, "arch");
                os.machine = take_attr(&mut child, "machine");
                let mut t = into_text(child);
                t.truncate(t.trim_end().len());
                if t.starts_with(char::is_whitespace) {
                    t = t.trim_start().to_string();
                }
                os.os_type = t;
            }
            "loader" => {
                if child.attrs.is_empty() {
                    os.loader = Some(into_text(child));
                } else {
                    os.loader = Some(text_str(&child).to_string());
                    os.extra.push(child);
                }
            }
            "kernel" => os.kernel = Some(into_text(child)),
            "initrd" => os.initrd = Some(into_text(child)),
            "root" => os.root = Some(into_text(child)),
            "cmdline" => os.cmdline = Some(into_text(child)),
            "boot"
                if child.attrs.len() == 1
                    && child.children.is_empty()
                    && child.attr("dev").is_some() =>
            {
                os.boot.extend(take_attr(&mut child, "dev"))
            }
            _ if !placed(OS_ORDER, &child.name) => os.unknown.push(Unknown {
                after: places.next().flatten(),
                element: child,
            }),
            _ => os.extra.push(child),
        }
    }
    Ok(os)
}

fn parse_devices(e: Element) -> Result<Devices, XmlError> {
    let mut devices = Devices::default();
    let mut places = placements(DEVICE_ORDER, &e.children).into_iter();
    for node in e.children {
        let Node::Element(mut child) = node else {
            continue;
        };
        match child.name.as_str() {
            "emulator" => devices.emulator = Some(into_text(child)),
            "disk" => devices.disks.push(parse_disk(child)?),
            "interface" => devices.interfaces.push(parse_interface(child)),
            "graphics" => {
                let graphics_type = take_attr(&mut child, "type").unwrap_or_default();
                devices.graphics.push(Graphics {
                    graphics_type,
                    attrs: child.attrs,
                    extra: into_elements(Element {
                        children: child.children,
                        ..Element::default()
                    }),
                })
            }
            "serial" | "parallel" | "console" | "channel" => {
                normalize_addresses(&mut child);
                let dev_type = take_attr(&mut child, "type");
                let tty = take_attr(&mut child, "tty");
                let Element {
                    name,
                    attrs,
                    children,
                } = child;
                devices.chardevs.push(CharDev {
                    kind: name,
                    dev_type,
                    tty,
                    attrs,
                    extra: into_elements(Element {
                        children,
                        ..Element::default()
                    }),
                })
            }
            _ if !placed(DEVICE_ORDER, &child.name) => devices.unknown.push(Unknown {
                after: places.next().flatten(),
                element: child,
            }),
            _ => {
                normalize_addresses(&mut child);
                devices.other.push(child);
            }
        }
    }
    Ok(devices)
}

/// Remove attribute `name` and return its value.
fn take_attr(e: &mut Element, name: &str) -> Option<String> {
    e.remove_attr(name)
}

/// The attribute of `<source>` that names a disk's backing, by disk type.
pub(crate) fn disk_source_key(disk_type: &str) -> &'static str {
    match disk_type {
        "block" => "dev",
        "dir" => "dir",
        "network" => "name",
        "volume" => "volume",
        _ => "file",
    }
}

fn parse_disk(mut e: Element) -> Result<Disk, XmlError> {
    let mut disk = Disk {
        disk_type: take_attr(&mut e, "type").unwrap_or_else(|| "file".into()),
        device: take_attr(&mut e, "device").unwrap_or_else(|| "disk".into()),
        ..Disk::default()
    };
    disk.attrs = e.attrs;
    let key = disk_source_key(&disk.disk_type);
    let mut has_target = false;
    let mut places = placements(DISK_ORDER, &e.children).into_iter();
    for node in e.children {
        let Node::Element(mut child) = node else {
            continue;
        };
        match child.name.as_str() {
            "driver" => {
                if only_attrs(&child, &["name", "type"]) {
                    disk.driver_name = take_attr(&mut child, "name");
                    disk.driver_type = take_attr(&mut child, "type");
                } else {
                    disk.driver_name = child.attr("name").map(str::to_string);
                    disk.driver_type = child.attr("type").map(str::to_string);
                    disk.extra.push(child);
                }
            }
            "source" => {
                if only_attrs(&child, &[key]) {
                    disk.source = take_attr(&mut child, key);
                } else {
                    disk.source = child
                        .attr(key)
                        .or_else(|| {
                            ["file", "dev", "dir", "name", "volume"]
                                .iter()
                                .find_map(|k| child.attr(k))
                        })
                        .map(str::to_string);
                    normalize_addresses(&mut child);
                    disk.extra.push(child);
                }
            }
            "target" => {
                has_target = true;
                if only_attrs(&child, &["dev", "bus"]) {
                    disk.target_dev = take_attr(&mut child, "dev").unwrap_or_default();
                    disk.target_bus = take_attr(&mut child, "bus");
                } else {
                    disk.target_dev = child.attr("dev").unwrap_or_default().to_string();
                    disk.target_bus = child.attr("bus").map(str::to_string);
                    disk.extra.push(child);
                }
            }
            "readonly" if child.is_empty() => disk.readonly = true,
            "shareable" if child.is_empty() => disk.shareable = true,
            _ if !placed(DISK_ORDER, &child.name) => disk.unknown.push(Unknown {
                after: places.next().flatten(),
                element: child,
            }),
            _ => {
                normalize_addresses(&mut child);
                disk.extra.push(child);
            }
        }
    }
    if !has_target || disk.target_dev.is_empty() {
        return Err(XmlError::NoTarget(disk.source.clone().unwrap_or_default()));
    }
    Ok(disk)
}

fn parse_interface(mut e: Element) -> Interface {
    let mut iface = Interface {
        iface_type: take_attr(&mut e, "type").unwrap_or_default(),
        ..Interface::default()
    };
    let network = iface.iface_type == "network";
    let many_ips = e.children_named("ip").count() > 1;
    iface.attrs = e.attrs;
    let mut seen_ip = false;
    let mut seen_source = false;
    let mut places = placements(INTERFACE_ORDER, &e.children).into_iter();
    for node in e.children {
        let Node::Element(mut child) = node else {
            continue;
        };
        let simple = match child.name.as_str() {
            "mac" if iface.mac.is_none() => Some((&mut iface.mac, "address")),
            "script" if iface.script.is_none() => Some((&mut iface.script, "path")),
            "target" if iface.target_dev.is_none() => Some((&mut iface.target_dev, "dev")),
            "model" if iface.model.is_none() => Some((&mut iface.model, "type")),
            "ip" if !seen_ip => {
                seen_ip = true;
                if many_ips {
                    iface.ip = child.attr("address").map(str::to_string);
                    iface.extra.push(child);
                    continue;
                }
                Some((&mut iface.ip, "address"))
            }
            _ => None,
        };
        if let Some((field, attr)) = simple {
            if only_attrs(&child, &[attr]) {
                *field = take_attr(&mut child, attr);
            } else {
                *field = child.attr(attr).map(str::to_string);
                iface.extra.push(child);
            }
            continue;
        }
        if child.name == "source" && !seen_source {
            seen_source = true;
            // For type='network' the bridge is where the network runs
            // now, not part of the definition.
            if network {
                child.attrs.retain(|(k, _)| k != "bridge" && k != "dev");
            }
            if child.children.iter().any(|n| matches!(n, Node::Element(_))) {
                iface.source = child.attrs.clone();
                iface.extra.push(child);
            } else {
                iface.source = child.attrs;
            }
            continue;
        }
        if !placed(INTERFACE_ORDER, &child.name) {
            iface.unknown.push(Unknown {
                after: places.next().flatten(),
                element: child,
            });
            continue;
        }
        normalize_addresses(&mut child);
        iface.extra.push(child);
    }
    iface
}

/// True when `e` has no children and no attributes beyond `allowed`.
fn only_attrs(e: &Element, allowed: &[&str]) -> bool {
    e.children.is_empty() && e.attrs.iter().all(|(k, _)| allowed.contains(&k.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(xml: &str) -> String {
        match parse_domain(xml) {
            Ok(_) => "OK".into(),
            Err(e) => format!("{} {}", e.code().number(), e),
        }
    }

    #[test]
    fn uuid_spellings() {
        let a = parse_uuid("6695eb01-f6a4-8304-79aa-97f2502e193f");
        assert!(a.is_some());
        assert_eq!(parse_uuid("6695EB01F6A4830479AA97F2502E193F"), a);
        assert_eq!(parse_uuid(" 6695eb01f6a4830479aa97f2502e193f\n"), a);
        assert!(parse_uuid("xyz").is_none());
        assert!(parse_uuid("6695eb01f6a4830479aa97f2502e193f00").is_none());
    }

    // Texts observed from libvirt 9.0 through virsh / python3-libvirt.
    #[test]
    fn libvirt_errors() {
        let os = "<os><type>hvm</type></os>";
        let cases = [
            ("<network><name>n</name></network>", "27 XML error: expecting root element of 'domain', not 'network'".to_string()),
            ("<domain type='test'><memory>1</memory></domain>", "21 missing name information".into()),
            ("<domain type='test'><name>a</name><memory>1</memory></domain>", "27 XML error: an os <type> must be specified".into()),
            (&*format!("<domain type='test'><name>a</name><uuid>xyz</uuid>{os}<memory>1</memory></domain>"), "1 internal error: malformed uuid element".into()),
            (&*format!("<domain type='foo'><name>a</name>{os}<memory>1</memory></domain>"), "67 unsupported configuration: invalid domain type foo".into()),
            (&*format!("<domain><name>a</name>{os}<memory>1</memory></domain>"), "1 internal error: missing domain type attribute".into()),
            (&*format!("<domain type='test'><name>a</name>{os}<memory>abc</memory></domain>"), "27 XML error: Invalid value 'abc' for element or attribute './memory[1]'".into()),
            (&*format!("<domain type='test'><name>a</name>{os}<memory unit='foo'>1</memory></domain>"), "8 invalid argument: unknown suffix 'foo'".into()),
            (&*format!("<domain type='test'><name>a</name>{os}</domain>"), "27 XML error: Memory size must be specified via <memory> or in the <numa> configuration".into()),
            (&*format!("<domain type='test'><name>a</name>{os}<memory>1</memory><on_reboot>foo</on_reboot></domain>"), "67 unsupported configuration: unknown on_reboot action: foo".into()),
            (&*format!("<domain type='test'><name>a</name>{os}<memory>1</memory><vcpu>abc</vcpu></domain>"), "27 XML error: maximum vcpus count must be an integer".into()),
            (&*format!("<domain type='test'><name>a/b</name>{os}<memory>1</memory></domain>"), "27 XML error: name a/b cannot contain '/'".into()),
            ("<domain type='test'><name>a</name><os><type>foo</type></os><memory>1</memory></domain>", "67 unsupported configuration: unknown OS type 'foo'".into()),
            (&*format!("<domain type='test'><name>c</name>{os}<memory>1</memory><vcpu current='x'>2</vcpu></domain>"), "27 XML error: Invalid value for attribute 'current' in element 'vcpu': 'x'. Expected non-negative integer value".into()),
            (&*format!("<domain type='test'><name>c</name>{os}<memory>1</memory><on_poweroff>coredump-destroy</on_poweroff></domain>"), "67 unsupported configuration: Lifecycle event 'poweroff' doesn't support 'coredump-destroy' action".into()),
            (&*format!("<domain type='test'><name>e</name>{os}<memory>1</memory><devices><disk type='file'><source file='/a'/></disk></devices></domain>"), "20 missing target information for device /a".into()),
            (&*format!("<domain type='test'><name>c</name>{os}<memory unit='T'>9999999999</memory></domain>"), "82 numerical overflow: value too large: 9999999999T".into()),
        ];
        let mut bad = Vec::new();
        for (xml, want) in &cases {
            let got = code(xml);
            if &got != want {
                bad.push(format!("{xml}\n got {got}\nwant {want}"));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    #[test]
    fn era_0_2_spellings() {
        let xml = "<domain type='xen'><name>pv</name><uuid>4DEA22B31D52D8F32516782E98AB3FA0</uuid>\
            <bootloader>/usr/bin/pygrub</bootloader><os><type>linux</type><kernel>/k</kernel>\
            <initrd>/i</initrd><root>/dev/sda1</root><cmdline> ro</cmdline></os><memory>409600</memory>\
            <vcpu>2</vcpu><devices><console tty='/dev/pts/4'/><interface type='bridge'>\
            <source bridge='xenbr0'/><mac address='00:16:3e:00:00:01'/><script path='vif-bridge'/>\
            <ip address='192.0.2.1'/></interface><disk type='block' device='disk'><driver name='phy'/>\
            <source dev='/dev/sdb'/><target dev='xvda'/><shareable/></disk></devices></domain>";
        let def = match parse_domain(xml) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            def.uuid.map(|u| u.to_string()).as_deref(),
            Some("4dea22b3-1d52-d8f3-2516-782e98ab3fa0")
        );
        assert_eq!(def.memory, 409600);
        assert_eq!(def.os.os_type, "linux");
        assert_eq!(def.os.root.as_deref(), Some("/dev/sda1"));
        assert_eq!(def.bootloader.as_deref(), Some("/usr/bin/pygrub"));
        assert_eq!(def.devices.chardevs[0].tty.as_deref(), Some("/dev/pts/4"));
        let nic = &def.devices.interfaces[0];
        assert_eq!(nic.source_attr("bridge"), Some("xenbr0"));
        assert_eq!(nic.ip.as_deref(), Some("192.0.2.1"));
        assert_eq!(nic.script.as_deref(), Some("vif-bridge"));
        let disk = &def.devices.disks[0];
        assert_eq!(
            (
                disk.source.as_deref(),
                disk.driver_name.as_deref(),
                disk.shareable
            ),
            (Some("/dev/sdb"), Some("phy"), true)
        );
        let out = def.to_xml(&crate::FormatOptions::default());
        assert!(out.contains("    <console tty='/dev/pts/4'/>\n"), "{out}");
        assert!(out.contains("      <source dev='/dev/sdb'/>\n"), "{out}");
        // Formatting makes libvirt's implicit values explicit, then is stable.
        let again = parse_domain(&out).map(|d| d.to_xml(&crate::FormatOptions::default()));
        assert_eq!(again.ok(), Some(out));
    }
}
