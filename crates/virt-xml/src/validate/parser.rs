//! The checks libvirt's parser makes while it reads a definition
//! (virDomainDefParseXML): ids, seclabels, NUMA tuning, the clock, boot
//! options, vCPUs, `<cputune>`, hugepages, the guest CPU and SMBIOS, with
//! the C number readers they share.

use super::*;

/// virDomainDefParseIDs: the generation id once, empty (generated) or a
/// UUID.
pub(super) fn check_genid(def: &DomainDef) -> Result<(), XmlError> {
    let mut genids = top(def, "genid");
    if let Some(genid) = genids.next() {
        if genids.next().is_some() {
            return Err(XmlError::Invalid(
                "element 'genid' can only appear once".into(),
            ));
        }
        let text = genid.text();
        if !text.is_empty() && crate::parse_uuid(&text).is_none() {
            return Err(XmlError::Internal("malformed genid element".into()));
        }
    }
    Ok(())
}

/// The guest NUMA cells' CPUs against the vCPU count (after
/// virDomainNumaDefParseXML): no more CPUs than vCPUs, and no CPU id at
/// or beyond the count (with no cells the highest id is 0, so a count of
/// 0 is refused here).
pub(super) fn check_numa_vcpus(def: &DomainDef, numa: Option<&GuestNuma>) -> Result<(), XmlError> {
    let sets: Vec<&Vec<(u64, u64)>> = numa
        .into_iter()
        .flat_map(|n| n.cells.iter())
        .filter_map(|cell| cell.cpus.as_ref())
        .collect();
    let max = u64::from(def.vcpu.max);
    let count: u64 = sets
        .iter()
        .copied()
        .flatten()
        .map(|(lo, hi)| hi - lo + 1)
        .sum();
    if count > max {
        return Err(XmlError::Internal(
            "Number of CPUs in <numa> exceeds the <vcpu> count".into(),
        ));
    }
    let highest = sets
        .iter()
        .filter_map(|s| s.last().map(|&(_, hi)| hi))
        .max()
        .unwrap_or(0);
    if highest >= max {
        return Err(XmlError::Internal(
            "CPU IDs in <numa> exceed the <vcpu> count".into(),
        ));
    }
    Ok(())
}

/// virDomainNumatuneParseXML: one `<numatune>`; the first `<memory>`'s
/// mode, placement and node set, then what they settle to; the
/// `<memnode>`s.
pub(super) fn check_numatune(
    def: &DomainDef,
    nodeset: &dyn Fn(&str) -> XmlError,
) -> Result<(), XmlError> {
    if top(def, "numatune").nth(1).is_some() {
        return Err(XmlError::Invalid("only one numatune is supported".into()));
    }
    if let Some(memory) = top(def, "numatune").next().and_then(|n| n.child("memory")) {
        if let Some(mode) = memory.attr("mode") {
            if !matches!(mode, "strict" | "preferred" | "interleave" | "restrictive") {
                return Err(XmlError::Unsupported(format!(
                    "Unsupported NUMA memory tuning mode '{mode}'"
                )));
            }
        }
        if let Some(placement) = memory.attr("placement") {
            if !matches!(placement, "default" | "static" | "auto") {
                return Err(XmlError::Unsupported(format!(
                    "Unsupported NUMA memory placement mode '{placement}'"
                )));
            }
        }
        check_set(memory.attr("nodeset"), Some(nodeset))?;
    }
    if let Some(memory) = numatune_memory(def) {
        if memory.placement == "static" && memory.nodeset.is_none() {
            return Err(XmlError::Unsupported(
                "nodeset for NUMA memory tuning must be set if 'placement' is 'static'".into(),
            ));
        }
    }
    if let Some(numatune) = top(def, "numatune").next() {
        for memory in numatune.children_named("memory") {
            check_set(memory.attr("nodeset"), Some(nodeset))?;
        }
        check_memnodes(def, numatune, nodeset)?;
    }
    Ok(())
}

/// virDomainNumatuneNodeParseXML: each `<memnode>` names an existing guest
/// cell once, with a mode (restrictive when the memory's is) and a node
/// set; none with automatic memory placement.
fn check_memnodes(
    def: &DomainDef,
    numatune: &Element,
    nodeset: &dyn Fn(&str) -> XmlError,
) -> Result<(), XmlError> {
    let memnodes: Vec<&Element> = numatune.children_named("memnode").collect();
    if memnodes.is_empty() {
        return Ok(());
    }
    let memory = numatune_memory(def);
    if memory.as_ref().is_some_and(|m| m.placement == "auto") {
        return Err(XmlError::Unsupported(
            "Per-node binding is not compatible with automatic NUMA placement.".into(),
        ));
    }
    let cells = match read_guest_numa(def) {
        Ok(Some(numa)) => numa.cells.len(),
        _ => 0,
    };
    if cells == 0 {
        return Err(XmlError::Invalid(
            "Element 'memnode' is invalid without any guest NUMA cells".into(),
        ));
    }
    let restrictive = memory.is_some_and(|m| m.mode == "restrictive");
    let mut seen: Vec<u32> = Vec::new();
    for memnode in memnodes {
        let Some(text) = memnode.attr("cellid") else {
            return Err(missing_attr(memnode, "cellid"));
        };
        let cellid = c_uint(text, 10).ok_or_else(|| XmlError::NotUnsigned {
            attr: "cellid".into(),
            element: "memnode".into(),
            value: text.into(),
        })?;
        if cellid as usize >= cells {
            return Err(XmlError::Invalid(
                "Argument 'cellid' in memnode element must correspond to existing \
                 guest's NUMA cell"
                    .into(),
            ));
        }
        if seen.contains(&cellid) {
            return Err(XmlError::Invalid(format!(
                "Multiple memnode elements with cellid {cellid}"
            )));
        }
        let mode = memnode.attr("mode").unwrap_or("strict");
        if !matches!(mode, "strict" | "preferred" | "interleave" | "restrictive") {
            return Err(XmlError::Invalid(format!(
                "Invalid value for attribute 'mode' in element 'memnode': '{mode}'."
            )));
        }
        if restrictive && mode != "restrictive" {
            return Err(XmlError::Invalid(
                "'restrictive' mode is required in memnode element when mode is \
                 'restrictive' in memory element"
                    .into(),
            ));
        }
        if memnode.attr("nodeset").is_none() {
            return Err(XmlError::Invalid(
                "Missing required nodeset attribute in memnode element".into(),
            ));
        }
        check_set(memnode.attr("nodeset"), Some(nodeset))?;
        seen.push(cellid);
    }
    Ok(())
}

/// virDomainResourceDefParse: one `<resource>`; one that gives neither a
/// partition nor a Fibre Channel appid is refused, without a message.
pub(super) fn check_resource(def: &DomainDef) -> Result<(), XmlError> {
    let mut resources = top(def, "resource");
    let Some(resource) = resources.next() else {
        return Ok(());
    };
    if resources.next().is_some() {
        return Err(XmlError::Invalid(
            "only one resource element is supported".into(),
        ));
    }
    let (partition, appid) = resource_parts(resource);
    if partition.is_none() && appid.is_none() {
        return Err(no_cause(
            "<resource> has neither a <partition> nor a <fibrechannel appid>",
        ));
    }
    Ok(())
}

/// virDomainDefResourceValidate, the first of virDomainDefValidateInternal:
/// a Fibre Channel appid is printable ASCII, 1 to 128 bytes.
pub(crate) fn check_resource_appid(def: &DomainDef) -> Result<(), XmlError> {
    let Some(appid) = top(def, "resource")
        .next()
        .and_then(|r| resource_parts(r).1)
    else {
        return Ok(());
    };
    if !appid.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(XmlError::Invalid(
            "Fibre Channel 'appid' is not a printable string".into(),
        ));
    }
    if !(1..=128).contains(&appid.len()) {
        return Err(XmlError::InvalidArg(
            "Fibre Channel 'appid' string length must be between [1, 128]".into(),
        ));
    }
    Ok(())
}

/// virDomainIdmapDefParseXML: every `<uid>` of any `<idmap>`, then every
/// `<gid>`, has a start, target and count libvirt reads as unsigned ints
/// (`virXPathUInt` of the attribute's string: none or an empty one is
/// refused too).
pub(super) fn check_idmap_ranges(def: &DomainDef) -> Result<(), XmlError> {
    for kind in ["uid", "gid"] {
        let ranges = top(def, "idmap").flat_map(|m| m.children_named(kind));
        for range in ranges {
            let unsigned = |attr: &str| {
                range
                    .attr(attr)
                    .and_then(|v| crate::devinfo::c_unsigned(v, 10))
                    .is_some_and(|n| u32::try_from(n).is_ok())
            };
            if !["start", "target", "count"].iter().all(|a| unsigned(a)) {
                return Err(XmlError::Invalid(
                    "invalid idmap start/target/count settings".into(),
                ));
            }
        }
    }
    Ok(())
}

/// What libvirt reads of a `<resource>`: `string(./partition)` and
/// `string(./fibrechannel/@appid)` (the first Fibre Channel element with
/// an appid), an empty one being none.
pub(crate) fn resource_parts(resource: &Element) -> (Option<String>, Option<&str>) {
    let partition = resource
        .child("partition")
        .map(string_value)
        .filter(|p| !p.is_empty());
    let appid = resource
        .children_named("fibrechannel")
        .find_map(|f| f.attr("appid"))
        .filter(|a| !a.is_empty());
    (partition, appid)
}

/// virDomainDefClockParse: what each offset needs.
pub(super) fn check_clock(def: &DomainDef) -> Result<(), XmlError> {
    let Some(clock) = top(def, "clock").next() else {
        return Ok(());
    };
    // `string(./clock/@offset)`: an empty one is none (utc).
    match clock.attr("offset").filter(|o| !o.is_empty()) {
        None | Some("utc" | "localtime")
            // `string(./clock/@adjustment)`: an empty one is none.
            if clock
                .attr("adjustment")
                .is_some_and(|a| !a.is_empty() && a != "reset" && c_long(a, true).is_none()) =>
        {
            Err(XmlError::Invalid(format!(
                "unknown clock adjustment '{}'",
                clock.attr("adjustment").unwrap_or_default()
            )))
        }
        // `string(./clock/@basis)`: an empty one is none (utc).
        Some("variable")
            if clock
                .attr("basis")
                .is_some_and(|b| !matches!(b, "" | "utc" | "localtime")) =>
        {
            Err(XmlError::Unsupported(format!(
                "unknown clock basis '{}'",
                clock.attr("basis").unwrap_or_default()
            )))
        }
        // `string(./clock/@timezone)`: an empty one is none.
        Some("timezone") if clock.attr("timezone").is_none_or(str::is_empty) => Err(XmlError::Internal(
            "missing 'timezone' attribute for clock with offset='timezone'".into(),
        )),
        Some("absolute")
            if clock
                .attr("start")
                .is_none_or(|s| s.trim().parse::<u64>().is_err()) =>
        {
            Err(XmlError::Internal(
                "missing 'start' attribute for clock with offset='absolute'".into(),
            ))
        }
        _ => Ok(()),
    }
}

/// virDomainDefParseBootOptions: the firmware, an NVRAM's storage type.
pub(super) fn check_boot(def: &DomainDef) -> Result<(), XmlError> {
    // virDomainDefParseBootFirmwareOptions: the firmware features
    // (`./os/firmware/feature`) only with a firmware to select (Debian's
    // 9.0 ignores them without one, for migrations from 8.6 to 9.1), each
    // a known name and a yes/no state, then the firmware.
    if let Some(fw) = firmware(def).filter(|_| def.os.os_type == "hvm") {
        let features = def.os.extra.iter().filter(|e| e.name == "firmware");
        for f in features.flat_map(|e| e.children_named("feature")) {
            match f.attr("name") {
                None => return Err(missing_attr(f, "name")),
                Some("enrolled-keys" | "secure-boot") => {}
                Some(n) => {
                    return Err(XmlError::Invalid(format!(
                        "Invalid value for attribute 'name' in element 'feature': '{n}'."
                    )))
                }
            }
            match f.attr("enabled") {
                None => return Err(missing_attr(f, "enabled")),
                Some("yes" | "no") => {}
                Some(v) => {
                    return Err(XmlError::Invalid(format!(
                        "Invalid value for attribute 'enabled' in element 'feature': '{v}'."
                    )))
                }
            }
        }
        if fw != "bios" && fw != "efi" {
            return Err(XmlError::Invalid(format!("unknown firmware value {fw}")));
        }
    }
    // virDomainLoaderDefParseXMLNvram (boot loaders of HVM, Xen and UML
    // guests): an <nvram> with a storage type needs its <source>, else it
    // is refused without a message.
    if matches!(def.os.os_type.as_str(), "hvm" | "xen" | "xenpvh" | "uml") {
        if let Some(nvram) = def.os.extra.iter().find(|e| e.name == "nvram") {
            if let Some(t) = nvram.attr("type") {
                if !STORAGE_TYPES.contains(&t) {
                    return Err(XmlError::Invalid(format!(
                        "Invalid value for attribute 'type' in element 'nvram': '{t}'."
                    )));
                }
                // `./os/nvram/source[1]`.
                let Some(source) = nvram.child("source") else {
                    return Err(no_cause("<nvram type=...> without <source>"));
                };
                super::check_storage_source(t, source)?;
            }
        }
    }
    // virDomainDefParseBootInitOptions (exe guests): every <initarg> has
    // text (its first child), then every <initenv> a name and text.
    if def.os.os_type == "exe" {
        let first_text = |e: &Element| matches!(e.children.first(), Some(crate::Node::Text(_)));
        let init = |name: &'static str| def.os.extra.iter().filter(move |e| e.name == name);
        if init("initarg").any(|a| !first_text(a)) {
            return Err(XmlError::Invalid(
                "No data supplied for <initarg> element".into(),
            ));
        }
        for env in init("initenv") {
            let Some(name) = env.attr("name") else {
                return Err(XmlError::Invalid(
                    "No name supplied for <initenv> element".into(),
                ));
            };
            if !first_text(env) {
                return Err(XmlError::Invalid(format!(
                    "No value supplied for <initenv name='{name}'> element"
                )));
            }
        }
    }
    // virDomainDefParseBootAcpiOptions (HVM guests): one table in all,
    // a SLIC table.
    if def.os.os_type == "hvm" {
        let mut tables = def
            .os
            .extra
            .iter()
            .filter(|e| e.name == "acpi")
            .flat_map(|a| a.children_named("table"));
        if let Some(table) = tables.next() {
            if tables.next().is_some() {
                return Err(XmlError::Invalid("Only one acpi table is supported".into()));
            }
            match table.attr("type") {
                None => return Err(XmlError::Invalid("Missing acpi table type".into())),
                Some("slic") => {}
                Some(t) => return Err(XmlError::Invalid(format!("Unknown acpi table type: {t}"))),
            }
        }
    }
    Ok(())
}

/// virDomainDefParseBootXML (HVM guests), after the loader and the ACPI
/// tables, before the boot menu: the first four `<boot>`s
/// (`VIR_DOMAIN_BOOT_LAST`) each name a device libvirt knows. (The model
/// keeps the plain `<boot dev=>`s apart from the others: they are taken
/// first.)
pub(crate) fn check_boot_devices(def: &DomainDef) -> Result<(), XmlError> {
    if def.os.os_type != "hvm" {
        return Ok(());
    }
    let plain = def.os.boot.iter().map(|d| Some(d.as_str()));
    // A Xen guest may name its boot device the 0.2-era way, as the text
    // of <boot> (libvirt 0.2's Xen driver wrote and read that form).
    let legacy =
        |b: &Element| def.domain_type == "xen" && b.attr("dev").is_none() && !b.text().is_empty();
    let others = def
        .os
        .extra
        .iter()
        .filter(|e| e.name == "boot" && !legacy(e))
        .map(|b| b.attr("dev"));
    for dev in plain.chain(others).take(4) {
        match dev {
            None => {
                return Err(XmlError::Invalid(
                    "Missing required attribute 'dev' in element 'boot'".into(),
                ))
            }
            Some("fd" | "cdrom" | "hd" | "network") => {}
            Some(d) => {
                return Err(XmlError::Invalid(format!(
                    "Invalid value for attribute 'dev' in element 'boot': '{d}'."
                )))
            }
        }
    }
    Ok(())
}

/// libvirt's storage types (`virStorageType`, without "none"'s zero:
/// `virXMLPropEnum` without NONZERO takes it).
pub(crate) const STORAGE_TYPES: &[&str] = &[
    "none",
    "file",
    "block",
    "dir",
    "network",
    "volume",
    "nvme",
    "vhostuser",
];

/// libvirt's text for a refusal raised without a message of its own
/// (`virErrorGenericFailure`: VIR_ERR_INTERNAL_ERROR, from no part of
/// libvirt); `why` says what libvirt 9.0 refused.
pub(crate) fn no_cause(why: &str) -> XmlError {
    XmlError::Refused {
        code: ErrorCode::InternalError,
        domain: ErrorDomain::None,
        message: format!("An error occurred, but the cause is unknown: {why}"),
    }
}

/// XPath's `string()` of an element: all the text inside it.
pub(crate) fn string_value(e: &Element) -> String {
    let mut out = String::new();
    for n in &e.children {
        match n {
            crate::Node::Text(t) => out.push_str(t),
            crate::Node::Element(c) => out.push_str(&string_value(c)),
        }
    }
    out
}

/// A domain `<seclabel>` as libvirt 9.0 reads it for an inactive
/// definition (virSecurityLabelDefParseXML).
pub(crate) struct SecLabel {
    /// `type=`; `None` is libvirt's "default" type, which it does not
    /// write back at all.
    pub(crate) label_type: Option<&'static str>,
    /// `model=`.
    pub(crate) model: Option<String>,
    /// Whether resources are relabelled.
    pub(crate) relabel: bool,
    /// `<label>` (read for static labels only).
    pub(crate) label: Option<String>,
    /// `<baselabel>` (read for dynamic labels only).
    pub(crate) baselabel: Option<String>,
}

/// libvirt's `VIR_SECURITY_MODEL_BUFLEN` and `VIR_SECURITY_LABEL_BUFLEN`,
/// less the terminating NUL: longer models are dropped, longer labels refused.
pub(super) const SECURITY_MODEL_MAX: usize = 256;
pub(super) const SECURITY_LABEL_MAX: usize = 4096;

/// Read one `<seclabel>` of the domain as libvirt does.
pub(crate) fn read_seclabel(e: &Element) -> Result<SecLabel, XmlError> {
    let model = e
        .attr("model")
        .filter(|m| m.len() <= SECURITY_MODEL_MAX)
        .map(str::to_string);
    let invalid = |attr: &str, v: &str| {
        XmlError::Invalid(format!(
            "Invalid value for attribute '{attr}' in element 'seclabel': '{v}'."
        ))
    };
    let label_type = match e.attr("type") {
        None => None,
        Some("dynamic") => Some("dynamic"),
        Some("static") => Some("static"),
        Some("none") => Some("none"),
        Some(v) => return Err(invalid("type", v)),
    };
    let mut relabel = !matches!(label_type, Some("static" | "none"));
    match e.attr("relabel") {
        None => {}
        Some("yes") => relabel = true,
        Some("no") => relabel = false,
        Some(v) => return Err(invalid("relabel", v)),
    }
    if label_type == Some("dynamic") && !relabel {
        return Err(XmlError::Unsupported(
            "dynamic label type must use resource relabeling".into(),
        ));
    }
    if label_type == Some("none") && relabel {
        return Err(XmlError::Unsupported(
            "resource relabeling is not compatible with 'none' label type".into(),
        ));
    }
    let mut label = SecLabel {
        label_type,
        model,
        relabel,
        label: None,
        baselabel: None,
    };
    // An inactive definition: model 'none' means no labelling at all.
    if label.model.as_deref() == Some("none") {
        label.label_type = Some("none");
        label.relabel = false;
        return Ok(label);
    }
    let first = |name: &str| e.child(name).map(string_value).filter(|t| !t.is_empty());
    match label.label_type {
        Some("static") => match first("label") {
            Some(l) if l.len() <= SECURITY_LABEL_MAX => label.label = Some(l),
            _ => return Err(XmlError::Invalid("security label is missing".into())),
        },
        Some("dynamic") => {
            label.baselabel = first("baselabel").filter(|b| b.len() <= SECURITY_LABEL_MAX)
        }
        _ => {}
    }
    Ok(label)
}

/// virSecurityDeviceLabelDefParseXML for an inactive definition: the
/// `<seclabel>` overrides of a storage source or a character device's
/// source (`node`), each model once, `relabel` yes or no (yes when
/// absent), and no label (`string(./label)`, kept up to
/// VIR_SECURITY_LABEL_BUFLEN - 1 bytes) when relabelling is off.
pub(crate) fn check_device_seclabels(node: &Element) -> Result<(), XmlError> {
    let mut models: Vec<&str> = Vec::new();
    for e in node.children_named("seclabel") {
        let model = e.attr("model");
        if let Some(m) = model {
            if models.contains(&m) {
                return Err(detail(&format!(
                    "seclabel for model {m} is already provided"
                )));
            }
            models.push(m);
        }
        let relabel = match e.attr("relabel") {
            None | Some("yes") => true,
            Some("no") => false,
            Some(v) => {
                return Err(XmlError::Invalid(format!(
                    "Invalid value for attribute 'relabel' in element 'seclabel': '{v}'."
                )))
            }
        };
        let label = e
            .child("label")
            .map(string_value)
            .filter(|l| !l.is_empty() && l.len() <= SECURITY_LABEL_MAX);
        if label.is_some() && !relabel {
            return Err(XmlError::Invalid(format!(
                "Cannot specify a label if relabelling is turned off. model={}",
                model.unwrap_or("<null>")
            )));
        }
    }
    Ok(())
}

/// virSecurityLabelDefsParseXML: each label read, one per model, and a
/// model for each when there are several.
pub(super) fn check_seclabels(def: &DomainDef) -> Result<(), XmlError> {
    let mut models: Vec<Option<String>> = Vec::new();
    for e in top(def, "seclabel") {
        let label = read_seclabel(e)?;
        if models.contains(&label.model) {
            return Err(detail(&format!(
                "seclabel for model {} is already provided",
                label.model.as_deref().unwrap_or("(null)")
            )));
        }
        models.push(label.model);
    }
    if models.len() > 1 && models.iter().any(Option::is_none) {
        return Err(XmlError::Invalid(
            "missing security model when using multiple labels".into(),
        ));
    }
    Ok(())
}

/// The guest memory's NUMA tuning as libvirt settles it
/// (virDomainNumatuneParseXML, virDomainNumatuneSet).
pub(crate) struct NumatuneMemory {
    /// The mode (strict unless given).
    pub(crate) mode: String,
    /// "static" or "auto" (a default placement is static with a node set
    /// or static vCPU placement, else auto).
    pub(crate) placement: &'static str,
    /// The node set in libvirt's form (dropped for auto placement).
    pub(crate) nodeset: Option<String>,
}

/// The settled `<numatune><memory>`, `None` when nothing sets it (no
/// element, or one with nothing libvirt reads, with static vCPU placement).
pub(crate) fn numatune_memory(def: &DomainDef) -> Option<NumatuneMemory> {
    let vcpus_static = def.vcpu.placement.as_deref() != Some("auto");
    let node = top(def, "numatune").next().and_then(|n| n.child("memory"));
    let mode = node.and_then(|n| n.attr("mode"));
    let mut placement = node.and_then(|n| n.attr("placement"));
    let nodeset = node.and_then(|n| n.attr("nodeset")).and_then(canonical_set);
    if !vcpus_static && node.is_none() {
        placement = Some("auto");
    }
    if mode.is_none() && placement.is_none() && nodeset.is_none() {
        return None;
    }
    let placement = match placement.unwrap_or("default") {
        "static" => "static",
        "auto" => "auto",
        _ if nodeset.is_some() || vcpus_static => "static",
        _ => "auto",
    };
    Some(NumatuneMemory {
        mode: mode.unwrap_or("strict").to_string(),
        placement,
        nodeset: if placement == "auto" { None } else { nodeset },
    })
}

/// virDomainVcpuParse: each `<vcpus><vcpu>` read, its id below the
/// maximum count, then the current count within it.
pub(super) fn check_vcpus(def: &DomainDef) -> Result<(), XmlError> {
    crate::views::check_top(def, "vcpus")?;
    for vcpus in top(def, "vcpus") {
        for vcpu in vcpus.children_named("vcpu") {
            let Some(id) = vcpu.attr("id").and_then(|v| v.parse::<u32>().ok()) else {
                continue;
            };
            if id >= def.vcpu.max {
                return Err(XmlError::Invalid(format!(
                    "vcpu id '{id}' is out of range of maximum vcpu count"
                )));
            }
        }
    }
    // The current count is read only without per-vCPU states (which
    // then decide it).
    let states = top(def, "vcpus").any(|v| v.child("vcpu").is_some());
    if !states
        && def
            .vcpu
            .current
            .is_some_and(|current| current > def.vcpu.max)
    {
        return Err(XmlError::Unsupported(
            "maximum vCPU count must not be less than current vCPU count".into(),
        ));
    }
    Ok(())
}

/// The firmware to select (`string(./os/@firmware)`: an empty one is
/// none, autoselection off).
pub(crate) fn firmware(def: &DomainDef) -> Option<&str> {
    os_attr(def, "firmware").filter(|f| !f.is_empty())
}

pub(super) fn os_attr<'a>(def: &'a DomainDef, name: &str) -> Option<&'a str> {
    def.os
        .attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `strtoul` in `base` the way `virStrToLong_uip` takes it: spaces
/// before, an optional sign-free `0x` in base 16, nothing after, within
/// u32; base 0 reads `0x` as hexadecimal and a leading 0 as octal.
///
/// Read byte by byte, accumulating in a u32 (a number beyond it is
/// refused either way): every device address's numbers pass here.
pub(crate) fn c_uint(text: &str, base: u32) -> Option<u32> {
    let t = crate::devinfo::skip_c_space(text).as_bytes();
    let t = match t {
        [b'+', rest @ ..] => rest,
        _ => t,
    };
    let base = match (base, t) {
        (0, [b'0', b'x' | b'X', _, ..]) => 16,
        (0, [b'0', _, ..]) => 8,
        (0, _) => 10,
        (b, _) => b,
    };
    let digits = match t {
        [b'0', b'x' | b'X', rest @ ..]
            if base == 16 && rest.first().is_some_and(u8::is_ascii_hexdigit) =>
        {
            rest
        }
        _ => t,
    };
    // The base a constant in the loop: a shift or a multiplication by a
    // constant per digit, not a division's worth of generic digit checks.
    match base {
        8 => digits_in::<8>(digits),
        10 => digits_in::<10>(digits),
        16 => digits_in::<16>(digits),
        b => digits_in_base(digits, b),
    }
}

/// The value of `digits` (one or more digits of `BASE`, nothing else)
/// within a u32.
fn digits_in<const BASE: u32>(digits: &[u8]) -> Option<u32> {
    digits_in_base(digits, BASE)
}

/// [`digits_in`] in a base known only at run time (up to 36, as
/// `char::to_digit` takes them).
#[inline(always)]
fn digits_in_base(digits: &[u8], base: u32) -> Option<u32> {
    if digits.is_empty() {
        return None;
    }
    let mut n = 0u64;
    for &b in digits {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'z' => b - b'a' + 10,
            b'A'..=b'Z' => b - b'A' + 10,
            _ => return None,
        };
        if u32::from(d) >= base {
            return None;
        }
        n = n * u64::from(base) + u64::from(d);
        if n > u64::from(u32::MAX) {
            return None;
        }
    }
    u32::try_from(n).ok()
}

/// virDomainSEVDefParseXML: the policy (required), cbitpos and
/// reducedPhysBits as numbers.
pub(super) fn check_sev(sec: &Element) -> Result<(), XmlError> {
    let text = |n: &str| sec.child(n).map(Element::text).unwrap_or_default();
    if c_uint(&text("policy"), 16).is_none() {
        return Err(XmlError::Invalid(
            "failed to get launch security policy".into(),
        ));
    }
    for (name, what) in [
        ("cbitpos", "cbitpos"),
        ("reducedPhysBits", "reduced-phys-bits"),
    ] {
        let t = text(name);
        if !t.is_empty() && c_uint(&t, 10).is_none() {
            return Err(XmlError::Invalid(format!(
                "Invalid format for launch security {what}"
            )));
        }
    }
    Ok(())
}

/// The I/O thread count `<iothreads>` asks for as libvirt reads it
/// (`string(./iothreads[1])`, virStrToLong_uip): 0 when absent or empty,
/// `None` when it does not read.
pub(crate) fn iothreads_count(def: &DomainDef) -> Option<u32> {
    match top(def, "iothreads").next().map(string_value) {
        None => Some(0),
        Some(t) if t.is_empty() => Some(0),
        Some(t) => c_uint(&t, 10),
    }
}

/// The I/O thread ids a definition has: its `<iothreadids>`, then as many
/// of the lowest free ids as `<iothreads>` asks beyond them.
pub(super) fn has_iothread(def: &DomainDef, id: u64) -> bool {
    let explicit: Vec<u64> = top(def, "iothreadids")
        .flat_map(|e| e.children_named("iothread"))
        .filter_map(|t| t.attr("id").and_then(|v| v.trim().parse().ok()))
        .collect();
    if explicit.contains(&id) {
        return true;
    }
    let count = u64::from(iothreads_count(def).unwrap_or(0));
    let extra = count.saturating_sub(explicit.len() as u64);
    let below = explicit.iter().filter(|&&e| e >= 1 && e < id).count() as u64;
    id >= 1 && id - below <= extra
}

pub(super) fn check_cputune(
    def: &DomainDef,
    cputune: &Element,
    cpuset: &dyn Fn(&str) -> XmlError,
) -> Result<(), XmlError> {
    // The scheduler values, read as numbers (`virXPathULongLong`,
    // `virXPathLongLong`): an empty one is unset.
    for (name, what, signed) in [
        ("shares", "shares", false),
        ("period", "period", false),
        ("quota", "quota", true),
        ("global_period", "global period", false),
        ("global_quota", "global quota", true),
        ("emulator_period", "emulator period", false),
        ("emulator_quota", "emulator quota", true),
        ("iothread_period", "iothread period", false),
        ("iothread_quota", "iothread quota", true),
    ] {
        let Some(text) = cputune.child(name).map(string_value) else {
            continue;
        };
        if !text.is_empty() && c_long(&text, signed).is_none() {
            return Err(XmlError::Invalid(format!(
                "can't parse cputune {what} value"
            )));
        }
    }
    let mut pinned_vcpus: Vec<u32> = Vec::new();
    for pin in cputune.children_named("vcpupin") {
        let vcpu = required_uint(pin, "vcpu", false)?;
        // libvirt ignores a pin of a vCPU the domain does not have, unread.
        if vcpu >= def.vcpu.max {
            continue;
        }
        let set = pin_cpuset(pin)?;
        if pinned_vcpus.contains(&vcpu) {
            return Err(XmlError::Internal(format!(
                "duplicate vcpupin for vcpu '{vcpu}'"
            )));
        }
        pinned_vcpus.push(vcpu);
        check_set(Some(set), Some(cpuset))?;
    }
    let mut emulatorpins = cputune.children_named("emulatorpin");
    if let Some(pin) = emulatorpins.next() {
        if emulatorpins.next().is_some() {
            return Err(XmlError::Invalid(
                "only one emulatorpin is supported".into(),
            ));
        }
        check_set(Some(pin_cpuset(pin)?), Some(cpuset))?;
    }
    let mut pinned_threads: Vec<u32> = Vec::new();
    for pin in cputune.children_named("iothreadpin") {
        let id = required_uint(pin, "iothread", true)?;
        if !has_iothread(def, u64::from(id)) {
            return Err(XmlError::Unsupported(format!(
                "Cannot find 'iothread' : {id}"
            )));
        }
        check_set(Some(pin_cpuset(pin)?), Some(cpuset))?;
        if pinned_threads.contains(&id) {
            return Err(XmlError::Internal(format!(
                "duplicate iothreadpin for same iothread '{id}'"
            )));
        }
        pinned_threads.push(id);
    }
    for (element, attr) in [("vcpusched", "vcpus"), ("iothreadsched", "iothreads")] {
        let mut taken: Vec<(u64, u64)> = Vec::new();
        for sched in cputune.children_named(element) {
            let Some(v) = sched.attr(attr) else {
                return Err(XmlError::Invalid(format!(
                    "Missing attribute '{attr}' in element '{element}'"
                )));
            };
            let set = bitmap(v, CPUMASK_LEN)
                .ok_or_else(|| XmlError::InvalidArg(format!("Failed to parse bitmap '{v}'")))?;
            if set.is_empty() {
                return Err(XmlError::Unsupported(format!(
                    "'{attr}' scheduler bitmap '{v}' is empty"
                )));
            }
            check_scheduler(sched)?;
            for &(lo, hi) in &set {
                for bit in lo..=hi {
                    let present = match attr {
                        "vcpus" => bit < u64::from(def.vcpu.max),
                        _ => has_iothread(def, bit),
                    };
                    if !present {
                        return Err(XmlError::Unsupported(match attr {
                            "vcpus" => {
                                format!("vCPU '{bit}' is not present in domain definition")
                            }
                            _ => format!("Cannot find 'iothread' : {bit}"),
                        }));
                    }
                    if taken.iter().any(|&(a, b)| a <= bit && bit <= b) {
                        return Err(detail(&format!(
                            "'{element}' attributes '{attr}' must not overlap"
                        )));
                    }
                }
            }
            taken.extend(set);
        }
    }
    let mut emulatorscheds = cputune.children_named("emulatorsched");
    if let Some(sched) = emulatorscheds.next() {
        if emulatorscheds.next().is_some() {
            return Err(XmlError::Invalid(
                "only one emulatorsched is supported".into(),
            ));
        }
        check_scheduler(sched)?;
    }
    // Then the resource control groups (read_resctrls).
    Ok(())
}

/// A pin's `cpuset`, which libvirt requires (an internal error without).
pub(super) fn pin_cpuset(pin: &Element) -> Result<&str, XmlError> {
    pin.attr("cpuset")
        .ok_or_else(|| XmlError::Internal(format!("missing cpuset for {}", pin.name)))
}

/// `virXMLPropUInt` with VIR_XML_PROP_REQUIRED (and NONZERO when
/// `nonzero`), base 10.
pub(super) fn required_uint(e: &Element, attr: &str, nonzero: bool) -> Result<u32, XmlError> {
    let Some(v) = e.attr(attr) else {
        return Err(missing_attr(e, attr));
    };
    match c_uint(v, 10) {
        None => Err(XmlError::NotUnsigned {
            attr: attr.into(),
            element: e.name.to_string(),
            value: v.into(),
        }),
        Some(0) if nonzero => Err(XmlError::Invalid(format!(
            "Invalid value for attribute '{attr}' in element '{}': Zero is not permitted",
            e.name
        ))),
        Some(n) => Ok(n),
    }
}

/// virDomainHugepagesParseXML: a page's size is a required memory size
/// (`virDomainParseMemory` on `./@size`), not zero once in KiB.
pub(super) fn check_hugepage_size(page: &Element) -> Result<(), XmlError> {
    let size = page.attr("size").unwrap_or_default();
    if size.is_empty() {
        return Err(XmlError::Invalid(
            "missing element or attribute './@size'".into(),
        ));
    }
    if c_ulong(size).is_none() {
        return Err(XmlError::InvalidValue {
            value: size.into(),
            xpath: "./@size".into(),
        });
    }
    if crate::parse_memory(size.trim(), page.attr("unit"))? == 0 {
        return Err(detail("hugepage size can't be zero"));
    }
    Ok(())
}

/// `virStrToLong_ullp`: spaces before, digits (no sign), nothing after.
pub(super) fn c_ulong(text: &str) -> Option<u64> {
    crate::devinfo::c_unsigned(text, 10)
}

pub(crate) fn missing_attr(e: &Element, attr: &str) -> XmlError {
    XmlError::Invalid(format!(
        "Missing required attribute '{attr}' in element '{}'",
        e.name
    ))
}

/// virDomainSchedulerParseCommonAttrs: a policy other than "none", and a
/// priority for the real-time ones.
pub(super) fn check_scheduler(sched: &Element) -> Result<(), XmlError> {
    let Some(policy) = sched.attr("scheduler") else {
        return Err(missing_attr(sched, "scheduler"));
    };
    if !matches!(policy, "batch" | "idle" | "fifo" | "rr") {
        return Err(XmlError::Invalid(format!(
            "Invalid value for attribute 'scheduler' in element '{}': '{policy}'.",
            sched.name
        )));
    }
    if matches!(policy, "fifo" | "rr") {
        let Some(p) = sched.attr("priority") else {
            return Err(missing_attr(sched, "priority"));
        };
        if c_int(p).is_none() {
            return Err(XmlError::Invalid(format!(
                "Invalid value for attribute 'priority' in element '{}': '{p}'. \
                 Expected integer value",
                sched.name
            )));
        }
    }
    Ok(())
}

/// `strtol`/`strtoll` as `virStrToLong_i` takes it: spaces before, a
/// sign, digits, nothing after, within i32.
pub(crate) fn c_int(text: &str) -> Option<i32> {
    let t = text.trim_start_matches(is_space);
    let t = t.strip_prefix('+').unwrap_or(t);
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// `virStrToLong_ll` (`signed`) or `virStrToLong_ullp` on the whole
/// text: spaces before, a sign (none but '+' when unsigned), decimal
/// digits, nothing after.
pub(crate) fn c_long(text: &str, signed: bool) -> Option<()> {
    let t = text.trim_start_matches(is_space);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u128 = t.parse().ok()?;
    let fits = match (signed, neg) {
        (true, false) => n <= i64::MAX as u128,
        (true, true) => n <= i64::MAX as u128 + 1,
        (false, false) => n <= u64::MAX as u128,
        (false, true) => false,
    };
    fits.then_some(())
}

/// virCPUDefParseXML's checks of a guest CPU.
pub(super) fn check_cpu(cpu: &Element) -> Result<(), XmlError> {
    let mode = cpu.attr("mode").unwrap_or("custom");
    if !matches!(
        mode,
        "custom" | "host-model" | "host-passthrough" | "maximum"
    ) {
        return Err(XmlError::Unsupported(format!(
            "Invalid mode attribute '{mode}'"
        )));
    }
    let passthrough = matches!(mode, "host-passthrough" | "maximum");
    // virXMLPropTristateSwitch, then the modes it is for.
    if let Some(m) = cpu
        .attr("migratable")
        .filter(|m| !matches!(*m, "on" | "off"))
    {
        return Err(XmlError::Invalid(format!(
            "Invalid value for attribute 'migratable' in element 'cpu': '{m}'."
        )));
    }
    if cpu.attr("migratable").is_some() && !passthrough {
        return Err(XmlError::Unsupported(
            "Attribute migratable is only allowed for 'host-passthrough' / 'maximum' CPU mode"
                .into(),
        ));
    }
    // The model's fallback and vendor id, read for a CPU libvirt does not
    // pass through (`string(./model[1]/@...)`: empty is none).
    let model_attr = |name| {
        cpu.child("model")
            .and_then(|m| m.attr(name))
            .filter(|v| !v.is_empty())
    };
    if !passthrough {
        if model_attr("fallback").is_some_and(|f| !matches!(f, "allow" | "forbid")) {
            return Err(XmlError::Unsupported("Invalid fallback attribute".into()));
        }
        if let Some(id) = model_attr("vendor_id") {
            if id.len() != 12 {
                return Err(XmlError::Invalid(
                    "vendor_id must be exactly 12 characters long".into(),
                ));
            }
            if id.contains(',') {
                return Err(XmlError::Invalid("vendor id is invalid".into()));
            }
        }
    }
    // `string(./model[1])`: an empty model is no model.
    let has_model = cpu.child("model").is_some_and(|m| !m.text().is_empty());
    if cpu.child("vendor").is_some_and(|v| !v.text().is_empty()) && !has_model {
        return Err(XmlError::Invalid(
            "CPU vendor specified without CPU model".into(),
        ));
    }
    if let Some(topology) = cpu.child("topology") {
        required_uint(topology, "sockets", true)?;
        if topology.attr("dies").is_some() {
            required_uint(topology, "dies", true)?;
        }
        required_uint(topology, "cores", true)?;
        required_uint(topology, "threads", true)?;
    }
    if cpu.child("feature").is_some() && !has_model && mode == "custom" {
        return Err(XmlError::Invalid(
            "Non-empty feature list specified without CPU model".into(),
        ));
    }
    // Each feature: a known policy, a name, once.
    let mut names: Vec<&str> = Vec::new();
    for feature in cpu.children_named("feature") {
        let policies = ["force", "require", "optional", "disable", "forbid"];
        if feature
            .attr("policy")
            .is_some_and(|p| !policies.contains(&p))
        {
            return Err(XmlError::Unsupported("Invalid CPU feature policy".into()));
        }
        let Some(name) = feature.attr("name").filter(|n| !n.is_empty()) else {
            return Err(XmlError::Invalid("Invalid CPU feature name".into()));
        };
        if names.contains(&name) {
            return Err(XmlError::Invalid(format!(
                "CPU feature '{name}' specified more than once"
            )));
        }
        names.push(name);
    }
    // virCPUDefParseXMLCache: one cache at most, its level (1 to 3) and
    // mode.
    let mut caches = cpu.children_named("cache");
    if let Some(cache) = caches.next() {
        if caches.next().is_some() {
            return Err(XmlError::Invalid(
                "at most one CPU cache element may be specified".into(),
            ));
        }
        if let Some(level) = nonnegative_int(cache, "level")? {
            if !(1..=3).contains(&level) {
                return Err(XmlError::Invalid(
                    "invalid CPU cache level, must be in range [1,3]".into(),
                ));
            }
        }
        required_choice(cache, "mode", &["emulate", "passthrough", "disable"])?;
    }
    // The first `<maxphysaddr>`: its mode, its bits.
    if let Some(addr) = cpu.child("maxphysaddr") {
        required_choice(addr, "mode", &["passthrough", "emulate"])?;
        nonnegative_int(addr, "bits")?;
    }
    Ok(())
}

/// `virXMLPropInt` with VIR_XML_PROP_NONNEGATIVE, base 10.
fn nonnegative_int(e: &Element, attr: &str) -> Result<Option<i32>, XmlError> {
    let Some(v) = e.attr(attr) else {
        return Ok(None);
    };
    let bad = |why: &str| {
        XmlError::Invalid(format!(
            "Invalid value for attribute '{attr}' in element '{}': '{v}'. {why}",
            e.name
        ))
    };
    match c_int(v) {
        None => Err(bad("Expected integer value")),
        Some(n) if n < 0 => Err(bad("Expected non-negative value")),
        Some(n) => Ok(Some(n)),
    }
}

/// `virXMLPropEnum` with VIR_XML_PROP_REQUIRED: one of `values`.
pub(super) fn required_choice<'a>(
    e: &'a Element,
    attr: &str,
    values: &[&str],
) -> Result<&'a str, XmlError> {
    match e.attr(attr) {
        None => Err(missing_attr(e, attr)),
        Some(v) if values.contains(&v) => Ok(v),
        Some(v) => Err(XmlError::Invalid(format!(
            "Invalid value for attribute '{attr}' in element '{}': '{v}'.",
            e.name
        ))),
    }
}

/// virSysinfoParseSMBIOSDef: the first `<bios>`'s date as mm/dd/yy or
/// mm/dd/yyyy, the first `<system>`'s uuid a UUID, the domain's own.
pub(super) fn check_smbios(def: &DomainDef, sysinfo: &Element) -> Result<(), XmlError> {
    // `string(entry[@name='...'])`: the first such entry, empty is none.
    let entry = |section: &str, name: &str| {
        sysinfo
            .child(section)
            .and_then(|s| {
                s.children_named("entry")
                    .find(|e| e.attr("name") == Some(name))
            })
            .map(string_value)
            .filter(|v| !v.is_empty())
    };
    if let Some(date) = entry("bios", "date") {
        if !bios_date(&date) {
            return Err(detail("Invalid BIOS 'date' format"));
        }
    }
    if let Some(uuid) = entry("system", "uuid") {
        let Some(parsed) = crate::parse_uuid(&uuid) else {
            return Err(detail("malformed <sysinfo> uuid element"));
        };
        if def.uuid.is_some_and(|own| own != parsed) {
            return Err(detail("UUID mismatch between <uuid> and <sysinfo>"));
        }
    }
    Ok(())
}

/// Whether a BIOS date reads as libvirt reads it: month/day/year, each
/// as `virStrToLong_i` takes a number followed by more text, the month
/// 1-12, the day 1-31, the year 0-99 or from 1900.
pub(super) fn bios_date(date: &str) -> bool {
    let Some((month, rest)) = c_int_prefix(date) else {
        return false;
    };
    let Some((day, rest)) = rest.strip_prefix('/').and_then(c_int_prefix) else {
        return false;
    };
    let Some((year, rest)) = rest.strip_prefix('/').and_then(c_int_prefix) else {
        return false;
    };
    rest.is_empty()
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && ((0..100).contains(&year) || year >= 1900)
}

/// `strtol` within i32 on the start of `text` (spaces, a sign, at least
/// one digit): the number and the rest.
pub(super) fn c_int_prefix(text: &str) -> Option<(i32, &str)> {
    let t = text.trim_start_matches(is_space);
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let end = t.len() - body.len() + digits;
    Some((c_int(&t[..end])?, &t[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(check: fn(&Element) -> Result<(), XmlError>, xml: &str) -> String {
        let e = crate::reader::parse_element(xml).unwrap();
        check(&e).err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn guest_cpu_caches_and_features_as_libvirt_reads_them() {
        let cpu = |body: &str| refusal(check_cpu, &format!("<cpu mode='host-model'>{body}</cpu>"));
        assert_eq!(
            cpu("<cache mode='emulate'/><cache mode='emulate'/>"),
            "XML error: at most one CPU cache element may be specified"
        );
        assert_eq!(
            cpu("<cache level='4' mode='emulate'/>"),
            "XML error: invalid CPU cache level, must be in range [1,3]"
        );
        assert_eq!(cpu("<cache level='-1' mode='emulate'/>"), "XML error: Invalid value for attribute 'level' in element 'cache': '-1'. Expected non-negative value");
        assert_eq!(
            cpu("<cache level='3'/>"),
            "XML error: Missing required attribute 'mode' in element 'cache'"
        );
        assert_eq!(cpu("<maxphysaddr mode='emulate' bits='4294967295'/>"), "XML error: Invalid value for attribute 'bits' in element 'maxphysaddr': '4294967295'. Expected integer value");
        assert_eq!(
            cpu("<feature name='a'/><feature policy='x' name='b'/>"),
            "unsupported configuration: Invalid CPU feature policy"
        );
        assert_eq!(
            cpu("<feature name='a'/><feature name='a'/>"),
            "XML error: CPU feature 'a' specified more than once"
        );
        // The features come before the cache in libvirt's reading.
        assert_eq!(
            cpu("<cache mode='x'/><feature name=''/>"),
            "XML error: Invalid CPU feature name"
        );
        assert_eq!(
            cpu("<cache level='1' mode='disable'/><maxphysaddr mode='passthrough'/>"),
            ""
        );
        // The mode, then migratable's value, then the modes it is for.
        let top = |attrs: &str| refusal(check_cpu, &format!("<cpu {attrs}/>"));
        assert_eq!(
            top("mode='x' migratable='x'"),
            "unsupported configuration: Invalid mode attribute 'x'"
        );
        assert_eq!(
            top("migratable='99'"),
            "XML error: Invalid value for attribute 'migratable' in element 'cpu': '99'."
        );
        assert_eq!(top("mode='maximum' migratable='on'"), "");
    }
}

#[cfg(test)]
mod device_seclabel_tests {
    use super::check_device_seclabels;

    fn verdict(source: &str) -> String {
        let el = crate::reader::parse_element(source).expect("well-formed");
        match check_device_seclabels(&el) {
            Ok(()) => "OK".into(),
            Err(e) => e.to_string(),
        }
    }

    /// As virsh 9.0 refuses a disk or serial source's overrides.
    #[test]
    fn device_seclabels_read_as_libvirt_reads_them() {
        assert_eq!(verdict("<source><seclabel model='dac' relabel='no'/><seclabel model='selinux'><label>l</label></seclabel></source>"), "OK");
        assert_eq!(
            verdict(
                "<source><seclabel model='dac' relabel='no'><label>l</label></seclabel></source>"
            ),
            "XML error: Cannot specify a label if relabelling is turned off. model=dac"
        );
        assert_eq!(
            verdict("<source><seclabel relabel='no'><label>l</label></seclabel></source>"),
            "XML error: Cannot specify a label if relabelling is turned off. model=<null>"
        );
        // An empty label is none.
        assert_eq!(
            verdict("<source><seclabel relabel='no'><label/></seclabel></source>"),
            "OK"
        );
        assert_eq!(
            verdict("<source><seclabel model='dac'/><seclabel/><seclabel model='dac'/></source>"),
            "seclabel for model dac is already provided"
        );
        assert_eq!(verdict("<source><seclabel/><seclabel/></source>"), "OK");
        assert_eq!(
            verdict("<source><seclabel relabel='junk'/></source>"),
            "XML error: Invalid value for attribute 'relabel' in element 'seclabel': 'junk'."
        );
    }
}

#[cfg(test)]
mod init_options {
    /// An exe guest's `<os>` as virsh 9.0 takes it on test:///default:
    /// "OK" and its written `<os>`, or the error.
    fn define(os: &str) -> String {
        let xml = format!(
            "<domain type='test'><name>e</name><memory>1024</memory><os><type>exe</type>{os}</os></domain>"
        );
        match crate::parse_domain(&xml) {
            Ok(def) => {
                let out = def.to_xml(&crate::FormatOptions::default());
                let start = out.find("<os>").unwrap_or_default();
                let end = out.find("</os>").unwrap_or_default();
                out[start..end].lines().map(str::trim).collect()
            }
            Err(e) => e.to_string(),
        }
    }

    /// virDomainDefParseBootInitOptions: each argument has text, each
    /// variable a name and text; the command line is kept.
    #[test]
    fn init_options_read_as_libvirt_reads_them() {
        assert_eq!(
            define("<init>/i</init><initarg>a</initarg><initarg/>"),
            "XML error: No data supplied for <initarg> element"
        );
        assert_eq!(
            define("<init>/i</init><initenv>v</initenv>"),
            "XML error: No name supplied for <initenv> element"
        );
        assert_eq!(
            define("<init>/i</init><initenv name='x'/>"),
            "XML error: No value supplied for <initenv name='x'> element"
        );
        assert!(define("<init>/i</init><cmdline>c</cmdline>").contains("<cmdline>c</cmdline>"));
    }
}

#[cfg(test)]
mod idmap_and_resource {
    fn verdict(parts: &str) -> String {
        let xml = format!(
            "<domain type='test'><name>m</name><memory>1024</memory><os><type>hvm</type></os>{parts}</domain>"
        );
        match crate::parse_domain(&xml) {
            Ok(_) => "OK".into(),
            Err(e) => e.to_string(),
        }
    }

    /// virDomainIdmapDefParseXML's one message for a range that does not
    /// read, virDomainDefResourceValidate's appid (texts from virsh 9.0).
    #[test]
    fn idmap_ranges_and_appid_as_libvirt_reads_them() {
        let invalid = "XML error: invalid idmap start/target/count settings";
        let gid = "<gid start='0' target='1000' count='10'/>";
        for uid in [
            "<uid start='x' target='1000' count='10'/>",
            "<uid start='0' target='1000'/>",
            "<uid start='-1' target='1000' count='10'/>",
        ] {
            assert_eq!(
                verdict(&format!("<idmap>{uid}{gid}</idmap>")),
                invalid,
                "{uid}"
            );
        }
        assert_eq!(
            verdict(&format!(
                "<idmap><uid start=' 0' target='+1000' count='010'/>{gid}</idmap>"
            )),
            "OK"
        );
        let long = "a".repeat(129);
        assert_eq!(
            verdict(&format!(
                "<resource><fibrechannel appid='{long}'/></resource>"
            )),
            "invalid argument: Fibre Channel 'appid' string length must be between [1, 128]"
        );
        assert_eq!(
            verdict("<resource><fibrechannel appid='aéb'/></resource>"),
            "XML error: Fibre Channel 'appid' is not a printable string"
        );
        assert_eq!(
            verdict("<resource><fibrechannel appid='$x'/></resource>"),
            "OK"
        );
    }
}
