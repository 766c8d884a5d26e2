//! What libvirt rewrites in `<os>` and `<sysinfo>` at define: boot
//! options, firmware features, the loader, the first `<nvram>`, SMBIOS
//! entries in libvirt's order.

use super::*;

/// The boot devices libvirt reads (`VIR_DOMAIN_BOOT_LAST`).
pub(super) const BOOT_DEVICES_MAX: usize = 4;

/// The boot options of an HVM guest as libvirt writes what it read
/// (virDomainDefParseBootXML): at most four boot devices; the first
/// `<bootmenu>` only with `enable`, its timeout only when enabled; the
/// first `<bios>` with the serial console choice (an unreadable one is
/// "no") and the reboot timeout, only when one is set. With a bootloader
/// none of them is written. Another guest's boot devices, menu, BIOS
/// and ACPI tables are not read at all (virDomainDefParseBootOptions
/// reads them for HVM only), so they are dropped unchecked.
pub(super) fn boot_options(def: &mut DomainDef) {
    if def.os.os_type != "hvm" {
        def.os.boot.clear();
        def.os
            .extra
            .retain(|e| !matches!(e.name.as_str(), "boot" | "bootmenu" | "bios" | "acpi"));
        // Nor, but for Xen and UML guests, the loader and NVRAM
        // (virDomainDefParseBootLoaderOptions).
        let xen_linux = def.os.os_type == "linux" && def.domain_type == "xen";
        if !(matches!(def.os.os_type.as_str(), "xen" | "xenpvh" | "uml") || xen_linux) {
            def.os.loader = None;
            def.os
                .extra
                .retain(|e| !matches!(e.name.as_str(), "loader" | "nvram"));
        }
        return;
    }
    def.os.boot.truncate(BOOT_DEVICES_MAX);
    let bootloader = def.bootloader.is_some();
    if bootloader {
        def.os.boot.clear();
    }
    let (mut first_menu, mut first_bios) = (true, true);
    def.os.extra.retain_mut(|e| match e.name.as_str() {
        "bootmenu" => {
            if !std::mem::take(&mut first_menu) || bootloader {
                return false;
            }
            let Some(enable) = e.attr("enable").filter(|v| matches!(*v, "yes" | "no")) else {
                return false;
            };
            let mut menu = Element::new("bootmenu").with_attr("enable", enable);
            if enable == "yes" {
                if let Some(t) = e.attr("timeout").and_then(|t| t.trim().parse::<u32>().ok()) {
                    menu = menu.with_attr("timeout", t.to_string());
                }
            }
            *e = menu;
            true
        }
        "bios" => {
            if !std::mem::take(&mut first_bios) || bootloader {
                return false;
            }
            let serial = e
                .attr("useserial")
                .map(|v| if v == "yes" { "yes" } else { "no" });
            let reboot = e
                .attr("rebootTimeout")
                .and_then(|t| t.trim().parse::<i32>().ok());
            if serial.is_none() && reboot.is_none() {
                return false;
            }
            let mut bios = Element::new("bios");
            if let Some(s) = serial {
                bios = bios.with_attr("useserial", s);
            }
            if let Some(r) = reboot {
                bios = bios.with_attr("rebootTimeout", r.to_string());
            }
            *e = bios;
            true
        }
        _ => true,
    });
}

/// libvirt's firmware features (`virDomainOsDefFirmwareFeature`), in its
/// order.
pub(super) const FIRMWARE_FEATURES: &[&str] = &["enrolled-keys", "secure-boot"];

/// The firmware features as libvirt reads them
/// (virDomainDefParseBootFirmwareOptions): `./os/firmware/feature`, across
/// every `<firmware>`, the last word on a feature counting; `None` when a
/// feature does not read (the definition is refused then).
pub(super) fn read_firmware_features(def: &DomainDef) -> Option<[Option<&str>; 2]> {
    let mut states = [None; 2];
    for firmware in def.os.extra.iter().filter(|e| e.name == "firmware") {
        for f in firmware.children_named("feature") {
            let at = FIRMWARE_FEATURES
                .iter()
                .position(|n| Some(*n) == f.attr("name"))?;
            states[at] = Some(f.attr("enabled").filter(|v| matches!(*v, "yes" | "no"))?);
        }
    }
    Some(states)
}

/// `<os><firmware>` as libvirt writes what it read: one element, each
/// feature once in libvirt's order; enrolled keys imply secure boot
/// (virDomainDefPostParseOs).
pub(super) fn firmware_features(def: &mut DomainDef) {
    // Most guests have none: nothing to make.
    if !def.os.extra.iter().any(|e| e.name == "firmware") {
        return;
    }
    let Some(mut states) = read_firmware_features(def) else {
        return;
    };
    if states[0] == Some("yes") {
        states[1] = Some("yes");
    }
    let mut out = Element::new("firmware");
    for (name, state) in FIRMWARE_FEATURES.iter().zip(states) {
        if let Some(state) = state {
            let feature = Element::new("feature")
                .with_attr("enabled", state)
                .with_attr("name", *name);
            out = out.with_child(feature);
        }
    }
    // The first `<firmware>` becomes `out` (moved, not copied), when it
    // has a feature; the others go.
    let mut out = Some(out).filter(|o| !o.children.is_empty());
    let mut first = true;
    def.os.extra.retain_mut(|e| {
        if e.name != "firmware" {
            return true;
        }
        if !std::mem::take(&mut first) {
            return false;
        }
        match out.take() {
            Some(o) => {
                *e = o;
                true
            }
            None => false,
        }
    });
}

/// The `<os>` parts libvirt reads from their first copy (all copies of
/// `<os>` taken together): `string(./os/dtb[1])` (an empty one is none)
/// and `string(./os/smbios/@mode)` (the first `<smbios>` with a mode),
/// written back as `<dtb>` text and `<smbios mode=...>`.
pub(super) fn first_os_parts(def: &mut DomainDef) {
    let (mut first_dtb, mut first_smbios) = (true, true);
    let hvm = def.os.os_type == "hvm";
    def.os.extra.retain_mut(|e| match e.name.as_str() {
        "dtb" => {
            let text = crate::validate::string_value(e);
            if !std::mem::take(&mut first_dtb) || text.is_empty() {
                return false;
            }
            *e = Element::new("dtb").with_text(text);
            true
        }
        // virDomainDefParseBootAcpiOptions: the SLIC table's path as
        // virFileSanitizePath cleans it.
        "acpi" if hvm => {
            for n in &mut e.children {
                if let Node::Element(t) = n {
                    if t.name == "table" && t.attr("type") == Some("slic") {
                        let path = crate::devinfo::sanitized_path(&t.text());
                        if path.is_empty() {
                            // virBufferEscapeString writes an empty path
                            // between the tags.
                            t.children = vec![Node::Text(String::new())];
                        } else if path != t.text() {
                            t.set_text(path);
                        }
                    }
                }
            }
            true
        }
        "smbios" => {
            let Some(mode) = e.attr("mode").map(str::to_string) else {
                return false;
            };
            // `string(./os/smbios/@mode)`: the first mode given, none
            // when empty.
            if !std::mem::take(&mut first_smbios) || mode.is_empty() {
                return false;
            }
            *e = Element::new("smbios").with_attr("mode", mode);
            true
        }
        _ => true,
    });
}

/// The boot loader of a guest whose loader libvirt reads (HVM, Xen, UML)
/// as it writes it back: readonly, secure, type (rom when a path is given
/// without one) and stateless, in that order, around the path.
pub(super) fn loader(def: &mut DomainDef) {
    if !matches!(def.os.os_type.as_str(), "hvm" | "xen" | "xenpvh" | "uml") {
        return;
    }
    nvram(def);
    let given = def.os.extra.iter().find(|e| e.name == "loader");
    if given.is_none() && def.os.loader.as_deref().is_none_or(str::is_empty) {
        // Nothing to write (the common case): no element to build.
        def.os.loader = None;
        return;
    }
    let path = def.os.loader.clone().filter(|p| !p.is_empty());
    let attr = |n: &str| given.and_then(|e| e.attr(n)).map(str::to_string);
    let mut out = Element::new("loader");
    for name in ["readonly", "secure", "type", "stateless"] {
        let value = match (name, attr(name)) {
            ("type", None) if path.is_some() => Some("rom".to_string()),
            (_, v) => v,
        };
        if let Some(v) = value {
            out = out.with_attr(name, v);
        }
    }
    if out.attrs.is_empty() {
        def.os.extra.retain(|e| e.name != "loader");
        if path.is_none() {
            def.os.loader = None;
        }
        return;
    }
    if path.is_none() {
        // Written without a path only where firmware autoselection
        // stands for it: left as given.
        return;
    }
    match def.os.extra.iter_mut().find(|e| e.name == "loader") {
        Some(e) => *e = out,
        None => def.os.extra.push(out),
    }
}

/// The entries of the SMBIOS sections libvirt reads by name, in the order
/// it writes them (virSysinfoBIOSFormat, ...SystemFormat, ...BaseBoardFormat,
/// ...ChassisFormat).
pub(super) const SYSINFO_ENTRIES: &[(&str, &[&str])] = &[
    ("bios", &["vendor", "version", "date", "release"]),
    (
        "system",
        &[
            "manufacturer",
            "product",
            "version",
            "serial",
            "uuid",
            "sku",
            "family",
        ],
    ),
    (
        "baseBoard",
        &[
            "manufacturer",
            "product",
            "version",
            "serial",
            "asset",
            "location",
        ],
    ),
    (
        "chassis",
        &["manufacturer", "version", "serial", "asset", "sku"],
    ),
];

/// `<sysinfo type='smbios'>` as libvirt writes what it read
/// (virSysinfoParseSMBIOSDef, virSysinfoFormatSMBIOS): the first `<bios>`,
/// `<system>` and `<chassis>` and every `<baseBoard>`, each with its named
/// entries once (`string(entry[@name='...'])`: the first such entry, an
/// empty one is none) in libvirt's order, and not at all when none is
/// set; the first `<oemStrings>` with all its entries. Nothing else is
/// read.
pub(super) fn sysinfo(def: &mut DomainDef) {
    for info in def
        .extra
        .iter_mut()
        .filter(|e| e.name == "sysinfo" && e.attr("type") == Some("smbios"))
    {
        *info = smbios_as_written(info);
    }
    // virSysinfoFormatFWCfg: an entry with a file is written without its
    // value (virSysinfoParseFWCfgDef keeps both; the file wins).
    let fw_cfgs = def
        .extra
        .iter_mut()
        .filter(|e| e.name == "sysinfo" && e.attr("type") == Some("fwcfg"));
    for entry in fw_cfgs.flat_map(|s| s.children.iter_mut()) {
        if let Node::Element(e) = entry {
            if e.name == "entry" && e.attr("file").is_some() && !e.children.is_empty() {
                e.children.clear();
            }
        }
    }
    // virSysinfoSystemParseXML: a domain given without a UUID takes the
    // SMBIOS system UUID (each sysinfo giving one in turn: the last).
    if def.uuid.is_none() {
        def.uuid = def
            .extra
            .iter()
            .filter(|e| e.name == "sysinfo" && e.attr("type") == Some("smbios"))
            .filter_map(|s| s.child("system"))
            .flat_map(|s| s.children_named("entry"))
            .filter(|e| e.attr("name") == Some("uuid"))
            .filter_map(|e| crate::parse_uuid(&e.text()))
            .last();
    }
}

fn smbios_as_written(info: &Element) -> Element {
    let mut out = Element::new("sysinfo").with_attr("type", "smbios");
    for (section, names) in SYSINFO_ENTRIES {
        let read: Vec<&Element> = match *section {
            "baseBoard" => info.children_named(section).collect(),
            _ => info.child(section).into_iter().collect(),
        };
        for given in read {
            let mut written = Element::new(*section);
            for name in *names {
                let value = given
                    .children_named("entry")
                    .find(|e| e.attr("name") == Some(*name))
                    .map(crate::validate::string_value)
                    .filter(|v| !v.is_empty());
                let Some(mut value) = value else { continue };
                if *name == "uuid" {
                    // Written as libvirt formats the UUID it parsed (a
                    // malformed one is refused when read).
                    if let Some(u) = crate::parse_uuid(&value) {
                        value = u.to_string();
                    }
                }
                let entry = Element::new("entry")
                    .with_attr("name", *name)
                    .with_text(value);
                written = written.with_child(entry);
            }
            if !written.children.is_empty() {
                out = out.with_child(written);
            }
        }
        if *section == "chassis" {
            // `./oemStrings[1]`, written after the chassis.
            if let Some(oem) = info.child("oemStrings") {
                let entries: Vec<Element> = oem
                    .children_named("entry")
                    .map(|e| {
                        // virSysinfoOEMStringsFormat writes an empty
                        // string as <entry></entry>: the end tag kept.
                        let mut entry = Element::new("entry");
                        entry.children = vec![Node::Text(crate::validate::string_value(e))];
                        entry
                    })
                    .collect();
                if !entries.is_empty() {
                    let mut written = Element::new("oemStrings");
                    written.children = entries.into_iter().map(Node::Element).collect();
                    out = out.with_child(written);
                }
            }
        }
    }
    out
}

/// The first `<os><nvram>` as libvirt writes what it read
/// (virDomainLoaderDefParseXMLNvram, virDomainLoaderDefFormatNvram): the
/// template, then a storage type with its `<source>`, or else the path
/// (the text); one with neither a template nor a path is not written,
/// and later ones are not read.
pub(super) fn nvram(def: &mut DomainDef) {
    // `./os/nvram/source[1]`: the first source of any `<nvram>`.
    let source = def
        .os
        .extra
        .iter()
        .filter(|e| e.name == "nvram")
        .find_map(|e| e.child("source"))
        .cloned();
    let mut first = true;
    def.os.extra.retain_mut(|e| {
        if e.name != "nvram" {
            return true;
        }
        if !std::mem::take(&mut first) {
            return false;
        }
        let template = e.attr("template").map(str::to_string);
        let mut out = Element::new("nvram");
        if let Some(t) = &template {
            out = out.with_attr("template", t.as_str());
        }
        match e.attr("type") {
            Some(t) => {
                out = out.with_attr("type", t);
                // An empty source is not written (virXMLFormatElement).
                let written = source
                    .as_ref()
                    .map(|s| super::storage_source::written_source(t, s, 8))
                    .filter(|s| !s.attrs.is_empty() || !s.children.is_empty());
                if let Some(s) = written {
                    out.children = vec![Node::Element(s)];
                }
            }
            None => {
                let path = crate::validate::string_value(e);
                if path.is_empty() && template.is_none() {
                    return false;
                }
                if !path.is_empty() {
                    out.children = vec![Node::Text(path)];
                }
            }
        }
        *e = out;
        true
    });
}

#[cfg(test)]
mod tests {
    /// The `<os>` of a guest other than HVM as virsh 9.0 dumps it: its
    /// boot devices, menu, BIOS, ACPI tables and firmware autoselection
    /// are not read, bad values included (an HVM guest's are).
    #[test]
    fn boot_options_are_an_hvm_guests_only() {
        let dump = |os_type: &str, parts: &str| {
            let def = crate::parse_domain(&format!(
                "<domain type='test'><name>o</name><memory>1024</memory>\
                 <os firmware='efi'><type>{os_type}</type>{parts}</os></domain>"
            ))
            .map_err(|e| e.to_string())?;
            let xml = def.to_xml(&crate::FormatOptions {
                inactive: true,
                ..crate::FormatOptions::default()
            });
            let at = xml.find("<os").unwrap_or(0);
            let end = xml.find("</os>").unwrap_or(xml.len());
            Ok::<String, String>(
                xml[at..end]
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        };
        let parts = "<boot dev='bogus'/><bootmenu enable='yes' timeout='x'/>\
                     <bios useserial='bogus' rebootTimeout='99999'/>\
                     <acpi><table type='bogus'>/x</table></acpi><loader type='rom'>/x</loader>";
        for os_type in ["xen", "xenpvh", "uml"] {
            assert_eq!(
                dump(os_type, parts),
                Ok(format!(
                    "<os> <type>{os_type}</type> <loader type='rom'>/x</loader>"
                )),
                "{os_type}"
            );
        }
        // A `linux` guest (outside Xen) has no loader or NVRAM read
        // either, so none is checked.
        assert_eq!(
            dump("linux", &format!("{parts}<nvram>/n</nvram>")),
            Ok("<os> <type>linux</type>".to_string())
        );
        assert_eq!(
            dump("linux", "<loader readonly='yes'/><nvram>/n</nvram>"),
            Ok("<os> <type>linux</type>".to_string())
        );
        assert!(dump("hvm", "<boot dev='hd'/>").is_ok_and(|os| os.contains("firmware='efi'")));
        assert_eq!(
            dump("hvm", "<loader type='rom'>/x</loader>"),
            Err(
                "loader attribute 'type' cannot be specified when firmware autoselection \
                 is enabled"
                    .into()
            )
        );
    }
}

#[cfg(test)]
mod sysinfo_probes {
    fn define(sysinfo: &str) -> String {
        let xml = format!(
            "<domain type='test'><name>s</name><memory>1024</memory><os><type>hvm</type></os>{sysinfo}</domain>"
        );
        match crate::parse_domain(&xml) {
            Ok(def) => def.to_xml(&crate::FormatOptions::default()),
            Err(e) => e.to_string(),
        }
    }

    /// virSysinfoParseXML: the type required; a section's entry without
    /// a name is none (read by name); a firmware entry with a file is
    /// written without its value (as virsh 9.0 takes them).
    #[test]
    fn sysinfo_read_and_written_as_libvirt_does() {
        assert_eq!(
            define("<sysinfo/>"),
            "XML error: Missing required attribute 'type' in element 'sysinfo'"
        );
        assert!(
            !define("<sysinfo type='smbios'><bios><entry>v</entry></bios></sysinfo>")
                .contains("<bios>")
        );
        assert!(
            define("<sysinfo type='fwcfg'><entry name='opt/x' file='/f'>v</entry></sysinfo>")
                .contains("<entry name='opt/x' file='/f'/>")
        );
    }
}
